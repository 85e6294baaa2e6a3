// SPDX-License-Identifier: GPL-2.0
/*
 * mcg: secure group messaging over IPv6 multicast.
 *
 * This file only wires the parts together; each concern has its own file.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <linux/mcg.h>
#include <net/genetlink.h>

#include "aead.h"
#include "netlink.h"
#include "netns.h"
#include "socket.h"
#include "udp.h"
#include "version.h"

static int __init mcg_init(void)
{
	int ret;

	ret = mcg_aead_init();
	if (ret)
		return ret;
	ret = mcg_udp_init();
	if (ret)
		goto err_udp;
	ret = mcg_netns_init();
	if (ret)
		goto err_netns;
	ret = mcg_socket_init();
	if (ret)
		goto err_socket;
	ret = mcg_genl_init();
	if (ret)
		goto err_genl;
	pr_info("secure group messaging, address family %d\n", mcg_family);
	return 0;

err_genl:
	mcg_socket_uninit();
err_socket:
	mcg_netns_uninit();
err_netns:
	mcg_udp_uninit();
err_udp:
	mcg_aead_uninit();
	return ret;
}

static void __exit mcg_exit(void)
{
	mcg_genl_uninit();
	mcg_socket_uninit();
	mcg_netns_uninit();
	mcg_udp_uninit();
	mcg_aead_uninit();
}

module_init(mcg_init);
module_exit(mcg_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Secure group messaging over IPv6 multicast");
MODULE_AUTHOR("The mcg developers");
MODULE_VERSION(MCG_VERSION);
MODULE_ALIAS_NETPROTO(AF_MCG_DEFAULT);
MODULE_ALIAS_GENL_FAMILY(MCG_GENL_NAME);
