// SPDX-License-Identifier: GPL-2.0
/*
 * show: groups and their keys, as text that fits 80 columns or as JSON.
 * Every attribute is optional on the way in: a kernel that leaves one out
 * (or an event that carries fewer) loses that item, not the whole group.
 */
#include <arpa/inet.h>
#include <grp.h>
#include <net/if.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcgctl.h"
#include "line.h"
#include "nl.h"
#include "show.h"

static struct nla_policy key_policy[MCG_A_KEY_MAX + 1] = {
	[MCG_A_KEY_EPOCH]	= { .type = NLA_U32 },
	[MCG_A_KEY_ALG]		= { .type = NLA_U32 },
	[MCG_A_KEY_RX_ONLY]	= { .type = NLA_FLAG },
	[MCG_A_KEY_CREATED]	= { .type = NLA_U64 },
	[MCG_A_KEY_SENDING]	= { .type = NLA_FLAG },
	[MCG_A_KEY_TX_PACKETS]	= { .type = NLA_U64 },
	[MCG_A_KEY_RX_PACKETS]	= { .type = NLA_U64 },
};

static struct nla_policy peer_policy[MCG_A_PEER_MAX + 1] = {
	[MCG_A_PEER_ADDR]	= { .minlen = 16, .maxlen = 16 },
	[MCG_A_PEER_TX_PACKETS]	= { .type = NLA_U64 },
	[MCG_A_PEER_TX_ERRORS]	= { .type = NLA_U64 },
};

/* A key nest, parsed, with its epoch for sorting. */
struct key_view {
	uint32_t epoch;
	struct nlattr *tb[MCG_A_KEY_MAX + 1];
};

static int by_epoch(const void *a, const void *b)
{
	const struct key_view *x = a, *y = b;

	return x->epoch < y->epoch ? -1 : x->epoch > y->epoch;
}

/* The keys of MCG_A_GROUP_KEYS, by epoch; *n is their number. */
static struct key_view *parse_keys(struct nlattr **tb, size_t *n)
{
	struct key_view *v = NULL, *grow;
	struct nlattr *a;
	int rem;

	*n = 0;
	if (!tb[MCG_A_GROUP_KEYS])
		return NULL;
	nla_for_each_nested(a, tb[MCG_A_GROUP_KEYS], rem) {
		if (nla_type(a) != MCG_A_KEYS_KEY)
			continue;
		grow = realloc(v, (*n + 1) * sizeof(*v));
		if (!grow)
			die_oom();
		v = grow;
		/* A nest this kernel got wrong is left out, not fatal. */
		if (nla_parse_nested(v[*n].tb, MCG_A_KEY_MAX, a, key_policy))
			continue;
		v[*n].epoch = v[*n].tb[MCG_A_KEY_EPOCH] ?
			      nla_get_u32(v[*n].tb[MCG_A_KEY_EPOCH]) : 0;
		(*n)++;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), by_epoch);
	return v;
}

/*
 * The textual address of each MCG_A_SOURCE_ADDR, handed to fn.  The nest
 * holds the same attribute once per source, which nla_parse_nested()
 * would fold into one: it is walked instead.
 */
static void each_source(struct nlattr **tb,
			void (*fn)(const char *addr, void *arg), void *arg)
{
	char buf[INET6_ADDRSTRLEN];
	struct nlattr *a;
	int rem;

	if (!tb[MCG_A_GROUP_SOURCES])
		return;
	nla_for_each_nested(a, tb[MCG_A_GROUP_SOURCES], rem) {
		if (nla_type(a) != MCG_A_SOURCE_ADDR ||
		    nla_len(a) != sizeof(struct in6_addr))
			continue;
		if (inet_ntop(AF_INET6, nla_data(a), buf, sizeof(buf)))
			fn(buf, arg);
	}
}

/*
 * Each peer of MCG_A_GROUP_PEERS with its address in text, handed to fn
 * with its parsed nest; one without an address is left out.
 */
