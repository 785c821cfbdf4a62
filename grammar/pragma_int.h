/* pragma_int.h: internals shared by the scanner (pragma.l), the grammar
 * (pragma.y) and the driver (pragma.c). One struct mppp_ctx holds all the
 * state of one parse; nothing here is visible to users of mpp_pragma.h. */
#ifndef MPP_PRAGMA_INT_H
#define MPP_PRAGMA_INT_H

#include <setjmp.h>
#include <stddef.h>

#include "mpp_pragma.h"

/* A token: its bytes in the input text and where it starts in the source.
 * The end-of-line token has len 0 and sits just after the last token. */
struct mppp_tok {
	size_t off, len;
	unsigned line, col;
};

struct mppp_ctx {
	const char *text; /* the pragma text, NUL-terminated */
	size_t len;       /* strlen(text): the scanner never looks further */

	/* Scanner position: line:col and byte offset of the next byte. */
	unsigned line, col;
	size_t off;
	unsigned end_line, end_col; /* just after the last token */
	unsigned cmt_line, cmt_col; /* start of the comment being skipped */
	struct mppp_tok tok;        /* the token last returned */
	jmp_buf lex_oom;            /* the scanner's way out on a failed malloc */

	struct mpp_pragma out; /* the directive being built */
	size_t cap;            /* allocated entries of out.names */
	size_t *set;           /* open hash of out.names indexes + 1, 0 = free */
	size_t setcap;         /* slots in set, a power of two or 0 */

	int failed; /* a message is recorded; later ones are dropped */
	unsigned err_line, err_col;
	char msg[256];
};

/* Scanner (pragma.l). mppp_lex returns a token kind of pragma.y, and fills
 * ctx->tok; MPPP_T_LEXERR after recording a message, MPPP_T_EOL at the end. */
int mppp_lex_open(struct mppp_ctx *ctx, void **scanner);
int mppp_lex(void *scanner);
void mppp_lex_close(void *scanner);

/* Driver helpers called from the scanner and the grammar actions (pragma.c).
 * Those returning int give 0, or -1 after recording a message. */
void mppp_fail(struct mppp_ctx *ctx, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void mppp_expected(struct mppp_ctx *ctx, const struct mppp_tok *found, const char *what);
void mppp_unexpected(struct mppp_ctx *ctx);
void mppp_directive(struct mppp_ctx *ctx, const struct mppp_tok *word, enum mpp_pragma_kind kind, long every);
int mppp_count(struct mppp_ctx *ctx, const struct mppp_tok *num, long *value);
int mppp_name(struct mppp_ctx *ctx, const struct mppp_tok *name);

#endif
