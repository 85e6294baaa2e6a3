// SPDX-License-Identifier: GPL-2.0
/*
 * stats: the counters of groups and of each sender, and those of the
 * namespace for what no group could claim.
 *
 * Where the namespace counters come from is left open by the uapi: a dump
 * may carry them in a reply without a group, and a request without a
 * group answers with them.  Both are handled; the dump's are used first.
 *
 * A group with many senders comes in several messages of the dump, each
 * with its name and id and the next of its senders, its own counters in
 * the first: they are put together into one group again.
 */
#include <stdlib.h>
#include <string.h>

#include "mcgctl.h"
#include "line.h"
#include "show.h"

/* JSON names: the enum's, lower case, without MCG_A_STATS_. */
static const char *const stat_names[MCG_A_STATS_MAX + 1] = {
	[MCG_A_STATS_TX_PACKETS]	= "tx_packets",
	[MCG_A_STATS_TX_BYTES]		= "tx_bytes",
	[MCG_A_STATS_TX_ERRORS]		= "tx_errors",
	[MCG_A_STATS_TX_NOKEY]		= "tx_nokey",
	[MCG_A_STATS_TX_KEY_EXHAUSTED]	= "tx_key_exhausted",
	[MCG_A_STATS_RX_PACKETS]	= "rx_packets",
	[MCG_A_STATS_RX_BYTES]		= "rx_bytes",
	[MCG_A_STATS_RX_DELIVERED]	= "rx_delivered",
	[MCG_A_STATS_RX_DROP_SHORT]	= "rx_drop_short",
	[MCG_A_STATS_RX_DROP_HEADER]	= "rx_drop_header",
	[MCG_A_STATS_RX_DROP_NO_GROUP]	= "rx_drop_no_group",
	[MCG_A_STATS_RX_DROP_NO_KEY]	= "rx_drop_no_key",
	[MCG_A_STATS_RX_DROP_AUTH]	= "rx_drop_auth",
	[MCG_A_STATS_RX_DROP_REPLAY]	= "rx_drop_replay",
	[MCG_A_STATS_RX_DROP_OLD]	= "rx_drop_old",
	[MCG_A_STATS_RX_DROP_OLD_RUN]	= "rx_drop_old_run",
	[MCG_A_STATS_RX_DROP_NOMEM]	= "rx_drop_nomem",
	[MCG_A_STATS_RX_DROP_RCVBUF]	= "rx_drop_rcvbuf",
	[MCG_A_STATS_RX_DROP_BACKLOG]	= "rx_drop_backlog",
	[MCG_A_STATS_RX_DROP_OWN]	= "rx_drop_own",
	[MCG_A_STATS_RX_DROP_NOT_PEER]	= "rx_drop_not_peer",
};

static struct nla_policy stats_policy[MCG_A_STATS_MAX + 1] = {
	[MCG_A_STATS_TX_PACKETS ... MCG_A_STATS_MAX] = { .type = NLA_U64 },
};

static struct nla_policy sender_policy[MCG_A_SENDER_MAX + 1] = {
	[MCG_A_SENDER_ID]	= { .type = NLA_U32 },
	[MCG_A_SENDER_STATS]	= { .type = NLA_NESTED },
	[MCG_A_SENDER_LAST_RX]	= { .type = NLA_U64 },
	[MCG_A_SENDER_EPOCH]	= { .type = NLA_U32 },
	[MCG_A_SENDER_RUN]	= { .type = NLA_U64 },
};

/* Words of the text output, line by line. */
struct label {
	int attr;
	const char *word;
};

static const struct label tx_labels[] = {
	{ MCG_A_STATS_TX_PACKETS, "packets" },
	{ MCG_A_STATS_TX_BYTES, "bytes" },
	{ MCG_A_STATS_TX_ERRORS, "errors" },
	{ MCG_A_STATS_TX_NOKEY, "nokey" },
	{ MCG_A_STATS_TX_KEY_EXHAUSTED, "key-exhausted" },
	{ }
};

