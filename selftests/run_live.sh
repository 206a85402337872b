#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Live mode (pcpu_alt_live.ko) in a throw-away guest: the kernel's own
# per-CPU allocations routed to pcpu_alt.  pcpu_alt must NOT be loaded.
# pcpu_alt_live_test.ko stands in for kernel code that allocates the
# kernel's way (its cases are described at the top of tests/live/main.c).
# Three sessions, each loading the modules afresh:
#   1. routes that select one module or one site (nothing else of the
#      kernel is routed, so every count is exact): loading changes
#      nothing; each refusal with its message (-EBUSY from an IPMODIFY
#      ftrace_ops and from a kprobe with a post handler, garbage, unknown
#      symbol, pcpu_alt's own modules); pointers from before the route are
#      freed by stock; a module route set before its module loads;
#      per_cpu_ptr()/this_cpu_*() on every CPU; reclaim, pcpu_alt's own
#      slow path and reserved requests stay on stock; site routes;
#      accounted requests; fallback when pcpu_alt fails; "off" stops
#      routing; rmmod refused while routed areas live, with who holds
#      them, and accepted once they are freed;
#   2. the private layout: refused;
#   3. route all: callers names the kernel's sites; with
#      PCPU_ALT_LIVE_KSFT=1 the kselftests (as run_in_guest.sh runs them)
#      under the route (make check-debug); CPU hotplug during the route;
#      the lab's stress beside the kernel's own routed traffic, 0
#      corruptions.  At the end the route goes off; pcpu_alt_live stays
#      loaded if the kernel still holds routed areas (it says which).
# Prints TAP; exits non-zero on any failure.
#
# Usage: [PCPU_ALT_LIVE_KSFT=1] run_live.sh KO_DIR

me=run_live
# shellcheck source=scripts/lib/common.sh
. "$(dirname "$(readlink -f "$0")")/../scripts/lib/common.sh"
# shellcheck source=selftests/pcpu_alt_lib.sh
. "$(dirname "$(readlink -f "$0")")/pcpu_alt_lib.sh"
ko_dir=${1:?usage: run_live.sh KO_DIR}
dbg=/sys/kernel/debug/pcpu_alt
route=$dbg/route
tparam=/sys/module/pcpu_alt_live_test/parameters
fns=/sys/kernel/tracing/enabled_functions
# How long a log line may take to appear (the rmmod report is queued).
wait_polls=100

# ---- helpers -------------------------------------------------------------

marks=0
mark_log() {
	marks=$((marks + 1))
	echo "$me: mark $marks" > /dev/kmsg
}

# The kernel log since the last mark.
klog() {
	dmesg | sed 's/^\[[ 0-9.]*\] //' | sed -n "/^$me: mark $marks\$/,\$p"
}

