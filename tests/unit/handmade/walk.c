/* walk.c: a program translated by hand into the shape mppcc emits (copies
 * for unaddressed locals, resume switch, type tables, registration, thunk):
 * recursion with a local array, pointers to a caller's local and one past
 * an array, cycles between globals, a constant table, a function pointer,
 * argv. Usage: walk [ROUNDS [EVERY]] */
#include <mpp.h>
#include <stdio.h>
#include <stdlib.h>

static const struct mpp_func __mpp_funcs[4];

struct node {
	int val;
	struct node *next;
};

static long total;
static int *gp;
static struct node ring[3];
static struct node *cur;
static const char *const names[] = {"zero", "one", "two", "three"};
static int (*op)(int);
static char *first_arg;

static int twice(int v)
{
	return 2 * v;
}

static int square(int v)
{
	return v * v % 1000;
}

static long walk(int d, long *acc)
{
	static long __mpp_z;
	if (__MPP_UNLIKELY(__mpp_restoring))
		switch (__mpp_resume_site(&__mpp_funcs[2])) {
		case 1:
			goto __mpp_r1;
		case 2:
			goto __mpp_r2;
		}
	int local[4];
	int i;
	for (i = 0; i < 4; i++)
		local[i] = d * 10 + i;
	int *end = local + 4;
	for (int *q = local; q != end; q++) {
		__MPP_POLL(__mpp_funcs[2], 1, return __mpp_z,
			   __typeof__(((void)0, d)) __mpp_v0 = d; __typeof__(((void)0, acc)) __mpp_v1 = acc;
			   __typeof__(((void)0, end)) __mpp_v3 = end; __typeof__(((void)0, q)) __mpp_v4 = q;
			   , __typeof__(((void)0, d)) __mpp_v0; __typeof__(((void)0, acc)) __mpp_v1;
			   __typeof__(((void)0, end)) __mpp_v3; __typeof__(((void)0, q)) __mpp_v4;
			   , ((void *[]){(void *)&__mpp_v0, (void *)&__mpp_v1, (void *)&local, (void *)&__mpp_v3,
					 (void *)&__mpp_v4}),
			   d = __mpp_v0; acc = __mpp_v1; end = __mpp_v3; q = __mpp_v4;);
		*acc += *q;
		total += op(*q);
	}
	if (d > 0) {
		long r;
		__MPP_BEFORE_CALL(__mpp_funcs[2], 2,
				  __typeof__(((void)0, d)) __mpp_v0 = d; __typeof__(((void)0, acc)) __mpp_v1 = acc;
				  , __typeof__(((void)0, d)) __mpp_v0; __typeof__(((void)0, acc)) __mpp_v1;
				  , ((void *[]){(void *)&__mpp_v0, (void *)&__mpp_v1, (void *)&local}),
				  d = __mpp_v0; acc = __mpp_v1;);
		r = walk(d - 1, acc);
		__MPP_AFTER_CALL(__mpp_funcs[2], 2, return __mpp_z,
				 __typeof__(((void)0, d)) __mpp_v0 = d; __typeof__(((void)0, acc)) __mpp_v1 = acc;
				 , __typeof__(((void)0, d)) __mpp_v0; __typeof__(((void)0, acc)) __mpp_v1;
				 , ((void *[]){(void *)&__mpp_v0, (void *)&__mpp_v1, (void *)&local}),
				 d = __mpp_v0; acc = __mpp_v1;);
		*acc += r + local[d % 4];
	}
	return *acc % 1000;
}

