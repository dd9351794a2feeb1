/*
 * test-lp.c - line protocol parser: every value type, escapes, errors
 * with their line and column, precisions, float parsing against strtod,
 * escaping round trips, and a parse-speed note.
 */
#include <math.h>
#include <time.h>

#include "buf.h"
#include "lp.h"
#include "tap.h"

/* Points rendered as text, one a line:
 *   m,k=v f=F1.5,i=I-3,u=U7,b=B1,s="x" ts@lineno
 * Names and strings raw (unescaped). */
struct col {
	struct gt_buf out;
	long n;
	int stop_at;        /* callback fails on this point (1-based), 0 = never */
	const char *lo, *hi;  /* the parsed buffer: every pointer must be inside */
	int outside;
};

static void add(struct gt_buf *b, const struct gt_lp_str *s)
{
	gt_buf_add(b, s->p, s->n);
}

static int inside(struct col *c, const struct gt_lp_str *s)
{
	return s->n == 0 || (s->p >= c->lo && s->p + s->n <= c->hi);
}

static int collect(void *ctx, const struct gt_lp_point *pt)
{
	struct col *c = ctx;
	struct gt_buf *b = &c->out;

	if (c->stop_at && c->n + 1 == c->stop_at)
		return GT_ECLOSED;
	c->n++;
	if (b->len)
		gt_buf_addch(b, '\n');
	add(b, &pt->measurement);
	c->outside |= !inside(c, &pt->measurement);
	for (uint32_t i = 0; i < pt->ntags; i++) {
		gt_buf_addch(b, ',');
		add(b, &pt->tags[i].key);
		gt_buf_addch(b, '=');
		add(b, &pt->tags[i].val);
		c->outside |= !inside(c, &pt->tags[i].key) || !inside(c, &pt->tags[i].val);
	}
	gt_buf_addch(b, ' ');
	for (uint32_t i = 0; i < pt->nfields; i++) {
		const struct gt_lp_field *f = &pt->fields[i];
		if (i)
			gt_buf_addch(b, ',');
		add(b, &f->key);
		c->outside |= !inside(c, &f->key);
		switch (f->type) {
		case GT_F64:
			gt_buf_addf(b, "=F%.17g", f->v.f64);
			break;
		case GT_I64:
			gt_buf_addf(b, "=I%lld", (long long)f->v.i64);
			break;
		case GT_U64:
			gt_buf_addf(b, "=U%llu", (unsigned long long)f->v.u64);
			break;
		case GT_BOOL:
			gt_buf_addf(b, "=B%d", f->v.b);
			break;
		case GT_STRING:
			gt_buf_addstr(b, "=\"");
			add(b, &f->s);
			gt_buf_addch(b, '"');
			c->outside |= !inside(c, &f->s);
			break;
		default:
			gt_buf_addstr(b, "=?");
		}
	}
	gt_buf_addf(b, " %lld@%llu", (long long)pt->ts_ns, (unsigned long long)pt->lineno);
	return 0;
}

static char got[8192];
static size_t got_len;
static char emsg[600];

/* Parse a copy of in[0..len) in an exactly sized heap buffer (no NUL
 * after it, so a sanitizer sees any overread); render into got. */
static long parse_n(const char *in, size_t len, int prec, uint64_t first, int stop_at)
{
	struct col c = {.stop_at = stop_at};
	struct gt_err err = {0};
	char *buf = malloc(len ? len : 1);
	long rc;

	memcpy(buf, in, len);
	c.lo = buf;
	c.hi = buf + len;
	rc = gt_lp_parse(buf, len, (enum gt_unit)prec, -7, first, collect, &c, &err);
	got_len = GT_MIN(c.out.len, sizeof(got) - 1);
	memcpy(got, c.out.p ? c.out.p : "", got_len);
	got[got_len] = '\0';
	snprintf(emsg, sizeof(emsg), "%s", rc < 0 ? err.msg : "");
	if (c.outside)
		snprintf(got, sizeof(got), "POINTER OUTSIDE BUFFER");
	gt_buf_release(&c.out);
	free(buf);
	return rc;
}

static long parse(const char *in)
{
	return parse_n(in, strlen(in), GT_UNIT_NS, 1, 0);
}

