// SPDX-License-Identifier: GPL-2.0
/*
 * Each group's kernel UDP socket: bound to the group's address and port on
 * its interface, a member of the multicast group (MLDv2, per source for a
 * source-specific group), the socket mcg sends from and receives on.
 *
 * The socket lives as long as the group is in the table.  Deletion
 * unpublishes it (g->sock) and releases it after a grace period from a
 * work item, because senders use it under RCU and releasing may sleep.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in6.h>
#include <linux/rtnetlink.h>
#include <linux/workqueue.h>
#include <net/addrconf.h>
#include <net/compat.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/udp_tunnel.h>

#include "group.h"
#include "netns.h"
#include "rx.h"
#include "stats.h"
#include "udp.h"
#include "wire.h"

struct workqueue_struct *mcg_wq;
/*
 * Group sockets are released on a queue of their own: waiting for the
 * releases (GROUP_DEL, namespace exit) must not wait for a receive worker
 * on mcg_wq, which runs for as long as its group's backlog refills: as
 * long as anyone on the link keeps it full.
 */
static struct workqueue_struct *mcg_release_wq;

static int mcg_udp_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct mcg_group *g = rcu_dereference_sk_user_data(sk);
	struct mcg_wire_info info;
	enum mcg_stats_attr drop;
	struct mcg_key *key;

	if (!g)
		goto free;
	if (!pskb_may_pull(skb, sizeof(struct udphdr) + sizeof(struct mcg_wire_hdr))) {
		drop = MCG_A_STATS_RX_DROP_SHORT;
		goto drop;
	}
	__skb_pull(skb, sizeof(struct udphdr));
	switch (mcg_wire_parse(skb->data, skb->len, &info)) {
	case MCG_WIRE_SHORT:
		drop = MCG_A_STATS_RX_DROP_SHORT;
		goto drop;
	case MCG_WIRE_BAD_HEADER:
		drop = MCG_A_STATS_RX_DROP_HEADER;
		goto drop;
	case MCG_WIRE_OK:
		break;
	}
	if (info.group != g->id) {
		/* Not a group this socket serves: the namespace counts it. */
		mcg_stats_add(g->mn->stats, MCG_A_STATS_RX_DROP_NO_GROUP, 1);
		goto free;
	}
	/*
	 * The kernel never loops its own datagrams back (mc_loop is off):
	 * one with this host's sender id was sent back by someone else, or
	 * another host was given the same id.
	 */
	if (info.sender == READ_ONCE(g->conf.sender)) {
		drop = MCG_A_STATS_RX_DROP_OWN;
		goto drop;
	}
	key = mcg_group_key_rcu(g, info.epoch);
	if (!key) {
		drop = MCG_A_STATS_RX_DROP_NO_KEY;
		goto drop;
	}
	/*
	 * IPv6 input lent the skb a route without a reference, and its
	 * device holds none either: both are valid only in this RCU
	 * section, and the datagram may wait in the backlog or in an
	 * asynchronous AEAD well past it.  A message belongs to no device
	 * (as those sent from this host are): let go of both.
	 */
	skb_dst_drop(skb);
	skb->dev = NULL;
	mcg_rx(g, key, skb, &info);
	return 0;
drop:
	mcg_stats_add(g->stats, drop, 1);
free:
	kfree_skb(skb);
	return 0;
}

