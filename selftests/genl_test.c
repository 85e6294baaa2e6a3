// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "mcg" at the byte level, with raw netlink
 * sockets: what mcgctl cannot show.  Key material never comes back in any
 * reply, dump, event or error echo; dumps racing with changes neither
 * repeat nor lose a group; attributes that do not belong are refused.
 */
#include <errno.h>
#include <sched.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mcg_nlreq.h"
#include "mcg_test.h"

#define BUFSZ (1 << 16)

static int nl_open(void)
{
	int one = 1, fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	/* Bound sockets only: broadcasts skip port id 0. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Send @r and collect every reply byte into @buf (if given) until the
 * ack or the end of a dump.  Returns the negative errno of an error ack,
 * else 0.  *@len gets the bytes received.
 */
static int transact(int fd, struct nlreq *r, char *buf, size_t *len)
{
	static char tmp[BUFSZ];
	size_t total = 0;

	if (send(fd, r, r->nlh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
		struct nlmsghdr *h;

		if (n < 0)
			return -errno;
		if (buf && total + n <= BUFSZ * 16) {
			memcpy(buf + total, tmp, n);
			total += n;
		}
		if (len)
			*len = total;
		for (h = (struct nlmsghdr *)tmp; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
		}
	}
}

/* The id of family "mcg" and of its "events" group. */
static int resolve(int fd, int *grp)
{
	static char buf[BUFSZ * 16];
	struct nlattr *a, *g, *m;
	struct nlmsghdr *h;
	struct nlreq r;
	int id = -1, rem, rem2, rem3;
	size_t len = 0;

	nlreq_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	r.g.version = 1;
	nlreq_put_str(&r, CTRL_ATTR_FAMILY_NAME, MCG_GENL_NAME);
	if (transact(fd, &r, buf, &len))
		return -1;
	h = (struct nlmsghdr *)buf;
	if (h->nlmsg_type != GENL_ID_CTRL)
		return -1;
	rem = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
	     rem >= (int)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
			id = *(uint16_t *)((char *)a + NLA_HDRLEN);
		if ((a->nla_type & NLA_TYPE_MASK) != CTRL_ATTR_MCAST_GROUPS || !grp)
			continue;
		rem2 = a->nla_len - NLA_HDRLEN;
		for (g = (struct nlattr *)((char *)a + NLA_HDRLEN); rem2 >= (int)NLA_HDRLEN;
		     rem2 -= NLA_ALIGN(g->nla_len), g = (struct nlattr *)((char *)g + NLA_ALIGN(g->nla_len))) {
			rem3 = g->nla_len - NLA_HDRLEN;
			for (m = (struct nlattr *)((char *)g + NLA_HDRLEN); rem3 >= (int)NLA_HDRLEN;
			     rem3 -= NLA_ALIGN(m->nla_len), m = (struct nlattr *)((char *)m + NLA_ALIGN(m->nla_len)))
				if ((m->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GRP_ID)
					*grp = *(uint32_t *)((char *)m + NLA_HDRLEN);
		}
	}
	return id;
}

static int group_new(int fd, int fam, const char *name, const char *addr)
{
	struct in6_addr a;
	struct nlreq r;

	inet_pton(AF_INET6, addr, &a);
	nlreq_init(&r, fam, MCG_CMD_GROUP_NEW, 0);
	nlreq_put_str(&r, MCG_A_GROUP_NAME, name);
	nlreq_put(&r, MCG_A_GROUP_ADDR, &a, sizeof(a));
	nlreq_put_u32(&r, MCG_A_GROUP_IFINDEX, if_nametoindex("dummy0"));
	return transact(fd, &r, NULL, NULL);
}

static int group_del(int fd, int fam, const char *name)
{
	struct nlreq r;

	nlreq_init(&r, fam, MCG_CMD_GROUP_DEL, 0);
	nlreq_put_str(&r, MCG_A_GROUP_NAME, name);
	return transact(fd, &r, NULL, NULL);
}

static int key_new(int fd, int fam, const char *group, uint32_t epoch,
		   uint32_t alg, const uint8_t *key, int len, char *buf, size_t *blen)
{
	struct nlattr *n;
	struct nlreq r;

	nlreq_init(&r, fam, MCG_CMD_KEY_NEW, 0);
	nlreq_put_str(&r, MCG_A_GROUP_NAME, group);
	n = nlreq_nest_start(&r, MCG_A_KEY);
	nlreq_put_u32(&r, MCG_A_KEY_EPOCH, epoch);
	nlreq_put_u32(&r, MCG_A_KEY_ALG, alg);
	nlreq_put(&r, MCG_A_KEY_MATERIAL, key, len);
	nlreq_nest_end(&r, n);
	return transact(fd, &r, buf, blen);
}

static void flush(int fd, int fam)
{
	struct nlreq r;

	nlreq_init(&r, fam, MCG_CMD_FLUSH, 0);
	transact(fd, &r, NULL, NULL);
}

/* Does any 8-byte window of @key occur in @buf? */
static int contains_key(const char *buf, size_t len, const uint8_t *key, int klen)
{
	int i;

	for (i = 0; i + 8 <= klen; i++)
		if (memmem(buf, len, key + i, 8))
			return 1;
	return 0;
}

FIXTURE(mcg) {
	int fd;
	int fam;
	int grp;
};

FIXTURE_SETUP(mcg)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, system("ip link add dummy0 type dummy && ip link set dummy0 multicast on up"));
	self->fd = nl_open();
	ASSERT_LE(0, self->fd);
	self->grp = -1;
	self->fam = resolve(self->fd, &self->grp);
	ASSERT_LT(0, self->fam) TH_LOG("family mcg not found: module loaded?");
}

