// SPDX-License-Identifier: GPL-2.0
/*
 * The control datagrams' header and signature.  The header is parsed
 * strictly, and the signature checked last but before anything of the
 * body is used: a datagram is trusted whole or not at all.
 */
#include <string.h>

#include "be.h"
#include "proto.h"

static const char *const err_names[__MCG_MSG_E_MAX] = {
	[MCG_MSG_OK] = "ok",
	[MCG_MSG_E_SHORT] = "short",
	[MCG_MSG_E_MAGIC] = "magic",
	[MCG_MSG_E_VERSION] = "version",
	[MCG_MSG_E_TYPE] = "type",
	[MCG_MSG_E_LENGTH] = "length",
	[MCG_MSG_E_FRAG] = "fragment",
	[MCG_MSG_E_GROUP] = "group",
	[MCG_MSG_E_SENDER] = "sender",
	[MCG_MSG_E_SIGNATURE] = "signature",
};

const char *mcg_msg_err_name(enum mcg_msg_err err)
{
	return err < __MCG_MSG_E_MAX ? err_names[err] : "?";
}

size_t mcg_msg_seal(uint8_t out[MCG_MSG_MAX], struct mcg_msg_hdr *h,
		    const void *body, size_t len, const struct mcg_identity *id)
{
	if (len > MCG_MSG_BODY_MAX)
		return 0;
	h->body_len = len;
	out[0] = 'M';
	out[1] = 'K';
	out[2] = MCG_MSG_VERSION;
	out[3] = h->type;
	mcg_put_be(out + 4, h->group, 4);
	mcg_put_be(out + 8, h->sender, 4);
	mcg_put_be(out + 12, h->incarnation, 8);
	mcg_put_be(out + 20, h->counter, 8);
	mcg_put_be(out + 28, h->roster_version, 8);
	out[36] = h->frag;
	out[37] = h->nfrags;
	mcg_put_be(out + 38, len, 2);
	memcpy(out + MCG_MSG_HDR, body, len);
	crypto_sign_detached(out + MCG_MSG_HDR + len, NULL, out,
			     MCG_MSG_HDR + len, id->sk);
	return MCG_MSG_HDR + len + MCG_SIG_LEN;
}

enum mcg_msg_err mcg_msg_open(const uint8_t *in, size_t len, uint32_t group,
			      mcg_msg_key_fn key_of, void *arg,
			      struct mcg_msg_hdr *h, const uint8_t **body)
{
	const uint8_t *pk;

	if (len < MCG_MSG_HDR + MCG_SIG_LEN)
		return MCG_MSG_E_SHORT;
	if (in[0] != 'M' || in[1] != 'K')
		return MCG_MSG_E_MAGIC;
	if (in[2] != MCG_MSG_VERSION)
		return MCG_MSG_E_VERSION;
	h->type = in[3];
	if (!h->type || h->type >= __MCG_MSG_MAX)
		return MCG_MSG_E_TYPE;
	h->group = mcg_get_be(in + 4, 4);
	h->sender = mcg_get_be(in + 8, 4);
	h->incarnation = mcg_get_be(in + 12, 8);
	h->counter = mcg_get_be(in + 20, 8);
	h->roster_version = mcg_get_be(in + 28, 8);
	h->frag = in[36];
	h->nfrags = in[37];
	h->body_len = mcg_get_be(in + 38, 2);
	if (len > MCG_MSG_MAX ||
	    (size_t)MCG_MSG_HDR + h->body_len + MCG_SIG_LEN != len)
		return MCG_MSG_E_LENGTH;
	if (!h->nfrags || h->frag >= h->nfrags)
		return MCG_MSG_E_FRAG;
	if (h->group != group)
		return MCG_MSG_E_GROUP;
	pk = key_of(h->sender, arg);
	if (!pk)
		return MCG_MSG_E_SENDER;
	if (crypto_sign_verify_detached(in + MCG_MSG_HDR + h->body_len, in,
					MCG_MSG_HDR + h->body_len, pk))
		return MCG_MSG_E_SIGNATURE;
	*body = in + MCG_MSG_HDR;
	return MCG_MSG_OK;
}
