/*
 * mywire-fed.c - statement text for the MySQL protocol: splitting a
 * COM_QUERY into statements, '?' placeholders, and the statements gt
 * answers itself because MySQL clients and drivers send them and the
 * SQL engine has no business knowing them (GreptimeDB calls these
 * "federated" queries):
 *
 *   SELECT @@[session.|global.]var [AS a], DATABASE(), VERSION(), USER(),
 *          CONNECTION_ID() ... [LIMIT n]    one row of the values
 *   SET NAMES / CHARACTER SET / TRANSACTION ..., SET var = v [, ...]
 *                                           OK; SET time_zone goes to the
 *                                           engine, unknown variables give
 *                                           a warning (SHOW WARNINGS)
 *   SHOW WARNINGS, SHOW [SESSION|GLOBAL] VARIABLES [LIKE 'p']
 *   BEGIN, START TRANSACTION, COMMIT, ROLLBACK    OK (no transactions)
 *
 * and the one table from gt status codes to MySQL error numbers and
 * SQLSTATEs.
 */
#include <ctype.h>
#include <errno.h>

#include "mywire-int.h"

/* ---- scanning ---- */

struct fx {
	const char *s;
	size_t n, i;
};

/* Skip a quoted run starting at s[i] (the quote); returns the index after it. */
static size_t skip_quoted(const char *s, size_t n, size_t i)
{
	char q = s[i++];

	while (i < n) {
		if (s[i] == '\\' && q != '`' && i + 1 < n) {
			i += 2;
			continue;
		}
		if (s[i] == q) {
			if (i + 1 < n && s[i + 1] == q) {
				i += 2;
				continue;
			}
			return i + 1;
		}
		i++;
	}
	return n;
}

/* Skip a comment starting at s[i], if one does; returns the index after it or i. */
static size_t skip_comment(const char *s, size_t n, size_t i)
{
	if ((s[i] == '-' && i + 1 < n && s[i + 1] == '-') || s[i] == '#') {
		while (i < n && s[i] != '\n')
			i++;
		return i;
	}
	if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
		for (i += 2; i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'); i++)
			;
		return i + 1 < n ? i + 2 : n;
	}
	return i;
}

size_t my_stmt_end(const char *s, size_t n, size_t from, bool *empty)
{
	size_t i = from, j;

	*empty = true;
	while (i < n && s[i] != ';') {
		if ((j = skip_comment(s, n, i)) != i) {
			i = j;
			continue;
		}
		if (s[i] == '\'' || s[i] == '"' || s[i] == '`') {
			*empty = false;
			i = skip_quoted(s, n, i);
			continue;
		}
		if (!isspace((unsigned char)s[i]))
			*empty = false;
		i++;
	}
	return i;
}

uint32_t my_count_params(const char *s, size_t n)
{
	uint32_t count = 0;
	size_t i = 0, j;

	while (i < n) {
		if ((j = skip_comment(s, n, i)) != i) {
			i = j;
			continue;
		}
		if (s[i] == '\'' || s[i] == '"' || s[i] == '`') {
			i = skip_quoted(s, n, i);
			continue;
		}
		count += s[i] == '?';
		i++;
	}
	return count;
}

int my_params(const struct gt_buf *lits, uint32_t nlits, struct gt_sql_param **out)
{
	const char *lit = lits->p ? lits->p : "", *end = lit + lits->len + (nlits ? 1 : 0);
	struct gt_sql_param *v;

	*out = NULL;
	if (!nlits)
		return 0;
	if (!(v = gt_calloc(nlits, sizeof(*v))))
		return GT_ENOMEM;
	for (uint32_t k = 0; k < nlits; k++) {
		if (lit >= end) {
			free(v);
			return GT_EINVAL;
		}
		v[k].sql = lit;
		v[k].len = strlen(lit);
		lit += v[k].len + 1;
	}
	*out = v;
	return 0;
}

static void ws(struct fx *x)
{
	size_t j;

	while (x->i < x->n) {
		if (isspace((unsigned char)x->s[x->i])) {
			x->i++;
		} else if ((j = skip_comment(x->s, x->n, x->i)) != x->i) {
			x->i = j;
		} else {
			break;
		}
	}
}

