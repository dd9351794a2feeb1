/*
 * ingest.c - line protocol -> per-table columnar batches -> tables.
 *
 * Pass 1 (parse): each point lands in the builder of its measurement:
 * one vec per column name seen, padded with nulls where a line lacks the
 * column.  Pass 2 (check): each builder is matched against its table
 * (created or widened as needed).  Pass 3 (write): each builder becomes
 * a batch keyed by column id and goes to the table's regions.
 */
#include "ingest.h"
#include "key.h"
#include "lp.h"

#include <xxhash.h>

#include <inttypes.h>
#include <stdio.h>

struct bcol {
	char *name;
	uint32_t namelen;
	uint8_t sem;           /* GT_TAG or GT_FIELD */
	uint8_t type;
	uint64_t first_line;   /* where its type was set, for messages */
	struct gt_vec v;
	uint32_t col_id;       /* pass 2 */
};

/*
 * A slot is one distinct tag set of the batch: lines of the same series
 * share it, so tag values are stored and encoded once per series, not
 * once per row.
 */
struct slot {
	uint64_t hash;
	uint32_t tag0, ntags;  /* its tags: stags[tag0 .. tag0 + ntags) */
};

struct stag {
	uint32_t col;          /* builder column */
	uint32_t off, len;     /* value in sarena */
};

struct gt_ingest_table {
	char *name;
	uint32_t nrows;
	struct gt_vec ts;
	struct slot *slots;
	uint32_t nslots, slot_cap;
	uint32_t *stab;        /* open addressing: slot index + 1 */
	uint32_t stab_cap;
	struct stag *stags;
	uint32_t nstags, stag_cap;
	struct gt_buf sarena;
	uint32_t *row_slot;
	uint32_t row_cap;
	struct bcol *cols;
	uint32_t ncols, cap;
	uint32_t *hint;        /* column index of the k-th tag/field of the last line */
	uint32_t nhint;
};

struct pctx {
	struct gt_ingest *in;
	struct gt_err *err;
	int64_t ts_mul_check;
};

void gt_ingest_init(struct gt_ingest *in, struct gt_db *db)
{
	memset(in, 0, sizeof(*in));
	in->db = db;
	in->ts_unit = GT_UNIT_NS;
}

static void table_reset(struct gt_ingest_table *t)
{
	t->nrows = 0;
	gt_vec_reset(&t->ts);
	t->nslots = 0;
	t->nstags = 0;
	gt_buf_reset(&t->sarena);
	if (t->stab)
		memset(t->stab, 0, t->stab_cap * sizeof(*t->stab));
	for (uint32_t i = 0; i < t->ncols; i++) {
		free(t->cols[i].name);
		gt_vec_release(&t->cols[i].v);
	}
	t->ncols = 0;
	t->nhint = 0;
}

void gt_ingest_release(struct gt_ingest *in)
{
	for (uint32_t i = 0; i < in->ntables; i++) {
		struct gt_ingest_table *t = &in->tables[i];
		table_reset(t);
		gt_vec_release(&t->ts);
		free(t->slots);
		free(t->stab);
		free(t->stags);
		free(t->row_slot);
		gt_buf_release(&t->sarena);
		free(t->cols);
		free(t->hint);
		free(t->name);
	}
	free(in->tables);
	memset(in, 0, sizeof(*in));
}

static struct gt_ingest_table *table_for(struct gt_ingest *in, const struct gt_lp_str *m)
{
	for (uint32_t i = 0; i < in->ntables; i++) {
		struct gt_ingest_table *t = &in->tables[i];
		if (strlen(t->name) == m->n && !memcmp(t->name, m->p, m->n))
			return t;
	}
	if (in->ntables == in->cap) {
		uint32_t cap = in->cap ? in->cap * 2 : 4;
		struct gt_ingest_table *nt = gt_reallocarray(in->tables, cap, sizeof(*nt));
		if (!nt)
			return NULL;
		in->tables = nt;
		in->cap = cap;
	}
	struct gt_ingest_table *t = &in->tables[in->ntables];
	memset(t, 0, sizeof(*t));
	if (!(t->name = gt_strndup(m->p, m->n)))
		return NULL;
	gt_vec_init(&t->ts, GT_TS);
	in->ntables++;
	return t;
}

