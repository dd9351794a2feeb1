/*
 * promql-parse.c - PromQL text -> tree (promql.h), as Prometheus 2.42
 * reads it: its lexer's states and messages, its grammar's precedence
 * and the messages of its yacc error rules, then its type checks.  Also
 * the tree printed back in Prometheus's canonical form (String()), the
 * duration syntax, and label matching.
 *
 * The lexer runs lazily, one token of lookahead, like yacc's, so that of
 * several errors the one Prometheus meets first is the one reported (a
 * lexer error ends the parse; Prometheus keeps only its first error).
 * Syntax errors name the innermost construct that has an error rule in
 * Prometheus's grammar ("in aggregation", "in label matching", ...); the
 * parser keeps a stack of those contexts.
 *
 * Positions are byte offsets; messages show them as "line:col:" with a
 * 1-based column counted in bytes from the line's start, as Prometheus.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pcre2.h>
#include <stdbool.h>

#include "buf.h"
#include "dtoa.h"
#include "promql.h"

/* Bounds that keep the recursion of parsing, checking, printing and
 * freeing off the end of a thread's stack (Prometheus has none). */
#define MAX_DEPTH 400      /* nested parse calls */
#define MAX_HEIGHT 2000    /* height of the tree (a long a+b+c... chain is tall) */

/* --- tokens --- */

enum tok {
	T_EOF, T_ERROR, T_COMMENT, T_IDENT, T_METRIC_IDENT, T_NUMBER, T_STRING, T_DURATION,
	T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE, T_LBRACKET, T_RBRACKET, T_COMMA, T_EQL, T_COLON,
	/* operators, in Prometheus's order */
	T_SUB, T_ADD, T_MUL, T_MOD, T_DIV, T_LAND, T_LOR, T_LUNLESS, T_EQLC, T_NEQ, T_LTE, T_LSS,
	T_GTE, T_GTR, T_EQL_REGEX, T_NEQ_REGEX, T_POW, T_ATAN2, T_AT,
	/* aggregators */
	T_AVG, T_BOTTOMK, T_COUNT, T_COUNT_VALUES, T_GROUP, T_MAX, T_MIN, T_QUANTILE, T_STDDEV,
	T_STDVAR, T_SUM, T_TOPK,
	/* keywords */
	T_BOOL, T_BY, T_GROUP_LEFT, T_GROUP_RIGHT, T_IGNORING, T_OFFSET, T_ON, T_WITHOUT,
	/* preprocessors */
	T_START, T_END,
};

#define IS_OP(t) ((t) >= T_SUB && (t) <= T_AT)
#define IS_AGG(t) ((t) >= T_AVG && (t) <= T_TOPK)
#define IS_KW(t) ((t) >= T_BOOL && (t) <= T_WITHOUT)

static const struct {
	const char *s;
	enum tok t;
} keywords[] = {
	{"and", T_LAND}, {"or", T_LOR}, {"unless", T_LUNLESS}, {"atan2", T_ATAN2},
	{"sum", T_SUM}, {"avg", T_AVG}, {"count", T_COUNT}, {"min", T_MIN}, {"max", T_MAX},
	{"group", T_GROUP}, {"stddev", T_STDDEV}, {"stdvar", T_STDVAR}, {"topk", T_TOPK},
	{"bottomk", T_BOTTOMK}, {"count_values", T_COUNT_VALUES}, {"quantile", T_QUANTILE},
	{"offset", T_OFFSET}, {"by", T_BY}, {"without", T_WITHOUT}, {"on", T_ON},
	{"ignoring", T_IGNORING}, {"group_left", T_GROUP_LEFT}, {"group_right", T_GROUP_RIGHT},
	{"bool", T_BOOL}, {"start", T_START}, {"end", T_END},
	{"inf", T_NUMBER}, {"nan", T_NUMBER},
};

/* The canonical text of a token type (Prometheus's ItemTypeStr), NULL if none. */
static const char *tok_str(enum tok t)
{
	static const char *const s[] = {
		[T_LPAREN] = "(", [T_RPAREN] = ")", [T_LBRACE] = "{", [T_RBRACE] = "}",
		[T_LBRACKET] = "[", [T_RBRACKET] = "]", [T_COMMA] = ",", [T_EQL] = "=", [T_COLON] = ":",
		[T_SUB] = "-", [T_ADD] = "+", [T_MUL] = "*", [T_MOD] = "%", [T_DIV] = "/",
		[T_EQLC] = "==", [T_NEQ] = "!=", [T_LTE] = "<=", [T_LSS] = "<", [T_GTE] = ">=",
		[T_GTR] = ">", [T_EQL_REGEX] = "=~", [T_NEQ_REGEX] = "!~", [T_POW] = "^",
		[T_LAND] = "and", [T_LOR] = "or", [T_LUNLESS] = "unless", [T_ATAN2] = "atan2",
		[T_SUM] = "sum", [T_AVG] = "avg", [T_COUNT] = "count", [T_MIN] = "min", [T_MAX] = "max",
		[T_GROUP] = "group", [T_STDDEV] = "stddev", [T_STDVAR] = "stdvar", [T_TOPK] = "topk",
		[T_BOTTOMK] = "bottomk", [T_COUNT_VALUES] = "count_values", [T_QUANTILE] = "quantile",
		[T_OFFSET] = "offset", [T_BY] = "by", [T_WITHOUT] = "without", [T_ON] = "on",
		[T_IGNORING] = "ignoring", [T_GROUP_LEFT] = "group_left", [T_GROUP_RIGHT] = "group_right",
		[T_BOOL] = "bool", [T_START] = "start", [T_END] = "end",
	};
	return (size_t)t < GT_ARRAY_LEN(s) ? s[t] : NULL;
}

struct tok_item {
	enum tok t;
	int pos, end;
};

/* --- Go's quoting (fmt %q), which Prometheus's messages and String() use --- */

static int utf8_decode(const unsigned char *s, size_t n, int *width)
{
	unsigned c = s[0];
	int need, r;

	if (c < 0x80) {
		*width = 1;
		return (int)c;
	}
	if (c >= 0xc2 && c <= 0xdf)
		need = 1, r = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, r = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, r = c & 0x07;
	else
		goto bad;
	if ((size_t)need >= n)
		goto bad;
	for (int i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		r = (r << 6) | (s[i] & 0x3f);
	}
	if ((need == 2 && (r < 0x800 || (r >= 0xd800 && r < 0xe000))) || (need == 3 && (r < 0x10000 || r > 0x10ffff)))
		goto bad;
	*width = need + 1;
	return r;
bad:
	*width = 1;
	return 0xfffd;
}

static void add_utf8(struct gt_buf *b, int r)
{
	char u[4];
	int n;

	if (r < 0x80)
		u[0] = (char)r, n = 1;
	else if (r < 0x800)
		u[0] = (char)(0xc0 | (r >> 6)), u[1] = (char)(0x80 | (r & 0x3f)), n = 2;
	else if (r < 0x10000)
		u[0] = (char)(0xe0 | (r >> 12)), u[1] = (char)(0x80 | ((r >> 6) & 0x3f)),
		u[2] = (char)(0x80 | (r & 0x3f)), n = 3;
	else
		u[0] = (char)(0xf0 | (r >> 18)), u[1] = (char)(0x80 | ((r >> 12) & 0x3f)),
		u[2] = (char)(0x80 | ((r >> 6) & 0x3f)), u[3] = (char)(0x80 | (r & 0x3f)), n = 4;
	gt_buf_add(b, u, (size_t)n);
}

/* Go's unicode.IsPrint, approximately: the controls and a few format characters are not. */
static bool go_isprint(int r)
{
	if (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xad)
		return false;
	if ((r >= 0x200b && r <= 0x200f) || (r >= 0x2028 && r <= 0x202e) || (r >= 0x2060 && r <= 0x206f))
		return false;
	if (r == 0xfeff || (r >= 0xfff9 && r <= 0xfffb) || (r >= 0xd800 && r < 0xe000) || r > 0x10ffff)
		return false;
	return true;
}

static void quote_rune_body(struct gt_buf *b, int r, int quote)
{
	static const char hex[] = "0123456789abcdef";

	if (r == quote || r == '\\') {
		gt_buf_addch(b, '\\');
		gt_buf_addch(b, r);
		return;
	}
	if (go_isprint(r)) {
		add_utf8(b, r);
		return;
	}
	switch (r) {
	case '\a': gt_buf_addstr(b, "\\a"); return;
	case '\b': gt_buf_addstr(b, "\\b"); return;
	case '\f': gt_buf_addstr(b, "\\f"); return;
	case '\n': gt_buf_addstr(b, "\\n"); return;
	case '\r': gt_buf_addstr(b, "\\r"); return;
	case '\t': gt_buf_addstr(b, "\\t"); return;
	case '\v': gt_buf_addstr(b, "\\v"); return;
	}
	if (r < ' ' || r == 0x7f) {
		gt_buf_addstr(b, "\\x");
		gt_buf_addch(b, hex[r >> 4]);
		gt_buf_addch(b, hex[r & 15]);
	} else if (r < 0x10000) {
		gt_buf_addf(b, "\\u%04x", (unsigned)r);
	} else {
		gt_buf_addf(b, "\\U%08x", (unsigned)r);
	}
}

/* strconv.Quote: "..." with Go's escapes; invalid UTF-8 bytes as \xNN. */
static void go_quote(struct gt_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	gt_buf_addch(b, '"');
	for (size_t i = 0; i < n;) {
		int w, r = utf8_decode(u + i, n - i, &w);
		if (r == 0xfffd && w == 1) {
			gt_buf_addf(b, "\\x%02x", u[i]);
		} else {
			quote_rune_body(b, r, '"');
		}
		i += (size_t)w;
	}
	gt_buf_addch(b, '"');
}

/* strconv.QuoteRune: 'c' (invalid runes as U+FFFD). */
static void go_quote_rune(struct gt_buf *b, int r)
{
	if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r < 0xe000))
		r = 0xfffd;
	gt_buf_addch(b, '\'');
	quote_rune_body(b, r, '\'');
	gt_buf_addch(b, '\'');
}

/* --- the parser's state --- */

struct ctx {
	const char *what, *expected;
};

struct pq {
	const char *q;
	int n;
	/* lexer */
	int pos, start;
	int paren_depth;
	bool brace_open, bracket_open, got_colon, lex_done;
	int string_open;
	/* up to two tokens of lookahead */
	struct tok_item toks[2];
	int ntok;
	int h;              /* height of the tree the last parse_* returned */
	int last_end;       /* end of the last consumed token */
	bool greptime;      /* GreptimeDB's PromQL: its functions too */
	/* errors: the first one wins */
	struct gt_err *err;
	bool failed;
	int code;
	struct ctx ctx[MAX_DEPTH + 8];
	int nctx;
	int depth;
};

