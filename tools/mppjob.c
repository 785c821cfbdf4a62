/* mppjob.c: job files, job tasks and the scheduler's mailbox entry, for
 * mppctl and mppsched (see mppjob.h). */
#define _GNU_SOURCE
#include "mppjob.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pvm3.h>

const char *mppj_dir(void)
{
	static char dir[4096];
	const char *d = getenv("MPP_JOBDIR");
	if (d && *d)
		snprintf(dir, sizeof dir, "%s", d);
	else
		snprintf(dir, sizeof dir, "/tmp/mpp-%u", (unsigned)getuid());
	return dir;
}

static int read_job(const char *path, struct mppj_job *j)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int have = 0;
	if (!f)
		return -1;
	memset(j, 0, sizeof *j);
	while (fgets(line, sizeof line, f)) {
		unsigned long long s;
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "job=%x", &j->job) == 1)
			have |= 1;
		else if (sscanf(line, "secret=%llx", &s) == 1) {
			j->secret[0] = (int)(unsigned)(s >> 32);
			j->secret[1] = (int)(unsigned)(s & 0xffffffffu);
			have |= 2;
		} else if (strncmp(line, "program=", 8) == 0)
			snprintf(j->program, sizeof j->program, "%.255s", line + 8);
	}
	fclose(f);
	return have == 3 ? 0 : -1;
}

int mppj_jobs(struct mppj_job **out, const char **err)
{
	static char msg[4200];
	DIR *d = opendir(mppj_dir());
	struct dirent *e;
	int n = 0;
	*out = NULL;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		snprintf(msg, sizeof msg, "cannot read the job directory '%s': %s", mppj_dir(), strerror(errno));
		*err = msg;
		return -1;
	}
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char path[4400];
		struct mppj_job j;
		if (l < 5 || strcmp(e->d_name + l - 4, ".job") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", mppj_dir(), e->d_name);
		/* a job whose mpprun is gone has ended (or was killed) */
		if (read_job(path, &j) || pvm_pstat((int)j.job) != PvmOk)
			continue;
		struct mppj_job *g = realloc(*out, sizeof *g * (size_t)(n + 1));
		if (!g)
			break;
		*out = g;
		g[n++] = j;
	}
	closedir(d);
	return n;
}

int mppj_tasks(const struct mppj_job *j, struct mppj_task **t, int *n)
{
	struct pvmmboxinfo *cl;
	char pat[64];
	int ncl = 0, len = snprintf(pat, sizeof pat, "mpp.vt.%x.", j->job);
	unsigned v;
	char end;
	strcat(pat, "*");
	if (pvm_getmboxinfo(pat, &ncl, &cl) < 0)
		return 0;
	for (int c = 0; c < ncl; c++) {
		/* the pattern may be a glob or a regular expression: check */
		if (strncmp(cl[c].mi_name, pat, (size_t)len) != 0 || sscanf(cl[c].mi_name + len, "%x%c", &v, &end) != 1)
			continue;
		for (int i = 0; i < cl[c].mi_nentries; i++) {
			struct mppj_task *g = realloc(*t, sizeof *g * (size_t)(*n + 1));
			if (!g)
				return -1;
			*t = g;
			g[*n] =
			    (struct mppj_task){j->job, (int)v, cl[c].mi_owners[i], pvm_tidtohost(cl[c].mi_owners[i])};
			(*n)++;
		}
	}
	return 0;
}

/* An owner other than skip of an entry in the mailbox class called exactly
 * name (the name is a pattern to PVM: checked), 0 when none. Owners, not
 * entry values, are read: libpvm3's pvm_recvinfo was seen to answer
 * PvmNotFound for entries that pvm_getmboxinfo lists. */
static int class_owner(const char *name, int skip)
{
	struct pvmmboxinfo *cl;
	int ncl = 0;
	if (pvm_getmboxinfo((char *)name, &ncl, &cl) < 0)
		return 0;
	for (int c = 0; c < ncl; c++)
		if (strcmp(cl[c].mi_name, name) == 0)
			for (int i = 0; i < cl[c].mi_nentries; i++)
				if (cl[c].mi_owners[i] > 0 && cl[c].mi_owners[i] != skip)
					return cl[c].mi_owners[i];
	return 0;
}

int mppj_find(unsigned job, int vtid, int skip)
{
	char name[64];
	snprintf(name, sizeof name, "mpp.vt.%x.%x", job, (unsigned)vtid);
	return class_owner(name, skip);
}

int mppj_sched(void)
{
	int t = class_owner(MPPJ_SCHED_MBOX, 0);
	return t > 0 && pvm_pstat(t) == PvmOk ? t : 0;
}

int mppj_ctl(const struct mppj_job *j, int rtid, int kind, const char *host)
{
	int buf = pvm_mkbuf(PvmDataDefault), old = pvm_setsbuf(buf), v[3] = {kind, j->secret[0], j->secret[1]};
	pvm_pkint(v, 3, 1);
	if (host)
		pvm_pkstr((char *)host);
	int rc = pvm_send(rtid, MPPJ_TAG_CTL);
	pvm_setsbuf(old);
	pvm_freebuf(buf);
	return rc;
}

int mppj_parse_tid(const char *s)
{
	char *end;
	if (*s == 't')
		s++;
	if (!*s)
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, &end, 16);
	if (errno || *end || v == 0 || v > 0x7fffffff)
		return -1;
	return (int)v;
}

const char *mppj_host_name(int h)
{
	struct pvmhostinfo *hi;
	int nh = 0, na;
	if (pvm_config(&nh, &na, &hi) >= 0)
		for (int i = 0; i < nh; i++)
			if (hi[i].hi_tid == h)
				return hi[i].hi_name;
	return "?";
}

int mppj_host_tid(const char *name)
{
	struct pvmhostinfo *hi;
	int nh = 0, na;
	if (pvm_config(&nh, &na, &hi) >= 0)
		for (int i = 0; i < nh; i++)
			if (strcmp(hi[i].hi_name, name) == 0)
				return hi[i].hi_tid;
	return 0;
}
