#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The debugfs benchmark ("bench"), small: every workload runs and
# its result lines are well formed: keys in the documented order, one line
# per case and allocator (pcpu_alt, then stock), non-zero operation counts,
# times and throughput, p50 <= p90 <= p99 <= max, no failure outside
# "nowait", the '#' table after them; bad commands are refused.
#
# pcpu_alt.ko must be loaded, and pcpu_alt_lab.ko (debugfs bench) where
# there is one; root.

ksft_skip=4
f=/sys/kernel/debug/pcpu_alt/bench
keys="workload order size n threads allocator alloc_ops alloc_fail free_ops wall_ns ops_per_sec alloc_ns_per_op alloc_p50 alloc_p90 alloc_p99 alloc_max free_ns_per_op free_p50 free_p90 free_p99 free_max timer_ns"
rc=0

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root"
	exit $ksft_skip
fi
[ -w "$f" ] || { echo "FAIL: $f missing (pcpu_alt and pcpu_alt_lab loaded?)"; exit 1; }
cpus=$(grep -c '^processor' /proc/cpuinfo)
out=$(mktemp /tmp/pcpu_alt_bench.XXXXXX) || exit 1
trap 'rm -f "$out"' EXIT

# check CMD ROWS: run CMD; expect ROWS result lines, well formed.
check() {
	if ! echo "$1" > "$f"; then
		echo "FAIL: '$1' refused"
		rc=1
		return
	fi
	cat "$f" > "$out"
	echo "# $1"
	sed 's/^/#   /' "$out"
	awk -v keys="$keys" -v want="$2" -v cpus="$cpus" -v cmd="$1" '
	function bad(why) { printf "FAIL: %s: line %d: %s\n", cmd, NR, why; err = 1 }
	/^#/ { table++; next }
	{
		rows++
		if (table) bad("result line after the table")
		nk = split(keys, k, " ")
		if (NF != nk) { bad("expected " nk " fields, got " NF); next }
		for (i = 1; i <= nk; i++) {
			if (split($i, kv, "=") != 2 || kv[1] != k[i]) {
				bad("field " i " is \"" $i "\", expected " k[i] "=")
				next
			}
			v[k[i]] = kv[2]
			if (i > 6 && kv[2] !~ /^[0-9]+$/) bad(k[i] " not a number")
		}
		want_alloc = rows % 2 ? "pcpu_alt" : "stock"
		if (v["allocator"] != want_alloc) bad("allocator " v["allocator"] ", expected " want_alloc)
		for (i = 7; i <= nk; i++)
			if (k[i] != "alloc_fail" && v[k[i]] + 0 == 0) bad(k[i] " is zero")
		if (v["workload"] != "nowait") {
			if (v["alloc_fail"] != 0) bad("allocation failures")
			if (v["alloc_ops"] != v["free_ops"]) bad("alloc_ops != free_ops")
		}
		if (v["workload"] == "concurrent" && v["threads"] != cpus) bad("threads " v["threads"] ", expected " cpus)
		split("alloc free", kinds, " ")
		for (j = 1; j <= 2; j++) {
			p = kinds[j] "_"
			if (!(v[p "p50"] <= v[p "p90"] && v[p "p90"] <= v[p "p99"] && v[p "p99"] <= v[p "max"]))
				bad(p "percentiles out of order")
		}
	}
	END {
		if (rows != want) { printf "FAIL: %s: %d result lines, expected %d\n", cmd, rows, want; err = 1 }
		if (table != want + 2) { printf "FAIL: %s: %d table lines, expected %d\n", cmd, table, want + 2; err = 1 }
		exit err
	}' "$out" || rc=1
}

check 'run steady n=50 ops=500' 8
check 'run steady size=4 n=1 ops=10' 2
check 'run burst n=500' 6
check 'run burst size=4 n=2000 order=random' 2
check 'run concurrent n=50 ops=500' 2
check 'run nowait n=200 size=8' 2

for c in 'run' 'run steady size=0' 'run steady size=32769' 'run steady n=1000001' \
	 'run burst ops=3' 'run steady n=1 n=2' 'run burst order=-' \
	 'run burst order=sideways' 'run  steady' 'run steady ' 'walk steady' \
	 'run all x' 'run nowait size=8 order=random' 'run steady n=0x10' \
	 'run steady n=-1' 'run steady n'; do
	if echo "$c" > "$f" 2>/dev/null; then
		echo "FAIL: '$c' accepted"
		rc=1
	fi
done
# A refused command leaves the last results alone.
grep -q '^workload=nowait .*size=8 ' "$f" ||
	{ echo "FAIL: results lost after refused commands"; rc=1; }

[ $rc -eq 0 ] && echo "PASS: bench"
exit $rc
