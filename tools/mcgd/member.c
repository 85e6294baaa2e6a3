// SPDX-License-Identifier: GPL-2.0
/*
 * The member's state machine.  Documentation/key-management.rst says what
 * it does and why; the comments here say how, where it is not plain.
 *
 * Every datagram the key server sends goes through its own input too, so
 * that it installs its keys on the path every other member takes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/mcg.h>

#include "be.h"
#include "epoch.h"
#include "member.h"

#define say mcgd_member_say

#define SYNC_LEN	8	/* newest epoch (4) | KEK id (4) */
#define SYNC_BATCH_MS	200	/* the key server's wait to serve SYNCs */
#define KEK_CACHE_MAX	256

static const char *const counter_names[__MCGD_C_MAX] = {
	[MCGD_C_IN] = "datagrams_in",
	[MCGD_C_REFUSED] = "datagrams_refused",
	[MCGD_C_HELLO_REFUSED] = "hellos_refused",
	[MCGD_C_KEK_IN] = "keks_in",
	[MCGD_C_KEK_REFUSED] = "keks_refused",
	[MCGD_C_REKEY_IN] = "rekeys_in",
	[MCGD_C_REKEY_REFUSED] = "rekeys_refused",
	[MCGD_C_SYNC_SENT] = "syncs_sent",
	[MCGD_C_RELAYED] = "relayed",
	[MCGD_C_TERMS] = "terms",
	[MCGD_C_ROTATIONS] = "rotations",
	[MCGD_C_ROSTER_IN] = "rosters_in",
	[MCGD_C_ROSTER_REFUSED] = "rosters_refused",
	[MCGD_C_ROSTER_OLD] = "rosters_old",
	[MCGD_C_ROSTER_SENT] = "rosters_sent",
	[MCGD_C_EXHAUSTED] = "keys_exhausted",
};

const char *mcgd_counter_name(enum mcgd_counter c)
{
	return c < __MCGD_C_MAX ? counter_names[c] : NULL;
}

void mcgd_member_say(struct mcgd_member *m, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!m->ops->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	m->ops->log(m->arg, line);
}

static uint64_t lifetime_ms(const struct mcgd_member *m)
{
	return 3000ull * m->conf.hello;
}

static uint32_t term_of(uint32_t id)
{
	return id >> 16;
}

static uint8_t rank(const struct mcgd_member *m)
{
	return mcg_candidate_rank(&m->conf, m->me);
}

static bool is_candidate(const struct mcgd_member *m, uint32_t sender)
{
	return mcg_candidate_rank(&m->conf, sender) != 0;
}

/*
 * Counts a refusal, and says why in the log, once in 10 s per counter: a
 * stream of bad datagrams must not become a stream of log lines.
 */
static __attribute__((format(printf, 5, 6))) void
refuse(struct mcgd_member *m, enum mcgd_counter c, uint64_t now,
       uint32_t from, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	m->counters[c]++;
	if (m->said_ms[c] && now - m->said_ms[c] < 10000)
		return;
	m->said_ms[c] = now;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	say(m, "group %u: from member %u: %s (%s: %llu)", m->conf.id, from, why,
	    mcgd_counter_name(c), (unsigned long long)m->counters[c]);
}

static const uint8_t *key_of(uint32_t sender, void *arg)
{
	const struct mcg_member *mm = mcg_conf_member(arg, sender);

	return mm ? mm->key : NULL;
}

/* Queue datagram d to go at now and repeats - 1 more times, a second apart. */
static void out(struct mcgd_member *m, const uint8_t *d, size_t len,
		uint64_t now, unsigned int repeats)
{
	struct mcgd_out *o;

	if (m->nout == m->capout) {
		unsigned int cap = m->capout ? m->capout * 2 : 16;

		o = reallocarray(m->out, cap, sizeof(*o));
		if (!o) {
			say(m, "out of memory: a datagram is not sent");
			return;
		}
		m->out = o;
		m->capout = cap;
	}
	o = &m->out[m->nout++];
	memcpy(o->d, d, len);
	o->len = len;
	o->at_ms = now;
	o->left = repeats;
}

void mcgd_member_queue(struct mcgd_member *m, const uint8_t *d, size_t len,
		       uint64_t at_ms, unsigned int repeats)
{
	out(m, d, len, at_ms, repeats);
}

static uint64_t next_counter(struct mcgd_member *m, uint64_t now)
{
	/* The wall clock, but never twice the same or going back. */
	m->last_counter = now > m->last_counter ? now : m->last_counter + 1;
	return m->last_counter;
}

uint64_t mcgd_member_counter(struct mcgd_member *m, uint64_t now_ms)
{
	return next_counter(m, now_ms);
}

static size_t seal(struct mcgd_member *m, uint8_t d[MCG_MSG_MAX], uint8_t type,
		   const void *body, size_t len, uint64_t now)
{
	struct mcg_msg_hdr h = {
		.type = type, .group = m->conf.id, .sender = m->me,
		.incarnation = m->incarnation,
		.counter = next_counter(m, now),
		.roster_version = m->conf.version, .nfrags = 1,
	};

	return mcg_msg_seal(d, &h, body, len, &m->id);
}

static uint32_t newest(const struct mcgd_member *m)
{
	uint32_t n = 0;
	unsigned int i;

	/* Slots fill in order of arrival; the last filled is the newest. */
	for (i = 0; i < MCGD_EPOCHS; i++)
		if (m->epochs[i].epoch)
			n = m->epochs[i].epoch;
	return n;
}

