/* layouts.c: data whose layout differs between x86_64, i686 and s390x
 * (padding around double and long long, long and pointer widths, long
 * double formats, byte order), with pointers into struct fields, one past
 * an array member, into string literals, into heap arrays of fixed-width
 * and size_t elements, unions, complex numbers and function pointers, all
 * live across poll points. The output does not depend on the architecture,
 * so a state may move between any two of them. */
/* mpp-test: cflags=-lm */
#include <complex.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum color { RED, GREEN = 7, BLUE = -3 };

struct rec {
	char tag;
	double d;
	long long ll;
	short s;
	long l;
	long double ld;
	bool ok;
	enum color c;
	float f;
	char name[8];
	struct rec *next;
	unsigned long ul;
};

union num {
	int i;
	unsigned u;
	float f;
};

union wide {
	double d;
	long long ll;
	uint64_t bits;
};

struct grid {
	double cell[3][4];
	int16_t row_sum[3];
	uint8_t flags;
	int64_t big;
};

static struct rec recs[3];
static struct grid grid;
static union num nums[4];
static union wide wide;
static double complex z = 1.5 + 2.0 * I;
static size_t none = (size_t)-1;
static unsigned long ulmax = ULONG_MAX;
static const char *greeting = "hello, layouts" + 7;
static long *lp;
static int (*ops[3])(int);

static int inc(int v)
{
	return v + 1;
}

static int dbl(int v)
{
	return 2 * v;
}

static int neg(int v)
{
	return -v;
}

static unsigned checksum(const void *p, size_t n, unsigned h)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = h * 31 + b[i];
	return h;
}

static void print(int round, const struct rec *r, const int64_t *w, const size_t *sz, const char *end, double *cellp)
{
	long double lsum = 0;
	long long llsum = 0;
	unsigned h = 0;
	for (int i = 0; i < 3; i++) {
		lsum += recs[i].ld;
		llsum += recs[i].ll + recs[i].l + recs[i].s + recs[i].tag + recs[i].c + (long long)recs[i].ul;
		h = checksum(recs[i].name, sizeof recs[i].name, h);
	}
	printf("round %d: r %c %.3f %lld %ld next %c | lsum %.4Lf llsum %lld names %08x\n", round, r->tag, r->d,
	       r->ll, r->l, r->next->tag, lsum, llsum, h);
	printf("  w %lld %lld sz %zu %zu end-name %d cell %.2f grid %d %d %u %lld\n", (long long)w[0],
	       (long long)w[5], sz[0], sz[2], (int)(end - recs[1].name), *cellp, grid.row_sum[0], grid.row_sum[2],
	       grid.flags, (long long)grid.big);
	printf("  nums %d %u %.2f wide %.3f z %.2f%+.2fi none %d ulmax %d greeting '%s' ops %d %d %d lp %ld\n", nums[0].i,
	       nums[1].u, nums[2].f, wide.d, creal(z), cimag(z), none == (size_t)-1, ulmax == ULONG_MAX, greeting,
	       ops[0](round), ops[1](round), ops[2](round), *lp);
}

int main(void)
{
	int64_t *w = malloc(8 * sizeof *w);
	size_t *sz = calloc(4, sizeof *sz);
	struct rec *heap = calloc(2, sizeof *heap);
	struct rec *r = &recs[0];
	const char *end = recs[1].name + sizeof recs[1].name; /* one past the array member */
	double *cellp = &grid.cell[1][2];
	int (*op)(int) = dbl;

	for (int i = 0; i < 3; i++) {
		recs[i].tag = (char)('a' + i);
		recs[i].d = i * 1.25;
		recs[i].ll = (long long)i * 1000000007LL * 1000;
		recs[i].s = (short)(-100 * i);
		recs[i].l = -70000L * i;
		recs[i].ld = 1.0L / (1 << (i + 1)) + i;
		recs[i].ok = i % 2;
		recs[i].c = i == 0 ? RED : i == 1 ? GREEN : BLUE;
		recs[i].f = 0.5f * (float)i;
		snprintf(recs[i].name, sizeof recs[i].name, "rec%d", i);
		recs[i].next = &recs[(i + 1) % 3];
		recs[i].ul = 4000000000UL - (unsigned long)i;
	}
	for (int i = 0; i < 8; i++)
		w[i] = (int64_t)i * -123456789012LL;
	for (int i = 0; i < 4; i++)
		sz[i] = (size_t)i * 1000;
	heap[0] = recs[2];
	heap[0].next = &heap[1];
	heap[1] = recs[0];
	heap[1].next = &recs[1];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 4; j++)
			grid.cell[i][j] = i * 10 + j + 0.5;
	grid.flags = 0xa5;
	grid.big = INT64_MIN + 12345;
	nums[0].i = -42;
	nums[1].u = 3000000000u;
	nums[2].f = 2.75f;
	wide.d = -0.125;
	lp = &recs[2].l;
	ops[0] = inc;
	ops[1] = dbl;
	ops[2] = neg;

	for (int round = 0; round < 12; round++) {
#pragma mpp point
		print(round, r, w, sz, end, cellp);
		r = r->next;
		recs[round % 3].d += 0.5;
		recs[round % 3].ld += 0.25L;
		recs[round % 3].name[round % 5] = (char)('A' + round);
		w[round % 8] += op(round);
		sz[round % 4] += (size_t)round;
		*cellp += 1;
		grid.row_sum[round % 3] = (int16_t)(grid.row_sum[round % 3] - round * 100);
		nums[2].f *= 1.5f;
		wide.ll ^= 1LL << (round + 3);
		z *= 1.0 + 0.5 * I;
		z /= cabs(z) > 8 ? 4 : 1;
		greeting += round == 4;
		op = op == dbl ? inc : dbl;
		heap[round % 2].ll += round;
	}
	print(12, heap[0].next, w, sz, end, cellp);
	printf("heap %c %c %lld\n", heap[0].tag, heap[0].next->next->tag, heap[1].ll);
	free(w);
	free(sz);
	free(heap);
	return 0;
}
