// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of mcgd's pieces that need no network: identity files, the
 * group file's parser (each refusal with the exact line users see) and
 * the roster's canonical form and signatures.  Built with ASan and UBSan.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include "../conf.h"
#include "../epoch.h"
#include "../identity.h"
#include "../keys.h"
#include "../peers.h"
#include "../proto.h"
#include "../roster.h"
#include "../../check.h"


static char tmpdir[] = "/tmp/mcgd-unit.XXXXXX";

static const char *tmpfile_with(const char *name, const char *text, mode_t mode)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

/* Three identities from fixed seeds: admins A and B, members M1..M3. */
static struct mcg_identity ids[5];
static char pub[5][MCG_KEY_B64 + 1];

static void make_ids(void)
{
	uint8_t seed[MCG_KEY_LEN];
	int i;

	for (i = 0; i < 5; i++) {
		memset(seed, 'a' + i, sizeof(seed));
		crypto_sign_seed_keypair(ids[i].pk, ids[i].sk, seed);
		mcg_key_format(pub[i], ids[i].pk);
	}
}

static void test_keys(void)
{
	uint8_t k[MCG_KEY_LEN], k2[MCG_KEY_LEN];
	char s[MCG_KEY_B64 + 1];

	randombytes_buf(k, sizeof(k));
	mcg_key_format(s, k);
	CHECK(strlen(s) == 44 && s[43] == '=', "a key is 44 base64 characters");
	CHECK(!mcg_key_parse(s, 44, k2) && !memcmp(k, k2, sizeof(k)),
	      "a key reads back");
	CHECK(mcg_key_parse(s, 43, k2), "43 characters are not a key");
	/* 32 bytes leave 2 unused bits in the last character. */
	s[42] = s[42] == 'A' ? 'B' : 'A';
	CHECK(mcg_key_parse(s, 44, k2) || memcmp(k, k2, sizeof(k)),
	      "a different last character is another key or none");
	mcg_key_format(s, (uint8_t[32]){ 0 });
	s[42] = 'B';	/* 000001: unused bits set */
	CHECK(mcg_key_parse(s, 44, k2), "non-canonical base64 is refused");
	CHECK(mcg_key_parse("!AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 44, k2),
	      "a character outside base64 is refused");
}

static void test_identity_files(void)
{
	struct mcg_identity id;
	struct mcg_err e = { "" };
	char line[MCG_KEY_B64 + 2], more[64];
	const char *path;
	uint8_t pk[MCG_KEY_LEN], sk[64], seed[MCG_KEY_LEN];

	mcg_id_generate(line);
	CHECK(strlen(line) == 45 && line[44] == '\n', "genid writes one line");
	path = tmpfile_with("id.key", line, 0600);
	CHECK(!mcg_id_load(path, &id, &e), "a 0600 key file loads: %s", e.msg);
	mcg_key_parse(line, 44, seed);
	crypto_sign_seed_keypair(pk, sk, seed);
	CHECK(!memcmp(pk, id.pk, sizeof(pk)), "its public key is the seed's");
	mcg_id_wipe(&id);
	CHECK(sodium_is_zero((uint8_t *)&id, sizeof(id)), "wiped");

	path = tmpfile_with("id.key", line, 0640);
	CHECK(mcg_id_load(path, &id, &e) &&
	      strstr(e.msg, "group or others may access it (mode 0640): it must be 0600"),
	      "a key file the group can read is refused: %s", e.msg);
	path = tmpfile_with("id.key", "", 0600);
	CHECK(mcg_id_load(path, &id, &e) && strstr(e.msg, ": empty: no identity key"),
	      "an empty key file: %s", e.msg);
	path = tmpfile_with("id.key", "hello\n", 0600);
	CHECK(mcg_id_load(path, &id, &e) && strstr(e.msg, ": not an identity key"),
	      "a file that is no key: %s", e.msg);
	snprintf(more, sizeof(more), "%.44s\n\n\n\nextra\n", line);
	path = tmpfile_with("id.key", more, 0600);
	CHECK(mcg_id_load(path, &id, &e), "a key followed by more is refused");
	CHECK(mcg_id_load(tmpdir, &id, &e) && strstr(e.msg, "not a regular file"),
	      "a directory: %s", e.msg);
	CHECK(mcg_id_load("/nonexistent/id.key", &id, &e) &&
	      !strcmp(e.msg, "/nonexistent/id.key: No such file or directory"),
	      "a missing file: %s", e.msg);
}

static char good[4096];

static void make_good(void)
{
	snprintf(good, sizeof(good),
		 "# a group\n"
		 "[group]\n"
		 "id = 5\n"
		 "address = ff3e::4d43:4701\n"
		 "interface = eth0\n"
		 "algorithm = chacha20-poly1305 ; inline comment\n"
		 "rotation = 600\n"
		 "\n"
		 "[admins]\n"
		 "threshold = 2\n"
		 "key = %s\n"
		 "key = %s\n"
		 "\n"
		 "[roster]\n"
		 "version = 12\n"
		 "\n"
		 "[member gamma]\n"
		 "key = %s\n"
		 "sender = 30\n"
		 "\n"
		 "[member alpha]\n"
		 "key = %s\n"
		 "sender = 1\n"
		 "priority = 1\n"
		 "\n"
		 "[member beta]\n"
		 "key = %s\n"
		 "sender = 2\n"
		 "priority = 2\n",
		 pub[0], pub[1], pub[4], pub[2], pub[3]);
}

static int parse(const char *text, struct mcg_conf *c, struct mcg_err *e)
{
	return mcg_conf_parse(text, strlen(text), "g.conf", c, e);
}

static void test_conf_good(void)
{
	struct mcg_conf c;
	struct mcg_err e = { "" };
	char addr[64];

	CHECK(!parse(good, &c, &e), "the example parses: %s", e.msg);
	inet_ntop(AF_INET6, &c.addr, addr, sizeof(addr));
	CHECK(c.id == 5 && !strcmp(addr, "ff3e::4d43:4701") &&
	      !strcmp(c.ifname, "eth0") && c.port == 6470 &&
	      !strcmp(mcg_conf_alg_name(c.alg), "chacha20-poly1305") &&
	      c.rotation == 600 && c.activation == 10 && c.deactivation == 30 &&
	      c.removal_deactivation == 2 && c.hello == 2,
	      "[group] with its defaults");
	CHECK(c.threshold == 2 && c.nadmins == 2 &&
	      !memcmp(c.admins[1], ids[1].pk, MCG_KEY_LEN), "[admins]");
	CHECK(c.version == 12 && c.nmembers == 3, "[roster], three members");
	CHECK(c.members[0].sender == 1 && !strcmp(c.members[0].name, "alpha") &&
	      c.members[1].sender == 2 && c.members[2].sender == 30 &&
	      c.members[2].priority == 0 && c.members[0].line == 21,
	      "members sorted by sender id, each with its line");
	CHECK(mcg_conf_member(&c, 2) == &c.members[1] && !mcg_conf_member(&c, 3),
	      "members found by sender id");
	CHECK(mcg_conf_member_by_key(&c, ids[4].pk) == &c.members[2],
	      "and by key");
	mcg_conf_free(&c);
	CHECK(!c.members && !c.nmembers, "freed");
}

/* good with the first occurrence of from replaced by to */
static const char *edit(const char *from, const char *to)
{
	static char buf[8192];
	const char *at = strstr(good, from);

	if (!at)
		abort();
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - good), good, to,
		 at + strlen(from));
	return buf;
}

