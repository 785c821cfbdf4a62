/* stdin_stats.c: reads a list of integers from stdin in one fread (before
 * any poll point, since a restarted process gets its stdin afresh), then
 * parses, sorts and summarises them. */
/* mpp-test: stdin=stdin_stats.txt */
/* vals[n..] is never initialized: on x86_64 and s390x its garbage may not
 * fit an i686 long, and mpp refuses to truncate it. */
/* mpp-test: hetero-refuse=vals */
#include <stdio.h>

#define MAXN 512

static int parse(const char *buf, size_t len, long *out, int max)
{
	int n = 0;
	size_t i = 0;
#pragma mpp loop
	while (i < len && n < max) {
		while (i < len && (buf[i] < '0' || buf[i] > '9') && buf[i] != '-')
			i++;
		if (i >= len)
			break;
		int neg = buf[i] == '-';
		if (neg)
			i++;
		long v = 0;
		while (i < len && buf[i] >= '0' && buf[i] <= '9')
			v = v * 10 + (buf[i++] - '0');
		out[n++] = neg ? -v : v;
	}
	return n;
}

static void insertion_sort(long *a, int n)
{
#pragma mpp loop every 8
	for (int i = 1; i < n; i++) {
		long v = a[i];
		int j = i - 1;
		while (j >= 0 && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

int main(void)
{
	static char buf[16384];
	long vals[MAXN];
	size_t len = fread(buf, 1, sizeof buf - 1, stdin);
	int n = parse(buf, len, vals, MAXN);
	long sum = 0, min = 0, max = 0;
	int hist[10] = {0};

	if (n == 0) {
		printf("no input\n");
		return 4;
	}
	for (int i = 0; i < n; i++) {
		sum += vals[i];
		if (i == 0 || vals[i] < min)
			min = vals[i];
		if (i == 0 || vals[i] > max)
			max = vals[i];
	}
	insertion_sort(vals, n);
	for (int i = 0; i < n; i++) {
		long bucket = (vals[i] - min) * 10 / (max - min + 1);
		hist[bucket]++;
	}
	printf("%d numbers, sum %ld, min %ld, max %ld, median %ld\n", n, sum, min, max, vals[n / 2]);
	for (int b = 0; b < 10; b++)
		printf("bucket %d: %d\n", b, hist[b]);
	return 0;
}
