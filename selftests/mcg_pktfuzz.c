// SPDX-License-Identifier: GPL-2.0
/*
 * mcg_pktfuzz: mutated datagrams at a group's address and port, sent from
 * another host (a namespace) as an attacker on the link would, all built
 * from one seed so that any failure replays.
 *
 *   mcg_pktfuzz -i IFACE -a ADDR -g GROUP -o OWN -N RX_NETNS
 *               -k EPOCH:ALG:KEYFILE [-k ...] [-p PORT] [-w WINDOW]
 *               [-n COUNT] [-s SEED] [-t TRACE]
 *
 * IFACE, ADDR and PORT are where the receiver's group listens; GROUP its
 * id, OWN its own sender id, WINDOW its replay window, and each -k one of
 * its installed epochs with the algorithm and the key file it was given
 * ('mcgctl genkey' material).  Exactly COUNT datagrams go out (default
 * 20000); SEED (default 1) fixes every byte of them.
 *
 * Each datagram is of a class drawn from the seed: empty, tiny, a valid
 * datagram cut inside its header, a wrong version, type or reserved bits,
 * a zero field, random bytes, a valid header before garbage, bit flips of
 * a genuinely valid datagram, lies about its length (cut, extended, bytes
 * removed), an unknown epoch or group, the receiver's own sender id, a
 * sender's current run under another epoch, a run or a sender never heard,
 * replays, sequence numbers below the window, earlier runs, the largest
 * datagram IPv6 carries, and frames whose IPv6 or UDP length or UDP
 * checksum lies (the mcg header itself has no length field: a datagram's
 * length is its UDP length).  Genuine datagrams are sealed as the kernel
 * seals them, with kmod/kdf.c itself, so that the receiver accepts them:
 * three senders with ids from the seed, runs and sequence numbers as a
 * kernel would send them and as none would; DATA and BUNDLE datagrams,
 * and bundles sealed as genuinely whose records do not add up.
 *
 * What the receiver does with each datagram is predicted by a model of the
 * receive path (kmod/udp.c and kmod/rx.c, as Documentation/wire-format.rst
 * describes it) that checks the header with kmod/wire.c, keeps each
 * sender's two runs with kmod/replay.c windows, and authenticates with the
 * key the receiver would derive: the expected value of every counter is
 * printed, and the test compares.  The model is exact only if the kernel
 * sees the datagrams in order and loses none below mcg; two kinds of sync
 * make sure of that, and prove at the same time that genuine datagrams
 * get through:
 *
 *  - every SYNC_FRAMES frames, a genuine datagram of a known run, waited
 *    for on an AF_MCG socket in the receiver's namespace (-N): all before
 *    it went through the softirq path (the device backlog stays short);
 *  - after BACKLOG_ITEMS datagrams that may wait for the group's worker
 *    (or BACKLOG_BYTES of them), the first datagram of a sender's new run,
 *    which the kernel queues behind all of them: its delivery proves the
 *    worker's backlog (1024 datagrams, 4 MiB) drained without a drop.  A
 *    new run only starts at such a sync, so no datagram races a run
 *    change, the one thing whose outcome depends on timing.
 *
 * The AF_MCG socket also checks every delivery: each message the model
 * accepted must arrive once, with its sender id and its bytes, and nothing
 * else may arrive.  The process pins itself to one CPU so that the veth
 * hands the datagrams to the receiver in the order they were sent.
 *
 * Output (stdout), for the test: "seed", "class NAME SENT outcome=N ...",
 * "expect group|ns|sender ID|snmp NAME VALUE", "senders", "sent", "reach"
 * (datagrams the model says UDP hands to mcg), "oracle ...", "time ...".
 * -t writes one line per datagram ("INDEX CLASS LENGTH OUTCOME") to TRACE.
 * Exit status 0, or 1 when a send failed, a sync timed out, or the
 * receiving socket saw something other than the model's prediction.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mcg_test.h"
#include "mcg_sealer.h"
#include "replay.h"

#define MIN_LEN		(HDR_LEN + TAG_LEN)
#define MAX_UDP		65527		/* 65535 - the UDP header */
#define MAX_PLAIN	(MAX_UDP - MIN_LEN)
#define LINK_MTU	1500
#define MAX_FRAME	(LINK_MTU - 40 - 8)	/* UDP payload in one frame */
#define NSENDERS	3

/*
 * Syncs (see the top): well below the device backlog (1000 frames) and
 * the group's worker backlog (1024 datagrams, 4 MiB of truesize).
 */
#define SYNC_FRAMES	256
#define BACKLOG_ITEMS	600
#define BACKLOG_BYTES	(5u << 19)	/* 2.5 MiB, by est_truesize() */
#define SYNC_TIMEOUT_MS	120000

/* ---- the generator ---------------------------------------------------- */

static uint64_t rng;

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(void)
{
	return splitmix64(&rng);
}

/* 0 to n - 1; the modulo bias is of no matter here. */
static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

static void fill_random(uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(i & 7))
			v = rnd();
		p[i] = v;
		v >>= 8;
	}
}

/* ---- configuration ---------------------------------------------------- */

static struct {
	uint32_t group, own, window;
	uint16_t port;
	struct sealer_epoch ep[MCG_MAX_EPOCHS];
	int nep;
	struct in6_addr addr, src;
	int ifindex;
	uint64_t count, seed;
} cf = { .port = MCG_DEFAULT_PORT, .window = MCG_DEFAULT_WINDOW,
	 .count = 20000, .seed = 1 };

/* -k EPOCH:ALG:FILE: the epoch's key becomes its PRK, as the kernel does. */
static void add_epoch(char *arg)
{
	if (cf.nep == MCG_MAX_EPOCHS ||
	    !sealer_parse_epoch(arg, &cf.ep[cf.nep]))
		die("-k EPOCH:ALG:KEYFILE, up to %d of them", MCG_MAX_EPOCHS);
	cf.nep++;
}

static int epoch_index(uint32_t epoch)
{
	int i;

	for (i = 0; i < cf.nep; i++)
		if (cf.ep[i].epoch == epoch)
			return i;
	return -1;
}

/* ---- sealing and opening, as kmod/aead.c ------------------------------ */

/*
 * Sender keys, derived as a receiver derives them; a small cache, as the
 * same few runs seal and open most datagrams.
 */
struct skey {
	bool valid;
	uint32_t group, epoch, sender;
	uint64_t run;
	uint8_t key[32];
};

static struct skey key_cache[512];

static const uint8_t *sender_key(int ep, uint32_t group, uint32_t sender,
				 uint64_t run)
{
	uint32_t epoch = cf.ep[ep].epoch;
	uint64_t h = run ^ (uint64_t)sender << 32 ^ (uint64_t)group << 16 ^ epoch;
	struct skey *k = &key_cache[splitmix64(&h) % 512];

	if (!k->valid || k->group != group || k->epoch != epoch ||
	    k->sender != sender || k->run != run) {
		sealer_key(&cf.ep[ep], group, sender, run, k->key);
		k->valid = true;
		k->group = group;
		k->epoch = epoch;
		k->sender = sender;
		k->run = run;
	}
	return k->key;
}

static EVP_CIPHER_CTX *aead_ctx;

static void put_hdr(uint8_t *d, const struct mcg_wire_info *i)
{
	mcg_wire_build((struct mcg_wire_hdr *)d, i);
}

static void get_hdr(const uint8_t *d, struct mcg_wire_info *i)
{
	const struct mcg_wire_hdr *h = (const void *)d;

	i->type = h->type;
	i->group = be32toh(h->group);
	i->sender = be32toh(h->sender);
	i->epoch = be32toh(h->epoch);
	i->run = be64toh(h->run);
	i->seq = be64toh(h->seq);
}

/*
 * The plaintext of a genuine message: its run and sequence number (when
 * there is room), then bytes of a stream keyed by them, so that two
 * messages differ and a corrupted delivery shows.
 */
