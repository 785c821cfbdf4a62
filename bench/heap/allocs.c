/* allocs.c: an allocation-heavy program for the allocator benchmark: the
 * binary-trees pattern (many short-lived small nodes, a long-lived tree)
 * plus strings made and freed and arrays grown with realloc. Prints a
 * checksum. Polls once per round (pragma), so what the translated build
 * adds is the tracking allocator. */
/* mpp-bench: args=18 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
	struct node *left, *right;
	int depth;
};

static struct node *make(int depth)
{
	struct node *n = malloc(sizeof *n);
	n->depth = depth;
	if (depth > 0) {
		n->left = make(depth - 1);
		n->right = make(depth - 1);
	} else {
		n->left = n->right = NULL;
	}
	return n;
}

static long check(const struct node *n)
{
	return n->left ? 1 + check(n->left) + check(n->right) : 1;
}

static void drop(struct node *n)
{
	if (n->left) {
		drop(n->left);
		drop(n->right);
	}
	free(n);
}

int main(int argc, char **argv)
{
	int max = argc > 1 ? atoi(argv[1]) : 18;
	struct node *keep = make(max);
	long total = 0;
	char **words = NULL;
	size_t nwords = 0;
#pragma mpp loop
	for (int d = 4; d <= max; d += 2) {
		int iters = 1 << (max - d + 4);
		long c = 0;
		for (int i = 0; i < iters; i++) {
			struct node *t = make(d);
			c += check(t);
			drop(t);
		}
		for (int i = 0; i < iters; i++) {
			char buf[32];
			snprintf(buf, sizeof buf, "w%d-%d", d, i);
			char *s = strdup(buf);
			if (i % 64 == 0) {
				words = realloc(words, (nwords + 1) * sizeof *words);
				words[nwords++] = s;
			} else {
				c += (long)strlen(s);
				free(s);
			}
		}
		total += c;
		printf("depth %d: %d trees, check %ld\n", d, iters, c);
	}
	printf("long-lived tree %ld, words kept %zu, total %ld\n", check(keep), nwords, total);
	for (size_t i = 0; i < nwords; i++)
		free(words[i]);
	free(words);
	drop(keep);
	return 0;
}
