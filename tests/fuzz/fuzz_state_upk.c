/* fuzz_state_upk.c: runtime/pvm_upk.c for fuzz_state.c, with what the
 * target needs of its tables: how many read positions that arrived in a
 * STATE message wait for their buffer, and a way to empty the tables
 * between inputs. Built by fuzz.sh. */
#include "pvm_upk.c"

void fuzz_upk_reset(void);
int fuzz_upk_npend(void);

void fuzz_upk_reset(void)
{
	for (int i = 0; i < npend; i++)
		free(pend[i].e);
	free(pend);
	pend = NULL;
	npend = 0;
	for (int i = 0; i < nlogs; i++)
		free(logs[i].e);
	free(logs);
	logs = NULL;
	nlogs = 0;
}

int fuzz_upk_npend(void)
{
	return npend;
}
