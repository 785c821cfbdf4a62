/* encode.c: the state encoder. Collects every block (registered globals,
 * C library objects, the image, heap blocks, then the frame variables,
 * outermost frame first), has relocate.c translate their pointers, and
 * writes the sections with exact sizes into one buffer: names, types,
 * functions, blocks, frames, pointer entries, data, then the checksum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MPP_LOG_PREFIX "encode"
#include "mpp_bytes.h"
#include "mpp_capture.h"
#include "mpp_encode.h"
#include "mpp_err.h"
#include "mpp_format.h"
#include "mpp_hash.h"
#include "mpp_sum.h"
#include "mpp_heap.h"
#include "mpp_image.h"
#include "mpp_log.h"
#include "mpp_registry.h"
#include "mpp_relocate.h"
#include "mpp_stream.h"
#include "mpp_types.h"

static struct {
	struct mpp_tset types; /* persistent: descriptors live as long as the program */
	struct mpp_eblock *b;
	size_t nb, bcap;
	struct mpp_reloc rel;
	char *str;
	size_t slen, scap;
	uint32_t *stab; /* string offset + 1 */
	size_t stcap, nstr;
	uint32_t image;
} enc;

void mpp_buf_free(struct mpp_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void mpp_encode_free(void)
{
	mpp_types_free(&enc.types);
	mpp_relocate_free(&enc.rel);
	free(enc.b);
	free(enc.str);
	free(enc.stab);
	memset(&enc, 0, sizeof enc);
}

static int oom(void)
{
	mpp_err_set(MPP_ENOMEM, "out of memory while encoding the state");
	return MPP_ENOMEM;
}

static int grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return 0;
	while (c < need) {
		if (c > SIZE_MAX / 2 / elem)
			return oom();
		c *= 2;
	}
	if (!(p = realloc(*v, c * elem)))
		return oom();
	*v = p;
	*cap = c;
	return 0;
}

static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* ---- Strings ----------------------------------------------------------- */

static int str_rehash(void)
{
	size_t cap = enc.stcap ? enc.stcap * 2 : 256, i, h;
	uint32_t *tab = calloc(cap, sizeof *tab);

	if (!tab)
		return oom();
	for (i = 0; i < enc.stcap; i++) {
		if (!enc.stab[i])
			continue;
		for (h = (size_t)mpp_hash_str(enc.str + enc.stab[i] - 1) & (cap - 1); tab[h]; h = (h + 1) & (cap - 1))
			;
		tab[h] = enc.stab[i];
	}
	free(enc.stab);
	enc.stab = tab;
	enc.stcap = cap;
	return 0;
}

/* Offset of s in the string section (added if new), MPP_FMT_NONE for NULL. */
static int str_ref(const char *s, uint32_t *ref)
{
	size_t h, n;
	int rc;

	*ref = MPP_FMT_NONE;
	if (!s)
		return 0;
	for (h = enc.stcap ? (size_t)mpp_hash_str(s) & (enc.stcap - 1) : 0; enc.stcap && enc.stab[h];
	     h = (h + 1) & (enc.stcap - 1)) {
		if (!strcmp(enc.str + enc.stab[h] - 1, s)) {
			*ref = enc.stab[h] - 1;
			return 0;
		}
	}
	if ((enc.nstr + 1) * 2 > enc.stcap) {
		if ((rc = str_rehash()))
			return rc;
		for (h = (size_t)mpp_hash_str(s) & (enc.stcap - 1); enc.stab[h]; h = (h + 1) & (enc.stcap - 1))
			;
	}
	n = strlen(s) + 1;
	if (enc.slen + n >= MPP_FMT_NONE - 1)
		return mpp_err_set(MPP_ECAPTURE, "too many names in the state");
	if ((rc = grow((void **)&enc.str, &enc.scap, enc.slen + n, 1)))
		return rc;
	memcpy(enc.str + enc.slen, s, n);
	enc.stab[h] = (uint32_t)enc.slen + 1;
	*ref = (uint32_t)enc.slen;
	enc.slen += n;
	enc.nstr++;
	return 0;
}

/* ---- Blocks ------------------------------------------------------------- */

static int new_block(struct mpp_eblock **out)
{
	int rc;

	if (enc.nb >= MPP_FMT_FN_IMAGE) {
		mpp_err_set(MPP_ECAPTURE, "too many blocks in the state");
		return MPP_ECAPTURE;
	}
	if ((rc = grow((void **)&enc.b, &enc.bcap, enc.nb + 1, sizeof *enc.b)))
		return rc;
	*out = &enc.b[enc.nb++];
	memset(*out, 0, sizeof **out);
	return 0;
}

