#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's "A group keyed by hand", run as a new user would run it:
# its commands are read from the README itself, not copied here, so the
# two cannot drift apart.  Three hosts on a switch that snoops MLD, each
# with its interface named eth0 as the README says; the first runs the
# one-host block, its key file is copied to the others, every host runs
# the every-member block in a directory of its own, and each types a line
# into mcgchat that the other two print.
#
# Hosts: namespaces mcg-qs-1..3 on bridge br0 in mcg-qs-sw.

. "$(dirname "$0")/lib.sh"

SW=mcg-qs-sw
HOSTS=(mcg-qs-1 mcg-qs-2 mcg-qs-3)
TMP=$(mktemp -d)
README=$MCG_TOP/README
# The README's commands as installed: mcgctl and mcgchat in PATH.
TOOLS_PATH=$MCG_TOP/tools/mcgctl:$MCG_TOP/tools/mcgchat:$PATH

# blocks: the indented blocks of the section, each followed by a line
# "@@": the lines that start with four spaces, without them.
blocks() {
	awk '{ l[NR] = $0 }
	END {
		for (s = 1; s <= NR; s++) if (l[s] == "A group keyed by hand") break
		for (e = s + 2; e < NR; e++) if (l[e + 1] ~ /^---+$/) break
		for (i = s + 2; i < e; i++) {
			if (l[i] ~ /^    /) { print substr(l[i], 5); inb = 1 }
			else if (inb) { print "@@"; inb = 0 }
		}
	}' "$README"
}

# on HOST CMD: CMD in HOST's directory, as root with the tools in PATH.
on() {
	local h=$1
	shift
	(cd "$TMP/$h" && ip netns exec "$h" env PATH="$TOOLS_PATH" bash -c "$*")
}

setup() {
	mcg_bridge_hosts $SW "${HOSTS[@]}" || fail "setup"
	mcg_load
	for h in "${HOSTS[@]}"; do
		mkdir -p "$TMP/$h"
	done
}

test_the_readme_quick_start_makes_a_group_of_three() {
	local one every line h i pids=() fds=() fd fifo cur key out other B
	B=()
	cur=
	blocks > "$TMP/blocks"
	while IFS= read -r line; do
		if [ "$line" = @@ ]; then
			B+=("$cur")
			cur=
		else
			cur+="$line"$'\n'
		fi
	done < "$TMP/blocks"
	[ ${#B[@]} = 2 ] || { printf '%s\n--\n' "${B[@]}"; fail "expected 2 command blocks in the README's section, found ${#B[@]}"; }
	one=${B[0]}
	every=${B[1]}
	echo "on one host:"; sed 's/^/  /' <<< "$one"
	echo "on every member:"; sed 's/^/  /' <<< "$every"
	grep -q '^mcgchat ' <<< "$every" || fail "the every-member block has no mcgchat line"
	setup

	on "${HOSTS[0]}" "$one" || fail "the one-host block failed"
	key=$TMP/${HOSTS[0]}/chat.key
	[ -s "$key" ] || fail "the one-host block made no chat.key"
	[ "$(stat -c %a "$key")" = 600 ] || fail "chat.key is mode $(stat -c %a "$key"), not 600"
	for h in "${HOSTS[@]:1}"; do
		cp -p "$key" "$TMP/$h/chat.key"
	done

	# Every member: each line as written; mcgchat, the last, reads a FIFO
	# the test types into and prints to a file.
	for i in "${!HOSTS[@]}"; do
		h=${HOSTS[$i]}
		while IFS= read -r line; do
			case $line in
			''|'#'*|' '*) continue ;;
			mcgchat*)
				fifo=$TMP/$h/in
				mkfifo "$fifo"
				on "$h" "$line" < "$fifo" > "$TMP/$h/out" 2>&1 &
				pids+=($!)
				;;
			*)
				on "$h" "$line" || fail "$h: '$line' failed"
				;;
			esac
		done <<< "$every"
	done
	# The keyboards: opened once the loop above is done, as bash keeps
	# its own descriptors for the loop's redirection.
	for h in "${HOSTS[@]}"; do
		exec {fd}>"$TMP/$h/in"
		fds+=("$fd")
	done
	mcg_bridge_joined $SW ff05::4242 "${HOSTS[@]}" || fail "not every host joined"
	sleep 0.5
	for i in "${!HOSTS[@]}"; do
		echo "hello from ${HOSTS[$i]}" >&"${fds[$i]}"
	done
	for i in "${!HOSTS[@]}"; do
		h=${HOSTS[$i]}
		for other in "${HOSTS[@]}"; do
			[ "$other" = "$h" ] && continue
			wait_until 10 grep -qE "^\[sender [0-9]+\] hello from $other\$" "$TMP/$h/out" ||
				{ cat "$TMP/$h/out"; fail "$h did not print $other's line"; }
		done
		[ "$(grep -c 'hello from' "$TMP/$h/out")" = 2 ] ||
			{ cat "$TMP/$h/out"; fail "$h printed other than the two lines"; }
	done
	for fd in "${fds[@]}"; do
		exec {fd}>&-
	done
	mcg_netns_kill "${HOSTS[@]}"
	wait "${pids[@]}" 2>/dev/null

	# What the README says to look at: each member heard the two others.
	for h in "${HOSTS[@]}"; do
		out=$(on "$h" mcgctl stats chat)
		[ "$(grep -cE '^  sender [0-9]+: last [0-9.]+m?s ago epoch 1  rx packets 1 ' <<< "$out")" = 2 ] ||
			{ echo "$out"; fail "$h's stats do not show two members heard"; }
	done
}

cleanup() {
	mcg_netns_kill "${HOSTS[@]}"
	for h in "${HOSTS[@]}" $SW; do
		ip netns del "$h" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

ktap_main
