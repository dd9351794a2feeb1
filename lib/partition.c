/*
 * partition.c - partition rules (partition.h): the expression language,
 * its canonical text, GreptimeDB's coverage check and row routing.
 *
 * An expression is parsed into a small tree of AND/OR nodes over
 * comparisons "partition column op constant" (a constant on the left is
 * turned around).  Trees of all the expressions of a rule live in one
 * node pool of the plan; string constants in one byte buffer.
 */
#include "partition.h"
#include "dtoa.h"
#include "key.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#define PART_MAX_EXPRS 4096
#define PART_MAX_TEXT (64u << 10)
#define PART_MAX_POINTS (1u << 20)   /* coverage check: points tried at most */

enum { PN_CMP = 1, PN_AND, PN_OR };
enum { PO_EQ = 1, PO_NE, PO_LT, PO_LE, PO_GT, PO_GE };
enum { PL_INT = 1, PL_FLOAT, PL_STR };

struct plit {
	uint8_t kind;
	int64_t i;
	double f;
	uint32_t off, n;      /* PL_STR: bytes in the plan's string buffer */
};

struct pnode {
	uint8_t kind, op;
	uint32_t col;         /* PN_CMP: index into the rule's columns */
	struct plit lit;
	int32_t a, b;         /* PN_AND, PN_OR: child node indexes */
};

struct gt_part_plan {
	uint32_t ncols, nexprs;
	int *schema_col;          /* per partition column: schema index */
	int32_t *root;            /* per expression: its root node */
	struct pnode *nodes;
	uint32_t nnodes, capnodes;
	struct gt_buf strs;
	const struct gt_schema *sc;  /* borrowed for the plan's life */
	char **colname;           /* borrowed from the rule */
};

/* ---- parsing ---- */

struct lexer {
	const char *s;
	size_t n, i;
	struct gt_part_plan *pl;
	const char *text;         /* the whole expression, for messages */
	struct gt_err *err;
};

static void skip_ws(struct lexer *lx)
{
	while (lx->i < lx->n && (lx->s[lx->i] == ' ' || lx->s[lx->i] == '\t' || lx->s[lx->i] == '\n' ||
				 lx->s[lx->i] == '\r'))
		lx->i++;
}

static int bad(struct lexer *lx, const char *why)
{
	return gt_errf(lx->err, GT_EINVAL, "Invalid partition expr '%s': %s", lx->text, why);
}

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool at_word(struct lexer *lx, const char *w)
{
	size_t k = strlen(w);
	return lx->i + k <= lx->n && !strncasecmp(lx->s + lx->i, w, k) &&
	       (lx->i + k == lx->n || !is_word_char(lx->s[lx->i + k]));
}

static int new_node(struct gt_part_plan *pl, struct lexer *lx)
{
	if (pl->nnodes == pl->capnodes) {
		uint32_t cap = pl->capnodes ? pl->capnodes * 2 : 16;
		struct pnode *v = gt_reallocarray(pl->nodes, cap, sizeof(*v));
		if (!v)
			return gt_errf(lx->err, GT_ENOMEM, "out of memory");
		pl->nodes = v;
		pl->capnodes = cap;
	}
	memset(&pl->nodes[pl->nnodes], 0, sizeof(pl->nodes[0]));
	return (int)pl->nnodes++;
}

