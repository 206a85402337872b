#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module-level checks that need pcpu_alt loaded and unloaded several times,
# so they run outside the kselftest pass (pcpu_alt must NOT be loaded).
# Every load is pcpu_alt.ko and then pcpu_alt_lab.ko when KO_DIR has it
# (load_modules of scripts/lib/common.sh), every unload the reverse:
#   - the in-kernel tests (pcpu_alt_test.ko) with the caches off, under
#     the km backend, the private layout and a small unit size;
#   - unload with live allocations: pcpu_alt reports how many, how many
#     bytes and from where (by the symbol recorded when the site first
#     allocated, though its code is gone), then releases everything: no
#     vmap area of ours remains;
#   - bad module parameters are refused at load and on write;
#   - per-CPU caches are drained when their CPU goes offline and when the
#     cache parameter is turned off at run time;
#   - unload while a stress run is going stops it and frees its areas;
#   - parameter writes racing with unload, and a CPU going offline during
#     unload's last cache drain (race_delay_ms holds each window open);
#   - a watermark write while pcpu_alt initialises, with an init that
#     succeeds and one that fails (race_delay_ms at load);
#   - a region vmap() cannot map: an explicit unit_kb is refused at load,
#     an automatic layout falls back to a smaller unit.
# Prints TAP; exits non-zero on any failure.
#
# Usage: run_module_configs.sh KO_DIR

me=run_module_configs
# shellcheck source=scripts/lib/common.sh
. "$(dirname "$(readlink -f "$0")")/../scripts/lib/common.sh"
ko_dir=${1:?usage: run_module_configs.sh KO_DIR}
n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $1"
}

# The kernel log is never cleared (vm-run scans all of it at the end):
# mark_log writes a numbered mark, klog prints the lines after the last.
marks=0
mark_log() {
	marks=$((marks + 1))
	echo "run_module_configs: mark $marks" > /dev/kmsg
}

klog() {
	dmesg | sed 's/^\[[ 0-9.]*\] //' |
		sed -n "/^run_module_configs: mark $marks\$/,\$p"
}

run_ktests() {
	params=$1
	mark_log
	if ! load_modules "$ko_dir" $params; then
		not_ok "load pcpu_alt $params"
		return
	fi
	# 200000 keeps the 4-byte worst case meaningful (several chunks)
	# without repeating the default pass's full million each time.
	if insmod "$ko_dir/pcpu_alt_test.ko" million=200000; then
		ok "pcpu_alt_test with $params"
		rmmod pcpu_alt_test
	else
		klog | grep -E '^(not ok|    #)' | sed 's/^/# /'
		not_ok "pcpu_alt_test with $params"
	fi
	unload_modules || not_ok "unload pcpu_alt $params"
}

vmap_areas() {
	grep -c ' vmap$' /proc/vmallocinfo
}

# Leave $leaks allocations of 32 bytes live at unload.  $1: pcpu_alt's
# parameters; $2: the group line the report must have; $3: what it names.
leaks=5
check_unload_with_leaks() {
	before=$(vmap_areas)
	mark_log
	if ! load_modules "$ko_dir" $1; then
		not_ok "load pcpu_alt $1 for the leak check"
		return
	fi
	during=$(vmap_areas)
	insmod "$ko_dir/pcpu_alt_test.ko" million=1000 leak=$leaks &&
		rmmod pcpu_alt_test
	unload_modules
	after=$(vmap_areas)
	echo "# vmap areas: before $before, loaded $during, after $after"
	if klog | grep -q "unload with $leaks live allocation(s), $((leaks * 32)) bytes per CPU" &&
	   klog | grep -q "pcpu_alt:   $2" &&
	   { [ -z "$4" ] || klog | grep -q "$4"; }; then
		ok "unload ($1) reports $leaks leaked allocations with their $3"
	else
		klog | grep "pcpu_alt: " | sed 's/^/# /'
		not_ok "unload ($1) reports $leaks leaked allocations with their $3"
	fi
	if [ "$during" -gt "$before" ] && [ "$after" -eq "$before" ]; then
		ok "no vmap area left after unload ($1)"
	else
		not_ok "no vmap area left after unload ($1)"
	fi
}

