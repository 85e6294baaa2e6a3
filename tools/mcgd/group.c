// SPDX-License-Identifier: GPL-2.0
/*
 * One group as the daemon runs it (daemon.h): its files, its kernel
 * group, the UDP socket of its control port, and the member's state
 * machine (member.c) wired to them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "daemon.h"
#include "file.h"
#include "log.h"
#include "roster.h"

#define SIG_MAX_SIZE	(64 << 10)
#define STATE_MAX_SIZE	(512 << 10)

uint64_t mcgd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static void path_of(char *buf, const char *dir, const char *name,
		    const char *ext)
{
	snprintf(buf, PATH_MAX, "%s/%s.%s", dir, name, ext);
}

/* The roster saved when the group passed on a newer one: is it newer? */
static void load_saved(struct mcgd *d, const char *name, struct mcg_conf *c)
{
	char path[PATH_MAX];
	struct mcg_conf saved;
	struct mcg_err e;
	uint8_t *blob;
	size_t len;

	path_of(path, d->state_dir, name, "roster");
	if (access(path, F_OK))
		return;
	blob = (uint8_t *)mcg_file_read(path, STATE_MAX_SIZE, &len, &e);
	if (!blob) {
		mcgd_log(LOG_WARNING, "%s", e.msg);
		return;
	}
	if (mcg_roster_from_blob(blob, len, c, path, &saved, &e)) {
		/* A charter changed by hand since: the file rules. */
		mcgd_log(LOG_NOTICE, "%s (not used)", e.msg);
	} else if (saved.version > c->version) {
		mcgd_log(LOG_INFO, "group %s: roster version %llu, passed on by the group, is newer than %llu in its file",
			 name, (unsigned long long)saved.version,
			 (unsigned long long)c->version);
		mcg_conf_free(c);
		*c = saved;
		saved.members = NULL;
	}
	mcg_conf_free(&saved);
	free(blob);
}

int mcgd_group_load(struct mcgd *d, const char *name, struct mcg_conf *c,
		    struct mcg_err *e)
{
	char path[PATH_MAX];
	size_t len;
	char *text;
	int n;

	path_of(path, d->conf_dir, name, "conf");
	if (mcg_conf_load(path, c, e))
		return -1;
	path_of(path, d->conf_dir, name, "sig");
	text = mcg_file_read(path, SIG_MAX_SIZE, &len, e);
	n = text ? mcg_roster_verify(c, text, len, path, c->sigs, e) : -1;
	free(text);
	if (n < 0) {
		mcg_conf_free(c);
		return -1;
	}
	c->nsigs = n;
	load_saved(d, name, c);
	return 0;
}

static void send_to(struct mcgd_group *g, int fd, const uint8_t *d,
		    size_t len, const struct sockaddr_in6 *to)
{
	char a[INET6_ADDRSTRLEN];

	if (sendto(fd, d, len, 0, (const struct sockaddr *)to, sizeof(*to)) >= 0 ||
	    g->send_errors++)
		return;
	inet_ntop(AF_INET6, &to->sin6_addr, a, sizeof(a));
	mcgd_log(LOG_WARNING, "group %s: cannot send to %s: %s (counted from now on)",
		 g->name, a, strerror(errno));
}

/* To the site by multicast, and to each member of the others by unicast. */
static void g_send(void *arg, const uint8_t *d, size_t len)
{
	struct mcgd_group *g = arg;
	struct sockaddr_in6 to = {
		.sin6_family = AF_INET6, .sin6_port = htons(g->up->port),
	};
	unsigned int i;

	send_to(g, g->fd, d, len, (const struct sockaddr_in6 *)g->to);
	for (i = 0; i < g->npeers; i++) {
		to.sin6_addr = g->peers[i];
		send_to(g, g->up->fd, d, len, &to);
	}
}

static int kernel_done(struct mcgd_group *g, int ret)
{
	if (ret)
		g->kernel_errors++;
	return ret;
}

static int g_key_add(void *arg, uint32_t epoch, uint8_t alg,
		     const uint8_t *key, size_t len)
{
	struct mcgd_group *g = arg;

	return kernel_done(g, mcgd_kernel_key_add(&g->d->k, g->name, epoch,
						  alg, key, len));
}

static int g_key_use(void *arg, uint32_t epoch)
{
	struct mcgd_group *g = arg;

	return kernel_done(g, mcgd_kernel_key_use(&g->d->k, g->name, epoch));
}

