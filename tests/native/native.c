// SPDX-License-Identifier: GPL-2.0
/*
 * native-<version>: the native benchmark's program, one per stock kernel
 * version (the stock allocator compiled in is that kernel's mm/percpu.c).
 * scripts/bench/native runs it for both versions; README.md describes it.
 *
 * Usage: native-<version> [-c CPUS] [-t THREADS] [-r RUNS] [-s SIDE]
 *                         [-p PARAM=VALUE]... ITEM...
 *   ITEM        a trace file, or a built-in workload: steady-8, steady-64,
 *               steady-256, steady-4096, burst-inorder, burst-reverse,
 *               burst-random, mixed, concurrent; "steady" and "burst"
 *               name all of theirs, "workloads" all of them
 *   -c CPUS     possible CPUs (default 4, at least THREADS)
 *   -t THREADS  threads replaying traces, mixed and concurrent (default 1)
 *   -r RUNS     runs of each side (default 5); medians are printed
 *   -s SIDE     run only pcpu_alt ("alt") or only the stock allocator
 *               ("stock"), for a profiler
 *   -p P=V      a pcpu_alt load parameter (cache=0, empty_pages_high=8...)
 *   -l LOOPS    replay each script LOOPS times in each run, for a
 *               profiler (the figures are the last time's)
 *
 * Every run of every side is a fresh process (fork), which boots the stub
 * machine and loads pcpu_alt before it replays: runs do not share state.
 * Every item is read and checked before the first run: a bad trace line
 * stops everything, with its line number.
 *
 * Output, per item: one "native:" line (the medians), then comment lines
 * with the spread over the runs and, for concurrent jobs, throughput.
 * Exit status: 0, 1 when a run failed, 2 for bad input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "native.h"

#define DEFAULT_CPUS	4
#define DEFAULT_RUNS	5
#define MAX_ITEMS	64
#define MAX_PARAMS	16
#define MAX_RUNS	1001
#define TIMER_SAMPLES	1001
#define MAX_LOOPS	100000

static const char *const side_name[NATIVE_SIDES] = { "alt", "stock" };

static void print_usage(const char *me)
{
	fprintf(stderr,
		"usage: %s [-c CPUS] [-t THREADS] [-r RUNS] [-s alt|stock] [-p PARAM=VALUE]... ITEM...\n  ITEM: a trace file, or a workload: steady, burst, workloads,",
		me);
	for (const char *const *n = native_workload_names(); *n; n++)
		fprintf(stderr, " %s", *n);
	fputc('\n', stderr);
	exit(2);
}

/* A whole decimal number in [lo, hi], or exit with a message. */
static unsigned int parse_count(const char *opt, const char *s,
				unsigned int lo, unsigned int hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "%s %s: expected a number from %u to %u\n",
			opt, s, lo, hi);
		exit(2);
	}
	return v;
}

/* The jobs an item names: a trace, a workload or a group of them. */
static int add_item(const char *item, unsigned int threads,
		    struct native_job *jobs, int *nr)
{
	const char *const *n;
	size_t len = strlen(item);
	bool any = false;
	int err;

	for (n = native_workload_names(); *n; n++) {
		bool group = !strcmp(item, "workloads") ||
			     (!strncmp(*n, item, len) && (*n)[len] == '-');

		if (strcmp(*n, item) && !group)
			continue;
		/* A group with several threads: the workloads that use them. */
		if (group && threads > 1 && !native_workload_threaded(*n))
			continue;
		if (*nr == MAX_ITEMS)
			return -E2BIG;
		err = native_workload(*n, threads, &jobs[*nr]);
		if (err)
			return err;
		(*nr)++;
		any = true;
	}
	if (any)
		return 0;
	if (*nr == MAX_ITEMS)
		return -E2BIG;
	err = native_trace_load(item, threads, &jobs[*nr]);
	if (!err)
		(*nr)++;
	return err;
}

/* Run @job through @side in a child; its figures in @res.  0 or -1. */
static int run_child(const struct native_job *job, enum native_side side,
		     unsigned int cpus, char **params, int nr_params,
		     struct native_result *res)
{
	int fd[2], status;
	ssize_t got;
	pid_t pid;

