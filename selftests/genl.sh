#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The generic netlink family "mcg" as iproute2's genl sees it.

. "$(dirname "$0")/lib.sh"

test_family_resolves() {
	mcg_load
	out=$(genl ctrl get name mcg) || fail "genl ctrl get name mcg failed"
	echo "$out" | grep -q 'Name: mcg' || { echo "$out"; fail "no name"; }
	echo "$out" | grep -q 'Version: 0x1' || { echo "$out"; fail "wrong version"; }
	echo "$out" | grep -qE 'name: events' || { echo "$out"; fail "no events group"; }
}

test_family_is_listed() {
	mcg_load
	genl ctrl list | grep -q 'Name: mcg' || fail "mcg not in genl ctrl list"
}

test_family_resolves_in_another_namespace() {
	mcg_load
	ip netns add mcg-genl-t || fail "ip netns add"
	out=$(ip netns exec mcg-genl-t genl ctrl get name mcg)
	rc=$?
	ip netns del mcg-genl-t
	[ $rc -eq 0 ] || fail "not resolvable in a new namespace"
	echo "$out" | grep -q 'Name: mcg' || fail "wrong answer in a new namespace"
}

test_family_gone_after_unload() {
	mcg_unload
	genl ctrl get name mcg >/dev/null 2>&1 && fail "family still resolves"
	mcg_load
	genl ctrl get name mcg >/dev/null || fail "family does not come back"
}

ktap_main
