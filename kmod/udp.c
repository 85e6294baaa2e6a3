// SPDX-License-Identifier: GPL-2.0
/*
 * The UDP side: one kernel socket per port a namespace's groups use, bound
 * to [::]:port and shared by every group of that port.  It joins each
 * group's multicast address on the group's interface (MLDv2, per source
 * for a source-specific group), receives by multicast and by unicast, and
 * is what mcg sends from.  The header's group id picks the group; the
 * datagram's destination and source must then be the group's: its
 * address on its interface by multicast, one of its peers by unicast.
 *
 * One socket per port, not per group: a datagram sent by unicast arrives
 * at one of the host's own addresses, which only a socket bound to the
 * port on every address receives, and such a socket conflicts with any
 * other on the port.  No SO_REUSEADDR: no other socket can take the port
 * from under the groups.
 *
 * A group's deletion drops its membership and unpublishes the socket
 * from it (g->sock); its port's last group's deletion releases the socket
 * after a grace period from a work item, because senders use it under RCU
 * and releasing may sleep.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in6.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/addrconf.h>
#include <net/compat.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/udp_tunnel.h>

#include "compat.h"
#include "dest.h"
#include "group.h"
#include "netns.h"
#include "rx.h"
#include "stats.h"
#include "trace.h"
#include "udp.h"
#include "wire.h"

/**
 * struct mcg_port - the socket of one UDP port of a namespace
 * @node: in mn->ports, under mn->lock
 * @mn: the namespace's mcg state
 * @port: the port, host order
 * @users: groups using it, under mn->lock
 * @sock: bound to [::]:@port; its sk_user_data is this, read under RCU
 * @groups: its groups with a multicast address; written under mn->lock,
 *	read under RCU (to count malformed datagrams on their group)
 * @release: frees @sock after a grace period from the last user's going
 */
struct mcg_port {
	struct hlist_node node;
	struct mcg_net *mn;
	u16 port;
	unsigned int users;
	struct socket *sock;
	struct hlist_head groups;
	struct rcu_work release;
};

struct workqueue_struct *mcg_wq;
/*
 * Group sockets are released on a queue of their own: waiting for the
 * releases (GROUP_DEL, namespace exit) must not wait for a receive worker
 * on mcg_wq, which runs for as long as its group's backlog refills: as
 * long as anyone on the link keeps it full.
 */
static struct workqueue_struct *mcg_release_wq;

/*
 * The group a malformed datagram was sent to, to count it on: by
 * multicast, the one of its address and interface; by unicast there is
 * no telling (the namespace counts it).  Rare path: a walk.
 */
static struct mcg_group *mcg_udp_group_of(struct mcg_port *p,
					  struct sk_buff *skb)
{
	const struct in6_addr *daddr = &ipv6_hdr(skb)->daddr;
	struct mcg_group *g;

	if (!ipv6_addr_is_multicast(daddr))
		return NULL;
	hlist_for_each_entry_rcu(g, &p->groups, port_node)
		if (ipv6_addr_equal(&g->conf.addr, daddr) &&
		    g->conf.ifindex == inet6_iif(skb))
			return g;
	return NULL;
}

/*
 * Whether @skb may be the group's: by multicast, sent to its address on
 * its interface (the socket's memberships let through only the sources
 * a source-specific group lists); by unicast, from one of its peers.
 */
static enum mcg_stats_attr mcg_udp_accept(struct mcg_group *g,
					  struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct mcg_dests *ds;

	if (ipv6_addr_is_multicast(&ip6h->daddr)) {
		if (ipv6_addr_equal(&g->conf.addr, &ip6h->daddr) &&
		    g->conf.ifindex == inet6_iif(skb))
			return 0;
		return MCG_A_STATS_RX_DROP_NO_GROUP;
	}
	ds = rcu_dereference(g->dests);
	if (ds && mcg_dests_find(ds, &ip6h->saddr))
		return 0;
	return MCG_A_STATS_RX_DROP_NOT_PEER;
}