static void plaintext(uint8_t *p, size_t n, uint32_t sender, uint64_t run,
		      uint64_t seq)
{
	uint64_t s = cf.seed ^ run * 31 ^ seq * 0x100000001b3ULL ^ sender;
	uint64_t be;
	size_t i = 0;

	if (n >= 16) {
		be = htobe64(run);
		memcpy(p, &be, 8);
		be = htobe64(seq);
		memcpy(p + 8, &be, 8);
		i = 16;
	}
	for (; i < n; i++)
		p[i] = splitmix64(&s);
}

/*
 * The @plen plaintext bytes already after the header in @d, sealed as a
 * datagram of @type under epoch @ep.
 */
static size_t seal_text(uint8_t *d, uint8_t type, int ep, uint32_t group,
			uint32_t sender, uint64_t run, uint64_t seq, size_t plen)
{
	struct mcg_wire_info i = {
		.type = type, .group = group, .sender = sender,
		.epoch = cf.ep[ep].epoch, .run = run, .seq = seq,
	};

	return sealer_seal(aead_ctx, cf.ep[ep].alg,
			   sender_key(ep, group, sender, run), &i, d, plen);
}

/* A DATA datagram of @plen plaintext bytes in @d, sealed under epoch @ep. */
static size_t seal(uint8_t *d, int ep, uint32_t group, uint32_t sender,
		   uint64_t run, uint64_t seq, size_t plen)
{
	plaintext(d + HDR_LEN, plen, sender, run, seq);
	return seal_text(d, MCG_WIRE_DATA, ep, group, sender, run, seq, plen);
}

static void put_rec(uint8_t *p, unsigned int len)
{
	p[0] = len >> 8;
	p[1] = len;
}

