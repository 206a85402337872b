# SPDX-License-Identifier: GPL-2.0
#
# Wraps kbuild.  `make` builds for the running kernel; KVER=<release> or
# KDIR=<build dir> picks another one.  See README.md for the other targets.

ifneq ($(KERNELRELEASE),)
include $(src)/Kbuild
else

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
SRC := $(CURDIR)

# Where `make selftests` stages selftests/: under the kselftest tree that
# scripts/get-kselftest extracts, so the runner finds lib.mk and settings.
KSFT_STAGE := $(SRC)/.build/kselftest/tools/testing/selftests/pcpu_alt

all: modules

.PHONY: all modules clean check check-debug check-deps check-userspace style \
	sparse run selftests kselftest dkms-install

check-deps:
	@test -d "$(KDIR)" || { echo "make: no kernel build dir $(KDIR) (headers for $(KVER) missing?); run: sudo scripts/install-deps, or pass KVER=<one of: $$(ls /usr/src | sed -n 's/^linux-headers-\(.*-amd64\)$$/\1/p' | tr '\n' ' ')>" >&2; exit 1; }

modules: check-deps
	$(MAKE) -C $(KDIR) M=$(SRC) modules

# All tests: builds, static checks, DKMS and VM runs on both kernels.
check:
	scripts/run-tests

# The guest suite and a stress run under a KASAN + lockdep + kmemleak
# kernel built from linux-source-6.1 (cached outside the tree).
check-debug:
	scripts/check-debug

# The chunk core in user space (tests/userspace): property test, regression
# inputs and a short fuzz run.  No kernel needed; part of `make check`.
check-userspace:
	$(MAKE) -C tests/userspace check

# The main job: build, boot a guest, load, show debugfs, unload.
run:
	scripts/demo

style:
	scripts/run-tests -c checkpatch

sparse:
	scripts/run-tests -c sparse

# Build the kselftests (user space; no kernel needed).
selftests:
	@scripts/get-kselftest >/dev/null
	@mkdir -p $(KSFT_STAGE)
	@for f in $(SRC)/selftests/*; do ln -sfn "$$f" $(KSFT_STAGE)/; done
	$(MAKE) -C $(KSFT_STAGE) OUTPUT=$(KSFT_STAGE)

# Run the kselftests here: as root, with pcpu_alt.ko loaded and
# pcpu_alt_test.ko built (PCPU_ALT_KO_DIR, default this directory).
kselftest: selftests
	PCPU_ALT_KO_DIR=$(abspath $(or $(PCPU_ALT_KO_DIR),$(SRC))) \
		$(MAKE) -s -C $(KSFT_STAGE) OUTPUT=$(KSFT_STAGE) run_tests

# Optional, as root: copy the sources to $(DKMS_SRCTREE)/pcpu_alt-<version>,
# then dkms add/build/install pcpu_alt.ko for $(KVER).  Replaces an earlier
# registration of the same version.  DKMS_FLAGS: extra dkms options (e.g.
# --dkmstree/--sourcetree/--installtree for a trial run).
DKMS_VER = $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' $(SRC)/dkms.conf)
DKMS_SRCTREE ?= /usr/src
DKMS_FLAGS ?=
DKMS_MOD = -m pcpu_alt -v $(DKMS_VER) $(DKMS_FLAGS)

dkms-install: check-deps
	-dkms remove $(DKMS_MOD) --all >/dev/null 2>&1
	rm -rf $(DKMS_SRCTREE)/pcpu_alt-$(DKMS_VER)
	mkdir -p $(DKMS_SRCTREE)/pcpu_alt-$(DKMS_VER)
	cp -p $(SRC)/*.c $(SRC)/*.h $(SRC)/Kbuild $(SRC)/Makefile \
		$(SRC)/dkms.conf $(DKMS_SRCTREE)/pcpu_alt-$(DKMS_VER)/
	dkms add $(DKMS_MOD)
	dkms build $(DKMS_MOD) -k $(KVER) --kernelsourcedir $(realpath $(KDIR))
	dkms install $(DKMS_MOD) -k $(KVER) --kernelsourcedir $(realpath $(KDIR))

clean:
	@for d in /lib/modules/*/build; do \
		[ -d "$$d" ] && $(MAKE) -s -C $$d M=$(SRC) clean && break; \
	done; true
	rm -rf .build

endif
