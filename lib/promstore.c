/*
 * promstore.c - tables as Prometheus series (promstore.h).
 *
 * A selection runs table by table: the matchers are sorted into the
 * metric-name ones (which tables), __field__ (which columns), the
 * database override and the label ones; the label matchers on string
 * tags that a scan predicate can answer are pushed into the scan, and
 * every label matcher is checked again on the series' decoded labels,
 * once per series key.  Rows arrive per region in (series key, time)
 * order, so each series' samples are appended in time order.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "dtoa.h"
#include "key.h"
#include "keymap.h"
#include "merge.h"
#include "promstore.h"

#define FIELD_LABEL "__field__"

void gt_promstore_init(struct gt_promstore *ps, struct gt_db *db, const char *dbname)
{
	ps->db = db;
	ps->watch = NULL;
	snprintf(ps->dbname, sizeof(ps->dbname), "%s", dbname ? dbname : GT_DEFAULT_DB);
}

static int is_numeric(const struct gt_coldef *c)
{
	return c->sem == GT_FIELD && (c->type == GT_F64 || c->type == GT_I64 || c->type == GT_U64) &&
	       c->lt != GT_LT_DATE;
}

/* --- the matchers of one selection --- */

struct sel {
	const struct gt_pq_matcher *m;
	size_t nm;
	const char *dbname;
	int64_t mint, maxt;
	bool labels_only;
	bool nulls;          /* a NULL value is a sample (gt_pq_null()), not skipped */
	/* what is collected, over every table */
	struct gt_pq_series *s;
	size_t n, cap;
	bool *seen;          /* labels_only: the series has a sample in range */
	size_t *caps;        /* samples allocated per series */
	uint64_t samples;
	struct gt_db *db;
	const struct gt_promstore_watch *watch;
};

static bool is_name(const struct gt_pq_matcher *m)
{
	return !strcmp(m->name, "__name__");
}

static bool is_db(const struct gt_pq_matcher *m)
{
	return !strcmp(m->name, "__database__") || !strcmp(m->name, "__schema__");
}

static bool matches(const struct gt_pq_matcher *m, const char *v)
{
	return gt_pq_matcher_match(m, v, strlen(v)) == 1;
}

/* Time conversions, saturating at the int64 ends. */
static int64_t sat_mul(int64_t v, int64_t f)
{
	if (v > INT64_MAX / f)
		return INT64_MAX;
	if (v < INT64_MIN / f)
		return INT64_MIN;
	return v * f;
}

static int64_t floor_div(int64_t v, int64_t f)
{
	int64_t q = v / f;
	return (v % f < 0) ? q - 1 : q;
}

static int64_t p10(unsigned e)
{
	int64_t r = 1;
	while (e--)
		r *= 10;
	return r;
}

/* The scan range [*start, *end) in the column's unit for [mint, maxt] ms. */
static void unit_range(unsigned unit, int64_t mint, int64_t maxt, int64_t *start, int64_t *end)
{
	int64_t hi = maxt == INT64_MAX ? INT64_MAX : maxt + 1;
	if (unit >= GT_UNIT_MS) {
		int64_t f = p10(unit - GT_UNIT_MS);
		*start = sat_mul(mint, f);
		*end = hi == INT64_MAX ? INT64_MAX : sat_mul(hi, f);
	} else {
		*start = mint == INT64_MIN ? INT64_MIN : -floor_div(-mint, 1000);   /* ceil */
		*end = maxt == INT64_MAX ? INT64_MAX : floor_div(maxt, 1000) + 1;
	}
}

static int64_t to_ms(int64_t v, unsigned unit)
{
	if (unit >= GT_UNIT_MS)
		return floor_div(v, p10(unit - GT_UNIT_MS));
	return sat_mul(v, 1000);
}

/* --- collecting series --- */

