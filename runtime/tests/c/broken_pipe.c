/* Prints forever; the reader goes away. */
#include "lumen.h"

int64_t lm_program_main(void) {
    for (int64_t i = 0;; i++) {
        lm_write_int(1, i);
        lm_write_newline(1);
    }
}
