// nbody: Rust twin of nbody.lm -- the benchmarks-game n-body simulation (5 bodies,
// dt = 0.01), a Vec of structs, d2.powf(0.5) for the distance (as Lumen's `d2 ** 0.5`).
use std::hint::black_box;

const PI: f64 = 3.141592653589793;
const SOLAR_MASS: f64 = 4.0 * PI * PI;
const DAYS_PER_YEAR: f64 = 365.24;

#[derive(Clone, Copy)]
struct Body {
    x: f64,
    y: f64,
    z: f64,
    vx: f64,
    vy: f64,
    vz: f64,
    mass: f64,
}

fn energy(bodies: &[Body]) -> f64 {
    let mut e = 0.0;
    let n = bodies.len();
    for i in 0..n {
        let b = bodies[i];
        e = e + 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz);
        for j in i + 1..n {
            let b2 = bodies[j];
            let dx = b.x - b2.x;
            let dy = b.y - b2.y;
            let dz = b.z - b2.z;
            e = e - (b.mass * b2.mass) / (dx * dx + dy * dy + dz * dz).powf(0.5);
        }
    }
    e
}

fn main() {
    let steps: i64 = black_box(2_000_000); // problem size hidden from the optimizer
    let dt = 0.01;
    let mut bodies = black_box(vec![
        // Sun
        Body { x: 0.0, y: 0.0, z: 0.0, vx: 0.0, vy: 0.0, vz: 0.0, mass: SOLAR_MASS },
        // Jupiter
        Body {
            x: 4.84143144246472090e+00, y: -1.16032004402742839e+00, z: -1.03622044471123109e-01,
            vx: 1.66007664274403694e-03 * DAYS_PER_YEAR, vy: 7.69901118419740425e-03 * DAYS_PER_YEAR,
            vz: -6.90460016972063023e-05 * DAYS_PER_YEAR, mass: 9.54791938424326609e-04 * SOLAR_MASS,
        },
        // Saturn
        Body {
            x: 8.34336671824457987e+00, y: 4.12479856412430479e+00, z: -4.03523417114321381e-01,
            vx: -2.76742510726862411e-03 * DAYS_PER_YEAR, vy: 4.99852801234917238e-03 * DAYS_PER_YEAR,
            vz: 2.30417297573763929e-05 * DAYS_PER_YEAR, mass: 2.85885980666130812e-04 * SOLAR_MASS,
        },
        // Uranus
        Body {
            x: 1.28943695621391310e+01, y: -1.51111514016986312e+01, z: -2.23307578892655734e-01,
            vx: 2.96460137564761618e-03 * DAYS_PER_YEAR, vy: 2.37847173959480950e-03 * DAYS_PER_YEAR,
            vz: -2.96589568540237556e-05 * DAYS_PER_YEAR, mass: 4.36624404335156298e-05 * SOLAR_MASS,
        },
        // Neptune
        Body {
            x: 1.53796971148509165e+01, y: -2.59193146099879641e+01, z: 1.79258772950371181e-01,
            vx: 2.68067772490389322e-03 * DAYS_PER_YEAR, vy: 1.62824170038242295e-03 * DAYS_PER_YEAR,
            vz: -9.51592254519715870e-05 * DAYS_PER_YEAR, mass: 5.15138902046611451e-05 * SOLAR_MASS,
        },
    ]);
    let n = bodies.len();

    let mut px = 0.0;
    let mut py = 0.0;
    let mut pz = 0.0;
    for i in 0..n {
        px = px + bodies[i].vx * bodies[i].mass;
        py = py + bodies[i].vy * bodies[i].mass;
        pz = pz + bodies[i].vz * bodies[i].mass;
    }
    bodies[0].vx = -px / SOLAR_MASS;
    bodies[0].vy = -py / SOLAR_MASS;
    bodies[0].vz = -pz / SOLAR_MASS;

    println!("{:.9}", energy(&bodies));
    for _ in 0..steps {
        for i in 0..n {
            for j in i + 1..n {
                let dx = bodies[i].x - bodies[j].x;
                let dy = bodies[i].y - bodies[j].y;
                let dz = bodies[i].z - bodies[j].z;
                let d2 = dx * dx + dy * dy + dz * dz;
                let mag = dt / (d2 * d2.powf(0.5));
                let mi = bodies[i].mass * mag;
                let mj = bodies[j].mass * mag;
                bodies[i].vx = bodies[i].vx - dx * mj;
                bodies[i].vy = bodies[i].vy - dy * mj;
                bodies[i].vz = bodies[i].vz - dz * mj;
                bodies[j].vx = bodies[j].vx + dx * mi;
                bodies[j].vy = bodies[j].vy + dy * mi;
                bodies[j].vz = bodies[j].vz + dz * mi;
            }
        }
        for i in 0..n {
            bodies[i].x = bodies[i].x + dt * bodies[i].vx;
            bodies[i].y = bodies[i].y + dt * bodies[i].vy;
            bodies[i].z = bodies[i].z + dt * bodies[i].vz;
        }
    }
    println!("{:.9}", energy(&bodies));
}
