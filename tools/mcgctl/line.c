// SPDX-License-Identifier: GPL-2.0
/* Lines of text output; see line.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "line.h"

/* Cut rather than overflow; no line of ours comes near the size. */
static void append(struct line *l, const char *s)
{
	size_t n = strlen(s), room = sizeof(l->buf) - l->len - 1;

	if (n > room)
		n = room;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

void line_start(struct line *l, const char *lead, const char *sep)
{
	l->len = 0;
	l->buf[0] = '\0';
	l->items = 0;
	l->sep = sep;
	l->width = 0;
	l->cont = "";
	append(l, lead);
}

void line_wrap(struct line *l, size_t width, const char *cont)
{
	l->width = width;
	l->cont = cont;
}

void line_add(struct line *l, const char *fmt, ...)
{
	char item[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);

	if (l->items && l->width &&
	    l->len + strlen(l->sep) + strlen(item) > l->width) {
		printf("%s\n", l->buf);
		l->len = 0;
		l->buf[0] = '\0';
		append(l, l->cont);
	} else if (l->items) {
		append(l, l->sep);
	}
	append(l, item);
	l->items++;
}

int line_end(struct line *l)
{
	int printed = l->items > 0;

	if (printed)
		printf("%s\n", l->buf);
	l->len = 0;
	l->buf[0] = '\0';
	l->items = 0;
	return printed;
}