/* s with control characters shown as C escapes, for one-line TAP messages. */
static const char *vis(const char *s)
{
	static char out[4][2048];
	static int k;
	char *o = out[k++ & 3];
	size_t n = 0;

	for (; *s && n < sizeof(out[0]) - 8; s++) {
		if (*s == '\n')
			n += (size_t)snprintf(o + n, 3, "\\n");
		else if (*s == '\r')
			n += (size_t)snprintf(o + n, 3, "\\r");
		else if (*s == '\t')
			n += (size_t)snprintf(o + n, 3, "\\t");
		else if ((unsigned char)*s < 0x20)
			n += (size_t)snprintf(o + n, 5, "\\x%02x", (unsigned char)*s);
		else
			o[n++] = *s;
	}
	o[n] = '\0';
	return o;
}

/* A good input and the rendering it must give. */
static void good(const char *in, const char *want)
{
	long rc = parse(in);
	ok(rc >= 0 && !strcmp(got, want), "parse '%s' -> '%s' (rc %ld, got '%s' %s)", vis(in),
	   vis(want), rc, vis(got), emsg);
}

/* A bad input and the exact error message. */
static void bad(const char *in, const char *want)
{
	long rc = parse(in);
	ok(rc == GT_EINVAL && !strcmp(emsg, want), "reject '%s': '%s' (rc %ld, got '%s')", vis(in),
	   want, rc, emsg);
}

static void test_types(void)
{
	good("cpu,host=a v=1.5 123", "cpu,host=a v=F1.5 123@1");
	good("m f=1,i=-12i,u=12u,b=t,s=\"hi there, x=1\" 5",
	     "m f=F1,i=I-12,u=U12,b=B1,s=\"hi there, x=1\" 5@1");
	good("m a=t,b=T,c=true,d=True,e=TRUE", "m a=B1,b=B1,c=B1,d=B1,e=B1 -7@1");
	good("m a=f,b=F,c=false,d=False,e=FALSE", "m a=B0,b=B0,c=B0,d=B0,e=B0 -7@1");
	bad("m a=tru", "line 1, column 5: invalid field value 'tru'");
	bad("m a=tRUE", "line 1, column 5: invalid field value 'tRUE'");
	bad("m a=yes", "line 1, column 5: invalid field value 'yes'");
	bad("m a=true1", "line 1, column 5: invalid field value 'true1'");
	good("m a=1.,b=.5,c=-.5,d=+1,e=1e3,f=1E-3,g=-0.0,h=1.5e+10,i=0",
	     "m a=F1,b=F0.5,c=F-0.5,d=F1,e=F1000,f=F0.001,g=F-0,h=F15000000000,i=F0 -7@1");
	good("m a=9223372036854775807i,b=-9223372036854775808i,c=0i,d=+5i",
	     "m a=I9223372036854775807,b=I-9223372036854775808,c=I0,d=I5 -7@1");
	good("m a=18446744073709551615u,b=0u", "m a=U18446744073709551615,b=U0 -7@1");
	bad("m a=9223372036854775808i",
	    "line 1, column 5: integer out of range '9223372036854775808i'");
	bad("m a=-9223372036854775809i",
	    "line 1, column 5: integer out of range '-9223372036854775809i'");
	bad("m a=99999999999999999999999i",
	    "line 1, column 5: integer out of range '99999999999999999999999i'");
	bad("m a=18446744073709551616u",
	    "line 1, column 5: integer out of range '18446744073709551616u'");
	bad("m a=-1u", "line 1, column 5: invalid field value '-1u'");
	bad("m a=1.5i", "line 1, column 5: invalid field value '1.5i'");
	bad("m a=1e3i", "line 1, column 5: invalid field value '1e3i'");
	bad("m a=i", "line 1, column 5: invalid field value 'i'");
	bad("m a=1x", "line 1, column 5: invalid field value '1x'");
	bad("m a=x1", "line 1, column 5: invalid field value 'x1'");
	bad("m a=1ix", "line 1, column 5: invalid field value '1ix'");
	bad("m a=-", "line 1, column 5: invalid field value '-'");
	bad("m a=.", "line 1, column 5: invalid field value '.'");
	bad("m a=1e", "line 1, column 5: invalid field value '1e'");
	bad("m a=1e+", "line 1, column 5: invalid field value '1e+'");
	bad("m a=inf", "line 1, column 5: invalid field value 'inf'");
	bad("m a=-Inf", "line 1, column 5: invalid field value '-Inf'");
	bad("m a=NaN", "line 1, column 5: invalid field value 'NaN'");
	bad("m a=nan", "line 1, column 5: invalid field value 'nan'");
	bad("m a=0x10", "line 1, column 5: invalid field value '0x10'");
	bad("m a=1e400", "line 1, column 5: float out of range '1e400'");
	bad("m a=-1e400", "line 1, column 5: float out of range '-1e400'");
	good("m a=1e-400", "m a=F0 -7@1");
	good("m s=\"\"", "m s=\"\" -7@1");
	good("m s=\"a\\\"b\\\\c\\d\\\"\"", "m s=\"a\"b\\c\\d\"\" -7@1");
	good("m s=\"x y,z=w\\\\\",t=1i", "m s=\"x y,z=w\\\",t=I1 -7@1");
	good("m s=\"tab\there\"", "m s=\"tab\there\" -7@1");
}

