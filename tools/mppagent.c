/* mppagent: the scheduler's eye on one host. Spawned by mppsched on each
 * host of the virtual machine (pvm_spawn with PvmTaskHost), it reports to
 * its parent every PERIOD ms (argv[1], default 1000): load average x1000,
 * online CPUs, available memory in MiB, seconds since the last input on a
 * terminal or X display (-1 when there is none) and logged-in users. It
 * ends when its parent does. Plain PVM, not an mpp task. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <utmpx.h>

#include <pvm3.h>

#include "mppjob.h"

static int read_load(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l = 0;
	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = 0;
		fclose(f);
	}
	return (int)(l * 1000 + 0.5);
}

static int read_mem_mb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long kb = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : (int)(kb / 1024);
}

/* Idle time of the owner: the most recent access to a terminal device of
 * a logged-in user (utmp), or to an X display's input devices
 * (/dev/input/event*, touched by the X server). */
static void owner_idle(int *idle, int *users)
{
	time_t now = time(NULL), last = 0;
	struct utmpx *u;
	struct stat st;
	char path[300];
	*users = 0;
	setutxent();
	while ((u = getutxent()))
		if (u->ut_type == USER_PROCESS) {
			(*users)++;
			snprintf(path, sizeof path, "/dev/%.*s", (int)sizeof u->ut_line, u->ut_line);
			if (stat(path, &st) == 0 && st.st_atime > last)
				last = st.st_atime;
		}
	endutxent();
	DIR *d = opendir("/dev/input");
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strncmp(e->d_name, "event", 5) == 0) {
			snprintf(path, sizeof path, "/dev/input/%s", e->d_name);
			if (stat(path, &st) == 0 && st.st_atime > last)
				last = st.st_atime;
		}
	if (d)
		closedir(d);
	*idle = last ? (int)(now - last) : -1;
	if (*idle < -1)
		*idle = 0;
}

int main(int argc, char **argv)
{
	int period = argc > 1 ? atoi(argv[1]) : 1000, me = pvm_mytid(), parent = pvm_parent();
	if (me < 0 || parent <= 0) {
		fprintf(stderr, "mppagent: to be spawned by mppsched\n");
		if (me >= 0)
			pvm_exit();
		return 1;
	}
	if (period < 50)
		period = 50;
	pvm_notify(PvmTaskExit, MPPJ_TAG_GONE, 1, &parent);
	for (;;) {
		int v[6];
		v[0] = read_load();
		v[1] = (int)sysconf(_SC_NPROCESSORS_ONLN);
		v[2] = read_mem_mb();
		owner_idle(&v[3], &v[4]);
		v[5] = (int)getpid();
		pvm_initsend(PvmDataDefault);
		pvm_pkint(v, 6, 1);
		if (pvm_send(parent, MPPJ_TAG_AGENT) < 0)
			break;
		struct timeval tmo = {period / 1000, (period % 1000) * 1000};
		int b = pvm_trecv(-1, MPPJ_TAG_GONE, &tmo);
		if (b != 0) /* an error, or the parent's exit notice (from a daemon) */
			break;
	}
	pvm_exit();
	return 0;
}
