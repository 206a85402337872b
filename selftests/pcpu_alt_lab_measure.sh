#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The lab's measurement engines (pcpu_alt_lab.ko, lab/bench.c and
# lab/replay.c), small and fast:
#
#   - bench "run mixed" on one CPU and on every CPU: its result lines are
#     well formed (the documented keys, then the mixed ones), every
#     operation ran, nothing failed, both allocators saw the same sizes;
#   - the sizes really requested (pcpu_alt's trace event pcpu_alt_alloc,
#     one per allocation) are the mix's: the documented default mix
#     (bench_status lists it), without jitter exactly its sizes, with
#     jitter within -15%..+15% rounded up to 4 and to the alignment; a
#     user mix of one entry (2048 bytes, aligned 64) gives only that;
#   - bad "mix" lines fail (EINVAL, E2BIG past 64 entries) and change
#     nothing; "mix default" restores the default;
#   - replay: the pcpu_alt result line has time_ratio=, its time_ns over
#     stock's with three decimals, after frag_bytes=, then cache_refills=,
#     cache_drains= and refills_per_1000= (one decimal) at its end;
#     call_p50_ns and time_trim_ns of
#     both allocators agree with time_ns and the number of calls.
#
# pcpu_alt.ko and pcpu_alt_lab.ko must be loaded (this loads nothing);
# root; tracefs.  Prints TAP; exits 0, 1 on a failure, 4 to skip.

ksft_skip=4
d=/sys/kernel/debug/pcpu_alt
b=$d/bench
bs=$d/bench_status
keys="workload order size n threads allocator alloc_ops alloc_fail free_ops wall_ns ops_per_sec alloc_ns_per_op alloc_p50 alloc_p90 alloc_p99 alloc_max free_ns_per_op free_p50 free_p90 free_p99 free_max timer_ns mix mix_entries jitter_pct size_min size_max size_mean"
# The documented default mix: size/align:weight.
default_mix="4/4:18 8/4:3 8/8:22 16/4:15 16/8:16 16/16:1 32/8:2 32/16:7 32/32:2 128/64:1 144/8:2 176/8:2 256/256:2 304/8:3 496/8:2 1088/64:2"
max_mix=64

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root"
	exit $ksft_skip
fi
for f in $b $bs $d/replay $d/stats $d/verify; do
	[ -e "$f" ] || { echo "FAIL: $f missing (pcpu_alt and pcpu_alt_lab loaded?)"; exit 1; }
done
T=/sys/kernel/tracing
[ -d $T/events/pcpu_alt ] || T=/sys/kernel/debug/tracing
[ -d $T/events/pcpu_alt/pcpu_alt_alloc ] || { echo "FAIL: no pcpu_alt trace events under $T"; exit 1; }

# shellcheck source=selftests/pcpu_alt_lib.sh
. "$(dirname "$(readlink -f "$0")")/pcpu_alt_lib.sh"
consistent() {
	[ "$(cat $d/verify)" = errors=0 ] &&
		[ "$(file_key $d/stats nr_cur_alloc)" = "$live0" ]
}
# The mix as bench_status lists it: "size/align:weight ...".
listed_mix() {
	awk '/^mix_entry=/ { split($2, s, "="); split($3, a, "="); split($4, w, "=");
		printf "%s%s/%s:%s", n++ ? " " : "", s[2], a[2], w[2] } END { print "" }' $bs
}
mix_state() { grep '^mix' $bs; }

tmp=$(mktemp -d /tmp/pcpu_alt_measure.XXXXXX) || exit 1
cleanup() {
	echo 0 > $T/events/pcpu_alt/pcpu_alt_alloc/enable
	echo > $T/trace
	put $b 'mix default' >/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# traced CMD: run bench CMD with pcpu_alt's allocation events recorded;
# leaves its results in $tmp/out and "size align" per allocation in
# $tmp/sizes.
traced() {
	local e
	echo > $T/trace
	echo 1 > $T/events/pcpu_alt/pcpu_alt_alloc/enable
	e=$(put $b "$1")
	echo 0 > $T/events/pcpu_alt/pcpu_alt_alloc/enable
	awk '/ pcpu_alt_alloc: / { s = a = ""
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^size=/) s = substr($i, 6)
			if ($i ~ /^align=/) a = substr($i, 7)
		}
		print s, a }' $T/trace > $tmp/sizes
	cat $b > $tmp/out
	say "$1"
	sed 's/^/#   /' $tmp/out
	[ -z "$e" ] || { say "'$1' failed: $e"; return 1; }
}

