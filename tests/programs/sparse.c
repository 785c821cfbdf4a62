/* sparse.c: sparse matrices in compressed sparse row form on the heap. A
 * matrix is assembled from unsorted triplets (duplicates summed), turned
 * into CSR, transposed, multiplied by another (rows accumulated in a dense
 * scratch row with a list of touched columns), and a symmetric positive
 * definite system is solved by conjugate gradients. Pointers into the
 * middle of the value and column arrays stay live across poll points. */
/* mpp-test: args=60 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mpp-test: cflags=-lm */

struct triplets {
	int *row, *col;
	double *val;
	size_t n, cap;
};

struct csr {
	int rows, cols;
	int *start; /* rows + 1 entries */
	int *col;
	double *val;
};

static unsigned long rng = 88172645463325252UL;

static unsigned next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 11);
}

static void push(struct triplets *t, int r, int c, double v)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->row = realloc(t->row, t->cap * sizeof *t->row);
		t->col = realloc(t->col, t->cap * sizeof *t->col);
		t->val = realloc(t->val, t->cap * sizeof *t->val);
	}
	t->row[t->n] = r;
	t->col[t->n] = c;
	t->val[t->n] = v;
	t->n++;
}

/* Counting sort by row, then insertion sort of each row by column, then
 * duplicates summed. */
static struct csr *assemble(const struct triplets *t, int rows, int cols)
{
	struct csr *a = malloc(sizeof *a);
	int *fill = calloc((size_t)rows + 1, sizeof *fill);
	a->rows = rows;
	a->cols = cols;
	a->start = calloc((size_t)rows + 1, sizeof *a->start);
	a->col = malloc((t->n ? t->n : 1) * sizeof *a->col);
	a->val = malloc((t->n ? t->n : 1) * sizeof *a->val);
	for (size_t k = 0; k < t->n; k++)
		a->start[t->row[k] + 1]++;
	for (int i = 0; i < rows; i++)
		a->start[i + 1] += a->start[i];
	for (size_t k = 0; k < t->n; k++) {
		int r = t->row[k], at = a->start[r] + fill[r]++;
		a->col[at] = t->col[k];
		a->val[at] = t->val[k];
	}
	int out = 0;
	for (int i = 0; i < rows; i++) {
		int *c = a->col + a->start[i];
		double *v = a->val + a->start[i];
		int len = a->start[i + 1] - a->start[i];
		for (int x = 1; x < len; x++) {
			int cc = c[x];
			double vv = v[x];
			int y = x - 1;
			while (y >= 0 && c[y] > cc) {
				c[y + 1] = c[y];
				v[y + 1] = v[y];
				y--;
			}
			c[y + 1] = cc;
			v[y + 1] = vv;
		}
		int first = out;
		for (int x = 0; x < len; x++) {
			if (out > first && a->col[out - 1] == c[x]) {
				a->val[out - 1] += v[x];
			} else {
				a->col[out] = c[x];
				a->val[out] = v[x];
				out++;
			}
		}
		a->start[i] = first;
	}
	a->start[rows] = out;
	free(fill);
	return a;
}

static void csr_free(struct csr *a)
{
	free(a->start);
	free(a->col);
	free(a->val);
	free(a);
}

static struct csr *transpose(const struct csr *a)
{
	struct triplets t = {0};
	for (int i = 0; i < a->rows; i++)
		for (int k = a->start[i]; k < a->start[i + 1]; k++)
			push(&t, a->col[k], i, a->val[k]);
	struct csr *b = assemble(&t, a->cols, a->rows);
	free(t.row);
	free(t.col);
	free(t.val);
	return b;
}

/* C = A * B, one row at a time through a dense accumulator. */
static struct csr *multiply(const struct csr *a, const struct csr *b)
{
	double *acc = calloc((size_t)b->cols, sizeof *acc);
	int *touched = malloc((size_t)b->cols * sizeof *touched);
	char *seen = calloc((size_t)b->cols, 1);
	struct triplets t = {0};
	for (int i = 0; i < a->rows; i++) {
		int ntouched = 0;
		const int *ac = a->col + a->start[i];
		const double *av = a->val + a->start[i];
		int alen = a->start[i + 1] - a->start[i];
		for (int x = 0; x < alen; x++) {
			int j = ac[x];
			for (int k = b->start[j]; k < b->start[j + 1]; k++) {
				int c = b->col[k];
				if (!seen[c]) {
					seen[c] = 1;
					touched[ntouched++] = c;
				}
				acc[c] += av[x] * b->val[k];
			}
		}
		for (int x = 0; x < ntouched; x++) {
			int c = touched[x];
			if (acc[c] != 0.0)
				push(&t, i, c, acc[c]);
			acc[c] = 0.0;
			seen[c] = 0;
		}
	}
	struct csr *m = assemble(&t, a->rows, b->cols);
	free(t.row);
	free(t.col);
	free(t.val);
	free(acc);
	free(touched);
	free(seen);
	return m;
}

