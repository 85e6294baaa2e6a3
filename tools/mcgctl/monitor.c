// SPDX-License-Identifier: GPL-2.0
/*
 * monitor: every change announced on the "events" group, as it happens.
 * Output is flushed after each event so that a pipe sees it at once.
 */
#include <string.h>
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

int monitor_event(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[MCG_A_MAX + 1];
	uint8_t cmd = genlmsg_hdr(nlh)->cmd;
	char name[16], prefix[128], key[64];
	struct json j;

	(void)arg;
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
		/* "key_new epoch 3: group chat  id 1", then the group. */
		if (tb[MCG_A_KEY] &&
		    !show_key_text(key, sizeof(key), tb[MCG_A_KEY]))
			snprintf(prefix, sizeof(prefix), "%s %s: ", name, key);
		else
			snprintf(prefix, sizeof(prefix), "%s: ", name);
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
	struct mcg_nl nl;

	(void)argv;
	if (argc)
		return usage_error(c, "unknown word '%s'", argv[0]);
	if (mcg_nl_open(&nl, true))
		return 1;
	mcg_nl_listen(&nl, monitor_event, NULL);
	mcg_nl_close(&nl);
	return 1;
}
