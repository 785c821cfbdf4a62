/* mpp_pvm_wrap.h: the PVM functions that libmpp interposes on. mppcc links
 * PVM programs with -Wl,--wrap=pvm_NAME for each of them, so that calls in
 * translated code reach __wrap_pvm_NAME (runtime/pvm.c), which calls the
 * real libpvm3 through __real_pvm_NAME (the pvm_upk* ones land in
 * runtime/pvm_upk.c, which counts how far the program has read a
 * message). MPP_PVM_POINTS are the blocking
 * receives: mppcc treats a call to one of them as a migration point. */
#ifndef MPP_PVM_WRAP_H
#define MPP_PVM_WRAP_H

/* clang-format off */
#define MPP_PVM_WRAPPED(X) \
	X(mytid) X(parent) X(spawn) X(send) X(mcast) X(psend) X(recv) X(nrecv) X(trecv) X(probe) \
	X(precv) X(bufinfo) X(kill) X(tidtohost) X(exit) X(notify) X(gettid) X(pstat) X(sendsig) \
	X(siblings) X(config) X(tasks) X(joingroup) X(lvgroup) X(gsize) X(getinst) X(barrier) X(bcast) \
	X(freezegroup) X(reduce) X(scatter) X(gather) \
	X(upkbyte) X(upkcplx) X(upkdcplx) X(upkdouble) X(upkfloat) X(upkint) X(upklong) X(upkshort) \
	X(upkstr) X(upkuint) X(upkulong) X(upkushort) X(upkmesg) X(unpackf) \
	X(mkbuf) X(initsend) X(freebuf) X(setopt) X(getopt)
/* clang-format on */

#define MPP_PVM_POINTS(X) X(recv) X(trecv) X(precv)

#endif