static int mcg_udp_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct mcg_port *p = rcu_dereference_sk_user_data(sk);
	struct mcg_pcpu_stats __percpu *stats;
	struct mcg_wire_info info;
	enum mcg_stats_attr drop;
	struct mcg_group *g;
	struct mcg_key *key;

	if (!p)
		goto free;
	if (!pskb_may_pull(skb, sizeof(struct udphdr) + sizeof(struct mcg_wire_hdr))) {
		drop = MCG_A_STATS_RX_DROP_SHORT;
		goto malformed;
	}
	__skb_pull(skb, sizeof(struct udphdr));
	switch (mcg_wire_parse(skb->data, skb->len, &info)) {
	case MCG_WIRE_SHORT:
		drop = MCG_A_STATS_RX_DROP_SHORT;
		goto malformed;
	case MCG_WIRE_BAD_HEADER:
		drop = MCG_A_STATS_RX_DROP_HEADER;
		goto malformed;
	case MCG_WIRE_OK:
		break;
	}
	g = xa_load(&p->mn->groups, info.group);
	/* Published before its port is set: no port, not yet receiving. */
	/* Not a group of this port: the namespace counts it. */
	if (!g || READ_ONCE(g->port) != p)
		goto no_group;
	drop = mcg_udp_accept(g, skb);
	if (drop == MCG_A_STATS_RX_DROP_NO_GROUP)
		goto no_group;
	if (drop)
		goto drop;
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
malformed:
	g = mcg_udp_group_of(p, skb);
	stats = g ? g->stats : p->mn->stats;
	mcg_stats_add(stats, drop, 1);
	mcg_trace_drop(p->mn->net, g ? g->id : 0, 0, NULL, skb, drop);
	goto free;
no_group:
	mcg_stats_add(p->mn->stats, MCG_A_STATS_RX_DROP_NO_GROUP, 1);
	mcg_trace_drop(p->mn->net, info.group, 0, &info, skb,
		       MCG_A_STATS_RX_DROP_NO_GROUP);
	goto free;
drop:
	mcg_stats_add(g->stats, drop, 1);
	mcg_trace_drop(p->mn->net, g->id, 0, &info, skb, drop);
free:
	kfree_skb(skb);
	return 0;
}

/*
 * An ICMPv6 error about a datagram this socket sent (@udp_offset: its
 * UDP header, after the IPv6 header at skb->data): counted on the peer
 * it was sent to, found by the group id in the quoted mcg header.
 * Multicast datagrams draw no errors (RFC 4443, 2.4).
 */
static void mcg_udp_err(struct sock *sk, struct sk_buff *skb,
			unsigned int udp_offset)
{
	const struct ipv6hdr *ip6h = (const struct ipv6hdr *)skb->data;
	struct mcg_wire_hdr buf;
	const struct mcg_wire_hdr *h;
	struct mcg_dests *ds;
	struct mcg_group *g;
	struct mcg_dest *d;
	struct mcg_port *p;

	h = skb_header_pointer(skb, udp_offset + sizeof(struct udphdr),
			       sizeof(buf), &buf);
	if (!h)
		return;
	rcu_read_lock();
	p = rcu_dereference_sk_user_data(sk);
	g = p ? xa_load(&p->mn->groups, be32_to_cpu(h->group)) : NULL;
	if (g && READ_ONCE(g->port) == p) {
		ds = rcu_dereference(g->dests);
		d = ds ? mcg_dests_find(ds, &ip6h->daddr) : NULL;
		if (d)
			atomic64_inc(&d->tx_errors);
	}
	rcu_read_unlock();
}

/* 6.1's callback is mcg_udp_err() itself; 6.12's is handed the payload. */
static void mcg_udp_err_payload(struct sock *sk, struct sk_buff *skb, int err,
				__be16 port, u32 info, u8 *payload)
{
	mcg_udp_err(sk, skb, payload - skb->data - sizeof(struct udphdr));
}

/*
 * As IPV6_JOIN_GROUP and IPV6_LEAVE_GROUP take them: the RTNL, then the
 * socket's lock, which guards its list of memberships.
 */
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
		if (ret) {
			/* Undoes the sources joined so far, too. */
			rtnl_lock();
			lock_sock(sk);
			ipv6_sock_mc_drop(sk, c->ifindex, &c->addr);
			release_sock(sk);
			rtnl_unlock();
			return ret;
		}
	}
	return 0;
}

static void mcg_udp_leave(struct mcg_group *g, struct sock *sk)
{
	rtnl_lock();
	lock_sock(sk);
	ipv6_sock_mc_drop(sk, g->conf.ifindex, &g->conf.addr);
	release_sock(sk);
	rtnl_unlock();
}

