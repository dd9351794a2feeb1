/*
 * manifest.c - a region's metadata: JSON deltas with periodic checkpoints
 * in the object store (the format and its protocol: man/man5/gt-manifest.5;
 * the rules in brief: manifest.h).
 *
 *   <region dir>/manifest/
 *     00000000000000000021.json         delta: version 21's actions
 *     00000000000000000022.json
 *     00000000000000000020.checkpoint   whole state at version 20
 *     _last_checkpoint                  {"version":20,"checkpoint":"0...20.checkpoint"}
 *
 * One code path reads JSON, whoever wrote it: a commit builds the delta
 * text from the edit, parses that text back exactly as recovery will, and
 * applies what it parsed.  So what the writer holds in memory after a
 * commit is by construction what a reader recovers, and a commit refuses
 * anything the reader would refuse before writing a byte.
 *
 * Applying is split in two so that a failure never leaves half an edit:
 * parse (allocates, validates, may fail) into a plan of operations, then
 * reserve room for the added files (may fail), then apply (cannot fail).
 */
#include "manifest.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define POINTER_NAME "_last_checkpoint"
#define VERSION_DIGITS 20

struct gt_manifest {
	struct gt_objstore *os;
	char *dir;                 /* "<region dir>/manifest" */
	struct gt_region_state st;
	uint64_t ckpt_version;     /* newest checkpoint written or loaded; 0 = none */
};

/* ---------------------------------------------------------------- ids */

static int id_valid(const char *id)
{
	size_t i;

	for (i = 0; i < GT_FILE_ID_LEN; i++) {
		char c = id[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-'))
			return 0;
	}
	return id[i] == '\0';
}

/* A 64-bit mix (splitmix64), only for the fallback below. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void gt_file_id_new(char out[GT_FILE_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	static uint64_t fallback_counter;
	unsigned char r[16];
	size_t got = 0;
	int o = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < sizeof(r)) {
		/* No kernel randomness (seccomp, ancient kernel): uniqueness is
		 * what matters for a file name, and time, pid and a counter
		 * give it. */
		uint64_t c = __atomic_add_fetch(&fallback_counter, 1, __ATOMIC_RELAXED);
		uint64_t a = mix64((uint64_t)gt_now_ns() ^ ((uint64_t)getpid() << 32) ^ c);
		uint64_t b = mix64(a ^ (uint64_t)gt_mono_ns() ^ c);
		memcpy(r, &a, 8);
		memcpy(r + 8, &b, 8);
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);   /* version 4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[r[i] >> 4];
		out[o++] = hex[r[i] & 15];
	}
	out[o] = '\0';
}

/* --------------------------------------------------------------- plans */

enum op_kind { OP_ADD, OP_REMOVE, OP_SEQ, OP_SCHEMA, OP_TRUNCATE };

struct op {
	enum op_kind kind;
	uint32_t n;
	struct gt_file_meta *files;          /* OP_ADD: sorted by id, unique */
	char (*ids)[GT_FILE_ID_LEN + 1];     /* OP_REMOVE: sorted, unique */
	uint64_t seq;                        /* OP_SEQ, OP_TRUNCATE */
	struct gt_schema schema;             /* OP_SCHEMA, owned */
};

struct plan {
	struct op *ops;
	size_t n, cap;
	uint64_t nadd;      /* files added by every OP_ADD together */
};

static void plan_release(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->ops[i].files);
		free(p->ops[i].ids);
		gt_schema_release(&p->ops[i].schema);
	}
	free(p->ops);
	memset(p, 0, sizeof(*p));
}

static struct op *plan_push(struct plan *p, enum op_kind kind)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		struct op *ops = gt_reallocarray(p->ops, cap, sizeof(*ops));
		if (!ops)
			return NULL;
		p->ops = ops;
		p->cap = cap;
	}
	memset(&p->ops[p->n], 0, sizeof(p->ops[0]));
	p->ops[p->n].kind = kind;
	return &p->ops[p->n++];
}

static int meta_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gt_file_meta *)a)->id, ((const struct gt_file_meta *)b)->id);
}

static int idstr_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* ------------------------------------------------------------- applying */

/* Room for extra more files; the only step of applying that can fail. */
static int state_reserve(struct gt_region_state *st, uint64_t extra, struct gt_err *err)
{
	uint64_t need = (uint64_t)st->nfiles + extra;
	size_t cap;
	struct gt_file_meta *f;

	if (need > GT_MANIFEST_MAX_FILES)
		return gt_errf(err, GT_ETOOBIG, "a region holds at most %u files", GT_MANIFEST_MAX_FILES);
	if (need <= st->cap)
		return 0;
	cap = GT_MAX((size_t)need, (size_t)st->cap + st->cap / 2);
	cap = GT_MAX(cap, (size_t)16);
	cap = GT_MIN(cap, (size_t)GT_MANIFEST_MAX_FILES);
	f = gt_reallocarray(st->files, cap, sizeof(*f));
	if (!f)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	st->files = f;
	st->cap = (uint32_t)cap;
	return 0;
}

/* Merge sorted, unique b[0..k) into the sorted files; an equal id is
 * replaced.  Needs room for nfiles + k (state_reserve). */
