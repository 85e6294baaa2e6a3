// SPDX-License-Identifier: GPL-2.0
/*
 * The key-management protocol, whole, in one process: members (struct
 * mcgd_member) on a simulated multicast network with a simulated clock,
 * loss, partitions, restarts and removals; each member's "kernel" is a
 * table of installed epochs.  The invariant that stands for "no message
 * lost": whatever epoch a member sends on, every other member (that is
 * reachable and was a member long enough) has its key, the same key.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <linux/mcg.h>

#include "../conf.h"
#include "../epoch.h"
#include "../member.h"
#include "../roster.h"
#include "../../check.h"


#define MAX_HOSTS	1024	/* --figures goes to 1,000 */
#define STEP_MS		10
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct slot {
	uint32_t epoch;
	uint8_t key[32];
	size_t len;
};

struct host {
	int i;
	struct mcgd_member m;
	struct mcg_identity id;
	bool up;		/* running */
	int side;		/* partition: hosts hear only their side */
	struct slot slots[MCGD_EPOCHS];
	uint32_t tx;
	uint64_t next_ms;
	bool verbose;
	bool deaf_roster;	/* drops ROSTER datagrams: a removed member
				 * that wants to keep listening */
};

struct packet {
	uint64_t at;
	int from;
	size_t len;
	uint8_t d[MCG_MSG_MAX];
};

static struct host hosts[MAX_HOSTS];
static int nhosts;
static struct packet *net;
static size_t nnet, capnet;
static uint64_t now;
static unsigned int loss_pct;
static uint64_t sent_packets, sent_bytes, ks_bytes, ks_packets;
static uint64_t ks_cpu_ns;	/* host 0's time in the state machine */
static uint64_t syncs;		/* every host's SYNCs */
static uint64_t relayed;	/* KEK and REKEY not from host 0 */
static unsigned int hello_s = 2;
static struct mcg_conf conf;
static struct packet *tap;	/* the key server's datagrams, when set */
static unsigned int ntap;
static struct mcg_identity admin;
static unsigned int rosters_saved;
/* Loss by rule: the datagrams a case wants a host not to hear. */
static bool (*deaf)(const struct packet *p, int to);

/*
 * Every random choice (loss, delays, the members' jitter, even their keys)
 * comes from one seeded generator that replaces libsodium's, so a failing
 * run is repeated exactly with MCGD_TEST_SEED=N.
 */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);	/* splitmix64 */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rng_random(void)
{
	return (uint32_t)rng_next();
}

static void rng_buf(void * const buf, const size_t size)
{
	uint8_t *b = buf;
	size_t i;

	for (i = 0; i < size; i++)
		b[i] = (uint8_t)rng_next();
}

static const char *rng_name(void)
{
	return "group_test";
}

static struct randombytes_implementation rng_impl = {
	.implementation_name = rng_name,
	.random = rng_random,
	.buf = rng_buf,
};