static void refused(const char *text, const char *want, const char *what)
{
	struct mcg_conf c;
	struct mcg_err e = { "" };
	int ret = parse(text, &c, &e);

	CHECK(ret == -1 && !strcmp(e.msg, want) && !c.members && !c.nmembers,
	      "%s: \"%s\"%s%s", what, want, strcmp(e.msg, want) ? " got " : "",
	      strcmp(e.msg, want) ? e.msg : "");
}

static void test_conf_refusals(void)
{
	char many[16384], *p = many;
	int i;

	refused(edit("id = 5", "id = 0"),
		"g.conf:3: 'id' expects a number from 1 to 4294967295, not '0'",
		"group id 0");
	refused(edit("id = 5", "id = 5x"),
		"g.conf:3: 'id' expects a number from 1 to 4294967295, not '5x'",
		"trailing junk");
	refused(edit("id = 5", "id = -5"),
		"g.conf:3: 'id' expects a number from 1 to 4294967295, not '-5'",
		"a negative number");
	refused(edit("rotation = 600", "rotation = 600\nid = 6"),
		"g.conf:8: 'id' given twice in [group]", "a key given twice");
	refused(edit("address = ff3e::4d43:4701", "address = 2001:db8::1"),
		"g.conf:4: 'address' expects an IPv6 multicast address, not '2001:db8::1'",
		"a unicast address");
	refused(edit("chacha20-poly1305", "rot13"),
		"g.conf:6: unknown algorithm 'rot13' (aes-gcm-128, aes-gcm-256 or chacha20-poly1305)",
		"an unknown algorithm");
	refused(edit("rotation = 600", "rotaton = 600"),
		"g.conf:7: unknown key 'rotaton' in [group]", "a misspelt key");
	refused(edit("[roster]", "[rooster]"),
		"g.conf:14: unknown section [rooster] ([group], [admins], [roster] or [member NAME])",
		"an unknown section");
	refused(edit("sender = 30", "  sender = 30"),
		"g.conf:19: an indented line: put each 'key = value' at the start of its line",
		"an indented line");
	/* Found by fuzz_conf: inih took this for a header, the parser did
	 * not, and the key after it went to a member never made.
	 */
	refused(edit("[member beta]", "\f[member beta]"),
		"g.conf:26: an indented line: put each 'key = value' at the start of its line",
		"a header after a form feed");
	refused(edit("sender = 30", "sender 30"),
		"g.conf:19: neither '[section]' nor 'key = value'", "no '='");
	refused(edit("[member beta]", "[member alpha]"),
		"g.conf:26: member 'alpha' given twice (line 21)",
		"a member given twice");
	refused(edit("[member beta]", "[member be ta]"),
		"g.conf:26: member name 'be ta': 1 to 63 letters, digits, '.', '_' or '-'",
		"a member name with a space");
	refused(edit("sender = 2\n", "sender = 30\n"),
		"g.conf:26: member 'beta' has sender 30, as 'gamma' (line 17) has",
		"two members with one sender id");
	refused(edit(pub[3], pub[4]),
		"g.conf:26: member 'beta' has the key of 'gamma' (line 17)",
		"two members with one key");
	refused(edit(pub[3], "AAAA"),
		"g.conf:27: 'key' expects a public key (44 base64 characters, as 'mcgctl pubid' prints), not 'AAAA'",
		"a short key");
	refused(edit("priority = 2", "priority = 256"),
		"g.conf:29: 'priority' expects a number from 0 to 255, not '256'",
		"a priority above 255");
	refused(edit("sender = 30\n", ""),
		"g.conf:17: member 'gamma' needs a 'key' and a 'sender'",
		"a member without a sender id");
	refused(edit("[member gamma]\nkey", "[member gamma]\n\n[member delta]\nkey"),
		"g.conf:17: an empty section", "an empty section");
	refused(edit("threshold = 2", "threshold = 3"),
		"g.conf: [admins] threshold 3 of 2 admins", "a threshold above the admins");
	refused(edit("id = 5\n", ""), "g.conf: [group] has no 'id'", "no group id");
	refused(edit("version = 12\n", "version = 0\n"),
		"g.conf:15: 'version' expects a number from 1 to 18446744073709551615, not '0'",
		"roster version 0");
	refused(edit("key = ", "key = x\nkey = "),
		"g.conf:11: 'key' expects a public key (44 base64 characters, as 'mcgctl pubid' prints), not 'x'",
		"a broken admin key");
	refused(edit(pub[1], pub[0]), "g.conf:12: admin key given twice",
		"an admin twice");
	refused("id = 5\n", "g.conf:1: 'id' outside a section", "a key before any section");
	refused(edit("[member gamma]", "[group]\nport = 7\n\n[member gamma]"),
		"g.conf:17: [group] given twice", "a second [group]");

	/* Sixteen candidates: one more than the epoch number can tell. */
	p += sprintf(p, "%s", good);
	for (i = 0; i < 14; i++) {
		uint8_t k[MCG_KEY_LEN];
		char s[MCG_KEY_B64 + 1];

		randombytes_buf(k, sizeof(k));
		mcg_key_format(s, k);
		p += sprintf(p, "[member c%d]\nkey = %s\nsender = %d\npriority = 9\n",
			     i, s, 100 + i);
	}
	refused(many, "g.conf: 16 members have a priority: at most 15 may be key-server candidates",
		"sixteen candidates");

	memset(many, 'x', 300);
	strcpy(many + 300, "\n");
	refused(many, "g.conf:1: line too long (over 198 characters)", "a long line");
	refused("[group]\nid = 5\0\n", "g.conf: [group] has no 'address'",
		"text ends at a NUL (the string's end here)");
	{
		struct mcg_conf c;
		struct mcg_err e;
		static const char nul[] = "[group]\nid = 5\0x\n";

		CHECK(mcg_conf_parse(nul, sizeof(nul) - 1, "g.conf", &c, &e) &&
		      !strcmp(e.msg, "g.conf:2: a NUL byte: not a text file"),
		      "a NUL byte in the file: %s", e.msg);
	}
}