static const struct label rx_labels[] = {
	{ MCG_A_STATS_RX_PACKETS, "packets" },
	{ MCG_A_STATS_RX_BYTES, "bytes" },
	{ MCG_A_STATS_RX_DELIVERED, "delivered" },
	{ }
};

/*
 * Drops of a group and of the namespace: each has its reasons, which are
 * always printed; another reason only when it counted something.
 */
static const struct label group_drop_labels[] = {
	{ MCG_A_STATS_RX_DROP_SHORT, "short" },
	{ MCG_A_STATS_RX_DROP_HEADER, "header" },
	{ MCG_A_STATS_RX_DROP_NO_KEY, "no-key" },
	{ MCG_A_STATS_RX_DROP_AUTH, "auth" },
	{ MCG_A_STATS_RX_DROP_REPLAY, "replay" },
	{ MCG_A_STATS_RX_DROP_OLD, "old" },
	{ MCG_A_STATS_RX_DROP_OLD_RUN, "old-run" },
	{ MCG_A_STATS_RX_DROP_NOMEM, "nomem" },
	{ MCG_A_STATS_RX_DROP_RCVBUF, "rcvbuf" },
	{ }
};

static const struct label group_rare_labels[] = {
	{ MCG_A_STATS_RX_DROP_BACKLOG, "backlog" },
	{ MCG_A_STATS_RX_DROP_OWN, "own" },
	{ MCG_A_STATS_RX_DROP_NOT_PEER, "not-peer" },
	{ MCG_A_STATS_RX_DROP_NO_GROUP, "no-group" },
	{ }
};

static const struct label ns_drop_labels[] = {
	{ MCG_A_STATS_RX_DROP_NO_GROUP, "no-group" },
	{ MCG_A_STATS_RX_DROP_SHORT, "short" },
	{ MCG_A_STATS_RX_DROP_HEADER, "header" },
	{ }
};

static const struct label ns_rare_labels[] = {
	{ MCG_A_STATS_RX_DROP_NO_KEY, "no-key" },
	{ MCG_A_STATS_RX_DROP_AUTH, "auth" },
	{ MCG_A_STATS_RX_DROP_REPLAY, "replay" },
	{ MCG_A_STATS_RX_DROP_OLD, "old" },
	{ MCG_A_STATS_RX_DROP_OLD_RUN, "old-run" },
	{ MCG_A_STATS_RX_DROP_NOMEM, "nomem" },
	{ MCG_A_STATS_RX_DROP_RCVBUF, "rcvbuf" },
	{ MCG_A_STATS_RX_DROP_BACKLOG, "backlog" },
	{ MCG_A_STATS_RX_DROP_OWN, "own" },
	{ MCG_A_STATS_RX_DROP_NOT_PEER, "not-peer" },
	{ }
};

/* Parses a nest of counters; NULL entries for those not sent. */
static int parse_stats(struct nlattr *nest, struct nlattr **st)
{
	if (nest && !nla_parse_nested(st, MCG_A_STATS_MAX, nest, stats_policy))
		return 0;
	memset(st, 0, (MCG_A_STATS_MAX + 1) * sizeof(*st));
	return -1;
}

static void add_counters(struct line *l, struct nlattr **st,
			 const struct label *lab, bool nonzero)
{
	uint64_t v;

	for (; lab->word; lab++) {
		if (!st[lab->attr])
			continue;
		v = nla_get_u64(st[lab->attr]);
		if (!nonzero || v)
			line_add(l, "%s %llu", lab->word,
				 (unsigned long long)v);
	}
}

static void json_counters(struct json *j, struct nlattr **st)
{
	int i;

	for (i = 0; i <= MCG_A_STATS_MAX; i++)
		if (st[i] && stat_names[i])
			json_u64(j, stat_names[i], nla_get_u64(st[i]));
}

