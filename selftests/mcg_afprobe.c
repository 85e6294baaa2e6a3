// SPDX-License-Identifier: GPL-2.0
/*
 * mcg_afprobe: try socket(FAMILY, TYPE, PROTO) and print "ok" or the errno
 * name, for shell tests.  Exit 0 when the socket was created.
 *
 *   -f FAMILY  family number (default: the one in effect, see mcg_test.h)
 *   -t TYPE    dgram, stream, raw, seqpacket (default dgram)
 *   -p PROTO   protocol number (default 0)
 *   -n COUNT   open COUNT sockets at once (default 1)
 *   -H         hold the sockets open until standard input closes
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcg_test.h"

static const char *errname(int e)
{
	switch (e) {
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case EPROTOTYPE: return "EPROTOTYPE";
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EMFILE: return "EMFILE";
	case ENOMEM: return "ENOMEM";
	case ENOBUFS: return "ENOBUFS";
	}
	return strerror(e);
}

int main(int argc, char **argv)
{
	int family = -1, type = SOCK_DGRAM, proto = 0, count = 1, hold = 0;
	int opt, i;

	while ((opt = getopt(argc, argv, "f:t:p:n:H")) != -1) {
		switch (opt) {
		case 'f': family = atoi(optarg); break;
		case 'p': proto = atoi(optarg); break;
		case 'n': count = atoi(optarg); break;
		case 'H': hold = 1; break;
		case 't':
			if (!strcmp(optarg, "dgram"))
				type = SOCK_DGRAM;
			else if (!strcmp(optarg, "stream"))
				type = SOCK_STREAM;
			else if (!strcmp(optarg, "raw"))
				type = SOCK_RAW;
			else if (!strcmp(optarg, "seqpacket"))
				type = SOCK_SEQPACKET;
			else
				type = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-f FAMILY] [-t TYPE] [-p PROTO] [-n COUNT] [-H]\n",
				argv[0]);
			return 2;
		}
	}
	if (family < 0)
		family = mcg_test_family();

	for (i = 0; i < count; i++) {
		if (socket(family, type, proto) < 0) {
			int e = errno;

			printf("%s\n", errname(e));
			if (count > 1)
				fprintf(stderr, "after %d sockets\n", i);
			return 1;
		}
	}
	printf("ok\n");
	fflush(stdout);
	if (hold) {
		char c;

		while (read(0, &c, 1) > 0)
			;
	}
	return 0;
}
