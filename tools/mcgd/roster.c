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
/*
 * Sites and addresses follow the members, after this marker, only if
 * the roster names any: a roster without them encodes as it did before
 * they existed, and its signatures hold.
 */
static const char sites_marker[] = "sites";

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
	if (!mcg_conf_has_sites(c))
		return o.len;
	put(&o, sites_marker, sizeof(sites_marker) - 1);
	for (i = 0; i < c->nmembers; i++) {
		const struct mcg_member *m = &c->members[i];
		size_t n = strlen(m->site);

		put_be(&o, n, 1);
		put(&o, m->site, n);
		put(&o, &m->addr, sizeof(m->addr));	/* all zero: none */
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
		      const char *name, struct mcg_roster_sig *sigs,
		      struct mcg_err *e)
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
		if (sigs) {
			memcpy(sigs[n].pk, pk, MCG_KEY_LEN);
			memcpy(sigs[n].sig, sig, MCG_SIG_LEN);
		}
		n++;
	}
	if (n < c->threshold)
		return mcg_err_set(e, "%s: %u of the %u admin signatures the roster needs",
				   name, n, c->threshold);
	return n;
}

uint8_t *mcg_roster_blob(const struct mcg_conf *c,
			 const struct mcg_roster_sig *sigs, unsigned int n,
			 size_t *len)
{
	size_t clen = mcg_roster_encode(c, NULL, 0);
	struct out o;

	*len = 4 + clen + 1 + n * sizeof(*sigs);
	o = (struct out){ .buf = malloc(*len), .size = *len };
	if (!o.buf)
		return NULL;
	put_be(&o, clen, 4);
	mcg_roster_encode(c, o.buf + 4, clen);
	o.len += clen;
	put_be(&o, n, 1);
	put(&o, sigs, n * sizeof(*sigs));
	return o.buf;
}

struct in {
	const uint8_t *p, *end;
};

static bool take(struct in *in, void *out, size_t n)
{
	if ((size_t)(in->end - in->p) < n)
		return false;
	memcpy(out, in->p, n);
	in->p += n;
	return true;
}

static bool take_be(struct in *in, uint64_t *v, unsigned int bytes)
{
	uint8_t b[8];
	unsigned int i;

	if (!take(in, b, bytes))
		return false;
	for (*v = 0, i = 0; i < bytes; i++)
		*v = *v << 8 | b[i];
	return true;
}

/* Members as mcg_roster_encode() wrote them, checked as a file's are. */
static int take_members(struct in *in, struct mcg_conf *out, const char *name,
			struct mcg_err *e)
{
	unsigned int candidates = 0;
	uint64_t n = 0, v, namelen;
	uint32_t i, j;

	if (!take_be(in, &n, 4) || n < 1 || n > MCG_MAX_MEMBERS)
		return mcg_err_set(e, "%s: a roster of %llu members", name,
				   (unsigned long long)n);
	out->members = calloc(n, sizeof(*out->members));
	if (!out->members)
		return mcg_err_set(e, "%s: out of memory", name);
	out->nmembers = n;
	for (i = 0; i < n; i++) {
		struct mcg_member *m = &out->members[i];

		if (!take_be(in, &v, 4) || !take(in, m->key, MCG_KEY_LEN))
			return mcg_err_set(e, "%s: truncated", name);
		m->sender = v;
		if (!take_be(in, &v, 1) || !take_be(in, &namelen, 1) ||
		    namelen > MCG_NAME_MAX || !take(in, m->name, namelen))
			return mcg_err_set(e, "%s: truncated", name);
		m->priority = v;
		if (!mcg_conf_name_ok(m->name))
			return mcg_err_set(e, "%s: member %u: a bad name", name, i);
		if (i && m->sender <= out->members[i - 1].sender)
			return mcg_err_set(e, "%s: members not in order of sender id", name);
		if (!m->sender)
			return mcg_err_set(e, "%s: sender id 0", name);
		candidates += !!m->priority;
		for (j = 0; j < i; j++)
			if (!memcmp(out->members[j].key, m->key, MCG_KEY_LEN) ||
			    !strcmp(out->members[j].name, m->name))
				return mcg_err_set(e, "%s: members '%s' and '%s' share a key or a name",
						   name, out->members[j].name, m->name);
	}
	if (candidates > MCG_MAX_CANDIDATES)
		return mcg_err_set(e, "%s: %u key-server candidates", name, candidates);
	return 0;
}

