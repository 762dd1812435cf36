/* Infinite recursion without any check: the guard page must catch it. */
#include "lumen.h"

__attribute__((noinline)) int64_t recurse(int64_t n) {
    volatile char pad[200];
    pad[0] = (char)n;
    return recurse(n + 1) + pad[0];
}

int64_t lm_program_main(void) {
    lm_write_int(1, 1);
    lm_write_newline(1);
    return recurse(0);
}
