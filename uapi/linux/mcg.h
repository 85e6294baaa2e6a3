/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * mcg: secure group messaging over IPv6 multicast.
 *
 * Sockets
 * -------
 *
 * An application opens socket(AF_MCG, SOCK_DGRAM, 0), binds it to a group
 * with a struct sockaddr_mcg naming the group id, and sends and receives
 * plaintext datagrams.  The kernel encrypts each message once with the
 * group's AEAD, sends it as UDP to the group's IPv6 multicast address, and
 * on receipt authenticates it, checks the sender's replay window, decrypts
 * it once and delivers it to every local socket bound to the group.
 * recvfrom()/recvmsg() report the authenticated sender id in smcg_sender.
 *
 * AF_MCG is a family number that mainline Linux reserved but never
 * implemented (AF_SNA).  The module parameter "family" overrides it; the
 * number in effect is in /sys/module/mcg/parameters/family, and programs
 * that must work with an overridden number read it from there.
 *
 * Configuration
 * -------------
 *
 * Groups and keys are configured over the generic netlink family
 * MCG_GENL_NAME, version MCG_GENL_VERSION; changes are announced on its
 * multicast group MCG_GENL_MCGRP_EVENTS.  Every command that changes state
 * needs CAP_NET_ADMIN over the network namespace; everything is per
 * network namespace.
 */
#ifndef _UAPI_LINUX_MCG_H
#define _UAPI_LINUX_MCG_H

#include <linux/types.h>
#include <linux/socket.h>

#define AF_MCG_DEFAULT		22
#define AF_MCG			AF_MCG_DEFAULT
#define PF_MCG			AF_MCG

/**
 * struct sockaddr_mcg - an endpoint of a group
 * @smcg_family: AF_MCG
 * @smcg_reserved: zero
 * @smcg_group: the group's numeric id (as configured with mcgctl)
 * @smcg_sender: the sender's id within the group; ignored by bind() and
 *	sendto(), filled in by recvfrom()/recvmsg() and getsockname()
 * @smcg_reserved2: zero
 */
struct sockaddr_mcg {
	__kernel_sa_family_t	smcg_family;
	__u16			smcg_reserved;
	__u32			smcg_group;
	__u32			smcg_sender;
	__u32			smcg_reserved2;
};

#define MCG_GENL_NAME		"mcg"
#define MCG_GENL_VERSION	1
#define MCG_GENL_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_MCG_H */