/* The sites extension, if there is one, checked as a file's is. */
static int take_sites(struct in *in, struct mcg_conf *out, const char *name,
		      struct mcg_err *e)
{
	char marker[sizeof(sites_marker) - 1];
	const char *why;
	uint64_t n;
	uint32_t i;

	if (in->p == in->end)
		return 0;
	if (!take(in, marker, sizeof(marker)) ||
	    memcmp(marker, sites_marker, sizeof(marker)))
		return mcg_err_set(e, "%s: not a roster", name);
	for (i = 0; i < out->nmembers; i++) {
		struct mcg_member *m = &out->members[i];

		if (!take_be(in, &n, 1) || n > MCG_NAME_MAX ||
		    !take(in, m->site, n) || !take(in, &m->addr, sizeof(m->addr)))
			return mcg_err_set(e, "%s: truncated", name);
		m->site[n] = '\0';
	}
	why = mcg_conf_sites_problem(out, &i);
	if (why)
		return mcg_err_set(e, "%s: member '%s' %s", name,
				   out->members[i].name, why);
	return 0;
}

int mcg_roster_from_blob(const uint8_t *blob, size_t len,
			 const struct mcg_conf *local, const char *name,
			 struct mcg_conf *out, struct mcg_err *e)
{
	struct in in = { .p = blob, .end = blob + len }, canon;
	uint32_t signed_by = 0;
	size_t head, clen2;
	uint64_t clen, n;
	uint8_t *again;
	unsigned int i, good = 0;
	int a;

	*out = *local;
	out->members = NULL;
	out->nmembers = 0;
	out->nsigs = 0;
	if (!take_be(&in, &clen, 4) || clen > (uint64_t)(in.end - in.p))
		return mcg_err_set(e, "%s: truncated", name);
	canon = (struct in){ .p = in.p, .end = in.p + clen };
	in.p += clen;
	/* The charter's part is local's length: what follows is ours to read. */
	head = sizeof(domain) - 1 + 4 + 16 + 2 + 1 + 20 + 2 + local->nadmins * MCG_KEY_LEN;
	if (clen < head + 8)
		return mcg_err_set(e, "%s: not this group's charter", name);
	canon.p += head;
	if (!take_be(&canon, &out->version, 8) ||
	    take_members(&canon, out, name, e) ||
	    take_sites(&canon, out, name, e) || canon.p != canon.end)
		goto bad;
	/* Byte for byte what this charter and these members encode to. */
	clen2 = mcg_roster_encode(out, NULL, 0);
	again = clen2 == clen ? malloc(clen2) : NULL;
	if (again)
		mcg_roster_encode(out, again, clen2);
	if (!again || memcmp(again, blob + 4, clen)) {
		free(again);
		mcg_err_set(e, "%s: not this group's charter", name);
		goto bad;
	}
	free(again);
	if (!take_be(&in, &n, 1) || n > MCG_MAX_ADMINS ||
	    (size_t)(in.end - in.p) != n * sizeof(struct mcg_roster_sig)) {
		mcg_err_set(e, "%s: truncated", name);
		goto bad;
	}
	for (i = 0; i < n; i++, in.p += sizeof(struct mcg_roster_sig)) {
		const struct mcg_roster_sig *s = (const void *)in.p;

		a = admin_index(local, s->pk);
		if (a < 0 || (signed_by & (1u << a)) ||
		    crypto_sign_verify_detached(s->sig, blob + 4, clen, s->pk))
			continue;
		signed_by |= 1u << a;
		out->sigs[out->nsigs++] = *s;
		good++;
	}
	if (good < local->threshold) {
		mcg_err_set(e, "%s: roster version %llu has %u of the %u admin signatures it needs",
			    name, (unsigned long long)out->version, good, local->threshold);
		goto bad;
	}
	return 0;
bad:
	free(out->members);
	out->members = NULL;
	out->nmembers = 0;
	return -1;
}
