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

all: modules

.PHONY: all modules clean check check-deps style sparse run

check-deps:
	@test -d "$(KDIR)" || { echo "make: no kernel build dir $(KDIR) (headers for $(KVER) missing?); run: sudo scripts/install-deps, or pass KVER=<one of: $$(ls /usr/src | sed -n 's/^linux-headers-\(.*-amd64\)$$/\1/p' | tr '\n' ' ')>" >&2; exit 1; }

modules: check-deps
	$(MAKE) -C $(KDIR) M=$(SRC) modules

clean:
	@for d in /lib/modules/*/build; do \
		[ -d "$$d" ] && $(MAKE) -s -C $$d M=$(SRC) clean && break; \
	done; true
	rm -rf .build

endif
