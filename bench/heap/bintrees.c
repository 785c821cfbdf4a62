/* bintrees.c: the binary-trees program of the benchmark games, for the
 * allocator benchmark: a long-lived tree, then many short-lived trees of
 * each depth built bottom-up and checked; nothing but malloc and free of
 * one node size. Polls once per depth (pragma), so what the translated
 * build adds is the tracking allocator. */
/* mpp-bench: args=18 */
#include <stdio.h>
#include <stdlib.h>

struct node {
	struct node *left, *right;
};

static struct node *make(int depth)
{
	struct node *n = malloc(sizeof *n);
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
	struct node *stretch = make(max + 1), *keep;

	printf("stretch tree of depth %d\t check: %ld\n", max + 1, check(stretch));
	drop(stretch);
	keep = make(max);
#pragma mpp loop
	for (int d = 4; d <= max; d += 2) {
		long iters = 1L << (max - d + 4), c = 0;
		for (long i = 0; i < iters; i++) {
			struct node *t = make(d);
			c += check(t);
			drop(t);
		}
		printf("%ld\t trees of depth %d\t check: %ld\n", iters, d, c);
	}
	printf("long lived tree of depth %d\t check: %ld\n", max, check(keep));
	drop(keep);
	return 0;
}
