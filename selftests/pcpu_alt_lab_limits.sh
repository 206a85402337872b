#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a root debugfs writer can make the lab engines (pcpu_alt_lab.ko,
# lab/) do to the kernel, and how quickly it can take it back:
#
#   1. a killed writer of "bench run concurrent" (kthreads on every CPU)
#      is gone within a liveness bound, its threads stopped early (far
#      fewer allocations than the run asked for, whatever the machine's
#      speed), every area freed and the checker clean; while it ran, the
#      kernel held a bounded amount of memory for its samples;
#   2. replay ids spaced widely are loaded with memory bounded by the
#      records, not by the largest id, and are matched to their frees;
#   3. replay records over the live-bytes limit count as "range";
#   4. bench runs over the documented limits fail with E2BIG and change
#      nothing; one exactly at the limit runs;
#   5. the pool refuses to hold more than its byte limit (ENOSPC);
#   6. the stress threads together stay under the live-bytes limit.
#
# The limits (lab/lab.h, lab/bench.c): 16 MiB per CPU of live areas for a
# bench case, a loaded trace, the pool and a stress run; 1000000 live
# areas over the threads of a bench case.
#
# pcpu_alt.ko and pcpu_alt_lab.ko must be loaded (this loads nothing);
# root.  Prints TAP; exits 0, 1 on a failure, 4 to skip.

ksft_skip=4
d=/sys/kernel/debug/pcpu_alt
max_live_bytes=$((16 << 20))
max_live_areas=1000000
# Seconds a killed writer may take to be gone: a liveness bound only.
kill_bound=60
# Seconds to wait for a run to reach a state it reaches in a few.
state_bound=120
# KiB of MemFree a loaded trace or a bench run's buffers may take.
mem_bound_kb=$((48 << 10))
# Widely spaced replay ids: how many, and how far apart (below 2^32;
# awk prints them with %.0f, as mawk's %d stops at 2^31 - 1).
spaced_ids=200000
id_step=16384

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root"
	exit $ksft_skip
fi
for f in bench bench_status replay pool stress stats verify; do
	[ -e "$d/$f" ] || { echo "FAIL: $d/$f missing (pcpu_alt and pcpu_alt_lab loaded?)"; exit 1; }
done