static bool identch(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* Accept the keyword (case-insensitive, whole word). */
static bool kw(struct fx *x, const char *word)
{
	size_t len = strlen(word);

	ws(x);
	if (x->n - x->i < len || strncasecmp(x->s + x->i, word, len) ||
	    (x->i + len < x->n && identch(x->s[x->i + len])))
		return false;
	x->i += len;
	return true;
}

static bool punct(struct fx *x, char c)
{
	ws(x);
	if (x->i < x->n && x->s[x->i] == c) {
		x->i++;
		return true;
	}
	return false;
}

static bool at_end(struct fx *x)
{
	ws(x);
	while (x->i < x->n && x->s[x->i] == ';') {
		x->i++;
		ws(x);
	}
	return x->i == x->n;
}

/* An identifier (plain or `quoted`), lowercased into out. */
static bool ident(struct fx *x, char *out, size_t cap)
{
	size_t k = 0;

	ws(x);
	if (x->i < x->n && x->s[x->i] == '`') {
		size_t end = skip_quoted(x->s, x->n, x->i);
		for (size_t j = x->i + 1; j + 1 < end && k + 1 < cap; j++)
			out[k++] = (char)tolower((unsigned char)x->s[j]);
		out[k] = 0;
		x->i = end;
		return k > 0;
	}
	while (x->i < x->n && identch(x->s[x->i]) && k + 1 < cap)
		out[k++] = (char)tolower((unsigned char)x->s[x->i++]);
	out[k] = 0;
	return k > 0;
}

/* ---- session variables ---- */

void my_vars_release(struct my_vars *v)
{
	for (uint32_t k = 0; k < v->n; k++) {
		free(v->names[k]);
		free(v->vals[k]);
	}
	free(v->names);
	free(v->vals);
	memset(v, 0, sizeof(*v));
}

int my_vars_set(struct my_vars *v, const char *name, const char *val)
{
	char *copy;
	void *p;

	for (uint32_t k = 0; k < v->n; k++) {
		if (!strcmp(v->names[k], name)) {
			if (!(copy = gt_strdup(val)))
				return GT_ENOMEM;
			free(v->vals[k]);
			v->vals[k] = copy;
			return 0;
		}
	}
	if (v->n >= 256)
		return GT_ETOOBIG;
	if (!(p = gt_reallocarray(v->names, v->n + 1, sizeof(char *))))
		return GT_ENOMEM;
	v->names = p;
	if (!(p = gt_reallocarray(v->vals, v->n + 1, sizeof(char *))))
		return GT_ENOMEM;
	v->vals = p;
	if (!(v->names[v->n] = gt_strdup(name)))
		return GT_ENOMEM;
	if (!(v->vals[v->n] = gt_strdup(val))) {
		free(v->names[v->n]);
		return GT_ENOMEM;
	}
	v->n++;
	return 0;
}

const char *my_vars_get(const struct my_vars *v, const char *name)
{
	for (uint32_t k = 0; k < v->n; k++)
		if (!strcmp(v->names[k], name))
			return v->vals[k];
	return NULL;
}

/* What gt says a MySQL server's variables are (sorted by name). */
static const struct {
	const char *name, *val;
} defaults[] = {
	{"auto_increment_increment", "1"},
	{"autocommit", "1"},
	{"character_set_client", "utf8mb4"},
	{"character_set_connection", "utf8mb4"},
	{"character_set_database", "utf8mb4"},
	{"character_set_results", "utf8mb4"},
	{"character_set_server", "utf8mb4"},
	{"collation_connection", "utf8mb4_general_ci"},
	{"collation_database", "utf8mb4_general_ci"},
	{"collation_server", "utf8mb4_general_ci"},
	{"init_connect", ""},
	{"interactive_timeout", "28800"},
	{"license", "Apache-2.0"},
	{"lower_case_table_names", "0"},
	{"max_allowed_packet", "16777216"},
	{"max_execution_time", "0"},
	{"net_buffer_length", "16384"},
	{"net_write_timeout", "60"},
	{"performance_schema", "0"},
	{"query_cache_size", "0"},
	{"query_cache_type", "OFF"},
	{"read_only", "0"},
	{"read_preference", "LEADER"},
	{"sql_mode", "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
		     "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"},
	{"sql_select_limit", "18446744073709551615"},
	{"system_time_zone", "UTC"},
	{"time_zone", "UTC"},
	{"transaction_isolation", "REPEATABLE-READ"},
	{"transaction_read_only", "0"},
	{"tx_isolation", "REPEATABLE-READ"},
	{"tx_read_only", "0"},
	{"version", MY_SERVER_VERSION},
	{"version_comment", "GreptimeDB"},
	{"wait_timeout", "28800"},
};

static const char *var_get(const struct my_fed *f, const char *name)
{
	const char *v;

	if (!strcmp(name, "time_zone") && f->s->time_zone[0])
		return f->s->time_zone;
	if (!strcmp(name, "autocommit"))
		return *f->status & MY_STATUS_AUTOCOMMIT ? "1" : "0";
	if ((v = my_vars_get(f->vars, name)))
		return v;
	for (size_t k = 0; k < GT_ARRAY_LEN(defaults); k++)
		if (!strcmp(defaults[k].name, name))
			return defaults[k].val;
	return NULL;
}

/* ---- building outputs ---- */

static int out_cols(struct gt_sql_output *o, uint32_t n)
{
	memset(o, 0, sizeof(*o));
	o->kind = GT_SQL_RECORDS;
	gt_batch_init(&o->rows);
	if (!(o->cols = gt_calloc(n ? n : 1, sizeof(*o->cols))))
		return GT_ENOMEM;
	o->ncols = n;
	return 0;
}

static int out_col(struct gt_sql_output *o, uint32_t c, const char *name, size_t len, enum gt_type type)
{
	int rc;

	if (!(o->cols[c].name = gt_strndup(name, len)))
		return GT_ENOMEM;
	o->cols[c].type = (uint8_t)type;
	rc = gt_batch_add_col(&o->rows, c, type);
	return rc < 0 ? rc : 0;
}

static bool is_int(const char *v)
{
	size_t k = v[0] == '-' ? 1 : 0;

	if (!v[k] || strlen(v) > 18)
		return false;
	for (; v[k]; k++)
		if (!isdigit((unsigned char)v[k]))
			return false;
	return true;
}

static int out_push(struct gt_sql_output *o, uint32_t c, const char *val)
{
	struct gt_vec *v = &o->rows.cols[c];

	if (!val)
		return gt_vec_push_null(v);
	if (v->type == GT_I64)
		return gt_vec_push_i64(v, strtoll(val, NULL, 10));
	return gt_vec_push_str(v, val, strlen(val));
}

static int out_affected(struct gt_sql_output *o)
{
	memset(o, 0, sizeof(*o));
	o->kind = GT_SQL_AFFECTED;
	gt_batch_init(&o->rows);
	return 1;
}

/* ---- SELECT @@var, DATABASE() ... ---- */

#define MAX_ITEMS 64

struct item {
	size_t from, to;               /* the expression as written: the column's name */
	char alias[GT_NAME_MAX + 1];
	const char *val;               /* NULL = SQL NULL */
	bool var;                      /* @@name: the column is named in lowercase */
	char buf[32];
};

/* One select item gt knows, or false. */
static bool select_item(struct my_fed *f, struct fx *x, struct item *it, struct gt_sql_error *e, int *rc)
{
	char name[128];

	ws(x);
	it->from = x->i;
	if (x->i + 1 < x->n && x->s[x->i] == '@' && x->s[x->i + 1] == '@') {
		x->i += 2;
		if (!ident(x, name, sizeof(name)))
			return false;
		if ((!strcmp(name, "session") || !strcmp(name, "global") || !strcmp(name, "local")) &&
		    x->i < x->n && x->s[x->i] == '.') {
			x->i++;
			if (!ident(x, name, sizeof(name)))
				return false;
		}
		it->to = x->i;
		it->var = true;
		if (!(it->val = var_get(f, name))) {
			*rc = GT_EINVAL;
			e->status = GT_STATUS_UNSUPPORTED;
			snprintf(e->msg, sizeof(e->msg), "Unknown system variable '%s'", name);
			return false;
		}
	} else {
		if (!ident(x, name, sizeof(name)))
			return false;
		bool call = punct(x, '(');
		if (call && !punct(x, ')'))
			return false;
		it->to = x->i;
		if (!strcmp(name, "database") || !strcmp(name, "schema")) {
			if (!call)
				return false;
			it->val = f->s->dbname;
		} else if (!strcmp(name, "version") && call) {
			it->val = MY_SERVER_VERSION;
		} else if ((!strcmp(name, "user") || !strcmp(name, "session_user") ||
			    !strcmp(name, "system_user") || !strcmp(name, "current_user")) &&
			   (call || !strcmp(name, "current_user"))) {
			snprintf(it->buf, sizeof(it->buf), "%.20s@%%", f->user);
			it->val = it->buf;
		} else if (!strcmp(name, "read_preference") && call) {
			it->val = var_get(f, name);
		} else if (!strcmp(name, "connection_id") && call) {
			snprintf(it->buf, sizeof(it->buf), "%u", (unsigned)f->conn_id);
			it->val = it->buf;
		} else if ((!strcmp(name, "last_insert_id") || !strcmp(name, "found_rows") ||
			    !strcmp(name, "row_count")) && call) {
			it->val = "0";
		} else {
			return false;
		}
	}
	if (kw(x, "as")) {
		if (!ident(x, it->alias, sizeof(it->alias)))
			return false;
	}
	return true;
}

static int answer_select(struct my_fed *f, struct fx *x, struct gt_sql_output *out, struct gt_sql_error *e)
{
	struct item *items;
	uint32_t n = 0;
	int rc = 0;

	if (!(items = gt_calloc(MAX_ITEMS, sizeof(*items))))
		return GT_ENOMEM;
	do {
		if (n == MAX_ITEMS || !select_item(f, x, &items[n], e, &rc))
			goto none;
		n++;
	} while (punct(x, ','));
	if (kw(x, "limit")) {
		ws(x);
		while (x->i < x->n && isdigit((unsigned char)x->s[x->i]))
			x->i++;
	}
	if (!at_end(x))
		goto none;
	if ((rc = out_cols(out, n)))
		goto done;
	for (uint32_t c = 0; c < n && !rc; c++) {
		const char *name = items[c].alias[0] ? items[c].alias : x->s + items[c].from;
		size_t len = items[c].alias[0] ? strlen(items[c].alias) : items[c].to - items[c].from;
		rc = out_col(out, c, name, len, items[c].val && is_int(items[c].val) ? GT_I64 : GT_STRING);
		for (char *p = out->cols[c].name; !rc && items[c].var && !items[c].alias[0] && *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!rc)
			rc = out_push(out, c, items[c].val);
	}
	if (!rc)
		out->rows.nrows = 1;
	rc = rc ? rc : 1;
	goto done;
none:
	/* an unknown variable is an error; anything else is the engine's */
	rc = rc ? rc : 0;
done:
	free(items);
	return rc;
}

/* ---- SET ---- */

/* The value text of an assignment: up to a ',' or the end outside quotes and parentheses. */
static void set_value(struct fx *x, size_t *from, size_t *to)
{
	int depth = 0;

	ws(x);
	*from = x->i;
	while (x->i < x->n && x->s[x->i] != ';') {
		char c = x->s[x->i];
		if (c == '\'' || c == '"' || c == '`') {
			x->i = skip_quoted(x->s, x->n, x->i);
			continue;
		}
		if (c == '(')
			depth++;
		else if (c == ')')
			depth--;
		else if (c == ',' && depth <= 0)
			break;
		x->i++;
	}
	*to = x->i;
	while (*to > *from && isspace((unsigned char)x->s[*to - 1]))
		(*to)--;
}

/* The value of a SET as a plain string: quotes stripped. */
static void unquote(const char *s, size_t n, char *out, size_t cap)
{
	if (n >= 2 && (s[0] == '\'' || s[0] == '"') && s[n - 1] == s[0]) {
		s++;
		n -= 2;
	}
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = 0;
}

static int answer_set(struct my_fed *f, struct fx *x, struct gt_sql_output *out, struct gt_buf *rewritten,
		      struct gt_sql_error *e)
{
	char name[128], val[256];
	size_t from, to, start = x->i;
	int rc;

	if (kw(x, "names") || kw(x, "charset") || (kw(x, "character") && kw(x, "set")))
		return out_affected(out);
	x->i = start;
	if (!kw(x, "global"))
		kw(x, "session");
	if (kw(x, "transaction"))
		return out_affected(out);
	x->i = start;
	do {
		ws(x);
		if (x->i + 1 < x->n && x->s[x->i] == '@' && x->s[x->i + 1] == '@') {
			x->i += 2;
			if (!ident(x, name, sizeof(name)))
				return 0;
			if ((!strcmp(name, "session") || !strcmp(name, "global") || !strcmp(name, "local")) &&
			    x->i < x->n && x->s[x->i] == '.') {
				x->i++;
				if (!ident(x, name, sizeof(name)))
					return 0;
			}
		} else if (x->i < x->n && x->s[x->i] == '@') {
			/* a user variable: kept, never read back by gt */
			x->i++;
			name[0] = '@';
			if (!ident(x, name + 1, sizeof(name) - 1))
				return 0;
		} else {
			if (!kw(x, "session") && !kw(x, "global") && !kw(x, "local"))
				kw(x, "persist");
			if (!ident(x, name, sizeof(name)))
				return 0;
		}
		if (!punct(x, '=') && !(punct(x, ':') && punct(x, '=')) && !kw(x, "to"))
			return 0;
		set_value(x, &from, &to);
		if (from == to)
			return 0;
		if (!strcmp(name, "time_zone")) {
			/* the engine owns time zones (it checks the name) */
			if ((rc = gt_buf_addstr(rewritten, "SET time_zone = ")) ||
			    (rc = gt_buf_add(rewritten, x->s + from, to - from)))
				return rc;
			continue;
		}
		unquote(x->s + from, to - from, val, sizeof(val));
		if (!strcmp(name, "read_preference")) {
			/* GreptimeDB's: which replica of a region answers reads */
			if (strcasecmp(val, "leader") && strcasecmp(val, "follower") && strcasecmp(val, "follower_only")) {
				e->status = GT_STATUS_UNSUPPORTED;
				snprintf(e->msg, sizeof(e->msg),
					 "Not supported: Invalid read preference expr %s in set variable statement", val);
				return GT_EINVAL;
			}
			for (size_t k = 0; val[k]; k++)
				val[k] = (char)toupper((unsigned char)val[k]);
		}
		if (!strcmp(name, "max_execution_time")) {
			/* milliseconds, an unsigned 64-bit number as GreptimeDB takes it */
			const char *why = val[0] == '-' ? "Unsupported" : NULL;
			char *end;
			errno = 0;
			if (!why && (!isdigit((unsigned char)val[0]) || (strtoull(val, &end, 10), errno || *end)))
				why = "Invalid";
			if (why) {
				e->status = GT_STATUS_UNSUPPORTED;
				snprintf(e->msg, sizeof(e->msg), "Not supported: %s timeout expr %s in set variable statement",
					 why, val);
				return GT_EINVAL;
			}
		}
		if (!strcmp(name, "autocommit")) {
			bool on = !strcmp(val, "1") || !strcasecmp(val, "on") || !strcasecmp(val, "true");
			*f->status = (uint16_t)(on ? *f->status | MY_STATUS_AUTOCOMMIT
						   : *f->status & ~MY_STATUS_AUTOCOMMIT);
			continue;
		}
		if (name[0] != '@' && !var_get(f, name)) {
			size_t k;
			snprintf(f->warning, sizeof(f->warning), "Unsupported set variable %s", name);
			for (k = 0; f->warning[k]; k++)
				if (k >= 25)
					f->warning[k] = (char)toupper((unsigned char)f->warning[k]);
		}
		if ((rc = my_vars_set(f->vars, name, val)) == GT_ETOOBIG) {
			e->status = GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED;
			snprintf(e->msg, sizeof(e->msg), "too many variables set on this connection");
		}
		if (rc)
			return rc;
	} while (punct(x, ','));
	if (!at_end(x))
		return 0;
	return rewritten->len ? 0 : out_affected(out);
}

/* ---- SHOW WARNINGS, SHOW VARIABLES ---- */

/* SQL LIKE, case-insensitive: % any run, _ one character, \ escapes. */
static bool like(const char *s, const char *p)
{
	for (; *p; p++, s++) {
		if (*p == '%') {
			while (p[1] == '%')
				p++;
			if (!p[1])
				return true;
			for (; *s; s++)
				if (like(s, p + 1))
					return true;
			return false;
		}
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '_') {
			if (!*s)
				return false;
			continue;
		}
		if (tolower((unsigned char)*s) != tolower((unsigned char)*p))
			return false;
	}
	return !*s;
}

