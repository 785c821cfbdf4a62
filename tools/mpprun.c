/* mpprun: start a PVM program as the root task of a job and print the
 * output of all its tasks (pvm_catchout), until the job's root task has
 * ended, following it when it migrates: a migrated task's destination is
 * spawned by PVM, so its output can only reach a terminal through PVM.
 * Usage: mpprun [-h HOST] [-n N] PROGRAM [ARG...]; needs a running
 * virtual machine (pvmd). The root tasks (N of them, for SPMD programs
 * that find each other with pvm_siblings) see pvm_parent() ==
 * PvmNoParent; the job is named after mpprun's own tid.
 * It also gives the job a random 64-bit secret (MPP_PVM_SECRET, exported
 * to every task) and writes it in a job file readable by the user only
 * (MPP_JOBDIR, default /tmp/mpp-<uid>, file <job>.job), so that mppctl and
 * the scheduler can steer the job; the file goes when mpprun ends.
 * It watches every mpp task of the job: each process tells mpprun when it
 * starts to serve a task and when the task ends as the program meant
 * (MPP_PVM_RUNNER); a task whose process ends otherwise and that goes on
 * nowhere (killed, crashed, lost with its host, lost in a migration) is
 * lost, and the job could only wait for it forever: mpprun says which,
 * ends the job's other tasks and exits with status 3. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <pvm3.h>

#include "mppjob.h"

#define TAG_EXIT 0x4d505003
#define TAG_CTL 0x4d505001     /* libmpp's control messages (runtime/pvm.c) */
#define TAG_INFO 0x4d505004    /* from tasks out of the job: INFO_END, INFO_BEGIN */
#define INFO_END 3             /* body: job, vtid: the task ends as its program meant */
#define INFO_BEGIN 4           /* body: job, vtid: this process serves the task now */
#define INFO_KILLED 5          /* body: job, vtid: the program kills that task (pvm_kill) */
#define K_MAP 1                /* a map of moved tasks: here an empty one, "go" */
#define EXIT_LOST 3            /* a task of the job was lost */
#define TAG_NOTHING 0x4d5050ff /* never sent: a receive of it is a wait that prints output */
#define HOLD_LIMIT_S 20        /* how long roots may take to register */

extern char **environ;

static void usage(void)
{
	fprintf(stderr, "usage: mpprun [-h HOST] [-n NTASKS] PROGRAM [ARG...]\n");
	exit(2);
}

static char job_path[4096];
static int exit_status; /* EXIT_LOST once a task of the job was lost */

/* The job's secret: 64 random bits, as 16 hex digits. */
static int make_secret(char out[17])
{
	uint64_t x;
	if (getrandom(&x, sizeof x, 0) != (ssize_t)sizeof x) {
		fprintf(stderr, "mpprun: cannot draw the job's secret: %s\n", strerror(errno));
		return -1;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)x);
	return 0;
}

/* MPP_JOBDIR/<job>.job, mode 0600 in a directory of mode 0700 that the
 * user owns: job, secret, root tasks, program, start time. */
static int write_job_file(int job, const char *secret, const int *roots, int n, const char *prog)
{
	char dir[4000];
	const char *d = getenv("MPP_JOBDIR");
	struct stat st;
	if (d && *d)
		snprintf(dir, sizeof dir, "%s", d);
	else
		snprintf(dir, sizeof dir, "/tmp/mpp-%u", (unsigned)getuid());
	if (mkdir(dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "mpprun: cannot create the job directory '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077)) {
		fprintf(stderr, "mpprun: the job directory '%s' must be a directory of this user, mode 0700\n", dir);
		return -1;
	}
	snprintf(job_path, sizeof job_path, "%s/%x.job", dir, (unsigned)job);
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", job_path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fprintf(stderr, "mpprun: cannot write the job file '%s': %s\n", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		job_path[0] = 0;
		return -1;
	}
	fprintf(f, "job=%x\nsecret=%s\nroot=", (unsigned)job, secret);
	for (int k = 0; k < n; k++)
		fprintf(f, "%st%x", k ? "," : "", (unsigned)roots[k]);
	fprintf(f, "\nprogram=%s\nstarted=%lld\n", prog, (long long)time(NULL));
	if (fclose(f) || rename(tmp, job_path)) {
		fprintf(stderr, "mpprun: cannot write the job file '%s': %s\n", job_path, strerror(errno));
		unlink(tmp);
		job_path[0] = 0;
		return -1;
	}
	return 0;
}

static void remove_job_file(void)
{
	if (job_path[0])
		unlink(job_path);
	job_path[0] = 0;
}

