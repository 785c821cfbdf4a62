/* nbody.c: a small planetary system (the Sun and the four giant planets)
 * integrated with a symplectic Euler scheme, after the Computer Language
 * Benchmarks Game's n-body. Prints the energy before and after, which
 * should barely change, and the positions at the end.
 *
 * Usage: nbody [STEPS]   (default 20000)
 *
 * The bodies live in a local array of structs in main and are passed
 * down by pointer; the `loop every 100` pragma polls once per hundred
 * steps. Needs libm (sqrt): build with -lm. */
/* mpp-test: cflags=-lm */
/* mpp-test: vacate-args=8000000 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24

struct body {
	const char *name;
	double x[3], v[3], mass;
};

static void offset_momentum(struct body *b, int n)
{
	double p[3] = {0, 0, 0};
	for (int i = 0; i < n; i++)
		for (int k = 0; k < 3; k++)
			p[k] += b[i].v[k] * b[i].mass;
	for (int k = 0; k < 3; k++)
		b[0].v[k] = -p[k] / SOLAR_MASS;
}

static double energy(const struct body *b, int n)
{
	double e = 0;
	for (int i = 0; i < n; i++) {
		e += 0.5 * b[i].mass *
		     (b[i].v[0] * b[i].v[0] + b[i].v[1] * b[i].v[1] + b[i].v[2] * b[i].v[2]);
		for (int j = i + 1; j < n; j++) {
			double d[3], d2 = 0;
			for (int k = 0; k < 3; k++) {
				d[k] = b[i].x[k] - b[j].x[k];
				d2 += d[k] * d[k];
			}
			e -= b[i].mass * b[j].mass / sqrt(d2);
		}
	}
	return e;
}

static void advance(struct body *b, int n, double dt, long steps)
{
#pragma mpp loop every 100
	for (long s = 0; s < steps; s++) {
		for (int i = 0; i < n; i++)
			for (int j = i + 1; j < n; j++) {
				double d[3], d2 = 0;
				for (int k = 0; k < 3; k++) {
					d[k] = b[i].x[k] - b[j].x[k];
					d2 += d[k] * d[k];
				}
				double mag = dt / (d2 * sqrt(d2));
				for (int k = 0; k < 3; k++) {
					b[i].v[k] -= d[k] * b[j].mass * mag;
					b[j].v[k] += d[k] * b[i].mass * mag;
				}
			}
		for (int i = 0; i < n; i++)
			for (int k = 0; k < 3; k++)
				b[i].x[k] += dt * b[i].v[k];
	}
}

int main(int argc, char **argv)
{
	long steps = argc > 1 ? atol(argv[1]) : 20000;
	struct body bodies[] = {
		{"sun", {0, 0, 0}, {0, 0, 0}, SOLAR_MASS},
		{"jupiter",
		 {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01},
		 {1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
		  -6.90460016972063023e-05 * DAYS_PER_YEAR},
		 9.54791938424326609e-04 * SOLAR_MASS},
		{"saturn",
		 {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01},
		 {-2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
		  2.30417297573763929e-05 * DAYS_PER_YEAR},
		 2.85885980666130812e-04 * SOLAR_MASS},
		{"uranus",
		 {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01},
		 {2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
		  -2.96589568540237556e-05 * DAYS_PER_YEAR},
		 4.36624404335156298e-05 * SOLAR_MASS},
		{"neptune",
		 {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01},
		 {2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
		  -9.51592254519715870e-05 * DAYS_PER_YEAR},
		 5.15138902046611451e-05 * SOLAR_MASS},
	};
	int n = (int)(sizeof bodies / sizeof bodies[0]);

	offset_momentum(bodies, n);
	printf("energy before %.9f\n", energy(bodies, n));
	for (int round = 0; round < 4; round++) {
		advance(bodies, n, 0.01, steps / 4);
		printf("after %ld steps: %s at (%.6f, %.6f, %.6f)\n", steps / 4 * (round + 1),
		       bodies[1].name, bodies[1].x[0], bodies[1].x[1], bodies[1].x[2]);
	}
	printf("energy after  %.9f\n", energy(bodies, n));
	return 0;
}
