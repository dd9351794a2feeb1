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
 * Precisely (man/man5/gt-manifest.5 has the why of each rule):
 *  - Every file carries "format":1; a higher format is GT_EUNSUPP, as is
 *    an action this version does not know.
 *  - The base checkpoint is the newest of the one _last_checkpoint names
 *    and those found by listing (every complete checkpoint file is a true
 *    state; a newer one than the pointer names is one whose pointer
 *    update a crash cut off).  A damaged pointer, or one naming a missing
 *    checkpoint with nothing newer listed, is GT_ECORRUPT; deleting
 *    _last_checkpoint makes recovery use the listing alone.  With no
 *    checkpoint at all the deltas must start at version 1.
 *  - Deltas <= the base version are leftovers of an interrupted cleanup
 *    and are ignored; the rest must run base+1, base+2, ... without a
 *    hole (GT_ECORRUPT naming the missing file), and each delta's
 *    "version" must match its file name.
 *  - A commit that finds its version taken fails with GT_EEXIST and
 *    leaves the state as it was; the manifest is then stale and the
 *    caller should close and reopen it.  After put_if_absent succeeds,
 *    commit re-reads _last_checkpoint and lists manifest/: a checkpoint
 *    at or past the new version (or a later delta) means another writer
 *    published and checkpointed that version and deleted its delta,
 *    which is why our put could succeed; our delta is deleted again and
 *    the commit also fails with GT_EEXIST.
 *  - Within one edit the actions apply in this order: schema, truncate,
 *    remove_files, add_files, flushed_seq.  In a delta read from JSON
 *    they apply in array order.  add_files of an existing id replaces it;
 *    remove_files of an absent id is ignored; flushed_seq (and truncate's)
 *    never moves backwards: a lower value is ignored.
 *  - Every int64 and uint64 field is a JSON integer in [0, INT64_MAX]
 *    (min_ts/max_ts: any int64, min <= max); ids are 36 bytes of
 *    [0-9a-f-].  Commit refuses (GT_EINVAL) what the reader would refuse.
 *  - Checkpoint failures do not fail the commit that triggered them (its
 *    delta is durable and applied); the checkpoint is retried after every
 *    later commit until one succeeds.
 *  - Errors: on every commit error the in-memory state is unchanged.
 *    GT_EINVAL and GT_ETOOBIG come before anything is written.  GT_EIO and
 *    GT_ENOMEM may come after the delta became durable (the directory
 *    fsync or the racing-writer check failed): the outcome is unknown,
 *    so close and reopen before the next commit.
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
#define GT_MANIFEST_MAX_FILES 10000000u  /* files in one state or one action */
#define GT_MANIFEST_FORMAT 1             /* the "format" field of every file */

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
/* Write a checkpoint of the current state now, point _last_checkpoint at
 * it and delete the deltas and checkpoints it makes obsolete (commit does
 * this every GT_MANIFEST_CHECKPOINT_EVERY versions).  A failure to delete
 * leftovers is not an error: the next checkpoint deletes them. */
int gt_manifest_checkpoint(struct gt_manifest *m, struct gt_err *err);

/* State <-> JSON, for `gt-data manifest show` and checkpoints. */
struct json_t;
/* The checkpoint form of st (NULL when out of memory); caller decrefs. */
struct json_t *gt_region_state_to_json(const struct gt_region_state *st);
/* Free what st owns and zero it (a fresh state again). */
void gt_region_state_release(struct gt_region_state *st);
/* Generate a random file id (uuid v4 text). */
void gt_file_id_new(char out[GT_FILE_ID_LEN + 1]);
/* Parse one delta or checkpoint (used by recovery and the fuzzer) and
 * apply it to st: a checkpoint replaces the whole state; a delta must be
 * version st->version + 1, unless st is fresh (version 0: zeroed, or
 * released), which takes any version and the delta's region_id.  On
 * failure st is unchanged.  Never trusts text: every type, range and
 * size is checked. */
int gt_manifest_apply_json(struct gt_region_state *st, const char *text, size_t len, struct gt_err *err);

#endif
