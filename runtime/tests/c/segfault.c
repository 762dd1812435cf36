/* A wild access that is not a stack overflow stays a crash (a bug to fix),
 * with a note from the runtime. */
#include "lumen.h"

int64_t lm_program_main(void) {
    volatile int *p = (int *)16;
    return *p;
}
