/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_KDF_H
#define _MCG_KDF_H

#include <linux/types.h>

#define MCG_KDF_PRK_LEN 32	/* SHA-256 */

void mcg_hmac_sha256(const u8 *key, unsigned int key_len, const u8 *msg,
		     unsigned int msg_len, u8 out[32]);
void mcg_hkdf_extract(const u8 *salt, unsigned int salt_len, const u8 *ikm,
		      unsigned int ikm_len, u8 prk[MCG_KDF_PRK_LEN]);
int mcg_hkdf_expand(const u8 prk[MCG_KDF_PRK_LEN], const u8 *info,
		    unsigned int info_len, u8 *out, unsigned int out_len);

void mcg_kdf_epoch(const u8 *key, unsigned int key_len,
		   u8 prk[MCG_KDF_PRK_LEN]);
void mcg_kdf_sender(const u8 prk[MCG_KDF_PRK_LEN], u32 alg, u32 group,
		    u32 epoch, u32 sender, u64 run, u8 *out,
		    unsigned int out_len);

#endif /* _MCG_KDF_H */
