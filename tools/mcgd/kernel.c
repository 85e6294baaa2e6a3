// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel through generic netlink (kernel.h).  Requests that carry a
 * key are wiped before they are freed.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netlink/genl/genl.h>

#include "../mcgctl/mcgctl.h"
#include "kernel.h"
#include "log.h"

int mcgd_kernel_open(struct mcgd_kernel *k)
{
	if (mcg_nl_open(&k->nl, false))
		return -1;
	if (mcg_nl_open(&k->ev, true)) {
		mcg_nl_close(&k->nl);
		return -1;
	}
	nl_socket_set_nonblocking(k->ev.sk);
	return 0;
}

void mcgd_kernel_close(struct mcgd_kernel *k)
{
	mcg_nl_close(&k->ev);
	mcg_nl_close(&k->nl);
}

int mcgd_kernel_events_fd(const struct mcgd_kernel *k)
{
	return nl_socket_get_fd(k->ev.sk);
}

/* One request, answered by an ACK; the message is wiped and freed. */
static int request(struct mcgd_kernel *k, struct nl_msg *msg, const char *verb)
{
	int ret = mcg_nl_talk(&k->nl, msg, verb, NULL, NULL);

	explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	return ret;
}

static struct nl_msg *group_msg(struct mcgd_kernel *k, uint8_t cmd,
				const char *name)
{
	struct nl_msg *msg = mcg_nl_msg(&k->nl, cmd, 0);

	if (nla_put_string(msg, MCG_A_GROUP_NAME, name))
		die_oom();
	return msg;
}

static int group_new(struct mcgd_kernel *k, const char *name,
		     const struct mcg_conf *c, uint32_t sender, uint32_t ifindex)
{
	struct nl_msg *msg = group_msg(k, MCG_CMD_GROUP_NEW, name);

	if (nla_put_u32(msg, MCG_A_GROUP_ID, c->id) ||
	    nla_put(msg, MCG_A_GROUP_ADDR, sizeof(c->addr), &c->addr) ||
	    nla_put_u16(msg, MCG_A_GROUP_PORT, c->port) ||
	    nla_put_u32(msg, MCG_A_GROUP_IFINDEX, ifindex) ||
	    nla_put_u32(msg, MCG_A_GROUP_SENDER, sender) ||
	    nla_put_u8(msg, MCG_A_GROUP_HOPLIMIT, c->hoplimit))
		die_oom();
	return request(k, msg, "group add");
}

static bool u32_is(struct nlattr *a, uint32_t v)
{
	return a && nla_get_u32(a) == v;
}

/* Is the kernel's group tb the one c describes, for this host? */
static bool same_group(struct nlattr **tb, const struct mcg_conf *c,
		       uint32_t sender, uint32_t ifindex)
{
	return u32_is(tb[MCG_A_GROUP_ID], c->id) &&
	       u32_is(tb[MCG_A_GROUP_SENDER], sender) &&
	       u32_is(tb[MCG_A_GROUP_IFINDEX], ifindex) &&
	       tb[MCG_A_GROUP_PORT] && nla_get_u16(tb[MCG_A_GROUP_PORT]) == c->port &&
	       tb[MCG_A_GROUP_ADDR] &&
	       !memcmp(nla_data(tb[MCG_A_GROUP_ADDR]), &c->addr, sizeof(c->addr));
}

/*
 * The epochs of the group named name into epochs (MCG_MAX_EPOCHS); how
 * many, or -1 if there is no such group.  *same: is it c's?
 */
static int group_keys(struct mcgd_kernel *k, const char *name,
		      const struct mcg_conf *c, uint32_t sender,
		      uint32_t ifindex, uint32_t *epochs, bool *same)
{
	struct mcg_replies r = { 0 };
	mcg_tb_t *tbs;
	int n = -1;
	size_t i;

	if (mcg_nl_get(&k->nl, MCG_CMD_GROUP_GET, NULL, "group show", &r))
		return -1;
	tbs = mcg_nl_parse_all(&r);
	for (i = 0; tbs && i < r.n; i++) {
		struct nlattr **tb = tbs[i], *a;
		int rem;

		if (!tb[MCG_A_GROUP_NAME] ||
		    strcmp(nla_get_string(tb[MCG_A_GROUP_NAME]), name))
			continue;
		n = 0;
		*same = c && same_group(tb, c, sender, ifindex);
		if (!tb[MCG_A_GROUP_KEYS])
			break;
		nla_for_each_nested(a, tb[MCG_A_GROUP_KEYS], rem) {
			struct nlattr *kt[MCG_A_KEY_MAX + 1];

			if (nla_type(a) != MCG_A_KEYS_KEY ||
			    nla_parse_nested(kt, MCG_A_KEY_MAX, a, NULL) ||
			    !kt[MCG_A_KEY_EPOCH] || n == MCG_MAX_EPOCHS)
				continue;
			epochs[n++] = nla_get_u32(kt[MCG_A_KEY_EPOCH]);
		}
		break;
	}
	free(tbs);
	mcg_replies_free(&r);
	return n;
}

static int keys_del(struct mcgd_kernel *k, const char *name,
		    const uint32_t *epochs, int n)
{
	int i, ret = 0;

	for (i = 0; i < n; i++)
		ret |= mcgd_kernel_key_del(k, name, epochs[i]);
	return ret;
}

