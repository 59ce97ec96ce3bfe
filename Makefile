# SPDX-License-Identifier: GPL-2.0
#
# axvcpu: build everything, test it in QEMU, install it.
#
#   make              deps, then axvcpu.ko, libaxvcpu-user, selftests, tools,
#                     unit tests (each directory only once it has a Makefile)
#   make KDIR=/lib/modules/$(uname -r)/build
#                     the same, the module built for that kernel instead of
#                     the fetched one (no kernel is fetched then)
#   make deps         host packages + Debian's current kernel (scripts/deps.sh)
#   make unit         host unit tests (TAP)
#   make check        everything: unit tests, then four QEMU boots
#                     (Documentation/testing.rst); closes "N passed, N failed"
#   make check-debug  the selftests on a debug kernel (KASAN, lockdep,
#                     kmemleak, UBSAN) built by scripts/debug-kernel.sh, with
#                     ioctl_fuzz at 1000000 calls; not part of make check
#   make run          boot QEMU -cpu EPYC,+svm,+npt, load the module, show
#                     what the backend found, run the demo guest under
#                     axvcpu-run --stats, power off
#   make run IMAGE=path [RUN_OPTS="--cpus 2 ..."] [GUEST_ARGS="..."]
#                     the same with another guest image
#   make bench        one QEMU boot per SVM CPU model running the same guest
#                     code on /dev/axvcpu, /dev/kvm and the floor module
#                     (scripts/bench.sh, Documentation/performance.rst):
#                     a table, build/bench-results/bench.{txt,json,png}
#   make install      libaxvcpu-user (built if need be), its header and the
#                     ABI header into $(DESTDIR)$(PREFIX) (default /usr/local;
#                     include/axvcpu-user.h, include/linux/axvcpu.h, lib/),
#                     the tools (bin/axvcpu-run, bin/axvcpu-info, the man
#                     page share/man/man1/axvcpu-run.1), and axvcpu.ko for the running kernel when its headers
#                     are installed (skipped with a note otherwise)
#   make clean        module objects and build/ except the fetched kernel
#   make distclean    all of build/
#
# Sub-directories write to $(TOP)/build/<dir>/ and get TOP=$(CURDIR).  The
# module's objects are listed in ./Kbuild; kbuild builds them in the tree.

# Written by scripts/deps.sh: KVER, FETCHED_KDIR, VMLINUZ, MODDIR.  Absent
# until the first `make deps`; the targets that need it run `deps` first and
# then a sub-make, which reads the file afresh.
-include build/deps/env.mk

KDIR ?= $(FETCHED_KDIR)
# Set by the caller (command line or environment): build for that kernel
# and leave the fetched one alone.
USER_KDIR := $(filter command line environment,$(origin KDIR))

# The running kernel, for `make install`.
INSTALL_KDIR ?= /lib/modules/$(shell uname -r)/build
# Where `make install` puts the library and the headers (under DESTDIR).
PREFIX ?= /usr/local
DESTDIR ?=

# Use both cores unless the caller chose -j.
JOBS ?= $(shell nproc)
SUBMAKE = $(MAKE) --no-print-directory $(if $(filter -j%,$(MAKEFLAGS)),,-j$(JOBS))

SUBDIRS := $(foreach d,userlib selftests tools tests/unit,$(if $(wildcard $(d)/Makefile),$(d)))
# The benchmark: its programs (bench/Makefile) and its floor module.
BENCH_BUILD := $(if $(wildcard bench/Makefile),bench-build bench-floor)
QEMU_CPU := EPYC,+svm,+npt

.PHONY: all deps build-all module userlib selftests tools unit-build unit \
	check check-debug run bench bench-build bench-floor install clean distclean

all: $(if $(USER_KDIR),,deps)
	+@$(SUBMAKE) build-all

deps:
	@scripts/deps.sh

build-all: module $(SUBDIRS:tests/unit=unit-build) $(BENCH_BUILD)

module:
	@test -n "$(KDIR)" || { echo "no KDIR: run 'make deps' first" >&2; exit 1; }
	+$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userlib:
	+$(MAKE) -C userlib TOP=$(CURDIR)

# Both link libaxvcpu-user.a: let userlib finish before they ask for it.
selftests: $(filter userlib,$(SUBDIRS))
	+$(MAKE) -C selftests TOP=$(CURDIR)

