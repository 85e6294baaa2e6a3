// SPDX-License-Identifier: GPL-2.0
/*
 * mcg_bench MODE ROLE [OPTIONS]: one end of a group messaging benchmark.
 *
 * MODE is the system measured:
 *   udp   plain UDP to an IPv6 multicast group (also kernel IPsec: the
 *         run script adds ESP transport SAs for the group's address); or,
 *         with -u, to a list of unicast receivers, each message sent to
 *         each (what IPsec and WireGuard need without multicast)
 *   mcg   AF_MCG sockets bound to a group mcgctl configured
 *   ossl  UDP multicast, each message sealed in userspace with OpenSSL
 *   tipc  TIPC group broadcast (SOCK_RDM, TIPC_GROUP_JOIN)
 * ROLE is send or recv.
 *
 * Every mode carries the same application message of SIZE bytes, which
 * starts with struct bench_hdr: a sequence number, the number of messages
 * in the run and the sender's CLOCK_MONOTONIC time at send().  In the
 * benchmark VM (QEMU -icount shift=0,sleep=off) that clock counts guest
 * instructions and every namespace reads the same one, so the receiver
 * can take one-way latency as its own clock minus the stamp.
 *
 * The loop is closed: the sender sends a burst of BURST messages, then
 * waits until every receiver has acknowledged it over a unicast UDP side
 * channel (never encrypted, never multicast).  No queue on the way can
 * then overflow, so the figures are those of the path, not of its drops.
 * A sender that waits longer than TIMEOUT for an acknowledgement goes on
 * and counts a stall; a run with stalls or losses is suspect and says so.
 *
 * Before the first message, each receiver greets the sender over the side
 * channel until data arrives; the sender starts once all have (and, for
 * tipc, once the group has all its members), so starting order does not
 * matter.  The first WARMUP messages (routes, neighbour entries, mcg's
 * per-sender state) are sent and acknowledged but not measured.
 *
 * With -T, the sender switches the kernel's tracing on for the measured
 * messages only and marks the sends of each burst in its trace_marker,
 * so that the run script can tell the sender's instructions from the
 * rest (tools/bench/run, part reach).
 *
 * A receiver prints one line of KEY=VALUE words, then exits:
 *
 *   bench role=recv mode=M size=S readers=N msgs=... copies=... bytes=...
 *         ns=... msgs_per_s=... bytes_per_s=... lat_p50_ns=... lat_p99_ns=...
 *         lost=... bad=... [LABEL]
 *
 * msgs counts measured messages every reader got; copies counts them once
 * per reader; ns runs from the send stamp of the first measured message to
 * the receipt of the last copy; bytes is msgs * SIZE (application bytes,
 * the same in every mode whatever each adds on the wire); latencies are
 * over every copy; bad counts datagrams that failed to authenticate or
 * parse.  The sender prints a "bench role=send ..." line with its own
 * count, time and stalls.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/tipc.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../selftests/mcg_test.h"

#define BENCH_MAGIC	0x6d636762	/* "mcgb" */
#define ACK_MAGIC	0x6d636761	/* "mcga" */
#define MAX_SIZE	65000
#define OSSL_NONCE	12
#define OSSL_TAG	16
#define HELLO_BURST	UINT64_MAX	/* an acknowledgement that says "ready" */
#define MAX_RECEIVERS	1024
#define MAX_SOCKETS	20000

/* At the start of every message, in every mode; in host byte order, as
 * both ends run on one machine. */
struct bench_hdr {
	uint32_t magic;
	uint32_t flags;
	uint64_t seq;		/* from 0; the first WARMUP are not measured */
	uint64_t total;		/* WARMUP + COUNT: the last seq is total - 1 */
	uint64_t ts_ns;		/* the sender's CLOCK_MONOTONIC at send() */
};

/* Receiver to sender, over the side channel. */
struct bench_ack {
	uint32_t magic;
	uint32_t receiver;
	uint64_t burst;		/* every burst up to this one arrived */
};

enum mode { MODE_UDP, MODE_MCG, MODE_OSSL, MODE_TIPC };
static const char *const mode_names[] = { "udp", "mcg", "ossl", "tipc" };

