/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a member knows of the others: their hellos.
 *
 * HELLO body: rekey public key (32) | newest epoch (4) | KEK id (4) |
 * highest generation seen (2) | flags (1).
 *
 * A hello's counter is its signer's wall clock in milliseconds, never
 * going back within one incarnation.  A receiver takes it only within
 * skew of its own clock, only above the last one of that incarnation, and
 * never from an incarnation that an earlier one replaced: a captured
 * hello is worthless once the skew has passed, and a restarted member's
 * old hellos cannot bring its old rekey key back.
 */
#ifndef MCGD_PEERS_H
#define MCGD_PEERS_H

#include <stdint.h>

#include "conf.h"
#include "proto.h"

#define MCG_HELLO_LEN		43
#define MCG_HELLO_KS		0x01	/* the signer is the key server */
#define MCG_HELLO_EXHAUSTED	0x02	/* its sending epoch ran out: rotate */
#define MCG_PEER_OLD_INCARNATIONS 4

struct mcg_hello {
	uint8_t rekey_pk[32];
	uint32_t newest_epoch;
	uint32_t kek_id;
	uint16_t generation;
	uint8_t flags;
};

struct mcg_peer {
	uint32_t sender;
	uint8_t key[MCG_KEY_LEN];	/* its identity, from the roster */
	uint64_t incarnation;		/* 0: never heard */
	uint64_t counter;
	uint64_t seen_ms;		/* our clock when its hello came */
	struct mcg_hello hello;
	uint64_t old[MCG_PEER_OLD_INCARNATIONS];	/* replaced ones */
};

/* One entry per roster member, in the roster's order (by sender id). */
struct mcg_peers {
	struct mcg_peer *peer;
	uint32_t n;
};

enum mcg_hello_verdict {
	MCG_HELLO_FIRST,	/* first heard from this member */
	MCG_HELLO_RESTART,	/* a new incarnation replaces the one known */
	MCG_HELLO_UPDATE,	/* the next hello of the one known */
	MCG_HELLO_E_STALE,	/* counter not above the last: a replay */
	MCG_HELLO_E_REPLACED,	/* an incarnation that was replaced */
	MCG_HELLO_E_SKEW,	/* counter too far from our clock */
	MCG_HELLO_E_MEMBER,	/* not in the roster */
	MCG_HELLO_E_BODY,	/* malformed body */
};

void mcg_hello_encode(uint8_t out[MCG_HELLO_LEN], const struct mcg_hello *h);
int mcg_hello_decode(const uint8_t *in, size_t len, struct mcg_hello *h);

/*
 * A table for c's members; state of members already in old (the table of
 * the roster before, may be NULL) is kept.  -1 on memory.
 */
int mcg_peers_init(struct mcg_peers *t, const struct mcg_conf *c,
		   const struct mcg_peers *old);
void mcg_peers_free(struct mcg_peers *t);

/* Records a verified HELLO datagram (header h, body) received at now_ms. */
enum mcg_hello_verdict mcg_peers_hello(struct mcg_peers *t,
				       const struct mcg_msg_hdr *h,
				       const uint8_t *body, uint64_t now_ms,
				       uint64_t skew_ms);

struct mcg_peer *mcg_peers_find(const struct mcg_peers *t, uint32_t sender);

/* The senders heard within lifetime_ms of now_ms into out; how many. */
uint32_t mcg_peers_live(const struct mcg_peers *t, uint64_t now_ms,
			uint64_t lifetime_ms, uint32_t *out);

#endif /* MCGD_PEERS_H */
