/*
 * wal.c - the write-ahead log: segment files, group commit, recovery,
 * and the index of each region's records.
 *
 * On-disk format (man/man5/gt-wal.5 is the full specification; every
 * integer little-endian):
 *
 *   segment file <first seq as 20 decimal digits>.wal
 *
 *   offset  size  field
 *   0       6     magic "GTWAL\0"           47 54 57 41 4c 00
 *   6       2     version, u16 = 2          02 00
 *   8       8     first seq, u64            equal to the number in the name
 *   16      ...   records, back to back, no padding, no trailer
 *
 *   record (frame of 28 bytes, then the payload)
 *
 *   offset  size  field
 *   0       4     len, u32                  payload bytes, <= GT_WAL_MAX_RECORD
 *   4       4     crc, u32                  CRC-32C of bytes 8 .. 28 + len
 *   8       8     region, u64               the region the record belongs to
 *   16      8     seq, u64                  first sequence of the record
 *   24      4     count, u32                >= 1: covers [seq, seq + count)
 *   28      len   payload                   opaque (a gt_batch_encode image)
 *
 * Version 1 (one log per region, before the log was shared) has the
 * 20-byte frame without the region; it is still read (gt-data wal dump,
 * the fuzzer) with region 0, but never opened as a log.
 *
 * Rules a reader checks, in this order, at each record: the frame's
 * bytes left; len within the ceiling; len bytes left; crc; count >= 1;
 * seq at or above the end (seq + count) of the record before (the header's
 * first seq for the first record); seq + count does not overflow.  The
 * first failing rule ends the good part of the segment.
 *
 * Group commit:
 *
 *   appender:  lock; seq = next_seq; next_seq += count; enqueue;
 *              while not done: no leader ? lead : wait(done_cv);  unlock
 *   leader:    take queued requests (FIFO = seq order, up to a group
 *              ceiling); unlock; roll if the active segment is full;
 *              build one buffer; pwrite it whole; fdatasync (ALWAYS);
 *              lock; publish sizes; mark the group done with one result;
 *              broadcast(done_cv)
 *
 * The region index: for every region, where its records are (segment,
 * offset, end of sequences), oldest first; built by recovery and added
 * to by each group under mu.  Replay reads only a region's own records;
 * obsolete drops a region's records up to a sequence, and a segment
 * (never the active one) is deleted once no region has a record in it.
 *
 * Everything the leader touches while unlocked (fd, act_*, wbuf) is
 * owned by whoever holds `leading`.  The interval syncer reads fd under
 * sync_mu, and a roll swaps fd under sync_mu, so the syncer never syncs
 * a closed descriptor.  Lock order: sync_mu is never taken with mu held.
 */
#include "wal.h"
#include "buf.h"
#include "codec.h"
#include "crc32c.h"
#include "keymap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WAL_MAGIC "GTWAL"             /* 6 bytes with its NUL */
#define WAL_MAGIC_LEN 6
#define WAL_VERSION 2
#define WAL_HDR 16
#define WAL_FRAME 28
#define WAL_FRAME_V1 20
#define WAL_DIGITS 20
#define WAL_NAME_MAX 32
#define WAL_CHUNK ((size_t)1 << 20)   /* read-ahead of the file reader */
#define WAL_GROUP_BYTES ((size_t)16 << 20)
#define WAL_DEF_SEGMENT ((uint64_t)64 << 20)
#define WAL_DEF_INTERVAL 1000u
/* Ceiling of the leader's buffer: a full group, or one record alone. */
#define WAL_WBUF_MAX (WAL_GROUP_BYTES + WAL_FRAME + (size_t)GT_WAL_MAX_RECORD)
/* Ceiling of the reader's window: one read-ahead, or one record alone. */
#define WAL_WIN_MAX (WAL_CHUNK + WAL_FRAME + (size_t)GT_WAL_MAX_RECORD)

/* What the WAL knows of one segment file. */
struct wal_seg {
	uint64_t first;      /* header first seq, the number in the name */
	uint64_t end;        /* seq + count of the last record; first while empty */
	uint64_t size;       /* bytes of the header and the whole records */
	uint64_t records;
};

/* Where one record of a region is. */
struct wal_loc {
	uint64_t seg;        /* the segment's first seq */
	uint64_t off;        /* the record's frame in it */
	uint64_t end;        /* seq + count */
};

/* One region's records, oldest first: locs[head .. n) are live. */
struct wal_region {
	struct wal_loc *locs;
	size_t head, n, cap;
	size_t pending;      /* queued appends, each with a reserved location */
	uint64_t bytes;      /* frames and payloads appended since open */
};

/* One queued append, on its appender's stack until done. */
struct wal_req {
	struct wal_req *next;
	const void *payload;
	size_t len;
	uint64_t region;
	uint64_t seq;
	uint64_t off;        /* set by the leader: the frame's offset */
	uint32_t count;
	int done;
	int rc;
	struct gt_err *err;  /* the appender's, filled by the leader on failure */
};

struct gt_wal {
	struct gt_wal_opts opts;
	char *dir;
	int dirfd;           /* holds the flock */

	pthread_mutex_t ob_mu;  /* one obsolete at a time: it deletes segments unlocked */
	pthread_mutex_t mu;  /* guards the fields down to `leader-owned` */
	pthread_cond_t done_cv;
	struct wal_req *head, *tail;
	int leading;
	int broken;          /* an I/O error happened: refuse appends */
	int closing;
	int stop;            /* tells the syncer to exit */
	struct gt_err fail;  /* why broken */
	uint64_t next_seq;
	struct wal_seg *segs;  /* oldest first; the last is the active one */
	size_t nsegs, segs_cap;
	struct gt_keymap rkeys;        /* region id (8 bytes) -> index into regions */
	struct wal_region *regions;
	size_t regions_cap;

	/* leader-owned (whoever set `leading`, or open/close) */
	int fd;              /* active segment, -1 until one exists; set under sync_mu */
	uint64_t act_size;
	uint64_t act_end;
	uint64_t act_records;
	struct gt_buf wbuf;

	pthread_mutex_t sync_mu;
	pthread_cond_t sync_cv;  /* with mu: wakes the syncer early to stop */
	pthread_t syncer;
	int has_syncer;
	int dirty;           /* atomic: written since the last interval sync */
	uint64_t bytes;      /* atomic */
	uint64_t syncs;      /* atomic */
	int roll_wanted;     /* atomic: every record of the active segment is obsolete */
	int over;            /* atomic: the segments hold more than purge_bytes */
};

/* ---------------------------------------------------------------- */
/* Small helpers */

static void wal_name(char *out, uint64_t first)
{
	snprintf(out, WAL_NAME_MAX, "%0*" PRIu64 ".wal", WAL_DIGITS, first);
}

