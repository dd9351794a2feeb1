/*
 * test-promql-parse.c - the PromQL parser against Prometheus 2.42 itself:
 * every case's expected text is what a real Prometheus answered
 * (/api/v1/format_query: the canonical String() of the tree, or the
 * parse error with its "line:col:" position).  Then the tree's shape
 * (precedence, folding, fields), durations and label matching.
 */
#include <math.h>

#include "buf.h"
#include "promql.h"
#include "tap.h"

static const struct {
	const char *q, *want;   /* "OK <printed>" or "ERR <message>" */
} cases[] = {
	{"foo bar", "ERR 1:5: parse error: unexpected identifier \"bar\""},
	{"sum(foo", "ERR 1:8: parse error: unclosed left parenthesis"},
	{"foo +", "ERR 1:6: parse error: unexpected end of input"},
	{"sum by (a) (foo)", "OK sum by (a) (foo)"},
	{"sum(foo) by (b, a)", "OK sum by (b, a) (foo)"},
	{"sum without () (foo)", "OK sum without () (foo)"},
	{"sum by () (foo)", "OK sum(foo)"},
	{"1 == 1", "ERR 1:3: parse error: comparisons between scalars must use BOOL modifier"},
	{"1 == 1 + rate(foo)", "ERR 1:15: parse error: expected type range vector in call to function \"rate\", got instant vector"},
	{"foo[5m] offset 1h", "OK foo[5m] offset 1h"},
	{"foo offset 1h [5m]", "ERR 1:15: parse error: no offset modifiers allowed before range"},
	{"foo @ 100 offset 5m", "OK foo @ 100.000 offset 5m"},
	{"foo offset -5m", "OK foo offset -5m"},
	{"rate(foo[5m])[1h:]", "OK rate(foo[5m])[1h:]"},
	{"rate(foo[5m])[1h:5m] offset 3m @ start()", "OK rate(foo[5m])[1h:5m] @ start() offset 3m"},
	{"{}", "ERR 1:1: parse error: vector selector must contain at least one non-empty matcher"},
	{"{a=\"\"}", "ERR 1:1: parse error: vector selector must contain at least one non-empty matcher"},
	{"{a=\"b\"}", "OK {a=\"b\"}"},
	{"foo{__name__=\"bar\"}", "ERR 1:1: parse error: metric name must not be set twice: \"foo\" or \"bar\""},
	{"-1^2", "OK -1 ^ 2"},
	{"-foo^2", "OK -foo ^ 2"},
	{"- -1", "OK 1"},
	{"1e6", "OK 1e+06"},
	{"123456789", "OK 1.23456789e+08"},
	{"0x1F", "OK 31"},
	{"017", "OK 15"},
	{"08", "OK 8"},
	{".5", "OK 0.5"},
	{"1e-5", "OK 1e-05"},
	{"0.0001", "OK 0.0001"},
	{"Inf", "OK +Inf"},
	{"-Inf", "OK -Inf"},
	{"NaN", "OK NaN"},
	{"\"a\\nb\"", "OK \"a\\nb\""},
	{"'a\"b'", "OK \"a\\\"b\""},
	{"`raw\\n`", "OK \"raw\\\\n\""},
	{"a + ignoring() group_left b", "OK a + b"},
	{"a + on() group_left b", "OK a + on () group_left () b"},
	{"a + on(x) group_left(y) b", "OK a + on (x) group_left (y) b"},
	{"a and on(x) b", "OK a and on (x) b"},
	{"a and b", "OK a and b"},
	{"a == bool b", "OK a == bool b"},
	{"1 + bool 2", "ERR 1:3: parse error: bool modifier can only be used on comparison operators"},
	{"unknown(x)", "ERR 1:1: parse error: unknown function with name \"unknown\""},
	{"rate(foo)", "ERR 1:6: parse error: expected type range vector in call to function \"rate\", got instant vector"},
	{"round(foo, 1, 2)", "ERR 1:1: parse error: expected at most 2 argument(s) in call to \"round\", got 3"},
	{"label_join(foo, \"a\", \",\")", "OK label_join(foo, \"a\", \",\")"},
	{"sum(rate(foo[5m]))", "OK sum(rate(foo[5m]))"},
	{"topk(3, foo)", "OK topk(3, foo)"},
	{"count_values(\"x\", foo)", "OK count_values(\"x\", foo)"},
	{"quantile(foo, 0.5)", "ERR 1:15: parse error: expected type instant vector in aggregation expression, got scalar"},
	{"foo[5]", "ERR 1:5: parse error: missing unit character in duration"},
	{"foo[0s]", "ERR 1:5: parse error: duration must be greater than 0"},
	{"foo[5m:1]", "ERR 1:8: parse error: unexpected number \"1\" in subquery selector, expected duration or \"]\""},
	{"foo{a=\"b\"", "ERR 1:10: parse error: unexpected end of input inside braces"},
	{"foo{a}", "ERR 1:6: parse error: unexpected \"}\" in label matching, expected label matching operator"},
	{"foo{a=b}", "ERR 1:7: parse error: unexpected identifier \"b\" in label matching, expected string"},
	{"foo{a=\"(}", "ERR 1:7: parse error: unterminated quoted string"},
	{"foo{a=~\"(\"}", "ERR 1:5: parse error: error parsing regexp: missing closing ): `^(?:()$`"},
	{"time() > 1", "ERR 1:8: parse error: comparisons between scalars must use BOOL modifier"},
	{"foo # comment", "OK foo"},
	{"sum foo", "ERR 1:5: parse error: unexpected identifier \"foo\""},
	{"sum(foo bar)", "ERR 1:9: parse error: unexpected identifier \"bar\" in aggregation"},
	{"sum(rate(foo bar))", "ERR 1:14: parse error: unexpected identifier \"bar\" in aggregation"},
	{"sum by foo (x)", "ERR 1:8: parse error: unexpected identifier \"foo\" in grouping opts, expected \"(\""},
	{"sum(foo) by", "ERR 1:12: parse error: unexpected end of input in grouping opts, expected \"(\""},
	{"sum by()", "ERR 1:9: parse error: unexpected end of input in aggregation"},
	{"sum by (a,) (foo)", "OK sum by (a) (foo)"},
	{"sum by (a b) (foo)", "ERR 1:11: parse error: unexpected identifier \"b\" in grouping opts, expected \",\" or \")\""},
	{"sum by (a:b) (foo)", "ERR 1:9: parse error: unexpected metric identifier \"a:b\" in grouping opts, expected label"},
	{"sum by (sum) (foo)", "OK sum by (sum) (foo)"},
	{"foo offset", "ERR 1:11: parse error: unexpected end of input in offset, expected duration"},
	{"foo offset 5", "ERR 1:12: parse error: unexpected number \"5\" in offset, expected duration"},
	{"foo @", "ERR 1:6: parse error: unexpected end of input in @, expected timestamp"},
	{"foo @ \"x\"", "ERR 1:7: parse error: unexpected string \"\\\"x\\\"\" in @, expected timestamp"},
	{"foo @ start", "ERR 1:12: parse error: unexpected end of input in @, expected timestamp"},
	{"foo[5m", "ERR 1:7: parse error: unclosed left bracket"},
	{"foo[5m:", "ERR 1:8: parse error: unclosed left bracket"},
	{"foo[5m:5m", "ERR 1:10: parse error: unclosed left bracket"},
	{"foo[5m 1]", "ERR 1:8: parse error: unexpected number \"1\" in subquery or range, expected \":\" or \"]\""},
	{"foo[", "ERR 1:5: parse error: missing unit character in duration"},
	{"foo[]", "ERR 1:5: parse error: missing unit character in duration"},
	{"foo[5m][10m:]", "ERR 1:1: parse error: subquery is only allowed on instant vector, got matrix instead"},
	{"(foo)[5m]", "ERR 1:6: parse error: ranges only allowed for vector selectors"},
	{"sum(foo)[5m]", "ERR 1:9: parse error: ranges only allowed for vector selectors"},
	{"foo[5m:][1h:]", "ERR 1:1: parse error: subquery is only allowed on instant vector, got matrix instead"},
	{"foo[1h:x]", "ERR 1:8: parse error: unexpected colon 'x'"},
	{"foo[1y2]", "ERR 1:5: parse error: bad duration syntax: \"1y2\""},
	{"foo[5m5]", "ERR 1:5: parse error: bad duration syntax: \"5m5\""},
	{"1 +", "ERR 1:4: parse error: unexpected end of input"},
	{"()", "ERR 1:2: parse error: unexpected \")\""},
	{"(", "ERR 1:2: parse error: unclosed left parenthesis"},
	{")", "ERR 1:2: parse error: unexpected right parenthesis ')'"},
	{"foo)", "ERR 1:5: parse error: unexpected right parenthesis ')'"},
	{"rate(foo[5m],)", "ERR 1:13: parse error: trailing commas not allowed in function call args"},
	{"rate(,)", "ERR 1:6: parse error: unexpected \",\""},
	{"f(", "ERR 1:3: parse error: unclosed left parenthesis"},
	{"\"unterminated", "ERR 1:1: parse error: unterminated quoted string"},
	{"'a\\qb'", "ERR 1:1: parse error: unknown escape sequence U+0071 'q'"},
	{"'a\\\"b'", "ERR 1:1: parse error: unknown escape sequence U+0022 '\"'"},
	{"\"\\xZZ\"", "ERR 1:1: parse error: illegal character U+005A 'Z' in escape sequence"},
	{"\"\\u12\"", "ERR 1:1: parse error: illegal character U+0022 '\"' in escape sequence"},
	{"foo{a=\"b\",}", "OK foo{a=\"b\"}"},
	{"foo{,}", "ERR 1:5: parse error: unexpected \",\" in label matching, expected identifier or \"}\""},
	{"foo{a=\"b\" c=\"d\"}", "ERR 1:11: parse error: unexpected identifier \"c\" in label matching, expected \",\" or \"}\""},
	{"foo{a!b}", "ERR 1:6: parse error: unexpected character after '!' inside braces: 'b'"},
	{"foo{{a=\"b\"}}", "ERR 1:5: parse error: unexpected left brace '{'"},
	{"foo{a=\"b\"}{c=\"d\"}", "ERR 1:11: parse error: unexpected \"{\""},
	{"1 and 2", "ERR 1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
	{"foo and 1", "ERR 1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
	{"foo + on(a) 1", "ERR 1:1: parse error: vector matching only allowed between instant vectors"},
	{"foo and on(a) group_left bar", "ERR 1:1: parse error: no grouping allowed for \"and\" operation"},
	{"foo + on(a) group_left(a) bar", "ERR 1:5: parse error: label \"a\" must not occur in ON and GROUP clause at once"},
	{"foo + ignoring(a) group_left(a) bar", "OK foo + ignoring (a) group_left (a) bar"},
	{"-\"a\"", "ERR 1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got \"string\""},
	{"-foo[5m]", "ERR 1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got \"range vector\""},
	{"\"a\" + 1", "ERR 1:1: parse error: binary expression must contain only scalar and instant vector types"},
	{"foo[5m] + 1", "ERR 1:1: parse error: binary expression must contain only scalar and instant vector types"},
	{"rate(foo[5m] offset 1m @ 10)", "OK rate(foo[5m] @ 10.000 offset 1m)"},
	{"foo offset 1m offset 2m", "ERR 1:1: parse error: offset may not be set multiple times"},
	{"foo @ 1 @ 2", "ERR 1:1: parse error: @ <timestamp> may not be set multiple times"},
	{"sum(foo) offset 5m", "ERR 1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery"},
	{"$", "ERR 1:1: parse error: unexpected character: '$'"},
	{"foo ~ bar", "ERR 1:5: parse error: unexpected character: '~'"},
	{"foo = bar", "ERR 1:5: parse error: unexpected \"=\""},
	{"foo !x", "ERR 1:5: parse error: unexpected character after '!': 'x'"},
	{"@", "ERR 1:1: parse error: unexpected \"<Item 57385>\" <op:@>"},
	{"histogram_count(foo)", "OK histogram_count(foo)"},
	{"histogram_fraction(0, 1, foo)", "OK histogram_fraction(0, 1, foo)"},
	{"day_of_year(foo)", "OK day_of_year(foo)"},
	{"pi()", "OK pi()"},
	{"mad_over_time(foo[5m])", "ERR 1:1: parse error: unknown function with name \"mad_over_time\""},
	/* GreptimeDB's extensions beyond 2.42, refused by 2.42 itself */
	{"sort_by_label(foo)", "OK sort_by_label(foo)"},
	{"sort_by_label(foo, 1)", "ERR 1:20: parse error: expected type string in call to function \"sort_by_label\", got scalar"},
	{"sort_by_label_desc(foo, \"a\", \"b\")", "OK sort_by_label_desc(foo, \"a\", \"b\")"},
	{"{\"foo.bar\"}", "OK {__name__=\"foo.bar\"}"},
	{"foo{\"service.name\"=\"x\", a=\"b\"}", "OK foo{\"service.name\"=\"x\",a=\"b\"}"},
	{"sum by (\"service.name\") (foo)", "OK sum by (\"service.name\") (foo)"},
	{"{\"foo\"=}", "ERR 1:8: parse error: unexpected \"}\" in label matching, expected string"},
	{"holt_winters(foo[5m], 0.5, 0.5)", "OK holt_winters(foo[5m], 0.5, 0.5)"},
	{"days_in_month()", "OK days_in_month()"},
	{"label_replace(foo, \"a\", \"b\", \"c\")", "ERR 1:1: parse error: expected 5 argument(s) in call to \"label_replace\", got 4"},
	{"foo + ignoring() group_left() bar", "OK foo + bar"},
	{"a + bool on(x) b", "ERR 1:3: parse error: bool modifier can only be used on comparison operators"},
	{"a == bool on(x) group_left(y) b", "OK a == bool on (x) group_left (y) b"},
	{"a * on(x) group_right b", "OK a * on (x) group_right () b"},
	{"sum without (a, b) (foo)", "OK sum without (a, b) (foo)"},
	{"count_values by (a) (\"x\", foo)", "OK count_values by (a) (\"x\", foo)"},
	{"topk by (a) (3, foo)", "OK topk by (a) (3, foo)"},
	{"sum(foo, bar)", "ERR 1:1: parse error: wrong number of arguments for aggregate expression provided, expected 1, got 2"},
	{"sum()", "ERR 1:1: parse error: no arguments for aggregate expression provided"},
	{"topk(foo)", "ERR 1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1"},
	{"quantile(\"a\", foo)", "ERR 1:10: parse error: expected type scalar in aggregation parameter, got string"},
	{"count_values(1, foo)", "ERR 1:14: parse error: expected type string in aggregation parameter, got scalar"},
	{"foo{a=~\"a.*\", b!~\"c\", c!=\"d\", __name__=~\"x\"}", "ERR 1:1: parse error: metric name must not be set twice: \"foo\" or \"x\""},
	{"{__name__=~\"x\", a=\"b\"}", "OK {__name__=~\"x\",a=\"b\"}"},
	{"foo:bar:baz{a=\"b\"}", "OK foo:bar:baz{a=\"b\"}"},
	{"sum:x", "OK sum:x"},
	{"by", "OK by"},
	{"on", "ERR 1:1: parse error: unexpected <on>"},
	{"offset", "OK offset"},
	{"start", "OK start"},
	{"1 @ start()", "ERR 1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery"},
	{"foo @ end()", "OK foo @ end()"},
	{"foo @ -1.5", "OK foo @ -1.500"},
	{"foo @ 1e3 offset 1d", "OK foo @ 1000.000 offset 1d"},
	{"foo[1h30m]", "OK foo[1h30m]"},
	{"foo[90m]", "OK foo[1h30m]"},
	{"foo[1w]", "OK foo[1w]"},
	{"foo[7d]", "OK foo[1w]"},
	{"foo[365d]", "OK foo[1y]"},
	{"foo[1y]", "OK foo[1y]"},
	{"foo[100ms]", "OK foo[100ms]"},
	{"foo[1500ms]", "OK foo[1s500ms]"},
	{"-(1)", "OK -(1)"},
	{"+1", "OK 1"},
	{"+foo", "OK +foo"},
	{"1 - -1", "OK 1 - -1"},
	{"1 / 3", "OK 1 / 3"},
	{"0.1 + 0.2", "OK 0.1 + 0.2"},
	{"1e21", "OK 1e+21"},
	{"1e20", "OK 1e+20"},
	{"123456", "OK 123456"},
	{"1234567", "OK 1.234567e+06"},
	{"0.00001", "OK 1e-05"},
	{"-0.0", "OK -0"},
	{"atan2(a, b)", "ERR 1:1: parse error: unexpected <op:atan2>"},
	{"a atan2 b", "OK a atan2 b"},
	{"a ^ b ^ c", "OK a ^ b ^ c"},
	{"a - b - c", "OK a - b - c"},
	{"a / b * c", "OK a / b * c"},
	{"a + b * c ^ d", "OK a + b * c ^ d"},
	{"a or b and c unless d", "OK a or b and c unless d"},
	{"a > b == bool c", "OK a > b == bool c"},
	{"\"\\u00e9\\t\\x01é\"", "OK \"é\\t\\x01é\""},
	{"'\\''", "OK \"'\""},
	{"foo{a=\"\\\\\"}", "OK foo{a=\"\\\\\"}"},
	{"1a", "ERR 1:1: parse error: bad number or duration syntax: \"1\""},
	{"0x", "ERR 1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"0x\": invalid syntax"},
	{"0xg", "ERR 1:1: parse error: bad number or duration syntax: \"0x\""},
	{"1e", "ERR 1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"1e\": invalid syntax"},
	{"1e+", "ERR 1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"1e+\": invalid syntax"},
	{"1e999", "ERR 1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"1e999\": value out of range"},
	{"0xFFFFFFFFFFFFFFFFF", "ERR 1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"0xFFFFFFFFFFFFFFFFF\": invalid syntax"},
	{"99999999999999999999", "OK 1e+20"},
	{"1.e5", "OK 100000"},
	{"5m", "ERR 1:1: parse error: unexpected duration \"5m\""},
	{"foo @ start() [5m]", "OK foo[5m] @ start()"},
	{"foo @ 1 [5m]", "ERR 1:9: parse error: no @ modifiers allowed before range"},
	{"foo[5m] @ 1 [5m]", "ERR 1:13: parse error: ranges only allowed for vector selectors"},
	{"foo @ Inf", "ERR 1:1: parse error: timestamp out of bounds for @ modifier: +Inf"},
	{"foo @ 1e19", "ERR 1:1: parse error: timestamp out of bounds for @ modifier: 10000000000000000000.000000"},
	{"foo @ -1e30", "ERR 1:1: parse error: timestamp out of bounds for @ modifier: -1000000000000000019884624838656.000000"},
	{"foo[5m:] offset 1m offset 2m", "ERR 1:1: parse error: offset may not be set multiple times"},
	{"rate(foo[5m:])", "OK rate(foo[5m:])"},
	{"foo{a=~\"x*\"}", "OK foo{a=~\"x*\"}"},
	{"foo{a=~\"*\"}", "ERR 1:5: parse error: error parsing regexp: missing argument to repetition operator: `*`"},
	{"foo{a=~\"x{2,1}\"}", "ERR 1:5: parse error: error parsing regexp: invalid repeat count: `{2,1}`"},
	{"foo{a=~\"[z-a]\"}", "ERR 1:5: parse error: error parsing regexp: invalid character class range: `z-a`"},
	{"foo{a=~\"\\\\q\"}", "ERR 1:5: parse error: error parsing regexp: invalid escape sequence: `\\q`"},
	{"foo{a=~\"(?=x)\"}", "ERR 1:5: parse error: error parsing regexp: invalid or unsupported Perl syntax: `(?=`"},
	{"{a=~\".*\"}", "ERR 1:1: parse error: vector selector must contain at least one non-empty matcher"},
	{"{a!~\".+\"}", "ERR 1:1: parse error: vector selector must contain at least one non-empty matcher"},
	{"{a!=\"\"}", "OK {a!=\"\"}"},
	{"{a!=\"x\"}", "ERR 1:1: parse error: vector selector must contain at least one non-empty matcher"},
	{"and", "OK and"},
	{"or", "OK or"},
	{"unless", "OK unless"},
	{"without", "OK without"},
	{"bool", "ERR 1:1: parse error: unexpected <bool>"},
	{"group_left", "ERR 1:1: parse error: unexpected <group_left>"},
	{"ignoring", "ERR 1:1: parse error: unexpected <ignoring>"},
	{"atan2", "ERR 1:1: parse error: unexpected <op:atan2>"},
	{"foo and", "ERR 1:8: parse error: unexpected end of input"},
	{"(foo bar)", "ERR 1:6: parse error: unexpected identifier \"bar\""},
	{"rate(foo bar)", "ERR 1:10: parse error: unexpected identifier \"bar\""},
	{"sum(foo,)", "ERR 1:8: parse error: trailing commas not allowed in function call args"},
	{"sum(,)", "ERR 1:5: parse error: unexpected \",\" in aggregation"},
	{"foo + on", "ERR 1:9: parse error: unexpected end of input in grouping opts, expected \"(\""},
	{"foo + on(", "ERR 1:10: parse error: unclosed left parenthesis"},
	{"foo + on(a", "ERR 1:11: parse error: unclosed left parenthesis"},
	{"foo + on(a,)", "ERR 1:13: parse error: unexpected end of input"},
	{"foo + on(a b)", "ERR 1:12: parse error: unexpected identifier \"b\" in grouping opts, expected \",\" or \")\""},
	{"foo + on(a) group_left", "ERR 1:23: parse error: unexpected end of input in grouping opts, expected \"(\""},
	{"foo + on(a) group_left(", "ERR 1:24: parse error: unclosed left parenthesis"},
	{"foo * on(a) group_left(b) (bar)", "OK foo * on (a) group_left (b) (bar)"},
	{"foo{a=\"b\"} @ 1 offset 2m [5m]", "ERR 1:26: parse error: no offset modifiers allowed before range"},
	{"min_over_time(foo[5m:1m] @ end())", "OK min_over_time(foo[5m:1m] @ end())"},
	{"sum(foo) by (a) (x)", "ERR 1:17: parse error: unexpected \"(\""},
	{"sum by (a) (foo) by (b)", "ERR 1:18: parse error: unexpected <by>"},
	{"SUM(foo) BY (a)", "OK sum by (a) (foo)"},
	{"Sum by(a)(foo)", "OK sum by (a) (foo)"},
	{"RATE(foo[5m])", "ERR 1:1: parse error: unknown function with name \"RATE\""},
	{"foo[5M]", "ERR 1:5: parse error: bad duration syntax: \"5\""},
	{"foo OFFSET 5m", "OK foo offset 5m"},
	{"foo[5m] OFFSET 5m", "OK foo[5m] offset 5m"},
	{"foo{a=\"b\"}[5m:10s]", "OK foo{a=\"b\"}[5m:10s]"},
	{"  foo  ", "OK foo"},
	{"foo", "OK foo"},
	{"bar", "OK bar"},
	{"#only comment", "ERR 1:1: parse error: no expression found in input"},
	{" ", "ERR 1:1: parse error: no expression found in input"},
	{"foo[5m", "ERR 1:7: parse error: unclosed left bracket"},
	{"foo[ 5m ]", "OK foo[5m]"},
	{"foo[5m : 1m]", "OK foo[5m:1m]"},
	{"foo[5m:1m ]", "OK foo[5m:1m]"},
	{"foo[5ms]", "OK foo[5ms]"},
	{"foo[1h1h]", "ERR 1:5: parse error: not a valid duration string: \"1h1h\""},
	{"foo[1m1h]", "ERR 1:5: parse error: not a valid duration string: \"1m1h\""},
	{"foo[1d1w]", "ERR 1:5: parse error: not a valid duration string: \"1d1w\""},
	{"foo[0]", "ERR 1:5: parse error: missing unit character in duration"},
	{"foo[ 0s ]", "ERR 1:6: parse error: duration must be greater than 0"},
	{"foo offset 0s", "ERR 1:12: parse error: duration must be greater than 0"},
	{"1 + 2 * 3", "OK 1 + 2 * 3"},
	{"(1 + 2) * 3", "OK (1 + 2) * 3"},
	{"2 ^ 3 ^ 2", "OK 2 ^ 3 ^ 2"},
	{"-2 ^ 2", "OK -2 ^ 2"},
	{"foo - -bar", "OK foo - -bar"},
	{"foo * -1", "OK foo * -1"},
	{"- sum(foo)", "OK -sum(foo)"},
	{"-(-foo)", "OK -(-foo)"},
	{"+-foo", "OK +-foo"},
	{"vector(1) + on() vector(2)", "OK vector(1) + on () vector(2)"},
	{"scalar(foo) > bool 1", "OK scalar(foo) > bool 1"},
	{"count_values(\"le\", foo) by (x)", "OK count_values by (x) (\"le\", foo)"},
	{"quantile without (a) (0.9, foo)", "OK quantile without (a) (0.9, foo)"},
	{"absent(nonexistent{job=\"x\"})", "OK absent(nonexistent{job=\"x\"})"},
	{"label_join(foo, \"a\", \",\", \"b\", \"c\", \"d\")", "OK label_join(foo, \"a\", \",\", \"b\", \"c\", \"d\")"},
	{"label_join(foo, \"a\")", "ERR 1:1: parse error: expected at least 3 argument(s) in call to \"label_join\", got 2"},
	{"histogram_quantile(0.9, rate(foo_bucket[5m]))", "OK histogram_quantile(0.9, rate(foo_bucket[5m]))"},
	{"time()", "OK time()"},
	{"time(1)", "ERR 1:1: parse error: expected 0 argument(s) in call to \"time\", got 1"},
	{"day_of_week(1)", "ERR 1:13: parse error: expected type instant vector in call to function \"day_of_week\", got scalar"},
	{"round(foo)", "OK round(foo)"},
	{"clamp(foo, 0)", "ERR 1:1: parse error: expected 3 argument(s) in call to \"clamp\", got 2"},
};

static void check_cases(void)
{
	for (size_t i = 0; i < GT_ARRAY_LEN(cases); i++) {
		struct gt_pq_expr *e = NULL;
		struct gt_err err = {0};
		struct gt_buf got = {0};
		if (gt_pq_parse(cases[i].q, &e, &err) < 0) {
			gt_buf_addf(&got, "ERR %s", err.msg);
		} else {
			gt_buf_addstr(&got, "OK ");
			gt_pq_expr_print(e, &got);
		}
		if (!ok(strcmp(got.p, cases[i].want) == 0, "%s -> %s", cases[i].q, cases[i].want))
			printf("# got: %s\n", got.p);
		gt_buf_release(&got);
		gt_pq_expr_free(e);
	}
}

static struct gt_pq_expr *parse(const char *q)
{
	struct gt_pq_expr *e = NULL;
	struct gt_err err = {0};
	if (gt_pq_parse(q, &e, &err) < 0)
		printf("# %s: %s\n", q, err.msg);
	return e;
}

static void check_tree(void)
{
	struct gt_pq_expr *e = parse("a + b * c ^ d ^ e");
	ok(e && e->kind == GT_PQ_BINARY && e->u.bin.op == GT_PQ_ADD && e->type == GT_PQ_T_VECTOR, "+ at the root");
	ok(e && e->u.bin.rhs->u.bin.op == GT_PQ_MUL, "* binds tighter than +");
	ok(e && e->u.bin.rhs->u.bin.rhs->u.bin.op == GT_PQ_POW &&
	   e->u.bin.rhs->u.bin.rhs->u.bin.rhs->u.bin.op == GT_PQ_POW, "^ is right-associative");
	gt_pq_expr_free(e);

	e = parse("-2 ^ 2");
	ok(e && e->kind == GT_PQ_UNARY && e->u.un.e->kind == GT_PQ_BINARY, "unary minus below ^");
	gt_pq_expr_free(e);

	e = parse("- -0x10");
	ok(e && e->kind == GT_PQ_NUMBER && e->u.num == 16 && e->type == GT_PQ_T_SCALAR, "minus folds into numbers");
	gt_pq_expr_free(e);

	e = parse("foo{a=~\"x.*\", b!=\"y\"}[5m] offset -1h @ 1.5");
	ok(e && e->kind == GT_PQ_SELECTOR && e->type == GT_PQ_T_MATRIX, "matrix selector");
	ok(e && strcmp(e->u.sel.metric, "foo") == 0 && e->u.sel.nm == 3, "metric and matchers");
	ok(e && strcmp(e->u.sel.m[2].name, "__name__") == 0 && e->u.sel.m[2].op == GT_PQ_M_EQ, "__name__ matcher last");
	ok(e && e->u.sel.range == 300000 && e->u.sel.offset == -3600000, "range and negative offset");
	ok(e && e->u.sel.at == GT_PQ_AT_TIME && e->u.sel.at_time == 1500, "@ in milliseconds");
	ok(e && gt_pq_matcher_match(&e->u.sel.m[0], "xyz", 3) && !gt_pq_matcher_match(&e->u.sel.m[0], "axyz", 4),
	   "regex fully anchored");
	ok(e && !gt_pq_matcher_match(&e->u.sel.m[0], "x\n", 2), "$ does not match before a final newline");
	ok(e && gt_pq_matcher_match(&e->u.sel.m[1], "", 0) && !gt_pq_matcher_match(&e->u.sel.m[1], "y", 1), "!=");
	gt_pq_expr_free(e);

	e = parse("rate(foo[1h:]) @ end()");
	ok(e == NULL, "@ on a call is refused");
	e = parse("max_over_time(foo[1h:5m] @ end())");
	ok(e && e->kind == GT_PQ_CALL && strcmp(e->u.call.fn->name, "max_over_time") == 0, "call");
	ok(e && e->u.call.args[0]->kind == GT_PQ_SUBQUERY && e->u.call.args[0]->u.sub.step == 300000 &&
	   e->u.call.args[0]->u.sub.at == GT_PQ_AT_END, "subquery with step and @ end()");
	gt_pq_expr_free(e);

	e = parse("sum without (b, a) (x) > bool on (c) group_left (d) y");
	ok(e && e->u.bin.bool_mod && e->u.bin.on && e->u.bin.card == GT_PQ_MANY_TO_ONE && e->u.bin.ninclude == 1,
	   "vector matching");
	ok(e && e->u.bin.lhs->kind == GT_PQ_AGG && e->u.bin.lhs->u.agg.without &&
	   strcmp(e->u.bin.lhs->u.agg.grouping[0], "b") == 0, "aggregation grouping as written");
	gt_pq_expr_free(e);

	e = parse("x and y");
	ok(e && e->u.bin.card == GT_PQ_MANY_TO_MANY, "set operators are many-to-many");
	gt_pq_expr_free(e);

	e = parse("'\\x41\\u00e9\\101'");
	ok(e && strcmp(e->u.str, "A\xc3\xa9" "A") == 0, "string escapes");
	gt_pq_expr_free(e);
	e = parse("`a\\n`");
	ok(e && strcmp(e->u.str, "a\\n") == 0, "raw strings keep backslashes");
	gt_pq_expr_free(e);

	struct gt_err err = {0};
	ok(gt_pq_parse("sum(\n  rate(foo[5m]) bar)", &e, &err) == GT_EINVAL &&
	   strcmp(err.msg, "2:17: parse error: unexpected identifier \"bar\" in aggregation") == 0,
	   "line and column after a newline: %s", err.msg);

	/* deep nesting is refused, not a crash */
	struct gt_buf b = {0};
	for (int i = 0; i < 5000; i++)
		gt_buf_addch(&b, '(');
	gt_buf_addch(&b, '1');
	for (int i = 0; i < 5000; i++)
		gt_buf_addch(&b, ')');
	ok(gt_pq_parse(b.p, &e, &err) == GT_EINVAL && strstr(err.msg, "too deeply"), "deep parens: %s", err.msg);
	gt_buf_reset(&b);
	for (int i = 0; i < 50000; i++)
		gt_buf_addstr(&b, "1+");
	gt_buf_addch(&b, '1');
	ok(gt_pq_parse(b.p, &e, &err) == GT_EINVAL && strstr(err.msg, "too deeply"), "long chain: %s", err.msg);
	gt_buf_release(&b);
}

static void check_duration(void)
{
	static const struct {
		const char *s;
		int64_t ms;
		int rc;
	} d[] = {
		{"5m", 300000, 0}, {"1h30m", 5400000, 0}, {"1y2w3d4h5m6s7ms", 31536000000LL + 2 * 604800000LL + 3 * 86400000LL + 4 * 3600000 + 5 * 60000 + 6007, 0},
		{"0", 0, 0}, {"1.5", 1500, 0}, {"30", 30000, 0}, {"0s", 0, 0},
		{"1m1h", 0, GT_EINVAL}, {"", 0, GT_EINVAL}, {"5", 5000, 0}, {"5x", 0, GT_EINVAL}, {"-1m", 0, GT_EINVAL},
		{"1e3", 1000000, 0}, {"99999999999999999999y", 0, GT_EINVAL},
	};
	for (size_t i = 0; i < GT_ARRAY_LEN(d); i++) {
		int64_t ms = -1;
		int rc = gt_pq_parse_duration(d[i].s, strlen(d[i].s), &ms);
		ok(rc == d[i].rc && (rc < 0 || ms == d[i].ms), "duration %s -> %lld (rc %d)", d[i].s, (long long)ms, rc);
	}
}

int main(void)
{
	check_cases();
	check_tree();
	check_duration();
	ok(gt_pq_func_lookup("rate") && gt_pq_func_lookup("rate")->args[0] == GT_PQ_T_MATRIX, "rate takes a range vector");
	ok(gt_pq_func_lookup("mad_over_time") == NULL, "no functions from after 2.42 but GreptimeDB's sort_by_label");
	return tap_done();
}
