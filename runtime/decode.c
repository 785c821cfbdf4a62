/* decode.c: the state decoder. Checks in the order that gives the most
 * useful message (magic, version, length, checksum, architecture, program),
 * then bound-checks every section and checks every name, layout and pointer
 * entry against this program, so that restore.c applies only states that
 * passed, and nothing is written before. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpp_bytes.h"
#include "mpp_convert.h"
#include "mpp_decode.h"
#include "mpp_err.h"
#include "mpp_format.h"
#include "mpp_hash.h"
#include "mpp_image.h"
#include "mpp_registry.h"
#include "mpp_stream.h"

struct sec {
	const unsigned char *p;
	uint64_t len;
};

static int corrupt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int corrupt(const char *fmt, ...)
{
	char m[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	return mpp_err_set(MPP_EFORMAT, "corrupt state: %s", m);
}

static int nomem(void)
{
	return mpp_err_set(MPP_ENOMEM, "out of memory while reading the state");
}

void mpp_decode_free(struct mpp_dstate *st)
{
	mpp_adapt_free(st);
	free(st->lits);
	mpp_types_free(&st->tset);
	free(st->types);
	free(st->fields);
	free(st->ti);
	free(st->blocks);
	free(st->frames);
	free(st->funcs);
	free(st->owned);
	memset(st, 0, sizeof *st);
}

void mpp_decode_ptr(const struct mpp_dstate *st, uint64_t k, uint32_t *target, uint64_t *off)
{
	const unsigned char *e = st->ptrs + k * MPP_FMT_PTR_LEN;

	*target = mpp_get_u32(e);
	*off = mpp_get_u64(e + 8);
}

/* ---- Header --------------------------------------------------------------- */

