# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Shell helpers shared by pcpu_alt's bash scripts, on the host and inside
# the qemu guests.  Sourced, never run:
#
#	me=<name for messages>		# optional; default: the script's name
#	. "$(dirname "$(readlink -f "$0")")/../lib/common.sh"
#
# Sets `repo` (the repository's top directory) and `me`, and defines:
#
#   err MSG / die MSG / usage_error MSG
#       "<me>: MSG" on stderr; die exits 1, usage_error exits 2 after a
#       "Try '<me> --help'." line
#   show_usage STATUS FIRST LAST
#       the script's header comment from the line matching FIRST to the
#       one matching LAST, without "# ": on stdout, exit 0 for STATUS 0
#       (--help); else on stderr, exit STATUS
#   at_exit CMD
#       run shell text CMD when the script exits (last registered first)
#   deps_hint
#       the command that installs what is missing, for error messages
#   newest GLOB / resolve_kver ARG
#       "6.1" and "6.12" name the newest installed Debian kernel of that
#       series (headers in /usr/src/linux-headers-GLOB); anything else is a
#       release, printed as given
#   pick_kernel VAR ARG [boot] / default_kernel VAR
#       set VAR to the release ARG means, or exit with one line saying
#       why not: no headers (or, with "boot", no image to boot in a guest)
#   project_version
#       the version pcpu_alt_internal.h, dkms.conf and debian/changelog
#       agree on, or exit naming each (scripts/lib/version is its face)
#   stage_core DIR / stage_sources DIR
#       copy the allocator's sources, or every module's sources
#       (allocator, lab/, live/, tests/kmod/, tests/live/), into DIR,
#       emptied first
#   dkms_module_dirs / stage_dkms PARENT
#       the module directories dkms.conf builds beside the allocator;
#       copy what DKMS ships (the allocator and those directories) into
#       PARENT/pcpu_alt-<version>, emptied first, and print that path
#   fake_rt_headers KDIR DEST
#       copy the kernel build directory KDIR to DEST with CONFIG_PREEMPT_RT
#       set in its .config: the headers of a PREEMPT_RT kernel, which
#       dkms.conf must refuse (its links made absolute, to work anywhere)
#   build_modules [-W] KDIR OUT [MAKE-ARG...]
#       build every module against KDIR; all .ko files land flat in OUT
#       (the command-line face of it is scripts/lib/build-modules)
#   vm_run ARG...
#       scripts/vm/run from the top directory (see vm_run below)
#   guest_copy VAR FILE
#       copy FILE where a guest sees it (the guest masks /tmp) and set VAR
#       to the copy's path
#   load_modules KO_DIR [PARAM...] / unload_modules
#       in a guest (or as root on a test box): load pcpu_alt.ko with the
#       PARAMs, then pcpu_alt_lab.ko if KO_DIR has it; unload both
#   read_kv ARRAY FILE
#       fill the associative array ARRAY (declare -A) with the key=value
#       lines of FILE (a debugfs file such as stats), without forking
#   ksft_run KO_DIR TAP [MAKE-ARG...]
#       in a guest, with the modules loaded: run the staged kselftests
#       (`make selftests` builds them; MAKE-ARGs such as QUICK=1 go to
#       `make run_tests`), their TAP into file TAP and
#       stdout; fails with a line per problem if any test failed, was
#       skipped or did not report

repo=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
me=${me:-$(basename "$0")}

# Module directories besides the allocator at the top, in build order.
# Each is built only if it exists, against the allocator's Module.symvers.
MODULE_SUBDIRS="lab live tests/kmod tests/live"

# ---- messages ------------------------------------------------------------

err() {
	echo "$me: $*" >&2
}

die() {
	err "$*"
	exit 1
}

usage_error() {
	err "$*"
	echo "Try '$me --help'." >&2
	exit 2
}

show_usage() {
	local text
	text=$(sed -n "\\%^# $2%,\\%^# $3%s/^# \\{0,1\\}//p" "$0")
	if [ "$1" -eq 0 ]; then
		printf '%s\n' "$text"
	else
		printf '%s\n' "$text" >&2
	fi
	exit "$1"
}

# ---- cleanup -------------------------------------------------------------

_at_exit_cmds=()

