/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by mcg's test programs. */
#ifndef _MCG_TEST_H
#define _MCG_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/mcg.h>

#define MCG_FAMILY_PARAM "/sys/module/mcg/parameters/family"

/*
 * The address family in effect: the module parameter when mcg is loaded
 * (it may have been overridden), else the default number.
 */
static inline int mcg_test_family(void)
{
	FILE *f = fopen(MCG_FAMILY_PARAM, "r");
	int af = AF_MCG_DEFAULT;

	if (f) {
		if (fscanf(f, "%d", &af) != 1)
			af = AF_MCG_DEFAULT;
		fclose(f);
	}
	return af;
}

/*
 * An algorithm by the name mcgctl gives it, and the length of its keys in
 * *@key_len; MCG_ALG_UNSPEC for a name it does not know.
 */
static inline unsigned int mcg_test_alg(const char *name,
					unsigned int *key_len)
{
	static const struct {
		const char *name;
		unsigned int alg, key_len;
	} algs[] = {
		{ "aes-gcm-128", MCG_ALG_AES_GCM_128, 16 },
		{ "aes-gcm-256", MCG_ALG_AES_GCM_256, 32 },
		{ "chacha20-poly1305", MCG_ALG_CHACHA20_POLY1305, 32 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (!strcmp(name, algs[i].name)) {
			*key_len = algs[i].key_len;
			return algs[i].alg;
		}
	}
	*key_len = 0;
	return MCG_ALG_UNSPEC;
}

/* Seconds on the monotonic clock, for timeouts and rates. */
static inline double mcg_test_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif /* _MCG_TEST_H */
