// SPDX-License-Identifier: GPL-2.0
/*
 * Sites and addresses in the roster (Documentation/routing.rst): their
 * parse and refusals, the peers each member gets, their place in the
 * signed canonical form, and that a roster without them still encodes
 * as before they existed (signatures and a blob made then still hold).
 * Built with ASan and UBSan.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/mcg.h>

#include "../conf.h"
#include "../roster.h"
#include "../../check.h"

/* unit_test.c's identities: admins 0 and 1, members 2 to 4. */
static struct mcg_identity ids[5];
static char pub[5][MCG_KEY_B64 + 1];
static char good[4096], sited[4096];

/*
 * Made by roster.c before sites existed (commit 39d41d2), from good with
 * these identities: admin 0's and admin 1's signatures, and the blob the
 * group spread with both.  Ed25519 signs deterministically, so they are
 * exactly what the old code gave.
 */
static const char old_sig0[] = "Vs7FoIEekW+6GnGGz86r58J0MiBZ+0uD5k25nPTMe3qmEb2TZ2o9suMoQ8paUmh6xfQZntbDWgVVjYNvwYMpAA==";
static const char old_sig1[] = "RlB4jiF0WcLibggT+GOPqqcteCdBuQJDlrdNbW7TscSZIKBrpul4vfpBnkztVJLZRe5DNchmbE7jUju7UHlgCw==";
static const char old_blob[] =
	"000001066d636720726f7374657220763100000005ff3e000000000000000000"
	"004d434701194603000002580000000a0000001e000000020000000202022df0"
	"4125f0015afb47ce853aef8772094ff9498c14cb1b9e12973c2927da0fa6af06"
	"a3e3291714e4f356c19c9b15cd1951ec6e6662aa77be07547f289383341d0000"
	"00000000000c0000000300000001a7f6dfaf8f38b89ba8ce649b594f91e4d01f"
	"dc57f9c9493df43b5e50a99873670105616c706861000000022bc2800b3316e0"
	"09209ffd757dab19ccf0ae84bc7ae90654e1e81712d270f65302046265746100"
	"00001ed62f016a1efd1e4fdf793eb42cd84471e1ba9f0cf04d1287b5cc71f616"
	"287cb8000567616d6d6102af06a3e3291714e4f356c19c9b15cd1951ec6e6662"
	"aa77be07547f289383341d56cec5a0811e916fba1a7186cfceabe7c274322059"
	"fb4b83e64db99cf4cc7b7aa611bd93676a3db2e32843ca5a52687ac5f4199ed6"
	"c35a05558d836fc18329002df04125f0015afb47ce853aef8772094ff9498c14"
	"cb1b9e12973c2927da0fa64650788e217459c2e26e0813f8638faaa72d782741"
	"b9024396b74d6d6ed3b1c49920a06ba6e978bdfa419e4ced5492d945ee4335c8"
	"666c4ee3523bbb5079600b";

static void make_texts(void)
{
	uint8_t seed[MCG_KEY_LEN];
	int i;

	for (i = 0; i < 5; i++) {
		memset(seed, 'a' + i, sizeof(seed));
		crypto_sign_seed_keypair(ids[i].pk, ids[i].sk, seed);
		mcg_key_format(pub[i], ids[i].pk);
	}
	/* unit_test.c's example, byte for byte. */
	snprintf(good, sizeof(good),
		 "# a group\n[group]\nid = 5\naddress = ff3e::4d43:4701\n"
		 "interface = eth0\n"
		 "algorithm = chacha20-poly1305 ; inline comment\n"
		 "rotation = 600\n\n[admins]\nthreshold = 2\nkey = %s\nkey = %s\n\n"
		 "[roster]\nversion = 12\n\n"
		 "[member gamma]\nkey = %s\nsender = 30\n\n"
		 "[member alpha]\nkey = %s\nsender = 1\npriority = 1\n\n"
		 "[member beta]\nkey = %s\nsender = 2\npriority = 2\n",
		 pub[0], pub[1], pub[4], pub[2], pub[3]);
	/* gamma at a site of its own, alpha and beta in the default one. */
	snprintf(sited, sizeof(sited),
		 "[group]\nid = 5\naddress = ff3e::4d43:4701\ninterface = eth0\n"
		 "algorithm = chacha20-poly1305\nrotation = 600\nhoplimit = 3\n"
		 "[admins]\nthreshold = 2\nkey = %s\nkey = %s\n"
		 "[roster]\nversion = 12\n"
		 "[member gamma]\nkey = %s\nsender = 30\nsite = far\naddress = 2001:db8:3::b\n"
		 "[member alpha]\nkey = %s\nsender = 1\npriority = 1\naddress = 2001:db8:1::a\n"
		 "[member beta]\nkey = %s\nsender = 2\npriority = 2\naddress = 2001:db8:1::c\n",
		 pub[0], pub[1], pub[4], pub[2], pub[3]);
}

