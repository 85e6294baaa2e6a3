// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/kdf.c in userspace: HMAC-SHA256 against RFC 4231, HKDF against
 * RFC 5869, and the sender-key derivation against an independent HKDF
 * built on OpenSSL's HMAC.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/hmac.h>
#include <errno.h>
#include <stdlib.h>

#include "kselftest_harness.h"
#include "kdf.h"

static void unhex(const char *h, u8 *out, unsigned int *len)
{
	unsigned int n = 0;

	for (; h[0] && h[1]; h += 2)
		sscanf(h, "%2hhx", &out[n++]);
	*len = n;
}

TEST(hmac_sha256_rfc4231)
{
	static const struct { const char *key, *data, *mac; } v[] = {
		{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		/* Test case 6: a key longer than the block is hashed first;
		 * NULL stands for its 131 bytes of 0xaa. */
		{ NULL,
		  "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	};
	u8 key[256], data[256], want[32], got[32];
	unsigned int i, kl, dl, wl;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (v[i].key) {
			unhex(v[i].key, key, &kl);
		} else {
			kl = 131;
			memset(key, 0xaa, kl);
		}
		unhex(v[i].data, data, &dl);
		unhex(v[i].mac, want, &wl);
		mcg_hmac_sha256(key, kl, data, dl, got);
		EXPECT_EQ(0, memcmp(want, got, 32)) TH_LOG("vector %u", i + 1);
	}
}

TEST(hkdf_sha256_rfc5869)
{
	static const struct { const char *ikm, *salt, *info, *prk, *okm; } v[] = {
		{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c",
		  "f0f1f2f3f4f5f6f7f8f9",
		  "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
		  "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865" },
		{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
		  "404142434445464748494a4b4c4d4e4f",
		  "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
		  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
		  "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
		  "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
		  "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
		  "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
		  "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
		  "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
		  "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
		  "cc30c58179ec3e87c14c01d5c1f3434f1d87" },
		{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
		  "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
		  "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8" },
	};
	u8 ikm[128], salt[128], info[128], prk[32], okm[128], want[128], got[128];
	unsigned int i, il, sl, nl, pl, ol;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unhex(v[i].ikm, ikm, &il);
		unhex(v[i].salt, salt, &sl);
		unhex(v[i].info, info, &nl);
		unhex(v[i].prk, want, &pl);
		unhex(v[i].okm, okm, &ol);
		mcg_hkdf_extract(salt, sl, ikm, il, prk);
		EXPECT_EQ(0, memcmp(want, prk, 32)) TH_LOG("PRK of case %u", i + 1);
		ASSERT_EQ(0, mcg_hkdf_expand(prk, info, nl, got, ol));
		EXPECT_EQ(0, memcmp(okm, got, ol)) TH_LOG("OKM of case %u", i + 1);
	}
	EXPECT_EQ(-EINVAL, mcg_hkdf_expand(prk, info, 0, got, 255 * 32 + 1));
}

/* HKDF again, on OpenSSL's HMAC: an implementation that shares no code. */
static void ref_sender_key(const u8 *key, unsigned int klen, u32 alg, u32 group,
			   u32 epoch, u32 sender, u64 run, u8 *out, unsigned int len)
{
	static const char salt[] = "mcg v1 epoch key", label[] = "mcg v1 sender key";
	u8 prk[32], info[64], t[32];
	unsigned int plen = 32, n = 0, tl;
	int i;

	HMAC(EVP_sha256(), salt, strlen(salt), key, klen, prk, &plen);
	memcpy(info, label, strlen(label));
	n = strlen(label);
	for (i = 3; i >= 0; i--) info[n++] = alg >> (8 * i);
	for (i = 3; i >= 0; i--) info[n++] = group >> (8 * i);
	for (i = 3; i >= 0; i--) info[n++] = epoch >> (8 * i);
	for (i = 3; i >= 0; i--) info[n++] = sender >> (8 * i);
	for (i = 7; i >= 0; i--) info[n++] = run >> (8 * i);
	info[n++] = 1;
	HMAC(EVP_sha256(), prk, 32, info, n, t, &tl);
	memcpy(out, t, len);
}

TEST(sender_keys_match_an_independent_hkdf)
{
	u8 key[32], prk[32], got[32], want[32];
	unsigned int i, len;

	srand(3);
	for (i = 0; i < 1000; i++) {
		u32 alg = 1 + rand() % 3, group = rand(), epoch = rand(), sender = rand();
		u64 run = ((u64)rand() << 32) | rand();
		unsigned int j;

		len = alg == 1 ? 16 : 32;
		for (j = 0; j < len; j++)
			key[j] = rand();
		mcg_kdf_epoch(key, len, prk);
		mcg_kdf_sender(prk, alg, group, epoch, sender, run, got, len);
		ref_sender_key(key, len, alg, group, epoch, sender, run, want, len);
		ASSERT_EQ(0, memcmp(want, got, len)) TH_LOG("case %u", i);
	}
}

TEST(every_input_changes_the_sender_key)
{
	u8 key[32] = { 1, 2, 3 }, prk[32], base[32], k[32];

	mcg_kdf_epoch(key, 32, prk);
	mcg_kdf_sender(prk, 2, 10, 1, 5, 1000, base, 32);
	mcg_kdf_sender(prk, 3, 10, 1, 5, 1000, k, 32);
	EXPECT_NE(0, memcmp(base, k, 32)) TH_LOG("alg");
	mcg_kdf_sender(prk, 2, 11, 1, 5, 1000, k, 32);
	EXPECT_NE(0, memcmp(base, k, 32)) TH_LOG("group");
	mcg_kdf_sender(prk, 2, 10, 2, 5, 1000, k, 32);
	EXPECT_NE(0, memcmp(base, k, 32)) TH_LOG("epoch");
	mcg_kdf_sender(prk, 2, 10, 1, 6, 1000, k, 32);
	EXPECT_NE(0, memcmp(base, k, 32)) TH_LOG("sender");
	mcg_kdf_sender(prk, 2, 10, 1, 5, 1001, k, 32);
	EXPECT_NE(0, memcmp(base, k, 32)) TH_LOG("run");
	key[31] ^= 1;
	mcg_kdf_epoch(key, 32, prk);
	mcg_kdf_sender(prk, 2, 10, 1, 5, 1000, k, 32);
	EXPECT_NE(0, memcmp(base, k, 32)) TH_LOG("group key");
}

TEST_HARNESS_MAIN