static int add_series(struct sel *q, struct gt_pq_labels *labels, size_t *idx, struct gt_err *err)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;
		struct gt_pq_series *s = gt_reallocarray(q->s, cap, sizeof(*s));
		if (!s)
			return gt_errf(err, GT_ENOMEM, "out of memory");
		q->s = s;
		bool *seen = gt_reallocarray(q->seen, cap, sizeof(*seen));
		if (!seen)
			return gt_errf(err, GT_ENOMEM, "out of memory");
		q->seen = seen;
		size_t *caps = gt_reallocarray(q->caps, cap, sizeof(*caps));
		if (!caps)
			return gt_errf(err, GT_ENOMEM, "out of memory");
		q->caps = caps;
		q->cap = cap;
	}
	memset(&q->s[q->n], 0, sizeof(q->s[q->n]));
	q->s[q->n].labels = *labels;
	q->seen[q->n] = false;
	q->caps[q->n] = 0;
	memset(labels, 0, sizeof(*labels));
	*idx = q->n++;
	return 0;
}

/* Room for n more samples in series idx (and count them against the limit). */
static int reserve_samples(struct sel *q, size_t idx, size_t n, struct gt_err *err)
{
	struct gt_pq_series *s = &q->s[idx];
	size_t *cap = &q->caps[idx];

	if ((q->samples += n) > GT_PQ_MAX_SAMPLES)
		return gt_errf(err, GT_ETOOBIG, "query processing would load too many samples into memory in query execution");
	if (s->n + n > *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		while (nc < s->n + n)
			nc *= 2;
		int64_t *nt = gt_reallocarray(s->t, nc, sizeof(*nt));
		if (!nt)
			return gt_errf(err, GT_ENOMEM, "out of memory");
		s->t = nt;
		double *nv = gt_reallocarray(s->v, nc, sizeof(*nv));
		if (!nv)
			return gt_errf(err, GT_ENOMEM, "out of memory");
		s->v = nv;
		*cap = nc;
	}
	return 0;
}

static int add_sample(struct sel *q, size_t idx, int64_t t, double v, struct gt_err *err)
{
	struct gt_pq_series *s = &q->s[idx];
	int rc;

	if (q->labels_only) {
		q->seen[idx] = true;
		return 0;
	}
	if (s->n && s->t[s->n - 1] == t) {   /* a finer unit: the last row of the millisecond */
		s->v[s->n - 1] = v;
		return 0;
	}
	if ((rc = reserve_samples(q, idx, 1, err)))
		return rc;
	s->t[s->n] = t;
	s->v[s->n] = v;
	s->n++;
	return 0;
}

/* The common case in bulk: rows [i, e) of one series, a millisecond time
 * index and a float field with no nulls, rows in time order (a scan's
 * order) and so one per millisecond. */
static int add_run(struct sel *q, size_t idx, const int64_t *ts, const double *v, uint32_t n, struct gt_err *err)
{
	struct gt_pq_series *s = &q->s[idx];
	int rc;

	if ((rc = reserve_samples(q, idx, n, err)))
		return rc;
	memcpy(s->t + s->n, ts, n * sizeof(*ts));
	memcpy(s->v + s->n, v, n * sizeof(*v));
	s->n += n;
	return 0;
}

static int label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gt_pq_label *)a)->name, ((const struct gt_pq_label *)b)->name);
}

static void labels_free(struct gt_pq_labels *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->l[i].name);
		free(l->l[i].value);
	}
	free(l->l);
	memset(l, 0, sizeof(*l));
}

static int label_push(struct gt_pq_labels *l, const char *name, const char *value, size_t vlen)
{
	struct gt_pq_label *x = &l->l[l->n];
	if (!(x->name = gt_strdup(name)))
		return GT_ENOMEM;
	if (!(x->value = gt_malloc(vlen + 1))) {
		free(x->name);
		return GT_ENOMEM;
	}
	memcpy(x->value, value, vlen);
	x->value[vlen] = 0;
	l->n++;
	return 0;
}