uint32_t mcgd_member_newest(const struct mcgd_member *m)
{
	return newest(m);
}

uint32_t mcgd_member_tx(const struct mcgd_member *m)
{
	uint32_t tx = 0;
	unsigned int i;

	for (i = 0; i < MCGD_EPOCHS; i++)
		if (m->epochs[i].epoch && !m->epochs[i].activate_ms)
			tx = m->epochs[i].epoch;
	return tx;
}

static struct mcgd_epoch *find_epoch(struct mcgd_member *m, uint32_t epoch)
{
	unsigned int i;

	for (i = 0; i < MCGD_EPOCHS; i++)
		if (m->epochs[i].epoch == epoch)
			return &m->epochs[i];
	return NULL;
}

static void send_hello(struct mcgd_member *m, uint64_t now)
{
	struct mcg_hello h = {
		.newest_epoch = newest(m), .kek_id = m->kek[0].id,
		.generation = m->gen_seen, .flags = m->is_ks ? MCG_HELLO_KS : 0,
	};
	uint8_t body[MCG_HELLO_LEN], d[MCG_MSG_MAX];

	/* Until a newer epoch is on its way. */
	if (m->exhausted && m->exhausted == mcgd_member_tx(m) &&
	    m->exhausted == h.newest_epoch)
		h.flags |= MCG_HELLO_EXHAUSTED;
	memcpy(h.rekey_pk, m->rpk, sizeof(h.rekey_pk));
	mcg_hello_encode(body, &h);
	out(m, d, seal(m, d, MCG_MSG_HELLO, body, sizeof(body), now), now, 1);
}

static void input(struct mcgd_member *m, const uint8_t *d, size_t len,
		  uint64_t now, bool own);

/* Send a key server datagram, and take it ourselves. */
static void ks_out(struct mcgd_member *m, uint8_t type, const void *body,
		   size_t len, uint64_t now)
{
	uint8_t d[MCG_MSG_MAX];
	size_t n = seal(m, d, type, body, len, now);

	out(m, d, n, now, MCGD_REPEATS);
	input(m, d, n, now, true);
}

/* A new epoch under the key server's KEK. */
static void ks_start_term(struct mcgd_member *m, uint64_t now);

static void ks_rotate(struct mcgd_member *m, uint64_t now, bool removal)
{
	struct mcg_rekey r = {
		.kek_id = m->ks_kek.id, .alg = m->conf.alg,
		.flags = removal ? MCG_REKEY_REMOVAL : 0,
		.activation = m->conf.activation,
		.key_len = m->conf.alg == MCG_ALG_AES_GCM_128 ? 16 : 32,
	};
	uint8_t body[MCG_REKEY_BODY_MAX];

	if (m->ctr == MCG_CTR_MAX) {
		ks_start_term(m, now);
		return;
	}
	r.epoch = mcg_epoch(m->gen, rank(m), ++m->ctr);
	randombytes_buf(r.key, r.key_len);
	ks_out(m, MCG_MSG_REKEY, body,
	       mcg_rekey_seal(body, m->conf.id, &r, m->ks_kek.key), now);
	sodium_memzero(&r, sizeof(r));
	m->counters[MCGD_C_ROTATIONS]++;
	m->next_rotation_ms = now + 1000ull * m->conf.rotation;
}

/*
 * A member's kernel used up its sending epoch, and newest is the newest
 * it has: a new one, if newest is still ours (the members that ask at
 * once name the same, and only the first is heard).
 */
static void ks_exhausted(struct mcgd_member *m, uint32_t newest, uint64_t now)
{
	if (!m->ctr || newest != mcg_epoch(m->gen, rank(m), m->ctr))
		return;
	say(m, "key server of group %u: the sending epoch is used up: rotating",
	    m->conf.id);
	ks_rotate(m, now, false);
}

static void ks_new_kek(struct mcgd_member *m)
{
	m->ks_kek.id = mcg_epoch(m->gen, rank(m), ++m->kctr);
	randombytes_buf(m->ks_kek.key, sizeof(m->ks_kek.key));
}

/*
 * Does live member i lack our KEK?  Never served it (a join, a restart),
 * or its hellos still name another KEK once our copies have all gone (it
 * lost them, or followed another key server in a partition).
 */
static bool ks_lacks(const struct mcgd_member *m, uint32_t i, uint64_t now)
{
	const struct mcg_peer *p = &m->peers.peer[i];
	const struct mcgd_ks_peer *k = &m->ks_peer[i];

	if (p->sender == m->me || !p->incarnation ||
	    now - p->seen_ms > lifetime_ms(m))
		return false;
	if (k->kek_id != m->ks_kek.id || k->incarnation != p->incarnation ||
	    k->resync)
		return true;
	return p->hello.kek_id != m->ks_kek.id &&
	       now - k->served_ms > 1000ull * (MCGD_REPEATS + 1) &&
	       p->seen_ms > k->served_ms + 1000ull * (MCGD_REPEATS + 1);
}

static bool ks_someone_lacks(const struct mcgd_member *m, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < m->peers.n; i++)
		if (ks_lacks(m, i, now))
			return true;
	return false;
}

