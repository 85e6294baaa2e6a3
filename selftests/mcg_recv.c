// SPDX-License-Identifier: GPL-2.0
/*
 * mcg_recv [-s SOCKETS] [-n COUNT] [-t MS] [-r BYTES] [-f] GROUP-ID: bind
 * SOCKETS (default 1) AF_MCG sockets to a group and print every message
 * each receives, as "SOCKET SENDER LENGTH TEXT", until each has COUNT
 * (then exit 0) or none has received anything for MS milliseconds
 * (default 3000; then exit 1 if a COUNT was given).  -r sets each
 * socket's receive buffer (SO_RCVBUFFORCE), for a test that sends faster
 * than a busy host lets this print.  -f attaches to each socket an eBPF
 * filter that keeps only messages with no device (__sk_buff ifindex 0):
 * mcg delivers every message as belonging to none.  "ready" on stderr
 * once every socket is bound.  For shell tests.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mcg_test.h"

#define MAX_SOCKETS 64

#ifndef SO_ATTACH_BPF
#define SO_ATTACH_BPF 50
#endif

/* A socket filter: keep the message if skb->dev is NULL, else drop it. */
static int no_device_filter(void)
{
	struct bpf_insn prog[] = {
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2,
		  .src_reg = BPF_REG_1, .off = offsetof(struct __sk_buff, ifindex) },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = BPF_REG_2, .off = 1 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0xffff },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr = {
		.prog_type = BPF_PROG_TYPE_SOCKET_FILTER,
		.insn_cnt = sizeof(prog) / sizeof(prog[0]),
		.insns = (unsigned long)prog,
		.license = (unsigned long)"GPL",
	};

	return syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

int main(int argc, char **argv)
{
	struct sockaddr_mcg sa = { .smcg_family = mcg_test_family() };
	int nsock = 1, count = -1, timeout = 3000, rcvbuf = 0, filter = -1;
	int opt, i, left;
	struct pollfd pfd[MAX_SOCKETS];
	int got[MAX_SOCKETS] = {};
	char buf[65536];

	while ((opt = getopt(argc, argv, "s:n:t:r:f")) != -1) {
		switch (opt) {
		case 'f':
			filter = no_device_filter();
			if (filter < 0) {
				printf("BPF_PROG_LOAD: %s\n", strerror(errno));
				return 1;
			}
			break;
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
		if (filter >= 0 && setsockopt(pfd[i].fd, SOL_SOCKET, SO_ATTACH_BPF,
					      &filter, sizeof(filter))) {
			printf("SO_ATTACH_BPF: %s\n", strerror(errno));
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
	fprintf(stderr, "usage: mcg_recv [-s SOCKETS] [-n COUNT] [-t MS] [-r BYTES] [-f] GROUP-ID\n");
	return 2;
}
