/* env.c: environ as a root of the state. The runtime's own unit registers
 * environ as a global; it must point into a tracked heap copy, made at a
 * fresh start and again before a capture if the program replaced the array
 * (setenv). Older copies stay tracked, so earlier getenv results stay
 * valid. */
#include "mpp.h"
#include "mpp_env.h"
#include "mpp_err.h"
#include "mpp_heap.h"

extern char **environ;

static const struct mpp_type charp = {MPP_K_PTR, sizeof(char *), _Alignof(char *), "char *", &mpp_t_char, 0, 0};
static const struct mpp_type charpp = {MPP_K_PTR, sizeof(char **), _Alignof(char **), "char **", &charp, 0, 0};
static const struct mpp_global globals[] = {{"<mpp>:environ", (void *)&environ, &charpp, 0}};
static const struct mpp_unit unit = {MPP_ABI_VERSION, "<mpp runtime>", 0x656e7669726f6e01ULL, 1, globals, 0, 0};

void mpp_env_register(void)
{
	mpp_register_unit(&unit);
}

int mpp_env_adopt(void)
{
	const struct mpp_hblock *b = environ ? mpp_heap_find(environ) : NULL;
	char **copy;

	if (b)
		return 0;
	if (!(copy = mpp_heap_env(environ)))
		return MPP_ENOMEM;
	environ = copy;
	return 0;
}
