// SPDX-License-Identifier: GPL-2.0
/*
 * mcg_send [-k] [-b] [-r RATE] GROUP-ID MESSAGE [COUNT]: bind an AF_MCG socket to a
 * group and send MESSAGE COUNT times (default 1); exit non-zero with the
 * errno name on the first failure.  A "%u" in MESSAGE becomes the
 * message's number (from 0), so that each is distinct.  -k keeps going
 * after a failed send, prints "sent N failed N" at the end (and the
 * first error), and exits 0
 * if any was sent.  -b sends all but the last with MSG_MORE: the kernel
 * bundles them.  -r sends RATE messages a second, evenly, rather than
 * at once.  For shell tests.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcg_test.h"

int main(int argc, char **argv)
{
	struct sockaddr_mcg sa = { .smcg_family = mcg_test_family() };
	int fd, i, count = 1, keep_going = 0, more = 0, sent = 0, failed = 0;
	struct timespec start, at;
	int first_err = 0;
	long rate = 0;
	const char *fmt;
	char buf[65536];
	int len;

	for (; argc > 1 && argv[1][0] == '-' && argv[1][1]; argv++, argc--) {
		if (!strcmp(argv[1], "-k")) {
			keep_going = 1;
		} else if (!strcmp(argv[1], "-b")) {
			more = MSG_MORE;
		} else if (!strcmp(argv[1], "-r") && argc > 2) {
			rate = atol(argv[2]);
			argv++;
			argc--;
		} else {
			argc = 0;
			break;
		}
	}
	if (argc < 3) {
		fprintf(stderr, "usage: mcg_send [-k] [-b] [-r RATE] GROUP-ID MESSAGE [COUNT]\n");
		return 2;
	}
	if (argc > 3)
		count = atoi(argv[3]);
	fmt = argv[2];
	sa.smcg_group = strtoul(argv[1], NULL, 0);
	fd = socket(sa.smcg_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("bind: %s\n", strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < count; i++) {
		if (rate > 0) {
			long long ns = start.tv_nsec + i * 1000000000LL / rate;

			at.tv_sec = start.tv_sec + ns / 1000000000LL;
			at.tv_nsec = ns % 1000000000LL;
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
		}
		if (strstr(fmt, "%u"))
			len = snprintf(buf, sizeof(buf), fmt, i);
		else
			len = snprintf(buf, sizeof(buf), "%s", fmt);
		if (send(fd, buf, len, i < count - 1 ? more : 0) == len) {
			sent++;
			continue;
		}
		if (!keep_going) {
			printf("send: %s\n", strerror(errno));
			return 1;
		}
		if (!failed++)
			first_err = errno;
	}
	if (keep_going && failed)
		printf("sent %d failed %d (first: %s)\n", sent, failed,
		       strerror(first_err));
	else if (keep_going)
		printf("sent %d failed %d\n", sent, failed);
	return keep_going && !sent;
}
