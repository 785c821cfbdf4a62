/* pointers.c: pointers that are live across poll points and point at
 * caller's locals, into the middle of local arrays, one past their end,
 * at struct members, at globals, into string literals, at other pointers,
 * at functions, or nowhere (NULL). No heap. After a restore every pointer
 * must point at the same object and element as before. */
#include <stddef.h>
#include <stdio.h>

static int glob[16];
static const char *const words[] = {"zero", "one", "two", "three"};

static void add_to(int *acc, int v)
{
#pragma mpp point
	*acc += v;
}

/* Recursive: the counter lives in main's frame, several frames up. */
static void count_down(int n, long *counter, int *last)
{
	if (n == 0)
		return;
	*counter += n;
	*last = n;
	if (n % 10 == 0) {
#pragma mpp point
		*counter ^= 1;
	}
	count_down(n - 1, counter, last);
}

struct holder {
	int *target; /* points at a caller's local */
	double *member;
	const char *text;
};

static void use_holder(struct holder *h, int rounds)
{
#pragma mpp loop
	for (int i = 0; i < rounds; i++) {
		*h->target += i;
		*h->member *= 1.5;
		if (*h->text)
			h->text++;
	}
}

struct point {
	double x, y;
};

static int twice(int v)
{
	return 2 * v;
}
static int square(int v)
{
	return v * v;
}

int main(void)
{
	int arr[32];
	int total = 0;
	long counter = 0;
	int last = -1;
	struct point pt = {1.0, 2.0};
	int *p = &arr[5];         /* into the middle */
	int *end = arr + 32;      /* one past the end */
	int **pp = &p;            /* pointer to a pointer */
	double *py = &pt.y;       /* to a member */
	int *pg = &glob[3];       /* to a global */
	int *none = NULL;
	const char *s = "pointers survive migration";
	void *anything = &counter;
	char buf[40] = "abcdefghijklmnopqrstuvwxyz";
	char *bp = buf + 10;
	int (*op)(int) = twice;

	for (int i = 0; i < 32; i++)
		arr[i] = i * i;
	for (int i = 0; i < 16; i++)
		glob[i] = 100 - i;

#pragma mpp loop
	for (int *q = arr; q != end; q++) {
		add_to(&total, *q);
		if (q - arr == 20)
			p = q;
	}
	printf("total %d p-arr %td *p %d **pp %d\n", total, p - arr, *p, **pp);

	count_down(95, &counter, &last);
	printf("counter %ld last %d\n", counter, last);

	int target = 7;
	struct holder h = {&target, py, s};
	use_holder(&h, 12);
	printf("target %d pt.y %.3f text '%s'\n", target, pt.y, h.text);

#pragma mpp loop
	while (*s) {
		total += *s;
		s++;
		*pg += 1;
		if (*bp) {
			*bp = (char)(*bp - 32);
			bp++;
		}
		op = op == twice ? square : twice;
		total += op(total % 100);
	}
	printf("total %d glob[3] %d buf %s rest '%s'\n", total, glob[3], buf, bp);
	printf("none %s anything==&counter %d words %s %s\n", none ? "set" : "null",
	       anything == (void *)&counter, words[total % 4], words[last % 4]);
	*pp = &arr[31];
	add_to(*pp, 1);
	printf("arr[31] %d\n", arr[31]);
	return total % 11;
}
