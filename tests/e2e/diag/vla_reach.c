/* mpp-test: cflags=--mpp-auto */
/* A variable-length array in a function that can reach a point. */
int sum(int n)
{
	int a[n];
	int s = 0;
	for (int i = 0; i < n; i++) {
		a[i] = i;
		s += a[i];
	}
	return s;
}
int main(void)
{
	return sum(4) - 6;
}