static int check_header(struct mpp_dstate *st, const unsigned char *b, size_t len, struct sec *secs)
{
	unsigned char arch[MPP_FMT_ARCH_LEN];
	char mine[160], theirs[160];
	uint64_t flen, sum, fp, off, slen;
	unsigned version, i, id, nsect;
	size_t dir_end;

	if (len == 0)
		return mpp_err_set(MPP_EFORMAT, "empty file (not an mpp state file)");
	if (memcmp(b, MPP_FMT_MAGIC, len < MPP_FMT_MAGIC_LEN ? len : MPP_FMT_MAGIC_LEN))
		return mpp_err_set(MPP_EFORMAT, "not an mpp state file");
	if (len < MPP_FMT_OFF_VERSION + 2)
		return mpp_err_set(MPP_EFORMAT, "truncated at byte %zu", len);
	version = mpp_get_u16(b + MPP_FMT_OFF_VERSION);
	if (version < MPP_FMT_VERSION_MIN || version > MPP_FMT_VERSION)
		return mpp_err_set(MPP_EFORMAT, "unsupported format version %u (this program reads versions %u to %u)",
		                   version, MPP_FMT_VERSION_MIN, MPP_FMT_VERSION);
	st->version = version;
	nsect = version == 1 ? MPP_SEC_COUNT_V1 : MPP_SEC_COUNT;
	if (len < MPP_FMT_HDR_LEN)
		return mpp_err_set(MPP_EFORMAT, "truncated at byte %zu", len);
	flen = mpp_get_u64(b + MPP_FMT_OFF_FILELEN);
	if (flen > len)
		return mpp_err_set(MPP_EFORMAT, "truncated at byte %zu", len);
	dir_end = MPP_FMT_HDR_LEN + (size_t)nsect * MPP_FMT_DIRENT_LEN;
	if (mpp_get_u16(b + MPP_FMT_OFF_HDRLEN) != MPP_FMT_HDR_LEN || mpp_get_u32(b + MPP_FMT_OFF_NSECT) != nsect ||
	    flen < dir_end + MPP_FMT_TRAILER_LEN)
		return corrupt("bad header");
	if (flen < len)
		return corrupt("%zu bytes after the end of the state (byte %" PRIu64 ")", len - (size_t)flen, flen);
	sum = mpp_format_checksum(version, b, len - MPP_FMT_TRAILER_LEN);
	if (sum != mpp_get_u64(b + len - MPP_FMT_TRAILER_LEN))
		return mpp_err_set(MPP_EFORMAT, "checksum mismatch (file damaged)");
	mpp_format_arch(arch);
	if (!mpp_format_arch_same(arch, b + MPP_FMT_OFF_ARCH)) {
		if (mpp_format_arch_parse(b + MPP_FMT_OFF_ARCH, &st->warch)) {
			mpp_format_arch_text(b + MPP_FMT_OFF_ARCH, theirs, sizeof theirs);
			mpp_format_arch_text(arch, mine, sizeof mine);
			return mpp_err_set(MPP_EFORMAT,
			                   "written on an architecture this runtime cannot convert from (%s; this "
			                   "one: %s)",
			                   theirs, mine);
		}
		st->foreign = 1;
	}
	fp = mpp_get_u64(b + MPP_FMT_OFF_FPRINT);
	if (fp != mpp_registry_fingerprint())
		return mpp_err_set(MPP_EFORMAT,
		                   "written by another program (fingerprint 0x%016" PRIx64 " vs 0x%016" PRIx64 ")", fp,
		                   mpp_registry_fingerprint());
	st->fingerprint = fp;
	st->polls = mpp_get_u64(b + MPP_FMT_OFF_POLLS);
	st->binid = mpp_get_u64(b + MPP_FMT_OFF_BINID);
	st->binsrc = b[MPP_FMT_OFF_BINSRC];
	for (i = 0; i < nsect; i++) {
		const unsigned char *d = b + MPP_FMT_HDR_LEN + i * MPP_FMT_DIRENT_LEN;
		id = mpp_get_u32(d);
		off = mpp_get_u64(d + 8);
		slen = mpp_get_u64(d + 16);
		if (id < 1 || id > nsect || secs[id].p)
			return corrupt("bad section directory (entry %u)", i);
		if (off < dir_end || off > len - MPP_FMT_TRAILER_LEN || slen > len - MPP_FMT_TRAILER_LEN - off)
			return corrupt("section %u outside the file", id);
		secs[id].p = b + off;
		secs[id].len = slen;
	}
	return 0;
}

/* ---- Strings and types ---------------------------------------------------- */

static int str_at(const struct sec *s, uint32_t ref, int required, const char **out, const char *what)
{
	*out = NULL;
	if (ref == MPP_FMT_NONE) {
		if (required)
			return corrupt("%s has no name", what);
		return 0;
	}
	if (ref >= s->len)
		return corrupt("%s names string %u, beyond the string table", what, ref);
	*out = (const char *)s->p + ref;
	return 0;
}

static int fits_size(uint64_t v)
{
	return v <= (uint64_t)SIZE_MAX;
}

