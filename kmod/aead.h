/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_AEAD_H
#define _MCG_AEAD_H

#include <crypto/aead.h>
#include <linux/skbuff.h>

/* Who sealed a datagram, and under which run: what its key derives from. */
struct mcg_aead_id {
	u32 group;
	u32 epoch;
	u32 sender;
	u64 run;
};

/* What an asynchronous open keeps of its caller's context, at most. */
#define MCG_AEAD_PRIV_MAX 64

/* An asynchronous open is done: @priv is the caller's copy, until return. */
typedef void (*mcg_aead_done_t)(struct sk_buff *skb, void *priv, int err);

int mcg_aead_init(void);
void mcg_aead_uninit(void);
struct crypto_aead *mcg_aead_new(const u8 *prk, u32 alg,
				 const struct mcg_aead_id *id);
int mcg_aead_seal(struct crypto_aead *tfm, struct sk_buff *skb,
		  unsigned int off, unsigned int len, u64 seq);
int mcg_aead_open_wait(struct crypto_aead *tfm, struct sk_buff *skb,
		       unsigned int len, u64 seq);
int mcg_aead_open(struct crypto_aead *tfm, struct sk_buff *skb,
		  unsigned int len, u64 seq, mcg_aead_done_t done,
		  const void *priv, size_t priv_len);

#endif /* _MCG_AEAD_H */
