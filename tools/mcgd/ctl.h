/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket, /run/mcg/mcgd.sock (root only): a client writes one
 * request line, mcgd answers and closes.  "show [GROUP]" gets, for each
 * group, lines of "KEY<TAB>VALUE" beginning with "group<TAB>NAME" and
 * ending with an empty line ("epoch" once per installed epoch, and
 * "counter<TAB>NAME<TAB>VALUE" for each counter); mcgctl daemon show
 * prints them for people or as JSON.  A request it cannot answer gets
 * one line "error<TAB>REASON".
 */
#ifndef MCGD_CTL_H
#define MCGD_CTL_H

#include "daemon.h"

/* Listens at d->sock_path; the descriptor, or -1 (logged). */
int mcgd_ctl_open(struct mcgd *d);
/* A client is waiting: answer it. */
void mcgd_ctl_accept(struct mcgd *d, int fd, uint64_t now);
void mcgd_ctl_close(struct mcgd *d, int fd);

#endif /* MCGD_CTL_H */
