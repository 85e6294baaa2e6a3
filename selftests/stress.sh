#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stress: several senders in several groups and many sockets, while groups
# are deleted and re-added, keys rotate, a namespace is deleted under
# traffic and the module is reloaded between rounds (MISSION.md, invariant
# 7; issue #5).  No oops, no leak, no message delivered twice, to the wrong
# group, from a sender other than the group's own, or one never sent.
#
# It runs in rounds until MCG_STRESS_SECONDS (default 60; 900 for a long
# run, with KTAP_TIMEOUT raised above it) have passed, then stops by
# itself; the last round's teardown and the checks come after that.  A
# round:
#
#   - loads the module (odd rounds with msgs_per_run=16, so that
#     every sender starts a new run about every second) and builds five
#     hosts, namespaces on a bridge;
#   - configures four groups, each with three senders and every other host
#     a member, and a decoy group on host 5 with group 11's address, port
#     and key but its own id (its datagrams reach every member of 11);
#   - runs mcg_stress on every host: each sender sends numbered messages
#     naming group, sender and sequence number; each member reads each of
#     its groups on MCG_STRESS_SOCKETS sockets (default 2: 40 sockets);
#     every host closes one of its sockets and opens it again about every
#     MCG_STRESS_CHURN_MS (default 500);
#   - meanwhile, one loop per group deletes and re-adds the group on one
#     host after another (at once, or after a pause) and rotates its key
#     (new epoch rxonly everywhere, then used, then the old one deleted;
#     the epochs take AES-GCM-256, ChaCha20-Poly1305, AES-GCM-128 in turn);
#     another deletes a host's namespace with its sockets open and traffic
#     in flight, waits for it to die and brings the host back; another
#     reads counters; and once a round the module is asked to unload with
#     sockets open, which must be refused -- by rmmod(8), and by
#     delete_module(2) with EAGAIN (EWOULDBLOCK), as the kernel refuses a
#     module that holds references -- traffic going on;
#   - stops: odd rounds (the first, all that a short run has) unload while
#     the namespaces and their groups are still there, racing with the
#     release of the last sockets; even rounds delete the namespaces, wait
#     for every one to die, then unload;
#   - checks the kernel log, and the receivers' logs against the senders'.
#
# A socket whose group is deleted gets ENODEV, reads what was queued, and
# mcg_stress binds a new socket (a new incarnation) once a group with that
# id exists again: the re-created group's messages are then right for it.
# So, per socket slot across all its incarnations, each message at most
# once: the deleted group's sockets are out of the new one (uapi.rst), and
# a datagram reaches a host once.
#
# MCG_STRESS_SEED replays the random choices (timing does not replay);
# MCG_STRESS_LOGS=DIR keeps the drivers' logs and every round's files
# there (mcg-vm --out DIR makes a host directory writable as $MCGVM_OUT);
# MCG_STRESS_RATE (messages a second per sending socket, default 10; two
# sockets of each sender send to each of its groups),
# MCG_STRESS_SOCKETS, MCG_STRESS_CHURN_MS and MCG_STRESS_ROUND (seconds of
# traffic per round; default a quarter of the budget, 15 to 45) tune it.
# Figures go out as diagnostics.  A long run, as CI does not run it:
#
#   tools/vm/mcg-vm --timeout 1500 -- env KTAP_TIMEOUT=1400 \
#       MCG_STRESS_SECONDS=900 selftests/ktap-run selftests/stress.sh

. "$(dirname "$0")/lib.sh"

STRESS=$MCG_TOP/selftests/mcg_stress
BUDGET=${MCG_STRESS_SECONDS:-60}
RATE=${MCG_STRESS_RATE:-10}
NSOCK=${MCG_STRESS_SOCKETS:-2}
SOCK_CHURN=${MCG_STRESS_CHURN_MS:-500}
SEED=${MCG_STRESS_SEED:-$((EPOCHSECONDS % 100000))}
# Traffic per round: a quarter of the budget, 15 s to 45 s.
ROUND=${MCG_STRESS_ROUND:-$(( BUDGET / 4 < 15 ? 15 : BUDGET / 4 > 45 ? 45 : BUDGET / 4 ))}
MIN_TRAFFIC=10		# seconds of traffic a round has at least
LATE=600		# a driver left behind ends this long after its round
# Liveness limits, not pass marks: a stock guest needs 1-2 s for each,
# a debug one sharing its cores has needed more than 60.
DEATH=300		# seconds a deleted namespace may take to die
UNLOAD=300		# seconds the module may stay held once its sockets close
BR=mcg-st-br
HOSTS="1 2 3 4 5"
GROUPS_ALL="11 12 13 14"
DECOY=99		# on host 5, with group 11's address, port and key
DECOY_HOST=5
TMP=$(mktemp -d)
RES=$TMP/results	# what the rounds found, for the cases after the first
KMEMLEAK=/sys/kernel/debug/kmemleak
umask 077

