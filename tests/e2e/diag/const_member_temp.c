/* mpp-test: cflags=--mpp-auto */
/* A call that can reach a point returns a struct with a const member inside
 * an expression: its value would need a temporary, which C cannot assign. */
struct s {
	int a;
	const long b;
};
struct s make(int n)
{
	struct s r = {0, 0};
	for (int i = 0; i < n; i++)
		r.a += i;
	return r;
}
int main(void)
{
	return make(4).a + 1 - 7;
}
