// SPDX-License-Identifier: GPL-2.0
/*
 * The receive path: a datagram the group's UDP socket accepted (udp.c
 * checked its lengths, header, group and epoch) is authenticated and
 * decrypted once, in place, checked against its sender's replay window,
 * and delivered to every local socket of the group.
 *
 * A known sender's current run is opened in softirq with the AEAD its
 * peer holds.  Anything else -- a new sender, a sender's new run -- needs
 * a key derived and an AEAD allocated and keyed, which may sleep: those
 * datagrams wait in the group's bounded backlog for its worker, which
 * authenticates the first of a run before it creates or changes any
 * state.  A sender's datagrams queue behind its backlogged ones, so what
 * it sends in order is delivered in order.
 */

#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include "compat.h"
#include "group.h"
#include "key.h"
#include "netns.h"
#include "peer.h"
#include "rx.h"
#include "socket.h"
#include "stats.h"
#include "trace.h"
#include "udp.h"
#include "wire.h"

/*
 * Datagrams of new senders or runs a group holds for its worker: enough
 * for a burst while a new run's key is set up, and bounded in bytes too,
 * as forgeries may be reassembled 64 KiB datagrams.
 */
#define MCG_RX_BACKLOG 1024
#define MCG_RX_BACKLOG_BYTES (4 << 20)

/* What the backlog keeps of a datagram, in its control buffer. */
struct mcg_rx_cb {
	struct mcg_wire_info info;
	bool counted;		/* in its peer's backlogged */
};

static struct mcg_rx_cb *mcg_rx_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct mcg_rx_cb) > sizeof(skb->cb));
	return (struct mcg_rx_cb *)skb->cb;
}

/* Counted for the group and, once it is known, for the sender it claims. */
static void mcg_rx_drop(struct mcg_group *g, struct mcg_peer *p,
			struct sk_buff *skb, const struct mcg_wire_info *info,
			enum mcg_stats_attr why)
{
	/* Before the skb goes: @info may live in its control buffer. */
	mcg_trace_drop(g->mn->net, g->id, 0, info, skb, why);
	mcg_stats_add(g->stats, why, 1);
	if (p) {
		spin_lock_bh(&p->lock);
		p->stats[why]++;
		spin_unlock_bh(&p->lock);
	}
	kfree_skb(skb);
}

static enum mcg_stats_attr mcg_replay_drop(enum mcg_replay_verdict v)
{
	return v == MCG_REPLAY_DUP ? MCG_A_STATS_RX_DROP_REPLAY :
				     MCG_A_STATS_RX_DROP_OLD;
}

/*
 * An authentic datagram's plaintext is malformed: a BUNDLE whose records
 * do not add up.  Only a member can send one; it is dropped before it
 * moves the window.  The AEAD left @skb linear (skb_ensure_writable()).
 */
static bool mcg_rx_malformed(struct sk_buff *skb,
			     const struct mcg_wire_info *info)
{
	return info->type == MCG_WIRE_BUNDLE &&
	       mcg_wire_bundle_check(skb->data + sizeof(struct mcg_wire_hdr),
				     info->payload_len) < 0;
}

/* Each message of a bundle (@skb's data, checked) to every reader. */
static void mcg_rx_unbundle(struct mcg_group *g, struct sk_buff *skb,
			    u32 sender)
{
	unsigned int off, n;
	struct sk_buff *msg;

	for (off = 0; off < skb->len; off += n) {
		n = mcg_wire_bundle_next(skb->data, &off);
		/*
		 * A copy, not a clone of the datagram: a reader's buffer is
		 * charged for the message, not for the whole bundle each time.
		 */
		msg = alloc_skb(n, GFP_ATOMIC);
		if (!msg) {
			mcg_stats_add(g->stats, MCG_A_STATS_RX_DROP_RCVBUF, 1);
			mcg_trace_drop(g->mn->net, g->id, sender, NULL, NULL,
				       MCG_A_STATS_RX_DROP_RCVBUF);
			continue;
		}
		skb_put_data(msg, skb->data + off, n);
		mcg_deliver(g, msg, sender, NULL);
	}
}

