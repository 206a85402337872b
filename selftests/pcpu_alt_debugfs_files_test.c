// SPDX-License-Identifier: GPL-2.0
/*
 * Checks the contents of pcpu_alt's debugfs files against allocation
 * patterns made through the "pool" file.  Needs root, a mounted debugfs
 * and the pcpu_alt module loaded, with nothing else allocating from it.
 *
 * Only the machine-readable forms are parsed: "stats" key=value lines,
 * "chunk ..." records of "chunks" and "hints", "pool" records, and the
 * fragmap cell lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define DIR_	"/sys/kernel/debug/pcpu_alt/"
#define STATS	DIR_ "stats"
#define CHUNKS	DIR_ "chunks"
#define HINTS	DIR_ "hints"
#define FRAGMAP	DIR_ "fragmap"
#define VERIFY	DIR_ "verify"
#define POOL	DIR_ "pool"
#define CALLERS	DIR_ "callers"

#define MAX_CHUNKS	256
#define STRESS_SECONDS	4

/* Whole file as a NUL-terminated string (caller frees), or NULL + errno. */
static char *slurp(const char *path)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap), *nbuf;
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	for (;;) {
		if (cap - len < 2) {
			cap *= 2;
			nbuf = realloc(buf, cap);
			if (!nbuf)
				goto fail_fd;
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0)
			goto fail_fd;
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
fail_fd:
	n = errno;
	close(fd);
	errno = n;
fail:
	n = errno;
	free(buf);
	errno = n;
	return NULL;
}

