/* mandel.c: the Mandelbrot set twice, in 16.16 fixed point (integers) and
 * in double, printed as a small ASCII picture plus checksums. Arguments:
 * WIDTH HEIGHT MAXITER (larger ones make it run long, for the SIGUSR2
 * vacate test). */
/* mpp-test: args=64 24 200 */
/* mpp-test: vacate-args=640 480 2000 */
#include <stdio.h>
#include <stdlib.h>

static int fixed_iter(long cx, long cy, int maxiter)
{
	long x = 0, y = 0;
	int i;
	for (i = 0; i < maxiter; i++) {
		long x2 = (x * x) >> 16, y2 = (y * y) >> 16;
		if (x2 + y2 > (4L << 16))
			break;
		y = ((x * y) >> 15) + cy;
		x = x2 - y2 + cx;
	}
	return i;
}

static int double_iter(double cx, double cy, int maxiter)
{
	double x = 0, y = 0;
	int i;
	for (i = 0; i < maxiter && x * x + y * y <= 4.0; i++) {
		double t = x * x - y * y + cx;
		y = 2 * x * y + cy;
		x = t;
	}
	return i;
}

int main(int argc, char **argv)
{
	int w = argc > 1 ? atoi(argv[1]) : 64;
	int h = argc > 2 ? atoi(argv[2]) : 24;
	int maxiter = argc > 3 ? atoi(argv[3]) : 200;
	const char *shades = " .:-=+*#%@";
	unsigned long fsum = 0, dsum = 0;
	int printed = 0;

#pragma mpp loop
	for (int row = 0; row < h; row++) {
		char line[128];
		int len = 0;
		for (int col = 0; col < w; col++) {
			long cx = -2L * 65536 + (long)col * 3 * 65536 / w;
			long cy = -65536L * 5 / 4 + (long)row * 5 * 65536 / 2 / h;
			int fi = fixed_iter(cx, cy, maxiter);
			int di = double_iter(-2.0 + col * 3.0 / w, -1.25 + row * 2.5 / h, maxiter);
			fsum = fsum * 31 + (unsigned long)fi;
			dsum += (unsigned long)di * (unsigned long)(col + 1);
			if (len < (int)sizeof line - 1 && col % (w / 64 > 0 ? w / 64 : 1) == 0)
				line[len++] = shades[fi >= maxiter ? 9 : fi % 9];
		}
		line[len] = 0;
		if (row % (h / 24 > 0 ? h / 24 : 1) == 0) {
			printf("%s\n", line);
			printed++;
		}
	}
	printf("%dx%d maxiter %d: fixed %016lx double %lu (%d lines)\n", w, h, maxiter, fsum, dsum,
	       printed);
	return 0;
}
