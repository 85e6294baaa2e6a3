// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of what mcgctl does without a kernel: number and word
 * parsing (with the exact error text users see), base64 and JSON.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "../mcgctl.h"
#include "../base64.h"
#include "../json.h"
#include "../batch.h"
#include "../../check.h"

extern char last_error[512];


static void test_numbers(void)
{
	uint64_t v;
	uint32_t u;

	CHECK(!parse_u64("port", "6470", 1, 65535, &v) && v == 6470,
	      "port 6470");
	CHECK(!parse_u64("port", "007", 1, 65535, &v) && v == 7,
	      "leading zeros are decimal");
	CHECK(parse_u64("port", "x", 1, 65535, &v) &&
	      !strcmp(last_error,
		      "'port' expects a number from 1 to 65535, not 'x'"),
	      "junk names the word: %s", last_error);
	CHECK(parse_u64("port", "0", 1, 65535, &v), "port 0");
	CHECK(parse_u64("port", "65536", 1, 65535, &v), "port 65536");
	CHECK(parse_u64("port", "-1", 1, 65535, &v), "negative");
	CHECK(parse_u64("port", "+1", 1, 65535, &v), "plus sign");
	CHECK(parse_u64("port", " 1", 1, 65535, &v), "leading space");
	CHECK(parse_u64("port", "1 ", 1, 65535, &v), "trailing space");
	CHECK(parse_u64("port", "", 1, 65535, &v), "empty");
	CHECK(parse_u64("port", "12x", 1, 65535, &v), "trailing junk");
	CHECK(parse_u64("id", "18446744073709551616", 0, UINT64_MAX, &v),
	      "u64 overflow");
	CHECK(!parse_u32("id", "4294967295", 1, UINT32_MAX, &u) &&
	      u == UINT32_MAX, "u32 max");
	CHECK(parse_u32("id", "4294967296", 1, UINT32_MAX, &u) &&
	      !strcmp(last_error,
		      "'id' expects a number from 1 to 4294967295, not '4294967296'"),
	      "u32 overflow: %s", last_error);
}

static void test_mode(void)
{
	uint16_t m;

	CHECK(!parse_mode("0640", &m) && m == 0640, "mode 0640");
	CHECK(!parse_mode("640", &m) && m == 0640, "mode 640");
	CHECK(!parse_mode("0", &m) && m == 0, "mode 0");
	CHECK(!parse_mode("0777", &m) && m == 0777, "mode 0777");
	CHECK(parse_mode("1000", &m), "mode 1000 is more than 0777");
	CHECK(parse_mode("0778", &m), "mode with an 8");
	CHECK(parse_mode("0o640", &m), "mode 0o640");
	CHECK(parse_mode("", &m), "empty mode");
	CHECK(parse_mode("-1", &m) &&
	      !strcmp(last_error,
		      "'mode' expects an octal mode from 0 to 0777, not '-1'"),
	      "mode error: %s", last_error);
}