static int add_type(const struct mpp_type *t, const struct mpp_tinfo **ti, const char *what, const char *name)
{
	int rc = mpp_types_add(&enc.types, t, ti);

	return rc ? mpp_err_wrap(rc, "cannot save %s '%s'", what, name) : 0;
}

/* The files the program opened (stream.c): a FILE * of the program is
 * saved as a pointer to its block. */
static int add_streams(void)
{
	struct mpp_eblock *b;
	const struct mpp_type *t;
	size_t i;
	int rc;

	if ((rc = mpp_stream_snapshot()))
		return rc;
	for (i = 0; i < mpp_stream_count(); i++) {
		if ((rc = new_block(&b)))
			return rc;
		b->cls = MPP_BC_STREAM;
		b->src = mpp_stream_record(i, &t, &b->name, &b->addr);
		b->size = t->size;
		b->count = 1;
		if ((rc = add_type(t, &b->ti, "stream", b->name)))
			return rc;
	}
	return 0;
}

static int collect(void)
{
	struct mpp_eblock *b;
	size_t i, j, n, nf;
	int rc;

	n = mpp_registry_nglobals();
	for (i = 0; i < n; i++) {
		unsigned flags;
		const struct mpp_global *g = mpp_registry_global(i, &flags);
		if ((rc = new_block(&b)))
			return rc;
		b->cls = MPP_BC_GLOBAL;
		b->name = g->name;
		b->addr = (uintptr_t)g->addr;
		b->size = g->type->size;
		b->count = 1;
		if (mpp_registry_find_global(g->name, NULL) != g)
			return mpp_err_set(MPP_ECAPTURE,
			                   "cannot save global '%s': another global of the program has the same name",
			                   g->name);
		if (!(flags & (MPP_G_CONST | MPP_G_NOSAVE))) {
			b->src = g->addr;
			if ((rc = add_type(g->type, &b->ti, "global", g->name)))
				return rc;
		} else if (mpp_types_add(&enc.types, g->type, &b->ti)) {
			/* only for readers of another layout, which then cannot
			 * map offsets into it: not worth failing the capture */
			b->ti = NULL;
			mpp_err_clear();
		}
	}
	for (i = 0; i < mpp_image_nexterns(); i++) {
		if ((rc = new_block(&b)))
			return rc;
		b->cls = MPP_BC_EXTERN;
		b->name = mpp_image_extern(i, &b->addr, &b->size);
		b->count = 1;
	}
	if ((rc = add_streams()))
		return rc;
	if ((rc = new_block(&b)))
		return rc;
	b->cls = MPP_BC_IMAGE;
	b->size = mpp_image_span();
	b->count = 1;
	enc.image = (uint32_t)(b - enc.b);
	if ((rc = mpp_heap_walk()))
		return rc;
	for (i = 0; i < mpp_heap_count(); i++) {
		const struct mpp_hblock *h = mpp_heap_at(i);
		if ((rc = new_block(&b)))
			return rc;
		b->cls = MPP_BC_HEAP;
		b->addr = (uintptr_t)h->addr;
		b->size = h->size;
		b->count = h->count;
		b->src = h->addr;
		b->heap = i;
		if ((rc = add_type(h->elem, &b->ti, "heap block of", h->elem->name ? h->elem->name : "?")))
			return rc;
	}
	nf = mpp_capture_nframes();
	if (!nf)
		return mpp_err_set(MPP_EINTERNAL, "the capture ended without saving any frame");
	if (nf >= MPP_FMT_NONE)
		return mpp_err_set(MPP_ECAPTURE, "too many frames");
	for (i = 0; i < nf; i++) {
		const struct mpp_cframe *f = mpp_capture_frame(nf - 1 - i);
		if (mpp_registry_find_func(f->fn->name) != f->fn)
			return mpp_err_set(
			    MPP_ECAPTURE,
			    "cannot save the frame of '%s': another function of the program has the same name "
			    "(or the function is not registered)",
			    f->fn->name);
		for (j = 0; j < f->nvars; j++) {
			const struct mpp_cvar *v = mpp_capture_var(f->first + j);
			if ((rc = new_block(&b)))
				return rc;
			b->cls = MPP_BC_FRAME;
			b->name = v->name;
			b->addr = v->addr;
			b->size = v->type->size;
			b->count = 1;
			b->src = mpp_capture_bytes(v);
			b->frame = (uint32_t)i;
			b->fn = f->fn;
			b->site = f->site;
			if ((rc = mpp_types_add(&enc.types, v->type, &b->ti)))
				return mpp_err_wrap(rc, "cannot save variable '%s' in frame of '%s' (site %u)", v->name,
				                    f->fn->name, f->site);
		}
	}
	return 0;
}

