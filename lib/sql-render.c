/*
 * sql-render.c - outputs and errors as GreptimeDB's sqlness results print
 * them: "Affected Rows: N", ASCII tables with left-aligned cells, empty
 * cells for nulls, "++\n++" for a result without columns.
 */
#include "sql-expr.h"

static int cell(const struct gt_sql_output *o, uint32_t c, uint32_t r, struct gt_buf *out)
{
	const struct gt_vec *v = &o->rows.cols[c];
	char buf[64];
	if (r >= v->len || gt_vec_is_null(v, r))
		return 0;
	if (sql_fmt_logical(buf, sizeof(buf), v, r, o->cols[c].lt, o->cols[c].unit))
		return gt_buf_addstr(out, buf);
	switch (v->type) {
	case GT_STRING: {
		uint32_t n;
		const char *s = gt_vec_str(v, r, &n);
		return gt_buf_add(out, s, n);
	}
	case GT_F64:
		sql_fmt_f64(buf, sizeof(buf), v->v.f64[r]);
		break;
	case GT_I64:
		snprintf(buf, sizeof(buf), "%lld", (long long)v->v.i64[r]);
		break;
	case GT_U64:
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v->v.u64[r]);
		break;
	case GT_BOOL:
		snprintf(buf, sizeof(buf), "%s", v->v.b[r] ? "true" : "false");
		break;
	case GT_TS:
		sql_fmt_ts(buf, sizeof(buf), v->v.i64[r], o->cols[c].unit);
		break;
	default:
		buf[0] = 0;
	}
	return gt_buf_addstr(out, buf);
}

/* Whether code point c is East Asian Wide or Fullwidth (two columns). */
static bool wide(uint32_t c)
{
	return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) || (c >= 0x3041 && c <= 0x33FF) ||
	       (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
	       (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
	       (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
	       (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
}

/* Display width as GreptimeDB's table printer counts it: a column per
 * code point, two for East Asian wide characters (CJK, fullwidth). */
static size_t width(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n;) {
		unsigned char b = (unsigned char)s[i];
		uint32_t c = b;
		size_t len = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
		if (len > 1 && i + len <= n) {
			c = b & (0x7F >> len);
			for (size_t k = 1; k < len; k++)
				c = c << 6 | ((unsigned char)s[i + k] & 0x3F);
		}
		w += wide(c) ? 2 : 1;
		i += len;
	}
	return w;
}

static int border(struct gt_buf *out, const size_t *w, uint32_t n)
{
	gt_buf_addch(out, '+');
	for (uint32_t c = 0; c < n; c++) {
		for (size_t k = 0; k < w[c] + 2; k++)
			gt_buf_addch(out, '-');
		gt_buf_addch(out, '+');
	}
	return gt_buf_addch(out, '\n');
}

static int line(struct gt_buf *out, char *const *cells, const size_t *len, const size_t *w, uint32_t n)
{
	/* A cell with newlines spans several lines, as comfy-table prints it. */
	uint32_t nl = 1;
	for (uint32_t c = 0; c < n; c++) {
		uint32_t k = 1;
		for (size_t i = 0; i < len[c]; i++)
			k += cells[c][i] == '\n';
		nl = GT_MAX(nl, k);
	}
	for (uint32_t l = 0; l < nl; l++) {
		gt_buf_addch(out, '|');
		for (uint32_t c = 0; c < n; c++) {
			const char *s = cells[c], *end = cells[c] + len[c];
			for (uint32_t k = 0; k < l && s; k++) {
				s = memchr(s, '\n', (size_t)(end - s));
				s = s ? s + 1 : NULL;
			}
			size_t sl = 0;
			if (s) {
				const char *e = memchr(s, '\n', (size_t)(end - s));
				sl = (size_t)((e ? e : end) - s);
			}
			gt_buf_addch(out, ' ');
			if (sl)
				gt_buf_add(out, s, sl);
			for (size_t k = s ? width(s, sl) : 0; k < w[c] + 1; k++)
				gt_buf_addch(out, ' ');
			gt_buf_addch(out, '|');
		}
		gt_buf_addch(out, '\n');
	}
	return 0;
}

int gt_sql_render_table(char *const *names, uint32_t n, const struct gt_buf *cells, uint32_t rows,
			struct gt_buf *out)
{
	size_t *w = gt_calloc(n ? n : 1, sizeof(*w)), *len = gt_calloc(n ? n : 1, sizeof(*len));
	char **ptr = gt_calloc(n ? n : 1, sizeof(*ptr));
	int rc = 0;
	if (!w || !len || !ptr) {
		rc = GT_ENOMEM;
		goto out;
	}
	for (uint32_t c = 0; c < n; c++)
		w[c] = width(names[c], strlen(names[c]));
	for (size_t i = 0; i < (size_t)n * rows; i++) {
		const char *s = cells[i].p ? cells[i].p : "";
		const char *st = s, *end = s + cells[i].len;
		while (st <= end) {
			const char *e = memchr(st, '\n', (size_t)(end - st));
			size_t lw = width(st, (size_t)((e ? e : end) - st));
			w[i % n] = GT_MAX(w[i % n], lw);
			if (!e)
				break;
			st = e + 1;
		}
	}
	border(out, w, n);
	for (uint32_t c = 0; c < n; c++) {
		ptr[c] = names[c];
		len[c] = strlen(names[c]);
	}
	line(out, ptr, len, w, n);
	border(out, w, n);
	for (uint32_t r = 0; r < rows; r++) {
		for (uint32_t c = 0; c < n; c++) {
			const struct gt_buf *b = &cells[(size_t)r * n + c];
			ptr[c] = b->p ? b->p : (char *)"";
			len[c] = b->len;
		}
		line(out, ptr, len, w, n);
	}
	border(out, w, n);
	if (out->len && out->p[out->len - 1] == '\n')
		out->p[--out->len] = 0;
out:
	free(w);
	free(len);
	free(ptr);
	return rc;
}

int gt_sql_render(const struct gt_sql_output *o, struct gt_buf *out)
{
	if (o->kind == GT_SQL_AFFECTED)
		return gt_buf_addf(out, "Affected Rows: %llu", (unsigned long long)o->affected);
	uint32_t n = o->ncols, rows = o->rows.nrows;
	if (n == 0 || (rows == 0 && !o->keep_header))
		return gt_buf_addstr(out, "++\n++");
	struct gt_buf *cells = gt_calloc((size_t)n * rows + 1, sizeof(*cells));
	char **names = gt_calloc(n, sizeof(*names));
	int rc = 0;
	if (!cells || !names) {
		rc = GT_ENOMEM;
		goto out;
	}
	for (uint32_t c = 0; c < n; c++)
		names[c] = o->cols[c].name;
	for (uint32_t r = 0; r < rows && rc == 0; r++)
		for (uint32_t c = 0; c < n && rc == 0; c++)
			if ((rc = cell(o, c, r, &cells[(size_t)r * n + c])) > 0)
				rc = 0;
	if (rc == 0)
		rc = gt_sql_render_table(names, n, cells, rows, out);
out:
	if (cells)
		for (size_t i = 0; i < (size_t)n * rows; i++)
			gt_buf_release(&cells[i]);
	free(cells);
	free(names);
	return rc;
}

int gt_sql_render_error(const struct gt_sql_error *e, struct gt_buf *out)
{
	return gt_buf_addf(out, "Error: %d(%s), %s", e->status, gt_status_name(e->status), e->msg);
}