declare -A ADDR PORT MEMBERS SENDERS
ADDR[11]=ff05::5101; PORT[11]=6470; MEMBERS[11]="1 2 3 4"; SENDERS[11]="1 2 3"
ADDR[12]=ff05::5102; PORT[12]=6470; MEMBERS[12]="1 2 3 4 5"; SENDERS[12]="2 3 4"
ADDR[13]=ff05::5101; PORT[13]=6471; MEMBERS[13]="1 2 3 4 5"; SENDERS[13]="3 4 5"
ADDR[14]=ff02::5104; PORT[14]=6470; MEMBERS[14]="1 2 3 4 5"; SENDERS[14]="4 5 1"
ADDR[99]=${ADDR[11]}; PORT[99]=${PORT[11]}

ns() { echo "mcg-st-$1"; }
# A host's sender id in a group: the group's and the host's number.
sender_id() { echo $(( $1 * 100 + $2 )); }

# Every background process of ours ends with the case.
cleanup() {
	local p j
	for p in "$TMP"/r*/pid.*; do
		[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	for j in $(jobs -p); do
		kill "$j" 2>/dev/null
	done
	wait 2>/dev/null
	for h in $HOSTS; do
		ip netns del "$(ns "$h")" 2>/dev/null
	done
	ip netns del $BR 2>/dev/null
}

# gen D H: host H's generation in round dir D (empty once it is dead).
gen() { local v=; read -r v 2>/dev/null < "$1/alive.$2"; echo "$v"; }

# on D H GEN COMMAND...: run COMMAND in host H's namespace, its standard
# input ours.  A failure is an error only while H is still generation GEN:
# a host whose namespace goes meanwhile fails commands, and rightly.
# Nothing is done once the caller's "stop" time has come.
on() {
	local d=$1 h=$2 g=$3 out
	shift 3
	[ -z "${stop:-}" ] || [ "$EPOCHSECONDS" -lt "$stop" ] || return 2
	[ "$(gen "$d" "$h")" = "$g" ] || return 2
	out=$(ip netns exec "$(ns "$h")" "$@" 2>&1) && return 0
	[ "$(gen "$d" "$h")" = "$g" ] || return 2
	printf 'host %s: %s: %s\n' "$h" "${*:2}" "$out" | head -n 5 >> "$d/errors"
	return 1
}

# alg EPOCH: epochs take the algorithms in turn, from AES-GCM-256.
alg() {
	case $(($1 % 3)) in
	1) echo aes-gcm-256 ;;
	2) echo chacha20-poly1305 ;;
	*) echo aes-gcm-128 ;;
	esac
}

# round_of D: the number of round directory D.
round_of() { echo "${1##*/r}"; }

# add_cmds GROUP HOST D: mcg_stress -N's commands that create GROUP on
# HOST with the group's current key.  Re-creating a group with its id and
# sender id is a restart of that sender: a new run.
add_cmds() {
	local g=$1 h=$2 d=$3 e
	read -r e < "$d/epoch.$g"
	echo "add g$g $g ${ADDR[$g]} ${PORT[$g]} eth0 $(sender_id "$g" "$h")"
	echo "key g$g $e $d/key.$g.$e $(alg "$e")"
}

decoy_cmds() {
	echo "add decoy $DECOY ${ADDR[$DECOY]} ${PORT[$DECOY]} eth0 $(sender_id $DECOY $DECOY_HOST)"
	echo "key decoy 1 $1/key.11.1 $(alg 1)"
}

# driver_args H [S]: mcg_stress's -S and -R for host H; only -S with S.
driver_args() {
	local h=$1 g
	for g in $GROUPS_ALL $DECOY; do
		[[ " ${SENDERS[$g]:-$DECOY_HOST} " != *" $h "* ]] || printf -- '-S %s ' "$g"
		[[ " ${MEMBERS[$g]:-$DECOY_HOST} " != *" $h "* ]] || [ -n "${2:-}" ] ||
			printf -- '-R %s ' "$g"
	done
}

