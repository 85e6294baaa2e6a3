// SPDX-License-Identifier: GPL-2.0
/*
 * key add, del and use, and genkey.
 *
 * Key material never comes from argv, which every user can read in
 * /proc; it comes from a file or standard input, in base64.  Each buffer
 * that held it is cleared with explicit_bzero(), which the compiler may
 * not drop as a dead store, and no message ever quotes it.  While a key
 * is in memory the process is not dumpable: no core file, no ptrace by
 * the same user.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "mcgctl.h"
#include "base64.h"
#include "nl.h"

#define KEY_MAX		32	/* the longest key of any algorithm */
#define KEY_TEXT_MAX	1024	/* a key file is 45 bytes; refuse big ones */

struct key_req {
	const char *name;
	uint32_t epoch;
	uint32_t alg;
	bool rx_only;
	bool material;		/* key add, not key del */
	uint8_t key[KEY_MAX];
	size_t key_len;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

/* Reads the whole file (stdin for "-"), at most KEY_TEXT_MAX - 1 bytes. */
static ssize_t read_text(int fd, const char *what, char *text)
{
	size_t len = 0;
	ssize_t n;

	while (len < KEY_TEXT_MAX) {
		n = read(fd, text + len, KEY_TEXT_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			errmsg("cannot read %s: %s", what, strerror(errno));
			return -1;
		}
		if (!n)
			return len;
		len += n;
	}
	errmsg("%s is too large to hold a key", what);
	return -1;
}

/* Fills r->key from file; prints and fails if it is not a key of r->alg. */
static int read_key(const char *file, struct key_req *r)
{
	bool in = !strcmp(file, "-");
	char text[KEY_TEXT_MAX];
	uint8_t raw[KEY_TEXT_MAX / 4 * 3];
	char what[300];
	size_t start, end, need = alg_key_len(r->alg);
	struct stat st;

	prctl(PR_SET_DUMPABLE, 0);
	ssize_t len;
	long n = -1;
	int fd;

	if (in)
		snprintf(what, sizeof(what), "standard input");
	else
		snprintf(what, sizeof(what), "key file '%s'", file);

	fd = in ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		errmsg("cannot open key file '%s': %s", file, strerror(errno));
		return -1;
	}
	/* A warning, not a refusal, as wg(8) does: the key is already out. */
	if (!in && !fstat(fd, &st) && S_ISREG(st.st_mode) &&
	    (st.st_mode & 077))
		fprintf(stderr,
			"Warning: key file '%s' is readable by others (chmod 600)\n",
			file);
	len = read_text(fd, what, text);
	if (!in)
		close(fd);
	if (len < 0)
		goto out;

	start = 0;
	end = len;
	while (start < end && is_space(text[start]))
		start++;
	while (end > start && is_space(text[end - 1]))
		end--;
	if (start == end) {
		errmsg("%s is empty", what);
		goto fail;
	}
	n = base64_decode(raw, sizeof(raw), text + start, end - start);
	if (n < 0) {
		errmsg("%s does not hold a base64 key", what);
		goto fail;
	}
	if ((size_t)n != need) {
		errmsg("the key is %ld bytes; %s needs %zu", n,
		       alg_name(r->alg), need);
		goto fail;
	}
	memcpy(r->key, raw, need);
	r->key_len = need;
	goto out;
fail:
	n = -1;
out:
	explicit_bzero(text, sizeof(text));
	explicit_bzero(raw, sizeof(raw));
	return n < 0 ? -1 : 0;
}

static int put_key(struct nl_msg *msg, void *arg)
{
	const struct key_req *r = arg;
	struct nlattr *nest;
	int err = 0;

	err |= nla_put_string(msg, MCG_A_GROUP_NAME, r->name);
	/* The kernel validates strictly: a nest must say it is one. */
	nest = nla_nest_start(msg, MCG_A_KEY | NLA_F_NESTED);
	if (!nest)
		return -1;
	err |= nla_put_u32(msg, MCG_A_KEY_EPOCH, r->epoch);
	if (r->material) {
		err |= nla_put_u32(msg, MCG_A_KEY_ALG, r->alg);
		err |= nla_put(msg, MCG_A_KEY_MATERIAL, r->key_len, r->key);
		if (r->rx_only)
			err |= nla_put_flag(msg, MCG_A_KEY_RX_ONLY);
	}
	nla_nest_end(msg, nest);
	return err ? -1 : 0;
}

/* The kernel's refusal names the verb and the group: "key add chat: ...". */
static int key_request(uint8_t cmd, const char *verb, struct key_req *r)
{
	char what[64];

	snprintf(what, sizeof(what), "%s %s", verb, r->name);
	return mcg_nl_request(cmd, what, put_key, r);
}

