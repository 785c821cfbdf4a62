/* scalars.c: every scalar type of C as globals, locals, parameters and
 * function statics, changed step by step around poll points; each step
 * prints all of them, so a value that does not survive a capture/restore
 * (wrong size, wrong type table, lost padding of long double) shows. */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum color { RED, GREEN = 5, BLUE = -3 };
typedef enum { SMALL = 1, BIG = 1 << 20 } size_class;

bool g_bool = true;
char g_char = 'A';
signed char g_schar = -100;
unsigned char g_uchar = 250;
short g_short = -30000;
unsigned short g_ushort = 65000;
int g_int = INT_MIN + 7;
unsigned g_uint = UINT_MAX - 3;
long g_long = LONG_MIN / 3;
unsigned long g_ulong = ULONG_MAX / 5;
long long g_llong = LLONG_MAX / 7;
unsigned long long g_ullong = ULLONG_MAX - 11;
float g_float = 1.5f;
double g_double = 3.141592653589793;
long double g_ldouble = 2.718281828459045235360287L;
enum color g_color = BLUE;
size_class g_class = BIG;
static int8_t g_i8 = -128;
static uint16_t g_u16 = 1;
static int32_t g_i32 = -1;
static uint64_t g_u64 = 0x0123456789abcdefull;
static size_t g_size = 12345;
static ptrdiff_t g_diff = -54321;
static intptr_t g_iptr = 77;
static wchar_t g_wchar = L'z';

static void print_globals(int step)
{
	printf("%3d G %d %c %d %u %d %u %d %u %ld %lu %lld %llu %.3f %.9f %.15Lf %d %d\n", step,
	       g_bool, g_char, g_schar, g_uchar, g_short, g_ushort, g_int, g_uint, g_long, g_ulong,
	       g_llong, g_ullong, g_float, g_double, g_ldouble, (int)g_color, (int)g_class);
	printf("%3d T %d %u %d %llu %zu %td %ld %ld\n", step, g_i8, g_u16, g_i32,
	       (unsigned long long)g_u64, g_size, g_diff, (long)g_iptr, (long)g_wchar);
}

static void step_globals(int i)
{
	g_bool = !g_bool;
	g_char = (char)('A' + (g_char - 'A' + 1) % 26);
	g_schar = (signed char)(g_schar + 3);
	g_uchar = (unsigned char)(g_uchar + 7);
	g_short = (short)(g_short + 1001);
	g_ushort = (unsigned short)(g_ushort + 999);
	g_int += 100003;
	g_uint += 2000000011u;
	g_long += 123456789L;
	g_ulong = g_ulong * 3 + 1;
	g_llong -= 987654321LL;
	g_ullong = g_ullong * 6364136223846793005ull + 1442695040888963407ull;
	g_float *= 1.25f;
	g_double = g_double / 3.0 + i;
	g_ldouble = g_ldouble * 1.0001L + 0.5L;
	g_color = g_color == RED ? GREEN : g_color == GREEN ? BLUE : RED;
	g_class = g_class == SMALL ? BIG : SMALL;
	g_i8 = (int8_t)(g_i8 + 5);
	g_u16 = (uint16_t)(g_u16 * 3);
	g_i32 = g_i32 * 7 % 1000003;
	g_u64 = (g_u64 << 7) | (g_u64 >> 57);
	g_size += (size_t)i * 17;
	g_diff -= i;
	g_iptr ^= i;
	g_wchar = (wchar_t)(L'a' + (g_wchar - L'a' + 3) % 26);
}

/* Parameters of every type, changed inside a loop with a poll point. */
static long double mix(bool b, char c, signed char sc, unsigned char uc, short s,
		       unsigned short us, int n, unsigned u, long l, unsigned long ul,
		       long long ll, unsigned long long ull, float f, double d,
		       long double ld, enum color col)
{
	static unsigned calls; /* a function static */
	long double acc = 0;
	calls++;
#pragma mpp loop
	for (int k = 0; k < 4; k++) {
		acc += b + c + sc + uc + s + us + (n % 1000) + (u % 1000) + (l % 1000) +
		       (ul % 1000) + (ll % 1000) + (ull % 1000) + f + d + ld + col;
		b = !b;
		c++;
		uc = (unsigned char)(uc * 2 + 1);
		f /= 2;
		ld *= 1.5L;
	}
	return acc + calls;
}

int main(void)
{
	bool l_bool = false;
	char l_char = 'z';
	signed char l_schar = 100;
	unsigned char l_uchar = 0;
	short l_short = 12345;
	unsigned short l_ushort = 1;
	int l_int = -5;
	unsigned l_uint = 1;
	long l_long = 1;
	unsigned long l_ulong = 2;
	long long l_llong = -3;
	unsigned long long l_ullong = 4;
	float l_float = 0.1f;
	double l_double = 0.2;
	long double l_ldouble = 0.3L;
	enum color l_color = GREEN;
	size_class l_class = SMALL;
	uint8_t l_u8 = 200;
	int64_t l_i64 = INT64_MIN / 9;
	long double total = 0;

#pragma mpp loop
	for (int step = 0; step < 40; step++) {
		step_globals(step);
		l_bool = l_bool != (step % 3 == 0);
		l_char = (char)(l_char - 1);
		l_schar = (signed char)(l_schar - 9);
		l_uchar = (unsigned char)(l_uchar + 37);
		l_short = (short)(l_short * 3 % 30011);
		l_ushort = (unsigned short)(l_ushort * 5 + 3);
		l_int = l_int * -3 % 100000;
		l_uint = l_uint * 2654435761u;
		l_long = l_long * 31 % 1000000007L;
		l_ulong = l_ulong * l_ulong + 1;
		l_llong = l_llong * -7 % 1000000000000LL;
		l_ullong = l_ullong * 0x9e3779b97f4a7c15ull;
		l_float = l_float * 1.1f + 0.01f;
		l_double = l_double * 1.01 - 0.001;
		l_ldouble = l_ldouble * 1.001L + 1e-6L;
		l_color = (enum color)((l_color == GREEN) ? RED : GREEN);
		l_class = l_class == SMALL ? BIG : SMALL;
		l_u8 = (uint8_t)(l_u8 + 11);
		l_i64 += 1000000007;
#pragma mpp point
		total += mix(l_bool, l_char, l_schar, l_uchar, l_short, l_ushort, l_int, l_uint, l_long,
			     l_ulong, l_llong, l_ullong, l_float, l_double, l_ldouble, l_color);
		print_globals(step);
		printf("%3d L %d %d %d %u %d %u %d %u %ld %lu %lld %llu %.4f %.9f %.12Lf %d %d %u %lld "
		       "%.6Lf\n",
		       step, l_bool, l_char, l_schar, l_uchar, l_short, l_ushort, l_int, l_uint, l_long,
		       l_ulong, l_llong, l_ullong, l_float, l_double, l_ldouble, (int)l_color,
		       (int)l_class, l_u8, (long long)l_i64, total);
	}
	return 0;
}
