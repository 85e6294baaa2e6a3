# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What mcgd's selftests share (mcgd.sh, mcgd_failures.sh, mcgd_input.sh):
# hosts with identities, an admin, the group's files, an mcgd per host,
# and ways to ask them how the group stands.
#
# Hosts: namespaces mcgd-h1..h4 on bridge mcgd-br (eth0 each); group
# "team", id 9, ff05::4d47, data port 6470, control port 6471.  h1 and h2
# are key-server candidates (priority 1 and 2).  Each host's files are in
# $TMP/HOST: etc/ (id.key, team.conf, team.sig), state/, sock, log.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MCGD=$MCG_TOP/tools/mcgd/mcgd
BR=mcgd-br
HOSTS=(mcgd-h1 mcgd-h2 mcgd-h3 mcgd-h4)
GID=9
ADDR=ff05::4d47
TMP=$(mktemp -d)
# Group timing, seconds: hellos every 1 (lifetime 3), activation 2.
ROTATION=3600
# A host's sender id is its number (mcgd-h3: 3) unless set here.
declare -A SENDER_OF=()

cleanup() {
	local h
	for h in "${HOSTS[@]}"; do
		[ -f "$TMP/$h/pid" ] && kill -9 "$(cat "$TMP/$h/pid")" 2>/dev/null
		ip netns del "$h" 2>/dev/null
	done
	ip netns del $BR 2>/dev/null
	# Others' background jobs (senders, receivers).
	jobs -p | xargs -r kill 2>/dev/null
	true
}

nr() { echo "${1#mcgd-h}"; }

# write_roster VERSION HOST...: $TMP/team.conf of that version with those
# members, and $TMP/team.sig, the admin's signature.
write_roster() {
	local v=$1 h
	shift
	{
		cat <<EOF
; written by mcgd.sh
[group]
id = $GID
address = $ADDR
interface = eth0
rotation = $ROTATION
activation = 2
deactivation = 4
removal-deactivation = 1
hello = 1

[admins]
key = $(cat "$TMP/admin.pub")

[roster]
version = $v
EOF
		for h in "$@"; do
			printf '\n[member %s]\nkey = %s\nsender = %s\n' \
				"${h#mcgd-}" "$(cat "$TMP/$h/pub")" "${SENDER_OF[$h]:-$(nr "$h")}"
			case $h in
			mcgd-h1) echo "priority = 1" ;;
			mcgd-h2) echo "priority = 2" ;;
			esac
		done
	} > "$TMP/team.conf"
	"$MCGCTL" roster sign "$TMP/team.conf" < "$TMP/admin.key" > "$TMP/team.sig"
}

install_roster() {	# HOST...: the roster of $TMP into their etc/
	local h
	for h in "$@"; do
		cp "$TMP/team.conf" "$TMP/team.sig" "$TMP/$h/etc/"
	done
}

# start HOST [ARGS...]: its mcgd, in the background; returns once it
# answers on its control socket.
start() {
	local h=$1
	shift
	ip netns exec "$h" "$MCGD" -c "$TMP/$h/etc" -s "$TMP/$h/state" \
		-S "$TMP/$h/sock" "$@" >> "$TMP/$h/log" 2>&1 &
	echo $! > "$TMP/$h/pid"
	disown $!	# its end, even by SIGKILL, is no news
	wait_until 20 "$MCGCTL" daemon show socket "$TMP/$h/sock" > /dev/null 2>&1 ||
		{ cat "$TMP/$h/log"; fail "mcgd in $h does not answer"; }
}

stop() {	# HOST [SIGNAL]
	local pid
	pid=$(cat "$TMP/$1/pid")
	kill "-${2:-TERM}" "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

show() { "$MCGCTL" -j daemon show team socket "$TMP/$1/sock" 2>/dev/null; }

# get HOST KEY: one value of the group's, "" if mcgd does not answer.
get() { show "$1" | jq -r ".[0].$2 // empty"; }

# formed HOST...: each sends on the same epoch, which each has.
formed() {
	local h tx="" t
	for h in "$@"; do
		t=$(show "$h" | jq -r '.[0] | select(.tx_epoch > 0) | "\(.tx_epoch) \(.epochs | join(","))"')
		[ -n "$t" ] || return 1
		[ -z "$tx" ] && tx=${t%% *}
		[ "${t%% *}" = "$tx" ] || return 1
	done
	# shellcheck disable=SC2034	# for the cases
	FORMED_EPOCH=$tx
}

wait_formed() {	# SECONDS HOST...
	local s=$1 h
	shift
	wait_until "$s" formed "$@" && return 0
	for h in "$@"; do
		echo "$h: $(show "$h" | jq -c '.[0] | {state, tx_epoch, epochs, key_server, roster_version}')"
	done
	return 1
}

# setup [HOST...]: the bridge, the hosts (all four by default) with an
# identity each, the admin, roster version 1 of all four, and mcgd
# running on those named.
setup() {
	local h
	mcg_load
	trap cleanup EXIT
	mcg_bridge_hosts $BR "${HOSTS[@]}" || return 1
	(umask 077 && "$MCGCTL" genid > "$TMP/admin.key") &&
	"$MCGCTL" pubid < "$TMP/admin.key" > "$TMP/admin.pub" || return 1
	for h in "${HOSTS[@]}"; do
		rm -rf "${TMP:?}/$h"
		mkdir -p "$TMP/$h/etc" "$TMP/$h/state" &&
		(umask 077 && "$MCGCTL" genid > "$TMP/$h/etc/id.key") &&
		"$MCGCTL" pubid < "$TMP/$h/etc/id.key" > "$TMP/$h/pub" || return 1
	done
	write_roster 1 "${HOSTS[@]}"
	install_roster "${HOSTS[@]}"
	for h in "${@:-${HOSTS[@]}}"; do
		start "$h"
	done
}

# recv_start HOST NAME [ARGS...]: mcg_recv in the background into
# $TMP/NAME.recv; returns once it is bound.
recv_start() {
	local h=$1 name=$2
	shift 2
	ip netns exec "$h" "$RECV" "$@" $GID > "$TMP/$name.recv" 2> "$TMP/$name.err" &
	echo $! > "$TMP/$name.rpid"
	wait_until 10 grep -q ready "$TMP/$name.err" || fail "mcg_recv in $h not ready"
}

recv_wait() {	# NAME: wait for it to end
	wait "$(cat "$TMP/$1.rpid")" 2>/dev/null
	true
}

lines() { wc -l < "$TMP/$1.recv"; }

ksender() {	# HOST: the kernel group's sender id
	ip netns exec "$1" "$MCGCTL" -j group show team | jq -r '.[0].sender'
}

kstat() {	# HOST COUNTER: the kernel group's counter
	ip netns exec "$1" "$MCGCTL" -j stats team | jq -r ".groups[0].$2"
}
