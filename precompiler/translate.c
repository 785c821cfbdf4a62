/* translate.c: one C file in, one translated C file out. Runs the front
 * end, the analyses and the rewriter, hoists function-local statics to file
 * scope, and appends the unit's tables (types, sites, globals, functions)
 * with the constructor that registers them. */
#include "translate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "edit.h"
#include "libcalls.h"
#include "rewrite.h"
#include "types.h"

#define MPPCC_VERSION "mppcc 0.1"

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static unsigned name_off(CXCursor c, int *ok)
{
	CXFile f;
	unsigned l, col, off, soff;
	clang_getExpansionLocation(clang_getCursorLocation(c), &f, &l, &col, &off);
	clang_getSpellingLocation(clang_getCursorLocation(c), &f, &l, &col, &soff);
	*ok = off == soff;
	return off;
}

static void rename_refs(struct edits *ed, struct unit *u, struct node *n, struct var *v)
{
	if (n->kind == N_DECLREF && n->var == v) {
		if (n->exact)
			edit_replace(ed, n->so, n->eo, v->hoisted);
		else
			front_error(u, n->so,
			            "static variable '%s' used inside a macro expansion: mppcc must rename it",
			            v->name);
	}
	for (int i = 0; i < n->nkids; i++)
		rename_refs(ed, u, n->kids[i], v);
}

/* Keeps the text on one line (so line numbers stay right), turning
 * line comments into block comments. */
static char *one_line(const char *s)
{
	struct sbuf b = {0};
	for (const char *p = s; *p; p++) {
		if (p[0] == '/' && p[1] == '/') {
			sb_add(&b, "/*");
			p += 2;
			while (*p && *p != '\n')
				sb_addn(&b, p++, 1);
			sb_add(&b, "*/ ");
			if (!*p)
				break;
		} else if (*p == '\n') {
			sb_add(&b, " ");
		} else {
			sb_addn(&b, p, 1);
		}
	}
	return sb_take(&b);
}

/* Function-local statics become file-scope variables with unique names, so
 * the unit can register them like any global. */
static void hoist_statics(struct unit *u, struct func *f, struct edits *ed)
{
	for (int i = 0; i < f->nvars; i++) {
		struct var *v = f->vars[i];
		if (!v->is_static || v->hoisted)
			continue;
		struct node *ds = v->declstmt;
		/* all statics of this declaration statement move together */
		for (int j = i; j < f->nvars; j++) {
			struct var *w = f->vars[j];
			if (!w->is_static || w->declstmt != ds)
				continue;
			w->hoisted = xasprintf("__mpp_s_%s_%s_%d", f->name, w->name, j);
			int ok;
			unsigned off = name_off(w->cur, &ok);
			if (!ok) {
				front_error(
				    u, w->so,
				    "static variable '%s' declared through a macro: mppcc must move it to file scope",
				    w->name);
				continue;
			}
			edit_replace(ed, off, off + (unsigned)strlen(w->name), w->hoisted);
			rename_refs(ed, u, f->body, w);
			if (u->nglobals == u->cap_globals) {
				u->cap_globals = u->cap_globals ? u->cap_globals * 2 : 32;
				u->globals = xrealloc(u->globals, sizeof(*u->globals) * (size_t)u->cap_globals);
			}
			struct global *g = &u->globals[u->nglobals++];
			memset(g, 0, sizeof(*g));
			g->cur = w->cur;
			g->type = w->type;
			g->cname = xstrdup(w->hoisted);
			/* two statics of one function may share a name in different blocks */
			g->name = xasprintf("%s:%s:%s@%u", u->path, f->name, w->name, front_line_of(u, w->so, NULL));
			g->nosave = w->nosave;
			g->hoisted = 1;
		}
		unsigned end = front_stmt_end(u, ds);
		char *text = edit_render(ed, ds->so, end);
		char *flat = one_line(text);
		char *ins = xasprintf("%s ", flat);
		/* before the function; a main without a return type (K&R, or
		 * implicit int) starts with its name, which rename_main replaces:
		 * a right insertion there would go with the name */
		int side = f->is_main && f->name_off == f->so ? EDIT_LEFT : EDIT_RIGHT;
		edit_insert(ed, f->so, side, ins);
		/* keep the line count: blank out the old declaration */
		struct sbuf blank = {0};
		for (unsigned k = ds->so; k < end; k++)
			sb_add(&blank, u->src[k] == '\n' ? "\n" : "");
		edit_replace(ed, ds->so, end, blank.s ? blank.s : "");
		free(blank.s);
		free(ins);
		free(flat);
		free(text);
	}
}

static int is_const_type(CXType t)
{
	CXType c = clang_getCanonicalType(t);
	while (c.kind == CXType_ConstantArray || c.kind == CXType_IncompleteArray)
		c = clang_getCanonicalType(clang_getArrayElementType(c));
	return clang_isConstQualifiedType(c);
}

