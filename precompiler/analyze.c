/* analyze.c: where the poll points are, which functions and calls can reach
 * one, and which constructs cannot be migrated. Runs on front.c's tree and
 * only marks it; rewrite.c turns the marks into code. */
#include "analyze.h"
#include "mpp_pvm_wrap.h"

#include <stdlib.h>
#include <string.h>

/* The innermost node of the tree rooted at n whose extent contains off. */
static struct node *innermost(struct node *n, unsigned off)
{
	for (int i = 0; i < n->nkids; i++) {
		struct node *k = n->kids[i];
		if (k->so <= off && off < k->eo)
			return innermost(k, off);
	}
	return n;
}

/* The outermost statement starting at or after off, inside n. */
static struct node *next_stmt(struct node *n, unsigned off)
{
	struct node *best = NULL;
	for (int i = 0; i < n->nkids; i++) {
		struct node *k = n->kids[i];
		if (k->so >= off) {
			if (!best || k->so < best->so)
				best = k;
		} else if (k->eo > off) {
			struct node *b = next_stmt(k, off);
			if (b && (!best || b->so < best->so))
				best = b;
		}
	}
	return best;
}

static struct func *func_at(struct unit *u, unsigned off)
{
	for (struct func *f = u->funcs; f; f = f->next)
		if (f->so <= off && off < f->eo)
			return f;
	return NULL;
}

static void add_point(struct func *f, struct point p)
{
	f->points = xrealloc(f->points, sizeof(*f->points) * (size_t)(f->npoints + 1));
	f->points[f->npoints++] = p;
}

static int is_loop(const struct node *n)
{
	return n->kind == N_FOR || n->kind == N_WHILE || n->kind == N_DO;
}

static int loop_has_point(struct func *f, struct node *loop)
{
	for (int i = 0; i < f->npoints; i++)
		if (f->points[i].loop == loop)
			return 1;
	return 0;
}

static struct var *func_var(struct func *f, const char *name)
{
	for (int i = 0; i < f->nvars; i++)
		if (strcmp(f->vars[i]->name, name) == 0)
			return f->vars[i];
	return NULL;
}

static void attach_pragmas(struct unit *u)
{
	for (int i = 0; i < u->npragmas; i++) {
		struct pragma_at *pa = &u->pragmas[i];
		struct mpp_pragma *p = &pa->p;
		struct func *f = func_at(u, pa->so);
		const char *kn = mpp_pragma_kind_name(p->kind);
		switch (p->kind) {
		case MPP_PRAGMA_POINT: {
			if (!f) {
				front_error(u, pa->so, "'#pragma mpp point' must be inside a function body");
				break;
			}
			struct node *in = innermost(f->body, pa->so);
			if (in->kind != N_COMPOUND) {
				front_error(u, pa->so,
				            "'#pragma mpp point' must stand between the statements of a block { ... }");
				break;
			}
			struct point pt = {
			    .offset = pa->so, .line_end = pa->eo, .every = 1, .line = p->line, .col = p->col};
			add_point(f, pt);
			break;
		}
		case MPP_PRAGMA_LOOP: {
			struct node *s = f ? next_stmt(f->body, pa->eo) : NULL;
			if (!s || !is_loop(s)) {
				front_error(u, pa->so,
				            "'#pragma mpp loop' must be followed by a for, while or do loop");
				break;
			}
			if (loop_has_point(f, s)) {
				front_error(u, pa->so, "this loop already has a '#pragma mpp loop'");
				break;
			}
			struct point pt = {.offset = s->so,
			                   .line_end = s->so,
			                   .loop = s,
			                   .every = p->every,
			                   .line = p->line,
			                   .col = p->col};
			add_point(f, pt);
			break;
		}
		case MPP_PRAGMA_NOMIGRATE: {
			if (f) {
				front_error(
				    u, pa->so,
				    "'#pragma mpp nomigrate' must precede a function definition, not stand inside one");
				break;
			}
			struct func *best = NULL;
			for (struct func *g = u->funcs; g; g = g->next)
				if (g->so >= pa->eo && (!best || g->so < best->so))
					best = g;
			if (!best) {
				front_error(u, pa->so,
				            "'#pragma mpp nomigrate' is not followed by a function definition");
				break;
			}
			best->nomigrate = 1;
			break;
		}
		case MPP_PRAGMA_NOSAVE:
			for (size_t k = 0; k < p->nnames; k++) {
				if (f) {
					struct var *v = func_var(f, p->names[k]);
					if (!v)
						front_error(
						    u, pa->so,
						    "'%s' in '#pragma mpp nosave' is not a variable of function '%s'",
						    p->names[k], f->name);
					else
						v->nosave = 1;
				} else {
					int found = 0;
					for (int g = 0; g < u->nglobals; g++) {
						if (strcmp(u->globals[g].cname, p->names[k]) == 0) {
							u->globals[g].nosave = 1;
							found = 1;
						}
					}
					if (!found)
						front_error(u, pa->so,
						            "'%s' in '#pragma mpp nosave' is not a global variable "
						            "defined in this file",
						            p->names[k]);
				}
			}
			break;
		case MPP_PRAGMA_ONRESTORE:
			if (f) {
				front_error(u, pa->so, "'#pragma mpp %s' must be at file scope", kn);
				break;
			}
			if (u->onrestore) {
				front_error(u, pa->so,
				            "a second '#pragma mpp onrestore' in this file (the first names '%s')",
				            u->onrestore);
				break;
			}
			u->onrestore = xstrdup(p->names[0]);
			u->onrestore_off = pa->so;
			break;
		}
	}
}

