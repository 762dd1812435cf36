/* `"ab"[5]` */
#include "lumen.h"

LM_STR(AB, "ab");
static const struct lm_loc LOC = {"dir/app.lm", "pick", 12, 15};

int64_t lm_program_main(void) {
    lm_str_index(&AB, 5, &LOC);
    return 0;
}
