/* fuzz_state.c: libFuzzer target for the body of a STATE message, as a
 * migration destination reads it (runtime/pvm.c: state_read, then
 * state_read_bytes and state_place, with runtime/pvm_group.c and
 * runtime/pvm_upk.c for the group section and the read positions). Each
 * input is the body after the kind, packed as bytes into a libpvm3
 * buffer (XDR, as a STATE travels) made the active receive buffer; the
 * state's bytes are read from the rest of the input also when the body
 * says they follow apart (a STATEDATA holds nothing else). A body is
 * accepted or refused with a reason; an accepted one must be consistent:
 * its length inside the input, every carried message and program buffer
 * a live buffer of its own, the program's active buffers among them,
 * every read position matched with its buffer.
 *
 * libpvm3 packs and unpacks without a daemon: the target points PVM_TMP
 * at an empty directory of its own, so that libpvm3 cannot join a virtual
 * machine that runs here (each of its calls tries and fails, saying so on
 * stderr: fuzz.sh runs the target with -close_fd_mask=2).
 *
 * MPP_FUZZ_STATE_SEEDS=DIR fuzz_state writes the seed corpus to DIR (real
 * bodies, made by the source's pack_state from tables set up here) and
 * exits. Built and run by fuzz.sh with clang -fsanitize=fuzzer,address,
 * undefined. */
#include "pvm.c"

#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
const char *__asan_default_options(void);
const char *__lsan_default_suppressions(void);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void fuzz_grp_reset(void);
int fuzz_grp_npending(void);
int fuzz_grp_pending(int i);
void fuzz_grp_seed(const char *name, int inst, int src);
void fuzz_upk_reset(void);
int fuzz_upk_npend(void);
int __wrap_pvm_mkbuf(int enc);
int __wrap_pvm_upkint(int *p, int cnt, int std);

/* libpvm3's table of message buffers (lpvmpack.c of PVM 3.4): after each
 * input every buffer is freed, also those libpvm3 leaves behind itself
 * (a failed pvm_upkmesg keeps the buffer it made). */
struct fuzz_mhp {
	int m_free;
	void *m_umb;
};
extern struct fuzz_mhp *pvmmidh;
extern int pvmmidhsiz;

/* libpvm3's pvm_upkmesg allocates a fragment of the length the packed
 * message names (near 4 GiB when its int overflows): such an allocation
 * fails here as it may anywhere, and the layer refuses the message. */
const char *__asan_default_options(void)
{
	return "max_allocation_size_mb=256:allocator_may_return_null=1";
}

/* libpvm3's pvm_upkmesg keeps the fragment it was filling when the
 * packed message ends early (pmsg_unpack): its leak, not the layer's,
 * left out of the leak check at exit. fuzz.sh runs the target with
 * -detect_leaks=0, since every damaged carried message would make
 * libFuzzer scan the whole heap for leaks after the input. libpvm3 is
 * built without frame pointers: the fast unwinder stops at its first
 * frame, so such a leak shows as malloc called from libpvm3.so alone (a
 * 20-minute run ended so: 7 blocks of 32000 bytes holding 3499
 * fragments), and the function name cannot match. Every buffer libpvm3
 * hands out is freed by the target after each input (pvmmidh above), so
 * whatever libpvm3 alone still holds at the exit is its own. */
const char *__lsan_default_suppressions(void)
{
	return "leak:pmsg_unpack\nleak:libpvm3.so\n";
}

/* main.c (left out: it has the program's main) restores a state that
 * arrived; hook_arrive, which calls it, is not run here. */
void mpp_restore_bytes(unsigned char *buf, size_t len, const char *what)
{
	(void)buf;
	(void)len;
	(void)what;
	abort();
}

#define FUZZ_ME 0x40001    /* this task's tid, virtual and real */
#define FUZZ_MAX (1 << 16) /* longest input: one libpvm3 fragment */

static int report = 2; /* stderr as it was before libFuzzer closed it */
static int opts0[NOPTS];

static void fail(const char *what, int a, int b)
{
	dprintf(report, "fuzz_state: %s (%d, %d)\n", what, a, b);
	abort();
}

