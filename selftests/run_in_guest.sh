#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Whole-module test run, meant for a throw-away guest (scripts/vm/run) but
# fine on any box as root with pcpu_alt NOT loaded:
#   load pcpu_alt.ko (and pcpu_alt_lab.ko when KO_DIR has it), run the
#   staged kselftests (`make selftests` builds them) with the kselftest
#   runner, unload and check the debugfs directory went away.  Exits
#   non-zero on any failure.
#
# Usage: [PCPU_ALT_PARAMS="..."] run_in_guest.sh [--quick] [KO_DIR]
#        [PCPU_ALT_PARAMS="..."] run_in_guest.sh --installed
#   KO_DIR holds pcpu_alt.ko, pcpu_alt_test.ko and pcpu_alt_lab.ko: the
#   flat directory scripts/lib/build-modules
#   fills (default: $PCPU_ALT_KO_DIR, else the repository root, where
#   `make` copies them).  Only /tmp needs to be writable.
#   --quick: only the debugfs tests (`make run_tests QUICK=1`).
#   --installed: the modules a package installed instead (pcpu-alt-dkms:
#   DKMS's /lib/modules/<release>/updates/dkms/), loaded with modprobe,
#   which must resolve both there; implies --quick, as the package ships
#   no pcpu_alt_test.ko.
#   PCPU_ALT_PARAMS: module parameters for pcpu_alt.ko (e.g. cache=0).
#   PCPU_ALT_KSFT_TIMEOUT=SECONDS: the runner's per-test timeout instead of
#   selftests/settings' (for slow debug kernels); the runner reads it only
#   from that file, so a file in /tmp is bind-mounted over it for the run.

me=run_in_guest
# shellcheck source=scripts/lib/common.sh
. "$(dirname "$(readlink -f "$0")")/../scripts/lib/common.sh"
quick='' installed=0
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=QUICK=1; shift ;;
	--installed) installed=1; quick=QUICK=1; shift ;;
	-*) echo "$me: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ $installed -eq 1 ]; then
	[ $# -eq 0 ] || { echo "$me: --installed takes no KO_DIR" >&2; exit 2; }
	ko_dir=/lib/modules/$(uname -r)/updates/dkms
else
	ko_dir=${1:-${PCPU_ALT_KO_DIR:-$repo}}
	ko_dir=$(cd "$ko_dir" && pwd) || exit 1
fi
staged=$repo/.build/kselftest/tools/testing/selftests/pcpu_alt
dbg=/sys/kernel/debug/pcpu_alt
tap=$(mktemp /tmp/pcpu_alt_ksft.XXXXXX) || exit 1
at_exit 'rm -f "$tap" "$tap.settings"'
fail=0

say() { echo "$me: $*"; }
bad() { say "FAIL: $*"; fail=1; }

if [ "$(id -u)" -ne 0 ]; then
	say "needs root"
	exit 1
fi
if [ ! -x "$staged/pcpu_alt_debugfs_test" ]; then
	say "kselftests not built in $staged: run 'make selftests' first"
	exit 1
fi
if [ -d /sys/module/pcpu_alt ]; then
	say "pcpu_alt is already loaded: unload it first"
	exit 1
fi
if [ ! -d /sys/kernel/debug/. ] || ! grep -q ' /sys/kernel/debug debugfs ' /proc/mounts; then
	mount -t debugfs none /sys/kernel/debug || exit 1
fi

if [ -n "${PCPU_ALT_KSFT_TIMEOUT:-}" ]; then
	case $PCPU_ALT_KSFT_TIMEOUT in
	'' | *[!0-9]*) say "bad PCPU_ALT_KSFT_TIMEOUT '$PCPU_ALT_KSFT_TIMEOUT'"; exit 1 ;;
	esac
	echo "timeout=$PCPU_ALT_KSFT_TIMEOUT" > "$tap.settings"
	mount --bind "$tap.settings" "$staged/settings" ||
		{ say "cannot bind-mount a settings file over $staged/settings"; exit 1; }
	at_exit 'umount "$staged/settings"'
	say "kselftest timeout: $PCPU_ALT_KSFT_TIMEOUT s per test (PCPU_ALT_KSFT_TIMEOUT)"
fi

# load_installed PARAM...: modprobe both modules, which must come from
# DKMS's directory; the allocator is unloaded again on failure.
load_installed() {
	local m file

	modprobe pcpu_alt "$@" || { say "FAIL: modprobe pcpu_alt $*"; return 1; }
	if ! modprobe pcpu_alt_lab; then
		say "FAIL: modprobe pcpu_alt_lab"
		rmmod pcpu_alt
		return 1
	fi
	for m in pcpu_alt pcpu_alt_lab; do
		file=$(modinfo -n "$m")
		case $file in
		"$ko_dir/$m".ko | "$ko_dir/$m".ko.*) say "loaded $m: $file" ;;
		*) bad "modprobe resolves $m to '$file', not $ko_dir/" ;;
		esac
	done
}

params=${PCPU_ALT_PARAMS:-}
say "kernel $(uname -r), modules from $ko_dir, parameters: ${params:-defaults}${quick:+, debugfs tests only}"
if [ $installed -eq 1 ]; then
	# shellcheck disable=SC2086 # several parameters, split on purpose
	load_installed $params || exit 1
else
	# shellcheck disable=SC2086 # several parameters, split on purpose
	if ! load_modules "$ko_dir" $params; then
		say "FAIL: loading the modules of $ko_dir with parameters '$params'"
		exit 1
	fi
	say "loaded: $(cd "$ko_dir" && ls pcpu_alt.ko pcpu_alt_lab.ko 2>/dev/null | tr '\n' ' ')"
fi

# shellcheck disable=SC2086 # empty, or one make argument
if ! ksft_run "$ko_dir" "$tap" $quick; then
	fail=1
fi

if unload_modules; then
	[ -e "$dbg" ] && bad "$dbg still exists after rmmod"
else
	bad "unloading the modules"
fi

if [ $fail -eq 0 ]; then
	say "PASS"
else
	say "FAIL"
fi
exit $fail
