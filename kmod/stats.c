// SPDX-License-Identifier: GPL-2.0

#include "stats.h"

struct mcg_pcpu_stats __percpu *mcg_stats_alloc(gfp_t gfp)
{
	struct mcg_pcpu_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu_gfp(struct mcg_pcpu_stats, gfp);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}

/* Sum every CPU's counters and put them in a nest of type @attrtype. */
int mcg_stats_put(struct sk_buff *skb, int attrtype,
		  struct mcg_pcpu_stats __percpu *stats)
{
	u64 sum[__MCG_A_STATS_MAX] = {};
	struct nlattr *nest;
	unsigned int start;
	int cpu, i;

	for_each_possible_cpu(cpu) {
		const struct mcg_pcpu_stats *s = per_cpu_ptr(stats, cpu);
		u64 v[__MCG_A_STATS_MAX];

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = MCG_A_STATS_TX_PACKETS; i <= MCG_A_STATS_MAX; i++)
				v[i] = u64_stats_read(&s->c[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (i = MCG_A_STATS_TX_PACKETS; i <= MCG_A_STATS_MAX; i++)
			sum[i] += v[i];
	}

	nest = nla_nest_start(skb, attrtype);
	if (!nest)
		return -EMSGSIZE;
	for (i = MCG_A_STATS_TX_PACKETS; i <= MCG_A_STATS_MAX; i++) {
		if (nla_put_u64_64bit(skb, i, sum[i], MCG_A_STATS_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}
