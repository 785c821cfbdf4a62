/* pvm.c: the PVM layer. Programs keep calling pvm_*; mppcc links them with
 * --wrap so the calls land here (mpp_pvm_wrap.h lists which). The program
 * sees virtual task ids (a task's first real tid, for good); messages carry
 * real tids, translated both ways through a map of the tasks that moved.
 * Migration follows docs/PROTOCOL.md: the leaving task starts a
 * destination, tells every mpp task of the virtual machine (the owners of
 * the "mpp.tasks" mailbox class) where it goes, waits until each has
 * flushed its channel to the old place, unwinds, and sends the state with
 * the messages it received but the program did not yet, then exits once
 * the destination has it. Control messages use reserved tags that the
 * program never sees (a pvm_recvf matcher hides them). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <pvm3.h>

#define MPP_LOG_PREFIX "pvm"
#include "mpp.h"
#include "mpp_ctl.h"
#include "mpp_ctlmsg.h"
#include "mpp_decode.h"
#include "mpp_encode.h"
#include "mpp_err.h"
#include "mpp_heap.h"
#include "mpp_log.h"
#include "mpp_poll.h"
#include "mpp_pvm_int.h"
#include "mpp_pvm_upk.h"
#include "mpp_pvm_wrap.h"
#include "mpp_restore.h"
#include "mpp_statesock.h"

#define REAL(n) extern __typeof__(pvm_##n) __real_pvm_##n;
MPP_PVM_WRAPPED(REAL)
#undef REAL

#define TAG_CTL 0x4d505001          /* control messages between mpp tasks */
#define TAG_EXIT 0x4d505002         /* pvm_notify(PvmTaskExit) of peers during a migration */
#define TAG_GRP 0x4d505006          /* group messages (pvm_group.c), hidden from the program */
#define TAG_INFO 0x4d505004         /* to mppctl and the scheduler: status replies, events */
#define SECRET_VAR "MPP_PVM_SECRET" /* the job's secret (mpprun): steering from outside */
#define SCHED_MBOX "mpp.sched"      /* the scheduler's tid, if one runs (tools/mppsched.c) */
#define JOB_VAR "MPP_PVM_JOB"       /* the job: mpprun's tid, or else the root task's vtid */
#define ROLE_VAR "MPP_PVM_ROLE"     /* "dest": started to receive a state */
#define CHILD_VAR "MPP_PVM_CHILD"   /* spawned by an mpp task: a map follows */
#define RUNNER_VAR "MPP_PVM_RUNNER" /* mpprun's tid: told when a task begins and ends */
#define CHUNK (1 << 30)
#define STATE_FRAG (1 << 20) /* fragment size of a large state: libpvm3's largest */

/* The kinds of control messages (mpp_ctlmsg.h, which parses them). From
 * outside the job (mppctl, the scheduler): K_CTL_MIGRATE, K_STATUS,
 * K_CTL_PREPARE, with the job's secret first. */
enum {
	K_MAP = MPP_CM_MAP,
	K_NOTICE = MPP_CM_NOTICE,
	K_FLUSH = MPP_CM_FLUSH,
	K_MOVED = MPP_CM_MOVED,
	K_MIGRATE = MPP_CM_MIGRATE,
	K_STATE = MPP_CM_STATE,
	K_ACK = MPP_CM_ACK,
	K_FWD = MPP_CM_FWD,
	K_READY = MPP_CM_READY,
	K_WAKE = MPP_CM_WAKE,
	K_CTL_MIGRATE = MPP_CM_CTL_MIGRATE,
	K_STATUS = MPP_CM_STATUS,
	K_CTL_PREPARE = MPP_CM_CTL_PREPARE,
	K_SHADOW = MPP_CM_SHADOW,
	K_STATEDATA = MPP_CM_STATEDATA,
	K_DATAPORT = MPP_CM_DATAPORT
};
enum { INFO_STATUS = 1, INFO_EVENT, INFO_END, INFO_BEGIN, INFO_KILLED }; /* first int of a TAG_INFO message */

struct ent {
	int vtid, rtid, epoch;
};
struct held {
	int bufid, rsrc, tag; /* rsrc: real tid of the sender, translated when matched */
};
struct waiter {
	int rtid, vtid, done, armed; /* armed: its exit is notified to us */
};

static int enrolled, me_v, me_r, parent_v = PvmNoParent, epoch;
static char mbox[64];     /* "mpp.job.<job>": a class of one entry per task */
static char job_name[16]; /* <job>, exported to the tasks we spawn */
static int mbox_index = -1;
/* "mpp.vt.<job>.<vtid>": a class of its own naming the task, whose owner
 * is the process serving it (mpprun and mppctl read owners only: libpvm3's
 * pvm_recvinfo was seen to answer PvmNotFound for entries that
 * pvm_getmboxinfo lists, losing a moving root task) */
static char vtbox[64];
static int vtbox_index = -1;
static struct ent *map; /* tasks that moved: virtual -> current real */
static int nmap;
static struct ent *rev; /* every real tid of a task that moved -> virtual */
static int nrev;
static struct held *q; /* received, not yet delivered (FIFO) */
static int nq;
static struct waiter *w; /* peers to flush during our migration */
static int notice[4];    /* what we tell them: vtid, old and new place, epoch */
static int relist;       /* a peer ended during the flush: look for successors */
static int *flushed;     /* every place that has flushed to us in this migration */
static int nflushed;
static int nw;
static int dest; /* destination task while leaving (real tid) */
static int acked, dest_gone, got_map;
/* Tasks whose move may still fail: from the NOTICE of a move until the
 * old place ends (the move is done) or newer news comes, a message to
 * such a task goes to its new place and, as a SHADOW, to its old one,
 * which keeps it in case its destination is lost (docs/PROTOCOL.md).
 * The old place's exit is watched from the first SHADOW on (armed): a
 * peer that sends the task nothing meanwhile costs the daemons no
 * notification (with 16 tasks moving at once, 17 peers each asked for
 * 16 of them). */
struct pend {
	int vtid, old, now, epoch, armed;
};
static struct pend *pend;
static int npend;
static struct held *sh; /* leaving: SHADOWs from peers, for the destination's loss */
static int nsh;
static int prog_buf[2]; /* the program's active send and receive buffers */
/* The program's buffers in a STATE message: the id at the source, here,
 * and whether it is the active send (1) or receive (2) buffer. */
struct pbuf {
	int want, local, active;
};
#define MAX_PBUFS 4096
/* Children spawned but not yet registered in the job's mailbox (they send
 * K_READY when they are): a migrating task cannot find them there, so their
 * parent passes notices on to them and names them in its flush. */
static int *kids;
static int nkids;
static int state_from, state_buf; /* arriving: who sends our state, and it */
static int data_buf;              /* ... and the STATEDATA with its bytes */
static int state_apart;           /* leaving: the bytes come apart (APART_*) */
/* how the bytes of a state come: in the STATE itself; in a STATEDATA
 * through the daemons; over the layer's own connection (its token in
 * the STATE; D names its port in a DATAPORT, a STATEDATA if it cannot) */
enum { APART_NONE, APART_DATA, APART_STREAM };
static unsigned char state_token[MPP_STATESOCK_TOKEN]; /* leaving: of this STATE */
static int got_port, port_ip, port_num;                /* leaving: D's DATAPORT */
static int woken, spawner_gone;                        /* arriving: told to take a state / not needed */
/* arrived: the process that sent our state, until its exit notice (a
 * process that took a state does not end before its source: see
 * wait_source) */
static int source, source_gone = 1;
static uint64_t arrived_at;  /* poll count when this process took over, plus one */
static int spare;            /* a destination started in advance... */
static char spare_host[256]; /* ... on this host */
static char req_host[256];   /* a migration asked by a control message */
static char prep_host[256];  /* a destination to start in advance there (scheduler) */
static double t_req, t_start, t_spawn, t_notify, t_flush;
/* MPP_PVM_FAULT=kill-src:STEP or kill-dest:STEP (tests, docs/PROTOCOL.md):
 * this task kills itself, or each of its destinations dies, at that step
 * of every migration; slow-src:before-ack: the task, as a source, pauses
 * 2 s once its STATE is sent, before it reads anything (its destination
 * may end meanwhile, see wait_source); nostream:src, nostream:dest: the
 * bytes of a large state go through the daemons because the source does
 * not connect, or its destinations do not listen. Read once and taken out
 * of the environment, so that the tasks it starts do not inherit it; a
 * destination learns its own fault from its role (MPP_PVM_ROLE=dest:NAME). */
enum {
	F_NONE,
	F_SRC_AFTER_SPAWN, /* source: destination started and woken */
	F_SRC_AFTER_NOTICE,
	F_SRC_IN_FLUSH, /* a first FLUSH came (or none was needed) */
	F_SRC_AFTER_CAPTURE,
	F_SRC_BEFORE_ACK, /* STATE sent */
	F_SRC_AFTER_ACK,
	F_DEST_AFTER_WAKE,   /* the destination itself, once in the job's mailbox */
	F_DEST_BEFORE_STATE, /* the source kills it, and waits for its end */
	F_DEST_BEFORE_ACK,   /* the destination, STATE received */
	F_DEST_AFTER_ACK,
	F_SRC_SLOW_BEFORE_ACK, /* STATE sent: a pause, not a kill */
	F_SRC_NOSTREAM,        /* a large state's bytes: T does not connect */
	F_DEST_NOSTREAM,       /* ... D does not listen */
	F_NSTEPS
};
static const char *const fault_names[F_NSTEPS] = {"",
                                                  "kill-src:after-spawn",
                                                  "kill-src:after-notice",
                                                  "kill-src:in-flush",
                                                  "kill-src:after-capture",
                                                  "kill-src:before-ack",
                                                  "kill-src:after-ack",
                                                  "kill-dest:after-wake",
                                                  "kill-dest:before-state",
                                                  "kill-dest:before-ack",
                                                  "kill-dest:after-ack",
                                                  "slow-src:before-ack",
                                                  "nostream:src",
                                                  "nostream:dest"};
static int fault;        /* this task's MPP_PVM_FAULT step */
static int fault_self;   /* a destination's own step (from its role) */
static int runner_ended; /* mpprun was told that this task ends */

static int *members; /* real tids seen in the job's mailbox: senders we trust */
static int nmembers;
static int moves;            /* migrations of this task so far (travels with the state) */
static uint64_t state_bytes; /* size of the state this process arrived with */

/* What the matcher accepts: outside our own receives it behaves like
 * PVM's default matcher, minus control messages. */
static struct {
	int active, ctl, app, vt, tag, hide; /* hide: group messages (a receive of the program) */
} m;

/* MPP_PVM_TRACE=FILE: one line per message event (debugging aid). */
static double now(void);

static int trace_fd = -2;

static int tracing(void)
{
	if (trace_fd == -2) {
		const char *p = getenv("MPP_PVM_TRACE");
		trace_fd = p ? open(p, O_WRONLY | O_APPEND | O_CREAT, 0644) : -1;
	}
	return trace_fd >= 0;
}

