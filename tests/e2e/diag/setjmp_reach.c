/* mpp-test: cflags=--mpp-auto */
/* setjmp in a function that can reach a point. */
#include <setjmp.h>
static jmp_buf env;
int main(void)
{
	int s = 0, n = 4;
	if (setjmp(env))
		return 1;
	for (int i = 0; i < n; i++)
		s += i;
	return s - 6;
}
