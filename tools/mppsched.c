/* mppsched: the scheduler of a PVM virtual machine's mpp jobs (one per
 * virtual machine, started by `mppctl start`). It keeps an agent
 * (mppagent) on every host for load, CPUs, memory and owner activity,
 * finds the jobs in the job files of mpprun and their tasks in the jobs'
 * mailbox classes, and moves tasks by the policies of its configuration
 * file: owner reclaim, overload, placement on the least loaded host. Its
 * tid is in the "mpp.sched" mailbox entry; mppctl talks to it with command
 * lines (MPPJ_TAG_REQ). Every event goes to MPP_JOBDIR/sched.log. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <pvm3.h>

#include "mppjob.h"

struct conf {
	int tick_ms, agent_ms, owner_auto, overload, prespawn;
	double owner_idle, reclaim_bound, retry, threshold, over_secs, cooldown, hysteresis, min_stay;
};
static struct conf cf = {500, 1000, 1, 1, 1, 300, 10, 2, 1.5, 5, 30, 0.5, 60};

struct ovr { /* overrides by mppctl, kept across restarts in sched.overrides */
	char name[64];
	int owner;   /* -1 none, 0 idle, 1 active */
	double load; /* < 0: none */
};
struct host {
	char name[64], arch[32];
	int tid, agent, present;
	double agent_t, reported;
	int load_m, ncpu, mem_mb, idle, users;
	int active, vacating, empty_logged, late_logged;
	double since; /* owner active or vacate asked, for the reclaim bound */
	double over_since, cooldown_until;
};
struct task {
	unsigned job;
	int vtid, rtid, host;
	int dest; /* host tid asked for, 0 none */
	double req_t, pinned_until;
	int prep; /* host tid where it has a destination started in advance */
	double prep_t;
};

static struct ovr ovr[64];
static int novr;
static struct host hosts[64];
static int nhosts;
static struct task *tasks;
static int ntasks;
static struct mppj_job *jobs;
static int njobs;
static char agent_path[4200], log_path[4200], ovr_path[4200];
static double t_start;