static void rng_seed(void)
{
	const char *s = getenv("MCGD_TEST_SEED");

	rng_state = s && *s ? strtoull(s, NULL, 0) :
		(uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	printf("# seed %llu (MCGD_TEST_SEED=%llu repeats this run)\n",
	       (unsigned long long)rng_state, (unsigned long long)rng_state);
	randombytes_set_implementation(&rng_impl);
}

static void h_send(void *arg, const uint8_t *d, size_t len)
{
	struct host *h = arg;
	struct packet *p;

	sent_packets++;
	sent_bytes += len;
	syncs += d[3] == MCG_MSG_SYNC;
	if ((d[3] == MCG_MSG_KEK || d[3] == MCG_MSG_REKEY) && h->i != 0)
		relayed++;
	/* The key server's rekeys: KEK and REKEY datagrams, repeats too. */
	if ((d[3] == MCG_MSG_KEK || d[3] == MCG_MSG_REKEY) && h->i == 0) {
		ks_bytes += len;
		ks_packets++;
	}
	if (tap && h->i == 0 && d[3] != MCG_MSG_HELLO && ntap < 64) {
		memcpy(tap[ntap].d, d, len);
		tap[ntap++].len = len;
	}
	/* One multicast datagram: run() hands it to every other host. */
	if (nnet == capnet) {
		capnet = capnet ? capnet * 2 : 1024;
		net = realloc(net, capnet * sizeof(*net));
		if (!net)
			abort();
	}
	p = &net[nnet++];
	p->at = now + 1 + randombytes_uniform(20);
	p->from = h->i;
	p->len = len;
	memcpy(p->d, d, len);
}

static int h_key_add(void *arg, uint32_t epoch, uint8_t alg,
		     const uint8_t *key, size_t len)
{
	struct host *h = arg;
	int i;

	(void)alg;
	for (i = 0; i < MCGD_EPOCHS; i++) {
		if (h->slots[i].epoch == epoch)
			return -1;	/* EEXIST */
	}
	for (i = 0; i < MCGD_EPOCHS; i++) {
		if (!h->slots[i].epoch) {
			if (h->verbose)
				printf("# %6llu ms host %d: + %#x\n",
				       (unsigned long long)now, h->i, epoch);
			h->slots[i].epoch = epoch;
			memcpy(h->slots[i].key, key, len);
			h->slots[i].len = len;
			return 0;
		}
	}
	return -1;	/* ENOSPC: the kernel has four */
}

static struct slot *h_slot(struct host *h, uint32_t epoch)
{
	int i;

	for (i = 0; i < MCGD_EPOCHS; i++)
		if (epoch && h->slots[i].epoch == epoch)
			return &h->slots[i];
	return NULL;
}

static int h_key_use(void *arg, uint32_t epoch)
{
	struct host *h = arg;

	if (!h_slot(h, epoch))
		return -1;
	if (h->verbose)
		printf("# %6llu ms host %d: sends on %#x\n",
		       (unsigned long long)now, h->i, epoch);
	h->tx = epoch;
	return 0;
}

static int h_key_del(void *arg, uint32_t epoch)
{
	struct host *h = arg;
	struct slot *s = h_slot(h, epoch);

	if (!s)
		return -1;
	if (h->verbose)
		printf("# %6llu ms host %d: - %#x\n",
		       (unsigned long long)now, h->i, epoch);
	memset(s, 0, sizeof(*s));
	if (h->tx == epoch)
		h->tx = 0;
	return 0;
}

static void h_log(void *arg, const char *line)
{
	struct host *h = arg;

	if (h->verbose)
		printf("# %6llu ms host %d: %s\n", (unsigned long long)now, h->i, line);
}

static void h_roster(void *arg, const struct mcg_conf *c, const uint8_t *blob,
		     size_t len)
{
	(void)arg;
	(void)c;
	(void)blob;
	(void)len;
	rosters_saved++;
}

static const struct mcgd_ops ops = {
	.send = h_send, .key_add = h_key_add, .key_use = h_key_use,
	.key_del = h_key_del, .log = h_log, .roster = h_roster,
};

/* The admin's signature on c, as NAME.sig would hold it. */
static void sign(struct mcg_conf *c)
{
	memcpy(c->sigs[0].pk, admin.pk, MCG_KEY_LEN);
	if (mcg_roster_sign(c, &admin, c->sigs[0].sig))
		abort();
	c->nsigs = 1;
}

static char conf_text[1 << 20];

/* n hosts, the first c of them candidates (priority 1, 2, ...). */
static void make_group(int n, int c, unsigned int rotation)
{
	char pub[MCG_KEY_B64 + 1];
	struct mcg_err e;
	char *p = conf_text;
	uint8_t seed[32];
	int i;

	memset(seed, 0xad, sizeof(seed));
	crypto_sign_seed_keypair(admin.pk, admin.sk, seed);
	mcg_key_format(pub, admin.pk);
	p += sprintf(p, "[group]\nid = 7\naddress = ff05::7\ninterface = eth0\n"
		     "rotation = %u\nactivation = 5\ndeactivation = 10\nhello = %u\n"
		     "[admins]\nkey = %s\n[roster]\nversion = 1\n", rotation,
		     hello_s, pub);
	memset(hosts, 0, sizeof(hosts));	/* deaf_roster too */
	for (i = 0; i < n; i++) {
		memset(seed, 0x55, sizeof(seed));
		memcpy(seed, &i, sizeof(i));	/* distinct for every host */
		crypto_sign_seed_keypair(hosts[i].id.pk, hosts[i].id.sk, seed);
		mcg_key_format(pub, hosts[i].id.pk);
		p += sprintf(p, "[member h%d]\nkey = %s\nsender = %d\n", i, pub, i + 1);
		if (i < c)
			p += sprintf(p, "priority = %d\n", i + 1);
		hosts[i].i = i;
		hosts[i].verbose = !!getenv("MCGD_TEST_VERBOSE");
	}
	nhosts = n;
	mcg_conf_free(&conf);
	if (mcg_conf_parse(conf_text, strlen(conf_text), "sim", &conf, &e)) {
		printf("Bail out! %s\n", e.msg);
		exit(1);
	}
	sign(&conf);
}

/*
 * The admins' roster version 2 into c, signed: make_group()'s group
 * without its last member, host last (whose section ends conf_text).
 */
static void roster_without(int last, struct mcg_conf *c)
{
	struct mcg_err e;
	char tag[32];
	char *at;

	snprintf(tag, sizeof(tag), "[member h%d]\n", last);
	at = strstr(conf_text, tag);
	if (!at || strchr(at + 1, '['))
		abort();
	*at = '\0';
	strstr(conf_text, "version = 1\n")[10] = '2';
	if (mcg_conf_parse(conf_text, strlen(conf_text), "sim", c, &e)) {
		printf("Bail out! %s\n", e.msg);
		exit(1);
	}
	sign(c);
}

static void start(struct host *h)
{
	struct mcg_err e;

	memset(h->slots, 0, sizeof(h->slots));
	h->tx = 0;
	if (mcgd_member_init(&h->m, &conf, &h->id, &ops, h, now, &e)) {
		printf("Bail out! %s\n", e.msg);
		exit(1);
	}
	h->up = true;
	h->next_ms = now;
}

static void stop(struct host *h)
{
	mcgd_member_free(&h->m);
	h->up = false;
}

static void start_all(void)
{
	int i;

	nnet = 0;
	sent_packets = sent_bytes = ks_bytes = 0;
	loss_pct = 0;
	for (i = 0; i < nhosts; i++) {
		hosts[i].side = 0;
		start(&hosts[i]);
	}
}

static void stop_all(void)
{
	int i;

	for (i = 0; i < nhosts; i++)
		if (hosts[i].up)
			stop(&hosts[i]);
}

static struct timespec cpu_t0;

static void cpu_start(int k)
{
	if (!k)
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_t0);
}

static void cpu_stop(int k)
{
	struct timespec t;

	if (k)
		return;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	ks_cpu_ns += (t.tv_sec - cpu_t0.tv_sec) * 1000000000ll +
		     t.tv_nsec - cpu_t0.tv_nsec;
}

/* Simulated time passes: packets arrive, members tick. */
static void run(uint64_t ms)
{
	uint64_t end = now + ms;
	size_t i, j;
	int k;

	for (; now < end; now += STEP_MS) {
		for (i = j = 0; i < nnet; i++) {
			struct packet *p = &net[i];

			if (p->at > now) {
				net[j++] = *p;
				continue;
			}
			for (k = 0; k < nhosts; k++) {
				struct host *h = &hosts[k];

				if (k == p->from || !h->up ||
				    h->side != hosts[p->from].side ||
				    (h->deaf_roster && p->d[3] == MCG_MSG_ROSTER) ||
				    (deaf && deaf(p, k)) ||
				    randombytes_uniform(100) < loss_pct)
					continue;
				cpu_start(k);
				mcgd_member_input(&h->m, p->d, p->len, now);
				cpu_stop(k);
				h->next_ms = now;	/* the daemon ticks after input */
			}
		}
		nnet = j;
		for (k = 0; k < nhosts; k++)
			if (hosts[k].up && hosts[k].next_ms <= now) {
				cpu_start(k);
				hosts[k].next_ms = mcgd_member_tick(&hosts[k].m, now);
				cpu_stop(k);
			}
	}
}