/*
 * An authentic datagram: counted, and its plaintext -- one message, or
 * each of a bundle's -- delivered to every reader.  @key is its epoch's key
 * as found under the caller's RCU section, if any.
 */
static void mcg_rx_accept(struct mcg_group *g, struct mcg_key *key, u64 key_id,
			  struct sk_buff *skb, const struct mcg_wire_info *info)
{
	unsigned int len = info->payload_len;
	u32 sender = info->sender;	/* @info may live in @skb->cb */
	bool bundle = info->type == MCG_WIRE_BUNDLE;

	if (key && key->id == key_id)
		atomic64_inc(&key->rx_packets);
	mcg_stats_add(g->stats, MCG_A_STATS_RX_PACKETS, 1);
	mcg_stats_add(g->stats, MCG_A_STATS_RX_BYTES, len);
	__skb_pull(skb, sizeof(struct mcg_wire_hdr));
	__skb_trim(skb, len);
	/* A train sends a message alone as a bundle of one: no copy for it. */
	if (bundle && sizeof(struct mcg_wire_rec) +
		      get_unaligned_be16(skb->data) == len) {
		__skb_pull(skb, sizeof(struct mcg_wire_rec));
		bundle = false;
	}
	if (bundle) {
		mcg_rx_unbundle(g, skb, sender);
		consume_skb(skb);
	} else {
		mcg_deliver(g, skb, sender, NULL);
	}
}

/*
 * @skb as @rk opened it (@ret): if authentic, and its epoch was not
 * deleted meanwhile, record it in the window and deliver it.  Its run was
 * the current or the previous one when it was taken; it may be older now
 * if the AEAD completed late, and the run's window still refuses replays.
 * Bottom halves off, under RCU, in which @key (the epoch's, or NULL) was
 * found.
 */
static void mcg_rx_opened(struct mcg_group *g, struct mcg_peer *p,
			  struct mcg_rx_key *rk, struct mcg_key *key,
			  struct sk_buff *skb, const struct mcg_wire_info *info,
			  int ret)
{
	enum mcg_replay_verdict v;

	if (ret) {
		mcg_rx_drop(g, p, skb, info, ret == -EBADMSG ? MCG_A_STATS_RX_DROP_AUTH :
				       MCG_A_STATS_RX_DROP_NOMEM);
		return;
	}
	if (mcg_rx_malformed(skb, info)) {
		mcg_rx_drop(g, p, skb, info, MCG_A_STATS_RX_DROP_HEADER);
		return;
	}

	/* Authentic: only now may it move the window. */
	spin_lock(&p->lock);
	if (rk->closed) {
		spin_unlock(&p->lock);
		mcg_rx_drop(g, p, skb, info, MCG_A_STATS_RX_DROP_OLD_RUN);
		return;
	}
	v = mcg_replay_update(&rk->replay, info->seq);
	if (v == MCG_REPLAY_NEW) {
		p->stats[MCG_A_STATS_RX_PACKETS]++;
		p->stats[MCG_A_STATS_RX_BYTES] += info->payload_len;
		p->last_rx = jiffies;
	}
	spin_unlock(&p->lock);
	if (v != MCG_REPLAY_NEW) {
		mcg_rx_drop(g, p, skb, info, mcg_replay_drop(v));
		return;
	}
	mcg_rx_accept(g, key, rk->key_id, skb, info);
}

/*
 * What an asynchronous open needs when it completes.  It holds @rk and
 * counts in @g's rx_inflight, which the group's release waits for: @g and
 * @p (freed with it) stay too.
 */
struct mcg_rx_async {
	struct mcg_group *g;
	struct mcg_peer *p;
	struct mcg_rx_key *rk;
	struct mcg_wire_info info;
};

