#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mcgd, as operators run it: hosts get identities, an admin signs a
# roster, one mcgd per host forms the group from its files alone, elects
# a key server and rotates keys; traffic across rotations, a removal, a
# key server killed, a member restarted, loss, a partition, forged and
# replayed control datagrams, bad files, a key used up in the kernel.
#
# Hosts: namespaces mcgd-h1..h4 on bridge mcgd-br (eth0 each); group
# "team", id 9, ff05::4d47, data port 6470, control port 6471.  h1 and h2
# are key-server candidates (priority 1 and 2).  Each host's files are in
# $TMP/HOST: etc/ (id.key, team.conf, team.sig), state/, sock, log.

. "$(dirname "$0")/lib.sh"

MCGD=$MCG_TOP/tools/mcgd/mcgd
BR=mcgd-br
HOSTS=(mcgd-h1 mcgd-h2 mcgd-h3 mcgd-h4)
GID=9
ADDR=ff05::4d47
TMP=$(mktemp -d)
# Group timing, seconds: hellos every 1 (lifetime 3), activation 2.
ROTATION=3600

cleanup() {
	local h
	for h in "${HOSTS[@]}"; do
		[ -f "$TMP/$h/pid" ] && kill -9 "$(cat "$TMP/$h/pid")" 2>/dev/null
		ip netns del "$h" 2>/dev/null
	done
	ip netns del $BR 2>/dev/null
	# Others' background jobs (senders, receivers).
	jobs -p | xargs -r kill 2>/dev/null
	true
}

nr() { echo "${1#mcgd-h}"; }

# write_roster VERSION HOST...: $TMP/team.conf of that version with those
# members, and $TMP/team.sig, the admin's signature.
write_roster() {
	local v=$1 h
	shift
	{
		cat <<EOF
; written by mcgd.sh
[group]
id = $GID
address = $ADDR
interface = eth0
rotation = $ROTATION
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
			printf '\n[member %s]\nkey = %s\nsender = %s\n' \
				"${h#mcgd-}" "$(cat "$TMP/$h/pub")" "$(nr "$h")"
			case $h in
			mcgd-h1) echo "priority = 1" ;;
			mcgd-h2) echo "priority = 2" ;;
			esac
		done
	} > "$TMP/team.conf"
	"$MCGCTL" roster sign "$TMP/team.conf" < "$TMP/admin.key" > "$TMP/team.sig"
}

install_roster() {	# HOST...: the roster of $TMP into their etc/
	local h
	for h in "$@"; do
		cp "$TMP/team.conf" "$TMP/team.sig" "$TMP/$h/etc/"
	done
}

# start HOST [ARGS...]: its mcgd, in the background; returns once it
# answers on its control socket.
start() {
	local h=$1
	shift
	ip netns exec "$h" "$MCGD" -c "$TMP/$h/etc" -s "$TMP/$h/state" \
		-S "$TMP/$h/sock" "$@" >> "$TMP/$h/log" 2>&1 &
	echo $! > "$TMP/$h/pid"
	disown $!	# its end, even by SIGKILL, is no news
	wait_until 20 "$MCGCTL" daemon show socket "$TMP/$h/sock" > /dev/null 2>&1 ||
		{ cat "$TMP/$h/log"; fail "mcgd in $h does not answer"; }
}

