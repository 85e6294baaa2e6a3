#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mcgd when things go wrong: the key server killed (a successor within
# its hello lifetime, no message lost), a member restarted (captures from
# before refused), 20% loss with a member cut off for two rotations, a
# partition and its healing.
# Hosts, group and files: mcgd_lib.sh.

# shellcheck source=mcgd_lib.sh
. "$(dirname "$0")/mcgd_lib.sh"

test_the_key_server_killed_is_followed_within_its_lifetime() {
	local t0 ms spid ppid
	setup || fail "setup"
	wait_formed 40 "${HOSTS[@]}" || fail "the group did not form"
	recv_start mcgd-h4 r4 -n 2000 -t 15000
	ip netns exec mcgd-h3 "$SEND" -k -r 100 $GID "m%u" 2000 > "$TMP/s3" &
	spid=$!
	# h2's state read every 20 ms from before the kill: the takeover's
	# time, not that of starting mcgctl and jq in a TCG guest.
	"$MCG_TOP/selftests/mcgd_poll.py" --when state key-server 30 "$TMP/mcgd-h2/sock" > "$TMP/ks" &
	ppid=$!
	wait_until 20 grep -q ready "$TMP/ks" || fail "the poller did not start"
	sleep 2
	t0=$(date +%s%3N)
	stop mcgd-h1 KILL
	wait $ppid || { cat "$TMP/ks"; fail "h2 did not take over"; }
	ms=$(( $(tail -n1 "$TMP/ks") - t0 ))
	echo "h2 is key server $ms ms after h1's mcgd was killed (hello lifetime 3 s)"
	[ $ms -le 4000 ] || fail "took longer than the hello lifetime + 1 s"
	wait_until 20 eval '[ "$(get mcgd-h4 key_server)" = 2 ]' || fail "h4 does not follow h2"
	wait_formed 20 mcgd-h2 mcgd-h3 mcgd-h4 || fail "no epoch of h2's in use"
	wait $spid
	recv_wait r4
	echo "h3: $(cat "$TMP/s3"); h4 got $(lines r4)"
	[ "$(cat "$TMP/s3")" = "sent 2000 failed 0" ] && [ "$(lines r4)" = 2000 ] ||
		{ sed 's/^/h3: /' "$TMP/mcgd-h3/log"; fail "messages were lost across the takeover"; }
}

test_a_restarted_member_refuses_what_was_captured_before() {
	local before after hex d0
	setup || fail "setup"
	wait_formed 40 "${HOSTS[@]}" || fail "the group did not form"
	recv_start mcgd-h3 r3 -n 5 -t 10000
	ip netns exec mcgd-h3 tcpdump -i eth0 -U -n -w "$TMP/cap" udp port 6470 2> /dev/null &
	sleep 2
	run ip netns exec mcgd-h1 "$SEND" $GID "old%u" 5
	recv_wait r3
	sleep 1
	pkill -INT -f "tcpdump -i eth0 -U -n -w $TMP/cap"
	sleep 1
	[ "$(lines r3)" = 5 ] || fail "h3 did not get the 5"
	[ "$("$PCAP" "$TMP/cap" | wc -l)" -ge 5 ] || fail "the 5 were not captured"
	before=$(get mcgd-h3 tx_epoch)
	stop mcgd-h3
	# No key outlives mcgd.
	[ "$(ip netns exec mcgd-h3 "$MCGCTL" -j show team | jq '.[0].keys | length')" = 0 ] ||
		fail "keys left in the kernel after mcgd stopped"
	start mcgd-h3
	wait_formed 30 "${HOSTS[@]}" || fail "h3 did not rejoin"
	after=$(get mcgd-h3 tx_epoch)
	echo "h3 sent on $before, and after its restart on $after"
	[ "$after" != "$before" ] || fail "no new epoch after the restart"
	# The captured datagrams, again: none is taken.
	d0=$(kstat mcgd-h3 rx_drop_no_key)
	recv_start mcgd-h3 r3b -t 3000
	for hex in $("$PCAP" --hex "$TMP/cap" | awk '{ print $8 }'); do
		ip netns exec mcgd-h1 "$INJECT" -i eth0 -a $ADDR -p 6470 -x "$hex" ||
			fail "mcg_inject"
	done
	recv_wait r3b
	[ "$(lines r3b)" = 0 ] || fail "h3 took $(lines r3b) captured messages after its restart"
	[ $(( $(kstat mcgd-h3 rx_drop_no_key) - d0 )) -ge 5 ] || fail "not counted as for a key it lacks"
}

