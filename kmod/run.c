// SPDX-License-Identifier: GPL-2.0
/*
 * Run values: every run this host starts is larger than any it started
 * before, under any key, across module loads and reboots too.  A run
 * keys a sender key whose nonces count from 1: one run value used twice
 * under an epoch would reuse nonces (Documentation/wire-format.rst).
 *
 * While the module is loaded, a host-wide counter makes each run larger
 * than the last.  Across a restart it rests on the wall clock, which may
 * go back (no real-time clock, NTP stepping back), and on the run floor:
 * the largest run started, which /sys/module/mcg/parameters/run_floor
 * shows, and which the system saves and writes back when it loads the
 * module again (tools/run-floor/).  A run is the clock's nanoseconds with
 * their 20 low bits random, or one more than the floor if that is larger.
 */

#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/sysfs.h>

#include "run.h"

#define MCG_RUN_RANDOM_BITS 20
/*
 * Far beyond any clock (2^63 ns is the year 2262), and far below 2^64 - 1:
 * a floor written there could not be raised past without wrapping.
 */
#define MCG_RUN_FLOOR_MAX BIT_ULL(63)

/* The largest run started, or the floor written, whichever is larger. */
static atomic64_t mcg_run_last = ATOMIC64_INIT(0);

/* Raise the floor to @floor; never lowered: the old value may be stale. */
static int mcg_run_floor_set(const char *val, const struct kernel_param *kp)
{
	s64 last;
	u64 floor;
	int ret;

	ret = kstrtou64(val, 0, &floor);
	if (ret)
		return ret;
	if (floor >= MCG_RUN_FLOOR_MAX)
		return -ERANGE;
	last = atomic64_read(&mcg_run_last);
	while ((u64)last < floor &&
	       !atomic64_try_cmpxchg(&mcg_run_last, &last, floor))
		;
	return 0;
}

static int mcg_run_floor_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%llu\n", (u64)atomic64_read(&mcg_run_last));
}

static const struct kernel_param_ops mcg_run_floor_ops = {
	.set = mcg_run_floor_set,
	.get = mcg_run_floor_get,
};

module_param_cb(run_floor, &mcg_run_floor_ops, NULL, 0644);
MODULE_PARM_DESC(run_floor, "every run started is above it; reads as the largest run started (save it, write it back at the next load)");

/* Larger than any run before it, and hard to guess. */
u64 mcg_run_next(void)
{
	u64 mask = BIT_ULL(MCG_RUN_RANDOM_BITS) - 1;
	u64 want = (ktime_get_real_ns() & ~mask) | (get_random_u32() & mask);
	s64 last = atomic64_read(&mcg_run_last);
	u64 run;

	do {
		run = max_t(u64, want, (u64)last + 1);
	} while (!atomic64_try_cmpxchg(&mcg_run_last, &last, run));
	return run;
}