static void trace(const char *what, int a, int b, int tag)
{
	if (!tracing())
		return;
	char line[128];
	int n = snprintf(line, sizeof line, "%.6f %d %s t%x t%x %d\n", now(), (int)getpid(), what, a, b, tag);
	if (write(trace_fd, line, (size_t)n) != n)
		trace_fd = -1;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fault_parse(const char *f)
{
	if (strcmp(f, "kill-dest-before-state") == 0) /* the first name, kept */
		return F_DEST_BEFORE_STATE;
	for (int i = 1; i < F_NSTEPS; i++)
		if (strcmp(f, fault_names[i]) == 0)
			return i;
	return F_NONE;
}

/* The injected fault: this process dies at once, as a crash would (output
 * not yet flushed is lost with it). */
static void fault_die(int step, int vtid)
{
	mpp_warn("MPP_PVM_FAULT=%s: t%x (process t%x) kills itself", fault_names[step], vtid, me_r);
	kill(getpid(), SIGKILL);
	_exit(137); /* not reached */
}

/* Arrays grow by powers of two from 16: one of n elements is full when n
 * is 16 or a larger power of two. */
int mpp_pvm_full(int n)
{
	return n >= 16 && (n & (n - 1)) == 0;
}

void *mpp_pvm_grow(void *p, int n, size_t sz)
{
	if (n < 16 || mpp_pvm_full(n)) {
		size_t cap = n < 16 ? 16 : (size_t)n * 2;
		p = realloc(p, cap * sz);
		if (!p) {
			mpp_err_set(MPP_ENOMEM,
			            "out of memory in the PVM layer (an array of %zu elements of %zu bytes)", cap, sz);
			mpp_ctl_fatal(MPP_ENOMEM, NULL);
		}
	}
	return p;
}

static int to_v(int r)
{
	for (int i = 0; i < nrev; i++)
		if (rev[i].rtid == r)
			return rev[i].vtid;
	return r;
}

int mpp_pvm_to_v(int r)
{
	return to_v(r);
}

static int to_r(int v)
{
	for (int i = 0; i < nmap; i++)
		if (map[i].vtid == v)
			return map[i].rtid;
	return v;
}

static void add_rev(int r, int v)
{
	if (r == v || to_v(r) == v)
		return;
	rev = mpp_pvm_grow(rev, nrev, sizeof *rev);
	rev[nrev++] = (struct ent){v, r, 0};
	rev[nrev - 1].rtid = r;
	rev[nrev - 1].vtid = v;
}

/* The program's exit notifications (pvm_notify PvmTaskExit): virtual tid
 * watched and the tag asked for. PVM watches a real tid; when the task
 * moves, its new place is watched too and the old place's exit is not an
 * exit of the task (unotify_fix). */
struct unote {
	int vtid, tag, done; /* done: its notification was delivered */
};
static struct unote *un;
static int nun;

static void unotify_arm(int v, int r)
{
	for (int i = 0; i < nun; i++)
		if (un[i].vtid == v && !un[i].done)
			__real_pvm_notify(PvmTaskExit, un[i].tag, 1, &r);
}

/* Virtual task v is now at real tid r; older news (lower epoch) is ignored. */
static void set_map(int v, int r, int e)
{
	int i;
	for (i = 0; i < nmap; i++)
		if (map[i].vtid == v)
			break;
	add_rev(r, v); /* a fact even when the news is old */
	if (i < nmap && map[i].epoch >= e)
		return;
	int was = i < nmap ? map[i].rtid : v;
	if (i == nmap) {
		map = mpp_pvm_grow(map, nmap, sizeof *map);
		nmap++;
	}
	map[i] = (struct ent){v, r, e};
	add_rev(r, v);
	if (r != was)
		unotify_arm(v, r);
}

static void pend_drop(int vt, int old)
{
	for (int i = 0; i < npend; i++)
		if ((vt > 0 && pend[i].vtid == vt) || (old > 0 && pend[i].old == old))
			pend[i--] = pend[--npend];
}

/* Task vt moved from old to now at epoch e (news already in the map). */
static void pend_add(int vt, int old, int now, int e)
{
	for (int i = 0; i < npend; i++)
		if (pend[i].vtid == vt && pend[i].epoch >= e)
			return;
	pend_drop(vt, 0);
	if (vt == me_v || old <= 0 || old == now || to_r(vt) != now)
		return;
	pend = mpp_pvm_grow(pend, npend, sizeof *pend);
	pend[npend++] = (struct pend){vt, old, now, e, 0};
	trace("pending", old, now, vt);
}

/* An application message from src: a destination runs the program only
 * after the ACK, so the move of a task now at src is done (its old place
 * may have ended before a late-armed watch asked for its exit). */
static void pend_arrived(int src)
{
	for (int i = 0; i < npend; i++)
		if (pend[i].now == src)
			pend[i--] = pend[--npend];
}

static void pack_pend(void)
{
	pvm_pkint(&npend, 1, 1);
	for (int i = 0; i < npend; i++)
		pvm_pkint(&pend[i].vtid, 4, 1);
}

/* The unpack_* functions read sections of a STATE: each returns 0, or -1
 * when its section is cut short, names a negative count or holds what no
 * source sends. */
static int upk_count(int *n)
{
	return pvm_upkint(n, 1, 1) < 0 || *n < 0 ? -1 : 0;
}

static int unpack_pend(void)
{
	int n = 0, e[4];
	if (upk_count(&n) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (pvm_upkint(e, 4, 1) < 0)
			return -1;
		pend_add(e[0], e[1], e[2], e[3]);
	}
	return 0;
}

static int ctl_send(int rtid, int kind, const int *v, int n, void (*more)(void *), void *arg);
static void forward(int b);
static int pack_msg_tc(int b, int src, const int *tc);

/* a[0] a message's tag, a[1] its buffer: a send buffer keeps neither the
 * tag it was sent with nor the context */
static void pack_shadow(void *arg)
{
	const int *a = arg;
	int tc[2] = {a[0], pvm_getcontext()};
	pack_msg_tc(a[1], me_r, tc);
}

/* The active send buffer, just sent to vt with tag: to vt's old place
 * too while its move may fail. */
static void shadow(int vt, int tag)
{
	for (int i = 0; i < npend; i++)
		if (pend[i].vtid == vt) {
			int a[2] = {tag, pvm_getsbuf()};
			if (!pend[i].armed) { /* its end: the move is done */
				__real_pvm_notify(PvmTaskExit, TAG_EXIT, 1, &pend[i].old);
				pend[i].armed = 1;
			}
			trace("shadow", pend[i].old, pend[i].now, tag);
			ctl_send(pend[i].old, K_SHADOW, &pend[i].now, 1, pack_shadow, a);
		}
}

static int is_ctl_tag(int tag)
{
	return tag == TAG_CTL || tag == TAG_EXIT;
}

static int match(int bufid, int tid, int tag)
{
	struct pvmminfo mi;

	if (pvm_getminfo(bufid, &mi) < 0)
		return 0;
	if (is_ctl_tag(mi.tag))
		return m.active && m.ctl;
	if (!m.active)
		return (tid == -1 || tid == mi.src) && (tag == -1 ? mi.tag != TAG_GRP : tag == mi.tag) &&
		       mi.ctx == pvm_getcontext();
	if (!m.app || mi.ctx != pvm_getcontext())
		return 0;
	if (m.tag == -1 ? m.hide && mi.tag == TAG_GRP : mi.tag != m.tag)
		return 0;
	return m.vt == -1 || to_v(mi.src) == m.vt;
}

static int msg_tag(int bufid)
{
	struct pvmminfo mi;
	return pvm_getminfo(bufid, &mi) < 0 ? -1 : mi.tag;
}

static int msg_src(int bufid)
{
	struct pvmminfo mi;
	return pvm_getminfo(bufid, &mi) < 0 ? -1 : mi.src;
}

/* Send a control message: kind, n ints, and whatever more() packs. */
static int ctl_send(int rtid, int kind, const int *v, int n, void (*more)(void *), void *arg)
{
	int buf = pvm_mkbuf(PvmDataDefault);
	int old = pvm_setsbuf(buf);
	int rc;

	pvm_pkint(&kind, 1, 1);
	if (n)
		pvm_pkint((int *)v, n, 1);
	if (more)
		more(arg);
	rc = __real_pvm_send(rtid, TAG_CTL);
	pvm_setsbuf(old);
	pvm_freebuf(buf);
	return rc;
}

static void pack_map(void *arg)
{
	(void)arg;
	pvm_pkint(&nmap, 1, 1);
	for (int i = 0; i < nmap; i++)
		pvm_pkint(&map[i].vtid, 3, 1);
	pvm_pkint(&nrev, 1, 1);
	for (int i = 0; i < nrev; i++)
		pvm_pkint(&rev[i].vtid, 2, 1);
}

static int unpack_map(void)
{
	int n, e[3];

	if (upk_count(&n) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (pvm_upkint(e, 3, 1) < 0)
			return -1;
		set_map(e[0], e[1], e[2]);
	}
	if (upk_count(&n) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (pvm_upkint(e, 2, 1) < 0)
			return -1;
		add_rev(e[1], e[0]);
	}
	return 0;
}

/* A peer at rtid has flushed its channel to us (or ended), or has left
 * for moved_to before it could (then its destination flushes for it).
 * Only the place named is cleared: a task's old place and its destination
 * are flushed separately, since both may have sent to us. */
static void flush_clear(int rtid, int moved_to)
{
	if (moved_to <= 0) {
		flushed = mpp_pvm_grow(flushed, nflushed, sizeof *flushed);
		flushed[nflushed++] = rtid;
	}
	for (int i = 0; i < nw; i++) {
		if (w[i].done || w[i].rtid != rtid)
			continue;
		if (moved_to > 0) {
			/* any flush from the destination will do, even one that
			 * came first: it knows where we go once it has sent it */
			w[i].rtid = moved_to;
			for (int j = 0; j < nflushed; j++)
				if (flushed[j] == moved_to)
					w[i].done = 1;
		} else {
			w[i].done = 1;
		}
	}
}

static void pack_kids(void *arg)
{
	(void)arg;
	pvm_pkint(&nkids, 1, 1);
	if (nkids)
		pvm_pkint(kids, nkids, 1);
}

static int unpack_kids(void)
{
	int n = 0, k;
	if (upk_count(&n) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (pvm_upkint(&k, 1, 1) < 0)
			return -1;
		kids = mpp_pvm_grow(kids, nkids, sizeof *kids);
		kids[nkids++] = k;
	}
	return 0;
}

/* Options of the program's libpvm3 that a destination sets again (its
 * libpvm3 starts with the defaults): routing, error reporting, fragment
 * size, task ids in caught output. */
static const int prog_opts[] = {PvmRoute, PvmAutoErr, PvmFragSize, PvmShowTids};
#define NOPTS ((int)(sizeof prog_opts / sizeof prog_opts[0]))

/* the program's PvmFragSize while the state is sent with the layer's own
 * (-1: not changed) */
static int prog_frag = -1;

/* The program's PvmRoute: what pvm_getopt tells it, never libpvm3's own.
 * Its messages go through the daemons even when it asks for direct
 * routes. A route is a socket to one process: libpvm3 keeps using it
 * after that process has moved away, answers a route request and then
 * ends (the requester prints its refused connection), or writes into a
 * socket that the moved process closed (a message that can be lost
 * there, or printed as a broken pipe). Only the layer opens a route, from
 * a source to its destination for a large state. */
static int prog_route = PvmAllowDirect;

int __wrap_pvm_setopt(int what, int val)
{
	if (what != PvmRoute || (val != PvmDontRoute && val != PvmAllowDirect && val != PvmRouteDirect))
		return __real_pvm_setopt(what, val); /* libpvm3 refuses a bad value */
	int old = prog_route;
	prog_route = val;
	return old;
}

int __wrap_pvm_getopt(int what)
{
	return what == PvmRoute ? prog_route : __real_pvm_getopt(what);
}

static void pack_opts(void)
{
	int v[NOPTS];
	for (int i = 0; i < NOPTS; i++) {
		v[i] = __wrap_pvm_getopt(prog_opts[i]);
		if (prog_opts[i] == PvmFragSize && prog_frag >= 0)
			v[i] = prog_frag;
	}
	pvm_pkint(v, NOPTS, 1);
}

/* At a destination, once its STATE is read whole: the program's options
 * as they came (a negative value: not to be set). Set after the reading,
 * and PvmAutoErr after the others, since it may make libpvm3 end the
 * task at its first error (a value the others refuse, too). */
static void set_opts(const int *v)
{
	for (int last = 0; last < 2; last++)
		for (int i = 0; i < NOPTS; i++)
			if ((prog_opts[i] == PvmAutoErr) == last && v[i] >= 0 &&
			    __wrap_pvm_getopt(prog_opts[i]) != v[i])
				__wrap_pvm_setopt(prog_opts[i], v[i]);
}

/* The program's host notifications (PvmHostDelete with the hosts'
 * daemon tids, PvmHostAdd with a count): kept as asked, asked again by a
 * destination. */
struct hnote {
	int what, tag, n, *tids;
};
static struct hnote *hn;
static int nhn;

static void add_hnote(int what, int tag, int n, const int *tids)
{
	int cnt = what == PvmHostDelete && n > 0 ? n : 0;
	int *t = cnt ? malloc(sizeof(int) * (size_t)cnt) : NULL;
	if (cnt && !t)
		return;
	if (cnt)
		memcpy(t, tids, sizeof(int) * (size_t)cnt);
	hn = mpp_pvm_grow(hn, nhn, sizeof *hn);
	hn[nhn++] = (struct hnote){what, tag, n, t};
}

static void pack_unotes(void)
{
	pvm_pkint(&nun, 1, 1);
	for (int i = 0; i < nun; i++)
		pvm_pkint(&un[i].vtid, 3, 1);
	pvm_pkint(&nhn, 1, 1);
	for (int i = 0; i < nhn; i++) {
		int cnt = hn[i].tids ? hn[i].n : 0;
		pvm_pkint(&hn[i].what, 3, 1);
		if (cnt)
			pvm_pkint(hn[i].tids, cnt, 1);
	}
}

/* At a destination: the program's exit notifications, armed again on the
 * watched tasks' present places (a task that ended meanwhile is reported
 * at once by PVM). */
static int unpack_unotes(void)
{
	int n = 0, e[3];
	if (upk_count(&n) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		/* a tag the layer keeps to itself was never asked for */
		if (pvm_upkint(e, 3, 1) < 0 || is_ctl_tag(e[1]) || e[1] == TAG_GRP)
			return -1;
		un = mpp_pvm_grow(un, nun, sizeof *un);
		un[nun++] = (struct unote){e[0], e[1], e[2]};
		int r = to_r(e[0]);
		if (!e[2])
			__real_pvm_notify(PvmTaskExit, e[1], 1, &r);
	}
	n = 0;
	if (upk_count(&n) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		/* only these two are kept (__wrap_pvm_notify): any other would
		 * be asked of PVM with no tids */
		if (pvm_upkint(e, 3, 1) < 0 || (e[0] != PvmHostDelete && e[0] != PvmHostAdd) || is_ctl_tag(e[1]) ||
		    e[1] == TAG_GRP)
			return -1;
		/* PvmHostDelete: the hosts' tids follow, at most one per host a
		 * virtual machine can have (12 bits of a tid) */
		int cnt = e[0] == PvmHostDelete && e[2] > 0 ? e[2] : 0;
		if (cnt > 4096)
			return -1;
		int *t = cnt ? malloc(sizeof(int) * (size_t)cnt) : NULL;
		if (cnt && (!t || pvm_upkint(t, cnt, 1) < 0)) {
			free(t);
			return -1;
		}
		add_hnote(e[0], e[1], e[2], t);
		__real_pvm_notify(e[0], e[1], e[2], t);
		free(t);
	}
	return 0;
}

/* Message b, about to be delivered to the program (messages kept or
 * carried stay as they came): an exit notification it asked for (a
 * daemon's message with one of its tags) names a real tid. If that task
 * has moved on, the place that ended was an old one: dropped (0). So is
 * a second notification of one task (a destination arms the requests
 * again; the task may have ended meanwhile). Else the tid in it becomes
 * the virtual one (a new buffer). */
static int unotify_fix(int b)
{
	struct pvmminfo mi;
	int i, r;
	if (!nun || pvm_getminfo(b, &mi) < 0 || mi.src >= 0 || mi.len <= 0)
		return b;
	for (i = 0; i < nun && un[i].tag != mi.tag; i++)
		;
	if (i == nun)
		return b;
	int old = pvm_setrbuf(b);
	int ok = pvm_upkint(&r, 1, 1) >= 0;
	pvm_setrbuf(old == b ? 0 : old);
	if (!ok)
		return b;
	int v = to_v(r);
	for (i = 0; i < nun && (un[i].tag != mi.tag || un[i].vtid != v); i++)
		;
	if (to_r(v) != r || (i < nun && un[i].done)) {
		trace("staleexit", r, to_r(v), mi.tag);
		pvm_freebuf(b);
		return 0;
	}
	if (i < nun)
		un[i].done = 1;
	int nb = pvm_mkbuf(PvmDataDefault), sb = pvm_setsbuf(nb);
	pvm_pkint(&v, 1, 1);
	pvm_setsbuf(sb);
	/* libpvm3 counts a packed buffer's length only when asked while the
	 * buffer is still in pack mode; made a receive buffer first, it
	 * reports length 0 for ever, and pack_msg would carry it (the
	 * program's receive buffer at a migration) as an empty message */
	struct pvmminfo packed;
	pvm_getminfo(nb, &packed);
	mi.dst = me_r;
	pvm_setminfo(nb, &mi);
	pvm_freebuf(b);
	return nb;
}

/* Wait for a flush from rtid too (once is enough). */
static int add_waiter(int rtid)
{
	for (int i = 0; i < nw; i++)
		if (w[i].rtid == rtid)
			return 0;
	w = mpp_pvm_grow(w, nw, sizeof *w);
	w[nw++] = (struct waiter){rtid, to_v(rtid), 0, 0};
	return 1;
}

/* Pack message buffer b into the active send buffer, with the header
 * fields a receive shows (tag, context, and src, the real tid it came
 * from). libpvm3's pvm_pkmesg/pvm_upkmesg lose their alignment on a
 * message without a body (the next item unpacks as garbage), so a body
 * travels only when there is one; an empty message is made anew. Tag and
 * context as b has them, or tc[0] and tc[1] when tc is given. */
static int pack_msg_tc(int b, int src, const int *tc)
{
	struct pvmminfo mi;
	if (pvm_getminfo(b, &mi) < 0)
		return -1;
	int h[5] = {src, tc ? tc[0] : mi.tag, tc ? tc[1] : mi.ctx, mi.enc, mi.len > 0};
	pvm_pkint(h, 5, 1);
	return h[4] ? pvm_pkmesg(b) : 0;
}

static int pack_msg(int b, int src)
{
	return pack_msg_tc(b, src, NULL);
}

/* The buffer packed by pack_msg whose 5 header ints h were read (a
 * forwarded one: by ctl_parse), with its real source in *src; <= 0 on
 * error. */
static int fwd_msg(const int *h, int *src)
{
	*src = h[0];
	if (h[4])
		return pvm_upkmesg();
	int b = pvm_mkbuf(h[3] == 0x10000000 ? PvmDataDefault : PvmDataRaw);
	struct pvmminfo mi = {0, h[2], h[1], 0, 0, 0, h[0], me_r};
	if (b > 0)
		pvm_setminfo(b, &mi);
	return b;
}

/* The buffer packed by pack_msg, with its real source in *src; <= 0 on
 * error. */
static int unpack_msg(int *src)
{
	int h[5];
	if (pvm_upkint(h, 5, 1) < 0)
		return -1;
	return fwd_msg(h, src);
}

static void pack_fwd(void *arg)
{
	int b = *(int *)arg;
	pack_msg(b, msg_src(b));
}

static int in_list(const int *a, int n, int x)
{
	for (int i = 0; i < n; i++)
		if (a[i] == x)
			return 1;
	return 0;
}

/* Is rtid a task of our job? Tasks we know (moved ones, children, the
 * tasks of a migration in progress, our parent), else an owner of the
 * job's mailbox class, listed again only for a sender not seen before. */
static int job_member(int rtid)
{
	struct pvmmboxinfo *cl;
	int ncl = 0;

	if (rtid <= 0)
		return 0;
	/* any place of a task that moved, its first one too (a task's
	 * previous place passes on notices and late messages after it left
	 * the mailbox) */
	if (to_v(rtid) != rtid || to_r(rtid) != rtid || rtid == me_v || rtid == me_r || rtid == dest ||
	    rtid == state_from || rtid == __real_pvm_parent() || in_list(kids, nkids, rtid) ||
	    in_list(members, nmembers, rtid))
		return 1;
	for (int i = 0; i < nw; i++)
		if (w[i].rtid == rtid)
			return 1;
	if (!mbox[0] || pvm_getmboxinfo(mbox, &ncl, &cl) < 0)
		return 0;
	for (int c = 0; c < ncl; c++)
		for (int i = 0; i < cl[c].mi_nentries; i++)
			if (!in_list(members, nmembers, cl[c].mi_owners[i])) {
				members = mpp_pvm_grow(members, nmembers, sizeof *members);
				members[nmembers++] = cl[c].mi_owners[i];
			}
	return in_list(members, nmembers, rtid);
}

static const char *exe_name(void);

/* The job's secret (MPP_PVM_SECRET, set by mpprun): 0 when it has none. */
static int job_secret(int v[2])
{
	const char *s = getenv(SECRET_VAR);
	char *end;
	if (!s || !*s)
		return 0;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 16);
	if (errno || *end)
		return 0;
	v[0] = (int)(unsigned)(x >> 32);
	v[1] = (int)(unsigned)(x & 0xffffffffu);
	return 1;
}

