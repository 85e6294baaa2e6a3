// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "mcg": configuration of groups and keys, and
 * the events announcing every change.
 *
 * Every operation has its own strict policy, so an attribute that does not
 * belong to a command is refused rather than ignored, and every request is
 * checked whole before anything changes.  The family runs with parallel_ops:
 * a namespace's mcg_net.lock, not genl_mutex, serialises its changes.
 */

#include <crypto/aead.h>
#include <linux/crypto.h>
#include <linux/ctype.h>
#include <linux/cred.h>
#include <linux/mcg.h>
#include <linux/netdevice.h>
#include <linux/random.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "dest.h"
#include "group.h"
#include "key.h"
#include "netlink.h"
#include "netns.h"
#include "peer.h"
#include "udp.h"

static struct genl_family mcg_genl_family;

enum mcg_mcgrp {
	MCG_MCGRP_EVENTS,
};

static const struct genl_multicast_group mcg_mcgrps[] = {
	[MCG_MCGRP_EVENTS] = { .name = MCG_GENL_MCGRP_EVENTS },
};

static struct netlink_range_validation mcg_window_range = {
	.min = MCG_WINDOW_MIN,
	.max = MCG_WINDOW_MAX,
};

static const struct nla_policy mcg_source_policy[MCG_A_SOURCE_MAX + 1] = {
	[MCG_A_SOURCE_ADDR] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static const struct nla_policy mcg_peers_policy[MCG_A_PEERS_MAX + 1] = {
	[MCG_A_PEERS_PEER] = NLA_POLICY_NESTED(mcg_peer_policy),
};

static const struct nla_policy mcg_key_new_policy[MCG_A_KEY_MAX + 1] = {
	[MCG_A_KEY_EPOCH] = NLA_POLICY_MIN(NLA_U32, 1),
	[MCG_A_KEY_ALG] = NLA_POLICY_RANGE(NLA_U32, 1, MCG_ALG_MAX),
	[MCG_A_KEY_MATERIAL] = { .type = NLA_BINARY, .len = MCG_KEY_MAX_LEN },
	[MCG_A_KEY_RX_ONLY] = { .type = NLA_FLAG },
};

static const struct nla_policy mcg_key_del_policy[MCG_A_KEY_MAX + 1] = {
	[MCG_A_KEY_EPOCH] = NLA_POLICY_MIN(NLA_U32, 1),
};

#define MCG_POLICY_SELECT						\
	[MCG_A_GROUP_NAME] = { .type = NLA_NUL_STRING,			\
			       .len = MCG_GROUP_NAME_MAX - 1 },		\
	[MCG_A_GROUP_ID] = NLA_POLICY_MIN(NLA_U32, 1)

#define MCG_POLICY_SETTABLE						\
	[MCG_A_GROUP_HOPLIMIT] = NLA_POLICY_MIN(NLA_U8, 1),		\
	[MCG_A_GROUP_WINDOW] = NLA_POLICY_FULL_RANGE(NLA_U32,		\
						     &mcg_window_range),\
	[MCG_A_GROUP_UID] = { .type = NLA_U32 },			\
	[MCG_A_GROUP_GID] = { .type = NLA_U32 },			\
	[MCG_A_GROUP_MODE] = NLA_POLICY_MAX(NLA_U16, 0777),		\
	[MCG_A_GROUP_PEERS] = NLA_POLICY_NESTED(mcg_peers_policy)

static const struct nla_policy mcg_select_policy[MCG_A_MAX + 1] = {
	MCG_POLICY_SELECT,
};

static const struct nla_policy mcg_group_new_policy[MCG_A_MAX + 1] = {
	MCG_POLICY_SELECT,
	MCG_POLICY_SETTABLE,
	[MCG_A_GROUP_ADDR] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[MCG_A_GROUP_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[MCG_A_GROUP_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[MCG_A_GROUP_SOURCES] = NLA_POLICY_NESTED(mcg_source_policy),
	[MCG_A_GROUP_SENDER] = NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy mcg_group_set_policy[MCG_A_MAX + 1] = {
	MCG_POLICY_SELECT,
	MCG_POLICY_SETTABLE,
	[MCG_A_GROUP_TX_EPOCH] = { .type = NLA_U32 },
};

static const struct nla_policy mcg_key_new_top_policy[MCG_A_MAX + 1] = {
	MCG_POLICY_SELECT,
	[MCG_A_KEY] = NLA_POLICY_NESTED(mcg_key_new_policy),
};

static const struct nla_policy mcg_key_del_top_policy[MCG_A_MAX + 1] = {
	MCG_POLICY_SELECT,
	[MCG_A_KEY] = NLA_POLICY_NESTED(mcg_key_del_policy),
};

static u32 mcg_u32_or(const struct nlattr *attr, u32 def)
{
	return attr ? nla_get_u32(attr) : def;
}

static u16 mcg_u16_or(const struct nlattr *attr, u16 def)
{
	return attr ? nla_get_u16(attr) : def;
}

static u8 mcg_u8_or(const struct nlattr *attr, u8 def)
{
	return attr ? nla_get_u8(attr) : def;
}

/* The user namespace uid and gid are read and reported in. */
static struct user_namespace *mcg_nl_userns(const struct sk_buff *skb)
{
	return sk_user_ns(NETLINK_CB(skb).sk);
}

/*
 * The group a request names, by name, id or both (then they must agree).
 * Called under mn->lock.
 */
static struct mcg_group *mcg_nl_group_attrs(struct mcg_net *mn,
					    struct nlattr **attrs,
					    struct netlink_ext_ack *extack)
{
	struct nlattr *name = attrs[MCG_A_GROUP_NAME];
	struct nlattr *id = attrs[MCG_A_GROUP_ID];
	struct mcg_group *g = NULL, *by_id;

	if (!name && !id) {
		NL_SET_ERR_MSG(extack, "a group name or id is required");
		NL_SET_ERR_ATTR_MISS(extack, NULL, MCG_A_GROUP_NAME);
		return ERR_PTR(-EINVAL);
	}
	if (name) {
		g = mcg_group_by_name(mn, nla_data(name));
		if (!g) {
			NL_SET_ERR_MSG_ATTR(extack, name, "no group with this name");
			return ERR_PTR(-ENOENT);
		}
	}
	if (id) {
		by_id = mcg_group_by_id(mn, nla_get_u32(id));
		if (!by_id) {
			NL_SET_ERR_MSG_ATTR(extack, id, "no group with this id");
			return ERR_PTR(-ENOENT);
		}
		if (g && g != by_id) {
			NL_SET_ERR_MSG_ATTR(extack, id,
					    "the group name and id name different groups");
			return ERR_PTR(-EINVAL);
		}
		g = by_id;
	}
	return g;
}

static struct mcg_group *mcg_nl_group(struct mcg_net *mn,
				      struct genl_info *info)
{
	return mcg_nl_group_attrs(mn, info->attrs, info->extack);
}

static bool mcg_name_ok(const char *name)
{
	if (!*name)
		return false;
	/* The kernel's isalnum() takes Latin-1 letters (0xc0-0xff) too. */
	for (; *name; name++)
		if (!isascii(*name) || (!isalnum(*name) && !strchr("_.-", *name)))
			return false;
	return true;
}

/*
 * A group address must be multicast with a scope that reaches other
 * hosts, and not one of the permanent addresses every node listens to.
 */
static int mcg_check_group_addr(const struct in6_addr *a,
				const struct nlattr *attr,
				struct netlink_ext_ack *extack)
{
	unsigned int flags = a->s6_addr[1] >> 4, scope = a->s6_addr[1] & 0xf;
	static const u8 zero[13];

	if (!ipv6_addr_is_multicast(a)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the group address is not IPv6 multicast (ff00::/8)");
		return -EINVAL;
	}
	if (scope == 0 || scope == 0xf || scope == 3) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the group address has a reserved multicast scope");
		return -EINVAL;
	}
	if (scope == 1) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "interface-local multicast (ffx1::/16) never leaves the host");
		return -EINVAL;
	}
	if (flags & 0x1)	/* transient: nothing below is assigned */
		return 0;
	if (!memcmp(&a->s6_addr[2], zero, 13) && a->s6_addr[15] <= 2) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the group address is reserved (ff0x::, all-nodes or all-routers)");
		return -EINVAL;
	}
	if (scope == 2 && !memcmp(&a->s6_addr[2], zero, 9) &&
	    a->s6_addr[11] == 0x01 && a->s6_addr[12] == 0xff) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the group address is a solicited-node address");
		return -EINVAL;
	}
	return 0;
}

