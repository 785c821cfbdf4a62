/* mworker.c: PVM master/worker with many small messages. The root task
 * spawns workers (this same program) and deals out NJOBS small jobs,
 * keeping up to WINDOW of them in flight per worker; each answer names its
 * job, so a lost, duplicated or misrouted message shows in the summary.
 * Run: mworker [workers] [jobs] (default 3 workers, 3000 jobs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvm3.h>

#define TAG_JOB 10
#define TAG_ANSWER 11
#define TAG_STOP 12
#define WINDOW 8

static long job_value(int job)
{
	long v = job;
	for (int i = 0; i < 300; i++)
		v = (v * 1103515245 + 12345) % 2147483647;
	return v % 1000003;
}

static void worker(int master)
{
	for (;;) {
		int bufid = pvm_recv(master, -1), len, tag, src, job;
		pvm_bufinfo(bufid, &len, &tag, &src);
		if (tag == TAG_STOP)
			break;
		pvm_upkint(&job, 1, 1);
		long v = job_value(job);
		int me = pvm_mytid();
		pvm_initsend(PvmDataDefault);
		pvm_pkint(&job, 1, 1);
		pvm_pklong(&v, 1, 1);
		pvm_pkint(&me, 1, 1);
		pvm_send(master, TAG_ANSWER);
	}
}

int main(int argc, char **argv)
{
	int nw = argc > 1 ? atoi(argv[1]) : 3, njobs = argc > 2 ? atoi(argv[2]) : 3000;
	int tids[32], next = 0, done = 0;

	if (pvm_mytid() < 0)
		return 1;
	if (pvm_parent() != PvmNoParent) {
		worker(pvm_parent());
		pvm_exit();
		return 0;
	}
	if (nw < 1 || nw > 32 || njobs < 1) {
		fprintf(stderr, "mworker: 1 to 32 workers and at least one job\n");
		pvm_exit();
		return 2;
	}
	char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (pvm_spawn(name, NULL, PvmTaskDefault, "", nw, tids) != nw) {
		fprintf(stderr, "mworker: cannot spawn %d workers\n", nw);
		pvm_exit();
		return 1;
	}
	char *seen = calloc((size_t)njobs, 1);
	long sum = 0;
	int wrong = 0, dup = 0;
	/* fill every worker's window, then one new job per answer */
	for (int w = 0; w < nw; w++)
		for (int k = 0; k < WINDOW && next < njobs; k++, next++) {
			pvm_initsend(PvmDataDefault);
			pvm_pkint(&next, 1, 1);
			pvm_send(tids[w], TAG_JOB);
		}
	while (done < njobs) {
		int job, who;
		long v;
		pvm_recv(-1, TAG_ANSWER);
		pvm_upkint(&job, 1, 1);
		pvm_upklong(&v, 1, 1);
		pvm_upkint(&who, 1, 1);
		done++;
		if (job < 0 || job >= njobs || v != job_value(job)) {
			wrong++;
			continue;
		}
		if (seen[job]++)
			dup++;
		sum += v;
		if (next < njobs) {
			pvm_initsend(PvmDataDefault);
			pvm_pkint(&next, 1, 1);
			pvm_send(who, TAG_JOB);
			next++;
		}
	}
	int missing = 0;
	for (int j = 0; j < njobs; j++)
		missing += !seen[j];
	pvm_initsend(PvmDataDefault);
	pvm_mcast(tids, nw, TAG_STOP);
	printf("mworker: %d workers, %d jobs, sum %ld, wrong %d, duplicated %d, missing %d\n", nw, njobs, sum, wrong,
	       dup, missing);
	free(seen);
	pvm_exit();
	return 0;
}
