#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The control plane as an operator drives it: every mcgctl verb, and every
# refusal with the kernel's own words, in a namespace of its own.

. "$(dirname "$0")/lib.sh"

NS=mcgctl-t
KEYS=$(mktemp -d)

# mcgctl inside the test namespace.
M() { ip netns exec $NS "$MCGCTL" "$@"; }

# The command must fail, and its error must contain the text given.
refused() {
	local want=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "$out"
		fail "accepted: $*"
	fi
	if ! grep -qF -- "$want" <<< "$out"; then
		echo "$out"
		fail "'$*' did not say '$want'"
	fi
}

jqv() { M -j show "$1" | jq -r ".[0].$2"; }

setup_ns() {
	ip netns del $NS 2>/dev/null
	ip netns add $NS &&
	ip -n $NS link add veth0 type veth peer name veth1 &&
	ip -n $NS link set veth0 up &&
	ip -n $NS link set veth1 up
}

genkey() {	# genkey FILE [ALG]; a new file, as an old one keeps its mode
	rm -f "$1"
	(umask 077 && M genkey ${2:+"$2"} > "$1")
}

test_group_add_with_every_option() {
	setup_ns || fail "namespace setup"
	mcg_load
	run M group add chat addr ff35::4242 dev veth0 port 7000 id 42 sender 7 \
		source 2001:db8::1 source 2001:db8::2 hoplimit 8 window 2048 \
		owner nobody group nogroup mode 0640
	j=$(M -j show chat) || fail "show chat failed"
	echo "$j" | jq -e '
		length == 1 and .[0].name == "chat" and .[0].id == 42 and
		.[0].addr == "ff35::4242" and .[0].port == 7000 and
		.[0].dev == "veth0" and (.[0].ifindex | type) == "number" and
		.[0].sources == ["2001:db8::1", "2001:db8::2"] and
		.[0].hoplimit == 8 and .[0].window == 2048 and .[0].sender == 7 and
		.[0].uid == 65534 and .[0].gid == 65534 and .[0].mode == "0640" and
		.[0].keys == [] and .[0].tx_epoch == 0' >/dev/null ||
		{ echo "$j"; fail "JSON does not match what was configured"; }
	out=$(M show chat)
	for w in chat ff35::4242 7000 veth0 2001:db8::2 2048 nobody 0640; do
		grep -qF -- "$w" <<< "$out" || { echo "$out"; fail "show lacks '$w'"; }
	done
}

test_group_defaults() {
	setup_ns || fail "namespace setup"
	run M group add g addr ff05::4242 dev veth0
	[ "$(jqv g port)" = 6470 ] || fail "default port $(jqv g port)"
	[ "$(jqv g hoplimit)" = 1 ] || fail "default hoplimit"
	[ "$(jqv g window)" = 1024 ] || fail "default window"
	[ "$(jqv g mode)" = 0660 ] || fail "default mode $(jqv g mode)"
	[ "$(jqv g uid)" = 0 ] && [ "$(jqv g gid)" = 0 ] || fail "default owner"
	[ "$(jqv g id)" = 1 ] || fail "first id $(jqv g id)"
	s=$(jqv g sender)
	[ -n "$s" ] && [ "$s" != 0 ] && [ "$s" != null ] || fail "sender '$s'"
	[ "$(jqv g tx_epoch_auto)" = true ] || fail "not following the newest key"
}

test_group_ids_are_unique_and_allocated() {
	setup_ns || fail "namespace setup"
	run M group add a addr ff05::1:1 dev veth0 id 2
	run M group add b addr ff05::1:2 dev veth0
	run M group add c addr ff05::1:3 dev veth0
	[ "$(jqv a id) $(jqv b id) $(jqv c id)" = "2 1 3" ] ||
		fail "ids $(jqv a id) $(jqv b id) $(jqv c id)"
	refused "a group with this id exists" M group add d addr ff05::1:4 dev veth0 id 3
	refused "a group with this name exists" M group add a addr ff05::1:5 dev veth0
	[ "$(M -j show | jq length)" = 3 ] || fail "a refused add changed the table"
}

