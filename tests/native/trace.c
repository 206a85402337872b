// SPDX-License-Identifier: GPL-2.0
/*
 * Traces (docs/real-workloads.md) turned into per-thread scripts.
 *
 *   # comment
 *   a <id> <size> <align> <atomic> <site>
 *   f <id>
 *
 * The k-th allocation goes to thread k % threads, and the free of an area
 * to the thread that allocated it.  Areas still live at the end are freed
 * by their thread, untimed.  A line that does not parse, a free of an id
 * that is not live and a second allocation of a live id stop the load,
 * with the file and line in the message: nothing is replayed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native.h"

#define MAX_WORDS	7

/*
 * Live ids -> slot, open addressing with linear probing; a slot of
 * NO_SLOT is empty, TOMB_SLOT was erased.
 */
#define NO_SLOT		U32_MAX
#define TOMB_SLOT	(U32_MAX - 1)

struct id_map {
	u32 *ids, *slots;
	size_t cap, used;
};

static size_t id_hash(u32 id, size_t cap)
{
	return (id * 0x9e3779b1u) & (cap - 1);
}

/* Where @id is, or the empty entry it would go in. */
static size_t id_find(const struct id_map *m, u32 id)
{
	size_t i = id_hash(id, m->cap), tomb = SIZE_MAX;

	for (;; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i] == NO_SLOT)
			return tomb != SIZE_MAX ? tomb : i;
		if (m->slots[i] == TOMB_SLOT) {
			if (tomb == SIZE_MAX)
				tomb = i;
		} else if (m->ids[i] == id) {
			return i;
		}
	}
}

static bool id_live(const struct id_map *m, size_t i, u32 id)
{
	return m->slots[i] < TOMB_SLOT && m->ids[i] == id;
}

static int id_map_init(struct id_map *m, size_t cap)
{
	m->cap = cap;
	m->used = 0;
	m->ids = calloc(cap, sizeof(*m->ids));
	m->slots = malloc(cap * sizeof(*m->slots));
	if (!m->ids || !m->slots) {
		free(m->ids);
		free(m->slots);
		return -ENOMEM;
	}
	memset(m->slots, 0xff, cap * sizeof(*m->slots));	/* NO_SLOT */
	return 0;
}

static void id_map_free(struct id_map *m)
{
	free(m->ids);
	free(m->slots);
}

/* Insert into a map kept at most half full (erased entries count). */
static int id_insert(struct id_map *m, u32 id, u32 slot)
{
	size_t i;

	if (2 * (m->used + 1) > m->cap) {
		struct id_map bigger;
		size_t j;

		if (id_map_init(&bigger, 2 * m->cap))
			return -ENOMEM;
		for (j = 0; j < m->cap; j++)
			if (m->slots[j] < TOMB_SLOT)
				id_insert(&bigger, m->ids[j], m->slots[j]);
		id_map_free(m);
		*m = bigger;
	}
	i = id_find(m, id);
	if (m->slots[i] == NO_SLOT)
		m->used++;
	m->ids[i] = id;
	m->slots[i] = slot;
	return 0;
}

/* A decimal number without sign or leading zeros, as the lab takes. */
static bool parse_u32(const char *s, u32 *v)
{
	unsigned long long x = 0;
	const char *p;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		x = x * 10 + (*p - '0');
		if (x > U32_MAX)
			return false;
	}
	*v = x;
	return true;
}

