/*
 * test-wal.c - the write-ahead log: round trips, sequences, recovery of
 * torn and damaged segments, rolling, obsolete, group commit under
 * concurrent appenders, I/O errors, the segment parser's messages, and
 * throughput figures printed as TAP comments (no timing assertions).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "crc32c.h"
#include "wal.h"
#include "tap.h"

static char base[256];

/* ---------------------------------------------------------------- */
/* Helpers */

/* The record frame: len, crc, region, seq, count (man/man5/gt-wal.5). */
#define FRAME 28

struct rec {
	uint64_t region;
	uint64_t seq;
	uint32_t count;
	size_t len;
	uint8_t *p;
};

struct recs {
	struct rec *v;
	size_t n, cap;
	int stop_after;    /* > 0: return 42 after this many records */
};

static int collect(void *ctx, uint64_t region, uint64_t seq, uint32_t count, const void *payload, size_t len)
{
	struct recs *r = ctx;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		if (!r->v)
			abort();
	}
	r->v[r->n].region = region;
	r->v[r->n].seq = seq;
	r->v[r->n].count = count;
	r->v[r->n].len = len;
	r->v[r->n].p = malloc(len ? len : 1);
	if (!r->v[r->n].p)
		abort();
	if (len)
		memcpy(r->v[r->n].p, payload, len);
	r->n++;
	if (r->stop_after && r->n == (size_t)r->stop_after)
		return 42;
	return 0;
}

static void recs_free(struct recs *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].p);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static void fill(uint8_t *p, size_t len, uint64_t salt)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 31u) ^ (salt * 131u) ^ (i >> 8));
}

static void seg_path(char *out, size_t n, const char *dir, uint64_t first)
{
	snprintf(out, n, "%s/%020" PRIu64 ".wal", dir, first);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *p;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) != 0)
		abort();
	p = malloc((size_t)st.st_size + 1);
	if (!p || read(fd, p, (size_t)st.st_size) != st.st_size)
		abort();
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

static void write_file(const char *path, const void *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, p, len) != (ssize_t)len)
		abort();
	close(fd);
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

static void rmtree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh directory path under base (the WAL creates it). */
static void fresh(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", base, name);
	rmtree(out);
}

/* Number of *.wal files in dir, and their first seqs sorted in firsts. */
static int list_segs(const char *dir, uint64_t *firsts, int max)
{
	char cmd[512];
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ls '%s' | grep '\\.wal$' | sort", dir);
	f = popen(cmd, "r");
	if (!f)
		abort();
	while (fgets(cmd, sizeof(cmd), f)) {
		if (n < max && firsts)
			firsts[n] = strtoull(cmd, NULL, 10);
		n++;
	}
	pclose(f);
	return n;
}

static struct gt_wal *xopen(const char *dir, const struct gt_wal_opts *o, uint64_t min_next,
			    struct gt_wal_open_info *info)
{
	struct gt_wal *w = NULL;
	struct gt_err err = {0};
	int rc = gt_wal_open(&w, dir, o, min_next, info, &err);

	if (rc) {
		printf("# open %s: %s\n", dir, err.msg);
		abort();
	}
	return w;
}

static uint64_t xappend(struct gt_wal *w, uint32_t count, const void *p, size_t len)
{
	struct gt_err err = {0};
	uint64_t seq = 0;

	if (gt_wal_append(w, 0, count, p, len, &seq, &err) != 0) {
		printf("# append: %s\n", err.msg);
		abort();
	}
	return seq;
}

static double secs_since(int64_t t0)
{
	return (double)(gt_mono_ns() - t0) / 1e9;
}

/* ---------------------------------------------------------------- */

static void test_roundtrip(void)
{
	char dir[300];
	struct gt_wal_open_info info;
	struct gt_wal *w;
	struct recs r = {0};
	struct gt_err err = {0};
	uint8_t buf[400];
	uint64_t want = 1, bytes = 0, seq;
	int bad = 0, i;

	fresh(dir, sizeof(dir), "rt");
	w = xopen(dir, NULL, 1, &info);
	ok(info.next_seq == 1 && info.records == 0 && info.dropped_bytes == 0 && !info.damage[0],
	   "fresh wal: next_seq 1, no records, nothing dropped");
	for (i = 0; i < 50; i++) {
		size_t len = (size_t)(i * 7) % 300;
		uint32_t count = 1 + (uint32_t)(i % 3);
		fill(buf, len, (uint64_t)i);
		seq = xappend(w, count, buf, len);
		bad += seq != want;
		want += count;
		bytes += FRAME + len;
	}
	ok(bad == 0, "sequences are assigned in order, each record taking count of them");
	ok(gt_wal_bytes(w) == bytes, "gt_wal_bytes counts frames and payloads (%" PRIu64 ")", bytes);
	ok(gt_wal_replay(w, 0, 0, collect, &r, &err) == 0 && r.n == 50, "replay from 0 sees 50 records");
	bad = 0;
	want = 1;
	for (i = 0; i < 50 && r.n == 50; i++) {
		size_t len = (size_t)(i * 7) % 300;
		fill(buf, len, (uint64_t)i);
		bad += r.v[i].seq != want || r.v[i].count != 1 + (uint32_t)(i % 3) ||
		       r.v[i].len != len || memcmp(r.v[i].p, buf, len) != 0;
		want += r.v[i].count;
	}
	ok(bad == 0, "replayed records equal the appended ones");
	recs_free(&r);
	gt_wal_close(w);

	w = xopen(dir, NULL, 1, &info);
	ok(info.records == 50 && info.next_seq == want && info.dropped_bytes == 0,
	   "reopen finds 50 records, next_seq %" PRIu64 " (got %" PRIu64 ")", want, info.next_seq);
	seq = xappend(w, 2, "x", 1);
	ok(seq == want, "append after reopen continues the sequence");
	want += 2;
	ok(gt_wal_replay(w, 0, 0, collect, &r, &err) == 0 && r.n == 51 && r.v[50].seq == seq,
	   "replay after reopen sees the old and the new records");
	recs_free(&r);
	gt_wal_close(w);

	w = xopen(dir, NULL, 1000000, &info);
	ok(info.next_seq == 1000000, "min_next_seq above the log raises next_seq");
	seq = xappend(w, 1, "y", 1);
	ok(seq == 1000000, "the next append gets the floor");
	gt_wal_close(w);
	w = xopen(dir, NULL, 5, &info);
	ok(info.next_seq == 1000001 && info.records == 52, "a lower floor does not lower next_seq");
	gt_wal_close(w);

	fresh(dir, sizeof(dir), "floor");
	w = xopen(dir, NULL, 42, &info);
	ok(info.next_seq == 42 && xappend(w, 1, "", 0) == 42, "fresh wal starts at min_next_seq");
	ok(xappend(w, 1, NULL, 0) == 43, "an empty payload is a record too");
	gt_wal_close(w);
}

