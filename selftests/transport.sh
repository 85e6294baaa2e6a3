#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A group's life on the link: its UDP socket joins the multicast group with
# MLDv2 (per source for ff3x::/32) and leaves it on deletion; membership
# survives the link going down and up; datagrams that are malformed or for
# no group are dropped and counted, each under its own reason.
#
# Hosts: namespace A (the group) and B (the link's other end), veth a0-b0.

. "$(dirname "$0")/lib.sh"

A=mcg-tr-a
B=mcg-tr-b
TMP=$(mktemp -d)

MA() { ip netns exec $A "$MCGCTL" "$@"; }

setup() { mcg_two_hosts $A $B; }

# Start a capture on b0; stop_capture prints it decoded.
start_capture() {
	# MLD reports carry a hop-by-hop header: no "icmp6" filter, all IPv6.
	CAP=$(mcg_capture_start $B b0 "$TMP/cap" ip6 $A a0) || fail "tcpdump did not start"
}

# stop_capture [PATTERN]: once PATTERN is in it (5 s at most), if given:
# MLD reports go out from a work item, which a loaded guest runs late.
stop_capture() {
	for _ in $(seq 50); do
		[ -z "${1:-}" ] && break
		tcpdump -r "$TMP/cap" -n -vv 2>/dev/null | grep -qE "$1" && break
		sleep 0.1
	done
	mcg_capture_stop "$CAP" "$TMP/cap" $A a0
	tcpdump -r "$TMP/cap" -n -vv 2>/dev/null
}

stat_of() {	# stat_of GROUP COUNTER
	MA -j stats "$1" | jq -r ".groups[0].$2"
}

test_joining_sends_an_mldv2_report() {
	setup || fail "setup"
	mcg_load
	start_capture
	run MA group add g addr ff05::4242 dev a0
	out=$(stop_capture "ff05::4242")
	grep -q "multicast listener report v2" <<< "$out" || { echo "$out"; fail "no MLDv2 report"; }
	grep -q "ff05::4242" <<< "$out" || { echo "$out"; fail "the report does not name ff05::4242"; }
	ip -n $A -6 maddr show dev a0 | grep -q "ff05::4242" || fail "ip -6 maddr does not list the group"
}

test_source_specific_groups_join_per_source() {
	setup || fail "setup"
	start_capture
	run MA group add s addr ff35::4243 dev a0 source 2001:db8::1 source 2001:db8::2
	out=$(stop_capture "2001:db8::2")
	grep -q "ff35::4243" <<< "$out" || { echo "$out"; fail "no report for ff35::4243"; }
	for src in 2001:db8::1 2001:db8::2; do
		grep -q "$src" <<< "$out" || { echo "$out"; fail "the report lacks source $src"; }
	done
	grep -qE "is_in|allow" <<< "$out" || { echo "$out"; fail "not an INCLUDE-mode report"; }
}

test_deleting_the_group_leaves() {
	setup || fail "setup"
	run MA group add g addr ff05::4242 dev a0
	sleep 0.5
	start_capture
	run MA group del g
	out=$(stop_capture "to_in")
	grep -qE "ff05::4242 to_in( \{ ?\}|, 0 source)" <<< "$out" || { echo "$out"; fail "no leave (to_in, no source) for ff05::4242"; }
	ip -n $A -6 maddr show dev a0 | grep -q "ff05::4242" && fail "still a member"
	true
}

test_membership_survives_link_down_and_up() {
	setup || fail "setup"
	run MA group add g addr ff05::4242 dev a0
	ip -n $A link set a0 down
	ip -n $A link set a0 up
	ip -n $A -6 maddr show dev a0 | grep -q "ff05::4242" || fail "membership lost"
}

test_same_address_port_and_interface_is_refused() {
	setup || fail "setup"
	run MA group add g addr ff05::4242 dev a0
	out=$(MA group add h addr ff05::4242 dev a0 2>&1) && fail "accepted a second group on the same address"
	grep -q "in use" <<< "$out" || { echo "$out"; fail "wrong message: $out"; }
	run MA group add h addr ff05::4242 dev a0 port 7000
	run MA group add i addr ff05::4243 dev a0
}

test_malformed_datagrams_are_dropped_and_counted() {
	setup || fail "setup"
	run MA group add g addr ff05::4242 dev a0 id 5
	I() { ip netns exec $B "$INJECT" -i b0 -a ff05::4242 "$@"; }
	# Too short: nothing, 10 bytes, a whole header with a 15-byte tag.
	# (A 48-byte datagram is long enough, and fails for its epoch.)
	run I -x ""
	run I -x 00112233445566778899
	hdr=0101000000000005000000010000000100000000000000010000000000000001
	run I -x "${hdr}abababababababababababababababab"	# 16-byte tag: valid size
	run I -x "${hdr}ababababababababababababababab"	# 15 bytes: short
	# Bad header: version, type, a zero sender.
	run I -V 2 -g 5
	run I -T 9 -g 5
	run I -s 0 -g 5
	# A group nobody has, and an epoch the group lacks.
	run I -g 999
	run I -g 5 -e 9 -n 3
	sleep 0.5
	[ "$(stat_of g rx_drop_short)" = 3 ] || { MA stats; fail "short: $(stat_of g rx_drop_short)"; }
	[ "$(stat_of g rx_drop_header)" = 3 ] || { MA stats; fail "header: $(stat_of g rx_drop_header)"; }
	# Epoch 1 is not installed either: the 48-byte datagram counts here.
	[ "$(stat_of g rx_drop_no_key)" = 4 ] || { MA stats; fail "no key: $(stat_of g rx_drop_no_key)"; }
	ns=$(MA -j stats | jq -r .namespace.rx_drop_no_group)
	[ "$ns" = 1 ] || { MA stats; fail "no group: $ns"; }
	[ "$(stat_of g rx_packets)" = 0 ] || fail "something was accepted"
}

test_other_traffic_is_not_ours() {
	setup || fail "setup"
	run MA group add g addr ff05::4242 dev a0
	run ip netns exec $B "$INJECT" -i b0 -a ff05::4242 -p 6471 -x 00
	run ip netns exec $B "$INJECT" -i b0 -a ff05::4244 -x 00
	sleep 0.5
	total=$(MA -j stats | jq '[.groups[0] | to_entries[] | select(.key | startswith("rx_drop")) | .value] | add')
	[ "$total" = 0 ] || { MA stats; fail "traffic to another port or address was counted"; }
}

trap 'ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; rm -rf "$TMP"' EXIT
ktap_main