static struct {
	enum mode mode;
	bool sender;
	size_t size;
	uint64_t count, warmup, burst;
	struct in6_addr maddr;
	uint16_t port;
	const char *ifname;
	uint32_t group;		/* mcg: first group id (default 1); tipc:
				 * group type (default 4242; TIPC keeps those
				 * below 64 for itself) */
	uint32_t ngroups;	/* mcg: spread over ids group..group+ngroups-1 */
	const char *alg;
	const char *keyfile;
	struct in6_addr ack_addr;
	uint16_t ack_port;
	uint32_t receivers;	/* send: how many receivers acknowledge */
	uint32_t receiver_id;	/* recv: which one this is */
	uint32_t readers;	/* recv: sockets (fan-out) */
	uint32_t members;	/* tipc send: group members to wait for */
	const char *nsfile;	/* send: one socket in each listed netns */
	const char *ucfile;	/* udp send: every message to each address */
	const char *tracefs;	/* send: mark the measured sends there */
	bool more;		/* mcg send: a burst's all but last MSG_MORE */
	int timeout_ms;
	const char *label;
} opt = {
	.size = 64,
	.count = 10000,
	.warmup = 256,
	.burst = 16,
	.port = 6471,
	.ngroups = 1,
	.alg = "aes-gcm-128",
	.ack_port = 6472,
	.receivers = 1,
	.readers = 1,
	.timeout_ms = 2000,
	.label = "",
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "mcg_bench: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void die_errno(const char *what)
{
	die("%s: %s", what, strerror(errno));
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* --- OpenSSL: AEAD in the application ---------------------------------- */

/*
 * On the wire: a 12-byte nonce (a random per-run salt and a counter, so no
 * nonce repeats under the key), the sealed message, its 16-byte tag.  The
 * nonce is the associated data too: it is authenticated, as mcg's header
 * is.  There is no replay window: the figure is the price of the AEAD.
 */
struct ossl {
	EVP_CIPHER_CTX *ctx;
	const EVP_CIPHER *cipher;
	unsigned char key[32];
	unsigned char salt[4];
	uint64_t counter;
};

static void ossl_init(struct ossl *o, bool enc)
{
	size_t klen;
	int fd;

	if (!strcmp(opt.alg, "aes-gcm-128"))
		o->cipher = EVP_aes_128_gcm();
	else if (!strcmp(opt.alg, "aes-gcm-256"))
		o->cipher = EVP_aes_256_gcm();
	else if (!strcmp(opt.alg, "chacha20-poly1305"))
		o->cipher = EVP_chacha20_poly1305();
	else
		die("unknown algorithm '%s'", opt.alg);
	klen = EVP_CIPHER_key_length(o->cipher);
	/*
	 * A benchmark key: nothing secret travels.  Both ends must agree,
	 * so it is fixed unless a file of raw key bytes is given.
	 */
	memset(o->key, 0x42, sizeof(o->key));
	if (opt.keyfile) {
		fd = open(opt.keyfile, O_RDONLY);
		if (fd < 0 || read(fd, o->key, klen) != (ssize_t)klen)
			die("%s: cannot read %zu key bytes", opt.keyfile, klen);
		close(fd);
	}
	if (getrandom(o->salt, sizeof(o->salt), 0) != sizeof(o->salt))
		die_errno("getrandom");
	o->ctx = EVP_CIPHER_CTX_new();
	if (!o->ctx)
		die("EVP_CIPHER_CTX_new failed");
	/* Key once; each message then only sets its nonce, as an
	 * application that cares about speed would. */
	if (!EVP_CipherInit_ex(o->ctx, o->cipher, NULL, NULL, NULL, enc) ||
	    !EVP_CIPHER_CTX_ctrl(o->ctx, EVP_CTRL_AEAD_SET_IVLEN, OSSL_NONCE, NULL) ||
	    !EVP_CipherInit_ex(o->ctx, NULL, NULL, o->key, NULL, enc))
		die("cannot key %s", opt.alg);
}

/* Seal LEN bytes of PT into OUT; returns the datagram's length. */
static size_t ossl_seal(struct ossl *o, const void *pt, size_t len, unsigned char *out)
{
	uint64_t ctr = htobe64(o->counter++);
	int n, f;

	memcpy(out, o->salt, 4);
	memcpy(out + 4, &ctr, 8);
	if (!EVP_EncryptInit_ex(o->ctx, NULL, NULL, NULL, out) ||
	    !EVP_EncryptUpdate(o->ctx, NULL, &n, out, OSSL_NONCE) ||
	    !EVP_EncryptUpdate(o->ctx, out + OSSL_NONCE, &n, pt, len) ||
	    !EVP_EncryptFinal_ex(o->ctx, out + OSSL_NONCE + n, &f) ||
	    !EVP_CIPHER_CTX_ctrl(o->ctx, EVP_CTRL_AEAD_GET_TAG, OSSL_TAG,
				 out + OSSL_NONCE + len))
		die("sealing failed");
	return OSSL_NONCE + len + OSSL_TAG;
}

/* Open datagram IN of LEN bytes into PT; returns the plaintext's length,
 * or -1 when it does not authenticate. */
static ssize_t ossl_open(struct ossl *o, unsigned char *in, size_t len, void *pt)
{
	size_t ptlen;
	int n, f;

	if (len < OSSL_NONCE + OSSL_TAG)
		return -1;
	ptlen = len - OSSL_NONCE - OSSL_TAG;
	if (!EVP_DecryptInit_ex(o->ctx, NULL, NULL, NULL, in) ||
	    !EVP_DecryptUpdate(o->ctx, NULL, &n, in, OSSL_NONCE) ||
	    !EVP_DecryptUpdate(o->ctx, pt, &n, in + OSSL_NONCE, ptlen) ||
	    !EVP_CIPHER_CTX_ctrl(o->ctx, EVP_CTRL_AEAD_SET_TAG, OSSL_TAG,
				 in + OSSL_NONCE + ptlen) ||
	    EVP_DecryptFinal_ex(o->ctx, (unsigned char *)pt + n, &f) <= 0)
		return -1;
	return ptlen;
}

/* --- Sockets of each mode ------------------------------------------------ */

static unsigned int ifindex(void)
{
	unsigned int i;

	if (!opt.ifname)
		die("%s needs -i IFACE", mode_names[opt.mode]);
	i = if_nametoindex(opt.ifname);
	if (!i)
		die("interface %s: %s", opt.ifname, strerror(errno));
	return i;
}

static void setsockopt_or_die(int fd, int level, int name, const void *val,
			      socklen_t len, const char *what)
{
	if (setsockopt(fd, level, name, val, len))
		die_errno(what);
}

/*
 * The address of the I-th group of -G: the first is -a's, the others
 * ff05::1:I+1, as the run script gives mcg's groups 2.. (ids I+1).
 */
static struct in6_addr group_addr(uint32_t i)
{
	struct in6_addr a = opt.maddr;

	if (i) {
		inet_pton(AF_INET6, "ff05::1:0", &a);
		a.s6_addr[14] = (i + 1) >> 8;
		a.s6_addr[15] = (i + 1) & 0xff;
	}
	return a;
}

/* UDP to the group's address: connected, so that send() needs no address
 * and the route is looked up once, as an application would do. */
static int udp_sender(const struct in6_addr *maddr)
{
	struct sockaddr_in6 sa = {
		.sin6_family = AF_INET6,
		.sin6_addr = *maddr,
		.sin6_port = htons(opt.port),
	};
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), one = 1, zero = 0;
	unsigned int idx = ifindex();

	if (fd < 0)
		die_errno("socket");
	setsockopt_or_die(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof(idx),
			  "IPV6_MULTICAST_IF");
	setsockopt_or_die(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &one, sizeof(one),
			  "IPV6_MULTICAST_HOPS");
	/* mcg's group sockets do not loop back either. */
	setsockopt_or_die(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero),
			  "IPV6_MULTICAST_LOOP");
	if (IN6_IS_ADDR_MC_LINKLOCAL(maddr))
		sa.sin6_scope_id = idx;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die_errno("connect");
	return fd;
}