static void pack_status(void *arg)
{
	(void)arg;
	pvm_pkstr((char *)exe_name());
}

/* A request from outside the job (mppctl, the scheduler): accepted only
 * with the job's secret. K_CTL_MIGRATE: secret, host; K_CTL_PREPARE:
 * secret, host (start a destination there now, for a later move there);
 * K_STATUS: secret;
 * the reply goes to the sender on TAG_INFO (docs/PROTOCOL.md). */
static int handle_outside(int src, const struct mpp_ctlmsg *cm, int parsed)
{
	int kind = cm->kind;
	if (parsed == 1) {
		mpp_warn("control message (tag 0x%x, kind %d) from t%x with a wrong secret, ignored", TAG_CTL, kind,
		         src);
		return 0;
	}
	if (parsed < 0) {
		mpp_warn("control message (tag 0x%x) from t%x ignored: %s", TAG_CTL, src, mpp_err_msg());
		mpp_err_clear();
		return 0;
	}
	if (kind == K_CTL_MIGRATE || kind == K_CTL_PREPARE) {
		if (kind == K_CTL_PREPARE) {
			snprintf(prep_host, sizeof prep_host, "%s", cm->host);
			return 0;
		}
		snprintf(req_host, sizeof req_host, "%s", cm->host);
		t_req = now();
		mpp_pvm_kick = 1;
		__mpp_req = 1;
		return 0;
	}
	uint64_t polls = mpp_poll_count();
	unsigned job = 0;
	sscanf(job_name, "%x", &job);
	int r[10] = {INFO_STATUS,
	             (int)job,
	             me_v,
	             me_r,
	             __real_pvm_tidtohost(me_r),
	             (int)(unsigned)(polls >> 32),
	             (int)(unsigned)(polls & 0xffffffffu),
	             (int)(unsigned)(state_bytes >> 32),
	             (int)(unsigned)(state_bytes & 0xffffffffu),
	             moves};
	int buf = pvm_mkbuf(PvmDataDefault), old = pvm_setsbuf(buf);
	pvm_pkint(r, 10, 1);
	pack_status(NULL);
	__real_pvm_send(src, TAG_INFO);
	pvm_setsbuf(old);
	pvm_freebuf(buf);
	return 0;
}

/* MPP_PVM_CTLDUMP=DIR (tests, fuzzing corpus): each control message's
 * bytes as parsed, in DIR/kK-PID-N. */
static void ctl_dump(const unsigned char *p, size_t n)
{
	static int count;
	const char *dir = getenv("MPP_PVM_CTLDUMP");
	char name[4096];
	if (!dir || !*dir || n < 4)
		return;
	snprintf(name, sizeof name, "%s/k%d-%d-%d", dir, mpp_ctlmsg_int(p, 0), (int)getpid(), count++);
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0 && write(fd, p, n) != (ssize_t)n)
		mpp_warn("MPP_PVM_CTLDUMP: cannot write %s", name);
	if (fd >= 0)
		close(fd);
}

/* Control message bufid (the active receive buffer, read from its start)
 * checked by mpp_ctlmsg_parse: the bytes it needs are copied out of the
 * buffer (all but the body of a STATE or FWD, which stays there). Returns
 * what the parser does; cm's lists point into a buffer kept until the
 * next call. */
static int ctl_parse(int bufid, struct mpp_ctlmsg *cm)
{
	static unsigned char *bytes;
	static size_t cap;
	unsigned char k[4];
	int len = 0, tag, src, s[2] = {0, 0};
	size_t head;

	memset(cm, 0, sizeof *cm);
	if (pvm_bufinfo(bufid, &len, &tag, &src) < 0 || len < 4 || pvm_upkbyte((char *)k, 4, 1) < 0)
		return mpp_err_set(MPP_EFORMAT, "control message of %d bytes, without a kind", len);
	if (!(head = mpp_ctlmsg_head(k, (size_t)len)))
		return mpp_err_set(MPP_EFORMAT, "control message of %d bytes, longer than %u", len, MPP_CM_MAX);
	if (head > cap) {
		unsigned char *b = realloc(bytes, head);
		if (!b)
			return mpp_err_set(MPP_ENOMEM, "no memory for a control message of %d bytes", len);
		bytes = b;
		cap = head;
	}
	memcpy(bytes, k, 4);
	if (head > 4 && pvm_upkbyte((char *)bytes + 4, (int)(head - 4), 1) < 0)
		return mpp_err_set(MPP_EFORMAT, "control message of %d bytes cannot be read", len);
	ctl_dump(bytes, head);
	int has = job_secret(s);
	uint32_t want[2] = {(uint32_t)s[0], (uint32_t)s[1]};
	return mpp_ctlmsg_parse(cm, bytes, head, has ? want : NULL);
}

/* A control message, now the active receive buffer. Returns 1 when the
 * buffer is kept (our state), 0 when it may be freed. */
static int handle(int bufid)
{
	struct mpp_ctlmsg cm = {0};
	int src = msg_src(bufid), kind = 0, *v = cm.v, parsed = 0;

	/* exit notifications come from a daemon (its tid has the top bit
	 * set), requests from outside the job carry its secret, other control
	 * messages come from a task of the job */
	if (msg_tag(bufid) == TAG_CTL) {
		parsed = ctl_parse(bufid, &cm);
		kind = cm.kind;
		if (mpp_ctlmsg_outside(kind))
			return handle_outside(src, &cm, parsed);
	}
	if (msg_tag(bufid) == TAG_EXIT ? src >= 0 : !job_member(src)) {
		mpp_warn("control message (tag 0x%x) from t%x, not %s, ignored", msg_tag(bufid), src,
		         msg_tag(bufid) == TAG_EXIT ? "a PVM daemon" : "a task of this job");
		return 0;
	}
	if (msg_tag(bufid) == TAG_EXIT) {
		if (pvm_upkint(v, 1, 1) >= 0) {
			if (dest > 0 && v[0] == dest)
				dest_gone = 1;
			if (spare > 0 && v[0] == spare)
				spare = 0; /* a spare destination that ended */
			if (state_from && v[0] == state_from)
				spawner_gone = 1;
			if (source && v[0] == source) {
				source = 0;
				source_gone = 1;
			}
			flush_clear(v[0], 0);
			pend_drop(0, v[0]);
			trace("exit", v[0], me_r, 0);
			relist = 1;
		}
		return 0;
	}
	if (parsed < 0) {
		mpp_warn("control message (tag 0x%x) from t%x ignored: %s", TAG_CTL, src, mpp_err_msg());
		mpp_err_clear();
		return 0;
	}
	switch (kind) {
	case K_MAP:
		for (int i = 0; i < cm.nlist; i++)
			set_map(mpp_ctlmsg_int(cm.list, 3 * i), mpp_ctlmsg_int(cm.list, 3 * i + 1),
			        mpp_ctlmsg_int(cm.list, 3 * i + 2));
		for (int i = 0; i < cm.nlist2; i++)
			add_rev(mpp_ctlmsg_int(cm.list2, 2 * i + 1), mpp_ctlmsg_int(cm.list2, 2 * i));
		got_map = 1;
		break;
	case K_NOTICE: /* v[0] moves from v[1] to v[2], epoch v[3] */
		set_map(v[0], v[2], v[3]);
		trace("notice", v[1], v[2], src);
		if (dest > 0 && acked >= 0) {
			/* we are leaving and our state is gone: our destination
			 * answers for us, after anything it sends to the old place */
			ctl_send(dest, K_NOTICE, v, 4, NULL, NULL);
			int mv[3] = {me_v, me_r, dest};
			ctl_send(v[1], K_MOVED, mv, 3, NULL, NULL);
		} else {
			pend_add(v[0], v[1], v[2], v[3]);
			for (int i = 0; i < nkids; i++)
				ctl_send(kids[i], K_NOTICE, v, 4, NULL, NULL);
			ctl_send(v[1], K_FLUSH, &me_v, 1, pack_kids, NULL);
		}
		break;
	case K_FLUSH: { /* its vtid, then the children it passed the notice on to */
		for (int i = 0; i < cm.nlist; i++)
			relist |= add_waiter(mpp_ctlmsg_int(cm.list, i)); /* to watch its exit */
		flush_clear(src, 0);
		trace("flushfrom", src, me_r, 0);
		break;
	}
	case K_READY:
		for (int i = 0; i < nkids; i++)
			if (kids[i] == src) {
				kids[i] = kids[--nkids];
				break;
			}
		break;
	case K_MOVED:
		trace("moved", v[1], v[2], src);
		set_map(v[0], v[2], 0);
		flush_clear(v[1], v[2]);
		break;
	case K_MIGRATE:
		snprintf(req_host, sizeof req_host, "%s", cm.host);
		t_req = now();
		mpp_pvm_kick = 1;
		__mpp_req = 1;
		break;
	case K_ACK:
		trace("ack", src, dest, 0);
		if (src == dest)
			acked = 1;
		break;
	case K_WAKE:
		if (state_from && src == state_from) {
			trace("woken", src, v[0], 0);
			me_v = v[0];
			woken = 1;
		}
		break;
	case K_DATAPORT:
		if (dest > 0 && src == dest && !got_port) {
			port_ip = v[0];
			port_num = v[1];
			got_port = 1;
			trace("dataport", src, me_r, v[1]);
		} else
			mpp_warn("unexpected DATAPORT from t%x ignored", src);
		break;
	case K_STATE:
	case K_STATEDATA: {
		int *slot = kind == K_STATE ? &state_buf : &data_buf;
		if (state_from && src == state_from && !*slot) {
			*slot = bufid;
			return 1;
		}
		mpp_warn("unexpected state %s from t%x ignored", kind == K_STATE ? "message" : "bytes", src);
		break;
	}
	case K_SHADOW: { /* a copy of a message a peer sent to v[0], our destination */
		int from, nb = fwd_msg(v + 1, &from);
		if (nb <= 0)
			break;
		struct held x = {nb, from, msg_tag(nb)};
		trace("shadowin", from, v[0], x.tag);
		if (dest > 0 && v[0] == dest && acked > 0) {
			pvm_freebuf(nb); /* the destination has the message */
		} else if (dest > 0 && v[0] == dest) {
			sh = mpp_pvm_grow(sh, nsh, sizeof *sh); /* until we know */
			sh[nsh++] = x;
		} else if (dest > 0 && acked > 0) { /* that move failed: ours, and we left */
			forward(nb);
		} else { /* that move failed: the message is ours */
			q = mpp_pvm_grow(q, nq, sizeof *q);
			q[nq++] = x;
		}
		break;
	}
	case K_FWD: { /* a late message forwarded by our previous place */
		int from, nb;
		if ((nb = fwd_msg(v, &from)) > 0) {
			trace("fwdin", from, me_r, msg_tag(nb));
			q = mpp_pvm_grow(q, nq, sizeof *q);
			q[nq++] = (struct held){nb, from, msg_tag(nb)};
		}
		break;
	}
	}
	return 0;
}