/* ff3x::/32: source-specific multicast (RFC 4607), joined per source. */
static bool mcg_addr_is_ssm(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xff && (a->s6_addr[1] & 0xf0) == 0x30 &&
	       !a->s6_addr[2] && !a->s6_addr[3];
}

static int mcg_parse_sources(struct mcg_group_conf *cfg, struct nlattr *nest,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *attr;
	struct in6_addr *s;
	unsigned int i;
	int rem;

	nla_for_each_nested(attr, nest, rem) {
		if (nla_type(attr) != MCG_A_SOURCE_ADDR)
			continue;	/* the policy let nothing else in */
		if (cfg->nsources == MCG_MAX_SOURCES) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "too many source addresses");
			return -E2BIG;
		}
		s = &cfg->sources[cfg->nsources];
		*s = nla_get_in6_addr(attr);
		if (ipv6_addr_is_multicast(s) || ipv6_addr_any(s) ||
		    ipv6_addr_loopback(s)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "a source address must be unicast");
			return -EINVAL;
		}
		for (i = 0; i < cfg->nsources; i++) {
			if (ipv6_addr_equal(&cfg->sources[i], s)) {
				NL_SET_ERR_MSG_ATTR(extack, attr,
						    "duplicate source address");
				return -EINVAL;
			}
		}
		cfg->nsources++;
	}
	return 0;
}

static int mcg_check_window(const struct nlattr *attr,
			    struct netlink_ext_ack *extack)
{
	if (nla_get_u32(attr) % 64) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the replay window must be a multiple of 64");
		return -EINVAL;
	}
	return 0;
}

static int mcg_get_ids(struct genl_info *info, struct sk_buff *skb,
		       kuid_t *uid, kgid_t *gid)
{
	struct user_namespace *ns = mcg_nl_userns(skb);
	struct nlattr *attr;

	attr = info->attrs[MCG_A_GROUP_UID];
	if (attr) {
		*uid = make_kuid(ns, nla_get_u32(attr));
		if (!uid_valid(*uid)) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "the owner uid is not mapped in your user namespace");
			return -EINVAL;
		}
	}
	attr = info->attrs[MCG_A_GROUP_GID];
	if (attr) {
		*gid = make_kgid(ns, nla_get_u32(attr));
		if (!gid_valid(*gid)) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "the group gid is not mapped in your user namespace");
			return -EINVAL;
		}
	}
	return 0;
}

