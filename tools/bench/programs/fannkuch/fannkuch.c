/* fannkuch: C twin of fannkuch.lm -- sequential fannkuch-redux (benchmarks game), n = 10. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    volatile int64_t n_opaque = 10; /* problem size hidden from the optimizer */
    int64_t n = n_opaque;
    int64_t *perm = calloc((size_t)n, sizeof(int64_t));
    int64_t *perm1 = calloc((size_t)n, sizeof(int64_t));
    int64_t *count = calloc((size_t)n, sizeof(int64_t));
    if (!perm || !perm1 || !count) abort();
    for (int64_t i = 0; i < n; i++) perm1[i] = i;
    int64_t max_flips = 0, perm_count = 0, checksum = 0;
    int64_t r = n;
    for (;;) {
        while (r != 1) {
            count[r - 1] = r;
            r = r - 1;
        }
        for (int64_t i = 0; i < n; i++) perm[i] = perm1[i];
        int64_t flips = 0;
        int64_t k = perm[0];
        while (k != 0) {
            int64_t i = 0, j = k;
            while (i < j) {
                int64_t t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
                i = i + 1;
                j = j - 1;
            }
            flips = flips + 1;
            k = perm[0];
        }
        if (flips > max_flips) max_flips = flips;
        if (perm_count % 2 == 0)
            checksum = checksum + flips;
        else
            checksum = checksum - flips;
        /* Next permutation: rotate the first r + 1 elements until a count is left. */
        int done = 0;
        for (;;) {
            if (r == n) {
                done = 1;
                break;
            }
            int64_t perm0 = perm1[0];
            for (int64_t i = 0; i < r; i++) perm1[i] = perm1[i + 1];
            perm1[r] = perm0;
            count[r] = count[r] - 1;
            if (count[r] > 0) break;
            r = r + 1;
        }
        if (done) break;
        perm_count = perm_count + 1;
    }
    printf("%" PRId64 "\nPfannkuchen(%" PRId64 ") = %" PRId64 "\n", checksum, n, max_flips);
    free(perm);
    free(perm1);
    free(count);
    return 0;
}
