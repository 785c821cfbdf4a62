/* textool.c: a text tool in the style of wc, fmt and a concordance, reading
 * a file with fopen and getline (the stream and its position live across
 * poll points). Lines are kept as strdup'd strings; words go into a hash
 * table whose entries hold growing arrays of line numbers; the words are
 * sorted by qsort with a comparator; paragraphs are refilled and justified
 * to a width; a summary is written to a temporary file, read back with
 * fseek and checked. The input is textool.txt beside this source, found
 * through __FILE__, or the file named by the first argument. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WIDTH 56

struct word {
	char *text;
	int count;
	int *lines; /* line numbers, one per occurrence */
	int nlines, cap;
	struct word *next; /* hash chain */
};

struct table {
	struct word **buckets;
	size_t nbuckets, nwords;
};

struct text {
	char **lines;
	size_t n, cap;
	size_t bytes, longest;
};

static unsigned long hash(const char *s)
{
	unsigned long h = 5381;
	while (*s)
		h = h * 33 ^ (unsigned char)*s++;
	return h;
}

static struct word *lookup(struct table *t, const char *w)
{
	struct word **at = &t->buckets[hash(w) % t->nbuckets];
	for (struct word *e = *at; e; e = e->next)
		if (!strcmp(e->text, w))
			return e;
	struct word *e = calloc(1, sizeof *e);
	e->text = strdup(w);
	e->next = *at;
	*at = e;
	t->nwords++;
	return e;
}

static void occurs(struct word *e, int line)
{
	e->count++;
	if (e->nlines && e->lines[e->nlines - 1] == line)
		return;
	if (e->nlines == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 4;
		e->lines = realloc(e->lines, (size_t)e->cap * sizeof *e->lines);
	}
	e->lines[e->nlines++] = line;
}

static int by_count(const void *a, const void *b)
{
	const struct word *x = *(const struct word *const *)a, *y = *(const struct word *const *)b;
	if (x->count != y->count)
		return y->count - x->count;
	return strcmp(x->text, y->text);
}

static char *default_input(void)
{
	const char *self = __FILE__, *slash = strrchr(self, '/');
	size_t dir = slash ? (size_t)(slash - self + 1) : 0;
	char *p = malloc(dir + sizeof "textool.txt");
	memcpy(p, self, dir);
	strcpy(p + dir, "textool.txt");
	return p;
}

static int read_text(const char *path, struct text *tx, struct table *t)
{
	FILE *in = fopen(path, "r");
	char *line = NULL, word[64];
	size_t cap = 0;
	long len;
	if (!in) {
		perror(path);
		return -1;
	}
#pragma mpp loop
	while ((len = getline(&line, &cap, in)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = 0;
		if (tx->n == tx->cap) {
			tx->cap = tx->cap ? tx->cap * 2 : 16;
			tx->lines = realloc(tx->lines, tx->cap * sizeof *tx->lines);
		}
		tx->lines[tx->n++] = strdup(line);
		tx->bytes += (size_t)len + 1;
		if ((size_t)len > tx->longest)
			tx->longest = (size_t)len;
		size_t w = 0;
		for (const char *p = line;; p++) {
			if (isalpha((unsigned char)*p) || (*p == '\'' && w)) {
				if (w < sizeof word - 1)
					word[w++] = (char)tolower((unsigned char)*p);
			} else if (w) {
				word[w] = 0;
				occurs(lookup(t, word), (int)tx->n);
				w = 0;
			}
			if (!*p)
				break;
		}
	}
	free(line);
	fclose(in);
	return 0;
}

/* Character classes, on a second pass over the file by characters, with a
 * rewind half-way to count the first half twice. */
static void classes(const char *path)
{
	FILE *in = fopen(path, "r");
	long alpha = 0, space = 0, punct = 0, upper = 0, pos = 0;
	int c, rewound = 0;
	fseek(in, 0, SEEK_END);
	long size = ftell(in);
	rewind(in);
#pragma mpp loop every 64
	while ((c = getc(in)) != EOF) {
		alpha += isalpha(c) != 0;
		space += isspace(c) != 0;
		punct += ispunct(c) != 0;
		upper += isupper(c) != 0;
		if (++pos == size / 2 && !rewound) {
			rewound = 1;
			rewind(in);
		}
	}
	printf("characters: %ld letters (%ld capitals), %ld blanks, %ld punctuation, eof %d\n", alpha, upper, space,
	       punct, feof(in) != 0);
	fclose(in);
}

/* Print words[0..n) as one justified line of exactly WIDTH columns (the
 * last line of a paragraph is left ragged). */
static void emit(char **words, int n, int len, int last)
{
	int gaps = n - 1, extra = WIDTH - len;
	for (int i = 0; i < n; i++) {
		fputs(words[i], stdout);
		if (i < gaps) {
			int pad = 1;
			if (!last && gaps)
				pad += extra / gaps + (i < extra % gaps);
			printf("%*s", pad, "");
		}
	}
	putchar('\n');
}

static void refill(const struct text *tx)
{
	char **words = NULL;
	int nw = 0, cap = 0, len = 0;
#pragma mpp loop
	for (size_t i = 0; i <= tx->n; i++) {
		const char *l = i < tx->n ? tx->lines[i] : "";
		if (!*l) {
			if (nw)
				emit(words, nw, len, 1);
			for (int k = 0; k < nw; k++)
				free(words[k]);
			nw = len = 0;
			if (i < tx->n)
				putchar('\n');
			continue;
		}
		char *copy = strdup(l), *save = NULL;
		for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			int wl = (int)strlen(w);
			if (nw && len + 1 + wl > WIDTH) {
				emit(words, nw, len, 0);
				for (int k = 0; k < nw; k++)
					free(words[k]);
				nw = len = 0;
			}
			if (nw == cap) {
				cap = cap ? cap * 2 : 16;
				words = realloc(words, (size_t)cap * sizeof *words);
			}
			words[nw++] = strdup(w);
			len += (nw > 1) + wl;
		}
		free(copy);
	}
	free(words);
}

