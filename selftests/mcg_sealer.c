// SPDX-License-Identifier: GPL-2.0
/*
 * mcg_sealer: what mcg_seal and mcg_pktfuzz share to seal datagrams as a
 * member's kernel seals them, and to read what the receiver's kernel
 * delivers.  A receiver accepts them only if they are sealed exactly as
 * the kernel seals, so the key schedule is kmod/kdf.c itself and the
 * header is built by kmod/wire.c; OpenSSL's AEADs compute what the
 * kernel's do (kmod/aead.c).
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcg_test.h"
#include "mcg_sealer.h"

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

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

/*
 * -k EPOCH:ALG:KEYFILE into @e, the key made the epoch's PRK as the kernel
 * does.  False, with @arg as it was, if it is not of that form (each
 * program says how it takes -k); a bad epoch, algorithm or key dies.
 */
bool sealer_parse_epoch(char *arg, struct sealer_epoch *e)
{
	char *alg = strchr(arg, ':'), *file = alg ? strchr(alg + 1, ':') : NULL;
	uint8_t key[64];
	unsigned int n;

	if (!file)
		return false;
	*alg++ = 0;
	*file++ = 0;
	e->epoch = strtoul(arg, NULL, 0);
	e->alg = mcg_test_alg(alg, &e->key_len);
	if (!e->epoch || !e->alg)
		die("bad epoch or algorithm in -k %s:%s", arg, alg);
	n = read_key(file, key, sizeof(key));
	if (n != e->key_len)
		die("%s: a %u-byte key, not one of %s", file, n, alg);
	mcg_kdf_epoch(key, n, e->prk);
	explicit_bzero(key, sizeof(key));
	return true;
}

/* Into @key, the key of @sender's run @run, as every member derives it. */
void sealer_key(const struct sealer_epoch *e, uint32_t group, uint32_t sender,
		uint64_t run, uint8_t *key)
{
	mcg_kdf_sender(e->prk, e->alg, group, e->epoch, sender, run, key,
		       e->key_len);
}

/*
 * Seal (enc) or open @d, a whole datagram of @len bytes whose header is
 * filled in, under @key of @alg: in place, as the kernel does.  Opening
 * returns whether the tag verified.
 */
bool sealer_aead(EVP_CIPHER_CTX *ctx, bool enc, uint32_t alg,
		 const uint8_t *key, uint8_t *d, size_t len)
{
	const struct mcg_wire_hdr *h = (const void *)d;
	size_t text = len - HDR_LEN - TAG_LEN;
	uint8_t iv[12] = {};
	uint64_t seq = h->seq;	/* already big-endian */
	int n, ok;

	/* The nonce: 32 zero bits, then the sequence number (wire.h). */
	memcpy(iv + 4, &seq, 8);
	ok = EVP_CipherInit_ex(ctx, alg_cipher(alg), NULL, NULL, NULL, enc) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) &&
	     EVP_CipherInit_ex(ctx, NULL, NULL, key, iv, enc);
	if (!ok)
		die("OpenSSL: cannot set up the AEAD");
	if (!enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LEN,
					 d + len - TAG_LEN))
		die("OpenSSL: cannot set the tag");
	/* The header is the associated data. */
	if (!EVP_CipherUpdate(ctx, NULL, &n, d, HDR_LEN) ||
	    (text &&
	     !EVP_CipherUpdate(ctx, d + HDR_LEN, &n, d + HDR_LEN, text)))
		die("OpenSSL: AEAD update failed");
	ok = EVP_CipherFinal_ex(ctx, d + HDR_LEN + text, &n) == 1;
	if (enc && (!ok || !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
						TAG_LEN, d + len - TAG_LEN)))
		die("OpenSSL: sealing failed");
	return ok;
}

/*
 * The @plen plaintext bytes already after the header's room in @d, sealed
 * under @key of @alg into the datagram @info describes.  Returns its
 * length.
 */
size_t sealer_seal(EVP_CIPHER_CTX *ctx, uint32_t alg, const uint8_t *key,
		   const struct mcg_wire_info *info, uint8_t *d, size_t plen)
{
	size_t len = HDR_LEN + plen + TAG_LEN;

	mcg_wire_build((struct mcg_wire_hdr *)d, info);
	sealer_aead(ctx, true, alg, key, d, len);
	return len;
}

/*
 * An AF_MCG socket bound to @group in the receiver's namespace @netns,
 * made there and read from ours, non-blocking: what the receiver's kernel
 * delivers, to check it.
 */
int sealer_open_reader(const char *netns, uint32_t group)
{
	struct sockaddr_mcg sa = {
		.smcg_family = mcg_test_family(), .smcg_group = group,
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
		die("AF_MCG socket for group %u in %s: %s", group, netns,
		    strerror(errno));
	/*
	 * What arrives between two reads must fit: a message lost to a full
	 * buffer (RX_DROP_RCVBUF) would fail the test, not the kernel.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		die("SO_RCVBUFFORCE: %s", strerror(errno));
	if (setns(self, CLONE_NEWNET))
		die("cannot return to our namespace: %s", strerror(errno));
	close(self);
	close(other);
	return fd;
}