static int answer_variables(struct my_fed *f, struct fx *x, struct gt_sql_output *out)
{
	char pat[256] = "%";
	int rc;

	if (kw(x, "like")) {
		size_t from, to;
		set_value(x, &from, &to);
		unquote(x->s + from, to - from, pat, sizeof(pat));
	}
	if (!at_end(x))
		return 0;
	if ((rc = out_cols(out, 2)) || (rc = out_col(out, 0, "Variable_name", 13, GT_STRING)) ||
	    (rc = out_col(out, 1, "Value", 5, GT_STRING)))
		return rc;
	for (size_t k = 0; k < GT_ARRAY_LEN(defaults); k++) {
		if (!like(defaults[k].name, pat))
			continue;
		if ((rc = out_push(out, 0, defaults[k].name)) || (rc = out_push(out, 1, var_get(f, defaults[k].name))))
			return rc;
		out->rows.nrows++;
	}
	return 1;
}

static int answer_warnings(struct my_fed *f, struct gt_sql_output *out, const char *warning)
{
	int rc;

	if ((rc = out_cols(out, 3)) || (rc = out_col(out, 0, "Level", 5, GT_STRING)) ||
	    (rc = out_col(out, 1, "Code", 4, GT_I64)) || (rc = out_col(out, 2, "Message", 7, GT_STRING)))
		return rc;
	if (warning[0]) {
		if ((rc = out_push(out, 0, "Warning")) || (rc = out_push(out, 1, "1000")) ||
		    (rc = out_push(out, 2, warning)))
			return rc;
		out->rows.nrows = 1;
	}
	return 1;
}