/*
 * Seal the KEK to every live member that lacks it (and to ourselves when
 * it is new), 11 to a datagram, then make a new epoch if any of them is a
 * new incarnation (a join or a restart: it must install only epochs made
 * after it came) or if asked (a new KEK).
 */
static void ks_serve(struct mcgd_member *m, uint64_t now, bool rotate,
		     bool removal)
{
	struct mcg_kek_entry e[MCG_KEK_ENTRIES_MAX];
	uint8_t rpk[MCG_KEK_ENTRIES_MAX][32];
	uint8_t body[MCG_MSG_BODY_MAX];
	uint32_t first = mcg_epoch(m->gen, rank(m), m->ctr + 1);
	bool resend = false;
	unsigned int n = 0;
	uint32_t i;

	if (m->ctr == MCG_CTR_MAX || m->kctr == MCG_CTR_MAX) {
		/* The term's numbers are used up: a new one, for all. */
		ks_start_term(m, now);
		return;
	}
	if (m->kek[0].id != m->ks_kek.id) {
		e[n] = (struct mcg_kek_entry){ m->me, m->incarnation, first };
		memcpy(rpk[n++], m->rpk, 32);
	}
	for (i = 0; i < m->peers.n; i++) {
		struct mcg_peer *p = &m->peers.peer[i];
		struct mcgd_ks_peer *k = &m->ks_peer[i];
		uint32_t from = first;

		if (!ks_lacks(m, i, now))
			continue;
		if (k->incarnation != p->incarnation)
			rotate = true;	/* it may have only what comes next */
		else if (m->ctr)
			/*
			 * The same run of it, which lost our KEK or was not
			 * heard when we sent it (a removal's, while loss hid
			 * its hellos): the current epoch will do.  A new one
			 * would leave it without the epoch the others are
			 * about to send on.
			 */
			from = mcg_epoch(m->gen, rank(m), m->ctr);
		else
			rotate = true;
		if (from != first)
			resend = true;
		k->kek_id = m->ks_kek.id;
		k->incarnation = p->incarnation;
		k->served_ms = now;
		k->resync = false;
		e[n] = (struct mcg_kek_entry){ p->sender, p->incarnation, from };
		memcpy(rpk[n++], p->hello.rekey_pk, 32);
		if (n == MCG_KEK_ENTRIES_MAX) {
			ks_out(m, MCG_MSG_KEK, body,
			       mcg_kek_seal(body, m->ks_kek.id, m->ks_kek.key,
					    e, rpk, n), now);
			n = 0;
		}
	}
	if (n)
		ks_out(m, MCG_MSG_KEK, body,
		       mcg_kek_seal(body, m->ks_kek.id, m->ks_kek.key, e, rpk, n),
		       now);
	if (rotate)
		ks_rotate(m, now, removal);
	else if (resend && m->rekey_cache.len)
		/* Those served again need the current epoch's key too. */
		out(m, m->rekey_cache.d, m->rekey_cache.len, now, MCGD_REPEATS);
}

static void ks_start_term(struct mcgd_member *m, uint64_t now)
{
	m->gen = m->gen_seen = (m->gen_seen + 1) & MCG_GEN_MASK;
	m->ctr = 0;
	m->kctr = 0;
	ks_new_kek(m);
	m->counters[MCGD_C_TERMS]++;
	say(m, "key server of group %u: term %u.%u", m->conf.id, m->gen, rank(m));
	ks_serve(m, now, true, false);
}

/*
 * How long ago, on its signer's clock, a datagram was made: that clock now
 * is what the signer's last hello said plus the time since it came.  The
 * copies and relays of a datagram are its bytes, so all carry its making.
 * 0 when unknown (no hello from that incarnation, our clock set back).
 */
static uint64_t age_of(const struct mcgd_member *m,
		       const struct mcg_msg_hdr *h, uint64_t now)
{
	const struct mcg_peer *p = mcg_peers_find(&m->peers, h->sender);
	uint64_t then;

	if (!p || !p->incarnation || p->incarnation != h->incarnation ||
	    now < p->seen_ms)
		return 0;
	then = p->counter + (now - p->seen_ms);
	return then > h->counter ? then - h->counter : 0;
}

/*
 * Installs r's epoch receive-only; it sends on it when the key server's
 * activation delay, counted from when the key server made it, is over.  A
 * member that got the rekey late (a relay, a SYNC) so switches with the
 * others, not a whole delay after them, when they may already have deleted
 * the epoch it would still send on.  Slots hold epochs in order of
 * arrival, from the first, with no hole.
 */
static void install(struct mcgd_member *m, const struct mcg_rekey *r,
		    uint64_t age_ms, uint64_t now)
{
	uint64_t wait_ms = 1000ull * r->activation;
	unsigned int n = 0;

	while (n < MCGD_EPOCHS && m->epochs[n].epoch)
		n++;
	if (n == MCGD_EPOCHS) {
		/*
		 * Full: the oldest goes (it would have, a little later), but
		 * never the one the kernel sends on: sending would stop
		 * until the next activation.
		 */
		uint32_t tx = mcgd_member_tx(m);
		unsigned int old = m->epochs[0].epoch == tx ? 1 : 0;

		m->ops->key_del(m->arg, m->epochs[old].epoch);
		memmove(&m->epochs[old], &m->epochs[old + 1],
			(MCGD_EPOCHS - 1 - old) * sizeof(m->epochs[0]));
		n--;
	}
	if (m->ops->key_add(m->arg, r->epoch, r->alg, r->key, r->key_len)) {
		say(m, "group %u: the kernel refused epoch %#x", m->conf.id, r->epoch);
		memset(&m->epochs[n], 0, sizeof(m->epochs[n]));
		return;
	}
	m->epochs[n] = (struct mcgd_epoch){
		.epoch = r->epoch,
		/* Never 0, which means "active". */
		.activate_ms = now + (age_ms < wait_ms ? wait_ms - age_ms : 0) + 1,
		.removal = r->flags & MCG_REKEY_REMOVAL,
	};
	m->counters[MCGD_C_REKEY_IN]++;
}