int main(int argc, char **argv)
{
	char *path = argc > 1 ? strdup(argv[1]) : default_input();
	struct text tx = {0};
	struct table t = {calloc(97, sizeof(struct word *)), 97, 0};
	if (read_text(path, &tx, &t))
		return 1;
	printf("%zu lines, %zu bytes, longest line %zu, %zu distinct words\n", tx.n, tx.bytes, tx.longest, t.nwords);
	classes(path);

	struct word **all = malloc(t.nwords * sizeof *all);
	size_t k = 0;
	for (size_t b = 0; b < t.nbuckets; b++)
		for (struct word *e = t.buckets[b]; e; e = e->next)
			all[k++] = e;
	qsort(all, t.nwords, sizeof *all, by_count);
	printf("most frequent:\n");
	for (size_t i = 0; i < 12 && i < t.nwords; i++) {
		printf("  %-8s %3d  lines", all[i]->text, all[i]->count);
		for (int j = 0; j < all[i]->nlines && j < 6; j++)
			printf(" %d", all[i]->lines[j]);
		printf("%s\n", all[i]->nlines > 6 ? " ..." : "");
	}
	int once = 0;
	for (size_t i = 0; i < t.nwords; i++)
		once += all[i]->count == 1;
	printf("%d words occur once; the last in order is '%s'\n", once, all[t.nwords - 1]->text);

	printf("\nrefilled to %d columns:\n\n", WIDTH);
	refill(&tx);

	/* a summary through a temporary file, read back from the middle */
	char tmpl[] = "/tmp/textool-XXXXXX";
	FILE *sum = fdopen(mkstemp(tmpl), "w+");
	for (size_t i = 0; i < t.nwords; i++)
		fprintf(sum, "%s %d\n", all[i]->text, all[i]->count);
	long end = ftell(sum);
	fseek(sum, end / 2, SEEK_SET);
	int c, nl = 0;
	long tail = 0;
#pragma mpp loop every 16
	while ((c = getc(sum)) != EOF) {
		nl += c == '\n';
		tail += c;
	}
	printf("\nsummary file: %ld bytes, %d lines after the middle, checksum %ld\n", end, nl, tail);
	fclose(sum);
	unlink(tmpl);

	for (size_t i = 0; i < t.nwords; i++) {
		free(all[i]->text);
		free(all[i]->lines);
		free(all[i]);
	}
	for (size_t i = 0; i < tx.n; i++)
		free(tx.lines[i]);
	free(tx.lines);
	free(all);
	free(t.buckets);
	free(path);
	return 0;
}
