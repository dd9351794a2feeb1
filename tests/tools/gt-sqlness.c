/*
 * gt-sqlness - run GreptimeDB's sqlness case files against gt-front.
 *
 *   gt-sqlness --cases DIR --server PROG [--passing FILE [--check|--update]]
 *              [-v] [-j N] [--timeout SEC] [--out DIR] [--record] [PATH...]
 *   gt-sqlness --selftest
 *
 * For each case file NAME.sql under DIR (or under the PATHs given, which
 * are case files or directories relative to DIR), it starts a fresh
 * `PROG --standalone --data-home TMP --http-addr 127.0.0.1:PORT`, waits
 * for "gt-front: ready http=HOST:PORT" on its stderr, sends every
 * statement to POST /v1/sql, decodes the JSON (gt_sqljson_decode),
 * renders it as sqlness does (gt_sql_render, gt_sql_render_error),
 * applies the statement's directives, and compares the text it built
 * with NAME.result byte for byte.  The server is stopped by SIGTERM.
 *
 * The case-file format follows the sqlness crate that GreptimeDB's
 * runner is built on:
 *   - a line starting with "--" is a comment: it is echoed (before the
 *     statement it belongs to) and, if it starts with "-- SQLNESS", is a
 *     directive of that statement;
 *   - empty lines are dropped;
 *   - other lines are the statement, joined by '\n', which ends at a line
 *     whose last character is ';' (text after the last ';' is dropped);
 *   - the result echoes the statement's comment lines, each with '\n' (those
 *     inside the statement too: they come first), the statement, "\n\n",
 *     the output after the directives, "\n\n".
 * Directives act on the output in the order they are written:
 *   SORT_RESULT [HEAD [TAIL]]  split into lines (dropping a trailing
 *                              newline), keep the first HEAD and last TAIL
 *                              lines, sort the others bytewise, join by '\n';
 *   REPLACE PATTERN [REPL]     the directive's text is trimmed, PATTERN runs
 *                              to the first space, REPL is the rest (its
 *                              leading spaces kept); Rust regex syntax and
 *                              Rust's replace_all ($1, ${1}, $name, $$);
 *   SLEEP Ns|Nms               wait before the statement;
 *   ARG restart=true           restart the server (same data) first;
 *   PROTOCOL MYSQL|POSTGRES    run the statement over that wire protocol
 *                              (sqlness/wire.h: libmariadb, libpq), on a
 *                              connection of the file's own to the address
 *                              the ready line names ("mysql=H:P",
 *                              "postgres=H:P"), rendered as GreptimeDB's
 *                              runner renders that protocol's answers; a
 *                              server that does not speak it fails the file.
 * "USE db" over HTTP is answered by the runner as GreptimeDB's runner does
 * ("Affected Rows: 0") and sets the db= of the HTTP requests that follow;
 * the wire connections keep their own sessions (USE goes to the server).
 *
 * Regular expressions: PCRE2 (libpcre2-8).  Rust's regex syntax is a
 * subset of PCRE2's but for \uXXXX, which is rewritten; the patterns are
 * compiled with UTF, UCP (Unicode \d \s \w, as Rust) and DOLLAR_ENDONLY.
 *
 * Case files run in parallel (-j, default twice the CPUs, at most 16),
 * each in a child process of its own, so a crash costs one file.  Every
 * statement has a timeout (--timeout, 10 s); after a timeout or a lost
 * connection the rest of the file is not run.
 *
 * Output: with -v a line per file and the first differing lines of each
 * failing file; then the pass count per top-level directory, the line
 * "sqlness target set: N/M (P%)" and last "sqlness: N/M case files passed".
 * --passing FILE names the files that passed before: --check exits 1 and
 * names every one of them that fails now, --update rewrites it from this
 * run (files outside the run keep their entry).  --out DIR writes every
 * actual result under DIR; --record writes it over NAME.result (to make
 * the runner's own test cases).  --selftest runs the parts that need no
 * server (splitting, directives, REPLACE) and prints TAP.
 *
 * Exit: 0, 1 (--check found a regression, --selftest failed), 100 (usage,
 * unreadable case directory), 111 (temporary: cannot fork, no temp dir).
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "gt.h"
#include "sql.h"
#include "sqlarrow.h"
#include "sqljson.h"
#include "sqlness/wire.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define FILE_MAX ((size_t)64 << 20)     /* a case file, a result file, a response */
#define OUT_MAX ((size_t)256 << 20)     /* the actual result text of one file */
#define LOG_MAX ((size_t)1 << 20)       /* the part of a server log read for readiness */
#define CASES_MAX 100000                /* case files in one run */
#define DEPTH_MAX 32                    /* directory depth walked */
#define JOBS_MAX 64
#define READY_MS 10000                  /* wait for the ready line */
#define STOP_MS 10000                   /* wait for a SIGTERMed server */
#define SLEEP_MAX_MS 600000             /* the longest SLEEP obeyed */
#define DIFF_LINES 6                    /* lines shown from the first difference */

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

/* A failed append (over a ceiling, out of memory) makes the file fail;
 * each file runs in its own process, so one flag is enough. */
static int out_of_room;

static void put(struct gt_buf *b, const void *p, size_t n)
{
	if (gt_buf_add(b, p, n))
		out_of_room = 1;
}

static void puts_(struct gt_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Read a whole file into b (ceiling max).  0, or -errno style GT_E*. */
static int read_file(const char *path, size_t max, struct gt_buf *b)
{
	char tmp[65536];
	ssize_t n;
	int fd, rc = 0;

	gt_buf_init(b, max);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? GT_ENOTFOUND : GT_EIO;
	for (;;) {
		n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				rc = GT_EIO;
			break;
		}
		rc = gt_buf_add(b, tmp, (size_t)n);
		if (rc)
			break;
	}
	close(fd);
	if (!rc && !b->p)
		rc = gt_buf_add(b, "", 0);
	return rc;
}

static int write_file(const char *path, const char *p, size_t n)
{
	char tmp[4096];
	int fd, rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= sizeof(tmp))
		return GT_ETOOBIG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return GT_EIO;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = GT_EIO;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	if (close(fd) && !rc)
		rc = GT_EIO;
	if (!rc && rename(tmp, path))
		rc = GT_EIO;
	if (rc)
		unlink(tmp);
	return rc;
}

static int mkdirs(const char *path)
{
	char p[4096];
	size_t i, n = strlen(path);

	if (n >= sizeof(p))
		return GT_ETOOBIG;
	memcpy(p, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			return GT_EIO;
		p[i] = path[i];
	}
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP || flag == FTW_D)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Regular expressions: PCRE2                                           */

static int is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Rust regex to PCRE2: \uXXXX and \u{X..} become \x{..}, \UXXXXXXXX too. */
static void re_translate(const char *pat, struct gt_buf *out)
{
	size_t i, n = strlen(pat);

	for (i = 0; i < n; i++) {
		if (pat[i] != '\\' || i + 1 >= n) {
			put(out, pat + i, 1);
			continue;
		}
		if (pat[i + 1] == 'u' || pat[i + 1] == 'U') {
			size_t want = pat[i + 1] == 'u' ? 4 : 8, j = i + 2, k;
			if (j < n && pat[j] == '{') {
				puts_(out, "\\x");
				i++;
				continue;       /* "\u{" -> "\x{", the rest copies */
			}
			for (k = 0; k < want && j + k < n && is_hex((unsigned char)pat[j + k]); k++)
				;
			if (k == want) {
				puts_(out, "\\x{");
				put(out, pat + j, want);
				puts_(out, "}");
				i = j + want - 1;
				continue;
			}
		}
		put(out, pat + i, 2);
		i++;
	}
}

static size_t utf8_step(const char *s, size_t len, size_t at)
{
	size_t i = at + 1;

	while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
		i++;
	return i;
}

/* Append group g of the match (nothing if it did not take part). */
static void re_put_group(struct gt_buf *out, const char *s, const PCRE2_SIZE *ov, uint32_t nov, int g)
{
	if (g < 0 || (uint32_t)g >= nov || ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] < ov[2 * g])
		return;
	put(out, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
}

/* Rust's Captures::expand: $N, $name (longest [A-Za-z0-9_] run), ${..}, $$. */
static void re_expand(const pcre2_code *code, const char *rep, const char *s, const PCRE2_SIZE *ov, uint32_t nov,
		      struct gt_buf *out)
{
	size_t i = 0, n = strlen(rep);

	while (i < n) {
		size_t a, b;
		char name[256];
		uint64_t num;

		if (rep[i] != '$') {
			put(out, rep + i, 1);
			i++;
			continue;
		}
		if (i + 1 < n && rep[i + 1] == '$') {
			puts_(out, "$");
			i += 2;
			continue;
		}
		if (i + 1 < n && rep[i + 1] == '{') {
			a = i + 2;
			for (b = a; b < n && rep[b] != '}'; b++)
				;
			if (b >= n || b == a) {
				puts_(out, "$");
				i++;
				continue;
			}
			i = b + 1;
		} else {
			a = i + 1;
			for (b = a; b < n && (rep[b] == '_' || (rep[b] >= '0' && rep[b] <= '9') ||
					      (rep[b] >= 'a' && rep[b] <= 'z') || (rep[b] >= 'A' && rep[b] <= 'Z'));
			     b++)
				;
			if (b == a) {
				puts_(out, "$");
				i++;
				continue;
			}
			i = b;
		}
		if (!parse_u64(rep + a, b - a, &num)) {
			if (num < nov)
				re_put_group(out, s, ov, nov, (int)num);
			continue;
		}
		if (b - a < sizeof(name)) {
			memcpy(name, rep + a, b - a);
			name[b - a] = '\0';
			re_put_group(out, s, ov, nov, pcre2_substring_number_from_name(code, (PCRE2_SPTR)name));
		}
	}
}