/* ---- Writing ----------------------------------------------------------------- */

static int zero_slot(void *ctx, uint64_t off, const struct mpp_slot *slot)
{
	if (slot->kind != MPP_SLOT_UNION)
		memset((unsigned char *)ctx + off, 0, slot->size);
	return 0;
}

static int intern_names(void)
{
	uint32_t ref;
	size_t i, k;
	int rc;

	for (i = 0; i < enc.types.n; i++) {
		const struct mpp_type *t = enc.types.v[i]->t;
		if ((rc = str_ref(t->name, &ref)))
			return rc;
		if (t->kind == MPP_K_STRUCT || t->kind == MPP_K_UNION)
			for (k = 0; k < t->count; k++)
				if ((rc = str_ref(t->fields[k].name, &ref)))
					return rc;
	}
	for (i = 0; i < enc.nb; i++)
		if ((rc = str_ref(enc.b[i].name, &ref)))
			return rc;
	for (i = 0; i < mpp_capture_nframes(); i++)
		if ((rc = str_ref(mpp_capture_frame(i)->fn->name, &ref)))
			return rc;
	for (i = 0; i < enc.rel.nfuncs; i++)
		if ((rc = str_ref(enc.rel.funcs[i]->name, &ref)))
			return rc;
	return 0;
}

static size_t types_len(void)
{
	size_t n = MPP_FMT_SECHDR_LEN, i;

	for (i = 0; i < enc.types.n; i++) {
		const struct mpp_type *t = enc.types.v[i]->t;
		n += MPP_FMT_TYPE_LEN;
		if (t->kind == MPP_K_STRUCT || t->kind == MPP_K_UNION)
			n += t->count * MPP_FMT_FIELD_LEN;
	}
	return n;
}

static unsigned char *put_types(unsigned char *p)
{
	uint32_t ref, i;
	size_t k;

	mpp_put_u32(p, enc.types.n);
	mpp_put_u32(p + 4, 0);
	p += MPP_FMT_SECHDR_LEN;
	for (i = 0; i < enc.types.n; i++) {
		const struct mpp_tinfo *ti = enc.types.v[i];
		const struct mpp_type *t = ti->t;
		memset(p, 0, MPP_FMT_TYPE_LEN);
		mpp_put_u8(p, (unsigned)t->kind);
		str_ref(t->name, &ref);
		mpp_put_u32(p + 4, ref);
		mpp_put_u32(p + 8, ti->elem ? ti->elem->index : MPP_FMT_NONE);
		mpp_put_u64(p + 16, t->size);
		mpp_put_u64(p + 24, t->align);
		mpp_put_u64(p + 32, t->count);
		p += MPP_FMT_TYPE_LEN;
		if (t->kind != MPP_K_STRUCT && t->kind != MPP_K_UNION)
			continue;
		for (k = 0; k < t->count; k++) {
			str_ref(t->fields[k].name, &ref);
			mpp_put_u32(p, ref);
			mpp_put_u32(p + 4, ti->fields[k]->index);
			mpp_put_u64(p + 8, t->fields[k].offset);
			p += MPP_FMT_FIELD_LEN;
		}
	}
	return p;
}