# start_driver D H GEN STOP: mcg_stress in host H until the round stops it
# (or LATE seconds after STOP, should nobody), its log in D/log.H.GEN; and a
# second process that only sends, to the same groups, so that two sockets
# of the host send to each group at once, log D/log.H.GENs.
start_driver() {
	local d=$1 h=$2 g=$3 stop=$4
	# shellcheck disable=SC2046	# one word an argument
	ip netns exec "$(ns "$h")" "$STRESS" -l "h$h.$g" -r "$RATE" -s "$NSOCK" -c "$SOCK_CHURN" \
		-x $((SEED + 100 * $(round_of "$d") + h * 1000 + g)) \
		-d $((stop - EPOCHSECONDS + LATE)) $(driver_args "$h") \
		> "$d/log.$h.$g" 2> "$d/log.$h.$g.err" &
	echo $! > "$d/pid.$h"
	# shellcheck disable=SC2046
	ip netns exec "$(ns "$h")" "$STRESS" -l "h$h.${g}s" -r "$RATE" -c "$SOCK_CHURN" \
		-x $((SEED + 100 * $(round_of "$d") + h * 1000 + g + 500)) \
		-d $((stop - EPOCHSECONDS + LATE)) \
		$(driver_args "$h" s) > "$d/log.$h.${g}s" 2> "$d/log.$h.${g}s.err" &
	echo $! > "$d/pid.${h}s"
}

# stop_pid FILE: SIGTERM the process whose pid FILE holds, wait for it.
stop_pid() {
	local p
	p=$(cat "$1" 2>/dev/null) || return 0
	kill -TERM "$p" 2>/dev/null
	for _ in $(seq 1200); do
		kill -0 "$p" 2>/dev/null || { rm -f "$1"; return 0; }
		sleep 0.05
	done
	echo "pid $p did not stop in 60 s" >> "$(dirname "$1")/errors"
	kill -KILL "$p" 2>/dev/null
	rm -f "$1"
}

# add_host H: a fresh namespace for host H, plugged into the bridge as
# mcg_bridge_hosts plugs them, up with its link-local address.
add_host() {
	local n
	n=$(ns "$1")
	mcg_bridge_plug $BR "$n" || return 1
	for _ in $(seq 100); do
		ip -n "$n" -6 addr show dev eth0 scope link | grep -q inet6 && return 0
		sleep 0.1
	done
	return 1
}

# port_gone H: host H's namespace is dead: its veth, the bridge's port
# named after it, went with it.
port_gone() { ! ip -n $BR link show "$(ns "$1")" > /dev/null 2>&1; }

event() { echo "$2" >> "$1/events"; }

# churn D GROUP STOP: until STOP, delete and re-add GROUP on one member
# after another, sometimes leaving it away a while, and rotate its key;
# and configure it on hosts that (re)appear.  The only writer of GROUP's
# configuration, so its key state needs no lock.
churn() {
	local d=$1 g=$2 stop=$3 h k e new members gens cmds
	RANDOM=$((SEED + 100 * $(round_of "$d") + g))
	read -r -a members <<< "${MEMBERS[$g]}"
	while [ "$EPOCHSECONDS" -lt "$stop" ]; do
		# Hosts born since we looked get the group, and those where
		# re-creating it failed get it again.
		for h in "${members[@]}"; do
			k=$(gen "$d" "$h")
			[ -n "$k" ] && [ ! -e "$d/cfg.$g.$h.$k" ] || continue
			printf 'del? g%s\n%s\n' "$g" "$(add_cmds "$g" "$h" "$d")" |
				on "$d" "$h" "$k" "$STRESS" -N && : > "$d/cfg.$g.$h.$k"
		done
		case $((RANDOM % 6)) in
		0|1|2|3)	# re-create on one member, at once or after a pause
			h=${members[RANDOM % ${#members[@]}]}
			k=$(gen "$d" "$h")
			[ -n "$k" ] && [ -e "$d/cfg.$g.$h.$k" ] || continue
			# Back to back in one process, or a while away.
			cmds="del g$g"
			if [ $((RANDOM % 3)) = 0 ]; then
				echo "$cmds" | on "$d" "$h" "$k" "$STRESS" -N &&
					sleep "0.$((RANDOM % 10))" && cmds=
			fi
			if printf '%s\n%s\n' "$cmds" "$(add_cmds "$g" "$h" "$d")" |
			   on "$d" "$h" "$k" "$STRESS" -N; then
				event "$d" "recreate $g $h"
			else
				rm -f "$d/cfg.$g.$h.$k"
			fi
			;;
		4)		# rotate: rxonly everywhere, use, delete the old
			e=$(cat "$d/epoch.$g")
			new=$((e + 1))
			"$MCGCTL" genkey "$(alg $new)" > "$d/key.$g.$new"
			# The members that have the group; one born meanwhile
			# gets the new key when it is configured, after this.
			gens=()
			for h in "${members[@]}"; do
				k=$(gen "$d" "$h")
				[ -e "$d/cfg.$g.$h.$k" ] || k=
				gens+=("$k")
			done
			for h in "${!members[@]}"; do
				[ -n "${gens[h]}" ] && on "$d" "${members[h]}" "${gens[h]}" \
					"$MCGCTL" key add "g$g" epoch $new alg "$(alg $new)" \
					keyfile "$d/key.$g.$new" rxonly
			done
			for h in "${!members[@]}"; do
				[ -n "${gens[h]}" ] && on "$d" "${members[h]}" "${gens[h]}" \
					"$MCGCTL" key use "g$g" epoch $new
			done
			for h in "${!members[@]}"; do
				[ -n "${gens[h]}" ] && on "$d" "${members[h]}" "${gens[h]}" \
					"$MCGCTL" key del "g$g" epoch "$e"
			done
			echo $new > "$d/epoch.$g"
			event "$d" "rotate $g $new"
			;;
		5)		# a pause
			;;
		esac
		sleep "0.$((RANDOM % 10))"
	done
}