static int mcg_put_key(struct sk_buff *skb, struct mcg_key *key, bool sending)
{
	struct nlattr *nest = nla_nest_start(skb, MCG_A_KEYS_KEY);

	if (!nest ||
	    nla_put_u32(skb, MCG_A_KEY_EPOCH, key->epoch) ||
	    nla_put_u32(skb, MCG_A_KEY_ALG, key->alg) ||
	    nla_put_u64_64bit(skb, MCG_A_KEY_CREATED, key->created, MCG_A_KEY_PAD) ||
	    nla_put_u64_64bit(skb, MCG_A_KEY_TX_PACKETS,
			      atomic64_read(&key->tx_packets), MCG_A_KEY_PAD) ||
	    nla_put_u64_64bit(skb, MCG_A_KEY_RX_PACKETS,
			      atomic64_read(&key->rx_packets), MCG_A_KEY_PAD) ||
	    (key->rx_only && nla_put_flag(skb, MCG_A_KEY_RX_ONLY)) ||
	    (sending && nla_put_flag(skb, MCG_A_KEY_SENDING)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* The group as GROUP_GET and events report it.  Never key material. */
static int mcg_put_group(struct sk_buff *skb, struct mcg_group *g,
			 struct user_namespace *ns)
{
	bool mcast = !ipv6_addr_any(&g->conf.addr);
	struct mcg_key *tx, *key;
	struct net_device *dev;
	struct nlattr *nest;
	unsigned int i;

	lockdep_assert_held(&g->mn->lock);
	if (nla_put_string(skb, MCG_A_GROUP_NAME, g->name) ||
	    nla_put_u32(skb, MCG_A_GROUP_ID, g->id) ||
	    (mcast && nla_put_in6_addr(skb, MCG_A_GROUP_ADDR, &g->conf.addr)) ||
	    nla_put_u16(skb, MCG_A_GROUP_PORT, g->conf.port) ||
	    (mcast && nla_put_u32(skb, MCG_A_GROUP_IFINDEX, g->conf.ifindex)) ||
	    nla_put_u8(skb, MCG_A_GROUP_HOPLIMIT, g->conf.hoplimit) ||
	    nla_put_u32(skb, MCG_A_GROUP_WINDOW, g->conf.window) ||
	    nla_put_u32(skb, MCG_A_GROUP_SENDER, g->conf.sender) ||
	    nla_put_u32(skb, MCG_A_GROUP_UID, from_kuid_munged(ns, g->conf.uid)) ||
	    nla_put_u32(skb, MCG_A_GROUP_GID, from_kgid_munged(ns, g->conf.gid)) ||
	    nla_put_u16(skb, MCG_A_GROUP_MODE, g->conf.mode))
		return -EMSGSIZE;

	rcu_read_lock();
	dev = mcast ? dev_get_by_index_rcu(g->mn->net, g->conf.ifindex) : NULL;
	if (dev && nla_put_string(skb, MCG_A_GROUP_IFNAME, dev->name)) {
		rcu_read_unlock();
		return -EMSGSIZE;
	}
	rcu_read_unlock();

	if (mcg_dests_put(skb, MCG_A_GROUP_PEERS,
			  rcu_dereference_protected(g->dests,
						    lockdep_is_held(&g->mn->lock))))
		return -EMSGSIZE;

	if (g->conf.nsources) {
		nest = nla_nest_start(skb, MCG_A_GROUP_SOURCES);
		if (!nest)
			return -EMSGSIZE;
		for (i = 0; i < g->conf.nsources; i++)
			if (nla_put_in6_addr(skb, MCG_A_SOURCE_ADDR, &g->conf.sources[i]))
				return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}

	tx = rcu_dereference_protected(g->tx_key, lockdep_is_held(&g->mn->lock));
	if (nla_put_u32(skb, MCG_A_GROUP_TX_EPOCH, tx ? tx->epoch : 0) ||
	    (g->tx_auto && nla_put_flag(skb, MCG_A_GROUP_TX_EPOCH_AUTO)))
		return -EMSGSIZE;

	nest = nla_nest_start(skb, MCG_A_GROUP_KEYS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < MCG_MAX_EPOCHS; i++) {
		key = rcu_dereference_protected(g->keys[i],
						lockdep_is_held(&g->mn->lock));
		if (key && mcg_put_key(skb, key, key == tx))
			return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * One STATS_GET message of @g.  A group may have more senders than one
 * message holds, so its entry may span several: each has the group's name
 * and id, for the reader to put them together; the first (@pos 0) also
 * has the group's own counters; then come its senders from position @pos,
 * as many as fit.  -EMSGSIZE when some are left: *@pos says where the
 * next message goes on.
 */
static int mcg_fill_stats(struct sk_buff *skb, struct mcg_group *g,
			  struct user_namespace *ns, unsigned long *pos)
{
	if (nla_put_string(skb, MCG_A_GROUP_NAME, g->name) ||
	    nla_put_u32(skb, MCG_A_GROUP_ID, g->id) ||
	    (!*pos && mcg_stats_put(skb, MCG_A_STATS, g->stats)))
		return -EMSGSIZE;
	return mcg_peers_put_stats(skb, g, pos);
}

typedef int (*mcg_fill_t)(struct sk_buff *skb, struct mcg_group *g,
			  struct user_namespace *ns);

/*
 * What a message about a group needs on top of a page: one peer takes a
 * nest, its address and two counters (dest.c); 256 of them, 14 KiB.
 */
#define MCG_PEER_NLSIZE	(nla_total_size(0) +				\
			 nla_total_size(sizeof(struct in6_addr)) +	\
			 2 * nla_total_size_64bit(sizeof(u64)))
#define MCG_GROUP_NLSIZE(npeers) \
	(NLMSG_GOODSIZE + nla_total_size(0) + (npeers) * MCG_PEER_NLSIZE)

static size_t mcg_group_nlsize(struct mcg_group *g)
{
	struct mcg_dests *ds;

	ds = rcu_dereference_protected(g->dests, lockdep_is_held(&g->mn->lock));
	return MCG_GROUP_NLSIZE(ds ? ds->n : 0);
}

/* One message: genl header, then @fill for @g (or nothing). */
static struct sk_buff *mcg_msg(struct mcg_group *g, u8 cmd, u32 portid,
			       u32 seq, mcg_fill_t fill,
			       struct user_namespace *ns)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(g ? mcg_group_nlsize(g) : NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return ERR_PTR(-ENOMEM);
	hdr = genlmsg_put(msg, portid, seq, &mcg_genl_family, 0, cmd);
	if (!hdr)
		goto err;
	if (g && fill(msg, g, ns))
		goto err;
	genlmsg_end(msg, hdr);
	return msg;
err:
	nlmsg_free(msg);
	return ERR_PTR(-EMSGSIZE);
}

/* Announce a change to the namespace's listeners; ids as its owner sees them. */
static void mcg_notify(struct mcg_net *mn, struct mcg_group *g, u8 cmd)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&mcg_genl_family, mn->net, MCG_MCGRP_EVENTS))
		return;
	msg = mcg_msg(g, cmd, 0, 0, mcg_put_group, mn->net->user_ns);
	if (IS_ERR(msg))
		return;
	genlmsg_multicast_netns(&mcg_genl_family, mn->net, msg, 0,
				MCG_MCGRP_EVENTS, GFP_KERNEL);
}

/*
 * The group sends no more under @epoch: this host started as many runs
 * under it as it may (tx.c).  Said once per key, from the send path.
 */
void mcg_nl_key_exhausted(struct mcg_group *g, u32 epoch)
{
	struct mcg_net *mn = g->mn;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&mcg_genl_family, mn->net, MCG_MCGRP_EVENTS))
		return;
	/* Rare: room for any group, rather than taking the lock twice. */
	msg = genlmsg_new(MCG_GROUP_NLSIZE(MCG_MAX_PEERS), GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &mcg_genl_family, 0, MCG_CMD_KEY_EXHAUSTED);
	if (!hdr)
		goto err;
	mutex_lock(&mn->lock);
	if (READ_ONCE(g->dead) || mcg_put_group(msg, g, mn->net->user_ns)) {
		mutex_unlock(&mn->lock);
		goto err;
	}
	mutex_unlock(&mn->lock);
	nest = nla_nest_start(msg, MCG_A_KEY);
	if (!nest || nla_put_u32(msg, MCG_A_KEY_EPOCH, epoch))
		goto err;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&mcg_genl_family, mn->net, msg, 0,
				MCG_MCGRP_EVENTS, GFP_KERNEL);
	return;
