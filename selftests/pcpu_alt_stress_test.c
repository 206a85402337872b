// SPDX-License-Identifier: GPL-2.0
/*
 * Short runs of pcpu_alt's stress engine (debugfs "stress") from user
 * space: command parsing, a ~20 s run with debugfs readers going on every
 * file meanwhile, and a thread following a CPU through offline/online.
 * Needs root, a mounted debugfs and pcpu_alt loaded with no stress running.
 *
 * Waits are on observable conditions (status or stats fields) with a
 * deadline, never a fixed sleep.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define DIR		"/sys/kernel/debug/pcpu_alt"
#define STRESS		DIR "/stress"
#define STATS		DIR "/stats"
#define VERIFY		DIR "/verify"
#define STATUS_MAX	(64 * 1024)
#define RUN_SECONDS	20

static ssize_t read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - total);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

/* One write(2) of @len bytes of @cmd; 0 or -errno. */
static int write_raw(const char *path, const char *cmd, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, cmd, len);
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

static int cmd(const char *c)
{
	return write_raw(STRESS, c, strlen(c));
}

/*
 * Value of @key in @text: a "key=value" pair at the start of a line, or
 * (with @line_prefix, e.g. "cpu=2 ") in the line starting with it.
 * Returns -1 when absent.
 */
static long long value_in(const char *text, const char *line_prefix,
			  const char *key)
{
	char pat[64];
	const char *p = text, *end;
	size_t plen;

	if (line_prefix) {
		plen = strlen(line_prefix);
		for (;;) {
			if (!strncmp(p, line_prefix, plen))
				break;
			p = strchr(p, '\n');
			if (!p)
				return -1;
			p++;
		}
		end = strchr(p, '\n');
		snprintf(pat, sizeof(pat), " %s=", key);
		p = strstr(p, pat);
		if (!p || (end && p > end))
			return -1;
		return strtoll(p + strlen(pat), NULL, 10);
	}
	snprintf(pat, sizeof(pat), "%s=", key);
	plen = strlen(pat);
	for (;;) {
		if (!strncmp(p, pat, plen))
			return strtoll(p + plen, NULL, 10);
		p = strchr(p, '\n');
		if (!p)
			return -1;
		p++;
	}
}

static long long file_value(const char *path, const char *key)
{
	static char buf[STATUS_MAX];

	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	return value_in(buf, NULL, key);
}

static int status_state(char *status)
{
	if (read_file(STRESS, status, STATUS_MAX) <= 0)
		return -1;
	if (strstr(status, "state=running\n"))
		return 1;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pause_briefly(void)
{
	usleep(100 * 1000);
}

/* Poll @path until @key's value satisfies @ok or @secs pass. */
static long long wait_value(const char *path, const char *key, double secs,
			    int (*ok)(long long v, long long arg),
			    long long arg)
{
	double until = now() + secs;
	long long v;

	for (;;) {
		v = file_value(path, key);
		if (ok(v, arg) || now() > until)
			return v;
		pause_briefly();
	}
}

static int is_eq(long long v, long long arg)
{
	return v == arg;
}

static int is_le(long long v, long long arg)
{
	return v >= 0 && v <= arg;
}

static int online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

static void require_idle(struct __test_metadata *_metadata)
{
	char *status = malloc(STATUS_MAX);

	ASSERT_NE(NULL, status);
	ASSERT_EQ(0, access(STRESS, R_OK | W_OK))
		TH_LOG("%s: %s (pcpu_alt loaded? root?)", STRESS,
		       strerror(errno));
	ASSERT_EQ(0, status_state(status)) TH_LOG("a stress run is going on");
	free(status);
}

TEST(bad_commands_refused)
{
	static const char * const bad[] = {
		"bogus", "Start", " start", "start ", "start  seconds=1",
		"start\tseconds=1", "start seconds", "start seconds=",
		"start =1", "start seconds=x", "start seconds=1x",
		"start seconds=-1", "start seconds=604801",
		"start ops=1000000000001", "start max_live=0",
		"start max_live=4097", "start max_size=0",
		"start small_pct=101", "start atomic_pct=101",
		"start cross_pct=101", "start seed=4294967296",
		"start seconds=1 seconds=1", "start foo=1", "stop now",
		"stop stop", "\n", "start seconds=1 a b c d e f g h",
	};
	char before[4096], after[4096], big[300], over[64];
	long long unit;
	size_t i;

	if (geteuid())
		SKIP(return, "needs root");
	require_idle(_metadata);
	ASSERT_LT(0, read_file(STRESS, before, sizeof(before)));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *c = bad[i] ? bad[i] : "";

		EXPECT_EQ(-EINVAL, cmd(c)) TH_LOG("accepted '%s'", c);
	}
	EXPECT_EQ(-EINVAL, write_raw(STRESS, "", 0));
	memset(big, 'a', sizeof(big));
	memcpy(big, "start seed=", 11);
	EXPECT_EQ(-EINVAL, write_raw(STRESS, big, sizeof(big)));
	unit = file_value(STATS, "unit_size");
	ASSERT_LT(0, unit);
	snprintf(over, sizeof(over), "start max_size=%lld", unit + 1);
	EXPECT_EQ(-EINVAL, cmd(over));
	ASSERT_LT(0, read_file(STRESS, after, sizeof(after)));
	EXPECT_STREQ(before, after) TH_LOG("status changed by refused commands");
	/* stop with nothing running is a no-op. */
	EXPECT_EQ(0, cmd("stop"));
}

