/* mpp-test: cflags=--mpp-auto */
/* A pointer kept in an integer cannot be relocated. */
#include <stdint.h>
int main(void)
{
	int x = 5;
	uintptr_t hidden = (uintptr_t)&x;
	int s = 0, n = 4;
	for (int i = 0; i < n; i++)
		s += i;
	return s - 6 + *(int *)hidden - 5;
}
