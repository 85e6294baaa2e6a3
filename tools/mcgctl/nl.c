// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink socket.  libnl does the framing; this file adds what
 * mcgctl needs on top: the kernel's extack text in place of a bare errno,
 * replies matched to their request by sequence number, dumps collected
 * whole and retried when a change interrupted them.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "mcgctl.h"
#include "nl.h"

struct nla_policy mcg_policy[MCG_A_MAX + 1] = {
	[MCG_A_GROUP_NAME]	= { .type = NLA_STRING },
	[MCG_A_GROUP_ID]	= { .type = NLA_U32 },
	[MCG_A_GROUP_ADDR]	= { .minlen = 16, .maxlen = 16 },
	[MCG_A_GROUP_PORT]	= { .type = NLA_U16 },
	[MCG_A_GROUP_IFINDEX]	= { .type = NLA_U32 },
	[MCG_A_GROUP_IFNAME]	= { .type = NLA_STRING },
	[MCG_A_GROUP_SOURCES]	= { .type = NLA_NESTED },
	[MCG_A_GROUP_HOPLIMIT]	= { .type = NLA_U8 },
	[MCG_A_GROUP_WINDOW]	= { .type = NLA_U32 },
	[MCG_A_GROUP_SENDER]	= { .type = NLA_U32 },
	[MCG_A_GROUP_UID]	= { .type = NLA_U32 },
	[MCG_A_GROUP_GID]	= { .type = NLA_U32 },
	[MCG_A_GROUP_MODE]	= { .type = NLA_U16 },
	[MCG_A_GROUP_TX_EPOCH]	= { .type = NLA_U32 },
	[MCG_A_GROUP_TX_EPOCH_AUTO] = { .type = NLA_FLAG },
	[MCG_A_GROUP_KEYS]	= { .type = NLA_NESTED },
	[MCG_A_KEY]		= { .type = NLA_NESTED },
	[MCG_A_STATS]		= { .type = NLA_NESTED },
	[MCG_A_SENDERS]		= { .type = NLA_NESTED },
	[MCG_A_NS_STATS]	= { .type = NLA_NESTED },
	[MCG_A_GROUP_PEERS]	= { .type = NLA_NESTED },
};

/* What one request is waiting for, and what came back. */
struct talk {
	struct mcg_nl *nl;
	uint32_t seq;
	mcg_nl_reply_fn fn;
	void *arg;
	int err;		/* the kernel's negative errno */
	char ext[256];		/* the kernel's extack message */
	bool done;
	bool failed;		/* fn refused a reply */
	bool intr;		/* the dump was interrupted by a change */
};

/*
 * Copies the NLMSGERR_ATTR_MSG string that follows the first "fixed"
 * payload bytes of an NLMSG_ERROR or NLMSG_DONE message, if there is one.
 */
static void extack_msg(const struct nlmsghdr *nlh, size_t fixed,
		       char *buf, size_t size)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(fixed);
	struct nlattr *a;
	int rem;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off > nlh->nlmsg_len)
		return;
	nla_for_each_attr(a, (struct nlattr *)((char *)nlh + off),
			  nlh->nlmsg_len - off, rem) {
		if (nla_type(a) == NLMSGERR_ATTR_MSG && nla_len(a) > 0) {
			snprintf(buf, size, "%.*s",
				 (int)strnlen(nla_data(a), nla_len(a)),
				 (const char *)nla_data(a));
			return;
		}
	}
}

int mcg_nl_error(const struct nlmsghdr *nlh, char *buf, size_t size)
{
	const struct nlmsgerr *e = nlmsg_data(nlh);
	size_t fixed;
	int err = 0;

	buf[0] = '\0';
	if (nlh->nlmsg_type == NLMSG_DONE) {
		if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(err))
			return 0;
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
		extack_msg(nlh, sizeof(err), buf, size);
		return err;
	}
	if (nlh->nlmsg_type != NLMSG_ERROR ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return -EPROTO;
	/* The request comes back after struct nlmsgerr unless capped. */
	fixed = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN ||
		    e->msg.nlmsg_len > nlh->nlmsg_len)
			return e->error;
		fixed += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	extack_msg(nlh, fixed, buf, size);
	return e->error;
}

static int on_seq(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;

	return nlmsg_hdr(msg)->nlmsg_seq == t->seq ? NL_OK : NL_SKIP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct talk *t = arg;

	if (nlh->nlmsg_type != t->nl->family)
		return NL_SKIP;
	if (t->fn && t->fn(nlh, t->arg) < 0) {
		t->failed = true;
		t->done = true;
		return NL_STOP;
	}
	return NL_OK;
}

/* libnl hands over the payload; the header sits right before it. */
static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct talk *t = arg;

	(void)nla;
	t->err = mcg_nl_error(nlh, t->ext, sizeof(t->ext));
	t->done = true;
	return NL_STOP;
}