/* A series' own memory (not the array it sits in). */
static void series_release(struct gt_pq_series *s)
{
	labels_free(&s->labels);
	free(s->t);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* The text of a non-string tag's key part. */
static int tag_text(const struct gt_coldef *c, const struct gt_key_part *p, char *buf, size_t n)
{
	struct gt_vec v;
	int len = -1;

	gt_vec_init(&v, (enum gt_type)c->type);
	if (gt_key_part_push(&v, p) == 0 && v.len == 1) {
		switch (c->type) {
		case GT_BOOL:
			len = snprintf(buf, n, "%s", v.v.b[0] ? "true" : "false");
			break;
		case GT_U64:
			len = snprintf(buf, n, "%" PRIu64, v.v.u64[0]);
			break;
		case GT_F64:
			len = gt_dtoa(buf, n, v.v.f64[0], false);
			if (len < 0)
				len = snprintf(buf, n, "%s", isnan(v.v.f64[0]) ? "NaN" : v.v.f64[0] > 0 ? "+Inf" : "-Inf");
			break;
		default:
			len = snprintf(buf, n, "%" PRId64, v.v.i64[0]);
		}
	}
	gt_vec_release(&v);
	return len;
}

/* --- one table --- */

struct table_ctx {
	struct sel *q;
	const struct gt_table_info *t;
	int *tagcol;             /* tag ordinal -> column index */
	uint32_t ntags;
	int ts;                  /* time index column */
	uint32_t *fields;        /* field column ids */
	uint32_t nf, nseries_f;  /* fields read; series per key (1 when labels_only) */
	const struct gt_pq_matcher **lm;   /* label matchers to check on the decoded labels */
	size_t nlm;
	const struct gt_pq_matcher **post; /* those no scan predicate answers (EXPLAIN) */
	size_t npost;
};

/*
 * Decode one series key into labels, check the label matchers, and
 * register the key's series.  *base = the index of its first series, or
 * SIZE_MAX when the matchers reject it.
 */
static int key_series(struct table_ctx *c, const void *key, size_t klen, struct gt_key_part *parts,
		      struct gt_buf *scratch, size_t *base, struct gt_err *err)
{
	struct gt_pq_labels l = {0};
	char num[48];
	int rc;

	*base = SIZE_MAX;
	if (gt_key_decode(key, klen, parts, c->ntags, scratch) < 0)
		return gt_errf(err, GT_ECORRUPT, "table %s: corrupt series key", c->t->name);
	for (size_t i = 0; i < c->nlm; i++) {
		const struct gt_pq_matcher *m = c->lm[i];
		const char *v = "";
		size_t vl = 0;
		for (uint32_t k = 0; k < c->ntags; k++) {
			const struct gt_coldef *col = &c->t->schema.cols[c->tagcol[k]];
			if (strcmp(col->name, m->name) || !parts[k].p)
				continue;
			if (col->type == GT_STRING) {
				v = parts[k].p;
				vl = parts[k].n;
			} else if ((rc = tag_text(col, &parts[k], num, sizeof(num))) >= 0) {
				v = num;
				vl = (size_t)rc;
			}
			break;
		}
		if (gt_pq_matcher_match(m, v, vl) != 1)
			return 0;
	}
	if (!(l.l = gt_calloc(c->ntags + 1, sizeof(*l.l))))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	rc = label_push(&l, "__name__", c->t->name, strlen(c->t->name));
	for (uint32_t k = 0; !rc && k < c->ntags; k++) {
		const struct gt_coldef *col = &c->t->schema.cols[c->tagcol[k]];
		if (!parts[k].p || !parts[k].n)
			continue;
		if (col->type == GT_STRING) {
			rc = label_push(&l, col->name, parts[k].p, parts[k].n);
		} else {
			int n = tag_text(col, &parts[k], num, sizeof(num));
			if (n > 0)
				rc = label_push(&l, col->name, num, (size_t)n);
		}
	}
	if (rc) {
		labels_free(&l);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	qsort(l.l, l.n, sizeof(*l.l), label_cmp);
	*base = c->q->n;
	for (uint32_t f = 0; f < c->nseries_f; f++) {
		struct gt_pq_labels copy = {0};
		size_t idx;
		if (f + 1 < c->nseries_f) {
			if (!(copy.l = gt_calloc(l.n + 1, sizeof(*copy.l))))
				rc = GT_ENOMEM;
			for (size_t i = 0; !rc && i < l.n; i++)
				rc = label_push(&copy, l.l[i].name, l.l[i].value, strlen(l.l[i].value));
			if (rc) {
				labels_free(&copy);
				labels_free(&l);
				return gt_errf(err, GT_ENOMEM, "out of memory");
			}
		}
		rc = add_series(c->q, f + 1 < c->nseries_f ? &copy : &l, &idx, err);
		if (rc) {
			labels_free(&copy);
			labels_free(&l);
			return rc;
		}
	}
	return 0;
}

/* A regex that is a plain alternation of literals ("a|b|c") as its values. */
static int literal_alternation(const char *re, char ***vals, uint32_t *n)
{
	size_t len = strlen(re), cnt = 1;
	char *copy, **v;

	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)re[i];
		if (ch == '|')
			cnt++;
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			   ch == '_' || ch == '-' || ch == ':' || ch == '/' || ch == ' ' || ch == ','))
			return 0;
	}
	if (re[0] == '|' || re[len - 1] == '|' || strstr(re, "||"))
		return 0;   /* an empty alternative matches the absent label */
	if (!(v = gt_calloc(cnt + 1, sizeof(*v))) || !(copy = gt_strdup(re))) {
		free(v);
		return GT_ENOMEM;
	}
	/* v[0] owns the copy; the others point into it */
	v[0] = copy;
	*n = 1;
	for (char *p = copy; *p; p++)
		if (*p == '|') {
			*p = 0;
			v[(*n)++] = p + 1;
		}
	*vals = v;
	return 1;
}

