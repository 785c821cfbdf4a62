/* pvm_upk.c: how far the program has read each of its receive buffers.
 * libpvm3 keeps a buffer's read position to itself, and pvm_pkmesg copies a
 * message whole, so a message that travels as the program's receive buffer
 * would be read again from its start at the destination. mppcc links the
 * program's pvm_upk* calls here (--wrap): each one that succeeds is logged
 * for the buffer it read (runs of equal calls as one entry), and a
 * destination replays the log on its copy, which brings the copy to the
 * same place whatever the message's encoding or the reader's architecture.
 * pvm_unpackf is made of the typed calls here, so its reads count too. */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pvm3.h>

#define MPP_LOG_PREFIX "pvm"
#include "mpp_err.h"
#include "mpp_log.h"
#include "mpp_pvm_int.h"
#define MPP_PVM_UPK_WRAPPERS
#include "mpp_pvm_upk.h"

/* NAME, C type, element size of the typed unpack calls; the op of each is
 * its place in this list (a STATE message carries it). */
/* clang-format off */
#define UPK_TYPED(X) \
	X(byte, char, 1) X(short, short, sizeof(short)) X(ushort, unsigned short, sizeof(short)) \
	X(int, int, sizeof(int)) X(uint, unsigned int, sizeof(int)) X(long, long, sizeof(long)) \
	X(ulong, unsigned long, sizeof(long)) X(float, float, sizeof(float)) \
	X(double, double, sizeof(double)) X(cplx, float, 2 * sizeof(float)) \
	X(dcplx, double, 2 * sizeof(double))
/* clang-format on */
#define OP(name, type, size) OP_##name,
enum { UPK_TYPED(OP) OP_str, OP_mesg, NOPS };
#undef OP

struct ent {
	int op, cnt; /* a call: which, with how many items (1 for str, mesg) */
	int rep;     /* how many times in a row */
};

struct log {
	int bufid, n;
	struct ent *e; /* grown by mpp_pvm_grow */
};

static struct log *logs;
static int nlogs;

static struct log *find(int b)
{
	for (int i = nlogs - 1; i >= 0; i--)
		if (logs[i].bufid == b)
			return &logs[i];
	return NULL;
}

/* The log of buffer b, made empty. */
static struct log *reset(int b)
{
	struct log *l = find(b);
	if (!l) {
		if (mpp_pvm_full(nlogs)) {
			/* logs of buffers that are gone make room before the
			 * array grows */
			int k = 0;
			for (int i = 0; i < nlogs; i++) {
				if (mpp_pvm_buf_exists(logs[i].bufid))
					logs[k++] = logs[i];
				else
					free(logs[i].e);
			}
			nlogs = k;
		}
		logs = mpp_pvm_grow(logs, nlogs, sizeof *logs);
		l = &logs[nlogs++];
		*l = (struct log){b, 0, NULL};
	}
	l->n = 0;
	return l;
}

static void add(struct log *l, int op, int cnt, int rep)
{
	if (l->n && l->e[l->n - 1].op == op && l->e[l->n - 1].cnt == cnt && l->e[l->n - 1].rep <= INT32_MAX - rep) {
		l->e[l->n - 1].rep += rep;
		return;
	}
	l->e = mpp_pvm_grow(l->e, l->n, sizeof *l->e);
	l->e[l->n++] = (struct ent){op, cnt, rep};
}

/* A successful unpack call of the program, on its receive buffer. */
static void note(int op, int cnt)
{
	int b = pvm_getrbuf();
	if (b <= 0 || cnt <= 0)
		return;
	struct log *l = find(b);
	add(l ? l : reset(b), op, cnt, 1);
}

