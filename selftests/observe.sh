#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What an operator sees when debugging a group: the mcg:* tracepoints
# (each drop with its reason and the header it claimed, a sender's new
# run, this host's new run and sending epoch), the same drops as
# rate-limited dynamic debug messages, and when each sender was last
# heard, in mcgctl stats.
#
# Hosts: namespace A sends, B receives; veth a0-b0.

. "$(dirname "$0")/lib.sh"

A=mcg-ob-a
B=mcg-ob-b
GADDR=ff05::4242
TMP=$(mktemp -d)
T=$MCG_TRACEFS

MA() { ip netns exec $A "$MCGCTL" "$@"; }
MB() { ip netns exec $B "$MCGCTL" "$@"; }

# setup: group 7 on both hosts, sender 11 on A and 22 on B, one key.
setup() {
	mcg_two_hosts $A $B || fail "setup"
	mcg_load
	"$MCGCTL" genkey > "$TMP/k1" && "$MCGCTL" genkey > "$TMP/k2" || fail "genkey"
	run MA group add g id 7 addr $GADDR dev a0 sender 11
	run MB group add g id 7 addr $GADDR dev b0 sender 22
	run MB key add g epoch 1 keyfile "$TMP/k1"
}

# trace_on EVENT...: record only these mcg events, from an empty buffer.
# record-cmd off, as lib.sh's kprobes explain: no scheduler hooks.
trace_on() {
	local e
	[ -e $T/events ] || mount -t tracefs nodev $T 2>/dev/null
	[ -d $T/events/mcg ] || fail "no mcg events in $T/events"
	echo 0 > $T/options/record-cmd
	echo 0 > $T/events/enable
	echo > $T/trace
	for e in "$@"; do
		echo 1 > $T/events/mcg/$e/enable || fail "cannot enable mcg:$e"
	done
}

trace_off() { echo 0 > $T/events/mcg/enable; }

# expect_trace REGEX: a line of the trace matches, within 5 s (the worker
# authenticates a new sender's datagrams after softirq has passed them on).
expect_trace() {
	wait_until 5 grep -qE "$1" $T/trace ||
		{ grep mcg_ $T/trace; fail "no trace line matches '$1'"; }
}

# The inode number of a namespace: the tracepoints' netns= and the
# kernel's ns.inum.
ns_inum() { stat -L -c %i /run/netns/"$1"; }

inject() { run ip netns exec $A "$INJECT" -i a0 -a $GADDR "$@"; }

a_lladdr() {
	ip -n $A -6 addr show dev a0 scope link | sed -n 's|.*inet6 \([^/]*\)/.*|\1|p'
}

test_each_drop_is_traced_with_its_reason_and_header() {
	local ns src
	setup
	ns=$(ns_inum $B)
	src=$(a_lladdr)
	trace_on mcg_rx_drop
	inject -g 7 -s 99 -e 1 -r 5 -q 3 -l 32
	inject -g 7 -s 99 -e 9 -l 32
	inject -g 8 -s 99 -e 1 -l 32
	inject -x 0102030405
	expect_trace "mcg_rx_drop: netns=$ns group=7 sender=99 epoch=1 run=5 seq=3 saddr=$src reason=rx_drop_auth"
	expect_trace "netns=$ns group=7 sender=99 epoch=9 .* reason=rx_drop_no_key"
	expect_trace "netns=$ns group=8 sender=99 .* reason=rx_drop_no_group"
	# Too short for a header: counted on the group its address names.
	expect_trace "netns=$ns group=7 sender=0 epoch=0 run=0 seq=0 saddr=$src reason=rx_drop_short"
	trace_off
	# A, a member too, heard its own injections (multicast loops back).
	[ "$(grep -c "mcg_rx_drop: netns=$ns " $T/trace)" = 4 ] ||
		{ cat $T/trace; fail "not one trace line per drop"; }
}

test_runs_and_sending_epochs_are_traced() {
	local na nb run1 run2
	setup
	na=$(ns_inum $A)
	nb=$(ns_inum $B)
	trace_on mcg_tx_epoch mcg_tx_run mcg_rx_run
	run MA key add g epoch 1 keyfile "$TMP/k1"
	expect_trace "mcg_tx_epoch: netns=$na group=7 old_epoch=0 epoch=1$"
	run ip netns exec $A "$SEND" 7 one
	expect_trace "mcg_tx_run: netns=$na group=7 sender=11 epoch=1 run=[1-9]"
	run1=$(sed -n 's/.*mcg_tx_run: .* epoch=1 run=\([0-9]*\)$/\1/p' $T/trace)
	expect_trace "mcg_rx_run: netns=$nb group=7 sender=11 epoch=1 run=$run1 old_run=0$"

	run MB key add g epoch 2 keyfile "$TMP/k2"
	run MA key add g epoch 2 keyfile "$TMP/k2"
	expect_trace "mcg_tx_epoch: netns=$na group=7 old_epoch=1 epoch=2$"
	run ip netns exec $A "$SEND" 7 two
	expect_trace "mcg_tx_run: netns=$na group=7 sender=11 epoch=2 run=[1-9]"
	run2=$(sed -n 's/.*mcg_tx_run: .* epoch=2 run=\([0-9]*\)$/\1/p' $T/trace)
	expect_trace "mcg_rx_run: netns=$nb group=7 sender=11 epoch=2 run=$run2 old_run=$run1$"
	# B follows the newest epoch too, and sent nothing: no run.
	grep -q "mcg_tx_epoch: netns=$nb group=7 old_epoch=1 epoch=2$" $T/trace ||
		{ cat $T/trace; fail "B's sending epoch did not move to 2"; }
	grep -q "mcg_tx_run: netns=$nb" $T/trace && { cat $T/trace; fail "B started a run"; }
	trace_off
}

