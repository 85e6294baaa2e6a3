// SPDX-License-Identifier: GPL-2.0
/*
 * Sealing and opening datagrams in place with one sender's derived key
 * (Documentation/wire-format.rst): the 32-byte header is the associated
 * data, the nonce is 0^32 || the sequence number.
 */

#include <linux/percpu.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "aead.h"
#include "compat.h"
#include "kdf.h"
#include "key.h"
#include "wire.h"

#define MCG_AEAD_MAX_SG 16

/*
 * An AEAD keyed for one (group, epoch, sender, run) from the epoch's
 * pseudorandom key @prk.  It may be asynchronous: on x86 the fast AES-GCM
 * is, as it defers to cryptd when the FPU is not usable.  Allocates with
 * GFP_KERNEL.
 */
struct crypto_aead *mcg_aead_new(const u8 *prk, u32 algid,
				 const struct mcg_aead_id *id)
{
	const struct mcg_alg_info *alg = mcg_alg_info(algid);
	u8 skey[MCG_KEY_MAX_LEN];
	struct crypto_aead *tfm;
	int ret;

	tfm = crypto_alloc_aead(alg->crypto, 0, 0);
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
 * A request and what must outlive the call when the implementation
 * completes later: the nonce, the scatterlist and the caller's context,
 * in one allocation sized for the skb at hand (a linear skb needs one
 * entry: zeroing a table of the most an skb could need cost more than
 * sealing 64 bytes).
 */
struct mcg_aead_req {
	struct sk_buff *skb;
	mcg_aead_done_t done;
	void *priv;
	struct scatterlist *sg;
	struct mcg_aead_slot *slot;	/* where it lives, or NULL: kmalloc'ed */
	unsigned int nsg;
	unsigned int priv_len;
	u8 iv[12];
	struct aead_request req;	/* last: its context, then sg, priv */
};

/*
 * One request buffer per CPU, reused: a kmalloc() and a kfree_sensitive()
 * of each seal's and each open's request were 7% of a 64-byte message.
 * A seal or an open in softirq takes the buffer of the CPU it starts on
 * if it is free and large enough, else kmalloc()s.
 * Whoever frees the request gives the buffer back: the caller once the
 * AEAD returned, or the completion, on any CPU, as may a sealing task that
 * slept and moved.  Between uses a buffer keeps the last request's state,
 * as a tfm keeps its key schedule, and is zeroed when the module goes.
 */
struct mcg_aead_slot {
	unsigned long busy;	/* bit 0, a lock taken with a try */
	void *buf;
};

#define MCG_AEAD_SLOT_SIZE 2048

static DEFINE_PER_CPU(struct mcg_aead_slot, mcg_aead_slots);

/* Every request is freed: every group, and so every AEAD, is gone. */
void mcg_aead_uninit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct mcg_aead_slot *slot = per_cpu_ptr(&mcg_aead_slots, cpu);

		WARN_ON_ONCE(slot->busy);
		kfree_sensitive(slot->buf);
		slot->buf = NULL;
	}
}

