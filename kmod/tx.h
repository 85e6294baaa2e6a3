/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_TX_H
#define _MCG_TX_H

#include <linux/skbuff.h>
#include <net/sock.h>

struct mcg_group;
struct msghdr;

/**
 * struct mcg_bundle - messages a socket sent with more to come
 * @skb: a datagram being filled: header room, then records; or NULL
 * @local: their copies for the other local sockets, delivered once sent
 * @msgs: the messages in @skb
 * @limit: the plaintext @skb has room for
 *
 * Under the socket's lock.
 */
struct mcg_bundle {
	struct sk_buff *skb;
	struct sk_buff_head local;
	unsigned int msgs;
	unsigned int limit;
};

int mcg_tx_send(struct mcg_group *g, struct sock *sk, struct msghdr *msg,
		size_t len);
int mcg_tx_bundle(struct mcg_group *g, struct sock *sk, struct mcg_bundle *b,
		  struct msghdr *msg, size_t len, bool more,
		  unsigned int limit);
int mcg_tx_flush(struct mcg_group *g, struct sock *sk, struct mcg_bundle *b);
void mcg_tx_release(struct mcg_group *g);
void mcg_tx_forget_key(struct mcg_group *g, u64 key_id);

#endif /* _MCG_TX_H */
