/* test_ctlmsg.c: runtime/ctlmsg.c, the parser of the PVM layer's control
 * messages: each kind as libpvm3 packs it (XDR), the exact values it gives
 * pvm.c, every refusal with its message, the secret of requests from
 * outside the job, and the messages of a real run (tests/fuzz/corpus-ctl). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mpp_ctlmsg.h"
#include "mpp_err.h"

static const uint32_t secret[2] = {0x5eed0001u, 0x5eed0002u};

/* A message being built as pvm_pkint / pvm_pkstr would pack it. */
struct msg {
	unsigned char b[8192];
	size_t n;
};

static void put(struct msg *m, int v)
{
	uint32_t u = (uint32_t)v;
	m->b[m->n++] = (unsigned char)(u >> 24);
	m->b[m->n++] = (unsigned char)(u >> 16);
	m->b[m->n++] = (unsigned char)(u >> 8);
	m->b[m->n++] = (unsigned char)u;
}

static void put_str_len(struct msg *m, const char *s, int len)
{
	put(m, len);
	memcpy(m->b + m->n, s, strlen(s) + 1);
	m->n += ((size_t)len + 3) & ~(size_t)3;
}

static void put_str(struct msg *m, const char *s)
{
	put_str_len(m, s, (int)strlen(s) + 1);
}

/* Parses m as pvm.c does (the head only) into *out; returns the parser's code. */
static int parse(const struct msg *m, const uint32_t *sec, struct mpp_ctlmsg *out)
{
	size_t head = mpp_ctlmsg_head(m->b, m->n);
	unsigned char *copy = malloc(head ? head : 1);
	assert_non_null(copy);
	memcpy(copy, m->b, head);
	mpp_err_clear();
	int rc = mpp_ctlmsg_parse(out, copy, head, sec);
	if (rc == 0 && (out->list || out->list2)) {
		/* lists point into the bytes: keep them readable for the test */
		static unsigned char keep[8192];
		memcpy(keep, copy, head);
		if (out->list)
			out->list = keep + (out->list - copy);
		if (out->list2)
			out->list2 = keep + (out->list2 - copy);
	}
	free(copy);
	return rc;
}

static void refused(const struct msg *m, const uint32_t *sec, const char *want)
{
	struct mpp_ctlmsg cm;
	assert_int_equal(parse(m, sec, &cm), MPP_EFORMAT);
	assert_string_equal(mpp_err_msg(), want);
}

static void test_map(void **state)
{
	struct msg m = {.n = 0};
	struct mpp_ctlmsg cm;
	(void)state;
	put(&m, MPP_CM_MAP);
	put(&m, 2);
	put(&m, 0x40001), put(&m, 0x80002), put(&m, 3);
	put(&m, 0x40005), put(&m, 0xc0007), put(&m, 1);
	put(&m, 1);
	put(&m, 0x40001), put(&m, 0x40009);
	assert_int_equal(parse(&m, NULL, &cm), 0);
	assert_int_equal(cm.kind, MPP_CM_MAP);
	assert_int_equal(cm.nlist, 2);
	assert_int_equal(cm.nlist2, 1);
	assert_int_equal(mpp_ctlmsg_int(cm.list, 0), 0x40001);
	assert_int_equal(mpp_ctlmsg_int(cm.list, 4), 0xc0007);
	assert_int_equal(mpp_ctlmsg_int(cm.list, 5), 1);
	assert_int_equal(mpp_ctlmsg_int(cm.list2, 1), 0x40009);
	/* mpprun's empty map */
	m.n = 0;
	put(&m, MPP_CM_MAP), put(&m, 0), put(&m, 0);
	assert_int_equal(parse(&m, NULL, &cm), 0);
	assert_int_equal(cm.nlist + cm.nlist2, 0);
}

