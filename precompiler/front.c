/* front.c: parse one C file with libclang and build the translator's view:
 * functions with a node tree of their bodies (exact byte offsets), their
 * variables, the file's globals and its `#pragma mpp` lines. */
#include "front.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---------------------------------------------------- */

void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);
	if (!p) {
		fprintf(stderr, "mppcc: out of memory\n");
		exit(1);
	}
	return p;
}

void *xrealloc(void *p, size_t sz)
{
	p = realloc(p, sz ? sz : 1);
	if (!p) {
		fprintf(stderr, "mppcc: out of memory\n");
		exit(1);
	}
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xcalloc(n, 1), s, n);
}

char *xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	char *s = xcalloc((size_t)n + 1, 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

char *cxstr(CXString s)
{
	const char *c = clang_getCString(s);
	char *r = xstrdup(c ? c : "");
	clang_disposeString(s);
	return r;
}

unsigned front_line_of(const struct unit *u, unsigned off, unsigned *col)
{
	unsigned line = 1, c = 1;
	for (unsigned i = 0; i < off && i < u->len; i++) {
		if (u->src[i] == '\n') {
			line++;
			c = 1;
		} else {
			c++;
		}
	}
	if (col)
		*col = c;
	return line;
}

static void vdiag(struct unit *u, unsigned off, const char *what, const char *fmt, va_list ap)
{
	unsigned col, line = front_line_of(u, off, &col);
	fprintf(stderr, "%s:%u:%u: %s: ", u->path, line, col, what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void front_error(struct unit *u, unsigned off, const char *fmt, ...)
{
	/* a macro that expands its argument twice must not say it twice */
	static unsigned last_off = (unsigned)-1;
	static const char *last_fmt;
	u->errors++;
	if (off == last_off && fmt == last_fmt)
		return;
	last_off = off;
	last_fmt = fmt;
	va_list ap;
	va_start(ap, fmt);
	vdiag(u, off, "error", fmt, ap);
	va_end(ap);
}

void front_warning(struct unit *u, unsigned off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(u, off, "warning", fmt, ap);
	va_end(ap);
}

/* ---- source text lexing (enough to find ';', parentheses, comments) --- */

/* Offset of the next character that is not white space or a comment. */
static unsigned skip_space(const struct unit *u, unsigned i)
{
	while (i < u->len) {
		char c = u->src[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			i++;
		} else if (c == '/' && i + 1 < u->len && u->src[i + 1] == '*') {
			const char *e = strstr(u->src + i + 2, "*/");
			i = e ? (unsigned)(e - u->src) + 2 : (unsigned)u->len;
		} else if (c == '/' && i + 1 < u->len && u->src[i + 1] == '/') {
			while (i < u->len && u->src[i] != '\n')
				i++;
		} else if (c == '\\' && i + 1 < u->len && u->src[i + 1] == '\n') {
			i += 2;
		} else {
			break;
		}
	}
	return i;
}

/* Offset past a string or character literal starting at i. */
static unsigned skip_literal(const struct unit *u, unsigned i)
{
	char q = u->src[i++];
	while (i < u->len && u->src[i] != q) {
		if (u->src[i] == '\\')
			i++;
		i++;
	}
	return i < u->len ? i + 1 : i;
}

/* First offset >= from of character ch at nesting depth 0, before `to`;
 * returns `to` when there is none. */
static unsigned find_depth0(const struct unit *u, unsigned from, unsigned to, char ch)
{
	int depth = 0;
	unsigned i = from;
	while (i < to) {
		i = skip_space(u, i);
		if (i >= to)
			break;
		char c = u->src[i];
		if (depth == 0 && c == ch)
			return i;
		if (c == '"' || c == '\'') {
			i = skip_literal(u, i);
			continue;
		}
		if (c == '(' || c == '[' || c == '{')
			depth++;
		else if (c == ')' || c == ']' || c == '}')
			depth--;
		if (depth < 0)
			return to;
		i++;
	}
	return to;
}

unsigned front_stmt_end(const struct unit *u, const struct node *n)
{
	switch (n->kind) {
	case N_COMPOUND: return n->eo;
	case N_IF: return front_stmt_end(u, n->els ? n->els : n->then);
	case N_WHILE:
	case N_FOR:
	case N_SWITCH: return n->body ? front_stmt_end(u, n->body) : n->eo;
	case N_CASE:
	case N_DEFAULT:
	case N_LABEL: return n->nkids ? front_stmt_end(u, n->kids[n->nkids - 1]) : n->eo;
	case N_DECLSTMT:
		if (n->eo > 0 && u->src[n->eo - 1] == ';')
			return n->eo;
		/* fall through */
	default: {
		unsigned from = n->kind == N_DO ? n->eo : n->so;
		unsigned semi = find_depth0(u, from, (unsigned)u->len, ';');
		return semi < u->len ? semi + 1 : n->eo;
	}
	}
}

/* ---- node tree -------------------------------------------------------- */

struct build_ctx {
	struct unit *u;
	struct func *f;
	struct node *parent;
};

static int loc_off(CXSourceLocation l, int spelling, CXFile *file, unsigned *off)
{
	unsigned line, col;
	if (spelling)
		clang_getSpellingLocation(l, file, &line, &col, off);
	else
		clang_getExpansionLocation(l, file, &line, &col, off);
	return 0;
}

static void set_extent(struct unit *u, struct node *n)
{
	CXSourceRange r = clang_getCursorExtent(n->cur);
	CXFile fs, fe, ss, se;
	unsigned so, eo, sso, seo;
	loc_off(clang_getRangeStart(r), 0, &fs, &so);
	loc_off(clang_getRangeEnd(r), 0, &fe, &eo);
	loc_off(clang_getRangeStart(r), 1, &ss, &sso);
	loc_off(clang_getRangeEnd(r), 1, &se, &seo);
	int in_main = clang_File_isEqual(fs, u->file) && clang_File_isEqual(fe, u->file);
	n->so = so;
	n->eo = eo < so ? so : eo;
	if (n->eo > u->len)
		n->eo = (unsigned)u->len;
	n->exact =
	    in_main && clang_File_isEqual(ss, u->file) && clang_File_isEqual(se, u->file) && so == sso && eo == seo;
}

static enum nkind kind_of(enum CXCursorKind k)
{
	switch (k) {
	case CXCursor_CallExpr: return N_CALL;
	case CXCursor_DeclRefExpr: return N_DECLREF;
	case CXCursor_BinaryOperator:
	case CXCursor_CompoundAssignOperator: return N_BINOP;
	case CXCursor_ConditionalOperator: return N_CONDOP;
	case CXCursor_UnaryOperator: return N_UNOP;
	case CXCursor_ParenExpr: return N_PAREN;
	case CXCursor_CStyleCastExpr: return N_CAST;
	case CXCursor_UnaryExpr: return N_SIZEOF;
	case CXCursor_StmtExpr: return N_STMTEXPR;
	case CXCursor_CompoundStmt: return N_COMPOUND;
	case CXCursor_IfStmt: return N_IF;
	case CXCursor_WhileStmt: return N_WHILE;
	case CXCursor_DoStmt: return N_DO;
	case CXCursor_ForStmt: return N_FOR;
	case CXCursor_SwitchStmt: return N_SWITCH;
	case CXCursor_CaseStmt: return N_CASE;
	case CXCursor_DefaultStmt: return N_DEFAULT;
	case CXCursor_LabelStmt: return N_LABEL;
	case CXCursor_GotoStmt: return N_GOTO;
	case CXCursor_IndirectGotoStmt: return N_INDGOTO;
	case CXCursor_ReturnStmt: return N_RETURN;
	case CXCursor_BreakStmt: return N_BREAK;
	case CXCursor_ContinueStmt: return N_CONTINUE;
	case CXCursor_DeclStmt: return N_DECLSTMT;
	case CXCursor_VarDecl: return N_VARDECL;
	case CXCursor_NullStmt: return N_NULLSTMT;
	case CXCursor_GCCAsmStmt:
	case CXCursor_MSAsmStmt: return N_ASM;
	default:
		if (clang_isStatement(k))
			return N_OTHERSTMT;
		return N_EXPR;
	}
}

/* Reads the operator of a binary or unary operator node from the text. */
static void read_operator(struct unit *u, struct node *n)
{
	static const char *ops[] = {"<<=", ">>=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&",
	                            "||",  "*=",  "/=",  "%=", "+=", "-=", "&=", "^=", "|=", "*",  "/",  "%",  "+",
	                            "-",   "<",   ">",   "&",  "^",  "|",  "=",  ",",  "!",  "~",  NULL};
	unsigned at;
	if (n->kind == N_BINOP) {
		if (n->nkids < 2)
			return;
		at = skip_space(u, n->kids[0]->eo);
	} else {
		if (n->nkids < 1)
			return;
		if (n->kids[0]->so > n->so) {
			at = n->so;
		} else {
			at = skip_space(u, n->kids[0]->eo);
			n->postfix = 1;
		}
	}
	for (int i = 0; ops[i]; i++) {
		size_t l = strlen(ops[i]);
		if (at + l <= u->len && memcmp(u->src + at, ops[i], l) == 0) {
			memcpy(n->op, ops[i], l + 1);
			return;
		}
	}
	/* keywords used as unary operators: __real__, __extension__ ... */
	n->op[0] = '?';
}

static struct var *find_var(struct func *f, CXCursor decl)
{
	for (int i = f->nvars - 1; i >= 0; i--)
		if (clang_equalCursors(f->vars[i]->cur, decl))
			return f->vars[i];
	return NULL;
}

static void add_var(struct func *f, struct var *v)
{
	if (f->nvars == f->cap_vars) {
		f->cap_vars = f->cap_vars ? f->cap_vars * 2 : 16;
		f->vars = xrealloc(f->vars, sizeof(*f->vars) * (size_t)f->cap_vars);
	}
	f->vars[f->nvars++] = v;
}

static enum CXChildVisitResult build_visit(CXCursor c, CXCursor parent, CXClientData data);
static void free_node(struct node *n);

/* Every variable named in the operand of `&` may be pointed to, except the
 * index of a subscript: in `&a[i++]` only a's object is addressed, and i
 * (an integer, never the object) can stay in a register. */
static void mark_addr_taken(struct node *n)
{
	if (n->kind == N_DECLREF && n->var)
		n->var->addr_taken = 1;
	int subscript = clang_getCursorKind(n->cur) == CXCursor_ArraySubscriptExpr;
	for (int i = 0; i < n->nkids; i++) {
		if (subscript) {
			enum CXTypeKind k = clang_getCanonicalType(clang_getCursorType(n->kids[i]->cur)).kind;
			if (k >= CXType_Bool && k <= CXType_Int128 && k != CXType_Char16 && k != CXType_Char32 &&
			    k != CXType_WChar)
				continue;
		}
		mark_addr_taken(n->kids[i]);
	}
}

static struct node *build(struct build_ctx *cx, CXCursor c)
{
	struct node *n = xcalloc(1, sizeof(*n));
	n->cur = c;
	n->kind = kind_of(clang_getCursorKind(c));
	n->parent = cx->parent;
	n->site = 0;
	set_extent(cx->u, n);
	struct build_ctx sub = *cx;
	sub.parent = n;
	clang_visitChildren(c, build_visit, &sub);
	return n;
}

static void add_kid(struct node *p, struct node *k)
{
	p->kids = xrealloc(p->kids, sizeof(*p->kids) * (size_t)(p->nkids + 1));
	p->kids[p->nkids++] = k;
}

static void assign_roles(struct unit *u, struct node *n)
{
	switch (n->kind) {
	case N_IF:
		if (n->nkids >= 2) {
			n->cond = n->kids[0];
			n->then = n->kids[1];
			n->els = n->nkids >= 3 ? n->kids[2] : NULL;
		}
		break;
	case N_WHILE:
	case N_SWITCH:
		if (n->nkids >= 2) {
			n->cond = n->kids[0];
			n->body = n->kids[1];
		}
		break;
	case N_DO:
		if (n->nkids >= 2) {
			n->body = n->kids[0];
			n->cond = n->kids[1];
		}
		break;
	case N_FOR: {
		/* libclang omits absent parts: classify children by position. */
		unsigned lp = find_depth0(u, n->so + 3, n->eo, '(');
		unsigned s1 = find_depth0(u, lp + 1, n->eo, ';');
		unsigned s2 = find_depth0(u, s1 + 1, n->eo, ';');
		unsigned rp = find_depth0(u, s2 + 1, n->eo, ')');
		for (int i = 0; i < n->nkids; i++) {
			struct node *k = n->kids[i];
			if (k->so < s1 ||
			    (k->kind == N_DECLSTMT && k->so < s2 && k->so > lp && !n->init && k->eo <= s1 + 1))
				n->init = k;
			else if (k->so < s2)
				n->cond = k;
			else if (k->so < rp)
				n->inc = k;
			else
				n->body = k;
		}
		break;
	}
	case N_RETURN:
		if (n->nkids)
			n->cond = n->kids[0]; /* the returned expression */
		break;
	default: break;
	}
}

static enum CXChildVisitResult build_visit(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	struct build_ctx *cx = data;
	struct unit *u = cx->u;
	struct func *f = cx->f;
	enum CXCursorKind k = clang_getCursorKind(c);
	if (k == CXCursor_TypeRef || k == CXCursor_MemberRef || k == CXCursor_LabelRef || k == CXCursor_StructDecl ||
	    k == CXCursor_UnionDecl || k == CXCursor_EnumDecl || k == CXCursor_TypedefDecl || k == CXCursor_FieldDecl ||
	    k == CXCursor_EnumConstantDecl)
		return CXChildVisit_Continue;
	if (k == CXCursor_FunctionDecl) /* local prototype */
		return CXChildVisit_Continue;

	struct node *n = build(cx, c);
	add_kid(cx->parent, n);
	assign_roles(u, n);

	if (n->kind == N_VARDECL) {
		struct var *v = xcalloc(1, sizeof(*v));
		v->name = cxstr(clang_getCursorSpelling(c));
		v->cur = c;
		v->type = clang_getCursorType(c);
		v->so = n->so;
		v->eo = n->eo;
		enum CX_StorageClass sc = clang_Cursor_getStorageClass(c);
		v->is_static = sc == CX_SC_Static;
		v->is_extern = sc == CX_SC_Extern;
		v->declstmt = cx->parent;
		{
			enum CXTypeKind tk = clang_getCanonicalType(v->type).kind;
			v->addr_taken =
			    tk == CXType_ConstantArray || tk == CXType_IncompleteArray || tk == CXType_VariableArray;
		}
		/* scope: to the end of the block (or for statement) holding it */
		struct node *s = cx->parent;
		while (s && s->kind != N_COMPOUND && s->kind != N_FOR)
			s = s->parent;
		v->scope_so = n->so;
		v->scope_eo = s ? s->eo : f->eo;
		n->var = v;
		add_var(f, v);
	} else if (n->kind == N_DECLREF) {
		CXCursor d = clang_getCursorReferenced(c);
		if (clang_getCursorKind(d) == CXCursor_VarDecl || clang_getCursorKind(d) == CXCursor_ParmDecl)
			n->var = find_var(f, d);
		if (n->var) {
			struct var *v = n->var;
			v->uses = xrealloc(v->uses, sizeof(*v->uses) * (size_t)(v->nuses + 1));
			v->uses[v->nuses++] = n->so;
		}
	} else if (n->kind == N_BINOP || n->kind == N_UNOP) {
		read_operator(u, n);
		if (n->kind == N_UNOP && strcmp(n->op, "&") == 0 && !n->postfix && n->nkids)
			mark_addr_taken(n->kids[0]);
	} else if (n->kind == N_CALL) {
		CXCursor d = clang_getCursorReferenced(c);
		if (clang_getCursorKind(d) == CXCursor_FunctionDecl) {
			n->callee_name = cxstr(clang_getCursorSpelling(d));
			n->callee_system = clang_Location_isInSystemHeader(clang_getCursorLocation(d));
		}
		int na = clang_Cursor_getNumArguments(c);
		for (int i = 0; i < na; i++) {
			CXType t =
			    clang_getCanonicalType(clang_getCursorType(clang_Cursor_getArgument(c, (unsigned)i)));
			if (t.kind == CXType_Pointer) {
				CXType p = clang_getCanonicalType(clang_getPointeeType(t));
				if (p.kind == CXType_FunctionProto || p.kind == CXType_FunctionNoProto)
					n->fnptr_arg = 1;
			}
		}
	}
	return CXChildVisit_Continue;
}

struct param_ctx {
	struct unit *u;
	struct func *f;
};

static enum CXChildVisitResult param_visit(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	struct param_ctx *pctx = data;
	struct func *f = pctx->f;
	if (clang_getCursorKind(c) != CXCursor_ParmDecl)
		return CXChildVisit_Continue;
	struct var *v = xcalloc(1, sizeof(*v));
	v->name = cxstr(clang_getCursorSpelling(c));
	v->cur = c;
	v->type = clang_getCursorType(c);
	v->is_param = 1;
	struct node tmp;
	memset(&tmp, 0, sizeof(tmp));
	tmp.cur = c;
	set_extent(pctx->u, &tmp);
	v->so = tmp.so;
	v->eo = tmp.eo;
	v->scope_so = 0;
	v->scope_eo = f->eo;
	add_var(f, v);
	return CXChildVisit_Continue;
}

/* ---- top level -------------------------------------------------------- */

static int in_main_file(struct unit *u, CXCursor c)
{
	CXFile f;
	unsigned l, col, off;
	clang_getExpansionLocation(clang_getCursorLocation(c), &f, &l, &col, &off);
	return clang_File_isEqual(f, u->file);
}

static void add_global(struct unit *u, CXCursor c)
{
	if (u->nglobals == u->cap_globals) {
		u->cap_globals = u->cap_globals ? u->cap_globals * 2 : 32;
		u->globals = xrealloc(u->globals, sizeof(*u->globals) * (size_t)u->cap_globals);
	}
	struct global *g = &u->globals[u->nglobals++];
	memset(g, 0, sizeof(*g));
	g->cur = c;
	g->cname = cxstr(clang_getCursorSpelling(c));
	g->type = clang_getCursorType(c);
	if (clang_getCursorLinkage(c) == CXLinkage_Internal)
		g->name = xasprintf("%s:%s", u->path, g->cname);
	else
		g->name = xstrdup(g->cname);
}

static enum CXChildVisitResult top_visit(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	struct unit *u = data;
	enum CXCursorKind k = clang_getCursorKind(c);
	if (k == CXCursor_VarDecl) {
		if (clang_Location_isInSystemHeader(clang_getCursorLocation(c)))
			return CXChildVisit_Continue;
		if (clang_Cursor_getStorageClass(c) == CX_SC_Extern)
			return CXChildVisit_Continue;
		/* one entry per variable, even when declared tentatively twice */
		CXCursor def = clang_getCursorDefinition(c);
		if (!clang_Cursor_isNull(def) && !clang_equalCursors(def, c))
			return CXChildVisit_Continue;
		for (int i = 0; i < u->nglobals; i++) {
			if (clang_equalCursors(clang_getCanonicalCursor(u->globals[i].cur),
			                       clang_getCanonicalCursor(c)))
				return CXChildVisit_Continue;
		}
		add_global(u, c);
		return CXChildVisit_Continue;
	}
	if (k != CXCursor_FunctionDecl || !clang_isCursorDefinition(c) || !in_main_file(u, c))
		return CXChildVisit_Continue;

	struct func *f = xcalloc(1, sizeof(*f));
	f->cur = c;
	f->name = cxstr(clang_getCursorSpelling(c));
	f->is_static = clang_Cursor_getStorageClass(c) == CX_SC_Static;
	f->is_main = strcmp(f->name, "main") == 0 && !f->is_static;
	struct node tmp;
	memset(&tmp, 0, sizeof(tmp));
	tmp.cur = c;
	set_extent(u, &tmp);
	f->so = tmp.so;
	f->eo = tmp.eo;
	{
		CXFile fl;
		unsigned l, col;
		clang_getExpansionLocation(clang_getCursorLocation(c), &fl, &l, &col, &f->name_off);
	}
	f->ret_type = clang_getResultType(clang_getCursorType(c));
	if (clang_getCanonicalType(f->ret_type).kind != CXType_Void)
		f->ret_spell = cxstr(clang_getTypeSpelling(f->ret_type));
	struct param_ctx pctx = {u, f};
	clang_visitChildren(c, param_visit, &pctx);
	/* the body is the compound statement child */
	struct node root;
	memset(&root, 0, sizeof(root));
	struct build_ctx cx = {u, f, &root};
	clang_visitChildren(c, build_visit, &cx);
	for (int i = 0; i < root.nkids; i++) {
		if (root.kids[i]->kind == N_COMPOUND) {
			f->body = root.kids[i];
			f->body->parent = NULL;
		} else {
			free_node(root.kids[i]); /* a parameter's subtree: the walk is done */
		}
	}
	free(root.kids);
	if (!f->body)
		return CXChildVisit_Continue;
	/* append in source order */
	f->index = u->nfuncs++;
	struct func **pp = u->funcs_tail ? u->funcs_tail : &u->funcs;
	*pp = f;
	u->funcs_tail = &f->next;
	return CXChildVisit_Continue;
}

long long front_const_value(struct node *n)
{
	CXEvalResult r = clang_Cursor_Evaluate(n->cur);
	long long v = -1;
	if (r) {
		if (clang_EvalResult_getKind(r) == CXEval_Int)
			v = clang_EvalResult_getAsLongLong(r);
		clang_EvalResult_dispose(r);
	}
	return v < 0 ? -1 : v;
}

static int by_name(const void *a, const void *b)
{
	const struct func *f = *(struct func *const *)a, *g = *(struct func *const *)b;
	int c = strcmp(f->name, g->name);
	return c ? c : f->index - g->index;
}

/* The unit's functions sorted by name (then source order), for
 * front_func_by_name: a lookup per call node must not walk the list.
 * front_parse builds it once every function is known. */
static void index_funcs(struct unit *u)
{
	int i = 0;
	u->byname = xcalloc((size_t)u->nfuncs + 1, sizeof(*u->byname));
	for (struct func *f = u->funcs; f; f = f->next)
		u->byname[i++] = f;
	qsort(u->byname, (size_t)i, sizeof(*u->byname), by_name);
}

struct func *front_func_by_name(struct unit *u, const char *name)
{
	int lo = 0, hi = u->byname ? u->nfuncs : 0; /* the first with a name >= name */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (strcmp(u->byname[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < u->nfuncs && strcmp(u->byname[lo]->name, name) == 0 ? u->byname[lo] : NULL;
}

/* Finds `#pragma mpp ...` lines outside comments and skipped #if blocks. */
static void scan_pragmas(struct unit *u)
{
	CXSourceRangeList *skipped = clang_getSkippedRanges(u->tu, u->file);
	unsigned i = 0;
	int at_line_start = 1;
	while (i < u->len) {
		char c = u->src[i];
		if (c == '/' && i + 1 < u->len && (u->src[i + 1] == '*' || u->src[i + 1] == '/')) {
			unsigned j = skip_space(u, i);
			for (unsigned k = i; k < j; k++)
				if (u->src[k] == '\n')
					at_line_start = 1;
			i = j;
			continue;
		}
		if (c == '"' || c == '\'') {
			i = skip_literal(u, i);
			at_line_start = 0;
			continue;
		}
		if (c == '\n') {
			at_line_start = 1;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
			continue;
		}
		if (c == '#' && at_line_start) {
			unsigned start = i;
			unsigned j = i + 1;
			while (j < u->len && (u->src[j] == ' ' || u->src[j] == '\t'))
				j++;
			unsigned end = j;
			while (end < u->len && u->src[end] != '\n') {
				if (u->src[end] == '\\' && end + 1 < u->len && u->src[end + 1] == '\n')
					end++;
				end++;
			}
			if (u->len - j >= 6 && memcmp(u->src + j, "pragma", 6) == 0 &&
			    (u->src[j + 6] == ' ' || u->src[j + 6] == '\t')) {
				int skip = 0;
				for (unsigned s = 0; skipped && s < skipped->count; s++) {
					CXFile f;
					unsigned l, col, so, eo;
					clang_getSpellingLocation(clang_getRangeStart(skipped->ranges[s]), &f, &l, &col,
					                          &so);
					clang_getSpellingLocation(clang_getRangeEnd(skipped->ranges[s]), &f, &l, &col,
					                          &eo);
					if (start >= so && start < eo)
						skip = 1;
				}
				unsigned t = j + 6;
				while (t < end && (u->src[t] == ' ' || u->src[t] == '\t'))
					t++;
				if (!skip) {
					char *text = xcalloc(end - t + 1, 1);
					memcpy(text, u->src + t, end - t);
					unsigned col, line = front_line_of(u, t, &col);
					struct mpp_pragma p;
					char err[512];
					int rc = mpp_pragma_parse(text, u->path, line, col, &p, err, sizeof(err));
					if (rc < 0) {
						fprintf(stderr, "%s\n", err);
						u->errors++;
					} else if (rc == 0) {
						u->pragmas = xrealloc(u->pragmas,
						                      sizeof(*u->pragmas) * (size_t)(u->npragmas + 1));
						struct pragma_at *pa = &u->pragmas[u->npragmas++];
						memset(pa, 0, sizeof(*pa));
						pa->p = p;
						pa->so = start;
						pa->eo = end;
					}
					free(text);
				}
			}
			i = end;
			continue;
		}
		at_line_start = 0;
		i++;
	}
	if (skipped)
		clang_disposeSourceRangeList(skipped);
}

/* ---- functions used as values ------------------------------------------
 * A function that only ever is called directly can be no function pointer
 * of the state: its table entry needs no address (translate.c), which
 * leaves the compiler free to inline a static function called once. Every
 * other reference (an argument, an initializer, &f) takes its address. */
struct site {
	unsigned off; /* where a DeclRefExpr naming the callee of a call is spelled */
	CXFile f;
};

struct callees {
	struct site *v; /* sorted by offset before addr_visit */
	int n, cap;
	struct unit *u;
};

static int by_off(const void *a, const void *b)
{
	unsigned x = ((const struct site *)a)->off, y = ((const struct site *)b)->off;
	return (x > y) - (x < y);
}

/* Whether a DeclRefExpr spelled at off in file names the callee of a call. */
static int is_callee(const struct callees *cs, CXFile file, unsigned off)
{
	int lo = 0, hi = cs->n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (cs->v[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < cs->n && cs->v[lo].off == off; lo++)
		if (clang_File_isEqual(cs->v[lo].f, file))
			return 1;
	return 0;
}

static void spelled_at(CXCursor c, CXFile *f, unsigned *off)
{
	clang_getSpellingLocation(clang_getCursorLocation(c), f, NULL, NULL, off);
}

static enum CXChildVisitResult first_child(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	*(CXCursor *)data = c;
	return CXChildVisit_Break;
}

static enum CXChildVisitResult callee_visit(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	struct callees *cs = data;
	if (clang_getCursorKind(c) == CXCursor_CallExpr) {
		/* the callee is the first child, under implicit casts and parens */
		CXCursor k = clang_getNullCursor();
		clang_visitChildren(c, first_child, &k);
		for (int depth = 0; depth < 8 && !clang_Cursor_isNull(k); depth++) {
			enum CXCursorKind kk = clang_getCursorKind(k);
			if (kk == CXCursor_DeclRefExpr) {
				if (cs->n == cs->cap) {
					cs->cap = cs->cap ? cs->cap * 2 : 256;
					cs->v = xrealloc(cs->v, sizeof(*cs->v) * (size_t)cs->cap);
				}
				spelled_at(k, &cs->v[cs->n].f, &cs->v[cs->n].off);
				cs->n++;
				break;
			}
			if (kk != CXCursor_UnexposedExpr && kk != CXCursor_ParenExpr)
				break;
			CXCursor next = clang_getNullCursor();
			clang_visitChildren(k, first_child, &next);
			k = next;
		}
	}
	return CXChildVisit_Recurse;
}

static enum CXChildVisitResult addr_visit(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	struct callees *cs = data;
	if (clang_getCursorKind(c) != CXCursor_DeclRefExpr)
		return CXChildVisit_Recurse;
	CXCursor d = clang_getCursorReferenced(c);
	if (clang_getCursorKind(d) != CXCursor_FunctionDecl)
		return CXChildVisit_Continue;
	char *name = cxstr(clang_getCursorSpelling(d));
	struct func *f = front_func_by_name(cs->u, name);
	free(name);
	if (!f || !clang_equalCursors(clang_getCanonicalCursor(f->cur), clang_getCanonicalCursor(d)))
		return CXChildVisit_Continue; /* not defined in this file */
	CXFile file;
	unsigned off;
	spelled_at(c, &file, &off);
	int callee = is_callee(cs, file, off);
	f->ncalls += callee;
	f->addr_taken |= !callee;
	return CXChildVisit_Continue;
}

int front_parse(struct unit *u, const char *path, const char *const *args, int nargs)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "mppcc: error: cannot open '%s': %m\n", path);
		return -1;
	}
	size_t cap = 1 << 16;
	u->src = xcalloc(cap, 1);
	size_t n;
	while ((n = fread(u->src + u->len, 1, cap - u->len - 1, fp)) > 0) {
		u->len += n;
		if (u->len + 1 >= cap) {
			cap *= 2;
			u->src = xrealloc(u->src, cap);
		}
	}
	u->src[u->len] = 0;
	fclose(fp);
	u->path = path;

	u->index = clang_createIndex(0, 0);
	enum CXErrorCode ec = clang_parseTranslationUnit2(
	    u->index, path, args, nargs, NULL, 0,
	    CXTranslationUnit_DetailedPreprocessingRecord | CXTranslationUnit_KeepGoing, &u->tu);
	if (ec != CXError_Success || !u->tu) {
		fprintf(stderr, "mppcc: error: libclang could not parse '%s' (code %d)\n", path, (int)ec);
		return -1;
	}
	int bad = 0;
	for (unsigned i = 0; i < clang_getNumDiagnostics(u->tu); i++) {
		CXDiagnostic d = clang_getDiagnostic(u->tu, i);
		if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error)
			bad = 1;
		clang_disposeDiagnostic(d);
	}
	if (bad)
		return 1; /* the caller lets the real compiler report it */
	u->file = clang_getFile(u->tu, path);
	clang_visitChildren(clang_getTranslationUnitCursor(u->tu), top_visit, u);
	index_funcs(u);
	struct callees cs = {NULL, 0, 0, u};
	clang_visitChildren(clang_getTranslationUnitCursor(u->tu), callee_visit, &cs);
	if (cs.n)
		qsort(cs.v, (size_t)cs.n, sizeof(*cs.v), by_off);
	clang_visitChildren(clang_getTranslationUnitCursor(u->tu), addr_visit, &cs);
	free(cs.v);
	scan_pragmas(u);
	return u->errors ? -1 : 0;
}

static void free_node(struct node *n)
{
	if (!n)
		return;
	for (int i = 0; i < n->nkids; i++)
		free_node(n->kids[i]);
	free(n->kids);
	free(n->callee_name);
	free(n);
}

void front_free(struct unit *u)
{
	struct func *f = u->funcs;
	while (f) {
		struct func *nx = f->next;
		free_node(f->body);
		for (int i = 0; i < f->nvars; i++) {
			free(f->vars[i]->name);
			free(f->vars[i]->hoisted);
			free(f->vars[i]->decl_text);
			free(f->vars[i]->uses);
			free(f->vars[i]);
		}
		free(f->vars);
		free(f->points);
		free(f->name);
		free(f->ret_spell);
		free(f);
		f = nx;
	}
	for (int i = 0; i < u->nglobals; i++) {
		free(u->globals[i].name);
		free(u->globals[i].cname);
	}
	free(u->globals);
	for (int i = 0; i < u->npragmas; i++)
		mpp_pragma_free(&u->pragmas[i].p);
	free(u->pragmas);
	free(u->byname);
	free(u->onrestore);
	if (u->tu)
		clang_disposeTranslationUnit(u->tu);
	if (u->index)
		clang_disposeIndex(u->index);
	free(u->src);
}
