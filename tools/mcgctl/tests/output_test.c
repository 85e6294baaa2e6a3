// SPDX-License-Identifier: GPL-2.0
/*
 * Replies made up the way the kernel makes them (nests flagged, u64s
 * padded, attributes this mcgctl does not know), fed to the output code:
 *
 *   output_test [-j|-p] show|stats|stats-nsr|stats-zero|stats-split|monitor
 *   output_test [-j|-p] monitor-t|list
 *   output_test extack|time
 *
 * tests/run compares what comes out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netlink/genl/genl.h>

#include "../mcgctl.h"
#include "../nl.h"
#include "../show.h"

#define FAMILY 0x1d

static struct nl_msg *reply(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	if (!m || !genlmsg_put(m, 0, 1, FAMILY, 0, NLM_F_MULTI, cmd,
			       MCG_GENL_VERSION))
		abort();
	return m;
}

static void keep(struct mcg_replies *r, struct nl_msg *m)
{
	struct nlmsghdr *h = nlmsg_hdr(m);

	r->msg = realloc(r->msg, (r->n + 1) * sizeof(*r->msg));
	r->msg[r->n] = malloc(h->nlmsg_len);
	if (!r->msg || !r->msg[r->n])
		abort();
	memcpy(r->msg[r->n++], h, h->nlmsg_len);
	nlmsg_free(m);
}

static struct nlattr *nest(struct nl_msg *m, int type)
{
	return nla_nest_start(m, type | NLA_F_NESTED);
}

static void put_addr(struct nl_msg *m, int type, const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		abort();
	nla_put(m, type, sizeof(a), &a);
}

/* The kernel pads a u64 to 8 bytes with an empty PAD attribute. */
static void put_u64(struct nl_msg *m, int type, int pad, uint64_t v)
{
	nla_put(m, pad, 0, NULL);
	nla_put_u64(m, type, v);
}

static void put_key(struct nl_msg *m, int type, uint32_t epoch,
		    uint32_t alg, uint64_t created, bool sending)
{
	struct nlattr *k = nest(m, type);

	nla_put_u32(m, MCG_A_KEY_EPOCH, epoch);
	nla_put_u32(m, MCG_A_KEY_ALG, alg);
	put_u64(m, MCG_A_KEY_CREATED, MCG_A_KEY_PAD, created);
	if (sending)
		nla_put_flag(m, MCG_A_KEY_SENDING);
	else
		nla_put_flag(m, MCG_A_KEY_RX_ONLY);
	put_u64(m, MCG_A_KEY_TX_PACKETS, MCG_A_KEY_PAD, sending ? 5 : 0);
	put_u64(m, MCG_A_KEY_RX_PACKETS, MCG_A_KEY_PAD, 6);
	nla_put_u32(m, MCG_A_KEY_MAX + 7, 1);	/* from a newer kernel */
	nla_nest_end(m, k);
}

static void group_chat(struct nl_msg *m)
{
	struct nlattr *n;

	nla_put_string(m, MCG_A_GROUP_NAME, "chat");
	nla_put_u32(m, MCG_A_GROUP_ID, 1);
	put_addr(m, MCG_A_GROUP_ADDR, "ff05::4242");
	nla_put_u16(m, MCG_A_GROUP_PORT, 6470);
	nla_put_u32(m, MCG_A_GROUP_IFINDEX, 3);
	nla_put_string(m, MCG_A_GROUP_IFNAME, "veth0");
	n = nest(m, MCG_A_GROUP_SOURCES);
	put_addr(m, MCG_A_SOURCE_ADDR, "2001:db8::1");
	put_addr(m, MCG_A_SOURCE_ADDR, "2001:db8::2");
	nla_nest_end(m, n);
	nla_put_u8(m, MCG_A_GROUP_HOPLIMIT, 1);
	nla_put_u32(m, MCG_A_GROUP_WINDOW, 1024);
	nla_put_u32(m, MCG_A_GROUP_SENDER, 7);
	nla_put_u32(m, MCG_A_GROUP_UID, 0);
	nla_put_u32(m, MCG_A_GROUP_GID, 0);
	nla_put_u16(m, MCG_A_GROUP_MODE, 0660);
	nla_put_u32(m, MCG_A_GROUP_TX_EPOCH, 2);
	nla_put_flag(m, MCG_A_GROUP_TX_EPOCH_AUTO);
	n = nest(m, MCG_A_GROUP_KEYS);
	/* Out of order: show sorts by epoch. */
	put_key(m, MCG_A_KEYS_KEY, 2, MCG_ALG_AES_GCM_256, 1795313400, true);
	put_key(m, MCG_A_KEYS_KEY, 1, MCG_ALG_AES_GCM_128, 1795312800, false);
	nla_nest_end(m, n);
	nla_put_u32(m, MCG_A_MAX + 3, 42);	/* from a newer kernel */
}