/* pvm_exit waits until the output of every task of the job has closed;
 * a task on a host that left the virtual machine (a dormant migration
 * destination, say) never closes it: when a host left during the job,
 * mpprun gives up after a while. */
static void on_drain_timeout(int sig)
{
	(void)sig;
	static const char msg[] = "mpprun: the output of some tasks did not close in time after the job "
	                          "ended, and a host left the virtual machine: not waiting\n";
	fflush(stdout); /* the main flow is blocked in select(): stdio is idle */
	if (write(2, msg, sizeof msg - 1) < 0) {
	}
	_exit(exit_status);
}

/* The daemons' tids of the virtual machine now (*n of them, malloc'd). */
static int *host_tids(int *n)
{
	struct pvmhostinfo *hi;
	int na, *t = NULL;
	*n = 0;
	if (pvm_config(n, &na, &hi) < 0 || *n <= 0 || !(t = malloc(sizeof *t * (size_t)*n))) {
		*n = 0;
		return NULL;
	}
	for (int k = 0; k < *n; k++)
		t[k] = hi[k].hi_tid;
	return t;
}

/* Has a host of the list left the virtual machine? */
static int hosts_left(const int *was, int n)
{
	int now_n, *now = host_tids(&now_n), left = 0;
	for (int k = 0; k < n; k++) {
		int found = 0;
		for (int j = 0; j < now_n; j++)
			found |= now[j] == was[k];
		left |= !found;
	}
	free(now);
	return left;
}

static void on_signal(int sig)
{
	remove_job_file();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Export MPP_*, the root marker and the job's name to the spawned tasks. */
static void export_controls(int job, int n, const char *secret)
{
	char j[16];
	snprintf(j, sizeof j, "%x", (unsigned)job);
	setenv("MPP_PVM_JOB", j, 1);
	setenv("MPP_PVM_SECRET", secret, 1);
	setenv("MPP_PVM_RUNNER", j, 1); /* the job is named after mpprun's tid */
	size_t len = 64;
	const char *old = getenv("PVM_EXPORT");
	if (old)
		len += strlen(old);
	for (char **e = environ; *e; e++)
		len += strcspn(*e, "=") + 1;
	char *s = malloc(len), *p = s;
	if (!s)
		return;
	p += sprintf(p, "%s%sMPP_PVM_ROOT", old ? old : "", old && *old ? ":" : "");
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "MPP_", 4) == 0 && strncmp(*e, "MPP_PVM_ROOT=", 13) != 0)
			p += sprintf(p, ":%.*s", (int)strcspn(*e, "="), *e);
	setenv("MPP_PVM_ROOT", n > 1 ? "wait" : "1", 1);
	setenv("PVM_EXPORT", s, 1);
	free(s);
}

/* The real tid now serving virtual task vtid other than except, or 0:
 * an owner of the task's own mailbox class (as mppj_find) that still runs
 * (the entry of a process that was killed may stay a while). */
static int find_task(int job, int vtid, int except)
{
	struct pvmmboxinfo *cl;
	char name[64];
	int ncl = 0;
	snprintf(name, sizeof name, "mpp.vt.%x.%x", (unsigned)job, (unsigned)vtid);
	if (pvm_getmboxinfo(name, &ncl, &cl) < 0)
		return 0;
	for (int c = 0; c < ncl; c++)
		if (strcmp(cl[c].mi_name, name) == 0)
			for (int i = 0; i < cl[c].mi_nentries; i++) {
				int o = cl[c].mi_owners[i];
				if (o > 0 && o != except && pvm_pstat(o) == PvmOk)
					return o;
			}
	return 0;
}

/* The mpp tasks of the job that mpprun watches: real tid, virtual tid,
 * and whether it said that it ends (INFO_END). */
struct task {
	int rtid, vtid, ended;
};
static struct task *tasks;
static int ntasks, ntasks_max;
static int *done_v; /* tasks that ended as their program meant (virtual tids) */
static int ndone;

static int task_done(int vtid)
{
	for (int k = 0; k < ndone; k++)
		if (done_v[k] == vtid)
			return 1;
	return 0;
}

static struct task *task_of(int rtid)
{
	for (int k = 0; k < ntasks; k++)
		if (tasks[k].rtid == rtid)
			return &tasks[k];
	return NULL;
}

static struct task *watch(int rtid, int vtid)
{
	struct task *t = task_of(rtid);
	if (t)
		return t;
	if (ntasks == ntasks_max) {
		int m = ntasks_max ? 2 * ntasks_max : 16;
		struct task *nt = realloc(tasks, sizeof *nt * (size_t)m);
		if (!nt)
			return NULL; /* not watched: at worst the old behaviour */
		tasks = nt;
		ntasks_max = m;
	}
	tasks[ntasks] = (struct task){rtid, vtid, 0};
	pvm_notify(PvmTaskExit, TAG_EXIT, 1, &rtid);
	return &tasks[ntasks++];
}

