/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_TRACE_API_H
#define _MCG_TRACE_API_H

#include <linux/types.h>

struct mcg_wire_info;
struct net;
struct sk_buff;

/*
 * A datagram (@skb, its header @info) or, with neither, a copy of one
 * @sender's message that a local socket did not get: traced, and told to
 * dynamic debug.  The caller counts it and frees it.
 */
void mcg_trace_drop(const struct net *net, u32 group, u32 sender,
		    const struct mcg_wire_info *info, const struct sk_buff *skb,
		    unsigned int why);

/* The length of the longest counter name, "rx_drop_not_peer", and more. */
#define MCG_TRACE_REASON_LEN	24

#endif /* _MCG_TRACE_API_H */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM mcg

#if !defined(_MCG_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MCG_TRACE_H

#include <linux/in6.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

/*
 * Tracepoints (Documentation/troubleshooting.rst): each datagram dropped
 * and why, a sender's new run, this host's new run and sending epoch, a
 * key used up.  @netns is the namespace's inode number (ls -l
 * /proc/PID/ns/net).  A drop's reason is its counter's name in mcgctl's
 * JSON; the header's fields are 0 where the datagram was too short or
 * malformed to have them, @saddr :: for a copy a local socket did not get.
 */
TRACE_EVENT(mcg_rx_drop,
	    TP_PROTO(unsigned int netns, u32 group, u32 sender, u32 epoch,
		     u64 run, u64 seq, const struct in6_addr *saddr,
		     const char *reason),
	    TP_ARGS(netns, group, sender, epoch, run, seq, saddr, reason),
	    TP_STRUCT__entry(__field(unsigned int, netns)
			     __field(u32, group)
			     __field(u32, sender)
			     __field(u32, epoch)
			     __field(u64, run)
			     __field(u64, seq)
			     __array(u8, saddr, sizeof(struct in6_addr))
			     __array(char, reason, MCG_TRACE_REASON_LEN)),
	    TP_fast_assign(__entry->netns = netns;
			   __entry->group = group;
			   __entry->sender = sender;
			   __entry->epoch = epoch;
			   __entry->run = run;
			   __entry->seq = seq;
			   memcpy(__entry->saddr, saddr, sizeof(struct in6_addr));
			   strscpy(__entry->reason, reason, MCG_TRACE_REASON_LEN);),
	    TP_printk("netns=%u group=%u sender=%u epoch=%u run=%llu seq=%llu saddr=%pI6c reason=%s",
		      __entry->netns, __entry->group, __entry->sender,
		      __entry->epoch, __entry->run, __entry->seq,
		      __entry->saddr, __entry->reason));

/* A sender's new run authenticated; @old_run 0: a sender first heard. */
TRACE_EVENT(mcg_rx_run,
	    TP_PROTO(unsigned int netns, u32 group, u32 sender, u32 epoch,
		     u64 run, u64 old_run),
	    TP_ARGS(netns, group, sender, epoch, run, old_run),
	    TP_STRUCT__entry(__field(unsigned int, netns)
			     __field(u32, group)
			     __field(u32, sender)
			     __field(u32, epoch)
			     __field(u64, run)
			     __field(u64, old_run)),
	    TP_fast_assign(__entry->netns = netns;
			   __entry->group = group;
			   __entry->sender = sender;
			   __entry->epoch = epoch;
			   __entry->run = run;
			   __entry->old_run = old_run;),
	    TP_printk("netns=%u group=%u sender=%u epoch=%u run=%llu old_run=%llu",
		      __entry->netns, __entry->group, __entry->sender,
		      __entry->epoch, __entry->run, __entry->old_run));

/* This host starts a run: a new derived key, sequence numbers from 1. */
TRACE_EVENT(mcg_tx_run,
	    TP_PROTO(unsigned int netns, u32 group, u32 sender, u32 epoch,
		     u64 run),
	    TP_ARGS(netns, group, sender, epoch, run),
	    TP_STRUCT__entry(__field(unsigned int, netns)
			     __field(u32, group)
			     __field(u32, sender)
			     __field(u32, epoch)
			     __field(u64, run)),
	    TP_fast_assign(__entry->netns = netns;
			   __entry->group = group;
			   __entry->sender = sender;
			   __entry->epoch = epoch;
			   __entry->run = run;),
	    TP_printk("netns=%u group=%u sender=%u epoch=%u run=%llu",
		      __entry->netns, __entry->group, __entry->sender,
		      __entry->epoch, __entry->run));

/* The epoch the group sends with changed; 0: none. */
TRACE_EVENT(mcg_tx_epoch,
	    TP_PROTO(unsigned int netns, u32 group, u32 old_epoch, u32 epoch),
	    TP_ARGS(netns, group, old_epoch, epoch),
	    TP_STRUCT__entry(__field(unsigned int, netns)
			     __field(u32, group)
			     __field(u32, old_epoch)
			     __field(u32, epoch)),
	    TP_fast_assign(__entry->netns = netns;
			   __entry->group = group;
			   __entry->old_epoch = old_epoch;
			   __entry->epoch = epoch;),
	    TP_printk("netns=%u group=%u old_epoch=%u epoch=%u",
		      __entry->netns, __entry->group, __entry->old_epoch,
		      __entry->epoch));

/* Sending refused: this host started runs_per_key runs under @epoch. */
TRACE_EVENT(mcg_key_exhausted,
	    TP_PROTO(unsigned int netns, u32 group, u32 epoch),
	    TP_ARGS(netns, group, epoch),
	    TP_STRUCT__entry(__field(unsigned int, netns)
			     __field(u32, group)
			     __field(u32, epoch)),
	    TP_fast_assign(__entry->netns = netns;
			   __entry->group = group;
			   __entry->epoch = epoch;),
	    TP_printk("netns=%u group=%u epoch=%u",
		      __entry->netns, __entry->group, __entry->epoch));

#endif /* _MCG_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
