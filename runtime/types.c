/* types.c: type descriptors as the runtime uses them. Defines the scalar
 * descriptors of mpp.h; checks the descriptors that mppcc (or a state file)
 * provides; finds the pointer slots of a value, precomputed as a flat list
 * for small types so that arrays of structs are walked without recursion;
 * keeps persistent, shared copies of types read from states. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "mpp_err.h"
#include "mpp_hash.h"
#include "mpp_types.h"

#define SCALAR(id, k, T, nm) const struct mpp_type id = {k, sizeof(T), _Alignof(T), nm, 0, 0, 0}
SCALAR(mpp_t_bool, MPP_K_BOOL, _Bool, "_Bool");
SCALAR(mpp_t_char, MPP_K_CHAR, char, "char");
SCALAR(mpp_t_schar, MPP_K_SCHAR, signed char, "signed char");
SCALAR(mpp_t_uchar, MPP_K_UCHAR, unsigned char, "unsigned char");
SCALAR(mpp_t_short, MPP_K_SHORT, short, "short");
SCALAR(mpp_t_ushort, MPP_K_USHORT, unsigned short, "unsigned short");
SCALAR(mpp_t_int, MPP_K_INT, int, "int");
SCALAR(mpp_t_uint, MPP_K_UINT, unsigned, "unsigned int");
SCALAR(mpp_t_long, MPP_K_LONG, long, "long");
SCALAR(mpp_t_ulong, MPP_K_ULONG, unsigned long, "unsigned long");
SCALAR(mpp_t_llong, MPP_K_LLONG, long long, "long long");
SCALAR(mpp_t_ullong, MPP_K_ULLONG, unsigned long long, "unsigned long long");
SCALAR(mpp_t_float, MPP_K_FLOAT, float, "float");
SCALAR(mpp_t_double, MPP_K_DOUBLE, double, "double");
SCALAR(mpp_t_ldouble, MPP_K_LDOUBLE, long double, "long double");
const struct mpp_type mpp_t_voidptr = {MPP_K_PTR, sizeof(void *), _Alignof(void *), "void *", 0, 0, 0};
const struct mpp_type mpp_t_fnptr = {
    MPP_K_FNPTR, sizeof(void (*)(void)), _Alignof(void (*)(void)), "void (*)(void)", 0, 0, 0};

static const struct mpp_type *const scalars[] = {
    NULL,        &mpp_t_bool, &mpp_t_char,  &mpp_t_schar, &mpp_t_uchar,  &mpp_t_short, &mpp_t_ushort, &mpp_t_int,
    &mpp_t_uint, &mpp_t_long, &mpp_t_ulong, &mpp_t_llong, &mpp_t_ullong, &mpp_t_float, &mpp_t_double, &mpp_t_ldouble};

int mpp_types_may_start(const struct mpp_type *p, const struct mpp_type *t, mpp_same_type_fn same)
{
	for (int depth = 0; t && depth < MPP_TYPES_MAXDEPTH; depth++) {
		if (same(p, t))
			return 1;
		if (t->kind == MPP_K_ARRAY || t->kind == MPP_K_COMPLEX)
			t = t->elem;
		else if (t->kind == MPP_K_STRUCT && t->count && t->fields[0].offset == 0)
			t = t->fields[0].type;
		else
			return 0;
	}
	return 0;
}

int mpp_types_may_end(const struct mpp_type *p, const struct mpp_type *t, mpp_same_type_fn same)
{
	for (int depth = 0; t && depth < MPP_TYPES_MAXDEPTH; depth++, t = t->kind == MPP_K_ARRAY ? t->elem : NULL)
		if (same(p, t))
			return 1;
	return 0;
}

const struct mpp_type *mpp_types_scalar(int kind)
{
	return kind >= MPP_K_BOOL && kind <= MPP_K_LDOUBLE ? scalars[kind] : NULL;
}

static const char *tname(const struct mpp_type *t)
{
	return t->name ? t->name : "(unnamed type)";
}

/* ---- Sets of type infos ------------------------------------------------ */

void mpp_types_init(struct mpp_tset *s)
{
	memset(s, 0, sizeof *s);
}

void mpp_types_init_arch(struct mpp_tset *s, const struct mpp_arch *arch)
{
	memset(s, 0, sizeof *s);
	s->arch = arch;
}

