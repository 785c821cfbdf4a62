/* A nomigrate function cannot hold a point. */
#pragma mpp nomigrate
static int f(int x)
{
#pragma mpp point
	return x + 1;
}
int main(void)
{
	return f(1) - 2;
}