static unsigned int get_rec(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

/*
 * The plaintext of a genuine BUNDLE at @p, at most @max bytes (2 or
 * more): records of random lengths, 0 too, each message a plaintext()
 * of its own.  Returns its length; *@last is the offset of its last
 * record, *@nrec their number.
 */
static size_t bundle_text(uint8_t *p, size_t max, uint32_t sender, uint64_t run,
			  uint64_t seq, size_t *last, unsigned int *nrec)
{
	unsigned int want = chance(85) ? 1 + below(8) : 1 + below(64);
	size_t off = 0, n;
	uint64_t r;

	for (*nrec = 0; *nrec < want && off + 2 <= max; ++*nrec) {
		r = below(100);
		n = r < 20 ? 0 : r < 50 ? below(16) : r < 90 ? 16 + below(200) :
		    200 + below(1200);
		if (n > max - off - 2)
			n = max - off - 2;
		*last = off;
		put_rec(p + off, n);
		/* The record's number in the seed: no two messages alike. */
		plaintext(p + off + 2, n, sender, run,
			  seq + ((uint64_t)(*nrec + 1) << 48));
		off += 2 + n;
	}
	return off;
}

/* Mostly a frame's worth, now and then one IPv6 fragments. */
static size_t bundle_max(void)
{
	return MAX_FRAME - MIN_LEN + (chance(95) ? 0 : below(4000));
}

/* A genuine BUNDLE in @d, sealed under epoch @ep. */
static size_t seal_bundle(uint8_t *d, int ep, uint32_t group, uint32_t sender,
			  uint64_t run, uint64_t seq)
{
	unsigned int nrec;
	size_t last, plen;

	plen = bundle_text(d + HDR_LEN, bundle_max(), sender, run, seq, &last, &nrec);
	/* The model judges with kmod/wire.c: it must see what was built. */
	if (mcg_wire_bundle_check(d + HDR_LEN, plen) != (int)nrec)
		die("internal error: mcg_wire_bundle_check() miscounts a bundle of %u records",
		    nrec);
	return seal_text(d, MCG_WIRE_BUNDLE, ep, group, sender, run, seq, plen);
}

/*
 * A BUNDLE in @d whose records do not add up, sealed as a member would
 * seal it: only a member's bug sends one.
 */
static size_t seal_bundle_lie(uint8_t *d, int ep, uint32_t group,
			      uint32_t sender, uint64_t run, uint64_t seq)
{
	uint8_t *p = d + HDR_LEN;
	unsigned int nrec, v, k;
	size_t last, plen, at, rest;

	plen = bundle_text(p, bundle_max(), sender, run, seq, &last, &nrec);
	switch (below(6)) {
	case 0:		/* the last one a byte too long */
		put_rec(p + last, get_rec(p + last) + 1);
		break;
	case 1:		/* a byte too short: one byte left over */
		if (get_rec(p + last)) {
			put_rec(p + last, get_rec(p + last) - 1);
			break;
		}
		/* fall through */
	case 2:		/* half a length field after the last record */
		fill_random(p + plen++, 1);
		break;
	case 3:		/* trailing bytes that are no record */
		k = 2 + below(16);
		fill_random(p + plen, k);
		v = k - 1 + below(0x10000 - (k - 1));
		put_rec(p + plen, v);
		plen += k;
		break;
	case 4:		/* any record's length past the end */
		at = 0;
		for (k = below(nrec); k; k--)
			at += 2 + get_rec(p + at);
		rest = plen - at - 2;
		put_rec(p + at, rest + 1 + below(0xffff - rest));
		break;
	default:	/* no record at all */
		plen = 0;
		break;
	}
	if (mcg_wire_bundle_check(p, plen) >= 0)
		die("internal error: mcg_wire_bundle_check() accepts a lying bundle");
	return seal_text(d, MCG_WIRE_BUNDLE, ep, group, sender, run, seq, plen);
}

/* ---- the receiver, as a model ----------------------------------------- */

enum outcome {
	O_ACCEPT, O_SHORT, O_HEADER, O_NO_GROUP, O_OWN, O_NO_KEY, O_AUTH,
	O_REPLAY, O_OLD, O_OLD_RUN,
	/* Dropped below mcg, by the IPv6 or UDP layer. */
	O_IP_TRUNC, O_UDP_ERR, O_UDP_CSUM, O_UDP_NOSOCK,
	__O_MAX
};

static const struct {
	const char *name;
	int stat;		/* the group's or namespace's counter, or -1 */
} outcomes[__O_MAX] = {
	[O_ACCEPT] = { "accept", MCG_A_STATS_RX_PACKETS },
	[O_SHORT] = { "short", MCG_A_STATS_RX_DROP_SHORT },
	[O_HEADER] = { "header", MCG_A_STATS_RX_DROP_HEADER },
	[O_NO_GROUP] = { "no_group", MCG_A_STATS_RX_DROP_NO_GROUP },
	[O_OWN] = { "own", MCG_A_STATS_RX_DROP_OWN },
	[O_NO_KEY] = { "no_key", MCG_A_STATS_RX_DROP_NO_KEY },
	[O_AUTH] = { "auth", MCG_A_STATS_RX_DROP_AUTH },
	[O_REPLAY] = { "replay", MCG_A_STATS_RX_DROP_REPLAY },
	[O_OLD] = { "old", MCG_A_STATS_RX_DROP_OLD },
	[O_OLD_RUN] = { "old_run", MCG_A_STATS_RX_DROP_OLD_RUN },
	[O_IP_TRUNC] = { "ip_trunc", -1 },
	[O_UDP_ERR] = { "udp_err", -1 },
	[O_UDP_CSUM] = { "udp_csum", -1 },
	[O_UDP_NOSOCK] = { "udp_nosock", -1 },
};

/* The mcgctl -j names of the counters (enum mcg_stats_attr, lower case). */
static const char *const stat_names[__MCG_A_STATS_MAX] = {
	[MCG_A_STATS_RX_PACKETS] = "rx_packets",
	[MCG_A_STATS_RX_BYTES] = "rx_bytes",
	[MCG_A_STATS_RX_DELIVERED] = "rx_delivered",
	[MCG_A_STATS_RX_DROP_SHORT] = "rx_drop_short",
	[MCG_A_STATS_RX_DROP_HEADER] = "rx_drop_header",
	[MCG_A_STATS_RX_DROP_NO_GROUP] = "rx_drop_no_group",
	[MCG_A_STATS_RX_DROP_NO_KEY] = "rx_drop_no_key",
	[MCG_A_STATS_RX_DROP_AUTH] = "rx_drop_auth",
	[MCG_A_STATS_RX_DROP_REPLAY] = "rx_drop_replay",
	[MCG_A_STATS_RX_DROP_OLD] = "rx_drop_old",
	[MCG_A_STATS_RX_DROP_OLD_RUN] = "rx_drop_old_run",
	[MCG_A_STATS_RX_DROP_NOMEM] = "rx_drop_nomem",
	[MCG_A_STATS_RX_DROP_RCVBUF] = "rx_drop_rcvbuf",
	[MCG_A_STATS_RX_DROP_BACKLOG] = "rx_drop_backlog",
	[MCG_A_STATS_RX_DROP_OWN] = "rx_drop_own",
};

/* One run of a sender as the receiver holds it: its epoch and window. */
struct mrun {
	uint64_t run;
	int ep;
	struct mcg_replay *w;
};

/* A sender the receiver has authenticated (struct mcg_peer). */
struct mpeer {
	bool exists;
	struct mrun cur, prev;	/* prev.w == NULL: none */
	uint64_t stats[__MCG_A_STATS_MAX];
};

/*
 * A genuine sender: the runs it has used, in order, for earlier-run
 * datagrams, and the next fresh sequence number of each.
 */
struct grun {
	uint64_t run;
	int ep;
	uint64_t next;
};

struct gsender {
	uint32_t id;
	struct grun *runs;
	size_t nruns;
	struct mpeer peer;
};

static struct gsender snd[NSENDERS];

static struct {
	uint64_t group[__MCG_A_STATS_MAX];
	uint64_t ns_no_group;
	uint64_t out[__O_MAX];
	uint64_t reach;		/* handed by UDP to mcg */
} want;

/* What may be waiting for the group's worker since the last deep sync. */
static uint64_t backlog_items, backlog_bytes;

/* The plaintext of the datagram last accepted, for the oracle. */
static uint8_t accepted[MAX_UDP];
static size_t accepted_len;
static uint32_t accepted_sender;
static uint8_t accepted_type;

static int genuine_index(uint32_t sender)
{
	int i;

	for (i = 0; i < NSENDERS; i++)
		if (snd[i].id == sender)
			return i;
	return -1;
}

/*
 * Truesize of a datagram of @len bytes, one frame's worth per fragment,
 * generously (a fragment's buffer is at most 4 KiB and the skb).
 */
static uint64_t frames_of(size_t len)
{
	return len + 8 <= MAX_FRAME ? 1 : (len + 8 + 1447) / 1448;
}

static uint64_t est_truesize(size_t len)
{
	return frames_of(len) * 4608;
}

/* Does the tag verify with the key the receiver derives for the header? */
static bool authentic(const uint8_t *d, size_t len,
		      const struct mcg_wire_info *i, int ep)
{
	static uint8_t copy[MAX_UDP];
	const uint8_t *key;

	memcpy(copy, d, len);
	key = sender_key(ep, i->group, i->sender, i->run);
	if (!sealer_aead(aead_ctx, false, cf.ep[ep].alg, key, copy, len))
		return false;
	accepted_len = len - MIN_LEN;
	memcpy(accepted, copy + HDR_LEN, accepted_len);
	accepted_sender = i->sender;
	accepted_type = i->type;
	return true;
}

/*
 * Authentic, but a BUNDLE whose records do not add up (mcg_rx_malformed()):
 * it moves no window and starts no run.
 */
static bool malformed(void)
{
	return accepted_type == MCG_WIRE_BUNDLE &&
	       mcg_wire_bundle_check(accepted, accepted_len) < 0;
}

/*
 * mcg_rx_open(): the window first, then the tag and the records, then the
 * window moves.
 */
static enum outcome model_open(struct mrun *r, const uint8_t *d, size_t len,
			       const struct mcg_wire_info *i, int ep)
{
	switch (mcg_replay_check(r->w, i->seq)) {
	case MCG_REPLAY_DUP:
		return O_REPLAY;
	case MCG_REPLAY_OLD:
		return O_OLD;
	case MCG_REPLAY_NEW:
		break;
	}
	if (!authentic(d, len, i, ep))
		return O_AUTH;
	if (malformed())
		return O_HEADER;
	mcg_replay_update(r->w, i->seq);
	return O_ACCEPT;
}

static struct mcg_replay *new_window(void)
{
	struct mcg_replay *w = malloc(mcg_replay_size(cf.window));

	if (!w)
		die("out of memory");
	mcg_replay_init(w, cf.window);
	return w;
}

/*
 * The receive path for the UDP payload @d of @len bytes, in order: udp.c's
 * checks, then rx.c's per sender.  Sets *@who to the genuine sender whose
 * peer counts the datagram too, or -1.
 */
static enum outcome model_rx(const uint8_t *d, size_t len, int *who)
{
	struct mcg_wire_info i;
	struct mpeer *p = NULL;
	int ep, g;

	*who = -1;
	switch (mcg_wire_parse(d, len, &i)) {
	case MCG_WIRE_SHORT:
		return O_SHORT;
	case MCG_WIRE_BAD_HEADER:
		return O_HEADER;
	case MCG_WIRE_OK:
		break;
	}
	if (i.group != cf.group)
		return O_NO_GROUP;
	if (i.sender == cf.own)
		return O_OWN;
	ep = epoch_index(i.epoch);
	if (ep < 0)
		return O_NO_KEY;

	/* From here on it may wait in the worker's backlog. */
	backlog_items++;
	backlog_bytes += est_truesize(len);
	g = genuine_index(i.sender);
	if (g >= 0 && snd[g].peer.exists) {
		p = &snd[g].peer;
		*who = g;
	}
	if (p && i.run < p->cur.run) {
		if (p->prev.w && p->prev.run == i.run && p->prev.ep == ep)
			return model_open(&p->prev, d, len, &i, ep);
		return O_OLD_RUN;
	}
	if (p && i.run == p->cur.run)
		/* Another epoch's datagram is no datagram of this run. */
		return p->cur.ep == ep ? model_open(&p->cur, d, len, &i, ep) : O_AUTH;

	/* A new run, maybe of a new sender: it replaces nothing unless authentic. */
	if (!authentic(d, len, &i, ep))
		return O_AUTH;
	if (g < 0)
		die("internal error: a datagram of no genuine sender authenticated");
	if (malformed())
		return O_HEADER;
	p = &snd[g].peer;
	if (!p->exists) {
		p->exists = true;
		p->cur.w = new_window();
	} else {
		struct mcg_replay *w = p->prev.w ? p->prev.w : new_window();

		p->prev = p->cur;
		p->cur.w = w;
		mcg_replay_init(w, cf.window);
	}
	p->cur.run = i.run;
	p->cur.ep = ep;
	mcg_replay_update(p->cur.w, i.seq);
	*who = g;
	return O_ACCEPT;
}

/* ---- the oracle: an AF_MCG socket in the receiver's namespace ---------- */

struct pending {
	uint64_t index;		/* of the datagram */
	uint32_t rec;		/* its message: a bundle's record, from 0 */
	uint32_t sender;
	uint32_t len;
	uint64_t hash;
};

static struct pending *pend;
static size_t npend, pend_cap;
static uint64_t delivered, unexpected, misordered;
static int rx_fd = -1;

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static void expect_message(uint64_t index, uint32_t rec, const uint8_t *p,
			   size_t n)
{
	if (npend == pend_cap) {
		pend_cap = pend_cap ? 2 * pend_cap : 256;
		pend = realloc(pend, pend_cap * sizeof(*pend));
		if (!pend)
			die("out of memory");
	}
	pend[npend++] = (struct pending){
		.index = index, .rec = rec, .sender = accepted_sender,
		.len = n, .hash = fnv(p, n),
	};
}

/*
 * What datagram @index, just accepted, delivers: its plaintext, or each
 * record of a bundle (walked here, not by kmod/wire.c).  Returns how many
 * messages.
 */
static unsigned int expect_delivery(uint64_t index)
{
	size_t off = 0, n;
	uint32_t rec = 0;

	if (accepted_type != MCG_WIRE_BUNDLE) {
		expect_message(index, 0, accepted, accepted_len);
		return 1;
	}
	while (off < accepted_len) {
		n = get_rec(accepted + off);
		off += 2;
		expect_message(index, rec++, accepted + off, n);
		off += n;
	}
	return rec;
}

/*
 * A bundle's messages arrive in its order, but datagrams need not (an
 * AEAD may complete late), and short messages of one sender may be equal:
 * which of them arrived is unknown.  Only those plaintext() makes unique
 * are checked: an earlier one of @k's datagram still pending, or npend.
 */
static size_t earlier_in_datagram(size_t k)
{
	size_t j;

	if (pend[k].len < 16)
		return npend;
	for (j = 0; j < npend; j++)
		if (pend[j].index == pend[k].index && pend[j].rec < pend[k].rec &&
		    pend[j].len >= 16)
			return j;
	return npend;
}

/* Take what the socket holds; true if datagram @index was among it. */
static bool drain(uint64_t index)
{
	static uint8_t buf[MAX_UDP + 1];
	bool seen = false;
	size_t k, best;

	for (;;) {
		struct sockaddr_mcg from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(rx_fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);
		uint64_t h;

		if (n < 0 && errno == EAGAIN)
			return seen;
		if (n < 0)
			die("recvfrom: %s", strerror(errno));
		h = fnv(buf, n);
		/* Of equal messages (empty ones, say), the earliest. */
		best = npend;
		for (k = 0; k < npend; k++)
			if (pend[k].sender == from.smcg_sender &&
			    pend[k].len == (size_t)n && pend[k].hash == h &&
			    (best == npend || pend[k].index < pend[best].index ||
			     (pend[k].index == pend[best].index &&
			      pend[k].rec < pend[best].rec)))
				best = k;
		if (best == npend) {
			if (unexpected++ < 10)
				printf("oracle: unexpected message from sender %u, %zd bytes\n",
				       from.smcg_sender, n);
			continue;
		}
		k = earlier_in_datagram(best);
		if (k < npend && misordered++ < 10)
			printf("oracle: message %u of datagram %llu before its message %u\n",
			       pend[best].rec, (unsigned long long)pend[best].index,
			       pend[k].rec);
		delivered++;
		seen |= pend[best].index == index;
		pend[best] = pend[--npend];
	}
}

static double sync_wait;
static uint64_t syncs_fast, syncs_deep;

/* Wait until datagram @index (accepted by the model) is delivered. */
static void wait_for(uint64_t index)
{
	struct pollfd pfd = { .fd = rx_fd, .events = POLLIN };
	double t0 = mcg_test_now();

	while (!drain(index)) {
		int left = SYNC_TIMEOUT_MS -
			   (int)((mcg_test_now() - t0) * 1000);

		if (left <= 0 || poll(&pfd, 1, left) < 0) {
			printf("oracle: datagram %llu (a sync) not delivered after %d s\n",
			       (unsigned long long)index, SYNC_TIMEOUT_MS / 1000);
			fflush(stdout);
			exit(1);
		}
	}
	sync_wait += mcg_test_now() - t0;
}

/* ---- the wire ---------------------------------------------------------- */

static int udp_fd = -1, raw_fd = -1;
static struct sockaddr_in6 to;
static struct sockaddr_ll to_ll;

static void open_senders(const char *ifname)
{
	int hops = 1, loop = 0;
	struct ifaddrs *ifa, *a;

	cf.ifindex = if_nametoindex(ifname);
	if (!cf.ifindex)
		die("no interface %s", ifname);
	to = (struct sockaddr_in6){
		.sin6_family = AF_INET6, .sin6_port = htons(cf.port),
		.sin6_addr = cf.addr, .sin6_scope_id = cf.ifindex,
	};
	udp_fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (udp_fd < 0 ||
	    setsockopt(udp_fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) ||
	    setsockopt(udp_fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof(loop)) ||
	    setsockopt(udp_fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &cf.ifindex,
		       sizeof(cf.ifindex)))
		die("UDP socket: %s", strerror(errno));

	/* Frames with lying IPv6 and UDP headers: AF_PACKET, from our
	 * link-local address to the group's MAC address (RFC 2464). */
	raw_fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IPV6));
	if (raw_fd < 0)
		die("AF_PACKET socket: %s", strerror(errno));
	to_ll = (struct sockaddr_ll){
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IPV6),
		.sll_ifindex = cf.ifindex, .sll_halen = 6,
		.sll_addr = { 0x33, 0x33, cf.addr.s6_addr[12], cf.addr.s6_addr[13],
			      cf.addr.s6_addr[14], cf.addr.s6_addr[15] },
	};
	if (getifaddrs(&ifa))
		die("getifaddrs: %s", strerror(errno));
	for (a = ifa; a; a = a->ifa_next) {
		const struct sockaddr_in6 *s = (const void *)a->ifa_addr;

		if (s && s->sin6_family == AF_INET6 && !strcmp(a->ifa_name, ifname) &&
		    IN6_IS_ADDR_LINKLOCAL(&s->sin6_addr)) {
			cf.src = s->sin6_addr;
			break;
		}
	}
	freeifaddrs(ifa);
	if (!a)
		die("%s has no link-local address", ifname);
}