# The leaked areas above came from pcpu_alt_test's init function, freed
# once that module was up, and the module was unloaded before pcpu_alt:
# the report still names the site by the symbol recorded when it first
# allocated, and says that code is gone (a bare address otherwise).
check_leak_site_named() {
	local want="from pcpu_alt_test_init+0x[0-9a-f]*/0x[0-9a-f]* \\[pcpu_alt_test\\] (init, freed)\$"
	if klog | grep -q "pcpu_alt:   $leaks allocation(s), .* $want"; then
		ok "unload report names a site whose code is gone by its symbol"
	else
		klog | grep "pcpu_alt:   " | sed 's/^/# /'
		not_ok "unload report names a site whose code is gone by its symbol"
	fi
}

# Refused at load: nothing stays loaded.  Refused on write: value kept.
check_bad_params() {
	bad=0
	for params in "unit_kb=16" "unit_kb=33" "backend=foo" "layout=bar" \
		      "empty_pages_low=8 empty_pages_high=4" \
		      "empty_pages_high=5000" \
		      "empty_pages_high=$((unit_pages + 1))" \
		      "cache_idle_ms=99" "cache_idle_ms=600001" "cache_idle_ms=x"; do
		if load_modules "$ko_dir" $params 2>/dev/null ||
		   [ -d /sys/module/pcpu_alt ]; then
			echo "# accepted at load: $params"
			bad=1
			unload_modules 2>/dev/null
		fi
	done
	[ $bad -eq 0 ] && ok "bad load parameters refused" ||
		not_ok "bad load parameters refused"

	bad=0
	load_modules "$ko_dir" || { not_ok "load pcpu_alt"; return; }
	low=/sys/module/pcpu_alt/parameters/empty_pages_low
	for v in x 9999 5 "2 3" -1 $((unit_pages + 1)); do
		if printf '%s' "$v" > "$low" 2>/dev/null; then
			echo "# empty_pages_low accepted '$v'"
			bad=1
		fi
		[ "$(cat "$low")" = 2 ] || { echo "# changed to $(cat "$low")"; bad=1; }
	done
	idle=/sys/module/pcpu_alt/parameters/cache_idle_ms
	for v in x 99 600001 -1 "200 300"; do
		if printf '%s' "$v" > "$idle" 2>/dev/null; then
			echo "# cache_idle_ms accepted '$v'"
			bad=1
		fi
		[ "$(cat "$idle")" = 1000 ] || { echo "# changed to $(cat "$idle")"; bad=1; }
	done
	printf 250 > "$idle" && [ "$(cat "$idle")" = 250 ] ||
		{ echo "# cache_idle_ms refused 250"; bad=1; }
	unload_modules
	[ $bad -eq 0 ] && ok "bad parameter writes refused, value kept" ||
		not_ok "bad parameter writes refused, value kept"
}

# Pages of one unit under the default layout (4 KiB pages).
unit_pages_now() {
	load_modules "$ko_dir" || return 1
	sed -n 's/^unit_size=//p' /sys/kernel/debug/pcpu_alt/stats |
		awk '{ print $1 / 4096 }'
	unload_modules
}

# Caches give memory back when their CPU goes offline and when turned off.
cached_on_cpu() {
	sed -n "s/^cpu=$1 cached=\([0-9]*\) .*/\1/p" "$dbg/caches"
}

fill_cache_on() {
	taskset -c "$1" sh -c "echo 'alloc 64 8 8' > $dbg/pool &&
			       echo 'free all' > $dbg/pool"
}

