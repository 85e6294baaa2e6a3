// SPDX-License-Identifier: GPL-2.0
/*
 * The send path: one message, sealed once under this host's key for the
 * group's sending epoch and its current run, sent once to the group.
 * Messages sent with MSG_MORE (or by sendmmsg(), but its last) wait in
 * their socket's bundle and go as one datagram, sealed once, when one
 * without comes.  When the next would not fit, the bundle's datagram is
 * closed and another opened after it in the same skb: a train, whose
 * datagrams are sealed one by one and sent as one UDP GSO skb, so that
 * the stack below, and the receiver's up to its UDP socket, run once a
 * train instead of once a datagram.
 *
 * A group's transmit state (struct mcg_tx) holds the AEAD keyed with the
 * sender key derived for one run, and that run's sequence numbers.  It is
 * replaced -- a new run -- when the sending epoch changes or the sequence
 * numbers reach the key's usage limit (Documentation/wire-format.rst).
 * Senders find it under RCU and hold a reference while they encrypt.
 */

#include <linux/moduleparam.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/uio.h>
#include <net/ipv6.h>
#include <net/udp.h>

#include "aead.h"
#include "compat.h"
#include "group.h"
#include "key.h"
#include "netlink.h"
#include "netns.h"
#include "run.h"
#include "socket.h"
#include "stats.h"
#include "trace.h"
#include "tx.h"
#include "udp.h"
#include "wire.h"

/* AES-GCM: (q * l)^2 / 2^128 < 2^-57 for l <= 88 blocks. */
#define MCG_TX_SEQ_LIMIT BIT_ULL(28)
#define MCG_TX_RUN_LIMIT BIT_ULL(32)

#define MCG_TX_HEADROOM (LL_MAX_HEADER + sizeof(struct ipv6hdr) + \
			 sizeof(struct udphdr))
#define MCG_TX_OVERHEAD (sizeof(struct mcg_wire_hdr) + MCG_WIRE_TAG_LEN)
/*
 * A train's skb is one allocation of at most 32 KiB (order 3).  Its
 * sequence numbers are reserved at once, so other sockets' datagrams may
 * leave while it is sealed: at most 64 numbers keep that far inside the
 * smallest window (MCG_WINDOW_MIN).
 */
#define MCG_TX_TRAIN_BYTES (SKB_WITH_OVERHEAD(SZ_32K) - MCG_TX_HEADROOM)
#define MCG_TX_TRAIN_MAX 64

/*
 * The limits can be lowered, never raised: tests reach them in a few
 * messages instead of 2^60.
 */
static ulong msgs_per_run = MCG_TX_SEQ_LIMIT;
module_param(msgs_per_run, ulong, 0444);
MODULE_PARM_DESC(msgs_per_run, "messages sent under one derived key before a new run (at most 2^28)");
static ulong runs_per_key = MCG_TX_RUN_LIMIT;
module_param(runs_per_key, ulong, 0444);
MODULE_PARM_DESC(runs_per_key, "runs one host starts under one key epoch before it is exhausted (at most 2^32)");

static u64 mcg_seq_limit(void)
{
	return clamp_t(u64, msgs_per_run, 1, MCG_TX_SEQ_LIMIT);
}

/**
 * struct mcg_tx - sending state of a group for one run
 * @ref: one for group->tx, one per sender using it
 * @tfm: the AEAD, keyed with the derived sender key
 * @key_id: the mcg_key it derives from
 * @epoch: that key's epoch
 * @run: this run's value, on the wire
 * @seq: the last sequence number used
 * @free_work: frees after a grace period, where freeing may sleep
 */
struct mcg_tx {
	refcount_t ref;
	struct crypto_aead *tfm;
	u64 key_id;
	u32 epoch;
	u64 run;
	atomic64_t seq;
	struct rcu_work free_work;
};

static void mcg_tx_free_work(struct work_struct *work)
{
	struct mcg_tx *tx = container_of(to_rcu_work(work), struct mcg_tx,
					 free_work);

	crypto_free_aead(tx->tfm);
	kfree(tx);
}

