/* convert.c: receiver-makes-right conversion of values. A plan for a pair
 * of descriptors (writer's, this program's) is a short list of operations
 * on runs of scalars: copy, byte swap, integer width change with a range
 * check, long double format change; arrays of scalars stay one run, so the
 * loops are tight. Plans are cached per pair; states of this host's own
 * layout never get here (decode.c copies their bytes as they are). */
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "mpp_convert.h"
#include "mpp_err.h"
#include "mpp_hash.h"
#include "mpp_types.h"

enum {
	OP_COPY = 1, /* n bytes */
	OP_SWAP,     /* n values of sw bytes, reversed */
	OP_INT,      /* n integers, sw -> dw bytes, range checked */
	OP_LDBL,     /* n long doubles, writer format -> reader format */
	OP_ZERO,     /* zlen bytes that must be zero (dlen zeros written), unless sub converts them */
	OP_REPEAT    /* sub, n times */
};

enum { F_SSIGNED = 1, F_DSIGNED = 2, F_UNION = 4 };

/* Plans inlined into their parent up to this many operations; bigger
 * ones are called through a REPEAT of 1, so no plan grows exponentially
 * with the nesting of a (possibly hostile) type table. */
#define INLINE_MAX 16

struct cop {
	unsigned char op, sw, dw, flags;
	uint64_t soff, doff, n, ss, ds;
	uint64_t zlen, dlen;
	const struct mpp_cplan *sub;
};

struct mpp_cplan {
	const struct mpp_type *w, *r;
	struct cop *ops;
	size_t nops, cap;
	int bad;       /* the pair cannot be converted */
	int swap;      /* the writer's byte order is not this host's */
	int copy_only; /* same sizes, every op a copy at equal offsets */
	int may_fail;  /* some value may not fit: check before converting */
	struct mpp_cplan *next;
};

struct mpp_conv {
	struct mpp_arch w;
	int swap; /* the writer's byte order is not this host's */
	struct mpp_cplan **tab;
	size_t tcap, n;
};

static int host_order(void)
{
	const uint16_t one = 1;
	unsigned char b;

	memcpy(&b, &one, 1);
	return b ? 1 : 2;
}

struct mpp_conv *mpp_conv_new(const struct mpp_arch *w)
{
	struct mpp_conv *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->w = *w;
	c->swap = (int)w->order != host_order();
	c->tcap = 256;
	c->tab = calloc(c->tcap, sizeof *c->tab);
	if (!c->tab) {
		free(c);
		return NULL;
	}
	return c;
}

void mpp_conv_free(struct mpp_conv *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->tcap; i++) {
		while (c->tab[i]) {
			struct mpp_cplan *p = c->tab[i];
			c->tab[i] = p->next;
			free(p->ops);
			free(p);
		}
	}
	free(c->tab);
	free(c);
}

/* ---- Shapes ------------------------------------------------------------ */

static int family(int kind)
{
	switch (kind) {
	case MPP_K_CHAR:
	case MPP_K_SCHAR:
	case MPP_K_UCHAR:
	case MPP_K_SHORT:
	case MPP_K_USHORT:
	case MPP_K_INT:
	case MPP_K_UINT:
	case MPP_K_LONG:
	case MPP_K_ULONG:
	case MPP_K_LLONG:
	case MPP_K_ULLONG:
	case MPP_K_ENUM: return MPP_K_INT;
	default: return kind;
	}
}

static int is_signed_kind(int kind)
{
	switch (kind) {
	case MPP_K_SCHAR:
	case MPP_K_SHORT:
	case MPP_K_INT:
	case MPP_K_LONG:
	case MPP_K_LLONG:
	case MPP_K_ENUM: return 1;
	default: return 0;
	}
}

static int same_name(const char *a, const char *b)
{
	return !a || !b || !strcmp(a, b);
}

static int compatible(const struct mpp_type *w, const struct mpp_type *r, unsigned depth, unsigned long *budget)
{
	size_t i;

	if (depth > MPP_TYPES_MAXDEPTH || !(*budget)--)
		return 0;
	if (family(w->kind) != family(r->kind))
		return 0;
	switch (w->kind) {
	case MPP_K_ARRAY:
		if (w->count != r->count)
			return 0;
		/* fall through */
	case MPP_K_COMPLEX: return w->elem && r->elem && compatible(w->elem, r->elem, depth + 1, budget);
	case MPP_K_STRUCT:
	case MPP_K_UNION:
		if (w->count != r->count)
			return 0;
		for (i = 0; i < w->count; i++)
			if (!same_name(w->fields[i].name, r->fields[i].name) ||
			    !compatible(w->fields[i].type, r->fields[i].type, depth + 1, budget))
				return 0;
		return 1;
	default: return 1;
	}
}

int mpp_conv_compatible(const struct mpp_type *w, const struct mpp_type *r)
{
	unsigned long budget = 1000000;

	return compatible(w, r, 1, &budget);
}

/* ---- Building plans ------------------------------------------------------ */

