/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Terms, epoch numbers and the election (Documentation/key-management.rst):
 * pure functions of what a member has seen, the same on every member.
 *
 * An epoch number is generation (12 bits) | candidate (4) | counter (16):
 * two key servers never make the same one, as their candidate ranks
 * differ; generations compare as serial numbers (RFC 1982), so they may
 * wrap.
 */
#ifndef MCGD_EPOCH_H
#define MCGD_EPOCH_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"

#define MCG_GEN_BITS	12
#define MCG_GEN_MASK	((1u << MCG_GEN_BITS) - 1)
#define MCG_CTR_MAX	0xffffu

static inline uint32_t mcg_epoch(uint16_t gen, uint8_t cand, uint16_t ctr)
{
	return (uint32_t)(gen & MCG_GEN_MASK) << 20 | (uint32_t)(cand & 15) << 16 | ctr;
}

static inline uint16_t mcg_epoch_gen(uint32_t e) { return e >> 20; }
static inline uint8_t mcg_epoch_cand(uint32_t e) { return (e >> 16) & 15; }
static inline uint16_t mcg_epoch_ctr(uint32_t e) { return e & 0xffff; }

/* <0, 0, >0 as generation a is before, the same as, or after b. */
int mcg_gen_cmp(uint16_t a, uint16_t b);

/*
 * Is epoch a newer than b?  A later generation is; in one generation, the
 * same key server's higher counter is; epochs of two key servers of one
 * generation (a partition) are neither.
 */
bool mcg_epoch_newer(uint32_t a, uint32_t b);

/* The member's rank among the roster's candidates (1..15), 0 if none. */
uint8_t mcg_candidate_rank(const struct mcg_conf *c, uint32_t sender);

/*
 * The key server among the live candidates (their sender ids, n of them):
 * the lowest (priority, sender id); 0 if none is a candidate of c.
 */
uint32_t mcg_elect(const struct mcg_conf *c, const uint32_t *live, unsigned int n);

#endif /* MCGD_EPOCH_H */
