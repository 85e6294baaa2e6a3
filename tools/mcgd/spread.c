// SPDX-License-Identifier: GPL-2.0
/*
 * Spreading the roster (spread.h).  Fragments are plain slices of the
 * blob, MCG_ROSTER_CHUNK bytes each but the last; a receiver takes them
 * from one sender at a time (the blobs of two members may order their
 * signatures differently) and starts over if that sender stalls.
 */
#include <stdlib.h>
#include <string.h>

#include "member.h"
#include "roster.h"
#include "spread.h"

#define SPREAD_HOLDOFF_MS	2000	/* between two sendings of ours */
#define SPREAD_WAIT_MS		500	/* random wait before sending */
#define SPREAD_STALL_MS		3000	/* a reassembly that stops is dropped */

int mcgd_spread_set(struct mcgd_member *m)
{
	struct mcgd_spread *s = &m->spread;
	uint8_t *blob;
	size_t len;

	blob = mcg_roster_blob(&m->conf, m->conf.sigs, m->conf.nsigs, &len);
	if (!blob)
		return -1;
	if (len > 255 * (size_t)MCG_ROSTER_CHUNK) {
		free(blob);
		return -1;
	}
	free(s->blob);
	s->blob = blob;
	s->len = len;
	s->send_ms = 0;
	return 0;
}

static void in_reset(struct mcgd_spread *s)
{
	free(s->in);
	s->in = NULL;
	s->in_version = 0;
	s->ngot = 0;
	s->in_len = 0;
	memset(s->got, 0, sizeof(s->got));
}

void mcgd_spread_free(struct mcgd_spread *s)
{
	free(s->blob);
	in_reset(s);
	memset(s, 0, sizeof(*s));
}

void mcgd_spread_heard(struct mcgd_member *m, const struct mcg_msg_hdr *h,
		       uint64_t now)
{
	struct mcgd_spread *s = &m->spread;

	if (h->roster_version >= m->conf.version || s->send_ms || !s->blob ||
	    (s->sent_ms && now - s->sent_ms < SPREAD_HOLDOFF_MS))
		return;
	s->send_ms = now + 1 + randombytes_uniform(SPREAD_WAIT_MS);
}

static void take(struct mcgd_member *m, uint64_t now)
{
	struct mcgd_spread *s = &m->spread;
	struct mcg_conf next;
	struct mcg_err e;

	if (mcg_roster_from_blob(s->in, s->in_len, &m->conf, "roster", &next, &e)) {
		m->counters[MCGD_C_ROSTER_REFUSED]++;
		mcgd_member_say(m, "group %u: a roster from member %u refused: %s",
				m->conf.id, s->in_from, e.msg);
		return;
	}
	if (next.version != s->in_version) {
		m->counters[MCGD_C_ROSTER_REFUSED]++;
		mcgd_member_say(m, "group %u: member %u sent roster version %llu as %llu",
				m->conf.id, s->in_from,
				(unsigned long long)next.version,
				(unsigned long long)s->in_version);
	} else if (mcgd_member_roster(m, &next, now, &e)) {
		m->counters[MCGD_C_ROSTER_REFUSED]++;
		mcgd_member_say(m, "group %u: %s", m->conf.id, e.msg);
	} else {
		m->counters[MCGD_C_ROSTER_IN]++;
		mcgd_member_say(m, "group %u: roster version %llu taken (from member %u)",
				m->conf.id, (unsigned long long)next.version,
				s->in_from);
		if (m->ops->roster)
			m->ops->roster(m->arg, &m->conf, s->in, s->in_len);
	}
	mcg_conf_free(&next);
}

void mcgd_spread_input(struct mcgd_member *m, const struct mcg_msg_hdr *h,
		       const uint8_t *body, uint64_t now)
{
	struct mcgd_spread *s = &m->spread;
	uint8_t f = h->frag;

	if (h->roster_version <= m->conf.version) {
		if (h->roster_version < m->conf.version)
			m->counters[MCGD_C_ROSTER_OLD]++;
		else if (s->send_ms) {
			/* Another member sends ours: no need for two. */
			s->send_ms = 0;
			s->sent_ms = now;
		}
		return;
	}
	if (s->in_version && h->roster_version < s->in_version)
		return;
	if (s->in_version != h->roster_version ||
	    (h->sender != s->in_from && now - s->in_ms > SPREAD_STALL_MS)) {
		in_reset(s);
		s->in = malloc((size_t)h->nfrags * MCG_ROSTER_CHUNK);
		if (!s->in)
			return;
		s->in_version = h->roster_version;
		s->in_from = h->sender;
		s->in_inc = h->incarnation;
		s->nfrags = h->nfrags;
		s->in_ms = now;
	}
	if (h->sender != s->in_from || h->incarnation != s->in_inc ||
	    h->nfrags != s->nfrags || (s->got[f / 8] & (1u << f % 8)))
		return;
	/* Every fragment is whole but the last. */
	if (f + 1 < s->nfrags ? h->body_len != MCG_ROSTER_CHUNK : !h->body_len) {
		m->counters[MCGD_C_ROSTER_REFUSED]++;
		in_reset(s);
		return;
	}
	memcpy(s->in + (size_t)f * MCG_ROSTER_CHUNK, body, h->body_len);
	if (f + 1 == s->nfrags)
		s->in_len = (size_t)f * MCG_ROSTER_CHUNK + h->body_len;
	s->got[f / 8] |= 1u << f % 8;
	s->in_ms = now;
	if (++s->ngot < s->nfrags)
		return;
	take(m, now);
	in_reset(s);
}

uint64_t mcgd_spread_tick(struct mcgd_member *m, uint64_t now)
{
	struct mcgd_spread *s = &m->spread;
	uint8_t d[MCG_MSG_MAX];
	unsigned int f, n;

	if (s->in_version && now - s->in_ms > SPREAD_STALL_MS)
		in_reset(s);
	if (!s->send_ms || now < s->send_ms)
		return s->send_ms;
	n = (s->len + MCG_ROSTER_CHUNK - 1) / MCG_ROSTER_CHUNK;
	for (f = 0; f < n; f++) {
		struct mcg_msg_hdr h = {
			.type = MCG_MSG_ROSTER, .group = m->conf.id,
			.sender = m->me, .incarnation = m->incarnation,
			.counter = mcgd_member_counter(m, now),
			.roster_version = m->conf.version,
			.frag = f, .nfrags = n,
		};
		size_t off = (size_t)f * MCG_ROSTER_CHUNK;
		size_t len = s->len - off < MCG_ROSTER_CHUNK ?
			     s->len - off : MCG_ROSTER_CHUNK;

		/* A big roster goes out paced, 8 fragments a millisecond. */
		mcgd_member_queue(m, d, mcg_msg_seal(d, &h, s->blob + off, len, &m->id),
				  now + f / 8, 1);
	}
	m->counters[MCGD_C_ROSTER_SENT]++;
	s->send_ms = 0;
	s->sent_ms = now;
	return 0;
}