/*
 * Replace every match of pat in text by rep, as Rust's Regex::replace_all:
 * leftmost-first matches, an empty match right after the previous match
 * is skipped.  0, or -1 with why filled (bad pattern, no PCRE2).
 */
static int re_replace_all(const char *pat, const char *rep, struct gt_buf *text, char *why, size_t whylen)
{
	struct gt_buf p, out;
	pcre2_code *code;
	pcre2_match_data *md;
	int errcode, rc = 0;
	PCRE2_SIZE erroff, pos = 0, copied = 0, last_end = PCRE2_UNSET;

	gt_buf_init(&p, FILE_MAX);
	re_translate(pat, &p);
	puts_(&p, "");
	code = pcre2_compile((PCRE2_SPTR)p.p, p.len, PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &errcode, &erroff,
			     NULL);
	gt_buf_release(&p);
	if (!code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		snprintf(why, whylen, "bad REPLACE pattern '%s' at %zu: %s", pat, (size_t)erroff, (const char *)msg);
		return -1;
	}
	md = pcre2_match_data_create_from_pattern(code, NULL);
	if (!md) {
		pcre2_code_free(code);
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	gt_buf_init(&out, OUT_MAX);
	while (pos <= text->len) {
		int m = pcre2_match(code, (PCRE2_SPTR)text->p, text->len, pos, 0, md, NULL);
		PCRE2_SIZE *ov, s, e;
		uint32_t nov;

		if (m == PCRE2_ERROR_NOMATCH)
			break;
		if (m < 0) {
			PCRE2_UCHAR msg[256];
			pcre2_get_error_message(m, msg, sizeof(msg));
			snprintf(why, whylen, "REPLACE pattern '%s': %s", pat, (const char *)msg);
			rc = -1;
			break;
		}
		ov = pcre2_get_ovector_pointer(md);
		nov = (uint32_t)m;
		s = ov[0];
		e = ov[1];
		if (s > text->len || e > text->len || e < s)
			break;
		if (s == e && last_end != PCRE2_UNSET && s == last_end) {
			if (s >= text->len)
				break;
			pos = utf8_step(text->p, text->len, s);
			continue;
		}
		put(&out, text->p + copied, s - copied);
		re_expand(code, rep, text->p, ov, nov, &out);
		copied = e;
		last_end = e;
		pos = e;
	}
	if (!rc) {
		put(&out, text->p + copied, text->len - copied);
		gt_buf_reset(text);
		put(text, out.p ? out.p : "", out.len);
	}
	gt_buf_release(&out);
	pcre2_match_data_free(md);
	pcre2_code_free(code);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Case files                                                           */

enum dir_kind {
	DIR_SORT = 1,
	DIR_REPLACE,
	DIR_SLEEP,
	DIR_ARG,
	DIR_PROTOCOL,
};

struct directive {
	int kind;
	uint64_t head, tail;            /* SORT_RESULT */
	char *pattern, *replacement;    /* REPLACE */
	int64_t sleep_ms;               /* SLEEP */
	int restart;                    /* ARG restart=true */
	char *protocol;                 /* PROTOCOL */
};

struct stmt {
	struct gt_buf comments;         /* its comment lines, each with '\n', echoed first */
	struct gt_buf sql;              /* the statement's lines joined by '\n', echoed next */
	struct directive *dirs;
	size_t ndirs;
	char bad[256];                  /* why a directive is not understood; "" if all are */
};

struct casefile {
	struct stmt *stmts;
	size_t n;
};

static void stmt_release(struct stmt *s)
{
	size_t i;

	gt_buf_release(&s->comments);
	gt_buf_release(&s->sql);
	for (i = 0; i < s->ndirs; i++) {
		free(s->dirs[i].pattern);
		free(s->dirs[i].replacement);
		free(s->dirs[i].protocol);
	}
	free(s->dirs);
	memset(s, 0, sizeof(*s));
}

static void case_release(struct casefile *cf)
{
	size_t i;

	for (i = 0; i < cf->n; i++)
		stmt_release(&cf->stmts[i]);
	free(cf->stmts);
	cf->stmts = NULL;
	cf->n = 0;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* "3s", "500ms", "1m", a bare number is milliseconds. */
static int parse_duration(const char *s, size_t n, int64_t *ms)
{
	size_t i = 0;
	uint64_t v;
	const char *unit;
	size_t ulen;

	while (n > 0 && is_space((unsigned char)s[n - 1]))
		n--;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (parse_u64(s, i, &v) || v > (uint64_t)SLEEP_MAX_MS)
		return -1;
	unit = s + i;
	ulen = n - i;
	if (ulen == 0 || (ulen == 2 && !memcmp(unit, "ms", 2)))
		*ms = (int64_t)v;
	else if (ulen == 1 && unit[0] == 's')
		*ms = (int64_t)v * 1000;
	else if (ulen == 1 && unit[0] == 'm')
		*ms = (int64_t)v * 60000;
	else
		return -1;
	return *ms <= SLEEP_MAX_MS ? 0 : -1;
}

/* Parse one "-- SQLNESS ..." line (the text after "-- SQLNESS") into s. */
static void directive_parse(struct stmt *s, const char *p, size_t n)
{
	struct directive d, *nd;
	size_t i = 0, nlen;
	const char *name, *ctx;
	size_t clen;

	memset(&d, 0, sizeof(d));
	while (i < n && is_space((unsigned char)p[i]))
		i++;
	name = p + i;
	while (i < n && p[i] != ' ')
		i++;
	nlen = (size_t)(p + i - name);
	if (i < n)
		i++;
	ctx = p + i;
	clen = n - i;

#define NAME_IS(lit) (nlen == sizeof(lit) - 1 && !memcmp(name, lit, nlen))
	if (NAME_IS("SORT_RESULT")) {
		uint64_t v[2] = {0, 0};
		size_t k = 0, j = 0;
		d.kind = DIR_SORT;
		while (j < clen) {
			size_t st;
			while (j < clen && is_space((unsigned char)ctx[j]))
				j++;
			if (j >= clen)
				break;
			st = j;
			while (j < clen && !is_space((unsigned char)ctx[j]))
				j++;
			if (k >= 2 || parse_u64(ctx + st, j - st, &v[k])) {
				snprintf(s->bad, sizeof(s->bad), "bad SORT_RESULT arguments '%.*s'", (int)GT_MIN(clen, 100),
					 ctx);
				return;
			}
			k++;
		}
		d.head = v[0];
		d.tail = v[1];
	} else if (NAME_IS("REPLACE")) {
		size_t a = 0, b = clen, sp;
		while (a < b && is_space((unsigned char)ctx[a]))
			a++;
		while (b > a && is_space((unsigned char)ctx[b - 1]))
			b--;
		for (sp = a; sp < b && ctx[sp] != ' '; sp++)
			;
		if (sp == a) {
			snprintf(s->bad, sizeof(s->bad), "REPLACE without a pattern");
			return;
		}
		d.kind = DIR_REPLACE;
		d.pattern = gt_strndup(ctx + a, sp - a);
		d.replacement = sp < b ? gt_strndup(ctx + sp + 1, b - sp - 1) : gt_strdup("");
		if (!d.pattern || !d.replacement) {
			free(d.pattern);
			free(d.replacement);
			out_of_room = 1;
			return;
		}
	} else if (NAME_IS("SLEEP")) {
		d.kind = DIR_SLEEP;
		if (parse_duration(ctx, clen, &d.sleep_ms)) {
			snprintf(s->bad, sizeof(s->bad), "bad SLEEP duration '%.*s'", (int)GT_MIN(clen, 100), ctx);
			return;
		}
	} else if (NAME_IS("ARG")) {
		size_t j = 0;
		d.kind = DIR_ARG;
		while (j < clen) {
			size_t st;
			while (j < clen && is_space((unsigned char)ctx[j]))
				j++;
			st = j;
			while (j < clen && !is_space((unsigned char)ctx[j]))
				j++;
			if (j - st == 12 && !memcmp(ctx + st, "restart=true", 12))
				d.restart = 1;
		}
	} else if (NAME_IS("PROTOCOL")) {
		size_t b = clen;
		while (b > 0 && is_space((unsigned char)ctx[b - 1]))
			b--;
		d.kind = DIR_PROTOCOL;
		d.protocol = gt_strndup(ctx, b);
		if (!d.protocol) {
			out_of_room = 1;
			return;
		}
	} else {
		snprintf(s->bad, sizeof(s->bad), "unknown directive '%.*s'", (int)GT_MIN(nlen, 100), name);
		return;
	}
#undef NAME_IS
	nd = gt_reallocarray(s->dirs, s->ndirs + 1, sizeof(*nd));
	if (!nd) {
		free(d.pattern);
		free(d.replacement);
		free(d.protocol);
		out_of_room = 1;
		return;
	}
	s->dirs = nd;
	s->dirs[s->ndirs++] = d;
}

#define DIRECTIVE_PREFIX "-- SQLNESS"

/* Split a case file into statements as the sqlness crate does. */
static int case_parse(const char *text, size_t len, struct casefile *cf)
{
	struct stmt cur;
	size_t pos = 0, cap = 0;

	memset(cf, 0, sizeof(*cf));
	memset(&cur, 0, sizeof(cur));
	gt_buf_init(&cur.comments, FILE_MAX);
	gt_buf_init(&cur.sql, FILE_MAX);
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		pos += n + (nl ? 1 : 0);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n >= 2 && line[0] == '-' && line[1] == '-') {
			put(&cur.comments, line, n);
			puts_(&cur.comments, "\n");
			if (n >= sizeof(DIRECTIVE_PREFIX) - 1 &&
			    !memcmp(line, DIRECTIVE_PREFIX, sizeof(DIRECTIVE_PREFIX) - 1))
				directive_parse(&cur, line + sizeof(DIRECTIVE_PREFIX) - 1,
						n - (sizeof(DIRECTIVE_PREFIX) - 1));
			continue;
		}
		if (n == 0)
			continue;
		put(&cur.sql, line, n);
		if (line[n - 1] != ';') {
			puts_(&cur.sql, "\n");
			continue;
		}
		if (cf->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct stmt *ns = gt_reallocarray(cf->stmts, ncap, sizeof(*ns));
			if (!ns) {
				stmt_release(&cur);
				case_release(cf);
				return GT_ENOMEM;
			}
			cf->stmts = ns;
			cap = ncap;
		}
		cf->stmts[cf->n++] = cur;
		memset(&cur, 0, sizeof(cur));
		gt_buf_init(&cur.comments, FILE_MAX);
		gt_buf_init(&cur.sql, FILE_MAX);
	}
	stmt_release(&cur);
	return out_of_room ? GT_ETOOBIG : 0;
}

struct line {
	const char *p;
	size_t n;
};

static int line_cmp(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	int c = memcmp(x->p, y->p, GT_MIN(x->n, y->n));

	if (c)
		return c;
	return x->n < y->n ? -1 : x->n > y->n;
}

/* SORT_RESULT as the sqlness crate: Rust's str::lines(), sort, join by '\n'. */
static void sort_result(struct gt_buf *text, uint64_t head, uint64_t tail)
{
	struct line *v = NULL;
	size_t n = 0, cap = 0, pos = 0, i, h, t;
	struct gt_buf out;

	while (pos < text->len) {
		const char *p = text->p + pos, *nl = memchr(p, '\n', text->len - pos);
		size_t len = nl ? (size_t)(nl - p) : text->len - pos;

		pos += len + (nl ? 1 : 0);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct line *nv = gt_reallocarray(v, ncap, sizeof(*nv));
			if (!nv) {
				free(v);
				out_of_room = 1;
				return;
			}
			v = nv;
			cap = ncap;
		}
		v[n].p = p;
		v[n].n = len;
		n++;
	}
	h = head < n ? (size_t)head : n;
	t = tail < n - h ? (size_t)tail : n - h;
	if (n - h - t > 1)
		qsort(v + h, n - h - t, sizeof(*v), line_cmp);
	gt_buf_init(&out, OUT_MAX);
	for (i = 0; i < n; i++) {
		if (i)
			puts_(&out, "\n");
		put(&out, v[i].p, v[i].n);
	}
	gt_buf_reset(text);
	put(text, out.p ? out.p : "", out.len);
	gt_buf_release(&out);
	free(v);
}

