# SPDX-License-Identifier: GPL-2.0
#
# `make` builds every module (pcpu_alt.ko; pcpu_alt_lab.ko from lab/,
# pcpu_alt_live.ko from live/, pcpu_alt_test.ko from tests/kmod/ and
# pcpu_alt_live_test.ko from tests/live/ where those exist) for the running
# kernel, KVER=<release> or KDIR=<build dir>, through
# scripts/lib/build-modules, and copies the .ko files here.  `make run` and
# `make check` first install what is missing (scripts/setup/install-deps).
# See README.md and docs/ for the other targets.

ifneq ($(KERNELRELEASE),)
include $(src)/Kbuild
else

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
SRC := $(CURDIR)
# The staged sources and the build of `make`.
BUILD_OUT := $(SRC)/.build/make

# Where `make selftests` stages selftests/: under the kselftest tree that
# scripts/setup/get-kselftest extracts, so the runner finds lib.mk and settings.
KSFT_STAGE := $(SRC)/.build/kselftest/tools/testing/selftests/pcpu_alt

all: modules

.PHONY: all modules clean check check-debug check-deps check-userspace \
	check-native native style sparse run selftests kselftest dkms-install \
	deb deps

check-deps:
	@test -d "$(KDIR)" || { echo "make: no kernel build dir $(KDIR) (headers for $(KVER) missing?); run: sudo scripts/setup/install-deps, or pass KVER=<one of: $$(ls /usr/src | sed -n 's/^linux-headers-\(.*-amd64\)$$/\1/p' | tr '\n' ' ')>" >&2; exit 1; }

# W=1 and C=1 are handed to the module builds.
modules: check-deps
	@scripts/lib/build-modules -K $(KDIR) -o $(BUILD_OUT) \
		$(if $(W)$(C),-- $(if $(W),W=$(W)) $(if $(C),C=$(C)))
	@cp -p $(BUILD_OUT)/*.ko $(SRC)/
	@echo "make: $$(cd $(BUILD_OUT) && echo *.ko) copied to $(SRC)"

# Install what `make run` and `make check` need, if anything is missing
# (as root, or through sudo; otherwise one line says what to run).
deps:
	@scripts/setup/install-deps --quiet

# All tests: builds, static checks, DKMS and VM runs on both kernels.
check: deps
	scripts/test/run

# The guest suite and a stress run under a KASAN + lockdep + kmemleak
# kernel built from linux-source-6.1 (cached outside the tree).
check-debug:
	scripts/test/check-debug

# The chunk core in user space (tests/userspace): property test, regression
# inputs and a short fuzz run.  No kernel needed; part of `make check`.
check-userspace:
	$(MAKE) -C tests/userspace check

# Both allocators' code natively (tests/native): the benchmark programs
# for both kernels' stock sources and a short replay; pcpu_alt's caches
# and chunks under ASan/UBSan (property test, fuzz) and ThreadSanitizer
# (tests/userspace).  No kernel needed; part of `make check`.
check-native:
	$(MAKE) -C tests/native check
	$(MAKE) -C tests/userspace check-api

# The native benchmark (scripts/bench/native): every trace and workload,
# both kernels' stock sources, 1 and 4 threads.
native:
	scripts/bench/native

# The main job: build, boot a guest, show the allocator at work (stress,
# a replayed trace, latency), unload; pictures in .build/results/.
run: deps
	scripts/demo

style:
	scripts/test/run -c checkpatch

sparse:
	scripts/test/run -c sparse

# Build the kselftests (user space; no kernel needed).
selftests:
	@scripts/setup/get-kselftest >/dev/null
	@mkdir -p $(KSFT_STAGE)
	@for f in $(SRC)/selftests/*; do ln -sfn "$$f" $(KSFT_STAGE)/; done
	$(MAKE) -C $(KSFT_STAGE) OUTPUT=$(KSFT_STAGE)

# Run the kselftests here: as root, with pcpu_alt.ko (and pcpu_alt_lab.ko,
# where there is one) loaded and pcpu_alt_test.ko built (PCPU_ALT_KO_DIR,
# default this directory, where `make` copies the modules).
kselftest: selftests
	PCPU_ALT_KO_DIR=$(abspath $(or $(PCPU_ALT_KO_DIR),$(SRC))) \
		$(MAKE) -s -C $(KSFT_STAGE) OUTPUT=$(KSFT_STAGE) run_tests

# Optional, as root: copy what DKMS ships (the allocator and lab/,
# scripts/lib/build-modules --stage-dkms) to $(DKMS_SRCTREE)/pcpu_alt-<version>,
# then dkms add/build/install its modules for $(KVER).  Replaces an earlier
# registration of the same version.  DKMS_FLAGS: extra dkms options (e.g.
# --dkmstree/--sourcetree/--installtree for a trial run).  The Debian
# package (make deb) does the same for every installed kernel.
DKMS_VER = $(shell scripts/lib/version)
DKMS_SRCTREE ?= /usr/src
DKMS_FLAGS ?=
DKMS_MOD = -m pcpu_alt -v $(DKMS_VER) $(DKMS_FLAGS)

dkms-install: check-deps
	@test -n "$(DKMS_VER)" || { scripts/lib/version; exit 1; }
	-dkms remove $(DKMS_MOD) --all >/dev/null 2>&1
	scripts/lib/build-modules --stage-dkms $(DKMS_SRCTREE)
	dkms add $(DKMS_MOD)
	dkms build $(DKMS_MOD) -k $(KVER) --kernelsourcedir $(realpath $(KDIR))
	dkms install $(DKMS_MOD) -k $(KVER) --kernelsourcedir $(realpath $(KDIR))

# The Debian packages pcpu-alt-dkms and pcpu-alt-tools (debian/, through
# dpkg-buildpackage) into .build/deb/; see README.md.
deb:
	@scripts/deb/build

# Not while scripts/test/run works in .build/ (it holds this lock).
clean:
	@if [ -e .build/run-tests.lock ] && ! flock -n .build/run-tests.lock true; then \
		echo "make: scripts/test/run is running in this tree; clean when it is done" >&2; \
		exit 1; \
	fi
	rm -f $(SRC)/*.ko
	rm -rf .build

endif
