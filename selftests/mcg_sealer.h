/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A member's kernel sealing, in userspace, for the test programs that send
 * what a genuine sender sends: mcg_seal and mcg_pktfuzz (which also opens,
 * as a receiver).  See mcg_sealer.c.
 */
#ifndef _MCG_SEALER_H
#define _MCG_SEALER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "kdf.h"
#include "wire.h"

#define HDR_LEN		((unsigned int)sizeof(struct mcg_wire_hdr))
#define TAG_LEN		MCG_WIRE_TAG_LEN

/* One epoch of a group's keys, as a member holds it. */
struct sealer_epoch {
	uint32_t epoch;
	uint32_t alg;
	unsigned int key_len;		/* the algorithm's: sender keys' */
	uint8_t prk[MCG_KDF_PRK_LEN];	/* what the epoch's key became */
};

/* "PROGRAM: message" on stderr, and exit status 1. */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

bool sealer_parse_epoch(char *arg, struct sealer_epoch *e);
void sealer_key(const struct sealer_epoch *e, uint32_t group, uint32_t sender,
		uint64_t run, uint8_t *key);
bool sealer_aead(EVP_CIPHER_CTX *ctx, bool enc, uint32_t alg,
		 const uint8_t *key, uint8_t *d, size_t len);
size_t sealer_seal(EVP_CIPHER_CTX *ctx, uint32_t alg, const uint8_t *key,
		   const struct mcg_wire_info *info, uint8_t *d, size_t plen);
int sealer_open_reader(const char *netns, uint32_t group);

#endif /* _MCG_SEALER_H */
