/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bodies that carry keys (Documentation/key-management.rst, Keys):
 *
 * REKEY  kek id (4) | epoch (4) | alg (1) | flags (1) | activation (2) |
 *        nonce (24) | epoch key sealed under the KEK (key + 16)
 *        XChaCha20-Poly1305; associated data: the group id and the
 *        body's first 12 bytes, so that nothing in them can be changed.
 *
 * KEK    kek id (4) | count (1), then count entries of
 *        recipient (4) | incarnation (8) | first epoch (4) |
 *        sealed box of the KEK to the recipient's rekey key (32 + 48)
 *        The datagram's signature makes the clear fields the key
 *        server's; only the recipient can open its box.
 */
#ifndef MCGD_KEYS_H
#define MCGD_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#define MCG_KEK_LEN		32
#define MCG_EPOCH_KEY_MAX	32
#define MCG_REKEY_FIXED		12
#define MCG_REKEY_BODY_MAX	(MCG_REKEY_FIXED + 24 + MCG_EPOCH_KEY_MAX + 16)
#define MCG_KEK_ENTRY		(16 + MCG_KEK_LEN + crypto_box_SEALBYTES)
#define MCG_KEK_ENTRIES_MAX	11	/* per datagram */

#define MCG_REKEY_REMOVAL	0x01	/* after a removal: short deactivation */

struct mcg_rekey {
	uint32_t kek_id;
	uint32_t epoch;
	uint8_t alg;
	uint8_t flags;
	uint16_t activation;	/* seconds from receipt to sending on it */
	uint8_t key[MCG_EPOCH_KEY_MAX];
	uint8_t key_len;
};

struct mcg_kek_entry {
	uint32_t recipient;
	uint64_t incarnation;
	uint32_t first_epoch;	/* the recipient installs none before it */
};

/* The REKEY body for r under kek; returns its length. */
size_t mcg_rekey_seal(uint8_t *out, uint32_t group, const struct mcg_rekey *r,
		      const uint8_t kek[MCG_KEK_LEN]);

/*
 * Opens a REKEY body with the KEK whose id it names (kek_of gives it, or
 * NULL when this member lacks it).  -1 if it is malformed, names an
 * unknown KEK or does not authenticate.
 */
int mcg_rekey_open(const uint8_t *in, size_t len, uint32_t group,
		   const uint8_t *(*kek_of)(uint32_t id, void *arg), void *arg,
		   struct mcg_rekey *r);

/*
 * The KEK body for n entries (n <= MCG_KEK_ENTRIES_MAX), each sealed to
 * its recipient's rekey public key rpk[i]; returns its length.
 */
size_t mcg_kek_seal(uint8_t *out, uint32_t kek_id, const uint8_t kek[MCG_KEK_LEN],
		    const struct mcg_kek_entry *e, const uint8_t (*rpk)[32],
		    unsigned int n);

/* Is it a KEK body: a count, and as many entries as it says? */
bool mcg_kek_well_formed(const uint8_t *in, size_t len);

/*
 * Finds the entry for (recipient, incarnation) in a KEK body and opens it
 * with the rekey key pair (pk, sk).  Returns 1 with kek, *kek_id and *first
 * filled; 0 if the body holds no entry for it; -1 if it is malformed or
 * the entry does not open.
 */
int mcg_kek_open(const uint8_t *in, size_t len, uint32_t recipient,
		 uint64_t incarnation, const uint8_t pk[32], const uint8_t sk[32],
		 uint8_t kek[MCG_KEK_LEN], uint32_t *kek_id, uint32_t *first);

#endif /* MCGD_KEYS_H */