static int scan_table(struct sel *q, const struct gt_table_info *t, struct gt_err *err)
{
	const struct gt_schema *sc = &t->schema;
	struct table_ctx c = {.q = q, .t = t};
	struct gt_tag_pred *preds = NULL;
	char ***predvals = NULL;
	uint32_t npreds = 0;
	struct gt_scan_req req;
	struct gt_table_scan *scan = NULL;
	struct gt_keymap km = {0};
	size_t *bases = NULL, nbases = 0;
	struct gt_key_part *parts = NULL;
	struct gt_buf scratch = {0};
	int rc = 0;

	c.ts = gt_schema_time_index(sc);
	c.ntags = gt_schema_ntags(sc);
	if (c.ts < 0)
		return 0;
	c.tagcol = gt_calloc(c.ntags + 1, sizeof(*c.tagcol));
	c.fields = gt_calloc(sc->ncols + 1, sizeof(*c.fields));
	c.lm = gt_calloc(q->nm + 1, sizeof(*c.lm));
	c.post = gt_calloc(q->nm + 1, sizeof(*c.post));
	preds = gt_calloc(q->nm + 1, sizeof(*preds));
	predvals = gt_calloc(q->nm + 1, sizeof(*predvals));
	parts = gt_calloc(c.ntags + 1, sizeof(*parts));
	if (!c.tagcol || !c.fields || !c.lm || !c.post || !preds || !predvals || !parts) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t k = 0, o = 0; k < sc->ncols; k++)
		if (sc->cols[k].sem == GT_TAG)
			c.tagcol[o++] = (int)k;
	/* the fields: those __field__ allows, else the first numeric one */
	bool any_field_m = false;
	for (size_t i = 0; i < q->nm; i++)
		any_field_m |= !strcmp(q->m[i].name, FIELD_LABEL);
	for (uint32_t k = 0; k < sc->ncols; k++) {
		if (!is_numeric(&sc->cols[k]))
			continue;
		bool ok = true;
		for (size_t i = 0; ok && i < q->nm; i++)
			if (!strcmp(q->m[i].name, FIELD_LABEL))
				ok = matches(&q->m[i], sc->cols[k].name);
		if (ok)
			c.fields[c.nf++] = sc->cols[k].id;
		if (ok && !any_field_m)
			break;
	}
	if (!c.nf)
		goto out;
	c.nseries_f = q->labels_only ? 1 : c.nf;
	/* the label matchers: a label with no column is "" */
	for (size_t i = 0; i < q->nm; i++) {
		const struct gt_pq_matcher *m = &q->m[i];
		int col;
		if (is_name(m) || is_db(m) || !strcmp(m->name, FIELD_LABEL))
			continue;
		col = gt_schema_find(sc, m->name);
		if (col < 0 || sc->cols[col].sem != GT_TAG) {
			if (!matches(m, ""))
				goto out;      /* no series of this table can match */
			continue;
		}
		c.lm[c.nlm++] = m;
		c.post[c.npost++] = m;   /* until a predicate answers it */
		if (sc->cols[col].type != GT_STRING)
			continue;
		struct gt_tag_pred *p = &preds[npreds];
		p->tag = gt_schema_tag_ordinal(sc, col);
		if (m->op == GT_PQ_M_EQ && m->value[0]) {
			if (!(predvals[npreds] = gt_calloc(2, sizeof(char *))) ||
			    !(predvals[npreds][0] = gt_strdup(m->value))) {
				rc = gt_errf(err, GT_ENOMEM, "out of memory");
				goto out;
			}
			p->op = GT_PRED_EQ;
			p->nvals = 1;
		} else if (m->op == GT_PQ_M_RE) {
			int lr = literal_alternation(m->value, &predvals[npreds], &p->nvals);
			if (lr < 0) {
				rc = gt_errf(err, GT_ENOMEM, "out of memory");
				goto out;
			}
			if (!lr)
				continue;
			p->op = GT_PRED_IN;
		} else {
			continue;
		}
		p->vals = (const char *const *)predvals[npreds];
		npreds++;
		c.npost--;
	}
	memset(&req, 0, sizeof(req));
	unit_range(sc->cols[c.ts].unit, q->mint, q->maxt, &req.start, &req.end);
	if (req.start >= req.end)
		goto out;
	req.field_ids = c.fields;
	req.nfields = c.nf;
	req.preds = preds;
	req.npreds = npreds;
	if (q->watch && q->watch->scan(q->watch->ctx, t, &req, c.post, c.npost))
		goto out;
	if ((rc = gt_db_scan(q->db, t, &req, &scan, err)) < 0)
		goto out;
	uint64_t nrows = 0;
	for (;;) {
		const struct gt_batch *b;
		rc = gt_table_scan_next(scan, &b, err);
		if (rc <= 0)
			break;
		rc = 0;
		nrows += b->nrows;
		int tsi = gt_batch_find(b, sc->cols[c.ts].id);
		int fi[64];
		if (tsi < 0 || c.nf > GT_ARRAY_LEN(fi)) {
			rc = gt_errf(err, GT_EUNSUPP, "table %s: more than %zu fields selected", t->name, GT_ARRAY_LEN(fi));
			break;
		}
		for (uint32_t f = 0; f < c.nf; f++)
			fi[f] = gt_batch_find(b, c.fields[f]);
		bool fast = sc->cols[c.ts].unit == GT_UNIT_MS && !q->labels_only;
		for (uint32_t f = 0; f < c.nf && fast; f++)
			fast = fi[f] < 0 || (b->cols[fi[f]].type == GT_F64 && !b->cols[fi[f]].valid);
		uint32_t last_sid = UINT32_MAX;
		size_t base = SIZE_MAX;
		for (uint32_t i = 0; i < b->nrows && !rc; i++) {
			uint32_t sid = b->sid ? b->sid[i] : 0;
			if (sid != last_sid) {
				size_t klen;
				bool isnew;
				const void *key = gt_table_scan_key(scan, sid, &klen);
				int id;
				last_sid = sid;
				if (!key) {
					rc = gt_errf(err, GT_ECORRUPT, "table %s: series %u has no key", t->name, sid);
					break;
				}
				if ((id = gt_keymap_get(&km, key, klen, &isnew)) < 0) {
					rc = gt_errf(err, id, "out of memory");
					break;
				}
				if (isnew) {
					if ((size_t)id >= nbases) {
						size_t nb = nbases ? nbases * 2 : 64;
						size_t *x = gt_reallocarray(bases, nb, sizeof(*x));
						if (!x) {
							rc = gt_errf(err, GT_ENOMEM, "out of memory");
							break;
						}
						bases = x;
						nbases = nb;
					}
					if ((rc = key_series(&c, key, klen, parts, &scratch, &bases[id], err)))
						break;
				}
				base = bases[id];
			}
			if (base == SIZE_MAX)
				continue;
			if (fast) {
				/* the rest of this series' rows in the batch, at once */
				uint32_t e = i + 1;
				while (e < b->nrows && (b->sid ? b->sid[e] : 0) == sid)
					e++;
				for (uint32_t f = 0; f < c.nf && !rc; f++)
					if (fi[f] >= 0)
						rc = add_run(q, base + f, b->cols[tsi].v.i64 + i, b->cols[fi[f]].v.f64 + i,
							     e - i, err);
				i = e - 1;
				continue;
			}
			int64_t tms = to_ms(b->cols[tsi].v.i64[i], sc->cols[c.ts].unit);
			for (uint32_t f = 0; f < c.nf && !rc; f++) {
				const struct gt_vec *v;
				double x;
				if (fi[f] < 0)
					continue;
				v = &b->cols[fi[f]];
				if (gt_vec_is_null(v, i) && !q->nulls)
					continue;
				if (gt_vec_is_null(v, i))
					x = gt_pq_null();
				else if (v->type == GT_F64)
					x = v->v.f64[i];
				else if (v->type == GT_I64)
					x = (double)v->v.i64[i];
				else
					x = (double)v->v.u64[i];
				size_t idx = base + (q->labels_only ? 0 : f);
				rc = add_sample(q, idx, tms, x, err);
			}
		}
		if (rc)
			break;
	}
	if (q->watch && rc == 0)
		q->watch->scanned(q->watch->ctx, nrows);
