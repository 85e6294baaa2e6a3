/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_REPLAY_H
#define _MCG_REPLAY_H

#include <linux/types.h>

/**
 * struct mcg_replay - the sliding window of one sender's sequence numbers
 * @top: the highest sequence number accepted; 0 before the first
 * @window: how far below @top a number is still tracked
 * @blocks: 64-bit words in @bitmap, a ring: @window / 64 + 1, so the
 *	@window numbers below @top never share a word with a newer one
 * @bitmap: bit (n % 64) of word (n / 64) % @blocks is set when n was seen
 *
 * RFC 6479: moving the window clears whole words instead of shifting bits.
 * Sequence numbers start at 1; 0 is never valid.  The caller serialises
 * updates; mcg_replay_check() may run without the lock as a cheap early
 * filter, and mcg_replay_update() decides again under it.
 */
struct mcg_replay {
	u64 top;
	u32 window;
	u32 blocks;
	u64 bitmap[];
};

enum mcg_replay_verdict {
	MCG_REPLAY_NEW,
	MCG_REPLAY_DUP,		/* seen before */
	MCG_REPLAY_OLD,		/* below the window, or 0 */
};

size_t mcg_replay_size(u32 window);
void mcg_replay_init(struct mcg_replay *r, u32 window);
enum mcg_replay_verdict mcg_replay_check(const struct mcg_replay *r, u64 seq);
enum mcg_replay_verdict mcg_replay_update(struct mcg_replay *r, u64 seq);

#endif /* _MCG_REPLAY_H */