/* Shared with the reader processes. */
struct readers {
	int stop;
	long reads[5];
	long errors[5];
	int last_errno[5];
};

static const char * const reader_files[5] = {
	DIR "/chunks", DIR "/hints", DIR "/fragmap", STATS, STRESS,
};

static void reader(struct readers *r, int i)
{
	char *buf = malloc(1 << 20);
	ssize_t n;

	if (!buf)
		_exit(1);
	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		n = read_file(reader_files[i], buf, 1 << 20);
		if (n <= 0) {
			__atomic_add_fetch(&r->errors[i], 1, __ATOMIC_RELAXED);
			r->last_errno[i] = n ? (int)-n : 0;
		}
		__atomic_add_fetch(&r->reads[i], 1, __ATOMIC_RELAXED);
	}
	_exit(0);
}

FIXTURE(stress) {
	char *status;
};

FIXTURE_SETUP(stress)
{
	if (geteuid())
		SKIP(return, "needs root");
	self->status = malloc(STATUS_MAX);
	ASSERT_NE(NULL, self->status);
	require_idle(_metadata);
}

FIXTURE_TEARDOWN(stress)
{
	cmd("stop");
	free(self->status);
}

/*
 * ~20 s on every CPU with the default mix while readers loop over the
 * debugfs files; then every CPU worked, nothing was corrupted, everything
 * was freed, the checker is clean and the pages went back.
 */
