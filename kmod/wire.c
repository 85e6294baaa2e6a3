// SPDX-License-Identifier: GPL-2.0
/*
 * Header parsing: every length is checked before anything is read, and a
 * header is only trusted after the AEAD authenticated it.
 */

#include <asm/byteorder.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "compat.h"
#include "wire.h"

enum mcg_wire_verdict mcg_wire_parse(const void *buf, unsigned int len,
				     struct mcg_wire_info *info)
{
	const struct mcg_wire_hdr *hdr = buf;

	if (len < sizeof(*hdr) + MCG_WIRE_TAG_LEN)
		return MCG_WIRE_SHORT;
	if (hdr->version != MCG_WIRE_VERSION ||
	    (hdr->type != MCG_WIRE_DATA && hdr->type != MCG_WIRE_BUNDLE) ||
	    hdr->reserved)
		return MCG_WIRE_BAD_HEADER;
	info->type = hdr->type;
	info->group = be32_to_cpu(hdr->group);
	info->sender = be32_to_cpu(hdr->sender);
	info->epoch = be32_to_cpu(hdr->epoch);
	info->run = be64_to_cpu(hdr->run);
	info->seq = be64_to_cpu(hdr->seq);
	if (!info->group || !info->sender || !info->epoch || !info->run ||
	    !info->seq)
		return MCG_WIRE_BAD_HEADER;
	info->payload_len = len - sizeof(*hdr) - MCG_WIRE_TAG_LEN;
	return MCG_WIRE_OK;
}

void mcg_wire_build(struct mcg_wire_hdr *hdr, const struct mcg_wire_info *info)
{
	hdr->version = MCG_WIRE_VERSION;
	hdr->type = info->type;
	hdr->reserved = 0;
	hdr->group = cpu_to_be32(info->group);
	hdr->sender = cpu_to_be32(info->sender);
	hdr->epoch = cpu_to_be32(info->epoch);
	hdr->run = cpu_to_be64(info->run);
	hdr->seq = cpu_to_be64(info->seq);
}

/*
 * The number of messages in the plaintext of a BUNDLE, @len bytes at
 * @text, or -EBADMSG unless its records fill it exactly.  Only an
 * authenticated sender's plaintext gets here, but a member's bug is no
 * reason to read past it.
 */
int mcg_wire_bundle_check(const void *text, unsigned int len)
{
	unsigned int off = 0, n = 0, rec;

	if (!len)
		return -EBADMSG;
	while (off < len) {
		if (len - off < sizeof(struct mcg_wire_rec))
			return -EBADMSG;
		rec = get_unaligned_be16(text + off);
		off += sizeof(struct mcg_wire_rec);
		if (rec > len - off)
			return -EBADMSG;
		off += rec;
		n++;
	}
	return n;
}

/*
 * In a BUNDLE that mcg_wire_bundle_check() accepted, with *@off at a
 * record (0 for the first): the length of its message, which starts at
 * the new *@off, then moved past it.
 */
unsigned int mcg_wire_bundle_next(const void *text, unsigned int *off)
{
	unsigned int rec = get_unaligned_be16(text + *off);

	*off += sizeof(struct mcg_wire_rec);
	return rec;
}