static int read_types(struct mpp_dstate *st, const struct sec *secs)
{
	const struct sec *s = &secs[MPP_SEC_TYPES], *strs = &secs[MPP_SEC_STRINGS];
	uint64_t pos, nfields = 0, k;
	uint32_t n, i, ref, elem;
	size_t fi = 0;
	int rc, pass;

	if (s->len < MPP_FMT_SECHDR_LEN)
		return corrupt("type table too short");
	n = mpp_get_u32(s->p);
	if (n > (s->len - MPP_FMT_SECHDR_LEN) / MPP_FMT_TYPE_LEN)
		return corrupt("type count %u does not fit its section", n);
	st->ntypes = n;
	mpp_types_init_arch(&st->tset, st->foreign ? &st->warch : NULL);
	st->types = calloc(n ? n : 1, sizeof *st->types);
	st->ti = calloc(n ? n : 1, sizeof *st->ti);
	if (!st->types || !st->ti)
		return nomem();
	/* pass 0 checks bounds and counts fields, pass 1 fills them in */
	for (pass = 0; pass < 2; pass++) {
		pos = MPP_FMT_SECHDR_LEN;
		for (i = 0; i < n; i++) {
			const unsigned char *e = s->p + pos;
			struct mpp_type *t = &st->types[i];
			uint64_t size, align, count;
			if (s->len - pos < MPP_FMT_TYPE_LEN)
				return corrupt("type %u beyond its section", i);
			t->kind = e[0];
			size = mpp_get_u64(e + 16);
			align = mpp_get_u64(e + 24);
			count = mpp_get_u64(e + 32);
			elem = mpp_get_u32(e + 8);
			pos += MPP_FMT_TYPE_LEN;
			if (t->kind < MPP_K_BOOL || t->kind > MPP_K_COMPLEX)
				return corrupt("type %u has unknown kind %d", i, t->kind);
			if (!fits_size(size) || !fits_size(align) || !fits_size(count))
				return corrupt("type %u is too large for this host", i);
			if (t->kind == MPP_K_STRUCT || t->kind == MPP_K_UNION) {
				if (count > (s->len - pos) / MPP_FMT_FIELD_LEN)
					return corrupt("fields of type %u beyond its section", i);
				if (pass == 1)
					for (k = 0; k < count; k++) {
						const unsigned char *f = s->p + pos + k * MPP_FMT_FIELD_LEN;
						struct mpp_field *fd = &st->fields[fi + k];
						uint32_t ft = mpp_get_u32(f + 4);
						uint64_t fo = mpp_get_u64(f + 8);
						if ((rc = str_at(strs, mpp_get_u32(f), 0, &fd->name, "field")))
							return rc;
						if (ft >= i)
							return corrupt("field %" PRIu64 " of type %u refers to type %u",
							               k, i, ft);
						if (!fits_size(fo))
							return corrupt("field %" PRIu64 " of type %u is too far", k, i);
						fd->type = &st->types[ft];
						fd->offset = (size_t)fo;
					}
				if (pass == 1)
					t->fields = count ? &st->fields[fi] : NULL;
				fi += (size_t)count;
				nfields += count;
				pos += count * MPP_FMT_FIELD_LEN;
			}
			if (pass == 0)
				continue;
			t->size = (size_t)size;
			t->align = (size_t)align;
			t->count = (size_t)count;
			ref = mpp_get_u32(e + 4);
			if ((rc = str_at(strs, ref, 0, &t->name, "type")))
				return rc;
			if (t->kind == MPP_K_ARRAY || t->kind == MPP_K_COMPLEX) {
				if (elem >= i)
					return corrupt("type %u has element type %u", i, elem);
				t->elem = &st->types[elem];
			}
		}
		if (pass == 0) {
			if (pos != s->len)
				return corrupt("type table has %" PRIu64 " extra bytes", s->len - pos);
			st->fields = calloc(nfields ? (size_t)nfields : 1, sizeof *st->fields);
			if (!st->fields)
				return nomem();
			fi = 0;
		}
	}
	for (i = 0; i < n; i++) {
		if ((rc = mpp_types_add(&st->tset, &st->types[i], &st->ti[i])))
			return rc == MPP_ENOMEM ? rc : mpp_err_wrap(MPP_EFORMAT, "corrupt state: type %u", i);
	}
	return 0;
}

/* Same layout: what the state says a value is, and what this program says. */
static int same_layout(const struct mpp_type *a, const struct mpp_type *b, unsigned depth, unsigned long *budget)
{
	size_t i;

	if (depth > MPP_TYPES_MAXDEPTH || !(*budget)--)
		return 0;
	if (a->kind != b->kind || a->size != b->size || a->count != b->count)
		return 0;
	switch (a->kind) {
	case MPP_K_ARRAY:
	case MPP_K_COMPLEX: return same_layout(a->elem, b->elem, depth + 1, budget);
	case MPP_K_STRUCT:
	case MPP_K_UNION:
		for (i = 0; i < a->count; i++)
			if (a->fields[i].offset != b->fields[i].offset ||
			    !same_layout(a->fields[i].type, b->fields[i].type, depth + 1, budget))
				return 0;
		return 1;
	default: return 1;
	}
}

