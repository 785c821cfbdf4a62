/* mpp-test: cflags=--mpp-auto */
/* Inline assembly in a function that can reach a point. */
int main(void)
{
	int s = 0;
	for (int i = 0; i < 4; i++) {
		__asm__ volatile("" ::: "memory");
		s += i;
	}
	return s - 6;
}