err:
	nlmsg_free(msg);
}

/* ADDR, IFINDEX and SOURCES of a group with a multicast address. */
static int mcg_parse_mcast(struct mcg_net *mn, struct mcg_group_conf *cfg,
			   struct nlattr **attrs, struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	int ret;

	cfg->addr = nla_get_in6_addr(attrs[MCG_A_GROUP_ADDR]);
	ret = mcg_check_group_addr(&cfg->addr, attrs[MCG_A_GROUP_ADDR], extack);
	if (ret)
		return ret;
	cfg->ifindex = nla_get_u32(attrs[MCG_A_GROUP_IFINDEX]);
	dev = dev_get_by_index(mn->net, cfg->ifindex);
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[MCG_A_GROUP_IFINDEX],
				    "no interface with this index in the namespace");
		return -ENODEV;
	}
	if (!(dev->flags & IFF_MULTICAST)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[MCG_A_GROUP_IFINDEX],
				    "the interface does not do multicast");
		ret = -EINVAL;
	}
	dev_put(dev);
	if (ret)
		return ret;
	if (attrs[MCG_A_GROUP_SOURCES]) {
		ret = mcg_parse_sources(cfg, attrs[MCG_A_GROUP_SOURCES], extack);
		if (ret)
			return ret;
	}
	if (mcg_addr_is_ssm(&cfg->addr) && !cfg->nsources) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[MCG_A_GROUP_ADDR],
				    "a source-specific group (ff3x::/32) needs a source address");
		return -EINVAL;
	}
	return 0;
}

/*
 * The list a request's PEERS gives, or NULL for none (or no PEERS); a
 * group without a multicast address (@need) must keep one peer at least.
 */
static struct mcg_dests *mcg_nl_peers(struct nlattr *attr, bool need,
				      struct netlink_ext_ack *extack)
{
	struct mcg_dests *ds = attr ? mcg_dests_parse(attr, extack) : NULL;

	if (!ds && need) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "a group without a multicast address needs a peer");
		return ERR_PTR(-EINVAL);
	}
	return ds;
}