# rows WANT N OPS THREADS MIX ENTRIES JITTER LO HI: the result lines of
# a mixed run are well formed; THREADS lists each case's threads.
rows() {
	awk -v keys="$keys" -v want="$1" -v n="$2" -v ops="$3" -v threads="$4" \
	    -v mix="$5" -v entries="$6" -v jitter="$7" -v lo="$8" -v hi="$9" '
	function bad(why) { printf "# line %d: %s\n", NR, why; err = 1 }
	/^#/ { next }
	{
		rows++
		nk = split(keys, k, " ")
		if (NF != nk) { bad("expected " nk " fields, got " NF); next }
		for (i = 1; i <= nk; i++) {
			if (split($i, kv, "=") != 2 || kv[1] != k[i]) { bad("field " i " is " $i); next }
			v[k[i]] = kv[2] ""
			x[k[i]] = kv[2] + 0
		}
		split(threads, th, " ")
		c = int((rows + 1) / 2)
		if (v["allocator"] != (rows % 2 ? "pcpu_alt" : "stock")) bad("allocator " v["allocator"])
		if (v["workload"] != "mixed" || v["order"] != "-" || v["size"] != 0) bad("not a mixed line")
		if (x["n"] != n + 0 || x["threads"] != th[c] + 0) bad("n or threads")
		if (x["alloc_ops"] != ops * th[c] || x["free_ops"] != x["alloc_ops"]) bad("alloc_ops or free_ops")
		if (x["alloc_fail"] != 0) bad("allocation failures")
		if (x["wall_ns"] == 0 || x["ops_per_sec"] == 0 || x["alloc_p50"] == 0) bad("zero figures")
		if (!(x["alloc_p50"] <= x["alloc_p90"] && x["alloc_p90"] <= x["alloc_p99"] && x["alloc_p99"] <= x["alloc_max"]) ||
		    !(x["free_p50"] <= x["free_p90"] && x["free_p90"] <= x["free_p99"] && x["free_p99"] <= x["free_max"]))
			bad("percentiles out of order")
		if (v["mix"] != mix || x["mix_entries"] != entries + 0 || x["jitter_pct"] != jitter + 0) bad("mix keys")
		if (!(lo + 0 <= x["size_min"] && x["size_min"] <= x["size_mean"] && x["size_mean"] <= x["size_max"] && x["size_max"] <= hi + 0))
			bad("sizes " v["size_min"] " " v["size_mean"] " " v["size_max"] " outside " lo ".." hi)
		sizes = v["size_min"] " " v["size_max"] " " v["size_mean"]
		if (rows % 2) alt = sizes
		else if (sizes != alt) bad("stock drew other sizes than pcpu_alt")
	}
	END {
		if (rows != want) { printf "# %d result lines, expected %d\n", rows, want; err = 1 }
		exit err
	}' $tmp/out
}

# sizes_fit COUNT MIX JITTER DISTINCT: COUNT allocations traced, each a
# size and alignment MIX ("size/align:weight ...") gives with jitter
# JITTER (0 or 15 percent): a multiple of max(4, align) between the
# entry's size moved down and up by JITTER percent and rounded up
# likewise; DISTINCT different sizes at least (jitter makes more of them
# than the mix has).
sizes_fit() {
	awk -v count="$1" -v mix="$2" -v jitter="$3" -v distinct="$4" '
	function up(x, m) { return int((x + m - 1) / m) * m }
	BEGIN {
		ne = split(mix, e, " ")
		for (i = 1; i <= ne; i++) {
			split(e[i], f, "[/:]"); s[i] = f[1] + 0; a[i] = f[2] + 0
			m[i] = a[i] > 4 ? a[i] : 4
			lo[i] = up(up(s[i] * (1000 - 10 * jitter), 1000) / 1000, m[i])
			hi[i] = up(up(s[i] * (1000 + 10 * jitter), 1000) / 1000, m[i])
			if (hi[i] > 32768) hi[i] = 32768
		}
	}
	{
		seen++
		if (!($1 in sizes)) { sizes[$1] = 1; nd++ }
		fit = 0
		for (i = 1; i <= ne; i++)
			if ($2 + 0 == a[i] && ($1 + 0) % m[i] == 0 && lo[i] <= $1 + 0 && $1 + 0 <= hi[i]) fit = 1
		if (!fit) { if (bad++ < 5) printf "# size %s align %s not from the mix\n", $1, $2 }
	}
	END {
		if (seen != count) printf "# %d allocations traced, expected %d\n", seen, count
		if (nd < distinct) printf "# %d different sizes, expected %d or more\n", nd, distinct
		exit bad || seen != count || nd < distinct
	}' $tmp/sizes
}

