// SPDX-License-Identifier: GPL-2.0
/*
 * mcgd: runs each group of the configuration directory as one member of
 * it (Documentation/key-management.rst), in one thread around epoll: the
 * groups' control sockets, the kernel's events, the control socket and
 * the signals (SIGHUP reloads, SIGTERM and SIGINT stop).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

#include "ctl.h"
#include "daemon.h"
#include "log.h"

#define MCGD_VERSION	"0.1.0"

static const char usage[] =
	"Usage: mcgd [OPTIONS] [GROUP...]\n"
	"Runs each group GROUP (all of CONFDIR/*.conf if none is named) as this\n"
	"host's member of it: elections, keys and rekeys, the roster.\n"
	"\n"
	"  -c, --config DIR     group files NAME.conf and NAME.sig (" MCGD_CONF_DIR ")\n"
	"  -i, --identity FILE  this host's identity (CONFDIR/id.key)\n"
	"  -s, --state DIR      rosters the group passed on (" MCGD_STATE_DIR ")\n"
	"  -S, --socket PATH    control socket (" MCGD_SOCKET ")\n"
	"  -v, --verbose        log debugging lines too\n"
	"  -h, --help           this text\n"
	"  -V, --version        the version\n";

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "identity", required_argument, NULL, 'i' },
	{ "state", required_argument, NULL, 's' },
	{ "socket", required_argument, NULL, 'S' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* A group name is the kernel's: 1 to 15 of [A-Za-z0-9._-]. */
