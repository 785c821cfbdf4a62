/* test_pragma.c: unit tests of grammar/ (mpp_pragma.h), the `#pragma mpp`
 * parser. Every directive and lexical rule of docs/PRAGMAS.md, every error
 * message with its exact position, the "not ours" answer, long and hostile
 * inputs, and a deterministic random-input loop for crashes and leaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mpp_pragma.h"

/* All texts are parsed as if they followed "#pragma " on line 3 of t.c, so
 * text[0] is at 3:9 and "mpp loop every x" has `loop` at 3:13, `x` at 3:24. */
#define T_FILE "t.c"
#define T_LINE 3
#define T_COL 9

static int parse(const char *text, struct mpp_pragma *p, char *err, size_t errlen)
{
	return mpp_pragma_parse(text, T_FILE, T_LINE, T_COL, p, err, errlen);
}

/* Parses `text`, which must succeed, into *p (to be freed by the caller)
 * and checks the kind, `every` and the position of the directive word. */
static void ok_at(const char *text, struct mpp_pragma *p, enum mpp_pragma_kind kind, long every,
                  unsigned line, unsigned col, const char *file, int at)
{
	char err[256] = "";
	int rc = parse(text, p, err, sizeof(err));

	if (rc != 0)
		print_message("text [%s]: rc %d, %s\n", text, rc, err);
	_assert_int_equal(rc, 0, file, at);
	_assert_string_equal(mpp_pragma_kind_name(p->kind), mpp_pragma_kind_name(kind), file, at);
	_assert_int_equal(p->every, every, file, at);
	_assert_int_equal(p->line, line, file, at);
	_assert_int_equal(p->col, col, file, at);
}

/* Same, for a directive without names; frees what it parsed. */
static void ok_plain(const char *text, enum mpp_pragma_kind kind, long every, unsigned line,
                     unsigned col, const char *file, int at)
{
	struct mpp_pragma p;

	ok_at(text, &p, kind, every, line, col, file, at);
	_assert_int_equal(p.nnames, 0, file, at);
	_assert_true(p.names == NULL, "names == NULL", file, at);
	mpp_pragma_free(&p);
}

/* Parses a nosave or onrestore `text` and checks the names, given as one
 * space-separated string. */
static void ok_names(const char *text, enum mpp_pragma_kind kind, const char *names,
                     unsigned col, const char *file, int at)
{
	struct mpp_pragma p;
	char joined[1024] = "";

	ok_at(text, &p, kind, 0, T_LINE, col, file, at);
	for (size_t i = 0; i < p.nnames; i++) {
		if (i > 0)
			strcat(joined, " ");
		strcat(joined, p.names[i]);
	}
	_assert_string_equal(joined, names, file, at);
	mpp_pragma_free(&p);
}

/* Parses `text`, which must fail with exactly "t.c:" + want, and leave the
 * result zeroed. */
static void err_is(const char *text, const char *want, const char *file, int at)
{
	char err[256], full[256];
	struct mpp_pragma p;
	int rc;

	memset(&p, 0x5a, sizeof(p));
	snprintf(full, sizeof(full), T_FILE ":%s", want);
	rc = parse(text, &p, err, sizeof(err));
	if (rc != -1)
		print_message("text [%s]: rc %d\n", text, rc);
	_assert_int_equal(rc, -1, file, at);
	_assert_string_equal(err, full, file, at);
	_assert_true(p.names == NULL && p.nnames == 0, "result zeroed", file, at);
}

/* `text` is not an mpp pragma: 1, with *out and err untouched. */
static void not_ours(const char *text, const char *file, int at)
{
	char err[16] = "untouched";
	struct mpp_pragma p, before;

	memset(&p, 0x5a, sizeof(p));
	before = p;
	_assert_int_equal(parse(text, &p, err, sizeof(err)), 1, file, at);
	_assert_true(memcmp(&p, &before, sizeof(p)) == 0, "out untouched", file, at);
	_assert_string_equal(err, "untouched", file, at);
}

#define OK(text, kind, every, col) ok_plain(text, kind, every, T_LINE, col, __FILE__, __LINE__)
#define OK_AT(text, kind, every, line, col) ok_plain(text, kind, every, line, col, __FILE__, __LINE__)
#define OK_NAMES(text, kind, names, col) ok_names(text, kind, names, col, __FILE__, __LINE__)
#define ERR(text, want) err_is(text, want, __FILE__, __LINE__)
#define NOT_OURS(text) not_ours(text, __FILE__, __LINE__)

/* Messages that recur below. */
#define WORD_EXPECTED \
	"error: expected 'point', 'loop', 'nomigrate', 'nosave' or 'onrestore' after 'mpp', found "
#define RANGE " is out of range (1..2147483647)"

