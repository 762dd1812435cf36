/* mandelbrot: C twin of mandelbrot.lm -- escape-time count over a size x size grid, double. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

int main(void) {
    volatile int64_t size_opaque = 1000; /* problem size hidden from the optimizer */
    volatile int64_t max_iter_opaque = 1000;
    int64_t size = size_opaque;
    int64_t max_iter = max_iter_opaque;
    int64_t count = 0;
    for (int64_t py = 0; py < size; py++) {
        double cy = -1.25 + (double)py * 2.5 / (double)size;
        for (int64_t px = 0; px < size; px++) {
            double cx = -2.0 + (double)px * 2.5 / (double)size;
            double zr = 0.0;
            double zi = 0.0;
            int64_t i = 0;
            while (i < max_iter && zr * zr + zi * zi <= 4.0) {
                double t = zr * zr - zi * zi + cx;
                zi = 2.0 * zr * zi + cy;
                zr = t;
                i = i + 1;
            }
            if (i == max_iter) count = count + 1;
        }
    }
    printf("%" PRId64 "\n", count);
    return 0;
}
