#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install puts mcg where modprobe and on-demand loading find it.  The
# VM's root is read-only, so /lib/modules and /usr/local get a writable
# overlay first; nothing reaches the host.

. "$(dirname "$0")/lib.sh"

AFPROBE=$MCG_TOP/selftests/mcg_afprobe
KVER=$(uname -r)
MCGD_FILES=(/usr/local/sbin/mcgd /usr/local/lib/systemd/system/mcgd.service
	/usr/local/share/man/man8/mcgd.8 /usr/local/share/man/man5/mcg.conf.5)

setup() {
	modprobe overlay || return 1
	mcg_overlay /lib/modules/"$KVER" && mcg_overlay /usr/local
}

test_make_install_then_modprobe() {
	mcg_unload
	run make -C "$MCG_TOP" KVER="$KVER" MODULE="$MCG_KO" install
	[ -f /lib/modules/"$KVER"/updates/mcg.ko ] || fail "not in updates/"
	run modprobe mcg
	mcg_loaded || fail "modprobe did not load mcg"
	path=$(modinfo -n mcg)
	[ "$path" = /lib/modules/"$KVER"/updates/mcg.ko ] || fail "modprobe finds '$path'"
	run modprobe -r mcg
	mcg_loaded && fail "modprobe -r left mcg loaded"
	for f in "${MCGD_FILES[@]}"; do
		[ -f "$f" ] || fail "$f was not installed"
	done
	grep -qx "ExecStart=/usr/local/sbin/mcgd" /usr/local/lib/systemd/system/mcgd.service ||
		fail "mcgd.service does not start the installed mcgd"
	grep -qx 'ExecStart=/usr/local/sbin/mcgctl -b /etc/mcg/%i.batch' \
		/usr/local/lib/systemd/system/mcg@.service ||
		fail "mcg@.service does not run the installed mcgctl on /etc/mcg/NAME.batch"
	[ "$(/usr/local/sbin/mcgd --version)" = "mcgd 0.1.0" ] || fail "the installed mcgd does not run"
}

test_socket_loads_the_module_on_demand() {
	mcg_unload
	r=$($AFPROBE -f 22)
	[ "$r" = ok ] || fail "socket(AF_MCG) gave '$r' with mcg installed"
	mcg_loaded || fail "mcg was not loaded on demand"
}

test_genl_loads_the_module_on_demand() {
	mcg_unload
	genl ctrl get name mcg >/dev/null || fail "genl did not find mcg"
	mcg_loaded || fail "mcg was not loaded on demand"
}

test_make_uninstall() {
	mcg_unload
	run make -C "$MCG_TOP" KVER="$KVER" uninstall
	[ -e /lib/modules/"$KVER"/updates/mcg.ko ] && fail "module file left"
	modprobe mcg 2>/dev/null && fail "modprobe still finds mcg"
	for f in "${MCGD_FILES[@]}"; do
		[ -e "$f" ] && fail "$f is left"
	done
	true
}

setup || { echo "1..0 # SKIP cannot set up overlays"; exit 4; }
ktap_main
