#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The send path as the wire shows it: each message sealed once, under the
# sending epoch and a run of its own, with sequence numbers from 1, the
# group's hop limit, every algorithm, and never a plaintext byte; messages
# sent with more to come, bundled into as few datagrams as fit, and those
# sent as one train.  Runs
# start anew with each epoch and each module load, always larger, so no
# (key, nonce) pair is ever used twice.
#
# Hosts: namespace A sends (group id 5, sender 9), B captures on b0.

. "$(dirname "$0")/lib.sh"

A=mcg-tx-a
B=mcg-tx-b
TMP=$(mktemp -d)
MARK=plaintext-marker-0123456789

MA() { ip netns exec $A "$MCGCTL" "$@"; }
SA() { ip netns exec $A "$SEND" "$@"; }

setup() {
	mcg_load
	mcg_two_hosts $A $B || return 1
	MA group add g addr ff05::4242 dev a0 id 5 sender 9 &&
	MA genkey | MA key add g epoch 3 keyfile -
}

capture() {	# capture NAME: start; stop_capture lists its datagrams
	CAPFILE=$TMP/$1
	CAP=$(mcg_capture_start $B b0 "$CAPFILE" udp $A a0) || fail "tcpdump did not start"
}

stop_capture() {
	mcg_capture_stop "$CAP" "$CAPFILE" $A a0
	"$PCAP" "$CAPFILE"
}

test_each_message_is_sealed_once() {
	setup || fail "setup"
	capture one
	run SA 5 "$MARK" 3
	out=$(stop_capture)
	echo "$out"
	[ "$(wc -l <<< "$out")" = 3 ] || fail "expected 3 datagrams"
	# hoplimit group sender epoch run seq len
	awk '{ print $1, $2, $3, $4, $6, $7 }' <<< "$out" | tr '\n' ' ' |
		grep -qx "1 5 9 3 1 27 1 5 9 3 2 27 1 5 9 3 3 27 " || fail "wrong headers"
	[ "$(awk '{ print $5 }' <<< "$out" | sort -u | wc -l)" = 1 ] || fail "the run changed"
	grep -qa "$MARK" "$TMP/one" && fail "plaintext on the wire"
	grep -qa "$(echo -n "$MARK" | cut -c1-8)" "$TMP/one" && fail "plaintext on the wire"
	[ "$(MA -j stats g | jq .groups[0].tx_packets)" = 3 ] || fail "tx_packets"
	true
}

test_messages_sent_with_more_to_come_go_as_bundles() {
	setup || fail "setup"
	# Datagrams as the wire has them: a0 cuts a train itself.
	run ip netns exec $A ethtool -K a0 tx-udp-segmentation off
	capture bundle
	# 10 messages of 29 bytes, each a 2-byte length and itself: 310.
	run SA -b 5 "$MARK-%u" 10
	# 60 more: 10 records of 31 bytes and 34 of 32 fill 1398 of 1404;
	# the other 16 follow.
	run SA -b 5 "$MARK-%u" 60
	mcg_capture_stop "$CAP" "$CAPFILE" $A a0
	out=$("$PCAP" --hex "$CAPFILE")
	cut -d' ' -f1-7 <<< "$out"
	# hoplimit group sender epoch seq len, and the type byte.
	awk '{ print $2, $3, $4, $6, $7, substr($8, 3, 2) }' <<< "$out" | tr '\n' ' ' |
		grep -qx "5 9 3 1 310 02 5 9 3 2 1398 02 5 9 3 3 512 02 " ||
		fail "not one bundle of 10, then bundles of 44 and 16"
	grep -qa "$(echo -n "$MARK" | cut -c1-8)" "$CAPFILE" && fail "plaintext on the wire"
	[ "$(MA -j stats g | jq .groups[0].tx_packets)" = 3 ] || fail "tx_packets"
	true
}

