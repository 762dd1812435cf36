/* sieve: C twin of sieve.lm -- sieve of Eratosthenes up to 5M on a char array, 25 rounds. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int64_t count_primes(int64_t limit) {
    char *flags = malloc((size_t)limit + 1);
    if (!flags) abort();
    for (int64_t i = 0; i <= limit; i++) flags[i] = 1;
    flags[0] = 0;
    flags[1] = 0;
    for (int64_t p = 2; p * p <= limit; p++) {
        if (flags[p]) {
            for (int64_t j = p * p; j <= limit; j += p) flags[j] = 0;
        }
    }
    int64_t count = 0;
    for (int64_t i = 0; i <= limit; i++) {
        if (flags[i]) count = count + 1;
    }
    free(flags);
    return count;
}

int main(void) {
    volatile int64_t limit_opaque = 5000000; /* problem size hidden from the optimizer */
    volatile int64_t rounds_opaque = 25;
    int64_t limit = limit_opaque;
    int64_t rounds = rounds_opaque;
    int64_t total = 0, count = 0;
    for (int64_t r = 0; r < rounds; r++) {
        count = count_primes(limit);
        total = total + count;
    }
    printf("%" PRId64 "\n%" PRId64 "\n", count, total);
    return 0;
}
