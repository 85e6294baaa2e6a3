// SPDX-License-Identifier: GPL-2.0
/*
 * AF_MCG sockets bound to a group, on one host: bind and its checks,
 * permissions from the group's owner, group and mode, delivery to every
 * other local socket of the group, recv semantics (sender id, MSG_PEEK,
 * MSG_TRUNC, non-blocking, poll, recvmmsg), bundles (MSG_MORE and
 * sendmmsg: when they go, what they hold), EMSGSIZE, receive buffer
 * overflow counted, and deletion of the group waking its sockets.
 * Each test runs in a network namespace of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mcg_test.h"

/* tools/mcgctl/mcgctl, found from where this program lives. */
static char mcgctl[4200];
#define MCGCTL "%s"
#define GID 42		/* the test group's id */
/*
 * The harness gives a test 30 s.  Each counter() runs mcgctl and jq, which
 * on the debug kernel (KASAN, lockdep) of a busy host took longer than that
 * for the cases that read several counters.
 */
#define GRP_TIMEOUT 300
#define SENDER 7	/* this host's sender id in it */

static int sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static struct sockaddr_mcg addr(uint32_t group)
{
	struct sockaddr_mcg sa = {
		.smcg_family = mcg_test_family(),
		.smcg_group = group,
	};

	return sa;
}

static int bound(uint32_t group)
{
	struct sockaddr_mcg sa = addr(group);
	int fd = socket(mcg_test_family(), SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The group's counter NAME, from mcgctl -j stats. */
static long counter(const char *name)
{
	char cmd[4400];
	long v = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s -j stats g | jq -r '.groups[0].%s'", mcgctl, name);
	p = popen(cmd, "r");
	if (p) {
		if (fscanf(p, "%ld", &v) != 1)
			v = -1;
		pclose(p);
	}
	return v;
}

FIXTURE(grp) {
	int unused;
};

FIXTURE_SETUP(grp)
{
	char self_path[4000];
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);

	ASSERT_LT(0, n);
	self_path[n] = 0;
	*strrchr(self_path, '/') = 0;
	snprintf(mcgctl, sizeof(mcgctl), "%s/../tools/mcgctl/mcgctl", self_path);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	/* Sending needs a source address: no DAD, and wait for it. */
	ASSERT_EQ(0, sh("sysctl -qw net.ipv6.conf.default.accept_dad=0 && "
			"ip link add v0 type veth peer name v1 && ip link set v0 up && "
			"ip link set v1 up && for i in $(seq 100); do "
			"ip -6 addr show dev v0 scope link | grep -q inet6 && exit 0; "
			"sleep 0.1; done; exit 1"));
	ASSERT_EQ(0, sh(MCGCTL " group add g addr ff05::4242 dev v0 id %d sender %d", mcgctl, GID, SENDER));
	ASSERT_EQ(0, sh(MCGCTL " genkey | " MCGCTL " key add g epoch 1 keyfile -", mcgctl, mcgctl));
}

FIXTURE_TEARDOWN(grp)
{
}

TEST_F_TIMEOUT(grp, bind_checks_its_address, GRP_TIMEOUT)
{
	int fd = socket(mcg_test_family(), SOCK_DGRAM, 0);
	struct sockaddr_mcg sa = addr(GID);

	ASSERT_LE(0, fd);
	sa.smcg_group = 999;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	sa = addr(GID);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sa, sizeof(sa) - 1));
	EXPECT_EQ(EINVAL, errno);
	sa.smcg_family = AF_INET6;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	sa = addr(GID);
	sa.smcg_reserved = 1;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EINVAL, errno);
	sa = addr(GID);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST_F_TIMEOUT(grp, getsockname_names_group_and_sender, GRP_TIMEOUT)
{
	struct sockaddr_mcg sa;
	socklen_t len = sizeof(sa);
	int fd = bound(GID);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&sa, &len));
	EXPECT_EQ(sizeof(sa), len);
	EXPECT_EQ(mcg_test_family(), sa.smcg_family);
	EXPECT_EQ(GID, sa.smcg_group);
	EXPECT_EQ(SENDER, sa.smcg_sender);
	close(fd);
}

