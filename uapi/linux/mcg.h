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
 * network namespace.  Reading (GET, STATS_GET) is open to every user.
 *
 * Commands
 * --------
 *
 * A group is named by MCG_A_GROUP_NAME or MCG_A_GROUP_ID in every request.
 *
 * MCG_CMD_GROUP_NEW	create a group: NAME, and ADDR (IPv6 multicast) with
 *			IFINDEX, or PEERS, or both, are required; ID
 *			(default: the lowest free), PORT, SOURCES,
 *			HOPLIMIT, WINDOW, SENDER (default: random), UID,
 *			GID and MODE are optional.  A group without ADDR
 *			sends to its peers only and joins nothing.
 * MCG_CMD_GROUP_SET	change HOPLIMIT, WINDOW, UID, GID, MODE, PEERS
 *			(the whole list: an empty nest removes every
 *			peer, which a group without ADDR cannot do), or
 *			the sending epoch (TX_EPOCH; 0 = follow the
 *			newest key).
 * MCG_CMD_GROUP_DEL	delete a group; its keys are zeroed.
 * MCG_CMD_GROUP_GET	one group, or all with NLM_F_DUMP; keys are listed
 *			by epoch, algorithm and counters, never material.
 * MCG_CMD_KEY_NEW	install a key: a MCG_A_KEY nest with EPOCH, ALG and
 *			MATERIAL (of the algorithm's exact length); it
 *			becomes the sending key when it is the newest epoch
 *			and the group follows the newest, unless RX_ONLY.
 * MCG_CMD_KEY_DEL	delete the key of MCG_A_KEY's EPOCH; it is zeroed.
 * MCG_CMD_STATS_GET	counters of one group (and of each of its senders),
 *			or of all groups with NLM_F_DUMP, or of the one a
 *			dump names; without a group, MCG_A_NS_STATS.  In a
 *			dump a group may span several messages, each with
 *			its NAME and ID and the next MCG_A_SENDERS, its
 *			MCG_A_STATS in the first only; a request for a group
 *			with more senders than one message holds fails with
 *			EMSGSIZE: dump it instead.
 * MCG_CMD_FLUSH	delete every group of the namespace.
 * MCG_CMD_KEY_EXHAUSTED	an event only: the group sends no more under
 *			MCG_A_KEY's EPOCH, whose use limit this host reached
 *			(sends fail with EKEYEXPIRED until another epoch is
 *			installed or chosen).
 *
 * Events on MCG_GENL_MCGRP_EVENTS carry the command that made the change
 * (GROUP_NEW, GROUP_SET, GROUP_DEL, KEY_NEW, KEY_DEL, FLUSH) and the
 * group's attributes as GROUP_GET reports them.
 *
 * Key material is write-only: no reply or event ever carries it, and it is
 * zeroed when its epoch, its group, its namespace or the module goes away.
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

#define MCG_GROUP_NAME_MAX	16	/* with the terminating NUL */
#define MCG_MAX_EPOCHS		4	/* key slots per group */
#define MCG_MAX_SOURCES		8	/* source addresses per group */
#define MCG_MAX_PEERS		256	/* unicast peers per group */
#define MCG_DEFAULT_PORT	6470
#define MCG_DEFAULT_HOPLIMIT	1	/* as IPV6_MULTICAST_HOPS */
#define MCG_WINDOW_MIN		1024	/* replay window, in messages */
#define MCG_WINDOW_MAX		65536	/* a multiple of 64 in between */
#define MCG_DEFAULT_WINDOW	MCG_WINDOW_MIN
#define MCG_DEFAULT_MODE	0660

/* AEAD algorithms. */
enum mcg_alg {
	MCG_ALG_UNSPEC,
	MCG_ALG_AES_GCM_128,		/* 16-byte key */
	MCG_ALG_AES_GCM_256,		/* 32-byte key */
	MCG_ALG_CHACHA20_POLY1305,	/* 32-byte key */

	__MCG_ALG_MAX,
	MCG_ALG_MAX = __MCG_ALG_MAX - 1
};

enum mcg_cmd {
	MCG_CMD_UNSPEC,
	MCG_CMD_GROUP_NEW,
	MCG_CMD_GROUP_SET,
	MCG_CMD_GROUP_DEL,
	MCG_CMD_GROUP_GET,
	MCG_CMD_KEY_NEW,
	MCG_CMD_KEY_DEL,
	MCG_CMD_STATS_GET,
	MCG_CMD_FLUSH,
	MCG_CMD_KEY_EXHAUSTED,

	__MCG_CMD_MAX,
	MCG_CMD_MAX = __MCG_CMD_MAX - 1
};

/* Top-level attributes of every command and event. */
enum mcg_attr {
	MCG_A_UNSPEC,
	MCG_A_PAD,
	MCG_A_GROUP_NAME,	/* string, 1 to MCG_GROUP_NAME_MAX - 1 bytes */
	MCG_A_GROUP_ID,		/* u32, not 0 */
	MCG_A_GROUP_ADDR,	/* binary: struct in6_addr, multicast */
	MCG_A_GROUP_PORT,	/* u16, host order, not 0 */
	MCG_A_GROUP_IFINDEX,	/* u32 */
	MCG_A_GROUP_IFNAME,	/* string: reported, never accepted */
	MCG_A_GROUP_SOURCES,	/* nest of MCG_A_SOURCE_ADDR, up to MCG_MAX_SOURCES */
	MCG_A_GROUP_HOPLIMIT,	/* u8, 1 to 255 */
	MCG_A_GROUP_WINDOW,	/* u32, replay window in messages */
	MCG_A_GROUP_SENDER,	/* u32, this host's sender id, not 0 */
	MCG_A_GROUP_UID,	/* u32, owner */
	MCG_A_GROUP_GID,	/* u32, group */
	MCG_A_GROUP_MODE,	/* u16, permission bits (0777 at most) */
	MCG_A_GROUP_TX_EPOCH,	/* u32, the sending epoch; 0 = newest */
	MCG_A_GROUP_TX_EPOCH_AUTO, /* flag, reported: following the newest */
	MCG_A_GROUP_KEYS,	/* nest of MCG_A_KEY, reported */
	MCG_A_KEY,		/* nest of enum mcg_key_attr */
	MCG_A_STATS,		/* nest of enum mcg_stats_attr */
	MCG_A_SENDERS,		/* nest of MCG_A_SENDER */
	MCG_A_NS_STATS,		/* nest of enum mcg_stats_attr */
	MCG_A_GROUP_PEERS,	/* nest of MCG_A_PEERS_PEER, up to MCG_MAX_PEERS:
				 * unicast members, each sent every datagram
				 */

	__MCG_A_MAX,
	MCG_A_MAX = __MCG_A_MAX - 1
};

/* Inside MCG_A_GROUP_SOURCES: one MCG_A_SOURCE_ADDR per source. */
enum mcg_source_attr {
	MCG_A_SOURCE_UNSPEC,
	MCG_A_SOURCE_ADDR,	/* binary: struct in6_addr, unicast */

	__MCG_A_SOURCE_MAX,
	MCG_A_SOURCE_MAX = __MCG_A_SOURCE_MAX - 1
};

/* Inside MCG_A_GROUP_PEERS: one MCG_A_PEERS_PEER per unicast peer. */
enum mcg_peers_attr {
	MCG_A_PEERS_UNSPEC,
	MCG_A_PEERS_PEER,	/* nest of enum mcg_peer_attr */

	__MCG_A_PEERS_MAX,
	MCG_A_PEERS_MAX = __MCG_A_PEERS_MAX - 1
};

/*
 * A unicast peer: every datagram the group sends goes to it too, and
 * datagrams of the group's that arrive by unicast are accepted from the
 * peers' addresses only.  The counters are the peer's since it was
 * listed; a new list keeps those of the addresses it still holds.
 */
enum mcg_peer_attr {
	MCG_A_PEER_UNSPEC,
	MCG_A_PEER_PAD,
	MCG_A_PEER_ADDR,	/* binary: struct in6_addr, unicast, not
				 * link-local, loopback or v4-mapped
				 */
	MCG_A_PEER_TX_PACKETS,	/* u64, reported: datagrams sent to it */
	MCG_A_PEER_TX_ERRORS,	/* u64, reported: sends that failed and
				 * ICMPv6 errors it caused
				 */

	__MCG_A_PEER_MAX,
	MCG_A_PEER_MAX = __MCG_A_PEER_MAX - 1
};

/* Inside MCG_A_KEY. */
enum mcg_key_attr {
	MCG_A_KEY_UNSPEC,
	MCG_A_KEY_PAD,
	MCG_A_KEY_EPOCH,	/* u32, not 0 */
	MCG_A_KEY_ALG,		/* u32, enum mcg_alg */
	MCG_A_KEY_MATERIAL,	/* binary, write-only, the algorithm's length */
	MCG_A_KEY_RX_ONLY,	/* flag: install without sending with it */
	MCG_A_KEY_CREATED,	/* u64, seconds since the Unix epoch, reported */
	MCG_A_KEY_SENDING,	/* flag, reported: the group sends with it */
	MCG_A_KEY_TX_PACKETS,	/* u64, reported */
	MCG_A_KEY_RX_PACKETS,	/* u64, reported */

	__MCG_A_KEY_MAX,
	MCG_A_KEY_MAX = __MCG_A_KEY_MAX - 1
};

/*
 * Inside MCG_A_STATS (a group, or one sender in MCG_A_SENDER) and
 * MCG_A_NS_STATS.  Every counter is a u64; every dropped datagram is
 * counted under exactly one RX_DROP_* reason, but those that arrive while
 * their group is being deleted (Documentation/uapi.rst, Counters).
 */
enum mcg_stats_attr {
	MCG_A_STATS_UNSPEC,
	MCG_A_STATS_PAD,
	MCG_A_STATS_TX_PACKETS,		/* datagrams sent (a bundle is one) */
	MCG_A_STATS_TX_BYTES,		/* their plaintext bytes */
	MCG_A_STATS_TX_ERRORS,		/* sends that failed after encryption */
	MCG_A_STATS_TX_NOKEY,		/* sends refused: no sending key */
	MCG_A_STATS_TX_KEY_EXHAUSTED,	/* sends refused: key use limit */
	MCG_A_STATS_RX_PACKETS,		/* datagrams authenticated, accepted */
	MCG_A_STATS_RX_BYTES,		/* their plaintext bytes */
	MCG_A_STATS_RX_DELIVERED,	/* copies queued to local sockets */
	MCG_A_STATS_RX_DROP_SHORT,	/* shorter than a header and a tag */
	MCG_A_STATS_RX_DROP_HEADER,	/* bad version, type or reserved bits;
					 * or a bundle whose lengths lie
					 */
	MCG_A_STATS_RX_DROP_NO_GROUP,	/* names no group of this port, or,
					 * by multicast, one of another
					 * address or interface (namespace
					 * only)
					 */
	MCG_A_STATS_RX_DROP_NO_KEY,	/* unknown epoch */
	MCG_A_STATS_RX_DROP_AUTH,	/* authentication failed */
	MCG_A_STATS_RX_DROP_REPLAY,	/* sequence number already seen */
	MCG_A_STATS_RX_DROP_OLD,	/* older than the replay window */
	MCG_A_STATS_RX_DROP_OLD_RUN,	/* a run with no window kept: older
					 * than the sender's two newest, or
					 * closed with its deleted epoch
					 */
	MCG_A_STATS_RX_DROP_NOMEM,	/* no memory to process it */
	MCG_A_STATS_RX_DROP_RCVBUF,	/* copies a local socket did not get:
					 * its buffer was full, or no memory
					 * (a local sender's copies too)
					 */
	MCG_A_STATS_RX_DROP_BACKLOG,	/* too many from new senders or runs */
	MCG_A_STATS_RX_DROP_OWN,	/* this host's own sender id: reflected */
	MCG_A_STATS_RX_DROP_NOT_PEER,	/* by unicast, from an address not
					 * among the group's peers
					 */

	__MCG_A_STATS_MAX,
	MCG_A_STATS_MAX = __MCG_A_STATS_MAX - 1
};

/* Inside MCG_A_SENDERS. */
enum mcg_senders_attr {
	MCG_A_SENDERS_UNSPEC,
	MCG_A_SENDER,		/* nest of enum mcg_sender_attr */

	__MCG_A_SENDERS_MAX,
	MCG_A_SENDERS_MAX = __MCG_A_SENDERS_MAX - 1
};

enum mcg_sender_attr {
	MCG_A_SENDER_UNSPEC,
	MCG_A_SENDER_PAD,
	MCG_A_SENDER_ID,	/* u32 */
	MCG_A_SENDER_STATS,	/* nest of enum mcg_stats_attr */
	MCG_A_SENDER_LAST_RX,	/* u64, milliseconds since its last
				 * datagram was accepted
				 */
	MCG_A_SENDER_EPOCH,	/* u32, the epoch of its current run;
				 * absent once that epoch is deleted
				 */
	MCG_A_SENDER_RUN,	/* u64, its current run */

	__MCG_A_SENDER_MAX,
	MCG_A_SENDER_MAX = __MCG_A_SENDER_MAX - 1
};

/* Inside MCG_A_GROUP_KEYS. */
enum mcg_keys_attr {
	MCG_A_KEYS_UNSPEC,
	MCG_A_KEYS_KEY,		/* nest of enum mcg_key_attr */

	__MCG_A_KEYS_MAX,
	MCG_A_KEYS_MAX = __MCG_A_KEYS_MAX - 1
};

#endif /* _UAPI_LINUX_MCG_H */
