/* nosave names a variable that does not exist. */
int main(void)
{
	int table = 1;
#pragma mpp nosave(tabel)
#pragma mpp point
	return table - 1;
}
