/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_DEST_H
#define _MCG_DEST_H

#include <linux/atomic.h>
#include <linux/in6.h>
#include <linux/mcg.h>
#include <linux/rcupdate.h>
#include <net/dst_cache.h>
#include <net/netlink.h>

/**
 * struct mcg_dest - a unicast peer of a group (uapi: MCG_A_PEERS_PEER)
 * @addr: its address; datagrams go there, and by unicast are accepted
 *	from there only
 * @cache: the route to it and the source address to use
 * @tx_packets: datagrams sent to it
 * @tx_errors: sends to it that failed, and ICMPv6 errors it caused
 *
 * "Peer" in the uapi and mcgctl; "dest" here, where peer.c already names
 * the senders a group has heard from.
 */
struct mcg_dest {
	struct in6_addr addr;
	struct dst_cache cache;
	atomic64_t tx_packets;
	atomic64_t tx_errors;
};

/**
 * struct mcg_dests - a group's unicast peers, replaced whole
 * @rcu: freed after a grace period; senders and receivers read it under RCU
 * @n: entries of @d
 * @d: sorted by address, for the receive path's binary search
 */
struct mcg_dests {
	struct rcu_head rcu;
	unsigned int n;
	struct mcg_dest d[] __counted_by(n);
};

extern const struct nla_policy mcg_peer_policy[MCG_A_PEER_MAX + 1];

struct mcg_dests *mcg_dests_parse(const struct nlattr *nest,
				  struct netlink_ext_ack *extack);
void mcg_dests_carry(struct mcg_dests *to, const struct mcg_dests *from);
void mcg_dests_free(struct mcg_dests *ds);
void mcg_dests_free_rcu(struct mcg_dests *ds);
struct mcg_dest *mcg_dests_find(struct mcg_dests *ds, const struct in6_addr *a);
int mcg_dests_put(struct sk_buff *skb, int attrtype, const struct mcg_dests *ds);

#endif /* _MCG_DEST_H */
