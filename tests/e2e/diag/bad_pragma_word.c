/* An unknown directive word. */
int main(void)
{
#pragma mpp pointt
	return 0;
}