# readers D STOP: counters and configuration read while they change.
readers() {
	local d=$1 stop=$2 h k
	while [ "$EPOCHSECONDS" -lt "$stop" ]; do
		h=$((RANDOM % 5 + 1))
		k=$(gen "$d" "$h")
		[ -n "$k" ] && ip netns exec "$(ns "$h")" bash -c \
			"'$MCGCTL' -j stats > /dev/null; '$MCGCTL' -j show > /dev/null" 2>/dev/null
		sleep 0.3
	done
}

# received D: messages received so far in round D (logs are flushed
# every 200 ms).
# shellcheck disable=SC2046	# one file a word
received() { grep -ch '^R' $(logs "$1") | awk '{ n += $1 } END { print n + 0 }'; }
more_received() { [ "$(received "$1")" -gt "$2" ]; }

# unload_busy D: with every host's sockets open, unloading is refused --
# by rmmod(8), and by the kernel itself -- and traffic goes on.
unload_busy() {
	local d=$1 out
	read -r out < /sys/module/mcg/refcnt
	[ "$out" -gt 0 ] || { echo "no AF_MCG socket open for the unload to be refused" >> "$d/errors"; return; }
	out=$(rmmod mcg 2>&1) && { echo "rmmod succeeded with sockets open" >> "$d/errors"; return; }
	echo "rmmod: $out" >> "$d/rmmod_busy"
	out=$("$STRESS" -U) && { echo "delete_module succeeded with sockets open" >> "$d/errors"; return; }
	echo "delete_module: $out" >> "$d/rmmod_busy"
	[ "$out" = "refused EAGAIN" ] ||
		echo "delete_module with sockets open: '$out', not EAGAIN (EWOULDBLOCK)" >> "$d/errors"
	mcg_loaded || { echo "the module went with sockets open" >> "$d/errors"; return; }
	wait_until 60 more_received "$d" "$(received "$d")" ||
		echo "no message received in the 60 s after the refused unload" >> "$d/errors"
	event "$d" "unload-refused"
}

# kill_host D H: delete host H's namespace while its sockets are open and
# traffic flows, end its driver, wait for the namespace to die, bring the
# host back (same sender ids: a restart) and start a driver there.
kill_host() {
	local d=$1 h=$2 stop=$3 k t0
	k=$(gen "$d" "$h")
	[ -n "$k" ] || return 0
	rm -f "$d/alive.$h"
	ip netns del "$(ns "$h")"
	# Its driver keeps the namespace alive, sending and receiving.
	sleep "0.$((RANDOM % 10))"
	kill -TERM "$(cat "$d/pid.${h}s")" 2>/dev/null
	stop_pid "$d/pid.$h"
	stop_pid "$d/pid.${h}s"
	t0=$(date +%s%N)
	if ! wait_until $DEATH port_gone "$h"; then
		echo "host $h's namespace still alive $DEATH s after its last process" >> "$d/errors"
		return 1
	fi
	event "$d" "netns-deleted $h $(( ($(date +%s%N) - t0) / 1000000 ))"
	[ "$EPOCHSECONDS" -lt $((stop - 3)) ] || return 0
	add_host "$h" || { echo "host $h: cannot re-create" >> "$d/errors"; return 1; }
	echo $((k + 1)) > "$d/alive.$h"
	[ "$h" != $DECOY_HOST ] || decoy_cmds "$d" | on "$d" "$h" $((k + 1)) "$STRESS" -N
	start_driver "$d" "$h" $((k + 1)) "$stop"
}

# chaos D STOP: a host's namespace deleted at 20 to 35% of the traffic
# (its rebirth takes a few seconds), then a refused unload, and more
# namespaces deleted while time is left.  The drivers run until the round
# stops them, after this returns.
chaos() {
	local d=$1 stop=$2 start len
	start=$EPOCHSECONDS
	len=$((stop > start ? stop - start : 1))
	RANDOM=$((SEED + 100 * $(round_of "$d") + 7))
	sleep_until $((start + len / 5 + RANDOM % (len * 15 / 100 + 1)))
	kill_host "$d" $((RANDOM % 5 + 1)) "$stop"
	unload_busy "$d"
	while [ $((EPOCHSECONDS + 15)) -lt "$stop" ]; do
		sleep $((3 + RANDOM % 5))
		kill_host "$d" $((RANDOM % 5 + 1)) "$stop"
	done
}

