/* graph.c: a road network as a graph of shared nodes with cycles. Towns
 * live on a doubly linked list (prev/next, a sentinel head) and in a
 * name index; roads are edge records pointing at two shared towns, linked
 * into both towns' adjacency lists. Dijkstra runs over a binary heap of
 * town pointers with back-indices, Tarjan's algorithm (recursive) finds
 * strongly connected components of the one-way roads, and towns are
 * removed along the way (unlinked from the list, their roads freed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct road;

struct town {
	char name[12];
	int id;
	struct town *prev, *next; /* list of all towns */
	struct road *out, *in;    /* adjacency lists */
	/* Dijkstra */
	long dist;
	struct town *via;
	int heap_at;
	/* Tarjan */
	int index, low, on_stack;
	struct town *stack_next;
};

struct road {
	struct town *from, *to;
	struct road *next_out, *next_in;
	int length;
	int oneway;
};

struct network {
	struct town head; /* sentinel: head.next is the first town */
	struct town **by_id;
	int ntowns, cap;
	long nroads;
};

static unsigned seed = 12345;

static unsigned rnd(unsigned n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 16) % n;
}

static struct town *add_town(struct network *g)
{
	struct town *t = calloc(1, sizeof *t);
	t->id = g->ntowns;
	snprintf(t->name, sizeof t->name, "T%03d", t->id);
	t->prev = g->head.prev;
	t->next = &g->head;
	g->head.prev->next = t;
	g->head.prev = t;
	if (g->ntowns == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 8;
		g->by_id = realloc(g->by_id, (size_t)g->cap * sizeof *g->by_id);
	}
	g->by_id[g->ntowns++] = t;
	return t;
}

static void add_road(struct network *g, struct town *a, struct town *b, int len, int oneway)
{
	struct road *r = malloc(sizeof *r);
	r->from = a;
	r->to = b;
	r->length = len;
	r->oneway = oneway;
	r->next_out = a->out;
	a->out = r;
	r->next_in = b->in;
	b->in = r;
	g->nroads++;
}

static void unlink_road(struct road **list, struct road *r, int out)
{
	while (*list != r)
		list = out ? &(*list)->next_out : &(*list)->next_in;
	*list = out ? r->next_out : r->next_in;
}

static void remove_town(struct network *g, struct town *t)
{
	while (t->out) {
		struct road *r = t->out;
		t->out = r->next_out;
		if (r->to != t)
			unlink_road(&r->to->in, r, 0);
		else
			unlink_road(&t->in, r, 0);
		free(r);
		g->nroads--;
	}
	while (t->in) {
		struct road *r = t->in;
		t->in = r->next_in;
		unlink_road(&r->from->out, r, 1);
		free(r);
		g->nroads--;
	}
	t->prev->next = t->next;
	t->next->prev = t->prev;
	g->by_id[t->id] = NULL;
	free(t);
}

/* ---- Dijkstra over a binary heap of towns -------------------------------- */

struct heap {
	struct town **v;
	int n;
};

static void place(struct heap *h, int i, struct town *t)
{
	h->v[i] = t;
	t->heap_at = i;
}