void mpp_types_free(struct mpp_tset *s)
{
	const struct mpp_arch *arch;
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i]->flat);
		free(s->v[i]->fields);
		free(s->v[i]);
	}
	free(s->v);
	free(s->keys);
	free(s->vals);
	arch = s->arch;
	memset(s, 0, sizeof *s);
	s->arch = arch;
}

static size_t slot_of(const struct mpp_type *t, size_t cap)
{
	return (size_t)mpp_hash_mix((uint64_t)(uintptr_t)t) & (cap - 1);
}

const struct mpp_tinfo *mpp_types_find(const struct mpp_tset *s, const struct mpp_type *t)
{
	size_t i;

	if (!s->hcap)
		return NULL;
	for (i = slot_of(t, s->hcap); s->keys[i]; i = (i + 1) & (s->hcap - 1))
		if (s->keys[i] == t)
			return s->v[s->vals[i]];
	return NULL;
}

static int grow_hash(struct mpp_tset *s)
{
	size_t cap = s->hcap ? s->hcap * 2 : 64, i, j;
	const struct mpp_type **keys = calloc(cap, sizeof *keys);
	uint32_t *vals = calloc(cap, sizeof *vals);

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return mpp_err_set(MPP_ENOMEM, "out of memory for type table");
	}
	for (i = 0; i < s->hcap; i++) {
		if (!s->keys[i])
			continue;
		for (j = slot_of(s->keys[i], cap); keys[j]; j = (j + 1) & (cap - 1))
			;
		keys[j] = s->keys[i];
		vals[j] = s->vals[i];
	}
	free(s->keys);
	free(s->vals);
	s->keys = keys;
	s->vals = vals;
	s->hcap = cap;
	return 0;
}

static int insert(struct mpp_tset *s, struct mpp_tinfo *ti)
{
	size_t i;

	if ((s->n + 1) * 2 > s->hcap && grow_hash(s))
		return MPP_ENOMEM;
	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 32;
		struct mpp_tinfo **v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return mpp_err_set(MPP_ENOMEM, "out of memory for type table");
		s->v = v;
		s->cap = cap;
	}
	ti->index = s->n;
	s->v[s->n++] = ti;
	for (i = slot_of(ti->t, s->hcap); s->keys[i]; i = (i + 1) & (s->hcap - 1))
		;
	s->keys[i] = ti->t;
	s->vals[i] = ti->index;
	return 0;
}

static int bad(const struct mpp_type *t, const char *why)
{
	return mpp_err_set(MPP_ECAPTURE, "bad type descriptor '%s': %s", tname(t), why);
}

/* Checks of the descriptor itself, before its children are known. */
static int check_shape(const struct mpp_tset *s, const struct mpp_type *t)
{
	const struct mpp_type *sc;
	size_t i;

	if (t->kind < MPP_K_BOOL || t->kind > MPP_K_COMPLEX)
		return bad(t, "unknown kind");
	sc = mpp_types_scalar(t->kind);
	if (sc && t->size != (s->arch ? s->arch->size[t->kind] : sc->size))
		return bad(t, "size differs from the runtime's scalar of that kind");
	switch (t->kind) {
	case MPP_K_PTR:
		if (t->size != (s->arch ? s->arch->ptr_size : sizeof(void *)))
			return bad(t, "pointer size differs from the runtime's");
		break;
	case MPP_K_FNPTR:
		if (t->size != (s->arch ? s->arch->fn_size : sizeof(void (*)(void))))
			return bad(t, "function pointer size differs from the runtime's");
		break;
	case MPP_K_ARRAY:
	case MPP_K_COMPLEX:
		if (!t->elem)
			return bad(t, "no element type");
		if (t->kind == MPP_K_COMPLEX && (t->elem->size > SIZE_MAX / 2 || t->size != 2 * t->elem->size))
			return bad(t, "size is not twice the element's");
		if (t->kind == MPP_K_ARRAY &&
		    ((t->elem->size && t->count > SIZE_MAX / t->elem->size) || t->size != t->count * t->elem->size))
			return bad(t, "size is not count times the element's");
		break;
	case MPP_K_STRUCT:
	case MPP_K_UNION:
		if (t->count && !t->fields)
			return bad(t, "no field table");
		for (i = 0; i < t->count; i++) {
			const struct mpp_field *f = &t->fields[i];
			if (!f->type)
				return bad(t, "field without a type");
			if (f->offset > t->size || f->type->size > t->size - f->offset)
				return bad(t, "field outside the struct");
			if (t->kind == MPP_K_UNION && f->offset != 0)
				return bad(t, "union member not at offset 0");
		}
		break;
	default: break;
	}
	return 0;
}

