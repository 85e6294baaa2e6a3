/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_KEY_H
#define _MCG_KEY_H

#include <linux/atomic.h>
#include <linux/mcg.h>
#include <linux/rcupdate.h>
#include <linux/time64.h>

#include "kdf.h"

#define MCG_KEY_MAX_LEN 32

/**
 * struct mcg_alg_info - what mcg knows of an AEAD
 * @name: as mcgctl and the documentation spell it
 * @crypto: the kernel crypto API's name of the AEAD
 * @key_len: bytes of key material
 */
struct mcg_alg_info {
	const char *name;
	const char *crypto;
	unsigned int key_len;
};

const struct mcg_alg_info *mcg_alg_info(u32 alg);

/**
 * struct mcg_key - one key epoch of a group
 * @id: unique among all keys ever installed: what a sender's derived key
 *	remembers it came from (an epoch number may be reused)
 * @epoch: its number, unique in the group
 * @alg: enum mcg_alg
 * @rx_only: installed for receiving; automatic selection does not send
 *	with it (an explicit choice does)
 * @created: wall-clock time of installation, seconds
 * @tx_packets: messages sent with it
 * @rx_packets: messages received with it
 * @runs: runs this host started under it, under the group's tx_lock
 * @exhausted: @runs reached the limit and that was announced, likewise
 * @rcu: freed (and zeroed) after a grace period: readers on the packet
 *	path hold only RCU
 * @prk: HKDF-Extract of the key, from which sender keys derive; the key
 *	itself is not kept.  Zeroed when freed, never copied to userspace
 */
struct mcg_key {
	u64 id;
	u32 epoch;
	u32 alg;
	bool rx_only;
	time64_t created;
	atomic64_t tx_packets;
	atomic64_t rx_packets;
	u64 runs;
	bool exhausted;
	struct rcu_head rcu;
	u8 prk[MCG_KDF_PRK_LEN];
};

struct mcg_key *mcg_key_create(u32 epoch, u32 alg, const u8 *material,
			       unsigned int len, bool rx_only);
void mcg_key_free_rcu(struct mcg_key *key);

#endif /* _MCG_KEY_H */
