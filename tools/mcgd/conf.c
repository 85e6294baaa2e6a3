// SPDX-License-Identifier: GPL-2.0
/*
 * The group file, read with libinih.  inih hands over one (section, name,
 * value) at a time and knows nothing of lines once it has them, so the
 * reader below counts lines for the errors, and refuses what inih would
 * take differently from how a person reads it (an indented line, which it
 * joins to the key above; a line too long for its buffer, which it splits).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <ini.h>
#include <linux/mcg.h>

#include "conf.h"
#include "file.h"

#define CONF_MAX_SIZE	(1 << 20)

static const char *const alg_names[] = {
	[MCG_ALG_AES_GCM_128] = "aes-gcm-128",
	[MCG_ALG_AES_GCM_256] = "aes-gcm-256",
	[MCG_ALG_CHACHA20_POLY1305] = "chacha20-poly1305",
};

const char *mcg_conf_alg_name(uint8_t alg)
{
	if (alg >= sizeof(alg_names) / sizeof(alg_names[0]))
		return NULL;
	return alg_names[alg];
}

/* What each section has seen, to refuse a key given twice. */
enum {
	SEEN_ID = 1 << 0, SEEN_ADDR = 1 << 1, SEEN_IF = 1 << 2,
	SEEN_PORT = 1 << 3, SEEN_ALG = 1 << 4, SEEN_ROTATION = 1 << 5,
	SEEN_ACT = 1 << 6, SEEN_DEACT = 1 << 7, SEEN_RDEACT = 1 << 8,
	SEEN_HELLO = 1 << 9, SEEN_THRESHOLD = 1 << 10, SEEN_VERSION = 1 << 11,
	SEEN_HOPLIMIT = 1 << 12,
};
enum {
	M_KEY = 1 << 0, M_SENDER = 1 << 1, M_PRIORITY = 1 << 2,
	M_SITE = 1 << 3, M_ADDR = 1 << 4,
};

struct parser {
	const char *name;
	const char *text, *pos, *end;
	unsigned int line;
	struct mcg_conf *c;
	struct mcg_err *e;
	bool failed;
	unsigned int seen;
	unsigned int member_seen;	/* of members[nmembers - 1] */
	char section[128];		/* the one being read */
	unsigned int hdr_line;		/* the last '[...]' line */
	unsigned int hdr_keys;		/* keys since */
	bool hdr_new;			/* no key of it seen yet */
	unsigned int sections;		/* [group], [admins], [roster] seen */
	uint32_t cap;
};

static int fail(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
	char why[384];
	va_list ap;

	if (!p->failed) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		mcg_err_set(p->e, "%s:%u: %s", p->name, p->line, why);
		p->failed = true;
	}
	return 0;	/* inih: stop treating this as a success */
}

/*
 * A section with no key would vanish without a word (inih reports keys,
 * not sections): called at each header line and at the end.
 */
static bool empty_section(struct parser *p)
{
	if (p->hdr_line && !p->hdr_keys) {
		p->line = p->hdr_line;
		fail(p, "an empty section");
		return false;
	}
	p->hdr_line = p->line;
	p->hdr_keys = 0;
	p->hdr_new = true;
	return true;
}

/* inih's reader: one line of the text per call, counted. */
static char *read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *nl, *lead;
	size_t len;

	if (p->failed)
		return NULL;
	if (p->pos >= p->end) {
		empty_section(p);
		return NULL;
	}
	nl = memchr(p->pos, '\n', p->end - p->pos);
	len = (nl ? nl : p->end) - p->pos;
	p->line++;
	if (len + 2 > (size_t)num) {
		fail(p, "line too long (over %d characters)", num - 2);
		return NULL;
	}
	if (memchr(p->pos, '\0', len)) {
		fail(p, "a NUL byte: not a text file");
		return NULL;
	}
	memcpy(str, p->pos, len);
	str[len] = '\0';
	p->pos += len + (nl ? 1 : 0);
	/* What inih skips (isspace(): form feeds too) before a header. */
	lead = str;
	while (isspace((unsigned char)*lead))
		lead++;
	if (*lead == '[' && !empty_section(p))
		return NULL;
	if (lead != str && *lead) {
		fail(p, "an indented line: put each 'key = value' at the start of its line");
		return NULL;
	}
	return str;
}

