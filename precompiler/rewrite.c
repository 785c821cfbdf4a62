/* rewrite.c: turn analysed functions into resumable code. Each poll point
 * and each call that can reach one becomes a numbered site; calls buried in
 * expressions are first hoisted into temporaries so that every resumable
 * call is a statement; a resume switch at function entry jumps to the site
 * being restored. Variable lists are filled in last, once all temporaries
 * of the function are known. */
#include "rewrite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct site {
	unsigned P;         /* source offset whose visible variables the site saves */
	int excl;           /* id of a loop around P that does not hold the site */
	struct node *entry; /* a loop whose poll is restored before it (loop_entry) */
};

/* A loop of the dispatch tree: a loop of the source, or the inner loop
 * that strip-mining makes of one (chunk set: it spans the body only). */
struct loopent {
	struct node *n;
	int chunk;
};

struct rw {
	struct unit *u;
	struct edits *ed;
	struct typegen *tg;
	struct sbuf *tables;
	struct func *f;
	struct site *sites;
	int nsites;
	int ntmp;
	unsigned P;
	int excl;
	struct loopent *loops; /* loops that hold sites, by loop id - 1 */
	int nloops;
	int any_goto;
	const char *ret;
};

static int has_const(CXType t);

/* ---- helpers ---------------------------------------------------------- */

static struct node *strip(struct node *n)
{
	while (n && (n->kind == N_PAREN ||
	             (n->kind == N_EXPR && n->nkids == 1 && clang_getCursorKind(n->cur) == CXCursor_UnexposedExpr)))
		n = n->kids[0];
	return n;
}

static int is_assign_op(const char *op)
{
	size_t l = strlen(op);
	return (l >= 1 && op[l - 1] == '=' && strcmp(op, "==") && strcmp(op, "!=") && strcmp(op, "<=") &&
	        strcmp(op, ">=")) ||
	       !strcmp(op, "++") || !strcmp(op, "--");
}

/* No calls, assignments or increments: evaluating it twice is harmless. */
static int is_pure(const struct node *n)
{
	if (n->kind == N_SIZEOF)
		return 1;
	if (n->kind == N_CALL || n->kind == N_STMTEXPR)
		return 0;
	if ((n->kind == N_BINOP || n->kind == N_UNOP) && is_assign_op(n->op))
		return 0;
	for (int i = 0; i < n->nkids; i++)
		if (!is_pure(n->kids[i]))
			return 0;
	return 1;
}

/* Pure, and safe to evaluate again when a frame is rebuilt, after the
 * callee has run for a while: reads no memory through a pointer or an
 * index (the pointer may be null or freed by now) and divides by nothing
 * (the divisor may be zero by now). */
static int reeval_safe(const struct node *n)
{
	if (n->kind == N_SIZEOF)
		return 1;
	if (!is_pure(n))
		return 0;
	enum CXCursorKind k = clang_getCursorKind(n->cur);
	if (k == CXCursor_ArraySubscriptExpr || (n->kind == N_UNOP && !strcmp(n->op, "*")) ||
	    (n->kind == N_BINOP && (!strcmp(n->op, "/") || !strcmp(n->op, "%"))))
		return 0;
	if (k == CXCursor_MemberRefExpr && n->nkids &&
	    clang_getCanonicalType(clang_getCursorType(n->kids[0]->cur)).kind == CXType_Pointer)
		return 0;
	for (int i = 0; i < n->nkids; i++)
		if (!reeval_safe(n->kids[i]))
			return 0;
	return 1;
}

/* Side effects other than calls that reach a point. */
static int pure_but_reach(const struct node *n)
{
	if (n->kind == N_SIZEOF)
		return 1;
	if (n->kind == N_STMTEXPR)
		return 0;
	if (n->kind == N_CALL && !n->reach)
		return 0;
	if ((n->kind == N_BINOP || n->kind == N_UNOP) && is_assign_op(n->op))
		return 0;
	for (int i = 0; i < n->nkids; i++)
		if (!pure_but_reach(n->kids[i]))
			return 0;
	return 1;
}

static int is_expr_kind(enum nkind k)
{
	return k <= N_STMTEXPR;
}

static unsigned stmt_end(struct rw *rw, struct node *n)
{
	return front_stmt_end(rw->u, n);
}

static char *render(struct rw *rw, unsigned so, unsigned eo)
{
	return edit_render(rw->ed, so, eo);
}

/* ---- line numbers -------------------------------------------------------
 * The translated file keeps the source's lines (__LINE__, assert, the
 * compiler's messages): a rewritten statement whose text has more or fewer
 * newlines than the source it replaces (loops written again, code written
 * twice) is followed by a #line for the source after it, and a body moved
 * away from its loop's header is preceded by one. */

static size_t newlines(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n && s[i]; i++)
		c += s[i] == '\n';
	return c;
}

/* "#line" for the source text from offset off on, on a line of its own */
static char *line_sync(struct rw *rw, unsigned off)
{
	return xasprintf("\n#line %u \"%s\"\n", front_line_of(rw->u, off, NULL), rw->u->path);
}

/* Replaces the statement text [so, eo) by text, then numbers what follows
 * as in the source when the newlines differ or text numbers its own. */
static void stmt_replace(struct rw *rw, unsigned so, unsigned eo, const char *text)
{
	if (newlines(text, (size_t)-1) == newlines(rw->u->src + so, eo - so) && !strstr(text, "\n#line ")) {
		edit_replace(rw->ed, so, eo, text);
		return;
	}
	char *sync = line_sync(rw, eo);
	char *t = xasprintf("%s%s", text, sync);
	edit_replace(rw->ed, so, eo, t);
	free(t);
	free(sync);
}

/* The rendered body of loop l, numbered as in the source when it does not
 * start on the loop's first line (takes body). */
static char *synced_body(struct rw *rw, struct node *l, char *body)
{
	if (!newlines(rw->u->src + l->so, l->body->so - l->so))
		return body;
	char *sync = line_sync(rw, l->body->so);
	char *t = xasprintf("%s%s", sync, body);
	free(sync);
	free(body);
	return t;
}

static int new_site(struct rw *rw, unsigned P)
{
	rw->sites = xrealloc(rw->sites, sizeof(*rw->sites) * (size_t)(rw->nsites + 1));
	rw->sites[rw->nsites].P = P;
	rw->sites[rw->nsites].excl = rw->excl;
	rw->sites[rw->nsites].entry = NULL;
	return ++rw->nsites;
}

/* "\x01K\x02" stands for site K's variable list until the function is done. */
static char *vars_ph(int k)
{
	return xasprintf("\x01%d\x02", k);
}

static char *point_text(struct rw *rw, int k)
{
	char *ph = vars_ph(k);
	char *s = xasprintf("__MPP_POLL(__mpp_funcs[%d], %d, %s, %s);", rw->f->index, k, rw->ret, ph);
	free(ph);
	return s;
}

/* The two halves of a loop poll restored at the loop's entry (loop_entry):
 * the poll in the body, and the restore label before the loop. */
static char *loop_poll_text(struct rw *rw, int k, int entry)
{
	char *ph = vars_ph(k);
	char *s = xasprintf("__MPP_LOOP_%s(__mpp_funcs[%d], %d, %s, %s);%s", entry ? "ENTRY" : "POLL", rw->f->index, k,
	                    rw->ret, ph, entry ? " " : "");
	free(ph);
	return s;
}

static char *begin_text(struct rw *rw, int k)
{
	char *ph = vars_ph(k);
	char *s = xasprintf("__MPP_BEFORE_CALL(__mpp_funcs[%d], %d, %s); ", rw->f->index, k, ph);
	free(ph);
	return s;
}

static char *end_text(struct rw *rw, int k)
{
	char *ph = vars_ph(k);
	char *s = xasprintf(" __MPP_AFTER_CALL(__mpp_funcs[%d], %d, %s, %s);", rw->f->index, k, rw->ret, ph);
	free(ph);
	return s;
}

static struct var *new_temp(struct rw *rw, const char *prefix, const char *decl_type, CXType t, const char *tref,
                            struct sbuf *decls, unsigned scope_so, unsigned scope_eo)
{
	struct func *f = rw->f;
	struct var *v = xcalloc(1, sizeof(*v));
	v->name = xasprintf("__mpp_%s%d", prefix, ++rw->ntmp);
	v->type = t;
	v->synthetic = 1;
	v->decl_text = tref ? xstrdup(tref) : NULL; /* descriptor override */
	v->so = v->eo = scope_so;
	v->scope_so = scope_so;
	v->scope_eo = scope_eo;
	f->vars = xrealloc(f->vars, sizeof(*f->vars) * (size_t)(f->nvars + 1));
	f->vars[f->nvars++] = v;
	if (decls && has_const(t) && clang_getCanonicalType(t).kind == CXType_Record) {
		char *ts = cxstr(clang_getTypeSpelling(t));
		front_error(rw->u, rw->P,
		            "a value of type '%s', which has const members, must be held in a temporary here "
		            "(a call that can reach a migration point inside an expression), and C cannot assign "
		            "it: declare a variable initialised with the call on a line of its own",
		            ts);
		free(ts);
	}
	/* zeroed: a capture at an earlier site of the statement copies it;
	 * __auto_type drops the qualifiers of the type (a const result or
	 * argument), as the temporary is assigned after the site label */
	if (decls)
		sb_printf(decls, "__auto_type %s = (%s){0}; ", v->name, decl_type);
	return v;
}

/* Text of [so, eo) with the given nodes (in source order) replaced by vals. */
static char *subst(struct rw *rw, unsigned so, unsigned eo, struct node **nodes, char **vals, int n)
{
	struct sbuf b = {0};
	unsigned pos = so;
	for (int i = 0; i < n; i++) {
		if (!vals[i])
			continue;
		char *t = render(rw, pos, nodes[i]->so);
		sb_add(&b, t);
		free(t);
		sb_add(&b, vals[i]);
		pos = nodes[i]->eo;
	}
	char *t = render(rw, pos, eo);
	sb_add(&b, t);
	free(t);
	return sb_take(&b);
}

struct sm {
	int up;
	struct node *cmp; /* the comparison i OP B */
	struct var *iv;
	struct node *bound;
	struct node *step; /* NULL: 1 */
};

static int loop_id(struct rw *rw, struct node *l);
static int is_safe_cond(const struct node *n);
static char *dispatch_text(int id);
static struct point *loop_point(struct rw *rw, struct node *n);
static char *point_text(struct rw *rw, int k);
static const char *var_cname(const struct var *v);

/* ---- expression normalisation ---------------------------------------- */

struct norm_ctx {
	struct sbuf *pre;   /* statements to run before the expression */
	struct sbuf *decls; /* temporaries to declare */
	unsigned scope_so, scope_eo;
};

static char *norm(struct rw *rw, struct norm_ctx *nc, struct node *n, int unused);

static char *norm_kids(struct rw *rw, struct norm_ctx *nc, struct node *n)
{
	char **vals = xcalloc((size_t)n->nkids + 1, sizeof(*vals));
	for (int i = 0; i < n->nkids; i++)
		if (n->kids[i]->has_reach)
			vals[i] = norm(rw, nc, n->kids[i], 0);
	char *s = subst(rw, n->so, n->eo, n->kids, vals, n->nkids);
	for (int i = 0; i < n->nkids; i++)
		free(vals[i]);
	free(vals);
	return s;
}

/* The type of an argument as __typeof__ sees its text, for the descriptor of
 * its temporary: libclang's cursor for an argument is its implicit conversion
 * to the parameter's type (an UnexposedExpr with the extent of the expression
 * under it), which can be wider (a uint16_t assignment passed as a uint64_t:
 * the temporary holds 2 bytes, a uint64_t descriptor would save 8). Arrays and
 * functions keep their decay, as in the comma expression that declares it. */
static CXType arg_type(const struct node *k)
{
	while (clang_getCursorKind(k->cur) == CXCursor_UnexposedExpr && k->nkids == 1 && k->kids[0]->so == k->so &&
	       k->kids[0]->eo == k->eo) {
		enum CXTypeKind ck = clang_getCanonicalType(clang_getCursorType(k->kids[0]->cur)).kind;
		if (ck == CXType_ConstantArray || ck == CXType_IncompleteArray || ck == CXType_VariableArray ||
		    ck == CXType_FunctionProto || ck == CXType_FunctionNoProto)
			break;
		k = k->kids[0];
	}
	return clang_getCursorType(k->cur);
}