#define NEED(c, a, b)                       \
	do {                                \
		if (!(c))                   \
			fail(#c, (a), (b)); \
	} while (0)

#define EMPTY(p, n) (free(p), (p) = NULL, (n) = 0)

/* Empties what the layer keeps of the last input; every buffer freed. */
static void reset(void)
{
	pvm_setopt(PvmAutoErr, 0); /* first: an input's 2 or 3 ends the target at an error */
	pvm_setrbuf(0);
	pvm_setsbuf(0);
	for (int i = pvmmidhsiz - 1; i > 0; i--)
		if (pvmmidh[i].m_umb)
			pvm_freebuf(i);
	for (int i = 0; i < nhn; i++)
		free(hn[i].tids);
	EMPTY(hn, nhn);
	EMPTY(map, nmap);
	EMPTY(rev, nrev);
	EMPTY(kids, nkids);
	EMPTY(un, nun);
	EMPTY(pend, npend);
	EMPTY(q, nq);
	prog_buf[0] = prog_buf[1] = 0;
	me_v = me_r = FUZZ_ME;
	parent_v = PvmNoParent;
	epoch = moves = 0;
	state_apart = 0;
	fuzz_grp_reset();
	fuzz_upk_reset();
	for (int i = 0; i < NOPTS; i++)
		if (pvm_getopt(prog_opts[i]) != opts0[i])
			pvm_setopt(prog_opts[i], opts0[i]);
}

static int live(int b)
{
	return b > 0 && b < pvmmidhsiz && pvmmidh[b].m_umb;
}

/* An accepted body, its buffers placed. */
static void check(const struct arrival *a, size_t size)
{
	NEED(a->len <= size, (int)a->len, (int)size);
	NEED(nq == a->ncarried, nq, a->ncarried);
	NEED(a->npb >= 0 && a->npb <= MAX_PBUFS, a->npb, 0);
	NEED(fuzz_upk_npend() == 0, fuzz_upk_npend(), a->npb);
	for (int i = 0; i < nq; i++) {
		NEED(live(q[i].bufid), i, q[i].bufid);
		NEED(q[i].tag == msg_tag(q[i].bufid), q[i].tag, msg_tag(q[i].bufid));
		for (int j = 0; j < i; j++)
			NEED(q[j].bufid != q[i].bufid, j, i);
	}
	for (int i = 0; i < a->npb; i++) {
		int b = a->pb[i].local;
		NEED(live(b), i, b);
		for (int j = 0; j < i; j++)
			NEED(a->pb[j].local != b, j, i);
		for (int j = 0; j < nq; j++)
			NEED(q[j].bufid != b, j, b);
		for (int j = 0; j < fuzz_grp_npending(); j++)
			NEED(fuzz_grp_pending(j) != b, j, b);
	}
	for (int k = 0; k < 2; k++) {
		int found = prog_buf[k] == 0;
		for (int i = 0; i < a->npb; i++)
			found |= prog_buf[k] == a->pb[i].local;
		NEED(found, k, prog_buf[k]);
	}
	for (int i = 0; i < fuzz_grp_npending(); i++)
		NEED(live(fuzz_grp_pending(i)), i, fuzz_grp_pending(i));
	for (int i = 0; i < nmap; i++)
		for (int j = 0; j < i; j++)
			NEED(map[i].vtid != map[j].vtid, i, j);
	/* notifications as a source keeps them: no tag of the layer's own */
	for (int i = 0; i < nun; i++)
		NEED(!is_ctl_tag(un[i].tag) && un[i].tag != TAG_GRP, i, un[i].tag);
	for (int i = 0; i < nhn; i++) {
		NEED(hn[i].what == PvmHostDelete || hn[i].what == PvmHostAdd, i, hn[i].what);
		NEED(!is_ctl_tag(hn[i].tag) && hn[i].tag != TAG_GRP, i, hn[i].tag);
		NEED(!hn[i].tids == !(hn[i].what == PvmHostDelete && hn[i].n > 0), i, hn[i].n);
	}
}

/* Reads one body as hook_arrive does; 1 when it is accepted. */
static int arrive(const uint8_t *data, size_t size)
{
	struct pvmminfo mi;
	int b = pvm_mkbuf(PvmDataDefault);
	NEED(b > 0, b, 0);
	pvm_setsbuf(b);
	NEED(pvm_pkbyte((char *)data, (int)size, 1) >= 0, (int)size, 0);
	pvm_getminfo(b, &mi); /* its length, counted while it is packed */
	pvm_setsbuf(0);
	pvm_setrbuf(b);

	struct arrival a;
	unsigned char *buf = NULL;
	char why[512] = "";
	int ok = state_read(&a, why, sizeof why) == 0 && state_read_bytes(&a, &buf, why, sizeof why) == 0;
	if (ok) {
		pvm_setrbuf(0);
		pvm_freebuf(b);
		state_place(&a);
		check(&a, size);
		set_opts(a.opts);
	} else {
		/* a reason that ends "the migrated state message from tT" */
		NEED(strncmp(why, "is ", 3) == 0 || strncmp(why, "names ", 6) == 0, (int)strlen(why), 0);
		NEED(!buf, 0, 0);
	}
	free(buf);
	free(a.pb);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX)
		return 0;
	arrive(data, size);
	reset();
	return 0;
}

/* ---- the seeds ---- */

/* A message of n ints from base, with tag and source as received. */
static int message(int n, int base, int tag, int src)
{
	struct pvmminfo mi;
	int b = pvm_mkbuf(PvmDataDefault), old = pvm_setsbuf(b);
	for (int i = 0; i < n; i++) {
		int v = base + i;
		pvm_pkint(&v, 1, 1);
	}
	pvm_getminfo(b, &mi);
	mi.tag = tag;
	mi.src = src;
	pvm_setminfo(b, &mi);
	pvm_setsbuf(old);
	return b;
}

static void seed_map(void)
{
	set_map(0x40002, 0x80001, 1);
	set_map(0x40003, 0xc0002, 2);
	add_rev(0x80005, 0x40003);
	kids = mpp_pvm_grow(kids, nkids, sizeof *kids);
	kids[nkids++] = 0x40007;
}