static int push(struct mpp_cplan *p, const struct cop *o)
{
	struct cop *last = p->nops ? &p->ops[p->nops - 1] : NULL;

	if (last && last->op == OP_COPY && o->op == OP_COPY && last->soff + last->n == o->soff &&
	    last->doff + last->n == o->doff) {
		last->n += o->n;
		return 0;
	}
	if (last && last->op == OP_SWAP && o->op == OP_SWAP && last->sw == o->sw && last->ss == last->sw &&
	    last->ds == last->sw && o->ss == o->sw && o->ds == o->sw && last->soff + last->n * last->sw == o->soff &&
	    last->doff + last->n * last->sw == o->doff) {
		last->n += o->n;
		return 0;
	}
	if (p->nops == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4;
		struct cop *v = realloc(p->ops, cap * sizeof *v);
		if (!v)
			return MPP_ENOMEM;
		p->ops = v;
		p->cap = cap;
	}
	p->ops[p->nops++] = *o;
	return 0;
}

static int push_run(struct mpp_cplan *p, int op, unsigned sw, unsigned dw, unsigned flags)
{
	struct cop o;

	memset(&o, 0, sizeof o);
	o.op = (unsigned char)op;
	o.sw = (unsigned char)sw;
	o.dw = (unsigned char)dw;
	o.flags = (unsigned char)flags;
	o.n = 1;
	o.ss = sw;
	o.ds = dw;

	if (op == OP_COPY)
		o.n = sw;
	return push(p, &o);
}

/* One op doing `count` elements of the element plan e (sizes ws, rs). */
static void fold(const struct mpp_cplan *e, uint64_t count, uint64_t ws, uint64_t rs, struct cop *out)
{
	const struct cop *o = e->nops == 1 ? &e->ops[0] : NULL;

	memset(out, 0, sizeof *out);
	if (o && o->soff == 0 && o->doff == 0) {
		if (o->op == OP_COPY && o->n == ws && ws == rs) {
			*out = *o;
			out->n = count * ws;
			return;
		}
		if (o->op == OP_SWAP || o->op == OP_INT || o->op == OP_LDBL) {
			if (o->n == 1) {
				*out = *o;
				out->n = count;
				out->ss = ws;
				out->ds = rs;
				return;
			}
			if (o->n * o->ss == ws && o->n * o->ds == rs) {
				*out = *o;
				out->n = o->n * count;
				return;
			}
		}
	}
	out->op = OP_REPEAT;
	out->n = count;
	out->ss = ws;
	out->ds = rs;
	out->sub = e;
}

/* Append the operations of plan e for a value at (soff, doff). */
static int append(struct mpp_cplan *p, const struct mpp_cplan *e, uint64_t soff, uint64_t doff)
{
	struct cop o;
	size_t i;
	int rc;

	if (e->nops <= INLINE_MAX) {
		for (i = 0; i < e->nops; i++) {
			o = e->ops[i];
			o.soff += soff;
			o.doff += doff;
			if ((rc = push(p, &o)))
				return rc;
		}
		return 0;
	}
	memset(&o, 0, sizeof o);
	o.op = OP_REPEAT;
	o.n = 1;
	o.soff = soff;
	o.doff = doff;
	o.sub = e;
	return push(p, &o);
}

static int same_ops(const struct mpp_cplan *a, const struct mpp_cplan *b)
{
	size_t i;

	if (a->nops != b->nops)
		return 0;
	for (i = 0; i < a->nops; i++) {
		const struct cop *x = &a->ops[i], *y = &b->ops[i];
		if (x->op != y->op || x->sw != y->sw || x->dw != y->dw || x->flags != y->flags || x->soff != y->soff ||
		    x->doff != y->doff || x->n != y->n || x->ss != y->ss || x->ds != y->ds || x->zlen != y->zlen ||
		    x->sub != y->sub)
			return 0;
	}
	return 1;
}

static const struct mpp_cplan *build(struct mpp_conv *c, const struct mpp_type *w, const struct mpp_type *r,
                                     unsigned depth);

static int build_union(struct mpp_conv *c, struct mpp_cplan *p, unsigned depth)
{
	const struct mpp_type *w = p->w, *r = p->r;
	const struct mpp_cplan *first = NULL, *m;
	int all_copy = w->size == r->size, same = w->size == r->size;
	struct cop o;
	size_t i;

	for (i = 0; i < w->count; i++) {
		if (!(m = build(c, w->fields[i].type, r->fields[i].type, depth + 1)))
			return MPP_ENOMEM;
		if (m->bad)
			return p->bad = 1, 0;
		all_copy &= m->copy_only;
		if (!first)
			first = m;
		else if (!same_ops(first, m) || w->fields[i].type->size != w->size ||
		         r->fields[i].type->size != r->size)
			same = 0;
	}
	if (first && first->w->size != w->size)
		same = 0;
	memset(&o, 0, sizeof o);
	if (all_copy) {
		o.op = OP_COPY;
		o.n = w->size;
		return w->size ? push(p, &o) : 0;
	}
	o.op = OP_ZERO;
	o.flags = F_UNION;
	o.zlen = w->size;
	o.dlen = r->size;
	o.sub = same ? first : NULL;
	return push(p, &o);
}