static const uint8_t *kek_of(uint32_t id, void *arg)
{
	struct mcgd_member *m = arg;

	return id && m->kek[0].id == id ? m->kek[0].key : NULL;
}

/* A KEK id we may be about to get: newer than ours, or another term's. */
static bool kek_ahead(const struct mcgd_member *m, uint32_t id)
{
	return id && id != m->kek[0].id &&
	       (!m->kek[0].id || mcg_epoch_newer(id, m->kek[0].id) ||
		term_of(id) != term_of(m->kek[0].id));
}

static void on_rekey(struct mcgd_member *m, const struct mcg_msg_hdr *h,
		     const uint8_t *body, const uint8_t *d, size_t len,
		     uint64_t now)
{
	uint32_t have = newest(m);
	struct mcg_rekey r;

	if (m->relay_ms && len == m->rekey_cache.len &&
	    !memcmp(d, m->rekey_cache.d, len))
		m->relay_rekey_seen = true;
	if (is_candidate(m, h->sender) && h->body_len >= 4 &&
	    kek_ahead(m, mcg_get_be(body, 4))) {
		/*
		 * Under a KEK we do not have (yet: datagrams overtake each
		 * other): kept, and tried again when a KEK comes.
		 */
		if (m->pending.len)	/* the one it replaces is dropped */
			m->counters[MCGD_C_REKEY_REFUSED]++;
		memcpy(m->pending.d, d, len);
		m->pending.len = len;
		return;
	}
	if (!is_candidate(m, h->sender)) {
		refuse(m, MCGD_C_REKEY_REFUSED, now, h->sender,
		       "a rekey from a member that is not a candidate");
		return;
	}
	if (mcg_rekey_open(body, h->body_len, m->conf.id, kek_of, m, &r)) {
		refuse(m, MCGD_C_REKEY_REFUSED, now, h->sender,
		       "a rekey under a KEK this member does not hold, or malformed");
		return;
	}
	if (find_epoch(m, r.epoch)) {
		sodium_memzero(&r, sizeof(r));
		return;		/* a copy */
	}
	/*
	 * Of our KEK's term, not before the first epoch our entry allows,
	 * and newer than what we have (or a new term's).
	 */
	if (term_of(r.epoch) != term_of(r.kek_id) ||
	    mcg_epoch_newer(m->first_epoch, r.epoch) ||
	    (have && term_of(have) == term_of(r.epoch) &&
	     !mcg_epoch_newer(r.epoch, have))) {
		refuse(m, MCGD_C_REKEY_REFUSED, now, h->sender,
		       "epoch %#x is not on this member's line (newest %#x, first allowed %#x)",
		       r.epoch, have, m->first_epoch);
		sodium_memzero(&r, sizeof(r));
		return;
	}
	install(m, &r, age_of(m, h, now), now);
	sodium_memzero(&r, sizeof(r));
	memcpy(m->rekey_cache.d, d, len);
	m->rekey_cache.len = len;
}

static bool kek_names(const uint8_t *b, uint32_t sender, uint64_t inc);

static void on_kek(struct mcgd_member *m, const struct mcg_msg_hdr *h,
		   const uint8_t *body, const uint8_t *d, size_t len,
		   uint64_t now)
{
	uint8_t kek[MCG_KEK_LEN];
	uint32_t id, first;
	int ret;

	/* Checked whole before it is cached: kek_for() reads the cache. */
	if (!is_candidate(m, h->sender) ||
	    !mcg_kek_well_formed(body, h->body_len)) {
		refuse(m, MCGD_C_KEK_REFUSED, now, h->sender,
		       "a KEK datagram from a member that is not a candidate, or malformed");
		return;
	}
	/* What a member asked for, sent by another: we need not relay it. */
	if (m->relay_ms && kek_names(body, m->relay_to, m->relay_inc))
		m->relay_kek_seen = true;
	id = mcg_get_be(body, 4);
	/* Older than ours, and not the elected key server's new line. */
	if (m->kek[0].id && id != m->kek[0].id &&
	    !mcg_epoch_newer(id, m->kek[0].id) &&
	    !(term_of(id) != term_of(m->kek[0].id) && h->sender == m->ks))
		return;
	/* For relaying: the datagrams of the newest KEK, as they came. */
	if (m->nkek_cache && mcg_get_be(m->kek_cache[0].d + MCG_MSG_HDR, 4) != id)
		m->nkek_cache = 0;
	if (m->nkek_cache < KEK_CACHE_MAX) {
		struct mcgd_out *c = reallocarray(m->kek_cache, m->nkek_cache + 1,
						  sizeof(*c));

		if (c) {
			m->kek_cache = c;
			memcpy(c[m->nkek_cache].d, d, len);
			c[m->nkek_cache++].len = len;
		}
	}
	ret = mcg_kek_open(body, h->body_len, m->me, m->incarnation, m->rpk,
			   m->rsk, kek, &id, &first);
	if (ret < 0)
		m->counters[MCGD_C_KEK_REFUSED]++;
	if (ret <= 0 || id == m->kek[0].id)
		return;
	m->kek[1] = m->kek[0];
	m->kek[0].id = id;
	memcpy(m->kek[0].key, kek, sizeof(kek));
	sodium_memzero(kek, sizeof(kek));
	m->first_epoch = first;
	m->counters[MCGD_C_KEK_IN]++;
	if (m->pending.len) {
		struct mcgd_out p = m->pending;

		m->pending.len = 0;
		input(m, p.d, p.len, now, false);
	}
}

