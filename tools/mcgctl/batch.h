/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcgctl -b FILE: one command a line, as on the command line after
 * "mcgctl", like ip -batch.
 */
#ifndef MCGCTL_BATCH_H
#define MCGCTL_BATCH_H

#include <stdbool.h>

/* A group add with MCG_MAX_PEERS peers is some 520 words. */
#define BATCH_MAX_WORDS	1024

/*
 * "FILE:LINE" of the line being run, "" between lines and outside a
 * batch; errmsg() puts it after "mcgctl: ".
 */
extern char batch_where[];

/*
 * Splits line in place into at most max - 1 words, then NULL.  Words are
 * separated by blanks; a word may be in '...' or "..." (no escapes inside)
 * to hold blanks or '#'; a '#' that starts a word starts a comment.
 * Returns the number of words, or -1 with *err saying why.
 */
int batch_split(char *line, char **argv, int max, const char **err);

/* Runs one command; returns its exit status. */
typedef int (*batch_fn)(int argc, char **argv);

/*
 * Runs each line of file ("-": standard input) through run.  Stops at the
 * first line that fails, unless force; either way the status is that of
 * the first line that failed (0 if none did).
 */
int batch_run(const char *file, bool force, batch_fn run);

#endif /* MCGCTL_BATCH_H */