/* Three records of 40 bytes in one segment: offsets 16, 84, 152; size 220. */
static void make_three(const char *dir, uint32_t count)
{
	struct gt_wal *w = xopen(dir, NULL, 1, NULL);
	uint8_t buf[40];

	for (int i = 0; i < 3; i++) {
		fill(buf, sizeof(buf), (uint64_t)i + 100);
		xappend(w, count, buf, sizeof(buf));
	}
	gt_wal_close(w);
}

static void test_torn_tail(void)
{
	char dir[300], seg[400];
	struct gt_wal_open_info info;
	struct gt_wal *w;
	struct recs r = {0};
	uint8_t *img;
	size_t len;
	int bad_rec = 0, bad_drop = 0, bad_size = 0, bad_replay = 0, cuts = 0;

	fresh(dir, sizeof(dir), "torn");
	make_three(dir, 1);
	seg_path(seg, sizeof(seg), dir, 1);
	img = read_file(seg, &len);
	ok(len == 220, "three 40-byte records make a 220-byte segment");
	for (size_t cut = 152; cut < len; cut++) {
		write_file(seg, img, cut);
		w = xopen(dir, NULL, 1, &info);
		bad_rec += info.records != 2 || info.next_seq != 3;
		bad_drop += info.dropped_bytes != cut - 152;
		bad_size += file_size(seg) != 152;
		bad_replay += gt_wal_replay(w, 0, 0, collect, &r, NULL) != 0 || r.n != 2 || r.v[1].seq != 2;
		recs_free(&r);
		gt_wal_close(w);
		cuts++;
	}
	ok(bad_rec == 0, "cut at each of %d offsets in the last record: 2 whole records kept", cuts);
	ok(bad_drop == 0, "each cut reports exactly the torn bytes as dropped");
	ok(bad_size == 0, "each cut truncates the file at the end of the last whole record");
	ok(bad_replay == 0, "each cut replays the 2 whole records");
	w = xopen(dir, NULL, 1, &info);
	ok(xappend(w, 1, "z", 1) == 3, "after a torn tail, the next append reuses the lost sequence");
	gt_wal_close(w);
	w = xopen(dir, NULL, 1, &info);
	ok(info.records == 3 && info.dropped_bytes == 0 && file_size(seg) == 152 + FRAME + 1,
	   "the append landed at the cut and reopens cleanly");
	gt_wal_close(w);
	free(img);
}

static void test_flip_middle(void)
{
	/* byte offsets inside the middle record (at 84): len, crc, region, seq, count, payload */
	static const size_t at[] = { 84, 85, 89, 92, 100, 108, 112, 123 };
	char dir[300], seg[400];
	struct gt_wal_open_info info;
	struct gt_wal *w;
	uint8_t *img;
	size_t len;
	int bad = 0;

	fresh(dir, sizeof(dir), "flip");
	make_three(dir, 1);
	seg_path(seg, sizeof(seg), dir, 1);
	img = read_file(seg, &len);
	for (size_t i = 0; i < GT_ARRAY_LEN(at); i++) {
		img[at[i]] ^= 0x40;
		write_file(seg, img, len);
		img[at[i]] ^= 0x40;
		w = xopen(dir, NULL, 1, &info);
		if (info.records != 1 || info.dropped_bytes != len - 84 || file_size(seg) != 84 ||
		    info.next_seq != 2) {
			printf("# flip at %zu: records %" PRIu64 " dropped %" PRIu64 "\n", at[i],
			       info.records, info.dropped_bytes);
			bad++;
		}
		gt_wal_close(w);
	}
	ok(bad == 0, "a flipped byte in the middle record cuts the log there (1 record kept, 136 bytes dropped)");
	free(img);
}

/* segment_bytes 200 and 100-byte payloads: 2 records (272 bytes) a segment. */
static const struct gt_wal_opts small_segs = { .segment_bytes = 200 };

static void make_six(const char *dir)
{
	struct gt_wal *w = xopen(dir, &small_segs, 1, NULL);
	uint8_t buf[100];

	for (int i = 0; i < 6; i++) {
		fill(buf, sizeof(buf), (uint64_t)i);
		xappend(w, 1, buf, sizeof(buf));
	}
	gt_wal_close(w);
}

