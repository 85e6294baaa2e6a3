# SPDX-License-Identifier: GPL-2.0
#
# mcg: build the module and the tools, install them, test them in a VM.
#
#   make              module (kmod/mcg.ko, W=1) and tools
#   make demo         the demo, in a VM
#   make check        every test: host checks, unit tests, selftests in a VM
#   make check-debug  unit tests and selftests on a debug kernel (KASAN,
#                     lockdep, kmemleak...; the first run builds it)
#   make soak         the fuzzers and the stress test at full size (hours);
#                     make soak-debug: the same on the debug kernel
#   make bench        mcg against plain UDP, IPsec, TIPC, userspace AEAD and
#                     WireGuard, in one instruction-counting VM
#                     (BENCH_PARTS=main...)
#   make deps         install what building and testing need (Debian, root)
#   make install      module into /lib/modules/KVER/updates, tools into PREFIX,
#                     uapi/: the header, mcg.pc, mcg(7); the YNL spec into
#                     PREFIX/share/ynl/specs (PREFIX=/usr for the kernel's
#                     ynl --family mcg)
#   make install-tools
#                     the same without the module (no mcg.ko, no depmod):
#                     what debian/rules packages, the module going as source
#   make htmldocs     Documentation/ as HTML, in build/htmldocs (Sphinx)
#
# KVER picks the kernel to build for and to boot in the VM (default: the
# running kernel if its headers are installed, else the newest installed
# linux-headers-*); KDIR overrides the build tree (e.g. a debug kernel).

KVER ?= $(shell tools/kver 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
DESTDIR ?=
MODDIR = $(DESTDIR)/lib/modules/$(KVER)/updates
MODULE ?= kmod/mcg.ko
SPECDIR = $(DESTDIR)$(PREFIX)/share/ynl/specs

export KVER KDIR

MAKEFLAGS += --no-print-directory

.PHONY: all modules tools selftests demo check check-debug soak soak-debug bench deps install uninstall \
	install-tools install-spec uninstall-spec htmldocs checkpatch sparse clean help

all: modules tools

modules:
	@test -n "$(KVER)" || { echo "no kernel headers found: run 'make deps'" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

tools:
	$(MAKE) -C tools

selftests: tools
	$(MAKE) -C selftests

demo: deps
	$(MAKE) all selftests
	tools/demo/run

# The README's test command: install what is missing, build everything, run
# the host checks and unit tests, then the selftests inside a VM.  The last
# line it prints is "N passed, N failed[, N skipped]".
# Without KVER= on the command line, check tests every supported kernel
# installed (tools/kver --all); the others take the default KVER.
CHECK_KVER = $(if $(filter file,$(origin KVER)),,--kver $(KVER))

check: deps
	@selftests/check $(CHECK_KVER)

check-debug: deps
	@selftests/check --debug --kver $(KVER)

soak: deps
	@selftests/check --soak --kver $(KVER)

soak-debug: deps
	@selftests/check --soak --debug --kver $(KVER)

# The benchmark: one VM whose clock counts guest instructions
# (Documentation/benchmark.rst).  Results in results/bench-DATE/.
BENCH_PARTS ?=
BENCH_OUT ?= results/bench-$(shell date +%Y%m%d-%H%M%S)

bench:
	@tools/deps bench
	$(MAKE) all selftests
	$(MAKE) -C tools/bench
	@mkdir -p $(BENCH_OUT)
	tools/vm/mcg-vm --icount --mem 4096 --timeout 21600 --out $(BENCH_OUT) \
		-- tools/bench/run $(BENCH_PARTS)
	@cat $(BENCH_OUT)/bench.md

deps:
	@tools/deps

install:
	@test -f $(MODULE) || { echo "$(MODULE) is not built: run 'make' first" >&2; exit 1; }
	install -D -m 0644 $(MODULE) $(MODDIR)/mcg.ko
	depmod $(if $(DESTDIR),-b $(DESTDIR)) -a $(KVER)
	$(MAKE) install-tools

install-tools:
	$(MAKE) -C uapi install
	$(MAKE) -C tools install
	$(MAKE) install-spec

# Where the kernel's ynl tool looks for a family's spec by its name.
install-spec:
	install -D -m 0644 Documentation/netlink/specs/mcg.yaml $(SPECDIR)/mcg.yaml

uninstall-spec:
	rm -f $(SPECDIR)/mcg.yaml

uninstall:
	rm -f $(MODDIR)/mcg.ko
	depmod $(if $(DESTDIR),-b $(DESTDIR)) -a $(KVER)
	$(MAKE) -C uapi uninstall
	$(MAKE) -C tools uninstall
	$(MAKE) uninstall-spec

# -W: a warning is an error (selftests/host/htmldocs builds them so).
DOCSRC ?= Documentation
HTMLDOCS ?= build/htmldocs

htmldocs:
	sphinx-build -W -q -b html -d $(HTMLDOCS)/.doctrees $(DOCSRC) $(HTMLDOCS)

checkpatch:
	@selftests/host/checkpatch

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 W=1 modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || \
		find kmod \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' \) -delete
	$(MAKE) -C tools clean
	$(MAKE) -C tools/bench clean
	$(MAKE) -C selftests clean

help:
	@sed -n '3,28s/^# \{0,1\}//p' Makefile