static bool any_nonzero(struct nlattr **st, const struct label *lab)
{
	for (; lab->word; lab++)
		if (st[lab->attr] && nla_get_u64(st[lab->attr]))
			return true;
	return false;
}

/* "850ms", "42.5s", "12m05s", "3h07m", "2d05h": how long ago, in two units. */
static void stats_age(char *buf, size_t size, uint64_t ms)
{
	uint64_t s = ms / 1000;

	if (ms < 1000)
		snprintf(buf, size, "%llums", (unsigned long long)ms);
	else if (s < 60)
		snprintf(buf, size, "%llu.%llus", (unsigned long long)s,
			 (unsigned long long)(ms % 1000 / 100));
	else if (s < 3600)
		snprintf(buf, size, "%llum%02llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, size, "%lluh%02llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s % 3600 / 60));
	else
		snprintf(buf, size, "%llud%02lluh", (unsigned long long)(s / 86400),
			 (unsigned long long)(s % 86400 / 3600));
}

/*
 * "  sender ID: last 1.2s ago epoch 2  rx packets N bytes N  drops
 * replay N": nonzero drops.
 */
static void text_sender(struct nlattr *sender)
{
	struct nlattr *tb[MCG_A_SENDER_MAX + 1], *st[MCG_A_STATS_MAX + 1];
	struct line l;
	char lead[32], age[32];

	if (nla_parse_nested(tb, MCG_A_SENDER_MAX, sender, sender_policy) ||
	    !tb[MCG_A_SENDER_ID])
		return;
	parse_stats(tb[MCG_A_SENDER_STATS], st);
	snprintf(lead, sizeof(lead), "  sender %u: ",
		 nla_get_u32(tb[MCG_A_SENDER_ID]));
	line_start(&l, lead, " ");
	line_wrap(&l, 80, "    ");
	if (tb[MCG_A_SENDER_LAST_RX]) {
		stats_age(age, sizeof(age), nla_get_u64(tb[MCG_A_SENDER_LAST_RX]));
		line_add(&l, "last %s ago", age);
	}
	if (tb[MCG_A_SENDER_EPOCH])
		line_add(&l, "epoch %u", nla_get_u32(tb[MCG_A_SENDER_EPOCH]));
	l.sep = "  ";
	line_add(&l, "rx");
	l.sep = " ";
	add_counters(&l, st, rx_labels, false);
	if (any_nonzero(st, group_drop_labels) ||
	    any_nonzero(st, group_rare_labels)) {
		l.sep = "  ";
		line_add(&l, "drops");
		l.sep = " ";
		add_counters(&l, st, group_drop_labels, true);
		add_counters(&l, st, group_rare_labels, true);
	}
	line_end(&l);
}

static void json_sender(struct json *j, struct nlattr *sender)
{
	struct nlattr *tb[MCG_A_SENDER_MAX + 1], *st[MCG_A_STATS_MAX + 1];

	if (nla_parse_nested(tb, MCG_A_SENDER_MAX, sender, sender_policy) ||
	    !tb[MCG_A_SENDER_ID])
		return;
	json_obj_open(j, NULL);
	json_u64(j, "id", nla_get_u32(tb[MCG_A_SENDER_ID]));
	if (tb[MCG_A_SENDER_LAST_RX])
		json_u64(j, "last_rx_ms", nla_get_u64(tb[MCG_A_SENDER_LAST_RX]));
	if (tb[MCG_A_SENDER_EPOCH])
		json_u64(j, "epoch", nla_get_u32(tb[MCG_A_SENDER_EPOCH]));
	if (tb[MCG_A_SENDER_RUN])
		json_u64(j, "run", nla_get_u64(tb[MCG_A_SENDER_RUN]));
	parse_stats(tb[MCG_A_SENDER_STATS], st);
	json_counters(j, st);
	json_obj_close(j);
}