static int answer(struct my_fed *f, struct fx *x, struct gt_sql_output *out, struct gt_buf *rewritten,
		  struct gt_sql_error *e)
{
	char last[sizeof(f->warning)];
	int rc;

	/* SHOW WARNINGS shows the previous statement's; every statement clears them */
	memcpy(last, f->warning, sizeof(last));
	f->warning[0] = 0;
	if (kw(x, "select"))
		return answer_select(f, x, out, e);
	if (kw(x, "set")) {
		rc = answer_set(f, x, out, rewritten, e);
		if (rc == 0 && !rewritten->len) {
			/* a SET gt cannot read: MySQL clients send many; accept it with a warning */
			snprintf(f->warning, sizeof(f->warning), "Unsupported set statement");
			return out_affected(out);
		}
		return rc;
	}
	if (kw(x, "show")) {
		if (kw(x, "warnings") || kw(x, "errors"))
			return at_end(x) ? answer_warnings(f, out, last) : 0;
		if (!kw(x, "session") && !kw(x, "global"))
			kw(x, "local");
		if (kw(x, "variables"))
			return answer_variables(f, x, out);
		return 0;
	}
	if (kw(x, "begin") || kw(x, "commit") || kw(x, "rollback") || (kw(x, "start") && kw(x, "transaction"))) {
		kw(x, "work");
		return at_end(x) ? out_affected(out) : 0;
	}
	return 0;
}