static bool name_ok(const char *s, size_t len)
{
	size_t i;

	if (!len || len >= MCG_GROUP_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-", s[i]))
			return false;
	return true;
}

struct names {
	char (*v)[MCG_GROUP_NAME_MAX];
	size_t n;
};

static void names_add(struct names *ns, const char *s, size_t len)
{
	void *v = realloc(ns->v, (ns->n + 1) * sizeof(*ns->v));

	if (!v)
		die_oom();
	ns->v = v;
	memcpy(ns->v[ns->n], s, len);
	ns->v[ns->n++][len] = '\0';
}

/* The groups to run: those named, or every NAME.conf. */
static int scan(const struct mcgd *d, char **argv, int argc, struct names *ns)
{
	struct dirent *de;
	DIR *dir;
	int i;

	ns->n = 0;
	for (i = 0; i < argc; i++) {
		if (!name_ok(argv[i], strlen(argv[i]))) {
			mcgd_log(LOG_ERR, "'%s' is not a group name (1 to %d letters, digits, '.', '_', '-')",
				 argv[i], MCG_GROUP_NAME_MAX - 1);
			return -1;
		}
		names_add(ns, argv[i], strlen(argv[i]));
	}
	if (argc)
		return 0;
	dir = opendir(d->conf_dir);
	if (!dir) {
		mcgd_log(LOG_ERR, "%s: %s", d->conf_dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);

		if (len <= 5 || strcmp(de->d_name + len - 5, ".conf"))
			continue;
		if (!name_ok(de->d_name, len - 5)) {
			mcgd_log(LOG_WARNING, "%s/%s: not a group name: left out",
				 d->conf_dir, de->d_name);
			continue;
		}
		names_add(ns, de->d_name, len - 5);
	}
	closedir(dir);
	return 0;
}

static struct mcgd_group *find(struct mcgd *d, const char *name)
{
	struct mcgd_group *g;

	for (g = d->groups; g; g = g->next)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

static void unlink_group(struct mcgd *d, struct mcgd_group *g)
{
	struct mcgd_group **p;

	for (p = &d->groups; *p; p = &(*p)->next)
		if (*p == g) {
			*p = g->next;
			return;
		}
}

static void start(struct mcgd *d, const char *name, uint64_t now)
{
	struct mcg_conf c;
	struct mcgd_group *g;
	struct mcg_err e;

	if (mcgd_group_load(d, name, &c, &e)) {
		mcgd_log(LOG_ERR, "group %s not started: %s", name, e.msg);
		return;
	}
	g = mcgd_group_start(d, name, &c, now);
	if (g) {
		g->next = d->groups;
		d->groups = g;
	}
}

/* g stopped and started again from c, which is used up. */
static void restart(struct mcgd *d, struct mcgd_group *g, struct mcg_conf *c,
		    uint64_t now)
{
	char name[MCG_GROUP_NAME_MAX];

	strcpy(name, g->name);
	unlink_group(d, g);
	mcgd_group_stop(g, false);
	g = mcgd_group_start(d, name, c, now);
	if (g) {
		g->next = d->groups;
		d->groups = g;
	}
}

/*
 * A group whose roster gave this host another sender id: the kernel group
 * is made again under it and the member starts afresh (a new incarnation,
 * as after a restart), from the files and the roster kept in the state
 * directory.  If that roster is not the one in use (it could not be
 * saved), the group goes on under its old sender id.
 */
static void renumber(struct mcgd *d, struct mcgd_group *g, uint64_t now)
{
	uint64_t have = g->m.conf.version;
	struct mcg_conf c;
	struct mcg_err e;

	g->renumbered = false;
	if (mcgd_group_load(d, g->name, &c, &e)) {
		mcgd_log(LOG_ERR, "group %s: not started under its new sender id: %s",
			 g->name, e.msg);
		return;
	}
	if (c.version != have) {
		mcgd_log(LOG_ERR, "group %s: roster version %llu is not kept: sender %u stays",
			 g->name, (unsigned long long)have, g->sender);
		mcg_conf_free(&c);
		return;
	}
	mcgd_log(LOG_NOTICE, "group %s: roster version %llu gives this host another sender id: started again",
		 g->name, (unsigned long long)have);
	restart(d, g, &c, now);
}

/* A running group's file again: a newer roster, or another charter. */
static void reload(struct mcgd *d, struct mcgd_group *g, uint64_t now)
{
	uint64_t have = g->m.conf.version;
	struct mcg_conf c;
	struct mcg_err e;

	if (mcgd_group_load(d, g->name, &c, &e)) {
		mcgd_log(LOG_ERR, "group %s: reload refused, roster version %llu kept: %s",
			 g->name, (unsigned long long)have, e.msg);
		return;
	}
	if (!mcg_conf_same_charter(&c, &g->m.conf)) {
		mcgd_log(LOG_NOTICE, "group %s: its [group] or [admins] changed: started again",
			 g->name);
		restart(d, g, &c, now);
		return;
	}
	if (c.version > have) {
		if (mcgd_member_roster(&g->m, &c, now, &e)) {
			mcgd_log(LOG_ERR, "group %s: %s", g->name, e.msg);
		} else {
			mcgd_log(LOG_INFO, "group %s: roster version %llu in use (was %llu)",
				 g->name, (unsigned long long)c.version,
				 (unsigned long long)have);
			g->renumbered = mcgd_group_renumbered(g, &c);
			mcgd_group_roster_changed(g);
		}
		g->next_ms = now;
	} else if (c.version < have) {
		mcgd_log(LOG_INFO, "group %s: its file has roster version %llu, the group %llu: kept",
			 g->name, (unsigned long long)c.version,
			 (unsigned long long)have);
	}
	mcg_conf_free(&c);
}

static void reload_all(struct mcgd *d, char **argv, int argc, uint64_t now)
{
	struct mcgd_group *g, *next;
	struct names ns = { 0 };
	size_t i;

	mcgd_log(LOG_INFO, "reloading %s", d->conf_dir);
	if (scan(d, argv, argc, &ns))
		return;
	for (g = d->groups; g; g = next) {
		next = g->next;
		for (i = 0; i < ns.n && strcmp(ns.v[i], g->name); i++)
			;
		if (i == ns.n) {
			mcgd_log(LOG_NOTICE, "group %s: its file is gone: stopped",
				 g->name);
			unlink_group(d, g);
			mcgd_group_stop(g, true);
		}
	}
	for (i = 0; i < ns.n; i++) {
		g = find(d, ns.v[i]);
		if (g)
			reload(d, g, now);
		else
			start(d, ns.v[i], now);
	}
	free(ns.v);
}

static void on_exhausted(const char *name, uint32_t epoch, void *arg)
{
	struct mcgd_group *g = find(arg, name);

	if (g)
		mcgd_group_exhausted(g, epoch, mcgd_now_ms());
}

static int add_fd(struct mcgd *d, int fd, enum mcgd_src *src)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = src };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev);
}