static void test_escapes(void)
{
	good("cp\\,u\\ x v=1", "cp,u x v=F1 -7@1");
	good("a\\=b v=1", "a\\=b v=F1 -7@1");
	good("a\\\\b v=1", "a\\b v=F1 -7@1");
	good("a\\xb v=1", "a\\xb v=F1 -7@1");
	good("m,k\\ 1\\=\\,=v\\ a\\,b\\=c\\\\d v=1", "m,k 1=,=v a,b=c\\d v=F1 -7@1");
	good("m,k=a=b v=1", "m,k=a=b v=F1 -7@1");
	good("m,a,b=c v=1", "m,a,b=c v=F1 -7@1");
	good("m,k=\\q v=1", "m,k=\\q v=F1 -7@1");
	good("m f\\ 1\\,x\\=y=2", "m f 1,x=y=F2 -7@1");
	good("m a,b=1", "m a,b=F1 -7@1");
	good("m,k=\"q\" v=1", "m,k=\"q\" v=F1 -7@1");
	good("m\\ \\, v=1", "m , v=F1 -7@1");
	bad("m\\ , v=1", "line 1, column 5: tag key is empty");
	good("m,k=a\\\tb v=1", "m,k=a\\\tb v=F1 -7@1");
	good("m,k=a\rb v=1", "m,k=a\rb v=F1 -7@1");
	bad("cpu\\", "line 1, column 4: measurement ends with a backslash");
	bad("cpu\\\nx v=1", "line 1, column 4: measurement ends with a backslash");
	bad("m,k\\", "line 1, column 4: tag key ends with a backslash");
	bad("m,k=v\\", "line 1, column 6: tag value ends with a backslash");
	bad("m f\\", "line 1, column 4: field key ends with a backslash");
	parse_n("m,k=a\0b v=1", 11, GT_UNIT_NS, 1, 0);
	ok(!strcmp(emsg, "line 1, column 6: NUL byte in tag value"), "NUL in tag value: %s", emsg);
	parse_n("m\\\0 v=1", 7, GT_UNIT_NS, 1, 0);
	ok(!strcmp(emsg, "line 1, column 3: NUL byte in measurement"), "NUL after backslash: %s",
	   emsg);
	ok(parse_n("m s=\"a\0b\"", 9, GT_UNIT_NS, 1, 0) == 1 && got_len == 14 &&
	   !memcmp(got, "m s=\"a\0b\" -7@1", 14),
	   "NUL inside a string value is data");

	/* Unescaping happens in place: the pointers are into the caller's buffer. */
	char line[] = "m\\,x,t\\ k=v\\=w f\\,=\"a\\\"b\" 1";
	struct col c = {0};
	c.lo = line;
	c.hi = line + sizeof(line) - 1;
	long rc = gt_lp_parse(line, sizeof(line) - 1, GT_UNIT_NS, 0, 1, collect, &c, NULL);
	ok(rc == 1 && !c.outside && !strcmp(c.out.p, "m,x,t k=v=w f,=\"a\"b\" 1@1"),
	   "in-place unescape, pointers inside the buffer: %s", vis(c.out.p));
	ok(!memcmp(line, "m,x", 3), "measurement unescaped in place");
	gt_buf_release(&c.out);
}

