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

#endif /* _MCG_TX_H */
