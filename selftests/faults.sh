#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection (failslab, fail_page_alloc, usercopy): every allocation
# mcg makes may fail, and each failure becomes an error to the caller or a
# counted drop -- never a crash, a leak, a half-made change or a message
# delivered wrong.  Needs a kernel with CONFIG_FAULT_INJECTION (make
# check-debug boots one); on others the cases are skipped.
#
# Hosts are namespaces joined by veth: a0 in mcg-fi-a, b0 in mcg-fi-b.

. "$(dirname "$0")/lib.sh"

A=mcg-fi-a
B=mcg-fi-b
GADDR=ff05::4343
DBG=/sys/kernel/debug
TMP=$(mktemp -d)

M() { local ns=$1; shift; ip netns exec "$ns" "$MCGCTL" "$@"; }

# faults MODE: configure failslab and fail_page_alloc and leave them off.
#   nth     only what a task asks with /proc/thread-self/fail-nth, any
#           allocation, order 0 pages included;
#   atomic  allocations that cannot sleep, anywhere (softirq included),
#           PERCENT of them (faults_on);
#   task    any allocation by a task with /proc/PID/make-it-fail set.
faults() {
	local d wait=N filter=N
	[ "$1" = atomic ] && wait=Y
	[ "$1" = task ] && filter=Y
	for d in $DBG/failslab $DBG/fail_page_alloc; do
		[ -d $d ] || skip "no $d: this kernel has no fault injection (make check-debug)"
		echo 0 > $d/probability
		echo 0 > $d/verbose
		echo 1 > $d/interval
		echo -1 > $d/times
		echo 0 > $d/space
		echo $filter > $d/task-filter
		echo $wait > $d/ignore-gfp-wait
	done
	echo 0 > $DBG/fail_page_alloc/min-order
	echo N > $DBG/fail_page_alloc/ignore-gfp-highmem
}

faults_on() {	# PERCENT
	echo "$1" > $DBG/failslab/probability
	echo "$1" > $DBG/fail_page_alloc/probability
}

faults_off() {
	local d
	for d in $DBG/failslab $DBG/fail_page_alloc; do
		[ -d $d ] && echo 0 > $d/probability
	done
	return 0
}

setup() {
	faults_off
	mcg_load
	mcg_two_hosts $A $B || fail "topology"
}

# group NS SENDER: group g (id 5) on the link with epoch 1's key.
group() {
	run M "$1" group add g addr $GADDR dev "$3" id 5 sender "$2"
	run M "$1" key add g epoch 1 keyfile "$TMP/k1"
}

# counter NS COUNTER
counter() { M "$1" -j stats g | jq ".groups[0].$2 // 0"; }

# drops NS: every datagram the group dropped, whatever the reason.
# rx_drop_rcvbuf counts copies for readers, not datagrams: not one of them.
drops() {
	M "$1" -j stats g | jq '[.groups[0] | to_entries[] |
		select(.key | startswith("rx_drop_")) |
		select(.key != "rx_drop_rcvbuf") | .value] | add // 0'
}

# settled NS: the group's receive counters did not move for a second.
settled() {
	local a b
	a=$(M "$1" -j stats g | jq -c '.groups[0]')
	sleep 1
	b=$(M "$1" -j stats g | jq -c '.groups[0]')
	[ "$a" = "$b" ]
}

lines_are() { [ "$(wc -l < "$1")" = "$2" ]; }

# reader NS OUT ARGS...: a reader that stays open however slow the kernel
# is (the test ends it), ready when this returns.
reader() {
	local ns=$1 out=$2
	shift 2
	ip netns exec "$ns" "$RECV" -t 600000 "$@" 5 > "$out" 2> "$TMP/err" &
	rpid=$!
	wait_until 30 grep -q ready "$TMP/err" || fail "the reader did not bind"
}

# Each allocation (and user copy) of each configuration request, and of
# socket(), bind() and send(), fails in turn: mcg_failnth.py checks that
# the request fails and changes nothing, or succeeds whole.
test_every_allocation_of_every_request_fails_cleanly() {
	faults nth
	setup
	dmesg_mark
	ip netns exec $A python3 "$MCG_TOP/selftests/mcg_failnth.py" a0 ||
		fail "a failed allocation was not handled cleanly"
	dmesg_check_clean
}