#define WRAP(name, type, size)                               \
	int __wrap_pvm_upk##name(type *p, int cnt, int std); \
	int __wrap_pvm_upk##name(type *p, int cnt, int std)  \
	{                                                    \
		int rc = __real_pvm_upk##name(p, cnt, std);  \
		if (rc >= 0)                                 \
			note(OP_##name, cnt);                \
		return rc;                                   \
	}
UPK_TYPED(WRAP)
#undef WRAP

int __wrap_pvm_upkstr(char *s);
int __wrap_pvm_upkstr(char *s)
{
	int rc = __real_pvm_upkstr(s);
	if (rc >= 0)
		note(OP_str, 1);
	return rc;
}

int __wrap_pvm_upkmesg(void);
int __wrap_pvm_upkmesg(void)
{
	int nb = __real_pvm_upkmesg();
	if (nb > 0) {
		note(OP_mesg, 1);
		mpp_pvm_upk_fresh(nb);
	}
	return nb;
}

/* pvm_unpackf as libpvm3 reads its format: %, a count (digits, or * for
 * an int argument), a stride (. then digits or *), any of the modifiers
 * h, l, u, then c (bytes), d (int; h short, l long, u unsigned), f (float;
 * l double), x (complex; l double complex) or s (a string); other text is
 * skipped. Each conversion is the typed call that reads the same bytes. */
int __wrap_pvm_unpackf(const char *fmt, ...);
int __wrap_pvm_unpackf(const char *fmt, ...)
{
	va_list ap;
	int rc = 0;
	va_start(ap, fmt);
	for (const char *p = fmt; rc >= 0 && *p;) {
		if (*p++ != '%')
			continue;
		int cnt = 1, std = 1, h = 0, l = 0, u = 0;
		if (*p == '*') {
			cnt = va_arg(ap, int);
			p++;
		} else if (isdigit((unsigned char)*p)) {
			cnt = atoi(p);
			while (isdigit((unsigned char)*p))
				p++;
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				std = va_arg(ap, int);
				p++;
			} else if (isdigit((unsigned char)*p)) {
				std = atoi(p);
				while (isdigit((unsigned char)*p))
					p++;
			}
		}
		for (;; p++)
			if (*p == 'h')
				h = 1;
			else if (*p == 'l')
				l = 1;
			else if (*p == 'u')
				u = 1;
			else
				break;
		switch (*p++) {
		case 'c': rc = __wrap_pvm_upkbyte(va_arg(ap, char *), cnt, std); break;
		case 'd':
			if (l)
				rc = u ? __wrap_pvm_upkulong(va_arg(ap, unsigned long *), cnt, std)
				       : __wrap_pvm_upklong(va_arg(ap, long *), cnt, std);
			else if (h)
				rc = u ? __wrap_pvm_upkushort(va_arg(ap, unsigned short *), cnt, std)
				       : __wrap_pvm_upkshort(va_arg(ap, short *), cnt, std);
			else
				rc = u ? __wrap_pvm_upkuint(va_arg(ap, unsigned int *), cnt, std)
				       : __wrap_pvm_upkint(va_arg(ap, int *), cnt, std);
			break;
		case 'f':
			rc = l ? __wrap_pvm_upkdouble(va_arg(ap, double *), cnt, std)
			       : __wrap_pvm_upkfloat(va_arg(ap, float *), cnt, std);
			break;
		case 'x':
			rc = l ? __wrap_pvm_upkdcplx(va_arg(ap, double *), cnt, std)
			       : __wrap_pvm_upkcplx(va_arg(ap, float *), cnt, std);
			break;
		case 's': rc = __wrap_pvm_upkstr(va_arg(ap, char *)); break;
		default: rc = PvmBadParam; break;
		}
	}
	va_end(ap);
	return rc < 0 ? rc : PvmOk;
}

void mpp_pvm_upk_fresh(int b)
{
	if (b > 0)
		reset(b);
}

void mpp_pvm_upk_gone(int b)
{
	struct log *l = find(b);
	if (l) {
		free(l->e);
		*l = logs[--nlogs];
	}
}

int mpp_pvm_upk_ids(int *ids, int max)
{
	int n = 0;
	for (int i = 0; i < nlogs && n < max; i++)
		if (mpp_pvm_buf_exists(logs[i].bufid))
			ids[n++] = logs[i].bufid;
	return n;
}

/* The program's buffers: mppcc wraps the calls that make and free them. */
int __wrap_pvm_mkbuf(int enc);
int __wrap_pvm_mkbuf(int enc)
{
	int b = __real_pvm_mkbuf(enc);
	mpp_pvm_upk_fresh(b);
	return b;
}

int __wrap_pvm_initsend(int enc);
int __wrap_pvm_initsend(int enc)
{
	int old = pvm_getsbuf(), b = __real_pvm_initsend(enc);
	if (b > 0 && old > 0 && old != b)
		mpp_pvm_upk_gone(old); /* freed by it */
	mpp_pvm_upk_fresh(b);
	return b;
}

int __wrap_pvm_freebuf(int b);
int __wrap_pvm_freebuf(int b)
{
	int rc = __real_pvm_freebuf(b);
	if (rc >= 0)
		mpp_pvm_upk_gone(b);
	return rc;
}

void mpp_pvm_upk_pack(int b)
{
	struct log *l = find(b);
	int n = l ? l->n : 0;
	pvm_pkint(&n, 1, 1);
	for (int i = 0; i < n; i++) {
		int v[3] = {l->e[i].op, l->e[i].cnt, l->e[i].rep};
		pvm_pkint(v, 3, 1);
	}
}