int my_fed_answer(struct my_fed *f, const char *s, size_t n, struct gt_sql_result *res,
		  struct gt_buf *rewritten, struct gt_sql_error *e)
{
	struct fx x = {s, n, 0};
	int rc;

	memset(res, 0, sizeof(*res));
	if (!(res->outs = gt_calloc(1, sizeof(*res->outs))))
		return GT_ENOMEM;
	res->n = 1;
	gt_batch_init(&res->outs[0].rows);
	rc = answer(f, &x, &res->outs[0], rewritten, e);
	if (rc <= 0)
		gt_sql_result_release(res);
	return rc;
}

/* The text of a quoted SQL string at x, unescaped into out. */
static bool string_lit(struct fx *x, struct gt_buf *out)
{
	size_t end;
	char q;

	ws(x);
	if (x->i >= x->n || (x->s[x->i] != '\'' && x->s[x->i] != '"'))
		return false;
	q = x->s[x->i];
	end = skip_quoted(x->s, x->n, x->i);
	if (end - x->i < 2 || x->s[end - 1] != q)
		return false;
	for (size_t k = x->i + 1; k < end - 1; k++) {
		char c = x->s[k];
		if (c == '\\' && k + 1 < end - 1) {
			c = x->s[++k];
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == '0' ? '\0' : c;
		} else if (c == q) {
			k++;   /* a doubled quote */
		}
		if (gt_buf_addch(out, c))
			return false;
	}
	x->i = end;
	return true;
}