int main(int argc, char **argv)
{
	static enum mcgd_src sig_src = MCGD_SRC_SIGNAL, kern_src = MCGD_SRC_KERNEL,
			     ctl_src = MCGD_SRC_CTL;
	struct mcgd d = {
		.conf_dir = MCGD_CONF_DIR, .state_dir = MCGD_STATE_DIR,
		.sock_path = MCGD_SOCKET,
	};
	char id_path[4096];
	struct names ns = { 0 };
	struct mcg_err e;
	sigset_t sigs;
	int opt, sfd = -1, cfd = -1, ret = 1;
	bool stop = false, hup;
	size_t i;

	while ((opt = getopt_long(argc, argv, "c:i:s:S:vhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': d.conf_dir = optarg; break;
		case 'i': d.id_path = optarg; break;
		case 's': d.state_dir = optarg; break;
		case 'S': d.sock_path = optarg; break;
		case 'v': mcgd_log_level = LOG_DEBUG; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': puts("mcgd " MCGD_VERSION); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	argv += optind;
	argc -= optind;
	if (!d.id_path) {
		snprintf(id_path, sizeof(id_path), "%s/id.key", d.conf_dir);
		d.id_path = id_path;
	}
	/* Keys in memory: no core file, no ptrace by the same user. */
	prctl(PR_SET_DUMPABLE, 0);
	if (mcg_crypto_init()) {
		mcgd_log(LOG_ERR, "libsodium does not start");
		return 1;
	}
	if (mcg_id_load(d.id_path, &d.id, &e)) {
		mcgd_log(LOG_ERR, "%s", e.msg);
		return 1;
	}
	if (mkdir(d.state_dir, 0700) && errno != EEXIST) {
		mcgd_log(LOG_ERR, "%s: %s", d.state_dir, strerror(errno));
		goto out_id;
	}
	if (scan(&d, argv, argc, &ns))
		goto out_id;
	if (mcgd_kernel_open(&d.k))
		goto out_id;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	d.epfd = epoll_create1(EPOLL_CLOEXEC);
	sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	cfd = mcgd_ctl_open(&d);
	if (d.epfd < 0 || sfd < 0 || cfd < 0 || add_fd(&d, sfd, &sig_src) ||
	    add_fd(&d, cfd, &ctl_src) ||
	    add_fd(&d, mcgd_kernel_events_fd(&d.k), &kern_src)) {
		mcgd_log(LOG_ERR, "cannot start: %s", strerror(errno));
		goto out_kernel;
	}
	for (i = 0; i < ns.n; i++)
		start(&d, ns.v[i], mcgd_now_ms());
	free(ns.v);
	if (!d.groups)
		mcgd_log(LOG_WARNING, "no group runs (yet): SIGHUP once their files are right");

	while (!stop) {
		struct epoll_event evs[16];
		struct mcgd_group *g, *gn;
		uint64_t now = mcgd_now_ms(), next = now + 60000;
		int n, j, timeout;

		for (g = d.groups; g; g = g->next) {
			uint64_t t = mcgd_group_tick(g, now);

			if (t < next)
				next = t;
		}
		timeout = next > now ? (int)(next - now) : 0;
		n = epoll_wait(d.epfd, evs, 16, timeout);
		if (n < 0 && errno != EINTR) {
			mcgd_log(LOG_ERR, "epoll: %s", strerror(errno));
			break;
		}
		now = mcgd_now_ms();
		hup = false;
		for (j = 0; j < n; j++) {
			enum mcgd_src *src = evs[j].data.ptr;
			struct signalfd_siginfo si;

			switch (*src) {
			case MCGD_SRC_SIGNAL:
				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						hup = true;
					} else {
						mcgd_log(LOG_INFO, "stopping (signal %u)",
							 si.ssi_signo);
						stop = true;
					}
				}
				break;
			case MCGD_SRC_KERNEL:
				mcgd_kernel_events(&d.k, on_exhausted, &d);
				break;
			case MCGD_SRC_CTL:
				mcgd_ctl_accept(&d, cfd, now);
				break;
			case MCGD_SRC_GROUP:
				mcgd_group_input((struct mcgd_group *)src, now);
				break;
			case MCGD_SRC_UNICAST:
				mcgd_uport_input(&d, (struct mcgd_uport *)src, now);
				break;
			}
		}
		/* After the batch: a reload frees groups it may still name. */
		if (hup && !stop)
			reload_all(&d, argv, argc, now);
		for (g = d.groups; g && !stop; g = gn) {
			gn = g->next;
			if (g->renumbered)
				renumber(&d, g, now);
		}
	}
	ret = 0;
	while (d.groups) {
		struct mcgd_group *g = d.groups;

		d.groups = g->next;
		mcgd_group_stop(g, false);
	}
out_kernel:
	mcgd_ctl_close(&d, cfd);
	mcgd_kernel_close(&d.k);
out_id:
	mcg_id_wipe(&d.id);
	return ret;
}
