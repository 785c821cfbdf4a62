/* mpp.h: the one interface between code translated by mppcc and libmpp.
 * Translated sources include it first. It declares the type tables, the
 * per-unit registration records and the poll/capture/restore entry points
 * that the generated code calls. Nothing here is meant for hand-written code
 * except the few mpp_* functions at the end. */
#ifndef MPP_H
#define MPP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the contract between generated code and the runtime. mppcc
 * writes it into each unit; the runtime refuses units of another version. */
#define MPP_ABI_VERSION 1

/* ---- Type tables ------------------------------------------------------
 * mppcc emits one struct mpp_type per C type that saved data can have.
 * Sizes and offsets are written as sizeof/offsetof expressions, so the
 * target compiler fills in its own layout (this is what makes one source
 * describe itself correctly on x86_64, i686 and s390x). */
enum mpp_kind {
	MPP_K_BOOL = 1,
	MPP_K_CHAR,
	MPP_K_SCHAR,
	MPP_K_UCHAR,
	MPP_K_SHORT,
	MPP_K_USHORT,
	MPP_K_INT,
	MPP_K_UINT,
	MPP_K_LONG,
	MPP_K_ULONG,
	MPP_K_LLONG,
	MPP_K_ULLONG,
	MPP_K_FLOAT,
	MPP_K_DOUBLE,
	MPP_K_LDOUBLE,
	MPP_K_ENUM,   /* integer of `size` bytes, signedness of int */
	MPP_K_PTR,    /* data pointer; elem = pointee type or NULL (void, incomplete) */
	MPP_K_FNPTR,  /* pointer to function */
	MPP_K_ARRAY,  /* count elements of elem */
	MPP_K_STRUCT, /* nfields fields */
	MPP_K_UNION,  /* nfields fields, all at offset 0 */
	MPP_K_OPAQUE, /* bytes whose layout cannot be described (bit-fields...):
	                 copied as they are, refused across architectures */
	MPP_K_COMPLEX /* _Complex: two elem values */
};

struct mpp_type;

struct mpp_field {
	const char *name;
	size_t offset;
	const struct mpp_type *type;
};

struct mpp_type {
	int kind;                    /* enum mpp_kind */
	size_t size;                 /* sizeof */
	size_t align;                /* _Alignof */
	const char *name;            /* C spelling, for messages and fingerprints */
	const struct mpp_type *elem; /* PTR: pointee; ARRAY, COMPLEX: element */
	size_t count;                /* ARRAY: elements; STRUCT/UNION: fields */
	const struct mpp_field *fields;
};

/* Scalar types, defined by the runtime. */
extern const struct mpp_type mpp_t_bool, mpp_t_char, mpp_t_schar, mpp_t_uchar, mpp_t_short, mpp_t_ushort, mpp_t_int,
    mpp_t_uint, mpp_t_long, mpp_t_ulong, mpp_t_llong, mpp_t_ullong, mpp_t_float, mpp_t_double, mpp_t_ldouble,
    mpp_t_voidptr, mpp_t_fnptr;

/* ---- Registration -----------------------------------------------------
 * Every translated unit registers one struct mpp_unit from a constructor. */

enum {
	MPP_G_CONST = 1, /* read-only: not saved, only a pointer target */
	MPP_G_NOSAVE = 2 /* #pragma mpp nosave: not saved, left as it is on restore */
};

struct mpp_global {
	const char *name; /* "x" for external linkage, "file.c:x" for static */
	void *addr;
	const struct mpp_type *type;
	unsigned flags;
};

/* A resumable site: a poll point, or a call that can reach one. */
struct mpp_site {
	unsigned line;                       /* source line, for messages */
	unsigned nvars;                      /* live variables saved here */
	const char *const *names;            /* their names */
	const struct mpp_type *const *types; /* their types */
};

struct mpp_func {
	const char *name;             /* "f" for external linkage, "file.c:f" for static */
	void (*addr)(void);           /* NULL: a static function only ever called */
	unsigned nsites;              /* sites are numbered 1..nsites */
	const struct mpp_site *sites; /* sites[k - 1] describes site k */
};

struct mpp_unit {
	int abi_version;      /* MPP_ABI_VERSION */
	const char *file;     /* source file name as given to mppcc */
	uint64_t fingerprint; /* hash of the source and of mppcc's version */
	unsigned nglobals;
	const struct mpp_global *globals;
	unsigned nfuncs;
	const struct mpp_func *funcs; /* every function defined in the unit */
};

void mpp_register_unit(const struct mpp_unit *u);

/* #pragma mpp onrestore(fn): fn runs after every restore, before the
 * program continues (to recompute data excluded with nosave). */
void mpp_on_restore(void (*fn)(void));

/* ---- Poll, capture and restore ----------------------------------------
 * Fast path of a poll point: one test of __mpp_req and a predicted branch.
 * __mpp_req is nonzero when something must be looked at: a signal arrived,
 * a control message may be waiting, or a counting mode (MPP_STRESS,
 * MPP_CHECKPOINT_AT, MPP_REPORT) needs every poll. */