static int __mpp_user_main(int argc, char **argv)
{
	static int __mpp_z;
	if (__MPP_UNLIKELY(__mpp_restoring))
		switch (__mpp_resume_site(&__mpp_funcs[3])) {
		case 1:
			goto __mpp_r1;
		case 2:
			goto __mpp_r2;
		}
	long acc = 0;
	int counter = 0;
	char buf[32] = "migrating";
	const char *s = names[2];
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	int every = argc > 2 ? atoi(argv[2]) : 1;
	gp = &counter;
	for (int k = 0; k < 3; k++) {
		ring[k].val = k + 1;
		ring[k].next = &ring[(k + 1) % 3];
	}
	cur = &ring[0];
	op = twice;
	first_arg = argc > 1 ? argv[1] : argv[0];
	for (int round = 0; round < rounds; round++) {
		long r;
		__MPP_BEFORE_CALL(__mpp_funcs[3], 1,
				  __typeof__(((void)0, argc)) __mpp_v0 = argc; __typeof__(((void)0, argv)) __mpp_v1 = argv;
				  __typeof__(((void)0, s)) __mpp_v5 = s; __typeof__(((void)0, rounds)) __mpp_v6 = rounds;
				  __typeof__(((void)0, every)) __mpp_v7 = every; __typeof__(((void)0, round)) __mpp_v8 = round;
				  , __typeof__(((void)0, argc)) __mpp_v0; __typeof__(((void)0, argv)) __mpp_v1;
				  __typeof__(((void)0, s)) __mpp_v5; __typeof__(((void)0, rounds)) __mpp_v6;
				  __typeof__(((void)0, every)) __mpp_v7; __typeof__(((void)0, round)) __mpp_v8;
				  , ((void *[]){(void *)&__mpp_v0, (void *)&__mpp_v1, (void *)&acc, (void *)&counter,
						(void *)&buf, (void *)&__mpp_v5, (void *)&__mpp_v6, (void *)&__mpp_v7,
						(void *)&__mpp_v8}),
				  argc = __mpp_v0; argv = __mpp_v1; s = __mpp_v5; rounds = __mpp_v6; every = __mpp_v7;
				  round = __mpp_v8;);
		r = walk(3, &acc);
		__MPP_AFTER_CALL(__mpp_funcs[3], 1, return __mpp_z,
				 __typeof__(((void)0, argc)) __mpp_v0 = argc; __typeof__(((void)0, argv)) __mpp_v1 = argv;
				 __typeof__(((void)0, s)) __mpp_v5 = s; __typeof__(((void)0, rounds)) __mpp_v6 = rounds;
				 __typeof__(((void)0, every)) __mpp_v7 = every; __typeof__(((void)0, round)) __mpp_v8 = round;
				 , __typeof__(((void)0, argc)) __mpp_v0; __typeof__(((void)0, argv)) __mpp_v1;
				 __typeof__(((void)0, s)) __mpp_v5; __typeof__(((void)0, rounds)) __mpp_v6;
				 __typeof__(((void)0, every)) __mpp_v7; __typeof__(((void)0, round)) __mpp_v8;
				 , ((void *[]){(void *)&__mpp_v0, (void *)&__mpp_v1, (void *)&acc, (void *)&counter,
					       (void *)&buf, (void *)&__mpp_v5, (void *)&__mpp_v6, (void *)&__mpp_v7,
					       (void *)&__mpp_v8}),
				 argc = __mpp_v0; argv = __mpp_v1; s = __mpp_v5; rounds = __mpp_v6; every = __mpp_v7;
				 round = __mpp_v8;);
		__MPP_POLL(__mpp_funcs[3], 2, return __mpp_z,
			   __typeof__(((void)0, argc)) __mpp_v0 = argc; __typeof__(((void)0, argv)) __mpp_v1 = argv;
			   __typeof__(((void)0, s)) __mpp_v5 = s; __typeof__(((void)0, rounds)) __mpp_v6 = rounds;
			   __typeof__(((void)0, every)) __mpp_v7 = every; __typeof__(((void)0, round)) __mpp_v8 = round;
			   __typeof__(((void)0, r)) __mpp_v9 = r;
			   , __typeof__(((void)0, argc)) __mpp_v0; __typeof__(((void)0, argv)) __mpp_v1;
			   __typeof__(((void)0, s)) __mpp_v5; __typeof__(((void)0, rounds)) __mpp_v6;
			   __typeof__(((void)0, every)) __mpp_v7; __typeof__(((void)0, round)) __mpp_v8;
			   __typeof__(((void)0, r)) __mpp_v9;
			   , ((void *[]){(void *)&__mpp_v0, (void *)&__mpp_v1, (void *)&acc, (void *)&counter,
					 (void *)&buf, (void *)&__mpp_v5, (void *)&__mpp_v6, (void *)&__mpp_v7,
					 (void *)&__mpp_v8, (void *)&__mpp_v9}),
			   argc = __mpp_v0; argv = __mpp_v1; s = __mpp_v5; rounds = __mpp_v6; every = __mpp_v7;
			   round = __mpp_v8; r = __mpp_v9;);
		*gp += 1;
		cur = cur->next;
		buf[round % 9] = (char)('A' + round % 26);
		if (round % every == 0)
			printf("round %d: r %ld acc %ld total %ld counter %d ring %d %s %s %s %s\n", round, r, acc,
			       total, counter, cur->val, names[round % 4], s, buf, first_arg);
		op = op == twice ? square : twice;
	}
	printf("done: acc %ld total %ld counter %d argc %d\n", acc, total, counter, argc);
	return (int)(acc % 7);
}