/* ---- Directives ---------------------------------------------------------- */

static void test_point(void **state)
{
	(void)state;
	OK("mpp point", MPP_PRAGMA_POINT, 0, 13);
	OK("mpp point\n", MPP_PRAGMA_POINT, 0, 13);
}

static void test_loop(void **state)
{
	(void)state;
	OK("mpp loop", MPP_PRAGMA_LOOP, 1, 13);
	OK("mpp loop\n", MPP_PRAGMA_LOOP, 1, 13);
	OK("mpp loop every 8", MPP_PRAGMA_LOOP, 8, 13);
	OK("mpp loop every 1", MPP_PRAGMA_LOOP, 1, 13);
	OK("mpp loop every 1000000\n", MPP_PRAGMA_LOOP, 1000000, 13);
	OK("mpp loop every 2147483647", MPP_PRAGMA_LOOP, 2147483647L, 13);
}

static void test_loop_every_hex(void **state)
{
	(void)state;
	OK("mpp loop every 0x10", MPP_PRAGMA_LOOP, 16, 13);
	OK("mpp loop every 0X10", MPP_PRAGMA_LOOP, 16, 13);
	OK("mpp loop every 0xfF", MPP_PRAGMA_LOOP, 255, 13);
	OK("mpp loop every 0x1", MPP_PRAGMA_LOOP, 1, 13);
	OK("mpp loop every 0x0001", MPP_PRAGMA_LOOP, 1, 13);
	OK("mpp loop every 0x7fffffff", MPP_PRAGMA_LOOP, 2147483647L, 13);
	OK("mpp loop every 0x7FFFFFFF\n", MPP_PRAGMA_LOOP, 2147483647L, 13);
}

static void test_nomigrate(void **state)
{
	(void)state;
	OK("mpp nomigrate", MPP_PRAGMA_NOMIGRATE, 0, 13);
	OK("mpp nomigrate\n", MPP_PRAGMA_NOMIGRATE, 0, 13);
}

static void test_nosave(void **state)
{
	(void)state;
	OK_NAMES("mpp nosave(a)", MPP_PRAGMA_NOSAVE, "a", 13);
	OK_NAMES("mpp nosave(a, b, c)\n", MPP_PRAGMA_NOSAVE, "a b c", 13);
	OK_NAMES("mpp nosave(a,b,c)", MPP_PRAGMA_NOSAVE, "a b c", 13);
	OK_NAMES("mpp nosave ( a , b )", MPP_PRAGMA_NOSAVE, "a b", 13);
	OK_NAMES("mpp nosave(_x1, x_2, $y, A9, ab$c)", MPP_PRAGMA_NOSAVE, "_x1 x_2 $y A9 ab$c", 13);
	OK_NAMES("mpp nosave(table, Table)", MPP_PRAGMA_NOSAVE, "table Table", 13);
}

/* Directive words are not reserved: they may name variables and functions. */
static void test_keywords_as_names(void **state)
{
	(void)state;
	OK_NAMES("mpp nosave(mpp, point, loop, every, nomigrate, nosave, onrestore)",
	         MPP_PRAGMA_NOSAVE, "mpp point loop every nomigrate nosave onrestore", 13);
	OK_NAMES("mpp onrestore(point)", MPP_PRAGMA_ONRESTORE, "point", 13);
	OK_NAMES("mpp onrestore(onrestore)", MPP_PRAGMA_ONRESTORE, "onrestore", 13);
}

static void test_onrestore(void **state)
{
	(void)state;
	OK_NAMES("mpp onrestore(f)", MPP_PRAGMA_ONRESTORE, "f", 13);
	OK_NAMES("mpp onrestore(rebuild_index)\n", MPP_PRAGMA_ONRESTORE, "rebuild_index", 13);
	OK_NAMES("mpp onrestore ( g )", MPP_PRAGMA_ONRESTORE, "g", 13);
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(mpp_pragma_kind_name(MPP_PRAGMA_POINT), "point");
	assert_string_equal(mpp_pragma_kind_name(MPP_PRAGMA_LOOP), "loop");
	assert_string_equal(mpp_pragma_kind_name(MPP_PRAGMA_NOMIGRATE), "nomigrate");
	assert_string_equal(mpp_pragma_kind_name(MPP_PRAGMA_NOSAVE), "nosave");
	assert_string_equal(mpp_pragma_kind_name(MPP_PRAGMA_ONRESTORE), "onrestore");
	assert_string_equal(mpp_pragma_kind_name((enum mpp_pragma_kind)42), "unknown");
}