static int build_ops(struct mpp_conv *c, struct mpp_cplan *p, unsigned depth)
{
	const struct mpp_type *w = p->w, *r = p->r;
	const struct mpp_cplan *e;
	unsigned flags;
	struct cop o;
	size_t i;
	int rc;

	switch (w->kind) {
	case MPP_K_BOOL:
	case MPP_K_CHAR:
	case MPP_K_SCHAR:
	case MPP_K_UCHAR:
	case MPP_K_SHORT:
	case MPP_K_USHORT:
	case MPP_K_INT:
	case MPP_K_UINT:
	case MPP_K_LONG:
	case MPP_K_ULONG:
	case MPP_K_LLONG:
	case MPP_K_ULLONG:
	case MPP_K_ENUM:
		if (w->size == r->size)
			return push_run(p, w->size > 1 && c->swap ? OP_SWAP : OP_COPY, (unsigned)w->size,
			                (unsigned)r->size, 0);
		if (w->size > 8 || r->size > 8 || !w->size || !r->size)
			return p->bad = 1, 0;
		flags = (is_signed_kind(w->kind) ? F_SSIGNED : 0) | (is_signed_kind(r->kind) ? F_DSIGNED : 0);
		return push_run(p, OP_INT, (unsigned)w->size, (unsigned)r->size, flags);
	case MPP_K_FLOAT:
	case MPP_K_DOUBLE:
		if (w->size != r->size)
			return p->bad = 1, 0;
		return push_run(p, c->swap ? OP_SWAP : OP_COPY, (unsigned)w->size, (unsigned)r->size, 0);
	case MPP_K_LDOUBLE: {
		const struct mpp_arch *ra = mpp_format_arch_native();
		unsigned wf = c->w.ld_format, rf = ra->ld_format;
		if (wf == MPP_LD_UNKNOWN || wf == MPP_LD_DOUBLEDOUBLE || rf == MPP_LD_UNKNOWN ||
		    rf == MPP_LD_DOUBLEDOUBLE)
			return p->bad = 1, 0;
		if (wf == rf && wf == MPP_LD_X87) /* 10 significant bytes, little-endian everywhere */
			return push_run(p, OP_COPY, 10, 10, 0);
		if (wf == rf && w->size == r->size)
			return push_run(p, c->swap ? OP_SWAP : OP_COPY, (unsigned)w->size, (unsigned)r->size, 0);
		return push_run(p, OP_LDBL, (unsigned)w->size, (unsigned)r->size, (wf << 4) | rf);
	}
	case MPP_K_PTR:
	case MPP_K_FNPTR: return 0; /* restore.c writes them */
	case MPP_K_ARRAY:
	case MPP_K_COMPLEX:
		if (!(e = build(c, w->elem, r->elem, depth + 1)))
			return MPP_ENOMEM;
		if (e->bad)
			return p->bad = 1, 0;
		if (!e->nops || !w->elem->size || (w->kind == MPP_K_ARRAY && !w->count))
			return 0;
		fold(e, w->kind == MPP_K_ARRAY ? w->count : 2, w->elem->size, r->elem->size, &o);
		return push(p, &o);
	case MPP_K_STRUCT:
		for (i = 0; i < w->count; i++) {
			if (!(e = build(c, w->fields[i].type, r->fields[i].type, depth + 1)))
				return MPP_ENOMEM;
			if (e->bad)
				return p->bad = 1, 0;
			if ((rc = append(p, e, w->fields[i].offset, r->fields[i].offset)))
				return rc;
		}
		return 0;
	case MPP_K_UNION: return build_union(c, p, depth);
	default: /* OPAQUE */
		memset(&o, 0, sizeof o);
		o.op = OP_ZERO;
		o.zlen = w->size;
		o.dlen = r->size;
		return w->size ? push(p, &o) : 0;
	}
}

/* Whether op o can meet a value that does not fit. */
static int op_may_fail(const struct cop *o)
{
	unsigned wf = (unsigned)o->flags >> 4, rf = o->flags & 15u;
	int ss = (o->flags & F_SSIGNED) != 0, ds = (o->flags & F_DSIGNED) != 0;

	switch (o->op) {
	case OP_INT: return o->dw < o->sw || (ss && !ds) || (!ss && ds && o->dw <= o->sw);
	case OP_LDBL: return rf == MPP_LD_BINARY64 || (wf == MPP_LD_BINARY128 && rf == MPP_LD_X87);
	case OP_ZERO: return 1;
	case OP_REPEAT: return o->sub->may_fail;
	default: return 0;
	}
}

static size_t pair_hash(const struct mpp_type *w, const struct mpp_type *r, size_t cap)
{
	return (size_t)mpp_hash_mix((uint64_t)(uintptr_t)w * 31 + (uint64_t)(uintptr_t)r) & (cap - 1);
}