static void apply_add(struct gt_region_state *st, const struct gt_file_meta *b, uint32_t k)
{
	struct gt_file_meta *a = st->files;
	uint32_t n = st->nfiles, dups = 0, i, j;
	int64_t ia, jb, w;

	for (i = 0, j = 0; i < n && j < k;) {
		int c = strcmp(a[i].id, b[j].id);
		if (c == 0)
			dups++;
		i += c <= 0;
		j += c >= 0;
	}
	/* Backwards, so that nothing unread is overwritten: the slot written
	 * is never left of the next a[] still to be read. */
	ia = (int64_t)n - 1;
	jb = (int64_t)k - 1;
	w = (int64_t)n + k - dups - 1;
	while (jb >= 0) {
		int c = ia >= 0 ? strcmp(a[ia].id, b[jb].id) : -1;
		if (c > 0) {
			a[w--] = a[ia--];
		} else {
			if (c == 0)
				ia--;
			a[w--] = b[jb--];
		}
	}
	st->nfiles = n + k - dups;
}

static void apply_remove(struct gt_region_state *st, char (*ids)[GT_FILE_ID_LEN + 1], uint32_t k)
{
	uint32_t w = 0, j = 0;

	for (uint32_t i = 0; i < st->nfiles; i++) {
		int c = 1;
		while (j < k && (c = strcmp(ids[j], st->files[i].id)) < 0)
			j++;
		if (j < k && c == 0)
			continue;
		st->files[w++] = st->files[i];
	}
	st->nfiles = w;
}

/* Cannot fail once state_reserve(st, p->nadd) succeeded. */
static void apply_plan(struct gt_region_state *st, struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct op *op = &p->ops[i];
		switch (op->kind) {
		case OP_ADD:
			apply_add(st, op->files, op->n);
			break;
		case OP_REMOVE:
			apply_remove(st, op->ids, op->n);
			break;
		case OP_TRUNCATE:
			st->nfiles = 0;
			/* fall through */
		case OP_SEQ:
			st->flushed_seq = GT_MAX(st->flushed_seq, op->seq);
			break;
		case OP_SCHEMA:
			gt_schema_release(&st->schema);
			st->schema = op->schema;
			memset(&op->schema, 0, sizeof(op->schema));
			break;
		}
	}
}

void gt_region_state_release(struct gt_region_state *st)
{
	free(st->files);
	gt_schema_release(&st->schema);
	memset(st, 0, sizeof(*st));
}

/* ------------------------------------------------------------- JSON in */

/* An integer member of o within [lo, hi].  Returns 1 when absent and
 * optional, 0 when good, and an error otherwise. */
static int get_int(json_t *o, const char *key, int required, int64_t lo, int64_t hi, int64_t *out,
		   const char *what, struct gt_err *err)
{
	json_t *v = json_object_get(o, key);
	json_int_t x;

	if (!v) {
		if (!required)
			return 1;
		return gt_errf(err, GT_ECORRUPT, "%s: '%s' is missing", what, key);
	}
	if (!json_is_integer(v))
		return gt_errf(err, GT_ECORRUPT, "%s: '%s' must be an integer", what, key);
	x = json_integer_value(v);
	if (x < lo || x > hi)
		return gt_errf(err, GT_ECORRUPT, "%s: '%s' is out of range [%" PRId64 ", %" PRId64 "]", what,
			       key, lo, hi);
	*out = x;
	return 0;
}

static int get_u64(json_t *o, const char *key, uint64_t *out, const char *what, struct gt_err *err)
{
	int64_t v;
	int rc = get_int(o, key, 1, 0, INT64_MAX, &v, what, err);
	if (!rc)
		*out = (uint64_t)v;
	return rc;
}

static int get_id(json_t *v, char out[GT_FILE_ID_LEN + 1], const char *what, struct gt_err *err)
{
	const char *s = json_string_value(v);

	if (!s || json_string_length(v) != GT_FILE_ID_LEN || !id_valid(s))
		return gt_errf(err, GT_ECORRUPT, "%s: a file id must be %d characters of [0-9a-f-]", what,
			       GT_FILE_ID_LEN);
	memcpy(out, s, GT_FILE_ID_LEN + 1);
	return 0;
}

static int parse_meta(json_t *j, struct gt_file_meta *m, size_t idx, struct gt_err *err)
{
	char what[48];
	int64_t lvl;
	int rc;

	snprintf(what, sizeof(what), "file %zu", idx);
	if (!json_is_object(j))
		return gt_errf(err, GT_ECORRUPT, "%s: not an object", what);
	memset(m, 0, sizeof(*m));
	if ((rc = get_id(json_object_get(j, "id"), m->id, what, err)) ||
	    (rc = get_u64(j, "size", &m->size, what, err)) ||
	    (rc = get_u64(j, "rows", &m->rows, what, err)) ||
	    (rc = get_int(j, "min_ts", 1, INT64_MIN, INT64_MAX, &m->min_ts, what, err)) ||
	    (rc = get_int(j, "max_ts", 1, m->min_ts, INT64_MAX, &m->max_ts, what, err)) ||
	    (rc = get_u64(j, "min_seq", &m->min_seq, what, err)) ||
	    (rc = get_u64(j, "max_seq", &m->max_seq, what, err)) ||
	    (rc = get_int(j, "level", 1, 0, UINT32_MAX, &lvl, what, err)))
		return rc;
	if (m->max_seq < m->min_seq)
		return gt_errf(err, GT_ECORRUPT, "%s (%s): max_seq is below min_seq", what, m->id);
	m->level = (uint32_t)lvl;
	return 0;
}