/* Apply the output directives of s in order.  0, or -1 with why. */
static int apply_directives(const struct stmt *s, struct gt_buf *text, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; i < s->ndirs; i++) {
		const struct directive *d = &s->dirs[i];
		if (d->kind == DIR_SORT)
			sort_result(text, d->head, d->tail);
		else if (d->kind == DIR_REPLACE && re_replace_all(d->pattern, d->replacement, text, why, whylen))
			return -1;
	}
	return 0;
}

/* "USE db" as GreptimeDB's runner sees it: the second word, ';' trimmed. */
static int use_target(const char *sql, char *db, size_t dblen)
{
	size_t i = 0, st, n;

	while (sql[i] && is_space((unsigned char)sql[i]))
		i++;
	if (strncasecmp(sql + i, "use", 3) || !is_space((unsigned char)sql[i + 3]))
		return 0;
	i += 3;
	while (sql[i] && is_space((unsigned char)sql[i]))
		i++;
	st = i;
	while (sql[i] && !is_space((unsigned char)sql[i]))
		i++;
	n = i - st;
	while (n > 0 && sql[st + n - 1] == ';')
		n--;
	if (n == 0 || n >= dblen)
		return 0;
	memcpy(db, sql + st, n);
	db[n] = '\0';
	return 1;
}

/*
 * "SET [SESSION] time_zone = 'zone'" (or TO): the runner keeps the zone and
 * sends it with the requests that follow, as a GreptimeDB connection keeps
 * its session's.  1 with tz set, else 0.
 */
static int tz_target(const char *sql, char *tz, size_t tzlen)
{
	size_t i = 0, st;

	while (sql[i] && is_space((unsigned char)sql[i]))
		i++;
	if (strncasecmp(sql + i, "set", 3) || !is_space((unsigned char)sql[i + 3]))
		return 0;
	for (i += 3; is_space((unsigned char)sql[i]); i++)
		;
	if (!strncasecmp(sql + i, "session", 7) && is_space((unsigned char)sql[i + 7]))
		for (i += 7; is_space((unsigned char)sql[i]); i++)
			;
	if (strncasecmp(sql + i, "time_zone", 9))
		return 0;
	for (i += 9; is_space((unsigned char)sql[i]); i++)
		;
	if (sql[i] == '=')
		i++;
	else if (!strncasecmp(sql + i, "to", 2))
		i += 2;
	else
		return 0;
	while (is_space((unsigned char)sql[i]))
		i++;
	if (sql[i] != '\'' && sql[i] != '"')
		return 0;
	st = ++i;
	while (sql[i] && sql[i] != sql[st - 1])
		i++;
	if (!sql[i] || i - st >= tzlen)
		return 0;
	memcpy(tz, sql + st, i - st);
	tz[i - st] = '\0';
	return 1;
}

/* ------------------------------------------------------------------ */
/* The server                                                           */

struct server {
	const char *prog;
	char home[4096];
	char log[4096];
	pid_t pid;
	char addr[128];                 /* HOST:PORT from the ready line */
	char wire[2][128];              /* its mysql= and postgres= (enum wire_proto), "" if none */
};

/* The value of " KEY=" in the ready line [p, end) into out ("" if absent). */
static void ready_field(const char *p, const char *end, const char *key, char *out, size_t outlen)
{
	size_t kl = strlen(key);
	out[0] = '\0';
	for (; p + kl < end; p++)
		if (p[0] == ' ' && !memcmp(p + 1, key, kl) && p[1 + kl] == '=') {
			const char *v = p + 2 + kl;
			size_t n = strcspn(v, " \t\r\n");
			if (v + n <= end && n < outlen) {
				memcpy(out, v, n);
				out[n] = '\0';
			}
			return;
		}
}

static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!bind(fd, (struct sockaddr *)&a, sizeof(a)) && !getsockname(fd, (struct sockaddr *)&a, &alen))
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_size;
}

/* The last non-empty line of the log after off, for messages. */
static void log_tail(const char *path, off_t off, char *out, size_t outlen)
{
	struct gt_buf b;
	size_t e, s;

	out[0] = '\0';
	if (read_file(path, FILE_MAX, &b) || (size_t)off > b.len) {
		gt_buf_release(&b);
		return;
	}
	e = b.len;
	while (e > (size_t)off && is_space((unsigned char)b.p[e - 1]))
		e--;
	for (s = e; s > (size_t)off && b.p[s - 1] != '\n'; s--)
		;
	snprintf(out, outlen, "%.*s", (int)GT_MIN(e - s, 300), b.p + s);
	gt_buf_release(&b);
}

static void describe_status(int status, char *out, size_t outlen)
{
	if (WIFSIGNALED(status))
		snprintf(out, outlen, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, outlen, "exited with status %d", WEXITSTATUS(status));
}