static const struct mpp_cplan *build(struct mpp_conv *c, const struct mpp_type *w, const struct mpp_type *r,
                                     unsigned depth)
{
	size_t h = pair_hash(w, r, c->tcap), i;
	struct mpp_cplan *p;

	for (p = c->tab[h]; p; p = p->next)
		if (p->w == w && p->r == r)
			return p;
	if (!(p = calloc(1, sizeof *p)))
		return NULL;
	p->w = w;
	p->r = r;
	p->swap = c->swap;
	if (depth > MPP_TYPES_MAXDEPTH || family(w->kind) != family(r->kind) ||
	    ((w->kind == MPP_K_STRUCT || w->kind == MPP_K_UNION || w->kind == MPP_K_ARRAY) && w->count != r->count))
		p->bad = 1;
	for (i = 0; !p->bad && (w->kind == MPP_K_STRUCT || w->kind == MPP_K_UNION) && i < w->count; i++)
		if (!same_name(w->fields[i].name, r->fields[i].name))
			p->bad = 1;
	if (!p->bad && build_ops(c, p, depth)) {
		free(p->ops);
		free(p);
		return NULL;
	}
	p->copy_only = !p->bad && w->size == r->size;
	for (i = 0; p->copy_only && i < p->nops; i++)
		p->copy_only = p->ops[i].op == OP_COPY && p->ops[i].soff == p->ops[i].doff;
	for (i = 0; !p->bad && i < p->nops; i++)
		p->may_fail |= op_may_fail(&p->ops[i]);
	p->next = c->tab[h];
	c->tab[h] = p;
	c->n++;
	return p;
}

int mpp_conv_plan(struct mpp_conv *c, const struct mpp_type *w, const struct mpp_type *r, const struct mpp_cplan **out)
{
	const struct mpp_cplan *p = build(c, w, r, 1);

	*out = NULL;
	if (!p)
		return mpp_err_set(MPP_ENOMEM, "out of memory for conversion plans");
	if (p->bad)
		return mpp_err_set(MPP_EFORMAT, "'%s' cannot be converted to '%s' of this architecture",
		                   w->name ? w->name : "?", r->name ? r->name : "?");
	*out = p;
	return 0;
}

int mpp_conv_is_copy(const struct mpp_cplan *p)
{
	return p->copy_only;
}

int mpp_conv_may_fail(const struct mpp_cplan *p)
{
	return p->may_fail;
}

/* ---- Scalars ----------------------------------------------------------- */

static uint64_t load(const unsigned char *p, unsigned w, int swap)
{
	uint8_t a;
	uint16_t b;
	uint32_t c;
	uint64_t d;

	switch (w) {
	case 1: memcpy(&a, p, 1); return a;
	case 2: memcpy(&b, p, 2); return swap ? __builtin_bswap16(b) : b;
	case 4: memcpy(&c, p, 4); return swap ? __builtin_bswap32(c) : c;
	default: memcpy(&d, p, 8); return swap ? __builtin_bswap64(d) : d;
	}
}

static void store(unsigned char *p, unsigned w, uint64_t v)
{
	uint8_t a = (uint8_t)v;
	uint16_t b = (uint16_t)v;
	uint32_t c = (uint32_t)v;

	switch (w) {
	case 1: memcpy(p, &a, 1); break;
	case 2: memcpy(p, &b, 2); break;
	case 4: memcpy(p, &c, 4); break;
	default: memcpy(p, &v, 8); break;
	}
}

/* 16 bytes of 2- or 4-byte values reversed with shifts and masks, which
 * every vector unit has (SSE2 on x86); the compiler lowers them to plain
 * integer code where there is none. */
typedef uint32_t v4u32 __attribute__((vector_size(16)));
typedef uint16_t v8u16 __attribute__((vector_size(16)));

static void swap4_vec(const unsigned char *s, unsigned char *d, uint64_t nbytes)
{
	uint64_t i;

	for (i = 0; i + 32 <= nbytes; i += 32) {
		v4u32 a, b;
		memcpy(&a, s + i, 16);
		memcpy(&b, s + i + 16, 16);
		a = ((a & 0x00ff00ffu) << 8) | ((a >> 8) & 0x00ff00ffu);
		b = ((b & 0x00ff00ffu) << 8) | ((b >> 8) & 0x00ff00ffu);
		a = (a << 16) | (a >> 16);
		b = (b << 16) | (b >> 16);
		memcpy(d + i, &a, 16);
		memcpy(d + i + 16, &b, 16);
	}
	mpp_conv_swap(4, s + i, d + i, (nbytes - i) / 4);
}

static void swap2_vec(const unsigned char *s, unsigned char *d, uint64_t nbytes)
{
	uint64_t i;

	for (i = 0; i + 16 <= nbytes; i += 16) {
		v8u16 a;
		memcpy(&a, s + i, 16);
		a = (v8u16)((a << 8) | (a >> 8));
		memcpy(d + i, &a, 16);
	}
	mpp_conv_swap(2, s + i, d + i, (nbytes - i) / 2);
}

#if defined(__x86_64__)
/* Runs of at least this many bytes are written with streaming stores: they
 * would not stay in the cache anyway, and a plain store first reads the
 * line it overwrites (large memcpy avoids that too), which costs about a
 * quarter of a byte swap's time. */
#define STREAM_MIN (4u << 20)

/* n values of w bytes (2, 4 or 8), d aligned to w; from the first 16-byte
 * boundary of d on, the reversed bytes go straight to memory. */
