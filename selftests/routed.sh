#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A group across routers.  Hosts and routers are namespaces; the routers
# forward multicast by static routes that smcroute installs (Debian 12's
# FRR has no IPv6 PIM), as a site without PIM would run it:
#
#   A --L1-- R1 --L2 (a bridge)-- R2 --L3-- B
#                  |
#                  M
#
# A is three hops from B (L1, L2, L3) and two from M.  Any-source groups
# in site (ff05::) and global (ff0e::) scope, and a source-specific one
# (ff3e::/32, A as its source): delivery both ways, the hop limit
# honoured at each router, the members' MLDv2 reports on the routers'
# links, and members that leave and join behind a router.

. "$(dirname "$0")/lib.sh"

A=mcg-rt-a
B=mcg-rt-b
M=mcg-rt-m
R1=mcg-rt-r1
R2=mcg-rt-r2
SW=mcg-rt-sw
TMP=$(mktemp -d)
GA=ff05::4242		# any-source, site scope
GE=ff0e::4242		# any-source, global scope
GS=ff3e::4242		# source-specific, A its source
SA=2001:db8:1::a	# A's address

C() { local ns=$1; shift; ip netns exec "$ns" "$MCGCTL" "$@"; }

cleanup() {
	local r
	for r in r1 r2; do
		[ -f "$TMP/$r.pid" ] && kill "$(cat "$TMP/$r.pid")" 2>/dev/null
	done
	for r in $A $B $M $R1 $R2 $SW; do ip netns del "$r" 2>/dev/null; done
	true
}


# Every link up with its addresses; IPv6 forwarding on the routers.
topology() {
	local n
	for n in $A $B $M $R1 $R2 $SW; do mcg_netns_add $n || return 1; done
	# L2 is a bridge: R1, R2 and M on one link.  No MLD snooping: it
	# would need a querier, which a site's switches have and this one
	# does not; what the routers hear is what this test checks.
	ip -n $SW link add br0 type bridge mcast_snooping 0 &&
	ip -n $SW link set br0 up || return 1
	mcg_veth $A a0 $R1 r1a || return 1
	for n in "$R1 r1b" "$R2 r2a" "$M m0"; do
		# shellcheck disable=SC2086
		set -- $n
		ip -n $SW link add "sw-$2" type veth peer name "$2" netns "$1" &&
		ip -n $SW link set "sw-$2" master br0 up &&
		ip -n "$1" link set "$2" up || return 1
	done
	mcg_veth $R2 r2b $B b0 || return 1
	ip -n $A addr add $SA/64 dev a0 &&
	ip -n $R1 addr add 2001:db8:1::1/64 dev r1a &&
	ip -n $R1 addr add 2001:db8:2::1/64 dev r1b &&
	ip -n $R2 addr add 2001:db8:2::2/64 dev r2a &&
	ip -n $M addr add 2001:db8:2::3/64 dev m0 &&
	ip -n $R2 addr add 2001:db8:3::1/64 dev r2b &&
	ip -n $B addr add 2001:db8:3::b/64 dev b0 || return 1
	# Unicast, as a site would have it (multicast needs none of it).
	ip -n $A route add default via 2001:db8:1::1 &&
	ip -n $B route add default via 2001:db8:3::1 &&
	ip -n $M route add 2001:db8:1::/64 via 2001:db8:2::1 &&
	ip -n $M route add 2001:db8:3::/64 via 2001:db8:2::2 &&
	ip -n $R1 route add 2001:db8:3::/64 via 2001:db8:2::2 &&
	ip -n $R2 route add 2001:db8:1::/64 via 2001:db8:2::1 || return 1
	for n in $R1 $R2; do
		ip netns exec $n sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
	done
	mcg_lladdr_wait "$A a0" "$B b0" "$M m0" "$R1 r1a" "$R1 r1b" "$R2 r2a" "$R2 r2b"
}

# router NAME NS IN OUT: smcrouted in NS, forwarding the three groups
# between its interfaces IN and OUT (the SSM group only from A's side).
router() {
	local name=$1 ns=$2 in=$3 out=$4 g
	{
		echo "phyint $in enable"
		echo "phyint $out enable"
		for g in $GA $GE; do
			echo "mroute from $in group $g to $out"
			echo "mroute from $out group $g to $in"
		done
		echo "mroute from $in source $SA group $GS to $out"
	} > "$TMP/$name.conf"
	# In a subshell: no job of ours, which "wait" would wait for.
	(ip netns exec "$ns" smcrouted -n -N -l debug -f "$TMP/$name.conf" \
		-u "$TMP/$name.sock" -P "$TMP/$name.pid" -i "mcg-$name" \
		> "$TMP/$name.log" 2>&1 &)
	wait_until 10 ip netns exec "$ns" smcroutectl -u "$TMP/$name.sock" show routes \
		> /dev/null 2>&1 || { cat "$TMP/$name.log"; return 1; }
	# The source-specific route is in the kernel at once; (*,G) ones are
	# made when a group's first datagram arrives.
	wait_until 10 sh -c "ip -n $ns -6 mroute show | grep -q '$SA,$GS'" ||
		{ cat "$TMP/$name.log"; ip -n "$ns" -6 mroute show; return 1; }
}

