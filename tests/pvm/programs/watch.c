/* watch.c: exit notifications (pvm_notify PvmTaskExit) while tasks move.
 * The root spawns 3 workers (this same program) and asks to be told when
 * each ends. For 12 rounds it sends every worker a number and sums the
 * answers; after each round it looks for an exit notification, which must
 * not come while every worker is alive, wherever they have moved (a task's
 * old place ending is not the task ending). Then worker 1 is told to stop
 * early, the root waits for its notification (the tid in it must be the
 * one pvm_spawn gave; it is unpacked after a migration point, so it may
 * travel as the receive buffer), runs 4 more rounds with the others,
 * stops them and waits for both notifications. The root itself moves
 * too: its notifications must follow it. It also asks to hear of the deletion of
 * every host; with the argument "delhost" it deletes a host other than
 * its own at the end and must hear of it (checked with pvm_nrecv, which
 * is no migration point). The virtual machine keeps one host less.
 * Run: watch [delhost]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pvm3.h>

#define NW 3
#define TAG_WORK 51
#define TAG_ANSWER 52
#define TAG_STOP 53
#define TAG_EXIT 54
#define TAG_HOST 55

static void worker(int root)
{
	for (;;) {
		int b = pvm_recv(root, -1), tag, x;
		pvm_bufinfo(b, NULL, &tag, NULL);
		if (tag == TAG_STOP)
			break;
		pvm_upkint(&x, 1, 1);
		long y = (long)x * x % 100003L;
		pvm_initsend(PvmDataDefault);
		pvm_pklong(&y, 1, 1);
		pvm_send(root, TAG_ANSWER);
	}
	pvm_exit();
}

static int index_of(const int *tids, int tid)
{
	for (int i = 0; i < NW; i++)
		if (tids[i] == tid)
			return i;
	return -1;
}

/* one exit notification: which worker ended (-1 for a tid not ours) */
static int ended(const int *tids, int b)
{
	int tid = 0;
	pvm_setrbuf(b);
	pvm_upkint(&tid, 1, 1);
	return index_of(tids, tid);
}

static long round_of(const int *tids, const int *alive, int r)
{
	long sum = 0;
	for (int i = 0; i < NW; i++)
		if (alive[i]) {
			int x = r * 37 + i * 101 + 5;
			pvm_initsend(PvmDataDefault);
			pvm_pkint(&x, 1, 1);
			pvm_send(tids[i], TAG_WORK);
		}
	for (int i = 0; i < NW; i++)
		if (alive[i]) {
			long y;
			pvm_recv(tids[i], TAG_ANSWER);
			pvm_upklong(&y, 1, 1);
			sum += y * (i + 1);
		}
	return sum;
}

static void stop(int tid)
{
	pvm_initsend(PvmDataDefault);
	pvm_send(tid, TAG_STOP);
}

int main(int argc, char **argv)
{
	int me = pvm_mytid(), tids[NW], alive[NW] = {1, 1, 1};
	if (me < 0)
		return 1;
	if (pvm_parent() != PvmNoParent) {
		worker(pvm_parent());
		return 0;
	}
	if (pvm_spawn("watch", NULL, PvmTaskDefault, "", NW, tids) != NW) {
		printf("cannot spawn the workers\n");
		pvm_exit();
		return 1;
	}
	pvm_notify(PvmTaskExit, TAG_EXIT, NW, tids);
	struct pvmhostinfo *hosts;
	int nhost = 0, narch, dtids[16];
	pvm_config(&nhost, &narch, &hosts);
	for (int i = 0; i < nhost && i < 16; i++)
		dtids[i] = hosts[i].hi_tid;
	if (nhost > 1)
		pvm_notify(PvmHostDelete, TAG_HOST, nhost < 16 ? nhost : 16, dtids);
	for (int r = 0; r < 16; r++) {
		if (r == 12) {
			stop(tids[1]);
			int b = pvm_recv(-1, TAG_EXIT);
			/* a migration between the receive and the unpacking: the
			 * notification travels as the active receive buffer */
#pragma mpp point
			int w = ended(tids, b);
			printf("worker %d ended\n", w);
			alive[1] = 0;
		}
		printf("round %d: %ld\n", r, round_of(tids, alive, r));
		int b = pvm_nrecv(-1, TAG_EXIT);
		if (b > 0)
			printf("unexpected exit notification: worker %d\n", ended(tids, b));
	}
	stop(tids[0]);
	stop(tids[2]);
	int seen[NW] = {0, 0, 0};
	for (int k = 0; k < 2; k++) {
		int w = ended(tids, pvm_recv(-1, TAG_EXIT));
		if (w >= 0)
			seen[w]++;
		else
			printf("exit notification for a tid that is not a worker\n");
	}
	printf("ended at the end: %d %d %d\n", seen[0], seen[1], seen[2]);
	if (argc > 1 && strcmp(argv[1], "delhost") == 0 && nhost > 1) {
		/* a host other than ours (not the first: the master pvmd) */
		int mine = pvm_tidtohost(pvm_mytid()), gone = 0, b = 0;
		pvm_config(&nhost, &narch, &hosts);
		char name[256] = "";
		for (int i = 1; i < nhost && !name[0]; i++)
			if (hosts[i].hi_tid != mine) {
				snprintf(name, sizeof name, "%s", hosts[i].hi_name);
				gone = hosts[i].hi_tid;
			}
		char *list[1] = {name};
		int st;
		if (name[0] && pvm_delhosts(list, 1, &st) >= 0) {
			for (int k = 0; k < 500 && (b = pvm_nrecv(-1, TAG_HOST)) == 0; k++)
				usleep(10000);
			int dtid = 0;
			if (b > 0)
				pvm_upkint(&dtid, 1, 1);
			printf("host deletion %s\n", b > 0 && dtid == gone ? "heard" : "not heard");
		} else
			printf("cannot delete a host\n");
	}
	pvm_exit();
	return 0;
}
