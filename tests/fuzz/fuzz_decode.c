/* fuzz_decode.c: libFuzzer target for the state decoder. Each input is a
 * state for program.c (linked in): decode it (every check, and for a state
 * of another architecture or build the whole conversion), and when it is
 * accepted, rebuild the globals and the heap from it, then drop them again.
 * The checksum of most inputs is made valid first, so that mutations reach
 * the structure behind it. Built and run by fuzz.sh with clang
 * -fsanitize=fuzzer,address,undefined. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpp_bytes.h"
#include "mpp_decode.h"
#include "mpp_env.h"
#include "mpp_err.h"
#include "mpp_format.h"
#include "mpp_hash.h"
#include "mpp_registry.h"
#include "mpp_restore.h"
#include "mpp_types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern char **environ;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct mpp_dstate st;
	unsigned char *copy;
	char **env = environ; /* a restore rebuilds it, a drop clears it */

	if (!ready) {
		mpp_env_register(); /* as the runtime's main does: part of the fingerprint */
		if (mpp_registry_check())
			abort();
		ready = 1;
	}
	/* an exact-size copy, so that any read past the end is caught */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	/* header byte 63 is reserved: its low bits choose to keep the checksum */
	if (size >= MPP_FMT_HDR_LEN + MPP_FMT_TRAILER_LEN && (copy[63] & 15) != 15)
		mpp_put_u64(
		    copy + size - MPP_FMT_TRAILER_LEN,
		    mpp_format_checksum(mpp_get_u16(copy + MPP_FMT_OFF_VERSION), copy, size - MPP_FMT_TRAILER_LEN));
	if (mpp_decode(&st, copy, size) == 0) {
		if (mpp_restore_begin(&st, "fuzz") == 0)
			mpp_restore_abort();
		mpp_restore_drop();
		mpp_types_intern_free(); /* types of the heap blocks just dropped */
		environ = env;
	}
	mpp_err_clear();
	free(copy);
	return 0;
}
