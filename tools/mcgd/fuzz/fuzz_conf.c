// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the files mcgd reads and the roster it is handed.  The first
 * byte picks the parser, the rest is its input:
 *   0  a group file (mcg_conf_parse)
 *   1  a signatures file, against the fuzz group (mcg_roster_verify)
 *   2  a roster blob as the group spreads it (mcg_roster_from_blob)
 * Each either fails with a message or returns what it parsed, which is
 * then checked and freed: nothing may crash, leak or read out of bounds.
 */
#include <assert.h>

#include "group.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcg_roster_sig sigs[MCG_MAX_ADMINS];
	struct mcg_conf c;
	struct mcg_err e;
	int n;

	if (!fuzz_conf.members)
		fuzz_group();
	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0:
		if (!mcg_conf_parse((const char *)data + 1, size - 1, "f", &c, &e)) {
			assert(c.nmembers >= 1 && c.nmembers <= MCG_MAX_MEMBERS);
			mcg_conf_free(&c);
		} else {
			assert(e.msg[0]);
		}
		break;
	case 1:
		n = mcg_roster_verify(&fuzz_conf, (const char *)data + 1, size - 1,
				      "f.sig", sigs, &e);
		assert(n < 0 || (n >= fuzz_conf.threshold && n <= MCG_MAX_ADMINS));
		break;
	case 2:
		if (!mcg_roster_from_blob(data + 1, size - 1, &fuzz_conf, "b", &c, &e)) {
			/* Only what an admin signed gets through. */
			assert(c.nsigs >= 1);
			mcg_conf_free(&c);
		}
		break;
	}
	return 0;
}
