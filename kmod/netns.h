/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_NETNS_H
#define _MCG_NETNS_H

#include <linux/atomic.h>
#include <net/net_namespace.h>

/**
 * struct mcg_net - the state of mcg in one network namespace
 * @net: the namespace
 * @sockets: number of AF_MCG sockets open in it
 */
struct mcg_net {
	struct net *net;
	atomic_t sockets;
};

struct mcg_net *mcg_net(const struct net *net);

int mcg_netns_init(void);
void mcg_netns_uninit(void);

#endif /* _MCG_NETNS_H */
