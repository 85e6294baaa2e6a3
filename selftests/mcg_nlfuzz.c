// SPDX-License-Identifier: GPL-2.0
/*
 * mcg_nlfuzz: mutated generic netlink requests to the "mcg" family, each
 * checked against what the kernel must answer, and the configuration the
 * accepted ones describe checked against the kernel's.
 *
 *   mcg_nlfuzz [-n COUNT] [-s SEED] [-c EVERY] [-u] [-p SETUP] [-m PCT] [-v] [-D]
 *
 * Requests come from a grammar of uapi/linux/mcg.h (commands, attributes,
 * the MCG_A_KEY and MCG_A_GROUP_SOURCES nests, valid and edge values), and
 * about a third (-m PCT, default 35) are then mutated: attributes
 * duplicated, dropped, retyped, resized, wrapped in nests of random depth,
 * NLA_F_NESTED flipped, nla_len lying, truncated headers, random bytes,
 * random flags, commands and message lengths, two messages in a datagram.
 * Most stay valid or nearly so, so that groups and keys come and go.
 *
 * The bytes sent go through an independent model of what the kernel does
 * with them (netlink_rcv_skb(), genetlink's header checks, permissions and
 * one dump at a time, the strict policies uapi.rst documents, then the
 * checks of kmod/netlink.c in their order), which predicts the replies of
 * each message: none, an ACK, an error with its errno (with an extack
 * message or missing attribute whenever a policy or mcg refuses), a reply,
 * or a dump that ends in NLMSG_DONE.  Every reply is checked against that.
 * What the kernel accepts is applied to a model of the namespace's
 * configuration: groups with every field, their keys by epoch, the sending
 * epoch.  A refused request changes nothing.  Every EVERY requests (default
 * 1000), after each GROUP_GET dump and at the end, the kernel's dump must
 * equal the model field by field.  A listener on "events" must see one
 * event per accepted change, carrying the group as the model has it.  No
 * key material comes back in any reply, dump or event; error echoes of a
 * KEY_NEW that reached mcg carry it zeroed (uapi.rst).
 *
 * -u runs SETUP requests as root (default 1000) and installs a few groups
 * and keys, then drops to uid and gid 65534 before opening new netlink
 * sockets and sends COUNT requests: every one that would change something
 * fails with EPERM (from 6.2, EOPNOTSUPP first when it asks a do-only
 * command for a dump), no event comes, and the configuration stays as
 * root left it.
 *
 * -c 1 compares after every request, to find the one that changed what it
 * should not; -v prints every datagram sent and every extack message.
 * -D (dry run) needs no kernel: the model answers itself, to exercise the
 * generator and the model under sanitizers on the build host.
 *
 * Exit status: 0 when every check held, 1 on a failure (each printed with
 * the seed and the request's index, to replay), 2 on a setup error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mcg_test.h"

#define MAXG		64	/* groups the model holds (names are few) */
#define MSGMAX		8192	/* bytes of one request datagram */
#define RXMAX		(1 << 20)
#define RXMSGS		4096
#define MAXFAILS	30	/* failures printed in full */
#define NOBODY		65534

static const char *const cmd_names[] = {
	"UNSPEC", "GROUP_NEW", "GROUP_SET", "GROUP_DEL", "GROUP_GET",
	"KEY_NEW", "KEY_DEL", "STATS_GET", "FLUSH", "KEY_EXHAUSTED", "other",
};
#define NCMD 11

/* ---- seeded PRNG (splitmix64): the seed replays a run ---- */

static uint64_t rng;

static uint64_t rnd64(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)
{
	return n ? rnd64() % n : 0;
}

static bool chance(int pct)
{
	return rnd(100) < (uint32_t)pct;
}

static void rnd_bytes(uint8_t *p, int n)
{
	while (n-- > 0)
		*p++ = rnd64();
}

#define PICK(arr) ((arr)[rnd(sizeof(arr) / sizeof((arr)[0]))])

/* ---- run state ---- */

static struct {
	int count, every, setup, mutate;
	bool unpriv, verbose, dry;
	uint64_t seed;
} opt = { .count = 5000, .every = 1000, .setup = 1000, .mutate = 35 };

static int family = -1;		/* "mcg" */
static int nofamily;		/* a generic netlink id nothing has */
static uint32_t portid;
static const char *phase = "root";
static int reqno;		/* index of the request being checked */
static int failures;
static double t_start;

struct iface {
	unsigned int index;
	char name[IF_NAMESIZE];
	bool mcast;
};

static struct iface ifaces[32];
static int nifaces;

static struct {
	long sent, mutated, batches, tiny, compares;
	long processed[NCMD], accepted[NCMD];
	long errs[256];
	long noreply, skipped, dumps, retaken;
	long g_new, g_del, flushed, k_new, k_del, sets;
	int max_groups, max_keys;
} st;

/* Failures by kind (their format): a few of each are shown, all counted. */
#define MAXKINDS 64
#define SHOWN_PER_KIND 3
static struct {
	const char *fmt;
	long n;
} kinds[MAXKINDS];
static int nkinds, shown;
static bool quiet;		/* the last failure was not shown */