TEST_F_TIMEOUT(stress, short_run, 240)
{
	long long pop0, high, limit, v, live0, peak, start;
	struct readers *r;
	pid_t pid[5];
	char key[32];
	int cpu, i, st, cpus = online_cpus();
	double until;

	pop0 = file_value(STATS, "populated_pages");
	high = file_value(STATS, "empty_pages_high");
	live0 = file_value(STATS, "nr_cur_alloc");
	ASSERT_LE(0, pop0);
	ASSERT_LE(0, high);
	ASSERT_LE(0, live0);

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	memset(r, 0, sizeof(*r));
	for (i = 0; i < 5; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i])
			reader(r, i);
	}

	snprintf(key, sizeof(key), "start seconds=%d", RUN_SECONDS);
	ASSERT_EQ(0, cmd(key));
	EXPECT_EQ(-EBUSY, cmd("start seconds=1"));
	EXPECT_EQ(-EBUSY, cmd("start"));

	/* The run ends by itself after RUN_SECONDS: wait for that. */
	until = now() + RUN_SECONDS + 120;
	while (status_state(self->status) == 1 && now() < until)
		pause_briefly();
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &st, 0));
		EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
		EXPECT_LT(0, r->reads[i])
			TH_LOG("%s never read", reader_files[i]);
		EXPECT_EQ(0, r->errors[i])
			TH_LOG("%s: %ld failed reads, last errno %d",
			       reader_files[i], r->errors[i],
			       r->last_errno[i]);
	}
	TH_LOG("status after the run:\n%s", self->status);
	ASSERT_EQ(0, status_state(self->status));
	ASSERT_NE(NULL, strstr(self->status, "state=done\nruns="));
	EXPECT_NE(NULL, strstr(self->status, "\nend=time\n"));

	EXPECT_EQ(0, value_in(self->status, NULL, "corruptions"));
	EXPECT_EQ(0, value_in(self->status, NULL, "corrupt_zero"));
	EXPECT_EQ(0, value_in(self->status, NULL, "corrupt_pattern"));
	EXPECT_EQ(0, value_in(self->status, NULL, "corrupt_align"));
	EXPECT_EQ(0, value_in(self->status, NULL, "info_errors"));
	EXPECT_EQ(0, value_in(self->status, NULL, "fail_blocking"));
	EXPECT_EQ(0, value_in(self->status, NULL, "threads"));
	EXPECT_EQ(0, value_in(self->status, NULL, "live"));
	v = value_in(self->status, NULL, "allocs");
	EXPECT_LT(0, v);
	EXPECT_EQ(v, value_in(self->status, NULL, "frees"));
	EXPECT_LT(0, value_in(self->status, NULL, "cross_frees"));
	EXPECT_EQ(value_in(self->status, NULL, "handoffs"),
		  value_in(self->status, NULL, "cross_frees"));
	EXPECT_EQ(cpus, value_in(self->status, NULL, "starts"));
	start = value_in(self->status, NULL, "pop_pages_start");
	peak = value_in(self->status, NULL, "pop_pages_peak");
	EXPECT_LT(start, peak) TH_LOG("no page was ever populated");

	for (cpu = 0; cpu < cpus; cpu++) {
		snprintf(key, sizeof(key), "cpu=%d ", cpu);
		EXPECT_LT(0, value_in(self->status, key, "ops"))
			TH_LOG("CPU %d did no operation", cpu);
		EXPECT_LT(0, value_in(self->status, key, "allocs"));
		EXPECT_EQ(0, value_in(self->status, key, "corruptions"));
		EXPECT_EQ(0, value_in(self->status, key, "live"));
	}

	EXPECT_EQ(0, file_value(VERIFY, "errors"));

	/* Every area freed; the background work gives the pages back. */
	EXPECT_EQ(live0, wait_value(STATS, "nr_cur_alloc", 30, is_eq, live0));
	limit = pop0 > high ? pop0 : high;
	v = wait_value(STATS, "populated_pages", 60, is_le, limit);
	EXPECT_LE(v, limit)
		TH_LOG("populated pages %lld after the run, %lld before",
		       v, pop0);
	munmap(r, sizeof(*r));
}

/* A CPU going offline loses its thread and areas; back online, a new one. */
TEST_F_TIMEOUT(stress, hotplug, 240)
{
	int cpus = online_cpus(), cpu = cpus - 1;
	char online[64], key[32];
	long long v;

	if (cpus < 2 || access("/sys/devices/system/cpu/cpu1/online", W_OK))
		SKIP(return, "needs a second CPU that can go offline");
	snprintf(online, sizeof(online),
		 "/sys/devices/system/cpu/cpu%d/online", cpu);
	snprintf(key, sizeof(key), "cpu=%d ", cpu);

	ASSERT_EQ(0, cmd("start seconds=0"));
	EXPECT_EQ(cpus, wait_value(STRESS, "threads_working", 60, is_eq,
				   cpus));
	ASSERT_EQ(0, write_raw(online, "0", 1));
	EXPECT_EQ(cpus - 1, wait_value(STRESS, "threads", 60, is_eq,
				       cpus - 1));
	ASSERT_EQ(1, status_state(self->status));
	EXPECT_EQ(0, value_in(self->status, key, "thread"));
	EXPECT_EQ(0, value_in(self->status, key, "live"));
	v = value_in(self->status, key, "ops");
	EXPECT_LT(0, v);
	ASSERT_EQ(0, write_raw(online, "1", 1));
	EXPECT_EQ(cpus, wait_value(STRESS, "threads_working", 60, is_eq,
				   cpus));
	ASSERT_EQ(1, status_state(self->status));
	EXPECT_EQ(2, value_in(self->status, key, "starts"));
	EXPECT_EQ(1, value_in(self->status, key, "thread"));

	ASSERT_EQ(0, cmd("stop"));
	ASSERT_EQ(0, status_state(self->status));
	TH_LOG("status after stop:\n%s", self->status);
	EXPECT_NE(NULL, strstr(self->status, "\nend=stop\n"));
	EXPECT_EQ(0, value_in(self->status, NULL, "threads"));
	EXPECT_EQ(0, value_in(self->status, NULL, "live"));
	EXPECT_EQ(0, value_in(self->status, NULL, "corruptions"));
	EXPECT_LT(v, value_in(self->status, key, "ops"))
		TH_LOG("CPU %d's new thread did nothing", cpu);
	EXPECT_EQ(0, file_value(VERIFY, "errors"));
}

TEST_HARNESS_MAIN
