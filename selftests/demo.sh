#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's first command runs tools/demo/inside in the VM: it must keep
# doing what it shows.  mcgd forms the group from signed files; four hosts
# each hear all eight messages; the wire holds no plaintext; the key
# rotates by itself; the removed host leaves, hears nothing more and counts
# why, while the others lose none of the messages sent meanwhile.

. "$(dirname "$0")/lib.sh"

test_the_demo_shows_what_it_says() {
	local out who
	mcg_load
	out=$(cd "$MCG_TOP" && tools/demo/inside 2>&1) || { echo "$out"; fail "the demo failed"; }
	for who in 1 2 3 4; do
		[ "$(grep -c "^\[sender $who\] " <<< "$out")" = 4 ] ||
			{ echo "$out"; fail "sender $who was not heard twice by each of the 2 hosts shown"; }
	done
	grep -q '^no plaintext in the capture (8 datagrams)$' <<< "$out" ||
		{ echo "$out"; fail "the capture is not as shown"; }
	grep -qE '^bob sent on epoch 0x[0-9a-f]+, and now on 0x[0-9a-f]+: so does every host$' <<< "$out" ||
		{ echo "$out"; fail "no rotation shown"; }
	grep -q '^group team: removed, roster version 2$' <<< "$out" ||
		{ echo "$out"; fail "dave did not leave"; }
	grep -q "^carol got 200 of alice's 200 messages sent during the removal$" <<< "$out" ||
		{ echo "$out"; fail "carol lost messages"; }
	grep -q '^bob heard:  \[sender 1\] dave has left the team$' <<< "$out" ||
		{ echo "$out"; fail "bob did not hear alice"; }
	grep -q '^dave heard: mcgchat: 0 of 1 messages received' <<< "$out" ||
		{ echo "$out"; fail "dave heard something"; }
	grep -qE '^  drops .*no-key [1-9]' <<< "$out" ||
		{ echo "$out"; fail "dave's drops are not counted"; }
	grep -q '0 warnings$' <<< "$out" || { echo "$out"; fail "the kernel warned"; }
}

ktap_main
