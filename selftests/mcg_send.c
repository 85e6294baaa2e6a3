// SPDX-License-Identifier: GPL-2.0
/*
 * mcg_send GROUP-ID MESSAGE [COUNT]: bind an AF_MCG socket to a group and
 * send MESSAGE COUNT times (default 1); exit non-zero with the errno name
 * on the first failure.  For shell tests.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcg_test.h"

int main(int argc, char **argv)
{
	struct sockaddr_mcg sa = { .smcg_family = mcg_test_family() };
	int fd, i, count = argc > 3 ? atoi(argv[3]) : 1;

	if (argc < 3) {
		fprintf(stderr, "usage: mcg_send GROUP-ID MESSAGE [COUNT]\n");
		return 2;
	}
	sa.smcg_group = strtoul(argv[1], NULL, 0);
	fd = socket(sa.smcg_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("bind: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < count; i++) {
		if (send(fd, argv[2], strlen(argv[2]), 0) < 0) {
			printf("send: %s\n", strerror(errno));
			return 1;
		}
	}
	return 0;
}
