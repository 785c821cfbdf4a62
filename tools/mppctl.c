/* mppctl: shows and steers the mpp jobs of a PVM virtual machine and its
 * scheduler (mppsched). Jobs are found through the job files that mpprun
 * writes (MPP_JOBDIR), which hold each job's secret: requests to tasks
 * carry it (docs/PROTOCOL.md). Commands: start, stop, status, migrate,
 * vacate, owner, load, log (see usage()). Exit status 0 on success, 1 on
 * an error (one line on stderr), 2 on a usage error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pvm3.h>

#include "mppctl.h"
#include "mppjob.h"

int mppctl_json;
static int enrolled; /* pvm_exit only then: libpvm complains otherwise */

static void usage(void)
{
	fprintf(stderr, "usage: mppctl start [-c CONFIG] | stop\n"
	                "       mppctl status [--json]\n"
	                "       mppctl migrate TASK HOST | vacate HOST\n"
	                "       mppctl owner HOST active|idle|auto | load HOST VALUE|auto\n"
	                "       mppctl log [--json] [--plot FILE.png]\n");
	exit(2);
}

void mppctl_die(const char *fmt, ...)
{
	va_list ap;
	fputs("mppctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (enrolled)
		pvm_exit();
	exit(1);
}

static double now(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static void enroll(void)
{
	/* libpvm prints its own complaints when no pvmd runs: ours is enough */
	fflush(stdout);
	int out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY);
	if (null >= 0) {
		dup2(null, 1);
		dup2(null, 2);
	}
	int me = pvm_mytid();
	if (out >= 0 && err >= 0) {
		dup2(out, 1);
		dup2(err, 2);
		close(out);
		close(err);
	}
	if (null >= 0)
		close(null);
	if (me < 0) {
		fprintf(stderr, "mppctl: no PVM virtual machine is running (start one with pvmd or the pvm console)\n");
		exit(1);
	}
	enrolled = 1;
	pvm_setopt(PvmRoute, PvmDontRoute);
}

static int need_sched(void)
{
	int s = mppj_sched();
	if (!s)
		mppctl_die("no scheduler is running (start one with 'mppctl start')");
	return s;
}

/* One request line to the scheduler; its text reply in *text. */
static int ask(int sched, const char *line, char **text)
{
	static char buf[16384];
	int st = 1;
	pvm_initsend(PvmDataDefault);
	pvm_pkstr((char *)line);
	if (pvm_send(sched, MPPJ_TAG_REQ) < 0)
		mppctl_die("cannot reach the scheduler t%x", (unsigned)sched);
	struct timeval tmo = {10, 0};
	int b = pvm_trecv(sched, MPPJ_TAG_REP, &tmo);
	if (b <= 0)
		mppctl_die("the scheduler t%x did not answer within 10 s", (unsigned)sched);
	if (pvm_upkint(&st, 1, 1) < 0 || pvm_upkstr(buf) < 0)
		mppctl_die("bad reply from the scheduler");
	*text = buf;
	return st;
}

/* ---- jobs and tasks ---- */

struct info { /* a task, with what it answered to K_STATUS */
	struct mppj_task t;
	int answered, moves;
	unsigned long long polls, bytes;
	char program[256];
};

static struct mppj_job *jobs;
static int njobs;

static void load_jobs(void)
{
	const char *err = NULL;
	njobs = mppj_jobs(&jobs, &err);
	if (njobs < 0)
		mppctl_die("%s", err);
}

static int all_tasks(struct mppj_task **t)
{
	int n = 0;
	*t = NULL;
	for (int i = 0; i < njobs; i++)
		mppj_tasks(&jobs[i], t, &n);
	return n;
}

static struct mppj_job *job_of(unsigned job)
{
	for (int i = 0; i < njobs; i++)
		if (jobs[i].job == job)
			return &jobs[i];
	return NULL;
}

/* Ask every task for its status; answers within 2 s are kept. */
static int query(struct info **out)
{
	struct mppj_task *t;
	int n = all_tasks(&t);
	struct info *in = calloc((size_t)(n ? n : 1), sizeof *in);
	if (!in)
		mppctl_die("out of memory");
	for (int i = 0; i < n; i++) {
		in[i].t = t[i];
		mppj_ctl(job_of(t[i].job), t[i].rtid, MPPJ_K_STATUS, NULL);
	}
	double end = now() + 2;
	for (int left = n; left > 0;) {
		double d = end - now();
		if (d <= 0)
			break;
		struct timeval tmo = {(time_t)d, (suseconds_t)((d - (double)(time_t)d) * 1e6)};
		int b = pvm_trecv(-1, MPPJ_TAG_INFO, &tmo), r[10];
		if (b <= 0)
			break;
		char prog[256] = "";
		if (pvm_upkint(r, 10, 1) < 0 || r[0] != MPPJ_INFO_STATUS || pvm_upkstr(prog) < 0)
			continue;
		for (int i = 0; i < n; i++)
			if (in[i].t.job == (unsigned)r[1] && in[i].t.vtid == r[2] && !in[i].answered) {
				in[i].answered = 1;
				in[i].t.rtid = r[3];
				in[i].t.host = r[4];
				in[i].polls = ((unsigned long long)(unsigned)r[5] << 32) | (unsigned)r[6];
				in[i].bytes = ((unsigned long long)(unsigned)r[7] << 32) | (unsigned)r[8];
				in[i].moves = r[9];
				snprintf(in[i].program, sizeof in[i].program, "%s", prog);
				left--;
			}
	}
	free(t);
	*out = in;
	return n;
}

static struct mppj_task find_task(const char *arg)
{
	int v = mppj_parse_tid(arg);
	if (v < 0)
		mppctl_die("'%s' is not a task id (a virtual tid such as t40002)", arg);
	if (!njobs)
		mppctl_die("no mpp job is running (no job file of a running mpprun in %s)", mppj_dir());
	struct mppj_task *t, r;
	int n = all_tasks(&t);
	for (int i = 0; i < n; i++)
		if (t[i].vtid == v || t[i].rtid == v) {
			r = t[i];
			free(t);
			return r;
		}
	free(t);
	mppctl_die("unknown task t%x: no task of a running job has this virtual tid (see mppctl status)", (unsigned)v);
}

static void check_host(const char *name)
{
	if (!mppj_host_tid(name))
		mppctl_die("unknown host '%s': not in the virtual machine (see mppctl status)", name);
}

/* ---- commands ---- */

static int cmd_start(int argc, char **argv)
{
	const char *conf = NULL;
	if (argc == 2 && strcmp(argv[0], "-c") == 0)
		conf = argv[1];
	else if (argc)
		usage();
	if (conf && access(conf, R_OK))
		mppctl_die("cannot read the configuration '%s': %s", conf, strerror(errno));
	enroll();
	int s = mppj_sched();
	if (s)
		mppctl_die("a scheduler already runs (t%x)", (unsigned)s);
	pvm_exit();
	enrolled = 0;
	char exe[4096], out[4200];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (l <= 0)
		mppctl_die("cannot find the scheduler's path");
	exe[l] = 0;
	strcpy(strrchr(exe, '/') + 1, "mppsched");
	if (mkdir(mppj_dir(), 0700) && errno != EEXIST)
		mppctl_die("cannot create '%s': %s", mppj_dir(), strerror(errno));
	snprintf(out, sizeof out, "%s/sched.out", mppj_dir());
	pid_t pid = fork();
	if (pid < 0)
		mppctl_die("cannot fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0600), nul = open("/dev/null", O_RDONLY);
		setsid();
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (nul >= 0)
			dup2(nul, 0);
		char *av[] = {exe, conf ? "-c" : NULL, (char *)conf, NULL};
		execv(exe, av);
		_exit(127);
	}
	enroll();
	for (int i = 0; i < 100; i++) {
		int st;
		if ((s = mppj_sched())) {
			printf("scheduler t%x started (pid %d, log %s/sched.log)\n", (unsigned)s, (int)pid, mppj_dir());
			pvm_exit();
			return 0;
		}
		if (waitpid(pid, &st, WNOHANG) == pid)
			mppctl_die("the scheduler did not start (status %d): see %s",
			           WIFEXITED(st) ? WEXITSTATUS(st) : -1, out);
		usleep(100000);
	}
	mppctl_die("the scheduler did not register within 10 s: see %s", out);
}

static int cmd_stop(void)
{
	enroll();
	int s = need_sched();
	char *text;
	ask(s, "stop", &text);
	for (int i = 0; i < 100 && pvm_pstat(s) == PvmOk; i++)
		usleep(50000);
	printf("scheduler t%x stopped\n", (unsigned)s);
	pvm_exit();
	return 0;
}

void mppctl_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 32)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	putchar('"');
}

