/* SPDX-License-Identifier: GPL-2.0 */
/* The few kernel-style helpers mcgctl uses, for userspace. */
#ifndef MCGCTL_COMPILER_H
#define MCGCTL_COMPILER_H

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#ifndef __printf
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#endif

#ifndef __noreturn
#define __noreturn	__attribute__((noreturn))
#endif

#endif /* MCGCTL_COMPILER_H */
