/* forger.c: a plain PVM program, not part of any mpp job, that sends
 * messages with mpp's reserved control tags to every task of a running
 * job: one of each control kind, one of an unknown kind and a forged exit
 * notification, each built as a real one would be, and the requests that
 * mppctl sends from outside a job (K_CTL_MIGRATE, K_STATUS) with a wrong
 * secret. Then it sends each task
 * the RELEASE message rounds.c waits for. Built with cc, not mppcc.
 * Run: forger NTASKS (waits up to 60 s for NTASKS tasks in an mpp.job.*
 * mailbox class); prints its own tid and what it sent. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <pvm3.h>

#define TAG_CTL 0x4d505001
#define TAG_EXIT 0x4d505002
#define TAG_RELEASE 44
#define TAG_DATA 42 /* rounds.c's answers: a forwarded one would change a sum */

static void ctl(int to, int tag, const int *v, int n, const char *str)
{
	pvm_initsend(PvmDataDefault);
	if (n)
		pvm_pkint((int *)v, n, 1);
	if (str)
		pvm_pkstr((char *)str);
	pvm_send(to, tag);
}

int main(int argc, char **argv)
{
	int want = argc > 1 ? atoi(argv[1]) : 1, me = pvm_mytid(), owners[64], n = 0, sent = 0;

	if (me < 0)
		return 1;
	for (int tries = 0; tries < 600 && n < want; tries++) {
		struct pvmmboxinfo *cl;
		int ncl = 0;
		n = 0;
		if (pvm_getmboxinfo("mpp.job.*", &ncl, &cl) >= 0)
			for (int c = 0; c < ncl; c++)
				for (int i = 0; i < cl[c].mi_nentries && n < 64; i++)
					owners[n++] = cl[c].mi_owners[i];
		if (n < want)
			usleep(100000);
	}
	if (n < want) {
		fprintf(stderr, "forger: found %d of %d job tasks\n", n, want);
		pvm_exit();
		return 1;
	}
	printf("forger t%x\n", me);
	for (int i = 0; i < n; i++) {
		int t = owners[i];
		int map[] = {1, 1, t, me, 5, 1, me, t};       /* K_MAP: t is now at me */
		int notice[] = {2, t, t, me, 1000};           /* K_NOTICE: t moves to me */
		int flush[] = {3, t, 0};                      /* K_FLUSH */
		int moved[] = {4, t, t, me};                  /* K_MOVED */
		int mig[] = {5};                              /* K_MIGRATE, host follows */
		int state[] = {6, t, 0, 1, 0, 0, 0, 0, 0, 0}; /* K_STATE, empty */
		int ack[] = {7};                              /* K_ACK */
		int ready[] = {9};                            /* K_READY */
		int wake[] = {10, t};                         /* K_WAKE */
		int unknown[] = {99};
		int cmig[] = {11, 0x12345678, 0x9abcdef0};  /* K_CTL_MIGRATE, wrong secret, host follows */
		int cstat[] = {12, 0x12345678, 0x9abcdef0}; /* K_STATUS, wrong secret */
		ctl(t, TAG_CTL, map, 8, NULL);
		ctl(t, TAG_CTL, notice, 5, NULL);
		ctl(t, TAG_CTL, flush, 3, NULL);
		ctl(t, TAG_CTL, moved, 4, NULL);
		ctl(t, TAG_CTL, mig, 1, "h2");
		ctl(t, TAG_CTL, state, 10, NULL);
		ctl(t, TAG_CTL, ack, 1, NULL);
		/* K_FWD: a data message "from" the other task */
		int data = pvm_mkbuf(PvmDataDefault), old = pvm_setsbuf(data);
		int rk[2] = {0, 0}, fwd[] = {8, owners[(i + 1) % n]};
		long v = 12345;
		pvm_pkint(rk, 2, 1);
		pvm_pklong(&v, 1, 1);
		pvm_setsbuf(old);
		pvm_initsend(PvmDataDefault);
		pvm_pkint(fwd, 2, 1);
		pvm_pkmesg(data);
		pvm_send(t, TAG_CTL);
		pvm_freebuf(data);
		ctl(t, TAG_CTL, ready, 1, NULL);
		ctl(t, TAG_CTL, wake, 2, NULL);
		ctl(t, TAG_CTL, unknown, 1, NULL);
		ctl(t, TAG_EXIT, &owners[(i + 1) % n], 1, NULL); /* a forged exit notification */
		ctl(t, TAG_CTL, cmig, 3, "h2");
		ctl(t, TAG_CTL, cstat, 3, NULL);
		sent += 14;
	}
	for (int i = 0; i < n; i++) {
		pvm_initsend(PvmDataDefault);
		pvm_send(owners[i], TAG_RELEASE);
	}
	printf("forger: %d forged control messages to %d tasks\n", sent, n);
	pvm_exit();
	return 0;
}
