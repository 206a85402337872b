/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the property tests share: their command line ("[-m MULT]
 * [TEST...]"), the choice of tests it makes, one "ok"/"not ok" line per
 * test and the totals at the end.
 */
#ifndef _USPACE_RUNNER_H
#define _USPACE_RUNNER_H

#include <stdbool.h>

/* Parse the command line; the seed multiplier (-m), or exit 2. */
int runner_start(int argc, char **argv);
/* Was test @name asked for (every test is, when none is named)? */
bool runner_wanted(const char *name);
double runner_now(void);
/* One test's line; @why (may be empty) is printed under a "not ok". */
void runner_report(const char *name, bool ok, unsigned long ops, double t0,
		   const char *why);
/* The totals; the exit status (1 when a test failed). */
int runner_finish(void);

#endif /* _USPACE_RUNNER_H */