/* Find or add the column for a name; k is the position in the line, for the hint. */
static int column_for(struct gt_ingest_table *t, uint32_t k, const struct gt_lp_str *name, uint8_t sem,
		      uint8_t type, uint64_t line, struct gt_err *err)
{
	uint32_t i;
	struct bcol *c;

	if (k < t->nhint && t->hint[k] < t->ncols) {
		c = &t->cols[t->hint[k]];
		if (c->namelen == name->n && !memcmp(c->name, name->p, name->n)) {
			i = t->hint[k];
			goto found;
		}
	}
	for (i = 0; i < t->ncols; i++)
		if (t->cols[i].namelen == name->n && !memcmp(t->cols[i].name, name->p, name->n))
			goto found;
	if (t->ncols >= GT_MAX_COLUMNS)
		return gt_errf(err, GT_ETOOBIG, "line %" PRIu64 ": table '%s' would have more than %d columns",
			       line, t->name, GT_MAX_COLUMNS);
	if (t->ncols == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 16;
		struct bcol *nc = gt_reallocarray(t->cols, cap, sizeof(*nc));
		if (!nc)
			return gt_errf(err, GT_ENOMEM, "out of memory");
		t->cols = nc;
		t->cap = cap;
	}
	c = &t->cols[t->ncols];
	memset(c, 0, sizeof(*c));
	if (!(c->name = gt_strndup(name->p, name->n)))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	c->namelen = name->n;
	c->sem = sem;
	c->type = type;
	c->first_line = line;
	gt_vec_init(&c->v, (enum gt_type)type);
	if (sem == GT_FIELD && gt_vec_pad_nulls(&c->v, t->nrows))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	i = t->ncols++;
found:
	c = &t->cols[i];
	if (c->sem != sem)
		return gt_errf(err, GT_EINVAL, "line %" PRIu64 ": '%s' is a %s here but a %s on line %" PRIu64,
			       line, c->name, sem == GT_TAG ? "tag" : "field", c->sem == GT_TAG ? "tag" : "field",
			       c->first_line);
	if (c->type != type)
		return gt_errf(err, GT_EINVAL, "line %" PRIu64 ": field '%s' is %s here but %s on line %" PRIu64,
			       line, c->name, gt_type_name(type, GT_UNIT_NS), gt_type_name(c->type, GT_UNIT_NS),
			       c->first_line);
	if (sem == GT_FIELD && c->v.len != t->nrows)
		return gt_errf(err, GT_EINVAL, "line %" PRIu64 ": '%s' appears twice", line, c->name);
	if (k >= t->nhint) {
		uint32_t *h = gt_reallocarray(t->hint, k + 1, sizeof(*h));
		if (!h)
			return gt_errf(err, GT_ENOMEM, "out of memory");
		t->hint = h;
		while (t->nhint <= k)
			t->hint[t->nhint++] = UINT32_MAX;
	}
	t->hint[k] = i;
	return (int)i;
}

static bool slot_equal(const struct gt_ingest_table *t, const struct slot *sl, const struct gt_lp_point *pt)
{
	if (sl->ntags != pt->ntags)
		return false;
	for (uint32_t k = 0; k < pt->ntags; k++) {
		const struct stag *st = &t->stags[sl->tag0 + k];
		const struct bcol *c = &t->cols[st->col];
		if (c->namelen != pt->tags[k].key.n || memcmp(c->name, pt->tags[k].key.p, c->namelen) ||
		    st->len != pt->tags[k].val.n || memcmp(t->sarena.p + st->off, pt->tags[k].val.p, st->len))
			return false;
	}
	return true;
}