	if (pipe(fd))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(fd[0]);
		native_run(job, side, cpus, params, nr_params, res);
		if (write(fd[1], res, sizeof(*res)) != sizeof(*res))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	got = read(fd[0], res, sizeof(*res));
	close(fd[0]);
	if (waitpid(pid, &status, 0) != pid || got != sizeof(*res) ||
	    !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "%s: %s run died (status 0x%x)\n", job->name,
			side_name[side], status);
		return -1;
	}
	if (res->err || res->warnings) {
		fprintf(stderr, "%s: %s run failed: error %d, %llu warning(s)\n",
			job->name, side_name[side], res->err,
			(unsigned long long)res->warnings);
		return -1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median, minimum and maximum of @n values (@v is sorted). */
struct spread {
	double median, min, max;
};

static struct spread spread_of(double *v, int n)
{
	struct spread s;

	qsort(v, n, sizeof(*v), cmp_double);
	s.min = v[0];
	s.max = v[n - 1];
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return s;
}

/* One figure of one side over the runs. */
static struct spread figure(struct native_result *res, int runs,
			    double (*get)(const struct native_result *r))
{
	double v[MAX_RUNS];
	int i;

	for (i = 0; i < runs; i++)
		v[i] = get(&res[i]);
	return spread_of(v, runs);
}

#define GETTER(name, expr)						\
	static double get_##name(const struct native_result *r)	\
	{								\
		return (double)(expr);					\
	}

GETTER(sum, r->sum_ns)
GETTER(trim, r->trim_ns)
GETTER(p50, r->p50_ns)
GETTER(p99, r->p99_ns)
GETTER(pages, r->pages)
GETTER(live, r->live_pages)
GETTER(fails, r->alloc_fails)
GETTER(ops_per_s, r->wall_ns ? r->calls * 1e9 / r->wall_ns : 0)

/* One " key=value" of a figures line, the value a whole number. */
static void key(const char *name, double value)
{
	printf(" %s=%.0f", name, value);
}

/* (max - min) / median in percent: how far apart the runs were. */
static double pct(struct spread s)
{
	return s.median ? 100 * (s.max - s.min) / s.median : 0;
}

static void print_both(const struct native_job *job,
		       struct native_result res[NATIVE_SIDES][MAX_RUNS],
		       int runs)
{
	struct spread a = figure(res[NATIVE_ALT], runs, get_sum);
	struct spread s = figure(res[NATIVE_STOCK], runs, get_sum);
	struct spread fa = figure(res[NATIVE_ALT], runs, get_fails);
	struct spread fs = figure(res[NATIVE_STOCK], runs, get_fails);
	double ratios[MAX_RUNS];
	struct spread r, ta, ts;
	int i;

	for (i = 0; i < runs; i++)
		ratios[i] = res[NATIVE_STOCK][i].sum_ns ?
			    (double)res[NATIVE_ALT][i].sum_ns /
			    res[NATIVE_STOCK][i].sum_ns : 0;
	r = spread_of(ratios, runs);
	printf("native: trace=%s threads=%u", job->name, job->threads);
	key("alt_sum_ns", a.median);
	key("stock_sum_ns", s.median);
	printf(" ratio=%.3f", s.median ? a.median / s.median : 0);
	key("alt_p50_ns", figure(res[NATIVE_ALT], runs, get_p50).median);
	key("stock_p50_ns", figure(res[NATIVE_STOCK], runs, get_p50).median);
	key("alt_p99_ns", figure(res[NATIVE_ALT], runs, get_p99).median);
	key("stock_p99_ns", figure(res[NATIVE_STOCK], runs, get_p99).median);
	key("alt_pages", figure(res[NATIVE_ALT], runs, get_pages).median);
	key("stock_pages", figure(res[NATIVE_STOCK], runs, get_pages).median);
	key("alt_live_pages", figure(res[NATIVE_ALT], runs, get_live).median);
	key("stock_live_pages",
	    figure(res[NATIVE_STOCK], runs, get_live).median);
	putchar('\n');
	printf("#   spread over %d runs: alt_sum_ns %.0f-%.0f (%.0f%%)", runs,
	       a.min, a.max, pct(a));
	printf(" stock_sum_ns %.0f-%.0f (%.0f%%) ratio %.3f-%.3f;", s.min,
	       s.max, pct(s), r.min, r.max);
	printf(" calls %llu; failed allocations alt %.0f stock %.0f\n",
	       (unsigned long long)res[NATIVE_ALT][0].calls, fa.median,
	       fs.median);
	ta = figure(res[NATIVE_ALT], runs, get_trim);
	ts = figure(res[NATIVE_STOCK], runs, get_trim);
	printf("#   without each run's slowest 1%%: alt_trim_ns=%.0f", ta.median);
	printf(" stock_trim_ns=%.0f trim_ratio=%.3f\n", ts.median,
	       ts.median ? ta.median / ts.median : 0);
	if (job->throughput) {
		ta = figure(res[NATIVE_ALT], runs, get_ops_per_s);
		ts = figure(res[NATIVE_STOCK], runs, get_ops_per_s);
		printf("#   throughput: alt_ops_per_s=%.0f (%.0f-%.0f)",
		       ta.median, ta.min, ta.max);
		printf(" stock_ops_per_s=%.0f (%.0f-%.0f) ratio=%.2f\n",
		       ts.median, ts.min, ts.max,
		       ts.median ? ta.median / ts.median : 0);
	}
}

static void print_one(const struct native_job *job, enum native_side side,
		      struct native_result *res, int runs)
{
	struct spread sum = figure(res, runs, get_sum);

	printf("native-%s: trace=%s threads=%u", side_name[side], job->name,
	       job->threads);
	key("sum_ns", sum.median);
	key("p50_ns", figure(res, runs, get_p50).median);
	key("p99_ns", figure(res, runs, get_p99).median);
	key("pages", figure(res, runs, get_pages).median);
	key("live_pages", figure(res, runs, get_live).median);
	key("ops_per_s", figure(res, runs, get_ops_per_s).median);
	putchar('\n');
	printf("#   spread over %d runs: sum_ns %.0f-%.0f (%.0f%%)\n", runs,
	       sum.min, sum.max, pct(sum));
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* What timing an empty call costs: the median of back-to-back reads. */
static double timer_ns(void)
{
	static double v[TIMER_SAMPLES];
	int i;

	for (i = 0; i < TIMER_SAMPLES; i++) {
		double t0 = now_ns();

		v[i] = now_ns() - t0;
	}
	return spread_of(v, TIMER_SAMPLES).median;
}

static void host_cpu(char *buf, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, size, "unknown");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += 1 + (colon[1] == ' ');
		colon[strcspn(colon, "\n")] = 0;
		snprintf(buf, size, "%s", colon);
		break;
	}
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	static struct native_result res[NATIVE_SIDES][MAX_RUNS];
	static struct native_job jobs[MAX_ITEMS];
	unsigned int cpus = 0, threads = 1, runs = DEFAULT_RUNS, loops = 1, r;
	int opt, nr_jobs = 0, nr_params = 0, j, only = -1, failed = 0;
	char *params[MAX_PARAMS], cpu_name[128];
	enum native_side side;

	while ((opt = getopt(argc, argv, "c:t:r:s:p:l:h")) != -1) {
		switch (opt) {
		case 'c':
			cpus = parse_count("-c", optarg, 1, NATIVE_MAX_THREADS);
			break;
		case 't':
			threads = parse_count("-t", optarg, 1,
					      NATIVE_MAX_THREADS);
			break;
		case 'r':
			runs = parse_count("-r", optarg, 1, MAX_RUNS);
			break;
		case 's':
			if (!strcmp(optarg, "alt"))
				only = NATIVE_ALT;
			else if (!strcmp(optarg, "stock"))
				only = NATIVE_STOCK;
			else
				print_usage(argv[0]);
			break;
		case 'l':
			loops = parse_count("-l", optarg, 1, MAX_LOOPS);
			break;
		case 'p':
			if (nr_params == MAX_PARAMS || !strchr(optarg, '='))
				print_usage(argv[0]);
			params[nr_params++] = optarg;
			break;
		default:
			print_usage(argv[0]);
		}
	}
	if (optind == argc)
		print_usage(argv[0]);
	if (!cpus)
		cpus = threads > DEFAULT_CPUS ? threads : DEFAULT_CPUS;
	if (threads > cpus) {
		fprintf(stderr, "-t %u: more threads than CPUs (-c %u)\n",
			threads, cpus);
		return 2;
	}
	for (; optind < argc; optind++) {
		int err = add_item(argv[optind], threads, jobs, &nr_jobs);

		if (err == -E2BIG)
			fprintf(stderr, "more than %d items\n", MAX_ITEMS);
		if (err)
			return 2;
	}
	for (j = 0; j < nr_jobs; j++)
		jobs[j].loops = loops;

	host_cpu(cpu_name, sizeof(cpu_name));
	printf("# native: stock=%s (mm/percpu.c of linux-source-%s)",
	       native_stock_version(), native_stock_version());
	printf(" pcpu_alt=%s cpus=%u runs=%u host_cpu=\"%s\" host_cpus=%ld",
	       native_alt_version(), cpus, runs, cpu_name,
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf(" timer_ns=%.0f\n", timer_ns());
	fflush(stdout);
	for (j = 0; j < nr_jobs; j++) {
		bool ok = true;

		for (r = 0; ok && r < runs; r++) {
			/* Alternate which side goes first. */
			for (side = 0; ok && side < NATIVE_SIDES; side++) {
				enum native_side s = r % 2 ? 1 - side : side;

				if (only >= 0 && s != (enum native_side)only)
					continue;
				ok = !run_child(&jobs[j], s, cpus, params,
						nr_params, &res[s][r]);
			}
		}
		if (!ok) {
			failed = 1;
			continue;
		}
		if (only >= 0)
			print_one(&jobs[j], only, res[only], runs);
		else
			print_both(&jobs[j], res, runs);
		fflush(stdout);
	}
	for (j = 0; j < nr_jobs; j++)
		native_job_free(&jobs[j]);
	return failed;
}