static void mcg_rx_hold(struct mcg_group *g, struct mcg_rx_key *rk)
{
	atomic_inc(&g->rx_inflight);
	mcg_rx_key_hold(rk);
}

static void mcg_rx_unhold(struct mcg_group *g, struct mcg_rx_key *rk)
{
	mcg_rx_key_put(rk);
	/* Last: the group may be freed once this is seen. */
	if (atomic_dec_and_test(&g->rx_inflight))
		wake_up_var(&g->rx_inflight);
}

/* Bottom halves off. */
static void mcg_rx_open_done(struct sk_buff *skb, void *priv, int err)
{
	struct mcg_rx_async *a = priv;
	struct mcg_group *g = a->g;

	rcu_read_lock();
	mcg_rx_opened(g, a->p, a->rk, mcg_group_key_rcu(g, a->info.epoch),
		      skb, &a->info, err);
	rcu_read_unlock();
	mcg_rx_unhold(g, a->rk);
}

/*
 * Open @skb with @rk, @p's current or previous run, then record it in the
 * window and deliver it, now or when the AEAD completes.  Softirq, or the
 * worker with bottom halves off; under RCU, in which @key (the epoch's, or
 * NULL) was found.
 */
static void mcg_rx_open(struct mcg_group *g, struct mcg_peer *p,
			struct mcg_rx_key *rk, struct mcg_key *key,
			struct sk_buff *skb, const struct mcg_wire_info *info)
{
	struct mcg_rx_async a = { .g = g, .p = p, .rk = rk, .info = *info };
	enum mcg_replay_verdict v;
	int ret;

	/* The hopeless go before any cryptography. */
	spin_lock(&p->lock);
	v = mcg_replay_check(&rk->replay, info->seq);
	spin_unlock(&p->lock);
	if (v != MCG_REPLAY_NEW) {
		mcg_rx_drop(g, p, skb, info, mcg_replay_drop(v));
		return;
	}
	if (skb_ensure_writable(skb, skb->len)) {
		mcg_rx_drop(g, p, skb, info, MCG_A_STATS_RX_DROP_NOMEM);
		return;
	}
	BUILD_BUG_ON(sizeof(a) > MCG_AEAD_PRIV_MAX);
	/* Held before the call: the completion may run before it returns. */
	mcg_rx_hold(g, rk);
	ret = mcg_aead_open(rk->tfm, skb, info->payload_len, info->seq,
			    mcg_rx_open_done, &a, sizeof(a));
	if (ret == -EINPROGRESS)
		return;
	mcg_rx_opened(g, p, rk, key, skb, info, ret);
	mcg_rx_unhold(g, rk);
}

/* Under RCU: the previous run's opener, if @info is of it. */
static struct mcg_rx_key *mcg_rx_prev(struct mcg_peer *p,
				      const struct mcg_wire_info *info)
{
	struct mcg_rx_key *rk = rcu_dereference(p->prev);

	return rk && rk->run == info->run && rk->epoch == info->epoch ? rk : NULL;
}

/* Under RCU: @p's current run's opener, if @info is of it. */
static struct mcg_rx_key *mcg_rx_cur(struct mcg_peer *p,
				     const struct mcg_wire_info *info)
{
	struct mcg_rx_key *rk = rcu_dereference(p->key);

	return rk && rk->run == info->run && rk->epoch == info->epoch ? rk : NULL;
}

/* For the worker: queue behind what the sender already has queued. */
static void mcg_rx_defer(struct mcg_group *g, struct mcg_peer *p,
			 struct sk_buff *skb, const struct mcg_wire_info *info)
{
	struct mcg_rx_cb *cb = mcg_rx_cb(skb);

