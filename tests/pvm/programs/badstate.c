/* badstate.c: a plain PVM program that plays the source of a migration
 * with a STATE message whose list of the program's message buffers cannot
 * be read. It starts PROGRAM (built with mppcc) as a migration destination
 * (MPP_PVM_ROLE=dest, as a leaving task does), wakes it, sends it the
 * crafted STATE and waits up to 30 s for it to end; the destination's
 * output comes back here (pvm_catchout). Cases (the layout of a STATE:
 * docs/PROTOCOL.md):
 *   many     the list names 4097 buffers (more than any source sends)
 *   damaged  one buffer whose read position has 2 calls, the first with
 *            an unknown op: the second one would be read as the state's
 *            length and whether its bytes come apart
 *   cut      the list names 2 buffers, the message ends after the first
 *   header   the message ends inside the header (after vtid and parent)
 *   map      the task map names -5 entries
 *   carried  one carried message whose packed body is missing
 *   hosts    one host notification (PvmHostDelete) naming 5000 hosts, more
 *            than a virtual machine can have
 *   notewhat one host notification of a kind no source sends (PvmTaskExit,
 *            for 3 tasks whose tids do not follow)
 *   group    one group membership whose name has 300 bytes (a group name
 *            has at most 100; the layer reads names into 256 bytes)
 * Built with cc, not mppcc. Run: badstate CASE PROGRAM. Prints its tid
 * ("badstate tTID"), then "badstate: the destination ended" or "badstate: the destination still
 * runs after 30 s" (then kills it), and exits 0 unless PVM failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvm3.h>

#define TAG_CTL 0x4d505001
#define TAG_END 77 /* the destination's exit notification */
#define K_STATE 6
#define K_WAKE 10

int main(int argc, char **argv)
{
	static const char *const cases[] = {"many",    "damaged", "cut",      "header", "map",
	                                    "carried", "hosts",   "notewhat", "group"};
	int known = 0;
	for (size_t i = 0; argc == 3 && i < sizeof cases / sizeof cases[0]; i++)
		known |= strcmp(argv[1], cases[i]) == 0;
	if (!known) {
		fprintf(stderr, "usage: badstate many|damaged|cut|header|map|carried|hosts|notewhat|group PROGRAM\n");
		return 2;
	}
	const char *c = argv[1];
	int me = pvm_mytid(), d = 0;
	if (me < 0)
		return 1;
	printf("badstate t%x\n", me);
	fflush(stdout);
	pvm_catchout(stdout);
	setenv("MPP_PVM_ROLE", "dest", 1);
	setenv("PVM_EXPORT", "MPP_PVM_ROLE:MPP_LOG", 1);
	if (pvm_spawn(argv[2], NULL, PvmTaskDefault, "", 1, &d) != 1 || d <= 0) {
		fprintf(stderr, "badstate: cannot start %s (%d)\n", argv[2], d);
		pvm_exit();
		return 1;
	}
	pvm_notify(PvmTaskExit, TAG_END, 1, &d);

	int wake[] = {K_WAKE, d};
	pvm_initsend(PvmDataDefault);
	pvm_pkint(wake, 2, 1);
	pvm_send(d, TAG_CTL);

	/* kind; vtid, parent, epoch, moves; no map (2 counts), kids, exit and
	 * host notifications (2), pending moves; the 4 options unset; no
	 * groups (2 counts); no carried messages */
	int head[] = {K_STATE, d, PvmNoParent, 1, 1, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, 0, 0, 0};
	/* per buffer: id at the source, active (2: receive); its message's
	 * 5 ints (source, tag, context, encoding, no body); its read
	 * position: 2 calls of (op, count, repeat) */
	int buf[] = {7, 2, 0, 5, 0, 0, 0, 2, 99, 1, 1, 0, 1, 1};
	int tail[] = {0, 0, 0}; /* the state's length (high, low), not apart */
	/* a carried message: source, tag, context, encoding, 1: its body
	 * follows as a packed message (here: it does not) */
	int carried[] = {d, 5, 0, 0x10000000, 1};
	int npb = strcmp(c, "many") == 0 ? 4097 : strcmp(c, "cut") == 0 ? 2 : 1;
	if (strcmp(c, "cut") == 0)
		buf[8] = 0; /* a sound read position: only the end is missing */
	if (strcmp(c, "map") == 0)
		head[5] = -5;
	if (strcmp(c, "carried") == 0)
		head[17] = 1;
	pvm_initsend(PvmDataDefault);
	if (strcmp(c, "header") == 0) {
		pvm_pkint(head, 3, 1);
	} else if (strcmp(c, "hosts") == 0 || strcmp(c, "notewhat") == 0) {
		/* the 10 ints up to the host notifications, one of them (what,
		 * tag, count: its tids would follow), then the rest as usual */
		int note[3] = {PvmHostDelete, 5, 5000}, none = 0;
		if (strcmp(c, "notewhat") == 0) {
			note[0] = PvmTaskExit;
			note[2] = 3;
		}
		head[9] = 1;
		pvm_pkint(head, 10, 1);
		pvm_pkint(note, 3, 1);
		pvm_pkint(head + 10, 8, 1);
		pvm_pkint(&none, 1, 1);
		pvm_pkint(tail, 3, 1);
	} else if (strcmp(c, "group") == 0) {
		/* the 15 ints up to the options, one membership: its name, its
		 * instance and counts (5 ints); no pending group message */
		char name[301];
		int one = 1, counts[5] = {0, 0, 0, 0, 0}, none = 0;
		memset(name, 'g', 300);
		name[300] = 0;
		pvm_pkint(head, 15, 1);
		pvm_pkint(&one, 1, 1);
		pvm_pkstr(name);
		pvm_pkint(counts, 5, 1);
		pvm_pkint(head + 16, 2, 1); /* no group message, no carried one */
		pvm_pkint(&none, 1, 1);     /* nor a program's buffer */
		pvm_pkint(tail, 3, 1);
	} else if (strcmp(c, "carried") == 0) {
		pvm_pkint(head, (int)(sizeof head / sizeof head[0]), 1);
		pvm_pkint(carried, 5, 1);
	} else {
		pvm_pkint(head, (int)(sizeof head / sizeof head[0]), 1);
		pvm_pkint(&npb, 1, 1);
		if (strcmp(c, "many") != 0)
			pvm_pkint(buf, (int)(sizeof buf / sizeof buf[0]), 1);
		if (strcmp(c, "cut") != 0)
			pvm_pkint(tail, 3, 1);
	}
	pvm_send(d, TAG_CTL);
	printf("badstate: %s state sent to t%x\n", c, d);
	fflush(stdout);

	struct timeval tmo = {30, 0};
	if (pvm_trecv(-1, TAG_END, &tmo) > 0) {
		printf("badstate: the destination ended\n");
	} else {
		printf("badstate: the destination still runs after 30 s\n");
		pvm_kill(d);
	}
	pvm_exit();
	return 0;
}
