/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What both fuzzers start from: a group of four members (identities from
 * fixed seeds, admin 'A' with threshold 1), its file text and its
 * signatures.
 */
#ifndef MCGD_FUZZ_GROUP_H
#define MCGD_FUZZ_GROUP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../conf.h"
#include "../identity.h"
#include "../roster.h"

#define FUZZ_MEMBERS	4

static struct mcg_identity fuzz_admin, fuzz_ids[FUZZ_MEMBERS];
static struct mcg_conf fuzz_conf;
static char fuzz_text[4096];

static void fuzz_seed_id(struct mcg_identity *id, char c)
{
	uint8_t seed[MCG_KEY_LEN];

	memset(seed, c, sizeof(seed));
	crypto_sign_seed_keypair(id->pk, id->sk, seed);
}

/* Once: the identities, the file's text, the conf with its signature. */
static void fuzz_group(void)
{
	char pub[MCG_KEY_B64 + 1];
	struct mcg_err e;
	char *p = fuzz_text;
	int i;

	if (mcg_crypto_init())
		abort();
	fuzz_seed_id(&fuzz_admin, 'A');
	mcg_key_format(pub, fuzz_admin.pk);
	p += sprintf(p, "[group]\nid = 9\naddress = ff05::9\ninterface = lo\n"
		     "rotation = 60\nactivation = 1\nhello = 1\n"
		     "[admins]\nkey = %s\n[roster]\nversion = 3\n", pub);
	for (i = 0; i < FUZZ_MEMBERS; i++) {
		fuzz_seed_id(&fuzz_ids[i], 'm' + i);
		mcg_key_format(pub, fuzz_ids[i].pk);
		p += sprintf(p, "[member m%d]\nkey = %s\nsender = %d\n%s", i, pub,
			     i + 1, i < 2 ? "priority = 1\n" : "");
	}
	if (mcg_conf_parse(fuzz_text, strlen(fuzz_text), "fuzz", &fuzz_conf, &e))
		abort();
	memcpy(fuzz_conf.sigs[0].pk, fuzz_admin.pk, MCG_KEY_LEN);
	if (mcg_roster_sign(&fuzz_conf, &fuzz_admin, fuzz_conf.sigs[0].sig))
		abort();
	fuzz_conf.nsigs = 1;
}

#endif /* MCGD_FUZZ_GROUP_H */