	cb->info = *info;
	spin_lock(&g->backlog.lock);
	if (skb_queue_len(&g->backlog) >= MCG_RX_BACKLOG ||
	    g->backlog_bytes + skb->truesize > MCG_RX_BACKLOG_BYTES) {
		spin_unlock(&g->backlog.lock);
		mcg_rx_drop(g, p, skb, info, MCG_A_STATS_RX_DROP_BACKLOG);
		return;
	}
	/*
	 * Only what its current opener may open keeps a sender's order: a
	 * datagram of a newer run, or of another epoch, forged or not, does
	 * not hold back the current run.  The worker may have moved the
	 * peer on since we looked.
	 */
	p = mcg_peer_find(g, info->sender);
	cb->counted = p && info->run == p->run && mcg_rx_cur(p, info);
	if (cb->counted)
		p->backlogged++;
	__skb_queue_tail(&g->backlog, skb);
	g->backlog_bytes += skb->truesize;
	spin_unlock(&g->backlog.lock);
	queue_work(mcg_wq, &g->rx_work);
}

/*
 * A datagram for @g that passed udp.c's checks, of an epoch whose key is
 * @key.  Softirq, under RCU; consumes @skb.
 */
void mcg_rx(struct mcg_group *g, struct mcg_key *key, struct sk_buff *skb,
	    const struct mcg_wire_info *info)
{
	struct mcg_rx_key *rk;
	struct mcg_peer *p;
	u64 run;

	p = mcg_peer_find(g, info->sender);
	if (!p)
		goto defer;
	run = READ_ONCE(p->run);
	if (info->run < run) {
		rk = mcg_rx_prev(p, info);
		if (rk)
			mcg_rx_open(g, p, rk, key, skb, info);
		else
			mcg_rx_drop(g, p, skb, info, MCG_A_STATS_RX_DROP_OLD_RUN);
		return;
	}
	if (info->run != run)
		goto defer;
	/*
	 * The opener is read apart from the run: test the run it opens,
	 * not the one read before it, which a run change may have moved.
	 */
	rk = rcu_dereference(p->key);
	if (!rk) {
		/* Its epoch was deleted: the run stays closed (as in the worker). */
		mcg_rx_drop(g, p, skb, info, MCG_A_STATS_RX_DROP_OLD_RUN);
		return;
	}
	if (rk->run != run)
		goto defer;	/* a run change under way: the worker sorts it */
	if (rk->epoch != info->epoch) {
		/*
		 * A run is of one epoch: under another it is forged.  Dropped
		 * here, as the worker would, and not queued: else a trickle
		 * of them would hold all of the sender's genuine traffic in
		 * the backlog, where forgeries of new senders can flood it.
		 */
		mcg_rx_drop(g, p, skb, info, MCG_A_STATS_RX_DROP_AUTH);
		return;
	}
	if (READ_ONCE(p->backlogged))
		goto defer;
	mcg_rx_open(g, p, rk, key, skb, info);
	return;
defer:
	mcg_rx_defer(g, p, skb, info);
}

/*
 * Under g->rx_mutex: the first authentic datagram of a run, @rk opening
 * it, makes it @p's current run (of a new peer if @p is NULL); the current
 * one becomes the previous.  That datagram and those of its run still in
 * the backlog are counted, so that newer ones queue behind them.
 */