static int add_sum(uint64_t *acc, uint64_t v)
{
	if (v > UINT64_MAX - *acc)
		return -1;
	*acc += v;
	return 0;
}

/* Counts and the flat slot list, from the children's infos. */
static int summarize(struct mpp_tinfo *ti)
{
	const struct mpp_type *t = ti->t;
	uint64_t total, i, k;
	uint32_t n = 0;

	switch (t->kind) {
	case MPP_K_PTR:
	case MPP_K_FNPTR: ti->nptrs = 1; break;
	case MPP_K_ARRAY:
		if (ti->elem->nptrs && t->count > UINT64_MAX / ti->elem->nptrs)
			return bad(t, "too many pointers");
		if (ti->elem->nunions && t->count > UINT64_MAX / ti->elem->nunions)
			return bad(t, "too many unions");
		ti->nptrs = t->count * ti->elem->nptrs;
		ti->nunions = t->count * ti->elem->nunions;
		break;
	case MPP_K_STRUCT:
		for (i = 0; i < t->count; i++)
			if (add_sum(&ti->nptrs, ti->fields[i]->nptrs) || add_sum(&ti->nunions, ti->fields[i]->nunions))
				return bad(t, "too many pointers");
		break;
	case MPP_K_UNION:
		for (i = 0; i < t->count; i++)
			if (ti->fields[i]->nptrs || ti->fields[i]->nunions)
				ti->nunions = 1;
		break;
	default: break;
	}
	total = ti->nptrs + ti->nunions;
	if (ti->nptrs > UINT64_MAX - ti->nunions)
		return bad(t, "too many pointers");
	if (total == 0 || total > MPP_TYPES_FLAT)
		return 0;
	ti->flat = malloc(total * sizeof *ti->flat);
	if (!ti->flat)
		return mpp_err_set(MPP_ENOMEM, "out of memory for type table");
	switch (t->kind) {
	case MPP_K_PTR:
	case MPP_K_FNPTR:
	case MPP_K_UNION:
		ti->flat[n].off = 0;
		ti->flat[n].size = t->size;
		ti->flat[n].type = t;
		ti->flat[n++].kind = t->kind == MPP_K_PTR     ? MPP_SLOT_DATA
		                     : t->kind == MPP_K_FNPTR ? MPP_SLOT_FN
		                                              : MPP_SLOT_UNION;
		break;
	case MPP_K_ARRAY:
		for (i = 0; i < t->count; i++)
			for (k = 0; k < ti->elem->nflat; k++) {
				ti->flat[n] = ti->elem->flat[k];
				ti->flat[n++].off += i * t->elem->size;
			}
		break;
	case MPP_K_STRUCT:
		for (i = 0; i < t->count; i++)
			for (k = 0; k < ti->fields[i]->nflat; k++) {
				ti->flat[n] = ti->fields[i]->flat[k];
				ti->flat[n++].off += t->fields[i].offset;
			}
		break;
	default: break;
	}
	ti->nflat = n;
	return 0;
}

static int add(struct mpp_tset *s, const struct mpp_type *t, unsigned depth, const struct mpp_tinfo **out)
{
	struct mpp_tinfo *ti;
	const struct mpp_tinfo *child;
	size_t i;
	int rc;

	if ((*out = mpp_types_find(s, t)))
		return 0;
	if (depth > MPP_TYPES_MAXDEPTH)
		return bad(t, "types nested too deeply (or a type contains itself)");
	if ((rc = check_shape(s, t)))
		return rc;
	ti = calloc(1, sizeof *ti);
	if (!ti)
		return mpp_err_set(MPP_ENOMEM, "out of memory for type table");
	ti->t = t;
	ti->depth = 1;
	if (t->kind == MPP_K_ARRAY || t->kind == MPP_K_COMPLEX) {
		if ((rc = add(s, t->elem, depth + 1, &child)))
			goto fail;
		ti->elem = child;
		ti->depth = child->depth + 1;
	} else if ((t->kind == MPP_K_STRUCT || t->kind == MPP_K_UNION) && t->count) {
		ti->fields = calloc(t->count, sizeof *ti->fields);
		if (!ti->fields) {
			rc = mpp_err_set(MPP_ENOMEM, "out of memory for type table");
			goto fail;
		}
		for (i = 0; i < t->count; i++) {
			if ((rc = add(s, t->fields[i].type, depth + 1, &child)))
				goto fail;
			ti->fields[i] = child;
			if (child->depth + 1 > ti->depth)
				ti->depth = child->depth + 1;
		}
	}
	if (ti->depth > MPP_TYPES_MAXDEPTH) {
		rc = bad(t, "types nested too deeply");
		goto fail;
	}
	if ((rc = summarize(ti)) || (rc = insert(s, ti)))
		goto fail;
	*out = ti;
	return 0;
fail:
	free(ti->flat);
	free(ti->fields);
	free(ti);
	return rc;
}