static void test_lines(void)
{
	good("\n\n  \t \n# comment\n   # indented comment\ncpu v=1 1\n\n",
	     "cpu v=F1 1@6");
	good("a v=1 1\r\nb v=2 2\r\n", "a v=F1 1@1\nb v=F2 2@2");
	good("a v=1\r\nb v=2\r", "a v=F1 -7@1\nb v=F2 -7@2");
	good("a v=1 1   \nb v=2   ", "a v=F1 1@1\nb v=F2 -7@2");
	good("a    v=1    1", "a v=F1 1@1");
	good("   a v=1", "a v=F1 -7@1");
	good("#only a comment", "");
	good("", "");
	good("\r\n\r\n", "");
	good("a s=\"x\ny\" 1\nb v=2 2", "a s=\"x\ny\" 1@1\nb v=F2 2@3");
	good("a s=\"x\\\"\ny\\\\\" 1\nb v=2 2", "a s=\"x\"\ny\\\" 1@1\nb v=F2 2@3");
	bad("a v=1 #x", "line 1, column 7: invalid timestamp '#x'");

	long rc = parse("a v=1 1\nb v=2 2\nc v=x 3\nd v=4 4");
	ok(rc == GT_EINVAL && !strcmp(got, "a v=F1 1@1\nb v=F2 2@2") &&
	   !strcmp(emsg, "line 3, column 5: invalid field value 'x'"),
	   "error on line 3 after two good points (%s)", emsg);
	rc = parse_n("a v=1\n\nc v=x", 12, GT_UNIT_NS, 10, 0);
	ok(rc == GT_EINVAL && !strcmp(emsg, "line 12, column 5: invalid field value 'x'"),
	   "first_lineno counts from 10 (%s)", emsg);
	bad("a s=\"x\ny\" 1\nb v=2 2\nc v=\"unterminated\n\nd v=1",
	    "line 4, column 5: unterminated string");
	bad("a s=\"two\nlines\"x", "line 2, column 7: expected ',' or ' ' after field value, found 'x'");
	rc = parse_n("a v=1\nb v=2\nc v=3", 17, GT_UNIT_NS, 1, 2);
	ok(rc == GT_ECLOSED && !strcmp(got, "a v=F1 -7@1"), "callback code stops the parse");
}

static void test_errors(void)
{
	bad(",a=b v=1", "line 1, column 1: measurement is empty");
	bad("cpu", "line 1, column 4: missing fields");
	bad("cpu ", "line 1, column 5: missing fields");
	bad("cpu  \r\n", "line 1, column 6: missing fields");
	bad("cpu,host=a", "line 1, column 11: missing fields");
	bad("cpu,=a v=1", "line 1, column 5: tag key is empty");
	bad("cpu, v=1", "line 1, column 5: tag key is empty");
	bad("cpu,host v=1", "line 1, column 9: missing '=' after tag key 'host'");
	bad("cpu,host", "line 1, column 9: missing '=' after tag key 'host'");
	bad("cpu,host= v=1", "line 1, column 10: missing value for tag 'host'");
	bad("cpu,host=,b=c v=1", "line 1, column 10: missing value for tag 'host'");
	bad("cpu,host=a, v=1", "line 1, column 12: tag key is empty");
	bad("cpu v", "line 1, column 6: missing '=' after field key 'v'");
	bad("cpu v 1", "line 1, column 6: missing '=' after field key 'v'");
	bad("cpu =1", "line 1, column 5: field key is empty");
	bad("cpu v=1,", "line 1, column 9: field key is empty");
	good("cpu v=1,,w=2", "cpu v=F1,,w=F2 -7@1");
	bad("cpu v=", "line 1, column 7: missing value for field 'v'");
	bad("cpu v=,w=1", "line 1, column 7: missing value for field 'v'");
	bad("cpu v= 1", "line 1, column 7: missing value for field 'v'");
	bad("cpu v=\"abc", "line 1, column 7: unterminated string");
	bad("cpu v=\"abc\\\"", "line 1, column 7: unterminated string");
	bad("cpu v=\"a\"x", "line 1, column 10: expected ',' or ' ' after field value, found 'x'");
	bad("cpu v=1\t1", "line 1, column 8: expected ',' or ' ' after field value, found a tab");
	bad("cpu\tv=1", "line 1, column 4: expected a space, found a tab");
	bad("cpu v=1 12.5", "line 1, column 9: invalid timestamp '12.5'");
	bad("cpu v=1 abc", "line 1, column 9: invalid timestamp 'abc'");
	bad("cpu v=1 -", "line 1, column 9: invalid timestamp '-'");
	bad("cpu v=1 +5", "line 1, column 9: invalid timestamp '+5'");
	bad("cpu v=1 12i", "line 1, column 9: invalid timestamp '12i'");
	bad("cpu v=1 1 2", "line 1, column 11: unexpected text after the timestamp");
	bad("cpu v=1 99999999999999999999", "line 1, column 9: timestamp out of range "
	    "'99999999999999999999'");
	bad("cpu v=1 9223372036854775808", "line 1, column 9: timestamp out of range "
	    "'9223372036854775808'");
	bad("cpu v=\x01", "line 1, column 7: invalid field value '?'");

	/* A long bad value is shown shortened. */
	char longv[300] = "m v=";
	memset(longv + 4, 'x', 200);
	longv[204] = '\0';
	parse(longv);
	ok(strlen(emsg) < 120 && strstr(emsg, "...'"), "long value shortened in message: %s", emsg);

	struct gt_err err = {0};
	char b[] = "m v=1";
	ok(gt_lp_parse(b, 5, (enum gt_unit)4, 0, 1, collect, NULL, &err) == GT_EINVAL &&
	   strstr(err.msg, "precision"), "bad precision rejected: %s", err.msg);
	ok(gt_lp_parse(b, 5, (enum gt_unit)-1, 0, 1, collect, NULL, NULL) == GT_EINVAL,
	   "negative precision rejected, NULL err allowed");
	ok(gt_lp_parse(NULL, 0, GT_UNIT_NS, 0, 1, collect, NULL, NULL) == 0, "empty buffer");
}