static void unwatch(struct task *t)
{
	*t = tasks[--ntasks];
}

/* Kill every process of the job: those watched and the owners of the
 * job's mailbox class (a task that had not said INFO_BEGIN yet). */
static int kill_job(int job)
{
	struct pvmmboxinfo *cl;
	char mbox[64];
	int ncl = 0, n = ntasks;
	for (int k = 0; k < ntasks; k++)
		pvm_kill(tasks[k].rtid);
	snprintf(mbox, sizeof mbox, "mpp.job.%x", (unsigned)job);
	if (pvm_getmboxinfo(mbox, &ncl, &cl) >= 0)
		for (int c = 0; c < ncl; c++)
			for (int i = 0; i < cl[c].mi_nentries; i++) {
				int o = cl[c].mi_owners[i];
				if (o > 0 && !task_of(o) && pvm_pstat(o) == PvmOk && pvm_kill(o) >= 0)
					n++;
			}
	return n;
}

/* Every INFO_BEGIN, INFO_END and INFO_KILLED waiting: the tasks to
 * watch, those that ended as their program meant. */
static void take_news(void)
{
	int b, v[3], len, tag, src;
	while ((b = pvm_nrecv(-1, TAG_INFO)) > 0) {
		struct task *t = NULL;
		if (pvm_bufinfo(b, &len, &tag, &src) < 0 || pvm_upkint(v, 3, 1) < 0)
			continue;
		if (v[0] == INFO_BEGIN || v[0] == INFO_END)
			t = watch(src, v[2]);
		if (t && v[0] == INFO_END)
			t->ended = 1;
		if (v[0] != INFO_END && v[0] != INFO_KILLED)
			continue;
		int *d = task_done(v[2]) ? NULL : realloc(done_v, sizeof *d * (size_t)(ndone + 1));
		if (d) {
			done_v = d;
			done_v[ndone++] = v[2];
		}
	}
}

/* Another process that serves task vtid: one that said so (INFO_BEGIN)
 * and has not ended, or one registered in the job's mailbox. */
static int successor(int job, int vtid, int except)
{
	for (int k = 0; k < ntasks; k++)
		if (tasks[k].vtid == vtid && tasks[k].rtid != except && pvm_pstat(tasks[k].rtid) == PvmOk)
			return tasks[k].rtid;
	return find_task(job, vtid, except);
}

/* A process that ended without its task ending, and no successor known:
 * it may have died in a migration whose destination has the state, but
 * whose INFO_BEGIN is still on its way. Look again for a second. */
static int find_late(int job, int vtid, int except)
{
	for (int i = 0; i < 10; i++) {
		struct timeval tmo = {0, 100000};
		pvm_trecv(-1, TAG_NOTHING, &tmo);
		take_news();
		int next = successor(job, vtid, except);
		if (next || task_done(vtid))
			return next;
	}
	return 0;
}

/* Several roots: each waits (MPP_PVM_ROOT=wait) until all of them are in
 * the job's mailbox, since a root that migrated before another registered
 * could not tell it where it went. Then each gets an empty map: go. A
 * root that ended, or never registers (a program not built with mppcc),
 * is not waited for beyond HOLD_LIMIT_S. */
static void release_roots(int job, const int *vt, int n)
{
	struct timeval t0, t;
	gettimeofday(&t0, NULL);
	for (int k = 0; k < n;) {
		if (mppj_find((unsigned)job, vt[k], 0) || pvm_pstat(vt[k]) != PvmOk) {
			k++;
			continue;
		}
		gettimeofday(&t, NULL);
		if (t.tv_sec - t0.tv_sec > HOLD_LIMIT_S) {
			fprintf(stderr,
			        "mpprun: task t%x did not register in %d s (not built with mppcc?); starting anyway\n",
			        vt[k], HOLD_LIMIT_S);
			break;
		}
		struct timeval nap = {0, 2000};
		select(0, NULL, NULL, NULL, &nap);
	}
	int go[3] = {K_MAP, 0, 0};
	for (int k = 0; k < n; k++) {
		pvm_initsend(PvmDataDefault);
		pvm_pkint(go, 3, 1);
		pvm_send(vt[k], TAG_CTL);
	}
}