static void keep(int bufid)
{
	q = mpp_pvm_grow(q, nq, sizeof *q);
	q[nq++] = (struct held){bufid, msg_src(bufid), msg_tag(bufid)};
}

/* One receive through the matcher with the given mode (how: 0 nrecv,
 * 1 recv, 2 trecv). Returns <0 on error, 0 when nothing came, 1 when
 * something did: a control message (handled), or an application message,
 * kept in the queue when keep_app, else left active and put in *got. */
static int prog_recv; /* recv_step works for a receive of the program */

static int recv_step(int ctl, int app, int vt, int tag, int how, struct timeval *tmo, int keep_app, int *got)
{
	__typeof__(m) saved = m;
	int b;

	if (got)
		*got = 0;
	m.active = 1;
	m.ctl = ctl;
	m.app = app;
	m.vt = vt;
	m.tag = tag;
	m.hide = prog_recv;
	b = how == 1 ? __real_pvm_recv(-1, -1) : how == 2 ? __real_pvm_trecv(-1, -1, tmo) : __real_pvm_nrecv(-1, -1);
	m = saved;
	if (b <= 0)
		return b;
	if (is_ctl_tag(msg_tag(b))) {
		int kept = handle(b);
		pvm_setrbuf(0);
		if (!kept)
			pvm_freebuf(b);
		return 1;
	}
	if (npend)
		pend_arrived(msg_src(b));
	if (keep_app || !got) {
		pvm_setrbuf(0);
		keep(b);
		trace("keep", msg_src(b), me_r, msg_tag(b));
	} else {
		trace("recv", msg_src(b), me_r, msg_tag(b));
		/* an exit notification is fixed only for the program: one that
		 * a leaving task passes on is fixed where it is received */
		if (prog_recv) {
			pvm_setrbuf(0);
			if ((b = unotify_fix(b)) > 0) /* 0: an old place's exit */
				pvm_setrbuf(b);
		}
		*got = b;
	}
	return 1;
}

/* Handle every control message waiting, leaving the program's buffers. */
static void drain_ctl(void)
{
	int saved = pvm_setrbuf(0);
	while (recv_step(1, 0, -1, -1, 0, NULL, 0, NULL) > 0)
		;
	pvm_setrbuf(saved);
}

static void on_io(int sig)
{
	(void)sig;
	mpp_pvm_kick = 1;
	__mpp_req = 1;
}

/* Ask for SIGIO on the sockets to the daemon, so that a computing task
 * looks at control messages at its next poll point. */
static void arm_io(void)
{
	static int nfds_armed = -1;
	struct sigaction sa;
	int *fds, n = pvm_getfds(&fds);

	if (n == nfds_armed || n <= 0 || getenv("MPP_PVM_NOSIGIO"))
		return;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_io;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGIO, &sa, NULL)) {
		mpp_warn("cannot install the SIGIO handler: control messages are seen at receives only");
		return;
	}
	for (int i = 0; i < n; i++) {
		int fl = fcntl(fds[i], F_GETFL);
		if (fl < 0 || fcntl(fds[i], F_SETOWN, getpid()) || fcntl(fds[i], F_SETFL, fl | O_ASYNC))
			mpp_warn("cannot ask for SIGIO on PVM socket %d: %s", fds[i], strerror(errno));
	}
	nfds_armed = n;
}

/* Every mpp task of a job keeps an entry (its virtual tid) in the job's
 * mailbox class: who has to be told when a task moves. */
static void join_mbox(void)
{
	const char *job = getenv(JOB_VAR);
	unsigned j = 0;
	if (!job || sscanf(job, "%x", &j) != 1)
		j = (unsigned)me_v; /* the root of a job started without mpprun */
	snprintf(job_name, sizeof job_name, "%x", j);
	snprintf(mbox, sizeof mbox, "mpp.job.%x", j);
	int buf = pvm_mkbuf(PvmDataDefault), old = pvm_setsbuf(buf);
	pvm_pkint(&me_v, 1, 1);
	mbox_index = pvm_putinfo(mbox, buf, PvmMboxMultiInstance);
	if (mbox_index < 0)
		mpp_warn("cannot register in the '%s' mailbox: migrations will not notify this task", mbox);
	snprintf(vtbox, sizeof vtbox, "mpp.vt.%x.%x", j, (unsigned)me_v);
	vtbox_index = pvm_putinfo(vtbox, buf, PvmMboxMultiInstance);
	if (vtbox_index < 0)
		mpp_warn("cannot register in the '%s' mailbox: mpprun and mppctl will not find this task", vtbox);
	pvm_setsbuf(old);
	pvm_freebuf(buf);
}

static void leave_mbox(void)
{
	if (mbox_index >= 0)
		pvm_delinfo(mbox, mbox_index, 0);
	mbox_index = -1;
	if (vtbox_index >= 0)
		pvm_delinfo(vtbox, vtbox_index, 0);
	vtbox_index = -1;
}

static void wait_for(int *flag)
{
	int saved = pvm_setrbuf(0);
	while (!*flag)
		if (recv_step(1, 0, -1, -1, 1, NULL, 0, NULL) < 0) {
			mpp_warn("PVM receive failed while waiting for a control message");
			break;
		}
	pvm_setrbuf(saved);
}

/* Started by mpprun (MPP_PVM_RUNNER): tell it that this process now
 * serves a task (INFO_BEGIN), that the task ends as the program meant
 * (INFO_END: pvm_exit, or the end of the program), or that the program
 * kills task vtid (INFO_KILLED), so that a process that ends otherwise
 * (killed from outside, crashed, its host gone) is known to be lost. */
static void tell_runner(int what, int vtid)
{
	const char *s = getenv(RUNNER_VAR);
	unsigned t = 0, job = 0;
	if (runner_ended || !enrolled || !s || sscanf(s, "%x", &t) != 1 || !t)
		return;
	runner_ended = what == INFO_END;
	sscanf(job_name, "%x", &job);
	int v[3] = {what, (int)job, vtid};
	int buf = pvm_mkbuf(PvmDataDefault), old = pvm_setsbuf(buf);
	pvm_pkint(v, 3, 1);
	__real_pvm_send((int)t, TAG_INFO);
	pvm_setsbuf(old);
	pvm_freebuf(buf);
}

/* A process that took a state ends only after its source has: the source
 * may not have read the ACK yet. Nothing orders the ACK with this
 * process's exit notice (when a large state went over a libpvm3 direct
 * route, the ACK took the route and the notice the daemons), and a source
 * that met the notice first would take this process for lost and go on
 * too: the task's last steps would run twice. The source ends right after
 * the ACK; it is waited for when this process ends, or leaves in its turn
 * (docs/PROTOCOL.md, step 9). */
static void wait_source(void)
{
	if (source_gone || !enrolled)
		return;
	trace("waitsource", source, me_r, 0);
	wait_for(&source_gone);
}

static void tell_runner_end(void)
{
	wait_source();
	tell_runner(INFO_END, me_v);
}

static void watch_end(void)
{
	static int done;
	if (!done && atexit(tell_runner_end))
		mpp_warn("cannot register the end of t%x with mpprun", me_v);
	done = 1;
	tell_runner(INFO_BEGIN, me_v);
}

static void prespawn(void);

static int enroll(void)
{
	if (enrolled)
		return me_r;
	int r = __real_pvm_mytid();
	if (r < 0)
		return r;
	enrolled = 1;
	me_r = me_v = r;
	pvm_recvf(match);
	const char *rv = getenv("MPP_PVM_ROOT"); /* started by mpprun */
	int root = rv != NULL, hold = rv && strcmp(rv, "wait") == 0;
	unsetenv("MPP_PVM_ROOT");
	join_mbox();
	arm_io();
	watch_end();
	if (hold) {
		/* one of several roots: mpprun says go once all of them are in
		 * the mailbox, so a root that moves early tells every other */
		wait_for(&got_map);
		drain_ctl();
	} else if (getenv(CHILD_VAR)) {
		unsetenv(CHILD_VAR);
		wait_for(&got_map);
		ctl_send(__real_pvm_parent(), K_READY, NULL, 0, NULL, NULL);
		drain_ctl(); /* notices passed on by the parent meanwhile */
	}
	int p = __real_pvm_parent();
	parent_v = root ? PvmNoParent : p > 0 ? to_v(p) : p;
	prespawn();
	return r;
}

/* Environment for a task we spawn: var=val, the job's name and our MPP_*
 * controls, exported through PVM_EXPORT. The program's environ is given
 * back afterwards as it was (it is part of the state). */
static char **export_env(const char *var, const char *val)
{
	extern char **environ;
	char **saved = environ;
	const char *old = getenv("PVM_EXPORT");
	size_t len = (old ? strlen(old) : 0) + strlen(var) + sizeof JOB_VAR + 4;

	for (char **e = environ; *e; e++)
		if (strncmp(*e, "MPP_", 4) == 0)
			len += strcspn(*e, "=") + 1;
	char *s = malloc(len), *p = s;
	if (!s)
		return saved;
	p += sprintf(p, "%s%s%s:%s", old ? old : "", old && *old ? ":" : "", var, JOB_VAR);
	for (char **e = environ; *e; e++) {
		size_t n = strcspn(*e, "=");
		if (strncmp(*e, "MPP_", 4) == 0 && !(n == strlen(var) && strncmp(*e, var, n) == 0) &&
		    !(n == strlen(JOB_VAR) && strncmp(*e, JOB_VAR, n) == 0))
			p += sprintf(p, ":%.*s", (int)n, *e);
	}
	if (setenv(var, val, 1) || setenv(JOB_VAR, job_name, 1) || setenv("PVM_EXPORT", s, 1))
		mpp_warn("cannot set the environment of a task to spawn");
	free(s);
	return saved;
}

static void unexport_env(char **saved)
{
	extern char **environ;
	environ = saved;
}

static const char *exe_name(void)
{
	static char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n <= 0)
		return program_invocation_short_name;
	buf[n] = 0;
	char *slash = strrchr(buf, '/');
	return slash ? slash + 1 : buf;
}

static const char *next_host(void)
{
	static char name[256];
	struct pvmhostinfo *hi;
	int nh, na, i, mine = __real_pvm_tidtohost(me_r);

	if (__real_pvm_config(&nh, &na, &hi) < 0 || nh <= 0)
		return NULL;
	for (i = 0; i < nh; i++)
		if (hi[i].hi_tid == mine)
			break;
	snprintf(name, sizeof name, "%s", hi[(i + 1) % nh].hi_name);
	return name;
}

/* Events also go to the scheduler when one runs (its tid is in the
 * "mpp.sched" mailbox entry): INFO_EVENT, the job, the line. Looked up once
 * per process, after the timings were taken. */
static void send_event(const char *line, int n)
{
	static int sched = 0; /* 0: not looked up yet, -1: none */
	if (!sched) {         /* the owner of the entry, not its value (see join_mbox) */
		struct pvmmboxinfo *cl;
		int ncl = 0;
		sched = -1;
		if (pvm_getmboxinfo(SCHED_MBOX, &ncl, &cl) >= 0)
			for (int c = 0; c < ncl; c++)
				if (strcmp(cl[c].mi_name, SCHED_MBOX) == 0 && cl[c].mi_nentries > 0 &&
				    cl[c].mi_owners[0] > 0)
					sched = cl[c].mi_owners[0];
	}
	if (sched <= 0)
		return;
	unsigned job = 0;
	sscanf(job_name, "%x", &job);
	int v[2] = {INFO_EVENT, (int)job};
	char text[1024];
	snprintf(text, sizeof text, "%.*s", n, line);
	int buf = pvm_mkbuf(PvmDataDefault), old = pvm_setsbuf(buf);
	pvm_pkint(v, 2, 1);
	pvm_pkstr(text);
	__real_pvm_send(sched, TAG_INFO);
	pvm_setsbuf(old);
	pvm_freebuf(buf);
}

