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
#include <net/sock.h>

#include "netns.h"
#include "socket.h"

int mcg_family = AF_MCG_DEFAULT;
module_param_named(family, mcg_family, int, 0444);
MODULE_PARM_DESC(family, "socket address family number (default "
		 __stringify(AF_MCG_DEFAULT) ")");

struct mcg_sock {
	struct sock sk;	/* must be first: sk_alloc() sizes by proto->obj_size */
};

static struct proto mcg_proto = {
	.name = "MCG",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct mcg_sock),
};

static void mcg_sk_destruct(struct sock *sk)
{
	skb_queue_purge(&sk->sk_receive_queue);
	atomic_dec(&mcg_net(sock_net(sk))->sockets);
}

static int mcg_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;
	lock_sock(sk);
	sock_orphan(sk);
	release_sock(sk);
	sock->sk = NULL;
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
	.bind = sock_no_bind,
	.connect = sock_no_connect,
	.socketpair = sock_no_socketpair,
	.accept = sock_no_accept,
	.getname = sock_no_getname,
	.poll = datagram_poll,
	.ioctl = sock_no_ioctl,
	.listen = sock_no_listen,
	.shutdown = sock_no_shutdown,
	.sendmsg = sock_no_sendmsg,
	.recvmsg = sock_no_recvmsg,
	.mmap = sock_no_mmap,
	.sendpage = sock_no_sendpage,
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
