/* main.c: the first file of the multi-file test; calls into util.c. */
#include <stdio.h>

#include "util.h"

int main(void)
{
	long t = 0;
	for (int k = 0; k < 300; k++)
		t += sum_to(k);
	printf("%ld\n", t);
	return 0;
}
