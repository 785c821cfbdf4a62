/* env.c: environ as a root of the state. The runtime's own unit registers
 * environ as a global (and the library functions a program uses as
 * values); it must point into a tracked heap copy, made at a fresh start
 * and again before a capture if the program replaced the array or one of
 * its strings (setenv). Older copies stay tracked, so earlier getenv
 * results stay valid. */
#include <string.h>

#include "mpp.h"
#include "mpp_env.h"
#include "mpp_err.h"
#include "mpp_heap.h"

extern char **environ;

static const struct mpp_type charp = {MPP_K_PTR, sizeof(char *), _Alignof(char *), "char *", &mpp_t_char, 0, 0};
static const struct mpp_type charpp = {MPP_K_PTR, sizeof(char **), _Alignof(char **), "char **", &charp, 0, 0};
static const struct mpp_global globals[] = {{"<mpp>:environ", (void *)&environ, &charpp, 0}};
/* The runtime's versions of the C library functions a translated program
 * may use as values (mppcc's libcalls.c: `free` as a callback becomes
 * __mpp_free), registered so that a saved pointer to one is restored by
 * name, by another build or on another architecture too. */
#define FN(name)                                                   \
	{                                                          \
		"<mpp>:" #name, (void (*)(void))__mpp_##name, 0, 0 \
	}
static const struct mpp_func funcs[] = {
    FN(malloc_v),  FN(calloc_v), FN(realloc_v),  FN(free),  FN(strdup), FN(strndup), FN(asprintf),
    FN(vasprintf), FN(getline),  FN(getdelim),   FN(fopen), FN(fdopen), FN(freopen), FN(fclose),
    FN(setvbuf),   FN(setbuf),   FN(setlinebuf), FN(open),  FN(creat),  FN(close),
};
#undef FN
static const struct mpp_unit unit = {
    MPP_ABI_VERSION, "<mpp runtime>", 0x656e7669726f6e01ULL, 1, globals, sizeof funcs / sizeof funcs[0], funcs};

void mpp_env_register(void)
{
	mpp_register_unit(&unit);
}

/* setenv can put a string of libc's own into a tracked array (ours):
 * such strings are copied into tracked blocks, in place. */
static int own_strings(char **env)
{
	for (char **e = env; e && *e; e++)
		if (!mpp_heap_find(*e)) {
			size_t n = strlen(*e) + 1;
			char *c = mpp_heap_alloc(&mpp_t_char, n);
			if (!c)
				return MPP_ENOMEM;
			memcpy(c, *e, n);
			*e = c;
		}
	return 0;
}

static char **last; /* the array adopted last in this image: setenv may have changed it since */

void mpp_env_restored(void)
{
	last = environ;
}

int mpp_env_adopt(void)
{
	int rc;

	if (last && mpp_heap_find(last) && (rc = own_strings(last)))
		return rc;
	if (environ && mpp_heap_find(environ)) {
		if ((rc = own_strings(environ)))
			return rc;
	} else if (!(environ = mpp_heap_env(environ))) {
		return MPP_ENOMEM;
	}
	last = environ;
	return 0;
}
