/* fuzz_state_grp.c: runtime/pvm_group.c for fuzz_state.c, with what the
 * target needs of its tables: their contents after a STATE message was
 * read, a way to empty them between inputs, and a member and a pending
 * group message for the seeds. Built by fuzz.sh. */
#include "pvm_group.c"

void fuzz_grp_reset(void);
int fuzz_grp_npending(void);
int fuzz_grp_pending(int i);
void fuzz_grp_seed(const char *name, int inst, int src);

void fuzz_grp_reset(void)
{
	for (int i = 0; i < nms; i++)
		free(ms[i].name);
	free(ms);
	ms = NULL;
	nms = 0;
	free(gp);
	gp = NULL;
	ngp = 0;
}

int fuzz_grp_npending(void)
{
	return ngp;
}

int fuzz_grp_pending(int i)
{
	return gp[i].b;
}

/* A membership of group name (instance inst, one barrier entered) and a
 * barrier release from src not yet taken, as a task would carry them. */
void fuzz_grp_seed(const char *name, int inst, int src)
{
	struct member *m = realloc(ms, sizeof *ms * (size_t)(nms + 1));
	if (!m)
		abort();
	ms = m;
	ms[nms++] = (struct member){strdup(name), inst, 1, 0, 0, 0};
	int h[4] = {G_RELEASE, 1, inst, 0}, b = __real_pvm_mkbuf(PvmDataDefault), old = pvm_setsbuf(b);
	pvm_pkint(h, 4, 1);
	pvm_pkstr((char *)name);
	struct pvmminfo mi;
	pvm_getminfo(b, &mi); /* its length, counted while it is packed */
	mi.src = src;
	pvm_setminfo(b, &mi);
	pvm_setsbuf(old);
	struct gmsg x;
	if (parse(b, src, &x) < 0 || add_pending(&x) < 0)
		abort();
}
