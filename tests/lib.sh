# SPDX-License-Identifier: GPL-2.0
# Sourced by the host harness: judging a VM's serial log.
# The caller sets $log (serial console file) before using these.

reasons=()
bad() { reasons+=("$*"); }

# The console log without printk timestamps. A kernel message can land in
# the middle of a line a test program is writing (both share the serial
# console), and firmware noise can precede the first message: each
# timestamp starts a line of its own, so the text before it stays whole.
console() {
	sed -E 's/\r$//; s/\[ *[0-9]+\.[0-9]{6}\] /\n/g' "$log" | sed '/^$/d'
}
# Not grep -q: it would stop reading early, and under pipefail the killed
# sed would turn a match into a miss.
has() { console | grep -E "$1" >/dev/null; }
count() { console | grep -cE "$1"; }
# The console of one kernel of a kexec chain: from its stage's init line
# to the next kernel's (phase 1 is kernel A, phase 2 kernel B, ...).
phase() {
	console | sed -n "/^khotest: init stage=.* phase=$1 /,/^khotest: init stage=.* phase=$(($1 + 1)) /p"
}
# The value of KEY=... on the last line matching REGEX.
field() { console | grep -E "$1" | tail -n1 | grep -oE "$2=[^ ]*" | cut -d= -f2-; }

# Checks that hold for every VM run. $1 is run_vm's status, $2 the number
# of kernels that must have booted, $3 whether DMA faults are allowed.
common_checks() {
	local rc=$1 want_boots=$2 allow_faults=$3 n err
	[ "$rc" -eq 124 ] && bad "timed out"
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] &&
		bad "qemu exited with $rc ($(tail -n1 "$log.stdout" 2>/dev/null))"
	n=$(count '^Linux version ')
	[ "$n" -eq "$want_boots" ] || bad "$n kernel(s) booted, expected $want_boots"
	# Lockdep's reports (the lockdep kernel) name no CPU in their first line.
	err=$(console | grep -m1 -E 'Kernel panic|BUG: |Oops|general protection fault|WARNING: CPU|Call Trace|WARNING: (possible|suspicious|inconsistent|bad unlock)|INFO: (possible|lockdep)|DEBUG_LOCKS_WARN_ON')
	[ -n "$err" ] && bad "kernel error: $err"
	if [ "$allow_faults" = 0 ]; then
		has 'DMAR: \[DMA' && bad "DMA fault: $(console | grep -m1 'DMAR: \[DMA')"
		grep -q vtd_dmar_fault "$log.qemu" 2>/dev/null && bad "QEMU recorded a VT-d fault"
	fi
}

# Print the TAP line for LABEL from the collected reasons; 0 if none.
report() {
	local label=$1 r
	if [ ${#reasons[@]} -eq 0 ]; then
		echo "ok - $label"
		return 0
	fi
	echo "not ok - $label: ${reasons[0]}"
	for r in "${reasons[@]:1}"; do echo "#   also: $r"; done
	echo "#   log: $log"
	tail -n 25 "$log" | sed 's/^/#   | /'
	return 1
}
