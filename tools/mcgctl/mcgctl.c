// SPDX-License-Identifier: GPL-2.0
/*
 * mcgctl: configure mcg groups and keys.
 *
 * The command line is a tree of words, like ip(8)'s: "group add ...",
 * "key use ...".  Every level answers "help", so that a user who knows
 * the first word can find the rest without the manual.
 */
#define _GNU_SOURCE		/* setns() */
#include <getopt.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "mcgctl.h"
#include "batch.h"

struct mcgctl_opts opts;

static void verrmsg(const char *fmt, va_list ap)
{
	fputs("mcgctl: ", stderr);
	if (batch_where[0])
		fprintf(stderr, "%s: ", batch_where);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void errmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrmsg(fmt, ap);
	va_end(ap);
}

void die_oom(void)
{
	errmsg("out of memory");
	exit(1);
}

void print_usage(FILE *f, const struct cmd *c)
{
	fprintf(f, "Usage: %s\n", c->usage);
}

int usage_error(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrmsg(fmt, ap);
	va_end(ap);
	print_usage(stderr, c);
	return EXIT_USAGE;
}

bool is_help(const char *word)
{
	return !strcmp(word, "help") || !strcmp(word, "-h") ||
	       !strcmp(word, "--help");
}

bool stdin_free(const char *verb)
{
	if (!opts.stdin_batch)
		return true;
	errmsg("%s: standard input holds the batch (-b -); give the key in a file",
	       verb);
	return false;
}

/* The usage of every command of a level, one after the other. */
static void print_level_help(const struct cmd *c)
{
	const struct cmd *s;
	const char *prefix = "Usage: ";

	for (s = c->sub; s->name; s++) {
		if (!s->usage)
			continue;
		printf("%s%s\n", prefix, s->usage);
		prefix = "       ";
	}
	if (c->help)
		printf("\n%s\n", c->help);
}

int run_cmd(const struct cmd *table, const char *path, int argc, char **argv)
{
	const struct cmd *c;

	for (c = table; c->name; c++)
		if (!strcmp(c->name, argv[0]))
			break;
	if (!c->name) {
		errmsg("unknown command '%s'; try '%s help'", argv[0], path);
		return EXIT_USAGE;
	}
	argc--;
	argv++;
	if (c->sub) {
		char sub_path[64];

		snprintf(sub_path, sizeof(sub_path), "%s %s", path, c->name);
		if (argc && is_help(argv[0])) {
			print_level_help(c);
			return 0;
		}
		if (!argc) {
			if (c->fn)
				return c->fn(c, 0, argv);
			errmsg("%s: which command? try '%s help'", c->name,
			       sub_path);
			return EXIT_USAGE;
		}
		return run_cmd(c->sub, sub_path, argc, argv);
	}
	if (argc && is_help(argv[0])) {
		print_usage(stdout, c);
		if (c->help)
			printf("\n%s\n", c->help);
		return 0;
	}
	return c->fn(c, argc, argv);
}

static void print_help(void)
{
	fputs("Usage: mcgctl [-j] [-p] [-n NETNS] COMMAND ...\n"
	      "       mcgctl [-j] [-p] [-n NETNS] [-force] -b FILE|-\n"
	      "\n"
	      "Configure the groups and keys of mcg, secure group messaging over IPv6\n"
	      "multicast.  Without a COMMAND, mcgctl shows every group.\n"
	      "\n"
	      "Commands:\n"
	      "  group add|set|del|show   manage groups (mcgctl group help)\n"
	      "  group list               print the name of each group, one a line\n"
	      "  key add|del|use          manage a group's keys (mcgctl key help)\n"
	      "  show [NAME]              show groups and their keys\n"
	      "  stats [NAME]             show the counters of groups and senders\n"
	      "  monitor [-t]             print every change as it happens (-t: when)\n"
	      "  flush                    delete every group\n"
	      "  genkey [ALG]             print a new random key in base64\n"
	      "  genid                    print a new identity key (for mcgd) in base64\n"
	      "  pubid                    print the public key of the identity on stdin\n"
	      "  roster check|sign        verify or sign a group file (mcgctl roster help)\n"
	      "  help                     print this help\n"
	      "\n"
	      "Options (one dash or two: -batch, --batch):\n"
	      "  -j, --json          print JSON\n"
	      "  -p, --pretty        print indented JSON (implies -j)\n"
	      "  -n, --netns NETNS   work in network namespace NETNS (/run/netns/NETNS)\n"
	      "  -b, --batch FILE    run the commands in FILE, one a line ('-': stdin)\n"
	      "  -force              in a batch, go on past a command that fails\n"
	      "  -V, --version       print the version\n"
	      "  -h, --help          print this help\n"
	      "\n"
	      "Exit status: 0 on success, 1 when a command failed (the kernel refused,\n"
	      "a file could not be read), 2 when the command line is wrong.\n"
	      "\n"
	      "'mcgctl COMMAND help' explains a command; mcgctl(8) tells the rest.\n",
	      stdout);
}

static int cmd_help(const struct cmd *c, int argc, char **argv);

