// SPDX-License-Identifier: GPL-2.0
/*
 * mcgctl -b FILE.  Each line goes through the same table of commands as
 * argv does, so a batch file is exactly what one would type after
 * "mcgctl"; it holds no key, only keyfile paths, and need not be secret.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcgctl.h"
#include "batch.h"

/* A path of PATH_MAX and a line number. */
char batch_where[4096 + 24];

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '\v' || c == '\f';
}

int batch_split(char *line, char **argv, int max, const char **err)
{
	char *p = line, quote;
	int argc = 0;

	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			break;
		if (argc == max - 1) {
			*err = "too many words on one line";
			return -1;
		}
		if (*p == '\'' || *p == '"') {
			quote = *p++;
			argv[argc++] = p;
			p = strchr(p, quote);
			if (!p) {
				*err = quote == '"' ? "a \" is not closed" :
						      "a ' is not closed";
				return -1;
			}
			*p++ = '\0';
			/* 'a'b would be one word in a shell: not here. */
			if (*p && !is_blank(*p)) {
				*err = "a quoted word goes on after its closing quote";
				return -1;
			}
			continue;
		}
		argv[argc++] = p;
		while (*p && !is_blank(*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}

int batch_run(const char *file, bool force, batch_fn run)
{
	bool in = !strcmp(file, "-");
	const char *name = in ? "stdin" : file, *err;
	char *line = NULL, *argv[BATCH_MAX_WORDS];
	unsigned long n = 0, cmds = 0, failed = 0;
	int status = 0, ret, argc;
	size_t size = 0;
	FILE *f;

	if (in) {
		f = stdin;
		opts.stdin_batch = true;
	} else {
		f = fopen(file, "re");
		if (!f) {
			errmsg("cannot open batch file '%s': %s", file,
			       strerror(errno));
			return EXIT_FAIL;
		}
	}
	while (getline(&line, &size, f) >= 0) {
		n++;
		snprintf(batch_where, sizeof(batch_where), "%s:%lu", name, n);
		argc = batch_split(line, argv, BATCH_MAX_WORDS, &err);
		if (!argc) {
			batch_where[0] = '\0';
			continue;
		}
		cmds++;
		if (argc < 0) {
			errmsg("%s", err);
			ret = EXIT_USAGE;
		} else {
			ret = run(argc, argv);
		}
		batch_where[0] = '\0';
		if (!ret)
			continue;
		failed++;
		if (!status)
			status = ret;
		if (!force)
			break;
	}
	if (ferror(f)) {
		errmsg("cannot read batch file '%s': %s", name,
		       strerror(errno));
		if (!status)
			status = EXIT_FAIL;
	}
	/* With -force the errors may be far up a log: count them. */
	if (force && failed)
		errmsg("%s: %lu of %lu commands failed", name, failed,
		       cmds);
	free(line);
	if (!in)
		fclose(f);
	return status;
}
