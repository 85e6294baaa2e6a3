/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_RUN_H
#define _MCG_RUN_H

#include <linux/types.h>

u64 mcg_run_next(void);

#endif /* _MCG_RUN_H */