/*
 * Every up member sends on an epoch, and every other up member of its
 * side has that epoch with the same key.  Hosts in skip are left out.
 */
static bool converged(const bool *skip, char *why, size_t size)
{
	int a, b;

	why[0] = '\0';
	for (a = 0; a < nhosts; a++) {
		struct slot *sa;

		if (!hosts[a].up || (skip && skip[a]))
			continue;
		sa = h_slot(&hosts[a], hosts[a].tx);
		if (!sa) {
			snprintf(why, size, "host %d sends on no epoch", a);
			return false;
		}
		for (b = 0; b < nhosts; b++) {
			struct slot *sb;

			if (b == a || !hosts[b].up || (skip && skip[b]) ||
			    hosts[b].side != hosts[a].side)
				continue;
			sb = h_slot(&hosts[b], sa->epoch);
			if (!sb || sb->len != sa->len ||
			    memcmp(sb->key, sa->key, sa->len)) {
				snprintf(why, size, "host %d sends on %#x, which host %d %s",
					 a, sa->epoch, b, sb ? "has another key for" : "lacks");
				return false;
			}
		}
	}
	return true;
}

/* make_group(n, c), started and left to form: every test's first step. */
static void formed(int n, int c)
{
	char why[160] = "";

	make_group(n, c, 3600);
	start_all();
	run(15000);
	CHECK(converged(NULL, why, sizeof(why)), "%d members formed %s", n, why);
}

/*
 * run() in steps, checking the invariant after each once it first held;
 * returns the ms until it held, or -1 if it did not within ms, or broke.
 */
static long run_checked(uint64_t ms, const bool *skip, char *why, size_t size,
			bool *broke)
{
	char now_why[120];
	long first = -1;
	uint64_t t;

	*broke = false;
	for (t = 0; t < ms; t += 100) {
		run(100);
		if (converged(skip, now_why, sizeof(now_why))) {
			if (first < 0) {
				first = t + 100;
				why[0] = '\0';	/* what kept it: held now */
			}
		} else if (first >= 0 && !*broke) {
			/* The first break is the one to tell. */
			*broke = true;
			snprintf(why, size, "at +%llu ms: %s",
				 (unsigned long long)t + 100, now_why);
		} else if (first < 0) {
			snprintf(why, size, "%s", now_why);
		}
	}
	return first;
}

static int key_servers(int side)
{
	int i, n = 0;

	for (i = 0; i < nhosts; i++)
		n += hosts[i].up && hosts[i].side == side && hosts[i].m.is_ks;
	return n;
}

static uint32_t elected(int i)
{
	return hosts[i].m.ks;
}

static long run_until_on(int skip, uint32_t old, long limit_ms);

static void test_forms_and_rotates(void)
{
	char why[160] = "";
	uint32_t first;
	long t;
	bool broke;

	make_group(6, 2, 30);
	start_all();
	t = run_checked(20000, NULL, why, sizeof(why), &broke);
	CHECK(t >= 0 && t <= 6000 + 2000 + 5000 + 1000,
	      "6 members, 2 candidates: all send on one epoch after %ld ms (hello lifetime + activation) %s",
	      t, t < 0 ? why : "");
	CHECK(key_servers(0) == 1 && elected(3) == 1 && hosts[0].m.is_ks,
	      "one key server, the lowest priority");
	first = hosts[3].tx;
	t = run_checked(65000, NULL, why, sizeof(why), &broke);
	CHECK(!broke && hosts[3].tx != first &&
	      mcg_epoch_ctr(hosts[3].tx) >= mcg_epoch_ctr(first) + 2,
	      "rotations every 30 s under traffic: never a member sending on a key another lacks (%#x -> %#x) %s",
	      first, hosts[3].tx, broke ? why : "");
	CHECK(hosts[0].m.counters[MCGD_C_TERMS] == 1 &&
	      hosts[1].m.counters[MCGD_C_TERMS] == 0, "one term");
	stop_all();
}

static void test_key_server_dies(void)
{
	char why[160] = "";
	bool skip[MAX_HOSTS] = { true };	/* host 0, once dead */
	long t;
	bool broke;
	int i;

	make_group(6, 3, 3600);
	start_all();
	run(15000);
	CHECK(converged(NULL, why, sizeof(why)) && hosts[0].m.is_ks,
	      "formed, host 0 key server %s", why);
	stop(&hosts[0]);
	for (i = 1; i < nhosts; i++)
		if (elected(i) != 1)
			break;
	t = 0;
	while (t < 20000 && !(hosts[1].m.is_ks && elected(4) == 2)) {
		run(100);
		t += 100;
	}
	CHECK(t <= 6000 + 1000 + 1000,
	      "host 1 takes over %ld ms after the key server died (lifetime 6 s + 1 s)", t);
	CHECK(converged(skip, why, sizeof(why)),
	      "nobody lost a key meanwhile: the old epoch still works %s", why);
	t = run_checked(20000, skip, why, sizeof(why), &broke);
	CHECK(t >= 0 && !broke && mcg_epoch_cand(hosts[4].tx) == 2,
	      "the group moves to the new key server's epochs without a gap %s",
	      broke || t < 0 ? why : "");
	stop_all();
}

static void test_restart(void)
{
	char why[160] = "";
	uint32_t before;
	long t;
	bool broke;
	int i;

	make_group(5, 2, 3600);
	start_all();
	run(15000);
	before = hosts[4].tx;
	stop(&hosts[4]);
	run(3000);
	start(&hosts[4]);
	t = run_checked(20000, NULL, why, sizeof(why), &broke);
	CHECK(t >= 0, "a restarted member is back in %ld ms %s", t, t < 0 ? why : "");
	for (i = 0; i < MCGD_EPOCHS; i++)
		if (hosts[4].slots[i].epoch &&
		    !mcg_epoch_newer(hosts[4].slots[i].epoch, before))
			break;
	CHECK(i == MCGD_EPOCHS && hosts[4].tx != before,
	      "and holds only epochs made after it restarted (was %#x, now %#x)",
	      before, hosts[4].tx);
	CHECK(!h_slot(&hosts[4], before),
	      "no datagram captured before its restart can be accepted again");
	stop_all();
}

