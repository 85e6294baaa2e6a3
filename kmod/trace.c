// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoints' one instance (CREATE_TRACE_POINTS), and what every drop
 * path shares: the mcg:mcg_rx_drop event and a rate-limited debug message
 * (echo 'module mcg +p' > /sys/kernel/debug/dynamic_debug/control).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ipv6.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/mcg.h>
#include <net/net_namespace.h>

#include "wire.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* As mcgctl -j names the counters. */
static const char * const mcg_drop_names[__MCG_A_STATS_MAX] = {
	[MCG_A_STATS_RX_DROP_SHORT] = "rx_drop_short",
	[MCG_A_STATS_RX_DROP_HEADER] = "rx_drop_header",
	[MCG_A_STATS_RX_DROP_NO_GROUP] = "rx_drop_no_group",
	[MCG_A_STATS_RX_DROP_NO_KEY] = "rx_drop_no_key",
	[MCG_A_STATS_RX_DROP_AUTH] = "rx_drop_auth",
	[MCG_A_STATS_RX_DROP_REPLAY] = "rx_drop_replay",
	[MCG_A_STATS_RX_DROP_OLD] = "rx_drop_old",
	[MCG_A_STATS_RX_DROP_OLD_RUN] = "rx_drop_old_run",
	[MCG_A_STATS_RX_DROP_NOMEM] = "rx_drop_nomem",
	[MCG_A_STATS_RX_DROP_RCVBUF] = "rx_drop_rcvbuf",
	[MCG_A_STATS_RX_DROP_BACKLOG] = "rx_drop_backlog",
	[MCG_A_STATS_RX_DROP_OWN] = "rx_drop_own",
	[MCG_A_STATS_RX_DROP_NOT_PEER] = "rx_drop_not_peer",
};

void mcg_trace_drop(const struct net *net, u32 group, u32 sender,
		    const struct mcg_wire_info *info, const struct sk_buff *skb,
		    unsigned int why)
{
	static const struct mcg_wire_info none;
	const char *reason = why < __MCG_A_STATS_MAX && mcg_drop_names[why] ?
			     mcg_drop_names[why] : "?";
	const struct in6_addr *saddr = skb ? &ipv6_hdr(skb)->saddr : &in6addr_any;
	unsigned int netns = net->ns.inum;

	if (!info)
		info = &none;
	if (info->sender)
		sender = info->sender;
	trace_mcg_rx_drop(netns, group, sender, info->epoch, info->run,
			  info->seq, saddr, reason);
	if (skb)
		net_dbg_ratelimited("netns %u group %u: datagram from %pI6c sender %u epoch %u run %llu seq %llu dropped: %s\n",
				    netns, group, saddr, sender, info->epoch,
				    info->run, info->seq, reason);
	else
		net_dbg_ratelimited("netns %u group %u: message of sender %u not queued to a socket: %s\n",
				    netns, group, sender, reason);
}
