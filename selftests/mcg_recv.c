// SPDX-License-Identifier: GPL-2.0
/*
 * mcg_recv [-s SOCKETS] [-n COUNT] [-t MS] [-r BYTES] GROUP-ID: bind
 * SOCKETS (default 1) AF_MCG sockets to a group and print every message
 * each receives, as "SOCKET SENDER LENGTH TEXT", until each has COUNT
 * (then exit 0) or none has received anything for MS milliseconds
 * (default 3000; then exit 1 if a COUNT was given).  -r sets each
 * socket's receive buffer (SO_RCVBUFFORCE), for a test that sends faster
 * than a busy host lets this print.  "ready" on stderr once every socket
 * is bound.  For shell tests.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcg_test.h"

#define MAX_SOCKETS 64

int main(int argc, char **argv)
{
	struct sockaddr_mcg sa = { .smcg_family = mcg_test_family() };
	int nsock = 1, count = -1, timeout = 3000, rcvbuf = 0, opt, i, left;
	struct pollfd pfd[MAX_SOCKETS];
	int got[MAX_SOCKETS] = {};
	char buf[65536];

	while ((opt = getopt(argc, argv, "s:n:t:r:")) != -1) {
		switch (opt) {
		case 's':
			nsock = atoi(optarg);
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 't':
			timeout = atoi(optarg);
			break;
		case 'r':
			rcvbuf = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || nsock < 1 || nsock > MAX_SOCKETS)
		goto usage;
	sa.smcg_group = strtoul(argv[optind], NULL, 0);
	for (i = 0; i < nsock; i++) {
		pfd[i].fd = socket(sa.smcg_family, SOCK_DGRAM, 0);
		pfd[i].events = POLLIN;
		if (pfd[i].fd < 0 ||
		    bind(pfd[i].fd, (struct sockaddr *)&sa, sizeof(sa))) {
			printf("bind: %s\n", strerror(errno));
			return 1;
		}
		if (rcvbuf && setsockopt(pfd[i].fd, SOL_SOCKET, SO_RCVBUFFORCE,
					 &rcvbuf, sizeof(rcvbuf))) {
			printf("SO_RCVBUFFORCE: %s\n", strerror(errno));
			return 1;
		}
	}
	fprintf(stderr, "ready\n");
	left = count < 0 ? -1 : nsock;
	while (left) {
		int n = poll(pfd, nsock, timeout);

		if (n < 0)
			return 1;
		if (!n)
			return count < 0 ? 0 : 1;
		for (i = 0; i < nsock; i++) {
			struct sockaddr_mcg from;
			socklen_t fl = sizeof(from);
			ssize_t len;

			if (!(pfd[i].revents & POLLIN))
				continue;
			len = recvfrom(pfd[i].fd, buf, sizeof(buf) - 1, MSG_DONTWAIT,
				       (struct sockaddr *)&from, &fl);
			if (len < 0) {
				printf("%d recv: %s\n", i, strerror(errno));
				return 1;
			}
			buf[len] = 0;
			printf("%d %u %zd %s\n", i, from.smcg_sender, len, buf);
			fflush(stdout);
			if (++got[i] == count)
				left--;
		}
	}
	return 0;
usage:
	fprintf(stderr, "usage: mcg_recv [-s SOCKETS] [-n COUNT] [-t MS] [-r BYTES] GROUP-ID\n");
	return 2;
}
