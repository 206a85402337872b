#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs every bpftrace script in scripts/trace/ through scripts/trace/run,
# together: "chunks" for a set time, attached last, the others until
# interrupted.  Once all have attached, a background load allocates and frees through
# pcpu_alt and the stock allocator (debugfs bench and pool) until "chunks"
# has exited by itself and the load has gone round at least once; then the
# others get SIGINT.
# Checks that each one attached, exited 0 and printed what it should: the four latency histograms; both size
# histograms and pcpu_alt's failure reasons; per-second lines and totals
# showing pcpu_alt chunk and page activity.
#
# pcpu_alt.ko must be loaded, and pcpu_alt_lab.ko (debugfs bench and pool)
# where there is one; root.  SKIPs without bpftrace.
# PCPU_ALT_BT_SECS: seconds "chunks" traces (default 30: under emulation
# the scripts attach up to ~15 s apart and the load starts after the last).
# PCPU_ALT_BT_TIMEOUT: give up after this many seconds (default 480;
# bpftrace takes 20-50 s to start under emulation).

ksft_skip=4
here=$(dirname "$(readlink -f "$0")")
repo=$here/..
bt=$repo/scripts/trace/run
dbg=/sys/kernel/debug/pcpu_alt
secs=${PCPU_ALT_BT_SECS:-30}
timeout=${PCPU_ALT_BT_TIMEOUT:-480}
scripts="latency sizes chunks"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root"
	exit $ksft_skip
fi
if ! command -v bpftrace >/dev/null; then
	echo "SKIP: bpftrace not installed"
	exit $ksft_skip
fi
if [ ! -w "$dbg/bench" ] || [ ! -w "$dbg/pool" ]; then
	echo "FAIL: $dbg/bench or $dbg/pool missing (pcpu_alt and pcpu_alt_lab loaded?)"
	exit 1
fi
for s in $scripts; do
	f=$repo/scripts/trace/$s.bt
	[ -f "$f" ] || { echo "FAIL: $f missing"; exit 1; }
	sed -n 2p "$f" | grep -q '^/\*' ||
		{ echo "FAIL: $f does not start with a comment"; exit 1; }
done

tmp=$(mktemp -d /tmp/pcpu_alt_bt.XXXXXX) || exit 1
load_pid=
cleanup() {
	[ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
	for s in $scripts; do
		[ -f "$tmp/$s.pid" ] && kill -INT "$(cat "$tmp/$s.pid")" 2>/dev/null
	done
	wait
	echo 'free all' > "$dbg/pool" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# Load until told to stop: chunks made and given back in pcpu_alt (pool),
# bursts through both allocators (bench), non-blocking failures (nowait).
load() {
	while [ ! -e "$tmp/stop" ]; do
		echo 'alloc 600 4096 8' > "$dbg/pool"
		echo 'free all' > "$dbg/pool"
		echo 'run burst n=5000 size=256 order=random' > "$dbg/bench"
		# 200 x 32 KiB exceeds every page this load populates: some
		# non-blocking allocations must fail, caches or not.
		echo 'run nowait n=200 size=32768' > "$dbg/bench"
		touch "$tmp/went_round"
		sleep 1
	done
}

# attach S...: start each script, then wait for its BEGIN line (printed
# once its probes are in), so the load does not run while kprobes are
# being patched in.
attach() {
	for s in "$@"; do
		d=0
		[ "$s" = chunks ] && d=$secs
		"$bt" "$s" "$d" > "$tmp/$s.out" 2>&1 &
		echo $! > "$tmp/$s.pid"
	done
	for s in "$@"; do
		until grep -q "^pcpu_alt_$s: " "$tmp/$s.out"; do
			kill -0 "$(cat "$tmp/$s.pid")" 2>/dev/null || break
			[ $(($(date +%s) - start)) -lt "$timeout" ] || break
			sleep 1
		done
	done
}
start=$(date +%s)
rc=0
# "chunks" last: its time runs from its own BEGIN, and attaching the
# others can take minutes on a slow kernel (177 s on the debug kernel
# under load), after which its window had closed with no load seen.
attach latency sizes
attach chunks
echo "# all attached after $(($(date +%s) - start))s; starting the load"
load &
load_pid=$!

# Stop the load before a script detaches: detaching patches kernel text
# (tracepoint static keys), which the load would be running through.
stop_load() {
	[ -n "$load_pid" ] || return 0
	touch "$tmp/stop"
	wait "$load_pid"
	load_pid=
}

# wait_for FILE: until it exists, or the time is up.
wait_for() {
	while [ ! -e "$1" ] && [ $(($(date +%s) - start)) -lt "$timeout" ]; do
		sleep 1
	done
}
# chunks first: it must stop by itself; then the load must have gone round.
for s in chunks latency sizes; do
	pid=$(cat "$tmp/$s.pid")
	if [ "$s" != chunks ]; then
		wait_for "$tmp/went_round"
		stop_load
		kill -INT "$pid" 2>/dev/null
	fi
	while kill -0 "$pid" 2>/dev/null; do
		if [ $(($(date +%s) - start)) -ge "$timeout" ]; then
			echo "FAIL: $s still running after ${timeout}s"
			kill -INT "$pid"
			rc=1
			break
		fi
		sleep 1
	done
	wait "$pid"
	src=$?
	rm -f "$tmp/$s.pid"
	echo "# ---- $s (exit $src, $(($(date +%s) - start))s) ----"
	sed 's/^/# /' "$tmp/$s.out"
	[ "$src" -eq 0 ] || { echo "FAIL: $s exited $src"; rc=1; }
	grep -q '^Attaching [0-9]* probe' "$tmp/$s.out" ||
		{ echo "FAIL: $s did not attach"; rc=1; }
done
stop_load

# need SCRIPT PATTERN WHAT: SCRIPT's output has a line matching PATTERN.
need() {
	grep -Eq "$2" "$tmp/$1.out" || { echo "FAIL: $1: no $3"; rc=1; }
}
# A histogram @name with at least one non-empty bucket after it.
hist() {
	awk -v m="@$2:" '$1 == m { on = 1; next }
		on && /^\[/ { if ($(NF - 1) + 0 > 0) found = 1; next }
		on { on = 0 }
		END { exit !found }' "$tmp/$1.out" ||
		{ echo "FAIL: $1: histogram @$2 missing or empty"; rc=1; }
}

for m in alt_alloc_ns alt_free_ns stock_alloc_ns stock_free_ns; do
	hist latency "$m"
done
need latency '^@alt_alloc_stats: count [1-9]' "pcpu_alt alloc stats"
need latency '^@stock_free_stats: count [1-9]' "stock free stats"
hist sizes alt_size
hist sizes stock_size
need sizes '^@alt_fail\[no_populated, 1\]: [1-9]' "pcpu_alt failure reasons"
need sizes '^@alt_callers\[.*\]: [1-9]' "pcpu_alt callers"
need chunks '^[0-9][0-9]:[0-9][0-9]:[0-9][0-9] \|' "per-second lines"
need chunks '^totals: pcpu_alt chunks \+[1-9][0-9]* -[0-9]+ pages \+[1-9]' \
	"pcpu_alt chunk and page totals"
# Duration honoured: about one line per second, not many more.
lines=$(grep -c '^[0-9][0-9]:[0-9][0-9]:[0-9][0-9] |' "$tmp/chunks.out")
[ "$lines" -le $((secs + 1)) ] ||
	{ echo "FAIL: chunks printed $lines per-second lines for ${secs}s"; rc=1; }

[ $rc -eq 0 ] && echo "PASS: bpftrace scripts ($scripts)"
exit $rc
