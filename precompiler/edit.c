/* edit.c: ordered text edits over the original source (see edit.h). */
#include "edit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front.h"

void sb_addn(struct sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
}

void sb_add(struct sbuf *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *t = xvasprintf(fmt, ap);
	va_end(ap);
	sb_add(b, t);
	free(t);
}

char *sb_take(struct sbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	b->s = NULL;
	b->n = b->cap = 0;
	return s;
}

void sb_func_name(struct sbuf *b, const char *name)
{
	static const char *const names[] = {"__func__", "__FUNCTION__", "__PRETTY_FUNCTION__"};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (name)
			sb_printf(b, "#define %s \"%s\"\n", names[i], name);
		else
			sb_printf(b, "#undef %s\n", names[i]);
}

void edit_init(struct edits *e, const char *src, size_t len)
{
	memset(e, 0, sizeof(*e));
	e->src = src;
	e->len = len;
}

void edit_free(struct edits *e)
{
	for (int i = 0; i < e->n; i++)
		free(e->v[i].text);
	free(e->v);
}

static struct edit *add(struct edits *e)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 64;
		e->v = xrealloc(e->v, sizeof(*e->v) * (size_t)e->cap);
	}
	struct edit *x = &e->v[e->n++];
	memset(x, 0, sizeof(*x));
	x->seq = e->seq++;
	return x;
}

void edit_insert(struct edits *e, unsigned at, int side, const char *text)
{
	struct edit *x = add(e);
	x->so = x->eo = at;
	x->side = side;
	x->text = xstrdup(text);
}

static int inside(const struct edit *x, unsigned so, unsigned eo)
{
	if (x->side == EDIT_REPLACE)
		return so <= x->so && x->eo <= eo && !(x->so == x->eo && (x->so == so || x->so == eo) && so != eo);
	if (x->so > so && x->so < eo)
		return 1;
	if (x->so == so && x->side == EDIT_RIGHT)
		return 1;
	if (x->so == eo && x->side == EDIT_LEFT)
		return 1;
	return 0;
}

void edit_replace(struct edits *e, unsigned so, unsigned eo, const char *text)
{
	for (int i = 0; i < e->n; i++)
		if (!e->v[i].dead && inside(&e->v[i], so, eo))
			e->v[i].dead = 1;
	struct edit *x = add(e);
	x->so = so;
	x->eo = eo;
	x->side = EDIT_REPLACE;
	x->text = xstrdup(text);
}

/* Order at one offset: LEFT insertions (registration order), then RIGHT
 * insertions (outer, i.e. later, first), then the replacement starting there. */
static int rank(const struct edit *x)
{
	return x->side == EDIT_LEFT ? 0 : x->side == EDIT_RIGHT ? 1 : 2;
}

static int cmp(const void *a, const void *b)
{
	const struct edit *x = *(struct edit *const *)a, *y = *(struct edit *const *)b;
	if (x->so != y->so)
		return x->so < y->so ? -1 : 1;
	if (rank(x) != rank(y))
		return rank(x) - rank(y);
	if (x->side == EDIT_RIGHT)
		return y->seq - x->seq;
	return x->seq - y->seq;
}

char *edit_render(struct edits *e, unsigned so, unsigned eo)
{
	struct edit **list = xcalloc((size_t)e->n + 1, sizeof(*list));
	int n = 0;
	for (int i = 0; i < e->n; i++)
		if (!e->v[i].dead && inside(&e->v[i], so, eo))
			list[n++] = &e->v[i];
	qsort(list, (size_t)n, sizeof(*list), cmp);
	struct sbuf b = {0};
	unsigned pos = so;
	for (int i = 0; i < n; i++) {
		struct edit *x = list[i];
		if (x->so < pos) /* overlapped by an earlier replacement */
			continue;
		sb_addn(&b, e->src + pos, x->so - pos);
		sb_add(&b, x->text);
		pos = x->side == EDIT_REPLACE ? x->eo : x->so;
	}
	if (pos < eo)
		sb_addn(&b, e->src + pos, eo - pos);
	free(list);
	return sb_take(&b);
}
