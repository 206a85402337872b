#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Trace replay (debugfs replay, scripts/replay/replay): every shipped
# trace under testdata/ replays through both allocators with no rejected
# line, its figures are well formed and non-zero, every area is freed at
# the end and the checker is clean; a garbage trace is rejected line by
# line with exact counts.  live_pages_peak, per allocator, lies between
# the trace's own peak of live bytes in pages and (pcpu_alt) its
# populated pages at peak.
#
# pcpu_alt.ko must be loaded, and pcpu_alt_lab.ko (debugfs replay) where
# there is one; root.

ksft_skip=4
d=/sys/kernel/debug/pcpu_alt
rc=0

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root"
	exit $ksft_skip
fi
[ -w $d/replay ] || { echo "FAIL: $d/replay missing (pcpu_alt and pcpu_alt_lab loaded?)"; exit 1; }

# The repository: testdata/ and scripts/ sit above this directory (it may
# be staged under .build/kselftest/tools/testing/selftests/pcpu_alt).
repo=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
while [ "$repo" != / ] && [ ! -x "$repo/scripts/replay/replay" ]; do
	repo=$(dirname "$repo")
done
[ -x "$repo/scripts/replay/replay" ] || { echo "FAIL: scripts/replay/replay not found"; exit 1; }

kv() {	# kv LINE KEY
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

live_before=$(sed -n 's/^nr_cur_alloc=//p' $d/stats)
units=$(sed -n 's/^nr_units=//p' $d/stats)
page=$(getconf PAGESIZE)

# The fewest pages the trace's live areas fit in at its busiest moment.
min_pages() {	# min_pages TRACE
	awk -v page="$page" '
	$1 == "a" { sz[$2] = $3; live += $3; if (live > peak) peak = live }
	$1 == "f" { live -= sz[$2] }
	END { print int((peak + page - 1) / page) }' "$1"
}
echo "# The target lines below follow the other tests in this guest, whose"
echo "# pages the stock allocator keeps: compare allocators with"
echo "# scripts/replay/figures (one fresh guest per trace)."
n=0
for t in "$repo"/testdata/*.trace; do
	n=$((n + 1))
	out=$("$repo/scripts/replay/replay" --host "$t") || { echo "FAIL: $t: replay failed"; rc=1; continue; }
	echo "# $(basename "$t")"
	echo "$out" | sed 's/^/#   /'
	rep=$(echo "$out" | grep '^replayed ')
	alt=$(echo "$out" | grep '^allocator=pcpu_alt ')
	stk=$(echo "$out" | grep '^allocator=stock alloc_ops')
	mem=$(echo "$out" | grep '^allocator=stock pop_base')
	tgt=$(echo "$out" | grep '^target ')
	[ -n "$rep" ] && [ -n "$alt" ] && [ -n "$stk" ] && [ -n "$mem" ] && [ -n "$tgt" ] ||
		{ echo "FAIL: $t: result lines missing"; rc=1; continue; }
	want=$(grep -c '^[af] ' "$t")
	[ "$(kv "$rep" records)" = "$want" ] || { echo "FAIL: $t: records $(kv "$rep" records), expected $want"; rc=1; }
	[ "$(kv "$rep" rejected)" = 0 ] || { echo "FAIL: $t: lines rejected"; rc=1; }
	for s in "$alt" "$stk"; do
		a=$(kv "$s" alloc_ops) fl=$(kv "$s" alloc_fail) fr=$(kv "$s" free_ops) e=$(kv "$s" freed_at_end)
		[ "$a" = "$(kv "$rep" allocs)" ] || { echo "FAIL: $t: alloc_ops $a"; rc=1; }
		[ $((a - fl - fr)) -eq "$e" ] || { echo "FAIL: $t: freed_at_end $e != $a - $fl - $fr"; rc=1; }
		[ "$(kv "$s" time_ns)" -gt 0 ] || { echo "FAIL: $t: time_ns zero"; rc=1; }
	done
	for k in pop_peak pop_final chunks_peak meta_peak; do
		v=$(kv "$alt" $k)
		[[ $v =~ ^[0-9]+$ ]] && [ "$v" -gt 0 ] || { echo "FAIL: $t: pcpu_alt $k=$v"; rc=1; }
	done
	[[ $(kv "$alt" frag_bytes) =~ ^[0-9]+$ ]] || { echo "FAIL: $t: frag_bytes"; rc=1; }
	for k in unit_size meta_per_chunk; do
		[ "$(kv "$stk" $k)" -gt 0 ] || { echo "FAIL: $t: stock $k"; rc=1; }
	done
	lo=$(min_pages "$t")
	for s in "$alt" "$stk"; do
		v=$(kv "$s" live_pages_peak)
		[[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge "$lo" ] ||
			{ echo "FAIL: $t: live_pages_peak=$v below the trace's $lo pages"; rc=1; }
	done
	v=$(kv "$alt" live_pages_peak)
	[ "$v" -le $(($(kv "$alt" pop_peak) / (units * page))) ] ||
		{ echo "FAIL: $t: pcpu_alt live_pages_peak=$v above its populated pages"; rc=1; }
	[ "$(kv "$mem" pop_peak)" -gt 0 ] || { echo "FAIL: $t: stock pop_peak"; rc=1; }
	[ "$(kv "$mem" pop_peak)" -ge "$(kv "$mem" pop_base)" ] || { echo "FAIL: $t: stock peak < base"; rc=1; }
	[[ $tgt =~ ^target\ pop=(met|missed)\ meta=(met|missed)\  ]] || { echo "FAIL: $t: target line"; rc=1; }
	[ "$(cat $d/verify)" = errors=0 ] || { echo "FAIL: $t: verify: $(cat $d/verify)"; rc=1; }
	[ "$(sed -n 's/^nr_cur_alloc=//p' $d/stats)" = "$live_before" ] ||
		{ echo "FAIL: $t: areas left live"; rc=1; }
done
[ $n -ge 2 ] || { echo "FAIL: only $n traces under $repo/testdata"; rc=1; }

# Garbage (14 lines): 4 garbage (word, blank, bad number, extra field), 3 range,
# 1 double alloc, 2 unknown frees; the good lines still replay.  Written
# in pieces that split lines.
g=$d/replay
{
	printf 'begin\n# a comment\nhello\n\na 1 8 x 0 s\na 2 8 8 0 s extra\n'
	printf 'a 3 0 8 0 s\na 4 8 3 0 s\na 5 8 8 2 s\n'
	printf 'a 6 16 8 0 si'; printf 'te\na 6 8 8 0 s\nf 7\nf 6\nf 6\na 8 4 4 1 s\n'
} > $g
echo run > $g
r=$(grep '^replayed ' $g)
echo "# garbage: $r"
exp="lines=14 comments=1 records=3 allocs=2 frees=1 rejected=10 rej_garbage=4 rej_range=3 rej_double_alloc=1 rej_unknown_free=2 max_size=16"
[ "$r" = "replayed $exp" ] || { echo "FAIL: garbage trace: got '$r', expected '$exp'"; rc=1; }
a=$(grep '^allocator=pcpu_alt ' $g)
[ "$(kv "$a" freed_at_end)" = 1 ] || { echo "FAIL: garbage trace: freed_at_end"; rc=1; }
# Out of order commands fail.
echo step 1 > $g 2>/dev/null && { echo "FAIL: step before start accepted"; rc=1; }
echo step 0 > $g 2>/dev/null && { echo "FAIL: step 0 accepted"; rc=1; }
[ "$(cat $d/verify)" = errors=0 ] || { echo "FAIL: verify after garbage"; rc=1; }

[ $rc -eq 0 ] && echo "PASS: replay"
exit $rc