static void test_conf_file(void)
{
	struct mcg_conf c;
	struct mcg_err e = { "" };
	const char *path = tmpfile_with("g.conf", good, 0644);
	char want[512];

	CHECK(!mcg_conf_load(path, &c, &e) && c.nmembers == 3,
	      "a group file loads: %s", e.msg);
	mcg_conf_free(&c);
	path = tmpfile_with("g.conf", edit("id = 5", "id = x"), 0644);
	snprintf(want, sizeof(want),
		 "%s:3: 'id' expects a number from 1 to 4294967295, not 'x'", path);
	CHECK(mcg_conf_load(path, &c, &e) && !strcmp(e.msg, want),
	      "a file's error names the file: %s", e.msg);
}

static void sig_line(char *out, int admin, const struct mcg_conf *c)
{
	uint8_t sig[MCG_SIG_LEN];
	char s[MCG_SIG_B64 + 1];

	mcg_roster_sign(c, &ids[admin], sig);
	mcg_sig_format(s, sig);
	sprintf(out, "%s %s\n", pub[admin], s);
}

static int verify(const struct mcg_conf *c, const char *sigs, struct mcg_err *e)
{
	return mcg_roster_verify(c, sigs, strlen(sigs), "g.sig", NULL, e);
}

static void test_roster(void)
{
	struct mcg_conf c, c2;
	struct mcg_err e = { "" };
	char a[256], b[256], m[256], two[1024];
	uint8_t enc1[4096], enc2[4096];
	size_t n1, n2;

	parse(good, &c, &e);
	n1 = mcg_roster_encode(&c, enc1, sizeof(enc1));
	CHECK(n1 == 13 + 4 + 16 + 2 + 1 + 20 + 2 + 64 + 8 + 4 + 3 * 38 + 5 + 4 + 5,
	      "the canonical form is %zu bytes", n1);
	CHECK(mcg_roster_encode(&c, enc2, 10) == n1, "its size, when it does not fit");

	/* Order, comments, spacing and the interface mean nothing. */
	snprintf(two, sizeof(two), "key = %s\nkey = %s\n", pub[1], pub[0]);
	parse(edit("interface = eth0", "interface = ens3\n# moved"), &c2, &e);
	n2 = mcg_roster_encode(&c2, enc2, sizeof(enc2));
	CHECK(n1 == n2 && !memcmp(enc1, enc2, n1),
	      "another interface, a comment: the same roster");
	mcg_conf_free(&c2);
	{
		char swapped[512];

		snprintf(swapped, sizeof(swapped), "key = %s\nkey = %s\n", pub[0], pub[1]);
		parse(edit(swapped, two), &c2, &e);
		n2 = mcg_roster_encode(&c2, enc2, sizeof(enc2));
		CHECK(n1 == n2 && !memcmp(enc1, enc2, n1),
		      "admins in another order: the same roster");
		mcg_conf_free(&c2);
	}

	sig_line(a, 0, &c);
	sig_line(b, 1, &c);
	sig_line(m, 2, &c);	/* a member, not an admin */
	snprintf(two, sizeof(two), "%s%s", a, b);
	CHECK(verify(&c, two, &e) == 2, "two admins sign: %s", e.msg);
	snprintf(two, sizeof(two), "# signed on Tuesday\n\n%s%s", b, a);
	CHECK(verify(&c, two, &e) == 2, "comments and blank lines: %s", e.msg);
	CHECK(verify(&c, a, &e) == -1 &&
	      !strcmp(e.msg, "g.sig: 1 of the 2 admin signatures the roster needs"),
	      "one signature of two: %s", e.msg);
	snprintf(two, sizeof(two), "%s%s", a, a);
	CHECK(verify(&c, two, &e) == -1 &&
	      !strcmp(e.msg, "g.sig:2: that admin signed already"),
	      "one admin twice: %s", e.msg);
	snprintf(two, sizeof(two), "%s%s", a, m);
	CHECK(verify(&c, two, &e) == -1 &&
	      !strcmp(e.msg, "g.sig:2: signed by a key that is not an admin of group 5"),
	      "a member's signature: %s", e.msg);
	CHECK(verify(&c, "hello\n", &e) == -1 &&
	      !strcmp(e.msg, "g.sig:1: not 'ADMIN-KEY SIGNATURE' (as 'mcgctl roster sign' prints)"),
	      "a line that is not a signature: %s", e.msg);

	/* Any change of meaning, and each older version, fails. */
	parse(edit("priority = 2", "priority = 3"), &c2, &e);
	snprintf(two, sizeof(two), "%s%s", a, b);
	CHECK(verify(&c2, two, &e) == -1 &&
	      !strcmp(e.msg, "g.sig:1: does not sign this roster (version 12): signed before an edit?"),
	      "a priority changed: %s", e.msg);
	mcg_conf_free(&c2);
	parse(edit("version = 12", "version = 13"), &c2, &e);
	CHECK(verify(&c2, two, &e) == -1 &&
	      strstr(e.msg, "does not sign this roster (version 13)"),
	      "version 12's signatures do not sign version 13: %s", e.msg);
	mcg_conf_free(&c2);
	parse(edit("threshold = 2", "threshold = 1"), &c2, &e);
	CHECK(verify(&c2, a, &e) == -1, "a lowered threshold is a change too");
	mcg_conf_free(&c2);
	mcg_conf_free(&c);
}

