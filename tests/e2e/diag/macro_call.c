/* mpp-test: cflags=--mpp-auto */
/* A call that can reach a point, hidden in a macro that evaluates it twice. */
#define MAX(a, b) ((a) > (b) ? (a) : (b))
static int work(int n)
{
	int s = 0;
	for (int i = 0; i < n; i++)
		s += i;
	return s;
}
int main(void)
{
	int m = MAX(work(3), 2);
	return m - 3;
}
