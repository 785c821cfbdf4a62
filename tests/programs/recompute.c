/* recompute.c: data left out of the state with `#pragma mpp nosave` and
 * rebuilt after a restore by the function named in `#pragma mpp onrestore`.
 * The sine table is large and cheap to recompute, so it does not travel;
 * the scratch buffer of step() is refilled before every use. */
#include <math.h>
#include <stdio.h>

/* mpp-test: cflags=-lm */
/* mpp-test: pragma-only */

#define TABLE 4096

static double sine[TABLE];
static int table_builds;

#pragma mpp nosave(sine)

void build_table(void)
{
	for (int i = 0; i < TABLE; i++)
		sine[i] = sin(2.0 * 3.14159265358979323846 * i / TABLE);
	table_builds++;
}

#pragma mpp onrestore(build_table)

static double step(int k)
{
	double scratch[64];
#pragma mpp nosave(scratch)
	double acc = 0;
#pragma mpp point
	/* filled after the point: a restored frame refills it */
	for (int i = 0; i < 64; i++)
		scratch[i] = sine[(k * 31 + i * 17) % TABLE];
	for (int i = 0; i < 64; i++)
		acc += scratch[i] * (i % 2 ? 1.0 : -0.5);
	return acc;
}

int main(void)
{
	build_table();
	double total = 0;
#pragma mpp loop
	for (int k = 0; k < 3000; k++) {
		total += step(k);
	}
	/* table_builds varies with restores: it is saved, but not printed */
	printf("total %.6f sine[1000] %.6f\n", total, sine[1000]);
	return table_builds > 0 ? 0 : 1;
}
