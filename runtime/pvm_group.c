/* pvm_group.c: wrappers of the group library's functions (libgpvm3), in
 * an object of their own so that programs that use no group functions
 * need not link libgpvm3. Group members are known by real tids (the group
 * server's), turned into virtual ones here. */
#include <pvm3.h>

#include "mpp_pvm_wrap.h"

int mpp_pvm_to_v(int r);
extern __typeof__(pvm_gettid) __real_pvm_gettid;

int __wrap_pvm_gettid(char *group, int inst)
{
	int t = __real_pvm_gettid(group, inst);
	return t > 0 ? mpp_pvm_to_v(t) : t;
}