test_bad_groups_are_refused_and_change_nothing() {
	setup_ns || fail "namespace setup"
	refused "not IPv6 multicast" M group add x addr 2001:db8::1 dev veth0
	refused "reserved multicast scope" M group add x addr ff00::1234 dev veth0
	refused "reserved multicast scope" M group add x addr ff0f::1234 dev veth0
	refused "reserved multicast scope" M group add x addr ff03::1234 dev veth0
	refused "interface-local" M group add x addr ff01::1234 dev veth0
	refused "all-nodes" M group add x addr ff02::1 dev veth0
	refused "all-nodes" M group add x addr ff05::2 dev veth0
	refused "solicited-node" M group add x addr ff02::1:ff00:1234 dev veth0
	refused "needs a source" M group add x addr ff35::1234 dev veth0
	refused "must be unicast" M group add x addr ff05::4242 dev veth0 source ff05::1
	refused "duplicate source" M group add x addr ff05::4242 dev veth0 \
		source 2001:db8::1 source 2001:db8::1
	srcs=()
	for i in $(seq 9); do srcs+=(source "2001:db8::$i"); done
	refused "at most 8 sources" M group add x addr ff05::4242 dev veth0 "${srcs[@]}"
	refused "no interface" M group add x addr ff05::4242 dev nosuch0
	refused "does not do multicast" M group add x addr ff05::4242 dev lo
	refused "multiple of 64" M group add x addr ff05::4242 dev veth0 window 1100
	refused "range" M group add x addr ff05::4242 dev veth0 window 512
	refused "range" M group add x addr ff05::4242 dev veth0 window 131072
	refused "name" M group add 'a/b' addr ff05::4242 dev veth0
	refused "" M group add abcdefghijklmnop addr ff05::4242 dev veth0
	refused "" M group add x addr ff05::4242 dev veth0 hoplimit 0
	refused "" M group add x addr ff05::4242 dev veth0 mode 1777
	refused "" M group add x addr ff05::4242 dev veth0 port 0
	refused "" M group add x addr not-an-address dev veth0
	refused "" M group add x dev veth0
	[ "$(M -j show | jq length)" = 0 ] || fail "a refused add left a group"
}

test_group_set_and_del() {
	setup_ns || fail "namespace setup"
	run M group add g addr ff05::4242 dev veth0
	run M group set g hoplimit 5 window 4096 mode 0600 owner 1000 group 1000
	[ "$(jqv g hoplimit) $(jqv g window) $(jqv g mode) $(jqv g uid) $(jqv g gid)" = \
	  "5 4096 0600 1000 1000" ] || { M -j show g; fail "set did not apply"; }
	refused "multiple of 64" M group set g window 1100
	[ "$(jqv g window)" = 4096 ] || fail "a refused set changed the window"
	refused "no group with this name" M group set nosuch hoplimit 2
	refused "no group with this name" M group del nosuch
	run M group del g
	[ "$(M -j show | jq length)" = 0 ] || fail "group still there"
	refused "no group with this name" M show g
}

test_keys_install_rotate_and_delete() {
	setup_ns || fail "namespace setup"
	run M group add g addr ff05::4242 dev veth0
	genkey "$KEYS/k1" && genkey "$KEYS/k2" aes-gcm-128 && genkey "$KEYS/k3" chacha20-poly1305 ||
		fail "genkey"
	[ "$(base64 -d < "$KEYS/k1" | wc -c)" = 32 ] || fail "genkey: not 32 bytes"
	[ "$(base64 -d < "$KEYS/k2" | wc -c)" = 16 ] || fail "genkey aes-gcm-128: not 16 bytes"
	run M key add g epoch 1 keyfile "$KEYS/k1"
	[ "$(jqv g tx_epoch)" = 1 ] || fail "not sending with the only key"
	[ "$(M -j show g | jq -r '.[0].keys[0].alg')" = aes-gcm-256 ] || fail "default alg"
	run M key add g epoch 2 alg aes-gcm-128 keyfile - < "$KEYS/k2"
	[ "$(jqv g tx_epoch)" = 2 ] || fail "sending did not move to the newest epoch"
	run M key add g epoch 3 alg chacha20-poly1305 keyfile "$KEYS/k3" rxonly
	[ "$(jqv g tx_epoch)" = 2 ] || fail "an rxonly key took over sending"
	run M key use g epoch 3
	[ "$(jqv g tx_epoch) $(jqv g tx_epoch_auto)" = "3 false" ] || fail "key use"
	run M key use g epoch 1
	[ "$(jqv g tx_epoch)" = 1 ] || fail "key use of an older epoch"
	run M key use g epoch auto
	[ "$(jqv g tx_epoch) $(jqv g tx_epoch_auto)" = "3 true" ] || fail "key use auto"
	run M key del g epoch 3
	[ "$(jqv g tx_epoch)" = 2 ] || fail "deleting the sending key did not fall back"
	[ "$(M -j show g | jq '.[0].keys | length')" = 2 ] || fail "key count"
	[ "$(M -j show g | jq '[.[0].keys[] | select(.sending)] | length')" = 1 ] ||
		fail "not exactly one sending key"
}