static void test_removal(void)
{
	struct mcg_conf next;
	struct mcg_err e;
	bool skip[MAX_HOSTS] = { false };
	uint32_t old[MCGD_EPOCHS];
	char why[160] = "";
	uint64_t p0, b0, k0;
	long t;
	bool broke, stale = false, learnt = false;
	int i, j, k;

	formed(10, 2);
	for (j = 0; j < MCGD_EPOCHS; j++)
		old[j] = hosts[9].slots[j].epoch;
	/* The admins' roster version 2 drops host 9 (the last section). */
	roster_without(9, &next);
	p0 = sent_packets;
	b0 = sent_bytes;
	k0 = ks_bytes;
	/*
	 * Host 9 does not take the new roster: it goes on listening, with
	 * every key it had, as a removed member who wants to would.
	 */
	hosts[9].deaf_roster = true;
	for (i = 0; i < 9; i++)
		if (mcgd_member_roster(&hosts[i].m, &next, now, &e))
			printf("# %s\n", e.msg);
	skip[9] = true;
	t = run_checked(5000 + 2000 + 1000, skip, why, sizeof(why), &broke);
	CHECK(t >= 0 && !broke, "the others lose nothing %s", why);
	for (i = 0; i < 9; i++)
		for (j = 0; j < MCGD_EPOCHS; j++)
			for (k = 0; k < MCGD_EPOCHS; k++)
				if (old[k] && hosts[i].slots[j].epoch == old[k]) {
					stale = true;
					printf("# host %d still has %#x (tx %#x)\n", i,
					       old[k], hosts[i].tx);
				}
	CHECK(!stale && hosts[0].tx,
	      "activation + removal deactivation later, no one keeps an epoch the removed member has");
	for (i = 0; i < 9; i++)
		if (h_slot(&hosts[9], hosts[i].tx))
			learnt = true;
	CHECK(!learnt && hosts[9].m.counters[MCGD_C_REKEY_REFUSED] > 0,
	      "the removed member, listening with the old KEK, learns no new epoch (%llu refused)",
	      (unsigned long long)hosts[9].m.counters[MCGD_C_REKEY_REFUSED]);
	printf("# removal at 10 members: %llu datagrams, %llu bytes (%llu of them rekeys, not hellos) in the %ld ms after\n",
	       (unsigned long long)(sent_packets - p0),
	       (unsigned long long)(sent_bytes - b0),
	       (unsigned long long)(ks_bytes - k0), 8000L);
	/* Told at last, it leaves. */
	hosts[9].deaf_roster = false;
	run(5000);
	CHECK(hosts[9].m.stopped && !hosts[9].tx,
	      "told by the others, who answer its hellos with the new roster, it leaves");
	mcg_conf_free(&next);
	stop_all();
}

static uint64_t deaf_until;

static bool deaf_to_rekeys(const struct packet *p, int to)
{
	return to == 4 && now < deaf_until &&
	       (p->d[3] == MCG_MSG_KEK || p->d[3] == MCG_MSG_REKEY);
}

/*
 * A member that gets the removal's rekey late (every copy lost, then a
 * SYNC) switches when the others do: were it to wait a whole activation
 * delay from when it got the rekey, it would still send on the old epoch
 * after the others deleted it.
 */
static void test_late_rekey(void)
{
	bool skip[MAX_HOSTS] = { false };
	struct mcg_conf next;
	struct mcg_err e;
	char why[160] = "";
	uint32_t old_tx;
	long t;
	bool broke;
	int i;

	formed(6, 2);
	roster_without(5, &next);
	deaf = deaf_to_rekeys;
	deaf_until = now + 3500;	/* the three copies, a second apart */
	old_tx = hosts[0].tx;
	for (i = 0; i < 6; i++)
		mcgd_member_roster(&hosts[i].m, &next, now, &e);
	skip[5] = true;
	t = run_checked(12000, skip, why, sizeof(why), &broke);
	CHECK(t >= 0 && !broke && hosts[4].m.counters[MCGD_C_SYNC_SENT],
	      "host 4 lost every copy of the removal's rekey, asked, and no message was lost %s",
	      why);
	CHECK(hosts[4].tx == hosts[0].tx && hosts[4].tx != old_tx,
	      "it sends on the new epoch, as the others do");
	deaf = NULL;
	mcg_conf_free(&next);
	stop_all();
}

static bool host2_unheard(const struct packet *p, int to)
{
	return p->from == 2 && to == 0 && p->d[3] == MCG_MSG_HELLO &&
	       now < deaf_until;
}

/*
 * Loss hides host 2's hellos from the key server when it removes host 5:
 * the new KEK goes to the others only.  Heard again, host 2 is served the
 * KEK with the removal's epoch, which the others are about to send on; a
 * new epoch made for it would leave it without that one.
 */
static void test_unheard_at_removal(void)
{
	bool skip[MAX_HOSTS] = { false };
	struct mcg_conf next;
	struct mcg_err e;
	char why[160] = "";
	uint64_t rot;
	long t;
	bool broke;
	int i;

	formed(6, 2);
	deaf = host2_unheard;
	deaf_until = now + 9000;
	run(7000);
	roster_without(5, &next);
	rot = hosts[0].m.counters[MCGD_C_ROTATIONS];
	for (i = 0; i < 6; i++)
		mcgd_member_roster(&hosts[i].m, &next, now, &e);
	skip[5] = true;
	t = run_checked(15000, skip, why, sizeof(why), &broke);
	CHECK(t >= 0 && !broke && hosts[2].tx == hosts[0].tx,
	      "host 2, unheard at the removal, gets its epoch and loses nothing %s", why);
	CHECK(hosts[0].m.counters[MCGD_C_ROTATIONS] == rot + 1,
	      "one new epoch, the removal's (%llu)",
	      (unsigned long long)(hosts[0].m.counters[MCGD_C_ROTATIONS] - rot));
	deaf = NULL;
	mcg_conf_free(&next);
	stop_all();
}

