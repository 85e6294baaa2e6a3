// SPDX-License-Identifier: GPL-2.0
/*
 * monitor: every change announced on the "events" group, as it happens.
 * Output is flushed after each event so that a pipe sees it at once.
 */
#include <string.h>
#include <time.h>
#include <netlink/genl/genl.h>

#include "mcgctl.h"
#include "nl.h"
#include "show.h"

/* The event's name is its command's, in lower case. */
static const char *const event_names[MCG_CMD_MAX + 1] = {
	[MCG_CMD_GROUP_NEW]	= "group_new",
	[MCG_CMD_GROUP_SET]	= "group_set",
	[MCG_CMD_GROUP_DEL]	= "group_del",
	[MCG_CMD_GROUP_GET]	= "group_get",
	[MCG_CMD_KEY_NEW]	= "key_new",
	[MCG_CMD_KEY_DEL]	= "key_del",
	[MCG_CMD_STATS_GET]	= "stats_get",
	[MCG_CMD_FLUSH]		= "flush",
	[MCG_CMD_KEY_EXHAUSTED]	= "key_exhausted",
};

int format_time(char *buf, size_t size, const struct timespec *ts)
{
	char date[32], zone[8];
	struct tm tm;

	if (!localtime_r(&ts->tv_sec, &tm) ||
	    !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) ||
	    !strftime(zone, sizeof(zone), "%z", &tm) || strlen(zone) != 5)
		return -1;
	/* strftime() says +0100; RFC 3339 wants +01:00. */
	if ((size_t)snprintf(buf, size, "%s.%06ld%.3s:%s", date,
			     ts->tv_nsec / 1000, zone, zone + 3) >= size)
		return -1;
	return 0;
}

int monitor_event(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[MCG_A_MAX + 1];
	uint8_t cmd = genlmsg_hdr(nlh)->cmd;
	char name[16], prefix[192], key[64], when[48] = "";
	const bool *stamp = arg;
	struct timespec now;
	struct json j;

	/* When it was read: the kernel's events carry no time of their own. */
	clock_gettime(CLOCK_REALTIME, &now);
	if (format_time(when, sizeof(when), &now))
		when[0] = '\0';
	if (cmd <= MCG_CMD_MAX && event_names[cmd])
		snprintf(name, sizeof(name), "%s", event_names[cmd]);
	else
		snprintf(name, sizeof(name), "cmd_%u", cmd);
	/* One broken event is reported and skipped, not the end. */
	if (mcg_nl_parse(nlh, tb))
		return 0;

	if (opts.json) {
		json_init(&j, stdout, opts.pretty);
		json_obj_open(&j, NULL);
		json_str(&j, "event", name);
		if (when[0])
			json_str(&j, "time", when);
		if (tb[MCG_A_KEY]) {
			json_obj_open(&j, "key");
			show_key_json(&j, tb[MCG_A_KEY]);
			json_obj_close(&j);
		}
		if (tb[MCG_A_GROUP_NAME])
			show_group_json(&j, tb);
		json_obj_close(&j);
		json_end(&j);
	} else {
		/* "[TIME ]key_new epoch 3: group chat  id 1", then the group. */
		int n = 0;

		if (*stamp && when[0])
			n = snprintf(prefix, sizeof(prefix), "%s ", when);
		if (tb[MCG_A_KEY] &&
		    !show_key_text(key, sizeof(key), tb[MCG_A_KEY]))
			snprintf(prefix + n, sizeof(prefix) - n, "%s %s: ",
				 name, key);
		else
			snprintf(prefix + n, sizeof(prefix) - n, "%s: ", name);
		if (tb[MCG_A_GROUP_NAME] || tb[MCG_A_GROUP_ID])
			show_group_text(tb, prefix);
		else
			printf("%.*s\n", (int)strlen(prefix) - 2, prefix);
	}
	if (fflush(stdout) == EOF)
		return -1;
	return 0;
}

int cmd_monitor(const struct cmd *c, int argc, char **argv)
{
	bool stamp = false;
	struct mcg_nl nl;

	/* -t as ip monitor has it; -ts, ip's short form, is the same here. */
	if (argc && (!strcmp(argv[0], "-t") || !strcmp(argv[0], "-ts"))) {
		stamp = true;
		argc--;
		argv++;
	}
	if (argc)
		return usage_error(c, "unknown word '%s'", argv[0]);
	if (mcg_nl_open(&nl, true))
		return EXIT_FAIL;
	mcg_nl_listen(&nl, monitor_event, &stamp);
	mcg_nl_close(&nl);
	return EXIT_FAIL;
}
