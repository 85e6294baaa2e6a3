#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run last by 'make check-debug': with mcg unloaded, everything it ever
# allocated must be freed, so kmemleak reports nothing.  (On a kernel
# without kmemleak there is nothing to check: skipped.)

. "$(dirname "$0")/lib.sh"

test_no_leak_after_unload() {
	mcg_unload
	mcg_kmemleak_check
}

ktap_main
