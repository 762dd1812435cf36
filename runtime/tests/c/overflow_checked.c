/* Infinite recursion with the prologue check generated code performs. */
#include "lumen.h"

static const struct lm_loc LOC = {"app.lm", "recurse", 5, 1};

__attribute__((noinline)) int64_t recurse(int64_t n) {
    if ((uintptr_t)__builtin_frame_address(0) < lm_stack_limit) {
        lm_stack_overflow(&LOC);
        return 0;
    }
    volatile char pad[200];
    pad[0] = (char)n;
    int64_t r = recurse(n + 1);
    if (lm_failing) return 0;
    return r + pad[0];
}

int64_t lm_program_main(void) { return recurse(0); }
