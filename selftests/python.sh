#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Applications in other languages, as their users write them: Python's
# mcg module (tools/python) under Debian's /usr/bin/python3 -- an asyncio
# chat across namespaces, groups by name, the errors of a bind to no
# group, of a deleted group and of a message too large, SO_TIMESTAMPNS --
# and the C example of mcg(7), cut from the page, compiled and run.
#
# Hosts: namespaces A (sender 42) and B (sender 43) of mcg_two_hosts,
# group "chat", id 7, on ff05::4242.

. "$(dirname "$0")/lib.sh"

A=mcg-py-a
B=mcg-py-b
TMP=$(mktemp -d)
PY=/usr/bin/python3
export PYTHONPATH=$MCG_TOP/tools/python

# setup: hosts A and B, made once for every case, and the group on each
# (again after a case deleted it), keyed.
setup() {
	local h ns dev sender
	mcg_load
	if [ ! -e "$TMP/key" ]; then
		mcg_two_hosts $A $B || return 1
		(umask 077 && "$MCGCTL" genkey > "$TMP/key") || return 1
	fi
	for h in "$A a0 42" "$B b0 43"; do
		read -r ns dev sender <<< "$h"
		ip netns exec "$ns" "$MCGCTL" show chat > /dev/null 2>&1 && continue
		ip netns exec "$ns" "$MCGCTL" group add chat addr ff05::4242 dev "$dev" \
			id 7 sender "$sender" &&
		ip netns exec "$ns" "$MCGCTL" key add chat epoch 1 keyfile "$TMP/key" || return 1
	done
}

# py NS ARGS...: a Python program run in NS, as its user would; killed
# after 60 s, should it block for good.
py() {
	local ns=$1
	shift
	timeout 60 ip netns exec "$ns" "$PY" "$@"
}

# One member of a chat: binds to the group by name, says so in
# TMP/NAME.ready, waits for every member to be ready, then sends N
# messages "NAME I" from its asyncio loop while add_reader() drains the
# socket without blocking.  It ends once every other member's messages
# came, each once, from that member's host's sender id.
CHAT='
import asyncio, os, sys, mcg
tmp, me, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
members = dict(m.split("=") for m in sys.argv[4:])	# name=sender id
want = {("%s %d" % (m, i)).encode(): int(s)
	for m, s in members.items() if m != me for i in range(n)}
got = set()

async def main():
	loop = asyncio.get_running_loop()
	done = loop.create_future()
	sock = mcg.Socket("chat")
	sock.setblocking(False)

	def readable():
		while True:
			try:
				sender, data = sock.recv()
			except BlockingIOError:
				return
			if data not in want or sender != want[data] or data in got:
				print("%s: unexpected %r from %s" % (me, data, sender))
				sys.exit(1)
			got.add(data)
			if len(got) == len(want) and not done.done():
				done.set_result(None)

	loop.add_reader(sock.fileno(), readable)
	open(os.path.join(tmp, me + ".ready"), "w").close()
	while not all(os.path.exists(os.path.join(tmp, m + ".ready")) for m in members):
		await asyncio.sleep(0.02)
	for i in range(n):
		sock.send(("%s %d" % (me, i)).encode())
		await asyncio.sleep(0.01)
	try:
		await asyncio.wait_for(done, 30)
	except asyncio.TimeoutError:
		print("%s: missing %s" % (me, sorted(set(want) - got)))
		sys.exit(1)
	await asyncio.sleep(0.3)	# a duplicate would come now
	loop.remove_reader(sock.fileno())
	sock.close()

asyncio.run(main())
'