static void mcg_tx_put(struct mcg_tx *tx)
{
	int old;

	if (__refcount_sub_and_test(1, &tx->ref, &old)) {
		INIT_RCU_WORK(&tx->free_work, mcg_tx_free_work);
		queue_rcu_work(mcg_wq, &tx->free_work);
		return;
	}
	/*
	 * Left only the group's reference: mcg_tx_renew() may wait for it,
	 * and may free @tx as soon as it sees it, so @tx is not read again
	 * (wake_up_var() only hashes the address).
	 */
	if (old == 2) {
		/*
		 * The decrement before the look at the wait queue, as the
		 * waiter orders its queueing before its look at the count:
		 * else a weakly ordered CPU may lose the wakeup, and the
		 * waiter sleeps holding tx_lock.
		 */
		smp_mb__after_atomic();
		wake_up_var(&tx->ref);
	}
}

/*
 * A new run for the group's sending key: a fresh derived key, seq 0.
 * Refused once this host has started runs_per_key runs under the key:
 * *@exhausted is then the key's epoch if this call found it so first.
 */
static struct mcg_tx *mcg_tx_renew(struct mcg_group *g, int *err,
				   u32 *exhausted)
{
	struct mcg_aead_id id = { .group = g->id };
	u8 prk[MCG_KDF_PRK_LEN];
	struct mcg_tx *tx, *old;
	struct mcg_key *key;
	u32 algid;
	u64 key_id;

	mutex_lock(&g->tx_lock);
	old = rcu_dereference_protected(g->tx, lockdep_is_held(&g->tx_lock));
	rcu_read_lock();
	key = rcu_dereference(g->tx_key);
	if (!key || READ_ONCE(g->dead)) {
		rcu_read_unlock();
		*err = key ? -ENODEV : -ENOKEY;
		tx = NULL;
		goto out;
	}
	/* Another sender may have renewed it while we waited. */
	if (old && old->key_id == key->id &&
	    atomic64_read(&old->seq) < mcg_seq_limit()) {
		rcu_read_unlock();
		refcount_inc(&old->ref);
		tx = old;
		goto out;
	}
	if (key->runs >= min_t(u64, runs_per_key, MCG_TX_RUN_LIMIT)) {
		if (!key->exhausted)
			*exhausted = key->epoch;
		key->exhausted = true;
		rcu_read_unlock();
		*err = -EKEYEXPIRED;
		tx = NULL;
		goto out;
	}
	key->runs++;
	key_id = key->id;
	id.epoch = key->epoch;
	algid = key->alg;
	memcpy(prk, key->prk, sizeof(prk));
	rcu_read_unlock();

	tx = kzalloc(sizeof(*tx), GFP_KERNEL);
	if (!tx) {
		*err = -ENOMEM;
		goto out_zero;
	}
	id.sender = READ_ONCE(g->conf.sender);
	id.run = mcg_run_next();
	tx->tfm = mcg_aead_new(prk, algid, &id);
	if (IS_ERR(tx->tfm)) {
		*err = PTR_ERR(tx->tfm);
		kfree(tx);
		tx = NULL;
		goto out_zero;
	}
	tx->key_id = key_id;
	tx->epoch = id.epoch;
	tx->run = id.run;
	atomic64_set(&tx->seq, 0);
	refcount_set(&tx->ref, 2);	/* group->tx and the caller */
	/*
	 * The old run's datagrams in flight leave first: a receiver keeps
	 * one earlier run open for late ones, not two.  They hold the old
	 * state only while they seal and send.
	 */
	if (old)
		wait_var_event(&old->ref, refcount_read(&old->ref) == 1);
	rcu_assign_pointer(g->tx, tx);
	trace_mcg_tx_run(g->mn->net->ns.inum, g->id, id.sender, id.epoch, id.run);
	if (old)
		mcg_tx_put(old);
out_zero:
	memzero_explicit(prk, sizeof(prk));
out:
	mutex_unlock(&g->tx_lock);
	return tx;
}

/*
 * The run to send with, with @want sequence numbers reserved in it from
 * *@seq, or as many as it has left (*@got, at least one): never beyond
 * the run's limit, however many senders race for the last ones.
 */