static void group_odd(struct nl_msg *m)
{
	static const char *const src[] = {
		"2001:db8:1111:2222:3333:4444:5555:1",
		"2001:db8:1111:2222:3333:4444:5555:2",
		"2001:db8:1111:2222:3333:4444:5555:3",
		"2001:db8:1111:2222:3333:4444:5555:4",
		"fe80::1",
	};
	struct nlattr *n;
	size_t i;

	nla_put_string(m, MCG_A_GROUP_NAME, "q\"uo\\te");
	nla_put_u32(m, MCG_A_GROUP_ID, 4000000000u);
	put_addr(m, MCG_A_GROUP_ADDR, "ff02::1:3");
	nla_put_u16(m, MCG_A_GROUP_PORT, 65535);
	nla_put_u32(m, MCG_A_GROUP_IFINDEX, 424242);
	n = nest(m, MCG_A_GROUP_SOURCES);
	for (i = 0; i < ARRAY_SIZE(src); i++)
		put_addr(m, MCG_A_SOURCE_ADDR, src[i]);
	nla_nest_end(m, n);
	nla_put_u8(m, MCG_A_GROUP_HOPLIMIT, 255);
	nla_put_u32(m, MCG_A_GROUP_WINDOW, 65536);
	nla_put_u32(m, MCG_A_GROUP_SENDER, 4294967295u);
	nla_put_u32(m, MCG_A_GROUP_UID, 4000000000u);
	nla_put_u32(m, MCG_A_GROUP_GID, 4000000001u);
	nla_put_u16(m, MCG_A_GROUP_MODE, 0600);
	nla_put_u32(m, MCG_A_GROUP_TX_EPOCH, 0);
	n = nest(m, MCG_A_GROUP_KEYS);
	nla_nest_end(m, n);
}

static void put_peer(struct nl_msg *m, const char *addr, uint64_t packets,
		     uint64_t errors)
{
	struct nlattr *p = nest(m, MCG_A_PEERS_PEER);

	put_addr(m, MCG_A_PEER_ADDR, addr);
	put_u64(m, MCG_A_PEER_TX_PACKETS, MCG_A_PEER_PAD, packets);
	put_u64(m, MCG_A_PEER_TX_ERRORS, MCG_A_PEER_PAD, errors);
	nla_put_u32(m, MCG_A_PEER_MAX + 1, 1);	/* from a newer kernel */
	nla_nest_end(m, p);
}

/*
 * A group of unicast peers only.  A kernel may report its address and
 * interface as :: and 0 (zeros) or leave them out.
 */
static void group_uni(struct nl_msg *m, bool zeros)
{
	struct nlattr *n;

	nla_put_string(m, MCG_A_GROUP_NAME, "uni");
	nla_put_u32(m, MCG_A_GROUP_ID, 5);
	if (zeros) {
		put_addr(m, MCG_A_GROUP_ADDR, "::");
		nla_put_u32(m, MCG_A_GROUP_IFINDEX, 0);
	}
	nla_put_u16(m, MCG_A_GROUP_PORT, 6470);
	nla_put_u8(m, MCG_A_GROUP_HOPLIMIT, 64);
	nla_put_u32(m, MCG_A_GROUP_WINDOW, 1024);
	nla_put_u32(m, MCG_A_GROUP_SENDER, 9);
	nla_put_u32(m, MCG_A_GROUP_UID, 0);
	nla_put_u32(m, MCG_A_GROUP_GID, 0);
	nla_put_u16(m, MCG_A_GROUP_MODE, 0660);
	nla_put_u32(m, MCG_A_GROUP_TX_EPOCH, 0);
	n = nest(m, MCG_A_GROUP_KEYS);
	nla_nest_end(m, n);
	n = nest(m, MCG_A_GROUP_PEERS);
	put_peer(m, "2001:db8::2", 12, 0);
	put_peer(m, "fd00:1111:2222:3333:4444:5555:6666:7777", 18446744073709551615ULL, 3);
	nla_nest_end(m, n);
}