static void each_peer(struct nlattr **tb,
		      void (*fn)(const char *addr, struct nlattr **pt,
				 void *arg), void *arg)
{
	struct nlattr *pt[MCG_A_PEER_MAX + 1], *a;
	char buf[INET6_ADDRSTRLEN];
	int rem;

	if (!tb[MCG_A_GROUP_PEERS])
		return;
	nla_for_each_nested(a, tb[MCG_A_GROUP_PEERS], rem) {
		if (nla_type(a) != MCG_A_PEERS_PEER ||
		    nla_parse_nested(pt, MCG_A_PEER_MAX, a, peer_policy) ||
		    !pt[MCG_A_PEER_ADDR])
			continue;
		if (inet_ntop(AF_INET6, nla_data(pt[MCG_A_PEER_ADDR]), buf,
			      sizeof(buf)))
			fn(buf, pt, arg);
	}
}

/* The interface, which a group of peers only has not: ifindex 0. */
static bool has_ifindex(struct nlattr **tb)
{
	return tb[MCG_A_GROUP_IFINDEX] &&
	       nla_get_u32(tb[MCG_A_GROUP_IFINDEX]);
}

/* The interface's name: the kernel's word for it, else ours. */
static const char *dev_name(struct nlattr **tb, char *buf)
{
	if (!has_ifindex(tb))
		return NULL;
	if (tb[MCG_A_GROUP_IFNAME])
		return nla_get_string(tb[MCG_A_GROUP_IFNAME]);
	if (if_indextoname(nla_get_u32(tb[MCG_A_GROUP_IFINDEX]), buf))
		return buf;
	return NULL;
}

/*
 * The multicast address in text, or NULL for a group of peers only: the
 * kernel may report it as "::", which is no address to show.
 */
static const char *group_addr(struct nlattr **tb, char *buf)
{
	struct nlattr *a = tb[MCG_A_GROUP_ADDR];

	if (!a || IN6_IS_ADDR_UNSPECIFIED((struct in6_addr *)nla_data(a)))
		return NULL;
	return inet_ntop(AF_INET6, nla_data(a), buf, INET6_ADDRSTRLEN);
}

static void text_source(const char *addr, void *arg)
{
	line_add(arg, "%s", addr);
}

static void show_owner(struct line *l, struct nlattr **tb)
{
	struct passwd *pw;
	struct group *gr;
	uint32_t id;

	if (tb[MCG_A_GROUP_UID]) {
		id = nla_get_u32(tb[MCG_A_GROUP_UID]);
		pw = getpwuid(id);
		if (pw)
			line_add(l, "owner %s", pw->pw_name);
		else
			line_add(l, "owner %u", id);
	}
	if (tb[MCG_A_GROUP_GID]) {
		id = nla_get_u32(tb[MCG_A_GROUP_GID]);
		gr = getgrgid(id);
		if (gr)
			line_add(l, "group %s", gr->gr_name);
		else
			line_add(l, "group %u", id);
	}
}

int show_key_text(char *buf, size_t size, struct nlattr *key)
{
	struct nlattr *tb[MCG_A_KEY_MAX + 1];
	const char *alg;
	uint32_t a;

	if (nla_parse_nested(tb, MCG_A_KEY_MAX, key, key_policy) ||
	    !tb[MCG_A_KEY_EPOCH])
		return -1;
	if (!tb[MCG_A_KEY_ALG]) {
		snprintf(buf, size, "epoch %u",
			 nla_get_u32(tb[MCG_A_KEY_EPOCH]));
		return 0;
	}
	a = nla_get_u32(tb[MCG_A_KEY_ALG]);
	alg = alg_name(a);
	if (alg)
		snprintf(buf, size, "epoch %u  %s",
			 nla_get_u32(tb[MCG_A_KEY_EPOCH]), alg);
	else
		snprintf(buf, size, "epoch %u  alg %u",
			 nla_get_u32(tb[MCG_A_KEY_EPOCH]), a);
	return 0;
}

