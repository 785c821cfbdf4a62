/* libcalls.c: C library calls routed through libmpp. Allocations become
 * typed runtime allocations (the element type is what mppcc sees the result
 * converted to), opening and closing files go through the runtime's table
 * of open files; the functions used as values (free as a callback) become
 * their runtime versions. Calls written inside macros cannot be edited in
 * place: the function holding them is bracketed by macro definitions that
 * route the names, with the element type looked up by source line. */
#include "libcalls.h"

#include <stdlib.h>
#include <string.h>

enum how {
	H_RESULT, /* typed by where the result goes: rt(T, args...) */
	H_OUTARG, /* typed by the pointer its first argument points to */
	H_PLAIN   /* rt(args...) */
};

struct lib {
	const char *name;  /* the C library function */
	const char *rt;    /* what a call becomes */
	const char *value; /* what the function used as a value becomes (NULL: left alone) */
	int how;
};

static const struct lib libs[] = {
    {"malloc", "__mpp_malloc", "__mpp_malloc_v", H_RESULT},
    {"calloc", "__mpp_calloc", "__mpp_calloc_v", H_RESULT},
    {"realloc", "__mpp_realloc", "__mpp_realloc_v", H_RESULT},
    {"reallocarray", "__mpp_reallocarray", NULL, H_RESULT},
    {"aligned_alloc", "__mpp_aligned_alloc", NULL, H_RESULT},
    {"memalign", "__mpp_memalign", NULL, H_RESULT},
    {"valloc", "__mpp_valloc", NULL, H_RESULT},
    {"pvalloc", "__mpp_pvalloc", NULL, H_RESULT},
    {"posix_memalign", "__mpp_posix_memalign", NULL, H_OUTARG},
    {"free", "__mpp_free", "__mpp_free", H_PLAIN},
    {"strdup", "__mpp_strdup", "__mpp_strdup", H_PLAIN},
    {"strndup", "__mpp_strndup", "__mpp_strndup", H_PLAIN},
    {"asprintf", "__mpp_asprintf", "__mpp_asprintf", H_PLAIN},
    {"vasprintf", "__mpp_vasprintf", "__mpp_vasprintf", H_PLAIN},
    {"getline", "__mpp_getline", "__mpp_getline", H_PLAIN},
    {"getdelim", "__mpp_getdelim", "__mpp_getdelim", H_PLAIN},
    {"fopen", "__mpp_fopen", "__mpp_fopen", H_PLAIN},
    {"fopen64", "__mpp_fopen", "__mpp_fopen", H_PLAIN},
    {"fdopen", "__mpp_fdopen", "__mpp_fdopen", H_PLAIN},
    {"freopen", "__mpp_freopen", "__mpp_freopen", H_PLAIN},
    {"freopen64", "__mpp_freopen", "__mpp_freopen", H_PLAIN},
    {"fclose", "__mpp_fclose", "__mpp_fclose", H_PLAIN},
    {"setvbuf", "__mpp_setvbuf", "__mpp_setvbuf", H_PLAIN},
    {"setbuf", "__mpp_setbuf", "__mpp_setbuf", H_PLAIN},
    {"setlinebuf", "__mpp_setlinebuf", "__mpp_setlinebuf", H_PLAIN},
    {"open", "__mpp_open", "__mpp_open", H_PLAIN},
    {"open64", "__mpp_open", "__mpp_open", H_PLAIN},
    {"creat", "__mpp_creat", "__mpp_creat", H_PLAIN},
    {"creat64", "__mpp_creat", "__mpp_creat", H_PLAIN},
    {"close", "__mpp_close", "__mpp_close", H_PLAIN},
};
#define NLIBS ((int)(sizeof libs / sizeof libs[0]))
_Static_assert(sizeof libs / sizeof libs[0] <= 64, "a function's hidden calls are a 64-bit mask");

/* An allocation written inside a macro: the source lines of the outermost
 * macro invocation (where __LINE__ may point) and the element type. */
