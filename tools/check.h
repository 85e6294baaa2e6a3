/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tools' unit tests (tools/ * /tests): CHECK(cond, fmt, ...) prints
 * one TAP result, "ok N - what" or "not ok N - what (line L)", and counts
 * it in passed or failed.
 */
#ifndef TOOLS_CHECK_H
#define TOOLS_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int passed, failed;

#define CHECK(cond, ...) check(!!(cond), __LINE__, __VA_ARGS__)

static __attribute__((format(printf, 3, 4))) void
check(int ok, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", passed + failed + 1);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(ok ? "\n" : " (line %d)\n", line);
	if (ok)
		passed++;
	else
		failed++;
}

#endif /* TOOLS_CHECK_H */
