/* hosts_probe.c: a plain PVM program (no mpp) that shows which hosts of the
 * virtual machine really run tasks. The master spawns one copy of itself on
 * every host of pvm_config; each child answers with its gethostname() and
 * the pvmd tid of its host (pvm_tidtohost). The master checks that every
 * child runs on the host it was spawned on (same pvmd, same name) and
 * prints the sorted host names, one a line. Errors go to stderr, status 1.
 *
 * Usage: hosts_probe [timeout_seconds]   (default 60: how long to wait for
 * each answer, so that a broken virtual machine fails instead of hanging) */
#include <pvm3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROBE_TAG 77
#define NAME_MAX_LEN 256

static int probe_child(int parent)
{
	char name[NAME_MAX_LEN];
	int me = pvm_mytid();
	int dtid = pvm_tidtohost(me);

	if (gethostname(name, sizeof name) != 0)
		strcpy(name, "?");
	name[sizeof name - 1] = '\0';
	pvm_initsend(PvmDataDefault);
	pvm_pkint(&me, 1, 1);
	pvm_pkint(&dtid, 1, 1);
	pvm_pkstr(name);
	pvm_send(parent, PROBE_TAG);
	pvm_exit();
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int probe_master(int timeout)
{
	struct pvmhostinfo *hosts;
	int nhost, narch, i, n, bad = 0;
	int *tids, *want_dtid;
	char **names, **want_name;
	struct timeval tmout = {timeout, 0};

	if (pvm_config(&nhost, &narch, &hosts) < 0) {
		fprintf(stderr, "hosts_probe: pvm_config failed\n");
		return 1;
	}
	tids = calloc(nhost, sizeof *tids);
	want_dtid = calloc(nhost, sizeof *want_dtid);
	names = calloc(nhost, sizeof *names);
	want_name = calloc(nhost, sizeof *want_name);
	if (!tids || !want_dtid || !names || !want_name) {
		fprintf(stderr, "hosts_probe: out of memory\n");
		return 1;
	}
	/* pvm_spawn may reuse the buffer behind hosts: keep what we need */
	for (i = 0; i < nhost; i++) {
		want_dtid[i] = hosts[i].hi_tid;
		want_name[i] = strdup(hosts[i].hi_name);
	}
	for (i = 0; i < nhost; i++) {
		if (pvm_spawn("hosts_probe", NULL, PvmTaskHost, want_name[i], 1, &tids[i]) != 1) {
			fprintf(stderr, "hosts_probe: cannot spawn on %s (error %d)\n", want_name[i], tids[i]);
			return 1;
		}
	}
	for (n = 0; n < nhost; n++) {
		int tid, dtid, bufid;
		char name[NAME_MAX_LEN];

		bufid = pvm_trecv(-1, PROBE_TAG, &tmout);
		if (bufid <= 0) {
			fprintf(stderr, "hosts_probe: no answer after %d s (%d of %d received)\n", timeout, n, nhost);
			return 1;
		}
		pvm_upkint(&tid, 1, 1);
		pvm_upkint(&dtid, 1, 1);
		pvm_upkstr(name);
		for (i = 0; i < nhost && tids[i] != tid; i++)
			;
		if (i == nhost) {
			fprintf(stderr, "hosts_probe: answer from unknown task t%x\n", tid);
			return 1;
		}
		if (dtid != want_dtid[i] || pvm_tidtohost(tid) != want_dtid[i]) {
			fprintf(stderr, "hosts_probe: task t%x (%s) runs on pvmd t%x, spawned on t%x\n", tid, name,
			        dtid, want_dtid[i]);
			bad = 1;
		}
		if (strcmp(name, want_name[i]) != 0) {
			fprintf(stderr, "hosts_probe: task t%x spawned on %s says its host is %s\n", tid, want_name[i],
			        name);
			bad = 1;
		}
		names[n] = strdup(name);
	}
	qsort(names, nhost, sizeof *names, compare_names);
	for (i = 0; i < nhost; i++)
		printf("%s\n", names[i]);
	pvm_exit();
	return bad;
}

int main(int argc, char **argv)
{
	int parent, timeout = argc > 1 ? atoi(argv[1]) : 60;

	if (pvm_mytid() < 0) {
		fprintf(stderr, "hosts_probe: not connected to a pvmd\n");
		return 1;
	}
	parent = pvm_parent();
	if (parent > 0)
		return probe_child(parent);
	return probe_master(timeout > 0 ? timeout : 60);
}