/* A group of peers only: what belongs to a multicast address is refused. */
static int mcg_check_no_mcast(struct nlattr **attrs,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *attr = attrs[MCG_A_GROUP_IFINDEX] ?: attrs[MCG_A_GROUP_SOURCES];

	if (attr) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "an interface or sources need a multicast address");
		return -EINVAL;
	}
	return 0;
}

static int mcg_nl_group_new(struct sk_buff *skb, struct genl_info *info)
{
	struct mcg_net *mn = mcg_net(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	struct mcg_group_conf *cfg;
	struct mcg_dests *dests;
	const char *name;
	struct mcg_group *g;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, MCG_A_GROUP_NAME))
		return -EINVAL;
	/* A group without a multicast address has peers only. */
	if (!attrs[MCG_A_GROUP_PEERS] || attrs[MCG_A_GROUP_ADDR]) {
		if (GENL_REQ_ATTR_CHECK(info, MCG_A_GROUP_ADDR) ||
		    GENL_REQ_ATTR_CHECK(info, MCG_A_GROUP_IFINDEX))
			return -EINVAL;
	}

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	name = nla_data(attrs[MCG_A_GROUP_NAME]);
	if (!mcg_name_ok(name)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[MCG_A_GROUP_NAME],
				    "a group name is 1 to 15 of A-Z a-z 0-9 _ . -");
		ret = -EINVAL;
		goto out;
	}
	if (attrs[MCG_A_GROUP_ADDR])
		ret = mcg_parse_mcast(mn, cfg, attrs, extack);
	else
		ret = mcg_check_no_mcast(attrs, extack);
	if (ret)
		goto out;
	if (attrs[MCG_A_GROUP_WINDOW]) {
		ret = mcg_check_window(attrs[MCG_A_GROUP_WINDOW], extack);
		if (ret)
			goto out;
	}
	cfg->uid = GLOBAL_ROOT_UID;
	cfg->gid = GLOBAL_ROOT_GID;
	ret = mcg_get_ids(info, skb, &cfg->uid, &cfg->gid);
	if (ret)
		goto out;

	cfg->port = mcg_u16_or(attrs[MCG_A_GROUP_PORT], MCG_DEFAULT_PORT);
	cfg->hoplimit = mcg_u8_or(attrs[MCG_A_GROUP_HOPLIMIT], MCG_DEFAULT_HOPLIMIT);
	cfg->window = mcg_u32_or(attrs[MCG_A_GROUP_WINDOW], MCG_DEFAULT_WINDOW);
	cfg->mode = mcg_u16_or(attrs[MCG_A_GROUP_MODE], MCG_DEFAULT_MODE);
	cfg->sender = mcg_u32_or(attrs[MCG_A_GROUP_SENDER], 0);
	while (!cfg->sender)
		cfg->sender = get_random_u32();
	dests = mcg_nl_peers(attrs[MCG_A_GROUP_PEERS], !attrs[MCG_A_GROUP_ADDR],
			     extack);
	if (IS_ERR(dests)) {
		ret = PTR_ERR(dests);
		goto out;
	}

	mutex_lock(&mn->lock);
	g = mcg_group_create(mn, name, mcg_u32_or(attrs[MCG_A_GROUP_ID], 0),
			     cfg, dests, extack);
	if (IS_ERR(g)) {
		ret = PTR_ERR(g);
		if (ret == -EEXIST && !extack->bad_attr)
			NL_SET_BAD_ATTR(extack, attrs[MCG_A_GROUP_NAME]);
	} else {
		mcg_notify(mn, g, MCG_CMD_GROUP_NEW);
		ret = 0;
	}
	mutex_unlock(&mn->lock);
out:
	kfree(cfg);
	return ret;
}

static int mcg_nl_group_set(struct sk_buff *skb, struct genl_info *info)
{
	struct mcg_net *mn = mcg_net(genl_info_net(info));
	struct nlattr **attrs = info->attrs;
	struct mcg_dests *dests = NULL;
	struct mcg_group *g;
	kuid_t uid;
	kgid_t gid;
	int ret;

	if (attrs[MCG_A_GROUP_WINDOW]) {
		ret = mcg_check_window(attrs[MCG_A_GROUP_WINDOW], info->extack);
		if (ret)
			return ret;
	}

	mutex_lock(&mn->lock);
	g = mcg_nl_group(mn, info);
	if (IS_ERR(g)) {
		ret = PTR_ERR(g);
		goto out;
	}
	uid = g->conf.uid;
	gid = g->conf.gid;
	ret = mcg_get_ids(info, skb, &uid, &gid);
	if (ret)
		goto out;
	if (attrs[MCG_A_GROUP_PEERS]) {
		dests = mcg_nl_peers(attrs[MCG_A_GROUP_PEERS],
				     ipv6_addr_any(&g->conf.addr), info->extack);
		if (IS_ERR(dests)) {
			ret = PTR_ERR(dests);
			goto out;
		}
	}
	/* The only step that can fail once checks pass: do it last of them. */
	if (attrs[MCG_A_GROUP_TX_EPOCH]) {
		ret = mcg_group_set_tx(g, nla_get_u32(attrs[MCG_A_GROUP_TX_EPOCH]),
				       info->extack);
		if (ret) {
			NL_SET_BAD_ATTR(info->extack, attrs[MCG_A_GROUP_TX_EPOCH]);
			mcg_dests_free(dests);
			goto out;
		}
	}
	if (attrs[MCG_A_GROUP_PEERS])
		mcg_udp_set_dests(g, dests);
	if (attrs[MCG_A_GROUP_HOPLIMIT])
		WRITE_ONCE(g->conf.hoplimit, nla_get_u8(attrs[MCG_A_GROUP_HOPLIMIT]));
	if (attrs[MCG_A_GROUP_WINDOW])
		WRITE_ONCE(g->conf.window, nla_get_u32(attrs[MCG_A_GROUP_WINDOW]));
	if (attrs[MCG_A_GROUP_MODE])
		WRITE_ONCE(g->conf.mode, nla_get_u16(attrs[MCG_A_GROUP_MODE]));
	WRITE_ONCE(g->conf.uid, uid);
	WRITE_ONCE(g->conf.gid, gid);
	mcg_notify(mn, g, MCG_CMD_GROUP_SET);
out:
	mutex_unlock(&mn->lock);
	return ret;
}

