/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A host's identity: an Ed25519 key pair made from a 32-byte seed, kept
 * as one base64 line in a file that only its owner can read.  Public keys
 * travel as one base64 line of 44 characters, as WireGuard's do.
 */
#ifndef MCGD_IDENTITY_H
#define MCGD_IDENTITY_H

#include <stdint.h>
#include <sodium.h>

#include "err.h"

#define MCG_KEY_LEN	32			/* seed, public key */
#define MCG_KEY_B64	44			/* its base64, no NUL */
#define MCG_SIG_LEN	crypto_sign_BYTES	/* 64 */
#define MCG_SIG_B64	88

struct mcg_identity {
	uint8_t pk[MCG_KEY_LEN];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];	/* seed || pk */
};

/* Once per process, before anything below. */
int mcg_crypto_init(void);

/*
 * A 32-byte key from exactly MCG_KEY_B64 characters of canonical base64
 * (len is the string's length).  -1 if it is anything else.
 */
int mcg_key_parse(const char *s, size_t len, uint8_t key[MCG_KEY_LEN]);
void mcg_key_format(char out[MCG_KEY_B64 + 1], const uint8_t key[MCG_KEY_LEN]);
int mcg_sig_parse(const char *s, size_t len, uint8_t sig[MCG_SIG_LEN]);
void mcg_sig_format(char out[MCG_SIG_B64 + 1], const uint8_t sig[MCG_SIG_LEN]);

/* A new seed's line ("BASE64\n"), from the system's random source. */
void mcg_id_generate(char line[MCG_KEY_B64 + 2]);

/*
 * The identity in the file at path (name it in errors), which must be a
 * regular file that neither its group nor others can read or write.  The
 * seed's copies are wiped.
 */
int mcg_id_load(const char *path, struct mcg_identity *id, struct mcg_err *e);

/* As mcg_id_load(), from an open descriptor (standard input), unchecked. */
int mcg_id_read(int fd, const char *name, struct mcg_identity *id,
		struct mcg_err *e);

void mcg_id_wipe(struct mcg_identity *id);

#endif /* MCGD_IDENTITY_H */
