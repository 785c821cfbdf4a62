/* types.c: type tables. For each C type that saved data can have, emit a
 * struct mpp_type whose sizes and offsets are sizeof/offsetof expressions,
 * so the target compiler supplies its own layout. */
#include "types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edit.h"

struct tentry {
	char *key; /* canonical spelling: identifies the type */
	char *ref; /* "&mpp_t_int" or "&__mpp_tyN" */
	int id;
	int bad; /* cannot be described (message in why) */
	char *why;
	int has_ptr; /* contains a data or function pointer */
};

struct typegen {
	struct tentry *v;
	int n, cap;
	struct sbuf decls; /* forward declarations */
	struct sbuf defs;  /* definitions */
};

struct typegen *types_new(void)
{
	return xcalloc(1, sizeof(struct typegen));
}

void types_free(struct typegen *tg)
{
	for (int i = 0; i < tg->n; i++) {
		free(tg->v[i].key);
		free(tg->v[i].ref);
		free(tg->v[i].why);
	}
	free(tg->v);
	free(tg->decls.s);
	free(tg->defs.s);
	free(tg);
}

static const char *scalar_ref(enum CXTypeKind k)
{
	switch (k) {
	case CXType_Bool: return "&mpp_t_bool";
	case CXType_Char_S:
	case CXType_Char_U: return "&mpp_t_char";
	case CXType_SChar: return "&mpp_t_schar";
	case CXType_UChar: return "&mpp_t_uchar";
	case CXType_Short: return "&mpp_t_short";
	case CXType_UShort: return "&mpp_t_ushort";
	case CXType_Int: return "&mpp_t_int";
	case CXType_UInt: return "&mpp_t_uint";
	case CXType_Long: return "&mpp_t_long";
	case CXType_ULong: return "&mpp_t_ulong";
	case CXType_LongLong: return "&mpp_t_llong";
	case CXType_ULongLong: return "&mpp_t_ullong";
	case CXType_Float: return "&mpp_t_float";
	case CXType_Double: return "&mpp_t_double";
	case CXType_LongDouble: return "&mpp_t_ldouble";
	default: return NULL;
	}
}

/* A spelling of t usable at file scope, or NULL. */
static char *file_scope_spelling(CXType t)
{
	char *s = cxstr(clang_getTypeSpelling(t));
	if (strstr(s, "(unnamed") || strstr(s, "(anonymous")) {
		free(s);
		return NULL;
	}
	CXCursor d = clang_getTypeDeclaration(clang_getCanonicalType(t));
	if (!clang_Cursor_isNull(d)) {
		CXCursor p = clang_getCursorSemanticParent(d);
		enum CXCursorKind k = clang_getCursorKind(p);
		if (k == CXCursor_FunctionDecl) {
			free(s);
			return NULL;
		}
	}
	/* a typedef declared inside a function is not visible at file scope */
	if (t.kind == CXType_Typedef) {
		CXCursor td = clang_getTypeDeclaration(t);
		if (clang_getCursorKind(clang_getCursorSemanticParent(td)) == CXCursor_FunctionDecl) {
			free(s);
			return NULL;
		}
	}
	return s;
}

struct field_ctx {
	struct typegen *tg;
	const char *spell;
	struct sbuf *fields;
	int nfields;
	int bad;
	char *why;
	int has_ptr;
};

static int gen(struct typegen *tg, CXType t, const char *spell, struct tentry **out);

static enum CXVisitorResult field_visit(CXCursor c, CXClientData data)
{
	struct field_ctx *fc = data;
	if (fc->bad)
		return CXVisit_Break;
	char *fname = cxstr(clang_getCursorSpelling(c));
	if (clang_Cursor_isBitField(c) || !fname[0] || clang_Cursor_isAnonymousRecordDecl(c)) {
		fc->bad = 1;
		fc->why = xasprintf("it has a %s member", fname[0] ? "bit-field" : "unnamed");
		free(fname);
		return CXVisit_Break;
	}
	CXType ft = clang_getCursorType(c);
	char *fspell = file_scope_spelling(ft);
	if (!fspell)
		fspell = xasprintf("__typeof__(((%s *)0)->%s)", fc->spell, fname);
	struct tentry *te;
	if (gen(fc->tg, ft, fspell, &te) < 0 || te->bad) {
		fc->bad = 1;
		fc->why = xasprintf("member '%s': %s", fname, te && te->why ? te->why : "unsupported type");
	} else {
		fc->has_ptr |= te->has_ptr;
		sb_printf(fc->fields, "{\"%s\", offsetof(%s, %s), %s}, ", fname, fc->spell, fname, te->ref);
		fc->nfields++;
	}
	free(fspell);
	free(fname);
	return fc->bad ? CXVisit_Break : CXVisit_Continue;
}