static void fail(const char *fmt, ...)
{
	va_list ap;
	int i;

	failures++;
	for (i = 0; i < nkinds && kinds[i].fmt != fmt; i++)
		;
	if (i == nkinds && nkinds < MAXKINDS)
		kinds[nkinds++].fmt = fmt;
	if (i < MAXKINDS)
		kinds[i].n++;
	quiet = shown >= MAXFAILS || (i < MAXKINDS && kinds[i].n > SHOWN_PER_KIND);
	if (quiet)
		return;
	shown++;
	printf("FAIL [%s] request %d (seed %llu): ", phase, reqno,
	       (unsigned long long)opt.seed);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void fail_summary(void)
{
	int i;

	for (i = 0; i < nkinds; i++)
		printf("failures: %ld x \"%.70s\"\n", kinds[i].n, kinds[i].fmt);
}

static void bytes(const char *what, const uint8_t *p, int len)
{
	int i;

	printf("  %s (%d bytes):", what, len);
	for (i = 0; i < len && i < 512; i++)
		printf("%s%02x", i % 32 ? "" : "\n    ", p[i]);
	printf("%s\n", len > 512 ? " ..." : "");
}

/* The bytes that go with the failure just reported. */
static void hexdump(const char *what, const uint8_t *p, int len)
{
	if (!quiet)
		bytes(what, p, len);
}

static const struct iface *iface_by_index(uint32_t idx)
{
	int i;

	for (i = 0; i < nifaces; i++)
		if (ifaces[i].index == idx)
			return &ifaces[i];
	return NULL;
}

/* ---- the model of the configuration ---- */

struct mkey {
	uint32_t epoch, alg;
	bool rx_only;
	int mlen;			/* 0: material unknown (resynced) */
	uint8_t material[32];
};

struct mgroup {
	bool used;
	uint32_t id;
	char name[MCG_GROUP_NAME_MAX];
	struct in6_addr addr;
	uint16_t port;
	uint32_t ifindex;
	unsigned int nsrc;
	struct in6_addr src[MCG_MAX_SOURCES];
	uint8_t hoplimit;
	uint32_t window, sender, uid, gid;
	uint16_t mode;
	bool sender_known;	/* given, or learnt from a dump */
	bool tx_auto;		/* follows the newest epoch not rx_only */
	uint32_t tx_epoch;	/* the chosen one otherwise */
	int nkeys;
	struct mkey keys[MCG_MAX_EPOCHS];
};

static struct mgroup model[MAXG];

/*
 * Deleted groups' addresses, ports and interfaces, to count how often one
 * is taken again soon after: GROUP_DEL and FLUSH answer once the group's
 * UDP socket is released, so the port must be free at once.
 */
struct zombie {
	struct in6_addr addr;
	uint16_t port;
	uint32_t ifindex;
	double t;
};

#define NZOMBIES 256
#define ZOMBIE_SECS 5.0
static struct zombie zombies[NZOMBIES];
static int zombie_next;

static struct mgroup *m_by_name(const char *name)
{
	int i;

	for (i = 0; i < MAXG; i++)
		if (model[i].used && !strcmp(model[i].name, name))
			return &model[i];
	return NULL;
}

static struct mgroup *m_by_id(uint32_t id)
{
	int i;

	for (i = 0; i < MAXG; i++)
		if (model[i].used && model[i].id == id)
			return &model[i];
	return NULL;
}

static int m_ngroups(void)
{
	int i, n = 0;

	for (i = 0; i < MAXG; i++)
		n += model[i].used;
	return n;
}

static int m_nkeys(void)
{
	int i, n = 0;

	for (i = 0; i < MAXG; i++)
		if (model[i].used)
			n += model[i].nkeys;
	return n;
}

static struct mgroup *m_random_group(void)
{
	int i, n = m_ngroups(), k;

	if (!n)
		return NULL;
	k = rnd(n);
	for (i = 0; i < MAXG; i++)
		if (model[i].used && !k--)
			return &model[i];
	return NULL;
}

static struct mkey *m_key(struct mgroup *g, uint32_t epoch)
{
	int i;

	for (i = 0; i < g->nkeys; i++)
		if (g->keys[i].epoch == epoch)
			return &g->keys[i];
	return NULL;
}

/* The epoch the group sends with, as the kernel picks it; 0: none. */
static uint32_t m_tx(const struct mgroup *g)
{
	uint32_t best = 0;
	int i;

	if (!g->tx_auto)
		return g->tx_epoch;
	for (i = 0; i < g->nkeys; i++)
		if (!g->keys[i].rx_only && g->keys[i].epoch > best)
			best = g->keys[i].epoch;
	return best;
}

static uint32_t m_lowest_free_id(void)
{
	uint32_t id;

	for (id = 1; m_by_id(id); id++)
		;
	return id;
}

static void zombie_add(const struct mgroup *g)
{
	struct zombie *z = &zombies[zombie_next++ % NZOMBIES];

	z->addr = g->addr;
	z->port = g->port;
	z->ifindex = g->ifindex;
	z->t = mcg_test_now();
}

static bool zombie_recent(const struct in6_addr *a, uint16_t port, uint32_t ifindex)
{
	double t = mcg_test_now();
	int i;

	for (i = 0; i < NZOMBIES; i++)
		if (zombies[i].t && t - zombies[i].t < ZOMBIE_SECS &&
		    zombies[i].port == port && zombies[i].ifindex == ifindex &&
		    !memcmp(&zombies[i].addr, a, 16))
			return true;
	return false;
}

/* ---- request trees, encoded to bytes at the end ---- */

struct attr {
	uint16_t type;		/* with NLA_F_NESTED / NLA_F_NET_BYTEORDER */
	bool nest;
	int len;		/* leaf payload */
	uint8_t data[96];
	int lie;		/* added to nla_len */
	int nkids;
	struct attr *kids[16];
};

#define MAXA 192
#define MAXTOP 24

struct req {
	int npool, ntop;
	struct attr pool[MAXA];
	struct attr *top[MAXTOP];
	uint16_t nltype, flags;
	uint8_t cmd, version;
	uint16_t reserved;
};

static struct attr *a_new(struct req *r, uint16_t type, const void *data, int len)
{
	struct attr *a;

	if (r->npool == MAXA)
		return NULL;
	a = &r->pool[r->npool++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	if (len > (int)sizeof(a->data))
		len = sizeof(a->data);
	a->len = len;
	if (data && len)
		memcpy(a->data, data, len);
	return a;
}

/* Add @a to @parent (NULL: the top level); @a NULL is ignored. */
static struct attr *a_add(struct req *r, struct attr *parent, struct attr *a)
{
	if (!a)
		return NULL;
	if (parent) {
		if (parent->nkids == (int)(sizeof(parent->kids) / sizeof(parent->kids[0])))
			return NULL;
		parent->kids[parent->nkids++] = a;
	} else {
		if (r->ntop == MAXTOP)
			return NULL;
		r->top[r->ntop++] = a;
	}
	return a;
}

static struct attr *put(struct req *r, struct attr *p, uint16_t type, const void *d, int len)
{
	return a_add(r, p, a_new(r, type, d, len));
}

static void put_u32(struct req *r, struct attr *p, uint16_t type, uint32_t v)
{
	put(r, p, type, &v, 4);
}

static struct attr *put_nest(struct req *r, struct attr *p, uint16_t type)
{
	struct attr *a = put(r, p, type | NLA_F_NESTED, NULL, 0);

	if (a)
		a->nest = true;
	return a;
}

static int enc_attr(const struct attr *a, uint8_t *buf, int room)
{
	int len = NLA_HDRLEN, i, n, l;
	uint16_t t = a->type;

	if (room < NLA_HDRLEN)
		return -1;
	if (a->nest) {
		for (i = 0; i < a->nkids; i++) {
			n = enc_attr(a->kids[i], buf + len, room - len);
			if (n < 0)
				return -1;
			len += n;
		}
	} else {
		if (room < NLA_HDRLEN + NLA_ALIGN(a->len))
			return -1;
		memcpy(buf + len, a->data, a->len);
		memset(buf + len + a->len, 0, NLA_ALIGN(a->len) - a->len);
		len += a->len;
	}
	l = len + a->lie;
	if (l < 0)
		l = 0;
	if (l > 0xffff)
		l = 0xffff;
	memcpy(buf, &l, 2);	/* little endian: nla_len first */
	memcpy(buf + 2, &t, 2);
	return NLA_ALIGN(len);
}

static uint32_t seqno;

/* Encode @r at @buf; returns its length, nlmsg_len set to it. */
static int encode(const struct req *r, uint8_t *buf, int room)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(buf + NLMSG_HDRLEN);
	int len = NLMSG_HDRLEN + GENL_HDRLEN, i, n;

	memset(buf, 0, len);
	for (i = 0; i < r->ntop; i++) {
		n = enc_attr(r->top[i], buf + len, room - len);
		if (n < 0)
			break;
		len += n;
	}
	h->nlmsg_len = len;
	h->nlmsg_type = r->nltype;
	h->nlmsg_flags = r->flags;
	h->nlmsg_seq = ++seqno;
	h->nlmsg_pid = 0;
	g->cmd = r->cmd;
	g->version = r->version;
	g->reserved = r->reserved;
	return len;
}

static void req_init(struct req *r, uint8_t cmd, uint16_t flags)
{
	r->npool = 0;
	r->ntop = 0;
	r->nltype = family;
	r->flags = NLM_F_REQUEST | flags;
	r->cmd = cmd;
	r->version = MCG_GENL_VERSION;
	r->reserved = 0;
}

/* ---- the grammar: values, valid ones mostly ---- */

static const char *const good_names[] = {
	"g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7", "a.b-c_d",
	"ABCDEFGHIJKLMNO",	/* 15: the longest */
	"x", "-", "..",
};

/* Names the documented rule refuses: empty, 16 characters, other bytes. */
static const char *const bad_names[] = {
	"", "ABCDEFGHIJKLMNOP", "bad name", "a/b", "tab\t", "caf\xc3\xa9",
	"\xe9t\xe9", "\xff", "nl\n", "g1*",
};

static const char *const good_addrs[] = {
	"ff05::1:1", "ff05::1:2", "ff0e::42", "ff15::7", "ff02::1:3",
	"ff12::99", "ff08::abc", "ff3e:1::5", "ff15::1", "ff12::1:ff00:1",
};

static const char *const ssm_addrs[] = { "ff35::1:2", "ff3e::8000:1", "ff32::77" };

static const char *const bad_addrs[] = {
	"ff02::1", "ff05::2", "ff0e::", "ff01::5", "ff00::5", "ff0f::5",
	"ff03::5", "2001:db8::1", "ff02::1:ff00:1", "::", "fe80::1", "ff11::3",
};

static const char *const good_srcs[] = {
	"2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:db8::4",
	"fe80::1", "::ffff:10.0.0.1", "2001:db8:1::9",
};

static const char *const bad_srcs[] = { "::", "::1", "ff05::1", "ff3e::1" };

static void put_addr6(struct req *r, struct attr *p, uint16_t type, const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	put(r, p, type, &a, 16);
}

/* A name attribute: of an existing group mostly. */
static void put_name(struct req *r, struct attr *p, const struct mgroup *g, bool creating)
{
	const char *s;
	uint8_t buf[40];
	int len;

	if (g && !creating && chance(90))
		s = g->name;
	else if (chance(92))
		s = PICK(good_names);
	else
		s = PICK(bad_names);
	len = strlen(s);
	memcpy(buf, s, len);
	buf[len++] = 0;
	switch (rnd(75)) {
	case 0:			/* no terminating NUL */
		len--;
		break;
	case 1:			/* bytes after the NUL */
		rnd_bytes(buf + len, 6);
		len += 6;
		break;
	case 2:			/* a long tail after the NUL */
		memset(buf + len, 'z', 20);
		len += 20;
		break;
	}
	put(r, p, MCG_A_GROUP_NAME, buf, len);
}

static void put_id(struct req *r, struct attr *p, const struct mgroup *g)
{
	static const uint32_t ids[] = { 1, 2, 3, 4, 5, 7, 8, 100, 0xffffffff,
					0x7fffffff, 0 };

	put_u32(r, p, MCG_A_GROUP_ID, g && chance(85) ? g->id :
		chance(90) ? PICK(ids) : (uint32_t)rnd64());
}

/* Name the group by name, id or both (rarely neither). */
static const struct mgroup *put_select(struct req *r, bool existing)
{
	const struct mgroup *g = existing ? m_random_group() : NULL;
	const struct mgroup *other = m_random_group();
	uint32_t k = rnd(100);

	if (k < 55) {
		put_name(r, NULL, g, false);
	} else if (k < 85) {
		put_id(r, NULL, g);
	} else if (k < 97) {
		put_name(r, NULL, g, false);
		put_id(r, NULL, chance(80) ? g : other);
	}
	return g;
}

static uint32_t pick_ifindex(void)
{
	static const uint32_t bad[] = { 0, 9999, 0x7fffffff, 0x80000000, 0xffffffff };
	int i, n = 0;
	unsigned int mc[32];

	for (i = 0; i < nifaces; i++)
		if (ifaces[i].mcast)
			mc[n++] = ifaces[i].index;
	if (n && chance(90))
		return mc[rnd(n)];
	if (nifaces && chance(60))
		return ifaces[rnd(nifaces)].index;
	return PICK(bad);
}

/* The @i-th interface that does multicast, round robin. */
static uint32_t mcast_ifindex(int i)
{
	int k, n = 0;

	for (k = 0; k < nifaces; k++)
		n += ifaces[k].mcast;
	for (k = 0, i %= n ? n : 1; k < nifaces; k++)
		if (ifaces[k].mcast && !i--)
			return ifaces[k].index;
	return 0;
}

static void put_window(struct req *r)
{
	static const uint32_t w[] = {
		1024, 65536, 1088, 4096, 65472, 2048,		/* good */
		1023, 1025, 65537, 65600, 0, 64, 1056, 0xffffffff,
	};

	put_u32(r, NULL, MCG_A_GROUP_WINDOW, chance(85) ? w[rnd(6)] : PICK(w));
}

static void put_settable(struct req *r, int pct)
{
	static const uint8_t hops[] = { 1, 2, 64, 255, 0 };
	static const uint32_t uids[] = { 0, 1000, 65534, 0xfffffffe, 0xffffffff };
	static const uint16_t modes[] = { 0, 0660, 0777, 0600, 0644, 01000, 0xffff };
	uint8_t h;
	uint16_t m;

	if (chance(pct)) {
		h = chance(90) ? hops[rnd(4)] : PICK(hops);
		put(r, NULL, MCG_A_GROUP_HOPLIMIT, &h, 1);
	}
	if (chance(pct))
		put_window(r);
	if (chance(pct))
		put_u32(r, NULL, MCG_A_GROUP_UID, chance(90) ? uids[rnd(4)] : PICK(uids));
	if (chance(pct))
		put_u32(r, NULL, MCG_A_GROUP_GID, chance(90) ? uids[rnd(4)] : PICK(uids));
	if (chance(pct)) {
		m = chance(90) ? modes[rnd(5)] : PICK(modes);
		put(r, NULL, MCG_A_GROUP_MODE, &m, 2);
	}
}

static void gen_group_new(struct req *r)
{
	static const uint16_t ports[] = { 6470, 1, 65535, 7000, 0 };
	static const uint32_t senders[] = { 1, 7, 0xffffffff, 4242, 0 };
	bool ssm = false;
	struct attr *n;
	int i, ns;

	if (chance(97))
		put_name(r, NULL, NULL, true);
	if (chance(30))
		put_id(r, NULL, chance(20) ? m_random_group() : NULL);
	if (chance(97)) {
		uint32_t k = rnd(100);

		if (k < 80) {
			put_addr6(r, NULL, MCG_A_GROUP_ADDR, PICK(good_addrs));
		} else if (k < 92) {
			put_addr6(r, NULL, MCG_A_GROUP_ADDR, PICK(ssm_addrs));
			ssm = true;
		} else if (k < 98) {
			put_addr6(r, NULL, MCG_A_GROUP_ADDR, PICK(bad_addrs));
		} else {
			uint8_t a[16];

			rnd_bytes(a, 16);
			if (chance(50))
				a[0] = 0xff;
			put(r, NULL, MCG_A_GROUP_ADDR, a, 16);
		}
	}
	if (chance(97))
		put_u32(r, NULL, MCG_A_GROUP_IFINDEX, pick_ifindex());
	if (chance(40)) {
		uint16_t p = chance(85) ? ports[rnd(4)] : PICK(ports);

		put(r, NULL, MCG_A_GROUP_PORT, &p, 2);
	}
	if (ssm ? chance(92) : chance(8)) {
		n = put_nest(r, NULL, MCG_A_GROUP_SOURCES);
		ns = chance(90) ? 1 + rnd(3) : rnd(MCG_MAX_SOURCES + 2);
		for (i = 0; n && i < ns; i++)
			put_addr6(r, n, MCG_A_SOURCE_ADDR,
				  chance(92) ? PICK(good_srcs) : PICK(bad_srcs));
	}
	if (chance(30))
		put_u32(r, NULL, MCG_A_GROUP_SENDER,
			chance(85) ? senders[rnd(4)] : chance(50) ? 0 : (uint32_t)rnd64());
	put_settable(r, 20);
}

static void gen_group_set(struct req *r)
{
	const struct mgroup *g = put_select(r, chance(90));
	uint32_t tx;

	put_settable(r, 30);
	if (chance(35)) {
		if (g && g->nkeys && chance(60))
			tx = g->keys[rnd(g->nkeys)].epoch;
		else
			tx = chance(50) ? 0 : chance(80) ? 1 + rnd(8) : (uint32_t)rnd64();
		put_u32(r, NULL, MCG_A_GROUP_TX_EPOCH, tx);
	}
}

static uint32_t pick_epoch(const struct mgroup *g, bool existing)
{
	static const uint32_t edge[] = { 0, 0xffffffff, 0x80000000, 100 };
	uint32_t e;
	int tries;

	if (g && g->nkeys && existing)
		return g->keys[rnd(g->nkeys)].epoch;
	if (chance(6))
		return PICK(edge);
	for (tries = 0; tries < 8; tries++) {
		e = 1 + rnd(9);
		if (!g || !m_key((struct mgroup *)g, e))
			break;
	}
	return e;
}

static void gen_key_new(struct req *r, uint8_t *mat, int *mlen)
{
	static const int lens[] = { 0, 1, 15, 17, 31, 33, 64, 16, 32 };
	static const uint32_t algs[] = { 0, 4, 0xffffffff, 255 };
	const struct mgroup *g = put_select(r, chance(92));
	struct attr *k;
	uint32_t alg;

	if (!chance(97))
		return;
	k = put_nest(r, NULL, MCG_A_KEY);
	if (chance(97))
		put_u32(r, k, MCG_A_KEY_EPOCH, pick_epoch(g, chance(15)));
	alg = chance(95) ? 1 + rnd(MCG_ALG_MAX) : PICK(algs);
	if (chance(97))
		put_u32(r, k, MCG_A_KEY_ALG, alg);
	if (chance(97)) {
		*mlen = chance(90) ? (alg == MCG_ALG_AES_GCM_128 ? 16 : 32) : PICK(lens);
		rnd_bytes(mat, *mlen);
		put(r, k, MCG_A_KEY_MATERIAL, mat, *mlen);
	}
	if (chance(25))
		put(r, k, MCG_A_KEY_RX_ONLY, NULL, 0);
}

static void gen_key_del(struct req *r)
{
	const struct mgroup *g = put_select(r, chance(92));
	struct attr *k;

	if (!chance(97))
		return;
	k = put_nest(r, NULL, MCG_A_KEY);
	if (chance(97))
		put_u32(r, k, MCG_A_KEY_EPOCH, pick_epoch(g, chance(75)));
}

/* A random attribute of any type, with random bytes. */
static struct attr *rand_leaf(struct req *r)
{
	uint8_t d[48];
	int len = rnd(sizeof(d) + 1);

	rnd_bytes(d, len);
	return a_new(r, chance(90) ? rnd(MCG_A_MAX + 3) : (uint16_t)rnd(0x4000), d, len);
}

/* The request for @cmd from the grammar; mat gets KEY_NEW's material. */
static void gen_cmd(struct req *r, uint8_t cmd, uint8_t *mat, int *mlen)
{
	switch (cmd) {
	case MCG_CMD_GROUP_NEW:
		gen_group_new(r);
		break;
	case MCG_CMD_GROUP_SET:
		gen_group_set(r);
		break;
	case MCG_CMD_GROUP_DEL:
	case MCG_CMD_GROUP_GET:
		put_select(r, chance(85));
		break;
	case MCG_CMD_KEY_NEW:
		gen_key_new(r, mat, mlen);
		break;
	case MCG_CMD_KEY_DEL:
		gen_key_del(r);
		break;
	case MCG_CMD_STATS_GET:
		if (chance(65))
			put_select(r, chance(85));
		break;
	case MCG_CMD_FLUSH:
		if (chance(5))
			a_add(r, NULL, rand_leaf(r));
		break;
	default:
		while (chance(50))
			a_add(r, NULL, rand_leaf(r));
	}
}

/* ---- mutations ---- */

struct aref {
	struct attr **arr;
	int *n;
	int i;
	int depth;
};

static int collect(struct attr **arr, int *n, int depth, struct aref *out, int nout)
{
	int i, k = nout;

	for (i = 0; i < *n && k < 128; i++) {
		out[k++] = (struct aref){ arr, n, i, depth };
		if (arr[i]->nest)
			k = collect(arr[i]->kids, &arr[i]->nkids, depth + 1, out, k);
	}
	return k;
}

static struct attr *a_copy(struct req *r, const struct attr *a)
{
	struct attr *c = a_new(r, a->type, a->data, a->len);
	int i;

	if (!c)
		return NULL;
	c->nest = a->nest;
	c->lie = a->lie;
	c->nkids = 0;
	for (i = 0; i < a->nkids; i++) {
		struct attr *k = a_copy(r, a->kids[i]);

		if (!k)
			break;
		c->kids[c->nkids++] = k;
	}
	return c;
}

static bool insert_at(struct attr **arr, int *n, int max, int pos, struct attr *a)
{
	if (!a || *n >= max)
		return false;
	memmove(&arr[pos + 1], &arr[pos], (*n - pos) * sizeof(*arr));
	arr[pos] = a;
	(*n)++;
	return true;
}

static int arr_max(struct req *r, struct attr **arr)
{
	return arr == r->top ? MAXTOP : 16;
}

static void mutate_tree(struct req *r)
{
	struct aref refs[128], *ref;
	struct attr *a, *w;
	int n, k, d;

	n = collect(r->top, &r->ntop, 0, refs, 0);
	if (!n) {
		a_add(r, NULL, rand_leaf(r));
		return;
	}
	ref = &refs[rnd(n)];
	a = ref->arr[ref->i];
	switch (rnd(11)) {
	case 0:		/* duplicate: the last one wins, each is checked */
		insert_at(ref->arr, ref->n, arr_max(r, ref->arr), rnd(*ref->n + 1),
			  a_copy(r, a));
		break;
	case 1:		/* drop */
		memmove(&ref->arr[ref->i], &ref->arr[ref->i + 1],
			(*ref->n - ref->i - 1) * sizeof(*ref->arr));
		(*ref->n)--;
		break;
	case 2:		/* another type */
		a->type = (a->type & ~NLA_TYPE_MASK) |
			  (chance(85) ? rnd(MCG_A_MAX + 3) : rnd(NLA_TYPE_MASK + 1));
		break;
	case 3:		/* NLA_F_NESTED or NLA_F_NET_BYTEORDER flipped */
		a->type ^= chance(70) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER;
		break;
	case 4:		/* resize a leaf; a nest gets a random child */
		if (a->nest) {
			insert_at(a->kids, &a->nkids, 16, rnd(a->nkids + 1), rand_leaf(r));
		} else if (chance(50) && a->len) {
			a->len = rnd(a->len);
		} else {
			k = 1 + rnd(16);
			if (a->len + k > (int)sizeof(a->data))
				k = sizeof(a->data) - a->len;
			rnd_bytes(a->data + a->len, k);
			a->len += k;
		}
		break;
	case 5:		/* wrapped in nests of random depth */
		for (d = 1 + rnd(5); d > 0; d--) {
			w = a_new(r, rnd(MCG_A_MAX + 2) | (chance(80) ? NLA_F_NESTED : 0), NULL, 0);
			if (!w)
				break;
			w->nest = true;
			w->kids[w->nkids++] = a;
			a = w;
		}
		ref->arr[ref->i] = a;
		break;
	case 6:		/* a random attribute somewhere */
		insert_at(ref->arr, ref->n, arr_max(r, ref->arr), rnd(*ref->n + 1),
			  rand_leaf(r));
		break;
	case 7:		/* nla_len lies */
		a->lie = chance(50) ? -(int)(1 + rnd(8)) : (int)(1 + rnd(40));
		break;
	case 8:		/* swap with a sibling */
		k = rnd(*ref->n);
		w = ref->arr[k];
		ref->arr[k] = a;
		ref->arr[ref->i] = w;
		break;
	case 9:		/* random bytes, same length */
		rnd_bytes(a->data, a->len);
		break;
	case 10:	/* an empty nest or leaf of the same type */
		a->len = 0;
		a->nkids = 0;
		break;
	}
}

static const uint16_t rand_flags[] = {
	NLM_F_REQUEST, NLM_F_REQUEST | NLM_F_ACK, NLM_F_ACK, 0,
	NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, NLM_F_REQUEST | NLM_F_DUMP,
	NLM_F_REQUEST | NLM_F_ROOT, NLM_F_REQUEST | NLM_F_ACK | NLM_F_MATCH,
	NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO, NLM_F_REQUEST | NLM_F_MULTI,
	NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL, NLM_F_REQUEST | NLM_F_ACK | 0x8000,
};

/* Header and byte mutations of an encoded message of @len bytes. */
static int mutate_bytes(uint8_t *buf, int len, int room)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(buf + NLMSG_HDRLEN);
	int k, i;

	switch (rnd(10)) {
	case 0:		/* flags */
		h->nlmsg_flags = chance(80) ? PICK(rand_flags) : (uint16_t)rnd64();
		break;
	case 1:		/* command: out of range mostly */
		g->cmd = chance(70) ? PICK(((const uint8_t[]){ 0, 9, 10, 11, 42, 255 })) :
				      (uint8_t)rnd64();
		break;
	case 2:		/* version and reserved */
		if (chance(50))
			g->version = rnd64();
		else
			g->reserved = 1 + rnd(0xffff);
		break;
	case 3:		/* message type: a control message or no family */
		h->nlmsg_type = chance(50) ? rnd(NLMSG_MIN_TYPE) : nofamily;
		break;
	case 4:		/* nlmsg_len says more than was sent */
		h->nlmsg_len = len + 1 + rnd(64);
		break;
	case 5:		/* nlmsg_len says less: 0 to past the genl header */
		/*
		 * What follows a shorter message would be parsed as another
		 * message, whose type could be any family: send no more.
		 * Below NLMSG_HDRLEN the kernel stops at once.
		 */
		k = rnd(len + 1);
		h->nlmsg_len = k;
		if (k >= NLMSG_HDRLEN)
			len = k;
		break;
	case 6:		/* cut the attributes short, a header in halves */
		if (len > NLMSG_HDRLEN + GENL_HDRLEN) {
			len = NLMSG_HDRLEN + GENL_HDRLEN + rnd(len - NLMSG_HDRLEN - GENL_HDRLEN);
			h->nlmsg_len = len;
		}
		break;
	case 7:		/* trailing bytes, counted in nlmsg_len */
		k = 1 + rnd(7);
		if (len + k <= room) {
			rnd_bytes(buf + len, k);
			len += k;
			h->nlmsg_len = len;
		}
		break;
	case 8:		/* flipped bits past the headers */
		for (i = 1 + rnd(4); i > 0 && len > NLMSG_HDRLEN + GENL_HDRLEN; i--) {
			k = NLMSG_HDRLEN + GENL_HDRLEN + rnd(len - NLMSG_HDRLEN - GENL_HDRLEN);
			buf[k] ^= 1 << rnd(8);
		}
		break;
	case 9:		/* flipped bits anywhere but nlmsg_len and nlmsg_type */
		for (i = 1 + rnd(3); i > 0; i--) {
			k = 6 + rnd(len - 6);
			buf[k] ^= 1 << rnd(8);
		}
		break;
	}
	return len;
}