/* ---- short loops ---------------------------------------------------------
 * --mpp-auto leaves alone a loop that runs a few iterations of arithmetic,
 * such as `for (int j = i + 1; j < 5; j++)` over the bodies of an n-body
 * step: the poll of the loop around it (or of the caller's loop) comes soon
 * enough, and the compiler can still unroll it. A short loop counts a signed
 * integer counter up by one, from a value >= 0 (a constant, or a constant
 * added to the counter of such a loop around it) to a constant bound; nothing
 * in it assigns the counter, it calls nothing but a few math functions, its
 * only loops are short ones, and the bounds of the nest multiply to at most
 * MPP_SHORT_TRIPS. */
#define MPP_SHORT_TRIPS 64

static struct node *unparen(struct node *n)
{
	while (n && (n->kind == N_PAREN || n->kind == N_CAST ||
	             (n->kind == N_EXPR && n->nkids == 1 && clang_getCursorKind(n->cur) == CXCursor_UnexposedExpr)))
		n = n->kids[0];
	return n;
}

static int assigns(const struct node *n, const struct var *v)
{
	if ((n->kind == N_BINOP || n->kind == N_UNOP) && n->nkids) {
		size_t l = strlen(n->op);
		int as = !strcmp(n->op, "++") || !strcmp(n->op, "--") ||
		         (l >= 1 && n->op[l - 1] == '=' && strcmp(n->op, "==") && strcmp(n->op, "!=") &&
		          strcmp(n->op, "<=") && strcmp(n->op, ">="));
		struct node *t = unparen(n->kids[0]);
		if (as && t && t->kind == N_DECLREF && t->var == v)
			return 1;
		if (n->kind == N_UNOP && !strcmp(n->op, "&") && t && t->kind == N_DECLREF && t->var == v)
			return 1;
	}
	for (int i = 0; i < n->nkids; i++)
		if (assigns(n->kids[i], v))
			return 1;
	return 0;
}

static int math_call(const char *name)
{
	static const char *const fns[] = {"sqrt",  "cbrt",  "fabs", "sin",  "cos",  "tan",   "asin", "acos",  "atan",
	                                  "atan2", "exp",   "exp2", "log",  "log2", "log10", "pow",  "floor", "ceil",
	                                  "round", "trunc", "fmin", "fmax", "fma",  "hypot", "abs",  "labs"};
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		size_t l = strlen(fns[i]);
		if (!strncmp(name, fns[i], l) && (!name[l] || (!name[l + 1] && (name[l] == 'f' || name[l] == 'l'))))
			return 1;
	}
	return 0;
}

static struct var *loop_counter(struct node *l);

/* Is e >= 0 for sure: a constant, or a constant plus a counter that starts
 * >= 0 and only goes up (of a loop around)? */
static int nonneg_start(struct node *e, struct node *loop)
{
	e = unparen(e);
	if (!e)
		return 0;
	if (front_const_value(e) >= 0)
		return 1;
	struct node *w = e;
	if (e->kind == N_BINOP && !strcmp(e->op, "+") && e->nkids == 2 && front_const_value(e->kids[1]) >= 0)
		w = unparen(e->kids[0]);
	if (!w || w->kind != N_DECLREF || !w->var)
		return 0;
	for (struct node *p = loop->parent; p; p = p->parent)
		if (p->kind == N_FOR && loop_counter(p) == w->var)
			return 1;
	return 0;
}