static int server_start_once(struct server *sv, char *why, size_t whylen)
{
	char addr[64], tail[400], st[64];
	off_t off = file_size(sv->log);
	int port = free_port(), status, fd;
	int64_t deadline;
	pid_t pid;

	if (port <= 0) {
		snprintf(why, whylen, "no free port: %s", strerror(errno));
		return -1;
	}
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "cannot fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* The server dies with the runner's child that owns it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, 0);
		fd = open(sv->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(sv->prog, sv->prog, "--standalone", "--data-home", sv->home, "--http-addr", addr, "--mysql-addr",
		      "127.0.0.1:0", "--postgres-addr", "127.0.0.1:0", (char *)NULL);
		dprintf(2, "gt-sqlness: cannot run '%s': %s\n", sv->prog, strerror(errno));
		_exit(127);
	}
	sv->pid = pid;
	deadline = gt_mono_ns() + (int64_t)READY_MS * 1000000;
	for (;;) {
		struct gt_buf b;
		const char *r;
		static const char ready[] = "gt-front: ready http=";

		if (!read_file(sv->log, LOG_MAX + (size_t)off, &b) && (size_t)off <= b.len &&
		    (r = strstr(b.p + off, ready)) != NULL) {
			const char *a = r + sizeof(ready) - 1;
			size_t n = strcspn(a, " \t\r\n");
			if (n > 0 && n < sizeof(sv->addr) && (a[n] == '\n' || a[n] == '\r' || a[n] == ' ')) {
				const char *eol = a + strcspn(a, "\r\n");
				memcpy(sv->addr, a, n);
				sv->addr[n] = '\0';
				ready_field(a, eol, "mysql", sv->wire[WIRE_MYSQL], sizeof(sv->wire[0]));
				ready_field(a, eol, "postgres", sv->wire[WIRE_POSTGRES], sizeof(sv->wire[0]));
				gt_buf_release(&b);
				return 0;
			}
		}
		gt_buf_release(&b);
		if (waitpid(pid, &status, WNOHANG) == pid) {
			sv->pid = 0;
			describe_status(status, st, sizeof(st));
			log_tail(sv->log, off, tail, sizeof(tail));
			snprintf(why, whylen, "server %s before it was ready%s%s", st, tail[0] ? ": " : "", tail);
			return -2;
		}
		if (gt_mono_ns() > deadline) {
			snprintf(why, whylen, "server not ready after %d ms", READY_MS);
			return -1;
		}
		sleep_ms(5);
	}
}

static void server_stop(struct server *sv)
{
	int64_t deadline;
	int status;

	if (sv->pid <= 0)
		return;
	kill(sv->pid, SIGTERM);
	deadline = gt_mono_ns() + (int64_t)STOP_MS * 1000000;
	for (;;) {
		pid_t r = waitpid(sv->pid, &status, WNOHANG);
		if (r == sv->pid || (r < 0 && errno != EINTR))
			break;
		if (gt_mono_ns() > deadline) {
			kill(sv->pid, SIGKILL);
			waitpid(sv->pid, &status, 0);
			break;
		}
		sleep_ms(5);
	}
	sv->pid = 0;
}

/* Start, retrying on a lost port race (the server exits before ready). */
static int server_start(struct server *sv, char *why, size_t whylen)
{
	int i, rc = -1;

	for (i = 0; i < 3; i++) {
		rc = server_start_once(sv, why, whylen);
		if (rc == 0)
			return 0;
		server_stop(sv);
		if (rc != -2)
			break;
	}
	return -1;
}

/* Has the server died?  Fills why if so. */
static int server_dead(struct server *sv, char *why, size_t whylen)
{
	int status;
	char st[64];

	if (sv->pid <= 0)
		return 1;
	if (waitpid(sv->pid, &status, WNOHANG) != sv->pid)
		return 0;
	sv->pid = 0;
	describe_status(status, st, sizeof(st));
	snprintf(why, whylen, "server %s", st);
	return 1;
}

/* ------------------------------------------------------------------ */
/* HTTP                                                                 */

struct http {
	CURL *curl;
	struct gt_buf body;
	long timeout_ms;
};

static size_t http_write(char *p, size_t sz, size_t n, void *arg)
{
	struct gt_buf *b = arg;

	if (gt_buf_add(b, p, sz * n))
		return 0;
	return sz * n;
}

/* POST sql to /v1/sql?db=...[&format=FORMAT] (with the session time zone tz
 * unless ""): 0 with the body in h->body, or -1 with why. */
static int http_sql(struct http *h, const char *addr, const char *db, const char *tz, const char *format,
		    const char *sql, size_t len, char *why, size_t whylen)
{
	char *esql = NULL, *edb = NULL, hdr[128];
	struct curl_slist *hdrs = NULL;
	struct gt_buf url, form;
	CURLcode cc;
	int rc = -1;

	gt_buf_reset(&h->body);
	if (!h->curl) {
		h->curl = curl_easy_init();
		if (!h->curl) {
			snprintf(why, whylen, "curl_easy_init failed");
			return -1;
		}
	}
	gt_buf_init(&url, 4096);
	gt_buf_init(&form, OUT_MAX);
	esql = curl_easy_escape(h->curl, sql, (int)GT_MIN(len, (size_t)INT32_MAX));
	edb = curl_easy_escape(h->curl, db, 0);
	if (!esql || !edb || gt_buf_addf(&url, "http://%s/v1/sql?db=%s%s%s", addr, edb, format ? "&format=" : "",
					 format ? format : "") ||
	    gt_buf_addstr(&form, "sql=") || gt_buf_addstr(&form, esql)) {
		snprintf(why, whylen, "request over its ceiling");
		goto out;
	}
	curl_easy_setopt(h->curl, CURLOPT_URL, url.p);
	curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, form.p);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form.len);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &h->body);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_PROXY, "");
	if (tz[0]) {
		snprintf(hdr, sizeof(hdr), "X-Greptime-Timezone: %s", tz);
		if (!(hdrs = curl_slist_append(NULL, hdr))) {
			snprintf(why, whylen, "out of memory");
			goto out;
		}
	}
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	cc = curl_easy_perform(h->curl);
	if (cc != CURLE_OK) {
		snprintf(why, whylen, "%s", curl_easy_strerror(cc));
		goto out;
	}
	if (!h->body.p)
		put(&h->body, "", 0);
	rc = 0;
out:
	curl_slist_free_all(hdrs);
	curl_free(esql);
	curl_free(edb);
	gt_buf_release(&url);
	gt_buf_release(&form);
	return rc;
}

static void http_close(struct http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	h->curl = NULL;
}

/* ------------------------------------------------------------------ */
/* Wire protocols                                                       */

/* The protocol a PROTOCOL directive names, or -1. */
static int wire_proto_of(const char *name)
{
	if (!strcasecmp(name, "mysql"))
		return WIRE_MYSQL;
	if (!strcasecmp(name, "postgres"))
		return WIRE_POSTGRES;
	return -1;
}

static void wires_close(struct wire **w)
{
	for (int p = 0; p < 2; p++) {
		wire_close(w[p]);
		w[p] = NULL;
	}
}

/* ------------------------------------------------------------------ */
/* Running one case file                                                */

struct opts {
	const char *cases;
	const char *server;
	const char *passing;
	const char *outdir;
	int check, update, verbose, record, jobs;
	long timeout_ms;
	char tmp[4096];
};

/* A statement and where it went: asked again when its JSON answer is not enough. */
struct asked {
	struct http *h;
	const char *addr, *db, *tz, *sql;
	size_t len;
};

/* Has o a NULL in a Float64 column (a NaN or an infinity to JSON)? */
static bool float_nulls(const struct gt_sql_output *o)
{
	for (uint32_t c = 0; o->kind == GT_SQL_RECORDS && c < o->ncols && c < o->rows.ncols; c++)
		for (uint32_t r = 0; o->rows.cols[c].type == GT_F64 && r < o->rows.nrows; r++)
			if (gt_vec_is_null(&o->rows.cols[c], r))
				return true;
	return false;
}

/* An answer of columns and no rows: whether its header shows is in the Arrow answer. */
static bool empty_records(const struct gt_sql_output *o)
{
	return o->kind == GT_SQL_RECORDS && o->ncols && o->rows.nrows == 0;
}

/*
 * JSON writes NaN and the infinities as null, as GreptimeDB's does;
 * GreptimeDB's runner reads Arrow and prints them.  So where a Float64
 * column holds a NULL the statement (a query: it answered rows) is
 * asked again for GreptimeDB's Arrow answer (sqlarrow.h), which tells
 * the two apart.  An empty answer is asked again too: GreptimeDB's
 * runner prints its header when a batch came (an empty one), `++` when
 * none did, and JSON has the schema either way.
 */
static void refine_floats(const struct asked *a, struct gt_sql_result *res)
{
	char why[256];
	long code = 0;

	if (res->n != 1 || !(float_nulls(&res->outs[0]) || empty_records(&res->outs[0])) ||
	    http_sql(a->h, a->addr, a->db, a->tz, "arrow", a->sql, a->len, why, sizeof(why)))
		return;
	curl_easy_getinfo(a->h->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code == 200)
		gt_sqlarrow_floats(a->h->body.p ? a->h->body.p : "", a->h->body.len, &res->outs[0]);
}