static struct mcg_tx *mcg_tx_get(struct mcg_group *g, unsigned int want,
				 u64 *seq, unsigned int *got, int *err)
{
	u64 limit = mcg_seq_limit(), last;
	u32 exhausted = 0;
	struct mcg_key *key;
	struct mcg_tx *tx;

	for (;;) {
		rcu_read_lock();
		key = rcu_dereference(g->tx_key);
		tx = rcu_dereference(g->tx);
		if (!key || !tx || tx->key_id != key->id ||
		    atomic64_read(&tx->seq) >= mcg_seq_limit() ||
		    !refcount_inc_not_zero(&tx->ref))
			tx = NULL;
		rcu_read_unlock();
		if (!tx)
			tx = mcg_tx_renew(g, err, &exhausted);
		if (!tx)
			break;
		last = atomic64_add_return(want, &tx->seq);
		*seq = last - want + 1;
		if (*seq <= limit) {
			*got = min(last, limit) - *seq + 1;
			return tx;
		}
		mcg_tx_put(tx);
	}
	if (*err == -EKEYEXPIRED) {
		mcg_stats_add(g->stats, MCG_A_STATS_TX_KEY_EXHAUSTED, 1);
		if (exhausted) {
			trace_mcg_key_exhausted(g->mn->net->ns.inum, g->id,
						exhausted);
			mcg_nl_key_exhausted(g, exhausted);
		}
	} else if (*err == -ENOKEY) {
		mcg_stats_add(g->stats, MCG_A_STATS_TX_NOKEY, 1);
	}
	return NULL;
}

/* Drop the group's transmit state if it derives from @key_id (0: any). */
static void mcg_tx_drop(struct mcg_group *g, u64 key_id)
{
	struct mcg_tx *tx;

	mutex_lock(&g->tx_lock);
	tx = rcu_dereference_protected(g->tx, lockdep_is_held(&g->tx_lock));
	if (tx && (!key_id || tx->key_id == key_id))
		RCU_INIT_POINTER(g->tx, NULL);
	else
		tx = NULL;
	mutex_unlock(&g->tx_lock);
	if (tx)
		mcg_tx_put(tx);
}

/* The group is going away. */
void mcg_tx_release(struct mcg_group *g)
{
	mcg_tx_drop(g, 0);
}

/* The epoch of @key_id is deleted: its derived key goes with it. */
void mcg_tx_forget_key(struct mcg_group *g, u64 key_id)
{
	mcg_tx_drop(g, key_id);
}

/*
 * @len bytes at @data copied into a new skb with header room and @size
 * bytes of data room: charged to @sk, without waiting for its buffer
 * space, or, without @sk, to no one.
 */
static struct sk_buff *mcg_tx_skb_copy(struct sock *sk, const void *data,
				       unsigned int len, unsigned int size)
{
	struct sk_buff *skb;
	int err;

	if (sk)
		skb = sock_alloc_send_skb(sk, MCG_TX_HEADROOM + size, 1, &err);
	else
		skb = alloc_skb(MCG_TX_HEADROOM + size, GFP_KERNEL);
	if (!skb)
		return NULL;
	skb_reserve(skb, MCG_TX_HEADROOM);
	skb_put_data(skb, data, len);
	return skb;
}

/* @skb holds @n datagrams of @seg_len: one UDP GSO skb, to the receiver. */
static void mcg_tx_train_gso(struct sk_buff *skb, unsigned int n,
			     unsigned int seg_len)
{
	if (n < 2)
		return;
	skb_shinfo(skb)->gso_size = seg_len;
	skb_shinfo(skb)->gso_type = SKB_GSO_UDP_L4;
	skb_shinfo(skb)->gso_segs = n;
	/* Segmentation finishes each datagram's UDP checksum. */
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_headroom(skb) - sizeof(struct udphdr);
	skb->csum_offset = offsetof(struct udphdr, check);
}

/*
 * A copy of the @len bytes of plaintext at @text for the other local
 * sockets, or NULL, counted as one no reader got, as a failed clone is.
 */
static struct sk_buff *mcg_tx_local_copy(struct mcg_group *g, const void *text,
					 unsigned int len)
{
	struct sk_buff *copy = alloc_skb(len, GFP_KERNEL);

	if (!copy) {
		mcg_stats_add(g->stats, MCG_A_STATS_RX_DROP_RCVBUF, 1);
		mcg_trace_drop(g->mn->net, g->id, READ_ONCE(g->conf.sender),
			       NULL, NULL, MCG_A_STATS_RX_DROP_RCVBUF);
		return NULL;
	}
	skb_put_data(copy, text, len);
	return copy;
}

