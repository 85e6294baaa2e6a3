// SPDX-License-Identifier: GPL-2.0
/*
 * Identity files.  A key file is read whole (it is one short line) into a
 * buffer that is wiped afterwards, whatever happened, so that no copy of
 * the seed outlives the key pair made from it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "identity.h"

int mcg_crypto_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

static int b64_parse(const char *s, size_t len, uint8_t *out, size_t out_len,
		     size_t b64_len)
{
	size_t got;

	if (len != b64_len)
		return -1;
	/* libsodium refuses padding or unused bits that are not canonical. */
	if (sodium_base642bin(out, out_len, s, len, NULL, &got, NULL,
			      sodium_base64_VARIANT_ORIGINAL) || got != out_len)
		return -1;
	return 0;
}

int mcg_key_parse(const char *s, size_t len, uint8_t key[MCG_KEY_LEN])
{
	return b64_parse(s, len, key, MCG_KEY_LEN, MCG_KEY_B64);
}

int mcg_sig_parse(const char *s, size_t len, uint8_t sig[MCG_SIG_LEN])
{
	return b64_parse(s, len, sig, MCG_SIG_LEN, MCG_SIG_B64);
}

void mcg_key_format(char out[MCG_KEY_B64 + 1], const uint8_t key[MCG_KEY_LEN])
{
	sodium_bin2base64(out, MCG_KEY_B64 + 1, key, MCG_KEY_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
}

void mcg_sig_format(char out[MCG_SIG_B64 + 1], const uint8_t sig[MCG_SIG_LEN])
{
	sodium_bin2base64(out, MCG_SIG_B64 + 1, sig, MCG_SIG_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
}

void mcg_id_generate(char line[MCG_KEY_B64 + 2])
{
	uint8_t seed[MCG_KEY_LEN];

	randombytes_buf(seed, sizeof(seed));
	mcg_key_format(line, seed);
	sodium_memzero(seed, sizeof(seed));
	line[MCG_KEY_B64] = '\n';
	line[MCG_KEY_B64 + 1] = '\0';
}

int mcg_id_read(int fd, const char *name, struct mcg_identity *id,
		struct mcg_err *e)
{
	/* One line and a little more: anything longer is not a key file. */
	char buf[MCG_KEY_B64 + 8];
	uint8_t seed[MCG_KEY_LEN];
	size_t len = 0;
	ssize_t n;
	int ret = -1;

	do {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n > 0)
			len += n;
	} while ((n > 0 && len < sizeof(buf)) || (n < 0 && errno == EINTR));
	if (n < 0) {
		mcg_err_set(e, "%s: %s", name, strerror(errno));
		goto out;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (!len) {
		mcg_err_set(e, "%s: empty: no identity key", name);
		goto out;
	}
	if (mcg_key_parse(buf, len, seed)) {
		mcg_err_set(e, "%s: not an identity key (one line of 44 base64 characters, as 'mcgctl genid' writes)",
			    name);
		goto out;
	}
	crypto_sign_seed_keypair(id->pk, id->sk, seed);
	ret = 0;
out:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(buf, sizeof(buf));
	return ret;
}

int mcg_id_load(const char *path, struct mcg_identity *id, struct mcg_err *e)
{
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return mcg_err_set(e, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		ret = mcg_err_set(e, "%s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		ret = mcg_err_set(e, "%s: not a regular file", path);
	} else if (st.st_mode & 077) {
		ret = mcg_err_set(e, "%s: group or others may access it (mode %04o): it must be 0600",
				  path, (unsigned int)(st.st_mode & 07777));
	} else {
		ret = mcg_id_read(fd, path, id, e);
	}
	close(fd);
	return ret;
}

void mcg_id_wipe(struct mcg_identity *id)
{
	sodium_memzero(id, sizeof(*id));
}
