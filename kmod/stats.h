/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_STATS_H
#define _MCG_STATS_H

#include <linux/mcg.h>
#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>
#include <net/netlink.h>

/*
 * Counters, per CPU so the packet path never shares a cache line, indexed
 * by their netlink attribute (enum mcg_stats_attr) so that reporting is a
 * loop and a new counter is one enum entry.
 */
struct mcg_pcpu_stats {
	u64_stats_t c[__MCG_A_STATS_MAX];
	struct u64_stats_sync syncp;
};

struct mcg_pcpu_stats __percpu *mcg_stats_alloc(gfp_t gfp);

/*
 * Writers run in process context (sending, local delivery) and in softirq
 * (receiving) on the same CPU: on 32-bit kernels, where a 64-bit add and
 * the sequence count are not atomic, one must not interrupt the other.
 * On 64-bit kernels the irqsave variants cost nothing.
 */
static inline void mcg_stats_add(struct mcg_pcpu_stats __percpu *stats,
				 enum mcg_stats_attr which, u64 n)
{
	struct mcg_pcpu_stats *s = get_cpu_ptr(stats);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&s->syncp);
	u64_stats_add(&s->c[which], n);
	u64_stats_update_end_irqrestore(&s->syncp, flags);
	put_cpu_ptr(stats);
}

int mcg_stats_put(struct sk_buff *skb, int attrtype,
		  struct mcg_pcpu_stats __percpu *stats);

#endif /* _MCG_STATS_H */
