// SPDX-License-Identifier: GPL-2.0
/*
 * Replay windows.  Pure arithmetic on a bitmap: no allocation, no locking,
 * no kernel state, so the same file is unit-tested in userspace.
 */

#include "replay.h"

#define MCG_REPLAY_WORD_BITS 64

size_t mcg_replay_size(u32 window)
{
	return sizeof(struct mcg_replay) +
	       (window / MCG_REPLAY_WORD_BITS + 1) * sizeof(u64);
}

/* @window must be a non-zero multiple of 64 (the group's checks it). */
void mcg_replay_init(struct mcg_replay *r, u32 window)
{
	u32 i;

	r->top = 0;
	r->window = window;
	r->blocks = window / MCG_REPLAY_WORD_BITS + 1;
	for (i = 0; i < r->blocks; i++)
		r->bitmap[i] = 0;
}

static u32 mcg_replay_word(const struct mcg_replay *r, u64 seq)
{
	return (seq / MCG_REPLAY_WORD_BITS) % r->blocks;
}

static u64 mcg_replay_bit(u64 seq)
{
	return 1ULL << (seq % MCG_REPLAY_WORD_BITS);
}

enum mcg_replay_verdict mcg_replay_check(const struct mcg_replay *r, u64 seq)
{
	if (!seq)
		return MCG_REPLAY_OLD;
	if (seq > r->top)
		return MCG_REPLAY_NEW;
	if (r->top - seq >= r->window)
		return MCG_REPLAY_OLD;
	if (r->bitmap[mcg_replay_word(r, seq)] & mcg_replay_bit(seq))
		return MCG_REPLAY_DUP;
	return MCG_REPLAY_NEW;
}

/* Record @seq, for an authenticated message only; returns the verdict. */
enum mcg_replay_verdict mcg_replay_update(struct mcg_replay *r, u64 seq)
{
	enum mcg_replay_verdict v = mcg_replay_check(r, seq);
	u64 cur, next, n, i;

	if (v != MCG_REPLAY_NEW)
		return v;
	if (seq > r->top) {
		cur = r->top / MCG_REPLAY_WORD_BITS;
		next = seq / MCG_REPLAY_WORD_BITS;
		n = next - cur;
		if (n > r->blocks)
			n = r->blocks;
		/* Words that now hold newer numbers start empty. */
		for (i = 1; i <= n; i++)
			r->bitmap[(cur + i) % r->blocks] = 0;
		r->top = seq;
	}
	r->bitmap[mcg_replay_word(r, seq)] |= mcg_replay_bit(seq);
	return MCG_REPLAY_NEW;
}