static void spmv(const struct csr *a, const double *x, double *y)
{
	for (int i = 0; i < a->rows; i++) {
		double s = 0;
		for (int k = a->start[i]; k < a->start[i + 1]; k++)
			s += a->val[k] * x[a->col[k]];
		y[i] = s;
	}
}

static double dot(const double *a, const double *b, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* Conjugate gradients on A x = b; returns the iterations used. */
static int solve(const struct csr *a, const double *b, double *x, int maxit)
{
	int n = a->rows, it;
	double *r = malloc((size_t)n * sizeof *r), *p = malloc((size_t)n * sizeof *p);
	double *ap = malloc((size_t)n * sizeof *ap);
	memset(x, 0, (size_t)n * sizeof *x);
	memcpy(r, b, (size_t)n * sizeof *r);
	memcpy(p, b, (size_t)n * sizeof *p);
	double rr = dot(r, r, n);
#pragma mpp loop
	for (it = 0; it < maxit && rr > 1e-20; it++) {
		spmv(a, p, ap);
		double alpha = rr / dot(p, ap, n);
		for (int i = 0; i < n; i++) {
			x[i] += alpha * p[i];
			r[i] -= alpha * ap[i];
		}
		double rr2 = dot(r, r, n);
		for (int i = 0; i < n; i++)
			p[i] = r[i] + rr2 / rr * p[i];
		rr = rr2;
		if (it % 10 == 0)
			printf("  cg %3d residual %.3e\n", it, sqrt(rr));
	}
	free(r);
	free(p);
	free(ap);
	return it;
}

static double checksum(const struct csr *a)
{
	double s = 0;
	for (int i = 0; i < a->rows; i++)
		for (int k = a->start[i]; k < a->start[i + 1]; k++)
			s += a->val[k] * (1 + (a->col[k] * 7 + i * 3) % 11);
	return s;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 60;
	struct triplets t = {0};
	/* a random sparse matrix with duplicate entries */
#pragma mpp loop every 64
	for (int k = 0; k < n * 6; k++)
		push(&t, (int)(next_rand() % (unsigned)n), (int)(next_rand() % (unsigned)n),
		     (double)(next_rand() % 200) / 10.0 - 10.0);
	struct csr *a = assemble(&t, n, n);
	printf("A: %d x %d, %d entries from %zu triplets, checksum %.4f\n", a->rows, a->cols, a->start[n], t.n,
	       checksum(a));
	struct csr *at = transpose(a);
	printf("A^T: %d entries, checksum %.4f\n", at->start[n], checksum(at));
	/* A^T A + n I is symmetric positive definite */
	struct csr *m = multiply(at, a);
	struct triplets d = {0};
	for (int i = 0; i < n; i++)
		for (int k = m->start[i]; k < m->start[i + 1]; k++)
			push(&d, i, m->col[k], m->val[k]);
	for (int i = 0; i < n; i++)
		push(&d, i, i, (double)n);
	struct csr *spd = assemble(&d, n, n);
	printf("A^T A + nI: %d entries, checksum %.4f\n", spd->start[n], checksum(spd));
	double *b = malloc((size_t)n * sizeof *b), *x = malloc((size_t)n * sizeof *x);
	double *check = malloc((size_t)n * sizeof *check);
	for (int i = 0; i < n; i++)
		b[i] = (double)(i % 7) - 3.0;
	int its = solve(spd, b, x, 4 * n);
	spmv(spd, x, check);
	double err = 0;
	for (int i = 0; i < n; i++)
		err = fmax(err, fabs(check[i] - b[i]));
	printf("solved in %d iterations, max error %s, x[0..2] = %.6f %.6f %.6f\n", its, err < 1e-8 ? "< 1e-8" : "LARGE",
	       x[0], x[1], x[2]);
	/* powers of the transposed pattern: (A^T)^k, dropping small values */
	struct csr *pw = transpose(at);
#pragma mpp loop
	for (int k = 1; k <= 3; k++) {
		struct csr *next = multiply(pw, a);
		csr_free(pw);
		pw = next;
		for (int i = 0; i < pw->start[n]; i++)
			pw->val[i] /= 100.0;
		printf("A^%d: %d entries, checksum %.4f\n", k + 1, pw->start[n], checksum(pw));
	}
	csr_free(pw);
	csr_free(spd);
	csr_free(m);
	csr_free(at);
	csr_free(a);
	free(t.row);
	free(t.col);
	free(t.val);
	free(d.row);
	free(d.col);
	free(d.val);
	free(b);
	free(x);
	free(check);
	return 0;
}
