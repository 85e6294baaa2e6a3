// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket (ctl.h).  One client at a time, each with a short
 * time limit: mcgd's loop must not wait on a slow or idle client.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <arpa/inet.h>

#include "ctl.h"
#include "epoch.h"
#include "log.h"

#define CTL_TIMEOUT_MS	200

int mcgd_ctl_open(struct mcgd *d)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char dir[sizeof(a.sun_path)], *slash;
	mode_t old;
	int fd;

	if (strlen(d->sock_path) >= sizeof(a.sun_path)) {
		mcgd_log(LOG_ERR, "%s: path too long", d->sock_path);
		return -1;
	}
	strcpy(a.sun_path, d->sock_path);
	strcpy(dir, d->sock_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	unlink(a.sun_path);
	old = umask(077);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (listen(fd, 8))
		goto fail;
	return fd;
fail:
	mcgd_log(LOG_ERR, "control socket %s: %s", d->sock_path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

void mcgd_ctl_close(struct mcgd *d, int fd)
{
	if (fd < 0)
		return;
	close(fd);
	unlink(d->sock_path);
}

static void show(FILE *f, const struct mcgd_group *g, uint64_t now)
{
	const struct mcgd_member *m = &g->m;
	const struct mcg_member *me = mcg_conf_member(&m->conf, m->me);
	uint32_t live = 0, i;
	unsigned int c;

	for (i = 0; i < m->peers.n; i++)
		live += m->peers.peer[i].incarnation &&
			now - m->peers.peer[i].seen_ms <= 3000ull * m->conf.hello;
	fprintf(f, "group\t%s\n", g->name);
	fprintf(f, "id\t%u\n", m->conf.id);
	fprintf(f, "state\t%s\n", m->stopped ? "removed" :
		m->is_ks ? "key-server" : mcgd_member_tx(m) ? "member" : "joining");
	fprintf(f, "roster_version\t%llu\n", (unsigned long long)m->conf.version);
	fprintf(f, "member\t%s\n", me ? me->name : "");
	fprintf(f, "sender\t%u\n", m->me);
	fprintf(f, "members\t%u\n", m->conf.nmembers);
	fprintf(f, "live\t%u\n", live + !m->stopped);
	fprintf(f, "key_server\t%u\n", m->ks);
	if (m->ks) {
		me = mcg_conf_member(&m->conf, m->ks);
		fprintf(f, "key_server_name\t%s\n", me ? me->name : "");
	}
	fprintf(f, "kek\t%#x\n", m->kek[0].id);
	fprintf(f, "tx_epoch\t%#x\n", mcgd_member_tx(m));
	for (i = 0; i < MCGD_EPOCHS; i++)
		if (m->epochs[i].epoch)
			fprintf(f, "epoch\t%#x\n", m->epochs[i].epoch);
	for (i = 0; i < g->npeers; i++) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, &g->peers[i], a, sizeof(a));
		fprintf(f, "peer\t%s\n", a);
	}
	for (c = 0; c < __MCGD_C_MAX; c++)
		fprintf(f, "counter\t%s\t%llu\n", mcgd_counter_name(c),
			(unsigned long long)m->counters[c]);
	fprintf(f, "counter\tsend_errors\t%llu\n",
		(unsigned long long)g->send_errors);
	fprintf(f, "counter\tkernel_errors\t%llu\n",
		(unsigned long long)g->kernel_errors);
	fprintf(f, "counter\tunicast_not_peer\t%llu\n",
		(unsigned long long)g->not_peer);
	fprintf(f, "\n");
}

void mcgd_ctl_accept(struct mcgd *d, int lfd, uint64_t now)
{
	struct timeval tv = { 0, CTL_TIMEOUT_MS * 1000 };
	const struct mcgd_group *g;
	char req[128], *nl, *arg;
	bool found = false;
	size_t len = 0;
	ssize_t n;
	FILE *f;
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len < sizeof(req) - 1 && !memchr(req, '\n', len)) {
		n = read(fd, req + len, sizeof(req) - 1 - len);
		if (n <= 0)
			break;
		len += n;
	}
	req[len] = '\0';
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return;
	}
	nl = strchr(req, '\n');
	if (!nl) {
		fprintf(f, "error\tno request line\n");
		goto out;
	}
	*nl = '\0';
	arg = strchr(req, ' ');
	if (arg)
		*arg++ = '\0';
	if (strcmp(req, "show")) {
		fprintf(f, "error\tunknown request '%s'\n", req);
		goto out;
	}
	for (g = d->groups; g; g = g->next) {
		if (arg && strcmp(arg, g->name))
			continue;
		show(f, g, now);
		found = true;
	}
	if (arg && !found)
		fprintf(f, "error\tmcgd runs no group '%s'\n", arg);
out:
	fclose(f);
}