int my_text_prepare(const char *s, size_t n, char *name, size_t cap, struct gt_buf *arg, uint32_t *nargs)
{
	struct fx x = {s, n, 0};
	size_t from, to;

	*nargs = 0;
	if (kw(&x, "prepare")) {
		if (!ident(&x, name, cap) || !kw(&x, "from") || !string_lit(&x, arg) || !at_end(&x))
			return GT_EINVAL;
		return MY_TEXT_PREPARE;
	}
	if (kw(&x, "execute")) {
		if (!ident(&x, name, cap))
			return GT_EINVAL;
		if (kw(&x, "using")) {
			do {
				set_value(&x, &from, &to);
				if (from == to || (*nargs && gt_buf_addch(arg, 0)) ||
				    gt_buf_add(arg, x.s + from, to - from))
					return GT_EINVAL;
				(*nargs)++;
			} while (punct(&x, ','));
		}
		return at_end(&x) ? MY_TEXT_EXECUTE : GT_EINVAL;
	}
	bool dealloc = kw(&x, "deallocate");
	if (dealloc || kw(&x, "drop")) {
		if (!kw(&x, "prepare") && !dealloc)
			return 0;
		if (!ident(&x, name, cap) || !at_end(&x))
			return GT_EINVAL;
		return MY_TEXT_DEALLOCATE;
	}
	return 0;
}