/* One write(2) of @len bytes; 0 or -errno. */
static int put(const char *path, const char *s, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

static int cmd(const char *path, const char *s)
{
	return put(path, s, strlen(s));
}

/* Value of " key=" (or key= at @line's start) in one line; false if absent. */
static bool line_val(const char *line, const char *key, long long *val)
{
	size_t klen = strlen(key);
	const char *p = line, *eol = strchrnul(line, '\n');
	char *end;

	while (p < eol) {
		if ((p == line || p[-1] == ' ') && !strncmp(p, key, klen) &&
		    p[klen] == '=') {
			errno = 0;
			*val = strtoll(p + klen + 1, &end, 10);
			return !errno && end != p + klen + 1 &&
			       (*end == ' ' || *end == '\n' || !*end);
		}
		p = strchrnul(p, ' ');
		if (*p)
			p++;
	}
	return false;
}

/* key=value from a key=value-per-line file; -1 if absent or not a number. */
static long long kv(const char *text, const char *key)
{
	const char *line;
	long long v;

	for (line = text; *line; line = strchrnul(line, '\n'),
	     line += !!*line) {
		if (!strncmp(line, key, strlen(key)) &&
		    line[strlen(key)] == '=')
			return line_val(line, key, &v) ? v : -1;
	}
	return -1;
}

static long long stat_of(const char *key)
{
	char *text = slurp(STATS);
	long long v = text ? kv(text, key) : -1;

	free(text);
	return v;
}

/* Sum of @key over the lines of @text starting with @prefix. */
static long long sum_records(const char *text, const char *prefix,
			     const char *key, int *nr)
{
	long long sum = 0, v;
	const char *line;

	*nr = 0;
	for (line = text; *line; line = strchrnul(line, '\n'),
	     line += !!*line) {
		if (strncmp(line, prefix, strlen(prefix)))
			continue;
		if (!line_val(line, key, &v))
			return -1;
		sum += v;
		(*nr)++;
	}
	return sum;
}

static long long chunks_sum(const char *key, int *nr)
{
	char *text = slurp(CHUNKS);
	long long v = text ? sum_records(text, "chunk id=", key, nr) : -1;

	free(text);
	return v;
}

/* Keeps gcc's format checker from guessing a NULL into a table walk. */
static const char *nz(const char *s)
{
	return s ? s : "(null)";
}

static long long round4(long long v)
{
	return (v + 3) / 4 * 4;
}

/* ---- fragmap parsing ---- */

struct fragmap {
	int cell_bytes;
	int per_line;
	int nr;
	int id[MAX_CHUNKS];
	char *cells[MAX_CHUNKS];	/* one char per cell, whole unit */
	long nr_cells;
	int max_width;
};

static void fragmap_free(struct fragmap *f)
{
	int i;

	for (i = 0; i < f->nr; i++)
		free(f->cells[i]);
	f->nr = 0;
}

/* Parse a fragmap dump; 0 or -1 on a malformed one. */
static int fragmap_parse(const char *text, long unit_size, struct fragmap *f)
{
	const char *line, *eol;
	long long v, off, pos = 0;
	char *cells = NULL;
	int width, n, i;

	memset(f, 0, sizeof(*f));
	for (line = text; *line; line = eol + !!*eol) {
		eol = strchrnul(line, '\n');
		width = eol - line;
		if (width > f->max_width)
			f->max_width = width;
		if (line[0] == '#') {
			if (!strncmp(line, "# unit_size=", 12)) {
				if (!line_val(line + 2, "cell_bytes", &v))
					return -1;
				f->cell_bytes = v;
				if (!line_val(line + 2, "cells_per_line", &v))
					return -1;
				f->per_line = v;
			}
			continue;
		}
		if (!strncmp(line, "chunk id=", 9)) {
			if (!f->cell_bytes || f->nr == MAX_CHUNKS)
				return -1;
			f->nr_cells = unit_size / f->cell_bytes;
			cells = calloc(f->nr_cells + 1, 1);
			if (!cells || !line_val(line, "id", &v))
				return -1;
			f->id[f->nr] = v;
			f->cells[f->nr++] = cells;
			pos = 0;
			continue;
		}
		if (!cells)
			return -1;
		if (line[0] == '*') {
			n = atoi(line + 2);
			for (; n > 0; n--, pos += f->per_line) {
				if (pos < f->per_line ||
				    pos + f->per_line > f->nr_cells)
					return -1;
				memcpy(cells + pos, cells + pos - f->per_line,
				       f->per_line);
			}
			continue;
		}
		off = strtoll(line, NULL, 16);
		if (off != pos * f->cell_bytes || width < 8 + f->per_line ||
		    pos + f->per_line > f->nr_cells)
			return -1;
		for (i = 0; i < f->per_line; i++)
			cells[pos + i] = line[8 + i];
		pos += f->per_line;
	}
	return 0;
}

static const char *fragmap_chunk(const struct fragmap *f, int id)
{
	int i;

	for (i = 0; i < f->nr; i++)
		if (f->id[i] == id)
			return f->cells[i];
	return NULL;
}

/* ---- pool records ---- */

struct area {
	long long id, chunk, offset, size, alloc_size;
};

/* Parse the pool listing into @a (at most @max); count or -1. */
static int pool_list(struct area *a, int max)
{
	char *text = slurp(POOL);
	const char *line;
	int n = 0;

	if (!text)
		return -1;
	for (line = text; *line; line = strchrnul(line, '\n'),
	     line += !!*line) {
		if (n == max ||
		    !line_val(line, "id", &a[n].id) ||
		    !line_val(line, "chunk", &a[n].chunk) ||
		    !line_val(line, "offset", &a[n].offset) ||
		    !line_val(line, "size", &a[n].size) ||
		    !line_val(line, "alloc_size", &a[n].alloc_size)) {
			n = -1;
			break;
		}
		n++;
	}
	free(text);
	return n;
}

/*
 * The "callers" line of the pool's call site (the lab module's pool
 * writer): its count and bytes, or 0 and 0 when it holds nothing.
 */
static int pool_site(long long *count, long long *bytes, char *site,
		     size_t site_len)
{
	char *text = slurp(CALLERS), *line, *end;
	int found = 0;

	*count = 0;
	*bytes = 0;
	if (!text)
		return -1;
	for (line = text; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		if (*line == '#' || !strstr(line, "[pcpu_alt_lab]") ||
		    !strstr(line, "pool_"))
			continue;
		*end = '\0';
		if (!line_val(line, "count", count) ||
		    !line_val(line, "bytes", bytes))
			found = -1;
		else
			found++;
		snprintf(site, site_len, "%s", strstr(line, "site="));
		*end = '\n';
		if (!*end)
			break;
	}
	free(text);
	return found;
}

/* Module loaded, pool empty: every test starts from a known pool. */
static void setup(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, access("/sys/module/pcpu_alt", F_OK))
		TH_LOG("pcpu_alt is not loaded");
	ASSERT_EQ(0, cmd(POOL, "free all"));
}