static void seed_notes(void)
{
	int t[2] = {0x40000, 0x80000};
	un = mpp_pvm_grow(un, nun, sizeof *un);
	un[nun++] = (struct unote){0x40002, 41, 0};
	un = mpp_pvm_grow(un, nun, sizeof *un);
	un[nun++] = (struct unote){0x40003, 42, 1};
	add_hnote(PvmHostDelete, 43, 2, t);
	add_hnote(PvmHostAdd, 44, -1, NULL);
	pend = mpp_pvm_grow(pend, npend, sizeof *pend);
	pend[npend++] = (struct pend){0x40003, 0x80002, 0xc0002, 2, 1};
}

static void seed_carried(void)
{
	q = mpp_pvm_grow(q, nq, sizeof *q);
	q[nq++] = (struct held){message(3, 100, 5, 0x40002), 0x40002, 5};
	q = mpp_pvm_grow(q, nq, sizeof *q);
	q[nq++] = (struct held){message(0, 0, 6, 0x80001), 0x80001, 6};
}

static void seed_group(void)
{
	fuzz_grp_seed("workers", 0, 0x40002);
}

/* The program's buffers: one it packs (active send), one it received and
 * read two ints of (active receive), one it keeps aside. */
static void seed_bufs(void)
{
	int v[2];
	int s = __wrap_pvm_mkbuf(PvmDataDefault), old = pvm_setsbuf(s);
	v[0] = 7;
	pvm_pkint(v, 1, 1);
	pvm_setsbuf(old);
	int r = message(4, 200, 9, 0x40002), k = message(2, 300, 10, 0x40003);
	mpp_pvm_upk_fresh(r);
	mpp_pvm_upk_fresh(k);
	int orb = pvm_setrbuf(r);
	__wrap_pvm_upkint(v, 1, 1);
	__wrap_pvm_upkint(v, 1, 1);
	pvm_setrbuf(orb);
	prog_buf[0] = s;
	prog_buf[1] = r;
}

static void seed_all(void)
{
	seed_map();
	seed_notes();
	seed_carried();
	seed_group();
	seed_bufs();
}

/* Writes DIR/NAME: the body pack_state makes of the tables setup fills,
 * with a state of len bytes (after the body when they come apart); it
 * must be accepted. */
static void seed(const char *dir, const char *name, void (*setup)(void), size_t len, int apart)
{
	reset();
	if (setup)
		setup();
	unsigned char *st = malloc(len + 1);
	NEED(st != NULL, (int)len, 0);
	for (size_t i = 0; i < len; i++)
		st[i] = (unsigned char)(i * 7 + 1);
	struct mpp_buf sb = {st, len, len};
	struct pvmminfo mi;
	state_apart = apart;
	int b = pvm_mkbuf(PvmDataDefault), old = pvm_setsbuf(b);
	pack_state(&sb);
	pvm_getminfo(b, &mi);
	pvm_setsbuf(old);
	pvm_setrbuf(b);
	size_t n = (size_t)mi.len + (apart ? len : 0);
	unsigned char *out = malloc(n + 1);
	NEED(out && pvm_upkbyte((char *)out, mi.len, 1) >= 0, mi.len, 0);
	if (apart)
		memcpy(out + mi.len, st, len);
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	NEED(f && fwrite(out, 1, n, f) == n && fclose(f) == 0, (int)n, 0);
	reset();
	NEED(arrive(out, n), (int)n, 0);
	reset();
	free(out);
	free(st);
	printf("%s: %zu bytes\n", path, n);
}

static void seeds(const char *dir)
{
	mkdir(dir, 0755);
	seed(dir, "empty", NULL, 0, 0);
	seed(dir, "small", NULL, 24, 0);
	seed(dir, "map", seed_map, 64, 0);
	seed(dir, "notes", seed_notes, 64, 0);
	seed(dir, "carried", seed_carried, 32, 0);
	seed(dir, "group", seed_group, 32, 0);
	seed(dir, "bufs", seed_bufs, 48, 0);
	seed(dir, "all", seed_all, 200, 0);
	seed(dir, "apart", seed_all, 300, 1);
	seed(dir, "stream", seed_all, 300, 2);
	seed(dir, "large", seed_bufs, 3000, 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char tmp[] = "/tmp/fuzz-state.XXXXXX";
	/* no daemon to join, whatever runs here; PVM refuses root without */
	if (!mkdtemp(tmp))
		abort();
	setenv("PVM_TMP", tmp, 1);
	setenv("PVM_ALLOW_ROOT", "yes", 1);
	report = dup(2);
	pvm_setopt(PvmAutoErr, 0);
	for (int i = 0; i < NOPTS; i++)
		opts0[i] = pvm_getopt(prog_opts[i]);
	rmdir(tmp); /* libpvm3 only looks for a daemon's file in it */
	reset();
	const char *dir = getenv("MPP_FUZZ_STATE_SEEDS");
	if (dir) {
		seeds(dir);
		exit(0);
	}
	return 0;
}