/* Render a response body as the .result shows it. */
static void render_body(const char *body, size_t len, long code, const struct asked *a, struct gt_buf *out)
{
	struct gt_sql_result res;
	struct gt_sql_error e;
	int rc;
	uint32_t i;

	memset(&res, 0, sizeof(res));
	memset(&e, 0, sizeof(e));
	rc = gt_sqljson_decode(body, len, &res, &e);
	if (rc == 0) {
		if (a)
			refine_floats(a, &res);
		for (i = 0; i < res.n; i++) {
			if (i)
				puts_(out, "\n");
			if (gt_sql_render(&res.outs[i], out))
				puts_(out, "Error: runner: cannot render the output");
		}
	} else if (rc == GT_EINVAL) {
		if (gt_sql_render_error(&e, out))
			puts_(out, "Error: runner: cannot render the error");
	} else {
		gt_buf_addf(out, "Error: runner: HTTP %ld, not a SQL response: %.*s", code, (int)GT_MIN(len, 300),
			    body);
	}
	gt_sql_result_release(&res);
}

/* Show where actual and expected part: line number and a few lines. */
static void first_diff(const char *exp, size_t elen, const char *act, size_t alen, struct gt_buf *rep)
{
	size_t i = 0, line = 1, ls = 0, k;
	const char *w[2] = {exp, act};
	size_t wl[2] = {elen, alen};
	static const char *const tag[2] = {"  expected| ", "  actual  | "};

	while (i < elen && i < alen && exp[i] == act[i]) {
		if (exp[i] == '\n') {
			line++;
			ls = i + 1;
		}
		i++;
	}
	gt_buf_addf(rep, "  first difference at line %zu:\n", line);
	for (k = 0; k < 2; k++) {
		size_t p = ls, shown = 0;
		if (p >= wl[k]) {
			gt_buf_addf(rep, "%s<end of %s>\n", tag[k], k ? "output" : "file");
			continue;
		}
		while (p < wl[k] && shown < DIFF_LINES) {
			const char *nl = memchr(w[k] + p, '\n', wl[k] - p);
			size_t n = nl ? (size_t)(nl - (w[k] + p)) : wl[k] - p;
			gt_buf_addf(rep, "%s%.*s\n", tag[k], (int)GT_MIN(n, 400), w[k] + p);
			p += n + 1;
			shown++;
		}
	}
}

/*
 * Run one case file; the verdict goes to report: "PASS\n", or
 * "FAIL reason\n" and the difference.  Runs in its own process.
 */
static int case_run(const struct opts *o, const char *rel, int idx, struct gt_buf *report)
{
	char path[4096], why[1024] = "", fail[1024] = "", db[GT_NAME_MAX + 1] = "public", tz[64] = "";
	struct gt_buf sqltext, expected, actual, outp, diff;
	struct casefile cf;
	struct server sv;
	struct http h;
	struct wire *wires[2] = {NULL, NULL};   /* per enum wire_proto, opened on first use */
	size_t i, base;
	int rc, have_expected, pass = 0;

	memset(&cf, 0, sizeof(cf));
	memset(&sv, 0, sizeof(sv));
	memset(&h, 0, sizeof(h));
	gt_buf_init(&actual, OUT_MAX);
	gt_buf_init(&outp, OUT_MAX);
	gt_buf_init(&diff, FILE_MAX);
	gt_buf_init(&h.body, FILE_MAX);
	h.timeout_ms = o->timeout_ms;
	base = strlen(rel) - 4;         /* without ".sql" */

	snprintf(path, sizeof(path), "%s/%s", o->cases, rel);
	if (read_file(path, FILE_MAX, &sqltext)) {
		snprintf(fail, sizeof(fail), "cannot read '%s'", path);
		gt_buf_init(&expected, 0);
		goto verdict;
	}
	snprintf(path, sizeof(path), "%s/%.*s.result", o->cases, (int)base, rel);
	have_expected = !read_file(path, FILE_MAX, &expected);
	if (case_parse(sqltext.p, sqltext.len, &cf)) {
		snprintf(fail, sizeof(fail), "cannot split the case file");
		goto verdict;
	}

	sv.prog = o->server;
	snprintf(sv.home, sizeof(sv.home), "%s/%d/home", o->tmp, idx);
	snprintf(sv.log, sizeof(sv.log), "%s/%d/server.log", o->tmp, idx);
	if (mkdirs(sv.home)) {
		snprintf(fail, sizeof(fail), "cannot create '%s'", sv.home);
		goto verdict;
	}
	if (server_start(&sv, why, sizeof(why))) {
		snprintf(fail, sizeof(fail), "%s", why);
		goto verdict;
	}

	for (i = 0; i < cf.n; i++) {
		const struct stmt *s = &cf.stmts[i];
		size_t k;
		int restart = 0, proto = -1;

		if (s->bad[0] && !fail[0])
			snprintf(fail, sizeof(fail), "statement %zu: %s", i + 1, s->bad);
		for (k = 0; k < s->ndirs; k++) {
			if (s->dirs[k].kind == DIR_ARG && s->dirs[k].restart)
				restart = 1;
			if (s->dirs[k].kind == DIR_PROTOCOL && proto < 0) {
				proto = wire_proto_of(s->dirs[k].protocol);
				if (proto < 0 && !fail[0])
					snprintf(fail, sizeof(fail), "statement %zu: unknown PROTOCOL %s", i + 1,
						 s->dirs[k].protocol);
			}
		}
		if (restart) {
			server_stop(&sv);
			http_close(&h);
			wires_close(wires);
			if (server_start(&sv, why, sizeof(why))) {
				snprintf(fail, sizeof(fail), "statement %zu: restart: %s", i + 1, why);
				break;
			}
		}
		for (k = 0; k < s->ndirs; k++)
			if (s->dirs[k].kind == DIR_SLEEP)
				sleep_ms(s->dirs[k].sleep_ms);

		put(&actual, s->comments.p ? s->comments.p : "", s->comments.len);
		put(&actual, s->sql.p ? s->sql.p : "", s->sql.len);
		puts_(&actual, "\n\n");
		gt_buf_reset(&outp);
		if (proto >= 0 && !sv.wire[proto][0] && !fail[0])
			snprintf(fail, sizeof(fail), "statement %zu: the server does not speak PROTOCOL %s (no %s= in its "
				 "ready line)", i + 1, proto == WIRE_MYSQL ? "MYSQL" : "POSTGRES",
				 proto == WIRE_MYSQL ? "mysql" : "postgres");
		if (proto >= 0 && sv.wire[proto][0]) {
			if ((!wires[proto] && wire_open(&wires[proto], proto, sv.wire[proto], (int)o->timeout_ms, why,
							sizeof(why))) ||
			    wire_query(wires[proto], s->sql.p ? s->sql.p : "", s->sql.len, &outp, why, sizeof(why))) {
				char dead[128] = "";
				server_dead(&sv, dead, sizeof(dead));
				gt_buf_reset(&outp);
				gt_buf_addf(&outp, "Error: runner: %s%s%s", why, dead[0] ? ", " : "", dead);
				put(&actual, outp.p, outp.len);
				puts_(&actual, "\n\n");
				snprintf(fail, sizeof(fail), "statement %zu: %s%s%s (the rest of the file did not run)",
					 i + 1, why, dead[0] ? ", " : "", dead);
				break;
			}
		} else if (use_target(s->sql.p ? s->sql.p : "", db, sizeof(db))) {
			puts_(&outp, "Affected Rows: 0");
		} else if (http_sql(&h, sv.addr, db, tz, NULL, s->sql.p ? s->sql.p : "", s->sql.len, why, sizeof(why))) {
			char dead[128] = "";
			server_dead(&sv, dead, sizeof(dead));
			gt_buf_addf(&outp, "Error: runner: %s%s%s", why, dead[0] ? ", " : "", dead);
			put(&actual, outp.p, outp.len);
			puts_(&actual, "\n\n");
			snprintf(fail, sizeof(fail), "statement %zu: %s%s%s (the rest of the file did not run)", i + 1,
				 why, dead[0] ? ", " : "", dead);
			break;
		} else {
			long code = 0;
			struct asked a = {&h, sv.addr, db, tz, s->sql.p ? s->sql.p : "", s->sql.len};
			struct gt_buf first;
			curl_easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &code);
			/* the JSON body, kept: refine_floats() reuses h for its request */
			gt_buf_init(&first, OUT_MAX);
			put(&first, h.body.p ? h.body.p : "", h.body.len);
			render_body(first.p ? first.p : "", first.len, code, &a, &outp);
			gt_buf_release(&first);
			if (code == 200)
				tz_target(s->sql.p ? s->sql.p : "", tz, sizeof(tz));
		}
		if (apply_directives(s, &outp, why, sizeof(why)) && !fail[0])
			snprintf(fail, sizeof(fail), "statement %zu: %s", i + 1, why);
		put(&actual, outp.p ? outp.p : "", outp.len);
		puts_(&actual, "\n\n");
	}
	wires_close(wires);
	server_stop(&sv);

	if (out_of_room && !fail[0])
		snprintf(fail, sizeof(fail), "output over its ceiling");
	if (o->record) {
		if (write_file(path, actual.p ? actual.p : "", actual.len) && !fail[0])
			snprintf(fail, sizeof(fail), "cannot write '%s'", path);
	} else if (!have_expected) {
		if (!fail[0])
			snprintf(fail, sizeof(fail), "no result file '%s'", path);
	} else if (expected.len != actual.len || memcmp(expected.p, actual.p, actual.len)) {
		if (!fail[0])
			snprintf(fail, sizeof(fail), "output differs");
		first_diff(expected.p, expected.len, actual.p ? actual.p : "", actual.len, &diff);
	}
	if (o->outdir) {
		char op[4096], dir[4096];
		char *slash;
		snprintf(op, sizeof(op), "%s/%.*s.result", o->outdir, (int)base, rel);
		snprintf(dir, sizeof(dir), "%s", op);
		slash = strrchr(dir, '/');
		if (slash) {
			*slash = '\0';
			mkdirs(dir);
		}
		write_file(op, actual.p ? actual.p : "", actual.len);
	}
	if (!fail[0])
		pass = 1;