static int parse(const char *text, struct mcg_conf *c, struct mcg_err *e)
{
	return mcg_conf_parse(text, strlen(text), "g.conf", c, e);
}

/* text with the first occurrence of from replaced by to */
static const char *edit(const char *text, const char *from, const char *to)
{
	static char buf[8192];
	const char *at = strstr(text, from);

	if (!at)
		abort();
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - text), text, to,
		 at + strlen(from));
	return buf;
}

static void refused(const char *text, const char *want, const char *what)
{
	struct mcg_conf c;
	struct mcg_err e = { "" };
	int ret = parse(text, &c, &e);

	CHECK(ret == -1 && !strcmp(e.msg, want) && !c.members,
	      "%s: \"%s\"%s%s", what, want, strcmp(e.msg, want) ? " got " : "",
	      strcmp(e.msg, want) ? e.msg : "");
}

static const char *ntop(const struct in6_addr *a)
{
	static char s[4][INET6_ADDRSTRLEN];
	static int i;

	i = (i + 1) % 4;
	return inet_ntop(AF_INET6, a, s[i], sizeof(s[i]));
}

static void test_parse(void)
{
	struct in6_addr peers[MCG_MAX_PEERS];
	struct mcg_conf c;
	struct mcg_err e = { "" };
	unsigned int n;

	CHECK(!parse(sited, &c, &e), "a roster with two sites: %s", e.msg);
	CHECK(c.hoplimit == 3 && !strcmp(c.members[2].site, "far") &&
	      !c.members[0].site[0] &&
	      !strcmp(ntop(&c.members[0].addr), "2001:db8:1::a") &&
	      !strcmp(ntop(&c.members[2].addr), "2001:db8:3::b"),
	      "hop limit, sites and addresses read");
	n = mcg_conf_peers(&c, mcg_conf_member(&c, 1), peers);
	CHECK(n == 1 && !strcmp(ntop(&peers[0]), "2001:db8:3::b"),
	      "alpha's peers: gamma, in the other site");
	n = mcg_conf_peers(&c, mcg_conf_member(&c, 2), peers);
	CHECK(n == 1 && !strcmp(ntop(&peers[0]), "2001:db8:3::b"),
	      "beta's: the same");
	n = mcg_conf_peers(&c, mcg_conf_member(&c, 30), peers);
	CHECK(n == 2 && !strcmp(ntop(&peers[0]), "2001:db8:1::a") &&
	      !strcmp(ntop(&peers[1]), "2001:db8:1::c"),
	      "gamma's: alpha and beta, in roster order");
	CHECK(!mcg_conf_peers(&c, NULL, peers), "a host not in the roster: none");
	mcg_conf_free(&c);

	CHECK(!parse(good, &c, &e) && c.hoplimit == 1 &&
	      !mcg_conf_has_sites(&c) &&
	      !mcg_conf_peers(&c, mcg_conf_member(&c, 1), peers),
	      "no sites: hop limit 1, no peers");
	mcg_conf_free(&c);
	/* One site, named, with addresses: still no peers. */
	CHECK(!parse(edit(sited, "site = far\n", ""), &c, &e) &&
	      mcg_conf_has_sites(&c) &&
	      !mcg_conf_peers(&c, mcg_conf_member(&c, 30), peers),
	      "one site: nobody is a peer: %s", e.msg);
	mcg_conf_free(&c);
}

