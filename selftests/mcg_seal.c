// SPDX-License-Identifier: GPL-2.0
/*
 * mcg_seal: many genuine senders of one group from one process, for tests
 * that need more senders than a VM holds hosts.  Each datagram is sealed as
 * a member's kernel seals it: the sender's key for its run derived with
 * kmod/kdf.c itself, the header built with kmod/wire.c, OpenSSL's AEAD.
 *
 *   mcg_seal -i IFACE -a ADDR -g GROUP -k EPOCH:ALG:KEYFILE -N RX_NETNS
 *            [-p PORT] [-s FIRST] [-n SENDERS] [-c MOST]
 *
 * Senders FIRST to FIRST + SENDERS - 1 (defaults 1000 and 1) each start a
 * run and send DATA datagrams numbered from 1 to ADDR and PORT out of
 * IFACE: sender FIRST + i sends i % MOST + 1 of them (MOST defaults to 3,
 * and is at most 8), so that counts differ from one sender to the next.
 * Every sender's first datagram goes out before any sender's second.
 * KEYFILE holds the key 'mcgctl genkey' made, ALG its algorithm.
 *
 * An AF_MCG socket bound to GROUP in the receiver's namespace RX_NETNS
 * reads every message back.  Sending waits for it every BATCH datagrams:
 * a new sender's first datagram waits in the group's bounded backlog while
 * the receiver derives its key, and must not find it full.  Each message
 * must come once, from the sender that sealed it, with its bytes.
 *
 * Prints "sent N datagrams from S senders, delivered N" and exits 0; exits
 * 1 when a message is still missing after TIMEOUT_S seconds, or one comes
 * that was not sent or came before.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mcg_test.h"
#include "mcg_sealer.h"

#define BATCH		128	/* well below the group's 1024-datagram backlog */
#define TIMEOUT_S	120

static struct {
	uint32_t group, first, senders, most;
	struct sealer_epoch ep;
} cf = { .first = 1000, .senders = 1, .most = 3 };

static unsigned int count_of(uint32_t i)
{
	return i % cf.most + 1;
}

static int plaintext(char *p, size_t size, uint32_t sender, uint64_t seq)
{
	return snprintf(p, size, "mcg_seal sender %u seq %llu", sender,
			(unsigned long long)seq);
}

/* Datagram @seq of @sender in its run @run, sealed into @d; its length. */
static size_t seal(EVP_CIPHER_CTX *ctx, uint8_t *d, size_t size,
		   uint32_t sender, uint64_t run, uint64_t seq)
{
	struct mcg_wire_info info = {
		.type = MCG_WIRE_DATA, .group = cf.group, .sender = sender,
		.epoch = cf.ep.epoch, .run = run, .seq = seq,
	};
	uint8_t key[32];
	size_t len;
	int text;

	text = plaintext((char *)d + HDR_LEN, size - HDR_LEN - TAG_LEN, sender, seq);
	sealer_key(&cf.ep, cf.group, sender, run, key);
	len = sealer_seal(ctx, cf.ep.alg, key, &info, d, text);
	explicit_bzero(key, sizeof(key));
	return len;
}

static uint8_t *got;		/* per sender: which of its messages came */
static uint64_t delivered;

/* Read what the socket holds, each message checked against what was sent. */
static void drain(int fd)
{
	char buf[256], want[64];
	unsigned long long seq;
	struct sockaddr_mcg from;
	socklen_t fl;
	unsigned int s;
	ssize_t n;

	for (;;) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			die("recvfrom: %s", strerror(errno));
		buf[n] = 0;
		if (sscanf(buf, "mcg_seal sender %u seq %llu", &s, &seq) != 2 ||
		    s != from.smcg_sender || s - cf.first >= cf.senders)
			die("a message from sender %u that no sender sent: '%s'",
			    from.smcg_sender, buf);
		plaintext(want, sizeof(want), s, seq);
		if (strcmp(buf, want) || !seq || seq > count_of(s - cf.first) ||
		    got[s - cf.first] & 1u << (seq - 1))
			die("sender %u: message '%s' not sent, or twice", s, buf);
		got[s - cf.first] |= 1u << (seq - 1);
		delivered++;
	}
}

