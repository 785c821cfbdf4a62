/* program.c: the program whose states the decoder fuzzer reads. Translated
 * by hand into the shapes of runtime/mpp.h, so that neither its tables nor
 * its fingerprint depend on mppcc. Linked with the runtime's main it writes
 * the seed states (fuzz.sh corpus, on every architecture); linked into the
 * fuzzer it is the program those states are checked against. Its data
 * cover what the state format carries: padding that differs between data
 * models, long and long double, unions, an opaque value, heap blocks of
 * structs, of int64_t and of pointers, string literals, function pointers,
 * pointers into fields and one past arrays, two frames. */
#include <limits.h>
#include <mpp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum color { RED, GREEN = 7, BLUE = -3 };

struct rec {
	char tag;
	double d;
	long long ll;
	short s;
	long l;
	long double ld;
	_Bool ok;
	enum color c;
	float f;
	char name[8];
	struct rec *next;
	unsigned long ul;
};

union num {
	int i;
	unsigned u;
	float f;
};

struct bits {
	unsigned lo : 4, hi : 12;
};

static struct rec recs[3];
static union num nums[2];
static const char *greeting;
static long *lp;
static int (*op)(int);
static double grid[3][4];
static size_t none;
static struct bits packed;
static double _Complex z;
static const char *const names[] = {"zero", "one", "two"};
static const char *const *namep;

static const struct mpp_func __mpp_funcs[4];
enum { F_TWICE, F_NEGATE, F_STEP, F_MAIN };

static int twice(int v)
{
	return 2 * v;
}

static int negate(int v)
{
	return -v;
}

static long step(struct rec *r, int round)
{
	static long __mpp_z;
	if (__MPP_UNLIKELY(__mpp_restoring))
		switch (__mpp_resume_site(&__mpp_funcs[F_STEP])) {
		case 1: goto __mpp_r1;
		}
	long acc = r->l + round;
	char buf[12];
	snprintf(buf, sizeof buf, "s%d", round);
	const char *lit = &"a step literal"[round % 5];
	char *end = buf + sizeof buf;
	__MPP_POINT(__mpp_funcs[F_STEP], 1, return __mpp_z,
	            ((void *[]){(void *)&r, (void *)&round, (void *)&acc, (void *)&buf, (void *)&lit, (void *)&end}));
	return acc + buf[1] + lit[0] + (end - buf);
}

static const struct mpp_type ty_rec, ty_i64, ty_charp;

static int __mpp_user_main(int argc, char **argv)
{
	static int __mpp_z;
	if (__MPP_UNLIKELY(__mpp_restoring))
		switch (__mpp_resume_site(&__mpp_funcs[F_MAIN])) {
		case 1: goto __mpp_r1;
		case 2: goto __mpp_r2;
		}
	int rounds = argc > 1 ? atoi(argv[1]) : 8;
	struct rec *heap = __mpp_malloc(&ty_rec, 2 * sizeof *heap);
	int64_t *w = __mpp_malloc(&ty_i64, 8 * sizeof *w);
	char **words = __mpp_malloc(&ty_charp, 3 * sizeof *words);
	long total = 0;

	for (int i = 0; i < 3; i++) {
		recs[i].tag = (char)('a' + i);
		recs[i].d = i * 1.25;
		recs[i].ll = (long long)i * 1000000007LL;
		recs[i].s = (short)(-100 * i);
		recs[i].l = -70000L * i;
		recs[i].ld = 1.0L / (1 << (i + 1)) + i;
		recs[i].ok = i & 1;
		recs[i].c = i == 0 ? RED : i == 1 ? GREEN : BLUE;
		recs[i].f = 0.5f * (float)i;
		snprintf(recs[i].name, sizeof recs[i].name, "rec%d", i);
		recs[i].next = &recs[(i + 1) % 3];
		recs[i].ul = ULONG_MAX - (unsigned long)i;
		words[i] = __mpp_strdup(names[i]);
	}
	for (int i = 0; i < 8; i++)
		w[i] = (int64_t)i * -1234567;
	heap[0] = recs[2];
	heap[0].next = &heap[1];
	heap[1] = recs[0];
	heap[1].next = &recs[1];
	nums[0].i = -42;
	nums[1].f = 2.75f;
	greeting = &"hello, fuzzer"[7];
	lp = &recs[2].l;
	op = twice;
	none = (size_t)-1;
	z = 1.5;
	namep = &names[1];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 4; j++)
			grid[i][j] = i * 10 + j + 0.5;

	for (int round = 0; round < rounds; round++) {
		long r;
		__MPP_CALL_BEGIN(__mpp_funcs[F_MAIN], 1,
		                 ((void *[]){(void *)&argc, (void *)&argv, (void *)&rounds, (void *)&heap, (void *)&w,
		                             (void *)&words, (void *)&total, (void *)&round}));
		r = step(&recs[round % 3], round);
		__MPP_CALL_END(__mpp_funcs[F_MAIN], 1, return __mpp_z,
		               ((void *[]){(void *)&argc, (void *)&argv, (void *)&rounds, (void *)&heap, (void *)&w,
		                           (void *)&words, (void *)&total, (void *)&round}));
		total += r + op(round) + w[round % 8];
		__MPP_POINT(__mpp_funcs[F_MAIN], 2, return __mpp_z,
		            ((void *[]){(void *)&argc, (void *)&argv, (void *)&rounds, (void *)&heap, (void *)&w,
		                        (void *)&words, (void *)&total, (void *)&round}));
		w[round % 8] += round;
		recs[round % 3].ld += 0.25L;
		heap[round % 2].ll += round;
		grid[round % 3][round % 4] += 1;
		op = op == twice ? negate : twice;
		greeting += round == 3;
		packed.hi = 0;
		printf("round %d total %ld %s %s %lld %.2f %s\n", round, total, greeting, words[round % 3],
		       heap[0].next->ll, grid[1][2], *namep);
	}
	printf("done %ld %d %zu\n", total, nums[0].i, none == (size_t)-1 ? (size_t)1 : (size_t)0);
	return 0;
}