/*
 * IPv6 only; our own datagrams are not looped back (they were delivered
 * locally already), and only the groups joined are received.  Through
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

static struct mcg_port *mcg_port_new(struct mcg_net *mn, u16 port,
				     struct netlink_ext_ack *extack)
{
	struct udp_tunnel_sock_cfg tcfg = {
		.encap_type = 1,
		.encap_rcv = mcg_udp_rcv,
		.encap_err_rcv = mcg_encap_err_rcv(mcg_udp_err_payload,
						   mcg_udp_err),
	};
	struct sockaddr_in6 sa = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
	};
	struct socket *sock;
	struct mcg_port *p;
	int ret;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return ERR_PTR(-ENOMEM);
	ret = sock_create_kern(mn->net, AF_INET6, SOCK_DGRAM, IPPROTO_UDP, &sock);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot create the group's UDP socket");
		goto err_free;
	}
	ret = mcg_udp_sock_setup(sock);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot set up the group's UDP socket");
		goto err_sock;
	}
	ret = kernel_bind(sock, (struct sockaddr *)&sa, sizeof(sa));
	if (ret) {
		if (ret == -EADDRINUSE)
			NL_SET_ERR_MSG(extack,
				       "the group's UDP port is in use by another socket");
		else
			NL_SET_ERR_MSG(extack, "cannot bind the group's UDP socket");
		goto err_sock;
	}
	p->mn = mn;
	p->port = port;
	p->sock = sock;
	INIT_HLIST_HEAD(&p->groups);
	tcfg.sk_user_data = p;
	setup_udp_tunnel_sock(mn->net, sock, &tcfg);
	hlist_add_head(&p->node, &mn->ports);
	return p;
err_sock:
	sock_release(sock);
err_free:
	kfree(p);
	return ERR_PTR(ret);
}

static struct mcg_port *mcg_port_get(struct mcg_net *mn, u16 port,
				     struct netlink_ext_ack *extack)
{
	struct mcg_port *p;

	lockdep_assert_held(&mn->lock);
	hlist_for_each_entry(p, &mn->ports, node) {
		if (p->port == port) {
			p->users++;
			return p;
		}
	}
	p = mcg_port_new(mn, port, extack);
	if (!IS_ERR(p))
		p->users = 1;
	return p;
}

static void mcg_port_release_work(struct work_struct *work)
{
	struct mcg_port *p = container_of(to_rcu_work(work), struct mcg_port,
					  release);

	udp_tunnel_sock_release(p->sock);
	kfree(p);
}

static void mcg_port_put(struct mcg_port *p)
{
	lockdep_assert_held(&p->mn->lock);
	if (--p->users)
		return;
	hlist_del(&p->node);
	/* Stop receiving now; senders may hold the socket until a grace period. */
	rcu_assign_sk_user_data(p->sock->sk, NULL);
	INIT_RCU_WORK(&p->release, mcg_port_release_work);
	queue_rcu_work(mcg_release_wq, &p->release);
}

static bool mcg_port_has(struct mcg_port *p, const struct mcg_group_conf *c)
{
	struct mcg_group *g;

	hlist_for_each_entry(g, &p->groups, port_node)
		if (ipv6_addr_equal(&g->conf.addr, &c->addr) &&
		    g->conf.ifindex == c->ifindex)
			return true;
	return false;
}

/*
 * Called under mn->lock, after the group is published (its datagrams are
 * received from the moment it joins).  Takes the RTNL (multicast joins):
 * nothing may take mn->lock while holding the RTNL.
 */
int mcg_udp_open(struct mcg_group *g, struct netlink_ext_ack *extack)
{
	bool mcast = !ipv6_addr_any(&g->conf.addr);
	struct mcg_port *p;
	int ret;

	ret = dst_cache_init(&g->dst_cache, GFP_KERNEL);
	if (ret)
		return ret;
	p = mcg_port_get(g->mn, g->conf.port, extack);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto err_cache;
	}
	if (mcast) {
		if (mcg_port_has(p, &g->conf)) {
			NL_SET_ERR_MSG(extack,
				       "the group's address and UDP port are in use on the interface");
			ret = -EADDRINUSE;
			goto err_port;
		}
		ret = mcg_udp_join(g, p->sock->sk);
		if (ret) {
			NL_SET_ERR_MSG(extack,
				       "cannot join the multicast group on the interface");
			goto err_port;
		}
		hlist_add_head_rcu(&g->port_node, &p->groups);
	}
	WRITE_ONCE(g->port, p);
	rcu_assign_pointer(g->sock, p->sock);
	return 0;