tools: $(filter userlib,$(SUBDIRS))
	+$(MAKE) -C tools TOP=$(CURDIR)

unit-build:
	+$(MAKE) -C tests/unit TOP=$(CURDIR)

# axvcpu_floor.ko, a module of its own (bench/floor/Kbuild), never installed.
bench-floor:
	@test -n "$(KDIR)" || { echo "no KDIR: run 'make deps' first" >&2; exit 1; }
	+$(MAKE) -C $(KDIR) M=$(CURDIR)/bench/floor modules

bench-build: $(filter userlib,$(SUBDIRS))
	+$(MAKE) -C bench TOP=$(CURDIR)

unit:
	+$(MAKE) -C tests/unit TOP=$(CURDIR) run

# check and run boot the fetched kernel: the module must be built for it.
check-kdir:
	@if [ -n "$(USER_KDIR)" ]; then \
		echo "make $(MAKECMDGOALS) boots the fetched kernel; do not set KDIR" >&2; \
		exit 1; \
	fi

check: check-kdir deps
	+@$(SUBMAKE) build-all
	@scripts/check.sh

# The selftests on a kernel with KASAN, lockdep, kmemleak and UBSAN, built
# from Debian's linux-source-6.1 (cached in build/debug-kernel/).
check-debug: check-kdir deps
	+@$(SUBMAKE) build-all
	@scripts/check-debug.sh

bench: check-kdir deps
	+@$(SUBMAKE) build-all
	@scripts/bench.sh

run: check-kdir deps
	+@$(SUBMAKE) build-all
	@scripts/run-stage.sh "$(IMAGE)" "$(RUN_OPTS)" "$(GUEST_ARGS)"
	@INITRAMFS_EXTRA=build/run scripts/mkinitramfs.sh run
	@INITRAMFS=$(CURDIR)/build/initramfs/initramfs-run.cpio.gz scripts/boot-qemu.sh run "$(QEMU_CPU)" run

# The objects are rebuilt when axvcpu.ko was built for another kernel (the
# fetched one, say): kbuild's command lines would not tell the difference.
INSTALL_UTS = $(wildcard $(INSTALL_KDIR)/include/generated/utsrelease.h)
INSTALL_KREL = $(if $(INSTALL_UTS),$(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(INSTALL_UTS)))

# The module needs the running kernel's headers; without them it is left out
# with one line, and the library and the headers are installed all the same.
install: install-userlib install-tools install-module

install-userlib:
	+$(MAKE) -C userlib TOP=$(CURDIR) PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) install

install-tools:
	+$(MAKE) -C tools TOP=$(CURDIR) PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) install

install-module:
	@if [ ! -d $(INSTALL_KDIR) ]; then \
		echo "make install: no $(INSTALL_KDIR) (headers of the running kernel $$(uname -r)): axvcpu.ko not built or installed"; \
		exit 0; \
	fi; \
	if [ -f axvcpu.ko ] && [ "$$(modinfo -F vermagic axvcpu.ko | cut -d' ' -f1)" != "$(INSTALL_KREL)" ]; then \
		$(MAKE) -C $(INSTALL_KDIR) M=$(CURDIR) clean || exit 1; \
	fi; \
	$(MAKE) -C $(INSTALL_KDIR) M=$(CURDIR) modules && \
	$(MAKE) -C $(INSTALL_KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install

# kbuild's own clean when a kernel tree is at hand (it finds the floor
# module's objects under bench/floor too); the same files by name otherwise
# (say, after distclean).
clean:
	@if [ -n "$(KDIR)" ] && [ -d "$(KDIR)" ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
	else \
		find . -path ./build -prune -o -path ./.git -prune -o -type f \
			\( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
			   -o -name '.*.cmd' -o -name '*.o.d' -o -name '*.dwo' \) -print | xargs rm -f; \
		rm -f Module.symvers modules.order; \
	fi
	@rm -f bench/floor/Module.symvers bench/floor/modules.order
	@if [ -d build ]; then \
		find build -mindepth 1 -maxdepth 1 ! -name deps -exec rm -rf {} +; \
	fi

distclean: clean
	rm -rf build

.PHONY: check-kdir install-userlib install-tools install-module