/* The state's type of a value can become this program's: the same layout
 * on this architecture, the same shape on another (convert.c). */
static int layout_ok(const struct mpp_dstate *st, const struct mpp_tinfo *ti, const struct mpp_type *mine)
{
	unsigned long budget = 10000000;

	if (st->foreign)
		return mpp_conv_compatible(ti->t, mine);
	return same_layout(ti->t, mine, 1, &budget);
}

/* ---- Blocks, frames, functions --------------------------------------------- */

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (const void *const *)a, y = (uintptr_t) * (const void *const *)b;

	return x < y ? -1 : x > y;
}

static int read_funcs(struct mpp_dstate *st, const struct sec *secs)
{
	const struct sec *s = &secs[MPP_SEC_FUNCS];
	const char *name;
	uint32_t n, i;
	int rc;

	if (s->len < MPP_FMT_SECHDR_LEN)
		return corrupt("function table too short");
	n = mpp_get_u32(s->p);
	if ((uint64_t)n * MPP_FMT_FUNC_LEN != s->len - MPP_FMT_SECHDR_LEN)
		return corrupt("function count %u does not match its section", n);
	st->nfuncs = n;
	st->funcs = calloc(n ? n : 1, sizeof *st->funcs);
	if (!st->funcs)
		return nomem();
	for (i = 0; i < n; i++) {
		if ((rc = str_at(&secs[MPP_SEC_STRINGS], mpp_get_u32(s->p + MPP_FMT_SECHDR_LEN + i * MPP_FMT_FUNC_LEN),
		                 1, &name, "function")))
			return rc;
		if (!(st->funcs[i] = mpp_registry_find_func(name)))
			return mpp_err_set(MPP_EFORMAT,
			                   "the state refers to function '%s', which this program does not have", name);
	}
	return 0;
}