static int mcg_udp_join(struct mcg_group *g, struct sock *sk)
{
	const struct mcg_group_conf *c = &g->conf;
	struct sockaddr_in6 grp = {
		.sin6_family = AF_INET6,
		.sin6_addr = c->addr,
	};
	unsigned int i;
	int ret;

	if (!c->nsources) {
		/*
		 * As IPV6_JOIN_GROUP takes them: the RTNL, then the socket's
		 * lock, which guards its list of memberships.
		 */
		rtnl_lock();
		lock_sock(sk);
		ret = ipv6_sock_mc_join(sk, c->ifindex, &c->addr);
		release_sock(sk);
		rtnl_unlock();
		return ret;
	}

	/* Source-specific: one INCLUDE entry per source.  The kernel has no
	 * exported call for it but the socket option.
	 */
	for (i = 0; i < c->nsources; i++) {
		struct sockaddr_in6 src = {
			.sin6_family = AF_INET6,
			.sin6_addr = c->sources[i],
		};
		struct group_source_req req = { .gsr_interface = c->ifindex };
		void *opt = &req;
		int len = sizeof(req);
#ifdef CONFIG_COMPAT
		struct compat_group_source_req creq = {
			.gsr_interface = c->ifindex,
		};
#endif

		memcpy(&req.gsr_group, &grp, sizeof(grp));
		memcpy(&req.gsr_source, &src, sizeof(src));
#ifdef CONFIG_COMPAT
		/* The request may come from a 32-bit task: its layout, then. */
		if (in_compat_syscall()) {
			memcpy(&creq.gsr_group, &grp, sizeof(grp));
			memcpy(&creq.gsr_source, &src, sizeof(src));
			opt = &creq;
			len = sizeof(creq);
		}
#endif
		ret = ipv6_setsockopt(sk, SOL_IPV6, MCAST_JOIN_SOURCE_GROUP,
				      KERNEL_SOCKPTR(opt), len);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * IPv6 only; our own datagrams are not looped back (they were delivered
 * locally already), and only this group's address is received.  Through
 * setsockopt() because the flags' layout in ipv6_pinfo changed in 6.6.
 */
static int mcg_udp_sock_setup(struct socket *sock)
{
	int off = 0;
	int ret;

	ret = ip6_sock_set_v6only(sock->sk);
	if (ret)
		return ret;
	ret = sock->ops->setsockopt(sock, SOL_IPV6, IPV6_MULTICAST_LOOP,
				    KERNEL_SOCKPTR(&off), sizeof(off));
	if (ret)
		return ret;
	return sock->ops->setsockopt(sock, SOL_IPV6, IPV6_MULTICAST_ALL,
				     KERNEL_SOCKPTR(&off), sizeof(off));
}

/*
 * Called under mn->lock, before the group is published.  Takes the RTNL
 * (multicast joins): nothing may take mn->lock while holding the RTNL.
 */
int mcg_udp_open(struct mcg_group *g, struct netlink_ext_ack *extack)
{
	const struct mcg_group_conf *c = &g->conf;
	struct udp_tunnel_sock_cfg tcfg = {
		.sk_user_data = g,
		.encap_type = 1,
		.encap_rcv = mcg_udp_rcv,
	};
	struct sockaddr_in6 sa = {
		.sin6_family = AF_INET6,
		.sin6_addr = c->addr,
		.sin6_port = htons(c->port),
		.sin6_scope_id = c->ifindex,
	};
	struct socket *sock;
	struct sock *sk;
	int ret;

	ret = dst_cache_init(&g->dst_cache, GFP_KERNEL);
	if (ret)
		return ret;
	ret = sock_create_kern(g->mn->net, AF_INET6, SOCK_DGRAM, IPPROTO_UDP, &sock);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot create the group's UDP socket");
		goto err_cache;
	}
	sk = sock->sk;
	ret = sock_bindtoindex(sk, c->ifindex, true);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot bind the UDP socket to the interface");
		goto err;
	}
	ret = mcg_udp_sock_setup(sock);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot set up the group's UDP socket");
		goto err;
	}
	/* Binding to the multicast address lets groups share a port. */
	ret = kernel_bind(sock, (struct sockaddr *)&sa, sizeof(sa));
	if (ret) {
		if (ret == -EADDRINUSE)
			NL_SET_ERR_MSG(extack, "the group's address and UDP port are in use");
		else
			NL_SET_ERR_MSG(extack, "cannot bind the group's UDP socket");
		goto err;
	}
	ret = mcg_udp_join(g, sk);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot join the multicast group on the interface");
		goto err;
	}
	setup_udp_tunnel_sock(g->mn->net, sock, &tcfg);
	rcu_assign_pointer(g->sock, sock);
	return 0;
err:
	sock_release(sock);
err_cache:
	dst_cache_destroy(&g->dst_cache);
	return ret;
}

static void mcg_udp_release_work(struct work_struct *work)
{
	struct mcg_group *g = container_of(to_rcu_work(work), struct mcg_group,
					   sock_release);

	/* Leaves the multicast group (MLD) and frees the socket. */
	udp_tunnel_sock_release(g->dead_sock);
	g->dead_sock = NULL;
	dst_cache_destroy(&g->dst_cache);	/* no sender can see the socket */
	mcg_rx_release(g);
	mcg_group_put(g);
}

/* Under mn->lock, when the group is deleted. */
void mcg_udp_close(struct mcg_group *g)
{
	struct socket *sock = rcu_dereference_protected(g->sock, true);

	if (!sock)
		return;
	RCU_INIT_POINTER(g->sock, NULL);
	/* Stop receiving now; senders may hold the socket until a grace period. */
	rcu_assign_sk_user_data(sock->sk, NULL);
	g->dead_sock = sock;
	refcount_inc(&g->refcnt);
	INIT_RCU_WORK(&g->sock_release, mcg_udp_release_work);
	queue_rcu_work(mcg_release_wq, &g->sock_release);
}

