// SPDX-License-Identifier: GPL-2.0
/*
 * The table of groups of a namespace, and each group's key epochs.
 *
 * Every function here runs under mn->lock (configuration); the packet path
 * reads mn->groups, a group's keys and its tx_key under RCU only, so
 * removal unpublishes first and frees after a grace period.
 */

#include <linux/jhash.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dest.h"
#include "group.h"
#include "netns.h"
#include "rx.h"
#include "socket.h"
#include "trace.h"
#include "tx.h"
#include "udp.h"

static u32 mcg_name_hash(const char *name)
{
	return jhash(name, strlen(name), 0);
}

struct mcg_group *mcg_group_by_name(struct mcg_net *mn, const char *name)
{
	struct mcg_group *g;

	lockdep_assert_held(&mn->lock);
	hash_for_each_possible(mn->names, g, name_node, mcg_name_hash(name))
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

struct mcg_group *mcg_group_by_id(struct mcg_net *mn, u32 id)
{
	lockdep_assert_held(&mn->lock);
	return xa_load(&mn->groups, id);
}

/* Takes @dests (its unicast peers, or NULL), even when it fails. */
struct mcg_group *mcg_group_create(struct mcg_net *mn, const char *name,
				   u32 id, const struct mcg_group_conf *conf,
				   struct mcg_dests *dests,
				   struct netlink_ext_ack *extack)
{
	struct mcg_group *g;
	int ret;

	lockdep_assert_held(&mn->lock);
	if (mcg_group_by_name(mn, name)) {
		NL_SET_ERR_MSG(extack, "a group with this name exists");
		mcg_dests_free(dests);
		return ERR_PTR(-EEXIST);
	}

	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g) {
		mcg_dests_free(dests);
		return ERR_PTR(-ENOMEM);
	}
	RCU_INIT_POINTER(g->dests, dests);
	g->stats = mcg_stats_alloc(GFP_KERNEL);
	if (!g->stats) {
		ret = -ENOMEM;
		goto err_free;
	}
	g->mn = mn;
	strscpy(g->name, name, sizeof(g->name));
	g->conf = *conf;
	g->tx_auto = true;
	refcount_set(&g->refcnt, 1);
	spin_lock_init(&g->sock_lock);
	INIT_HLIST_HEAD(&g->sockets);
	mutex_init(&g->tx_lock);
	ret = mcg_rx_init(g);
	if (ret)
		goto err_stats;

	/* Publish: from here on the packet path may find it. */
	if (id) {
		ret = xa_insert(&mn->groups, id, g, GFP_KERNEL);
		if (ret == -EBUSY) {
			NL_SET_ERR_MSG(extack, "a group with this id exists");
			ret = -EEXIST;
		}
	} else {
		ret = xa_alloc(&mn->groups, &id, g, xa_limit_32b, GFP_KERNEL);
		if (ret == -EBUSY) {
			NL_SET_ERR_MSG(extack, "no free group id");
			ret = -ENOSPC;
		}
	}
	if (ret)
		goto err_rx;
	g->id = id;

	/* Then its socket, which starts receiving with the id in place. */
	ret = mcg_udp_open(g, extack);
	if (ret) {
		xa_erase(&mn->groups, id);
		mcg_rx_release(g);	/* never received anything */
		/* The packet path may have found it: after a grace period. */
		mcg_dests_free_rcu(dests);
		mcg_group_put(g);
		return ERR_PTR(ret);
	}
	hash_add(mn->names, &g->name_node, mcg_name_hash(g->name));
	mn->gen++;
	return g;

err_rx:
	mcg_rx_release(g);
err_stats:
	free_percpu(g->stats);
err_free:
	kfree(g);
	mcg_dests_free(dests);
	return ERR_PTR(ret);
}

static void mcg_group_free_rcu(struct rcu_head *rcu)
{
	struct mcg_group *g = container_of(rcu, struct mcg_group, rcu);

	free_percpu(g->stats);
	kfree(g);
}

void mcg_group_put(struct mcg_group *g)
{
	if (refcount_dec_and_test(&g->refcnt))
		call_rcu(&g->rcu, mcg_group_free_rcu);
}

/*
 * Unpublish @g, zero its keys after a grace period, and tell its sockets:
 * they see ENODEV once and then end of file, as after shutdown().  The
 * memory goes when the last socket lets go.
 */
void mcg_group_destroy(struct mcg_group *g)
{
	struct mcg_net *mn = g->mn;
	struct hlist_node *tmp;
	struct mcg_sock *ms;
	int i;

	lockdep_assert_held(&mn->lock);
	xa_erase(&mn->groups, g->id);
	hash_del(&g->name_node);
	mn->gen++;
	mcg_udp_close(g);
	RCU_INIT_POINTER(g->tx_key, NULL);
	for (i = 0; i < MCG_MAX_EPOCHS; i++) {
		mcg_key_free_rcu(rcu_dereference_protected(g->keys[i], true));
		RCU_INIT_POINTER(g->keys[i], NULL);
	}
	spin_lock_bh(&g->sock_lock);
	WRITE_ONCE(g->dead, true);
	hlist_for_each_entry_safe(ms, tmp, &g->sockets, node) {
		hlist_del_init_rcu(&ms->node);
		mcg_sock_group_gone(ms);
	}
	spin_unlock_bh(&g->sock_lock);
	mcg_tx_release(g);
	mcg_group_put(g);
}