int mpp_types_add(struct mpp_tset *s, const struct mpp_type *t, const struct mpp_tinfo **out)
{
	if (!t)
		return mpp_err_set(MPP_ECAPTURE, "missing type descriptor");
	return add(s, t, 1, out);
}

/* ---- Walking and naming slots ----------------------------------------- */

int mpp_types_walk(const struct mpp_tinfo *ti, uint64_t base, mpp_slot_fn fn, void *ctx)
{
	const struct mpp_type *t = ti->t;
	uint64_t i;
	int rc;

	if (!ti->nptrs && !ti->nunions)
		return 0;
	if (ti->flat) {
		for (i = 0; i < ti->nflat; i++)
			if ((rc = fn(ctx, base + ti->flat[i].off, &ti->flat[i])))
				return rc;
		return 0;
	}
	if (t->kind == MPP_K_ARRAY) {
		for (i = 0; i < t->count; i++)
			if ((rc = mpp_types_walk(ti->elem, base + i * t->elem->size, fn, ctx)))
				return rc;
	} else if (t->kind == MPP_K_STRUCT) {
		for (i = 0; i < t->count; i++)
			if ((rc = mpp_types_walk(ti->fields[i], base + t->fields[i].offset, fn, ctx)))
				return rc;
	}
	return 0;
}

void mpp_types_path(const struct mpp_type *t, uint64_t off, char *buf, size_t n)
{
	size_t len = strlen(buf);
	size_t i;

	while (t && len + 1 < n) {
		if (t->kind == MPP_K_STRUCT) {
			const struct mpp_field *f = NULL;
			for (i = 0; i < t->count; i++) {
				const struct mpp_field *c = &t->fields[i];
				if (off >= c->offset && off - c->offset < c->type->size) {
					f = c;
					break;
				}
			}
			if (!f)
				return;
			snprintf(buf + len, n - len, ".%s", f->name ? f->name : "?");
			off -= f->offset;
			t = f->type;
		} else if (t->kind == MPP_K_ARRAY && t->elem->size) {
			uint64_t k = off / t->elem->size;
			snprintf(buf + len, n - len, "[%llu]", (unsigned long long)k);
			off -= k * t->elem->size;
			t = t->elem;
		} else {
			return;
		}
		len = strlen(buf);
	}
}

/* ---- Persistent copies ------------------------------------------------- */

struct interned {
	struct mpp_type t;
	uint64_t hash;
	struct interned *next;
};

#define INTERN_BUCKETS 1024
static struct interned *intern_tab[INTERN_BUCKETS];

static uint64_t mix_in(uint64_t h, uint64_t v)
{
	return mpp_hash_mix(h ^ (v + 0x9E3779B97F4A7C15ULL + (h << 6)));
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int same_type(const struct mpp_type *a, const struct mpp_type *b)
{
	size_t i;

	if (a->kind != b->kind || a->size != b->size || a->align != b->align || a->count != b->count ||
	    a->elem != b->elem || !same_str(a->name, b->name))
		return 0;
	if (a->kind != MPP_K_STRUCT && a->kind != MPP_K_UNION)
		return 1;
	for (i = 0; i < a->count; i++)
		if (a->fields[i].offset != b->fields[i].offset || a->fields[i].type != b->fields[i].type ||
		    !same_str(a->fields[i].name, b->fields[i].name))
			return 0;
	return 1;
}

static char *dup_str(const char *s, int *fail)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = 1;
	return d;
}

static void free_copy(struct mpp_type *t)
{
	size_t i;

	if ((t->kind == MPP_K_STRUCT || t->kind == MPP_K_UNION) && t->fields) {
		for (i = 0; i < t->count; i++)
			free((char *)t->fields[i].name);
		free((struct mpp_field *)t->fields);
	}
	free((char *)t->name);
}

