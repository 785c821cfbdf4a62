/* ctlmsg.c: the parser of the PVM layer's control messages. pvm.c copies
 * the bytes of each message it receives on the control tag and acts only
 * on what this parser accepted: a known kind, exactly the ints and strings
 * that kind has, counts that fit in the message, host names that fit their
 * buffer, and for requests from outside the job the job's secret. */
#include <string.h>

#include "mpp_ctlmsg.h"
#include "mpp_err.h"

struct rd {
	const unsigned char *p;
	size_t n, at;
	int kind;
};

/* XDR ints are big-endian, whatever the host is */
int mpp_ctlmsg_int(const unsigned char *list, int i)
{
	const unsigned char *q = list + (size_t)i * 4;
	return (int)(int32_t)((uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3]);
}

static int truncated(const struct rd *r)
{
	return mpp_err_set(MPP_EFORMAT, "control message of kind %d: truncated (%zu bytes)", r->kind, r->n);
}

static int get_ints(struct rd *r, int *v, int k)
{
	if (r->n - r->at < (size_t)k * 4)
		return truncated(r);
	for (int i = 0; i < k; i++)
		v[i] = mpp_ctlmsg_int(r->p + r->at, i);
	r->at += (size_t)k * 4;
	return 0;
}

/* A count, then that many items of `ints` ints each: *list points at them */
static int get_list(struct rd *r, int ints, const unsigned char **list, int *count)
{
	int n = 0;
	if (get_ints(r, &n, 1) < 0)
		return MPP_EFORMAT;
	if (n < 0 || (size_t)n > (r->n - r->at) / ((size_t)ints * 4))
		return mpp_err_set(MPP_EFORMAT, "control message of kind %d: a list of %d items in %zu bytes", r->kind,
		                   n, r->n);
	*list = r->p + r->at;
	*count = n;
	r->at += (size_t)n * (size_t)ints * 4;
	return 0;
}

/* A string as pvm_pkstr packs it: its length with the NUL, the bytes,
 * padding to a multiple of 4. A host name: not empty, no NUL inside. */
static int get_host(struct rd *r, char *host)
{
	int len = 0;
	if (get_ints(r, &len, 1) < 0)
		return MPP_EFORMAT;
	if (len < 2 || len > MPP_CM_HOST_MAX)
		return mpp_err_set(MPP_EFORMAT, "control message of kind %d: a host name of %d bytes (2..%d)", r->kind,
		                   len, MPP_CM_HOST_MAX);
	size_t padded = ((size_t)len + 3) & ~(size_t)3;
	if (r->n - r->at < padded)
		return truncated(r);
	const unsigned char *s = r->p + r->at;
	if (s[len - 1] != '\0' || memchr(s, '\0', (size_t)len - 1))
		return mpp_err_set(MPP_EFORMAT, "control message of kind %d: the host name is not a string of %d bytes",
		                   r->kind, len);
	memcpy(host, s, (size_t)len);
	r->at += padded;
	return 0;
}

int mpp_ctlmsg_outside(int kind)
{
	return kind == MPP_CM_CTL_MIGRATE || kind == MPP_CM_STATUS || kind == MPP_CM_CTL_PREPARE;
}

size_t mpp_ctlmsg_head(const unsigned char *kind4, size_t total)
{
	int kind = mpp_ctlmsg_int(kind4, 0);
	if (kind == MPP_CM_STATE || kind == MPP_CM_STATEDATA)
		return 4;
	if (kind == MPP_CM_FWD)
		return total < MPP_CM_FWD_HEAD ? total : MPP_CM_FWD_HEAD;
	if (kind == MPP_CM_SHADOW)
		return total < MPP_CM_SHADOW_HEAD ? total : MPP_CM_SHADOW_HEAD;
	return total > MPP_CM_MAX ? 0 : total;
}

int mpp_ctlmsg_parse(struct mpp_ctlmsg *m, const unsigned char *p, size_t n, const uint32_t *secret)
{
	struct rd r = {p, n, 0, 0};
	int rc = 0;

	memset(m, 0, sizeof *m);
	if (n < 4)
		return mpp_err_set(MPP_EFORMAT, "control message of %zu bytes, without a kind", n);
	get_ints(&r, &r.kind, 1);
	m->kind = r.kind;
	switch (r.kind) {
	case MPP_CM_MAP:
		if ((rc = get_list(&r, 3, &m->list, &m->nlist)) < 0 ||
		    (rc = get_list(&r, 2, &m->list2, &m->nlist2)) < 0)
			return rc;
		break;
	case MPP_CM_NOTICE: rc = get_ints(&r, m->v, 4); break;
	case MPP_CM_MOVED: rc = get_ints(&r, m->v, 3); break;
	case MPP_CM_FLUSH:
		if ((rc = get_ints(&r, m->v, 1)) < 0)
			return rc;
		rc = get_list(&r, 1, &m->list, &m->nlist);
		break;
	case MPP_CM_WAKE: rc = get_ints(&r, m->v, 1); break;
	case MPP_CM_DATAPORT:
		if ((rc = get_ints(&r, m->v, 2)) < 0)
			return rc;
		if (m->v[1] < 0 || m->v[1] > 65535)
			return mpp_err_set(MPP_EFORMAT, "control message of kind %d: port %d (0..65535)", r.kind,
			                   m->v[1]);
		break;
	case MPP_CM_MIGRATE: rc = get_host(&r, m->host); break;
	case MPP_CM_ACK:
	case MPP_CM_READY: break;
	case MPP_CM_STATE:
	case MPP_CM_STATEDATA: return 0; /* the rest is the state, read where it is restored */
	case MPP_CM_FWD:
	case MPP_CM_SHADOW: {
		int n = r.kind == MPP_CM_FWD ? 5 : 6;
		if ((rc = get_ints(&r, m->v, n)) < 0)
			return rc;
		if (m->v[n - 1] != 0 && m->v[n - 1] != 1)
			return mpp_err_set(MPP_EFORMAT, "control message of kind %d: body flag %d (0 or 1)", r.kind,
			                   m->v[n - 1]);
		return 0; /* the message follows, as pvm_pkmesg packed it */
	}
	case MPP_CM_CTL_MIGRATE:
	case MPP_CM_STATUS:
	case MPP_CM_CTL_PREPARE:
		if ((rc = get_ints(&r, m->v, 2)) < 0)
			return rc;
		/* nothing more of a request is read without the secret */
		if (!secret || (uint32_t)m->v[0] != secret[0] || (uint32_t)m->v[1] != secret[1])
			return 1;
		if (r.kind != MPP_CM_STATUS)
			rc = get_host(&r, m->host);
		break;
	default: return mpp_err_set(MPP_EFORMAT, "control message of unknown kind %d", r.kind);
	}
	if (rc < 0)
		return rc;
	if (r.at != n)
		return mpp_err_set(MPP_EFORMAT, "control message of kind %d: %zu bytes, %zu expected", r.kind, n, r.at);
	return 0;
}