/* An operand: 1 = column (*col), 2 = constant (*lit), or a negative code. */
static int operand(struct lexer *lx, uint32_t *col, struct plit *lit)
{
	const char *s = lx->s;
	bool neg = false;
	skip_ws(lx);
	if (lx->i >= lx->n)
		return bad(lx, "expected a column or a value");
	if (s[lx->i] == '`' || s[lx->i] == '"' || ((s[lx->i] >= 'a' && s[lx->i] <= 'z') ||
						   (s[lx->i] >= 'A' && s[lx->i] <= 'Z') || s[lx->i] == '_')) {
		char q = s[lx->i], name[GT_NAME_MAX + 1];
		size_t k = 0;
		if (q == '`' || q == '"') {
			lx->i++;
			while (lx->i < lx->n && k < GT_NAME_MAX) {
				if (s[lx->i] == q) {
					if (lx->i + 1 < lx->n && s[lx->i + 1] == q) {
						name[k++] = q;
						lx->i += 2;
						continue;
					}
					break;
				}
				name[k++] = s[lx->i++];
			}
			if (lx->i >= lx->n || s[lx->i] != q)
				return bad(lx, "unterminated quoted column name");
			lx->i++;
		} else {
			while (lx->i < lx->n && is_word_char(s[lx->i]) && k < GT_NAME_MAX)
				name[k++] = s[lx->i++];
			if (k == 4 && (!strncasecmp(name, "true", 4)))
				return bad(lx, "boolean values cannot partition a table");
		}
		name[k] = 0;
		for (uint32_t c = 0; c < lx->pl->ncols; c++)
			if (!strcmp(lx->pl->colname[c], name)) {
				*col = c;
				return 1;
			}
		for (uint32_t c = 0; c < lx->pl->ncols; c++)
			if (!strcasecmp(lx->pl->colname[c], name)) {
				*col = c;
				return 1;
			}
		return gt_errf(lx->err, GT_EINVAL, "Invalid partition expr '%s': column %s is not a partition column",
			       lx->text, name);
	}
	memset(lit, 0, sizeof(*lit));
	if (s[lx->i] == '\'') {
		lit->kind = PL_STR;
		lit->off = (uint32_t)lx->pl->strs.len;
		for (lx->i++;; lx->i++) {
			if (lx->i >= lx->n)
				return bad(lx, "unterminated string");
			if (s[lx->i] == '\'') {
				if (lx->i + 1 < lx->n && s[lx->i + 1] == '\'') {
					lx->i++;
				} else {
					lx->i++;
					break;
				}
			}
			if (gt_buf_addch(&lx->pl->strs, s[lx->i]))
				return gt_errf(lx->err, GT_ENOMEM, "out of memory");
		}
		lit->n = (uint32_t)(lx->pl->strs.len - lit->off);
		return 2;
	}
	while (lx->i < lx->n && (s[lx->i] == '-' || s[lx->i] == '+')) {
		neg ^= s[lx->i] == '-';
		lx->i++;
		skip_ws(lx);
	}
	{
		char num[64], *end;
		size_t k = 0;
		bool flt = false;
		while (lx->i < lx->n && k + 1 < sizeof(num) &&
		       ((s[lx->i] >= '0' && s[lx->i] <= '9') || s[lx->i] == '.' || s[lx->i] == 'e' || s[lx->i] == 'E' ||
			((s[lx->i] == '-' || s[lx->i] == '+') && k && (num[k - 1] == 'e' || num[k - 1] == 'E')))) {
			flt |= s[lx->i] == '.' || s[lx->i] == 'e' || s[lx->i] == 'E';
			num[k++] = s[lx->i++];
		}
		num[k] = 0;
		if (!k)
			return bad(lx, "expected a column or a value");
		errno = 0;
		if (!flt) {
			long long v = strtoll(num, &end, 10);
			if (*end || errno == ERANGE)
				flt = true;
			else {
				lit->kind = PL_INT;
				lit->i = neg ? -(int64_t)v : (int64_t)v;
				lit->f = (double)lit->i;
				return 2;
			}
		}
		lit->f = strtod(num, &end);
		if (*end)
			return bad(lx, "bad number");
		lit->kind = PL_FLOAT;
		if (neg)
			lit->f = -lit->f;
		return 2;
	}
}

static int read_op(struct lexer *lx)
{
	const char *s = lx->s + lx->i;
	size_t left = lx->n - lx->i;
	skip_ws(lx);
	s = lx->s + lx->i;
	left = lx->n - lx->i;
	if (left >= 2 && (!strncmp(s, "<>", 2) || !strncmp(s, "!=", 2)))
		return lx->i += 2, PO_NE;
	if (left >= 2 && !strncmp(s, "<=", 2))
		return lx->i += 2, PO_LE;
	if (left >= 2 && !strncmp(s, ">=", 2))
		return lx->i += 2, PO_GE;
	if (left >= 1 && *s == '<')
		return lx->i += 1, PO_LT;
	if (left >= 1 && *s == '>')
		return lx->i += 1, PO_GT;
	if (left >= 1 && *s == '=')
		return lx->i += 1, PO_EQ;
	return bad(lx, "expected a comparison (=, <>, <, <=, >, >=)");
}

static int flip(int op)
{
	switch (op) {
	case PO_LT: return PO_GT;
	case PO_LE: return PO_GE;
	case PO_GT: return PO_LT;
	case PO_GE: return PO_LE;
	}
	return op;
}

static int parse_or(struct lexer *lx, int depth);