static void emit_tables(struct unit *u, struct typegen *tg, struct libcalls *lc, struct sbuf *sites, struct sbuf *out,
                        uint64_t fp)
{
	int nfuncs = u->nfuncs + libcalls_nfuncs(lc);
	struct sbuf gl = {0};
	int ng = 0;
	for (int i = 0; i < u->nglobals; i++) {
		struct global *g = &u->globals[i];
		int is_const = is_const_type(g->type);
		char *why = NULL;
		const char *ref = types_ref(tg, g->type, NULL, &why);
		if (!ref) {
			if (!is_const && !g->nosave)
				front_error(u, 0,
				            "cannot save global variable '%s': %s (if it is recomputed after a "
				            "restore, exclude it with '#pragma mpp nosave(%s)')",
				            g->cname, why ? why : "unsupported type", g->cname);
			free(why);
			continue;
		}
		sb_printf(&gl, "\t{\"%s\", (void *)&%s, %s, %s},\n", g->name, g->cname, ref,
		          is_const    ? "MPP_G_CONST"
		          : g->nosave ? "MPP_G_NOSAVE"
		                      : "0");
		ng++;
	}
	sb_add(out, "\n/* ---- mpp tables, generated by " MPPCC_VERSION " ---- */\n");
	types_emit_defs(tg, out);
	if (sites->s)
		sb_add(out, sites->s);
	if (ng)
		sb_printf(out, "static const struct mpp_global __mpp_globals[] = {\n%s};\n", gl.s);
	free(gl.s);
	libcalls_emit_wrappers(lc, out);
	if (nfuncs) {
		sb_printf(out, "static const struct mpp_func __mpp_funcs[%d] = {\n", nfuncs);
		for (struct func *f = u->funcs; f; f = f->next) {
			const char *cn = f->is_main ? "__mpp_user_main" : f->name;
			char *rn = f->is_static ? xasprintf("%s:%s", u->path, f->name) : xstrdup(f->name);
			if (f->nsites)
				sb_printf(out, "\t{\"%s\", (void (*)(void))%s, %d, __mpp_sites%d},\n", rn, cn,
				          f->nsites, f->index);
			else if (f->is_static && !f->addr_taken)
				/* no frame, no pointer to it: the address is never needed,
				 * and taking it would keep gcc from inlining the function */
				sb_printf(out, "\t{\"%s\", 0, 0, 0},\n", rn);
			else
				sb_printf(out, "\t{\"%s\", (void (*)(void))%s, 0, 0},\n", rn, cn);
			free(rn);
		}
		libcalls_emit_funcs(lc, u, out);
		sb_add(out, "};\n");
	}
	sb_printf(
	    out, "static const struct mpp_unit __mpp_unit = {MPP_ABI_VERSION, \"%s\", 0x%016llxULL, %d, %s, %d, %s};\n",
	    u->path, (unsigned long long)fp, ng, ng ? "__mpp_globals" : "0", nfuncs, nfuncs ? "__mpp_funcs" : "0");
	if (u->onrestore)
		sb_printf(out, "void %s(void);\n", u->onrestore);
	sb_add(out, "static void __mpp_register(void) __attribute__((constructor));\n"
	            "static void __mpp_register(void)\n{\n\tmpp_register_unit(&__mpp_unit);\n");
	if (u->onrestore)
		sb_printf(out, "\tmpp_on_restore(%s);\n", u->onrestore);
	sb_add(out, "}\n");
}

/* Feature-test macros (_GNU_SOURCE...) defined before the file's first
 * #include must also come before <mpp.h>, whose own includes would
 * otherwise fix the C library's feature set without them. */
