/* front.h: the translator's view of one C file, built from libclang's AST.
 * front.c parses the file and turns each function body into a small tree of
 * nodes with exact source offsets; analyze.c, rewrite.c and emit.c work on
 * this tree and never walk libclang cursors themselves, except for types. */
#ifndef MPPCC_FRONT_H
#define MPPCC_FRONT_H

#include <clang-c/Index.h>
#include <stdarg.h>
#include <stddef.h>

#include "mpp_pragma.h"

enum nkind {
	N_EXPR,     /* any expression not listed below */
	N_CALL,     /* call expression */
	N_DECLREF,  /* reference to a variable or function */
	N_BINOP,    /* binary operator incl. assignments; op[] holds it */
	N_CONDOP,   /* ?: */
	N_UNOP,     /* unary operator; op[] holds it, postfix set for x++ */
	N_PAREN,    /* ( e ) */
	N_CAST,     /* (T) e */
	N_SIZEOF,   /* sizeof / _Alignof: operand not evaluated */
	N_STMTEXPR, /* ({ ... }) */
	N_COMPOUND,
	N_IF,
	N_WHILE,
	N_DO,
	N_FOR,
	N_SWITCH,
	N_CASE,
	N_DEFAULT,
	N_LABEL,
	N_GOTO,
	N_INDGOTO,
	N_RETURN,
	N_BREAK,
	N_CONTINUE,
	N_DECLSTMT,
	N_VARDECL,
	N_NULLSTMT,
	N_ASM,
	N_OTHERSTMT
};

struct var;
struct func;

struct node {
	enum nkind kind;
	CXCursor cur;
	unsigned so, eo; /* [so, eo) byte offsets in the main file */
	int exact;       /* so/eo are the node's own text (no macro involved) */
	struct node *parent;
	struct node **kids;
	int nkids;
	/* roles, by statement kind (NULL when absent) */
	struct node *cond, *body, *then, *els, *init, *inc;
	char op[4];
	int postfix;
	struct var *var;     /* N_DECLREF to a local, N_VARDECL */
	struct func *callee; /* N_CALL: direct call of a function of this file */
	char *callee_name;   /* N_CALL: name of a direct callee, else NULL */
	int callee_system;   /* direct callee declared in a system header */
	int fnptr_arg;       /* N_CALL: an argument has function-pointer type */
	int reach;           /* N_CALL: may reach a poll point */
	int has_reach;       /* subtree contains a reaching call */
	int site;            /* N_CALL / loop: site number given by analysis */
	int cont_label;      /* rewritten loop: label that continue jumps to */
	int ncont;           /* ... and how many continues jump there */
};

struct var {
	char *name;
	CXCursor cur;
	CXType type;
	unsigned so, eo;             /* extent of the declaration */
	unsigned scope_so, scope_eo; /* where the name is visible */
	int is_param;
	int is_static; /* function-local static: hoisted to file scope */
	int is_extern;
	int nosave;
	int addr_taken;
	int reported;   /* a diagnostic about it was printed */
	unsigned *uses; /* offsets of its references */
	int nuses;
	char *hoisted; /* new name of a hoisted static */
	struct node *declstmt;
	/* synthetic temporaries made by the rewriter */
	int synthetic;
	char *decl_text; /* declaration to emit, for synthetic vars */
	struct var *next_syn;
};

struct point {
	unsigned offset;   /* where the poll goes (pragma line start) */
	unsigned line_end; /* end of the pragma line */
	struct node *loop; /* for loop polls: the loop statement */
	long every;
	int site;
	unsigned line, col;
	int automatic;      /* placed by --mpp-auto */
	struct node *nest;  /* rewrite: the one loop inside, polled only when long */
	struct node *outer; /* rewrite: this loop is such a nest's, inside outer */
};

struct func {
	char *name;
	CXCursor cur;
	unsigned so, eo;
	unsigned name_off; /* offset of the function's name */
	struct node *body;
	struct var **vars; /* params first, then locals in source order */
	int nvars, cap_vars;
	int is_static;
	int is_main;
	int nomigrate;
	int reach;      /* can reach a poll point */
	int bounded;    /* runs a bounded time: short loops only, no recursion (analyze.c) */
	int addr_taken; /* named other than as the callee of a call */
	int ncalls;     /* calls to it in the translation unit */
	struct point *points;
	int npoints;
	int nsites;
	int index;       /* in the unit's function table */
	char *ret_spell; /* spelling of the return type, or NULL for void */
	CXType ret_type;
	struct func *next;
};

struct global {
	char *name;  /* registered name */
	char *cname; /* C identifier to take the address of */
	CXType type;
	CXCursor cur;
	int is_const;
	int nosave;
	int hoisted; /* a function-local static moved to file scope */
};

struct pragma_at {
	struct mpp_pragma p;
	unsigned so, eo; /* the pragma line in the main file */
	int used;
};

struct unit {
	const char *path; /* main file as given */
	char *src;        /* its text */
	size_t len;
	CXIndex index;
	CXTranslationUnit tu;
	CXFile file;
	struct func *funcs; /* defined in the main file, source order */
	int nfuncs;
	struct func **funcs_tail; /* where the next one is linked */
	struct func **byname;     /* the same, sorted by name (front_parse) */
	struct global *globals;
	int nglobals, cap_globals;
	struct pragma_at *pragmas;
	int npragmas;
	int auto_points; /* --mpp-auto */
	char *onrestore; /* function named by #pragma mpp onrestore */
	unsigned onrestore_off;
	int errors;
};

/* Parses path with the compiler arguments args; 0 or -1 (messages printed). */
int front_parse(struct unit *u, const char *path, const char *const *args, int nargs);
void front_free(struct unit *u);

/* Helpers shared by the analyses. */
/* The value of a constant integer expression, or -1 when it is not one or
 * is negative. */
long long front_const_value(struct node *n);
struct func *front_func_by_name(struct unit *u, const char *name);
unsigned front_line_of(const struct unit *u, unsigned off, unsigned *col);
/* Offset just past the statement n, including its ';' when it has one. */
unsigned front_stmt_end(const struct unit *u, const struct node *n);
/* Prints "file:line:col: error: ..." for offset off and counts it. */
void front_error(struct unit *u, unsigned off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void front_warning(struct unit *u, unsigned off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t sz);
char *cxstr(CXString s); /* copies and disposes */

#endif
