/* fuzz_pragma.c: libFuzzer target for the pragma parser (grammar/). Checks
 * the invariants of mpp_pragma_parse on any bytes: a known return value, a
 * NUL-terminated compiler-style message on errors, names that are there,
 * and no leaks. Built and run by fuzz.sh with clang
 * -fsanitize=fuzzer,address,undefined; seeds in tests/fuzz/corpus-pragma. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpp_pragma.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[128];
	struct mpp_pragma p;
	int rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0'; /* an embedded NUL just ends the text early */
	memset(err, 'x', sizeof(err));
	memset(&p, 0, sizeof(p));
	rc = mpp_pragma_parse(text, "f.c", 1, 9, &p, err, sizeof(err));
	if (rc == -1) {
		if (!memchr(err, '\0', sizeof(err)) || strncmp(err, "f.c:", 4) != 0)
			abort();
	} else if (rc == 0) {
		for (size_t i = 0; i < p.nnames; i++)
			if (!p.names[i] || !p.names[i][0])
				abort();
		if (!mpp_pragma_kind_name(p.kind) || p.line == 0 || p.col == 0)
			abort();
	} else if (rc != 1) {
		abort();
	}
	mpp_pragma_free(&p);
	free(text);
	return 0;
}