/*
 * Whether two messages are of one group: the same id (or, from a kernel
 * that sent no id, the same name).
 */
static bool same_group(mcg_tb_t a, mcg_tb_t b)
{
	if (!b[MCG_A_GROUP_NAME])
		return false;
	if (a[MCG_A_GROUP_ID] && b[MCG_A_GROUP_ID])
		return nla_get_u32(a[MCG_A_GROUP_ID]) ==
		       nla_get_u32(b[MCG_A_GROUP_ID]);
	return !a[MCG_A_GROUP_ID] && !b[MCG_A_GROUP_ID] &&
	       !strcmp(nla_get_string(a[MCG_A_GROUP_NAME]),
		       nla_get_string(b[MCG_A_GROUP_NAME]));
}

/* Whether message @i opens its group: no message before it is of it. */
static bool first_of_group(mcg_tb_t *tbs, size_t i)
{
	size_t k;

	for (k = 0; k < i; k++)
		if (same_group(tbs[i], tbs[k]))
			return false;
	return true;
}

/* The group's own counters: in the first of its messages that has them. */
static struct nlattr *group_stats(mcg_tb_t *tbs, size_t n, size_t i)
{
	size_t k;

	for (k = i; k < n; k++)
		if (same_group(tbs[i], tbs[k]) && tbs[k][MCG_A_STATS])
			return tbs[k][MCG_A_STATS];
	return NULL;
}

/*
 * The senders of the group of message @i, from each of its messages (the
 * kernel splits a long list): into @j as JSON, or as text without one.
 */
static void group_senders(struct json *j, mcg_tb_t *tbs, size_t n, size_t i)
{
	struct nlattr *a;
	size_t k;
	int rem;

	for (k = i; k < n; k++) {
		if (!same_group(tbs[i], tbs[k]) || !tbs[k][MCG_A_SENDERS])
			continue;
		nla_for_each_nested(a, tbs[k][MCG_A_SENDERS], rem) {
			if (nla_type(a) != MCG_A_SENDER)
				continue;
			if (j)
				json_sender(j, a);
			else
				text_sender(a);
		}
	}
}

/* A group's counters, then its senders', as text. */
static void text_group(mcg_tb_t *tbs, size_t n, size_t i)
{
	struct nlattr *st[MCG_A_STATS_MAX + 1], **tb = tbs[i];
	struct line l;

	line_start(&l, "", "  ");
	line_add(&l, "group %s", nla_get_string(tb[MCG_A_GROUP_NAME]));
	if (tb[MCG_A_GROUP_ID])
		line_add(&l, "id %u", nla_get_u32(tb[MCG_A_GROUP_ID]));
	line_end(&l);

	parse_stats(group_stats(tbs, n, i), st);
	line_start(&l, "  tx ", " ");
	add_counters(&l, st, tx_labels, false);
	line_end(&l);
	line_start(&l, "  rx ", " ");
	add_counters(&l, st, rx_labels, false);
	line_end(&l);
	line_start(&l, "  drops ", " ");
	line_wrap(&l, 80, "        ");
	add_counters(&l, st, group_drop_labels, false);
	add_counters(&l, st, group_rare_labels, true);
	line_end(&l);

	group_senders(NULL, tbs, n, i);
}

static void json_group(struct json *j, mcg_tb_t *tbs, size_t n, size_t i)
{
	struct nlattr *st[MCG_A_STATS_MAX + 1], **tb = tbs[i];

	json_obj_open(j, NULL);
	json_str(j, "name", nla_get_string(tb[MCG_A_GROUP_NAME]));
	if (tb[MCG_A_GROUP_ID])
		json_u64(j, "id", nla_get_u32(tb[MCG_A_GROUP_ID]));
	parse_stats(group_stats(tbs, n, i), st);
	json_counters(j, st);
	json_arr_open(j, "senders");
	group_senders(j, tbs, n, i);
	json_arr_close(j);
	json_obj_close(j);
}