static struct tentry *new_entry(struct typegen *tg, const char *key, const char *ref)
{
	if (tg->n == tg->cap) {
		tg->cap = tg->cap ? tg->cap * 2 : 32;
		tg->v = xrealloc(tg->v, sizeof(*tg->v) * (size_t)tg->cap);
	}
	struct tentry *e = &tg->v[tg->n];
	memset(e, 0, sizeof(*e));
	e->id = ++tg->n;
	e->key = xstrdup(key);
	if (ref) {
		e->ref = xstrdup(ref);
	} else {
		e->ref = xasprintf("&__mpp_ty%d", e->id);
		sb_printf(&tg->decls, "static const struct mpp_type __mpp_ty%d __attribute__((unused));\n", e->id);
	}
	return e;
}

static int is_fn(CXType t)
{
	return t.kind == CXType_FunctionProto || t.kind == CXType_FunctionNoProto;
}

/* Finds or creates the descriptor of t. spell: a file-scope spelling of t. */
static int gen(struct typegen *tg, CXType t, const char *spell, struct tentry **out)
{
	CXType c = clang_getCanonicalType(t);
	char *key = cxstr(clang_getTypeSpelling(c));
	for (int i = 0; i < tg->n; i++) {
		if (strcmp(tg->v[i].key, key) == 0) {
			*out = &tg->v[i];
			free(key);
			return 0;
		}
	}
	const char *sref = scalar_ref(c.kind);
	int idx;
	if (sref) {
		/* scalars point at the runtime's own descriptors */
		*out = new_entry(tg, key, sref);
		free(key);
		return 0;
	}
	int is_fnptr = c.kind == CXType_Pointer && is_fn(clang_getCanonicalType(clang_getPointeeType(c)));
	struct tentry *e = new_entry(tg, key, is_fnptr ? "&mpp_t_fnptr" : NULL);
	idx = (int)(e - tg->v);
	free(key);
	switch (c.kind) {
	case CXType_Pointer: {
		CXType p = clang_getCanonicalType(clang_getPointeeType(c));
		if (is_fn(p)) {
			tg->v[idx].has_ptr = 1;
			break;
		}
		const char *elem = "0";
		char *pspell = NULL;
		struct tentry *pe = NULL;
		if (p.kind != CXType_Void && clang_Type_getSizeOf(p) > 0) {
			pspell = file_scope_spelling(clang_getPointeeType(t));
			if (pspell && gen(tg, clang_getPointeeType(t), pspell, &pe) == 0 && !pe->bad)
				elem = pe->ref;
		}
		sb_printf(&tg->defs,
		          "static const struct mpp_type __mpp_ty%d = {MPP_K_PTR, sizeof(void *), _Alignof(void *), "
		          "\"%s\", %s, 0, 0};\n",
		          tg->v[idx].id, tg->v[idx].key, elem);
		tg->v[idx].has_ptr = 1;
		free(pspell);
		break;
	}
	case CXType_ConstantArray: {
		CXType el = clang_getArrayElementType(t);
		char *espell = file_scope_spelling(el);
		if (!espell)
			espell = xasprintf("__typeof__(((%s *)0)[0][0])", spell);
		struct tentry *ee;
		if (gen(tg, el, espell, &ee) < 0 || ee->bad) {
			tg->v[idx].bad = 1;
			tg->v[idx].why = xstrdup(ee && ee->why ? ee->why : "unsupported element type");
		} else {
			tg->v[idx].has_ptr = ee->has_ptr;
			sb_printf(&tg->defs,
			          "static const struct mpp_type __mpp_ty%d = {MPP_K_ARRAY, sizeof(%s), _Alignof(%s), "
			          "\"%s\", %s, %lld, 0};\n",
			          tg->v[idx].id, spell, spell, tg->v[idx].key, ee->ref,
			          (long long)clang_getArraySize(c));
		}
		free(espell);
		break;
	}
	case CXType_Record: {
		CXCursor d = clang_getTypeDeclaration(c);
		int is_union = clang_getCursorKind(d) == CXCursor_UnionDecl;
		if (clang_Type_getSizeOf(c) < 0) {
			tg->v[idx].bad = 1;
			tg->v[idx].why = xstrdup("incomplete type");
			break;
		}
		struct sbuf fields = {0};
		struct field_ctx fc = {tg, spell, &fields, 0, 0, NULL, 0};
		clang_Type_visitFields(c, field_visit, &fc);
		if (fc.bad) {
			/* copied as bytes: fine on the same architecture unless pointers hide inside */
			sb_printf(&tg->defs,
			          "static const struct mpp_type __mpp_ty%d = {MPP_K_OPAQUE, sizeof(%s), _Alignof(%s), "
			          "\"%s\", 0, 0, 0};\n",
			          tg->v[idx].id, spell, spell, tg->v[idx].key);
			tg->v[idx].why = fc.why;
		} else {
			char fl[32] = "0"; /* the field table, if any */
			if (fc.nfields) {
				sb_printf(&tg->defs, "static const struct mpp_field __mpp_fl%d[] = {%s};\n",
				          tg->v[idx].id, fields.s);
				snprintf(fl, sizeof(fl), "__mpp_fl%d", tg->v[idx].id);
			}
			sb_printf(&tg->defs,
			          "static const struct mpp_type __mpp_ty%d = {%s, sizeof(%s), _Alignof(%s), \"%s\", 0, "
			          "%d, %s};\n",
			          tg->v[idx].id, is_union ? "MPP_K_UNION" : "MPP_K_STRUCT", spell, spell,
			          tg->v[idx].key, fc.nfields, fl);
			tg->v[idx].has_ptr = fc.has_ptr;
		}
		free(fields.s);
		break;
	}
	case CXType_Enum:
		sb_printf(&tg->defs,
		          "static const struct mpp_type __mpp_ty%d = {MPP_K_ENUM, sizeof(%s), _Alignof(%s), \"%s\", 0, "
		          "0, 0};\n",
		          tg->v[idx].id, spell, spell, tg->v[idx].key);
		break;
	case CXType_Complex: {
		CXType el = clang_getCanonicalType(clang_getElementType(c));
		const char *r = scalar_ref(el.kind);
		sb_printf(&tg->defs,
		          "static const struct mpp_type __mpp_ty%d = {MPP_K_COMPLEX, sizeof(%s), _Alignof(%s), \"%s\", "
		          "%s, 2, 0};\n",
		          tg->v[idx].id, spell, spell, tg->v[idx].key, r ? r : "0");
		break;
	}
	case CXType_VariableArray:
		tg->v[idx].bad = 1;
		tg->v[idx].why = xstrdup("variable-length arrays cannot be saved");
		break;
	default:
		if (clang_Type_getSizeOf(c) > 0) {
			sb_printf(&tg->defs,
			          "static const struct mpp_type __mpp_ty%d = {MPP_K_OPAQUE, sizeof(%s), _Alignof(%s), "
			          "\"%s\", 0, 0, 0};\n",
			          tg->v[idx].id, spell, spell, tg->v[idx].key);
		} else {
			tg->v[idx].bad = 1;
			tg->v[idx].why = xasprintf("type '%s' cannot be saved", tg->v[idx].key);
		}
		break;
	}
	*out = &tg->v[idx];
	return 0;
}

