/* fft.c: iterative radix-2 complex FFT (bit-reversal permutation, then
 * log2 N butterfly stages with a precomputed twiddle table), run forward
 * and back REPS times on a deterministic signal.
 *
 * Usage: fft [REPS [LOG2N]]   (default 60 round trips of 2^16 points)
 *
 * Polls on the round trips and on the butterfly stages. Prints a few
 * spectrum values and the round-trip error, which depend on every pass. */
/* mpp-bench: small=6 */
/* mpp-bench: cflags=-lm */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MAXLOG 16
#define MAXN (1 << MAXLOG)

static double re[MAXN], im[MAXN];
static double wre[MAXN / 2], wim[MAXN / 2]; /* exp(-2 pi i k / N) */
static double orig[MAXN];

static void bit_reverse(int n, int logn)
{
	for (int i = 0; i < n; i++) {
		int r = 0;
		for (int b = 0; b < logn; b++)
			r |= ((i >> b) & 1) << (logn - 1 - b);
		if (r > i) {
			double t = re[i];
			re[i] = re[r];
			re[r] = t;
			t = im[i];
			im[i] = im[r];
			im[r] = t;
		}
	}
}

/* sign -1: forward, +1: inverse (unscaled) */
static void transform(int n, int logn, int sign)
{
	bit_reverse(n, logn);
#pragma mpp loop
	for (int len = 2; len <= n; len <<= 1) {
		int half = len / 2, stride = n / len;
		for (int start = 0; start < n; start += len)
			for (int k = 0; k < half; k++) {
				double wr = wre[k * stride], wi = sign * wim[k * stride];
				int p = start + k, q = p + half;
				double xr = re[q] * wr - im[q] * wi;
				double xi = re[q] * wi + im[q] * wr;
				re[q] = re[p] - xr;
				im[q] = im[p] - xi;
				re[p] += xr;
				im[p] += xi;
			}
	}
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 60;
	int logn = argc > 2 ? atoi(argv[2]) : MAXLOG;

	if (reps < 1 || logn < 1 || logn > MAXLOG) {
		fprintf(stderr, "usage: fft [REPS [LOG2N (1..%d)]]\n", MAXLOG);
		return 2;
	}
	int n = 1 << logn;
	for (int k = 0; k < n / 2; k++) {
		wre[k] = cos(2 * M_PI * k / n);
		wim[k] = -sin(2 * M_PI * k / n);
	}
	for (int i = 0; i < n; i++) {
		orig[i] = sin(i * 0.05) + 0.5 * cos(i * 0.31) + (double)(i % 17) / 17.0;
		re[i] = orig[i];
		im[i] = 0;
	}
	double peak = 0, dc = 0;
#pragma mpp loop
	for (int r = 0; r < reps; r++) {
		transform(n, logn, -1);
		dc += re[0];
		peak += sqrt(re[1] * re[1] + im[1] * im[1]);
		transform(n, logn, 1);
		for (int i = 0; i < n; i++) {
			re[i] /= n;
			im[i] /= n;
		}
	}
	double err = 0;
	for (int i = 0; i < n; i++)
		err += fabs(re[i] - orig[i]) + fabs(im[i]);
	printf("dc %.9f  bin1 %.9f  round-trip error %.3e\n", dc / reps, peak / reps, err);
	return 0;
}