void mcg_group_flush(struct mcg_net *mn)
{
	struct mcg_group *g;
	unsigned long id;

	mutex_lock(&mn->lock);
	xa_for_each(&mn->groups, id, g)
		mcg_group_destroy(g);
	mutex_unlock(&mn->lock);
}

static struct mcg_key *mcg_key_slot(struct mcg_group *g, int i)
{
	return rcu_dereference_protected(g->keys[i],
					 lockdep_is_held(&g->mn->lock));
}

struct mcg_key *mcg_group_key(struct mcg_group *g, u32 epoch)
{
	struct mcg_key *key;
	int i;

	for (i = 0; i < MCG_MAX_EPOCHS; i++) {
		key = mcg_key_slot(g, i);
		if (key && key->epoch == epoch)
			return key;
	}
	return NULL;
}

/* For the packet path, under RCU. */
struct mcg_key *mcg_group_key_rcu(struct mcg_group *g, u32 epoch)
{
	struct mcg_key *key;
	int i;

	for (i = 0; i < MCG_MAX_EPOCHS; i++) {
		key = rcu_dereference(g->keys[i]);
		if (key && key->epoch == epoch)
			return key;
	}
	return NULL;
}

static void mcg_group_tx_key_set(struct mcg_group *g, struct mcg_key *key)
{
	struct mcg_key *old = rcu_dereference_protected(g->tx_key,
							lockdep_is_held(&g->mn->lock));

	if (old != key)
		trace_mcg_tx_epoch(g->mn->net->ns.inum, g->id,
				   old ? old->epoch : 0, key ? key->epoch : 0);
	rcu_assign_pointer(g->tx_key, key);
}

/* In automatic mode the group sends with the newest epoch not rx_only. */
static void mcg_group_pick_tx(struct mcg_group *g)
{
	struct mcg_key *key, *best = NULL;
	int i;

	for (i = 0; i < MCG_MAX_EPOCHS; i++) {
		key = mcg_key_slot(g, i);
		if (key && !key->rx_only && (!best || key->epoch > best->epoch))
			best = key;
	}
	mcg_group_tx_key_set(g, best);
}

int mcg_group_key_add(struct mcg_group *g, struct mcg_key *key,
		      struct netlink_ext_ack *extack)
{
	int i, free = -1;

	lockdep_assert_held(&g->mn->lock);
	if (mcg_group_key(g, key->epoch)) {
		NL_SET_ERR_MSG(extack, "the group has a key with this epoch");
		return -EEXIST;
	}
	for (i = 0; i < MCG_MAX_EPOCHS && free < 0; i++)
		if (!mcg_key_slot(g, i))
			free = i;
	if (free < 0) {
		NL_SET_ERR_MSG(extack,
			       "all key slots of the group are in use: delete an epoch first");
		return -ENOSPC;
	}
	rcu_assign_pointer(g->keys[free], key);
	if (g->tx_auto)
		mcg_group_pick_tx(g);
	return 0;
}

int mcg_group_key_del(struct mcg_group *g, u32 epoch,
		      struct netlink_ext_ack *extack)
{
	struct mcg_key *key;
	int i;

	lockdep_assert_held(&g->mn->lock);
	for (i = 0; i < MCG_MAX_EPOCHS; i++) {
		key = mcg_key_slot(g, i);
		if (key && key->epoch == epoch)
			break;
	}
	if (i == MCG_MAX_EPOCHS) {
		NL_SET_ERR_MSG(extack, "the group has no key with this epoch");
		return -ENOENT;
	}
	RCU_INIT_POINTER(g->keys[i], NULL);
	/*
	 * Losing the sending key falls back to the newest remaining one.
	 * Before the sending state is dropped: a sender waiting for
	 * tx_lock to start a run must find the new key there, not derive
	 * a run from the deleted one.
	 */
	if (rcu_access_pointer(g->tx_key) == key)
		g->tx_auto = true;
	if (g->tx_auto)
		mcg_group_pick_tx(g);
	mcg_rx_forget_key(g, key->id);
	mcg_tx_forget_key(g, key->id);
	mcg_key_free_rcu(key);
	return 0;
}

/* Send with @epoch from now on; 0 returns to following the newest. */
int mcg_group_set_tx(struct mcg_group *g, u32 epoch,
		     struct netlink_ext_ack *extack)
{
	struct mcg_key *key;

	lockdep_assert_held(&g->mn->lock);
	if (!epoch) {
		g->tx_auto = true;
		mcg_group_pick_tx(g);
		return 0;
	}
	key = mcg_group_key(g, epoch);
	if (!key) {
		NL_SET_ERR_MSG(extack, "the group has no key with this epoch");
		return -ENOENT;
	}
	WRITE_ONCE(key->rx_only, false);
	g->tx_auto = false;
	mcg_group_tx_key_set(g, key);
	return 0;
}