static int read_block(struct mpp_dstate *st, const struct sec *secs, uint32_t i, uint64_t *nptrs)
{
	const unsigned char *e = secs[MPP_SEC_BLOCKS].p + MPP_FMT_SECHDR_LEN + (uint64_t)i * MPP_FMT_BLOCK_LEN;
	struct mpp_dblock *b = &st->blocks[i];
	const struct sec *data = &secs[MPP_SEC_DATA];
	unsigned flags = e[1];
	uint32_t type = mpp_get_u32(e + 8);
	uint64_t doff = mpp_get_u64(e + 32), per;
	unsigned gflags;
	int rc;

	b->cls = e[0];
	b->frame = mpp_get_u32(e + 12);
	b->count = mpp_get_u64(e + 16);
	b->size = mpp_get_u64(e + 24);
	b->ptr_first = mpp_get_u64(e + 40);
	if (b->cls < MPP_BC_GLOBAL || b->cls > MPP_BC_STREAM)
		return corrupt("block %u has unknown class %d", i, b->cls);
	if ((rc = str_at(&secs[MPP_SEC_STRINGS], mpp_get_u32(e + 4),
	                 b->cls == MPP_BC_GLOBAL || b->cls == MPP_BC_EXTERN || b->cls == MPP_BC_STREAM, &b->name,
	                 "block")))
		return rc;
	if (st->version < 2 && (b->cls == MPP_BC_STREAM || e[2]))
		return corrupt("block %u: a stream or an alignment in a version 1 state", i);
	if (e[2] && (b->cls != MPP_BC_HEAP || e[2] > MPP_FMT_MAX_ALIGN_LOG2))
		return corrupt("block %u has alignment 2^%u", i, e[2]);
	b->align_log2 = e[2];
	if (b->ptr_first != *nptrs)
		return corrupt("block %u: pointer entries out of order", i);
	if (flags & MPP_BF_DATA) {
		if (b->cls == MPP_BC_EXTERN || b->cls == MPP_BC_IMAGE)
			return corrupt("block %u: a library object or the image cannot have data", i);
		if (type >= st->ntypes)
			return corrupt("block %u has type %u", i, type);
		b->ti = st->ti[type];
		if ((b->ti->t->size && b->count > UINT64_MAX / b->ti->t->size) || b->size != b->count * b->ti->t->size)
			return corrupt("block %u: size %" PRIu64 " is not %" PRIu64 " elements of type %u", i, b->size,
			               b->count, type);
		if (!fits_size(b->size) || doff > data->len || b->size > data->len - doff)
			return corrupt("block %u: data outside the data section", i);
		b->data = data->p + doff;
		per = b->ti->nptrs;
		if (per && b->count > (UINT64_MAX - *nptrs) / per)
			return corrupt("block %u: too many pointers", i);
		*nptrs += per * b->count;
	} else if (b->cls == MPP_BC_HEAP || b->cls == MPP_BC_FRAME || b->cls == MPP_BC_STREAM) {
		return corrupt("block %u has no data", i);
	} else if (type != MPP_FMT_NONE) { /* version 2: the type of a constant global */
		if (b->cls != MPP_BC_GLOBAL || type >= st->ntypes)
			return corrupt("block %u has type %u", i, type);
		b->ti = st->ti[type];
	}
	if ((b->cls == MPP_BC_GLOBAL || b->cls == MPP_BC_FRAME || b->cls == MPP_BC_STREAM) && b->count != 1)
		return corrupt("block %u: a variable with %" PRIu64 " elements", i, b->count);
	switch (b->cls) {
	case MPP_BC_GLOBAL:
		if (!(b->g = mpp_registry_find_global(b->name, &gflags)))
			return mpp_err_set(MPP_EFORMAT, "the state has global '%s', which this program does not have",
			                   b->name);
		if (b->data && (gflags & (MPP_G_CONST | MPP_G_NOSAVE)))
			return corrupt("the state has data for global '%s', which is not saved", b->name);
		if (b->ti && !layout_ok(st, b->ti, b->g->type))
			return mpp_err_set(MPP_EFORMAT, "global '%s' has another type in the state", b->name);
		b->addr = (uintptr_t)b->g->addr;
		b->placed = 1;
		break;
	case MPP_BC_EXTERN:
		if (!(b->addr = mpp_image_extern_find(b->name, &b->size)))
			return corrupt("unknown library object '%s'", b->name);
		b->placed = 1;
		break;
	case MPP_BC_IMAGE: b->placed = 1; break;
	case MPP_BC_STREAM: /* another architecture's record: checked once converted (adapt.c) */
		return st->foreign ? 0 : mpp_stream_check(b->name, b->ti->t, b->data);
	default: break;
	}
	return 0;
}

static int read_blocks(struct mpp_dstate *st, const struct sec *secs)
{
	const struct sec *s = &secs[MPP_SEC_BLOCKS];
	const struct mpp_global **gs = NULL;
	uint64_t nptrs = 0;
	uint32_t n, i, ng = 0, nimg = 0;
	int rc = 0;

	if (s->len < MPP_FMT_SECHDR_LEN)
		return corrupt("block table too short");
	n = mpp_get_u32(s->p);
	if ((uint64_t)n * MPP_FMT_BLOCK_LEN != s->len - MPP_FMT_SECHDR_LEN)
		return corrupt("block count %u does not match its section", n);
	st->nblocks = n;
	st->blocks = calloc(n ? n : 1, sizeof *st->blocks);
	gs = calloc(n ? n : 1, sizeof *gs);
	if (!st->blocks || !gs) {
		rc = nomem();
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((rc = read_block(st, secs, i, &nptrs)))
			goto out;
		if (st->blocks[i].g)
			gs[ng++] = st->blocks[i].g;
		if (st->blocks[i].cls == MPP_BC_IMAGE && ++nimg > 1) {
			rc = corrupt("more than one image block");
			goto out;
		}
	}
	qsort(gs, ng, sizeof *gs, cmp_ptr);
	for (i = 1; i < ng; i++)
		if (gs[i] == gs[i - 1]) {
			rc = corrupt("global '%s' appears twice", gs[i]->name);
			goto out;
		}
	if (secs[MPP_SEC_POINTERS].len < MPP_FMT_SECHDR_LEN) {
		rc = corrupt("pointer table too short");
		goto out;
	}
	st->nptrs = mpp_get_u64(secs[MPP_SEC_POINTERS].p);
	st->ptrs = secs[MPP_SEC_POINTERS].p + MPP_FMT_SECHDR_LEN;
	if (st->nptrs != nptrs || st->nptrs > (secs[MPP_SEC_POINTERS].len - MPP_FMT_SECHDR_LEN) / MPP_FMT_PTR_LEN ||
	    st->nptrs * MPP_FMT_PTR_LEN != secs[MPP_SEC_POINTERS].len - MPP_FMT_SECHDR_LEN)
		rc = corrupt("pointer table does not match the blocks");
out:
	free(gs);
	return rc;
}

