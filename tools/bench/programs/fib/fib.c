/* fib: C twin of fib.lm -- naive doubly recursive Fibonacci on int64_t. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

static int64_t fib(int64_t n) {
    if (n < 2) return n;
    return fib(n - 1) + fib(n - 2);
}

int main(void) {
    volatile int64_t n_opaque = 42; /* problem size hidden from the optimizer */
    int64_t n = n_opaque;
    printf("%" PRId64 "\n", fib(n));
    return 0;
}