static void event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void event(const char *fmt, ...)
{
	const char *path = getenv("MPP_EVENTS");
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	mpp_info("%.*s", n - 1, line);
	send_event(line, n - 1);
	if (path) {
		int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
		if (fd >= 0) {
			if (write(fd, line, (size_t)n) != n)
				mpp_warn("cannot append to MPP_EVENTS '%s'", path);
			close(fd);
		}
	}
}

/* Start a process of this program on host that waits, dormant, to take
 * over a state (docs/PROTOCOL.md): returns its tid or a PVM error. */
static int start_dest(const char *host)
{
	char role[64] = "dest";
	if (fault == F_DEST_AFTER_WAKE || fault == F_DEST_BEFORE_ACK || fault == F_DEST_AFTER_ACK ||
	    fault == F_DEST_NOSTREAM)
		snprintf(role, sizeof role, "dest:%s", fault_names[fault]);
	char **saved = export_env(ROLE_VAR, role);
	int d = 0, n = __real_pvm_spawn((char *)exe_name(), NULL, PvmTaskHost, (char *)host, 1, &d);
	unexport_env(saved);
	return n == 1 ? d : d < 0 ? d : PvmSysErr;
}

/* With MPP_MIGRATE_EVERY, where the next move goes is known: start the
 * destination now, so that the move does not wait for a new process. */
/* Starts the spare destination on host (its exit watched: one that ended
 * is no spare any more); PVM's error when it cannot. */
static int start_spare(const char *host)
{
	int d = start_dest(host);
	if (d > 0) {
		spare = d;
		snprintf(spare_host, sizeof spare_host, "%s", host);
		__real_pvm_notify(PvmTaskExit, TAG_EXIT, 1, &d);
	}
	return d;
}

static void prespawn(void)
{
	const char *h;
	if (!mpp_ctl.migrate_every || spare > 0 || !(h = next_host()))
		return;
	start_spare(h);
}

/* The scheduler names the host this task would go to next: start the
 * destination there now (K_CTL_PREPARE), at a poll point or in a receive,
 * so that a move there does not wait for a new process. */
static void prepare_spare(void)
{
	char host[sizeof prep_host];
	snprintf(host, sizeof host, "%s", prep_host);
	prep_host[0] = 0;
	if (spare > 0 && strcmp(spare_host, host) == 0)
		return;
	if (spare > 0)
		__real_pvm_kill(spare);
	spare = 0;
	int d = start_spare(host);
	if (d <= 0)
		mpp_warn("cannot start a destination in advance for t%x on host '%s' (PVM error %d)", me_v, host, d);
}

/* Find the job's tasks in the mailbox (plus our children not registered
 * yet) and tell each new one where we go; watch every waiter's exit. Run
 * again when a peer ends during the flush: a task that left registered
 * its destination before it ended, and that one must hear of us too. */
static void tell_peers(void)
{
	struct pvmmboxinfo *cl;
	int ncl = 0;

	relist = 0;
	if (pvm_getmboxinfo(mbox, &ncl, &cl) >= 0) {
		for (int c = 0; c < ncl; c++)
			for (int i = 0; i < cl[c].mi_nentries; i++) {
				int o = cl[c].mi_owners[i];
				if (o != me_r && o != dest && o > 0 && add_waiter(o))
					ctl_send(o, K_NOTICE, notice, 4, NULL, NULL);
			}
	}
	for (int i = 0; i < nkids; i++)
		if (add_waiter(kids[i]))
			ctl_send(kids[i], K_NOTICE, notice, 4, NULL, NULL);
	for (int i = 0; i < nw; i++)
		if (!w[i].armed) {
			__real_pvm_notify(PvmTaskExit, TAG_EXIT, 1, &w[i].rtid);
			w[i].armed = 1;
		}
	mpp_debug("t%x moves to t%x: %d peers to flush", me_v, dest, nw);
}

/* Start a destination on host and flush every peer's channel to us.
 * 1: ready to unwind; 0: the migration did not start (we go on). */
static int prepare(const char *host)
{
	t_start = t_req > 0 ? t_req : now();
	t_req = 0;
	int d = 0, fresh = 0;
	if (spare > 0 && strcmp(spare_host, host) == 0) {
		/* started in advance: no waiting for a process (its exit is
		 * watched: one that ended is no spare any more) */
		d = spare;
	} else {
		if (spare > 0)
			__real_pvm_kill(spare);
		d = start_dest(host);
		fresh = 1;
	}
	spare = 0;
	t_spawn = now();
	if (d <= 0) {
		mpp_warn("cannot start a destination for t%x on host '%s' (PVM error %d): staying here", me_v, host, d);
		return 0;
	}
	ctl_send(d, K_WAKE, &me_v, 1, NULL, NULL);
	dest = d;
	acked = -1; /* not yet sent */
	dest_gone = 0;
	if (fault == F_SRC_AFTER_SPAWN)
		fault_die(fault, me_v);

	nw = 0;
	nflushed = 0;
	epoch++;
	notice[0] = me_v;
	notice[1] = me_r;
	notice[2] = d;
	notice[3] = epoch;
	if (fresh)
		__real_pvm_notify(PvmTaskExit, TAG_EXIT, 1, &d);
	tell_peers();
	t_notify = now();
	if (fault == F_SRC_AFTER_NOTICE)
		fault_die(fault, me_v);

	int saved_rbuf = pvm_setrbuf(0);
	for (;;) {
		int left = 0;
		if (relist) /* before counting: the successor of the last one */
			tell_peers();
		for (int i = 0; i < nw; i++)
			left += !w[i].done;
		if (fault == F_SRC_IN_FLUSH && (left < nw || !nw))
			fault_die(fault, me_v);
		if (!left)
			break;
		/* an exit notice may never come for a task that was gone
		 * before we asked (seen across hosts): look every 100 ms */
		struct timeval tmo = {0, 100000};
		int rc = recv_step(1, 1, -1, -1, 2, &tmo, 1, NULL);
		if (rc < 0) {
			mpp_warn("PVM receive failed while flushing peers");
			break;
		}
		if (rc == 0)
			for (int i = 0; i < nw; i++)
				if (!w[i].done && __real_pvm_pstat(w[i].rtid) == PvmNoTask) {
					flush_clear(w[i].rtid, 0);
					relist = 1;
				}
	}
	pvm_setrbuf(saved_rbuf);
	for (int i = 0; i < nw; i++)
		trace("peer", w[i].rtid, dest, w[i].done);
	t_flush = now();
	set_map(me_v, d, epoch);
	return 1;
}

/* Whether buffer b exists (asked without libpvm3's error message). */
int mpp_pvm_buf_exists(int b)
{
	struct pvmminfo mi;
	if (b <= 0)
		return 0;
	int ae = __real_pvm_setopt(PvmAutoErr, 0), rc = pvm_getminfo(b, &mi);
	__real_pvm_setopt(PvmAutoErr, ae);
	return rc >= 0;
}

/* Takes buffer id want with an empty buffer, to be freed just before
 * the buffer that must get the id is made: libpvm3 hands out the id
 * freed last first. 0 when want is taken or too far. */
static int reserve(int want)
{
	int *held = NULL, n = 0, b, ok = 0;
	if (mpp_pvm_buf_exists(want))
		return 0;
	while (n < 4096 && (b = pvm_mkbuf(PvmDataDefault)) > 0) {
		if (b == want) {
			ok = 1;
			break;
		}
		held = mpp_pvm_grow(held, n, sizeof *held);
		held[n++] = b;
	}
	while (n > 0)
		pvm_freebuf(held[--n]);
	free(held);
	return ok;
}

/* A copy of buffer b (freed) under a new id: want when it is > 0 and
 * free. b itself when it cannot be copied. */
static int buf_copy(int b, int want)
{
	struct pvmminfo mi;
	if (pvm_getminfo(b, &mi) < 0)
		return b;
	int held = want > 0 && reserve(want);
	int t = pvm_mkbuf(PvmDataDefault), os = pvm_setsbuf(t), body = mi.len > 0;
	if (body && pvm_pkmesg(b) < 0)
		body = -1;
	pvm_setsbuf(os);
	int orb = pvm_setrbuf(t), nb = -1;
	if (held)
		pvm_freebuf(want);
	if (body >= 0)
		nb = body ? pvm_upkmesg() : pvm_mkbuf(mi.enc == 0x10000000 ? PvmDataDefault : PvmDataRaw);
	pvm_setrbuf(orb == t ? 0 : orb);
	pvm_freebuf(t);
	if (nb <= 0)
		return b;
	if (!body)
		pvm_setminfo(nb, &mi);
	pvm_freebuf(b);
	return nb;
}

/* At a destination: program buffer k of pb moved to the id it had at the
 * source, want, since the program holds that id across the migration
 * point. A buffer of the PVM layer or of the program that has that id
 * here is moved out of the way first. Returns the buffer's id. */
static int keep_id(struct pbuf *pb, int n, int k)
{
	int want = pb[k].want, *slot = NULL;
	for (int i = 0; i < nq && !slot; i++)
		if (q[i].bufid == want)
			slot = &q[i].bufid;
	for (int i = 0; i < n && !slot; i++)
		if (i != k && pb[i].local == want)
			slot = &pb[i].local;
	if (slot) {
		*slot = buf_copy(*slot, 0);
	} else if (mpp_pvm_grp_holds(want)) {
		int nb = buf_copy(want, 0);
		if (nb != want)
			mpp_pvm_grp_moved(want, nb);
	}
	int nb = buf_copy(pb[k].local, want);
	if (nb != want)
		trace("bufid", want, nb, k);
	return nb;
}

/* Whether buffer b belongs to the PVM layer: a carried message, a held
 * SHADOW, a pending group message. */
static int layer_buf(int b)
{
	for (int i = 0; i < nq; i++)
		if (q[i].bufid == b)
			return 1;
	for (int i = 0; i < nsh; i++)
		if (sh[i].bufid == b)
			return 1;
	return mpp_pvm_grp_holds(b);
}

static void pack_state(void *arg)
{
	const struct mpp_buf *st = arg;
	int hdr[4] = {me_v, parent_v, epoch, moves + 1};
	pvm_pkint(hdr, 4, 1);
	pack_map(NULL);
	pack_kids(NULL);
	pack_unotes();
	pack_pend();
	pack_opts();
	mpp_pvm_grp_pack();
	pvm_pkint(&nq, 1, 1);
	for (int i = 0; i < nq; i++) {
		trace("carry", q[i].rsrc, dest, q[i].tag);
		int rc = pack_msg(q[i].bufid, q[i].rsrc);
		if (rc < 0)
			mpp_warn("pkmesg of carried message %d (buffer %d) failed: %d", i, q[i].bufid, rc);
	}
	/* the program's buffers: it may have packed a message it sends after
	 * this point (or sends one again and again), may still unpack the one
	 * it received, or keep others to use later */
	int *ids = malloc(MAX_PBUFS * sizeof *ids), n = 0, mine = pvm_getsbuf();
	if (!ids)
		mpp_warn("no memory to list the program's message buffers: none travels");
	for (int k = 0; k < 2 && ids; k++)
		if (mpp_pvm_buf_exists(prog_buf[k]) && !(k && prog_buf[1] == prog_buf[0]))
			ids[n++] = prog_buf[k];
	int end = n + (ids ? mpp_pvm_upk_ids(ids + n, MAX_PBUFS - n) : 0);
	for (int i = n; i < end; i++)
		if (ids[i] != prog_buf[0] && ids[i] != prog_buf[1] && ids[i] != mine && !layer_buf(ids[i]))
			ids[n++] = ids[i];
	trace("packbufs", prog_buf[0], prog_buf[1], n);
	pvm_pkint(&n, 1, 1);
	for (int i = 0; i < n; i++) {
		int h[2] = {ids[i], (ids[i] == prog_buf[0]) | (ids[i] == prog_buf[1]) << 1};
		pvm_pkint(h, 2, 1);
		if (pack_msg(ids[i], 0) < 0)
			mpp_warn("pkmesg of the program's message buffer %d failed", ids[i]);
		mpp_pvm_upk_pack(ids[i]); /* how far it has read it: a copy starts at its beginning */
	}
	free(ids);
	uint64_t len = st->len;
	int lh[2] = {(int)(len >> 32), (int)(len & 0xffffffffu)};
	pvm_pkint(lh, 2, 1);
	pvm_pkint(&state_apart, 1, 1);
	if (state_apart == APART_STREAM)
		pvm_pkbyte((char *)state_token, MPP_STATESOCK_TOKEN, 1);
	for (uint64_t off = 0; !state_apart && off < len; off += CHUNK) {
		uint64_t k = len - off < CHUNK ? len - off : CHUNK;
		pvm_pkbyte((char *)st->p + off, (int)k, 1);
	}
}

/* The bytes of a large state, right after its STATE (the same route):
 * packed in place, so that libpvm3 writes them from the state itself
 * rather than copying them into fragments first; bytes, read alike on
 * any architecture. */
static int send_state_data(const struct mpp_buf *st)
{
	unsigned char kind[4] = {0, 0, 0, K_STATEDATA}; /* an XDR int */
	int buf = pvm_mkbuf(PvmDataInPlace), old = pvm_setsbuf(buf), rc = 0;

	if (pvm_pkbyte((char *)kind, 4, 1) < 0)
		rc = -1;
	for (uint64_t off = 0; rc >= 0 && off < st->len; off += CHUNK) {
		uint64_t k = st->len - off < CHUNK ? st->len - off : CHUNK;
		if (pvm_pkbyte((char *)st->p + off, (int)k, 1) < 0)
			rc = -1;
	}
	if (rc >= 0)
		rc = __real_pvm_send(dest, TAG_CTL);
	pvm_setsbuf(old);
	pvm_freebuf(buf);
	return rc;
}

