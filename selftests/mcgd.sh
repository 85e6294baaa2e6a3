#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mcgd, as operators run it: hosts get identities, an admin signs a
# roster, one mcgd per host forms the group from its files alone, elects
# a key server and rotates keys under traffic without a loss; a removal
# pushed to one member reaches all and the removed member hears nothing
# more; a key used up in the kernel is replaced.
# Hosts, group and files: mcgd_lib.sh.

# shellcheck source=mcgd_lib.sh
. "$(dirname "$0")/mcgd_lib.sh"

test_a_group_forms_from_its_files_alone() {
	local out
	setup || fail "setup"
	wait_formed 40 "${HOSTS[@]}" || fail "the group did not form in 40 s"
	[ "$(get mcgd-h1 state)" = key-server ] || fail "h1 (priority 1) is not key server"
	[ "$(get mcgd-h4 key_server)" = 1 ] || fail "h4 does not follow h1"
	# The kernel group, from the files: its id, address and sender id.
	out=$(ip netns exec mcgd-h3 "$MCGCTL" -j show team | jq -r '.[0] | "\(.id) \(.addr) \(.sender)"')
	[ "$out" = "$GID $ADDR 3" ] || fail "h3's kernel group is '$out'"
	recv_start mcgd-h2 r2 -n 20 -t 10000
	recv_start mcgd-h4 r4 -n 20 -t 10000
	run ip netns exec mcgd-h3 "$SEND" $GID "m%u" 20
	recv_wait r2
	recv_wait r4
	[ "$(lines r2)" = 20 ] && [ "$(lines r4)" = 20 ] || fail "not 20 messages each"
	[ "$(awk '{ print $2 }' "$TMP/r2.recv" | sort -u)" = 3 ] || fail "not from sender 3"
	# For people: the state in words.
	out=$("$MCGCTL" daemon show socket "$TMP/mcgd-h1/sock")
	echo "$out"
	grep -q '^group team: key-server, roster version 1' <<< "$out" || fail "daemon show"
	# The same host's view of a group mcgd does not run.
	out=$("$MCGCTL" daemon show other socket "$TMP/mcgd-h1/sock" 2>&1) &&
		fail "a group mcgd does not run is shown"
	[ "$out" = "mcgctl: mcgd runs no group 'other'" ] || fail "said '$out'"
}

test_rotations_under_traffic_lose_nothing() {
	local r0 r1 rate=1000 n=25000
	ROTATION=10
	setup || fail "setup"
	wait_formed 40 "${HOSTS[@]}" || fail "the group did not form"
	r0=$(get mcgd-h1 counters.rotations)
	# A reader on a busy host (a loaded CI machine, a debug kernel) may
	# fall behind 1,000 a second: 8 MB of socket buffer, so that what is
	# measured is the group's rotations, not how fast the reader prints.
	recv_start mcgd-h2 r2 -n $n -t 20000 -r 8388608
	recv_start mcgd-h4 r4 -n $n -t 20000 -r 8388608
	# 25 s at 1,000 messages a second: two rotations at least.
	out=$(ip netns exec mcgd-h3 "$SEND" -k -r $rate $GID "m%u" $n)
	echo "h3: $out"
	recv_wait r2
	recv_wait r4
	r1=$(get mcgd-h1 counters.rotations)
	echo "rotations meanwhile: $((r1 - r0)); received: $(lines r2) and $(lines r4) of $n"
	[ "$out" = "sent $n failed 0" ] || fail "h3 could not send them all"
	[ $((r1 - r0)) -ge 2 ] || fail "fewer than 2 rotations"
	[ "$(lines r2)" = $n ] && [ "$(lines r4)" = $n ] || {
		for h in mcgd-h2 mcgd-h4; do
			echo "$h:"; ip netns exec $h "$MCGCTL" stats team
		done
		fail "messages were lost"
	}
	[ "$(kstat mcgd-h2 rx_drop_no_key)" = 0 ] || fail "h2 dropped some for want of a key"
	[ "$(kstat mcgd-h2 rx_packets)" = $n ] && [ "$(kstat mcgd-h4 rx_packets)" = $n ] ||
		fail "the kernels accepted $(kstat mcgd-h2 rx_packets) and $(kstat mcgd-h4 rx_packets) of $n"
}

