// SPDX-License-Identifier: GPL-2.0
/*
 * mcg_stress: one host's traffic for stress.sh.
 *
 *   mcg_stress -l LABEL [-r RATE] [-s SOCKETS] [-d SECONDS] [-x SEED]
 *              [-c MS] [-S GROUP]... [-R GROUP]...
 *   mcg_stress -U [-w SECONDS]
 *   mcg_stress -N < COMMANDS
 *
 * The first form sends numbered messages to every -S group, RATE a second
 * to each (default 20), and reads every -R group on SOCKETS sockets
 * (default 2), until SIGTERM or SECONDS (default 600) have passed.  A
 * message is "gGROUP LABEL SEQ" and, for most sequence numbers, a space
 * and padding that both ends compute from GROUP and SEQ, so the receiver
 * checks every byte.  When its group is deleted a socket is read to its
 * end and bound again, a new incarnation, as soon as a group with the id
 * exists; a sender too.  With -c, every MS milliseconds on average one
 * socket, chosen at random, is closed with whatever it has queued and
 * bound again at once: sockets come and go under traffic.  It prints, one
 * event a line:
 *
 *   B GROUP SLOT INC              socket SLOT of GROUP (-1: the sender's)
 *                                 bound for the INC-th time (from 1)
 *   R GROUP SLOT INC SENDER LEN TGROUP THOST TSEQ OK|BAD
 *                                 a message: the socket, the sender id
 *                                 recvfrom() gave, its length, the group,
 *                                 label and sequence number its text
 *                                 names, whether all its bytes are right
 *   E GROUP SLOT INC ERRNO        a receive failed (ENODEV: group deleted)
 *   D GROUP SLOT INC              end of file: the socket is closed
 *   C GROUP SLOT INC              closed by -c
 *   F GROUP SEQ ERRNO             sending SEQ failed; SEQ is not reused
 *   W GROUP SLOT ERRNO            bind failed other than EADDRNOTAVAIL
 *   L GROUP LAST FAILED           at exit, per -S group: the last SEQ
 *                                 tried and how many of them failed
 *   X term|timeout USER SYS AT    at exit, with the CPU seconds it used
 *                                 and the time (CLOCK_REALTIME, in ms)
 *
 * The second form unloads mcg with delete_module(2) itself (rmmod(8)
 * refuses in userspace when the module is in use, so the kernel's own
 * answer is never seen): "unloaded ATTEMPTS MS AT" (MS since it started,
 * AT as for X) and exit 0, or "refused ERRNO" and exit 1.  -w retries for up to SECONDS while the
 * module is busy: the unload then races with the last sockets' release.
 *
 * The third form configures mcg in its namespace over generic netlink, one
 * command a line, back to back in one process (mcgctl takes a process and
 * a family look-up per command, which costs a TCG guest a good part of a
 * second, and leaves time between a group's deletion and its return):
 *
 *   add NAME ID ADDR PORT IFNAME SENDER   GROUP_NEW
 *   del NAME                              GROUP_DEL; "del? NAME": if any
 *   key NAME EPOCH KEYFILE ALG [rxonly]   KEY_NEW; ALG as mcgctl names it,
 *                                         the key in base64 as 'mcgctl
 *                                         genkey ALG' makes it
 *
 * It stops at the first failure with "COMMAND: ERRNO: extack message" and
 * exit status 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mcg_nlreq.h"
#include "mcg_test.h"

#define MAX_GROUPS 16
#define MAX_SLOTS 16
#define MAX_FDS (MAX_GROUPS * MAX_SLOTS)
#define RETRY_MS 50		/* bind again this often while no group */
#define FLUSH_MS 200		/* the log reaches the file this often */
#define BURST 64		/* reads from one socket before the next */
#define MAX_PAD 160

struct slot {
	int fd;			/* -1 while unbound */
	unsigned int inc;	/* times bound */
	unsigned long long next_try;
};

struct sender {
	unsigned int group;
	struct slot s;
	unsigned long long seq, failed, next_send;
};

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static unsigned long long realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

/*
 * The padding of message SEQ of GROUP: its length varies with both (so
 * sizes vary from 0 to MAX_PAD - 1 bytes) and so do its bytes.
 */
