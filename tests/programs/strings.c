/* strings.c: text processing in local buffers: tokenising with strtok_r
 * (its save pointer, into a local buffer, is live across poll points),
 * reversing, letter statistics, snprintf, and qsort/bsearch whose callbacks
 * run inside the C library (they must not poll). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char text[] =
	"It was the best of times, it was the worst of times, it was the age of wisdom, "
	"it was the age of foolishness, it was the epoch of belief, it was the epoch of "
	"incredulity, it was the season of Light, it was the season of Darkness, it was the "
	"spring of hope, it was the winter of despair";

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void reverse(char *s)
{
	size_t n = strlen(s);
#pragma mpp loop
	for (size_t i = 0; i < n / 2; i++) {
		char c = s[i];
		s[i] = s[n - 1 - i];
		s[n - 1 - i] = c;
	}
}

static unsigned long hash(const char *s)
{
	unsigned long h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

int main(void)
{
	char buf[sizeof text];
	char *words[80];
	char *save = NULL;
	int n = 0;
	unsigned counts[256] = {0};
	char line[96];

	memcpy(buf, text, sizeof text);
#pragma mpp loop
	for (char *w = strtok_r(buf, " ,", &save); w && n < 80; w = strtok_r(NULL, " ,", &save))
		words[n++] = w; /* pointers into buf */
	printf("%d words, first '%s', last '%s'\n", n, words[0], words[n - 1]);

#pragma mpp loop
	for (const char *p = text; *p; p++)
		counts[(unsigned char)*p]++;
	for (int c = 'a'; c <= 'z'; c += 5)
		printf("%c:%u ", c, counts[c]);
	printf("\n");

	qsort(words, (size_t)n, sizeof words[0], cmp_str);
	int distinct = 0;
	const char *prev = "";
#pragma mpp loop
	for (int i = 0; i < n; i++) {
		if (strcmp(words[i], prev) != 0) {
			distinct++;
			prev = words[i];
		}
	}
	const char *key = "season";
	char **found = bsearch(&key, words, (size_t)n, sizeof words[0], cmp_str);
	printf("%d distinct, sorted first '%s' last '%s', 'season' %s\n", distinct, words[0],
	       words[n - 1], found ? "found" : "missing");

	unsigned long h = 0;
	for (int i = 0; i < n; i += 7) {
		snprintf(line, sizeof line, "%02d:%s/%zu", i, words[i], strlen(words[i]));
		reverse(line);
#pragma mpp point
		h = h * 31 + hash(line);
		printf("%s\n", line);
	}
	printf("hash %016lx\n", h);
	return distinct % 13;
}