/* The first MCG_A_NS_STATS among the replies, checked for parsing. */
static int find_ns(struct mcg_replies *r, struct nlattr **ns)
{
	struct nlattr *tb[MCG_A_MAX + 1];
	size_t i;

	for (i = 0; i < r->n && !*ns; i++) {
		if (mcg_nl_parse(r->msg[i], tb))
			return -1;
		*ns = tb[MCG_A_NS_STATS];
	}
	return 0;
}

int stats_print(struct mcg_replies *r, struct mcg_replies *nsr)
{
	struct nlattr *st[MCG_A_STATS_MAX + 1], *ns = NULL;
	size_t i, shown = 0;
	struct json j;
	struct line l;
	mcg_tb_t *tbs;
	int ret = 0;

	tbs = mcg_nl_parse_all(r);
	if (!tbs)
		return 1;
	if (find_ns(r, &ns) || (nsr && find_ns(nsr, &ns))) {
		ret = 1;
		goto out;
	}
	if (ns && parse_stats(ns, st))
		ns = NULL;

	json_init(&j, stdout, opts.pretty);
	if (opts.json) {
		json_obj_open(&j, NULL);
		if (ns) {
			json_obj_open(&j, "namespace");
			json_counters(&j, st);
			json_obj_close(&j);
		}
		json_arr_open(&j, "groups");
	} else if (ns) {
		line_start(&l, "namespace: drops ", " ");
		line_wrap(&l, 80, "  ");
		add_counters(&l, st, ns_drop_labels, false);
		add_counters(&l, st, ns_rare_labels, true);
		shown += line_end(&l);
	}
	for (i = 0; i < r->n; i++) {
		if (!tbs[i][MCG_A_GROUP_NAME] || !first_of_group(tbs, i))
			continue;
		if (opts.json) {
			json_group(&j, tbs, r->n, i);
			continue;
		}
		if (shown++)
			putchar('\n');
		text_group(tbs, r->n, i);
	}
	if (opts.json) {
		json_arr_close(&j);
		json_obj_close(&j);
		json_end(&j);
	}
out:
	free(tbs);
	return ret;
}

/* Whether the replies of a dump carry the namespace's counters. */
static bool has_ns(struct mcg_replies *r)
{
	struct nlattr *tb[MCG_A_MAX + 1];
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!mcg_nl_parse(r->msg[i], tb) && tb[MCG_A_NS_STATS])
			return true;
	return false;
}

int cmd_stats(const struct cmd *c, int argc, char **argv)
{
	struct mcg_replies r = { 0 }, nsr = { 0 };
	struct nl_msg *msg;
	struct mcg_nl nl;
	char what[64];
	int ret;

	ret = mcg_nl_open_get(c, argc, argv, &nl);
	if (ret)
		return ret;
	/*
	 * One group as well as all of them by a dump, which names it: a
	 * group's senders may take more than the one message a request is
	 * answered with.
	 */
	msg = mcg_nl_msg(&nl, MCG_CMD_STATS_GET, NLM_F_DUMP);
	if (argc && nla_put_string(msg, MCG_A_GROUP_NAME, argv[0]))
		die_oom();
	snprintf(what, sizeof(what), "stats%s%s", argc ? " " : "",
		 argc ? argv[0] : "");
	ret = mcg_nl_collect(&nl, msg, what, &r);
	nlmsg_free(msg);
	/* Without a group, a request answers with the namespace's. */
	if (!ret && !argc && !has_ns(&r)) {
		msg = mcg_nl_msg(&nl, MCG_CMD_STATS_GET, 0);
		ret = mcg_nl_collect(&nl, msg, "stats", &nsr);
		nlmsg_free(msg);
	}
	mcg_nl_close(&nl);
	if (!ret)
		ret = stats_print(&r, &nsr);
	mcg_replies_free(&r);
	mcg_replies_free(&nsr);
	return ret ? 1 : 0;
}
