/* pvm_state.c: the PVM job of bench/pvm_migrate.sh. The root task (the
 * mover) holds a heap array of BYTES bytes, spawns NTASKS-1 idle peers of
 * this same program, waits until each has said hello, then ROUNDS times
 * calls a receive that does not wait (a migration point) and sleeps
 * PAUSE_MS, so that MPP_MIGRATE_EVERY moves it between hosts with its
 * array; the peers stay blocked in pvm_recv the whole time and answer the
 * moves from there. At the end the mover checks its array, tells the peers
 * to stop and prints one line, "pvm_state: tasks=N bytes=B rounds=R ok"
 * (or "bad", and status 1, if the array changed).
 * Run: pvm_state NTASKS BYTES ROUNDS PAUSE_MS (the peers get "peer").
 *
 * The peers are spawned with MPP_MIGRATE_EVERY=0: a task blocked in a
 * receive passes a migration point each time a control message wakes it,
 * so with the job's setting the idle peers would move too. The variable
 * is changed in place around the spawn (setenv allocates inside libc,
 * and the runtime cannot save such a block). */
#include <errno.h>
#include <pvm3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>

#define TAG_HELLO 11
#define TAG_STOP 12
#define TAG_NEVER 13

static unsigned char pattern(size_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

static int peer(void)
{
	int one = 1;
	pvm_initsend(PvmDataDefault);
	pvm_pkint(&one, 1, 1);
	pvm_send(pvm_parent(), TAG_HELLO);
	pvm_recv(pvm_parent(), TAG_STOP); /* idle here while the mover moves */
	pvm_exit();
	return 0;
}

int main(int argc, char **argv)
{
	if (pvm_mytid() < 0)
		return 2;
	if (argc == 2 && strcmp(argv[1], "peer") == 0)
		return peer();
	if (argc != 5) {
		fprintf(stderr, "usage: pvm_state NTASKS BYTES ROUNDS PAUSE_MS\n");
		pvm_exit();
		return 2;
	}
	int ntask = atoi(argv[1]), rounds = atoi(argv[3]), pause_ms = atoi(argv[4]);
	size_t bytes = (size_t)strtoull(argv[2], NULL, 10);
	int tids[64];
	if (ntask < 1 || ntask > 64 || bytes == 0) {
		fprintf(stderr, "pvm_state: 1 to 64 tasks, at least one byte\n");
		pvm_exit();
		return 2;
	}
	unsigned char *a = malloc(bytes);
	if (!a) {
		fprintf(stderr, "pvm_state: no memory for %zu bytes\n", bytes);
		pvm_exit();
		return 2;
	}
	for (size_t i = 0; i < bytes; i++)
		a[i] = pattern(i);

	char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	char *pargs[] = {"peer", NULL};
	int n = ntask - 1;
	char *every = getenv("MPP_MIGRATE_EVERY"), saved[32] = "";
	if (every) {
		snprintf(saved, sizeof saved, "%s", every);
		for (char *p = every; *p; p++)
			*p = '0';
	}
	int spawned = n > 0 ? pvm_spawn(name, pargs, PvmTaskDefault, "", n, tids) : 0;
	if (every) /* back as it was: the mover's own destinations inherit it */
		memcpy(every, saved, strlen(every));
	if (spawned != n) {
		fprintf(stderr, "pvm_state: cannot spawn %d peers\n", n);
		pvm_exit();
		return 1;
	}
	/* every peer is registered before the first move: wait for its hello
	 * without a migration point (pvm_nrecv is none) */
	for (int got = 0; got < n;) {
		if (pvm_nrecv(-1, TAG_HELLO) > 0)
			got++;
		else {
			struct timeval tv = {0, 1000};
			select(0, NULL, NULL, NULL, &tv);
		}
	}
	/* a receive that does not wait is the migration point; the pause is
	 * not one (a timed receive that a move interrupts starts its whole
	 * timeout again at the destination, and would never end if the moves
	 * come faster) */
	for (int r = 0; r < rounds; r++) {
		struct timeval zero = {0, 0}, tv = {pause_ms / 1000, (pause_ms % 1000) * 1000};
		pvm_trecv(-1, TAG_NEVER, &zero);
		/* the whole pause: a signal (libmpp's SIGIO when a control
		 * message comes) ends select early, and Linux leaves the time
		 * still to wait in tv */
		while (select(0, NULL, NULL, NULL, &tv) < 0 && errno == EINTR)
			;
	}
	int ok = 1;
	for (size_t i = 0; i < bytes; i++)
		if (a[i] != pattern(i)) {
			ok = 0;
			break;
		}
	free(a);
	if (n > 0) {
		pvm_initsend(PvmDataDefault);
		pvm_mcast(tids, n, TAG_STOP);
	}
	printf("pvm_state: tasks=%d bytes=%zu rounds=%d %s\n", ntask, bytes, rounds, ok ? "ok" : "bad");
	pvm_exit();
	return ok ? 0 : 1;
}
