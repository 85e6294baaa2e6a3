// SPDX-License-Identifier: GPL-2.0
/*
 * The AF_MCG socket family.
 *
 * AF_MCG has no number of its own in mainline, and a module cannot extend
 * AF_MAX, so it borrows a number below AF_MAX that Linux reserved but never
 * implemented (AF_SNA).  The "family" parameter moves it elsewhere should
 * another out-of-tree family already sit there.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <linux/mcg.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/udp.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "group.h"
#include "netns.h"
#include "socket.h"
#include "stats.h"
#include "trace.h"
#include "tx.h"
#include "udp.h"
#include "wire.h"

int mcg_family = AF_MCG_DEFAULT;
module_param_named(family, mcg_family, int, 0444);
MODULE_PARM_DESC(family, "socket address family number (default "
		 __stringify(AF_MCG_DEFAULT) ")");

/* The most a UDP datagram's 16-bit length field can say. */
#define MCG_MAX_UDP_LEN 0xffff

static struct proto mcg_proto = {
	.name = "MCG",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct mcg_sock),
};

static struct mcg_sock *mcg_sk(struct sock *sk)
{
	return container_of(sk, struct mcg_sock, sk);
}

static void mcg_sk_destruct(struct sock *sk)
{
	skb_queue_purge(&sk->sk_receive_queue);
	atomic_dec(&mcg_net(sock_net(sk))->sockets);
}

/* Called by the group's deletion, under group->sock_lock. */
void mcg_sock_group_gone(struct mcg_sock *ms)
{
	struct sock *sk = &ms->sk;

	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	WRITE_ONCE(sk->sk_err, ENODEV);
	sk_error_report(sk);
}