echo "TAP version 13"
echo "1..12"
cpus=$(getconf _NPROCESSORS_ONLN)
live0=$(file_key $d/stats nr_cur_alloc)
put $b 'mix default' >/dev/null

# ---- the default mix ----
[ "$(file_key $bs mix)" = default ] && [ "$(file_key $bs mix_entries)" = 16 ] &&
	[ "$(file_key $bs mix_weight)" = 100 ] && [ "$(listed_mix)" = "$default_mix" ]
check $? "bench: the default mix is the documented one"

# ---- mixed on one CPU and on all, default mix, jitter ----
# Bounds of a jittered size: 4 * 0.85 up to 4, 1088 * 1.15 up to 64.
n=50 ops=500
traced "run mixed n=$n ops=$ops" &&
	rows 4 $n $ops "1 $cpus" default 16 15 4 1280 && consistent
check $? "bench: run mixed, one CPU and $cpus, well formed, no failure"
# 11 different sizes in the mix; jittered, many more.
sizes_fit $((n + ops + cpus * (n + ops))) "$default_mix" 15 20
check $? "bench: run mixed requests sizes of the default mix, jittered"

traced "run mixed threads=1 jitter=0 n=$n ops=2000" &&
	rows 2 $n 2000 1 default 16 0 4 1088 &&
	[ "$(line_key "$(head -n 1 $tmp/out)" size_min)" = 4 ] &&
	[ "$(line_key "$(head -n 1 $tmp/out)" size_max)" = 1088 ]
check $? "bench: run mixed jitter=0: the default sizes, 4 to 1088 bytes"
sizes_fit $((n + 2000)) "$default_mix" 0 11
check $? "bench: run mixed jitter=0 requests exactly the default mix's sizes"

# ---- a user mix ----
put $b 'mix begin' && put $b 'mix 2048 64 1' &&
	[ "$(file_key $bs mix)" = user ] && [ "$(listed_mix)" = "2048/64:1" ]
check $? "bench: mix begin, mix 2048 64 1: a user mix of one entry"
traced "run mixed threads=1 jitter=0 n=10 ops=100" &&
	rows 2 10 100 1 user 1 0 2048 2048 && sizes_fit 110 "2048/64:1" 0 1 && consistent
check $? "bench: the user mix gives only 2048-byte areas aligned 64"
traced "run mixed threads=all n=10 ops=100" &&
	rows 2 10 100 "$cpus" user 1 15 1792 2368 && sizes_fit $((cpus * 110)) "2048/64:1" 15 5 &&
	consistent
check $? "bench: the user mix jittered on every CPU: 1792..2368 bytes aligned 64"

# ---- bad mix lines ----
before=$(mix_state)
bad=0
for c in 'mix' 'mix 8' 'mix 8 8' 'mix 8 8 1 1' 'mix 0 8 1' 'mix 32769 8 1' \
	 'mix 8 3 1' 'mix 8 0 1' 'mix 8 8192 1' 'mix 8 8 0' 'mix 8 8 1000001' \
	 'mix -8 8 1' 'mix 8 8 x' 'mix 0x10 8 1' 'mix  8 8 1' 'mix 8 8 1 ' \
	 'mix begin x' 'mix defaults' 'mix default x' 'mix 8 8 99999999999' \
	 'run mixed size=8' 'run mixed threads=2' 'run mixed threads=' \
	 'run mixed jitter=2' 'run mixed order=random' 'run mixed n=0' \
	 'run mixed threads=1 threads=1' 'run mixed jitter=0 jitter=0'; do
	e=$(put $b "$c") && { say "'$c' accepted"; bad=1; continue; }
	[ "$e" = "Invalid argument" ] || { say "'$c': $e, expected EINVAL"; bad=1; }