/* The token of a STATE whose bytes come over the layer's connection: 16
 * random bytes, which only the destination learns (in the STATE, from a
 * task of the job), and which a connection must show first. */
static void new_token(unsigned char *t)
{
	size_t got = 0;
	while (got < MPP_STATESOCK_TOKEN) {
		ssize_t r = getrandom(t + got, MPP_STATESOCK_TOKEN - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got < MPP_STATESOCK_TOKEN) { /* no getrandom: not secret, still unique */
		uint64_t x = (uint64_t)(now() * 1e9) ^ (uint64_t)getpid() << 32 ^ (uint64_t)me_r;
		for (int i = 0; i < MPP_STATESOCK_TOKEN; i++, x = x * 6364136223846793005ULL + 1442695040888963407ULL)
			t[i] = (unsigned char)(x >> 56);
	}
}

/* The bytes of a large state, once its STATE is sent: over the
 * connection D names in its DATAPORT, or, when D cannot listen or T
 * cannot connect, in a STATEDATA through the daemons. Messages that come
 * meanwhile are kept, as while T waits for the ACK. */
static int send_state_apart(const struct mpp_buf *st)
{
	got_port = 0;
	while (!got_port && !dest_gone)
		if (recv_step(1, 1, -1, -1, 1, NULL, 1, NULL) < 0)
			return -1;
	if (dest_gone)
		return -1;
	if (port_num > 0 && fault == F_SRC_NOSTREAM)
		mpp_info("MPP_PVM_FAULT=%s: not connecting to t%x", fault_names[fault], dest);
	else if (port_num > 0) {
		int rc = mpp_statesock_send((uint32_t)port_ip, port_num, state_token, st->p, st->len);
		if (rc == 0) {
			trace("streamsent", me_r, dest, port_num);
			return 0;
		}
		if (rc < 0) {
			mpp_warn("%s", mpp_err_msg());
			mpp_err_clear();
			return -1;
		}
		mpp_info("%s: the state goes through the PVM daemons", mpp_err_msg());
		mpp_err_clear();
	}
	trace("datasent", me_r, dest, port_num);
	return send_state_data(st);
}

static void forward(int b)
{
	trace("forward", msg_src(b), dest, msg_tag(b));
	ctl_send(dest, K_FWD, NULL, 0, pack_fwd, &b);
	pvm_setrbuf(0);
	pvm_freebuf(b);
}

static void hook_leave(const struct mpp_buf *st)
{
	double t_cap = now();
	if (fault == F_SRC_AFTER_CAPTURE)
		fault_die(fault, me_v);
	int saved = pvm_setrbuf(0);
	prog_buf[0] = pvm_getsbuf();
	prog_buf[1] = saved;

	/* everything already here travels with the state */
	while (recv_step(1, 1, -1, -1, 0, NULL, 1, NULL) > 0)
		;
	acked = 0;
	if (fault == F_DEST_BEFORE_STATE) {
		mpp_warn("MPP_PVM_FAULT: killing destination t%x before it takes the state", dest);
		__real_pvm_kill(dest);
		wait_for(&dest_gone);
	}
	int nsent = nq; /* the messages that travel with the state */
	/* a large state's bytes go over a TCP connection of the layer's own,
	 * not through the daemons (docs/PROTOCOL.md, step 6), straight from
	 * the state: D listens and names its port in a DATAPORT; the rest of
	 * the STATE (carried messages too) in fragments of 1 MiB rather than
	 * 4 KiB (each costs a select, a write and a read) */
	int big = st->len >= (256u << 10) && !dest_gone;
	prog_frag = big ? __real_pvm_setopt(PvmFragSize, STATE_FRAG) : -1;
	if (big)
		new_token(state_token);
	state_apart = big ? APART_STREAM : 0;
	int sent = ctl_send(dest, K_STATE, NULL, 0, pack_state, (void *)st);
	if (big && sent >= 0)
		sent = send_state_apart(st);
	state_apart = 0;
	if (prog_frag >= 0)
		__real_pvm_setopt(PvmFragSize, prog_frag);
	prog_frag = -1;
	if (sent < 0) {
		mpp_warn("cannot send the state to t%x", dest);
		dest_gone = 1;
	}
	double t_sent = now();
	trace("statesent", me_r, dest, (int)st->len);
	if (fault == F_SRC_BEFORE_ACK && sent >= 0)
		fault_die(fault, me_v);
	if (fault == F_SRC_SLOW_BEFORE_ACK && sent >= 0) {
		mpp_warn("MPP_PVM_FAULT=%s: t%x (process t%x) pauses 2 s", fault_names[fault], me_v, me_r);
		struct timespec pause = {2, 0};
		while (nanosleep(&pause, &pause) < 0 && errno == EINTR)
			;
	}
	/* late messages are kept until the destination has the state: if it
	 * is lost, they are ours to receive */
	while (!acked && !dest_gone)
		if (recv_step(1, 1, -1, -1, 1, NULL, 1, NULL) < 0)
			break;
	double t_ack = now();
	if (!acked) {
		mpp_warn("destination t%x lost before it took the state: t%x goes on here", dest, me_v);
		/* what peers sent to it since they were told is ours (in order,
		 * after all they sent here before their FLUSH) */
		for (int i = 0; i < nsh; i++) {
			q = mpp_pvm_grow(q, nq, sizeof *q);
			q[nq++] = sh[i];
		}
		nsh = 0;
		epoch++;
		set_map(me_v, me_r, epoch);
		int v[4] = {me_v, dest, me_r, epoch};
		for (int i = 0; i < nw; i++)
			ctl_send(w[i].rtid, K_NOTICE, v, 4, NULL, NULL);
		dest = 0;
		nw = 0;
		pvm_setrbuf(saved);
		return;
	}
	for (int i = 0; i < nsh; i++)
		pvm_freebuf(sh[i].bufid); /* the destination has them */
	nsh = 0;
	if (fault == F_SRC_AFTER_ACK)
		fault_die(fault, me_v);
	/* anything that still comes here goes on to the destination */
	for (int i = nsent; i < nq; i++) {
		forward(q[i].bufid);
	}
	nq = nsent;
	for (;;) {
		int b, rc = recv_step(1, 1, -1, -1, 0, NULL, 0, &b);
		if (rc <= 0)
			break;
		if (b > 0)
			forward(b);
	}
	double t0 = t_start;
	event("migrate vtid=t%x from=t%x to=t%x bytes=%zu messages=%d peers=%d spawn_us=%.0f notify_us=%.0f "
	      "flush_us=%.0f capture_us=%.0f transfer_us=%.0f send_us=%.0f",
	      me_v, me_r, dest, st->len, nq, nw, (t_spawn - t0) * 1e6, (t_notify - t_spawn) * 1e6,
	      (t_flush - t_notify) * 1e6, (t_cap - t_flush) * 1e6, (t_ack - t_cap) * 1e6, (t_sent - t_cap) * 1e6);
	wait_source();
	leave_mbox();
	runner_ended = 1; /* this task goes on at its destination */
	__real_pvm_exit();
	mpp_ctl_exit(0);
}

/* The state will not come (mpp_err_msg says why): this destination ends.
 * The program killed the task while it moved, or its source was lost, or
 * gave up on this destination and goes on where it is: mpprun, when it
 * runs the job, knows which and says so (this process ends without
 * telling it the task ended). */
static _Noreturn void no_state(void)
{
	leave_mbox();
	__real_pvm_exit();
	if (getenv(RUNNER_VAR)) {
		mpp_debug("%s", mpp_err_msg());
		_exit(MPP_EXIT_SOFTWARE);
	}
	mpp_ctl_fatal(MPP_EIO, NULL);
}

static _Noreturn void source_ended(void)
{
	mpp_err_set(MPP_EIO, "t%x ended before sending its state to this destination", me_v);
	no_state();
}

/* A destination waits for its STATE (or its STATEDATA): the buffer in
 * *slot. It cannot go on when its source has ended without sending it
 * (what is already here is read first: the bytes may have come just
 * before the exit notice). */
static void wait_state(int *slot)
{
	while (!*slot) {
		if (spawner_gone)
			while (!*slot && recv_step(1, 0, -1, -1, 0, NULL, 0, NULL) > 0)
				;
		if (spawner_gone && !*slot)
			source_ended();
		if (recv_step(1, 0, -1, -1, 1, NULL, 0, NULL) < 0) {
			mpp_err_set(MPP_EIO, "a migration destination lost PVM while waiting for its state");
			mpp_ctl_fatal(MPP_EIO, NULL);
		}
	}
}

/* A STATE message that cannot be read whole: what follows the fault
 * would be misread, so the destination stops, saying "the migrated state
 * message from t<from> <why>" (its source goes on where it is when no
 * ACK comes). */
static _Noreturn void state_refused(int from, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static _Noreturn void state_refused(int from, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	mpp_err_set(MPP_EFORMAT, "the migrated state message from t%x %s", from, why);
	mpp_ctl_fatal(MPP_EFORMAT, NULL);
}

/* What a destination takes from its STATE message besides the layer's
 * tables: the carried messages' count, the program's buffers (pb, npb),
 * the state's length and whether its bytes follow apart (in a
 * STATEDATA), the program's libpvm3 options (set once all is read). */
struct arrival {
	int ncarried, npb, apart;
	unsigned char token[MPP_STATESOCK_TOKEN]; /* APART_STREAM */
	struct pbuf *pb;                          /* the caller frees it, also after a refusal */
	uint64_t len;
	int opts[NOPTS];
};

/* Why a STATE message is refused, in why (of size n): the end of the
 * sentence "the migrated state message from tT ...". Returns -1. */
static int refuse(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Reads the STATE message in the active receive buffer, from its header
 * to the flag before the state's bytes, into the layer's tables and *a.
 * 0, or -1 with the reason in why when a section cannot be read whole
 * (what follows it would be misread). */
static int state_read(struct arrival *a, char *why, size_t n)
{
	int hdr[4], cnt, lh[2];
	*a = (struct arrival){0};
	if (pvm_upkint(hdr, 4, 1) < 0)
		return refuse(why, n, "is truncated (its header)");
	if (hdr[0] != me_v)
		mpp_warn("state of t%x received where t%x was expected", hdr[0], me_v);
	me_v = hdr[0];
	parent_v = hdr[1];
	epoch = hdr[2];
	moves = hdr[3];
	if (unpack_map() < 0)
		return refuse(why, n, "is truncated or damaged (the task map)");
	if (unpack_kids() < 0)
		return refuse(why, n, "is truncated or damaged (the children)");
	if (unpack_unotes() < 0)
		return refuse(why, n, "is truncated or damaged (the notifications)");
	if (unpack_pend() < 0)
		return refuse(why, n, "is truncated or damaged (the pending moves)");
	if (pvm_upkint(a->opts, NOPTS, 1) < 0)
		return refuse(why, n, "is truncated (the options)");
	int g = mpp_pvm_grp_unpack();
	if (g < 0)
		return refuse(why, n, "is truncated or damaged (the group memberships)");
	if (g > 0)
		mpp_warn("the group memberships of t%x did not arrive whole", me_v);
	set_map(me_v, me_r, epoch);
	if (upk_count(&cnt) < 0)
		return refuse(why, n, "is truncated or damaged (the carried messages)");
	for (int i = 0; i < cnt; i++) {
		int src = 0, nb = unpack_msg(&src);
		if (nb <= 0)
			return refuse(why, n, "is damaged: carried message %d of %d cannot be read (%d)", i + 1, cnt,
			              nb);
		q = mpp_pvm_grow(q, nq, sizeof *q);
		q[nq++] = (struct held){nb, src, msg_tag(nb)};
		a->ncarried++;
	}
	int npb = 0; /* the program's buffers, with their ids at the source */
	if (pvm_upkint(&npb, 1, 1) < 0)
		return refuse(why, n, "is truncated");
	if (npb < 0 || npb > MAX_PBUFS)
		return refuse(why, n, "names %d program message buffers (at most %d)", npb, MAX_PBUFS);
	a->pb = calloc((size_t)npb + 1, sizeof *a->pb);
	if (!a->pb) {
		mpp_err_set(MPP_ENOMEM, "no memory for the program's %d message buffers", npb);
		mpp_ctl_fatal(MPP_ENOMEM, NULL);
	}
	for (int i = 0; i < npb; i++) {
		int h[2] = {0, 0};
		if (pvm_upkint(h, 2, 1) < 0)
			return refuse(why, n, "is truncated (program message buffer %d of %d)", i + 1, npb);
		a->pb[i] = (struct pbuf){h[0], unpack_msg(&(int){0}), h[1] & 3};
		if (a->pb[i].local <= 0)
			return refuse(why, n,
			              "is damaged: the program's message buffer %d (%d of %d) cannot be read (%d)",
			              h[0], i + 1, npb, a->pb[i].local);
		a->npb++;
		if (mpp_pvm_upk_unpack(h[0]) < 0)
			return refuse(why, n, "is damaged: %s", mpp_err_msg());
	}
	if (pvm_upkint(lh, 2, 1) < 0 || pvm_upkint(&a->apart, 1, 1) < 0)
		return refuse(why, n, "is truncated");
	if (a->apart < APART_NONE || a->apart > APART_STREAM)
		return refuse(why, n, "is damaged: its bytes come in an unknown way (%d)", a->apart);
	if (a->apart == APART_STREAM && pvm_upkbyte((char *)a->token, MPP_STATESOCK_TOKEN, 1) < 0)
		return refuse(why, n, "is truncated (the token of its bytes)");
	a->len = ((uint64_t)(unsigned)lh[0] << 32) | (unsigned)lh[1];
	return 0;
}

/* The state's a->len bytes, from the active receive buffer (the STATE or
 * its STATEDATA), in *out (malloc'd). 0, or -1 with the reason in why.
 * A length past the message's end is refused before any memory is
 * taken for it. */
static int state_read_bytes(const struct arrival *a, unsigned char **out, char *why, size_t n)
{
	int blen = 0;
	*out = NULL;
	if (pvm_bufinfo(pvm_getrbuf(), &blen, NULL, NULL) < 0 || a->len > (uint64_t)(unsigned)blen)
		return refuse(why, n, "is truncated");
	unsigned char *buf = malloc(a->len ? a->len : 1);
	if (!buf) {
		mpp_err_set(MPP_ENOMEM, "no memory for a migrated state of %" PRIu64 " bytes", a->len);
		mpp_ctl_fatal(MPP_ENOMEM, NULL);
	}
	for (uint64_t off = 0; off < a->len; off += CHUNK) {
		uint64_t k = a->len - off < CHUNK ? a->len - off : CHUNK;
		if (pvm_upkbyte((char *)buf + off, (int)k, 1) < 0) {
			free(buf);
			return refuse(why, n, "is truncated");
		}
	}
	*out = buf;
	return 0;
}

/* The program's buffers of a STATE message read whole: each under the
 * id it had at the source, brought to its read position; the program's
 * active send and receive buffers noted in prog_buf. */
static void state_place(struct arrival *a)
{
	prog_buf[0] = prog_buf[1] = 0;
	for (int i = 0; i < a->npb; i++)
		if (a->pb[i].want > 0 && a->pb[i].local > 0 && a->pb[i].local != a->pb[i].want)
			a->pb[i].local = keep_id(a->pb, a->npb, i);
	for (int i = 0; i < a->npb; i++) {
		if (a->pb[i].local <= 0)
			continue;
		mpp_pvm_upk_apply(a->pb[i].want, a->pb[i].local);
		if (a->pb[i].active & 1)
			prog_buf[0] = a->pb[i].local;
		if (a->pb[i].active & 2)
			prog_buf[1] = a->pb[i].local;
	}
}

/* While a destination waits for its state's connection: has its source
 * ended, or sent the bytes through the daemons instead? */
static int stream_give_up(void *arg)
{
	(void)arg;
	while (!data_buf && recv_step(1, 0, -1, -1, 0, NULL, 0, NULL) > 0)
		;
	return spawner_gone || data_buf;
}

/* The bytes of a large state over the layer's own connection (step 6):
 * listens, names the port to the source `from` in a DATAPORT (port 0 when
 * it cannot listen) and takes them. Returns the bytes (malloc'd), or NULL
 * when they come in a STATEDATA instead (data_buf). Ends this process
 * when they come neither way. */
static unsigned char *take_stream(const struct arrival *a, int from)
{
	struct mpp_statesock l;
	int v[2] = {0, 0}, listening = 0;
	if (fault_self == F_DEST_NOSTREAM)
		mpp_err_set(MPP_EIO, "MPP_PVM_FAULT=%s: no port", fault_names[fault_self]);
	else
		listening = mpp_statesock_listen(&l) == 0;
	if (listening) {
		v[0] = (int)l.ip;
		v[1] = l.port;
	} else {
		mpp_info("%s: the state comes through the PVM daemons", mpp_err_msg());
		mpp_err_clear();
	}
	ctl_send(from, K_DATAPORT, v, 2, NULL, NULL);
	if (!listening)
		return NULL;
	unsigned char *buf = malloc(a->len ? a->len : 1);
	if (!buf) {
		mpp_err_set(MPP_ENOMEM, "no memory for a migrated state of %" PRIu64 " bytes", a->len);
		mpp_ctl_fatal(MPP_ENOMEM, NULL);
	}
	mpp_heap_prefault(buf, (size_t)a->len);
	int rc = mpp_statesock_take(&l, a->token, buf, a->len, stream_give_up, NULL);
	mpp_statesock_close(&l);
	if (rc == 0)
		return buf;
	free(buf);
	if (rc == 1 && data_buf)
		return NULL;
	if (rc == 1)
		source_ended();
	no_state(); /* the connection broke: mpp_err_msg says where */
}

static int hook_arrive(void)
{
	const char *role = getenv(ROLE_VAR);
	if (!role || strncmp(role, "dest", 4) != 0 || (role[4] && role[4] != ':'))
		return 0;
	if (role[4] == ':') {
		fault_self = fault_parse(role + 5);
	}
	unsetenv(ROLE_VAR);
	double t0 = now();
	me_r = __real_pvm_mytid();
	if (me_r < 0) {
		mpp_err_set(MPP_EIO, "a migration destination cannot join PVM (error %d)", me_r);
		mpp_ctl_fatal(MPP_EIO, NULL);
	}
	enrolled = 1;
	int from = __real_pvm_parent();
	pvm_recvf(match);
	state_from = from;
	state_buf = data_buf = 0;
	/* dormant until the task we may replace wakes us (or ends) */
	__real_pvm_notify(PvmTaskExit, TAG_EXIT, 1, &from);
	int saved = pvm_setrbuf(0), b;
	while (!woken && !spawner_gone)
		if (recv_step(1, 0, -1, -1, 1, NULL, 0, NULL) < 0)
			break;
	if (!woken) {
		__real_pvm_exit();
		_exit(0);
	}
	t0 = now();
	join_mbox();
	arm_io();
	watch_end();
	if (fault_self == F_DEST_AFTER_WAKE)
		fault_die(fault_self, me_v);
	wait_state(&state_buf);
	if (fault_self == F_DEST_BEFORE_ACK)
		fault_die(fault_self, me_v);
	b = state_buf;
	pvm_setrbuf(b);
	double t_got = now();
	struct arrival a;
	unsigned char *buf = NULL;
	char why[512];
	if (state_read(&a, why, sizeof why) < 0)
		state_refused(from, "%s", why);
	if (a.apart == APART_STREAM) {
		pvm_setrbuf(0);
		if ((buf = take_stream(&a, from)))
			trace("streamtaken", from, me_r, (int)a.len);
		t_got = now(); /* restore_us: from here, as for a state in one message */
	}
	if (a.apart && !buf) { /* the bytes follow in a STATEDATA */
		pvm_setrbuf(0);
		wait_state(&data_buf);
		pvm_setrbuf(data_buf);
		t_got = now();
	}
	uint64_t len = a.len;
	trace("statelen", a.npb, a.ncarried, (int)len);
	state_bytes = len;
	if (!buf && state_read_bytes(&a, &buf, why, sizeof why) < 0)
		state_refused(from, "%s", why);
	pvm_setrbuf(0);
	pvm_freebuf(b);
	if (data_buf)
		pvm_freebuf(data_buf);
	state_place(&a);
	free(a.pb);
	set_opts(a.opts);
	pvm_setrbuf(prog_buf[1] > 0 ? prog_buf[1] : saved);
	if (prog_buf[0] > 0)
		pvm_setsbuf(prog_buf[0]);

	char what[128];
	snprintf(what, sizeof what, "cannot restore the state of t%x sent by t%x", me_v, from);
	mpp_restore_bytes(buf, (size_t)len, what);
	ctl_send(from, K_ACK, NULL, 0, NULL, NULL);
	trace("acksent", from, me_r, 0);
	if (fault_self == F_DEST_AFTER_ACK)
		fault_die(fault_self, me_v);
	arrived_at = mpp_poll_count() + 1;
	source = spawner_gone ? 0 : from;
	source_gone = spawner_gone;
	state_from = 0;
	event("arrive vtid=t%x at=t%x bytes=%" PRIu64 " messages=%d wait_us=%.0f restore_us=%.0f", me_v, me_r, len, nq,
	      (t_got - t0) * 1e6, (now() - t_got) * 1e6);
	return 1; /* the next spare is started at the next poll (prespawn) */
}

static int hook_poll(uint64_t polls)
{
	const char *host = NULL;

	if (!enrolled)
		return MPP_R_NONE;
	prespawn(); /* if none is ready: right after an arrival too, so that
	             * the spare has started by the next move */
	arm_io();
	drain_ctl();
	if (prep_host[0] && !req_host[0])
		prepare_spare();
	if (req_host[0])
		host = req_host;
	else if (mpp_ctl.migrate_every && polls % mpp_ctl.migrate_every == 0 && polls != arrived_at)
		host = next_host(); /* not again at the point it arrived at */
	if (!host)
		return MPP_R_NONE;
	int ok = prepare(host);
	req_host[0] = 0;
	return ok ? MPP_R_MIGRATE : MPP_R_NONE;
}

static const struct mpp_pvm_ops ops = {hook_poll, hook_arrive, hook_leave};

__attribute__((constructor)) static void pvm_layer_init(void)
{
	const char *f = getenv("MPP_PVM_FAULT");
	if (f) {
		fault = fault_parse(f);
		if (!fault) {
			mpp_err_set(MPP_ECONFIG,
			            "bad MPP_PVM_FAULT value '%s' (expected kill-src:STEP, kill-dest:STEP, "
			            "slow-src:before-ack, nostream:src or nostream:dest, docs/PROTOCOL.md)",
			            f);
			mpp_ctl_fatal(MPP_ECONFIG, NULL);
		}
		unsetenv("MPP_PVM_FAULT");
	}
	mpp_pvm_ops = &ops;
}

/* ---- the wrappers ---- */

static int bad_tag(int tag)
{
	if (!is_ctl_tag(tag) && tag != TAG_GRP)
		return 0;
	mpp_warn("message tag %d is reserved by mpp: not sent", tag);
	return 1;
}

/* A migration point inside a blocking receive: returns 1 when the task
 * must unwind now (the caller's frame is saved, the receive is redone at
 * the destination). */
static int point(void)
{
	return __mpp_req && __mpp_poll();
}

static int deliver(int i)
{
	int b = unotify_fix(q[i].bufid);
	trace("deliver", q[i].rsrc, me_r, q[i].tag);
	memmove(q + i, q + i + 1, sizeof *q * (size_t)(nq - i - 1));
	nq--;
	int old = pvm_setrbuf(b);
	if (old > 0)
		pvm_freebuf(old);
	return b;
}

static int find_held(int vt, int tag)
{
	for (int i = 0; i < nq; i++)
		if ((vt == -1 || to_v(q[i].rsrc) == vt) && (tag == -1 ? q[i].tag != TAG_GRP : q[i].tag == tag))
			return i;
	return -1;
}

/* how: 0 nrecv, 1 recv, 2 trecv */
/* A receive of the program through the carried queue and the map (how:
 * 0 nrecv, 1 recv, 2 trecv). With how != 0 and may_move, a migration
 * asked for meanwhile happens inside it (PvmSysErr: unwind now). */
static int app_recv(int vt, int tag, int how, struct timeval *tmo, int may_move)
{
	double end = how == 2 ? now() + (double)tmo->tv_sec + tmo->tv_usec / 1e6 : 0;
	for (;;) {
		int i = find_held(vt, tag), b;
		if (i >= 0 && (b = deliver(i)) > 0)
			return b;
		if (i >= 0)
			continue; /* an old place's exit, dropped */
		struct timeval left;
		if (how == 2) {
			double d = end - now();
			if (d < 0)
				d = 0;
			left.tv_sec = (time_t)d;
			left.tv_usec = (suseconds_t)((d - (double)left.tv_sec) * 1e6);
		}
		prog_recv = 1;
		int got, rc = recv_step(1, 1, vt, tag, how, how == 2 ? &left : NULL, 0, &got);
		prog_recv = 0;
		if (rc < 0)
			return rc;
		if (got > 0)
			return got;
		if (rc == 0) /* nrecv: nothing; trecv: timed out */
			return 0;
		/* a control message was handled: a migration may have been
		 * asked for (notices and flushes are not poll points) */
		if (prep_host[0] && !req_host[0])
			prepare_spare();
		if (how != 0 && may_move && req_host[0] && point())
			return PvmSysErr;
	}
}

/* ---- for pvm_group.c ---- */

int mpp_pvm_enroll(void)
{
	return enroll();
}

int mpp_pvm_me(void)
{
	return me_v;
}

const char *mpp_pvm_job(void)
{
	return job_name;
}

int mpp_pvm_grp_send(int vt)
{
	trace("grpsend", me_r, to_r(vt), TAG_GRP);
	int rc = __real_pvm_send(to_r(vt), TAG_GRP);
	if (npend && rc >= 0)
		shadow(vt, TAG_GRP);
	return rc;
}

int mpp_pvm_grp_next(int *src, int wait_ms)
{
	int saved = pvm_setrbuf(0), b;
	for (;;) {
		int i = find_held(-1, TAG_GRP), got;
		if (i >= 0) {
			b = q[i].bufid;
			*src = to_v(q[i].rsrc);
			memmove(q + i, q + i + 1, sizeof *q * (size_t)(nq - i - 1));
			nq--;
			break;
		}
		struct timeval tmo = {wait_ms / 1000, (wait_ms % 1000) * 1000};
		int rc = recv_step(1, 1, -1, TAG_GRP, wait_ms < 0 ? 1 : 2, &tmo, 0, &got);
		if (rc < 0 || got > 0 || rc == 0) {
			b = got > 0 ? got : rc;
			if (got > 0)
				*src = to_v(msg_src(got));
			break;
		}
	}
	pvm_setrbuf(saved);
	return b;
}

int mpp_pvm_pack_msg(int b, int src)
{
	return pack_msg(b, src);
}

int mpp_pvm_unpack_msg(int *src)
{
	return unpack_msg(src);
}

int __wrap_pvm_mytid(void)
{
	int r = enroll();
	return r < 0 ? r : me_v;
}

int __wrap_pvm_parent(void)
{
	int r = enroll();
	return r < 0 ? r : parent_v;
}

int __wrap_pvm_spawn(char *task, char **argv, int flag, char *where, int n, int *tids)
{
	enroll();
	char **saved = export_env(CHILD_VAR, "1");
	int k = __real_pvm_spawn(task, argv, flag, where, n, tids);
	unexport_env(saved);
	for (int i = 0; i < n && k > 0; i++)
		if (tids[i] > 0) {
			ctl_send(tids[i], K_MAP, NULL, 0, pack_map, NULL);
			kids = mpp_pvm_grow(kids, nkids, sizeof *kids);
			kids[nkids++] = tids[i];
		}
	return k;
}

int __wrap_pvm_send(int tid, int tag)
{
	enroll();
	if (bad_tag(tag))
		return PvmBadParam;
	trace("send", me_r, to_r(tid), tag);
	int rc = __real_pvm_send(to_r(tid), tag);
	if (npend && rc >= 0)
		shadow(tid, tag);
	return rc;
}

int __wrap_pvm_mcast(int *tids, int n, int tag)
{
	enroll();
	if (bad_tag(tag))
		return PvmBadParam;
	if (n <= 0)
		return __real_pvm_mcast(tids, n, tag);
	int *r = malloc(sizeof(int) * (size_t)n);
	if (!r)
		return PvmNoMem;
	for (int i = 0; i < n; i++)
		r[i] = to_r(tids[i]);
	int rc = __real_pvm_mcast(r, n, tag);
	free(r);
	for (int i = 0; npend && rc >= 0 && i < n; i++)
		shadow(tids[i], tag);
	return rc;
}

int __wrap_pvm_bufinfo(int bufid, int *len, int *tag, int *tid);

/* Bytes of len items of a pvm_psend/pvm_precv type; <0: libpvm3's error. */
static int psize(int type, int len)
{
	switch (type) {
	case PVM_BYTE: return len;
	case PVM_SHORT:
	case PVM_USHORT: return len * (int)sizeof(short);
	case PVM_INT:
	case PVM_UINT: return len * (int)sizeof(int);
	case PVM_LONG:
	case PVM_ULONG: return len * (int)sizeof(long);
	case PVM_FLOAT: return len * (int)sizeof(float);
	case PVM_CPLX: return len * (int)sizeof(float) * 2;
	case PVM_DOUBLE: return len * (int)sizeof(double);
	case PVM_DCPLX: return len * (int)sizeof(double) * 2;
	case PVM_STR: return PvmNotImpl;
	default: return PvmBadParam;
	}
}

/* pvm_psend and pvm_precv as libpvm3 makes them (the bytes of the items,
 * packed raw, sent and received as a message), but through the PVM layer:
 * libpvm3's own calls inside them would bypass the map, the carried
 * queue and the SHADOWs. pvm_precv is no migration point. */
int __wrap_pvm_psend(int tid, int tag, void *buf, int len, int type)
{
	if (enroll() < 0)
		return __real_pvm_psend(tid, tag, buf, len, type);
	int n = psize(type, len);
	if (n < 0)
		return __real_pvm_psend(to_r(tid), tag, buf, len, type); /* its error */
	int sb = pvm_setsbuf(pvm_mkbuf(PvmDataRaw));
	int rc = pvm_pkbyte((char *)buf, n, 1);
	if (rc >= 0)
		rc = __wrap_pvm_send(tid, tag);
	pvm_freebuf(pvm_setsbuf(sb));
	return rc < 0 ? rc : 0;
}

int __wrap_pvm_precv(int tid, int tag, void *buf, int len, int type, int *rtid, int *rtag, int *rlen)
{
	if (enroll() < 0)
		return __real_pvm_precv(tid, tag, buf, len, type, rtid, rtag, rlen);
	int n = psize(type, len);
	if (n < 0)
		return __real_pvm_precv(to_r(tid), tag, buf, len, type, rtid, rtag, rlen); /* its error */
	int rb = pvm_setrbuf(0); /* the program's receive buffer stays */
	int b = app_recv(tid, tag, 1, NULL, 0);
	if (b > 0) {
		int nb = 0, mc = 0, src = 0;
		__wrap_pvm_bufinfo(b, &nb, &mc, &src);
		if (rlen)
			*rlen = nb;
		if (rtag)
			*rtag = mc;
		if (rtid)
			*rtid = src;
		pvm_upkbyte((char *)buf, nb < n ? nb : n, 1);
		pvm_freebuf(b);
	}
	pvm_setrbuf(rb);
	return b < 0 ? b : 0;
}

/* The program received b (0: nothing) where old was its receive buffer.
 * A receive frees the receive buffer it replaces (libpvm3's does so at
 * once); the new message is read from its start. */
static int took(int old, int b)
{
	if (old > 0 && old != b && (b > 0 || !mpp_pvm_buf_exists(old)))
		mpp_pvm_upk_gone(old);
	mpp_pvm_upk_fresh(b);
	return b;
}

int __wrap_pvm_recv(int tid, int tag)
{
	if (enroll() < 0)
		return __real_pvm_recv(tid, tag);
	if (point())
		return PvmSysErr;
	int old = pvm_getrbuf();
	return took(old, app_recv(tid, tag, 1, NULL, 1));
}

int __wrap_pvm_trecv(int tid, int tag, struct timeval *tmo)
{
	if (enroll() < 0)
		return __real_pvm_trecv(tid, tag, tmo);
	if (point())
		return PvmSysErr;
	int old = pvm_getrbuf();
	return took(old, app_recv(tid, tag, tmo ? 2 : 1, tmo, 1));
}

int __wrap_pvm_nrecv(int tid, int tag)
{
	if (enroll() < 0)
		return __real_pvm_nrecv(tid, tag);
	int old = pvm_getrbuf();
	return took(old, app_recv(tid, tag, 0, NULL, 0));
}

int __wrap_pvm_probe(int tid, int tag)
{
	if (enroll() < 0)
		return __real_pvm_probe(tid, tag);
	drain_ctl();
	int i = find_held(tid, tag);
	if (i >= 0)
		return q[i].bufid;
	__typeof__(m) sm = m;
	m.active = 1;
	m.ctl = 0;
	m.app = 1;
	m.vt = tid;
	m.tag = tag;
	int b = __real_pvm_probe(-1, -1);
	m = sm;
	return b;
}

int __wrap_pvm_bufinfo(int bufid, int *len, int *tag, int *tid)
{
	int rc = __real_pvm_bufinfo(bufid, len, tag, tid);
	if (rc >= 0 && tid && *tid > 0)
		*tid = to_v(*tid);
	return rc;
}

int __wrap_pvm_kill(int tid)
{
	enroll();
	tell_runner(INFO_KILLED, tid); /* not a lost task: the program ends it */
	int r = to_r(tid);
	/* a task that is moving is ended at both places: killing only one would
	 * leave the other going on (a source whose destination died stays) */
	for (int i = 0; i < npend; i++)
		if (pend[i].vtid == tid)
			for (int k = 0; k < 2; k++) {
				int p = k ? pend[i].now : pend[i].old;
				if (p > 0 && p != r && p != me_r) {
					/* (tests count the kills that met a move) */
					if (tracing())
						trace("killmoving", p, r, __real_pvm_pstat(p) == PvmOk);
					__real_pvm_kill(p);
				}
			}
	return __real_pvm_kill(r);
}

int __wrap_pvm_tidtohost(int tid)
{
	enroll();
	return __real_pvm_tidtohost(to_r(tid));
}

int __wrap_pvm_pstat(int tid)
{
	enroll();
	return __real_pvm_pstat(to_r(tid));
}

int __wrap_pvm_sendsig(int tid, int sig)
{
	enroll();
	return __real_pvm_sendsig(to_r(tid), sig);
}

int __wrap_pvm_exit(void)
{
	if (enrolled) {
		wait_source();
		leave_mbox(); /* so that later migrations do not wait for this task */
		tell_runner(INFO_END, me_v);
	}
	return __real_pvm_exit();
}

int __wrap_pvm_notify(int what, int tag, int n, int *tids)
{
	enroll();
	if (bad_tag(tag))
		return PvmBadParam;
	if (what == PvmHostDelete || what == PvmHostAdd) {
		int rc = __real_pvm_notify(what, tag, n, tids);
		if (rc >= 0)
			add_hnote(what, tag, n, tids);
		return rc;
	}
	if ((what != PvmTaskExit) || n <= 0)
		return __real_pvm_notify(what, tag, n, tids);
	int *r = malloc(sizeof(int) * (size_t)n);
	if (!r)
		return PvmNoMem;
	for (int i = 0; i < n; i++)
		r[i] = to_r(tids[i]);
	int rc = __real_pvm_notify(what, tag, n, r);
	free(r);
	/* remembered, to follow the watched tasks (and this one) when they
	 * move: see unotify_fix */
	for (int i = 0; rc >= 0 && i < n; i++) {
		int k;
		for (k = 0; k < nun && (un[k].vtid != tids[i] || un[k].tag != tag); k++)
			;
		if (k == nun) {
			un = mpp_pvm_grow(un, nun, sizeof *un);
			un[nun++] = (struct unote){tids[i], tag, 0};
		} else
			un[k].done = 0;
	}
	return rc;
}

/* pvm_config and pvm_tasks return arrays that PVM owns; the program keeps
 * pointers to them across migration points (the pvm-examples do), so it
 * gets copies in tracked heap blocks, typed here, with virtual tids. The
 * previous copy is freed as PVM frees its own: later uses are dangling. */
static const struct mpp_type charp_t = {MPP_K_PTR, sizeof(char *), _Alignof(char *), "char *", &mpp_t_char, 0, 0};
static const struct mpp_field host_f[] = {{"hi_tid", offsetof(struct pvmhostinfo, hi_tid), &mpp_t_int},
                                          {"hi_name", offsetof(struct pvmhostinfo, hi_name), &charp_t},
                                          {"hi_arch", offsetof(struct pvmhostinfo, hi_arch), &charp_t},
                                          {"hi_speed", offsetof(struct pvmhostinfo, hi_speed), &mpp_t_int},
                                          {"hi_dsig", offsetof(struct pvmhostinfo, hi_dsig), &mpp_t_int}};
static const struct mpp_type host_t = {
    MPP_K_STRUCT, sizeof(struct pvmhostinfo), _Alignof(struct pvmhostinfo), "struct pvmhostinfo", NULL, 5, host_f};
static const struct mpp_field task_f[] = {{"ti_tid", offsetof(struct pvmtaskinfo, ti_tid), &mpp_t_int},
                                          {"ti_ptid", offsetof(struct pvmtaskinfo, ti_ptid), &mpp_t_int},
                                          {"ti_host", offsetof(struct pvmtaskinfo, ti_host), &mpp_t_int},
                                          {"ti_flag", offsetof(struct pvmtaskinfo, ti_flag), &mpp_t_int},
                                          {"ti_a_out", offsetof(struct pvmtaskinfo, ti_a_out), &charp_t},
                                          {"ti_pid", offsetof(struct pvmtaskinfo, ti_pid), &mpp_t_int}};
static const struct mpp_type task_t = {
    MPP_K_STRUCT, sizeof(struct pvmtaskinfo), _Alignof(struct pvmtaskinfo), "struct pvmtaskinfo", NULL, 6, task_f};

static char *heap_str(const char *s)
{
	size_t n = strlen(s ? s : "") + 1;
	char *c = mpp_heap_alloc(&mpp_t_char, n);
	if (c)
		memcpy(c, s ? s : "", n);
	return c;
}

static void free_hosts(struct pvmhostinfo *h, int n)
{
	for (int i = 0; h && i < n; i++) {
		mpp_heap_free(h[i].hi_name);
		mpp_heap_free(h[i].hi_arch);
	}
	mpp_heap_free(h);
}

int __wrap_pvm_config(int *nhost, int *narch, struct pvmhostinfo **hostp)
{
	static struct pvmhostinfo *copy;
	static int ncopy;
	struct pvmhostinfo *h;
	int nh = 0, na = 0, rc = __real_pvm_config(&nh, &na, &h);

	if (nhost)
		*nhost = nh;
	if (narch)
		*narch = na;
	if (rc < 0 || !hostp)
		return rc;
	free_hosts(copy, ncopy);
	copy = mpp_heap_alloc(&host_t, nh > 0 ? (size_t)nh : 1);
	ncopy = copy ? nh : 0;
	for (int i = 0; copy && i < nh; i++) {
		copy[i] = h[i];
		copy[i].hi_name = heap_str(h[i].hi_name);
		copy[i].hi_arch = heap_str(h[i].hi_arch);
	}
	*hostp = copy ? copy : h;
	return rc;
}

int __wrap_pvm_tasks(int where, int *ntask, struct pvmtaskinfo **taskp)
{
	static struct pvmtaskinfo *copy;
	static int ncopy;
	struct pvmtaskinfo *t;
	int nt = 0, rc = __real_pvm_tasks(where, &nt, &t);

	if (ntask)
		*ntask = nt;
	if (rc < 0 || !taskp)
		return rc;
	for (int i = 0; copy && i < ncopy; i++)
		mpp_heap_free(copy[i].ti_a_out);
	mpp_heap_free(copy);
	copy = mpp_heap_alloc(&task_t, nt > 0 ? (size_t)nt : 1);
	ncopy = copy ? nt : 0;
	for (int i = 0; copy && i < nt; i++) {
		copy[i] = t[i];
		copy[i].ti_tid = to_v(t[i].ti_tid);
		copy[i].ti_ptid = t[i].ti_ptid > 0 ? to_v(t[i].ti_ptid) : t[i].ti_ptid;
		copy[i].ti_a_out = heap_str(t[i].ti_a_out);
	}
	*taskp = copy ? copy : t;
	return rc;
}

int __wrap_pvm_siblings(int **tids)
{
	static int *copy; /* tracked, like the copies of pvm_config */
	int *t, n = __real_pvm_siblings(&t);
	if (n <= 0) {
		*tids = t;
		return n;
	}
	mpp_heap_free(copy);
	copy = mpp_heap_alloc(&mpp_t_int, (size_t)n);
	if (!copy) {
		*tids = t;
		return n;
	}
	for (int i = 0; i < n; i++)
		copy[i] = to_v(t[i]);
	*tids = copy;
	return n;
}