static int parse_cmp(struct lexer *lx, int depth)
{
	uint32_t col = 0, col2 = 0;
	struct plit lit, lit2;
	int k1, k2, op, nd;
	skip_ws(lx);
	if (lx->i < lx->n && lx->s[lx->i] == '(') {
		lx->i++;
		if ((nd = parse_or(lx, depth + 1)) < 0)
			return nd;
		skip_ws(lx);
		if (lx->i >= lx->n || lx->s[lx->i] != ')')
			return bad(lx, "expected ')'");
		lx->i++;
		return nd;
	}
	if ((k1 = operand(lx, &col, &lit)) < 0 || (op = read_op(lx)) < 0 || (k2 = operand(lx, &col2, &lit2)) < 0)
		return k1 < 0 ? k1 : op < 0 ? op : k2;
	if (k1 == k2)
		return bad(lx, k1 == 1 ? "compares two columns" : "compares two values");
	if (k1 == 2) {
		col = col2;
		op = flip(op);
	} else {
		lit = lit2;
	}
	if ((nd = new_node(lx->pl, lx)) < 0)
		return nd;
	lx->pl->nodes[nd].kind = PN_CMP;
	lx->pl->nodes[nd].op = (uint8_t)op;
	lx->pl->nodes[nd].col = col;
	lx->pl->nodes[nd].lit = lit;
	return nd;
}

static int parse_bin(struct lexer *lx, int depth, bool or)
{
	int a, b, nd;
	if (depth > 64)
		return bad(lx, "nested too deeply");
	if ((a = or ? parse_bin(lx, depth + 1, false) : parse_cmp(lx, depth + 1)) < 0)
		return a;
	for (;;) {
		skip_ws(lx);
		if (!at_word(lx, or ? "or" : "and"))
			return a;
		lx->i += or ? 2 : 3;
		if ((b = or ? parse_bin(lx, depth + 1, false) : parse_cmp(lx, depth + 1)) < 0)
			return b;
		if ((nd = new_node(lx->pl, lx)) < 0)
			return nd;
		lx->pl->nodes[nd].kind = or ? PN_OR : PN_AND;
		lx->pl->nodes[nd].a = a;
		lx->pl->nodes[nd].b = b;
		a = nd;
	}
}

static int parse_or(struct lexer *lx, int depth)
{
	return parse_bin(lx, depth, true);
}

/* Check a constant against its column's type. */
static int check_lit(struct lexer *lx, const struct pnode *x)
{
	const struct gt_coldef *c = &lx->pl->sc->cols[lx->pl->schema_col[x->col]];
	bool str = c->type == GT_STRING, num = c->type == GT_I64 || c->type == GT_U64 || c->type == GT_F64 ||
						   c->type == GT_TS;
	if ((str && x->lit.kind == PL_STR) || (num && x->lit.kind != PL_STR))
		return 0;
	return gt_errf(lx->err, GT_EINVAL, "Invalid partition expr '%s': a %s value cannot be compared with column %s",
		       lx->text, x->lit.kind == PL_STR ? "string" : "number", c->name);
}

static int check_tree(struct lexer *lx, int nd)
{
	const struct pnode *x = &lx->pl->nodes[nd];
	int rc;
	if (x->kind == PN_CMP)
		return check_lit(lx, x);
	if ((rc = check_tree(lx, x->a)))
		return rc;
	return check_tree(lx, lx->pl->nodes[nd].b);
}

/* Parse text as expression e of the plan. */
static int parse_expr(struct gt_part_plan *pl, uint32_t e, const char *text, struct gt_err *err)
{
	struct lexer lx = {.s = text, .n = strlen(text), .pl = pl, .text = text, .err = err};
	int nd;
	if (lx.n > PART_MAX_TEXT)
		return gt_errf(err, GT_ETOOBIG, "partition expression longer than %u bytes", PART_MAX_TEXT);
	if ((nd = parse_or(&lx, 0)) < 0)
		return nd;
	skip_ws(&lx);
	if (lx.i < lx.n)
		return bad(&lx, "unexpected text after the expression");
	pl->root[e] = nd;
	return check_tree(&lx, nd);
}

void gt_part_plan_free(struct gt_part_plan *pl)
{
	if (!pl)
		return;
	free(pl->schema_col);
	free(pl->root);
	free(pl->nodes);
	gt_buf_release(&pl->strs);
	free(pl);
}

