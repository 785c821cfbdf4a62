/* vtable.c: function pointers everywhere. Shapes are heap objects with a
 * pointer to a class (a struct of method pointers, one class derived by
 * copying and overriding); objects may override one method themselves;
 * observers are callbacks registered in a heap array; a tokenizer is a
 * state machine whose state is a function returning the next state; a
 * global table maps names to math functions of the C library. */
/* mpp-test: cflags=-lm */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct shape;

struct klass {
	const char *name;
	double (*area)(const struct shape *);
	double (*perimeter)(const struct shape *);
	void (*scale)(struct shape *, double);
	const struct klass *super;
};

struct shape {
	const struct klass *cls;
	double a, b;
	double (*area_override)(const struct shape *); /* NULL: the class's */
	struct shape *next;
};

static double rect_area(const struct shape *s)
{
	return s->a * s->b;
}

static double rect_perimeter(const struct shape *s)
{
	return 2 * (s->a + s->b);
}

static void rect_scale(struct shape *s, double f)
{
	s->a *= f;
	s->b *= f;
}

static double circle_area(const struct shape *s)
{
	return M_PI * s->a * s->a;
}

static double circle_perimeter(const struct shape *s)
{
	return 2 * M_PI * s->a;
}

static void circle_scale(struct shape *s, double f)
{
	s->a *= f;
}

static double half_area(const struct shape *s)
{
	return s->cls->area(s) / 2;
}

static const struct klass rect = {"rect", rect_area, rect_perimeter, rect_scale, NULL};
static const struct klass circle = {"circle", circle_area, circle_perimeter, circle_scale, NULL};

/* square: a rect whose scale keeps it square, made at run time */
static struct klass *square;

static void square_scale(struct shape *s, double f)
{
	s->cls->super->scale(s, f);
	s->b = s->a;
}

static double area_of(const struct shape *s)
{
	return s->area_override ? s->area_override(s) : s->cls->area(s);
}

/* ---- observers ---- */

typedef void (*observer)(const char *event, double value, void *ctx);

struct bus {
	observer *fns;
	void **ctx;
	int n, cap;
};

static void subscribe(struct bus *b, observer fn, void *ctx)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 2;
		b->fns = realloc(b->fns, (size_t)b->cap * sizeof *b->fns);
		b->ctx = realloc(b->ctx, (size_t)b->cap * sizeof *b->ctx);
	}
	b->fns[b->n] = fn;
	b->ctx[b->n++] = ctx;
}

static void publish(const struct bus *b, const char *event, double v)
{
	for (int i = 0; i < b->n; i++)
		b->fns[i](event, v, b->ctx[i]);
}

static void sum_observer(const char *event, double v, void *ctx)
{
	(void)event;
	*(double *)ctx += v;
}

static void count_observer(const char *event, double v, void *ctx)
{
	(void)v;
	int *counts = ctx;
	counts[event[0] == 'c' ? 0 : 1]++;
}

/* ---- a tokenizer as a state machine ---- */

struct lexer;
typedef struct state (*state_fn)(struct lexer *);
struct state {
	state_fn next;
};

struct lexer {
	const char *p;
	int numbers, words, symbols;
	long value;
};

static struct state lex_start(struct lexer *lx);

static struct state lex_number(struct lexer *lx)
{
	while (*lx->p >= '0' && *lx->p <= '9')
		lx->value = lx->value * 10 + (*lx->p++ - '0');
	lx->numbers++;
	return (struct state){lex_start};
}

static struct state lex_word(struct lexer *lx)
{
	while ((*lx->p >= 'a' && *lx->p <= 'z') || *lx->p == '_')
		lx->p++;
	lx->words++;
	return (struct state){lex_start};
}

static struct state lex_start(struct lexer *lx)
{
	while (*lx->p == ' ')
		lx->p++;
	if (!*lx->p)
		return (struct state){NULL};
	if (*lx->p >= '0' && *lx->p <= '9')
		return (struct state){lex_number};
	if (*lx->p >= 'a' && *lx->p <= 'z')
		return (struct state){lex_word};
	lx->p++;
	lx->symbols++;
	return (struct state){lex_start};
}

/* ---- math functions by name ---- */

struct named_fn {
	const char *name;
	double (*fn)(double);
};

static struct named_fn math[] = {{"sin", sin}, {"cos", cos}, {"sqrt", sqrt}, {"fabs", fabs}, {"exp", exp}};

static double (*pick(const char *name))(double)
{
	for (size_t i = 0; i < sizeof math / sizeof math[0]; i++)
		if (!strcmp(math[i].name, name))
			return math[i].fn;
	return NULL;
}

int main(void)
{
	square = malloc(sizeof *square);
	*square = rect;
	square->name = "square";
	square->scale = square_scale;
	square->super = &rect;

	struct shape *shapes = NULL;
	const struct klass *classes[] = {&rect, &circle, square};
	for (int i = 0; i < 12; i++) {
		struct shape *s = calloc(1, sizeof *s);
		s->cls = classes[i % 3];
		s->a = 1 + i % 5;
		s->b = s->cls == square ? s->a : 2 + i % 3;
		if (i % 4 == 3)
			s->area_override = half_area;
		s->next = shapes;
		shapes = s;
	}
	struct bus bus = {0};
	double total = 0;
	int counts[2] = {0, 0};
	subscribe(&bus, sum_observer, &total);
	subscribe(&bus, count_observer, counts);

#pragma mpp loop
	for (int round = 0; round < 6; round++) {
		double area = 0, perim = 0;
		for (struct shape *s = shapes; s; s = s->next) {
			area += area_of(s);
			perim += s->cls->perimeter(s);
			s->cls->scale(s, round % 2 ? 0.5 : 1.5);
		}
		publish(&bus, "change", area);
		publish(&bus, "report", perim);
		printf("round %d: area %.3f perimeter %.3f (observed total %.3f, %d changes %d reports)\n", round, area,
		       perim, total, counts[0], counts[1]);
	}
	for (struct shape *s = shapes; s; s = s->next)
		if (s->cls == square && fabs(s->a - s->b) > 1e-12)
			printf("square %p lost its shape\n", (void *)s);

	const char *program = "let x1 = 42 + y * (7 - 3) ; print x1 99 end";
	struct lexer lx = {program, 0, 0, 0, 0};
	state_fn st = lex_start;
	int steps = 0;
#pragma mpp loop
	while (st) {
		st = st(&lx).next;
		steps++;
	}
	printf("lexer: %d steps, %d numbers (sum of digits read %ld), %d words, %d symbols\n", steps, lx.numbers,
	       lx.value, lx.words, lx.symbols);

	const char *names[] = {"sqrt", "sin", "exp", "cos", "fabs", "sqrt"};
	double (*chain[6])(double);
	for (int i = 0; i < 6; i++)
		chain[i] = pick(names[i]);
	double x = 2.0;
#pragma mpp loop
	for (int i = 0; i < 6; i++) {
		x = chain[i](x) + 1;
		printf("after %s: %.9f\n", names[i], x);
	}
	while (shapes) {
		struct shape *next = shapes->next;
		free(shapes);
		shapes = next;
	}
	free(bus.fns);
	free(bus.ctx);
	free(square);
	return 0;
}