static int cmd_status(void)
{
	enroll();
	int s = mppj_sched();
	char *text = NULL;
	if (s)
		ask(s, "hosts", &text);
	load_jobs();
	struct info *in;
	int n = query(&in);
	if (mppctl_json) {
		printf("{\"scheduler\": ");
		s ? printf("\"t%x\"", (unsigned)s) : printf("null");
		printf(", \"hosts\": [");
	} else if (!s) {
		fprintf(stderr, "mppctl: no scheduler is running: loads and owner states unknown (mppctl start)\n");
		printf("%-12s %-10s\n", "HOST", "ARCH");
	} else {
		printf("%-12s %-10s %6s %-8s %4s %8s %6s %5s %-7s %-6s %5s\n", "HOST", "ARCH", "LOAD", "FROM", "CPUS",
		       "FREE_MB", "IDLE_S", "USERS", "OWNER", "SET", "TASKS");
	}
	if (s) {
		char name[64], arch[32], src[16], owner[16], how[16], vac[16];
		double load;
		int ncpu, mem, idle, users, nt, first = 1;
		for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
			if (sscanf(l, "%63s %31s %lf %15s %d %d %d %d %15s %15s %d %15s", name, arch, &load, src, &ncpu,
			           &mem, &idle, &users, owner, how, &nt, vac) != 12)
				continue;
			if (mppctl_json) {
				printf("%s{\"name\": ", first ? "" : ", ");
				mppctl_json_str(name);
				printf(", \"arch\": ");
				mppctl_json_str(arch);
				printf(", \"load\": %.2f, \"load_from\": \"%s\", \"cpus\": %d, \"free_mb\": %d, "
				       "\"idle_s\": %d, "
				       "\"users\": %d, \"owner\": \"%s\", \"owner_set\": \"%s\", \"tasks\": %d, "
				       "\"vacating\": %s}",
				       load, src, ncpu, mem, idle, users, owner, how, nt,
				       strcmp(vac, "vacating") ? "false" : "true");
			} else {
				printf("%-12s %-10s %6.2f %-8s %4d %8d %6d %5d %-7s %-6s %5d%s\n", name, arch, load,
				       src, ncpu, mem, idle, users, owner, how, nt,
				       strcmp(vac, "vacating") ? "" : " vacating");
			}
			first = 0;
		}
	} else {
		struct pvmhostinfo *hi;
		int nh = 0, na;
		pvm_config(&nh, &na, &hi);
		for (int i = 0; i < nh; i++) {
			if (mppctl_json) {
				printf("%s{\"name\": ", i ? ", " : "");
				mppctl_json_str(hi[i].hi_name);
				printf(", \"arch\": ");
				mppctl_json_str(hi[i].hi_arch);
				printf("}");
			} else
				printf("%-12s %-10s\n", hi[i].hi_name, hi[i].hi_arch);
		}
	}
	if (mppctl_json)
		printf("], \"tasks\": [");
	else if (!n)
		printf("\nno mpp job is running\n");
	else
		printf("\n%-8s %-10s %-10s %-12s %-12s %12s %12s %10s\n", "JOB", "TASK", "RTID", "PROGRAM", "HOST",
		       "POLLS", "STATE_BYTES", "MIGRATIONS");
	for (int i = 0; i < n; i++) {
		struct info *t = &in[i];
		const char *host = mppj_host_name(t->t.host);
		if (mppctl_json) {
			printf("%s{\"job\": \"%x\", \"vtid\": \"t%x\", \"rtid\": \"t%x\", \"host\": ", i ? ", " : "",
			       t->t.job, (unsigned)t->t.vtid, (unsigned)t->t.rtid);
			mppctl_json_str(host);
			if (t->answered) {
				printf(", \"program\": ");
				mppctl_json_str(t->program);
				printf(", \"polls\": %llu, \"state_bytes\": %llu, \"migrations\": %d}", t->polls,
				       t->bytes, t->moves);
			} else
				printf(", \"answered\": false}");
			continue;
		}
		char vt[16], rt[16];
		snprintf(vt, sizeof vt, "t%x", (unsigned)t->t.vtid);
		snprintf(rt, sizeof rt, "t%x", (unsigned)t->t.rtid);
		if (t->answered)
			printf("%-8x %-10s %-10s %-12s %-12s %12llu %12llu %10d\n", t->t.job, vt, rt, t->program, host,
			       t->polls, t->bytes, t->moves);
		else
			printf("%-8x %-10s %-10s %-12s %-12s %12s %12s %10s\n", t->t.job, vt, rt, "?", host, "-", "-",
			       "(no answer)");
	}
	if (mppctl_json)
		printf("]}\n");
	free(in);
	pvm_exit();
	return 0;
}