test_bad_keys_are_refused() {
	setup_ns || fail "namespace setup"
	run M group add g addr ff05::4242 dev veth0
	genkey "$KEYS/k" && genkey "$KEYS/short" aes-gcm-128 || fail "genkey"
	refused "needs 32" M key add g epoch 1 keyfile "$KEYS/short"
	refused "" M key add g epoch 1 alg des keyfile "$KEYS/k"
	refused "" M key add g epoch 0 keyfile "$KEYS/k"
	refused "" M key add g epoch 1 keyfile /nonexistent/key
	echo 'not base64 !' > "$KEYS/junk"
	chmod 600 "$KEYS/junk"
	refused "" M key add g epoch 1 keyfile "$KEYS/junk"
	refused "no group with this name" M key add nosuch epoch 1 keyfile "$KEYS/k"
	for e in 1 2 3 4; do run M key add g epoch $e keyfile "$KEYS/k"; done
	refused "all key slots" M key add g epoch 5 keyfile "$KEYS/k"
	refused "has a key with this epoch" M key add g epoch 4 keyfile "$KEYS/k"
	refused "no key with this epoch" M key del g epoch 9
	refused "no key with this epoch" M key use g epoch 9
	[ "$(M -j show g | jq '.[0].keys | length')" = 4 ] || fail "refusals changed the keys"
	# A key on the command line is not accepted, whatever its form.
	refused "" M key add g epoch 6 key "$(cat "$KEYS/k")"
}

test_key_file_readable_by_others_is_warned_about() {
	setup_ns || fail "namespace setup"
	run M group add g addr ff05::4242 dev veth0
	genkey "$KEYS/open" && chmod 644 "$KEYS/open"
	out=$(M key add g epoch 1 keyfile "$KEYS/open" 2>&1) || { echo "$out"; fail "key add"; }
	grep -qi "warning" <<< "$out" || { echo "$out"; fail "no warning for a 0644 key file"; }
	genkey "$KEYS/closed"
	out=$(M key add g epoch 2 keyfile "$KEYS/closed" 2>&1) || fail "key add"
	[ -z "$out" ] || { echo "$out"; fail "output for a 0600 key file"; }
}

test_key_bytes_never_appear_in_any_output() {
	setup_ns || fail "namespace setup"
	ip netns exec $NS "$MCGCTL" monitor > "$KEYS/mon" 2>&1 &
	mon=$!
	ip netns exec $NS "$MCGCTL" -j monitor > "$KEYS/monj" 2>&1 &
	monj=$!
	sleep 0.5
	run M group add g addr ff05::4242 dev veth0
	genkey "$KEYS/secret"
	run M key add g epoch 1 keyfile "$KEYS/secret"
	run M key add g epoch 2 keyfile - < "$KEYS/secret"
	sleep 0.5
	kill $mon $monj
	wait $mon $monj 2>/dev/null
	b64=$(tr -d '\n' < "$KEYS/secret")
	hex=$(base64 -d < "$KEYS/secret" | od -An -tx1 | tr -d ' \n')
	all=$( { M show; M -j show; M -j -p show; M stats; M -j stats; cat "$KEYS/mon" "$KEYS/monj"; } 2>&1)
	grep -q "key_new\|KEY_NEW\|key new" "$KEYS/mon" "$KEYS/monj" ||
		{ cat "$KEYS/mon"; fail "monitor saw no key event"; }
	for pat in "$b64" "${b64:0:12}" "${hex:0:16}" "${hex:16:16}"; do
		grep -qiF -- "$pat" <<< "$all" && fail "key material in the output"
	done
	true
}