TEST(files_exist_root_only)
{
	static const struct { const char *name; unsigned int mode; } f[] = {
		{ "version", 0400 }, { "stats", 0400 }, { "chunks", 0400 },
		{ "hints", 0600 }, { "fragmap", 0400 }, { "verify", 0400 },
		{ "pool", 0600 }, { "callers", 0400 },
	};
	char path[128];
	struct stat st;
	size_t i;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	setup(_metadata);
	for (i = 0; i < ARRAY_SIZE(f); i++) {
		snprintf(path, sizeof(path), DIR_ "%s", f[i].name);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %m", path);
		EXPECT_TRUE(S_ISREG(st.st_mode));
		EXPECT_EQ(f[i].mode, st.st_mode & 07777)
			TH_LOG("%s: mode %04o", path, st.st_mode & 07777);
		EXPECT_EQ(0U, st.st_uid);
	}
}

TEST(stats_has_every_key)
{
	static const char * const keys[] = {
		"nr_alloc", "nr_dealloc", "nr_cur_alloc", "nr_max_alloc",
		"nr_chunks", "nr_max_chunks", "min_alloc_size",
		"max_alloc_size", "empty_pop_pages", "fail_bad_size",
		"fail_bad_align", "fail_no_populated", "fail_chunk",
		"fail_populate", "fail_total", "bad_frees", "cur_alloc_bytes",
		"populated_pages", "data_bytes", "meta_bytes", "unit_size",
		"nr_units", "page_size", "alloc_granule", "empty_pages_low",
		"empty_pages_high", "chunks_created", "chunks_destroyed",
		"pages_populated", "pages_depopulated", "balance_runs",
		"faults_injected", "regions", "backing_pages", "fail_killed",
		"site_meta_bytes", "call_sites", "call_site_overflows",
		"fail_busy", "accounted_allocs",
	};
	char *text;
	size_t i;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	setup(_metadata);
	text = slurp(STATS);
	ASSERT_NE(NULL, text);
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		EXPECT_LE(0, kv(text, keys[i])) TH_LOG("no key %s", nz(keys[i]));
	EXPECT_TRUE(strstr(text, "\nlayout=compat\n") ||
		    strstr(text, "\nlayout=private\n"));
	EXPECT_TRUE(strstr(text, "\nbackend=vm\n") ||
		    strstr(text, "\nbackend=km\n"));
	EXPECT_LT(0, kv(text, "unit_size"));
	EXPECT_LT(0, kv(text, "meta_bytes"));
	EXPECT_LE(kv(text, "nr_chunks"), kv(text, "nr_max_chunks"));
	EXPECT_LE(kv(text, "nr_cur_alloc"), kv(text, "nr_max_alloc"));
	free(text);
}