static char *norm_call(struct rw *rw, struct norm_ctx *nc, struct node *n, int unused)
{
	char **vals = xcalloc((size_t)n->nkids + 1, sizeof(*vals));
	if (n->nkids && n->kids[0]->has_reach)
		front_error(rw->u, n->so,
		            "the called function is itself computed by a call that can reach a migration point: store "
		            "it in a variable first");
	for (int i = 0; i < n->nkids; i++) {
		struct node *k = n->kids[i];
		if (i == 0 && k->has_reach)
			continue; /* refused above */
		if (k->has_reach)
			vals[i] = norm(rw, nc, k, 0);
		/* the function too: a frame is rebuilt by calling the same one */
		int impure = k->has_reach ? !pure_but_reach(k) : !reeval_safe(k);
		if (impure) {
			/* the call is executed again when the frame is rebuilt: its
			 * arguments must not do anything a second time, nor read
			 * what the callee may have changed */
			char *v = vals[i] ? vals[i] : render(rw, k->so, k->eo);
			char *dt = xasprintf("__typeof__(((void)0, (%s)))", v);
			struct var *t = new_temp(rw, "a", dt, arg_type(k), NULL, nc->decls, nc->scope_so, nc->scope_eo);
			sb_printf(nc->pre, "%s = %s; ", t->name, v);
			free(dt);
			free(v);
			vals[i] = xstrdup(t->name);
		}
	}
	char *call = subst(rw, n->so, n->eo, n->kids, vals, n->nkids);
	for (int i = 0; i < n->nkids; i++)
		free(vals[i]);
	free(vals);
	int k = new_site(rw, rw->P);
	char *b = begin_text(rw, k), *e = end_text(rw, k);
	char *val;
	int is_void = clang_getCanonicalType(clang_getCursorType(n->cur)).kind == CXType_Void;
	sb_add(nc->pre, b);
	if (unused || is_void) {
		sb_printf(nc->pre, "%s;", call);
		val = xstrdup(unused ? "" : "(void)0");
	} else {
		char *dt = xasprintf("__typeof__(%s)", call);
		struct var *t =
		    new_temp(rw, "t", dt, clang_getCursorType(n->cur), NULL, nc->decls, nc->scope_so, nc->scope_eo);
		sb_printf(nc->pre, "%s = %s;", t->name, call);
		val = xstrdup(t->name);
		free(dt);
	}
	sb_add(nc->pre, e);
	sb_add(nc->pre, " ");
	free(b);
	free(e);
	free(call);
	return val;
}

static char *norm_logic(struct rw *rw, struct norm_ctx *nc, struct node *n)
{
	struct node *l = n->kids[0], *r = n->kids[1];
	char *vl = norm(rw, nc, l, 0);
	if (!r->has_reach) {
		char *vals[2] = {vl, NULL};
		char *s = subst(rw, n->so, n->eo, n->kids, vals, 2);
		free(vl);
		return s;
	}
	struct var *t =
	    new_temp(rw, "t", "int", clang_getCursorType(n->cur), "&mpp_t_int", nc->decls, nc->scope_so, nc->scope_eo);
	struct sbuf pre2 = {0};
	struct norm_ctx nc2 = *nc;
	nc2.pre = &pre2;
	char *vr = norm(rw, &nc2, r, 0);
	if (strcmp(n->op, "&&") == 0)
		sb_printf(nc->pre, "if (%s) { %s%s = (%s) != 0; } else %s = 0; ", vl, pre2.s ? pre2.s : "", t->name, vr,
		          t->name);
	else
		sb_printf(nc->pre, "if (%s) %s = 1; else { %s%s = (%s) != 0; } ", vl, t->name, pre2.s ? pre2.s : "",
		          t->name, vr);
	free(pre2.s);
	free(vl);
	free(vr);
	return xstrdup(t->name);
}

static char *norm_cond(struct rw *rw, struct norm_ctx *nc, struct node *n)
{
	if (n->nkids != 3) {
		front_error(rw->u, n->so,
		            "'?:' with an omitted middle operand around a call that can reach a migration point is not "
		            "supported");
		return render(rw, n->so, n->eo);
	}
	struct node *c = n->kids[0], *a = n->kids[1], *b = n->kids[2];
	char *vc = norm(rw, nc, c, 0);
	if (!a->has_reach && !b->has_reach) {
		char *vals[3] = {vc, NULL, NULL};
		char *s = subst(rw, n->so, n->eo, n->kids, vals, 3);
		free(vc);
		return s;
	}
	struct sbuf pa = {0}, pb = {0};
	struct norm_ctx nca = *nc, ncb = *nc;
	nca.pre = &pa;
	ncb.pre = &pb;
	char *va = norm(rw, &nca, a, 0);
	char *vb = norm(rw, &ncb, b, 0);
	char *res;
	if (clang_getCanonicalType(clang_getCursorType(n->cur)).kind == CXType_Void) {
		sb_printf(nc->pre, "if (%s) { %s(void)(%s); } else { %s(void)(%s); } ", vc, pa.s ? pa.s : "", va,
		          pb.s ? pb.s : "", vb);
		res = xstrdup("(void)0");
	} else {
		char *dt = xasprintf("__typeof__(1 ? (%s) : (%s))", va, vb);
		struct var *t =
		    new_temp(rw, "t", dt, clang_getCursorType(n->cur), NULL, nc->decls, nc->scope_so, nc->scope_eo);
		sb_printf(nc->pre, "if (%s) { %s%s = %s; } else { %s%s = %s; } ", vc, pa.s ? pa.s : "", t->name, va,
		          pb.s ? pb.s : "", t->name, vb);
		res = xstrdup(t->name);
		free(dt);
	}
	free(pa.s);
	free(pb.s);
	free(vc);
	free(va);
	free(vb);
	return res;
}

/* Returns the value of n after nc->pre has run; "" when unused and nothing remains. */
static char *norm(struct rw *rw, struct norm_ctx *nc, struct node *n, int unused)
{
	if (!n->has_reach)
		return render(rw, n->so, n->eo);
	if (!n->exact) {
		front_error(rw->u, n->so,
		            "a call that can reach a migration point inside a macro expansion (in '%s'): call it "
		            "outside the macro",
		            rw->f->name);
		return render(rw, n->so, n->eo);
	}
	switch (n->kind) {
	case N_CALL:
		if (n->reach)
			return norm_call(rw, nc, n, unused);
		break;
	case N_BINOP:
		if ((!strcmp(n->op, "&&") || !strcmp(n->op, "||")) && n->nkids == 2)
			return norm_logic(rw, nc, n);
		if (!strcmp(n->op, ",") && n->nkids == 2) {
			char *vl = norm(rw, nc, n->kids[0], 1);
			if (vl[0])
				sb_printf(nc->pre, "(void)(%s); ", vl);
			free(vl);
			return norm(rw, nc, n->kids[1], unused);
		}
		break;
	case N_CONDOP: return norm_cond(rw, nc, n);
	case N_PAREN:
		if (n->nkids == 1 && strip(n)->kind == N_CALL && unused)
			return norm(rw, nc, n->kids[0], unused);
		break;
	default: break;
	}
	if (n->kind == N_EXPR && n->nkids == 1 && n->kids[0]->so == n->so && n->kids[0]->eo == n->eo)
		return norm(rw, nc, n->kids[0], unused);
	return norm_kids(rw, nc, n);
}

/* ---- statements ------------------------------------------------------- */

static int parent_is_block(const struct node *n)
{
	const struct node *p = n->parent;
	return !p || p->kind == N_COMPOUND || p->kind == N_LABEL || p->kind == N_CASE || p->kind == N_DEFAULT;
}

static int in_stmt_position(const struct node *n)
{
	const struct node *p = n->parent;
	if (!p)
		return 0;
	switch (p->kind) {
	case N_COMPOUND: return 1;
	case N_LABEL:
	case N_CASE:
	case N_DEFAULT: return p->kids[p->nkids - 1] == n;
	case N_IF: return p->then == n || p->els == n;
	case N_WHILE:
	case N_FOR:
	case N_DO:
	case N_SWITCH: return p->body == n;
	default: return 0;
	}
}

/* A call statement that needs no temporaries: f(a); v = f(a); T v = f(a); */
static int canonical_call(struct node *e)
{
	e = strip(e);
	if (!e)
		return 0;
	if (e->kind == N_BINOP && !strcmp(e->op, "=") && e->nkids == 2) {
		if (e->kids[0]->has_reach || !is_pure(e->kids[0]))
			return 0;
		e = strip(e->kids[1]);
	}
	if (!e || e->kind != N_CALL || !e->reach || !e->exact)
		return 0;
	for (int i = 0; i < e->nkids; i++)
		if (e->kids[i]->has_reach || !reeval_safe(e->kids[i]))
			return 0;
	return 1;
}

static struct node *var_init(struct node *vd);

/* The variable the init of for loop l sets (`int i = S` or `i = S`), and
 * S in *start; NULL when the init is neither. */
static struct var *for_init(struct node *l, struct node **start)
{
	struct node *in = l->kind == N_FOR && l->init ? strip(l->init) : NULL;
	*start = NULL;
	if (!in)
		return NULL;
	if (in->kind == N_DECLSTMT && in->nkids == 1 && in->kids[0]->kind == N_VARDECL) {
		*start = var_init(in->kids[0]);
		return in->kids[0]->var;
	}
	if (in->kind == N_BINOP && !strcmp(in->op, "=") && in->nkids == 2 && strip(in->kids[0])->kind == N_DECLREF) {
		*start = in->kids[1];
		return strip(in->kids[0])->var;
	}
	return NULL;
}

static struct node *var_init(struct node *vd)
{
	if (vd->kind != N_VARDECL || !vd->nkids)
		return NULL;
	CXCursor ic = clang_Cursor_getVarDeclInitializer(vd->cur);
	if (clang_Cursor_isNull(ic))
		return NULL; /* a child may still be an array size */
	struct node *i = vd->kids[vd->nkids - 1];
	return is_expr_kind(i->kind) ? i : NULL;
}

static void wrap_call(struct rw *rw, struct node *s, int braces)
{
	int k = new_site(rw, s->so);
	unsigned end = stmt_end(rw, s);
	char *b = begin_text(rw, k), *e = end_text(rw, k);
	edit_insert(rw->ed, s->so, EDIT_RIGHT, b);
	edit_insert(rw->ed, end, EDIT_LEFT, e);
	if (braces) {
		edit_insert(rw->ed, s->so, EDIT_RIGHT, "{ ");
		edit_insert(rw->ed, end, EDIT_LEFT, " }");
	}
	free(b);
	free(e);
}

/* Text of a declaration statement with its initialisers normalised. */
static char *decl_text(struct rw *rw, struct node *s, struct norm_ctx *nc)
{
	struct node **nodes = xcalloc((size_t)s->nkids + 1, sizeof(*nodes));
	char **vals = xcalloc((size_t)s->nkids + 1, sizeof(*vals));
	int n = 0, impure_before = 0;
	for (int i = 0; i < s->nkids; i++) {
		struct node *init = var_init(s->kids[i]);
		if (!init)
			continue;
		if (init->has_reach) {
			if (impure_before)
				front_error(
				    rw->u, init->so,
				    "a call that can reach a migration point in a later declarator of a declaration "
				    "whose earlier initialisers have side effects: split the declaration");
			nodes[n] = init;
			vals[n++] = norm(rw, nc, init, 0);
		} else if (!is_pure(init)) {
			impure_before = 1;
		}
	}
	unsigned end = stmt_end(rw, s);
	char *t = subst(rw, s->so, end, nodes, vals, n);
	for (int i = 0; i < n; i++)
		free(vals[i]);
	free(vals);
	free(nodes);
	return t;
}

static int rewrite_continues(struct rw *rw, struct node *loop, struct node *n, int label)
{
	int count = 0;
	for (int i = 0; i < n->nkids; i++) {
		struct node *k = n->kids[i];
		if (k->kind == N_CONTINUE) {
			char *g = xasprintf("goto __mpp_c%d", label);
			edit_replace(rw->ed, k->so, k->eo, g);
			free(g);
			count++;
		} else if (k->kind != N_FOR && k->kind != N_WHILE && k->kind != N_DO) {
			count += rewrite_continues(rw, loop, k, label);
		}
	}
	return count;
}