test_monitor_reports_every_change_in_order() {
	setup_ns || fail "namespace setup"
	ip netns exec $NS "$MCGCTL" -j monitor > "$KEYS/ev" 2>&1 &
	mon=$!
	sleep 0.5
	genkey "$KEYS/k"
	run M group add g addr ff05::4242 dev veth0
	run M group set g hoplimit 3
	run M key add g epoch 1 keyfile "$KEYS/k"
	run M key del g epoch 1
	run M group del g
	run M flush
	sleep 0.5
	kill $mon
	wait $mon 2>/dev/null
	got=$(jq -r .event < "$KEYS/ev" | tr '\n' ' ')
	[ "$got" = "group_new group_set key_new key_del group_del flush " ] ||
		{ cat "$KEYS/ev"; fail "events: '$got'"; }
	[ "$(head -n 1 "$KEYS/ev" | jq -r .name)" = g ] || fail "event lacks the group"
}

test_json_parses() {
	setup_ns || fail "namespace setup"
	run M group add g addr ff05::4242 dev veth0 source 2001:db8::5
	run M group add 'h.x-1' addr ff05::4243 dev veth1
	M -j show | jq -e 'length == 2' >/dev/null || fail "-j show"
	M -j -p show | jq -e 'length == 2' >/dev/null || fail "-j -p show"
	M -j stats | jq -e '.groups | length == 2' >/dev/null || fail "-j stats"
	M -j stats | jq -e '.namespace.rx_drop_no_group == 0' >/dev/null || fail "namespace stats"
	M -j stats g | jq -e '.groups[0].tx_packets == 0 and .groups[0].rx_drop_auth == 0' \
		>/dev/null || fail "-j stats g"
	out=$(M stats g) && grep -q "replay" <<< "$out" || { echo "$out"; fail "stats text"; }
}

test_flush_deletes_everything() {
	setup_ns || fail "namespace setup"
	for i in 1 2 3; do run M group add g$i addr ff05::4:$i dev veth0; done
	run M flush
	[ "$(M -j show | jq length)" = 0 ] || fail "groups left after flush"
}

test_help_at_every_level() {
	for h in "help" "group help" "key help" "show help" "stats help" "monitor help" "genkey help"; do
		# shellcheck disable=SC2086
		out=$("$MCGCTL" $h 2>&1) || fail "mcgctl $h failed"
		[ -n "$out" ] || fail "mcgctl $h printed nothing"
	done
	"$MCGCTL" help | grep -q "group add" || fail "top-level help lacks group add"
	"$MCGCTL" group help | grep -q "addr" || fail "group help lacks addr"
	"$MCGCTL" key help | grep -q "keyfile" || fail "key help lacks keyfile"
	refused "" "$MCGCTL" frobnicate
	man -l "$MCG_TOP/tools/mcgctl/mcgctl.8" > /dev/null 2>&1 ||
		groff -man -Tutf8 "$MCG_TOP/tools/mcgctl/mcgctl.8" > /dev/null || fail "man page"
}

# status WANT 'stderr' CMD...: CMD exits WANT and says exactly that.
status() {
	local want=$1 msg=$2 rc=0 out
	shift 2
	out=$("$@" 2>&1 >/dev/null) || rc=$?
	[ "$rc" = "$want" ] && [ "$out" = "$msg" ] ||
		fail "'$*': status $rc (not $want), said '$out' (not '$msg')"
}

test_kernel_refusals_name_the_verb_and_group_and_exit_1() {
	setup_ns || fail "namespace setup"
	genkey "$KEYS/k"
	run M group add g addr ff05::4242 dev veth0
	run M key add g epoch 1 keyfile "$KEYS/k"
	status 1 "mcgctl: key add g: the group has a key with this epoch" \
		M key add g epoch 1 keyfile "$KEYS/k"
	status 1 "mcgctl: key add nosuch: no group with this name" \
		M key add nosuch epoch 1 keyfile "$KEYS/k"
	status 1 "mcgctl: key del g: the group has no key with this epoch" M key del g epoch 9
	status 1 "mcgctl: key use g: the group has no key with this epoch" M key use g epoch 9
	status 1 "mcgctl: group set g: the replay window must be a multiple of 64" M group set g window 1100
	status 1 "mcgctl: group del nosuch: no group with this name" M group del nosuch
	status 1 "mcgctl: show nosuch: no group with this name" M show nosuch
	status 1 "mcgctl: stats nosuch: no group with this name" M stats nosuch
	status 1 "mcgctl: group add g: a group with this name exists" \
		M group add g addr ff05::4243 dev veth0
	# The command line itself is wrong: 2, and the kernel never hears of it.
	status 2 "mcgctl: 'port' expects a number from 1 to 65535, not '0'" \
		M group add u addr ff05::4244 dev veth0 port 0
	status 2 "mcgctl: no interface 'nosuch0'" M group add u addr ff05::4244 dev nosuch0
	[ "$(M group list)" = g ] || fail "a refusal changed the groups"
}