/* ---- mpp tables, as mppcc would emit them ---- */
#if INT64_MAX == LONG_MAX
#define MPP_K_I64 MPP_K_LONG
#else
#define MPP_K_I64 MPP_K_LLONG
#endif
#if SIZE_MAX == ULONG_MAX
#define MPP_T_SIZE mpp_t_ulong
#else
#define MPP_T_SIZE mpp_t_uint
#endif
static const struct mpp_type ty_i64 = {MPP_K_I64, sizeof(int64_t), _Alignof(int64_t), "int64_t", 0, 0, 0};
static const struct mpp_type ty_color = {MPP_K_ENUM, sizeof(enum color), _Alignof(enum color), "enum color", 0, 0, 0};
static const struct mpp_type ty_char8 = {MPP_K_ARRAY, sizeof(char[8]), _Alignof(char[8]), "char[8]", &mpp_t_char, 8, 0};
static const struct mpp_type ty_char12 = {MPP_K_ARRAY, sizeof(char[12]), 1, "char[12]", &mpp_t_char, 12, 0};
static const struct mpp_type ty_recp = {MPP_K_PTR, sizeof(void *), _Alignof(void *), "struct rec *", &ty_rec, 0, 0};
static const struct mpp_field fl_rec[] = {
    {"tag", offsetof(struct rec, tag), &mpp_t_char}, {"d", offsetof(struct rec, d), &mpp_t_double},
    {"ll", offsetof(struct rec, ll), &mpp_t_llong},  {"s", offsetof(struct rec, s), &mpp_t_short},
    {"l", offsetof(struct rec, l), &mpp_t_long},     {"ld", offsetof(struct rec, ld), &mpp_t_ldouble},
    {"ok", offsetof(struct rec, ok), &mpp_t_bool},   {"c", offsetof(struct rec, c), &ty_color},
    {"f", offsetof(struct rec, f), &mpp_t_float},    {"name", offsetof(struct rec, name), &ty_char8},
    {"next", offsetof(struct rec, next), &ty_recp},  {"ul", offsetof(struct rec, ul), &mpp_t_ulong}};
static const struct mpp_type ty_rec = {MPP_K_STRUCT, sizeof(struct rec), _Alignof(struct rec), "struct rec", 0, 12,
                                       fl_rec};
static const struct mpp_type ty_rec3 = {MPP_K_ARRAY, sizeof(recs), _Alignof(struct rec), "struct rec[3]", &ty_rec, 3, 0};
static const struct mpp_field fl_num[] = {{"i", 0, &mpp_t_int}, {"u", 0, &mpp_t_uint}, {"f", 0, &mpp_t_float}};
static const struct mpp_type ty_num = {MPP_K_UNION, sizeof(union num), _Alignof(union num), "union num", 0, 3, fl_num};
static const struct mpp_type ty_num2 = {MPP_K_ARRAY, sizeof(nums), _Alignof(union num), "union num[2]", &ty_num, 2, 0};
static const struct mpp_type ty_charp = {MPP_K_PTR, sizeof(char *), _Alignof(char *), "char *", &mpp_t_char, 0, 0};
static const struct mpp_type ty_ccharp = {MPP_K_PTR, sizeof(char *), _Alignof(char *), "const char *", &mpp_t_char,
                                          0, 0};