static void test_free_result(void **state)
{
	struct mpp_pragma p;

	(void)state;
	memset(&p, 0, sizeof(p));
	mpp_pragma_free(&p);
	mpp_pragma_free(&p);
	mpp_pragma_free(NULL);
	assert_int_equal(parse("mpp nosave(a, b)", &p, NULL, 0), 0);
	mpp_pragma_free(&p);
	assert_null(p.names);
	assert_int_equal(p.nnames, 0);
	mpp_pragma_free(&p); /* twice is fine */
}

/* ---- Lexical rules --------------------------------------------------------- */

static void test_whitespace(void **state)
{
	(void)state;
	OK("mpp\tloop\tevery\t4", MPP_PRAGMA_LOOP, 4, 13);
	OK("mpp   loop    every  4   ", MPP_PRAGMA_LOOP, 4, 15);
	OK("mpp \f\v loop\r\n", MPP_PRAGMA_LOOP, 1, 16);
	OK("mpp point\r\n", MPP_PRAGMA_POINT, 0, 13);
	OK("mpp point\n\n", MPP_PRAGMA_POINT, 0, 13);
	OK("mpp point \t \n", MPP_PRAGMA_POINT, 0, 13);
	OK_NAMES("mpp nosave(\ta\t,\tb\t)", MPP_PRAGMA_NOSAVE, "a b", 13);
	/* leading blanks, as when the caller keeps the space after #pragma */
	OK(" mpp point", MPP_PRAGMA_POINT, 0, 14);
	OK("\t\tmpp point", MPP_PRAGMA_POINT, 0, 15);
}

static void test_comments(void **state)
{
	(void)state;
	OK("mpp/**/point", MPP_PRAGMA_POINT, 0, 16);
	OK("mpp /* a migration point */ point", MPP_PRAGMA_POINT, 0, 37);
	OK("mpp point // poll here", MPP_PRAGMA_POINT, 0, 13);
	OK("mpp point /* done */", MPP_PRAGMA_POINT, 0, 13);
	OK("mpp point/**/\n", MPP_PRAGMA_POINT, 0, 13);
	OK("mpp point /* ** / * */", MPP_PRAGMA_POINT, 0, 13);
	OK("mpp point /***/", MPP_PRAGMA_POINT, 0, 13);
	OK("mpp point //", MPP_PRAGMA_POINT, 0, 13);
	OK("mpp point // a /* b", MPP_PRAGMA_POINT, 0, 13);
	OK("mpp loop/*x*/every/*y*/8/*z*/", MPP_PRAGMA_LOOP, 8, 13);
	OK("/* before */ mpp loop", MPP_PRAGMA_LOOP, 1, 26);
	OK_NAMES("mpp/*1*/nosave/*2*/(/*3*/a/*4*/,/*5*/b/*6*/)/*7*/", MPP_PRAGMA_NOSAVE, "a b", 17);
	OK_NAMES("mpp onrestore /* fn */ ( /* f */ f ) // end", MPP_PRAGMA_ONRESTORE, "f", 13);
	/* a // comment ends at the end of the line */
	ERR("mpp // loop\npoint x", "4:7: error: unexpected 'x' after 'point'");
}

/* Newlines inside comments and line splices count lines, so positions stay
 * exact on continued lines; the column restarts at 1. */
static void test_lines(void **state)
{
	(void)state;
	OK_AT("mpp /* a\n long\n comment */ loop", MPP_PRAGMA_LOOP, 1, 5, 13);
	OK_AT("mpp \\\nloop every \\\n 3", MPP_PRAGMA_LOOP, 3, 4, 1);
	OK_AT("mpp \\\r\n  loop", MPP_PRAGMA_LOOP, 1, 4, 3);
	OK_AT("mpp // note \\\n still the comment\n  point", MPP_PRAGMA_POINT, 0, 5, 3);
	/* as in C, a splice at the end of a // comment continues the comment */
	ERR("mpp // \\\n point", "3:12: " WORD_EXPECTED "end of line");
	ERR("mpp loop \\\n every \\\n\tx", "5:2: error: expected integer after 'every', found 'x'");
	ERR("mpp loop\nfoo", "4:1: error: unexpected 'foo' after 'loop'");
	ERR("mpp nosave(a,\n  a)", "4:3: error: duplicate name 'a' in nosave list");
}

static void test_columns(void **state)
{
	struct mpp_pragma p;
	char err[128];

	(void)state;
	/* a tab is one column */
	ERR("mpp\t\tpoint\t@", "3:20: error: invalid character '@'");
	/* the position given for text[0] is honoured */
	assert_int_equal(mpp_pragma_parse("mpp loop", "a.c", 1, 1, &p, err, sizeof(err)), 0);
	assert_int_equal(p.line, 1);
	assert_int_equal(p.col, 5);
	assert_int_equal(mpp_pragma_parse("mpp loop", "a.c", 120, 30, &p, err, sizeof(err)), 0);
	assert_int_equal(p.line, 120);
	assert_int_equal(p.col, 34);
	assert_int_equal(mpp_pragma_parse("mpp bad", "dir/b.c", 7, 1, &p, err, sizeof(err)), -1);
	assert_string_equal(err, "dir/b.c:7:5: error: expected 'point', 'loop', 'nomigrate', "
	                         "'nosave' or 'onrestore' after 'mpp', found 'bad'");
	/* bytes, not characters: UTF-8 in a comment takes two columns here */
	OK("mpp /* \xc3\xa9 */ point", MPP_PRAGMA_POINT, 0, 22);
}