test_loss_and_a_member_away_for_two_rotations_converge() {
	local h r0
	ROTATION=10
	setup || fail "setup"
	for h in "${HOSTS[@]}"; do
		ip netns exec $BR tc qdisc add dev "$h" root netem loss 20% ||
			skip "no netem (sch_netem)"
	done
	wait_formed 60 "${HOSTS[@]}" || fail "the group did not form with 20% loss"
	# shellcheck disable=SC2034	# read in wait_until's eval
	r0=$(get mcgd-h1 counters.rotations)
	# h4 away (its link down: it hears nothing) for two rotations.
	ip -n $BR link set mcgd-h4 down || fail "link down"
	wait_until 60 eval '[ $(( $(get mcgd-h1 counters.rotations) - r0 )) -ge 2 ]' ||
		fail "no two rotations"
	echo "h4 away: on $(get mcgd-h4 tx_epoch), the others on $(get mcgd-h1 tx_epoch)"
	ip -n $BR link set mcgd-h4 up || fail "link up"
	wait_formed 30 "${HOSTS[@]}" || fail "h4 did not catch up within 30 s"
	echo "h4 caught up: $(show mcgd-h4 | jq -c '.[0] | {tx_epoch, syncs_sent: .counters.syncs_sent}')"
	recv_start mcgd-h4 r4 -n 1 -t 10000
	for _ in $(seq 10); do
		ip netns exec mcgd-h2 "$SEND" $GID hello > /dev/null
		[ -s "$TMP/r4.recv" ] && break
		sleep 0.5
	done
	recv_wait r4
	[ "$(lines r4)" = 1 ] || fail "h4 hears nothing"
}

test_a_partition_heals_to_one_key_server_and_one_line() {
	setup || fail "setup"
	wait_formed 40 "${HOSTS[@]}" || fail "the group did not form"
	# h2 and h4 to a bridge of their own.
	ip -n $BR link add br1 type bridge mcast_snooping 0 && ip -n $BR link set br1 up &&
	ip -n $BR link set mcgd-h2 master br1 && ip -n $BR link set mcgd-h4 master br1 ||
		fail "partition"
	wait_until 20 eval '[ "$(get mcgd-h2 state)" = key-server ]' ||
		fail "h2 did not become key server of its side"
	# The epoch's candidate field (bits 16-19) names the key server's rank.
	wait_until 20 eval 'formed mcgd-h2 mcgd-h4 && [ $(( FORMED_EPOCH >> 16 & 15 )) = 2 ]' ||
		fail "h2's side does not send on an epoch of h2's"
	printf 'apart: h1 side on %#x, h2 side on %#x\n' "$(get mcgd-h1 tx_epoch)" "$FORMED_EPOCH"
	ip -n $BR link set mcgd-h2 master br0 && ip -n $BR link set mcgd-h4 master br0 || fail "heal"
	wait_until 30 eval '[ "$(get mcgd-h2 state)" != key-server ] && [ "$(get mcgd-h4 key_server)" = 1 ]' ||
		fail "two key servers after the healing"
	wait_until 30 eval 'formed "${HOSTS[@]}" && [ $(( FORMED_EPOCH >> 16 & 15 )) = 1 ]' ||
		fail "not all on one epoch of h1's 30 s after the healing"
	printf 'healed: all on %#x, key server h1\n' "$FORMED_EPOCH"
}

ktap_main
