/* mpp-test: cflags=--mpp-auto */
/* The address of a compound literal in a function that can reach a
 * point; one whose address is not taken is accepted. */
struct pt {
	int x, y;
};
int main(void)
{
	struct pt *p = &(struct pt){3, 4};
	struct pt q = (struct pt){1, 2};
	int *v = (int[]){1, 2, 3};
	int s = 0, n = 10;
	for (int i = 0; i < n; i++)
		s += p->x * i + q.y + v[i % 3];
	return s == 165 ? 0 : 1;
}
