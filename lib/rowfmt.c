/* rowfmt.c - CSV, JSON lines and line protocol output of rows. */
#include "rowfmt.h"
#include "dtoa.h"
#include "lp.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

int gt_rowfmt_parse(const char *name)
{
	if (!strcmp(name, "csv"))
		return GT_FMT_CSV;
	if (!strcmp(name, "jsonl") || !strcmp(name, "json"))
		return GT_FMT_JSONL;
	if (!strcmp(name, "lp"))
		return GT_FMT_LP;
	return -1;
}

int gt_fmt_f64(char *buf, size_t n, double v)
{
	char digits[24], out[48];
	int e10, o = 0;

	if (isnan(v))
		return snprintf(buf, n, "NaN");
	if (isinf(v))
		return snprintf(buf, n, v > 0 ? "+Inf" : "-Inf");
	/* printf's %g of the fewest digits that read back (the shortest
	 * decimal: gt_dtoa_digits): plain where %g is (exponent -4 up to
	 * the digit count) and from 1e-5 to 1e16 */
	int nd = gt_dtoa_digits(v, false, digits, &e10);
	if (signbit(v))
		out[o++] = '-';
	if ((e10 >= -5 && e10 <= 15) || (e10 >= -4 && e10 < nd)) {
		if (e10 < 0) {
			out[o++] = '0';
			out[o++] = '.';
			for (int i = -1; i > e10; i--)
				out[o++] = '0';
			memcpy(out + o, digits, (size_t)nd);
			o += nd;
		} else {
			for (int i = 0; i <= e10; i++)
				out[o++] = i < nd ? digits[i] : '0';
			if (nd > e10 + 1) {
				out[o++] = '.';
				memcpy(out + o, digits + e10 + 1, (size_t)(nd - e10 - 1));
				o += nd - e10 - 1;
			}
		}
	} else {
		out[o++] = digits[0];
		if (nd > 1) {
			out[o++] = '.';
			memcpy(out + o, digits + 1, (size_t)nd - 1);
			o += nd - 1;
		}
		out[o++] = 'e';
		out[o++] = e10 < 0 ? '-' : '+';
		int ae = e10 < 0 ? -e10 : e10;
		if (ae < 10)
			out[o++] = '0';
		o += gt_utoa((uint64_t)ae, out + o);
	}
	if (n > 0) {   /* as snprintf: truncated, terminated, full length returned */
		size_t c = (size_t)o < n ? (size_t)o : n - 1;
		memcpy(buf, out, c);
		buf[c] = 0;
	}
	return o;
}

void gt_rowfmt_init(struct gt_rowfmt *f, int kind, const struct gt_schema *schema, const char *table, FILE *out)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->schema = schema;
	f->table = table;
	f->out = out;
}

void gt_rowfmt_release(struct gt_rowfmt *f)
{
	gt_buf_release(&f->line);
	gt_buf_release(&f->scratch);
	gt_vec_release(&f->tagv);
}

static int csv_str(struct gt_buf *b, const char *s, size_t n)
{
	int rc = 0;
	if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n))
		return gt_buf_add(b, s, n);
	rc |= gt_buf_addch(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			rc |= gt_buf_addch(b, '"');
		rc |= gt_buf_addch(b, s[i]);
	}
	rc |= gt_buf_addch(b, '"');
	return rc ? GT_ENOMEM : 0;
}

static int json_str(struct gt_buf *b, const char *s, size_t n)
{
	int rc = gt_buf_addch(b, '"');
	for (size_t i = 0; i < n && !rc; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			rc = gt_buf_addf(b, "\\%c", c);
		else if (c < 0x20)
			rc = gt_buf_addf(b, "\\u%04x", c);
		else
			rc = gt_buf_addch(b, c);
	}
	return rc ? rc : gt_buf_addch(b, '"');
}