/* Is there a socket bound to @g, other than @except, that may read? */
bool mcg_has_readers(struct mcg_group *g, const struct sock *except)
{
	struct mcg_sock *ms;
	bool found = false;

	rcu_read_lock();
	hlist_for_each_entry_rcu(ms, &g->sockets, node) {
		if (&ms->sk != except && ms->may_read) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/*
 * @skb (the plaintext of one message) to @ms, or counted as a copy the
 * socket did not get, as a full buffer is: rx_drop_nomem counts
 * datagrams, and this one was accepted.  Consumes @skb, which may be NULL.
 */
static void mcg_queue(struct mcg_group *g, struct mcg_sock *ms,
		      struct sk_buff *skb, u32 sender)
{
	if (!skb)
		goto drop;
	memset(skb->cb, 0, sizeof(skb->cb));
	MCG_SKB_CB(skb)->sender = sender;
	if (sock_queue_rcv_skb(&ms->sk, skb) < 0) {
		kfree_skb(skb);
		goto drop;
	}
	mcg_stats_add(g->stats, MCG_A_STATS_RX_DELIVERED, 1);
	return;
drop:
	mcg_stats_add(g->stats, MCG_A_STATS_RX_DROP_RCVBUF, 1);
	mcg_trace_drop(g->mn->net, g->id, sender, NULL, NULL,
		       MCG_A_STATS_RX_DROP_RCVBUF);
}

/*
 * @skb (the plaintext of one message) for every socket bound to @g with
 * read permission, but @except (the local sender): the last one gets
 * @skb itself, the others clones, which share its data.  Consumes @skb.
 * Runs under RCU or in process context.
 */
void mcg_deliver(struct mcg_group *g, struct sk_buff *skb, u32 sender,
		 const struct sock *except)
{
	struct mcg_sock *ms, *prev = NULL;

	rcu_read_lock();
	hlist_for_each_entry_rcu(ms, &g->sockets, node) {
		if (&ms->sk == except || !ms->may_read)
			continue;
		if (prev)
			mcg_queue(g, prev, skb_clone(skb, GFP_ATOMIC), sender);
		prev = ms;
	}
	if (prev)
		mcg_queue(g, prev, skb, sender);
	else
		consume_skb(skb);
	rcu_read_unlock();
}

/*
 * Like a device node: the owner's, the group's or the others' bits of the
 * group's mode, for the caller's file-system ids; CAP_NET_ADMIN over the
 * namespace may do both.
 */
static void mcg_access(const struct mcg_group *g, struct net *net,
		       bool *may_read, bool *may_write)
{
	const struct cred *cred = current_cred();
	umode_t mode = READ_ONCE(g->conf.mode);

	if (ns_capable(net->user_ns, CAP_NET_ADMIN)) {
		*may_read = true;
		*may_write = true;
		return;
	}
	if (uid_eq(cred->fsuid, READ_ONCE(g->conf.uid)))
		mode >>= 6;
	else if (in_group_p(READ_ONCE(g->conf.gid)))
		mode >>= 3;
	*may_read = mode & 04;
	*may_write = mode & 02;
}

static int mcg_check_addr(const struct sockaddr *uaddr, int addr_len)
{
	const struct sockaddr_mcg *sa = (const struct sockaddr_mcg *)uaddr;

	if (addr_len < (int)sizeof(*sa))
		return -EINVAL;
	if (sa->smcg_family != mcg_family)
		return -EAFNOSUPPORT;
	if (sa->smcg_reserved || sa->smcg_reserved2 || !sa->smcg_group)
		return -EINVAL;
	return 0;
}

static int mcg_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	const struct sockaddr_mcg *sa = (const struct sockaddr_mcg *)uaddr;
	struct sock *sk = sock->sk;
	struct mcg_sock *ms = mcg_sk(sk);
	struct mcg_net *mn = mcg_net(sock_net(sk));
	bool may_read, may_write;
	struct mcg_group *g;
	int ret;

	ret = mcg_check_addr(uaddr, addr_len);
	if (ret)
		return ret;

	lock_sock(sk);
	if (ms->group) {
		ret = -EINVAL;
		goto out;
	}
	mutex_lock(&mn->lock);
	g = mcg_group_by_id(mn, sa->smcg_group);
	if (!g) {
		ret = -EADDRNOTAVAIL;
		goto out_unlock;
	}
	mcg_access(g, sock_net(sk), &may_read, &may_write);
	if (!may_read && !may_write) {
		ret = -EACCES;
		goto out_unlock;
	}
	refcount_inc(&g->refcnt);
	ms->may_read = may_read;
	ms->may_write = may_write;
	/* Pairs with the acquire in mcg_sendmsg(): rights before the group. */
	smp_store_release(&ms->group, g);
	spin_lock_bh(&g->sock_lock);
	hlist_add_head_rcu(&ms->node, &g->sockets);
	spin_unlock_bh(&g->sock_lock);
out_unlock:
	mutex_unlock(&mn->lock);
out:
	release_sock(sk);
	return ret;
}

static int mcg_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	struct sockaddr_mcg *sa = (struct sockaddr_mcg *)uaddr;
	struct mcg_sock *ms = mcg_sk(sock->sk);
	struct mcg_group *g;

	if (peer)
		return -EOPNOTSUPP;
	memset(sa, 0, sizeof(*sa));
	sa->smcg_family = mcg_family;
	lock_sock(sock->sk);
	g = ms->group;
	if (g) {
		sa->smcg_group = g->id;
		sa->smcg_sender = READ_ONCE(g->conf.sender);
	}
	release_sock(sock->sk);
	return sizeof(*sa);
}

/*
 * The largest message the group's path carries in one packet: from the
 * MTU IPv6 output checks, the route's, so that what would not fit is
 * refused here with EMSGSIZE instead of dropped below, after being counted
 * as sent; and no larger than a UDP length can say.
 */
static unsigned int mcg_max_payload(struct mcg_group *g)
{
	unsigned int mtu = mcg_udp_mtu(g);
	struct net_device *dev;

	if (!mtu) {	/* no route: sending fails, and says why */
		rcu_read_lock();
		dev = dev_get_by_index_rcu(g->mn->net, READ_ONCE(g->conf.ifindex));
		if (dev)
			mtu = READ_ONCE(dev->mtu);
		rcu_read_unlock();
	}
	mtu = clamp_t(unsigned int, mtu, IPV6_MIN_MTU,
		      sizeof(struct ipv6hdr) + MCG_MAX_UDP_LEN);
	return mtu - sizeof(struct ipv6hdr) - sizeof(struct udphdr) -
	       sizeof(struct mcg_wire_hdr) - MCG_WIRE_TAG_LEN;
}