/* ---- errors ---- */

/*
 * gt status -> MySQL error.  The first row whose status matches and
 * whose text (if any) occurs in the message wins.  A missing column is a
 * planning error in gt (as in GreptimeDB's HTTP API), but MySQL clients
 * know it as 1054.
 */
static const struct {
	int status;
	const char *text;
	uint16_t code;
	char sqlstate[6];
} errmap[] = {
	{GT_STATUS_PLAN_QUERY, "No field named", 1054, "42S22"},
	{GT_STATUS_PLAN_QUERY, "Table not found", 1146, "42S02"},
	{GT_STATUS_TABLE_NOT_FOUND, NULL, 1146, "42S02"},
	{GT_STATUS_TABLE_COLUMN_NOT_FOUND, NULL, 1054, "42S22"},
	{GT_STATUS_TABLE_ALREADY_EXISTS, NULL, 1050, "42S01"},
	{GT_STATUS_TABLE_COLUMN_EXISTS, NULL, 1060, "42S21"},
	{GT_STATUS_DATABASE_NOT_FOUND, NULL, 1049, "42000"},
	{GT_STATUS_DATABASE_ALREADY_EXISTS, NULL, 1007, "HY000"},
	{GT_STATUS_INVALID_SYNTAX, NULL, 1064, "42000"},
	{GT_STATUS_UNSUPPORTED, "Unknown system variable", 1193, "HY000"},
	{GT_STATUS_UNSUPPORTED, "SQL statement is not supported, keyword", 1064, "42000"},
	{GT_STATUS_UNSUPPORTED, NULL, 1235, "42000"},
	{GT_STATUS_INVALID_ARGUMENTS, NULL, 1210, "HY000"},
	{GT_STATUS_CANCELLED, NULL, 1317, "70100"},
	{GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, NULL, 1041, "HY000"},
	{GT_STATUS_RATE_LIMITED, NULL, 1041, "HY000"},
	{GT_STATUS_USER_NOT_FOUND, NULL, 1045, "28000"},
	{GT_STATUS_UNSUPPORTED_PASSWORD_TYPE, NULL, 1045, "28000"},
	{GT_STATUS_USER_PASSWORD_MISMATCH, NULL, 1045, "28000"},
	{GT_STATUS_ACCESS_DENIED, NULL, 1045, "28000"},
	{GT_STATUS_PERMISSION_DENIED, NULL, 1227, "42000"},
};

void my_errcode(int status, const char *msg, uint16_t *code, const char **sqlstate)
{
	for (size_t k = 0; k < GT_ARRAY_LEN(errmap); k++) {
		if (errmap[k].status == status && (!errmap[k].text || strstr(msg, errmap[k].text))) {
			*code = errmap[k].code;
			*sqlstate = errmap[k].sqlstate;
			return;
		}
	}
	/* ER_INTERNAL_ERROR, as GreptimeDB answers an engine failure */
	*code = 1815;
	*sqlstate = "HY000";
}
