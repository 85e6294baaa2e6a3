// SPDX-License-Identifier: GPL-2.0
/*
 * The AF_MCG socket family as applications see it: which socket() calls
 * succeed, and what the others return.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mcg_test.h"

TEST(dgram_socket_is_created)
{
	int fd = socket(mcg_test_family(), SOCK_DGRAM, 0);

	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
	EXPECT_EQ(0, close(fd));
}

TEST(cloexec_and_nonblock_flags)
{
	int fd = socket(mcg_test_family(), SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_NONBLOCK, fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
}

TEST(socket_reports_its_family_and_type)
{
	int fd = socket(mcg_test_family(), SOCK_DGRAM, 0);
	int val = -1;
	socklen_t len = sizeof(val);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &val, &len));
	EXPECT_EQ(mcg_test_family(), val);
	len = sizeof(val);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_TYPE, &val, &len));
	EXPECT_EQ(SOCK_DGRAM, val);
	close(fd);
}

TEST(other_types_are_refused)
{
	static const int types[] = { SOCK_STREAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_RDM };
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, socket(mcg_test_family(), types[i], 0))
			TH_LOG("type %d was accepted", types[i]);
		EXPECT_EQ(ESOCKTNOSUPPORT, errno);
	}
}

TEST(nonzero_protocol_is_refused)
{
	errno = 0;
	EXPECT_EQ(-1, socket(mcg_test_family(), SOCK_DGRAM, 17));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
}

TEST(many_sockets_open_and_close)
{
	enum { N = 2000 };
	struct rlimit rl = { N + 64, N + 64 };
	static int fds[N];
	int i;

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	for (i = 0; i < N; i++) {
		fds[i] = socket(mcg_test_family(), SOCK_DGRAM, 0);
		ASSERT_LE(0, fds[i]) TH_LOG("socket %d: %s", i, strerror(errno));
	}
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, close(fds[i]));
}

TEST(socket_in_a_new_network_namespace)
{
	int fd;

	ASSERT_EQ(0, unshare(CLONE_NEWNET)) TH_LOG("unshare: %s", strerror(errno));
	fd = socket(mcg_test_family(), SOCK_DGRAM, 0);
	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
	close(fd);
}

TEST(unsupported_operations_say_so)
{
	int fd = socket(mcg_test_family(), SOCK_DGRAM, 0);

	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, listen(fd, 1));
	EXPECT_EQ(EOPNOTSUPP, errno);
	errno = 0;
	EXPECT_EQ(-1, accept(fd, NULL, NULL));
	EXPECT_EQ(EOPNOTSUPP, errno);
	close(fd);
}

TEST_HARNESS_MAIN