/* ---- the kernel's side, modelled: policies (strict validation) ---- */

enum { PT_UNSPEC, PT_U8, PT_U16, PT_U32, PT_FLAG, PT_NUL_STRING, PT_BINARY,
       PT_NESTED, PT_REJECT };
enum { V_NONE, V_MIN, V_MAX, V_RANGE };

struct pol {
	uint8_t type, vt;
	uint16_t len;
	uint64_t min, max;
	const struct pol *nested;
	int nmax;
};

static const struct pol source_pol[MCG_A_SOURCE_MAX + 1] = {
	[MCG_A_SOURCE_ADDR] = { .type = PT_BINARY, .vt = V_RANGE, .min = 16, .max = 16 },
};

static const struct pol key_new_pol[MCG_A_KEY_MAX + 1] = {
	[MCG_A_KEY_EPOCH] = { .type = PT_U32, .vt = V_MIN, .min = 1 },
	[MCG_A_KEY_ALG] = { .type = PT_U32, .vt = V_RANGE, .min = 1, .max = MCG_ALG_MAX },
	[MCG_A_KEY_MATERIAL] = { .type = PT_BINARY, .len = 32 },
	[MCG_A_KEY_RX_ONLY] = { .type = PT_FLAG },
};

static const struct pol key_del_pol[MCG_A_KEY_MAX + 1] = {
	[MCG_A_KEY_EPOCH] = { .type = PT_U32, .vt = V_MIN, .min = 1 },
};

#define SELECT_POL							\
	[MCG_A_GROUP_NAME] = { .type = PT_NUL_STRING,			\
			       .len = MCG_GROUP_NAME_MAX - 1 },		\
	[MCG_A_GROUP_ID] = { .type = PT_U32, .vt = V_MIN, .min = 1 }

#define SETTABLE_POL							\
	[MCG_A_GROUP_HOPLIMIT] = { .type = PT_U8, .vt = V_MIN, .min = 1 },	\
	[MCG_A_GROUP_WINDOW] = { .type = PT_U32, .vt = V_RANGE,		\
				 .min = MCG_WINDOW_MIN,			\
				 .max = MCG_WINDOW_MAX },		\
	[MCG_A_GROUP_UID] = { .type = PT_U32 },				\
	[MCG_A_GROUP_GID] = { .type = PT_U32 },				\
	[MCG_A_GROUP_MODE] = { .type = PT_U16, .vt = V_MAX, .max = 0777 }

static const struct pol select_pol[MCG_A_MAX + 1] = { SELECT_POL };

static const struct pol new_pol[MCG_A_MAX + 1] = {
	SELECT_POL,
	SETTABLE_POL,
	[MCG_A_GROUP_ADDR] = { .type = PT_BINARY, .vt = V_RANGE, .min = 16, .max = 16 },
	[MCG_A_GROUP_PORT] = { .type = PT_U16, .vt = V_MIN, .min = 1 },
	[MCG_A_GROUP_IFINDEX] = { .type = PT_U32, .vt = V_MIN, .min = 1 },
	[MCG_A_GROUP_SOURCES] = { .type = PT_NESTED, .nested = source_pol,
				  .nmax = MCG_A_SOURCE_MAX },
	[MCG_A_GROUP_SENDER] = { .type = PT_U32, .vt = V_MIN, .min = 1 },
};

static const struct pol set_pol[MCG_A_MAX + 1] = {
	SELECT_POL,
	SETTABLE_POL,
	[MCG_A_GROUP_TX_EPOCH] = { .type = PT_U32 },
};

static const struct pol key_new_top_pol[MCG_A_MAX + 1] = {
	SELECT_POL,
	[MCG_A_KEY] = { .type = PT_NESTED, .nested = key_new_pol, .nmax = MCG_A_KEY_MAX },
};

static const struct pol key_del_top_pol[MCG_A_MAX + 1] = {
	SELECT_POL,
	[MCG_A_KEY] = { .type = PT_NESTED, .nested = key_del_pol, .nmax = MCG_A_KEY_MAX },
};

/* FLUSH takes nothing: genetlink refuses every attribute for it. */
static const struct pol reject_pol[2] = {
	{ .type = PT_REJECT }, { .type = PT_REJECT },
};

struct op {
	uint8_t cmd;
	bool admin, dumpit;
	const struct pol *pol;
	int maxattr;
};

static const struct op ops[] = {
	{ MCG_CMD_GROUP_NEW, true, false, new_pol, MCG_A_MAX },
	{ MCG_CMD_GROUP_SET, true, false, set_pol, MCG_A_MAX },
	{ MCG_CMD_GROUP_DEL, true, false, select_pol, MCG_A_MAX },
	{ MCG_CMD_GROUP_GET, false, true, select_pol, MCG_A_MAX },
	{ MCG_CMD_KEY_NEW, true, false, key_new_top_pol, MCG_A_MAX },
	{ MCG_CMD_KEY_DEL, true, false, key_del_top_pol, MCG_A_MAX },
	{ MCG_CMD_STATS_GET, false, true, select_pol, MCG_A_MAX },
	{ MCG_CMD_FLUSH, true, false, reject_pol, 1 },
};

static const struct op *op_find(uint8_t cmd)
{
	unsigned int i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].cmd == cmd)
			return &ops[i];
	return NULL;
}

static uint16_t a_len(const struct nlattr *a)
{
	return a->nla_len;
}

static int a_plen(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static const uint8_t *a_data(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_HDRLEN;
}

static int a_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

static uint32_t get_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, a_data(a), 4);
	return v;
}

static uint16_t get_u16(const struct nlattr *a)
{
	uint16_t v;

	memcpy(&v, a_data(a), 2);
	return v;
}

static uint64_t get_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, a_data(a), 8);
	return v;
}

static bool a_ok(const struct nlattr *a, int rem)
{
	return rem >= NLA_HDRLEN && a_len(a) >= NLA_HDRLEN && a_len(a) <= rem;
}

static const struct nlattr *a_next(const struct nlattr *a, int *rem)
{
	int tot = NLA_ALIGN(a_len(a));

	*rem -= tot;
	return (const struct nlattr *)((const uint8_t *)a + tot);
}

#define for_each_attr(a, head, len, rem)				\
	for (a = (const struct nlattr *)(head), rem = (len); a_ok(a, rem);	\
	     a = a_next(a, &rem))

static int parse(const uint8_t *head, int len, int maxtype,
		 const struct pol *policy, const struct nlattr **tb);

/* validate_nla() of lib/nlattr.c under NL_VALIDATE_STRICT. */
static int validate(const struct nlattr *a, const struct pol *policy)
{
	static const int exact[] = { [PT_U8] = 1, [PT_U16] = 2, [PT_U32] = 4 };
	const struct pol *pt = &policy[a_type(a)];
	int alen = a_plen(a), minlen, err;
	const uint8_t *d = a_data(a);
	uint64_t v, min = 0, max;

	if (pt->type <= PT_U32 && exact[pt->type] && alen != exact[pt->type])
		return -EINVAL;
	if (pt->type == PT_NESTED && !(a->nla_type & NLA_F_NESTED))
		return -EINVAL;
	if (pt->type != PT_NESTED && pt->type != PT_UNSPEC && (a->nla_type & NLA_F_NESTED))
		return -EINVAL;
	switch (pt->type) {
	case PT_UNSPEC:		/* no policy entry: unsupported */
	case PT_REJECT:
		return -EINVAL;
	case PT_FLAG:
		if (alen > 0)
			return -ERANGE;
		break;
	case PT_NUL_STRING:
		minlen = pt->len && pt->len + 1 < alen ? pt->len + 1 : alen;
		if (!minlen || !memchr(d, 0, minlen))
			return -EINVAL;
		if (d[alen - 1] == 0)
			alen--;
		if (alen > pt->len)
			return -ERANGE;
		break;
	case PT_BINARY:
		if (pt->len && alen > pt->len)
			return -ERANGE;
		break;
	case PT_NESTED:
		if (alen == 0)
			break;
		if (alen < NLA_HDRLEN)
			return -ERANGE;
		err = parse(d, alen, pt->nmax, pt->nested, NULL);
		if (err)
			return err;
		break;
	default:		/* the exact length was checked */
		break;
	}
	switch (pt->type) {
	case PT_U8:
		v = d[0];
		max = 0xff;
		break;
	case PT_U16:
		v = get_u16(a);
		max = 0xffff;
		break;
	case PT_U32:
		v = get_u32(a);
		max = 0xffffffff;
		break;
	case PT_BINARY:
		v = alen;
		max = 0xffff;
		break;
	default:
		return 0;
	}
	switch (pt->vt) {
	case V_NONE:
		return 0;
	case V_MIN:
		min = pt->min;
		break;
	case V_MAX:
		max = pt->max;
		break;
	case V_RANGE:
		min = pt->min;
		max = pt->max;
		break;
	}
	return v < min || v > max ? -ERANGE : 0;
}

/* __nla_validate_parse() under NL_VALIDATE_STRICT; tb gets the last of each. */
static int parse(const uint8_t *head, int len, int maxtype,
		 const struct pol *policy, const struct nlattr **tb)
{
	const struct nlattr *a;
	int rem, type, err;

	if (tb)
		memset(tb, 0, (maxtype + 1) * sizeof(*tb));
	for_each_attr(a, head, len, rem) {
		type = a_type(a);
		if (type == 0 || type > maxtype)
			return -EINVAL;
		err = validate(a, policy);
		if (err)
			return err;
		if (tb)
			tb[type] = a;
	}
	return rem > 0 ? -EINVAL : 0;
}

/* ---- the kernel's side: what mcg does with a request that passed ---- */

enum { EXP_STOP, EXP_SKIP, EXP_ERR, EXP_OK, EXP_DUMP };

struct action {
	struct mgroup g;	/* GROUP_NEW: the group; else .id names it */
	bool id_given;
	bool has_hop, has_win, has_uid, has_gid, has_mode, has_tx;
	uint8_t hop;
	uint32_t win, uid, gid, tx;
	uint16_t mode;
	struct mkey key;
};

struct expect {
	int kind;
	int err;
	bool retake;		/* a deleted group's address, port, interface */
	bool ack;		/* an ACK after EXP_SKIP or EXP_OK */
	bool reply;		/* a doit reply before it */
	bool extack;		/* an error that must say why */
	bool key_doit;		/* a KEY_NEW that reached mcg */
	bool doc_bad_name;	/* a name uapi.rst refuses, mcg_name_ok() not */
	int hole_err;		/* what mcg does with it (0: creates the group) */
	int cmd;		/* index into cmd_names */
	uint32_t get_id;	/* GET/STATS doit, STATS dump: the group's id */
	bool get_ns;		/* STATS_GET doit of the namespace */
	const uint8_t *msg;
	int len;
	struct action act;
};