static struct mcg_peer *mcg_rx_install(struct mcg_group *g, struct mcg_peer *p,
				       struct mcg_rx_key *rk,
				       const struct mcg_wire_info *info)
{
	struct mcg_peer *new = NULL;
	struct mcg_rx_key *old;
	struct mcg_rx_cb *cb;
	struct sk_buff *skb;

	if (!p) {
		new = mcg_peer_alloc(info->sender);
		if (!new)
			return NULL;
		p = new;
	}
	spin_lock_bh(&g->backlog.lock);
	if (new && mcg_peer_insert(g, new)) {
		spin_unlock_bh(&g->backlog.lock);
		kfree(new);
		return NULL;
	}
	spin_lock(&p->lock);
	trace_mcg_rx_run(g->mn->net->ns.inum, g->id, info->sender, info->epoch,
			 info->run, p->run);
	old = rcu_dereference_protected(p->prev, lockdep_is_held(&p->lock));
	rcu_assign_pointer(p->prev,
			   rcu_dereference_protected(p->key, lockdep_is_held(&p->lock)));
	WRITE_ONCE(p->run, info->run);
	rcu_assign_pointer(p->key, rk);
	p->stats[MCG_A_STATS_RX_PACKETS]++;
	p->stats[MCG_A_STATS_RX_BYTES] += info->payload_len;
	p->last_rx = jiffies;
	spin_unlock(&p->lock);
	/* The datagram in hand, until it is delivered, and those queued. */
	p->backlogged++;
	skb_queue_walk(&g->backlog, skb) {
		cb = mcg_rx_cb(skb);
		if (!cb->counted && cb->info.sender == info->sender &&
		    cb->info.run == info->run) {
			cb->counted = true;
			p->backlogged++;
		}
	}
	spin_unlock_bh(&g->backlog.lock);
	mcg_rx_key_free(old);
	return p;
}

/*
 * One backlogged datagram, under g->rx_mutex: its sender's current run
 * after all, or a new run (maybe of a new sender), which is authenticated
 * with a freshly derived key before it replaces anything.  True if it
 * started a run, and so counts in its peer's backlogged.
 */
static bool mcg_rx_slow(struct mcg_group *g, struct sk_buff *skb)
{
	const struct mcg_wire_info *info = &mcg_rx_cb(skb)->info;
	struct mcg_aead_id id = {
		.group = g->id, .epoch = info->epoch,
		.sender = info->sender, .run = info->run,
	};
	struct mcg_rx_key *rk;
	u8 prk[MCG_KDF_PRK_LEN];
	struct mcg_key *key;
	struct mcg_peer *p;
	u64 key_id;
	u32 alg;
	int ret;

	local_bh_disable();
	rcu_read_lock();
	p = mcg_peer_find(g, info->sender);
	key = mcg_group_key_rcu(g, info->epoch);
	if (!key) {
		mcg_rx_drop(g, p, skb, info, MCG_A_STATS_RX_DROP_NO_KEY);
		goto out_unlock;
	}
	if (p && info->run < READ_ONCE(p->run)) {
		rk = mcg_rx_prev(p, info);
		if (rk)
			mcg_rx_open(g, p, rk, key, skb, info);
		else
			mcg_rx_drop(g, p, skb, info, MCG_A_STATS_RX_DROP_OLD_RUN);
		goto out_unlock;
	}
	rk = p ? rcu_dereference(p->key) : NULL;
	if (rk && rk->run == info->run && rk->epoch == info->epoch) {
		mcg_rx_open(g, p, rk, key, skb, info);
		goto out_unlock;
	}
	/*
	 * The current run under another epoch is no run of this sender's;
	 * one whose epoch was deleted stays closed: a new key for it would
	 * come with an empty window, open to replays.
	 */
	if (p && info->run == READ_ONCE(p->run)) {
		mcg_rx_drop(g, p, skb, info, rk ? MCG_A_STATS_RX_DROP_AUTH :
				       MCG_A_STATS_RX_DROP_OLD_RUN);
		goto out_unlock;
	}
	key_id = key->id;
	alg = key->alg;
	memcpy(prk, key->prk, sizeof(prk));
	rcu_read_unlock();
	local_bh_enable();

	rk = mcg_rx_key_new(prk, alg, key_id, &id, READ_ONCE(g->conf.window));
	memzero_explicit(prk, sizeof(prk));
	if (IS_ERR(rk)) {
		mcg_rx_drop(g, p, skb, info, MCG_A_STATS_RX_DROP_NOMEM);
		return false;
	}
	ret = skb_ensure_writable(skb, skb->len) ?:
	      mcg_aead_open_wait(rk->tfm, skb, info->payload_len, info->seq);
	/*
	 * Until installed the opener is this worker's alone: a forgery's is
	 * freed now, not after a grace period, or a flood of them would
	 * pile up AEADs and windows waiting for one.
	 */
	if (ret) {
		mcg_rx_key_free_now(rk);
		mcg_rx_drop(g, p, skb, info, ret == -EBADMSG ? MCG_A_STATS_RX_DROP_AUTH :
				       MCG_A_STATS_RX_DROP_NOMEM);
		return false;
	}
	if (mcg_rx_malformed(skb, info)) {
		mcg_rx_key_free_now(rk);
		mcg_rx_drop(g, p, skb, info, MCG_A_STATS_RX_DROP_HEADER);
		return false;
	}

	/* Authentic: the sender and its run are real. */
	mcg_replay_update(&rk->replay, info->seq);
	if (!mcg_rx_install(g, p, rk, info)) {
		mcg_rx_key_free_now(rk);
		mcg_rx_drop(g, NULL, skb, info, MCG_A_STATS_RX_DROP_NOMEM);
		return false;
	}

	local_bh_disable();
	rcu_read_lock();
	mcg_rx_accept(g, mcg_group_key_rcu(g, info->epoch), key_id, skb, info);
	rcu_read_unlock();
	local_bh_enable();
	return true;
out_unlock:
	rcu_read_unlock();
	local_bh_enable();
	return false;
}

