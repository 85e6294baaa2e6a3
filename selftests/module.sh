#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Loading and unloading mcg.ko, and the AF_MCG family number it registers.

. "$(dirname "$0")/lib.sh"

AFPROBE=$MCG_TOP/selftests/mcg_afprobe

test_load_unload_50_times_cleanly() {
	mcg_unload
	dmesg_mark
	for i in $(seq 50); do
		insmod "$MCG_KO" || fail "insmod #$i failed"
		[ "$($AFPROBE)" = ok ] || fail "no AF_MCG socket after insmod #$i"
		rmmod mcg || fail "rmmod #$i failed"
	done
	mcg_loaded && fail "mcg still loaded"
	dmesg_check_clean
	n=$(dmesg | grep -c 'mcg: secure group messaging, address family 22')
	[ "$n" -eq 50 ] || fail "expected 50 load messages, saw $n"
}

test_family_parameter_in_sysfs() {
	mcg_unload
	mcg_load
	p=/sys/module/mcg/parameters/family
	[ "$(cat $p)" = "$MCG_FAMILY_DEFAULT" ] || fail "family is '$(cat $p)'"
	[ "$(stat -c %a $p)" = 444 ] || fail "mode of $p is $(stat -c %a $p)"
	{ echo 5 > $p; } 2>/dev/null && fail "the family could be changed at run time"
	[ "$(cat $p)" = "$MCG_FAMILY_DEFAULT" ] || fail "family changed"
}

test_socket_fails_after_unload() {
	mcg_load
	[ "$($AFPROBE -f 22)" = ok ] || fail "no socket while loaded"
	mcg_unload
	r=$($AFPROBE -f 22)
	[ "$r" = EAFNOSUPPORT ] || fail "socket() after unload gave '$r'"
}

test_family_override() {
	mcg_unload
	dmesg_mark
	run insmod "$MCG_KO" family=18
	[ "$(cat /sys/module/mcg/parameters/family)" = 18 ] || fail "sysfs does not say 18"
	[ "$($AFPROBE -f 18)" = ok ] || fail "no socket on family 18"
	r=$($AFPROBE -f 22)
	[ "$r" = EAFNOSUPPORT ] || fail "family 22 answered '$r' while mcg sits on 18"
	dmesg | grep -q 'address family 18' || fail "the log does not name family 18"
	mcg_unload
	r=$($AFPROBE -f 18)
	[ "$r" = EAFNOSUPPORT ] || fail "family 18 after unload gave '$r'"
}

test_taken_family_is_refused_clearly() {
	mcg_unload
	for af in 1 10 16; do		# AF_UNIX, AF_INET6, AF_NETLINK
		dmesg_mark
		insmod "$MCG_KO" family=$af 2>/dev/null && fail "loaded on taken family $af"
		mcg_loaded && fail "module present after failed load"
		dmesg | grep -q "mcg: address family $af is already taken" ||
			{ dmesg | tail -n 3; fail "no clear message for family $af"; }
		[ "$($AFPROBE -f $af)" = ok ] || fail "family $af broken after the attempt"
	done
	dmesg_check_clean
}

test_out_of_range_family_is_refused() {
	mcg_unload
	for af in 0 46 1000 -1; do
		dmesg_mark
		insmod "$MCG_KO" family=$af 2>/dev/null && fail "loaded with family=$af"
		dmesg | grep -q "mcg: family=$af is out of range" ||
			{ dmesg | tail -n 3; fail "no clear message for family=$af"; }
	done
	mcg_loaded && fail "module present after failed loads"
	dmesg_check_clean
}

test_unload_refused_while_a_socket_is_open() {
	mcg_load
	coproc HOLD { $AFPROBE -H; }
	read -r -t 10 line <&"${HOLD[0]}" || fail "probe did not answer"
	[ "$line" = ok ] || fail "probe said '$line'"
	rmmod mcg 2>/dev/null && fail "unloaded under an open socket"
	mcg_loaded || fail "module gone"
	eval "exec ${HOLD[1]}>&-"
	wait "$HOLD_PID"
	rmmod mcg || fail "rmmod after close failed"
}

test_module_metadata() {
	info=$(modinfo "$MCG_KO") || fail "modinfo failed"
	echo "$info" | grep -qE '^license: +GPL$' || fail "license"
	echo "$info" | grep -qE '^alias: +net-pf-22$' || fail "no net-pf-22 alias"
	echo "$info" | grep -qE '^alias: +net-pf-16-proto-16-family-mcg$' || fail "no genl alias"
	echo "$info" | grep -qE '^version: +[0-9]+\.[0-9]+\.[0-9]+$' || fail "no version"
	echo "$info" | grep -qE '^parm: +family:' || fail "no family parameter"
}

ktap_main
