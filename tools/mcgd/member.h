/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One group as one member runs it (Documentation/key-management.rst): its
 * hellos, the election, the key server's work when it is elected, and the
 * keys it installs.  A state machine without I/O of its own: the daemon
 * hands it datagrams and the time, and it answers through struct
 * mcgd_ops (datagrams to send, keys to install, use and delete).  So the
 * whole protocol runs in the unit tests, a group of hundreds in one
 * process, with loss, partitions and restarts.
 */
#ifndef MCGD_MEMBER_H
#define MCGD_MEMBER_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "identity.h"
#include "keys.h"
#include "peers.h"
#include "proto.h"
#include "spread.h"

#define MCGD_EPOCHS	4	/* the kernel's key slots */
#define MCGD_REPEATS	3	/* copies of each key server datagram */
#define MCGD_SKEW_MS	60000
#define MCGD_GONE_MAX	64	/* removed members told of their removal */

struct mcgd_ops {
	/* A datagram for the group's control address. */
	void (*send)(void *arg, const uint8_t *d, size_t len);
	/* The kernel: install an epoch receive-only, send on it, delete it. */
	int (*key_add)(void *arg, uint32_t epoch, uint8_t alg,
		       const uint8_t *key, size_t len);
	int (*key_use)(void *arg, uint32_t epoch);
	int (*key_del)(void *arg, uint32_t epoch);
	/* One line for the journal (never a key). */
	void (*log)(void *arg, const char *line);
	/* A newer roster came over the network and is in use (may be NULL). */
	void (*roster)(void *arg, const struct mcg_conf *conf,
		       const uint8_t *blob, size_t len);
};

enum mcgd_counter {
	MCGD_C_IN,		/* datagrams that passed mcg_msg_open() */
	MCGD_C_REFUSED,		/* ... and those that did not */
	MCGD_C_HELLO_REFUSED,	/* stale, replaced, skewed, malformed */
	MCGD_C_KEK_IN,		/* KEKs opened */
	MCGD_C_KEK_REFUSED,	/* from a non-candidate, malformed, unopenable */
	MCGD_C_REKEY_IN,	/* epochs installed */
	MCGD_C_REKEY_REFUSED,	/* unknown KEK, before our first epoch, old */
	MCGD_C_SYNC_SENT,
	MCGD_C_RELAYED,
	MCGD_C_TERMS,		/* terms this member started as key server */
	MCGD_C_ROTATIONS,	/* epochs it made */
	MCGD_C_ROSTER_IN,	/* newer rosters taken from the network */
	MCGD_C_ROSTER_REFUSED,	/* unsigned, another charter, malformed */
	MCGD_C_ROSTER_OLD,	/* fragments of a version below ours */
	MCGD_C_ROSTER_SENT,	/* times ours went to members that lag */
	MCGD_C_EXHAUSTED,	/* the kernel's key-exhausted events */
	__MCGD_C_MAX,
};

struct mcgd_kek {
	uint32_t id;		/* 0: none */
	uint8_t key[MCG_KEK_LEN];
};

struct mcgd_epoch {
	uint32_t epoch;		/* 0: a free slot */
	uint64_t activate_ms;	/* when to send on it (0: done) */
	uint64_t delete_ms;	/* when to delete it (0: not yet known) */
	bool removal;		/* made after a removal: the old go fast */
};

struct mcgd_out {
	uint8_t d[MCG_MSG_MAX];
	size_t len;
	uint64_t at_ms;
	unsigned int left;
};

/* The key server's own record of who has its KEK. */
struct mcgd_ks_peer {
	uint32_t kek_id;
	uint64_t incarnation;
	uint64_t served_ms;
	bool resync;		/* it asked (SYNC): serve it again */
};

struct mcgd_member {
	const struct mcgd_ops *ops;
	void *arg;
	struct mcg_conf conf;
	struct mcg_peers peers;
	struct mcgd_ks_peer *ks_peer;	/* parallel to peers, as key server */
	struct mcg_identity id;
	uint32_t me;
	uint64_t incarnation;
	uint8_t rpk[32], rsk[32];	/* this run's rekey key */
	uint64_t start_ms, next_hello_ms, last_counter;
	bool stopped;			/* removed from the roster */