struct hidden {
	unsigned lo, hi;
	unsigned off;
	const char *ref; /* type descriptor, NULL: bytes */
};

/* A C library function used as a value (a table of math functions, strcmp
 * as a comparator): it becomes a static function of the unit that calls
 * it, registered like the unit's own, so that a saved pointer to it can be
 * restored by name. */
struct wrapper {
	char *name;
	CXCursor decl;  /* the library function */
	unsigned first; /* where to declare the wrapper: before its first use */
};

struct libcalls {
	struct hidden *v;
	int n, cap;
	struct wrapper *w;
	int nw, wcap;
};

struct libcalls *libcalls_new(void)
{
	return xcalloc(1, sizeof(struct libcalls));
}

void libcalls_free(struct libcalls *lc)
{
	for (int i = 0; i < lc->nw; i++)
		free(lc->w[i].name);
	free(lc->w);
	free(lc->v);
	free(lc);
}

/* Can f be wrapped: a prototype, not variadic. */
static int wrappable(CXCursor d)
{
	CXType t = clang_getCursorType(d);
	return t.kind == CXType_FunctionProto && !clang_isFunctionTypeVariadic(t);
}

/* The use at [so, eo) of library function d (named name) as a value,
 * inside the function or declaration that starts at container. */
static void wrap_use(struct libcalls *lc, struct edits *ed, CXCursor d, const char *name, unsigned so, unsigned eo,
                     unsigned container)
{
	int i;

	for (i = 0; i < lc->nw && strcmp(lc->w[i].name, name); i++)
		;
	if (i == lc->nw) {
		if (lc->nw == lc->wcap) {
			lc->wcap = lc->wcap ? lc->wcap * 2 : 8;
			lc->w = xrealloc(lc->w, sizeof(*lc->w) * (size_t)lc->wcap);
		}
		lc->w[i].name = xstrdup(name);
		lc->w[i].decl = d;
		lc->w[i].first = container;
		lc->nw++;
	} else if (container < lc->w[i].first) {
		lc->w[i].first = container;
	}
	char *text = xasprintf("__mpp_lib_%s", name);
	edit_replace(ed, so, eo, text);
	free(text);
}

static int lib_index(const char *name)
{
	for (int k = 0; k < NLIBS; k++)
		if (!strcmp(libs[k].name, name))
			return k;
	return -1;
}

/* The pointee type of the first typed pointer the value of n is converted
 * to (T in `T *p = malloc(...)`), or an invalid type when it stays void *. */
static CXType result_target(struct node *n)
{
	CXType none = {CXType_Invalid, {0, 0}};
	for (struct node *p = n->parent, *k = n; p; k = p, p = p->parent) {
		/* the value goes on through parentheses, casts, the arms of ?:
		 * and the right operand of a comma */
		int wrap = p->kind == N_PAREN || p->kind == N_CAST ||
		           (p->kind == N_EXPR && clang_getCursorKind(p->cur) == CXCursor_UnexposedExpr) ||
		           (p->kind == N_CONDOP && p->nkids == 3 && k != p->kids[0]) ||
		           (p->kind == N_BINOP && !strcmp(p->op, ",") && p->nkids == 2 && k == p->kids[1]);
		if (!wrap)
			break;
		CXType t = clang_getCanonicalType(clang_getCursorType(p->cur));
		if (t.kind != CXType_Pointer)
			break;
		CXType e = clang_getCanonicalType(clang_getPointeeType(t));
		if (e.kind != CXType_Void)
			return clang_getPointeeType(t);
	}
	return none;
}

/* For posix_memalign(&p, ...) with `T *p`: T. */
static CXType outarg_target(struct node *call)
{
	CXType none = {CXType_Invalid, {0, 0}};
	struct node *a = call->nkids > 1 ? call->kids[1] : NULL;
	while (a && a->nkids == 1 &&
	       (a->kind == N_PAREN || a->kind == N_CAST ||
	        (a->kind == N_EXPR && clang_getCursorKind(a->cur) == CXCursor_UnexposedExpr)))
		a = a->kids[0];
	if (!a || a->kind != N_UNOP || strcmp(a->op, "&") || a->postfix || a->nkids != 1)
		return none;
	CXType t = clang_getCanonicalType(clang_getCursorType(a->kids[0]->cur));
	if (t.kind != CXType_Pointer)
		return none;
	CXType e = clang_getPointeeType(t);
	return clang_getCanonicalType(e).kind == CXType_Void ? none : e;
}

