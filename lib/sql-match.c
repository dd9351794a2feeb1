/*
 * sql-match.c - GreptimeDB's full-text predicates over strings:
 *
 *   matches(text, 'query')   a boolean query: terms and "phrases" (each
 *                            matches where it occurs in the text), AND,
 *                            OR, parentheses, +must and -must-not.  AND
 *                            binds tighter than OR; juxtaposed clauses
 *                            form a Lucene-style group: every +clause
 *                            must hold, no -clause may, and when there
 *                            is no +clause at least one plain clause
 *                            must (a group of only -clauses holds when
 *                            none of them does).
 *   text @@ 'term'           matches_term: term occurs in text at word
 *                            boundaries, i.e. not glued to a letter or
 *                            digit on a side where the term itself
 *                            begins or ends with one.
 *
 * A query compiles once (sql_match_compile) into a node array it owns
 * and is then evaluated per row.  Ceilings: SQL_MATCH_MAX_NODES nodes,
 * nesting SQL_MATCH_MAX_DEPTH; past them, or on bad syntax, compiling
 * fails with a message.
 */
#include "sql-match.h"

#include <ctype.h>

enum { M_TERM = 1, M_AND, M_OR, M_SEQ };
enum { MOD_NONE = 0, MOD_MUST, MOD_NOT };

struct mnode {
	uint8_t kind, mod;     /* mod: this node's modifier inside a SEQ */
	const char *s;         /* M_TERM: bytes of the pattern (not terminated) */
	uint32_t n;
	uint32_t first, count; /* children: kids[first .. first + count) */
};

struct sql_match {
	struct mnode *nodes;
	uint32_t nnodes, root;
	uint32_t *kids;
	uint32_t nkids;
	char *text;            /* the pattern, owned */
};

struct mparse {
	struct sql_match *m;
	const char *p, *end;
	int depth;
	const char *err;
};

static void skip_ws(struct mparse *ps)
{
	while (ps->p < ps->end && isspace((unsigned char)*ps->p))
		ps->p++;
}

static bool at_word(struct mparse *ps, const char *w)
{
	size_t n = strlen(w);
	skip_ws(ps);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n))
		return false;
	const char *q = ps->p + n;
	return q == ps->end || isspace((unsigned char)*q) || *q == '(' || *q == '"' || *q == '+' || *q == '-';
}

static int new_node(struct mparse *ps, uint8_t kind)
{
	struct sql_match *m = ps->m;
	if (m->nnodes >= SQL_MATCH_MAX_NODES) {
		ps->err = "query too long";
		return -1;
	}
	m->nodes[m->nnodes] = (struct mnode){.kind = kind};
	return (int)m->nnodes++;
}

/* Children are collected on a scratch list, then copied contiguously. */
static int add_kids(struct mparse *ps, int node, const uint32_t *v, uint32_t n)
{
	struct sql_match *m = ps->m;
	if (m->nkids + n > SQL_MATCH_MAX_NODES * 2) {
		ps->err = "query too long";
		return -1;
	}
	memcpy(m->kids + m->nkids, v, (size_t)n * sizeof(*v));
	m->nodes[node].first = m->nkids;
	m->nodes[node].count = n;
	m->nkids += n;
	return node;
}

static int p_or(struct mparse *ps);

static int p_item(struct mparse *ps)
{
	uint8_t mod = MOD_NONE;
	int x;
	skip_ws(ps);
	if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) {
		mod = *ps->p == '+' ? MOD_MUST : MOD_NOT;
		ps->p++;
	}
	if (ps->p >= ps->end) {
		ps->err = "unexpected end of query";
		return -1;
	}
	if (*ps->p == '(') {
		ps->p++;
		if (++ps->depth > SQL_MATCH_MAX_DEPTH) {
			ps->err = "query nested too deeply";
			return -1;
		}
		x = p_or(ps);
		ps->depth--;
		skip_ws(ps);
		if (x < 0)
			return -1;
		if (ps->p >= ps->end || *ps->p != ')') {
			ps->err = "missing ')'";
			return -1;
		}
		ps->p++;
	} else if (*ps->p == '"') {
		const char *q = memchr(ps->p + 1, '"', (size_t)(ps->end - ps->p - 1));
		if (!q) {
			ps->err = "missing closing '\"'";
			return -1;
		}
		if ((x = new_node(ps, M_TERM)) < 0)
			return -1;
		ps->m->nodes[x].s = ps->p + 1;
		ps->m->nodes[x].n = (uint32_t)(q - ps->p - 1);
		ps->p = q + 1;
	} else {
		const char *q = ps->p;
		while (q < ps->end && !isspace((unsigned char)*q) && *q != '(' && *q != ')' && *q != '"')
			q++;
		if (q == ps->p) {
			ps->err = "expected a term";
			return -1;
		}
		if ((x = new_node(ps, M_TERM)) < 0)
			return -1;
		ps->m->nodes[x].s = ps->p;
		ps->m->nodes[x].n = (uint32_t)(q - ps->p);
		ps->p = q;
	}
	ps->m->nodes[x].mod = mod;
	return x;
}

static bool seq_end(struct mparse *ps)
{
	skip_ws(ps);
	return ps->p >= ps->end || *ps->p == ')' || at_word(ps, "AND") || at_word(ps, "OR");
}