static void put_stats(struct nl_msg *m, int type, uint64_t base,
		      bool no_group)
{
	struct nlattr *n = nest(m, type);
	int i;

	for (i = MCG_A_STATS_TX_PACKETS; i <= MCG_A_STATS_MAX; i++)
		if (no_group || i != MCG_A_STATS_RX_DROP_NO_GROUP)
			put_u64(m, i, MCG_A_STATS_PAD, base + i);
	put_u64(m, MCG_A_STATS_MAX + 1, MCG_A_STATS_PAD, 99);
	nla_nest_end(m, n);
}

static void put_sender(struct nl_msg *m, uint32_t id, bool drops)
{
	struct nlattr *s = nest(m, MCG_A_SENDER), *n;

	nla_put_u32(m, MCG_A_SENDER_ID, id);
	/* One heard 2 min 5.3 s ago under epoch 4; one from an older kernel. */
	if (drops) {
		put_u64(m, MCG_A_SENDER_LAST_RX, MCG_A_SENDER_PAD, 125300);
		nla_put_u32(m, MCG_A_SENDER_EPOCH, 4);
		put_u64(m, MCG_A_SENDER_RUN, MCG_A_SENDER_PAD, 1ULL << 50);
	}
	n = nest(m, MCG_A_SENDER_STATS);
	put_u64(m, MCG_A_STATS_RX_PACKETS, MCG_A_STATS_PAD, 5);
	put_u64(m, MCG_A_STATS_RX_BYTES, MCG_A_STATS_PAD, 500);
	put_u64(m, MCG_A_STATS_RX_DROP_AUTH, MCG_A_STATS_PAD, 0);
	put_u64(m, MCG_A_STATS_RX_DROP_REPLAY, MCG_A_STATS_PAD, drops);
	put_u64(m, MCG_A_STATS_RX_DROP_OLD_RUN, MCG_A_STATS_PAD, 3 * drops);
	nla_nest_end(m, n);
	nla_nest_end(m, s);
}

/* A reply of STATS_GET about a group: each of its messages starts so. */
static struct nl_msg *stats_reply(const char *name, uint32_t id)
{
	struct nl_msg *m = reply(MCG_CMD_STATS_GET);

	nla_put_string(m, MCG_A_GROUP_NAME, name);
	nla_put_u32(m, MCG_A_GROUP_ID, id);
	return m;
}

/* A fresh namespace, as the kernel reports it: every counter, all 0. */
static int stats_zero(void)
{
	struct mcg_replies r = { 0 };
	struct nl_msg *m;
	struct nlattr *n;
	int i, ret;

	m = stats_reply("new", 1);
	n = nest(m, MCG_A_STATS);
	for (i = MCG_A_STATS_TX_PACKETS; i <= MCG_A_STATS_MAX; i++)
		put_u64(m, i, MCG_A_STATS_PAD, 0);
	nla_nest_end(m, n);
	n = nest(m, MCG_A_SENDERS);
	nla_nest_end(m, n);
	keep(&r, m);
	m = reply(MCG_CMD_STATS_GET);
	n = nest(m, MCG_A_NS_STATS);
	for (i = MCG_A_STATS_TX_PACKETS; i <= MCG_A_STATS_MAX; i++)
		put_u64(m, i, MCG_A_STATS_PAD, 0);
	nla_nest_end(m, n);
	keep(&r, m);
	ret = stats_print(&r, NULL);
	mcg_replies_free(&r);
	return ret;
}

static int stats(bool ns_in_dump)
{
	struct mcg_replies r = { 0 }, nsr = { 0 };
	struct nl_msg *m;
	struct nlattr *n;
	int ret;

	m = stats_reply("chat", 1);
	put_stats(m, MCG_A_STATS, 100, false);
	n = nest(m, MCG_A_SENDERS);
	put_sender(m, 7, true);
	put_sender(m, 9, false);
	nla_nest_end(m, n);
	keep(&r, m);

	m = stats_reply("idle", 2);
	put_stats(m, MCG_A_STATS, 0, false);
	keep(&r, m);

	/* The namespace last in the dump: it is printed first all the same. */
	m = reply(MCG_CMD_STATS_GET);
	put_stats(m, MCG_A_NS_STATS, 1000, true);
	keep(ns_in_dump ? &r : &nsr, m);

	ret = stats_print(&r, &nsr);
	mcg_replies_free(&r);
	mcg_replies_free(&nsr);
	return ret;
}