static int stab_grow(struct gt_ingest_table *t)
{
	uint32_t cap = t->stab_cap ? t->stab_cap * 2 : 256;
	uint32_t *tab = gt_calloc(cap, sizeof(*tab));
	if (!tab)
		return GT_ENOMEM;
	for (uint32_t i = 0; i < t->nslots; i++) {
		uint32_t j = (uint32_t)t->slots[i].hash & (cap - 1);
		while (tab[j])
			j = (j + 1) & (cap - 1);
		tab[j] = i + 1;
	}
	free(t->stab);
	t->stab = tab;
	t->stab_cap = cap;
	return 0;
}

/* The slot of a point's tag set (hash h), made on first sight. */
static int slot_for(struct gt_ingest_table *t, const struct gt_lp_point *pt, uint64_t h, struct gt_err *err)
{
	uint32_t j;
	struct slot *sl;

	if ((t->nslots + 1) * 2 > t->stab_cap && stab_grow(t))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	for (j = (uint32_t)h & (t->stab_cap - 1); t->stab[j]; j = (j + 1) & (t->stab_cap - 1)) {
		sl = &t->slots[t->stab[j] - 1];
		if (sl->hash == h && slot_equal(t, sl, pt))
			return (int)(t->stab[j] - 1);
	}
	/* a new tag set */
	if (t->nslots == t->slot_cap) {
		uint32_t cap = t->slot_cap ? t->slot_cap * 2 : 64;
		struct slot *ns = gt_reallocarray(t->slots, cap, sizeof(*ns));
		if (!ns)
			return gt_errf(err, GT_ENOMEM, "out of memory");
		t->slots = ns;
		t->slot_cap = cap;
	}
	if (t->nstags + pt->ntags > t->stag_cap) {
		uint32_t cap = t->stag_cap ? t->stag_cap * 2 : 256;
		while (cap < t->nstags + pt->ntags)
			cap *= 2;
		struct stag *nt = gt_reallocarray(t->stags, cap, sizeof(*nt));
		if (!nt)
			return gt_errf(err, GT_ENOMEM, "out of memory");
		t->stags = nt;
		t->stag_cap = cap;
	}
	for (uint32_t k = 0; k < pt->ntags; k++) {
		int c = column_for(t, k, &pt->tags[k].key, GT_TAG, GT_STRING, pt->lineno, err);
		if (c < 0)
			return c;
		for (uint32_t q = 0; q < k; q++)
			if (t->stags[t->nstags + q].col == (uint32_t)c)
				return gt_errf(err, GT_EINVAL, "line %" PRIu64 ": tag '%s' appears twice", pt->lineno,
					       t->cols[c].name);
		struct stag *st = &t->stags[t->nstags + k];
		st->col = (uint32_t)c;
		st->off = (uint32_t)t->sarena.len;
		st->len = pt->tags[k].val.n;
		if (gt_buf_add(&t->sarena, pt->tags[k].val.p, pt->tags[k].val.n))
			return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	sl = &t->slots[t->nslots];
	sl->hash = h;
	sl->tag0 = t->nstags;
	sl->ntags = pt->ntags;
	t->nstags += pt->ntags;
	t->stab[j] = ++t->nslots;
	return (int)(t->nslots - 1);
}

/* Room in row_slot for n more rows. */
static int rows_reserve(struct gt_ingest_table *t, size_t n)
{
	if (n > UINT32_MAX - t->nrows)
		return GT_ETOOBIG;
	if (t->nrows + n > t->row_cap) {
		uint32_t cap = t->row_cap ? t->row_cap : 1024;
		while (cap < t->nrows + n)
			cap = cap > UINT32_MAX / 2 ? UINT32_MAX : cap * 2;
		uint32_t *rs = gt_reallocarray(t->row_slot, cap, sizeof(*rs));
		if (!rs)
			return GT_ENOMEM;
		t->row_slot = rs;
		t->row_cap = cap;
	}
	return 0;
}

static int on_point(void *ctx, const struct gt_lp_point *pt)
{
	struct pctx *p = ctx;
	struct gt_ingest_table *t = table_for(p->in, &pt->measurement);
	uint64_t h = 0;
	int rc, i;

	if (!t)
		return gt_errf(p->err, GT_ENOMEM, "out of memory");
	if (pt->ntags) {
		/* tags lie in order in the (unescaped in place) line: hash them in one go */
		const char *a = pt->tags[0].key.p;
		const char *e = pt->tags[pt->ntags - 1].val.p + pt->tags[pt->ntags - 1].val.n;
		h = XXH3_64bits(a, (size_t)(e - a));
	}
	if ((i = slot_for(t, pt, h, p->err)) < 0)
		return i;
	if (rows_reserve(t, 1))
		return gt_errf(p->err, GT_ENOMEM, "out of memory");
	t->row_slot[t->nrows] = (uint32_t)i;
	for (uint32_t k = 0; k < pt->nfields; k++) {
		const struct gt_lp_field *f = &pt->fields[k];
		struct gt_vec *v;
		if ((i = column_for(t, pt->ntags + k, &f->key, GT_FIELD, f->type, pt->lineno, p->err)) < 0)
			return i;
		v = &t->cols[i].v;
		switch (f->type) {
		case GT_F64: rc = gt_vec_push_f64(v, f->v.f64); break;
		case GT_I64: rc = gt_vec_push_i64(v, f->v.i64); break;
		case GT_U64: rc = gt_vec_push_u64(v, f->v.u64); break;
		case GT_BOOL: rc = gt_vec_push_bool(v, f->v.b); break;
		default: rc = gt_vec_push_str(v, f->s.p, f->s.n); break;
		}
		if (rc)
			return gt_errf(p->err, rc, "line %" PRIu64 ": out of memory", pt->lineno);
	}
	if ((rc = gt_vec_push_i64(&t->ts, pt->ts_ns)))
		return gt_errf(p->err, rc, "line %" PRIu64 ": out of memory", pt->lineno);
	t->nrows++;
	/* columns this line lacks */
	if (t->ncols != pt->ntags + pt->nfields)
		for (uint32_t c = 0; c < t->ncols; c++)
			if (t->cols[c].sem == GT_FIELD && t->cols[c].v.len < t->nrows &&
			    (rc = gt_vec_push_null(&t->cols[c].v)))
				return gt_errf(p->err, rc, "out of memory");
	return 0;
}

/* The schema of a table created for builder b: its tags (the primary
 * key), the time index, its fields; merge mode last_non_null. */
static int new_schema(const struct gt_ingest *in, const struct gt_ingest_table *b, struct gt_schema *s,
		      struct gt_err *err)
{
	int rc = 0;

	memset(s, 0, sizeof(*s));
	s->opts.merge_mode = GT_MERGE_LAST_NON_NULL;
	for (uint32_t c = 0; c < b->ncols && !rc; c++)
		if (b->cols[c].sem == GT_TAG)
			rc = gt_schema_add(s, b->cols[c].name, GT_STRING, GT_TAG, GT_UNIT_NS, err) < 0;
	for (uint32_t c = 0; c < b->ncols && !rc; c++)
		if (!strcmp(b->cols[c].name, GT_TS_COLUMN))
			rc = gt_errf(err, GT_EINVAL, "line %" PRIu64 ": column name '%s' is reserved for the time index",
				     b->cols[c].first_line, GT_TS_COLUMN);
	if (!rc && in->ts_first)
		rc = gt_schema_add(s, GT_TS_COLUMN, GT_TS, GT_TIME, (enum gt_unit)in->ts_unit, err) < 0;
	for (uint32_t c = 0; c < b->ncols && !rc; c++)
		if (b->cols[c].sem == GT_FIELD)
			rc = gt_schema_add(s, b->cols[c].name, b->cols[c].type, GT_FIELD, GT_UNIT_NS, err) < 0;
	rc = rc ? GT_EINVAL : 0;
	if (!rc && !in->ts_first)
		rc = gt_schema_add(s, GT_TS_COLUMN, GT_TS, GT_TIME, (enum gt_unit)in->ts_unit, err) < 0 ? GT_EINVAL : 0;
	if (rc)
		gt_schema_release(s);
	return rc;
}

/*
 * Look up every table the commit writes (infos[i], found[i]) and create
 * those missing in one go: a request that meets ten new metrics makes
 * one catalog change and creates their regions side by side, instead of
 * ten changes one after the other.  A table another writer creates
 * meanwhile is simply looked up again by prepare.
 */
static int lookup_or_create(struct gt_ingest *in, const char *dbname, struct gt_table_info *infos, bool *found,
			    struct gt_err *err)
{
	uint32_t n = in->ntables, k = 0;
	struct gt_table_spec *specs = gt_calloc(n + 1, sizeof(*specs));
	struct gt_schema *schemas = gt_calloc(n + 1, sizeof(*schemas));
	uint32_t *at = gt_calloc(n + 1, sizeof(*at));
	struct gt_table_info *outs = gt_calloc(n + 1, sizeof(*outs));
	int *rcs = gt_calloc(n + 1, sizeof(*rcs));
	struct gt_err *errs = gt_calloc(n + 1, sizeof(*errs));
	int rc = 0;

	if (!specs || !schemas || !at || !outs || !rcs || !errs)
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
	for (uint32_t i = 0; i < n && !rc; i++) {
		struct gt_ingest_table *b = &in->tables[i];
		if (!b->nrows)
			continue;
		rc = gt_db_table(in->db, dbname, b->name, &infos[i], err);
		if (!rc) {
			found[i] = true;
		} else if (rc == GT_ENOTFOUND) {
			if (!(rc = new_schema(in, b, &schemas[k], err))) {
				specs[k] = (struct gt_table_spec){b->name, &schemas[k], NULL};
				at[k++] = i;
			}
		}
	}
	if (!rc && k)
		rc = gt_db_create_tables(in->db, dbname, specs, k, outs, rcs, errs, err);
	for (uint32_t j = 0; j < k; j++) {
		if (!rc && !rcs[j]) {
			infos[at[j]] = outs[j];
			found[at[j]] = true;
		} else if (!rc && rcs[j] != GT_EEXIST) {
			rc = rcs[j];   /* the first refusal in request order */
			*err = errs[j];
		}
		gt_schema_release(&schemas[j]);
	}
	free(specs);
	free(schemas);
	free(at);
	free(outs);
	free(rcs);
	free(errs);
	return rc;
}

/* Make the table fit the builder: create it, or add missing columns.
 * found: t holds the table already (lookup_or_create). */
static int prepare(struct gt_ingest *in, const char *dbname, struct gt_ingest_table *b,
		   struct gt_table_info *t, bool found, struct gt_err *err)
{
	struct gt_schema s;
	bool changed = false;
	int rc, i;

	for (int attempt = 0; attempt < 5; attempt++) {
		rc = found && !attempt ? 0 : gt_db_table(in->db, dbname, b->name, t, err);
		if (rc == GT_ENOTFOUND && in->db->mc.ops->has_db(in->db->mc.self, dbname)) {
			if (!(rc = new_schema(in, b, &s, err))) {
				rc = gt_db_create_table(in->db, dbname, b->name, &s, NULL, t, err);
				gt_schema_release(&s);
			}
			if (rc == GT_EEXIST)
				continue;   /* created meanwhile by another writer */
			if (rc)
				return rc;
		} else if (rc) {
			return rc;
		}
		/* check and widen */
		if ((rc = gt_schema_copy(&s, &t->schema))) {
			gt_table_info_release(t);
			return gt_errf(err, rc, "out of memory");
		}
		changed = false;
		for (uint32_t c = 0; c < b->ncols && !rc; c++) {
			struct bcol *bc = &b->cols[c];
			i = gt_schema_find(&s, bc->name);
			if (i < 0) {
				i = gt_schema_add(&s, bc->name, bc->type, bc->sem, GT_UNIT_NS, err);
				if (i < 0)
					rc = i;
				changed = true;
			} else if (s.cols[i].sem != bc->sem) {
				rc = gt_errf(err, GT_EINVAL, "line %" PRIu64 ": '%s' is a %s in table '%s', the line has it as a %s",
					     bc->first_line, bc->name,
					     s.cols[i].sem == GT_TAG ? "tag" : s.cols[i].sem == GT_TIME ? "time index" : "field", b->name,
					     bc->sem == GT_TAG ? "tag" : "field");
			} else if (s.cols[i].type != bc->type) {
				rc = gt_errf(err, GT_EINVAL, "line %" PRIu64 ": column '%s' of table '%s' is %s, the line has %s",
					     bc->first_line, bc->name, b->name,
					     gt_ltype_name(s.cols[i].type, s.cols[i].unit, s.cols[i].lt), gt_type_name(bc->type, GT_UNIT_NS));
			}
			if (!rc)
				bc->col_id = s.cols[i].id;
		}
		if (!rc && changed) {
			rc = gt_db_alter_table(in->db, t, &s, err);
			gt_schema_release(&s);
			gt_table_info_release(t);
			if (rc == GT_EAGAIN)
				continue;
			if (rc)
				return rc;
			continue;   /* read it back with the new schema */
		}
		gt_schema_release(&s);
		if (rc)
			gt_table_info_release(t);
		return rc;
	}
	return gt_errf(err, GT_EAGAIN, "table '%s' keeps changing under this write; try again", b->name);
}

static void batch_release(struct gt_batch *b)
{
	b->sid = NULL;
	free(b->cols);
	free(b->col_ids);
	free(b->keyoff);
	gt_buf_release(&b->keys);
}

/* The builder's rows as a batch of table t.  It borrows the builder's
 * field vecs and row slots: batch_release gives them back. */
static int table_batch(struct gt_ingest_table *b, const struct gt_table_info *t, struct gt_batch *out,
		       struct gt_err *err)
{
	struct gt_batch batch;
	int ti = gt_schema_time_index(&t->schema);
	uint8_t unit = t->schema.cols[ti].unit;
	int rc = 0;

	struct gt_key_part parts[256];
	uint32_t pk[GT_MAX_COLUMNS];   /* builder column -> primary-key position */
	uint32_t ntags = 0, nf = 0;
	struct gt_buf key = {0};

	/* The batch borrows the builder's field vecs and row slots (given back below). */
	gt_batch_init(&batch);
	batch.nrows = b->nrows;
	batch.cols = gt_calloc(b->ncols + 1, sizeof(*batch.cols));
	batch.col_ids = gt_calloc(b->ncols + 1, sizeof(*batch.col_ids));
	if (!batch.cols || !batch.col_ids) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t c = 0; c < t->schema.ncols; c++)
		if (t->schema.cols[c].sem == GT_TAG)
			ntags++;
	if (ntags > 256) {
		rc = gt_errf(err, GT_ETOOBIG, "table '%s' has more than 256 tags", t->name);
		goto out;
	}
	for (uint32_t c = 0; c < b->ncols; c++) {
		if (b->cols[c].sem == GT_TAG) {
			uint32_t pos = 0;
			for (uint32_t k = 0; k < t->schema.ncols; k++) {
				if (t->schema.cols[k].id == b->cols[c].col_id)
					break;
				pos += t->schema.cols[k].sem == GT_TAG;
			}
			pk[c] = pos;
			continue;
		}
		batch.cols[nf] = b->cols[c].v;
		batch.col_ids[nf++] = b->cols[c].col_id;
	}
	if (unit == GT_UNIT_MS)   /* every Prometheus table: a constant divisor, no idiv */
		for (uint32_t r = 0; r < b->nrows; r++)
			b->ts.v.i64[r] /= 1000000;
	else if (unit != GT_UNIT_NS)
		for (uint32_t r = 0; r < b->nrows; r++)
			b->ts.v.i64[r] = gt_unit_convert(b->ts.v.i64[r], GT_UNIT_NS, (enum gt_unit)unit);
	batch.cols[nf] = b->ts;
	batch.col_ids[nf++] = t->schema.cols[ti].id;
	batch.ncols = nf;
	/* one encoded key per tag set, in the table's primary-key order */
	for (uint32_t sidx = 0; sidx < b->nslots && !rc; sidx++) {
		const struct slot *sl = &b->slots[sidx];
		for (uint32_t k = 0; k < ntags; k++) {
			parts[k].p = NULL;
			parts[k].n = 0;
		}
		for (uint32_t k = 0; k < sl->ntags; k++) {
			const struct stag *st = &b->stags[sl->tag0 + k];
			parts[pk[st->col]].p = b->sarena.p + st->off;
			parts[pk[st->col]].n = st->len;
		}
		gt_buf_reset(&key);
		if ((rc = gt_key_encode(&key, parts, ntags)))
			rc = gt_errf(err, rc, "series key of table '%s' too long", t->name);
		else if ((rc = gt_batch_add_key(&batch, key.p ? key.p : "", key.len)) >= 0)
			rc = 0;
		else
			rc = gt_errf(err, rc, "out of memory");
	}
	batch.has_keys = true;
	batch.sid = b->row_slot;
out:
	gt_buf_release(&key);
	*out = batch;
	if (rc)
		batch_release(out);
	return rc;
}