/* The counter of `for (v = START; v < B; v++)` (or <=, ++v) whose START is
 * >= 0 and that nothing in the loop assigns; NULL otherwise. */
static struct var *loop_counter(struct node *l)
{
	if (l->kind != N_FOR || !l->init || !l->cond || !l->inc || !l->body)
		return NULL;
	struct node *in = unparen(l->init), *start = NULL;
	struct var *v = NULL;
	if (in->kind == N_DECLSTMT && in->nkids == 1 && in->kids[0]->kind == N_VARDECL && in->kids[0]->nkids) {
		v = in->kids[0]->var;
		start = in->kids[0]->kids[in->kids[0]->nkids - 1];
	} else if (in->kind == N_BINOP && !strcmp(in->op, "=") && in->nkids == 2) {
		struct node *t = unparen(in->kids[0]);
		v = t && t->kind == N_DECLREF ? t->var : NULL;
		start = in->kids[1];
	}
	if (!v || v->addr_taken || v->is_static)
		return NULL;
	enum CXTypeKind tk = clang_getCanonicalType(v->type).kind;
	if (tk != CXType_SChar && tk != CXType_Short && tk != CXType_Int && tk != CXType_Long && tk != CXType_LongLong)
		return NULL;
	struct node *inc = unparen(l->inc);
	if (!inc || inc->kind != N_UNOP || strcmp(inc->op, "++") || !inc->nkids ||
	    unparen(inc->kids[0])->kind != N_DECLREF || unparen(inc->kids[0])->var != v)
		return NULL;
	if (assigns(l->body, v) || assigns(l->cond, v) || !nonneg_start(start, l))
		return NULL;
	return v;
}

/* The most iterations of a short loop n (times those of the short loops in
 * it), or 0 when n is not short. */
static long long short_trips(struct node *n);

static long long body_trips(struct node *n)
{
	if (n->kind == N_CALL && !(n->callee_system && n->callee_name && math_call(n->callee_name)))
		return 0;
	if (n->kind == N_ASM || n->kind == N_STMTEXPR || n->kind == N_GOTO || n->kind == N_INDGOTO ||
	    n->kind == N_LABEL)
		return 0;
	if (is_loop(n))
		return short_trips(n);
	long long m = 1;
	for (int i = 0; i < n->nkids && m; i++) {
		long long k = body_trips(n->kids[i]);
		m = k > m ? k : (k ? m : 0);
	}
	return m;
}

static long long short_trips(struct node *n)
{
	if (!loop_counter(n))
		return 0;
	struct node *c = unparen(n->cond);
	if (!c || c->kind != N_BINOP || c->nkids != 2 || (strcmp(c->op, "<") && strcmp(c->op, "<=")) ||
	    unparen(c->kids[0])->kind != N_DECLREF || unparen(c->kids[0])->var != loop_counter(n))
		return 0;
	long long b = front_const_value(c->kids[1]);
	if (b < 0 || b > MPP_SHORT_TRIPS)
		return 0;
	b += !strcmp(c->op, "<=");
	long long in = body_trips(n->body);
	if (!in || b * in > MPP_SHORT_TRIPS)
		return 0;
	return b ? b * in : 1;
}

static void auto_loops(struct func *f, struct node *n)
{
	if (is_loop(n) && !loop_has_point(f, n) && !short_trips(n)) {
		struct point pt = {.offset = n->so, .line_end = n->so, .loop = n, .every = 1, .automatic = 1};
		add_point(f, pt);
	}
	for (int i = 0; i < n->nkids; i++)
		auto_loops(f, n->kids[i]);
}

/* Does a call inside n lead (directly or not) to target? */
static int calls_reach(struct unit *u, struct node *n, struct func *target, int *seen, int depth)
{
	if (n->kind == N_CALL && n->callee_name) {
		struct func *g = front_func_by_name(u, n->callee_name);
		if (g == target)
			return 1;
		if (g && !seen[g->index] && !g->nomigrate) {
			seen[g->index] = 1;
			if (calls_reach(u, g->body, target, seen, depth + 1))
				return 1;
		}
	}
	for (int i = 0; i < n->nkids; i++)
		if (calls_reach(u, n->kids[i], target, seen, depth))
			return 1;
	return 0;
}