int mcgd_kernel_group_up(struct mcgd_kernel *k, const char *name,
			 const struct mcg_conf *c, uint32_t sender,
			 uint32_t ifindex)
{
	uint32_t epochs[MCG_MAX_EPOCHS];
	bool same = false;
	int n;

	n = group_keys(k, name, c, sender, ifindex, epochs, &same);
	if (n < 0)
		return group_new(k, name, c, sender, ifindex);
	if (same) {
		mcgd_log(LOG_INFO, "group %s: kept from before, its %d keys deleted",
			 name, n);
		return keys_del(k, name, epochs, n);
	}
	mcgd_log(LOG_NOTICE, "group %s: the kernel's differs from %u: made again",
		 name, c->id);
	if (mcgd_kernel_group_del(k, name))
		return -1;
	return group_new(k, name, c, sender, ifindex);
}

int mcgd_kernel_group_set(struct mcgd_kernel *k, const char *name,
			  uint8_t hoplimit, const struct in6_addr *peers,
			  unsigned int n)
{
	struct nl_msg *msg = group_msg(k, MCG_CMD_GROUP_SET, name);
	struct nlattr *nest, *peer;
	unsigned int i;

	if (nla_put_u8(msg, MCG_A_GROUP_HOPLIMIT, hoplimit))
		die_oom();
	nest = nla_nest_start(msg, MCG_A_GROUP_PEERS | NLA_F_NESTED);
	if (!nest)
		die_oom();
	for (i = 0; i < n; i++) {
		peer = nla_nest_start(msg, MCG_A_PEERS_PEER | NLA_F_NESTED);
		if (!peer || nla_put(msg, MCG_A_PEER_ADDR, sizeof(peers[i]),
				     &peers[i]))
			die_oom();
		nla_nest_end(msg, peer);
	}
	/* An empty nest is how the kernel is told "no peers": keep it. */
	if (nla_nest_end_keep_empty(msg, nest))
		die_oom();
	return request(k, msg, "group set");
}

int mcgd_kernel_group_del(struct mcgd_kernel *k, const char *name)
{
	return request(k, group_msg(k, MCG_CMD_GROUP_DEL, name), "group del");
}

int mcgd_kernel_keys_flush(struct mcgd_kernel *k, const char *name)
{
	uint32_t epochs[MCG_MAX_EPOCHS];
	bool same;
	int n = group_keys(k, name, NULL, 0, 0, epochs, &same);

	return n < 0 ? 0 : keys_del(k, name, epochs, n);
}

static struct nl_msg *key_msg(struct mcgd_kernel *k, uint8_t cmd,
			      const char *name, uint32_t epoch,
			      struct nlattr **nest)
{
	struct nl_msg *msg = group_msg(k, cmd, name);

	*nest = nla_nest_start(msg, MCG_A_KEY);
	if (!*nest || nla_put_u32(msg, MCG_A_KEY_EPOCH, epoch))
		die_oom();
	return msg;
}

int mcgd_kernel_key_add(struct mcgd_kernel *k, const char *name,
			uint32_t epoch, uint8_t alg, const uint8_t *key,
			size_t len)
{
	struct nlattr *nest;
	struct nl_msg *msg = key_msg(k, MCG_CMD_KEY_NEW, name, epoch, &nest);

	if (nla_put_u32(msg, MCG_A_KEY_ALG, alg) ||
	    nla_put(msg, MCG_A_KEY_MATERIAL, len, key) ||
	    nla_put_flag(msg, MCG_A_KEY_RX_ONLY))
		die_oom();
	nla_nest_end(msg, nest);
	return request(k, msg, "key add");
}

int mcgd_kernel_key_del(struct mcgd_kernel *k, const char *name,
			uint32_t epoch)
{
	struct nlattr *nest;
	struct nl_msg *msg = key_msg(k, MCG_CMD_KEY_DEL, name, epoch, &nest);

	nla_nest_end(msg, nest);
	return request(k, msg, "key del");
}

int mcgd_kernel_key_use(struct mcgd_kernel *k, const char *name,
			uint32_t epoch)
{
	struct nl_msg *msg = group_msg(k, MCG_CMD_GROUP_SET, name);

	if (nla_put_u32(msg, MCG_A_GROUP_TX_EPOCH, epoch))
		die_oom();
	return request(k, msg, "key use");
}

struct events {
	mcgd_exhausted_fn fn;
	void *arg;
};

/* Only key-exhausted events matter here; anything else is passed over. */
static int on_event(struct nlmsghdr *nlh, void *arg)
{
	struct events *ev = arg;
	struct nlattr *tb[MCG_A_MAX + 1], *kt[MCG_A_KEY_MAX + 1];

	if (genlmsg_hdr(nlh)->cmd != MCG_CMD_KEY_EXHAUSTED ||
	    genlmsg_parse(nlh, 0, tb, MCG_A_MAX, mcg_policy) ||
	    !tb[MCG_A_GROUP_NAME] || !tb[MCG_A_KEY] ||
	    nla_parse_nested(kt, MCG_A_KEY_MAX, tb[MCG_A_KEY], NULL) ||
	    !kt[MCG_A_KEY_EPOCH])
		return 0;
	ev->fn(nla_get_string(tb[MCG_A_GROUP_NAME]),
	       nla_get_u32(kt[MCG_A_KEY_EPOCH]), ev->arg);
	return 0;
}

void mcgd_kernel_events(struct mcgd_kernel *k, mcgd_exhausted_fn fn,
			void *arg)
{
	struct events ev = { .fn = fn, .arg = arg };

	/* The kernel says a key is used up once: a lost event leaves that
	 * key to the next periodic rotation.
	 */
	if (mcg_nl_events(&k->ev, on_event, &ev) == -NLE_NOMEM)
		mcgd_log(LOG_WARNING, "kernel events were lost");
}