/*
 * A group whose senders took three messages of the dump, as the kernel
 * splits them: name and id in each, the group's counters in the first,
 * then another group.
 */
static int stats_split(void)
{
	struct mcg_replies r = { 0 };
	struct nl_msg *m;
	struct nlattr *n;
	int ret;

	m = stats_reply("big", 3);
	put_stats(m, MCG_A_STATS, 200, false);
	n = nest(m, MCG_A_SENDERS);
	put_sender(m, 11, true);
	put_sender(m, 12, false);
	nla_nest_end(m, n);
	keep(&r, m);

	m = stats_reply("big", 3);
	n = nest(m, MCG_A_SENDERS);
	put_sender(m, 13, false);
	put_sender(m, 14, true);
	nla_nest_end(m, n);
	keep(&r, m);

	m = stats_reply("big", 3);
	n = nest(m, MCG_A_SENDERS);
	put_sender(m, 15, false);
	nla_nest_end(m, n);
	keep(&r, m);

	m = stats_reply("idle", 4);
	put_stats(m, MCG_A_STATS, 0, false);
	n = nest(m, MCG_A_SENDERS);
	nla_nest_end(m, n);
	keep(&r, m);

	ret = stats_print(&r, NULL);
	mcg_replies_free(&r);
	return ret;
}

static int show(void)
{
	struct mcg_replies r = { 0 };
	struct nl_msg *m;
	int ret;

	m = reply(MCG_CMD_GROUP_GET);
	group_chat(m);
	keep(&r, m);
	m = reply(MCG_CMD_GROUP_GET);
	group_odd(m);
	keep(&r, m);
	m = reply(MCG_CMD_GROUP_GET);
	group_uni(m, false);
	keep(&r, m);
	ret = show_print(&r);
	mcg_replies_free(&r);
	return ret;
}

static int monitor(bool stamp)
{
	struct mcg_replies r = { 0 };
	struct nlattr *n;
	struct nl_msg *m;
	size_t i;
	int ret = 0;

	m = reply(MCG_CMD_GROUP_NEW);
	group_chat(m);
	keep(&r, m);
	m = reply(MCG_CMD_KEY_NEW);
	nla_put_string(m, MCG_A_GROUP_NAME, "chat");
	nla_put_u32(m, MCG_A_GROUP_ID, 1);
	n = nest(m, MCG_A_KEY);
	nla_put_u32(m, MCG_A_KEY_EPOCH, 3);
	nla_put_u32(m, MCG_A_KEY_ALG, MCG_ALG_CHACHA20_POLY1305);
	nla_nest_end(m, n);
	keep(&r, m);
	m = reply(MCG_CMD_GROUP_SET);
	group_uni(m, true);
	keep(&r, m);
	m = reply(MCG_CMD_GROUP_DEL);
	nla_put_string(m, MCG_A_GROUP_NAME, "chat");
	nla_put_u32(m, MCG_A_GROUP_ID, 1);
	keep(&r, m);
	keep(&r, reply(MCG_CMD_FLUSH));
	keep(&r, reply(42));
	for (i = 0; i < r.n; i++)
		ret |= monitor_event(r.msg[i], &stamp);
	mcg_replies_free(&r);
	return ret;
}

/* The names of show's groups, and one reply that is not a group's. */
static int list(void)
{
	struct mcg_replies r = { 0 };
	struct nl_msg *m;
	int ret;

	m = reply(MCG_CMD_GROUP_GET);
	group_chat(m);
	keep(&r, m);
	keep(&r, reply(MCG_CMD_GROUP_GET));
	m = reply(MCG_CMD_GROUP_GET);
	group_odd(m);
	keep(&r, m);
	m = reply(MCG_CMD_GROUP_GET);
	group_uni(m, false);
	keep(&r, m);
	ret = list_print(&r);
	mcg_replies_free(&r);
	return ret;
}

/* Instants whose text does not depend on the clock, in the caller's TZ. */
static void times(void)
{
	static const struct timespec ts[] = {
		{ 1795312800, 0 },
		{ 1795312800, 999999999 },
		{ 1795312859, 123456789 },
		{ 0, 1000 },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ts); i++) {
		if (format_time(buf, sizeof(buf), &ts[i]))
			printf("error\n");
		else
			printf("%s\n", buf);
	}
	printf("%d\n", format_time(buf, 32, &ts[0]));
}