/*
 * The messages of the bundles among the first @n datagrams of @skb, each
 * @seg_len long but the last, to the other local sockets, from their
 * plaintext: before sealing, which encrypts in place.  One copy at a time,
 * made as it is delivered: what a writer sends with MSG_MORE pins no
 * memory beyond its bundle, which its send buffer pays for.
 */
static void mcg_tx_local_bundles(struct mcg_group *g, struct sock *sk,
				 struct sk_buff *skb, unsigned int n,
				 unsigned int seg_len, u32 sender)
{
	const u8 *text;
	unsigned int i, off, len, rec;
	struct sk_buff *copy;

	for (i = 0; i < n; i++) {
		text = skb->data + i * seg_len + sizeof(struct mcg_wire_hdr);
		len = min(seg_len, skb->len - i * seg_len) - MCG_TX_OVERHEAD;
		for (off = 0; off < len; off += rec) {
			rec = mcg_wire_bundle_next(text, &off);
			copy = mcg_tx_local_copy(g, text + off, rec);
			if (copy)
				mcg_deliver(g, copy, sender, sk);
		}
	}
}

/*
 * Seal the @n datagrams of @skb -- each @seg_len long but the last: a
 * header's room, plaintext of DATA or BUNDLE @type, room for the tag --
 * and send them to the group as one skb, and give the other local
 * sockets their messages.  Consumes @skb.  Process context.
 *
 * A message sent alone (DATA) reaches local sockets only if it leaves:
 * its sender is told whether it did.  A bundle's messages were reported
 * as sent one by one, before it went; they reach local sockets as they
 * are sealed, whatever becomes of the datagram then, as they would if
 * the network lost it.
 */
static int mcg_tx_seal_send(struct mcg_group *g, struct sock *sk,
			    struct sk_buff *skb, unsigned int n,
			    unsigned int seg_len, u8 type)
{
	struct mcg_wire_info info = { .type = type };
	unsigned int i, got, off, len, text;
	struct sk_buff *copy = NULL, *part;
	bool readers = mcg_has_readers(g, sk);
	struct mcg_key *key;
	struct mcg_tx *tx;
	int err;

	info.group = g->id;
	info.sender = READ_ONCE(g->conf.sender);
	while (skb) {
		/*
		 * The sequence numbers last, after everything that may wait:
		 * the gap between two senders' numbers must stay far inside
		 * the window.
		 */
		tx = mcg_tx_get(g, n, &info.seq, &got, &err);
		if (!tx)
			goto out_free;
		info.epoch = tx->epoch;
		info.run = tx->run;
		if (readers && type == MCG_WIRE_DATA)
			copy = mcg_tx_local_copy(g, skb->data + sizeof(struct mcg_wire_hdr),
						 skb->len - MCG_TX_OVERHEAD);
		else if (readers)
			mcg_tx_local_bundles(g, sk, skb, got, seg_len, info.sender);
		text = 0;
		for (i = 0; i < got; i++, info.seq++) {
			off = i * seg_len;
			len = min(seg_len, skb->len - off) - MCG_TX_OVERHEAD;
			mcg_wire_build((struct mcg_wire_hdr *)(skb->data + off),
				       &info);
			err = mcg_aead_seal(tx->tfm, skb, off, len, info.seq);
			if (err)
				goto out_error;
			text += len;
		}
		part = skb;
		if (got < n) {
			/*
			 * The run ended inside the train: what it sealed
			 * leaves first, under it, before the next run begins
			 * (mcg_tx_renew() waits for it).
			 */
			part = mcg_tx_skb_copy(NULL, skb->data, got * seg_len,
					       got * seg_len);
			if (!part) {
				err = -ENOMEM;
				goto out_error;
			}
			__skb_pull(skb, got * seg_len);	/* its headers go there */
		} else {
			skb = NULL;
		}
		mcg_tx_train_gso(part, got, seg_len);
		err = mcg_udp_xmit(g, part);
		if (err)
			goto out_error;

		rcu_read_lock();
		key = rcu_dereference(g->tx_key);
		if (key && key->id == tx->key_id)
			atomic64_add(got, &key->tx_packets);
		rcu_read_unlock();
		mcg_stats_add(g->stats, MCG_A_STATS_TX_PACKETS, got);
		mcg_stats_add(g->stats, MCG_A_STATS_TX_BYTES, text);
		mcg_tx_put(tx);
		n -= got;
	}
	if (copy)
		mcg_deliver(g, copy, info.sender, sk);
	return 0;

out_error:
	mcg_stats_add(g->stats, MCG_A_STATS_TX_ERRORS, 1);
	mcg_tx_put(tx);
out_free:
	kfree_skb(skb);
	kfree_skb(copy);
	return err;
}

