/* narrow_args.c: arguments with side effects (assignments, increments) that
 * are narrower than the parameters they are passed to, in calls that can
 * reach a poll point. mppcc holds each in a temporary of the argument's own
 * type; its type table entry must have that size too, not the parameter's
 * (a uint16_t saved as a uint64_t reads and writes 6 bytes past it: the
 * sanitized suite sees it). */
#include <stdint.h>
#include <stdio.h>

static uint64_t acc;

static uint64_t mix(uint64_t a, int64_t b, double c, int d)
{
	acc = acc * 31 + a + (uint64_t)b + (uint64_t)(c * 4) + (uint64_t)d;
#pragma mpp point
	return acc;
}

int main(void)
{
	uint8_t u8 = 0;
	uint16_t u16 = 7;
	int32_t i32 = -5;
	float f = 0.5f;
	char ch = 'a';
	uint64_t sum = 0;
	for (int i = 0; i < 300; i++) {
		sum += mix((u16 = (uint16_t)(u16 * 3 + i)), (i32 -= 3), (f += 0.25f), (ch = (char)('a' + i % 26)));
		sum ^= mix((u8 += 5), u16++, f, ch);
		if (i % 50 == 0)
			printf("%d: u8=%u u16=%u i32=%d f=%.2f ch=%c sum=%llu\n", i, (unsigned)u8, (unsigned)u16,
			       (int)i32, (double)f, ch, (unsigned long long)sum);
	}
	printf("sum=%llu acc=%llu\n", (unsigned long long)sum, (unsigned long long)acc);
	return 0;
}
