/* points.c: a program translated by hand into the by-address shapes
 * (__MPP_POINT, __MPP_CALL_BEGIN/END): fixups from a global and a caller into
 * a deeper frame, pointers in structs, one past the end, literals, stdout,
 * envp, getenv (also after setenv), a null union, all scalar kinds; its
 * atexit handler must print once, at the real end. Usage: points [ROUNDS] */
#include <complex.h>
#include <mpp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct mpp_func __mpp_funcs[5];

struct holder {
	int *target;
	double *member;
	const char *text;
	int (*fn)(int);
};

union cell {
	long l;
	char *p;
};

enum color { RED, GREEN, BLUE };

static struct holder *gh;
static int *deep;
static FILE *out;
static long double ld = 1.5L;
static double _Complex z = 1.0 + 2.0 * I;
static enum color col = GREEN;
static bool flag;
static unsigned long long big = 1;

static void at_end(void)
{
	printf("atexit handler: big %llu\n", big);
}

static void at_start(void) __attribute__((constructor));
static void at_start(void)
{
	atexit(at_end);
}

static int inc(int v)
{
	return v + 1;
}

static int dec(int v)
{
	return v - 1;
}

static void leaf(int n, int **outp)
{
	if (__MPP_UNLIKELY(__mpp_restoring))
		switch (__mpp_resume_site(&__mpp_funcs[2])) {
		case 1:
			goto __mpp_r1;
		}
	int mine[3] = {n, n + 1, n + 2};
	int k;
	*outp = &mine[1];
	deep = &mine[2];
	for (k = 0; k < 3; k++) {
		__MPP_POINT(__mpp_funcs[2], 1, return,
			    ((void *[]){(void *)&n, (void *)&outp, (void *)&mine, (void *)&k}));
		mine[k] += **outp + *deep;
		ld = ld * 1.5L - (long double)k;
		z = z * (1.0 + 0.5 * I);
		big = big * 3 + (unsigned long long)mine[k];
	}
	*outp = NULL;
	deep = NULL;
}

static long middle(struct holder *h, int rounds)
{
	static long __mpp_z;
	if (__MPP_UNLIKELY(__mpp_restoring))
		switch (__mpp_resume_site(&__mpp_funcs[3])) {
		case 1:
			goto __mpp_r1;
		}
	int *view = NULL;
	long sum = 0;
	int r;
	for (r = 0; r < rounds; r++) {
		__MPP_CALL_BEGIN(__mpp_funcs[3], 1,
				 ((void *[]){(void *)&h, (void *)&rounds, (void *)&view, (void *)&sum, (void *)&r}));
		leaf(r, &view);
		__MPP_CALL_END(__mpp_funcs[3], 1, return __mpp_z,
			       ((void *[]){(void *)&h, (void *)&rounds, (void *)&view, (void *)&sum, (void *)&r}));
		*h->target += r;
		*h->member *= 1.25;
		if (*h->text)
			h->text++;
		sum += h->fn(r) + (view == NULL);
		h->fn = h->fn == inc ? dec : inc;
		col = (enum color)((col + 1) % 3);
		flag = !flag;
	}
	return sum;
}

