/* mppctl_log.c: `mppctl log`: the scheduler's log (MPP_JOBDIR/sched.log)
 * as a table or JSON, and drawn with gnuplot (--plot): per host over time,
 * a bar for each task while it ran there, and the migrations. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mppctl.h"
#include "mppjob.h"

static FILE *open_log(void)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/sched.log", mppj_dir());
	FILE *f = fopen(path, "r");
	if (!f)
		mppctl_die("no scheduler log at %s (start a scheduler with mppctl start)", path);
	return f;
}

int mppctl_log(void)
{
	FILE *f = open_log();
	char line[2048];
	int first = 1;
	if (mppctl_json)
		printf("[");
	while (fgets(line, sizeof line, f)) {
		double t;
		int off = 0;
		char kind[32];
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "%lf %31s %n", &t, kind, &off) < 2)
			continue;
		if (mppctl_json) {
			printf("%s\n{\"time\": %.3f, \"kind\": ", first ? "" : ",", t);
			mppctl_json_str(kind);
			char *rest = line + off, *save;
			for (char *w = strtok_r(rest, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
				char *eq = strchr(w, '=');
				if (!eq) { /* an event's own kind: migrate, arrive */
					printf(", \"what\": ");
					mppctl_json_str(w);
					continue;
				}
				*eq = 0;
				printf(", ");
				mppctl_json_str(w);
				printf(": ");
				mppctl_json_str(eq + 1);
			}
			printf("}");
		} else {
			time_t s = (time_t)t;
			struct tm tm;
			localtime_r(&s, &tm);
			printf("%02d:%02d:%02d.%03d %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
			       (int)((t - (double)s) * 1e3),
			       line + (strchr(line, ' ') ? strchr(line, ' ') - line + 1 : 0));
		}
		first = 0;
	}
	if (mppctl_json)
		printf("\n]\n");
	fclose(f);
	return 0;
}

