#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mcgchat, as its users run it: two listeners on one host each get every
# message of a third mcgchat, in order, with the sender id the group was
# configured with; two hosts chat; lines of standard input are messages; a
# group named by name; -c not reached, an unknown group, a refused bind, a
# deleted group, no key; bytes that could drive a terminal escaped; -i and
# -f.
#
# Hosts: namespaces A and B of mcg_two_hosts; group "chat", id 7, sender
# 42 in A (and 43 in B).  Listeners start with -v and are trusted to be
# bound once they say so.

. "$(dirname "$0")/lib.sh"

CHAT=$MCG_TOP/tools/mcgchat/mcgchat
A=mcg-chat-a
B=mcg-chat-b
TMP=$(mktemp -d)

X() { ip netns exec $A "$@"; }
MA() { X "$MCGCTL" "$@"; }

setup() {	# setup [GROUP ADD WORDS...]: the group, with a key
	mcg_load
	mcg_two_hosts $A $B || return 1
	MA group add chat addr ff05::4242 dev a0 id 7 sender 42 "$@" || return 1
	(umask 077 && MA genkey > "$TMP/key") &&
	[ "$(stat -c %a "$TMP/key")" = 600 ] &&
	MA key add chat epoch 1 keyfile "$TMP/key"
}

# [ON=NS] listen NAME [ENV=VALUE...] -- ARGS...: "mcgchat -v -l ARGS" in
# the background, in A or NS, its output in $TMP/NAME.out and NAME.err;
# returns once it says it is bound.
listen() {
	local name=$1 envs=()
	shift
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	ip netns exec "${ON:-$A}" env "${envs[@]}" "$CHAT" -v -l "$@" \
		> "$TMP/$name.out" 2> "$TMP/$name.err" &
	echo $! > "$TMP/$name.pid"
	for _ in $(seq 200); do
		grep -q '^mcgchat: bound to group ' "$TMP/$name.err" && return 0
		kill -0 "$(cat "$TMP/$name.pid")" 2>/dev/null || break
		sleep 0.05
	done
	cat "$TMP/$name.err"
	fail "listener $name did not bind"
}

# finish NAME RC: the listener exits with RC.
finish() {
	local rc
	wait "$(cat "$TMP/$1.pid")"
	rc=$?
	[ "$rc" = "$2" ] || { sed "s/^/$1: /" "$TMP/$1.err"; fail "listener $1 exited $rc, not $2"; }
}

# holds FILE LINE...: FILE holds exactly these lines.
holds() {
	local file=$1
	shift
	# Not diff <(...): the test VM has no /dev/fd.
	printf '%s\n' "$@" > "$TMP/want"
	diff -u "$TMP/want" "$file" || fail "$file is not as expected"
}

# chat ARGS...: mcgchat in A, which must succeed and print nothing.
chat() {
	local out
	out=$(X "$CHAT" "$@" 2>&1 < /dev/null) || { echo "$out"; fail "mcgchat $* failed"; }
	[ -z "$out" ] || { echo "$out"; fail "mcgchat $* printed something"; }
}

# refused 'stderr' ARGS...: mcgchat exits 1 and says exactly that; in A
# unless IN is set to another prefix.
IN=(ip netns exec "$A")
refused() {
	local want=$1 out rc
	shift
	out=$("${IN[@]}" "$CHAT" "$@" 2>&1 < /dev/null)
	rc=$?
	[ "$rc" = 1 ] || { echo "$out"; fail "mcgchat $* exited $rc, not 1"; }
	[ "$out" = "$want" ] || { echo "$out"; fail "mcgchat $* did not say '$want'"; }
}

