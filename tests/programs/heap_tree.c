/* heap_tree.c: a binary search tree on the heap, with parent pointers
 * (shared and cyclic references), names from strdup, an array from calloc
 * grown by realloc, and nodes freed along the way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
	int key;
	char *name;
	struct node *left, *right, *parent;
};

static struct node *insert(struct node *root, int key, const char *name)
{
	struct node *n = malloc(sizeof *n);
	n->key = key;
	n->name = strdup(name);
	n->left = n->right = n->parent = NULL;
	if (!root)
		return n;
	struct node *cur = root;
#pragma mpp loop
	for (;;) {
		struct node **next = key < cur->key ? &cur->left : &cur->right;
		if (!*next) {
			*next = n;
			n->parent = cur;
			break;
		}
		cur = *next;
	}
	return root;
}

static long walk(const struct node *n, int depth)
{
	if (!n)
		return 0;
	long s = n->key * (long)depth + (long)strlen(n->name);
	/* climbing back through the parent pointer must find this node */
	if (n->parent && n->parent->left != n && n->parent->right != n)
		s = -1000000;
	return s + walk(n->left, depth + 1) + walk(n->right, depth + 1);
}

static void drop(struct node *n)
{
	if (!n)
		return;
	drop(n->left);
	drop(n->right);
	free(n->name);
	free(n);
}

int main(void)
{
	struct node *root = NULL;
	char buf[32];
	int *sums = calloc(100, sizeof(int));
	int cap = 100;
#pragma mpp loop
	for (int i = 0; i < 3000; i++) {
		int k = (i * 7919) % 3001;
		snprintf(buf, sizeof buf, "n%d", k);
		root = insert(root, k, buf);
		if (i % 1000 == 999) {
			sums = realloc(sums, (size_t)(cap + 100) * sizeof(int));
			memset(sums + cap, 0, 100 * sizeof(int));
			cap += 100;
		}
		sums[i % cap] += k;
	}
	long s = 0;
	for (int i = 0; i < cap; i++)
		s += (long)sums[i] * (i + 1);
	printf("walk %ld sums %ld cap %d\n", walk(root, 1), s, cap);
	printf("root %d '%s' left %d right %d\n", root->key, root->name, root->left ? root->left->key : -1,
	       root->right ? root->right->key : -1);
	drop(root->left);
	root->left = NULL;
	printf("after drop: walk %ld\n", walk(root, 1));
	drop(root);
	free(sums);
	return 0;
}