check_cache_gives_back() {
	dbg=/sys/kernel/debug/pcpu_alt
	cpu=$(($(nproc) - 1))
	load_modules "$ko_dir" || { not_ok "load pcpu_alt"; return; }
	fill_cache_on "$cpu"
	before=$(cached_on_cpu "$cpu")
	echo 0 > "/sys/devices/system/cpu/cpu$cpu/online"
	after=$(cached_on_cpu "$cpu")
	echo 1 > "/sys/devices/system/cpu/cpu$cpu/online"
	echo "# cpu$cpu cache: $before areas, after offline: $after"
	[ "${before:-0}" -gt 0 ] && [ "$after" = 0 ] &&
		ok "offline CPU's cache drained" ||
		not_ok "offline CPU's cache drained"

	fill_cache_on 0
	before=$(sed -n 's/^cached_areas=//p' "$dbg/stats")
	echo 0 > /sys/module/pcpu_alt/parameters/cache
	after=$(sed -n 's/^cached_areas=//p' "$dbg/stats")
	echo "# cached areas: $before, after cache=0: $after"
	[ "${before:-0}" -gt 0 ] && [ "$after" = 0 ] &&
		grep -q '^errors=0$' "$dbg/verify" &&
		ok "cache=0 at run time drains every cache" ||
		not_ok "cache=0 at run time drains every cache"
	unload_modules || not_ok "unload pcpu_alt"
}

# Unloading during a stress run without a time limit: the threads stop
# and free everything, so no leak is reported and no vmap area is left.
check_unload_during_stress() {
	before=$(vmap_areas)
	mark_log
	load_modules "$ko_dir" || { not_ok "load pcpu_alt"; return; }
	st=/sys/kernel/debug/pcpu_alt/stress
	echo "start seconds=0" > $st
	i=0
	while ! grep -q '^threads_working=[1-9]' $st && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q '^state=running' $st || echo "# stress not running: $(head -n 1 $st)"
	if unload_modules && ! klog | grep -q 'live allocation' &&
	   [ "$(vmap_areas)" -eq "$before" ]; then
		ok "unload stops a running stress and frees its areas"
	else
		klog | grep pcpu_alt | sed 's/^/# /'
		not_ok "unload stops a running stress and frees its areas"
	fi
}


# Wait (at most 60 s) for a kernel log line after the last mark.
wait_klog() {
	i=0
	while ! klog | grep -q "$1"; do
		[ $i -ge 600 ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

race_delay=/sys/module/pcpu_alt/parameters/race_delay_ms

# A cache parameter write that is draining the caches while rmmod runs:
# the unload waits for it, instead of freeing the caches under it.  Then
# the same without a held window, many times over.
check_param_write_during_unload() {
	mark_log
	load_modules "$ko_dir" || { not_ok "load pcpu_alt"; return; }
	echo 3000 > "$race_delay"
	echo 0 > /sys/module/pcpu_alt/parameters/cache &
	writer=$!
	if ! wait_klog "race window open: cache drain"; then
		wait $writer
		unload_modules
		not_ok "cache=0 write racing with unload"
		return
	fi
	unload_modules
	wait $writer
	rc=$?
	[ -d /sys/module/pcpu_alt ] && { not_ok "cache=0 write racing with unload"; return; }
	echo "# held write exited $rc; the module is gone"
	# The unload must wait for the write before it tears the caches
	# down: its own window (before the last drain) may open only after
	# the write's window closed.  Unfenced, it opens inside it.
	first=$(klog | grep -m1 -e 'race window closed: cache drain' \
		-e 'race window open: unload')
	echo "# first in the log: $first"
	case $first in
	*"window closed: cache drain"*) ;;
	*) not_ok "cache=0 write racing with unload: unload waited for it"; return ;;
	esac
	for i in $(seq 20); do
		load_modules "$ko_dir" || { not_ok "load pcpu_alt ($i)"; return; }
		( for v in 0 1 0 1 0 1 0 1; do
			echo $v > /sys/module/pcpu_alt/parameters/cache
		  done ) 2>/dev/null &
		writer=$!
		unload_modules
		wait $writer
	done
	[ -d /sys/module/pcpu_alt ] && not_ok "cache=N writes racing with unload" ||
		ok "cache=N writes racing with unload (one held, 20 looped)"
}