static void test_words(void)
{
	unsigned char a[16];
	uint32_t id, alg;

	CHECK(!parse_uid("root", &id) && id == 0, "owner root");
	CHECK(!parse_uid("1000", &id) && id == 1000, "owner 1000");
	CHECK(parse_uid("4294967295", &id), "owner -1 is no owner");
	CHECK(parse_uid("no-such-user-mcg", &id) &&
	      !strcmp(last_error, "no user 'no-such-user-mcg'"),
	      "unknown user: %s", last_error);
	CHECK(!parse_gid("0", &id) && id == 0, "group 0");
	CHECK(parse_gid("no-such-group-mcg", &id) &&
	      !strcmp(last_error, "no group 'no-such-group-mcg'"),
	      "unknown group: %s", last_error);
	CHECK(parse_ifname("no-such-if", &id) &&
	      !strcmp(last_error, "no interface 'no-such-if'"),
	      "unknown interface: %s", last_error);
	CHECK(!parse_ifname("lo", &id) && id > 0, "dev lo");
	CHECK(!parse_in6("addr", "ff05::4242", a) && a[0] == 0xff &&
	      a[15] == 0x42, "addr ff05::4242");
	CHECK(parse_in6("addr", "224.0.0.1", a) &&
	      !strcmp(last_error,
		      "'addr' expects an IPv6 address, not '224.0.0.1'"),
	      "IPv4 is not IPv6: %s", last_error);
	CHECK(!parse_group_name("fifteen-bytes-x"), "15-byte name");
	CHECK(parse_group_name("sixteen-bytes-xx"), "16-byte name");
	CHECK(parse_group_name(""), "empty name");
	CHECK(!parse_alg("aes-gcm-128", &alg) && alg == MCG_ALG_AES_GCM_128 &&
	      alg_key_len(alg) == 16, "aes-gcm-128");
	CHECK(!parse_alg("aes-gcm-256", &alg) && alg == MCG_ALG_AES_GCM_256 &&
	      alg_key_len(alg) == 32, "aes-gcm-256");
	CHECK(!parse_alg("chacha20-poly1305", &alg) &&
	      alg == MCG_ALG_CHACHA20_POLY1305 && alg_key_len(alg) == 32,
	      "chacha20-poly1305");
	CHECK(parse_alg("aes", &alg), "unknown algorithm");
	CHECK(!alg_name(MCG_ALG_UNSPEC) && !alg_name(99),
	      "no name for unknown algorithms");
}

