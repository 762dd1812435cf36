/* `halt "boom"` */
#include "lumen.h"

LM_STR(BOOM, "boom");
static const struct lm_loc LOC = {"app.lm", "main", 2, 3};

int64_t lm_program_main(void) {
    lm_write_int(1, 1);
    lm_write_newline(1);
    lm_halt(&BOOM, &LOC);
    return 0;
}
