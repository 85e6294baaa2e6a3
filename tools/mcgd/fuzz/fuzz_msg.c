// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: datagrams on the control port, into a member of the fuzz
 * group (member m2, not a candidate) that runs all along.  The first byte
 * says how the rest is used:
 *   even  the datagram as it is (mcg_msg_open() refuses nearly all)
 *   odd   byte 1 the type, 2 and 3 the fragment and fragment count,
 *         4 the signer (one of the four members), 5..12 the roster
 *         version, the rest the body: sealed and signed as that member
 *         would, so that every body parser behind the signature is
 *         reached (hellos, KEK entries, rekeys, syncs, roster fragments)
 * The member's clock moves 50 ms per input, so that its timers run too.
 */
#include "group.h"
#include "../be.h"
#include "../member.h"
#include "../proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mcgd_member m;
static uint64_t now = 1700000000000ull;

static void f_send(void *arg, const uint8_t *d, size_t len)
{
	(void)arg;
	(void)d;
	(void)len;
}

static int f_key_add(void *arg, uint32_t epoch, uint8_t alg,
		     const uint8_t *key, size_t len)
{
	(void)arg;
	(void)epoch;
	(void)alg;
	(void)key;
	return len == 16 || len == 32 ? 0 : -1;
}

static int f_key(void *arg, uint32_t epoch)
{
	(void)arg;
	return epoch ? 0 : -1;
}

static const struct mcgd_ops ops = {
	.send = f_send, .key_add = f_key_add, .key_use = f_key, .key_del = f_key,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t d[MCG_MSG_MAX];
	struct mcg_err e;

	if (!fuzz_conf.members) {
		fuzz_group();
		if (mcgd_member_init(&m, &fuzz_conf, &fuzz_ids[2], &ops, NULL,
				     now, &e))
			abort();
	}
	if (!size)
		return 0;
	if (!(data[0] & 1)) {
		mcgd_member_input(&m, data + 1, size - 1, now);
	} else if (size >= 13) {
		struct mcg_msg_hdr h = {
			.type = data[1], .group = fuzz_conf.id,
			.sender = data[4] % FUZZ_MEMBERS + 1,
			.incarnation = 0x1234 + data[4] / FUZZ_MEMBERS,
			.counter = now, .roster_version = mcg_get_be(data + 5, 8),
			.frag = data[2], .nfrags = data[3],
		};
		size_t len = mcg_msg_seal(d, &h, data + 13, size - 13,
					  &fuzz_ids[h.sender - 1]);

		if (len)
			mcgd_member_input(&m, d, len, now);
	}
	mcgd_member_tick(&m, now);
	now += 50;
	return 0;
}