static void test_case_sensitive(void **state)
{
	(void)state;
	NOT_OURS("MPP point");
	NOT_OURS("Mpp point");
	ERR("mpp Point", "3:13: " WORD_EXPECTED "'Point'");
	ERR("mpp LOOP", "3:13: " WORD_EXPECTED "'LOOP'");
	ERR("mpp loop EVERY 8", "3:18: error: unexpected 'EVERY' after 'loop'");
	ERR("mpp noSave(a)", "3:13: " WORD_EXPECTED "'noSave'");
}

/* ---- Not an mpp pragma --------------------------------------------------- */

static void test_not_ours(void **state)
{
	(void)state;
	NOT_OURS("omp parallel for");
	NOT_OURS("once");
	NOT_OURS("GCC diagnostic push\n");
	NOT_OURS("pack(1)");
	NOT_OURS("");
	NOT_OURS("   \n");
	NOT_OURS("/* only a comment */");
	NOT_OURS("mppx point");
	NOT_OURS("mpp_point");
	NOT_OURS("mpp1 loop");
	NOT_OURS("xmpp point");
	NOT_OURS("42");
	NOT_OURS("(mpp)");
	NOT_OURS("@mpp point");
	NOT_OURS("/* unterminated");
	NOT_OURS("\"mpp\"");
}

/* ---- Error messages, one group per rule ---------------------------------------- */

static void test_err_directive_word(void **state)
{
	(void)state;
	ERR("mpp", "3:12: " WORD_EXPECTED "end of line");
	ERR("mpp\n", "3:12: " WORD_EXPECTED "end of line");
	ERR("mpp   /* c */  ", "3:12: " WORD_EXPECTED "end of line");
	ERR("mpp foo", "3:13: " WORD_EXPECTED "'foo'");
	ERR("mpp every 8", "3:13: " WORD_EXPECTED "'every'");
	ERR("mpp mpp point", "3:13: " WORD_EXPECTED "'mpp'");
	ERR("mpp (a)", "3:13: " WORD_EXPECTED "'('");
	ERR("mpp 12", "3:13: " WORD_EXPECTED "'12'");
	ERR("mpp ,", "3:13: " WORD_EXPECTED "','");
	ERR("mpp )", "3:13: " WORD_EXPECTED "')'");
}

static void test_err_every_integer(void **state)
{
	(void)state;
	ERR("mpp loop every", "3:23: error: expected integer after 'every', found end of line");
	ERR("mpp loop every\n", "3:23: error: expected integer after 'every', found end of line");
	ERR("mpp loop every x", "3:24: error: expected integer after 'every', found 'x'");
	ERR("mpp loop every every", "3:24: error: expected integer after 'every', found 'every'");
	ERR("mpp loop every (8)", "3:24: error: expected integer after 'every', found '('");
	ERR("mpp loop every 8.5", "3:24: error: expected integer after 'every', found '8.5'");
	ERR("mpp loop every 1e3", "3:24: error: expected integer after 'every', found '1e3'");
	ERR("mpp loop every 12abc", "3:24: error: expected integer after 'every', found '12abc'");
	ERR("mpp loop every 8u", "3:24: error: expected integer after 'every', found '8u'");
	ERR("mpp loop every 8L", "3:24: error: expected integer after 'every', found '8L'");
	ERR("mpp loop every 0x", "3:24: error: expected integer after 'every', found '0x'");
	ERR("mpp loop every 0xg", "3:24: error: expected integer after 'every', found '0xg'");
	ERR("mpp loop every 0x1p3", "3:24: error: expected integer after 'every', found '0x1p3'");
	ERR("mpp loop every .5", "3:24: error: expected integer after 'every', found '.5'");
	ERR("mpp loop every 0b101", "3:24: error: expected integer after 'every', found '0b101'");
	ERR("mpp loop every 1'000", "3:25: error: invalid character '\\''");
	ERR("mpp loop every -", "3:24: error: invalid character '-'");
	ERR("mpp loop every +8", "3:24: error: invalid character '+'");
}

