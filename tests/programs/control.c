/* control.c: every kind of loop (for, while, do-while, nested, with break
 * and continue), switch with fallthrough, goto forward and backward, Duff's
 * device, and nested blocks whose variables shadow each other, with poll
 * points inside all of them. Restoring must jump back into the right
 * block, case and iteration. */
#include <stdio.h>

static unsigned trace = 1;
static void t(unsigned v)
{
	trace = trace * 33 + v;
}

static int loops(int n)
{
	int sum = 0, i = 0;

#pragma mpp loop
	for (int k = 0; k < n; k++) {
		if (k % 3 == 0)
			continue;
		if (k > 40)
			break;
		sum += k;
	}
	t((unsigned)sum);

#pragma mpp loop
	while (i < n) {
		i += 3;
		if (i % 2)
			continue;
		sum -= i;
	}
	t((unsigned)sum);

	i = 0;
#pragma mpp loop every 4
	do {
		sum += i * i;
		i++;
	} while (i < n / 2);
	t((unsigned)sum);

	/* nested, with break out of the inner loop only */
#pragma mpp loop
	for (int a = 0; a < 12; a++) {
#pragma mpp loop every 5
		for (int b = 0; b < 12; b++) {
			if (b > a)
				break;
			int c = 0;
			while (c < b) {
				c += 2;
				if (c == 6)
					continue;
				sum += a * b - c;
			}
		}
	}
	t((unsigned)sum);
	return sum;
}

static int classify(int v)
{
	int score = 0;
	switch (v % 8) {
	case 0:
		score += 1;
		/* fallthrough */
	case 1: {
#pragma mpp point
		score += 10;
	}
		/* fallthrough */
	case 2:
		score += 100;
		break;
	case 3: {
		int local = v * 2;
#pragma mpp point
		score += local;
		break;
	}
	case 4:
	case 5:
		score -= 7;
		/* fallthrough */
	default:
		score += 1000;
	}
	return score;
}

static int gotos(int n)
{
	int i = 0, acc = 0;
again:
	acc += i;
	i++;
	if (i % 7 == 0)
		goto skip;
	acc ^= i << 3;
skip:;
#pragma mpp point
	if (i < n)
		goto again; /* backward */
	if (acc < 0)
		goto out; /* forward */
	acc += 5;
out:
	return acc;
}

static void duff(unsigned char *to, const unsigned char *from, int count)
{
	int n = (count + 7) / 8;
	switch (count % 8) {
	case 0:
#pragma mpp loop
		do {
			*to++ = *from++;
			/* fallthrough */
		case 7:
			*to++ = *from++;
			/* fallthrough */
		case 6:
			*to++ = *from++;
			/* fallthrough */
		case 5:
			*to++ = *from++;
			/* fallthrough */
		case 4:
			*to++ = *from++;
			/* fallthrough */
		case 3:
			*to++ = *from++;
			/* fallthrough */
		case 2:
			*to++ = *from++;
			/* fallthrough */
		case 1:
			*to++ = *from++;
		} while (--n > 0);
	}
}

static int shadows(int x)
{
	int r = x;
	{
		int x = r * 2; /* shadows the parameter */
		{
			int x2 = x + 1, x = 3; /* shadows again */
#pragma mpp point
			r += x * 100 + x2;
			for (int x = 0; x < 3; x++) {
#pragma mpp point
				r += x;
			}
		}
		r += x;
	}
	{
		long x = -1; /* another type under the same name */
#pragma mpp point
		r += (int)x;
	}
	return r + x;
}

int main(void)
{
	unsigned char src[100], dst[100];
	int total = 0;

	for (int i = 0; i < 100; i++)
		src[i] = (unsigned char)(i * 7 + 3);

	total += loops(60);
	printf("loops: %d trace %08x\n", total, trace);
	for (int v = 0; v < 24; v++) {
		int c = classify(v);
		t((unsigned)c);
		total += c;
	}
	printf("classify: %d trace %08x\n", total, trace);
	total += gotos(50);
	printf("gotos: %d\n", total);
	for (int len = 0; len <= 20; len++) {
		for (int i = 0; i < 100; i++)
			dst[i] = 0;
		duff(dst, src + len, 3 * len + 1);
		unsigned h = 0;
		for (int i = 0; i < 100; i++)
			h = h * 31 + dst[i];
		t(h);
	}
	printf("duff: trace %08x\n", trace);
	for (int i = 0; i < 5; i++)
		total += shadows(i);
	printf("shadows: %d trace %08x\n", total, trace);
	return total % 2 ? 9 : 0;
}
