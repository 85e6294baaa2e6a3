/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_KSHIM_STRING_H
#define _MCG_KSHIM_STRING_H

#include <string.h>

static inline void memzero_explicit(void *p, size_t n)
{
	explicit_bzero(p, n);
}

#endif