out:
	gt_table_scan_free(scan);
	gt_keymap_release(&km);
	gt_buf_release(&scratch);
	for (uint32_t i = 0; predvals && i < q->nm; i++) {
		if (predvals[i])
			free(predvals[i][0]);   /* the values' storage (literal_alternation) */
		free(predvals[i]);
	}
	free(predvals);
	free(preds);
	free(parts);
	free(bases);
	free(c.tagcol);
	free(c.fields);
	free(c.lm);
	free(c.post);
	return rc;
}

/* Samples arrive in time order per series; keep that a fact even if a
 * source ever breaks it (sort, the last of equal timestamps wins). */
struct pt {
	int64_t t;
	double v;
	size_t i;
};

static int pt_cmp(const void *a, const void *b)
{
	const struct pt *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int fix_order(struct gt_pq_series *s, struct gt_err *err)
{
	size_t i, o = 0;
	struct pt *p;

	for (i = 1; i < s->n && s->t[i - 1] < s->t[i]; i++)
		;
	if (i >= s->n)
		return 0;
	if (!(p = gt_calloc(s->n, sizeof(*p))))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	for (i = 0; i < s->n; i++)
		p[i] = (struct pt){s->t[i], s->v[i], i};
	qsort(p, s->n, sizeof(*p), pt_cmp);
	for (i = 0; i < s->n; i++) {
		if (o && s->t[o - 1] == p[i].t)
			o--;
		s->t[o] = p[i].t;
		s->v[o++] = p[i].v;
	}
	s->n = o;
	free(p);
	return 0;
}

static int table_of(struct sel *q, const char *name, struct gt_err *err)
{
	struct gt_table_info t;
	struct gt_err e2 = {0};
	int rc;

	for (size_t i = 0; i < q->nm; i++)
		if (is_name(&q->m[i]) && !matches(&q->m[i], name))
			return 0;
	memset(&t, 0, sizeof(t));
	rc = gt_db_table(q->db, q->dbname, name, &t, &e2);
	if (rc == GT_ENOTFOUND)
		return 0;            /* no such metric: no series, as Prometheus */
	if (rc < 0) {
		*err = e2;
		return rc;
	}
	rc = scan_table(q, &t, err);
	gt_table_info_release(&t);
	return rc;
}

static int run(struct gt_promstore *ps, struct sel *q, struct gt_err *err)
{
	const char *metric = NULL;
	char **names = NULL;
	int rc = 0;

	q->db = ps->db;
	q->dbname = ps->dbname;
	q->watch = ps->watch;
	for (size_t i = 0; i < q->nm; i++) {
		const struct gt_pq_matcher *m = &q->m[i];
		if (is_db(m) && m->op == GT_PQ_M_EQ)
			q->dbname = m->value;
		else if (is_name(m) && m->op == GT_PQ_M_EQ)
			metric = m->value;
	}
	for (size_t i = 0; i < q->nm; i++)
		if (is_db(&q->m[i]) && !matches(&q->m[i], q->dbname))
			return 0;
	if (metric)
		return table_of(q, metric, err);
	rc = q->db->mc.ops->list_tables(q->db->mc.self, q->dbname, &names, err);
	if (rc == GT_ENOTFOUND)
		return 0;
	for (char **n = names; rc >= 0 && n && *n; n++)
		rc = table_of(q, *n, err);
	gt_strv_free(names);
	return rc < 0 ? rc : 0;
}

int gt_promstore_labels_cmp(const struct gt_pq_labels *a, const struct gt_pq_labels *b)
{
	for (size_t i = 0; i < a->n && i < b->n; i++) {
		int c = strcmp(a->l[i].name, b->l[i].name);
		if (c)
			return c;
		if ((c = strcmp(a->l[i].value, b->l[i].value)))
			return c;
	}
	return a->n < b->n ? -1 : a->n > b->n;
}

static int series_cmp(const void *a, const void *b)
{
	const struct gt_pq_series *x = a, *y = b;
	return gt_promstore_labels_cmp(&x->labels, &y->labels);
}

static void sel_free(struct sel *q)
{
	for (size_t i = 0; i < q->n; i++)
		series_release(&q->s[i]);
	free(q->s);
	free(q->seen);
	free(q->caps);
}

static int do_select(void *ctx, const struct gt_pq_matcher *m, size_t nm, int64_t mint, int64_t maxt, int nulls,
		     struct gt_pq_series **out, size_t *n, struct gt_err *err)
{
	struct sel q = {.m = m, .nm = nm, .mint = mint, .maxt = maxt, .nulls = nulls != 0};
	size_t o = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = run(ctx, &q, err)) < 0) {
		sel_free(&q);
		return rc;
	}
	/* only series with a sample in range */
	for (size_t i = 0; i < q.n; i++) {
		if (!q.s[i].n) {
			series_release(&q.s[i]);
			continue;
		}
		if ((rc = fix_order(&q.s[i], err)) < 0) {
			/* [0, o) were kept, [i, n) are still in place */
			for (size_t j = i; j < q.n; j++)
				series_release(&q.s[j]);
			q.n = o;
			sel_free(&q);
			return rc;
		}
		q.s[o++] = q.s[i];
	}
	free(q.seen);
	free(q.caps);
	if (!o) {
		/* never NULL, so that callers may qsort/memcpy it as it is */
		free(q.s);
		if (!(q.s = gt_calloc(1, sizeof(*q.s))))
			return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	if (o > 1)
		qsort(q.s, o, sizeof(*q.s), series_cmp);
	*out = q.s;
	*n = o;
	return 0;
}