static void test_damage_segments(void)
{
	char dir[300], seg[400];
	struct gt_wal_open_info info;
	struct gt_wal *w;
	struct recs r = {0};
	uint64_t firsts[8];
	uint8_t *img, hdr[16];
	size_t len;

	fresh(dir, sizeof(dir), "dmg");
	make_six(dir);
	ok(list_segs(dir, firsts, 8) == 3 && firsts[0] == 1 && firsts[1] == 3 && firsts[2] == 5,
	   "six records roll into segments 1, 3 and 5");
	seg_path(seg, sizeof(seg), dir, 3);
	img = read_file(seg, &len);
	img[144 + 50] ^= 1;
	write_file(seg, img, len);
	free(img);
	w = xopen(dir, &small_segs, 1, &info);
	ok(info.records == 3 && info.dropped_bytes == 128 + 272 && info.next_seq == 4,
	   "damage in a middle segment: cut there, later segment dropped (%" PRIu64 " bytes)",
	   info.dropped_bytes);
	ok(list_segs(dir, firsts, 8) == 2 && file_size(seg) == 144,
	   "the later segment is deleted and the damaged one truncated");
	ok(strcmp(info.damage, "00000000000000000003.wal: offset 144: crc mismatch") == 0,
	   "info.damage says where and why: %s", info.damage);
	ok(xappend(w, 1, "a", 1) == 4, "appends continue after the cut");
	gt_wal_close(w);

	/* A bad header in the last segment: damaged from offset 0, deleted. */
	fresh(dir, sizeof(dir), "hdr");
	make_six(dir);
	seg_path(seg, sizeof(seg), dir, 5);
	img = read_file(seg, &len);
	img[0] = 'X';
	write_file(seg, img, len);
	free(img);
	w = xopen(dir, &small_segs, 1, &info);
	ok(info.records == 4 && info.dropped_bytes == 272 && !exists(seg) && info.next_seq == 5,
	   "bad magic in the last segment: it is deleted and its bytes dropped");
	gt_wal_close(w);

	/* A header whose first seq disagrees with the name, in the middle. */
	fresh(dir, sizeof(dir), "hdr2");
	make_six(dir);
	seg_path(seg, sizeof(seg), dir, 3);
	img = read_file(seg, &len);
	gt_put_le64(img + 8, 2);
	write_file(seg, img, len);
	free(img);
	w = xopen(dir, &small_segs, 1, &info);
	ok(info.records == 2 && info.dropped_bytes == 544 && list_segs(dir, NULL, 0) == 1,
	   "first seq not matching the name in a middle segment: it and the later one go");
	gt_wal_close(w);

	/* Another version is not damage: open refuses and leaves it alone. */
	fresh(dir, sizeof(dir), "vers");
	make_six(dir);
	seg_path(seg, sizeof(seg), dir, 3);
	img = read_file(seg, &len);
	img[6] = 3;
	write_file(seg, img, len);
	free(img);
	{
		struct gt_err err = {0};
		struct gt_wal *w2 = NULL;
		ok(gt_wal_open(&w2, dir, &small_segs, 1, NULL, &err) == GT_EUNSUPP && !w2 &&
		   list_segs(dir, NULL, 0) == 3 && file_size(seg) == (long)len,
		   "a segment of version 3 fails the open and nothing is cut: %s", err.msg);
	}

	/* A zero-byte segment (crash while rolling) and a header-only one. */
	fresh(dir, sizeof(dir), "empty");
	make_six(dir);
	seg_path(seg, sizeof(seg), dir, 100);
	write_file(seg, "", 0);
	w = xopen(dir, &small_segs, 1, &info);
	ok(info.records == 6 && info.dropped_bytes == 0 && !exists(seg),
	   "a zero-byte segment is deleted and drops nothing");
	gt_wal_close(w);
	memcpy(hdr, "GTWAL\0\2\0", 8);
	gt_put_le64(hdr + 8, 50);
	seg_path(seg, sizeof(seg), dir, 50);
	write_file(seg, hdr, sizeof(hdr));
	w = xopen(dir, &small_segs, 1, &info);
	ok(info.records == 6 && info.dropped_bytes == 0 && info.next_seq == 50,
	   "a header-only last segment is kept and its first seq floors next_seq");
	ok(xappend(w, 1, "h", 1) == 50 && file_size(seg) == 16 + FRAME + 1,
	   "the next append goes to the end of the header-only segment");
	ok(gt_wal_replay(w, 0, 0, collect, &r, NULL) == 0 && r.n == 7 && r.v[6].seq == 50,
	   "replay crosses all segments");
	recs_free(&r);
	gt_wal_close(w);
}

static void test_roll_obsolete(void)
{
	struct gt_wal_opts o = { .segment_bytes = 1000 };
	char dir[300], seg[400];
	struct gt_wal_open_info info;
	struct gt_wal *w;
	struct recs r = {0};
	struct gt_err err = {0};
	uint64_t firsts[16];
	uint8_t buf[100];
	int n, bad = 0;

	fresh(dir, sizeof(dir), "roll");
	w = xopen(dir, &o, 1, NULL);
	for (int i = 0; i < 50; i++) {
		fill(buf, sizeof(buf), (uint64_t)i);
		xappend(w, 1, buf, sizeof(buf));
	}
	/* 16 + 7 * 128 = 912 < 1000, the 8th record makes 1040: 8 a segment. */
	n = list_segs(dir, firsts, 16);
	ok(n == 7, "50 records of 128 bytes roll at 1000 bytes into 7 segments (%d)", n);
	for (int i = 0; i < n && i < 16; i++) {
		uint8_t *img;
		size_t len;
		int rc;

		seg_path(seg, sizeof(seg), dir, firsts[i]);
		img = read_file(seg, &len);
		rc = gt_wal_read_segment(img, len, collect, &r, &err);
		bad += rc != 0 || firsts[i] != 1 + 8 * (uint64_t)i || r.v[r.n - (i == 6 ? 2 : 8)].seq != firsts[i];
		free(img);
	}
	ok(bad == 0 && r.n == 50, "each segment is named by its first record's seq and holds whole records");
	recs_free(&r);

	ok(gt_wal_obsolete(w, 0, 8, &err) == 0 && list_segs(dir, firsts, 16) == 6 && firsts[0] == 9,
	   "obsolete(8) deletes exactly the first segment (seqs 1..8)");
	ok(gt_wal_obsolete(w, 0, 15, &err) == 0 && list_segs(dir, firsts, 16) == 6,
	   "obsolete(15) keeps the segment holding 9..16");
	ok(gt_wal_replay(w, 0, 0, collect, &r, &err) == 0 && r.n == 35 && r.v[0].seq == 16,
	   "replay after obsolete(15) starts at seq 16");
	recs_free(&r);
	ok(gt_wal_obsolete(w, 0, UINT64_MAX, &err) == 0 && list_segs(dir, firsts, 16) == 1 &&
	   firsts[0] == 49, "obsolete(max) deletes all but the active segment");
	ok(gt_wal_replay(w, 0, 0, collect, &r, &err) == 0 && r.n == 0,
	   "replay after obsolete(max) has nothing to give");
	recs_free(&r);
	ok(xappend(w, 1, "q", 1) == 51, "appends continue after obsolete");
	gt_wal_close(w);
	w = xopen(dir, &o, 1, &info);
	ok(info.records == 3 && info.next_seq == 52,
	   "reopen after obsolete: the old active segment (until the next obsolete) and the new one, next 52");
	gt_wal_close(w);
	w = xopen(dir, &o, 1, &info);
	ok(gt_wal_obsolete(w, 0, UINT64_MAX, &err) == 0 && list_segs(dir, NULL, 0) == 1,
	   "the active segment survives obsolete after a reopen too");
	gt_wal_close(w);
}