static void stmt_generic(struct rw *rw, struct node *s, struct node *part, int braces)
{
	unsigned end = stmt_end(rw, s);
	struct sbuf pre = {0}, decls = {0};
	struct norm_ctx nc = {&pre, &decls, s->so, end};
	rw->P = s->so;
	int unused = part == s; /* an expression statement */
	char *val = norm(rw, &nc, part, unused);
	char *head = render(rw, s->so, part->so);
	char *tail = render(rw, part->eo, end);
	char *text = xasprintf("%s%s%s%s%s%s%s", braces ? "{ " : "", decls.s ? decls.s : "", pre.s ? pre.s : "", head,
	                       val, tail, braces ? " }" : "");
	stmt_replace(rw, s->so, end, text);
	free(text);
	free(head);
	free(tail);
	free(val);
	free(pre.s);
	free(decls.s);
}

static void loop_rewrite(struct rw *rw, struct node *s)
{
	unsigned end = stmt_end(rw, s);
	struct sbuf decls = {0}, pre_c = {0}, pre_i = {0}, init = {0};
	struct norm_ctx nc = {&pre_c, &decls, s->so, end};
	rw->P = s->so;
	char *vc = NULL, *vi = NULL;
	int label = s->cont_label;
	if (s->kind == N_FOR && s->init) {
		struct norm_ctx nci = {&init, &decls, s->so, end};
		rw->excl = loop_id(rw, s); /* sites of the init run before the loop */
		if (s->init->kind == N_DECLSTMT) {
			char *t = decl_text(rw, s->init, &nci);
			sb_add(&init, t);
			free(t);
		} else {
			char *v = norm(rw, &nci, s->init, 1);
			sb_printf(&init, "%s; ", v);
			free(v);
		}
		rw->excl = 0;
	}
	/* sites of the condition and the increment see what init declared */
	if (s->cond) {
		rw->P = s->cond->so;
		vc = norm(rw, &nc, s->cond, 0);
	}
	if (s->kind == N_FOR && s->inc) {
		struct norm_ctx nci = {&pre_i, &decls, s->so, end};
		rw->P = s->inc->so;
		vi = norm(rw, &nci, s->inc, 1);
	}
	int need_label = s->ncont > 0;
	char *body = s->body ? synced_body(rw, s, render(rw, s->body->so, stmt_end(rw, s->body))) : xstrdup(";");
	struct sbuf b = {0};
	int id = loop_id(rw, s);
	char *lab = id ? xasprintf("__mpp_l%d:; ", id) : xstrdup("");
	char *disp = id ? dispatch_text(id) : xstrdup("");
	sb_printf(&b, "{ %s%s%sfor (;;) { %s", decls.s ? decls.s : "", init.s ? init.s : "", lab, disp);
	free(lab);
	free(disp);
	if (s->kind != N_DO && vc)
		sb_printf(&b, "%sif (!(%s)) break; ", pre_c.s ? pre_c.s : "", vc);
	sb_add(&b, body);
	if (need_label)
		sb_printf(&b, " __mpp_c%d:;", label);
	if (s->kind == N_DO && vc)
		sb_printf(&b, " %sif (!(%s)) break;", pre_c.s ? pre_c.s : "", vc);
	if (vi)
		sb_printf(&b, " %s%s%s", pre_i.s ? pre_i.s : "", vi, vi[0] ? ";" : "");
	sb_add(&b, " } }");
	stmt_replace(rw, s->so, end, b.s);
	free(b.s);
	free(body);
	free(vc);
	free(vi);
	free(decls.s);
	free(pre_c.s);
	free(pre_i.s);
	free(init.s);
}

/* ---- reducible re-entry -----------------------------------------------
 * Restoring never jumps into a loop body from outside (that would make the
 * loop irreducible and cost the optimiser dearly on the fast path). The
 * entry switch jumps to a label just before the outermost loop around the
 * site; the loop's condition lets a restoring thread in; a switch at the top
 * of the body jumps to the next loop in, or to the site. (The inner loop of
 * a strip-mined loop is entered with a condition that fails, and switches
 * where it fails: see stripmine.) */

static int is_loop_node(const struct node *n)
{
	return n->kind == N_FOR || n->kind == N_WHILE || n->kind == N_DO;
}

/* Does statement n hold a loop? */
static int holds_loop(const struct node *n)
{
	for (int i = 0; i < n->nkids; i++)
		if (is_loop_node(n->kids[i]) || holds_loop(n->kids[i]))
			return 1;
	return 0;
}

/* "\x03N\x04" stands for the cases of loop N's dispatch (0: function entry). */
static char *dispatch_text(int id)
{
	return xasprintf("if (__MPP_UNLIKELY(__mpp_site)) switch (__mpp_site) { \x03%d\x04 } ", id);
}

static int loop_entry(struct rw *rw, struct node *l);

/* Does the statement l (a loop, or a loop's body) hold a site? (The poll
 * of a loop restored at the loop's entry is no site inside the loop.) */
static int loop_holds_site(struct rw *rw, struct node *l)
{
	if (l->has_reach)
		return 1;
	unsigned end = stmt_end(rw, l);
	for (int i = 0; i < rw->f->npoints; i++) {
		struct point *pt = &rw->f->points[i];
		if (pt->loop == l && loop_entry(rw, l))
			continue;
		unsigned at = pt->loop ? pt->loop->so : pt->offset;
		if (at >= l->so && at < end)
			return 1;
	}
	return 0;
}

static int loop_id_of(struct rw *rw, struct node *l, int chunk)
{
	for (int i = 0; i < rw->nloops; i++)
		if (rw->loops[i].n == l && rw->loops[i].chunk == chunk)
			return i + 1;
	return 0;
}

static int loop_id(struct rw *rw, struct node *l)
{
	return loop_id_of(rw, l, 0);
}

static int add_loop(struct rw *rw, struct node *n, int chunk)
{
	rw->loops = xrealloc(rw->loops, sizeof(*rw->loops) * (size_t)(rw->nloops + 1));
	rw->loops[rw->nloops].n = n;
	rw->loops[rw->nloops].chunk = chunk;
	return ++rw->nloops;
}

static int sm_check(struct rw *rw, struct node *l, struct sm *m);
static int loop_needs_rewrite(const struct node *n);

static void collect_loops(struct rw *rw, struct node *n)
{
	if (is_loop_node(n) && loop_holds_site(rw, n)) {
		struct sm m;
		add_loop(rw, n, 0);
		if (sm_check(rw, n, &m) && loop_holds_site(rw, n->body))
			add_loop(rw, n, 1);
	}
	for (int i = 0; i < n->nkids; i++)
		collect_loops(rw, n->kids[i]);
}

/* Puts text at the start of a loop body, bracing a single statement. */
static void body_prefix(struct rw *rw, struct node *body, const char *text)
{
	if (body->kind == N_COMPOUND) {
		edit_insert(rw->ed, body->so + 1, EDIT_RIGHT, text);
	} else {
		char *t = xasprintf("{ %s", text);
		edit_insert(rw->ed, body->so, EDIT_RIGHT, t);
		edit_insert(rw->ed, stmt_end(rw, body), EDIT_LEFT, " }");
		free(t);
	}
}

/* Is n's value of a signed integer type (whose arithmetic may overflow)? */
static int signed_int(const struct node *n)
{
	enum CXTypeKind k = clang_getCanonicalType(clang_getCursorType(n->cur)).kind;

	return k == CXType_Char_S || k == CXType_SChar || k == CXType_Short || k == CXType_Int || k == CXType_Long ||
	       k == CXType_LongLong || k == CXType_Int128;
}

/* Can the condition be evaluated on garbage values (while restoring, the
 * frame's variables are not loaded yet)? Only scalar locals, constants and
 * arithmetic that cannot trap or be undefined: no memory access, no
 * division, no signed arithmetic that may overflow (`k < n * 6`), no _Bool
 * (a garbage byte is no valid value of it). */
static int is_safe_cond(const struct node *n)
{
	switch (n->kind) {
	case N_DECLREF: {
		enum CXCursorKind k = clang_getCursorKind(clang_getCursorReferenced(n->cur));
		if (k == CXCursor_EnumConstantDecl)
			return 1;
		if (!n->var || n->var->is_static)
			return 0;
		CXType t = clang_getCanonicalType(n->var->type);
		return t.kind > CXType_Bool && t.kind <= CXType_LongDouble;
	}
	case N_BINOP:
		if (is_assign_op(n->op) || !strcmp(n->op, "/") || !strcmp(n->op, "%") || !strcmp(n->op, ","))
			return 0;
		if ((!strcmp(n->op, "+") || !strcmp(n->op, "-") || !strcmp(n->op, "*") || !strcmp(n->op, "<<")) &&
		    signed_int(n))
			return 0;
		break;
	case N_UNOP:
		if (strcmp(n->op, "-") && strcmp(n->op, "!") && strcmp(n->op, "~") && strcmp(n->op, "+"))
			return 0;
		if (!strcmp(n->op, "-") && signed_int(n))
			return 0;
		break;
	case N_PAREN:
	case N_CAST: break;
	case N_EXPR: {
		enum CXCursorKind k = clang_getCursorKind(n->cur);
		if (k == CXCursor_IntegerLiteral || k == CXCursor_CharacterLiteral || k == CXCursor_FloatingLiteral)
			return 1;
		if (k != CXCursor_UnexposedExpr)
			return 0;
		break;
	}
	default: return 0;
	}
	for (int i = 0; i < n->nkids; i++)
		if (!is_safe_cond(n->kids[i]))
			return 0;
	return 1;
}

/* Locals a restore path sets so that a loop condition fails (falsify). */
struct fset {
	const struct var *v[8];
	int val[8];
	int n;
};

static int fs_put(struct fset *s, const struct var *v, int val)
{
	for (int i = 0; i < s->n; i++)
		if (s->v[i] == v)
			return s->val[i] == val;
	if (s->n == 8)
		return 0;
	s->v[s->n] = v;
	s->val[s->n++] = val;
	return 1;
}

static int is_int_type(CXType t);

/* A local of integer type that a restore path may set: the site it goes
 * to reloads it (it is read by the loop condition, so live there). */
static const struct var *settable(struct node *n)
{
	n = strip(n);
	if (!n || n->kind != N_DECLREF || !n->var)
		return NULL;
	const struct var *v = n->var;
	CXType t = clang_getCanonicalType(v->type);
	if (v->is_static || v->is_extern || v->nosave || !is_int_type(t) || clang_isConstQualifiedType(t) ||
	    clang_isVolatileQualifiedType(t))
		return NULL;
	return v;
}

/* Values of locals that make c false: `a < b` (a = 1, b = 0), `a`, `!a`,
 * `x && y` (x false), `x || y` (both false). */
static int falsify(struct fset *s, struct node *c)
{
	c = strip(c);
	if (!c)
		return 0;
	if (c->kind == N_DECLREF)
		return settable(c) && fs_put(s, settable(c), 0);
	if (c->kind == N_UNOP && !strcmp(c->op, "!") && c->nkids == 1)
		return settable(c->kids[0]) && fs_put(s, settable(c->kids[0]), 1);
	if (c->kind != N_BINOP || c->nkids != 2)
		return 0;
	if (!strcmp(c->op, "&&"))
		return falsify(s, c->kids[0]);
	if (!strcmp(c->op, "||"))
		return falsify(s, c->kids[0]) && falsify(s, c->kids[1]);
	const struct var *a = settable(c->kids[0]), *b = settable(c->kids[1]);
	if (!a || !b || a == b)
		return 0;
	int va, vb;
	if (!strcmp(c->op, "<") || !strcmp(c->op, "<="))
		va = 1, vb = 0;
	else if (!strcmp(c->op, ">") || !strcmp(c->op, ">=") || !strcmp(c->op, "=="))
		va = 0, vb = 1;
	else if (!strcmp(c->op, "!="))
		va = 0, vb = 0;
	else
		return 0;
	return fs_put(s, a, va) && fs_put(s, b, vb);
}

/* "a = 1; b = 0; " making the condition c false, or NULL. */
static char *falsify_text(struct node *c)
{
	struct fset s = {{0}, {0}, 0};
	if (!c || !falsify(&s, c))
		return NULL;
	struct sbuf b = {0};
	for (int i = 0; i < s.n; i++)
		sb_printf(&b, "%s = %d; ", var_cname(s.v[i]), s.val[i]);
	return sb_take(&b);
}