static int __mpp_user_main(int argc, char **argv, char **envp)
{
	static int __mpp_z;
	if (__MPP_UNLIKELY(__mpp_restoring))
		switch (__mpp_resume_site(&__mpp_funcs[4])) {
		case 1:
			goto __mpp_r1;
		case 2:
			goto __mpp_r2;
		}
	int target = 7;
	double val = 2.0;
	struct holder h = {&target, &val, "abcdefghijklmnopqrstuvwxyz", inc};
	union cell un;
	int arr[8];
	int *end = arr + 8;
	char **env = envp;
	const char *path = getenv("PATH");
	int rounds = argc > 1 ? atoi(argv[1]) : 4;
	int i;
	long s;
	un.p = NULL;
	for (i = 0; i < 8; i++)
		arr[i] = i * i;
	gh = &h;
	out = stdout;
	for (i = 0; i < rounds; i++) {
		__MPP_CALL_BEGIN(__mpp_funcs[4], 1,
				 ((void *[]){(void *)&argc, (void *)&argv, (void *)&envp, (void *)&target, (void *)&val,
					     (void *)&h, (void *)&un, (void *)&arr, (void *)&end, (void *)&env, (void *)&path,
					     (void *)&rounds, (void *)&i}));
		s = middle(&h, 3);
		__MPP_CALL_END(__mpp_funcs[4], 1, return __mpp_z,
			       ((void *[]){(void *)&argc, (void *)&argv, (void *)&envp, (void *)&target, (void *)&val,
					   (void *)&h, (void *)&un, (void *)&arr, (void *)&end, (void *)&env, (void *)&path,
					   (void *)&rounds, (void *)&i}));
		__MPP_POINT(__mpp_funcs[4], 2, return __mpp_z,
			    ((void *[]){(void *)&argc, (void *)&argv, (void *)&envp, (void *)&target, (void *)&val,
					(void *)&h, (void *)&un, (void *)&arr, (void *)&end, (void *)&env, (void *)&path,
					(void *)&rounds, (void *)&i, (void *)&s}));
		arr[i % 8] += (int)s;
		if (i == 1)
			setenv("HANDMADE_ROUND", "one", 1);
		fprintf(out, "%d: s %ld target %d val %.4f text '%s' fn %s end-arr %td arr %d ld %.3Lf z %.2f%+.2fi "
			     "col %d flag %d big %llu gh %d env %d un %s path %zu round %s\n",
			i, s, target, val, h.text, h.fn == inc ? "inc" : "dec", end - arr, arr[i % 8], ld,
			creal(z), cimag(z), (int)col, (int)flag, big, gh->target == &target,
			env == envp && env != NULL, un.p ? "set" : "null", path ? strlen(path) : 0,
			getenv("HANDMADE_ROUND") ? getenv("HANDMADE_ROUND") : "-");
	}
	return (int)(s & 15);
}

/* ---- mpp tables ---- */
static const struct mpp_type __mpp_ty_intp = {MPP_K_PTR, sizeof(int *), _Alignof(int *), "int *", &mpp_t_int, 0, 0};
static const struct mpp_type __mpp_ty_intpp = {MPP_K_PTR, sizeof(int **), _Alignof(int **), "int **", &__mpp_ty_intp, 0, 0};
static const struct mpp_type __mpp_ty_int3 = {MPP_K_ARRAY, sizeof(int[3]), _Alignof(int[3]), "int[3]", &mpp_t_int, 3, 0};
static const struct mpp_type __mpp_ty_int8 = {MPP_K_ARRAY, sizeof(int[8]), _Alignof(int[8]), "int[8]", &mpp_t_int, 8, 0};
static const struct mpp_type __mpp_ty_dblp = {MPP_K_PTR, sizeof(double *), _Alignof(double *), "double *", &mpp_t_double, 0, 0};
static const struct mpp_type __mpp_ty_ccharp = {MPP_K_PTR, sizeof(const char *), _Alignof(const char *), "const char *", &mpp_t_char, 0, 0};
static const struct mpp_type __mpp_ty_charp = {MPP_K_PTR, sizeof(char *), _Alignof(char *), "char *", &mpp_t_char, 0, 0};
static const struct mpp_type __mpp_ty_charpp = {MPP_K_PTR, sizeof(char **), _Alignof(char **), "char **", &__mpp_ty_charp, 0, 0};
static const struct mpp_type __mpp_ty_fnp = {MPP_K_FNPTR, sizeof(int (*)(int)), _Alignof(int (*)(int)), "int (*)(int)", 0, 0, 0};
static const struct mpp_field __mpp_fl_holder[] = {
	{"target", offsetof(struct holder, target), &__mpp_ty_intp},
	{"member", offsetof(struct holder, member), &__mpp_ty_dblp},
	{"text", offsetof(struct holder, text), &__mpp_ty_ccharp},
	{"fn", offsetof(struct holder, fn), &__mpp_ty_fnp},
};
static const struct mpp_type __mpp_ty_holder = {MPP_K_STRUCT, sizeof(struct holder), _Alignof(struct holder), "struct holder", 0, 4, __mpp_fl_holder};
static const struct mpp_type __mpp_ty_holderp = {MPP_K_PTR, sizeof(struct holder *), _Alignof(struct holder *), "struct holder *", &__mpp_ty_holder, 0, 0};
static const struct mpp_field __mpp_fl_cell[] = {
	{"l", offsetof(union cell, l), &mpp_t_long},
	{"p", offsetof(union cell, p), &__mpp_ty_charp},
};
static const struct mpp_type __mpp_ty_cell = {MPP_K_UNION, sizeof(union cell), _Alignof(union cell), "union cell", 0, 2, __mpp_fl_cell};
static const struct mpp_type __mpp_ty_file = {MPP_K_OPAQUE, 1, 1, "FILE", 0, 0, 0};
static const struct mpp_type __mpp_ty_filep = {MPP_K_PTR, sizeof(FILE *), _Alignof(FILE *), "FILE *", &__mpp_ty_file, 0, 0};
static const struct mpp_type __mpp_ty_cplx = {MPP_K_COMPLEX, sizeof(double _Complex), _Alignof(double _Complex), "double _Complex", &mpp_t_double, 0, 0};
static const struct mpp_type __mpp_ty_color = {MPP_K_ENUM, sizeof(enum color), _Alignof(enum color), "enum color", 0, 0, 0};

