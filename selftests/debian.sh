#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages as a user installs them: dpkg -i of mcg-dkms,
# mcg-tools and mcg-dev (built by selftests/host/debian into
# build/debian/) has DKMS build and install mcg.ko for the running
# kernel; the installed mcgctl loads that module on demand; two hosts
# exchange a message with the installed tools; pkg-config, the compiler,
# man and python3 find what mcg-dev and mcg-tools installed; dpkg -r takes
# it all away, the module too.
#
# The VM's root is read-only: /usr, /etc and /var get writable overlays
# (in /tmp) first, taken away at the end; nothing reaches the host.
# DKMS compiles the module inside the guest: minutes under TCG, which is
# why make soak runs this and make check does not (selftests/Makefile).

. "$(dirname "$0")/lib.sh"

DEBS=$MCG_TOP/build/debian
KVER=$(uname -r)
A=mcg-deb-a
B=mcg-deb-b
TMP=$(mktemp -d)
VERSION=$(cd "$MCG_TOP" && dpkg-parsechangelog -S Version)
PKGS=(mcg-dkms mcg-tools mcg-dev)
MOUNTED=()
DEVFD=

overlay() {
	local dir=$1 w=$TMP/overlay${1//\//_}
	mkdir -p "$w/upper" "$w/work"
	mount -t overlay overlay -o "lowerdir=$dir,upperdir=$w/upper,workdir=$w/work" "$dir" &&
		MOUNTED=("$dir" "${MOUNTED[@]}")
}

cleanup() {
	local d
	ip netns del $A 2>/dev/null
	ip netns del $B 2>/dev/null
	# Lazily: a process started from the overlay may still hold it.
	for d in "${MOUNTED[@]}"; do umount -l "$d"; done
	[ -z "$DEVFD" ] || rm -f /dev/fd
	rm -rf "$TMP"
}
trap cleanup EXIT

setup() {
	modprobe overlay && overlay /usr && overlay /etc && overlay /var || return 1
	# dkms reads <(...), which needs /dev/fd: udev makes it on a host,
	# the VM has no udev.
	if [ ! -e /dev/fd ]; then
		ln -s /proc/self/fd /dev/fd && DEVFD=1 || return 1
	fi
	# man-db's trigger re-indexes every manual page, for minutes under
	# TCG; man -w needs no index.
	rm -f /var/lib/man-db/auto-update
}

# dkms_ko: the mcg.ko DKMS installed for this kernel (compressed as the
# kernel's own modules are).
dkms_ko() { find /lib/modules/"$KVER"/updates/dkms -name 'mcg.ko*' 2>/dev/null; }

test_dpkg_install_has_dkms_build_the_module() {
	local debs=() p t
	mcg_unload
	for p in "${PKGS[@]}"; do
		debs+=("$(ls "$DEBS/${p}_${VERSION}"_*.deb 2>/dev/null)") ||
			fail "no $p $VERSION in $DEBS: selftests/host/debian builds it"
	done
	t=$SECONDS
	out=$(DEBIAN_FRONTEND=noninteractive dpkg -i "${debs[@]}" 2>&1) ||
		{ echo "$out"; fail "dpkg -i failed"; }
	echo "dpkg -i, DKMS building mcg.ko: $((SECONDS - t)) s"
	dkms status -m mcg -v "$VERSION" -k "$KVER" | grep -q ': installed$' ||
		{ echo "$out"; dkms status; fail "DKMS did not install mcg for $KVER"; }
	ko=$(dkms_ko)
	[ -n "$ko" ] || fail "no mcg.ko in /lib/modules/$KVER/updates/dkms"
	[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$KVER" ] || fail "$ko is not for $KVER"
	[ "$(modinfo -F version "$ko")" = "$VERSION" ] || fail "$ko is not mcg $VERSION"
	[ "$(modinfo -n mcg)" = "$ko" ] || fail "modprobe finds '$(modinfo -n mcg)', not $ko"
	mcg_loaded && fail "installing loaded the module"
	true
}

# The genl family's alias, no modprobe: the module loaded is DKMS's.
test_installed_mcgctl_loads_the_module_on_demand() {
	mcg_unload
	[ -x /usr/sbin/mcgctl ] || fail "no /usr/sbin/mcgctl"
	run /usr/sbin/mcgctl group list
	mcg_loaded || fail "mcgctl did not load mcg"
	[ "$(cat /sys/module/mcg/srcversion)" = "$(modinfo -F srcversion "$(dkms_ko)")" ] ||
		fail "the module loaded is not the one DKMS built"
}

# Host A's mcgchat sends, host B's receives, with the sender id A's
# group was configured with.
test_two_hosts_chat_with_the_installed_tools() {
	local pid
	mcg_two_hosts $A $B || fail "setup of the hosts"
	(umask 077 && /usr/sbin/mcgctl genkey > "$TMP/key") || fail "genkey"
	ip netns exec $A /usr/sbin/mcgctl group add chat addr ff05::4242 dev a0 id 7 sender 42 &&
	ip netns exec $A /usr/sbin/mcgctl key add chat epoch 1 keyfile "$TMP/key" &&
	ip netns exec $B /usr/sbin/mcgctl group add chat addr ff05::4242 dev b0 id 7 sender 43 &&
	ip netns exec $B /usr/sbin/mcgctl key add chat epoch 1 keyfile "$TMP/key" ||
		fail "setup of the group"
	ip netns exec $B /usr/bin/mcgchat -v -l -t -c 1 -w 60 7 > "$TMP/out" 2> "$TMP/err" &
	pid=$!
	wait_until 10 grep -q '^mcgchat: bound to group ' "$TMP/err" ||
		{ cat "$TMP/err"; fail "the listener did not bind"; }
	out=$(ip netns exec $A /usr/bin/mcgchat -w 1 -m hello 7 2>&1 < /dev/null) ||
		{ echo "$out"; fail "mcgchat could not send"; }
	wait $pid || { cat "$TMP/err"; fail "the listener failed"; }
	[ "$(cat "$TMP/out")" = $'42\thello' ] || { cat "$TMP/out"; fail "not received as sent"; }
}

test_pkg_config_man_and_python_find_the_files() {
	[ "$(pkg-config --modversion mcg)" = "$VERSION" ] || fail "pkg-config: no mcg $VERSION"
	cflags=$(pkg-config --cflags mcg) || fail "pkg-config --cflags mcg failed"
	# shellcheck disable=SC2086	# the flags are words
	echo '#include <linux/mcg.h>
int main(void) { return AF_MCG_DEFAULT == 0; }' |
		gcc $cflags -fsyntax-only -x c - || fail "linux/mcg.h does not build"
	for page in "7 mcg" "8 mcgctl" "8 mcgd" "5 mcg.conf" "1 mcgchat"; do
		# shellcheck disable=SC2086
		f=$(man -w $page) || fail "man does not find $page"
		[[ $f == /usr/share/man/* ]] || fail "man finds $page at $f"
	done
	f=$(cd / && python3 -c 'import mcg; print(mcg.__file__)') || fail "python3 cannot import mcg"
	[ "$f" = /usr/lib/python3/dist-packages/mcg.py ] || fail "python3 imports $f"
	[ -f /usr/share/ynl/specs/mcg.yaml ] || fail "no YNL spec"
}

test_dpkg_remove_takes_everything_away() {
	mcg_unload
	run dpkg -r "${PKGS[@]}"
	[ -z "$(dkms_ko)" ] || fail "$(dkms_ko) is left"
	[ -z "$(dkms status -m mcg)" ] || fail "DKMS still has mcg: $(dkms status -m mcg)"
	[ -e /usr/src/mcg-"$VERSION" ] && fail "/usr/src/mcg-$VERSION is left"
	[ -e /usr/sbin/mcgctl ] && fail "/usr/sbin/mcgctl is left"
	modinfo -n mcg 2>/dev/null && fail "modprobe still finds mcg"
	true
}

setup || { echo "1..0 # SKIP cannot set up the overlays or find the packages"; exit 4; }
ktap_main
