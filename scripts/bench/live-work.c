// SPDX-License-Identifier: GPL-2.0
/*
 * live-work: the workloads of scripts/bench/live, each a churn of kernel
 * objects that allocate per-CPU memory.  One run is one round:
 *
 *   live-work [-p WORKERS] WORKLOAD N CYCLES [ARG]
 *
 * WORKERS processes (default 1), worker i pinned to CPU i, each make N
 * objects, hold them, then destroy them; CYCLES times.  While every
 * worker holds its objects the parent reads the per-CPU memory in use
 * (stock: /proc/meminfo Percpu; pcpu_alt: data_bytes of its stats), so
 * the reading disturbs no allocation.  Workloads:
 *
 *   fork     N children that exec this program ("hold" mode: they wait
 *            for the end of a pipe), then all exit and are reaped
 *   netns    N network namespaces (unshare(), each kept by an fd)
 *   cgroup   N cgroups under ARG, a cgroup v2 directory whose
 *            subtree_control the caller set
 *   bpf      N per-CPU array maps of ARG entries of 64 bytes, each entry
 *            filled, then closed (the bpf() system call, no libbpf)
 *
 * Prints one line: ns= (wall time of the cycles, the readings left out),
 * stock_before= stock_peak= alt_before= alt_peak= (bytes, all CPUs),
 * objects= and errors=.  Exits 1 if anything failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS	64
#define BPF_VALUE_SIZE	64
#define ALT_STATS	"/sys/kernel/debug/pcpu_alt/stats"

enum workload { W_FORK, W_NETNS, W_CGROUP, W_BPF };

static enum workload workload;
static long nr_objects, nr_cycles;
static const char *arg;
static char self[4096];

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* The number after KEY in FILE ("KEY value" or "KEY=value"), or -1. */
static long long read_key(const char *file, const char *key)
{
	size_t len = strlen(key);
	long long v = -1;
	char line[256];
	FILE *f;

	f = fopen(file, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len)) {
			v = strtoll(line + len, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static void read_memory(long long *stock, long long *alt)
{
	*stock = read_key("/proc/meminfo", "Percpu:") * 1024;
	*alt = read_key(ALT_STATS, "data_bytes=");
}

/* ---- one worker's objects ---- */

struct objects {
	long n;
	int *fd;		/* netns, bpf: one fd each */
	pid_t *pid;		/* fork: the children */
	int hold[2];		/* fork: children wait for its end */
	int home;		/* netns: the namespace to go back to */
	int worker;
	long errors;
};

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int bpf_map_make(long entries, char *values)
{
	union bpf_attr a;
	unsigned int key;
	int fd;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_PERCPU_ARRAY;
	a.key_size = sizeof(key);
	a.value_size = BPF_VALUE_SIZE;
	a.max_entries = entries;
	fd = sys_bpf(BPF_MAP_CREATE, &a);
	if (fd < 0)
		return -1;
	for (key = 0; key < entries; key++) {
		memset(&a, 0, sizeof(a));
		a.map_fd = fd;
		a.key = (uintptr_t)&key;
		a.value = (uintptr_t)values;
		if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a)) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static void cgroup_path(char *buf, size_t size, int worker, long i)
{
	snprintf(buf, size, "%s/w%d-%ld", arg, worker, i);
}

static void objects_make(struct objects *o)
{
	long entries = arg ? atol(arg) : 0;
	char *values = NULL, path[4096];
	long i;

	if (workload == W_FORK && pipe(o->hold)) {
		o->errors++;
		return;
	}
	if (workload == W_BPF)
		values = calloc(sysconf(_SC_NPROCESSORS_CONF), BPF_VALUE_SIZE);
	for (i = 0; i < o->n; i++) {
		switch (workload) {
		case W_FORK:
			o->pid[i] = fork();
			if (!o->pid[i]) {
				char fd[16];

				snprintf(fd, sizeof(fd), "%d", o->hold[0]);
				close(o->hold[1]);
				execl(self, "live-work", "hold", fd, NULL);
				_exit(127);
			}
			o->errors += o->pid[i] < 0;
			break;
		case W_NETNS:
			o->fd[i] = -1;
			if (!unshare(CLONE_NEWNET))
				o->fd[i] = open("/proc/self/ns/net", O_RDONLY);
			o->errors += o->fd[i] < 0;
			break;
		case W_CGROUP:
			cgroup_path(path, sizeof(path), o->worker, i);
			o->errors += mkdir(path, 0755) != 0;
			break;
		case W_BPF:
			o->fd[i] = values ? bpf_map_make(entries, values) : -1;
			o->errors += o->fd[i] < 0;
			break;
		}
	}
	free(values);
}

static void objects_destroy(struct objects *o)
{
	char path[4096];
	int status;
	long i;

	if (workload == W_FORK) {
		close(o->hold[0]);
		close(o->hold[1]);
	}
	if (workload == W_NETNS && setns(o->home, CLONE_NEWNET))
		o->errors++;
	for (i = 0; i < o->n; i++) {
		switch (workload) {
		case W_FORK:
			if (o->pid[i] > 0 &&
			    (waitpid(o->pid[i], &status, 0) < 0 ||
			     !WIFEXITED(status) || WEXITSTATUS(status)))
				o->errors++;
			break;
		case W_NETNS:
		case W_BPF:
			if (o->fd[i] >= 0)
				close(o->fd[i]);
			break;
		case W_CGROUP:
			cgroup_path(path, sizeof(path), o->worker, i);
			o->errors += rmdir(path) != 0;
			break;
		}
	}
}

/*
 * A worker: CYCLES times make its objects, tell the parent (a byte on
 * @ready), wait for its go (a byte from @go), destroy them.  Exits with
 * its error count, capped.
 */
static void worker(int id, int ready, int go)
{
	struct objects o = { .n = nr_objects, .worker = id };
	cpu_set_t cpus;
	long c;
	char b;

	CPU_ZERO(&cpus);
	CPU_SET(id, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		o.errors++;
	o.fd = calloc(o.n, sizeof(*o.fd));
	o.pid = calloc(o.n, sizeof(*o.pid));
	o.home = open("/proc/self/ns/net", O_RDONLY);
	if (!o.fd || !o.pid || o.home < 0)
		_exit(1);
	for (c = 0; c < nr_cycles; c++) {
		objects_make(&o);
		if (write(ready, "r", 1) != 1 || read(go, &b, 1) != 1)
			o.errors++;
		objects_destroy(&o);
	}
	_exit(o.errors > 100 ? 100 : o.errors);
}

static int bad_arguments(void)
{
	fprintf(stderr, "live-work [-p WORKERS] fork|netns|cgroup|bpf N CYCLES [ARG]\n"
		"live-work hold FD\n");
	return 2;
}

int main(int argc, char **argv)
{
	long long t0, pause = 0, t, stock0, alt0, stock, alt;
	long long stock_peak = 0, alt_peak = 0;
	int ready[2], go[2], status, i, workers = 1, errors = 0;
	pid_t pid[MAX_WORKERS];
	long c;
	char b;

	/* A forked child: wait for the end of the pipe, then exit. */
	if (argc == 3 && !strcmp(argv[1], "hold")) {
		while (read(atoi(argv[2]), &b, 1) > 0)
			;
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "-p")) {
		workers = atoi(argv[2]);
		argc -= 2;
		argv += 2;
	}
	if (argc < 4 || workers < 1 || workers > MAX_WORKERS)
		return bad_arguments();
	if (!strcmp(argv[1], "fork"))
		workload = W_FORK;
	else if (!strcmp(argv[1], "netns"))
		workload = W_NETNS;
	else if (!strcmp(argv[1], "cgroup") && argc == 5)
		workload = W_CGROUP;
	else if (!strcmp(argv[1], "bpf") && argc == 5)
		workload = W_BPF;
	else
		return bad_arguments();
	nr_objects = atol(argv[2]);
	nr_cycles = atol(argv[3]);
	arg = argc == 5 ? argv[4] : NULL;
	if (nr_objects < 1 || nr_cycles < 1)
		return bad_arguments();
	if (readlink("/proc/self/exe", self, sizeof(self) - 1) < 0)
		return 1;
	if (pipe(ready) || pipe(go))
		return 1;

	read_memory(&stock0, &alt0);
	t0 = now_ns();
	for (i = 0; i < workers; i++) {
		pid[i] = fork();
		if (!pid[i])
			worker(i, ready[1], go[0]);
		if (pid[i] < 0)
			return 1;
	}
	for (c = 0; c < nr_cycles; c++) {
		for (i = 0; i < workers; i++)
			if (read(ready[0], &b, 1) != 1)
				errors++;
		/* Every worker holds its objects: read, off the clock. */
		t = now_ns();
		read_memory(&stock, &alt);
		if (stock > stock_peak)
			stock_peak = stock;
		if (alt > alt_peak)
			alt_peak = alt;
		pause += now_ns() - t;
		for (i = 0; i < workers; i++)
			if (write(go[1], "g", 1) != 1)
				errors++;
	}
	for (i = 0; i < workers; i++) {
		if (waitpid(pid[i], &status, 0) < 0 || !WIFEXITED(status))
			errors++;
		else
			errors += WEXITSTATUS(status);
	}
	t = now_ns() - t0 - pause;
	printf("ns=%lld stock_before=%lld stock_peak=%lld ", t, stock0,
	       stock_peak);
	printf("alt_before=%lld alt_peak=%lld objects=%ld errors=%d\n", alt0,
	       alt_peak, nr_objects * nr_cycles * workers, errors);
	return errors ? 1 : 0;
}
