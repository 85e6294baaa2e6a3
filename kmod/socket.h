/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_SOCKET_H
#define _MCG_SOCKET_H

#include <linux/skbuff.h>
#include <net/sock.h>

#include "tx.h"

struct mcg_group;

/**
 * struct mcg_sock - an AF_MCG socket
 * @sk: must be first: sk_alloc() sizes by proto->obj_size
 * @group: the group it is bound to, with a reference; set once by bind()
 * @node: in group->sockets, under group->sock_lock
 * @may_read: receives the group's messages (read permission at bind)
 * @may_write: may send to the group (write permission at bind)
 * @bundle: what it sent with MSG_MORE, not yet sent; under the sock lock
 */
struct mcg_sock {
	struct sock sk;
	struct mcg_group *group;
	struct hlist_node node;
	bool may_read;
	bool may_write;
	struct mcg_bundle bundle;
};

/* What a queued message carries besides its bytes. */
struct mcg_skb_cb {
	u32 sender;
};

#define MCG_SKB_CB(skb) ((struct mcg_skb_cb *)(skb)->cb)

extern int mcg_family;

bool mcg_has_readers(struct mcg_group *g, const struct sock *except);
void mcg_deliver(struct mcg_group *g, struct sk_buff *skb, u32 sender,
		 const struct sock *except);
void mcg_sock_group_gone(struct mcg_sock *ms);

int mcg_socket_init(void);
void mcg_socket_uninit(void);

#endif /* _MCG_SOCKET_H */
