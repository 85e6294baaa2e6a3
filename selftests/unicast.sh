#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A group across routers that route no multicast: members listed as
# unicast peers.  Hosts and routers are namespaces:
#
#   A, A2 --L1 (a bridge)-- R1 --L2-- R2 --L3-- B
#
# A and A2 share a link and hear each other by multicast (ff05::4242);
# B, two routers away, is a peer of both, and has no multicast address at
# all: its group lists A and A2 as its peers.  Every datagram is sealed
# once and sent to the link and to each peer; by unicast a group takes
# datagrams from its peers only, through the same checks as multicast.

. "$(dirname "$0")/lib.sh"

A=mcg-uc-a
A2=mcg-uc-a2
B=mcg-uc-b
R1=mcg-uc-r1
R2=mcg-uc-r2
SW=mcg-uc-sw
TMP=$(mktemp -d)
G=ff05::4242
SA=2001:db8:1::a	# A
SA2=2001:db8:1::c	# A2
SB=2001:db8:3::b	# B
NOWHERE=2001:db8:9::9	# R1 has no route there

C() { local ns=$1; shift; ip netns exec "$ns" "$MCGCTL" "$@"; }

cleanup() {
	local n
	for n in $A $A2 $B $R1 $R2 $SW; do ip netns del "$n" 2>/dev/null; done
	true
}


topology() {
	local n
	mcg_bridge_hosts $SW $A $A2 $R1 || return 1
	for n in $B $R2; do mcg_netns_add $n || return 1; done
	mcg_veth $R1 r1b $R2 r2a && mcg_veth $R2 r2b $B b0 || return 1
	ip -n $A addr add $SA/64 dev eth0 &&
	ip -n $A2 addr add $SA2/64 dev eth0 &&
	ip -n $R1 addr add 2001:db8:1::1/64 dev eth0 &&
	ip -n $R1 addr add 2001:db8:2::1/64 dev r1b &&
	ip -n $R2 addr add 2001:db8:2::2/64 dev r2a &&
	ip -n $R2 addr add 2001:db8:3::1/64 dev r2b &&
	ip -n $B addr add $SB/64 dev b0 || return 1
	ip -n $A route add default via 2001:db8:1::1 &&
	ip -n $A2 route add default via 2001:db8:1::1 &&
	ip -n $B route add default via 2001:db8:3::1 &&
	ip -n $R1 route add 2001:db8:3::/64 via 2001:db8:2::2 &&
	ip -n $R2 route add 2001:db8:1::/64 via 2001:db8:2::1 || return 1
	for n in $R1 $R2; do
		ip netns exec $n sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
	done
	mcg_lladdr_wait "$R1 r1b" "$R2 r2a" "$R2 r2b" "$B b0"
}

# The group: A and A2 by multicast on L1 and B as their peer; B with A
# and A2 as its peers and no multicast address.
setup() {
	trap cleanup EXIT
	mcg_load
	topology || fail "topology"
	C $A genkey > "$TMP/k"
	run C $A group add g addr $G dev eth0 id 5 sender 1 peer $SB
	run C $A2 group add g addr $G dev eth0 id 5 sender 2 peer $SB
	run C $B group add g id 5 sender 3 peer $SA peer $SA2
	for n in $A $A2 $B; do run C $n key add g epoch 1 keyfile "$TMP/k"; done
	mcg_bridge_joined $SW $G $A $A2 || fail "MLD"
}

# listen NS FILE COUNT: mcg_recv on group 5 in the background (its pid
# added to LPIDS), returning once bound.
LPIDS=()
listen() {
	ip netns exec "$1" "$RECV" -n "$3" -t 15000 5 > "$2" 2> "$2.err" &
	LPIDS+=($!)
	for _ in $(seq 100); do
		grep -q ready "$2.err" && return 0
		sleep 0.05
	done
	fail "mcg_recv did not start in $1"
}

# got FILE SENDER COUNT: FILE has COUNT messages from SENDER.
got() { [ "$(awk -v s="$2" '$2 == s' "$1" | wc -l)" = "$3" ]; }

