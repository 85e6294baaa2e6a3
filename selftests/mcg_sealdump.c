// SPDX-License-Identifier: GPL-2.0
/*
 * mcg_sealdump: one datagram sealed as a member's kernel seals it (the
 * sender's key derived with kmod/kdf.c, the header built by kmod/wire.c),
 * printed in hex on one line instead of sent: for captures made without a
 * kernel (mcg_mkpcap.py), whose every byte the test then knows.
 *
 *   mcg_sealdump -g GROUP -k EPOCH:ALG:KEYFILE -s SENDER -r RUN -q SEQ
 *                [-b] MESSAGE...
 *
 * Without -b, a DATA datagram of the one MESSAGE (which may be empty);
 * with -b, a BUNDLE of one record per MESSAGE, in order.  A datagram is at
 * most 65,527 bytes, the largest UDP payload.
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "mcg_test.h"
#include "mcg_sealer.h"

#define DGRAM_MAX	65527

int main(int argc, char **argv)
{
	struct mcg_wire_info info = { .type = MCG_WIRE_DATA };
	static uint8_t d[DGRAM_MAX];
	struct sealer_epoch ep = {};
	size_t len, plen = 0, room = DGRAM_MAX - HDR_LEN - TAG_LEN, m, i;
	EVP_CIPHER_CTX *ctx;
	uint8_t key[32];
	int opt;

	while ((opt = getopt(argc, argv, "g:k:s:r:q:b")) != -1) {
		switch (opt) {
		case 'g': info.group = strtoul(optarg, NULL, 0); break;
		case 'k':
			if (!sealer_parse_epoch(optarg, &ep))
				die("-k EPOCH:ALG:KEYFILE");
			break;
		case 's': info.sender = strtoul(optarg, NULL, 0); break;
		case 'r': info.run = strtoull(optarg, NULL, 0); break;
		case 'q': info.seq = strtoull(optarg, NULL, 0); break;
		case 'b': info.type = MCG_WIRE_BUNDLE; break;
		default:
			die("usage: see the comment at the top of mcg_sealdump.c");
		}
	}
	/* Zero ids are allowed: a test may want a header the kernel drops. */
	if (!ep.epoch || optind == argc ||
	    (info.type == MCG_WIRE_DATA && optind + 1 != argc))
		die("usage: see the comment at the top of mcg_sealdump.c");
	info.epoch = ep.epoch;

	for (; optind < argc; optind++) {
		m = strlen(argv[optind]);
		if (info.type == MCG_WIRE_BUNDLE) {
			if (m > 0xffff || room - plen < 2)
				die("the bundle does not fit a datagram");
			d[HDR_LEN + plen++] = m >> 8;
			d[HDR_LEN + plen++] = m & 0xff;
		}
		if (m > room - plen)
			die("the messages do not fit a datagram");
		memcpy(d + HDR_LEN + plen, argv[optind], m);
		plen += m;
	}

	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		die("out of memory");
	sealer_key(&ep, info.group, info.sender, info.run, key);
	len = sealer_seal(ctx, ep.alg, key, &info, d, plen);
	explicit_bzero(key, sizeof(key));
	EVP_CIPHER_CTX_free(ctx);
	for (i = 0; i < len; i++)
		printf("%02x", d[i]);
	putchar('\n');
	return 0;
}