/* Bound to the group's address and port, so that each socket gets a copy
 * of the group's datagrams and of nothing else. */
static int udp_receiver(const struct in6_addr *maddr)
{
	struct sockaddr_in6 sa = {
		.sin6_family = AF_INET6,
		.sin6_addr = *maddr,
		.sin6_port = htons(opt.port),
	};
	struct ipv6_mreq mr = { .ipv6mr_multiaddr = *maddr };
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), one = 1, zero = 0;

	if (fd < 0)
		die_errno("socket");
	mr.ipv6mr_interface = ifindex();
	setsockopt_or_die(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one), "SO_REUSEADDR");
	setsockopt_or_die(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &zero, sizeof(zero),
			  "IPV6_MULTICAST_ALL");
	if (IN6_IS_ADDR_MC_LINKLOCAL(maddr))
		sa.sin6_scope_id = mr.ipv6mr_interface;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die_errno("bind");
	/* A unicast address (a check on loopback) needs no joining. */
	if (IN6_IS_ADDR_MULTICAST(maddr))
		setsockopt_or_die(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr),
				  "IPV6_JOIN_GROUP");
	return fd;
}

static int mcg_socket(uint32_t group)
{
	struct sockaddr_mcg sa = {
		.smcg_family = mcg_test_family(),
		.smcg_group = group,
	};
	int fd = socket(sa.smcg_family, SOCK_DGRAM, 0);

	if (fd < 0)
		die_errno("socket(AF_MCG)");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind to group %u: %s", group, strerror(errno));
	return fd;
}

static int tipc_member(uint32_t instance, uint32_t flags)
{
	struct tipc_group_req req = {
		.type = opt.group,
		.instance = instance,
		.scope = TIPC_CLUSTER_SCOPE,
		.flags = flags,
	};
	int fd = socket(AF_TIPC, SOCK_RDM, 0);

	if (fd < 0)
		die_errno("socket(AF_TIPC)");
	setsockopt_or_die(fd, SOL_TIPC, TIPC_GROUP_JOIN, &req, sizeof(req),
			  "TIPC_GROUP_JOIN");
	return fd;
}

/*
 * TIPC delivers a broadcast only to the members the sender knows of: wait
 * for a join event from each (an empty message flagged MSG_OOB; MSG_EOR
 * too when a member leaves).
 */
static void tipc_wait_members(int fd)
{
	uint64_t end = now_ns() + 60 * 1000000000ull;
	struct sockaddr_tipc addr[2];
	uint32_t joined = 0;
	char buf[64];

	while (joined < opt.members) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = {
			.msg_name = addr, .msg_namelen = sizeof(addr),
			.msg_iov = &iov, .msg_iovlen = 1,
		};
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)((end - now_ns()) / 1000000);

		if (left <= 0 || poll(&p, 1, left) <= 0)
			die("tipc: %u of %u group members joined in 60 s", joined, opt.members);
		if (recvmsg(fd, &m, MSG_DONTWAIT) < 0)
			die_errno("recvmsg (tipc member event)");
		if (!(m.msg_flags & MSG_OOB))
			continue;
		if (m.msg_flags & MSG_EOR)
			joined--;
		else
			joined++;
	}
}

/* --- The side channel ---------------------------------------------------- */

