/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon: its settings, the kernel, and the groups it runs, each
 * from its file NAME.conf (with NAME.sig) in the configuration directory.
 */
#ifndef MCGD_DAEMON_H
#define MCGD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/mcg.h>

#include "conf.h"
#include "identity.h"
#include "kernel.h"
#include "member.h"

#define MCGD_CONF_DIR	"/etc/mcg"
#define MCGD_STATE_DIR	"/var/lib/mcg"
#define MCGD_SOCKET	"/run/mcg/mcgd.sock"

/* What epoll hands back: which kind of descriptor woke us. */
enum mcgd_src {
	MCGD_SRC_SIGNAL,
	MCGD_SRC_KERNEL,
	MCGD_SRC_CTL,
	MCGD_SRC_GROUP,
	MCGD_SRC_UNICAST,
};

/*
 * The socket that takes control datagrams sent by unicast to this host
 * on one control port, [::]:PORT, shared by the groups of that port:
 * each datagram names its group (proto.h), and a group takes it only
 * from one of its peers' addresses.
 */
struct mcgd_uport {
	enum mcgd_src src;		/* first: epoll's data.ptr */
	uint16_t port;
	int fd;
	unsigned int refs;		/* groups that use it */
	uint64_t refused;		/* datagrams no group of it takes */
	uint64_t said_ms;		/* when that was last logged */
	struct mcgd_uport *next;
};

struct mcgd;

struct mcgd_group {
	enum mcgd_src src;		/* first: epoll's data.ptr */
	struct mcgd *d;
	char name[MCG_GROUP_NAME_MAX];
	uint32_t ifindex;
	uint32_t sender;		/* the kernel group's, from the roster */
	bool renumbered;		/* a roster taken gave this host another */
	int fd;				/* the control port's UDP socket */
	uint8_t to[28];			/* struct sockaddr_in6 of the group */
	struct mcgd_uport *up;		/* its unicast socket */
	uint8_t hoplimit;
	/* Members in other sites, sent to by unicast (the kernel's too). */
	struct in6_addr peers[MCG_MAX_PEERS];
	unsigned int npeers;
	uint64_t not_peer;		/* unicast from others, dropped */
	uint64_t not_peer_said_ms;
	struct mcgd_member m;
	bool running;			/* m is initialised */
	uint64_t next_ms;
	uint64_t send_errors, kernel_errors;
	struct mcgd_group *next;
};

struct mcgd {
	const char *conf_dir, *state_dir, *sock_path, *id_path;
	struct mcg_identity id;
	struct mcgd_kernel k;
	int epfd;
	struct mcgd_group *groups;
	struct mcgd_uport *uports;
};

/* The wall clock in milliseconds: mcgd's datagrams carry it. */
uint64_t mcgd_now_ms(void);

/*
 * NAME.conf checked with NAME.sig, and the roster saved in the state
 * directory if that one is newer and its signatures hold; -1 with e
 * ("FILE:LINE: reason") otherwise.
 */
int mcgd_group_load(struct mcgd *d, const char *name, struct mcg_conf *c,
		    struct mcg_err *e);

/* Runs group name from c (taken over); NULL, logged, if it cannot. */
struct mcgd_group *mcgd_group_start(struct mcgd *d, const char *name,
				    struct mcg_conf *c, uint64_t now);
/* Its keys deleted from the kernel, and the kernel group if del. */
void mcgd_group_stop(struct mcgd_group *g, bool del);

/* Does roster c give this host a sender id other than g's? */
bool mcgd_group_renumbered(const struct mcgd_group *g, const struct mcg_conf *c);

/* Its roster changed: the peers follow, in the kernel too. */
void mcgd_group_roster_changed(struct mcgd_group *g);

void mcgd_group_input(struct mcgd_group *g, uint64_t now);
void mcgd_uport_input(struct mcgd *d, struct mcgd_uport *up, uint64_t now);
uint64_t mcgd_group_tick(struct mcgd_group *g, uint64_t now);
void mcgd_group_exhausted(struct mcgd_group *g, uint32_t epoch, uint64_t now);

#endif /* MCGD_DAEMON_H */