# shellcheck source=selftests/pcpu_alt_lib.sh
. "$(dirname "$(readlink -f "$0")")/pcpu_alt_lib.sh"
mem_free_kb() { awk '$1 == "MemFree:" { print $2 }' /proc/meminfo; }
# until_true SECONDS COMMAND...: poll COMMAND until it succeeds.
until_true() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt $end ] || return 1
		sleep 0.2
	done
}
gone() {	# gone PID: exited (no process, or a zombie)
	[ ! -e "/proc/$1/stat" ] && return 0
	[ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" = Z ]
}
bench_threads_running() {
	[ "$(file_key $d/bench_status state)" = running ] &&
		[ "$(file_key $d/bench_status threads)" -gt 0 ] 2>/dev/null
}
bench_kthreads() { grep -l '^pcpu_alt_bench' /proc/[0-9]*/comm 2>/dev/null | wc -l; }
consistent() {	# consistent WHAT LIVE_BEFORE
	local v live
	v=$(cat $d/verify)
	live=$(file_key $d/stats nr_cur_alloc)
	[ "$v" = errors=0 ] || { say "$1: verify: $v"; return 1; }
	[ "$live" = "$2" ] || { say "$1: nr_cur_alloc $live, was $2"; return 1; }
}

echo "TAP version 13"
echo "1..16"
cpus=$(getconf _NPROCESSORS_ONLN)
live0=$(file_key $d/stats nr_cur_alloc)

# ---- 1. killing a concurrent bench run ----
runs0=$(file_key $d/bench_status runs)
intr0=$(file_key $d/bench_status interrupted)
allocs0=$(file_key $d/stats nr_alloc)
free0=$(mem_free_kb)
# Areas of 4096 bytes take pcpu_alt's slow path, one lock for all CPUs:
# long on any machine (minutes here), so only the kill can end it early.
kill_n=64 kill_ops=10000000
printf '%s\n' "run concurrent size=4096 n=$kill_n ops=$kill_ops" > $d/bench 2>/dev/null &
writer=$!
if until_true $state_bound bench_threads_running; then
	ok "bench concurrent: its threads are running"
else
	not_ok "bench concurrent: its threads are running ($(tr '\n' ' ' < $d/bench_status))"
fi
used=$((free0 - $(mem_free_kb)))
say "MemFree dropped by $used KiB while the run went on"
[ $used -lt $mem_bound_kb ]
check $? "bench concurrent: memory held during the run below $mem_bound_kb KiB"
t0=$(date +%s)
kill -KILL $writer
if until_true $kill_bound gone $writer; then
	# (quiet: no "Killed" job notice)
	{ wait $writer; } 2>/dev/null
	st=$?
	say "writer gone $(($(date +%s) - t0)) s after SIGKILL, status $st"
	[ $st -eq 137 ]
	check $? "bench concurrent: the killed writer is gone within $kill_bound s"
else
	not_ok "bench concurrent: the killed writer is gone within $kill_bound s"
fi
[ "$(file_key $d/bench_status state)" = idle ] &&
	[ "$(file_key $d/bench_status threads)" = 0 ] &&
	[ "$(bench_kthreads)" = 0 ] &&
	[ "$(file_key $d/bench_status runs)" = $((runs0 + 1)) ] &&
	[ "$(file_key $d/bench_status interrupted)" = $((intr0 + 1)) ]
check $? "bench concurrent: idle after the kill, no bench thread left, counted as interrupted"
made=$(($(file_key $d/stats nr_alloc) - allocs0))
full=$((cpus * (kill_n + kill_ops)))
[ $made -lt $((full / 2)) ]
check $? "bench concurrent: the threads stopped early ($made of $full allocations)"
consistent "bench kill" "$live0"
check $? "bench concurrent: every area freed, checker clean"

# ---- 2. widely spaced replay ids ----
r=$d/replay
echo begin > $r
free0=$(mem_free_kb)
awk -v n=$spaced_ids -v step=$id_step \
	'BEGIN { for (i = 0; i < n; i++) printf "a %.0f 4 4 0 s\n", i * step + 7 }' > $r
used=$((free0 - $(mem_free_kb)))
st=$(head -n 1 $r)
say "$spaced_ids ids $id_step apart: MemFree dropped by $used KiB; $st"
[ "$(line_key "$st" records)" = $spaced_ids ] && [ "$(line_key "$st" rejected)" = 0 ]
check $? "replay: $spaced_ids widely spaced ids all loaded"
[ $used -lt $mem_bound_kb ]
check $? "replay: widely spaced ids take less than $mem_bound_kb KiB"
# Every other one freed, an unknown free, a double allocation.
{
	awk -v n=$spaced_ids -v step=$id_step \
		'BEGIN { for (i = 0; i < n; i += 2) printf "f %.0f\n", i * step + 7 }'
	printf 'f 5\na 7 8 8 0 s\na %d 8 8 0 s\n' $((id_step + 7))
} > $r
st=$(head -n 1 $r)
want_f=$((spaced_ids / 2))
[ "$(line_key "$st" frees)" = $want_f ] && [ "$(line_key "$st" rej_unknown_free)" = 1 ] &&
	[ "$(line_key "$st" rej_double_alloc)" = 1 ] && [ "$(line_key "$st" allocs)" = $((spaced_ids + 1)) ]
check $? "replay: frees find their widely spaced ids ($st)"
echo begin > $r
printf 'a 4294967295 8 8 0 s\na 0 16 8 0 s\na 2147483648 32 8 0 s\nf 4294967295\nf 2147483648\nf 1\n' > $r
echo run > $r
rep=$(grep '^replayed ' $r)
alt=$(grep '^allocator=pcpu_alt ' $r)
[ "$(line_key "$rep" records)" = 5 ] && [ "$(line_key "$rep" rej_unknown_free)" = 1 ] &&
	[ "$(line_key "$alt" free_ops)" = 2 ] && [ "$(line_key "$alt" freed_at_end)" = 1 ] &&
	consistent "replay" "$live0"
check $? "replay: ids 0..2^32-1 replay, frees matched, everything freed"

# ---- 3. replay live-bytes limit ----
big=32768
fit=$((max_live_bytes / big))
echo begin > $r
awk -v n=$((fit + 88)) -v sz=$big 'BEGIN { for (i = 0; i < n; i++) printf "a %d %d 8 0 s\n", i, sz }' > $r
printf 'f 0\na 999999 %d 8 0 s\n' $big > $r
st=$(head -n 1 $r)
say "$st"
[ "$(line_key "$st" allocs)" = $((fit + 1)) ] && [ "$(line_key "$st" rej_range)" = 88 ]
check $? "replay: allocations over $max_live_bytes live bytes per CPU count as range"
echo begin > $r

# ---- 4. bench limits ----
b=$d/bench
put $b 'run steady size=8 n=10 ops=100' >/dev/null
runs0=$(file_key $d/bench_status runs)
refused=0
e2big() {	# e2big CMD: refused with E2BIG
	local e
	if e=$(put $b "$1"); then
		say "'$1' accepted"; refused=1
	elif [ "$e" != "Argument list too long" ]; then
		say "'$1': $e, expected E2BIG"; refused=1
	fi
}
e2big "run burst size=$big n=$((fit + 1)) order=inorder"
e2big "run steady size=$big n=1000"
e2big "run steady n=$((max_live_bytes / 4096 + 1))"
e2big "run concurrent size=4096 n=$((max_live_bytes / (cpus * 4096) + 1)) ops=10"
[ "$cpus" -gt 1 ] && e2big "run concurrent size=4 n=$((max_live_areas / cpus + 1)) ops=10"
e2big "run mixed threads=1 n=1000000 ops=10"
[ $refused -eq 0 ]
check $? "bench: runs over the limits fail with E2BIG"
grep -q '^workload=steady order=- size=8 n=10 ' $b &&
	[ "$(file_key $d/bench_status runs)" = "$runs0" ]
check $? "bench: refused runs keep the last results and do not run"
e=$(put $b "run burst size=$big n=$fit order=inorder")
check $? "bench: a run exactly at the limit runs${e:+ ($e)}"

# ---- 5. pool byte limit ----
p=$d/pool
put $p 'free all' >/dev/null
e=$(put $p "alloc $fit $big 8") || say "alloc $fit $big 8: $e"
e2=$(put $p 'alloc 1 4 4')
[ -z "$e" ] && [ "$e2" = "No space left on device" ]
check $? "pool: holds $max_live_bytes bytes per CPU, refuses more with ENOSPC ($e2)"
put $p 'free all' >/dev/null

# ---- 6. stress live-bytes limit ----
s=$d/stress
stress_done() { [ "$(file_key $s state)" = 'done' ]; }
# About 4000 areas of 6 KiB on average live at the end: over the limit.
if e=$(put $s 'start ops=40000 max_live=4096 max_size=32768 small_pct=0 atomic_pct=0 seed=1'); then
	until_true $state_bound stress_done
	say "stress: $(grep -E '^(end|ops|live|live_peak|cap_hits|live_bytes|corruptions|fail_blocking)=' $s | tr '\n' ' ')"
	[ "$(file_key $s cap_hits)" -gt 0 ] && [ "$(file_key $s live)" = 0 ] &&
		[ "$(file_key $s live_bytes)" = 0 ] && [ "$(file_key $s corruptions)" = 0 ] &&
		consistent "stress" "$live0"
	check $? "stress: the threads stop at the live-bytes limit, then free everything"
else
	not_ok "stress: start refused: $e"
fi

[ $rc -eq 0 ] && echo "PASS: lab limits"
exit $rc