/*
 * mcg_name_ok() of kmod/netlink.c: the kernel's isalnum() (lib/ctype.c)
 * takes the Latin-1 letters 0xc0-0xff too, but 0xd7 and 0xf7.
 */
static bool kernel_name_ok(const char *s)
{
	unsigned char c;

	if (!*s)
		return false;
	for (; *s; s++) {
		c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("_.-", c) ||
		      (c >= 0xc0 && c != 0xd7 && c != 0xf7)))
			return false;
	}
	return true;
}

/* The rule of uapi.rst: 1 to 15 of A-Z a-z 0-9 _ . - */
static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("_.-", *s)))
			return false;
	return true;
}

static bool addr_multicast(const uint8_t *a)
{
	return a[0] == 0xff;
}

static int check_group_addr(const uint8_t *a)
{
	static const uint8_t zero[13];
	unsigned int flags = a[1] >> 4, scope = a[1] & 0xf;

	if (!addr_multicast(a))
		return -EINVAL;
	if (scope == 0 || scope == 0xf || scope == 3 || scope == 1)
		return -EINVAL;
	if (flags & 1)		/* transient */
		return 0;
	if (!memcmp(a + 2, zero, 13) && a[15] <= 2)
		return -EINVAL;
	if (scope == 2 && !memcmp(a + 2, zero, 9) && a[11] == 1 && a[12] == 0xff)
		return -EINVAL;
	return 0;
}

static bool addr_is_ssm(const uint8_t *a)
{
	return a[0] == 0xff && (a[1] & 0xf0) == 0x30 && !a[2] && !a[3];
}

/* mcg_nl_group(): the group a request names. */
static int sim_group(const struct nlattr **tb, struct mgroup **out)
{
	struct mgroup *g = NULL, *by_id;

	if (!tb[MCG_A_GROUP_NAME] && !tb[MCG_A_GROUP_ID])
		return -EINVAL;
	if (tb[MCG_A_GROUP_NAME]) {
		g = m_by_name((const char *)a_data(tb[MCG_A_GROUP_NAME]));
		if (!g)
			return -ENOENT;
	}
	if (tb[MCG_A_GROUP_ID]) {
		by_id = m_by_id(get_u32(tb[MCG_A_GROUP_ID]));
		if (!by_id)
			return -ENOENT;
		if (g && g != by_id)
			return -EINVAL;
		g = by_id;
	}
	*out = g;
	return 0;
}

static int sim_ids(const struct nlattr **tb, struct action *act)
{
	if (tb[MCG_A_GROUP_UID]) {
		act->has_uid = true;
		act->uid = get_u32(tb[MCG_A_GROUP_UID]);
		if (act->uid == 0xffffffff)	/* (uid_t)-1 maps to nothing */
			return -EINVAL;
	}
	if (tb[MCG_A_GROUP_GID]) {
		act->has_gid = true;
		act->gid = get_u32(tb[MCG_A_GROUP_GID]);
		if (act->gid == 0xffffffff)
			return -EINVAL;
	}
	return 0;
}

static int sim_group_new_flow(const struct nlattr **tb, struct expect *x)
{
	struct mgroup *ng = &x->act.g, *other;
	const struct iface *ifc;
	const struct nlattr *a;
	int rem, err, i;

	if (!tb[MCG_A_GROUP_NAME] || !tb[MCG_A_GROUP_ADDR] || !tb[MCG_A_GROUP_IFINDEX])
		return -EINVAL;
	snprintf(ng->name, sizeof(ng->name), "%s", (const char *)a_data(tb[MCG_A_GROUP_NAME]));
	if (!kernel_name_ok(ng->name))
		return -EINVAL;
	x->doc_bad_name = !name_ok(ng->name);
	memcpy(&ng->addr, a_data(tb[MCG_A_GROUP_ADDR]), 16);
	err = check_group_addr(ng->addr.s6_addr);
	if (err)
		return err;
	ng->ifindex = get_u32(tb[MCG_A_GROUP_IFINDEX]);
	ifc = iface_by_index(ng->ifindex);
	if (!ifc || ng->ifindex > 0x7fffffff)
		return -ENODEV;
	if (!ifc->mcast)
		return -EINVAL;
	if (tb[MCG_A_GROUP_SOURCES]) {
		for_each_attr(a, a_data(tb[MCG_A_GROUP_SOURCES]),
			      a_plen(tb[MCG_A_GROUP_SOURCES]), rem) {
			const uint8_t *s = a_data(a);
			static const uint8_t any[16], lo[16] = { [15] = 1 };

			if (a_type(a) != MCG_A_SOURCE_ADDR)
				continue;
			if (ng->nsrc == MCG_MAX_SOURCES)
				return -E2BIG;
			if (addr_multicast(s) || !memcmp(s, any, 16) || !memcmp(s, lo, 16))
				return -EINVAL;
			for (i = 0; i < (int)ng->nsrc; i++)
				if (!memcmp(&ng->src[i], s, 16))
					return -EINVAL;
			memcpy(&ng->src[ng->nsrc++], s, 16);
		}
	}
	if (addr_is_ssm(ng->addr.s6_addr) && !ng->nsrc)
		return -EINVAL;
	if (tb[MCG_A_GROUP_WINDOW] && get_u32(tb[MCG_A_GROUP_WINDOW]) % 64)
		return -EINVAL;
	err = sim_ids(tb, &x->act);
	if (err)
		return err;
	ng->uid = x->act.has_uid ? x->act.uid : 0;
	ng->gid = x->act.has_gid ? x->act.gid : 0;
	ng->port = tb[MCG_A_GROUP_PORT] ? get_u16(tb[MCG_A_GROUP_PORT]) : MCG_DEFAULT_PORT;
	ng->hoplimit = tb[MCG_A_GROUP_HOPLIMIT] ? a_data(tb[MCG_A_GROUP_HOPLIMIT])[0] :
						  MCG_DEFAULT_HOPLIMIT;
	ng->window = tb[MCG_A_GROUP_WINDOW] ? get_u32(tb[MCG_A_GROUP_WINDOW]) :
					      MCG_DEFAULT_WINDOW;
	ng->mode = tb[MCG_A_GROUP_MODE] ? get_u16(tb[MCG_A_GROUP_MODE]) : MCG_DEFAULT_MODE;
	ng->sender = tb[MCG_A_GROUP_SENDER] ? get_u32(tb[MCG_A_GROUP_SENDER]) : 0;
	ng->sender_known = ng->sender != 0;
	ng->tx_auto = true;
	if (m_by_name(ng->name))
		return -EEXIST;
	x->act.id_given = tb[MCG_A_GROUP_ID];
	if (x->act.id_given) {
		ng->id = get_u32(tb[MCG_A_GROUP_ID]);
		if (m_by_id(ng->id))
			return -EEXIST;
	}
	/* Its UDP socket binds to (address, port) on the interface. */
	for (i = 0; i < MAXG; i++) {
		other = &model[i];
		if (other->used && other->port == ng->port && other->ifindex == ng->ifindex &&
		    !memcmp(&other->addr, &ng->addr, 16))
			return -EADDRINUSE;
	}
	x->retake = zombie_recent(&ng->addr, ng->port, ng->ifindex);
	return 0;
}

/*
 * A name of Latin-1 letters passes mcg_name_ok() (the kernel's isalnum()),
 * not the rule of uapi.rst: EINVAL is right; what mcg does instead is
 * noted, so that a policy hole is reported and followed.
 */
static int sim_group_new(const struct nlattr **tb, struct expect *x)
{
	int err = sim_group_new_flow(tb, x);

	if (!x->doc_bad_name)
		return err;
	x->hole_err = -err;
	return -EINVAL;
}

static int sim_group_set(const struct nlattr **tb, struct expect *x)
{
	struct mgroup *g;
	int err;

	if (tb[MCG_A_GROUP_WINDOW] && get_u32(tb[MCG_A_GROUP_WINDOW]) % 64)
		return -EINVAL;
	err = sim_group(tb, &g);
	if (err)
		return err;
	x->act.g.id = g->id;
	err = sim_ids(tb, &x->act);
	if (err)
		return err;
	if (tb[MCG_A_GROUP_TX_EPOCH]) {
		x->act.has_tx = true;
		x->act.tx = get_u32(tb[MCG_A_GROUP_TX_EPOCH]);
		if (x->act.tx && !m_key(g, x->act.tx))
			return -ENOENT;
	}
	if (tb[MCG_A_GROUP_HOPLIMIT]) {
		x->act.has_hop = true;
		x->act.hop = a_data(tb[MCG_A_GROUP_HOPLIMIT])[0];
	}
	if (tb[MCG_A_GROUP_WINDOW]) {
		x->act.has_win = true;
		x->act.win = get_u32(tb[MCG_A_GROUP_WINDOW]);
	}
	if (tb[MCG_A_GROUP_MODE]) {
		x->act.has_mode = true;
		x->act.mode = get_u16(tb[MCG_A_GROUP_MODE]);
	}
	return 0;
}

static int sim_key_new(const struct nlattr **tb, struct expect *x)
{
	const struct nlattr *kt[MCG_A_KEY_MAX + 1];
	struct mgroup *g;
	int err, klen;

	if (!tb[MCG_A_KEY])
		return -EINVAL;
	x->key_doit = true;
	parse(a_data(tb[MCG_A_KEY]), a_plen(tb[MCG_A_KEY]), MCG_A_KEY_MAX, key_new_pol, kt);
	if (!kt[MCG_A_KEY_EPOCH] || !kt[MCG_A_KEY_ALG] || !kt[MCG_A_KEY_MATERIAL])
		return -EINVAL;
	x->act.key.epoch = get_u32(kt[MCG_A_KEY_EPOCH]);
	x->act.key.alg = get_u32(kt[MCG_A_KEY_ALG]);
	x->act.key.rx_only = kt[MCG_A_KEY_RX_ONLY];
	klen = x->act.key.alg == MCG_ALG_AES_GCM_128 ? 16 : 32;
	if (a_plen(kt[MCG_A_KEY_MATERIAL]) != klen)
		return -EINVAL;
	x->act.key.mlen = klen;
	memcpy(x->act.key.material, a_data(kt[MCG_A_KEY_MATERIAL]), klen);
	err = sim_group(tb, &g);
	if (err)
		return err;
	x->act.g.id = g->id;
	if (m_key(g, x->act.key.epoch))
		return -EEXIST;
	if (g->nkeys == MCG_MAX_EPOCHS)
		return -ENOSPC;
	return 0;
}

static int sim_key_del(const struct nlattr **tb, struct expect *x)
{
	const struct nlattr *kt[MCG_A_KEY_MAX + 1];
	struct mgroup *g;
	int err;

	if (!tb[MCG_A_KEY])
		return -EINVAL;
	parse(a_data(tb[MCG_A_KEY]), a_plen(tb[MCG_A_KEY]), MCG_A_KEY_MAX, key_del_pol, kt);
	if (!kt[MCG_A_KEY_EPOCH])
		return -EINVAL;
	x->act.key.epoch = get_u32(kt[MCG_A_KEY_EPOCH]);
	err = sim_group(tb, &g);
	if (err)
		return err;
	x->act.g.id = g->id;
	return m_key(g, x->act.key.epoch) ? 0 : -ENOENT;
}

static void x_err(struct expect *x, int err, bool extack)
{
	x->kind = EXP_ERR;
	x->err = err;
	x->extack = extack;
}

/* A dump of this datagram still runs: its end comes when we read. */
static bool dumping;
static bool genl_split_ops;	/* the running kernel is 6.2 or later */

static int kernel_at_least(int maj, int min, bool *yes)
{
	struct utsname u;
	int a, b;

	if (uname(&u) || sscanf(u.release, "%d.%d", &a, &b) != 2) {
		fprintf(stderr, "mcg_nlfuzz: cannot read the kernel release\n");
		return -1;
	}
	*yes = a > maj || (a == maj && b >= min);
	return 0;
}

/*
 * What the kernel does with the message at @m, of at most @rem bytes:
 * netlink_rcv_skb(), genl_rcv_msg(), genl_family_rcv_msg(), then mcg.
 */
