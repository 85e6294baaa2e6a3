/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-ins for the kernel's types, for unit tests of kmod/. */
#ifndef _MCG_KSHIM_TYPES_H
#define _MCG_KSHIM_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#ifndef __packed
#define __packed __attribute__((packed))
#endif

#endif
