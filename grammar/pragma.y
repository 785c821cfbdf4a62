/* pragma.y: grammar of the `#pragma mpp` language, as in docs/PRAGMAS.md.
 * A pure push parser: the driver (pragma.c) feeds it the tokens of one line.
 * Actions only call the driver's helpers; each `error` alternative names
 * what was expected at the place where the line stopped making sense. */

%require "3.6"
%expect 0
%define api.prefix {mppp_}
%define api.pure full
%define api.push-pull push
%define api.token.prefix {MPPP_T_}
%parse-param {struct mppp_ctx *ctx}

%code requires {
#include "pragma_int.h"
}

%code {
/* The messages come from the error alternatives below, so bison's own
 * "syntax error" is not needed. */
static void mppp_error(struct mppp_ctx *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

#define EXPECTED(what) mppp_expected(ctx, &ctx->tok, what)
}

%union {
	struct mppp_tok tok;
	long num;
}

%token <tok> MPP "mpp" POINT "point" LOOP "loop" EVERY "every" NOMIGRATE "nomigrate"
%token <tok> NOSAVE "nosave" ONRESTORE "onrestore"
%token <tok> IDENT "identifier" NUMBER "number"
%token <tok> '(' ')' ','
%token EOL "end of line"
%token LEXERR "lexical error"

%type <tok> name
%type <num> count

%%

pragma
	: "mpp" directive EOL
	| "mpp" directive error		{ mppp_unexpected(ctx); YYABORT; }
	;

directive
	: "point"			{ mppp_directive(ctx, &$1, MPP_PRAGMA_POINT, 0); }
	| "loop"			{ mppp_directive(ctx, &$1, MPP_PRAGMA_LOOP, 1); }
	| "loop" "every" count		{ mppp_directive(ctx, &$1, MPP_PRAGMA_LOOP, $3); }
	| "nomigrate"			{ mppp_directive(ctx, &$1, MPP_PRAGMA_NOMIGRATE, 0); }
	| "nosave" '(' names ')'	{ mppp_directive(ctx, &$1, MPP_PRAGMA_NOSAVE, 0); }
	| "onrestore" '(' function ')'	{ mppp_directive(ctx, &$1, MPP_PRAGMA_ONRESTORE, 0); }

	| error
		{ EXPECTED("'point', 'loop', 'nomigrate', 'nosave' or 'onrestore' after 'mpp'"); YYABORT; }
	| "loop" "every" error		{ EXPECTED("integer after 'every'"); YYABORT; }
	| "nosave" error		{ EXPECTED("'(' after 'nosave'"); YYABORT; }
	| "nosave" '(' error		{ EXPECTED("variable name in nosave list"); YYABORT; }
	| "nosave" '(' names error	{ EXPECTED("')' or ',' in nosave list"); YYABORT; }
	| "onrestore" error		{ EXPECTED("'(' after 'onrestore'"); YYABORT; }
	| "onrestore" '(' error		{ EXPECTED("function name in onrestore"); YYABORT; }
	| "onrestore" '(' function error
		{ EXPECTED("')' after function name in onrestore"); YYABORT; }
	;

count
	: NUMBER			{ if (mppp_count(ctx, &$1, &$$)) YYABORT; }
	;

names
	: name				{ if (mppp_name(ctx, &$1)) YYABORT; }
	| names ',' name		{ if (mppp_name(ctx, &$3)) YYABORT; }
	| names ',' error		{ EXPECTED("variable name in nosave list"); YYABORT; }
	;

function
	: name				{ if (mppp_name(ctx, &$1)) YYABORT; }
	;

/* Directive words are not reserved: a variable may be called `point`. */
name
	: IDENT | "mpp" | "point" | "loop" | "every" | "nomigrate" | "nosave" | "onrestore"
	;