TEST(pool_alloc_moves_stats_and_chunks)
{
	/* 24 B is a cache size class: the same footprint with caches on or off. */
	const int n = 16, size = 24, align = 4;
	long long a0, d0, c0, b0, ca0, cu0, v;
	struct area area[64];
	int nr, i;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	setup(_metadata);
	a0 = stat_of("nr_alloc");
	d0 = stat_of("nr_dealloc");
	c0 = stat_of("nr_cur_alloc");
	b0 = stat_of("cur_alloc_bytes");
	ca0 = chunks_sum("nr_alloc", &nr);
	cu0 = chunks_sum("used_bytes", &nr);
	ASSERT_LT(0, nr) TH_LOG("no chunk records in %s", CHUNKS);

	ASSERT_EQ(0, cmd(POOL, "alloc 16 24 4\n"));
	EXPECT_EQ(a0 + n, stat_of("nr_alloc"));
	EXPECT_EQ(d0, stat_of("nr_dealloc"));
	EXPECT_EQ(c0 + n, stat_of("nr_cur_alloc"));
	EXPECT_EQ(b0 + n * round4(size), stat_of("cur_alloc_bytes"));
	EXPECT_EQ(ca0 + n, chunks_sum("nr_alloc", &nr));
	EXPECT_EQ(cu0 + n * round4(size), chunks_sum("used_bytes", &nr));
	v = stat_of("min_alloc_size");
	EXPECT_TRUE(v > 0 && v <= round4(size));
	EXPECT_LE(round4(size), stat_of("max_alloc_size"));

	ASSERT_EQ(n, pool_list(area, 64));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(size, area[i].size);
		EXPECT_EQ(round4(size), area[i].alloc_size);
		EXPECT_EQ(0, area[i].offset % align);
	}

	ASSERT_EQ(0, cmd(POOL, "free all"));
	EXPECT_EQ(0, pool_list(area, 64));
	EXPECT_EQ(d0 + n, stat_of("nr_dealloc"));
	EXPECT_EQ(c0, stat_of("nr_cur_alloc"));
	EXPECT_EQ(b0, stat_of("cur_alloc_bytes"));
	EXPECT_EQ(ca0, chunks_sum("nr_alloc", &nr));
	EXPECT_EQ(cu0, chunks_sum("used_bytes", &nr));
}

TEST(pool_free_by_id)
{
	struct area area[8];
	char buf[64];
	long long c0;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	setup(_metadata);
	c0 = stat_of("nr_cur_alloc");
	ASSERT_EQ(0, cmd(POOL, "alloc 3 64 8"));
	ASSERT_EQ(3, pool_list(area, 8));
	snprintf(buf, sizeof(buf), "free %lld", area[1].id);
	ASSERT_EQ(0, cmd(POOL, buf));
	EXPECT_EQ(c0 + 2, stat_of("nr_cur_alloc"));
	ASSERT_EQ(2, pool_list(area + 3, 5));
	EXPECT_EQ(area[0].id, area[3].id);
	EXPECT_EQ(area[2].id, area[4].id);
	EXPECT_EQ(-ENOENT, cmd(POOL, buf)) TH_LOG("second free of one id");
	EXPECT_EQ(c0 + 2, stat_of("nr_cur_alloc"));
	ASSERT_EQ(0, cmd(POOL, "free all"));
	EXPECT_EQ(c0, stat_of("nr_cur_alloc"));
}

TEST(pool_alloc_is_all_or_nothing)
{
	long long a0, d0, c0, a1, d1;
	struct area area[4];

	if (geteuid() != 0)
		SKIP(return, "needs root");
	setup(_metadata);
	a0 = stat_of("nr_alloc");
	d0 = stat_of("nr_dealloc");
	c0 = stat_of("nr_cur_alloc");
	/* 4096 pages without blocking: the reserve runs out part way. */
	EXPECT_EQ(-ENOMEM, cmd(POOL, "alloc 4096 4096 4096 atomic"));
	a1 = stat_of("nr_alloc");
	d1 = stat_of("nr_dealloc");
	EXPECT_LT(a0, a1) TH_LOG("no allocation succeeded before the failure");
	EXPECT_EQ(a1 - a0, d1 - d0) TH_LOG("not all taken areas were freed");
	EXPECT_EQ(c0, stat_of("nr_cur_alloc"));
	EXPECT_EQ(0, pool_list(area, 4));
	ASSERT_EQ(0, cmd(POOL, "free all"));
}