/* The files of an add_files action or a checkpoint, sorted by id;
 * a repeated id is corruption. */
static int parse_files(json_t *arr, struct gt_file_meta **out, uint32_t *n, struct gt_err *err)
{
	size_t k = json_array_size(arr);
	struct gt_file_meta *f;
	int rc;

	*out = NULL;
	*n = 0;
	if (!json_is_array(arr))
		return gt_errf(err, GT_ECORRUPT, "files: not an array");
	if (k > GT_MANIFEST_MAX_FILES)
		return gt_errf(err, GT_ETOOBIG, "files: more than %u", GT_MANIFEST_MAX_FILES);
	f = gt_calloc(k, sizeof(*f));
	if (!f)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	for (size_t i = 0; i < k; i++) {
		rc = parse_meta(json_array_get(arr, i), &f[i], i, err);
		if (rc) {
			free(f);
			return rc;
		}
	}
	qsort(f, k, sizeof(*f), meta_cmp);
	for (size_t i = 1; i < k; i++) {
		if (!strcmp(f[i - 1].id, f[i].id)) {
			rc = gt_errf(err, GT_ECORRUPT, "file id %s appears twice", f[i].id);
			free(f);
			return rc;
		}
	}
	*out = f;
	*n = (uint32_t)k;
	return 0;
}

static int parse_remove(json_t *arr, struct op *op, struct gt_err *err)
{
	size_t k = json_array_size(arr), w = 0;
	int rc;

	if (!json_is_array(arr))
		return gt_errf(err, GT_ECORRUPT, "remove_files: not an array");
	if (k > GT_MANIFEST_MAX_FILES)
		return gt_errf(err, GT_ETOOBIG, "remove_files: more than %u", GT_MANIFEST_MAX_FILES);
	op->ids = gt_calloc(k, sizeof(*op->ids));
	if (!op->ids)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	for (size_t i = 0; i < k; i++)
		if ((rc = get_id(json_array_get(arr, i), op->ids[i], "remove_files", err)))
			return rc;
	qsort(op->ids, k, sizeof(*op->ids), idstr_cmp);
	/* Removing an id twice is as harmless as removing an absent one. */
	for (size_t i = 0; i < k; i++)
		if (!w || strcmp(op->ids[w - 1], op->ids[i]))
			memmove(op->ids[w++], op->ids[i], sizeof(op->ids[0]));
	op->n = (uint32_t)w;
	return 0;
}

/* gt_schema_to_json writes "default": null for a column without one, and
 * gt_schema_from_json refuses a null there; the manifest writes no such
 * member and drops it when reading, so either form is accepted. */
static void drop_null_defaults(json_t *schema)
{
	json_t *cols = json_object_get(schema, "columns");
	for (size_t i = 0; i < json_array_size(cols); i++) {
		json_t *c = json_array_get(cols, i);
		if (json_is_object(c) && json_is_null(json_object_get(c, "default")))
			json_object_del(c, "default");
	}
}

static int parse_schema(json_t *j, struct gt_schema *s, struct gt_err *err)
{
	if (!json_is_object(j))
		return gt_errf(err, GT_ECORRUPT, "schema: not an object");
	drop_null_defaults(j);
	return gt_schema_from_json(s, j, err);
}

static int parse_action(json_t *a, size_t idx, struct plan *p, struct gt_err *err)
{
	const char *key;
	json_t *v;
	struct op *op;
	int64_t seq;
	int rc;

	if (!json_is_object(a) || json_object_size(a) != 1)
		return gt_errf(err, GT_ECORRUPT, "action %zu: not an object with one member", idx);
	key = json_object_iter_key(json_object_iter(a));
	v = json_object_iter_value(json_object_iter(a));
	if (!strcmp(key, "add_files")) {
		if (!(op = plan_push(p, OP_ADD)))
			return gt_errf(err, GT_ENOMEM, "out of memory");
		if ((rc = parse_files(v, &op->files, &op->n, err)))
			return rc;
		p->nadd += op->n;
		if (p->nadd > GT_MANIFEST_MAX_FILES)
			return gt_errf(err, GT_ETOOBIG, "more than %u files added", GT_MANIFEST_MAX_FILES);
		return 0;
	}
	if (!strcmp(key, "remove_files")) {
		if (!(op = plan_push(p, OP_REMOVE)))
			return gt_errf(err, GT_ENOMEM, "out of memory");
		return parse_remove(v, op, err);
	}
	if (!strcmp(key, "flushed_seq")) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return gt_errf(err, GT_ECORRUPT, "action %zu: flushed_seq must be an integer >= 0", idx);
		if (!(op = plan_push(p, OP_SEQ)))
			return gt_errf(err, GT_ENOMEM, "out of memory");
		op->seq = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!strcmp(key, "truncate")) {
		if (!json_is_object(v))
			return gt_errf(err, GT_ECORRUPT, "action %zu: truncate must be an object", idx);
		if ((rc = get_int(v, "flushed_seq", 1, 0, INT64_MAX, &seq, "truncate", err)))
			return rc;
		if (!(op = plan_push(p, OP_TRUNCATE)))
			return gt_errf(err, GT_ENOMEM, "out of memory");
		op->seq = (uint64_t)seq;
		return 0;
	}
	if (!strcmp(key, "schema")) {
		if (!(op = plan_push(p, OP_SCHEMA)))
			return gt_errf(err, GT_ENOMEM, "out of memory");
		return parse_schema(v, &op->schema, err);
	}
	return gt_errf(err, GT_EUNSUPP, "action %zu: unknown action '%.64s' (from a newer gt?)", idx, key);
}

