// SPDX-License-Identifier: GPL-2.0
/*
 * The canonical roster, its signatures and their check.
 *
 * A stale line (a signature of the roster before its last edit) fails the
 * check rather than being skipped: an admin who signs must see that an
 * old signature is still lying there, and an old version never counts.
 */
#include <stdlib.h>
#include <string.h>

#include "roster.h"

static const char domain[] = "mcg roster v1";

struct out {
	uint8_t *buf;
	size_t size, len;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (o->len + n <= o->size)
		memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void put_be(struct out *o, uint64_t v, unsigned int bytes)
{
	uint8_t b[8];
	unsigned int i;

	for (i = 0; i < bytes; i++)
		b[i] = v >> (8 * (bytes - 1 - i));
	put(o, b, bytes);
}

static int by_key(const void *a, const void *b)
{
	return memcmp(a, b, MCG_KEY_LEN);
}

size_t mcg_roster_encode(const struct mcg_conf *c, uint8_t *buf, size_t size)
{
	uint8_t admins[MCG_MAX_ADMINS][MCG_KEY_LEN];
	struct out o = { .buf = buf, .size = size };
	uint32_t i;

	put(&o, domain, sizeof(domain) - 1);
	put_be(&o, c->id, 4);
	put(&o, &c->addr, sizeof(c->addr));
	put_be(&o, c->port, 2);
	put_be(&o, c->alg, 1);
	put_be(&o, c->rotation, 4);
	put_be(&o, c->activation, 4);
	put_be(&o, c->deactivation, 4);
	put_be(&o, c->removal_deactivation, 4);
	put_be(&o, c->hello, 4);
	/* The admins as a set: their order in the file means nothing. */
	memcpy(admins, c->admins, c->nadmins * MCG_KEY_LEN);
	qsort(admins, c->nadmins, MCG_KEY_LEN, by_key);
	put_be(&o, c->threshold, 1);
	put_be(&o, c->nadmins, 1);
	put(&o, admins, c->nadmins * MCG_KEY_LEN);
	put_be(&o, c->version, 8);
	put_be(&o, c->nmembers, 4);
	for (i = 0; i < c->nmembers; i++) {
		const struct mcg_member *m = &c->members[i];
		size_t n = strlen(m->name);

		put_be(&o, m->sender, 4);
		put(&o, m->key, MCG_KEY_LEN);
		put_be(&o, m->priority, 1);
		put_be(&o, n, 1);
		put(&o, m->name, n);
	}
	return o.len;
}

static uint8_t *encode(const struct mcg_conf *c, size_t *len)
{
	uint8_t *buf;

	*len = mcg_roster_encode(c, NULL, 0);
	buf = malloc(*len);
	if (buf)
		mcg_roster_encode(c, buf, *len);
	return buf;
}

int mcg_roster_sign(const struct mcg_conf *c, const struct mcg_identity *admin,
		    uint8_t sig[MCG_SIG_LEN])
{
	size_t len;
	uint8_t *buf = encode(c, &len);

	if (!buf)
		return -1;
	crypto_sign_detached(sig, NULL, buf, len, admin->sk);
	free(buf);
	return 0;
}

bool mcg_roster_sig_ok(const struct mcg_conf *c, const uint8_t pk[MCG_KEY_LEN],
		       const uint8_t sig[MCG_SIG_LEN])
{
	size_t len;
	uint8_t *buf = encode(c, &len);
	bool ok;

	if (!buf)
		return false;
	ok = !crypto_sign_verify_detached(sig, buf, len, pk);
	free(buf);
	return ok;
}

static int admin_index(const struct mcg_conf *c, const uint8_t pk[MCG_KEY_LEN])
{
	unsigned int i;

	for (i = 0; i < c->nadmins; i++)
		if (!memcmp(c->admins[i], pk, MCG_KEY_LEN))
			return i;
	return -1;
}

int mcg_roster_verify(const struct mcg_conf *c, const char *text, size_t len,
		      const char *name, struct mcg_err *e)
{
	uint8_t pk[MCG_KEY_LEN], sig[MCG_SIG_LEN];
	uint32_t signed_by = 0;	/* a bit per admin */
	const char *p = text, *end = text + len, *nl, *sp;
	unsigned int line = 0, n = 0;
	int a;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		line++;
		if (nl == p || *p == '#')
			continue;
		sp = memchr(p, ' ', nl - p);
		if (!sp || mcg_key_parse(p, sp - p, pk) ||
		    mcg_sig_parse(sp + 1, nl - sp - 1, sig))
			return mcg_err_set(e, "%s:%u: not 'ADMIN-KEY SIGNATURE' (as 'mcgctl roster sign' prints)",
					   name, line);
		a = admin_index(c, pk);
		if (a < 0)
			return mcg_err_set(e, "%s:%u: signed by a key that is not an admin of group %u",
					   name, line, c->id);
		if (!mcg_roster_sig_ok(c, pk, sig))
			return mcg_err_set(e, "%s:%u: does not sign this roster (version %llu): signed before an edit?",
					   name, line, (unsigned long long)c->version);
		if (signed_by & (1u << a))
			return mcg_err_set(e, "%s:%u: that admin signed already", name, line);
		signed_by |= 1u << a;
		n++;
	}
	if (n < c->threshold)
		return mcg_err_set(e, "%s: %u of the %u admin signatures the roster needs",
				   name, n, c->threshold);
	return n;
}
