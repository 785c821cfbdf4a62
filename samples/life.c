/* life.c: Conway's Game of Life on a 64 x 48 torus, seeded from a
 * linear congruential generator, plus a glider gun's worth of known
 * patterns. Prints the population every 20 generations and the final
 * board as text.
 *
 * Usage: life [GENERATIONS]   (default 200)
 *
 * The two boards are locals of main (2 x 3 KiB); the generation loop
 * polls once per generation and the neighbour count is a small function
 * called for every cell (mppcc --mpp-auto decides by itself where to poll). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W 64
#define H 48

static int neighbours(unsigned char b[H][W], int y, int x)
{
	int n = 0;
	for (int dy = -1; dy <= 1; dy++)
		for (int dx = -1; dx <= 1; dx++)
			if (dy || dx)
				n += b[(y + dy + H) % H][(x + dx + W) % W];
	return n;
}

static int generation(unsigned char from[H][W], unsigned char to[H][W])
{
	int pop = 0;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			int n = neighbours(from, y, x);
			to[y][x] = (unsigned char)(n == 3 || (n == 2 && from[y][x]));
			pop += to[y][x];
		}
	return pop;
}

int main(int argc, char **argv)
{
	int gens = argc > 1 ? atoi(argv[1]) : 200;
	unsigned char a[H][W], b[H][W];
	unsigned seed = 12345;
	int pop = 0;

	memset(a, 0, sizeof a);
	for (int y = 8; y < 40; y++)
		for (int x = 8; x < 56; x++) {
			seed = seed * 1103515245u + 12345u;
			a[y][x] = (seed >> 16) % 3 == 0;
		}
	/* a glider in a corner */
	a[1][2] = a[2][3] = a[3][1] = a[3][2] = a[3][3] = 1;

#pragma mpp loop
	for (int g = 1; g <= gens; g++) {
		if (g % 2)
			pop = generation(a, b);
		else
			pop = generation(b, a);
		if (g % 20 == 0)
			printf("generation %4d: population %d\n", g, pop);
	}
	unsigned char(*last)[W] = gens % 2 ? b : a;
	for (int y = 0; y < H; y += 2) {
		char line[W + 1];
		for (int x = 0; x < W; x++)
			line[x] = last[y][x] || last[y + 1][x] ? '#' : '.';
		line[W] = 0;
		printf("%s\n", line);
	}
	return pop > 0 ? 0 : 5;
}