static int read_frames(struct mpp_dstate *st, const struct sec *secs)
{
	const struct sec *s = &secs[MPP_SEC_FRAMES];
	uint64_t total = 0;
	uint32_t n, i, j, nframeblocks = 0;
	const char *name;
	int rc;

	if (s->len < MPP_FMT_SECHDR_LEN)
		return corrupt("frame table too short");
	n = mpp_get_u32(s->p);
	if ((uint64_t)n * MPP_FMT_FRAME_LEN != s->len - MPP_FMT_SECHDR_LEN)
		return corrupt("frame count %u does not match its section", n);
	if (n == 0)
		return corrupt("no frames");
	st->nframes = n;
	st->frames = calloc(n, sizeof *st->frames);
	if (!st->frames)
		return nomem();
	for (i = 0; i < st->nblocks; i++)
		nframeblocks += st->blocks[i].cls == MPP_BC_FRAME;
	for (i = 0; i < n; i++) {
		const unsigned char *e = s->p + MPP_FMT_SECHDR_LEN + (uint64_t)i * MPP_FMT_FRAME_LEN;
		struct mpp_dframe *f = &st->frames[i];
		const struct mpp_site *site;
		if ((rc = str_at(&secs[MPP_SEC_STRINGS], mpp_get_u32(e), 1, &name, "frame")))
			return rc;
		f->site = mpp_get_u32(e + 4);
		f->first = mpp_get_u32(e + 8);
		f->nvars = mpp_get_u32(e + 12);
		if (!(f->fn = mpp_registry_find_func(name)))
			return mpp_err_set(MPP_EFORMAT,
			                   "the state has a frame of function '%s', which this program does not have",
			                   name);
		if (f->site < 1 || f->site > f->fn->nsites)
			return mpp_err_set(MPP_EFORMAT,
			                   "the state has a frame of '%s' at site %u, which it does not have", name,
			                   f->site);
		site = &f->fn->sites[f->site - 1];
		if (f->nvars != site->nvars || f->first > st->nblocks || f->nvars > st->nblocks - f->first)
			return corrupt("frame %u ('%s' site %u) has %u variables, the program saves %u there", i, name,
			               f->site, f->nvars, site->nvars);
		for (j = 0; j < f->nvars; j++) {
			const struct mpp_dblock *b = &st->blocks[f->first + j];
			if (b->cls != MPP_BC_FRAME || b->frame != i)
				return corrupt("frame %u: block %u is not one of its variables", i, f->first + j);
			if (!site->types[j] || !layout_ok(st, b->ti, site->types[j]))
				return mpp_err_set(MPP_EFORMAT,
				                   "variable %u of '%s' at site %u has another type in the state", j,
				                   name, f->site);
			if (site->names && site->names[j] && b->name && strcmp(site->names[j], b->name))
				return corrupt("frame %u: variable %u is '%s' in the state, '%s' in the program", i, j,
				               b->name, site->names[j]);
		}
		total += f->nvars;
	}
	if (total != nframeblocks)
		return corrupt("frame variables do not match the frames");
	return 0;
}

