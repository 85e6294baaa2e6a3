// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "mcg": configuration of groups and keys, and
 * the events announcing every change.
 */

#include <linux/mcg.h>
#include <net/genetlink.h>

#include "netlink.h"

static const struct genl_multicast_group mcg_mcgrps[] = {
	{ .name = MCG_GENL_MCGRP_EVENTS },
};

static struct genl_family mcg_genl_family __ro_after_init = {
	.name = MCG_GENL_NAME,
	.version = MCG_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.mcgrps = mcg_mcgrps,
	.n_mcgrps = ARRAY_SIZE(mcg_mcgrps),
};

int mcg_genl_init(void)
{
	return genl_register_family(&mcg_genl_family);
}

void mcg_genl_uninit(void)
{
	genl_unregister_family(&mcg_genl_family);
}