/* Append the value of row i of v as text for the format. */
static int value(struct gt_rowfmt *f, struct gt_buf *b, const struct gt_vec *v, uint32_t i)
{
	char num[40];
	uint32_t n;
	const char *s;

	switch (v->type) {
	case GT_F64:
		gt_fmt_f64(num, sizeof(num), v->v.f64[i]);
		if (f->kind == GT_FMT_JSONL && !isfinite(v->v.f64[i]))
			return json_str(b, num, strlen(num));
		return gt_buf_addstr(b, num);
	case GT_I64:
		return gt_buf_addf(b, f->kind == GT_FMT_LP ? "%" PRId64 "i" : "%" PRId64, v->v.i64[i]);
	case GT_TS:
		return gt_buf_addf(b, "%" PRId64, v->v.i64[i]);
	case GT_U64:
		return gt_buf_addf(b, f->kind == GT_FMT_LP ? "%" PRIu64 "u" : "%" PRIu64, v->v.u64[i]);
	case GT_BOOL:
		return gt_buf_addstr(b, v->v.b[i] ? "true" : "false");
	default:
		s = gt_vec_str(v, i, &n);
		if (f->kind == GT_FMT_CSV)
			return csv_str(b, s, n);
		if (f->kind == GT_FMT_JSONL)
			return json_str(b, s, n);
		gt_buf_addch(b, '"');
		gt_lp_escape(b, s, n, "\"\\");
		return gt_buf_addch(b, '"');
	}
}

/* A non-string tag's value: decoded through a one-row vec and printed
 * as a value of its type (plain text in line protocol, where tags have
 * no type suffix). */
static int typed_tag(struct gt_rowfmt *f, struct gt_buf *o, const struct gt_coldef *cd,
		     const struct gt_key_part *p)
{
	int kind = f->kind, rc;

	gt_vec_release(&f->tagv);
	gt_vec_init(&f->tagv, (enum gt_type)cd->type);
	if ((rc = gt_key_part_push(&f->tagv, p)) < 0)
		return rc;
	if (kind == GT_FMT_LP)
		f->kind = GT_FMT_CSV;
	rc = value(f, o, &f->tagv, 0);
	f->kind = kind;
	return rc;
}

static int header(struct gt_rowfmt *f)
{
	struct gt_buf *b = &f->line;
	gt_buf_reset(b);
	for (uint32_t c = 0; c < f->schema->ncols; c++) {
		if (c)
			gt_buf_addch(b, ',');
		csv_str(b, f->schema->cols[c].name, strlen(f->schema->cols[c].name));
	}
	if (f->meta)
		gt_buf_addstr(b, ",__seq,__op");
	gt_buf_addch(b, '\n');
	return fwrite(b->p, 1, b->len, f->out) == b->len ? 0 : GT_EIO;
}