static void test_replay_from(void)
{
	char dir[300];
	struct gt_wal *w;
	struct recs r = {0};
	struct gt_err err = {0};
	/* Records of count 3: seqs 1-3, 4-6, 7-9, 10-12. */
	static const struct { uint64_t from; size_t n; uint64_t first; } cases[] = {
		{ 0, 4, 1 }, { 1, 4, 1 }, { 3, 4, 1 }, { 4, 3, 4 }, { 5, 3, 4 }, { 6, 3, 4 },
		{ 7, 2, 7 }, { 12, 1, 10 }, { 13, 0, 0 }, { UINT64_MAX, 0, 0 },
	};
	int bad = 0;

	fresh(dir, sizeof(dir), "from");
	w = xopen(dir, NULL, 1, NULL);
	for (int i = 0; i < 4; i++)
		xappend(w, 3, "abc", 3);
	for (size_t i = 0; i < GT_ARRAY_LEN(cases); i++) {
		if (gt_wal_replay(w, 0, cases[i].from, collect, &r, &err) != 0 || r.n != cases[i].n ||
		    (r.n && r.v[0].seq != cases[i].first)) {
			printf("# from %" PRIu64 ": %zu records\n", cases[i].from, r.n);
			bad++;
		}
		recs_free(&r);
	}
	ok(bad == 0, "replay(from) gives every record whose last seq >= from");
	r.stop_after = 2;
	ok(gt_wal_replay(w, 0, 0, collect, &r, &err) == 42 && r.n == 2,
	   "a non-zero return from fn stops replay and is returned");
	recs_free(&r);
	gt_wal_close(w);
}