/* Whether a pointer type's C spelling is that of a pointer to a character
 * type ("const char *", "unsigned char *const"): a type read from a state
 * does not record its pointee, but its name does. */
static int char_ptr_name(const char *n)
{
	int chars = 0, stars = 0;

	while (*n) {
		size_t k;
		if (*n == ' ') {
			n++;
			continue;
		}
		if (*n == '*') {
			stars++;
			n++;
			continue;
		}
		for (k = 0; n[k] && n[k] != ' ' && n[k] != '*'; k++)
			;
		if (k == 4 && !strncmp(n, "char", 4) && !stars)
			chars++;
		else if (!((k == 5 && !strncmp(n, "const", 5)) || (k == 8 && !strncmp(n, "volatile", 8)) ||
		           (k == 8 && !strncmp(n, "restrict", 8) && stars) ||
		           (!stars &&
		            ((k == 6 && !strncmp(n, "signed", 6)) || (k == 8 && !strncmp(n, "unsigned", 8))))))
			return 0;
		n += k;
	}
	return chars == 1 && stars == 1;
}

/* What an interned pointer type keeps of its pointee: a character type
 * (so that a capture after a restore still saves string literals by
 * content), nothing else. */
static const struct mpp_type *char_pointee(const struct mpp_type *t)
{
	if (t->kind != MPP_K_PTR)
		return NULL;
	if (t->elem)
		return t->elem->kind == MPP_K_CHAR || t->elem->kind == MPP_K_SCHAR || t->elem->kind == MPP_K_UCHAR
		           ? mpp_types_scalar(t->elem->kind)
		           : NULL;
	return t->name && char_ptr_name(t->name) ? &mpp_t_char : NULL;
}

static const struct mpp_type *intern(const struct mpp_type *t, unsigned depth)
{
	struct mpp_type key;
	struct mpp_field *fields = NULL;
	struct interned *e;
	const struct mpp_type *sc = mpp_types_scalar(t->kind);
	uint64_t h;
	size_t i;
	int fail = 0;

	if (depth > MPP_TYPES_MAXDEPTH)
		return NULL;
	if (sc && sc->size == t->size && sc->align == t->align)
		return sc;
	key = *t;
	key.elem = char_pointee(t);
	key.fields = NULL;
	if (t->kind == MPP_K_ARRAY || t->kind == MPP_K_COMPLEX) {
		if (!(key.elem = intern(t->elem, depth + 1)))
			return NULL;
	}
	h = mix_in(mix_in(mix_in((uint64_t)t->kind, t->size), t->count), (uint64_t)(uintptr_t)key.elem);
	h = mix_in(h, t->name ? mpp_hash_str(t->name) : 0);
	if ((t->kind == MPP_K_STRUCT || t->kind == MPP_K_UNION) && t->count) {
		fields = calloc(t->count, sizeof *fields);
		if (!fields)
			return NULL;
		for (i = 0; i < t->count; i++) {
			fields[i].offset = t->fields[i].offset;
			fields[i].name = t->fields[i].name;
			if (!(fields[i].type = intern(t->fields[i].type, depth + 1))) {
				free(fields);
				return NULL;
			}
			h = mix_in(mix_in(h, fields[i].offset), (uint64_t)(uintptr_t)fields[i].type);
		}
		key.fields = fields;
	}
	for (e = intern_tab[h % INTERN_BUCKETS]; e; e = e->next)
		if (e->hash == h && same_type(&e->t, &key)) {
			free(fields);
			return &e->t;
		}
	e = calloc(1, sizeof *e);
	if (!e) {
		free(fields);
		return NULL;
	}
	e->t = key;
	e->hash = h;
	e->t.name = dup_str(t->name, &fail);
	for (i = 0; fields && i < t->count; i++)
		fields[i].name = dup_str(t->fields[i].name, &fail);
	if (fail) {
		free_copy(&e->t);
		free(e);
		return NULL;
	}
	e->next = intern_tab[h % INTERN_BUCKETS];
	intern_tab[h % INTERN_BUCKETS] = e;
	return &e->t;
}

const struct mpp_type *mpp_types_intern(const struct mpp_type *t)
{
	return t ? intern(t, 1) : NULL;
}

void mpp_types_intern_free(void)
{
	size_t b;

	for (b = 0; b < INTERN_BUCKETS; b++) {
		while (intern_tab[b]) {
			struct interned *e = intern_tab[b];
			intern_tab[b] = e->next;
			free_copy(&e->t);
			free(e);
		}
	}
}