static void test_err_every_range(void **state)
{
	(void)state;
	ERR("mpp loop every 0", "3:24: error: 'every' value 0" RANGE);
	ERR("mpp loop every 0x0", "3:24: error: 'every' value 0x0" RANGE);
	ERR("mpp loop every 0x00000", "3:24: error: 'every' value 0x00000" RANGE);
	ERR("mpp loop every -1", "3:24: error: 'every' value -1" RANGE);
	ERR("mpp loop every -0", "3:24: error: 'every' value -0" RANGE);
	ERR("mpp loop every -0x10", "3:24: error: 'every' value -0x10" RANGE);
	ERR("mpp loop every 2147483648", "3:24: error: 'every' value 2147483648" RANGE);
	ERR("mpp loop every 0x80000000", "3:24: error: 'every' value 0x80000000" RANGE);
	ERR("mpp loop every 4294967297", "3:24: error: 'every' value 4294967297" RANGE);
	/* values that would wrap a 32-bit, 64-bit or 128-bit integer */
	ERR("mpp loop every 18446744073709551617",
	    "3:24: error: 'every' value 18446744073709551617" RANGE);
	ERR("mpp loop every 0x10000000000000001", "3:24: error: 'every' value 0x10000000000000001" RANGE);
	ERR("mpp loop every 340282366920938463463374607431768211457",
	    "3:24: error: 'every' value 340282366920938463463374607431768211457" RANGE);
	/* long numbers are cut after 64 characters in messages */
	ERR("mpp loop every 12345678901234567890123456789012345678901234567890123456789012345678901",
	    "3:24: error: 'every' value "
	    "1234567890123456789012345678901234567890123456789012345678901234..." RANGE);
}

static void test_err_every_leading_zero(void **state)
{
	(void)state;
	ERR("mpp loop every 010",
	    "3:24: error: 'every' value 010 has a leading zero (octal is not supported)");
	ERR("mpp loop every 00",
	    "3:24: error: 'every' value 00 has a leading zero (octal is not supported)");
	ERR("mpp loop every -08",
	    "3:24: error: 'every' value -08 has a leading zero (octal is not supported)");
	ERR("mpp loop every 09", /* not an octal digit: still an integer with a leading zero */
	    "3:24: error: 'every' value 09 has a leading zero (octal is not supported)");
}

static void test_err_nosave_paren(void **state)
{
	(void)state;
	ERR("mpp nosave", "3:19: error: expected '(' after 'nosave', found end of line");
	ERR("mpp nosave a", "3:20: error: expected '(' after 'nosave', found 'a'");
	ERR("mpp nosave a, b", "3:20: error: expected '(' after 'nosave', found 'a'");
	ERR("mpp nosave)", "3:19: error: expected '(' after 'nosave', found ')'");
	ERR("mpp nosave[a]", "3:19: error: invalid character '['");
}

static void test_err_nosave_name(void **state)
{
	(void)state;
	ERR("mpp nosave()", "3:20: error: expected variable name in nosave list, found ')'");
	ERR("mpp nosave(", "3:20: error: expected variable name in nosave list, found end of line");
	ERR("mpp nosave(,a)", "3:20: error: expected variable name in nosave list, found ','");
	ERR("mpp nosave(1)", "3:20: error: expected variable name in nosave list, found '1'");
	ERR("mpp nosave(a,)", "3:22: error: expected variable name in nosave list, found ')'");
	ERR("mpp nosave(a, b,", "3:25: error: expected variable name in nosave list, found end of line");
	ERR("mpp nosave(a,,b)", "3:22: error: expected variable name in nosave list, found ','");
	ERR("mpp nosave(a, 2b)", "3:23: error: expected variable name in nosave list, found '2b'");
	ERR("mpp nosave(*p)", "3:20: error: invalid character '*'");
	ERR("mpp nosave(s.f)", "3:21: error: invalid character '.'");
}

static void test_err_nosave_separator(void **state)
{
	(void)state;
	ERR("mpp nosave(a", "3:21: error: expected ')' or ',' in nosave list, found end of line");
	ERR("mpp nosave(a\n", "3:21: error: expected ')' or ',' in nosave list, found end of line");
	ERR("mpp nosave(a b)", "3:22: error: expected ')' or ',' in nosave list, found 'b'");
	ERR("mpp nosave(a, b c)", "3:25: error: expected ')' or ',' in nosave list, found 'c'");
	ERR("mpp nosave(a(", "3:21: error: expected ')' or ',' in nosave list, found '('");
	ERR("mpp nosave(a 1)", "3:22: error: expected ')' or ',' in nosave list, found '1'");
	ERR("mpp nosave(x;", "3:21: error: invalid character ';'");
}

static void test_err_nosave_duplicate(void **state)
{
	(void)state;
	ERR("mpp nosave(a, a)", "3:23: error: duplicate name 'a' in nosave list");
	ERR("mpp nosave(a,b,c,b)", "3:26: error: duplicate name 'b' in nosave list");
	ERR("mpp nosave(point, point)", "3:27: error: duplicate name 'point' in nosave list");
	/* the first duplicate wins over later syntax errors */
	ERR("mpp nosave(a, a @", "3:23: error: duplicate name 'a' in nosave list");
}