static void swap_stream(unsigned w, const unsigned char *s, unsigned char *d, uint64_t n)
{
	uint64_t head = ((16 - ((uintptr_t)d & 15)) & 15) / w, nbytes, i;

	mpp_conv_swap(w, s, d, head);
	s += head * w;
	d += head * w;
	nbytes = (n - head) * w;
	for (i = 0; i + 16 <= nbytes; i += 16) {
		uint64_t a, b;
		v4u32 c;
		v8u16 e;
		switch (w) {
		case 8:
			memcpy(&a, s + i, 8);
			memcpy(&b, s + i + 8, 8);
			_mm_stream_si64((long long *)(void *)(d + i), (long long)__builtin_bswap64(a));
			_mm_stream_si64((long long *)(void *)(d + i + 8), (long long)__builtin_bswap64(b));
			break;
		case 4:
			memcpy(&c, s + i, 16);
			c = ((c & 0x00ff00ffu) << 8) | ((c >> 8) & 0x00ff00ffu);
			c = (c << 16) | (c >> 16);
			_mm_stream_si128((__m128i *)(void *)(d + i), (__m128i)c);
			break;
		default:
			memcpy(&e, s + i, 16);
			e = (v8u16)((e << 8) | (e >> 8));
			_mm_stream_si128((__m128i *)(void *)(d + i), (__m128i)e);
			break;
		}
	}
	_mm_sfence();
	mpp_conv_swap(w, s + i, d + i, (nbytes - i) / w);
}
#endif

void mpp_conv_swap(unsigned w, const unsigned char *s, unsigned char *d, uint64_t n)
{
	uint64_t i;

#if defined(__x86_64__)
	if (w <= 8 && n >= STREAM_MIN / w && ((uintptr_t)d & (w - 1)) == 0) {
		swap_stream(w, s, d, n);
		return;
	}
#endif
	if (n >= 64 && (w == 2 || w == 4)) {
		(w == 4 ? swap4_vec : swap2_vec)(s, d, n * w);
		return;
	}
	switch (w) {
	case 2:
		for (i = 0; i < n; i++) {
			uint16_t v;
			memcpy(&v, s + 2 * i, 2);
			v = __builtin_bswap16(v);
			memcpy(d + 2 * i, &v, 2);
		}
		break;
	case 4:
		for (i = 0; i < n; i++) {
			uint32_t v;
			memcpy(&v, s + 4 * i, 4);
			v = __builtin_bswap32(v);
			memcpy(d + 4 * i, &v, 4);
		}
		break;
	case 8:
		for (i = 0; i < n; i++) {
			uint64_t v;
			memcpy(&v, s + 8 * i, 8);
			v = __builtin_bswap64(v);
			memcpy(d + 8 * i, &v, 8);
		}
		break;
	default:
		for (i = 0; i < n; i++) {
			uint64_t a, b;
			memcpy(&a, s + 16 * i, 8);
			memcpy(&b, s + 16 * i + 8, 8);
			a = __builtin_bswap64(a);
			b = __builtin_bswap64(b);
			memcpy(d + 16 * i, &b, 8);
			memcpy(d + 16 * i + 8, &a, 8);
		}
		break;
	}
}

static void swap_run(const struct cop *o, const unsigned char *s, unsigned char *d)
{
	uint64_t i;

	if (o->ss == o->sw && o->ds == o->sw) {
		mpp_conv_swap(o->sw, s, d, o->n);
		return;
	}
	for (i = 0; i < o->n; i++)
		mpp_conv_swap(o->sw, s + i * o->ss, d + i * o->ds, 1);
}

/* Integer of sw bytes (bits u) into dw bytes: 0 and *out, or -1. An
 * unsigned all-ones value (UINT_MAX, (size_t)-1: "no value", "maximum")
 * becomes the reader's all-ones. */
static int fit(uint64_t u, unsigned sw, unsigned dw, unsigned flags, uint64_t *out)
{
	unsigned sb = 8 * sw, db = 8 * dw;
	uint64_t smask = sb == 64 ? ~0ULL : (1ULL << sb) - 1, dmask = db == 64 ? ~0ULL : (1ULL << db) - 1;
	int64_t v;

	u &= smask;
	if (flags & F_SSIGNED) {
		v = sb < 64 && (u >> (sb - 1)) ? (int64_t)(u | ~smask) : (int64_t)u;
		if (flags & F_DSIGNED) {
			if (db < 64 && (v < -(int64_t)(1ULL << (db - 1)) || v > (int64_t)((1ULL << (db - 1)) - 1)))
				return -1;
		} else if (v < 0 || (uint64_t)v > dmask) {
			return -1;
		}
		*out = (uint64_t)v & dmask;
		return 0;
	}
	if (u == smask && !(flags & F_DSIGNED)) {
		*out = dmask;
		return 0;
	}
	if (u > ((flags & F_DSIGNED) ? dmask >> 1 : dmask))
		return -1;
	*out = u;
	return 0;
}

/* Tight loops for the width changes of long, size_t and pointers-sized
 * integers between ILP32 and LP64 (4 <-> 8 bytes, contiguous). Each
 * returns the index of the first value that does not fit, or n. */
#define WIDEN(NAME, ST, DT, SWAPFN, EXTEND)                                                  \
	static uint64_t NAME(const unsigned char *s, unsigned char *d, uint64_t n, int swap) \
	{                                                                                    \
		uint64_t i;                                                                  \
		for (i = 0; i < n; i++) {                                                    \
			ST v;                                                                \
			DT w;                                                                \
			memcpy(&v, s + i * sizeof v, sizeof v);                              \
			if (swap)                                                            \
				v = SWAPFN(v);                                               \
			w = EXTEND;                                                          \
			memcpy(d + i * sizeof w, &w, sizeof w);                              \
		}                                                                            \
		return n;                                                                    \
	}
