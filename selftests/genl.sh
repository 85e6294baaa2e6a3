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

# A deleted group's port is free once GROUP_DEL (or FLUSH) is answered: the
# same group can be made again by the very next request.  (It once failed
# with EADDRINUSE until the socket's delayed release had run.)
test_deleted_group_can_be_made_again_at_once() {
	mcg_load
	ip netns add mcg-genl-t || fail "ip netns add"
	ip -n mcg-genl-t link add d0 type veth peer name d1 && ip -n mcg-genl-t link set d0 up ||
		fail "dummy interface"
	out=$(ip netns exec mcg-genl-t python3 - "$MCG_TOP/selftests" <<'PY' 2>&1
import os, socket, sys
sys.path.insert(0, sys.argv[1])
from mcg_genl import *
g = Genl()
new = (string(A_GROUP_NAME, 'g') + u32(A_GROUP_ID, 1) + u16(A_GROUP_PORT, 7000) +
       nla(A_GROUP_ADDR, socket.inet_pton(socket.AF_INET6, 'ff05::4242')) +
       u32(A_GROUP_IFINDEX, socket.if_nametoindex('d0')))
for i in range(40):
    for cmd, body in ((CMD_GROUP_NEW, new),
                      (CMD_GROUP_DEL, u32(A_GROUP_ID, 1)) if i % 2 else (CMD_FLUSH, b'')):
        err, _ = g.request(cmd, body)
        if err:
            sys.exit(f'request {cmd} of round {i}: {os.strerror(err)}')
PY
)
	rc=$?
	ip netns del mcg-genl-t
	[ $rc -eq 0 ] || fail "$out"
}

test_family_gone_after_unload() {
	mcg_unload
	genl ctrl get name mcg >/dev/null 2>&1 && fail "family still resolves"
	mcg_load
	genl ctrl get name mcg >/dev/null || fail "family does not come back"
}

ktap_main
