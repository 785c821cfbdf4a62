/* interp.c: a tiny assembler and stack machine. The assembler turns text
 * into bytecode (two passes, labels); the interpreter is a loop around a
 * switch dispatch with a local operand stack and call stack, polling every
 * 16 instructions. Runs Fibonacci, Euclid's GCD as a subroutine and a
 * Collatz search. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op { PUSH, POP, DUP, SWAP, OVER, ADD, SUB, MUL, DIV, MOD, LT, JMP, JZ, CALL, RET, PRINT, HALT,
	  LOAD, STORE, NOPS };

static const char *const opname[NOPS] = {"push", "pop", "dup", "swap", "over", "add", "sub",
					 "mul", "div", "mod", "lt", "jmp", "jz", "call", "ret",
					 "print", "halt", "load", "store"};

static const char *const fib_src[] = {
	"push 0", "store 0", "push 1", "store 1", "push 0", "store 2",
	"loop:", "load 2", "push 30", "lt", "jz end",
	"load 0", "print",
	"load 0", "load 1", "add", "load 1", "store 0", "store 1",
	"load 2", "push 1", "add", "store 2", "jmp loop",
	"end:", "halt", NULL};

static const char *const gcd_src[] = {
	"push 1071", "push 462", "call gcd", "print",
	"push 270", "push 192", "call gcd", "print",
	"push 17", "push 5", "call gcd", "print",
	"push 4096", "push 1536", "call gcd", "halt",
	"gcd:", "dup", "jz done", "swap", "over", "mod", "jmp gcd",
	"done:", "pop", "ret", NULL};

static const char *const collatz_src[] = {
	"push 1", "store 0", "push 0", "store 1", "push 0", "store 4",
	"outer:", "load 0", "push 300", "lt", "jz fin",
	"load 0", "store 2", "push 0", "store 3",
	"inner:", "push 1", "load 2", "lt", "jz endin",
	"load 3", "push 1", "add", "store 3",
	"load 2", "push 2", "mod", "jz even",
	"load 2", "push 3", "mul", "push 1", "add", "store 2", "jmp inner",
	"even:", "load 2", "push 2", "div", "store 2", "jmp inner",
	"endin:", "load 1", "load 3", "lt", "jz skip",
	"load 3", "store 1", "load 0", "store 4",
	"skip:", "load 0", "push 1", "add", "store 0", "jmp outer",
	"fin:", "load 4", "print", "load 1", "print", "push 0", "halt", NULL};

struct vm {
	long stack[64];
	int sp;
	int calls[16];
	int csp;
	long mem[8];
	unsigned long steps;
	unsigned long opcount[NOPS];
};

/* Two passes: label addresses first, then code. Returns the code length. */
static int assemble(const char *const *src, int *code, int max)
{
	char labels[16][16];
	int addr[16], nlabels = 0;
	for (int pass = 0; pass < 2; pass++) {
		int pc = 0;
		for (int i = 0; src[i]; i++) {
			char word[16], arg[16];
			size_t len = strlen(src[i]);
			if (src[i][len - 1] == ':') {
				if (pass == 0 && nlabels < 16) {
					snprintf(labels[nlabels], sizeof labels[0], "%.*s", (int)(len - 1),
						 src[i]);
					addr[nlabels++] = pc;
				}
				continue;
			}
			int n = sscanf(src[i], "%15s %15s", word, arg);
			int op = 0;
			while (op < NOPS && strcmp(opname[op], word) != 0)
				op++;
			if (pass == 1 && pc < max)
				code[pc] = op;
			pc++;
			if (n == 2) {
				int v = 0;
				if (arg[0] >= '0' && arg[0] <= '9') {
					v = atoi(arg);
				} else if (pass == 1) {
					for (int l = 0; l < nlabels; l++)
						if (strcmp(labels[l], arg) == 0)
							v = addr[l];
				}
				if (pass == 1 && pc < max)
					code[pc] = v;
				pc++;
			}
		}
		if (pass == 1)
			return pc;
	}
	return 0;
}

static long run(const int *code, int len, struct vm *m, char *out, int outlen)
{
	int pc = 0, used = 0;
	m->sp = m->csp = 0;
#pragma mpp loop every 16
	while (pc >= 0 && pc < len) {
		int op = code[pc++];
		long a, b;
		m->steps++;
		m->opcount[op]++;
		switch (op) {
		case PUSH:
			m->stack[m->sp++] = code[pc++];
			break;
		case POP:
			m->sp--;
			break;
		case DUP:
			m->stack[m->sp] = m->stack[m->sp - 1];
			m->sp++;
			break;
		case SWAP:
			a = m->stack[m->sp - 1];
			m->stack[m->sp - 1] = m->stack[m->sp - 2];
			m->stack[m->sp - 2] = a;
			break;
		case OVER:
			m->stack[m->sp] = m->stack[m->sp - 2];
			m->sp++;
			break;
		case ADD:
		case SUB:
		case MUL:
		case DIV:
		case MOD:
		case LT:
			b = m->stack[--m->sp];
			a = m->stack[m->sp - 1];
			m->stack[m->sp - 1] = op == ADD ? a + b
					      : op == SUB ? a - b
					      : op == MUL ? a * b
					      : op == DIV ? a / b
					      : op == MOD ? a % b
							  : a < b;
			break;
		case JMP:
			pc = code[pc];
			break;
		case JZ:
			a = m->stack[--m->sp];
			pc = a ? pc + 1 : code[pc];
			break;
		case CALL:
			m->calls[m->csp++] = pc + 1;
			pc = code[pc];
			break;
		case RET:
			if (m->csp == 0)
				return -3;
			pc = m->calls[--m->csp];
			break;
		case PRINT:
			a = m->stack[--m->sp];
			if (used < outlen - 24)
				used += snprintf(out + used, (size_t)(outlen - used), "%ld ", a);
			break;
		case HALT:
			return m->sp ? m->stack[m->sp - 1] : 0;
		case LOAD:
			m->stack[m->sp++] = m->mem[code[pc++]];
			break;
		case STORE:
			m->mem[code[pc++]] = m->stack[--m->sp];
			break;
		default:
			return -1;
		}
	}
	return -2;
}

int main(void)
{
	static const char *const *const progs[] = {fib_src, gcd_src, collatz_src};
	static const char *const names[] = {"fib", "gcd", "collatz"};
	struct vm m;
	int code[256];
	char out[512];

	memset(&m, 0, sizeof m);
	for (int p = 0; p < 3; p++) {
		int len = assemble(progs[p], code, 256);
		out[0] = 0;
		long r = run(code, len, &m, out, sizeof out);
		printf("%s (%d words): %s-> %ld\n", names[p], len, out, r);
	}
	printf("steps %lu:", m.steps);
	for (int i = 0; i < NOPS; i++)
		if (m.opcount[i])
			printf(" %s=%lu", opname[i], m.opcount[i]);
	printf("\n");
	return 0;
}
