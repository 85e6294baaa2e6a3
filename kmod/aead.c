// SPDX-License-Identifier: GPL-2.0
/*
 * Sealing and opening datagrams in place with one sender's derived key
 * (Documentation/wire-format.rst): the 32-byte header is the associated
 * data, the nonce is 0^32 || the sequence number.
 */

#include <asm/unaligned.h>
#include <linux/scatterlist.h>

#include "aead.h"
#include "kdf.h"
#include "key.h"
#include "wire.h"

#define MCG_AEAD_MAX_SG 16

/*
 * An AEAD keyed for one (group, epoch, sender, run) from the epoch's
 * pseudorandom key @prk.  @sync asks for an
 * implementation that completes in the caller's context: the receive path
 * decrypts in softirq, where it cannot wait.  Allocates with GFP_KERNEL.
 */
struct crypto_aead *mcg_aead_new(const u8 *prk, u32 algid,
				 const struct mcg_aead_id *id, bool sync)
{
	const struct mcg_alg_info *alg = mcg_alg_info(algid);
	u8 skey[MCG_KEY_MAX_LEN];
	struct crypto_aead *tfm;
	int ret;

	tfm = crypto_alloc_aead(alg->crypto, 0, sync ? CRYPTO_ALG_ASYNC : 0);
	if (IS_ERR(tfm))
		return tfm;
	mcg_kdf_sender(prk, algid, id->group, id->epoch, id->sender,
		       id->run, skey, alg->key_len);
	ret = crypto_aead_setauthsize(tfm, MCG_WIRE_TAG_LEN) ?:
	      crypto_aead_setkey(tfm, skey, alg->key_len);
	memzero_explicit(skey, sizeof(skey));
	if (ret) {
		crypto_free_aead(tfm);
		return ERR_PTR(ret);
	}
	return tfm;
}

/*
 * @skb->data is the header, then @len bytes of text, then the tag;
 * nothing else, and the skb is writable.  Encrypts or decrypts in place.
 */
static int mcg_aead_crypt(struct crypto_aead *tfm, struct sk_buff *skb,
			  unsigned int len, u64 seq, bool enc)
{
	struct scatterlist sg[MCG_AEAD_MAX_SG];
	struct aead_request *req;
	DECLARE_CRYPTO_WAIT(wait);
	u8 iv[12] = {};
	int nsg, ret;
	u32 flags;
	gfp_t gfp;

	put_unaligned_be64(seq, iv + 4);
	sg_init_table(sg, ARRAY_SIZE(sg));
	nsg = skb_to_sgvec(skb, sg, 0, skb->len);
	if (nsg < 0)
		return nsg;
	if (enc) {
		gfp = GFP_KERNEL;
		flags = CRYPTO_TFM_REQ_MAY_SLEEP | CRYPTO_TFM_REQ_MAY_BACKLOG;
	} else {
		/* Receive: softirq, a synchronous AEAD (mcg_aead_new()). */
		gfp = GFP_ATOMIC;
		flags = 0;
	}
	req = aead_request_alloc(tfm, gfp);
	if (!req)
		return -ENOMEM;
	aead_request_set_callback(req, flags, crypto_req_done, &wait);
	aead_request_set_ad(req, sizeof(struct mcg_wire_hdr));
	aead_request_set_crypt(req, sg, sg, enc ? len : len + MCG_WIRE_TAG_LEN,
			       iv);
	if (enc)
		ret = crypto_wait_req(crypto_aead_encrypt(req), &wait);
	else
		ret = crypto_aead_decrypt(req);
	aead_request_free(req);
	return ret;
}

/* Header | text | room for the tag  ->  header | ciphertext | tag. */
int mcg_aead_seal(struct crypto_aead *tfm, struct sk_buff *skb,
		  unsigned int len, u64 seq)
{
	return mcg_aead_crypt(tfm, skb, len, seq, true);
}

/*
 * Header | ciphertext | tag  ->  header | text | tag, or -EBADMSG when the
 * tag does not verify (then the text is garbage and must not be used).
 */
int mcg_aead_open(struct crypto_aead *tfm, struct sk_buff *skb,
		  unsigned int len, u64 seq)
{
	int ret = mcg_aead_crypt(tfm, skb, len, seq, false);

	/* A synchronous AEAD never defers; anything else would be a bug. */
	if (WARN_ON_ONCE(ret == -EINPROGRESS || ret == -EBUSY))
		return -EIO;
	return ret;
}
