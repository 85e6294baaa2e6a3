// SPDX-License-Identifier: GPL-2.0
/*
 * group add, set and del.  "add" and "set" share their words; each word
 * becomes one attribute, and a word given twice is an error rather than
 * a silent "last one wins" (but for the lists: source and peer).
 */
#include <string.h>
#include <netinet/in.h>

#include "mcgctl.h"
#include "nl.h"

#define HAVE(a)	(1u << (a))

struct grp_args {
	const char *name;
	unsigned int have;	/* HAVE(MCG_A_...) of each attribute given */
	struct in6_addr addr;
	struct in6_addr sources[MCG_MAX_SOURCES];
	unsigned int n_sources;
	struct in6_addr peers[MCG_MAX_PEERS];
	unsigned int n_peers;
	bool peers_none;	/* "peer none": the empty list */
	uint32_t ifindex, id, sender, window, uid, gid, tx_epoch;
	uint16_t port, mode;
	uint8_t hoplimit;
};

/* MANY: the word may come again, each time adding one to a list. */
enum { FOR_ADD = 1, FOR_SET = 2, MANY = 4 };

static const struct {
	const char *word;
	int attr;
	int cmds;
} words[] = {
	{ "addr",	MCG_A_GROUP_ADDR,	FOR_ADD },
	{ "dev",	MCG_A_GROUP_IFINDEX,	FOR_ADD },
	{ "port",	MCG_A_GROUP_PORT,	FOR_ADD },
	{ "id",		MCG_A_GROUP_ID,		FOR_ADD },
	{ "sender",	MCG_A_GROUP_SENDER,	FOR_ADD },
	{ "source",	MCG_A_GROUP_SOURCES,	FOR_ADD | MANY },
	{ "peer",	MCG_A_GROUP_PEERS,	FOR_ADD | FOR_SET | MANY },
	{ "hoplimit",	MCG_A_GROUP_HOPLIMIT,	FOR_ADD | FOR_SET },
	{ "window",	MCG_A_GROUP_WINDOW,	FOR_ADD | FOR_SET },
	{ "owner",	MCG_A_GROUP_UID,	FOR_ADD | FOR_SET },
	{ "group",	MCG_A_GROUP_GID,	FOR_ADD | FOR_SET },
	{ "mode",	MCG_A_GROUP_MODE,	FOR_ADD | FOR_SET },
	{ "txepoch",	MCG_A_GROUP_TX_EPOCH,	FOR_SET },
};

#define N_WORDS ARRAY_SIZE(words)

/* "auto" is 0: the kernel then sends with the newest key. */
static int parse_epoch(const char *word, const char *s, uint32_t *epoch)
{
	if (!strcmp(s, "auto")) {
		*epoch = 0;
		return 0;
	}
	return parse_u32(word, s, 1, UINT32_MAX, epoch);
}

/*
 * One more peer, or "none" (set only), which stands alone: the kernel
 * takes a list given whole, and an empty one is how to ask for no peers.
 */
static int parse_peer_word(struct grp_args *r, int for_cmd, const char *val)
{
	struct in6_addr *a;
	unsigned int i;

	if (!strcmp(val, "none")) {
		if (for_cmd != FOR_SET) {
			errmsg("'peer none' is for 'group set'; a new group has no peers but those given");
			return -1;
		}
		if (r->peers_none || r->n_peers)
			goto alone;
		r->peers_none = true;
		return 0;
	}
	if (r->peers_none)
		goto alone;
	if (r->n_peers == MCG_MAX_PEERS) {
		errmsg("at most %d peers", MCG_MAX_PEERS);
		return -1;
	}
	a = &r->peers[r->n_peers];
	if (parse_peer(val, a))
		return -1;
	for (i = 0; i < r->n_peers; i++) {
		if (!memcmp(&r->peers[i], a, sizeof(*a))) {
			errmsg("peer '%s' is given twice", val);
			return -1;
		}
	}
	r->n_peers++;
	return 0;
alone:
	errmsg("'peer none' empties the list; it goes without other peers");
	return -1;
}