test_a_removed_member_hears_nothing_more() {
	local t0 t spid
	setup || fail "setup"
	wait_formed 40 "${HOSTS[@]}" || fail "the group did not form"
	# Traffic throughout, which h2 and h3 must get whole.
	recv_start mcgd-h2 r2 -n 3000 -t 15000
	ip netns exec mcgd-h1 "$SEND" -k -r 200 $GID "m%u" 3000 > "$TMP/s1" &
	spid=$!
	sleep 2
	# Version 2 without h4, given to h2 alone, as an admin would.
	write_roster 2 mcgd-h1 mcgd-h2 mcgd-h3
	install_roster mcgd-h2
	t0=$SECONDS
	kill -HUP "$(cat "$TMP/mcgd-h2/pid")"
	wait_until 20 eval '[ "$(get mcgd-h1 roster_version)$(get mcgd-h3 roster_version)" = 22 ]' ||
		fail "the roster did not reach h1 and h3"
	t=$((SECONDS - t0))
	wait_until 10 eval '[ "$(get mcgd-h4 state)" = removed ]' || fail "h4 did not leave"
	grep -h "roster version 2" "$TMP"/mcgd-h*/log | head -n 5
	echo "roster version 2 everywhere within $t s"
	# Once the removal's epoch is in use, h4 hears nothing.
	wait_formed 20 mcgd-h1 mcgd-h2 mcgd-h3 || fail "the others did not move on"
	recv_start mcgd-h4 r4 -t 3000
	recv_start mcgd-h3 r3 -n 10 -t 10000
	run ip netns exec mcgd-h1 "$SEND" $GID "after%u" 10
	recv_wait r3
	recv_wait r4
	[ "$(lines r3)" = 10 ] || fail "h3 did not get the 10"
	[ "$(lines r4)" = 0 ] || fail "h4 got $(lines r4) messages after its removal"
	# Its kernel counts why: no key for what arrives.
	[ "$(kstat mcgd-h4 rx_drop_no_key)" -ge 10 ] || fail "h4's kernel did not count them"
	wait $spid
	recv_wait r2
	echo "h1: $(cat "$TMP/s1"); h2 got $(lines r2)"
	[ "$(cat "$TMP/s1")" = "sent 3000 failed 0" ] && [ "$(lines r2)" = 3000 ] ||
		fail "h2 lost messages during the removal"
}

# An admin gives a member another sender id, in a roster given to another
# member: the group spreads it, the member's mcgd makes its kernel group
# again under the new id (old sockets see the group gone, as after
# "mcgctl group del") and the others hear it under that id.
test_a_member_given_another_sender_id_sends_under_it() {
	local ks
	setup || fail "setup"
	wait_formed 40 "${HOSTS[@]}" || fail "the group did not form"
	ks=$(ksender mcgd-h3)
	[ "$ks" = 3 ] || fail "h3's kernel group has sender $ks, not 3"
	SENDER_OF[mcgd-h3]=33
	write_roster 2 "${HOSTS[@]}"
	install_roster mcgd-h1
	kill -HUP "$(cat "$TMP/mcgd-h1/pid")"
	wait_until 20 eval '[ "$(ksender mcgd-h3)" = 33 ]' ||
		{ cat "$TMP/mcgd-h3/log"; fail "h3's kernel group did not take sender 33"; }
	grep -h "another sender id" "$TMP/mcgd-h3/log"
	wait_formed 30 "${HOSTS[@]}" || fail "the group did not form again"
	recv_start mcgd-h4 r4 -n 5 -t 10000
	run ip netns exec mcgd-h3 "$SEND" $GID "renumbered%u" 5
	recv_wait r4
	cat "$TMP/r4.recv"
	[ "$(awk '$2 == 33 && $4 ~ /^renumbered/' "$TMP/r4.recv" | wc -l)" = 5 ] ||
		fail "h4 did not get h3's 5 messages from sender 33"
}

test_a_key_used_up_in_the_kernel_is_replaced() {
	local tx ev
	# The kernel's limits made small: 3 runs of 4 messages per epoch.
	ip netns del $BR 2>/dev/null
	mcg_unload_retry || fail "rmmod"
	mcg_load msgs_per_run=4 runs_per_key=3
	setup || fail "setup"
	# After setup's own trap: the programs that follow in this guest
	# must get the module with its usual limits.
	trap 'cleanup; mcg_unload_retry; mcg_load' EXIT
	wait_formed 40 "${HOSTS[@]}" || fail "the group did not form"
	tx=$(get mcgd-h3 tx_epoch)
	out=$(ip netns exec mcgd-h3 "$SEND" -k $GID "m%u" 20)
	echo "h3, 20 messages on one epoch: $out"
	wait_until 15 eval '[ "$(get mcgd-h3 tx_epoch)" != "$tx" ]' ||
		fail "no new epoch for h3 after its key was used up"
	grep -h "used up" "$TMP"/mcgd-h*/log
	ev=$(get mcgd-h3 counters.keys_exhausted)
	[ "$ev" -ge 1 ] || fail "h3's mcgd heard no key-exhausted event"
	run ip netns exec mcgd-h3 "$SEND" $GID "again" 1
}

ktap_main