static void on_hello(struct mcgd_member *m, const struct mcg_msg_hdr *h,
		     const uint8_t *body, uint64_t now)
{
	enum mcg_hello_verdict v;
	struct mcg_peer *p;
	uint32_t have;

	v = mcg_peers_hello(&m->peers, h, body, now, MCGD_SKEW_MS);
	if (v >= MCG_HELLO_E_STALE) {
		m->counters[MCGD_C_HELLO_REFUSED]++;
		return;
	}
	p = mcg_peers_find(&m->peers, h->sender);
	if (mcg_gen_cmp(p->hello.generation, m->gen_seen) > 0)
		m->gen_seen = p->hello.generation;
	if (m->is_ks && (p->hello.flags & MCG_HELLO_EXHAUSTED))
		ks_exhausted(m, p->hello.newest_epoch, now);
	/* The key server has an epoch we lack: ask, after a random wait. */
	have = newest(m);
	/*
	 * Without any KEK there is nothing to ask for: the key server serves
	 * a member it has not served (or whose hellos show it lost what it
	 * was sent) by itself.
	 */
	if (h->sender == m->ks && !m->is_ks && m->kek[0].id &&
	    p->hello.newest_epoch &&
	    !find_epoch(m, p->hello.newest_epoch) &&
	    (!have || term_of(have) != term_of(p->hello.newest_epoch) ||
	     mcg_epoch_newer(p->hello.newest_epoch, have)) && !m->sync_ms)
		m->sync_ms = now + randombytes_uniform(1000) + 1;
}

/* Does KEK body b (well formed) hold the entry of (sender, incarnation)? */
static bool kek_names(const uint8_t *b, uint32_t sender, uint64_t inc)
{
	unsigned int j;

	for (j = 0; j < b[4]; j++) {
		const uint8_t *e = b + 5 + j * MCG_KEK_ENTRY;

		if (mcg_get_be(e, 4) == sender && mcg_get_be(e + 4, 8) == inc)
			return true;
	}
	return false;
}

/* Which cached KEK datagram holds the entry of (sender, incarnation)? */
static const struct mcgd_out *kek_for(const struct mcgd_member *m,
				      uint32_t sender, uint64_t inc)
{
	unsigned int i;

	for (i = 0; i < m->nkek_cache; i++)
		if (kek_names(m->kek_cache[i].d + MCG_MSG_HDR, sender, inc))
			return &m->kek_cache[i];
	return NULL;
}

static void on_sync(struct mcgd_member *m, const struct mcg_msg_hdr *h,
		    const uint8_t *body, uint64_t now)
{
	if (h->body_len != SYNC_LEN)
		return;
	if (m->is_ks) {
		/* It lost what we sent: serve it again (no new epoch). */
		struct mcg_peer *p = mcg_peers_find(&m->peers, h->sender);

		if (p && p->incarnation == h->incarnation)
			m->ks_peer[p - m->peers.peer].resync = true;
		/* Those who ask at once are served together. */
		if (!m->newcomers_ms || m->newcomers_ms > now + SYNC_BATCH_MS)
			m->newcomers_ms = now + SYNC_BATCH_MS;
		return;
	}
	if (m->relay_ms)
		return;
	/* Whoever waits least answers; the others hear it and keep quiet. */
	m->relay_ms = now + 200 + randombytes_uniform(800);
	m->relay_to = h->sender;
	m->relay_inc = h->incarnation;
	m->relay_kek_seen = false;
	m->relay_rekey_seen = false;
	(void)body;
}

static const uint8_t *gone_key_of(uint32_t sender, void *arg)
{
	const struct mcgd_member *m = arg;
	unsigned int i = m->ngone;

	/* The newest first: a sender id may have been reused since. */
	while (i--)
		if (m->gone[i].sender == sender)
			return m->gone[i].key;
	return NULL;
}

