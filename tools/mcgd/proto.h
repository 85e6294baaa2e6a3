/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcgd's datagrams on the group's control port (data port + 1): a fixed
 * header, a body, and the signer's Ed25519 signature over both.  Every
 * datagram stands alone (it can be relayed by any member and checked by
 * any other) and is at most MCG_MSG_MAX bytes, so IPv6 never fragments
 * it.  Documentation/key-management.rst has the diagram.
 */
#ifndef MCGD_PROTO_H
#define MCGD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "identity.h"

#define MCG_MSG_VERSION	1
#define MCG_MSG_MAX	1232	/* IPv6's minimum MTU less IPv6 and UDP */
#define MCG_MSG_HDR	40
#define MCG_MSG_BODY_MAX (MCG_MSG_MAX - MCG_MSG_HDR - MCG_SIG_LEN)

enum mcg_msg_type {
	MCG_MSG_HELLO = 1,	/* a member is alive: what it has */
	MCG_MSG_ROSTER,		/* a fragment of the signed roster */
	MCG_MSG_KEK,		/* key-encryption keys sealed to members */
	MCG_MSG_REKEY,		/* an epoch key under the KEK */
	MCG_MSG_SYNC,		/* a member asks for what it missed */
	__MCG_MSG_MAX,
};

struct mcg_msg_hdr {
	uint8_t type;
	uint32_t group;
	uint32_t sender;	/* the signer, a member of the roster */
	uint64_t incarnation;	/* random, drawn when the signer started */
	uint64_t counter;	/* the signer's wall clock, ms; never goes back */
	uint64_t roster_version;	/* the signer's */
	uint8_t frag, nfrags;	/* this one of how many; 0 of 1 if whole */
	uint16_t body_len;
};

/* Why a datagram was refused: each one a counter of mcgd's. */
enum mcg_msg_err {
	MCG_MSG_OK,
	MCG_MSG_E_SHORT,	/* shorter than a header and a signature */
	MCG_MSG_E_MAGIC,	/* not mcgd's */
	MCG_MSG_E_VERSION,
	MCG_MSG_E_TYPE,
	MCG_MSG_E_LENGTH,	/* body length other than what arrived */
	MCG_MSG_E_FRAG,		/* fragment numbers that cannot be */
	MCG_MSG_E_GROUP,	/* another group's */
	MCG_MSG_E_SENDER,	/* signer not in the roster */
	MCG_MSG_E_SIGNATURE,
	__MCG_MSG_E_MAX,
};

const char *mcg_msg_err_name(enum mcg_msg_err err);

/*
 * Writes header h (its body_len is set from len), the body and the
 * signature of id into out, which holds MCG_MSG_MAX bytes.  Returns the
 * datagram's length, 0 if the body is longer than MCG_MSG_BODY_MAX.
 */
size_t mcg_msg_seal(uint8_t out[MCG_MSG_MAX], struct mcg_msg_hdr *h,
		    const void *body, size_t len, const struct mcg_identity *id);

/* The signer's public key by its sender id; NULL if not a member. */
typedef const uint8_t *(*mcg_msg_key_fn)(uint32_t sender, void *arg);

/*
 * Checks a received datagram: its header (strictly), that it belongs to
 * group, and its signature under the key key_of() gives for its sender.
 * On MCG_MSG_OK, h and *body (inside in) describe it.
 */
enum mcg_msg_err mcg_msg_open(const uint8_t *in, size_t len, uint32_t group,
			      mcg_msg_key_fn key_of, void *arg,
			      struct mcg_msg_hdr *h, const uint8_t **body);

#endif /* MCGD_PROTO_H */