struct parsed {
	int is_ckpt;
	uint64_t version;
	int has_region;
	uint64_t region_id;
	struct plan plan;             /* a delta's actions */
	struct gt_region_state st;    /* a checkpoint's state */
};

static void parsed_release(struct parsed *p)
{
	plan_release(&p->plan);
	gt_region_state_release(&p->st);
}

static int parse_delta(json_t *root, struct parsed *out, struct gt_err *err)
{
	json_t *actions = json_object_get(root, "actions");
	int64_t t;
	int rc;

	if ((rc = get_int(root, "time_ms", 0, INT64_MIN, INT64_MAX, &t, "delta", err)) < 0)
		return rc;
	if (!json_is_array(actions))
		return gt_errf(err, GT_ECORRUPT, "delta: 'actions' must be an array");
	for (size_t i = 0; i < json_array_size(actions); i++)
		if ((rc = parse_action(json_array_get(actions, i), i, &out->plan, err)))
			return rc;
	return 0;
}

static int parse_checkpoint(json_t *root, struct parsed *out, struct gt_err *err)
{
	struct gt_region_state *st = &out->st;
	int rc;

	if (!out->has_region)
		return gt_errf(err, GT_ECORRUPT, "checkpoint: 'region_id' is missing");
	if ((rc = get_u64(root, "flushed_seq", &st->flushed_seq, "checkpoint", err)))
		return rc;
	if (!json_object_get(root, "schema"))
		return gt_errf(err, GT_ECORRUPT, "checkpoint: 'schema' is missing");
	if ((rc = parse_schema(json_object_get(root, "schema"), &st->schema, err)))
		return rc;
	if ((rc = parse_files(json_object_get(root, "files"), &st->files, &st->nfiles, err)))
		return rc;
	st->cap = st->nfiles;
	st->region_id = out->region_id;
	st->version = out->version;
	return 0;
}

/* Parse a delta or a checkpoint; everything else is GT_ECORRUPT. */
static int parse_text(const char *text, size_t len, struct parsed *out, struct gt_err *err)
{
	json_error_t je;
	json_t *root, *ck;
	int64_t v = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > GT_MANIFEST_MAX_BYTES)
		return gt_errf(err, GT_ETOOBIG, "manifest file of %zu bytes is over the ceiling of %u", len,
			       GT_MANIFEST_MAX_BYTES);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return gt_errf(err, GT_ECORRUPT, "bad JSON at line %d column %d: %s", je.line, je.column,
			       je.text);
	if (!json_is_object(root)) {
		rc = gt_errf(err, GT_ECORRUPT, "not a JSON object");
		goto out;
	}
	rc = get_int(root, "format", 0, 0, INT64_MAX, &v, "manifest", err);
	if (rc < 0)
		goto out;
	if (rc == 0 && v != GT_MANIFEST_FORMAT) {
		rc = gt_errf(err, v > GT_MANIFEST_FORMAT ? GT_EUNSUPP : GT_ECORRUPT,
			     "format %" PRId64 " is not %d", v, GT_MANIFEST_FORMAT);
		goto out;
	}
	ck = json_object_get(root, "checkpoint");
	if (ck && !json_is_boolean(ck)) {
		rc = gt_errf(err, GT_ECORRUPT, "'checkpoint' must be true or false");
		goto out;
	}
	out->is_ckpt = ck ? json_is_true(ck) : !json_object_get(root, "actions") && json_object_get(root, "files");
	if ((rc = get_int(root, "version", 1, 1, INT64_MAX, &v, "manifest", err)))
		goto out;
	out->version = (uint64_t)v;
	rc = get_int(root, "region_id", 0, 0, INT64_MAX, &v, "manifest", err);
	if (rc < 0)
		goto out;
	out->has_region = rc == 0;
	out->region_id = rc == 0 ? (uint64_t)v : 0;
	rc = out->is_ckpt ? parse_checkpoint(root, out, err) : parse_delta(root, out, err);
out:
	if (rc > 0)
		rc = 0;
	if (rc)
		parsed_release(out);
	json_decref(root);
	return rc;
}

/* Apply a parsed delta to st: the version must follow (unless st is
 * fresh) and the region must match.  st is unchanged on failure. */
static int apply_delta(struct gt_region_state *st, struct parsed *p, struct gt_err *err)
{
	int rc;

	if (st->version && p->version != st->version + 1)
		return gt_errf(err, GT_ECORRUPT, "delta version %" PRIu64 " does not follow version %" PRIu64,
			       p->version, st->version);
	if (st->version && p->has_region && p->region_id != st->region_id)
		return gt_errf(err, GT_ECORRUPT, "delta of region %" PRIu64 " applied to region %" PRIu64,
			       p->region_id, st->region_id);
	if ((rc = state_reserve(st, p->plan.nadd, err)))
		return rc;
	if (!st->version && p->has_region)
		st->region_id = p->region_id;
	apply_plan(st, &p->plan);
	st->version = p->version;
	return 0;
}

