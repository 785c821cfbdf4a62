/* dangling.c: pointers that outlive what they point to and are never used
 * again, as correct programs may keep them: the address of a local of a
 * function that has returned (in a global, in a heap block), a pointer into
 * a freed block, and into the old place of a block that realloc moved.
 * They are saved as dangling; the live pointers beside them must still be
 * right after every restore. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct memo {
	int *last_arg; /* address of a parameter of the last call: dangling */
	int *best;     /* into a live heap array */
	long calls;
};

static int *escaped;        /* address of a local of a returned function */
static struct memo *memo;   /* on the heap */
static char *old_place;     /* where a buffer was before realloc moved it */

static int score(int x, int salt)
{
	int local = x * 31 + salt;
	escaped = &local;
	memo->last_arg = &x;
	memo->calls++;
	return local % 97;
}

int main(void)
{
	int *values = malloc(8 * sizeof *values);
	char *buf = malloc(16);
	int *freed = malloc(4 * sizeof *freed);
	long total = 0;

	memo = calloc(1, sizeof *memo);
	strcpy(buf, "grow");
	for (int i = 0; i < 8; i++)
		values[i] = i * 3;
	memo->best = &values[0];
	free(freed); /* `freed` is dangling from here on */
#pragma mpp loop
	for (int round = 0; round < 200; round++) {
		int s = score(round, values[round % 8]);
		values[round % 8] += s;
		if (values[round % 8] > *memo->best)
			memo->best = &values[round % 8];
		if (round % 50 == 49) {
			old_place = buf;
			buf = realloc(buf, strlen(buf) * 4 + 1);
			strcat(buf, buf[0] == 'g' ? "-more" : "+");
		}
		total += s;
	}
	printf("total %ld, best %d at %td, calls %ld, buffer %zu bytes: %.20s\n", total, *memo->best,
	       memo->best - values, memo->calls, strlen(buf), buf);
	free(values);
	free(buf);
	free(memo);
	return 0;
}
