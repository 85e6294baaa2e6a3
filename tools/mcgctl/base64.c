// SPDX-License-Identifier: GPL-2.0
/*
 * Base64 for keys.  Characters are mapped by arithmetic rather than by
 * table look-up, so that which cache lines are touched does not depend on
 * the key; decoding is strict (padding required, unused bits zero) so that
 * every key has exactly one spelling.
 */
#include "base64.h"

static char enc6(unsigned int v)
{
	if (v < 26)
		return 'A' + v;
	if (v < 52)
		return 'a' + (v - 26);
	if (v < 62)
		return '0' + (v - 52);
	return v == 62 ? '+' : '/';
}

/* The 6-bit value of c, or -1. */
static int dec6(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

void base64_encode(char *dst, const uint8_t *src, size_t len)
{
	uint32_t v;

	for (; len >= 3; len -= 3, src += 3) {
		v = (uint32_t)src[0] << 16 | src[1] << 8 | src[2];
		*dst++ = enc6(v >> 18);
		*dst++ = enc6(v >> 12 & 63);
		*dst++ = enc6(v >> 6 & 63);
		*dst++ = enc6(v & 63);
	}
	if (len) {
		v = (uint32_t)src[0] << 16 | (len == 2 ? src[1] << 8 : 0);
		*dst++ = enc6(v >> 18);
		*dst++ = enc6(v >> 12 & 63);
		*dst++ = len == 2 ? enc6(v >> 6 & 63) : '=';
		*dst++ = '=';
	}
	*dst = '\0';
}

long base64_decode(uint8_t *dst, size_t dst_size, const char *src,
		   size_t len)
{
	size_t i, out = 0;
	int pad = 0, k, d;
	uint32_t v;

	if (len % 4)
		return -1;
	if (len && src[len - 1] == '=')
		pad = src[len - 2] == '=' ? 2 : 1;
	if (len / 4 * 3 - pad > dst_size)
		return -1;
	for (i = 0; i < len; i += 4) {
		v = 0;
		for (k = 0; k < 4; k++) {
			if (i + k >= len - pad) {
				v <<= 6;
				continue;
			}
			d = dec6(src[i + k]);
			if (d < 0)
				return -1;
			v = v << 6 | d;
		}
		/* The bits the padding stands for must be zero. */
		if ((pad == 1 && i + 4 == len && (v & 0xff)) ||
		    (pad == 2 && i + 4 == len && (v & 0xffff)))
			return -1;
		dst[out++] = v >> 16;
		if (i + 4 < len || pad < 2)
			dst[out++] = v >> 8;
		if (i + 4 < len || pad < 1)
			dst[out++] = v;
	}
	return out;
}
