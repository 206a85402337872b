// SPDX-License-Identifier: GPL-2.0
/* Per-thread scripts of records: growing them, freeing a job's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "native.h"

int native_script_add(struct native_script *s, const struct native_rec *r)
{
	if (s->nr == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		struct native_rec *recs = realloc(s->recs,
						  cap * sizeof(*recs));

		if (!recs)
			return -ENOMEM;
		s->recs = recs;
		s->cap = cap;
	}
	s->recs[s->nr++] = *r;
	return 0;
}

void native_job_free(struct native_job *job)
{
	unsigned int t;

	for (t = 0; t < NATIVE_MAX_THREADS; t++)
		free(job->script[t].recs);
	memset(job->script, 0, sizeof(job->script));
}
