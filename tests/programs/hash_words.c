/* hash_words.c: a chained hash table of strings on the heap, a doubly
 * linked LRU list through the same entries, a function-pointer table for
 * the hash, and qsort with a comparator over an array of pointers. */
/* The buckets depend on how djb2 overflows an unsigned long: a table built
 * with 64-bit longs is not the table of 32-bit longs (same output, other
 * state), so moving between the two data models changes the result. */
/* mpp-test: hetero-long */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	char *word;
	int count;
	struct entry *chain;      /* next in the bucket */
	struct entry *prev, *next; /* LRU order */
};

struct table {
	struct entry **buckets;
	size_t nbuckets;
	struct entry head; /* LRU sentinel: a cycle through every entry */
	unsigned long (*hash)(const char *);
	size_t n;
};

static unsigned long djb2(const char *s)
{
	unsigned long h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static void touch(struct table *t, struct entry *e)
{
	if (e->prev) {
		e->prev->next = e->next;
		e->next->prev = e->prev;
	}
	e->next = t->head.next;
	e->prev = &t->head;
	t->head.next->prev = e;
	t->head.next = e;
}

static void add(struct table *t, const char *w)
{
#pragma mpp point
	size_t b = t->hash(w) % t->nbuckets;
	struct entry *e = t->buckets[b];
	while (e && strcmp(e->word, w) != 0)
		e = e->chain;
	if (!e) {
		e = calloc(1, sizeof *e);
		e->word = strdup(w);
		e->chain = t->buckets[b];
		t->buckets[b] = e;
		t->n++;
	}
	e->count++;
	touch(t, e);
}

static int by_count(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a, *y = *(const struct entry *const *)b;
	if (x->count != y->count)
		return y->count - x->count;
	return strcmp(x->word, y->word);
}

int main(void)
{
	static const char *const syll[] = {"ka", "lo", "mi", "ne", "su", "ta", "ri", "po"};
	struct table t = {0};
	t.nbuckets = 61;
	t.buckets = calloc(t.nbuckets, sizeof *t.buckets);
	t.head.next = t.head.prev = &t.head;
	t.hash = djb2;
	char w[16];
	unsigned x = 12345;
#pragma mpp loop
	for (int i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		int n = 1 + (x >> 16) % 3;
		w[0] = 0;
		for (int k = 0; k < n; k++)
			strcat(w, syll[(x >> (4 + 3 * k)) % 8]);
		add(&t, w);
	}
	struct entry **all = malloc(t.n * sizeof *all);
	size_t k = 0;
	for (struct entry *e = t.head.next; e != &t.head; e = e->next)
		all[k++] = e;
	qsort(all, k, sizeof *all, by_count);
	printf("%zu distinct, most recent '%s', least recent '%s'\n", t.n, t.head.next->word, t.head.prev->word);
	for (size_t i = 0; i < 5 && i < k; i++)
		printf("%s %d\n", all[i]->word, all[i]->count);
	free(all);
	return 0;
}