static void input(struct mcgd_member *m, const uint8_t *d, size_t len,
		  uint64_t now, bool own)
{
	enum mcg_msg_err err;
	const uint8_t *body;
	struct mcg_msg_hdr h;

	if (m->stopped)
		return;
	err = mcg_msg_open(d, len, m->conf.id, key_of, &m->conf, &h, &body);
	if (err) {
		/* A removed member that does not know yet: tell it. */
		if (err == MCG_MSG_E_SENDER && m->ngone &&
		    !mcg_msg_open(d, len, m->conf.id, gone_key_of, m, &h, &body))
			mcgd_spread_heard(m, &h, now);
		refuse(m, MCGD_C_REFUSED, now, len >= 16 ? mcg_get_be(d + 8, 4) : 0,
		       "a datagram refused: %s", mcg_msg_err_name(err));
		return;
	}
	m->counters[MCGD_C_IN]++;
	if (h.sender == m->me && !own)
		return;		/* ours, relayed back */
	if (!own)
		mcgd_spread_heard(m, &h, now);
	switch (h.type) {
	case MCG_MSG_HELLO:
		on_hello(m, &h, body, now);
		break;
	case MCG_MSG_KEK:
		on_kek(m, &h, body, d, len, now);
		break;
	case MCG_MSG_REKEY:
		on_rekey(m, &h, body, d, len, now);
		break;
	case MCG_MSG_SYNC:
		on_sync(m, &h, body, now);
		break;
	case MCG_MSG_ROSTER:
		mcgd_spread_input(m, &h, body, now);
		break;
	default:
		break;
	}
}

void mcgd_member_input(struct mcgd_member *m, const uint8_t *d, size_t len,
		       uint64_t now_ms)
{
	input(m, d, len, now_ms, false);
}

static void elect(struct mcgd_member *m, uint64_t now)
{
	uint32_t *live = calloc(m->peers.n + 1, sizeof(*live));
	uint32_t n, ks;

	if (!live)
		return;
	n = mcg_peers_live(&m->peers, now, lifetime_ms(m), live);
	/* Ourselves, once we had time to hear the others. */
	if (now - m->start_ms >= lifetime_ms(m))
		live[n++] = m->me;
	ks = mcg_elect(&m->conf, live, n);
	free(live);
	if (ks != m->ks)
		say(m, "group %u: key server is %u", m->conf.id, ks);
	m->ks = ks;
	if (ks == m->me && !m->is_ks) {
		m->is_ks = true;
		ks_start_term(m, now);
		return;
	}
	/*
	 * Whoever else was key server (a healed partition) steps down when it
	 * hears us; its members lack our KEK and are served as newcomers,
	 * with a new epoch: the group ends on one line of epochs.
	 */
	if (ks != m->me)
		m->is_ks = false;
}

static void relay(struct mcgd_member *m, uint64_t now)
{
	const struct mcgd_out *k = kek_for(m, m->relay_to, m->relay_inc);

	if (k && !m->relay_kek_seen) {
		out(m, k->d, k->len, now, 1);
		m->counters[MCGD_C_RELAYED]++;
	}
	if (m->rekey_cache.len && !m->relay_rekey_seen) {
		out(m, m->rekey_cache.d, m->rekey_cache.len, now, 1);
		m->counters[MCGD_C_RELAYED]++;
	}
	m->relay_ms = 0;
}

static bool on_line(const struct mcgd_member *m, uint32_t epoch)
{
	const struct mcg_peer *ks;

	if (m->is_ks || !m->ks)
		return !m->is_ks || term_of(epoch) == term_of(m->ks_kek.id);
	ks = mcg_peers_find(&m->peers, m->ks);
	if (!ks || !ks->hello.newest_epoch)
		return true;
	if (term_of(ks->hello.newest_epoch) != term_of(epoch))
		return false;
	/*
	 * An epoch of its own term, and it still says it is key server: one
	 * that took over while loss hid the real one from it (and from us)
	 * steps down as soon as it hears it again, and the epochs it made
	 * are then nobody's line.  (One we elect only because loss hides
	 * the key server from us, and that follows it, is on its line.)
	 */
	return mcg_epoch_cand(epoch) != mcg_candidate_rank(&m->conf, m->ks) ||
	       (ks->hello.flags & MCG_HELLO_KS);
}

/* Sends on act; the epochs before it go after the deactivation delay. */
static void activate(struct mcgd_member *m, struct mcgd_epoch *act,
		     uint64_t now)
{
	uint32_t delay = act->removal ? m->conf.removal_deactivation :
					m->conf.deactivation;
	struct mcgd_epoch *e;
	unsigned int i;

	if (m->ops->key_use(m->arg, act->epoch)) {
		/* The old ones stay, and we try again in a second. */
		say(m, "group %u: the kernel refused to send on epoch %#x",
		    m->conf.id, act->epoch);
		act->activate_ms = now + 1000;
		return;
	}
	for (i = 0; i < MCGD_EPOCHS; i++) {
		e = &m->epochs[i];
		if (!e->epoch)
			continue;
		if (e == act)
			break;
		/*
		 * Older ones go after the deactivation delay; after a
		 * removal, all of them soon, whatever was planned.
		 */
		e->activate_ms = 0;
		if (!e->delete_ms || e->delete_ms > now + 1000ull * delay)
			e->delete_ms = now + 1000ull * delay;
	}
	act->activate_ms = 0;
	act->delete_ms = 0;
}

/*
 * We followed one that took over while loss hid the key server, and it
 * stepped down again: the epoch we send on is nobody's line.  Back to the
 * newest one of the line we elect that we sent on before, if we still have
 * it; the other is never sent on again and goes after the deactivation.
 */
static void back_on_line(struct mcgd_member *m, uint64_t now)
{
	struct mcgd_epoch *e, *off = NULL, *back = NULL;
	unsigned int i;

	for (i = 0; i < MCGD_EPOCHS; i++) {
		e = &m->epochs[i];
		if (!e->epoch || e->activate_ms)
			continue;
		if (on_line(m, e->epoch))
			back = e;
		else
			off = e;
	}
	if (!off || !back || off < back)
		return;
	off->activate_ms = UINT64_MAX;
	off->delete_ms = now + 1000ull * m->conf.deactivation;
	say(m, "group %u: epoch %#x is on no key server's line: back to %#x",
	    m->conf.id, off->epoch, back->epoch);
	activate(m, back, now);
}