TEST_F_TIMEOUT(grp, unbound_sockets_neither_send_nor_receive, GRP_TIMEOUT)
{
	int fd = socket(mcg_test_family(), SOCK_DGRAM | SOCK_NONBLOCK, 0);
	char buf[8];

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, send(fd, "x", 1, 0));
	EXPECT_EQ(EDESTADDRREQ, errno);
	EXPECT_EQ(-1, recv(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(ENOTCONN, errno);
	close(fd);
}

TEST_F_TIMEOUT(grp, every_other_local_socket_gets_each_message_once, GRP_TIMEOUT)
{
	enum { N = 16 };
	struct sockaddr_mcg from;
	socklen_t flen;
	char buf[64];
	int fd[N], i;

	for (i = 0; i < N; i++)
		ASSERT_LE(0, fd[i] = bound(GID));
	ASSERT_EQ(5, send(fd[0], "hello", 5, 0));
	for (i = 1; i < N; i++) {
		flen = sizeof(from);
		memset(&from, 0, sizeof(from));
		ASSERT_EQ(5, recvfrom(fd[i], buf, sizeof(buf), 0,
				      (struct sockaddr *)&from, &flen)) TH_LOG("socket %d", i);
		EXPECT_EQ(0, memcmp(buf, "hello", 5));
		EXPECT_EQ(sizeof(from), flen);
		EXPECT_EQ(mcg_test_family(), from.smcg_family);
		EXPECT_EQ(GID, from.smcg_group);
		EXPECT_EQ(SENDER, from.smcg_sender);
		EXPECT_EQ(-1, recv(fd[i], buf, sizeof(buf), 0)) TH_LOG("twice on %d", i);
		EXPECT_EQ(EAGAIN, errno);
	}
	/* The sending socket does not get its own message. */
	EXPECT_EQ(-1, recv(fd[0], buf, sizeof(buf), 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(N - 1, counter("rx_delivered"));
	EXPECT_EQ(1, counter("tx_packets"));
	EXPECT_EQ(5, counter("tx_bytes"));
	for (i = 0; i < N; i++)
		close(fd[i]);
}

TEST_F_TIMEOUT(grp, sendto_another_group_is_refused, GRP_TIMEOUT)
{
	struct sockaddr_mcg sa = addr(GID + 1);
	int fd = bound(GID);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EISCONN, errno);
	sa = addr(GID);
	EXPECT_EQ(1, sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)));
	close(fd);
}

TEST_F_TIMEOUT(grp, no_sending_key_is_ENOKEY_and_counted, GRP_TIMEOUT)
{
	int fd;

	ASSERT_EQ(0, sh(MCGCTL " key del g epoch 1", mcgctl));
	ASSERT_LE(0, fd = bound(GID));
	EXPECT_EQ(-1, send(fd, "x", 1, 0));
	EXPECT_EQ(ENOKEY, errno);
	EXPECT_EQ(1, counter("tx_nokey"));
	EXPECT_EQ(0, counter("tx_packets"));
	close(fd);
}

TEST_F_TIMEOUT(grp, too_large_for_the_path_is_EMSGSIZE, GRP_TIMEOUT)
{
	static char big[65536];
	int fd, rx;

	ASSERT_LE(0, fd = bound(GID));
	ASSERT_LE(0, rx = bound(GID));
	/* MTU 1500 - IPv6 40 - UDP 8 - header 32 - tag 16 */
	EXPECT_EQ(1404, send(fd, big, 1404, 0));
	EXPECT_EQ(-1, send(fd, big, 1405, 0));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-1, send(fd, big, sizeof(big), 0));
	EXPECT_EQ(EMSGSIZE, errno);
	ASSERT_EQ(0, sh("ip link set v0 mtu 1280"));
	EXPECT_EQ(-1, send(fd, big, 1404, 0));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(1184, send(fd, big, 1184, 0));
	EXPECT_EQ(1404, recv(rx, big, sizeof(big), 0));
	EXPECT_EQ(1184, recv(rx, big, sizeof(big), 0));
	close(fd);
	close(rx);
}