/* Label, restoring condition and body dispatch of a loop not rewritten
 * (id: the loop holds sites), and the restore label of its own poll when
 * that is restored at the loop's entry (k: the poll's site). */
static void loop_entry_edits(struct rw *rw, struct node *l, int id, int k)
{
	/* a condition that locals can make fail: the restore path enters with
	 * them set so, and the dispatch runs where the condition fails (once
	 * per run of the loop on the fast path, not once per iteration) */
	char *fs = id && l->kind != N_DO ? falsify_text(l->cond) : NULL;
	char *lab = !id  ? xstrdup("")
	            : fs ? xasprintf("if (0) { __mpp_l%d:; %s} ", id, fs)
	                 : xasprintf("__mpp_l%d:; ", id);
	if (k) {
		char *e = loop_poll_text(rw, k, 1);
		char *t = xasprintf("%s%s", lab, e);
		free(lab);
		free(e);
		lab = t;
	}
	if (fs) {
		char *d = dispatch_text(id);
		char *t = xasprintf(") || __extension__({ %s0; })", d);
		edit_insert(rw->ed, l->cond->so, EDIT_RIGHT, "(");
		edit_insert(rw->ed, l->cond->eo, EDIT_LEFT, t);
		free(t);
		free(d);
	} else if (id && l->body) {
		char *d = dispatch_text(id);
		body_prefix(rw, l->body, d);
		free(d);
	}
	if (id && !fs && l->cond && l->kind != N_DO) {
		if (is_safe_cond(l->cond)) {
			/* the flag is read only when the condition fails: free on the
			 * fast path; while restoring, the condition's value is moot */
			edit_insert(rw->ed, l->cond->so, EDIT_RIGHT, "(");
			edit_insert(rw->ed, l->cond->eo, EDIT_LEFT, ") || __MPP_UNLIKELY(__mpp_site)");
		} else {
			edit_insert(rw->ed, l->cond->so, EDIT_RIGHT, "__MPP_UNLIKELY(__mpp_site) || (");
			edit_insert(rw->ed, l->cond->eo, EDIT_LEFT, ")");
		}
	}
	if (l->kind == N_FOR && l->init) {
		/* for (init; c; i) -> { init; label: for (; c; i) }: the label must
		 * come after init, which is not run again */
		unsigned lp = l->so;
		while (lp < l->eo && rw->u->src[lp] != '(')
			lp++;
		unsigned s1 = l->init->kind == N_DECLSTMT ? l->init->eo : l->init->eo;
		while (s1 < l->eo && rw->u->src[s1 - 1] != ';')
			s1++;
		char *init = render(rw, l->init->so, l->init->eo);
		int needs_semi = l->init->kind != N_DECLSTMT || init[0] == 0 || init[strlen(init) - 1] != ';';
		char *t = xasprintf("{ %s%s %sfor (;", init, needs_semi ? ";" : "", lab);
		edit_replace(rw->ed, l->so, s1, t);
		edit_insert(rw->ed, stmt_end(rw, l), EDIT_LEFT, " }");
		free(t);
		free(init);
	} else {
		/* braced: the loop may be the only statement of an if or a loop */
		char *t = xasprintf("{ %s", lab);
		edit_insert(rw->ed, l->so, EDIT_RIGHT, t);
		edit_insert(rw->ed, stmt_end(rw, l), EDIT_LEFT, " }");
		free(t);
	}
	free(lab);
	free(fs);
}

/* Is the file-scope variable that c refers to saved with the state? */
static int saved_global(struct rw *rw, CXCursor c)
{
	CXCursor d = clang_getCanonicalCursor(c);
	for (int i = 0; i < rw->u->nglobals; i++)
		if (clang_equalCursors(clang_getCanonicalCursor(rw->u->globals[i].cur), d))
			return !rw->u->globals[i].nosave;
	return 0;
}

/* Can the condition be evaluated again on a rebuilt frame and give what
 * it gave before: no side effects, and it reads only saved variables (and
 * memory through them, which the restore rebuilt), nothing volatile. */
static int reenter_cond(struct rw *rw, const struct node *n)
{
	if (!is_pure(n) || clang_isVolatileQualifiedType(clang_getCursorType(n->cur)))
		return 0;
	if (n->kind == N_DECLREF) {
		enum CXCursorKind k = clang_getCursorKind(clang_getCursorReferenced(n->cur));
		if (k == CXCursor_EnumConstantDecl)
			return 1;
		if (!n->var)
			return k == CXCursor_VarDecl && saved_global(rw, clang_getCursorReferenced(n->cur));
		if (n->var->is_static || n->var->is_extern || n->var->nosave)
			return 0;
	}
	for (int i = 0; i < n->nkids; i++)
		if (n->kids[i]->kind != N_SIZEOF && !reenter_cond(rw, n->kids[i]))
			return 0;
	return 1;
}

/* A loop's poll (first in the body, every iteration) is restored before
 * the loop, not at the poll, when entering the loop again from the top
 * reaches the poll with the same state: a do loop and a for (;;) start
 * with their body; a while loop with its condition, which must give again
 * what it gave just before the poll (reenter_cond; nothing ran in between). Then
 * no restore path enters the loop's body for this poll and the body tests
 * nothing per iteration for restoring. Strip-mined loops, for loops with a
 * condition and loops whose control calls something that polls are left
 * as they are. */
static int loop_entry(struct rw *rw, struct node *l)
{
	struct point *pt = loop_point(rw, l);
	struct sm m;
	if (!pt || pt->every != 1 || !l->body || loop_needs_rewrite(l) || sm_check(rw, l, &m))
		return 0;
	/* not a counted for loop: the restored counter would flow into the
	 * loop's header, where gcc then loses the counter's range (spectral:
	 * `(i + j) * (i + j + 1) / 2` gets a sign fix in the inner loop) */
	if (l->kind == N_FOR && l->cond)
		return 0;
	return l->kind == N_DO || !l->cond || reenter_cond(rw, l->cond);
}

static void loop_range(struct rw *rw, const struct loopent *e, unsigned *so, unsigned *eo)
{
	if (e->chunk) {
		*so = e->n->body->so;
		*eo = stmt_end(rw, e->n->body);
	} else {
		*so = e->n->so;
		*eo = stmt_end(rw, e->n);
	}
}

/* Does loop entry a enclose loop entry b (a chunk loop sits inside its own
 * source loop, and around loops that start and end with the body)? */
static int encloses(struct rw *rw, int a, int b)
{
	unsigned as, ae, bs, be;
	loop_range(rw, &rw->loops[a - 1], &as, &ae);
	loop_range(rw, &rw->loops[b - 1], &bs, &be);
	if (as != bs || ae != be)
		return as <= bs && be <= ae;
	if (rw->loops[a - 1].n == rw->loops[b - 1].n)
		return !rw->loops[a - 1].chunk;
	return rw->loops[a - 1].chunk; /* a body that is a single loop */
}

/* The loops (with sites) around site k, outermost first. */
static int site_chain(struct rw *rw, int k, int *chain)
{
	struct site *st = &rw->sites[k - 1];
	int n = 0;
	for (int i = 0; i < rw->nloops; i++) {
		unsigned so, eo;
		loop_range(rw, &rw->loops[i], &so, &eo);
		if (i + 1 == st->excl || st->P < so || st->P >= eo)
			continue;
		chain[n++] = i + 1;
	}
	for (int a = 0; a < n; a++)
		for (int b = a + 1; b < n; b++)
			if (encloses(rw, chain[b], chain[a])) {
				int t = chain[a];
				chain[a] = chain[b];
				chain[b] = t;
			}
	return n;
}

static char *dispatch_cases(struct rw *rw, int id)
{
	struct sbuf b = {0};
	int *chain = xcalloc((size_t)rw->nloops + 1, sizeof(int));
	for (int k = 1; k <= rw->nsites; k++) {
		int n = site_chain(rw, k, chain);
		int pos = -1; /* where loop `id` is in the chain (-1: function entry) */
		if (id) {
			for (int i = 0; i < n; i++)
				if (chain[i] == id)
					pos = i;
			if (pos < 0)
				continue;
		}
		if (pos + 1 < n)
			sb_printf(&b, "case %d: goto __mpp_l%d; ", k, chain[pos + 1]);
		else
			sb_printf(&b, "case %d: goto __mpp_r%d; ", k, k);
	}
	free(chain);
	return sb_take(&b);
}

/* ---- strip-mining -----------------------------------------------------
 * An innermost counted loop `for (init; i < B; i += s) body` whose body
 * calls nothing that can reach a point polls once per chunk of iterations
 * instead of once per iteration: the inner loop stays as tight as the
 * original (the compiler can still vectorise it) and the work between two
 * polls stays bounded. */
#define MPP_CHUNK "4096"

static int refs_only_invariants(struct rw *rw, struct node *e, struct node *loop);

static int assigns_var(const struct node *n, const struct var *v)
{
	if ((n->kind == N_BINOP || n->kind == N_UNOP) && is_assign_op(n->op) && n->nkids) {
		struct node *t = strip(n->kids[0]);
		if (t && t->kind == N_DECLREF && t->var == v)
			return 1;
	}
	for (int i = 0; i < n->nkids; i++)
		if (assigns_var(n->kids[i], v))
			return 1;
	return 0;
}

/* A body strip-mining can wrap: no break of its own (it would leave only
 * the inner loop), no labels (nothing may jump in), and no call that runs
 * for an unknown time without polling (only library calls and calls that
 * reach a point themselves). */
static int body_ok(struct rw *rw, const struct node *n, int depth)
{
	switch (n->kind) {
	case N_BREAK:
		if (depth == 0)
			return 0;
		break;
	case N_LABEL:
	case N_INDGOTO:
	case N_ASM:
	case N_STMTEXPR: return 0;
	case N_CALL: {
		/* a function of this file with no recursion and no loop but
		 * short ones (analyze.c) does bounded work */
		struct func *g = n->callee_name ? front_func_by_name(rw->u, n->callee_name) : NULL;
		if (!n->reach && !n->callee_system && !(g && g->bounded))
			return 0;
		break;
	}
	default: break;
	}
	int d = depth + (n->kind == N_FOR || n->kind == N_WHILE || n->kind == N_DO || n->kind == N_SWITCH);
	for (int i = 0; i < n->nkids; i++)
		if (!body_ok(rw, n->kids[i], d))
			return 0;
	return 1;
}

/* e reads only constants and locals that nothing in the loop changes. */
static int refs_only_invariants(struct rw *rw, struct node *e, struct node *loop)
{
	if (!is_pure(e))
		return 0;
	if (e->kind == N_DECLREF) {
		enum CXCursorKind k = clang_getCursorKind(clang_getCursorReferenced(e->cur));
		if (k == CXCursor_EnumConstantDecl)
			return 1;
		if (!e->var || e->var->addr_taken || e->var->is_static)
			return 0;
		return !assigns_var(loop, e->var);
	}
	for (int i = 0; i < e->nkids; i++)
		if (!refs_only_invariants(rw, e->kids[i], loop))
			return 0;
	return 1;
}

static int is_int_type(CXType t)
{
	t = clang_getCanonicalType(t);
	return t.kind >= CXType_Char_U && t.kind <= CXType_LongLong && t.kind != CXType_Char16 &&
	       t.kind != CXType_Char32 && t.kind != CXType_WChar;
}

/* Every loop inside n has its own poll: then chunks of iterations are
 * bounded work even when iterations are heavy. */
static int inner_loops_poll(struct rw *rw, struct node *n)
{
	for (int i = 0; i < n->nkids; i++) {
		struct node *k = n->kids[i];
		if (is_loop_node(k) && !loop_point(rw, k))
			return 0;
		if (!inner_loops_poll(rw, k))
			return 0;
	}
	return 1;
}