void gt_ingest_begin(struct gt_ingest *in, enum gt_unit ts_unit, bool ts_first)
{
	/* keep builders of measurements gone quiet from piling up across calls */
	if (in->ntables > 64) {
		struct gt_db *db = in->db;
		gt_ingest_release(in);
		gt_ingest_init(in, db);
	}
	for (uint32_t i = 0; i < in->ntables; i++)
		table_reset(&in->tables[i]);
	in->ts_unit = (uint8_t)ts_unit;
	in->ts_first = ts_first;
}

uint64_t gt_ingest_tags_hash(const struct gt_lp_point *pt)
{
	uint64_t h = 0;
	for (uint32_t k = 0; k < pt->ntags; k++) {
		h = XXH3_64bits_withSeed(pt->tags[k].key.p, pt->tags[k].key.n, h);
		h = XXH3_64bits_withSeed(pt->tags[k].val.p, pt->tags[k].val.n, h ^ 0x9e3779b97f4a7c15ULL);
	}
	return h;
}

int gt_ingest_rows(struct gt_ingest *in, const struct gt_lp_point *pt, uint64_t h, const int64_t *ts_ns,
		   const double *v, size_t n, struct gt_err *err)
{
	struct gt_ingest_table *t = table_for(in, &pt->measurement);
	struct gt_vec *fv;
	int rc, i, slot;

	if (!t)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	if (pt->nfields != 1 || pt->fields[0].type != GT_F64)
		return gt_errf(err, GT_EINVAL, "gt_ingest_rows wants one float field");
	if ((slot = slot_for(t, pt, h, err)) < 0)
		return slot;
	if ((i = column_for(t, pt->ntags, &pt->fields[0].key, GT_FIELD, GT_F64, pt->lineno, err)) < 0)
		return i;
	if (!n)
		return 0;
	if ((rc = rows_reserve(t, n)))
		return gt_errf(err, rc, "series %" PRIu64 ": too many rows", pt->lineno);
	fv = &t->cols[i].v;
	for (size_t r = 0; r < n; r++) {
		t->row_slot[t->nrows + r] = (uint32_t)slot;
		if ((rc = gt_vec_push_f64(fv, v[r])) || (rc = gt_vec_push_i64(&t->ts, ts_ns[r])))
			return gt_errf(err, rc, "out of memory");
	}
	t->nrows += (uint32_t)n;
	/* other fields of the table's builder (not of a Prometheus metric, which has one) */
	if (t->ncols != pt->ntags + 1)
		for (uint32_t c = 0; c < t->ncols; c++)
			while (t->cols[c].sem == GT_FIELD && t->cols[c].v.len < t->nrows)
				if ((rc = gt_vec_push_null(&t->cols[c].v)))
					return gt_errf(err, rc, "out of memory");
	return 0;
}

