#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packet fuzzing (issue #5): from another namespace, mcg_pktfuzz sends
# MCG_PKTFUZZ_COUNT mutated datagrams (default 20000; the long run is
# 1000000) at a group's address and port, from the seed MCG_PKTFUZZ_SEED:
# truncated, malformed, random, forged, bit-flipped, replayed, of unknown
# epochs, groups and senders, of earlier runs and old sequence numbers, of
# the largest size, with lying IPv6 and UDP lengths and checksums, and
# genuine ones among them.  The receiver must not crash or leak; every
# datagram UDP hands to mcg is counted exactly once, as accepted or under
# one drop reason, and the rest by the IPv6 and UDP layers, so that the sum
# is what was sent; each counter is what the fuzzer's model of the receive
# path predicts; forged senders leave no state; only genuine messages are
# delivered; and the group still works after.
#
# A failure replays with the same seed and count:
#   MCG_PKTFUZZ_SEED=N MCG_PKTFUZZ_COUNT=N selftests/fuzz_packets.sh
# MCG_PKTFUZZ_TRACE=FILE (a path the guest can write) keeps one line per
# datagram: its index, class, length and the outcome the model predicts.
# The long run takes about 10 minutes in a TCG guest: KTAP_TIMEOUT=3600.
#
# Hosts: namespace mcg-fz-tx (the attacker, a0) and mcg-fz-rx (the
# group's member, b0) on a veth.

. "$(dirname "$0")/lib.sh"

TX=mcg-fz-tx
RX=mcg-fz-rx
GADDR=ff05::f022
GID=5
OWN=2		# the receiver's sender id
TX_ID=1		# the genuine sender of the last case
COUNT=${MCG_PKTFUZZ_COUNT:-20000}
SEED=${MCG_PKTFUZZ_SEED:-0x5eed0005}
FUZZ=$MCG_TOP/selftests/mcg_pktfuzz
TMP=$(mktemp -d)

M() { local ns=$1; shift; ip netns exec "$ns" "$MCGCTL" "$@"; }

# The receiver's counters as mcgctl -j stats gives them, saved.
stats_save() { M $RX -j stats > "$TMP/stats.json"; }

# stat FILTER: a number from the saved counters (0 when absent).
stat() { jq -r "($1) // 0" "$TMP/stats.json"; }

# Every datagram UDP handed to mcg, as mcg counts it: accepted, or dropped
# under one reason, by the group or by the namespace.  RX_DROP_RCVBUF
# counts copies for local sockets, not datagrams.
mcg_sum() {
	stat '[.groups[0] | to_entries[] | select((.key | startswith("rx_drop_")) and
		.key != "rx_drop_rcvbuf") | .value] + [.groups[0].rx_packets] +
		[.namespace // {} | to_entries[] | select(.key | startswith("rx_drop_")) |
		.value] | add'
}

# snmp NAME: a counter of the receiver's IPv6 and UDP layers, since the run.
snmp() {
	local before after
	before=$(awk -v n="$1" '$1 == n { print $2 }' "$TMP/snmp.before")
	after=$(ip netns exec $RX awk -v n="$1" '$1 == n { print $2 }' /proc/net/snmp6)
	echo $((after - before))
}

# Where datagrams could have been lost below mcg, for a sum that is off.
below_mcg() {
	local a b c n
	echo "softnet_stat (processed dropped squeezed, per CPU):"
	while read -r a b c _; do
		echo "  $((16#$a)) $((16#$b)) $((16#$c))"
	done < /proc/net/softnet_stat
	ip -n $TX -s link show a0
	ip -n $RX -s link show b0
	for n in Udp6InDatagrams Udp6InErrors Udp6RcvbufErrors Udp6InCsumErrors \
		 Udp6IgnoredMulti Ip6InReceives Ip6InTruncatedPkts Ip6InDiscards \
		 Ip6ReasmFails Ip6ReasmTimeout; do
		echo "$n $(snmp $n)"
	done
	M $RX stats
}

# expected KIND...: the fuzzer's "expect" lines of one kind.
expected() { awk -v k="$1" '$1 == "expect" && $2 == k' "$TMP/fuzz.out"; }

need_run() { [ -s "$TMP/fuzz.out" ] || fail "no fuzz run to check (the first case failed)"; }

test_fuzz_run() {
	local rc t0 t1 k=1 alg keys=() trace=()
	[ -x "$FUZZ" ] || fail "$FUZZ is not built (make -C selftests)"
	# The last case reads the kernel log from here on.
	dmesg_mark
	mcg_load
	mcg_two_hosts $TX $RX || fail "topology"
	run M $RX group add g addr $GADDR dev b0 id $GID sender $OWN
	# Three epochs, one per algorithm: the fuzzer seals under each.
	for alg in aes-gcm-256 chacha20-poly1305 aes-gcm-128; do
		(umask 077 && "$MCGCTL" genkey $alg > "$TMP/k$k")
		run M $RX key add g epoch $k alg $alg keyfile "$TMP/k$k"
		keys+=(-k "$k:$alg:$TMP/k$k")
		k=$((k + 1))
	done
	[ -n "${MCG_PKTFUZZ_TRACE:-}" ] && trace=(-t "$MCG_PKTFUZZ_TRACE")
	ip netns exec $RX cat /proc/net/snmp6 > "$TMP/snmp.before"
	echo "seed $SEED, $COUNT datagrams; to replay:" \
		"MCG_PKTFUZZ_SEED=$SEED MCG_PKTFUZZ_COUNT=$COUNT $0"
	t0=$(date +%s.%N)
	ip netns exec $TX "$FUZZ" -i a0 -a $GADDR -g $GID -o $OWN -N $RX "${keys[@]}" \
		-n "$COUNT" -s "$SEED" "${trace[@]}" > "$TMP/fuzz.out" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	grep -vE '^expect ' "$TMP/fuzz.out"
	echo "the run took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
	[ $rc = 0 ] || fail "mcg_pktfuzz exited with $rc"
	[ "$(awk '$1 == "sent" { print $2 }' "$TMP/fuzz.out")" = "$COUNT" ] ||
		fail "mcg_pktfuzz did not send $COUNT datagrams"
}