extern volatile int __mpp_req;
extern int __mpp_capturing; /* unwinding: every translated caller saves and returns */
extern int __mpp_restoring; /* re-entering: every translated function jumps to its site */
extern int __mpp_nocap;     /* >0: inside a library call that may call back; no capture */

/* Slow path of a poll: counts, looks at requests; returns 1 when this poll
 * must capture the state (then __mpp_capturing is set). */
int __mpp_poll(void);

/* Save the frame of fn, stopped at site, whose live variables are at
 * vars[0..nvars-1] (nvars and types from fn->sites[site - 1]). */
void __mpp_capture_frame(const struct mpp_func *fn, unsigned site, void *const *vars);

/* On entry of fn while restoring: the site to jump to (checked against the
 * state; a mismatch is a fatal, clearly reported error). */
unsigned __mpp_resume_site(const struct mpp_func *fn);

/* At site's restore label: reload the live variables. At the innermost
 * frame this ends the restore (__mpp_restoring becomes 0). */
void __mpp_restore_frame(const struct mpp_func *fn, unsigned site, void *const *vars);

/* The restore label of a loop poll that mppcc restores before its loop
 * (__MPP_LOOP_ENTRY): as __mpp_restore_frame; the next poll reached, that
 * same poll run again, neither counts nor captures. */
void __mpp_restore_entry(const struct mpp_func *fn, unsigned site, void *const *vars);

/* Entry to the user's program: mppcc renames the user's main and emits
 * __mpp_main_thunk calling it; the runtime's main() drives start, capture
 * loops (stress, exec, checkpoint) and restore around it. */
int __mpp_main_thunk(int argc, char **argv, char **envp);

/* ---- Code shapes emitted by mppcc (kept as macros so translated code
 * stays readable: one macro per site). VARS is a parenthesised compound
 * literal `((void *[]){ (void *)&a, (void *)&b })`, or 0 when nothing is
 * live. RET is the return statement that leaves the frame while unwinding. */
#define __MPP_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* The two halves every shape is made of: save the frame and leave it
 * (capture), and the restore label K that reloads it. */
#define __MPP_SAVE_(FN, K, RET, COPY, VARS)                   \
	{                                                     \
		COPY __mpp_capture_frame(&(FN), (K), (VARS)); \
		RET;                                          \
	}
#define __MPP_LOAD_(FN, K, DECL, VARS, BACK)                  \
	if (0) {                                              \
		__mpp_r##K:;                                  \
		DECL __mpp_restore_frame(&(FN), (K), (VARS)); \
		BACK                                          \
	}

/* The fast-path tests: is a request pending (a poll), is this thread
 * unwinding (after a call) or re-entering (on entry)? On x86 one compare
 * of the flag in memory whose flags the branch reads (a plain read is a
 * separate load and test); the asm is volatile, so a poll is neither
 * hoisted out of a loop nor merged with another poll. */
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GCC_ASM_FLAG_OUTPUTS__)
static __inline__ __attribute__((always_inline)) int __mpp_nonzero(const volatile int *flag)
{
	int ne;
	__asm__ volatile("cmpl $0, %1" : "=@ccne"(ne) : "m"(*flag));
	return ne;
}
#else
#define __mpp_nonzero(flag) (*(flag) != 0)
#endif
#define __mpp_req_pending() __mpp_nonzero(&__mpp_req)

/* Poll point K of function descriptor FN. */
#define __MPP_POINT(FN, K, RET, VARS)                                    \
	do {                                                             \
		if (__MPP_UNLIKELY(__mpp_req_pending()) && __mpp_poll()) \
			__MPP_SAVE_(FN, K, RET, , VARS)                  \
		__MPP_LOAD_(FN, K, , VARS, )                             \
	} while (0)

/* Before a call that can reach a poll point: its restore label (the call
 * is then executed again, and the callee re-enters its own frame). */
#define __MPP_CALL_BEGIN(FN, K, VARS)        \
	do {                                 \
		__MPP_LOAD_(FN, K, , VARS, ) \
	} while (0)

/* After such a call: if the callee is unwinding, save this frame too. */
#define __MPP_CALL_END(FN, K, RET, VARS)                             \
	do {                                                         \
		if (__MPP_UNLIKELY(__mpp_nonzero(&__mpp_capturing))) \
			__MPP_SAVE_(FN, K, RET, , VARS)              \
	} while (0)

/* The shapes mppcc emits. They differ from the three above only in that a
 * variable whose address is never taken is saved through a copy: COPY
 * declares and fills the copies (`T __mpp_v0 = x;`), DECL only declares
 * them (restore path: x has no value yet), VARS lists addresses
 * of copies and of addressable variables, BACK stores restored copies back
 * (`x = __mpp_v0;`). The variables themselves then never escape, so the
 * compiler keeps them in registers on the fast path. */