static const char *field(const char *line, const char *key, char *out, size_t n)
{
	char pat[64];
	snprintf(pat, sizeof pat, " %s=", key);
	const char *p = strstr(line, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	snprintf(out, n, "%.*s", (int)strcspn(p, " "), p);
	return out;
}

static int nhost, ntask;
static char hostn[32][64], taskn[256][32];

static int hostidx(const char *name)
{
	int i = 0;
	while (i < nhost && strcmp(hostn[i], name))
		i++;
	if (i == nhost && nhost < 32)
		snprintf(hostn[nhost++], sizeof hostn[0], "%.63s", name);
	return i;
}

static int taskidx(const char *name)
{
	int i = 0;
	while (i < ntask && strcmp(taskn[i], name))
		i++;
	if (i == ntask && ntask < 256)
		snprintf(taskn[ntask++], sizeof taskn[0], "%.31s", name);
	return i;
}

/* Per host over time: a bar for each task while it ran there, a mark for
 * each migration (at its destination) and for each owner activation. */
int mppctl_plot(const char *png)
{
	FILE *f = open_log();
	char dir[] = "/tmp/mppctl-plot.XXXXXX", line[2048], v[128], h[128], path[300];
	if (!mkdtemp(dir))
		mppctl_die("cannot create a temporary directory: %s", strerror(errno));
	struct seg {
		char task[32], host[64];
		double t0;
	} open_[256];
	int nopen = 0;
	double t_first = -1, t_last = 0;
	snprintf(path, sizeof path, "%s/segs", dir);
	FILE *segs = fopen(path, "w");
	snprintf(path, sizeof path, "%s/marks", dir);
	FILE *marks = fopen(path, "w");
	snprintf(path, sizeof path, "%s/owner", dir);
	FILE *owner = fopen(path, "w");
	if (!segs || !marks || !owner)
		mppctl_die("cannot write in %s", dir);
	/* first pass: names, so that every task has its lane */
	while (fgets(line, sizeof line, f)) {
		double t;
		char kind[32];
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "%lf %31s", &t, kind) != 2)
			continue;
		if (t_first < 0)
			t_first = t;
		t_last = t;
		if (field(line, "host", h, sizeof h))
			hostidx(h);
		if (strcmp(kind, "seen") == 0 && field(line, "vtid", v, sizeof v))
			taskidx(v);
	}
	rewind(f);
	while (fgets(line, sizeof line, f)) {
		double t;
		char kind[32];
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "%lf %31s", &t, kind) != 2)
			continue;
		t -= t_first;
		if ((strcmp(kind, "seen") == 0 || strcmp(kind, "gone") == 0 || strcmp(kind, "stop") == 0)) {
			int have = field(line, "vtid", v, sizeof v) != NULL;
			for (int i = 0; i < nopen; i++)
				if (kind[0] == 's' && kind[1] == 't' ? 1 : have && strcmp(open_[i].task, v) == 0) {
					int ti = taskidx(open_[i].task), hi = hostidx(open_[i].host);
					double y = hi + 0.8 * (ti + 0.5) / (ntask ? ntask : 1) - 0.4;
					fprintf(segs, "%.3f %.3f %.3f %d\n", open_[i].t0, y, t - open_[i].t0, ti + 1);
					open_[i--] = open_[--nopen];
				}
			if (kind[0] == 's' && kind[1] == 'e' && field(line, "host", h, sizeof h) && nopen < 256) {
				snprintf(open_[nopen].task, 32, "%.31s", v);
				snprintf(open_[nopen].host, 64, "%.63s", h);
				open_[nopen++].t0 = t;
			}
		} else if (strcmp(kind, "event") == 0 && strstr(line, " migrate ") &&
		           field(line, "host_to", h, sizeof h) && field(line, "vtid", v, sizeof v)) {
			int ti = taskidx(v), hi = hostidx(h);
			fprintf(marks, "%.3f %.3f\n", t, hi + 0.8 * (ti + 0.5) / (ntask ? ntask : 1) - 0.4);
		} else if (strcmp(kind, "owner") == 0 && strstr(line, "state=active") &&
		           field(line, "host", h, sizeof h)) {
			fprintf(owner, "%.3f %d\n", t, hostidx(h));
		}
	}
	for (int i = 0; i < nopen; i++) {
		int ti = taskidx(open_[i].task), hi = hostidx(open_[i].host);
		fprintf(segs, "%.3f %.3f %.3f %d\n", open_[i].t0, hi + 0.8 * (ti + 0.5) / (ntask ? ntask : 1) - 0.4,
		        t_last - t_first - open_[i].t0, ti + 1);
	}
	fclose(f);
	fprintf(marks, "\n");
	fprintf(owner, "\n");
	fclose(segs);
	fclose(marks);
	fclose(owner);
	if (!nhost)
		mppctl_die("the scheduler log has no host yet");
	snprintf(path, sizeof path, "%s/plot.gp", dir);
	FILE *gp = fopen(path, "w");
	if (!gp)
		mppctl_die("cannot write %s", path);
	fprintf(gp, "set terminal pngcairo size 1000,%d\nset output '%s'\n", 220 + 90 * nhost, png);
	fprintf(gp, "set title 'mpp tasks per host over time (bars: a task running there; dots: migrations)'\n");
	fprintf(gp, "set xlabel 'seconds since the log began'\nset yrange [-0.6:%d.6]\nset ytics (", nhost - 1);
	for (int i = 0; i < nhost; i++)
		fprintf(gp, "%s'%s' %d", i ? ", " : "", hostn[i], i);
	fprintf(gp, ")\nset grid xtics\nset key outside right\n");
	fprintf(gp,
	        "plot '%s/segs' using 1:2:3:(0):4 with vectors nohead lw 6 lc variable title 'task on host', \\\n"
	        "     '%s/marks' using 1:2 with points pt 7 ps 1.2 lc rgb 'black' title 'migration', \\\n"
	        "     '%s/owner' using 1:2 with points pt 9 ps 2 lc rgb 'red' title 'owner active'\n",
	        dir, dir, dir);
	fclose(gp);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "gnuplot '%s/plot.gp' 2>'%s/gnuplot.err'", dir, dir);
	int rc = system(cmd);
	if (rc != 0) {
		snprintf(cmd, sizeof cmd, "cat '%s/gnuplot.err' >&2", dir);
		if (system(cmd)) {
		}
		mppctl_die("gnuplot failed (status %d; is the gnuplot package installed?)", rc);
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd)) {
	}
	printf("wrote %s (%d hosts, %d tasks)\n", png, nhost, ntask);
	return 0;
}
