/* arrays.c: multi-dimensional arrays, a 64 KiB local array, arrays of
 * strings and arrays passed down as pointers (into the caller's locals)
 * to functions that poll. */
#include <stdio.h>
#include <string.h>

#define BIG 8192 /* doubles: 64 KiB */

static char words[6][12] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"};
int grid[16][16];
static unsigned long row_sums[16];

/* Smooth a[0..n-1] in place; a points into the caller's local array. */
static void smooth(double *a, int n, int passes)
{
#pragma mpp loop
	for (int p = 0; p < passes; p++) {
		double prev = a[0];
		for (int i = 1; i < n - 1; i++) {
			double cur = a[i];
			a[i] = (prev + cur + a[i + 1]) / 3.0;
			prev = cur;
		}
	}
}

/* A 3-D array parameter: really a pointer to the caller's [8][8] planes. */
static long cube_sum(int c[][8][8], int n)
{
	long s = 0;
#pragma mpp loop
	for (int i = 0; i < n; i++)
		for (int j = 0; j < 8; j++)
			for (int k = 0; k < 8; k++)
				s += (long)c[i][j][k] * (i + 1);
	return s;
}

static void rotate_words(char w[][12], int n)
{
	char tmp[12];
	memcpy(tmp, w[0], sizeof tmp);
	for (int i = 0; i < n - 1; i++) {
#pragma mpp point
		memcpy(w[i], w[i + 1], sizeof tmp);
	}
	memcpy(w[n - 1], tmp, sizeof tmp);
}

static unsigned checksum(const unsigned char *p, size_t n)
{
	unsigned h = 2166136261u;
	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

int main(void)
{
	double big[BIG];
	int cube[8][8][8];
	unsigned char bytes[4][3][2] = {{{1, 2}, {3, 4}, {5, 6}}, {{7, 8}}, {{9}}, {{0}}};
	short tri[5][5] = {{0}};
	unsigned total = 0;

	for (int i = 0; i < BIG; i++)
		big[i] = (i * 37 % 101) - 50.0;
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++)
			for (int k = 0; k < 8; k++)
				cube[i][j][k] = i * 64 + j * 8 - k;

#pragma mpp loop
	for (int round = 0; round < 6; round++) {
		smooth(big + round * 100, BIG - round * 200, 3);
		long cs = cube_sum(cube, 8 - round);
		cube[round][round][round] += (int)(cs % 1000);
		rotate_words(words, 6);
		for (int i = 0; i < 16; i++) {
			for (int j = 0; j < 16; j++)
				grid[i][j] += (i ^ j) * (round + 1);
			row_sums[i] += (unsigned long)grid[i][(i + round) % 16];
		}
		for (int i = 0; i < 5; i++)
			for (int j = 0; j <= i; j++)
				tri[i][j] = (short)(i == j || j == 0 ? 1 : tri[i - 1][j - 1] + tri[i - 1][j]);
		bytes[round % 4][round % 3][round % 2] ^= (unsigned char)(0x5a + round);
#pragma mpp point
		total += checksum((const unsigned char *)big, sizeof big);
		printf("round %d: cube %ld first %s big[123]=%.6f bytes %u tri %d total %08x\n", round, cs,
		       words[0], big[123], checksum(&bytes[0][0][0], sizeof bytes), tri[4][2], total);
	}
	printf("cube %08x grid %08x rows %08x words %s/%s\n",
	       checksum((unsigned char *)cube, sizeof cube), checksum((unsigned char *)grid, sizeof grid),
	       checksum((unsigned char *)row_sums, sizeof row_sums), words[3], words[5]);
	return (int)(total % 7);
}
