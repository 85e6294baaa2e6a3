/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A line of text output built from items, printed only if it got any:
 * attributes a kernel did not send leave no empty "  port" behind.  A line
 * given a width breaks before an item that would cross it.
 */
#ifndef MCGCTL_LINE_H
#define MCGCTL_LINE_H

#include <stddef.h>

#include "compiler.h"

struct line {
	char buf[1024];
	size_t len;
	int items;
	const char *sep;
	size_t width;		/* 0: never break */
	const char *cont;	/* what starts a continued line */
};

void line_start(struct line *l, const char *lead, const char *sep);
/* Break before an item that would end past width, going on after cont. */
void line_wrap(struct line *l, size_t width, const char *cont);
__printf(2, 3) void line_add(struct line *l, const char *fmt, ...);
/* Prints the line if it has an item; returns whether it did. */
int line_end(struct line *l);

#endif /* MCGCTL_LINE_H */