static size_t pad(unsigned int group, unsigned long long seq, char *out)
{
	size_t n = (seq * 37 + group * 11) % MAX_PAD, i;

	for (i = 0; i < n; i++)
		out[i] = 'a' + (seq + i + group) % 26;
	return n;
}

static int open_bound(unsigned int group, int flags)
{
	struct sockaddr_mcg sa = {
		.smcg_family = mcg_test_family(),
		.smcg_group = group,
	};
	int fd, e, big = 1 << 20;

	fd = socket(sa.smcg_family, SOCK_DGRAM | flags, 0);
	if (fd < 0)
		return -1;
	/*
	 * Room for a second of traffic: drops here would hide nothing, but
	 * they would blur the counts the test reports.
	 */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Bind @s to @group again if it is due; print B when it worked. */
static void rebind(struct slot *s, unsigned int group, int slot, int flags,
		   unsigned long long t)
{
	if (s->fd >= 0 || t < s->next_try)
		return;
	s->fd = open_bound(group, flags);
	if (s->fd < 0) {
		if (errno != EADDRNOTAVAIL)
			printf("W %u %d %s\n", group, slot, ename(errno));
		s->next_try = t + RETRY_MS;
		return;
	}
	s->inc++;
	printf("B %u %d %u\n", group, slot, s->inc);
}

static void drop_slot(struct slot *s, unsigned long long t)
{
	close(s->fd);
	s->fd = -1;
	s->next_try = t;
}

static void send_one(struct sender *snd, const char *label,
		     unsigned long long t)
{
	char buf[64 + MAX_PAD];
	size_t len, n;

	snd->seq++;
	len = snprintf(buf, 64, "g%u %s %llu", snd->group, label, snd->seq);
	n = pad(snd->group, snd->seq, buf + len + 1);
	if (n) {
		buf[len] = ' ';
		len += 1 + n;
	}
	if (send(snd->s.fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len)
		return;
	snd->failed++;
	printf("F %u %llu %s\n", snd->group, snd->seq, ename(errno));
	/*
	 * The group went: ENODEV, or EPIPE from a send that was waiting for
	 * buffer space.  ENOKEY alone may be a group that has no key yet.
	 */
	if (errno == ENODEV || errno == EPIPE)
		drop_slot(&snd->s, t);
}

/* One message from @s: 1 read, 0 nothing more for now, -1 socket closed. */
static int recv_one(struct slot *s, unsigned int group, int slot,
		    unsigned long long t)
{
	char buf[2048], want[MAX_PAD], host[32];
	struct sockaddr_mcg from = {};
	socklen_t fl = sizeof(from);
	unsigned long long seq;
	unsigned int tg;
	int off = 0, ok;
	ssize_t len;
	size_t n;

	len = recvfrom(s->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT,
		       (struct sockaddr *)&from, &fl);
	if (len < 0) {
		if (errno == EAGAIN)
			return 0;
		/* ENODEV once; what was queued before follows, then EOF. */
		printf("E %u %d %u %s\n", group, slot, s->inc, ename(errno));
		if (errno == ENODEV)
			return 1;
		drop_slot(s, t);
		return -1;
	}
	if (!len) {
		printf("D %u %d %u\n", group, slot, s->inc);
		drop_slot(s, t);
		return -1;
	}
	buf[len] = 0;
	if (sscanf(buf, "g%u %31s %llu%n", &tg, host, &seq, &off) != 3) {
		printf("R %u %d %u %u %zd ? ? ? BAD\n", group, slot, s->inc,
		       from.smcg_sender, len);
		return 1;
	}
	n = pad(tg, seq, want);
	ok = n ? len == off + 1 + (ssize_t)n && buf[off] == ' ' &&
		 !memcmp(buf + off + 1, want, n)
	       : len == off;
	printf("R %u %d %u %u %zd %u %s %llu %s\n", group, slot, s->inc,
	       from.smcg_sender, len, tg, host, seq, ok ? "OK" : "BAD");
	return 1;
}

static int unload(int wait_s)
{
	unsigned long long t0 = now_ms(), attempts = 0;

	for (;;) {
		attempts++;
		if (!syscall(SYS_delete_module, "mcg", O_NONBLOCK)) {
			printf("unloaded %llu %llu %llu\n", attempts,
			       now_ms() - t0, realtime_ms());
			return 0;
		}
		if (errno != EWOULDBLOCK || now_ms() - t0 >= wait_s * 1000ULL)
			break;
		usleep(1000);
	}
	printf("refused %s\n", ename(errno));
	return 1;
}

/* -N: generic netlink, the bare minimum. */

/*
 * Send @r, wait for its ack: 0 or the negative errno, with the extack
 * message in @msg.  A reply before the ack (the family look-up's) is kept
 * in @reply.
 */
static int transact(int fd, struct nlreq *r, char *msg, size_t msglen,
		    char *reply, size_t replylen)
{
	static char buf[1 << 16];
	struct nlmsghdr *h;
	ssize_t n;

	*msg = 0;
	if (send(fd, r, r->nlh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			struct nlmsgerr *e = NLMSG_DATA(h);
			struct nlattr *a;
			int rem;

			if (h->nlmsg_type != NLMSG_ERROR) {
				if (reply)
					memcpy(reply, h, h->nlmsg_len < replylen ?
					       h->nlmsg_len : replylen);
				continue;
			}
			if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
				return e->error;
			/* The request is not echoed back (NETLINK_CAP_ACK). */
			a = (struct nlattr *)((char *)e + sizeof(*e));
			rem = h->nlmsg_len - NLMSG_LENGTH(sizeof(*e));
			for (; rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
			       a->nla_len <= rem;
			     rem -= NLA_ALIGN(a->nla_len),
			     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
				if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG)
					snprintf(msg, msglen, "%s", (char *)a + NLA_HDRLEN);
			return e->error;
		}
	}
}

/* The id of family "mcg", or -1. */
static int resolve(int fd)
{
	static char reply[4096];
	struct nlmsghdr *h = (struct nlmsghdr *)reply;
	struct nlattr *a;
	struct nlreq r;
	char msg[256];
	int rem;

	nlreq_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	nlreq_put_str(&r, CTRL_ATTR_FAMILY_NAME, MCG_GENL_NAME);
	if (transact(fd, &r, msg, sizeof(msg), reply, sizeof(reply)) ||
	    h->nlmsg_type != GENL_ID_CTRL)
		return -1;
	rem = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
	     rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len),
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
			return *(unsigned short *)((char *)a + NLA_HDRLEN);
	return -1;
}

/* @len bytes of key from a file in base64 ('mcgctl genkey'); 0 or -1. */
static int read_key(const char *path, unsigned char *key, unsigned int len)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned int acc = 0, bits = 0, n = 0;
	char text[128], *c, *p;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(text, sizeof(text), f))
		text[0] = 0;
	fclose(f);
	for (c = text; *c && *c != '=' && *c != '\n'; c++) {
		p = strchr(b64, *c);
		if (!p || !*c)
			return -1;
		acc = acc << 6 | (p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == len)
				return -1;
			key[n++] = acc >> bits;
		}
	}
	return n == len ? 0 : -1;
}

