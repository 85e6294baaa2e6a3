// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/wire.c in userspace: the header parser reads nothing beyond the
 * length it is given (ASan watches), refuses every malformed header, and
 * round-trips what the sender builds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "wire.h"

static const struct mcg_wire_info good = {
	.type = MCG_WIRE_DATA, .group = 7, .sender = 0x01020304, .epoch = 3,
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
	EXPECT_EQ(MCG_WIRE_DATA, out.type);
	EXPECT_EQ(100U, out.payload_len);
}

TEST(bundle_type_round_trips)
{
	struct mcg_wire_info in = good, out;
	u8 buf[32 + 10 + 16];

	in.type = MCG_WIRE_BUNDLE;
	mcg_wire_build((struct mcg_wire_hdr *)buf, &in);
	EXPECT_EQ(2, buf[1]);
	ASSERT_EQ(MCG_WIRE_OK, mcg_wire_parse(buf, sizeof(buf), &out));
	EXPECT_EQ(MCG_WIRE_BUNDLE, out.type);
	EXPECT_EQ(10U, out.payload_len);
}

/* Records of @n lengths @lens into @buf; returns the bytes used. */
static unsigned int put_bundle(u8 *buf, const unsigned int *lens, unsigned int n)
{
	unsigned int i, off = 0;

	for (i = 0; i < n; i++) {
		buf[off++] = lens[i] >> 8;
		buf[off++] = lens[i];
		memset(buf + off, 'a' + i, lens[i]);
		off += lens[i];
	}
	return off;
}

/* Exactly @len bytes of @src on the heap: a read past them is an ASan report. */
static u8 *heap_copy(const u8 *src, unsigned int len)
{
	u8 *b = malloc(len ? len : 1);

	memcpy(b, src, len);
	return b;
}

TEST(bundles_that_add_up_are_walked_record_by_record)
{
	static const unsigned int lens[] = { 5, 0, 1, 300, 2 };
	unsigned int len, off, i, n;
	u8 buf[512], *b;

	len = put_bundle(buf, lens, 5);
	b = heap_copy(buf, len);
	ASSERT_EQ(5, mcg_wire_bundle_check(b, len));
	for (off = 0, i = 0; off < len; off += n, i++) {
		n = mcg_wire_bundle_next(b, &off);
		ASSERT_LT(i, 5U);
		EXPECT_EQ(lens[i], n);
		if (n)
			EXPECT_EQ('a' + i, b[off + n - 1]);
	}
	EXPECT_EQ(5U, i);
	EXPECT_EQ(len, off);
	free(b);

	/* One empty message is a bundle too; the largest record length. */
	buf[0] = 0;
	buf[1] = 0;
	EXPECT_EQ(1, mcg_wire_bundle_check(buf, 2));
	b = calloc(1, 2 + 65535);
	b[0] = 0xff;
	b[1] = 0xff;
	EXPECT_EQ(1, mcg_wire_bundle_check(b, 2 + 65535));
	EXPECT_EQ(-EBADMSG, mcg_wire_bundle_check(b, 2 + 65534));
	free(b);
}

TEST(bundles_that_lie_are_refused_without_reading_past_them)
{
	static const unsigned int lens[] = { 3, 4 };
	unsigned int len, cut;
	u8 buf[64], *b;

	len = put_bundle(buf, lens, 2);		/* 2+3+2+4 = 11 bytes */
	ASSERT_EQ(11U, len);
	/* Empty, and every truncation: mid-length, mid-message. */
	for (cut = 0; cut < len; cut++) {
		b = heap_copy(buf, cut);
		EXPECT_EQ(cut == 5 ? 1 : -EBADMSG, mcg_wire_bundle_check(b, cut))
			TH_LOG("cut at %u", cut);
		free(b);
	}
	/* A trailing byte; a length one too long or too short. */
	buf[len] = 0;
	b = heap_copy(buf, len + 1);
	EXPECT_EQ(-EBADMSG, mcg_wire_bundle_check(b, len + 1));
	free(b);
	buf[6] = 5;
	b = heap_copy(buf, len);
	EXPECT_EQ(-EBADMSG, mcg_wire_bundle_check(b, len));
	free(b);
	buf[6] = 3;
	b = heap_copy(buf, len);
	EXPECT_EQ(-EBADMSG, mcg_wire_bundle_check(b, len));
	free(b);
	buf[6] = 4;
	buf[0] = 0x80;		/* a length past everything */
	b = heap_copy(buf, len);
	EXPECT_EQ(-EBADMSG, mcg_wire_bundle_check(b, len));
	free(b);
}

/* The walk, written the other way round: records counted from a list. */
static int reference_check(const u8 *b, unsigned int len)
{
	unsigned int off = 0;
	int n = 0;

	if (!len)
		return -EBADMSG;
	while (off + 2 <= len) {
		off += 2 + (b[off] << 8 | b[off + 1]);
		n++;
		if (off == len)
			return n;
	}
	return -EBADMSG;
}

TEST(random_bundles_agree_with_a_reference_walk)
{
	unsigned int i, j, len, ok = 0;

	srand(3);
	for (i = 0; i < 200000; i++) {
		u8 *b;

		len = rand() % 24;
		b = malloc(len ? len : 1);
		for (j = 0; j < len; j++)	/* small lengths: some add up */
			b[j] = rand() % 3 ? rand() % 6 : rand();
		EXPECT_EQ(reference_check(b, len), mcg_wire_bundle_check(b, len));
		ok += mcg_wire_bundle_check(b, len) > 0;
		free(b);
	}
	printf("# %u of 200000 random plaintexts were bundles\n", ok);
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
		{ 1, 0 }, { 1, 3 }, { 1, 0xff },	/* type */
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