const char *types_ref(struct typegen *tg, CXType t, const char *spell_hint, char **why)
{
	char *spell = file_scope_spelling(t);
	if (!spell && spell_hint)
		spell = xstrdup(spell_hint);
	if (!spell) {
		if (why)
			*why = xstrdup(
			    "its type has no name visible outside the function (give the type a name at file scope)");
		return NULL;
	}
	struct tentry *e = NULL;
	int rc = gen(tg, t, spell, &e);
	free(spell);
	if (rc < 0 || !e || e->bad) {
		if (why)
			*why = xstrdup(e && e->why ? e->why : "unsupported type");
		return NULL;
	}
	if (e->why && e->has_ptr) {
		/* opaque bytes holding pointers would be restored wrong */
		if (why)
			*why = xasprintf("its type '%s' contains pointers and %s", e->key, e->why);
		return NULL;
	}
	return e->ref;
}

const char *types_ref_param(struct typegen *tg, CXType t, char **why)
{
	CXType c = clang_getCanonicalType(t);
	if (c.kind != CXType_ConstantArray && c.kind != CXType_IncompleteArray && c.kind != CXType_VariableArray &&
	    c.kind != CXType_DependentSizedArray)
		return types_ref(tg, t, NULL, why);
	/* an array parameter is a pointer to its first element */
	CXType el = clang_getArrayElementType(t);
	char *ekey = cxstr(clang_getTypeSpelling(clang_getCanonicalType(el)));
	char *key = xasprintf("%s * (decayed)", ekey);
	free(ekey);
	for (int i = 0; i < tg->n; i++) {
		if (strcmp(tg->v[i].key, key) == 0) {
			free(key);
			return tg->v[i].ref;
		}
	}
	const char *eref = types_ref(tg, el, NULL, NULL);
	struct tentry *e = new_entry(tg, key, NULL);
	sb_printf(&tg->defs,
	          "static const struct mpp_type __mpp_ty%d = {MPP_K_PTR, sizeof(void *), _Alignof(void *), \"%s\", %s, "
	          "0, 0};\n",
	          e->id, key, eref ? eref : "0");
	e->has_ptr = 1;
	free(key);
	return e->ref;
}

void types_emit_decls(struct typegen *tg, struct sbuf *out)
{
	if (tg->decls.s)
		sb_add(out, tg->decls.s);
}

void types_emit_defs(struct typegen *tg, struct sbuf *out)
{
	if (tg->defs.s)
		sb_add(out, tg->defs.s);
}