static void test_limits(void)
{
	struct gt_buf b = {0};
	long rc;

	/* 40 tags and fields move the scratch arrays to the heap mid-line. */
	gt_buf_addstr(&b, "m");
	for (int i = 0; i < 40; i++)
		gt_buf_addf(&b, ",t%d=v%d", i, i);
	gt_buf_addch(&b, ' ');
	for (int i = 0; i < 40; i++)
		gt_buf_addf(&b, "%sf%d=%di", i ? "," : "", i, i);
	gt_buf_addstr(&b, " 1\nn,a=b c=1i 2\n");
	rc = parse_n(b.p, b.len, GT_UNIT_NS, 1, 0);
	ok(rc == 2 && strstr(got, ",t0=v0,t1=v1,") && strstr(got, ",t39=v39 f0=I0,") &&
	   strstr(got, "f39=I39 1@1\nn,a=b c=I1 2@2"), "40 tags and 40 fields");

	gt_buf_reset(&b);
	gt_buf_addstr(&b, "m");
	for (int i = 0; i < GT_LP_MAX_TAGS; i++)
		gt_buf_addf(&b, ",t%d=v", i);
	gt_buf_addstr(&b, " f=1");
	rc = parse_n(b.p, b.len, GT_UNIT_NS, 1, 0);
	ok(rc == 1, "%d tags allowed", GT_LP_MAX_TAGS);
	gt_buf_reset(&b);
	gt_buf_addstr(&b, "m");
	for (int i = 0; i <= GT_LP_MAX_TAGS; i++)
		gt_buf_addf(&b, ",t%d=v", i);
	gt_buf_addstr(&b, " f=1");
	rc = parse_n(b.p, b.len, GT_UNIT_NS, 1, 0);
	ok(rc == GT_EINVAL && strstr(emsg, "too many tags (more than 256)"), "%d tags: %s",
	   GT_LP_MAX_TAGS + 1, emsg);

	gt_buf_reset(&b);
	gt_buf_addstr(&b, "m ");
	for (int i = 0; i < GT_LP_MAX_FIELDS; i++)
		gt_buf_addf(&b, "%sf%d=1", i ? "," : "", i);
	rc = parse_n(b.p, b.len, GT_UNIT_NS, 1, 0);
	ok(rc == 1, "%d fields allowed", GT_LP_MAX_FIELDS);
	gt_buf_addstr(&b, ",x=1");
	rc = parse_n(b.p, b.len, GT_UNIT_NS, 1, 0);
	ok(rc == GT_EINVAL && strstr(emsg, "too many fields (more than 1024)"), "%d fields: %s",
	   GT_LP_MAX_FIELDS + 1, emsg);
	gt_buf_release(&b);
}