/* An ACK may still carry a message: the kernel's warning. */
static int on_ack(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;
	char warn[256];

	mcg_nl_error(nlmsg_hdr(msg), warn, sizeof(warn));
	if (warn[0])
		fprintf(stderr, "Warning: %s\n", warn);
	t->done = true;
	return NL_STOP;
}

/* The end of a dump carries an errno, and extack, if it failed midway. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;
	int err = mcg_nl_error(nlmsg_hdr(msg), t->ext, sizeof(t->ext));

	if (err < 0)
		t->err = err;
	t->done = true;
	return NL_STOP;
}

static int on_intr(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;

	(void)msg;
	t->intr = true;
	return NL_OK;
}

static struct nl_cb *talk_cb(struct talk *t)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		die_oom();
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_seq, t);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, t);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_intr, t);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, t);
	return cb;
}

/* Returns 0, or -1 with the error printed; sets *intr for a retry. */
static int talk(struct mcg_nl *nl, struct nl_msg *msg, const char *verb,
		mcg_nl_reply_fn fn, void *arg, bool *intr)
{
	struct talk t = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_cb *cb = talk_cb(&t);
	int ret;

	/* A fresh sequence number each time, so a retry is never confused
	 * with what is left of the attempt before it.
	 */
	nlmsg_hdr(msg)->nlmsg_seq = NL_AUTO_SEQ;
	ret = nl_send_auto(nl->sk, msg);
	t.seq = nlmsg_hdr(msg)->nlmsg_seq;
	while (ret >= 0 && !t.done)
		ret = nl_recvmsgs(nl->sk, cb);
	nl_cb_put(cb);

	if (intr)
		*intr = t.intr;
	if (t.failed)
		return -1;
	/* The verb names the group too: in a batch's log, or mcgd's, a bare
	 * "no group with this name" would not say which.
	 */
	if (t.err) {
		errmsg("%s%s%s", verb ? verb : "", verb ? ": " : "",
		       t.ext[0] ? t.ext : strerror(-t.err));
		return -1;
	}
	if (ret < 0) {
		errmsg("%s%s%s", verb ? verb : "", verb ? ": " : "",
		       nl_geterror(ret));
		return -1;
	}
	return 0;
}

int mcg_nl_talk(struct mcg_nl *nl, struct nl_msg *msg, const char *verb,
		mcg_nl_reply_fn fn, void *arg)
{
	return talk(nl, msg, verb, fn, arg, NULL);
}

int mcg_nl_request(uint8_t cmd, const char *verb, mcg_nl_put_fn put,
		   void *arg)
{
	struct mcg_nl nl;
	struct nl_msg *msg;
	int ret = 1;

	if (mcg_nl_open(&nl, false))
		return 1;
	msg = mcg_nl_msg(&nl, cmd, 0);
	if (put && put(msg, arg) < 0)
		errmsg("%s: the request does not fit in a message", verb);
	else if (!mcg_nl_talk(&nl, msg, verb, NULL, NULL))
		ret = 0;
	explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	mcg_nl_close(&nl);
	return ret;
}

static int keep(struct nlmsghdr *nlh, void *arg)
{
	struct mcg_replies *r = arg;
	struct nlmsghdr **v;

	v = realloc(r->msg, (r->n + 1) * sizeof(*v));
	if (!v)
		die_oom();
	r->msg = v;
	v[r->n] = malloc(nlh->nlmsg_len);
	if (!v[r->n])
		die_oom();
	memcpy(v[r->n++], nlh, nlh->nlmsg_len);
	return 0;
}

void mcg_replies_free(struct mcg_replies *r)
{
	while (r->n)
		free(r->msg[--r->n]);
	free(r->msg);
	r->msg = NULL;
}

int mcg_nl_collect(struct mcg_nl *nl, struct nl_msg *msg, const char *verb,
		   struct mcg_replies *r)
{
	bool intr = false;
	int tries = 3;

	do {
		mcg_replies_free(r);
		if (talk(nl, msg, verb, keep, r, &intr)) {
			mcg_replies_free(r);
			return -1;
		}
	} while (intr && --tries);
	/* Still changing after three tries: what we have is still true of
	 * each group, just not of one instant.
	 */
	return 0;
}

int mcg_nl_parse(struct nlmsghdr *nlh, struct nlattr **tb)
{
	int err = genlmsg_parse(nlh, 0, tb, MCG_A_MAX, mcg_policy);

	if (err < 0) {
		errmsg("malformed message from the kernel: %s",
		       nl_geterror(err));
		return -1;
	}
	return 0;
}

struct nl_msg *mcg_nl_msg(struct mcg_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc_size(MCG_NL_MSG_SIZE);

	if (!msg)
		die_oom();
	/* A dump ends with NLMSG_DONE; anything else is answered by an ACK. */
	if (!(flags & NLM_F_DUMP))
		flags |= NLM_F_ACK;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, MCG_GENL_VERSION))
		die_oom();
	return msg;
}