static int cmd_migrate(const char *task, const char *host)
{
	enroll();
	load_jobs();
	struct mppj_task t = find_task(task);
	check_host(host);
	int to = mppj_host_tid(host);
	const char *from = mppj_host_name(t.host);
	char fromname[64];
	snprintf(fromname, sizeof fromname, "%s", from);
	if (t.host == to) {
		printf("t%x is already on %s\n", (unsigned)t.vtid, host);
		pvm_exit();
		return 0;
	}
	double t0 = now();
	if (mppj_ctl(job_of(t.job), t.rtid, MPPJ_K_CTL_MIGRATE, host) < 0)
		mppctl_die("cannot send the request to t%x", (unsigned)t.rtid);
	double tmo = getenv("MPPCTL_TIMEOUT") ? atof(getenv("MPPCTL_TIMEOUT")) : 30;
	while (now() - t0 < tmo) {
		struct mppj_task *all;
		int n = all_tasks(&all), gone = 1;
		for (int i = 0; i < n; i++)
			if (all[i].job == t.job && all[i].vtid == t.vtid) {
				gone = 0;
				if (all[i].host == to) {
					printf("t%x moved from %s to %s (now t%x) in %.0f ms\n", (unsigned)t.vtid,
					       fromname, host, (unsigned)all[i].rtid, (now() - t0) * 1e3);
					free(all);
					pvm_exit();
					return 0;
				}
			}
		free(all);
		if (gone && pvm_pstat((int)t.job) != PvmOk)
			mppctl_die("the job of t%x ended before the task moved", (unsigned)t.vtid);
		usleep(20000);
	}
	mppctl_die("t%x did not reach %s within %.0f s (it stays on %s, or cannot start there: see the job's warnings)",
	           (unsigned)t.vtid, host, tmo, fromname);
}

