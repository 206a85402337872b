# SPDX-License-Identifier: GPL-2.0
#
# "The kernel" of the native harness, as one static library per flavour
# and stock kernel version: the stub layer (stubs/, include/), the stock
# allocator (mm/percpu.c of Debian's linux-source-<version>, extracted
# here at build time, never committed) and pcpu_alt's core, compiled
# unchanged.  Included by tests/native/Makefile and tests/userspace/Makefile.
#
#   $(KOUT)/<flavour>-<version>/libkernel.a
#
# Flavours: bench (-O2, as the kernel is built: no SIMD, x86-64's string
# functions), asan (ASan and UBSan, locking checks), tsan
# (ThreadSanitizer, locking checks), fuzz (clang: ASan, UBSan and
# libFuzzer coverage of pcpu_alt's files only).

NATIVE := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
TOP := $(abspath $(NATIVE)/../..)
KOUT := $(TOP)/.build/native
STOCK_VERSIONS := 6.1 6.12
FLAVOURS := bench asan tsan fuzz

# pcpu_alt's core: what pcpu_alt.ko is built from, minus debugfs views and
# trace event instantiation (alt_glue.c stands in for debugfs set-up).
ALT_FILES := pcpu_alt pcpu_alt_module pcpu_alt_cache pcpu_alt_balance \
	     pcpu_alt_chunk pcpu_alt_map pcpu_alt_region pcpu_alt_inject \
	     pcpu_alt_sites