static int g_key_del(void *arg, uint32_t epoch)
{
	struct mcgd_group *g = arg;

	return kernel_done(g, mcgd_kernel_key_del(&g->d->k, g->name, epoch));
}

static void g_log(void *arg, const char *line)
{
	struct mcgd_group *g = arg;

	mcgd_log(LOG_INFO, "%s: %s", g->name, line);
}

bool mcgd_group_renumbered(const struct mcgd_group *g, const struct mcg_conf *c)
{
	const struct mcg_member *self = mcg_conf_member_by_key(c, g->d->id.pk);

	return self && self->sender != g->sender;
}

/*
 * Kept, so that a restart never goes back to an older roster.  One that
 * gives this host another sender id restarts the group under it, once
 * the datagram that brought it is done with (mcgd.c).
 */
static void g_roster(void *arg, const struct mcg_conf *c, const uint8_t *blob,
		     size_t len)
{
	struct mcgd_group *g = arg;
	char path[PATH_MAX];
	struct mcg_err e;

	path_of(path, g->d->state_dir, g->name, "roster");
	if (mcg_file_write(path, blob, len, &e))
		mcgd_log(LOG_ERR, "group %s: roster version %llu is not saved: %s",
			 g->name, (unsigned long long)c->version, e.msg);
	if (mcgd_group_renumbered(g, c))
		g->renumbered = true;
	mcgd_group_roster_changed(g);
}

static const struct mcgd_ops group_ops = {
	.send = g_send, .key_add = g_key_add, .key_use = g_key_use,
	.key_del = g_key_del, .log = g_log, .roster = g_roster,
};

/*
 * The peers of roster c, here and in the kernel (with the hop limit),
 * whether or not they changed: the kernel's list may be another's if the
 * group was kept from before.
 */
static int set_peers(struct mcgd_group *g, const struct mcg_conf *c)
{
	const struct mcg_member *self = mcg_conf_member_by_key(c, g->d->id.pk);
	unsigned int was = g->npeers;

	g->npeers = mcg_conf_peers(c, self, g->peers);
	if (g->npeers || was)
		mcgd_log(LOG_INFO, "group %s: %u unicast peers (members in other sites)",
			 g->name, g->npeers);
	return kernel_done(g, mcgd_kernel_group_set(&g->d->k, g->name,
						    g->hoplimit, g->peers,
						    g->npeers));
}

void mcgd_group_roster_changed(struct mcgd_group *g)
{
	set_peers(g, &g->m.conf);
}

#ifndef IPV6_MULTICAST_ALL
#define IPV6_MULTICAST_ALL 29	/* linux/in6.h; glibc's headers lack it */
#endif

/* The shared unicast socket of the control port, made on first use. */
static struct mcgd_uport *uport_get(struct mcgd *d, uint16_t port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(port) };
	struct epoll_event ev = { .events = EPOLLIN };
	struct mcgd_uport *up;
	int one = 1, zero = 0;

	for (up = d->uports; up; up = up->next)
		if (up->port == port) {
			up->refs++;
			return up;
		}
	up = calloc(1, sizeof(*up));
	if (!up)
		return NULL;
	up->src = MCGD_SRC_UNICAST;
	up->port = port;
	up->refs = 1;
	ev.data.ptr = up;
	up->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/*
	 * SO_REUSEADDR: the groups' sockets hold [MADDR]:port.  Multicast
	 * off: a wildcard socket would otherwise get every multicast
	 * datagram to the port that the host joined for them.
	 */
	if (up->fd < 0 ||
	    setsockopt(up->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(up->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) ||
	    setsockopt(up->fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &zero,
		       sizeof(zero)) ||
	    bind(up->fd, (struct sockaddr *)&a, sizeof(a)) ||
	    epoll_ctl(d->epfd, EPOLL_CTL_ADD, up->fd, &ev)) {
		mcgd_log(LOG_ERR, "control port %u, unicast: %s", port,
			 strerror(errno));
		if (up->fd >= 0)
			close(up->fd);
		free(up);
		return NULL;
	}
	up->next = d->uports;
	d->uports = up;
	return up;
}

