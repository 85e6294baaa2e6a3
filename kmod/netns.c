// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state.  Everything mcg knows (groups, keys,
 * sockets, counters) hangs off struct mcg_net, so a namespace sees only its
 * own and deleting a namespace tears down exactly what it held.
 */

#include <linux/bug.h>
#include <net/netns/generic.h>

#include "group.h"
#include "netns.h"
#include "udp.h"

static unsigned int mcg_net_id __read_mostly;

struct mcg_net *mcg_net(const struct net *net)
{
	return net_generic(net, mcg_net_id);
}

static int __net_init mcg_net_init(struct net *net)
{
	struct mcg_net *mn = mcg_net(net);

	mn->net = net;
	mutex_init(&mn->lock);
	xa_init_flags(&mn->groups, XA_FLAGS_ALLOC1);
	hash_init(mn->names);
	INIT_HLIST_HEAD(&mn->ports);
	mn->gen = 1;
	atomic_set(&mn->sockets, 0);
	mn->stats = mcg_stats_alloc(GFP_KERNEL);
	if (!mn->stats)
		return -ENOMEM;
	return 0;
}

static void __net_exit mcg_net_exit(struct net *net)
{
	struct mcg_net *mn = mcg_net(net);

	/* Every socket holds a reference on its namespace. */
	WARN_ON_ONCE(atomic_read(&mn->sockets));
	mcg_group_flush(mn);
	xa_destroy(&mn->groups);
}

/*
 * Group UDP sockets are released by a work item after a grace period, and
 * a kernel socket holds no reference on its namespace: they must all be
 * gone before the namespaces are.  Once per batch of dying namespaces.
 */
static void __net_exit mcg_net_exit_batch(struct list_head *net_list)
{
	struct net *net;

	mcg_udp_flush();
	list_for_each_entry(net, net_list, exit_list)
		free_percpu(mcg_net(net)->stats);
}

static struct pernet_operations mcg_net_ops = {
	.init = mcg_net_init,
	.exit = mcg_net_exit,
	.exit_batch = mcg_net_exit_batch,
	.id = &mcg_net_id,
	.size = sizeof(struct mcg_net),
};

int mcg_netns_init(void)
{
	return register_pernet_subsys(&mcg_net_ops);
}

void mcg_netns_uninit(void)
{
	unregister_pernet_subsys(&mcg_net_ops);
	/* Groups and keys are freed by RCU callbacks, which live in this module. */
	rcu_barrier();
}
