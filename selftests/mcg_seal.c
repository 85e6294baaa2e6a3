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
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mcg_test.h"
#include "kdf.h"
#include "wire.h"

#define HDR_LEN		((unsigned int)sizeof(struct mcg_wire_hdr))
#define TAG_LEN		MCG_WIRE_TAG_LEN
#define BATCH		128	/* well below the group's 1024-datagram backlog */
#define TIMEOUT_S	120

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("mcg_seal: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static const struct {
	const char *name;
	uint32_t alg;
	unsigned int key_len;
} algs[] = {
	{ "aes-gcm-128", MCG_ALG_AES_GCM_128, 16 },
	{ "aes-gcm-256", MCG_ALG_AES_GCM_256, 32 },
	{ "chacha20-poly1305", MCG_ALG_CHACHA20_POLY1305, 32 },
};

static const EVP_CIPHER *alg_cipher(uint32_t alg)
{
	switch (alg) {
	case MCG_ALG_AES_GCM_128:
		return EVP_aes_128_gcm();
	case MCG_ALG_AES_GCM_256:
		return EVP_aes_256_gcm();
	default:
		return EVP_chacha20_poly1305();
	}
}

/* The key file as mcgctl reads it: base64, white space ignored. */
static unsigned int read_key(const char *file, uint8_t *key, unsigned int max)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned int n = 0, bits = 0;
	uint32_t acc = 0;
	char text[256];
	const char *c;
	size_t len, i;
	FILE *f;

	f = fopen(file, "r");
	if (!f)
		die("cannot open key file %s: %s", file, strerror(errno));
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	for (i = 0; i < len; i++) {
		if (text[i] == '=' || text[i] == '\n' || text[i] == ' ')
			continue;
		c = text[i] ? strchr(b64, text[i]) : NULL;
		if (!c)
			die("%s does not hold a base64 key", file);
		acc = acc << 6 | (uint32_t)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == max)
				die("%s holds too long a key", file);
			key[n++] = acc >> bits;
		}
	}
	explicit_bzero(text, sizeof(text));
	return n;
}

static struct {
	uint32_t group, epoch, alg, first, senders, most;
	unsigned int key_len;
	uint8_t prk[MCG_KDF_PRK_LEN];
} cf = { .first = 1000, .senders = 1, .most = 3 };

/* -k EPOCH:ALG:FILE: the key becomes the epoch's PRK, as the kernel does. */
static void set_key(char *arg)
{
	char *alg = strchr(arg, ':'), *file = alg ? strchr(alg + 1, ':') : NULL;
	uint8_t key[64];
	unsigned int i, n;

	if (!file)
		die("-k EPOCH:ALG:KEYFILE");
	*alg++ = 0;
	*file++ = 0;
	cf.epoch = strtoul(arg, NULL, 0);
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (!strcmp(alg, algs[i].name)) {
			cf.alg = algs[i].alg;
			cf.key_len = algs[i].key_len;
		}
	}
	if (!cf.epoch || !cf.alg)
		die("bad epoch or algorithm in -k %s:%s", arg, alg);
	n = read_key(file, key, sizeof(key));
	if (n != cf.key_len)
		die("%s: a %u-byte key, not one of %s", file, n, alg);
	mcg_kdf_epoch(key, n, cf.prk);
	explicit_bzero(key, sizeof(key));
}

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
		.epoch = cf.epoch, .run = run, .seq = seq,
	};
	uint8_t key[32], iv[12] = { 0 };
	uint64_t be = htobe64(seq);
	int text, n;

	text = plaintext((char *)d + HDR_LEN, size - HDR_LEN - TAG_LEN, sender, seq);
	mcg_wire_build((struct mcg_wire_hdr *)d, &info);
	mcg_kdf_sender(cf.prk, cf.alg, cf.group, cf.epoch, sender, run, key,
		       cf.key_len);
	/* The nonce: 32 zero bits, then the sequence number (wire.h). */
	memcpy(iv + 4, &be, 8);
	if (!EVP_EncryptInit_ex(ctx, alg_cipher(cf.alg), NULL, NULL, NULL) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) ||
	    !EVP_EncryptInit_ex(ctx, NULL, NULL, key, iv) ||
	    !EVP_EncryptUpdate(ctx, NULL, &n, d, HDR_LEN) ||
	    !EVP_EncryptUpdate(ctx, d + HDR_LEN, &n, d + HDR_LEN, text) ||
	    !EVP_EncryptFinal_ex(ctx, d + HDR_LEN + text, &n) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LEN,
				 d + HDR_LEN + text))
		die("OpenSSL: sealing failed");
	explicit_bzero(key, sizeof(key));
	return HDR_LEN + text + TAG_LEN;
}

/* The receiver's socket, made in its namespace, read from ours. */
static int open_reader(const char *netns)
{
	struct sockaddr_mcg sa = {
		.smcg_family = mcg_test_family(), .smcg_group = cf.group,
	};
	int self, other, fd, size = 16 << 20;
	char path[256];

	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	other = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || other < 0 || setns(other, CLONE_NEWNET))
		die("cannot enter namespace %s: %s", netns, strerror(errno));
	fd = socket(sa.smcg_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("AF_MCG socket for group %u in %s: %s", cf.group, netns,
		    strerror(errno));
	/* A batch must fit: no message lost to a full buffer. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		die("SO_RCVBUFFORCE: %s", strerror(errno));
	if (setns(self, CLONE_NEWNET))
		die("cannot return to our namespace: %s", strerror(errno));
	close(self);
	close(other);
	return fd;
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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Until every message sent so far came back. */
static void wait_all(int fd, uint64_t sent)
{
	double end = now() + TIMEOUT_S;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (drain(fd); delivered < sent; drain(fd)) {
		if (now() > end)
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
		case 'k': set_key(optarg); break;
		case 'N': netns = optarg; break;
		case 's': cf.first = strtoul(optarg, NULL, 0); break;
		case 'n': cf.senders = strtoul(optarg, NULL, 0); break;
		case 'c': cf.most = strtoul(optarg, NULL, 0); break;
		default:
			die("usage: see the comment at the top of mcg_seal.c");
		}
	}
	if (optind != argc || !ifname || !addr || !netns || !cf.group ||
	    !cf.epoch || !cf.first || !cf.senders || !cf.most ||
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
	rx = open_reader(netns);
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
