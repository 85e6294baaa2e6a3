// SPDX-License-Identifier: GPL-2.0
/*
 * The send path: one message, sealed once under this host's key for the
 * group's sending epoch and its current run, sent once to the group.
 *
 * A group's transmit state (struct mcg_tx) holds the AEAD keyed with the
 * sender key derived for one run, and that run's sequence numbers.  It is
 * replaced -- a new run -- when the sending epoch changes or the sequence
 * numbers reach the key's usage limit (Documentation/wire-format.rst).
 * Senders find it under RCU and hold a reference while they encrypt.
 */

#include <asm/unaligned.h>
#include <crypto/aead.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/ipv6.h>
#include <net/udp.h>

#include "group.h"
#include "kdf.h"
#include "key.h"
#include "socket.h"
#include "stats.h"
#include "tx.h"
#include "udp.h"
#include "wire.h"

/* AES-GCM: (q * l)^2 / 2^128 < 2^-57 for l <= 88 blocks. */
#define MCG_TX_SEQ_LIMIT BIT_ULL(28)
#define MCG_RUN_RANDOM_BITS 20

/**
 * struct mcg_tx - sending state of a group for one run
 * @ref: one for group->tx, one per sender using it
 * @tfm: the AEAD, keyed with the derived sender key
 * @key_id: the mcg_key it derives from
 * @epoch: that key's epoch
 * @run: this run's value, on the wire
 * @seq: the last sequence number used
 * @free_work: frees after a grace period, where freeing may sleep
 */
struct mcg_tx {
	refcount_t ref;
	struct crypto_aead *tfm;
	u64 key_id;
	u32 epoch;
	u64 run;
	atomic64_t seq;
	struct rcu_work free_work;
};

static void mcg_tx_free_work(struct work_struct *work)
{
	struct mcg_tx *tx = container_of(to_rcu_work(work), struct mcg_tx,
					 free_work);

	crypto_free_aead(tx->tfm);
	kfree(tx);
}

static void mcg_tx_put(struct mcg_tx *tx)
{
	if (refcount_dec_and_test(&tx->ref)) {
		INIT_RCU_WORK(&tx->free_work, mcg_tx_free_work);
		queue_rcu_work(mcg_wq, &tx->free_work);
	}
}

/* Larger than any run before it, and hard to guess (wire-format.rst). */
static u64 mcg_next_run(struct mcg_group *g)
{
	u64 mask = (1ULL << MCG_RUN_RANDOM_BITS) - 1;
	u64 run = (ktime_get_real_ns() & ~mask) | (get_random_u32() & mask);

	if (run <= g->last_run)
		run = g->last_run + 1;
	g->last_run = run;
	return run;
}

/* A new run for the group's sending key: a fresh derived key, seq 0. */
static struct mcg_tx *mcg_tx_renew(struct mcg_group *g, int *err)
{
	u8 prk[MCG_KDF_PRK_LEN], skey[MCG_KEY_MAX_LEN];
	const struct mcg_alg_info *alg;
	struct mcg_tx *tx, *old;
	struct mcg_key *key;
	u32 epoch, algid;
	u64 key_id;

	mutex_lock(&g->tx_lock);
	old = rcu_dereference_protected(g->tx, lockdep_is_held(&g->tx_lock));
	rcu_read_lock();
	key = rcu_dereference(g->tx_key);
	if (!key || READ_ONCE(g->dead)) {
		rcu_read_unlock();
		*err = key ? -ENODEV : -ENOKEY;
		tx = NULL;
		goto out;
	}
	/* Another sender may have renewed it while we waited. */
	if (old && old->key_id == key->id &&
	    atomic64_read(&old->seq) < MCG_TX_SEQ_LIMIT) {
		rcu_read_unlock();
		refcount_inc(&old->ref);
		tx = old;
		goto out;
	}
	key_id = key->id;
	epoch = key->epoch;
	algid = key->alg;
	memcpy(prk, key->prk, sizeof(prk));
	rcu_read_unlock();

	alg = mcg_alg_info(algid);
	tx = kzalloc(sizeof(*tx), GFP_KERNEL);
	if (!tx) {
		*err = -ENOMEM;
		goto out_zero;
	}
	tx->tfm = crypto_alloc_aead(alg->crypto, 0, 0);
	if (IS_ERR(tx->tfm)) {
		*err = PTR_ERR(tx->tfm);
		kfree(tx);
		tx = NULL;
		goto out_zero;
	}
	tx->key_id = key_id;
	tx->epoch = epoch;
	tx->run = mcg_next_run(g);
	atomic64_set(&tx->seq, 0);
	mcg_kdf_sender(prk, algid, g->id, epoch, READ_ONCE(g->conf.sender),
		       tx->run, skey, alg->key_len);
	*err = crypto_aead_setauthsize(tx->tfm, MCG_WIRE_TAG_LEN) ?:
	       crypto_aead_setkey(tx->tfm, skey, alg->key_len);
	if (*err) {
		crypto_free_aead(tx->tfm);
		kfree(tx);
		tx = NULL;
		goto out_zero;
	}
	refcount_set(&tx->ref, 2);	/* group->tx and the caller */
	rcu_assign_pointer(g->tx, tx);
	if (old)
		mcg_tx_put(old);
out_zero:
	memzero_explicit(prk, sizeof(prk));
	memzero_explicit(skey, sizeof(skey));
out:
	mutex_unlock(&g->tx_lock);
	return tx;
}

