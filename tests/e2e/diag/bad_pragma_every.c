/* A loop pragma with an out-of-range count. */
int main(void)
{
	int s = 0;
#pragma mpp loop every 0
	for (int i = 0; i < 10; i++)
		s += i;
	return s;
}
