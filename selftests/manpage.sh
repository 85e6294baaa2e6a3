#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mcgctl(8)'s EXAMPLES, run as a reader would type them: the commands are
# read from the man page itself, so that page and program cannot drift
# apart.  "# CMD" runs as root on the local host, "remote# CMD" on a
# second host, "$ CMD" as a user's command; the lines after "# cat FILE"
# are that file; other lines are what the command before them prints,
# whose lines must each begin as the page says.
#
# What the page takes as given is made first: hosts with an eth0, the
# namespace blue, the user alice and the group chat, the key files it
# names but does not make.  Two stand-ins: ssh runs its command here, and
# a command that never ends by itself (monitor) is stopped after 3 s.
#
# Hosts: namespaces mcg-man-l (local) and mcg-man-r (remote), and blue.

. "$(dirname "$0")/lib.sh"

PAGE=$MCG_TOP/tools/mcgctl/mcgctl.8
L=mcg-man-l
R=mcg-man-r
TMP=$(mktemp -d)

# examples: the commands and output of the EXAMPLES section, one per
# line, groff escapes undone and continued lines joined.
examples() {
	awk '
		/^\.SH EXAMPLES/ { on = 1; next }
		/^\.SH / { on = 0 }
		on && /^\.nf/ { nf = 1; next }
		on && /^\.fi/ { nf = 0; next }
		on && nf {
			gsub(/\\-/, "-"); gsub(/\\e/, "\\")
			if (cont != "") { sub(/^ +/, ""); $0 = cont $0; cont = "" }
			if ($0 ~ /\\$/) { cont = substr($0, 1, length($0) - 1); next }
			print
		}' "$PAGE"
}

given() {
	local h
	modprobe overlay || fail "no overlayfs"
	mcg_overlay /etc && mcg_overlay /var/log || fail "overlays"
	groupadd chat && useradd -M -N -g chat alice || fail "alice and chat"
	mkdir -p /etc/mcg
	(umask 077 && "$MCGCTL" genkey > /etc/mcg/chat-1.key &&
		"$MCGCTL" genkey > /etc/mcg/chat-2.key) || fail "genkey"
	for h in $L $R blue; do
		mcg_netns_add $h || fail "netns $h"
		mkdir -p "$TMP/$h"
	done
	mcg_veth $L eth0 $R eth0 && mcg_veth blue eth0 $L blue0 || fail "links"
	# The stand-ins, ahead of the real ones in PATH.
	mkdir -p "$TMP/bin"
	printf '#!/bin/sh\nshift\nexec sh -c "$*"\n' > "$TMP/bin/ssh"
	chmod +x "$TMP/bin/ssh"
	ln -s "$MCGCTL" "$TMP/bin/mcgctl"
}

# on HOST CMD: CMD in HOST's directory, through bash, after what the
# reader's shell there keeps from earlier commands (umask).
declare -A SHELLSTATE
on() {
	local h=$1 cmd=$2 t=60
	case $cmd in *" monitor"*) t=3 ;; esac
	(cd "$TMP/$h" && PATH=$TMP/bin:$PATH timeout "$t" \
		ip netns exec "$h" bash -c "${SHELLSTATE[$h]:-}$cmd")
}

# expect_output FILE LINE...: each LINE's first word begins a line of FILE.
expect_output() {
	local f=$1 w
	shift
	for w in "$@"; do
		read -r w _ <<< "$w"
		grep -qE "^ *$w( |$)" "$f" || { cat "$f"; return 1; }
	done
}

test_the_examples_of_mcgctl_8_run_as_written() {
	local line cmd host rc n=0 file='' out=() prev=''
	given
	examples > "$TMP/examples"
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		'# '*|'remote# '*|'$ '*)
			if [ -n "$prev" ] && [ ${#out[@]} -gt 0 ]; then
				expect_output "$TMP/out" "${out[@]}" ||
					fail "'$prev' did not print what the page shows"
			fi
			out=()
			file=
			host=$L
			case $line in remote*) host=$R ;; esac
			case $line in *" -n blue "*) host=$L ;; esac
			cmd=${line#*[#$] }
			case $cmd in
			'cat '*) file=${cmd#cat } ;;
			'umask '*) SHELLSTATE[$host]+="$cmd; " ;;
			esac
			if [ -n "$file" ]; then
				: > "$file" || fail "cannot write $file"
				prev=$cmd
				continue
			fi
			echo "$host: $cmd"
			on "$host" "$cmd" > "$TMP/out" 2>&1
			rc=$?
			if [ $rc -ne 0 ] && ! { [ $rc = 124 ] && [[ $cmd == *" monitor"* ]]; }; then
				cat "$TMP/out"
				fail "'$cmd' failed ($rc)"
			fi
			n=$((n + 1))
			prev=$cmd
			;;
		*)
			if [ -n "$file" ]; then
				printf '%s\n' "$line" >> "$file"
			else
				out+=("$line")
			fi
			;;
		esac
	done < "$TMP/examples"
	if [ ${#out[@]} -gt 0 ]; then
		expect_output "$TMP/out" "${out[@]}" || fail "'$prev' did not print what the page shows"
	fi
	echo "$n commands run"
	[ $n -ge 10 ] || fail "only $n commands found in the page's EXAMPLES"
	# What they made: the key rotated, the peers set, blue configured.
	on $L "mcgctl -j show chat" | jq -e '.[0] | (.keys | map(.epoch) | sort) == [2, 3] and (.peers | map(.addr)) == ["2001:db8:7::5"]' >/dev/null ||
		{ on $L "mcgctl -j show chat"; fail "the local group is not as the examples leave it"; }
	on $R "mcgctl -j show chat" | jq -e '.[0] | (.peers | length) == 2' >/dev/null ||
		fail "the remote group has not its two peers"
	on blue "mcgctl -j show chat" | jq -e --argjson u "$(id -u alice)" --argjson g "$(getent group chat | cut -d: -f3)" '.[0] | .uid == $u and .gid == $g and (.keys | length) == 2' >/dev/null ||
		fail "blue's group is not as the batch file makes it"
}

cleanup() {
	local h
	mcg_netns_kill $L $R blue
	for h in $L $R blue; do
		ip netns del $h 2>/dev/null
	done
	umount /var/log /etc 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ktap_main
