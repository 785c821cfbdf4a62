/* interp.c: a tiny register bytecode machine (one switch per instruction)
 * running a program that sums the Collatz sequence lengths of 1..N.
 *
 * Usage: interp [N]   (default 160000)
 *
 * The dispatch loop polls on every instruction, the finest grain a loop
 * pragma can give: the kernel where the fast path of a poll shows most. */
/* mpp-bench: small=30000 */
#include <stdio.h>
#include <stdlib.h>

enum op { LI, MOV, ADDI, MULI, ANDI, SHRI, JEQ, JGT, JMP, HALT };

struct insn {
	int op, a, b;
	long long imm; /* immediate, or jump target */
};

#define NREG 8

/* r0 = i, r1 = N, r2 = x, r3 = total steps, r4 = scratch, r5 = 1 */
static const struct insn prog[] = {
	/*  0 */ {LI, 0, 0, 1},
	/*  1 */ {LI, 3, 0, 0},
	/*  2 */ {LI, 5, 0, 1},
	/*  3 */ {LI, 6, 0, 0},
	/*  4 */ {JGT, 0, 1, 17}, /* i > N: done */
	/*  5 */ {MOV, 2, 0, 0},
	/*  6 */ {JEQ, 2, 5, 15}, /* x == 1: next i */
	/*  7 */ {ANDI, 4, 2, 1},
	/*  8 */ {JEQ, 4, 5, 12}, /* odd */
	/*  9 */ {SHRI, 2, 2, 1},
	/* 10 */ {ADDI, 3, 3, 1},
	/* 11 */ {JMP, 0, 0, 6},
	/* 12 */ {MULI, 2, 2, 3},
	/* 13 */ {ADDI, 2, 2, 1},
	/* 14 */ {JMP, 0, 0, 10},
	/* 15 */ {ADDI, 0, 0, 1},
	/* 16 */ {JMP, 0, 0, 4},
	/* 17 */ {HALT, 0, 0, 0},
};

static long long reg[NREG];

static long long run(long long n)
{
	int pc = 0, running = 1;
	long long executed = 0;
	reg[1] = n;
#pragma mpp loop
	while (running) {
		const struct insn *in = &prog[pc++];
		executed++;
		switch (in->op) {
		case LI:
			reg[in->a] = in->imm;
			break;
		case MOV:
			reg[in->a] = reg[in->b];
			break;
		case ADDI:
			reg[in->a] = reg[in->b] + in->imm;
			break;
		case MULI:
			reg[in->a] = reg[in->b] * in->imm;
			break;
		case ANDI:
			reg[in->a] = reg[in->b] & in->imm;
			break;
		case SHRI:
			reg[in->a] = reg[in->b] >> in->imm;
			break;
		case JEQ:
			if (reg[in->a] == reg[in->b])
				pc = (int)in->imm;
			break;
		case JGT:
			if (reg[in->a] > reg[in->b])
				pc = (int)in->imm;
			break;
		case JMP:
			pc = (int)in->imm;
			break;
		case HALT:
		default:
			running = 0;
			break;
		}
	}
	return executed;
}

int main(int argc, char **argv)
{
	long long n = argc > 1 ? atoll(argv[1]) : 160000;

	if (n < 1) {
		fprintf(stderr, "usage: interp [N (>= 1)]\n");
		return 2;
	}
	long long executed = run(n);
	printf("collatz steps of 1..%lld: %lld (%lld instructions)\n", n, reg[3], executed);
	return 0;
}
