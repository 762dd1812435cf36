/* matmul: C twin of matmul.lm -- 300x300 double matrices as arrays of row pointers,
   B transposed, in-order dot products, 20 rounds; prints the exact integer checksum. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static double **alloc_matrix(int64_t n) {
    double **m = malloc(sizeof(double *) * (size_t)n);
    if (!m) abort();
    for (int64_t i = 0; i < n; i++) {
        m[i] = malloc(sizeof(double) * (size_t)n);
        if (!m[i]) abort();
    }
    return m;
}

static void free_matrix(double **m, int64_t n) {
    for (int64_t i = 0; i < n; i++) free(m[i]);
    free(m);
}

static double **make_matrix(int64_t n, int64_t a, int64_t b, int64_t c) {
    double **m = alloc_matrix(n);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) m[i][j] = (double)((i * a + j * b + c) % 10);
    return m;
}

static double **transpose(double **m, int64_t n) {
    double **t = alloc_matrix(n);
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < n; i++) t[j][i] = m[i][j];
    return t;
}

static double **multiply(double **a, double **bt, int64_t n) {
    double **c = alloc_matrix(n);
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = 0; j < n; j++) {
            double s = 0.0;
            for (int64_t k = 0; k < n; k++) s = s + a[i][k] * bt[j][k];
            c[i][j] = s;
        }
    }
    return c;
}

int main(void) {
    volatile int64_t n_opaque = 300; /* problem size hidden from the optimizer */
    volatile int64_t rounds_opaque = 20;
    int64_t n = n_opaque;
    int64_t rounds = rounds_opaque;
    double total = 0.0;
    for (int64_t r = 0; r < rounds; r++) {
        double **a = make_matrix(n, 7, 3, r);
        double **b = make_matrix(n, 5, 11, 3 * r);
        double **bt = transpose(b, n);
        double **c = multiply(a, bt, n);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < n; j++) total = total + c[i][j];
        free_matrix(a, n);
        free_matrix(b, n);
        free_matrix(bt, n);
        free_matrix(c, n);
    }
    printf("%" PRId64 "\n", (int64_t)total);
    return 0;
}