setup() {
	trap cleanup EXIT
	command -v smcrouted > /dev/null || skip "no smcroute (make deps installs it)"
	topology || fail "topology"
	router r1 $R1 r1a r1b || fail "smcroute on R1"
	router r2 $R2 r2a r2b || fail "smcroute on R2"
	mcg_load
	C $A genkey > "$TMP/k"
}

# member NS NAME ADDR SENDER [ARGS...]: the group on the host's link, with
# the shared key.
member() {
	local ns=$1 name=$2 addr=$3 sender=$4 dev
	shift 4
	case $ns in "$A") dev=a0 ;; "$B") dev=b0 ;; *) dev=m0 ;; esac
	run C "$ns" group add "$name" addr "$addr" dev $dev id 5 sender "$sender" "$@"
	run C "$ns" key add "$name" epoch 1 keyfile "$TMP/k"
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

# rx NS GROUP: the group's rx_packets on host NS.
rx() { C "$1" -j stats "$2" | jq -r '.groups[0].rx_packets'; }
rx_at_least() { [ "$(rx "$1" "$2")" -ge "$3" ]; }

# got FILE SENDER COUNT: FILE has COUNT messages from SENDER.
got() { [ "$(awk -v s="$2" '$2 == s' "$1" | wc -l)" = "$3" ]; }

mroute_has() { ip -n "$1" -6 mroute show | grep -qF "($2,$3)"; }

# prime GROUP: a router's (*,G) route becomes an (S,G) entry when a
# source's first datagram arrives and smcrouted answers the kernel's
# upcall; until then the kernel queues a few of that source's datagrams
# (ip6mr's unresolved queue) and drops the rest, as PIM routers do before
# a tree is built.  One datagram from each of A, M and B, and the entries
# made on both routers, before a case counts.
prime() {
	local h r s
	for h in $A $M $B; do run ip netns exec $h "$SEND" 5 prime 1; done
	for r in $R1 $R2; do
		for s in $SA 2001:db8:2::3 2001:db8:3::b; do
			wait_until 10 mroute_has $r $s "$1" ||
				{ ip -n $r -6 mroute show; fail "$r: no route from $s to $1"; }
		done
	done
}

# Three members, A, M and B, each sending 5 messages: each hears the
# other two across the routers (and itself, by local delivery).
both_ways() {
	local g=$1 h
	member $A g "$g" 1 hoplimit 3
	member $M g "$g" 2 hoplimit 3
	member $B g "$g" 3 hoplimit 3
	prime "$g"
	for h in $A $M $B; do listen $h "$TMP/$h" 15; done
	for h in $A $M $B; do run ip netns exec $h "$SEND" 5 "from $h" 5; done
	wait "${LPIDS[@]}"
	got "$TMP/$A" 2 5 && got "$TMP/$A" 3 5 || { cat "$TMP/$A"; fail "A did not hear M and B"; }
	got "$TMP/$M" 1 5 && got "$TMP/$M" 3 5 || { cat "$TMP/$M"; fail "M did not hear A and B"; }
	got "$TMP/$B" 1 5 && got "$TMP/$B" 2 5 || { cat "$TMP/$B"; fail "B did not hear A and M"; }
}

test_site_scope_group_crosses_two_routers_both_ways() {
	setup
	both_ways $GA
}

test_global_scope_group_crosses_two_routers_both_ways() {
	setup
	both_ways $GE
}

test_hop_limit_is_honoured_at_each_router() {
	setup
	member $A g $GA 1 hoplimit 2
	member $M g $GA 2
	member $B g $GA 3
	# R1's entry for A (see prime), then the four counted.
	run ip netns exec $A "$SEND" 5 prime 1
	wait_until 10 mroute_has $R1 $SA $GA || fail "R1: no route from A"
	wait_until 10 rx_at_least $M g 1 || fail "hop limit 2: M got nothing"
	run ip netns exec $A "$SEND" 5 "hoplimit 2" 4
	wait_until 10 rx_at_least $M g 5 || fail "hop limit 2: M, two hops away, got $(( $(rx $M g) - 1 )) of 4"
	# R2 got them with hop limit 1: not forwarded.
	sleep 1
	[ "$(rx $B g)" = 0 ] || fail "hop limit 2: B, three hops away, got $(rx $B g)"
	run C $A group set g hoplimit 3
	run ip netns exec $A "$SEND" 5 prime 1
	wait_until 10 mroute_has $R2 $SA $GA || fail "R2: no route from A"
	run ip netns exec $A "$SEND" 5 "hoplimit 3" 4
	wait_until 10 rx_at_least $B g 4 || fail "hop limit 3: B got $(rx $B g) of 4"
}