stat_of() { C "$1" -j stats g | jq -r ".groups[0].$2"; }
stat_is() { [ "$(stat_of "$1" "$2")" = "$3" ]; }
# peer NS ADDR FIELD: a counter of one of the group's peers.
peer() {
	C "$1" -j show g | jq -r --arg a "$2" ".[0].peers[]? | select(.addr == \$a) | .$3"
}

test_members_across_routers_that_route_no_multicast() {
	local decoys=() i
	setup
	# B's two true peers among 60 others, given in no order: the list is
	# searched, not walked.
	for i in $(seq 1 30); do
		decoys+=(peer "2001:db8:1::$(printf %x $((i * 7 % 97 + 16)))" peer "fd00:$i::1")
	done
	run C $B group set g "${decoys[@]}" peer $SA2 peer $SA
	for h in $A $A2 $B; do listen $h "$TMP/$h" 15; done	# its own too
	for h in $A $A2 $B; do run ip netns exec $h "$SEND" 5 "from $h" 5; done
	wait "${LPIDS[@]}"
	got "$TMP/$A" 2 5 && got "$TMP/$A" 3 5 ||
		{ cat "$TMP/$A"; C $A stats g; C $B stats g; C $B show g; fail "A did not hear A2 and B"; }
	got "$TMP/$A2" 1 5 && got "$TMP/$A2" 3 5 || { cat "$TMP/$A2"; fail "A2 did not hear A and B"; }
	got "$TMP/$B" 1 5 && got "$TMP/$B" 2 5 || { cat "$TMP/$B"; fail "B did not hear A and A2"; }
	# Each datagram once: nothing reached anyone twice.
	for h in $A $A2 $B; do
		stat_is $h rx_packets 10 || { C $h stats g; fail "$h accepted $(stat_of $h rx_packets), not 10"; }
		stat_is $h rx_drop_replay 0 || fail "$h got duplicates"
	done
	[ "$(peer $B $SA tx_packets)" = 5 ] && [ "$(peer $B $SA2 tx_packets)" = 5 ] &&
		[ "$(peer $B fd00:7::1 tx_packets)" = 5 ] ||
		{ C $B show g; fail "B's peers were not each sent its 5"; }
	stat_is $B tx_packets 5 || fail "B counted $(stat_of $B tx_packets) datagrams, not 5"
}

test_one_sealing_for_the_link_and_the_peer() {
	setup
	cap=$(mcg_capture_start $A eth0 "$TMP/a.pcap" udp $A2 eth0) || fail "tcpdump"
	run ip netns exec $A "$SEND" 5 "once %u" 4
	wait_until 10 stat_is $B rx_packets 4 || fail "B got $(stat_of $B rx_packets) of 4"
	mcg_capture_stop "$cap" "$TMP/a.pcap" $A2 eth0
	"$PCAP" --hex "$TMP/a.pcap" > "$TMP/dgrams"
	# Hop limit 1 to the link, the route's 64 to the peer; the same bytes.
	[ "$(awk '$1 == 1' "$TMP/dgrams" | wc -l)" = 4 ] &&
		[ "$(awk '$1 == 64' "$TMP/dgrams" | wc -l)" = 4 ] ||
		{ cat "$TMP/dgrams"; fail "not 4 datagrams to the link and 4 to the peer"; }
	pairs=$(awk '{ print $8 }' "$TMP/dgrams" | sort | uniq -c | awk '$1 == 2' | wc -l)
	[ "$pairs" = 4 ] || { cat "$TMP/dgrams"; fail "$pairs of 4 datagrams went out as the same bytes twice"; }
}