static void perr(struct pq *p, int pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void perr(struct pq *p, int pos, const char *fmt, ...)
{
	va_list ap;
	char msg[400];
	int line = 1, last_nl = -1;

	if (p->failed)
		return;
	p->failed = true;
	p->code = GT_EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (pos < 0 || pos > p->n) {
		gt_errf(p->err, GT_EINVAL, "invalid position: parse error: %s", msg);
		return;
	}
	for (int i = 0; i < pos; i++) {
		if (p->q[i] == '\n') {
			last_nl = i;
			line++;
		}
	}
	gt_errf(p->err, GT_EINVAL, "%d:%d: parse error: %s", line, pos - last_nl, msg);
}

/* A lexer error: reported at the start of the token being scanned. */
static void lerr_buf(struct pq *p, struct gt_buf *b)
{
	perr(p, p->start, "%s", b->p ? b->p : "");
	gt_buf_release(b);
	p->lex_done = true;
}

static void lerr(struct pq *p, const char *msg)
{
	perr(p, p->start, "%s", msg);
	p->lex_done = true;
}

static void lerr_rune(struct pq *p, const char *before, int r, const char *after)
{
	struct gt_buf b = {0};
	gt_buf_addstr(&b, before);
	go_quote_rune(&b, r);
	gt_buf_addstr(&b, after);
	lerr_buf(p, &b);
}

static void lerr_text(struct pq *p, const char *before, int from, int to)
{
	struct gt_buf b = {0};
	gt_buf_addstr(&b, before);
	go_quote(&b, p->q + from, (size_t)(to - from));
	lerr_buf(p, &b);
}

/* --- lexer (Prometheus's lex.go states) --- */

#define LEOF (-1)

static int lnext(struct pq *p, int *w)
{
	if (p->pos >= p->n) {
		*w = 0;
		return LEOF;
	}
	int r = utf8_decode((const unsigned char *)p->q + p->pos, (size_t)(p->n - p->pos), w);
	p->pos += *w;
	return r;
}

static int lpeek(struct pq *p)
{
	int w, save = p->pos;
	int r = lnext(p, &w);
	p->pos = save;
	return r;
}

static bool is_space(int r) { return r == ' ' || r == '\t' || r == '\n' || r == '\r'; }
static bool is_digit(int r) { return r >= '0' && r <= '9'; }
static bool is_alpha(int r) { return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'); }
static bool is_alnum(int r) { return is_alpha(r) || is_digit(r); }

static bool accept(struct pq *p, const char *valid)
{
	int c = p->pos < p->n ? (unsigned char)p->q[p->pos] : -1;
	if (c > 0 && c < 0x80 && strchr(valid, c)) {
		p->pos++;
		return true;
	}
	return false;
}

static void accept_run(struct pq *p, const char *valid)
{
	while (accept(p, valid))
		;
}

static bool scan_number(struct pq *p)
{
	const char *digits = "0123456789";

	if (accept(p, "0") && accept(p, "xX"))
		digits = "0123456789abcdefABCDEF";
	accept_run(p, digits);
	if (accept(p, "."))
		accept_run(p, digits);
	if (accept(p, "eE")) {
		accept(p, "+-");
		accept_run(p, "0123456789");
	}
	return !is_alnum(lpeek(p));
}

/* The rest of a duration after its first number: unit, then number-unit pairs. */
static bool accept_remaining_duration(struct pq *p)
{
	int w;

	if (!accept(p, "smhdwy"))
		return false;
	accept(p, "s");
	while (accept(p, "0123456789")) {
		accept_run(p, "0123456789");
		if (!accept(p, "smhdw"))
			return false;
		accept(p, "s");
	}
	int r = lnext(p, &w);
	if (is_alnum(r))
		return false;
	p->pos -= w;
	return true;
}

static void lex_string(struct pq *p, struct tok_item *t)
{
	int w;

	for (;;) {
		int r = lnext(p, &w);
		if (r == LEOF || (r == '\n' && p->string_open != '`')) {
			lerr(p, p->string_open == '`' ? "unterminated raw string" : "unterminated quoted string");
			return;
		}
		if (r == 0xfffd) {
			lerr(p, "invalid UTF-8 rune");
			return;
		}
		if (r == p->string_open)
			break;
		if (r != '\\' || p->string_open == '`')
			continue;
		/* an escape */
		int ch = lnext(p, &w), n = 0;
		unsigned base = 0, maxv = 0, x = 0;
		switch (ch) {
		case 'a': case 'b': case 'f': case 'n': case 'r': case 't': case 'v': case '\\':
			continue;
		case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
			n = 3, base = 8, maxv = 255;
			break;
		case 'x':
			ch = lnext(p, &w), n = 2, base = 16, maxv = 255;
			break;
		case 'u':
			ch = lnext(p, &w), n = 4, base = 16, maxv = 0x10ffff;
			break;
		case 'U':
			ch = lnext(p, &w), n = 8, base = 16, maxv = 0x10ffff;
			break;
		case LEOF:
			lerr(p, "escape sequence not terminated");
			return;
		default:
			if (ch == p->string_open)
				continue;
			{
				struct gt_buf b = {0};
				gt_buf_addf(&b, "unknown escape sequence U+%04X", (unsigned)ch);
				if (go_isprint(ch)) {
					gt_buf_addstr(&b, " ");
					go_quote_rune(&b, ch);
				}
				lerr_buf(p, &b);
			}
			return;
		}
		while (n > 0) {
			unsigned d = is_digit(ch) ? (unsigned)(ch - '0') : (ch >= 'a' && ch <= 'f') ? (unsigned)(ch - 'a' + 10)
				: (ch >= 'A' && ch <= 'F') ? (unsigned)(ch - 'A' + 10) : 16;
			if (d >= base) {
				if (ch == LEOF) {
					lerr(p, "escape sequence not terminated");
				} else {
					struct gt_buf b = {0};
					gt_buf_addf(&b, "illegal character U+%04X", (unsigned)ch);
					if (go_isprint(ch)) {
						gt_buf_addstr(&b, " ");
						go_quote_rune(&b, ch);
					}
					gt_buf_addstr(&b, " in escape sequence");
					lerr_buf(p, &b);
				}
				return;
			}
			x = x * base + d;
			if (--n > 0)
				ch = lnext(p, &w);
		}
		if (x > maxv || (x >= 0xd800 && x < 0xe000)) {
			lerr(p, "escape sequence is an invalid Unicode code point");
			return;
		}
	}
	t->t = T_STRING;
}

static void lex_word(struct pq *p, struct tok_item *t, bool colons)
{
	int w;
	bool colon = false;

	for (;;) {
		int r = lnext(p, &w);
		if (is_alnum(r) || (colons && r == ':')) {
			colon |= r == ':';
			continue;
		}
		p->pos -= w;
		break;
	}
	t->t = T_IDENT;
	if (!colons)
		return;
	size_t len = (size_t)(p->pos - p->start);
	for (size_t i = 0; i < GT_ARRAY_LEN(keywords); i++) {
		if (strlen(keywords[i].s) == len && strncasecmp(keywords[i].s, p->q + p->start, len) == 0) {
			t->t = keywords[i].t;
			return;
		}
	}
	if (colon)
		t->t = T_METRIC_IDENT;
}

/* Scan one token into t; T_ERROR after a lexer error (already reported). */
static void lex(struct pq *p, struct tok_item *t)
{
	int w, r;

again:
	p->start = p->pos;
	t->pos = p->pos;
	t->t = T_ERROR;
	if (p->lex_done) {
		t->t = p->failed ? T_ERROR : T_EOF;
		t->end = t->pos;
		return;
	}
	if (p->pos < p->n && p->q[p->pos] == '#') {
		while (p->pos < p->n && p->q[p->pos] != '\n' && p->q[p->pos] != '\r')
			p->pos++;
		goto again;   /* comments are skipped */
	}
	r = lnext(p, &w);
	if (p->brace_open) {
		switch (r) {
		case LEOF:
			lerr(p, "unexpected end of input inside braces");
			return;
		case ',': t->t = T_COMMA; break;
		case '"': case '\'': case '`':
			p->string_open = r;
			lex_string(p, t);
			break;
		case '=':
			t->t = accept(p, "~") ? T_EQL_REGEX : T_EQL;
			break;
		case '!': {
			int nr = lnext(p, &w);
			if (nr == '~')
				t->t = T_NEQ_REGEX;
			else if (nr == '=')
				t->t = T_NEQ;
			else {
				lerr_rune(p, "unexpected character after '!' inside braces: ", nr, "");
				return;
			}
			break;
		}
		case '{':
			lerr_rune(p, "unexpected left brace ", r, "");
			return;
		case '}':
			t->t = T_RBRACE;
			p->brace_open = false;
			break;
		default:
			if (is_space(r))
				goto again;
			if (is_alpha(r)) {
				p->pos -= w;
				lex_word(p, t, false);
				break;
			}
			lerr_rune(p, "unexpected character inside braces: ", r, "");
			return;
		}
		t->end = p->pos;
		return;
	}
	switch (r) {
	case LEOF:
		if (p->paren_depth != 0) {
			lerr(p, "unclosed left parenthesis");
			return;
		}
		if (p->bracket_open) {
			lerr(p, "unclosed left bracket");
			return;
		}
		t->t = T_EOF;
		p->lex_done = true;
		break;
	case ',': t->t = T_COMMA; break;
	case '*': t->t = T_MUL; break;
	case '/': t->t = T_DIV; break;
	case '%': t->t = T_MOD; break;
	case '+': t->t = T_ADD; break;
	case '-': t->t = T_SUB; break;
	case '^': t->t = T_POW; break;
	case '=':
		if (lpeek(p) == '=') {
			p->pos++;
			t->t = T_EQLC;
		} else if (lpeek(p) == '~') {
			lerr_rune(p, "unexpected character after '=': ", '~', "");
			return;
		} else {
			t->t = T_EQL;
		}
		break;
	case '!': {
		int nr = lnext(p, &w);
		if (nr != '=') {
			lerr_rune(p, "unexpected character after '!': ", nr, "");
			return;
		}
		t->t = T_NEQ;
		break;
	}
	case '<': t->t = accept(p, "=") ? T_LTE : T_LSS; break;
	case '>': t->t = accept(p, "=") ? T_GTE : T_GTR; break;
	case '"': case '\'': case '`':
		p->string_open = r;
		lex_string(p, t);
		break;
	case '(':
		t->t = T_LPAREN;
		p->paren_depth++;
		break;
	case ')':
		t->t = T_RPAREN;
		if (--p->paren_depth < 0) {
			p->start = p->pos;
			lerr_rune(p, "unexpected right parenthesis ", ')', "");
			return;
		}
		break;
	case '{':
		t->t = T_LBRACE;
		p->brace_open = true;
		break;
	case '[':
		if (p->bracket_open) {
			lerr_rune(p, "unexpected left bracket ", '[', "");
			return;
		}
		p->got_colon = false;
		t->t = T_LBRACKET;
		t->end = p->pos;
		/* the duration right after it is scanned now, as Prometheus's lexDuration */
		while (is_space(lpeek(p)))
			p->pos++;
		p->bracket_open = true;
		return;
	case ']':
		if (!p->bracket_open) {
			lerr_rune(p, "unexpected right bracket ", ']', "");
			return;
		}
		t->t = T_RBRACKET;
		p->bracket_open = false;
		break;
	case '@': t->t = T_AT; break;
	default:
		if (is_space(r))
			goto again;
		if (is_digit(r) || (r == '.' && is_digit(lpeek(p)))) {
			p->pos -= w;
			if (scan_number(p)) {
				t->t = T_NUMBER;
			} else if (accept_remaining_duration(p)) {
				t->t = T_DURATION;
			} else {
				lerr_text(p, "bad number or duration syntax: ", p->start, p->pos);
				return;
			}
			break;
		}
		if (is_alpha(r) || r == ':') {
			if (!p->bracket_open) {
				p->pos -= w;
				lex_word(p, t, true);
				break;
			}
			if (p->got_colon) {
				lerr_rune(p, "unexpected colon ", r, "");
				return;
			}
			t->t = T_COLON;
			p->got_colon = true;
			break;
		}
		lerr_rune(p, "unexpected character: ", r, "");
		return;
	}
	t->end = p->pos;
}

/* The duration that must follow '[' (Prometheus's lexDuration). */
static void lex_duration(struct pq *p, struct tok_item *t)
{
	p->start = p->pos;
	t->pos = p->pos;
	t->t = T_ERROR;
	if (p->lex_done)
		return;
	if (scan_number(p)) {
		lerr(p, "missing unit character in duration");
		return;
	}
	if (!accept_remaining_duration(p)) {
		lerr_text(p, "bad duration syntax: ", p->start, p->pos);
		return;
	}
	t->t = T_DURATION;
	t->end = p->pos;
}

static struct tok_item *peek(struct pq *p)
{
	if (p->ntok == 0) {
		lex(p, &p->toks[0]);
		p->ntok = 1;
	}
	return &p->toks[0];
}

/* The token after the next: yacc reads it too where an identifier may
 * start a call or a selector, an aggregator an aggregation or a selector. */
static struct tok_item *peek2(struct pq *p)
{
	peek(p);
	if (p->ntok == 1) {
		lex(p, &p->toks[1]);
		p->ntok = 2;
	}
	return &p->toks[1];
}

static struct tok_item take(struct pq *p)
{
	struct tok_item t = *peek(p);
	p->toks[0] = p->toks[1];
	p->ntok--;
	if (t.t != T_EOF && t.t != T_ERROR)
		p->last_end = t.end;
	return t;
}

/* --- syntax errors --- */

static void ctx_push(struct pq *p, const char *what, const char *expected)
{
	if (p->nctx == (int)GT_ARRAY_LEN(p->ctx)) {   /* cannot happen: nesting is bounded first */
		p->nctx++;
		return;
	}
	p->ctx[p->nctx].what = what;
	p->ctx[p->nctx].expected = expected;
	p->nctx++;
}

static void ctx_pop(struct pq *p)
{
	p->nctx--;
}

/* Prometheus's Item.desc(): how a token is named in "unexpected ..." */
static void tok_desc(struct pq *p, const struct tok_item *t, struct gt_buf *b)
{
	const char *s = tok_str(t->t);
	const char *val = p->q + t->pos;
	size_t len = (size_t)(t->end - t->pos);

	if (t->t == T_EOF) {
		gt_buf_addstr(b, "end of input");
		return;
	}
	if (t->t == T_AT) {
		gt_buf_addstr(b, "\"<Item 57385>\" <op:@>");   /* 2.42 has no text for '@' */
		return;
	}
	if (!s) {
		switch (t->t) {
		case T_IDENT: gt_buf_addstr(b, "identifier "); break;
		case T_METRIC_IDENT: gt_buf_addstr(b, "metric identifier "); break;
		case T_STRING: gt_buf_addstr(b, "string "); break;
		case T_NUMBER: gt_buf_addstr(b, "number "); break;
		case T_DURATION: gt_buf_addstr(b, "duration "); break;
		default: break;
		}
	}
	if (IS_KW(t->t)) {
		gt_buf_addch(b, '<');
		gt_buf_add(b, val, len);
		gt_buf_addch(b, '>');
	} else if (IS_OP(t->t)) {
		gt_buf_addstr(b, "<op:");
		gt_buf_add(b, val, len);
		gt_buf_addch(b, '>');
	} else if (IS_AGG(t->t)) {
		gt_buf_addstr(b, "<aggr:");
		gt_buf_add(b, val, len);
		gt_buf_addch(b, '>');
	} else if (t->t != T_IDENT && t->t != T_METRIC_IDENT && len > 10) {
		/* %.10q: the first ten characters quoted, then "..." */
		size_t cut = 0;
		for (int k = 0; k < 10 && cut < len; k++) {
			int w;
			utf8_decode((const unsigned char *)val + cut, len - cut, &w);
			cut += (size_t)w;
		}
		go_quote(b, val, cut);
		gt_buf_addstr(b, "...");
	} else {
		go_quote(b, val, len);
	}
}

/* A syntax error at token t, in the innermost construct with an error rule. */
static void unexpected_at(struct pq *p, const struct tok_item *t)
{
	struct gt_buf b = {0};

	if (p->failed || t->t == T_ERROR)
		return;
	gt_buf_addstr(&b, "unexpected ");
	tok_desc(p, t, &b);
	if (p->nctx > 0 && p->nctx <= (int)GT_ARRAY_LEN(p->ctx)) {
		const struct ctx *c = &p->ctx[p->nctx - 1];
		gt_buf_addstr(&b, " in ");
		gt_buf_addstr(&b, c->what);
		if (c->expected) {
			gt_buf_addstr(&b, ", expected ");
			gt_buf_addstr(&b, c->expected);
		}
	}
	perr(p, t->pos, "%s", b.p ? b.p : "");
	gt_buf_release(&b);
}

static void unexpected(struct pq *p)
{
	unexpected_at(p, peek(p));
}

/* --- values --- */

static char *xstrndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

/* model.ParseDuration: [Ny][Nw][Nd][Nh][Nm][Ns][Nms], or "0". */
static int parse_model_duration(const char *s, size_t n, int64_t *ms, const char **why)
{
	static const struct {
		const char *unit;
		int64_t mult;
	} units[] = {
		{"y", 365LL * 24 * 3600 * 1000}, {"w", 7LL * 24 * 3600 * 1000}, {"d", 24LL * 3600 * 1000},
		{"h", 3600 * 1000}, {"m", 60 * 1000}, {"s", 1000}, {"ms", 1},
	};
	size_t i = 0, u = 0;
	int64_t total = 0;
	bool any = false;

	*why = NULL;
	if (n == 1 && s[0] == '0') {
		*ms = 0;
		return 0;
	}
	if (n == 0) {
		*why = "empty duration string";
		return GT_EINVAL;
	}
	while (i < n) {
		size_t d0 = i;
		uint64_t v = 0;
		bool big = false;
		while (i < n && is_digit((unsigned char)s[i])) {
			if (v > (UINT64_MAX - 9) / 10)
				big = true;
			else
				v = v * 10 + (uint64_t)(s[i] - '0');
			i++;
		}
		if (i == d0)
			goto bad;
		/* the longest unit that matches here, in order after the previous one */
		size_t ulen = 0;
		if (i < n && s[i] == 'm' && i + 1 < n && s[i + 1] == 's')
			ulen = 2;
		else if (i < n)
			ulen = 1;
		else
			goto bad;
		for (; u < GT_ARRAY_LEN(units); u++)
			if (strlen(units[u].unit) == ulen && strncmp(units[u].unit, s + i, ulen) == 0)
				break;
		if (u == GT_ARRAY_LEN(units))
			goto bad;
		if (big || v > (uint64_t)(INT64_MAX / units[u].mult) || total > INT64_MAX - (int64_t)v * units[u].mult) {
			*why = "duration out of range";
			return GT_EINVAL;
		}
		total += (int64_t)v * units[u].mult;
		u++;
		i += ulen;
		any = true;
	}
	if (!any)
		goto bad;
	*ms = total;
	return 0;
bad:
	*why = "not a valid duration string";
	return GT_EINVAL;
}

int gt_pq_parse_duration(const char *s, size_t n, int64_t *ms)
{
	const char *why;
	char tmp[64], *end;

	if (parse_model_duration(s, n, ms, &why) == 0)
		return 0;
	/* the HTTP API's other form: seconds as a float */
	if (n == 0 || n >= sizeof tmp)
		return GT_EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	errno = 0;
	double d = strtod(tmp, &end);
	if (end != tmp + n || errno || isnan(d) || d * 1000 >= 9.2233720368547758e18 || d * 1000 <= -9.2233720368547758e18)
		return GT_EINVAL;
	*ms = (int64_t)(d * 1000);
	return 0;
}

/* A DURATION token as the parser takes it (Prometheus's parseDuration). */
static int tok_duration(struct pq *p, const struct tok_item *t, int64_t *ms)
{
	const char *why;

	if (parse_model_duration(p->q + t->pos, (size_t)(t->end - t->pos), ms, &why) < 0) {
		struct gt_buf b = {0};
		if (strcmp(why, "not a valid duration string") == 0) {
			gt_buf_addstr(&b, "not a valid duration string: ");
			go_quote(&b, p->q + t->pos, (size_t)(t->end - t->pos));
		} else {
			gt_buf_addstr(&b, why);
		}
		perr(p, t->pos, "%s", b.p);
		gt_buf_release(&b);
		return GT_EINVAL;
	}
	if (*ms == 0) {
		perr(p, t->pos, "duration must be greater than 0");
		return GT_EINVAL;
	}
	return 0;
}

/* Go's strconv.ParseInt(s, 0, 64), then ParseFloat, as Prometheus's number(). */
static int tok_number(struct pq *p, const struct tok_item *t, double *out)
{
	const char *s = p->q + t->pos;
	size_t n = (size_t)(t->end - t->pos);
	char tmp[512];
	const char *why = "invalid syntax";

	if ((n == 3 && strncasecmp(s, "inf", 3) == 0)) {
		*out = INFINITY;
		return 0;
	}
	if (n == 3 && strncasecmp(s, "nan", 3) == 0) {
		*out = NAN;
		return 0;
	}
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		uint64_t v = 0;
		bool ok = n > 2;
		for (size_t i = 2; i < n && ok; i++) {
			int c = (unsigned char)s[i];
			int d = is_digit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
			if (d < 0 || v > (uint64_t)INT64_MAX >> 4)
				ok = false;
			else
				v = v * 16 + (uint64_t)d;
		}
		if (ok && v <= (uint64_t)INT64_MAX) {
			*out = (double)v;
			return 0;
		}
		goto bad;   /* ParseFloat wants a 'p' exponent in hex */
	}
	bool digits_only = n > 0;
	for (size_t i = 0; i < n; i++)
		digits_only &= is_digit((unsigned char)s[i]);
	if (digits_only && n > 1 && s[0] == '0') {
		/* base 0: a leading 0 is octal */
		uint64_t v = 0;
		bool ok = true;
		for (size_t i = 1; i < n && ok; i++) {
			if (s[i] > '7' || v > (uint64_t)INT64_MAX >> 3)
				ok = false;
			else
				v = v * 8 + (uint64_t)(s[i] - '0');
		}
		if (ok && v <= (uint64_t)INT64_MAX) {
			*out = (double)v;
			return 0;
		}
	}
	/* ParseFloat's decimal syntax: digits [. digits] [e [+-] digits], a digit somewhere before e */
	{
		size_t i = 0, md = 0;
		while (i < n && is_digit((unsigned char)s[i]))
			i++, md++;
		if (i < n && s[i] == '.') {
			i++;
			while (i < n && is_digit((unsigned char)s[i]))
				i++, md++;
		}
		if (md == 0)
			goto bad;
		if (i < n && (s[i] == 'e' || s[i] == 'E')) {
			size_t ed = 0;
			i++;
			if (i < n && (s[i] == '+' || s[i] == '-'))
				i++;
			while (i < n && is_digit((unsigned char)s[i]))
				i++, ed++;
			if (ed == 0)
				goto bad;
		}
		if (i != n || n >= sizeof tmp)
			goto bad;
	}
	memcpy(tmp, s, n);
	tmp[n] = 0;
	errno = 0;
	*out = strtod(tmp, NULL);
	if (errno == ERANGE && isinf(*out)) {
		why = "value out of range";
		goto bad;
	}
	return 0;
bad: {
	struct gt_buf b = {0};
	gt_buf_addstr(&b, "error parsing number: strconv.ParseFloat: parsing ");
	go_quote(&b, s, n);
	gt_buf_addstr(&b, ": ");
	gt_buf_addstr(&b, why);
	perr(p, t->pos, "%s", b.p);
	gt_buf_release(&b);
	return GT_EINVAL;
}
}

/* The value of a STRING token (already checked by the lexer). */
static char *tok_unquote(struct pq *p, const struct tok_item *t)
{
	const char *s = p->q + t->pos + 1;
	size_t n = (size_t)(t->end - t->pos - 2);
	struct gt_buf b = {0};
	char quote = s[-1];

	/* the value is never longer than its quoted text, so nothing below grows */
	if (gt_buf_grow(&b, n + 1) < 0)
		return NULL;
	b.p[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (quote == '`') {
			if (s[i] != '\r')   /* Go drops carriage returns from raw strings */
				gt_buf_addch(&b, s[i]);
			continue;
		}
		if (s[i] != '\\') {
			gt_buf_addch(&b, s[i]);
			continue;
		}
		char c = s[++i];
		int nd = 0;
		unsigned base = 16, x = 0;
		switch (c) {
		case 'a': gt_buf_addch(&b, '\a'); continue;
		case 'b': gt_buf_addch(&b, '\b'); continue;
		case 'f': gt_buf_addch(&b, '\f'); continue;
		case 'n': gt_buf_addch(&b, '\n'); continue;
		case 'r': gt_buf_addch(&b, '\r'); continue;
		case 't': gt_buf_addch(&b, '\t'); continue;
		case 'v': gt_buf_addch(&b, '\v'); continue;
		case 'x': nd = 2; i++; break;
		case 'u': nd = 4; i++; break;
		case 'U': nd = 8; i++; break;
		default:
			if (c >= '0' && c <= '7') {
				nd = 3;
				base = 8;
				break;
			}
			gt_buf_addch(&b, c);   /* \\ and the quote */
			continue;
		}
		for (int k = 0; k < nd && i < n; k++, i++) {
			int ch = (unsigned char)s[i];
			x = x * base + (unsigned)(is_digit(ch) ? ch - '0' : (ch | 0x20) - 'a' + 10);
		}
		i--;
		if (c == 'x' || base == 8)
			gt_buf_addch(&b, (int)x);
		else
			add_utf8(&b, (int)x);
	}
	(void)p;
	if (!b.p)
		return xstrndup("", 0);
	return gt_buf_detach(&b, NULL);
}

/* --- tree --- */

static struct gt_pq_expr *node(enum gt_pq_kind k, int pos, int end)
{
	struct gt_pq_expr *e = calloc(1, sizeof *e);
	if (e) {
		e->kind = k;
		e->pos = pos;
		e->end = end;
	}
	return e;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void gt_pq_expr_free(struct gt_pq_expr *e)
{
	if (!e)
		return;
	switch (e->kind) {
	case GT_PQ_NUMBER:
		break;
	case GT_PQ_STRING:
		free(e->u.str);
		break;
	case GT_PQ_SELECTOR:
		free(e->u.sel.metric);
		for (size_t i = 0; i < e->u.sel.nm; i++) {
			free(e->u.sel.m[i].name);
			free(e->u.sel.m[i].value);
			pcre2_code_free(e->u.sel.m[i].re);
		}
		free(e->u.sel.m);
		break;
	case GT_PQ_SUBQUERY:
		gt_pq_expr_free(e->u.sub.e);
		break;
	case GT_PQ_CALL:
		for (size_t i = 0; i < e->u.call.nargs; i++)
			gt_pq_expr_free(e->u.call.args[i]);
		free(e->u.call.args);
		break;
	case GT_PQ_AGG:
		gt_pq_expr_free(e->u.agg.param);
		gt_pq_expr_free(e->u.agg.e);
		free_strv(e->u.agg.grouping, e->u.agg.ngrouping);
		break;
	case GT_PQ_BINARY:
		gt_pq_expr_free(e->u.bin.lhs);
		gt_pq_expr_free(e->u.bin.rhs);
		free_strv(e->u.bin.labels, e->u.bin.nlabels);
		free_strv(e->u.bin.include, e->u.bin.ninclude);
		break;
	case GT_PQ_UNARY:
		gt_pq_expr_free(e->u.un.e);
		break;
	case GT_PQ_PAREN:
		gt_pq_expr_free(e->u.paren);
		break;
	}
	free(e);
}

static void oom(struct pq *p)
{
	if (!p->failed) {
		p->failed = true;
		p->code = GT_ENOMEM;
		gt_errf(p->err, GT_ENOMEM, "out of memory");
	}
}

/* --- label matchers --- */

/* Go's regexp error texts for the compile errors users make most. */
static void regex_error(struct pq *p, int pos, const char *full, int code, size_t off)
{
	struct gt_buf b = {0};
	const char *what;
	bool whole = false;

	switch (code) {
	case PCRE2_ERROR_MISSING_CLOSING_PARENTHESIS: what = "missing closing )"; whole = true; break;
	case PCRE2_ERROR_UNMATCHED_CLOSING_PARENTHESIS: what = "unexpected )"; whole = true; break;
	case PCRE2_ERROR_MISSING_SQUARE_BRACKET: what = "missing closing ]"; whole = true; break;
	case PCRE2_ERROR_QUANTIFIER_OUT_OF_ORDER:
	case PCRE2_ERROR_QUANTIFIER_TOO_BIG:
		what = "invalid repeat count";
		break;
	case PCRE2_ERROR_UNKNOWN_ESCAPE: what = "invalid escape sequence"; break;
	case PCRE2_ERROR_CLASS_RANGE_ORDER: what = "invalid character class range"; break;
	case PCRE2_ERROR_QUANTIFIER_INVALID: /* the quantifier follows nothing repeatable */
		what = "missing argument to repetition operator";
		whole = false;
		break;
	case PCRE2_ERROR_END_BACKSLASH: what = "trailing backslash at end of expression"; whole = true; break;
	default: what = "invalid or unsupported Perl syntax"; whole = true; break;
	}
	gt_buf_addf(&b, "error parsing regexp: %s: `", what);
	size_t len = strlen(full), from = off, to = off;
	if (off > len)
		whole = true;
	switch (code) {
	case PCRE2_ERROR_QUANTIFIER_INVALID:
		to = from + 1;
		break;
	case PCRE2_ERROR_QUANTIFIER_OUT_OF_ORDER:
	case PCRE2_ERROR_QUANTIFIER_TOO_BIG:
		while (from > 0 && full[from] != '{')
			from--;
		while (to < len && full[to] != '}')
			to++;
		to += to < len;
		break;
	case PCRE2_ERROR_UNKNOWN_ESCAPE:   /* off is at the escaped character */
		from = off >= 1 ? off - 1 : 0;
		to = off + 1;
		break;
	case PCRE2_ERROR_CLASS_RANGE_ORDER:   /* off is at the range's end */
		from = off >= 2 ? off - 2 : 0;
		to = off + 1;
		break;
	default:
		whole = true;
	}
	if (whole || from >= to || to > len)
		gt_buf_addstr(&b, full);
	else
		gt_buf_add(&b, full + from, to - from);
	gt_buf_addch(&b, '`');
	perr(p, pos, "%s", b.p);
	gt_buf_release(&b);
}

static int matcher_compile(struct pq *p, struct gt_pq_matcher *m, int pos)
{
	struct gt_buf b = {0};
	int code;
	PCRE2_SIZE off;

	if (m->op != GT_PQ_M_RE && m->op != GT_PQ_M_NRE)
		return 0;
	/* RE2 (Go) has no lookaround and no backreferences; PCRE would take them */
	for (const char *v = m->value; *v; v++) {
		if (v[0] == '\\' && v[1]) {
			if (v[1] >= '1' && v[1] <= '9') {
				perr(p, pos, "error parsing regexp: invalid escape sequence: `\\%c`", v[1]);
				return GT_EINVAL;
			}
			v++;
		} else if (v[0] == '(' && v[1] == '?' && (v[2] == '=' || v[2] == '!' || v[2] == '<')) {
			if (v[2] == '<' && v[3] != '=' && v[3] != '!')
				continue;   /* (?<name>...) is a named group */
			perr(p, pos, "error parsing regexp: invalid or unsupported Perl syntax: `%.3s`", v);
			return GT_EINVAL;
		}
	}
	gt_buf_addstr(&b, "^(?:");
	gt_buf_addstr(&b, m->value);
	gt_buf_addstr(&b, ")$");
	if (!b.p) {
		oom(p);
		return GT_ENOMEM;
	}
	m->re = pcre2_compile((PCRE2_SPTR)b.p, b.len, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY,
			      &code, &off, NULL);
	if (!m->re) {
		if (code == PCRE2_ERROR_NOMEMORY)
			oom(p);
		else if (code <= PCRE2_ERROR_UTF8_ERR1 && code >= PCRE2_ERROR_UTF8_ERR21)
			perr(p, pos, "error parsing regexp: invalid UTF-8: `%s`", b.p);
		else
			regex_error(p, pos, b.p, code, off);
		gt_buf_release(&b);
		return GT_EINVAL;
	}
	pcre2_jit_compile(m->re, PCRE2_JIT_COMPLETE);   /* a failure only costs speed */
	gt_buf_release(&b);
	return 0;
}

int gt_pq_matcher_match(const struct gt_pq_matcher *m, const char *value, size_t len)
{
	int r;

	switch (m->op) {
	case GT_PQ_M_EQ:
		return strlen(m->value) == len && memcmp(m->value, value, len) == 0;
	case GT_PQ_M_NE:
		return !(strlen(m->value) == len && memcmp(m->value, value, len) == 0);
	case GT_PQ_M_RE:
	case GT_PQ_M_NRE:
		break;
	}
	if (!m->re)
		return 0;
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	if (!md)
		return 0;
	r = pcre2_match(m->re, (PCRE2_SPTR)(len ? value : ""), len, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return (r >= 0) == (m->op == GT_PQ_M_RE);
}

/* --- the grammar --- */

static struct gt_pq_expr *parse_expr(struct pq *p, int minprec);

static bool enter(struct pq *p)
{
	if (++p->depth > MAX_DEPTH) {
		perr(p, peek(p)->pos, "expression nested too deeply (over %d levels)", MAX_DEPTH);
		return false;
	}
	return true;
}

/* The tree just built is h high. */
static bool set_height(struct pq *p, int h, int pos)
{
	p->h = h;
	if (h > MAX_HEIGHT) {
		perr(p, pos, "expression nested too deeply (over %d levels)", MAX_HEIGHT);
		return false;
	}
	return true;
}

static bool is_label_tok(enum tok t)
{
	/* maybe_label: identifiers and every keyword */
	return t == T_IDENT || t == T_METRIC_IDENT || IS_KW(t) || IS_AGG(t) || t == T_LAND || t == T_LOR ||
	       t == T_LUNLESS || t == T_ATAN2 || t == T_START || t == T_END;
}

static bool is_metric_tok(enum tok t)
{
	/* metric_identifier: what may name a metric outside braces */
	return t == T_IDENT || t == T_METRIC_IDENT || IS_AGG(t) || t == T_BY || t == T_WITHOUT || t == T_OFFSET ||
	       t == T_LAND || t == T_LOR || t == T_LUNLESS || t == T_START || t == T_END;
}

static bool starts_expr(enum tok t)
{
	return t == T_NUMBER || t == T_STRING || t == T_LBRACE || t == T_LPAREN || t == T_ADD || t == T_SUB ||
	       is_metric_tok(t);
}

/* '(' label, ... ')' of by/without/on/ignoring/group_x. */
static int parse_grouping(struct pq *p, char ***out, size_t *nout)
{
	char **v = NULL;
	size_t n = 0;

	*out = NULL;
	*nout = 0;
	ctx_push(p, "grouping opts", "\"(\"");
	if (peek(p)->t != T_LPAREN) {
		unexpected(p);
		ctx_pop(p);
		return GT_EINVAL;
	}
	take(p);
	ctx_pop(p);
	for (;;) {
		struct tok_item *t = peek(p);
		if (t->t == T_RPAREN) {
			take(p);
			break;
		}
		/* a quoted label name (Prometheus 3's UTF-8 names): by ("service.name") */
		if (!is_label_tok(t->t) && t->t != T_STRING) {
			ctx_push(p, "grouping opts", "label");
			unexpected(p);
			ctx_pop(p);
			goto fail;
		}
		struct tok_item lt = take(p);
		for (int i = lt.pos; lt.t != T_STRING && i < lt.end; i++) {
			if (p->q[i] == ':') {
				ctx_push(p, "grouping opts", "label");
				unexpected_at(p, &lt);
				ctx_pop(p);
				goto fail;
			}
		}
		char **nv = realloc(v, (n + 1) * sizeof *v);
		if (!nv || !(nv[n] = lt.t == T_STRING ? tok_unquote(p, &lt) :
				     xstrndup(p->q + lt.pos, (size_t)(lt.end - lt.pos)))) {
			v = nv ? nv : v;
			oom(p);
			goto fail;
		}
		v = nv;
		n++;
		t = peek(p);
		if (t->t == T_COMMA) {
			take(p);
			continue;
		}
		if (t->t == T_RPAREN)
			continue;
		ctx_push(p, "grouping opts", "\",\" or \")\"");
		unexpected(p);
		ctx_pop(p);
		goto fail;
	}
	*out = v;
	*nout = n;
	return 0;
fail:
	free_strv(v, n);
	return GT_EINVAL;
}

/* Append matcher (name op value) to selector e; takes name and value (NULL: out of memory). */
static int add_matcher(struct pq *p, struct gt_pq_expr *e, enum gt_pq_mop op, char *name, char *value)
{
	struct gt_pq_matcher *nm = realloc(e->u.sel.m, (e->u.sel.nm + 1) * sizeof *nm);
	if (!nm || !name || !value) {
		e->u.sel.m = nm ? nm : e->u.sel.m;
		free(name);
		free(value);
		oom(p);
		return GT_ENOMEM;
	}
	e->u.sel.m = nm;
	struct gt_pq_matcher *m = &nm[e->u.sel.nm++];
	memset(m, 0, sizeof *m);
	m->op = op;
	m->name = name;
	m->value = value;
	return 0;
}

/*
 * '{' matchers '}' into e (a selector).  As in Prometheus 3, a label name
 * may be quoted ({"service.name"="x"}), and a quoted name with no operator
 * names the metric ({"metric.name"} is {__name__="metric.name"}): UTF-8
 * names that are not identifiers.  Prometheus 2.42 refuses both, so no
 * query it answers changes meaning.
 */
static int parse_matchers(struct pq *p, struct gt_pq_expr *e)
{
	take(p);   /* '{' */
	for (;;) {
		struct tok_item *t = peek(p);
		if (t->t == T_RBRACE) {
			take(p);
			return 0;
		}
		if (t->t != T_IDENT && t->t != T_STRING) {
			ctx_push(p, "label matching", "identifier or \"}\"");
			unexpected(p);
			ctx_pop(p);
			return GT_EINVAL;
		}
		struct tok_item name = take(p);
		t = peek(p);
		enum gt_pq_mop op;
		switch (t->t) {
		case T_EQL: op = GT_PQ_M_EQ; break;
		case T_NEQ: op = GT_PQ_M_NE; break;
		case T_EQL_REGEX: op = GT_PQ_M_RE; break;
		case T_NEQ_REGEX: op = GT_PQ_M_NRE; break;
		default:
			if (name.t == T_STRING && (t->t == T_COMMA || t->t == T_RBRACE)) {
				if (add_matcher(p, e, GT_PQ_M_EQ, xstrndup("__name__", 8), tok_unquote(p, &name)) < 0)
					return GT_ENOMEM;
				goto next;
			}
			ctx_push(p, "label matching", "label matching operator");
			unexpected(p);
			ctx_pop(p);
			return GT_EINVAL;
		}
		take(p);
		if (peek(p)->t != T_STRING) {
			ctx_push(p, "label matching", "string");
			unexpected(p);
			ctx_pop(p);
			return GT_EINVAL;
		}
		struct tok_item val = take(p);
		char *label = name.t == T_STRING ? tok_unquote(p, &name) :
			      xstrndup(p->q + name.pos, (size_t)(name.end - name.pos));
		if (add_matcher(p, e, op, label, tok_unquote(p, &val)) < 0)
			return GT_ENOMEM;
		if (matcher_compile(p, &e->u.sel.m[e->u.sel.nm - 1], name.pos) < 0)
			return GT_EINVAL;
next:
		t = peek(p);
		if (t->t == T_COMMA) {
			take(p);
			continue;
		}
		if (t->t == T_RBRACE)
			continue;
		ctx_push(p, "label matching", "\",\" or \"}\"");
		unexpected(p);
		ctx_pop(p);
		return GT_EINVAL;
	}
}

static struct gt_pq_expr *parse_selector(struct pq *p)
{
	struct tok_item *t = peek(p);
	struct gt_pq_expr *e = node(GT_PQ_SELECTOR, t->pos, t->end);

	if (!e) {
		oom(p);
		return NULL;
	}
	if (t->t != T_LBRACE) {
		struct tok_item name = take(p);
		e->u.sel.metric = xstrndup(p->q + name.pos, (size_t)(name.end - name.pos));
		if (!e->u.sel.metric)
			goto nomem;
	}
	if (peek(p)->t == T_LBRACE && parse_matchers(p, e) < 0)
		goto fail;
	if (e->u.sel.metric &&
	    add_matcher(p, e, GT_PQ_M_EQ, xstrndup("__name__", 8), xstrndup(e->u.sel.metric, strlen(e->u.sel.metric))) < 0)
		goto fail;
	e->end = p->last_end;
	p->h = 1;
	return e;
nomem:
	oom(p);
fail:
	gt_pq_expr_free(e);
	return NULL;
}

/* '(' args ')' of a call or an aggregation. */
static int parse_args(struct pq *p, struct gt_pq_expr ***out, size_t *nout)
{
	struct gt_pq_expr **v = NULL;
	size_t n = 0;
	int h = 0;

	*out = NULL;
	*nout = 0;
	p->h = 0;
	take(p);   /* '(' */
	if (peek(p)->t == T_RPAREN) {
		take(p);
		return 0;
	}
	for (;;) {
		struct gt_pq_expr *a = parse_expr(p, 0);
		if (!a)
			goto fail;
		h = GT_MAX(h, p->h);
		struct gt_pq_expr **nv = realloc(v, (n + 1) * sizeof *v);
		if (!nv) {
			gt_pq_expr_free(a);
			oom(p);
			goto fail;
		}
		v = nv;
		v[n++] = a;
		struct tok_item *t = peek(p);
		if (t->t == T_RPAREN) {
			take(p);
			break;
		}
		if (t->t != T_COMMA) {
			unexpected(p);
			goto fail;
		}
		struct tok_item comma = take(p);
		if (peek(p)->t == T_RPAREN) {
			perr(p, comma.pos, "trailing commas not allowed in function call args");
			goto fail;
		}
	}
	*out = v;
	*nout = n;
	p->h = h;
	return 0;
fail:
	for (size_t i = 0; i < n; i++)
		gt_pq_expr_free(v[i]);
	free(v);
	return GT_EINVAL;
}

static struct gt_pq_expr *parse_call(struct pq *p)
{
	struct tok_item name = take(p);
	struct gt_pq_expr *e = node(GT_PQ_CALL, name.pos, name.end);

	if (!e) {
		oom(p);
		return NULL;
	}
	if (parse_args(p, &e->u.call.args, &e->u.call.nargs) < 0 || !set_height(p, p->h + 1, name.pos))
		goto fail;
	e->end = p->last_end;
	char *fname = xstrndup(p->q + name.pos, (size_t)(name.end - name.pos));
	if (!fname) {
		oom(p);
		goto fail;
	}
	e->u.call.fn = gt_pq_func_lookup(fname);
	if (e->u.call.fn && e->u.call.fn->greptime && !p->greptime)
		e->u.call.fn = NULL;
	if (!e->u.call.fn) {
		struct gt_buf b = {0};
		gt_buf_addstr(&b, "unknown function with name ");
		go_quote(&b, fname, strlen(fname));
		perr(p, name.pos, "%s", b.p);
		gt_buf_release(&b);
		free(fname);
		goto fail;
	}
	free(fname);
	return e;
fail:
	gt_pq_expr_free(e);
	return NULL;
}

static enum gt_pq_aggop agg_op(enum tok t)
{
	switch (t) {
	case T_SUM: return GT_PQ_SUM;
	case T_AVG: return GT_PQ_AVG;
	case T_MIN: return GT_PQ_MIN;
	case T_MAX: return GT_PQ_MAX;
	case T_COUNT: return GT_PQ_COUNT;
	case T_GROUP: return GT_PQ_GROUP;
	case T_STDDEV: return GT_PQ_STDDEV;
	case T_STDVAR: return GT_PQ_STDVAR;
	case T_TOPK: return GT_PQ_TOPK;
	case T_BOTTOMK: return GT_PQ_BOTTOMK;
	case T_QUANTILE: return GT_PQ_QUANTILE;
	default: return GT_PQ_COUNT_VALUES;
	}
}

static int parse_agg_modifier(struct pq *p, struct gt_pq_expr *e)
{
	struct tok_item m = take(p);
	e->u.agg.without = m.t == T_WITHOUT;
	e->u.agg.by = m.t == T_BY;
	return parse_grouping(p, &e->u.agg.grouping, &e->u.agg.ngrouping);
}

static struct gt_pq_expr *parse_agg(struct pq *p)
{
	struct tok_item op = take(p);
	struct gt_pq_expr *e = node(GT_PQ_AGG, op.pos, op.end);
	struct gt_pq_expr **args = NULL;
	size_t nargs = 0;
	bool before = false;

	if (!e) {
		oom(p);
		return NULL;
	}
	e->u.agg.op = agg_op(op.t);
	ctx_push(p, "aggregation", NULL);
	enum tok t = peek(p)->t;
	if (t == T_BY || t == T_WITHOUT) {
		before = true;
		if (parse_agg_modifier(p, e) < 0)
			goto fail;
	}
	if (peek(p)->t != T_LPAREN) {
		unexpected(p);
		goto fail;
	}
	if (parse_args(p, &args, &nargs) < 0)
		goto fail;
	int h = p->h + 1;
	if (!before) {
		t = peek(p)->t;
		if ((t == T_BY || t == T_WITHOUT) && parse_agg_modifier(p, e) < 0)
			goto fail;
	}
	ctx_pop(p);
	e->end = p->last_end;
	if (!set_height(p, h, e->pos))
		goto fail2;
	if (nargs == 0) {
		perr(p, e->pos, "no arguments for aggregate expression provided");
		goto fail2;
	}
	size_t want = (op.t == T_TOPK || op.t == T_BOTTOMK || op.t == T_QUANTILE || op.t == T_COUNT_VALUES) ? 2 : 1;
	if (nargs != want) {
		perr(p, e->pos, "wrong number of arguments for aggregate expression provided, expected %zu, got %zu", want,
		     nargs);
		goto fail2;
	}
	if (want == 2)
		e->u.agg.param = args[0];
	e->u.agg.e = args[want - 1];
	free(args);
	return e;
fail:
	ctx_pop(p);
fail2:
	for (size_t i = 0; i < nargs; i++)
		gt_pq_expr_free(args[i]);
	free(args);
	gt_pq_expr_free(e);
	return NULL;
}

static struct gt_pq_expr *parse_primary(struct pq *p)
{
	struct tok_item *t = peek(p);
	struct gt_pq_expr *e;

	switch (t->t) {
	case T_NUMBER: {
		struct tok_item n = take(p);
		double v;
		if (tok_number(p, &n, &v) < 0)
			return NULL;
		if (!(e = node(GT_PQ_NUMBER, n.pos, n.end))) {
			oom(p);
			return NULL;
		}
		e->u.num = v;
		p->h = 1;
		return e;
	}
	case T_STRING: {
		struct tok_item s = take(p);
		if (!(e = node(GT_PQ_STRING, s.pos, s.end)) || !(e->u.str = tok_unquote(p, &s))) {
			free(e);
			oom(p);
			return NULL;
		}
		p->h = 1;
		return e;
	}
	case T_LPAREN: {
		struct tok_item lp = take(p);
		struct gt_pq_expr *in = parse_expr(p, 0);
		if (!in)
			return NULL;
		if (peek(p)->t != T_RPAREN) {
			unexpected(p);
			gt_pq_expr_free(in);
			return NULL;
		}
		take(p);
		if (!(e = node(GT_PQ_PAREN, lp.pos, p->last_end))) {
			gt_pq_expr_free(in);
			oom(p);
			return NULL;
		}
		e->u.paren = in;
		set_height(p, p->h + 1, e->pos);
		return e;
	}
	case T_LBRACE:
		return parse_selector(p);
	default:
		break;
	}
	if (IS_AGG(t->t)) {
		/* an aggregation only when "(", by or without follows; else a metric name */
		enum tok nt = peek2(p)->t;
		if (nt == T_LPAREN || nt == T_BY || nt == T_WITHOUT)
			return parse_agg(p);
		return parse_selector(p);
	}
	if (t->t == T_IDENT) {
		if (peek2(p)->t == T_LPAREN)
			return parse_call(p);
		return parse_selector(p);
	}
	if (is_metric_tok(t->t))
		return parse_selector(p);
	unexpected(p);
	return NULL;
}

/* The offset/@ fields of e, when it may carry them. */
static bool at_offset_fields(struct gt_pq_expr *e, int64_t **offset, enum gt_pq_at **at, int64_t **at_time)
{
	if (e->kind == GT_PQ_SELECTOR) {
		*offset = &e->u.sel.offset;
		*at = &e->u.sel.at;
		*at_time = &e->u.sel.at_time;
		return true;
	}
	if (e->kind == GT_PQ_SUBQUERY) {
		*offset = &e->u.sub.offset;
		*at = &e->u.sub.at;
		*at_time = &e->u.sub.at_time;
		return true;
	}
	return false;
}

/* '[' range ']' or '[' range ':' [step] ']' after e. */
static struct gt_pq_expr *parse_bracket(struct pq *p, struct gt_pq_expr *e)
{
	struct tok_item lb = take(p), d, *t;
	int64_t range, step = 0;

	lex_duration(p, &p->toks[0]);   /* nothing was read past '[' */
	p->ntok = 1;
	d = take(p);
	if (d.t != T_DURATION || tok_duration(p, &d, &range) < 0)
		goto fail;
	t = peek(p);
	if (t->t == T_RBRACKET) {
		struct tok_item rb = take(p);
		const char *msg = NULL;
		if (e->kind != GT_PQ_SELECTOR || e->u.sel.range)
			msg = "ranges only allowed for vector selectors";
		else if (e->u.sel.offset)
			msg = "no offset modifiers allowed before range";
		else if (e->u.sel.at == GT_PQ_AT_TIME)   /* 2.42 lets @ start()/end() through */
			msg = "no @ modifiers allowed before range";
		if (msg) {
			perr(p, lb.pos, "%s", msg);
			goto fail;
		}
		e->u.sel.range = range;
		e->end = rb.end;
		return e;
	}
	if (t->t != T_COLON) {
		ctx_push(p, "subquery or range", "\":\" or \"]\"");
		unexpected(p);
		ctx_pop(p);
		goto fail;
	}
	take(p);
	t = peek(p);
	if (t->t == T_DURATION) {
		struct tok_item sd = take(p);
		if (tok_duration(p, &sd, &step) < 0)
			goto fail;
		if (peek(p)->t != T_RBRACKET) {
			ctx_push(p, "subquery selector", "\"]\"");
			unexpected(p);
			ctx_pop(p);
			goto fail;
		}
	} else if (t->t != T_RBRACKET) {
		ctx_push(p, "subquery selector", "duration or \"]\"");
		unexpected(p);
		ctx_pop(p);
		goto fail;
	}
	struct tok_item rb = take(p);
	struct gt_pq_expr *s = node(GT_PQ_SUBQUERY, e->pos, rb.end);
	if (!s) {
		oom(p);
		goto fail;
	}
	s->u.sub.e = e;
	s->u.sub.range = range;
	s->u.sub.step = step;
	set_height(p, p->h + 1, s->pos);
	return s;
fail:
	gt_pq_expr_free(e);
	return NULL;
}

static struct gt_pq_expr *parse_offset(struct pq *p, struct gt_pq_expr *e)
{
	int64_t *off;
	enum gt_pq_at *at;
	int64_t *at_time;
	int64_t d;
	bool neg = false;

	take(p);
	ctx_push(p, "offset", "duration");
	if (peek(p)->t == T_SUB) {
		take(p);
		neg = true;
	}
	if (peek(p)->t != T_DURATION) {
		unexpected(p);
		ctx_pop(p);
		goto fail;
	}
	ctx_pop(p);
	struct tok_item dt = take(p);
	if (tok_duration(p, &dt, &d) < 0)
		goto fail;
	if (!at_offset_fields(e, &off, &at, &at_time)) {
		perr(p, e->pos, "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery");
		goto fail;
	}
	if (*off != 0) {
		perr(p, e->pos, "offset may not be set multiple times");
		goto fail;
	}
	*off = neg ? -d : d;
	e->end = p->last_end;
	return e;
fail:
	gt_pq_expr_free(e);
	return NULL;
}

static struct gt_pq_expr *parse_at(struct pq *p, struct gt_pq_expr *e)
{
	int64_t *off;
	enum gt_pq_at *at;
	int64_t *at_time;
	enum gt_pq_at kind = GT_PQ_AT_TIME;
	double ts = 0;
	struct tok_item *t;

	take(p);
	ctx_push(p, "@", "timestamp");
	t = peek(p);
	if (t->t == T_START || t->t == T_END) {
		kind = t->t == T_START ? GT_PQ_AT_START : GT_PQ_AT_END;
		take(p);
		if (peek(p)->t != T_LPAREN) {
			unexpected(p);
			goto fail_ctx;
		}
		take(p);
		if (peek(p)->t != T_RPAREN) {
			unexpected(p);
			goto fail_ctx;
		}
		take(p);
	} else {
		bool neg = false;
		if (t->t == T_ADD || t->t == T_SUB) {
			neg = t->t == T_SUB;
			take(p);
		}
		if (peek(p)->t != T_NUMBER) {
			unexpected(p);
			goto fail_ctx;
		}
		struct tok_item n = take(p);
		if (tok_number(p, &n, &ts) < 0)
			goto fail_ctx;
		if (neg)
			ts = -ts;
	}
	ctx_pop(p);
	if (kind == GT_PQ_AT_TIME && (isinf(ts) || isnan(ts) || ts >= 9.2233720368547758e18 || ts <= -9.2233720368547758e18)) {
		char v[400];
		if (isnan(ts) || isinf(ts))
			snprintf(v, sizeof v, "%s", isnan(ts) ? "NaN" : ts > 0 ? "+Inf" : "-Inf");
		else
			snprintf(v, sizeof v, "%f", ts);
		perr(p, e->pos, "timestamp out of bounds for @ modifier: %s", v);
		goto fail;
	}
	if (!at_offset_fields(e, &off, &at, &at_time)) {
		perr(p, e->pos, "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery");
		goto fail;
	}
	if (*at != GT_PQ_AT_NONE) {
		perr(p, e->pos, "@ <timestamp> may not be set multiple times");
		goto fail;
	}
	*at = kind;
	if (kind == GT_PQ_AT_TIME)
		*at_time = (int64_t)llround(ts * 1000);
	e->end = p->last_end;
	return e;
fail_ctx:
	ctx_pop(p);
fail:
	gt_pq_expr_free(e);
	return NULL;
}

/* A primary with its postfix modifiers: [range], [range:step], offset, @. */
static struct gt_pq_expr *parse_postfix(struct pq *p)
{
	struct gt_pq_expr *e = parse_primary(p);

	while (e && !p->failed) {
		enum tok t = peek(p)->t;
		if (t == T_LBRACKET)
			e = parse_bracket(p, e);
		else if (t == T_OFFSET)
			e = parse_offset(p, e);
		else if (t == T_AT)
			e = parse_at(p, e);
		else
			break;
	}
	if (p->failed) {
		gt_pq_expr_free(e);
		return NULL;
	}
	return e;
}

static int binop_prec(enum tok t)
{
	switch (t) {
	case T_LOR: return 1;
	case T_LAND: case T_LUNLESS: return 2;
	case T_EQLC: case T_NEQ: case T_LTE: case T_LSS: case T_GTE: case T_GTR: return 3;
	case T_ADD: case T_SUB: return 4;
	case T_MUL: case T_DIV: case T_MOD: case T_ATAN2: return 5;
	case T_POW: return 6;
	default: return 0;
	}
}

static enum gt_pq_binop binop(enum tok t)
{
	switch (t) {
	case T_ADD: return GT_PQ_ADD;
	case T_SUB: return GT_PQ_SUB;
	case T_MUL: return GT_PQ_MUL;
	case T_DIV: return GT_PQ_DIV;
	case T_MOD: return GT_PQ_MOD;
	case T_POW: return GT_PQ_POW;
	case T_ATAN2: return GT_PQ_ATAN2;
	case T_EQLC: return GT_PQ_EQL;
	case T_NEQ: return GT_PQ_NEQ;
	case T_LSS: return GT_PQ_LSS;
	case T_GTR: return GT_PQ_GTR;
	case T_LTE: return GT_PQ_LTE;
	case T_GTE: return GT_PQ_GTE;
	case T_LAND: return GT_PQ_AND;
	case T_LOR: return GT_PQ_OR;
	default: return GT_PQ_UNLESS;
	}
}

static struct gt_pq_expr *parse_unary(struct pq *p)
{
	enum tok t = peek(p)->t;

	if (t != T_ADD && t != T_SUB)
		return parse_postfix(p);
	struct tok_item op = take(p);
	if (!enter(p))
		return NULL;
	struct gt_pq_expr *in = parse_expr(p, binop_prec(T_POW));
	p->depth--;
	if (!in)
		return NULL;
	if (in->kind == GT_PQ_NUMBER) {
		if (op.t == T_SUB)
			in->u.num = -in->u.num;
		in->pos = op.pos;
		return in;
	}
	struct gt_pq_expr *e = node(GT_PQ_UNARY, op.pos, in->end);
	if (!e) {
		gt_pq_expr_free(in);
		oom(p);
		return NULL;
	}
	e->u.un.op = op.t == T_SUB ? '-' : '+';
	e->u.un.e = in;
	set_height(p, p->h + 1, e->pos);
	return e;
}

static struct gt_pq_expr *parse_expr(struct pq *p, int minprec)
{
	struct gt_pq_expr *lhs;

	if (!enter(p))
		return NULL;
	lhs = parse_unary(p);
	int h = p->h;
	while (lhs && !p->failed) {
		struct tok_item *t = peek(p);
		int prec = binop_prec(t->t);
		if (!prec || prec < minprec)
			break;
		struct tok_item op = take(p);
		struct gt_pq_expr *e = node(GT_PQ_BINARY, lhs->pos, lhs->end);
		if (!e) {
			oom(p);
			break;
		}
		e->u.bin.lhs = lhs;
		lhs = e;
		e->u.bin.op = binop(op.t);
		e->u.bin.card = GT_PQ_ONE_TO_ONE;
		if (peek(p)->t == T_BOOL) {
			take(p);
			e->u.bin.bool_mod = 1;
		}
		enum tok mt = peek(p)->t;
		if (mt == T_ON || mt == T_IGNORING) {
			take(p);
			e->u.bin.on = mt == T_ON;
			if (parse_grouping(p, &e->u.bin.labels, &e->u.bin.nlabels) < 0)
				break;
			mt = peek(p)->t;
			if (mt == T_GROUP_LEFT || mt == T_GROUP_RIGHT) {
				take(p);
				e->u.bin.card = mt == T_GROUP_LEFT ? GT_PQ_MANY_TO_ONE : GT_PQ_ONE_TO_MANY;
				/* the label list is optional: without it an expression must follow */
				enum tok nt = peek(p)->t;
				if ((nt == T_LPAREN || !starts_expr(nt)) &&
				    parse_grouping(p, &e->u.bin.include, &e->u.bin.ninclude) < 0)
					break;
			}
		}
		e->u.bin.rhs = parse_expr(p, op.t == T_POW ? prec : prec + 1);
		if (!e->u.bin.rhs)
			break;
		e->end = e->u.bin.rhs->end;
		h = GT_MAX(h, p->h) + 1;
		if (!set_height(p, h, e->pos))
			break;
	}
	p->h = h;
	p->depth--;
	if (p->failed) {
		gt_pq_expr_free(lhs);
		return NULL;
	}
	return lhs;
}

/* --- type checks (Prometheus's checkAST), after a clean parse --- */

static const char *doc_type(enum gt_pq_type t)
{
	switch (t) {
	case GT_PQ_T_SCALAR: return "scalar";
	case GT_PQ_T_STRING: return "string";
	case GT_PQ_T_VECTOR: return "instant vector";
	case GT_PQ_T_MATRIX: return "range vector";
	default: return "none";
	}
}

static const char *val_type(enum gt_pq_type t)
{
	switch (t) {
	case GT_PQ_T_SCALAR: return "scalar";
	case GT_PQ_T_STRING: return "string";
	case GT_PQ_T_VECTOR: return "vector";
	case GT_PQ_T_MATRIX: return "matrix";
	default: return "none";
	}
}

static const char *binop_str(enum gt_pq_binop op)
{
	static const char *const s[] = {
		[GT_PQ_ADD] = "+", [GT_PQ_SUB] = "-", [GT_PQ_MUL] = "*", [GT_PQ_DIV] = "/", [GT_PQ_MOD] = "%",
		[GT_PQ_POW] = "^", [GT_PQ_ATAN2] = "atan2", [GT_PQ_EQL] = "==", [GT_PQ_NEQ] = "!=",
		[GT_PQ_LSS] = "<", [GT_PQ_GTR] = ">", [GT_PQ_LTE] = "<=", [GT_PQ_GTE] = ">=",
		[GT_PQ_AND] = "and", [GT_PQ_OR] = "or", [GT_PQ_UNLESS] = "unless",
	};
	return s[op];
}

static bool is_cmp(enum gt_pq_binop op)
{
	return op >= GT_PQ_EQL && op <= GT_PQ_GTE;
}

static bool is_set(enum gt_pq_binop op)
{
	return op >= GT_PQ_AND;
}

/* Where the operator of b starts: after its lhs and any space. */
static int op_pos(struct pq *p, const struct gt_pq_expr *b)
{
	int i = b->u.bin.lhs->end;
	while (i < p->n && is_space((unsigned char)p->q[i]))
		i++;
	return i;
}

static enum gt_pq_type check(struct pq *p, struct gt_pq_expr *e);

static void expect_type(struct pq *p, struct gt_pq_expr *e, enum gt_pq_type want, const char *context)
{
	enum gt_pq_type t = check(p, e);
	if (t != want)
		perr(p, e->pos, "expected type %s in %s, got %s", doc_type(want), context, doc_type(t));
}

static enum gt_pq_type check(struct pq *p, struct gt_pq_expr *e)
{
	switch (e->kind) {
	case GT_PQ_NUMBER:
		e->type = GT_PQ_T_SCALAR;
		break;
	case GT_PQ_STRING:
		e->type = GT_PQ_T_STRING;
		break;
	case GT_PQ_SELECTOR: {
		size_t nm = e->u.sel.nm;
		if (e->u.sel.metric) {
			for (size_t i = 0; i + 1 < nm; i++) {
				if (strcmp(e->u.sel.m[i].name, "__name__") == 0) {
					struct gt_buf b = {0};
					gt_buf_addstr(&b, "metric name must not be set twice: ");
					go_quote(&b, e->u.sel.metric, strlen(e->u.sel.metric));
					gt_buf_addstr(&b, " or ");
					go_quote(&b, e->u.sel.m[i].value, strlen(e->u.sel.m[i].value));
					perr(p, e->pos, "%s", b.p);
					gt_buf_release(&b);
				}
			}
		} else {
			bool not_empty = false;
			for (size_t i = 0; i < nm && !not_empty; i++)
				not_empty = !gt_pq_matcher_match(&e->u.sel.m[i], "", 0);
			if (!not_empty)
				perr(p, e->pos, "vector selector must contain at least one non-empty matcher");
		}
		e->type = e->u.sel.range ? GT_PQ_T_MATRIX : GT_PQ_T_VECTOR;
		break;
	}
	case GT_PQ_SUBQUERY: {
		enum gt_pq_type t = check(p, e->u.sub.e);
		if (t != GT_PQ_T_VECTOR)
			perr(p, e->pos, "subquery is only allowed on instant vector, got %s instead", val_type(t));
		e->type = GT_PQ_T_MATRIX;
		break;
	}
	case GT_PQ_CALL: {
		const struct gt_pq_func *f = e->u.call.fn;
		size_t n = e->u.call.nargs;
		if (f->variadic == 0) {
			if ((size_t)f->nargs != n)
				perr(p, e->pos, "expected %d argument(s) in call to \"%s\", got %zu", f->nargs, f->name, n);
		} else {
			size_t na = (size_t)f->nargs - 1;
			if (na > n)
				perr(p, e->pos, "expected at least %zu argument(s) in call to \"%s\", got %zu", na, f->name, n);
			else if (f->variadic > 0 && na + (size_t)f->variadic < n)
				perr(p, e->pos, "expected at most %zu argument(s) in call to \"%s\", got %zu",
				     na + (size_t)f->variadic, f->name, n);
		}
		for (size_t i = 0; i < n; i++) {
			size_t k = i;
			if (k >= (size_t)f->nargs) {
				if (f->variadic == 0)
					break;
				k = (size_t)f->nargs - 1;
			}
			char ctxs[96];
			snprintf(ctxs, sizeof ctxs, "call to function \"%s\"", f->name);
			expect_type(p, e->u.call.args[i], f->args[k], ctxs);
		}
		e->type = f->ret;
		break;
	}
	case GT_PQ_AGG:
		expect_type(p, e->u.agg.e, GT_PQ_T_VECTOR, "aggregation expression");
		if (e->u.agg.op == GT_PQ_TOPK || e->u.agg.op == GT_PQ_BOTTOMK || e->u.agg.op == GT_PQ_QUANTILE)
			expect_type(p, e->u.agg.param, GT_PQ_T_SCALAR, "aggregation parameter");
		if (e->u.agg.op == GT_PQ_COUNT_VALUES)
			expect_type(p, e->u.agg.param, GT_PQ_T_STRING, "aggregation parameter");
		e->type = GT_PQ_T_VECTOR;
		break;
	case GT_PQ_BINARY: {
		enum gt_pq_type lt = check(p, e->u.bin.lhs), rt = check(p, e->u.bin.rhs);
		enum gt_pq_binop op = e->u.bin.op;
		if (e->u.bin.bool_mod && !is_cmp(op))
			perr(p, op_pos(p, e), "bool modifier can only be used on comparison operators");
		if (is_cmp(op) && !e->u.bin.bool_mod && lt == GT_PQ_T_SCALAR && rt == GT_PQ_T_SCALAR)
			perr(p, op_pos(p, e), "comparisons between scalars must use BOOL modifier");
		if (is_set(op) && e->u.bin.card == GT_PQ_ONE_TO_ONE)
			e->u.bin.card = GT_PQ_MANY_TO_MANY;
		if (e->u.bin.on) {
			for (size_t i = 0; i < e->u.bin.nlabels; i++)
				for (size_t j = 0; j < e->u.bin.ninclude; j++)
					if (strcmp(e->u.bin.labels[i], e->u.bin.include[j]) == 0) {
						struct gt_buf b = {0};
						gt_buf_addstr(&b, "label ");
						go_quote(&b, e->u.bin.labels[i], strlen(e->u.bin.labels[i]));
						gt_buf_addstr(&b, " must not occur in ON and GROUP clause at once");
						perr(p, op_pos(p, e), "%s", b.p);
						gt_buf_release(&b);
					}
		}
		if (lt != GT_PQ_T_SCALAR && lt != GT_PQ_T_VECTOR)
			perr(p, e->u.bin.lhs->pos, "binary expression must contain only scalar and instant vector types");
		if (rt != GT_PQ_T_SCALAR && rt != GT_PQ_T_VECTOR)
			perr(p, e->u.bin.rhs->pos, "binary expression must contain only scalar and instant vector types");
		if (lt != GT_PQ_T_VECTOR || rt != GT_PQ_T_VECTOR) {
			if (e->u.bin.nlabels > 0)
				perr(p, e->pos, "vector matching only allowed between instant vectors");
			/* no vector matching between a scalar and anything */
			free_strv(e->u.bin.labels, e->u.bin.nlabels);
			free_strv(e->u.bin.include, e->u.bin.ninclude);
			e->u.bin.labels = e->u.bin.include = NULL;
			e->u.bin.nlabels = e->u.bin.ninclude = 0;
			e->u.bin.on = 0;
			e->u.bin.card = GT_PQ_ONE_TO_ONE;
		} else if (is_set(op)) {
			if (e->u.bin.card == GT_PQ_ONE_TO_MANY || e->u.bin.card == GT_PQ_MANY_TO_ONE)
				perr(p, e->pos, "no grouping allowed for \"%s\" operation", binop_str(op));
			if (e->u.bin.card != GT_PQ_MANY_TO_MANY)
				perr(p, e->pos, "set operations must always be many-to-many");
		}
		if ((lt == GT_PQ_T_SCALAR || rt == GT_PQ_T_SCALAR) && is_set(op))
			perr(p, e->pos, "set operator \"%s\" not allowed in binary scalar expression", binop_str(op));
		e->type = lt == GT_PQ_T_SCALAR && rt == GT_PQ_T_SCALAR ? GT_PQ_T_SCALAR : GT_PQ_T_VECTOR;
		break;
	}
	case GT_PQ_UNARY: {
		enum gt_pq_type t = check(p, e->u.un.e);
		if (t != GT_PQ_T_SCALAR && t != GT_PQ_T_VECTOR)
			perr(p, e->pos, "unary expression only allowed on expressions of type scalar or instant vector, got \"%s\"",
			     doc_type(t));
		e->type = t;
		break;
	}
	case GT_PQ_PAREN:
		e->type = check(p, e->u.paren);
		break;
	}
	return e->type;
}

int gt_pq_parse(const char *q, struct gt_pq_expr **out, struct gt_err *err)
{
	return gt_pq_parse_as(q, 0, out, err);
}

int gt_pq_parse_as(const char *q, int greptime, struct gt_pq_expr **out, struct gt_err *err)
{
	struct pq *p = calloc(1, sizeof *p);
	struct gt_pq_expr *e = NULL;
	size_t n = strlen(q);

	*out = NULL;
	if (!p)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	if (n > INT32_MAX / 2) {
		free(p);
		return gt_errf(err, GT_ETOOBIG, "query too long");
	}
	p->q = q;
	p->n = (int)n;
	p->greptime = greptime != 0;
	p->err = err;
	if (peek(p)->t == T_EOF) {
		perr(p, 0, "no expression found in input");
	} else {
		e = parse_expr(p, 0);
		if (e && peek(p)->t != T_EOF)
			unexpected(p);
		if (e && !p->failed)
			check(p, e);
	}
	int rc = 0;
	if (p->failed) {
		gt_pq_expr_free(e);
		e = NULL;
		rc = p->code;
	}
	free(p);
	*out = e;
	return rc;
}

/* --- printing (Prometheus's String()) --- */

/* model.Duration's String(): 1y, 1w, then d h m s ms. */
void gt_pq_duration_print(struct gt_buf *b, int64_t ms)
{
	static const struct {
		const char *unit;
		int64_t mult;
		bool exact;
	} units[] = {
		{"y", 365LL * 24 * 3600 * 1000, true}, {"w", 7LL * 24 * 3600 * 1000, true},
		{"d", 24LL * 3600 * 1000, false}, {"h", 3600 * 1000, false}, {"m", 60 * 1000, false},
		{"s", 1000, false}, {"ms", 1, false},
	};
	if (ms == 0) {
		gt_buf_addstr(b, "0s");
		return;
	}
	for (size_t i = 0; i < GT_ARRAY_LEN(units); i++) {
		if (units[i].exact && ms % units[i].mult != 0)
			continue;
		int64_t v = ms / units[i].mult;
		if (v > 0) {
			gt_buf_add_i64(b, v);
			gt_buf_addstr(b, units[i].unit);
			ms -= v * units[i].mult;
		}
	}
}

/* Go's %v of a float64: shortest digits, %e form when the exponent is < -4 or >= 21 (or 6 digits). */
static void print_number(struct gt_buf *b, double v)
{
	char digits[32];
	int e10;

	if (isnan(v)) {
		gt_buf_addstr(b, "NaN");
		return;
	}
	if (isinf(v)) {
		gt_buf_addstr(b, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (signbit(v))
		gt_buf_addch(b, '-');
	if (v == 0) {
		gt_buf_addch(b, '0');
		return;
	}
	int nd = gt_dtoa_digits(fabs(v), false, digits, &e10);
	if (e10 < -4 || e10 >= 6) {
		gt_buf_addch(b, digits[0]);
		if (nd > 1) {
			gt_buf_addch(b, '.');
			gt_buf_add(b, digits + 1, (size_t)nd - 1);
		}
		gt_buf_addf(b, "e%c%02d", e10 < 0 ? '-' : '+', e10 < 0 ? -e10 : e10);
		return;
	}
	if (e10 < 0) {
		gt_buf_addstr(b, "0.");
		for (int i = -1; i > e10; i--)
			gt_buf_addch(b, '0');
		gt_buf_add(b, digits, (size_t)nd);
		return;
	}
	for (int i = 0; i <= e10; i++)
		gt_buf_addch(b, i < nd ? digits[i] : '0');
	if (nd > e10 + 1) {
		gt_buf_addch(b, '.');
		gt_buf_add(b, digits + e10 + 1, (size_t)(nd - e10 - 1));
	}
}

static void print_at_offset(struct gt_buf *b, enum gt_pq_at at, int64_t at_time, int64_t offset)
{
	if (at == GT_PQ_AT_TIME) {
		uint64_t a = at_time < 0 ? (uint64_t)0 - (uint64_t)at_time : (uint64_t)at_time;
		gt_buf_addstr(b, at_time < 0 ? " @ -" : " @ ");
		gt_buf_add_u64(b, a / 1000);
		gt_buf_addf(b, ".%03u", (unsigned)(a % 1000));
	} else if (at == GT_PQ_AT_START) {
		gt_buf_addstr(b, " @ start()");
	} else if (at == GT_PQ_AT_END) {
		gt_buf_addstr(b, " @ end()");
	}
	if (offset > 0) {
		gt_buf_addstr(b, " offset ");
		gt_pq_duration_print(b, offset);
	} else if (offset < 0) {
		gt_buf_addstr(b, " offset -");
		gt_pq_duration_print(b, -offset);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A label name, quoted (as Prometheus 3 prints it) when it is not an identifier. */
static void print_label(struct gt_buf *b, const char *name)
{
	bool ident = isalpha((unsigned char)name[0]) || name[0] == '_';
	for (const char *c = name; ident && *c; c++)
		ident = isalnum((unsigned char)*c) || *c == '_';
	if (ident)
		gt_buf_addstr(b, name);
	else
		go_quote(b, name, strlen(name));
}

static void print_list(struct gt_buf *b, char **v, size_t n)
{
	gt_buf_addch(b, '(');
	for (size_t i = 0; i < n; i++) {
		if (i)
			gt_buf_addstr(b, ", ");
		print_label(b, v[i]);
	}
	gt_buf_addch(b, ')');
}

/* An aggregation's name and grouping: "sum by (host)". */
static void print_agg_head(const struct gt_pq_expr *e, struct gt_buf *b)
{
	static const char *const names[] = {
		[GT_PQ_SUM] = "sum", [GT_PQ_AVG] = "avg", [GT_PQ_MIN] = "min", [GT_PQ_MAX] = "max",
		[GT_PQ_COUNT] = "count", [GT_PQ_GROUP] = "group", [GT_PQ_STDDEV] = "stddev",
		[GT_PQ_STDVAR] = "stdvar", [GT_PQ_TOPK] = "topk", [GT_PQ_BOTTOMK] = "bottomk",
		[GT_PQ_QUANTILE] = "quantile", [GT_PQ_COUNT_VALUES] = "count_values",
	};
	gt_buf_addstr(b, names[e->u.agg.op]);
	if (e->u.agg.without || e->u.agg.ngrouping > 0) {
		gt_buf_addstr(b, e->u.agg.without ? " without " : " by ");
		print_list(b, e->u.agg.grouping, e->u.agg.ngrouping);
	}
}

/* A binary operator with its modifiers: "/ on (host) group_left (x)". */
static void print_binop_head(const struct gt_pq_expr *e, struct gt_buf *b)
{
	gt_buf_addstr(b, binop_str(e->u.bin.op));
	if (e->u.bin.bool_mod)
		gt_buf_addstr(b, " bool");
	if (e->u.bin.nlabels > 0 || e->u.bin.on) {
		gt_buf_addstr(b, e->u.bin.on ? " on " : " ignoring ");
		print_list(b, e->u.bin.labels, e->u.bin.nlabels);
		if (e->u.bin.card == GT_PQ_MANY_TO_ONE || e->u.bin.card == GT_PQ_ONE_TO_MANY) {
			gt_buf_addstr(b, e->u.bin.card == GT_PQ_MANY_TO_ONE ? " group_left " : " group_right ");
			print_list(b, e->u.bin.include, e->u.bin.ninclude);
		}
	}
}

/* A subquery's brackets, @ and offset: "[5m:1m] offset 1m". */
static void print_sub_tail(const struct gt_pq_expr *e, struct gt_buf *b)
{
	gt_buf_addch(b, '[');
	gt_pq_duration_print(b, e->u.sub.range);
	gt_buf_addch(b, ':');
	if (e->u.sub.step)
		gt_pq_duration_print(b, e->u.sub.step);
	gt_buf_addch(b, ']');
	print_at_offset(b, e->u.sub.at, e->u.sub.at_time, e->u.sub.offset);
}

static void print(const struct gt_pq_expr *e, struct gt_buf *b)
{
	switch (e->kind) {
	case GT_PQ_NUMBER:
		print_number(b, e->u.num);
		break;
	case GT_PQ_STRING:
		go_quote(b, e->u.str, strlen(e->u.str));
		break;
	case GT_PQ_SELECTOR: {
		const char *metric = e->u.sel.metric;
		char **ls = calloc(e->u.sel.nm + 1, sizeof *ls);
		size_t nl = 0;
		static const char *const ops[] = {"=", "!=", "=~", "!~"};
		if (metric)
			gt_buf_addstr(b, metric);
		for (size_t i = 0; ls && i < e->u.sel.nm; i++) {
			const struct gt_pq_matcher *m = &e->u.sel.m[i];
			if (metric && m->op == GT_PQ_M_EQ && strcmp(m->name, "__name__") == 0 && strcmp(m->value, metric) == 0)
				continue;
			struct gt_buf mb = {0};
			print_label(&mb, m->name);
			gt_buf_addstr(&mb, ops[m->op]);
			go_quote(&mb, m->value, strlen(m->value));
			ls[nl++] = gt_buf_detach(&mb, NULL);
		}
		if (nl) {
			qsort(ls, nl, sizeof *ls, cmp_str);
			gt_buf_addch(b, '{');
			for (size_t i = 0; i < nl; i++) {
				if (i)
					gt_buf_addch(b, ',');
				gt_buf_addstr(b, ls[i] ? ls[i] : "");
				free(ls[i]);
			}
			gt_buf_addch(b, '}');
		}
		free(ls);
		if (e->u.sel.range) {
			gt_buf_addch(b, '[');
			gt_pq_duration_print(b, e->u.sel.range);
			gt_buf_addch(b, ']');
		}
		print_at_offset(b, e->u.sel.at, e->u.sel.at_time, e->u.sel.offset);
		break;
	}
	case GT_PQ_SUBQUERY:
		print(e->u.sub.e, b);
		print_sub_tail(e, b);
		break;
	case GT_PQ_CALL:
		gt_buf_addstr(b, e->u.call.fn->name);
		gt_buf_addch(b, '(');
		for (size_t i = 0; i < e->u.call.nargs; i++) {
			if (i)
				gt_buf_addstr(b, ", ");
			print(e->u.call.args[i], b);
		}
		gt_buf_addch(b, ')');
		break;
	case GT_PQ_AGG: {
		print_agg_head(e, b);
		if (e->u.agg.without || e->u.agg.ngrouping > 0)
			gt_buf_addch(b, ' ');
		gt_buf_addch(b, '(');
		if (e->u.agg.param) {
			print(e->u.agg.param, b);
			gt_buf_addstr(b, ", ");
		}
		print(e->u.agg.e, b);
		gt_buf_addch(b, ')');
		break;
	}
	case GT_PQ_BINARY:
		print(e->u.bin.lhs, b);
		gt_buf_addch(b, ' ');
		print_binop_head(e, b);
		gt_buf_addch(b, ' ');
		print(e->u.bin.rhs, b);
		break;
	case GT_PQ_UNARY:
		gt_buf_addch(b, e->u.un.op);
		print(e->u.un.e, b);
		break;
	case GT_PQ_PAREN:
		gt_buf_addch(b, '(');
		print(e->u.paren, b);
		gt_buf_addch(b, ')');
		break;
	}
}

int gt_pq_expr_print_node(const struct gt_pq_expr *e, struct gt_buf *out)
{
	size_t before = out->len;

	switch (e->kind) {
	case GT_PQ_SUBQUERY: print_sub_tail(e, out); break;
	case GT_PQ_CALL: gt_buf_addstr(out, e->u.call.fn->name); break;
	case GT_PQ_AGG: print_agg_head(e, out); break;
	case GT_PQ_BINARY: print_binop_head(e, out); break;
	case GT_PQ_UNARY: gt_buf_addch(out, e->u.un.op); break;
	case GT_PQ_PAREN: gt_buf_addstr(out, "()"); break;
	default: print(e, out); break;   /* a leaf: the whole of it */
	}
	return out->len == before ? GT_ENOMEM : 0;
}

int gt_pq_expr_print(const struct gt_pq_expr *e, struct gt_buf *out)
{
	size_t before = out->len;

	print(e, out);
	/* gt_buf keeps its contents on a failed growth: a short result means one failed */
	if (!out->p && before == 0)
		return GT_ENOMEM;
	return 0;
}
