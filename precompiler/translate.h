/* translate.h: translate one C source file (see translate.c). */
#ifndef MPPCC_TRANSLATE_H
#define MPPCC_TRANSLATE_H

#include <stdint.h>

struct translate_opts {
	const char *input;
	const char *output;
	const char *const *clang_args;
	int nclang_args;
	int auto_points;
};

/* 0: written; 1: the file does not compile (let the compiler say why);
 * -1: diagnostics were printed. */
int translate_file(const struct translate_opts *o);

#endif