static void test_epochs(void)
{
	struct mcg_conf c;
	struct mcg_err e = { "" };
	uint32_t live[3];
	uint32_t a = mcg_epoch(7, 2, 1), b = mcg_epoch(7, 3, 1);

	CHECK(a == 0x00720001 && mcg_epoch_gen(a) == 7 && mcg_epoch_cand(a) == 2 &&
	      mcg_epoch_ctr(a) == 1, "generation | candidate | counter");
	CHECK(a != b, "two key servers of one generation: two numbers");
	CHECK(!mcg_epoch_newer(a, b) && !mcg_epoch_newer(b, a),
	      "and neither is newer");
	CHECK(mcg_epoch_newer(mcg_epoch(7, 2, 2), a) && !mcg_epoch_newer(a, a),
	      "a key server's next counter is newer");
	CHECK(mcg_epoch_newer(mcg_epoch(8, 1, 1), mcg_epoch(7, 15, 0xffff)),
	      "a later generation is newer, whatever its counter");
	CHECK(mcg_gen_cmp(0, 4095) > 0 && mcg_gen_cmp(4095, 0) < 0 &&
	      mcg_epoch_newer(mcg_epoch(0, 1, 1), mcg_epoch(4095, 1, 9)),
	      "generations wrap as serial numbers");
	CHECK(mcg_gen_cmp(2047, 0) > 0 && mcg_gen_cmp(2048, 0) < 0,
	      "half the space ahead is after");
	CHECK(mcg_epoch(4096, 16, 0) == 0, "fields do not spill");

	parse(good, &c, &e);
	/* alpha (sender 1, priority 1) and beta (2, priority 2) are candidates. */
	CHECK(mcg_candidate_rank(&c, 1) == 1 && mcg_candidate_rank(&c, 2) == 2 &&
	      !mcg_candidate_rank(&c, 30) && !mcg_candidate_rank(&c, 99),
	      "candidate ranks by sender id; 0 for the others");
	live[0] = 30; live[1] = 2; live[2] = 1;
	CHECK(mcg_elect(&c, live, 3) == 1, "the lowest priority wins");
	CHECK(mcg_elect(&c, live, 2) == 2, "its successor when it is silent");
	CHECK(mcg_elect(&c, live, 1) == 0, "no candidate alive: no key server");
	mcg_conf_free(&c);
	parse(edit("priority = 2", "priority = 1"), &c, &e);
	CHECK(mcg_elect(&c, live, 3) == 1, "equal priorities: the lowest sender id");
	mcg_conf_free(&c);
}