static int parse_num(struct parser *p, const char *key, const char *v,
		     uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long n;
	char *end;

	if (!isdigit((unsigned char)*v))
		goto bad;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || n < min || n > max)
		goto bad;
	*out = n;
	return 0;
bad:
	fail(p, "'%s' expects a number from %llu to %llu, not '%s'", key,
	     (unsigned long long)min, (unsigned long long)max, v);
	return -1;
}

static int once(struct parser *p, unsigned int *seen, unsigned int bit,
		const char *key)
{
	if (*seen & bit) {
		fail(p, "'%s' given twice in [%s]", key, p->section);
		return -1;
	}
	*seen |= bit;
	return 0;
}

static int parse_key(struct parser *p, const char *key, const char *v,
		     uint8_t out[MCG_KEY_LEN])
{
	if (mcg_key_parse(v, strlen(v), out))
		return fail(p, "'%s' expects a public key (44 base64 characters, as 'mcgctl pubid' prints), not '%s'",
			    key, v), -1;
	return 0;
}

#define NUM(key_, bit_, min_, max_, field_) do {			\
	uint64_t n_;							\
	if (once(p, &p->seen, bit_, key_) ||				\
	    parse_num(p, key_, v, min_, max_, &n_))			\
		return 0;						\
	c->field_ = n_;							\
	return 1;							\
} while (0)

static int group_key(struct parser *p, const char *k, const char *v)
{
	struct mcg_conf *c = p->c;
	unsigned int i;

	if (!strcmp(k, "id"))
		NUM("id", SEEN_ID, 1, UINT32_MAX, id);
	if (!strcmp(k, "port"))
		/* The control port is the next one. */
		NUM("port", SEEN_PORT, 1, 65534, port);
	if (!strcmp(k, "rotation"))
		NUM("rotation", SEEN_ROTATION, 10, 30 * 86400, rotation);
	if (!strcmp(k, "activation"))
		NUM("activation", SEEN_ACT, 1, 3600, activation);
	if (!strcmp(k, "deactivation"))
		NUM("deactivation", SEEN_DEACT, 1, 3600, deactivation);
	if (!strcmp(k, "removal-deactivation"))
		NUM("removal-deactivation", SEEN_RDEACT, 1, 3600,
		    removal_deactivation);
	if (!strcmp(k, "hello"))
		NUM("hello", SEEN_HELLO, 1, 60, hello);
	if (!strcmp(k, "hoplimit"))
		NUM("hoplimit", SEEN_HOPLIMIT, 1, 255, hoplimit);
	if (!strcmp(k, "address")) {
		if (once(p, &p->seen, SEEN_ADDR, k))
			return 0;
		if (inet_pton(AF_INET6, v, &c->addr) != 1 ||
		    !IN6_IS_ADDR_MULTICAST(&c->addr))
			return fail(p, "'address' expects an IPv6 multicast address, not '%s'", v);
		return 1;
	}
	if (!strcmp(k, "interface")) {
		if (once(p, &p->seen, SEEN_IF, k))
			return 0;
		if (!*v || strlen(v) >= sizeof(c->ifname) || strchr(v, '/') ||
		    strpbrk(v, " \t"))
			return fail(p, "'interface' expects an interface name, not '%s'", v);
		strcpy(c->ifname, v);
		return 1;
	}
	if (!strcmp(k, "algorithm")) {
		if (once(p, &p->seen, SEEN_ALG, k))
			return 0;
		for (i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
			if (alg_names[i] && !strcmp(v, alg_names[i])) {
				c->alg = i;
				return 1;
			}
		}
		return fail(p, "unknown algorithm '%s' (aes-gcm-128, aes-gcm-256 or chacha20-poly1305)", v);
	}
	return fail(p, "unknown key '%s' in [group]", k);
}

static int admins_key(struct parser *p, const char *k, const char *v)
{
	struct mcg_conf *c = p->c;
	unsigned int i;

	if (!strcmp(k, "threshold"))
		NUM("threshold", SEEN_THRESHOLD, 1, MCG_MAX_ADMINS, threshold);
	if (strcmp(k, "key"))
		return fail(p, "unknown key '%s' in [admins]", k);
	if (c->nadmins == MCG_MAX_ADMINS)
		return fail(p, "more than %d admins", MCG_MAX_ADMINS);
	if (parse_key(p, k, v, c->admins[c->nadmins]))
		return 0;
	for (i = 0; i < c->nadmins; i++)
		if (!memcmp(c->admins[i], c->admins[c->nadmins], MCG_KEY_LEN))
			return fail(p, "admin key given twice");
	c->nadmins++;
	return 1;
}