# Messages that fill datagrams, sent with more to come, go as a train: one
# UDP GSO skb of datagrams, each sealed under its own sequence number.  A
# veth passes it whole; one that cannot segment it sends datagrams.
test_a_burst_of_full_datagrams_goes_as_one_train() {
	local pad
	setup || fail "setup"
	pad=$(head -c 1399 /dev/zero | tr '\0' x)
	capture train
	# 10 of 1400 bytes: each a bundle of one, 32 + 2 + 1400 + 16 long.
	run SA -b 5 "$pad%u" 10
	out=$(stop_capture)
	echo "$out"
	# The train's first header, and the other nine after it: 10 * 1450 - 48.
	[ "$(awk '{ print $6, $7 }' <<< "$out")" = "1 14452" ] || fail "not one train of 10"
	# The dissector (tools/wireshark) finds the train's 10 datagrams in it.
	command -v tshark > /dev/null || fail "tshark is not installed (make deps)"
	out=$(tshark -X lua_script:"$MCG_TOP/tools/wireshark/mcg.lua" -r "$TMP/train" -Y mcg \
		-T fields -E separator=' ' -e mcg.train -e mcg.train_len -e mcg.group -e mcg.sender \
		-e mcg.epoch -e mcg.seq -e mcg.ct_len -e _ws.expert.message 2> /dev/null)
	ten() { yes "$1" | head -n 10 | paste -sd, -; }
	[ "$out" = "10 1450 $(ten 5) $(ten 9) $(ten 3) $(seq -s, 10) $(ten 1402) " ] ||
		{ echo "$out"; fail "tshark does not see the train's 10 datagrams"; }
	run ip netns exec $A ethtool -K a0 tx-udp-segmentation off
	capture datagrams
	run SA -b 5 "$pad%u" 10
	out=$(stop_capture)
	echo "$out"
	[ "$(awk '{ print $6, $7 }' <<< "$out" | tr '\n' ' ')" = \
	  "$(seq -f '%g 1402' 11 20 | tr '\n' ' ')" ] || fail "not 10 datagrams, seq 11..20"
	[ "$(awk '{ print $5 }' <<< "$out" | sort -u | wc -l)" = 1 ] || fail "the run changed"
	grep -qa "${pad:0:16}" "$TMP/train" "$TMP/datagrams" && fail "plaintext on the wire"
	[ "$(MA -j stats g | jq .groups[0].tx_packets)" = 20 ] || fail "tx_packets"
	true
}

test_the_hop_limit_is_the_groups() {
	setup || fail "setup"
	run MA group set g hoplimit 7
	capture hops
	run SA 5 x
	out=$(stop_capture)
	[ "$(awk "{ print \$1 }" <<< "$out")" = 7 ] || { echo "$out"; tcpdump -r "$CAPFILE" -n 2>&1; fail "hop limit not 7"; }
}

# sources NAME: the source addresses of the group's datagrams in capture NAME.
sources() {
	tcpdump -r "$TMP/$1" -n 'udp port 6470' 2>/dev/null |
		awk '{ sub(/\.6470$/, "", $3); print $3 }' | sort -u
}

# A group caches its route and source address: an address that goes takes
# them with it, and the next datagram leaves from one the host has.
test_the_source_address_follows_the_hosts_addresses() {
	setup || fail "setup"
	run ip -n $A addr add fd00:5::1/64 dev a0 nodad
	capture src1
	run SA 5 x 2
	stop_capture > /dev/null
	[ "$(sources src1)" = fd00:5::1 ] || fail "sent from $(sources src1), not fd00:5::1"
	run ip -n $A addr del fd00:5::1/64 dev a0
	run ip -n $A addr add fd00:5::2/64 dev a0 nodad
	capture src2
	run SA 5 x 2
	stop_capture > /dev/null
	[ "$(sources src2)" = fd00:5::2 ] ||
		fail "sent from $(sources src2) once fd00:5::1 was gone, not fd00:5::2"
}

test_every_algorithm_sends() {
	setup || fail "setup"
	e=10
	for alg in aes-gcm-128 aes-gcm-256 chacha20-poly1305; do
		e=$((e + 1))
		MA genkey $alg > "$TMP/k"
		run MA key add g epoch $e alg $alg keyfile "$TMP/k"
		capture "alg$e"
		run SA 5 "$MARK"
		out=$(stop_capture)
		[ "$(awk '{ print $4, $6, $7 }' <<< "$out")" = "$e 1 27" ] ||
			{ echo "$out"; fail "$alg: wrong datagram"; }
		grep -qa "$MARK" "$TMP/alg$e" && fail "$alg: plaintext on the wire"
	done
	[ "$(MA -j stats g | jq .groups[0].tx_errors)" = 0 ] || fail "tx_errors"
}