sleep_until() {
	local t
	t=$(( $1 - $EPOCHSECONDS ))
	[ $t -le 0 ] || sleep $t
}

# counters D: the sum over host H's groups and namespace of every counter,
# for the hosts alive now (deleted groups take theirs with them).
counters() {
	local d=$1 h k
	for h in $HOSTS; do
		k=$(gen "$d" "$h")
		[ -n "$k" ] || continue
		ip netns exec "$(ns "$h")" "$MCGCTL" -j stats 2>/dev/null
	done | jq -rs '[.[] | (.namespace // {}), .groups[] | to_entries[]
			| select(.value | type == "number") | select(.key != "id")]
		| group_by(.key) | map("\(.[0].key)=\(map(.value) | add)") | join(" ")'
}

# logs D: the drivers' logs of round D (log.HOST.GENERATION[s]).
logs() {
	local f
	for f in "$1"/log.*; do
		[[ $f == *.err ]] || echo "$f"
	done
}

# check D [RACING]: the receivers' logs against the senders'.  Prints figures as
# NAME=VALUE, the send failures by errno, "--", and examples of what went
# wrong, each named by what the checks call it.
check() {
	local d=$1 racing=${2:-0} senders g h
	senders=$(for g in $GROUPS_ALL $DECOY; do
		for h in ${SENDERS[$g]:-$DECOY_HOST}; do printf '%s.%s ' "$g" "$h"; done
	done)
	# shellcheck disable=SC2046	# one file a word
	awk -v senders="$senders" -v racing="$racing" '
	BEGIN {
		n = split(senders, s, " ")
		for (i = 1; i <= n; i++) { split(s[i], gh, "."); sender[gh[1], gh[2]] = 1 }
	}
	FNR == 1 {
		n = split(FILENAME, f, "/"); split(f[n], part, ".")
		file = "h" part[2] "." part[3]
		if (p == 1) { files++; nox[file] = 1 }
	}
	function bad(what, line) {
		v[what]++
		if (ex[what]++ < 5) examples = examples what ": " file ": " line "\n"
	}
	p == 1 && $1 == "X" { delete nox[file]; cpu += $3 + $4 }
	p == 1 && $1 == "C" { closed++ }
	p == 1 && $1 == "F" { failed[file, $2, $3] = 1; ferr[$4]++ }
	p == 1 && $1 == "L" { last[file, $2] = $3; sent += $3 - $4; tried += $3 }
	p == 1 && $1 == "B" { if ($3 >= 0) binds++; else sbinds++ }
	# A driver with no socket open does not hold the module: when the
	# round unloads it under the drivers, socket() fails.
	p == 1 && $1 == "W" && !(racing && $4 == "EAFNOSUPPORT") { bad("bind-error", $0) }
	p == 1 { next }
	$1 == "E" {
		if ($5 != "ENODEV")
			bad("recv-error", $0)
		enodev++
		gone[file, $2, $3, $4] = 1
	}
	$1 != "R" { next }
	{
		recv++
		if ((file, $2, $3, $4) in gone)
			drained++	# queued before its group went
		if ($10 != "OK") { bad("corrupt", $0); next }
		g = $2; tg = $7; th = $8; ts = $9
		split(th, hp, "."); hn = substr(hp[1], 2)
		if (tg != g)
			bad("misdelivered", $0)
		if ($5 != g * 100 + hn || !((g, hn) in sender))
			bad("wrong-sender", $0)
		if (!((th, tg) in last))
			bad("unaccounted", $0)
		else if (ts < 1 || ts > last[th, tg] || (th, tg, ts) in failed)
			bad("never-sent", $0)
		# Per socket slot, whatever its incarnation: at most once.
		k = file SUBSEP g SUBSEP $3 SUBSEP th SUBSEP ts
		if (k in seen) { bad("duplicate", $0); next }
		seen[k] = 1
		# Per socket incarnation and sender: the range it heard.
		st = file SUBSEP g SUBSEP $3 SUBSEP $4 SUBSEP th SUBSEP tg
		if (!(st in cnt)) { lo[st] = ts; hi[st] = ts }
		cnt[st]++
		got[st, ts] = 1
		if (ts < hi[st]) reorder++
		if (ts < lo[st]) lo[st] = ts
		if (ts > hi[st]) hi[st] = ts
	}
	END {
		for (x in nox)
			bad("no-exit-line", x)
		# Lost while bound: what a socket missed between the first and the
		# last message it got from a sender, that was sent, and that no
		# other incarnation of its slot got either (a message the network
		# delays can come after the next one, to the next incarnation).
		for (st in cnt) {
			split(st, q, SUBSEP)
			m = hi[st] - lo[st] + 1 - cnt[st]
			for (i = lo[st]; i <= hi[st] && m > 0; i++) {
				if ((st, i) in got)
					continue
				if ((q[5], q[6], i) in failed || (q[1], q[2], q[3], q[5], i) in seen)
					m--
				else if (nlost++ < 5)
					examples = examples "lost: " q[1] ": socket " q[3] " of group " q[2] " (incarnation " q[4] ") missed " q[5] " seq " i "\n"
			}
			lost += m
		}
		printf "logs=%d tried=%d sent=%d received=%d lost=%d reordered=%d binds=%d sender_binds=%d closed=%d enodev=%d drained=%d driver_cpu=%.1f",
			files, tried, sent, recv, lost, reorder, binds, sbinds, closed, enodev, drained, cpu
		for (w in v) printf " %s=%d", w, v[w]
		printf "\nsend failures:"
		for (e in ferr) printf " %s=%d", e, ferr[e]
		printf "\n--\n%s", examples
	}
	' p=1 $(logs "$d") p=2 $(logs "$d")
}