static int roster_key(struct parser *p, const char *k, const char *v)
{
	struct mcg_conf *c = p->c;

	if (!strcmp(k, "version"))
		NUM("version", SEEN_VERSION, 1, UINT64_MAX, version);
	return fail(p, "unknown key '%s' in [roster]", k);
}

bool mcg_conf_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > MCG_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return true;
}

/* A [member NAME] section begins. */
static int member_new(struct parser *p, const char *name)
{
	struct mcg_conf *c = p->c;
	struct mcg_member *m;
	uint32_t i;

	if (!mcg_conf_name_ok(name))
		return fail(p, "member name '%s': 1 to %d letters, digits, '.', '_' or '-'",
			    name, MCG_NAME_MAX);
	for (i = 0; i < c->nmembers; i++)
		if (!strcmp(c->members[i].name, name))
			return fail(p, "member '%s' given twice (line %u)",
				    name, c->members[i].line);
	if (c->nmembers == MCG_MAX_MEMBERS)
		return fail(p, "more than %d members", MCG_MAX_MEMBERS);
	if (c->nmembers == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 16;

		m = reallocarray(c->members, cap, sizeof(*m));
		if (!m)
			return fail(p, "out of memory");
		c->members = m;
		p->cap = cap;
	}
	m = &c->members[c->nmembers++];
	memset(m, 0, sizeof(*m));
	strcpy(m->name, name);
	m->line = p->line;
	p->member_seen = 0;
	return 1;
}

static int member_key(struct parser *p, const char *k, const char *v)
{
	struct mcg_member *m = &p->c->members[p->c->nmembers - 1];
	uint64_t n;

	if (!strcmp(k, "key")) {
		if (once(p, &p->member_seen, M_KEY, k) ||
		    parse_key(p, k, v, m->key))
			return 0;
		return 1;
	}
	if (!strcmp(k, "sender")) {
		if (once(p, &p->member_seen, M_SENDER, k) ||
		    parse_num(p, k, v, 1, UINT32_MAX, &n))
			return 0;
		m->sender = n;
		return 1;
	}
	if (!strcmp(k, "priority")) {
		if (once(p, &p->member_seen, M_PRIORITY, k) ||
		    parse_num(p, k, v, 0, 255, &n))
			return 0;
		m->priority = n;
		return 1;
	}
	if (!strcmp(k, "site")) {
		if (once(p, &p->member_seen, M_SITE, k))
			return 0;
		if (!mcg_conf_name_ok(v))
			return fail(p, "'site' expects 1 to %d letters, digits, '.', '_' or '-', not '%s'",
				    MCG_NAME_MAX, v);
		strcpy(m->site, v);
		return 1;
	}
	if (!strcmp(k, "address")) {
		if (once(p, &p->member_seen, M_ADDR, k))
			return 0;
		if (inet_pton(AF_INET6, v, &m->addr) != 1 ||
		    !mcg_conf_addr_ok(&m->addr)) {
			memset(&m->addr, 0, sizeof(m->addr));
			return fail(p, "'address' expects a global or unique-local IPv6 unicast address, not '%s'",
				    v);
		}
		return 1;
	}
	return fail(p, "unknown key '%s' in [member %s]", k, m->name);
}

bool mcg_conf_addr_ok(const struct in6_addr *a)
{
	/* What the kernel takes as a peer (kmod/dest.c). */
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) &&
	       !IN6_IS_ADDR_MULTICAST(a) && !IN6_IS_ADDR_LINKLOCAL(a) &&
	       !IN6_IS_ADDR_V4MAPPED(a);
}

static bool has_addr(const struct mcg_member *m)
{
	return !IN6_IS_ADDR_UNSPECIFIED(&m->addr);
}

bool mcg_conf_has_sites(const struct mcg_conf *c)
{
	uint32_t i;

	for (i = 0; i < c->nmembers; i++)
		if (c->members[i].site[0] || has_addr(&c->members[i]))
			return true;
	return false;
}