static int configure(void)
{
	char line[512], cmd[16], name[32], addr[64], ifname[32], path[256];
	char alg[32], opt[16], msg[256];
	unsigned int id, port, sender, epoch, key_alg, key_len;
	unsigned char key[32];
	int fd, fam, ret, one = 1, n;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct in6_addr in6;
	struct nlattr *nest;
	struct nlreq r;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("netlink: %s\n", ename(errno));
		return 1;
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	fam = resolve(fd);
	if (fam < 0) {
		printf("no generic netlink family \"%s\"\n", MCG_GENL_NAME);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = 0;
		opt[0] = 0;
		n = sscanf(line, "%15s", cmd);
		if (n != 1)
			continue;
		if (!strcmp(cmd, "add") &&
		    sscanf(line, "%*s %31s %u %63s %u %31s %u", name, &id, addr,
			   &port, ifname, &sender) == 6 &&
		    inet_pton(AF_INET6, addr, &in6) == 1) {
			unsigned short p16 = port;

			nlreq_init(&r, fam, MCG_CMD_GROUP_NEW, 0);
			nlreq_put_str(&r, MCG_A_GROUP_NAME, name);
			nlreq_put_u32(&r, MCG_A_GROUP_ID, id);
			nlreq_put(&r, MCG_A_GROUP_ADDR, &in6, sizeof(in6));
			nlreq_put(&r, MCG_A_GROUP_PORT, &p16, sizeof(p16));
			nlreq_put_u32(&r, MCG_A_GROUP_IFINDEX, if_nametoindex(ifname));
			nlreq_put_u32(&r, MCG_A_GROUP_SENDER, sender);
		} else if ((!strcmp(cmd, "del") || !strcmp(cmd, "del?")) &&
			   sscanf(line, "%*s %31s", name) == 1) {
			nlreq_init(&r, fam, MCG_CMD_GROUP_DEL, 0);
			nlreq_put_str(&r, MCG_A_GROUP_NAME, name);
		} else if (!strcmp(cmd, "key") &&
			   sscanf(line, "%*s %31s %u %255s %31s %15s", name, &epoch,
				  path, alg, opt) >= 4) {
			key_alg = mcg_test_alg(alg, &key_len);
			if (!key_alg || read_key(path, key, key_len)) {
				printf("%s: bad algorithm or key file\n", line);
				return 2;
			}
			nlreq_init(&r, fam, MCG_CMD_KEY_NEW, 0);
			nlreq_put_str(&r, MCG_A_GROUP_NAME, name);
			nest = nlreq_nest_start(&r, MCG_A_KEY);
			nlreq_put_u32(&r, MCG_A_KEY_EPOCH, epoch);
			nlreq_put_u32(&r, MCG_A_KEY_ALG, key_alg);
			nlreq_put(&r, MCG_A_KEY_MATERIAL, key, key_len);
			if (!strcmp(opt, "rxonly"))
				nlreq_put(&r, MCG_A_KEY_RX_ONLY, NULL, 0);
			nlreq_nest_end(&r, nest);
			memset(key, 0, sizeof(key));
		} else {
			printf("%s: cannot parse\n", line);
			return 2;
		}
		ret = transact(fd, &r, msg, sizeof(msg), NULL, 0);
		memset(&r, 0, sizeof(r));	/* the key, if any */
		if (ret == -ENOENT && !strcmp(cmd, "del?"))
			continue;
		if (ret) {
			printf("%s: %s: %s\n", line, ename(-ret), msg);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int rgroups[MAX_GROUPS], nr = 0, ns = 0, seed = 1, g, i;
	int opt, rate = 20, nslots = 2, secs = 600, wait_s = 0, do_unload = 0;
	unsigned long long next_close = 0;
	struct rusage ru;
	int churn_ms = 0;
	static struct slot slots[MAX_GROUPS][MAX_SLOTS];
	struct sender snd[MAX_GROUPS] = {};
	struct pollfd pfd[MAX_FDS];
	struct slot *who[MAX_FDS];
	unsigned int whog[MAX_FDS];
	int whos[MAX_FDS];
	unsigned long long t, end, next_flush, interval;
	static char obuf[1 << 20];
	const char *label = NULL;
	struct sigaction sa = { .sa_handler = on_term };

	while ((opt = getopt(argc, argv, "l:r:s:d:x:c:S:R:Uw:N")) != -1) {
		switch (opt) {
		case 'l': label = optarg; break;
		case 'r': rate = atoi(optarg); break;
		case 's': nslots = atoi(optarg); break;
		case 'd': secs = atoi(optarg); break;
		case 'x': seed = strtoul(optarg, NULL, 0); break;
		case 'c': churn_ms = atoi(optarg); break;
		case 'S':
		case 'R':
			g = strtoul(optarg, NULL, 0);
			if (!g || ns >= MAX_GROUPS || nr >= MAX_GROUPS)
				goto usage;
			if (opt == 'S')
				snd[ns++].group = g;
			else
				rgroups[nr++] = g;
			break;
		case 'U': do_unload = 1; break;
		case 'N': return configure();
		case 'w': wait_s = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (do_unload)
		return unload(wait_s);
	if (!label || strchr(label, ' ') || strlen(label) > 31 || rate < 1 ||
	    rate > 1000 || nslots < 1 || nslots > MAX_SLOTS || churn_ms < 0 ||
	    optind != argc)
		goto usage;

	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	srandom(seed);
	t = now_ms();
	end = t + secs * 1000ULL;
	next_flush = t + FLUSH_MS;
	interval = 1000 / rate;
	if (churn_ms)
		next_close = t + churn_ms / 2 + random() % (churn_ms + 1);
	for (g = 0; g < nr; g++)
		for (i = 0; i < nslots; i++)
			slots[g][i].fd = -1;
	for (g = 0; g < ns; g++) {
		snd[g].s.fd = -1;
		/* Senders start spread over one interval, not in step. */
		snd[g].next_send = t + random() % (interval + 1);
	}

	while (!stop && (t = now_ms()) < end) {
		unsigned long long wake = t + RETRY_MS;
		int nfd = 0, n, k, r;

		for (g = 0; g < ns; g++) {
			rebind(&snd[g].s, snd[g].group, -1, 0, t);
			if (snd[g].s.fd >= 0 && t >= snd[g].next_send) {
				send_one(&snd[g], label, t);
				/* 75% to 125% of the interval, not lockstep. */
				snd[g].next_send = t + interval * 3 / 4 +
						   random() % (interval / 2 + 1);
			}
			if (snd[g].s.fd >= 0 && snd[g].next_send < wake)
				wake = snd[g].next_send;
		}
		for (g = 0; g < nr; g++) {
			for (i = 0; i < nslots; i++) {
				struct slot *s = &slots[g][i];

				rebind(s, rgroups[g], i, SOCK_NONBLOCK, t);
				if (s->fd < 0)
					continue;
				pfd[nfd].fd = s->fd;
				pfd[nfd].events = POLLIN;
				who[nfd] = s;
				whog[nfd] = rgroups[g];
				whos[nfd] = i;
				nfd++;
			}
		}
		if (churn_ms && t >= next_close && nr + ns) {
			struct slot *s;
			int slot;

			/* One of the receivers' sockets or a sender's. */
			g = random() % (nr * nslots + ns);
			if (g < nr * nslots) {
				s = &slots[g / nslots][g % nslots];
				slot = g % nslots;
				g = rgroups[g / nslots];
			} else {
				s = &snd[g - nr * nslots].s;
				slot = -1;
				g = snd[g - nr * nslots].group;
			}
			if (s->fd >= 0) {
				printf("C %u %d %u\n", g, slot, s->inc);
				drop_slot(s, t);
			}
			next_close = t + churn_ms / 2 + random() % (churn_ms + 1);
			continue;
		}
		if (t >= next_flush) {
			fflush(stdout);
			next_flush = t + FLUSH_MS;
		}
		n = poll(pfd, nfd, wake > t ? wake - t : 0);
		if (n < 0 && errno != EINTR)
			return 1;
		t = now_ms();
		for (k = 0; n > 0 && k < nfd; k++) {
			if (!pfd[k].revents)
				continue;
			for (i = 0; i < BURST; i++) {
				r = recv_one(who[k], whog[k], whos[k], t);
				if (r <= 0)
					break;
			}
		}
	}
	for (g = 0; g < ns; g++)
		printf("L %u %llu %llu\n", snd[g].group, snd[g].seq, snd[g].failed);
	getrusage(RUSAGE_SELF, &ru);
	printf("X %s %ld.%02ld %ld.%02ld %llu\n", stop ? "term" : "timeout",
	       ru.ru_utime.tv_sec, ru.ru_utime.tv_usec / 10000,
	       ru.ru_stime.tv_sec, ru.ru_stime.tv_usec / 10000, realtime_ms());
	fflush(stdout);
	return 0;
usage:
	fprintf(stderr, "usage: mcg_stress -l LABEL [-r RATE] [-s SOCKETS] [-d SECONDS] [-x SEED] [-c MS] [-S GROUP]... [-R GROUP]...\n"
			"       mcg_stress -U [-w SECONDS]\n"
			"       mcg_stress -N < COMMANDS\n");
	return 2;
}
