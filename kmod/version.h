/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCG_VERSION_H
#define _MCG_VERSION_H

#define MCG_VERSION "0.1.0"

#endif /* _MCG_VERSION_H */
