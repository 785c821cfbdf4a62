/* floats.c: floating-point state: float, double, long double and
 * double _Complex locals across poll points (Kahan summation, Newton's
 * square roots, series for pi and e, a complex iteration). No libm. */
#include <complex.h>
#include <stdio.h>

static double newton_sqrt(double x)
{
	double r = x > 1 ? x / 2 : 1;
#pragma mpp loop
	for (int i = 0; i < 40; i++)
		r = 0.5 * (r + x / r);
	return r;
}

static long double pi_series(int terms)
{
	long double s = 0;
	float fs = 0; /* the same sum in float, to show the rounding */
#pragma mpp loop every 100
	for (int k = 0; k < terms; k++) {
		long double t = (k % 2 ? -4.0L : 4.0L) / (2 * k + 1);
		s += t;
		fs += (float)t;
	}
	printf("pi float %.6f\n", (double)fs);
	return s;
}

static double kahan(int n)
{
	double sum = 0, c = 0;
#pragma mpp loop every 64
	for (int i = 1; i <= n; i++) {
		double y = 1.0 / ((double)i * i) - c;
		double t = sum + y;
		c = (t - sum) - y;
		sum = t;
	}
	return sum;
}

int main(void)
{
	double complex z = 0.25 + 0.5 * I, w = 1;
	long double e = 1, term = 1;
	double roots = 0;

	for (int i = 2; i < 60; i += 3) {
#pragma mpp point
		roots += newton_sqrt(i);
	}
	printf("sum of roots %.12f\n", roots);
	printf("pi %.15Lf\n", pi_series(20000));
	printf("basel %.15f\n", kahan(50000));
#pragma mpp loop
	for (int k = 1; k < 25; k++) {
		term /= k;
		e += term;
		w = w * z + 1.0;
	}
	printf("e %.18Lf\n", e);
	printf("w %.12f %+.12fi\n", creal(w), cimag(w));
	return 0;
}
