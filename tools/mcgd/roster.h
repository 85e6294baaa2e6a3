/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What admins sign: a group file's canonical roster.  Not the file's bytes
 * (comments, order and spacing do not matter) but every field that has a
 * meaning for the whole group, in one fixed big-endian layout, the members
 * sorted by sender id.  The interface, which is each host's own, is left
 * out.  Signatures are Ed25519, over the layout after the domain string
 * "mcg roster v1".
 *
 * NAME.sig holds them, one "ADMIN-KEY SIGNATURE" line each (base64).
 */
#ifndef MCGD_ROSTER_H
#define MCGD_ROSTER_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

/*
 * The canonical form into buf (size bytes); returns its length, which is
 * more than size if it did not fit (call with size 0 to learn it).
 */
size_t mcg_roster_encode(const struct mcg_conf *c, uint8_t *buf, size_t size);

/* sig = the admin's signature of c's roster.  -1 only on memory. */
int mcg_roster_sign(const struct mcg_conf *c, const struct mcg_identity *admin,
		    uint8_t sig[MCG_SIG_LEN]);

/* Does sig by the admin key pk sign c's roster? */
bool mcg_roster_sig_ok(const struct mcg_conf *c, const uint8_t pk[MCG_KEY_LEN],
		       const uint8_t sig[MCG_SIG_LEN]);

/*
 * Checks the signatures file text (named name) against c: every line must
 * be an admin of c's charter with a signature of this roster, and there
 * must be at least the threshold of distinct admins.  Returns how many
 * distinct admins signed (their signatures into sigs, which holds
 * MCG_MAX_ADMINS, unless NULL), or -1 with e naming the first line at
 * fault ("NAME:LINE: reason") or the shortfall.
 */
int mcg_roster_verify(const struct mcg_conf *c, const char *text, size_t len,
		      const char *name, struct mcg_roster_sig *sigs,
		      struct mcg_err *e);

/*
 * The roster as the group spreads it (the ROSTER datagrams' payload, in
 * fragments): canonical length (4) | canonical roster | count (1) |
 * count x (admin key | signature).  Returns it (malloc'd) and its length.
 */
uint8_t *mcg_roster_blob(const struct mcg_conf *c,
			 const struct mcg_roster_sig *sigs, unsigned int n,
			 size_t *len);

/*
 * A roster received: its charter must be exactly local's (the admins,
 * the threshold, the group's settings: only the version and the members
 * may differ), its members must be valid, and enough of local's admins
 * must have signed it.  out gets it, with local's interface and the
 * signatures that were good.  -1 with a
 * reason in e (named name) otherwise.  The caller compares versions.
 */
int mcg_roster_from_blob(const uint8_t *blob, size_t len,
			 const struct mcg_conf *local, const char *name,
			 struct mcg_conf *out, struct mcg_err *e);

#endif /* MCGD_ROSTER_H */
