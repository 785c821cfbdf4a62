/* A point must stand between the statements of a block. */
int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
#pragma mpp point
		return 1;
	return 0;
}