/*
 * A message that fails sends what the socket bundled before it:
 * sendmmsg() has reported those as sent, and returns now.
 */
static int mcg_send_failed(struct mcg_sock *ms, struct mcg_group *g, int err)
{
	if (g && READ_ONCE(ms->bundle.skb)) {
		lock_sock(&ms->sk);
		mcg_tx_flush(g, &ms->sk, &ms->bundle);
		release_sock(&ms->sk);
	}
	return err;
}

static int mcg_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	struct mcg_sock *ms = mcg_sk(sk);
	unsigned int limit;
	struct mcg_group *g;
	bool more;
	int err;

	/* Pairs with the release in mcg_bind(): the group, then its rights. */
	g = smp_load_acquire(&ms->group);

	if (msg->msg_flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_EOR | MSG_MORE |
			       MSG_BATCH | MSG_CMSG_COMPAT))
		return mcg_send_failed(ms, g, -EOPNOTSUPP);
	if (msg->msg_name) {
		const struct sockaddr_mcg *sa = msg->msg_name;

		err = mcg_check_addr(msg->msg_name, msg->msg_namelen);
		if (err)
			return mcg_send_failed(ms, g, err);
		if (!g || sa->smcg_group != g->id)	/* its own group only */
			return mcg_send_failed(ms, g, -EISCONN);
	}
	if (!g)
		return -EDESTADDRREQ;
	if (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN) {
		if (READ_ONCE(g->dead))
			return -ENODEV;
		if (!(msg->msg_flags & MSG_NOSIGNAL))
			send_sig(SIGPIPE, current, 0);
		return -EPIPE;
	}
	if (!ms->may_write)
		return -EACCES;
	limit = mcg_max_payload(g);
	if (len > limit)
		return mcg_send_failed(ms, g, -EMSGSIZE);
	/*
	 * sendmmsg() marks all but its last message MSG_BATCH: they bundle
	 * as MSG_MORE's do, and its last sends them, within the one call.
	 */
	more = msg->msg_flags & (MSG_MORE | MSG_BATCH);
	if (!more && !READ_ONCE(ms->bundle.skb))
		return mcg_tx_send(g, sk, msg, len);
	lock_sock(sk);
	err = mcg_tx_bundle(g, sk, &ms->bundle, msg, len, more, limit);
	release_sock(sk);
	return err;
}

static int mcg_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		       int flags)
{
	struct sock *sk = sock->sk;
	struct mcg_sock *ms = mcg_sk(sk);
	struct sk_buff *skb;
	size_t copied;
	int err;

	if (flags & ~(MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC | MSG_WAITALL |
		      MSG_CMSG_CLOEXEC | MSG_CMSG_COMPAT))
		return -EOPNOTSUPP;
	if (!READ_ONCE(ms->group))
		return -ENOTCONN;
	skb = skb_recv_datagram(sk, flags, &err);
	if (!skb) {
		/* Shut down and drained: end of file, blocking or not. */
		if (err == -EAGAIN && (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN))
			return 0;
		return err;
	}
	copied = skb->len;
	if (copied > len) {
		copied = len;
		msg->msg_flags |= MSG_TRUNC;
	}
	err = skb_copy_datagram_msg(skb, 0, msg, copied);
	if (!err && msg->msg_name) {
		DECLARE_SOCKADDR(struct sockaddr_mcg *, sa, msg->msg_name);

		memset(sa, 0, sizeof(*sa));
		sa->smcg_family = mcg_family;
		sa->smcg_group = ms->group->id;
		sa->smcg_sender = MCG_SKB_CB(skb)->sender;
		msg->msg_namelen = sizeof(*sa);
	}
	if (!err) {
		sock_recv_cmsgs(msg, sk, skb);
		err = (flags & MSG_TRUNC) ? skb->len : copied;
	}
	skb_free_datagram(sk, skb);
	return err;
}

