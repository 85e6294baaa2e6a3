/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_NETLINK_H
#define _MCG_NETLINK_H

int mcg_genl_init(void);
void mcg_genl_uninit(void);

#endif /* _MCG_NETLINK_H */
