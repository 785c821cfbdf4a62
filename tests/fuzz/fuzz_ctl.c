/* fuzz_ctl.c: libFuzzer target for the PVM layer's control messages
 * (runtime/ctlmsg.c, the parser runtime/pvm.c runs on the bytes of every
 * message on its control tag before it acts on one). Each input is the
 * bytes of one message, cut as pvm.c cuts them (mpp_ctlmsg_head), parsed
 * with and without a job secret (and once more with a host name that fits
 * the input, see parse_fixed_host); an accepted message must hold exactly
 * what its kind says, and every list and host name must lie inside the
 * input.
 * Built and run by fuzz.sh with clang -fsanitize=fuzzer,address,undefined. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpp_ctlmsg.h"
#include "mpp_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The job's secret here: the requests from outside in the corpus
 * (tests/fuzz/corpus-ctl/k1[123]-*) carry it, so that they take the
 * accepted paths. */
static const uint32_t secret[2] = {0x5eed0001u, 0x5eed0002u};

static void check(const struct mpp_ctlmsg *m, const unsigned char *p, size_t n)
{
	switch (m->kind) {
	case MPP_CM_MAP:
		if (m->nlist < 0 || m->nlist2 < 0 || !m->list || !m->list2)
			abort();
		if ((size_t)(m->list - p) + (size_t)m->nlist * 12 > n ||
		    (size_t)(m->list2 - p) + (size_t)m->nlist2 * 8 > n)
			abort();
		/* every int of the lists is read as pvm.c reads them */
		for (int i = 0; i < 3 * m->nlist; i++)
			(void)mpp_ctlmsg_int(m->list, i);
		for (int i = 0; i < 2 * m->nlist2; i++)
			(void)mpp_ctlmsg_int(m->list2, i);
		if (n != 12 + (size_t)m->nlist * 12 + (size_t)m->nlist2 * 8)
			abort();
		break;
	case MPP_CM_FLUSH:
		if (m->nlist < 0 || (size_t)(m->list - p) + (size_t)m->nlist * 4 > n || n != 12 + (size_t)m->nlist * 4)
			abort();
		for (int i = 0; i < m->nlist; i++)
			(void)mpp_ctlmsg_int(m->list, i);
		break;
	case MPP_CM_MIGRATE:
	case MPP_CM_CTL_MIGRATE:
	case MPP_CM_CTL_PREPARE: {
		size_t len = strnlen(m->host, sizeof m->host);
		if (len == 0 || len >= sizeof m->host)
			abort();
		break;
	}
	case MPP_CM_FWD:
		if (m->v[4] != 0 && m->v[4] != 1)
			abort();
		break;
	case MPP_CM_SHADOW:
		if (m->v[5] != 0 && m->v[5] != 1)
			abort();
		break;
	case MPP_CM_DATAPORT:
		if (m->v[1] < 0 || m->v[1] > 65535)
			abort();
		break;
	case MPP_CM_NOTICE:
	case MPP_CM_MOVED:
	case MPP_CM_WAKE:
	case MPP_CM_ACK:
	case MPP_CM_READY:
	case MPP_CM_STATUS:
	case MPP_CM_STATE:
	case MPP_CM_STATEDATA: break;
	default: abort(); /* an unknown kind was accepted */
	}
}

/* Parses copy (head bytes) with and without the secret, checking every
 * answer. */
static void parse_both(const unsigned char *copy, size_t head)
{
	struct mpp_ctlmsg m;
	for (int with = 0; with < 2; with++) {
		int rc = mpp_ctlmsg_parse(&m, copy, head, with ? secret : NULL);
		if (rc == 0)
			check(&m, copy, head);
		else if (rc == 1) {
			if (!mpp_ctlmsg_outside(m.kind))
				abort(); /* only requests from outside carry a secret */
		} else if (rc != MPP_EFORMAT || !mpp_err_msg()[0]) {
			abort();
		}
		if (rc == 0 && mpp_ctlmsg_outside(m.kind) && !with)
			abort(); /* a request accepted without a secret */
		mpp_err_clear();
	}
}

static void put_be(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Random bytes rarely make a host name whose length field matches the
 * bytes that follow (the bound that guards the host buffer): for the kinds
 * with a host, a second copy gets the job's secret, a length field that
 * covers the rest of the input and a final NUL. */
static void parse_fixed_host(const unsigned char *data, size_t size)
{
	int kind = mpp_ctlmsg_int(data, 0);
	size_t off = kind == MPP_CM_MIGRATE ? 8 : 16;
	if (kind != MPP_CM_MIGRATE && kind != MPP_CM_CTL_MIGRATE && kind != MPP_CM_CTL_PREPARE)
		return;
	if (size < off + 4)
		return;
	size_t n = off + ((size - off) & ~(size_t)3);
	unsigned char *copy = malloc(n);
	if (!copy)
		return;
	memcpy(copy, data, n);
	if (off == 16) {
		put_be(copy + 4, secret[0]);
		put_be(copy + 8, secret[1]);
	}
	put_be(copy + off - 4, (uint32_t)(n - off));
	copy[n - 1] = '\0';
	parse_both(copy, n);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mpp_ctlmsg m;
	unsigned char *copy;
	size_t head;

	if (size < 4) {
		/* pvm.c refuses these before it parses; the parser must too */
		if (mpp_ctlmsg_parse(&m, data, size, secret) >= 0)
			abort();
		mpp_err_clear();
		return 0;
	}
	head = mpp_ctlmsg_head(data, size);
	if (head > size)
		abort();
	if (head == 0)
		return 0; /* too long: pvm.c refuses it unread */
	/* an exact-size copy of what pvm.c copies out of the PVM buffer, so
	 * that any read past it is caught */
	copy = malloc(head);
	if (!copy)
		return 0;
	memcpy(copy, data, head);
	parse_both(copy, head);
	free(copy);
	parse_fixed_host(data, size);
	return 0;
}
