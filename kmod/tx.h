/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_TX_H
#define _MCG_TX_H

#include <linux/skbuff.h>
#include <net/sock.h>

struct mcg_group;
struct msghdr;

int mcg_tx_send(struct mcg_group *g, struct sock *sk, struct msghdr *msg,
		size_t len);
void mcg_tx_release(struct mcg_group *g);
void mcg_tx_forget_key(struct mcg_group *g, u64 key_id);

#endif /* _MCG_TX_H */
