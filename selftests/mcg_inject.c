// SPDX-License-Identifier: GPL-2.0
/*
 * mcg_inject: send hand-made datagrams to a group's address and port, as
 * an attacker on the link would: raw bytes, or an mcg header with chosen
 * fields followed by junk in place of ciphertext and tag.
 *
 *   mcg_inject -i IFACE -a ADDR [-p PORT] [-n COUNT] -x HEX
 *   mcg_inject -i IFACE -a ADDR [-p PORT] [-n COUNT] [-V VERSION] [-T TYPE]
 *              [-g GROUP] [-s SENDER] [-e EPOCH] [-r RUN] [-q SEQ] [-l PAYLOAD]
 */
#include <arpa/inet.h>
#include <endian.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(6470) };
	unsigned long long run = 1, seq = 1;
	unsigned int version = 1, type = 1, group = 1, sender = 1, epoch = 1;
	unsigned int plen = 16, count = 1, i, hops = 1;
	const char *hex = NULL, *ifname = NULL, *addr = NULL;
	unsigned char buf[65536];
	size_t len = 0;
	int opt, fd;

	while ((opt = getopt(argc, argv, "i:a:p:n:x:V:T:g:s:e:r:q:l:")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'a': addr = optarg; break;
		case 'p': to.sin6_port = htons(atoi(optarg)); break;
		case 'n': count = atoi(optarg); break;
		case 'x': hex = optarg; break;
		case 'V': version = strtoul(optarg, NULL, 0); break;
		case 'T': type = strtoul(optarg, NULL, 0); break;
		case 'g': group = strtoul(optarg, NULL, 0); break;
		case 's': sender = strtoul(optarg, NULL, 0); break;
		case 'e': epoch = strtoul(optarg, NULL, 0); break;
		case 'r': run = strtoull(optarg, NULL, 0); break;
		case 'q': seq = strtoull(optarg, NULL, 0); break;
		case 'l': plen = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: see the comment at the top of %s.c\n", argv[0]);
			return 2;
		}
	}
	if (!ifname || !addr || inet_pton(AF_INET6, addr, &to.sin6_addr) != 1) {
		fprintf(stderr, "mcg_inject: -i IFACE and -a ADDR are required\n");
		return 2;
	}
	to.sin6_scope_id = if_nametoindex(ifname);
	if (hex) {
		for (; hex[0] && hex[1] && len < sizeof(buf); hex += 2)
			sscanf(hex, "%2hhx", &buf[len++]);
	} else {
		uint32_t v;
		uint64_t w;

		buf[0] = version;
		buf[1] = type;
		buf[2] = buf[3] = 0;
		v = htobe32(group); memcpy(buf + 4, &v, 4);
		v = htobe32(sender); memcpy(buf + 8, &v, 4);
		v = htobe32(epoch); memcpy(buf + 12, &v, 4);
		w = htobe64(run); memcpy(buf + 16, &w, 8);
		w = htobe64(seq); memcpy(buf + 24, &w, 8);
		len = 32 + plen + 16;
		for (i = 32; i < len; i++)
			buf[i] = i;
	}
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &to.sin6_scope_id,
		       sizeof(to.sin6_scope_id))) {
		perror("mcg_inject: socket");
		return 1;
	}
	for (i = 0; i < count; i++) {
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len) {
			perror("mcg_inject: sendto");
			return 1;
		}
	}
	return 0;
}