TEST(fragmap_marks_allocations)
{
	struct fragmap f;
	struct area area[8];
	const char *cells;
	long long unit;
	char *text;
	int n, i, c;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	setup(_metadata);
	unit = stat_of("unit_size");
	ASSERT_LT(0, unit);
	ASSERT_EQ(0, cmd(POOL, "alloc 8 256 64"));
	n = pool_list(area, 8);
	ASSERT_EQ(8, n);

	text = slurp(FRAGMAP);
	ASSERT_NE(NULL, text);
	ASSERT_EQ(0, fragmap_parse(text, unit, &f)) TH_LOG("bad fragmap");
	free(text);
	EXPECT_GE(80, f.max_width) TH_LOG("fragmap line of %d columns",
					  f.max_width);
	ASSERT_LT(0, f.cell_bytes);
	ASSERT_EQ(0, 256 % f.cell_bytes);
	for (i = 0; i < n; i++) {
		cells = fragmap_chunk(&f, area[i].chunk);
		ASSERT_NE(NULL, cells) TH_LOG("chunk %lld not in fragmap",
					      area[i].chunk);
		for (c = area[i].offset / f.cell_bytes;
		     c < (area[i].offset + 256) / f.cell_bytes; c++)
			EXPECT_EQ('#', cells[c])
				TH_LOG("chunk %lld cell %d: '%c'",
				       area[i].chunk, c, cells[c]);
	}
	fragmap_free(&f);

	ASSERT_EQ(0, cmd(POOL, "free all"));
	text = slurp(FRAGMAP);
	ASSERT_NE(NULL, text);
	ASSERT_EQ(0, fragmap_parse(text, unit, &f));
	free(text);
	for (i = 0; i < n; i++) {
		cells = fragmap_chunk(&f, area[i].chunk);
		if (!cells)	/* chunk given back: nothing allocated */
			continue;
		for (c = area[i].offset / f.cell_bytes;
		     c < (area[i].offset + 256) / f.cell_bytes; c++)
			EXPECT_TRUE(cells[c] == '.' || cells[c] == '~')
				TH_LOG("freed cell %d: '%c'", c, cells[c]);
	}
	fragmap_free(&f);
}

/* Every chunk record of a hints dump is clean; returns the record count. */
static int hints_clean(struct __test_metadata *_metadata, const char *text,
		       long long pages)
{
	const char *line, *eol;
	int chunks = 0, blocks = 0;
	long long v;

	for (line = text; *line; line = strchrnul(line, '\n'),
	     line += !!*line) {
		if (!strncmp(line, "chunk id=", 9)) {
			if (chunks && pages >= 0)
				EXPECT_EQ(pages, blocks);
			chunks++;
			blocks = 0;
			if (line_val(line, "gone", &v))
				continue;
			eol = strchrnul(line, '\n');
			EXPECT_TRUE(line_val(line, "check_errors", &v));
			EXPECT_EQ(0, v);
			EXPECT_TRUE(eol - line > 11 &&
				    !strncmp(eol - 11, " verdict=ok", 11))
				TH_LOG("%.200s", line);
		} else if (!strncmp(line, "  block=", 8)) {
			blocks++;
		} else if (!strncmp(line, "  * ", 4)) {
			/* "  * N more blocks like it": N repeats of the last */
			v = strtoll(line + 4, NULL, 10);
			EXPECT_LT(0, v) TH_LOG("%.200s", line);
			EXPECT_LT(0, blocks) TH_LOG("repeat before a block");
			blocks += v;
		} else if (!strncmp(line, "  mismatch ", 11)) {
			EXPECT_EQ(NULL, line) TH_LOG("%.200s", line);
		}
	}
	if (chunks && pages >= 0)
		EXPECT_EQ(pages, blocks);
	return chunks;
}