/* The log is shared: each region replays and obsoletes only its own records. */
static void test_regions(void)
{
	struct gt_wal_opts o = { .segment_bytes = 300, .purge_bytes = 1000 };
	char dir[300], seg[400];
	struct gt_wal_open_info info;
	struct gt_wal *w;
	struct recs r = {0};
	struct gt_err err = {0};
	uint64_t firsts[16], seq;
	uint8_t buf[100];
	int bad = 0;

	fresh(dir, sizeof(dir), "regions");
	w = xopen(dir, &o, 1, NULL);
	/* regions 7 and 9 alternate; 128-byte records, 3 a segment (16 + 3 * 128 > 300) */
	for (int i = 0; i < 12; i++) {
		fill(buf, sizeof(buf), (uint64_t)i);
		if (gt_wal_append(w, i % 2 ? 9 : 7, 1, buf, sizeof(buf), &seq, &err) || seq != (uint64_t)i + 1)
			bad++;
	}
	ok(bad == 0 && list_segs(dir, firsts, 16) == 4, "12 records of two regions share one sequence and 4 segments");
	ok(gt_wal_replay(w, 9, 0, collect, &r, &err) == 0 && r.n == 6 && r.v[0].seq == 2 && r.v[5].seq == 12 &&
	   r.v[3].region == 9, "region 9 replays its 6 records, seqs 2 .. 12");
	recs_free(&r);
	ok(gt_wal_replay(w, 7, 6, collect, &r, &err) == 0 && r.n == 3 && r.v[0].seq == 7,
	   "region 7 from seq 6: seqs 7, 9, 11");
	recs_free(&r);
	ok(gt_wal_region_last(w, 7) == 11 && gt_wal_region_last(w, 9) == 12 && gt_wal_region_last(w, 8) == 0,
	   "the last sequence of each region, 0 for one with no records");
	ok(gt_wal_region_bytes(w, 7) == 6 * (FRAME + 100), "bytes appended by one region");
	{
		uint64_t ids[4];
		size_t n = gt_wal_pinning(w, ids, 4);
		ok(gt_wal_over(w) && n == 2 && ((ids[0] == 7 && ids[1] == 9) || (ids[0] == 9 && ids[1] == 7)),
		   "over purge_bytes: both regions hold the oldest segment (%zu)", n);
		gt_wal_obsolete(w, 7, 3, &err);
		n = gt_wal_pinning(w, ids, 4);
		ok(n == 1 && ids[0] == 9, "region 7 flushed past it: only region 9 holds it");
	}
	ok(gt_wal_obsolete(w, 7, UINT64_MAX, &err) == 0 && list_segs(dir, NULL, 0) == 4,
	   "region 7 done: every segment still holds a record of region 9");
	ok(gt_wal_obsolete(w, 9, 6, &err) == 0 && list_segs(dir, firsts, 16) == 2 && firsts[0] == 7,
	   "region 9 done to 6: the segments of 1 .. 6 go, its record 8 keeps the one of 7 .. 9");
	ok(gt_wal_forget(w, 9, &err) == 0 && list_segs(dir, firsts, 16) == 1 && firsts[0] == 10,
	   "forgetting region 9 (dropped) frees all but the active segment");
	ok(gt_wal_replay(w, 9, 0, collect, &r, &err) == 0 && r.n == 0, "a forgotten region replays nothing");
	recs_free(&r);
	gt_wal_close(w);

	w = xopen(dir, &o, 1, &info);
	ok(info.records == 3 && info.next_seq == 13, "reopen: the active segment's 3 records, next 13");
	ok(gt_wal_replay(w, 7, 0, collect, &r, &err) == 0 && r.n == 1 && r.v[0].seq == 11 &&
	   gt_wal_region_last(w, 9) == 12, "the index is rebuilt on open: region 7 has 11, region 9 ends at 12");
	recs_free(&r);
	gt_wal_floor(w, 1000);
	gt_wal_floor(w, 10);
	ok(xappend(w, 1, "f", 1) == 1000, "a region's floor raises the next sequence, a lower one does not lower it");
	gt_wal_close(w);

	/* Many regions (a Prometheus server's metrics are hundreds of tables). */
	fresh(dir, sizeof(dir), "many");
	w = xopen(dir, NULL, 1, NULL);
	bad = 0;
	for (uint64_t i = 0; i < 1000; i++)
		bad += gt_wal_append(w, 1000 + i * 7, 1, &i, sizeof(i), &seq, &err) != 0 || seq != i + 1;
	for (uint64_t i = 0; i < 1000; i += 37) {
		bad += gt_wal_replay(w, 1000 + i * 7, 0, collect, &r, &err) != 0 || r.n != 1 || r.v[0].seq != i + 1 ||
		       memcmp(r.v[0].p, &i, sizeof(i)) != 0;
		recs_free(&r);
	}
	ok(bad == 0, "1000 regions: each replays its own record");
	gt_wal_close(w);

	/* A version 1 segment (a WAL per region, before): readable, never opened as a log. */
	fresh(dir, sizeof(dir), "v1");
	{
		uint8_t img[16 + 20 + 3];
		memcpy(img, "GTWAL\0\1\0", 8);
		gt_put_le64(img + 8, 5);
		gt_put_le32(img + 16, 3);
		gt_put_le64(img + 24, 5);
		gt_put_le32(img + 32, 2);
		memcpy(img + 36, "abc", 3);
		gt_put_le32(img + 20, gt_crc32c(gt_crc32c(0, img + 24, 12), img + 36, 3));
		ok(gt_wal_read_segment(img, sizeof(img), collect, &r, &err) == 0 && r.n == 1 && r.v[0].seq == 5 &&
		   r.v[0].count == 2 && r.v[0].region == 0 && r.v[0].len == 3, "a version 1 segment reads, region 0");
		recs_free(&r);
		w = xopen(dir, NULL, 1, NULL);
		gt_wal_close(w);
		seg_path(seg, sizeof(seg), dir, 5);
		write_file(seg, img, sizeof(img));
		struct gt_wal *w2 = NULL;
		ok(gt_wal_open(&w2, dir, NULL, 1, NULL, &err) == GT_EUNSUPP && !w2 && exists(seg) &&
		   strstr(err.msg, "per-region WAL of an older gt"), "but a log will not open on it: %s", err.msg);
	}
}

static void check_msg(const void *img, size_t len, const char *want, size_t calls, const char *what)
{
	struct recs r = {0};
	struct gt_err err = {0};
	int rc = gt_wal_read_segment(img, len, collect, &r, &err);

	ok(rc == GT_ECORRUPT && strstr(err.msg, want) && r.n == calls,
	   "read_segment, %s: \"%s\" after %zu records", what, err.msg, r.n);
	recs_free(&r);
}

static void reseal(uint8_t *rec)
{
	uint32_t len = gt_get_le32(rec);
	gt_put_le32(rec + 4, gt_crc32c(gt_crc32c(0, rec + 8, FRAME - 8), rec + FRAME, len));
}

static void test_read_segment(void)
{
	char dir[300], seg[400];
	struct recs r = {0};
	struct gt_err err = {0};
	uint8_t *img, *cp;
	size_t len;

	fresh(dir, sizeof(dir), "rs");
	make_three(dir, 2);
	seg_path(seg, sizeof(seg), dir, 1);
	img = read_file(seg, &len);
	cp = malloc(len);
	ok(gt_wal_read_segment(img, len, collect, &r, &err) == 0 && r.n == 3 && r.v[2].seq == 5 &&
	   r.v[2].count == 2, "a whole segment parses: 3 records, seqs 1, 3, 5");
	recs_free(&r);
	ok(gt_wal_read_segment(img, 16, collect, &r, &err) == 0 && r.n == 0, "a header alone is a good, empty segment");

	check_msg(img, 182, "offset 152: truncated record", 2, "cut inside the last payload");
	check_msg(img, 162, "offset 152: truncated record", 2, "cut inside the last frame");
	check_msg(img, 10, "offset 0: truncated header", 0, "10 bytes");
	check_msg(img, 0, "offset 0: truncated header", 0, "no bytes");

	memcpy(cp, img, len);
	cp[84 + 30] ^= 0x80;
	check_msg(cp, len, "offset 84: crc mismatch", 1, "a flipped payload byte");
	memcpy(cp, img, len);
	gt_put_le32(cp + 16, 999999999);
	check_msg(cp, len, "offset 16: length 999999999 over limit", 0, "a huge length");
	memcpy(cp, img, len);
	gt_put_le32(cp + 84, 41);
	check_msg(cp, len, "offset 84: crc mismatch", 1, "a length one too long");
	memcpy(cp, img, len);
	cp[0] = 'g';
	check_msg(cp, len, "offset 0: bad magic", 0, "bad magic");
	memcpy(cp, img, len);
	cp[6] = 3;
	ok(gt_wal_read_segment(cp, len, collect, &r, &err) == GT_EUNSUPP && r.n == 0 &&
	   strstr(err.msg, "offset 6: unsupported version 3"), "read_segment, version 3: GT_EUNSUPP, \"%s\"", err.msg);
	recs_free(&r);
	memcpy(cp, img, len);
	gt_put_le32(cp + 84 + 24, 0);
	reseal(cp + 84);
	check_msg(cp, len, "offset 84: count 0", 1, "count 0 under a good crc");
	memcpy(cp, img, len);
	gt_put_le64(cp + 152 + 16, 2);
	reseal(cp + 152);
	check_msg(cp, len, "offset 152: sequence 2 goes backwards", 2, "a sequence going back");
	memcpy(cp, img, len);
	gt_put_le64(cp + 8, 2);
	check_msg(cp, len, "offset 16: sequence 1 goes backwards", 0, "a record below the header's first seq");
	memcpy(cp, img, len);
	gt_put_le64(cp + 152 + 16, UINT64_MAX);
	reseal(cp + 152);
	check_msg(cp, len, "offset 152: sequence 18446744073709551615 + count 2 overflows", 2, "overflow");
	free(cp);
	free(img);
}