verdict:
	if (pass) {
		puts_(report, "PASS\n");
	} else {
		gt_buf_addf(report, "FAIL %s\n", fail);
		put(report, diff.p ? diff.p : "", diff.len);
	}
	http_close(&h);
	case_release(&cf);
	gt_buf_release(&sqltext);
	gt_buf_release(&expected);
	gt_buf_release(&actual);
	gt_buf_release(&outp);
	gt_buf_release(&diff);
	gt_buf_release(&h.body);
	snprintf(path, sizeof(path), "%s/%d", o->tmp, idx);
	rm_rf(path);
	rc = pass ? 0 : 1;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Choosing case files                                                  */

struct names {
	char **v;
	size_t n, cap;
};

static int names_add(struct names *ns, const char *s)
{
	if (ns->n >= CASES_MAX)
		return GT_ETOOBIG;
	if (ns->n == ns->cap) {
		size_t ncap = ns->cap ? ns->cap * 2 : 256;
		char **nv = gt_reallocarray(ns->v, ncap, sizeof(*nv));
		if (!nv)
			return GT_ENOMEM;
		ns->v = nv;
		ns->cap = ncap;
	}
	ns->v[ns->n] = gt_strdup(s);
	if (!ns->v[ns->n])
		return GT_ENOMEM;
	ns->n++;
	return 0;
}

static void names_free(struct names *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_sort_unique(struct names *ns)
{
	size_t i, j = 0;

	if (ns->n > 1)
		qsort(ns->v, ns->n, sizeof(*ns->v), str_cmp);
	for (i = 0; i < ns->n; i++) {
		if (j > 0 && !strcmp(ns->v[j - 1], ns->v[i])) {
			free(ns->v[i]);
			continue;
		}
		ns->v[j++] = ns->v[i];
	}
	ns->n = j;
}

static int names_has(const struct names *ns, const char *s)
{
	return ns->n && bsearch(&s, ns->v, ns->n, sizeof(*ns->v), str_cmp) != NULL;
}

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && !strcmp(s + n - m, suf);
}

/* Every *.sql under root/rel (rel "" for root), as paths relative to root. */
static int walk(const char *root, const char *rel, int depth, struct names *out)
{
	char path[4096], sub[4096];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (depth > DEPTH_MAX)
		return 0;
	snprintf(path, sizeof(path), "%s%s%s", root, rel[0] ? "/" : "", rel);
	d = opendir(path);
	if (!d)
		return GT_EIO;
	while (!rc && (de = readdir(d)) != NULL) {
		struct stat st;
		char full[4096];
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name) >= sizeof(sub))
			continue;
		snprintf(full, sizeof(full), "%s/%s", root, sub);
		if (stat(full, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			rc = walk(root, sub, depth + 1, out);
		else if (S_ISREG(st.st_mode) && ends_with(sub, ".sql"))
			rc = names_add(out, sub);
	}
	closedir(d);
	return rc;
}

/* A PATH argument: a case file ("basic.sql", "basic") or a directory. */
static int select_path(const char *root, const char *arg, struct names *out)
{
	char rel[4096], full[4096];
	struct stat st;
	size_t n;

	n = strlen(arg);
	while (n > 1 && arg[n - 1] == '/')
		n--;
	while (n > 2 && arg[0] == '.' && arg[1] == '/') {
		arg += 2;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(rel) - 8)
		return GT_EINVAL;
	memcpy(rel, arg, n);
	rel[n] = '\0';
	if (!strcmp(rel, "."))
		return walk(root, "", 0, out);
	snprintf(full, sizeof(full), "%s/%s", root, rel);
	if (!stat(full, &st) && S_ISDIR(st.st_mode))
		return walk(root, rel, 0, out);
	if (!ends_with(rel, ".sql"))
		memcpy(rel + n, ".sql", 5);
	snprintf(full, sizeof(full), "%s/%s", root, rel);
	if (!stat(full, &st) && S_ISREG(st.st_mode))
		return names_add(out, rel);
	return GT_ENOTFOUND;
}

/* The target set: these top-level directories and basic.sql. */
static int in_target_set(const char *rel)
{
	static const char *const dirs[] = {"select", "aggregate", "filter", "order", "limit", "insert",
					   "create", "describe", "show", "drop", "delete", "truncate",
					   "cast", "expr", "range"};
	size_t i, n;

	if (!strcmp(rel, "basic.sql"))
		return 1;
	for (i = 0; i < GT_ARRAY_LEN(dirs); i++) {
		n = strlen(dirs[i]);
		if (!strncmp(rel, dirs[i], n) && rel[n] == '/')
			return 1;
	}
	return 0;
}

static int read_list(const char *path, struct names *out)
{
	struct gt_buf b;
	size_t pos = 0;
	int rc;

	rc = read_file(path, FILE_MAX, &b);
	if (rc == GT_ENOTFOUND) {
		gt_buf_release(&b);
		return 0;
	}
	while (!rc && pos < b.len) {
		char *line = b.p + pos, *nl = memchr(line, '\n', b.len - pos);
		size_t n = nl ? (size_t)(nl - line) : b.len - pos;
		pos += n + 1;
		while (n > 0 && is_space((unsigned char)line[n - 1]))
			n--;
		while (n > 0 && is_space((unsigned char)line[0])) {
			line++;
			n--;
		}
		if (n == 0 || line[0] == '#')
			continue;
		line[n] = '\0';
		rc = names_add(out, line);
	}
	gt_buf_release(&b);
	names_sort_unique(out);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Self test: the parts that need no server                             */

static int st_n, st_failed;

__attribute__((format(printf, 2, 3))) static void st_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++st_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		st_failed++;
}

static int st_replace(const char *pat, const char *rep, const char *in, const char *want)
{
	struct gt_buf b;
	char why[512] = "";
	int ok;

	gt_buf_init(&b, 0);
	puts_(&b, in);
	ok = !re_replace_all(pat, rep, &b, why, sizeof(why)) && b.p && !strcmp(b.p, want);
	if (!ok)
		printf("# REPLACE %s %s on '%s': got '%s' (%s), want '%s'\n", pat, rep, in, b.p ? b.p : "", why,
		       want);
	gt_buf_release(&b);
	return ok;
}

static int st_sort(const char *in, uint64_t h, uint64_t t, const char *want)
{
	struct gt_buf b;
	int ok;

	gt_buf_init(&b, 0);
	puts_(&b, in);
	sort_result(&b, h, t);
	ok = b.p && !strcmp(b.p, want);
	if (!ok)
		printf("# SORT_RESULT %llu %llu: got '%s', want '%s'\n", (unsigned long long)h, (unsigned long long)t,
		       b.p ? b.p : "", want);
	gt_buf_release(&b);
	return ok;
}

