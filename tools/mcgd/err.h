/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One error, as the line a person reads: "FILE:LINE: reason" for a file,
 * "FILE: reason" for the whole of one.  Functions that can fail fill one
 * and return -1; the caller prints or logs it once.
 */
#ifndef MCGD_ERR_H
#define MCGD_ERR_H

#include <stdarg.h>
#include <stdio.h>

struct mcg_err {
	char msg[512];
};

static inline __attribute__((format(printf, 2, 3))) int
mcg_err_set(struct mcg_err *e, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

#endif /* MCGD_ERR_H */