static int mcg_nl_group_del(struct sk_buff *skb, struct genl_info *info)
{
	struct mcg_net *mn = mcg_net(genl_info_net(info));
	struct mcg_group *g;
	int ret = 0;

	mutex_lock(&mn->lock);
	g = mcg_nl_group(mn, info);
	if (IS_ERR(g)) {
		ret = PTR_ERR(g);
	} else {
		mcg_notify(mn, g, MCG_CMD_GROUP_DEL);
		mcg_group_destroy(g);
	}
	mutex_unlock(&mn->lock);
	/* The port is free when we answer: the group can be made again. */
	if (!ret)
		mcg_udp_flush();
	return ret;
}

static int mcg_nl_get_one(struct sk_buff *skb, struct genl_info *info,
			  mcg_fill_t fill)
{
	struct mcg_net *mn = mcg_net(genl_info_net(info));
	struct sk_buff *msg;
	struct mcg_group *g;

	mutex_lock(&mn->lock);
	g = mcg_nl_group(mn, info);
	if (IS_ERR(g)) {
		mutex_unlock(&mn->lock);
		return PTR_ERR(g);
	}
	msg = mcg_msg(g, info->genlhdr->cmd, info->snd_portid, info->snd_seq,
		      fill, mcg_nl_userns(skb));
	mutex_unlock(&mn->lock);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	return genlmsg_reply(msg, info);
}

static int mcg_nl_group_get(struct sk_buff *skb, struct genl_info *info)
{
	return mcg_nl_get_one(skb, info, mcg_put_group);
}

/* Where a dump is, in cb->args. */
enum {
	MCG_DUMP_NEXT,		/* the id of the group it goes on with */
	MCG_DUMP_POS,		/* where in that group's senders (STATS_GET) */
	MCG_DUMP_LAST,		/* the last id it sends; 0 before it starts */
};

/*
 * One message of a dump for @g: all of it, or for STATS_GET what fits from
 * position *@pos in its senders, -EMSGSIZE when some are left.
 */
typedef int (*mcg_dump_fill_t)(struct sk_buff *skb, struct mcg_group *g,
			       struct user_namespace *ns, unsigned long *pos);

/*
 * The first call of a dump: every group, or the one a STATS_GET dump names
 * (mcgctl stats NAME), looked up as a request would; after that the dump
 * follows its id.
 */
static int mcg_nl_dump_begin(struct mcg_net *mn, struct netlink_callback *cb,
			     struct nlattr **filter)
{
	struct mcg_group *g;

	if (!filter || (!filter[MCG_A_GROUP_NAME] && !filter[MCG_A_GROUP_ID])) {
		cb->args[MCG_DUMP_LAST] = U32_MAX;
		return 0;
	}
	g = mcg_nl_group_attrs(mn, filter, cb->extack);
	if (IS_ERR(g))
		return PTR_ERR(g);
	cb->args[MCG_DUMP_NEXT] = g->id;
	cb->args[MCG_DUMP_LAST] = g->id;
	return 0;
}

/*
 * Dumps walk the groups in id order and resume after the last id sent, so
 * a group present for the whole dump is sent exactly once however others
 * come and go; a change during the dump sets NLM_F_DUMP_INTR.  A group
 * too large for one message goes on in the next from the position it
 * reached: its senders are only ever appended, so each is sent once too.
 */
static int mcg_nl_dump(struct sk_buff *skb, struct netlink_callback *cb,
		       u8 cmd, mcg_dump_fill_t fill, struct nlattr **filter)
{
	struct mcg_net *mn = mcg_net(sock_net(skb->sk));
	unsigned long id, first, next, pos, start;
	struct mcg_group *g;
	int ret = 0;
	void *hdr;

	mutex_lock(&mn->lock);
	if (!cb->args[MCG_DUMP_LAST]) {
		ret = mcg_nl_dump_begin(mn, cb, filter);
		if (ret) {
			mutex_unlock(&mn->lock);
			return ret;
		}
	}
	first = cb->args[MCG_DUMP_NEXT];
	next = first;
	pos = cb->args[MCG_DUMP_POS];
	cb->seq = mn->gen;
	xa_for_each_range(&mn->groups, id, g, first, cb->args[MCG_DUMP_LAST]) {
		/* The group it was in went away: this one starts afresh. */
		if (id != next) {
			next = id;
			pos = 0;
		}
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &mcg_genl_family,
				  NLM_F_MULTI, cmd);
		if (!hdr) {
			ret = -EMSGSIZE;
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		start = pos;
		ret = fill(skb, g, mcg_nl_userns(cb->skb), &pos);
		if (ret && pos == start) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		if (ret)
			break;
		next = id + 1;
		pos = 0;
	}
	mutex_unlock(&mn->lock);
	cb->args[MCG_DUMP_NEXT] = next;
	cb->args[MCG_DUMP_POS] = pos;
	/* A full message is fine: the dump goes on from @next and @pos. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

static int mcg_dump_group(struct sk_buff *skb, struct mcg_group *g,
			  struct user_namespace *ns, unsigned long *pos)
{
	return mcg_put_group(skb, g, ns);	/* always whole */
}