static void test_err_onrestore(void **state)
{
	(void)state;
	ERR("mpp onrestore", "3:22: error: expected '(' after 'onrestore', found end of line");
	ERR("mpp onrestore f", "3:23: error: expected '(' after 'onrestore', found 'f'");
	ERR("mpp onrestore()", "3:23: error: expected function name in onrestore, found ')'");
	ERR("mpp onrestore(", "3:23: error: expected function name in onrestore, found end of line");
	ERR("mpp onrestore(0)", "3:23: error: expected function name in onrestore, found '0'");
	ERR("mpp onrestore(f", "3:24: error: expected ')' after function name in onrestore, "
	                      "found end of line");
	ERR("mpp onrestore(f, g)", "3:24: error: expected ')' after function name in onrestore, "
	                          "found ','");
	ERR("mpp onrestore(f g)", "3:25: error: expected ')' after function name in onrestore, "
	                         "found 'g'");
	ERR("mpp onrestore(f())", "3:24: error: expected ')' after function name in onrestore, "
	                         "found '('");
}

static void test_err_trailing(void **state)
{
	(void)state;
	ERR("mpp point foo", "3:19: error: unexpected 'foo' after 'point'");
	ERR("mpp point point", "3:19: error: unexpected 'point' after 'point'");
	ERR("mpp point()", "3:18: error: unexpected '(' after 'point'");
	ERR("mpp point 1", "3:19: error: unexpected '1' after 'point'");
	ERR("mpp loop foo", "3:18: error: unexpected 'foo' after 'loop'");
	ERR("mpp loop 8", "3:18: error: unexpected '8' after 'loop'");
	ERR("mpp loop every 8 9", "3:26: error: unexpected '9' after 'loop'");
	ERR("mpp loop every 8 every 9", "3:26: error: unexpected 'every' after 'loop'");
	ERR("mpp nomigrate f", "3:23: error: unexpected 'f' after 'nomigrate'");
	ERR("mpp nosave(a) b", "3:23: error: unexpected 'b' after 'nosave'");
	ERR("mpp nosave(a)(b)", "3:22: error: unexpected '(' after 'nosave'");
	ERR("mpp onrestore(f) ,", "3:26: error: unexpected ',' after 'onrestore'");
	ERR("mpp point\nloop", "4:1: error: unexpected 'loop' after 'point'");
	/* long tokens are cut after 64 characters */
	ERR("mpp point abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnop",
	    "3:19: error: unexpected "
	    "'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl...' after 'point'");
	/* a bad character is reported as such, even after a complete directive */
	ERR("mpp point;", "3:18: error: invalid character ';'");
}

static void test_err_unterminated_comment(void **state)
{
	(void)state;
	ERR("mpp /*", "3:13: error: unterminated comment");
	ERR("mpp point /* poll", "3:19: error: unterminated comment");
	ERR("mpp point /* poll */ /* again", "3:30: error: unterminated comment");
	ERR("mpp point /* a\n b\n", "3:19: error: unterminated comment");
	ERR("mpp point /*/", "3:19: error: unterminated comment");
	ERR("mpp nosave(a, /* b)", "3:23: error: unterminated comment");
	ERR("mpp loop \\\n /* x", "4:2: error: unterminated comment");
	/* errors are found left to right: here the word comes first */
	ERR("mpp foo /*", "3:13: " WORD_EXPECTED "'foo'");
}

static void test_err_invalid_character(void **state)
{
	(void)state;
	ERR("mpp point @", "3:19: error: invalid character '@'");
	ERR("mpp@point", "3:12: error: invalid character '@'");
	ERR("mpp point #", "3:19: error: invalid character '#'");
	ERR("mpp point \"x\"", "3:19: error: invalid character '\"'");
	ERR("mpp point 'x'", "3:19: error: invalid character '\\''");
	ERR("mpp point \\", "3:19: error: invalid character '\\\\'");
	ERR("mpp point \\ x", "3:19: error: invalid character '\\\\'");
	ERR("mpp point /", "3:19: error: invalid character '/'");
	ERR("mpp point \x01", "3:19: error: invalid character '\\x01'");
	ERR("mpp point \x7f", "3:19: error: invalid character '\\x7f'");
	ERR("mpp point \xff", "3:19: error: invalid character '\\xff'");
	ERR("mpp point \xc3\xa9", "3:19: error: invalid character '\\xc3'");
	ERR("mpp.point", "3:12: error: invalid character '.'");
	ERR("mpp loop every=8", "3:23: error: invalid character '='");
	/* errors are found left to right: the first one is reported */
	ERR("mpp foo @", "3:13: " WORD_EXPECTED "'foo'");
	ERR("mpp @ foo", "3:13: error: invalid character '@'");
}