/* ---- Literals (version 2) --------------------------------------------- */

static int read_literals(struct mpp_dstate *st, const struct sec *secs)
{
	const struct sec *s = &secs[MPP_SEC_LITERALS], *data = &secs[MPP_SEC_DATA];
	uint32_t n, i;

	if (st->version < 2)
		return 0;
	if (s->len < MPP_FMT_SECHDR_LEN)
		return corrupt("literal table too short");
	n = mpp_get_u32(s->p);
	if ((uint64_t)n * MPP_FMT_LIT_LEN != s->len - MPP_FMT_SECHDR_LEN)
		return corrupt("literal count %u does not match its section", n);
	st->lits = calloc(n ? n : 1, sizeof *st->lits);
	if (!st->lits)
		return nomem();
	st->nlits = n;
	for (i = 0; i < n; i++) {
		const unsigned char *e = s->p + MPP_FMT_SECHDR_LEN + (uint64_t)i * MPP_FMT_LIT_LEN;
		struct mpp_lit *l = &st->lits[i];
		uint64_t doff = mpp_get_u64(e + 16);
		l->off = mpp_get_u64(e);
		l->len = mpp_get_u64(e + 8);
		if (l->len < 1 || l->len > MPP_FMT_LIT_MAX || l->off > UINT64_MAX - l->len)
			return corrupt("literal %u has length %" PRIu64, i, l->len);
		if (i && l->off < st->lits[i - 1].off + st->lits[i - 1].len)
			return corrupt("literal %u overlaps the one before", i);
		if (doff > data->len || l->len > data->len - doff)
			return corrupt("literal %u outside the data section", i);
		l->bytes = data->p + doff;
		if (l->bytes[l->len - 1])
			return corrupt("literal %u is not terminated", i);
	}
	return 0;
}