static int p_seq(struct mparse *ps)
{
	uint32_t v[SQL_MATCH_MAX_NODES];
	uint32_t n = 0;
	int x;
	while (!seq_end(ps)) {
		if ((x = p_item(ps)) < 0)
			return -1;
		if (n >= SQL_MATCH_MAX_NODES) {
			ps->err = "query too long";
			return -1;
		}
		v[n++] = (uint32_t)x;
	}
	if (!n) {
		ps->err = "expected a term";
		return -1;
	}
	if ((x = new_node(ps, M_SEQ)) < 0)
		return -1;
	return add_kids(ps, x, v, n);
}

static int p_bin(struct mparse *ps, uint8_t kind)
{
	uint32_t v[SQL_MATCH_MAX_NODES];
	uint32_t n = 0;
	int x;
	for (;;) {
		if ((x = kind == M_OR ? p_bin(ps, M_AND) : p_seq(ps)) < 0)
			return -1;
		if (n >= SQL_MATCH_MAX_NODES) {
			ps->err = "query too long";
			return -1;
		}
		v[n++] = (uint32_t)x;
		if (!at_word(ps, kind == M_OR ? "OR" : "AND"))
			break;
		ps->p += kind == M_OR ? 2 : 3;
	}
	if (n == 1)
		return (int)v[0];
	if ((x = new_node(ps, kind)) < 0)
		return -1;
	return add_kids(ps, x, v, n);
}

static int p_or(struct mparse *ps)
{
	return p_bin(ps, M_OR);
}

void sql_match_free(struct sql_match *m)
{
	if (!m)
		return;
	free(m->nodes);
	free(m->kids);
	free(m->text);
	free(m);
}

int sql_match_compile(const char *pat, size_t n, struct sql_match **out, const char **err)
{
	struct sql_match *m = gt_calloc(1, sizeof(*m));
	*out = NULL;
	*err = "out of memory";
	if (!m)
		return GT_ENOMEM;
	m->nodes = gt_calloc(SQL_MATCH_MAX_NODES, sizeof(*m->nodes));
	m->kids = gt_calloc(SQL_MATCH_MAX_NODES * 2, sizeof(*m->kids));
	m->text = gt_malloc(n + 1);
	if (!m->nodes || !m->kids || !m->text) {
		sql_match_free(m);
		return GT_ENOMEM;
	}
	memcpy(m->text, pat, n);
	m->text[n] = 0;
	struct mparse ps = {.m = m, .p = m->text, .end = m->text + n};
	int root = p_or(&ps);
	skip_ws(&ps);
	if (root >= 0 && ps.p < ps.end)
		ps.err = *ps.p == ')' ? "unbalanced ')'" : "unexpected text";
	if (root < 0 || ps.err) {
		*err = ps.err ? ps.err : "invalid query";
		sql_match_free(m);
		return GT_EINVAL;
	}
	m->root = (uint32_t)root;
	*out = m;
	return 0;
}

static bool contains(const char *s, size_t n, const char *t, size_t tn)
{
	if (tn == 0)
		return true;
	for (size_t i = 0; i + tn <= n; i++)
		if (s[i] == t[0] && !memcmp(s + i, t, tn))
			return true;
	return false;
}

static bool eval(const struct sql_match *m, uint32_t k, const char *s, size_t n)
{
	const struct mnode *x = &m->nodes[k];
	const uint32_t *kid = m->kids + x->first;
	switch (x->kind) {
	case M_TERM:
		return contains(s, n, x->s, x->n);
	case M_AND:
		for (uint32_t i = 0; i < x->count; i++)
			if (!eval(m, kid[i], s, n))
				return false;
		return true;
	case M_OR:
		for (uint32_t i = 0; i < x->count; i++)
			if (eval(m, kid[i], s, n))
				return true;
		return false;
	default: {
		bool must = false, should = false, any_should = false;
		for (uint32_t i = 0; i < x->count; i++) {
			uint8_t mod = m->nodes[kid[i]].mod;
			bool v = eval(m, kid[i], s, n);
			if (mod == MOD_MUST) {
				if (!v)
					return false;
				must = true;
			} else if (mod == MOD_NOT) {
				if (v)
					return false;
			} else {
				should = true;
				any_should |= v;
			}
		}
		return must || !should || any_should;
	}
	}
}

bool sql_match_eval(const struct sql_match *m, const char *s, size_t n)
{
	return eval(m, m->root, s, n);
}

/* A letter or digit: ASCII alphanumerics and every non-ASCII character
 * (the letters of other scripts, as Unicode counts them). */
static bool word_byte(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

bool sql_match_term(const char *s, size_t n, const char *t, size_t tn)
{
	if (tn == 0)
		return n == 0;
	bool left = word_byte((unsigned char)t[0]), right = word_byte((unsigned char)t[tn - 1]);
	for (size_t i = 0; i + tn <= n; i++) {
		if (memcmp(s + i, t, tn))
			continue;
		if (left && i > 0 && word_byte((unsigned char)s[i - 1]))
			continue;
		if (right && i + tn < n && word_byte((unsigned char)s[i + tn]))
			continue;
		return true;
	}
	return false;
}
