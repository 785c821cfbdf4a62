/* pragma.c: driver of the `#pragma mpp` parser. mpp_pragma_parse runs the
 * scanner (pragma.l) and pushes its tokens into the parser (pragma.y); the
 * mppp_* helpers here are what the grammar actions call: they build the
 * struct mpp_pragma and word the error messages listed in docs/PRAGMAS.md. */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pragma_int.h"
#include "pragma_parse.h"

#define MPPP_EVERY_MAX 2147483647L
#define MPPP_SHOWN_MAX 64 /* longer tokens are cut in messages */

/* ---- Messages ---------------------------------------------------------- */

void mppp_fail(struct mppp_ctx *ctx, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	if (ctx->failed)
		return;
	ctx->failed = 1;
	ctx->err_line = line;
	ctx->err_col = col;
	va_start(ap, fmt);
	vsnprintf(ctx->msg, sizeof(ctx->msg), fmt, ap);
	va_end(ap);
}

/* The text of a token for a message, cut with "..." when long. Tokens only
 * hold printable ASCII, so nothing needs escaping. */
static const char *mppp_cut(const struct mppp_ctx *ctx, const struct mppp_tok *t, char *buf, size_t size)
{
	if (t->len > MPPP_SHOWN_MAX)
		snprintf(buf, size, "%.*s...", MPPP_SHOWN_MAX, ctx->text + t->off);
	else
		snprintf(buf, size, "%.*s", (int)t->len, ctx->text + t->off);
	return buf;
}

/* How a found token reads: 'text', or end of line. */
static const char *mppp_show(const struct mppp_ctx *ctx, const struct mppp_tok *t, char *buf, size_t size)
{
	char cut[MPPP_SHOWN_MAX + 4];

	if (t->len == 0)
		return "end of line";
	snprintf(buf, size, "'%s'", mppp_cut(ctx, t, cut, sizeof(cut)));
	return buf;
}

void mppp_expected(struct mppp_ctx *ctx, const struct mppp_tok *found, const char *what)
{
	char buf[MPPP_SHOWN_MAX + 8];

	mppp_fail(ctx, found->line, found->col, "expected %s, found %s", what, mppp_show(ctx, found, buf, sizeof(buf)));
}

void mppp_unexpected(struct mppp_ctx *ctx)
{
	char buf[MPPP_SHOWN_MAX + 8];

	mppp_fail(ctx, ctx->tok.line, ctx->tok.col, "unexpected %s after '%s'",
	          mppp_show(ctx, &ctx->tok, buf, sizeof(buf)), mpp_pragma_kind_name(ctx->out.kind));
}

/* ---- Building the directive --------------------------------------------- */

void mppp_directive(struct mppp_ctx *ctx, const struct mppp_tok *word, enum mpp_pragma_kind kind, long every)
{
	ctx->out.kind = kind;
	ctx->out.every = every;
	ctx->out.line = word->line;
	ctx->out.col = word->col;
}

static int mppp_digit(char c, int base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return d < base ? d : -1;
}

/* The value of `every`: decimal without leading zeros, or 0x hex, in
 * 1..MPPP_EVERY_MAX. The scanner hands over any C preprocessing number
 * (with a '-' glued on), so "8.5", "0x", "-3" and "99999999999" all land
 * here and get a message that quotes them. Overflow is caught by stopping
 * the accumulation once the value is out of range. */
int mppp_count(struct mppp_ctx *ctx, const struct mppp_tok *num, long *value)
{
	const char *s = ctx->text + num->off, *digits;
	size_t n = num->len, nd, i;
	int neg = 0, base = 10;
	uint64_t v = 0; /* never above 16 * MPPP_EVERY_MAX + 15, even where long has 32 bits */
	char buf[MPPP_SHOWN_MAX + 4];

	if (*s == '-') {
		neg = 1;
		s++;
		n--;
	}
	digits = s;
	nd = n;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		digits += 2;
		nd -= 2;
	}
	for (i = 0; i < nd && mppp_digit(digits[i], base) >= 0; i++)
		if (v <= MPPP_EVERY_MAX)
			v = v * (unsigned)base + (unsigned)mppp_digit(digits[i], base);
	if (nd == 0 || i < nd) {
		mppp_expected(ctx, num, "integer after 'every'");
		return -1;
	}
	mppp_cut(ctx, num, buf, sizeof(buf));
	if (base == 10 && nd > 1 && digits[0] == '0') {
		mppp_fail(ctx, num->line, num->col, "'every' value %s has a leading zero (octal is not supported)",
		          buf);
		return -1;
	}
	if (neg || v < 1 || v > (uint64_t)MPPP_EVERY_MAX) {
		mppp_fail(ctx, num->line, num->col, "'every' value %s is out of range (1..%ld)", buf, MPPP_EVERY_MAX);
		return -1;
	}
	*value = (long)v;
	return 0;
}

static uint64_t mppp_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* Slot of `s` in ctx->set: the one holding it, or the free one where it
 * would go. The set is never full (kept at most half used). */
static size_t mppp_slot(const struct mppp_ctx *ctx, const char *s, size_t n)
{
	size_t mask = ctx->setcap - 1, i = (size_t)mppp_hash(s, n) & mask;

	for (; ctx->set[i] != 0; i = (i + 1) & mask) {
		const char *name = ctx->out.names[ctx->set[i] - 1];

		if (strncmp(name, s, n) == 0 && name[n] == '\0')
			break;
	}
	return i;
}

