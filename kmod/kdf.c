// SPDX-License-Identifier: GPL-2.0
/*
 * Key derivation: HKDF-SHA256 (RFC 5869) on the kernel's SHA-256 library,
 * which needs no allocation and no sleeping, so a receiver can derive a
 * sender's key where it meets the sender.
 *
 * At key install, the epoch's key becomes a pseudorandom key (extract), and
 * the key material itself is no longer needed.  Each sender's key for one
 * run is expanded from it with the group, epoch, sender and run bound in:
 * two senders, or two runs of one sender, never share a key, so a per-key
 * sequence number is a nonce no one else can repeat.
 */

#include <crypto/sha2.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "kdf.h"

#define MCG_HMAC_BLOCK 64

static const char mcg_kdf_salt[] = "mcg v1 epoch key";
static const char mcg_kdf_label[] = "mcg v1 sender key";

struct mcg_hmac {
	struct sha256_state outer;
	struct sha256_state inner;
};

static void mcg_hmac_init(struct mcg_hmac *h, const u8 *key,
			  unsigned int key_len)
{
	u8 pad[MCG_HMAC_BLOCK], hashed[SHA256_DIGEST_SIZE];
	unsigned int i;

	if (key_len > MCG_HMAC_BLOCK) {
		sha256(key, key_len, hashed);
		key = hashed;
		key_len = SHA256_DIGEST_SIZE;
	}
	memset(pad, 0, sizeof(pad));
	memcpy(pad, key, key_len);
	for (i = 0; i < MCG_HMAC_BLOCK; i++)
		pad[i] ^= 0x36;
	sha256_init(&h->inner);
	sha256_update(&h->inner, pad, MCG_HMAC_BLOCK);
	for (i = 0; i < MCG_HMAC_BLOCK; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	sha256_init(&h->outer);
	sha256_update(&h->outer, pad, MCG_HMAC_BLOCK);
	memzero_explicit(pad, sizeof(pad));
	memzero_explicit(hashed, sizeof(hashed));
}

static void mcg_hmac_final(struct mcg_hmac *h, u8 out[32])
{
	u8 inner[SHA256_DIGEST_SIZE];

	sha256_final(&h->inner, inner);
	sha256_update(&h->outer, inner, sizeof(inner));
	sha256_final(&h->outer, out);
	memzero_explicit(inner, sizeof(inner));
	memzero_explicit(h, sizeof(*h));
}

void mcg_hmac_sha256(const u8 *key, unsigned int key_len, const u8 *msg,
		     unsigned int msg_len, u8 out[32])
{
	struct mcg_hmac h;

	mcg_hmac_init(&h, key, key_len);
	sha256_update(&h.inner, msg, msg_len);
	mcg_hmac_final(&h, out);
}

void mcg_hkdf_extract(const u8 *salt, unsigned int salt_len, const u8 *ikm,
		      unsigned int ikm_len, u8 prk[MCG_KDF_PRK_LEN])
{
	mcg_hmac_sha256(salt, salt_len, ikm, ikm_len, prk);
}

int mcg_hkdf_expand(const u8 prk[MCG_KDF_PRK_LEN], const u8 *info,
		    unsigned int info_len, u8 *out, unsigned int out_len)
{
	u8 t[SHA256_DIGEST_SIZE];
	unsigned int done = 0, n;
	struct mcg_hmac h;
	u8 i;

	if (out_len > 255 * SHA256_DIGEST_SIZE)
		return -EINVAL;
	for (i = 1; done < out_len; i++) {
		mcg_hmac_init(&h, prk, MCG_KDF_PRK_LEN);
		if (i > 1)
			sha256_update(&h.inner, t, sizeof(t));
		sha256_update(&h.inner, info, info_len);
		sha256_update(&h.inner, &i, 1);
		mcg_hmac_final(&h, t);
		n = min_t(unsigned int, out_len - done, sizeof(t));
		memcpy(out + done, t, n);
		done += n;
	}
	memzero_explicit(t, sizeof(t));
	return 0;
}

void mcg_kdf_epoch(const u8 *key, unsigned int key_len,
		   u8 prk[MCG_KDF_PRK_LEN])
{
	mcg_hkdf_extract((const u8 *)mcg_kdf_salt, sizeof(mcg_kdf_salt) - 1,
			 key, key_len, prk);
}

static void mcg_put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* info = label || alg || group || epoch || sender || run, big-endian. */
void mcg_kdf_sender(const u8 prk[MCG_KDF_PRK_LEN], u32 alg, u32 group,
		    u32 epoch, u32 sender, u64 run, u8 *out,
		    unsigned int out_len)
{
	u8 info[sizeof(mcg_kdf_label) - 1 + 4 * 4 + 8];
	u8 *p = info + sizeof(mcg_kdf_label) - 1;

	memcpy(info, mcg_kdf_label, sizeof(mcg_kdf_label) - 1);
	mcg_put_be32(p, alg);
	mcg_put_be32(p + 4, group);
	mcg_put_be32(p + 8, epoch);
	mcg_put_be32(p + 12, sender);
	mcg_put_be32(p + 16, run >> 32);
	mcg_put_be32(p + 20, run);
	/* out_len is an AEAD key length: expanding cannot fail. */
	mcg_hkdf_expand(prk, info, sizeof(info), out, out_len);
}