#define __MPP_POLL(FN, K, RET, COPY, DECL, VARS, BACK)                   \
	do {                                                             \
		if (__MPP_UNLIKELY(__mpp_req_pending()) && __mpp_poll()) \
			__MPP_SAVE_(FN, K, RET, COPY, VARS)              \
		__MPP_LOAD_(FN, K, DECL, VARS, BACK)                     \
	} while (0)

/* A loop's poll whose restore label sits before the loop, which a restore
 * enters again from the top (mppcc does so when that reaches the poll in
 * the same state): the poll, first in the loop body, and the label. */
#define __MPP_LOOP_POLL(FN, K, RET, COPY, DECL, VARS, BACK)              \
	do {                                                             \
		if (__MPP_UNLIKELY(__mpp_req_pending()) && __mpp_poll()) \
			__MPP_SAVE_(FN, K, RET, COPY, VARS)              \
	} while (0)

#define __MPP_LOOP_ENTRY(FN, K, RET, COPY, DECL, VARS, BACK)          \
	do {                                                          \
		if (0) {                                              \
			__mpp_r##K:;                                  \
			DECL __mpp_restore_entry(&(FN), (K), (VARS)); \
			BACK                                          \
		}                                                     \
	} while (0)

#define __MPP_BEFORE_CALL(FN, K, COPY, DECL, VARS, BACK) \
	do {                                             \
		__MPP_LOAD_(FN, K, DECL, VARS, BACK)     \
	} while (0)

#define __MPP_AFTER_CALL(FN, K, RET, COPY, DECL, VARS, BACK)         \
	do {                                                         \
		if (__MPP_UNLIKELY(__mpp_nonzero(&__mpp_capturing))) \
			__MPP_SAVE_(FN, K, RET, COPY, VARS)          \
	} while (0)

/* ---- Allocation ---------------------------------------------------------
 * mppcc turns the C allocation functions into these: the element type is
 * what the translator inferred from where the result goes (NULL: bytes). */
void *__mpp_malloc(const struct mpp_type *elem, size_t n);
void *__mpp_calloc(const struct mpp_type *elem, size_t n, size_t size);
void *__mpp_realloc(const struct mpp_type *elem, void *p, size_t n);
void __mpp_free(void *p);
char *__mpp_strdup(const char *s);
char *__mpp_strndup(const char *s, size_t max);
void *__mpp_reallocarray(const struct mpp_type *elem, void *p, size_t n, size_t size);
/* The aligned allocators: the block keeps its alignment when it is rebuilt. */
void *__mpp_aligned_alloc(const struct mpp_type *elem, size_t align, size_t n);
int __mpp_posix_memalign(const struct mpp_type *elem, void **pp, size_t align, size_t n);
void *__mpp_memalign(const struct mpp_type *elem, size_t align, size_t n);
void *__mpp_valloc(const struct mpp_type *elem, size_t n);
void *__mpp_pvalloc(const struct mpp_type *elem, size_t n);
/* malloc, calloc, realloc used as function pointers (blocks of bytes). */
void *__mpp_malloc_v(size_t n);
void *__mpp_calloc_v(size_t n, size_t size);
void *__mpp_realloc_v(void *p, size_t n);
/* C library functions that return new memory, made to return tracked
 * blocks. Declared without <stdio.h>: struct _IO_FILE is FILE in glibc and
 * musl, __mpp_ssize_t is ssize_t. */
struct _IO_FILE;
typedef __PTRDIFF_TYPE__ __mpp_ssize_t;
int __mpp_asprintf(char **strp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int __mpp_vasprintf(char **strp, const char *fmt, __builtin_va_list ap);
__mpp_ssize_t __mpp_getline(char **lineptr, size_t *n, struct _IO_FILE *f);
__mpp_ssize_t __mpp_getdelim(char **lineptr, size_t *n, int delim, struct _IO_FILE *f);

/* ---- Files ------------------------------------------------------------------
 * mppcc turns these C library calls into the __mpp_ versions, which note
 * the path and mode of what the program opens, so that a restore opens it
 * again at the same offset and descriptor number (runtime/stream.c). */
struct _IO_FILE *__mpp_fopen(const char *path, const char *mode);
struct _IO_FILE *__mpp_fdopen(int fd, const char *mode);
struct _IO_FILE *__mpp_freopen(const char *path, const char *mode, struct _IO_FILE *f);
int __mpp_fclose(struct _IO_FILE *f);
int __mpp_setvbuf(struct _IO_FILE *f, char *buf, int mode, size_t size);
void __mpp_setbuf(struct _IO_FILE *f, char *buf);
void __mpp_setlinebuf(struct _IO_FILE *f);
int __mpp_open(const char *path, int flags, ...);
int __mpp_creat(const char *path, unsigned int mode);
int __mpp_close(int fd);

/* ---- For hand-written code -------------------------------------------- */

/* Ask for a checkpoint at the next poll point (as SIGUSR2 does). */
void mpp_request_checkpoint(void);

#ifdef __cplusplus
}
#endif
#endif
