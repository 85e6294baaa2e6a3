#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The receive path with an AEAD that completes later.  The fast AES-GCM of
# x86 is asynchronous (it defers to cryptd when the FPU is busy), so mcg
# opens datagrams in softirq with implementations that may finish after
# the call returned.  Here pcrypt, which completes every request on a
# padata worker, is made the gcm(aes) that the crypto API hands out:
# every open is then asynchronous.  Every message must still arrive once,
# in order, and deleting a group or a namespace, or unloading, with opens
# in flight must wait for them, cleanly.
#
# Hosts are namespaces on bridge br0 (namespace mcg-ac-br); each has eth0.

. "$(dirname "$0")/lib.sh"

BR=mcg-ac-br
GADDR=ff05::4444
TMP=$(mktemp -d)
PCRYPT=

M() { local ns=$1; shift; ip netns exec "$ns" "$MCGCTL" "$@"; }

# crypto_entries NAME|DRIVER: "PRIORITY DRIVER REFCNT" of each /proc/crypto
# entry of that name or driver, best priority first.
crypto_entries() {
	awk -v want="$1" '
		/^name/ { n = $3 } /^driver/ { d = $3 } /^priority/ { p = $3 }
		/^refcnt/ { r = $3 }
		/^$/ { if (n == want || d == want) print p, d, r; n = d = "" }
	' /proc/crypto | sort -rn
}

best_gcm() { crypto_entries 'gcm(aes)' | awk 'NR == 1 { print $2 }'; }

# The pcrypt instances of gcm(aes) there are (a failed case may leave one).
pcrypts() { crypto_entries 'gcm(aes)' | awk '$2 ~ /^pcrypt\(/ { print $2 }'; }

pcrypt_refcnt() { crypto_entries "$PCRYPT" | awk 'NR == 1 { print $3 }'; }

# hosts H...: H1 sends as sender 1, H2 as 2...; AES-GCM-128, one key.
# Adding the key instantiates the best gcm(aes); pcrypt then wraps it and,
# with a higher priority, is what every AEAD of the traffic gets.
hosts() {
	local h i=0
	mcg_load
	mcg_bridge_hosts $BR "$@" || fail "topology"
	(umask 077 && "$MCGCTL" genkey aes-gcm-128 > "$TMP/k1")
	for h in "$@"; do
		i=$((i + 1))
		run M "$h" group add g addr $GADDR dev eth0 id 6 sender $i
		run M "$h" key add g epoch 1 alg aes-gcm-128 keyfile "$TMP/k1"
	done
	mcg_bridge_joined $BR $GADDR "$@" || fail "MLD"
	# Loaded by hand (a kernel whose module tree the guest lacks) counts.
	modprobe pcrypt 2>/dev/null || [ -d /sys/module/pcrypt ] ||
		skip "this kernel has no pcrypt"
	for PCRYPT in $(pcrypts); do pcrypt_del; done
	PCRYPT="pcrypt($(best_gcm))"
	run python3 "$MCG_TOP/selftests/mcg_cryptouser.py" add "$PCRYPT"
	[ "$(best_gcm)" = "$PCRYPT" ] ||
		fail "$PCRYPT is not the preferred gcm(aes): $(crypto_entries 'gcm(aes)')"
}

pcrypt_gone() {
	python3 "$MCG_TOP/selftests/mcg_cryptouser.py" del "$PCRYPT" 2>/dev/null
}

# Once every AEAD made of it is freed, the pcrypt instance can go.
pcrypt_del() {
	[ -n "$PCRYPT" ] || return 0
	wait_until 60 pcrypt_gone || fail "$PCRYPT is still in use: $(crypto_entries "$PCRYPT")"
	PCRYPT=
}

# listen NS FILE ARGS...: mcg_recv in the background ($lpid), bound.
listen() {
	local ns=$1 out=$2
	shift 2
	ip netns exec "$ns" "$RECV" "$@" 6 > "$out" 2> "$out.err" &
	lpid=$!
	wait_until 30 grep -q ready "$out.err" || fail "mcg_recv did not start in $ns"
}

counter() { M "$1" -j stats g | jq ".groups[0].$2 // 0"; }
counter_is() { [ "$(counter "$1" "$2")" = "$3" ]; }	# NS COUNTER VALUE
counter_over() { [ "$(counter "$1" "$2")" -gt "$3" ]; }	# NS COUNTER VALUE

test_every_message_arrives_once_and_in_order() {
	hosts h1 h2
	dmesg_mark
	# 300 messages at once are more than the default receive buffer holds
	# while a busy host keeps the reader from running: what is tested
	# here is the AEAD's completion, not a full socket.
	listen h2 "$TMP/out" -r 4194304 -s 4 -n 300 -t 60000
	run ip netns exec h1 "$SEND" 6 "message %u" 300
	wait $lpid || fail "not 300 messages on each of 4 sockets: $(wc -l < "$TMP/out") copies; $(M h2 stats g)"
	# The sender's and the receiver's AEADs are pcrypt's: held, so more
	# references than the instance's own.
	refs=$(pcrypt_refcnt)
	[ "$refs" -ge 3 ] || fail "$PCRYPT has $refs references: the traffic did not use it"
	for s in 0 1 2 3; do
		got=$(awk -v s=$s '$1 == s { print $4, $5 }' "$TMP/out" | tr '\n' ,)
		want=$(seq 0 299 | sed 's/^/message /' | tr '\n' ,)
		[ "$got" = "$want" ] || fail "socket $s: not messages 0..299, once each, in order"
	done
	[ "$(counter h2 rx_packets)" = 300 ] || fail "rx_packets $(counter h2 rx_packets)"
	[ "$(counter h2 rx_delivered)" = 1200 ] || fail "rx_delivered $(counter h2 rx_delivered)"
	echo "300 messages, 1200 copies, in order; $PCRYPT held $refs times"
	dmesg_check_clean
	run ip netns del h1
	run ip netns del h2
	pcrypt_del
}

