// SPDX-License-Identifier: GPL-2.0
/*
 * The senders a group has heard from: per sender, the newest run that
 * authenticated, the AEAD that opens it, its replay window and counters.
 *
 * The packet path finds peers in an rhashtable under RCU.  Only the
 * group's receive worker adds them (rx.c), under the group's rx_mutex,
 * which also guards the list that configuration walks; they go away with
 * the group only, after a grace period (mcg_peers_destroy()).
 */

#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "group.h"
#include "peer.h"
#include "udp.h"

static const struct rhashtable_params mcg_peer_params = {
	.key_len = sizeof(u32),
	.key_offset = offsetof(struct mcg_peer, sender),
	.head_offset = offsetof(struct mcg_peer, node),
	.automatic_shrinking = true,
};

/* Process context: allocates and keys the AEAD. */
struct mcg_rx_key *mcg_rx_key_new(const u8 *prk, u32 alg, u64 key_id,
				  const struct mcg_aead_id *id, u32 window)
{
	struct mcg_rx_key *rk;

	rk = kzalloc(offsetof(struct mcg_rx_key, replay) +
		     mcg_replay_size(window), GFP_KERNEL);
	if (!rk)
		return ERR_PTR(-ENOMEM);
	rk->tfm = mcg_aead_new(prk, alg, id);
	if (IS_ERR(rk->tfm)) {
		int ret = PTR_ERR(rk->tfm);

		kfree(rk);
		return ERR_PTR(ret);
	}
	rk->key_id = key_id;
	rk->epoch = id->epoch;
	rk->run = id->run;
	refcount_set(&rk->ref, 1);
	mcg_replay_init(&rk->replay, window);
	return rk;
}

/* Now: no packet path can reach @rk, and no open holds it. */
void mcg_rx_key_free_now(struct mcg_rx_key *rk)
{
	crypto_free_aead(rk->tfm);	/* zeroes the key schedule */
	kfree(rk);
}

static void mcg_rx_key_destroy_work(struct work_struct *work)
{
	mcg_rx_key_free_now(container_of(work, struct mcg_rx_key, destroy_work));
}

/* Any context: the last reference frees it, in process context. */
void mcg_rx_key_put(struct mcg_rx_key *rk)
{
	if (!refcount_dec_and_test(&rk->ref))
		return;
	INIT_WORK(&rk->destroy_work, mcg_rx_key_destroy_work);
	queue_work(mcg_wq, &rk->destroy_work);
}

static void mcg_rx_key_free_work(struct work_struct *work)
{
	struct mcg_rx_key *rk = container_of(to_rcu_work(work),
					     struct mcg_rx_key, free_work);

	if (refcount_dec_and_test(&rk->ref))
		mcg_rx_key_free_now(rk);
}

/*
 * Out of its slot: after a grace period the packet path can no longer
 * find it, and once the opens in flight complete it is freed.
 */
void mcg_rx_key_free(struct mcg_rx_key *rk)
{
	if (!rk)
		return;
	INIT_RCU_WORK(&rk->free_work, mcg_rx_key_free_work);
	queue_rcu_work(mcg_wq, &rk->free_work);
}

int mcg_peers_init(struct mcg_group *g)
{
	INIT_LIST_HEAD(&g->peer_list);
	return rhashtable_init(&g->peers, &mcg_peer_params);
}

static void mcg_peer_free(void *ptr, void *arg)
{
	struct mcg_peer *p = ptr;
	struct mcg_rx_key *rk = rcu_dereference_protected(p->key, true);
	struct mcg_rx_key *prev = rcu_dereference_protected(p->prev, true);

	if (rk)
		mcg_rx_key_free_now(rk);
	if (prev)
		mcg_rx_key_free_now(prev);
	kfree(p);
}

/*
 * The group is unpublished, a grace period has passed and its receive
 * worker is stopped: nothing can reach its peers any more.
 */
void mcg_peers_destroy(struct mcg_group *g)
{
	rhashtable_free_and_destroy(&g->peers, mcg_peer_free, NULL);
	INIT_LIST_HEAD(&g->peer_list);
}

/* Under RCU. */
struct mcg_peer *mcg_peer_find(struct mcg_group *g, u32 sender)
{
	return rhashtable_lookup(&g->peers, &sender, mcg_peer_params);
}

struct mcg_peer *mcg_peer_alloc(u32 sender)
{
	struct mcg_peer *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return NULL;
	p->sender = sender;
	spin_lock_init(&p->lock);
	return p;
}

/* Under g->rx_mutex; @p is new and unknown to the table. */
int mcg_peer_insert(struct mcg_group *g, struct mcg_peer *p)
{
	int ret;

	lockdep_assert_held(&g->rx_mutex);
	ret = rhashtable_lookup_insert_fast(&g->peers, &p->node,
					    mcg_peer_params);
	if (!ret)
		list_add_tail(&p->list, &g->peer_list);
	return ret;
}

