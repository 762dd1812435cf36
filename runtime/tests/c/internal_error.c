/* A runtime error code the runtime does not know is a bug in the compiler or
 * runtime: reported as such, then abort. */
#include "lumen.h"

int64_t lm_program_main(void) {
    lm_write_int(1, 5);
    lm_write_newline(1);
    lm_runtime_error(999, 0);
}