static void test_precision(void)
{
	static const struct {
		const char *name;
		int prec;
		const char *ts, *want;
	} cases[] = {
		{"ns", GT_UNIT_NS, "1", "1"},
		{"n", GT_UNIT_NS, "-9223372036854775808", "-9223372036854775808"},
		{"us", GT_UNIT_US, "1", "1000"},
		{"u", GT_UNIT_US, "-2", "-2000"},
		{"ms", GT_UNIT_MS, "1451606400000", "1451606400000000000"},
		{"s", GT_UNIT_S, "1451606400", "1451606400000000000"},
		{"s", GT_UNIT_S, "-1", "-1000000000"},
		{"s", GT_UNIT_S, "9223372036", "9223372036000000000"},
		{"m", GT_LP_PREC_MINUTE, "2", "120000000000"},
		{"h", GT_LP_PREC_HOUR, "3", "10800000000000"},
		{"h", GT_LP_PREC_HOUR, "2562047", "9223369200000000000"},
	};
	static const struct {
		int prec;
		const char *ts;
	} over[] = {
		{GT_UNIT_S, "9223372037"}, {GT_UNIT_S, "-9223372037"},
		{GT_UNIT_MS, "9223372036855"}, {GT_UNIT_US, "9223372036854776"},
		{GT_LP_PREC_MINUTE, "153722868"}, {GT_LP_PREC_HOUR, "2562048"},
		{GT_UNIT_NS, "-9223372036854775809"},
	};
	char in[128], want[128];

	for (size_t i = 0; i < GT_ARRAY_LEN(cases); i++) {
		ok(gt_lp_precision(cases[i].name) == cases[i].prec, "precision name '%s'",
		   cases[i].name);
		snprintf(in, sizeof(in), "m v=1i %s", cases[i].ts);
		snprintf(want, sizeof(want), "m v=I1 %s@1", cases[i].want);
		long rc = parse_n(in, strlen(in), cases[i].prec, 1, 0);
		ok(rc == 1 && !strcmp(got, want), "precision %s: %s -> %s (%s)", cases[i].name,
		   cases[i].ts, cases[i].want, got);
	}
	for (size_t i = 0; i < GT_ARRAY_LEN(over); i++) {
		snprintf(in, sizeof(in), "m v=1i %s", over[i].ts);
		snprintf(want, sizeof(want), "line 1, column 8: timestamp out of range '%s'",
			 over[i].ts);
		long rc = parse_n(in, strlen(in), over[i].prec, 1, 0);
		ok(rc == GT_EINVAL && !strcmp(emsg, want), "precision %d: %s overflows (%s)",
		   over[i].prec, over[i].ts, emsg);
	}
	ok(gt_lp_precision("x") == -1 && gt_lp_precision("") == -1 && gt_lp_precision(NULL) == -1 &&
	   gt_lp_precision("NS") == -1, "unknown precision names");
}

/* splitmix64: the tests' own deterministic randomness. */
static uint64_t rng = 42;
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Compare gt_parse_f64 with strtod on s; 1 if they agree. */
static int f64_agrees(const char *s)
{
	double a, b;
	char *e;
	int rc = gt_parse_f64(s, strlen(s), &a);

	b = strtod(s, &e);
	if (*e || isinf(b))
		return rc == GT_EINVAL;
	return rc == 0 && !memcmp(&a, &b, sizeof(a));
}