/* An NLMSG_ERROR (or DONE) as the kernel builds it. */
static void extack_case(const char *what, int type, int flags, int err,
			size_t echoed, const char *text, int tlv_len)
{
	union {
		struct nlmsghdr h;
		char b[512];
	} u;
	struct nlmsghdr *h = &u.h;
	struct nlmsgerr *e;
	struct nlattr *a;
	size_t len;
	char msg[256];

	memset(&u, 0, sizeof(u));
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	if (type == NLMSG_DONE) {
		memcpy(NLMSG_DATA(h), &err, sizeof(err));
		len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(err));
	} else {
		e = NLMSG_DATA(h);
		e->error = err;
		e->msg.nlmsg_len = NLMSG_HDRLEN + echoed;
		e->msg.nlmsg_type = FAMILY;
		/* The echoed request: bytes that must not be read as TLVs. */
		memset((char *)(e + 1), 0x55, echoed);
		len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e) + echoed);
	}
	if (text) {
		a = (struct nlattr *)(u.b + len);
		a->nla_type = NLMSGERR_ATTR_OFFS;
		a->nla_len = NLA_HDRLEN + 4;
		len += NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)(u.b + len);
		a->nla_type = NLMSGERR_ATTR_MSG;
		a->nla_len = tlv_len ? (size_t)tlv_len : NLA_HDRLEN + strlen(text) + 1;
		strcpy((char *)a + NLA_HDRLEN, text);
		len += NLA_ALIGN(NLA_HDRLEN + strlen(text) + 1);
	}
	h->nlmsg_len = len;
	err = mcg_nl_error(h, msg, sizeof(msg));
	printf("%s: %d '%s'\n", what, err, msg);
}

static void extack(void)
{
	extack_case("capped", NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS,
		    -EINVAL, 0, "address is not multicast", 0);
	extack_case("uncapped", NLMSG_ERROR, NLM_F_ACK_TLVS, -EINVAL, 36,
		    "window is not a multiple of 64", 0);
	extack_case("uncapped, odd length", NLMSG_ERROR, NLM_F_ACK_TLVS,
		    -ENOENT, 21, "no such group", 0);
	extack_case("no TLVs flag", NLMSG_ERROR, NLM_F_CAPPED, -EPERM, 0,
		    "ignored", 0);
	extack_case("plain errno", NLMSG_ERROR, 0, -EEXIST, 20, NULL, 0);
	extack_case("ack with warning", NLMSG_ERROR,
		    NLM_F_CAPPED | NLM_F_ACK_TLVS, 0, 0, "deprecated", 0);
	extack_case("done", NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS,
		    -ENOBUFS, 0, "dump failed", 0);
	extack_case("done, fine", NLMSG_DONE, NLM_F_MULTI, 0, 0, NULL, 0);
	extack_case("TLV longer than the message", NLMSG_ERROR,
		    NLM_F_CAPPED | NLM_F_ACK_TLVS, -EINVAL, 0, "cut", 400);
	extack_case("no NUL in the message", NLMSG_ERROR,
		    NLM_F_CAPPED | NLM_F_ACK_TLVS, -EINVAL, 0, "abc",
		    NLA_HDRLEN + 3);
}

int main(int argc, char **argv)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		opts.json = true;
		opts.pretty = !strcmp(argv[i], "-p");
	}
	if (i == argc)
		return 2;
	if (!strcmp(argv[i], "show"))
		return show();
	if (!strcmp(argv[i], "stats"))
		return stats(true);
	if (!strcmp(argv[i], "stats-nsr"))
		return stats(false);
	if (!strcmp(argv[i], "stats-zero"))
		return stats_zero();
	if (!strcmp(argv[i], "stats-split"))
		return stats_split();
	if (!strcmp(argv[i], "monitor"))
		return monitor(false);
	if (!strcmp(argv[i], "monitor-t"))
		return monitor(true);
	if (!strcmp(argv[i], "list"))
		return list();
	if (!strcmp(argv[i], "time")) {
		times();
		return 0;
	}
	if (!strcmp(argv[i], "extack")) {
		extack();
		return 0;
	}
	return 2;
}
