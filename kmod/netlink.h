/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_NETLINK_H
#define _MCG_NETLINK_H

#include <linux/types.h>

struct mcg_group;

void mcg_nl_key_exhausted(struct mcg_group *g, u32 epoch);
int mcg_genl_init(void);
void mcg_genl_uninit(void);

#endif /* _MCG_NETLINK_H */