static int cmd_vacate(const char *host)
{
	enroll();
	check_host(host);
	int s = need_sched(), to = mppj_host_tid(host);
	char *text;
	double t0 = now();
	char line[300];
	snprintf(line, sizeof line, "vacate %s", host);
	if (ask(s, line, &text))
		mppctl_die("%s", text);
	printf("%s\n", text);
	load_jobs();
	double tmo = getenv("MPPCTL_TIMEOUT") ? atof(getenv("MPPCTL_TIMEOUT")) : 30;
	while (now() - t0 < tmo) {
		struct mppj_task *all;
		int n = all_tasks(&all), left = 0;
		for (int i = 0; i < n; i++)
			left += all[i].host == to;
		free(all);
		if (!left) {
			printf("%s has no mpp task left (%.0f ms)\n", host, (now() - t0) * 1e3);
			pvm_exit();
			return 0;
		}
		usleep(20000);
	}
	mppctl_die("%s still has mpp tasks after %.0f s (see mppctl log)", host, tmo);
}

static int cmd_set(const char *what, const char *host, const char *val)
{
	enroll();
	int s = need_sched();
	char line[300], *text;
	snprintf(line, sizeof line, "%s %s %s", what, host, val);
	if (ask(s, line, &text))
		mppctl_die("%s", text);
	printf("%s\n", text);
	pvm_exit();
	return 0;
}

int main(int argc, char **argv)
{
	int a = 1;
	char *plot = NULL;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0) {
			mppctl_json = 1;
			memmove(argv + i, argv + i + 1, sizeof *argv * (size_t)(argc - i));
			argc--;
			i--;
		}
	if (a >= argc)
		usage();
	const char *c = argv[a++];
	int n = argc - a;
	char **v = argv + a;
	if (strcmp(c, "start") == 0)
		return cmd_start(n, v);
	if (strcmp(c, "stop") == 0 && n == 0)
		return cmd_stop();
	if (strcmp(c, "status") == 0 && n == 0)
		return cmd_status();
	if (strcmp(c, "migrate") == 0 && n == 2)
		return cmd_migrate(v[0], v[1]);
	if (strcmp(c, "vacate") == 0 && n == 1)
		return cmd_vacate(v[0]);
	if ((strcmp(c, "owner") == 0 || strcmp(c, "load") == 0) && n == 2)
		return cmd_set(c, v[0], v[1]);
	if (strcmp(c, "log") == 0) {
		if (n == 2 && strcmp(v[0], "--plot") == 0)
			plot = v[1];
		else if (n)
			usage();
		return plot ? mppctl_plot(plot) : mppctl_log();
	}
	usage();
}
