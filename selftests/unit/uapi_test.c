// SPDX-License-Identifier: GPL-2.0
/*
 * The ABI of uapi/linux/mcg.h: what userspace compiles against must not
 * move.  Built on the host under ASan and UBSan.
 */
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/mcg.h>

#include "kselftest_harness.h"

TEST(family_number)
{
	/* Reserved in mainline as AF_SNA and never implemented. */
	EXPECT_EQ(22, AF_MCG);
	EXPECT_EQ(AF_MCG, PF_MCG);
#ifdef AF_SNA
	EXPECT_EQ(AF_SNA, AF_MCG);
#endif
	EXPECT_GT(AF_MAX, AF_MCG);
}

TEST(sockaddr_layout)
{
	EXPECT_EQ(16UL, sizeof(struct sockaddr_mcg));
	EXPECT_EQ(0UL, offsetof(struct sockaddr_mcg, smcg_family));
	EXPECT_EQ(4UL, offsetof(struct sockaddr_mcg, smcg_group));
	EXPECT_EQ(8UL, offsetof(struct sockaddr_mcg, smcg_sender));
	EXPECT_GE(sizeof(struct sockaddr_storage), sizeof(struct sockaddr_mcg));
	EXPECT_EQ(sizeof(sa_family_t),
		  sizeof(((struct sockaddr_mcg *)0)->smcg_family));
}

TEST(genl_names)
{
	EXPECT_STREQ("mcg", MCG_GENL_NAME);
	EXPECT_STREQ("events", MCG_GENL_MCGRP_EVENTS);
	EXPECT_EQ(1, MCG_GENL_VERSION);
}

TEST_HARNESS_MAIN
