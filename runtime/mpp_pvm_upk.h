/* mpp_pvm_upk.h: the PVM layer's own unpack calls go straight to libpvm3.
 * mppcc links programs with --wrap=pvm_upk* so that pvm_upk.c counts where
 * the program stands in the messages it reads, and wraps the calls that make
 * and free message buffers to know which are the program's; the layer's
 * own calls must not count. Included by pvm.c and pvm_group.c after
 * pvm3.h. */
#ifndef MPP_PVM_UPK_H
#define MPP_PVM_UPK_H

extern int __real_pvm_upkbyte(char *, int, int);
extern int __real_pvm_upkcplx(float *, int, int);
extern int __real_pvm_upkdcplx(double *, int, int);
extern int __real_pvm_upkdouble(double *, int, int);
extern int __real_pvm_upkfloat(float *, int, int);
extern int __real_pvm_upkint(int *, int, int);
extern int __real_pvm_upklong(long *, int, int);
extern int __real_pvm_upkshort(short *, int, int);
extern int __real_pvm_upkstr(char *);
extern int __real_pvm_upkuint(unsigned int *, int, int);
extern int __real_pvm_upkulong(unsigned long *, int, int);
extern int __real_pvm_upkushort(unsigned short *, int, int);
extern int __real_pvm_upkmesg(void);
extern int __real_pvm_unpackf(const char *, ...);
extern int __real_pvm_mkbuf(int);
extern int __real_pvm_initsend(int);
extern int __real_pvm_freebuf(int);

/* pvm_upk.c, for pvm.c: the program's message buffers (those it made,
 * received or unpacked from a message, and has not freed), each with how
 * far the program has read it. A buffer b the program received; a
 * buffer it no longer has (freed by a receive); the ids of those that
 * exist (at most max). */
void mpp_pvm_upk_fresh(int b);
void mpp_pvm_upk_gone(int b);
int mpp_pvm_upk_ids(int *ids, int max);
/* In a STATE message: how far the program has read buffer b (packed into
 * the active send buffer). At a destination: that of the buffer that had
 * id want at the source (from the active receive buffer), <0 with a
 * message (mpp_err_msg) when it is truncated or damaged (the rest of the
 * STATE message cannot be read then); then, once its copy b is in place,
 * b is brought to that position (made active for it, then the active
 * receive buffer is as it was) and counted as the program's: that one
 * warns and returns <0 when the position does not fit b, which is then
 * at its start (or where a failed replay stopped). */
void mpp_pvm_upk_pack(int b);
int mpp_pvm_upk_unpack(int want);
int mpp_pvm_upk_apply(int want, int b);

/* pvm_upk.c itself (MPP_PVM_UPK_WRAPPERS) calls both kinds by name */
#ifndef MPP_PVM_UPK_WRAPPERS
#define pvm_upkbyte __real_pvm_upkbyte
#define pvm_upkcplx __real_pvm_upkcplx
#define pvm_upkdcplx __real_pvm_upkdcplx
#define pvm_upkdouble __real_pvm_upkdouble
#define pvm_upkfloat __real_pvm_upkfloat
#define pvm_upkint __real_pvm_upkint
#define pvm_upklong __real_pvm_upklong
#define pvm_upkshort __real_pvm_upkshort
#define pvm_upkstr __real_pvm_upkstr
#define pvm_upkuint __real_pvm_upkuint
#define pvm_upkulong __real_pvm_upkulong
#define pvm_upkushort __real_pvm_upkushort
#define pvm_upkmesg __real_pvm_upkmesg
#define pvm_unpackf __real_pvm_unpackf
#define pvm_mkbuf __real_pvm_mkbuf
#define pvm_initsend __real_pvm_initsend
#define pvm_freebuf __real_pvm_freebuf
#endif

#endif