static void test_refusals(void)
{
	static const char *const bad_addr[] = {
		"fe80::1", "ff02::1", "::1", "::", "::ffff:192.0.2.1", "x",
		"2001:db8::1/64",
	};
	char want[256], text[256];
	unsigned int i;

	for (i = 0; i < sizeof(bad_addr) / sizeof(bad_addr[0]); i++) {
		snprintf(text, sizeof(text), "address = %s\n", bad_addr[i]);
		snprintf(want, sizeof(want),
			 "g.conf:18: 'address' expects a global or unique-local IPv6 unicast address, not '%s'",
			 bad_addr[i]);
		refused(edit(sited, "address = 2001:db8:3::b\n", text), want,
			bad_addr[i]);
	}
	refused(edit(sited, "site = far", "site = far away"),
		"g.conf:17: 'site' expects 1 to 63 letters, digits, '.', '_' or '-', not 'far away'",
		"a site with a space");
	refused(edit(sited, "site = far", "site = far\nsite = near"),
		"g.conf:18: 'site' given twice in [member gamma]", "a site twice");
	refused(edit(sited, "address = 2001:db8:3::b", "address = 2001:db8:3::b\naddress = 2001:db8:3::c"),
		"g.conf:19: 'address' given twice in [member gamma]",
		"an address twice");
	refused(edit(sited, "address = 2001:db8:1::a\n", ""),
		"g.conf:19: member 'alpha' needs an 'address': the roster has more than one site",
		"two sites, a member without an address");
	refused(edit(good, "sender = 30\n", "sender = 30\nsite = far\n"),
		"g.conf:17: member 'gamma' needs an 'address': the roster has more than one site",
		"a site named for one member only: the others lack addresses");
	refused(edit(sited, "2001:db8:1::c", "2001:db8:1::a"),
		"g.conf:24: member 'beta' has the address of another member",
		"two members, one address");
	refused(edit(sited, "hoplimit = 3", "hoplimit = 0"),
		"g.conf:7: 'hoplimit' expects a number from 1 to 255, not '0'",
		"hop limit 0");
	refused(edit(sited, "hoplimit = 3", "hoplimit = 256"),
		"g.conf:7: 'hoplimit' expects a number from 1 to 255, not '256'",
		"hop limit 256");
	refused(edit(sited, "hoplimit = 3", "hoplimit = 3\nhoplimit = 4"),
		"g.conf:8: 'hoplimit' given twice in [group]", "a hop limit twice");
}

static void hex(uint8_t *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sscanf(s + 2 * i, "%2hhx", &out[i]);
}

/* The canonical form of a roster without sites has not changed. */
static void test_old_rosters(void)
{
	struct mcg_roster_sig sigs[MCG_MAX_ADMINS];
	struct mcg_conf c, got, other;
	struct mcg_err e = { "" };
	size_t len, n = strlen(old_blob) / 2;
	uint8_t *blob, *old = malloc(n);
	char sig[512];

	parse(good, &c, &e);
	snprintf(sig, sizeof(sig), "%s %s\n%s %s\n", pub[0], old_sig0, pub[1],
		 old_sig1);
	CHECK(mcg_roster_verify(&c, sig, strlen(sig), "g.sig", sigs, &e) == 2,
	      "signatures made before sites existed hold: %s", e.msg);
	hex(old, old_blob, n);
	blob = mcg_roster_blob(&c, sigs, 2, &len);
	CHECK(len == n && !memcmp(blob, old, n),
	      "the blob is the one spread before, byte for byte");
	CHECK(!mcg_roster_from_blob(old, n, &c, "peer", &got, &e) &&
	      got.version == 12 && got.nmembers == 3 && got.nsigs == 2 &&
	      !mcg_conf_has_sites(&got),
	      "and an old blob is taken: %s", e.msg);
	mcg_conf_free(&got);

	/* The same members with sites: another roster, the old signatures fail. */
	parse(sited, &other, &e);
	CHECK(mcg_roster_encode(&other, NULL, 0) ==
	      mcg_roster_encode(&c, NULL, 0) + 5 + 3 + 3 * 17,
	      "sites and addresses follow the members: marker, site, address each");
	CHECK(mcg_roster_verify(&other, sig, strlen(sig), "g.sig", NULL, &e) == -1 &&
	      strstr(e.msg, "does not sign this roster"),
	      "a site or an address is signed: %s", e.msg);
	free(blob);
	free(old);
	mcg_conf_free(&other);
	mcg_conf_free(&c);
}