static void sim(const uint8_t *m, int rem, bool priv, struct expect *x)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)m;
	const struct genlmsghdr *gh = (const struct genlmsghdr *)(m + NLMSG_HDRLEN);
	const struct nlattr *tb[MCG_A_MAX + 1];
	const struct op *op;
	struct mgroup *g;
	uint16_t flags;
	int err;

	memset(x, 0, sizeof(*x));
	x->msg = m;
	x->cmd = NCMD - 1;
	if (rem < NLMSG_HDRLEN || h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > (uint32_t)rem) {
		x->kind = EXP_STOP;
		return;
	}
	x->len = h->nlmsg_len;
	x->ack = h->nlmsg_flags & NLM_F_ACK;
	if (!(h->nlmsg_flags & NLM_F_REQUEST) || h->nlmsg_type < NLMSG_MIN_TYPE) {
		x->kind = EXP_SKIP;
		return;
	}
	if (h->nlmsg_type != family) {
		x_err(x, ENOENT, false);
		return;
	}
	if (h->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) {
		x_err(x, EINVAL, false);
		return;
	}
	x->cmd = gh->cmd < NCMD - 1 ? gh->cmd : NCMD - 1;
	if (gh->reserved) {
		x_err(x, EINVAL, true);
		return;
	}
	flags = h->nlmsg_flags;
	if ((flags & NLM_F_DUMP) == NLM_F_DUMP)
		flags &= ~NLM_F_DUMP;
	if (flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)) {
		x_err(x, EINVAL, true);
		return;
	}
	op = op_find(gh->cmd);
	if (!op) {
		x_err(x, EOPNOTSUPP, false);
		return;
	}
	/*
	 * Since 6.2 genetlink looks a command up as a do or a dump (split
	 * ops), so a dump of a do-only command is EOPNOTSUPP before the
	 * permission check; 6.1 checks the permission first.
	 */
	if (genl_split_ops && (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP && !op->dumpit) {
		x_err(x, EOPNOTSUPP, false);
		return;
	}
	if (op->admin && !priv) {
		x_err(x, EPERM, false);
		return;
	}
	if ((h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP && !op->dumpit) {
		x_err(x, EOPNOTSUPP, false);
		return;
	}
	/* A dump that did not end in its first part holds the socket. */
	if ((h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP && dumping) {
		x_err(x, EBUSY, false);
		return;
	}
	err = parse(m + NLMSG_HDRLEN + GENL_HDRLEN, h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN,
		    op->maxattr, op->pol, tb);
	if (err) {
		x_err(x, -err, true);
		return;
	}
	if ((h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP) {
		x->kind = EXP_DUMP;
		/*
		 * A STATS_GET dump may name one group, looked up as a doit
		 * does; an error ends the dump at once, in its NLMSG_DONE.
		 */
		if (gh->cmd == MCG_CMD_STATS_GET &&
		    (tb[MCG_A_GROUP_NAME] || tb[MCG_A_GROUP_ID])) {
			err = sim_group(tb, &g);
			x->err = -err;
			if (!err)
				x->get_id = g->id;
			dumping = !err;
			return;
		}
		dumping = m_ngroups() > 0;
		return;
	}
	switch (gh->cmd) {
	case MCG_CMD_GROUP_NEW:
		err = sim_group_new(tb, x);
		break;
	case MCG_CMD_GROUP_SET:
		err = sim_group_set(tb, x);
		break;
	case MCG_CMD_GROUP_DEL:
		err = sim_group(tb, &g);
		if (!err)
			x->act.g.id = g->id;
		break;
	case MCG_CMD_GROUP_GET:
		err = sim_group(tb, &g);
		if (!err) {
			x->reply = true;
			x->get_id = g->id;
		}
		break;
	case MCG_CMD_KEY_NEW:
		err = sim_key_new(tb, x);
		break;
	case MCG_CMD_KEY_DEL:
		err = sim_key_del(tb, x);
		break;
	case MCG_CMD_STATS_GET:
		x->reply = true;
		x->get_ns = true;
		if (tb[MCG_A_GROUP_NAME] || tb[MCG_A_GROUP_ID]) {
			x->get_ns = false;
			err = sim_group(tb, &g);
			if (!err)
				x->get_id = g->id;
		}
		break;
	case MCG_CMD_FLUSH:
		break;
	}
	if (err) {
		x_err(x, -err, true);
		return;
	}
	x->kind = EXP_OK;
}

/* What an accepted request did; the group it changed, if one still is. */
static struct mgroup *apply(const struct expect *x)
{
	const struct action *act = &x->act;
	struct mgroup *g = m_by_id(act->g.id);
	struct mkey *k;
	int i;

	switch (x->cmd) {
	case MCG_CMD_GROUP_NEW:
		for (i = 0; i < MAXG && model[i].used; i++)
			;
		if (i == MAXG) {
			fail("the model is full (%d groups)", MAXG);
			return NULL;
		}
		model[i] = act->g;
		if (!act->id_given)
			model[i].id = m_lowest_free_id();
		model[i].used = true;
		g = &model[i];
		st.g_new++;
		break;
	case MCG_CMD_GROUP_SET:
		if (!g)
			return NULL;
		if (act->has_tx && !act->tx) {
			g->tx_auto = true;
		} else if (act->has_tx) {
			/* An explicit choice sends with it, rx_only or not. */
			k = m_key(g, act->tx);
			if (k)
				k->rx_only = false;
			g->tx_auto = false;
			g->tx_epoch = act->tx;
		}
		if (act->has_hop)
			g->hoplimit = act->hop;
		if (act->has_win)
			g->window = act->win;
		if (act->has_mode)
			g->mode = act->mode;
		if (act->has_uid)
			g->uid = act->uid;
		if (act->has_gid)
			g->gid = act->gid;
		st.sets++;
		break;
	case MCG_CMD_GROUP_DEL:
		if (!g)
			return NULL;
		zombie_add(g);
		g->used = false;
		g = NULL;
		st.g_del++;
		break;
	case MCG_CMD_KEY_NEW:
		if (!g || g->nkeys == MCG_MAX_EPOCHS)
			return NULL;
		g->keys[g->nkeys++] = act->key;
		st.k_new++;
		break;
	case MCG_CMD_KEY_DEL:
		if (!g)
			return NULL;
		k = m_key(g, act->key.epoch);
		if (!k)
			return NULL;
		/* Losing the sending key falls back to the newest. */
		if (!g->tx_auto && g->tx_epoch == k->epoch)
			g->tx_auto = true;
		*k = g->keys[--g->nkeys];
		st.k_del++;
		break;
	case MCG_CMD_FLUSH:
		for (i = 0; i < MAXG; i++) {
			if (model[i].used)
				zombie_add(&model[i]);
			model[i].used = false;
		}
		st.flushed++;
		break;
	}
	if (m_ngroups() > st.max_groups)
		st.max_groups = m_ngroups();
	if (m_nkeys() > st.max_keys)
		st.max_keys = m_nkeys();
	return g;
}

/* ---- netlink I/O ---- */

/* What a socket had queued: replies, or events. */
struct rxq {
	int n, len;
	const struct nlmsghdr *msg[RXMSGS];
	uint8_t buf[RXMAX];
};

static struct rxq rq, eq;
#define rxmsg rq.msg
#define nrx rq.n

static int nl_open(uint32_t *pid)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t sl = sizeof(sa);
	int one = 1, big = 1 << 20, fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	/* Root may go past rmem_max; nobody gets the default, enough too. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl)) {
		close(fd);
		return -1;
	}
	*pid = sa.nl_pid;
	return fd;
}

/*
 * Every reply: the kernel handles a request inside sendmsg(), and each
 * recvmsg() of a dump queues its next part, so what is not in the queue
 * once it is empty will never come.
 */
static int drain_into(int fd, struct rxq *q)
{
	static uint8_t dg[65536];
	const struct nlmsghdr *h;
	ssize_t n;
	int rem;

	q->n = 0;
	q->len = 0;
	for (;;) {
		n = recv(fd, dg, sizeof(dg), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0) {
			fail("recv: %s", strerror(errno));
			return -1;
		}
		if (n > (ssize_t)sizeof(dg)) {
			fail("a reply datagram of %zd bytes", n);
			return -1;
		}
		rem = n;
		for (h = (const struct nlmsghdr *)dg; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem)) {
			if (q->n == RXMSGS || q->len + NLMSG_ALIGN(h->nlmsg_len) > RXMAX) {
				fail("more than %d messages at once", RXMSGS);
				return -1;
			}
			memcpy(q->buf + q->len, h, h->nlmsg_len);
			q->msg[q->n++] = (const struct nlmsghdr *)(q->buf + q->len);
			q->len += NLMSG_ALIGN(h->nlmsg_len);
		}
		if (rem > 0) {
			fail("a reply datagram with %d bytes of no message", rem);
			return -1;
		}
	}
}

static int ev_fd = -1;		/* subscribed to "events" */

static int drain(int fd)
{
	return drain_into(fd, &rq);
}

static int nl_send(int fd, const uint8_t *buf, int len)
{
	if (send(fd, buf, len, 0) != len) {
		fail("send: %s", strerror(errno));
		return -1;
	}
	st.sent++;
	return 0;
}

static uint32_t events_grp;	/* the id of mcg's multicast group "events" */

/* The id of multicast group @name in a CTRL_ATTR_MCAST_GROUPS nest. */
static uint32_t mcast_group(const struct nlattr *nest, const char *name)
{
	const struct nlattr *g, *m;
	uint32_t id, found = 0;
	int rem, rem2;
	bool match;

	for_each_attr(g, a_data(nest), a_plen(nest), rem) {
		id = 0;
		match = false;
		for_each_attr(m, a_data(g), a_plen(g), rem2) {
			if (a_type(m) == CTRL_ATTR_MCAST_GRP_ID && a_plen(m) == 4)
				id = get_u32(m);
			if (a_type(m) == CTRL_ATTR_MCAST_GRP_NAME && a_plen(m) > 0 &&
			    !a_data(m)[a_plen(m) - 1] && !strcmp((const char *)a_data(m), name))
				match = true;
		}
		if (match)
			found = id;
	}
	return found;
}

static int resolve(int fd, const char *name, uint16_t id)
{
	uint8_t buf[256];
	struct req *r = calloc(1, sizeof(*r));
	const struct nlmsghdr *h;
	const struct nlattr *a;
	int len, rem, i, got = -1;

	if (!r)
		return -1;
	req_init(r, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	r->nltype = GENL_ID_CTRL;
	r->version = 1;
	if (name)
		put(r, NULL, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	else
		put(r, NULL, CTRL_ATTR_FAMILY_ID, &id, 2);
	len = encode(r, buf, sizeof(buf));
	free(r);
	if (send(fd, buf, len, 0) != len || drain(fd))
		return -1;
	for (i = 0; i < nrx; i++) {
		h = rxmsg[i];
		if (h->nlmsg_type == NLMSG_ERROR) {
			int e = ((const struct nlmsgerr *)NLMSG_DATA(h))->error;

			if (e)
				return e;
			continue;
		}
		if (h->nlmsg_type != GENL_ID_CTRL)
			continue;
		for_each_attr(a, (const uint8_t *)NLMSG_DATA(h) + GENL_HDRLEN,
			      h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), rem) {
			if (a_type(a) == CTRL_ATTR_FAMILY_ID && a_plen(a) >= 2)
				got = get_u16(a);
			if (a_type(a) == CTRL_ATTR_MCAST_GROUPS && name)
				events_grp = mcast_group(a, MCG_GENL_MCGRP_EVENTS);
		}
	}
	return got;
}

/* ---- replies: parsing and checks ---- */

struct rkey {
	uint32_t epoch, alg;
	bool rx_only, sending;
};

struct rgroup {
	uint32_t id;
	char name[64];
	uint8_t addr[16];
	uint16_t port;
	uint32_t ifindex;
	uint8_t hoplimit;
	uint32_t window, sender, uid, gid, tx;
	uint16_t mode;
	bool tx_auto, has_ifname;
	char ifname[64];
	int nsrc;
	uint8_t src[MCG_MAX_SOURCES + 1][16];
	int nkeys;
	struct rkey keys[MCG_MAX_EPOCHS + 1];
};

#define BIT(n) (1u << (n))

/* A reported key: epoch, alg, counters, flags; nothing else. */
static int parse_key(const struct nlattr *nest, struct rkey *k, char *why)
{
	const struct nlattr *a;
	unsigned int seen = 0;
	int rem, t;

	for_each_attr(a, a_data(nest), a_plen(nest), rem) {
		t = a_type(a);
		switch (t) {
		case MCG_A_KEY_EPOCH:
		case MCG_A_KEY_ALG:
			if (a_plen(a) != 4)
				goto bad;
			if (t == MCG_A_KEY_EPOCH)
				k->epoch = get_u32(a);
			else
				k->alg = get_u32(a);
			break;
		case MCG_A_KEY_CREATED:
		case MCG_A_KEY_TX_PACKETS:
		case MCG_A_KEY_RX_PACKETS:
			if (a_plen(a) != 8)
				goto bad;
			if (t != MCG_A_KEY_CREATED && get_u64(a))
				goto bad;	/* no traffic here */
			break;
		case MCG_A_KEY_PAD:
			break;
		case MCG_A_KEY_RX_ONLY:
		case MCG_A_KEY_SENDING:
			if (a_plen(a))
				goto bad;
			if (t == MCG_A_KEY_RX_ONLY)
				k->rx_only = true;
			else
				k->sending = true;
			break;
		default:
			goto bad;
		}
		if (t != MCG_A_KEY_PAD && (seen & BIT(t)))
			goto bad;
		seen |= BIT(t);
	}
	if (rem > 0) {
		sprintf(why, "key nest: %d bytes left over", rem);
		return -1;
	}
	if ((seen & (BIT(MCG_A_KEY_EPOCH) | BIT(MCG_A_KEY_ALG) | BIT(MCG_A_KEY_CREATED))) !=
	    (BIT(MCG_A_KEY_EPOCH) | BIT(MCG_A_KEY_ALG) | BIT(MCG_A_KEY_CREATED))) {
		sprintf(why, "key nest without epoch, alg or created");
		return -1;
	}
	return 0;
bad:
	sprintf(why, "key nest: attribute %d of %d bytes", t, a_plen(a));
	return -1;
}

static int parse_group(const struct nlmsghdr *h, struct rgroup *rg, char *why)
{
	static const int lens[] = {
		[MCG_A_GROUP_ID] = 4, [MCG_A_GROUP_ADDR] = 16, [MCG_A_GROUP_PORT] = 2,
		[MCG_A_GROUP_IFINDEX] = 4, [MCG_A_GROUP_HOPLIMIT] = 1,
		[MCG_A_GROUP_WINDOW] = 4, [MCG_A_GROUP_SENDER] = 4, [MCG_A_GROUP_UID] = 4,
		[MCG_A_GROUP_GID] = 4, [MCG_A_GROUP_MODE] = 2, [MCG_A_GROUP_TX_EPOCH] = 4,
		[MCG_A_GROUP_TX_EPOCH_AUTO] = 0, [MCG_A_MAX] = 0,
	};
	const unsigned int need = BIT(MCG_A_GROUP_NAME) | BIT(MCG_A_GROUP_ID) |
		BIT(MCG_A_GROUP_ADDR) | BIT(MCG_A_GROUP_PORT) | BIT(MCG_A_GROUP_IFINDEX) |
		BIT(MCG_A_GROUP_HOPLIMIT) | BIT(MCG_A_GROUP_WINDOW) |
		BIT(MCG_A_GROUP_SENDER) | BIT(MCG_A_GROUP_UID) | BIT(MCG_A_GROUP_GID) |
		BIT(MCG_A_GROUP_MODE) | BIT(MCG_A_GROUP_TX_EPOCH) | BIT(MCG_A_GROUP_KEYS);
	const struct nlattr *a, *s;
	unsigned int seen = 0;
	int rem, rem2, t;

	memset(rg, 0, sizeof(*rg));
	for_each_attr(a, (const uint8_t *)NLMSG_DATA(h) + GENL_HDRLEN,
		      (int)h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), rem) {
		t = a_type(a);
		if (t > MCG_A_MAX || (seen & BIT(t))) {
			sprintf(why, "attribute %d unknown or twice", t);
			return -1;
		}
		seen |= BIT(t);
		switch (t) {
		case MCG_A_GROUP_NAME:
		case MCG_A_GROUP_IFNAME:
			if (a_plen(a) < 2 || a_plen(a) > 17 || a_data(a)[a_plen(a) - 1] ||
			    strlen((const char *)a_data(a)) != (size_t)a_plen(a) - 1) {
				sprintf(why, "a name attribute of %d bytes", a_plen(a));
				return -1;
			}
			if (t == MCG_A_GROUP_NAME)
				strcpy(rg->name, (const char *)a_data(a));
			else
				strcpy(rg->ifname, (const char *)a_data(a));
			rg->has_ifname |= t == MCG_A_GROUP_IFNAME;
			continue;
		case MCG_A_GROUP_SOURCES:
			for_each_attr(s, a_data(a), a_plen(a), rem2) {
				if (a_type(s) != MCG_A_SOURCE_ADDR || a_plen(s) != 16 ||
				    rg->nsrc > MCG_MAX_SOURCES) {
					sprintf(why, "a bad source");
					return -1;
				}
				memcpy(rg->src[rg->nsrc++], a_data(s), 16);
			}
			if (rem2 > 0 || !rg->nsrc) {
				sprintf(why, "a bad sources nest");
				return -1;
			}
			continue;
		case MCG_A_GROUP_KEYS:
			for_each_attr(s, a_data(a), a_plen(a), rem2) {
				if (a_type(s) != MCG_A_KEYS_KEY || rg->nkeys > MCG_MAX_EPOCHS) {
					sprintf(why, "a bad keys nest");
					return -1;
				}
				if (parse_key(s, &rg->keys[rg->nkeys++], why))
					return -1;
			}
			if (rem2 > 0) {
				sprintf(why, "a bad keys nest");
				return -1;
			}
			continue;
		case MCG_A_GROUP_ID: case MCG_A_GROUP_ADDR: case MCG_A_GROUP_PORT:
		case MCG_A_GROUP_IFINDEX: case MCG_A_GROUP_HOPLIMIT: case MCG_A_GROUP_WINDOW:
		case MCG_A_GROUP_SENDER: case MCG_A_GROUP_UID: case MCG_A_GROUP_GID:
		case MCG_A_GROUP_MODE: case MCG_A_GROUP_TX_EPOCH:
		case MCG_A_GROUP_TX_EPOCH_AUTO:
			if (a_plen(a) != lens[t]) {
				sprintf(why, "attribute %d of %d bytes", t, a_plen(a));
				return -1;
			}
			break;
		default:
			sprintf(why, "attribute %d in a group", t);
			return -1;
		}
		switch (t) {
		case MCG_A_GROUP_ID: rg->id = get_u32(a); break;
		case MCG_A_GROUP_ADDR: memcpy(rg->addr, a_data(a), 16); break;
		case MCG_A_GROUP_PORT: rg->port = get_u16(a); break;
		case MCG_A_GROUP_IFINDEX: rg->ifindex = get_u32(a); break;
		case MCG_A_GROUP_HOPLIMIT: rg->hoplimit = a_data(a)[0]; break;
		case MCG_A_GROUP_WINDOW: rg->window = get_u32(a); break;
		case MCG_A_GROUP_SENDER: rg->sender = get_u32(a); break;
		case MCG_A_GROUP_UID: rg->uid = get_u32(a); break;
		case MCG_A_GROUP_GID: rg->gid = get_u32(a); break;
		case MCG_A_GROUP_MODE: rg->mode = get_u16(a); break;
		case MCG_A_GROUP_TX_EPOCH: rg->tx = get_u32(a); break;
		case MCG_A_GROUP_TX_EPOCH_AUTO: rg->tx_auto = true; break;
		}
	}
	if (rem > 0) {
		sprintf(why, "%d bytes left over", rem);
		return -1;
	}
	if ((seen & need) != need) {
		sprintf(why, "attributes missing (have %#x, need %#x)", seen, need);
		return -1;
	}
	return 0;
}

/* A name for the log: other bytes than printable ASCII as \xNN. */
static const char *esc(const char *s)
{
	static char buf[4][80];
	static int k;
	char *p;

	k = (k + 1) % 4;
	for (p = buf[k]; *s && p < buf[k] + sizeof(buf[k]) - 5; s++)
		p += sprintf(p, *s > ' ' && *s < 0x7f && *s != '\\' ? "%c" : "\\x%02x",
			     (unsigned char)*s);
	*p = 0;
	return buf[k];
}

static const char *addr_str(const void *a)
{
	static char s[4][INET6_ADDRSTRLEN];
	static int i;

	i = (i + 1) % 4;
	return inet_ntop(AF_INET6, a, s[i], sizeof(s[i]));
}

/* The model's group @g against the kernel's @rg: every field. */
static int cmp_group(struct mgroup *g, const struct rgroup *rg, bool learn, const char *what)
{
	const struct iface *ifc = iface_by_index(g->ifindex);
	char diff[1024] = "";
	int n = 0, i;
	uint32_t tx = m_tx(g);

#define DIFF(fmt, ...)							\
	(n += snprintf(diff + n, n < (int)sizeof(diff) ? sizeof(diff) - n : 0,	\
		       fmt, __VA_ARGS__))
	if (strcmp(g->name, rg->name))
		DIFF(" name %s/%s", esc(g->name), esc(rg->name));
	if (memcmp(&g->addr, rg->addr, 16))
		DIFF(" addr %s/%s", addr_str(&g->addr), addr_str(rg->addr));
	if (g->port != rg->port)
		DIFF(" port %u/%u", g->port, rg->port);
	if (g->ifindex != rg->ifindex)
		DIFF(" ifindex %u/%u", g->ifindex, rg->ifindex);
	if (!ifc || !rg->has_ifname || strcmp(ifc->name, rg->ifname))
		DIFF(" ifname %s/%s", ifc ? ifc->name : "-", rg->has_ifname ? rg->ifname : "-");
	if (g->hoplimit != rg->hoplimit)
		DIFF(" hoplimit %u/%u", g->hoplimit, rg->hoplimit);
	if (g->window != rg->window)
		DIFF(" window %u/%u", g->window, rg->window);
	if (g->uid != rg->uid)
		DIFF(" uid %u/%u", g->uid, rg->uid);
	if (g->gid != rg->gid)
		DIFF(" gid %u/%u", g->gid, rg->gid);
	if (g->mode != rg->mode)
		DIFF(" mode %#o/%#o", g->mode, rg->mode);
	if (!rg->sender)
		DIFF(" sender 0%s", "");
	if (g->sender_known && g->sender != rg->sender)
		DIFF(" sender %u/%u", g->sender, rg->sender);
	if (g->nsrc != (unsigned int)rg->nsrc)
		DIFF(" sources %u/%d", g->nsrc, rg->nsrc);
	else
		for (i = 0; i < rg->nsrc; i++)
			if (memcmp(&g->src[i], rg->src[i], 16))
				DIFF(" source %s/%s", addr_str(&g->src[i]), addr_str(rg->src[i]));
	if (tx != rg->tx)
		DIFF(" tx_epoch %u/%u", tx, rg->tx);
	if (g->tx_auto != rg->tx_auto)
		DIFF(" tx_auto %d/%d", g->tx_auto, rg->tx_auto);
	if (g->nkeys != rg->nkeys)
		DIFF(" keys %d/%d", g->nkeys, rg->nkeys);
	for (i = 0; i < rg->nkeys; i++) {
		const struct rkey *rk = &rg->keys[i];
		struct mkey *k = m_key(g, rk->epoch);

		if (!k) {
			DIFF(" key %u/extra", rk->epoch);
			continue;
		}
		if (k->alg != rk->alg)
			DIFF(" key %u alg %u/%u", rk->epoch, k->alg, rk->alg);
		if (k->rx_only != rk->rx_only)
			DIFF(" key %u rx_only %d/%d", rk->epoch, k->rx_only, rk->rx_only);
		if (rk->sending != (rk->epoch == tx))
			DIFF(" key %u sending %d/%d", rk->epoch, rk->epoch == tx, rk->sending);
	}
	for (i = 0; i < g->nkeys; i++) {
		int j;

		for (j = 0; j < rg->nkeys && rg->keys[j].epoch != g->keys[i].epoch; j++)
			;
		if (j == rg->nkeys)
			DIFF(" key %u/missing", g->keys[i].epoch);
	}
#undef DIFF
	if (n) {
		fail("group %u differs in %s (model/kernel):%s", g->id, what, diff);
		return 1;
	}
	if (learn && !g->sender_known) {
		g->sender = rg->sender;
		g->sender_known = true;
	}
	return 0;
}

/* The model becomes what the kernel reports, after a difference. */
static void resync(const struct rgroup *rg, int n)
{
	int i, j;

	memset(model, 0, sizeof(model));
	for (i = 0; i < n && i < MAXG; i++) {
		struct mgroup *g = &model[i];

		g->used = true;
		g->id = rg[i].id;
		snprintf(g->name, sizeof(g->name), "%.15s", rg[i].name);
		memcpy(&g->addr, rg[i].addr, 16);
		g->port = rg[i].port;
		g->ifindex = rg[i].ifindex;
		g->nsrc = rg[i].nsrc > MCG_MAX_SOURCES ? MCG_MAX_SOURCES : rg[i].nsrc;
		memcpy(g->src, rg[i].src, g->nsrc * 16);
		g->hoplimit = rg[i].hoplimit;
		g->window = rg[i].window;
		g->sender = rg[i].sender;
		g->sender_known = true;
		g->uid = rg[i].uid;
		g->gid = rg[i].gid;
		g->mode = rg[i].mode;
		g->tx_auto = rg[i].tx_auto;
		g->tx_epoch = rg[i].tx;
		g->nkeys = rg[i].nkeys > MCG_MAX_EPOCHS ? MCG_MAX_EPOCHS : rg[i].nkeys;
		for (j = 0; j < g->nkeys; j++) {
			g->keys[j].epoch = rg[i].keys[j].epoch;
			g->keys[j].alg = rg[i].keys[j].alg;
			g->keys[j].rx_only = rg[i].keys[j].rx_only;
			g->keys[j].mlen = 0;
		}
	}
}

/* Does any 8-byte piece of a known key's material occur in @p? */
static const char *material_in(const uint8_t *p, int len, const struct mkey *k)
{
	int off;

	for (off = 0; k->mlen && off + 8 <= k->mlen; off += 8)
		if (memmem(p, len, k->material + off, 8))
			return "key material";
	return NULL;
}

static int material_in_model(const uint8_t *p, int len)
{
	int i, j;

	for (i = 0; i < MAXG; i++)
		for (j = 0; model[i].used && j < model[i].nkeys; j++)
			if (material_in(p, len, &model[i].keys[j]))
				return 1;
	return 0;
}

/* A GROUP_GET dump's messages, rxmsg[idx[0..n-1]], against the model. */
static int compare_dump(const int *idx, int nidx, bool learn, const char *when)
{
	static struct rgroup rg[MAXG * 2];
	int i, n = 0, bad = 0;
	char why[256];
	struct mgroup *g;

	for (i = 0; i < nidx; i++) {
		const struct nlmsghdr *h = rxmsg[idx[i]];

		if (n == MAXG * 2) {
			fail("%s: more than %d groups", when, MAXG * 2);
			return 1;
		}
		if (parse_group(h, &rg[n], why)) {
			fail("%s: a malformed group: %s", when, why);
			return 1;
		}
		if (material_in_model((const uint8_t *)h, h->nlmsg_len))
			bad += (fail("%s: key material in the dump", when), 1);
		if (n && rg[n].id <= rg[n - 1].id)
			bad += (fail("%s: id %u after %u", when, rg[n].id, rg[n - 1].id), 1);
		n++;
	}
	for (i = 0; i < n; i++) {
		g = m_by_id(rg[i].id);
		if (!g) {
			bad += (fail("%s: group %u (%s) exists, not in the model", when,
				     rg[i].id, esc(rg[i].name)), 1);
			continue;
		}
		bad += cmp_group(g, &rg[i], learn, when);
	}
	for (i = 0; i < MAXG; i++) {
		int j;

		if (!model[i].used)
			continue;
		for (j = 0; j < n && rg[j].id != model[i].id; j++)
			;
		if (j == n)
			bad += (fail("%s: group %u (%s) of the model is missing", when,
				     model[i].id, esc(model[i].name)), 1);
	}
	if (bad) {
		printf("  the model follows the kernel from here\n");
		resync(rg, n);
	}
	return bad;
}

/* A clean GROUP_GET dump compared with the model. */
static int compare(int fd, const char *when)
{
	static int idx[RXMSGS];
	uint8_t buf[64];
	struct req r;
	int len, i, n = 0, last = -1;

	st.compares++;
	if (opt.dry)
		return 0;
	req_init(&r, MCG_CMD_GROUP_GET, NLM_F_DUMP);
	len = encode(&r, buf, sizeof(buf));
	if (nl_send(fd, buf, len) || drain(fd))
		return 1;
	st.sent--;
	for (i = 0; i < nrx; i++) {
		if (rxmsg[i]->nlmsg_type == NLMSG_DONE) {
			last = i;
			break;
		}
		if (rxmsg[i]->nlmsg_type != family || !(rxmsg[i]->nlmsg_flags & NLM_F_MULTI)) {
			fail("%s: the dump has a message of type %d", when, rxmsg[i]->nlmsg_type);
			return 1;
		}
		idx[n++] = i;
	}
	if (last < 0 || last != nrx - 1) {
		fail("%s: the dump did not end with one NLMSG_DONE", when);
		return 1;
	}
	return compare_dump(idx, n, true, when);
}

/* ---- checking the replies of one message ---- */

struct got {
	bool ack;		/* an NLMSG_ERROR came */
	int err;
	const struct nlmsghdr *errmsg;
	bool done;
	int done_at;
	int ndata;
	int data[RXMSGS];	/* indices of its data messages */
};

static bool used[RXMSGS];

/*
 * The replies of the message @x describes.  They need not be next to
 * each other: a dump's first part comes at once, its end only when the
 * socket is read, after the replies of the messages that followed it in
 * the datagram.  A data message or NLMSG_DONE carries the request's
 * sequence number, an error or ACK the request's header.
 */
static void take(const struct expect *x, struct got *gt)
{
	const struct nlmsghdr *req = (const struct nlmsghdr *)x->msg;
	int i;

	gt->ack = gt->done = false;
	gt->err = gt->ndata = 0;
	gt->errmsg = NULL;
	for (i = 0; i < nrx && !gt->ack && !gt->done; i++) {
		const struct nlmsghdr *h = rxmsg[i];

		if (used[i])
			continue;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) ||
			    memcmp(&e->msg, req, sizeof(*req)))
				continue;	/* another message's */
			gt->ack = true;
			gt->err = e->error;
			gt->errmsg = h;
		} else if (h->nlmsg_seq != req->nlmsg_seq) {
			continue;
		} else if (h->nlmsg_type == NLMSG_DONE) {
			gt->done = true;
			gt->done_at = i;
		} else if (h->nlmsg_type == family) {
			gt->data[gt->ndata++] = i;
		} else {
			continue;
		}
		used[i] = true;
	}
}