static void test_map_counts(void **state)
{
	struct msg m = {.n = 0};
	(void)state;
	put(&m, MPP_CM_MAP), put(&m, 3), put(&m, 1), put(&m, 2), put(&m, 3), put(&m, 0);
	refused(&m, NULL, "control message of kind 1: a list of 3 items in 24 bytes");
	m.n = 0;
	put(&m, MPP_CM_MAP), put(&m, -1), put(&m, 0);
	refused(&m, NULL, "control message of kind 1: a list of -1 items in 12 bytes");
	m.n = 0;
	put(&m, MPP_CM_MAP), put(&m, 0x40000000), put(&m, 0);
	refused(&m, NULL, "control message of kind 1: a list of 1073741824 items in 12 bytes");
	m.n = 0;
	put(&m, MPP_CM_MAP), put(&m, 0);
	refused(&m, NULL, "control message of kind 1: truncated (8 bytes)");
	m.n = 0;
	put(&m, MPP_CM_MAP), put(&m, 0), put(&m, 0), put(&m, 7);
	refused(&m, NULL, "control message of kind 1: 16 bytes, 12 expected");
}

static void test_small_kinds(void **state)
{
	struct msg m = {.n = 0};
	struct mpp_ctlmsg cm;
	(void)state;
	put(&m, MPP_CM_NOTICE), put(&m, 0x40001), put(&m, 0x40001), put(&m, 0x80003), put(&m, 2);
	assert_int_equal(parse(&m, NULL, &cm), 0);
	assert_int_equal(cm.v[0], 0x40001);
	assert_int_equal(cm.v[2], 0x80003);
	assert_int_equal(cm.v[3], 2);
	m.n -= 4;
	refused(&m, NULL, "control message of kind 2: truncated (16 bytes)");
	m.n = 0;
	put(&m, MPP_CM_MOVED), put(&m, 5), put(&m, 6), put(&m, 7);
	assert_int_equal(parse(&m, NULL, &cm), 0);
	assert_int_equal(cm.v[1] * 10 + cm.v[2], 67);
	m.n = 0;
	put(&m, MPP_CM_FLUSH), put(&m, 0x40001), put(&m, 2), put(&m, 0x40010), put(&m, 0x40011);
	assert_int_equal(parse(&m, NULL, &cm), 0);
	assert_int_equal(cm.v[0], 0x40001);
	assert_int_equal(cm.nlist, 2);
	assert_int_equal(mpp_ctlmsg_int(cm.list, 1), 0x40011);
	m.n = 0;
	put(&m, MPP_CM_FLUSH), put(&m, 0x40001), put(&m, 2), put(&m, 0x40010);
	refused(&m, NULL, "control message of kind 3: a list of 2 items in 16 bytes");
	m.n = 0;
	put(&m, MPP_CM_WAKE), put(&m, 0x40001);
	assert_int_equal(parse(&m, NULL, &cm), 0);
	assert_int_equal(cm.v[0], 0x40001);
	m.n = 0;
	put(&m, MPP_CM_DATAPORT), put(&m, 0x0a000002), put(&m, 40123);
	assert_int_equal(parse(&m, NULL, &cm), 0);
	assert_int_equal(cm.v[0], 0x0a000002);
	assert_int_equal(cm.v[1], 40123);
	m.n = 8;
	put(&m, 65536);
	refused(&m, NULL, "control message of kind 16: port 65536 (0..65535)");
	m.n = 8;
	put(&m, -1);
	refused(&m, NULL, "control message of kind 16: port -1 (0..65535)");
	m.n = 8;
	refused(&m, NULL, "control message of kind 16: truncated (8 bytes)");
	m.n = 0;
	put(&m, MPP_CM_ACK);
	assert_int_equal(parse(&m, NULL, &cm), 0);
	put(&m, 1);
	refused(&m, NULL, "control message of kind 7: 8 bytes, 4 expected");
	m.n = 0;
	put(&m, MPP_CM_READY);
	assert_int_equal(parse(&m, NULL, &cm), 0);
	m.n = 0;
	put(&m, 42);
	refused(&m, NULL, "control message of unknown kind 42");
	m.n = 0;
	put(&m, 0);
	refused(&m, NULL, "control message of unknown kind 0");
	assert_int_equal(mpp_ctlmsg_parse(&cm, m.b, 3, secret), MPP_EFORMAT);
	assert_string_equal(mpp_err_msg(), "control message of 3 bytes, without a kind");
}

