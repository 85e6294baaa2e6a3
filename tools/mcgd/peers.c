// SPDX-License-Identifier: GPL-2.0
/*
 * The peer table.  Indexed like the roster, so that a lookup by sender id
 * is a binary search and a roster change maps old entries to new ones.
 */
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "peers.h"

void mcg_hello_encode(uint8_t out[MCG_HELLO_LEN], const struct mcg_hello *h)
{
	memcpy(out, h->rekey_pk, 32);
	mcg_put_be(out + 32, h->newest_epoch, 4);
	mcg_put_be(out + 36, h->kek_id, 4);
	mcg_put_be(out + 40, h->generation, 2);
	out[42] = h->flags;
}

int mcg_hello_decode(const uint8_t *in, size_t len, struct mcg_hello *h)
{
	if (len != MCG_HELLO_LEN)
		return -1;
	memcpy(h->rekey_pk, in, 32);
	h->newest_epoch = mcg_get_be(in + 32, 4);
	h->kek_id = mcg_get_be(in + 36, 4);
	h->generation = mcg_get_be(in + 40, 2);
	h->flags = in[42];
	return 0;
}

struct mcg_peer *mcg_peers_find(const struct mcg_peers *t, uint32_t sender)
{
	uint32_t lo = 0, hi = t->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->peer[mid].sender == sender)
			return &t->peer[mid];
		if (t->peer[mid].sender < sender)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int mcg_peers_init(struct mcg_peers *t, const struct mcg_conf *c,
		   const struct mcg_peers *old)
{
	const struct mcg_peer *was;
	uint32_t i;

	t->peer = calloc(c->nmembers ? c->nmembers : 1, sizeof(*t->peer));
	if (!t->peer)
		return -1;
	t->n = c->nmembers;
	for (i = 0; i < t->n; i++) {
		was = old ? mcg_peers_find(old, c->members[i].sender) : NULL;
		/* A member whose key changed is another host: start afresh. */
		if (was && !memcmp(was->key, c->members[i].key, MCG_KEY_LEN))
			t->peer[i] = *was;
		t->peer[i].sender = c->members[i].sender;
		memcpy(t->peer[i].key, c->members[i].key, MCG_KEY_LEN);
	}
	return 0;
}

void mcg_peers_free(struct mcg_peers *t)
{
	free(t->peer);
	t->peer = NULL;
	t->n = 0;
}

static bool replaced(const struct mcg_peer *p, uint64_t inc)
{
	unsigned int i;

	for (i = 0; i < MCG_PEER_OLD_INCARNATIONS; i++)
		if (p->old[i] == inc)
			return true;
	return false;
}

enum mcg_hello_verdict mcg_peers_hello(struct mcg_peers *t,
				       const struct mcg_msg_hdr *h,
				       const uint8_t *body, uint64_t now_ms,
				       uint64_t skew_ms)
{
	struct mcg_peer *p = mcg_peers_find(t, h->sender);
	enum mcg_hello_verdict v;
	struct mcg_hello hello;

	if (!p)
		return MCG_HELLO_E_MEMBER;
	if (mcg_hello_decode(body, h->body_len, &hello))
		return MCG_HELLO_E_BODY;
	if (h->counter + skew_ms < now_ms || h->counter > now_ms + skew_ms)
		return MCG_HELLO_E_SKEW;
	if (!h->incarnation || replaced(p, h->incarnation))
		return MCG_HELLO_E_REPLACED;
	/*
	 * Also across incarnations: an older incarnation that was never seen
	 * to be replaced (this member restarted since) has older counters.
	 */
	if (h->counter <= p->counter)
		return MCG_HELLO_E_STALE;
	if (h->incarnation == p->incarnation) {
		v = MCG_HELLO_UPDATE;
	} else if (p->incarnation) {
		/* Remember what it replaces, oldest out. */
		memmove(p->old + 1, p->old, sizeof(p->old) - sizeof(p->old[0]));
		p->old[0] = p->incarnation;
		v = MCG_HELLO_RESTART;
	} else {
		v = MCG_HELLO_FIRST;
	}
	p->incarnation = h->incarnation;
	p->counter = h->counter;
	p->seen_ms = now_ms;
	p->hello = hello;
	return v;
}

uint32_t mcg_peers_live(const struct mcg_peers *t, uint64_t now_ms,
			uint64_t lifetime_ms, uint32_t *out)
{
	uint32_t i, n = 0;

	for (i = 0; i < t->n; i++)
		if (t->peer[i].incarnation &&
		    now_ms - t->peer[i].seen_ms <= lifetime_ms)
			out[n++] = t->peer[i].sender;
	return n;
}
