/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcgd's log: one line per event on standard error, which systemd hands
 * to the journal; there each line carries its syslog priority as a "<N>"
 * prefix, which journald reads.  Never a key in a line.
 */
#ifndef MCGD_LOG_H
#define MCGD_LOG_H

#include <syslog.h>

__attribute__((format(printf, 2, 3)))
void mcgd_log(int prio, const char *fmt, ...);

/* Logs and exits (also what mcgctl's netlink code calls). */
__attribute__((noreturn)) void die_oom(void);

/* Lines below this priority are left out (LOG_DEBUG: all). */
extern int mcgd_log_level;

#endif /* MCGD_LOG_H */
