/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_RX_H
#define _MCG_RX_H

#include <linux/skbuff.h>

struct mcg_group;
struct mcg_key;
struct mcg_wire_info;

void mcg_rx(struct mcg_group *g, struct mcg_key *key, struct sk_buff *skb,
	    const struct mcg_wire_info *info);
int mcg_rx_init(struct mcg_group *g);
void mcg_rx_release(struct mcg_group *g);
void mcg_rx_forget_key(struct mcg_group *g, u64 key_id);

#endif /* _MCG_RX_H */
