/* wordfreq.c: an allocation-heavy program of the usual kind, for the
 * allocator benchmark: words made from syllables are counted in a chained
 * hash table (a strdup'd key and a node per new word, a realloc'd array of
 * positions per word), a third of the words are deleted and re-counted,
 * the table is sorted with qsort and the top words printed. Polls once per
 * batch (pragma), so what the translated build adds is the allocator. */
/* mpp-bench: args=3000000 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct word {
	char *text;
	long count;
	int *where;
	int nwhere, cap;
	struct word *next;
};

static struct word **table;
static size_t nbuckets = 1 << 16, nwords;

static unsigned long h(const char *s)
{
	unsigned long v = 1469598103934665603UL;
	while (*s)
		v = (v ^ (unsigned char)*s++) * 1099511628211UL;
	return v;
}

static void add(const char *w, int pos)
{
	struct word **at = &table[h(w) & (nbuckets - 1)], *e;
	for (e = *at; e; e = e->next)
		if (!strcmp(e->text, w))
			break;
	if (!e) {
		e = malloc(sizeof *e);
		e->text = strdup(w);
		e->count = 0;
		e->where = NULL;
		e->nwhere = e->cap = 0;
		e->next = *at;
		*at = e;
		nwords++;
	}
	e->count++;
	if (e->nwhere < 64) {
		if (e->nwhere == e->cap) {
			e->cap = e->cap ? 2 * e->cap : 2;
			e->where = realloc(e->where, (size_t)e->cap * sizeof *e->where);
		}
		e->where[e->nwhere++] = pos;
	}
}

static void delete_if(int (*pred)(const struct word *))
{
	for (size_t b = 0; b < nbuckets; b++) {
		struct word **at = &table[b];
		while (*at) {
			struct word *e = *at;
			if (pred(e)) {
				*at = e->next;
				free(e->text);
				free(e->where);
				free(e);
				nwords--;
			} else {
				at = &e->next;
			}
		}
	}
}

static int odd_hash(const struct word *e)
{
	return (h(e->text) % 3) == 0;
}

static int by_count(const void *a, const void *b)
{
	const struct word *x = *(const struct word *const *)a, *y = *(const struct word *const *)b;
	return x->count != y->count ? (x->count < y->count) - (x->count > y->count) : strcmp(x->text, y->text);
}

int main(int argc, char **argv)
{
	static const char *syl[] = {"ka", "re", "mi", "to", "su", "na", "lo", "vi", "de", "po", "ja", "qu"};
	long n = argc > 1 ? atol(argv[1]) : 3000000;
	unsigned long seed = 7;
	table = calloc(nbuckets, sizeof *table);
#pragma mpp loop
	for (long batch = 0; batch < n / 10000; batch++) {
		for (int i = 0; i < 10000; i++) {
			char w[32];
			int len = 0, k = 1 + (int)(seed >> 60) % 4;
			while (k--) {
				seed = seed * 6364136223846793005UL + 1442695040888963407UL;
				const char *s = syl[(seed >> 33) % 12];
				memcpy(w + len, s, 2);
				len += 2;
			}
			w[len] = 0;
			add(w, (int)(batch * 10000 + i));
		}
		if (batch % 50 == 49)
			delete_if(odd_hash);
	}
	struct word **all = malloc(nwords * sizeof *all);
	size_t k = 0;
	for (size_t b = 0; b < nbuckets; b++)
		for (struct word *e = table[b]; e; e = e->next)
			all[k++] = e;
	qsort(all, nwords, sizeof *all, by_count);
	long total = 0;
	for (size_t i = 0; i < nwords; i++)
		total += all[i]->count * (long)(i % 7 + 1);
	printf("%zu words, checksum %ld, top:", nwords, total);
	for (size_t i = 0; i < 5 && i < nwords; i++)
		printf(" %s=%ld", all[i]->text, all[i]->count);
	printf("\n");
	free(all);
	delete_if(odd_hash);
	return 0;
}