test_counters_add_up() {
	local sum prev=-1 sent reach udp stack
	need_run
	# The worker may still hold datagrams: wait until nothing moves.
	for _ in $(seq 120); do
		stats_save
		sum=$(mcg_sum)
		[ "$sum" = "$prev" ] && break
		prev=$sum
		sleep 0.5
	done
	sent=$(awk '$1 == "sent" { print $2 }' "$TMP/fuzz.out")
	reach=$(awk '$1 == "reach" { print $2 }' "$TMP/fuzz.out")
	udp=$(snmp Udp6InDatagrams)
	stack=$(($(snmp Udp6InErrors) + $(snmp Udp6IgnoredMulti) + $(snmp Ip6InTruncatedPkts)))
	echo "sent $sent: mcg counted $sum, UDP handed $udp to mcg and dropped $stack" \
		"(the fuzzer meant $reach for mcg)"
	if [ "$sum" != "$udp" ] || [ $((udp + stack)) != "$sent" ] || [ "$udp" != "$reach" ]; then
		below_mcg
		[ "$sum" != "$udp" ] && fail "mcg counted $sum of the $udp datagrams UDP gave it"
		fail "$((udp + stack)) of $sent datagrams reached the receiver's IPv6 and UDP counters"
	fi
}

test_every_counter_as_predicted() {
	local kind name value id got bad=0 n=0
	need_run
	stats_save
	awk '$1 == "expect"' "$TMP/fuzz.out" > "$TMP/expect"
	# (No process substitution: the guest has no /dev/fd.)
	while read -r _ kind name value; do
		n=$((n + 1))
		case $kind in
		group) got=$(stat ".groups[0].$name") ;;
		ns) got=$(stat ".namespace.$name") ;;
		snmp) got=$(snmp "$name") ;;
		sender)
			id=$name
			read -r name value <<< "$value"
			got=$(stat ".groups[0].senders[] | select(.id == $id) | .$name")
			name="$name of sender $id"
			;;
		esac
		if [ "$got" != "$value" ]; then
			echo "$kind $name: $got, expected $value"
			bad=1
		fi
	done < "$TMP/expect"
	[ $n -gt 0 ] && [ $n = "$(wc -l < "$TMP/expect")" ] || fail "read $n of the predictions"
	if [ $bad = 1 ]; then
		M $RX stats g
		fail "counters differ from the model's prediction (seed $SEED, count $COUNT)"
	fi
	echo "$n counters as predicted:" \
		"$(expected group | awk '$4 != 0 { printf "%s=%s ", $3, $4 }')"
}

test_forged_senders_leave_nothing() {
	local want got
	need_run
	stats_save
	want=$(awk '$1 == "senders" { $1 = ""; print }' "$TMP/fuzz.out" | tr ' ' '\n' |
		grep . | sort -n | tr '\n' ' ')
	got=$(stat '.groups[0].senders // [] | map(.id) | sort | map(tostring) | join(" ")')
	[ "$got " = "$want" ] ||
		fail "the receiver keeps senders '$got', the genuine ones are '$want'"
}

test_group_still_delivers() {
	local k=1 alg before
	need_run
	# A genuine sender: a group on the attacker's side, the same keys.
	run M $TX group add g addr $GADDR dev a0 id $GID sender $TX_ID
	for alg in aes-gcm-256 chacha20-poly1305 aes-gcm-128; do
		run M $TX key add g epoch $k alg $alg keyfile "$TMP/k$k"
		k=$((k + 1))
	done
	before=$(M $RX -j stats g | jq '.groups[0].rx_packets')
	ip netns exec $RX "$RECV" -n 1 -t 20000 $GID > "$TMP/after" 2> "$TMP/after.err" &
	for _ in $(seq 100); do
		grep -q ready "$TMP/after.err" && break
		sleep 0.05
	done
	run ip netns exec $TX "$SEND" $GID "still here after the fuzz"
	wait
	[ "$(cat "$TMP/after")" = "0 $TX_ID 25 still here after the fuzz" ] ||
		{ cat "$TMP/after"; M $RX stats g; fail "the genuine message did not arrive"; }
	[ "$(M $RX -j stats g | jq '.groups[0].rx_packets')" = $((before + 1)) ] ||
		fail "rx_packets did not count it"
}

test_no_leak() {
	local k=/sys/kernel/debug/kmemleak report
	need_run
	[ -w $k ] || skip "this kernel has no kmemleak (make check-debug boots one)"
	# All the fuzz left behind goes with the namespaces (kmemleak.sh checks
	# the module's unload at the end of check-debug).  An object must be
	# 5 s old and unreferenced in two scans to be reported.
	ip netns del $TX
	ip netns del $RX
	sleep 2
	echo scan > $k || fail "kmemleak scan failed"
	sleep 6
	echo scan > $k || fail "kmemleak scan failed"
	report=$(cat $k)
	if grep -q 'mcg' <<< "$report"; then
		echo "$report" | head -n 200
		fail "kmemleak reports objects allocated by mcg"
	fi
	echo "kmemleak: $(grep -c '^unreferenced object' <<< "$report") reports, none of mcg"
}

test_dmesg_is_clean() {
	need_run
	dmesg_check_clean
}

trap 'rm -rf "$TMP"; ip netns del $TX 2>/dev/null; ip netns del $RX 2>/dev/null' EXIT
ktap_main
