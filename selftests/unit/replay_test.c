// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/replay.c in userspace: every boundary of the window, big jumps, the
 * top of the 64-bit space, and a million random operations against a
 * simple model (a set of seen numbers and the highest one).
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "replay.h"

static struct mcg_replay *new_window(u32 window)
{
	struct mcg_replay *r = malloc(mcg_replay_size(window));

	mcg_replay_init(r, window);
	return r;
}

TEST(zero_is_never_valid)
{
	struct mcg_replay *r = new_window(1024);

	EXPECT_EQ(MCG_REPLAY_OLD, mcg_replay_check(r, 0));
	EXPECT_EQ(MCG_REPLAY_OLD, mcg_replay_update(r, 0));
	EXPECT_EQ(0ULL, r->top);
	free(r);
}

TEST(duplicates_are_refused)
{
	struct mcg_replay *r = new_window(1024);
	u64 s;

	for (s = 1; s <= 5000; s++)
		ASSERT_EQ(MCG_REPLAY_NEW, mcg_replay_update(r, s));
	for (s = 5000 - 1023; s <= 5000; s++) {
		EXPECT_EQ(MCG_REPLAY_DUP, mcg_replay_check(r, s));
		EXPECT_EQ(MCG_REPLAY_DUP, mcg_replay_update(r, s));
	}
	free(r);
}

TEST(window_edges_for_every_size)
{
	static const u32 sizes[] = { 1024, 1088, 2048, 4096, 65536 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		u32 w = sizes[i];
		struct mcg_replay *r = new_window(w);
		u64 top = 100000;

		ASSERT_EQ(MCG_REPLAY_NEW, mcg_replay_update(r, top));
		/* The w - 1 numbers below top are tracked, top - w is not. */
		EXPECT_EQ(MCG_REPLAY_NEW, mcg_replay_check(r, top - w + 1));
		EXPECT_EQ(MCG_REPLAY_OLD, mcg_replay_check(r, top - w));
		EXPECT_EQ(MCG_REPLAY_NEW, mcg_replay_update(r, top - w + 1));
		EXPECT_EQ(MCG_REPLAY_DUP, mcg_replay_update(r, top - w + 1));
		EXPECT_EQ(MCG_REPLAY_OLD, mcg_replay_update(r, top - w));
		EXPECT_EQ(MCG_REPLAY_DUP, mcg_replay_check(r, top));
		/* One step up: the oldest tracked number falls out. */
		EXPECT_EQ(MCG_REPLAY_NEW, mcg_replay_update(r, top + 1));
		EXPECT_EQ(MCG_REPLAY_OLD, mcg_replay_check(r, top - w + 1));
		free(r);
	}
}

TEST(jumps_clear_what_they_pass)
{
	struct mcg_replay *r = new_window(1024);
	u64 s, old, jumps[] = { 1, 63, 64, 65, 1023, 1024, 1025, 1088, 1089,
				100000, 1ULL << 40 };
	unsigned int i;
	u64 top = 1;

	ASSERT_EQ(MCG_REPLAY_NEW, mcg_replay_update(r, top));
	for (i = 0; i < sizeof(jumps) / sizeof(jumps[0]); i++) {
		/* Fill the window, jump: in the new window exactly the
		 * numbers up to the old top have been seen. */
		for (s = top > 1023 ? top - 1023 : 1; s <= top; s++)
			mcg_replay_update(r, s);
		old = top;
		top += jumps[i];
		ASSERT_EQ(MCG_REPLAY_NEW, mcg_replay_update(r, top));
		for (s = top > 1023 ? top - 1023 : 1; s < top; s++)
			ASSERT_EQ(s <= old ? MCG_REPLAY_DUP : MCG_REPLAY_NEW,
				  mcg_replay_check(r, s))
				TH_LOG("jump %llu: seq %llu (top %llu)",
				       (unsigned long long)jumps[i],
				       (unsigned long long)s, (unsigned long long)top);
	}
	free(r);
}

TEST(the_top_of_the_number_space)
{
	struct mcg_replay *r = new_window(1024);
	u64 max = ~0ULL;

	ASSERT_EQ(MCG_REPLAY_NEW, mcg_replay_update(r, max - 2000));
	ASSERT_EQ(MCG_REPLAY_NEW, mcg_replay_update(r, max - 1));
	EXPECT_EQ(MCG_REPLAY_NEW, mcg_replay_update(r, max));
	EXPECT_EQ(MCG_REPLAY_DUP, mcg_replay_update(r, max));
	EXPECT_EQ(MCG_REPLAY_DUP, mcg_replay_update(r, max - 1));
	EXPECT_EQ(MCG_REPLAY_NEW, mcg_replay_update(r, max - 1023));
	EXPECT_EQ(MCG_REPLAY_OLD, mcg_replay_update(r, max - 1024));
	EXPECT_EQ(MCG_REPLAY_OLD, mcg_replay_update(r, 1));
	free(r);
}

/* The model: a number is new iff above top, or within the window and unseen. */
TEST(a_million_random_operations_agree_with_a_model)
{
	enum { W = 1024, SPAN = 1 << 23 };
	struct mcg_replay *r = new_window(W);
	unsigned char *seen = calloc(SPAN, 1);
	u64 top = 0, s, i;
	unsigned int seed = 1;

	srand(seed);
	printf("# seed %u\n", seed);
	for (i = 0; i < 1000000; i++) {
		enum mcg_replay_verdict want, got;
		long d = (rand() % 1600) - 1500;	/* mostly behind, some ahead */

		s = (long)top + d < 1 ? 1 : (u64)((long)top + d);
		if (s >= SPAN)
			break;
		if (s > top)
			want = MCG_REPLAY_NEW;
		else if (top - s >= W)
			want = MCG_REPLAY_OLD;
		else
			want = seen[s] ? MCG_REPLAY_DUP : MCG_REPLAY_NEW;
		got = mcg_replay_update(r, s);
		ASSERT_EQ(want, got) TH_LOG("op %llu seq %llu top %llu",
					    (unsigned long long)i, (unsigned long long)s,
					    (unsigned long long)top);
		if (want == MCG_REPLAY_NEW) {
			seen[s] = 1;
			if (s > top)
				top = s;
		}
	}
	EXPECT_EQ(1000000ULL, i);
	free(seen);
	free(r);
}

TEST_HARNESS_MAIN