TEST(hints_checker_agrees_and_select_works)
{
	long long pages, id;
	char *text, buf[32];
	const char *line;
	int nr, first;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	setup(_metadata);
	ASSERT_EQ(0, cmd(POOL, "alloc 20 24 8"));
	pages = stat_of("unit_size") / stat_of("page_size");
	ASSERT_EQ(0, cmd(HINTS, "all\n"));
	text = slurp(HINTS);
	ASSERT_NE(NULL, text);
	EXPECT_TRUE(!strncmp(text, "# pcpu_alt hints: selected=all\n", 31));
	nr = hints_clean(_metadata, text, pages);
	/* Free blocks alike (a unit is 8 pages or more): collapsed. */
	EXPECT_NE(NULL, strstr(text, " more blocks like it\n"));
	free(text);
	chunks_sum("nr_alloc", &first);
	EXPECT_EQ(first, nr);
	ASSERT_LT(0, nr);

	text = slurp(CHUNKS);
	ASSERT_NE(NULL, text);
	line = strstr(text, "\nchunk id=");
	ASSERT_NE(NULL, line);
	ASSERT_TRUE(line_val(line + 1, "id", &id));
	free(text);
	snprintf(buf, sizeof(buf), "%lld\n", id);
	ASSERT_EQ(0, cmd(HINTS, buf));
	text = slurp(HINTS);
	ASSERT_NE(NULL, text);
	snprintf(buf, sizeof(buf), "selected=%lld\n", id);
	EXPECT_NE(NULL, strstr(text, buf));
	EXPECT_EQ(1, hints_clean(_metadata, text, pages));
	snprintf(buf, sizeof(buf), "\nchunk id=%lld ", id);
	EXPECT_NE(NULL, strstr(text, buf));
	free(text);
	ASSERT_EQ(0, cmd(HINTS, "all"));
	ASSERT_EQ(0, cmd(POOL, "free all"));
}

TEST(verify_reports_no_errors)
{
	char *text;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	setup(_metadata);
	ASSERT_EQ(0, cmd(POOL, "alloc 5 1000 16"));
	text = slurp(VERIFY);
	ASSERT_NE(NULL, text);
	EXPECT_STREQ("errors=0\n", text);
	free(text);
	ASSERT_EQ(0, cmd(POOL, "free all"));
}

/* Figures a refused write must not move. */
static void snapshot(char *out, size_t len)
{
	static const char * const keys[] = {
		"nr_alloc", "nr_dealloc", "nr_cur_alloc", "cur_alloc_bytes",
		"fail_total", "bad_frees",
	};
	char *stats = slurp(STATS), *pool = slurp(POOL);
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		n += snprintf(out + n, len - n, "%s=%lld ", keys[i],
			      stats ? kv(stats, keys[i]) : -2);
	snprintf(out + n, len - n, "pool:%s", pool ? pool : "?");
	free(stats);
	free(pool);
}

/* Sum of the pool's alloc_size over its areas, and how many. */
static long long pool_bytes(int *nr)
{
	struct area a[64];
	long long bytes = 0;
	int i;

	*nr = pool_list(a, ARRAY_SIZE(a));
	for (i = 0; i < *nr; i++)
		bytes += a[i].alloc_size;
	return bytes;
}