static void uport_put(struct mcgd *d, struct mcgd_uport *up)
{
	struct mcgd_uport **p;

	if (!up || --up->refs)
		return;
	for (p = &d->uports; *p != up; p = &(*p)->next)
		;
	*p = up->next;
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, up->fd, NULL);
	close(up->fd);
	free(up);
}

/* The control port's socket: the group's address, port + 1, its link. */
static int open_socket(struct mcgd_group *g, const struct mcg_conf *c)
{
	struct sockaddr_in6 a = {
		.sin6_family = AF_INET6, .sin6_port = htons(c->port + 1),
		.sin6_addr = c->addr, .sin6_scope_id = g->ifindex,
	};
	struct ipv6_mreq mr = { .ipv6mr_multiaddr = c->addr,
				.ipv6mr_interface = g->ifindex };
	int one = 1, zero = 0, hops = c->hoplimit;
	int ifindex = g->ifindex;

	g->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (g->fd < 0)
		goto fail;
	/* Bound to the group's address: only its datagrams come in. */
	if (setsockopt(g->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(g->fd, (struct sockaddr *)&a, sizeof(a)) ||
	    setsockopt(g->fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)) ||
	    setsockopt(g->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex,
		       sizeof(ifindex)) ||
	    setsockopt(g->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
		       sizeof(hops)) ||
	    setsockopt(g->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero,
		       sizeof(zero)))
		goto fail;
	memcpy(g->to, &a, sizeof(a));
	g->up = uport_get(g->d, c->port + 1);
	return g->up ? 0 : -1;
fail:
	mcgd_log(LOG_ERR, "group %s: control port %u: %s", g->name,
		 c->port + 1, strerror(errno));
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	return -1;
}

struct mcgd_group *mcgd_group_start(struct mcgd *d, const char *name,
				    struct mcg_conf *c, uint64_t now)
{
	const struct mcg_member *self = mcg_conf_member_by_key(c, d->id.pk);
	struct epoll_event ev = { .events = EPOLLIN };
	struct mcgd_group *g;
	char pub[MCG_KEY_B64 + 1];
	struct mcg_err e;

	if (!self) {
		mcg_key_format(pub, d->id.pk);
		mcgd_log(LOG_ERR, "group %s: this host (%s) is not in roster version %llu",
			 name, pub, (unsigned long long)c->version);
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		mcgd_log(LOG_ERR, "group %s: out of memory", name);
		return NULL;
	}
	g->src = MCGD_SRC_GROUP;
	g->d = d;
	g->fd = -1;
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->ifindex = if_nametoindex(c->ifname);
	if (!g->ifindex) {
		mcgd_log(LOG_ERR, "group %s: interface %s: %s", name, c->ifname,
			 strerror(errno));
		goto fail;
	}
	g->sender = self->sender;
	g->hoplimit = c->hoplimit;
	if (mcgd_kernel_group_up(&d->k, name, c, self->sender, g->ifindex) ||
	    set_peers(g, c) || open_socket(g, c))
		goto fail;
	if (mcgd_member_init(&g->m, c, &d->id, &group_ops, g, now, &e)) {
		mcgd_log(LOG_ERR, "group %s: %s", name, e.msg);
		goto fail;
	}
	g->running = true;
	ev.data.ptr = g;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, g->fd, &ev)) {
		mcgd_log(LOG_ERR, "group %s: epoll: %s", name, strerror(errno));
		goto fail;
	}
	g->next_ms = now;
	mcgd_log(LOG_INFO, "group %s: id %u, roster version %llu, this host member %s (sender %u)%s",
		 name, c->id, (unsigned long long)c->version, self->name,
		 self->sender, self->priority ? ", a key-server candidate" : "");
	mcg_conf_free(c);
	return g;
fail:
	if (g->running)
		mcgd_member_free(&g->m);
	if (g->fd >= 0)
		close(g->fd);
	uport_put(d, g->up);
	free(g);
	mcg_conf_free(c);
	return NULL;
}

void mcgd_group_stop(struct mcgd_group *g, bool del)
{
	struct mcgd_kernel *k = &g->d->k;

	/* No key outlives the daemon: a new one installs only new epochs. */
	if (del)
		mcgd_kernel_group_del(k, g->name);
	else
		mcgd_kernel_keys_flush(k, g->name);
	epoll_ctl(g->d->epfd, EPOLL_CTL_DEL, g->fd, NULL);
	close(g->fd);
	uport_put(g->d, g->up);
	mcgd_member_free(&g->m);
	free(g);
}