static int plan_new(struct gt_part_plan **out, char **cols, uint32_t ncols, uint32_t nexprs,
		    const struct gt_schema *sc, const char *table, struct gt_err *err)
{
	struct gt_part_plan *pl = gt_calloc(1, sizeof(*pl));
	if (!pl || !(pl->schema_col = gt_calloc(ncols ? ncols : 1, sizeof(int))) ||
	    !(pl->root = gt_calloc(nexprs ? nexprs : 1, sizeof(int32_t)))) {
		gt_part_plan_free(pl);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	gt_buf_init(&pl->strs, PART_MAX_TEXT * 16);
	pl->ncols = ncols;
	pl->nexprs = nexprs;
	pl->sc = sc;
	pl->colname = cols;
	for (uint32_t c = 0; c < ncols; c++) {
		if ((pl->schema_col[c] = gt_schema_find(sc, cols[c])) < 0) {
			gt_part_plan_free(pl);
			return gt_errf(err, GT_EINVAL,
				       "Invalid partition columns when creating table '%s', reason: partition column %s is not defined",
				       table, cols[c]);
		}
		for (uint32_t d = 0; d < c; d++)
			if (pl->schema_col[d] == pl->schema_col[c]) {
				gt_part_plan_free(pl);
				return gt_errf(err, GT_EINVAL,
					       "Invalid partition columns when creating table '%s', reason: duplicate partition column %s",
					       table, cols[c]);
			}
	}
	*out = pl;
	return 0;
}

int gt_partition_compile(const struct gt_partition *p, const struct gt_schema *sc, struct gt_part_plan **out,
			 struct gt_err *err)
{
	struct gt_part_plan *pl;
	int rc;
	if ((rc = plan_new(&pl, p->cols, p->ncols, p->nexprs, sc, "", err)))
		return rc;
	for (uint32_t e = 0; e < p->nexprs; e++)
		if ((rc = parse_expr(pl, e, p->exprs[e], err))) {
			gt_part_plan_free(pl);
			return rc;
		}
	*out = pl;
	return 0;
}

/* ---- canonical text ---- */

static const char *op_text(int op)
{
	static const char *const t[] = {"", "=", "<>", "<", "<=", ">", ">="};
	return t[op];
}

/* A constant as GreptimeDB prints it; quote: strings in single quotes. */
static int put_lit(struct gt_buf *b, const struct gt_part_plan *pl, const struct plit *l, bool quote)
{
	char num[64];
	int rc = 0;
	switch (l->kind) {
	case PL_INT:
		return gt_buf_add_i64(b, l->i);
	case PL_FLOAT:
		gt_dtoa(num, sizeof(num), l->f, false);
		return gt_buf_addstr(b, num);
	}
	if (quote)
		rc = gt_buf_addch(b, '\'');
	for (uint32_t k = 0; k < l->n && !rc; k++) {
		char c = pl->strs.p[l->off + k];
		rc = gt_buf_addch(b, c);
		if (!rc && quote && c == '\'')
			rc = gt_buf_addch(b, c);
	}
	return rc ? rc : quote ? gt_buf_addch(b, '\'') : 0;
}

static int put_node(struct gt_buf *b, const struct gt_part_plan *pl, int nd, int parent)
{
	const struct pnode *x = &pl->nodes[nd];
	int rc;
	if (x->kind == PN_CMP) {
		if ((rc = gt_buf_addf(b, "%s %s ", pl->colname[x->col], op_text(x->op))))
			return rc;
		return put_lit(b, pl, &x->lit, true);
	}
	/* GreptimeDB prints no parentheses; an OR under an AND needs them to
	 * read back the same. */
	bool paren = parent == PN_AND && x->kind == PN_OR;
	if ((paren && (rc = gt_buf_addch(b, '('))) || (rc = put_node(b, pl, x->a, x->kind)) ||
	    (rc = gt_buf_addstr(b, x->kind == PN_AND ? " AND " : " OR ")) || (rc = put_node(b, pl, x->b, x->kind)))
		return rc;
	return paren ? gt_buf_addch(b, ')') : 0;
}

/* ---- evaluation ---- */

struct pval {
	bool null;
	uint8_t type;
	int64_t i;
	uint64_t u;
	double f;
	const char *s;
	uint32_t n;
};

static int cmp_val(const struct gt_part_plan *pl, const struct pval *v, const struct plit *l)
{
	if (v->type == GT_STRING) {
		const char *ls = pl->strs.p + l->off;
		uint32_t m = v->n < l->n ? v->n : l->n;
		int c = memcmp(v->s, ls, m);
		if (c)
			return c < 0 ? -1 : 1;
		return v->n < l->n ? -1 : v->n > l->n;
	}
	if (l->kind == PL_INT && (v->type == GT_I64 || v->type == GT_TS))
		return v->i < l->i ? -1 : v->i > l->i;
	if (l->kind == PL_INT && v->type == GT_U64) {
		if (l->i < 0)
			return 1;
		return v->u < (uint64_t)l->i ? -1 : v->u > (uint64_t)l->i;
	}
	double x = v->type == GT_F64 ? v->f : v->type == GT_U64 ? (double)v->u : (double)v->i;
	return x < l->f ? -1 : x > l->f;
}

static bool op_holds(int op, int c)
{
	switch (op) {
	case PO_EQ: return c == 0;
	case PO_NE: return c != 0;
	case PO_LT: return c < 0;
	case PO_LE: return c <= 0;
	case PO_GT: return c > 0;
	case PO_GE: return c >= 0;
	}
	return false;
}

static bool eval(const struct gt_part_plan *pl, int nd, const struct pval *row)
{
	const struct pnode *x = &pl->nodes[nd];
	if (x->kind == PN_AND)
		return eval(pl, x->a, row) && eval(pl, x->b, row);
	if (x->kind == PN_OR)
		return eval(pl, x->a, row) || eval(pl, x->b, row);
	if (row[x->col].null)
		return false;
	return op_holds(x->op, cmp_val(pl, &row[x->col], &x->lit));
}

/* ---- coverage check (GreptimeDB's PartitionChecker) ---- */

struct cvals {
	uint32_t n;
	const struct plit **v;   /* distinct constants of one column, ascending */
};

static int lit_cmp(const struct gt_part_plan *pl, const struct plit *a, const struct plit *b)
{
	if (a->kind == PL_STR) {
		uint32_t m = a->n < b->n ? a->n : b->n;
		int c = memcmp(pl->strs.p + a->off, pl->strs.p + b->off, m);
		return c ? (c < 0 ? -1 : 1) : a->n < b->n ? -1 : a->n > b->n;
	}
	if (a->kind == PL_INT && b->kind == PL_INT)
		return a->i < b->i ? -1 : a->i > b->i;
	return a->f < b->f ? -1 : a->f > b->f;
}

static int collect(const struct gt_part_plan *pl, int nd, struct cvals *cv)
{
	const struct pnode *x = &pl->nodes[nd];
	int rc;
	if (x->kind != PN_CMP) {
		if ((rc = collect(pl, x->a, cv)))
			return rc;
		return collect(pl, x->b, cv);
	}
	struct cvals *c = &cv[x->col];
	uint32_t at = 0;
	while (at < c->n && lit_cmp(pl, c->v[at], &x->lit) < 0)
		at++;
	if (at < c->n && !lit_cmp(pl, c->v[at], &x->lit))
		return 0;
	const struct plit **v = gt_reallocarray(c->v, c->n + 1, sizeof(*v));
	if (!v)
		return GT_ENOMEM;
	memmove(v + at + 1, v + at, (c->n - at) * sizeof(*v));
	v[at] = &x->lit;
	c->v = v;
	c->n++;
	return 0;
}

/* The constant's index among its column's values. */
static double norm_of(const struct gt_part_plan *pl, const struct cvals *c, const struct plit *l)
{
	for (uint32_t k = 0; k < c->n; k++)
		if (!lit_cmp(pl, c->v[k], l))
			return k;
	return -1;
}

static bool eval_norm(const struct gt_part_plan *pl, int nd, const double *pt, const struct cvals *cv)
{
	const struct pnode *x = &pl->nodes[nd];
	if (x->kind == PN_AND)
		return eval_norm(pl, x->a, pt, cv) && eval_norm(pl, x->b, pt, cv);
	if (x->kind == PN_OR)
		return eval_norm(pl, x->a, pt, cv) || eval_norm(pl, x->b, pt, cv);
	double q = norm_of(pl, &cv[x->col], &x->lit), p = pt[x->col];
	return op_holds(x->op, p < q ? -1 : p > q);
}

/* How many OR branches of expression node nd hold at pt (GreptimeDB
 * counts each branch of an OR as an expression of its own). */
static uint32_t count_true(const struct gt_part_plan *pl, int nd, const double *pt, const struct cvals *cv)
{
	const struct pnode *x = &pl->nodes[nd];
	if (x->kind == PN_OR)
		return count_true(pl, x->a, pt, cv) + count_true(pl, x->b, pt, cv);
	return eval_norm(pl, nd, pt, cv);
}

static int put_checkpoint(struct gt_buf *b, const struct gt_part_plan *pl, const uint32_t *order, uint32_t nord,
			  const double *pt, const struct cvals *cv)
{
	int rc = 0;
	for (uint32_t k = 0; k < nord && !rc; k++) {
		uint32_t c = order[k];
		const char *name = pl->colname[c];
		double p = pt[c];
		int64_t lo = (int64_t)(p < 0 ? -1 : p);
		if (k)
			rc = gt_buf_addstr(b, ", ");
		if (rc)
			break;
		if (p == (double)lo) {
			rc = gt_buf_addf(b, "%s=", name) || put_lit(b, pl, cv[c].v[lo], false);
		} else if (p < 0) {
			rc = gt_buf_addf(b, "%s<", name) || put_lit(b, pl, cv[c].v[0], false);
		} else if ((uint32_t)lo + 1 >= cv[c].n) {
			rc = gt_buf_addf(b, "%s>", name) || put_lit(b, pl, cv[c].v[cv[c].n - 1], false);
		} else {
			rc = put_lit(b, pl, cv[c].v[lo], false) || gt_buf_addf(b, "<%s<", name) ||
			     put_lit(b, pl, cv[c].v[lo + 1], false);
		}
	}
	return rc ? GT_ENOMEM : 0;
}

static int check_coverage(const struct gt_part_plan *pl, struct gt_err *err)
{
	struct cvals *cv = gt_calloc(pl->ncols ? pl->ncols : 1, sizeof(*cv));
	uint32_t *order = gt_calloc(pl->ncols ? pl->ncols : 1, sizeof(*order)), nord = 0;
	uint32_t *idx = gt_calloc(pl->ncols ? pl->ncols : 1, sizeof(*idx));
	double *pt = gt_calloc(pl->ncols ? pl->ncols : 1, sizeof(*pt));
	uint64_t npoints = 1;
	int rc = 0;

	if (!cv || !order || !idx || !pt) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t e = 0; e < pl->nexprs && !rc; e++)
		if (collect(pl, pl->root[e], cv))
			rc = gt_errf(err, GT_ENOMEM, "out of memory");
	if (rc)
		goto out;
	/* the columns with constants, by name (GreptimeDB sorts its fields) */
	for (uint32_t c = 0; c < pl->ncols; c++) {
		uint32_t at = nord;
		if (!cv[c].n)
			continue;
		while (at > 0 && strcmp(pl->colname[order[at - 1]], pl->colname[c]) > 0) {
			order[at] = order[at - 1];
			at--;
		}
		order[at] = c;
		nord++;
		npoints *= 2 * cv[c].n + 1;
		if (npoints > PART_MAX_POINTS)
			goto out;   /* too many points to try: accept the rule as it is */
	}
	if (!nord)
		goto out;
	/* every combination of points, the last column fastest: before the
	 * first constant, at each, and just past each */
	for (uint64_t i = 0; i < npoints; i++) {
		uint32_t hits = 0;
		for (uint32_t k = 0; k < nord; k++)
			pt[order[k]] = (double)idx[k] / 2.0 - 0.5;
		for (uint32_t e = 0; e < pl->nexprs; e++)
			hits += count_true(pl, pl->root[e], pt, cv);
		if (hits != 1) {
			struct gt_buf b;
			gt_buf_init(&b, 1u << 16);
			if (put_checkpoint(&b, pl, order, nord, pt, cv) || gt_buf_addch(&b, 0))
				rc = gt_errf(err, GT_ENOMEM, "out of memory");
			else
				rc = gt_errf(err, GT_EINVAL, "Checkpoint `%s` is %s", b.p,
					     hits ? "overlapped" : "not covered");
			gt_buf_release(&b);
			goto out;
		}
		for (uint32_t k = nord; k-- > 0;) {
			if (++idx[k] < 2 * cv[order[k]].n + 1)
				break;
			idx[k] = 0;
		}
	}
out:
	for (uint32_t c = 0; cv && c < pl->ncols; c++)
		free(cv[c].v);
	free(cv);
	free(order);
	free(idx);
	free(pt);
	return rc;
}