# Receive and deliver while 10% of the allocations that cannot sleep fail,
# system-wide: clones for each reader, skbs on the link, decryption
# requests (those that find their CPU's buffer taken).  Whatever mcg got
# is accepted or counted; what it accepted reached each reader or was
# counted; no reader gets a message twice or altered.
test_traffic_while_atomic_allocations_fail() {
	faults atomic
	setup
	(umask 077 && "$MCGCTL" genkey > "$TMP/k1")
	group $A 1 a0
	group $B 2 b0
	dmesg_mark
	# Buffers that hold it all: a copy counted as rcvbuf is one not made.
	reader $B "$TMP/out" -s 2 -r 4194304
	faults_on 10
	for i in $(seq 20); do
		ip netns exec $A "$SEND" -k 5 "batch $i message %u" 100 > /dev/null
	done
	faults_off
	# What the link lost never arrives: wait for the rest, then for the
	# reader to print what was delivered to it.
	wait_until 300 settled $B || fail "the receive counters never settled"
	del=$(counter $B rx_delivered)
	wait_until 60 lines_are "$TMP/out" "$del" ||
		fail "$del delivered, but the readers read $(wc -l < "$TMP/out")"
	kill $rpid
	wait $rpid
	sent=$(counter $A tx_packets)
	acc=$(counter $B rx_packets)
	nomem=$(counter $B rx_drop_nomem)
	rcvbuf=$(counter $B rx_drop_rcvbuf)
	dropped=$(drops $B)
	lines=$(wc -l < "$TMP/out")
	echo "sent $sent, accepted $acc, dropped $dropped (nomem $nomem)," \
		"delivered $del, copies lost $rcvbuf, read $lines"
	[ "$sent" -ge 1000 ] || fail "only $sent of 2000 sends went out"
	[ $((acc + dropped)) -le "$sent" ] || fail "more accepted and dropped than sent"
	[ $((nomem + rcvbuf)) -gt 0 ] ||
		fail "no allocation of the receive path failed: the test tested nothing"
	# Two readers: each accepted message is two copies, each delivered
	# or counted (a copy that could not be made is counted as rcvbuf).
	[ $((del + rcvbuf)) = $((2 * acc)) ] ||
		fail "$acc accepted, but $del copies delivered and $rcvbuf counted"
	bad=$(grep -cvE '^[01] 1 [0-9]+ batch [0-9]+ message [0-9]+$' "$TMP/out")
	[ "$bad" = 0 ] || fail "$bad messages altered"
	dup=$(sort "$TMP/out" | uniq -d | wc -l)
	[ "$dup" = 0 ] || fail "$dup messages read twice by one socket"
	dmesg_check_clean

	# With the faults gone the group works as before.
	reader $B "$TMP/after" -n 1 -t 60000
	run ip netns exec $A "$SEND" 5 "after the faults"
	wait $rpid || fail "nothing received once the faults stopped"
	grep -q '^0 1 16 after the faults$' "$TMP/after" || fail "$(cat "$TMP/after")"
}

all_counted() {
	[ $(($(counter $B rx_packets) + $(drops $B))) -ge 150 ]
}

# A new sender, or a sender's new run, is set up by the group's worker: a
# key derived, a peer and an AEAD allocated.  With a third of the
# allocations of the kernel's unbound workers failing, each datagram of
# 30 runs is accepted or counted, none twice, and the group works after.
test_receive_worker_allocations_fail() {
	faults task
	setup
	(umask 077 && "$MCGCTL" genkey > "$TMP/k1")
	group $A 1 a0
	group $B 2 b0
	dmesg_mark
	reader $B "$TMP/out"
	# mcg's workqueue is unbound: its work runs in the kworker/u* threads.
	workers=$(pgrep '^kworker/u')
	for p in $workers; do echo 1 > "/proc/$p/make-it-fail" 2>/dev/null; done
	faults_on 33
	for i in $(seq 30); do
		# Each process is a new run of sender 1.
		ip netns exec $A "$SEND" 5 "run $i message %u" 5 > /dev/null ||
			fail "send $i failed: the faults reached the sender"
	done
	# On one link with no other allocation failing, every datagram
	# reaches the group: wait until each is accepted or counted.
	wait_until 300 all_counted || true
	faults_off
	for p in $workers; do echo 0 > "/proc/$p/make-it-fail" 2>/dev/null; done
	del=$(counter $B rx_delivered)
	wait_until 60 lines_are "$TMP/out" "$del" || true
	kill $rpid
	wait $rpid
	sent=$(counter $A tx_packets)
	acc=$(counter $B rx_packets)
	nomem=$(counter $B rx_drop_nomem)
	rcvbuf=$(counter $B rx_drop_rcvbuf)
	dropped=$(drops $B)
	lines=$(wc -l < "$TMP/out")
	echo "sent $sent, accepted $acc, dropped $dropped (nomem $nomem)," \
		"delivered $del, copies lost $rcvbuf, read $lines"
	[ "$sent" = 150 ] || fail "sent $sent of 150"
	[ $((acc + dropped)) = "$sent" ] || fail "$((sent - acc - dropped)) datagrams neither accepted nor counted"
	[ "$nomem" -gt 0 ] || fail "no allocation of the worker failed: the test tested nothing"
	[ "$del" = "$lines" ] || fail "$del delivered, $lines read"
	[ $((del + rcvbuf)) = "$acc" ] || fail "$acc accepted, $del delivered and $rcvbuf copies lost"
	dup=$(sort "$TMP/out" | uniq -d | wc -l)
	[ "$dup" = 0 ] || fail "$dup messages read twice"
	dmesg_check_clean

	reader $B "$TMP/after" -n 1 -t 60000
	run ip netns exec $A "$SEND" 5 "after the faults"
	wait $rpid || fail "nothing received once the faults stopped"
}

cleanup() {
	faults_off
	ip netns del $A 2>/dev/null
	ip netns del $B 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ktap_main