static const uint8_t *key_of(uint32_t sender, void *arg)
{
	(void)arg;
	return sender >= 1 && sender <= 5 ? ids[sender - 1].pk : NULL;
}

static enum mcg_msg_err open_msg(const uint8_t *d, size_t len,
				 struct mcg_msg_hdr *h, const uint8_t **body)
{
	return mcg_msg_open(d, len, 5, key_of, NULL, h, body);
}

static void test_messages(void)
{
	struct mcg_msg_hdr h = {
		.type = MCG_MSG_HELLO, .group = 5, .sender = 3,
		.incarnation = 0x0102030405060708ull, .counter = 42,
		.roster_version = 12, .frag = 0, .nfrags = 1,
	}, got;
	uint8_t d[MCG_MSG_MAX], bad[MCG_MSG_MAX], body[MCG_MSG_BODY_MAX + 1];
	const uint8_t *b = NULL;
	size_t len, i;
	int all_caught = 1;

	memset(body, 0xab, sizeof(body));
	len = mcg_msg_seal(d, &h, "hi", 2, &ids[2]);
	CHECK(len == 40 + 2 + 64 && !memcmp(d, "MK\1\1", 4),
	      "a datagram: 40-byte header, body, 64-byte signature");
	CHECK(open_msg(d, len, &got, &b) == MCG_MSG_OK && b == d + 40 &&
	      !memcmp(b, "hi", 2) && got.type == h.type && got.sender == 3 &&
	      got.incarnation == h.incarnation && got.counter == 42 &&
	      got.roster_version == 12 && got.nfrags == 1 && got.body_len == 2,
	      "it opens to what was sealed");
	CHECK(mcg_msg_seal(d, &h, body, MCG_MSG_BODY_MAX + 1, &ids[2]) == 0,
	      "a body too long is not sealed");
	len = mcg_msg_seal(d, &h, body, MCG_MSG_BODY_MAX, &ids[2]);
	CHECK(len == MCG_MSG_MAX && open_msg(d, len, &got, &b) == MCG_MSG_OK,
	      "the largest datagram is %d bytes", MCG_MSG_MAX);

	len = mcg_msg_seal(d, &h, "hi", 2, &ids[2]);
	CHECK(open_msg(d, 103, &got, &b) == MCG_MSG_E_SHORT, "short");
	CHECK(open_msg(d, len - 1, &got, &b) == MCG_MSG_E_LENGTH &&
	      open_msg(d, len + 1, &got, &b) == MCG_MSG_E_LENGTH,
	      "a byte less or more: length");
	CHECK(mcg_msg_open(d, len, 6, key_of, NULL, &got, &b) == MCG_MSG_E_GROUP,
	      "another group's");
	memcpy(bad, d, len); bad[1] = 'X';
	CHECK(open_msg(bad, len, &got, &b) == MCG_MSG_E_MAGIC, "magic");
	memcpy(bad, d, len); bad[2] = 2;
	CHECK(open_msg(bad, len, &got, &b) == MCG_MSG_E_VERSION, "version");
	memcpy(bad, d, len); bad[3] = 0;
	CHECK(open_msg(bad, len, &got, &b) == MCG_MSG_E_TYPE, "type 0");
	memcpy(bad, d, len); bad[3] = __MCG_MSG_MAX;
	CHECK(open_msg(bad, len, &got, &b) == MCG_MSG_E_TYPE, "an unknown type");
	memcpy(bad, d, len); bad[37] = 0;
	CHECK(open_msg(bad, len, &got, &b) == MCG_MSG_E_FRAG, "0 fragments");
	memcpy(bad, d, len); bad[36] = 1;
	CHECK(open_msg(bad, len, &got, &b) == MCG_MSG_E_FRAG, "fragment 1 of 1");
	memcpy(bad, d, len); bad[11] = 9;
	CHECK(open_msg(bad, len, &got, &b) == MCG_MSG_E_SENDER,
	      "a signer not in the roster");
	memcpy(bad, d, len); bad[11] = 4;
	CHECK(open_msg(bad, len, &got, &b) == MCG_MSG_E_SIGNATURE,
	      "another member's name on it: signature");
	/* Every bit of header, body and signature is covered. */
	for (i = 0; i < len * 8; i++) {
		memcpy(bad, d, len);
		bad[i / 8] ^= 1 << (i % 8);
		if (open_msg(bad, len, &got, &b) == MCG_MSG_OK)
			all_caught = 0;
	}
	CHECK(all_caught, "each of the %zu bits flipped is refused", len * 8);
	CHECK(!strcmp(mcg_msg_err_name(MCG_MSG_E_SIGNATURE), "signature") &&
	      !strcmp(mcg_msg_err_name(99), "?"), "error names");
}