static int selftest(void)
{
	static const char text[] =
		"CREATE TABLE t (ts TIMESTAMP TIME INDEX,\n"
		"\n"
		"  v DOUBLE);\n"
		"\r\n"
		"-- a plain comment\n"
		"-- SQLNESS SORT_RESULT 3 1\n"
		"-- SQLNESS REPLACE (\\d+) N \n"
		"SELECT * FROM t;\r\n"
		"-- SQLNESS ARG restart=true\n"
		"-- SQLNESS SLEEP 3s\n"
		"-- SQLNESS PROTOCOL MYSQL\n"
		"INSERT INTO t VALUES\n"
		"-- inside\n"
		"(1, 'a;b');\n"
		"-- SQLNESS BOGUS 1\n"
		"  -- not a comment;\n"
		"SELECT 1\n"
		"-- trailing, no ';'\n";
	struct casefile cf;
	struct gt_buf b;
	char db[64] = "", why[256] = "";
	int64_t ms = 0;
	static const char table[] = "+---+\n| a |\n+---+\n| 3 |\n| 1 |\n| 2 |\n+---+";

	st_ok(case_parse(text, sizeof(text) - 1, &cf) == 0 && cf.n == 4, "case file splits into 4 statements");
	if (cf.n == 4) {
		st_ok(!strcmp(cf.stmts[0].sql.p, "CREATE TABLE t (ts TIMESTAMP TIME INDEX,\n  v DOUBLE);"),
		      "empty lines inside a statement are dropped");
		st_ok(!cf.stmts[0].comments.len, "a statement without comments");
		st_ok(!strcmp(cf.stmts[1].comments.p, "-- a plain comment\n-- SQLNESS SORT_RESULT 3 1\n"
						      "-- SQLNESS REPLACE (\\d+) N \n") &&
			      !strcmp(cf.stmts[1].sql.p, "SELECT * FROM t;"),
		      "comments and directives echo before the statement, CR dropped");
		st_ok(cf.stmts[1].ndirs == 2 && cf.stmts[1].dirs[0].kind == DIR_SORT && cf.stmts[1].dirs[0].head == 3 &&
			      cf.stmts[1].dirs[0].tail == 1,
		      "SORT_RESULT 3 1");
		st_ok(cf.stmts[1].ndirs == 2 && cf.stmts[1].dirs[1].kind == DIR_REPLACE &&
			      !strcmp(cf.stmts[1].dirs[1].pattern, "(\\d+)") &&
			      !strcmp(cf.stmts[1].dirs[1].replacement, "N"),
		      "REPLACE pattern and replacement, trailing blank trimmed");
		st_ok(cf.stmts[2].ndirs == 3 && cf.stmts[2].dirs[0].restart && cf.stmts[2].dirs[1].sleep_ms == 3000 &&
			      !strcmp(cf.stmts[2].dirs[2].protocol, "MYSQL"),
		      "ARG restart=true, SLEEP 3s, PROTOCOL MYSQL");
		st_ok(!strcmp(cf.stmts[2].sql.p, "INSERT INTO t VALUES\n(1, 'a;b');"), "';' inside a line does not split");
		st_ok(!strcmp(cf.stmts[2].comments.p, "-- SQLNESS ARG restart=true\n-- SQLNESS SLEEP 3s\n"
						      "-- SQLNESS PROTOCOL MYSQL\n-- inside\n"),
		      "a comment inside a statement echoes before it");
		st_ok(cf.stmts[3].bad[0] != '\0', "an unknown directive is reported");
		st_ok(!strcmp(cf.stmts[3].sql.p, "  -- not a comment;"), "an indented '--' line is statement text");
	}
	case_release(&cf);
	st_ok(case_parse("", 0, &cf) == 0 && cf.n == 0, "an empty file has no statements");
	case_release(&cf);
	st_ok(case_parse("SELECT 1", 8, &cf) == 0 && cf.n == 0, "text without ';' is dropped");
	case_release(&cf);
	{
		static const char bad[] = "-- SQLNESS SORT_RESULT x\nSELECT 1;\n-- SQLNESS REPLACE\nSELECT 2;\n"
					  "-- SQLNESS SLEEP 3h\nSELECT 3;";
		st_ok(case_parse(bad, sizeof(bad) - 1, &cf) == 0 && cf.n == 3 && cf.stmts[0].bad[0] && cf.stmts[1].bad[0] && cf.stmts[2].bad[0],
		      "bad SORT_RESULT, REPLACE and SLEEP arguments are reported");
		case_release(&cf);
	}

	st_ok(st_sort(table, 3, 1, "+---+\n| a |\n+---+\n| 1 |\n| 2 |\n| 3 |\n+---+"), "SORT_RESULT 3 1 sorts the rows");
	st_ok(st_sort("b\na\n", 0, 0, "a\nb"), "SORT_RESULT drops the trailing newline");
	st_ok(st_sort("c\nb\na", 5, 5, "c\nb\na"), "SORT_RESULT head and tail larger than the output");
	st_ok(st_sort("x\nc\nb\na", 1, 5, "x\nc\nb\na"), "SORT_RESULT tail takes what head left");
	st_ok(st_sort("Affected Rows: 3", 3, 1, "Affected Rows: 3"), "SORT_RESULT on a one-line output");
	st_ok(st_sort("| b |\n| a  |\n| a |", 0, 0, "| a  |\n| a |\n| b |"), "SORT_RESULT sorts bytewise");
	st_ok(st_sort("", 3, 1, ""), "SORT_RESULT on nothing");

	st_ok(st_replace("(\\d+)", "N", "a 12 b 3", "a N b N"), "REPLACE a group");
	st_ok(st_replace("(\\s\\s+)", "_", "| a    | b  |", "| a_| b_|"), "REPLACE (\\s\\s+) _");
	st_ok(st_replace("(-+)", "-", "+----+--+", "+-+-+"), "REPLACE (-+) -");
	st_ok(st_replace("(ab)(c)", "$2$1", "abc", "cab"), "REPLACE $2$1");
	st_ok(st_replace("(ab)(c)", "$1x", "abc", ""), "REPLACE $1x names group '1x' as Rust does");
	st_ok(st_replace("(ab)(c)", "${1}x", "abc", "abx"), "REPLACE ${1}x");
	st_ok(st_replace("(?P<w>ab)c", "[$w]", "abc", "[ab]"), "REPLACE named group");
	st_ok(st_replace("b", "$$", "abc", "a$c"), "REPLACE $$");
	st_ok(st_replace("b", "$", "abc", "a$c"), "REPLACE a lone $");
	st_ok(st_replace("x*", "-", "abc", "-a-b-c-"), "REPLACE empty matches");
	st_ok(st_replace("a*", "-", "baaac", "-b-c-"), "REPLACE empty match after a match is skipped, as Rust");
	st_ok(st_replace(",\\s*filter=.*?metrics=", " metrics=", "x], filter=a metrics=b metrics=c", "x] metrics=b metrics=c"),
	      "REPLACE lazy quantifier");
	st_ok(st_replace("[\\u0020\\-]+", "", "+-- a --+", "+a+"), "REPLACE \\u0020");
	st_ok(st_replace("(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{3,9})?[[:blank:]]*)", "<DATETIME>",
			 "| 2023-01-01T00:00:00.123   |", "| <DATETIME>|"),
	      "REPLACE [[:blank:]]");
	st_ok(st_replace("(?m)^\\|_\\|x.*\\n", "", "|_|x1\n|_|y\n|_|x2\n", "|_|y\n"), "REPLACE (?m)^ and \\n");
	st_ok(st_replace("(ADMIN\\sFLUSH_FLOW\\('\\w+'\\)\\s+\\|\\n\\+-+\\+\\n\\|\\s+)[0-9]+\\s+\\|", "$1 FLOW_FLUSHED  |",
			 "| ADMIN FLUSH_FLOW('f') |\n+---+\n| 1 |", "| ADMIN FLUSH_FLOW('f') |\n+---+\n|  FLOW_FLUSHED  |"),
	      "REPLACE across lines");
	st_ok(st_replace("[0-9\\.]+(ns|us|\xc2\xb5s|ms|s)", "D", "5\xc2\xb5s", "D"), "REPLACE UTF-8 pattern");
	st_ok(st_replace("x$", "y", "ax\n", "ax\n"), "REPLACE $ matches only at the very end");
	gt_buf_init(&b, 0);
	puts_(&b, "abc");
	st_ok(re_replace_all("(", "", &b, why, sizeof(why)) == -1 && why[0], "REPLACE with a bad pattern fails");
	gt_buf_release(&b);

	st_ok(tz_target("SET time_zone = 'Asia/Shanghai';", db, sizeof(db)) && !strcmp(db, "Asia/Shanghai"),
	      "SET time_zone = 'zone'");
	st_ok(!tz_target("SET other = 'x'", db, sizeof(db)), "SET of another variable");
	st_ok(use_target("USE test_db;", db, sizeof(db)) && !strcmp(db, "test_db"), "USE db;");
	st_ok(use_target("use\tpublic", db, sizeof(db)) && !strcmp(db, "public"), "use db");
	st_ok(!use_target("user_defined();", db, sizeof(db)) && !use_target("SELECT 1;", db, sizeof(db)),
	      "not a USE");
	st_ok(!parse_duration("500ms", 5, &ms) && ms == 500 && !parse_duration("2s", 2, &ms) && ms == 2000 &&
		      parse_duration("s", 1, &ms) && parse_duration("1d", 2, &ms),
	      "durations");
	st_ok(in_target_set("basic.sql") && in_target_set("select/dummy.sql") && !in_target_set("selectx/a.sql") &&
		      !in_target_set("join/a.sql"),
	      "target set");
	printf("1..%d\n", st_n);
	return st_failed ? GT_EXIT_NO : GT_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* The run                                                              */

struct verdict {
	int done, pass;
	char *report;
};

static void usage(void)
{
	fprintf(stderr, "usage: gt-sqlness --cases DIR --server PROG [--passing FILE [--check|--update]]\n"
			"                  [-v] [-j N] [--timeout SEC] [--out DIR] [--record] [PATH...]\n"
			"       gt-sqlness --selftest\n");
}

static int run_child(const struct opts *o, const char *rel, int idx)
{
	struct gt_buf report;
	char rp[4096];
	int rc;

	gt_buf_init(&report, FILE_MAX);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = case_run(o, rel, idx, &report);
	snprintf(rp, sizeof(rp), "%s/%d.report", o->tmp, idx);
	if (write_file(rp, report.p ? report.p : "", report.len))
		rc = 2;
	gt_buf_release(&report);
	curl_global_cleanup();
	return rc;
}

static void collect(const struct opts *o, struct verdict *v, int idx, int status)
{
	char rp[4096], st[64];
	struct gt_buf b;

	v[idx].done = 1;
	snprintf(rp, sizeof(rp), "%s/%d.report", o->tmp, idx);
	if (!read_file(rp, FILE_MAX, &b) && b.len >= 4) {
		v[idx].pass = WIFEXITED(status) && WEXITSTATUS(status) == 0 && !strncmp(b.p, "PASS", 4);
		v[idx].report = gt_buf_detach(&b, NULL);
	} else {
		char msg[128];
		describe_status(status, st, sizeof(st));
		snprintf(msg, sizeof(msg), "FAIL the runner's child %s without a verdict\n", st);
		v[idx].report = gt_strdup(msg);
		gt_buf_release(&b);
	}
	unlink(rp);
}

static int write_list(const char *path, const struct names *ns)
{
	struct gt_buf b;
	size_t i;
	int rc;

	gt_buf_init(&b, FILE_MAX);
	puts_(&b, "# sqlness case files that passed; tests/sqlness.sh --check fails if one of them fails,\n"
		  "# tests/sqlness.sh --update rewrites this list.\n");
	for (i = 0; i < ns->n; i++) {
		puts_(&b, ns->v[i]);
		puts_(&b, "\n");
	}
	rc = out_of_room ? GT_ETOOBIG : write_file(path, b.p, b.len);
	gt_buf_release(&b);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct names files = {0}, listed = {0};
	struct verdict *v = NULL;
	pid_t *pids = NULL;
	int i, running = 0, rc = GT_EXIT_OK;
	size_t next = 0, k, pass = 0, tpass = 0, tn = 0, regressions = 0;
	long cpus;
	const char *tmpdir;

	memset(&o, 0, sizeof(o));
	o.timeout_ms = 10000;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	o.jobs = (int)GT_MIN(16, GT_MAX(2, 2 * cpus));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		uint64_t n;
		if (!strcmp(a, "--selftest"))
			return selftest();
		if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
			o.verbose = 1;
		else if (!strcmp(a, "--check"))
			o.check = 1;
		else if (!strcmp(a, "--update"))
			o.update = 1;
		else if (!strcmp(a, "--record"))
			o.record = 1;
		else if (!strcmp(a, "--cases") && i + 1 < argc)
			o.cases = argv[++i];
		else if (!strcmp(a, "--server") && i + 1 < argc)
			o.server = argv[++i];
		else if (!strcmp(a, "--passing") && i + 1 < argc)
			o.passing = argv[++i];
		else if (!strcmp(a, "--out") && i + 1 < argc)
			o.outdir = argv[++i];
		else if (!strcmp(a, "-j") && i + 1 < argc && !parse_u64(argv[i + 1], strlen(argv[i + 1]), &n) &&
			 n >= 1 && n <= JOBS_MAX) {
			o.jobs = (int)n;
			i++;
		} else if (!strcmp(a, "--timeout") && i + 1 < argc &&
			   !parse_u64(argv[i + 1], strlen(argv[i + 1]), &n) && n >= 1 && n <= 3600) {
			o.timeout_ms = (long)n * 1000;
			i++;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage();
			return GT_EXIT_OK;
		} else if (a[0] == '-') {
			usage();
			return GT_EXIT_PERM;
		} else {
			break;
		}
	}
	if (!o.cases || !o.server || ((o.check || o.update) && !o.passing) || (o.check && o.update)) {
		usage();
		return GT_EXIT_PERM;
	}
	if (i == argc) {
		if (walk(o.cases, "", 0, &files)) {
			fprintf(stderr, "gt-sqlness: cannot read case directory '%s'\n", o.cases);
			return GT_EXIT_PERM;
		}
	}
	for (; i < argc; i++) {
		int r = select_path(o.cases, argv[i], &files);
		if (r) {
			fprintf(stderr, "gt-sqlness: no case file or directory '%s' in '%s'\n", argv[i], o.cases);
			names_free(&files);
			return GT_EXIT_PERM;
		}
	}
	names_sort_unique(&files);
	if (o.passing && read_list(o.passing, &listed)) {
		fprintf(stderr, "gt-sqlness: cannot read '%s'\n", o.passing);
		names_free(&files);
		return GT_EXIT_PERM;
	}

	tmpdir = getenv("TMPDIR");
	snprintf(o.tmp, sizeof(o.tmp), "%s/gt-sqlness.XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
	if (!mkdtemp(o.tmp)) {
		fprintf(stderr, "gt-sqlness: cannot create a temporary directory: %s\n", strerror(errno));
		names_free(&files);
		names_free(&listed);
		return GT_EXIT_TEMP;
	}
	v = gt_calloc(files.n ? files.n : 1, sizeof(*v));
	pids = gt_calloc((size_t)o.jobs, sizeof(*pids));
	if (!v || !pids) {
		fprintf(stderr, "gt-sqlness: out of memory\n");
		rc = GT_EXIT_TEMP;
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	while (next < files.n || running > 0) {
		int status, slot;
		pid_t pid;

		while (next < files.n && running < o.jobs) {
			for (slot = 0; slot < o.jobs && pids[slot]; slot++)
				;
			pid = fork();
			if (pid < 0) {
				fprintf(stderr, "gt-sqlness: cannot fork: %s\n", strerror(errno));
				if (running == 0) {
					rc = GT_EXIT_TEMP;
					goto out;
				}
				break;
			}
			if (pid == 0) {
				/* exit(), not _exit(): a sanitized build checks the child
				 * for leaks too, once it has let go of the parent's state. */
				int r = run_child(&o, files.v[next], (int)next);
				for (k = 0; k < next; k++)
					free(v[k].report);
				free(v);
				free(pids);
				names_free(&files);
				names_free(&listed);
				exit(r);
			}
			pids[slot] = pid;
			/* The slot remembers which file: pid -> index through v. */
			v[next].done = -(int)slot - 1;
			running++;
			next++;
		}
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (slot = 0; slot < o.jobs && pids[slot] != pid; slot++)
			;
		if (slot == o.jobs)
			continue;
		for (k = 0; k < next; k++) {
			if (v[k].done == -slot - 1) {
				collect(&o, v, (int)k, status);
				break;
			}
		}
		pids[slot] = 0;
		running--;
	}

	/* Per file (verbose), per directory, the target set, the total. */
	for (k = 0; o.verbose && k < files.n; k++) {
		const char *r = v[k].report ? v[k].report : "FAIL not run\n";
		if (v[k].pass)
			printf("ok   %s\n", files.v[k]);
		else
			printf("FAIL %s: %s", files.v[k], r + (strlen(r) >= 5 ? 5 : 0));
	}
	/* Files under one top-level directory sort together ("tql-x/" before
	 * "tql/"); files at the top are counted first, as "(top)". */
	{
		char dir[256] = "";
		size_t dp = 0, dn = 0, top = 0, topp = 0;

		for (k = 0; k < files.n; k++) {
			if (v[k].pass)
				pass++;
			if (in_target_set(files.v[k])) {
				tn++;
				tpass += v[k].pass ? 1 : 0;
			}
			if (!strchr(files.v[k], '/')) {
				top++;
				topp += v[k].pass ? 1 : 0;
			}
		}
		if (top)
			printf("  %-28s %4zu/%zu\n", "(top)", topp, top);
		for (k = 0; k <= files.n; k++) {
			char d[256] = "";
			const char *slash = k < files.n ? strchr(files.v[k], '/') : NULL;

			if (k < files.n && !slash)
				continue;
			if (slash)
				snprintf(d, sizeof(d), "%.*s", (int)GT_MIN((size_t)(slash - files.v[k]), 200),
					 files.v[k]);
			if (dn && (k == files.n || strcmp(d, dir))) {
				printf("  %-28s %4zu/%zu\n", dir, dp, dn);
				dp = dn = 0;
			}
			if (k == files.n)
				break;
			snprintf(dir, sizeof(dir), "%s", d);
			dn++;
			dp += v[k].pass ? 1 : 0;
		}
	}
	if (o.check) {
		for (k = 0; k < files.n; k++) {
			if (!v[k].pass && names_has(&listed, files.v[k])) {
				printf("sqlness: regression: %s passed before and fails now\n", files.v[k]);
				regressions++;
			}
		}
		if (regressions)
			rc = GT_EXIT_NO;
	}
	if (o.update) {
		struct names nl = {0};
		int bad = 0;
		for (k = 0; k < listed.n && !bad; k++) {
			if (!names_has(&files, listed.v[k]))
				bad = names_add(&nl, listed.v[k]);
		}
		for (k = 0; k < files.n && !bad; k++)
			if (v[k].pass)
				bad = names_add(&nl, files.v[k]);
		names_sort_unique(&nl);
		if (bad || write_list(o.passing, &nl)) {
			fprintf(stderr, "gt-sqlness: cannot write '%s'\n", o.passing);
			rc = GT_EXIT_TEMP;
		}
		names_free(&nl);
	}
	printf("sqlness target set: %zu/%zu (%.1f%%)\n", tpass, tn, tn ? 100.0 * (double)tpass / (double)tn : 0.0);
	printf("sqlness: %zu/%zu case files passed\n", pass, files.n);
out:
	rm_rf(o.tmp);
	if (v)
		for (k = 0; k < files.n; k++)
			free(v[k].report);
	free(v);
	free(pids);
	names_free(&files);
	names_free(&listed);
	return rc;
}