static const char *const __mpp_sn2_1[] = {"n", "outp", "mine", "k"};
static const struct mpp_type *const __mpp_st2_1[] = {&mpp_t_int, &__mpp_ty_intpp, &__mpp_ty_int3, &mpp_t_int};
static const struct mpp_site __mpp_sites2[] = {{66, 4, __mpp_sn2_1, __mpp_st2_1}};
static const char *const __mpp_sn3_1[] = {"h", "rounds", "view", "sum", "r"};
static const struct mpp_type *const __mpp_st3_1[] = {&__mpp_ty_holderp, &mpp_t_int, &__mpp_ty_intp, &mpp_t_long, &mpp_t_int};
static const struct mpp_site __mpp_sites3[] = {{90, 5, __mpp_sn3_1, __mpp_st3_1}};
static const char *const __mpp_sn4_1[] = {"argc", "argv", "envp", "target", "val", "h", "un", "arr", "end", "env", "path", "rounds", "i"};
static const struct mpp_type *const __mpp_st4_1[] = {&mpp_t_int, &__mpp_ty_charpp, &__mpp_ty_charpp, &mpp_t_int, &mpp_t_double, &__mpp_ty_holder, &__mpp_ty_cell, &__mpp_ty_int8, &__mpp_ty_intp, &__mpp_ty_charpp, &__mpp_ty_ccharp, &mpp_t_int, &mpp_t_int};
static const char *const __mpp_sn4_2[] = {"argc", "argv", "envp", "target", "val", "h", "un", "arr", "end", "env", "path", "rounds", "i", "s"};
static const struct mpp_type *const __mpp_st4_2[] = {&mpp_t_int, &__mpp_ty_charpp, &__mpp_ty_charpp, &mpp_t_int, &mpp_t_double, &__mpp_ty_holder, &__mpp_ty_cell, &__mpp_ty_int8, &__mpp_ty_intp, &__mpp_ty_charpp, &__mpp_ty_ccharp, &mpp_t_int, &mpp_t_int, &mpp_t_long};
static const struct mpp_site __mpp_sites4[] = {
	{131, 13, __mpp_sn4_1, __mpp_st4_1},
	{139, 14, __mpp_sn4_2, __mpp_st4_2},
};
static const struct mpp_global __mpp_globals[] = {
	{"points.c:gh", (void *)&gh, &__mpp_ty_holderp, 0},
	{"points.c:deep", (void *)&deep, &__mpp_ty_intp, 0},
	{"points.c:out", (void *)&out, &__mpp_ty_filep, 0},
	{"points.c:ld", (void *)&ld, &mpp_t_ldouble, 0},
	{"points.c:z", (void *)&z, &__mpp_ty_cplx, 0},
	{"points.c:col", (void *)&col, &__mpp_ty_color, 0},
	{"points.c:flag", (void *)&flag, &mpp_t_bool, 0},
	{"points.c:big", (void *)&big, &mpp_t_ullong, 0},
};
static const struct mpp_func __mpp_funcs[5] = {
	{"points.c:inc", (void (*)(void))inc, 0, 0},
	{"points.c:dec", (void (*)(void))dec, 0, 0},
	{"points.c:leaf", (void (*)(void))leaf, 1, __mpp_sites2},
	{"points.c:middle", (void (*)(void))middle, 1, __mpp_sites3},
	{"main", (void (*)(void))__mpp_user_main, 2, __mpp_sites4},
};
static const struct mpp_unit __mpp_unit = {MPP_ABI_VERSION, "points.c", 0x706f696e74730001ULL, 8, __mpp_globals, 5, __mpp_funcs};
static void __mpp_register(void) __attribute__((constructor));
static void __mpp_register(void)
{
	mpp_register_unit(&__mpp_unit);
}
int __mpp_main_thunk(int argc, char **argv, char **envp)
{
	return __mpp_user_main(argc, argv, envp);
}
