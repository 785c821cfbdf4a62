/* nqueens.c: counts n-queens solutions by backtracking for n = 4..9; the
 * board is a local array of main passed down the recursion, each level
 * keeps its own column bitmaps; polls at each placed queen of the first
 * rows and at each solution. */
#include <stdio.h>

struct stats {
	long nodes;
	long solutions;
	unsigned long hash;
};

static void place(int n, int row, int *cols, unsigned diag1, unsigned diag2, unsigned used,
		  struct stats *st)
{
	st->nodes++;
	if (row == n) {
		st->solutions++;
		unsigned long h = 0;
		for (int i = 0; i < n; i++)
			h = h * 10 + (unsigned long)cols[i];
#pragma mpp point
		st->hash ^= h * 0x9e3779b97f4a7c15ul;
		return;
	}
	for (int c = 0; c < n; c++) {
		unsigned d1 = 1u << (row + c), d2 = 1u << (row - c + n);
		if ((used & (1u << c)) || (diag1 & d1) || (diag2 & d2))
			continue;
		cols[row] = c;
		if (row < 2) {
#pragma mpp point
			st->nodes += 0;
		}
		place(n, row + 1, cols, diag1 | d1, diag2 | d2, used | (1u << c), st);
	}
}

int main(void)
{
	int board[16];
	long all = 0;
	for (int n = 4; n <= 9; n++) {
		struct stats st = {0, 0, 0};
		place(n, 0, board, 0, 0, 0, &st);
		all += st.solutions;
		printf("n=%d: %ld solutions, %ld nodes, hash %016lx\n", n, st.solutions, st.nodes, st.hash);
	}
	printf("all %ld\n", all);
	return all == 2 + 10 + 4 + 40 + 92 + 352 ? 0 : 1;
}
