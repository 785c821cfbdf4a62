/* mpp_pragma.h: parser of the `#pragma mpp` language (docs/PRAGMAS.md).
 * One call parses the text of one pragma line into a struct mpp_pragma, or
 * says that the pragma is not ours, or gives a compiler-style message.
 * Reentrant: no global state, safe to call many times and from threads. */
#ifndef MPP_PRAGMA_H
#define MPP_PRAGMA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum mpp_pragma_kind {
	MPP_PRAGMA_POINT,
	MPP_PRAGMA_LOOP,
	MPP_PRAGMA_NOMIGRATE,
	MPP_PRAGMA_NOSAVE,
	MPP_PRAGMA_ONRESTORE
};

struct mpp_pragma {
	enum mpp_pragma_kind kind;
	long every;   /* LOOP: poll every `every` iterations (1 when not given) */
	char **names; /* NOSAVE: variable names; ONRESTORE: one function name */
	size_t nnames;
	unsigned line, col; /* where the directive word (e.g. `loop`) starts */
};

/* Parses `text` (the pragma line after "#pragma", starting at "mpp"; it may end with '\n' or not).
 * `file`, `line`, `col` give the position of text[0] in the source, for messages.
 * Returns 0 and fills *out on success; 1 if the text does not start with the word `mpp` (not an mpp pragma,
 * *out untouched, no message); -1 on a syntax error, with a one-line message in err (at most errlen bytes,
 * always NUL-terminated) in compiler style:
 *   "FILE:LINE:COL: error: expected 'point', 'loop', 'nomigrate', 'nosave' or 'onrestore' after 'mpp'"
 * where LINE:COL is the exact position of the offending token (col is 1-based, tabs count as 1 column).
 * Messages also name what was found (", found 'x'"); docs/PRAGMAS.md lists them all. On -1, *out is
 * zeroed, so mpp_pragma_free(out) is harmless. `every` is 0 for kinds other than LOOP. */
int mpp_pragma_parse(const char *text, const char *file, unsigned line, unsigned col, struct mpp_pragma *out, char *err,
                     size_t errlen);
void mpp_pragma_free(struct mpp_pragma *p);               /* frees names; safe on a zeroed struct */
const char *mpp_pragma_kind_name(enum mpp_pragma_kind k); /* "point", "loop", ... */

#ifdef __cplusplus
}
#endif

#endif