/*
 * An skb with room for the headers, mcg's too, and @len bytes more; or
 * NULL and *@err.  Without a key it fails before waiting for buffer space.
 */
static struct sk_buff *mcg_tx_alloc(struct mcg_group *g, struct sock *sk,
				    struct msghdr *msg, unsigned int len,
				    int *err)
{
	struct sk_buff *skb;
	unsigned int got;
	struct mcg_tx *tx;
	u64 seq;

	if (!rcu_access_pointer(g->tx_key)) {
		tx = mcg_tx_get(g, 1, &seq, &got, err);
		if (!tx)
			return NULL;
		mcg_tx_put(tx);
	}
	skb = sock_alloc_send_skb(sk, MCG_TX_HEADROOM + MCG_TX_OVERHEAD + len,
				  msg->msg_flags & MSG_DONTWAIT, err);
	if (!skb)
		return NULL;
	skb_reserve(skb, MCG_TX_HEADROOM);
	skb_put(skb, sizeof(struct mcg_wire_hdr));
	return skb;
}

/*
 * Send one message from @msg: to the other local sockets of the group as
 * plaintext, and once to the network, sealed.  Process context.
 */
int mcg_tx_send(struct mcg_group *g, struct sock *sk, struct msghdr *msg,
		size_t len)
{
	struct sk_buff *skb;
	void *text;
	int err;

	skb = mcg_tx_alloc(g, sk, msg, len, &err);
	if (!skb)
		return err;
	text = skb_put(skb, len);
	err = memcpy_from_msg(text, msg, len);
	if (err) {
		kfree_skb(skb);
		return err;
	}
	skb_put(skb, MCG_WIRE_TAG_LEN);
	err = mcg_tx_seal_send(g, sk, skb, 1, skb->len, MCG_WIRE_DATA);
	if (err)
		return err;
	return len;
}

/*
 * Send what @b holds, if anything: a bundle of one message goes as that
 * message alone, a train as one skb.  Under the socket's lock.
 */
int mcg_tx_flush(struct mcg_group *g, struct sock *sk, struct mcg_bundle *b)
{
	struct sk_buff *skb = b->skb;
	unsigned int n = b->segs + 1;
	u8 type = MCG_WIRE_BUNDLE;

	if (!skb)
		return 0;
	WRITE_ONCE(b->skb, NULL);
	if (!b->msgs && b->segs) {
		/* A message that failed opened a datagram, and left it empty. */
		skb_trim(skb, b->segs * b->seg_len);
		n--;
	} else {
		skb_put(skb, MCG_WIRE_TAG_LEN);
	}
	/*
	 * The header's room moves up over the record's length, which is not
	 * sent: the message stays where it is.
	 */
	if (!b->segs && b->msgs == 1) {
		__skb_pull(skb, sizeof(struct mcg_wire_rec));
		type = MCG_WIRE_DATA;
	}
	return mcg_tx_seal_send(g, sk, skb, n, n > 1 ? b->seg_len : skb->len,
				type);
}

/* The plaintext in the open datagram of @b, and the most it may take. */
static unsigned int mcg_tx_open_len(const struct mcg_bundle *b)
{
	return b->skb->len - b->segs * b->seg_len - sizeof(struct mcg_wire_hdr);
}

static unsigned int mcg_tx_open_room(const struct mcg_bundle *b,
				     unsigned int limit)
{
	unsigned int room = min(limit, b->limit);

	/* UDP GSO cuts a train in equal lengths: only the last is shorter. */
	if (b->segs)
		room = min_t(unsigned int, room, b->seg_len - MCG_TX_OVERHEAD);
	return room;
}

/*
 * The open datagram of @b is full: close it and open another after it, in
 * the same skb, for a record of @rec bytes; false if the train cannot
 * take one more.  The first close moves the datagram to an skb with room
 * for a train, charged to the socket: none when it has no buffer space.
 */
