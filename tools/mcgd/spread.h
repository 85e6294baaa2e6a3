/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The roster as the group spreads it.  An admin gives a newer signed
 * roster to any one member; every member that hears a datagram naming an
 * older roster version sends its own roster (ROSTER fragments of
 * mcg_roster_blob()), after a random wait that another member's sending
 * cuts short; a member that hears a newer one reassembles it, checks the
 * admins' signatures against its charter, and takes it.  Nobody needs to
 * trust the member that passes it on: only the signatures count.
 */
#ifndef MCGD_SPREAD_H
#define MCGD_SPREAD_H

#include <stdint.h>

#include "proto.h"

#define MCG_ROSTER_CHUNK	MCG_MSG_BODY_MAX

struct mcgd_member;

struct mcgd_spread {
	uint8_t *blob;		/* ours, as sent */
	size_t len;
	uint64_t send_ms;	/* ours is due then; 0: not */
	uint64_t sent_ms;	/* when it last went, or another sent it */

	/* A newer roster coming in, from one member at a time. */
	uint8_t *in;
	uint64_t in_version;	/* 0: none */
	uint32_t in_from;
	uint64_t in_inc;
	uint64_t in_ms;		/* when its last new fragment came */
	uint8_t nfrags;
	unsigned int ngot;
	size_t in_len;
	uint8_t got[32];	/* a bit per fragment */
};

/* Ours from the member's roster: at start and whenever it changes. */
int mcgd_spread_set(struct mcgd_member *m);
void mcgd_spread_free(struct mcgd_spread *s);

/* Any datagram that passed mcg_msg_open(): does its signer lag? */
void mcgd_spread_heard(struct mcgd_member *m, const struct mcg_msg_hdr *h,
		       uint64_t now);
/* A ROSTER fragment. */
void mcgd_spread_input(struct mcgd_member *m, const struct mcg_msg_hdr *h,
		       const uint8_t *body, uint64_t now);
/* Sends ours if due; returns when it next has to (0: nothing). */
uint64_t mcgd_spread_tick(struct mcgd_member *m, uint64_t now);

#endif /* MCGD_SPREAD_H */
