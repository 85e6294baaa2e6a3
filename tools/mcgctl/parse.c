// SPDX-License-Identifier: GPL-2.0
/*
 * Syntax of the words on the command line.  Only syntax: whether an address
 * is multicast, a window a multiple of 64 and so on is the kernel's to say,
 * so that there is one judge and its extack message is the one users see.
 * Peers are the exception (parse_peer()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <net/if.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "mcgctl.h"

int parse_u64(const char *word, const char *s, uint64_t min, uint64_t max,
	      uint64_t *out)
{
	unsigned long long v;
	char *end;

	/* strtoull() would take "-1", " 1" and "+1"; a number starts with
	 * a digit.
	 */
	if (s[0] < '0' || s[0] > '9')
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	errmsg("'%s' expects a number from %llu to %llu, not '%s'", word,
	       (unsigned long long)min, (unsigned long long)max, s);
	return -1;
}

int parse_u32(const char *word, const char *s, uint32_t min, uint32_t max,
	      uint32_t *out)
{
	uint64_t v;

	if (parse_u64(word, s, min, max, &v))
		return -1;
	*out = v;
	return 0;
}

int parse_mode(const char *s, uint16_t *out)
{
	unsigned int v = 0;
	const char *p;

	/* Octal digits only, so that "0o640", "-1" and "rw-" are refused
	 * rather than half-read.
	 */
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '7')
			goto bad;
		v = v * 8 + (*p - '0');
		if (v > 0777)
			goto bad;
	}
	if (p == s)
		goto bad;
	*out = v;
	return 0;
bad:
	errmsg("'mode' expects an octal mode from 0 to 0777, not '%s'", s);
	return -1;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* (uid_t)-1 means "no change" to chown(2), so it is no owner at all. */
int parse_uid(const char *s, uint32_t *out)
{
	struct passwd *pw;

	if (all_digits(s))
		return parse_u32("owner", s, 0, UINT32_MAX - 1, out);
	pw = getpwnam(s);
	if (!pw) {
		errmsg("no user '%s'", s);
		return -1;
	}
	*out = pw->pw_uid;
	return 0;
}

int parse_gid(const char *s, uint32_t *out)
{
	struct group *gr;

	if (all_digits(s))
		return parse_u32("group", s, 0, UINT32_MAX - 1, out);
	gr = getgrnam(s);
	if (!gr) {
		errmsg("no group '%s'", s);
		return -1;
	}
	*out = gr->gr_gid;
	return 0;
}

int parse_ifname(const char *s, uint32_t *ifindex)
{
	unsigned int i = if_nametoindex(s);

	if (!i) {
		errmsg("no interface '%s'", s);
		return -1;
	}
	*ifindex = i;
	return 0;
}

int parse_in6(const char *word, const char *s, void *addr)
{
	if (inet_pton(AF_INET6, s, addr) != 1) {
		errmsg("'%s' expects an IPv6 address, not '%s'", word, s);
		return -1;
	}
	return 0;
}

/*
 * The kernel refuses the same addresses, but of a list of up to
 * MCG_MAX_PEERS its message cannot say which one it means: this names it.
 */
int parse_peer(const char *s, void *addr)
{
	const struct in6_addr *a = addr;
	const char *what;

	if (parse_in6("peer", s, addr))
		return -1;
	if (IN6_IS_ADDR_UNSPECIFIED(a))
		what = "the unspecified address";
	else if (IN6_IS_ADDR_LOOPBACK(a))
		what = "the loopback address";
	else if (IN6_IS_ADDR_MULTICAST(a))
		what = "the multicast address";
	else if (IN6_IS_ADDR_LINKLOCAL(a))
		what = "the link-local address";
	else if (IN6_IS_ADDR_V4MAPPED(a))
		what = "the IPv4-mapped address";
	else
		return 0;
	errmsg("'peer' expects a routable unicast address, not %s '%s'", what,
	       s);
	return -1;
}

int parse_group_name(const char *s)
{
	size_t n = strlen(s);

	if (!n) {
		errmsg("a group name cannot be empty");
		return -1;
	}
	if (n > MCG_GROUP_NAME_MAX - 1) {
		errmsg("group name '%s' is longer than %d bytes", s,
		       MCG_GROUP_NAME_MAX - 1);
		return -1;
	}
	return 0;
}

static const struct {
	const char *name;
	size_t key_len;
} algs[] = {
	[MCG_ALG_AES_GCM_128] = { "aes-gcm-128", 16 },
	[MCG_ALG_AES_GCM_256] = { "aes-gcm-256", 32 },
	[MCG_ALG_CHACHA20_POLY1305] = { "chacha20-poly1305", 32 },
};

#define N_ALGS ARRAY_SIZE(algs)

int parse_alg(const char *s, uint32_t *alg)
{
	uint32_t i;

	for (i = 1; i < N_ALGS; i++) {
		if (algs[i].name && !strcmp(s, algs[i].name)) {
			*alg = i;
			return 0;
		}
	}
	errmsg("unknown algorithm '%s' (aes-gcm-128, aes-gcm-256 or chacha20-poly1305)",
	       s);
	return -1;
}

/* NULL for an algorithm newer than this program. */
const char *alg_name(uint32_t alg)
{
	return alg < N_ALGS ? algs[alg].name : NULL;
}

size_t alg_key_len(uint32_t alg)
{
	return alg < N_ALGS ? algs[alg].key_len : 0;
}
