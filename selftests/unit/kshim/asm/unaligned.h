/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_KSHIM_UNALIGNED_H
#define _MCG_KSHIM_UNALIGNED_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

/* memcpy, as the kernel's: ASan and UBSan see a 2-byte read. */
static inline uint16_t get_unaligned_be16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return be16toh(v);
}

#endif
