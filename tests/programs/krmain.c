/* krmain.c: a main in the old style of the pvm-examples programs: no
 * return type, parameters declared K&R-style, and static locals (a table
 * of names, a pointer set through its address by a K&R helper, a
 * counter). mppcc moves the statics to file scope before renaming main:
 * the two edits meet at main's first character. */
#include <stdio.h>

static void note();

main(argc, argv)
int argc;
char *argv[];
{
	static char *names[] = {"alpha", "beta", "gamma", "delta"};
	static long *total = (long *)0, calls;
	static long sum;
	int round, i;

	note(&total, &sum);
#pragma mpp loop
	for (round = 0; round < 2000; round++) {
#pragma mpp loop
		for (i = 0; i < 4; i++) {
			*total += (long)(names[i][round % 5 < 4 ? round % 5 : 0] * (round + 1)) % 97;
			calls++;
		}
	}
	printf("%s..%s: total %ld after %ld steps (argc %d)\n", names[0], names[3], *total, calls, argc);
	return 0;
}

static void note(pp, target)
long **pp;
long *target;
{
	*pp = target;
}