static void test_f64(void)
{
	static const char *const edge[] = {
		"0", "-0", "0.0", "-0.0", "+0", "0.1", "0.2", "0.3", "1", "-1", "1.", ".5", "-.5",
		"1e308", "1.7976931348623157e308", "1.7976931348623158e308", "1e-320", "4.9e-324",
		"2.4703282292062327e-324", "2.4703282292062328e-324", "2.2250738585072011e-308",
		"2.2250738585072014e-308", "9007199254740992", "9007199254740993",
		"9007199254740993.0", "18014398509481985", "1e22", "1e23", "1e-22", "1e-23",
		"123456789012345678", "1234567890123456789", "12345678901234567890",
		"0.000000000000000000000000000001", "3.14159265358979323846264338327950288",
		"7.2057594037927933e16", "1e30", "9e37", "9007199254740991e15", "1e38",
		"0.1e1", "100e-2", "58.13", "24.1", "-66.15", "1E+2", "1e0", "1e-0", "00000001.5",
		"1.00000000000000000000000000000000000001", "5e-324", "1e-400", "-1e-400",
		"1e1000000000000", "0e1000000000000", "0.000e-999999999999",
	};
	static const char *const reject[] = {
		"", "-", "+", ".", "-.", "e5", "1e", "1e+", "1e-", " 1", "1 ", "inf", "-inf",
		"infinity", "nan", "NaN", "0x10", "0x1p3", "1,5", "--1", "+-1", "1..2", "1.2.3",
		"1e5.5", "1d", "1f", "1e400", "-1e400", "1.8e308",
	};
	int bad_n = 0;
	char s[600];
	double v;

	for (size_t i = 0; i < GT_ARRAY_LEN(edge); i++)
		ok(f64_agrees(edge[i]), "f64 '%s' equals strtod", edge[i]);
	for (size_t i = 0; i < GT_ARRAY_LEN(reject); i++)
		ok(gt_parse_f64(reject[i], strlen(reject[i]), &v) == GT_EINVAL, "f64 rejects '%s'",
		   reject[i]);
	ok(gt_parse_f64("1.5", 2, &v) == 0 && v == 1.0, "f64 respects its length");

	/* Random decimals: short ones (the fast path), long mantissas, wide exponents. */
	for (int i = 0; i < 100000; i++) {
		size_t k = 0;
		uint64_t r = rnd();
		int nint = (int)(r % 4 == 0 ? rnd() % 30 : rnd() % 8);
		int nfrac = (int)(r % 3 == 0 ? rnd() % 30 : rnd() % 6);
		if (rnd() % 4 == 0)
			s[k++] = rnd() % 2 ? '-' : '+';
		for (int j = 0; j < nint; j++)
			s[k++] = (char)('0' + rnd() % 10);
		if (nfrac || rnd() % 2)
			s[k++] = '.';
		for (int j = 0; j < nfrac; j++)
			s[k++] = (char)('0' + rnd() % 10);
		if (!nint && !nfrac)
			s[k++] = '7';
		if (rnd() % 3 == 0) {
			s[k++] = rnd() % 2 ? 'e' : 'E';
			if (rnd() % 2)
				s[k++] = rnd() % 2 ? '-' : '+';
			k += (size_t)snprintf(s + k, 8, "%d", (int)(rnd() % (rnd() % 2 ? 30 : 340)));
		}
		s[k] = '\0';
		if (!f64_agrees(s) && bad_n++ < 10)
			ok(0, "random f64 '%s' equals strtod", s);
	}
	ok(bad_n == 0, "100000 random decimals equal strtod (%d differ)", bad_n);

	/* Shortest round-trip forms of random doubles, and very long texts (heap copy). */
	bad_n = 0;
	for (int i = 0; i < 20000; i++) {
		double d;
		uint64_t bits = rnd();
		memcpy(&d, &bits, sizeof(d));
		if (!isfinite(d))
			continue;
		snprintf(s, sizeof(s), i % 2 ? "%.17g" : "%.15g", d);
		if (!f64_agrees(s) && bad_n++ < 10)
			ok(0, "random double text '%s' equals strtod", s);
	}
	ok(bad_n == 0, "20000 random double texts equal strtod (%d differ)", bad_n);
	memset(s, '0', 500);
	s[0] = '0';
	s[1] = '.';
	s[499] = '1';
	s[500] = '\0';
	ok(f64_agrees(s), "500-byte float text");
	memset(s, '9', 400);
	memcpy(s + 400, "e-380", 6);
	ok(f64_agrees(s), "400 nines e-380");
}