/* Several regions' records in one append: one sequence run, each replayed
 * by its region; a bad record fails the call before any is queued. */
static void test_append_many(void)
{
	char dir[300];
	struct gt_wal *w;
	struct recs r = {0};
	struct gt_err err = {0};
	struct gt_wal_rec rec[3] = {
		{ .region = 5, .count = 2, .payload = "aa", .len = 2 },
		{ .region = 6, .count = 1, .payload = "b", .len = 1 },
		{ .region = 5, .count = 3, .payload = "ccc", .len = 3 },
	};

	fresh(dir, sizeof(dir), "many");
	w = xopen(dir, NULL, 10, NULL);
	ok(gt_wal_append_many(w, rec, 3, &err) == 0 && rec[0].seq == 10 && rec[1].seq == 12 && rec[2].seq == 13,
	   "three records get consecutive sequences 10, 12, 13");
	ok(gt_wal_replay(w, 5, 0, collect, &r, &err) == 0 && r.n == 2 && r.v[0].seq == 10 && r.v[1].seq == 13 &&
	   r.v[1].len == 3 && r.v[1].count == 3, "region 5 replays its two records");
	recs_free(&r);
	ok(gt_wal_replay(w, 6, 0, collect, &r, &err) == 0 && r.n == 1 && r.v[0].seq == 12, "region 6 its one");
	recs_free(&r);
	rec[1].count = 0;
	ok(gt_wal_append_many(w, rec, 3, &err) == GT_EINVAL && xappend(w, 1, "d", 1) == 16,
	   "a record of count 0 fails the call and no record takes a sequence");
	ok(gt_wal_append_many(w, rec, 0, &err) == 0, "no records: nothing to do");
	gt_wal_close(w);
	w = xopen(dir, NULL, 1, NULL);
	ok(gt_wal_replay(w, 5, 0, collect, &r, &err) == 0 && r.n == 2 && r.v[1].seq == 13, "reopened: still there");
	recs_free(&r);
	gt_wal_close(w);
}

static void test_misuse(void)
{
	char dir[300];
	struct gt_wal *w, *w2 = NULL;
	struct gt_err err = {0};
	struct gt_wal_opts o = { .sync = 9 };
	uint64_t seq = 77;
	static const char x[1];

	fresh(dir, sizeof(dir), "misuse");
	w = xopen(dir, NULL, 1, NULL);
	ok(gt_wal_append(w, 0, 0, "a", 1, &seq, &err) == GT_EINVAL && seq == 77, "count 0 is refused");
	ok(gt_wal_append(w, 0, 1, x, (size_t)GT_WAL_MAX_RECORD + 1, &seq, &err) == GT_ETOOBIG,
	   "a payload over GT_WAL_MAX_RECORD is refused before it is read");
	ok(gt_wal_open(&w2, dir, NULL, 1, NULL, &err) == GT_ELOCKED && !w2,
	   "a second open of the same directory is refused: %s", err.msg);
	ok(xappend(w, 1, "b", 1) == 1, "the refused appends took no sequence");
	gt_wal_close(w);
	ok(gt_wal_open(&w2, dir, &o, 1, NULL, &err) == GT_EINVAL, "an unknown sync policy is refused");
	ok(gt_wal_open(&w2, "/nonexistent/a/b", NULL, 1, NULL, &err) == GT_EIO && strstr(err.msg, "/nonexistent/a/b"),
	   "a missing parent directory: %s", err.msg);
}

static void test_sync_policies(void)
{
	struct gt_wal_opts none = { .sync = GT_WAL_SYNC_NONE };
	struct gt_wal_opts iv = { .sync = GT_WAL_SYNC_INTERVAL, .interval_ms = 20 };
	struct gt_wal_open_info info;
	char dir[300];
	struct gt_wal *w;
	uint64_t s;

	fresh(dir, sizeof(dir), "sync");
	w = xopen(dir, NULL, 1, NULL);
	for (int i = 0; i < 5; i++)
		xappend(w, 1, "s", 1);
	ok(gt_wal_syncs(w) == 5, "sync=always, one appender: one fdatasync per record");
	gt_wal_close(w);

	w = xopen(dir, &none, 1, NULL);
	for (int i = 0; i < 5; i++)
		xappend(w, 1, "s", 1);
	ok(gt_wal_syncs(w) == 0, "sync=none never syncs");
	gt_wal_close(w);

	w = xopen(dir, &iv, 1, NULL);
	for (int i = 0; i < 5; i++)
		xappend(w, 1, "s", 1);
	usleep(200 * 1000);
	s = gt_wal_syncs(w);
	ok(s >= 1 && s <= 2,
	   "sync=interval: appends return before the sync, the syncer syncs once the log is dirty (%" PRIu64 ")",
	   s);
	xappend(w, 1, "t", 1);
	gt_wal_close(w);
	w = xopen(dir, NULL, 1, &info);
	ok(info.records == 16, "all records of the three policies are there after reopen");
	gt_wal_close(w);
}