WIDEN(widen_s, int32_t, int64_t, (int32_t)__builtin_bswap32, (int64_t)v)
WIDEN(widen_u, uint32_t, uint64_t, __builtin_bswap32, v == UINT32_MAX ? UINT64_MAX : (uint64_t)v)

static uint64_t narrow_s(const unsigned char *s, unsigned char *d, uint64_t n, int swap)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		int64_t v;
		int32_t w;
		memcpy(&v, s + 8 * i, 8);
		if (swap)
			v = (int64_t)__builtin_bswap64((uint64_t)v);
		if (v < INT32_MIN || v > INT32_MAX)
			return i;
		w = (int32_t)v;
		if (d)
			memcpy(d + 4 * i, &w, 4);
	}
	return n;
}

static uint64_t narrow_u(const unsigned char *s, unsigned char *d, uint64_t n, int swap)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		uint64_t v;
		uint32_t w;
		memcpy(&v, s + 8 * i, 8);
		if (swap)
			v = __builtin_bswap64(v);
		if (v > UINT32_MAX && v != UINT64_MAX)
			return i;
		w = (uint32_t)v;
		if (d)
			memcpy(d + 4 * i, &w, 4);
	}
	return n;
}

/* d NULL: only check. */
static uint64_t int_run(const struct cop *o, const unsigned char *s, unsigned char *d, int swap, uint64_t *bad)
{
	uint64_t i, v;
	unsigned sg = o->flags & (F_SSIGNED | F_DSIGNED);

	if (o->ss == o->sw && o->ds == o->dw && (sg == 0 || sg == (F_SSIGNED | F_DSIGNED))) {
		i = o->n + 1;
		if (o->sw == 4 && o->dw == 8 && d)
			i = sg ? widen_s(s, d, o->n, swap) : widen_u(s, d, o->n, swap);
		else if (o->sw == 4 && o->dw == 8)
			return o->n; /* widening never fails */
		else if (o->sw == 8 && o->dw == 4)
			i = sg ? narrow_s(s, d, o->n, swap) : narrow_u(s, d, o->n, swap);
		if (i < o->n)
			*bad = load(s + i * o->ss, o->sw, swap);
		if (i <= o->n)
			return i;
	}

	for (i = 0; i < o->n; i++) {
		uint64_t u = load(s + i * o->ss, o->sw, swap);
		if (fit(u, o->sw, o->dw, o->flags, &v)) {
			*bad = u;
			return i;
		}
		if (d)
			store(d + i * o->ds, o->dw, v);
	}
	return o->n;
}

/* ---- Long double --------------------------------------------------------
 * Through one canonical form: sign, class, exponent and a 128-bit
 * significand with its leading one at bit 127 (hi:lo). Two 64-bit halves,
 * not __int128, which i686 does not have. */

enum { LD_ZERO, LD_FIN, LD_INF, LD_NAN };

struct ldv {
	int sign, cls;
	int32_t exp; /* value = 1.f * 2^exp */
	uint64_t hi, lo;
};

struct ldfmt {
	unsigned ebits, fbits; /* exponent bits; stored fraction bits */
	int explicit_one;      /* x87 stores the leading one */
};

static const struct ldfmt ld_x87 = {15, 63, 1}, ld_q = {15, 112, 0}, ld_d = {11, 52, 0};

static const struct ldfmt *ldfmt_of(unsigned f)
{
	return f == MPP_LD_X87 ? &ld_x87 : f == MPP_LD_BINARY128 ? &ld_q : f == MPP_LD_BINARY64 ? &ld_d : NULL;
}

static unsigned clz128(uint64_t hi, uint64_t lo)
{
	return hi ? (unsigned)__builtin_clzll(hi) : lo ? 64 + (unsigned)__builtin_clzll(lo) : 128;
}

static void shl128(uint64_t *hi, uint64_t *lo, unsigned k)
{
	if (k == 0)
		return;
	if (k >= 128) {
		*hi = *lo = 0;
	} else if (k >= 64) {
		*hi = *lo << (k - 64);
		*lo = 0;
	} else {
		*hi = *hi << k | *lo >> (64 - k);
		*lo <<= k;
	}
}

/* Shift right; *sticky gets whether any one bit was shifted out. */
static void shr128(uint64_t *hi, uint64_t *lo, unsigned k, int *sticky)
{
	uint64_t h = *hi, l = *lo;

	*sticky = 0;
	if (k == 0)
		return;
	if (k >= 128) {
		*sticky = (h | l) != 0;
		*hi = *lo = 0;
	} else if (k >= 64) {
		*sticky = l != 0 || (k > 64 && (h << (128 - k)) != 0);
		*lo = h >> (k - 64);
		*hi = 0;
		if (k == 64)
			*lo = h;
	} else {
		*sticky = (l << (64 - k)) != 0;
		*lo = l >> k | h << (64 - k);
		*hi = h >> k;
	}
}

/* Fields (sign, biased exponent, stored fraction in hi:lo, right-aligned)
 * to canonical form. */