static int join_events(struct mcg_nl *nl)
{
	int grp, err;

	grp = genl_ctrl_resolve_grp(nl->sk, MCG_GENL_NAME,
				    MCG_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		errmsg("monitor: no events group: %s", nl_geterror(grp));
		return -1;
	}
	err = nl_socket_add_membership(nl->sk, grp);
	if (err < 0) {
		errmsg("monitor: %s", nl_geterror(err));
		return -1;
	}
	/* Bursts (a flush of many groups) should not overflow the socket. */
	nl_socket_set_buffer_size(nl->sk, 1 << 20, 0);
	return 0;
}

int mcg_nl_open(struct mcg_nl *nl, bool events)
{
	int one = 1, fd, err;
	struct nl_cb *cb;

	/* Callbacks of our own, not those that libnl picks from $NLCB: its
	 * debug ones would dump every request, keys included, to stderr.
	 */
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		die_oom();
	nl->sk = nl_socket_alloc_cb(cb);
	nl_cb_put(cb);
	if (!nl->sk)
		die_oom();
	err = genl_connect(nl->sk);
	if (err < 0) {
		errmsg("netlink: %s", nl_geterror(err));
		goto fail;
	}
	fd = nl_socket_get_fd(nl->sk);
	/* Older kernels lack these; their answers are then plain errnos. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	/* An error need not echo the request back: it may hold a key. */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Dump messages can be larger than libnl's default buffer. */
	nl_socket_enable_msg_peek(nl->sk);

	nl->family = genl_ctrl_resolve(nl->sk, MCG_GENL_NAME);
	if (nl->family < 0) {
		if (nl->family == -NLE_OBJ_NOTFOUND)
			errmsg("the mcg module is not loaded (modprobe mcg)");
		else
			errmsg("netlink: %s", nl_geterror(nl->family));
		goto fail;
	}
	if (events && join_events(nl))
		goto fail;
	/* The control look-ups above need libnl's ACK handling; our own
	 * requests ask for an ACK themselves, and not for dumps.
	 */
	nl_socket_disable_auto_ack(nl->sk);
	return 0;
fail:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return -1;
}

void mcg_nl_close(struct mcg_nl *nl)
{
	nl_socket_free(nl->sk);
	nl->sk = NULL;
}

static int accept_any(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_type != t->nl->family)
		return NL_SKIP;
	if (t->fn(nlh, t->arg) < 0) {
		t->failed = true;
		return NL_STOP;
	}
	return NL_OK;
}

int mcg_nl_events(struct mcg_nl *nl, mcg_nl_reply_fn fn, void *arg)
{
	struct talk t = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret;

	if (!cb)
		die_oom();
	/* Events are unsolicited: sequence number 0, no ACK. */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, accept_any, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_event, &t);
	do
		ret = nl_recvmsgs(nl->sk, cb);
	while (ret >= 0 && !t.failed);
	nl_cb_put(cb);
	return t.failed ? -NLE_FAILURE : ret;
}

int mcg_nl_listen(struct mcg_nl *nl, mcg_nl_reply_fn fn, void *arg)
{
	int ret;

	/* ENOBUFS: the kernel dropped events we were too slow for. */
	while ((ret = mcg_nl_events(nl, fn, arg)) == -NLE_NOMEM)
		errmsg("monitor: events were lost");
	if (ret != -NLE_FAILURE)
		errmsg("monitor: %s", nl_geterror(ret));
	return -1;
}

/* A GET-style request: the group @name, or a dump of all when NULL. */
int mcg_nl_get(struct mcg_nl *nl, uint8_t cmd, const char *name,
	       const char *verb, struct mcg_replies *r)
{
	struct nl_msg *msg = mcg_nl_msg(nl, cmd, name ? 0 : NLM_F_DUMP);
	char what[64];
	int ret;

	if (name && nla_put_string(msg, MCG_A_GROUP_NAME, name))
		die_oom();
	snprintf(what, sizeof(what), "%s%s%s", verb ? verb : "",
		 name ? " " : "", name ? name : "");
	/* No verb: the caller's own context names what was asked. */
	ret = mcg_nl_collect(nl, msg, verb ? what : NULL, r);
	nlmsg_free(msg);
	return ret;
}

/*
 * Every reply parsed before anything is printed, so an error never leaves
 * half an output.  NULL (after a message) when one does not parse.
 */
mcg_tb_t *mcg_nl_parse_all(const struct mcg_replies *r)
{
	mcg_tb_t *tbs = calloc(r->n ? r->n : 1, sizeof(*tbs));
	size_t i;

	if (!tbs)
		die_oom();
	for (i = 0; i < r->n; i++) {
		if (mcg_nl_parse(r->msg[i], tbs[i])) {
			free(tbs);
			return NULL;
		}
	}
	return tbs;
}