/* Until every message sent so far came back. */
static void wait_all(int fd, uint64_t sent)
{
	double end = mcg_test_now() + TIMEOUT_S;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (drain(fd); delivered < sent; drain(fd)) {
		if (mcg_test_now() > end)
			die("%llu of %llu messages delivered after %d s",
			    (unsigned long long)delivered,
			    (unsigned long long)sent, TIMEOUT_S);
		poll(&p, 1, 100);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in6 to = {
		.sin6_family = AF_INET6, .sin6_port = htons(MCG_DEFAULT_PORT),
	};
	const char *ifname = NULL, *addr = NULL, *netns = NULL;
	uint64_t run0, sent = 0;
	EVP_CIPHER_CTX *ctx;
	struct timespec ts;
	uint8_t d[256];
	int opt, fd, rx, hops = 1;
	uint32_t i, r;
	size_t len;

	while ((opt = getopt(argc, argv, "i:a:p:g:k:N:s:n:c:")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'a': addr = optarg; break;
		case 'p': to.sin6_port = htons(atoi(optarg)); break;
		case 'g': cf.group = strtoul(optarg, NULL, 0); break;
		case 'k':
			if (!sealer_parse_epoch(optarg, &cf.ep))
				die("-k EPOCH:ALG:KEYFILE");
			break;
		case 'N': netns = optarg; break;
		case 's': cf.first = strtoul(optarg, NULL, 0); break;
		case 'n': cf.senders = strtoul(optarg, NULL, 0); break;
		case 'c': cf.most = strtoul(optarg, NULL, 0); break;
		default:
			die("usage: see the comment at the top of mcg_seal.c");
		}
	}
	if (optind != argc || !ifname || !addr || !netns || !cf.group ||
	    !cf.ep.epoch || !cf.first || !cf.senders || !cf.most ||
	    cf.most > 8 || cf.first + (uint64_t)cf.senders - 1 > UINT32_MAX ||
	    inet_pton(AF_INET6, addr, &to.sin6_addr) != 1)
		die("usage: see the comment at the top of mcg_seal.c");
	to.sin6_scope_id = if_nametoindex(ifname);
	if (!to.sin6_scope_id)
		die("no interface %s", ifname);

	got = calloc(cf.senders, 1);
	ctx = EVP_CIPHER_CTX_new();
	if (!got || !ctx)
		die("out of memory");
	rx = sealer_open_reader(netns, cf.group);
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &to.sin6_scope_id,
		       sizeof(to.sin6_scope_id)))
		die("UDP socket: %s", strerror(errno));

	/* Runs as a kernel starts them: from the clock, one for each sender. */
	clock_gettime(CLOCK_REALTIME, &ts);
	run0 = (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	for (r = 0; r < cf.most; r++) {
		for (i = 0; i < cf.senders; i++) {
			if (count_of(i) <= r)
				continue;
			len = seal(ctx, d, sizeof(d), cf.first + i, run0 + i, r + 1);
			if (sendto(fd, d, len, 0, (struct sockaddr *)&to,
				   sizeof(to)) != (ssize_t)len)
				die("sendto: %s", strerror(errno));
			if (!(++sent % BATCH))
				wait_all(rx, sent);
		}
	}
	wait_all(rx, sent);
	for (i = 0; i < cf.senders; i++)
		if (got[i] != (1u << count_of(i)) - 1)
			die("sender %u: messages %#x of %u", cf.first + i,
			    got[i], count_of(i));
	printf("sent %llu datagrams from %u senders, delivered %llu\n",
	       (unsigned long long)sent, cf.senders,
	       (unsigned long long)delivered);
	EVP_CIPHER_CTX_free(ctx);
	free(got);
	return 0;
}
