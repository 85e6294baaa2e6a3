// SPDX-License-Identifier: GPL-2.0
/*
 * mcgchat: a group chat over AF_MCG sockets.
 *
 * Each line of standard input, or each -m TEXT, is one message to the
 * group; each message received is one line of output, its sender's id
 * first and its bytes escaped, so that no message can drive the terminal.
 * One poll() loop serves the socket and standard input.  A group given by
 * name is looked up over generic netlink with mcgctl's code (nl.o).
 */
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "mcgctl.h"
#include "nl.h"

#define FAMILY_PARAM	"/sys/module/mcg/parameters/family"

/* Larger than any message: the kernel refuses those beyond the path MTU. */
#define MSG_MAX		65536

struct chat {
	int fd;
	uint32_t group;
	/* Options. */
	bool tabs;		/* -t: "SENDER<TAB>TEXT" */
	bool listen_only;	/* -l */
	bool verbose;		/* -v */
	bool utf8;		/* the locale prints UTF-8 */
	char **texts;		/* -m, in order */
	size_t n_texts;
	uint32_t interval_ms;	/* -i */
	uint32_t count;		/* -c; 0: none */
	uint32_t wait_s;	/* -w */
	bool has_wait;
	/* State. */
	size_t next_text;
	int64_t next_send;	/* when texts[next_text] is due, in ms */
	int64_t last_activity;	/* last message, or end of stdin: for -w */
	uint64_t sent, received;
	bool stdin_open;
	char *line;		/* what standard input gave after the last \n */
	size_t line_len;
};

/* Prefixed to errors while it names what is being done ("group 'x'"). */
static char err_context[64];

void errmsg(const char *fmt, ...)
{
	va_list ap;

	fputs("mcgchat: ", stderr);
	if (err_context[0])
		fprintf(stderr, "%s: ", err_context);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void die_oom(void)
{
	errmsg("out of memory");
	exit(1);
}

/* For mcgchat's usage errors, and nl.o's mcg_nl_open_get(); c is unused. */
int usage_error(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	(void)c;
	fputs("mcgchat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("; try 'mcgchat --help'\n", stderr);
	return 1;
}

static void print_help(void)
{
	fputs("Usage: mcgchat [-l] [-t] [-v] [-c N] [-w SECONDS] [-m TEXT]... [-i MS]\n"
	      "               [-f FAMILY] GROUP\n"
	      "\n"
	      "Chat in an mcg group: each line of standard input is sent to the group as\n"
	      "one message, and each message received is printed as one line,\n"
	      "'[sender N] TEXT'.  GROUP is the group's id, or its name.\n"
	      "\n"
	      "Options:\n"
	      "  -m TEXT      send TEXT instead of reading standard input (repeatable)\n"
	      "  -i MS        wait MS milliseconds between -m messages (default 0)\n"
	      "  -l           listen only: never read standard input\n"
	      "  -t           print 'N<TAB>TEXT', for scripts\n"
	      "  -c N         exit once N messages have been received\n"
	      "  -w SECONDS   exit after SECONDS without a message; with -c, exit 1\n"
	      "               if fewer than N came\n"
	      "               (-c and -w apply once everything is sent)\n"
	      "  -f FAMILY    the address family of AF_MCG (default: what the module\n"
	      "               says in " FAMILY_PARAM ")\n"
	      "  -v           say on standard error when bound, and what was done\n"
	      "  -V, --version  print the version\n"
	      "  -h, --help   print this help\n"
	      "\n"
	      "mcgchat(1) tells the rest.\n",
	      stdout);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The family in effect, as the module reports it; its default otherwise. */
static int family_in_effect(void)
{
	char buf[16] = "";
	uint32_t af;
	FILE *f;

	f = fopen(FAMILY_PARAM, "r");
	if (!f)
		return AF_MCG;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(err_context, sizeof(err_context), "%s", FAMILY_PARAM);
	if (parse_u32("family", buf, 1, 65535, &af))
		exit(1);
	err_context[0] = '\0';
	return af;
}

/* A name is looked up with GROUP_GET; the reply carries the id. */
static int group_by_name(const char *name, uint32_t *id)
{
	struct mcg_replies r = { };
	struct mcg_nl nl;
	mcg_tb_t *tbs;
	int ret = -1;

	if (parse_group_name(name))
		return -1;
	snprintf(err_context, sizeof(err_context), "group '%s'", name);
	if (mcg_nl_open(&nl, false))
		goto out;
	/* err_context already names the group: no verb in the errors. */
	if (!mcg_nl_get(&nl, MCG_CMD_GROUP_GET, name, NULL, &r)) {
		tbs = mcg_nl_parse_all(&r);
		if (tbs && r.n == 1 && tbs[0][MCG_A_GROUP_ID]) {
			*id = nla_get_u32(tbs[0][MCG_A_GROUP_ID]);
			ret = 0;
		} else if (tbs) {
			errmsg("the kernel's reply names no group id");
		}
		free(tbs);
	}
	mcg_replies_free(&r);
	mcg_nl_close(&nl);
out:
	err_context[0] = '\0';
	return ret;
}

/* Digits are an id; anything else is a name (names of digits only: use
 * the id).
 */
static int parse_group(const char *s, uint32_t *id)
{
	if (s[0] >= '0' && s[0] <= '9' && !s[strspn(s, "0123456789")])
		return parse_u32("group", s, 1, UINT32_MAX, id);
	return group_by_name(s, id);
}

static int open_socket(struct chat *c, int family)
{
	struct sockaddr_mcg sa = {
		.smcg_family = family,
		.smcg_group = c->group,
	};

	c->fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		if (errno == EAFNOSUPPORT)
			errmsg("socket of family %d: %s (is the mcg module loaded?)",
			       family, strerror(errno));
		else
			errmsg("socket of family %d: %s", family,
			       strerror(errno));
		return -1;
	}
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (errno == EADDRNOTAVAIL)
			errmsg("bind to group %u: %s (no group with this id)",
			       c->group, strerror(errno));
		else
			errmsg("bind to group %u: %s", c->group,
			       strerror(errno));
		return -1;
	}
	if (c->verbose)
		errmsg("bound to group %u", c->group);
	return 0;
}

static int send_msg(struct chat *c, const char *text, size_t len)
{
	while (send(c->fd, text, len, MSG_NOSIGNAL) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == ENODEV)
			errmsg("group %u was deleted", c->group);
		else
			errmsg("send to group %u: %s", c->group,
			       strerror(errno));
		return -1;
	}
	c->sent++;
	c->last_activity = now_ms();
	return 0;
}