/* STATE, STATEDATA and FWD: only their head is parsed, the body stays in the PVM buffer. */
static void test_heads(void **state)
{
	struct msg m = {.n = 0};
	struct mpp_ctlmsg cm;
	(void)state;
	static const int kinds[] = {MPP_CM_STATE, MPP_CM_STATEDATA};
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		m.n = 0;
		put(&m, kinds[k]);
		for (int i = 0; i < 100; i++)
			put(&m, i);
		assert_int_equal(mpp_ctlmsg_head(m.b, m.n), 4);
		assert_int_equal(parse(&m, NULL, &cm), 0);
		assert_int_equal(cm.kind, kinds[k]);
	}
	m.n = 0;
	put(&m, MPP_CM_FWD), put(&m, 0x40003), put(&m, 7), put(&m, 0), put(&m, 0x10000000), put(&m, 1);
	put(&m, 99), put(&m, 98);
	assert_int_equal(mpp_ctlmsg_head(m.b, m.n), MPP_CM_FWD_HEAD);
	assert_int_equal(parse(&m, NULL, &cm), 0);
	assert_int_equal(cm.v[0], 0x40003);
	assert_int_equal(cm.v[1], 7);
	assert_int_equal(cm.v[4], 1);
	m.b[23] = 2;
	refused(&m, NULL, "control message of kind 8: body flag 2 (0 or 1)");
	m.n = 12;
	refused(&m, NULL, "control message of kind 8: truncated (12 bytes)");
	/* SHADOW: the place the message went to, then as FWD */
	m.n = 0;
	put(&m, MPP_CM_SHADOW), put(&m, 0x80011), put(&m, 0x40003), put(&m, 7), put(&m, 0), put(&m, 0x10000000);
	put(&m, 0), put(&m, 99);
	assert_int_equal(mpp_ctlmsg_head(m.b, m.n), MPP_CM_SHADOW_HEAD);
	assert_int_equal(parse(&m, NULL, &cm), 0);
	assert_int_equal(cm.kind, MPP_CM_SHADOW);
	assert_int_equal(cm.v[0], 0x80011);
	assert_int_equal(cm.v[1], 0x40003);
	assert_int_equal(cm.v[5], 0);
	m.b[27] = 3;
	refused(&m, NULL, "control message of kind 14: body flag 3 (0 or 1)");
	m.n = 24;
	refused(&m, NULL, "control message of kind 14: truncated (24 bytes)");
	/* other kinds are read whole, up to MPP_CM_MAX */
	m.n = 0;
	put(&m, MPP_CM_MAP);
	assert_int_equal(mpp_ctlmsg_head(m.b, 4000), 4000);
	assert_int_equal(mpp_ctlmsg_head(m.b, MPP_CM_MAX), MPP_CM_MAX);
	assert_int_equal(mpp_ctlmsg_head(m.b, MPP_CM_MAX + 4), 0);
}

static void test_migrate_host(void **state)
{
	struct msg m = {.n = 0};
	struct mpp_ctlmsg cm;
	char big[400];
	(void)state;
	put(&m, MPP_CM_MIGRATE);
	put_str(&m, "h2");
	assert_int_equal(m.n, 12);
	assert_int_equal(parse(&m, NULL, &cm), 0);
	assert_string_equal(cm.host, "h2");
	m.n = 0;
	put(&m, MPP_CM_MIGRATE);
	put_str(&m, "abc"); /* 4 bytes with the NUL: no padding */
	assert_int_equal(parse(&m, NULL, &cm), 0);
	assert_string_equal(cm.host, "abc");
	/* the longest name that fits, and one byte more: before the parser,
	 * pvm_upkstr wrote any length into a 256-byte buffer on the stack */
	memset(big, 'h', sizeof big);
	big[MPP_CM_HOST_MAX - 1] = '\0';
	m.n = 0;
	put(&m, MPP_CM_MIGRATE);
	put_str(&m, big);
	assert_int_equal(parse(&m, NULL, &cm), 0);
	assert_int_equal(strlen(cm.host), MPP_CM_HOST_MAX - 1);
	big[MPP_CM_HOST_MAX - 1] = 'h';
	big[sizeof big - 1] = '\0';
	m.n = 0;
	put(&m, MPP_CM_MIGRATE);
	put_str(&m, big);
	refused(&m, NULL, "control message of kind 5: a host name of 400 bytes (2..256)");
	m.n = 0;
	put(&m, MPP_CM_MIGRATE);
	put_str(&m, "");
	refused(&m, NULL, "control message of kind 5: a host name of 1 bytes (2..256)");
	m.n = 0;
	put(&m, MPP_CM_MIGRATE);
	put_str_len(&m, "h2", 2); /* no NUL */
	refused(&m, NULL, "control message of kind 5: the host name is not a string of 2 bytes");
	m.n = 0;
	put(&m, MPP_CM_MIGRATE);
	put_str_len(&m, "a\0b", 4); /* a NUL inside */
	m.b[9] = '\0', m.b[10] = 'b', m.b[11] = '\0';
	refused(&m, NULL, "control message of kind 5: the host name is not a string of 4 bytes");
	m.n = 0;
	put(&m, MPP_CM_MIGRATE);
	put(&m, 9);
	refused(&m, NULL, "control message of kind 5: truncated (8 bytes)");
	m.n = 0;
	put(&m, MPP_CM_MIGRATE);
	put(&m, -5);
	refused(&m, NULL, "control message of kind 5: a host name of -5 bytes (2..256)");
}