test_two_listeners_get_every_message_with_the_sender_id() {
	setup || fail "setup"
	listen l1 -- -t -c 3 -w 60 7
	listen l2 -- -t -c 3 -w 60 7
	chat -w 1 -m a -m "b b" -m c 7
	finish l1 0
	finish l2 0
	for l in l1 l2; do
		holds "$TMP/$l.out" $'42\ta' $'42\tb b' $'42\tc'
		holds "$TMP/$l.err" 'mcgchat: bound to group 7' \
			'mcgchat: 0 messages sent, 3 received'
	done
	[ "$(MA -j stats chat | jq '.groups[0].tx_packets')" = 3 ] || fail "tx_packets is not 3"
}

# lines FILE N: wait until FILE has N lines.
lines() {
	for _ in $(seq 200); do
		[ "$(wc -l < "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	cat "$1"
	fail "$1 does not reach $2 lines"
}

test_two_hosts_chat() {
	setup || fail "setup"
	ip netns exec $B "$MCGCTL" group add chat addr ff05::4242 dev b0 id 7 sender 43 &&
	ip netns exec $B "$MCGCTL" key add chat epoch 1 keyfile "$TMP/key" || fail "setup of B"
	listen a -- -t -c 3 -w 60 7
	ON=$B listen b -- -t -c 3 -w 60 7
	chat -w 0 -m "from a" -m again 7
	lines "$TMP/b.out" 2
	out=$(ip netns exec $B "$CHAT" -w 0 -m "from b" 7 2>&1) || { echo "$out"; fail "B could not send"; }
	finish a 0
	finish b 0
	# Each host hears its own host's other sockets, and the other host.
	holds "$TMP/a.out" $'42\tfrom a' $'42\tagain' $'43\tfrom b'
	holds "$TMP/b.out" $'42\tfrom a' $'42\tagain' $'43\tfrom b'
}

test_lines_of_standard_input_are_messages() {
	setup || fail "setup"
	listen l -- -c 4 -w 60 7
	# An empty line is an empty message; the last needs no newline.  -w 0
	# counts from the end of standard input: every line is sent.
	out=$(printf 'hello, world\n\n  spaced  \nlast' | X "$CHAT" -w 0 7 2>&1) ||
		{ echo "$out"; fail "sending from standard input failed"; }
	finish l 0
	holds "$TMP/l.out" '[sender 42] hello, world' '[sender 42] ' \
		'[sender 42]   spaced  ' '[sender 42] last'
}

test_a_group_by_name() {
	setup || fail "setup"
	listen l -- -t -c 2 -w 60 chat
	grep -qx 'mcgchat: bound to group 7' "$TMP/l.err" || fail "the name did not resolve to 7"
	chat -w 1 -m one -m two chat
	finish l 0
	holds "$TMP/l.out" $'42\tone' $'42\ttwo'
	refused "mcgchat: group 'nosuch': no group with this name" -l nosuch
}

test_count_not_reached_exits_1() {
	setup || fail "setup"
	# -w 10: time enough for the sender to start, even in a debug VM
	# sharing its cores (4 s was not).
	listen l -- -t -c 3 -w 10 7
	chat -w 0 -m only 7
	finish l 1
	holds "$TMP/l.out" $'42\tonly'
	grep -qx 'mcgchat: 1 of 3 messages received, then none for 10 s' "$TMP/l.err" ||
		{ cat "$TMP/l.err"; fail "no word of how many came"; }
	# Without -c, -w ends it well.
	out=$(X "$CHAT" -l -w 1 7 2>&1) || { echo "$out"; fail "-w without -c failed"; }
	[ -z "$out" ] || { echo "$out"; fail "-w without -c printed something"; }
}

test_a_group_that_does_not_exist() {
	setup || fail "setup"
	refused "mcgchat: bind to group 99: Cannot assign requested address (no group with this id)" -l 99
	refused "mcgchat: bind to group 99: Cannot assign requested address (no group with this id)" -m x 99
}

test_a_bind_without_permission() {
	setup mode 0600 || fail "setup"
	nobody=(setpriv --reuid 65534 --regid 65534 --clear-groups)
	out=$(X "${nobody[@]}" "$CHAT" -l -w 1 7 2>&1)
	rc=$?
	[ "$rc" = 1 ] || { echo "$out"; fail "exit status $rc, not 1"; }
	[ "$out" = "mcgchat: bind to group 7: Permission denied" ] || { echo "$out"; fail "wrong message"; }
	run MA group set chat mode 0664
	out=$(X "${nobody[@]}" "$CHAT" -l -w 0 7 2>&1) || { echo "$out"; fail "nobody may read now"; }
}

test_no_key_no_message() {
	setup || fail "setup"
	run MA key del chat epoch 1
	refused "mcgchat: send to group 7: Required key not available" -m x 7
}

test_a_deleted_group_ends_the_chat() {
	setup || fail "setup"
	listen l -- -w 20 7
	run MA group del chat
	finish l 1
	grep -qx 'mcgchat: group 7 was deleted' "$TMP/l.err" || { cat "$TMP/l.err"; fail "no word of the deletion"; }
}

test_bytes_that_could_drive_a_terminal_are_escaped() {
	setup || fail "setup"
	listen c LC_ALL=C -- -t -c 3 -w 60 7
	listen u LC_ALL=C.UTF-8 -- -t -c 3 -w 60 7
	# ESC [31m, a tab, a backslash, é, U+202E (right-to-left override),
	# a lone continuation byte; then NUL and DEL; then 0x01 and CR.
	printf 'a\033[31mb\tc\\d\303\251e\342\200\256f\200\nx\0y\177z\n\001\r\n' |
		X "$CHAT" -w 1 7 || fail "sending failed"
	finish c 0
	finish u 0
	holds "$TMP/c.out" $'42\t''a\x1b[31mb\x09c\\d\xc3\xa9e\xe2\x80\xaef\x80' \
		$'42\t''x\x00y\x7fz' $'42\t''\x01\x0d'
	# In UTF-8, é is printed as it is.
	holds "$TMP/u.out" $'42\t''a\x1b[31mb\x09c\\d'$'\303\251''e\xe2\x80\xaef\x80' \
		$'42\t''x\x00y\x7fz' $'42\t''\x01\x0d'
}

test_the_interval_between_messages() {
	setup || fail "setup"
	listen l -- -t -c 3 -w 60 7
	start=$(date +%s%N)
	chat -w 0 -i 400 -m 1 -m 2 -m 3 7
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	finish l 0
	holds "$TMP/l.out" $'42\t1' $'42\t2' $'42\t3'
	[ "$ms" -ge 800 ] || fail "three messages 400 ms apart took $ms ms"
}

test_the_family_is_the_modules() {
	mcg_unload
	mcg_load family=18 || fail "cannot load with family=18"
	setup || fail "setup"
	listen l -- -t -c 1 -w 60 7
	chat -w 0 -m moved 7
	finish l 0
	holds "$TMP/l.out" $'42\tmoved'
	refused "mcgchat: socket of family 22: Address family not supported by protocol (is the mcg module loaded?)" -f 22 -l 7
	chat -f 18 -w 0 -m x 7
	ip netns del $A
	mcg_unload
}

test_usage_and_man_page() {
	IN=()
	out=$("$CHAT" --help) || fail "--help failed"
	grep -q '^Usage: mcgchat ' <<< "$out" || { echo "$out"; fail "--help prints no usage"; }
	refused "mcgchat: which group?; try 'mcgchat --help'"
	refused "mcgchat: unknown option '-x'; try 'mcgchat --help'" -x 7
	refused "mcgchat: '-c' expects a number from 1 to 4294967295, not '0'" -c 0 7
	# groff exits 0 after a warning: its output must be empty.
	out=$(groff -man -ww -z "$MCG_TOP/tools/mcgchat/mcgchat.1" 2>&1)
	[ -z "$out" ] || { echo "$out"; fail "groff warns about mcgchat.1"; }
}

trap 'ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; rm -rf "$TMP"' EXIT
ktap_main
