/* structs.c: nested structs, arrays of structs, anonymous members, unions
 * (tagged values), structs passed and returned by value, all live across
 * poll points. */
#include <stdio.h>
#include <string.h>

struct vec {
	double x, y;
};

struct particle {
	int id;
	struct vec pos, vel;
	char tag[8];
	unsigned char flags;
	short charge;
};

struct system {
	struct particle p[24];
	int n;
	struct {
		long steps;
		double energy;
	} stats;
	struct vec bounds[2];
};

union value {
	long i;
	double d;
	char s[16];
	unsigned char raw[16];
};

struct tagged {
	enum { T_INT, T_DBL, T_STR } kind;
	union value v;
};

struct pair {
	struct tagged a, b;
};

static struct system world; /* a big global struct */

static struct vec vadd(struct vec a, struct vec b)
{
	struct vec r = {a.x + b.x, a.y + b.y};
	return r;
}

static struct vec vscale(struct vec a, double k)
{
	return (struct vec){a.x * k, a.y * k};
}

static void step(struct system *s, double dt)
{
	s->stats.energy = 0;
#pragma mpp loop
	for (int i = 0; i < s->n; i++) {
		struct particle *q = &s->p[i];
		q->pos = vadd(q->pos, vscale(q->vel, dt));
		if (q->pos.x < s->bounds[0].x || q->pos.x > s->bounds[1].x) {
			q->vel.x = -q->vel.x;
			q->flags |= 1;
		}
		if (q->pos.y < s->bounds[0].y || q->pos.y > s->bounds[1].y) {
			q->vel.y = -q->vel.y;
			q->flags |= 2;
		}
		s->stats.energy += 0.5 * (q->vel.x * q->vel.x + q->vel.y * q->vel.y);
	}
	s->stats.steps++;
}

static struct tagged make(int k)
{
	struct tagged t;
	memset(&t, 0, sizeof t);
	switch (k % 3) {
	case 0:
		t.kind = T_INT;
		t.v.i = k * 1000003L;
		break;
	case 1:
		t.kind = T_DBL;
		t.v.d = k / 7.0;
		break;
	default:
		t.kind = T_STR;
		snprintf(t.v.s, sizeof t.v.s, "str-%d", k);
		break;
	}
	return t;
}

static void show(const char *what, struct tagged t)
{
	switch (t.kind) {
	case T_INT:
		printf("%s int %ld\n", what, t.v.i);
		break;
	case T_DBL:
		printf("%s dbl %.6f\n", what, t.v.d);
		break;
	case T_STR:
		printf("%s str %s\n", what, t.v.s);
		break;
	}
}

/* Takes and returns a struct by value, polls in between. */
static struct pair swap_pair(struct pair pr, int rounds)
{
#pragma mpp loop
	for (int i = 0; i < rounds; i++) {
		struct tagged t = pr.a;
		pr.a = pr.b;
		pr.b = t;
	}
	return pr;
}

int main(void)
{
	struct system local; /* a local copy, about 1.5 KiB */
	struct tagged vals[10];
	struct pair pr;
	union value u;
	double esum = 0;

	world.n = 24;
	world.bounds[0] = (struct vec){-10, -10};
	world.bounds[1] = (struct vec){10, 10};
	for (int i = 0; i < world.n; i++) {
		struct particle *q = &world.p[i];
		q->id = i;
		q->pos = (struct vec){i % 5 - 2.0, i % 7 - 3.0};
		q->vel = (struct vec){(i % 3 - 1) * 0.7, (i % 4 - 1.5) * 0.3};
		snprintf(q->tag, sizeof q->tag, "p%02d", i % 100);
		q->charge = (short)(i % 2 ? -i : i);
	}
	local = world;
	for (int i = 0; i < 10; i++)
		vals[i] = make(i);

	memset(&u, 0, sizeof u);
#pragma mpp loop
	for (int t = 0; t < 60; t++) {
		step(&world, 0.1);
		step(&local, 0.05);
		esum += world.p[t % 24].pos.x - local.p[t % 24].pos.y;
		u.raw[t % 16] = (unsigned char)(u.raw[t % 16] + t);
		if (t % 10 == 0) {
#pragma mpp point
			vals[t / 10] = make(t + 100);
		}
	}
	for (int i = 0; i < 10; i++) {
		char what[16];
		snprintf(what, sizeof what, "vals[%d]", i);
		show(what, vals[i]);
	}
	pr.a = vals[1];
	pr.b = vals[2];
	pr = swap_pair(pr, 7);
	show("pair.a", pr.a);
	show("pair.b", pr.b);
	for (int i = 0; i < world.n; i += 5)
		printf("%s pos (%.4f, %.4f) flags %u | local (%.4f, %.4f)\n", world.p[i].tag,
		       world.p[i].pos.x, world.p[i].pos.y, world.p[i].flags, local.p[i].pos.x,
		       local.p[i].pos.y);
	printf("steps %ld/%ld energy %.6f esum %.6f u.i %ld\n", world.stats.steps, local.stats.steps,
	       world.stats.energy, esum, u.i);
	return world.stats.steps == 60 ? 0 : 3;
}
