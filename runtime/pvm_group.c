/* pvm_group.c: PVM's group functions, done by libmpp over the PVM mailbox
 * instead of the group server (pvmgs keeps real tids, so a member that
 * migrates would be lost to it).
 *
 * A group g of job J is the mailbox class "mpp.grp.J.<g in hex>". Joining
 * puts an entry there with PvmMboxMultiInstance, so the daemon gives the
 * lowest free index, which is the instance number (as pvmgs does); the
 * entry's owner is the process serving the member. A member that migrates
 * takes its entries over at the destination before it acknowledges its
 * state (the entries are PvmMboxOverWritable, written again at their
 * index), so the instance stays and the owner is the new process; the old
 * process's exit then removes nothing. Only owners and indices are read,
 * never entry values (see docs/PROTOCOL.md on pvm_recvinfo).
 *
 * pvm_barrier, pvm_reduce, pvm_scatter and pvm_gather exchange group
 * messages (tag TAG_GRP, hidden from the program's receives, carried with
 * a migrating task like any message): a barrier sends ARRIVE to the member
 * of lowest instance, which answers RELEASE to each once count members
 * arrived; a reduction sends REDUCE with the data to the root, which
 * combines the contributions in instance order; a scatter sends SCATTER
 * from the root to each member, a gather GATHER from each to the root. Group messages that came before they were wanted
 * wait in a list that travels in the migration's STATE message. These calls are no migration points: a request waits
 * until they return. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvm3.h>

#include "mpp_log.h"
#include "mpp_pvm_int.h"
#include "mpp_pvm_upk.h"
#include "mpp_pvm_wrap.h"

enum { G_ARRIVE = 1, G_RELEASE, G_REDUCE, G_SCATTER, G_GATHER };

struct member {
	char *name;
	int inst, nb, nr, ns, ng; /* barriers, reductions, scatters and gathers entered so far */
};

struct gmsg {
	int b, src, kind, seq, inst, aux;
	char name[256];
};

static struct member *ms;
static int nms;
static struct gmsg *gp; /* group messages received before they were wanted */
static int ngp;

/* "mpp.grp.<job>.<name in hex>" in out; -1 when the name is unusable */
static int class_of(const char *g, char *out, size_t size)
{
	if (!g || !*g || strlen(g) > 100)
		return -1;
	size_t n = (size_t)snprintf(out, size, "mpp.grp.%s.", mpp_pvm_job());
	for (const unsigned char *p = (const unsigned char *)g; *p && n + 3 < size; p++)
		n += (size_t)snprintf(out + n, size - n, "%02x", *p);
	return 0;
}

static struct member *find_member(const char *g)
{
	for (int i = 0; g && i < nms; i++)
		if (strcmp(ms[i].name, g) == 0)
			return &ms[i];
	return NULL;
}

/* The group's entries: indices and owners (malloc'd, sorted by index);
 * the count, or PvmNoGroup. */
static int entries(const char *g, int **ind, int **own)
{
	char cls[300];
	struct pvmmboxinfo *cl;
	int ncl = 0, n = 0;
	*ind = *own = NULL;
	if (class_of(g, cls, sizeof cls) < 0)
		return PvmNoGroup;
	if (pvm_getmboxinfo(cls, &ncl, &cl) < 0)
		return PvmNoGroup;
	for (int c = 0; c < ncl; c++) {
		if (strcmp(cl[c].mi_name, cls) != 0)
			continue;
		n = cl[c].mi_nentries;
		*ind = malloc(sizeof(int) * (size_t)(n ? n : 1));
		*own = malloc(sizeof(int) * (size_t)(n ? n : 1));
		if (!*ind || !*own) {
			free(*ind);
			free(*own);
			*ind = *own = NULL;
			return PvmNoMem;
		}
		for (int i = 0; i < n; i++) {
			int k = i;
			/* insertion by index (the daemon keeps them sorted) */
			while (k > 0 && (*ind)[k - 1] > cl[c].mi_indices[i]) {
				(*ind)[k] = (*ind)[k - 1];
				(*own)[k] = (*own)[k - 1];
				k--;
			}
			(*ind)[k] = cl[c].mi_indices[i];
			(*own)[k] = mpp_pvm_to_v(cl[c].mi_owners[i]);
		}
		return n;
	}
	return PvmNoGroup;
}

static int put_entry(const char *cls, int flags)
{
	int me = mpp_pvm_me();
	int buf = pvm_mkbuf(PvmDataDefault), old = pvm_setsbuf(buf);
	pvm_pkint(&me, 1, 1);
	int rc = pvm_putinfo((char *)cls, buf, flags);
	pvm_setsbuf(old);
	pvm_freebuf(buf);
	return rc;
}