void gt_promstore_source(struct gt_promstore *ps, struct gt_pq_source *src)
{
	src->ctx = ps;
	src->select = do_select;
}

int gt_promstore_series(struct gt_promstore *ps, const struct gt_pq_matcher *m, size_t nm, int64_t mint,
			int64_t maxt, struct gt_pq_series **out, size_t *n, struct gt_err *err)
{
	struct sel q = {.m = m, .nm = nm, .mint = mint, .maxt = maxt, .labels_only = true};
	size_t o = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = run(ps, &q, err)) < 0) {
		sel_free(&q);
		return rc;
	}
	for (size_t i = 0; i < q.n; i++) {
		if (q.seen[i])
			q.s[o++] = q.s[i];
		else
			series_release(&q.s[i]);
	}
	free(q.seen);
	free(q.caps);
	if (!o) {
		/* never NULL, so that callers may qsort/memcpy it as it is */
		free(q.s);
		if (!(q.s = gt_calloc(1, sizeof(*q.s))))
			return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	*out = q.s;
	*n = o;
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and make unique a NULL-terminated array of n strings. */
static void strv_sort_unique(char **v, size_t *n)
{
	size_t o = 0;
	qsort(v, *n, sizeof(*v), str_cmp);
	for (size_t i = 0; i < *n; i++) {
		if (o && !strcmp(v[o - 1], v[i])) {
			free(v[i]);
			continue;
		}
		v[o++] = v[i];
	}
	v[o] = NULL;
	*n = o;
}

/* Every table with a numeric field: its name (tags false) or its tag
 * column names (tags true), plus __name__. */
static int collect_names(struct gt_promstore *ps, bool tags, char ***out, struct gt_err *err)
{
	char **tables = NULL, **v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	rc = ps->db->mc.ops->list_tables(ps->db->mc.self, ps->dbname, &tables, err);
	if (rc == GT_ENOTFOUND)
		rc = 0;
	for (char **tn = tables; rc >= 0 && tn && *tn; tn++) {
		struct gt_table_info t;
		struct gt_err e2 = {0};
		bool numeric = false;
		memset(&t, 0, sizeof(t));
		if (ps->db->mc.ops->get_table(ps->db->mc.self, ps->dbname, *tn, &t, &e2) < 0)
			continue;   /* dropped meanwhile */
		for (uint32_t k = 0; k < t.schema.ncols; k++)
			numeric |= is_numeric(&t.schema.cols[k]);
		for (uint32_t k = 0; numeric && k <= t.schema.ncols && rc >= 0; k++) {
			const char *name;
			if (k == t.schema.ncols)
				name = tags ? "__name__" : *tn;
			else if (tags && t.schema.cols[k].sem == GT_TAG)
				name = t.schema.cols[k].name;
			else
				continue;
			if (n + 2 > cap) {
				size_t nc = cap ? cap * 2 : 32;
				char **x = gt_reallocarray(v, nc, sizeof(*x));
				if (!x) {
					rc = gt_errf(err, GT_ENOMEM, "out of memory");
					break;
				}
				v = x;
				cap = nc;
			}
			if (!(v[n] = gt_strdup(name))) {
				rc = gt_errf(err, GT_ENOMEM, "out of memory");
				break;
			}
			v[++n] = NULL;
		}
		gt_table_info_release(&t);
	}
	gt_strv_free(tables);
	if (rc < 0) {
		if (v)
			v[n] = NULL;
		gt_strv_free(v);
		return rc;
	}
	if (!v && !(v = gt_calloc(1, sizeof(*v))))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	strv_sort_unique(v, &n);
	*out = v;
	return 0;
}

int gt_promstore_label_names(struct gt_promstore *ps, char ***names, struct gt_err *err)
{
	return collect_names(ps, true, names, err);
}

int gt_promstore_metric_names(struct gt_promstore *ps, char ***names, struct gt_err *err)
{
	return collect_names(ps, false, names, err);
}
