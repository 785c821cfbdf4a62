/* sieve.c: sieve of Eratosthenes over a global bitmap and a segmented sieve
 * in a 64 KiB local array; counts primes, twin primes and prime gaps. */
#include <stdio.h>
#include <string.h>

#define LIMIT 400000
#define SEG 65536

static unsigned char composite[LIMIT + 1];

static int count_primes(void)
{
	int count = 0;
	memset(composite, 0, sizeof composite);
	composite[0] = composite[1] = 1;
#pragma mpp loop every 64
	for (long i = 2; i * i <= LIMIT; i++) {
		if (composite[i])
			continue;
		for (long j = i * i; j <= LIMIT; j += i)
			composite[j] = 1;
	}
	for (int i = 0; i <= LIMIT; i++)
		count += !composite[i];
	return count;
}

/* Primes in [lo, lo + SEG) using the small primes of the global sieve. */
static int segment(long lo, long *last)
{
	unsigned char seg[SEG]; /* 64 KiB local */
	int count = 0;
	memset(seg, 0, sizeof seg);
#pragma mpp loop every 16
	for (long p = 2; p * p < lo + SEG; p++) {
		if (composite[p])
			continue;
		long start = (lo + p - 1) / p * p;
		if (start < p * p)
			start = p * p;
		for (long j = start; j < lo + SEG; j += p)
			seg[j - lo] = 1;
	}
	for (long i = 0; i < SEG; i++)
		if (!seg[i] && lo + i >= 2) {
			count++;
			*last = lo + i;
		}
	return count;
}

int main(void)
{
	int n = count_primes(), twins = 0, maxgap = 0, prev = 2;
	for (int i = 3; i <= LIMIT; i += 2) {
		if (composite[i])
			continue;
		if (i - prev == 2)
			twins++;
		if (i - prev > maxgap)
			maxgap = i - prev;
		prev = i;
	}
	printf("primes <= %d: %d, twin pairs %d, largest gap %d\n", LIMIT, n, twins, maxgap);
	long last = 0;
	int segtotal = 0;
	for (long lo = 0; lo + SEG <= LIMIT; lo += SEG) {
		int c = segment(lo, &last);
		segtotal += c;
		printf("segment [%ld, %ld): %d primes, last %ld\n", lo, lo + SEG, c, last);
	}
	printf("segments total %d\n", segtotal);
	return n == 33860 ? 0 : 1;
}
