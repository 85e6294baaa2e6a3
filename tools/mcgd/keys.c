// SPDX-License-Identifier: GPL-2.0
/*
 * Wrapping epoch keys and sealing KEKs.  Every length is checked before a
 * byte is read; what was decrypted into a buffer that turned out wrong is
 * wiped.
 */
#include <string.h>

#include "be.h"
#include "keys.h"

static void rekey_ad(uint8_t ad[4 + MCG_REKEY_FIXED], uint32_t group,
		     const uint8_t *fixed)
{
	mcg_put_be(ad, group, 4);
	memcpy(ad + 4, fixed, MCG_REKEY_FIXED);
}

size_t mcg_rekey_seal(uint8_t *out, uint32_t group, const struct mcg_rekey *r,
		      const uint8_t kek[MCG_KEK_LEN])
{
	uint8_t ad[4 + MCG_REKEY_FIXED];
	uint8_t *nonce = out + MCG_REKEY_FIXED;

	mcg_put_be(out, r->kek_id, 4);
	mcg_put_be(out + 4, r->epoch, 4);
	out[8] = r->alg;
	out[9] = r->flags;
	mcg_put_be(out + 10, r->activation, 2);
	randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	rekey_ad(ad, group, out);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + MCG_REKEY_FIXED + 24, NULL,
						   r->key, r->key_len, ad, sizeof(ad),
						   NULL, nonce, kek);
	return MCG_REKEY_FIXED + 24 + r->key_len + 16;
}

int mcg_rekey_open(const uint8_t *in, size_t len, uint32_t group,
		   const uint8_t *(*kek_of)(uint32_t id, void *arg), void *arg,
		   struct mcg_rekey *r)
{
	uint8_t ad[4 + MCG_REKEY_FIXED];
	unsigned long long key_len;
	const uint8_t *kek;

	/* 16- or 32-byte keys, nothing else. */
	if (len != MCG_REKEY_FIXED + 24 + 16 + 16 &&
	    len != MCG_REKEY_FIXED + 24 + 32 + 16)
		return -1;
	r->kek_id = mcg_get_be(in, 4);
	r->epoch = mcg_get_be(in + 4, 4);
	r->alg = in[8];
	r->flags = in[9];
	r->activation = mcg_get_be(in + 10, 2);
	if (!r->epoch)
		return -1;
	kek = kek_of(r->kek_id, arg);
	if (!kek)
		return -1;
	rekey_ad(ad, group, in);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(r->key, &key_len, NULL,
						       in + MCG_REKEY_FIXED + 24,
						       len - MCG_REKEY_FIXED - 24,
						       ad, sizeof(ad),
						       in + MCG_REKEY_FIXED, kek)) {
		sodium_memzero(r->key, sizeof(r->key));
		return -1;
	}
	r->key_len = key_len;
	return 0;
}

size_t mcg_kek_seal(uint8_t *out, uint32_t kek_id, const uint8_t kek[MCG_KEK_LEN],
		    const struct mcg_kek_entry *e, const uint8_t (*rpk)[32],
		    unsigned int n)
{
	uint8_t *p = out + 5;
	unsigned int i;

	if (n > MCG_KEK_ENTRIES_MAX)
		return 0;
	mcg_put_be(out, kek_id, 4);
	out[4] = n;
	for (i = 0; i < n; i++, p += MCG_KEK_ENTRY) {
		mcg_put_be(p, e[i].recipient, 4);
		mcg_put_be(p + 4, e[i].incarnation, 8);
		mcg_put_be(p + 12, e[i].first_epoch, 4);
		crypto_box_seal(p + 16, kek, MCG_KEK_LEN, rpk[i]);
	}
	return 5 + n * MCG_KEK_ENTRY;
}

bool mcg_kek_well_formed(const uint8_t *in, size_t len)
{
	return len >= 5 && in[4] <= MCG_KEK_ENTRIES_MAX &&
	       len == 5 + (size_t)in[4] * MCG_KEK_ENTRY;
}

int mcg_kek_open(const uint8_t *in, size_t len, uint32_t recipient,
		 uint64_t incarnation, const uint8_t pk[32], const uint8_t sk[32],
		 uint8_t kek[MCG_KEK_LEN], uint32_t *kek_id, uint32_t *first)
{
	const uint8_t *p;
	unsigned int i, n;

	if (!mcg_kek_well_formed(in, len))
		return -1;
	n = in[4];
	for (i = 0, p = in + 5; i < n; i++, p += MCG_KEK_ENTRY) {
		if (mcg_get_be(p, 4) != recipient || mcg_get_be(p + 4, 8) != incarnation)
			continue;
		if (crypto_box_seal_open(kek, p + 16, MCG_KEK_LEN + crypto_box_SEALBYTES,
					 pk, sk)) {
			sodium_memzero(kek, MCG_KEK_LEN);
			return -1;
		}
		*kek_id = mcg_get_be(in, 4);
		*first = mcg_get_be(p + 12, 4);
		return 1;
	}
	return 0;
}