int gt_manifest_apply_json(struct gt_region_state *st, const char *text, size_t len, struct gt_err *err)
{
	struct parsed p;
	int rc = parse_text(text, len, &p, err);

	if (rc)
		return rc;
	if (p.is_ckpt) {
		gt_region_state_release(st);
		*st = p.st;
		memset(&p.st, 0, sizeof(p.st));
	} else {
		rc = apply_delta(st, &p, err);
	}
	parsed_release(&p);
	return rc;
}

/* ------------------------------------------------------------ JSON out */

static json_t *meta_to_json(const struct gt_file_meta *m)
{
	return json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "id", m->id,
			 "size", (json_int_t)m->size, "rows", (json_int_t)m->rows,
			 "min_ts", (json_int_t)m->min_ts, "max_ts", (json_int_t)m->max_ts,
			 "min_seq", (json_int_t)m->min_seq, "max_seq", (json_int_t)m->max_seq,
			 "level", (json_int_t)m->level);
}

/* NULL when out of memory or when a column cannot be written (an
 * invalid type or a name that is not UTF-8: gt_schema_to_json then
 * silently leaves the column out, which we must not). */
static json_t *schema_to_json(const struct gt_schema *s)
{
	json_t *j = gt_schema_to_json(s);

	if (j && json_array_size(json_object_get(j, "columns")) != s->ncols) {
		json_decref(j);
		return NULL;
	}
	if (j)
		drop_null_defaults(j);
	return j;
}

json_t *gt_region_state_to_json(const struct gt_region_state *st)
{
	json_t *files = json_array(), *schema = schema_to_json(&st->schema);

	if (!files || !schema)
		goto fail;
	for (uint32_t i = 0; i < st->nfiles; i++)
		if (json_array_append_new(files, meta_to_json(&st->files[i])))
			goto fail;
	return json_pack("{s:i,s:b,s:I,s:I,s:I,s:o,s:o}", "format", GT_MANIFEST_FORMAT, "checkpoint", 1,
			 "version", (json_int_t)st->version, "region_id", (json_int_t)st->region_id,
			 "flushed_seq", (json_int_t)st->flushed_seq, "schema", schema, "files", files);
fail:
	json_decref(files);
	json_decref(schema);
	return NULL;
}

/* Append {"<name>": v} to actions (stealing v); -1 on failure. */
static int add_action(json_t *actions, const char *name, json_t *v)
{
	return json_array_append_new(actions, json_pack("{s:o}", name, v));
}

/* The delta text of an edit, in the fixed order of manifest.h. */
static int edit_to_json(const struct gt_manifest_edit *e, uint64_t version, uint64_t region_id,
			json_t **out, struct gt_err *err)
{
	json_t *actions = json_array(), *a;

	*out = NULL;
	if (!actions)
		goto nomem;
	if (e->schema) {
		json_t *s = schema_to_json(e->schema);
		if (!s) {
			json_decref(actions);
			return gt_errf(err, GT_EINVAL, "the schema cannot be written as JSON (bad type or name, "
				       "or out of memory)");
		}
		if (add_action(actions, "schema", s))
			goto nomem;
	}
	if (e->truncate && add_action(actions, "truncate", json_pack("{s:I}", "flushed_seq",
								       (json_int_t)e->flushed_seq)))
		goto nomem;
	if (e->nremove) {
		if (!(a = json_array()) || add_action(actions, "remove_files", a))
			goto nomem;
		for (uint32_t i = 0; i < e->nremove; i++) {
			if (json_array_append_new(a, json_string(e->remove[i])))
				goto nomem;
		}
	}
	if (e->nadd) {
		if (!(a = json_array()) || add_action(actions, "add_files", a))
			goto nomem;
		for (uint32_t i = 0; i < e->nadd; i++)
			if (json_array_append_new(a, meta_to_json(&e->add[i])))
				goto nomem;
	}
	if (!e->truncate && e->flushed_seq &&
	    add_action(actions, "flushed_seq", json_integer((json_int_t)e->flushed_seq)))
		goto nomem;
	*out = json_pack("{s:i,s:I,s:I,s:I,s:o}", "format", GT_MANIFEST_FORMAT, "version", (json_int_t)version,
			 "region_id", (json_int_t)region_id, "time_ms", (json_int_t)(gt_now_ns() / 1000000),
			 "actions", actions);
	if (!*out)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	return 0;
nomem:
	json_decref(actions);
	return gt_errf(err, GT_ENOMEM, "out of memory");
}

/* j's compact text (j is consumed); GT_ETOOBIG over the ceiling. */
static int dump(json_t *j, char **text, size_t *len, struct gt_err *err)
{
	*text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!*text)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	*len = strlen(*text);
	if (*len > GT_MANIFEST_MAX_BYTES) {
		free(*text);
		*text = NULL;
		return gt_errf(err, GT_ETOOBIG, "manifest file of %zu bytes is over the ceiling of %u", *len,
			       GT_MANIFEST_MAX_BYTES);
	}
	return 0;
}

/* ------------------------------------------------------ object store */

static char *key_of(const struct gt_manifest *m, uint64_t version, const char *ext)
{
	struct gt_buf b = {0};
	int rc = version ? gt_buf_addf(&b, "%s/%0*" PRIu64 ".%s", m->dir, VERSION_DIGITS, version, ext)
			 : gt_buf_addf(&b, "%s/%s", m->dir, ext);
	if (rc) {
		gt_buf_release(&b);
		return NULL;
	}
	return gt_buf_detach(&b, NULL);
}