static uint8_t kek1[MCG_KEK_LEN], kek2[MCG_KEK_LEN];

static const uint8_t *kek_of(uint32_t id, void *arg)
{
	(void)arg;
	return id == 1 ? kek1 : id == 2 ? kek2 : NULL;
}

static void test_rekey(void)
{
	struct mcg_rekey r = {
		.kek_id = 1, .epoch = mcg_epoch(1, 1, 2), .alg = 3,
		.flags = MCG_REKEY_REMOVAL, .activation = 10, .key_len = 32,
	}, got;
	uint8_t body[MCG_REKEY_BODY_MAX], bad[MCG_REKEY_BODY_MAX];
	size_t len, i;
	int all_caught = 1;

	randombytes_buf(kek1, sizeof(kek1));
	randombytes_buf(kek2, sizeof(kek2));
	randombytes_buf(r.key, sizeof(r.key));
	len = mcg_rekey_seal(body, 5, &r, kek1);
	CHECK(len == 12 + 24 + 32 + 16, "a 32-byte epoch key: %zu bytes", len);
	CHECK(!mcg_rekey_open(body, len, 5, kek_of, NULL, &got) &&
	      got.kek_id == 1 && got.epoch == r.epoch && got.alg == 3 &&
	      got.flags == MCG_REKEY_REMOVAL && got.activation == 10 &&
	      got.key_len == 32 && !memcmp(got.key, r.key, 32),
	      "it opens under its KEK");
	CHECK(mcg_rekey_open(body, len, 6, kek_of, NULL, &got) &&
	      sodium_is_zero(got.key, sizeof(got.key)),
	      "not for another group, and nothing is left of it");
	for (i = 0; i < len * 8; i++) {
		memcpy(bad, body, len);
		bad[i / 8] ^= 1 << (i % 8);
		if (!mcg_rekey_open(bad, len, 5, kek_of, NULL, &got))
			all_caught = 0;
	}
	CHECK(all_caught, "each of its %zu bits flipped is refused", len * 8);
	r.kek_id = 3;
	len = mcg_rekey_seal(body, 5, &r, kek1);
	CHECK(mcg_rekey_open(body, len, 5, kek_of, NULL, &got),
	      "a KEK this member lacks");
	r.kek_id = 2;
	r.key_len = 16;
	len = mcg_rekey_seal(body, 5, &r, kek2);
	CHECK(len == 68 && !mcg_rekey_open(body, len, 5, kek_of, NULL, &got) &&
	      got.key_len == 16, "a 16-byte epoch key");
	CHECK(mcg_rekey_open(body, len - 1, 5, kek_of, NULL, &got) &&
	      mcg_rekey_open(body, 0, 5, kek_of, NULL, &got),
	      "other lengths are refused");
}

static void test_kek(void)
{
	uint8_t pk[3][32], sk[3][32], kek[MCG_KEK_LEN], got[MCG_KEK_LEN];
	struct mcg_kek_entry e[MCG_KEK_ENTRIES_MAX];
	uint8_t rpk[MCG_KEK_ENTRIES_MAX][32];
	uint8_t body[MCG_MSG_BODY_MAX];
	uint32_t id, first;
	size_t len;
	int i;

	for (i = 0; i < 3; i++)
		crypto_box_keypair(pk[i], sk[i]);
	randombytes_buf(kek, sizeof(kek));
	for (i = 0; i < MCG_KEK_ENTRIES_MAX; i++) {
		e[i] = (struct mcg_kek_entry){ .recipient = 10 + i,
					       .incarnation = 100 + i,
					       .first_epoch = 7 };
		memcpy(rpk[i], pk[i % 2], 32);
	}
	len = mcg_kek_seal(body, 9, kek, e, rpk, MCG_KEK_ENTRIES_MAX);
	CHECK(len == 5 + 11 * 96 && len <= MCG_MSG_BODY_MAX,
	      "11 sealed entries fit one datagram (%zu of %d bytes)", len,
	      MCG_MSG_BODY_MAX);
	CHECK(mcg_kek_open(body, len, 12, 102, pk[0], sk[0], got, &id, &first) == 1 &&
	      !memcmp(got, kek, sizeof(kek)) && id == 9 && first == 7,
	      "a recipient opens its entry");
	CHECK(mcg_kek_open(body, len, 12, 103, pk[0], sk[0], got, &id, &first) == 0,
	      "another incarnation of it finds none (a restart)");
	CHECK(mcg_kek_open(body, len, 99, 1, pk[0], sk[0], got, &id, &first) == 0,
	      "a member not listed finds none (a removal)");
	CHECK(mcg_kek_open(body, len, 12, 102, pk[2], sk[2], got, &id, &first) == -1 &&
	      sodium_is_zero(got, sizeof(got)),
	      "another rekey key cannot open an entry");
	body[5 + 2 * 96 + 40] ^= 1;
	CHECK(mcg_kek_open(body, len, 12, 102, pk[0], sk[0], got, &id, &first) == -1,
	      "a sealed box changed does not open");
	CHECK(mcg_kek_open(body, len - 1, 12, 102, pk[0], sk[0], got, &id, &first) == -1 &&
	      mcg_kek_open(body, 4, 12, 102, pk[0], sk[0], got, &id, &first) == -1,
	      "a body of the wrong length is refused");
	body[4] = 12;
	CHECK(mcg_kek_open(body, 5 + 12 * 96, 12, 102, pk[0], sk[0], got, &id, &first) == -1,
	      "more entries than a datagram holds");
	CHECK(mcg_kek_seal(body, 9, kek, e, rpk, 12) == 0, "and none are sealed");
}