static uint64_t hidden_until[MAX_HOSTS];

static bool ks_hidden(const struct packet *p, int to)
{
	return p->from == 0 && p->d[3] == MCG_MSG_HELLO && now < hidden_until[to];
}

/* Host 0's hellos, lost to each host until its hidden_until[]. */
static void hide_ks(void)
{
	memset(hidden_until, 0, sizeof(hidden_until));
	deaf = ks_hidden;
}

/*
 * Loss hides the key server from hosts 1 and 2 for a lifetime: host 1
 * takes over and host 2 follows it.  Host 1 hears the key server again
 * and steps down; host 2 still does not hear it when host 1's epoch comes
 * due, and must not send on it: the key server and host 3 never had it.
 */
static void test_stepped_down(void)
{
	char why[160] = "";
	long t;
	bool broke;

	formed(4, 3);
	hide_ks();
	hidden_until[1] = now + 7000;
	hidden_until[2] = now + 14000;
	t = run_checked(20000, NULL, why, sizeof(why), &broke);
	CHECK(hosts[1].m.counters[MCGD_C_TERMS] && !hosts[1].m.is_ks,
	      "host 1 took over and stepped down");
	CHECK(t >= 0 && !broke,
	      "host 2, which followed it, never sends on its epoch %s", why);
	CHECK(hosts[2].tx == hosts[0].tx, "and all send on the key server's epoch");
	deaf = NULL;
	stop_all();
}

/*
 * Loss hides the key server from host 3 alone: it elects host 1, which
 * still hears the key server and never takes over.  The key server's
 * next epoch is on host 1's line as well, and host 3 sends on it with
 * the others.
 */
static void test_hidden_from_one(void)
{
	char why[160] = "";
	uint32_t before;
	long t;
	bool broke;

	formed(4, 3);
	hide_ks();
	hidden_until[3] = now + 30000;
	run(8000);
	before = hosts[0].tx;
	hosts[0].m.next_rotation_ms = now;
	t = run_checked(22000, NULL, why, sizeof(why), &broke);
	CHECK(elected(3) == 2 && !hosts[1].m.is_ks,
	      "host 3 elects host 1, which does not take over");
	CHECK(t >= 0 && !broke && hosts[3].tx == hosts[0].tx && hosts[0].tx != before,
	      "host 3 sends on the key server's new epoch with the others %s", why);
	deaf = NULL;
	stop_all();
}

/*
 * Hidden from the key server for longer, hosts 1 and 2 send on host 1's
 * epoch (the others lose what they send: a split no protocol can hide).
 * When they hear the key server again they go back to its line at once,
 * not an activation delay later.
 */
static void test_back_on_line(void)
{
	char why[160] = "";
	long t;
	bool broke;

	formed(4, 3);
	hide_ks();
	hidden_until[1] = hidden_until[2] = now + 14000;
	run(14000);
	CHECK(hosts[1].tx && hosts[1].tx != hosts[0].tx && hosts[2].tx == hosts[1].tx,
	      "hidden from the key server, hosts 1 and 2 send on host 1's epoch (%#x)",
	      hosts[1].tx);
	t = run_checked(10000, NULL, why, sizeof(why), &broke);
	CHECK(t >= 0 && t <= 2100 && !broke,
	      "once they hear it, they are back on its line in %ld ms (a hello; at most 2,100) %s",
	      t, why);
	deaf = NULL;
	stop_all();
}

static void test_loss_and_offline(void)
{
	bool skip[MAX_HOSTS] = { false };
	char why[160] = "";
	uint32_t before;
	long t;
	bool broke;

	make_group(8, 2, 20);
	start_all();
	loss_pct = 20;
	/* Rarely, a member misses its KEK twice: 60 s, not the usual 15. */
	t = run_checked(60000, NULL, why, sizeof(why), &broke);
	CHECK(t >= 0, "20%% loss: the group forms in %ld ms %s", t, t < 0 ? why : "");
	/* Host 7 is cut off for two rotations, then comes back. */
	before = hosts[7].tx;
	hosts[7].side = 1;
	skip[7] = true;
	/*
	 * Under 20% loss a member may miss all three copies of a rekey and
	 * catch up (hellos, SYNC, a relay) only after the others began to
	 * send on it: the group converges again, which is what this asks.
	 * Lossless rotation is the first case's.
	 */
	t = run_checked(45000, skip, why, sizeof(why), &broke);
	if (broke)
		printf("# 20%% loss: a member lagged for a while (%s)\n", why);
	run(10000);
	CHECK(converged(skip, why, sizeof(why)),
	      "20%% loss, rotations every 20 s: the others converge after each %s", why);
	CHECK(mcg_epoch_ctr(hosts[0].tx) >= mcg_epoch_ctr(before) + 2,
	      "two rotations passed while host 7 was away (%#x -> %#x)", before,
	      hosts[0].tx);
	hosts[7].side = 0;
	t = run_checked(20000, NULL, why, sizeof(why), &broke);
	CHECK(t >= 0, "host 7 back, still 20%% loss: all converge in %ld ms %s", t,
	      t < 0 ? why : "");
	stop_all();
}

/*
 * A member away for two rotations asks (SYNC) once back; every member
 * used to answer, the KEK datagram and the rekey each: 2 x (n - 1)
 * datagrams a SYNC, 2,000 at 1,000 members.  The first to answer (the
 * key server itself, often) now silences the others.
 */
static void test_one_answer_per_sync(void)
{
	uint64_t syncs = 0, relays = 0;
	char why[160] = "";
	int i, r;

	make_group(8, 1, 3600);
	start_all();
	run(15000);
	hosts[7].side = 1;
	for (r = 0; r < 2; r++) {
		hosts[0].m.next_rotation_ms = now;
		run(8000);
	}
	hosts[7].side = 0;
	run(10000);
	for (i = 0; i < nhosts; i++) {
		syncs += hosts[i].m.counters[MCGD_C_SYNC_SENT];
		relays += hosts[i].m.counters[MCGD_C_RELAYED];
	}
	CHECK(converged(NULL, why, sizeof(why)), "host 7 caught up %s", why);
	CHECK(syncs >= 1 && relays <= 4 * syncs,
	      "%llu SYNC answered by %llu relayed datagrams, not by every member",
	      (unsigned long long)syncs, (unsigned long long)relays);
	stop_all();
}