/* Makes room for one more name in out.names and in the set. */
static int mppp_grow(struct mppp_ctx *ctx)
{
	size_t n = ctx->out.nnames;

	if (n == ctx->cap) {
		size_t cap = ctx->cap ? 2 * ctx->cap : 4;
		char **names = realloc(ctx->out.names, cap * sizeof(*names));

		if (!names)
			return -1;
		ctx->out.names = names;
		ctx->cap = cap;
	}
	if (2 * (n + 1) > ctx->setcap) {
		size_t cap = ctx->setcap ? 2 * ctx->setcap : 16, *old = ctx->set, oldcap = ctx->setcap;
		size_t *set = calloc(cap, sizeof(*set));

		if (!set)
			return -1;
		ctx->set = set;
		ctx->setcap = cap;
		for (size_t i = 0; i < oldcap; i++) {
			if (old[i] != 0) {
				const char *name = ctx->out.names[old[i] - 1];

				set[mppp_slot(ctx, name, strlen(name))] = old[i];
			}
		}
		free(old);
	}
	return 0;
}

/* Appends a name of a nosave list (or the onrestore function) to out.names;
 * a name already there is an error. */
int mppp_name(struct mppp_ctx *ctx, const struct mppp_tok *name)
{
	const char *s = ctx->text + name->off;
	size_t slot;
	char *copy;

	if (mppp_grow(ctx) < 0)
		goto err_oom;
	slot = mppp_slot(ctx, s, name->len);
	if (ctx->set[slot] != 0) {
		char buf[MPPP_SHOWN_MAX + 8];

		mppp_fail(ctx, name->line, name->col, "duplicate name %s in nosave list",
		          mppp_show(ctx, name, buf, sizeof(buf)));
		return -1;
	}
	copy = malloc(name->len + 1);
	if (!copy)
		goto err_oom;
	memcpy(copy, s, name->len);
	copy[name->len] = '\0';
	ctx->out.names[ctx->out.nnames++] = copy;
	ctx->set[slot] = ctx->out.nnames;
	return 0;

err_oom:
	mppp_fail(ctx, name->line, name->col, "out of memory");
	return -1;
}

/* ---- Public interface ---------------------------------------------------- */

const char *mpp_pragma_kind_name(enum mpp_pragma_kind k)
{
	switch (k) {
	case MPP_PRAGMA_POINT: return "point";
	case MPP_PRAGMA_LOOP: return "loop";
	case MPP_PRAGMA_NOMIGRATE: return "nomigrate";
	case MPP_PRAGMA_NOSAVE: return "nosave";
	case MPP_PRAGMA_ONRESTORE: return "onrestore";
	}
	return "unknown";
}

void mpp_pragma_free(struct mpp_pragma *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nnames; i++)
		free(p->names[i]);
	free(p->names);
	p->names = NULL;
	p->nnames = 0;
}

/* Feeds the tokens after `mpp` (already read, in ctx->tok) to a new parser
 * until it accepts or stops. Returns 0 or -1 with a message recorded. */
static int mppp_run(struct mppp_ctx *ctx, void *scanner)
{
	mppp_pstate *ps = mppp_pstate_new();
	int kind = MPPP_T_MPP, status;
	MPPP_STYPE val;

	if (!ps) {
		mppp_fail(ctx, ctx->tok.line, ctx->tok.col, "out of memory");
		return -1;
	}
	for (;;) {
		if (kind == MPPP_T_LEXERR) {
			status = 1;
			break;
		}
		val.tok = ctx->tok;
		status = mppp_push_parse(ps, kind, &val, ctx);
		if (status != YYPUSH_MORE)
			break;
		kind = kind == MPPP_T_EOL ? MPPP_T_YYEOF : mppp_lex(scanner);
	}
	mppp_pstate_delete(ps);
	if (status == 0)
		return 0;
	if (status == 2) {
		mppp_fail(ctx, ctx->tok.line, ctx->tok.col, "out of memory");
	} else { /* the error alternatives word their own messages; just in case */
		char buf[MPPP_SHOWN_MAX + 8];

		mppp_fail(ctx, ctx->tok.line, ctx->tok.col, "unexpected %s",
		          mppp_show(ctx, &ctx->tok, buf, sizeof(buf)));
	}
	return -1;
}

int mpp_pragma_parse(const char *text, const char *file, unsigned line, unsigned col, struct mpp_pragma *out, char *err,
                     size_t errlen)
{
	struct mppp_ctx ctx;
	void *scanner = NULL;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	if (!text || !out) {
		mppp_fail(&ctx, line, col, "no pragma text or no result structure");
		goto err;
	}
	ctx.text = text;
	ctx.len = strlen(text);
	ctx.line = ctx.end_line = line;
	ctx.col = ctx.end_col = col;
	ctx.tok.line = line;
	ctx.tok.col = col;

	if (ctx.len > INT_MAX / 2) {
		mppp_fail(&ctx, line, col, "pragma text too long (%zu bytes)", ctx.len);
		goto err;
	}
	if (mppp_lex_open(&ctx, &scanner) < 0) {
		mppp_fail(&ctx, line, col, "out of memory");
		goto err;
	}
	if (mppp_lex(scanner) != MPPP_T_MPP) {
		mppp_lex_close(scanner);
		return 1;
	}
	rc = mppp_run(&ctx, scanner);
	mppp_lex_close(scanner);
	free(ctx.set);
	if (rc < 0)
		goto err;
	*out = ctx.out;
	return 0;

err:
	mpp_pragma_free(&ctx.out);
	if (out)
		memset(out, 0, sizeof(*out));
	if (err && errlen > 0)
		snprintf(err, errlen, "%s:%u:%u: error: %s", file ? file : "<pragma>", ctx.err_line, ctx.err_col,
		         ctx.msg);
	return -1;
}
