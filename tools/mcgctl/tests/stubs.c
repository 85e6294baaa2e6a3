// SPDX-License-Identifier: GPL-2.0
/* What the unit tests link instead of mcgctl.c: errors are kept, not printed. */
#include <stdarg.h>
#include <stdlib.h>

#include "../mcgctl.h"

char last_error[512];

void errmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

void die_oom(void)
{
	abort();
}

struct mcgctl_opts opts;

int usage_error(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	(void)c;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}