/* Logs that arrived in a STATE message, by the buffer id at the source,
 * until the buffers are in place (mpp_pvm_upk_apply). */
static struct log *pend;
static int npend;

int mpp_pvm_upk_unpack(int want)
{
	int n = 0;
	pend = mpp_pvm_grow(pend, npend, sizeof *pend);
	struct log *l = &pend[npend++];
	*l = (struct log){want, 0, NULL};
	if (__real_pvm_upkint(&n, 1, 1) < 0)
		return mpp_err_set(MPP_EFORMAT, "the read position of the program's message buffer %d did not arrive",
		                   want);
	if (n < 0)
		return mpp_err_set(MPP_EFORMAT, "the read position of the program's message buffer %d has %d calls",
		                   want, n);
	for (int i = 0; i < n; i++) {
		int v[3];
		if (__real_pvm_upkint(v, 3, 1) < 0) {
			l->n = 0;
			return mpp_err_set(
			    MPP_EFORMAT,
			    "the read position of the program's message buffer %d is truncated (%d of %d calls)", want,
			    i, n);
		}
		if (v[0] < 0 || v[0] >= NOPS || v[1] <= 0 || v[2] <= 0) {
			l->n = 0;
			return mpp_err_set(
			    MPP_EFORMAT,
			    "the read position of the program's message buffer %d is damaged: call %d is (%d, "
			    "%d, %d)",
			    want, i, v[0], v[1], v[2]);
		}
		add(l, v[0], v[1], v[2]);
	}
	return 0;
}

/* The bytes one item of op takes in memory (0: no typed items). */
static size_t item_size(int op)
{
	static const size_t size[NOPS] = {
#define SIZE(name, type, size) size,
	    UPK_TYPED(SIZE)
#undef SIZE
	};
	return size[op];
}

/* One call of op on the active receive buffer, into scratch (of room
 * bytes: enough for cnt items of any type, or a string of the message). */
static int replay(int op, int cnt, void *scratch)
{
	switch (op) {
#define CASE(name, type, size) \
	case OP_##name: return __real_pvm_upk##name((type *)scratch, cnt, 1);
		UPK_TYPED(CASE)
#undef CASE
	case OP_str: return __real_pvm_upkstr(scratch);
	default: {
		int nb = __real_pvm_upkmesg();
		if (nb > 0)
			__real_pvm_freebuf(nb);
		return nb;
	}
	}
}

/* Replays log p on buffer b (made the active receive buffer). */
static int replay_log(const struct log *p, int b)
{
	int len = 0, rc = 0;
	if (pvm_bufinfo(b, &len, NULL, NULL) < 0)
		return -1;
	/* every item of a successful call took at least one byte of the
	 * message: a longer log is damaged, and cnt bounds the scratch room */
	int64_t items = 0;
	for (int i = 0; i < p->n; i++)
		items += (int64_t)p->e[i].cnt * p->e[i].rep;
	if (items > len) {
		mpp_warn("the read position of the program's message buffer %d (%lld items) lies past its end (%d "
		         "bytes)",
		         p->bufid, (long long)items, len);
		return -1;
	}
	size_t room = (size_t)len + 1; /* a string of the message */
	for (int i = 0; i < p->n; i++)
		if ((size_t)p->e[i].cnt * item_size(p->e[i].op) > room)
			room = (size_t)p->e[i].cnt * item_size(p->e[i].op);
	void *scratch = malloc(room);
	if (!scratch) {
		mpp_warn("no memory to bring the program's message buffer %d to its read position", p->bufid);
		return -1;
	}
	int old = pvm_setrbuf(b);
	for (int i = 0; i < p->n && rc >= 0; i++)
		for (int r = 0; r < p->e[i].rep && rc >= 0; r++)
			rc = replay(p->e[i].op, p->e[i].cnt, scratch);
	pvm_setrbuf(old == b ? 0 : old);
	free(scratch);
	if (rc < 0)
		mpp_warn("the program's message buffer %d could not be brought to its read position (%d)", p->bufid,
		         rc);
	return rc < 0 ? -1 : 0;
}

int mpp_pvm_upk_apply(int want, int b)
{
	struct log *p = NULL, *l;
	int rc = 0;
	for (int i = 0; i < npend && !p; i++)
		if (pend[i].bufid == want)
			p = &pend[i];
	if (p && p->n)
		rc = replay_log(p, b);
	l = reset(b);
	if (p && rc == 0)
		for (int i = 0; i < p->n; i++)
			add(l, p->e[i].op, p->e[i].cnt, p->e[i].rep);
	if (p) {
		free(p->e);
		*p = pend[--npend];
	}
	return rc;
}