static void test_escape(void)
{
	struct gt_buf b = {0};
	char name[64];
	int bad_n = 0;

	gt_lp_escape(&b, "a b,c=d\\e\"f", 11, GT_LP_ESC_TAG);
	ok(!strcmp(b.p, "a\\ b\\,c\\=d\\\\e\"f"), "escape tag: %s", b.p);
	gt_buf_reset(&b);
	gt_lp_escape(&b, "a b,c=d\\e\"f", 11, GT_LP_ESC_MEASUREMENT);
	ok(!strcmp(b.p, "a\\ b\\,c=d\\\\e\"f"), "escape measurement: %s", b.p);
	gt_buf_reset(&b);
	gt_lp_escape(&b, "a b,c=d\\e\"f", 11, GT_LP_ESC_STRING);
	ok(!strcmp(b.p, "a b,c=d\\\\e\\\"f"), "escape string: %s", b.p);
	gt_buf_reset(&b);
	gt_lp_escape(&b, "", 0, GT_LP_ESC_TAG);
	ok(b.len == 0, "escape empty");

	/* Round trip: escape random names, parse them back. */
	for (int i = 0; i < 5000; i++) {
		static const char alpha[] = "ab ,=\\\"x#";
		size_t n = 1 + rnd() % 12;
		char want[512];
		for (size_t j = 0; j < n; j++)
			name[j] = alpha[rnd() % (sizeof(alpha) - 1)];
		gt_buf_reset(&b);
		gt_lp_escape(&b, name, n, GT_LP_ESC_MEASUREMENT);
		gt_buf_addch(&b, ',');
		gt_lp_escape(&b, name, n, GT_LP_ESC_TAG);
		gt_buf_addch(&b, '=');
		gt_lp_escape(&b, name, n, GT_LP_ESC_TAG);
		gt_buf_addch(&b, ' ');
		gt_lp_escape(&b, name, n, GT_LP_ESC_TAG);
		gt_buf_addstr(&b, "=\"");
		gt_lp_escape(&b, name, n, GT_LP_ESC_STRING);
		gt_buf_addstr(&b, "\" 1");
		snprintf(want, sizeof(want), "%.*s,%.*s=%.*s %.*s=\"%.*s\" 1@1", (int)n, name,
			 (int)n, name, (int)n, name, (int)n, name, (int)n, name);
		long rc = parse_n(b.p, b.len, GT_UNIT_NS, 1, 0);
		/* A line starting with '#' is a comment: such a measurement cannot be written. */
		if (name[0] == '#')
			continue;
		if ((rc != 1 || strcmp(got, want)) && bad_n++ < 5)
			ok(0, "round trip: line '%s' got '%s' %s", vis(b.p), vis(got), emsg);
	}
	ok(bad_n == 0, "5000 escape round trips (%d failed)", bad_n);
	gt_buf_release(&b);
}

/* Every prefix of a tricky input parses or fails cleanly (sanitizers watch). */
static void test_prefixes(void)
{
	static const char in[] =
		"cpu\\ x,host=a\\,b,k\\=q=v\\ w f=1.5,i=-3i,u=4u,b=true,s=\"x\\\"y\nz\\\\\" 123\r\n"
		"# c\n  m v=.5e-3 -1\n\nn,t=1 s=\"\",e=1e400\n";
	int crashes = 0;

	for (size_t n = 0; n <= sizeof(in) - 1; n++) {
		long rc = parse_n(in, n, GT_UNIT_NS, 1, 0);
		if (rc < 0 && rc != GT_EINVAL)
			crashes++;
		if (!strcmp(got, "POINTER OUTSIDE BUFFER"))
			crashes++;
	}
	ok(crashes == 0, "every prefix of a tricky input parses or fails with EINVAL");
}

static int count_cb(void *ctx, const struct gt_lp_point *pt)
{
	long *n = ctx;
	*n += pt->nfields;
	return 0;
}

static void test_speed(void)
{
	static const char line[] =
		"cpu,hostname=host_0,region=eu-central-1,datacenter=eu-central-1a,rack=6,"
		"os=Ubuntu16.10,arch=x86,team=SF,service=19,service_version=1,service_environment=test "
		"usage_user=58.13,usage_system=2.45,usage_idle=24.1,usage_nice=61.98,usage_iowait=22.47,"
		"usage_irq=63.91,usage_softirq=5.33,usage_steal=42.53,usage_guest=28.82,"
		"usage_guest_nice=66.15 1451606400000000000\n";
	const size_t nlines = 100000, ll = sizeof(line) - 1;
	char *buf = malloc(nlines * ll);
	struct timespec t0, t1;
	double best = 1e9;
	long fields = 0, rc = 0;

	for (size_t i = 0; i < nlines; i++)
		memcpy(buf + i * ll, line, ll);
	for (int round = 0; round < 5; round++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = gt_lp_parse(buf, nlines * ll, GT_UNIT_NS, 0, 1, count_cb, &fields, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (s < best)
			best = s;
	}
	ok(rc == (long)nlines && fields == 5 * 10 * (long)nlines, "speed run parsed every line");
	printf("# parse speed: %.0f lines/s, %.0f MB/s (TSBS cpu line, %zu bytes, one core)\n",
	       (double)nlines / best, (double)(nlines * ll) / best / 1e6, ll);
	free(buf);
}

int main(void)
{
	test_types();
	test_escapes();
	test_lines();
	test_errors();
	test_limits();
	test_precision();
	test_f64();
	test_escape();
	test_prefixes();
	test_speed();
	return tap_done();
}