static int sm_check(struct rw *rw, struct node *l, struct sm *m)
{
	struct point *pt = loop_point(rw, l);
	if (!pt || pt->every != 1 || l->kind != N_FOR || !l->cond || !l->inc || !l->body || !l->exact)
		return 0;
	if (l->cond->has_reach || l->inc->has_reach || (l->init && l->init->has_reach))
		return 0;
	struct node *c = strip(l->cond);
	if (!c || c->kind != N_BINOP || c->nkids != 2)
		return 0;
	if (!strcmp(c->op, "<") || !strcmp(c->op, "<="))
		m->up = 1;
	else if (!strcmp(c->op, ">") || !strcmp(c->op, ">="))
		m->up = 0;
	else
		return 0;
	struct node *iv = strip(c->kids[0]);
	m->cmp = c;
	m->bound = c->kids[1];
	if (!iv || iv->kind != N_DECLREF || !iv->var || iv->var->addr_taken || iv->var->is_static ||
	    !is_int_type(iv->var->type) || !m->bound->exact)
		return 0;
	m->iv = iv->var;
	if (!refs_only_invariants(rw, m->bound, l) || !body_ok(rw, l->body, 0) || assigns_var(l->body, m->iv) ||
	    !inner_loops_poll(rw, l->body))
		return 0;
	struct node *inc = strip(l->inc);
	m->step = NULL;
	if (inc->kind == N_UNOP && inc->nkids == 1 && strip(inc->kids[0])->kind == N_DECLREF &&
	    strip(inc->kids[0])->var == m->iv)
		return !strcmp(inc->op, m->up ? "++" : "--");
	if (inc->kind == N_BINOP && inc->nkids == 2 && !strcmp(inc->op, m->up ? "+=" : "-=") &&
	    strip(inc->kids[0])->kind == N_DECLREF && strip(inc->kids[0])->var == m->iv &&
	    refs_only_invariants(rw, inc->kids[1], l) && inc->kids[1]->exact &&
	    is_int_type(clang_getCursorType(inc->kids[1]->cur))) {
		m->step = inc->kids[1];
		return 1;
	}
	return 0;
}

/* ---- short inner loops ---------------------------------------------------
 * --mpp-auto polls every loop that is not short by its constants. A counted
 * loop of a few iterations inside another counted loop (bit_reverse's bits
 * of each index, fft's butterflies of an early stage) then paid a chunk set
 * up and a poll on every entry, which can outweigh its work. When mppcc
 * chose both polls, and the inner loop's bounds are known before the outer
 * loop, the inner loop runs as the source wrote it whenever it is no longer
 * than a chunk (it polls in chunks as before when it is longer), and the
 * outer loop's chunk shrinks to about a chunk of inner iterations. */

static int is_int_literal(struct node *n);
static int has_case_label(const struct node *n);

static int declares_static(const struct node *n)
{
	if (n->kind == N_VARDECL && n->var && n->var->is_static)
		return 1;
	for (int i = 0; i < n->nkids; i++)
		if (declares_static(n->kids[i]))
			return 1;
	return 0;
}

/* A bound of a nest's inner loop: an integer literal, or an integer local
 * declared before the outer loop l that nothing in l assigns. */
static int nest_bound(struct node *e, struct node *l)
{
	e = strip(e);
	if (!e)
		return 0;
	if (is_int_literal(e))
		return 1;
	struct var *v = e->kind == N_DECLREF ? e->var : NULL;
	return v && !v->addr_taken && !v->is_static && !v->is_extern && !v->synthetic && is_int_type(v->type) &&
	       v->so < l->so && !assigns_var(l, v);
}

/* The only loop in statement n, or n itself, when that loop holds no loop;
 * NULL otherwise. */
static struct node *only_loop(struct node *n)
{
	if (is_loop_node(n))
		return holds_loop(n) ? NULL : n;
	struct node *found = NULL;
	for (int i = 0; i < n->nkids; i++) {
		struct node *k = n->kids[i];
		if (!is_loop_node(k) && !holds_loop(k))
			continue;
		struct node *in = only_loop(k);
		if (!in || found)
			return NULL;
		found = in;
	}
	return found;
}

/* How many iterations inner loop m runs, as text of an unsigned long long
 * expression that can be evaluated before outer loop l; NULL when it is no
 * `for (i = S; i < B; i++)` (or <=) with S and B nest_bounds. */
static char *nest_trips(struct rw *rw, struct node *m, struct node *l)
{
	if (m->kind != N_FOR || !m->init || !m->cond || !m->inc || !m->body || m->has_reach)
		return NULL;
	struct node *start;
	struct var *v = for_init(m, &start);
	if (!v || !start || v->addr_taken || v->is_static || !is_int_type(v->type))
		return NULL;
	struct node *c = strip(m->cond), *inc = strip(m->inc);
	if (!c || c->kind != N_BINOP || c->nkids != 2 || (strcmp(c->op, "<") && strcmp(c->op, "<=")) ||
	    strip(c->kids[0])->kind != N_DECLREF || strip(c->kids[0])->var != v)
		return NULL;
	if (!inc || inc->kind != N_UNOP || strcmp(inc->op, "++") || inc->nkids != 1 ||
	    strip(inc->kids[0])->kind != N_DECLREF || strip(inc->kids[0])->var != v)
		return NULL;
	/* the loop is written twice (stripmine): no case label into it, no
	 * static that would become two */
	if (assigns_var(m->body, v) || !nest_bound(start, l) || !nest_bound(c->kids[1], l) ||
	    !body_ok(rw, m->body, 0) || has_case_label(m->body) || declares_static(m->body))
		return NULL;
	char *S = render(rw, start->so, start->eo), *B = render(rw, c->kids[1]->so, c->kids[1]->eo);
	char *t = xasprintf("((%s) %s (%s) ? (unsigned long long)(%s) - (unsigned long long)(%s)%s : 0ULL)", B,
	                    strcmp(c->op, "<") ? ">=" : ">", S, B, S, strcmp(c->op, "<") ? " + 1ULL" : "");
	free(S);
	free(B);
	return t;
}

/* Pairs an outer loop polled by --mpp-auto with the one short inner loop
 * it holds (see above); runs before the loops are collected. */
static void plan_nests(struct rw *rw)
{
	struct func *f = rw->f;
	for (int i = 0; i < f->npoints; i++) {
		struct point *po = &f->points[i];
		struct node *l = po->loop;
		if (!l || !po->automatic || po->every != 1 || l->kind != N_FOR || !l->body || rw->any_goto)
			continue;
		struct node *m = only_loop(l->body);
		struct point *pm = m ? loop_point(rw, m) : NULL;
		if (!pm || !pm->automatic || pm->every != 1)
			continue;
		char *t = nest_trips(rw, m, l);
		struct sm sm;
		if (t && sm_check(rw, l, &sm) && sm_check(rw, m, &sm)) {
			po->nest = m;
			pm->outer = l;
		}
		free(t);
	}
}

static int stripmine(struct rw *rw, struct node *l, struct point *pt)
{
	struct sm m;
	if (!sm_check(rw, l, &m))
		return 0;
	int id = loop_id(rw, l);
	int cid = loop_id_of(rw, l, 1);
	rw->excl = cid; /* the poll after the inner loop is not inside it, nor
	                 * in the scope of what the body declares */
	int k = new_site(rw, l->body->so - 1);
	rw->excl = 0;
	pt->site = k;
	const char *iname = var_cname(m.iv);
	char *B = render(rw, m.bound->so, m.bound->eo);
	char *step = m.step ? render(rw, m.step->so, m.step->eo) : xstrdup("1");
	char *cond = render(rw, l->cond->so, l->cond->eo);
	char *incs = render(rw, l->inc->so, l->inc->eo);
	char *body = synced_body(rw, l, render(rw, l->body->so, stmt_end(rw, l->body)));
	char *init = l->init ? render(rw, l->init->so, l->init->eo) : xstrdup("");
	int init_semi = !l->init || l->init->kind != N_DECLSTMT || init[0] == 0 || init[strlen(init) - 1] != ';';
	char *ptxt = point_text(rw, k);
	char *disp = dispatch_text(id);
	/* a chunk loop without sites is never entered while restoring (the
	 * dispatch above it jumps past it, to the poll): its condition stays
	 * the source's, and so does what the compiler knows of the counter */
	struct var *e = new_temp(rw, "e", NULL, m.iv->type, NULL, NULL, l->body->so, stmt_end(rw, l));
	/* A chunk loop with sites is entered while restoring with a counter
	 * and a bound that fail its condition, and dispatches where the
	 * condition fails: the test of __mpp_site is then paid once per
	 * chunk, not once per iteration, and the loop keeps one entry. */
	char *cdisp = cid ? dispatch_text(cid) : xstrdup("");
	char *clab = cid ? xasprintf("if (0) { __mpp_l%d:; %s = %d; %s = %d; } ", cid, iname, m.up, e->name, !m.up)
	                 : xstrdup("");
	char *cexit = cid ? xasprintf(" || __extension__({ %s0; })", cdisp) : xstrdup("");
	/* distance to the bound, without signed overflow: the outer condition
	 * has just held, so i is on the near side of B */
	char *dist = m.up ? xasprintf("((unsigned long long)(%s) - (unsigned long long)%s)", B, iname)
	                  : xasprintf("((unsigned long long)%s - (unsigned long long)(%s))", iname, B);
	/* the chunk loop too dispatches where its condition fails, when locals
	 * can make it fail (loop_entry_edits) */
	char *ofs = falsify_text(l->cond);
	char *olab = ofs ? xasprintf("if (0) { __mpp_l%d:; %s} ", id, ofs) : xasprintf("__mpp_l%d:; ", id);
	char *ocond = ofs                     ? xasprintf("(%s) || __extension__({ %s0; })", cond, disp)
	              : is_safe_cond(l->cond) ? xasprintf("(%s) || __MPP_UNLIKELY(__mpp_site)", cond)
	                                      : xasprintf("__MPP_UNLIKELY(__mpp_site) || (%s)", cond);
	/* chunk: iterations between two polls; an outer loop of a nest runs
	 * about MPP_CHUNK iterations of its inner loop per chunk */
	char *trips = pt->nest ? nest_trips(rw, pt->nest, l) : NULL;
	char *chunk = trips ? xasprintf("(" MPP_CHUNK "ULL / ((%s) < " MPP_CHUNK "ULL ? (%s) + 1ULL : " MPP_CHUNK
	                                "ULL + 1ULL) + 1ULL)",
	                                trips, trips)
	                    : xstrdup(MPP_CHUNK "ULL");
	char *text = xasprintf(
	    "{ %s%s %sfor (; %s;) { %s"
	    "__typeof__(((void)0, %s)) %s = ((%s) > 0 && %s > %s * (unsigned long long)(%s)) ? %s %s %s * (%s) "
	    ": (%s); "
	    "%sfor (; (%s %s %s)%s; %s) { %s } "
	    "%s } }",
	    init, init_semi ? ";" : "", olab, ocond, ofs ? "" : disp, iname, e->name, step, dist, chunk, step, iname,
	    m.up ? "+" : "-", chunk, step, B, clab, iname, m.cmp->op, e->name, cexit, incs, body, ptxt);
	char *own = pt->outer ? nest_trips(rw, l, pt->outer) : NULL;
	if (own) {
		/* the source's loop when it is short: its own trip count is known
		 * (nest_trips) before it starts */
		char *orig = render(rw, l->so, stmt_end(rw, l));
		char *again = newlines(orig, (size_t)-1) ? line_sync(rw, l->so) : xstrdup("");
		char *v = xasprintf("{ if (__builtin_expect(%s <= " MPP_CHUNK "ULL, 1)) { %s } else %s%s }", own, orig,
		                    again, text);
		free(again);
		free(text);
		free(orig);
		free(own);
		text = v;
	}
	stmt_replace(rw, l->so, stmt_end(rw, l), text);
	free(text);
	free(chunk);
	free(trips);
	free(cexit);
	free(ocond);
	free(olab);
	free(ofs);
	free(dist);
	free(clab);
	free(cdisp);
	free(disp);
	free(ptxt);
	free(init);
	free(body);
	free(incs);
	free(cond);
	free(step);
	free(B);
	return 1;
}

static struct point *loop_point(struct rw *rw, struct node *n)
{
	for (int i = 0; i < rw->f->npoints; i++)
		if (rw->f->points[i].loop == n)
			return &rw->f->points[i];
	return NULL;
}