test_a_new_epoch_starts_a_later_run() {
	setup || fail "setup"
	capture rot
	run SA 5 a 2
	MA genkey | MA key add g epoch 4 keyfile - || fail "key add"
	run SA 5 b 2
	out=$(stop_capture)
	echo "$out"
	r3=$(awk '$4 == 3 { print $5 }' <<< "$out" | sort -u)
	r4=$(awk '$4 == 4 { print $5 }' <<< "$out" | sort -u)
	[ -n "$r3" ] && [ -n "$r4" ] || fail "both epochs should have sent"
	[ "$(awk '$4 == 4 { print $6 }' <<< "$out" | tr '\n' ' ')" = "1 2 " ] ||
		fail "the new run does not count from 1"
	python3 -c "import sys; sys.exit(not int('$r4') > int('$r3'))" || fail "run $r4 is not after $r3"
}

test_each_load_of_the_module_starts_a_later_run() {
	for i in 1 2 3; do
		setup || fail "setup $i"
		capture "load$i"
		run SA 5 "$MARK" 2
		stop_capture > "$TMP/load$i.txt"
		ip netns del $A
		ip netns del $B
		mcg_unload
	done
	mcg_load
	cat "$TMP"/load*.txt
	runs=$(cat "$TMP"/load1.txt "$TMP"/load2.txt "$TMP"/load3.txt | awk '{ print $5 }' | uniq | tr '\n' ' ')
	python3 -c "r = [int(x) for x in '$runs'.split()]; import sys; sys.exit(not (len(r) == 3 and r == sorted(r) and len(set(r)) == 3))" ||
		fail "runs of three loads are not increasing: $runs"
	# Across every capture: no (epoch, sender, run, seq) twice.
	dups=$(cat "$TMP"/load*.txt | awk '{ print $4, $3, $5, $6 }' | sort | uniq -d)
	[ -z "$dups" ] || fail "a nonce was used twice: $dups"
}

# msg N: a message of N bytes.
msg() { head -c "$1" /dev/zero | tr '\0' m; }

# The largest message comes from the MTU IPv6 output checks -- the
# interface's IPv6 MTU, or a route's -- not the link's: one byte more is
# EMSGSIZE at send(), never a datagram lost below and counted as sent
# (security review 1, finding 8).  1280 - 40 - 8 - 48 = 1184.
test_the_largest_message_follows_the_path_mtu() {
	setup || fail "setup"
	run ip netns exec $A sysctl -qw net.ipv6.conf.a0.mtu=1280
	capture mtu
	run SA 5 "$(msg 1184)"
	out=$(SA 5 "$(msg 1185)") && fail "1185 bytes at IPv6 MTU 1280 were sent"
	grep -q "Message too long" <<< "$out" || fail "1185 bytes: $out, not EMSGSIZE"
	run SA 5 "$(msg 1000)" 2
	out=$(stop_capture)
	echo "$out"
	[ "$(wc -l <<< "$out")" = 3 ] || fail "expected 3 datagrams on the wire"
	[ "$(MA -j stats g | jq .groups[0].tx_packets)" = 3 ] || fail "tx_packets is not 3"
	# A route's MTU below the interface's counts as well.
	run ip netns exec $A sysctl -qw net.ipv6.conf.a0.mtu=1500
	run SA 5 "$(msg 1300)"
	run ip -n $A -6 route add ff05::4242/128 dev a0 table local mtu 1400
	out=$(SA 5 "$(msg 1305)") && fail "1305 bytes under a route of MTU 1400 were sent"
	grep -q "Message too long" <<< "$out" || fail "1305 bytes: $out, not EMSGSIZE"
	run SA 5 "$(msg 1304)"
	[ "$(MA -j stats g | jq .groups[0].tx_errors)" = 0 ] || fail "tx_errors"
}

