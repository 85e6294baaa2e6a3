/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A generic netlink request built by hand, for test programs that must
 * control every byte (libnl would fix them up).
 */
#ifndef _MCG_NLREQ_H
#define _MCG_NLREQ_H

#include <string.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/mcg.h>

struct nlreq {
	struct nlmsghdr nlh;
	struct genlmsghdr g;
	char attrs[4096];
};

/* A request of @cmd to @family, acked, with @flags added. */
static inline void nlreq_init(struct nlreq *r, int family, int cmd, int flags)
{
	static unsigned int seq;

	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nlh.nlmsg_type = family;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->nlh.nlmsg_seq = ++seq;
	r->g.cmd = cmd;
	r->g.version = MCG_GENL_VERSION;
}

static inline struct nlattr *nlreq_put(struct nlreq *r, int type,
				       const void *data, int len)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static inline void nlreq_put_u32(struct nlreq *r, int type, __u32 v)
{
	nlreq_put(r, type, &v, 4);
}

static inline void nlreq_put_str(struct nlreq *r, int type, const char *s)
{
	nlreq_put(r, type, s, strlen(s) + 1);
}

static inline struct nlattr *nlreq_nest_start(struct nlreq *r, int type)
{
	return nlreq_put(r, type | NLA_F_NESTED, NULL, 0);
}

/* The nest @a holds what was put since nlreq_nest_start(). */
static inline void nlreq_nest_end(struct nlreq *r, struct nlattr *a)
{
	a->nla_len = (char *)r + r->nlh.nlmsg_len - (char *)a;
}

#endif /* _MCG_NLREQ_H */
