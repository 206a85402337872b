// SPDX-License-Identifier: GPL-2.0
/* The property tests' command line, test choice and report (runner.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

static int nr_names;
static char **names;
static int passed, failed;
static unsigned long total_ops;
static double started;

double runner_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int runner_start(int argc, char **argv)
{
	int opt, mult = 1;

	started = runner_now();
	while ((opt = getopt(argc, argv, "m:")) != -1) {
		if (opt != 'm' || atoi(optarg) < 1) {
			fprintf(stderr, "usage: %s [-m MULT] [TEST...]\n",
				argv[0]);
			exit(2);
		}
		mult = atoi(optarg);
	}
	nr_names = argc - optind;
	names = argv + optind;
	return mult;
}

bool runner_wanted(const char *name)
{
	int i;

	for (i = 0; i < nr_names; i++)
		if (!strcmp(names[i], name))
			return true;
	return nr_names == 0;
}

void runner_report(const char *name, bool ok, unsigned long ops, double t0,
		   const char *why)
{
	total_ops += ops;
	printf("%s - %s (%lu ops, %.2fs)\n", ok ? "ok" : "not ok", name, ops,
	       runner_now() - t0);
	if (!ok && why && why[0])
		printf("#   %s\n", why);
	if (ok)
		passed++;
	else
		failed++;
	fflush(stdout);
}

int runner_finish(void)
{
	printf("# %lu operations in %.2fs\n", total_ops,
	       runner_now() - started);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
