/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_KSHIM_MINMAX_H
#define _MCG_KSHIM_MINMAX_H

#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))

#endif
