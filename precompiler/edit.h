/* edit.h: text edits by byte offset on the original source.
 * Edits are registered inner first; an outer replacement built from
 * edit_render() of its pieces consumes the inner edits it contains. */
#ifndef MPPCC_EDIT_H
#define MPPCC_EDIT_H

#include <stddef.h>

/* An insertion belongs to the text before its offset (EDIT_LEFT, e.g. code
 * appended after a statement) or after it (EDIT_RIGHT, e.g. a prefix). */
enum { EDIT_LEFT = 0, EDIT_RIGHT = 1, EDIT_REPLACE = 2 };

struct edit {
	unsigned so, eo;
	int side;
	int seq;
	int dead;
	char *text;
};

struct edits {
	const char *src;
	size_t len;
	struct edit *v;
	int n, cap, seq;
};

void edit_init(struct edits *e, const char *src, size_t len);
void edit_free(struct edits *e);
void edit_insert(struct edits *e, unsigned at, int side, const char *text);
/* Replaces [so, eo) by text; edits inside the range are dropped. */
void edit_replace(struct edits *e, unsigned so, unsigned eo, const char *text);
/* Text of [so, eo) with the live edits inside it applied (caller frees). */
char *edit_render(struct edits *e, unsigned so, unsigned eo);

/* Growable string. */
struct sbuf {
	char *s;
	size_t n, cap;
};
void sb_add(struct sbuf *b, const char *s);
void sb_addn(struct sbuf *b, const char *s, size_t n);
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sb_take(struct sbuf *b);
/* Appends the lines that #define __func__, __FUNCTION__ and
 * __PRETTY_FUNCTION__ as the string "name" (code that mppcc moves or
 * renames keeps the source's name in them), or #undef them when name is
 * NULL. */
void sb_func_name(struct sbuf *b, const char *name);

#endif