# Poll the log (at most wait_polls x 0.1 s) for a line.
wait_klog() {
	local i=0
	while ! klog | grep -q -- "$1"; do
		[ $i -ge $wait_polls ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

rkey() { file_key "$route" "$1"; }
skey() { file_key "$dbg/stats" "$1"; }

core_load() {
	insmod "$ko_dir/pcpu_alt.ko" "$@"
}

live_load() {
	insmod "$ko_dir/pcpu_alt_live.ko" "$@"
}

test_load() {
	insmod "$ko_dir/pcpu_alt_live_test.ko" "$@"
}

unload_all() {
	local m
	for m in pcpu_alt_live_test pcpu_alt_lab pcpu_alt_live pcpu_alt; do
		[ -d /sys/module/$m ] && rmmod $m
	done
}

# Our hooks in ftrace's list of functions with callbacks attached.
our_hooks() {
	grep -c 'live_ftrace_handler' "$fns"
}

# case EXPECT NAMES: run cases of the loaded pcpu_alt_live_test.
run_case() {
	echo "$1" > "$tparam/expect" && put "$tparam/run" "$2" > /dev/null
}

# refused TEXT ERROR: a route write that must fail with ERROR and change
# nothing; says why not otherwise.
refused() {
	local before hooks err
	before=$(rkey route)
	hooks=$(rkey hooks)
	if err=$(put "$route" "$1"); then
		say "'$1' was accepted"
		return 1
	fi
	[ "$err" = "$2" ] || { say "'$1': '$err', expected '$2'"; return 1; }
	[ "$(rkey route)" = "$before" ] && [ "$(rkey hooks)" = "$hooks" ] ||
		{ say "'$1' changed the route or the hooks"; return 1; }
}

if [ -d /sys/module/pcpu_alt ]; then
	echo "$me: unload pcpu_alt first" >&2
	exit 1
fi
if grep -qw pcpu_alloc_noprof /proc/kallsyms; then
	alloc_fn=pcpu_alloc_noprof
else
	alloc_fn=__alloc_percpu_gfp
fi
checks=20
[ -n "${PCPU_ALT_LIVE_KSFT:-}" ] && checks=$((checks + 1))
echo "TAP version 13"
echo "1..$checks"

# ---- 1. one module, one site ---------------------------------------------

core_load && live_load || { echo "Bail out! cannot load pcpu_alt and pcpu_alt_live"; exit 1; }
[ "$(rkey route)" = none ] && [ "$(rkey hooks)" = none ] && [ "$(our_hooks)" = 0 ]
check $? "loading pcpu_alt_live hooks nothing (route=none, no ftrace callback)"

mark_log
test_load hold_ipmodify=$alloc_fn
refused all "Device or resource busy" &&
	klog | grep -q "route refused: $alloc_fn is already redirected by another ftrace user" &&
	[ "$(our_hooks)" = 0 ]
check $? "-EBUSY naming $alloc_fn when an IPMODIFY ftrace_ops holds it; free_percpu() unhooked again"
rmmod pcpu_alt_live_test

mark_log
test_load hold_kprobe=free_percpu
refused all "Device or resource busy" &&
	klog | grep -q "route refused: free_percpu is already redirected" &&
	[ "$(our_hooks)" = 0 ]
check $? "-EBUSY naming free_percpu when a kprobe with a post handler holds it"
rmmod pcpu_alt_live_test

mark_log
bad=0
n_bad=0
for t in garbage "all extra" "off account" account "module" "module a/b" \
	 "site" "site fn+zz" "site fn [x" "all account account" \
	 "site fn [m] account x"; do
	refused "$t" "Invalid argument" || bad=1
	n_bad=$((n_bad + 1))
done
[ "$(klog | grep -c "route refused: '.*': expected off, all")" = "$n_bad" ] ||
	{ say "not one refusal line per write"; bad=1; }
refused "site no_such_function_here" "No such file or directory" &&
	klog | grep -q "route refused: no function no_such_function_here" || bad=1
refused "module pcpu_alt_lab" "Invalid argument" &&
	klog | grep -q "pcpu_alt_lab is one of pcpu_alt's own modules" || bad=1
refused "site pcpu_alt_free" "Invalid argument" &&
	klog | grep -q "pcpu_alt_free is in pcpu_alt, one of pcpu_alt's own modules" || bad=1
[ "$(our_hooks)" = 0 ] || bad=1
check $bad "bad routes refused with a line each (-EINVAL, -ENOENT), nothing changed"

# Stock areas from before the route, freed while it routes this module.
mark_log
test_load hold=16 expect=stock
bad0=$(skey bad_frees)
put "$route" "module pcpu_alt_live_test" > /dev/null
[ "$(our_hooks)" -gt 0 ] && [ "$(rkey route)" = "module pcpu_alt_live_test" ]
check $? "a route write hooks free_percpu() and the allocation entries"
fr0=$(rkey free_routed_calls)
rmmod pcpu_alt_live_test
klog | grep -q "freed 16 held areas (0 not where they landed)" &&
	[ "$(skey bad_frees)" = "$bad0" ] && [ "$(rkey refused_frees)" = 0 ] &&
	[ "$(rkey free_routed_calls)" = "$fr0" ]
check $? "areas from before the route are freed by stock"

# The route above was set before the module loaded.
test_load run=percpu_ops,reclaim expect=routed
check $? "module route set before the module loads: its areas work through per_cpu_ptr()/this_cpu_*() on every CPU; a request from reclaim stays on stock"

run_case routed busy
check $? "a request made while pcpu_alt holds its mutex goes to stock"

put "$route" "site live_test_site_a" > /dev/null && run_case routed site &&
	put "$route" "site live_test_site_a [pcpu_alt_live_test]" > /dev/null &&
	run_case routed site
check $? "site route: one function's requests routed, another's not"

put "$route" "module not_loaded_yet" > /dev/null && run_case stock percpu_ops
check $? "module route: another module's requests stay on stock"

put "$route" "module pcpu_alt_live_test" > /dev/null && run_case stock account &&
	u0=$(rkey uncharged_bytes) &&
	put "$route" "module pcpu_alt_live_test account" > /dev/null &&
	run_case routed account && [ "$(rkey uncharged_bytes)" -gt "$u0" ]
check $? "__GFP_ACCOUNT stays on stock unless the route says account, then counted uncharged"

put "$route" "module pcpu_alt_live_test" > /dev/null
fb0=$(rkey fallbacks)
echo 1 > /sys/module/pcpu_alt/parameters/fail_every
run_case routed fallback
frc=$?
echo 0 > /sys/module/pcpu_alt/parameters/fail_every
[ $frc -eq 0 ] && [ "$(rkey fallbacks)" -gt "$fb0" ]
check $? "pcpu_alt failing: the routed request is served by stock and counted"

put "$route" off > /dev/null
r0=$(rkey routed_calls)
run_case stock percpu_ops && [ "$(rkey routed_calls)" = "$r0" ]
check $? "route off: nothing routed, every call passed"
rmmod pcpu_alt_live_test

put "$route" "module pcpu_alt_live_test" > /dev/null
test_load hold=4 expect=routed
put "$route" off > /dev/null
mark_log
if rmmod pcpu_alt_live 2> /dev/null; then
	not_ok "rmmod refused while routed areas are live"
else
	wait_klog "rmmod pcpu_alt_live refused: route 'off', 4 routed area(s) live" &&
		wait_klog "4 area(s), .* held from pcpu_alt_live_test_init+0x"
	check $? "rmmod refused while routed areas are live; the log says how many and who holds them"
fi
rmmod pcpu_alt_live_test
rmmod pcpu_alt_live
check $? "rmmod accepted once they are freed"
[ "$(sed -n 's/^errors=//p' $dbg/verify)" = 0 ]
check $? "pcpu_alt consistent after session 1"
unload_all

# ---- 2. private layout -----------------------------------------------------

mark_log
core_load layout=private && live_load || { echo "Bail out! cannot load the private layout"; exit 1; }
refused all "Operation not supported" &&
	klog | grep -q "route refused: pcpu_alt is in the private layout" &&
	[ "$(our_hooks)" = 0 ]
check $? "private layout: refused with its message, nothing hooked"
unload_all

# ---- 3. route all ------------------------------------------------------------

load_modules "$ko_dir" && live_load route=all ||
	{ echo "Bail out! cannot load the modules with route=all"; exit 1; }
# Under route all, the module loader's reserved request for the test
# module's static per-CPU data is seen (6.12) and must stay on stock.
test_load hold=8 expect=routed run=percpu_ops,reserved
grep -q "site=pcpu_alt_live_test_init+0x" "$dbg/callers" &&
	! grep -q "site=live_\|\[pcpu_alt_live\]" "$dbg/callers"
check $? "route=all at load; a module's static per-CPU data stays on stock; callers names the caller's site, not pcpu_alt_live's"
rmmod pcpu_alt_live_test

if [ -n "${PCPU_ALT_LIVE_KSFT:-}" ]; then
	tap=$(mktemp /tmp/run_live_ksft.XXXXXX)
	ksft_run "$ko_dir" "$tap" | sed 's/^/# /'
	check "${PIPESTATUS[0]}" "the kselftests under route all"
	rm -f "$tap"
fi

# CPUs go offline and online while the test module allocates, checks and
# frees in a loop (each area also on the offline CPUs' copies).
test_load
fail_file=$(mktemp /tmp/run_live.XXXXXX)
( while [ ! -e "$fail_file.stop" ]; do
	run_case routed percpu_ops || echo fail >> "$fail_file"
  done ) &
looper=$!
hp=0
for _ in 1 2; do
	for cpu in $(seq 1 $(($(nproc) - 1))); do
		echo 0 > "/sys/devices/system/cpu/cpu$cpu/online" || hp=1
		run_case routed percpu_ops || hp=1
		echo 1 > "/sys/devices/system/cpu/cpu$cpu/online" || hp=1
	done
done
touch "$fail_file.stop"
wait $looper
[ $hp = 0 ] && [ ! -s "$fail_file" ] &&
	[ "$(sed -n 's/^errors=//p' $dbg/verify)" = 0 ]
check $? "CPU hotplug during route all: areas right on every CPU, pcpu_alt consistent"
rm -f "$fail_file" "$fail_file.stop"

# The lab's stress beside the kernel's own routed traffic.
echo "start seconds=8" > "$dbg/stress"
while grep -q '^state=running' "$dbg/stress"; do
	unshare -n true
	run_case routed percpu_ops || echo "# percpu_ops failed during the stress"
done
st=$dbg/stress
[ "$(file_key $st corruptions)" = 0 ] && [ "$(file_key $st info_errors)" = 0 ] &&
	[ "$(file_key $st thread_failures)" = 0 ] && [ "$(file_key $st live)" = 0 ] &&
	[ "$(rkey refused_frees)" = 0 ] &&
	[ "$(sed -n 's/^errors=//p' $dbg/verify)" = 0 ]
check $? "lab stress and route all together: 0 corruptions, pcpu_alt consistent ($(file_key $st ops) stress ops, $(rkey routed_calls) routed calls)"
rmmod pcpu_alt_live_test
put "$route" off > /dev/null
say "route all: $(rkey routed_calls) routed, $(rkey passed_calls) passed, $(rkey routed_live_areas) routed areas still live"
mark_log
if rmmod pcpu_alt_live 2> /dev/null; then
	unload_all
else
	wait_klog "rmmod pcpu_alt_live refused"
	say "pcpu_alt_live stays loaded: the kernel still holds routed areas:"
	klog | grep 'held from' | sed 's/^/#   /'
fi
say "$me: $nr checks"
exit $rc
