/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcgd's side of the kernel: the mcg generic netlink family, through
 * mcgctl's netlink code.  One socket for requests, one for the events
 * (key exhausted), which the main loop polls.  A failed request has been
 * logged (the kernel's extack message) when these return -1.
 */
#ifndef MCGD_KERNEL_H
#define MCGD_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "../mcgctl/nl.h"
#include "conf.h"

struct mcgd_kernel {
	struct mcg_nl nl;
	struct mcg_nl ev;
};

int mcgd_kernel_open(struct mcgd_kernel *k);
void mcgd_kernel_close(struct mcgd_kernel *k);
int mcgd_kernel_events_fd(const struct mcgd_kernel *k);

/*
 * The kernel group name for conf with this host's sender id, with no key:
 * made, or kept if one of that name is already the same group (a daemon
 * that restarts leaves applications bound to it), its keys deleted.
 */
int mcgd_kernel_group_up(struct mcgd_kernel *k, const char *name,
			 const struct mcg_conf *c, uint32_t sender,
			 uint32_t ifindex);
/*
 * The group's hop limit and its whole list of unicast peers (n may be
 * 0: none), as a roster gives them.
 */
int mcgd_kernel_group_set(struct mcgd_kernel *k, const char *name,
			  uint8_t hoplimit, const struct in6_addr *peers,
			  unsigned int n);
int mcgd_kernel_group_del(struct mcgd_kernel *k, const char *name);
/* Deletes every key of the group. */
int mcgd_kernel_keys_flush(struct mcgd_kernel *k, const char *name);

int mcgd_kernel_key_add(struct mcgd_kernel *k, const char *name,
			uint32_t epoch, uint8_t alg, const uint8_t *key,
			size_t len);
int mcgd_kernel_key_use(struct mcgd_kernel *k, const char *name,
			uint32_t epoch);
int mcgd_kernel_key_del(struct mcgd_kernel *k, const char *name,
			uint32_t epoch);

/* Reads the events that wait; fn gets each key-exhausted one. */
typedef void (*mcgd_exhausted_fn)(const char *name, uint32_t epoch,
				  void *arg);
void mcgd_kernel_events(struct mcgd_kernel *k, mcgd_exhausted_fn fn,
			void *arg);

#endif /* MCGD_KERNEL_H */