test_unicast_is_taken_from_peers_only_and_checked() {
	setup
	cap=$(mcg_capture_start $A eth0 "$TMP/a.pcap" udp $A2 eth0) || fail "tcpdump"
	run ip netns exec $A "$SEND" 5 "genuine" 1
	wait_until 10 stat_is $B rx_packets 1 || fail "B did not get the genuine one"
	mcg_capture_stop "$cap" "$TMP/a.pcap" $A2 eth0
	d=$("$PCAP" --hex "$TMP/a.pcap" | awk '$1 == 64 { print $8 }')
	[ -n "$d" ] || fail "no datagram to B captured"
	# The genuine datagram again, from a router that is no peer of B's.
	run ip netns exec $R2 "$INJECT" -i r2b -a $SB -x "$d"
	wait_until 10 stat_is $B rx_drop_not_peer 1 || { C $B stats g; fail "a stranger's datagram was not dropped as such"; }
	# From A's address: a replay, then a forgery (one bit of the tag).
	run ip netns exec $A "$INJECT" -i eth0 -a $SB -x "$d"
	wait_until 10 stat_is $B rx_drop_replay 1 || { C $B stats g; fail "the replay was not dropped as one"; }
	# The sequence number's last byte (header offset 31): a fresh one,
	# so that the replay window lets it through to authentication.
	f=${d:0:62}$(printf %02x $(( 0x${d:62:2} ^ 0x80 )))${d:64}
	run ip netns exec $A "$INJECT" -i eth0 -a $SB -x "$f"
	wait_until 10 stat_is $B rx_drop_auth 1 || { C $B stats g; fail "the forgery was not dropped as one"; }
	# Malformed, by unicast: no group to count it on, the namespace does.
	run ip netns exec $A "$INJECT" -i eth0 -a $SB -x 0011
	wait_until 10 sh -c "[ \"\$(ip netns exec $B $MCGCTL -j stats | jq .namespace.rx_drop_short)\" = 1 ]" ||
		{ C $B stats; fail "a short unicast datagram was not counted"; }
	stat_is $B rx_packets 1 || fail "B accepted $(stat_of $B rx_packets), not 1"
}

test_a_train_and_a_bundle_reach_the_peer() {
	local pad
	setup
	pad=$(head -c 1199 /dev/zero | tr '\0' x)
	listen $B "$TMP/b" 30
	# Ten large messages at once: a train (GSO); twenty small ones with
	# MSG_MORE: bundles.
	run ip netns exec $A "$SEND" -b 5 "$pad%u" 10
	run ip netns exec $A "$SEND" -b 5 "small %u" 20
	wait "${LPIDS[@]}"
	[ "$(awk '$3 == 1200' "$TMP/b" | wc -l)" = 10 ] || fail "B got $(awk '$3 == 1200' "$TMP/b" | wc -l) of the 10 large ones"
	[ "$(grep -c ' small ' "$TMP/b")" = 20 ] || fail "B got $(grep -c ' small ' "$TMP/b") of the 20 small ones"
}

rx_above() { [ "$(stat_of "$1" rx_packets)" -gt "$2" ]; }

test_peers_change_while_sending() {
	setup
	# Sends until killed, at a pace that leaves the changes mid-stream
	# however slow the host.
	ip netns exec $A "$SEND" -r 100 5 "m %u" 1000000 > "$TMP/send" 2>&1 &
	spid=$!
	wait_until 30 rx_above $B 20 || fail "B got nothing before the change"
	run C $A group set g peer none
	sleep 1
	atb=$(stat_of $B rx_packets)
	sleep 1
	[ "$(stat_of $B rx_packets)" = "$atb" ] || fail "B still gets datagrams with no peer listed"
	run C $A group set g peer $SB
	wait_until 30 rx_above $B "$atb" || fail "B got nothing once listed again"
	kill -0 $spid 2> /dev/null || { cat "$TMP/send"; fail "the sender stopped: an error"; }
	kill $spid
	wait $spid 2> /dev/null
	# Everything sent reached the link.
	sent=$(stat_of $A tx_packets)
	wait_until 30 sh -c "[ \"\$(ip netns exec $A2 $MCGCTL -j stats g | jq .groups[0].rx_packets)\" = $sent ]" ||
		fail "A2, on the link, got $(stat_of $A2 rx_packets) of $sent"
	stat_is $A tx_errors 0 || fail "sends failed: $(stat_of $A tx_errors)"
	# A peer kept in a new list keeps its counters.
	n=$(peer $A $SB tx_packets)
	run C $A group set g peer $SB peer $NOWHERE
	[ "$(peer $A $SB tx_packets)" = "$n" ] || fail "B's counter went from $n to $(peer $A $SB tx_packets)"
	[ "$(peer $A $NOWHERE tx_packets)" = 0 ] || fail "a new peer's counter is not 0"
}

test_an_unreachable_peer_is_counted_and_the_others_served() {
	setup
	run C $A group set g peer $SB peer $NOWHERE peer 2001:db8:8::8
	# No route at all to 2001:db8:8::/64 on A: each send to it fails.
	run ip -6 -n $A route add unreachable 2001:db8:8::/64
	listen $B "$TMP/b" 5
	listen $A2 "$TMP/a2" 5
	run ip netns exec $A "$SEND" 5 "m %u" 5
	wait "${LPIDS[@]}"
	got "$TMP/b" 1 5 && got "$TMP/a2" 1 5 || fail "B or A2 missed a message"
	[ "$(peer $A 2001:db8:8::8 tx_errors)" = 5 ] || { C $A show g; fail "5 failed sends were not counted"; }
	# R1 has no route to $NOWHERE: its ICMPv6 errors (rate-limited) count.
	wait_until 10 sh -c "[ \"\$(ip netns exec $A $MCGCTL -j show g | jq '.[0].peers[] | select(.addr == \"$NOWHERE\") | .tx_errors')\" -ge 1 ]" ||
		{ C $A show g; fail "no ICMPv6 error counted on $NOWHERE"; }
	[ "$(peer $A $NOWHERE tx_packets)" = 5 ] || fail "$NOWHERE: not 5 sent"
	[ "$(peer $A $SB tx_errors)" = 0 ] || fail "B counted errors"
	stat_is $A tx_errors 0 || fail "the group counted $(stat_of $A tx_errors) errors"
	# A route gone while sending: only that peer's sends fail.
	run ip -6 -n $A route del default
	run ip netns exec $A "$SEND" 5 "after" 2
	[ "$(peer $A $SB tx_errors)" = 2 ] || { C $A show g; fail "the sends B missed were not counted"; }
	wait_until 10 sh -c "[ \"\$(ip netns exec $A2 $MCGCTL -j stats g | jq .groups[0].rx_packets)\" = 7 ]" ||
		fail "A2 missed what was sent with no route to B"
}

test_bad_peers_are_refused_and_change_nothing() {
	setup
	before=$(C $A -j show g | jq -c '.[0].peers')
	for bad in fe80::1 ff05::1 ::1 :: ::ffff:192.0.2.1 "$SB peer $SB"; do
		# shellcheck disable=SC2086
		out=$(C $A group set g peer $bad 2>&1) && fail "peer $bad accepted"
		[ -n "$out" ] || fail "peer $bad: no message"
	done
	[ "$(C $A -j show g | jq -c '.[0].peers')" = "$before" ] || fail "a refused change changed the peers"
	out=$(C $B group set g peer none 2>&1) && fail "a group with no multicast address lost its last peer"
	grep -qi "peer" <<< "$out" || fail "wrong message: $out"
	out=$(C $B group add h id 6 2>&1) && fail "a group with neither address nor peer was made"
	[ -n "$out" ] || fail "no message for a group with neither address nor peer"
	C $B -j show g | jq -e '.[0] | has("dev") or has("addr") | not' > /dev/null ||
		fail "a unicast-only group shows a multicast address or an interface"
}

test_the_most_peers_fit_every_message() {
	local args=() i
	setup
	for i in $(seq 1 256); do args+=(peer "2001:db8:7::$(printf %x "$i")"); done
	C $A -j monitor > "$TMP/events" 2>&1 &
	mon=$!
	sleep 0.5
	run C $A group set g "${args[@]}"
	# One request, one reply, one event, one dump: each with all 256.
	[ "$(C $A -j show g | jq '.[0].peers | length')" = 256 ] || fail "show g: not 256 peers"
	[ "$(C $A -j show | jq '.[0].peers | length')" = 256 ] || fail "the dump: not 256 peers"
	wait_until 10 grep -q 2001:db8:7::100 "$TMP/events" || { kill $mon; head -c 600 "$TMP/events"; fail "no event with the 256th peer"; }
	kill $mon
	out=$(C $A group set g "${args[@]}" peer 2001:db8:7::ffff 2>&1) && fail "257 peers accepted"
	grep -q 256 <<< "$out" || fail "wrong message: $out"
	run ip netns exec $A "$SEND" 5 "to all" 1
	[ "$(C $A -j show g | jq '[.[0].peers[].tx_packets] | add')" = 256 ] || fail "not sent to each of 256"
}

trap 'cleanup; rm -rf "$TMP"' EXIT
ktap_main