const char *mcg_conf_sites_problem(const struct mcg_conf *c, uint32_t *at)
{
	uint32_t i, j, outside;
	bool sites = false;

	for (i = 1; i < c->nmembers && !sites; i++)
		sites = strcmp(c->members[i].site, c->members[0].site);
	for (i = 0; i < c->nmembers; i++) {
		const struct mcg_member *m = &c->members[i];

		*at = i;
		if (m->site[0] && !mcg_conf_name_ok(m->site))
			return "a bad site name";
		if (has_addr(m) && !mcg_conf_addr_ok(&m->addr))
			return "a bad address";
		if (!sites)
			continue;
		/* Members of other sites send to it by unicast. */
		if (!has_addr(m))
			return "needs an 'address': the roster has more than one site";
		outside = 0;
		for (j = 0; j < c->nmembers; j++) {
			if (j < i && !memcmp(&c->members[j].addr, &m->addr,
					     sizeof(m->addr)))
				return "has the address of another member";
			outside += !!strcmp(c->members[j].site, m->site);
		}
		if (outside > MCG_MAX_PEERS)
			return "has more members in other sites than a group has peers (256)";
	}
	return NULL;
}

unsigned int mcg_conf_peers(const struct mcg_conf *c,
			    const struct mcg_member *me, struct in6_addr *out)
{
	unsigned int n = 0;
	uint32_t i;

	for (i = 0; me && i < c->nmembers && n < MCG_MAX_PEERS; i++)
		if (strcmp(c->members[i].site, me->site) &&
		    has_addr(&c->members[i]))
			out[n++] = c->members[i].addr;
	return n;
}

static int handler(void *user, const char *section, const char *k,
		   const char *v)
{
	struct parser *p = user;

	if (p->failed)
		return 0;
	p->hdr_keys++;
	if (p->hdr_new) {
		/* Its first key: what the section is, said at its header. */
		unsigned int line = p->line;

		p->hdr_new = false;
		p->line = p->hdr_line;
		if (strlen(section) >= sizeof(p->section))
			return fail(p, "section name too long");
		strcpy(p->section, section);
		if (!strncmp(section, "member ", 7)) {
			if (!member_new(p, section + 7))
				return 0;
		} else if (!strcmp(section, "group") ||
			   !strcmp(section, "admins") ||
			   !strcmp(section, "roster")) {
			unsigned int bit = section[0] == 'g' ? 1 :
					   section[0] == 'a' ? 2 : 4;

			if (p->sections & bit)
				return fail(p, "[%s] given twice", section);
			p->sections |= bit;
		} else {
			return fail(p, "unknown section [%s] ([group], [admins], [roster] or [member NAME])",
				    section);
		}
		p->line = line;
	}
	if (!*section)
		return fail(p, "'%s' outside a section", k);
	if (!strcmp(section, "group"))
		return group_key(p, k, v);
	if (!strcmp(section, "admins"))
		return admins_key(p, k, v);
	if (!strcmp(section, "roster"))
		return roster_key(p, k, v);
	return member_key(p, k, v);
}

static int by_sender(const void *a, const void *b)
{
	const struct mcg_member *x = a, *y = b;

	return x->sender < y->sender ? -1 : x->sender > y->sender;
}