int gt_rowfmt_batch(struct gt_rowfmt *f, const struct gt_batch *b, gt_key_fn key, void *ctx)
{
	const struct gt_schema *s = f->schema;
	int colmap[GT_MAX_COLUMNS];
	uint32_t last_sid = UINT32_MAX;
	int nparts = 0, rc;

	if (f->kind == GT_FMT_CSV && !f->header_done) {
		if ((rc = header(f)))
			return rc;
		f->header_done = true;
	}
	for (uint32_t c = 0; c < s->ncols && c < GT_MAX_COLUMNS; c++)
		colmap[c] = gt_batch_find(b, s->cols[c].id);
	for (uint32_t r = 0; r < b->nrows; r++) {
		struct gt_buf *o = &f->line;
		uint32_t tag = 0;
		bool first = true, any_field = false;
		int64_t ts = 0;

		bool del = b->op && b->op[r] == GT_OP_DELETE;
		if (del && (!f->meta || f->kind == GT_FMT_LP))
			continue;
		if (b->sid && b->sid[r] != last_sid) {
			size_t klen;
			const void *k = key(ctx, b->sid[r], &klen);
			last_sid = b->sid[r];
			nparts = gt_key_decode(k, klen, f->parts, 256, &f->scratch);
			if (nparts < 0)
				return GT_ECORRUPT;
		}
		gt_buf_reset(o);
		if (f->kind == GT_FMT_JSONL)
			gt_buf_addch(o, '{');
		if (f->kind == GT_FMT_LP)
			gt_lp_escape(o, f->table, strlen(f->table), ", ");
		for (uint32_t c = 0; c < s->ncols; c++) {
			const struct gt_coldef *cd = &s->cols[c];
			const struct gt_key_part *p = NULL;
			const struct gt_vec *v = colmap[c] >= 0 ? &b->cols[colmap[c]] : NULL;
			bool isnull;

			if (cd->sem == GT_TAG) {
				p = tag < 256 ? &f->parts[tag] : NULL;
				tag++;
				isnull = !p || !p->p;
			} else {
				isnull = !v || gt_vec_is_null(v, r);
			}
			if (f->kind == GT_FMT_LP) {
				if (cd->sem == GT_TIME) {
					ts = gt_unit_convert(v->v.i64[r], (enum gt_unit)cd->unit, GT_UNIT_NS);
					continue;
				}
				if (isnull || (cd->sem == GT_TAG && !p->n))
					continue;
				if (cd->sem == GT_TAG) {
					gt_buf_addch(o, ',');
					gt_lp_escape(o, cd->name, strlen(cd->name), ",= ");
					gt_buf_addch(o, '=');
					if (cd->type != GT_STRING) {
						if ((rc = typed_tag(f, o, cd, p)))
							return rc;
					} else {
						gt_lp_escape(o, p->p, p->n, ",= ");
					}
				}
				continue;
			}
			if (f->kind == GT_FMT_CSV && !first)
				gt_buf_addch(o, ',');
			if (f->kind == GT_FMT_JSONL) {
				if (!first)
					gt_buf_addch(o, ',');
				json_str(o, cd->name, strlen(cd->name));
				gt_buf_addch(o, ':');
			}
			first = false;
			if (isnull) {
				if (f->kind == GT_FMT_JSONL)
					gt_buf_addstr(o, "null");
			} else if (cd->sem == GT_TAG && cd->type != GT_STRING) {
				if ((rc = typed_tag(f, o, cd, p)))
					return rc;
			} else if (cd->sem == GT_TAG) {
				if (f->kind == GT_FMT_CSV)
					csv_str(o, p->p, p->n);
				else
					json_str(o, p->p, p->n);
			} else if ((rc = value(f, o, v, r))) {
				return rc;
			}
		}
		if (f->kind == GT_FMT_LP) {
			/* fields after the tags */
			for (uint32_t c = 0; c < s->ncols; c++) {
				const struct gt_coldef *cd = &s->cols[c];
				const struct gt_vec *v = colmap[c] >= 0 ? &b->cols[colmap[c]] : NULL;
				if (cd->sem != GT_FIELD || !v || gt_vec_is_null(v, r))
					continue;
				gt_buf_addch(o, any_field ? ',' : ' ');
				gt_lp_escape(o, cd->name, strlen(cd->name), ",= ");
				gt_buf_addch(o, '=');
				if ((rc = value(f, o, v, r)))
					return rc;
				any_field = true;
			}
			if (!any_field)
				continue;
			gt_buf_addf(o, " %" PRId64, ts);
		}
		if (f->meta && f->kind == GT_FMT_CSV)
			gt_buf_addf(o, ",%" PRIu64 ",%s", b->seq ? b->seq[r] : 0, del ? "delete" : "put");
		if (f->meta && f->kind == GT_FMT_JSONL)
			gt_buf_addf(o, ",\"__seq\":%" PRIu64 ",\"__op\":\"%s\"", b->seq ? b->seq[r] : 0,
				    del ? "delete" : "put");
		if (f->kind == GT_FMT_JSONL)
			gt_buf_addch(o, '}');
		if (gt_buf_addch(o, '\n'))
			return GT_ENOMEM;
		if (fwrite(o->p, 1, o->len, f->out) != o->len)
			return GT_EIO;
	}
	return 0;
}