/* A group is dumped whole: room for one with the most peers it may have. */
static int mcg_nl_group_dump_start(struct netlink_callback *cb)
{
	cb->min_dump_alloc = MCG_GROUP_NLSIZE(MCG_MAX_PEERS);
	return 0;
}

static int mcg_nl_group_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return mcg_nl_dump(skb, cb, MCG_CMD_GROUP_GET, mcg_dump_group, NULL);
}

/*
 * An error reply echoes the request back (unless the sender set
 * NETLINK_CAP_ACK): never with the key in it.  The request is ours to
 * change once it reached us.  Every MCG_A_KEY: the policy let repeated
 * ones through, and only the last one is read.
 */
static void mcg_zero_material(struct genl_info *info)
{
	struct nlattr *key, *attr;
	int rem, rem2;

	nlmsg_for_each_attr(key, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(key) != MCG_A_KEY)
			continue;
		nla_for_each_nested(attr, key, rem2)
			if (nla_type(attr) == MCG_A_KEY_MATERIAL)
				memzero_explicit(nla_data(attr), nla_len(attr));
	}
}

static int mcg_nl_key_new(struct sk_buff *skb, struct genl_info *info)
{
	struct mcg_net *mn = mcg_net(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[MCG_A_KEY_MAX + 1];
	const struct mcg_alg_info *alg;
	struct nlattr *nest, *mat;
	struct mcg_group *g;
	struct mcg_key *key;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, MCG_A_KEY))
		return -EINVAL;
	nest = info->attrs[MCG_A_KEY];
	ret = nla_parse_nested(tb, MCG_A_KEY_MAX, nest, mcg_key_new_policy, extack);
	if (ret)
		goto out;
	mat = tb[MCG_A_KEY_MATERIAL];
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, MCG_A_KEY_EPOCH) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, MCG_A_KEY_ALG) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, MCG_A_KEY_MATERIAL)) {
		ret = -EINVAL;
		goto out;
	}
	alg = mcg_alg_info(nla_get_u32(tb[MCG_A_KEY_ALG]));
	if (nla_len(mat) != alg->key_len) {
		if (alg->key_len == 16)
			NL_SET_ERR_MSG_ATTR(extack, mat,
					    "the algorithm needs a 16-byte key");
		else
			NL_SET_ERR_MSG_ATTR(extack, mat,
					    "the algorithm needs a 32-byte key");
		ret = -EINVAL;
		goto out;
	}
	/*
	 * Looking the implementation up here also builds and self-tests it,
	 * which the receive worker would otherwise do on the first datagram
	 * while others pile up.
	 */
	if (!crypto_has_alg(alg->crypto, CRYPTO_ALG_TYPE_AEAD,
			    CRYPTO_ALG_TYPE_MASK)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MCG_A_KEY_ALG],
				    "this kernel has no implementation of the algorithm");
		ret = -ENOPKG;
		goto out;
	}
	key = mcg_key_create(nla_get_u32(tb[MCG_A_KEY_EPOCH]),
			     nla_get_u32(tb[MCG_A_KEY_ALG]), nla_data(mat),
			     nla_len(mat), nla_get_flag(tb[MCG_A_KEY_RX_ONLY]));
	if (IS_ERR(key)) {
		ret = PTR_ERR(key);
		goto out;
	}

	mutex_lock(&mn->lock);
	g = mcg_nl_group(mn, info);
	if (IS_ERR(g))
		ret = PTR_ERR(g);
	else
		ret = mcg_group_key_add(g, key, extack);
	if (ret) {
		if (ret == -EEXIST)
			NL_SET_BAD_ATTR(extack, tb[MCG_A_KEY_EPOCH]);
		mutex_unlock(&mn->lock);
		kfree_sensitive(key);
		goto out;
	}
	mcg_notify(mn, g, MCG_CMD_KEY_NEW);
	mutex_unlock(&mn->lock);
out:
	mcg_zero_material(info);
	return ret;
}

static int mcg_nl_key_del(struct sk_buff *skb, struct genl_info *info)
{
	struct mcg_net *mn = mcg_net(genl_info_net(info));
	struct nlattr *tb[MCG_A_KEY_MAX + 1];
	struct mcg_group *g;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, MCG_A_KEY))
		return -EINVAL;
	ret = nla_parse_nested(tb, MCG_A_KEY_MAX, info->attrs[MCG_A_KEY],
			       mcg_key_del_policy, info->extack);
	if (ret)
		return ret;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[MCG_A_KEY], tb,
			      MCG_A_KEY_EPOCH))
		return -EINVAL;

	mutex_lock(&mn->lock);
	g = mcg_nl_group(mn, info);
	if (IS_ERR(g)) {
		ret = PTR_ERR(g);
	} else {
		ret = mcg_group_key_del(g, nla_get_u32(tb[MCG_A_KEY_EPOCH]),
					info->extack);
		if (ret)
			NL_SET_BAD_ATTR(info->extack, tb[MCG_A_KEY_EPOCH]);
		else
			mcg_notify(mn, g, MCG_CMD_KEY_DEL);
	}
	mutex_unlock(&mn->lock);
	return ret;
}

