/* SPDX-License-Identifier: GPL-2.0 */
/* Big-endian fields of 1 to 8 bytes, as every mcgd datagram has them. */
#ifndef MCGD_BE_H
#define MCGD_BE_H

#include <stdint.h>

static inline void mcg_put_be(uint8_t *p, uint64_t v, unsigned int bytes)
{
	while (bytes--) {
		p[bytes] = v;
		v >>= 8;
	}
}

static inline uint64_t mcg_get_be(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes--)
		v = v << 8 | *p++;
	return v;
}

#endif /* MCGD_BE_H */