static int split_words(char *line, char **w)
{
	int n = 0;
	char *tok, *save;

	for (tok = strtok_r(line, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (n == MAX_WORDS)
			return n + 1;
		w[n++] = tok;
	}
	return n;
}

struct loader {
	const char *path;
	unsigned long line;
	struct native_job *job;
	struct id_map live;
	u32 *owner;	/* slot -> thread */
	size_t owner_cap;
};

/* Report a bad line of the trace @ld reads; -EINVAL. */
__printf(2, 3) static int bad_line(const struct loader *ld, const char *fmt,
				   ...)
{
	va_list ap;

	fprintf(stderr, "%s:%lu: ", ld->path, ld->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

static int load_alloc(struct loader *ld, char **w)
{
	struct native_job *job = ld->job;
	u32 id, size, align, atomic, slot, thread;
	struct native_rec r = { .timed = 1 };
	size_t i;

	if (!parse_u32(w[1], &id) || !parse_u32(w[2], &size) ||
	    !parse_u32(w[3], &align) || !parse_u32(w[4], &atomic))
		return bad_line(ld,
				"malformed allocation: expected \"a <id> <size> <align> <atomic> <site>\" with decimal numbers");
	if (!size || size > NATIVE_MAX_SIZE)
		return bad_line(ld, "size %u out of range (1 to %d)", size,
				NATIVE_MAX_SIZE);
	if (!align || (align & (align - 1)) || align > 4096)
		return bad_line(ld, "align %u is not a power of two up to 4096",
				align);
	if (atomic > 1)
		return bad_line(ld, "atomic must be 0 or 1, not %u", atomic);
	i = id_find(&ld->live, id);
	if (id_live(&ld->live, i, id))
		return bad_line(ld, "id %u allocated again while live", id);
	slot = job->nr_slots;
	if (slot >= ld->owner_cap) {
		size_t cap = ld->owner_cap ? 2 * ld->owner_cap : 1024;
		u32 *o = realloc(ld->owner, cap * sizeof(*o));

		if (!o)
			return -ENOMEM;
		ld->owner = o;
		ld->owner_cap = cap;
	}
	thread = slot % job->threads;
	if (id_insert(&ld->live, id, slot))
		return -ENOMEM;
	ld->owner[slot] = thread;
	job->nr_slots++;
	r.slot = slot;
	r.size = size;
	r.align = align;
	r.atomic = atomic;
	return native_script_add(&job->script[thread], &r);
}

static int load_free(struct loader *ld, char **w)
{
	struct native_rec r = { .is_free = 1, .timed = 1 };
	u32 id;
	size_t i;

	if (!parse_u32(w[1], &id))
		return bad_line(ld,
				"malformed free: expected \"f <id>\" with a decimal id");
	i = id_find(&ld->live, id);
	if (!id_live(&ld->live, i, id))
		return bad_line(ld, "free of id %u, which is not live", id);
	r.slot = ld->live.slots[i];
	ld->live.slots[i] = TOMB_SLOT;
	return native_script_add(&ld->job->script[ld->owner[r.slot]], &r);
}

static int load_line(struct loader *ld, char *line)
{
	char *w[MAX_WORDS + 1];
	int n;

	if (line[0] == '#')
		return 0;
	n = split_words(line, w);
	if (n == 6 && !strcmp(w[0], "a"))
		return load_alloc(ld, w);
	if (n == 2 && !strcmp(w[0], "f"))
		return load_free(ld, w);
	return bad_line(ld,
			"malformed line: expected \"a <id> <size> <align> <atomic> <site>\", \"f <id>\" or a \"#\" comment");
}

/* What is live at the end is freed by its thread, untimed. */
static int free_the_rest(struct loader *ld)
{
	struct native_rec r = { .is_free = 1 };
	size_t i;
	int err;

	for (i = 0; i < ld->live.cap; i++) {
		if (ld->live.slots[i] >= TOMB_SLOT)
			continue;
		r.slot = ld->live.slots[i];
		err = native_script_add(&ld->job->script[ld->owner[r.slot]],
					&r);
		if (err)
			return err;
	}
	return 0;
}

static void job_name(struct native_job *job, const char *path)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 6 && !strcmp(base + len - 6, ".trace"))
		len -= 6;
	snprintf(job->name, sizeof(job->name), "%.*s", (int)len, base);
}

/**
 * native_trace_load() - read a trace into per-thread scripts
 * @path: the trace file
 * @threads: threads to spread its allocations over, 1 to NATIVE_MAX_THREADS
 * @job: filled in; on failure left empty
 *
 * RETURNS: 0, -EINVAL for a bad line (reported on stderr with its
 * number), or another negative errno (also reported).
 */
int native_trace_load(const char *path, unsigned int threads,
		      struct native_job *job)
{
	struct loader ld = { .path = path, .job = job };
	char *line = NULL;
	size_t len = 0;
	ssize_t got;
	int err;
	FILE *f;

	memset(job, 0, sizeof(*job));
	job->threads = threads;
	job_name(job, path);
	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return err;
	}
	err = id_map_init(&ld.live, 1024);
	while (!err && (got = getline(&line, &len, f)) >= 0) {
		ld.line++;
		if (got && line[got - 1] == '\n')
			line[--got] = 0;
		if (strlen(line) != (size_t)got)
			err = bad_line(&ld, "NUL byte in the line");
		else
			err = load_line(&ld, line);
	}
	if (!err && ferror(f)) {
		err = -EIO;
		fprintf(stderr, "%s: read error\n", path);
	}
	if (!err && !job->nr_slots) {
		err = -EINVAL;
		fprintf(stderr, "%s: no allocation in the trace\n", path);
	}
	if (!err)
		err = free_the_rest(&ld);
	if (err == -ENOMEM)
		fprintf(stderr, "%s: out of memory\n", path);
	free(line);
	fclose(f);
	id_map_free(&ld.live);
	free(ld.owner);
	if (err)
		native_job_free(job);
	return err;
}
