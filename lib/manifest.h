/*
 * manifest.h - a region's metadata as an append-only log of JSON actions
 * with periodic checkpoints (man/man5/gt-manifest.5), kept in the object
 * store under <region dir>/manifest/.
 *
 *   manifest/00000000000000000001.json        one edit (delta) per version
 *   manifest/00000000000000000010.checkpoint  the whole state at version 10
 *   manifest/_last_checkpoint                 {"version":10,...}
 *
 * An edit is a JSON object of actions applied together:
 *   {"version":N,"time_ms":...,"actions":[
 *     {"add_files":[{file meta}...]},
 *     {"remove_files":["<file id>"...]},
 *     {"flushed_seq":123},
 *     {"schema":{schema json}},
 *     {"truncate":{"flushed_seq":456}}    -- drop every file
 *   ]}
 * Publishing version N = put_if_absent of N.json (so two writers cannot
 * both publish it).  Every GT_MANIFEST_CHECKPOINT_EVERY versions a
 * checkpoint of the whole state is written, then _last_checkpoint is
 * replaced, then deltas older than the checkpoint are deleted.
 * Recovery: read _last_checkpoint (if any), load that checkpoint, apply
 * every later delta in version order; a missing delta in the middle is
 * corruption.
 *
 * Not thread-safe: the region serialises edits.
 */
#ifndef GT_MANIFEST_H
#define GT_MANIFEST_H

#include "objstore.h"
#include "schema.h"

#define GT_MANIFEST_CHECKPOINT_EVERY 10
#define GT_FILE_ID_LEN 36        /* uuid text */
#define GT_MANIFEST_MAX_BYTES (256u << 20)

struct gt_file_meta {
	char id[GT_FILE_ID_LEN + 1];  /* the file is <region dir>/<id>.sst */
	uint64_t size;
	uint64_t rows;
	int64_t min_ts, max_ts;       /* time index unit */
	uint64_t min_seq, max_seq;
	uint32_t level;               /* 0 = flushed, 1 = compacted */
};

struct gt_region_state {
	uint64_t region_id;
	struct gt_schema schema;
	struct gt_file_meta *files;   /* sorted by id */
	uint32_t nfiles, cap;
	uint64_t flushed_seq;         /* every row with seq <= this is in files */
	uint64_t version;             /* manifest version of this state */
};

struct gt_manifest_edit {
	const struct gt_file_meta *add;
	uint32_t nadd;
	const char *const *remove;    /* file ids */
	uint32_t nremove;
	uint64_t flushed_seq;         /* 0 = unchanged */
	const struct gt_schema *schema;  /* NULL = unchanged */
	int truncate;                 /* drop every file; flushed_seq required */
};

struct gt_manifest;

/* Create the manifest of a new region (version 1 holds the schema);
 * GT_EEXIST if one exists. */
int gt_manifest_create(struct gt_manifest **out, struct gt_objstore *os, const char *region_dir,
		       uint64_t region_id, const struct gt_schema *schema, struct gt_err *err);
/* Open and recover; GT_ENOTFOUND if there is none. */
int gt_manifest_open(struct gt_manifest **out, struct gt_objstore *os, const char *region_dir,
		     struct gt_err *err);
/* The current state (owned by the manifest, valid until the next commit/close). */
const struct gt_region_state *gt_manifest_state(const struct gt_manifest *m);
/* Publish one edit as the next version and apply it to the state. */
int gt_manifest_commit(struct gt_manifest *m, const struct gt_manifest_edit *e, struct gt_err *err);
void gt_manifest_close(struct gt_manifest *m);

/* State <-> JSON, for `gt-data manifest show` and checkpoints. */
struct json_t;
struct json_t *gt_region_state_to_json(const struct gt_region_state *st);
void gt_region_state_release(struct gt_region_state *st);
/* Generate a random file id (uuid v4 text). */
void gt_file_id_new(char out[GT_FILE_ID_LEN + 1]);
/* Parse one delta or checkpoint (used by recovery and the fuzzer). */
int gt_manifest_apply_json(struct gt_region_state *st, const char *text, size_t len, struct gt_err *err);

#endif