static void feature_macros(const struct unit *u, struct sbuf *out)
{
	const char *s = u->src, *end = u->src + u->len;

	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		const char *p = s, *q;
		if (!eol)
			eol = end;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if (p < eol && *p == '#') {
			for (p++; p < eol && (*p == ' ' || *p == '\t'); p++)
				;
			if (eol - p >= 7 && !strncmp(p, "include", 7))
				return;
			if (eol - p >= 7 && !strncmp(p, "define", 6) && (p[6] == ' ' || p[6] == '\t')) {
				for (q = p + 6; q < eol && (*q == ' ' || *q == '\t'); q++)
					;
				const char *name = q;
				while (q < eol && (*q == '_' || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
					q++;
				/* reserved names only (_GNU_SOURCE, _FILE_OFFSET_BITS...), and no continuation lines */
				if (name[0] == '_' && q - name > 1 && name[1] >= 'A' && name[1] <= 'Z' &&
				    eol[-1] != '\\' && (q == eol || *q == ' ' || *q == '\t' || *q == '\r'))
					sb_printf(out, "%.*s\n", (int)(eol - s), s);
			}
		}
		s = eol + 1;
	}
}

static void emit_thunk(struct unit *u, struct func *m, struct sbuf *out)
{
	int np = 0;
	for (int i = 0; i < m->nvars; i++)
		np += m->vars[i]->is_param;
	const char *args = np >= 3 ? "argc, argv, envp" : np == 2 ? "argc, argv" : "";
	(void)u;
	sb_add(out, "int __mpp_main_thunk(int argc, char **argv, char "
	            "**envp)\n{\n\t(void)argc;\n\t(void)argv;\n\t(void)envp;\n");
	if (m->ret_spell)
		sb_printf(out, "\treturn __mpp_user_main(%s);\n}\n", args);
	else
		sb_printf(out, "\t__mpp_user_main(%s);\n\treturn 0;\n}\n", args);
}

/* main becomes __mpp_user_main (the runtime's main calls it): inside it,
 * the names the compiler gives the function still say "main". */
static void rename_main(struct unit *u, struct func *f, struct edits *ed)
{
	struct sbuf a = {0}, b = {0};
	sb_add(&a, "\n");
	sb_add(&b, "\n");
	sb_func_name(&a, "main");
	sb_func_name(&b, NULL);
	sb_printf(&a, "#line %u \"%s\"\n", front_line_of(u, f->so, NULL), u->path);
	sb_printf(&b, "#line %u \"%s\"\n", front_line_of(u, f->body->eo, NULL), u->path);
	edit_insert(ed, f->so, EDIT_LEFT, a.s);
	edit_insert(ed, f->body->eo, EDIT_LEFT, b.s);
	edit_replace(ed, f->name_off, f->name_off + 4, "__mpp_user_main");
	free(a.s);
	free(b.s);
}

int translate_file(const struct translate_opts *o)
{
	struct unit u;
	memset(&u, 0, sizeof(u));
	u.auto_points = o->auto_points;
	int rc = front_parse(&u, o->input, o->clang_args, o->nclang_args);
	if (rc != 0) {
		front_free(&u);
		return rc; /* 1: the compiler will report the error in the user's code */
	}
	if (analyze(&u) < 0) {
		front_free(&u);
		return -1;
	}
	struct edits ed;
	edit_init(&ed, u.src, u.len);
	struct typegen *tg = types_new();
	struct libcalls *lc = libcalls_new();
	struct sbuf sites = {0}, out = {0};
	for (struct func *f = u.funcs; f; f = f->next)
		libcalls_function(lc, &u, f, &ed, tg);
	libcalls_globals(lc, &u, &ed);
	for (struct func *f = u.funcs; f; f = f->next)
		hoist_statics(&u, f, &ed);
	/* the compiler does not know our pragmas: drop the lines (not the
	 * newlines); points are replaced by their poll code later */
	for (int i = 0; i < u.npragmas; i++)
		if (u.pragmas[i].p.kind != MPP_PRAGMA_POINT)
			edit_replace(&ed, u.pragmas[i].so, u.pragmas[i].eo, "");
	for (struct func *f = u.funcs; f; f = f->next) {
		if (f->is_main)
			rename_main(&u, f, &ed);
		rewrite_function(&u, f, &ed, tg, &sites);
	}
	uint64_t fp = fnv1a(0xcbf29ce484222325ULL, u.src, u.len);
	fp = fnv1a(fp, MPPCC_VERSION, strlen(MPPCC_VERSION));
	/* the tables first: every type they need must be declared up front */
	struct sbuf tail = {0};
	emit_tables(&u, tg, lc, &sites, &tail, fp);
	libcalls_emit_defs(lc, &u, &tail);
	sb_printf(&out, "/* Translated by " MPPCC_VERSION " from %s: regenerated on every build. */\n", u.path);
	feature_macros(&u, &out);
	sb_add(&out, "#include <mpp.h>\n");
	/* saving a variable that is not yet set is harmless, but gcc says so */
	sb_add(&out, "#if defined(__GNUC__) && !defined(__clang__)\n#pragma GCC diagnostic ignored "
	             "\"-Wmaybe-uninitialized\"\n#endif\n");
	if (u.nfuncs + libcalls_nfuncs(lc))
		sb_printf(&out, "static const struct mpp_func __mpp_funcs[%d];\n", u.nfuncs + libcalls_nfuncs(lc));
	types_emit_decls(tg, &out);
	libcalls_emit_decls(lc, &out);
	sb_printf(&out, "#line 1 \"%s\"\n", u.path);
	char *body = edit_render(&ed, 0, (unsigned)u.len);
	sb_add(&out, body);
	free(body);
	unsigned last = front_line_of(&u, (unsigned)u.len, NULL);
	sb_printf(&out, "\n#line %u \"%s\"\n", last + 1, u.path);
	sb_add(&out, tail.s);
	free(tail.s);
	struct func *m = front_func_by_name(&u, "main");
	if (m && m->is_main)
		emit_thunk(&u, m, &out);
	rc = u.errors ? -1 : 0;
	if (rc == 0) {
		FILE *fp_out = fopen(o->output, "w");
		if (!fp_out) {
			fprintf(stderr, "mppcc: error: cannot write '%s': %m\n", o->output);
			rc = -1;
		} else {
			fwrite(out.s, 1, out.n, fp_out);
			if (fclose(fp_out) != 0) {
				fprintf(stderr, "mppcc: error: cannot write '%s': %m\n", o->output);
				rc = -1;
			}
		}
	}
	free(out.s);
	free(sites.s);
	types_free(tg);
	libcalls_free(lc);
	edit_free(&ed);
	front_free(&u);
	return rc;
}