static int ack_socket(bool bind_it)
{
	struct sockaddr_in6 sa = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(opt.ack_port),
		.sin6_addr = opt.ack_addr,
	};
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		die_errno("socket (side channel)");
	if (bind_it && bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die_errno("bind (side channel)");
	if (!bind_it && connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die_errno("connect (side channel)");
	return fd;
}

static void ack_send(int fd, uint64_t burst)
{
	struct bench_ack a = {
		.magic = ACK_MAGIC,
		.receiver = opt.receiver_id,
		.burst = burst,
	};

	/* A lost acknowledgement costs the sender a timeout, not the run. */
	if (send(fd, &a, sizeof(a), 0) < 0 && errno != EAGAIN && errno != ECONNREFUSED)
		die_errno("send (side channel)");
}

/* --- Sender -------------------------------------------------------------- */

/* Enter the network namespace NAME (as "ip netns" names it), or leave
 * for the one SELF holds when NAME is NULL. */
static void enter_netns(const char *name, int self)
{
	char path[300];
	int fd = self;

	if (name) {
		snprintf(path, sizeof(path), "/run/netns/%s", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die("netns %s: %s", name, strerror(errno));
	}
	if (setns(fd, CLONE_NEWNET))
		die("setns %s: %s", name ? name : "(back)", strerror(errno));
	if (name)
		close(fd);
}

static int sender_socket(uint32_t i)
{
	switch (opt.mode) {
	case MODE_UDP:
	case MODE_OSSL: {
		struct in6_addr a = group_addr(i % opt.ngroups);

		return udp_sender(&a);
	}
	case MODE_MCG:
		return mcg_socket(opt.group + i % opt.ngroups);
	case MODE_TIPC:
		/* Instances from 1<<30 up: receivers use low ones. */
		return tipc_member((1u << 30) + i, TIPC_GROUP_MEMBER_EVTS);
	}
	return -1;
}

/*
 * The sockets a sender round-robins over: one; or one per group (-G), to
 * spread the messages over groups; or one per network namespace of
 * NSFILE (-x), each a host of its own and so a sender of its own.
 */
static void raise_nofile(uint32_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need + 64)
		return;
	rl.rlim_cur = need + 64;
	if (rl.rlim_max < rl.rlim_cur)
		rl.rlim_max = rl.rlim_cur;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("%u sockets: cannot raise the limit of open files: %s", need,
		    strerror(errno));
}

/*
 * -u: a socket connected to each unicast address of UCFILE (one a line),
 * as an application that sends each message to every receiver itself
 * would hold them: the route is looked up once per receiver.
 */
static int open_unicast(int **fds, int cap)
{
	char line[256];
	struct in6_addr a;
	int n = 0;
	FILE *f;

	f = fopen(opt.ucfile, "r");
	if (!f)
		die("%s: %s", opt.ucfile, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, " \t\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		if (inet_pton(AF_INET6, line, &a) != 1)
			die("%s: '%s' is not an IPv6 address", opt.ucfile, line);
		if (n == cap && !(*fds = realloc(*fds, (cap *= 2) * sizeof(**fds))))
			die("out of memory");
		(*fds)[n++] = udp_sender(&a);
	}
	fclose(f);
	if (!n)
		die("%s lists no address", opt.ucfile);
	return n;
}

static int open_senders(int **fds)
{
	char line[256];
	int n = 0, cap = 16, self;
	FILE *f;

	*fds = malloc(cap * sizeof(**fds));
	if (!*fds)
		die("out of memory");
	/* -G 10000 or -x with 1,000 namespaces: past the default 1024. */
	raise_nofile(MAX_SOCKETS);
	if (opt.ucfile)
		return open_unicast(fds, cap);
	if (!opt.nsfile) {
		for (n = 0; n < (int)opt.ngroups; n++) {
			if (n == cap && !(*fds = realloc(*fds, (cap *= 2) * sizeof(**fds))))
				die("out of memory");
			(*fds)[n] = sender_socket(n);
		}
		return n;
	}
	f = fopen(opt.nsfile, "r");
	if (!f)
		die("%s: %s", opt.nsfile, strerror(errno));
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		die_errno("/proc/self/ns/net");
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, " \t\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		if (n == cap && !(*fds = realloc(*fds, (cap *= 2) * sizeof(**fds))))
			die("out of memory");
		/* A socket stays in the namespace it was made in. */
		enter_netns(line, -1);
		(*fds)[n] = sender_socket(n);
		enter_netns(NULL, self);
		n++;
	}
	fclose(f);
	close(self);
	if (!n)
		die("%s lists no namespace", opt.nsfile);
	return n;
}

/*
 * What the sender knows of each receiver: NOT_HEARD, HELLO (ready, nothing
 * acknowledged yet), or the last burst it acknowledged.
 */
#define NOT_HEARD	(-2)
#define HELLO		(-1)

/* Read acknowledgements until every receiver is at least at WANT, or until
 * DEADLINE (false then). */
static bool wait_acks(int fd, int64_t *acked, int64_t want, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct bench_ack a;
		uint32_t r;
		int64_t left;

		for (;;) {
			ssize_t n = recv(fd, &a, sizeof(a), 0);

			if (n < 0 && errno == EAGAIN)
				break;
			if (n < 0)
				die_errno("recv (side channel)");
			if (n != sizeof(a) || a.magic != ACK_MAGIC ||
			    a.receiver >= opt.receivers)
				continue;
			r = a.receiver;
			if (a.burst == HELLO_BURST) {
				if (acked[r] == NOT_HEARD)
					acked[r] = HELLO;
			} else if ((int64_t)a.burst > acked[r]) {
				acked[r] = a.burst;
			}
		}
		for (r = 0; r < opt.receivers && acked[r] >= want; r++)
			;
		if (r == opt.receivers)
			return true;
		left = ((int64_t)deadline - (int64_t)now_ns()) / 1000000;
		if (left <= 0)
			return false;
		if (poll(&p, 1, left) < 0 && errno != EINTR)
			die_errno("poll");
	}
}

