# SPDX-License-Identifier: GPL-2.0
#
# Sourced (not run) by the scripts that take a kernel release: which
# installed Debian kernel a short name means.
#
#   newest GLOB        the newest release whose headers match
#                      /usr/src/linux-headers-GLOB (nothing if none)
#   resolve_kver ARG   "6.1" and "6.12": the newest installed of that
#                      series; anything else is printed as given

newest() {
	local d
	for d in /usr/src/linux-headers-$1; do
		[ -d "$d" ] && echo "${d#/usr/src/linux-headers-}"
	done | sort -V | tail -n 1
}

resolve_kver() {
	case $1 in
	6.1)	newest '6.1.0-*-amd64' ;;
	6.12)	newest '6.12.*+deb12-amd64' ;;
	*)	echo "$1" ;;
	esac
}
