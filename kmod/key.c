// SPDX-License-Identifier: GPL-2.0
/*
 * Key epochs.  The key itself is only read once, from the netlink request,
 * to extract the epoch's pseudorandom key; that is never copied out and is
 * zeroed (kfree_sensitive) when the epoch goes away.
 */

#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "key.h"

static const struct mcg_alg_info mcg_algs[] = {
	[MCG_ALG_AES_GCM_128] = {
		.name = "aes-gcm-128", .crypto = "gcm(aes)", .key_len = 16,
	},
	[MCG_ALG_AES_GCM_256] = {
		.name = "aes-gcm-256", .crypto = "gcm(aes)", .key_len = 32,
	},
	[MCG_ALG_CHACHA20_POLY1305] = {
		.name = "chacha20-poly1305", .crypto = "rfc7539(chacha20,poly1305)",
		.key_len = 32,
	},
};

static atomic64_t mcg_key_ids = ATOMIC64_INIT(0);

const struct mcg_alg_info *mcg_alg_info(u32 alg)
{
	if (alg >= ARRAY_SIZE(mcg_algs) || !mcg_algs[alg].name)
		return NULL;
	return &mcg_algs[alg];
}

struct mcg_key *mcg_key_create(u32 epoch, u32 alg, const u8 *material,
			       unsigned int len, bool rx_only)
{
	struct mcg_key *key;

	if (WARN_ON_ONCE(len > MCG_KEY_MAX_LEN))
		return ERR_PTR(-EINVAL);
	key = kzalloc(sizeof(*key), GFP_KERNEL_ACCOUNT);
	if (!key)
		return ERR_PTR(-ENOMEM);
	key->id = atomic64_inc_return(&mcg_key_ids);
	key->epoch = epoch;
	key->alg = alg;
	key->rx_only = rx_only;
	key->created = ktime_get_real_seconds();
	atomic64_set(&key->tx_packets, 0);
	atomic64_set(&key->rx_packets, 0);
	mcg_kdf_epoch(material, len, key->prk);
	return key;
}

static void mcg_key_free_rcu_cb(struct rcu_head *rcu)
{
	kfree_sensitive(container_of(rcu, struct mcg_key, rcu));
}

void mcg_key_free_rcu(struct mcg_key *key)
{
	if (key)
		call_rcu(&key->rcu, mcg_key_free_rcu_cb);
}
