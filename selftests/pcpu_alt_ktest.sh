#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Load pcpu_alt_test.ko, which runs pcpu_alt's in-kernel test cases at load
# time and reports them in KTAP on the kernel log; echo that report, then
# unload it.  Passes iff the module loaded (its init fails when any case
# fails), its thousand refused frees from one call site drew exactly one
# WARN, its blocking request from atomic context drew exactly one report
# naming pcpu_alt's allocation path on a kernel that reports them (the
# case says whether this one does), and it unloaded again.
#
# PCPU_ALT_KO_DIR: directory holding pcpu_alt_test.ko (default: the
# repository root above this script's real location).  pcpu_alt.ko must
# already be loaded.

ksft_skip=4

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root"
	exit $ksft_skip
fi

here=$(dirname "$(readlink -f "$0")")
ko_dir=${PCPU_ALT_KO_DIR:-$here/..}
ko=$ko_dir/pcpu_alt_test.ko

if [ ! -f "$ko" ]; then
	echo "FAIL: $ko not found (build it, or set PCPU_ALT_KO_DIR)"
	exit 1
fi
if [ -d /sys/module/pcpu_alt_test ]; then
	echo "FAIL: pcpu_alt_test is already loaded"
	exit 1
fi

# A unique marker in the kernel log: the report is everything after it.
marker="pcpu_alt_ktest: start $$ $(date +%s%N)"
echo "$marker" > /dev/kmsg

rc=0
if insmod "$ko"; then
	loaded=1
else
	echo "FAIL: insmod $ko failed: in-kernel test cases failed"
	loaded=0
	rc=1
fi

# Print the module's KTAP lines (with or without a "pcpu_alt_test: "
# prefix), dropping unrelated kernel messages.
dmesg --notime | sed -n "/$marker/,\$p" |
	sed -e '1d' -e 's/^pcpu_alt_test: //' |
	grep -E '^[[:space:]]*(KTAP version|TAP version|[0-9]+\.\.[0-9]+|ok |not ok |#)' ||
	echo "WARN: no KTAP lines from pcpu_alt_test in the kernel log"

# The refusals case frees one area a thousand times from one call site:
# pcpu_alt must count them all (the case checks) but WARN once per site.
warns=$(dmesg --notime | sed -n "/$marker/,\$p" |
	sed -n '/pcpu_alt_test: warn flood begin/,/pcpu_alt_test: warn flood end/p' |
	grep -c 'WARNING:')
if [ "$loaded" -eq 1 ] && [ "$warns" -ne 1 ]; then
	echo "FAIL: $warns WARNs for a thousand refused frees from one site (want 1)"
	rc=1
fi

# The atomic-context case: one "sleeping function called from invalid
# context" report, inside its fences, naming pcpu_alt's allocation path
# (pcpu_alt_alloc(), or alloc_caller() where the compiler made the call
# to it a tail jump).
if [ "$loaded" -eq 1 ] &&
	dmesg --notime | sed -n "/$marker/,\$p" | grep -q '# atomic sleep reports: on'; then
	fenced=$(dmesg --notime | sed -n "/$marker/,\$p" |
		sed -n '/pcpu_alt: expect-sleep-report begin/,/pcpu_alt: expect-sleep-report end/p')
	reports=$(printf '%s\n' "$fenced" |
		grep -c 'BUG: sleeping function called from invalid context')
	if [ "$reports" -ne 1 ] ||
		! printf '%s\n' "$fenced" | grep -qE '(pcpu_alt_alloc|alloc_caller)\+'; then
		echo "FAIL: $reports sleeping-function report(s) for a GFP_KERNEL pcpu_alt_alloc() with preemption off (want 1, naming pcpu_alt_alloc or alloc_caller)"
		rc=1
	fi
fi

if [ "$loaded" -eq 1 ] && ! rmmod pcpu_alt_test; then
	echo "FAIL: rmmod pcpu_alt_test failed"
	rc=1
fi
exit $rc