int mcg_aead_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct mcg_aead_slot *slot = per_cpu_ptr(&mcg_aead_slots, cpu);

		slot->buf = kmalloc_node(MCG_AEAD_SLOT_SIZE, GFP_KERNEL,
					 cpu_to_node(cpu));
		if (!slot->buf) {
			mcg_aead_uninit();
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * The entries skb_to_sgvec() fills for @skb, which it does not bound: the
 * callers' skbs are linear (built so, or pulled by skb_ensure_writable()),
 * anything else is refused.
 */
static unsigned int mcg_aead_nsg(const struct sk_buff *skb)
{
	return 1 + skb_shinfo(skb)->nr_frags;
}

static struct mcg_aead_req *mcg_aead_req_alloc(struct crypto_aead *tfm,
					       const struct sk_buff *skb,
					       size_t priv_len, gfp_t gfp,
					       bool reuse)
{
	unsigned int nsg = min_t(unsigned int, mcg_aead_nsg(skb),
				 MCG_AEAD_MAX_SG);
	size_t sg_off = ALIGN(sizeof(struct mcg_aead_req) +
			      crypto_aead_reqsize(tfm),
			      __alignof__(struct scatterlist));
	size_t priv_off = ALIGN(sg_off + nsg * sizeof(struct scatterlist),
				sizeof(long));
	/* Any CPU's buffer will do: the try-lock, not the CPU, guards it. */
	struct mcg_aead_slot *slot = raw_cpu_ptr(&mcg_aead_slots);
	struct mcg_aead_req *r;

	if (reuse && priv_off + priv_len <= MCG_AEAD_SLOT_SIZE &&
	    !test_and_set_bit_lock(0, &slot->busy)) {
		r = slot->buf;
	} else {
		r = kmalloc(priv_off + priv_len, gfp);
		if (!r)
			return NULL;
		slot = NULL;
	}
	r->slot = slot;
	r->sg = (void *)r + sg_off;
	r->nsg = nsg;
	r->priv = (void *)r + priv_off;
	aead_request_set_tfm(&r->req, tfm);
	return r;
}

static void mcg_aead_req_free(struct mcg_aead_req *r)
{
	if (r->slot)
		clear_bit_unlock(0, &r->slot->busy);
	else
		kfree_sensitive(r);	/* its context may hold key material */
}

/*
 * Point @r at the datagram @off bytes into @skb's data: the header, then
 * @len bytes of text, then the tag; the skb is writable.  In place.
 */
static int mcg_aead_req_set(struct mcg_aead_req *r, struct sk_buff *skb,
			    unsigned int off, unsigned int len, u64 seq,
			    bool enc)
{
	int nsg;

	if (skb_has_frag_list(skb) || mcg_aead_nsg(skb) > r->nsg)
		return -EMSGSIZE;
	memset(r->iv, 0, 4);
	put_unaligned_be64(seq, r->iv + 4);
	sg_init_table(r->sg, r->nsg);
	nsg = skb_to_sgvec(skb, r->sg, off,
			   sizeof(struct mcg_wire_hdr) + len + MCG_WIRE_TAG_LEN);
	if (nsg < 0)
		return nsg;
	aead_request_set_ad(&r->req, sizeof(struct mcg_wire_hdr));
	aead_request_set_crypt(&r->req, r->sg, r->sg,
			       enc ? len : len + MCG_WIRE_TAG_LEN, r->iv);
	return 0;
}

/* Process context: waits for the AEAD, however it completes. */
static int mcg_aead_crypt_wait(struct crypto_aead *tfm, struct sk_buff *skb,
			       unsigned int off, unsigned int len, u64 seq,
			       bool enc)
{
	DECLARE_CRYPTO_WAIT(wait);
	struct mcg_aead_req *r;
	int ret;

	might_sleep();
	/*
	 * Sealing is every message sent.  An open that waits is the receive
	 * worker's, for a run's first datagrams: rare, and it would hold its
	 * CPU's buffer across a sleep, while the softirq opens there kmalloc().
	 */
	r = mcg_aead_req_alloc(tfm, skb, 0, GFP_KERNEL, enc);
	if (!r)
		return -ENOMEM;
	ret = mcg_aead_req_set(r, skb, off, len, seq, enc);
	if (!ret) {
		aead_request_set_callback(&r->req, CRYPTO_TFM_REQ_MAY_SLEEP |
					  CRYPTO_TFM_REQ_MAY_BACKLOG,
					  crypto_req_done, &wait);
		ret = crypto_wait_req(enc ? crypto_aead_encrypt(&r->req) :
					    crypto_aead_decrypt(&r->req), &wait);
	}
	mcg_aead_req_free(r);
	return ret;
}

/*
 * Header | text | room for the tag  ->  header | ciphertext | tag, for the
 * datagram @off bytes into @skb's data (a train holds several).
 */
int mcg_aead_seal(struct crypto_aead *tfm, struct sk_buff *skb,
		  unsigned int off, unsigned int len, u64 seq)
{
	return mcg_aead_crypt_wait(tfm, skb, off, len, seq, true);
}

/*
 * Header | ciphertext | tag  ->  header | text | tag, or -EBADMSG when the
 * tag does not verify (then the text is garbage and must not be used).
 * Process context, waits.
 */
int mcg_aead_open_wait(struct crypto_aead *tfm, struct sk_buff *skb,
		       unsigned int len, u64 seq)
{
	return mcg_aead_crypt_wait(tfm, skb, 0, len, seq, false);
}

static void mcg_aead_open_complete(void *data, int err)
{
	struct mcg_aead_req *r = data;
	u8 priv[MCG_AEAD_PRIV_MAX] __aligned(sizeof(long));
	mcg_aead_done_t done = r->done;
	struct sk_buff *skb = r->skb;

	/*
	 * Freed first: once @done has let the group go, the module may go,
	 * and its buffers with it (mcg_aead_uninit()).
	 */
	memcpy(priv, r->priv, r->priv_len);
	mcg_aead_req_free(r);
	/*
	 * cryptd and padata complete with bottom halves off, but a driver may
	 * complete from a thread: @done takes locks that softirq takes too.
	 */
	local_bh_disable();
	done(skb, priv, err);
	local_bh_enable();
}

/* Before 6.3 (compat.h). */
static void mcg_aead_open_complete_req(struct crypto_async_request *base,
				       int err)
{
	mcg_aead_open_complete(base->data, err);
}

/*
 * As mcg_aead_open_wait(), in any context but hard interrupts, without
 * waiting: returns the result, or -EINPROGRESS when the implementation
 * took the request and will call @done with @skb, a copy of @priv_len
 * (at most MCG_AEAD_PRIV_MAX) bytes of @priv and the result, with bottom
 * halves off.  An asynchronous
 * implementation completes one tfm's requests in the order it took them
 * (cryptd, the x86 fallback, does), so a sender's order is kept.
 */
int mcg_aead_open(struct crypto_aead *tfm, struct sk_buff *skb,
		  unsigned int len, u64 seq, mcg_aead_done_t done,
		  const void *priv, size_t priv_len)
{
	struct mcg_aead_req *r;
	int ret;

	if (WARN_ON_ONCE(priv_len > MCG_AEAD_PRIV_MAX))
		return -EINVAL;
	r = mcg_aead_req_alloc(tfm, skb, priv_len, GFP_ATOMIC, true);
	if (!r)
		return -ENOMEM;
	ret = mcg_aead_req_set(r, skb, 0, len, seq, false);
	if (ret)
		goto out;
	r->skb = skb;
	r->done = done;
	r->priv_len = priv_len;
	memcpy(r->priv, priv, priv_len);
	/* No backlog: a full queue is a drop (-ENOSPC), not a wait. */
	aead_request_set_callback(&r->req, 0,
				  mcg_crypto_completion(mcg_aead_open_complete,
							mcg_aead_open_complete_req),
				  r);
	ret = crypto_aead_decrypt(&r->req);
	if (ret == -EINPROGRESS)
		return ret;
out:
	mcg_aead_req_free(r);
	return ret;
}