FIXTURE_TEARDOWN(mcg)
{
	flush(self->fd, self->fam);
	close(self->fd);
}

TEST_F(mcg, key_material_never_comes_back)
{
	static char buf[BUFSZ * 16], ev[BUFSZ];
	uint8_t key[32];
	struct nlreq r;
	size_t len = 0;
	ssize_t n;
	int mon, total = 0;

	ASSERT_EQ(32, getrandom(key, sizeof(key), 0));
	mon = nl_open();
	ASSERT_LE(0, mon);
	ASSERT_LE(0, self->grp);
	ASSERT_EQ(0, setsockopt(mon, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				&self->grp, sizeof(self->grp)));

	ASSERT_EQ(0, group_new(self->fd, self->fam, "k", "ff05::4242"));
	ASSERT_EQ(0, key_new(self->fd, self->fam, "k", 1, MCG_ALG_AES_GCM_256,
			     key, 32, buf, &len));
	EXPECT_FALSE(contains_key(buf, len, key, 32)) TH_LOG("in the ack");

	nlreq_init(&r, self->fam, MCG_CMD_GROUP_GET, NLM_F_DUMP);
	ASSERT_EQ(0, transact(self->fd, &r, buf, &len));
	EXPECT_LT(100UL, len);
	EXPECT_FALSE(contains_key(buf, len, key, 32)) TH_LOG("in a dump");

	nlreq_init(&r, self->fam, MCG_CMD_GROUP_GET, 0);
	nlreq_put_str(&r, MCG_A_GROUP_NAME, "k");
	ASSERT_EQ(0, transact(self->fd, &r, buf, &len));
	EXPECT_FALSE(contains_key(buf, len, key, 32)) TH_LOG("in a get");

	nlreq_init(&r, self->fam, MCG_CMD_STATS_GET, NLM_F_DUMP);
	ASSERT_EQ(0, transact(self->fd, &r, buf, &len));
	EXPECT_FALSE(contains_key(buf, len, key, 32)) TH_LOG("in stats");

	/* Errors echo the request: a second install of epoch 1 fails. */
	EXPECT_EQ(-EEXIST, key_new(self->fd, self->fam, "k", 1, MCG_ALG_AES_GCM_256,
				   key, 32, buf, &len));
	EXPECT_FALSE(contains_key(buf, len, key, 32)) TH_LOG("in an error echo");
	EXPECT_EQ(-EINVAL, key_new(self->fd, self->fam, "k", 2, MCG_ALG_AES_GCM_128,
				   key, 32, buf, &len));
	EXPECT_FALSE(contains_key(buf, len, key, 32)) TH_LOG("in a wrong-length echo");
	EXPECT_EQ(-ENOENT, key_new(self->fd, self->fam, "nope", 3, MCG_ALG_AES_GCM_256,
				   key, 32, buf, &len));
	EXPECT_FALSE(contains_key(buf, len, key, 32)) TH_LOG("in a no-group echo");

	/* Every event so far: group new, key new. */
	while ((n = recv(mon, ev, sizeof(ev), MSG_DONTWAIT)) > 0) {
		total++;
		EXPECT_FALSE(contains_key(ev, n, key, 32)) TH_LOG("in an event");
	}
	EXPECT_EQ(2, total);
	close(mon);
}