/* The element type descriptor for an allocation, or NULL (bytes, with a
 * warning saying why unless quiet). */
static const char *elem_ref(struct unit *u, struct node *call, int how, struct typegen *tg, int quiet)
{
	CXType t = how == H_OUTARG ? outarg_target(call) : result_target(call);
	char *why = NULL;
	const char *ref;

	if (t.kind == CXType_Invalid) {
		if (!quiet)
			front_warning(u, call->so,
			              "the block allocated here is only seen as 'void *': it is saved as bytes, so "
			              "pointers stored in it would not survive a move");
		return NULL;
	}
	ref = types_ref(tg, t, NULL, &why);
	if (!ref) {
		front_warning(u, call->so,
		              "the block allocated here is saved as bytes (%s): pointers stored in it would not "
		              "survive a move",
		              why ? why : "unsupported type");
		free(why);
	}
	return ref;
}

/* Offset just past the macro invocation that starts at off (a name,
 * maybe followed by a parenthesised argument list). */
static unsigned invocation_end(const struct unit *u, unsigned off)
{
	unsigned i = off, depth = 0;
	const char *s = u->src;

	while (i < u->len && (s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
	                      (s[i] >= '0' && s[i] <= '9')))
		i++;
	unsigned name_end = i;
	while (i < u->len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	if (i >= u->len || s[i] != '(')
		return name_end;
	for (; i < u->len; i++) {
		char c = s[i];
		if (c == '"' || c == '\'') {
			for (i++; i < u->len && s[i] != c; i++)
				if (s[i] == '\\')
					i++;
		} else if (c == '/' && i + 1 < u->len && s[i + 1] == '*') {
			for (i += 2; i + 1 < u->len && !(s[i] == '*' && s[i + 1] == '/'); i++)
				;
			i++;
		} else if (c == '/' && i + 1 < u->len && s[i + 1] == '/') {
			while (i < u->len && s[i] != '\n')
				i++;
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && --depth == 0) {
			return i + 1;
		}
	}
	return name_end;
}

static void add_hidden(struct libcalls *lc, struct unit *u, struct node *call, const char *ref)
{
	if (lc->n == lc->cap) {
		lc->cap = lc->cap ? lc->cap * 2 : 16;
		lc->v = xrealloc(lc->v, sizeof(*lc->v) * (size_t)lc->cap);
	}
	struct hidden *h = &lc->v[lc->n++];
	h->off = call->so;
	h->lo = front_line_of(u, call->so, NULL);
	h->hi = front_line_of(u, invocation_end(u, call->so), NULL);
	if (h->hi < h->lo)
		h->hi = h->lo;
	h->ref = ref;
}

struct walk {
	struct libcalls *lc;
	struct unit *u;
	struct edits *ed;
	struct typegen *tg;
	unsigned container; /* start of the function being walked */
	struct func *f;
	unsigned long long hidden; /* bit k: libs[k] is written inside a macro in this function */
};

/* Stack memory without a name cannot be saved: a pointer to it would be
 * taken for a pointer to a returned function's local. */
static void unnamed_stack(struct walk *w, struct node *n)
{
	if (!w->f->reach)
		return;
	if (n->kind == N_CALL && n->callee_name &&
	    (!strcmp(n->callee_name, "alloca") || !strcmp(n->callee_name, "__builtin_alloca"))) {
		front_error(w->u, n->so,
		            "alloca in '%s', which can reach a migration point: memory without a name on the "
		            "stack cannot be saved (use malloc and free, or a local array)",
		            w->f->name);
		return;
	}
	if (n->kind != N_EXPR || clang_getCursorKind(n->cur) != CXCursor_CompoundLiteralExpr)
		return;
	int taken = clang_getCanonicalType(clang_getCursorType(n->cur)).kind == CXType_ConstantArray;
	for (struct node *p = n->parent; p && !taken; p = p->parent) {
		enum CXCursorKind k = clang_getCursorKind(p->cur);
		if (p->kind == N_UNOP && !strcmp(p->op, "&"))
			taken = 1;
		else if (p->kind != N_PAREN && k != CXCursor_MemberRefExpr && k != CXCursor_ArraySubscriptExpr)
			break;
	}
	if (taken)
		front_error(w->u, n->so,
		            "compound literal whose address is taken in '%s', which can reach a migration point: "
		            "it cannot be saved (declare it as a local variable)",
		            w->f->name);
}

static void on_call(struct walk *w, struct node *n)
{
	int k;

	if (!n->callee_name || !n->callee_system || !n->nkids || (k = lib_index(n->callee_name)) < 0)
		return;
	const struct lib *l = &libs[k];
	struct node *callee = n->kids[0];
	unsigned lp = callee->eo;
	if (n->exact && callee->exact) {
		while (lp < n->eo && w->u->src[lp] != '(')
			lp++;
	}
	int hidden = !n->exact || !callee->exact || lp >= n->eo;
	const char *ref = l->how == H_PLAIN ? NULL : elem_ref(w->u, n, l->how, w->tg, hidden);
	if (hidden) {
		w->hidden |= 1ull << k;
		if (l->how != H_PLAIN)
			add_hidden(w->lc, w->u, n, ref);
		return;
	}
	char *text = l->how == H_PLAIN ? xasprintf("%s(", l->rt) : xasprintf("%s(%s, ", l->rt, ref ? ref : "0");
	edit_replace(w->ed, callee->so, lp + 1, text);
	free(text);
}

/* A library function named without being called (free as a callback). */
static void on_value(struct walk *w, struct node *n)
{
	CXCursor d = clang_getCursorReferenced(n->cur);
	int k;

	if (clang_getCursorKind(d) != CXCursor_FunctionDecl ||
	    !clang_Location_isInSystemHeader(clang_getCursorLocation(d)))
		return;
	char *name = cxstr(clang_getCursorSpelling(d));
	k = lib_index(name);
	if (k < 0 && n->exact && wrappable(d))
		wrap_use(w->lc, w->ed, d, name, n->so, n->eo, w->container);
	free(name);
	if (k < 0 || !libs[k].value)
		return;
	if (!n->exact) {
		w->hidden |= 1ull << k;
		return;
	}
	if (libs[k].how != H_PLAIN)
		front_warning(w->u, n->so,
		              "'%s' used as a function pointer: the blocks it allocates are saved as bytes, so "
		              "pointers stored in them would not survive a move",
		              libs[k].name);
	edit_replace(w->ed, n->so, n->eo, libs[k].value);
}

static int is_wrapper(const struct node *n)
{
	return n->kind == N_PAREN || (n->kind == N_EXPR && clang_getCursorKind(n->cur) == CXCursor_UnexposedExpr);
}

/* callee: n is (inside) the function position of a call. */
static void walk(struct walk *w, struct node *n, int callee)
{
	for (int i = 0; i < n->nkids; i++)
		walk(w, n->kids[i], n->kind == N_CALL ? i == 0 : callee && is_wrapper(n));
	unnamed_stack(w, n);
	if (n->kind == N_CALL)
		on_call(w, n);
	else if (n->kind == N_DECLREF && !n->var && !callee)
		on_value(w, n);
}

void libcalls_function(struct libcalls *lc, struct unit *u, struct func *f, struct edits *ed, struct typegen *tg)
{
	struct walk w = {lc, u, ed, tg, f->so, f, 0};
	struct sbuf pre = {0}, post = {0};

	walk(&w, f->body, 0);
	if (!w.hidden)
		return;
	/* the names are routed for this function only: push_macro keeps
	 * whatever the program itself defined */
	sb_add(&pre, "\n");
	sb_add(&post, "\n");
	for (int k = 0; k < NLIBS; k++) {
		if (!(w.hidden & (1ull << k)))
			continue;
		const struct lib *l = &libs[k];
		sb_printf(&pre, "#pragma push_macro(\"%s\")\n#undef %s\n", l->name, l->name);
		if (l->how == H_PLAIN)
			sb_printf(&pre, "#define %s %s\n", l->name, l->rt);
		else
			sb_printf(&pre, "#define %s(...) %s(__mpp_alloc_type(__LINE__), __VA_ARGS__)\n", l->name,
			          l->rt);
		sb_printf(&post, "#pragma pop_macro(\"%s\")\n", l->name);
	}
	sb_printf(&pre, "#line %u \"%s\"\n", front_line_of(u, f->so, NULL), u->path);
	sb_printf(&post, "#line %u \"%s\"\n", front_line_of(u, f->eo, NULL), u->path);
	edit_insert(ed, f->so, EDIT_LEFT, pre.s);
	edit_insert(ed, f->eo, EDIT_RIGHT, post.s);
	free(pre.s);
	free(post.s);
}

void libcalls_emit_decls(struct libcalls *lc, struct sbuf *out)
{
	if (lc->n)
		sb_add(out, "static const struct mpp_type *__mpp_alloc_type(unsigned line);\n");
}

static int by_line(const void *a, const void *b)
{
	const struct hidden *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* __mpp_alloc_type: the element type of the allocations written inside
 * macros, by the line __LINE__ gives (any line of the invocation). A macro
 * argument may be expanded more than once, in places where its value stays
 * void * (a test): those expansions say nothing. Two different types on
 * one line make that line bytes. */
void libcalls_emit_defs(struct libcalls *lc, struct unit *u, struct sbuf *out)
{
	if (!lc->n)
		return;
	qsort(lc->v, (size_t)lc->n, sizeof *lc->v, by_line);
	sb_add(out, "static const struct mpp_type *__mpp_alloc_type(unsigned line)\n{\n\tswitch (line) {\n");
	for (int i = 0; i < lc->n; i++) {
		struct hidden *h = &lc->v[i];
		int typed = 0;
		for (unsigned line = h->lo; line <= h->hi; line++) {
			const char *ref = NULL;
			int seen = 0, clash = 0;
			for (int j = 0; j < lc->n; j++) {
				struct hidden *o = &lc->v[j];
				if (line < o->lo || line > o->hi)
					continue;
				seen |= j < i;
				if (o->ref && ref && strcmp(o->ref, ref))
					clash = 1;
				else if (o->ref)
					ref = o->ref;
			}
			typed |= ref && !clash;
			if (seen)
				continue;
			if (clash)
				front_warning(u, h->off,
				              "allocations of different types inside macros on line %u: they are "
				              "saved as bytes, so pointers stored in them would not survive a move",
				              line);
			else if (ref)
				sb_printf(out, "\tcase %u: return %s;\n", line, ref);
		}
		if (!typed && (i == 0 || h->off != lc->v[i - 1].off))
			front_warning(u, h->off,
			              "the block allocated here is only seen as 'void *': it is saved as bytes, so "
			              "pointers stored in it would not survive a move");
	}
	sb_add(out, "\tdefault: return 0;\n\t}\n}\n");
}

/* ---- Library functions used as values ------------------------------------ */

struct gwalk {
	struct libcalls *lc;
	struct unit *u;
	struct edits *ed;
	unsigned container;
};

static enum CXChildVisitResult global_visit(CXCursor c, CXCursor parent, CXClientData data)
{
	struct gwalk *g = data;
	CXCursor d;
	CXFile f, sf;
	unsigned l, col, so, eo, sso, seo;

	(void)parent;
	if (clang_getCursorKind(c) != CXCursor_DeclRefExpr)
		return CXChildVisit_Recurse;
	d = clang_getCursorReferenced(c);
	if (clang_getCursorKind(d) != CXCursor_FunctionDecl ||
	    !clang_Location_isInSystemHeader(clang_getCursorLocation(d)) || !wrappable(d))
		return CXChildVisit_Continue;
	CXSourceRange r = clang_getCursorExtent(c);
	clang_getExpansionLocation(clang_getRangeStart(r), &f, &l, &col, &so);
	clang_getExpansionLocation(clang_getRangeEnd(r), &f, &l, &col, &eo);
	clang_getSpellingLocation(clang_getRangeStart(r), &sf, &l, &col, &sso);
	clang_getSpellingLocation(clang_getRangeEnd(r), &sf, &l, &col, &seo);
	if (!clang_File_isEqual(f, g->u->file) || !clang_File_isEqual(sf, g->u->file) || so != sso || eo != seo)
		return CXChildVisit_Continue;
	char *name = cxstr(clang_getCursorSpelling(d));
	int k = lib_index(name);
	if (k < 0)
		wrap_use(g->lc, g->ed, d, name, so, eo, g->container);
	else if (libs[k].value)
		edit_replace(g->ed, so, eo, libs[k].value);
	free(name);
	return CXChildVisit_Continue;
}

void libcalls_globals(struct libcalls *lc, struct unit *u, struct edits *ed)
{
	for (int i = 0; i < u->nglobals; i++) {
		struct global *gl = &u->globals[i];
		CXFile f;
		unsigned l, col, off;
		if (gl->hoisted)
			continue; /* a function's static: walked with the function */
		clang_getExpansionLocation(clang_getRangeStart(clang_getCursorExtent(gl->cur)), &f, &l, &col, &off);
		if (!clang_File_isEqual(f, u->file))
			continue;
		struct gwalk g = {lc, u, ed, off};
		clang_visitChildren(gl->cur, global_visit, &g);
	}
	/* each wrapper is declared before its first use */
	for (int i = 0; i < lc->nw; i++) {
		char *decl = xasprintf("\nstatic __typeof__(%s) __mpp_lib_%s;\n#line %u \"%s\"\n", lc->w[i].name,
		                       lc->w[i].name, front_line_of(u, lc->w[i].first, NULL), u->path);
		edit_insert(ed, lc->w[i].first, EDIT_LEFT, decl);
		free(decl);
	}
}

int libcalls_nfuncs(const struct libcalls *lc)
{
	return lc->nw;
}

void libcalls_emit_funcs(const struct libcalls *lc, const struct unit *u, struct sbuf *out)
{
	for (int i = 0; i < lc->nw; i++)
		sb_printf(out, "\t{\"%s:__mpp_lib_%s\", (void (*)(void))__mpp_lib_%s, 0, 0},\n", u->path, lc->w[i].name,
		          lc->w[i].name);
}

void libcalls_emit_wrappers(const struct libcalls *lc, struct sbuf *out)
{
	for (int i = 0; i < lc->nw; i++) {
		CXType t = clang_getCursorType(lc->w[i].decl);
		CXType rt = clang_getResultType(t);
		int n = clang_getNumArgTypes(t), is_void = clang_getCanonicalType(rt).kind == CXType_Void;
		char *rs = cxstr(clang_getTypeSpelling(rt));
		sb_printf(out, "static __typeof__(%s) __mpp_lib_%s(", rs, lc->w[i].name);
		free(rs);
		for (int a = 0; a < n; a++) {
			char *as = cxstr(clang_getTypeSpelling(clang_getArgType(t, (unsigned)a)));
			sb_printf(out, "%s__typeof__(%s) a%d", a ? ", " : "", as, a);
			free(as);
		}
		sb_printf(out, "%s)\n{\n\t%s(%s)(", n ? "" : "void", is_void ? "" : "return ", lc->w[i].name);
		for (int a = 0; a < n; a++)
			sb_printf(out, "%sa%d", a ? ", " : "", a);
		sb_add(out, ");\n}\n");
	}
}
