#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run last by 'make check-debug': with mcg unloaded, everything it ever
# allocated must be freed, so kmemleak reports nothing.  (On a kernel
# without kmemleak there is nothing to check: skipped.)

. "$(dirname "$0")/lib.sh"

KMEMLEAK=/sys/kernel/debug/kmemleak

test_no_leak_after_unload() {
	[ -w $KMEMLEAK ] || skip "this kernel has no kmemleak (make check-debug boots one)"
	mcg_unload
	# An object must be 5 s old and unreferenced in two scans to be
	# reported: scan, let the grace period pass, scan again.
	echo scan > $KMEMLEAK || fail "kmemleak scan failed"
	sleep 6
	echo scan > $KMEMLEAK || fail "kmemleak scan failed"
	report=$(cat $KMEMLEAK)
	if [ -n "$report" ]; then
		echo "$report" | head -n 200
		fail "kmemleak: $(grep -c '^unreferenced object' <<< "$report") suspected leaks"
	fi
	true
}

ktap_main