STUB_SRCS := $(wildcard $(NATIVE)/stubs/*.c)
STUB_HDRS := $(shell find $(NATIVE)/include -name '*.h')
ALT_HDRS := $(wildcard $(TOP)/pcpu_alt*.h)

# The kernel options the stub layer models (everything else is off): SMP,
# and the first chunk embedded in boot memory by the arch's own
# setup_per_cpu_areas(), as on x86-64.
KCONFIG := -DCONFIG_SMP -DCONFIG_NEED_PER_CPU_EMBED_FIRST_CHUNK \
	   -DCONFIG_HAVE_SETUP_PER_CPU_AREA

KCPPFLAGS = -D_GNU_SOURCE $(KCONFIG) -I$(NATIVE)/include -I$(TOP)
# kbuild's warnings leave -Wsign-compare off below W=3,
# -Wmaybe-uninitialized below W=2, and -Wunused-parameter off always.
KWARN := -Wall -Wextra -Wno-sign-compare -Wno-unused-parameter \
	 -Wno-missing-field-initializers -Wno-maybe-uninitialized
KBASE := -std=gnu11 -g -fno-strict-aliasing -fno-omit-frame-pointer \
	 -fno-common

# As the kernel builds C: no SSE/AVX registers, popcnt through its own
# alternatives (here the instruction itself); the stub layer's memset()
# and memcpy() are x86-64's rep stosb/movsb (USPACE_KERNEL_STRING).
CC_bench := gcc
CFLAGS_bench := -O2 -mno-sse -mno-mmx -mno-sse2 -mno-3dnow -mno-avx \
		-mpopcnt -DUSPACE_KERNEL_STRING
CC_asan := gcc
CFLAGS_asan := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	       -fno-sanitize=alignment -DUSPACE_CHECK_LOCKING
CC_tsan := gcc
# ThreadSanitizer's annotation functions are CamelCase, which checkpatch
# refuses in the sources: the build names them (see data_race()).
TSAN_NAMES := -DUSPACE_TSAN_IGNORE_READS_BEGIN=AnnotateIgnoreReadsBegin \
	      -DUSPACE_TSAN_IGNORE_READS_END=AnnotateIgnoreReadsEnd
CFLAGS_tsan := -O1 -fsanitize=thread -DUSPACE_TSAN -DUSPACE_CHECK_LOCKING \
	       $(TSAN_NAMES)
CC_fuzz := clang-14
CFLAGS_fuzz := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	       -fno-sanitize=alignment -DUSPACE_CHECK_LOCKING \
	       -Wno-unknown-warning-option
# Kbuild's cc-option: only GCC knows it (see Kbuild).
NO_LOOP_PATTERNS_bench := -fno-tree-loop-distribute-patterns
NO_LOOP_PATTERNS_asan := -fno-tree-loop-distribute-patterns
NO_LOOP_PATTERNS_tsan := -fno-tree-loop-distribute-patterns
# Coverage for the fuzzer on pcpu_alt's files only (edges, not
# comparisons: see tests/userspace/Makefile).
COVER_fuzz := -fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp

# Where a flavour's objects go; the stub layer alone, for programs that
# test one pure-logic file (tests/userspace's map harness).
KLIB = $(KOUT)/$(1)-$(2)/libkernel.a
KSTUBS = $(KOUT)/$(1)-$(2)/libstubs.a
# Linking a program against flavour $(1), version $(2): the whole library
# (module_init() and the parameters are only reached through weak
# references and sections, which do not pull archive members), and the
# flavour's sanitizers.
KLINK = -Wl,--whole-archive $(call KLIB,$(1),$(2)) -Wl,--no-whole-archive \
	$(filter -fsanitize=% -fno-sanitize%,$(CFLAGS_$(1))) -lpthread

# ---- the stock sources, extracted at build time ----

# linux-source-6.1 ships linux-source-6.1.tar.xz, and so on.
$(KOUT)/src-%/mm/percpu.c:
	@tarball=/usr/src/linux-source-$*.tar.xz; \
	if [ ! -f $$tarball ]; then \
		echo "$$tarball is missing; install it: apt-get install linux-source-$*" >&2; \
		exit 1; \
	fi; \
	mkdir -p $(KOUT)/src-$*; \
	echo "  EXTRACT mm/percpu.c mm/percpu-vm.c mm/percpu-internal.h from $$tarball"; \
	tar -xJf $$tarball -C $(KOUT)/src-$* --strip-components=1 \
		--occurrence linux-source-$*/mm/percpu.c \
		linux-source-$*/mm/percpu-vm.c \
		linux-source-$*/mm/percpu-internal.h
	@touch $@

# 6.1 -> 601, 6.12 -> 612: the stub headers' USPACE_STOCK.
stock_number = $(shell echo $(1) | awk -F. '{ printf "%d%02d", $$1, $$2 }')

# $(call kernel_lib,FLAVOUR,VERSION)
define kernel_lib
$(1)-$(2)-dir := $(KOUT)/$(1)-$(2)
$(1)-$(2)-flags = $(KCPPFLAGS) -DUSPACE_STOCK=$(call stock_number,$(2)) \
		  $(KBASE) $(KWARN) $(CFLAGS_$(1))

$$($(1)-$(2)-dir)/stubs-%.o: $(NATIVE)/stubs/%.c $(STUB_HDRS)
	@mkdir -p $$(@D)
	$(CC_$(1)) $$($(1)-$(2)-flags) -Werror -DKBUILD_MODNAME='"kernel"' \
		-c -o $$@ $$<

$$($(1)-$(2)-dir)/alt_glue.o: $(NATIVE)/alt_glue.c $(STUB_HDRS) $(ALT_HDRS)
	@mkdir -p $$(@D)
	$(CC_$(1)) $$($(1)-$(2)-flags) -Werror -DKBUILD_MODNAME='"pcpu_alt"' \
		-c -o $$@ $$<

# pcpu_alt: as Kbuild compiles it (-fno-tree-loop-distribute-patterns
# for the cache, see Kbuild), no warning allowed.
$$($(1)-$(2)-dir)/alt-%.o: $(TOP)/%.c $(STUB_HDRS) $(ALT_HDRS)
	@mkdir -p $$(@D)
	$(CC_$(1)) $$($(1)-$(2)-flags) $(COVER_$(1)) -Werror \
		$$(if $$(filter pcpu_alt_cache,$$*),$(NO_LOOP_PATTERNS_$(1))) \
		-DKBUILD_MODNAME='"pcpu_alt"' -c -o $$@ $$<

# The stock allocator: not our code, so its warnings are only shown.
$$($(1)-$(2)-dir)/stock-percpu.o: $(KOUT)/src-$(2)/mm/percpu.c $(STUB_HDRS)
	@mkdir -p $$(@D)
	$(CC_$(1)) $$($(1)-$(2)-flags) -DKBUILD_MODNAME='"percpu"' \
		-c -o $$@ $$<

$(call KSTUBS,$(1),$(2)): $$(patsubst $(NATIVE)/stubs/%.c,$$($(1)-$(2)-dir)/stubs-%.o,$(STUB_SRCS))
	@rm -f $$@
	ar rcs $$@ $$^

$(call KLIB,$(1),$(2)): $$(patsubst $(NATIVE)/stubs/%.c,$$($(1)-$(2)-dir)/stubs-%.o,$(STUB_SRCS)) \
		$$($(1)-$(2)-dir)/alt_glue.o \
		$$(patsubst %,$$($(1)-$(2)-dir)/alt-%.o,$(ALT_FILES)) \
		$$($(1)-$(2)-dir)/stock-percpu.o
	@rm -f $$@
	ar rcs $$@ $$^
endef

$(foreach f,$(FLAVOURS),$(foreach v,$(STOCK_VERSIONS),$(eval $(call kernel_lib,$(f),$(v)))))

.SECONDARY:
