// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "file.h"

char *mcg_file_read(const char *path, size_t max, size_t *len,
		    struct mcg_err *e)
{
	struct stat st;
	char *text = NULL;
	ssize_t n;
	int fd;

	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		mcg_err_set(e, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		mcg_err_set(e, "%s: not a regular file", path);
		goto out;
	}
	if ((size_t)st.st_size > max) {
		mcg_err_set(e, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	text = malloc(st.st_size + 1);
	if (!text) {
		mcg_err_set(e, "%s: out of memory", path);
		goto out;
	}
	/* What fstat() said, no more: a file that grows is read as it was. */
	while (*len < (size_t)st.st_size) {
		n = read(fd, text + *len, st.st_size - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			mcg_err_set(e, "%s: %s", path, strerror(errno));
			free(text);
			text = NULL;
			goto out;
		}
		if (!n)
			break;
		*len += n;
	}
	text[*len] = '\0';
out:
	close(fd);
	return text;
}

int mcg_file_write(const char *path, const void *data, size_t len,
		   struct mcg_err *e)
{
	char tmp[PATH_MAX];
	const char *p = data;
	ssize_t n;
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp))
		return mcg_err_set(e, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return mcg_err_set(e, "%s: %s", tmp, strerror(errno));
	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		p += n;
		len -= n;
	}
	if (fsync(fd))
		goto fail;
	if (close(fd)) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path)) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	mcg_err_set(e, "%s: %s", tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}