# term_all D: SIGTERM to every driver at once.
term_all() {
	local p pids=()
	for p in "$1"/pid.*; do
		[ -e "$p" ] && read -r p < "$p" && pids+=("$p")
	done
	[ ${#pids[@]} = 0 ] || kill -TERM "${pids[@]}" 2>/dev/null
}

# stop_all D: end every driver and wait for each.
stop_all() {
	local p
	term_all "$1"
	for p in "$1"/pid.*; do
		[ -e "$p" ] && stop_pid "$p"
	done
}

# delete_hosts D: delete every namespace, and wait for each host's to die.
delete_hosts() {
	local h
	for h in $HOSTS; do ip netns del "$(ns "$h")" 2>/dev/null; done
	for h in $HOSTS; do
		wait_until $DEATH port_gone "$h" ||
			echo "host $h's namespace still alive $DEATH s after the end" >> "$1/errors"
	done
	ip netns del $BR
}

# nev D WHAT: how many events WHAT round D had.
nev() { grep -c "^$2" "$1/events"; }

# round N STOP: one round, traffic until STOP.  Fails only when it cannot
# set up; what goes wrong later is in its errors file and its logs.
round() {
	local r=$1 deadline=$2 d=$TMP/r$1 params="" h g cmds churners=() rp t0 out n ms at
	local t_start=$SECONDS t_topo t_traffic t_stop stop
	mkdir -p "$d"
	[ $((r % 2)) = 1 ] && params="msgs_per_run=16"
	: > "$d/events"
	: > "$d/errors"
	# shellcheck disable=SC2086	# no parameter, or one
	mcg_load $params
	dmesg_mark
	# shellcheck disable=SC2046	# one namespace a word
	mcg_bridge_hosts $BR $(for h in $HOSTS; do ns "$h"; done) > "$d/setup" 2>&1 ||
		{ cat "$d/setup"; fail "round $r: topology"; }
	t_topo=$SECONDS
	for g in $GROUPS_ALL; do
		"$MCGCTL" genkey "$(alg 1)" > "$d/key.$g.1"
		echo 1 > "$d/epoch.$g"
	done
	for h in $HOSTS; do
		echo 1 > "$d/alive.$h"
		cmds=$(for g in $GROUPS_ALL; do
			[[ " ${MEMBERS[$g]} " != *" $h "* ]] || add_cmds "$g" "$h" "$d"
		done; [ "$h" != $DECOY_HOST ] || decoy_cmds "$d")
		on "$d" "$h" 1 "$STRESS" -N <<< "$cmds" ||
			{ cat "$d/errors"; fail "round $r: configuring host $h"; }
		for g in $GROUPS_ALL; do : > "$d/cfg.$g.$h.1"; done
	done
	# Traffic first, then the churn, all until STOP: ROUND seconds from
	# now, or the deadline, but at least MIN_TRAFFIC.  A round ends by
	# the deadline unless its setup took longer than the budget allowed.
	for h in $HOSTS; do
		start_driver "$d" "$h" 1 $((EPOCHSECONDS + (ROUND > MIN_TRAFFIC ? ROUND : MIN_TRAFFIC) + 5))
	done
	t_traffic=$SECONDS
	echo $((t_traffic - t_start)) > "$d/setup_s"
	sleep 2
	stop=$((EPOCHSECONDS + ROUND))
	[ $stop -le "$deadline" ] || stop=$deadline
	[ $stop -ge $((EPOCHSECONDS + MIN_TRAFFIC)) ] || stop=$((EPOCHSECONDS + MIN_TRAFFIC))
	for g in $GROUPS_ALL; do
		churn "$d" "$g" "$stop" >> "$d/loops" 2>&1 &
		churners+=($!)
	done
	readers "$d" "$stop" >> "$d/loops" 2>&1 &
	churners+=($!)
	chaos "$d" "$stop" >> "$d/loops" 2>&1
	wait "${churners[@]}"
	t_stop=$SECONDS
	# Every driver ran to the end: none died, none timed out.
	for h in "$d"/pid.*; do
		read -r rp < "$h"
		kill -0 "$rp" 2>/dev/null ||
			echo "driver ${h##*/pid.} (pid $rp) ended before its round did" >> "$d/errors"
	done
	counters "$d" > "$d/counters"

	if [ $((r % 2)) = 0 ]; then
		# Every socket closed, every namespace dead: rmmod(8) works
		# once the sockets' memory is gone, after a grace period.
		stop_all "$d"
		delete_hosts "$d"
		t0=$(date +%s%N)
		wait_until $UNLOAD eval '[ "$(cat /sys/module/mcg/refcnt)" = 0 ]' ||
			echo "module still held $UNLOAD s after the last socket: $(cat /sys/module/mcg/refcnt)" >> "$d/errors"
		if out=$(rmmod mcg 2>&1); then
			echo "rmmod $(( ($(date +%s%N) - t0) / 1000000 )) ms after the namespaces died" > "$d/unload"
		else
			echo "rmmod after the sockets closed: $out" >> "$d/errors"
		fi
	else
		# delete_module(2) in a loop, every driver told to stop at once:
		# the module goes as soon as the kernel lets it, with every
		# group still configured and their counters being read.
		touch "$d/unloading"
		while [ -e "$d/unloading" ]; do
			for h in $HOSTS; do
				ip netns exec "$(ns "$h")" "$MCGCTL" -j stats > /dev/null 2>&1
			done
		done &
		rp=$!
		"$STRESS" -U -w $UNLOAD > "$d/unload" &
		t0=$!
		sleep 0.2
		term_all "$d"
		if wait $t0; then
			# When the last driver exited, its sockets closed.
			read -r _ n ms at < "$d/unload"
			# shellcheck disable=SC2046	# one file a word
			t0=$(awk '$1 == "X" && $5 > m { m = $5 } END { printf "%.0f\n", m }' $(logs "$d"))
			if [ "$t0" -gt 0 ]; then
				t0="$((at - t0)) ms after the last driver exited"
			else
				t0="no driver's exit logged yet"
			fi
			echo "delete_module in a loop from just before SIGTERM to every driver:" \
			     "unloaded at attempt $n after $ms ms, $t0" > "$d/unload"
		else
			echo "delete_module for $UNLOAD s from just before SIGTERM to every driver: $(cat "$d/unload")" >> "$d/errors"
		fi
		rm -f "$d/unloading"
		wait $rp
		stop_all "$d"
		delete_hosts "$d"
	fi
	wait 2>/dev/null
	if mcg_loaded; then
		echo "mcg still loaded after the round" >> "$d/errors"
		rmmod mcg 2>/dev/null
	fi
	grep -E '^(Slab|Percpu):' /proc/meminfo | tr -s ' ' | tr '\n' ' ' > "$d/meminfo"
	(dmesg_check_clean) > "$d/dmesg.bad" 2>&1 && rm -f "$d/dmesg.bad"

	check "$d" $((r % 2)) > "$d/check"
	echo "round $r: module ${params:-with defaults}; $((t_traffic - t_start)) s setup ($((t_topo - t_start)) s load and topology), $((t_stop - t_traffic)) s traffic, $((SECONDS - t_stop)) s teardown and checks"
	echo "round $r: $(sed -n 1p "$d/check")"
	echo "round $r: $(sed -n 2p "$d/check")"
	echo "round $r: $(nev "$d" recreate) group re-creations, $(nev "$d" rotate) rotations," \
	     "$(nev "$d" netns-deleted) namespaces deleted$(awk '/^netns-deleted/ { printf "%s%s ms", s ? ", " : " (dead in ", $3; s = 1 } END { if (s) printf ")" }' "$d/events")," \
	     "$(nev "$d" unload-refused) unload refused"
	echo "round $r: $(cat "$d/unload" 2>/dev/null)"
	echo "round $r: counters of the groups alive at the end: $(cat "$d/counters")"
	echo "round $r: after unload: $(cat "$d/meminfo")"
	[ ! -s "$d/rmmod_busy" ] || sed "s/^/round $r: with sockets open: /" "$d/rmmod_busy"
	sed -n '4,$p' "$d/check" | sed "s/^/round $r: /"
	[ ! -s "$d/errors" ] || sed "s/^/round $r: error: /" "$d/errors" | head -n 20
	echo "$r" >> "$RES/rounds"
}

# -- 1 ------------------------------------------------------------------

test_rounds_of_churn_under_traffic() {
	local start deadline r=0 setup fail_rounds=""
	trap cleanup EXIT
	mkdir -p "$RES"
	start=$EPOCHSECONDS
	deadline=$((start + BUDGET))
	echo "seed $SEED, $BUDGET s, $ROUND s of traffic a round, $RATE messages/s per sending socket (two per sender and group), $NSOCK sockets per member and group"
	mcg_unload
	# What kmemleak knew before is not ours (the last case scans).
	[ ! -w $KMEMLEAK ] || echo clear > $KMEMLEAK
	# Another round only if it can set up (as long as the last did) and
	# have its MIN_TRAFFIC before the deadline.
	while [ $r = 0 ] || [ $(( $EPOCHSECONDS + setup + MIN_TRAFFIC )) -le $deadline ]; do
		r=$((r + 1))
		round $r $deadline || fail "round $r"
		setup=$(cat "$TMP/r$r/setup_s")
		[ ! -s "$TMP/r$r/errors" ] || fail_rounds+=" $r"
	done
	echo "$r rounds, $r reloads, in $(( $EPOCHSECONDS - start )) s"
	mcg_load
	[ -z "$fail_rounds" ] || fail "errors in round(s)$fail_rounds"
}

# The cases below read what the rounds wrote.

# figure R NAME: a figure of round R's check.
figure() { head -n 1 "$TMP/r$1/check" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# have_rounds: fail the case unless the first case completed a round.
have_rounds() { [ -s "$RES/rounds" ] || fail "no round completed"; }
rounds() { cat "$RES/rounds"; }

# none_of NAME...: no round found any of these.
none_of() {
	local r w v bad=0
	have_rounds
	for r in $(rounds); do
		[ "$(figure "$r" received)" -gt 0 ] || { echo "round $r: nothing received"; bad=1; }
		for w in "$@"; do
			v=$(figure "$r" "$w")
			[ -z "$v" ] && continue
			echo "round $r: $w=$v"
			grep "^$w: " "$TMP/r$r/check"
			bad=1
		done
	done
	[ $bad = 0 ]
}

test_no_message_delivered_twice() {
	none_of duplicate || fail "a socket slot got a message twice"
}

test_every_message_names_its_sockets_group() {
	none_of misdelivered || fail "a socket got another group's message"
}

test_sender_ids_are_the_groups_senders() {
	none_of wrong-sender || fail "recvfrom() gave a sender id the group does not have"
}

test_only_sent_messages_arrive_intact() {
	none_of corrupt never-sent unaccounted recv-error bind-error no-exit-line ||
		fail "a message was corrupt or never sent, or a driver failed"
}

test_unload_refused_while_sockets_are_open() {
	local r bad=0
	have_rounds
	for r in $(rounds); do
		grep -q '^delete_module: refused EAGAIN$' "$TMP/r$r/rmmod_busy" 2>/dev/null ||
			{ echo "round $r: $(cat "$TMP/r$r/rmmod_busy" 2>/dev/null)"; bad=1; }
	done
	[ $bad = 0 ] || fail "unload not refused with EAGAIN while sockets were open"
}

test_unload_succeeds_once_the_sockets_are_closed() {
	local r bad=0
	have_rounds
	for r in $(rounds); do
		[ -s "$TMP/r$r/unload" ] || { echo "round $r: no unload"; bad=1; }
		grep -h 'unload\|rmmod\|module' "$TMP/r$r/errors" && bad=1
		sed "s/^/round $r: /" "$TMP/r$r/unload" 2>/dev/null
	done
	[ $bad = 0 ] || fail "the module did not unload"
}

test_deleted_namespaces_die() {
	local r bad=0 n=0
	have_rounds
	for r in $(rounds); do
		n=$((n + $(grep -c '^netns-deleted' "$TMP/r$r/events")))
		grep -h 'namespace still alive' "$TMP/r$r/errors" && bad=1
	done
	echo "$n namespaces deleted under traffic"
	[ $bad = 0 ] || fail "a namespace did not die"
	[ $n -gt 0 ] || fail "no namespace was deleted under traffic"
}

test_kernel_log_clean() {
	local r bad=0 report
	have_rounds
	for r in $(rounds); do
		[ -s "$TMP/r$r/dmesg.bad" ] && { sed "s/^/round $r: /" "$TMP/r$r/dmesg.bad"; bad=1; }
	done
	[ $bad = 0 ] || fail "the kernel log has warnings"
}

# Every module instance of the rounds is gone: what they allocated and
# nothing references any more is a leak.
test_no_leak() {
	have_rounds
	mcg_kmemleak_check
}

trap 'cleanup; [ -z "${MCG_STRESS_LOGS:-}" ] || cp -r "$TMP"/. "$MCG_STRESS_LOGS"; rm -rf "$TMP"' EXIT
ktap_main