static int parse_value(struct grp_args *r, int for_cmd, int attr,
		       const char *word, const char *val)
{
	uint32_t v;

	switch (attr) {
	case MCG_A_GROUP_ADDR:
		return parse_in6(word, val, &r->addr);
	case MCG_A_GROUP_IFINDEX:
		return parse_ifname(val, &r->ifindex);
	case MCG_A_GROUP_PORT:
		if (parse_u32(word, val, 1, UINT16_MAX, &v))
			return -1;
		r->port = v;
		return 0;
	case MCG_A_GROUP_ID:
		return parse_u32(word, val, 1, UINT32_MAX, &r->id);
	case MCG_A_GROUP_SENDER:
		return parse_u32(word, val, 1, UINT32_MAX, &r->sender);
	case MCG_A_GROUP_SOURCES:
		if (r->n_sources == MCG_MAX_SOURCES) {
			errmsg("at most %d sources", MCG_MAX_SOURCES);
			return -1;
		}
		return parse_in6(word, val, &r->sources[r->n_sources++]);
	case MCG_A_GROUP_PEERS:
		return parse_peer_word(r, for_cmd, val);
	case MCG_A_GROUP_HOPLIMIT:
		if (parse_u32(word, val, 1, UINT8_MAX, &v))
			return -1;
		r->hoplimit = v;
		return 0;
	case MCG_A_GROUP_WINDOW:
		return parse_u32(word, val, 0, UINT32_MAX, &r->window);
	case MCG_A_GROUP_UID:
		return parse_uid(val, &r->uid);
	case MCG_A_GROUP_GID:
		return parse_gid(val, &r->gid);
	case MCG_A_GROUP_MODE:
		return parse_mode(val, &r->mode);
	case MCG_A_GROUP_TX_EPOCH:
		return parse_epoch(word, val, &r->tx_epoch);
	}
	return -1;
}

/* Returns the exit status on error, 0 when r is complete. */
static int parse_group(const struct cmd *c, int for_cmd, int argc,
		       char **argv, struct grp_args *r)
{
	unsigned int i;
	int a;

	if (!argc)
		return usage_error(c, "which group?");
	r->name = argv[0];
	if (parse_group_name(r->name))
		return EXIT_USAGE;
	for (a = 1; a < argc; a += 2) {
		for (i = 0; i < N_WORDS; i++)
			if ((words[i].cmds & for_cmd) &&
			    !strcmp(argv[a], words[i].word))
				break;
		if (i == N_WORDS)
			return usage_error(c, "unknown word '%s'", argv[a]);
		if (a + 1 == argc)
			return usage_error(c, "'%s' needs a value", argv[a]);
		if ((r->have & HAVE(words[i].attr)) && !(words[i].cmds & MANY))
			return usage_error(c, "'%s' is given twice", argv[a]);
		if (parse_value(r, for_cmd, words[i].attr, argv[a],
				argv[a + 1]))
			return EXIT_USAGE;
		r->have |= HAVE(words[i].attr);
	}
	return 0;
}

static int put_peers(struct nl_msg *msg, const struct grp_args *r)
{
	struct nlattr *nest, *peer;
	unsigned int i;

	nest = nla_nest_start(msg, MCG_A_GROUP_PEERS | NLA_F_NESTED);
	if (!nest)
		return -1;
	for (i = 0; i < r->n_peers; i++) {
		peer = nla_nest_start(msg, MCG_A_PEERS_PEER | NLA_F_NESTED);
		if (!peer || nla_put(msg, MCG_A_PEER_ADDR, sizeof(r->peers[i]),
				     &r->peers[i]))
			return -1;
		nla_nest_end(msg, peer);
	}
	/* nla_nest_end() would drop the empty nest that "peer none" is. */
	return nla_nest_end_keep_empty(msg, nest);
}

static int put_group(struct nl_msg *msg, void *arg)
{
	const struct grp_args *r = arg;
	struct nlattr *nest;
	unsigned int i;
	int err = 0;

	err |= nla_put_string(msg, MCG_A_GROUP_NAME, r->name);
	if (r->have & HAVE(MCG_A_GROUP_ADDR))
		err |= nla_put(msg, MCG_A_GROUP_ADDR, sizeof(r->addr),
			       &r->addr);
	if (r->have & HAVE(MCG_A_GROUP_IFINDEX))
		err |= nla_put_u32(msg, MCG_A_GROUP_IFINDEX, r->ifindex);
	if (r->have & HAVE(MCG_A_GROUP_PORT))
		err |= nla_put_u16(msg, MCG_A_GROUP_PORT, r->port);
	if (r->have & HAVE(MCG_A_GROUP_ID))
		err |= nla_put_u32(msg, MCG_A_GROUP_ID, r->id);
	if (r->have & HAVE(MCG_A_GROUP_SENDER))
		err |= nla_put_u32(msg, MCG_A_GROUP_SENDER, r->sender);
	if (r->n_sources) {
		/* The kernel validates strictly: a nest must say it is one. */
		nest = nla_nest_start(msg, MCG_A_GROUP_SOURCES | NLA_F_NESTED);
		if (!nest)
			return -1;
		for (i = 0; i < r->n_sources; i++)
			err |= nla_put(msg, MCG_A_SOURCE_ADDR,
				       sizeof(r->sources[i]), &r->sources[i]);
		nla_nest_end(msg, nest);
	}
	if ((r->have & HAVE(MCG_A_GROUP_PEERS)) && put_peers(msg, r))
		return -1;
	if (r->have & HAVE(MCG_A_GROUP_HOPLIMIT))
		err |= nla_put_u8(msg, MCG_A_GROUP_HOPLIMIT, r->hoplimit);
	if (r->have & HAVE(MCG_A_GROUP_WINDOW))
		err |= nla_put_u32(msg, MCG_A_GROUP_WINDOW, r->window);
	if (r->have & HAVE(MCG_A_GROUP_UID))
		err |= nla_put_u32(msg, MCG_A_GROUP_UID, r->uid);
	if (r->have & HAVE(MCG_A_GROUP_GID))
		err |= nla_put_u32(msg, MCG_A_GROUP_GID, r->gid);
	if (r->have & HAVE(MCG_A_GROUP_MODE))
		err |= nla_put_u16(msg, MCG_A_GROUP_MODE, r->mode);
	if (r->have & HAVE(MCG_A_GROUP_TX_EPOCH))
		err |= nla_put_u32(msg, MCG_A_GROUP_TX_EPOCH, r->tx_epoch);
	return err ? -1 : 0;
}

