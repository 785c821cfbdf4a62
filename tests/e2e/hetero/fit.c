/* fit.c: values that cannot move to every architecture. Usage: fit MODE.
 * At round 3 the program stores, depending on MODE: 1 a 64-bit value in a
 * long global, 2 in a long field of a heap struct, 3 in a long local, 4 a
 * char pointer into the middle of a long, 5 a bit-field struct, 6 a union
 * of int and char[4]; 0 nothing of the kind. A state captured after that
 * on x86_64 or s390x must be refused where the value cannot be
 * represented, naming it, and restored everywhere else. */
#include <stdio.h>
#include <stdlib.h>

struct acct {
	int id;
	long balance;
};

struct bits {
	unsigned lo : 4;
	unsigned hi : 12;
};

union word {
	int i;
	char c[4];
};

long big = 1;
long cell = 7;
char *bytep;
struct bits packed;
union word w;

/* 2^(bits of long - 2): 2^62 where long has 64 bits */
static long wide(void)
{
	return (long)((unsigned long)1 << (sizeof(long) * 8 - 2));
}

int main(int argc, char **argv)
{
	int mode = argc > 1 ? atoi(argv[1]) : 0;
	struct acct *a = malloc(4 * sizeof *a);
	long local = 5;
	long sum = 0;

	for (int i = 0; i < 4; i++) {
		a[i].id = i;
		a[i].balance = 100 * i;
	}
	for (int round = 0; round < 6; round++) {
		if (round == 3) {
			switch (mode) {
			case 1: big = wide(); break;
			case 2: a[2].balance = -wide(); break;
			case 3: local = wide() + 3; break;
			case 4: bytep = (char *)&cell + 1; break;
			case 5: packed.hi = 300; break;
			case 6: w.i = 0x01020304; break;
			}
		}
#pragma mpp point
		sum += (big > 1) + (a[2].balance < 0) + (local > 5) + (bytep != 0) + packed.hi + w.c[0] + round;
		printf("round %d sum %ld\n", round, sum);
	}
	free(a);
	return 0;
}