/*
 * -T: write S to the file NAME of the tracefs directory FD (tracing_on,
 * trace_marker).  A marker costs a write(); one burst has two.
 */
static void trace_write(int fd, const char *name, const char *s)
{
	int f = openat(fd, name, O_WRONLY | O_CLOEXEC);

	if (f < 0 || write(f, s, strlen(s)) != (ssize_t)strlen(s))
		die("%s/%s: %s", opt.tracefs, name, strerror(errno));
	close(f);
}

/* @len bytes of messages of @seg each, as datagrams of @seg: UDP GSO. */
static void send_segments(int fd, const void *buf, size_t len, uint16_t seg)
{
	char control[CMSG_SPACE(sizeof(seg))] = { 0 };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (len > seg) {	/* one alone is a plain datagram */
		m.msg_control = control;
		m.msg_controllen = sizeof(control);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = IPPROTO_UDP;
		c->cmsg_type = UDP_SEGMENT;
		c->cmsg_len = CMSG_LEN(sizeof(seg));
		memcpy(CMSG_DATA(c), &seg, sizeof(seg));
	}
	if (sendmsg(fd, &m, 0) != (ssize_t)len)
		die("sendmsg of %zu bytes in datagrams of %u: %s", len, seg,
		    strerror(errno));
}

static void send_one(int fd, const void *p, size_t len, int flags, uint64_t seq)
{
	if (send(fd, p, len, flags) != (ssize_t)len)
		die("send of message %llu: %s", (unsigned long long)seq, strerror(errno));
}

