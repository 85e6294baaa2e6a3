#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mcgd across routers that route no multicast: the roster puts members in
# sites, with their unicast addresses, and each host's mcgd lists the
# members of the other sites as its kernel group's peers and sends them
# its control datagrams by unicast.  Namespaces, as in unicast.sh:
#
#   A, A2 --L1 (a bridge)-- R1 --L2-- R2 --L3-- B
#                            \
#                             L4-- C   (in roster version 2 only)
#
# Site "lan": A and A2, by multicast on L1.  Site "b": B.  Site "c": C.
# Hosts, files and helpers: mcgd_lib.sh.

# shellcheck source=mcgd_lib.sh
. "$(dirname "$0")/mcgd_lib.sh"

A=mcgr-a
A2=mcgr-a2
B=mcgr-b
C=mcgr-c
R1=mcgr-r1
R2=mcgr-r2
BR=mcgr-sw
HOSTS=("$A" "$A2" "$B" "$C")
SA=2001:db8:1::a
SA2=2001:db8:1::c
SB=2001:db8:3::b
SC=2001:db8:4::c
declare -A ADDR_OF=([$A]=$SA [$A2]=$SA2 [$B]=$SB [$C]=$SC)
declare -A SITE_OF=([$A]=lan [$A2]=lan [$B]=b [$C]=c)
declare -A NR_OF=([$A]=1 [$A2]=2 [$B]=3 [$C]=4)

routed_cleanup() {
	cleanup
	ip netns del $R1 2>/dev/null
	ip netns del $R2 2>/dev/null
	true
}


topology() {
	local n
	mcg_bridge_hosts $BR $A $A2 $R1 || return 1
	for n in $B $C $R2; do mcg_netns_add $n || return 1; done
	mcg_veth $R1 r1b $R2 r2a && mcg_veth $R2 r2b $B eth0 && mcg_veth $R1 r1c $C eth0 ||
		return 1
	ip -n $A addr add $SA/64 dev eth0 &&
	ip -n $A2 addr add $SA2/64 dev eth0 &&
	ip -n $R1 addr add 2001:db8:1::1/64 dev eth0 &&
	ip -n $R1 addr add 2001:db8:2::1/64 dev r1b &&
	ip -n $R1 addr add 2001:db8:4::1/64 dev r1c &&
	ip -n $R2 addr add 2001:db8:2::2/64 dev r2a &&
	ip -n $R2 addr add 2001:db8:3::1/64 dev r2b &&
	ip -n $B addr add $SB/64 dev eth0 &&
	ip -n $C addr add $SC/64 dev eth0 || return 1
	ip -n $A route add default via 2001:db8:1::1 &&
	ip -n $A2 route add default via 2001:db8:1::1 &&
	ip -n $B route add default via 2001:db8:3::1 &&
	ip -n $C route add default via 2001:db8:4::1 &&
	ip -n $R1 route add 2001:db8:3::/64 via 2001:db8:2::2 &&
	ip -n $R2 route add default via 2001:db8:2::1 || return 1
	# Unicast forwarding only: no multicast routes anywhere.
	for n in $R1 $R2; do
		ip netns exec $n sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
	done
	mcg_lladdr_wait "$R1 r1b" "$R1 r1c" "$R2 r2a" "$R2 r2b" "$B eth0" "$C eth0"
}

# write_sites VERSION HOST...: the roster with each host at its site and
# address, hop limit 2 (this host's setting, not signed), signed.
write_sites() {
	local v=$1 h
	shift
	cat > "$TMP/team.conf" <<EOF
[group]
id = $GID
address = $ADDR
interface = eth0
hoplimit = 2
activation = 2
deactivation = 4
removal-deactivation = 1
hello = 1

[admins]
key = $(cat "$TMP/admin.pub")

[roster]
version = $v
EOF
	for h in "$@"; do
		printf '\n[member %s]\nkey = %s\nsender = %s\nsite = %s\naddress = %s\n' \
			"${h#mcgr-}" "$(cat "$TMP/$h/pub")" "${NR_OF[$h]}" \
			"${SITE_OF[$h]}" "${ADDR_OF[$h]}" >> "$TMP/team.conf"
		[ "$h" = $A ] && echo "priority = 1" >> "$TMP/team.conf"
		[ "$h" = $B ] && echo "priority = 2" >> "$TMP/team.conf"
	done
	"$MCGCTL" roster sign "$TMP/team.conf" < "$TMP/admin.key" > "$TMP/team.sig"
}

# routed_setup: the topology, identities, roster version 1 of A, A2 and
# B, their mcgd running.
routed_setup() {
	local h
	mcg_load
	trap routed_cleanup EXIT
	topology || return 1
	(umask 077 && "$MCGCTL" genid > "$TMP/admin.key") &&
	"$MCGCTL" pubid < "$TMP/admin.key" > "$TMP/admin.pub" || return 1
	for h in "${HOSTS[@]}"; do
		mkdir -p "$TMP/$h/etc" "$TMP/$h/state" &&
		(umask 077 && "$MCGCTL" genid > "$TMP/$h/etc/id.key") &&
		"$MCGCTL" pubid < "$TMP/$h/etc/id.key" > "$TMP/$h/pub" || return 1
	done
	write_sites 1 $A $A2 $B
	"$MCGCTL" roster check "$TMP/team.conf"
	install_roster $A $A2 $B
	for h in $A $A2 $B; do start $h; done
}

