# SPDX-License-Identifier: GPL-2.0
#
# Scan a guest kernel log for splats.  Prints two lines:
#   <number of splats> <number of WARNINGs ignored inside fences>
#   <first offending line, or empty>
# Plain WARN()s ("WARNING: CPU: n PID: n at ...") between
# "pcpu_alt: expect-warn begin" and "... end" are expected; anything
# else (BUG, Oops, KASAN, UBSAN, lockdep, lockups, hung tasks, GPF) fails
# even inside a fence.  One more fence, "pcpu_alt: expect-sleep-report
# begin" ... "end", lets through the report of a blocking call made in
# atomic context ("BUG: sleeping function called from invalid context",
# which kernels with CONFIG_DEBUG_ATOMIC_SLEEP print): the in-kernel tests
# make one such call on purpose.  Works with mawk.

function msg_of(line,    m) {
	# Drop "<N>" and "[  12.345678]" prefixes so we can anchor on the
	# start of the message.
	m = line
	sub(/^<[0-9]+>/, "", m)
	sub(/^\[ *[0-9]+\.[0-9]+\] */, "", m)
	return m
}

function kind(line, m) {
	if (m ~ /^WARNING: CPU: [0-9]+ PID: [0-9]+ at /)
		return "warn"
	if (m ~ /^BUG: sleeping function called from invalid context/)
		return "sleep"
	# Lockdep and RCU-lockdep reports start with "WARNING:" too.
	if (m ~ /^WARNING:/)
		return "fatal"
	if (line ~ /BUG:|kernel BUG at|(^|[^A-Za-z])Oops([^A-Za-z]|$)/)
		return "fatal"
	if (line ~ /general protection fault|KASAN:|UBSAN:|KFENCE:/)
		return "fatal"
	if (line ~ /possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|possible irq lock inversion|bad unlock balance/)
		return "fatal"
	if (line ~ /soft lockup|hard LOCKUP|blocked for more than [0-9]+ seconds|hung task|detected stalls? on|self-detected stall/)
		return "fatal"
	if (line ~ /Kernel panic - not syncing/)
		return "fatal"
	return ""
}

function splat(line) {
	if (nsplat == 0)
		first = line
	nsplat++
}

BEGIN { depth = 0; sdepth = 0; nsplat = 0; nfenced = 0; first = "" }

/pcpu_alt: expect-warn begin/ { depth++; next }
/pcpu_alt: expect-warn end/ {
	if (depth > 0)
		depth--
	else
		splat("unmatched expect-warn end: " $0)
	next
}
/pcpu_alt: expect-sleep-report begin/ { sdepth++; next }
/pcpu_alt: expect-sleep-report end/ {
	if (sdepth > 0)
		sdepth--
	else
		splat("unmatched expect-sleep-report end: " $0)
	next
}

{
	k = kind($0, msg_of($0))
	if (k == "")
		next
	if ((k == "warn" && depth > 0) || (k == "sleep" && sdepth > 0)) {
		nfenced++
		next
	}
	splat($0)
}

END {
	if (depth > 0)
		splat("expect-warn fence still open at the end of the log (" depth " begin without end)")
	if (sdepth > 0)
		splat("expect-sleep-report fence still open at the end of the log")
	print nsplat, nfenced
	print first
}