static void test_outside(void **state)
{
	struct msg m = {.n = 0};
	struct mpp_ctlmsg cm;
	const uint32_t other[2] = {secret[0], secret[1] ^ 1};
	(void)state;
	put(&m, MPP_CM_CTL_MIGRATE), put(&m, (int)secret[0]), put(&m, (int)secret[1]);
	put_str(&m, "h3");
	assert_int_equal(parse(&m, secret, &cm), 0);
	assert_string_equal(cm.host, "h3");
	assert_true(mpp_ctlmsg_outside(cm.kind));
	assert_int_equal(parse(&m, other, &cm), 1);
	assert_int_equal(parse(&m, NULL, &cm), 1); /* a job without a secret */
	m.n = 0;
	put(&m, MPP_CM_STATUS), put(&m, (int)secret[0]), put(&m, (int)secret[1]);
	assert_int_equal(parse(&m, secret, &cm), 0);
	assert_int_equal(parse(&m, other, &cm), 1);
	put(&m, 0);
	refused(&m, secret, "control message of kind 12: 16 bytes, 12 expected");
	m.n = 0;
	put(&m, MPP_CM_CTL_PREPARE), put(&m, (int)secret[0]), put(&m, (int)secret[1]);
	put(&m, 5000); /* a long host name: not even read without the secret */
	assert_int_equal(parse(&m, other, &cm), 1);
	refused(&m, secret, "control message of kind 13: a host name of 5000 bytes (2..256)");
	m.n = 0;
	put(&m, MPP_CM_CTL_PREPARE), put(&m, (int)secret[0]);
	refused(&m, secret, "control message of kind 13: truncated (8 bytes)");
	assert_false(mpp_ctlmsg_outside(MPP_CM_MIGRATE));
}

/* The messages of real runs (tests/fuzz/corpus-ctl/k*, dumped with
 * MPP_PVM_CTLDUMP; requests from outside carry the secret above) all pass;
 * the broken ones made by hand (x-*) are left to the fuzzer. */
static void test_corpus(void **state)
{
	const char *src = getenv("MPP_TEST_SOURCE_DIR");
	char dir[4096], path[8192];
	int files = 0, kinds = 0;
	(void)state;
	if (!src)
		skip();
	snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus-ctl", src);
	DIR *d = opendir(dir);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] != 'k')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		struct msg m;
		m.n = fread(m.b, 1, sizeof m.b, f);
		fclose(f);
		struct mpp_ctlmsg cm;
		int rc = parse(&m, secret, &cm);
		if (rc != 0)
			print_message("%s: %d %s\n", e->d_name, rc, mpp_err_msg());
		assert_int_equal(rc, 0);
		assert_int_equal(cm.kind, atoi(e->d_name + 1));
		kinds |= 1 << cm.kind;
		files++;
	}
	closedir(d);
	assert_int_equal(kinds, 0x7ffe); /* every kind, 1 to 14 */
	assert_true(files >= 14);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_map),    cmocka_unit_test(test_map_counts),   cmocka_unit_test(test_small_kinds),
	    cmocka_unit_test(test_heads),  cmocka_unit_test(test_migrate_host), cmocka_unit_test(test_outside),
	    cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
