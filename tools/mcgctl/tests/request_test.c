// SPDX-License-Identifier: GPL-2.0
/*
 * The requests "group add" and "group set" build, checked attribute by
 * attribute without a kernel: mcg_nl_request() is replaced by one that
 * keeps the message instead of sending it.  Then the errors mcgctl gives
 * before sending anything, with their exact text.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netlink/genl/genl.h>

#include "../mcgctl.h"
#include "../nl.h"
#include "../../check.h"

extern char last_error[512];

static struct nl_msg *sent;	/* the last request, NULL if none went */
static char sent_verb[64];	/* and what its errors would start with */

int mcg_nl_request(uint8_t cmd, const char *verb, mcg_nl_put_fn put,
		   void *arg)
{
	struct nl_msg *msg = nlmsg_alloc_size(MCG_NL_MSG_SIZE);

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, 0x1d, 0,
				 NLM_F_ACK, cmd, MCG_GENL_VERSION))
		abort();
	if (put && put(msg, arg) < 0) {
		errmsg("%s: the request does not fit in a message", verb);
		nlmsg_free(msg);
		return 1;
	}
	sent = msg;
	snprintf(sent_verb, sizeof(sent_verb), "%s", verb);
	return 0;
}

/* group.c's table names them; no test here shows anything. */
int cmd_show(const struct cmd *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	abort();
}

int cmd_group_list(const struct cmd *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	abort();
}

/* "mcgctl group VERB WORDS...": the exit status; the request in sent. */
static int group(const char *verb, const char *words)
{
	char *copy = strdup(words), *argv[600], *w;
	const struct cmd *c;
	int argc = 0, ret;

	nlmsg_free(sent);
	sent = NULL;
	last_error[0] = '\0';
	for (w = strtok(copy, " "); w; w = strtok(NULL, " "))
		argv[argc++] = w;
	argv[argc] = NULL;
	for (c = group_cmds; strcmp(c->name, verb); c++)
		;
	ret = c->fn(c, argc, argv);
	free(copy);
	return ret;
}

/* The top-level attribute of the request, or NULL. */
static struct nlattr *attr(int type)
{
	return sent ? nla_find(genlmsg_attrdata(nlmsg_data(nlmsg_hdr(sent)), 0),
			       genlmsg_attrlen(nlmsg_data(nlmsg_hdr(sent)), 0),
			       type) : NULL;
}

static bool is_cmd(uint8_t cmd)
{
	return sent && genlmsg_hdr(nlmsg_hdr(sent))->cmd == cmd;
}

static bool is_addr(struct nlattr *a, const char *s)
{
	struct in6_addr want;

	return a && nla_len(a) == sizeof(want) &&
	       inet_pton(AF_INET6, s, &want) == 1 &&
	       !memcmp(nla_data(a), &want, sizeof(want));
}

/*
 * Whether PEERS holds exactly the n addresses of want, in order, each a
 * PEERS_PEER nest holding a PEER_ADDR.  Nests must say they are (the
 * kernel validates strictly).
 */
static bool has_peers(const char *const *want, int n)
{
	struct nlattr *peers = attr(MCG_A_GROUP_PEERS), *p, *a;
	int rem, i = 0;

	if (!peers || !(peers->nla_type & NLA_F_NESTED))
		return false;
	nla_for_each_nested(p, peers, rem) {
		if (i == n || nla_type(p) != MCG_A_PEERS_PEER ||
		    !(p->nla_type & NLA_F_NESTED))
			return false;
		a = nla_find(nla_data(p), nla_len(p), MCG_A_PEER_ADDR);
		if (!is_addr(a, want[i++]))
			return false;
	}
	return i == n;
}

static void test_peer_none(void)
{
	struct nlattr *peers;

	CHECK(!group("set", "chat peer none") && is_cmd(MCG_CMD_GROUP_SET),
	      "set chat peer none: sent");
	peers = attr(MCG_A_GROUP_PEERS);
	CHECK(peers && nla_len(peers) == 0 &&
	      (peers->nla_type & NLA_F_NESTED),
	      "peer none: an empty PEERS nest, flagged as a nest");
	CHECK(has_peers(NULL, 0), "peer none: no peer in it");
	CHECK(attr(MCG_A_GROUP_NAME) && !attr(MCG_A_GROUP_HOPLIMIT),
	      "peer none: the name, nothing else");
	CHECK(!group("set", "chat hoplimit 3") && !attr(MCG_A_GROUP_PEERS),
	      "set without 'peer' leaves the peers alone");
}

