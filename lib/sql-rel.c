/*
 * sql-rel.c - relations: what a SELECT reads when it does not read a
 * table.  A relation is a schema and a columnar batch in memory (the
 * output of another query, a derived table, a system table built by
 * sql-sys.c); sql_select_rel() in sql-exec.c runs a SELECT over one
 * exactly as over a table scan.  This file owns building, converting and
 * releasing relations.
 *
 * A relation's schema may hold duplicate column names (the output of
 * SELECT a, a): it is built column by column here, not with
 * gt_schema_add(), and lookups find the first match.
 */
#include "sql-ast.h"

void sql_rel_init(struct sql_rel *r)
{
	memset(r, 0, sizeof(*r));
	gt_batch_init(&r->rows);
}

void sql_rel_release(struct sql_rel *r)
{
	free(r->name);
	gt_schema_release(&r->schema);
	gt_batch_release(&r->rows);
	sql_rel_init(r);
}

int sql_rel_set_name(struct sql_rel *r, const char *name)
{
	char *n = name ? gt_strdup(name) : NULL;
	if (name && !n)
		return GT_ENOMEM;
	free(r->name);
	r->name = n;
	return 0;
}

int sql_rel_add_col(struct sql_rel *r, const char *name, uint8_t type, uint8_t unit)
{
	struct gt_schema *sc = &r->schema;
	if (sc->ncols >= GT_MAX_COLUMNS)
		return GT_ETOOBIG;
	struct gt_coldef *cols = gt_reallocarray(sc->cols, sc->ncols + 1, sizeof(*cols));
	if (!cols)
		return GT_ENOMEM;
	sc->cols = cols;
	struct gt_coldef *c = &cols[sc->ncols];
	memset(c, 0, sizeof(*c));
	if (!(c->name = gt_strdup(name)))
		return GT_ENOMEM;
	c->id = sc->next_col_id++;
	c->type = type;
	c->unit = type == GT_TS ? unit : 0;
	c->sem = GT_FIELD;
	c->nullable = 1;
	sc->ncols++;
	if (gt_batch_add_col(&r->rows, c->id, type) < 0) {
		free(c->name);
		sc->ncols--;
		sc->next_col_id--;
		return GT_ENOMEM;
	}
	return (int)sc->ncols - 1;
}

int sql_rel_from_output(struct sql_rel *r, struct gt_sql_output *o, const char *name)
{
	sql_rel_init(r);
	if (sql_rel_set_name(r, name) < 0)
		return GT_ENOMEM;
	r->schema.cols = gt_calloc(o->ncols + 1, sizeof(*r->schema.cols));
	if (!r->schema.cols)
		return GT_ENOMEM;
	for (uint32_t k = 0; k < o->ncols; k++) {
		struct gt_coldef *c = &r->schema.cols[k];
		c->name = o->cols[k].name;
		o->cols[k].name = NULL;
		c->id = k;
		c->type = o->cols[k].type;
		c->unit = o->cols[k].unit;
		c->lt = o->cols[k].lt;
		c->sem = GT_FIELD;
		c->nullable = 1;
	}
	r->schema.ncols = r->schema.next_col_id = o->ncols;
	r->rows = o->rows;
	gt_batch_init(&o->rows);
	for (uint32_t k = 0; k < r->rows.ncols; k++)
		r->rows.col_ids[k] = k;
	return 0;
}