static int key_add(const struct cmd *c, int argc, char **argv)
{
	struct key_req r = { .alg = MCG_ALG_AES_GCM_256, .material = true };
	const char *file = NULL;
	bool have_epoch = false, have_alg = false;
	int a, ret;

	if (!argc)
		return usage_error(c, "which group?");
	r.name = argv[0];
	if (parse_group_name(r.name))
		return EXIT_USAGE;
	for (a = 1; a < argc; a++) {
		const char *w = argv[a];

		if (!strcmp(w, "rxonly")) {
			if (r.rx_only)
				return usage_error(c, "'rxonly' is given twice");
			r.rx_only = true;
			continue;
		}
		if (strcmp(w, "epoch") && strcmp(w, "alg") &&
		    strcmp(w, "keyfile"))
			return usage_error(c, "unknown word '%s'", w);
		if (a + 1 == argc)
			return usage_error(c, "'%s' needs a value", w);
		a++;
		if (!strcmp(w, "epoch")) {
			if (have_epoch)
				return usage_error(c, "'epoch' is given twice");
			if (parse_u32(w, argv[a], 1, UINT32_MAX, &r.epoch))
				return EXIT_USAGE;
			have_epoch = true;
		} else if (!strcmp(w, "alg")) {
			if (have_alg)
				return usage_error(c, "'alg' is given twice");
			if (parse_alg(argv[a], &r.alg))
				return EXIT_USAGE;
			have_alg = true;
		} else {
			if (file)
				return usage_error(c, "'keyfile' is given twice");
			file = argv[a];
		}
	}
	if (!have_epoch)
		return usage_error(c, "key add needs 'epoch'");
	if (!file)
		return usage_error(c, "key add needs 'keyfile'");
	if (!strcmp(file, "-") && !stdin_free("key add"))
		return EXIT_USAGE;
	if (read_key(file, &r))
		return EXIT_FAIL;
	ret = key_request(MCG_CMD_KEY_NEW, "key add", &r);
	explicit_bzero(r.key, sizeof(r.key));
	return ret;
}

/* NAME epoch N, the words of both "key del" and "key use". */
static int name_epoch(const struct cmd *c, int argc, char **argv)
{
	if (!argc)
		return usage_error(c, "which group?");
	if (argc < 3 || strcmp(argv[1], "epoch"))
		return usage_error(c, "which epoch?");
	if (argc > 3)
		return usage_error(c, "unknown word '%s'", argv[3]);
	return 0;
}

static int key_del(const struct cmd *c, int argc, char **argv)
{
	struct key_req r = { 0 };

	int ret = name_epoch(c, argc, argv);

	if (ret)
		return ret;
	r.name = argv[0];
	if (parse_group_name(r.name) ||
	    parse_u32("epoch", argv[2], 1, UINT32_MAX, &r.epoch))
		return EXIT_USAGE;
	return key_request(MCG_CMD_KEY_DEL, "key del", &r);
}

static int key_use(const struct cmd *c, int argc, char **argv)
{
	int ret = name_epoch(c, argc, argv);

	if (ret)
		return ret;
	return group_set_txepoch("key use", argv[0], "epoch", argv[2]);
}

int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * As wg genkey does: a warning, not a refusal, since the file already
 * exists with its mode; the remedy is a umask before it is made.
 */
void warn_shared_key_file(int fd)
{
	struct stat st;

	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && (st.st_mode & 077))
		fprintf(stderr,
			"Warning: writing a key to a file that group or others can access (mode %04o; umask 077 first)\n",
			st.st_mode & 0777);
}

int cmd_genkey(const struct cmd *c, int argc, char **argv)
{
	uint32_t alg = MCG_ALG_AES_GCM_256;
	char text[BASE64_LEN(KEY_MAX) + 2];
	uint8_t key[KEY_MAX];
	size_t len, got = 0;
	ssize_t n;
	int ret = 0;

	if (argc > 1)
		return usage_error(c, "unknown word '%s'", argv[1]);
	if (argc && parse_alg(argv[0], &alg))
		return EXIT_USAGE;
	len = alg_key_len(alg);
	prctl(PR_SET_DUMPABLE, 0);
	while (got < len) {
		n = getrandom(key + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			errmsg("genkey: %s", strerror(errno));
			ret = 1;
			goto out;
		}
		got += n;
	}
	warn_shared_key_file(STDOUT_FILENO);
	base64_encode(text, key, len);
	strcat(text, "\n");
	/* Straight to the descriptor: stdio would keep a copy in its buffer. */
	if (write_all(STDOUT_FILENO, text, strlen(text))) {
		errmsg("genkey: %s", strerror(errno));
		ret = 1;
	}
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(text, sizeof(text));
	return ret;
}

const struct cmd key_cmds[] = {
	{ .name = "add", .fn = key_add,
	  .usage = "mcgctl key add NAME epoch N\n"
		   "                      [alg aes-gcm-128|aes-gcm-256|chacha20-poly1305]\n"
		   "                      keyfile FILE|- [rxonly]" },
	{ .name = "del", .fn = key_del, .usage = "mcgctl key del NAME epoch N" },
	{ .name = "use", .fn = key_use,
	  .usage = "mcgctl key use NAME epoch N|auto" },
	{ }
};
