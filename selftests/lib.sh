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

# The kernel log since the last call of dmesg_mark.
dmesg_mark() { dmesg --clear 2>/dev/null || dmesg -c >/dev/null; }
dmesg_new() { dmesg; }

# Fail when the kernel logged a warning, a bug or a leak since dmesg_mark.
dmesg_check_clean() {
	local bad
	bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|KASAN|UBSAN|kmemleak|refcount_t|list_(add|del) corruption|INFO: task .* blocked|lockdep|circular locking') || true
	if [ -n "$bad" ]; then
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