static const char *ename(int e)
{
	static char s[32];

	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case ENOSPC: return "ENOSPC";
	case E2BIG: return "E2BIG";
	case ENODEV: return "ENODEV";
	case EPERM: return "EPERM";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EADDRINUSE: return "EADDRINUSE";
	case ENOPKG: return "ENOPKG";
	case ENOMEM: return "ENOMEM";
	case EMSGSIZE: return "EMSGSIZE";
	case EBUSY: return "EBUSY";
	case ENODATA: return "ENODATA";
	}
	snprintf(s, sizeof(s), "errno %d", e);
	return s;
}

/*
 * Zero MCG_A_KEY_MATERIAL inside the MCG_A_KEY nests of a request copy:
 * every nest (uapi.rst: no echo of a request that reached mcg carries
 * material), or only the last (what mcg_zero_material() does).
 */
static void zero_materials(uint8_t *m, int len, bool all)
{
	const struct nlattr *a, *k, *last = NULL;
	int rem, rem2;

	for_each_attr(a, m + NLMSG_HDRLEN + GENL_HDRLEN, len - NLMSG_HDRLEN - GENL_HDRLEN, rem) {
		if (a_type(a) != MCG_A_KEY)
			continue;
		last = a;
		if (!all)
			continue;
		for_each_attr(k, a_data(a), a_plen(a), rem2)
			if (a_type(k) == MCG_A_KEY_MATERIAL)
				memset((uint8_t *)a_data(k), 0, a_plen(k));
	}
	if (!all && last)
		for_each_attr(k, a_data(last), a_plen(last), rem2)
			if (a_type(k) == MCG_A_KEY_MATERIAL)
				memset((uint8_t *)a_data(k), 0, a_plen(k));
}