/*
 * The route to the group, and the source address in @fl6, from the
 * group's cache: a route and a source address for every datagram would
 * cost more than sealing a small one.  The cache drops what a route
 * change made stale.  Bottom halves off (the cache is per CPU), under
 * RCU, in which @sock was found.
 */
static struct dst_entry *mcg_udp_route(struct mcg_group *g, struct socket *sock,
				       struct flowi6 *fl6)
{
	struct dst_entry *dst;

	dst = dst_cache_get_ip6(&g->dst_cache, &fl6->saddr);
	if (dst)
		return dst;
	dst = ip6_dst_lookup_flow(g->mn->net, sock->sk, fl6, NULL);
	if (!IS_ERR(dst))
		dst_cache_set_ip6(&g->dst_cache, dst, &fl6->saddr);
	return dst;
}

static void mcg_udp_flow(struct mcg_group *g, struct flowi6 *fl6)
{
	*fl6 = (struct flowi6) {
		.flowi6_oif = READ_ONCE(g->conf.ifindex),
		.daddr = g->conf.addr,
		.flowi6_proto = IPPROTO_UDP,
		.fl6_dport = htons(g->conf.port),
		.fl6_sport = htons(g->conf.port),
	};
}

/*
 * The MTU of the group's path, as IPv6 output will check it: the route's
 * metric, else the interface's IPv6 MTU (net.ipv6.conf.IF.mtu), which may
 * both be below the link's.  0 when there is no route.
 */
unsigned int mcg_udp_mtu(struct mcg_group *g)
{
	struct dst_entry *dst;
	unsigned int mtu = 0;
	struct socket *sock;
	struct flowi6 fl6;

	mcg_udp_flow(g, &fl6);
	local_bh_disable();
	rcu_read_lock();
	sock = rcu_dereference(g->sock);
	if (sock) {
		dst = mcg_udp_route(g, sock, &fl6);
		if (!IS_ERR(dst)) {
			mtu = dst_mtu(dst);
			dst_release(dst);
		}
	}
	rcu_read_unlock();
	local_bh_enable();
	return mtu;
}

/*
 * Send one sealed datagram (skb->data at the mcg header) to the group.
 * Consumes @skb.  Runs in process context.
 */
int mcg_udp_xmit(struct mcg_group *g, struct sk_buff *skb)
{
	struct dst_entry *dst;
	struct socket *sock;
	struct flowi6 fl6;
	int ret = 0;

	mcg_udp_flow(g, &fl6);
	local_bh_disable();
	rcu_read_lock();
	sock = rcu_dereference(g->sock);
	if (!sock) {
		ret = -ENODEV;
		goto err;
	}
	dst = mcg_udp_route(g, sock, &fl6);
	if (IS_ERR(dst)) {
		ret = PTR_ERR(dst);
		goto err;
	}
	/*
	 * The AF_MCG socket paid for the skb while it was filled and sealed.
	 * Below here it is a datagram of the group's UDP socket, whose owner
	 * IPv6 output reads as an inet6 socket (its MTU discovery and
	 * fragment settings): it must not find an AF_MCG one there.
	 */
	skb_orphan(skb);
	skb_set_owner_w(skb, sock->sk);
	skb->dev = dst->dev;
	udp_tunnel6_xmit_skb(dst, sock->sk, skb, NULL, &fl6.saddr, &fl6.daddr,
			     0, READ_ONCE(g->conf.hoplimit), 0, fl6.fl6_sport,
			     fl6.fl6_dport, false);
	rcu_read_unlock();
	local_bh_enable();
	return 0;
err:
	rcu_read_unlock();
	local_bh_enable();
	kfree_skb(skb);
	return ret;
}

/* Wait until every group socket released so far is gone. */
void mcg_udp_flush(void)
{
	rcu_barrier();		/* queue_rcu_work() callbacks have queued */
	flush_workqueue(mcg_release_wq);
}

int mcg_udp_init(void)
{
	mcg_wq = alloc_workqueue("mcg", WQ_UNBOUND, 0);
	if (!mcg_wq)
		return -ENOMEM;
	mcg_release_wq = alloc_workqueue("mcg_release", WQ_UNBOUND, 0);
	if (!mcg_release_wq) {
		destroy_workqueue(mcg_wq);
		return -ENOMEM;
	}
	return 0;
}

void mcg_udp_uninit(void)
{
	/*
	 * Sockets of groups deleted during unload: their release is queued
	 * after a grace period, and drops a group reference that may free
	 * the group after another.
	 */
	mcg_udp_flush();
	destroy_workqueue(mcg_release_wq);
	/* The releases freed keys after a grace period, on mcg_wq. */
	rcu_barrier();
	destroy_workqueue(mcg_wq);
}