/* ---- rules ---- */

void gt_partition_release(struct gt_partition *p)
{
	for (uint32_t i = 0; p->cols && i < p->ncols; i++)
		free(p->cols[i]);
	for (uint32_t i = 0; p->exprs && i < p->nexprs; i++)
		free(p->exprs[i]);
	free(p->cols);
	free(p->exprs);
	memset(p, 0, sizeof(*p));
}

static char **strv_copy(const char *const *v, uint32_t n, bool *ok)
{
	char **out = gt_calloc(n ? n : 1, sizeof(char *));
	*ok = out != NULL;
	for (uint32_t i = 0; out && i < n; i++)
		if (!(out[i] = gt_strdup(v[i])))
			*ok = false;
	return out;
}

int gt_partition_copy(struct gt_partition *dst, const struct gt_partition *src)
{
	bool ok1, ok2;
	memset(dst, 0, sizeof(*dst));
	if (!src->ncols && !src->nexprs)
		return 0;
	dst->ncols = src->ncols;
	dst->nexprs = src->nexprs;
	dst->cols = strv_copy((const char *const *)src->cols, src->ncols, &ok1);
	dst->exprs = strv_copy((const char *const *)src->exprs, src->nexprs, &ok2);
	if (!ok1 || !ok2) {
		gt_partition_release(dst);
		return GT_ENOMEM;
	}
	return 0;
}