static double now(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static void slog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void slog(const char *fmt, ...)
{
	FILE *f = fopen(log_path, "a");
	va_list ap;
	if (!f)
		return;
	fprintf(f, "%.3f ", now());
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

/* ---- configuration ---- */

static int load_conf(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int ln = 0;
	if (!f) {
		fprintf(stderr, "mppsched: cannot read the configuration '%s': %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		char key[64], val[64];
		ln++;
		line[strcspn(line, "#\n")] = 0;
		if (strspn(line, " \t") == strlen(line))
			continue;
		if (sscanf(line, " %63[a-z_] = %63s", key, val) != 2) {
			fprintf(stderr, "mppsched: %s:%d: expected 'key = value'\n", path, ln);
			fclose(f);
			return -1;
		}
		char *end;
		double d = strtod(val, &end);
		int num = *end == 0 && d >= 0;
		struct {
			const char *k;
			double *p;
		} nums[] = {{"owner_idle_secs", &cf.owner_idle}, {"reclaim_bound_secs", &cf.reclaim_bound},
		            {"retry_secs", &cf.retry},           {"overload_threshold", &cf.threshold},
		            {"overload_secs", &cf.over_secs},    {"overload_cooldown_secs", &cf.cooldown},
		            {"hysteresis", &cf.hysteresis},      {"min_stay_secs", &cf.min_stay}};
		int done = 0;
		for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
			if (strcmp(key, nums[i].k) == 0) {
				if (!num)
					goto bad;
				*nums[i].p = d;
				done = 1;
			}
		if (done)
			continue;
		if (strcmp(key, "tick_ms") == 0 || strcmp(key, "agent_period_ms") == 0) {
			if (!num || d < 50 || d > 60000)
				goto bad;
			*(key[0] == 't' ? &cf.tick_ms : &cf.agent_ms) = (int)d;
		} else if (strcmp(key, "owner_detect") == 0) {
			if (strcmp(val, "auto") && strcmp(val, "manual"))
				goto bad;
			cf.owner_auto = strcmp(val, "auto") == 0;
		} else if (strcmp(key, "overload") == 0 || strcmp(key, "prespawn") == 0) {
			if (strcmp(val, "on") && strcmp(val, "off"))
				goto bad;
			*(key[0] == 'o' ? &cf.overload : &cf.prespawn) = strcmp(val, "on") == 0;
		} else {
			fprintf(stderr, "mppsched: %s:%d: unknown key '%s'\n", path, ln, key);
			fclose(f);
			return -1;
		}
		continue;
	bad:
		fprintf(stderr, "mppsched: %s:%d: bad value '%s' for %s\n", path, ln, val, key);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* ---- overrides ---- */

static struct ovr *get_ovr(const char *name, int make)
{
	for (int i = 0; i < novr; i++)
		if (strcmp(ovr[i].name, name) == 0)
			return &ovr[i];
	if (!make || novr == (int)(sizeof ovr / sizeof ovr[0]))
		return NULL;
	snprintf(ovr[novr].name, sizeof ovr[novr].name, "%s", name);
	ovr[novr].owner = -1;
	ovr[novr].load = -1;
	return &ovr[novr++];
}

static void save_ovr(void)
{
	FILE *f = fopen(ovr_path, "w");
	if (!f)
		return;
	for (int i = 0; i < novr; i++) {
		if (ovr[i].owner >= 0)
			fprintf(f, "owner %s %s\n", ovr[i].name, ovr[i].owner ? "active" : "idle");
		if (ovr[i].load >= 0)
			fprintf(f, "load %s %g\n", ovr[i].name, ovr[i].load);
	}
	fclose(f);
}

static void read_ovr(void)
{
	FILE *f = fopen(ovr_path, "r");
	char what[16], name[64], val[32];
	if (!f)
		return;
	while (fscanf(f, "%15s %63s %31s", what, name, val) == 3) {
		struct ovr *o = get_ovr(name, 1);
		if (!o)
			break;
		if (strcmp(what, "owner") == 0)
			o->owner = strcmp(val, "active") == 0;
		else if (strcmp(what, "load") == 0)
			o->load = atof(val);
	}
	fclose(f);
}

/* ---- hosts ---- */

static struct host *host_by_tid(int tid)
{
	for (int i = 0; i < nhosts; i++)
		if (hosts[i].tid == tid && hosts[i].present)
			return &hosts[i];
	return NULL;
}

static struct host *host_by_name(const char *name)
{
	for (int i = 0; i < nhosts; i++)
		if (strcmp(hosts[i].name, name) == 0 && hosts[i].present)
			return &hosts[i];
	return NULL;
}

static const char *hname(int tid)
{
	struct host *h = host_by_tid(tid);
	return h ? h->name : "?";
}

static void spawn_agent(struct host *h)
{
	char period[16], *argv[] = {period, NULL};
	int t = 0;
	snprintf(period, sizeof period, "%d", cf.agent_ms);
	int n = pvm_spawn(agent_path, argv, PvmTaskHost, h->name, 1, &t);
	if (n != 1) {
		if (h->agent != -1)
			slog("agent-failed host=%s error=%d", h->name, n == 0 ? t : n);
		h->agent = -1; /* tried: again at the next refresh */
		return;
	}
	h->agent = t;
	h->agent_t = now();
	pvm_notify(PvmTaskExit, MPPJ_TAG_GONE, 1, &t);
}

static int ntasks_on(int host);

static void refresh_hosts(void)
{
	struct pvmhostinfo *hi;
	int nh = 0, na;
	if (pvm_config(&nh, &na, &hi) < 0)
		return;
	for (int i = 0; i < nhosts; i++) {
		int found = 0;
		for (int k = 0; k < nh; k++)
			found |= hi[k].hi_tid == hosts[i].tid && strcmp(hi[k].hi_name, hosts[i].name) == 0;
		if (hosts[i].present && !found) {
			/* its tasks are lost with it: their jobs may wait for them */
			slog("host-gone host=%s tasks=%d", hosts[i].name, ntasks_on(hosts[i].tid));
			for (int k = 0; k < ntasks; k++)
				if (tasks[k].host == hosts[i].tid)
					slog("lost job=%x vtid=t%x host=%s: the job may wait for it forever",
					     tasks[k].job, tasks[k].vtid, hosts[i].name);
			hosts[i].present = 0;
			hosts[i].agent = 0;
		}
	}
	for (int k = 0; k < nh; k++) {
		struct host *h = host_by_tid(hi[k].hi_tid);
		if (!h) {
			if (nhosts == (int)(sizeof hosts / sizeof hosts[0]))
				continue;
			h = &hosts[nhosts++];
			memset(h, 0, sizeof *h);
			snprintf(h->name, sizeof h->name, "%s", hi[k].hi_name);
			snprintf(h->arch, sizeof h->arch, "%s", hi[k].hi_arch);
			h->tid = hi[k].hi_tid;
			h->present = 1;
			h->idle = -1;
			slog("host host=%s arch=%s", h->name, h->arch);
		}
		if (h->agent <= 0)
			spawn_agent(h);
	}
}

static int owner_active(struct host *h)
{
	struct ovr *o = get_ovr(h->name, 0);
	if (o && o->owner >= 0)
		return o->owner;
	return cf.owner_auto && h->idle >= 0 && h->idle < cf.owner_idle;
}

static int ntasks_on(int host)
{
	int n = 0;
	for (int i = 0; i < ntasks; i++)
		n += tasks[i].host == host;
	return n;
}

/* Tasks asked to come to host and not there yet. */
static int pending_to(int host)
{
	int n = 0;
	double t = now();
	for (int i = 0; i < ntasks; i++)
		n += tasks[i].dest == host && tasks[i].host != host && t - tasks[i].req_t < cf.retry;
	return n;
}

/* The load the policies see: the declared one (mppctl load) plus one per
 * mpp task there, else the agent's load average; plus tasks on the way. */
static double eff_load(struct host *h)
{
	struct ovr *o = get_ovr(h->name, 0);
	double l = o && o->load >= 0 ? o->load + ntasks_on(h->tid) : h->load_m / 1000.0;
	return l + pending_to(h->tid);
}

static double per_cpu(struct host *h, double extra)
{
	return (eff_load(h) + extra) / (h->ncpu > 0 ? h->ncpu : 1);
}

/* Placement: the least loaded host other than from whose owner is idle,
 * that is not being vacated and has reported; with limit >= 0, only one
 * that stays at or below limit per CPU with one more task. */
static struct host *place(int from, double limit)
{
	struct host *best = NULL;
	for (int i = 0; i < nhosts; i++) {
		struct host *h = &hosts[i];
		if (!h->present || h->tid == from || h->active || h->vacating || h->ncpu <= 0)
			continue;
		if (limit >= 0 && per_cpu(h, 1) > limit)
			continue;
		if (!best || per_cpu(h, 0) < per_cpu(best, 0))
			best = h;
	}
	return best;
}

/* A host where a task may go now: present, owner idle, not vacated. */
static struct host *usable(int tid)
{
	struct host *h = tid ? host_by_tid(tid) : NULL;
	return h && !h->active && !h->vacating && h->ncpu > 0 ? h : NULL;
}

/* ---- jobs and tasks ---- */

static struct mppj_job *job_of(unsigned job)
{
	for (int i = 0; i < njobs; i++)
		if (jobs[i].job == job)
			return &jobs[i];
	return NULL;
}

static struct task *find_task(struct task *a, int n, unsigned job, int vtid)
{
	for (int i = 0; i < n; i++)
		if (a[i].job == job && a[i].vtid == vtid)
			return &a[i];
	return NULL;
}

/* The job files and mailbox classes, again: tasks keep what the scheduler
 * knew of them (requests, pins); new places and ends are logged. */
static void refresh_tasks(void)
{
	const char *err = NULL;
	struct mppj_job *nj = NULL;
	int n = mppj_jobs(&nj, &err);
	if (n < 0) {
		static int said;
		if (!said++)
			slog("error %s", err);
		return;
	}
	for (int i = 0; i < n; i++)
		if (!job_of(nj[i].job))
			slog("job job=%x program=%s", nj[i].job, nj[i].program);
	free(jobs);
	jobs = nj;
	njobs = n;
	struct mppj_task *jt = NULL;
	int nt = 0;
	for (int i = 0; i < njobs; i++)
		mppj_tasks(&jobs[i], &jt, &nt);
	struct task *nts = calloc((size_t)(nt ? nt : 1), sizeof *nts);
	if (!nts) {
		free(jt);
		return;
	}
	int k = 0;
	for (int i = 0; i < nt; i++) {
		if (find_task(nts, k, jt[i].job, jt[i].vtid))
			continue; /* two places for a moment, during a migration */
		struct task *o = find_task(tasks, ntasks, jt[i].job, jt[i].vtid), *t = &nts[k++];
		*t = (struct task){jt[i].job, jt[i].vtid, jt[i].rtid, jt[i].host, 0, 0, 0, 0, 0};
		if (o) {
			t->pinned_until = o->pinned_until;
			if (o->rtid == t->rtid) {
				t->prep = o->prep;
				t->prep_t = o->prep_t;
			}
			if (o->host == t->host) {
				t->dest = o->dest;
				t->req_t = o->req_t;
			}
		}
		if (!o || o->host != t->host)
			slog("seen job=%x vtid=t%x rtid=t%x host=%s", t->job, t->vtid, t->rtid, hname(t->host));
	}
	/* a task of a running job that vanished: did its host leave? (PVM
	 * drops the mailbox entries of a host's tasks when the host goes) */
	for (int i = 0; i < ntasks; i++)
		if (!find_task(nts, k, tasks[i].job, tasks[i].vtid) && job_of(tasks[i].job)) {
			refresh_hosts(); /* logs host-gone, and the tasks lost with it */
			break;
		}
	for (int i = 0; i < ntasks; i++)
		if (!find_task(nts, k, tasks[i].job, tasks[i].vtid) && host_by_tid(tasks[i].host))
			slog("gone job=%x vtid=t%x host=%s", tasks[i].job, tasks[i].vtid, hname(tasks[i].host));
	free(jt);
	free(tasks);
	tasks = nts;
	ntasks = k;
}

static int ask_move(struct task *t, struct host *to, const char *reason)
{
	struct mppj_job *j = job_of(t->job);
	if (!j)
		return -1;
	int rc = mppj_ctl(j, t->rtid, MPPJ_K_CTL_MIGRATE, to->name);
	slog("decide reason=%s job=%x vtid=t%x from=%s to=%s%s", reason, t->job, t->vtid, hname(t->host), to->name,
	     rc < 0 ? " send-failed" : "");
	t->dest = to->tid;
	t->req_t = now();
	return rc;
}

static int prepared_to(int host)
{
	int n = 0;
	for (int i = 0; i < ntasks; i++)
		n += tasks[i].prep == host;
	return n;
}

/* prespawn: every task keeps a destination started in advance on the
 * host it would go to (docs/PROTOCOL.md, CTL_PREPARE), chosen like a
 * placement that counts the destinations already prepared there; chosen
 * again only when that host can no longer take it. */
static void prepare_all(void)
{
	double t = now();
	for (int k = 0; k < ntasks; k++) {
		struct task *tk = &tasks[k];
		struct host *p = usable(tk->prep), *best = NULL;
		if ((tk->dest && t - tk->req_t < cf.retry) ||
		    (p && p->tid != tk->host && per_cpu(p, 0) <= cf.threshold))
			continue;
		if (p && t - tk->prep_t < 10) /* loaded: choose again, but not at every tick */
			continue;
		for (int i = 0; i < nhosts; i++) {
			struct host *h = usable(hosts[i].tid);
			if (!h || h->tid != hosts[i].tid || h->tid == tk->host)
				continue;
			if (!best || per_cpu(h, prepared_to(h->tid)) < per_cpu(best, prepared_to(best->tid)))
				best = h;
		}
		struct mppj_job *j = job_of(tk->job);
		if (!best || !j || best->tid == tk->prep)
			continue;
		if (mppj_ctl(j, tk->rtid, MPPJ_K_CTL_PREPARE, best->name) >= 0) {
			slog("prepare job=%x vtid=t%x host=%s", tk->job, tk->vtid, best->name);
			tk->prep = best->tid;
			tk->prep_t = t;
		}
	}
}

/* ---- policies ---- */

static void policies(void)
{
	double t = now();
	for (int i = 0; i < nhosts; i++) {
		struct host *h = &hosts[i];
		if (!h->present)
			continue;
		int act = owner_active(h);
		if (act != h->active) {
			struct ovr *o = get_ovr(h->name, 0);
			slog("owner host=%s state=%s source=%s", h->name, act ? "active" : "idle",
			     o && o->owner >= 0 ? "manual" : "input");
			h->active = act;
			if (act && !h->vacating) {
				h->since = t;
				h->empty_logged = h->late_logged = 0;
			}
		}
		if (!h->active && !h->vacating)
			continue;
		int n = ntasks_on(h->tid);
		if (!n) {
			if (!h->empty_logged)
				slog("empty host=%s after_ms=%.0f", h->name, (t - h->since) * 1e3);
			h->empty_logged = 1;
			h->vacating = 0;
			continue;
		}
		h->empty_logged = 0;
		if (t - h->since > cf.reclaim_bound && !h->late_logged) {
			slog("late host=%s tasks=%d bound_secs=%g", h->name, n, cf.reclaim_bound);
			h->late_logged = 1;
		}
		for (int k = 0; k < ntasks; k++) {
			struct task *tk = &tasks[k];
			if (tk->host != h->tid || (tk->dest && t - tk->req_t < cf.retry))
				continue;
			/* where its destination is ready, unless the placement
			 * knows a less loaded host now */
			struct host *d = place(h->tid, -1), *p = usable(tk->prep);
			if (d && p && p->tid != h->tid && per_cpu(p, 1) <= per_cpu(d, 1))
				d = p;
			if (!d) {
				if (!h->late_logged)
					slog("nowhere host=%s tasks=%d", h->name, n);
				break;
			}
			ask_move(tk, d, h->vacating ? "vacate" : "owner");
		}
	}
	if (cf.prespawn)
		prepare_all();
	if (!cf.overload)
		return;
	for (int i = 0; i < nhosts; i++) {
		struct host *h = &hosts[i];
		if (!h->present || h->active || h->vacating || h->ncpu <= 0)
			continue;
		if (per_cpu(h, 0) <= cf.threshold) {
			h->over_since = 0;
			continue;
		}
		if (!h->over_since) {
			h->over_since = t;
			slog("overload host=%s load=%.2f cpus=%d", h->name, eff_load(h), h->ncpu);
		}
		if (t - h->over_since < cf.over_secs || t < h->cooldown_until)
			continue;
		struct host *d = place(h->tid, cf.threshold - cf.hysteresis);
		struct task *pick = NULL;
		for (int k = 0; d && k < ntasks; k++) {
			struct task *tk = &tasks[k];
			if (tk->host != h->tid || tk->pinned_until > t || (tk->dest && t - tk->req_t < cf.retry))
				continue;
			if (!pick || (tk->prep == d->tid && pick->prep != d->tid))
				pick = tk; /* one with a destination ready there, if any */
		}
		if (pick) {
			struct task *tk = pick;
			ask_move(tk, d, "overload");
			tk->pinned_until = t + cf.min_stay;
			h->cooldown_until = t + cf.cooldown;
			h->over_since = 0;
		}
	}
}

/* A reclaim or a move in progress: the scheduler then looks every 50 ms,
 * so that a host's emptying is seen (and logged) when it happens. */
static int busy(void)
{
	double t = now();
	for (int i = 0; i < nhosts; i++)
		if (hosts[i].present && (hosts[i].active || hosts[i].vacating) && !hosts[i].empty_logged)
			return 1;
	for (int k = 0; k < ntasks; k++)
		if (tasks[k].dest && t - tasks[k].req_t < cf.retry)
			return 1;
	return 0;
}

/* ---- requests from mppctl ---- */

static void reply(int to, int status, const char *text)
{
	pvm_initsend(PvmDataDefault);
	pvm_pkint(&status, 1, 1);
	pvm_pkstr((char *)text);
	pvm_send(to, MPPJ_TAG_REP);
}

static int request(int from, char *line)
{
	char *w[4] = {0};
	int n = 0;
	static char out[16384];
	for (char *s = strtok(line, " "); s && n < 4; s = strtok(NULL, " "))
		w[n++] = s;
	if (!n) {
		reply(from, 1, "empty request");
		return 0;
	}
	if (strcmp(w[0], "stop") == 0) {
		reply(from, 0, "stopping");
		return 1;
	}
	if (strcmp(w[0], "ping") == 0) {
		snprintf(out, sizeof out, "t%x up %.0f s", pvm_mytid(), now() - t_start);
		reply(from, 0, out);
		return 0;
	}
	if (strcmp(w[0], "hosts") == 0) {
		size_t len = 0;
		refresh_tasks(); /* what the hosts hold now, not at the last tick */
		policies();
		out[0] = 0;
		for (int i = 0; i < nhosts; i++) {
			struct host *h = &hosts[i];
			struct ovr *o = get_ovr(h->name, 0);
			if (!h->present)
				continue;
			len += (size_t)snprintf(out + len, sizeof out - len, "%s %s %.2f %s %d %d %d %d %s %s %d %s\n",
			                        h->name, h->arch, eff_load(h),
			                        o && o->load >= 0 ? "declared"
			                        : h->reported     ? "agent"
			                                          : "none",
			                        h->ncpu, h->mem_mb, h->idle, h->users, h->active ? "active" : "idle",
			                        o && o->owner >= 0 ? "manual" : "input", ntasks_on(h->tid),
			                        h->vacating ? "vacating" : "-");
			if (len >= sizeof out)
				break;
		}
		reply(from, 0, out);
		return 0;
	}
	struct host *h = n >= 2 ? host_by_name(w[1]) : NULL;
	if (n >= 2 && !h) {
		snprintf(out, sizeof out, "unknown host '%s'", w[1]);
		reply(from, 1, out);
		return 0;
	}
	if (strcmp(w[0], "owner") == 0 && n == 3) {
		struct ovr *o = get_ovr(h->name, 1);
		if (strcmp(w[2], "active") && strcmp(w[2], "idle") && strcmp(w[2], "auto")) {
			reply(from, 1, "owner state must be active, idle or auto");
			return 0;
		}
		o->owner = strcmp(w[2], "auto") == 0 ? -1 : strcmp(w[2], "active") == 0;
		save_ovr();
		refresh_tasks(); /* at once: the reclaim bound starts now */
		policies();
		snprintf(out, sizeof out, "owner of %s: %s", h->name, w[2]);
		reply(from, 0, out);
		return 0;
	}
	if (strcmp(w[0], "load") == 0 && n == 3) {
		struct ovr *o = get_ovr(h->name, 1);
		char *end;
		double v = strtod(w[2], &end);
		if (strcmp(w[2], "auto") == 0)
			v = -1;
		else if (*end || v < 0 || v > 1e6) {
			reply(from, 1, "load must be a number >= 0 or auto");
			return 0;
		}
		o->load = v;
		save_ovr();
		slog("load host=%s declared=%s", h->name, w[2]);
		snprintf(out, sizeof out, "load of %s: %s", h->name, w[2]);
		reply(from, 0, out);
		return 0;
	}
	if (strcmp(w[0], "vacate") == 0 && n == 2) {
		refresh_tasks();
		int k = ntasks_on(h->tid);
		if (!k) {
			snprintf(out, sizeof out, "%s has no mpp task", h->name);
			reply(from, 0, out);
			return 0;
		}
		if (!h->active) {
			h->since = now();
			h->empty_logged = h->late_logged = 0;
		}
		h->vacating = 1;
		slog("vacate host=%s tasks=%d", h->name, k);
		policies();
		snprintf(out, sizeof out, "vacating %s: %d task%s", h->name, k, k == 1 ? "" : "s");
		reply(from, 0, out);
		return 0;
	}
	reply(from, 1, "unknown request");
	return 0;
}

/* ---- messages ---- */

static void on_agent(int src)
{
	int v[6];
	if (pvm_upkint(v, 6, 1) < 0)
		return;
	for (int i = 0; i < nhosts; i++)
		if (hosts[i].agent == src) {
			struct host *h = &hosts[i];
			if (!h->reported)
				slog("agent host=%s tid=t%x first_report_ms=%.0f", h->name, src,
				     (now() - h->agent_t) * 1e3);
			h->reported = now();
			h->load_m = v[0];
			h->ncpu = v[1];
			h->mem_mb = v[2];
			h->idle = v[3];
			h->users = v[4];
		}
}

/* An event line of a task: its place tids are given host names. */
static void on_event(void)
{
	int v[1];
	char line[1100], extra[200] = "";
	unsigned from = 0, to = 0;
	if (pvm_upkint(v, 1, 1) < 0 || pvm_upkstr(line) < 0)
		return;
	char *p = strstr(line, " from=t"), *q = strstr(line, " to=t"), *a = strstr(line, " at=t");
	if (p && q && sscanf(p, " from=t%x", &from) == 1 && sscanf(q, " to=t%x", &to) == 1)
		snprintf(extra, sizeof extra, " host_from=%s host_to=%s", hname(pvm_tidtohost((int)from)),
		         hname(pvm_tidtohost((int)to)));
	else if (a && sscanf(a, " at=t%x", &to) == 1)
		snprintf(extra, sizeof extra, " host=%s", hname(pvm_tidtohost((int)to)));
	slog("event job=%x %s%s", (unsigned)v[0], line, extra);
}

static int on_message(int b)
{
	int len, tag, src, k;
	char line[1024];
	pvm_bufinfo(b, &len, &tag, &src);
	switch (tag) {
	case MPPJ_TAG_AGENT: on_agent(src); break;
	case MPPJ_TAG_INFO:
		if (pvm_upkint(&k, 1, 1) >= 0 && k == MPPJ_INFO_EVENT)
			on_event();
		break;
	case MPPJ_TAG_GONE:
		if (pvm_upkint(&k, 1, 1) >= 0)
			for (int i = 0; i < nhosts; i++)
				if (hosts[i].agent == k) {
					hosts[i].agent = 0; /* started again at the next refresh */
					hosts[i].reported = 0;
				}
		break;
	case MPPJ_TAG_REQ:
		if (pvm_upkstr(line) >= 0)
			return request(src, line);
		break;
	default: break;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *conf = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			conf = argv[++i];
		else {
			fprintf(stderr, "usage: mppsched [-c CONFIG]\n");
			return 2;
		}
	}
	if (conf && load_conf(conf))
		return 1;
	char exe[4000];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (l <= 0) {
		fprintf(stderr, "mppsched: cannot find its own path\n");
		return 1;
	}
	exe[l] = 0;
	*strrchr(exe, '/') = 0;
	snprintf(agent_path, sizeof agent_path, "%s/mppagent", exe);
	snprintf(log_path, sizeof log_path, "%s/sched.log", mppj_dir());
	snprintf(ovr_path, sizeof ovr_path, "%s/sched.overrides", mppj_dir());
	int me = pvm_mytid();
	if (me < 0) {
		fprintf(stderr, "mppsched: no PVM virtual machine is running\n");
		return 1;
	}
	int other = mppj_sched();
	if (other && other != me) {
		fprintf(stderr, "mppsched: a scheduler already runs (t%x)\n", (unsigned)other);
		pvm_exit();
		return 1;
	}
	pvm_initsend(PvmDataDefault);
	pvm_pkint(&me, 1, 1);
	int rc = pvm_putinfo(MPPJ_SCHED_MBOX, pvm_getsbuf(), PvmMboxDefault);
	if (rc < 0) {
		fprintf(stderr, "mppsched: cannot register in the '%s' mailbox (PVM error %d)\n", MPPJ_SCHED_MBOX, rc);
		pvm_exit();
		return 1;
	}
	t_start = now();
	read_ovr();
	slog("start tid=t%x pid=%d config=%s", (unsigned)me, (int)getpid(), conf ? conf : "(defaults)");
	double next_hosts = 0;
	for (int stop = 0; !stop;) {
		double t = now();
		if (t >= next_hosts) {
			refresh_hosts();
			next_hosts = t + 2;
		}
		refresh_tasks();
		policies();
		double end = t + (busy() ? 0.05 : cf.tick_ms / 1e3);
		while (!stop) {
			double left = end - now();
			if (left <= 0)
				break;
			struct timeval tmo = {(time_t)left, (suseconds_t)((left - (double)(time_t)left) * 1e6)};
			int b = pvm_trecv(-1, -1, &tmo);
			if (b < 0) {
				fprintf(stderr, "mppsched: PVM receive failed (%d): the virtual machine is gone?\n", b);
				stop = 1;
				break;
			}
			if (b == 0)
				break;
			stop = on_message(b);
			pvm_freebuf(b);
			if (busy() && end > now() + 0.05)
				end = now() + 0.05; /* a request started a reclaim */
		}
	}
	slog("stop tid=t%x", (unsigned)me);
	for (int i = 0; i < nhosts; i++)
		if (hosts[i].agent > 0)
			pvm_kill(hosts[i].agent);
	pvm_delinfo(MPPJ_SCHED_MBOX, 0, PvmMboxDefault);
	pvm_exit();
	return 0;
}