/*
 * Five epochs within one activation delay (joins and restarts in a
 * burst make one each): the fifth filled the kernel's four slots, and the
 * oldest, deleted to make room, was the one every member sent on.
 */
static void test_a_burst_of_epochs_keeps_the_sending_one(void)
{
	bool sending = true;
	char why[160] = "";
	int r, i;

	formed(4, 1);
	for (r = 0; r < 4; r++) {
		hosts[0].m.next_rotation_ms = now;
		hosts[0].next_ms = now;
		for (i = 0; i < 30; i++) {
			run(10);
			sending &= hosts[2].tx != 0;
		}
	}
	CHECK(sending, "four new epochs in 1.2 s: the members never stop sending");
	run(10000);
	CHECK(converged(NULL, why, sizeof(why)), "and all end on the newest %s", why);
	stop_all();
}

static void test_partition(void)
{
	char why[160] = "";
	long t;
	bool broke;
	int i;

	make_group(8, 3, 3600);
	start_all();
	run(15000);
	/* Hosts 1..3 and 5..7 are cut apart; 0, the key server, sits with 4. */
	for (i = 0; i < nhosts; i++)
		hosts[i].side = i >= 4 ? 1 : 0;
	hosts[1].side = 1;
	t = run_checked(20000, NULL, why, sizeof(why), &broke);
	CHECK(t >= 0 && key_servers(0) == 1 && key_servers(1) == 1 &&
	      hosts[1].m.is_ks,
	      "a partition: each side has its key server and its epochs %s", why);
	CHECK(mcg_epoch_cand(hosts[5].tx) == 2 && mcg_epoch_cand(hosts[2].tx) == 1 &&
	      hosts[5].tx != hosts[2].tx,
	      "and their epoch numbers differ (%#x and %#x)", hosts[5].tx,
	      hosts[2].tx);
	for (i = 0; i < nhosts; i++)
		hosts[i].side = 0;
	t = run_checked(30000, NULL, why, sizeof(why), &broke);
	CHECK(t >= 0 && key_servers(0) == 1 && hosts[0].m.is_ks &&
	      mcg_epoch_cand(hosts[5].tx) == 1,
	      "healed: one key server, one line of epochs after %ld ms %s", t,
	      t < 0 ? why : "");
	stop_all();
}

static void test_forgeries_and_replays(void)
{
	static struct packet saved[64];
	unsigned int nsaved;
	uint64_t refused, in;
	char why[160] = "";
	size_t i;
	uint32_t tx;

	make_group(4, 1, 10);
	start_all();
	/* Keep what the key server sends at first: its KEK and rekeys. */
	tap = saved;
	ntap = 0;
	run(15000);
	tap = NULL;
	nsaved = ntap;
	run(30000);
	CHECK(converged(NULL, why, sizeof(why)), "rotated %s", why);
	tx = hosts[3].tx;
	refused = hosts[3].m.counters[MCGD_C_REKEY_REFUSED];
	in = hosts[3].m.counters[MCGD_C_REKEY_IN];
	for (i = 0; i < nsaved; i++)
		mcgd_member_input(&hosts[3].m, saved[i].d, saved[i].len, now);
	CHECK(nsaved >= 4 && hosts[3].m.counters[MCGD_C_REKEY_IN] == in &&
	      hosts[3].tx == tx &&
	      hosts[3].m.counters[MCGD_C_REKEY_REFUSED] > refused,
	      "%u datagrams of the key server replayed later: nothing installed, %llu refused",
	      nsaved, (unsigned long long)(hosts[3].m.counters[MCGD_C_REKEY_REFUSED] - refused));
	if (nsaved) {
		struct packet f = saved[0];
		uint64_t r0 = hosts[3].m.counters[MCGD_C_REFUSED];

		f.d[MCG_MSG_HDR + 2] ^= 1;
		mcgd_member_input(&hosts[3].m, f.d, f.len, now);
		f = saved[0];
		f.d[11] = 4;	/* another member's name on it */
		mcgd_member_input(&hosts[3].m, f.d, f.len, now);
		f.len -= 1;
		mcgd_member_input(&hosts[3].m, f.d, f.len, now);
		CHECK(hosts[3].m.counters[MCGD_C_REFUSED] == r0 + 3,
		      "forged, misattributed and truncated ones are refused and counted");
	}
	{
		/*
		 * Found by fuzz_msg: a KEK body whose count says more entries
		 * than it has, signed by the key server itself, was cached for
		 * relaying and read past its end when a member asked.
		 */
		struct mcg_msg_hdr h = {
			.type = MCG_MSG_KEK, .group = conf.id, .sender = 1,
			.incarnation = hosts[0].m.incarnation, .counter = now,
			.roster_version = conf.version, .nfrags = 1,
		};
		uint8_t body[10] = { 0x7f, 0, 0, 1, 11 }, d[MCG_MSG_MAX];
		uint64_t k0 = hosts[3].m.counters[MCGD_C_KEK_REFUSED];
		size_t len = mcg_msg_seal(d, &h, body, sizeof(body), &hosts[0].id);
		bool cached = false;
		unsigned int c;

		mcgd_member_input(&hosts[3].m, d, len, now);
		for (c = 0; c < hosts[3].m.nkek_cache; c++)
			cached |= hosts[3].m.kek_cache[c].len == len;
		CHECK(hosts[3].m.counters[MCGD_C_KEK_REFUSED] == k0 + 1 && !cached,
		      "a KEK body shorter than its count says is refused, not cached");
	}
	stop_all();
}

/* ROSTER datagrams as member from would send c's roster, into p. */
static unsigned int roster_packets(const struct mcg_conf *c, int from,
				   struct packet *p)
{
	size_t len, off;
	uint8_t *blob = mcg_roster_blob(c, c->sigs, c->nsigs, &len);
	unsigned int f, n = (len + MCG_ROSTER_CHUNK - 1) / MCG_ROSTER_CHUNK;