int gt_partition_make(struct gt_partition *out, const char *table, const char *const *cols, uint32_t ncols,
		      const char *const *exprs, uint32_t nexprs, const struct gt_schema *sc,
		      struct gt_err *err)
{
	struct gt_part_plan *pl = NULL;
	struct gt_buf b;
	bool ok;
	int rc;

	memset(out, 0, sizeof(*out));
	if (nexprs > PART_MAX_EXPRS)
		return gt_errf(err, GT_ETOOBIG, "more than %u partitions", PART_MAX_EXPRS);
	out->ncols = ncols;
	out->cols = strv_copy(cols, ncols, &ok);
	if (!ok) {
		gt_partition_release(out);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	if ((rc = plan_new(&pl, out->cols, ncols, nexprs, sc, table, err)))
		goto fail;
	for (uint32_t e = 0; e < nexprs; e++)
		if ((rc = parse_expr(pl, e, exprs[e], err)))
			goto fail;
	if ((rc = check_coverage(pl, err)))
		goto fail;
	if (!(out->exprs = gt_calloc(nexprs ? nexprs : 1, sizeof(char *)))) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto fail;
	}
	out->nexprs = nexprs;
	for (uint32_t e = 0; e < nexprs; e++) {
		gt_buf_init(&b, PART_MAX_TEXT);
		if (put_node(&b, pl, pl->root[e], 0) || gt_buf_addch(&b, 0)) {
			gt_buf_release(&b);
			rc = gt_errf(err, GT_ENOMEM, "out of memory");
			goto fail;
		}
		out->exprs[e] = gt_buf_detach(&b, NULL);
	}
	gt_part_plan_free(pl);
	return 0;
fail:
	gt_part_plan_free(pl);
	gt_partition_release(out);
	return rc;
}

