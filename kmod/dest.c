// SPDX-License-Identifier: GPL-2.0
/*
 * A group's unicast peers: the members that no multicast route reaches.
 * Every datagram the group sends is sealed once and sent to its multicast
 * address and to each of them (udp.c); by unicast, the group accepts
 * datagrams from their addresses only.
 *
 * The list is replaced whole (GROUP_NEW, GROUP_SET) under mn->lock and
 * read under RCU by the packet path; a peer that stays keeps its counters.
 */

#include <linux/bsearch.h>
#include <linux/mcg.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/ipv6.h>

#include "dest.h"

const struct nla_policy mcg_peer_policy[MCG_A_PEER_MAX + 1] = {
	[MCG_A_PEER_ADDR] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static int mcg_dest_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct in6_addr));
}

/*
 * A peer is reached through the routing table: a link-local address
 * would need an interface, and loopback, v4-mapped or multicast ones are
 * no member's.
 */
static int mcg_dest_check(const struct in6_addr *a, const struct nlattr *attr,
			  struct netlink_ext_ack *extack)
{
	int type = ipv6_addr_type(a);

	if (type & IPV6_ADDR_MAPPED) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "a peer address must be IPv6, not v4-mapped");
		return -EINVAL;
	}
	if (!(type & IPV6_ADDR_UNICAST) || (type & IPV6_ADDR_LOOPBACK)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "a peer address must be unicast");
		return -EINVAL;
	}
	if (type & IPV6_ADDR_LINKLOCAL) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "a peer address must be routable, not link-local");
		return -EINVAL;
	}
	return 0;
}

static int mcg_dests_count(const struct nlattr *nest,
			   struct netlink_ext_ack *extack)
{
	const struct nlattr *attr;
	unsigned int n = 0;
	int rem;

	nla_for_each_nested(attr, nest, rem) {
		if (++n > MCG_MAX_PEERS) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "too many peers");
			return -E2BIG;
		}
	}
	return n;
}

/*
 * The list a MCG_A_GROUP_PEERS nest gives (the policy checked its shape),
 * sorted; NULL for an empty one.
 */
struct mcg_dests *mcg_dests_parse(const struct nlattr *nest,
				  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[MCG_A_PEER_MAX + 1];
	const struct nlattr *attr;
	struct mcg_dests *ds;
	unsigned int i = 0;
	int n, rem, ret;

	n = mcg_dests_count(nest, extack);
	if (n <= 0)
		return n ? ERR_PTR(n) : NULL;
	ds = kzalloc(struct_size(ds, d, n), GFP_KERNEL_ACCOUNT);
	if (!ds)
		return ERR_PTR(-ENOMEM);
	ds->n = n;
	nla_for_each_nested(attr, nest, rem) {
		ret = nla_parse_nested(tb, MCG_A_PEER_MAX, attr, mcg_peer_policy,
				       extack);
		if (ret)
			goto err;
		if (!tb[MCG_A_PEER_ADDR]) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "a peer needs an address");
			ret = -EINVAL;
			goto err;
		}
		ds->d[i].addr = nla_get_in6_addr(tb[MCG_A_PEER_ADDR]);
		ret = mcg_dest_check(&ds->d[i].addr, tb[MCG_A_PEER_ADDR], extack);
		if (ret)
			goto err;
		i++;
	}
	sort(ds->d, n, sizeof(ds->d[0]), mcg_dest_cmp, NULL);
	for (i = 1; i < n; i++) {
		if (ipv6_addr_equal(&ds->d[i - 1].addr, &ds->d[i].addr)) {
			NL_SET_ERR_MSG_ATTR(extack, nest, "a peer is listed twice");
			ret = -EINVAL;
			goto err;
		}
	}
	for (i = 0; i < n; i++) {
		ret = dst_cache_init(&ds->d[i].cache, GFP_KERNEL_ACCOUNT);
		if (ret) {
			ds->n = i;
			mcg_dests_free(ds);
			return ERR_PTR(ret);
		}
	}
	return ds;
err:
	kfree(ds);
	return ERR_PTR(ret);
}

struct mcg_dest *mcg_dests_find(struct mcg_dests *ds, const struct in6_addr *a)
{
	return bsearch(a, ds->d, ds->n, sizeof(ds->d[0]), mcg_dest_cmp);
}

/* A peer in both lists keeps its counters across the change. */
void mcg_dests_carry(struct mcg_dests *to, const struct mcg_dests *from)
{
	struct mcg_dest *d;
	unsigned int i;

	if (!to || !from)
		return;
	for (i = 0; i < from->n; i++) {
		d = mcg_dests_find(to, &from->d[i].addr);
		if (!d)
			continue;
		atomic64_set(&d->tx_packets, atomic64_read(&from->d[i].tx_packets));
		atomic64_set(&d->tx_errors, atomic64_read(&from->d[i].tx_errors));
	}
}

void mcg_dests_free(struct mcg_dests *ds)
{
	unsigned int i;

	if (!ds)
		return;
	for (i = 0; i < ds->n; i++)
		dst_cache_destroy(&ds->d[i].cache);
	kfree(ds);
}

static void mcg_dests_free_cb(struct rcu_head *rcu)
{
	mcg_dests_free(container_of(rcu, struct mcg_dests, rcu));
}

/* Once unpublished: senders may hold it until a grace period ends. */
void mcg_dests_free_rcu(struct mcg_dests *ds)
{
	if (ds)
		call_rcu(&ds->rcu, mcg_dests_free_cb);
}

int mcg_dests_put(struct sk_buff *skb, int attrtype, const struct mcg_dests *ds)
{
	struct nlattr *nest, *peer;
	unsigned int i;

	if (!ds)
		return 0;
	nest = nla_nest_start(skb, attrtype);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ds->n; i++) {
		peer = nla_nest_start(skb, MCG_A_PEERS_PEER);
		if (!peer ||
		    nla_put_in6_addr(skb, MCG_A_PEER_ADDR, &ds->d[i].addr) ||
		    nla_put_u64_64bit(skb, MCG_A_PEER_TX_PACKETS,
				      atomic64_read(&ds->d[i].tx_packets),
				      MCG_A_PEER_PAD) ||
		    nla_put_u64_64bit(skb, MCG_A_PEER_TX_ERRORS,
				      atomic64_read(&ds->d[i].tx_errors),
				      MCG_A_PEER_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, peer);
	}
	nla_nest_end(skb, nest);
	return 0;
}
