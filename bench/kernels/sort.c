/* sort.c: recursive quicksort (median of three, insertion sort below 16
 * elements, recursion on the smaller part) of a big int array, on several
 * rounds of pseudo-random data.
 *
 * Usage: sort [N [ROUNDS]]   (default 1000000 elements, 6 rounds)
 *
 * Polls on the rounds and in the partitioning loop of every active call, so
 * the state holds a stack of quicksort frames besides the array. */
/* mpp-bench: small=1000000 1 */
#include <stdio.h>
#include <stdlib.h>

#define MAXN 1000000

static int a[MAXN];

static void swap(int i, int j)
{
	int t = a[i];
	a[i] = a[j];
	a[j] = t;
}

static void insertion(int lo, int hi)
{
	for (int i = lo + 1; i <= hi; i++) {
		int v = a[i], j = i - 1;
		while (j >= lo && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

/* Sorts a[lo..hi]. */
static void quicksort(int lo, int hi)
{
#pragma mpp loop
	while (hi - lo >= 16) {
		int mid = lo + (hi - lo) / 2;
		if (a[mid] < a[lo])
			swap(mid, lo);
		if (a[hi] < a[lo])
			swap(hi, lo);
		if (a[hi] < a[mid])
			swap(hi, mid);
		int pivot = a[mid];
		int i = lo, j = hi;
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				swap(i, j);
				i++;
				j--;
			}
		}
		if (j - lo < hi - i) {
			quicksort(lo, j);
			lo = i;
		} else {
			quicksort(i, hi);
			hi = j;
		}
	}
	insertion(lo, hi);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : MAXN;
	int rounds = argc > 2 ? atoi(argv[2]) : 6;

	if (n < 2 || n > MAXN || rounds < 1) {
		fprintf(stderr, "usage: sort [N (2..%d) [ROUNDS]]\n", MAXN);
		return 2;
	}
	unsigned x = 2463534242u;
	unsigned long long check = 0;
#pragma mpp loop
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			a[i] = (int)(x % 1000000007u) - 500000000;
		}
		quicksort(0, n - 1);
		for (int i = 1; i < n; i++)
			if (a[i - 1] > a[i]) {
				printf("not sorted at %d\n", i);
				return 1;
			}
		for (int i = 0; i < n; i += n / 100 + 1)
			check = check * 31 + (unsigned)a[i];
	}
	printf("min %d  max %d  checksum %llu\n", a[0], a[n - 1], check);
	return 0;
}
