/* stdout written before a runtime error must appear, before the report. */
#include "lumen.h"

LM_STR(BEFORE, "before");
static const struct lm_loc LOC = {"app.lm", "main", 3, 7};

int64_t lm_program_main(void) {
    lm_write_str(1, &BEFORE);
    lm_write_newline(1);
    int64_t p = lm_int_pow(2, -1, &LOC);
    if (lm_failing) return 0;
    lm_write_int(1, p);
    return 0;
}