static int read_key(const struct gt_manifest *m, const char *key, struct gt_buf *out, struct gt_err *err)
{
	gt_buf_init(out, GT_MANIFEST_MAX_BYTES);
	return gt_objstore_get(m->os, key, 0, 0, out, err);
}

/* Parse a 20-digit version followed by ".<ext>"; 0 when name is not one. */
static uint64_t name_version(const char *name, const char *ext)
{
	uint64_t v = 0;

	for (int i = 0; i < VERSION_DIGITS; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	if (name[VERSION_DIGITS] != '.' || strcmp(name + VERSION_DIGITS + 1, ext) || v > INT64_MAX)
		return 0;
	return v;
}

/* What a listing of manifest/ found. */
struct scan {
	size_t dirlen;          /* strlen("<dir>/") */
	uint64_t *deltas;       /* ascending */
	size_t nd, capd;
	uint64_t newest_ckpt;   /* 0 = none */
	int has_pointer;
	int any;                /* anything of ours at all */
};

static int scan_fn(void *ctx, const char *key, uint64_t size)
{
	struct scan *s = ctx;
	const char *name = key + s->dirlen;
	uint64_t v;

	if (strchr(name, '/'))
		return 0;
	if (!strcmp(name, POINTER_NAME)) {
		s->has_pointer = s->any = 1;
	} else if ((v = name_version(name, "checkpoint"))) {
		s->newest_ckpt = GT_MAX(s->newest_ckpt, v);
		s->any = 1;
	} else if ((v = name_version(name, "json"))) {
		if (s->nd == s->capd) {
			size_t cap = s->capd ? s->capd * 2 : 32;
			uint64_t *d = gt_reallocarray(s->deltas, cap, sizeof(*d));
			if (!d)
				return GT_ENOMEM;
			s->deltas = d;
			s->capd = cap;
		}
		/* Fixed-width names: the listing's order is version order. */
		s->deltas[s->nd++] = v;
		s->any = 1;
	}
	return 0;
}

static int scan_dir(const struct gt_manifest *m, struct scan *s, struct gt_err *err)
{
	char *prefix = key_of(m, 0, "");
	int rc;

	memset(s, 0, sizeof(*s));
	if (!prefix)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	s->dirlen = strlen(prefix);
	rc = gt_objstore_list(m->os, prefix, scan_fn, s, err);
	if (rc == GT_ENOMEM)
		gt_errf(err, rc, "out of memory");
	free(prefix);
	if (rc) {
		free(s->deltas);
		s->deltas = NULL;
	}
	return rc;
}

/* The version _last_checkpoint names: 0 and *v = 0 if it is absent. */
static int read_pointer(const struct gt_manifest *m, uint64_t *v, struct gt_err *err)
{
	char *key = key_of(m, 0, POINTER_NAME);
	struct gt_buf b;
	json_error_t je;
	json_t *root = NULL;
	json_int_t ver;
	const char *name;
	int rc;

	*v = 0;
	if (!key)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	rc = read_key(m, key, &b, NULL);
	if (rc == GT_ENOTFOUND) {
		rc = 0;
		goto out;
	}
	if (rc) {
		rc = read_key(m, key, &b, err);   /* again, for the message */
		if (rc == GT_ENOTFOUND)
			rc = 0;
		if (rc)
			goto out;
	}
	root = json_loadb(b.p, b.len, JSON_REJECT_DUPLICATES, &je);
	if (!root || json_unpack_ex(root, &je, 0, "{s:I,s:s}", "version", &ver, "checkpoint", &name) ||
	    ver < 1 || name_version(name, "checkpoint") != (uint64_t)ver) {
		rc = gt_errf(err, GT_ECORRUPT, "'%s' is damaged: %s (delete it to recover from the listing)",
			     key, root ? "it must be {\"version\":N,\"checkpoint\":\"<N, 20 digits>.checkpoint\"}"
				       : je.text);
		goto out;
	}
	*v = (uint64_t)ver;
out:
	json_decref(root);
	gt_buf_release(&b);
	free(key);
	return rc;
}

/* Read a checkpoint ('c') or a delta ('d') of this version and apply it
 * to the state; errors name the file. */
static int load(struct gt_manifest *m, uint64_t version, int want, struct gt_err *err)
{
	char *key = key_of(m, version, want == 'c' ? "checkpoint" : "json");
	struct gt_buf b;
	struct parsed p;
	int rc;

	if (!key)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	rc = read_key(m, key, &b, err);
	if (rc == GT_ENOTFOUND)
		rc = gt_errf(err, GT_ECORRUPT, "'%s' is missing", key);
	if (rc)
		goto out;
	if ((rc = parse_text(b.p, b.len, &p, err))) {
		gt_err_prefix(err, "'%s'", key);
		goto out;
	}
	if (p.is_ckpt != (want == 'c'))
		rc = gt_errf(err, GT_ECORRUPT, "'%s' holds a %s", key, p.is_ckpt ? "checkpoint" : "delta");
	else if (p.version != version)
		rc = gt_errf(err, GT_ECORRUPT, "'%s' holds version %" PRIu64, key, p.version);
	else if (p.is_ckpt) {
		gt_region_state_release(&m->st);
		m->st = p.st;
		memset(&p.st, 0, sizeof(p.st));
	} else if ((rc = apply_delta(&m->st, &p, err)))
		gt_err_prefix(err, "'%s'", key);
	parsed_release(&p);
out:
	gt_buf_release(&b);
	free(key);
	return rc;
}

/* ------------------------------------------------------ the manifest */

static int manifest_new(struct gt_manifest **out, struct gt_objstore *os, const char *region_dir,
			struct gt_err *err)
{
	struct gt_manifest *m = gt_calloc(1, sizeof(*m));
	struct gt_buf b = {0};
	size_t n = strlen(region_dir);

	while (n && region_dir[n - 1] == '/')
		n--;
	if (!m || (n ? gt_buf_addf(&b, "%.*s/manifest", (int)n, region_dir) : gt_buf_addstr(&b, "manifest"))) {
		free(m);
		gt_buf_release(&b);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	m->os = os;
	m->dir = gt_buf_detach(&b, NULL);
	*out = m;
	return gt_objstore_check_key(m->dir, 0, err);
}

void gt_manifest_close(struct gt_manifest *m)
{
	if (!m)
		return;
	gt_region_state_release(&m->st);
	free(m->dir);
	free(m);
}

const struct gt_region_state *gt_manifest_state(const struct gt_manifest *m)
{
	return &m->st;
}

/*
 * Publish e as the next version: build its text, parse it back, make room,
 * put_if_absent, check that no other writer got there first, apply.
 */
static int publish(struct gt_manifest *m, const struct gt_manifest_edit *e, struct gt_err *err)
{
	uint64_t version = m->st.version + 1, ptr;
	struct parsed p;
	struct scan s;
	json_t *j;
	char *text = NULL, *key = NULL;
	size_t len;
	int rc;

	if ((e->nadd && !e->add) || (e->nremove && !e->remove))
		return gt_errf(err, GT_EINVAL, "edit: NULL file list");
	if (e->nadd > GT_MANIFEST_MAX_FILES || e->nremove > GT_MANIFEST_MAX_FILES)
		return gt_errf(err, GT_ETOOBIG, "edit: more than %u files", GT_MANIFEST_MAX_FILES);
	/* The ids first: the JSON encoder must not meet an unterminated one. */
	for (uint32_t i = 0; i < e->nadd; i++)
		if (strnlen(e->add[i].id, sizeof(e->add[i].id)) != GT_FILE_ID_LEN || !id_valid(e->add[i].id))
			return gt_errf(err, GT_EINVAL, "edit: added file %u: the id must be %d characters of "
				       "[0-9a-f-]", i, GT_FILE_ID_LEN);
	for (uint32_t i = 0; i < e->nremove; i++)
		if (!e->remove[i] || strnlen(e->remove[i], GT_FILE_ID_LEN + 1) != GT_FILE_ID_LEN ||
		    !id_valid(e->remove[i]))
			return gt_errf(err, GT_EINVAL, "edit: removed file %u: the id must be %d characters of "
				       "[0-9a-f-]", i, GT_FILE_ID_LEN);
	if ((rc = edit_to_json(e, version, m->st.region_id, &j, err)))
		return rc;
	if ((rc = dump(j, &text, &len, err)))
		return rc;
	rc = parse_text(text, len, &p, err);
	if (rc) {
		free(text);
		if (rc == GT_ENOMEM || rc == GT_ETOOBIG)
			return rc;
		/* The reader would refuse it: the caller's mistake. */
		gt_err_prefix(err, "invalid edit");
		if (err)
			err->code = GT_EINVAL;
		return GT_EINVAL;
	}
	if ((rc = state_reserve(&m->st, p.plan.nadd, err)))
		goto out;
	if (!(key = key_of(m, version, "json"))) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	rc = gt_objstore_put_if_absent(m->os, key, text, len, err);
	if (rc == GT_EEXIST) {
		rc = gt_errf(err, GT_EEXIST, "manifest version %" PRIu64 " ('%s') exists already: another "
			     "writer published it; reopen the manifest", version, key);
		goto out;
	}
	if (rc)
		goto out;
	/* Our put can also succeed because a faster writer published this
	 * version, checkpointed past it and deleted its delta.  The cleanup
	 * only deletes after the checkpoint is durable, so the checkpoint is
	 * visible now; so is any later delta of that writer. */
	if ((rc = read_pointer(m, &ptr, err)) || (rc = scan_dir(m, &s, err))) {
		gt_err_prefix(err, "published '%s' but cannot check for a racing writer; reopen", key);
		goto out;
	}
	if (GT_MAX(ptr, s.newest_ckpt) >= version || (s.nd && s.deltas[s.nd - 1] > version)) {
		free(s.deltas);
		gt_objstore_delete(m->os, key, NULL);
		rc = gt_errf(err, GT_EEXIST, "manifest version %" PRIu64 " of '%s' was published and "
			     "checkpointed by another writer; reopen the manifest", version, m->dir);
		goto out;
	}
	free(s.deltas);
	rc = apply_delta(&m->st, &p, err);   /* cannot fail now: checked and reserved */
out:
	parsed_release(&p);
	free(key);
	free(text);
	return rc;
}

static int delete_fn(void *ctx, const char *key, uint64_t size)
{
	struct gt_manifest *m = ctx;
	const char *name = key + strlen(m->dir) + 1;
	uint64_t v;

	/* Deltas the checkpoint covers, and older checkpoints. */
	if (((v = name_version(name, "json")) && v <= m->ckpt_version) ||
	    ((v = name_version(name, "checkpoint")) && v < m->ckpt_version))
		gt_objstore_delete(m->os, key, NULL);
	return 0;
}

int gt_manifest_checkpoint(struct gt_manifest *m, struct gt_err *err)
{
	uint64_t v = m->st.version;
	char *key = key_of(m, v, "checkpoint"), *pkey = key_of(m, 0, POINTER_NAME), *text = NULL, *prefix = NULL;
	struct gt_buf ptr = {0};
	json_t *j;
	size_t len;
	int rc;

	if (!key || !pkey) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	if (!(j = gt_region_state_to_json(&m->st))) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	/* 1: the checkpoint; 2: the pointer to it; 3: the cleanup.  A crash
	 * between any two leaves a state recovery reads correctly. */
	if ((rc = dump(j, &text, &len, err)) || (rc = gt_objstore_put(m->os, key, text, len, err)))
		goto out;
	if (gt_buf_addf(&ptr, "{\"version\":%" PRIu64 ",\"checkpoint\":\"%0*" PRIu64 ".checkpoint\"}", v,
			VERSION_DIGITS, v)) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = gt_objstore_put(m->os, pkey, ptr.p, ptr.len, err)))
		goto out;
	m->ckpt_version = v;
	if (!(prefix = key_of(m, 0, "")))
		goto out;   /* leftovers go at the next checkpoint */
	gt_objstore_list(m->os, prefix, delete_fn, m, NULL);
out:
	gt_buf_release(&ptr);
	free(prefix);
	free(text);
	free(pkey);
	free(key);
	return rc;
}