static void send_udp(const uint8_t *d, size_t len)
{
	if (sendto(udp_fd, d, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len)
		die("sendto (%zu bytes): %s", len, strerror(errno));
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += p[n - 1] << 8;
	return sum;
}

/*
 * The UDP checksum of @n bytes at @udp (header included), for a pseudo
 * header saying @n: what the receiver verifies.
 */
static uint16_t udp_csum(const uint8_t *udp, size_t n)
{
	uint8_t ph[40] = {};
	uint32_t sum;

	memcpy(ph, &cf.src, 16);
	memcpy(ph + 16, &cf.addr, 16);
	ph[32] = n >> 24;
	ph[33] = n >> 16;
	ph[34] = n >> 8;
	ph[35] = n;
	ph[39] = IPPROTO_UDP;
	sum = csum_add(csum_add(0, ph, 40), udp, n);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	return sum ? sum : 0xffff;	/* 0 means none (RFC 8200) */
}

enum raw_kind {
	RAW_TRUE,		/* every length true */
	RAW_UDP_LONG,		/* UDP length beyond the packet */
	RAW_UDP_TINY,		/* UDP length below its own header */
	RAW_UDP_SHORT,		/* UDP length cuts the payload: UDP trims */
	RAW_UDP_ZERO,		/* UDP length 0: the IPv6 length rules */
	RAW_IP_LONG,		/* IPv6 payload length beyond the frame */
	RAW_IP_SHORT,		/* IPv6 and UDP lengths cut the frame: trimmed */
	RAW_IP_BELOW_UDP,	/* IPv6 length cuts, UDP length does not */
	RAW_BAD_CSUM,
	RAW_ZERO_CSUM,		/* none: a multicast UDP socket skips it */
	__RAW_MAX
};

static const char *const raw_names[__RAW_MAX] = {
	"true", "udp_long", "udp_tiny", "udp_short", "udp_zero", "ip_long",
	"ip_short", "ip_below_udp", "bad_csum", "zero_csum",
};

/*
 * One frame carrying @d (@len bytes, at most MAX_FRAME) with the lie @kind.
 * Returns the outcome below mcg, or O_ACCEPT with *@reach set to the bytes
 * UDP hands to mcg (a prefix of @d).
 */
static enum outcome send_raw(const uint8_t *d, size_t len, enum raw_kind kind,
			     size_t *reach)
{
	uint8_t f[40 + 8 + MAX_FRAME];
	uint8_t *ip = f, *udp = f + 40;
	size_t frame = 40 + 8 + len, plen = 8 + len, ulen = 8 + len, cover;
	enum outcome o = O_ACCEPT;
	uint16_t sum, port = htons(cf.port);

	*reach = len;
	switch (kind) {
	case RAW_UDP_LONG:
		ulen = 8 + len + 1 + below(64);
		o = O_UDP_ERR;
		break;
	case RAW_UDP_TINY:
		ulen = 1 + below(7);
		o = O_UDP_ERR;
		break;
	case RAW_UDP_SHORT:
		*reach = below(len);
		ulen = 8 + *reach;
		break;
	case RAW_UDP_ZERO:
		ulen = 0;
		break;
	case RAW_IP_LONG:
		plen = 8 + len + 1 + below(64);
		o = O_IP_TRUNC;
		break;
	case RAW_IP_SHORT:
		*reach = below(len);
		plen = ulen = 8 + *reach;
		break;
	case RAW_IP_BELOW_UDP:
		plen = below(8 + len);
		o = O_UDP_ERR;
		break;
	case RAW_BAD_CSUM:
		o = O_UDP_CSUM;
		break;
	case RAW_ZERO_CSUM:
		o = O_UDP_NOSOCK;
		break;
	default:
		break;
	}
	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[4] = plen >> 8;
	ip[5] = plen;
	ip[6] = IPPROTO_UDP;
	ip[7] = 1;
	memcpy(ip + 8, &cf.src, 16);
	memcpy(ip + 24, &cf.addr, 16);
	memcpy(udp, &port, 2);
	memcpy(udp + 2, &port, 2);
	udp[4] = ulen >> 8;
	udp[5] = ulen;
	udp[6] = udp[7] = 0;
	memcpy(udp + 8, d, len);
	/* The checksum covers what the receiver keeps, as it will count it. */
	cover = kind == RAW_UDP_SHORT || kind == RAW_IP_SHORT ? 8 + *reach : 8 + len;
	sum = udp_csum(udp, cover);
	if (kind == RAW_BAD_CSUM) {
		uint16_t bad = sum ^ (1 << below(16));

		sum = bad ? bad : sum ^ 0x8001;
	}
	if (kind == RAW_ZERO_CSUM)
		sum = 0;
	udp[6] = sum >> 8;
	udp[7] = sum;
	if (sendto(raw_fd, f, frame, 0, (struct sockaddr *)&to_ll, sizeof(to_ll)) !=
	    (ssize_t)frame)
		die("AF_PACKET sendto (%zu bytes): %s", frame, strerror(errno));
	return o;
}

/* ---- the datagrams ----------------------------------------------------- */

enum cls {
	C_SYNC,			/* genuine, waited for (not drawn) */
	C_NEW_RUN,		/* genuine, a sender's new run (not drawn) */
	C_GENUINE,
	C_SEQ_JUMP,
	C_PREV_RUN,
	C_OLD_RUN,
	C_OLD_SEQ,
	C_REPLAY,
	C_BITFLIP,
	C_LEN_LIE,
	C_EMPTY,
	C_TINY,
	C_TRUNC_HDR,
	C_BAD_VERSION,
	C_BAD_TYPE,
	C_RESERVED,
	C_ZERO_FIELD,
	C_RANDOM,
	C_RANDOM_HDR,
	C_GARBAGE_BODY,
	C_UNKNOWN_EPOCH,
	C_UNKNOWN_GROUP,
	C_OWN_SENDER,
	C_EPOCH_SWAP,
	C_FUTURE_RUN,
	C_NEW_SENDER,
	C_MAX_SIZE,
	C_RAW_LEN,
	C_RAW_CSUM,
	C_BUNDLE,
	C_BUNDLE_LIE,
	__C_MAX
};

static const struct {
	const char *name;
	unsigned int weight;	/* per mille */
} classes[__C_MAX] = {
	[C_SYNC] = { "sync", 0 },
	[C_NEW_RUN] = { "new_run", 0 },
	[C_GENUINE] = { "genuine", 70 },
	[C_SEQ_JUMP] = { "seq_jump", 10 },
	[C_PREV_RUN] = { "prev_run", 15 },
	[C_OLD_RUN] = { "old_run", 15 },
	[C_OLD_SEQ] = { "old_seq", 20 },
	[C_REPLAY] = { "replay", 50 },
	[C_BITFLIP] = { "bitflip", 105 },
	[C_LEN_LIE] = { "len_lie", 80 },
	[C_EMPTY] = { "empty", 10 },
	[C_TINY] = { "tiny", 25 },
	[C_TRUNC_HDR] = { "trunc_hdr", 40 },
	[C_BAD_VERSION] = { "bad_version", 25 },
	[C_BAD_TYPE] = { "bad_type", 25 },
	[C_RESERVED] = { "reserved", 25 },
	[C_ZERO_FIELD] = { "zero_field", 30 },
	[C_RANDOM] = { "random", 70 },
	[C_RANDOM_HDR] = { "random_hdr", 50 },
	[C_GARBAGE_BODY] = { "garbage_body", 70 },
	[C_UNKNOWN_EPOCH] = { "unknown_epoch", 30 },
	[C_UNKNOWN_GROUP] = { "unknown_group", 30 },
	[C_OWN_SENDER] = { "own_sender", 30 },
	[C_EPOCH_SWAP] = { "epoch_swap", 25 },
	[C_FUTURE_RUN] = { "future_run", 25 },
	[C_NEW_SENDER] = { "new_sender", 25 },
	[C_MAX_SIZE] = { "max_size", 3 },
	[C_RAW_LEN] = { "raw_len", 40 },
	[C_RAW_CSUM] = { "raw_csum", 12 },
	[C_BUNDLE] = { "bundle", 25 },
	[C_BUNDLE_LIE] = { "bundle_lie", 20 },
};

static uint64_t sent, sent_by[__C_MAX], out_by[__C_MAX][__O_MAX];
static uint64_t raw_by[__RAW_MAX], frames_since_sync;
static FILE *trace;

/*
 * Recent datagrams, for replays: any of the last few, and genuine ones
 * kept from every run (a reservoir), up to a frame's size.
 */
#define RECENT 64
#define KEPT 256
struct copy {
	size_t len;
	uint8_t d[MAX_FRAME];
};
static struct copy recent[RECENT], kept[KEPT];
static uint64_t nrecent, nkept;

static uint8_t dg[MAX_UDP];	/* the datagram being built */

/* Account for what the model says of datagram @sent, of class @c. */
static void account(enum cls c, size_t len, enum outcome o, int who)
{
	int st = outcomes[o].stat;
	unsigned int n;

	sent_by[c]++;
	out_by[c][o]++;
	want.out[o]++;
	if (o < O_IP_TRUNC)
		want.reach++;
	if (o == O_NO_GROUP)
		want.ns_no_group++;
	else if (st >= 0)
		want.group[st]++;
	if (who >= 0 && st >= 0 && o != O_NO_GROUP)
		snd[who].peer.stats[st]++;
	if (o == O_ACCEPT) {
		n = expect_delivery(sent);
		want.group[MCG_A_STATS_RX_BYTES] += accepted_len;
		want.group[MCG_A_STATS_RX_DELIVERED] += n;
		if (who >= 0)
			snd[who].peer.stats[MCG_A_STATS_RX_BYTES] += accepted_len;
		/* Each message waits in the oracle's socket until a sync: a
		 * bundle's count as frames do, so that they fit its buffer. */
		frames_since_sync += n - 1;
	}
	if (trace)
		fprintf(trace, "%llu %s %zu %s\n", (unsigned long long)sent,
			classes[c].name, len, outcomes[o].name);
	sent++;
}

/* Send @len bytes of dg over UDP; returns the model's outcome. */
static enum outcome emit(enum cls c, size_t len)
{
	enum outcome o;
	int who;

	send_udp(dg, len);
	frames_since_sync += frames_of(len);
	o = model_rx(dg, len, &who);
	account(c, len, o, who);
	if (len <= MAX_FRAME) {
		struct copy *r = &recent[nrecent++ % RECENT];

		r->len = len;
		memcpy(r->d, dg, len);
		if (o == O_ACCEPT) {
			/* Reservoir sampling: every accepted one equally likely. */
			uint64_t slot = nkept < KEPT ? nkept : below(nkept + 1);

			if (slot < KEPT) {
				kept[slot].len = len;
				memcpy(kept[slot].d, dg, len);
			}
			nkept++;
		}
	}
	return o;
}

static size_t genuine_len(void)
{
	uint64_t r = below(100);

	if (r < 5)
		return below(16);
	if (r < 85)
		return 16 + below(300);
	if (r < 99)
		return 300 + below(1405 - 300);
	return 1405 + below(4000);	/* fragmented: larger than any path */
}

static struct grun *cur_run(int s)
{
	return &snd[s].runs[snd[s].nruns - 1];
}

/*
 * A fresh genuine datagram of sender @s in dg: its current run and next
 * sequence number, which it uses up.  Returns its length.
 */
static size_t fresh(int s, size_t plen)
{
	struct grun *r = cur_run(s);

	return seal(dg, r->ep, cf.group, snd[s].id, r->run, r->next++, plen);
}

static size_t fresh_bundle(int s)
{
	struct grun *r = cur_run(s);

	return seal_bundle(dg, r->ep, cf.group, snd[s].id, r->run, r->next++);
}

/*
 * For the mutations: now and then a bundle, whose header and records
 * the AEAD protects as much.
 */
static size_t fresh_any(int s)
{
	return chance(20) ? fresh_bundle(s) : fresh(s, genuine_len());
}

/* Send it, and wait until it arrives: see the top. */
static void sync_on(enum cls c, size_t len)
{
	uint64_t index = sent;

	if (emit(c, len) != O_ACCEPT)
		die("internal error: sync datagram %llu is not one the receiver accepts",
		    (unsigned long long)index);
	wait_for(index);
	frames_since_sync = 0;
}

static void fast_sync(void)
{
	sync_on(C_SYNC, fresh(below(NSENDERS), 16 + below(100)));
	syncs_fast++;
}

/*
 * Sender @s starts a new run, under a random epoch; nothing waits behind
 * it once it is delivered.
 */
static void deep_sync(int s)
{
	struct gsender *g = &snd[s];
	uint64_t run;

	run = g->nruns ? cur_run(s)->run + 1 + below(1ULL << 32) :
			 1 + below(1ULL << 40);
	g->runs = realloc(g->runs, (g->nruns + 1) * sizeof(*g->runs));
	if (!g->runs)
		die("out of memory");
	g->runs[g->nruns++] = (struct grun){
		.run = run, .ep = below(cf.nep), .next = 1,
	};
	sync_on(C_NEW_RUN, fresh(s, 16 + below(100)));
	backlog_items = backlog_bytes = 0;
	syncs_deep++;
}

/* Interesting values for a header field: edges, ours, and random. */
static uint32_t some_u32(void)
{
	switch (below(8)) {
	case 0:
		return 1;
	case 1:
		return 0xffffffff;
	case 2:
		return 0x80000000;
	case 3:
		return cf.group;
	case 4:
		return snd[below(NSENDERS)].id;
	case 5:
		return cf.ep[below(cf.nep)].epoch;
	default:
		return rnd() >> below(32);
	}
}

static uint64_t some_u64(void)
{
	switch (below(6)) {
	case 0:
		return 1;
	case 1:
		return ~0ULL;
	case 2:
		return 1ULL << 63;
	case 3:
		return cur_run(below(NSENDERS))->run;
	default:
		return rnd() >> below(64);
	}
}

static uint32_t unknown_sender(void)
{
	uint32_t id;

	do
		id = rnd();
	while (!id || id == cf.own || genuine_index(id) >= 0);
	return id;
}

static uint32_t unknown_epoch(void)
{
	uint32_t e;

	do
		e = below(4) ? 1 + below(16) : rnd();
	while (!e || epoch_index(e) >= 0);
	return e;
}

static void set_hdr_field(int field, uint64_t v)
{
	struct mcg_wire_info i;

	get_hdr(dg, &i);
	switch (field) {
	case 0:
		i.group = v;
		break;
	case 1:
		i.sender = v;
		break;
	case 2:
		i.epoch = v;
		break;
	case 3:
		i.run = v;
		break;
	default:
		i.seq = v;
		break;
	}
	put_hdr(dg, &i);
}

/*
 * The genuine datagram a mutation started from, sent too when asked:
 * the mutation must not have spoiled it (the window moved for no
 * forgery).
 */
static uint8_t orig[MAX_UDP];

static void maybe_send_original(size_t len, unsigned int percent)
{
	if (sent < cf.count - 1 && chance(percent)) {
		memcpy(dg, orig, len);
		emit(C_GENUINE, len);
	}
}

static void one(enum cls c)
{
	struct mcg_wire_info i;
	size_t len, n, k, at;
	enum raw_kind kind;
	enum outcome o;
	int s = below(NSENDERS), who, ep;
	struct grun *r;
	uint64_t seq;

	switch (c) {
	case C_GENUINE:
		emit(c, fresh(s, genuine_len()));
		break;
	case C_SEQ_JUMP:
		r = cur_run(s);
		r->next += chance(90) ? below(3 * cf.window) : rnd() >> (24 + below(40));
		emit(c, fresh(s, genuine_len()));
		break;
	case C_PREV_RUN:
		/* Sent under the previous run but late: still welcome. */
		r = &snd[s].runs[snd[s].nruns - 2];
		emit(c, seal(dg, r->ep, cf.group, snd[s].id, r->run, r->next++,
			     genuine_len()));
		break;
	case C_OLD_RUN:
		/* Authentic, of a run before the previous one. */
		if (snd[s].nruns >= 3) {
			r = &snd[s].runs[below(snd[s].nruns - 2)];
			len = seal(dg, r->ep, cf.group, snd[s].id, r->run, r->next++,
				   genuine_len());
		} else {
			len = seal(dg, below(cf.nep), cf.group, snd[s].id,
				   1 + below(snd[s].runs[0].run - 1), 1 + below(100),
				   genuine_len());
		}
		emit(c, len);
		break;
	case C_OLD_SEQ:
		/* Authentic but below its run's window (or a replay, or new). */
		r = cur_run(s);
		seq = 1 + below(r->next > cf.window ? r->next - cf.window : r->next - 1);
		emit(c, seal(dg, r->ep, cf.group, snd[s].id, r->run, seq, genuine_len()));
		break;
	case C_REPLAY:
		if (chance(50) && nkept) {
			struct copy *cp = &kept[below(nkept < KEPT ? nkept : KEPT)];

			memcpy(dg, cp->d, cp->len);
			emit(c, cp->len);
		} else {
			struct copy *cp = &recent[below(nrecent < RECENT ? nrecent : RECENT)];

			memcpy(dg, cp->d, cp->len);
			emit(c, cp->len);
		}
		break;
	case C_BITFLIP:
		len = fresh_any(s);
		memcpy(orig, dg, len);
		n = chance(80) ? 1 + below(3) : 1 + below(64);
		/* Flips may cancel out: until the datagram differs. */
		for (k = 0; k < n || !memcmp(dg, orig, len); k++) {
			at = chance(50) ? below(HDR_LEN) : below(len);
			dg[at] ^= 1 << below(8);
		}
		emit(c, len);
		maybe_send_original(len, 50);
		break;
	case C_LEN_LIE:
		/* The datagram's length is its only length field: lie with it. */
		len = fresh_any(s);
		memcpy(orig, dg, len);
		n = 1 + below(chance(80) ? 16 : len - 1);
		switch (below(4)) {
		case 0:		/* cut */
			k = len - (n < len ? n : len - 1);
			break;
		case 1:		/* extended */
			k = len + n < MAX_UDP ? len + n : MAX_UDP;
			fill_random(dg + len, k - len);
			break;
		case 2:		/* bytes removed before the tag */
			n = n < len - HDR_LEN ? n : len - HDR_LEN;
			at = HDR_LEN + below(len - HDR_LEN - n + 1);
			memmove(dg + at, dg + at + n, len - at - n);
			k = len - n;
			break;
		default:	/* bytes inserted after the header */
			k = len + n < MAX_UDP ? len + n : MAX_UDP;
			memmove(dg + HDR_LEN + (k - len), dg + HDR_LEN, len - HDR_LEN);
			fill_random(dg + HDR_LEN, k - len);
			break;
		}
		emit(c, k);
		maybe_send_original(len, 50);
		break;
	case C_EMPTY:
		emit(c, 0);
		break;
	case C_TINY:
		len = 1 + below(MIN_LEN - 1);
		fill_random(dg, len);
		if (chance(50))
			memcpy(dg, "\x01\x01\x00\x00", len < 4 ? len : 4);
		emit(c, len);
		break;
	case C_TRUNC_HDR:
		len = fresh_any(s);
		memcpy(orig, dg, len);
		emit(c, 1 + below(MIN_LEN - 1));
		maybe_send_original(len, 30);
		break;
	case C_BAD_VERSION:
	case C_BAD_TYPE:
	case C_RESERVED:
		len = fresh_any(s);
		at = c == C_BAD_VERSION ? 0 : c == C_BAD_TYPE ? 1 : 2 + below(2);
		dg[at] ^= 1 + below(255);
		emit(c, len);
		break;
	case C_ZERO_FIELD:
		len = fresh_any(s);
		n = 1 + below(2);
		for (k = 0; k < n; k++)
			set_hdr_field(below(5), 0);
		emit(c, len);
		break;
	case C_RANDOM:
		k = below(100);
		len = k < 70 ? below(200) : k < 95 ? below(MAX_FRAME + 1) : below(9000);
		fill_random(dg, len);
		emit(c, len);
		break;
	case C_RANDOM_HDR:
		i = (struct mcg_wire_info){
			.type = MCG_WIRE_DATA,
			.group = chance(50) ? cf.group : some_u32(),
			.sender = some_u32(), .epoch = some_u32(),
			.run = some_u64(), .seq = some_u64(),
		};
		len = MIN_LEN + below(1400);
		put_hdr(dg, &i);
		fill_random(dg + HDR_LEN, len - HDR_LEN);
		emit(c, len);
		break;
	case C_GARBAGE_BODY:
		/* A header the receiver would act on, before anything but a
		 * sealed message: a known sender's run, or no sender it knows. */
		r = cur_run(s);
		i = (struct mcg_wire_info){
			.type = MCG_WIRE_DATA,
			.group = cf.group, .epoch = cf.ep[r->ep].epoch,
			.sender = chance(70) ? snd[s].id : unknown_sender(),
			.run = r->run, .seq = r->next + below(3),
		};
		if (chance(30))
			i.seq = 1 + below(r->next);
		len = MIN_LEN + below(chance(90) ? 600 : MAX_FRAME - MIN_LEN);
		put_hdr(dg, &i);
		fill_random(dg + HDR_LEN, len - HDR_LEN);
		emit(c, len);
		break;
	case C_UNKNOWN_EPOCH:
		len = fresh_any(s);
		set_hdr_field(2, unknown_epoch());
		emit(c, len);
		break;
	case C_UNKNOWN_GROUP:
		/* Sealed as the key's holders would, for a group not ours. */
		r = cur_run(s);
		do
			i.group = some_u32();
		while (!i.group || i.group == cf.group);
		emit(c, seal(dg, r->ep, i.group, snd[s].id, r->run, r->next, genuine_len()));
		break;
	case C_OWN_SENDER:
		/* Sealed as the receiver itself would: reflected, or an id twice. */
		emit(c, seal(dg, below(cf.nep), cf.group, cf.own, some_u64() | 1,
			     1 + below(1000), genuine_len()));
		break;
	case C_EPOCH_SWAP:
		/* A run belongs to one epoch: another's datagram is refused,
		 * even sealed with the key that epoch derives. */
		r = cur_run(s);
		ep = cf.nep > 1 ? (r->ep + 1 + below(cf.nep - 1)) % cf.nep : r->ep;
		if (chance(50)) {
			len = seal(dg, ep, cf.group, snd[s].id, r->run, r->next++,
				   genuine_len());
		} else {
			len = fresh_any(s);
			set_hdr_field(2, cf.ep[ep].epoch);
		}
		emit(c, len);
		break;
	case C_FUTURE_RUN:
		/* A known sender's newer run, never sealed: the worker derives
		 * its key and refuses it, leaving the sender as it was. */
		len = fresh_any(s);
		set_hdr_field(3, chance(50) ? cur_run(s)->run + 1 + below(1000) :
					    cur_run(s)->run | rnd());
		emit(c, len);
		break;
	case C_NEW_SENDER:
		/* A sender never heard: nothing of it may stay behind. */
		len = fresh_any(s);
		set_hdr_field(1, unknown_sender());
		emit(c, len);
		break;
	case C_MAX_SIZE:
		if (chance(50)) {
			len = fresh(s, MAX_PLAIN);
		} else {
			len = MAX_UDP;
			fill_random(dg, len);
			if (chance(50)) {
				r = cur_run(s);
				i = (struct mcg_wire_info){
					.type = MCG_WIRE_DATA,
					.group = cf.group, .sender = snd[s].id,
					.epoch = cf.ep[r->ep].epoch, .run = r->run,
					.seq = r->next++,
				};
				put_hdr(dg, &i);
			}
		}
		emit(c, len);
		break;
	case C_RAW_LEN:
	case C_RAW_CSUM:
		len = fresh(s, 16 + below(MAX_FRAME - MIN_LEN - 16 + 1));
		if (chance(25))
			fill_random(dg + HDR_LEN, len - HDR_LEN);
		kind = c == C_RAW_CSUM ? (chance(70) ? RAW_BAD_CSUM : RAW_ZERO_CSUM) :
					 (enum raw_kind)below(RAW_BAD_CSUM);
		raw_by[kind]++;
		o = send_raw(dg, len, kind, &n);
		frames_since_sync++;
		who = -1;
		if (o == O_ACCEPT)
			o = model_rx(dg, n, &who);
		account(c, len, o, who);
		break;
	case C_BUNDLE:
		if (chance(85)) {
			len = fresh_bundle(s);
		} else {
			r = &snd[s].runs[snd[s].nruns - 2];
			len = seal_bundle(dg, r->ep, cf.group, snd[s].id, r->run,
					  r->next++);
		}
		emit(c, len);
		break;
	case C_BUNDLE_LIE:
		/* Authentic, so it passes the AEAD, but refused after: of the
		 * current run, the previous one, or a new one it must not
		 * start. */
		k = below(100);
		r = k < 70 ? cur_run(s) : k < 85 ? &snd[s].runs[snd[s].nruns - 2] : NULL;
		if (r)
			len = seal_bundle_lie(dg, r->ep, cf.group, snd[s].id, r->run,
					      r->next);
		else
			len = seal_bundle_lie(dg, below(cf.nep), cf.group, snd[s].id,
					      cur_run(s)->run + 1 + below(1000),
					      1 + below(100));
		emit(c, len);
		/* Its sequence number is not used up: the window did not move,
		 * and a genuine datagram of it is still welcome. */
		if (r && sent < cf.count - 1 && chance(50)) {
			seq = r->next++;
			k = chance(50);
			len = k ? seal_bundle(dg, r->ep, cf.group, snd[s].id, r->run, seq) :
				  seal(dg, r->ep, cf.group, snd[s].id, r->run, seq,
				       genuine_len());
			if (emit(k ? C_BUNDLE : C_GENUINE, len) != O_ACCEPT)
				die("internal error: datagram %llu, after a lying bundle, is refused",
				    (unsigned long long)sent - 1);
		}
		break;
	default:
		break;
	}
}

static enum cls draw(void)
{
	unsigned int w = below(1000);
	int c;

	for (c = 0; c < __C_MAX; c++) {
		if (w < classes[c].weight)
			return c;
		w -= classes[c].weight;
	}
	return C_GENUINE;
}

/* ---- the report -------------------------------------------------------- */

static void report(double elapsed)
{
	int c, o, s, st;

	for (c = 0; c < __C_MAX; c++) {
		printf("class %s %llu", classes[c].name, (unsigned long long)sent_by[c]);
		for (o = 0; o < __O_MAX; o++)
			if (out_by[c][o])
				printf(" %s=%llu", outcomes[o].name,
				       (unsigned long long)out_by[c][o]);
		printf("\n");
	}
	printf("raw");
	for (c = 0; c < __RAW_MAX; c++)
		printf(" %s=%llu", raw_names[c], (unsigned long long)raw_by[c]);
	printf("\n");
	for (st = 0; st < __MCG_A_STATS_MAX; st++)
		if (stat_names[st] && st != MCG_A_STATS_RX_DROP_NO_GROUP)
			printf("expect group %s %llu\n", stat_names[st],
			       (unsigned long long)want.group[st]);
	printf("expect ns rx_drop_no_group %llu\n", (unsigned long long)want.ns_no_group);
	for (s = 0; s < NSENDERS; s++)
		for (st = 0; st < __MCG_A_STATS_MAX; st++)
			if (stat_names[st] && st != MCG_A_STATS_RX_DELIVERED &&
			    st != MCG_A_STATS_RX_DROP_NO_GROUP)
				printf("expect sender %u %s %llu\n", snd[s].id,
				       stat_names[st],
				       (unsigned long long)snd[s].peer.stats[st]);
	/* What the receiver's IPv6 and UDP layers count (/proc/net/snmp6). */
	printf("expect snmp Udp6InDatagrams %llu\n", (unsigned long long)want.reach);
	printf("expect snmp Udp6InErrors %llu\n",
	       (unsigned long long)(want.out[O_UDP_ERR] + want.out[O_UDP_CSUM]));
	printf("expect snmp Udp6InCsumErrors %llu\n", (unsigned long long)want.out[O_UDP_CSUM]);
	printf("expect snmp Udp6IgnoredMulti %llu\n", (unsigned long long)want.out[O_UDP_NOSOCK]);
	printf("expect snmp Ip6InTruncatedPkts %llu\n", (unsigned long long)want.out[O_IP_TRUNC]);
	printf("senders");
	for (s = 0; s < NSENDERS; s++)
		printf(" %u", snd[s].id);
	printf("\n");
	printf("sent %llu\n", (unsigned long long)sent);
	printf("reach %llu\n", (unsigned long long)want.reach);
	printf("syncs fast=%llu deep=%llu\n", (unsigned long long)syncs_fast,
	       (unsigned long long)syncs_deep);
	printf("oracle delivered=%llu missing=%zu unexpected=%llu misordered=%llu\n",
	       (unsigned long long)delivered, npend, (unsigned long long)unexpected,
	       (unsigned long long)misordered);
	printf("time %.1f s, %.0f datagrams/s, %.1f s waiting at syncs\n",
	       elapsed, sent / elapsed, sync_wait);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mcg_pktfuzz -i IFACE -a ADDR -g GROUP -o OWN -N RX_NETNS\n"
		"                   -k EPOCH:ALG:KEYFILE [-k ...] [-p PORT] [-w WINDOW]\n"
		"                   [-n COUNT] [-s SEED] [-t TRACE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *netns = NULL, *addr = NULL, *tfile = NULL;
	double t0, elapsed;
	cpu_set_t cpus;
	int opt, s, k;

	while ((opt = getopt(argc, argv, "i:a:p:g:o:k:N:w:n:s:t:")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'a': addr = optarg; break;
		case 'p': cf.port = strtoul(optarg, NULL, 0); break;
		case 'g': cf.group = strtoul(optarg, NULL, 0); break;
		case 'o': cf.own = strtoul(optarg, NULL, 0); break;
		case 'k': add_epoch(optarg); break;
		case 'N': netns = optarg; break;
		case 'w': cf.window = strtoul(optarg, NULL, 0); break;
		case 'n': cf.count = strtoull(optarg, NULL, 0); break;
		case 's': cf.seed = strtoull(optarg, NULL, 0); break;
		case 't': tfile = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || !ifname || !addr || !netns || !cf.group || !cf.own ||
	    !cf.nep || inet_pton(AF_INET6, addr, &cf.addr) != 1 ||
	    !IN6_IS_ADDR_MULTICAST(&cf.addr) || cf.window < MCG_WINDOW_MIN ||
	    cf.window > MCG_WINDOW_MAX || cf.window % 64)
		usage();
	/* The setup's runs, a sync at least every so often, the last one. */
	if (cf.count < 2 * NSENDERS + 1)
		die("-n: at least %d datagrams", 2 * NSENDERS + 1);

	/* One CPU: the veth queues what we send on the CPU that sends it. */
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		die("sched_setaffinity: %s", strerror(errno));
	aead_ctx = EVP_CIPHER_CTX_new();
	if (!aead_ctx)
		die("OpenSSL: no cipher context");
	if (tfile && !(trace = fopen(tfile, "w")))
		die("%s: %s", tfile, strerror(errno));
	open_senders(ifname);
	rx_fd = sealer_open_reader(netns, cf.group);

	rng = cf.seed;
	printf("seed %#llx count %llu group %u own %u window %u epochs %d\n",
	       (unsigned long long)cf.seed, (unsigned long long)cf.count, cf.group,
	       cf.own, cf.window, cf.nep);
	fflush(stdout);
	for (s = 0; s < NSENDERS; s++) {
		do
			snd[s].id = 0x10000 + below(0xfffeffff);
		while (snd[s].id == cf.own || genuine_index(snd[s].id) != s);
	}

	t0 = mcg_test_now();
	/* Every sender heard in two runs: a previous run to go back to. */
	for (k = 0; k < 2; k++)
		for (s = 0; s < NSENDERS; s++)
			deep_sync(s);
	while (sent < cf.count - 1) {
		if (backlog_items >= BACKLOG_ITEMS || backlog_bytes >= BACKLOG_BYTES)
			deep_sync(below(NSENDERS));
		else if (frames_since_sync >= SYNC_FRAMES)
			fast_sync();
		else
			one(draw());
	}
	/* The last one flushes the worker: all is counted once it arrives. */
	deep_sync(below(NSENDERS));
	{
		struct pollfd pfd = { .fd = rx_fd, .events = POLLIN };
		double t1 = mcg_test_now();

		while (npend && mcg_test_now() - t1 < SYNC_TIMEOUT_MS / 1000.0)
			if (poll(&pfd, 1, 1000) > 0)
				drain(~0ULL);
		/* Anything else would show up now. */
		while (poll(&pfd, 1, 500) > 0)
			drain(~0ULL);
	}
	elapsed = mcg_test_now() - t0;
	report(elapsed);
	if (trace)
		fclose(trace);
	return npend || unexpected || misordered ? 1 : 0;
}
