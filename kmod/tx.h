/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_TX_H
#define _MCG_TX_H

#include <linux/skbuff.h>
#include <net/sock.h>

struct mcg_group;
struct msghdr;

/**
 * struct mcg_bundle - messages a socket sent with more to come
 * @skb: a train being filled, or NULL: header room, then datagrams, each
 *	a header, records and room for the tag; all but the last, still
 *	open, are closed and @seg_len long (it goes as one UDP GSO skb)
 * @msgs: the messages in the open datagram
 * @limit: the plaintext one datagram has room for
 * @segs: the closed datagrams before the open one
 * @seg_len: their length; the open one starts @segs * @seg_len into @skb
 * @room: the datagrams of @seg_len @skb can hold
 *
 * Under the socket's lock.
 */
struct mcg_bundle {
	struct sk_buff *skb;
	unsigned int msgs;
	unsigned int limit;
	unsigned int segs;
	unsigned int seg_len;
	unsigned int room;
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