test_source_specific_group_from_its_source() {
	setup
	member $A g $GS 1 hoplimit 3 source $SA
	member $B g $GS 3 source $SA
	listen $B "$TMP/b" 5
	run ip netns exec $A "$SEND" 5 "ssm" 5
	wait "${LPIDS[@]}"
	got "$TMP/b" 1 5 || { cat "$TMP/b"; fail "B did not get A's 5 on $GS"; }
}

test_source_specific_group_ignores_another_source() {
	setup
	member $A g $GS 1 hoplimit 3 source $SA
	# M is no source of the group: R2 has no route for it, and B's
	# socket, joined for A only, would not take it either.
	member $M g $GS 2 hoplimit 3 source $SA
	member $B g $GS 3 source $SA
	run ip netns exec $M "$SEND" 5 "not a source" 3
	sleep 2
	[ "$(rx $B g)" = 0 ] || fail "B got $(rx $B g) from M, no source of $GS"
	# And the path works: A's, sent after, do arrive.
	run ip netns exec $A "$SEND" 5 "a source" 3
	wait_until 10 rx_at_least $B g 3 || fail "B got nothing from A either: the case proved nothing"
}

# capture NS IF: tcpdump of IPv6 on a router's link (MLD carries a
# hop-by-hop header: no icmp6 filter) until stop; decoded on stdout.
capture() {
	CAP=$(mcg_capture_start "$1" "$2" "$TMP/cap" ip6 "$3" "$4") || fail "tcpdump did not start"
}

# capture_until PATTERN NS IF: stop once PATTERN is seen (10 s at most),
# print what was captured.
capture_until() {
	for _ in $(seq 100); do
		tcpdump -r "$TMP/cap" -n -vv 2>/dev/null | grep -qE "$1" && break
		sleep 0.1
	done
	mcg_capture_stop "$CAP" "$TMP/cap" "$2" "$3"
	tcpdump -r "$TMP/cap" -n -vv 2>/dev/null
}

test_routers_hear_the_members_mldv2_reports() {
	setup
	capture $R2 r2b $B b0
	member $B g $GA 3
	out=$(capture_until "$GA" $B b0)
	grep -q "multicast listener report v2" <<< "$out" && grep -q "$GA" <<< "$out" ||
		{ echo "$out"; fail "R2 heard no MLDv2 report for $GA from B"; }
	capture $R2 r2b $B b0
	run C $B group add s addr $GS dev b0 id 6 sender 3 source $SA
	out=$(capture_until "$SA" $B b0)
	grep -q "$GS" <<< "$out" && grep -q "$SA" <<< "$out" ||
		{ echo "$out"; fail "R2 heard no report naming $GS and its source $SA"; }
	grep -qE "is_in|allow" <<< "$out" || { echo "$out"; fail "not an INCLUDE-mode report"; }
}

test_a_member_leaves_and_joins_again_behind_a_router() {
	setup
	member $A g $GA 1 hoplimit 3
	member $B g $GA 3
	run ip netns exec $A "$SEND" 5 "before" 2
	wait_until 10 rx_at_least $B g 2 || fail "B got $(rx $B g) of 2 before leaving"
	capture $R2 r2b $B b0
	run C $B group del g
	out=$(capture_until "to_in" $B b0)
	grep -qE "$GA to_in( \{ ?\}|, 0 source)" <<< "$out" ||
		{ echo "$out"; fail "R2 heard no leave for $GA"; }
	# Sent while B is away: nobody there to get it.
	run ip netns exec $A "$SEND" 5 "away" 2
	sleep 1
	member $B g $GA 3
	listen $B "$TMP/b" 2
	run ip netns exec $A "$SEND" 5 "back" 2
	wait "${LPIDS[@]}"
	[ "$(grep -c ' back$' "$TMP/b")" = 2 ] && ! grep -q away "$TMP/b" ||
		{ cat "$TMP/b"; fail "B, back, did not get exactly the 2 sent since"; }
}

trap 'cleanup; rm -rf "$TMP"' EXIT
ktap_main