static void mcg_rx_work(struct work_struct *work)
{
	struct mcg_group *g = container_of(work, struct mcg_group, rx_work);
	struct mcg_peer *p;
	struct sk_buff *skb;
	bool counted;
	u32 sender;

	for (;;) {
		spin_lock_bh(&g->backlog.lock);
		skb = __skb_dequeue(&g->backlog);
		if (skb)
			g->backlog_bytes -= skb->truesize;
		spin_unlock_bh(&g->backlog.lock);
		if (!skb)
			break;
		counted = mcg_rx_cb(skb)->counted;
		sender = mcg_rx_cb(skb)->info.sender;
		mutex_lock(&g->rx_mutex);
		if (mcg_rx_slow(g, skb))
			counted = true;
		mutex_unlock(&g->rx_mutex);

		/*
		 * Done with it: the sender's next may take the fast path.
		 * An open that went asynchronous (cryptd, pcrypt) is not
		 * done yet, so a later datagram of the sender may overtake
		 * it: order is kept for synchronous AEADs only, as in
		 * Documentation/design.rst.  Holding the sender back until
		 * the completion would not be worth its cost: such opens are
		 * rare here, the first datagrams of a run.
		 */
		if (counted) {
			spin_lock_bh(&g->backlog.lock);
			rcu_read_lock();
			p = mcg_peer_find(g, sender);
			if (p)
				p->backlogged--;
			rcu_read_unlock();
			spin_unlock_bh(&g->backlog.lock);
		}
		cond_resched();
	}
}

int mcg_rx_init(struct mcg_group *g)
{
	skb_queue_head_init(&g->backlog);
	atomic_set(&g->rx_inflight, 0);
	INIT_WORK(&g->rx_work, mcg_rx_work);
	mutex_init(&g->rx_mutex);
	return mcg_peers_init(g);
}

/*
 * The group's socket is unpublished and a grace period has passed:
 * nothing adds to the backlog any more.  Process context.
 */
void mcg_rx_release(struct mcg_group *g)
{
	cancel_work_sync(&g->rx_work);
	/* Opens the AEAD completes later use the group and its peers. */
	wait_var_event(&g->rx_inflight, !atomic_read(&g->rx_inflight));
	skb_queue_purge(&g->backlog);
	g->backlog_bytes = 0;
	mcg_peers_destroy(g);
}

/* An epoch is deleted (under mn->lock): what derives from it goes too. */
void mcg_rx_forget_key(struct mcg_group *g, u64 key_id)
{
	mutex_lock(&g->rx_mutex);
	mcg_peers_forget_key(g, key_id);
	mutex_unlock(&g->rx_mutex);
}