static void sig_line(char *out, int admin, const struct mcg_conf *c)
{
	uint8_t sig[MCG_SIG_LEN];
	char s[MCG_SIG_B64 + 1];

	mcg_roster_sign(c, &ids[admin], sig);
	mcg_sig_format(s, sig);
	sprintf(out, "%s %s\n", pub[admin], s);
}

/* Signed and spread with sites; taken back with them, and nothing else. */
static void test_blob(void)
{
	struct mcg_roster_sig sigs[MCG_MAX_ADMINS];
	struct mcg_conf local, next, got;
	struct mcg_err e = { "" };
	char a[256], b[256], two[600];
	uint8_t *blob, *bad;
	size_t len, i, clen;
	int all_caught = 1;
	uint32_t j;

	parse(good, &local, &e);
	parse(edit(sited, "version = 12", "version = 13"), &next, &e);
	sig_line(a, 0, &next);
	sig_line(b, 1, &next);
	snprintf(two, sizeof(two), "%s%s", a, b);
	mcg_roster_verify(&next, two, strlen(two), "g.sig", sigs, &e);
	blob = mcg_roster_blob(&next, sigs, 2, &len);
	CHECK(!mcg_roster_from_blob(blob, len, &local, "peer", &got, &e) &&
	      got.version == 13 && got.nmembers == 3 && got.hoplimit == 1,
	      "a roster with sites reaches a member without: %s", e.msg);
	for (j = 0; j < got.nmembers && got.members; j++)
		if (strcmp(got.members[j].site, next.members[j].site) ||
		    memcmp(&got.members[j].addr, &next.members[j].addr, 16))
			all_caught = 0;
	CHECK(all_caught, "with each member's site and address");
	mcg_conf_free(&got);

	bad = malloc(len + 32);
	for (i = 0; i < len * 8; i++) {
		memcpy(bad, blob, len);
		bad[i / 8] ^= 1 << (i % 8);
		if (!mcg_roster_from_blob(bad, len, &local, "peer", &got, &e)) {
			all_caught = 0;
			mcg_conf_free(&got);
		}
	}
	CHECK(all_caught, "each of its %zu bits flipped is refused", len * 8);
	for (i = 0; i < len; i++)
		if (!mcg_roster_from_blob(blob, i, &local, "peer", &got, &e))
			all_caught = 0;
	CHECK(all_caught, "and each truncation");

	/*
	 * Inside the canonical form, a site's length past the end, and a
	 * second site field: refused before any signature is looked at.
	 */
	clen = mcg_roster_encode(&next, NULL, 0);
	memcpy(bad, blob, len);
	bad[4 + clen - 16 - 3 - 1] = 200;	/* gamma's site length "far" */
	CHECK(mcg_roster_from_blob(bad, len, &local, "peer", &got, &e) &&
	      !strcmp(e.msg, "peer: truncated"), "a site longer than a name: %s", e.msg);
	free(bad);
	free(blob);
	mcg_conf_free(&next);
	mcg_conf_free(&local);
}

int main(void)
{
	if (mcg_crypto_init()) {
		printf("Bail out! cannot set up\n");
		return 1;
	}
	make_texts();
	test_parse();
	test_refusals();
	test_old_rosters();
	test_blob();
	printf("1..%d\n# sites: %d passed, %d failed\n", passed + failed, passed,
	       failed);
	return failed ? 1 : 0;
}