static int run_sender(void)
{
	uint64_t total = opt.warmup + opt.count, seq = 0, burst, stalls = 0;
	uint64_t t0 = 0;
	int64_t *acked;
	unsigned char *buf, *wire, *train = NULL;
	size_t tlen = 0;
	struct bench_hdr *h;
	struct ossl o;
	int *fds, nfd, afd, i = 0, tfd = -1, mfd = -1;
	char mark[96];
	bool tracing = false;

	buf = calloc(1, opt.size);
	wire = calloc(1, opt.size + OSSL_NONCE + OSSL_TAG);
	acked = malloc(opt.receivers * sizeof(*acked));
	if (opt.more && opt.mode == MODE_UDP)
		train = malloc(opt.size * opt.burst);
	if (!buf || !wire || !acked || (opt.more && opt.mode == MODE_UDP && !train))
		die("out of memory");
	for (uint32_t r = 0; r < opt.receivers; r++)
		acked[r] = NOT_HEARD;
	memset(buf, 0xa5, opt.size);
	h = (struct bench_hdr *)buf;
	h->magic = BENCH_MAGIC;
	h->total = total;
	if (opt.mode == MODE_OSSL)
		ossl_init(&o, true);

	afd = ack_socket(true);
	nfd = open_senders(&fds);
	if (opt.mode == MODE_TIPC)
		for (i = 0; i < nfd; i++)
			tipc_wait_members(fds[i]);
	if (!wait_acks(afd, acked, HELLO, now_ns() + 60 * 1000000000ull))
		die("not every receiver said hello within 60 s");
	fprintf(stderr, "mcg_bench: %u receivers ready, sending\n", opt.receivers);
	if (opt.tracefs) {
		tfd = open(opt.tracefs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (tfd < 0)
			die("%s: %s", opt.tracefs, strerror(errno));
		mfd = openat(tfd, "trace_marker", O_WRONLY | O_CLOEXEC);
		if (mfd < 0)
			die("%s/trace_marker: %s", opt.tracefs, strerror(errno));
	}

	for (burst = 0; seq < total; burst++) {
		uint64_t end = (burst + 1) * opt.burst < total ? (burst + 1) * opt.burst : total;
		bool marked = mfd >= 0 && seq >= opt.warmup;

		/*
		 * -T: "send N T" before a measured burst's sends (N messages,
		 * T the clock, which ties the tracer's clock to it), "sent T"
		 * after them: the sender's own instructions are those between,
		 * less what ran on its time (interrupts, bottom halves).
		 */
		if (marked && !tracing) {
			trace_write(tfd, "tracing_on", "1");
			tracing = true;
		}
		if (marked) {
			snprintf(mark, sizeof(mark), "mcg_bench send %llu %llu",
				 (unsigned long long)(end - seq), (unsigned long long)now_ns());
			if (write(mfd, mark, strlen(mark)) < 0)
				die_errno("trace_marker");
		}
		for (; seq < end; seq++) {
			const void *p = buf;
			size_t len = opt.size;
			int fd = fds[seq % nfd];

			h->seq = seq;
			h->ts_ns = now_ns();
			if (seq == opt.warmup)
				t0 = h->ts_ns;
			if (opt.mode == MODE_OSSL) {
				len = ossl_seal(&o, buf, opt.size, wire);
				p = wire;
			}
			if (opt.ucfile) {	/* the message to each receiver */
				for (int k = 0; k < nfd; k++)
					send_one(fds[k], p, len, 0, seq);
				continue;
			}
			if (train) {	/* the burst in one send, at its end */
				memcpy(train + tlen, p, len);
				tlen += len;
				if (seq + 1 == total || seq + 1 == (burst + 1) * opt.burst) {
					send_segments(fd, train, tlen, len);
					tlen = 0;
				}
				continue;
			}
			send_one(fd, p, len, opt.more && seq + 1 < end ? MSG_MORE : 0, seq);
		}
		if (marked) {
			snprintf(mark, sizeof(mark), "mcg_bench sent %llu",
				 (unsigned long long)now_ns());
			if (write(mfd, mark, strlen(mark)) < 0)
				die_errno("trace_marker");
		}
		if (!wait_acks(afd, acked, (int64_t)burst,
			       now_ns() + opt.timeout_ms * 1000000ull))
			stalls++;
	}
	if (tfd >= 0) {
		trace_write(tfd, "tracing_on", "0");
		close(mfd);
		close(tfd);
	}
	printf("bench role=send mode=%s size=%zu sockets=%d msgs=%llu ns=%llu stalls=%llu%s%s\n",
	       mode_names[opt.mode], opt.size, nfd, (unsigned long long)opt.count,
	       (unsigned long long)(now_ns() - t0), (unsigned long long)stalls,
	       *opt.label ? " " : "", opt.label);
	return stalls ? 3 : 0;
}

/* --- Receiver ------------------------------------------------------------ */

struct reader {
	uint64_t next_burst;	/* the first burst not complete yet */
	uint64_t got;		/* measured messages */
	bool done;		/* has the last message */
	bool ready;		/* tipc: knows the sender as a group member */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank, of sorted V. */
static uint64_t percentile(const uint64_t *v, uint64_t n, unsigned int pct)
{
	return n ? v[(n * pct + 99) / 100 - 1] : 0;
}

static int receiver_socket(uint32_t reader, uint32_t i)
{
	switch (opt.mode) {
	case MODE_MCG:
		return mcg_socket(opt.group + i);
	case MODE_TIPC:
		/*
		 * A member drops broadcasts from a sender it does not know
		 * yet: it asks for member events, to say hello only once it
		 * has heard the sender join.
		 */
		return tipc_member(opt.receiver_id * 100000 + reader + 1,
				   TIPC_GROUP_MEMBER_EVTS);
	default: {
		struct in6_addr a = group_addr(i);

		return udp_receiver(&a);
	}
	}
}

static struct {
	uint64_t *lat, nlat, maxlat;
	uint64_t first_ts, last_rx;
	uint64_t copies, bad, total;
	uint32_t done;
	bool started;
} rx;

/* One datagram that READER got at time T. */
static void receive_one(struct reader *me, const void *msg, ssize_t len, uint64_t t)
{
	const struct bench_hdr *h = msg;
	uint64_t b, end;

	/* Anything at all ends the greeting: a receiver that cannot open
	 * what comes must still end, with its bad count, after a silence. */
	rx.started = true;
	if (len < (ssize_t)sizeof(*h) || h->magic != BENCH_MAGIC || h->seq >= h->total) {
		rx.bad++;
		return;
	}
	rx.total = h->total;
	if (h->seq >= opt.warmup) {
		if (!rx.first_ts || h->ts_ns < rx.first_ts)
			rx.first_ts = h->ts_ns;
		rx.last_rx = t;
		me->got++;
		rx.copies++;
		if (rx.nlat < rx.maxlat)
			rx.lat[rx.nlat++] = t - h->ts_ns;
	}
	/* A message of a later burst completes the earlier ones: what they
	 * lost is not coming. */
	b = h->seq / opt.burst;
	end = (b + 1) * opt.burst;
	if (end > h->total)
		end = h->total;
	if (h->seq == end - 1)
		b++;
	if (b > me->next_burst)
		me->next_burst = b;
	if (h->seq == h->total - 1 && !me->done) {
		me->done = true;
		rx.done++;
	}
}

static int run_receiver(void)
{
	uint32_t nsock, r, s, per_reader, nready = 0;
	struct sockaddr_tipc from[2];
	unsigned char *buf, *pt;
	struct epoll_event *evs;
	bool acked_any = false;
	uint64_t acked = 0, msgs;
	struct reader *rd;
	struct ossl o;
	int ep, afd;

	/* -G: one reader of many groups; else one socket per reader. */
	per_reader = opt.mode == MODE_MCG || opt.mode == MODE_UDP ? opt.ngroups : 1;
	nsock = opt.readers * per_reader;
	if (nsock > MAX_SOCKETS)
		die("%u sockets is too many (at most %d)", nsock, MAX_SOCKETS);
	raise_nofile(nsock);
	rx.maxlat = opt.count * opt.readers;
	rx.lat = malloc(rx.maxlat * sizeof(*rx.lat));
	rd = calloc(opt.readers, sizeof(*rd));
	buf = malloc(MAX_SIZE);
	pt = malloc(MAX_SIZE);
	evs = calloc(64, sizeof(*evs));
	if (!rx.lat || !rd || !buf || !pt || !evs)
		die("out of memory");
	if (opt.mode == MODE_OSSL)
		ossl_init(&o, false);
	ep = epoll_create1(0);
	if (ep < 0)
		die_errno("epoll_create1");
	for (r = 0; r < opt.readers; r++) {
		rd[r].ready = opt.mode != MODE_TIPC;
		nready += rd[r].ready;
		for (s = 0; s < per_reader; s++) {
			struct epoll_event ev = {
				.events = EPOLLIN,
			};
			int fd = receiver_socket(r, s);

			ev.data.u64 = (uint64_t)r << 32 | (uint32_t)fd;
			if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
				die_errno("epoll_ctl");
		}
	}
	afd = ack_socket(false);
	fprintf(stderr, "ready\n");

	while (rx.done < opt.readers) {
		/* Until the first message, greet the sender now and then;
		 * after it, a silence of two timeouts ends the run. */
		int n = epoll_wait(ep, evs, 64, rx.started ? 2 * opt.timeout_ms : 100);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die_errno("epoll_wait");
		}
		if (!n) {
			if (rx.started)
				break;
			if (nready == opt.readers)
				ack_send(afd, HELLO_BURST);
			continue;
		}
		for (int e = 0; e < n; e++) {
			int fd = (int)(uint32_t)evs[e].data.u64;
			struct reader *me = &rd[evs[e].data.u64 >> 32];

			for (;;) {
				struct iovec iov = { buf, MAX_SIZE };
				struct msghdr m = {
					.msg_iov = &iov, .msg_iovlen = 1,
				};
				ssize_t len;

				/* Only TIPC's member events need the source. */
				if (opt.mode == MODE_TIPC) {
					m.msg_name = from;
					m.msg_namelen = sizeof(from);
				}
				len = recvmsg(fd, &m, MSG_DONTWAIT);
				if (len < 0) {
					if (errno == EAGAIN)
						break;
					die_errno("recvmsg");
				}
				if (opt.mode == MODE_TIPC && (m.msg_flags & MSG_OOB)) {
					if (!(m.msg_flags & MSG_EOR) && !me->ready &&
					    m.msg_namelen >= sizeof(from) &&
					    from[1].addr.name.name.instance >= 1u << 30) {
						me->ready = true;
						nready++;
					}
					continue;
				}
				if (opt.mode == MODE_OSSL) {
					len = ossl_open(&o, buf, len, pt);
					receive_one(me, pt, len, now_ns());
				} else {
					receive_one(me, buf, len, now_ns());
				}
			}
		}
		/* Acknowledge what every reader has. */
		if (rx.started) {
			uint64_t low = UINT64_MAX;

			for (r = 0; r < opt.readers; r++)
				if (rd[r].next_burst < low)
					low = rd[r].next_burst;
			if (low && (!acked_any || low - 1 > acked)) {
				acked = low - 1;
				acked_any = true;
				ack_send(afd, acked);
			}
		}
	}

	msgs = UINT64_MAX;
	for (r = 0; r < opt.readers; r++)
		if (rd[r].got < msgs)
			msgs = rd[r].got;
	qsort(rx.lat, rx.nlat, sizeof(*rx.lat), cmp_u64);
	{
		uint64_t ns = rx.last_rx > rx.first_ts ? rx.last_rx - rx.first_ts : 0;
		double sec = ns / 1e9;

		printf("bench role=recv mode=%s size=%zu readers=%u msgs=%llu copies=%llu "
		       "bytes=%llu ns=%llu msgs_per_s=%.0f bytes_per_s=%.0f "
		       "lat_p50_ns=%llu lat_p99_ns=%llu lost=%llu bad=%llu%s%s\n",
		       mode_names[opt.mode], opt.size, opt.readers,
		       (unsigned long long)msgs, (unsigned long long)rx.copies,
		       (unsigned long long)(msgs * opt.size), (unsigned long long)ns,
		       sec > 0 ? msgs / sec : 0, sec > 0 ? msgs * opt.size / sec : 0,
		       (unsigned long long)percentile(rx.lat, rx.nlat, 50),
		       (unsigned long long)percentile(rx.lat, rx.nlat, 99),
		       (unsigned long long)(rx.copies < opt.count * opt.readers ?
					    opt.count * opt.readers - rx.copies : 0),
		       (unsigned long long)rx.bad, *opt.label ? " " : "", opt.label);
	}
	return rx.copies == opt.count * opt.readers && !rx.bad ? 0 : 3;
}

/* --- Options ------------------------------------------------------------- */

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"Usage: mcg_bench udp|mcg|ossl|tipc send|recv [OPTIONS]\n"
		"  -s SIZE      message size in bytes (default 64, at least %zu)\n"
		"  -n COUNT     messages measured (default 10000)\n"
		"  -w WARMUP    messages sent first, not measured (default 256)\n"
		"  -b BURST     messages per acknowledged burst (default 16)\n"
		"  -a MADDR     udp, ossl: the group's IPv6 address (default ff05::4242)\n"
		"  -p PORT      udp, ossl: the group's port (default 6471)\n"
		"  -i IFACE     udp, ossl: the interface of the group\n"
		"  -g ID        mcg: group id (default 1); tipc: group type (default 4242)\n"
		"  -G COUNT     mcg: use groups ID to ID+COUNT-1, round-robin; udp:\n"
		"               -a's address and ff05::1:2 to ff05::1:COUNT\n"
		"  -A ALG       ossl: aes-gcm-128 (default), aes-gcm-256, chacha20-poly1305\n"
		"  -k KEYFILE   ossl: raw key bytes (default: a fixed benchmark key)\n"
		"  -c ADDR      side channel: send: address to listen on (default ::);\n"
		"               recv: the sender's unicast address (required)\n"
		"  -P PORT      side channel port (default 6472)\n"
		"  -r COUNT     send: receivers that acknowledge (default 1)\n"
		"  -R ID        recv: this receiver's number, 0 to COUNT-1 (default 0)\n"
		"  -N COUNT     recv: sockets that each read every message (default 1)\n"
		"  -m COUNT     tipc send: group members to wait for (default -r)\n"
		"  -x NSFILE    send: one socket in each network namespace listed\n"
		"  -u ADDRFILE  udp send: a socket connected to each unicast address\n"
		"               listed, every message sent on each (one send() per\n"
		"               receiver); receivers then bind to -a ::\n"
		"  -T TRACEFS   send: tracing on for the measured messages only, each\n"
		"               burst's sends marked in TRACEFS/trace_marker\n"
		"  -M           mcg send: all but a burst's last message with MSG_MORE,\n"
		"               so that the kernel bundles them; udp send: each burst\n"
		"               in one sendmsg() with UDP_SEGMENT, datagrams of SIZE\n"
		"               (UDP GSO; one socket only)\n"
		"  -t MS        acknowledgement timeout (default 2000)\n"
		"  -l LABEL     words added to the output line\n",
		sizeof(struct bench_hdr));
	exit(status);
}