void mcgd_group_input(struct mcgd_group *g, uint64_t now)
{
	uint8_t buf[2048];
	ssize_t n;

	while ((n = recv(g->fd, buf, sizeof(buf), MSG_TRUNC)) >= 0) {
		/* MSG_TRUNC: the datagram's whole length; too long is refused. */
		mcgd_member_input(&g->m, buf, (size_t)n > sizeof(buf) ? sizeof(buf) : (size_t)n,
				  now);
		g->next_ms = now;
	}
	if (errno != EAGAIN && errno != EINTR)
		mcgd_log(LOG_WARNING, "group %s: receiving: %s", g->name,
			 strerror(errno));
}

static bool is_peer(const struct mcgd_group *g, const struct in6_addr *a)
{
	unsigned int i;

	for (i = 0; i < g->npeers; i++)
		if (!memcmp(&g->peers[i], a, sizeof(*a)))
			return true;
	return false;
}

/* A line now and then, not one per datagram: anyone can send them. */
static bool say_now(uint64_t *said_ms, uint64_t now)
{
	if (*said_ms && now - *said_ms < 10000)
		return false;
	*said_ms = now;
	return true;
}

/*
 * Each group of the port that the datagram names takes it if it came
 * from one of its peers.  Signed as it is, the datagram would be refused
 * later anyway; this spares the signature check, and says who sends.
 */
static void uport_one(struct mcgd *d, struct mcgd_uport *up,
		      const uint8_t *buf, size_t len,
		      const struct sockaddr_in6 *from, uint64_t now)
{
	struct mcgd_group *g;
	char a[INET6_ADDRSTRLEN];
	bool taken = false, named = false;
	uint32_t id = len >= 8 ? (uint32_t)buf[4] << 24 | buf[5] << 16 |
				 buf[6] << 8 | buf[7] : 0;

	for (g = d->groups; g; g = g->next) {
		if (g->up != up || g->m.conf.id != id)
			continue;
		named = true;
		if (!is_peer(g, &from->sin6_addr)) {
			g->not_peer++;
			if (say_now(&g->not_peer_said_ms, now)) {
				inet_ntop(AF_INET6, &from->sin6_addr, a, sizeof(a));
				mcgd_log(LOG_NOTICE, "group %s: a unicast datagram from %s, not a member in another site: dropped (counted as unicast_not_peer)",
					 g->name, a);
			}
			continue;
		}
		mcgd_member_input(&g->m, buf, len, now);
		g->next_ms = now;
		taken = true;
	}
	if (taken || named)
		return;
	up->refused++;
	if (say_now(&up->said_ms, now)) {
		inet_ntop(AF_INET6, &from->sin6_addr, a, sizeof(a));
		mcgd_log(LOG_NOTICE, "control port %u: a unicast datagram from %s for no group here: dropped (%llu so far)",
			 up->port, a, (unsigned long long)up->refused);
	}
}

void mcgd_uport_input(struct mcgd *d, struct mcgd_uport *up, uint64_t now)
{
	struct sockaddr_in6 from;
	socklen_t alen = sizeof(from);
	uint8_t buf[2048];
	ssize_t n;

	while ((n = recvfrom(up->fd, buf, sizeof(buf), MSG_TRUNC,
			     (struct sockaddr *)&from, &alen)) >= 0) {
		/* MSG_TRUNC: too long is refused, as on the group's socket. */
		uport_one(d, up, buf, (size_t)n > sizeof(buf) ? sizeof(buf) : (size_t)n,
			  &from, now);
		alen = sizeof(from);
	}
	if (errno != EAGAIN && errno != EINTR)
		mcgd_log(LOG_WARNING, "control port %u: receiving: %s", up->port,
			 strerror(errno));
}

uint64_t mcgd_group_tick(struct mcgd_group *g, uint64_t now)
{
	if (now >= g->next_ms)
		g->next_ms = mcgd_member_tick(&g->m, now);
	return g->next_ms;
}

void mcgd_group_exhausted(struct mcgd_group *g, uint32_t epoch, uint64_t now)
{
	mcgd_log(LOG_NOTICE, "group %s: epoch %#x is used up in the kernel: asking for a new one",
		 g->name, epoch);
	mcgd_member_exhausted(&g->m, epoch, now);
	g->next_ms = now;
}