/* ---- routing ---- */

static void val_of(struct pval *v, const struct gt_vec *vec, uint32_t r)
{
	memset(v, 0, sizeof(*v));
	v->type = vec->type;
	if (gt_vec_is_null(vec, r)) {
		v->null = true;
		return;
	}
	switch (vec->type) {
	case GT_I64:
	case GT_TS:
		v->i = vec->v.i64[r];
		break;
	case GT_U64:
		v->u = vec->v.u64[r];
		break;
	case GT_F64:
		v->f = vec->v.f64[r];
		break;
	case GT_STRING:
		v->s = gt_vec_str(vec, r, &v->n);
		break;
	default:
		v->null = true;   /* booleans partition nothing */
	}
}

static int put_row(struct gt_buf *b, const struct gt_part_plan *pl, const struct pval *row)
{
	int rc = 0;
	char num[64];
	for (uint32_t c = 0; c < pl->ncols && !rc; c++) {
		const struct pval *v = &row[c];
		rc = gt_buf_addf(b, "%s%s=", c ? ", " : "", pl->colname[c]);
		if (rc)
			break;
		if (v->null)
			rc = gt_buf_addstr(b, "NULL");
		else if (v->type == GT_STRING)
			rc = gt_buf_addch(b, '\'') || gt_buf_add(b, v->s, v->n) || gt_buf_addch(b, '\'');
		else if (v->type == GT_U64)
			rc = gt_buf_add_u64(b, v->u);
		else if (v->type == GT_F64)
			rc = (gt_dtoa(num, sizeof(num), v->f, false), gt_buf_addstr(b, num));
		else
			rc = gt_buf_add_i64(b, v->i);
	}
	return rc;
}

int gt_partition_route(const struct gt_part_plan *pl, const struct gt_batch *b, uint32_t *region,
		       struct gt_err *err)
{
	struct gt_vec *keyvals = NULL;   /* has_keys: per partition tag column, its value per key */
	const struct gt_vec **src = NULL;
	bool *by_key = NULL;
	struct pval *row = NULL;
	struct gt_buf scratch;
	int rc = 0;
	uint32_t ncols = pl->ncols ? pl->ncols : 1;