/* Under @p's lock: unpublish the opener in @slot if it derives from @key_id. */
static struct mcg_rx_key *mcg_peer_take(struct mcg_peer *p,
					struct mcg_rx_key __rcu **slot,
					u64 key_id)
{
	struct mcg_rx_key *rk = rcu_dereference_protected(*slot,
						lockdep_is_held(&p->lock));

	if (!rk || rk->key_id != key_id)
		return NULL;
	RCU_INIT_POINTER(*slot, NULL);
	rk->closed = true;
	return rk;
}

/*
 * The epoch of @key_id is deleted: zero what was derived from it.  Its
 * senders keep their newest run, so older captures stay refused.
 */
void mcg_peers_forget_key(struct mcg_group *g, u64 key_id)
{
	struct mcg_rx_key *rk, *prev;
	struct mcg_peer *p;

	lockdep_assert_held(&g->rx_mutex);
	list_for_each_entry(p, &g->peer_list, list) {
		spin_lock_bh(&p->lock);
		rk = mcg_peer_take(p, &p->key, key_id);
		prev = mcg_peer_take(p, &p->prev, key_id);
		spin_unlock_bh(&p->lock);
		mcg_rx_key_free(rk);
		mcg_rx_key_free(prev);
	}
}

/* Room for one sender's entry in STATS_GET, every counter included. */
#define MCG_PEER_STATS_SIZE \
	(nla_total_size(0) + 2 * nla_total_size(sizeof(u32)) + \
	 2 * nla_total_size_64bit(sizeof(u64)) + nla_total_size(0) + \
	 __MCG_A_STATS_MAX * nla_total_size_64bit(sizeof(u64)))

size_t mcg_peers_stats_size(struct mcg_group *g)
{
	return atomic_read(&g->peers.nelems) * MCG_PEER_STATS_SIZE;
}

static int mcg_peer_put_stats(struct sk_buff *skb, struct mcg_peer *p)
{
	u64 c[__MCG_A_STATS_MAX], run;
	struct nlattr *sender, *stats;
	unsigned long last_rx;
	struct mcg_rx_key *rk;
	u32 epoch = 0;
	int i;

	spin_lock_bh(&p->lock);
	memcpy(c, p->stats, sizeof(c));
	last_rx = p->last_rx;
	run = p->run;
	rk = rcu_dereference_protected(p->key, lockdep_is_held(&p->lock));
	if (rk)
		epoch = rk->epoch;
	spin_unlock_bh(&p->lock);

	sender = nla_nest_start(skb, MCG_A_SENDER);
	if (!sender)
		return -EMSGSIZE;
	if (nla_put_u32(skb, MCG_A_SENDER_ID, p->sender) ||
	    nla_put_u64_64bit(skb, MCG_A_SENDER_LAST_RX,
			      jiffies64_to_msecs(jiffies - last_rx),
			      MCG_A_SENDER_PAD) ||
	    nla_put_u64_64bit(skb, MCG_A_SENDER_RUN, run, MCG_A_SENDER_PAD) ||
	    (epoch && nla_put_u32(skb, MCG_A_SENDER_EPOCH, epoch)))
		goto cancel;
	stats = nla_nest_start(skb, MCG_A_SENDER_STATS);
	if (!stats)
		goto cancel;
	/* A sender's counters are few of those a group has: only those set. */
	for (i = MCG_A_STATS_TX_PACKETS; i <= MCG_A_STATS_MAX; i++)
		if (c[i] && nla_put_u64_64bit(skb, i, c[i], MCG_A_STATS_PAD))
			goto cancel;
	nla_nest_end(skb, stats);
	nla_nest_end(skb, sender);
	return 0;
cancel:
	/* Whole or not at all: the next message starts with this sender. */
	nla_nest_cancel(skb, sender);
	return -EMSGSIZE;
}

/*
 * The MCG_A_SENDERS nest of STATS_GET: the senders from position *@pos in
 * the order they were heard, as many as fit, *@pos moved past them.
 * -EMSGSIZE when some are left for another message.  Peers are only ever
 * appended to peer_list, and leave it with the group only, so a position
 * names the same sender from one message to the next.
 */
int mcg_peers_put_stats(struct sk_buff *skb, struct mcg_group *g,
			unsigned long *pos)
{
	unsigned long i = 0;
	struct nlattr *nest;
	struct mcg_peer *p;
	int ret = 0;

	nest = nla_nest_start(skb, MCG_A_SENDERS);
	if (!nest)
		return -EMSGSIZE;
	mutex_lock(&g->rx_mutex);
	list_for_each_entry(p, &g->peer_list, list) {
		if (i++ < *pos)
			continue;
		ret = mcg_peer_put_stats(skb, p);
		if (ret)
			break;
		(*pos)++;
	}
	mutex_unlock(&g->rx_mutex);
	nla_nest_end(skb, nest);
	return ret;
}