static void test_base64(void)
{
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	static const char *const bad[] = {
		"Zg", "Zg=", "Zh==", "Zm9=", "Z===", "====", "Zm 9v",
		"Zm9v ", "Zg==Zg==", "Zm-v", "Zm_v", "Zm9vY===",
	};
	uint8_t raw[64], all[256];
	char text[BASE64_LEN(256) + 1];
	size_t i;
	long n;

	for (i = 0; i < ARRAY_SIZE(vec); i++) {
		base64_encode(text, (const uint8_t *)vec[i][0],
			      strlen(vec[i][0]));
		CHECK(!strcmp(text, vec[i][1]), "encode '%s'", vec[i][0]);
		n = base64_decode(raw, sizeof(raw), vec[i][1],
				  strlen(vec[i][1]));
		CHECK(n == (long)strlen(vec[i][0]) &&
		      !memcmp(raw, vec[i][0], n), "decode '%s'", vec[i][1]);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(base64_decode(raw, sizeof(raw), bad[i],
				    strlen(bad[i])) < 0,
		      "refuse '%s'", bad[i]);
	CHECK(base64_decode(raw, 2, "Zm9v", 4) < 0, "refuse what does not fit");
	for (i = 0; i < sizeof(all); i++)
		all[i] = i;
	base64_encode(text, all, sizeof(all));
	CHECK(strlen(text) == BASE64_LEN(sizeof(all)), "length of 256 bytes");
	{
		uint8_t back[256];

		n = base64_decode(back, sizeof(back), text, strlen(text));
		CHECK(n == 256 && !memcmp(back, all, 256),
		      "every byte round-trips");
	}
}

/* Shows what came out, as TAP comments, when it is not what was due. */
static void check_str(const char *got, const char *want, const char *what)
{
	const char *p;

	CHECK(!strcmp(got, want), "%s", what);
	if (!strcmp(got, want))
		return;
	printf("# got:  ");
	for (p = got; *p; p++)
		printf(*p == '\n' ? "\n# " : "%c", *p);
	printf("\n");
}

/* Runs fn against a fresh writer and returns what it wrote. */
static char *buf;

static char *json_out(bool pretty, void (*fn)(struct json *j))
{
	size_t len;
	struct json j;
	FILE *f;

	free(buf);
	f = open_memstream(&buf, &len);
	json_init(&j, f, pretty);
	fn(&j);
	fclose(f);
	return buf;
}

static void doc(struct json *j)
{
	json_obj_open(j, NULL);
	json_str(j, "name", "chat");
	json_u64(j, "id", 18446744073709551615ULL);
	json_arr_open(j, "sources");
	json_str(j, NULL, "2001:db8::1");
	json_str(j, NULL, "2001:db8::2");
	json_arr_close(j);
	json_bool(j, "tx_epoch_auto", true);
	json_arr_open(j, "keys");
	json_arr_close(j);
	json_obj_open(j, "ns");
	json_obj_close(j);
	json_obj_close(j);
	json_end(j);
}

static void strings(struct json *j)
{
	json_arr_open(j, NULL);
	json_str(j, NULL, "q\"b\\n\nt\tc\x01\x1f\x7f");
	json_str(j, NULL, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	json_str(j, NULL, "bad\xff\xc3(\xed\xa0\x80\xc0\xaf");
	json_arr_close(j);
	json_end(j);
}

static void two(struct json *j)
{
	json_obj_open(j, NULL);
	json_str(j, "event", "flush");
	json_obj_close(j);
	json_end(j);
	json_arr_open(j, NULL);
	json_arr_close(j);
	json_end(j);
}

static void test_json(void)
{
	const char *s;

	s = json_out(false, doc);
	check_str(s,
		  "{\"name\":\"chat\",\"id\":18446744073709551615,\"sources\":[\"2001:db8::1\",\"2001:db8::2\"],\"tx_epoch_auto\":true,\"keys\":[],\"ns\":{}}\n",
		  "compact JSON");
	s = json_out(true, doc);
	check_str(s, "{\n"
		      "  \"name\": \"chat\",\n"
		      "  \"id\": 18446744073709551615,\n"
		      "  \"sources\": [\n"
		      "    \"2001:db8::1\",\n"
		      "    \"2001:db8::2\"\n"
		      "  ],\n"
		      "  \"tx_epoch_auto\": true,\n"
		      "  \"keys\": [],\n"
		      "  \"ns\": {}\n"
		      "}\n", "pretty JSON, two spaces");
	s = json_out(false, strings);
	check_str(s,
		  "[\"q\\\"b\\\\n\\nt\\tc\\u0001\\u001f\\u007f\",\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\",\"bad\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"]\n",
		  "escapes and UTF-8");
	s = json_out(false, two);
	check_str(s, "{\"event\":\"flush\"}\n[]\n", "one value per line");
}

/* The words of line, joined by '|', or "error: why". */
static const char *split(const char *line, int max)
{
	static char out[512];
	char copy[256], *argv[16];
	const char *err;
	int argc, i;

	snprintf(copy, sizeof(copy), "%s", line);
	argc = batch_split(copy, argv, max, &err);
	if (argc < 0) {
		snprintf(out, sizeof(out), "error: %s", err);
		return out;
	}
	out[0] = '\0';
	for (i = 0; i < argc; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s",
			 i ? "|" : "", argv[i]);
	if (argv[argc])
		snprintf(out, sizeof(out), "error: no NULL after the words");
	return out;
}

static void test_batch_split(void)
{
	static const struct {
		const char *line, *words;
		int max;	/* room for the words and the NULL */
	} cases[] = {
		{ "group add chat addr ff05::1 dev lo\n",
		  "group|add|chat|addr|ff05::1|dev|lo", 16 },
		{ "  key\tadd  chat  \r\n", "key|add|chat", 16 },
		{ "\n", "", 16 },
		{ "   \t ", "", 16 },
		{ "# a comment\n", "", 16 },
		{ "   # indented\n", "", 16 },
		{ "show chat # says what\n", "show|chat", 16 },
		{ "show a#b\n", "show|a#b", 16 },
		{ "key add \"a b\" keyfile '/k/my key#1'\n",
		  "key|add|a b|keyfile|/k/my key#1", 16 },
		{ "show \"\"\n", "show|", 16 },
		{ "show 'it\"s'", "show|it\"s", 16 },
		{ "show q\"uo\"te", "show|q\"uo\"te", 16 },
		{ "show \"chat\n", "error: a \" is not closed", 16 },
		{ "show 'chat", "error: a ' is not closed", 16 },
		{ "show \"a\"b", "error: a quoted word goes on after its closing quote", 16 },
		{ "a b c", "a|b|c", 4 },
		{ "a b c d", "error: too many words on one line", 4 },
	};
	char what[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(what, sizeof(what), "batch line %zu: %s", i,
			 cases[i].words);
		check_str(split(cases[i].line, cases[i].max), cases[i].words,
			  what);
	}
}

/* What the fake command saw: each first word, and where it ran. */
static char ran[512];

/* "ok" succeeds, "fail" fails as the kernel would, anything else is usage. */
static int fake_cmd(int argc, char **argv)
{
	(void)argc;
	snprintf(ran + strlen(ran), sizeof(ran) - strlen(ran), "%s@%s ",
		 argv[0], batch_where);
	if (!strcmp(argv[0], "ok"))
		return 0;
	return !strcmp(argv[0], "fail") ? EXIT_FAIL : EXIT_USAGE;
}

static void test_batch_run(void)
{
	char path[] = "/tmp/mcgctl-batch-XXXXXX", want[512];
	const char *text = "# set up\n\nok 1\nfail 2\n  ok 3 # fine\nbad\nok \"5\n";
	FILE *f;
	int fd, ret;

	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);

	ran[0] = '\0';
	ret = batch_run(path, false, fake_cmd);
	snprintf(want, sizeof(want), "ok@%s:3 fail@%s:4 ", path, path);
	check_str(ran, want, "a batch stops at the first line that fails");
	CHECK(ret == EXIT_FAIL && !batch_where[0],
	      "with its status (%d), and no line after", ret);

	ran[0] = last_error[0] = '\0';
	ret = batch_run(path, true, fake_cmd);
	snprintf(want, sizeof(want), "ok@%s:3 fail@%s:4 ok@%s:5 bad@%s:6 ", path,
		 path, path, path);
	check_str(ran, want, "-force runs every line");
	CHECK(ret == EXIT_FAIL,
	      "-force: the status of the first line that failed (%d)", ret);
	snprintf(want, sizeof(want), "%s: 3 of 5 commands failed", path);
	check_str(last_error, want, "-force counts what failed");

	f = fopen(path, "w");
	fputs("ok\nok 'x\nok\n", f);
	fclose(f);
	ran[0] = '\0';
	ret = batch_run(path, false, fake_cmd);
	snprintf(want, sizeof(want), "ok@%s:1 ", path);
	CHECK(ret == EXIT_USAGE && !strcmp(last_error, "a ' is not closed") &&
	      !strcmp(ran, want),
	      "a line that does not split is a usage error, and the end: %d '%s'",
	      ret, last_error);

	f = fopen(path, "w");
	fputs("ok\nok", f);
	fclose(f);
	ran[0] = '\0';
	ret = batch_run(path, false, fake_cmd);
	snprintf(want, sizeof(want), "ok@%s:1 ok@%s:2 ", path, path);
	CHECK(ret == 0, "a batch of good lines succeeds");
	check_str(ran, want, "the last line needs no newline");

	unlink(path);
	ret = batch_run(path, false, fake_cmd);
	snprintf(want, sizeof(want),
		 "cannot open batch file '%s': No such file or directory", path);
	CHECK(ret == EXIT_FAIL, "no batch file: status %d", ret);
	check_str(last_error, want, "no batch file: the error");
	CHECK(!opts.stdin_batch, "a batch file leaves standard input free");
}

int main(void)
{
	test_numbers();
	test_mode();
	test_words();
	test_base64();
	test_json();
	test_batch_split();
	test_batch_run();
	free(buf);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