/* A verified HELLO from sender s: header and body as mcg_msg_open() gives. */
static enum mcg_hello_verdict hello(struct mcg_peers *t, uint32_t s, uint64_t inc,
				    uint64_t ctr, uint64_t now, uint32_t epoch)
{
	struct mcg_msg_hdr h = { .type = MCG_MSG_HELLO, .group = 5, .sender = s,
				 .incarnation = inc, .counter = ctr,
				 .body_len = MCG_HELLO_LEN };
	struct mcg_hello b = { .newest_epoch = epoch, .kek_id = 1,
			       .generation = 3, .flags = MCG_HELLO_KS };
	uint8_t body[MCG_HELLO_LEN];

	memset(b.rekey_pk, (int)inc, sizeof(b.rekey_pk));
	mcg_hello_encode(body, &b);
	return mcg_peers_hello(t, &h, body, now, 60000);
}

static void test_peers(void)
{
	struct mcg_conf c, c2;
	struct mcg_err e = { "" };
	struct mcg_peers t, t2;
	struct mcg_msg_hdr h = { .sender = 1, .incarnation = 1, .counter = 1000,
				 .body_len = 42 };
	uint8_t body[MCG_HELLO_LEN] = { 0 };
	uint32_t live[8];
	const uint64_t T = 1700000000000ull;	/* a wall clock, ms */

	parse(good, &c, &e);
	CHECK(!mcg_peers_init(&t, &c, NULL) && t.n == 3 && t.peer[2].sender == 30 &&
	      mcg_peers_find(&t, 2) == &t.peer[1] && !mcg_peers_find(&t, 3),
	      "a peer per member, found by sender id");
	CHECK(mcg_peers_live(&t, T, 6000, live) == 0, "nobody heard: nobody live");
	CHECK(hello(&t, 2, 77, T, T, 5) == MCG_HELLO_FIRST &&
	      mcg_peers_find(&t, 2)->hello.newest_epoch == 5 &&
	      mcg_peers_find(&t, 2)->hello.rekey_pk[0] == 77 &&
	      mcg_peers_find(&t, 2)->hello.generation == 3,
	      "a first hello is recorded");
	CHECK(hello(&t, 2, 77, T + 2000, T + 2000, 6) == MCG_HELLO_UPDATE &&
	      mcg_peers_find(&t, 2)->hello.newest_epoch == 6, "its next one");
	CHECK(hello(&t, 2, 77, T + 2000, T + 2100, 6) == MCG_HELLO_E_STALE &&
	      hello(&t, 2, 77, T + 1000, T + 2100, 6) == MCG_HELLO_E_STALE,
	      "a replay, or an older one, is stale");
	CHECK(hello(&t, 2, 77, T - 61000, T + 2100, 6) == MCG_HELLO_E_SKEW &&
	      hello(&t, 2, 77, T + 70000, T + 2100, 6) == MCG_HELLO_E_SKEW,
	      "a counter more than the skew from our clock");
	CHECK(hello(&t, 2, 88, T + 4000, T + 4000, 0) == MCG_HELLO_RESTART &&
	      mcg_peers_find(&t, 2)->hello.rekey_pk[0] == 88,
	      "a new incarnation: a restart, with its new rekey key");
	CHECK(hello(&t, 2, 77, T + 6000, T + 6000, 6) == MCG_HELLO_E_REPLACED &&
	      mcg_peers_find(&t, 2)->incarnation == 88,
	      "the replaced incarnation cannot come back");
	CHECK(hello(&t, 2, 66, T + 3000, T + 6000, 6) == MCG_HELLO_E_STALE,
	      "nor an older one never seen, whose clock is behind");
	CHECK(hello(&t, 9, 1, T, T, 1) == MCG_HELLO_E_MEMBER, "not a member");
	h.counter = T;
	CHECK(mcg_peers_hello(&t, &h, body, T, 60000) == MCG_HELLO_E_BODY,
	      "a body of 42 bytes");
	hello(&t, 1, 5, T + 1000, T + 1000, 6);
	CHECK(mcg_peers_live(&t, T + 6000, 6000, live) == 2 && live[0] == 1 &&
	      live[1] == 2, "two live at +6 s");
	CHECK(mcg_peers_live(&t, T + 7001, 6000, live) == 1 && live[0] == 2,
	      "one whose lifetime ran out is not");

	/* A new roster: sender 2 keeps its state, unless its key changed. */
	parse(edit("version = 12", "version = 13"), &c2, &e);
	CHECK(!mcg_peers_init(&t2, &c2, &t) && mcg_peers_find(&t2, 2)->incarnation == 88,
	      "a new roster keeps what was heard of its members");
	mcg_peers_free(&t2);
	mcg_conf_free(&c2);
	parse(edit(pub[3], pub[0]), &c2, &e);	/* beta (sender 2) gets a new key */
	CHECK(!mcg_peers_init(&t2, &c2, &t) && !mcg_peers_find(&t2, 2)->incarnation &&
	      mcg_peers_find(&t2, 1)->incarnation == 5,
	      "a member with a new key starts afresh");
	mcg_peers_free(&t2);
	mcg_conf_free(&c2);
	mcg_peers_free(&t);
	mcg_conf_free(&c);
}

