/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_SOCKET_H
#define _MCG_SOCKET_H

extern int mcg_family;

int mcg_socket_init(void);
void mcg_socket_uninit(void);

#endif /* _MCG_SOCKET_H */