/* What no single line shows: missing keys, and members that clash. */
static int check(struct parser *p)
{
	struct mcg_conf *c = p->c;
	unsigned int candidates = 0;
	const char *why;
	uint32_t i, j;

	static const struct { unsigned int bit; const char *what; } need[] = {
		{ SEEN_ID, "[group] has no 'id'" },
		{ SEEN_ADDR, "[group] has no 'address'" },
		{ SEEN_IF, "[group] has no 'interface'" },
		{ SEEN_VERSION, "[roster] has no 'version'" },
	};

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!(p->seen & need[i].bit))
			return mcg_err_set(p->e, "%s: %s", p->name, need[i].what);
	if (!c->nadmins)
		return mcg_err_set(p->e, "%s: [admins] names no 'key'", p->name);
	if (c->threshold > c->nadmins)
		return mcg_err_set(p->e, "%s: [admins] threshold %u of %u admins",
				   p->name, c->threshold, c->nadmins);
	if (!c->nmembers)
		return mcg_err_set(p->e, "%s: no [member NAME] section", p->name);
	for (i = 0; i < c->nmembers; i++) {
		const struct mcg_member *m = &c->members[i];

		if (!m->sender || sodium_is_zero(m->key, MCG_KEY_LEN))
			return mcg_err_set(p->e, "%s:%u: member '%s' needs a 'key' and a 'sender'",
					   p->name, m->line, m->name);
		if (m->priority)
			candidates++;
		for (j = 0; j < i; j++) {
			if (c->members[j].sender == m->sender)
				return mcg_err_set(p->e, "%s:%u: member '%s' has sender %u, as '%s' (line %u) has",
						   p->name, m->line, m->name, m->sender,
						   c->members[j].name, c->members[j].line);
			if (!memcmp(c->members[j].key, m->key, MCG_KEY_LEN))
				return mcg_err_set(p->e, "%s:%u: member '%s' has the key of '%s' (line %u)",
						   p->name, m->line, m->name,
						   c->members[j].name, c->members[j].line);
		}
	}
	if (candidates > MCG_MAX_CANDIDATES)
		return mcg_err_set(p->e, "%s: %u members have a priority: at most %d may be key-server candidates",
				   p->name, candidates, MCG_MAX_CANDIDATES);
	/* In file order, so that the member named is the first at fault. */
	why = mcg_conf_sites_problem(c, &i);
	if (why)
		return mcg_err_set(p->e, "%s:%u: member '%s' %s", p->name,
				   c->members[i].line, c->members[i].name, why);
	qsort(c->members, c->nmembers, sizeof(*c->members), by_sender);
	return 0;
}

int mcg_conf_parse(const char *text, size_t len, const char *name,
		   struct mcg_conf *c, struct mcg_err *e)
{
	struct parser p = {
		.name = name, .text = text, .pos = text, .end = text + len,
		.c = c, .e = e,
	};
	int ret;

	memset(c, 0, sizeof(*c));
	c->port = MCG_DEFAULT_PORT;
	c->alg = MCG_ALG_AES_GCM_128;
	c->rotation = 3600;
	c->activation = 10;
	c->deactivation = 30;
	c->removal_deactivation = 2;
	c->hello = 2;
	c->hoplimit = MCG_DEFAULT_HOPLIMIT;
	c->threshold = 1;
	ret = ini_parse_stream(read_line, &p, handler, &p);
	if (!p.failed && ret) {
		/* inih's own complaint: a line that is neither. */
		p.line = ret > 0 ? (unsigned int)ret : p.line;
		fail(&p, "neither '[section]' nor 'key = value'");
	}
	if (p.failed || check(&p)) {
		mcg_conf_free(c);
		return -1;
	}
	return 0;
}

int mcg_conf_load(const char *path, struct mcg_conf *c, struct mcg_err *e)
{
	size_t len;
	char *text;
	int ret;

	memset(c, 0, sizeof(*c));
	text = mcg_file_read(path, CONF_MAX_SIZE, &len, e);
	if (!text)
		return -1;
	ret = mcg_conf_parse(text, len, path, c, e);
	free(text);
	return ret;
}

void mcg_conf_free(struct mcg_conf *c)
{
	free(c->members);
	memset(c, 0, sizeof(*c));
}

const struct mcg_member *mcg_conf_member(const struct mcg_conf *c,
					 uint32_t sender)
{
	struct mcg_member key = { .sender = sender };

	return bsearch(&key, c->members, c->nmembers, sizeof(key), by_sender);
}

const struct mcg_member *mcg_conf_member_by_key(const struct mcg_conf *c,
						const uint8_t key[MCG_KEY_LEN])
{
	uint32_t i;

	for (i = 0; i < c->nmembers; i++)
		if (!sodium_memcmp(c->members[i].key, key, MCG_KEY_LEN))
			return &c->members[i];
	return NULL;
}

bool mcg_conf_same_charter(const struct mcg_conf *a, const struct mcg_conf *b)
{
	return a->id == b->id && !memcmp(&a->addr, &b->addr, sizeof(a->addr)) &&
	       !strcmp(a->ifname, b->ifname) && a->port == b->port &&
	       a->alg == b->alg && a->rotation == b->rotation &&
	       a->activation == b->activation &&
	       a->deactivation == b->deactivation &&
	       a->removal_deactivation == b->removal_deactivation &&
	       a->hello == b->hello && a->hoplimit == b->hoplimit &&
	       a->threshold == b->threshold &&
	       a->nadmins == b->nadmins &&
	       !memcmp(a->admins, b->admins, a->nadmins * sizeof(a->admins[0]));
}