int __wrap_pvm_joingroup(char *g)
{
	char cls[300];
	if (mpp_pvm_enroll() < 0)
		return PvmSysErr;
	if (class_of(g, cls, sizeof cls) < 0)
		return PvmBadParam;
	if (find_member(g))
		return PvmDupGroup;
	int inst = put_entry(cls, PvmMboxMultiInstance | PvmMboxOverWritable);
	if (inst < 0)
		return inst;
	struct member *m = realloc(ms, sizeof *ms * (size_t)(nms + 1));
	char *name = strdup(g);
	if (!m || !name) {
		free(name);
		if (m)
			ms = m;
		pvm_delinfo(cls, inst, 0);
		return PvmNoMem;
	}
	ms = m;
	ms[nms++] = (struct member){name, inst, 0, 0, 0, 0};
	return inst;
}

int __wrap_pvm_lvgroup(char *g)
{
	char cls[300];
	struct member *m = find_member(g);
	if (!m)
		return class_of(g, cls, sizeof cls) < 0 ? PvmBadParam : PvmNotInGroup;
	class_of(g, cls, sizeof cls);
	int rc = pvm_delinfo(cls, m->inst, 0);
	free(m->name);
	*m = ms[--nms];
	return rc < 0 ? rc : 0;
}

int __wrap_pvm_gsize(char *g)
{
	int *ind, *own, n = entries(g, &ind, &own);
	free(ind);
	free(own);
	return n;
}

/* The owner of instance key in group g (by_inst), or the instance whose
 * owner is key; PvmNoInst when there is none, <0 on a PVM error. */
static int member(char *g, int by_inst, int key)
{
	int *ind, *own, n = entries(g, &ind, &own), found = PvmNoInst;
	for (int i = 0; i < n; i++)
		if ((by_inst ? ind : own)[i] == key)
			found = (by_inst ? own : ind)[i];
	free(ind);
	free(own);
	return n < 0 ? n : found;
}

int __wrap_pvm_gettid(char *g, int inst)
{
	return member(g, 1, inst);
}

int __wrap_pvm_getinst(char *g, int tid)
{
	return member(g, 0, tid);
}

int __wrap_pvm_bcast(char *g, int tag)
{
	int *ind, *own, n = entries(g, &ind, &own), k = 0, me = mpp_pvm_me();
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		if (own[i] != me)
			own[k++] = own[i];
	int rc = k ? pvm_mcast(own, k, tag) : 0;
	free(ind);
	free(own);
	return rc < 0 ? rc : 0;
}

/* ---- group messages ---- */

static int send_gmsg(int to, int kind, int seq, int inst, int aux, const char *g, int (*more)(const void *, int, int),
                     const void *data, int count, int type)
{
	int buf = pvm_mkbuf(PvmDataDefault), old = pvm_setsbuf(buf);
	int h[4] = {kind, seq, inst, aux};
	pvm_pkint(h, 4, 1);
	pvm_pkstr((char *)g);
	int rc = more ? more(data, count, type) : 0;
	if (rc >= 0)
		rc = mpp_pvm_grp_send(to);
	pvm_setsbuf(old);
	pvm_freebuf(buf);
	return rc;
}

/* A group name packed by pvm_pkstr (its length with the NUL, then its
 * bytes) into name (of 256 bytes). pvm_upkstr trusts the length, and a
 * message from a peer or a STATE names any: one that does not fit, or
 * has no NUL at its end, is refused (PvmBadMsg). */
static int upk_name(char *name)
{
	int len = 0, rc = pvm_upkint(&len, 1, 1);
	if (rc < 0)
		return rc;
	if (len < 1 || len > 256)
		return PvmBadMsg;
	rc = pvm_upkbyte(name, len, 1);
	if (rc < 0)
		return rc;
	return name[len - 1] ? PvmBadMsg : 0;
}

/* Reads the header of group message b (from its current position). */
static int parse(int b, int src, struct gmsg *out)
{
	char name[256];
	int h[4], old = pvm_setrbuf(b), rc = pvm_upkint(h, 4, 1);
	if (rc >= 0)
		rc = upk_name(name);
	pvm_setrbuf(old);
	if (rc < 0)
		return rc;
	*out = (struct gmsg){b, src, h[0], h[1], h[2], h[3], ""};
	snprintf(out->name, sizeof out->name, "%s", name);
	return 0;
}

static int add_pending(const struct gmsg *x)
{
	struct gmsg *n = realloc(gp, sizeof *gp * (size_t)(ngp + 1));
	if (!n)
		return PvmNoMem;
	gp = n;
	gp[ngp++] = *x;
	return 0;
}