/*
 * The most a STATS_GET reply takes: what a dump message can hold (netlink
 * gives a dump 32 KiB at most).  A group with more senders than that is
 * read with a dump naming it, which spreads them over several messages.
 */
#define MCG_STATS_REPLY_MAX \
	(SKB_WITH_OVERHEAD(32768) - NLMSG_HDRLEN - GENL_HDRLEN)

static int mcg_nl_stats_get_group(struct sk_buff *skb, struct genl_info *info)
{
	struct mcg_net *mn = mcg_net(genl_info_net(info));
	unsigned long pos = 0;
	struct sk_buff *msg;
	struct mcg_group *g;
	size_t size;
	void *hdr;
	int ret;

	mutex_lock(&mn->lock);
	g = mcg_nl_group(mn, info);
	if (IS_ERR(g)) {
		ret = PTR_ERR(g);
		goto out_unlock;
	}
	/* Room for its senders, and a few more that may arrive meanwhile. */
	size = min_t(size_t, NLMSG_GOODSIZE + mcg_peers_stats_size(g) * 2,
		     MCG_STATS_REPLY_MAX);
	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	hdr = genlmsg_put_reply(msg, info, &mcg_genl_family, 0,
				MCG_CMD_STATS_GET);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto out_free;
	}
	ret = mcg_fill_stats(msg, g, mcg_nl_userns(skb), &pos);
	if (ret) {
		NL_SET_ERR_MSG(info->extack,
			       "the group has too many senders for one reply: dump its stats");
		goto out_free;
	}
	mutex_unlock(&mn->lock);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
out_unlock:
	mutex_unlock(&mn->lock);
	return ret;
}

static int mcg_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct mcg_net *mn = mcg_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	if (info->attrs[MCG_A_GROUP_NAME] || info->attrs[MCG_A_GROUP_ID])
		return mcg_nl_stats_get_group(skb, info);

	/* No group named: the namespace's own counters. */
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &mcg_genl_family, 0, MCG_CMD_STATS_GET);
	if (!hdr || mcg_stats_put(msg, MCG_A_NS_STATS, mn->stats)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* A dump may name one group: that group's counters and senders only. */
static int mcg_nl_stats_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr *tb[MCG_A_MAX + 1] = {};
	int ret;

	/*
	 * The core checked the request against the op's policy already; it
	 * keeps what it parsed where each kernel series has its own way to
	 * reach, so it is parsed again, once.
	 */
	if (!cb->args[MCG_DUMP_LAST]) {
		ret = genlmsg_parse(cb->nlh, &mcg_genl_family, tb, MCG_A_MAX,
				    mcg_select_policy, cb->extack);
		if (ret)
			return ret;
	}
	return mcg_nl_dump(skb, cb, MCG_CMD_STATS_GET, mcg_fill_stats, tb);
}

static int mcg_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct mcg_net *mn = mcg_net(genl_info_net(info));

	mcg_group_flush(mn);
	mutex_lock(&mn->lock);
	mcg_notify(mn, NULL, MCG_CMD_FLUSH);
	mutex_unlock(&mn->lock);
	mcg_udp_flush();	/* as for GROUP_DEL */
	return 0;
}

static const struct genl_ops mcg_genl_ops[] = {
	{
		.cmd = MCG_CMD_GROUP_NEW,
		.doit = mcg_nl_group_new,
		.policy = mcg_group_new_policy,
		.maxattr = MCG_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MCG_CMD_GROUP_SET,
		.doit = mcg_nl_group_set,
		.policy = mcg_group_set_policy,
		.maxattr = MCG_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MCG_CMD_GROUP_DEL,
		.doit = mcg_nl_group_del,
		.policy = mcg_select_policy,
		.maxattr = MCG_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MCG_CMD_GROUP_GET,
		.doit = mcg_nl_group_get,
		.start = mcg_nl_group_dump_start,
		.dumpit = mcg_nl_group_dump,
		.policy = mcg_select_policy,
		.maxattr = MCG_A_MAX,
	},
	{
		.cmd = MCG_CMD_KEY_NEW,
		.doit = mcg_nl_key_new,
		.policy = mcg_key_new_top_policy,
		.maxattr = MCG_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MCG_CMD_KEY_DEL,
		.doit = mcg_nl_key_del,
		.policy = mcg_key_del_top_policy,
		.maxattr = MCG_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MCG_CMD_STATS_GET,
		.doit = mcg_nl_stats_get,
		.dumpit = mcg_nl_stats_dump,
		/* Also the dump's: it may name one group. */
		.policy = mcg_select_policy,
		.maxattr = MCG_A_MAX,
	},
	{
		.cmd = MCG_CMD_FLUSH,
		.doit = mcg_nl_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family mcg_genl_family __ro_after_init = {
	.name = MCG_GENL_NAME,
	.version = MCG_GENL_VERSION,
	.maxattr = MCG_A_MAX,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = mcg_genl_ops,
	.n_ops = ARRAY_SIZE(mcg_genl_ops),
	.mcgrps = mcg_mcgrps,
	.n_mcgrps = ARRAY_SIZE(mcg_mcgrps),
};

int mcg_genl_init(void)
{
	return genl_register_family(&mcg_genl_family);
}

void mcg_genl_uninit(void)
{
	genl_unregister_family(&mcg_genl_family);
}