# A CPU that goes offline while unload drains the caches: unload holds
# CPU hotplug off for it, so the CPU's cached areas are given back, not
# reported as a leak.  One try sets offline_try to leak, clean (the CPU's
# areas were still cached at the last drain) or idle (the reaper had
# drained them first: nothing was shown).  The reaper's period is made
# long so that a slow kernel (the debug tier) does not reach it first.
offline_during_unload_try() {
	dbg=/sys/kernel/debug/pcpu_alt
	cpu=$(($(nproc) - 1))
	online=/sys/devices/system/cpu/cpu$cpu/online
	mark_log
	load_modules "$ko_dir" cache_idle_ms=600000 || { offline_try=leak; return; }
	fill_cache_on "$cpu"
	before=$(cached_on_cpu "$cpu")
	rmmod pcpu_alt_lab
	echo 3000 > "$race_delay"
	rmmod pcpu_alt &
	remover=$!
	if wait_klog "race window open: unload"; then
		echo 0 > "$online"
	fi
	wait $remover
	echo 1 > "$online"
	given=$(klog | sed -n 's/.*unload: \([0-9]*\) cached area(s) given back.*/\1/p')
	echo "# cpu$cpu cached $before areas before unload; unload gave back ${given:-0}"
	if klog | grep -q 'live allocation'; then
		klog | grep pcpu_alt | sed 's/^/# /'
		offline_try=leak
	elif [ "${before:-0}" -gt 0 ] && [ "${given:-0}" -ge "$before" ]; then
		offline_try=clean
	else
		offline_try=idle
	fi
}

check_offline_during_unload() {
	for try in 1 2 3; do
		offline_during_unload_try
		[ "$offline_try" = idle ] || break
	done
	case $offline_try in
	clean)	ok "CPU offline during unload: its cache drained, no leak reported" ;;
	leak)	not_ok "CPU offline during unload: its cache drained, no leak reported" ;;
	*)	not_ok "CPU offline during unload: caches went idle before unload in 3 tries" ;;
	esac
}

# A kernel report after the last mark: a crash the test provoked.
klog_splat() {
	klog | grep -E 'BUG:|Oops|general protection|WARNING:' | head -n 3
}

# One load with an empty_pages_low write inside init's race window (after
# the watermarks are checked, before the chunk layer exists).  $1: more
# parameters for pcpu_alt.ko.  Sets init_rc to insmod's exit status;
# returns non-zero when the window or the write did not happen.
write_during_init() {
	local loader
	mark_log
	# shellcheck disable=SC2086 # several parameters, split on purpose
	insmod "$ko_dir/pcpu_alt.ko" race_delay_ms=10000 $1 &
	loader=$!
	if ! wait_klog "race window open: init"; then
		wait $loader
		init_rc=$?
		return 1
	fi
	echo 3 > /sys/module/pcpu_alt/parameters/empty_pages_low
	written=$?
	# The kernel log orders the write and the window's end, however
	# slowly this script polls it (the debug kernel under load).
	echo "run_module_configs: init-window write returned" > /dev/kmsg
	wait $loader
	init_rc=$?
	# A write after the window closed tests nothing: say so, fail.
	if ! klog | sed -n '/init-window write returned/,$p' |
		grep -q "race window closed: init"; then
		echo "# the write landed after the init window closed"
		written=1
	fi
	return $written
}