int gt_manifest_commit(struct gt_manifest *m, const struct gt_manifest_edit *e, struct gt_err *err)
{
	int rc = publish(m, e, err);

	if (rc)
		return rc;
	/* Due, or overdue after a failed attempt: a failure here does not
	 * undo the commit, and the next commit tries again. */
	if (m->st.version - m->ckpt_version >= GT_MANIFEST_CHECKPOINT_EVERY)
		gt_manifest_checkpoint(m, NULL);
	return 0;
}

int gt_manifest_create(struct gt_manifest **out, struct gt_objstore *os, const char *region_dir,
		       uint64_t region_id, const struct gt_schema *schema, struct gt_err *err)
{
	struct gt_manifest_edit e = {.schema = schema};
	struct gt_manifest *m = NULL;
	struct scan s;
	int rc;

	*out = NULL;
	if (!schema)
		return gt_errf(err, GT_EINVAL, "a new region needs a schema");
	if (region_id > INT64_MAX)
		return gt_errf(err, GT_EINVAL, "region id %" PRIu64 " is over %" PRId64, region_id, INT64_MAX);
	if ((rc = manifest_new(&m, os, region_dir, err)))
		goto fail;
	/* Version 1 may be gone (deleted after a checkpoint), so
	 * put_if_absent alone cannot tell that the region exists. */
	if ((rc = scan_dir(m, &s, err)))
		goto fail;
	free(s.deltas);
	if (s.any) {
		rc = gt_errf(err, GT_EEXIST, "a manifest exists already under '%s'", m->dir);
		goto fail;
	}
	m->st.region_id = region_id;
	if ((rc = publish(m, &e, err)))
		goto fail;
	*out = m;
	return 0;
fail:
	gt_manifest_close(m);
	return rc;
}

