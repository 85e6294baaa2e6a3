/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_NETNS_H
#define _MCG_NETNS_H

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>

#include "stats.h"

#define MCG_NAME_HASH_BITS 8

/**
 * struct mcg_net - the state of mcg in one network namespace
 * @net: the namespace
 * @lock: serialises every configuration change in the namespace
 * @groups: groups by id; written under @lock, read under RCU (packet path)
 *	or @lock (configuration, dumps)
 * @names: groups by name, under @lock
 * @ports: the UDP ports groups use (struct mcg_port, udp.c), under @lock
 * @gen: bumped by every change of @groups, for dump consistency
 * @stats: counters of datagrams no group could claim
 * @sockets: number of AF_MCG sockets open in it
 */
struct mcg_net {
	struct net *net;
	struct mutex lock;	/* configuration; the packet path uses RCU */
	struct xarray groups;
	DECLARE_HASHTABLE(names, MCG_NAME_HASH_BITS);
	struct hlist_head ports;
	unsigned int gen;
	struct mcg_pcpu_stats __percpu *stats;
	atomic_t sockets;
};

struct mcg_net *mcg_net(const struct net *net);

int mcg_netns_init(void);
void mcg_netns_uninit(void);

#endif /* _MCG_NETNS_H */