/* The next group message of this kind, group and sequence number (from
 * src, or any when src is -1): the list first, then PVM, listing what
 * comes meanwhile. Its buffer is not active; the caller frees it. */
static int want(int kind, const char *g, int seq, struct gmsg *out)
{
	for (;;) {
		for (int i = 0; i < ngp; i++)
			if (gp[i].kind == kind && gp[i].seq == seq && strcmp(gp[i].name, g) == 0) {
				*out = gp[i];
				memmove(gp + i, gp + i + 1, sizeof *gp * (size_t)(ngp - i - 1));
				ngp--;
				return 0;
			}
		int src, b = mpp_pvm_grp_next(&src, -1);
		struct gmsg x;
		if (b <= 0)
			return b < 0 ? b : PvmSysErr;
		if (parse(b, src, &x) < 0) {
			mpp_warn("a malformed group message from t%x ignored", src);
			pvm_freebuf(b);
		} else if (add_pending(&x) < 0) {
			pvm_freebuf(b);
			return PvmNoMem;
		}
	}
}

int __wrap_pvm_barrier(char *g, int count)
{
	struct member *m = find_member(g);
	if (!m)
		return PvmNotInGroup;
	int *ind, *own, n = entries(g, &ind, &own), me = mpp_pvm_me(), rc = 0;
	if (n < 0)
		return n;
	if (count < 0)
		count = n;
	int seq = ++m->nb, coord = own[0];
	struct gmsg x;
	if (coord != me) {
		rc = send_gmsg(coord, G_ARRIVE, seq, m->inst, count, g, NULL, NULL, 0, 0);
		if (rc >= 0 && (rc = want(G_RELEASE, g, seq, &x)) >= 0)
			pvm_freebuf(x.b);
	} else {
		int *who = malloc(sizeof(int) * (size_t)(count > 1 ? count : 1)), k = 0;
		if (!who)
			rc = PvmNoMem;
		for (; rc >= 0 && k < count - 1; k++) {
			if ((rc = want(G_ARRIVE, g, seq, &x)) < 0)
				break;
			who[k] = x.src;
			pvm_freebuf(x.b);
		}
		for (int i = 0; rc >= 0 && i < k; i++)
			rc = send_gmsg(who[i], G_RELEASE, seq, m->inst, 0, g, NULL, NULL, 0, 0);
		free(who);
	}
	free(ind);
	free(own);
	return rc < 0 ? rc : 0;
}

int __wrap_pvm_freezegroup(char *g, int size)
{
	if (!find_member(g))
		return PvmNotInGroup;
	/* instance numbers never change here: only wait for size members */
	while (size > 0 && __wrap_pvm_gsize(g) < size) {
		int src, b = mpp_pvm_grp_next(&src, 20);
		if (b < 0)
			return b;
		struct gmsg x;
		if (b > 0 && (parse(b, src, &x) < 0 || add_pending(&x) < 0)) /* kept for later */
			pvm_freebuf(b);
	}
	return 0;
}

/* ---- reductions ---- */

static int pack_data(const void *d, int n, int type)
{
	switch (type) {
	case PVM_BYTE: return pvm_pkbyte((char *)d, n, 1);
	case PVM_SHORT: return pvm_pkshort((short *)d, n, 1);
	case PVM_USHORT: return pvm_pkushort((unsigned short *)d, n, 1);
	case PVM_INT: return pvm_pkint((int *)d, n, 1);
	case PVM_UINT: return pvm_pkuint((unsigned *)d, n, 1);
	case PVM_LONG: return pvm_pklong((long *)d, n, 1);
	case PVM_ULONG: return pvm_pkulong((unsigned long *)d, n, 1);
	case PVM_FLOAT: return pvm_pkfloat((float *)d, n, 1);
	case PVM_CPLX: return pvm_pkcplx((float *)d, n, 1);
	case PVM_DOUBLE: return pvm_pkdouble((double *)d, n, 1);
	case PVM_DCPLX: return pvm_pkdcplx((double *)d, n, 1);
	}
	return PvmBadParam;
}