static const struct mpp_type ty_charpp = {MPP_K_PTR, sizeof(char **), _Alignof(char **), "char **", &ty_charp, 0, 0};
static const struct mpp_type ty_cccp = {MPP_K_PTR, sizeof(char *), _Alignof(char *), "const char *const",
                                        &mpp_t_char, 0, 0};
static const struct mpp_type ty_names = {MPP_K_ARRAY, sizeof(names), _Alignof(char *), "const char *const[3]",
                                         &ty_cccp, 3, 0};
static const struct mpp_type ty_namep = {MPP_K_PTR, sizeof(char **), _Alignof(char **), "const char *const *",
                                         &ty_cccp, 0, 0};
static const struct mpp_type ty_longp = {MPP_K_PTR, sizeof(long *), _Alignof(long *), "long *", &mpp_t_long, 0, 0};
static const struct mpp_type ty_i64p = {MPP_K_PTR, sizeof(int64_t *), _Alignof(int64_t *), "int64_t *", &ty_i64, 0, 0};
static const struct mpp_type ty_d4 = {MPP_K_ARRAY, sizeof(double[4]), _Alignof(double), "double[4]", &mpp_t_double,
                                      4, 0};
static const struct mpp_type ty_grid = {MPP_K_ARRAY, sizeof(grid), _Alignof(double), "double[3][4]", &ty_d4, 3, 0};
static const struct mpp_type ty_bits = {MPP_K_OPAQUE, sizeof(struct bits), _Alignof(struct bits), "struct bits", 0, 0,
                                        0};
static const struct mpp_type ty_cplx = {MPP_K_COMPLEX, sizeof(double _Complex), _Alignof(double _Complex),
                                        "_Complex double", &mpp_t_double, 2, 0};

static const char *const sn_step[] = {"r", "round", "acc", "buf", "lit", "end"};
static const struct mpp_type *const st_step[] = {&ty_recp, &mpp_t_int, &mpp_t_long, &ty_char12, &ty_ccharp, &ty_charp};
static const struct mpp_site sites_step[] = {{80, 6, sn_step, st_step}};
static const char *const sn_main[] = {"argc", "argv", "rounds", "heap", "w", "words", "total", "round"};
static const struct mpp_type *const st_main[] = {&mpp_t_int, &ty_charpp, &mpp_t_int,  &ty_recp,
                                                 &ty_i64p,   &ty_charpp, &mpp_t_long, &mpp_t_int};
static const struct mpp_site sites_main[] = {{140, 8, sn_main, st_main}, {145, 8, sn_main, st_main}};

static const struct mpp_global __mpp_globals[] = {
    {"program.c:recs", (void *)&recs, &ty_rec3, 0},
    {"program.c:nums", (void *)&nums, &ty_num2, 0},
    {"program.c:greeting", (void *)&greeting, &ty_ccharp, 0},
    {"program.c:lp", (void *)&lp, &ty_longp, 0},
    {"program.c:op", (void *)&op, &mpp_t_fnptr, 0},
    {"program.c:grid", (void *)&grid, &ty_grid, 0},
    {"program.c:none", (void *)&none, &MPP_T_SIZE, 0},
    {"program.c:packed", (void *)&packed, &ty_bits, 0},
    {"program.c:z", (void *)&z, &ty_cplx, 0},
    {"program.c:names", (void *)&names, &ty_names, MPP_G_CONST},
    {"program.c:namep", (void *)&namep, &ty_namep, 0},
};
static const struct mpp_func __mpp_funcs[4] = {
    {"program.c:twice", (void (*)(void))twice, 0, 0},
    {"program.c:negate", (void (*)(void))negate, 0, 0},
    {"program.c:step", (void (*)(void))step, 1, sites_step},
    {"main", (void (*)(void))__mpp_user_main, 2, sites_main},
};
static const struct mpp_unit __mpp_unit = {MPP_ABI_VERSION,
                                           "program.c",
                                           0x66757a7a2e630002ULL,
                                           sizeof __mpp_globals / sizeof __mpp_globals[0],
                                           __mpp_globals,
                                           4,
                                           __mpp_funcs};
static void __mpp_register(void) __attribute__((constructor));
static void __mpp_register(void)
{
	mpp_register_unit(&__mpp_unit);
}

int __mpp_main_thunk(int argc, char **argv, char **envp)
{
	(void)envp;
	return __mpp_user_main(argc, argv);
}
