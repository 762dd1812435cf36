/* sort: C twin of sort.lm -- qsort of 1M LCG-generated int64s, 5 rounds, checksum. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(void) {
    volatile int64_t n_opaque = 1000000; /* problem size hidden from the optimizer */
    volatile int64_t rounds_opaque = 5;
    int64_t n = n_opaque;
    int64_t rounds = rounds_opaque;
    int64_t x = 42;
    int64_t checksum = 0;
    for (int64_t r = 0; r < rounds; r++) {
        int64_t *xs = malloc(sizeof(int64_t) * (size_t)n);
        if (!xs) abort();
        for (int64_t i = 0; i < n; i++) {
            x = (x * 1103515245 + 12345) % 2147483648;
            xs[i] = x;
        }
        qsort(xs, (size_t)n, sizeof(int64_t), cmp_i64);
        for (int64_t i = 0; i < n; i++) checksum = (checksum * 31 + xs[i]) % 1000000007;
        free(xs);
    }
    printf("%" PRId64 "\n", checksum);
    return 0;
}