# kpeers HOST: its kernel group's peers, sorted, on one line.
kpeers() {
	ip netns exec "$1" "$MCGCTL" -j show team |
		jq -r '[.[0].peers[]?.addr] | sort | join(" ")'
}

# dpeers HOST: the peers its mcgd shows, the same way.
dpeers() { show "$1" | jq -r '[.[0].peers[]?] | sort | join(" ")'; }

# peers_are HOST ADDR...: the kernel's and mcgd's lists are those.
peers_are() {
	local h=$1 want
	shift
	want=$(printf '%s\n' "$@" | sort | paste -sd ' ')
	[ "$(kpeers "$h")" = "$want" ] && [ "$(dpeers "$h")" = "$want" ]
}

# diagnose HOST...: what each received, its kernel's counters, mcgd's view.
diagnose() {
	local h
	for h in "$@"; do
		echo "== $h: $(wc -l < "$TMP/${h#mcgr-}.recv") received; $(cat "$TMP/${h#mcgr-}.err")"
		ip netns exec "$h" "$MCGCTL" -j stats team | jq -c '.groups[0]'
		ip netns exec "$h" "$MCGCTL" -j show team | jq -c '.[0] | {tx_epoch, keys, peers}'
		show "$h" | jq -c '.[0] | {state, tx_epoch, epochs, roster_version}'
		tail -n 5 "$TMP/$h/log"
	done
}

# each_hears_the_others HOST...: each sends 5, each gets the others' 5
# (and its own: mcg_recv takes its host's messages too).
each_hears_the_others() {
	local h o
	for h in "$@"; do
		recv_start "$h" "${h#mcgr-}" -n $((5 * $#)) -t 10000
	done
	for h in "$@"; do run ip netns exec "$h" "$SEND" $GID "from-$h" 5; done
	for h in "$@"; do recv_wait "${h#mcgr-}"; done
	for h in "$@"; do
		for o in "$@"; do
			# mcg_recv's second field: the sender id.
			[ "$(awk -v s="${NR_OF[$o]}" '$2 == s' "$TMP/${h#mcgr-}.recv" | wc -l)" = 5 ] ||
				{ echo "$h did not get 5 from $o"; diagnose "$@"; return 1; }
		done
	done
}

test_a_group_forms_across_routers_that_route_no_multicast() {
	local h ks
	routed_setup || fail "setup"
	wait_formed 40 $A $A2 $B || fail "the group did not form in 40 s"
	for h in $A $A2 $B; do
		ks="$ks $(get $h key_server)"
	done
	[ "$ks" = " 1 1 1" ] || fail "key servers:$ks (not A on every host)"
	# Each lists exactly the members of the other sites.
	peers_are $A $SB && peers_are $A2 $SB && peers_are $B $SA $SA2 ||
		fail "peers: A '$(kpeers $A)' A2 '$(kpeers $A2)' B '$(kpeers $B)'"
	[ "$(ip netns exec $B "$MCGCTL" -j show team | jq -r '.[0].hoplimit')" = 2 ] ||
		fail "B's kernel group has not the file's hop limit"
	"$MCGCTL" daemon show socket "$TMP/$B/sock"
	each_hears_the_others $A $A2 $B || fail "not every message arrived"
	# Each datagram once: by multicast on L1, by unicast across.
	for h in $A $A2 $B; do
		[ "$(kstat $h rx_drop_replay)" = 0 ] || fail "$h got datagrams twice"
	done
	# B heard the key server by unicast alone, none of it refused.
	[ "$(get $B counters.unicast_not_peer)" = 0 ] || fail "B refused unicast from a peer"
}

# Version 2 adds C in a site of its own, given to A only: A passes it to
# A2 by multicast and to B by unicast; every host's peers follow.
test_a_new_site_changes_every_hosts_peers() {
	local n
	routed_setup || fail "setup"
	wait_formed 40 $A $A2 $B || fail "the group did not form"
	write_sites 2 $A $A2 $B $C
	install_roster $A $C
	kill -HUP "$(cat "$TMP/$A/pid")"
	start $C
	wait_until 20 eval '[ "$(get $A2 roster_version)$(get $B roster_version)" = 22 ]' ||
		fail "roster version 2 did not reach A2 and B"
	wait_until 10 eval 'peers_are $A $SB $SC && peers_are $A2 $SB $SC &&
		peers_are $B $SA $SA2 $SC && peers_are $C $SA $SA2 $SB' ||
		fail "peers: A '$(kpeers $A)' A2 '$(kpeers $A2)' B '$(kpeers $B)' C '$(kpeers $C)'"
	wait_formed 40 $A $A2 $B $C || fail "the four did not form"
	each_hears_the_others $A $A2 $B $C || fail "not every message arrived"
	# A host that is no peer of the group's: its datagram is dropped
	# and counted before its signature is looked at.
	n=$(get $B counters.unicast_not_peer)
	ip netns exec $R1 python3 -c '
import socket, struct
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(b"MK\x01\x01" + struct.pack(">I", '$GID') + bytes(100), ("'$SB'", 6471))' ||
		skip "no python3 to send a datagram from a router"
	wait_until 5 eval '[ "$(get $B counters.unicast_not_peer)" = $((n + 1)) ]' ||
		fail "B did not count a datagram from a router"
}

ktap_main