	for (f = 0; f < n; f++) {
		struct mcg_msg_hdr h = {
			.type = MCG_MSG_ROSTER, .group = c->id,
			.sender = from + 1,
			.incarnation = hosts[from].m.incarnation,
			.counter = now + f, .roster_version = c->version,
			.frag = f, .nfrags = n,
		};

		off = (size_t)f * MCG_ROSTER_CHUNK;
		p[f].len = mcg_msg_seal(p[f].d, &h, blob + off,
					len - off < MCG_ROSTER_CHUNK ? len - off : MCG_ROSTER_CHUNK,
					&hosts[from].id);
	}
	free(blob);
	return n;
}

static void test_roster_spreads(void)
{
	static struct packet forged[8];
	struct mcg_conf v2, v1;
	bool skip[MAX_HOSTS] = { false };
	char why[160] = "";
	struct mcg_err e;
	unsigned int n, f, took = 0;
	long t;
	bool broke;
	int i;

	formed(10, 2);
	/* Version 2 drops host 9; only host 3 is given it, as an admin would. */
	roster_without(9, &v2);
	loss_pct = 20;
	rosters_saved = 0;
	CHECK(!mcgd_member_roster(&hosts[3].m, &v2, now, &e),
	      "host 3 takes roster version 2 from its admin");
	skip[9] = true;
	run(10000);
	for (i = 0; i < 9; i++)
		took += hosts[i].m.conf.version == 2;
	CHECK(took == 9 && rosters_saved >= 8,
	      "with 20%% loss, every other member takes it from the network within 10 s (%u of 9, %u saved)",
	      took, rosters_saved);
	/* The removal's rekey too: one who missed it catches up. */
	t = run_checked(10000, skip, why, sizeof(why), &broke);
	CHECK(t >= 0 && !broke, "and the removal's rekey reached all of them %s", why);
	CHECK(hosts[9].m.stopped && !hosts[9].tx,
	      "the removed member takes it too, and leaves: its keys deleted");
	loss_pct = 0;

	/* Rolled back: version 1, validly signed, is old news. */
	v1 = conf;
	n = roster_packets(&v1, 1, forged);
	for (f = 0; f < n; f++)
		mcgd_member_input(&hosts[4].m, forged[f].d, forged[f].len, now);
	CHECK(hosts[4].m.conf.version == 2 &&
	      hosts[4].m.counters[MCGD_C_ROSTER_OLD] >= n,
	      "a replayed roster of version 1 is refused and counted (%llu)",
	      (unsigned long long)hosts[4].m.counters[MCGD_C_ROSTER_OLD]);
	/* A member's version 3 that no admin signed. */
	v2.version = 3;
	v2.nsigs = 0;
	n = roster_packets(&v2, 1, forged);
	for (f = 0; f < n; f++)
		mcgd_member_input(&hosts[4].m, forged[f].d, forged[f].len, now);
	CHECK(hosts[4].m.conf.version == 2 &&
	      hosts[4].m.counters[MCGD_C_ROSTER_REFUSED] == 1,
	      "a version 3 without the admins' signatures is refused and counted");
	/* Signed, but fragments cut short. */
	sign(&v2);
	n = roster_packets(&v2, 1, forged);
	forged[0].d[MCG_MSG_HDR - 2] = 0;	/* body length: 1000 */
	forged[0].d[MCG_MSG_HDR - 1] = 0;
	mcgd_member_input(&hosts[4].m, forged[0].d, forged[0].len, now);
	CHECK(hosts[4].m.conf.version == 2,
	      "a truncated fragment changes nothing");
	mcg_conf_free(&v2);
	stop_all();
}

static void test_exhausted(void)
{
	char why[160] = "";
	uint32_t before;
	uint64_t r0;
	long t;
	int i;

	formed(5, 2);
	before = hosts[3].tx;
	r0 = hosts[0].m.counters[MCGD_C_ROTATIONS];
	/* Every member's kernel says so at once, as under one load. */
	for (i = 1; i < nhosts; i++) {
		mcgd_member_exhausted(&hosts[i].m, before, now);
		hosts[i].next_ms = now;	/* as the daemon ticks after an event */
	}
	for (t = 0; t < 10000 && hosts[3].tx == before; t += 100)
		run(100);
	CHECK(hosts[3].tx != before && t <= 5000 + 1000,
	      "key exhausted: the group sends on a new epoch %ld ms later (activation 5 s)",
	      t);
	run(12000);
	CHECK(hosts[0].m.counters[MCGD_C_ROTATIONS] == r0 + 1 &&
	      converged(NULL, why, sizeof(why)),
	      "one rotation for four members asking, %llu %s",
	      (unsigned long long)(hosts[0].m.counters[MCGD_C_ROTATIONS] - r0), why);
	stop_all();
}