_at_exit_run() {
	local i
	for ((i = ${#_at_exit_cmds[@]} - 1; i >= 0; i--)); do
		eval "${_at_exit_cmds[i]}" || true
	done
}

at_exit() {
	_at_exit_cmds+=("$1")
	trap _at_exit_run EXIT
}

# ---- dependencies and kernels ----------------------------------------------

deps_hint() {
	local cmd=scripts/setup/install-deps
	[ "$PWD" = "$repo" ] || cmd=$repo/$cmd
	if [ "$(id -u)" -eq 0 ]; then
		echo "run: $cmd"
	else
		echo "run: sudo $cmd"
	fi
}

newest() {
	local d
	for d in /usr/src/linux-headers-$1; do
		if [ -d "$d" ]; then
			echo "${d#/usr/src/linux-headers-}"
		fi
	done | sort -V | tail -n 1
}

resolve_kver() {
	case $1 in
	6.1)	newest '6.1.0-*-amd64' ;;
	6.12)	newest '6.12.*+deb12-amd64' ;;
	*)	echo "$1" ;;
	esac
}

# Releases with headers, for messages.
_kernels_with_headers() {
	local d k out=
	for d in /lib/modules/*/build; do
		if [ -d "$d" ]; then
			k=${d#/lib/modules/}
			out+="${out:+ }${k%/build}"
		fi
	done
	echo "${out:-none}"
}

pick_kernel() {
	# Locals named apart from any caller's variable: VAR is set by name.
	local _pk_var=$1 _pk_arg=$2 _pk_mode=${3:-build} _pk_k

	[ -n "$_pk_arg" ] || die "no kernel given"
	_pk_k=$(resolve_kver "$_pk_arg")
	case $_pk_arg in
	6.1 | 6.12)
		[ -n "$_pk_k" ] || die "no $_pk_arg kernel with headers installed; $(deps_hint)" ;;
	esac
	[ -d "/lib/modules/$_pk_k/build" ] ||
		die "no headers for kernel '$_pk_k' (/lib/modules/$_pk_k/build); with headers: $(_kernels_with_headers); or $(deps_hint)"
	if [ "$_pk_mode" = boot ] && [ ! -r "/boot/vmlinuz-$_pk_k" ]; then
		die "kernel '$_pk_k' has no readable image /boot/vmlinuz-$_pk_k to boot in a guest; $(deps_hint)"
	fi
	printf -v "$_pk_var" '%s' "$_pk_k"
}

# The running kernel if a guest can boot it with a module built for it,
# else the newest 6.1.
default_kernel() {
	local _dk_k
	_dk_k=$(uname -r)
	if [ -d "/lib/modules/$_dk_k/build" ] && [ -r "/boot/vmlinuz-$_dk_k" ]; then
		printf -v "$1" '%s' "$_dk_k"
	else
		pick_kernel "$1" 6.1 boot
	fi
}

# ---- module sources and builds ---------------------------------------------

# _fresh_dir DIR: empty DIR (created if missing), refusing any directory
# that could be a checkout.
_fresh_dir() {
	case $1 in
	'' | / | "$repo" | "$repo/")
		die "refusing to empty '$1'" ;;
	esac
	[ ! -e "$1/.git" ] || die "refusing to empty $1: it holds a .git"
	rm -rf "$1" && mkdir -p "$1" || die "cannot create $1"
}

project_version() {
	local h d c

	h=$(sed -n 's/^#define PCPU_ALT_VERSION[[:space:]]*"\(.*\)"$/\1/p' "$repo/pcpu_alt_internal.h")
	d=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$repo/dkms.conf")
	# "pcpu-alt (VERSION) ...": the upstream part, without epoch or revision.
	c=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$repo/debian/changelog" 2>/dev/null)
	c=${c#*:}
	c=${c%-*}
	if [ -z "$h" ] || [ "$h" != "$d" ] || [ "$h" != "$c" ]; then
		die "the version differs: pcpu_alt_internal.h PCPU_ALT_VERSION '$h', dkms.conf PACKAGE_VERSION '$d', debian/changelog '$c' (scripts/lib/version --set NEW sets all three)"
	fi
	echo "$h"
}

stage_core() {
	_fresh_dir "$1"
	cp -p "$repo"/*.c "$repo"/*.h "$repo/Kbuild" "$repo/Makefile" \
		"$repo/dkms.conf" "$1"/ || die "cannot copy the sources to $1"
}

# _stage_subdir SUB DIR: the sources of module directory SUB into DIR/SUB.
_stage_subdir() {
	local f

	[ -f "$repo/$1/Kbuild" ] || die "$1/ has no Kbuild"
	mkdir -p "$2/$1" || die "cannot create $2/$1"
	for f in "$repo/$1"/Kbuild "$repo/$1"/Makefile "$repo/$1"/*.[ch]; do
		if [ -f "$f" ]; then
			cp -p "$f" "$2/$1/" || die "cannot copy $f"
		fi
	done
}

stage_sources() {
	local sub
	stage_core "$1"
	for sub in $MODULE_SUBDIRS; do
		[ -d "$repo/$sub" ] || continue
		_stage_subdir "$sub" "$1"
	done
}

# Read as DKMS reads dkms.conf: sourced, in a subshell, with the two
# variables its MAKE lines use set to placeholders.
dkms_module_dirs() {
	(
		# shellcheck disable=SC2034 # read by dkms.conf
		dkms_tree=/dkms-tree kernel_source_dir=/kernel-source
		# shellcheck source=dkms.conf
		. "$repo/dkms.conf" >/dev/null || exit 1
		for d in "${BUILT_MODULE_LOCATION[@]}"; do
			d=${d%/}
			[ -z "$d" ] || [ "$d" = . ] || echo "$d"
		done
	)
}

stage_dkms() {
	local ver dirs sub dest

	ver=$(project_version) || exit 1
	dirs=$(dkms_module_dirs) || die "cannot read $repo/dkms.conf"
	dest=$1/pcpu_alt-$ver
	for sub in $dirs; do
		[ -d "$repo/$sub" ] || die "dkms.conf builds $sub/, which $repo lacks"
	done
	stage_core "$dest"
	for sub in $dirs; do
		_stage_subdir "$sub" "$dest"
	done
	echo "$dest"
}

fake_rt_headers() {
	local src l

	src=$(readlink -f "$1")
	cp -a "$src" "$2" || return 1
	# Relative links (scripts, tools) point out of the copy: make them absolute.
	while IFS= read -r l; do
		ln -sfn "$(readlink -f "$src/${l#"$2"/}")" "$l" || return 1
	done < <(find "$2" -type l)
	sed -i '/^CONFIG_PREEMPT_RT=/d; /^# CONFIG_PREEMPT_RT is not set$/d' "$2/.config" &&
		echo CONFIG_PREEMPT_RT=y >>"$2/.config"
}

build_modules() {
	local strict=0 kdir out src log sub m what
	local -a symvers

	if [ "${1:-}" = -W ]; then
		strict=1
		shift
	fi
	kdir=$1 out=$2
	shift 2
	[ -d "$kdir" ] || die "no kernel build directory $kdir; $(deps_hint)"
	src=$out/src
	log=$out/build.log
	mkdir -p "$out" || die "cannot create $out"
	rm -f "$out"/*.ko "$log"
	stage_sources "$src"
	[ $strict -eq 1 ] && set -- W=1 "$@"
	for sub in . $MODULE_SUBDIRS; do
		[ -d "$src/$sub" ] || continue
		m=$src
		what="the allocator"
		symvers=()
		if [ "$sub" != . ]; then
			m=$src/$sub
			what=$sub/
			symvers=("KBUILD_EXTRA_SYMBOLS=$src/Module.symvers")
		fi
		echo "### make -C $kdir M=$m ${symvers[*]} $* modules" >>"$log"
		# Not the caller's make flags (a jobserver, its variables).
		if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
			make -C "$kdir" M="$m" -j"${JOBS:-$(nproc)}" \
			"${symvers[@]}" "$@" modules >>"$log" 2>&1; then
			tail -n 40 "$log" >&2
			err "building $what against $kdir failed (log: $log)"
			return 1
		fi
		if ! compgen -G "$m/*.ko" >/dev/null; then
			err "building $what made no .ko (log: $log)"
			return 1
		fi
	done
	if [ $strict -eq 1 ] &&
		grep -E '(warning|error):|WARNING:|ERROR:' "$log" >&2; then
		err "compiler or kbuild diagnostics above (log: $log)"
		return 1
	fi
	for sub in . $MODULE_SUBDIRS; do
		[ -d "$src/$sub" ] || continue
		cp -p "$src/$sub"/*.ko "$out"/ || return 1
	done
}

# ---- guests ----------------------------------------------------------------

# The guest sees the host root read-only but masks /tmp, /var/tmp and /run;
# scripts/vm/run shares the working directory when it lies under one of
# them.  Running it from the top directory keeps a checkout under /tmp
# visible to the guest.
vm_run() {
	# The packaged tools (pcpu-alt-tools) have no guest runner.
	[ -x "$repo/scripts/vm/run" ] ||
		die "no guest runner here ($repo/scripts/vm/run): guests need a pcpu_alt checkout; on this machine, use --host"
	(cd "$repo" && "$repo/scripts/vm/run" "$@")
}

guest_copy() {
	local _gc_var=$1 _gc_f=$2 _gc_n

	[ -f "$_gc_f" ] && [ -r "$_gc_f" ] || die "$_gc_f: not a readable file"
	if [ -z "${_guest_files:-}" ]; then
		mkdir -p "$repo/.build/guest-files" ||
			die "cannot create $repo/.build/guest-files"
		_guest_files=$(mktemp -d "$repo/.build/guest-files/$me.XXXXXX") ||
			die "cannot create a directory under $repo/.build/guest-files"
		at_exit 'rm -rf "$_guest_files"'
	fi
	_guest_nfiles=$((${_guest_nfiles:-0} + 1))
	_gc_n=$_guest_files/$_guest_nfiles-$(basename "$_gc_f")
	cp "$_gc_f" "$_gc_n" || die "cannot copy $_gc_f to $_gc_n"
	printf -v "$_gc_var" '%s' "$_gc_n"
}

load_modules() {
	local dir=$1
	shift
	if ! insmod "$dir/pcpu_alt.ko" "$@"; then
		err "insmod $dir/pcpu_alt.ko $* failed"
		return 1
	fi
	[ -f "$dir/pcpu_alt_lab.ko" ] || return 0
	if ! insmod "$dir/pcpu_alt_lab.ko"; then
		err "insmod $dir/pcpu_alt_lab.ko failed"
		rmmod pcpu_alt
		return 1
	fi
}

unload_modules() {
	local rc=0
	if [ -d /sys/module/pcpu_alt_lab ]; then
		rmmod pcpu_alt_lab || rc=1
	fi
	rmmod pcpu_alt || rc=1
	return $rc
}

# No fork, no command substitution: a forked process sets up an mm whose
# counters are stock per-CPU allocations, which would show in the stock
# allocator's figures (scripts/replay/replay samples them between steps).
read_kv() {
	local -n _rk_a=$1
	local _rk_l _rk_k
	local -a _rk_lines

	_rk_a=()
	# The whole file in one pass: the read builtin seeks back after each
	# line, which makes a debugfs or proc file generate its text again,
	# and a file that changed in between (counters, histograms) is then
	# read torn.  mapfile reads to the end without seeking.
	mapfile -t _rk_lines < "$2"
	for _rk_l in "${_rk_lines[@]}"; do
		_rk_k=${_rk_l%%=*}
		if [ -n "$_rk_k" ]; then
			# shellcheck disable=SC2004 # a key, not arithmetic
			if [ "$_rk_k" = "$_rk_l" ]; then
				_rk_a[$_rk_k]=
			else
				_rk_a[$_rk_k]=${_rk_l#*=}
			fi
		fi
	done
}

ksft_run() {
	local ko_dir=$1 tap=$2 rc=0 mrc plan oks
	local staged=$repo/.build/kselftest/tools/testing/selftests/pcpu_alt

	shift 2
	# `make run_tests` exits 0 even when a test fails: judge by the TAP.
	(cd "$staged" && PCPU_ALT_KO_DIR=$ko_dir make -s --no-print-directory run_tests "$@") \
		> "$tap" 2>&1
	mrc=$?
	cat "$tap"
	if [ $mrc -ne 0 ]; then
		err "FAIL: make run_tests exited $mrc"
		rc=1
	fi
	if grep -q '^not ok' "$tap"; then
		err "FAIL: kselftest reported: $(grep '^not ok' "$tap" | tr '\n' ';')"
		rc=1
	fi
	if grep -q '^ok .*# SKIP' "$tap"; then
		err "FAIL: kselftest skipped: $(grep '^ok .*# SKIP' "$tap" | tr '\n' ';')"
		rc=1
	fi
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$tap" | head -n 1)
	oks=$(grep -c '^ok ' "$tap")
	if ! [ -n "$plan" ] || ! [ "$plan" -gt 0 ] || [ "$oks" -ne "$plan" ]; then
		err "FAIL: expected ${plan:-?} top-level 'ok' lines, saw $oks"
		rc=1
	fi
	return $rc
}
