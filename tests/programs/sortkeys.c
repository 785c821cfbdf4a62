/* sortkeys.c: sorting records by keys chosen at run time. Comparators are
 * function pointers: in a global table of sort specifications, in a sort
 * plan allocated on the heap, in a local variable live across poll points,
 * and passed to qsort, to bsearch and to a merge sort of this file that
 * polls between its passes. strcmp itself is one of the comparators. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec {
	char name[16];
	int age;
	double score;
	int id;
};

typedef int (*cmp_fn)(const void *, const void *);

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct rec *)a)->name, ((const struct rec *)b)->name);
}

static int by_age(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	return (x->age > y->age) - (x->age < y->age);
}

static int by_score_desc(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	return (x->score < y->score) - (x->score > y->score);
}

static int by_id(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	return x->id - y->id;
}

/* strcmp on pointers to strings, for an array of char * */
static int (*string_order)(const char *, const char *) = strcmp;

static int by_string(const void *a, const void *b)
{
	return string_order(*(char *const *)a, *(char *const *)b);
}

struct spec {
	const char *label;
	cmp_fn cmp;
};

/* not const: saved with the state, so its pointers are saved too */
static struct spec specs[] = {
    {"name", by_name},
    {"age", by_age},
    {"score", by_score_desc},
    {"id", by_id},
};

/* A plan: sort by keys[0], ties broken by keys[1], ... */
struct plan {
	int nkeys;
	cmp_fn *keys;
};

static const struct plan *current;

static int by_plan(const void *a, const void *b)
{
	for (int k = 0; k < current->nkeys; k++) {
		int c = current->keys[k](a, b);
		if (c)
			return c;
	}
	return 0;
}

/* Bottom-up merge sort, stable, one pass per loop iteration. */
static void merge_sort(struct rec *v, size_t n, cmp_fn cmp)
{
	struct rec *tmp = malloc(n * sizeof *tmp);
	for (size_t width = 1; width < n; width *= 2) {
#pragma mpp point
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = cmp(&v[j], &v[i]) < 0 ? v[j++] : v[i++];
			while (i < mid)
				tmp[k++] = v[i++];
			while (j < hi)
				tmp[k++] = v[j++];
		}
		memcpy(v, tmp, n * sizeof *v);
	}
	free(tmp);
}

static unsigned state = 2463534242u;

static unsigned rnd(void)
{
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}

static void show(const char *what, const struct rec *v, size_t n)
{
	printf("%-22s", what);
	for (size_t i = 0; i < n; i += n / 6)
		printf(" %s/%d/%.1f/%d", v[i].name, v[i].age, v[i].score, v[i].id);
	printf("\n");
}

int main(void)
{
	static const char *syll[] = {"ka", "lo", "mi", "ne", "su", "ta", "ri", "po"};
	size_t n = 300;
	struct rec *v = malloc(n * sizeof *v);
	for (size_t i = 0; i < n; i++) {
		snprintf(v[i].name, sizeof v[i].name, "%s%s%s", syll[rnd() % 8], syll[rnd() % 8], syll[rnd() % 8]);
		v[i].age = 18 + (int)(rnd() % 60);
		v[i].score = (double)(rnd() % 1000) / 10.0;
		v[i].id = (int)i;
	}
	/* each key alone, with qsort and with the merge sort */
#pragma mpp loop
	for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
		cmp_fn cmp = specs[s].cmp;
		char what[32];
		qsort(v, n, sizeof *v, cmp);
		snprintf(what, sizeof what, "qsort %s", specs[s].label);
		show(what, v, n);
		merge_sort(v, n, specs[(s + 1) % 4].cmp);
		snprintf(what, sizeof what, "merge %s", specs[(s + 1) % 4].label);
		show(what, v, n);
	}
	/* plans on the heap: keys chosen by a rotating index */
	struct plan *plans = malloc(3 * sizeof *plans);
	for (int p = 0; p < 3; p++) {
		plans[p].nkeys = 3;
		plans[p].keys = malloc(3 * sizeof(cmp_fn));
		for (int k = 0; k < 3; k++)
			plans[p].keys[k] = specs[(p + k) % 4].cmp;
	}
#pragma mpp loop
	for (int p = 0; p < 3; p++) {
		current = &plans[p];
		merge_sort(v, n, by_plan);
		char what[32];
		snprintf(what, sizeof what, "plan %s,%s,%s", specs[p % 4].label, specs[(p + 1) % 4].label,
		         specs[(p + 2) % 4].label);
		show(what, v, n);
		struct rec key = v[n / 3];
		struct rec *hit = bsearch(&key, v, n, sizeof *v, by_plan);
		printf("  bsearch finds id %d at %td\n", hit ? hit->id : -1, hit ? hit - v : -1);
	}
	/* strings through strcmp */
	char **names = malloc(n * sizeof *names);
	for (size_t i = 0; i < n; i++)
		names[i] = strdup(v[i].name);
	qsort(names, n, sizeof *names, by_string);
	size_t distinct = 1;
#pragma mpp loop every 32
	for (size_t i = 1; i < n; i++)
		distinct += string_order(names[i - 1], names[i]) != 0;
	printf("names: first %s, last %s, %zu distinct\n", names[0], names[n - 1], distinct);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	for (int p = 0; p < 3; p++)
		free(plans[p].keys);
	free(plans);
	free(v);
	return 0;
}