int gt_ingest_parse(struct gt_ingest *in, char *buf, size_t len, int precision, uint64_t first_lineno,
		    struct gt_err *err)
{
	struct pctx p = {in, err, 0};
	long n;

	gt_ingest_begin(in, GT_UNIT_NS, false);
	n = gt_lp_parse(buf, len, (enum gt_unit)precision, gt_now_ns(), first_lineno, on_point, &p, err);
	return n < 0 ? (int)n : 0;
}

int gt_ingest_commit(struct gt_ingest *in, const char *dbname, uint64_t *rows, struct gt_err *err)
{
	struct gt_table_info *infos = NULL;
	bool *found = NULL;
	int rc = 0;

	*rows = 0;
	if (!in->db->mc.ops->has_db(in->db->mc.self, dbname)) {
		rc = gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", dbname);
		goto out;
	}
	infos = gt_calloc(in->ntables + 1, sizeof(*infos));
	found = gt_calloc(in->ntables + 1, sizeof(*found));
	if (!infos || !found) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	rc = lookup_or_create(in, dbname, infos, found, err);
	for (uint32_t i = 0; i < in->ntables && !rc; i++) {
		if (!in->tables[i].nrows)
			continue;
		if ((rc = prepare(in, dbname, &in->tables[i], &infos[i], found[i], err)))
			break;
	}
	/* Every table of the request in one write: in process, one WAL append
	 * and one sync for all their regions.  A table that fails does not
	 * stop the others; the first to fail, in request order, answers. */
	if (!rc) {
		uint32_t n = in->ntables;
		const struct gt_table_info **ts = gt_calloc(n + 1, sizeof(*ts));
		const struct gt_batch **bs = gt_calloc(n + 1, sizeof(*bs));
		struct gt_batch *batch = gt_calloc(n + 1, sizeof(*batch));
		uint32_t *at = gt_calloc(n + 1, sizeof(*at)), k = 0;
		int *rcs = gt_calloc(n + 1, sizeof(*rcs));
		struct gt_err *errs = gt_calloc(n + 1, sizeof(*errs));

		if (!ts || !bs || !batch || !at || !rcs || !errs)
			rc = gt_errf(err, GT_ENOMEM, "out of memory");
		for (uint32_t i = 0; i < n && !rc; i++) {
			if (!in->tables[i].nrows)
				continue;
			if ((rcs[i] = table_batch(&in->tables[i], &infos[i], &batch[k], &errs[i])))
				continue;
			ts[k] = &infos[i];
			bs[k] = &batch[k];
			at[k++] = i;
		}
		if (!rc) {
			int *krc = gt_calloc(k + 1, sizeof(*krc));
			struct gt_err *kerr = gt_calloc(k + 1, sizeof(*kerr));
			if (!krc || !kerr) {
				rc = gt_errf(err, GT_ENOMEM, "out of memory");
			} else {
				gt_db_write_many(in->db, ts, bs, k, krc, kerr);
				for (uint32_t j = 0; j < k; j++) {
					rcs[at[j]] = krc[j];
					errs[at[j]] = kerr[j];
				}
			}
			free(krc);
			free(kerr);
		}
		for (uint32_t i = 0; i < n && !rc; i++) {
			if (rcs[i] < 0) {
				rc = rcs[i];
				*err = errs[i];
			}
		}
		for (uint32_t i = 0; i < n; i++)
			if (!rcs[i] && in->tables[i].nrows)
				*rows += in->tables[i].nrows;
		for (uint32_t j = 0; batch && j < k; j++)
			batch_release(&batch[j]);
		free(ts);
		free(bs);
		free(batch);
		free(at);
		free(rcs);
		free(errs);
	}
out:
	for (uint32_t i = 0; infos && i < in->ntables; i++)
		gt_table_info_release(&infos[i]);   /* zeroed ones too: a no-op */
	free(infos);
	free(found);
	return rc;
}

int gt_ingest_lp(struct gt_ingest *in, const char *dbname, char *buf, size_t len, int precision,
		 uint64_t first_lineno, uint64_t *rows, struct gt_err *err)
{
	int rc = gt_ingest_parse(in, buf, len, precision, first_lineno, err);
	*rows = 0;
	return rc ? rc : gt_ingest_commit(in, dbname, rows, err);
}