const struct mpp_lit *mpp_decode_lit(const struct mpp_dstate *st, uint64_t off)
{
	uint32_t lo = 0, hi = st->nlits;

	while (lo < hi) { /* first literal starting after off */
		uint32_t mid = lo + (hi - lo) / 2;
		if (st->lits[mid].off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || off > st->lits[lo - 1].off + st->lits[lo - 1].len)
		return NULL;
	return &st->lits[lo - 1];
}

/* ---- Pointer entries ------------------------------------------------------ */

struct pcheck {
	struct mpp_dstate *st;
	uint64_t k;        /* next entry */
	uint64_t image;    /* image pointers seen */
	uint64_t unmapped; /* of those, not to be found in another image */
	int bad_image;     /* an image offset that is no address here */
	int other_known;   /* st->other_binary is computed */
};

/* Whether the state comes from another executable: then pointers into the
 * image are found through the literal table. */
static int other_binary(struct pcheck *c)
{
	int src;
	uint64_t id;

	if (!c->other_known) {
		id = mpp_image_id(&src);
		c->st->other_binary = c->st->foreign || id != c->st->binid || src != c->st->binsrc;
		c->other_known = 1;
	}
	return c->st->other_binary;
}

static void image_ptr(struct pcheck *c, uint64_t toff, int fn)
{
	c->image++;
	if (!other_binary(c))
		c->bad_image |= !mpp_image_at(toff);
	else if (fn || !mpp_decode_lit(c->st, toff))
		c->unmapped++;
}

static int check_slot(void *ctx, uint64_t off, const struct mpp_slot *slot)
{
	struct pcheck *c = ctx;
	uint32_t target;
	uint64_t toff;

	(void)off;
	if (slot->kind == MPP_SLOT_UNION)
		return 0;
	mpp_decode_ptr(c->st, c->k, &target, &toff);
	c->k++;
	if (target == MPP_FMT_NONE)
		return toff > MPP_FMT_DANGLING ? corrupt("null pointer %" PRIu64 " with an offset", c->k - 1) : 0;
	if (slot->kind == MPP_SLOT_FN) {
		if (target == MPP_FMT_FN_IMAGE) {
			image_ptr(c, toff, 1);
			return 0;
		}
		if (target >= c->st->nfuncs || toff)
			return corrupt("function pointer %" PRIu64 " refers to function %u", c->k - 1, target);
		return 0;
	}
	if (target >= c->st->nblocks)
		return corrupt("pointer %" PRIu64 " refers to block %u of %u", c->k - 1, target, c->st->nblocks);
	if (c->st->blocks[target].cls == MPP_BC_IMAGE) {
		image_ptr(c, toff, 0);
		return 0;
	}
	if (toff > c->st->blocks[target].size) {
		if (c->st->blocks[target].cls == MPP_BC_EXTERN)
			return mpp_err_set(MPP_EFORMAT, "a pointer into '%s' lies beyond its end in this process",
			                   c->st->blocks[target].name);
		return corrupt("pointer %" PRIu64 " lies beyond the end of block %u", c->k - 1, target);
	}
	return 0;
}

static int check_pointers(struct mpp_dstate *st)
{
	struct pcheck c = {st, 0, 0, 0, 0, 0};
	uint64_t e;
	uint32_t i;
	int rc, src;
	uint64_t id;

	st->other_binary = st->foreign;
	for (i = 0; i < st->nblocks; i++) {
		const struct mpp_dblock *b = &st->blocks[i];
		if (!b->data || !b->ti->nptrs)
			continue;
		for (e = 0; e < b->count; e++)
			if ((rc = mpp_types_walk(b->ti, e * b->ti->t->size, check_slot, &c)))
				return rc;
	}
	if (c.k != st->nptrs)
		return corrupt("pointer table does not match the blocks");
	st->nimage = c.image;
	if (c.unmapped && st->version < 2) {
		id = mpp_image_id(&src);
		return mpp_err_set(MPP_EFORMAT,
		                   "it holds %" PRIu64 " pointers into the executable (string literals, constant "
		                   "tables) and was written by another build of the program in format version 1, "
		                   "which does not say where they point (binary id 0x%016" PRIx64 " vs 0x%016" PRIx64
		                   ")",
		                   c.unmapped, st->binid, id);
	}
	if (c.unmapped) {
		id = mpp_image_id(&src);
		return mpp_err_set(MPP_EFORMAT,
		                   "it holds %" PRIu64 " pointers into the executable that are not string literals "
		                   "(constant tables, functions outside the translated code) and was written by "
		                   "another build of the program (binary id 0x%016" PRIx64 " vs 0x%016" PRIx64 ")",
		                   c.unmapped, st->binid, id);
	}
	if (c.bad_image)
		return corrupt("a pointer into the executable lies outside it");
	return 0;
}

int mpp_decode(struct mpp_dstate *st, const unsigned char *buf, size_t len)
{
	struct sec secs[MPP_SEC_COUNT + 1];
	int rc;

	memset(st, 0, sizeof *st);
	memset(secs, 0, sizeof secs);
	st->buf = buf;
	st->len = len;
	mpp_types_init(&st->tset);
	if ((rc = check_header(st, buf, len, secs)))
		goto fail;
	if (secs[MPP_SEC_STRINGS].len && secs[MPP_SEC_STRINGS].p[secs[MPP_SEC_STRINGS].len - 1]) {
		rc = corrupt("string table not terminated");
		goto fail;
	}
	if ((rc = read_types(st, secs)) || (rc = read_funcs(st, secs)) || (rc = read_blocks(st, secs)) ||
	    (rc = read_frames(st, secs)) || (rc = read_literals(st, secs)) || (rc = check_pointers(st)))
		goto fail;
	if ((st->foreign || (st->other_binary && st->nimage)) && (rc = mpp_adapt(st)))
		goto fail;
	return 0;
fail:
	st->owned = NULL; /* the caller still owns its buffer */
	mpp_decode_free(st);
	return rc;
}
