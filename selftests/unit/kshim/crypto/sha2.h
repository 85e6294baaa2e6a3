/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's SHA-256 library interface, on OpenSSL, for unit tests. */
#ifndef _MCG_KSHIM_SHA2_H
#define _MCG_KSHIM_SHA2_H

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <linux/types.h>

#define SHA256_DIGEST_SIZE 32

struct sha256_state {
	SHA256_CTX ctx;
};

static inline void sha256_init(struct sha256_state *s)
{
	SHA256_Init(&s->ctx);
}

static inline void sha256_update(struct sha256_state *s, const u8 *d,
				 unsigned int len)
{
	SHA256_Update(&s->ctx, d, len);
}

static inline void sha256_final(struct sha256_state *s, u8 *out)
{
	SHA256_Final(out, &s->ctx);
}

static inline void sha256(const u8 *d, unsigned int len, u8 *out)
{
	SHA256(d, len, out);
}

#endif
