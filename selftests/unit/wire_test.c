// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/wire.c in userspace: the header parser reads nothing beyond the
 * length it is given (ASan watches), refuses every malformed header, and
 * round-trips what the sender builds.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "wire.h"

static const struct mcg_wire_info good = {
	.group = 7, .sender = 0x01020304, .epoch = 3,
	.run = 0x1122334455667788ULL, .seq = 42,
};

TEST(header_is_32_bytes_in_network_order)
{
	struct mcg_wire_hdr h;
	const u8 *b = (const u8 *)&h;

	ASSERT_EQ(32UL, sizeof(h));
	mcg_wire_build(&h, &good);
	EXPECT_EQ(1, b[0]);
	EXPECT_EQ(1, b[1]);
	EXPECT_EQ(0, b[2] | b[3]);
	EXPECT_EQ(7, b[7]);
	EXPECT_EQ(0x01, b[8]);
	EXPECT_EQ(0x04, b[11]);
	EXPECT_EQ(3, b[15]);
	EXPECT_EQ(0x11, b[16]);
	EXPECT_EQ(0x88, b[23]);
	EXPECT_EQ(42, b[31]);
}

TEST(round_trip)
{
	u8 buf[32 + 100 + 16];
	struct mcg_wire_info out;

	mcg_wire_build((struct mcg_wire_hdr *)buf, &good);
	ASSERT_EQ(MCG_WIRE_OK, mcg_wire_parse(buf, sizeof(buf), &out));
	EXPECT_EQ(good.group, out.group);
	EXPECT_EQ(good.sender, out.sender);
	EXPECT_EQ(good.epoch, out.epoch);
	EXPECT_EQ(good.run, out.run);
	EXPECT_EQ(good.seq, out.seq);
	EXPECT_EQ(100U, out.payload_len);
}

TEST(every_short_length_is_refused_without_reading_past_it)
{
	struct mcg_wire_info out;
	unsigned int len;

	for (len = 0; len < 48; len++) {
		/* Exactly len bytes on the heap: a read past them is an ASan report. */
		u8 *b = malloc(len ? len : 1);

		if (len >= sizeof(struct mcg_wire_hdr))
			mcg_wire_build((struct mcg_wire_hdr *)b, &good);
		EXPECT_EQ(MCG_WIRE_SHORT, mcg_wire_parse(b, len, &out)) TH_LOG("len %u", len);
		free(b);
	}
	{
		u8 *b = malloc(48);

		mcg_wire_build((struct mcg_wire_hdr *)b, &good);
		EXPECT_EQ(MCG_WIRE_OK, mcg_wire_parse(b, 48, &out));
		EXPECT_EQ(0U, out.payload_len);
		free(b);
	}
}

TEST(malformed_headers_are_refused)
{
	/* byte offset to change, new value */
	static const struct { unsigned int off; u8 val; } bad[] = {
		{ 0, 0 }, { 0, 2 }, { 0, 0xff },	/* version */
		{ 1, 0 }, { 1, 2 },			/* type */
		{ 2, 1 }, { 3, 0x80 },			/* reserved */
	};
	struct mcg_wire_info out, z;
	u8 buf[64];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mcg_wire_build((struct mcg_wire_hdr *)buf, &good);
		buf[bad[i].off] = bad[i].val;
		EXPECT_EQ(MCG_WIRE_BAD_HEADER, mcg_wire_parse(buf, sizeof(buf), &out))
			TH_LOG("byte %u = %u", bad[i].off, bad[i].val);
	}
	/* A zero group, sender, epoch, run or sequence number. */
	for (i = 0; i < 5; i++) {
		z = good;
		if (i == 0) z.group = 0;
		if (i == 1) z.sender = 0;
		if (i == 2) z.epoch = 0;
		if (i == 3) z.run = 0;
		if (i == 4) z.seq = 0;
		mcg_wire_build((struct mcg_wire_hdr *)buf, &z);
		EXPECT_EQ(MCG_WIRE_BAD_HEADER, mcg_wire_parse(buf, sizeof(buf), &out))
			TH_LOG("zero field %u", i);
	}
}

TEST(random_bytes_never_crash)
{
	struct mcg_wire_info out;
	unsigned int i, len, ok = 0;

	srand(2);
	for (i = 0; i < 200000; i++) {
		u8 *b;
		unsigned int j;

		len = rand() % 80;
		b = malloc(len ? len : 1);
		for (j = 0; j < len; j++)
			b[j] = rand();
		if (len >= 2 && rand() % 2) {	/* often a plausible start */
			b[0] = 1;
			b[1] = 1;
		}
		if (mcg_wire_parse(b, len, &out) == MCG_WIRE_OK) {
			ok++;
			EXPECT_EQ(len - 48, out.payload_len);
		}
		free(b);
	}
	printf("# %u of 200000 random buffers parsed as headers\n", ok);
}

TEST_HARNESS_MAIN