err_port:
	mcg_port_put(p);
err_cache:
	dst_cache_destroy(&g->dst_cache);
	return ret;
}

static void mcg_udp_release_work(struct work_struct *work)
{
	struct mcg_group *g = container_of(to_rcu_work(work), struct mcg_group,
					   release);

	/* No sender or receiver can see the group's state any more. */
	dst_cache_destroy(&g->dst_cache);
	mcg_dests_free(rcu_dereference_protected(g->dests, true));
	RCU_INIT_POINTER(g->dests, NULL);
	mcg_rx_release(g);
	mcg_group_put(g);
}

/*
 * Under mn->lock, when the group is deleted, after it left the table (no
 * datagram is received for it once a grace period has passed).
 */
void mcg_udp_close(struct mcg_group *g)
{
	struct mcg_port *p = g->port;

	if (!p)
		return;
	RCU_INIT_POINTER(g->sock, NULL);
	if (!ipv6_addr_any(&g->conf.addr)) {
		hlist_del_init_rcu(&g->port_node);
		mcg_udp_leave(g, p->sock->sk);
	}
	mcg_port_put(p);
	refcount_inc(&g->refcnt);
	INIT_RCU_WORK(&g->release, mcg_udp_release_work);
	queue_rcu_work(mcg_release_wq, &g->release);
}

/*
 * A new list of peers, whole, under mn->lock; the old one goes after a
 * grace period.  Peers that stay keep their counters.
 */
void mcg_udp_set_dests(struct mcg_group *g, struct mcg_dests *ds)
{
	struct mcg_dests *old;

	old = rcu_dereference_protected(g->dests, lockdep_is_held(&g->mn->lock));
	mcg_dests_carry(ds, old);
	rcu_assign_pointer(g->dests, ds);
	mcg_dests_free_rcu(old);
}

/*
 * The route to @fl6->daddr, and the source address in @fl6, from
 * @cache: a route and a source address for every datagram would cost
 * more than sealing a small one.  The cache drops what a route change
 * made stale.  Bottom halves off (the cache is per CPU), under RCU, in
 * which @sock was found.
 */
static struct dst_entry *mcg_udp_route(struct mcg_group *g, struct socket *sock,
				       struct dst_cache *cache, struct flowi6 *fl6)
{
	struct dst_entry *dst;

	dst = dst_cache_get_ip6(cache, &fl6->saddr);
	if (dst)
		return dst;
	dst = ip6_dst_lookup_flow(g->mn->net, sock->sk, fl6, NULL);
	if (!IS_ERR(dst))
		dst_cache_set_ip6(cache, dst, &fl6->saddr);
	return dst;
}

/* To the multicast address on the group's interface, or to a peer by the routing table. */
static void mcg_udp_flow(struct mcg_group *g, const struct in6_addr *peer,
			 struct flowi6 *fl6)
{
	*fl6 = (struct flowi6) {
		.flowi6_oif = peer ? 0 : READ_ONCE(g->conf.ifindex),
		.daddr = peer ? *peer : g->conf.addr,
		.flowi6_proto = IPPROTO_UDP,
		.fl6_dport = htons(g->conf.port),
		.fl6_sport = htons(g->conf.port),
	};
}

static unsigned int mcg_udp_route_mtu(struct mcg_group *g, struct socket *sock,
				      struct dst_cache *cache,
				      const struct in6_addr *peer)
{
	struct dst_entry *dst;
	unsigned int mtu = 0;
	struct flowi6 fl6;

	mcg_udp_flow(g, peer, &fl6);
	dst = mcg_udp_route(g, sock, cache, &fl6);
	if (!IS_ERR(dst)) {
		mtu = dst_mtu(dst);
		dst_release(dst);
	}
	return mtu;
}

/*
 * The MTU of the group's paths, as IPv6 output will check it: the least
 * of the routes' metrics, else of the interfaces' IPv6 MTUs
 * (net.ipv6.conf.IF.mtu), which may both be below the links'.  A peer
 * with no route does not count (its sends fail and are counted).  0 when
 * there is no route at all.
 */