	uint32_t ks;			/* the elected key server, 0: none */
	uint16_t gen_seen;		/* highest generation heard of */

	/* As key server. */
	bool is_ks;
	uint16_t gen, ctr, kctr;
	struct mcgd_kek ks_kek;
	uint64_t next_rotation_ms;
	uint64_t newcomers_ms;		/* when to serve them; 0: none */

	/* As member. */
	struct mcgd_kek kek[2];		/* [0] the newest */
	uint32_t first_epoch;		/* of our KEK entry */
	struct mcgd_epoch epochs[MCGD_EPOCHS];
	uint64_t sync_ms;		/* a SYNC to send then; 0: none */

	/* Relaying: the newest key server datagrams as they came. */
	struct mcgd_out *kek_cache;
	unsigned int nkek_cache;
	struct mcgd_out rekey_cache;
	struct mcgd_out pending;	/* a rekey that came before its KEK */
	uint64_t relay_ms;		/* when to relay; 0: nothing asked */
	uint32_t relay_to;		/* sender and incarnation that asked */
	uint64_t relay_inc;
	bool relay_kek_seen;		/* another answered first: no need */
	bool relay_rekey_seen;

	struct mcgd_out *out;		/* to send, some repeated */
	unsigned int nout, capout;
	struct mcgd_spread spread;
	/*
	 * Members removed by the rosters we took, newest last: a datagram of
	 * theirs, still signed under an older roster, gets ours in answer,
	 * so that they learn of their removal and stop.
	 */
	struct mcg_member *gone;
	unsigned int ngone;
	uint32_t exhausted;		/* our sending epoch ran out */
	uint64_t counters[__MCGD_C_MAX];
	uint64_t said_ms[__MCGD_C_MAX];	/* a refusal's last log line */
};

/* The counter's name, as mcgctl daemon show prints it. */
const char *mcgd_counter_name(enum mcgd_counter c);

/*
 * Starts the member for conf (copied) with identity id at now_ms (wall
 * clock).  -1 with e if id is not a member of conf's roster.
 */
int mcgd_member_init(struct mcgd_member *m, const struct mcg_conf *conf,
		     const struct mcg_identity *id, const struct mcgd_ops *ops,
		     void *arg, uint64_t now_ms, struct mcg_err *e);
void mcgd_member_free(struct mcgd_member *m);

/* A datagram from the control port. */
void mcgd_member_input(struct mcgd_member *m, const uint8_t *d, size_t len,
		       uint64_t now_ms);

/* Does what is due; returns when it next has something to do. */
uint64_t mcgd_member_tick(struct mcgd_member *m, uint64_t now_ms);

/*
 * A newer roster (checked and signed): members removed lose access at
 * once (a new KEK for the others); a member removed itself stops.
 */
int mcgd_member_roster(struct mcgd_member *m, const struct mcg_conf *conf,
		       uint64_t now_ms, struct mcg_err *e);

/*
 * The kernel says our sending epoch reached its usage limit: ask the key
 * server for a new one (our hellos say so), or make it, as key server.
 */
void mcgd_member_exhausted(struct mcgd_member *m, uint32_t epoch,
			   uint64_t now_ms);

/* For spread.c: queue a datagram, the next counter, a log line. */
void mcgd_member_queue(struct mcgd_member *m, const uint8_t *d, size_t len,
		       uint64_t at_ms, unsigned int repeats);
uint64_t mcgd_member_counter(struct mcgd_member *m, uint64_t now_ms);
__attribute__((format(printf, 2, 3)))
void mcgd_member_say(struct mcgd_member *m, const char *fmt, ...);

/* The newest installed epoch, and the one sent on (0: none). */
uint32_t mcgd_member_newest(const struct mcgd_member *m);
uint32_t mcgd_member_tx(const struct mcgd_member *m);

#endif /* MCGD_MEMBER_H */