/* The first seq a segment file name states; 0 when the name is not
 * exactly 20 digits and ".wal" or does not fit in 64 bits. */
static int wal_parse_name(const char *name, uint64_t *first)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < WAL_DIGITS; i++) {
		unsigned d = (unsigned)name[i] - '0';
		if (d > 9)
			return 0;
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (strcmp(name + WAL_DIGITS, ".wal") != 0)
		return 0;
	*first = v;
	return 1;
}

static int wal_pwrite_all(int fd, const void *p, size_t n, uint64_t off)
{
	const char *c = p;

	while (n) {
		ssize_t k = pwrite(fd, c, n, (off_t)off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0) {
			errno = ENOSPC;
			return -1;
		}
		c += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

static int wal_pread_all(int fd, void *p, size_t n, uint64_t off)
{
	char *c = p;

	while (n) {
		ssize_t k = pread(fd, c, n, (off_t)off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0) {
			errno = ENODATA;   /* the file shrank under us */
			return -1;
		}
		c += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

static int wal_fsync_dir(struct gt_wal *w, struct gt_err *err)
{
	if (fsync(w->dirfd) != 0)
		return gt_errf(err, GT_EIO, "cannot sync directory '%s': %s", w->dir, strerror(errno));
	return 0;
}

/* Room for one more segment entry, so that adding one cannot fail later. */
static int wal_segs_reserve(struct gt_wal *w)
{
	struct wal_seg *s;
	size_t cap;

	if (w->nsegs < w->segs_cap)
		return 0;
	cap = w->segs_cap ? w->segs_cap * 2 : 8;
	s = gt_reallocarray(w->segs, cap, sizeof(*s));
	if (!s)
		return GT_ENOMEM;
	w->segs = s;
	w->segs_cap = cap;
	return 0;
}

/* ---------------------------------------------------------------- */
/* The region index */

/* Region id's entry, made when missing (mu held, or open/close); NULL
 * when out of memory. */
static struct wal_region *wal_region(struct gt_wal *w, uint64_t id)
{
	uint8_t k[8];
	bool isnew = false;
	int i;

	if (w->rkeys.n == w->regions_cap) {
		/* room first, so that a key never lacks its entry */
		size_t cap = w->regions_cap ? w->regions_cap * 2 : 64;
		struct wal_region *r = gt_reallocarray(w->regions, cap, sizeof(*r));
		if (!r)
			return NULL;
		w->regions = r;
		w->regions_cap = cap;
	}
	gt_put_le64(k, id);
	i = gt_keymap_get(&w->rkeys, k, sizeof(k), &isnew);
	if (i < 0)
		return NULL;
	if (isnew)
		memset(&w->regions[i], 0, sizeof(w->regions[i]));
	return &w->regions[i];
}

/* Set `over` from the segments' sizes (mu held). */
static void wal_check_size(struct gt_wal *w)
{
	uint64_t total = 0;
	for (size_t i = 0; i < w->nsegs; i++)
		total += w->segs[i].size;
	__atomic_store_n(&w->over, total > w->opts.purge_bytes, __ATOMIC_RELAXED);
}

/* Region id's entry, or NULL when the log has none. */
static struct wal_region *wal_region_find(const struct gt_wal *w, uint64_t id)
{
	uint8_t k[8];
	int i;

	gt_put_le64(k, id);
	i = gt_keymap_find(&w->rkeys, k, sizeof(k));
	return i < 0 ? NULL : &w->regions[i];
}

/* Room for `more` locations past the end of r's list. */
static int wal_loc_reserve(struct wal_region *r, size_t more)
{
	if (r->n + more <= r->cap)
		return 0;
	if (r->head) {
		/* drop the obsolete front before growing */
		memmove(r->locs, r->locs + r->head, (r->n - r->head) * sizeof(*r->locs));
		r->n -= r->head;
		r->head = 0;
		if (r->n + more <= r->cap)
			return 0;
	}
	size_t cap = GT_MAX(r->cap * 2, r->n + more);
	cap = GT_MAX(cap, (size_t)16);
	struct wal_loc *l = gt_reallocarray(r->locs, cap, sizeof(*l));
	if (!l)
		return GT_ENOMEM;
	r->locs = l;
	r->cap = cap;
	return 0;
}

static int wal_index_add(struct wal_region *r, uint64_t seg, uint64_t off, uint64_t end, uint64_t bytes)
{
	if (!r || wal_loc_reserve(r, 1))
		return GT_ENOMEM;
	r->locs[r->n++] = (struct wal_loc){ .seg = seg, .off = off, .end = end };
	r->bytes += bytes;
	return 0;
}

/* The first seq of the oldest segment any region still needs (mu held);
 * UINT64_MAX when none does. */
static uint64_t wal_min_live(const struct gt_wal *w)
{
	uint64_t min = UINT64_MAX;

	for (uint32_t i = 0; i < w->rkeys.n; i++) {
		const struct wal_region *r = &w->regions[i];
		if (r->head < r->n && r->locs[r->head].seg < min)
			min = r->locs[r->head].seg;
	}
	return min;
}

static void wal_index_free(struct gt_wal *w)
{
	for (uint32_t i = 0; w->regions && i < w->rkeys.n; i++)
		free(w->regions[i].locs);
	free(w->regions);
	gt_keymap_release(&w->rkeys);
}

/* ---------------------------------------------------------------- */
/* The segment parser: one piece of code for read_segment, open, replay */

/* Where the parser reads from: a whole image in memory, or a file
 * through a window of read-ahead. */
struct wal_src {
	const uint8_t *mem;  /* the image; NULL: read fd */
	int fd;
	uint64_t size;       /* bytes to parse, from offset 0 */
	struct gt_buf win;
	uint64_t win_off;
};

/* Point *p at bytes [off, off + n) of the source; off + n <= size. */
static int src_get(struct wal_src *s, uint64_t off, size_t n, const uint8_t **p,
		   struct gt_err *err)
{
	size_t want;
	int rc;

	if (s->mem) {
		*p = s->mem + off;
		return 0;
	}
	if (s->win.p && off >= s->win_off && off - s->win_off <= s->win.len &&
	    n <= s->win.len - (off - s->win_off)) {
		*p = (const uint8_t *)s->win.p + (off - s->win_off);
		return 0;
	}
	want = GT_MAX(n, WAL_CHUNK);
	if (want > s->size - off)
		want = (size_t)(s->size - off);
	gt_buf_reset(&s->win);
	s->win.max = WAL_WIN_MAX;
	rc = gt_buf_grow(&s->win, want);
	if (rc)
		return gt_errf(err, rc, "cannot read %zu bytes: %s", want, gt_strerror(rc));
	if (wal_pread_all(s->fd, s->win.p, want, off) != 0)
		return gt_errf(err, GT_EIO, "cannot read at offset %" PRIu64 ": %s",
			       off, strerror(errno));
	s->win.len = want;
	s->win_off = off;
	*p = (const uint8_t *)s->win.p;
	return 0;
}

/* One walk over a segment: what to check and call, and what was found. */
struct wal_walk {
	/* in */
	int check_name;      /* the header's first seq must equal name_seq */
	uint64_t name_seq;
	uint64_t min_first;  /* the header's first seq may not be below this */
	uint64_t from_seq;   /* fn gets records whose last seq >= from_seq */
	gt_wal_fn fn;
	void *ctx;
	struct gt_wal *index;  /* add every good record to this log's index */
	int v2_only;         /* a log: version 1 (per region) is not one */
	/* out */
	uint32_t frame;      /* the record frame of the header's version */
	uint64_t first_seq;
	uint64_t end_seq;    /* seq + count of the last good record; first_seq if none */
	uint64_t records;
	uint64_t good;       /* bytes of the header and the whole good records */
	int by_fn;           /* the walk stopped because fn returned non-zero */
};

static int wal_bad(struct gt_err *err, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int wal_bad(struct gt_err *err, uint64_t off, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return gt_errf(err, GT_ECORRUPT, "offset %" PRIu64 ": %s", off, why);
}

static int wal_check_header(const uint8_t *p, struct wal_walk *wk, struct gt_err *err)
{
	uint16_t version = gt_get_le16(p + WAL_MAGIC_LEN);
	uint64_t first = gt_get_le64(p + 8);

	if (memcmp(p, WAL_MAGIC, WAL_MAGIC_LEN) != 0)
		return wal_bad(err, 0, "bad magic (not a gt WAL segment)");
	/* Not damage: a newer gt wrote it, and cutting would lose its log. */
	if (version != WAL_VERSION && (version != 1 || wk->v2_only))
		return gt_errf(err, GT_EUNSUPP, "offset %d: unsupported version %u%s",
			       WAL_MAGIC_LEN, (unsigned)version,
			       version == 1 ? " (a per-region WAL of an older gt)" : "");
	wk->frame = version == 1 ? WAL_FRAME_V1 : WAL_FRAME;
	if (wk->check_name && first != wk->name_seq)
		return wal_bad(err, 8, "first seq %" PRIu64 " does not match the file name",
			       first);
	if (first < wk->min_first)
		return wal_bad(err, 8, "first seq %" PRIu64 " below the end %" PRIu64
			       " of the previous segment", first, wk->min_first);
	wk->first_seq = first;
	return 0;
}

/*
 * Check the record whose frame + len bytes are at p (len already checked
 * against the ceiling and the bytes left); fill *region, *seq and *count.
 */
static int wal_check_record(const uint8_t *p, uint32_t frame, uint64_t off, uint64_t end_seq,
			    uint64_t *region, uint64_t *seq, uint32_t *count, struct gt_err *err)
{
	uint32_t len = gt_get_le32(p);
	uint32_t crc = gt_crc32c(gt_crc32c(0, p + 8, frame - 8), p + frame, len);
	const uint8_t *q = frame == WAL_FRAME_V1 ? p + 8 : p + 16;

	if (crc != gt_get_le32(p + 4))
		return wal_bad(err, off, "crc mismatch");
	*region = frame == WAL_FRAME_V1 ? 0 : gt_get_le64(p + 8);
	*seq = gt_get_le64(q);
	*count = gt_get_le32(q + 8);
	if (*count == 0)
		return wal_bad(err, off, "count 0");
	if (*seq < end_seq)
		return wal_bad(err, off, "sequence %" PRIu64 " goes backwards (expected >= %" PRIu64 ")",
			       *seq, end_seq);
	if (*seq > UINT64_MAX - *count)
		return wal_bad(err, off, "sequence %" PRIu64 " + count %" PRIu32 " overflows",
			       *seq, *count);
	return 0;
}

/*
 * Walk a segment: check the header and every record, calling wk->fn
 * for each good one.  Returns 0 when the whole source is good,
 * GT_ECORRUPT at the first bad record (wk->good is its offset, err says
 * "offset N: reason"), GT_EUNSUPP for a header of another version,
 * GT_EIO or GT_ENOMEM when it could not read, or fn's non-zero result.
 */
static int wal_walk(struct wal_src *s, struct wal_walk *wk, struct gt_err *err)
{
	const uint8_t *p;
	uint64_t off = WAL_HDR;
	int rc;

	wk->records = 0;
	wk->good = 0;
	wk->by_fn = 0;
	if (s->size < WAL_HDR)
		return wal_bad(err, 0, "truncated header (%" PRIu64 " of %d bytes)",
			       s->size, WAL_HDR);
	if ((rc = src_get(s, 0, WAL_HDR, &p, err)) != 0)
		return rc;
	if ((rc = wal_check_header(p, wk, err)) != 0)
		return rc;
	wk->end_seq = wk->first_seq;
	wk->good = WAL_HDR;
	while (off < s->size) {
		uint64_t left = s->size - off, seq = 0, region = 0;
		uint32_t len, count = 0, frame = wk->frame;

		if (left < frame)
			return wal_bad(err, off, "truncated record (%" PRIu64 " bytes left, the frame is %u)",
				       left, frame);
		if ((rc = src_get(s, off, frame, &p, err)) != 0)
			return rc;
		len = gt_get_le32(p);
		if (len > GT_WAL_MAX_RECORD)
			return wal_bad(err, off, "length %" PRIu32 " over limit %u", len,
				       GT_WAL_MAX_RECORD);
		if (left - frame < len)
			return wal_bad(err, off, "truncated record (length %" PRIu32 ", %" PRIu64 " bytes left)",
				       len, left - frame);
		if ((rc = src_get(s, off, frame + (size_t)len, &p, err)) != 0)
			return rc;
		if ((rc = wal_check_record(p, frame, off, wk->end_seq, &region, &seq, &count, err)) != 0)
			return rc;
		if (wk->fn && seq + count - 1 >= wk->from_seq) {
			rc = wk->fn(wk->ctx, region, seq, count, p + frame, len);
			if (rc) {
				wk->by_fn = 1;
				return rc;
			}
		}
		if (wk->index && wal_index_add(wal_region(wk->index, region), wk->first_seq, off, seq + count,
					       frame + (uint64_t)len))
			return gt_errf(err, GT_ENOMEM, "out of memory indexing the log");
		wk->end_seq = seq + count;
		wk->records++;
		off += frame + (uint64_t)len;
		wk->good = off;
	}
	return 0;
}

int gt_wal_read_segment(const void *buf, size_t len, gt_wal_fn fn, void *ctx, struct gt_err *err)
{
	struct wal_src src = { .mem = buf, .fd = -1, .size = len };
	struct wal_walk wk = { .fn = fn, .ctx = ctx };

	if (!buf && len)
		return gt_errf(err, GT_EINVAL, "wal segment: no buffer");
	if (!buf)
		src.mem = (const uint8_t *)"";
	return wal_walk(&src, &wk, err);
}

/* Walk the segment file open on fd, of `size` bytes. */
static int wal_walk_file(int fd, uint64_t size, struct wal_walk *wk, struct gt_err *err)
{
	struct wal_src src = { .fd = fd, .size = size };
	int rc;

	gt_buf_init(&src.win, WAL_WIN_MAX);
	rc = wal_walk(&src, wk, err);
	gt_buf_release(&src.win);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Open and recovery */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The first seqs of the segment files in the directory, sorted. */
static int wal_list(struct gt_wal *w, uint64_t **out, size_t *n, struct gt_err *err)
{
	uint64_t *v = NULL, *nv;
	size_t k = 0, cap = 0;
	int fd, rc = 0;
	DIR *d;
	struct dirent *e;

	*out = NULL;
	*n = 0;
	fd = openat(w->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		rc = gt_errf(err, GT_EIO, "cannot list '%s': %s", w->dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	errno = 0;
	while ((e = readdir(d))) {
		uint64_t first;
		if (!wal_parse_name(e->d_name, &first))
			continue;
		if (k == cap) {
			cap = cap ? cap * 2 : 16;
			nv = gt_reallocarray(v, cap, sizeof(*v));
			if (!nv) {
				rc = gt_errf(err, GT_ENOMEM, "out of memory listing '%s'", w->dir);
				goto out;
			}
			v = nv;
		}
		v[k++] = first;
		errno = 0;
	}
	if (errno)
		rc = gt_errf(err, GT_EIO, "cannot list '%s': %s", w->dir, strerror(errno));
out:
	closedir(d);
	if (rc) {
		free(v);
		return rc;
	}
	if (k)
		qsort(v, k, sizeof(*v), cmp_u64);
	*out = v;
	*n = k;
	return 0;
}

static int wal_unlink(struct gt_wal *w, uint64_t first, uint64_t *size, struct gt_err *err)
{
	char name[WAL_NAME_MAX];
	struct stat st;

	wal_name(name, first);
	if (size)
		*size = fstatat(w->dirfd, name, &st, 0) == 0 ? (uint64_t)st.st_size : 0;
	if (unlinkat(w->dirfd, name, 0) != 0 && errno != ENOENT)
		return gt_errf(err, GT_EIO, "cannot delete '%s/%s': %s", w->dir, name,
			       strerror(errno));
	return 0;
}

/*
 * Read every segment in order, keep the good ones in w->segs, and cut
 * the log at the first damage: delete the later segments (newest
 * first, so that a crash while cutting leaves the damage in place for
 * the next recovery to find), sync the directory, then truncate the
 * damaged segment at its last whole record (or delete it when its
 * header is bad) and sync it.
 */
static int wal_recover(struct gt_wal *w, uint64_t *dropped, uint64_t *records,
		       char *damage, size_t damage_len, struct gt_err *err)
{
	uint64_t *firsts = NULL, prev_end = 0, cut_size = 0, cut_good = 0;
	size_t n = 0, i, cut = SIZE_MAX;
	int rc, cut_fd = -1, dir_dirty = 0;
	char name[WAL_NAME_MAX];

	*dropped = 0;
	*records = 0;
	if ((rc = wal_list(w, &firsts, &n, err)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		struct wal_walk wk = {
			.check_name = 1, .name_seq = firsts[i], .min_first = prev_end, .index = w, .v2_only = 1,
		};
		struct gt_err why = {0};
		struct stat st;
		int fd;

		wal_name(name, firsts[i]);
		fd = openat(w->dirfd, name, O_RDWR | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) != 0) {
			rc = gt_errf(err, GT_EIO, "cannot open '%s/%s': %s", w->dir, name,
				     strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
		if (st.st_size == 0) {
			/* A crash between creating a segment and writing its header. */
			close(fd);
			if ((rc = wal_unlink(w, firsts[i], NULL, err)) != 0)
				goto out;
			dir_dirty = 1;
			continue;
		}
		rc = wal_walk_file(fd, (uint64_t)st.st_size, &wk, &why);
		if (rc == GT_ECORRUPT) {
			snprintf(damage, damage_len, "%s: %.200s", name, why.msg);
			cut = i;
			cut_fd = fd;
			cut_size = (uint64_t)st.st_size;
			cut_good = wk.good;
			rc = 0;
			if (wk.good < WAL_HDR)
				break;
		} else {
			close(fd);
			if (rc) {
				*err = why;
				gt_err_prefix(err, "wal segment '%s/%s'", w->dir, name);
				goto out;
			}
		}
		if ((rc = wal_segs_reserve(w)) != 0) {
			rc = gt_errf(err, rc, "out of memory opening '%s'", w->dir);
			goto out;
		}
		w->segs[w->nsegs++] = (struct wal_seg){
			.first = wk.first_seq, .end = wk.end_seq, .size = wk.good, .records = wk.records,
		};
		*records += wk.records;
		prev_end = wk.end_seq;
		if (cut != SIZE_MAX)
			break;
	}
	if (cut == SIZE_MAX)
		goto out;
	for (i = n; i-- > cut + 1;) {
		uint64_t size;
		if ((rc = wal_unlink(w, firsts[i], &size, err)) != 0)
			goto out;
		*dropped += size;
		dir_dirty = 1;
	}
	if (dir_dirty && (rc = wal_fsync_dir(w, err)) != 0)
		goto out;
	dir_dirty = 0;
	wal_name(name, firsts[cut]);
	*dropped += cut_size - cut_good;
	if (cut_good < WAL_HDR) {
		if ((rc = wal_unlink(w, firsts[cut], NULL, err)) != 0)
			goto out;
		dir_dirty = 1;
	} else if (ftruncate(cut_fd, (off_t)cut_good) != 0 || fsync(cut_fd) != 0) {
		rc = gt_errf(err, GT_EIO, "cannot truncate '%s/%s' at %" PRIu64 ": %s", w->dir,
			     name, cut_good, strerror(errno));
		goto out;
	}
out:
	if (!rc && dir_dirty)
		rc = wal_fsync_dir(w, err);
	if (cut_fd >= 0)
		close(cut_fd);
	free(firsts);
	return rc;
}

/* Sync the directory that holds dir, after creating dir. */
static int wal_fsync_parent(const char *dir, struct gt_err *err)
{
	char *p = gt_strdup(dir), *slash;
	const char *parent;
	size_t n;
	int fd, rc = 0;

	if (!p)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	slash = strrchr(p, '/');
	if (!slash) {
		parent = ".";
	} else if (slash == p) {
		parent = "/";
	} else {
		*slash = '\0';
		parent = p;
	}
	fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = gt_errf(err, GT_EIO, "cannot sync '%s': %s", parent, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(p);
	return rc;
}

/* Create the directory when missing (syncing its parent), open and lock it. */
static int wal_open_dir(struct gt_wal *w, struct gt_err *err)
{
	int rc;

	if (mkdir(w->dir, 0755) == 0) {
		if ((rc = wal_fsync_parent(w->dir, err)) != 0)
			return rc;
	} else if (errno != EEXIST) {
		return gt_errf(err, GT_EIO, "cannot create '%s': %s", w->dir, strerror(errno));
	}
	w->dirfd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dirfd < 0)
		return gt_errf(err, GT_EIO, "cannot open '%s': %s", w->dir, strerror(errno));
	if (flock(w->dirfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			return gt_errf(err, GT_ELOCKED, "wal '%s' is open elsewhere", w->dir);
		return gt_errf(err, GT_EIO, "cannot lock '%s': %s", w->dir, strerror(errno));
	}
	return 0;
}

static void *wal_syncer(void *arg);

static void wal_free(struct gt_wal *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->dirfd >= 0)
		close(w->dirfd);
	pthread_mutex_destroy(&w->mu);
	pthread_mutex_destroy(&w->ob_mu);
	pthread_mutex_destroy(&w->sync_mu);
	pthread_cond_destroy(&w->done_cv);
	pthread_cond_destroy(&w->sync_cv);
	gt_buf_release(&w->wbuf);
	wal_index_free(w);
	free(w->segs);
	free(w->dir);
	free(w);
}

int gt_wal_open(struct gt_wal **out, const char *dir, const struct gt_wal_opts *opts,
		uint64_t min_next_seq, struct gt_wal_open_info *info, struct gt_err *err)
{
	struct gt_wal *w;
	pthread_condattr_t ca;
	uint64_t dropped = 0, records = 0;
	char damage[sizeof(info->damage)] = "";
	int rc;

	*out = NULL;
	if (opts && opts->sync > GT_WAL_SYNC_NONE)
		return gt_errf(err, GT_EINVAL, "wal '%s': unknown sync policy %u", dir,
			       (unsigned)opts->sync);
	w = gt_calloc(1, sizeof(*w));
	if (!w)
		return gt_errf(err, GT_ENOMEM, "out of memory opening wal '%s'", dir);
	w->fd = -1;
	w->dirfd = -1;
	if (opts)
		w->opts = *opts;
	if (!w->opts.interval_ms)
		w->opts.interval_ms = WAL_DEF_INTERVAL;
	if (!w->opts.segment_bytes)
		w->opts.segment_bytes = WAL_DEF_SEGMENT;
	if (!w->opts.purge_bytes)
		w->opts.purge_bytes = 4 * w->opts.segment_bytes;
	gt_buf_init(&w->wbuf, WAL_WBUF_MAX);
	pthread_mutex_init(&w->mu, NULL);
	pthread_mutex_init(&w->ob_mu, NULL);
	pthread_mutex_init(&w->sync_mu, NULL);
	pthread_cond_init(&w->done_cv, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->sync_cv, &ca);
	pthread_condattr_destroy(&ca);
	w->dir = gt_strdup(dir);
	if (!w->dir) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory opening wal '%s'", dir);
		goto fail;
	}
	if ((rc = wal_open_dir(w, err)) != 0)
		goto fail;
	if ((rc = wal_recover(w, &dropped, &records, damage, sizeof(damage), err)) != 0)
		goto fail;
	wal_check_size(w);
	w->next_seq = min_next_seq;
	if (w->nsegs) {
		struct wal_seg *s = &w->segs[w->nsegs - 1];
		char name[WAL_NAME_MAX];

		w->next_seq = GT_MAX(w->next_seq, s->end);
		wal_name(name, s->first);
		w->fd = openat(w->dirfd, name, O_RDWR | O_CLOEXEC);
		if (w->fd < 0) {
			rc = gt_errf(err, GT_EIO, "cannot open '%s/%s': %s", dir, name,
				     strerror(errno));
			goto fail;
		}
		w->act_size = s->size;
		w->act_end = s->end;
		w->act_records = s->records;
	}
	if (w->opts.sync == GT_WAL_SYNC_INTERVAL) {
		if (pthread_create(&w->syncer, NULL, wal_syncer, w) != 0) {
			rc = gt_errf(err, GT_ENOMEM, "wal '%s': cannot start the sync thread", dir);
			goto fail;
		}
		w->has_syncer = 1;
	}
	if (info) {
		info->next_seq = w->next_seq;
		info->dropped_bytes = dropped;
		info->records = records;
		memcpy(info->damage, damage, sizeof(info->damage));
	}
	*out = w;
	return 0;
fail:
	wal_free(w);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Group commit */

/* Record an I/O failure (mu held): from now on appends get GT_EIO. */
static void wal_break(struct gt_wal *w, const struct gt_err *why)
{
	if (w->broken)
		return;
	w->broken = 1;
	w->fail = *why;
	w->fail.code = GT_EIO;
}

/* Sync the active segment if anything was written since the last time
 * (GT_WAL_SYNC_INTERVAL: the syncer, a roll and close). */
static int wal_sync_dirty(struct gt_wal *w, struct gt_err *err)
{
	int rc = 0, e = 0;

	if (!__atomic_exchange_n(&w->dirty, 0, __ATOMIC_SEQ_CST))
		return 0;
	pthread_mutex_lock(&w->sync_mu);
	if (w->fd >= 0) {
		rc = fdatasync(w->fd);
		e = errno;
		if (rc == 0)
			__atomic_add_fetch(&w->syncs, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&w->sync_mu);
	if (rc != 0)
		return gt_errf(err, GT_EIO, "cannot sync wal '%s': %s", w->dir, strerror(e));
	return 0;
}

static void *wal_syncer(void *arg)
{
	struct gt_wal *w = arg;
	struct timespec dl;

	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_sec += w->opts.interval_ms / 1000;
		dl.tv_nsec += (long)(w->opts.interval_ms % 1000) * 1000000L;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
		while (!w->stop && pthread_cond_timedwait(&w->sync_cv, &w->mu, &dl) != ETIMEDOUT)
			;
		if (w->stop)
			break;
		pthread_mutex_unlock(&w->mu);
		struct gt_err why = {0};
		int rc = wal_sync_dirty(w, &why);
		pthread_mutex_lock(&w->mu);
		if (rc)
			wal_break(w, &why);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/*
 * Start a new segment for records from `first` on (leader only): create
 * it, write its header, sync the directory, then swap it in, syncing the
 * old one first under GT_WAL_SYNC_INTERVAL (the syncer syncs only the
 * active descriptor).
 */
static int wal_roll(struct gt_wal *w, uint64_t first, struct gt_err *err)
{
	char name[WAL_NAME_MAX];
	uint8_t hdr[WAL_HDR];
	int fd, old, rc = 0;

	pthread_mutex_lock(&w->mu);
	rc = wal_segs_reserve(w);
	pthread_mutex_unlock(&w->mu);
	if (rc)
		return gt_errf(err, rc, "out of memory rolling wal '%s'", w->dir);
	wal_name(name, first);
	fd = openat(w->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return gt_errf(err, GT_EIO, "cannot create '%s/%s': %s", w->dir, name,
			       strerror(errno));
	memcpy(hdr, WAL_MAGIC, WAL_MAGIC_LEN);
	gt_put_le16(hdr + WAL_MAGIC_LEN, WAL_VERSION);
	gt_put_le64(hdr + 8, first);
	if (wal_pwrite_all(fd, hdr, WAL_HDR, 0) != 0) {
		rc = gt_errf(err, GT_EIO, "cannot write '%s/%s': %s", w->dir, name, strerror(errno));
		close(fd);
		unlinkat(w->dirfd, name, 0);
		return rc;
	}
	if (w->opts.sync != GT_WAL_SYNC_NONE && (rc = wal_fsync_dir(w, err)) != 0) {
		close(fd);
		return rc;
	}
	if (w->opts.sync == GT_WAL_SYNC_INTERVAL)
		rc = wal_sync_dirty(w, err);
	pthread_mutex_lock(&w->sync_mu);
	old = w->fd;
	w->fd = fd;
	pthread_mutex_unlock(&w->sync_mu);
	if (old >= 0)
		close(old);
	w->act_size = WAL_HDR;
	w->act_end = first;
	w->act_records = 0;
	pthread_mutex_lock(&w->mu);
	w->segs[w->nsegs++] = (struct wal_seg){ .first = first, .end = first, .size = WAL_HDR };
	wal_check_size(w);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/* Write one group (leader, mu not held). */
static int wal_write_group(struct gt_wal *w, struct wal_req *batch, struct gt_err *err)
{
	struct wal_req *r, *last = batch;
	int rc;

	if (w->fd < 0 || (w->act_records && (w->act_size >= w->opts.segment_bytes ||
					     __atomic_load_n(&w->roll_wanted, __ATOMIC_ACQUIRE)))) {
		__atomic_store_n(&w->roll_wanted, 0, __ATOMIC_RELEASE);
		if ((rc = wal_roll(w, batch->seq, err)) != 0)
			return rc;
	}
	gt_buf_reset(&w->wbuf);
	for (r = batch; r; r = r->next) {
		uint8_t *f;
		if ((rc = gt_buf_grow(&w->wbuf, WAL_FRAME + r->len)) != 0)
			return gt_errf(err, rc, "wal '%s': cannot build a group: %s", w->dir,
				       gt_strerror(rc));
		f = (uint8_t *)w->wbuf.p + w->wbuf.len;
		r->off = w->act_size + w->wbuf.len;
		gt_put_le32(f, (uint32_t)r->len);
		gt_put_le64(f + 8, r->region);
		gt_put_le64(f + 16, r->seq);
		gt_put_le32(f + 24, r->count);
		if (r->len)
			memcpy(f + WAL_FRAME, r->payload, r->len);
		gt_put_le32(f + 4, gt_crc32c(gt_crc32c(0, f + 8, WAL_FRAME - 8), f + WAL_FRAME, r->len));
		w->wbuf.len += WAL_FRAME + r->len;
		last = r;
	}
	if (wal_pwrite_all(w->fd, w->wbuf.p, w->wbuf.len, w->act_size) != 0)
		return gt_errf(err, GT_EIO, "cannot write wal '%s': %s", w->dir, strerror(errno));
	if (w->opts.sync == GT_WAL_SYNC_ALWAYS) {
		if (fdatasync(w->fd) != 0)
			return gt_errf(err, GT_EIO, "cannot sync wal '%s': %s", w->dir, strerror(errno));
		__atomic_add_fetch(&w->syncs, 1, __ATOMIC_RELAXED);
	} else if (w->opts.sync == GT_WAL_SYNC_INTERVAL) {
		__atomic_store_n(&w->dirty, 1, __ATOMIC_SEQ_CST);
	}
	w->act_size += w->wbuf.len;
	w->act_end = last->seq + last->count;
	__atomic_add_fetch(&w->bytes, w->wbuf.len, __ATOMIC_RELAXED);
	/* Do not keep a buffer sized for one huge group for the WAL's life. */
	if (w->wbuf.cap > 2 * WAL_GROUP_BYTES)
		gt_buf_release(&w->wbuf);
	return 0;
}

/*
 * Lead one group (mu held, queue not empty): take queued requests up to
 * the group ceiling, write them with mu released, publish and wake.
 */
static void wal_lead(struct gt_wal *w)
{
	struct wal_req *batch = w->head, *last = batch, *r;
	struct gt_err why = {0};
	size_t total, n = 1;
	int rc;

	if (!batch)
		return;
	total = WAL_FRAME + batch->len;
	while (last->next && total + WAL_FRAME + last->next->len <= WAL_GROUP_BYTES) {
		last = last->next;
		total += WAL_FRAME + last->len;
		n++;
	}
	w->head = last->next;
	if (!w->head)
		w->tail = NULL;
	last->next = NULL;
	w->leading = 1;
	if (w->broken) {
		rc = GT_EIO;
	} else {
		pthread_mutex_unlock(&w->mu);
		rc = wal_write_group(w, batch, &why);
		pthread_mutex_lock(&w->mu);
	}
	if (rc == GT_EIO)
		wal_break(w, &why);
	if (rc == 0 && w->nsegs) {
		struct wal_seg *s = &w->segs[w->nsegs - 1];
		s->size = w->act_size;
		s->end = w->act_end;
		s->records += n;
		w->act_records = s->records;
	}
	for (r = batch; r; r = r->next) {
		/* the entry exists and has room: reserved at append */
		struct wal_region *reg = wal_region_find(w, r->region);
		reg->pending--;
		if (rc == 0)
			wal_index_add(reg, w->segs[w->nsegs - 1].first, r->off, r->seq + r->count,
				      WAL_FRAME + (uint64_t)r->len);
	}
	for (r = batch; r; r = r->next) {
		r->rc = rc;
		if (rc && r->err)
			*r->err = rc == GT_EIO ? w->fail : why;
		r->done = 1;
	}
	w->leading = 0;
	pthread_cond_broadcast(&w->done_cv);
}

void gt_wal_opts_purge(struct gt_wal_opts *o, uint64_t purge_bytes)
{
	o->purge_bytes = purge_bytes;
	o->segment_bytes = GT_MIN(purge_bytes / 4, (uint64_t)64 << 20);
}

int gt_wal_append_many(struct gt_wal *w, struct gt_wal_rec *recs, size_t n, struct gt_err *err)
{
	struct wal_req one, *q = &one;
	struct wal_region *reg;
	uint64_t need = 0;
	size_t i, bad = n;
	int rc = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n && !rc; i++) {
		if (recs[i].count == 0)
			rc = gt_errf(err, GT_EINVAL, "wal append: count 0");
		else if (recs[i].len > GT_WAL_MAX_RECORD)
			rc = gt_errf(err, GT_ETOOBIG, "wal append: %zu bytes over the record limit %u",
				     recs[i].len, GT_WAL_MAX_RECORD);
		else if (recs[i].len && !recs[i].payload)
			rc = gt_errf(err, GT_EINVAL, "wal append: no payload");
		else
			need += recs[i].count;
	}
	if (rc)
		return rc;
	if (n > 1 && !(q = gt_calloc(n, sizeof(*q))))
		return gt_errf(err, GT_ENOMEM, "wal append: out of memory");
	pthread_mutex_lock(&w->mu);
	if (w->broken) {
		if (err)
			*err = w->fail;
		rc = GT_EIO;
	} else if (w->closing) {
		rc = gt_errf(err, GT_ECLOSED, "wal '%s' is closing", w->dir);
	} else if (need > UINT64_MAX - w->next_seq) {
		rc = gt_errf(err, GT_ETOOBIG, "wal '%s': sequences exhausted", w->dir);
	}
	/* every record's region gets its index room now: the leader cannot fail on it */
	for (i = 0; i < n && !rc; i++) {
		if (!(reg = wal_region(w, recs[i].region)) || wal_loc_reserve(reg, reg->pending + 1)) {
			rc = gt_errf(err, GT_ENOMEM, "wal '%s': out of memory", w->dir);
			bad = i;
		} else {
			reg->pending++;
		}
	}
	if (rc) {
		for (i = 0; i < bad && bad < n; i++)
			wal_region_find(w, recs[i].region)->pending--;
		pthread_mutex_unlock(&w->mu);
		if (q != &one)
			free(q);
		return rc;
	}
	/* queued back to back, so a group takes them together unless over its byte limit */
	for (i = 0; i < n; i++) {
		q[i] = (struct wal_req){ .payload = recs[i].payload, .len = recs[i].len, .region = recs[i].region,
					 .count = recs[i].count, .err = err, .seq = w->next_seq };
		recs[i].seq = w->next_seq;
		w->next_seq += recs[i].count;
		if (w->tail)
			w->tail->next = &q[i];
		else
			w->head = &q[i];
		w->tail = &q[i];
	}
	/* groups leave the queue in order: the last record done means all are */
	while (!q[n - 1].done) {
		if (!w->leading)
			wal_lead(w);
		else
			pthread_cond_wait(&w->done_cv, &w->mu);
	}
	for (i = 0; i < n && !rc; i++)
		rc = q[i].rc;
	pthread_mutex_unlock(&w->mu);
	if (q != &one)
		free(q);
	return rc;
}

int gt_wal_append(struct gt_wal *w, uint64_t region, uint32_t count, const void *payload, size_t len,
		  uint64_t *seq, struct gt_err *err)
{
	struct gt_wal_rec rec = { .region = region, .count = count, .payload = payload, .len = len };
	int rc = gt_wal_append_many(w, &rec, 1, err);
	if (rc == 0 && seq)
		*seq = rec.seq;
	return rc;
}

/* ---------------------------------------------------------------- */
/* Replay, obsolete, close */

/* Read, check and hand over the record at loc (of region). */
static int wal_read_loc(struct gt_wal *w, int fd, const char *name, uint64_t region, const struct wal_loc *loc,
			struct gt_buf *b, gt_wal_fn fn, void *ctx, struct gt_err *err)
{
	uint64_t rg, seq;
	uint32_t len, count;
	int rc;

	gt_buf_reset(b);
	if ((rc = gt_buf_grow(b, WAL_FRAME)) != 0 || wal_pread_all(fd, b->p, WAL_FRAME, loc->off) != 0)
		goto io;
	len = gt_get_le32((const uint8_t *)b->p);
	if (len > GT_WAL_MAX_RECORD)
		return gt_errf(err, GT_ECORRUPT, "wal segment '%s/%s': offset %" PRIu64 ": length %" PRIu32
			       " over limit %u", w->dir, name, loc->off, len, GT_WAL_MAX_RECORD);
	if ((rc = gt_buf_grow(b, WAL_FRAME + (size_t)len)) != 0 ||
	    wal_pread_all(fd, b->p + WAL_FRAME, len, loc->off + WAL_FRAME) != 0)
		goto io;
	if ((rc = wal_check_record((const uint8_t *)b->p, WAL_FRAME, loc->off, 0, &rg, &seq, &count, err)) != 0)
		return gt_err_prefix(err, "wal segment '%s/%s'", w->dir, name), rc;
	if (rg != region || seq + count != loc->end)
		return gt_errf(err, GT_ECORRUPT, "wal segment '%s/%s': offset %" PRIu64 ": not the record indexed there",
			       w->dir, name, loc->off);
	return fn(ctx, rg, seq, count, b->p + WAL_FRAME, len);
io:
	return gt_errf(err, rc ? rc : GT_EIO, "cannot read '%s/%s' at offset %" PRIu64 ": %s", w->dir, name,
		       loc->off, rc ? gt_strerror(rc) : strerror(errno));
}

int gt_wal_replay(struct gt_wal *w, uint64_t region, uint64_t from_seq, gt_wal_fn fn, void *ctx,
		  struct gt_err *err)
{
	struct wal_region *r;
	struct wal_loc *locs = NULL;
	struct gt_buf b;
	size_t n = 0;
	uint64_t seg = 0;
	char name[WAL_NAME_MAX] = "";
	int fd = -1, rc = 0;

	pthread_mutex_lock(&w->mu);
	r = wal_region_find(w, region);
	if (r && r->n > r->head) {
		locs = gt_reallocarray(NULL, r->n - r->head, sizeof(*locs));
		for (size_t i = r->head; locs && i < r->n; i++)
			if (r->locs[i].end - 1 >= from_seq)
				locs[n++] = r->locs[i];
		if (!locs)
			rc = gt_errf(err, GT_ENOMEM, "out of memory replaying wal '%s'", w->dir);
	}
	pthread_mutex_unlock(&w->mu);
	gt_buf_init(&b, WAL_FRAME + (size_t)GT_WAL_MAX_RECORD);
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (fd < 0 || locs[i].seg != seg) {
			if (fd >= 0)
				close(fd);
			seg = locs[i].seg;
			wal_name(name, seg);
			fd = openat(w->dirfd, name, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				rc = gt_errf(err, GT_EIO, "cannot open '%s/%s': %s", w->dir, name, strerror(errno));
				break;
			}
		}
		rc = wal_read_loc(w, fd, name, region, &locs[i], &b, fn, ctx, err);
	}
	if (fd >= 0)
		close(fd);
	gt_buf_release(&b);
	free(locs);
	return rc;
}

static int wal_obsolete(struct gt_wal *w, uint64_t region, uint64_t seq, struct gt_err *err);

int gt_wal_obsolete(struct gt_wal *w, uint64_t region, uint64_t seq, struct gt_err *err)
{
	pthread_mutex_lock(&w->ob_mu);
	int rc = wal_obsolete(w, region, seq, err);
	pthread_mutex_unlock(&w->ob_mu);
	return rc;
}

static int wal_obsolete(struct gt_wal *w, uint64_t region, uint64_t seq, struct gt_err *err)
{
	struct wal_region *r;
	uint64_t *firsts, live;
	size_t k = 0, done = 0;
	int rc = 0;

	pthread_mutex_lock(&w->mu);
	if (seq && (r = wal_region_find(w, region))) {
		while (r->head < r->n && r->locs[r->head].end - 1 <= seq)
			r->head++;
		if (r->head == r->n)
			r->head = r->n = 0;
	}
	/* Segments hold increasing sequences and each region's records are in
	 * order, so the segments no region needs are the ones before the
	 * oldest any region still needs: a prefix. */
	live = wal_min_live(w);
	while (k + 1 < w->nsegs && w->segs[k].first < live)
		k++;
	/* The active segment holds only obsolete records: the next group starts
	 * a new one, so that a later call can delete this one whole. */
	if (k + 1 == w->nsegs && w->segs[k].records && w->segs[k].first < live)
		__atomic_store_n(&w->roll_wanted, 1, __ATOMIC_RELEASE);
	firsts = k ? gt_reallocarray(NULL, k, sizeof(*firsts)) : NULL;
	for (size_t i = 0; firsts && i < k; i++)
		firsts[i] = w->segs[i].first;
	pthread_mutex_unlock(&w->mu);
	if (!k)
		return 0;
	if (!firsts)
		return gt_errf(err, GT_ENOMEM, "out of memory in wal '%s'", w->dir);
	/* Oldest first: a crash part way leaves a log without a hole. */
	while (done < k && (rc = wal_unlink(w, firsts[done], NULL, err)) == 0)
		done++;
	free(firsts);
	if (done) {
		pthread_mutex_lock(&w->mu);
		memmove(w->segs, w->segs + done, (w->nsegs - done) * sizeof(*w->segs));
		w->nsegs -= done;
		wal_check_size(w);
		pthread_mutex_unlock(&w->mu);
		int src = wal_fsync_dir(w, rc ? NULL : err);
		if (!rc)
			rc = src;
	}
	return rc;
}

int gt_wal_forget(struct gt_wal *w, uint64_t region, struct gt_err *err)
{
	struct wal_region *r;

	pthread_mutex_lock(&w->mu);
	if ((r = wal_region_find(w, region)) && !r->pending)
		r->head = r->n = 0;
	pthread_mutex_unlock(&w->mu);
	return gt_wal_obsolete(w, region, 0, err);
}

bool gt_wal_over(struct gt_wal *w)
{
	return __atomic_load_n(&w->over, __ATOMIC_RELAXED);
}

size_t gt_wal_pinning(struct gt_wal *w, uint64_t *ids, size_t max)
{
	size_t n = 0;

	/* first the segments no region needs (obsolete deletes them, and a
	 * sequence of 0 marks nothing) */
	gt_wal_obsolete(w, 0, 0, NULL);
	pthread_mutex_lock(&w->mu);
	wal_check_size(w);
	uint64_t live = wal_min_live(w);
	if (w->over && live != UINT64_MAX) {
		for (uint32_t i = 0; i < w->rkeys.n && n < max; i++) {
			const struct wal_region *r = &w->regions[i];
			uint32_t kl;
			if (r->head < r->n && r->locs[r->head].seg == live)
				ids[n++] = gt_get_le64((const uint8_t *)gt_keymap_key(&w->rkeys, i, &kl));
		}
	}
	pthread_mutex_unlock(&w->mu);
	return n;
}

void gt_wal_floor(struct gt_wal *w, uint64_t next_seq)
{
	pthread_mutex_lock(&w->mu);
	if (w->next_seq < next_seq)
		w->next_seq = next_seq;
	pthread_mutex_unlock(&w->mu);
}

uint64_t gt_wal_region_last(struct gt_wal *w, uint64_t region)
{
	struct wal_region *r;
	uint64_t last = 0;

	pthread_mutex_lock(&w->mu);
	if ((r = wal_region_find(w, region)) && r->n > r->head)
		last = r->locs[r->n - 1].end - 1;
	pthread_mutex_unlock(&w->mu);
	return last;
}

uint64_t gt_wal_region_bytes(struct gt_wal *w, uint64_t region)
{
	struct wal_region *r;
	uint64_t bytes = 0;

	pthread_mutex_lock(&w->mu);
	if ((r = wal_region_find(w, region)))
		bytes = r->bytes;
	pthread_mutex_unlock(&w->mu);
	return bytes;
}

uint64_t gt_wal_bytes(const struct gt_wal *w)
{
	return __atomic_load_n(&w->bytes, __ATOMIC_RELAXED);
}

uint64_t gt_wal_syncs(const struct gt_wal *w)
{
	return __atomic_load_n(&w->syncs, __ATOMIC_RELAXED);
}

void gt_wal_close(struct gt_wal *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->closing = 1;
	while (w->leading || w->head)
		pthread_cond_wait(&w->done_cv, &w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->sync_cv);
	pthread_mutex_unlock(&w->mu);
	if (w->has_syncer)
		pthread_join(w->syncer, NULL);
	if (w->opts.sync == GT_WAL_SYNC_INTERVAL)
		wal_sync_dirty(w, NULL);
	wal_free(w);
}

int gt_wal_sync_parse(const char *name)
{
	if (!strcmp(name, "always"))
		return GT_WAL_SYNC_ALWAYS;
	if (!strcmp(name, "interval"))
		return GT_WAL_SYNC_INTERVAL;
	if (!strcmp(name, "none"))
		return GT_WAL_SYNC_NONE;
	return -1;
}
