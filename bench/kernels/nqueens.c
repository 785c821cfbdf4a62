/* nqueens.c: counts the placements of N non-attacking queens by recursive
 * backtracking over columns, with occupied-column and diagonal tables.
 *
 * Usage: nqueens [N]   (default 13)
 *
 * Deep recursion with a poll in the column loop of every level: the state
 * is a stack of up to N frames. */
/* mpp-bench: small=11 */
#include <stdio.h>
#include <stdlib.h>

#define MAXQ 16

static int col_used[MAXQ], diag1[2 * MAXQ], diag2[2 * MAXQ];
static int pos[MAXQ];

static long solve(int n, int row)
{
	if (row == n)
		return 1;
	long count = 0;
#pragma mpp loop
	for (int c = 0; c < n; c++) {
		if (col_used[c] || diag1[row + c] || diag2[row - c + n - 1])
			continue;
		col_used[c] = diag1[row + c] = diag2[row - c + n - 1] = 1;
		pos[row] = c;
		count += solve(n, row + 1);
		col_used[c] = diag1[row + c] = diag2[row - c + n - 1] = 0;
	}
	return count;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 13;

	if (n < 1 || n > MAXQ) {
		fprintf(stderr, "usage: nqueens [N (1..%d)]\n", MAXQ);
		return 2;
	}
	printf("%d-queens: %ld solutions\n", n, solve(n, 0));
	return 0;
}
