/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_KSHIM_BYTEORDER_H
#define _MCG_KSHIM_BYTEORDER_H

#include <endian.h>

#define be32_to_cpu(x) be32toh(x)
#define be64_to_cpu(x) be64toh(x)
#define cpu_to_be32(x) htobe32(x)
#define cpu_to_be64(x) htobe64(x)

#endif
