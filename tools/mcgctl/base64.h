/* SPDX-License-Identifier: GPL-2.0 */
/* Base64, standard alphabet, with padding (RFC 4648, section 4). */
#ifndef MCGCTL_BASE64_H
#define MCGCTL_BASE64_H

#include <stddef.h>
#include <stdint.h>

#define BASE64_LEN(n)	(((n) + 2) / 3 * 4)

/* Writes BASE64_LEN(len) characters and a NUL into dst. */
void base64_encode(char *dst, const uint8_t *src, size_t len);

/*
 * Decodes exactly len characters into dst, which holds dst_size bytes.
 * Returns the decoded length, or -1 if src is not canonical base64 or
 * does not fit.
 */
long base64_decode(uint8_t *dst, size_t dst_size, const char *src,
		   size_t len);

#endif /* MCGCTL_BASE64_H */
