// SPDX-License-Identifier: GPL-2.0
/*
 * daemon show: what mcgd says of its groups, through its control socket
 * (the protocol is in ../mcgd/ctl.h), for people or as JSON.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "mcgctl.h"
#include "json.h"
#include "line.h"

#define MCGD_SOCKET	"/run/mcg/mcgd.sock"
#define REPLY_MAX	(1 << 20)

/* The whole answer to request, NUL-terminated; NULL (printed) on error. */
static char *ask(const char *path, const char *request)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t len = 0, size = 0;
	char *buf = NULL;
	ssize_t n;
	int fd;

	if (strlen(path) >= sizeof(a.sun_path)) {
		errmsg("%s: path too long", path);
		return NULL;
	}
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			errmsg("mcgd is not running (no %s)", path);
		else
			errmsg("%s: %s", path, strerror(errno));
		goto fail;
	}
	if (write_all(fd, request, strlen(request)))
		goto fail;
	for (;;) {
		if (len + 1 >= size) {
			char *b;

			if (size >= REPLY_MAX) {
				errmsg("mcgd's answer is larger than %d bytes", REPLY_MAX);
				goto fail;
			}
			size = size ? size * 2 : 4096;
			b = realloc(buf, size);
			if (!b)
				die_oom();
			buf = b;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			errmsg("%s: %s", path, strerror(errno));
			goto fail;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* Splits "KEY\tVALUE[\tVALUE2]" in place. */
static void fields(char *ln, char **k, char **v, char **v2)
{
	*k = ln;
	*v = strchr(ln, '\t');
	*v2 = NULL;
	if (*v) {
		*(*v)++ = '\0';
		*v2 = strchr(*v, '\t');
		if (*v2)
			*(*v2)++ = '\0';
	} else {
		*v = ln + strlen(ln);
	}
}

static bool is_number(const char *s)
{
	char *end;

	if (!*s)
		return false;
	errno = 0;
	strtoull(s, &end, 0);
	return !*end && !errno;
}

static void print_json(char *text)
{
	bool in_group = false, in_counters = false;
	const char *in_list = NULL;	/* "epoch" or "peer": an array open */
	char *ln, *save, *k, *v, *v2;
	struct json j;

	json_init(&j, stdout, opts.pretty);
	json_arr_open(&j, NULL);
	for (ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		fields(ln, &k, &v, &v2);
		if ((in_list && strcmp(k, in_list)) ||
		    (in_counters && strcmp(k, "counter"))) {
			if (in_list)
				json_arr_close(&j);
			else
				json_obj_close(&j);
			in_list = NULL;
			in_counters = false;
		}
		if (!strcmp(k, "group")) {
			if (in_group)
				json_obj_close(&j);
			json_obj_open(&j, NULL);
			in_group = true;
			json_str(&j, "group", v);
		} else if (!strcmp(k, "epoch")) {
			if (!in_list)
				json_arr_open(&j, "epochs");
			in_list = "epoch";
			json_u64(&j, NULL, strtoull(v, NULL, 0));
		} else if (!strcmp(k, "peer")) {
			if (!in_list)
				json_arr_open(&j, "peers");
			in_list = "peer";
			json_str(&j, NULL, v);
		} else if (!strcmp(k, "counter") && v2) {
			if (!in_counters)
				json_obj_open(&j, "counters");
			in_counters = true;
			json_u64(&j, v, strtoull(v2, NULL, 0));
		} else if (is_number(v)) {
			json_u64(&j, k, strtoull(v, NULL, 0));
		} else {
			json_str(&j, k, v);
		}
	}
	if (in_list)
		json_arr_close(&j);
	if (in_counters)
		json_obj_close(&j);
	if (in_group)
		json_obj_close(&j);
	json_arr_close(&j);
	json_end(&j);
}

/*
 * One group's record (its lines, NUL-separated in place) for people:
 *
 *   group chat: key-server, roster version 2
 *     id 5  member alpha  sender 1  members 6  live 6
 *     key server alpha (1)  kek 0x110001
 *     sending 0x110002  epochs 0x110001 0x110002
 *     peers 2001:db8:3::b
 *     datagrams_in 120  datagrams_refused 0 ...
 */
static void print_group(char **lines, size_t n)
{
	struct line head, who, keys, peers, counters;
	char epochs[128] = "";
	const char *ks = "0";
	char *k, *v, *v2;
	size_t i;

	line_start(&head, "group ", "");
	line_start(&who, "  ", "  ");
	line_start(&keys, "  ", "  ");
	line_start(&peers, "  peers ", " ");
	line_wrap(&peers, 78, "    ");
	for (i = 0; i < n; i++) {
		fields(lines[i], &k, &v, &v2);
		if (!strcmp(k, "group"))
			line_add(&head, "%s:", v);
		else if (!strcmp(k, "state"))
			line_add(&head, " %s,", v);
		else if (!strcmp(k, "roster_version"))
			line_add(&head, " roster version %s", v);
		else if (!strcmp(k, "key_server"))
			ks = v;
		else if (!strcmp(k, "key_server_name"))
			line_add(&keys, "key server %s (%s)", v, ks);
		else if (!strcmp(k, "kek"))
			line_add(&keys, "kek %s", v);
		else if (!strcmp(k, "tx_epoch"))
			line_add(&keys, "sending %s", v);
		else if (!strcmp(k, "epoch"))
			snprintf(epochs + strlen(epochs), sizeof(epochs) - strlen(epochs),
				 " %s", v);
		else if (!strcmp(k, "peer"))
			line_add(&peers, "%s", v);
		else if (strcmp(k, "counter"))
			line_add(&who, "%s %s", k, v);
	}
	if (epochs[0])
		line_add(&keys, "epochs%s", epochs);
	line_end(&head);
	line_end(&who);
	line_end(&keys);
	line_end(&peers);
	/* Last, as it may take lines of its own. */
	line_start(&counters, "  ", "  ");
	line_wrap(&counters, 78, "  ");
	for (i = 0; i < n; i++) {
		/* fields() left "counter\0NAME\0VALUE". */
		if (strcmp(lines[i], "counter"))
			continue;
		k = lines[i] + sizeof("counter");
		line_add(&counters, "%s %s", k, k + strlen(k) + 1);
	}
	line_end(&counters);
}

static void print_text(char *text)
{
	char *ln, *save, **lines = NULL;
	size_t n = 0;

	for (ln = strtok_r(text, "\n", &save); ; ln = strtok_r(NULL, "\n", &save)) {
		if (!ln || !strncmp(ln, "group\t", 6)) {
			if (n)
				print_group(lines, n);
			n = 0;
			if (!ln)
				break;
		}
		lines = realloc(lines, (n + 1) * sizeof(*lines));
		if (!lines)
			die_oom();
		lines[n++] = ln;
	}
	free(lines);
}

static int daemon_show(const struct cmd *c, int argc, char **argv)
{
	const char *path = MCGD_SOCKET, *group = NULL;
	char request[128], *reply;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "socket") && i + 1 < argc)
			path = argv[++i];
		else if (!group && strcmp(argv[i], "socket"))
			group = argv[i];
		else
			return usage_error(c, "unknown word '%s'", argv[i]);
	}
	if (group && parse_group_name(group))
		return EXIT_USAGE;
	snprintf(request, sizeof(request), "show%s%s\n", group ? " " : "",
		 group ? group : "");
	reply = ask(path, request);
	if (!reply)
		return 1;
	if (!strncmp(reply, "error\t", 6)) {
		reply[strcspn(reply, "\n")] = '\0';
		errmsg("%s", reply + 6);
		free(reply);
		return 1;
	}
	if (opts.json)
		print_json(reply);
	else
		print_text(reply);
	free(reply);
	return 0;
}

const struct cmd daemon_cmds[] = {
	{ .name = "show", .fn = daemon_show,
	  .usage = "mcgctl daemon show [GROUP] [socket PATH]" },
	{ }
};
