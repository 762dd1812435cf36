/* nbody: C twin of nbody.lm -- the benchmarks-game n-body simulation (5 bodies, dt = 0.01),
   an array of structs, pow(d2, 0.5) for the distance (as Lumen's `d2 ** 0.5`). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#define PI 3.141592653589793
#define SOLAR_MASS (4.0 * PI * PI)
#define DAYS_PER_YEAR 365.24
#define NBODIES 5

typedef struct {
    double x, y, z, vx, vy, vz, mass;
} Body;

static double energy(const Body *bodies, int64_t n) {
    double e = 0.0;
    for (int64_t i = 0; i < n; i++) {
        const Body *b = &bodies[i];
        e = e + 0.5 * b->mass * (b->vx * b->vx + b->vy * b->vy + b->vz * b->vz);
        for (int64_t j = i + 1; j < n; j++) {
            const Body *b2 = &bodies[j];
            double dx = b->x - b2->x;
            double dy = b->y - b2->y;
            double dz = b->z - b2->z;
            e = e - (b->mass * b2->mass) / pow(dx * dx + dy * dy + dz * dz, 0.5);
        }
    }
    return e;
}

int main(void) {
    volatile int64_t steps_opaque = 2000000; /* problem size hidden from the optimizer */
    int64_t steps = steps_opaque;
    const double dt = 0.01;
    Body bodies[NBODIES] = {
        /* Sun */
        {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, SOLAR_MASS},
        /* Jupiter */
        {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
         1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
         -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS},
        /* Saturn */
        {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
         -2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
         2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS},
        /* Uranus */
        {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
         2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
         -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS},
        /* Neptune */
        {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
         2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
         -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS},
    };
    volatile int64_t n_opaque = NBODIES;
    int64_t n = n_opaque;

    double px = 0.0, py = 0.0, pz = 0.0;
    for (int64_t i = 0; i < n; i++) {
        px = px + bodies[i].vx * bodies[i].mass;
        py = py + bodies[i].vy * bodies[i].mass;
        pz = pz + bodies[i].vz * bodies[i].mass;
    }
    bodies[0].vx = -px / SOLAR_MASS;
    bodies[0].vy = -py / SOLAR_MASS;
    bodies[0].vz = -pz / SOLAR_MASS;

    printf("%.9f\n", energy(bodies, n));
    for (int64_t s = 0; s < steps; s++) {
        for (int64_t i = 0; i < n; i++) {
            for (int64_t j = i + 1; j < n; j++) {
                double dx = bodies[i].x - bodies[j].x;
                double dy = bodies[i].y - bodies[j].y;
                double dz = bodies[i].z - bodies[j].z;
                double d2 = dx * dx + dy * dy + dz * dz;
                double mag = dt / (d2 * pow(d2, 0.5));
                double mi = bodies[i].mass * mag;
                double mj = bodies[j].mass * mag;
                bodies[i].vx = bodies[i].vx - dx * mj;
                bodies[i].vy = bodies[i].vy - dy * mj;
                bodies[i].vz = bodies[i].vz - dz * mj;
                bodies[j].vx = bodies[j].vx + dx * mi;
                bodies[j].vy = bodies[j].vy + dy * mi;
                bodies[j].vz = bodies[j].vz + dz * mi;
            }
        }
        for (int64_t i = 0; i < n; i++) {
            bodies[i].x = bodies[i].x + dt * bodies[i].vx;
            bodies[i].y = bodies[i].y + dt * bodies[i].vy;
            bodies[i].z = bodies[i].z + dt * bodies[i].vz;
        }
    }
    printf("%.9f\n", energy(bodies, n));
    return 0;
}