static int unpack_data(void *d, int n, int type)
{
	switch (type) {
	case PVM_BYTE: return pvm_upkbyte(d, n, 1);
	case PVM_SHORT: return pvm_upkshort(d, n, 1);
	case PVM_USHORT: return pvm_upkushort(d, n, 1);
	case PVM_INT: return pvm_upkint(d, n, 1);
	case PVM_UINT: return pvm_upkuint(d, n, 1);
	case PVM_LONG: return pvm_upklong(d, n, 1);
	case PVM_ULONG: return pvm_upkulong(d, n, 1);
	case PVM_FLOAT: return pvm_upkfloat(d, n, 1);
	case PVM_CPLX: return pvm_upkcplx(d, n, 1);
	case PVM_DOUBLE: return pvm_upkdouble(d, n, 1);
	case PVM_DCPLX: return pvm_upkdcplx(d, n, 1);
	}
	return PvmBadParam;
}

static size_t type_size(int type)
{
	static const size_t sz[] = {0,
	                            1,
	                            sizeof(short),
	                            sizeof(int),
	                            sizeof(float),
	                            2 * sizeof(float),
	                            sizeof(double),
	                            2 * sizeof(double),
	                            sizeof(long),
	                            sizeof(unsigned short),
	                            sizeof(unsigned),
	                            sizeof(unsigned long)};
	return type > 0 && type <= PVM_ULONG ? sz[type] : 0;
}

int __wrap_pvm_reduce(void (*func)(int *, void *, void *, int *, int *), void *data, int count, int type, int tag,
                      char *g, int root)
{
	struct member *m = find_member(g);
	size_t size = type_size(type);
	if (!func || !data || count <= 0 || !size || tag < 0)
		return PvmBadParam;
	if (!m)
		return PvmNotInGroup;
	int *ind, *own, n = entries(g, &ind, &own), rc = 0, seq = ++m->nr;
	if (n < 0)
		return n;
	int rt = PvmNoInst;
	for (int i = 0; i < n; i++)
		if (ind[i] == root)
			rt = own[i];
	if (rt < 0)
		rc = rt;
	else if (m->inst != root)
		rc = send_gmsg(rt, G_REDUCE, seq, m->inst, count, g, pack_data, data, count, type);
	else {
		/* every other member's contribution, combined in instance order */
		struct gmsg *c = calloc((size_t)n, sizeof *c);
		void *y = malloc(size * (size_t)count);
		int k = 0;
		if (!c || !y)
			rc = PvmNoMem;
		for (; rc >= 0 && k < n - 1; k++)
			rc = want(G_REDUCE, g, seq, &c[k]);
		for (int i = 1; i < k; i++)
			for (int j = i; j > 0 && c[j - 1].inst > c[j].inst; j--) {
				struct gmsg t = c[j];
				c[j] = c[j - 1];
				c[j - 1] = t;
			}
		for (int i = 0; i < k; i++) {
			int old = pvm_setrbuf(c[i].b), info = 0, t = type, cnt = count;
			if (rc >= 0 && c[i].aux == count && unpack_data(y, count, type) >= 0)
				func(&t, data, y, &cnt, &info);
			else if (rc >= 0) {
				mpp_warn("pvm_reduce: a contribution of instance %d to group '%s' does not match",
				         c[i].inst, g);
				rc = PvmMismatch;
			}
			pvm_setrbuf(old);
			pvm_freebuf(c[i].b);
		}
		free(c);
		free(y);
	}
	free(ind);
	free(own);
	return rc < 0 ? rc : 0;
}

/* A scatter or a gather of count elements per member: the checks, the
 * group's entries, the root's tid and the sequence number. */
static int spread(struct member **m, const char *g, int count, int type, int tag, int root, int **ind, int **own,
                  int *rt, int *n)
{
	*ind = *own = NULL;
	if (count <= 0 || !type_size(type) || tag < 0)
		return PvmBadParam;
	if (!(*m = find_member(g)))
		return PvmNotInGroup;
	if ((*n = entries(g, ind, own)) < 0)
		return *n;
	*rt = PvmNoInst;
	for (int i = 0; i < *n; i++) {
		if ((*ind)[i] >= *n) /* instances must be 0 .. size-1, as for pvmgs */
			return PvmNoInst;
		if ((*ind)[i] == root)
			*rt = (*own)[i];
	}
	return *rt < 0 ? *rt : 0;
}

