/* `exit(42)` flushes buffered output. */
#include "lumen.h"

int64_t lm_program_main(void) {
    for (int i = 0; i < 3; i++) {
        lm_write_int(1, i);
        lm_write_newline(1);
    }
    lm_exit(42);
}
