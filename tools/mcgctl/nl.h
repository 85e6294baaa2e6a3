/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Talking to the kernel: one generic netlink socket, requests answered by
 * a reply or a dump, errors turned into the one line mcgctl prints.
 */
#ifndef MCGCTL_NL_H
#define MCGCTL_NL_H

#include <stdbool.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/mcg.h>

struct mcg_nl {
	struct nl_sock *sk;
	int family;
};

/* Parse policy of the top-level attributes, shared by every reader. */
extern struct nla_policy mcg_policy[MCG_A_MAX + 1];

/*
 * Opens a socket and resolves the family (and joins the events group when
 * asked).  On failure it prints why and returns -1.
 */
int mcg_nl_open(struct mcg_nl *nl, bool events);
void mcg_nl_close(struct mcg_nl *nl);

/*
 * The room of a request: a page, as libnl gives, is too small for a group
 * with MCG_MAX_PEERS peers (24 bytes each).
 */
#define MCG_NL_MSG_SIZE	(MCG_MAX_PEERS * 24 + 4096)

/* A request for cmd; flags may be NLM_F_DUMP.  Exits if out of memory. */
struct nl_msg *mcg_nl_msg(struct mcg_nl *nl, uint8_t cmd, int flags);

/* Called for each reply; a negative return stops with failure. */
typedef int (*mcg_nl_reply_fn)(struct nlmsghdr *nlh, void *arg);

/*
 * Sends msg (which the caller still owns) and hands every reply to fn,
 * until the kernel's ACK or the end of the dump.  On error it prints
 * "VERB: " and the kernel's extack message, or strerror, and returns -1;
 * VERB should name the group ("key add chat").
 */
int mcg_nl_talk(struct mcg_nl *nl, struct nl_msg *msg, const char *verb,
		mcg_nl_reply_fn fn, void *arg);

/* Fills a request's attributes; negative if they do not fit. */
typedef int (*mcg_nl_put_fn)(struct nl_msg *msg, void *arg);

/*
 * One change from start to end: open, build with put, send, wait for the
 * ACK, close.  The request is zeroed before it is freed, as it may hold a
 * key.  Returns the exit status.
 */
int mcg_nl_request(uint8_t cmd, const char *verb, mcg_nl_put_fn put,
		   void *arg);

/* Replies kept whole, for output that needs all of them first. */
struct mcg_replies {
	struct nlmsghdr **msg;
	size_t n;
};

/* mcg_nl_talk() into r; a dump interrupted by a change is retried. */
int mcg_nl_collect(struct mcg_nl *nl, struct nl_msg *msg, const char *verb,
		   struct mcg_replies *r);
/* The top-level attributes of one reply. */
typedef struct nlattr *mcg_tb_t[MCG_A_MAX + 1];

mcg_tb_t *mcg_nl_parse_all(const struct mcg_replies *r);
struct cmd;
int mcg_nl_open_get(const struct cmd *c, int argc, char **argv,
		    struct mcg_nl *nl);
/* VERB is followed by the group's name in an error, when there is one. */
int mcg_nl_get(struct mcg_nl *nl, uint8_t cmd, const char *name,
	       const char *verb, struct mcg_replies *r);
void mcg_replies_free(struct mcg_replies *r);

/*
 * The errno of an NLMSG_ERROR or NLMSG_DONE message (0 for an ACK), and
 * the kernel's extack message in buf ("" if none).  NLM_F_CAPPED and
 * NLM_F_ACK_TLVS say where the message is.
 */
int mcg_nl_error(const struct nlmsghdr *nlh, char *buf, size_t size);

/* Top-level attributes of a reply or event; prints and fails if broken. */
int mcg_nl_parse(struct nlmsghdr *nlh, struct nlattr **tb);

/*
 * Hands each event that arrives on nl (opened for events) to fn, until fn
 * fails (-NLE_FAILURE) or reading does: libnl's negative error, which is
 * -NLE_AGAIN once a non-blocking socket has no more, and -NLE_NOMEM when
 * the kernel dropped events that were not read in time.
 */
int mcg_nl_events(struct mcg_nl *nl, mcg_nl_reply_fn fn, void *arg);

/* Waits for events forever, handing each to fn; returns only on error. */
int mcg_nl_listen(struct mcg_nl *nl, mcg_nl_reply_fn fn, void *arg);

#endif /* MCGCTL_NL_H */
