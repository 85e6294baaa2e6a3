/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whole files: a group file, its signatures, mcgd's saved roster.
 */
#ifndef MCGD_FILE_H
#define MCGD_FILE_H

#include <stddef.h>

#include "err.h"

/*
 * The regular file at path, whole (malloc'd, NUL-terminated, *len its
 * length without the NUL); NULL with "PATH: reason" in e if it cannot be
 * read or is larger than max bytes.
 */
char *mcg_file_read(const char *path, size_t max, size_t *len,
		    struct mcg_err *e);

/*
 * Replaces path with data, mode 0600, all or nothing: a temporary file,
 * synced, renamed over it.  -1 with e on failure.
 */
int mcg_file_write(const char *path, const void *data, size_t len,
		   struct mcg_err *e);

#endif /* MCGD_FILE_H */