# The write is kept and queues no background work before the chunk layer
# exists: it would run against slot lists not yet made.  When the init
# then fails (fail_every=1 fails the slot lists), the module goes away
# with nothing of it left to run.
check_param_write_during_init() {
	local what="empty_pages_low write while pcpu_alt initialises"
	local dbg=/sys/kernel/debug/pcpu_alt splat

	if ! write_during_init ""; then
		[ -d /sys/module/pcpu_alt ] && rmmod pcpu_alt
		not_ok "$what: the window opened and the write went in"
		return
	fi
	# Loaded: no more windows (verify drains the caches, which has one).
	[ -d /sys/module/pcpu_alt ] &&
		echo 0 > /sys/module/pcpu_alt/parameters/race_delay_ms
	splat=$(klog_splat)
	if [ "$init_rc" -ne 0 ] || [ -n "$splat" ] ||
	   ! grep -qx 'empty_pages_low=3' "$dbg/stats" ||
	   ! grep -q '^errors=0$' "$dbg/verify"; then
		echo "# insmod exited $init_rc; ${splat:-no kernel report}"
		grep -E '^empty_pages_low=' "$dbg/stats" 2>/dev/null | sed 's/^/# /'
		not_ok "$what: loaded, the value kept, no work against missing chunks"
	else
		ok "$what: loaded, the value kept, no work against missing chunks"
	fi
	rmmod pcpu_alt

	write_during_init "fail_every=1"
	written=$?
	splat=$(klog_splat)
	if [ "$written" -eq 0 ] && [ "$init_rc" -ne 0 ] &&
	   [ ! -d /sys/module/pcpu_alt ] && [ -z "$splat" ]; then
		ok "$what, then init fails: gone, nothing of it runs"
	else
		echo "# insmod exited $init_rc; ${splat:-no kernel report}"
		[ -d /sys/module/pcpu_alt ] && rmmod pcpu_alt
		not_ok "$what, then init fails: gone, nothing of it runs"
	fi
}

# vmap() maps at most the RAM size: an explicit unit too large for that is
# refused at load with what to set; the automatic one shrinks to fit.
check_span_limits() {
	mark_log
	if load_modules "$ko_dir" unit_kb=524284 2>/dev/null; then
		not_ok "unit_kb beyond what vmap() maps refused at load"
		unload_modules
	elif klog | grep -q "load with unit_kb <= "; then
		ok "unit_kb beyond what vmap() maps refused at load"
	else
		klog | grep pcpu_alt | sed 's/^/# /'
		not_ok "unit_kb beyond what vmap() maps refused at load (message)"
	fi
	if load_modules "$ko_dir" span_limit_pages=16 2>/dev/null; then
		not_ok "no unit fits: refused at load"
		unload_modules
	else
		ok "no unit fits: refused at load"
	fi
	mark_log
	run_ktests "span_limit_pages=256"
	klog | grep -q "layout private (compat and default units too large" ||
		echo "# span_limit_pages=256 did not fall back as expected"
}

if [ -d /sys/module/pcpu_alt ]; then
	echo "run_module_configs: unload pcpu_alt first" >&2
	exit 1
fi
unit_pages=$(unit_pages_now) || { echo "run_module_configs: cannot load pcpu_alt" >&2; exit 1; }
echo "TAP version 13"
echo "1..21"
run_ktests "cache=0"
run_ktests "backend=km"
run_ktests "layout=private"
run_ktests "backend=km layout=private unit_kb=64"
check_unload_with_leaks "" \
	"$leaks allocation(s), $((leaks * 32)) bytes per CPU, from " "call site"
check_leak_site_named
check_unload_with_leaks "track_callers=1" \
	"$leaks allocation(s), $((leaks * 32)) bytes per CPU, from " \
	"call site (track_callers is a no-op)" "track_callers is no longer needed"
check_bad_params
check_cache_gives_back
check_unload_during_stress
check_param_write_during_unload
check_offline_during_unload
check_param_write_during_init
check_span_limits
echo "# run_module_configs: $n checks, $failed failed"
[ "$failed" -eq 0 ]
