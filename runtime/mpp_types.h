/* mpp_types.h: what the runtime knows about a type descriptor: where the
 * pointer slots of one value are (so that pointers can be translated into
 * block references and back), checked descriptors, stable indices for the
 * state's type table, and persistent copies of types read from a state. */
#ifndef MPP_TYPES_H
#define MPP_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "mpp.h"
#include "mpp_format.h"

/* A place in a value that needs more than copying bytes. */
enum mpp_slot_kind {
	MPP_SLOT_DATA = 1, /* data pointer */
	MPP_SLOT_FN,       /* function pointer */
	MPP_SLOT_UNION     /* union with a pointer member: saved only when all zero */
};

struct mpp_slot {
	uint64_t off;                /* from the start of the value */
	uint64_t size;               /* bytes of the slot */
	int kind;                    /* enum mpp_slot_kind */
	const struct mpp_type *type; /* the pointer's (or union's) descriptor */
};

#define MPP_TYPES_FLAT 64     /* slot lists up to this length are precomputed */
#define MPP_TYPES_MAXDEPTH 64 /* nesting of arrays and structs */

struct mpp_tinfo {
	const struct mpp_type *t;
	uint32_t index;   /* position in its set; children come first */
	unsigned depth;   /* 1 for a leaf */
	uint64_t nptrs;   /* pointer slots (data and function) in one value */
	uint64_t nunions; /* unions with a pointer member in one value */
	uint32_t nflat;   /* slots in flat, when nptrs + nunions <= MPP_TYPES_FLAT */
	struct mpp_slot *flat;
	const struct mpp_tinfo *elem;    /* ARRAY, COMPLEX */
	const struct mpp_tinfo **fields; /* STRUCT, UNION: one per field */
};

/* A set of type infos, indexed by descriptor address. */
struct mpp_tset {
	struct mpp_tinfo **v;
	uint32_t n, cap;
	const struct mpp_type **keys; /* open addressing, hcap slots */
	uint32_t *vals;
	size_t hcap;
	const struct mpp_arch *arch; /* layout the descriptors follow; NULL: this host */
};

void mpp_types_init(struct mpp_tset *s);
/* A set of descriptors written on another architecture: scalar and
 * pointer sizes are checked against arch (which must outlive the set). */
void mpp_types_init_arch(struct mpp_tset *s, const struct mpp_arch *arch);
void mpp_types_free(struct mpp_tset *s);

/* Add t and every type it contains by value (not pointees), checking each
 * descriptor; *out gets t's info. Returns 0, MPP_ENOMEM, or MPP_ECAPTURE
 * with a message naming the bad descriptor. */
int mpp_types_add(struct mpp_tset *s, const struct mpp_type *t, const struct mpp_tinfo **out);
const struct mpp_tinfo *mpp_types_find(const struct mpp_tset *s, const struct mpp_type *t);

/* Visit the slots of one value of type ti placed at offset base, in the
 * same order on every host (increasing offsets for C layouts). The walk
 * stops at the first nonzero return of fn, which it returns. */
typedef int (*mpp_slot_fn)(void *ctx, uint64_t off, const struct mpp_slot *slot);
int mpp_types_walk(const struct mpp_tinfo *ti, uint64_t base, mpp_slot_fn fn, void *ctx);

/* Append to buf the C access path of byte off inside a value of type t,
 * e.g. ".next" or "[3].name". */
void mpp_types_path(const struct mpp_type *t, uint64_t off, char *buf, size_t n);

/* Could an object of type p start a value of type t (t itself, its first
 * element or first member, at any depth)? Could it end one (t itself, or
 * the last element of an array t, at any depth)? same says which types are
 * the same: by identity within one program, by name across programs. For
 * an address that is both one past one object and the start of the next. */
typedef int (*mpp_same_type_fn)(const struct mpp_type *a, const struct mpp_type *b);
int mpp_types_may_start(const struct mpp_type *p, const struct mpp_type *t, mpp_same_type_fn same);
int mpp_types_may_end(const struct mpp_type *p, const struct mpp_type *t, mpp_same_type_fn same);

/* The runtime's descriptor of a scalar kind (MPP_K_BOOL..MPP_K_LDOUBLE). */
const struct mpp_type *mpp_types_scalar(int kind);

/* A copy of t (and of what it contains) that lives until the end of the
 * process, shared by all equal types: for heap blocks rebuilt from a state,
 * whose types must outlive the decoded state. NULL when out of memory. */
const struct mpp_type *mpp_types_intern(const struct mpp_type *t);
void mpp_types_intern_free(void);

#endif