/* An error reply: the request echoed, then what extack says. */
static void check_error(const struct expect *x, const struct got *gt)
{
	const struct nlmsghdr *h = gt->errmsg;
	const struct nlmsgerr *e = NLMSG_DATA(h);
	static uint8_t want[MSGMAX];
	int echo = 0, off, rem;
	const struct nlattr *a;
	bool msg = false, miss = false;

	if (gt->err == 0)
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		echo = x->len - NLMSG_HDRLEN;
	off = NLMSG_LENGTH(sizeof(*e)) + NLMSG_ALIGN(echo);
	if ((int)h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) + echo) {
		fail("an error reply of %u bytes echoes %d", h->nlmsg_len, echo);
		return;
	}
	if (echo) {
		memcpy(want, x->msg, x->len);
		if (x->key_doit)
			zero_materials(want, x->len, true);
		if (memcmp((const uint8_t *)(e + 1), want + NLMSG_HDRLEN, echo)) {
			memcpy(want, x->msg, x->len);
			zero_materials(want, x->len, false);
			if (x->key_doit &&
			    !memcmp((const uint8_t *)(e + 1), want + NLMSG_HDRLEN, echo))
				fail("key material of a %s that reached mcg came back in its "
				     "error echo (%s): an MCG_A_KEY before the last",
				     cmd_names[x->cmd], ename(-gt->err));
			else
				fail("the error echo is not the request");
			hexdump("request", x->msg, x->len);
			hexdump("echo", (const uint8_t *)&e->msg, echo + NLMSG_HDRLEN);
		}
	}
	for_each_attr(a, (const uint8_t *)h + off, (int)h->nlmsg_len - off, rem) {
		switch (a_type(a)) {
		case NLMSGERR_ATTR_MSG:
			if (!a_plen(a) || a_data(a)[a_plen(a) - 1] || !a_data(a)[0])
				fail("a malformed extack message");
			msg = true;
			if (opt.verbose)
				printf("  extack: %s\n", (const char *)a_data(a));
			break;
		case NLMSGERR_ATTR_OFFS:
		case NLMSGERR_ATTR_MISS_NEST:
			if (a_plen(a) != 4 || get_u32(a) < NLMSG_HDRLEN + GENL_HDRLEN ||
			    get_u32(a) >= (uint32_t)x->len)
				fail("extack offset %u outside the request of %d bytes",
				     a_plen(a) == 4 ? get_u32(a) : 0, x->len);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			miss = true;
			break;
		}
	}
	if (rem > 0)
		fail("%d bytes left over in an error reply", rem);
	if (x->extack && !msg && !miss) {
		fail("%s for %s without an extack message or missing attribute",
		     ename(-gt->err), cmd_names[x->cmd]);
		hexdump("request", x->msg, x->len);
	}
}

/* A GET or STATS_GET doit reply. */
static void check_reply(const struct expect *x, const struct nlmsghdr *h)
{
	const struct nlattr *a;
	struct rgroup rg;
	char why[256];
	uint32_t id = 0;
	bool ns = false;
	int rem;

	if (h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) ||
	    ((const struct genlmsghdr *)NLMSG_DATA(h))->cmd != x->cmd) {
		fail("a reply of the wrong command");
		return;
	}
	if (x->cmd == MCG_CMD_GROUP_GET) {
		if (parse_group(h, &rg, why)) {
			fail("a malformed GROUP_GET reply: %s", why);
			return;
		}
		if (rg.id != x->get_id)
			fail("GROUP_GET of %u answered with %u", x->get_id, rg.id);
		else
			cmp_group(m_by_id(rg.id), &rg, false, "a GROUP_GET reply");
		return;
	}
	for_each_attr(a, (const uint8_t *)NLMSG_DATA(h) + GENL_HDRLEN,
		      (int)h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), rem) {
		if (a_type(a) == MCG_A_GROUP_ID && a_plen(a) == 4)
			id = get_u32(a);
		if (a_type(a) == MCG_A_NS_STATS)
			ns = true;
	}
	if (rem > 0)
		fail("a malformed STATS_GET reply");
	else if (x->get_ns ? !ns || id : ns || id != x->get_id)
		fail("STATS_GET for %s %u answered for %u%s", x->get_ns ? "the namespace" : "group",
		     x->get_id, id, ns ? " (namespace)" : "");
}

/*
 * A STATS_GET dump: each group once, in id order, nothing else; or only
 * the group it names.  A group's senders may take several messages in a
 * row.
 */
static void check_stats_dump(const struct expect *x, const struct got *gt)
{
	uint32_t prev = 0, id;
	const struct nlattr *a;
	int i, rem, n = 0;

	for (i = 0; i < gt->ndata; i++) {
		const struct nlmsghdr *h = rxmsg[gt->data[i]];

		id = 0;
		for_each_attr(a, (const uint8_t *)NLMSG_DATA(h) + GENL_HDRLEN,
			      (int)h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), rem)
			if (a_type(a) == MCG_A_GROUP_ID && a_plen(a) == 4)
				id = get_u32(a);
		if (!m_by_id(id) || id < prev || (x->get_id && id != x->get_id))
			fail("a STATS_GET dump reports group %u", id);
		n += id != prev;
		prev = id;
	}
	if (n != (x->get_id ? 1 : m_ngroups()))
		fail("a STATS_GET dump of %d groups, the model has %d", n,
		     x->get_id ? 1 : m_ngroups());
}

static void count_err(int e)
{
	st.errs[e > 0 && e < 256 ? e : 0]++;
}

/*
 * The replies of one message against the expectation; returns true when
 * the kernel accepted it (the model then applies it).
 */
static bool check(struct expect *x, const uint8_t *mat, int mlen, bool single)
{
	static struct got gt;
	bool accepted, dumped;
	const struct nlmsghdr *h;
	int i, done_err;

	if (x->kind == EXP_STOP) {
		st.noreply++;
		return false;
	}
	take(x, &gt);
	for (i = 0; i < gt.ndata; i++) {
		h = rxmsg[gt.data[i]];
		if (h->nlmsg_pid != portid)
			fail("a reply to port %u, not %u", h->nlmsg_pid, portid);
		if (mlen >= 8 && memmem(h, h->nlmsg_len, mat, 8))
			fail("key material in a reply to %s", cmd_names[x->cmd]);
	}
	if (gt.ack)
		count_err(-gt.err);
	if (x->kind == EXP_SKIP) {
		st.skipped++;
		if (gt.ndata || gt.done || gt.ack != x->ack || gt.err)
			fail("a message the kernel skips got %d replies, ack %d error %s",
			     gt.ndata, gt.ack, ename(-gt.err));
		return false;
	}
	st.processed[x->cmd]++;
	if (gt.err > 0 || gt.err < -4095)
		fail("an error reply with error %d", gt.err);
	if (gt.ack)
		check_error(x, &gt);
	dumped = gt.done && !gt.ack;
	accepted = x->kind == EXP_DUMP ? dumped : gt.ack ? gt.err == 0 : !gt.done;
	if (accepted)
		st.accepted[x->cmd]++;
	switch (x->kind) {
	case EXP_ERR:
		/* Without NLM_F_ACK, no reply at all is success. */
		if (x->doc_bad_name && x->hole_err != EINVAL && !gt.ndata && !gt.done &&
		    (gt.ack ? -gt.err == x->hole_err && (gt.err || x->ack) :
			      !x->hole_err && !x->ack)) {
			fail("GROUP_NEW: policy hole: the name \"%s\" is not 1 to 15 of "
			     "A-Z a-z 0-9 _ . - (uapi.rst), and the kernel %s",
			     esc(x->act.g.name), gt.err ? "checked the rest" : "took it");
			return accepted;	/* the model follows */
		}
		if (!gt.ack || gt.ndata || gt.done) {
			fail("%s: expected %s, got %d replies%s%s", cmd_names[x->cmd],
			     ename(x->err), gt.ndata, gt.done ? ", NLMSG_DONE" : "",
			     gt.ack ? gt.err ? ", an error" : ", an ACK" : ", no error");
			hexdump("request", x->msg, x->len);
		} else if (-gt.err != x->err) {
			fail("%s: expected %s, got %s", cmd_names[x->cmd], ename(x->err),
			     ename(-gt.err));
			hexdump("request", x->msg, x->len);
		}
		break;
	case EXP_OK:
		if (x->retake && accepted)
			st.retaken++;
		if (gt.err || gt.ndata != x->reply || gt.ack != x->ack || gt.done) {
			fail("%s: expected success (%d replies%s), got %d replies%s%s%s",
			     cmd_names[x->cmd], x->reply, x->ack ? ", an ACK" : "", gt.ndata,
			     gt.done ? ", NLMSG_DONE" : "", gt.ack ? ", error " : "",
			     gt.ack ? ename(-gt.err) : "");
			hexdump("request", x->msg, x->len);
		} else if (x->reply) {
			check_reply(x, rxmsg[gt.data[0]]);
		}
		break;
	case EXP_DUMP:
		st.dumps++;
		if (!dumped) {
			fail("%s dump: expected NLMSG_DONE, got %s", cmd_names[x->cmd],
			     gt.ack ? ename(-gt.err) : "no end");
			hexdump("request", x->msg, x->len);
			break;
		}
		/* Alone in its datagram, nothing changed while it ran. */
		for (i = 0; i < gt.ndata; i++) {
			h = rxmsg[gt.data[i]];
			if (!(h->nlmsg_flags & NLM_F_MULTI) ||
			    (single && (h->nlmsg_flags & NLM_F_DUMP_INTR)))
				fail("a dump message with flags %#x", h->nlmsg_flags);
		}
		h = rxmsg[gt.done_at];
		memcpy(&done_err, NLMSG_DATA(h), sizeof(done_err));
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int)) || done_err != -x->err)
			fail("%s dump: NLMSG_DONE of %u bytes, error %d, expected %d",
			     cmd_names[x->cmd], h->nlmsg_len, done_err, -x->err);
		if (x->err && gt.ndata)
			fail("%s dump: %d messages before its error", cmd_names[x->cmd],
			     gt.ndata);
		if (!single || x->err)
			break;
		if (x->cmd == MCG_CMD_GROUP_GET)
			compare_dump(gt.data, gt.ndata, false, "a fuzzed dump");
		else
			check_stats_dump(x, &gt);
		break;
	}
	return accepted && x->kind == EXP_OK;
}

/* ---- events: one per change, with the group as GROUP_GET reports it ---- */

struct evexp {
	uint8_t cmd;
	bool group;		/* not FLUSH: the group as it is (DEL: was) */
	struct mgroup g;
};

#define MAXEV 4
static struct evexp evx[MAXEV];
static int nevx;

static bool is_change(int cmd)
{
	return cmd == MCG_CMD_GROUP_NEW || cmd == MCG_CMD_GROUP_SET ||
	       cmd == MCG_CMD_GROUP_DEL || cmd == MCG_CMD_KEY_NEW ||
	       cmd == MCG_CMD_KEY_DEL || cmd == MCG_CMD_FLUSH;
}

/* Apply an accepted request, noting the event it must cause. */
static void applied(const struct expect *x)
{
	struct evexp *e = is_change(x->cmd) && nevx < MAXEV ? &evx[nevx++] : NULL;
	struct mgroup *g;

	if (e) {
		e->cmd = x->cmd;
		e->group = x->cmd != MCG_CMD_FLUSH;
		g = m_by_id(x->act.g.id);
		if (x->cmd == MCG_CMD_GROUP_DEL && g)
			e->g = *g;
	}
	g = apply(x);
	if (e && e->group && x->cmd != MCG_CMD_GROUP_DEL) {
		if (g)
			e->g = *g;
		else
			nevx--;		/* the model lost track; a compare says so */
	}
}

/* The events the requests of one datagram caused, against the changes. */
static void check_events(const uint8_t *mat, int mlen)
{
	const struct nlmsghdr *h;
	struct mgroup *g;
	struct rgroup rg;
	char why[256];
	int i, n = 0;

	if (drain_into(ev_fd, &eq))
		return;
	for (i = 0; i < eq.n; i++) {
		h = eq.msg[i];
		if (h->nlmsg_type != family || h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN)) {
			fail("an event of type %d, %u bytes", h->nlmsg_type, h->nlmsg_len);
			continue;
		}
		if ((mlen >= 8 && memmem(h, h->nlmsg_len, mat, 8)) ||
		    material_in_model((const uint8_t *)h, h->nlmsg_len))
			fail("key material in an event");
		if (n == nevx) {
			n++;
			continue;
		}
		if (((const struct genlmsghdr *)NLMSG_DATA(h))->cmd != evx[n].cmd) {
			fail("an event of command %d for %s", ((const struct genlmsghdr *)
			     NLMSG_DATA(h))->cmd, cmd_names[evx[n].cmd]);
		} else if (!evx[n].group) {
			if (h->nlmsg_len != NLMSG_LENGTH(GENL_HDRLEN))
				fail("a FLUSH event with attributes");
		} else if (parse_group(h, &rg, why)) {
			fail("a malformed %s event: %s", cmd_names[evx[n].cmd], why);
		} else {
			snprintf(why, sizeof(why), "a %s event", cmd_names[evx[n].cmd]);
			cmp_group(&evx[n].g, &rg, true, why);
			/* A random sender is learnt from GROUP_NEW's event. */
			g = m_by_id(rg.id);
			if (g && !g->sender_known && evx[n].g.sender_known &&
			    !strcmp(g->name, rg.name)) {
				g->sender = rg.sender;
				g->sender_known = true;
			}
		}
		n++;
	}
	if (n != nevx)
		fail("%d events for %d changes", n, nevx);
}

/* ---- one request: generate, mutate, send, check, apply ---- */