int __wrap_pvm_scatter(void *result, void *data, int count, int type, int tag, char *g, int root)
{
	struct member *m;
	int *ind, *own, rt, n, rc = spread(&m, g, count, type, tag, root, &ind, &own, &rt, &n);
	size_t blk = type_size(type) * (size_t)count;
	if (rc >= 0 && !result)
		rc = PvmBadParam;
	if (rc >= 0 && m->inst == root && !data)
		rc = PvmBadParam;
	if (rc >= 0) {
		int seq = ++m->ns;
		struct gmsg x;
		if (m->inst != root) {
			if ((rc = want(G_SCATTER, g, seq, &x)) >= 0) {
				int old = pvm_setrbuf(x.b);
				if (x.aux != count || unpack_data(result, count, type) < 0)
					rc = PvmMismatch;
				pvm_setrbuf(old);
				pvm_freebuf(x.b);
			}
		} else
			for (int i = 0; rc >= 0 && i < n; i++) {
				char *part = (char *)data + blk * (size_t)ind[i];
				if (ind[i] == root)
					memcpy(result, part, blk);
				else
					rc = send_gmsg(own[i], G_SCATTER, seq, root, count, g, pack_data, part, count,
					               type);
			}
	}
	free(ind);
	free(own);
	return rc < 0 ? rc : 0;
}

int __wrap_pvm_gather(void *result, void *data, int count, int type, int tag, char *g, int root)
{
	struct member *m;
	int *ind, *own, rt, n, rc = spread(&m, g, count, type, tag, root, &ind, &own, &rt, &n);
	size_t blk = type_size(type) * (size_t)count;
	if (rc >= 0 && (!data || (m->inst == root && !result)))
		rc = PvmBadParam;
	if (rc >= 0) {
		int seq = ++m->ng;
		struct gmsg x;
		if (m->inst != root)
			rc = send_gmsg(rt, G_GATHER, seq, m->inst, count, g, pack_data, data, count, type);
		else {
			memcpy((char *)result + blk * (size_t)root, data, blk);
			for (int k = 0; rc >= 0 && k < n - 1; k++) {
				if ((rc = want(G_GATHER, g, seq, &x)) < 0)
					break;
				int old = pvm_setrbuf(x.b);
				if (x.aux != count || x.inst < 0 || x.inst >= n ||
				    unpack_data((char *)result + blk * (size_t)x.inst, count, type) < 0)
					rc = PvmMismatch;
				pvm_setrbuf(old);
				pvm_freebuf(x.b);
			}
		}
	}
	free(ind);
	free(own);
	return rc < 0 ? rc : 0;
}

/* ---- migration ---- */

void mpp_pvm_grp_pack(void)
{
	pvm_pkint(&nms, 1, 1);
	for (int i = 0; i < nms; i++) {
		int v[5] = {ms[i].inst, ms[i].nb, ms[i].nr, ms[i].ns, ms[i].ng};
		pvm_pkstr(ms[i].name);
		pvm_pkint(v, 5, 1);
	}
	pvm_pkint(&ngp, 1, 1);
	for (int i = 0; i < ngp; i++)
		mpp_pvm_pack_msg(gp[i].b, gp[i].src);
}

int mpp_pvm_grp_holds(int b)
{
	for (int i = 0; i < ngp; i++)
		if (gp[i].b == b)
			return 1;
	return 0;
}

int mpp_pvm_grp_moved(int b, int nb)
{
	for (int i = 0; i < ngp; i++)
		if (gp[i].b == b) /* past the header again: its data is read from there */
			return parse(nb, gp[i].src, &gp[i]);
	return 0;
}

int mpp_pvm_grp_unpack(void)
{
	int n = 0, bad = 0;
	char name[256], cls[300];
	if (pvm_upkint(&n, 1, 1) < 0 || n < 0 || n > 4096)
		return -1;
	for (int i = 0; i < n; i++) {
		int v[5];
		if (upk_name(name) < 0 || pvm_upkint(v, 5, 1) < 0)
			return -1;
		struct member *m = realloc(ms, sizeof *ms * (size_t)(nms + 1));
		char *s = strdup(name);
		if (!m || !s) {
			free(s);
			if (m)
				ms = m;
			return -1;
		}
		ms = m;
		ms[nms++] = (struct member){s, v[0], v[1], v[2], v[3], v[4]};
		/* take the entry over: same index, this process its owner (a
		 * name no group can have has no entry to take) */
		int named = class_of(name, cls, sizeof cls) == 0;
		int rc = named ? put_entry(cls, PvmMboxDirectIndex(v[0]) | PvmMboxOverWritable) : PvmBadParam;
		if (!named || rc != v[0]) {
			mpp_warn("cannot keep instance %d of group '%s' after the migration (PVM error %d)", v[0], name,
			         rc);
			bad = 1;
		}
	}
	if (pvm_upkint(&n, 1, 1) < 0 || n < 0 || n > 1 << 20)
		return -1;
	for (int i = 0; i < n; i++) {
		int src = 0, b = mpp_pvm_unpack_msg(&src);
		struct gmsg x;
		if (b <= 0 || parse(b, src, &x) < 0 || add_pending(&x) < 0)
			return -1;
	}
	return bad;
}