static void test_roster_blob(void)
{
	struct mcg_roster_sig sigs[MCG_MAX_ADMINS];
	struct mcg_conf local, next, got;
	struct mcg_err e = { "" };
	char two[1024], a[256], b[256], added[4096];
	uint8_t *blob, *bad;
	size_t len, i;
	int all_caught = 1;

	parse(good, &local, &e);
	snprintf(added, sizeof(added), "%s\n[member delta]\nkey = %s\nsender = 4\n",
		 edit("version = 12", "version = 13"), pub[1]);
	CHECK(!parse(added, &next, &e), "version 13 adds a member: %s", e.msg);
	sig_line(a, 0, &next);
	sig_line(b, 1, &next);
	snprintf(two, sizeof(two), "%s%s", a, b);
	CHECK(mcg_roster_verify(&next, two, strlen(two), "g.sig", sigs, &e) == 2,
	      "its signatures, read: %s", e.msg);
	blob = mcg_roster_blob(&next, sigs, 2, &len);
	CHECK(blob && len == 4 + mcg_roster_encode(&next, NULL, 0) + 1 + 2 * 96,
	      "the roster as it travels: %zu bytes", len);
	CHECK(!mcg_roster_from_blob(blob, len, &local, "peer", &got, &e) &&
	      got.version == 13 && got.nmembers == 4 && got.members[2].sender == 4 &&
	      !strcmp(got.members[2].name, "delta") && !strcmp(got.ifname, "eth0") &&
	      got.threshold == 2,
	      "a member takes it with the charter it has: %s", e.msg);
	mcg_conf_free(&got);

	/* One signature of two. */
	free(blob);
	blob = mcg_roster_blob(&next, sigs, 1, &len);
	CHECK(mcg_roster_from_blob(blob, len, &local, "peer", &got, &e) &&
	      !strcmp(e.msg, "peer: roster version 13 has 1 of the 2 admin signatures it needs") &&
	      !got.members, "one signature of two: %s", e.msg);
	/* The same admin twice counts once. */
	free(blob);
	sigs[1] = sigs[0];
	blob = mcg_roster_blob(&next, sigs, 2, &len);
	CHECK(mcg_roster_from_blob(blob, len, &local, "peer", &got, &e),
	      "one admin twice counts once: %s", e.msg);
	free(blob);
	mcg_roster_verify(&next, two, strlen(two), "g.sig", sigs, &e);
	blob = mcg_roster_blob(&next, sigs, 2, &len);

	/* A member with another charter refuses it. */
	mcg_conf_free(&got);
	{
		struct mcg_conf other;

		parse(edit("rotation = 600", "rotation = 900"), &other, &e);
		CHECK(mcg_roster_from_blob(blob, len, &other, "peer", &got, &e) &&
		      !strcmp(e.msg, "peer: not this group's charter"),
		      "another rotation period: another charter: %s", e.msg);
		mcg_conf_free(&other);
	}
	bad = malloc(len);
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
	free(bad);
	free(blob);
	mcg_conf_free(&next);
	mcg_conf_free(&local);
}

int main(void)
{
	if (mcg_crypto_init() || !mkdtemp(tmpdir)) {
		printf("Bail out! cannot set up\n");
		return 1;
	}
	make_ids();
	make_good();
	test_keys();
	test_identity_files();
	test_conf_good();
	test_conf_refusals();
	test_conf_file();
	test_roster();
	test_epochs();
	test_messages();
	test_rekey();
	test_kek();
	test_peers();
	test_roster_blob();
	unlink(tmpfile_with("id.key", "", 0600));
	unlink(tmpfile_with("g.conf", "", 0600));
	rmdir(tmpdir);
	printf("1..%d\n# unit: %d passed, %d failed\n", passed + failed, passed,
	       failed);
	return failed ? 1 : 0;
}