static void one(int fd, bool priv, bool mutate)
{
	static uint8_t buf[MSGMAX], mat[2][64];
	static struct req r;
	struct expect x;
	int len = 0, off, n, k, mlen[2] = { 0, 0 };
	uint8_t cmd;
	int nmsg = 1, m;

	if (mutate && chance(opt.mutate / 16)) {	/* a few bytes, never a message */
		len = rnd(NLMSG_HDRLEN);
		rnd_bytes(buf, len);
		st.tiny++;
		goto send;
	}
	if (mutate && chance(opt.mutate / 8)) {
		nmsg = 2;
		st.batches++;
	}
	for (m = 0; m < nmsg; m++) {
		k = rnd(1000);
		cmd = k < 200 ? MCG_CMD_GROUP_NEW : k < 380 ? MCG_CMD_KEY_NEW :
		      k < 500 ? MCG_CMD_GROUP_SET : k < 600 ? MCG_CMD_KEY_DEL :
		      k < 660 ? MCG_CMD_GROUP_DEL : k < 760 ? MCG_CMD_GROUP_GET :
		      k < 830 ? MCG_CMD_STATS_GET : k < 836 ? MCG_CMD_FLUSH :
		      k < 850 ? PICK(((const uint8_t[]){ 0, 9, 10, 11, 200, 255 })) :
		      1 + rnd(MCG_CMD_FLUSH);
		req_init(&r, cmd, chance(88) ? NLM_F_ACK : chance(70) ? 0 : NLM_F_ACK | NLM_F_ECHO);
		if (k >= 850)	/* a command with another command's attributes */
			gen_cmd(&r, 1 + rnd(MCG_CMD_FLUSH), mat[m], &mlen[m]);
		else
			gen_cmd(&r, cmd, mat[m], &mlen[m]);
		if ((cmd == MCG_CMD_GROUP_GET && chance(50)) ||
		    (cmd == MCG_CMD_STATS_GET && chance(40)))
			r.flags |= NLM_F_DUMP;
		if (mutate && chance(opt.mutate)) {
			for (n = 1 + rnd(3); n > 0; n--)
				mutate_tree(&r);
			st.mutated++;
		}
		off = NLMSG_ALIGN(len);
		memset(buf + len, 0, off - len);
		n = encode(&r, buf + off, sizeof(buf) - off);
		/*
		 * Lengths and headers lie in the last message only: after a
		 * message longer or shorter than its bytes, the kernel would
		 * read the next one's header from elsewhere, with a type that
		 * could be any family's.
		 */
		if (mutate && m == nmsg - 1 && chance(opt.mutate / 3)) {
			n = mutate_bytes(buf + off, n, sizeof(buf) - off);
			st.mutated++;
		}
		len = off + n;
	}
send:
	if (opt.verbose)
		bytes("send", buf, len);
	if (!len) {		/* netlink_sendmsg() refuses nothing at all */
		if (!opt.dry && send(fd, buf, 0, 0) != -1)
			fail("a send of no bytes did not fail");
		else if (!opt.dry && errno != ENODATA)
			fail("a send of no bytes: %s, not ENODATA", strerror(errno));
		st.sent++;
		st.noreply++;
		return;
	}
	if (!opt.dry && (nl_send(fd, buf, len) || drain(fd)))
		return;
	if (opt.dry)
		st.sent++;
	memset(used, 0, nrx * sizeof(used[0]));
	dumping = false;
	nevx = 0;
	for (off = 0, m = 0; ; m++) {
		sim(buf + off, len - off, priv, &x);
		if (opt.dry) {
			/* The model answers: count as check() would. */
			if (x.kind == EXP_ERR)
				count_err(x.err);
			if (x.kind != EXP_STOP && x.kind != EXP_SKIP)
				st.processed[x.cmd]++;
			if (x.kind == EXP_OK || x.kind == EXP_DUMP)
				st.accepted[x.cmd]++;
			if (x.kind == EXP_OK)
				apply(&x);
		} else if (check(&x, mat[m & 1], m < 2 ? mlen[m] : 0, nmsg == 1)) {
			applied(&x);
		}
		if (x.kind == EXP_STOP)
			break;
		n = NLMSG_ALIGN(x.len);
		if (n > len - off)
			n = len - off;
		off += n;
		if (len - off < NLMSG_HDRLEN) {
			if (len - off > 0)
				st.noreply++;
			break;
		}
	}
	if (!opt.dry)
		check_events(mat[0], mlen[0]);
	for (k = 0, n = -1; !opt.dry && k < nrx; k++)
		if (!used[k] && n < 0)
			n = k;
	if (n >= 0) {
		fail("a reply nothing asked for, of type %d, error %d", rxmsg[n]->nlmsg_type,
		     rxmsg[n]->nlmsg_type == NLMSG_ERROR ?
		     ((const struct nlmsgerr *)NLMSG_DATA(rxmsg[n]))->error : 0);
		hexdump("request", buf, len);
	}
}

/* A few groups and keys, made by valid requests, for the unprivileged run. */
static void populate(int fd)
{
	static uint8_t buf[MSGMAX];
	static const uint32_t algs[] = { 1, 2, 3 };
	uint8_t mat[32];
	struct expect x;
	struct attr *k;
	struct req r;
	char name[16], addr[64];
	int i, e, len;

	for (i = 0; i < 6; i++) {
		for (e = 0; e <= (i % 4) + 1; e++) {
			req_init(&r, e ? MCG_CMD_KEY_NEW : MCG_CMD_GROUP_NEW, NLM_F_ACK);
			snprintf(name, sizeof(name), "u%d", i);
			put(&r, NULL, MCG_A_GROUP_NAME, name, strlen(name) + 1);
			if (!e) {
				snprintf(addr, sizeof(addr), "ff05::9:%x", i + 1);
				put_addr6(&r, NULL, MCG_A_GROUP_ADDR, addr);
				put_u32(&r, NULL, MCG_A_GROUP_IFINDEX, mcast_ifindex(i));
				if (i % 2)
					put_u32(&r, NULL, MCG_A_GROUP_SENDER, 100 + i);
				if (i % 3 == 1)
					put_u32(&r, NULL, MCG_A_GROUP_UID, NOBODY);
			} else {
				k = put_nest(&r, NULL, MCG_A_KEY);
				put_u32(&r, k, MCG_A_KEY_EPOCH, e);
				put_u32(&r, k, MCG_A_KEY_ALG, algs[(i + e) % 3]);
				rnd_bytes(mat, 32);
				put(&r, k, MCG_A_KEY_MATERIAL, mat,
				    algs[(i + e) % 3] == MCG_ALG_AES_GCM_128 ? 16 : 32);
				if (e == 2)
					put(&r, k, MCG_A_KEY_RX_ONLY, NULL, 0);
			}
			len = encode(&r, buf, sizeof(buf));
			sim(buf, len, true, &x);
			if (x.kind != EXP_OK) {
				fail("populate: the model refuses its own request (%s)",
				     ename(x.err));
				continue;
			}
			if (nl_send(fd, buf, len) || drain(fd))
				return;
			memset(used, 0, nrx * sizeof(used[0]));
			nevx = 0;
			if (check(&x, mat, 16, true))
				applied(&x);
			else
				fail("populate: %s refused", cmd_names[x.cmd]);
			check_events(mat, e ? 16 : 0);
		}
	}
	compare(fd, "after populating");
}

static void report(const char *ph, int count, double secs)
{
	int i;

	printf("%s: %d requests (%ld datagrams, %ld mutated, %ld with two messages, %ld tiny) "
	       "in %.1f s, %.0f/s, %ld state comparisons\n", ph, count, st.sent, st.mutated,
	       st.batches, st.tiny, secs, secs > 0 ? count / secs : 0.0, st.compares);
	printf("%s: accepted/processed per command:", ph);
	for (i = 0; i < NCMD; i++)
		if (st.processed[i])
			printf(" %s %ld/%ld", cmd_names[i], st.accepted[i], st.processed[i]);
	printf("\n%s: errors:", ph);
	for (i = 0; i < 256; i++)
		if (st.errs[i] && i)
			printf(" %s %ld", ename(i), st.errs[i]);
	printf(" (ACKs %ld)\n", st.errs[0]);
	printf("%s: no reply (nlmsg_len past the data, short) %ld, skipped (no NLM_F_REQUEST or "
	       "control type) %ld, dumps %ld\n", ph, st.noreply, st.skipped, st.dumps);
	printf("%s: a deleted group's address, port and interface taken again within %.0f s: "
	       "%ld times\n", ph, ZOMBIE_SECS, st.retaken);
	printf("%s: groups created %ld, deleted %ld, flushes %ld, keys installed %ld, "
	       "deleted %ld, changes %ld; at most %d groups and %d keys; now %d groups, %d keys\n",
	       ph, st.g_new, st.g_del, st.flushed, st.k_new, st.k_del, st.sets, st.max_groups,
	       st.max_keys, m_ngroups(), m_nkeys());
}

static void run(int fd, int count, bool priv)
{
	double t0 = mcg_test_now();
	char when[64];

	memset(&st, 0, sizeof(st));
	for (reqno = 0; reqno < count; reqno++) {
		one(fd, priv, true);
		if ((reqno + 1) % opt.every == 0) {
			snprintf(when, sizeof(when), "after request %d", reqno);
			compare(fd, when);
		}
	}
	compare(fd, "at the end");
	report(phase, count, mcg_test_now() - t0);
}

static int find_ifaces(void)
{
	struct if_nameindex *ni = if_nameindex(), *p;
	struct ifreq ifr;
	int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (!ni || s < 0)
		return -1;
	for (p = ni; p->if_index && nifaces < 32; p++) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", p->if_name);
		if (ioctl(s, SIOCGIFFLAGS, &ifr))
			continue;
		ifaces[nifaces].index = p->if_index;
		snprintf(ifaces[nifaces].name, IF_NAMESIZE, "%s", p->if_name);
		ifaces[nifaces].mcast = ifr.ifr_flags & IFF_MULTICAST;
		nifaces++;
	}
	if_freenameindex(ni);
	close(s);
	return 0;
}

static int drop_privileges(void)
{
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)) {
		printf("dropping to uid/gid %d: %s\n", NOBODY, strerror(errno));
		return -1;
	}
	if (getuid() != NOBODY || geteuid() != NOBODY || getegid() != NOBODY ||
	    !setuid(0)) {
		printf("still privileged after dropping\n");
		return -1;
	}
	return 0;
}

static int setup_socket(void)
{
	uint16_t id;
	uint32_t evpid;
	int fd = nl_open(&portid);

	if (fd < 0) {
		printf("netlink socket: %s\n", strerror(errno));
		return -1;
	}
	family = resolve(fd, MCG_GENL_NAME, 0);
	if (family < 0) {
		printf("generic netlink family \"%s\" not found: %s\n", MCG_GENL_NAME,
		       strerror(-family));
		close(fd);
		return -1;
	}
	for (id = 0xfff0; resolve(fd, NULL, id) != -ENOENT; id--)
		if (id < 0xff00) {
			printf("no free generic netlink id\n");
			close(fd);
			return -1;
		}
	nofamily = id;
	/* A listener on "events": every accepted change is announced. */
	ev_fd = nl_open(&evpid);
	if (ev_fd < 0 || !events_grp ||
	    setsockopt(ev_fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &events_grp,
		       sizeof(events_grp))) {
		printf("listening to \"%s\" (group %u): %s\n", MCG_GENL_MCGRP_EVENTS,
		       events_grp, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	int c, fd = -1, i, status;
	pid_t pid;

	while ((c = getopt(argc, argv, "n:s:c:up:m:vD")) != -1) {
		switch (c) {
		case 'n': opt.count = atoi(optarg); break;
		case 's': opt.seed = strtoull(optarg, NULL, 0); break;
		case 'c': opt.every = atoi(optarg); break;
		case 'u': opt.unpriv = true; break;
		case 'p': opt.setup = atoi(optarg); break;
		case 'm': opt.mutate = atoi(optarg); break;
		case 'v': opt.verbose = true; break;
		case 'D': opt.dry = true; break;
		default:
			fprintf(stderr, "usage: see the comment at the top of %s.c\n", argv[0]);
			return 2;
		}
	}
	if (opt.count < 0 || opt.every < 1 || opt.setup < 0) {
		fprintf(stderr, "mcg_nlfuzz: bad numbers\n");
		return 2;
	}
	if (!opt.seed && getrandom(&opt.seed, sizeof(opt.seed), 0) != sizeof(opt.seed))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	rng = opt.seed;
	t_start = mcg_test_now();
	if (kernel_at_least(6, 2, &genl_split_ops))
		return 2;
	if (find_ifaces())
		return 2;
	if (opt.dry) {
		family = 0x20;
		nofamily = 0xfff0;
	} else if ((fd = setup_socket()) < 0) {
		return 2;
	}
	printf("seed %llu, %d requests%s, family %d, port id %u, interfaces:",
	       (unsigned long long)opt.seed, opt.count,
	       opt.unpriv ? " as nobody" : " as root", family, portid);
	for (i = 0; i < nifaces; i++)
		printf(" %s=%u%s", ifaces[i].name, ifaces[i].index,
		       ifaces[i].mcast ? "" : "(no multicast)");
	printf("\n");

	if (!opt.unpriv) {
		run(fd, opt.count, true);
		goto out;
	}

	phase = "root setup";
	run(fd, opt.setup, true);
	if (!opt.dry)
		populate(fd);
	if (m_ngroups() < 3 || m_nkeys() < 3)
		fail("only %d groups and %d keys to protect", m_ngroups(), m_nkeys());
	printf("root setup: %d groups and %d keys for nobody to try\n", m_ngroups(), m_nkeys());
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 2;
	if (!pid) {
		/* Nobody, from a socket opened as nobody; its own failures. */
		phase = "nobody";
		failures = nkinds = shown = 0;
		if (fd >= 0)
			close(fd);
		if (ev_fd >= 0)
			close(ev_fd);
		if (!opt.dry && (drop_privileges() || (fd = setup_socket()) < 0))
			_exit(2);
		run(fd, opt.count, false);
		if (st.g_new || st.g_del || st.flushed || st.k_new || st.k_del || st.sets)
			fail("nobody changed the configuration");
		fail_summary();
		printf("nobody: %d failures\n", failures);
		_exit(failures ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) == 2)
		return 2;
	if (WEXITSTATUS(status))
		failures++;
	phase = "root";
	compare(fd, "after nobody's requests, as root");
	if (!opt.dry && !drain_into(ev_fd, &eq) && eq.n)
		fail("%d events while nobody sent requests", eq.n);
out:
	fail_summary();
	printf("%d failures, %.1f s; replay with -s %llu\n", failures,
	       mcg_test_now() - t_start, (unsigned long long)opt.seed);
	return failures ? 1 : 0;
}