/* "  peer ADDR  tx packets N errors N", as stats prints a sender's rx. */
static void text_peer(const char *addr, struct nlattr **pt, void *arg)
{
	struct nlattr *packets = pt[MCG_A_PEER_TX_PACKETS];
	struct nlattr *errors = pt[MCG_A_PEER_TX_ERRORS];
	struct line l;

	(void)arg;
	line_start(&l, "  peer ", "  ");
	line_wrap(&l, 80, "    ");
	line_add(&l, "%s", addr);
	if (packets)
		line_add(&l, "tx packets %llu",
			 (unsigned long long)nla_get_u64(packets));
	if (errors) {
		if (packets)
			l.sep = " ";
		line_add(&l, "%serrors %llu", packets ? "" : "tx ",
			 (unsigned long long)nla_get_u64(errors));
	}
	line_end(&l);
}

static void show_key_line(struct key_view *k)
{
	struct nlattr **tb = k->tb;
	struct line l;
	char when[32];
	const char *alg;
	time_t t;
	struct tm tm;

	line_start(&l, "  key ", "  ");
	line_add(&l, "epoch %u", k->epoch);
	if (tb[MCG_A_KEY_ALG]) {
		alg = alg_name(nla_get_u32(tb[MCG_A_KEY_ALG]));
		if (alg)
			line_add(&l, "%s", alg);
		else
			line_add(&l, "alg %u", nla_get_u32(tb[MCG_A_KEY_ALG]));
	}
	if (tb[MCG_A_KEY_CREATED]) {
		t = nla_get_u64(tb[MCG_A_KEY_CREATED]);
		if (localtime_r(&t, &tm) &&
		    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
			line_add(&l, "created %s", when);
	}
	if (tb[MCG_A_KEY_SENDING])
		line_add(&l, "sending");
	if (tb[MCG_A_KEY_RX_ONLY])
		line_add(&l, "rxonly");
	line_end(&l);
}

void show_group_text(struct nlattr **tb, const char *prefix)
{
	char addr[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];
	struct key_view *keys;
	struct line l;
	const char *dev;
	size_t i, n;

	line_start(&l, prefix, "  ");
	if (tb[MCG_A_GROUP_NAME])
		line_add(&l, "group %s", nla_get_string(tb[MCG_A_GROUP_NAME]));
	if (tb[MCG_A_GROUP_ID])
		line_add(&l, "id %u", nla_get_u32(tb[MCG_A_GROUP_ID]));
	line_end(&l);

	line_start(&l, "  ", "  ");
	line_wrap(&l, 80, "  ");
	if (group_addr(tb, addr))
		line_add(&l, "address %s", addr);
	if (tb[MCG_A_GROUP_PORT])
		line_add(&l, "port %u", nla_get_u16(tb[MCG_A_GROUP_PORT]));
	dev = dev_name(tb, ifname);
	if (dev)
		line_add(&l, "dev %s", dev);
	else if (has_ifindex(tb))
		line_add(&l, "ifindex %u",
			 nla_get_u32(tb[MCG_A_GROUP_IFINDEX]));
	if (tb[MCG_A_GROUP_HOPLIMIT])
		line_add(&l, "hoplimit %u",
			 nla_get_u8(tb[MCG_A_GROUP_HOPLIMIT]));
	line_end(&l);

	/* Sources go on under the first one. */
	line_start(&l, "  sources ", " ");
	line_wrap(&l, 80, "          ");
	each_source(tb, text_source, &l);
	line_end(&l);

	line_start(&l, "  ", "  ");
	line_wrap(&l, 80, "  ");
	if (tb[MCG_A_GROUP_SENDER])
		line_add(&l, "sender %u", nla_get_u32(tb[MCG_A_GROUP_SENDER]));
	if (tb[MCG_A_GROUP_WINDOW])
		line_add(&l, "window %u", nla_get_u32(tb[MCG_A_GROUP_WINDOW]));
	show_owner(&l, tb);
	if (tb[MCG_A_GROUP_MODE])
		line_add(&l, "mode %04o", nla_get_u16(tb[MCG_A_GROUP_MODE]));
	line_end(&l);

	if (tb[MCG_A_GROUP_TX_EPOCH] || tb[MCG_A_GROUP_TX_EPOCH_AUTO]) {
		uint32_t e = tb[MCG_A_GROUP_TX_EPOCH] ?
			     nla_get_u32(tb[MCG_A_GROUP_TX_EPOCH]) : 0;

		if (e)
			printf("  sending epoch %u", e);
		else
			printf("  sending none");
		printf("%s\n", tb[MCG_A_GROUP_TX_EPOCH_AUTO] ? " (newest)" : "");
	}

	keys = parse_keys(tb, &n);
	for (i = 0; i < n; i++)
		show_key_line(&keys[i]);
	free(keys);

	/* Last, as there may be hundreds. */
	each_peer(tb, text_peer, NULL);
}

static void json_source(const char *addr, void *arg)
{
	json_str(arg, NULL, addr);
}

static void json_peer(const char *addr, struct nlattr **pt, void *arg)
{
	struct json *j = arg;

	json_obj_open(j, NULL);
	json_str(j, "addr", addr);
	if (pt[MCG_A_PEER_TX_PACKETS])
		json_u64(j, "tx_packets",
			 nla_get_u64(pt[MCG_A_PEER_TX_PACKETS]));
	if (pt[MCG_A_PEER_TX_ERRORS])
		json_u64(j, "tx_errors", nla_get_u64(pt[MCG_A_PEER_TX_ERRORS]));
	json_obj_close(j);
}

static void key_json(struct json *j, struct nlattr **tb)
{
	const char *alg;
	char buf[16];

	if (tb[MCG_A_KEY_EPOCH])
		json_u64(j, "epoch", nla_get_u32(tb[MCG_A_KEY_EPOCH]));
	if (tb[MCG_A_KEY_ALG]) {
		alg = alg_name(nla_get_u32(tb[MCG_A_KEY_ALG]));
		if (!alg) {
			snprintf(buf, sizeof(buf), "%u",
				 nla_get_u32(tb[MCG_A_KEY_ALG]));
			alg = buf;
		}
		json_str(j, "alg", alg);
	}
	if (tb[MCG_A_KEY_CREATED])
		json_u64(j, "created", nla_get_u64(tb[MCG_A_KEY_CREATED]));
	json_bool(j, "sending", tb[MCG_A_KEY_SENDING]);
	if (tb[MCG_A_KEY_TX_PACKETS])
		json_u64(j, "tx_packets",
			 nla_get_u64(tb[MCG_A_KEY_TX_PACKETS]));
	if (tb[MCG_A_KEY_RX_PACKETS])
		json_u64(j, "rx_packets",
			 nla_get_u64(tb[MCG_A_KEY_RX_PACKETS]));
}

void show_key_json(struct json *j, struct nlattr *key)
{
	struct nlattr *tb[MCG_A_KEY_MAX + 1];

	if (!nla_parse_nested(tb, MCG_A_KEY_MAX, key, key_policy))
		key_json(j, tb);
}

void show_group_json(struct json *j, struct nlattr **tb)
{
	char addr[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE], mode[8];
	/*
	 * A whole group (every group has a port) has its lists and flag even
	 * when empty; an event that names a group only does not.
	 */
	bool whole = tb[MCG_A_GROUP_PORT];
	struct key_view *keys;
	const char *dev;
	size_t i, n;

	if (tb[MCG_A_GROUP_NAME])
		json_str(j, "name", nla_get_string(tb[MCG_A_GROUP_NAME]));
	if (tb[MCG_A_GROUP_ID])
		json_u64(j, "id", nla_get_u32(tb[MCG_A_GROUP_ID]));
	/* A group of peers only has no addr, dev or ifindex at all. */
	if (group_addr(tb, addr))
		json_str(j, "addr", addr);
	if (tb[MCG_A_GROUP_PORT])
		json_u64(j, "port", nla_get_u16(tb[MCG_A_GROUP_PORT]));
	dev = dev_name(tb, ifname);
	if (dev)
		json_str(j, "dev", dev);
	if (has_ifindex(tb))
		json_u64(j, "ifindex", nla_get_u32(tb[MCG_A_GROUP_IFINDEX]));
	if (whole || tb[MCG_A_GROUP_SOURCES]) {
		json_arr_open(j, "sources");
		each_source(tb, json_source, j);
		json_arr_close(j);
	}
	if (whole || tb[MCG_A_GROUP_PEERS]) {
		json_arr_open(j, "peers");
		each_peer(tb, json_peer, j);
		json_arr_close(j);
	}
	if (tb[MCG_A_GROUP_HOPLIMIT])
		json_u64(j, "hoplimit", nla_get_u8(tb[MCG_A_GROUP_HOPLIMIT]));
	if (tb[MCG_A_GROUP_WINDOW])
		json_u64(j, "window", nla_get_u32(tb[MCG_A_GROUP_WINDOW]));
	if (tb[MCG_A_GROUP_SENDER])
		json_u64(j, "sender", nla_get_u32(tb[MCG_A_GROUP_SENDER]));
	if (tb[MCG_A_GROUP_UID])
		json_u64(j, "uid", nla_get_u32(tb[MCG_A_GROUP_UID]));
	if (tb[MCG_A_GROUP_GID])
		json_u64(j, "gid", nla_get_u32(tb[MCG_A_GROUP_GID]));
	if (tb[MCG_A_GROUP_MODE]) {
		/* A string, as JSON has no octal and 416 means nothing. */
		snprintf(mode, sizeof(mode), "%04o",
			 nla_get_u16(tb[MCG_A_GROUP_MODE]));
		json_str(j, "mode", mode);
	}
	if (tb[MCG_A_GROUP_TX_EPOCH])
		json_u64(j, "tx_epoch", nla_get_u32(tb[MCG_A_GROUP_TX_EPOCH]));
	if (whole || tb[MCG_A_GROUP_TX_EPOCH_AUTO])
		json_bool(j, "tx_epoch_auto", tb[MCG_A_GROUP_TX_EPOCH_AUTO]);
	if (!whole && !tb[MCG_A_GROUP_KEYS])
		return;
	json_arr_open(j, "keys");
	keys = parse_keys(tb, &n);
	for (i = 0; i < n; i++) {
		json_obj_open(j, NULL);
		key_json(j, keys[i].tb);
		json_obj_close(j);
	}
	free(keys);
	json_arr_close(j);
}

int show_print(struct mcg_replies *r)
{
	size_t i, shown = 0;
	struct json j;
	mcg_tb_t *tbs;

	tbs = mcg_nl_parse_all(r);
	if (!tbs)
		return 1;

	json_init(&j, stdout, opts.pretty);
	if (opts.json)
		json_arr_open(&j, NULL);
	for (i = 0; i < r->n; i++) {
		if (!tbs[i][MCG_A_GROUP_NAME])
			continue;
		if (opts.json) {
			json_obj_open(&j, NULL);
			show_group_json(&j, tbs[i]);
			json_obj_close(&j);
		} else {
			if (shown)
				putchar('\n');
			show_group_text(tbs[i], "");
		}
		shown++;
	}
	if (opts.json) {
		json_arr_close(&j);
		json_end(&j);
	}
	free(tbs);
	return 0;
}

int cmd_show(const struct cmd *c, int argc, char **argv)
{
	struct mcg_replies r = { 0 };
	struct mcg_nl nl;
	int ret;

	ret = mcg_nl_open_get(c, argc, argv, &nl);
	if (ret)
		return ret;
	ret = mcg_nl_get(&nl, MCG_CMD_GROUP_GET, argc ? argv[0] : NULL, "show", &r);
	mcg_nl_close(&nl);
	if (!ret)
		ret = show_print(&r);
	mcg_replies_free(&r);
	return ret ? 1 : 0;
}

/*
 * For "show [NAME]" and "stats [NAME]": check the words, open the socket.
 * Returns the exit status.
 */
int mcg_nl_open_get(const struct cmd *c, int argc, char **argv,
		    struct mcg_nl *nl)
{
	if (argc > 1)
		return usage_error(c, "unknown word '%s'", argv[1]);
	if (argc && parse_group_name(argv[0]))
		return EXIT_USAGE;
	return mcg_nl_open(nl, false) ? EXIT_FAIL : 0;
}