static void insert_loop_poll(struct rw *rw, struct node *s, struct point *pt, struct var **counter)
{
	struct node *body = s->body;
	if (!body)
		return;
	/* inside a block body, the point sees what is declared at its start;
	 * before a single-statement body, it must not see the temporaries
	 * that statement's own rewriting declares (they start at body->so) */
	unsigned P = body->kind == N_COMPOUND ? body->so + 1 : body->so - 1;
	int entry = loop_entry(rw, s);
	int excl = rw->excl;
	if (entry)
		rw->excl = loop_id(rw, s); /* restored before the loop */
	int k = new_site(rw, P);
	rw->excl = excl;
	if (entry)
		rw->sites[k - 1].entry = s;
	pt->site = k;
	char *ptxt = entry ? loop_poll_text(rw, k, 0) : point_text(rw, k);
	char *text;
	if (pt->every > 1) {
		*counter =
		    new_temp(rw, "n", NULL, clang_getCursorType(s->cur), "&mpp_t_ulong", NULL, s->so, stmt_end(rw, s));
		text = xasprintf("if (__MPP_UNLIKELY(++%s >= %ldUL)) { %s = 0; %s } ", (*counter)->name, pt->every,
		                 (*counter)->name, ptxt);
	} else {
		text = xasprintf("%s ", ptxt);
	}
	body_prefix(rw, body, text);
	free(text);
	free(ptxt);
}

/* ---- unrolled while loops -------------------------------------------------
 * A while loop that cannot be strip-mined polls on every iteration; when
 * its body is a few operations (a scan, `while (a[i] < pivot) i++;`) the
 * poll costs as much as the work. A small body that calls nothing and holds
 * no loop, label, case or static is written MPP_UNROLL times, its condition tested
 * between the copies: the condition and the body run in the same order as
 * before, `break` and `continue` mean what they meant, and the poll at the
 * top runs once per MPP_UNROLL iterations, so the work between two polls
 * stays bounded. */
#define MPP_UNROLL 4
#define MPP_UNROLL_MAX_BODY 400 /* bytes of source */

static int unroll_body_ok(const struct node *n)
{
	switch (n->kind) {
	case N_CALL:
	case N_LABEL:
	case N_CASE:
	case N_DEFAULT:
	case N_GOTO:
	case N_INDGOTO:
	case N_ASM:
	case N_STMTEXPR:
	case N_FOR:
	case N_WHILE:
	case N_DO: return 0;
	default: break;
	}
	for (int i = 0; i < n->nkids; i++)
		if (!unroll_body_ok(n->kids[i]))
			return 0;
	return 1;
}

/* Before the poll goes in: the copies after the body. */
static void unroll_while(struct rw *rw, struct node *l, struct point *pt)
{
	if (l->kind != N_WHILE || !l->cond || !l->body || pt->every != 1 || l->has_reach || rw->any_goto ||
	    stmt_end(rw, l->body) - l->body->so > MPP_UNROLL_MAX_BODY || !unroll_body_ok(l->body) ||
	    !unroll_body_ok(l->cond) || declares_static(l->body))
		return;
	int compound = l->body->kind == N_COMPOUND;
	unsigned end = stmt_end(rw, l->body);
	char *B = render(rw, l->body->so, end);
	char *C = render(rw, l->cond->so, l->cond->eo);
	struct sbuf b = {0};
	unsigned at = compound ? end - 1 : end;
	char *from = newlines(B, (size_t)-1) ? line_sync(rw, l->body->so) : xstrdup("");
	for (int i = 1; i < MPP_UNROLL; i++)
		sb_printf(&b, " if (!(%s)) break; %s%s%s%s", C, from, compound ? "" : "{ ", B, compound ? "" : " }");
	if (newlines(b.s, (size_t)-1)) {
		char *sync = line_sync(rw, at);
		sb_add(&b, sync);
		free(sync);
	}
	free(from);
	edit_insert(rw->ed, at, EDIT_LEFT, b.s);
	free(b.s);
	free(B);
	free(C);
}

static int loop_needs_rewrite(const struct node *n)
{
	return (n->kind == N_WHILE || n->kind == N_DO || n->kind == N_FOR) &&
	       ((n->cond && n->cond->has_reach) || (n->init && n->init->has_reach) || (n->inc && n->inc->has_reach));
}

static char *counter_hints(struct rw *rw, struct node *l);

static void process(struct rw *rw, struct node *n)
{
	/* a rewritten do or for loop runs its condition or increment after a
	 * label that `continue` must now jump to: change the continues before
	 * the statements around them are rewritten (and their text taken) */
	if (loop_needs_rewrite(n) && (n->kind == N_DO || (n->kind == N_FOR && n->inc)) && n->body) {
		n->cont_label = ++rw->ntmp;
		n->ncont = rewrite_continues(rw, n, n->body, n->cont_label);
	}
	for (int i = 0; i < n->nkids; i++)
		process(rw, n->kids[i]);
	struct var *counter = NULL;
	if (is_loop_node(n) && n->body && !holds_loop(n->body)) {
		char *h = counter_hints(rw, n);
		if (h)
			body_prefix(rw, n->body, h);
		free(h);
	}
	struct point *pt = loop_point(rw, n);
	if (pt && stripmine(rw, n, pt))
		return;
	if (pt) {
		unroll_while(rw, n, pt);
		insert_loop_poll(rw, n, pt, &counter);
	}
	int entry_site = pt && pt->site > 0 && rw->sites[pt->site - 1].entry == n ? pt->site : 0;

	if (is_expr_kind(n->kind)) {
		if (in_stmt_position(n) && n->has_reach) {
			if (canonical_call(n))
				wrap_call(rw, n, !parent_is_block(n));
			else
				stmt_generic(rw, n, n, 1);
		}
	} else {
		switch (n->kind) {
		case N_DECLSTMT:
			if (n->has_reach) {
				struct node *init = n->nkids == 1 ? var_init(n->kids[0]) : NULL;
				if (init && canonical_call(init) && !(n->parent && n->parent->kind == N_FOR)) {
					wrap_call(rw, n, 0);
				} else if (!(n->parent && n->parent->kind == N_FOR)) {
					unsigned end = stmt_end(rw, n);
					struct sbuf pre = {0}, decls = {0};
					struct norm_ctx nc = {&pre, &decls, n->so, end};
					rw->P = n->so;
					char *t = decl_text(rw, n, &nc);
					char *text = xasprintf("%s%s%s", decls.s ? decls.s : "", pre.s ? pre.s : "", t);
					stmt_replace(rw, n->so, end, text);
					free(text);
					free(t);
					free(pre.s);
					free(decls.s);
				}
			}
			break;
		case N_RETURN:
		case N_IF:
		case N_SWITCH:
			if (n->cond && n->cond->has_reach)
				stmt_generic(rw, n, n->cond, 1);
			break;
		case N_WHILE:
		case N_DO:
		case N_FOR:
			if (loop_needs_rewrite(n))
				loop_rewrite(rw, n);
			else if (loop_id(rw, n) || entry_site)
				loop_entry_edits(rw, n, loop_id(rw, n), entry_site);
			break;
		default: break;
		}
	}
	if (counter) {
		char *t = xasprintf("{ unsigned long %s = 0; ", counter->name);
		edit_insert(rw->ed, n->so, EDIT_RIGHT, t);
		edit_insert(rw->ed, stmt_end(rw, n), EDIT_LEFT, " }");
		free(t);
	}
}

/* ---- variables at a site ---------------------------------------------- */

static int in_scope(const struct var *v, unsigned P)
{
	if (v->is_static || v->is_extern || v->nosave || !v->name[0])
		return 0;
	if (v->is_param)
		return 1;
	return v->eo <= P && P < v->scope_eo && v->scope_so <= P;
}

/* Start of the outermost loop around P (P itself when there is none). */
static unsigned outer_loop_start(struct rw *rw, struct node *n, unsigned P, unsigned best)
{
	for (int i = 0; i < n->nkids; i++) {
		struct node *k = n->kids[i];
		if (k->so > P || front_stmt_end(rw->u, k) <= P)
			continue;
		if ((k->kind == N_FOR || k->kind == N_WHILE || k->kind == N_DO) && k->so < best)
			best = k->so;
		best = outer_loop_start(rw, k, P, best);
	}
	return best;
}

static int has_goto(const struct node *n)
{
	if (n->kind == N_GOTO)
		return 1;
	for (int i = 0; i < n->nkids; i++)
		if (has_goto(n->kids[i]))
			return 1;
	return 0;
}

/* Live-variable test at P. Without backward jumps, code reachable from P is
 * either after P in the text or inside a loop around P, so a variable none
 * of whose references lies there is dead at P. A goto makes the whole
 * function count as one loop. Variables whose address is taken and the
 * rewriter's temporaries are always kept (a superset is correct). */
static int live(struct rw *rw, const struct var *v, unsigned P)
{
	if (!in_scope(v, P))
		return 0;
	if (v->synthetic || v->addr_taken)
		return 1;
	unsigned from = rw->any_goto ? rw->f->body->so : outer_loop_start(rw, rw->f->body, P, P);
	for (int i = 0; i < v->nuses; i++)
		if (v->uses[i] >= from)
			return 1;
	return 0;
}

static enum CXChildVisitResult has_const_field(CXCursor c, CXCursor parent, CXClientData data);

static int has_const(CXType t)
{
	t = clang_getCanonicalType(t);
	if (clang_isConstQualifiedType(t))
		return 1;
	if (t.kind == CXType_ConstantArray)
		return has_const(clang_getArrayElementType(t));
	if (t.kind == CXType_Record) {
		CXCursor d = clang_getTypeDeclaration(t);
		int found = 0;
		clang_visitChildren(d, has_const_field, &found);
		return found;
	}
	return 0;
}

static enum CXChildVisitResult has_const_field(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	if (clang_getCursorKind(c) == CXCursor_FieldDecl && has_const(clang_getCursorType(c))) {
		*(int *)data = 1;
		return CXChildVisit_Break;
	}
	return CXChildVisit_Continue;
}

/* Saved in place when something may point to it or it cannot be assigned;
 * otherwise through a copy, so it can live in a register. */
static int by_address(const struct var *v)
{
	if (v->addr_taken)
		return 1;
	if (v->synthetic)
		return 0;
	return has_const(v->type) || clang_isVolatileQualifiedType(v->type);
}

static const char *var_cname(const struct var *v)
{
	return v->hoisted ? v->hoisted : v->name;
}

/* Replaces each "<open>N<close>" in *text by table[N] (dflt when N is
 * outside lo..hi). */
static void fill(char **text, char open, char close, char **table, int lo, int hi, const char *dflt)
{
	char *s = *text;
	if (!strchr(s, open))
		return;
	struct sbuf b = {0};
	for (char *p = s; *p;) {
		if (*p == open) {
			int k = atoi(p + 1);
			sb_add(&b, k >= lo && k <= hi ? table[k] : dflt);
			char *end = strchr(p, close);
			p = end ? end + 1 : p + strlen(p);
		} else {
			char *q = strchr(p, open);
			size_t l = q ? (size_t)(q - p) : strlen(p);
			sb_addn(&b, p, l);
			p += l;
		}
	}
	free(s);
	*text = sb_take(&b);
}

/* ---- value ranges on the restore path ----------------------------------
 * A restore gives every saved variable a value the compiler knows nothing
 * about, and that value flows into the loops around the site: the range a
 * counted loop gives its counter (`for (int i = 0; i < n; i++)`: i >= 0)
 * is lost on the fast path too, and with it code that depends on it (i / 2
 * without a sign fix, 32-bit indexes widened once). The restored value was
 * saved at the same site, where that range held, so the restore path states
 * it again. Only for a signed counter started at an integer literal and
 * changed by nothing but `++` or `+= literal`, in a function without goto
 * and a loop no case label jumps into. */

static int is_int_literal(struct node *n)
{
	n = strip(n);
	return n && n->kind == N_EXPR && clang_getCursorKind(n->cur) == CXCursor_IntegerLiteral && n->exact;
}

static int has_case_label(const struct node *n)
{
	if (n->kind == N_CASE || n->kind == N_DEFAULT)
		return 1;
	if (n->kind == N_SWITCH)
		return 0;
	for (int i = 0; i < n->nkids; i++)
		if (has_case_label(n->kids[i]))
			return 1;
	return 0;
}