static void epochs_due(struct mcgd_member *m, uint64_t now)
{
	struct mcgd_epoch *e, *act = NULL;
	unsigned int i;

	/*
	 * The newest epoch whose activation came: send on it, if it is of
	 * the line the key server we elect is on.  A candidate that took
	 * over when heavy loss hid the key server's hellos for a while has
	 * made an epoch that the others, who still heard it, never follow:
	 * nobody sends on it.
	 */
	for (i = 0; i < MCGD_EPOCHS; i++) {
		e = &m->epochs[i];
		if (e->epoch && e->activate_ms && e->activate_ms <= now &&
		    on_line(m, e->epoch))
			act = e;
	}
	if (act)
		activate(m, act, now);
	else
		back_on_line(m, now);
	i = 0;
	while (i < MCGD_EPOCHS) {
		e = &m->epochs[i];
		if (!e->epoch || !e->delete_ms || e->delete_ms > now) {
			i++;
			continue;
		}
		m->ops->key_del(m->arg, e->epoch);
		memmove(e, e + 1, (MCGD_EPOCHS - 1 - i) * sizeof(*e));
		memset(&m->epochs[MCGD_EPOCHS - 1], 0, sizeof(*e));
	}
}

/* Does the key server's last hello name an epoch we lack? */
static bool still_lacking(const struct mcgd_member *m)
{
	const struct mcg_peer *p = mcg_peers_find(&m->peers, m->ks);

	return !p || !p->hello.newest_epoch ||
	       !find_epoch((struct mcgd_member *)m, p->hello.newest_epoch);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

uint64_t mcgd_member_tick(struct mcgd_member *m, uint64_t now)
{
	uint64_t next, spread;
	unsigned int i, j;

	if (m->stopped)
		return UINT64_MAX;
	if (now >= m->next_hello_ms) {
		send_hello(m, now);
		m->next_hello_ms = now + 1000ull * m->conf.hello;
	}
	elect(m, now);
	if (m->is_ks) {
		/* Live members without the KEK: served together, a second on. */
		if (!m->newcomers_ms && ks_someone_lacks(m, now))
			m->newcomers_ms = now + 1000;
		if (m->newcomers_ms && now >= m->newcomers_ms) {
			m->newcomers_ms = 0;
			ks_serve(m, now, false, false);
		}
		if (now >= m->next_rotation_ms)
			ks_rotate(m, now, false);
	}
	epochs_due(m, now);
	/* A SYNC is due: unless what it was for came meanwhile. */
	if (m->sync_ms && now >= m->sync_ms && !still_lacking(m))
		m->sync_ms = 0;
	if (m->sync_ms && now >= m->sync_ms) {
		uint8_t body[SYNC_LEN], d[MCG_MSG_MAX];

		mcg_put_be(body, newest(m), 4);
		mcg_put_be(body + 4, m->kek[0].id, 4);
		out(m, d, seal(m, d, MCG_MSG_SYNC, body, sizeof(body), now), now, 1);
		m->counters[MCGD_C_SYNC_SENT]++;
		m->sync_ms = 0;
	}
	if (m->relay_ms && now >= m->relay_ms)
		relay(m, now);
	spread = mcgd_spread_tick(m, now);

	/* Send what is due; repeats go again a second later. */
	for (i = j = 0; i < m->nout; i++) {
		struct mcgd_out *o = &m->out[i];

		if (o->at_ms <= now) {
			m->ops->send(m->arg, o->d, o->len);
			o->left--;
			o->at_ms = now + 1000;
		}
		if (o->left)
			m->out[j++] = *o;
	}
	m->nout = j;

	next = m->next_hello_ms;
	if (m->is_ks) {
		next = earliest(next, m->next_rotation_ms);
		next = earliest(next, m->newcomers_ms);
	}
	next = earliest(next, m->sync_ms);
	next = earliest(next, m->relay_ms);
	next = earliest(next, spread);
	for (i = 0; i < MCGD_EPOCHS; i++) {
		next = earliest(next, m->epochs[i].activate_ms);
		next = earliest(next, m->epochs[i].delete_ms);
	}
	for (i = 0; i < m->nout; i++)
		next = earliest(next, m->out[i].at_ms);
	/*
	 * The key server's hello lifetime, to the millisecond: a successor
	 * then takes over when it runs out, not up to a tick later.  Other
	 * changes to the election follow the hellos: look again within one.
	 */
	if (m->ks && m->ks != m->me) {
		const struct mcg_peer *p = mcg_peers_find(&m->peers, m->ks);

		if (p && p->incarnation &&
		    p->seen_ms + lifetime_ms(m) + 1 > now)
			next = earliest(next, p->seen_ms + lifetime_ms(m) + 1);
	}
	return earliest(next, now + 1000);
}

int mcgd_member_init(struct mcgd_member *m, const struct mcg_conf *conf,
		     const struct mcg_identity *id, const struct mcgd_ops *ops,
		     void *arg, uint64_t now_ms, struct mcg_err *e)
{
	const struct mcg_member *self;

	memset(m, 0, sizeof(*m));
	self = mcg_conf_member_by_key(conf, id->pk);
	if (!self)
		return mcg_err_set(e, "this host's identity is not a member of group %u",
				   conf->id);
	m->conf = *conf;
	m->conf.members = malloc(conf->nmembers * sizeof(*conf->members));
	m->ks_peer = calloc(conf->nmembers, sizeof(*m->ks_peer));
	if (!m->conf.members || !m->ks_peer ||
	    mcg_peers_init(&m->peers, conf, NULL)) {
		free(m->conf.members);
		free(m->ks_peer);
		return mcg_err_set(e, "out of memory");
	}
	memcpy(m->conf.members, conf->members, conf->nmembers * sizeof(*conf->members));
	m->ops = ops;
	m->arg = arg;
	m->id = *id;
	m->me = self->sender;
	do
		randombytes_buf(&m->incarnation, sizeof(m->incarnation));
	while (!m->incarnation);
	crypto_box_keypair(m->rpk, m->rsk);
	if (mcgd_spread_set(m)) {
		mcgd_member_free(m);
		return mcg_err_set(e, "out of memory");
	}
	m->start_ms = now_ms;
	m->next_hello_ms = now_ms;
	return 0;
}

static void remember_gone(struct mcgd_member *m, const struct mcg_member *mm)
{
	struct mcg_member *g;

	if (m->ngone == MCGD_GONE_MAX) {
		memmove(m->gone, m->gone + 1, (MCGD_GONE_MAX - 1) * sizeof(*g));
		m->ngone--;
	}
	if (!m->gone) {
		m->gone = calloc(MCGD_GONE_MAX, sizeof(*g));
		if (!m->gone)
			return;		/* only a courtesy is lost */
	}
	m->gone[m->ngone++] = *mm;
}

int mcgd_member_roster(struct mcgd_member *m, const struct mcg_conf *conf,
		       uint64_t now_ms, struct mcg_err *e)
{
	struct mcgd_ks_peer *ks_peer;
	struct mcg_member *members;
	struct mcg_peers peers;
	bool removed = false;
	uint32_t i;

	if (conf->version <= m->conf.version)
		return mcg_err_set(e, "roster version %llu is not newer than %llu",
				   (unsigned long long)conf->version,
				   (unsigned long long)m->conf.version);
	if (!mcg_conf_member_by_key(conf, m->id.pk)) {
		say(m, "group %u: this host is no longer a member (roster version %llu): leaving",
		    m->conf.id, (unsigned long long)conf->version);
		for (i = 0; i < MCGD_EPOCHS; i++)
			if (m->epochs[i].epoch)
				m->ops->key_del(m->arg, m->epochs[i].epoch);
		memset(m->epochs, 0, sizeof(m->epochs));
		m->conf.version = conf->version;
		m->stopped = true;
		return 0;
	}
	for (i = 0; i < m->conf.nmembers; i++)
		if (!mcg_conf_member_by_key(conf, m->conf.members[i].key)) {
			remember_gone(m, &m->conf.members[i]);
			removed = true;
		}
	members = malloc(conf->nmembers * sizeof(*members));
	ks_peer = calloc(conf->nmembers, sizeof(*ks_peer));
	if (!members || !ks_peer || mcg_peers_init(&peers, conf, &m->peers)) {
		free(members);
		free(ks_peer);
		return mcg_err_set(e, "out of memory");
	}
	/* What the key server knew of members that stay. */
	for (i = 0; i < peers.n; i++) {
		struct mcg_peer *was = mcg_peers_find(&m->peers, peers.peer[i].sender);

		if (was && !memcmp(was->key, peers.peer[i].key, MCG_KEY_LEN))
			ks_peer[i] = m->ks_peer[was - m->peers.peer];
	}
	memcpy(members, conf->members, conf->nmembers * sizeof(*members));
	free(m->conf.members);
	free(m->ks_peer);
	mcg_peers_free(&m->peers);
	m->conf = *conf;
	m->conf.members = members;
	m->ks_peer = ks_peer;
	m->peers = peers;
	m->me = mcg_conf_member_by_key(conf, m->id.pk)->sender;
	if (mcgd_spread_set(m))
		say(m, "group %u: out of memory: roster version %llu is not passed on",
		    m->conf.id, (unsigned long long)conf->version);
	if (m->is_ks && removed) {
		/* Forward access control: a KEK the removed never see. */
		say(m, "group %u: roster version %llu removes members: new KEK",
		    m->conf.id, (unsigned long long)conf->version);
		ks_new_kek(m);
		ks_serve(m, now_ms, true, true);
	}
	return 0;
}

void mcgd_member_free(struct mcgd_member *m)
{
	mcg_peers_free(&m->peers);
	free(m->conf.members);
	free(m->ks_peer);
	free(m->out);
	free(m->kek_cache);
	free(m->gone);
	mcgd_spread_free(&m->spread);
	sodium_memzero(m, sizeof(*m));
}

void mcgd_member_exhausted(struct mcgd_member *m, uint32_t epoch,
			   uint64_t now_ms)
{
	m->counters[MCGD_C_EXHAUSTED]++;
	if (m->stopped || !epoch || epoch != mcgd_member_tx(m))
		return;
	m->exhausted = epoch;
	if (m->is_ks)
		ks_exhausted(m, newest(m), now_ms);
	else
		m->next_hello_ms = now_ms;	/* say so now */
}