stop() {	# HOST [SIGNAL]
	local pid
	pid=$(cat "$TMP/$1/pid")
	kill "-${2:-TERM}" "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

show() { "$MCGCTL" -j daemon show team socket "$TMP/$1/sock" 2>/dev/null; }

# get HOST KEY: one value of the group's, "" if mcgd does not answer.
get() { show "$1" | jq -r ".[0].$2 // empty"; }

# formed HOST...: each sends on the same epoch, which each has.
formed() {
	local h tx="" t
	for h in "$@"; do
		t=$(show "$h" | jq -r '.[0] | select(.tx_epoch > 0) | "\(.tx_epoch) \(.epochs | join(","))"')
		[ -n "$t" ] || return 1
		[ -z "$tx" ] && tx=${t%% *}
		[ "${t%% *}" = "$tx" ] || return 1
	done
	FORMED_EPOCH=$tx
}

wait_formed() {	# SECONDS HOST...
	local s=$1 h
	shift
	wait_until "$s" formed "$@" && return 0
	for h in "$@"; do
		echo "$h: $(show "$h" | jq -c '.[0] | {state, tx_epoch, epochs, key_server, roster_version}')"
	done
	return 1
}

# setup [HOST...]: the bridge, the hosts (all four by default) with an
# identity each, the admin, roster version 1 of all four, and mcgd
# running on those named.
setup() {
	local h
	mcg_load
	trap cleanup EXIT
	mcg_bridge_hosts $BR "${HOSTS[@]}" || return 1
	(umask 077 && "$MCGCTL" genid > "$TMP/admin.key") &&
	"$MCGCTL" pubid < "$TMP/admin.key" > "$TMP/admin.pub" || return 1
	for h in "${HOSTS[@]}"; do
		rm -rf "${TMP:?}/$h"
		mkdir -p "$TMP/$h/etc" "$TMP/$h/state" &&
		(umask 077 && "$MCGCTL" genid > "$TMP/$h/etc/id.key") &&
		"$MCGCTL" pubid < "$TMP/$h/etc/id.key" > "$TMP/$h/pub" || return 1
	done
	write_roster 1 "${HOSTS[@]}"
	install_roster "${HOSTS[@]}"
	for h in "${@:-${HOSTS[@]}}"; do
		start "$h"
	done
}

# recv_start HOST NAME [ARGS...]: mcg_recv in the background into
# $TMP/NAME.recv; returns once it is bound.
recv_start() {
	local h=$1 name=$2
	shift 2
	ip netns exec "$h" "$RECV" "$@" $GID > "$TMP/$name.recv" 2> "$TMP/$name.err" &
	echo $! > "$TMP/$name.rpid"
	wait_until 10 grep -q ready "$TMP/$name.err" || fail "mcg_recv in $h not ready"
}

recv_wait() {	# NAME: wait for it to end
	wait "$(cat "$TMP/$1.rpid")" 2>/dev/null
	true
}

lines() { wc -l < "$TMP/$1.recv"; }

kstat() {	# HOST COUNTER: the kernel group's counter
	ip netns exec "$1" "$MCGCTL" -j stats team | jq -r ".groups[0].$2"
}

# -- cases -------------------------------------------------------------

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
	recv_start mcgd-h2 r2 -n $n -t 20000
	recv_start mcgd-h4 r4 -n $n -t 20000
	# 25 s at 1,000 messages a second: two rotations at least.
	out=$(ip netns exec mcgd-h3 "$SEND" -k -r $rate $GID "m%u" $n)
	echo "h3: $out"
	recv_wait r2
	recv_wait r4
	r1=$(get mcgd-h1 counters.rotations)
	echo "rotations meanwhile: $((r1 - r0)); received: $(lines r2) and $(lines r4) of $n"
	[ "$out" = "sent $n failed 0" ] || fail "h3 could not send them all"
	[ $((r1 - r0)) -ge 2 ] || fail "fewer than 2 rotations"
	[ "$(lines r2)" = $n ] && [ "$(lines r4)" = $n ] || fail "messages were lost"
	[ "$(kstat mcgd-h2 rx_drop_no_key)" = 0 ] || fail "h2 dropped some for want of a key"
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

test_the_key_server_killed_is_followed_within_its_lifetime() {
	local t0 t1 ms spid
	setup || fail "setup"
	wait_formed 40 "${HOSTS[@]}" || fail "the group did not form"
	recv_start mcgd-h4 r4 -n 2000 -t 15000
	ip netns exec mcgd-h3 "$SEND" -k -r 100 $GID "m%u" 2000 > "$TMP/s3" &
	spid=$!
	sleep 2
	t0=$(date +%s%N)
	stop mcgd-h1 KILL
	wait_until 20 eval '[ "$(get mcgd-h2 state)" = key-server ]' || fail "h2 did not take over"
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	echo "h2 is key server $ms ms after h1's mcgd was killed (hello lifetime 3 s)"
	# The lifetime and 1 s, and what asking mcgd costs here (a poll).
	[ $ms -le 6000 ] || fail "took longer than the lifetime + 1 s (+ 2 s to ask)"
	wait_until 20 eval '[ "$(get mcgd-h4 key_server)" = 2 ]' || fail "h4 does not follow h2"
	wait_formed 20 mcgd-h2 mcgd-h3 mcgd-h4 || fail "no epoch of h2's in use"
	wait $spid
	recv_wait r4
	echo "h3: $(cat "$TMP/s3"); h4 got $(lines r4)"
	[ "$(cat "$TMP/s3")" = "sent 2000 failed 0" ] && [ "$(lines r4)" = 2000 ] ||
		fail "messages were lost across the takeover"
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

test_forged_and_replayed_control_datagrams_are_refused() {
	local hex n r0 k0 tx
	setup || fail "setup"
	ip netns exec mcgd-h4 tcpdump -i eth0 -U -n -w "$TMP/ctl" udp port 6471 2> /dev/null &
	wait_formed 40 "${HOSTS[@]}" || fail "the group did not form"
	sleep 2
	pkill -INT -f "tcpdump -i eth0 -U -n -w $TMP/ctl"
	sleep 1
	tx=$(get mcgd-h3 tx_epoch)
	r0=$(get mcgd-h3 counters.datagrams_refused)
	k0=$(get mcgd-h3 counters.rekeys_in)
	n=0
	# Everything the group said at its start, said again to h3.
	for hex in $(python3 - "$TMP/ctl" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off = 24
while off + 16 <= len(d):
    caplen = struct.unpack_from('<I', d, off + 8)[0]
    p = d[off + 16:off + 16 + caplen]
    off += 16 + caplen
    if len(p) > 62 and p[12:14] == b'\x86\xdd' and p[20] == 17:
        print(p[62:].hex())
EOF
	); do
		ip netns exec mcgd-h1 "$INJECT" -i eth0 -a $ADDR -p 6471 -x "$hex" || fail "mcg_inject"
		# The same, one bit changed in its body: a forgery.
		ip netns exec mcgd-h1 "$INJECT" -i eth0 -a $ADDR -p 6471 \
			-x "${hex:0:90}$(printf %x $(( 0x${hex:90:1} ^ 1 )))${hex:91}" || fail "mcg_inject"
		n=$((n + 1))
	done
	[ $n -ge 5 ] || fail "only $n control datagrams captured"
	sleep 2
	echo "$n replayed and $n forged: $(show mcgd-h3 | jq -c '.[0].counters | {datagrams_refused, hellos_refused, keks_refused, rekeys_refused, rekeys_in}')"
	[ "$(get mcgd-h3 counters.rekeys_in)" = "$k0" ] || fail "a replayed rekey was installed"
	[ $(( $(get mcgd-h3 counters.datagrams_refused) - r0 )) -ge $n ] || fail "the forgeries were not all counted"
	[ "$(get mcgd-h3 tx_epoch)" = "$tx" ] || fail "h3 moved to another epoch"
	wait_formed 5 "${HOSTS[@]}" || fail "the group broke"
}

test_bad_files_are_refused_with_the_file_and_line() {
	local out tx
	setup mcgd-h1 mcgd-h2 mcgd-h3 || fail "setup"
	wait_formed 40 mcgd-h1 mcgd-h2 mcgd-h3 || fail "the group did not form"
	tx=$(get mcgd-h1 tx_epoch)
	# A reload of a broken file: refused, the group as it was.
	sed -i 's/^hello = 1/hello = soon/' "$TMP/mcgd-h1/etc/team.conf"
	kill -HUP "$(cat "$TMP/mcgd-h1/pid")"
	wait_until 10 grep -q "reload refused" "$TMP/mcgd-h1/log" || fail "no word of the refusal"
	out=$(grep "reload refused" "$TMP/mcgd-h1/log")
	echo "$out"
	grep -qF "team.conf:10: " <<< "$out" || fail "the file and line are not named"
	[ "$(get mcgd-h1 tx_epoch)" = "$tx" ] && [ "$(get mcgd-h1 state)" = key-server ] ||
		fail "the group changed"
	# A roster of version 2 that no admin signed: refused at reload.
	install_roster mcgd-h1
	sed -i 's/^version = 1/version = 2/' "$TMP/mcgd-h1/etc/team.conf"
	kill -HUP "$(cat "$TMP/mcgd-h1/pid")"
	wait_until 10 eval '[ $(grep -c "reload refused" "$TMP/mcgd-h1/log") = 2 ]' || fail "no refusal"
	grep "reload refused" "$TMP/mcgd-h1/log" | tail -n 1
	grep "reload refused" "$TMP/mcgd-h1/log" | tail -n 1 | grep -qF "team.sig:1: does not sign this roster" ||
		fail "not refused for its signature"
	[ "$(get mcgd-h1 roster_version)" = 1 ] || fail "the unsigned roster was taken"
	# An identity others can read: mcgd does not start.
	chmod 644 "$TMP/mcgd-h4/etc/id.key"
	out=$(ip netns exec mcgd-h4 "$MCGD" -c "$TMP/mcgd-h4/etc" -s "$TMP/mcgd-h4/state" \
		-S "$TMP/mcgd-h4/sock" 2>&1) && fail "mcgd started with a readable identity"
	echo "$out"
	grep -q "id.key" <<< "$out" || fail "the identity file is not named"
	# A group file with an error: that group does not run, and says why.
	chmod 600 "$TMP/mcgd-h4/etc/id.key"
	sed -i 's/^address = .*/address = 2001:db8::1/' "$TMP/mcgd-h4/etc/team.conf"
	start mcgd-h4
	grep "team" "$TMP/mcgd-h4/log"
	grep -q "group team not started: .*team.conf:4: " "$TMP/mcgd-h4/log" || fail "no file and line"
	[ "$("$MCGCTL" -j daemon show socket "$TMP/mcgd-h4/sock" | jq length)" = 0 ] ||
		fail "a broken group runs"
}

# MCGD_MEMBERS hosts (12 here, 100 in make soak): formed, then a rotation
# that every one sends on within the activation delay + 2 s.
test_a_big_group_rekeys_within_the_activation_delay_plus_2_s() {
	local n=${MCGD_MEMBERS:-12} i h out big=() socks=() t0
	mcg_load
	for i in $(seq "$n"); do big+=("mcgd-b$i"); done
	trap 'for h in "${big[@]}"; do [ -f "$TMP/$h/pid" ] && kill -9 "$(cat "$TMP/$h/pid")" 2>/dev/null; ip netns del "$h" 2>/dev/null; done; ip netns del mcgd-bbr 2>/dev/null' EXIT
	t0=$SECONDS
	mcg_bridge_hosts mcgd-bbr "${big[@]}" || fail "$n hosts"
	(umask 077 && "$MCGCTL" genid > "$TMP/admin.key") &&
	"$MCGCTL" pubid < "$TMP/admin.key" > "$TMP/admin.pub" || fail "admin"
	{
		printf '[group]\nid = %s\naddress = %s\ninterface = eth0\n' $GID $ADDR
		# Hellos every 5 s: a hundred members' signatures are checked by
		# each, in a TCG guest.
		printf 'rotation = 30\nactivation = 5\nhello = 5\n[admins]\nkey = %s\n' \
			"$(cat "$TMP/admin.pub")"
		printf '[roster]\nversion = 1\n'
		for i in $(seq "$n"); do
			h=mcgd-b$i
			rm -rf "${TMP:?}/$h"
			mkdir -p "$TMP/$h/etc" "$TMP/$h/state"
			(umask 077 && "$MCGCTL" genid > "$TMP/$h/etc/id.key")
			printf '[member b%s]\nkey = %s\nsender = %s\n' "$i" \
				"$("$MCGCTL" pubid < "$TMP/$h/etc/id.key")" "$i"
			[ "$i" -le 3 ] && echo "priority = $i"
		done
	} > "$TMP/big.conf"
	"$MCGCTL" roster sign "$TMP/big.conf" < "$TMP/admin.key" > "$TMP/big.sig"
	for h in "${big[@]}"; do
		cp "$TMP/big.conf" "$TMP/$h/etc/team.conf"
		cp "$TMP/big.sig" "$TMP/$h/etc/team.sig"
		ip netns exec "$h" "$MCGD" -c "$TMP/$h/etc" -s "$TMP/$h/state" \
			-S "$TMP/$h/sock" >> "$TMP/$h/log" 2>&1 &
		echo $! > "$TMP/$h/pid"
		disown $!
		socks+=("$TMP/$h/sock")
	done
	echo "$n hosts with identities and mcgd in $((SECONDS - t0)) s"
	out=$("$MCG_TOP/selftests/mcgd_poll.py" --formed 300 "${socks[@]}") ||
		{ echo "$out"; cat "$TMP/mcgd-b2/log"; fail "$n members did not form in 300 s"; }
	echo "$n members $out after $((SECONDS - t0)) s"
	# The next rotation (30 s), timed from its first sight at the key
	# server to the last member sending on it.
	out=$("$MCG_TOP/selftests/mcgd_poll.py" 120 "${socks[@]}") || { echo "$out"; fail "no rekey"; }
	echo "$n members: $out (activation 5 s)"
	[ "$(awk '{ print $4 }' <<< "$out")" -le 7000 ] || fail "slower than the activation delay + 2 s"
}

test_a_key_used_up_in_the_kernel_is_replaced() {
	local tx ev
	# The kernel's limits made small: 3 runs of 4 messages per epoch.
	ip netns del $BR 2>/dev/null
	mcg_unload || fail "rmmod"
	mcg_load msgs_per_run=4 runs_per_key=3
	trap 'cleanup; mcg_unload; mcg_load' EXIT
	setup || fail "setup"
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
