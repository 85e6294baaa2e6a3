/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_PEER_H
#define _MCG_PEER_H

#include <crypto/aead.h>
#include <linux/mcg.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "aead.h"
#include "replay.h"

struct mcg_group;
struct sk_buff;

/**
 * struct mcg_rx_key - what opens one run of one sender
 * @tfm: an AEAD keyed with the run's derived key
 * @key_id: the epoch key it derives from (struct mcg_key.id)
 * @epoch: that key's epoch
 * @run: the run
 * @closed: its epoch was deleted; under the peer's lock.  A run that two
 *	newer ones replaced takes no new datagram (rx.c finds no opener for
 *	it), but those it was already opening complete against its window:
 *	an asynchronous AEAD may finish them after those newer runs began.
 *	A deleted epoch's are dropped.
 * @ref: one for the peer slot that held it, dropped a grace period after
 *	it left it; one for each open the AEAD has not completed
 * @free_work: drops the slot's reference after a grace period
 * @destroy_work: frees it when a completion dropped the last reference;
 *	freeing the AEAD zeroes it
 * @replay: the run's window, sized by the group's window when the run
 *	was first heard; under the peer's lock
 */
struct mcg_rx_key {
	struct crypto_aead *tfm;
	u64 key_id;
	u32 epoch;
	u64 run;
	bool closed;
	refcount_t ref;
	struct rcu_work free_work;
	struct work_struct destroy_work;
	struct mcg_replay replay;	/* ends in a flexible array */
};

/**
 * struct mcg_peer - a sender of a group, as this host knows it
 * @node: in the group's peers, by @sender
 * @list: in the group's peer_list, under its rx_mutex
 * @sender: its id
 * @lock: protects @key, @prev, @stats and their replay windows; @run is written
 *	under it and the backlog's lock
 * @run: the newest run of it that authenticated
 * @key: opens @run; NULL once @run's epoch is deleted
 * @prev: opens the run before @run, or NULL: what was sent under it but
 *	arrives after the first of @run (several sockets race at a run
 *	change, or the network reorders) is not lost, and its window still
 *	refuses replays.  Runs before it are closed.
 * @backlogged: its datagrams of @run in the group's backlog (rx.c), under
 *	the backlog's lock; while there are any, newer ones queue behind them
 * @stats: its counters, under @lock (enum mcg_stats_attr)
 * @last_rx: jiffies when a datagram of it was last accepted, under @lock
 * @rcu: freed after a grace period
 *
 * A peer exists only once a datagram of it authenticated: forged senders
 * leave nothing behind.
 */
struct mcg_peer {
	struct rhash_head node;
	struct list_head list;
	u32 sender;
	spinlock_t lock;	/* @run, @key, @stats, the window */
	u64 run;
	struct mcg_rx_key __rcu *key;
	struct mcg_rx_key __rcu *prev;
	unsigned int backlogged;
	u64 stats[__MCG_A_STATS_MAX];
	unsigned long last_rx;
	struct rcu_head rcu;
};

struct mcg_rx_key *mcg_rx_key_new(const u8 *prk, u32 alg, u64 key_id,
				  const struct mcg_aead_id *id, u32 window);
void mcg_rx_key_free(struct mcg_rx_key *rk);
void mcg_rx_key_free_now(struct mcg_rx_key *rk);
void mcg_rx_key_put(struct mcg_rx_key *rk);

/* Under RCU, with @rk found in a peer's slot: it is not freed before. */
static inline void mcg_rx_key_hold(struct mcg_rx_key *rk)
{
	refcount_inc(&rk->ref);
}

int mcg_peers_init(struct mcg_group *g);
void mcg_peers_destroy(struct mcg_group *g);
struct mcg_peer *mcg_peer_find(struct mcg_group *g, u32 sender);
struct mcg_peer *mcg_peer_alloc(u32 sender);
int mcg_peer_insert(struct mcg_group *g, struct mcg_peer *p);
void mcg_peers_forget_key(struct mcg_group *g, u64 key_id);
int mcg_peers_put_stats(struct sk_buff *skb, struct mcg_group *g,
			unsigned long *pos);
size_t mcg_peers_stats_size(struct mcg_group *g);

#endif /* _MCG_PEER_H */