/*
 * The length of the UTF-8 sequence at p that is safe to print as it is, or
 * 0: it must be escaped.  Safe means well-formed (no overlong form, no
 * surrogate, at most U+10FFFF) and neither a C1 control nor a character
 * that reorders or breaks lines (bidirectional controls, U+2028, U+2029).
 */
static size_t utf8_printable(const unsigned char *p, size_t n)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	uint32_t cp;
	size_t len, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp < 0xa0 || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return len;
}

/* Printable ASCII as it is, a backslash doubled, the rest as \xNN. */
static void print_escaped(const struct chat *c, const unsigned char *p,
			  size_t n)
{
	size_t i = 0, len;

	while (i < n) {
		len = c->utf8 ? utf8_printable(p + i, n - i) : 0;
		if (p[i] == '\\') {
			fputs("\\\\", stdout);
			i++;
		} else if (p[i] >= 0x20 && p[i] < 0x7f) {
			putchar(p[i++]);
		} else if (len) {
			fwrite(p + i, 1, len, stdout);
			i += len;
		} else {
			printf("\\x%02x", p[i++]);
		}
	}
}

/* Returns 1 on a message, 0 when there was none after all, -1 to stop. */
static int take_message(struct chat *c)
{
	static unsigned char buf[MSG_MAX];
	struct sockaddr_mcg sa;
	socklen_t salen = sizeof(sa);
	ssize_t n;

	n = recvfrom(c->fd, buf, sizeof(buf), MSG_DONTWAIT,
		     (struct sockaddr *)&sa, &salen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	/* A deleted group: one ENODEV, then end of file, which, unlike an
	 * empty message, comes without an address.
	 */
	if ((n < 0 && errno == ENODEV) || (n == 0 && salen == 0)) {
		errmsg("group %u was deleted", c->group);
		return -1;
	}
	if (n < 0) {
		errmsg("receive from group %u: %s", c->group, strerror(errno));
		return -1;
	}
	if (c->tabs)
		printf("%u\t", sa.smcg_sender);
	else
		printf("[sender %u] ", sa.smcg_sender);
	print_escaped(c, buf, n);
	putchar('\n');
	if (fflush(stdout)) {
		errmsg("standard output: %s", strerror(errno));
		return -1;
	}
	c->received++;
	c->last_activity = now_ms();
	return 1;
}

/*
 * Sends every complete line standard input has given; at its end, what is
 * left too.  A line that fills the buffer is sent as it is (the kernel
 * will say whether it fits).
 */
static int read_stdin(struct chat *c)
{
	char *nl, *start;
	ssize_t n;

	n = read(STDIN_FILENO, c->line + c->line_len, MSG_MAX - c->line_len);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		errmsg("standard input: %s", strerror(errno));
		return -1;
	}
	if (n == 0) {
		c->stdin_open = false;
		c->last_activity = now_ms();	/* -w counts from here */
		if (c->line_len && send_msg(c, c->line, c->line_len))
			return -1;
		c->line_len = 0;
		return 0;
	}
	c->line_len += n;
	start = c->line;
	while ((nl = memchr(start, '\n', c->line + c->line_len - start))) {
		if (send_msg(c, start, nl - start))
			return -1;
		start = nl + 1;
	}
	c->line_len -= start - c->line;
	memmove(c->line, start, c->line_len);
	if (c->line_len == MSG_MAX) {
		if (send_msg(c, c->line, c->line_len))
			return -1;
		c->line_len = 0;
	}
	return 0;
}

