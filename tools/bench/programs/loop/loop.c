/* loop: C twin of loop.lm -- Collatz step counts for every start in 1..n, int64_t. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

int main(void) {
    volatile int64_t n_opaque = 3000000; /* problem size hidden from the optimizer */
    int64_t n = n_opaque;
    int64_t total = 0;
    int64_t checksum = 0;
    for (int64_t i = 1; i < n; i++) {
        int64_t x = i;
        int64_t steps = 0;
        while (x != 1) {
            if (x % 2 == 0)
                x = x / 2;
            else
                x = 3 * x + 1;
            steps = steps + 1;
        }
        total = total + steps;
        checksum = (checksum * 31 + steps) % 1000000007;
    }
    printf("%" PRId64 "\n", total);
    printf("%" PRId64 "\n", checksum);
    return 0;
}