TEST(callers_counts_what_each_site_holds)
{
	long long count, bytes, want;
	char site[160] = "", buf[32];
	struct area a[64];
	int nr, found;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	setup(_metadata);
	/* Nothing from the pool: no line for its site. */
	ASSERT_LE(0, pool_site(&count, &bytes, site, sizeof(site)));
	EXPECT_EQ(0, count);
	/* Cached classes, an aligned one, and one beyond every class. */
	ASSERT_EQ(0, cmd(POOL, "alloc 7 100 8"));
	ASSERT_EQ(0, cmd(POOL, "alloc 3 300 64"));
	ASSERT_EQ(0, cmd(POOL, "alloc 2 5000 8"));
	want = pool_bytes(&nr);
	ASSERT_EQ(12, nr);
	found = pool_site(&count, &bytes, site, sizeof(site));
	ASSERT_EQ(1, found) TH_LOG("pool's site line missing or twice");
	TH_LOG("%s", site);
	EXPECT_EQ(12, count);
	EXPECT_EQ(want, bytes);
	/* After a free: the area freed is gone from the count. */
	ASSERT_EQ(12, pool_list(a, ARRAY_SIZE(a)));
	snprintf(buf, sizeof(buf), "free %lld", a[0].id);
	ASSERT_EQ(0, cmd(POOL, buf));
	want = pool_bytes(&nr);
	ASSERT_EQ(11, nr);
	ASSERT_EQ(1, pool_site(&count, &bytes, site, sizeof(site)));
	EXPECT_EQ(11, count);
	EXPECT_EQ(want, bytes);
	ASSERT_EQ(0, cmd(POOL, "free all"));
	ASSERT_LE(0, pool_site(&count, &bytes, site, sizeof(site)));
	EXPECT_EQ(0, count);
	EXPECT_EQ(0, bytes);
}

TEST(pool_refuses_bad_writes)
{
	static const struct { const char *s; int err; } bad[] = {
		{ "\n", -EINVAL }, { "bogus", -EINVAL }, { "alloc", -EINVAL },
		{ "alloc 1", -EINVAL }, { "alloc 1 8", -EINVAL },
		{ "alloc 0 8 8", -EINVAL }, { "alloc 4097 8 8", -EINVAL },
		{ "alloc 1 0 8", -EINVAL }, { "alloc 1 8 3", -EINVAL },
		{ "alloc 1 8 0", -EINVAL }, { "alloc 1 8 8192", -EINVAL },
		{ "alloc 1 99999999999 8", -EINVAL },
		{ "alloc 1 4294967297 8", -EINVAL },
		{ "alloc -1 8 8", -EINVAL }, { "alloc 1 -8 8", -EINVAL },
		{ "alloc 1 8 8 atomicx", -EINVAL },
		{ "alloc 1 8 8 atomic x", -EINVAL },
		{ "alloc  1 8 8", -EINVAL }, { " alloc 1 8 8", -EINVAL },
		{ "alloc 1 8 8 ", -EINVAL }, { "alloc 1 8 8\n\n", -EINVAL },
		{ "alloc 1 8 8\t", -EINVAL }, { "alloc 0x1 8 8", -EINVAL },
		{ "alloc 1 8 8x", -EINVAL }, { "ALLOC 1 8 8", -EINVAL },
		{ "free", -EINVAL }, { "free x", -EINVAL },
		{ "free -1", -EINVAL }, { "free all x", -EINVAL },
		{ "free 99999999999999999999999", -EINVAL },
		{ "free 123456789", -ENOENT },
	};
	char before[8192], after[8192], big[256];
	size_t i;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	setup(_metadata);
	ASSERT_EQ(0, cmd(POOL, "alloc 2 32 8"));
	snapshot(before, sizeof(before));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(bad[i].err, cmd(POOL, bad[i].s))
			TH_LOG("write \"%s\"", nz(bad[i].s));
	EXPECT_EQ(-EINVAL, put(POOL, "", 0)) TH_LOG("empty write");
	EXPECT_EQ(-EINVAL, put(POOL, "alloc 1 8 8\0x", 13))
		TH_LOG("embedded NUL");
	memset(big, ' ', sizeof(big));
	memcpy(big, "alloc 1 8 8", 11);
	EXPECT_EQ(-EINVAL, put(POOL, big, sizeof(big))) TH_LOG("overlong");
	snapshot(after, sizeof(after));
	EXPECT_STREQ(before, after);
	ASSERT_EQ(0, cmd(POOL, "free all"));
}