/* Sends the -m messages that are due. */
static int send_texts(struct chat *c)
{
	while (c->next_text < c->n_texts && now_ms() >= c->next_send) {
		const char *t = c->texts[c->next_text++];

		if (send_msg(c, t, strlen(t)))
			return -1;
		c->next_send = now_ms() + c->interval_ms;
	}
	return 0;
}

/*
 * Exit status once done: 0 or 1; -1 while the chat goes on.  -c and -w
 * end it only once nothing is left to send: every -m message sent, or
 * standard input at its end.
 */
static int run_once(struct chat *c)
{
	bool texts_left = c->next_text < c->n_texts;
	bool sending = texts_left || c->stdin_open;
	struct pollfd pfd[2] = {
		{ .fd = c->fd, .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
	};
	int64_t timeout = -1, now;	/* -1: no time limit */
	int n;

	if (c->count && c->received >= c->count && !sending)
		return 0;
	now = now_ms();
	if (texts_left) {
		timeout = c->next_send > now ? c->next_send - now : 0;
	} else if (c->has_wait && !sending) {
		timeout = c->last_activity + (int64_t)c->wait_s * 1000 - now;
		if (timeout <= 0) {
			if (!c->count)
				return 0;
			errmsg("%llu of %u messages received, then none for %u s",
			       (unsigned long long)c->received, c->count,
			       c->wait_s);
			return 1;
		}
	}
	if (timeout > INT_MAX)
		timeout = INT_MAX;
	n = poll(pfd, c->stdin_open ? 2 : 1, timeout);
	if (n < 0) {
		if (errno == EINTR)
			return -1;
		errmsg("poll: %s", strerror(errno));
		return 1;
	}
	if (pfd[0].revents && take_message(c) < 0)
		return 1;
	if (c->stdin_open && pfd[1].revents && read_stdin(c))
		return 1;
	if (send_texts(c))
		return 1;
	return -1;
}

static int chat(struct chat *c)
{
	int ret;

	c->last_activity = now_ms();
	c->next_send = c->last_activity;
	c->stdin_open = !c->listen_only && !c->n_texts;
	if (c->stdin_open) {
		c->line = malloc(MSG_MAX);
		if (!c->line)
			die_oom();
	}
	if (send_texts(c))
		return 1;
	do
		ret = run_once(c);
	while (ret < 0);
	if (c->verbose)
		errmsg("%llu messages sent, %llu received",
		       (unsigned long long)c->sent,
		       (unsigned long long)c->received);
	free(c->line);
	return ret;
}

/* The command line into c; -1 to go on, else the exit status. */
static int parse_args(struct chat *c, int argc, char **argv, int *family)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ }
	};
	uint32_t v;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+c:f:hi:lm:tvVw:", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (parse_u32("-c", optarg, 1, UINT32_MAX, &c->count))
				return 1;
			break;
		case 'f':
			if (parse_u32("-f", optarg, 1, 65535, &v))
				return 1;
			*family = v;
			break;
		case 'i':
			if (parse_u32("-i", optarg, 0, 86400000, &c->interval_ms))
				return 1;
			break;
		case 'l':
			c->listen_only = true;
			break;
		case 'm':
			c->texts[c->n_texts++] = optarg;
			break;
		case 't':
			c->tabs = true;
			break;
		case 'v':
			c->verbose = true;
			break;
		case 'w':
			if (parse_u32("-w", optarg, 0, 86400 * 365, &c->wait_s))
				return 1;
			c->has_wait = true;
			break;
		case 'V':
			printf("mcgchat %s\n", MCGCTL_VERSION);
			return 0;
		case 'h':
			print_help();
			return 0;
		default:
			if (optopt && strchr("cfimw", optopt))
				return usage_error(NULL, "option '-%c' needs a value",
						   optopt);
			if (optopt)
				return usage_error(NULL, "unknown option '-%c'",
						   optopt);
			return usage_error(NULL, "unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind == argc)
		return usage_error(NULL, "which group?");
	if (optind + 1 < argc)
		return usage_error(NULL, "unexpected argument '%s'",
				   argv[optind + 1]);
	if (c->listen_only && c->n_texts)
		return usage_error(NULL, "-l and -m exclude each other");
	if (parse_group(argv[optind], &c->group))
		return 1;
	return -1;
}

int main(int argc, char **argv)
{
	struct chat c = { .fd = -1 };
	int family = -1, ret;

	setlocale(LC_CTYPE, "");
	c.utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	c.texts = calloc(argc, sizeof(*c.texts));
	if (!c.texts)
		die_oom();

	ret = parse_args(&c, argc, argv, &family);
	if (ret < 0) {
		if (family < 0)
			family = family_in_effect();
		ret = open_socket(&c, family) ? 1 : chat(&c);
	}
	if (c.fd >= 0)
		close(c.fd);
	free(c.texts);
	if (fflush(stdout) || ferror(stdout)) {
		errmsg("standard output: %s", strerror(errno));
		return 1;
	}
	return ret;
}