done
[ "$(mix_state)" = "$before" ] || { say "mix changed: $(mix_state | tr '\n' ' ')"; bad=1; }
[ $bad -eq 0 ]
check $? "bench: bad mix lines and bad run mixed keys fail with EINVAL, change nothing"

bad=0
put $b 'mix begin' >/dev/null
e=$(put $b 'run mixed threads=1 n=1 ops=1') && bad=1
[ "$e" = "Invalid argument" ] || { say "run mixed with an empty mix: ${e:-accepted}"; bad=1; }
for i in $(seq 1 $max_mix); do
	put $b "mix $((4 * i)) 4 $i" >/dev/null || { say "entry $i refused"; bad=1; }
done
before=$(mix_state)
e=$(put $b 'mix 4 4 1')
[ "$e" = "Argument list too long" ] || { say "entry $((max_mix + 1)): ${e:-accepted}"; bad=1; }
[ "$(mix_state)" = "$before" ] && [ "$(file_key $bs mix_entries)" = $max_mix ] || bad=1
[ $bad -eq 0 ]
check $? "bench: an empty mix cannot run; $max_mix entries at most (E2BIG), unchanged"

bad=0
put $b 'mix default' && [ "$(file_key $bs mix)" = default ] &&
	[ "$(listed_mix)" = "$default_mix" ] || bad=1
e=$(put $b 'mix 8 8 1')
[ "$e" = "Invalid argument" ] || { say "an entry without mix begin: ${e:-accepted}"; bad=1; }
[ "$(file_key $bs mix_entries)" = 16 ] || bad=1
[ $bad -eq 0 ]
check $? "bench: mix default restores the default; no entry without mix begin"

# ---- replay: time_ratio ----
r=$d/replay
echo begin > $r
awk 'BEGIN { for (i = 0; i < 300; i++) printf "a %d %d 8 0 s\n", i, 8 + 8 * (i % 16)
	     for (i = 0; i < 300; i += 2) printf "f %d\n", i }' > $r
echo run > $r
alt=$(grep '^allocator=pcpu_alt ' $r)
stk=$(grep '^allocator=stock ' $r)
say "$alt"
a_ns=$(line_key "$alt" time_ns)
s_ns=$(line_key "$stk" time_ns)
want=$(awk -v a="$a_ns" -v s="$s_ns" 'BEGIN { r = int((a * 1000 + int(s / 2)) / s); printf "%d.%03d", int(r / 1000), r % 1000 }')
[ "$(line_key "$alt" time_ratio)" = "$want" ] && [ "$s_ns" -gt 0 ] &&
	[[ $alt =~ \ frag_bytes=[0-9]+\ time_ratio=[0-9.]+\ cache_refills=[0-9]+\ cache_drains=[0-9]+\ refills_per_1000=[0-9]+\.[0-9]$ ]] &&
	consistent
check $? "replay: time_ratio=$want (pcpu_alt $a_ns ns / stock $s_ns ns) after frag_bytes, then the cache batches, on the pcpu_alt line"

# call_p50_ns and time_trim_ns against time_ns and the call count: half
# the calls take at least the median, so it is at most the sum over half
# of them; dropping the slowest 1% (4 of 450 calls) leaves less than the
# sum, and at least the median for every kept call above it.
bad=0
for line in "$alt" "$stk"; do
	calls=$(( $(line_key "$line" alloc_ops) + $(line_key "$line" free_ops) ))
	sum=$(line_key "$line" time_ns)
	p50=$(line_key "$line" call_p50_ns)
	trim=$(line_key "$line" time_trim_ns)
	kept=$((calls - calls / 100))
	say "${line%% *}: $calls calls, time_ns=$sum call_p50_ns=$p50 time_trim_ns=$trim"
	[ -n "$p50" ] && [ -n "$trim" ] && [ "$p50" -gt 0 ] &&
		[ $((p50 * (calls / 2))) -le "$sum" ] &&
		[ "$trim" -lt "$sum" ] &&
		[ "$trim" -ge $(((kept - calls / 2) * p50)) ] || bad=1
done
[ $bad -eq 0 ]
check $? "replay: call_p50_ns and time_trim_ns of both allocators fit time_ns"

[ $rc -eq 0 ] && echo "PASS: lab measurement"
exit $rc
