/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A group's file, /etc/mcg/NAME.conf: its charter ([group], [admins]),
 * installed by hand on every member, and its roster ([roster] and one
 * [member NAME] per host), which admins sign and the group spreads.
 * Documentation/key-management.rst describes the format.
 */
#ifndef MCGD_CONF_H
#define MCGD_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

#include "err.h"
#include "identity.h"

#define MCG_MAX_ADMINS		16
#define MCG_MAX_CANDIDATES	15	/* the epoch number's candidate field */
#define MCG_MAX_MEMBERS		2048	/* a roster of ~100 KB */
#define MCG_NAME_MAX		63

/* One admin's signature of a roster. */
struct mcg_roster_sig {
	uint8_t pk[MCG_KEY_LEN];
	uint8_t sig[MCG_SIG_LEN];
};

struct mcg_member {
	char name[MCG_NAME_MAX + 1];
	uint8_t key[MCG_KEY_LEN];
	uint32_t sender;
	uint8_t priority;	/* key-server priority; 0: not a candidate */
	/*
	 * Where it is: members of one site hear each other by multicast,
	 * of two by unicast to addr (Documentation/routing.rst).  "" is
	 * the default site; addr all zero: none given.
	 */
	char site[MCG_NAME_MAX + 1];
	struct in6_addr addr;
	unsigned int line;	/* of its section, for errors */
};

struct mcg_conf {
	/* [group] */
	uint32_t id;
	struct in6_addr addr;
	char ifname[IF_NAMESIZE];	/* this host's: not signed */
	uint16_t port;
	uint8_t alg;			/* enum mcg_alg */
	uint32_t rotation;		/* seconds */
	uint32_t activation;
	uint32_t deactivation;
	uint32_t removal_deactivation;
	uint32_t hello;
	uint8_t hoplimit;		/* this host's: not signed */
	/* [admins] */
	uint8_t threshold;
	uint8_t nadmins;
	uint8_t admins[MCG_MAX_ADMINS][MCG_KEY_LEN];
	/* [roster] and the members */
	uint64_t version;
	uint32_t nmembers;
	struct mcg_member *members;	/* sorted by sender id once loaded */
	/* The admins' signatures of it, once checked (NAME.sig) */
	uint8_t nsigs;
	struct mcg_roster_sig sigs[MCG_MAX_ADMINS];
};

/*
 * Reads and checks the file at path.  On error c is left empty and e says
 * "PATH:LINE: reason" (or "PATH: reason" for what no line holds).
 */
int mcg_conf_load(const char *path, struct mcg_conf *c, struct mcg_err *e);

/* As mcg_conf_load(), from text in memory, named name in errors. */
int mcg_conf_parse(const char *text, size_t len, const char *name,
		   struct mcg_conf *c, struct mcg_err *e);

void mcg_conf_free(struct mcg_conf *c);

const struct mcg_member *mcg_conf_member(const struct mcg_conf *c,
					 uint32_t sender);
const struct mcg_member *mcg_conf_member_by_key(const struct mcg_conf *c,
						const uint8_t key[MCG_KEY_LEN]);

/*
 * Sites and addresses as a roster must have them: with more than one
 * site every member needs an address, no two the same, and no member has
 * more than MCG_MAX_PEERS in other sites.  NULL if they are right, or
 * the reason, with *at the index of the member at fault.
 */
const char *mcg_conf_sites_problem(const struct mcg_conf *c, uint32_t *at);

/* Does the roster name a site or an address at all? */
bool mcg_conf_has_sites(const struct mcg_conf *c);

/*
 * The unicast peers of member self (of c; NULL: none): the addresses of
 * the members outside its site, in roster order, into out (which holds
 * MCG_MAX_PEERS).  Returns how many.
 */
unsigned int mcg_conf_peers(const struct mcg_conf *c,
			    const struct mcg_member *self, struct in6_addr *out);

/* An address a member can be reached at: global or unique-local unicast. */
bool mcg_conf_addr_ok(const struct in6_addr *a);

/* The same [group] and [admins] (this host's settings included)? */
bool mcg_conf_same_charter(const struct mcg_conf *a, const struct mcg_conf *b);

/* A member name: 1 to MCG_NAME_MAX letters, digits, '.', '_' or '-'. */
bool mcg_conf_name_ok(const char *s);

/* The algorithm's name ("aes-gcm-128"...), NULL if unknown. */
const char *mcg_conf_alg_name(uint8_t alg);

#endif /* MCGD_CONF_H */
