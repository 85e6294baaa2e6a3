// SPDX-License-Identifier: GPL-2.0
/*
 * Epoch numbers and the election.
 */
#include "epoch.h"

int mcg_gen_cmp(uint16_t a, uint16_t b)
{
	/* RFC 1982 on 12 bits: half the space ahead is "after". */
	uint16_t d = (a - b) & MCG_GEN_MASK;

	if (!d)
		return 0;
	return d < (1u << (MCG_GEN_BITS - 1)) ? 1 : -1;
}

bool mcg_epoch_newer(uint32_t a, uint32_t b)
{
	int g = mcg_gen_cmp(mcg_epoch_gen(a), mcg_epoch_gen(b));

	if (g)
		return g > 0;
	if (mcg_epoch_cand(a) != mcg_epoch_cand(b))
		return false;
	return mcg_epoch_ctr(a) > mcg_epoch_ctr(b);
}

uint8_t mcg_candidate_rank(const struct mcg_conf *c, uint32_t sender)
{
	uint8_t rank = 0;
	uint32_t i;

	/* Members are sorted by sender id. */
	for (i = 0; i < c->nmembers; i++) {
		if (c->members[i].priority)
			rank++;
		if (c->members[i].sender == sender)
			return c->members[i].priority ? rank : 0;
	}
	return 0;
}

uint32_t mcg_elect(const struct mcg_conf *c, const uint32_t *live, unsigned int n)
{
	const struct mcg_member *best = NULL, *m;
	unsigned int i;

	for (i = 0; i < n; i++) {
		m = mcg_conf_member(c, live[i]);
		if (!m || !m->priority)
			continue;
		if (!best || m->priority < best->priority ||
		    (m->priority == best->priority && m->sender < best->sender))
			best = m;
	}
	return best ? best->sender : 0;
}