static uint64_t number(const char *s, uint64_t min, uint64_t max, char o)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || !*s || v < min || v > max)
		die("-%c: '%s' is not a number from %llu to %llu", o, s,
		    (unsigned long long)min, (unsigned long long)max);
	return v;
}

static void parse_addr(const char *s, struct in6_addr *a, char o)
{
	if (inet_pton(AF_INET6, s, a) != 1)
		die("-%c: '%s' is not an IPv6 address", o, s);
}

int main(int argc, char **argv)
{
	int c, m;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		usage(0);
	if (argc < 3)
		usage(2);
	for (m = 0; m < 4 && strcmp(argv[1], mode_names[m]); m++)
		;
	if (m == 4)
		die("unknown mode '%s'", argv[1]);
	opt.mode = m;
	if (!strcmp(argv[2], "send"))
		opt.sender = true;
	else if (strcmp(argv[2], "recv"))
		die("unknown role '%s'", argv[2]);
	parse_addr("ff05::4242", &opt.maddr, 'a');
	opt.ack_addr = in6addr_any;
	optind = 3;
	while ((c = getopt(argc, argv, "s:n:w:b:a:p:i:g:G:A:k:c:P:r:R:N:m:x:u:T:t:l:Mh")) != -1) {
		switch (c) {
		case 's': opt.size = number(optarg, sizeof(struct bench_hdr), MAX_SIZE, c); break;
		case 'n': opt.count = number(optarg, 1, 100000000, c); break;
		case 'w': opt.warmup = number(optarg, 0, 100000000, c); break;
		case 'b': opt.burst = number(optarg, 1, 1024, c); break;
		case 'a': parse_addr(optarg, &opt.maddr, c); break;
		case 'p': opt.port = number(optarg, 1, 65535, c); break;
		case 'i': opt.ifname = optarg; break;
		case 'g': opt.group = number(optarg, 1, UINT32_MAX, c); break;
		case 'G': opt.ngroups = number(optarg, 1, MAX_SOCKETS, c); break;
		case 'A': opt.alg = optarg; break;
		case 'k': opt.keyfile = optarg; break;
		case 'c': parse_addr(optarg, &opt.ack_addr, c); break;
		case 'P': opt.ack_port = number(optarg, 1, 65535, c); break;
		case 'r': opt.receivers = number(optarg, 1, MAX_RECEIVERS, c); break;
		case 'R': opt.receiver_id = number(optarg, 0, MAX_RECEIVERS - 1, c); break;
		case 'N': opt.readers = number(optarg, 1, MAX_SOCKETS, c); break;
		case 'm': opt.members = number(optarg, 1, MAX_SOCKETS, c); break;
		case 'x': opt.nsfile = optarg; break;
		case 'u': opt.ucfile = optarg; break;
		case 'T': opt.tracefs = optarg; break;
		case 't': opt.timeout_ms = number(optarg, 1, 3600000, c); break;
		case 'l': opt.label = optarg; break;
		case 'M': opt.more = true; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	if (opt.ngroups > 1 && opt.mode != MODE_MCG && opt.mode != MODE_UDP)
		die("-G is for mcg and udp");
	if (opt.ngroups > 1 && opt.nsfile)
		die("-G and -x do not go together");
	if (opt.nsfile && opt.mode == MODE_TIPC)
		die("-x is not for tipc");
	if (opt.ucfile && (opt.mode != MODE_UDP || opt.ngroups > 1 || opt.nsfile || opt.more))
		die("-u is for udp, without -G, -x or -M");
	/*
	 * UDP's MSG_MORE would cork a burst into one message, which is not
	 * the same traffic: its -M is UDP_SEGMENT, one datagram a message.
	 */
	if (opt.more && ((opt.mode != MODE_MCG && opt.mode != MODE_UDP) ||
			 opt.ngroups > 1 || opt.nsfile))
		die("-M is for mcg and udp, with one socket");
	if (!opt.members)
		opt.members = opt.receivers;
	if (!opt.group)
		opt.group = opt.mode == MODE_TIPC ? 4242 : 1;
	if (!opt.sender && IN6_IS_ADDR_UNSPECIFIED(&opt.ack_addr))
		die("a receiver needs -c with the sender's address");
	/* Output goes to a file or pipe: one line, whole. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return opt.sender ? run_sender() : run_receiver();
}