int gt_manifest_open(struct gt_manifest **out, struct gt_objstore *os, const char *region_dir,
		     struct gt_err *err)
{
	struct gt_manifest *m = NULL;
	struct scan s = {0};
	uint64_t ptr = 0, base, next;
	int rc;

	*out = NULL;
	if ((rc = manifest_new(&m, os, region_dir, err)) || (rc = scan_dir(m, &s, err)))
		goto fail;
	if (!s.any) {
		rc = gt_errf(err, GT_ENOTFOUND, "no manifest under '%s'", m->dir);
		goto fail;
	}
	if (s.has_pointer && (rc = read_pointer(m, &ptr, err)))
		goto fail;
	/* The newest checkpoint wins: any complete checkpoint file is the
	 * true state at its version (it is written only after that version
	 * was published), and a newer one than the pointer names is one
	 * whose pointer update a crash cut off. */
	base = GT_MAX(ptr, s.newest_ckpt);
	if (base && (rc = load(m, base, 'c', err)))
		goto fail;
	next = base + 1;
	for (size_t i = 0; i < s.nd; i++) {
		if (s.deltas[i] < next)
			continue;   /* covered by the checkpoint: leftovers of its cleanup */
		if (s.deltas[i] != next) {
			char *key = key_of(m, next, "json");
			rc = gt_errf(err, GT_ECORRUPT, "'%s' is missing (found version %" PRIu64 " after it)",
				     key ? key : "?", s.deltas[i]);
			free(key);
			goto fail;
		}
		if ((rc = load(m, next, 'd', err)))
			goto fail;
		next++;
	}
	if (!m->st.version) {
		char *key = key_of(m, 1, "json");
		rc = gt_errf(err, GT_ECORRUPT, "'%s' is missing and there is no checkpoint", key ? key : "?");
		free(key);
		goto fail;
	}
	m->ckpt_version = base;
	free(s.deltas);
	*out = m;
	return 0;
fail:
	free(s.deltas);
	gt_manifest_close(m);
	return rc;
}