# Security review 1, finding 7: IPv6 output reads a datagram's owner as an
# inet6 socket (inet6_sk(): MTU discovery, fragment size).  mcg's datagrams
# leave owned by the group's UDP socket (family 10), never by the AF_MCG
# socket that sent them.  A kprobe on ip6_output() reads the owner's family
# (skb->sk at 24, sk_family at 16 on x86-64 since 4.x).
test_the_datagrams_owner_on_output_is_an_inet6_socket() {
	local t=$MCG_TRACEFS own other
	setup || fail "setup"
	mcg_kprobes_start 'p:mcg_out ip6_output fam=+16(+24($arg3)):u16' ||
		skip "no kprobe events"
	run SA 5 "$MARK" 3
	run SA -b 5 "$MARK" 3
	mcg_kprobes_stop
	own=$(grep -c 'mcg_out:.* fam=10$' $t/trace)
	other=$(grep -c "mcg_out:.* fam=$(cat /sys/module/mcg/parameters/family)\$" $t/trace)
	mcg_kprobes_clear
	echo "ip6_output: $own datagrams owned by an inet6 socket, $other by an AF_MCG one"
	[ "$other" = 0 ] || fail "$other datagrams went out owned by the AF_MCG socket"
	[ "$own" -ge 4 ] || fail "only $own datagrams seen owned by an inet6 socket"
}

# gt A B: A > B, as 64-bit unsigned numbers.
gt() { python3 -c "import sys; sys.exit(not int('$1') > int('$2'))"; }

# runs_sent NAME: load, send two messages, unload; the run they went under.
runs_sent() {
	setup || fail "setup"
	capture "$1"
	run SA 5 "$MARK" 2
	stop_capture > "$TMP/$1.txt"
	awk '{ print $5 }' "$TMP/$1.txt" | sort -u
}

teardown_hosts() {
	ip netns del $A
	ip netns del $B
}

# Security review 1, S1: a run is the wall clock with 20 random bits, so
# across a reload with the clock set back, a run could come again (and
# with it a sender key and its nonces).  The run floor, saved by
# mcg-run-floor and written back at the next load, keeps every run above
# those before.  Without it, the run goes back with the clock.
test_a_clock_set_back_across_a_reload_never_repeats_a_run() {
	local floor=$TMP/floor tool=$MCG_TOP/tools/run-floor/mcg-run-floor now up r1 r2 r3 r4 f
	now=$(date +%s)
	up=$(cut -d. -f1 /proc/uptime)
	r1=$(runs_sent before)
	f=$(cat /sys/module/mcg/parameters/run_floor)
	[ "$f" = "$r1" ] || fail "run_floor reads $f, not the run started ($r1)"
	run "$tool" save "$floor"
	[ "$(cat "$floor")" = "$r1" ] || fail "saved $(cat "$floor"), not $r1"
	teardown_hosts
	mcg_unload
	# An hour back, as on a board without a real-time clock.
	date -s "@$((now - 3600))" > /dev/null || fail "cannot set the clock"
	mcg_load
	r2=$(runs_sent unsaved)
	teardown_hosts
	mcg_unload
	mcg_load
	run "$tool" restore "$floor"
	f=$(cat /sys/module/mcg/parameters/run_floor)
	r3=$(runs_sent restored)
	# Two more runs under the floor: each above the last.
	MA genkey | MA key add g epoch 4 keyfile - || fail "key add"
	capture next
	run SA 5 "$MARK" 1
	r4=$(stop_capture | awk '{ print $5 }')
	teardown_hosts
	# The clock as it would be (the guest's is its own).
	date -s "@$((now + $(cut -d. -f1 /proc/uptime) - up + 1))" > /dev/null
	echo "runs: $r1 before, $r2 with the clock back, $r3 and $r4 with the floor $f"
	gt "$r1" "$r2" || fail "the run did not go back with the clock: the test proves nothing"
	gt "$f" "$r1" || fail "restore did not raise the floor above $r1"
	gt "$r3" "$f" || fail "run $r3 is not above the floor $f"
	gt "$r4" "$r3" || fail "run $r4 is not above $r3"
	# The floor only rises, and refuses what no clock reaches.
	echo 5 > /sys/module/mcg/parameters/run_floor || fail "a lower floor was refused"
	gt "$(cat /sys/module/mcg/parameters/run_floor)" "$r3" || fail "the floor went down"
	echo 9223372036854775808 > /sys/module/mcg/parameters/run_floor 2>/dev/null &&
		fail "a floor of 2^63 was taken"
	echo junk > /sys/module/mcg/parameters/run_floor 2>/dev/null &&
		fail "a floor of 'junk' was taken"
	true
}

test_no_key_no_send() {
	setup || fail "setup"
	run MA key del g epoch 3
	capture none
	out=$(SA 5 x)
	grep -q "Required key not available" <<< "$out" || fail "send said: $out"
	[ -z "$(stop_capture)" ] || fail "something was sent"
}

trap 'ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; rm -rf "$TMP"' EXIT
ktap_main
