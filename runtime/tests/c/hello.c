/* Prints through the runtime and returns 3: the exit status. */
#include "lumen.h"

LM_STR(HELLO, "hello, wörld");
LM_STR(SEP, " | ");

int64_t lm_program_main(void) {
    lm_write_str(1, &HELLO);
    lm_write_newline(1);
    lm_write_int(1, -42);
    lm_write_space(1);
    lm_write_float(1, 0.1 + 0.2);
    lm_write_space(1);
    lm_write_float(1, 1e20);
    lm_write_space(1);
    lm_write_float(1, -0.0);
    lm_write_space(1);
    lm_write_bool(1, 1);
    lm_write_space(1);
    lm_write_null(1);
    lm_write_newline(1);

    lm_str *n = lm_str_from_int(7);
    lm_str *f = lm_str_from_float(2.5);
    lm_str *padded = lm_fmt_int(42, 0, 0, 2 /* zero */, 5, -1, 0);
    lm_str *fixed = lm_fmt_float(3.14159, 0, 0, 0, -1, 2, 1);
    const void *parts[] = {n, &SEP, f, &SEP, padded, &SEP, fixed};
    lm_str *all = lm_str_concat_n(parts, 7);
    lm_write_str(1, all);
    lm_write_newline(1);
    lm_write_int(1, lm_str_len(&HELLO));
    lm_write_space(1);
    lm_str *c = lm_str_index(&HELLO, -4, 0);
    lm_write_str(1, c);
    lm_write_space(1);
    lm_write_int(1, lm_int_pow(3, 4, 0));
    lm_write_space(1);
    lm_write_float(1, lm_float_mod(-7.0, 2.0));
    lm_write_newline(1);
    lm_release(n); lm_release(f); lm_release(padded); lm_release(fixed);
    lm_release(all); lm_release(c);
    /* The stack limit is set while the main task runs. */
    char probe;
    if (lm_stack_limit == 0 || (uintptr_t)&probe < lm_stack_limit) return 99;
    return 3;
}
