/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_GROUP_H
#define _MCG_GROUP_H

#include <linux/in6.h>
#include <linux/mutex.h>
#include <linux/mcg.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/workqueue.h>
#include <net/dst_cache.h>

#include "key.h"
#include "stats.h"

struct mcg_dests;
struct mcg_net;
struct mcg_port;
struct mcg_tx;

/**
 * struct mcg_group_conf - a group's settings, as GROUP_NEW gives them
 * @addr: IPv6 multicast address; :: for a group of unicast peers only
 * @port: UDP port
 * @ifindex: the interface it is sent on and joined on; 0 without @addr
 * @nsources: entries of @sources; 0 for an any-source group
 * @sources: the senders' unicast addresses for a source-specific join
 * @hoplimit: of sent datagrams
 * @window: replay window, in messages
 * @sender: this host's sender id
 * @uid: owner, for bind() permission checks
 * @gid: group, likewise
 * @mode: permission bits: read = receive, write = send
 */
struct mcg_group_conf {
	struct in6_addr addr;
	u16 port;
	int ifindex;
	unsigned int nsources;
	struct in6_addr sources[MCG_MAX_SOURCES];
	u8 hoplimit;
	u32 window;
	u32 sender;
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
};

/**
 * struct mcg_group - a group in one network namespace
 * @mn: the namespace's mcg state
 * @name_node: in mn->names, under mn->lock
 * @rcu: freed after a grace period; the packet path finds groups by id
 *	under RCU (mn->groups)
 * @name: unique in the namespace
 * @id: unique in the namespace; carried on the wire
 * @conf: settings; those GROUP_SET changes are written with WRITE_ONCE()
 * @tx_auto: the sending epoch follows the newest key not marked rx_only
 * @tx_key: the key the group sends with, or NULL
 * @keys: installed epochs, at most MCG_MAX_EPOCHS, in no order
 * @stats: counters
 * @refcnt: one for the table, one per bound socket; the last put frees
 *	the group after a grace period
 * @sock_lock: protects @sockets and @dead
 * @sockets: bound sockets (struct mcg_sock), walked under RCU to deliver
 * @dead: deleted: bound sockets got ENODEV, nothing more is sent
 * @port: the UDP port's socket, which the group shares with the
 *	namespace's other groups of that port (udp.c)
 * @port_node: in @port's list of groups with a multicast address
 * @sock: @port's socket while the group is in the table; senders use it
 *	under RCU
 * @dst_cache: the route to @conf.addr and the source address to use
 * @dests: unicast peers, or NULL; read under RCU
 * @release: frees what the packet path may still use, after a grace
 *	period from deletion
 * @tx: sending state for the current run (tx.c), under RCU
 * @tx_lock: serialises replacing @tx; may sleep (allocates the AEAD)
 * @peers: the senders heard from (peer.c), by id, read under RCU
 * @peer_list: the same, in the order they were heard, under @rx_mutex
 * @rx_mutex: serialises adding peers and changing their keys outside
 *	the packet path (the receive worker, epoch deletion, statistics)
 * @backlog: datagrams for the receive worker (rx.c); its lock also
 *	guards each peer's backlogged count
 * @backlog_bytes: the truesize of what @backlog holds, under its lock
 * @rx_work: the receive worker
 *
 * Unless said otherwise, everything here changes only under mn->lock.
 */
struct mcg_group {
	struct mcg_net *mn;
	struct hlist_node name_node;
	struct rcu_head rcu;
	char name[MCG_GROUP_NAME_MAX];
	u32 id;
	struct mcg_group_conf conf;
	bool tx_auto;
	struct mcg_key __rcu *tx_key;
	struct mcg_key __rcu *keys[MCG_MAX_EPOCHS];
	struct mcg_pcpu_stats __percpu *stats;
	refcount_t refcnt;
	spinlock_t sock_lock;	/* @sockets, @dead */
	struct hlist_head sockets;
	bool dead;
	struct mcg_port *port;
	struct hlist_node port_node;
	struct socket __rcu *sock;
	struct dst_cache dst_cache;
	struct mcg_dests __rcu *dests;
	struct rcu_work release;
	struct mcg_tx __rcu *tx;
	struct mutex tx_lock;	/* @tx */
	struct rhashtable peers;
	struct list_head peer_list;
	struct mutex rx_mutex;	/* @peer_list, peers' keys off the fast path */
	struct sk_buff_head backlog;
	unsigned int backlog_bytes;
	struct work_struct rx_work;
	atomic_t rx_inflight;	/* opens the AEAD is completing (rx.c) */
};

struct mcg_group *mcg_group_create(struct mcg_net *mn, const char *name,
				   u32 id, const struct mcg_group_conf *conf,
				   struct mcg_dests *dests,
				   struct netlink_ext_ack *extack);
void mcg_group_destroy(struct mcg_group *g);
void mcg_group_put(struct mcg_group *g);
struct mcg_group *mcg_group_by_name(struct mcg_net *mn, const char *name);
struct mcg_group *mcg_group_by_id(struct mcg_net *mn, u32 id);
void mcg_group_flush(struct mcg_net *mn);

struct mcg_key *mcg_group_key(struct mcg_group *g, u32 epoch);
struct mcg_key *mcg_group_key_rcu(struct mcg_group *g, u32 epoch);
int mcg_group_key_add(struct mcg_group *g, struct mcg_key *key,
		      struct netlink_ext_ack *extack);
int mcg_group_key_del(struct mcg_group *g, u32 epoch,
		      struct netlink_ext_ack *extack);
int mcg_group_set_tx(struct mcg_group *g, u32 epoch,
		     struct netlink_ext_ack *extack);

#endif /* _MCG_GROUP_H */
