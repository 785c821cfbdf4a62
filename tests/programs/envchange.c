/* envchange.c: the program changes its environment between poll points
 * (setenv of a new and of an existing variable, unsetenv); getenv must
 * see the same values after every restore. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	long sum = 0;
	for (int i = 0; i < 600; i++) {
		char v[32];
		snprintf(v, sizeof v, "%d", i * 7);
		setenv("ENVCHANGE_X", v, 1);
		if (i % 3 == 0)
			setenv("ENVCHANGE_Y", v, 0);
		if (i % 50 == 49)
			unsetenv("ENVCHANGE_Y");
#pragma mpp point
		sum += atoi(getenv("ENVCHANGE_X"));
		const char *y = getenv("ENVCHANGE_Y");
		sum += y ? atoi(y) : -1;
	}
	printf("sum %ld x %s y %s\n", sum, getenv("ENVCHANGE_X"),
	       getenv("ENVCHANGE_Y") ? getenv("ENVCHANGE_Y") : "(unset)");
	return 0;
}
