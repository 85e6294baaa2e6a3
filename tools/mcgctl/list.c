// SPDX-License-Identifier: GPL-2.0
/*
 * group list: the names alone, one a line, for scripts and for shell
 * completion, which should not have to pick them out of "show".
 */
#include <stdlib.h>

#include "mcgctl.h"
#include "nl.h"
#include "show.h"

int list_print(struct mcg_replies *r)
{
	struct json j;
	mcg_tb_t *tbs;
	size_t i;

	tbs = mcg_nl_parse_all(r);
	if (!tbs)
		return EXIT_FAIL;
	json_init(&j, stdout, opts.pretty);
	if (opts.json)
		json_arr_open(&j, NULL);
	for (i = 0; i < r->n; i++) {
		struct nlattr *name = tbs[i][MCG_A_GROUP_NAME];

		if (!name)
			continue;
		if (opts.json)
			json_str(&j, NULL, nla_get_string(name));
		else
			printf("%s\n", nla_get_string(name));
	}
	if (opts.json) {
		json_arr_close(&j);
		json_end(&j);
	}
	free(tbs);
	return 0;
}

int cmd_group_list(const struct cmd *c, int argc, char **argv)
{
	struct mcg_replies r = { 0 };
	struct mcg_nl nl;
	int ret;

	(void)argv;
	if (argc)
		return usage_error(c, "unknown word '%s'", argv[0]);
	if (mcg_nl_open(&nl, false))
		return EXIT_FAIL;
	ret = mcg_nl_get(&nl, MCG_CMD_GROUP_GET, NULL, "group list", &r);
	mcg_nl_close(&nl);
	ret = ret ? EXIT_FAIL : list_print(&r);
	mcg_replies_free(&r);
	return ret;
}