/* The literal a counted loop starts v at, when v never goes below it. */
static struct node *counter_floor(struct rw *rw, struct node *l, const struct var *v)
{
	if (l->kind != N_FOR || !l->init || !l->inc || !l->body || v->synthetic || v->is_extern || v->addr_taken ||
	    v->is_static)
		return NULL;
	/* int and wider only: `short i; i++` past SHRT_MAX is no undefined
	 * behaviour but a conversion, and may well make i negative */
	enum CXTypeKind tk = clang_getCanonicalType(v->type).kind;
	if (tk != CXType_Int && tk != CXType_Long && tk != CXType_LongLong)
		return NULL;
	struct node *lit;
	if (for_init(l, &lit) != v || !lit || !is_int_literal(lit))
		return NULL;
	struct node *inc = strip(l->inc);
	struct node *t = inc->nkids ? strip(inc->kids[0]) : NULL;
	if (!t || t->kind != N_DECLREF || t->var != v)
		return NULL;
	/* up by one or a literal; or (from a start >= 0) times or shifted left
	 * by a literal >= 1, as fft's `len <<= 1` */
	int grows = inc->kind == N_BINOP && inc->nkids == 2 && is_int_literal(inc->kids[1]) &&
	            (!strcmp(inc->op, "*=") || !strcmp(inc->op, "<<=")) && front_const_value(inc->kids[1]) >= 1 &&
	            front_const_value(lit) >= 0;
	if (!(inc->kind == N_UNOP && !strcmp(inc->op, "++")) &&
	    !(inc->kind == N_BINOP && !strcmp(inc->op, "+=") && inc->nkids == 2 && is_int_literal(inc->kids[1])) &&
	    !grows)
		return NULL;
	if (assigns_var(l->body, v) || (l->cond && assigns_var(l->cond, v)) || has_case_label(l->body))
		return NULL;
	(void)rw;
	return lit;
}

static int site_chain(struct rw *rw, int k, int *chain);

/* "if (v < C) __builtin_unreachable(); " for site k, or NULL. */
static char *restored_range(struct rw *rw, int k, const struct var *v)
{
	if (rw->any_goto)
		return NULL;
	int *chain = xcalloc((size_t)rw->nloops + 2, sizeof(int));
	int n = site_chain(rw, k, chain);
	struct node *entry = rw->sites[k - 1].entry;
	char *res = NULL;
	for (int i = 0; i < n + (entry != NULL) && !res; i++) {
		/* the loop whose entry restores site k is not in its chain */
		struct loopent *e = i < n ? &rw->loops[chain[i] - 1] : &(struct loopent){entry, 0};
		if (e->chunk || e->n->kind != N_FOR || !e->n->init || rw->sites[k - 1].P < e->n->init->eo)
			continue;
		struct node *lit = counter_floor(rw, e->n, v);
		if (lit) {
			char *c = render(rw, lit->so, lit->eo);
			res = xasprintf("if (%s < %s) __builtin_unreachable(); ", var_cname(v), c);
			free(c);
		}
	}
	free(chain);
	return res;
}

/* The counter of loop l and the literal it starts at, when the range
 * holds in l's body (counter_floor). */
static struct var *floor_counter(struct rw *rw, struct node *l, struct node **lit)
{
	struct var *v = for_init(l, lit);
	*lit = v ? counter_floor(rw, l, v) : NULL;
	return *lit ? v : NULL;
}

/* Is v the variable its name means at offset P (no other variable of
 * that name is visible there)? */
static int visible_as_itself(struct rw *rw, const struct var *v, unsigned P)
{
	for (int i = 0; i < rw->f->nvars; i++) {
		const struct var *w = rw->f->vars[i];
		if (w != v && !strcmp(w->name, v->name) && w->scope_so <= P && P < w->scope_eo)
			return 0;
	}
	return 1;
}

/* The restore paths give the counters of the loops around a site more
 * definitions, and gcc then no longer knows the ranges their loops give
 * them (restored_range states them on the restore path, which is not
 * enough inside further loops: spectral's `(i + j) / 2` took a sign fix
 * again). The body of an innermost loop states them once more, for every
 * counted loop it is in; the statement costs nothing. Text, or NULL. */
static char *counter_hints(struct rw *rw, struct node *l)
{
	if (rw->any_goto || !l->body)
		return NULL;
	struct sbuf b = {0};
	for (struct node *c = NULL, *p = l; p && p != rw->f->body; c = p, p = p->parent) {
		struct node *lit;
		if (c && p->body != c) /* only the loops whose bodies l is in */
			continue;
		struct var *v = floor_counter(rw, p, &lit);
		if (!v || !visible_as_itself(rw, v, l->body->so))
			continue;
		char *floor = render(rw, lit->so, lit->eo);
		sb_printf(&b, "%s%s < %s", b.s ? " || " : "if (", var_cname(v), floor);
		free(floor);
	}
	if (!b.s)
		return NULL;
	sb_printf(&b, ") __builtin_unreachable(); ");
	return sb_take(&b);
}

/* Builds the variable list text of each site and the site tables. */
static void finish_sites(struct rw *rw, int first_edit)
{
	struct func *f = rw->f;
	char **lists = xcalloc((size_t)rw->nsites + 1, sizeof(*lists));
	struct sbuf *t = rw->tables;
	for (int k = 1; k <= rw->nsites; k++) {
		unsigned P = rw->sites[k - 1].P;
		struct sbuf list = {0}, names = {0}, types = {0}, copy = {0}, decl = {0}, back = {0};
		int n = 0;
		for (int i = 0; i < f->nvars; i++) {
			struct var *v = f->vars[i];
			if (!live(rw, v, P))
				continue;
			const char *ref = v->decl_text;
			char *why = NULL;
			if (!ref)
				ref = v->is_param ? types_ref_param(rw->tg, v->type, &why)
				                  : types_ref(rw->tg, v->type, NULL, &why);
			if (!ref && v->reported) {
				free(why);
				continue;
			}
			if (!ref) {
				v->reported = 1;
				unsigned line = front_line_of(rw->u, P, NULL);
				front_error(
				    rw->u, v->so,
				    "cannot save variable '%s' of '%s' at the migration point of line %u: %s (if it is "
				    "recomputed after a restore, exclude it with '#pragma mpp nosave(%s)')",
				    v->name, f->name, line, why ? why : "unsupported type", v->name);
				free(why);
				continue;
			}
			if (by_address(v)) {
				sb_printf(&list, "__mpp_q[%d] = (void *)&%s; ", n, var_cname(v));
			} else {
				sb_printf(&copy, "__typeof__(((void)0, %s)) __mpp_v%d = %s; ", var_cname(v), n,
				          var_cname(v));
				sb_printf(&decl, "__typeof__(((void)0, %s)) __mpp_v%d; ", var_cname(v), n);
				sb_printf(&list, "__mpp_q[%d] = (void *)&__mpp_v%d; ", n, n);
				sb_printf(&back, "%s = __mpp_v%d; ", var_cname(v), n);
				char *range = restored_range(rw, k, v);
				if (range)
					sb_add(&back, range);
				free(range);
			}
			sb_printf(&names, "%s\"%s\"", n ? ", " : "", v->name);
			sb_printf(&types, "%s%s", n ? ", " : "", ref);
			n++;
		}
		/* the frame is rebuilt once its site is reached: the loops'
		 * restore paths close behind it */
		/* the address array is filled by stores inside the cold block (a
		 * compound literal here gets set up on every call by gcc), made
		 * through a volatile-qualified pointer: otherwise gcc combines the
		 * stores into vector constants and hoists those out of the loops,
		 * into the function's entry, where every call builds them */
		lists[k] =
		    n ? xasprintf("%svoid *__mpp_p[%d]; void *volatile *__mpp_q = __mpp_p; %s, %svoid *__mpp_p[%d]; "
		                  "void *volatile *__mpp_q = __mpp_p; %s, __mpp_p, %s__mpp_site = 0;",
		                  copy.s ? copy.s : "", n, list.s, decl.s ? decl.s : "", n, list.s,
		                  back.s ? back.s : "")
		      : xstrdup(", , 0, __mpp_site = 0;");
		if (n) {
			sb_printf(t, "static const char *const __mpp_sn%d_%d[] = {%s};\n", f->index, k, names.s);
			sb_printf(t, "static const struct mpp_type *const __mpp_st%d_%d[] = {%s};\n", f->index, k,
			          types.s);
		}
		free(copy.s);
		free(decl.s);
		free(back.s);
		free(list.s);
		free(names.s);
		free(types.s);
	}
	if (rw->nsites) {
		sb_printf(t, "static const struct mpp_site __mpp_sites%d[] = {\n", f->index);
		for (int k = 1; k <= rw->nsites; k++) {
			unsigned P = rw->sites[k - 1].P;
			int has = strcmp(lists[k], ", , 0, __mpp_site = 0;") != 0;
			int nv = 0;
			for (int i = 0; has && i < f->nvars; i++)
				if (live(rw, f->vars[i], P))
					nv++;
			if (has)
				sb_printf(t, "\t{%u, %d, __mpp_sn%d_%d, __mpp_st%d_%d},\n",
				          front_line_of(rw->u, P, NULL), nv, f->index, k, f->index, k);
			else
				sb_printf(t, "\t{%u, 0, 0, 0},\n", front_line_of(rw->u, P, NULL));
		}
		sb_add(t, "};\n");
	}
	/* fill the placeholders */
	char **cases = xcalloc((size_t)rw->nloops + 1, sizeof(*cases));
	for (int id = 0; id <= rw->nloops; id++)
		cases[id] = dispatch_cases(rw, id);
	for (int i = first_edit; i < rw->ed->n; i++) {
		fill(&rw->ed->v[i].text, '\x03', '\x04', cases, 0, rw->nloops, "");
		fill(&rw->ed->v[i].text, '\x01', '\x02', lists, 1, rw->nsites, "0");
	}
	for (int k = 1; k <= rw->nsites; k++)
		free(lists[k]);
	free(lists);
	for (int id = 0; id <= rw->nloops; id++)
		free(cases[id]);
	free(cases);
}

/* Locals that shadow another visible local get a new name, so every saved
 * variable can be named at every site. */
static void rename_shadowed(struct rw *rw, struct node *n)
{
	if (n->kind == N_DECLREF && n->var && n->var->hoisted && !n->var->is_static) {
		if (!n->exact)
			front_error(rw->u, n->so,
			            "variable '%s' (which shadows another) used inside a macro expansion: rename it",
			            n->var->name);
		else
			edit_replace(rw->ed, n->so, n->eo, n->var->hoisted);
	}
	for (int i = 0; i < n->nkids; i++)
		rename_shadowed(rw, n->kids[i]);
}

static unsigned name_offset(struct unit *u, CXCursor c)
{
	CXFile f;
	unsigned l, col, off, soff;
	clang_getExpansionLocation(clang_getCursorLocation(c), &f, &l, &col, &off);
	clang_getSpellingLocation(clang_getCursorLocation(c), &f, &l, &col, &soff);
	(void)u;
	return off == soff ? off : (unsigned)-1;
}

static void plan_shadowing(struct rw *rw)
{
	struct func *f = rw->f;
	int renamed = 0;
	for (int i = 0; i < f->nvars; i++) {
		struct var *v = f->vars[i];
		if (v->is_param || v->is_static || v->is_extern || v->synthetic)
			continue;
		for (int j = 0; j < f->nvars; j++) {
			struct var *w = f->vars[j];
			if (w == v || strcmp(w->name, v->name) || w->is_static || w->is_extern)
				continue;
			if (w->is_param || (w->so < v->so && v->so < w->scope_eo)) {
				v->hoisted = xasprintf("%s__mpp%d", v->name, ++renamed);
				unsigned off = name_offset(rw->u, v->cur);
				if (off == (unsigned)-1)
					front_error(
					    rw->u, v->so,
					    "variable '%s' shadows another and is declared through a macro: rename it",
					    v->name);
				else
					edit_replace(rw->ed, off, off + (unsigned)strlen(v->name), v->hoisted);
				break;
			}
		}
	}
	if (renamed)
		rename_shadowed(rw, f->body);
}

