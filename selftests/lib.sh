# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# KTAP helpers for mcg's shell selftests.  A test script defines functions
# named test_*, one per case, and ends with "ktap_main".  Each case runs in
# a subshell; it passes by returning 0, skips by returning $KSFT_SKIP and
# fails otherwise.  What a case prints becomes KTAP diagnostics ("# ...").

# shellcheck disable=SC2034	# used by the scripts that source this file
KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

# The test script itself, found again by ktap_main even after a cd.
KTAP_SCRIPT=$(realpath "$0")
MCG_TOP=${MCG_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
MCG_KO=${MCG_KO:-$MCG_TOP/kmod/mcg.ko}
# shellcheck disable=SC2034
MCG_FAMILY_DEFAULT=22
# The tools the tests drive, for every script.
# shellcheck disable=SC2034
{
	MCGCTL=$MCG_TOP/tools/mcgctl/mcgctl
	SEND=$MCG_TOP/selftests/mcg_send
	RECV=$MCG_TOP/selftests/mcg_recv
	INJECT=$MCG_TOP/selftests/mcg_inject
	PCAP=$MCG_TOP/selftests/mcg_pcap.py
}

# Print a message and fail the current case.
fail() {
	echo "FAIL: $*"
	exit $KSFT_FAIL
}

skip() {
	echo "SKIP: $*"
	exit $KSFT_SKIP
}

# Run a command that must succeed; show it and its output when it does not.
run() {
	local out
	if ! out=$("$@" 2>&1); then
		echo "$out"
		fail "command failed: $*"
	fi
}

# mcg_kprobes_start DEF...: kprobe events (each DEF a line of
# kprobe_events), recording into an empty trace buffer.  Returns 1 when the
# kernel has none.  record-cmd off: by default the first enabled event also
# hooks the scheduler's tracepoints to record task names, which patches the
# text of try_to_wake_up() and __schedule() while the other CPU runs them;
# under multi-threaded TCG a guest once died of that patching ("Oops: int3"
# in ttwu_do_activate).  The probes themselves patch only the functions
# probed, which are mcg's or seldom run, and which the cases arm and disarm
# with no traffic of their own in flight.
MCG_TRACEFS=/sys/kernel/tracing
mcg_kprobes_start() {
	local t=$MCG_TRACEFS d
	[ -e $t/kprobe_events ] || mount -t tracefs nodev $t 2>/dev/null
	[ -e $t/kprobe_events ] || return 1
	echo 0 > $t/options/record-cmd || return 1
	[ -e $t/events/kprobes/enable ] && echo 0 > $t/events/kprobes/enable
	: > $t/kprobe_events || return 1
	for d in "$@"; do
		echo "$d" >> $t/kprobe_events || return 1
	done
	echo > $t/trace
	echo 1 > $t/events/kprobes/enable
}

# mcg_kprobes_stop: disarm the probes; their trace stays readable in
# $MCG_TRACEFS/trace until mcg_kprobes_clear.
mcg_kprobes_stop() { echo 0 > $MCG_TRACEFS/events/kprobes/enable; }
mcg_kprobes_clear() { echo > $MCG_TRACEFS/kprobe_events; }

# The kernel log since the last call of dmesg_mark.
dmesg_mark() { dmesg --clear 2>/dev/null || dmesg -c >/dev/null; }
dmesg_new() { dmesg; }

# Fail when the kernel logged a warning, a bug or a leak since dmesg_mark.
dmesg_check_clean() {
	local bad log
	log=$(dmesg)
	bad=$(grep -E 'WARNING:|BUG:|Oops|KASAN|UBSAN|kmemleak: [0-9]+ new suspected|refcount_t|list_(add|del) corruption|INFO: task .* blocked|lockdep is turned off|DEBUG_LOCKS_WARN_ON|circular locking' <<< "$log") || true
	# A single-step #DB in the kernel, which nothing here asks for (x86
	# kprobes step with int3 since 5.14): the kernel's own comment names
	# QEMU as the known cause.  Under TCG it is the emulator's, said and
	# not counted; anywhere else it fails as any warning does.
	if grep -q 'mcgvm.accel=tcg' /proc/cmdline &&
	   grep -q 'at arch/x86/kernel/traps.c:[0-9]* exc_debug_kernel' <<< "$bad"; then
		echo "# ignored under TCG: $(grep 'exc_debug_kernel' <<< "$bad" | head -n 1)"
		bad=$(grep -v 'at arch/x86/kernel/traps.c:[0-9]* exc_debug_kernel' <<< "$bad") || true
	fi
	if [ -n "$bad" ]; then
		# The whole report of each, for whoever reads the failure.
		awk '/cut here/ { p = 1 } p { print } /end trace/ { p = 0 }' <<< "$log" | head -n 200
		echo "$bad"
		fail "the kernel log has warnings"
	fi
}

mcg_loaded() { [ -d /sys/module/mcg ]; }

# insmod resolves no dependencies (udp_tunnel, ...): load them first.
mcg_load_deps() {
	local deps
	deps=$(modinfo -F depends "$MCG_KO" | tr , ' ')
	# shellcheck disable=SC2086
	[ -z "$deps" ] || modprobe -a $deps
}

mcg_load() {
	mcg_loaded && return 0
	mcg_load_deps
	run insmod "$MCG_KO" "$@"
}

mcg_unload() {
	mcg_loaded || return 0
	run rmmod mcg
}

# mcg_unload_retry: rmmod, again for up to 5 s while namespaces that held
# groups are still going away.
mcg_unload_retry() {
	! mcg_loaded || wait_until 5 rmmod mcg 2>/dev/null || rmmod mcg
}

# mcg_netns_add NS: a fresh namespace NS (an old one of the name goes)
# without duplicate address detection: a link-local address at once, so
# that a group can send as soon as it is made.
mcg_netns_add() {
	ip netns del "$1" 2>/dev/null || true
	ip netns add "$1" &&
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.accept_dad=0 &&
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0
}

# mcg_netns_kill NS...: end every process left in these namespaces (a
# program started under ip netns exec outlives the shell that started
# it), waiting up to 5 s: one holding an AF_MCG socket keeps the module
# in use.
mcg_netns_kill() {
	local ns pids
	for ns in "$@"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill $pids 2>/dev/null
	done
	for ns in "$@"; do
		wait_until 5 sh -c "[ -z \"\$(ip netns pids $ns 2>/dev/null)\" ]" || {
			pids=$(ip netns pids "$ns" 2>/dev/null)
			[ -n "$pids" ] && kill -9 $pids 2>/dev/null
		}
	done
	return 0
}

# mcg_overlay DIR: DIR writable, its changes in /tmp (the VM's root is the
# host's, read-only); umount DIR undoes it.
mcg_overlay() {
	local w=/tmp/overlay${1//\//_}
	mkdir -p "$w/upper" "$w/work" &&
	mount -t overlay overlay -o "lowerdir=$1,upperdir=$w/upper,workdir=$w/work" "$1"
}

# mcg_veth NS1 IF1 NS2 IF2: a veth pair between two namespaces, both ends up.
mcg_veth() {
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3" &&
	ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

# mcg_bridge_plug BRIDGE_NS HOST: a fresh namespace HOST whose eth0, up,
# is plugged into br0 in BRIDGE_NS by a port named HOST.
mcg_bridge_plug() {
	mcg_netns_add "$2" &&
	ip -n "$1" link add "$2" type veth peer name eth0 netns "$2" &&
	ip -n "$1" link set "$2" master br0 up &&
	ip -n "$2" link set eth0 up
}

# wait_until SECONDS COMMAND...: poll COMMAND until it succeeds.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge "$end" ] && return 1
		sleep 0.1
	done
}

# mcg_kmemleak_check: with what mcg allocated freed, kmemleak reports
# nothing.  An object must be 5 s old and unreferenced in two scans to be
# reported: scan, let the grace period pass, scan again.  Skips the case
# on a kernel without kmemleak.
mcg_kmemleak_check() {
	local km=/sys/kernel/debug/kmemleak report
	[ -w $km ] || skip "this kernel has no kmemleak (make check-debug boots one)"
	echo scan > $km || fail "kmemleak scan failed"
	sleep 6
	echo scan > $km || fail "kmemleak scan failed"
	report=$(cat $km)
	if [ -n "$report" ]; then
		echo "$report" | head -n 200
		fail "kmemleak: $(grep -c '^unreferenced object' <<< "$report") suspected leaks"
	fi
}

# mcg_two_hosts A B: fresh namespaces A and B joined by veth a0 (in A) and
# b0 (in B), up, with link-local addresses ready (no DAD), so either side
# can send multicast at once.
# mcg_lladdr_wait "NS IFACE"...: until each interface has a link-local
# address and none tentative (MLD reports leave from it), 10 s at most.
mcg_lladdr_wait() {
	local h ns dev n
	for _ in $(seq 100); do
		n=0
		for h in "$@"; do
			read -r ns dev <<< "$h"
			ip -n "$ns" -6 addr show dev "$dev" scope link | grep -q inet6 &&
				! ip -n "$ns" -6 addr show dev "$dev" | grep -q tentative || n=1
		done
		[ $n = 0 ] && return 0
		sleep 0.1
	done
	echo "no link-local address after 10 s"
	return 1
}
mcg_two_hosts() {
	local a=$1 b=$2
	mcg_netns_add "$a" && mcg_netns_add "$b" || return 1
	ip -n "$a" link add a0 type veth peer name b0 netns "$b" &&
	ip -n "$a" link set a0 up && ip -n "$b" link set b0 up || return 1
	mcg_lladdr_wait "$a a0" "$b b0"
}

# mcg_bridge_hosts BRIDGE_NS HOST...: fresh namespaces, each HOST with an
# interface eth0 plugged into bridge br0 in BRIDGE_NS (port HOST), all up
# with link-local addresses ready.  The bridge snoops MLD, as a switch
# would: members get the group's traffic because the kernel joined.
mcg_bridge_hosts() {
	local br=$1 h n
	shift
	mcg_netns_add "$br" || return 1
	ip -n "$br" link add br0 type bridge mcast_snooping 1 &&
	ip -n "$br" link set br0 up || return 1
	for h in "$@"; do
		mcg_bridge_plug "$br" "$h" || return 1
	done
	mcg_lladdr_wait "${@/%/ eth0}"
}

# mcg_bridge_joined BRIDGE_NS GROUP HOST...: wait until bridge br0 has
# learnt from MLD that each HOST's port joined GROUP.  A host whose report
# is late (a join while its link-local address is tentative is reported
# once DAD is done) gets nothing of what the bridge forwards before, once
# another port has made the group known.
mcg_bridge_joined() {
	local br=$1 grp=$2 h
	shift 2
	for h in "$@"; do
		wait_until 20 mcg_bridge_has "$br" "$grp" "$h" || {
			echo "port $h has not joined $grp at the bridge"
			return 1
		}
	done
}

mcg_bridge_has() {	# BRIDGE_NS GROUP PORT
	bridge -n "$1" -j mdb show dev br0 |
		jq -e --arg g "$2" --arg p "$3" \
			'[.[].mdb[]? | select(.grp == $g and .port == $p)] | length > 0' > /dev/null
}

# mcg_capture_start NS IFACE FILE FILTER PEER_NS PEER_IFACE: tcpdump in the
# background, returning (with its pid) only once it sees packets: it may
# say "listening" well before it captures.  The peer sends probes (UDP to
# ff02::1 port 9, which FILTER must let through) until one is in FILE.
# mcg_capture_stop PID ends it after what was sent has arrived.
mcg_capture_start() {
	local log pid
	log=$(mktemp)
	# -Z root: the capture file may be in a directory only root can write.
	ip netns exec "$1" tcpdump -Z root -i "$2" -U -n -w "$3" "$4" > /dev/null 2> "$log" &
	pid=$!
	for _ in $(seq 200); do
		ip netns exec "$5" "$MCG_TOP/selftests/mcg_inject" -i "$6" -a ff02::1 -p 9 -x 00 \
			2>/dev/null
		if [ "$(stat -c %s "$3" 2>/dev/null || echo 0)" -gt 24 ]; then
			rm -f "$log"
			echo "$pid"
			return 0
		fi
		sleep 0.05
	done
	cat "$log" >&2
	rm -f "$log"
	kill "$pid"
	return 1
}

mcg_capture_stop() {	# PID FILE PEER_NS PEER_IFACE, as for the start
	local tag hex
	# A probe sent after the traffic, seen in the file: what came before
	# it has been through the link too (TCG guests can be slow at it).
	# Its own bytes, not the file's growth: the traffic still arriving
	# grows the file too, and stopping then lost a datagram.
	tag=mcg-capture-stop-$RANDOM$RANDOM
	hex=$(printf '%s' "$tag" | od -An -tx1 | tr -d ' \n')
	for _ in $(seq 200); do
		ip netns exec "$3" "$MCG_TOP/selftests/mcg_inject" -i "$4" -a ff02::1 -p 9 -x "$hex" \
			2>/dev/null
		sleep 0.05
		grep -qaF "$tag" "$2" && break
	done
	sleep 0.2
	kill -INT "$1"
	while kill -0 "$1" 2>/dev/null; do sleep 0.05; done
}

# ktap_main: run every test_* function (or those matching $MCG_TEST_FILTER)
# and print KTAP for them.
ktap_main() {
	local cases=() c i=0 rc out failed=0 was_loaded=0
	# Cases run in the order the script defines them.
	for c in $(grep -oE '^test_[A-Za-z0-9_]+' "$KTAP_SCRIPT"); do
		if [ -n "${MCG_TEST_FILTER:-}" ] && ! [[ $c =~ $MCG_TEST_FILTER ]]; then
			continue
		fi
		cases+=("$c")
	done
	if [ ${#cases[@]} -eq 0 ]; then
		echo "ktap_main: no test case in $KTAP_SCRIPT" >&2
		exit $KSFT_FAIL
	fi
	mcg_loaded && was_loaded=1
	echo "TAP version 13"
	echo "1..${#cases[@]}"
	for c in "${cases[@]}"; do
		i=$((i + 1))
		out=$( ($c) 2>&1 )
		rc=$?
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
		case $rc in
		0) echo "ok $i ${c#test_}" ;;
		"$KSFT_SKIP") echo "ok $i ${c#test_} # SKIP" ;;
		*) echo "not ok $i ${c#test_}"; failed=1 ;;
		esac
	done
	# Leave the module as we found it, for the programs that follow.
	if [ $was_loaded -eq 1 ] && ! mcg_loaded; then
		insmod "$MCG_KO" || failed=1
	elif [ $was_loaded -eq 0 ] && mcg_loaded; then
		rmmod mcg || failed=1
	fi
	exit $failed
}