static void ld_decode(const struct ldfmt *f, int sign, uint32_t e, uint64_t hi, uint64_t lo, struct ldv *v)
{
	uint32_t emax = (1u << f->ebits) - 1;
	int32_t bias = (int32_t)(emax >> 1);
	unsigned k;

	v->sign = sign;
	if (f->explicit_one && e != 0 && e != emax && !(lo >> 63)) {
		v->cls = LD_NAN; /* x87 unnormal: an invalid operand */
		v->hi = 1ULL << 63 | 1ULL << 62;
		v->lo = 0;
		return;
	}
	if (e == emax) {
		uint64_t frac = f->explicit_one ? lo << 1 : hi | lo;
		v->cls = frac ? LD_NAN : LD_INF;
		/* payload: the fraction, left-aligned below the leading bit */
		shl128(&hi, &lo, 127 - f->fbits);
		v->hi = hi | 1ULL << 63;
		v->lo = lo;
		return;
	}
	if (!f->explicit_one && e != 0) { /* the implicit leading one */
		if (f->fbits >= 64)
			hi |= 1ULL << (f->fbits - 64);
		else
			lo |= 1ULL << f->fbits;
	}
	if (!hi && !lo) {
		v->cls = LD_ZERO;
		v->hi = v->lo = 0;
		v->exp = 0;
		return;
	}
	v->cls = LD_FIN;
	k = clz128(hi, lo);
	shl128(&hi, &lo, k);
	v->hi = hi;
	v->lo = lo;
	/* the stored value is frac * 2^(E - bias - fbits), E = max(e, 1);
	 * the leading one was at bit 127 - k */
	v->exp = (int32_t)(e ? e : 1) - bias - (int32_t)f->fbits + (127 - (int32_t)k);
}

/* Canonical form to fields, rounding to nearest even. -1 on overflow. */
static int ld_encode(const struct ldfmt *f, const struct ldv *v, uint32_t *e, uint64_t *hi, uint64_t *lo)
{
	uint32_t emax = (1u << f->ebits) - 1;
	int32_t bias = (int32_t)(emax >> 1), E;
	unsigned prec = f->fbits + 1, shift; /* significant bits kept */
	uint64_t h = v->hi, l = v->lo, rh, rl;
	int sticky, half, st2;

	if (v->cls == LD_ZERO) {
		*e = 0;
		*hi = *lo = 0;
		return 0;
	}
	if (v->cls != LD_FIN) {
		*e = emax;
		/* inf: empty fraction (x87: the explicit one); nan: quiet, payload kept */
		if (v->cls == LD_INF) {
			*hi = 0;
			*lo = f->explicit_one ? 1ULL << 63 : 0;
		} else {
			h = v->hi << 1 | v->lo >> 63; /* fraction below the leading one */
			l = v->lo << 1;
			shr128(&h, &l, 128 - f->fbits, &sticky);
			if (f->fbits > 64)
				h |= 1ULL << (f->fbits - 65);
			else
				l |= 1ULL << (f->fbits - 1);
			if (f->explicit_one)
				l |= 1ULL << 63;
			*hi = h;
			*lo = l;
		}
		return 0;
	}
	E = v->exp + bias;
	shift = 128 - prec;
	if (E < 1) { /* subnormal: fewer bits */
		if ((int64_t)1 - E > 200)
			shift = 200;
		else
			shift += (unsigned)(1 - E);
	}
	/* keep the top 128 - shift bits, round on the rest */
	rh = h;
	rl = l;
	if (shift >= 129) {
		half = 0;
		sticky = (h | l) != 0;
		rh = rl = 0;
	} else {
		shr128(&rh, &rl, shift - 1, &sticky);
		half = (int)(rl & 1);
		shr128(&rh, &rl, 1, &st2);
	}
	if (half && (sticky || (rl & 1))) {
		if (++rl == 0)
			rh++;
	}
	if (E < 1) {
		E = 0;
		/* rounding up into the smallest normal */
		if ((prec > 64 ? (rh >> (prec - 65)) & 1 : (rl >> (prec - 1)) & 1) != 0)
			E = 1;
	} else if ((prec >= 64 ? rh >> (prec - 64) : rl >> prec) != 0) { /* carried into bit prec */
		shr128(&rh, &rl, 1, &st2);
		E++;
	}
	if (E >= (int32_t)emax)
		return -1;
	if (!f->explicit_one) { /* drop the implicit one */
		if (f->fbits >= 64)
			rh &= (1ULL << (f->fbits - 64)) - 1;
		else
			rl &= (1ULL << f->fbits) - 1;
	}
	*e = (uint32_t)E;
	*hi = rh;
	*lo = rl;
	return 0;
}