	gt_buf_init(&scratch, GT_KEY_MAX * 2);
	keyvals = gt_calloc(ncols, sizeof(*keyvals));
	src = gt_calloc(ncols, sizeof(*src));
	by_key = gt_calloc(ncols, sizeof(*by_key));
	row = gt_calloc(ncols, sizeof(*row));
	if (!keyvals || !src || !by_key || !row) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t c = 0; c < pl->ncols; c++) {
		const struct gt_coldef *cd = &pl->sc->cols[pl->schema_col[c]];
		gt_vec_init(&keyvals[c], (enum gt_type)cd->type);
		if (b->has_keys && cd->sem == GT_TAG) {
			uint32_t ord = gt_schema_tag_ordinal(pl->sc, pl->schema_col[c]);
			struct gt_key_part parts[257];
			if (ord >= 256) {
				rc = gt_errf(err, GT_ETOOBIG, "too many tags");
				goto out;
			}
			for (uint32_t k = 0; k < b->nkeys && !rc; k++) {
				size_t len;
				const void *key = gt_batch_key(b, k, &len);
				int n = gt_key_prefix_decode(key, len, parts, ord + 1, &scratch);
				if (n < 0)
					rc = gt_errf(err, n, "corrupt series key in write batch");
				else if ((rc = gt_key_part_push(&keyvals[c], &parts[ord])))
					gt_errf(err, rc, "bad series key in write batch");
			}
			if (rc)
				goto out;
			src[c] = &keyvals[c];
			by_key[c] = true;
		} else {
			int at = gt_batch_find(b, cd->id);
			src[c] = at >= 0 ? &b->cols[at] : NULL;
		}
	}
	for (uint32_t r = 0; r < b->nrows; r++) {
		uint32_t e;
		for (uint32_t c = 0; c < pl->ncols; c++) {
			if (!src[c]) {
				memset(&row[c], 0, sizeof(row[c]));
				row[c].null = true;
			} else {
				val_of(&row[c], src[c], by_key[c] ? b->sid[r] : r);
			}
		}
		for (e = 0; e < pl->nexprs; e++)
			if (eval(pl, pl->root[e], row))
				break;
		if (e == pl->nexprs) {
			struct gt_buf m;
			gt_buf_init(&m, 1u << 16);
			if (put_row(&m, pl, row) || gt_buf_addch(&m, 0))
				rc = gt_errf(err, GT_ENOMEM, "out of memory");
			else
				rc = gt_errf(err, GT_EINVAL, "No partition of the table takes row %u (%s)", r + 1, m.p);
			gt_buf_release(&m);
			goto out;
		}
		region[r] = e;
	}
out:
	for (uint32_t c = 0; keyvals && c < pl->ncols; c++)
		gt_vec_release(&keyvals[c]);
	free(keyvals);
	free(src);
	free(by_key);
	free(row);
	gt_buf_release(&scratch);
	return rc;
}

/* ---- pruning ---- */

/* Can node nd hold when column col is the constant l?  Comparisons of other
 * columns are unknown (true). */
static bool may_hold(const struct gt_part_plan *pl, int nd, uint32_t col, const struct pval *v)
{
	const struct pnode *x = &pl->nodes[nd];
	if (x->kind == PN_AND)
		return may_hold(pl, x->a, col, v) && may_hold(pl, x->b, col, v);
	if (x->kind == PN_OR)
		return may_hold(pl, x->a, col, v) || may_hold(pl, x->b, col, v);
	if (x->col != col)
		return true;
	return op_holds(x->op, cmp_val(pl, v, &x->lit));
}

bool gt_part_plan_may_match(const struct gt_part_plan *pl, uint32_t region, const char *col,
			    const char *const *vals, const uint32_t *lens, uint32_t n)
{
	uint32_t c;
	if (region >= pl->nexprs)
		return true;
	for (c = 0; c < pl->ncols; c++)
		if (!strcmp(pl->colname[c], col))
			break;
	if (c == pl->ncols || pl->sc->cols[pl->schema_col[c]].type != GT_STRING)
		return true;
	for (uint32_t k = 0; k < n; k++) {
		struct pval v = {.type = GT_STRING, .s = vals[k], .n = lens[k]};
		if (may_hold(pl, pl->root[region], c, &v))
			return true;
	}
	return false;
}