static void test_hundred(void)
{
	char why[160] = "";
	uint32_t before;
	uint64_t b0, k0;
	long t;
	int i;

	make_group(100, 3, 3600);
	start_all();
	/* Until all send on one epoch: the removal then follows at once. */
	t = run_until_on(-1, 0, 20000);
	CHECK(t >= 0 && converged(NULL, why, sizeof(why)),
	      "100 members form in %ld ms %s", t, why);
	{
		/*
		 * A removal: the new KEK to 98 others and itself is 9 KEK
		 * datagrams, then one REKEY, 3 copies each, until the last
		 * member sends on the new epoch and the repeats are over.
		 * Before SYNCs were batched and answered once, members that
		 * saw the key server's hello before its REKEY asked anyway
		 * and were served one by one: 240 datagrams from the key
		 * server, 102 SYNCs, 438 rekeys relayed by members.
		 */
		struct mcg_conf next;
		struct mcg_err e;
		uint64_t p0 = ks_packets, s0 = syncs, r0 = relayed;

		before = hosts[0].tx;
		roster_without(99, &next);
		hosts[99].deaf_roster = true;	/* it listens on */
		for (i = 0; i < 99; i++)
			mcgd_member_roster(&hosts[i].m, &next, now, &e);
		t = run_until_on(99, before, 20000);
		run(3000);	/* the repeats */
		CHECK(t >= 0 && ks_packets - p0 == 30,
		      "a removal at 100: the key server sends 30 datagrams (9 KEK and a REKEY, 3 copies), %llu",
		      (unsigned long long)(ks_packets - p0));
		CHECK(relayed == r0 && syncs - s0 <= 10,
		      "and no storm: %llu SYNCs, %llu rekeys relayed by members",
		      (unsigned long long)(syncs - s0),
		      (unsigned long long)(relayed - r0));
		mcg_conf_free(&next);
		stop(&hosts[99]);	/* it left; the rest goes on with 99 */
	}
	before = hosts[50].tx;
	b0 = sent_bytes;
	k0 = ks_bytes;
	/* A rekey now: the key server's next rotation is due. */
	hosts[0].m.next_rotation_ms = now;
	for (t = 0; t < 10000; t += STEP_MS) {
		run(STEP_MS);
		for (i = 0; i < nhosts; i++)
			if (hosts[i].tx == before)
				break;
		if (i == nhosts)
			break;
	}
	CHECK(t <= 5000 + 2000 && converged(NULL, why, sizeof(why)),
	      "a rekey of 100: every member sends on the new epoch %ld ms later (activation 5 s + 2 s) %s",
	      t, why);
	printf("# rekey at 100 members: %llu bytes from the key server (3 copies), %llu with the hellos\n",
	       (unsigned long long)(ks_bytes - k0), (unsigned long long)(sent_bytes - b0));
	stop_all();
}

/* Every up host but skip sends on host 0's epoch, and it is not old. */
static bool all_on_ks_epoch(int skip, uint32_t old)
{
	int i;

	if (!hosts[0].tx || hosts[0].tx == old)
		return false;
	for (i = 1; i < nhosts; i++)
		if (i != skip && hosts[i].up && hosts[i].tx != hosts[0].tx)
			return false;
	return true;
}

/* run() until all_on_ks_epoch() or limit_ms; the ms it took, -1 if not. */
static long run_until_on(int skip, uint32_t old, long limit_ms)
{
	long t;

	for (t = 0; t <= limit_ms; t += 100) {
		if (all_on_ks_epoch(skip, old))
			return t;
		run(100);
	}
	return -1;
}

/*
 * The figures, not a test: a removal at n members (the last one
 * removed; it listens on, deaf to the new roster), counted from the
 * key server's side; then a member away for two rotations, and how long
 * it takes to catch up once back.
 */
static void figures(int n)
{
	uint64_t p0, b0, c0;
	struct mcg_conf next;
	struct mcg_err e;
	long form, removal, catchup;
	uint32_t before;
	int i, away = n - 2;

	hello_s = n >= 500 ? 10 : 2;
	make_group(n, 3, 3600);
	start_all();
	form = run_until_on(-1, 0, 600000);
	before = hosts[0].tx;
	roster_without(n - 1, &next);
	hosts[n - 1].deaf_roster = true;
	p0 = ks_packets;
	b0 = ks_bytes;
	c0 = ks_cpu_ns;
	for (i = 0; i < n - 1; i++)
		mcgd_member_roster(&hosts[i].m, &next, now, &e);
	removal = run_until_on(n - 1, before, 120000);
	run(3000);	/* the repeats */
	printf("# figures: removal at %d members (hello %u s): %llu key-server datagrams, %llu bytes (3 copies each), %.1f ms of key-server CPU; the last member sends on the new epoch %ld ms after (activation 5 s); formed in %ld ms\n",
	       n, hello_s, (unsigned long long)(ks_packets - p0),
	       (unsigned long long)(ks_bytes - b0), (ks_cpu_ns - c0) / 1e6,
	       removal, form);
	/* A member away for two rotations, then back. */
	hosts[away].side = 1;
	for (i = 0; i < 2; i++) {
		before = hosts[0].tx;
		hosts[0].m.next_rotation_ms = now;
		run_until_on(away, before, 60000);
	}
	hosts[away].side = 0;
	before = hosts[away].tx;
	for (catchup = 0; catchup < 120000 && hosts[away].tx != hosts[0].tx;
	     catchup += 10)
		run(10);
	printf("# figures: at %d members, a member away for two rotations sends on the group's epoch again %ld ms after it is back (%llu syncs sent)\n",
	       n, catchup, (unsigned long long)hosts[away].m.counters[MCGD_C_SYNC_SENT]);
	mcg_conf_free(&next);
	stop_all();
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "forms_and_rotates", test_forms_and_rotates },
	{ "key_server_dies", test_key_server_dies },
	{ "restart", test_restart },
	{ "removal", test_removal },
	{ "late_rekey", test_late_rekey },
	{ "unheard_at_removal", test_unheard_at_removal },
	{ "stepped_down", test_stepped_down },
	{ "hidden_from_one", test_hidden_from_one },
	{ "back_on_line", test_back_on_line },
	{ "loss_and_offline", test_loss_and_offline },
	{ "one_answer_per_sync", test_one_answer_per_sync },
	{ "a_burst_of_epochs_keeps_the_sending_one", test_a_burst_of_epochs_keeps_the_sending_one },
	{ "partition", test_partition },
	{ "forgeries_and_replays", test_forgeries_and_replays },
	{ "roster_spreads", test_roster_spreads },
	{ "exhausted", test_exhausted },
	{ "hundred", test_hundred },
};

/* MCGD_TEST_ONLY=word runs the tests whose names hold it. */
int main(int argc, char **argv)
{
	const char *only = getenv("MCGD_TEST_ONLY");
	size_t i;

	rng_seed();
	if (sodium_init() < 0) {
		printf("Bail out! libsodium\n");
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "--figures")) {
		int a;

		for (a = 2; a < argc; a++)
			figures(atoi(argv[a]));
		mcg_conf_free(&conf);
		free(net);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(tests); i++)
		if (!only || strstr(tests[i].name, only))
			tests[i].fn();
	mcg_conf_free(&conf);
	free(net);
	printf("1..%d\n# group: %d passed, %d failed\n", passed + failed, passed,
	       failed);
	return failed ? 1 : 0;
}