static void test_peer_lists(void)
{
	static const char *const two[] = { "2001:db8::2", "fd00::3" };
	static const char *const one[] = { "2001:db8::2" };
	char *words;
	int i;

	CHECK(!group("set", "chat peer 2001:db8::2 peer fd00::3") &&
	      has_peers(two, 2), "set: the list, in order");
	CHECK(!group("add", "uni peer 2001:db8::2") &&
	      !strcmp(sent_verb, "group add uni"),
	      "an error would name the verb and the group: '%s'", sent_verb);
	CHECK(!group("set", "chat hoplimit 3") &&
	      !strcmp(sent_verb, "group set chat"),
	      "an error would name the verb and the group: '%s'", sent_verb);
	CHECK(!group("del", "chat") && !strcmp(sent_verb, "group del chat"),
	      "an error would name the verb and the group: '%s'", sent_verb);
	CHECK(!group("add", "uni peer 2001:db8::2") &&
	      is_cmd(MCG_CMD_GROUP_NEW) && has_peers(one, 1) &&
	      !attr(MCG_A_GROUP_ADDR) && !attr(MCG_A_GROUP_IFINDEX),
	      "add with peers only: no ADDR, no IFINDEX");
	CHECK(!group("add", "both addr ff05::1 dev lo peer 2001:db8::2 port 7000") &&
	      is_addr(attr(MCG_A_GROUP_ADDR), "ff05::1") &&
	      attr(MCG_A_GROUP_IFINDEX) && has_peers(one, 1) &&
	      nla_get_u16(attr(MCG_A_GROUP_PORT)) == 7000,
	      "add with multicast and a peer");
	CHECK(!group("add", "m addr ff05::1 dev lo") && !attr(MCG_A_GROUP_PEERS),
	      "add without peers sends no PEERS");

	/* The most there may be fit in one request. */
	words = malloc(MCG_MAX_PEERS * 32 + 64);
	strcpy(words, "big");
	for (i = 0; i < MCG_MAX_PEERS; i++)
		sprintf(words + strlen(words), " peer 2001:db8::%x:%x",
			i / 256 + 1, i % 256);
	CHECK(!group("add", words) && nla_len(attr(MCG_A_GROUP_PEERS)) ==
	      MCG_MAX_PEERS * (2 * NLA_HDRLEN + 16),
	      "%d peers fit in a request: %s", MCG_MAX_PEERS, last_error);
	strcat(words, " peer 2001:db8::1");
	CHECK(group("add", words) && !sent &&
	      !strcmp(last_error, "at most 256 peers"),
	      "one more is refused: %s", last_error);
	free(words);
}

static const struct {
	const char *verb, *words, *error;
} refusals[] = {
	{ "add", "u peer ::",
	  "'peer' expects a routable unicast address, not the unspecified address '::'" },
	{ "add", "u peer ::1",
	  "'peer' expects a routable unicast address, not the loopback address '::1'" },
	{ "set", "u peer ff02::1",
	  "'peer' expects a routable unicast address, not the multicast address 'ff02::1'" },
	{ "add", "u peer 2001:db8::2 peer fe80::1",
	  "'peer' expects a routable unicast address, not the link-local address 'fe80::1'" },
	{ "add", "u peer ::ffff:192.0.2.1",
	  "'peer' expects a routable unicast address, not the IPv4-mapped address '::ffff:192.0.2.1'" },
	{ "add", "u peer 192.0.2.1",
	  "'peer' expects an IPv6 address, not '192.0.2.1'" },
	{ "add", "u peer 2001:db8::2 peer 2001:0db8:0::2",
	  "peer '2001:0db8:0::2' is given twice" },
	{ "set", "u peer none peer 2001:db8::2",
	  "'peer none' empties the list; it goes without other peers" },
	{ "set", "u peer 2001:db8::2 peer none",
	  "'peer none' empties the list; it goes without other peers" },
	{ "set", "u peer none peer none",
	  "'peer none' empties the list; it goes without other peers" },
	{ "add", "u addr ff05::1 dev lo peer none",
	  "'peer none' is for 'group set'; a new group has no peers but those given" },
	{ "add", "u", "group add needs 'addr' and 'dev', or a 'peer'" },
	{ "add", "u port 7000", "group add needs 'addr' and 'dev', or a 'peer'" },
	{ "add", "u dev lo", "group add needs 'addr'" },
	{ "add", "u addr ff05::1", "group add needs 'dev'" },
	{ "add", "u addr ff05::1 peer 2001:db8::2", "group add needs 'dev'" },
	{ "add", "u dev lo peer 2001:db8::2",
	  "'dev' goes with 'addr'; peers need no interface" },
	{ "set", "u peer", "'peer' needs a value" },
};

static void test_refusals(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refusals); i++)
		CHECK(group(refusals[i].verb, refusals[i].words) == EXIT_USAGE &&
		      !sent &&
		      !strcmp(last_error, refusals[i].error),
		      "group %s %s: %s", refusals[i].verb, refusals[i].words,
		      last_error);
}

int main(void)
{
	test_peer_none();
	test_peer_lists();
	test_refusals();
	nlmsg_free(sent);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
