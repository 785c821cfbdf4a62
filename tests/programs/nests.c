/* nests.c: loop nests whose inner loop --mpp-auto polls only when it runs
 * long (at most a chunk of iterations runs the source's loop, more run in
 * polled chunks), while the outer loop's chunk shrinks with the inner
 * loop's length: inner loops of a few iterations, of exactly a chunk and of
 * more, of none (bound below start), counted with < and <=, started at a
 * variable, with a counter declared outside whose final value is used, an
 * outer loop stepping by more than one, a stage length that doubles, and a
 * counter whose name a block inside reuses; while loops written four
 * times over between polls; statics in such loops. */
#include <stdio.h>

#define BIG 10000

static int bits[1 << 12];
static long wide[BIG + 1];

/* bit reversal: 12 inner iterations per index */
static long reverse_all(int n, int logn)
{
	long s = 0;
	for (int i = 0; i < n; i++) {
		int r = 0;
		for (int b = 0; b < logn; b++)
			r |= ((i >> b) & 1) << (logn - 1 - b);
		bits[i] = r;
		s += (long)r * (i % 7 + 1);
	}
	return s;
}

/* inner loops of `len` iterations, len given */
static long sweep(int rows, int len)
{
	long s = 0;
	for (int i = 0; i < rows; i++)
		for (int k = 0; k < len; k++) {
			wide[k] += i ^ k;
			s += wide[k] % 1009;
		}
	return s;
}

/* inner loop with <=, started at a variable, counter declared outside and
 * read after the loop; lo > hi gives inner loops that do not run */
static long ranges(int lo, int hi, int reps)
{
	long s = 0;
	int k;
	for (int r = 0; r < reps; r++) {
		for (k = lo; k <= hi; k++)
			s += (long)k * (r + 1) % 97;
		s += k;
	}
	return s;
}

/* outer loop stepping by len, as an FFT's butterfly groups */
static long groups(int n, int len)
{
	long s = 0;
	int half = len / 2;
	for (int start = 0; start < n; start += len)
		for (int k = 0; k < half; k++)
			s += (long)(start + k) * (k + 3) % 1013;
	return s;
}

/* an FFT's stages: the stage length doubles (its range, len >= 2, is
 * stated again on the restore path) */
static long stages(int n)
{
	long s = 0;
	for (int len = 2; len <= n; len <<= 1) {
		int half = len / 2;
		for (int start = 0; start < n; start += len)
			for (int k = 0; k < half; k++)
				s += (long)(start ^ k) % 11 + half / 2;
	}
	return s;
}

/* while loops that poll once per four iterations (written four times over
 * between two polls): a scan, and one with continue, break and a
 * declaration in its body */
static long scans(int n)
{
	long s = 0;
	for (int r = 0; r < n; r++) {
		int i = r;
		while (i < 4095 && bits[i] != 4095 - r)
			i++;
		s += i;
		int j = 4095, skipped = 0;
		while (j > 0) {
			j--;
			if (bits[j] % 3 == 0) {
				skipped++;
				continue;
			}
			if (bits[j] < r)
				break;
			int t = bits[j] ^ r;
			s += t % 7;
		}
		s += j * 3L + skipped;
	}
	return s;
}

/* a static inside a nest's inner loop and inside a while loop: neither
 * loop is written twice, so each static stays one variable */
static long statics(int rows, int len)
{
	long s = 0;
	for (int i = 0; i < rows; i++)
		for (int k = 0; k < len; k++) {
			static int calls;
			calls++;
			s += calls % 5;
		}
	int x = 0;
	while (x < len) {
		static int seen;
		seen++;
		x += seen % 3 + 1;
	}
	return s * 7 + x;
}

/* a block inside the outer loop declares a variable of the outer
 * counter's name: the inner loop's i is that one */
static long shadowed(int n)
{
	long s = 0;
	for (int i = 0; i < n; i++) {
		int i2 = i;
		{
			int i = -1 - i2;
			for (int k = 0; k < 5; k++)
				s += i / 2 + k;
		}
	}
	return s;
}

int main(void)
{
	long total = 0;
#pragma mpp loop
	for (int round = 0; round < 3; round++) {
		long a = reverse_all(1 << 12, 12);
		long b = sweep(3, BIG);
		long c = sweep(200, 4096);
		long d = sweep(40, 4097);
		long e = ranges(5, 300 + round, 50);
		long f = ranges(10, 3, 20);
		long g = groups(1 << 12, 8 << round);
		long h = shadowed(300);
		long st = stages(1024 << round);
		long sc = scans(60 + round);
		long sa = statics(30, 100) + statics(3, 5000);
		printf("round %d: %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld\n", round, a, b, c, d, e, f, g, h, st, sc,
		       sa);
		total += a + b + c + d + e + f + g + h + st + sc + sa;
	}
	printf("total %ld\n", total);
	return 0;
}