static int ident_char(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* `register` variables cannot have their address taken: drop the keyword. */
static void drop_register(struct rw *rw, struct node *n)
{
	const char *src = rw->u->src;
	if (n->kind == N_DECLSTMT && n->exact) {
		for (unsigned i = n->so; i + 8 <= n->eo; i++) {
			if (memcmp(src + i, "register", 8) == 0 && (i == 0 || !ident_char(src[i - 1])) &&
			    !ident_char(src[i + 8])) {
				edit_replace(rw->ed, i, i + 8, "        ");
				break;
			}
		}
	}
	for (int i = 0; i < n->nkids; i++)
		drop_register(rw, n->kids[i]);
}

static enum CXVisitorResult ptr_field(CXCursor c, CXClientData data);

static int has_pointer(CXType t)
{
	t = clang_getCanonicalType(t);
	if (t.kind == CXType_Pointer)
		return 1;
	if (t.kind == CXType_ConstantArray)
		return has_pointer(clang_getArrayElementType(t));
	if (t.kind == CXType_Record) {
		int found = 0;
		clang_Type_visitFields(t, ptr_field, &found);
		return found;
	}
	return 0;
}

static enum CXVisitorResult ptr_field(CXCursor c, CXClientData data)
{
	if (has_pointer(clang_getCursorType(c))) {
		*(int *)data = 1;
		return CXVisit_Break;
	}
	return CXVisit_Continue;
}

/* A pointer left uninitialised holds whatever the stack held, which no
 * block explains when it is saved; start such locals at zero (any value
 * is allowed for them, so the program cannot tell). */
static void zero_pointer_locals(struct rw *rw, struct node *n)
{
	if (n->kind == N_VARDECL && n->var && !n->var->is_static && !n->var->is_extern && n->exact) {
		int has_init = !clang_Cursor_isNull(clang_Cursor_getVarDeclInitializer(n->cur));
		CXType t = clang_getCanonicalType(n->var->type);
		if (!has_init && t.kind != CXType_VariableArray && has_pointer(t))
			edit_insert(rw->ed, n->eo, EDIT_LEFT, " = {0}");
	}
	for (int i = 0; i < n->nkids; i++)
		zero_pointer_locals(rw, n->kids[i]);
}

/* Calls into code that was not translated and may call back into
 * translated code (qsort's comparator...) must not capture meanwhile. */
static void wrap_nocap(struct rw *rw, struct node *n, int from_nomigrate)
{
	for (int i = 0; i < n->nkids; i++)
		wrap_nocap(rw, n->kids[i], from_nomigrate);
	if (n->kind != N_CALL)
		return;
	int want = (n->fnptr_arg && !n->reach) || (from_nomigrate && n->reach);
	if (!want)
		return;
	if (!n->exact) {
		front_error(
		    rw->u, n->so,
		    "call to '%s' inside a macro expansion must be protected from migration: call it outside the macro",
		    n->callee_name ? n->callee_name : "a function pointer");
		return;
	}
	char *call = render(rw, n->so, n->eo);
	char *text;
	if (clang_getCanonicalType(clang_getCursorType(n->cur)).kind == CXType_Void)
		text = xasprintf("({ __mpp_nocap++; %s; __mpp_nocap--; })", call);
	else
		text =
		    xasprintf("({ __mpp_nocap++; __typeof__(%s) __mpp_r = %s; __mpp_nocap--; __mpp_r; })", call, call);
	edit_replace(rw->ed, n->so, n->eo, text);
	free(text);
	free(call);
}

/* ---- a fast copy and a restoring copy ---------------------------------
 * A restore enters a loop's body in the middle (at a call), so the
 * counters and pointers the loop carries merge with values read from the
 * state, and gcc keeps them as plain variables: it no longer strength-
 * reduces them, and the test of __mpp_site where each such loop ends stays
 * on the fast path. A function whose loops hold call sites is therefore
 * written twice: the copy a restore runs, as before, in a function of its
 * own that the function calls when it is entered to restore (optimised as
 * much: a restored frame runs there until it returns), and the
 * copy every other call runs, in which __mpp_site is a local that is 0 on
 * every path (it is only ever set to 0), so the compiler drops the
 * dispatches and the restore paths and each loop keeps its single entry.
 * Both copies capture their frame the same way, with the same sites and
 * function descriptor; __func__ names the source's function in both, and
 * both keep the source's line numbers (#line). */

enum { VERSION_MAX = 64 * 1024 }; /* bytes of translated body; longer: one copy */

/* Does f hold what a second copy would change or break: a label address,
 * a computed goto or asm (may name labels), local labels of its own, a
 * static kept in the function, or a preprocessor line in the body? */
static int copy_unsafe(struct rw *rw, struct node *n)
{
	if (n->kind == N_INDGOTO || n->kind == N_ASM || clang_getCursorKind(n->cur) == CXCursor_AddrLabelExpr)
		return 1;
	for (int i = 0; i < n->nkids; i++)
		if (copy_unsafe(rw, n->kids[i]))
			return 1;
	return 0;
}

/* Does the body call a static function of the file that nothing else calls?
 * gcc inlines such a function whatever its size; with a second copy of the
 * call it would weigh it like any other (nbody's advance, called by main's
 * loop, then stays a call). */
static int calls_single_use(struct rw *rw, const struct node *n)
{
	const struct func *g = n->kind == N_CALL && n->callee_name ? front_func_by_name(rw->u, n->callee_name) : NULL;
	if (g && g->is_static && !g->addr_taken && g->ncalls == 1)
		return 1;
	for (int i = 0; i < n->nkids; i++)
		if (calls_single_use(rw, n->kids[i]))
			return 1;
	return 0;
}

static int versionable(struct rw *rw, const char *body)
{
	struct func *f = rw->f;
	int calls = 0;
	for (int i = 0; i < rw->nloops; i++)
		calls |= rw->loops[i].n->has_reach;
	if (!calls || strlen(body) > VERSION_MAX)
		return 0;
	for (int i = 0; i < f->nvars; i++)
		if (f->vars[i]->is_static && !f->vars[i]->hoisted)
			return 0;
	for (const char *l = body; l; l = strchr(l, '\n')) {
		l += *l == '\n';
		l += strspn(l, " \t");
		if (*l == '#' && strncmp(l, "#line ", 6) != 0) /* not the #line of the rewriting */
			return 0;
	}
	return !copy_unsafe(rw, f->body) && !calls_single_use(rw, f->body);
}

/* pe: the edit holding the entry dispatch, placeholders filled. The
 * restoring copy becomes the function __mpp_slow_NAME, declared before
 * the function and defined after it, with the same parameters; the function
 * itself calls it when it is entered to restore. */
static int version_function(struct rw *rw, int pe)
{
	struct func *f = rw->f;
	struct edit *pro = &rw->ed->v[pe];
	char *sw = strstr(pro->text, "switch ((__mpp_site");
	char *un = strstr(pro->text, " unsigned __mpp_site");
	CXType ft = clang_getCursorType(f->cur);
	if (!sw || !un || ft.kind != CXType_FunctionProto || clang_isFunctionTypeVariadic(ft))
		return 0;
	pro->dead = 1;
	char *body = render(rw, f->body->so + 1, f->body->eo - 1);
	if (!versionable(rw, body)) {
		pro->dead = 0;
		free(body);
		return 0;
	}
	struct var *p0 = NULL, *pl = NULL;
	struct sbuf args = {0};
	for (int i = 0; i < f->nvars; i++)
		if (f->vars[i]->is_param) {
			p0 = p0 ? p0 : f->vars[i];
			pl = f->vars[i];
			sb_printf(&args, "%s%s", args.n ? ", " : "", f->vars[i]->name);
		}
	/* the parameters as written between the declarator's parentheses (not
	 * an old-style definition, whose declarations follow them) */
	const char *src = rw->u->src;
	unsigned lp = f->name_off, rp;
	while (lp < f->body->so && src[lp] != '(')
		lp++;
	int depth = 0;
	for (rp = lp; rp < f->body->so; rp++)
		if ((depth += src[rp] == '(' ? 1 : src[rp] == ')' ? -1 : 0) == 0)
			break;
	if (rp >= f->body->so || memchr(src + rp, ';', f->body->so - rp) || (p0 && (p0->so <= lp || pl->eo > rp))) {
		pro->dead = 0;
		free(body);
		free(args.s);
		return 0;
	}
	char *params = p0 ? render(rw, p0->so, pl->eo) : xstrdup("void");
	char *ret = f->ret_spell ? xasprintf("__typeof__(%s)", f->ret_spell) : xstrdup("void");
	char *z = xasprintf("%.*s", (int)(un - pro->text), pro->text);
	/* the declaration, on the line of the function's start */
	char *decl = xasprintf("static %s __mpp_slow_%s(%s) __attribute__((noinline)); ", ret, f->name, params);
	if (newlines(decl, (size_t)-1)) {
		char *sync = line_sync(rw, f->so);
		char *t = xasprintf("%s%s", decl, sync);
		free(decl);
		free(sync);
		decl = t;
	}
	edit_insert(rw->ed, f->so, EDIT_LEFT, decl);
	/* the fast copy */
	char *fast = xasprintf("%s if (__MPP_UNLIKELY(__mpp_nonzero(&__mpp_restoring))) %s__mpp_slow_%s(%s);%s "
	                       "unsigned __mpp_site = 0; %s",
	                       z, f->ret_spell ? "return " : "{ ", f->name, args.s ? args.s : "",
	                       f->ret_spell ? "" : " return; }", body);
	edit_replace(rw->ed, f->body->so + 1, f->body->eo - 1, fast);
	/* the restoring copy, where __func__ is the function's name */
	struct sbuf t = {0};
	sb_add(&t, "\n");
	sb_func_name(&t, f->name);
	char *first = line_sync(rw, f->body->so), *last = line_sync(rw, f->body->eo);
	sb_printf(&t, "static %s __mpp_slow_%s(%s)%s{%s unsigned __mpp_site = 0; %s%s}\n", ret, f->name, params, first,
	          z, sw, body);
	sb_func_name(&t, NULL);
	sb_add(&t, last + 1);
	edit_insert(rw->ed, f->body->eo, EDIT_LEFT, t.s);
	free(t.s);
	free(first);
	free(last);
	free(fast);
	free(decl);
	free(z);
	free(ret);
	free(params);
	free(args.s);
	free(body);
	return 1;
}

int rewrite_function(struct unit *u, struct func *f, struct edits *ed, struct typegen *tg, struct sbuf *tables)
{
	struct rw rw = {0};
	rw.u = u;
	rw.ed = ed;
	rw.tg = tg;
	rw.tables = tables;
	rw.f = f;
	int first_edit = ed->n;
	if (!f->reach) {
		wrap_nocap(&rw, f->body, f->nomigrate);
		return 0;
	}
	rw.ret = f->ret_spell ? "return __mpp_z" : "return";
	rw.any_goto = has_goto(f->body);
	plan_nests(&rw);
	collect_loops(&rw, f->body);
	plan_shadowing(&rw);
	drop_register(&rw, f->body);
	zero_pointer_locals(&rw, f->body);
	wrap_nocap(&rw, f->body, 0);
	/* pragma points */
	for (int i = 0; i < f->npoints; i++) {
		struct point *pt = &f->points[i];
		if (pt->loop)
			continue;
		pt->site = new_site(&rw, pt->offset);
		char *t = point_text(&rw, pt->site);
		if (pt->offset == pt->line_end) { /* placed by --mpp-auto */
			char *t2 = xasprintf(" %s", t);
			edit_insert(ed, pt->offset, EDIT_RIGHT, t2);
			free(t2);
		} else {
			edit_replace(ed, pt->offset, pt->line_end, t);
		}
		free(t);
	}
	process(&rw, f->body);
	/* resume dispatch at entry */
	struct sbuf d = {0};
	if (f->ret_spell)
		sb_printf(&d, " static __typeof__(%s) __mpp_z;", f->ret_spell);
	sb_printf(
	    &d,
	    " unsigned __mpp_site = 0; if (__MPP_UNLIKELY(__mpp_nonzero(&__mpp_restoring))) switch ((__mpp_site = "
	    "__mpp_resume_site(&__mpp_funcs[%d]))) { \x03"
	    "0\x04 }",
	    f->index);
	int pe = ed->n;
	edit_insert(ed, f->body->so + 1, EDIT_RIGHT, d.s);
	free(d.s);
	f->nsites = rw.nsites;
	finish_sites(&rw, first_edit);
	/* what follows the function keeps its line numbers (a restoring copy
	 * ends with its #line) */
	if (!version_function(&rw, pe)) {
		char *all = render(&rw, f->body->so, f->body->eo);
		if (newlines(all, (size_t)-1) != newlines(u->src + f->body->so, f->body->eo - f->body->so)) {
			char *sync = line_sync(&rw, f->body->eo);
			edit_insert(ed, f->body->eo, EDIT_LEFT, sync);
			free(sync);
		}
		free(all);
	}
	free(rw.sites);
	free(rw.loops);
	return u->errors ? -1 : 0;
}