unsigned int mcg_udp_mtu(struct mcg_group *g)
{
	unsigned int mtu = 0, m, i;
	struct mcg_dests *ds;
	struct socket *sock;

	local_bh_disable();
	rcu_read_lock();
	sock = rcu_dereference(g->sock);
	if (!sock)
		goto out;
	if (!ipv6_addr_any(&g->conf.addr))
		mtu = mcg_udp_route_mtu(g, sock, &g->dst_cache, NULL);
	ds = rcu_dereference(g->dests);
	for (i = 0; ds && i < ds->n; i++) {
		m = mcg_udp_route_mtu(g, sock, &ds->d[i].cache, &ds->d[i].addr);
		if (m && (!mtu || m < mtu))
			mtu = m;
	}
out:
	rcu_read_unlock();
	local_bh_enable();
	return mtu;
}

/*
 * One datagram to one destination: @peer, else the multicast address.
 * Consumes @skb.  Bottom halves off, under RCU.
 */
static int mcg_udp_send(struct mcg_group *g, struct socket *sock,
			struct dst_cache *cache, const struct in6_addr *peer,
			struct sk_buff *skb)
{
	struct dst_entry *dst;
	struct flowi6 fl6;
	u8 hoplimit;

	mcg_udp_flow(g, peer, &fl6);
	dst = mcg_udp_route(g, sock, cache, &fl6);
	if (IS_ERR(dst)) {
		kfree_skb(skb);
		return PTR_ERR(dst);
	}
	/* The group's hop limit scopes its multicast; unicast goes as routed. */
	hoplimit = peer ? ip6_dst_hoplimit(dst) : READ_ONCE(g->conf.hoplimit);
	skb_set_owner_w(skb, sock->sk);
	skb->dev = dst->dev;
	udp_tunnel6_xmit_skb(dst, sock->sk, skb, NULL, &fl6.saddr, &fl6.daddr,
			     0, hoplimit, 0, fl6.fl6_sport, fl6.fl6_dport, false);
	return 0;
}

/*
 * Send one sealed datagram, or a train of them (skb->data at the mcg
 * header), to the group: a copy of its headers and bytes to each peer,
 * then @skb itself to the multicast address (or to the last peer).
 * Nothing is sealed again: what a peer costs is a copy and a send.
 * Consumes @skb.  Runs in process context.  Fails if no destination
 * took it.
 */
int mcg_udp_xmit(struct mcg_group *g, struct sk_buff *skb)
{
	unsigned int segs = skb_is_gso(skb) ? skb_shinfo(skb)->gso_segs : 1;
	bool mcast = !ipv6_addr_any(&g->conf.addr);
	unsigned int i, n, sent = 0;
	struct mcg_dests *ds;
	struct socket *sock;
	struct sk_buff *one;
	struct mcg_dest *d;
	int ret = -ENODEV;

	/*
	 * The AF_MCG socket paid for the skb while it was filled and sealed.
	 * Below here it is a datagram of the port's UDP socket, whose owner
	 * IPv6 output reads as an inet6 socket (its MTU discovery and
	 * fragment settings): it must not find an AF_MCG one there.
	 */
	skb_orphan(skb);
	local_bh_disable();
	rcu_read_lock();
	sock = rcu_dereference(g->sock);
	if (!sock)
		goto out;
	ds = rcu_dereference(g->dests);
	n = ds ? ds->n : 0;
	for (i = 0; i < n; i++) {
		d = &ds->d[i];
		if (!mcast && i == n - 1) {
			one = skb;
			skb = NULL;
		} else {
			one = pskb_copy(skb, GFP_ATOMIC);
		}
		ret = one ? mcg_udp_send(g, sock, &d->cache, &d->addr, one) : -ENOMEM;
		if (ret) {
			atomic64_inc(&d->tx_errors);
			continue;
		}
		atomic64_add(segs, &d->tx_packets);
		sent++;
	}
	if (skb) {
		ret = mcg_udp_send(g, sock, &g->dst_cache, NULL, skb);
		skb = NULL;
		if (!ret)
			sent++;
	}
out:
	rcu_read_unlock();
	local_bh_enable();
	kfree_skb(skb);
	return sent ? 0 : ret;
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