static bool mcg_tx_train_next(struct sock *sk, struct mcg_bundle *b,
			      unsigned int rec)
{
	unsigned int len = mcg_tx_open_len(b) + MCG_TX_OVERHEAD;
	struct sk_buff *skb;
	unsigned int room;

	if ((b->segs && len != b->seg_len) || MCG_TX_OVERHEAD + rec > len)
		return false;
	if (!b->segs) {
		room = min_t(unsigned int, MCG_TX_TRAIN_BYTES / len,
			     MCG_TX_TRAIN_MAX);
		if (room < 2)
			return false;
		skb = mcg_tx_skb_copy(sk, b->skb->data, b->skb->len, room * len);
		if (!skb)
			return false;
		consume_skb(b->skb);
		WRITE_ONCE(b->skb, skb);
		b->room = room;
		b->seg_len = len;
	}
	if (b->segs + 2 > b->room)
		return false;
	skb_put(b->skb, MCG_WIRE_TAG_LEN);
	skb_put(b->skb, sizeof(struct mcg_wire_hdr));
	b->segs++;
	b->msgs = 0;
	return true;
}

/*
 * The message to come fits @b's open datagram, but not a train of
 * datagrams that long: the closed ones go, and the open one stays, moved
 * to an skb of its own, as a bundle that may grow to the path's size.
 * Local readers get the messages of each datagram as it goes.
 */
static int mcg_tx_train_part(struct mcg_group *g, struct sock *sk,
			     struct mcg_bundle *b)
{
	unsigned int off = b->segs * b->seg_len, n = b->segs;
	struct sk_buff *skb = b->skb, *open;

	open = mcg_tx_skb_copy(sk, skb->data + off, skb->len - off,
			       MCG_TX_OVERHEAD + b->limit);
	if (!open)
		return mcg_tx_flush(g, sk, b);
	skb_trim(skb, off);
	WRITE_ONCE(b->skb, open);
	b->segs = 0;
	return mcg_tx_seal_send(g, sk, skb, n, b->seg_len, MCG_WIRE_BUNDLE);
}

/*
 * Add one message from @msg to @b, the socket's bundle, and send the
 * bundle if the caller has no more (@more false), or if the message fits
 * neither its open datagram nor a next one in its train.  @limit is the
 * most plaintext one datagram of the group carries.  Under the socket's
 * lock.  A bundle that fails to go fails the message that made it go:
 * those before it were already reported as sent, as with UDP's corking.
 */
int mcg_tx_bundle(struct mcg_group *g, struct sock *sk, struct mcg_bundle *b,
		  struct msghdr *msg, size_t len, bool more,
		  unsigned int limit)
{
	unsigned int rec = sizeof(struct mcg_wire_rec) + len;
	struct sk_buff *skb;
	void *text;
	int err;

	if (rec > limit) {	/* not even alone in a bundle: DATA, after it */
		err = mcg_tx_flush(g, sk, b);
		if (err)
			return err;
		return mcg_tx_send(g, sk, msg, len);
	}
	/* Its room was sized when it began: the path's MTU may have grown. */
	if (b->skb && mcg_tx_open_len(b) + rec > mcg_tx_open_room(b, limit)) {
		err = 0;
		if (b->segs && mcg_tx_open_len(b) + rec <= min(limit, b->limit))
			err = mcg_tx_train_part(g, sk, b);
		else if (!mcg_tx_train_next(sk, b, rec))
			err = mcg_tx_flush(g, sk, b);
		if (err)
			return err;
	}
	if (!b->skb) {	/* nothing bundled: a failure here leaves nothing */
		skb = mcg_tx_alloc(g, sk, msg, limit, &err);
		if (!skb)
			return err;
		WRITE_ONCE(b->skb, skb);
		b->msgs = 0;
		b->limit = limit;
		b->segs = 0;
	}
	skb = b->skb;
	text = skb_put(skb, rec);
	put_unaligned_be16(len, text);
	err = memcpy_from_msg(text + sizeof(struct mcg_wire_rec), msg, len);
	if (err) {
		/* Those bundled before it go now, as after any failure. */
		skb_trim(skb, skb->len - rec);
		if (b->msgs || b->segs) {
			mcg_tx_flush(g, sk, b);
		} else {
			WRITE_ONCE(b->skb, NULL);
			kfree_skb(skb);
		}
		return err;
	}
	b->msgs++;
	if (!more) {
		err = mcg_tx_flush(g, sk, b);
		if (err)
			return err;
	}
	return len;
}