/* ---- The message buffer and odd arguments ----------------------------------- */

static void test_err_buffer(void **state)
{
	struct mpp_pragma p;
	char err[16];
	const char *want = "t.c:3:19: error: unexpected 'foo' after 'point'";

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_int_equal(parse("mpp point foo", &p, err, sizeof(err)), -1);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_memory_equal(err, want, sizeof(err) - 1);
	memset(err, 'x', sizeof(err));
	assert_int_equal(parse("mpp point foo", &p, err, 1), -1);
	assert_int_equal(err[0], '\0');
	assert_int_equal(err[1], 'x');
	assert_int_equal(parse("mpp point foo", &p, err, 0), -1);
	assert_int_equal(err[0], '\0');
	assert_int_equal(err[1], 'x');
	assert_int_equal(parse("mpp point foo", &p, NULL, 100), -1);
	assert_int_equal(parse("mpp point", &p, NULL, 0), 0);
	mpp_pragma_free(&p);
}

static void test_odd_arguments(void **state)
{
	struct mpp_pragma p;
	char err[128];

	(void)state;
	assert_int_equal(mpp_pragma_parse(NULL, "t.c", 1, 1, &p, err, sizeof(err)), -1);
	assert_string_equal(err, "t.c:1:1: error: no pragma text or no result structure");
	assert_int_equal(mpp_pragma_parse("mpp point", "t.c", 1, 1, NULL, err, sizeof(err)), -1);
	assert_int_equal(mpp_pragma_parse("mpp foo", NULL, 2, 3, &p, err, sizeof(err)), -1);
	assert_string_equal(err, "<pragma>:2:7: " WORD_EXPECTED "'foo'");
	/* an out struct full of garbage is simply overwritten */
	memset(&p, 0x5a, sizeof(p));
	assert_int_equal(parse("mpp loop every 3", &p, err, sizeof(err)), 0);
	assert_int_equal(p.every, 3);
	assert_null(p.names);
	mpp_pragma_free(&p);
}

/* ---- Large inputs ------------------------------------------------------------ */

static char *xmalloc(size_t n)
{
	char *s = malloc(n);

	assert_non_null(s);
	return s;
}

static void test_long_lines(void **state)
{
	const size_t big = 1 << 20;
	struct mpp_pragma p;
	char err[256], want[128], *s = xmalloc(big + 64);
	size_t n;

	(void)state;
	/* 1 MiB of blanks inside the line */
	n = (size_t)sprintf(s, "mpp");
	memset(s + n, ' ', big);
	strcpy(s + n + big, "point");
	assert_int_equal(parse(s, &p, err, sizeof(err)), 0);
	assert_int_equal(p.col, T_COL + 3 + big);
	mpp_pragma_free(&p);

	/* a 1 MiB identifier, kept whole as a name, cut in messages */
	n = (size_t)sprintf(s, "mpp nosave(");
	memset(s + n, 'v', big);
	strcpy(s + n + big, ")");
	assert_int_equal(parse(s, &p, err, sizeof(err)), 0);
	assert_int_equal(p.nnames, 1);
	assert_int_equal(strlen(p.names[0]), big);
	mpp_pragma_free(&p);
	memcpy(s + n + big, " x", 3);
	assert_int_equal(parse(s, &p, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "t.c:3:%zu: error: expected ')' or ',' in nosave list, found 'x'",
	         T_COL + n + big + 1);
	assert_string_equal(err, want);

	/* a 1 MiB number */
	n = (size_t)sprintf(s, "mpp loop every ");
	memset(s + n, '9', big);
	s[n + big] = '\0';
	assert_int_equal(parse(s, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "error: 'every' value 999"));
	assert_non_null(strstr(err, "9... is out of range (1..2147483647)"));
	free(s);
}

/* A nosave list of many names: all kept in order; a duplicate at the end is
 * still found (and quickly: the check is a hash lookup). */
static void test_many_names(void **state)
{
	const size_t count = 50000;
	struct mpp_pragma p;
	char err[256], *s = xmalloc(count * 12 + 64), name[16];
	size_t n = (size_t)sprintf(s, "mpp nosave(");

	(void)state;
	for (size_t i = 0; i < count; i++)
		n += (size_t)sprintf(s + n, "%sv%zu", i ? ", " : "", i);
	strcpy(s + n, ")");
	assert_int_equal(parse(s, &p, err, sizeof(err)), 0);
	assert_int_equal(p.nnames, count);
	for (size_t i = 0; i < count; i += 997) {
		snprintf(name, sizeof(name), "v%zu", i);
		assert_string_equal(p.names[i], name);
	}
	mpp_pragma_free(&p);
	strcpy(s + n, ", v12345)");
	assert_int_equal(parse(s, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "error: duplicate name 'v12345' in nosave list"));
	free(s);
}

/* ---- Random inputs ------------------------------------------------------------ */

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void) /* xorshift64*, same sequence everywhere */
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 2685821657736338717ULL;
}