#line 160 "walk.c"
/* ---- mpp tables ---- */
static const struct mpp_type __mpp_ty_node;
static const struct mpp_type __mpp_ty_int4 = {MPP_K_ARRAY, sizeof(int[4]), _Alignof(int[4]), "int[4]", &mpp_t_int, 4, 0};
static const struct mpp_type __mpp_ty_intp = {MPP_K_PTR, sizeof(int *), _Alignof(int *), "int *", &mpp_t_int, 0, 0};
static const struct mpp_type __mpp_ty_longp = {MPP_K_PTR, sizeof(long *), _Alignof(long *), "long *", &mpp_t_long, 0, 0};
static const struct mpp_type __mpp_ty_charp = {MPP_K_PTR, sizeof(char *), _Alignof(char *), "char *", &mpp_t_char, 0, 0};
static const struct mpp_type __mpp_ty_ccharp = {MPP_K_PTR, sizeof(const char *), _Alignof(const char *), "const char *", &mpp_t_char, 0, 0};
static const struct mpp_type __mpp_ty_charpp = {MPP_K_PTR, sizeof(char **), _Alignof(char **), "char **", &__mpp_ty_charp, 0, 0};
static const struct mpp_type __mpp_ty_char32 = {MPP_K_ARRAY, sizeof(char[32]), _Alignof(char[32]), "char[32]", &mpp_t_char, 32, 0};
static const struct mpp_type __mpp_ty_nodep = {MPP_K_PTR, sizeof(struct node *), _Alignof(struct node *), "struct node *", &__mpp_ty_node, 0, 0};
static const struct mpp_field __mpp_fl_node[] = {{"val", offsetof(struct node, val), &mpp_t_int}, {"next", offsetof(struct node, next), &__mpp_ty_nodep}};
static const struct mpp_type __mpp_ty_node = {MPP_K_STRUCT, sizeof(struct node), _Alignof(struct node), "struct node", 0, 2, __mpp_fl_node};
static const struct mpp_type __mpp_ty_node3 = {MPP_K_ARRAY, sizeof(struct node[3]), _Alignof(struct node[3]), "struct node[3]", &__mpp_ty_node, 3, 0};
static const struct mpp_type __mpp_ty_cccp = {MPP_K_PTR, sizeof(const char *const), _Alignof(const char *const), "const char *const", &mpp_t_char, 0, 0};
static const struct mpp_type __mpp_ty_names = {MPP_K_ARRAY, sizeof(names), _Alignof(const char *const[4]), "const char *const[4]", &__mpp_ty_cccp, 4, 0};

static const char *const __mpp_sn2_1[] = {"d", "acc", "local", "end", "q"};
static const struct mpp_type *const __mpp_st2_1[] = {&mpp_t_int, &__mpp_ty_longp, &__mpp_ty_int4, &__mpp_ty_intp, &__mpp_ty_intp};
static const char *const __mpp_sn2_2[] = {"d", "acc", "local"};
static const struct mpp_type *const __mpp_st2_2[] = {&mpp_t_int, &__mpp_ty_longp, &__mpp_ty_int4};
static const struct mpp_site __mpp_sites2[] = {
	{49, 5, __mpp_sn2_1, __mpp_st2_1},
	{62, 3, __mpp_sn2_2, __mpp_st2_2},
};
static const char *const __mpp_sn3_1[] = {"argc", "argv", "acc", "counter", "buf", "s", "rounds", "every", "round"};
static const struct mpp_type *const __mpp_st3_1[] = {&mpp_t_int, &__mpp_ty_charpp, &mpp_t_long, &mpp_t_int, &__mpp_ty_char32, &__mpp_ty_ccharp, &mpp_t_int, &mpp_t_int, &mpp_t_int};
static const char *const __mpp_sn3_2[] = {"argc", "argv", "acc", "counter", "buf", "s", "rounds", "every", "round", "r"};
static const struct mpp_type *const __mpp_st3_2[] = {&mpp_t_int, &__mpp_ty_charpp, &mpp_t_long, &mpp_t_int, &__mpp_ty_char32, &__mpp_ty_ccharp, &mpp_t_int, &mpp_t_int, &mpp_t_int, &mpp_t_long};
static const struct mpp_site __mpp_sites3[] = {
	{103, 9, __mpp_sn3_1, __mpp_st3_1},
	{123, 10, __mpp_sn3_2, __mpp_st3_2},
};
static const struct mpp_global __mpp_globals[] = {
	{"walk.c:total", (void *)&total, &mpp_t_long, 0},
	{"walk.c:gp", (void *)&gp, &__mpp_ty_intp, 0},
	{"walk.c:ring", (void *)&ring, &__mpp_ty_node3, 0},
	{"walk.c:cur", (void *)&cur, &__mpp_ty_nodep, 0},
	{"walk.c:names", (void *)&names, &__mpp_ty_names, 0}, /* read-only: the runtime finds out */
	{"walk.c:op", (void *)&op, &mpp_t_fnptr, 0},
	{"walk.c:first_arg", (void *)&first_arg, &__mpp_ty_charp, 0},
};
static const struct mpp_func __mpp_funcs[4] = {
	{"walk.c:twice", (void (*)(void))twice, 0, 0},
	{"walk.c:square", (void (*)(void))square, 0, 0},
	{"walk.c:walk", (void (*)(void))walk, 2, __mpp_sites2},
	{"main", (void (*)(void))__mpp_user_main, 2, __mpp_sites3},
};
static const struct mpp_unit __mpp_unit = {MPP_ABI_VERSION, "walk.c", 0x77616c6b2e630001ULL, 7, __mpp_globals, 4, __mpp_funcs};
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
