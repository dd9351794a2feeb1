/*
 * sql-lex.c - the SQL lexer and the arena every parse allocates from.
 *
 * Tokens keep their line and column (1-based, columns count bytes) for
 * error messages.  Strings and quoted identifiers are unescaped into the
 * arena ('' inside '...', "" inside "...", `` inside `...`, and the
 * backslash escapes MySQL accepts).  Comments: -- to end of line and
 * block comments.
 */
#include "sql-ast.h"

#include <ctype.h>

struct sql_arena_block {
	struct sql_arena_block *next;
	size_t used, cap;
	max_align_t data[];
};

#define ARENA_BLOCK (64u << 10)
#define ARENA_MAX ((size_t)GT_SQL_MAX_TEXT * 16)

void *sql_alloc(struct sql_arena *a, size_t n)
{
	struct sql_arena_block *b = a->head;
	n = (n + 15) & ~(size_t)15;
	if (n > ARENA_MAX || a->used + n > ARENA_MAX)
		return NULL;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		b = gt_malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->next = a->head;
		b->used = 0;
		b->cap = cap;
		a->head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	a->used += n;
	memset(p, 0, n);
	return p;
}

char *sql_strndup(struct sql_arena *a, const char *s, size_t n)
{
	char *p = sql_alloc(a, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

void sql_arena_free(struct sql_arena *a)
{
	struct sql_arena_block *b = a->head;
	while (b) {
		struct sql_arena_block *n = b->next;
		free(b);
		b = n;
	}
	a->head = NULL;
	a->used = 0;
}

int sql_err(struct gt_sql_error *e, int status, const char *fmt, ...)
{
	va_list ap;
	e->status = status;
	e->line = e->col = 0;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	switch (status) {
	case GT_STATUS_TABLE_NOT_FOUND:
	case GT_STATUS_DATABASE_NOT_FOUND:
	case GT_STATUS_TABLE_COLUMN_NOT_FOUND:
		return GT_ENOTFOUND;
	case GT_STATUS_TABLE_ALREADY_EXISTS:
	case GT_STATUS_DATABASE_ALREADY_EXISTS:
	case GT_STATUS_TABLE_COLUMN_EXISTS:
		return GT_EEXIST;
	case GT_STATUS_UNSUPPORTED:
		return GT_EUNSUPP;
	case GT_STATUS_INTERNAL:
	case GT_STATUS_STORAGE_UNAVAILABLE:
		return GT_EIO;
	default:
		return GT_EINVAL;
	}
}

static int lex_err(struct gt_sql_error *e, uint32_t line, uint32_t col, const char *what)
{
	sql_err(e, GT_STATUS_INVALID_SYNTAX, "Invalid SQL syntax: sql parser error: %s at Line: %u, Column: %u",
		what, line, col);
	e->line = line;
	e->col = col;
	return GT_EINVAL;
}

/* VERBOSE after TQL EXPLAIN or ANALYZE (toks[n-1] the verb) is a keyword; after EVAL, and
 * anywhere else, the PromQL begins (a metric may be called verbose). */
static bool tql_verbose(const struct sql_token *toks, uint32_t n, const char *s, size_t len)
{
	const struct sql_token *v = &toks[n - 1];
	if (v->n != 7 || (strncasecmp(v->s, "explain", 7) && strncasecmp(v->s, "analyze", 7)))
		return false;
	return len >= 7 && strncasecmp(s, "verbose", 7) == 0 &&
	       (len == 7 || !(isalnum((unsigned char)s[7]) || s[7] == '_' || s[7] == ':' || s[7] == '{'));
}

static const char *const ops[] = {
	"<>", "<=", ">=", "!=", "==", "||", "::", "@@",
	"(", ")", ",", ";", "+", "-", "*", "/", "%", "=", "<", ">", ".", "[", "]",
};

int sql_lex(struct sql_arena *a, const char *s, size_t len, struct sql_token **toks,
	    uint32_t *ntoks, struct gt_sql_error *e)
{
	struct sql_token *t = NULL;
	uint32_t n = 0, cap = 0, line = 1;
	size_t i = 0, linestart = 0;
	/* TQL: 1 after TQL at a statement's start, 2 after its verb, 3 inside
	 * its (...) at depth tql_depth, 4 after them; the PromQL is then one T_RAW */
	int tql = 0, tql_depth = 0;
	bool tql_cte = false;   /* TQL as a CTE's body: its PromQL ends at the ')' closing the CTE */

	if (len > GT_SQL_MAX_TEXT)
		return sql_err(e, GT_STATUS_INVALID_SYNTAX, "SQL text is longer than %u bytes", GT_SQL_MAX_TEXT);
	for (;;) {
		/* Skip blanks and comments. */
		while (i < len) {
			char c = s[i];
			if (c == '\n') {
				line++;
				linestart = ++i;
			} else if (isspace((unsigned char)c)) {
				i++;
			} else if (c == '-' && i + 1 < len && s[i + 1] == '-') {
				while (i < len && s[i] != '\n')
					i++;
			} else if (c == '/' && i + 1 < len && s[i + 1] == '*') {
				uint32_t l0 = line, c0 = (uint32_t)(i - linestart + 1);
				i += 2;
				while (i + 1 < len && !(s[i] == '*' && s[i + 1] == '/')) {
					if (s[i] == '\n') {
						line++;
						linestart = i + 1;
					}
					i++;
				}
				if (i + 1 >= len)
					return lex_err(e, l0, c0, "Unterminated block comment");
				i += 2;
			} else {
				break;
			}
		}
		if (n == cap) {
			uint32_t nc = cap ? cap * 2 : 64;
			if (nc > GT_SQL_MAX_TEXT)
				return sql_err(e, GT_STATUS_INVALID_SYNTAX, "too many tokens");
			struct sql_token *nt = sql_alloc(a, (size_t)nc * sizeof(*nt));
			if (!nt)
				return sql_err(e, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, "out of memory");
			if (n)
				memcpy(nt, t, (size_t)n * sizeof(*nt));
			t = nt;
			cap = nc;
		}
		struct sql_token *k = &t[n];
		memset(k, 0, sizeof(*k));
		k->line = line;
		k->col = (uint32_t)(i - linestart + 1);
		k->off = i;
		if (i < len && ((tql == 2 && s[i] != '(' && !tql_verbose(t, n, s + i, len - i)) || tql == 4)) {
			/* the PromQL runs to a ';' outside its quotes (a ',' after the parameters is allowed) */
			if (tql == 4 && s[i] == ',') {
				i++;
				while (i < len && isspace((unsigned char)s[i])) {
					if (s[i] == '\n') {
						line++;
						linestart = i + 1;
					}
					i++;
				}
				k->col = (uint32_t)(i - linestart + 1);
				k->line = line;
				k->off = i;
			}
			size_t st = i;
			char q = 0;
			int depth = 0;
			for (; i < len && (q || (s[i] != ';' && !(tql_cte && s[i] == ')' && depth == 0))); i++) {
				if (s[i] == '\\' && q && q != '`' && i + 1 < len)
					i++;
				else if (q && s[i] == q)
					q = 0;
				else if (!q && (s[i] == '\'' || s[i] == '"' || s[i] == '`'))
					q = s[i];
				else if (!q)
					depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
				if (i < len && s[i] == '\n') {
					line++;
					linestart = i + 1;
				}
			}
			size_t end = i;
			while (end > st && isspace((unsigned char)s[end - 1]))
				end--;
			k->kind = T_RAW;
			k->s = s + st;
			k->n = end - st;
			tql = 0;
			n++;
			continue;
		}
		if (i >= len) {
			k->kind = T_EOF;
			k->s = "";
			n++;
			break;
		}
		char c = s[i];
		if (isalpha((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80) {
			size_t st = i;
			while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '$' ||
					   (unsigned char)s[i] >= 0x80))
				i++;
			if (i - st > GT_NAME_MAX)
				return lex_err(e, k->line, k->col, "identifier is longer than 255 bytes");
			k->kind = T_IDENT;
			k->s = s + st;
			k->n = i - st;
			bool at_start = n == 0 || (t[n - 1].kind == T_OP && t[n - 1].n == 1 && t[n - 1].s[0] == ';');
			/* WITH name [(cols)] AS (TQL ...): a CTE's body */
			bool in_cte = n >= 2 && t[n - 1].kind == T_OP && t[n - 1].n == 1 && t[n - 1].s[0] == '(' &&
				      t[n - 2].kind == T_IDENT && t[n - 2].n == 2 && strncasecmp(t[n - 2].s, "as", 2) == 0;
			if (tql == 0 && (at_start || in_cte) && k->n == 3 && strncasecmp(k->s, "tql", 3) == 0) {
				tql = 1;
				tql_cte = in_cte;
			}
			else if (tql == 1 || (tql == 2 && k->n == 7 && strncasecmp(k->s, "verbose", 7) == 0))
				tql = 2;
		} else if (isdigit((unsigned char)c) || (c == '.' && i + 1 < len && isdigit((unsigned char)s[i + 1]))) {
			size_t st = i;
			bool fl = false;
			while (i < len && isdigit((unsigned char)s[i]))
				i++;
			if (i < len && s[i] == '.') {
				fl = true;
				i++;
				while (i < len && isdigit((unsigned char)s[i]))
					i++;
			}
			if (i < len && (s[i] == 'e' || s[i] == 'E')) {
				size_t j = i + 1;
				if (j < len && (s[j] == '+' || s[j] == '-'))
					j++;
				if (j < len && isdigit((unsigned char)s[j])) {
					fl = true;
					i = j;
					while (i < len && isdigit((unsigned char)s[i]))
						i++;
				}
			}
			if (i - st > 400)
				return lex_err(e, k->line, k->col, "number is too long");
			k->kind = fl ? T_FLOAT : T_INT;
			k->s = s + st;
			k->n = i - st;
		} else if (c == '\'' || c == '"' || c == '`') {
			char q = c;
			struct gt_buf b;
			gt_buf_init(&b, GT_SQL_MAX_STR);
			i++;
			for (;;) {
				if (i >= len) {
					gt_buf_release(&b);
					return lex_err(e, k->line, k->col, "Unterminated string literal");
				}
				char d = s[i];
				if (d == q) {
					if (i + 1 < len && s[i + 1] == q) {
						if (gt_buf_addch(&b, q) < 0)
							goto toolong;
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (d == '\\' && q != '`' && i + 1 < len) {
					char x = s[i + 1];
					char o = x == 'n' ? '\n' : x == 't' ? '\t' : x == 'r' ? '\r' : x == '0' ? '\0' : x;
					if (gt_buf_addch(&b, o) < 0)
						goto toolong;
					i += 2;
					continue;
				}
				if (d == '\n') {
					line++;
					linestart = i + 1;
				}
				if (gt_buf_addch(&b, d) < 0)
					goto toolong;
				i++;
			}
			k->kind = q == '\'' ? T_STR : q == '"' ? T_DQSTR : T_QIDENT;
			if (q != '\'' && b.len > GT_NAME_MAX && q == '`') {
				gt_buf_release(&b);
				return lex_err(e, k->line, k->col, "identifier is longer than 255 bytes");
			}
			k->s = sql_strndup(a, b.p ? b.p : "", b.len);
			k->n = b.len;
			gt_buf_release(&b);
			if (!k->s)
				return sql_err(e, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, "out of memory");
			n++;
			continue;
toolong:
			gt_buf_release(&b);
			return lex_err(e, k->line, k->col, "string literal is too long");
		} else if (c == '?' || (c == '$' && i + 1 < len && isdigit((unsigned char)s[i + 1]))) {
			size_t st = i++;
			while (c == '$' && i < len && isdigit((unsigned char)s[i]))
				i++;
			if (i - st > 11)
				return lex_err(e, k->line, k->col, "placeholder number is too large");
			k->kind = T_PARAM;
			k->s = s + st;
			k->n = i - st;
		} else {
			size_t j;
			for (j = 0; j < GT_ARRAY_LEN(ops); j++) {
				size_t ol = strlen(ops[j]);
				if (i + ol <= len && !memcmp(s + i, ops[j], ol))
					break;
			}
			if (j == GT_ARRAY_LEN(ops)) {
				char what[64];
				snprintf(what, sizeof(what), "Unexpected character '%c'", isprint((unsigned char)c) ? c : '?');
				return lex_err(e, k->line, k->col, what);
			}
			k->kind = T_OP;
			k->s = ops[j];
			k->n = strlen(ops[j]);
			i += k->n;
			if (tql == 2 && k->n == 1 && k->s[0] == '(') {
				tql = 3;
				tql_depth = 1;
			} else if (tql == 3 && k->n == 1 && k->s[0] == '(') {
				tql_depth++;
			} else if (tql == 3 && k->n == 1 && k->s[0] == ')' && --tql_depth == 0) {
				tql = 4;
			}
		}
		n++;
	}
	*toks = t;
	*ntoks = n;
	return 0;
}
