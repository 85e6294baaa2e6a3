#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's first command runs tools/demo/inside in the VM: it must keep
# doing what it shows.  Three hosts each hear the other two and their own
# host's messages, the wire holds no plaintext, and the host with the wrong
# key hears nothing and counts each failure.

. "$(dirname "$0")/lib.sh"

test_the_demo_shows_what_it_says() {
	mcg_load
	out=$(cd "$MCG_TOP" && tools/demo/inside 2>&1) || { echo "$out"; fail "the demo failed"; }
	for who in 1 2 3; do
		[ "$(grep -c "^\[sender $who\] " <<< "$out")" = 9 ] ||
			{ echo "$out"; fail "sender $who was not heard 3 times by each of 3 hosts"; }
	done
	grep -q '^no plaintext in the capture (9 datagrams)$' <<< "$out" ||
		{ echo "$out"; fail "the capture is not as shown"; }
	grep -q '^mallory heard: mcgchat: 0 of 1 messages received' <<< "$out" ||
		{ echo "$out"; fail "mallory heard something"; }
	grep -qE '^  drops .* auth 2 ' <<< "$out" ||
		{ echo "$out"; fail "mallory's failures are not counted"; }
	grep -q '0 warnings$' <<< "$out" || { echo "$out"; fail "the kernel warned"; }
}

ktap_main