/* ---------------------------------------------------------------- */
/* Concurrent appenders */

struct worker {
	struct gt_wal *w;
	int id;
	uint64_t region;   /* the region its records belong to */
	int n;             /* records to append; 0 = until an error */
	size_t len;
	uint64_t *seqs;    /* the seq each record got, or 0 */
	int acked;
	int first_err;     /* the code of the first failure */
	int after_err;     /* the code of one more append after it */
	char msg[512];
};

static void *work(void *arg)
{
	struct worker *k = arg;
	uint8_t *buf = malloc(k->len);
	struct gt_err err = {0};

	for (int i = 0; k->n == 0 || i < k->n; i++) {
		uint64_t seq;
		int rc;

		fill(buf, k->len, (uint64_t)k->id * 1000003u + (uint64_t)i);
		gt_put_le32(buf, (uint32_t)k->id);
		gt_put_le32(buf + 4, (uint32_t)i);
		rc = gt_wal_append(k->w, k->region, 1, buf, k->len, &seq, &err);
		if (rc) {
			k->first_err = rc;
			snprintf(k->msg, sizeof(k->msg), "%s", err.msg);
			k->after_err = gt_wal_append(k->w, k->region, 1, buf, k->len, &seq, &err);
			break;
		}
		if (k->seqs)
			k->seqs[i] = seq;
		k->acked = i + 1;
	}
	free(buf);
	return NULL;
}

static void run_workers(struct worker *k, int nt)
{
	pthread_t th[16];

	for (int i = 0; i < nt; i++)
		if (pthread_create(&th[i], NULL, work, &k[i]) != 0)
			abort();
	for (int i = 0; i < nt; i++)
		pthread_join(th[i], NULL);
}

static void test_concurrent(void)
{
	enum { NT = 8, PER = 400, LEN = 4096 };
	struct gt_wal_opts o = { .segment_bytes = 1 << 20 };
	struct worker k[NT];
	char dir[300];
	struct gt_wal *w;
	struct recs r = {0};
	struct gt_err err = {0};
	uint8_t *seen = calloc(NT * PER, 1), buf[LEN];
	int order = 0, dup = 0, wrong = 0, content = 0;
	uint64_t syncs;

	fresh(dir, sizeof(dir), "conc");
	w = xopen(dir, &o, 1, NULL);
	memset(k, 0, sizeof(k));
	for (int i = 0; i < NT; i++) {
		k[i] = (struct worker){ .w = w, .id = i, .n = PER, .len = LEN };
		k[i].seqs = calloc(PER, sizeof(uint64_t));
	}
	run_workers(k, NT);
	syncs = gt_wal_syncs(w);
	ok(gt_wal_replay(w, 0, 0, collect, &r, &err) == 0 && r.n == NT * PER,
	   "%d threads x %d records: all %d replayed", NT, PER, NT * PER);
	for (size_t i = 0; i < r.n; i++) {
		uint32_t id = gt_get_le32(r.v[i].p), idx = gt_get_le32(r.v[i].p + 4);
		if (i && r.v[i].seq <= r.v[i - 1].seq)
			order++;
		if (id >= NT || idx >= PER || r.v[i].len != LEN) {
			content++;
			continue;
		}
		dup += seen[id * PER + idx]++ != 0;
		wrong += k[id].seqs[idx] != r.v[i].seq;
		fill(buf, LEN, (uint64_t)id * 1000003u + idx);
		content += memcmp(r.v[i].p + 8, buf + 8, LEN - 8) != 0;
	}
	ok(order == 0, "sequences strictly increase in log order");
	ok(dup == 0 && content == 0, "every record is present exactly once and intact");
	ok(wrong == 0, "each record carries the seq its appender was given");
	ok(syncs < (uint64_t)NT * PER, "group commit: %" PRIu64 " fdatasyncs for %d records",
	   syncs, NT * PER);
	ok(list_segs(dir, NULL, 0) > 1, "segments rolled under concurrent appends (%d)", list_segs(dir, NULL, 0));
	recs_free(&r);
	gt_wal_close(w);
	for (int i = 0; i < NT; i++)
		free(k[i].seqs);
	free(seen);
}

struct obs {
	struct gt_wal *w;
	int stop;          /* atomic */
	int calls, fails;
};

static void *obsolete_loop(void *arg)
{
	struct obs *o = arg;
	struct gt_err err = {0};

	while (!__atomic_load_n(&o->stop, __ATOMIC_ACQUIRE)) {
		o->fails += gt_wal_obsolete(o->w, 1, UINT64_MAX, &err) != 0;
		o->calls++;
		sched_yield();
	}
	return NULL;
}

