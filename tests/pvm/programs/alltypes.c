/* alltypes.c: messages packed with every PVM data type go back and forth
 * between a root task and two workers while tasks migrate. The workers
 * check each value and answer with values derived from them; the root
 * checks the answers and prints one line per check that failed, then a
 * summary. Run: alltypes [rounds [host1 host2]] (default 300 rounds; with
 * hosts, worker k is spawned on host k and the root also prints, once per
 * worker, the host and the worker's word size and byte order, so that a
 * test of a heterogeneous virtual machine sees where the values went). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvm3.h>

#define TAG_ASK 31
#define TAG_ANSWER 32
#define TAG_STOP 33
#define N 5

struct vals {
	char b[N];
	short s[N];
	int i[N];
	long l[N];
	unsigned short us[N];
	unsigned int ui[N];
	unsigned long ul[N];
	float f[N];
	double d[N];
	float cx[2 * N];
	double dcx[2 * N];
	char str[64];
};

static void make(struct vals *v, int round, int scale)
{
	memset(v, 0, sizeof *v);
	for (int k = 0; k < N; k++) {
		v->b[k] = (char)((round * 7 + k) * scale);
		v->s[k] = (short)(-(round * 131 + k) * scale);
		v->i[k] = (round * 100003 + k) * scale;
		v->l[k] = (long)(round * 1000003L + k) * scale;
		v->us[k] = (unsigned short)((round * 17 + k) * scale);
		v->ui[k] = (unsigned int)(round * 2654435761u + (unsigned)k) * (unsigned)scale;
		v->ul[k] = (unsigned long)(round * 40503UL + (unsigned long)k) * (unsigned long)scale;
		v->f[k] = (float)(round + k) * 0.5f * (float)scale;
		v->d[k] = ((double)round / 3.0 + k) * scale;
		v->cx[2 * k] = (float)(round - k) * (float)scale;
		v->cx[2 * k + 1] = (float)k * (float)scale;
		v->dcx[2 * k] = (double)round * 1e-3 * scale;
		v->dcx[2 * k + 1] = -(double)k * 1e3 * scale;
	}
	snprintf(v->str, sizeof v->str, "round %d scale %d", round, scale);
}

static void pack(const struct vals *v)
{
	pvm_pkbyte((char *)v->b, N, 1);
	pvm_pkshort((short *)v->s, N, 1);
	pvm_pkint((int *)v->i, N, 1);
	pvm_pklong((long *)v->l, N, 1);
	pvm_pkushort((unsigned short *)v->us, N, 1);
	pvm_pkuint((unsigned int *)v->ui, N, 1);
	pvm_pkulong((unsigned long *)v->ul, N, 1);
	pvm_pkfloat((float *)v->f, N, 1);
	pvm_pkdouble((double *)v->d, N, 1);
	pvm_pkcplx((float *)v->cx, N, 1);
	pvm_pkdcplx((double *)v->dcx, N, 1);
	pvm_pkstr((char *)v->str);
}

static void unpack(struct vals *v)
{
	memset(v, 0, sizeof *v);
	pvm_upkbyte(v->b, N, 1);
	pvm_upkshort(v->s, N, 1);
	pvm_upkint(v->i, N, 1);
	pvm_upklong(v->l, N, 1);
	pvm_upkushort(v->us, N, 1);
	pvm_upkuint(v->ui, N, 1);
	pvm_upkulong(v->ul, N, 1);
	pvm_upkfloat(v->f, N, 1);
	pvm_upkdouble(v->d, N, 1);
	pvm_upkcplx(v->cx, N, 1);
	pvm_upkdcplx(v->dcx, N, 1);
	pvm_upkstr(v->str);
}

static int same(const struct vals *a, const struct vals *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

/* With hosts named: the first answer of worker k says what it runs on. */
static void tell(char **hosts, int k, int arch, int *told)
{
	if (told[k]++)
		return;
	printf("worker %d on %s: %d-bit longs, %s-endian\n", k + 1, hosts[k], arch / 10, arch % 10 ? "big" : "little");
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 300, tids[2];
	struct vals v, w;

	if (pvm_mytid() < 0)
		return 1;
	if (pvm_parent() != PvmNoParent) {
		int master = pvm_parent(), round, bad = 0;
		union {
			int i;
			char c[sizeof(int)];
		} order = {1};
		int arch = (int)sizeof(long) * 8 * 10 + (order.c[0] != 1); /* e.g. 641: 64-bit, big-endian */
		for (;;) {
			int b = pvm_recv(master, -1), len, tag, src;
			pvm_bufinfo(b, &len, &tag, &src);
			if (tag == TAG_STOP)
				break;
			pvm_upkint(&round, 1, 1);
			unpack(&v);
			make(&w, round, 1);
			bad += !same(&v, &w);
			make(&w, round, 3);
			pvm_initsend(PvmDataDefault);
			pvm_pkint(&round, 1, 1);
			pvm_pkint(&bad, 1, 1);
			pvm_pkint(&arch, 1, 1);
			pack(&w);
			pvm_send(master, TAG_ANSWER);
		}
		pvm_exit();
		return 0;
	}
	char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	char **hosts = argc > 3 ? argv + 2 : NULL;
	for (int k = 0; k < 2; k++)
		if (pvm_spawn(name, NULL, hosts ? PvmTaskHost : PvmTaskDefault, hosts ? hosts[k] : "", 1, &tids[k]) !=
		    1) {
			fprintf(stderr, "alltypes: cannot spawn worker %d%s%s\n", k + 1, hosts ? " on " : "",
			        hosts ? hosts[k] : "");
			pvm_exit();
			return 1;
		}
	int failed = 0, answered = 0, told[2] = {0, 0};
	for (int r = 0; r < rounds; r++) {
		make(&v, r, 1);
		pvm_initsend(PvmDataDefault);
		pvm_pkint(&r, 1, 1);
		pack(&v);
		pvm_send(tids[r % 2], TAG_ASK);
		if (r >= 4) { /* keep four questions in flight */
			int round, bad, arch;
			pvm_recv(-1, TAG_ANSWER);
			pvm_upkint(&round, 1, 1);
			pvm_upkint(&bad, 1, 1);
			pvm_upkint(&arch, 1, 1);
			unpack(&v);
			make(&w, round, 3);
			if (hosts)
				tell(hosts, round % 2, arch, told);
			answered++;
			if (bad || !same(&v, &w)) {
				printf("round %d: wrong values (worker saw %d bad)\n", round, bad);
				failed++;
			}
		}
	}
	for (; answered < rounds; answered++) {
		int round, bad, arch;
		pvm_recv(-1, TAG_ANSWER);
		pvm_upkint(&round, 1, 1);
		pvm_upkint(&bad, 1, 1);
		pvm_upkint(&arch, 1, 1);
		unpack(&v);
		make(&w, round, 3);
		if (hosts)
			tell(hosts, round % 2, arch, told);
		if (bad || !same(&v, &w)) {
			printf("round %d: wrong values (worker saw %d bad)\n", round, bad);
			failed++;
		}
	}
	pvm_initsend(PvmDataDefault);
	pvm_mcast(tids, 2, TAG_STOP);
	printf("alltypes: %d rounds, %d answers wrong\n", rounds, failed);
	pvm_exit();
	return 0;
}