static int by_image_offset(const void *a, const void *b)
{
	const struct mpp_elit *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* Bytes copied and hashed at a time: well inside the L2 cache. */
#define HASH_CHUNK ((size_t)64 << 10)

static int write_state(struct mpp_buf *out, uint64_t polls)
{
	struct mpp_sum_state hs;
	size_t len[MPP_SEC_COUNT + 1], off[MPP_SEC_COUNT + 1], total, i, nf = mpp_capture_nframes();
	uint64_t data = 0;
	unsigned char *p, *base;
	uint32_t ref;
	int rc, binsrc;
	uint64_t binid = mpp_image_id(&binsrc);

	for (i = 0; i < enc.nb; i++) {
		if (!enc.b[i].src)
			continue;
		enc.b[i].data_off = data;
		data += pad8(enc.b[i].size);
	}
	if (enc.rel.nlits) /* (qsort's array may not be NULL, even empty) */
		qsort(enc.rel.lits, enc.rel.nlits, sizeof *enc.rel.lits, by_image_offset);
	for (i = 0; i < enc.rel.nlits; i++) {
		enc.rel.lits[i].data_off = data;
		data += pad8(enc.rel.lits[i].len);
	}
	len[MPP_SEC_STRINGS] = enc.slen;
	len[MPP_SEC_TYPES] = types_len();
	len[MPP_SEC_FUNCS] = MPP_FMT_SECHDR_LEN + enc.rel.nfuncs * MPP_FMT_FUNC_LEN;
	len[MPP_SEC_BLOCKS] = MPP_FMT_SECHDR_LEN + enc.nb * MPP_FMT_BLOCK_LEN;
	len[MPP_SEC_FRAMES] = MPP_FMT_SECHDR_LEN + nf * MPP_FMT_FRAME_LEN;
	len[MPP_SEC_POINTERS] = MPP_FMT_SECHDR_LEN + enc.rel.nptrs * MPP_FMT_PTR_LEN;
	len[MPP_SEC_LITERALS] = MPP_FMT_SECHDR_LEN + enc.rel.nlits * MPP_FMT_LIT_LEN;
	if (data > SIZE_MAX / 2)
		return oom();
	len[MPP_SEC_DATA] = (size_t)data;
	total = MPP_FMT_HDR_LEN + MPP_SEC_COUNT * MPP_FMT_DIRENT_LEN;
	for (i = 1; i <= MPP_SEC_COUNT; i++) {
		if (i == MPP_SEC_DATA) /* last, so its bytes need not be zeroed first */
			continue;
		off[i] = total;
		total += pad8(len[i]);
		if (total > SIZE_MAX / 2)
			return oom();
	}
	off[MPP_SEC_DATA] = total;
	total += pad8(len[MPP_SEC_DATA]);
	if (total > SIZE_MAX / 2)
		return oom();
	total += MPP_FMT_TRAILER_LEN;
	if ((rc = grow((void **)&out->p, &out->cap, total, 1)))
		return rc;
	base = out->p;
	memset(base, 0, off[MPP_SEC_DATA]);

	/* header and directory */
	memcpy(base, MPP_FMT_MAGIC, MPP_FMT_MAGIC_LEN);
	mpp_put_u16(base + MPP_FMT_OFF_VERSION, MPP_FMT_VERSION);
	mpp_put_u16(base + MPP_FMT_OFF_HDRLEN, MPP_FMT_HDR_LEN);
	mpp_put_u32(base + MPP_FMT_OFF_NSECT, MPP_SEC_COUNT);
	mpp_put_u64(base + MPP_FMT_OFF_FILELEN, total);
	mpp_put_u64(base + MPP_FMT_OFF_FPRINT, mpp_registry_fingerprint());
	mpp_put_u64(base + MPP_FMT_OFF_POLLS, polls);
	mpp_put_u64(base + MPP_FMT_OFF_BINID, binid);
	mpp_put_u8(base + MPP_FMT_OFF_BINSRC, (unsigned)binsrc);
	mpp_format_arch(base + MPP_FMT_OFF_ARCH);
	for (i = 1; i <= MPP_SEC_COUNT; i++) {
		p = base + MPP_FMT_HDR_LEN + (i - 1) * MPP_FMT_DIRENT_LEN;
		mpp_put_u32(p, (uint32_t)i);
		mpp_put_u64(p + 8, off[i]);
		mpp_put_u64(p + 16, len[i]);
	}

	memcpy(base + off[MPP_SEC_STRINGS], enc.str, enc.slen);
	put_types(base + off[MPP_SEC_TYPES]);

	p = base + off[MPP_SEC_FUNCS];
	mpp_put_u32(p, (uint32_t)enc.rel.nfuncs);
	for (i = 0; i < enc.rel.nfuncs; i++) {
		str_ref(enc.rel.funcs[i]->name, &ref);
		mpp_put_u32(p + MPP_FMT_SECHDR_LEN + i * MPP_FMT_FUNC_LEN, ref);
	}

	p = base + off[MPP_SEC_BLOCKS];
	mpp_put_u32(p, (uint32_t)enc.nb);
	p += MPP_FMT_SECHDR_LEN;
	for (i = 0; i < enc.nb; i++, p += MPP_FMT_BLOCK_LEN) {
		const struct mpp_eblock *b = &enc.b[i];
		mpp_put_u8(p, (unsigned)b->cls);
		mpp_put_u8(p + 1, b->src ? MPP_BF_DATA : 0);
		if (b->cls == MPP_BC_HEAP)
			mpp_put_u8(p + 2, mpp_heap_align_log2(mpp_heap_at(b->heap)));
		str_ref(b->name, &ref);
		mpp_put_u32(p + 4, ref);
		mpp_put_u32(p + 8, b->ti ? b->ti->index : MPP_FMT_NONE);
		mpp_put_u32(p + 12, b->cls == MPP_BC_FRAME ? b->frame : MPP_FMT_NONE);
		mpp_put_u64(p + 16, b->count);
		mpp_put_u64(p + 24, b->size);
		mpp_put_u64(p + 32, b->src ? b->data_off : 0);
		mpp_put_u64(p + 40, b->ptr_first);
	}

	p = base + off[MPP_SEC_FRAMES];
	mpp_put_u32(p, (uint32_t)nf);
	p += MPP_FMT_SECHDR_LEN;
	{
		size_t first = 0;
		while (first < enc.nb && enc.b[first].cls != MPP_BC_FRAME)
			first++;
		for (i = 0; i < nf; i++, p += MPP_FMT_FRAME_LEN) {
			const struct mpp_cframe *f = mpp_capture_frame(nf - 1 - i);
			str_ref(f->fn->name, &ref);
			mpp_put_u32(p, ref);
			mpp_put_u32(p + 4, f->site);
			mpp_put_u32(p + 8, (uint32_t)first);
			mpp_put_u32(p + 12, (uint32_t)f->nvars);
			first += f->nvars;
		}
	}

	p = base + off[MPP_SEC_LITERALS];
	mpp_put_u32(p, (uint32_t)enc.rel.nlits);
	for (i = 0; i < enc.rel.nlits; i++) {
		unsigned char *e = p + MPP_FMT_SECHDR_LEN + i * MPP_FMT_LIT_LEN;
		mpp_put_u64(e, enc.rel.lits[i].off);
		mpp_put_u64(e + 8, enc.rel.lits[i].len);
		mpp_put_u64(e + 16, enc.rel.lits[i].data_off);
	}

	p = base + off[MPP_SEC_POINTERS];
	mpp_put_u64(p, enc.rel.nptrs);
	if (enc.rel.nptrs)
		memcpy(p + MPP_FMT_SECHDR_LEN, enc.rel.ptrs, enc.rel.nptrs * MPP_FMT_PTR_LEN);

	/* The tables are written: hash them, then the data as it is copied,
	 * a chunk at a time while it is in the cache (the data section is the
	 * last one, in file order). */
	for (i = 1; i <= MPP_SEC_COUNT; i++)
		if (i != MPP_SEC_DATA)
			memset(base + off[i] + len[i], 0, pad8(len[i]) - len[i]);
	mpp_sum_init(&hs);
	mpp_sum_update(&hs, base, off[MPP_SEC_DATA]);

	/* data: native bytes, pointer slots zeroed */
	p = base + off[MPP_SEC_DATA];
	for (i = 0; i < enc.nb; i++) {
		const struct mpp_eblock *b = &enc.b[i];
		unsigned char *d;
		uint64_t c;
		if (!b->src)
			continue;
		d = p + b->data_off;
		memset(d + b->size, 0, pad8(b->size) - b->size);
		if (b->ti->nptrs) {
			memcpy(d, b->src, b->size);
			for (c = 0; c < b->count; c++)
				mpp_types_walk(b->ti, 0, zero_slot, d + c * b->ti->t->size);
			mpp_sum_update(&hs, d, pad8(b->size));
			continue;
		}
		for (c = 0; c < b->size; c += HASH_CHUNK) {
			size_t k = b->size - c < HASH_CHUNK ? (size_t)(b->size - c) : HASH_CHUNK;
			memcpy(d + c, b->src + c, k);
			mpp_sum_update(&hs, d + c, k);
		}
		mpp_sum_update(&hs, d + b->size, pad8(b->size) - b->size);
	}
	for (i = 0; i < enc.rel.nlits; i++) {
		const struct mpp_elit *l = &enc.rel.lits[i];
		memcpy(p + l->data_off, l->bytes, l->len);
		memset(p + l->data_off + l->len, 0, pad8(l->len) - l->len);
		mpp_sum_update(&hs, p + l->data_off, pad8(l->len));
	}
	mpp_put_u64(base + total - MPP_FMT_TRAILER_LEN, mpp_sum_final(&hs));
	out->len = total;
	return 0;
}

int mpp_encode(struct mpp_buf *out, uint64_t polls)
{
	int rc;

	enc.nb = 0;
	enc.slen = 0;
	enc.nstr = 0;
	if (enc.stab)
		memset(enc.stab, 0, enc.stcap * sizeof *enc.stab);
	if ((rc = mpp_capture_status()) || (rc = collect()) ||
	    (rc = mpp_relocate(&enc.rel, enc.b, enc.nb, enc.image)) || (rc = intern_names()) ||
	    (rc = write_state(out, polls)))
		return rc;
	mpp_debug("state: %zu blocks, %zu pointers, %zu types, %zu bytes", enc.nb, enc.rel.nptrs, (size_t)enc.types.n,
	          out->len);
	return 0;
}