static const struct cmd top_cmds[] = {
	{ .name = "group", .fn = cmd_show, .sub = group_cmds,
	  .help = "A group sends to its multicast address (addr, on dev), to each of its\n"
		  "unicast peers, or both.  'peer' repeats; in 'group set' the peers given\n"
		  "replace the list, and 'peer none' empties it.\n"
		  "\n"
		  "Defaults: port 6470, hoplimit 1, window 1024, mode 0660, owner root,\n"
		  "group root, id the lowest free, sender random.  Without a command,\n"
		  "'mcgctl group' shows every group." },
	{ .name = "key", .sub = key_cmds,
	  .help = "ALG defaults to aes-gcm-256.  The key file holds the key in base64, as\n"
		  "'mcgctl genkey' prints it; '-' reads it from standard input.  'key use'\n"
		  "is 'group set NAME txepoch N|auto': auto sends with the newest key." },
	{ .name = "show", .fn = cmd_show, .usage = "mcgctl show [NAME]" },
	{ .name = "stats", .fn = cmd_stats, .usage = "mcgctl stats [NAME]" },
	{ .name = "monitor", .fn = cmd_monitor, .usage = "mcgctl monitor [-t]",
	  .help = "-t starts each event with the time it was read, in RFC 3339 with\n"
		  "microseconds; JSON events always carry it as \"time\"." },
	{ .name = "flush", .fn = cmd_flush, .usage = "mcgctl flush" },
	{ .name = "genkey", .fn = cmd_genkey,
	  .usage = "mcgctl genkey [aes-gcm-128|aes-gcm-256|chacha20-poly1305]" },
	{ .name = "genid", .fn = cmd_genid, .usage = "mcgctl genid > id.key" },
	{ .name = "pubid", .fn = cmd_pubid, .usage = "mcgctl pubid < id.key" },
	{ .name = "roster", .sub = roster_cmds,
	  .help = "A group file (/etc/mcg/NAME.conf) and its admins' signatures (NAME.sig)\n"
		  "are described in mcgctl(8).  'check' verifies both; 'sign' prints the\n"
		  "signature line of the admin whose identity key is on standard input." },
	{ .name = "daemon", .sub = daemon_cmds,
	  .help = "What mcgd(8) runs: each group's roster version, key server, epochs\n"
		  "and counters.  PATH is mcgd's control socket (/run/mcg/mcgd.sock)." },
	{ .name = "help", .fn = cmd_help, .usage = "mcgctl help [COMMAND]" },
	{ }
};

/* "mcgctl help group" is "mcgctl group help". */
static int cmd_help(const struct cmd *c, int argc, char **argv)
{
	char *words[8];
	int i;

	(void)c;
	if (!argc) {
		print_help();
		return 0;
	}
	if (argc > 6) {
		errmsg("help: too many words");
		return EXIT_USAGE;
	}
	for (i = 0; i < argc; i++)
		words[i] = argv[i];
	words[argc] = "help";
	words[argc + 1] = NULL;
	return run_cmd(top_cmds, "mcgctl", argc + 1, words);
}

/*
 * -n NETNS: a name as 'ip netns add' made it, or a path such as
 * /proc/PID/ns/net.  Entered before anything else, so that every socket,
 * interface name and batch line is of that namespace.
 */
static int enter_netns(const char *ns)
{
	char path[4096];
	int fd;

	if (!*ns) {
		errmsg("-n needs a network namespace name");
		return EXIT_USAGE;
	}
	if (strchr(ns, '/'))
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			errmsg("no network namespace '%s' (no %s; see ip netns list)",
			       ns, path);
			return EXIT_USAGE;
		}
		errmsg("network namespace '%s': %s", ns, strerror(errno));
		return EXIT_FAIL;
	}
	if (setns(fd, CLONE_NEWNET)) {
		errmsg("cannot enter network namespace '%s': %s", ns,
		       errno == EINVAL ? "not a network namespace" :
		       strerror(errno));
		close(fd);
		return EXIT_FAIL;
	}
	close(fd);
	return 0;
}

/* The end of a command: what it printed must have reached stdout. */
static int run_top(int argc, char **argv)
{
	int ret = run_cmd(top_cmds, "mcgctl", argc, argv);

	if (fflush(stdout) || ferror(stdout)) {
		errmsg("standard output: %s", strerror(errno));
		return EXIT_FAIL;
	}
	return ret;
}

int main(int argc, char **argv)
{
	/* Long options take one dash too, as ip's do: -force, -batch. */
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "netns", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'F' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *netns = NULL, *batch = NULL;
	bool force = false;
	int opt, ret;

	/* '+': options end at the command, whose words may start with '-';
	 * ':': a missing value is told apart from an unknown option.
	 */
	opterr = 0;
	while ((opt = getopt_long_only(argc, argv, "+:jpn:b:Vh", longopts,
				       NULL)) != -1) {
		switch (opt) {
		case 'j':
			opts.json = true;
			break;
		case 'p':
			opts.json = true;
			opts.pretty = true;
			break;
		case 'n':
			netns = optarg;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'F':
			force = true;
			break;
		case 'V':
			printf("mcgctl %s\n", MCGCTL_VERSION);
			return 0;
		case 'h':
			print_help();
			return 0;
		case ':':
			errmsg("option '%s' needs a value; try 'mcgctl help'",
			       argv[optind - 1]);
			return EXIT_USAGE;
		default:
			if (optopt)
				errmsg("unknown option '-%c'; try 'mcgctl help'",
				       optopt);
			else
				errmsg("unknown option '%s'; try 'mcgctl help'",
				       argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;

	if (batch && argc) {
		errmsg("-b runs the commands of its file; '%s' is one too many",
		       argv[0]);
		return EXIT_USAGE;
	}
	if (force && !batch) {
		errmsg("-force is for a batch (-b FILE)");
		return EXIT_USAGE;
	}
	if (netns) {
		ret = enter_netns(netns);
		if (ret)
			return ret;
	}

	if (batch)
		return batch_run(batch, force, run_top);
	/* Like wg(8): no command shows everything. */
	if (!argc)
		return run_top(1, (char *[]){ "show", NULL });
	return run_top(argc, argv);
}
