// SPDX-License-Identifier: GPL-2.0
/*
 * genid, pubid, and roster check|sign: the files mcgd runs on
 * (Documentation/key-management.rst), read by mcgd's own code.  Private
 * keys come on standard input only and go to standard output only, never
 * through stdio's buffers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/prctl.h>

#include "mcgctl.h"
#include "../mcgd/conf.h"
#include "../mcgd/file.h"
#include "../mcgd/identity.h"
#include "../mcgd/roster.h"

static int crypto_ready(void)
{
	if (mcg_crypto_init()) {
		errmsg("libsodium cannot start");
		return -1;
	}
	prctl(PR_SET_DUMPABLE, 0);
	return 0;
}

int cmd_genid(const struct cmd *c, int argc, char **argv)
{
	char line[MCG_KEY_B64 + 2];
	int ret = 0;

	if (argc)
		return usage_error(c, "unknown word '%s'", argv[0]);
	if (crypto_ready())
		return 1;
	mcg_id_generate(line);
	warn_shared_key_file(STDOUT_FILENO);
	if (write_all(STDOUT_FILENO, line, strlen(line))) {
		errmsg("genid: %s", strerror(errno));
		ret = 1;
	}
	explicit_bzero(line, sizeof(line));
	return ret;
}

static int read_id(const char *verb, struct mcg_identity *id)
{
	struct mcg_err e;

	if (isatty(STDIN_FILENO)) {
		errmsg("%s: give the identity key on standard input (mcgctl %s < id.key)",
		       verb, verb);
		return -1;
	}
	if (mcg_id_read(STDIN_FILENO, "standard input", id, &e)) {
		errmsg("%s: %s", verb, e.msg);
		return -1;
	}
	return 0;
}

int cmd_pubid(const struct cmd *c, int argc, char **argv)
{
	struct mcg_identity id;
	char pub[MCG_KEY_B64 + 1];

	if (argc)
		return usage_error(c, "unknown word '%s'", argv[0]);
	if (!stdin_free("pubid"))
		return EXIT_USAGE;
	if (crypto_ready() || read_id("pubid", &id))
		return 1;
	mcg_key_format(pub, id.pk);
	mcg_id_wipe(&id);
	printf("%s\n", pub);
	return 0;
}

/* FILE's signatures: FILE.sig, or FILE less ".conf" plus ".sig". */
static void sig_path(char *out, size_t size, const char *conf)
{
	size_t n = strlen(conf);

	if (n > 5 && !strcmp(conf + n - 5, ".conf"))
		snprintf(out, size, "%.*s.sig", (int)(n - 5), conf);
	else
		snprintf(out, size, "%s.sig", conf);
}

static char *read_text(const char *path, size_t *len)
{
	struct mcg_err e;
	char *text = mcg_file_read(path, 1 << 20, len, &e);

	if (!text)
		errmsg("%s", e.msg);
	return text;
}

static int load_conf(const char *path, struct mcg_conf *conf)
{
	struct mcg_err e;

	if (crypto_ready())
		return -1;
	if (mcg_conf_load(path, conf, &e)) {
		errmsg("%s", e.msg);
		return -1;
	}
	return 0;
}

static int roster_check(const struct cmd *c, int argc, char **argv)
{
	char sigs[4096];
	struct mcg_conf conf;
	struct mcg_err e;
	unsigned int i, cand = 0;
	size_t len;
	char *text;
	int n;

	if (!argc)
		return usage_error(c, "which file?");
	if (argc > 2)
		return usage_error(c, "unknown word '%s'", argv[2]);
	if (load_conf(argv[0], &conf))
		return 1;
	if (argc == 2)
		snprintf(sigs, sizeof(sigs), "%s", argv[1]);
	else
		sig_path(sigs, sizeof(sigs), argv[0]);
	text = read_text(sigs, &len);
	if (!text) {
		mcg_conf_free(&conf);
		return 1;
	}
	n = mcg_roster_verify(&conf, text, len, sigs, NULL, &e);
	free(text);
	if (n < 0) {
		errmsg("%s", e.msg);
		mcg_conf_free(&conf);
		return 1;
	}
	for (i = 0; i < conf.nmembers; i++)
		cand += !!conf.members[i].priority;
	printf("%s: group %u, roster version %llu: %u members, %u key-server candidates; signed by %d of %u admins (%u needed)\n",
	       argv[0], conf.id, (unsigned long long)conf.version,
	       conf.nmembers, cand, n, conf.nadmins, conf.threshold);
	/* Where each member is, when the roster says: who reaches whom how. */
	for (i = 0; mcg_conf_has_sites(&conf) && i < conf.nmembers; i++) {
		const struct mcg_member *m = &conf.members[i];
		char a[INET6_ADDRSTRLEN] = "-";

		if (!IN6_IS_ADDR_UNSPECIFIED(&m->addr))
			inet_ntop(AF_INET6, &m->addr, a, sizeof(a));
		printf("  member %s  sender %u  site %s  address %s\n", m->name,
		       m->sender, m->site[0] ? m->site : "(default)", a);
	}
	mcg_conf_free(&conf);
	return 0;
}

static int roster_sign(const struct cmd *c, int argc, char **argv)
{
	char pub[MCG_KEY_B64 + 1], sig64[MCG_SIG_B64 + 1];
	uint8_t sig[MCG_SIG_LEN];
	struct mcg_identity id;
	struct mcg_conf conf;
	unsigned int i;
	int ret = 1;

	if (!argc)
		return usage_error(c, "which file?");
	if (argc > 1)
		return usage_error(c, "unknown word '%s'", argv[1]);
	if (!stdin_free("roster sign"))
		return EXIT_USAGE;
	if (load_conf(argv[0], &conf))
		return 1;
	if (read_id("roster sign", &id))
		goto out;
	for (i = 0; i < conf.nadmins; i++)
		if (!memcmp(conf.admins[i], id.pk, MCG_KEY_LEN))
			break;
	if (i == conf.nadmins) {
		errmsg("roster sign: the key on standard input is not one of the admins of %s",
		       argv[0]);
		goto out_id;
	}
	if (mcg_roster_sign(&conf, &id, sig))
		die_oom();
	mcg_key_format(pub, id.pk);
	mcg_sig_format(sig64, sig);
	printf("%s %s\n", pub, sig64);
	ret = 0;
out_id:
	mcg_id_wipe(&id);
out:
	mcg_conf_free(&conf);
	return ret;
}

const struct cmd roster_cmds[] = {
	{ .name = "check", .fn = roster_check,
	  .usage = "mcgctl roster check FILE [SIGFILE]" },
	{ .name = "sign", .fn = roster_sign,
	  .usage = "mcgctl roster sign FILE < ADMIN-KEY >> SIGFILE" },
	{ }
};