test_an_asyncio_chat_between_namespaces() {
	setup || fail "setup"
	local m pids=() rc=0
	members=(a=42 b=43 c=42)
	for m in a:$A b:$B c:$A; do
		py "${m#*:}" -c "$CHAT" "$TMP" "${m%%:*}" 10 "${members[@]}" \
			> "$TMP/${m%%:*}.out" 2>&1 &
		pids+=($!)
	done
	for m in "${pids[@]}"; do
		wait "$m" || rc=1
	done
	cat "$TMP"/*.out
	[ $rc = 0 ] || fail "a member did not get every message once"
}

test_a_group_by_name() {
	setup || fail "setup"
	out=$(py $A -c '
import errno, mcg
assert mcg.group_id("chat") == 7, mcg.group_id("chat")
# Another namespace, by its name in /run/netns.
assert mcg.group_id("chat", netns="'$B'") == 7
with mcg.Socket("chat") as s:
	print(s.getsockname())
try:
	mcg.group_id("nope")
except OSError as e:
	assert e.errno == errno.ENOENT, e
	print(e.strerror)
else:
	raise SystemExit("no error for a name that names nothing")
' 2>&1) || { echo "$out"; fail "python failed"; }
	[ "$out" = $'(7, 42)\nno group with this name' ] || { echo "$out"; fail "not as expected"; }
}

test_a_bind_to_no_group() {
	setup || fail "setup"
	out=$(py $A -c '
import errno, mcg
try:
	mcg.Socket(99)
except OSError as e:
	assert e.errno == errno.EADDRNOTAVAIL, e
	print(e)
else:
	raise SystemExit("bound to no group")
' 2>&1) || { echo "$out"; fail "python failed"; }
	[ "$out" = "[Errno 99] Cannot assign requested address (no group with id 99 in this network namespace)" ] ||
		{ echo "$out"; fail "not the error expected"; }
}

test_a_deleted_group_wakes_its_socket_with_enodev() {
	setup || fail "setup"
	py $A -c '
import errno, sys, mcg
s = mcg.Socket(7)
open(sys.argv[1], "w").close()
try:
	s.recv()
except OSError as e:
	assert e.errno == errno.ENODEV, e
else:
	raise SystemExit("recv returned")
assert s.recv() == (None, b""), "no end of file"
try:
	s.send(b"x")
except OSError as e:
	assert e.errno == errno.ENODEV, e
else:
	raise SystemExit("send after deletion")
' "$TMP/enodev.bound" > "$TMP/out" 2>&1 &
	pid=$!
	wait_until 10 test -e "$TMP/enodev.bound" || { cat "$TMP/out"; fail "not bound"; }
	sleep 0.2	# into its recv
	run ip netns exec $A "$MCGCTL" group del chat
	wait $pid || { cat "$TMP/out"; fail "the socket did not see its group go"; }
}

test_a_message_too_large_is_emsgsize() {
	setup || fail "setup"
	out=$(py $A -c '
import errno, mcg
with mcg.Socket(7) as s:
	s.send(bytes(1404))
	try:
		s.send(bytes(1405))
	except OSError as e:
		assert e.errno == errno.EMSGSIZE, e
	else:
		raise SystemExit("1405 bytes sent on a 1500-byte link")
' 2>&1) || { echo "$out"; fail "python failed"; }
}

# SO_TIMESTAMPNS (35 in asm-generic/socket.h; CPython has no name for
# it): a message from the other host carries the time it arrived, not
# that of the receive, 0.5 s later.
test_so_timestampns_is_the_arrival_time() {
	setup || fail "setup"
	out=$(py $B -c '
import struct, sys, time, mcg
r = mcg.Socket(7)
r.setsockopt(1, 35, 1)
with mcg.Socket(7, netns="'$A'") as s:
	sent = time.time()
	s.send(b"t")
time.sleep(0.5)
r.settimeout(10)
data, anc, _, addr = r.recvmsg(16, 64)
asked = time.time()
assert (data, addr) == (b"t", (7, 42)), (data, addr)
(level, kind, raw), = anc
assert (level, kind) == (1, 35), anc
sec, nsec = struct.unpack("=qq", raw)
stamp = sec + nsec / 1e9
print("sent %.3f stamp %.3f asked %.3f" % (sent, stamp, asked))
assert sent - 0.001 <= stamp < asked - 0.4, "not the arrival time"
' 2>&1) || { echo "$out"; fail "python failed"; }
}

# mcg(7)'s EXAMPLES, as the page has it: sends its message, prints the
# answer of B's member with B's sender id.
test_the_example_of_mcg_7() {
	setup || fail "setup"
	sed -n '/^\.\\" example begin/,/^\.\\" example end/{/^\.\\"/d;p}' \
		"$MCG_TOP/uapi/mcg.7" | sed -e 's/\\-/-/g' -e 's/\\e/\\/g' > "$TMP/example.c"
	[ "$(wc -l < "$TMP/example.c")" -gt 25 ] || fail "no example in mcg.7"
	run gcc -Wall -Wextra -Werror -I"$MCG_TOP/uapi" -o "$TMP/example" "$TMP/example.c"
	py $B -c '
import sys, mcg
with mcg.Socket(7) as s:
	open(sys.argv[1], "w").close()
	s.settimeout(20)
	sender, data = s.recv()
	s.send(b"pong " + data + b" from %d" % sender)
' "$TMP/example.bound" > "$TMP/out" 2>&1 &
	pid=$!
	wait_until 10 test -e "$TMP/example.bound" || { cat "$TMP/out"; fail "B not bound"; }
	out=$(timeout 20 ip netns exec $A "$TMP/example" 7 ping 2>&1) || { echo "$out"; fail "example failed"; }
	wait $pid || { cat "$TMP/out"; fail "B's member failed"; }
	[ "$out" = "43: pong ping from 42" ] || { echo "$out"; fail "not the answer expected"; }
}

cleanup() {
	mcg_netns_kill $A $B
	ip netns del $A 2>/dev/null
	ip netns del $B 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ktap_main