TEST(hints_refuses_bad_writes)
{
	static const char * const bad[] = {
		"\n", "x", "-1", "+0", " 0", "0 ", "0x0", "0\n\n",
		"99999999999", "all ", "allx", "ALL", "1 2",
	};
	char big[256], *text;
	size_t i;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	setup(_metadata);
	ASSERT_EQ(0, cmd(HINTS, "all"));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, cmd(HINTS, bad[i]))
			TH_LOG("write \"%s\"", nz(bad[i]));
	EXPECT_EQ(-EINVAL, put(HINTS, "", 0)) TH_LOG("empty write");
	EXPECT_EQ(-ENOENT, cmd(HINTS, "2147483647")) TH_LOG("no such chunk");
	memset(big, '0', sizeof(big));
	EXPECT_EQ(-EINVAL, put(HINTS, big, sizeof(big))) TH_LOG("overlong");
	text = slurp(HINTS);
	ASSERT_NE(NULL, text);
	EXPECT_TRUE(!strncmp(text, "# pcpu_alt hints: selected=all\n", 31))
		TH_LOG("selection changed: %.60s", text);
	free(text);
}

/* ---- reading during a stress run ---- */

struct stress {
	bool stop;		/* __atomic accesses */
	int cpu;
	long rounds;
	long errors;
};

static void *stress_fn(void *arg)
{
	struct stress *s = arg;
	char buf[64];
	cpu_set_t set;
	int err, size;

	CPU_ZERO(&set);
	CPU_SET(s->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		size = 4 + (s->rounds * 37 + s->cpu * 101) % 3000;
		snprintf(buf, sizeof(buf), "alloc 8 %d %d%s", size,
			 1 << (s->rounds % 7),
			 s->rounds % 3 ? "" : " atomic");
		err = cmd(POOL, buf);
		if (err && !(err == -ENOMEM && s->rounds % 3 == 0))
			s->errors++;
		if (s->rounds % 2 && cmd(POOL, "free all"))
			s->errors++;
		s->rounds++;
	}
	return NULL;
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
	cmd(POOL, "free all");
}

TEST_F_TIMEOUT(stress, read_while_allocating_on_every_cpu, 120)
{
	static const char * const files[] = {
		STATS, CHUNKS, HINTS, FRAGMAP, POOL, VERIFY, DIR_ "version",
	};
	long nr_cpus = sysconf(_SC_NPROCESSORS_ONLN), i, reads = 0;
	struct stress s[64];
	pthread_t th[64];
	time_t end;
	size_t f;
	char *text;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	setup(_metadata);
	if (nr_cpus > 64)
		nr_cpus = 64;
	ASSERT_EQ(0, cmd(HINTS, "all"));
	for (i = 0; i < nr_cpus; i++) {
		s[i] = (struct stress){ .cpu = i };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, stress_fn, &s[i]));
	}
	end = time(NULL) + STRESS_SECONDS;
	while (time(NULL) < end) {
		for (f = 0; f < ARRAY_SIZE(files); f++) {
			text = slurp(files[f]);
			EXPECT_NE(NULL, text) TH_LOG("%s: %m", files[f]);
			if (!text)
				continue;
			if (!strcmp(files[f], HINTS))
				hints_clean(_metadata, text, -1);
			if (!strcmp(files[f], VERIFY))
				EXPECT_STREQ("errors=0\n", text);
			free(text);
			reads++;
		}
	}
	for (i = 0; i < nr_cpus; i++) {
		__atomic_store_n(&s[i].stop, true, __ATOMIC_RELAXED);
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, s[i].errors) TH_LOG("cpu %ld", i);
		EXPECT_LT(0, s[i].rounds) TH_LOG("cpu %ld never ran", i);
	}
	TH_LOG("%ld reads; rounds on cpu0: %ld", reads, s[0].rounds);
	EXPECT_LT(0, reads);
	ASSERT_EQ(0, cmd(POOL, "free all"));
	text = slurp(VERIFY);
	ASSERT_NE(NULL, text);
	EXPECT_STREQ("errors=0\n", text);
	free(text);
	EXPECT_EQ(0, stat_of("nr_cur_alloc"));
}

TEST_HARNESS_MAIN