/* The kernel's refusal names the verb and the group: "group add chat: ...". */
static int group_request(uint8_t cmd, const char *verb,
			 const struct grp_args *r)
{
	char what[64];

	snprintf(what, sizeof(what), "%s %s", verb, r->name);
	return mcg_nl_request(cmd, what, put_group, (void *)r);
}

static int group_add(const struct cmd *c, int argc, char **argv)
{
	struct grp_args r = { 0 };
	bool addr, dev;
	int ret = parse_group(c, FOR_ADD, argc, argv, &r);

	if (ret)
		return ret;
	/* Multicast needs both; peers alone make a unicast-only group. */
	addr = r.have & HAVE(MCG_A_GROUP_ADDR);
	dev = r.have & HAVE(MCG_A_GROUP_IFINDEX);
	if (!addr && !dev && !r.n_peers)
		return usage_error(c, "group add needs 'addr' and 'dev', or a 'peer'");
	if (dev && !addr)
		return usage_error(c, r.n_peers ?
				   "'dev' goes with 'addr'; peers need no interface" :
				   "group add needs 'addr'");
	if (addr && !dev)
		return usage_error(c, "group add needs 'dev'");
	return group_request(MCG_CMD_GROUP_NEW, "group add", &r);
}

static int group_set(const struct cmd *c, int argc, char **argv)
{
	struct grp_args r = { 0 };
	int ret = parse_group(c, FOR_SET, argc, argv, &r);

	if (ret)
		return ret;
	if (!r.have)
		return usage_error(c, "nothing to change");
	return group_request(MCG_CMD_GROUP_SET, "group set", &r);
}

/* key use NAME epoch N|auto */
int group_set_txepoch(const char *verb, const char *name, const char *word,
		      const char *epoch)
{
	struct grp_args r = { .name = name };

	if (parse_group_name(name) || parse_epoch(word, epoch, &r.tx_epoch))
		return EXIT_USAGE;
	r.have = HAVE(MCG_A_GROUP_TX_EPOCH);
	return group_request(MCG_CMD_GROUP_SET, verb, &r);
}

static int group_del(const struct cmd *c, int argc, char **argv)
{
	struct grp_args r = { 0 };

	if (argc != 1)
		return usage_error(c, argc ? "too many words" : "which group?");
	r.name = argv[0];
	if (parse_group_name(r.name))
		return EXIT_USAGE;
	return group_request(MCG_CMD_GROUP_DEL, "group del", &r);
}

int cmd_flush(const struct cmd *c, int argc, char **argv)
{
	(void)argv;
	if (argc)
		return usage_error(c, "too many words");
	return mcg_nl_request(MCG_CMD_FLUSH, "flush", NULL, NULL);
}

const struct cmd group_cmds[] = {
	{ .name = "add", .fn = group_add,
	  .usage = "mcgctl group add NAME [addr MADDR dev IFACE] [peer PADDR]... [port N]\n"
		   "                        [id N] [sender N] [source SADDR]... [hoplimit N]\n"
		   "                        [window N] [owner UID] [group GID] [mode MODE]",
	  .help = "A group sends to its multicast address MADDR on IFACE, to each peer, or\n"
		  "both: it needs 'addr' and 'dev', or a 'peer'.  A peer gets every datagram\n"
		  "by unicast, and the group takes unicast datagrams from its peers only.\n"
		  "List as peers only hosts that multicast does not reach (mcgctl(8))." },
	{ .name = "set", .fn = group_set,
	  .usage = "mcgctl group set NAME [hoplimit N] [window N] [owner UID] [group GID]\n"
		   "                        [mode MODE] [txepoch N|auto] [peer PADDR|none]...",
	  .help = "'peer' replaces the whole list of peers with those given; 'peer none'\n"
		  "empties it (not for a group without a multicast address)." },
	{ .name = "del", .fn = group_del, .usage = "mcgctl group del NAME" },
	{ .name = "show", .fn = cmd_show, .usage = "mcgctl group show [NAME]" },
	{ .name = "list", .fn = cmd_group_list, .usage = "mcgctl group list",
	  .help = "The name of each group, one a line (with -j, a JSON array), for\n"
		  "scripts and completion." },
	{ }
};
