#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run last by 'make check-debug': with mcg unloaded, everything it ever
# allocated must be freed, so kmemleak reports nothing.  (On a kernel
# without kmemleak there is nothing to check: skipped.)

. "$(dirname "$0")/lib.sh"

test_no_leak_after_unload() {
	# The programs before it may leave sockets and work that a debug
	# kernel takes a while to finish: rmmod until the module is free.
	! mcg_loaded || wait_until 60 rmmod mcg 2>/dev/null || fail "mcg did not unload in 60 s"
	mcg_kmemleak_check
}

ktap_main
