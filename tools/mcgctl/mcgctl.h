/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcgctl: configure mcg groups and keys over generic netlink.
 *
 * Every command is a function that takes the words after its own name and
 * returns the exit status; errors have already been printed by then.
 */
#ifndef MCGCTL_H
#define MCGCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/mcg.h>

#include "compiler.h"

#define MCGCTL_VERSION	"0.1.0"

/*
 * Exit statuses.  1 is any failure of a command that was understood (the
 * kernel refused, a file could not be read); 2 is a command line that was
 * not: a script that tests for 1 after a refusal keeps meaning that.
 */
#define EXIT_FAIL	1
#define EXIT_USAGE	2

struct cmd {
	const char *name;
	int (*fn)(const struct cmd *c, int argc, char **argv);
	const char *usage;	/* printed after "Usage: " */
	const char *help;	/* one line for the command list, or NULL */
	const struct cmd *sub;	/* subcommands, ended by an empty entry */
};

struct mcgctl_opts {
	bool json;
	bool pretty;
	bool stdin_batch;	/* the batch comes on standard input */
};

extern struct mcgctl_opts opts;

/* mcgctl.c */
int run_cmd(const struct cmd *table, const char *path, int argc, char **argv);
void print_usage(FILE *f, const struct cmd *c);
__printf(1, 2) void errmsg(const char *fmt, ...);
__noreturn void die_oom(void);
__printf(2, 3) int usage_error(const struct cmd *c, const char *fmt, ...);
bool is_help(const char *word);
/* Whether verb may read standard input; if not, prints why. */
bool stdin_free(const char *verb);

/* parse.c: each prints its own one-line error and returns -1, which the
 * command turns into EXIT_USAGE.
 */
int parse_u64(const char *word, const char *s, uint64_t min, uint64_t max,
	      uint64_t *out);
int parse_u32(const char *word, const char *s, uint32_t min, uint32_t max,
	      uint32_t *out);
int parse_mode(const char *s, uint16_t *out);
int parse_uid(const char *s, uint32_t *out);
int parse_gid(const char *s, uint32_t *out);
int parse_ifname(const char *s, uint32_t *ifindex);
int parse_in6(const char *word, const char *s, void *addr);
/* A unicast address a group may list as a peer (struct in6_addr). */
int parse_peer(const char *s, void *addr);
int parse_group_name(const char *s);
int parse_alg(const char *s, uint32_t *alg);
const char *alg_name(uint32_t alg);
size_t alg_key_len(uint32_t alg);

/* group.c, key.c, show.c, stats.c, monitor.c */
extern const struct cmd group_cmds[];
extern const struct cmd key_cmds[];
int group_set_txepoch(const char *verb, const char *name, const char *word,
		      const char *epoch);
int cmd_show(const struct cmd *c, int argc, char **argv);
int cmd_stats(const struct cmd *c, int argc, char **argv);
int cmd_monitor(const struct cmd *c, int argc, char **argv);
int cmd_flush(const struct cmd *c, int argc, char **argv);
int cmd_genkey(const struct cmd *c, int argc, char **argv);
/* list.c: group list, the names alone */
int cmd_group_list(const struct cmd *c, int argc, char **argv);
/* key.c: the whole buffer, straight to the descriptor (no stdio copy). */
int write_all(int fd, const char *buf, size_t len);
/* key.c: warns when a key written to fd lands where others can read it. */
void warn_shared_key_file(int fd);

/* id.c: identities and rosters, with mcgd's code (../mcgd) */
int cmd_genid(const struct cmd *c, int argc, char **argv);
int cmd_pubid(const struct cmd *c, int argc, char **argv);
extern const struct cmd roster_cmds[];

/* daemon.c: mcgd's state, through its control socket */
extern const struct cmd daemon_cmds[];

#endif /* MCGCTL_H */