static int mcg_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	struct mcg_sock *ms = mcg_sk(sk);

	/* SHUT_RD, SHUT_WR, SHUT_RDWR are 0, 1, 2: bits are how + 1. */
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	lock_sock(sk);
	/* Bundled messages were reported as sent: they go first. */
	if (((how + 1) & SEND_SHUTDOWN) && ms->group)
		mcg_tx_flush(ms->group, sk, &ms->bundle);
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | (how + 1));
	sk->sk_state_change(sk);
	release_sock(sk);
	return 0;
}

static int mcg_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct mcg_sock *ms;
	struct mcg_group *g;

	if (!sk)
		return 0;
	ms = mcg_sk(sk);
	lock_sock(sk);
	g = ms->group;
	if (g) {
		/* What it bundled was reported as sent: it still goes. */
		mcg_tx_flush(g, sk, &ms->bundle);
		spin_lock_bh(&g->sock_lock);
		if (!hlist_unhashed(&ms->node))
			hlist_del_init_rcu(&ms->node);
		spin_unlock_bh(&g->sock_lock);
	}
	sock_orphan(sk);
	release_sock(sk);
	if (g)
		mcg_group_put(g);
	sock->sk = NULL;
	/* mcg_deliver() may still hold @sk under RCU: SOCK_RCU_FREE. */
	sock_put(sk);
	return 0;
}

/*
 * .family stays the default even when the parameter moves the family: the
 * kernel only compares proto_ops.family with PF_UNIX (SCM rights, unix
 * garbage collection).  The number that routes socket() to us is the one
 * in mcg_family_ops, set at load time.
 */
static const struct proto_ops mcg_dgram_ops = {
	.family = PF_MCG,
	.owner = THIS_MODULE,
	.release = mcg_release,
	.bind = mcg_bind,
	.connect = sock_no_connect,
	.socketpair = sock_no_socketpair,
	.accept = sock_no_accept,
	.getname = mcg_getname,
	.poll = datagram_poll,
	.ioctl = sock_no_ioctl,
	.listen = sock_no_listen,
	.shutdown = mcg_shutdown,
	.sendmsg = mcg_sendmsg,
	.recvmsg = mcg_recvmsg,
	.mmap = sock_no_mmap,
};

static int mcg_create(struct net *net, struct socket *sock, int protocol,
		      int kern)
{
	struct sock *sk;

	if (sock->type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol)
		return -EPROTONOSUPPORT;

	sk = sk_alloc(net, mcg_family, GFP_KERNEL, &mcg_proto, kern);
	if (!sk)
		return -ENOMEM;
	sock->ops = &mcg_dgram_ops;
	sock_init_data(sock, sk);
	sock_set_flag(sk, SOCK_RCU_FREE);
	sk->sk_destruct = mcg_sk_destruct;
	atomic_inc(&mcg_net(net)->sockets);
	return 0;
}

static struct net_proto_family mcg_family_ops __ro_after_init = {
	.create = mcg_create,
	.owner = THIS_MODULE,
};

int mcg_socket_init(void)
{
	int ret;

	if (mcg_family <= AF_UNSPEC || mcg_family >= NPROTO) {
		pr_err("family=%d is out of range: choose 1 to %d\n",
		       mcg_family, NPROTO - 1);
		return -EINVAL;
	}
	mcg_family_ops.family = mcg_family;

	ret = proto_register(&mcg_proto, 1);
	if (ret)
		return ret;
	ret = sock_register(&mcg_family_ops);
	if (ret) {
		if (ret == -EEXIST)
			pr_err("address family %d is already taken: load with family=N for a free N below %d\n",
			       mcg_family, NPROTO);
		proto_unregister(&mcg_proto);
		return ret;
	}
	return 0;
}

void mcg_socket_uninit(void)
{
	sock_unregister(mcg_family);
	proto_unregister(&mcg_proto);
}
