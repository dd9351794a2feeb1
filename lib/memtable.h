/*
 * memtable.h - the in-memory part of a region: a series dictionary (hash
 * of the encoded primary key) mapping to per-series columnar chunks
 * (1024 rows each: an insert never moves rows already stored, but for a
 * series' first chunk, which starts small and grows once or doubles).
 *
 * Rows are appended in arrival order; a series remembers whether its
 * timestamps arrived in order so that reading needs no sort in the
 * common case.  A memtable's schema is fixed at creation: the region
 * freezes the memtable and starts a new one when the schema changes.
 *
 * Life cycle: new -> insert* -> (frozen by the region: no more inserts)
 * -> collect for flush -> free.  insert and collect are thread-safe (one
 * mutex); collect copies rows out, so readers never hold the lock while
 * they merge.
 */
#ifndef GT_MEMTABLE_H
#define GT_MEMTABLE_H

#include "batch.h"
#include "merge.h"
#include "schema.h"

struct gt_memtable;

/* budget: the size at which the region freezes the memtable (0: none
 * known).  A series' first chunk starts small; when it fills up while
 * the chunks carved so far take under half of the budget, it goes to a
 * whole chunk at once, else it doubles (each step copies its rows). */
struct gt_memtable *gt_memtable_new(const struct gt_schema *schema, size_t budget);
void gt_memtable_free(struct gt_memtable *m);

/*
 * Insert every row of b (columns by schema column id; tags and fields the
 * batch lacks are null; the time column is required and must have no
 * nulls).  Row i gets sequence first_seq + i.  b->op may be NULL (puts).
 * The batch must have been checked against the schema (region.c does).
 */
int gt_memtable_insert(struct gt_memtable *m, const struct gt_batch *b, uint64_t first_seq,
		       struct gt_err *err);

/* Copy the rows a read wants into run r (set up by gt_run_setup), series
 * in key order, each series' rows in timestamp order. */
int gt_memtable_collect(struct gt_memtable *m, const struct gt_read_spec *spec, struct gt_run *r,
			struct gt_err *err);

/*
 * Reading a frozen memtable (no insert may run any more): series in key
 * order, each as a view batch (cols: time index, then the fields of
 * spec, in order; seq and op), rows in arrival order (sorted by time
 * when the series arrived in order; *sorted says).  A series of one
 * chunk is lent as it is, zero-copy; a longer one is copied once into
 * the iterator.  The view is valid until the next call; never release
 * it.  spec's time range and predicates are ignored: a flush reads
 * everything.
 */
struct gt_memtable_iter;
int gt_memtable_iter_new(struct gt_memtable *m, const struct gt_read_spec *spec,
			 struct gt_memtable_iter **out);
int gt_memtable_iter_next(struct gt_memtable_iter *it, const void **key, size_t *keylen,
			  const struct gt_batch **view, bool *sorted);
void gt_memtable_iter_free(struct gt_memtable_iter *it);

struct gt_memtable_stats {
	size_t bytes;          /* memory held, approximately */
	uint64_t rows;
	uint32_t series;
	uint64_t min_seq, max_seq;
	int64_t min_ts, max_ts;
};
void gt_memtable_stats(struct gt_memtable *m, struct gt_memtable_stats *out);
size_t gt_memtable_bytes(struct gt_memtable *m);
/* The schema version the memtable was made for. */
uint32_t gt_memtable_schema_version(const struct gt_memtable *m);

#endif
