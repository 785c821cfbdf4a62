/* capture.c: __mpp_capture_frame and the staging area it fills. Frames
 * arrive innermost first, while the stack unwinds; a variable's bytes are
 * copied raw (8-byte aligned in one growing buffer) with its original
 * address and type. Errors cannot be returned to generated code: the first
 * one is kept and reported by main when the unwinding is complete. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MPP_LOG_PREFIX "capture"
#include "mpp_capture.h"
#include "mpp_err.h"
#include "mpp_log.h"

static struct {
	struct mpp_cframe *frames;
	size_t nframes, fcap;
	struct mpp_cvar *vars;
	size_t nvars, vcap;
	unsigned char *bytes;
	size_t len, cap;
	int status;
	char msg[512];
} cap;

void mpp_capture_begin(void)
{
	cap.nframes = 0;
	cap.nvars = 0;
	cap.len = 0;
	cap.status = 0;
}

void mpp_capture_free(void)
{
	free(cap.frames);
	free(cap.vars);
	free(cap.bytes);
	memset(&cap, 0, sizeof cap);
}

int mpp_capture_status(void)
{
	if (cap.status)
		mpp_err_set(cap.status, "%s", cap.msg);
	return cap.status;
}

static void fail(int code, const char *msg)
{
	if (cap.status)
		return;
	cap.status = code;
	strncpy(cap.msg, msg, sizeof cap.msg - 1);
}

static int reserve(void **v, size_t *capp, size_t need, size_t elem)
{
	size_t c = *capp ? *capp : 16;
	void *p;

	if (need <= *capp)
		return 0;
	while (c < need) {
		if (c > SIZE_MAX / 2 / elem)
			return -1;
		c *= 2;
	}
	if (!(p = realloc(*v, c * elem)))
		return -1;
	*v = p;
	*capp = c;
	return 0;
}

void __mpp_capture_frame(const struct mpp_func *fn, unsigned site, void *const *vars)
{
	const struct mpp_site *s;
	struct mpp_cframe *f;
	size_t j, need;

	if (!__mpp_capturing) {
		mpp_warn("frame of '%s' saved while not capturing: ignored", fn->name);
		return;
	}
	if (cap.status)
		return;
	if (site < 1 || site > fn->nsites) {
		char m[256];
		snprintf(m, sizeof m, "function '%s' has no site %u (it has %u)", fn->name, site, fn->nsites);
		fail(MPP_EINTERNAL, m);
		return;
	}
	s = &fn->sites[site - 1];
	if (s->nvars && !vars) {
		char m[256];
		snprintf(m, sizeof m, "site %u of '%s' saves %u variables but none were given", site, fn->name,
		         s->nvars);
		fail(MPP_EINTERNAL, m);
		return;
	}
	if (reserve((void **)&cap.frames, &cap.fcap, cap.nframes + 1, sizeof *cap.frames) ||
	    reserve((void **)&cap.vars, &cap.vcap, cap.nvars + s->nvars, sizeof *cap.vars))
		goto oom;
	need = cap.len;
	for (j = 0; j < s->nvars; j++) {
		size_t sz;
		if (!s->types[j] || !vars[j]) {
			char m[256];
			snprintf(m, sizeof m, "site %u of '%s': variable %zu has no type or no address", site, fn->name,
			         j);
			fail(MPP_EINTERNAL, m);
			return;
		}
		sz = s->types[j]->size;
		need = (need + 7) & ~(size_t)7;
		if (sz > SIZE_MAX - need)
			goto oom;
		need += sz;
	}
	if (reserve((void **)&cap.bytes, &cap.cap, need, 1))
		goto oom;
	f = &cap.frames[cap.nframes++];
	f->fn = fn;
	f->site = site;
	f->first = cap.nvars;
	f->nvars = s->nvars;
	for (j = 0; j < s->nvars; j++) {
		struct mpp_cvar *v = &cap.vars[cap.nvars++];
		cap.len = (cap.len + 7) & ~(size_t)7;
		v->addr = (uintptr_t)vars[j];
		v->type = s->types[j];
		v->name = s->names ? s->names[j] : "?";
		v->off = cap.len;
		memcpy(cap.bytes + cap.len, vars[j], v->type->size);
		cap.len += v->type->size;
	}
	mpp_debug("frame %zu: '%s' site %u, %u variables", cap.nframes - 1, fn->name, site, s->nvars);
	return;
oom:
	fail(MPP_ENOMEM, "out of memory while saving the frames");
}

size_t mpp_capture_nframes(void)
{
	return cap.nframes;
}

const struct mpp_cframe *mpp_capture_frame(size_t i)
{
	return i < cap.nframes ? &cap.frames[i] : NULL;
}

const struct mpp_cvar *mpp_capture_var(size_t i)
{
	return i < cap.nvars ? &cap.vars[i] : NULL;
}

const unsigned char *mpp_capture_bytes(const struct mpp_cvar *v)
{
	return cap.bytes + v->off;
}