/* --mpp-auto: a recursive function may run long without a loop; it polls
 * on entry. */
static void auto_recursion(struct unit *u)
{
	int *seen = xcalloc((size_t)u->nfuncs + 1, sizeof(int));
	for (struct func *f = u->funcs; f; f = f->next) {
		if (f->nomigrate)
			continue;
		memset(seen, 0, sizeof(int) * ((size_t)u->nfuncs + 1));
		if (calls_reach(u, f->body, f, seen, 0)) {
			struct point pt = {.offset = f->body->so + 1, .line_end = f->body->so + 1, .every = 1};
			add_point(f, pt);
		}
	}
	free(seen);
}

/* ---- bounded functions ----------------------------------------------------
 * A function whose work is bounded: its loops are all short (above), it
 * has no goto or asm, and it calls only the C library and bounded functions
 * of this file (so no recursion). A loop whose body calls such functions
 * and nothing else that can run long can poll once per chunk of iterations
 * (rewrite.c, strip-mining) with its pragma too, as nbody's step loop
 * calling `advance`. */
static int body_bounded(struct unit *u, struct node *n, int *state);

static int func_bounded(struct unit *u, struct func *f, int *state)
{
	if (state[f->index] == 1) /* on the current path: recursion */
		return 0;
	if (state[f->index] >= 2)
		return state[f->index] == 2;
	state[f->index] = 1;
	int b = !f->nomigrate && body_bounded(u, f->body, state);
	state[f->index] = b ? 2 : 3;
	return b;
}

static int body_bounded(struct unit *u, struct node *n, int *state)
{
	if (n->kind == N_GOTO || n->kind == N_INDGOTO || n->kind == N_ASM)
		return 0;
	if (is_loop(n) && !short_trips(n))
		return 0;
	if (n->kind == N_CALL) {
		if (!n->callee_name)
			return 0; /* through a pointer */
		struct func *g = front_func_by_name(u, n->callee_name);
		if (g ? !func_bounded(u, g, state) : !n->callee_system)
			return 0;
	}
	for (int i = 0; i < n->nkids; i++)
		if (!body_bounded(u, n->kids[i], state))
			return 0;
	return 1;
}

static void mark_bounded(struct unit *u)
{
	int *state = xcalloc((size_t)u->nfuncs + 1, sizeof(int));
	for (struct func *f = u->funcs; f; f = f->next)
		f->bounded = func_bounded(u, f, state);
	free(state);
}

static int under_sizeof(const struct node *n)
{
	for (const struct node *p = n->parent; p; p = p->parent)
		if (p->kind == N_SIZEOF)
			return 1;
	return 0;
}

