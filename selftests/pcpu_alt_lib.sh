# SPDX-License-Identifier: GPL-2.0
#
# TAP and debugfs helpers shared by the lab's kselftests; sourced, not run.
# The caller ends with "exit $rc".

nr=0
rc=0
ok() { nr=$((nr + 1)); echo "ok $nr - $1"; }
not_ok() { nr=$((nr + 1)); echo "not ok $nr - $1"; rc=1; }
# check STATUS NAME: ok or not ok by a command's exit status.
check() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }
say() { echo "# $*"; }

# Value of KEY in a file of key=value lines.
file_key() { sed -n "s/^$2=//p" "$1" | head -n 1; }
# Value of KEY on a line of space-separated key=value words.
line_key() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
# put FILE TEXT: one write; the error text on failure, status 1.
put() {
	local err
	err=$( { printf '%s\n' "$2" > "$1"; } 2>&1 ) && return 0
	echo "${err##*: }"
	return 1
}