int mpp_conv_ldouble(unsigned wfmt, unsigned wsize, int wswap, const unsigned char *src, unsigned rfmt, unsigned rsize,
                     unsigned char *dst)
{
	const struct ldfmt *wf = ldfmt_of(wfmt), *rf = ldfmt_of(rfmt);
	uint64_t hi, lo, a, b;
	uint32_t e;
	struct ldv v;
	int sign;

	if (!wf || !rf)
		return -1;
	if (wfmt == MPP_LD_X87) { /* 8 bytes of significand, 2 of sign and exponent, little-endian */
		lo = load(src, 8, wswap);
		e = (uint32_t)load(src + 8, 2, wswap);
		hi = 0;
		sign = (int)(e >> 15);
		e &= 0x7fff;
	} else if (wfmt == MPP_LD_BINARY128) {
		if (wsize < 16)
			return -1;
		a = load(src, 8, wswap);
		b = load(src + 8, 8, wswap);
		/* in memory order: little-endian puts the low half first */
		hi = wswap == (host_order() == 1) ? a : b;
		lo = wswap == (host_order() == 1) ? b : a;
		sign = (int)(hi >> 63);
		e = (uint32_t)(hi >> 48) & 0x7fff;
		hi &= (1ULL << 48) - 1;
	} else {
		lo = load(src, 8, wswap);
		hi = 0;
		sign = (int)(lo >> 63);
		e = (uint32_t)(lo >> 52) & 0x7ff;
		lo &= (1ULL << 52) - 1;
	}
	ld_decode(wf, sign, e, hi, lo, &v);
	if (ld_encode(rf, &v, &e, &hi, &lo))
		return -1;
	memset(dst, 0, rsize);
	if (rfmt == MPP_LD_X87) {
		store(dst, 8, lo);
		store(dst + 8, 2, (uint64_t)(e | (unsigned)sign << 15));
	} else if (rfmt == MPP_LD_BINARY128) {
		hi |= (uint64_t)(e | (unsigned)sign << 15) << 48;
		store(dst, 8, host_order() == 1 ? lo : hi);
		store(dst + 8, 8, host_order() == 1 ? hi : lo);
	} else {
		store(dst, 8, lo | (uint64_t)e << 52 | (uint64_t)sign << 63);
	}
	return 0;
}

/* ---- Running plans ------------------------------------------------------
 * A NULL destination only checks that every value fits. */

struct runctx {
	int swap;
	struct mpp_conv_fail *fail;
};

static int all_zero(const unsigned char *p, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static int run_ops(const struct mpp_cplan *p, const unsigned char *s, unsigned char *d, uint64_t base,
                   struct runctx *x);

static int run_op(const struct cop *o, const unsigned char *s, unsigned char *d, uint64_t base, struct runctx *x)
{
	unsigned char tmp[16];
	uint64_t i, bad = 0;

	s += o->soff;
	if (d)
		d += o->doff;
	base += o->soff;
	switch (o->op) {
	case OP_COPY:
		if (d)
			memcpy(d, s, o->n);
		return 0;
	case OP_SWAP:
		if (d)
			swap_run(o, s, d);
		return 0;
	case OP_INT:
		if ((i = int_run(o, s, d, x->swap, &bad)) == o->n)
			return 0;
		x->fail->off = base + i * o->ss;
		x->fail->why = MPP_CONV_INT;
		x->fail->value = bad;
		x->fail->is_signed = (o->flags & F_SSIGNED) != 0;
		x->fail->size = o->dw;
		return MPP_EFORMAT;
	case OP_LDBL:
		for (i = 0; i < o->n; i++) {
			if (mpp_conv_ldouble(o->flags >> 4, o->sw, x->swap, s + i * o->ss, o->flags & 15, o->dw,
			                     d ? d + i * o->ds : tmp)) {
				x->fail->off = base + i * o->ss;
				x->fail->why = MPP_CONV_LDBL;
				return MPP_EFORMAT;
			}
		}
		return 0;
	case OP_ZERO:
		if (all_zero(s, o->zlen)) {
			if (d)
				memset(d, 0, o->dlen);
			return 0;
		}
		if (o->sub)
			return run_ops(o->sub, s, d, base, x);
		x->fail->off = base;
		x->fail->why = o->flags & F_UNION ? MPP_CONV_UNION : MPP_CONV_OPAQUE;
		return MPP_EFORMAT;
	default: /* OP_REPEAT */
		for (i = 0; i < o->n; i++) {
			int rc = run_ops(o->sub, s + i * o->ss, d ? d + i * o->ds : NULL, base + i * o->ss, x);
			if (rc)
				return rc;
		}
		return 0;
	}
}

static int run_ops(const struct mpp_cplan *p, const unsigned char *s, unsigned char *d, uint64_t base, struct runctx *x)
{
	size_t i;
	int rc;

	for (i = 0; i < p->nops; i++)
		if ((rc = run_op(&p->ops[i], s, d, base, x)))
			return rc;
	return 0;
}

int mpp_conv_run(const struct mpp_cplan *p, const unsigned char *src, unsigned char *dst, uint64_t count,
                 struct mpp_conv_fail *fail)
{
	struct runctx x;
	struct cop o;

	memset(fail, 0, sizeof *fail);
	x.fail = fail;
	x.swap = p->swap;
	if (!p->nops || !count || !p->w->size) /* zero-size values: nothing to do, however many */
		return 0;
	fold(p, count, p->w->size, p->r->size, &o);
	return run_op(&o, src, dst, 0, &x);
}

int mpp_conv_check(const struct mpp_cplan *p, const unsigned char *src, uint64_t count, struct mpp_conv_fail *fail)
{
	return p->may_fail ? mpp_conv_run(p, src, NULL, count, fail) : (memset(fail, 0, sizeof *fail), 0);
}
