/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by mcg's test programs. */
#ifndef _MCG_TEST_H
#define _MCG_TEST_H

#include <stdio.h>
#include <stdlib.h>
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

#endif /* _MCG_TEST_H */
