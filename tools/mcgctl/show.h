/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replies turned into output, text or JSON after opts: show, stats and
 * monitor, and the pieces of a group they share.  Apart from the socket,
 * so that tests can feed them replies made up the way the kernel makes
 * them.
 */
#ifndef MCGCTL_SHOW_H
#define MCGCTL_SHOW_H

#include <time.h>
#include <netlink/attr.h>
#include <linux/mcg.h>

#include "json.h"
#include "nl.h"

/* Every group among the replies of GROUP_GET.  Returns the exit status. */
int show_print(struct mcg_replies *r);

/* The name of each group among the replies of GROUP_GET, one a line. */
int list_print(struct mcg_replies *r);

/*
 * The replies of STATS_GET; the namespace's counters are the first
 * MCG_A_NS_STATS in r, else in nsr (which may be NULL).
 */
int stats_print(struct mcg_replies *r, struct mcg_replies *nsr);

/*
 * One event, flushed; negative if stdout failed.  arg points to a bool:
 * whether text lines start with the time (JSON always has it).
 */
int monitor_event(struct nlmsghdr *nlh, void *arg);

/*
 * ts in RFC 3339, local time with microseconds and the offset:
 * "2026-12-06T10:34:19.123456+01:00".  Returns -1 if it does not fit.
 */
int format_time(char *buf, size_t size, const struct timespec *ts);

/* The show block; its first line starts with prefix. */
void show_group_text(struct nlattr **tb, const char *prefix);

/* The group's members, written into an object the caller opened. */
void show_group_json(struct json *j, struct nlattr **tb);

/* The fields of one MCG_A_KEY nest, into an open object. */
void show_key_json(struct json *j, struct nlattr *key);

/* "epoch N  ALG" of one MCG_A_KEY nest, for a line of text. */
int show_key_text(char *buf, size_t size, struct nlattr *key);

#endif /* MCGCTL_SHOW_H */