test_drops_reach_dynamic_debug() {
	local ctl=/proc/dynamic_debug/control
	setup
	[ -e $ctl ] || ctl=/sys/kernel/debug/dynamic_debug/control
	[ -e $ctl ] || mount -t debugfs nodev /sys/kernel/debug 2>/dev/null
	[ -e $ctl ] || fail "no dynamic debug control"
	dmesg_mark
	inject -g 7 -s 99 -e 1 -l 32
	sleep 0.5
	dmesg | grep -q "mcg: .*dropped" && { dmesg; fail "a debug message while disabled"; }
	echo 'module mcg +p' > $ctl || fail "cannot enable mcg's debug messages"
	inject -g 7 -s 98 -e 1 -l 32
	wait_until 5 eval "dmesg | grep -qE 'mcg: netns [0-9]+ group 7: datagram from fe80::[0-9a-f:]+ sender 98 epoch 1 run 1 seq 1 dropped: rx_drop_auth'" ||
		{ dmesg | tail; fail "the drop is not in the kernel log"; }
	echo 'module mcg -p' > $ctl
	# A flood is rate-limited: the log does not grow with it.
	echo 'module mcg +p' > $ctl
	dmesg_mark
	inject -g 7 -s 98 -e 1 -l 32 -n 200
	sleep 1
	echo 'module mcg -p' > $ctl
	n=$(dmesg | grep -c "mcg: .*dropped")
	echo "200 forgeries: $n debug lines"
	[ "$n" -ge 1 ] && [ "$n" -le 20 ] || fail "$n debug lines for 200 drops"
}

# now_ms: the monotonic clock, in ms.
now_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }

test_stats_say_when_each_sender_was_last_heard() {
	local out ms t0 t1
	setup
	run MA key add g epoch 1 keyfile "$TMP/k1"
	t0=$(now_ms)
	run ip netns exec $A "$SEND" 7 hello
	sleep 1.2
	out=$(MB -j stats g)
	t1=$(now_ms)
	ms=$(jq '.groups[0].senders[0].last_rx_ms' <<< "$out")
	echo "sender 11 last heard $ms ms ago, sent $((t1 - t0)) ms ago"
	[ "$ms" -ge 1000 ] && [ "$ms" -le $((t1 - t0 + 20)) ] || { echo "$out"; fail "last_rx_ms $ms"; }
	jq -e '.groups[0].senders[0] | .id == 11 and .epoch == 1 and .run > 0' <<< "$out" >/dev/null ||
		{ echo "$out"; fail "sender 11's epoch and run"; }
	out=$(MB stats g)
	grep -qE '^  sender 11: last [0-9.]+s ago epoch 1  rx packets 1 ' <<< "$out" ||
		{ echo "$out"; fail "text stats do not say when sender 11 was last heard"; }
	# Heard again: the age starts over.
	t0=$(now_ms)
	run ip netns exec $A "$SEND" 7 again
	ms=$(MB -j stats g | jq '.groups[0].senders[0].last_rx_ms')
	t1=$(now_ms)
	echo "then $ms ms ago, sent $((t1 - t0)) ms ago"
	[ "$ms" -le $((t1 - t0 + 20)) ] || fail "last_rx_ms $ms just after a message"
	# Once its epoch is deleted the sender has no current epoch.
	run MB key del g epoch 1
	MB -j stats g | jq -e '.groups[0].senders[0] | has("epoch") | not' >/dev/null ||
		fail "an epoch reported after its deletion"
}

test_trace_cmd_lists_the_events() {
	command -v trace-cmd >/dev/null || fail "trace-cmd is missing (make deps)"
	out=$(trace-cmd list -e '^mcg:' 2>&1)
	for e in mcg_rx_drop mcg_rx_run mcg_tx_run mcg_tx_epoch mcg_key_exhausted; do
		grep -qx "mcg:$e" <<< "$out" || { echo "$out"; fail "trace-cmd does not list mcg:$e"; }
	done
}

cleanup() {
	ip netns del $A 2>/dev/null
	ip netns del $B 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ktap_main