TEST_F(mcg, attributes_that_do_not_belong_are_refused)
{
	struct in6_addr a;
	struct nlattr *n;
	struct nlreq r;
	int i;

	inet_pton(AF_INET6, "ff05::1:2", &a);
	nlreq_init(&r, self->fam, MCG_CMD_GROUP_NEW, 0);
	nlreq_put_str(&r, MCG_A_GROUP_NAME, "x");
	nlreq_put(&r, MCG_A_GROUP_ADDR, &a, sizeof(a));
	nlreq_put_u32(&r, MCG_A_GROUP_IFINDEX, if_nametoindex("dummy0"));
	nlreq_put_str(&r, MCG_A_GROUP_IFNAME, "dummy0");	/* reported, never accepted */
	EXPECT_EQ(-EINVAL, transact(self->fd, &r, NULL, NULL));

	nlreq_init(&r, self->fam, MCG_CMD_FLUSH, 0);
	nlreq_put_str(&r, MCG_A_GROUP_NAME, "x");
	EXPECT_EQ(-EINVAL, transact(self->fd, &r, NULL, NULL));

	/* An interface index that does not exist (mcgctl resolves names). */
	nlreq_init(&r, self->fam, MCG_CMD_GROUP_NEW, 0);
	nlreq_put_str(&r, MCG_A_GROUP_NAME, "x");
	nlreq_put(&r, MCG_A_GROUP_ADDR, &a, sizeof(a));
	nlreq_put_u32(&r, MCG_A_GROUP_IFINDEX, 99999);
	EXPECT_EQ(-ENODEV, transact(self->fd, &r, NULL, NULL));

	/* More sources than a group holds (mcgctl stops this earlier). */
	nlreq_init(&r, self->fam, MCG_CMD_GROUP_NEW, 0);
	nlreq_put_str(&r, MCG_A_GROUP_NAME, "x");
	inet_pton(AF_INET6, "ff05::1:2", &a);
	nlreq_put(&r, MCG_A_GROUP_ADDR, &a, sizeof(a));
	nlreq_put_u32(&r, MCG_A_GROUP_IFINDEX, if_nametoindex("dummy0"));
	n = nlreq_nest_start(&r, MCG_A_GROUP_SOURCES);
	for (i = 1; i <= MCG_MAX_SOURCES + 1; i++) {
		inet_pton(AF_INET6, "2001:db8::", &a);
		a.s6_addr[15] = i;
		nlreq_put(&r, MCG_A_SOURCE_ADDR, &a, sizeof(a));
	}
	nlreq_nest_end(&r, n);
	EXPECT_EQ(-E2BIG, transact(self->fd, &r, NULL, NULL));

	nlreq_init(&r, self->fam, MCG_CMD_MAX + 1, 0);
	EXPECT_EQ(-EOPNOTSUPP, transact(self->fd, &r, NULL, NULL));

	/* Nothing was created by the refused requests. */
	nlreq_init(&r, self->fam, MCG_CMD_GROUP_GET, 0);
	nlreq_put_str(&r, MCG_A_GROUP_NAME, "x");
	EXPECT_EQ(-ENOENT, transact(self->fd, &r, NULL, NULL));
}

/* Count each name's occurrences in a GROUP_GET dump. */
static int dump_names(int fd, int fam, int *seen, int nseen, int *dups)
{
	int churn[50] = { 0 };
	static char buf[BUFSZ * 16];
	struct nlmsghdr *h;
	struct nlreq r;
	size_t len = 0;
	int n, idx, rem, ret;
	struct nlattr *a;

	nlreq_init(&r, fam, MCG_CMD_GROUP_GET, NLM_F_DUMP);
	ret = transact(fd, &r, buf, &len);
	if (ret)
		return ret;
	n = len;
	for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type != fam)
			continue;
		rem = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
		for (a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
		     rem >= (int)NLA_HDRLEN;
		     rem -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
			const char *s = (char *)a + NLA_HDRLEN;

			if ((a->nla_type & NLA_TYPE_MASK) != MCG_A_GROUP_NAME)
				continue;
			if (sscanf(s, "s%d", &idx) == 1 && idx >= 0 && idx < nseen) {
				if (seen[idx]++)
					(*dups)++;
			} else if (sscanf(s, "c%d", &idx) == 1 && idx >= 0 && idx < 50) {
				/* Groups that come and go must not repeat either. */
				if (churn[idx]++)
					(*dups)++;
			}
		}
	}
	return 0;
}

TEST_F(mcg, dump_racing_with_changes_neither_repeats_nor_loses)
{
	enum { STABLE = 300, DUMPS = 40 };
	int seen[STABLE], i, d, dups = 0, lost = 0;
	char name[16], addr[64];
	pid_t child;

	for (i = 0; i < STABLE; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		snprintf(addr, sizeof(addr), "ff05::1:%x", i + 10);
		ASSERT_EQ(0, group_new(self->fd, self->fam, name, addr));
	}
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		int fd = nl_open(), k = 0;

		/* Add and delete other groups until killed, ids interleaving. */
		for (;;) {
			snprintf(name, sizeof(name), "c%d", k % 50);
			snprintf(addr, sizeof(addr), "ff05::2:%x", k % 50 + 10);
			if (group_new(fd, self->fam, name, addr) == -EEXIST)
				group_del(fd, self->fam, name);
			k++;
		}
	}
	for (d = 0; d < DUMPS; d++) {
		memset(seen, 0, sizeof(seen));
		ASSERT_EQ(0, dump_names(self->fd, self->fam, seen, STABLE, &dups));
		for (i = 0; i < STABLE; i++)
			if (!seen[i])
				lost++;
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	EXPECT_EQ(0, dups);
	EXPECT_EQ(0, lost);
}

TEST_HARNESS_MAIN