/* Can this call reach a poll point? Unknown code is assumed to. */
static int call_reaches(struct unit *u, struct node *n)
{
	if (under_sizeof(n))
		return 0;
	if (!n->callee_name)
		return 1; /* through a pointer */
	struct func *g = front_func_by_name(u, n->callee_name);
	if (g)
		return g->reach && !g->nomigrate;
		/* a blocking PVM receive is a migration point of its own */
#define POINT(name)                                    \
	if (strcmp(n->callee_name, "pvm_" #name) == 0) \
		return 1;
	MPP_PVM_POINTS(POINT)
#undef POINT
	if (n->callee_system || strncmp(n->callee_name, "__builtin", 9) == 0)
		return 0;
	return 1; /* defined in another file of the program */
}

static int mark_calls(struct unit *u, struct node *n)
{
	int any = 0;
	for (int i = 0; i < n->nkids; i++)
		any |= mark_calls(u, n->kids[i]);
	if (n->kind == N_CALL) {
		n->reach = call_reaches(u, n);
		any |= n->reach;
	}
	n->has_reach = any;
	return any;
}

static const char *const jump_funcs[] = {"setjmp",   "_setjmp",    "__sigsetjmp",   "sigsetjmp", "longjmp",
                                         "_longjmp", "siglongjmp", "__longjmp_chk", NULL};

static int is_integer(CXType t)
{
	t = clang_getCanonicalType(t);
	return t.kind >= CXType_Bool && t.kind <= CXType_Int128 && t.kind != CXType_Char_S;
}

static struct node *strip(struct node *n)
{
	while (n && (n->kind == N_PAREN ||
	             (n->kind == N_EXPR && n->nkids == 1 && clang_getCursorKind(n->cur) == CXCursor_UnexposedExpr)))
		n = n->kids[0];
	return n;
}

static int is_ptr_to_int(struct node *n)
{
	n = strip(n);
	if (!n || n->kind != N_CAST || !n->nkids)
		return 0;
	CXType to = clang_getCursorType(n->cur);
	struct node *op = n->kids[n->nkids - 1];
	CXType from = clang_getCanonicalType(clang_getCursorType(op->cur));
	return is_integer(to) && from.kind == CXType_Pointer;
}

static void check_unsupported(struct unit *u, struct func *f, struct node *n)
{
	switch (n->kind) {
	case N_ASM:
		front_error(u, n->so,
		            "inline assembly in '%s', which can reach a migration point: its effect on registers and "
		            "memory cannot be saved",
		            f->name);
		break;
	case N_INDGOTO:
		front_error(
		    u, n->so,
		    "computed goto in '%s', which can reach a migration point: a label address cannot be migrated",
		    f->name);
		break;
	case N_CALL:
		for (int i = 0; n->callee_name && jump_funcs[i]; i++) {
			if (strcmp(n->callee_name, jump_funcs[i]) == 0) {
				/* name it as written: setjmp is often a macro */
				unsigned e = n->so;
				while (e < u->len && (u->src[e] == '_' || (unsigned)((u->src[e] | 32) - 'a') < 26u ||
				                      (u->src[e] >= '0' && u->src[e] <= '9')))
					e++;
				front_error(u, n->so,
				            "'%.*s' in '%s', which can reach a migration point: a jump buffer holds "
				            "machine state that cannot be migrated",
				            (int)(e - n->so), u->src + n->so, f->name);
			}
		}
		break;
	case N_STMTEXPR:
		if (n->has_reach)
			front_error(u, n->so,
			            "statement expression containing a call that can reach a migration point (in "
			            "'%s'): move the call out of '({ ... })'",
			            f->name);
		break;
	case N_VARDECL:
		if (clang_getCanonicalType(n->var->type).kind == CXType_VariableArray)
			front_error(u, n->so,
			            "variable-length array '%s' in '%s', which can reach a migration point: its size "
			            "is not known when the frame is rebuilt",
			            n->var->name, f->name);
		if (n->nkids && is_integer(n->var->type) && is_ptr_to_int(n->kids[n->nkids - 1]))
			front_error(u, n->so,
			            "pointer converted to an integer and stored in '%s' (in '%s', which can reach a "
			            "migration point): the pointer could not be relocated after a move",
			            n->var->name, f->name);
		break;
	case N_BINOP:
		if (strcmp(n->op, "=") == 0 && n->nkids == 2 && is_integer(clang_getCursorType(n->kids[0]->cur)) &&
		    is_ptr_to_int(n->kids[1])) {
			struct node *l = strip(n->kids[0]);
			front_error(u, n->so,
			            "pointer converted to an integer and stored in '%s' (in '%s', which can reach a "
			            "migration point): the pointer could not be relocated after a move",
			            l && l->kind == N_DECLREF && l->var ? l->var->name : "an integer", f->name);
		}
		break;
	default: break;
	}
	for (int i = 0; i < n->nkids; i++)
		check_unsupported(u, f, n->kids[i]);
}

int analyze(struct unit *u)
{
	attach_pragmas(u);
	for (struct func *f = u->funcs; f; f = f->next) {
		if (f->nomigrate) {
			if (f->npoints)
				front_error(u, f->points[0].offset,
				            "migration point in '%s', which is marked '#pragma mpp nomigrate'",
				            f->name);
			f->npoints = 0;
			continue;
		}
		if (u->auto_points)
			auto_loops(f, f->body);
	}
	if (u->auto_points)
		auto_recursion(u);
	for (struct func *f = u->funcs; f; f = f->next) {
		if (f->nomigrate)
			continue;
		f->reach = f->npoints > 0;
	}
	/* reachability: to a fixed point over the call graph */
	for (int changed = 1; changed;) {
		changed = 0;
		for (struct func *f = u->funcs; f; f = f->next) {
			mark_calls(u, f->body);
			if (!f->reach && !f->nomigrate && f->body->has_reach) {
				f->reach = 1;
				changed = 1;
			}
		}
	}
	mark_bounded(u);
	for (struct func *f = u->funcs; f; f = f->next)
		if (f->reach)
			check_unsupported(u, f, f->body);
	return u->errors ? -1 : 0;
}
