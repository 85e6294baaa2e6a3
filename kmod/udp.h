/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_UDP_H
#define _MCG_UDP_H

#include <linux/skbuff.h>
#include <net/netlink.h>

struct mcg_dests;
struct mcg_group;

/* Frees what may sleep, after RCU grace periods (sockets, AEADs). */
extern struct workqueue_struct *mcg_wq;

int mcg_udp_open(struct mcg_group *g, struct netlink_ext_ack *extack);
void mcg_udp_close(struct mcg_group *g);
void mcg_udp_set_dests(struct mcg_group *g, struct mcg_dests *ds);
int mcg_udp_xmit(struct mcg_group *g, struct sk_buff *skb);
unsigned int mcg_udp_mtu(struct mcg_group *g);
void mcg_udp_flush(void);

int mcg_udp_init(void);
void mcg_udp_uninit(void);

#endif /* _MCG_UDP_H */