test_group_list_prints_names_only() {
	setup_ns || fail "namespace setup"
	out=$(M group list) && [ -z "$out" ] || fail "no groups: '$out'"
	[ "$(M -j group list)" = "[]" ] || fail "no groups, -j: $(M -j group list)"
	run M group add chat addr ff05::4242 dev veth0
	run M group add 'h.x-1' addr ff05::4243 dev veth0
	[ "$(M group list | sort | tr '\n' ' ')" = "chat h.x-1 " ] ||
		{ M group list; fail "group list"; }
	M -j group list | jq -e 'sort == ["chat", "h.x-1"]' >/dev/null ||
		{ M -j group list; fail "-j group list"; }
}

test_batch_runs_each_line_and_stops_at_the_first_error() {
	setup_ns || fail "namespace setup"
	genkey "$KEYS/k1" && genkey "$KEYS/k2" aes-gcm-128 || fail "genkey"
	cat > "$KEYS/batch" <<EOB
# Two groups, their keys; line 7 fails, so line 8 must not run.

group add a addr ff05::7:1 dev veth0
group add "b" addr ff05::7:2 dev veth0 hoplimit 3   # quoted, then a comment
key add a epoch 1 keyfile $KEYS/k1
  key add b epoch 1 alg aes-gcm-128 keyfile '$KEYS/k2'
key add a epoch 1 keyfile $KEYS/k1
group add c addr ff05::7:3 dev veth0
EOB
	status 1 "mcgctl: $KEYS/batch:7: key add a: the group has a key with this epoch" \
		M -b "$KEYS/batch"
	[ "$(M group list | sort | tr '\n' ' ')" = "a b " ] || fail "groups: $(M group list)"
	M -j show | jq -e 'map([.name, .hoplimit, (.keys | map(.alg))]) | sort ==
		[["a", 1, ["aes-gcm-256"]], ["b", 3, ["aes-gcm-128"]]]' >/dev/null ||
		{ M -j show; fail "the batch did not configure a and b"; }
	# -force: every line runs; the status is the first failure's.
	out=$(M -force -b "$KEYS/batch" 2>&1) && fail "-force succeeded"
	[ "$(M group list | sort | tr '\n' ' ')" = "a b c " ] || fail "-force did not go on"
	[ "$(tail -n 1 <<< "$out")" = "mcgctl: $KEYS/batch: 5 of 6 commands failed" ] ||
		{ echo "$out"; fail "-force: no count"; }
	grep -qx "mcgctl: $KEYS/batch:3: group add a: a group with this name exists" <<< "$out" ||
		{ echo "$out"; fail "-force: no FILE:LINE of each failure"; }
	# Standard input, with -j for every line.
	out=$(printf 'group del c\nshow a\n' | M -j -b -) || fail "-b -"
	jq -e '.[0].name == "a"' <<< "$out" >/dev/null || { echo "$out"; fail "-j -b -"; }
	[ "$(M group list | sort | tr '\n' ' ')" = "a b " ] || fail "-b - did not delete c"
}

test_netns_option_enters_the_namespace_first() {
	setup_ns || fail "namespace setup"
	# veth0 is only in $NS: the name resolves only after setns.
	run "$MCGCTL" -n $NS group add n addr ff05::4242 dev veth0
	[ "$(M group list)" = n ] || fail "not in $NS"
	[ -z "$("$MCGCTL" group list)" ] || fail "in the initial namespace"
	printf 'group add m addr ff05::4243 dev veth1\n' > "$KEYS/nsbatch"
	run "$MCGCTL" -n $NS -b "$KEYS/nsbatch"
	[ "$(M group list | sort | tr '\n' ' ')" = "m n " ] || fail "-n with -b"
	[ "$("$MCGCTL" -j --netns $NS group list | jq length)" = 2 ] || fail "--netns"
	status 2 "mcgctl: no network namespace 'mcgctl-none' (no /run/netns/mcgctl-none; see ip netns list)" \
		"$MCGCTL" -n mcgctl-none group list
}

