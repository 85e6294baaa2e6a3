#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own YNL command line tool (6.12's tools/net/ynl/cli.py,
# from Debian's linux-source-6.12: tools/ynl-src) speaks to the module
# with nothing but Documentation/netlink/specs/mcg.yaml: it dumps the
# groups mcgctl made, and with --subscribe events decodes every event the
# kernel multicasts, each by its name.  The schema it validates the spec
# against is the one vendored next to the specs.

. "$(dirname "$0")/lib.sh"

NS=mcg-ynl
SPEC=$MCG_TOP/Documentation/netlink/specs/mcg.yaml
TMP=$(mktemp -d)
umask 077

# ynl ARGS...: cli.py in the namespace, JSON out.  Debian's python, with
# its python3-yaml (and python3-jsonschema for a run without --no-schema:
# under TCG its import alone takes many seconds, so one run validates).
ynl() {
	ip netns exec $NS /usr/bin/python3 "$CLI" --spec "$SPEC" --output-json "$@"
}

# host: a fresh namespace with a veth pair, d0 up with its link-local
# address; group g (id 7) made by mcgctl on d0.
host() {
	local src
	# Extracted on the host (selftests/host/ynl does it); the guest sees
	# the tree read-only.
	src=$("$MCG_TOP/tools/ynl-src" 2>&1) ||
		fail "no kernel ynl tools: run tools/ynl-src on the host ($src)"
	CLI=$src/tools/net/ynl/cli.py
	mcg_load
	mcg_netns_add $NS && mcg_veth $NS d0 $NS d1 || fail "namespace $NS"
	M group add g addr ff05::4242 dev d0 id 7 port 7000
}

M() { run ip netns exec $NS "$MCGCTL" "$@"; }

cleanup() {
	for j in $(jobs -p); do
		kill "$j" 2>/dev/null
	done
	wait 2>/dev/null
	ip netns del $NS 2>/dev/null
}

test_dump_shows_the_groups() {
	local out t0
	trap cleanup EXIT
	host
	# With the schema next to the specs: cli.py validates the spec.
	t0=$SECONDS
	out=$(ynl --dump group-get 2>&1) || fail "ynl --dump group-get: $out"
	echo "cli.py --dump took $((SECONDS - t0)) s"
	echo "$out"
	[ "$(jq -c '[.[]."group-name"]' <<< "$out")" = '["g"]' ] || fail "not group g alone"
	[ "$(jq -c '[.[] | select(."group-name" == "g") |
		."group-id", ."group-addr", ."group-port", ."group-ifname"]' <<< "$out")" = \
	  '[7,"ff05::4242",7000,"d0"]' ] || fail "not group g, id 7, ff05::4242, port 7000, d0"
}

# Every change of the namespace's groups, made by mcgctl, and a key's
# exhaustion, made by a send: each event arrives, named by the spec.
# cli.py subscribes, sleeps, then prints what came; the changes are made
# while it is held in its sleep (seen asleep, it subscribed before).  (6.12's
# ynl cannot take events on the socket of its own requests: a request's
# answer after an event fails on the event's missing op.)
# The changes, in one process in the namespace (each its own ip netns
# exec would take a second under TCG).
# shellcheck disable=SC2016
CHANGES='
m=$1 send=$2 key=$3
out=$("$send" 7 second 2>&1) && { echo "a second send under a one-message key succeeded"; exit 1; }
[ "$out" = "send: Key has expired" ] || { echo "the second send: $out"; exit 1; }
"$m" group add y addr ff05::4243 dev d0 id 8 &&
"$m" group set y hoplimit 2 &&
"$m" key add y epoch 3 alg aes-gcm-128 keyfile "$key" &&
"$m" key del y epoch 3 &&
"$m" group del y &&
"$m" flush
'

test_subscribe_decodes_every_event() {
	local out pid t0
	trap 'cleanup; mcg_unload_retry; mcg_load' EXIT
	mcg_unload_retry || fail "rmmod"
	# One message per key: the second send exhausts it.
	mcg_load msgs_per_run=1 runs_per_key=1
	host
	"$MCGCTL" genkey aes-gcm-128 > "$TMP/key" || fail "genkey"
	M key add g epoch 1 alg aes-gcm-128 keyfile "$TMP/key"
	run ip netns exec $NS "$SEND" 7 first
	# Not through ynl(): $! must be cli.py's own pid.
	ip netns exec $NS /usr/bin/python3 "$CLI" --spec "$SPEC" --output-json --no-schema \
		--subscribe events --sleep 3 > "$TMP/out" 2>&1 &
	pid=$!
	t0=$SECONDS
	# Asleep in clock_nanosleep (230): subscribed.
	wait_until 60 grep -q '^230 ' "/proc/$pid/syscall" ||
		{ cat "$TMP/out"; fail "cli.py did not get to its sleep"; }
	echo "cli.py subscribed in $((SECONDS - t0)) s"
	# Stopped in its sleep, it reads nothing until the changes are all
	# made, however long they take: the events queue on its socket.
	kill -STOP $pid
	wait_until 10 grep -q '^[0-9]* ([^)]*) T' "/proc/$pid/stat" || fail "cli.py did not stop"
	out=$(ip netns exec $NS bash -c "$CHANGES" changes "$MCGCTL" "$SEND" "$TMP/key" 2>&1) ||
		fail "$out"
	kill -CONT $pid
	wait $pid || { cat "$TMP/out"; fail "cli.py failed"; }
	out=$(tail -n 1 "$TMP/out")
	echo "$out"
	[ "$(jq -r '[.[].name] | join(" ")' <<< "$out")" = \
	  "key-exhausted group-new-ntf group-set-ntf key-new-ntf key-del-ntf group-del-ntf flush-ntf" ] ||
		fail "not every event, in order"
	# Decoded with their attributes: addresses as text, the key's epoch.
	[ "$(jq -c '.[0].msg | [."group-name", ."group-addr", .key.epoch]' <<< "$out")" = '["g","ff05::4242",1]' ] ||
		fail "key-exhausted is not g's epoch 1"
	[ "$(jq -c '.[1].msg | [."group-name", ."group-id", ."group-addr", ."group-ifname"]' <<< "$out")" = \
	  '["y",8,"ff05::4243","d0"]' ] || fail "group-new-ntf is not y, 8, on ff05::4243, d0"
	[ "$(jq -c '.[2].msg."group-hoplimit"' <<< "$out")" = 2 ] || fail "group-set-ntf: not hoplimit 2"
	[ "$(jq -c '[.[3].msg."group-keys".key[].epoch]' <<< "$out")" = '[3]' ] ||
		fail "key-new-ntf: not y's key 3"
	[ "$(jq -c '.[6].msg' <<< "$out")" = '{}' ] || fail "flush-ntf carries attributes"
}

ktap_main
