/* '#pragma mpp loop' before something that is not a loop. */
int main(void)
{
	int s = 0;
#pragma mpp loop
	s = 3;
	return s;
}
