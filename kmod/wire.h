/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_WIRE_H
#define _MCG_WIRE_H

#include <linux/types.h>

/*
 * The datagram mcg sends as the payload of a UDP packet to the group's
 * address (Documentation/wire-format.rst has the diagram).  Every field is
 * big-endian; the whole header is the AEAD's associated data, and the
 * nonce is 32 zero bits followed by @seq.  The plaintext of a DATA
 * datagram is one message; that of a BUNDLE is one or more records, each
 * a struct mcg_wire_rec and that many bytes of one message.
 */

#define MCG_WIRE_VERSION	1
#define MCG_WIRE_TAG_LEN	16

enum mcg_wire_type {
	MCG_WIRE_DATA = 1,
	MCG_WIRE_BUNDLE = 2,
};

/**
 * struct mcg_wire_hdr - the header of every mcg datagram
 * @version: MCG_WIRE_VERSION
 * @type: enum mcg_wire_type
 * @reserved: zero
 * @group: the group's id
 * @sender: the sender's id in the group
 * @epoch: the key epoch it was sealed under
 * @run: the sender's run: a new value, larger than any before, each time
 *	the sender starts using an epoch; part of its key derivation
 * @seq: the sender's sequence number in this run, from 1
 */
struct mcg_wire_hdr {
	u8 version;
	u8 type;
	__be16 reserved;
	__be32 group;
	__be32 sender;
	__be32 epoch;
	__be64 run;
	__be64 seq;
} __packed;

/**
 * struct mcg_wire_rec - the length of one message of a BUNDLE, before it
 * @len: its bytes, 0 allowed
 */
struct mcg_wire_rec {
	__be16 len;
} __packed;

/**
 * struct mcg_wire_info - a header, checked and in host order
 */
struct mcg_wire_info {
	u8 type;
	u32 group;
	u32 sender;
	u32 epoch;
	u64 run;
	u64 seq;
	unsigned int payload_len;	/* ciphertext bytes, without the tag */
};

enum mcg_wire_verdict {
	MCG_WIRE_OK,
	MCG_WIRE_SHORT,		/* shorter than a header and a tag */
	MCG_WIRE_BAD_HEADER,	/* version, type, reserved bits or a zero id */
};

enum mcg_wire_verdict mcg_wire_parse(const void *buf, unsigned int len,
				     struct mcg_wire_info *info);
void mcg_wire_build(struct mcg_wire_hdr *hdr, const struct mcg_wire_info *info);
int mcg_wire_bundle_check(const void *text, unsigned int len);
unsigned int mcg_wire_bundle_next(const void *text, unsigned int *off);

#endif /* _MCG_WIRE_H */
