// SPDX-License-Identifier: GPL-2.0
/*
 * The log (log.h), and the two error hooks of mcgctl's netlink code
 * (../mcgctl/nl.c), which mcgd shares: there they print for a person,
 * here they log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "../mcgctl/mcgctl.h"
#include "log.h"

int mcgd_log_level = LOG_INFO;

static void vlog(int prio, const char *fmt, va_list ap)
{
	static int journal = -1;
	char line[1024];

	if (prio > mcgd_log_level)
		return;
	if (journal < 0)
		journal = !!getenv("JOURNAL_STREAM");
	vsnprintf(line, sizeof(line), fmt, ap);
	if (journal)
		fprintf(stderr, "<%d>%s\n", prio, line);
	else
		fprintf(stderr, "mcgd: %s\n", line);
}

void mcgd_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, fmt, ap);
	va_end(ap);
}

void errmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void die_oom(void)
{
	mcgd_log(LOG_CRIT, "out of memory");
	exit(1);
}