static struct mcg_tx *mcg_tx_get(struct mcg_group *g, int *err)
{
	struct mcg_key *key;
	struct mcg_tx *tx;

	rcu_read_lock();
	key = rcu_dereference(g->tx_key);
	tx = rcu_dereference(g->tx);
	if (key && tx && tx->key_id == key->id &&
	    atomic64_read(&tx->seq) < MCG_TX_SEQ_LIMIT &&
	    refcount_inc_not_zero(&tx->ref)) {
		rcu_read_unlock();
		return tx;
	}
	rcu_read_unlock();
	return mcg_tx_renew(g, err);
}

/* Drop the group's transmit state: the group is going away. */
void mcg_tx_release(struct mcg_group *g)
{
	struct mcg_tx *tx;

	mutex_lock(&g->tx_lock);
	tx = rcu_dereference_protected(g->tx, lockdep_is_held(&g->tx_lock));
	RCU_INIT_POINTER(g->tx, NULL);
	mutex_unlock(&g->tx_lock);
	if (tx)
		mcg_tx_put(tx);
}

/* Encrypt in place: header (AAD) | plaintext -> header | ciphertext | tag. */
static int mcg_seal(struct mcg_tx *tx, struct sk_buff *skb, unsigned int len,
		    u64 seq)
{
	struct scatterlist sg[4];
	struct aead_request *req;
	DECLARE_CRYPTO_WAIT(wait);
	u8 iv[12] = {};
	int nsg, ret;

	put_unaligned_be64(seq, iv + 4);
	sg_init_table(sg, ARRAY_SIZE(sg));
	nsg = skb_to_sgvec(skb, sg, 0, skb->len);
	if (nsg < 0)
		return nsg;
	req = aead_request_alloc(tx->tfm, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
				  CRYPTO_TFM_REQ_MAY_BACKLOG, crypto_req_done, &wait);
	aead_request_set_ad(req, sizeof(struct mcg_wire_hdr));
	aead_request_set_crypt(req, sg, sg, len, iv);
	ret = crypto_wait_req(crypto_aead_encrypt(req), &wait);
	aead_request_free(req);
	return ret;
}

/*
 * Send one message from @msg: to the other local sockets of the group as
 * plaintext, and once to the network, sealed.  Process context.
 */
int mcg_tx_send(struct mcg_group *g, struct sock *sk, struct msghdr *msg,
		size_t len)
{
	unsigned int head = LL_MAX_HEADER + sizeof(struct ipv6hdr) +
			    sizeof(struct udphdr);
	struct sk_buff *skb, *local = NULL;
	struct mcg_wire_info info = {};
	struct mcg_key *key;
	struct mcg_tx *tx;
	void *payload;
	int err;

	tx = mcg_tx_get(g, &err);
	if (!tx) {
		if (err == -ENOKEY)
			mcg_stats_add(g->stats, MCG_A_STATS_TX_NOKEY, 1);
		return err;
	}
	skb = sock_alloc_send_skb(sk, head + sizeof(struct mcg_wire_hdr) + len +
				  MCG_WIRE_TAG_LEN, msg->msg_flags & MSG_DONTWAIT,
				  &err);
	if (!skb)
		goto out;
	skb_reserve(skb, head);
	skb_put(skb, sizeof(struct mcg_wire_hdr));
	payload = skb_put(skb, len);
	err = memcpy_from_msg(payload, msg, len);
	if (err)
		goto out_free;

	/* Local readers get the plaintext: copied now, delivered once sent. */
	if (mcg_has_readers(g, sk)) {
		local = alloc_skb(len, GFP_KERNEL);
		if (local)
			skb_put_data(local, payload, len);
		else
			mcg_stats_add(g->stats, MCG_A_STATS_RX_DROP_NOMEM, 1);
	}

	info.group = g->id;
	info.sender = READ_ONCE(g->conf.sender);
	info.epoch = tx->epoch;
	info.run = tx->run;
	info.seq = atomic64_inc_return(&tx->seq);
	mcg_wire_build((struct mcg_wire_hdr *)skb->data, &info);
	skb_put(skb, MCG_WIRE_TAG_LEN);
	err = mcg_seal(tx, skb, len, info.seq);
	if (err)
		goto out_error;
	err = mcg_udp_xmit(g, skb);
	skb = NULL;
	if (err)
		goto out_error;

	rcu_read_lock();
	key = rcu_dereference(g->tx_key);
	if (key && key->id == tx->key_id)
		atomic64_inc(&key->tx_packets);
	rcu_read_unlock();
	mcg_stats_add(g->stats, MCG_A_STATS_TX_PACKETS, 1);
	mcg_stats_add(g->stats, MCG_A_STATS_TX_BYTES, len);
	if (local)
		mcg_deliver(g, local, info.sender, sk);
	consume_skb(local);
	mcg_tx_put(tx);
	return len;

out_error:
	mcg_stats_add(g->stats, MCG_A_STATS_TX_ERRORS, 1);
out_free:
	kfree_skb(skb);
	kfree_skb(local);
out:
	mcg_tx_put(tx);
	return err;
}