# A forgery of a known sender's current run is opened asynchronously too,
# and fails in the completion: counted, delivered to nobody, and the
# window does not move.
test_a_forgery_fails_in_the_completion() {
	hosts h1 h2 h3
	listen h2 "$TMP/out" -t 60000
	cap=$(mcg_capture_start h1 eth0 "$TMP/gen" udp h1 eth0) || fail "tcpdump"
	run ip netns exec h1 "$SEND" 6 genuine 2
	mcg_capture_stop "$cap" "$TMP/gen" h1 eth0
	d1=$("$PCAP" --hex "$TMP/gen" | awk 'NR == 1 { print $8 }')
	[ -n "$d1" ] || fail "nothing captured"
	wait_until 30 counter_is h2 rx_packets 2 || fail "the genuine messages did not arrive"
	# The header's sequence number 1 -> 257: new to the window, so it
	# reaches the AEAD, and its tag no longer verifies.
	b=$(( 0x${d1:60:2} ^ 1 ))
	forged=$(printf '%s%02x%s' "${d1:0:60}" $b "${d1:62}")
	run ip netns exec h3 "$INJECT" -i eth0 -a $GADDR -p 6470 -x "$forged"
	wait_until 30 counter_is h2 rx_drop_auth 1 ||
		fail "the forgery was not counted: $(M h2 stats g)"
	refs=$(pcrypt_refcnt)
	[ "$refs" -ge 3 ] || fail "the traffic did not use $PCRYPT ($refs references)"
	kill $lpid
	wait
	[ "$(counter h2 rx_packets)" = 2 ] || fail "rx_packets $(counter h2 rx_packets)"
	[ "$(grep -c ' 1 7 genuine$' "$TMP/out")" = 2 ] && [ "$(wc -l < "$TMP/out")" = 2 ] ||
		fail "delivered: $(cat "$TMP/out")"
	run ip netns del h1
	run ip netns del h2
	run ip netns del h3
	pcrypt_del
}

# A group deleted, a namespace deleted, and the module unloaded, each
# while a flood keeps opens in flight: each waits for them.  h4 receives
# the flood with no socket, so that once the sender stops nothing holds
# the module and it unloads at once, with h4's last opens still queued.
test_teardown_with_opens_in_flight() {
	hosts h1 h2 h3 h4
	dmesg_mark
	pids=()
	for h in h2 h3; do
		listen $h "$TMP/$h" -s 8 -t 60000
		pids+=("$lpid")
	done
	ip netns exec h1 "$SEND" -k 6 "flood %u" 20000 > /dev/null &
	flood=$!
	wait_until 60 counter_over h2 rx_packets 100 || fail "the flood did not arrive"
	run M h2 group del g
	run ip netns del h3
	wait_until 60 counter_over h4 rx_packets 1000 || fail "the flood did not reach h4"
	kill "$flood" "${pids[@]}" 2>/dev/null
	# Sockets are released after a grace period: until then rmmod is refused.
	wait_until 60 rmmod mcg 2>/dev/null || fail "mcg did not unload: $(lsmod | grep '^mcg ')"
	wait
	echo "unloaded with h4's group receiving"
	for h in h1 h2 h4; do run ip netns del $h; done
	dmesg_check_clean
	pcrypt_del
	mcg_load
}

# Security review 1, finding 1, with every open completing on a padata
# worker, long after the softirq that received its datagram: the link it
# came on is deleted while opens are in flight.  Each message still reaches
# readers whose filter reads the device, and finds none (a freed one, or
# its freed route, before the fix: KASAN on the debug kernel); the kernel
# log stays clean.
test_link_deleted_with_opens_in_flight() {
	local flood n
	hosts h1 h2
	dmesg_mark
	listen h2 "$TMP/h2" -f -s 4 -r 4194304 -t 20000
	ip netns exec h1 "$SEND" -k 6 "flood %u" 20000 > /dev/null &
	flood=$!
	wait_until 60 counter_over h2 rx_packets 100 || fail "the flood did not arrive"
	run ip -n h2 link del eth0
	sleep 2
	kill "$flood" 2>/dev/null
	wait "$lpid"
	wait
	n=$(counter h2 rx_delivered)
	M h2 stats g
	[ "$n" -gt 0 ] || fail "the filtered sockets got nothing: they saw a device"
	[ "$(grep -c ' flood ' "$TMP/h2")" = "$n" ] ||
		fail "$(grep -c ' flood ' "$TMP/h2") copies read, $n delivered"
	run M h2 group del g
	dmesg_check_clean
	for h in h1 h2; do run ip netns del $h; done
	pcrypt_del
}

test_no_leak() {
	mcg_kmemleak_check
}

cleanup() {
	local h
	for h in h1 h2 h3 h4 $BR; do ip netns del $h 2>/dev/null; done
	[ -n "$PCRYPT" ] && pcrypt_gone
	rm -rf "$TMP"
}
trap cleanup EXIT

ktap_main