static void sift_up(struct heap *h, int i)
{
	struct town *t = h->v[i];
	while (i > 0 && h->v[(i - 1) / 2]->dist > t->dist) {
		place(h, i, h->v[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	place(h, i, t);
}

static struct town *pop(struct heap *h)
{
	struct town *top = h->v[0], *last = h->v[--h->n];
	int i = 0;
	for (;;) {
		int c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->dist < h->v[c]->dist)
			c++;
		if (h->v[c]->dist >= last->dist)
			break;
		place(h, i, h->v[c]);
		i = c;
	}
	if (h->n)
		place(h, i, last);
	top->heap_at = -1;
	return top;
}

static void shortest(struct network *g, struct town *src)
{
	struct heap h = {malloc((size_t)g->ntowns * sizeof(struct town *)), 0};
	for (struct town *t = g->head.next; t != &g->head; t = t->next) {
		t->dist = -1;
		t->via = NULL;
		t->heap_at = -1;
	}
	src->dist = 0;
	place(&h, h.n++, src);
	while (h.n) {
		struct town *t = pop(&h);
		for (struct road *r = t->out; r; r = r->next_out) {
			long d = t->dist + r->length;
			if (r->to->dist < 0 || d < r->to->dist) {
				r->to->dist = d;
				r->to->via = t;
				if (r->to->heap_at < 0)
					place(&h, h.n++, r->to);
				sift_up(&h, r->to->heap_at);
			}
		}
	}
	free(h.v);
}

static void print_route(const struct town *t)
{
	if (t->via) {
		print_route(t->via);
		printf("-");
	}
	printf("%s", t->name);
}

/* ---- Tarjan's strongly connected components -------------------------------- */

struct tarjan {
	int counter;
	struct town *stack;
	int ncomp, largest;
};

static void strong(struct tarjan *s, struct town *t)
{
	t->index = t->low = ++s->counter;
	t->stack_next = s->stack;
	s->stack = t;
	t->on_stack = 1;
	for (struct road *r = t->out; r; r = r->next_out) {
		struct town *u = r->to;
		if (!u->index) {
			strong(s, u);
			if (u->low < t->low)
				t->low = u->low;
		} else if (u->on_stack && u->index < t->low) {
			t->low = u->index;
		}
	}
	if (t->low == t->index) {
		int size = 0;
		struct town *u;
		do {
			u = s->stack;
			s->stack = u->stack_next;
			u->on_stack = 0;
			size++;
		} while (u != t);
		s->ncomp++;
		if (size > s->largest)
			s->largest = size;
	}
}

static void components(struct network *g)
{
	struct tarjan s = {0, NULL, 0, 0};
	for (struct town *t = g->head.next; t != &g->head; t = t->next)
		t->index = t->low = t->on_stack = 0;
	for (struct town *t = g->head.next; t != &g->head; t = t->next)
		if (!t->index)
			strong(&s, t);
	printf("  %d strongly connected components, largest %d\n", s.ncomp, s.largest);
}

int main(void)
{
	struct network g;
	memset(&g, 0, sizeof g);
	g.head.prev = g.head.next = &g.head;
	for (int i = 0; i < 120; i++)
		add_town(&g);
	/* a ring (a cycle through every town), then random roads, some one-way */
	for (int i = 0; i < 120; i++)
		add_road(&g, g.by_id[i], g.by_id[(i + 1) % 120], 5 + (int)rnd(20), 1);
#pragma mpp loop every 16
	for (int i = 0; i < 360; i++) {
		struct town *a = g.by_id[rnd(120)], *b = g.by_id[rnd(120)];
		int len = 1 + (int)rnd(50), oneway = rnd(3) == 0;
		add_road(&g, a, b, len, oneway);
		if (!oneway)
			add_road(&g, b, a, len, 0);
	}
	printf("%d towns, %ld roads\n", g.ntowns, g.nroads);
#pragma mpp loop
	for (int round = 0; round < 8; round++) {
		struct town *src = NULL;
		while (!src)
			src = g.by_id[rnd((unsigned)g.ntowns)];
		shortest(&g, src);
		long total = 0, far = 0;
		struct town *farthest = src;
		int reached = 0;
		for (struct town *t = g.head.next; t != &g.head; t = t->next) {
			if (t->dist < 0)
				continue;
			reached++;
			total += t->dist;
			if (t->dist > far) {
				far = t->dist;
				farthest = t;
			}
		}
		printf("round %d from %s: %d reached, total %ld, farthest %s at %ld via ", round, src->name, reached,
		       total, farthest->name, far);
		print_route(farthest);
		printf("\n");
		components(&g);
		/* remove a handful of towns, then add new ones with new roads */
		for (int k = 0; k < 6; k++) {
			struct town *t = g.by_id[rnd((unsigned)g.ntowns)];
			if (t && t != src)
				remove_town(&g, t);
		}
		for (int k = 0; k < 4; k++) {
			struct town *t = add_town(&g), *u = NULL;
			while (!u)
				u = g.by_id[rnd((unsigned)g.ntowns - 1)];
			add_road(&g, t, u, 1 + (int)rnd(30), 0);
			add_road(&g, u, t, 1 + (int)rnd(30), 1);
		}
		int count = 0;
		for (struct town *t = g.head.prev; t != &g.head; t = t->prev)
			count++;
		printf("  now %d towns (list backwards: %d), %ld roads\n", g.ntowns, count, g.nroads);
	}
	while (g.head.next != &g.head)
		remove_town(&g, g.head.next);
	printf("all removed: %ld roads left\n", g.nroads);
	free(g.by_id);
	return 0;
}
