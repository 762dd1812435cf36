/* `[10, 20][5]` */
#include "lumen.h"

static const struct lm_type INT = {TK_INT, 0, 0, 0, 0};
static const struct lm_loc LOC = {"app.lm", "main", 4, 9};

int64_t lm_program_main(void) {
    void *xs = lm_list_new(&INT, 0);
    xs = lm_list_push(xs, 10);
    xs = lm_list_push(xs, 20);
    lm_write_int(1, lm_list_get(xs, -2, &LOC));
    lm_write_newline(1);
    lm_list_get(xs, 5, &LOC);
    return 0;
}