int main(int argc, char **argv)
{
	char *host = NULL;
	int i = 1, n = 1;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "-h") == 0)
			host = argv[i + 1];
		else if (strcmp(argv[i], "-n") == 0 && atoi(argv[i + 1]) >= 1 && atoi(argv[i + 1]) <= 1024)
			n = atoi(argv[i + 1]);
		else
			usage();
	}
	if (i >= argc || argv[i][0] == '-')
		usage();
	int me = pvm_mytid();
	if (me < 0) {
		fprintf(stderr, "mpprun: no PVM virtual machine is running (start one with pvmd or the pvm console)\n");
		return 1;
	}
	pvm_setopt(PvmShowTids, 0);
	int nhosts0, *hosts0 = host_tids(&nhosts0);
	pvm_catchout(stdout);
	char secret[17];
	if (make_secret(secret)) {
		pvm_exit();
		return 1;
	}
	export_controls(me, n, secret);
	int *vt = calloc((size_t)n, sizeof(int)), *cur = calloc((size_t)n, sizeof(int));
	if (!vt || !cur) {
		fprintf(stderr, "mpprun: out of memory\n");
		return 1;
	}
	int got = pvm_spawn(argv[i], argv + i + 1, host ? PvmTaskHost : PvmTaskDefault, host ? host : "", n, vt);
	if (got != n) {
		fprintf(stderr, "mpprun: cannot start %d '%s'%s%s (PVM error %d)\n", n, argv[i], host ? " on " : "",
		        host ? host : "", got < 0 ? got : vt[got]);
		for (int k = 0; k < got; k++)
			pvm_kill(vt[k]);
		pvm_exit();
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (write_job_file(me, secret, vt, n, argv[i]))
		fprintf(stderr, "mpprun: the job runs, but mppctl and the scheduler cannot steer it\n");
	if (n > 1)
		release_roots(me, vt, n);
	memcpy(cur, vt, sizeof(int) * (size_t)n);
	pvm_notify(PvmTaskExit, TAG_EXIT, n, cur);
	int lost = 0, lost_at = 0;
	for (int left = n; left > 0 && !lost;) {
		struct timeval tmo = {0, 200000};
		/* the news of tasks first: a task's INFO_END is ahead of its
		 * exit notification, and only these two tags are ours (pvm_catchout
		 * brings the output in messages too) */
		take_news();
		int b = pvm_trecv(-1, TAG_EXIT, &tmo);
		if (b < 0)
			break;
		if (b == 0)
			continue;
		int gone = 0, k;
		pvm_upkint(&gone, 1, 1);
		take_news();
		struct task *t = task_of(gone);
		for (k = 0; k < n && cur[k] != gone; k++)
			;
		if (!t && k == n)
			continue;
		/* ended, or moved: its destination is registered before it
		 * leaves; or lost: neither */
		int vtid = t ? t->vtid : vt[k], ended = (t && t->ended) || task_done(vtid);
		if (t)
			unwatch(t);
		if (ended) /* the task is over: a destination it left behind is not */
			for (int j = ntasks - 1; j >= 0; j--)
				if (tasks[j].vtid == vtid)
					unwatch(&tasks[j]);
		int next = ended ? 0 : successor(me, vtid, gone);
		if (!next && t && !ended)
			next = find_late(me, vtid, gone);
		ended |= task_done(vtid);
		if (next)
			watch(next, vtid);
		else if (t && !ended) {
			lost = vtid;
			lost_at = gone;
		}
		if (k < n && !(cur[k] = next))
			left--;
	}
	fflush(stdout);
	if (lost) {
		for (int k = 0; k < n; k++)
			if (cur[k] > 0 && !task_of(cur[k]))
				pvm_kill(cur[k]);
		int others = kill_job(me);
		fprintf(stderr,
		        "mpprun: task t%x of the job was lost: its process t%x ended before its program did (killed, "
		        "crashed, its host gone, or lost in a migration); stopped the job's %d other tasks\n",
		        (unsigned)lost, (unsigned)lost_at, others);
		/* the last words of the lost process may still be on their way:
		 * libpvm prints them while it waits in a receive (of a tag that
		 * nobody sends) */
		struct timeval tmo = {0, 500000};
		pvm_trecv(-1, TAG_NOTHING, &tmo);
		fflush(stdout);
		exit_status = EXIT_LOST;
	}
	remove_job_file();
	free(vt);
	free(cur);
	if (hosts_left(hosts0, nhosts0)) {
		signal(SIGALRM, on_drain_timeout);
		alarm(lost ? 2 : 10); /* lost: every task left was killed */
	}
	free(hosts0);
	free(tasks);
	free(done_v);
	pvm_exit();
	return exit_status;
}