TEST_F_TIMEOUT(grp, peek_trunc_and_poll, GRP_TIMEOUT)
{
	char buf[16];
	struct iovec iov = { buf, 4 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct pollfd p;
	int tx, rx;

	ASSERT_LE(0, tx = bound(GID));
	ASSERT_LE(0, rx = bound(GID));
	p.fd = rx;
	p.events = POLLIN;
	EXPECT_EQ(0, poll(&p, 1, 0));
	ASSERT_EQ(10, send(tx, "0123456789", 10, 0));
	EXPECT_EQ(1, poll(&p, 1, 1000));
	EXPECT_TRUE(p.revents & POLLIN);
	EXPECT_EQ(10, recv(rx, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(10, recv(rx, buf, sizeof(buf), MSG_PEEK));
	/* A short buffer: the rest is cut, and the cut is said. */
	EXPECT_EQ(4, recvmsg(rx, &m, MSG_PEEK));
	EXPECT_TRUE(m.msg_flags & MSG_TRUNC);
	EXPECT_EQ(10, recvmsg(rx, &m, MSG_TRUNC));
	EXPECT_EQ(0, memcmp(buf, "0123", 4));
	EXPECT_EQ(-1, recv(rx, buf, sizeof(buf), 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, poll(&p, 1, 0));
	close(tx);
	close(rx);
}

TEST_F_TIMEOUT(grp, sendmmsg_and_recvmmsg, GRP_TIMEOUT)
{
	enum { N = 8 };
	struct mmsghdr m[N];
	struct iovec iov[N];
	char bufs[N][16];
	int tx, rx, i;

	ASSERT_LE(0, tx = bound(GID));
	ASSERT_LE(0, rx = bound(GID));
	memset(m, 0, sizeof(m));
	for (i = 0; i < N; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "msg %d", i);
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = strlen(bufs[i]);
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	ASSERT_EQ(N, sendmmsg(tx, m, N, 0));
	EXPECT_EQ(1, counter("tx_packets"));	/* one bundle */
	memset(bufs, 0, sizeof(bufs));
	for (i = 0; i < N; i++)
		iov[i].iov_len = sizeof(bufs[i]);
	ASSERT_EQ(N, recvmmsg(rx, m, N, 0, NULL));
	for (i = 0; i < N; i++) {
		char want[16];

		snprintf(want, sizeof(want), "msg %d", i);
		EXPECT_STREQ(want, bufs[i]);
	}
	close(tx);
	close(rx);
}

/* The next message on @fd, non-blocking, as a string ("" for none). */
static const char *next(int fd)
{
	static char buf[2048];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n < 0 ? 0 : n] = 0;
	return n < 0 ? "(none)" : buf;
}

TEST_F_TIMEOUT(grp, msg_more_bundles_until_a_message_without_it, GRP_TIMEOUT)
{
	int tx, rx;

	ASSERT_LE(0, tx = bound(GID));
	ASSERT_LE(0, rx = bound(GID));
	EXPECT_EQ(1, send(tx, "a", 1, MSG_MORE));
	EXPECT_EQ(0, send(tx, "", 0, MSG_MORE));
	EXPECT_EQ(2, send(tx, "bb", 2, MSG_MORE));
	/* Nothing has gone yet, to the network or to local readers. */
	EXPECT_STREQ("(none)", next(rx));
	EXPECT_EQ(0, counter("tx_packets"));
	EXPECT_EQ(3, send(tx, "ccc", 3, 0));
	/* One datagram, four messages: each a message of its own, in order. */
	EXPECT_EQ(1, counter("tx_packets"));
	EXPECT_EQ(4 * 2 + 1 + 0 + 2 + 3, counter("tx_bytes"));
	EXPECT_STREQ("a", next(rx));
	EXPECT_STREQ("", next(rx));
	EXPECT_STREQ("bb", next(rx));
	EXPECT_STREQ("ccc", next(rx));
	EXPECT_STREQ("(none)", next(rx));
	EXPECT_EQ(4, counter("rx_delivered"));
	/* One message with MSG_MORE, then one without: two in one datagram. */
	EXPECT_EQ(1, send(tx, "d", 1, MSG_MORE));
	EXPECT_EQ(1, send(tx, "e", 1, 0));
	EXPECT_EQ(2, counter("tx_packets"));
	EXPECT_STREQ("d", next(rx));
	EXPECT_STREQ("e", next(rx));
	close(tx);
	close(rx);
}

TEST_F_TIMEOUT(grp, a_bundle_goes_before_the_message_that_would_not_fit, GRP_TIMEOUT)
{
	static char big[1404];
	int tx, rx;

	ASSERT_LE(0, tx = bound(GID));
	ASSERT_LE(0, rx = bound(GID));
	/* 1404 bytes of plaintext per datagram; each record costs 2 more. */
	memset(big, 'x', sizeof(big));
	EXPECT_EQ(701, send(tx, big, 701, MSG_MORE));
	/* 1406 does not fit: a second datagram, in a train with the first. */
	EXPECT_EQ(701, send(tx, big, 701, MSG_MORE));
	EXPECT_EQ(0, counter("tx_packets"));
	EXPECT_STREQ("(none)", next(rx));
	/*
	 * 703 + 701 fits the second, but the datagrams of a train are as
	 * long as its first: the first goes, a bundle of one, and the
	 * second stays, a bundle that takes this one too.
	 */
	EXPECT_EQ(699, send(tx, big, 699, MSG_MORE));
	EXPECT_EQ(1, counter("tx_packets"));
	EXPECT_EQ(703, counter("tx_bytes"));
	EXPECT_EQ(701, strlen(next(rx)));
	/* Local readers get a message when its datagram goes, not before. */
	EXPECT_STREQ("(none)", next(rx));
	/* The largest message cannot be bundled: what was goes, then it. */
	EXPECT_EQ(1404, send(tx, big, 1404, MSG_MORE));
	EXPECT_EQ(3, counter("tx_packets"));
	EXPECT_EQ(703 + 1404 + 1404, counter("tx_bytes"));
	EXPECT_EQ(701, strlen(next(rx)));
	EXPECT_EQ(699, strlen(next(rx)));
	EXPECT_EQ(1404, strlen(next(rx)));
	EXPECT_STREQ("(none)", next(rx));
	close(tx);
	close(rx);
}

/* The kernel's slab memory, in KiB, from /proc/meminfo. */
static long slab_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/*
 * Security review 1, finding 3: messages held back with MSG_MORE pin no
 * memory but their bundle, which the writer's send buffer pays for.  Each
 * of 32 writers holds 10,000 empty messages (fewer than its train takes:
 * nothing is sent) while a reader exists; the kernel's slab grows by about
 * a bundle a writer, not by a copy a message (it grew by 245 MB).
 */
TEST_F_TIMEOUT(grp, messages_held_back_pin_no_memory, GRP_TIMEOUT)
{
	enum { WRITERS = 32, MSGS = 10000 };
	int tx[WRITERS], rx, i, j;
	long before, after;

	ASSERT_LE(0, rx = bound(GID));
	for (i = 0; i < WRITERS; i++)
		ASSERT_LE(0, tx[i] = bound(GID));
	before = slab_kib();
	ASSERT_LT(0, before);
	for (i = 0; i < WRITERS; i++)
		for (j = 0; j < MSGS; j++)
			ASSERT_EQ(0, send(tx[i], "", 0, MSG_MORE));
	after = slab_kib();
	EXPECT_EQ(0, counter("tx_packets"));
	TH_LOG("slab %ld KiB before, %ld KiB with %d x %d messages held back",
	       before, after, WRITERS, MSGS);
	/* A bundle is at most 32 KiB: 1 MiB in all; 8 MiB of slack. */
	EXPECT_GT(8 * 1024, after - before);
	/*
	 * The group goes first: closed, each writer would send its bundle,
	 * and each of its messages to the 32 other sockets, which read too
	 * (over 10 million local copies, far past the timeout on a debug
	 * kernel).  What is held back then goes with the group.
	 */
	ASSERT_EQ(0, sh(MCGCTL " group del g", mcgctl));
	close(rx);
	for (i = 0; i < WRITERS; i++)
		close(tx[i]);
}

TEST_F_TIMEOUT(grp, full_datagrams_go_as_a_train_until_one_is_shorter, GRP_TIMEOUT)
{
	static char big[1400];
	int tx, rx, i;

	ASSERT_LE(0, tx = bound(GID));
	ASSERT_LE(0, rx = bound(GID));
	/* A message of 1400 fills a datagram: 1402 of 1404 as a record. */
	for (i = 0; i < 3; i++) {
		memset(big, 'a' + i, sizeof(big));
		EXPECT_EQ(1400, send(tx, big, sizeof(big), MSG_MORE));
	}
	EXPECT_EQ(0, counter("tx_packets"));
	/* 100 bytes open a fourth, shorter: only the last may be. */
	EXPECT_EQ(100, send(tx, big, 100, MSG_MORE));
	EXPECT_EQ(0, counter("tx_packets"));
	/* 1400 fits neither the fourth nor a fifth as long: the train goes. */
	memset(big, 'z', sizeof(big));
	EXPECT_EQ(1400, send(tx, big, sizeof(big), MSG_MORE));
	EXPECT_EQ(4, counter("tx_packets"));
	EXPECT_EQ(3 * 1402 + 102, counter("tx_bytes"));
	for (i = 0; i < 3; i++) {
		memset(big, 'a' + i, sizeof(big));
		EXPECT_EQ(0, memcmp(next(rx), big, sizeof(big)));
	}
	EXPECT_EQ(100, strlen(next(rx)));
	EXPECT_STREQ("(none)", next(rx));
	/* 1402 + 3 does not fit one datagram: a train of two. */
	EXPECT_EQ(1, send(tx, "!", 1, 0));
	EXPECT_EQ(6, counter("tx_packets"));
	memset(big, 'z', sizeof(big));
	EXPECT_EQ(0, memcmp(next(rx), big, sizeof(big)));
	EXPECT_STREQ("!", next(rx));
	EXPECT_STREQ("(none)", next(rx));
	EXPECT_EQ(6, counter("rx_delivered"));
	close(tx);
	close(rx);
}

TEST_F_TIMEOUT(grp, a_failed_message_sends_the_train_without_it, GRP_TIMEOUT)
{
	static char big[1400];
	int tx, rx;

	ASSERT_LE(0, tx = bound(GID));
	ASSERT_LE(0, rx = bound(GID));
	memset(big, 'q', sizeof(big));
	EXPECT_EQ(1400, send(tx, big, sizeof(big), MSG_MORE));
	EXPECT_EQ(1400, send(tx, big, sizeof(big), MSG_MORE));
	/* It opens a third datagram and fails to fill it: two go. */
	EXPECT_EQ(-1, send(tx, (void *)8, sizeof(big), MSG_MORE));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(2, counter("tx_packets"));
	EXPECT_EQ(2 * 1402, counter("tx_bytes"));
	EXPECT_EQ(0, counter("tx_errors"));
	EXPECT_EQ(0, memcmp(next(rx), big, sizeof(big)));
	EXPECT_EQ(0, memcmp(next(rx), big, sizeof(big)));
	EXPECT_STREQ("(none)", next(rx));
	close(tx);
	close(rx);
}

TEST_F_TIMEOUT(grp, a_failed_message_close_and_shutdown_send_the_bundle, GRP_TIMEOUT)
{
	static char big[1405];
	int tx, rx;

	ASSERT_LE(0, tx = bound(GID));
	ASSERT_LE(0, rx = bound(GID));
	EXPECT_EQ(1, send(tx, "f", 1, MSG_MORE));
	EXPECT_EQ(-1, send(tx, big, sizeof(big), MSG_MORE));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_STREQ("f", next(rx));
	EXPECT_EQ(1, send(tx, "g", 1, MSG_MORE));
	EXPECT_EQ(-1, send(tx, (void *)8, 1, MSG_MORE));	/* a bad address */
	EXPECT_EQ(EFAULT, errno);
	EXPECT_STREQ("g", next(rx));
	EXPECT_EQ(1, send(tx, "h", 1, MSG_MORE));
	close(tx);
	EXPECT_STREQ("h", next(rx));
	ASSERT_LE(0, tx = bound(GID));
	EXPECT_EQ(1, send(tx, "i", 1, MSG_MORE));
	ASSERT_EQ(0, shutdown(tx, SHUT_WR));
	EXPECT_STREQ("i", next(rx));
	EXPECT_STREQ("(none)", next(rx));
	EXPECT_EQ(4, counter("tx_packets"));
	close(tx);
	close(rx);
}

TEST_F_TIMEOUT(grp, sendmmsg_bundles_and_stops_at_a_failure, GRP_TIMEOUT)
{
	enum { N = 3 };
	static char big[1405];
	struct mmsghdr m[N];
	struct iovec iov[N] = {
		{ "one", 3 }, { "two", 3 }, { big, sizeof(big) },
	};
	int tx, rx, i;

	ASSERT_LE(0, tx = bound(GID));
	ASSERT_LE(0, rx = bound(GID));
	memset(m, 0, sizeof(m));
	for (i = 0; i < N; i++) {
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	/* Two sent, in one datagram, and delivered: nothing waits. */
	EXPECT_EQ(2, sendmmsg(tx, m, N, 0));
	EXPECT_EQ(1, counter("tx_packets"));
	EXPECT_STREQ("one", next(rx));
	EXPECT_STREQ("two", next(rx));
	EXPECT_STREQ("(none)", next(rx));
	close(tx);
	close(rx);
}

TEST_F_TIMEOUT(grp, a_full_receive_buffer_drops_and_counts, GRP_TIMEOUT)
{
	int tx, rx, small = 4096, sent = 0, got = 0, i;
	char buf[1000] = { 0 };

	ASSERT_LE(0, tx = bound(GID));
	ASSERT_LE(0, rx = bound(GID));
	ASSERT_EQ(0, setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)));
	for (i = 0; i < 200; i++)
		if (send(tx, buf, sizeof(buf), 0) == sizeof(buf))
			sent++;
	while (recv(rx, buf, sizeof(buf), 0) > 0)
		got++;
	EXPECT_EQ(200, sent);
	EXPECT_LT(0, got);
	EXPECT_GT(sent, got);
	EXPECT_EQ(got, counter("rx_delivered"));
	EXPECT_EQ(sent - got, counter("rx_drop_rcvbuf"));
	close(tx);
	close(rx);
}

static void *blocking_recv(void *arg)
{
	int fd = *(int *)arg;
	char buf[8];
	long r = recv(fd, buf, sizeof(buf), 0);

	return (void *)(r < 0 ? (long)-errno : r);
}

TEST_F_TIMEOUT(grp, deleting_the_group_wakes_its_sockets, GRP_TIMEOUT)
{
	struct pollfd p;
	pthread_t t;
	void *res;
	char buf[8];
	int fd, blk;

	ASSERT_LE(0, fd = bound(GID));
	blk = socket(mcg_test_family(), SOCK_DGRAM, 0);
	{
		struct sockaddr_mcg sa = addr(GID);

		ASSERT_EQ(0, bind(blk, (struct sockaddr *)&sa, sizeof(sa)));
	}
	ASSERT_EQ(0, pthread_create(&t, NULL, blocking_recv, &blk));
	usleep(200000);
	ASSERT_EQ(0, sh(MCGCTL " group del g", mcgctl));
	ASSERT_EQ(0, pthread_join(t, &res));
	EXPECT_EQ(-ENODEV, (long)res);
	/* After the error: end of file, as after shutdown(). */
	EXPECT_EQ(0, recv(blk, buf, sizeof(buf), 0));
	p.fd = fd;
	p.events = POLLIN;
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & (POLLERR | POLLHUP));
	EXPECT_EQ(-1, send(fd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(ENODEV, errno);
	close(fd);
	close(blk);
	/* A group of the same name is a new group: old sockets stay out. */
	ASSERT_EQ(0, sh(MCGCTL " group add g addr ff05::4242 dev v0 id %d", mcgctl, GID));
}

TEST_F_TIMEOUT(grp, shutdown_stops_each_direction, GRP_TIMEOUT)
{
	char buf[8];
	int fd;

	ASSERT_LE(0, fd = bound(GID));
	ASSERT_EQ(0, shutdown(fd, SHUT_RD));
	EXPECT_EQ(0, recv(fd, buf, sizeof(buf), 0));
	ASSERT_EQ(0, shutdown(fd, SHUT_WR));
	EXPECT_EQ(-1, send(fd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	close(fd);
}

/* In a child that becomes uid 65534 with the given groups, try to bind. */
static int bind_as(uid_t uid, gid_t gid, int *may_send, int *may_recv)
{
	int pipefd[2], status, res[3] = { 0 };
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		char buf[4];
		int fd, rx;

		close(pipefd[0]);
		if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
			_exit(2);
		fd = bound(GID);
		res[0] = fd < 0 ? errno : 0;
		if (fd >= 0) {
			res[1] = send(fd, "x", 1, 0) == 1 ? 0 : errno;
			/* Receiving: a root socket sends, do we get it? */
			rx = fd;
			usleep(300000);
			res[2] = recv(rx, buf, sizeof(buf), 0) == 1 ? 0 : errno;
		}
		if (write(pipefd[1], res, sizeof(res)) != sizeof(res))
			_exit(3);
		_exit(0);
	}
	close(pipefd[1]);
	{
		int tx = bound(GID);

		usleep(150000);
		if (tx >= 0) {
			send(tx, "y", 1, 0);
			close(tx);
		}
	}
	if (read(pipefd[0], res, sizeof(res)) != sizeof(res))
		res[0] = -1;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	*may_send = res[1];
	*may_recv = res[2];
	return res[0];
}

TEST_F_TIMEOUT(grp, permissions_follow_owner_group_and_mode, GRP_TIMEOUT)
{
	int snd, rcv;

	/* 0640 root:1234 -- group members read, others nothing. */
	ASSERT_EQ(0, sh(MCGCTL " group set g owner 0 group 1234 mode 0640", mcgctl));
	EXPECT_EQ(EACCES, bind_as(65534, 65534, &snd, &rcv));
	EXPECT_EQ(0, bind_as(65534, 1234, &snd, &rcv));
	EXPECT_EQ(EACCES, snd);
	EXPECT_EQ(0, rcv);
	/* 0620: group members write but do not receive. */
	ASSERT_EQ(0, sh(MCGCTL " group set g mode 0620", mcgctl));
	EXPECT_EQ(0, bind_as(65534, 1234, &snd, &rcv));
	EXPECT_EQ(0, snd);
	EXPECT_EQ(EAGAIN, rcv);
	/* 0066: others read and write, the owner (whose bits are 0) does not. */
	ASSERT_EQ(0, sh(MCGCTL " group set g owner 65534 mode 0066", mcgctl));
	EXPECT_EQ(EACCES, bind_as(65534, 65534, &snd, &rcv));
	EXPECT_EQ(0, bind_as(1000, 1000, &snd, &rcv));
	EXPECT_EQ(0, snd);
	EXPECT_EQ(0, rcv);
}

TEST_HARNESS_MAIN