test_monitor_t_stamps_each_event() {
	setup_ns || fail "namespace setup"
	ip netns exec $NS "$MCGCTL" monitor -t > "$KEYS/mont" 2>&1 &
	mon=$!
	ip netns exec $NS "$MCGCTL" -j monitor > "$KEYS/monj" 2>&1 &
	monj=$!
	sleep 0.5
	today=$(date +%Y-%m-%d)
	run M group add g addr ff05::4242 dev veth0
	run M group del g
	sleep 0.5
	kill $mon $monj
	wait $mon $monj 2>/dev/null
	re="^${today}T[0-9:]{8}\.[0-9]{6}[+-][0-9]{2}:[0-9]{2} "
	[ "$(grep -cE "${re}group_new: group g  id 1$" "$KEYS/mont")" = 1 ] &&
		[ "$(grep -cE "${re}group_del: group g  id 1$" "$KEYS/mont")" = 1 ] ||
		{ cat "$KEYS/mont"; fail "monitor -t"; }
	jq -s -e --arg d "$today" 'length == 2 and
		all(.time | startswith($d + "T") and test("\\.[0-9]{6}[+-][0-9]{2}:[0-9]{2}$"))' \
		"$KEYS/monj" >/dev/null || { cat "$KEYS/monj"; fail "monitor -j: time"; }
}

test_unprivileged_users_can_read_but_not_change() {
	setup_ns || fail "namespace setup"
	run M group add g addr ff05::4242 dev veth0
	genkey "$KEYS/k" && chmod 644 "$KEYS/k" && chmod 755 "$KEYS"
	nobody="setpriv --reuid 65534 --regid 65534 --clear-groups"
	for cmd in "group add x addr ff05::9 dev veth0" "group del g" "group set g hoplimit 2" \
		   "key add g epoch 1 keyfile $KEYS/k" "key del g epoch 1" "flush"; do
		# shellcheck disable=SC2086
		refused "not permitted" ip netns exec $NS $nobody "$MCGCTL" $cmd
	done
	ip netns exec $NS $nobody "$MCGCTL" -j show | jq -e 'length == 1' >/dev/null ||
		fail "an unprivileged user cannot read the groups"
	[ "$(M -j show g | jq '.[0].keys | length')" = 0 ] || fail "a key got in"
}

test_user_namespace_root_owns_only_its_own_namespace() {
	mcg_load
	# Root of a new user namespace, still in the VM's initial network
	# namespace, which that user namespace does not own: refused.
	refused "not permitted" unshare -U -r "$MCGCTL" group add x addr ff05::9 dev lo
	# Root of a new user namespace in a new network namespace it owns: fine.
	out=$(unshare -U -r -n sh -c "
		ip link add d0 type dummy && ip link set d0 multicast on up &&
		'$MCGCTL' group add x addr ff05::9 dev d0 owner 0 &&
		'$MCGCTL' -j show x" 2>&1) || { echo "$out"; fail "refused in its own namespace"; }
	grep -q '"name":"x"\|"name": "x"' <<< "$out" || { echo "$out"; fail "no group"; }
}

test_namespaces_do_not_see_each_other() {
	setup_ns || fail "namespace setup"
	run M group add only-here addr ff05::4242 dev veth0
	ip netns add mcgctl-other || fail "netns"
	n=$(ip netns exec mcgctl-other "$MCGCTL" -j show | jq length)
	ip netns del mcgctl-other
	[ "$n" = 0 ] || fail "another namespace sees $n groups"
	[ "$("$MCGCTL" -j show | jq length)" = 0 ] || fail "the initial namespace sees the group"
}

test_deleting_a_namespace_with_groups_is_clean() {
	setup_ns || fail "namespace setup"
	dmesg_mark
	genkey "$KEYS/k"
	for i in $(seq 20); do
		run M group add g$i addr ff05::5:$i dev veth0
		run M key add g$i epoch 1 keyfile "$KEYS/k"
	done
	ip netns del $NS || fail "netns del"
	sleep 1
	dmesg_check_clean
}

test_unload_with_groups_and_keys_configured() {
	setup_ns || fail "namespace setup"
	genkey "$KEYS/k"
	for i in $(seq 20); do
		run M group add g$i addr ff05::6:$i dev veth0
		run M key add g$i epoch 1 keyfile "$KEYS/k"
		run M key add g$i epoch 2 alg aes-gcm-256 keyfile "$KEYS/k" rxonly
	done
	dmesg_mark
	mcg_unload
	dmesg_check_clean
	mcg_load
	[ "$(M -j show | jq length)" = 0 ] || fail "groups survived a reload"
	true
}

trap 'ip netns del $NS 2>/dev/null; rm -rf "$KEYS"' EXIT
ktap_main