/* Parses `text` and checks what holds for any input. */
static void check_any(const char *text)
{
	struct mpp_pragma p;
	char err[96];
	int rc;

	memset(err, 'x', sizeof(err));
	memset(&p, 0, sizeof(p));
	rc = parse(text, &p, err, sizeof(err));
	if (rc == -1) {
		assert_non_null(memchr(err, '\0', sizeof(err)));
		assert_memory_equal(err, "t.c:", 4);
		assert_non_null(strstr(err, ": error: "));
		assert_null(p.names);
	} else if (rc == 0) {
		assert_true(p.kind <= MPP_PRAGMA_ONRESTORE);
		assert_true(p.line >= T_LINE && p.col >= 1);
		if (p.kind == MPP_PRAGMA_LOOP)
			assert_true(p.every >= 1 && p.every <= 2147483647L);
		if (p.kind == MPP_PRAGMA_NOSAVE || p.kind == MPP_PRAGMA_ONRESTORE)
			assert_true(p.nnames >= 1);
		else
			assert_true(p.nnames == 0);
		for (size_t i = 0; i < p.nnames; i++)
			assert_true(p.names[i][0] != '\0');
	} else {
		assert_int_equal(rc, 1);
		assert_int_equal(err[0], 'x');
	}
	mpp_pragma_free(&p);
}

static void test_random_bytes(void **state)
{
	char text[260];

	(void)state;
	for (int i = 0; i < 4000; i++) {
		size_t n = (size_t)(rnd() % 256), start = 0;

		/* half of them start with "mpp " so that the parser gets to work */
		if (i % 2 == 0) {
			memcpy(text, "mpp ", 4);
			start = 4;
		}
		for (size_t j = start; j < n; j++)
			text[j] = (char)(1 + rnd() % 255); /* any byte but NUL */
		text[n > start ? n : start] = '\0';
		check_any(text);
	}
}

/* Random sequences of the language's own tokens and a few wrong ones: they
 * reach every state of the grammar, unlike random bytes. */
static void test_random_tokens(void **state)
{
	static const char *const words[] = {
		"mpp", "point", "loop", "every", "nomigrate", "nosave", "onrestore", "(", ")", ",",
		"a", "b", "f", "8", "0x10", "0", "-1", "010", "99999999999999999999", "1.5", " ",
		"\t", "\n", "\\\n", "/* c */", "/*", "// c\n", "@", "'", "\xff", "mppx", "*/",
	};
	const size_t nwords = sizeof(words) / sizeof(words[0]);
	char text[512];
	int ok = 0, errors = 0;

	(void)state;
	for (int i = 0; i < 6000; i++) {
		size_t n = 0, count = 1 + rnd() % 9;

		n += (size_t)sprintf(text, "mpp ");
		for (size_t j = 0; j < count; j++) {
			const char *w = words[rnd() % nwords];

			n += (size_t)sprintf(text + n, "%s%s", w, rnd() % 2 ? " " : "");
		}
		check_any(text);
		{
			struct mpp_pragma p;
			int rc = parse(text, &p, NULL, 0);

			ok += rc == 0;
			errors += rc == -1;
			if (rc == 0)
				mpp_pragma_free(&p);
		}
	}
	/* the mix really exercises both outcomes */
	assert_true(ok > 50);
	assert_true(errors > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_point),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_loop_every_hex),
		cmocka_unit_test(test_nomigrate),
		cmocka_unit_test(test_nosave),
		cmocka_unit_test(test_keywords_as_names),
		cmocka_unit_test(test_onrestore),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_free_result),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_case_sensitive),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_err_directive_word),
		cmocka_unit_test(test_err_every_integer),
		cmocka_unit_test(test_err_every_range),
		cmocka_unit_test(test_err_every_leading_zero),
		cmocka_unit_test(test_err_nosave_paren),
		cmocka_unit_test(test_err_nosave_name),
		cmocka_unit_test(test_err_nosave_separator),
		cmocka_unit_test(test_err_nosave_duplicate),
		cmocka_unit_test(test_err_onrestore),
		cmocka_unit_test(test_err_trailing),
		cmocka_unit_test(test_err_unterminated_comment),
		cmocka_unit_test(test_err_invalid_character),
		cmocka_unit_test(test_err_buffer),
		cmocka_unit_test(test_odd_arguments),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_many_names),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_random_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