/* Obsolete may run while others append (a flush finishing under load). */
static void test_obsolete_concurrent(void)
{
	enum { NT = 4, PER = 2000 };
	struct gt_wal_opts o = { .sync = GT_WAL_SYNC_NONE, .segment_bytes = 32 << 10 };
	struct gt_wal_open_info info;
	struct worker k[NT];
	struct obs ob = {0};
	pthread_t th;
	char dir[300];
	struct gt_wal *w;
	struct recs r = {0};
	struct gt_err err = {0};
	int order = 0, rc;

	fresh(dir, sizeof(dir), "obsconc");
	w = xopen(dir, &o, 1, NULL);
	memset(k, 0, sizeof(k));
	for (int i = 0; i < NT; i++)
		k[i] = (struct worker){ .w = w, .id = i, .region = (uint64_t)i + 1, .n = PER, .len = 1000 };
	ob.w = w;
	if (pthread_create(&th, NULL, obsolete_loop, &ob) != 0)
		abort();
	run_workers(k, NT);
	__atomic_store_n(&ob.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	ok(ob.fails == 0 && ob.calls > 0, "obsolete ran %d times alongside appends without error", ob.calls);
	/* region 1 was obsoleted all along; the others keep every record */
	rc = gt_wal_replay(w, 2, 0, collect, &r, &err);
	for (size_t i = 1; i < r.n; i++)
		order += r.v[i].seq <= r.v[i - 1].seq || r.v[i].region != 2;
	ok(rc == 0 && r.n == PER && order == 0, "another region's records are all there, in order (%zu)", r.n);
	recs_free(&r);
	gt_wal_close(w);
	w = xopen(dir, &o, 1, &info);
	ok(info.dropped_bytes == 0 && info.next_seq == NT * PER + 1, "it reopens cleanly");
	gt_wal_close(w);
}

/* Make writes fail with EFBIG past a file size limit. */
static void test_io_error(void)
{
	enum { NT = 4, LEN = 4096, MAXREC = 100000 };
	struct rlimit old, lim;
	struct worker k[NT];
	char dir[300];
	struct gt_wal_open_info info;
	struct gt_wal *w;
	struct recs r = {0};
	struct gt_err err = {0};
	int eio = 0, after = 0, lost = 0, acked = 0;
	uint64_t seq;

	fresh(dir, sizeof(dir), "eio");
	w = xopen(dir, NULL, 1, NULL);
	for (int i = 0; i < 4; i++)
		xappend(w, 1, "before", 6);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 200000;
	if (setrlimit(RLIMIT_FSIZE, &lim) != 0) {
		ok(1, "# SKIP cannot set RLIMIT_FSIZE");
		gt_wal_close(w);
		return;
	}
	memset(k, 0, sizeof(k));
	for (int i = 0; i < NT; i++) {
		k[i] = (struct worker){ .w = w, .id = i, .n = 0, .len = LEN };
		k[i].seqs = calloc(MAXREC, sizeof(uint64_t));
	}
	run_workers(k, NT);
	setrlimit(RLIMIT_FSIZE, &old);
	for (int i = 0; i < NT; i++) {
		eio += k[i].first_err == GT_EIO && k[i].msg[0];
		after += k[i].after_err == GT_EIO;
		acked += k[i].acked;
	}
	ok(eio == NT, "a failed write reaches every appender as GT_EIO with a message (%s)", k[0].msg);
	ok(after == NT, "once broken, the wal refuses every later append with GT_EIO");
	ok(gt_wal_append(w, 0, 1, "late", 4, &seq, &err) == GT_EIO,
	   "refused even after the limit is lifted: %s", err.msg);
	gt_wal_close(w);

	w = xopen(dir, NULL, 1, &info);
	ok(gt_wal_replay(w, 0, 0, collect, &r, &err) == 0, "reopen after the failure recovers (dropped %" PRIu64 ")",
	   info.dropped_bytes);
	for (int i = 0; i < NT; i++) {
		for (int j = 0; j < k[i].acked; j++) {
			int found = 0;
			for (size_t m = 0; m < r.n && !found; m++)
				found = r.v[m].seq == k[i].seqs[j];
			lost += !found;
		}
		free(k[i].seqs);
	}
	ok(lost == 0 && acked > 0, "every acknowledged record (%d) survives", acked);
	ok(xappend(w, 1, "after", 5) > 4, "the reopened wal takes appends again");
	recs_free(&r);
	gt_wal_close(w);
}

/* ---------------------------------------------------------------- */
/* Throughput, printed as TAP comments */

static void perf(void)
{
	enum { N = 100, BIG = 100 * 1024 };
	char dir[300];
	struct gt_wal *w;
	uint8_t *buf = malloc(BIG);
	int64_t t0;
	double s;

	fresh(dir, sizeof(dir), "perf1");
	w = xopen(dir, NULL, 1, NULL);
	fill(buf, BIG, 7);
	t0 = gt_mono_ns();
	for (int i = 0; i < N; i++)
		xappend(w, 1, buf, BIG);
	s = secs_since(t0);
	printf("# perf: 1 thread, %d x 100 KB, sync=always: %.1f MB/s, %.2f ms per append, %" PRIu64 " syncs\n",
	       N, (double)N * BIG / s / 1e6, s * 1e3 / N, gt_wal_syncs(w));
	gt_wal_close(w);
	free(buf);

	static const int threads[] = { 1, 4, 8 };
	for (size_t t = 0; t < GT_ARRAY_LEN(threads); t++) {
		int nt = threads[t], per = 300;
		struct worker k[8];

		fresh(dir, sizeof(dir), "perf2");
		w = xopen(dir, NULL, 1, NULL);
		memset(k, 0, sizeof(k));
		for (int i = 0; i < nt; i++)
			k[i] = (struct worker){ .w = w, .id = i, .n = per, .len = 4096 };
		t0 = gt_mono_ns();
		run_workers(k, nt);
		s = secs_since(t0);
		printf("# perf: %d thread%s x %d x 4 KB, sync=always: %.0f records/s, %.3f fsyncs per record\n",
		       nt, nt > 1 ? "s" : "", per, nt * per / s,
		       (double)gt_wal_syncs(w) / (nt * per));
		gt_wal_close(w);
	}
	ok(1, "throughput measured (see the comments above)");
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(base, sizeof(base), "%s/gt-test-wal-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(base)) {
		printf("not ok 1 - cannot make a temporary directory\n");
		return 1;
	}
	test_roundtrip();
	test_torn_tail();
	test_flip_middle();
	test_damage_segments();
	test_roll_obsolete();
	test_replay_from();
	test_read_segment();
	test_regions();
	test_append_many();
	test_misuse();
	test_sync_policies();
	test_concurrent();
	test_obsolete_concurrent();
	test_io_error();
	perf();
	rmtree(base);
	return tap_done();
}
