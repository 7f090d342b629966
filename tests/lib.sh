# SPDX-License-Identifier: GPL-2.0
# Sourced by the host harness: judging a VM's serial log.
# The caller sets $log (serial console file) before using these.

reasons=()
bad() { reasons+=("$*"); }

# The console log without printk timestamps. A kernel message can land in
# the middle of a line a test program is writing (both share the serial
# console; the program's write returns before the UART has sent it, and
# the ioctl it makes next may print at once): each timestamp starts a line
# of its own, and the text before it is held and put back in front of the
# next line that does not start with a timestamp, the rest of the cut line
# ("vtd_kho: step replace 6.9", a kernel message, then "67 ms"). Firmware
# noise in front of a kernel's first message stands on its own line.
console() {
	sed 's/\r$//' "$log" | awk '
	{
		line = $0
		first = 1
		while (match(line, /\[ *[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]\] /)) {
			head = substr(line, 1, RSTART - 1)
			line = substr(line, RSTART + RLENGTH)
			if (first)
				held = held head
			else if (head != "")
				print head
			first = 0
			if (line ~ /^Linux version / && held != "") {
				print held
				held = ""
			}
		}
		if (first) {
			line = held line
			held = ""
		}
		if (line != "")
			print line
	}
	END { if (held != "") print held }'
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
# The first line of stdin matching the extended regex $1, or $2 if none.
# It reads all of its input: under pipefail, "grep -m1 RE || echo NONE"
# prints both when grep's early exit kills the writer (see has()).
first_line() {
	local l
	l=$(grep -E -- "$1" | sed -n 1p)
	echo "${l:-${2:-}}"
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
	# Lockdep's reports (the debug kernel) name no CPU in their first line;
	# KASAN's and KFENCE's start "BUG: KASAN:", "BUG: KFENCE:", a bad page
	# "BUG: Bad page state", DEBUG_VM's VM_BUG_ON "kernel BUG at".
	err=$(console | grep -m1 -E 'Kernel panic|BUG: |BUG at |Oops|general protection fault|WARNING: CPU|Call Trace|WARNING: (possible|suspicious|inconsistent|bad unlock)|INFO: (possible|lockdep)|DEBUG_LOCKS_WARN_ON|page dumped because')
	[ -n "$err" ] && bad "kernel error: $err"
	if [ "$allow_faults" = 0 ]; then
		has 'DMAR: \[DMA' && bad "DMA fault: $(console | grep -m1 'DMAR: \[DMA')"
		grep -q vtd_dmar_fault "$log.qemu" 2>/dev/null && bad "QEMU recorded a VT-d fault"
	fi
}

# ---- VT-d: QEMU's own trace ($log.qemu) and the DMA faults ----------------

# The trace lines of QEMU event $1, without the event's name (nor the
# pid@time: prefix that -msg timestamp=on would add), e.g. for
# vtd_reg_write_gcmd "status 0xc7000000 value 0x80000000".
qemu_trace() { sed -nE "s/^([0-9]+@[0-9.]+:)?$1 //p" "$log.qemu" 2>/dev/null; }

# VT-d translation was turned on once and stayed on, whatever the kernels
# did, until the machine powered off (a poweroff turns it off like any
# shutdown): QEMU traced one "enable 1" and at most one "enable 0", that
# one after every DMA fault (the last ones are provoked with translation
# on), and no other write of the global command register that cleared TE
# (bit 31) while the status had it.
vtd_translation_never_off() {
	local on off last_off last_fault clears=0 status val
	on=$(qemu_trace vtd_dmar_enable | grep -cx 'enable 1')
	off=$(qemu_trace vtd_dmar_enable | grep -cx 'enable 0')
	[ "$on" -eq 1 ] || bad "QEMU saw VT-d translation enabled $on time(s), expected once"
	[ "$off" -le 1 ] ||
		bad "QEMU saw VT-d translation disabled $off times, expected at most once (at poweroff)"
	last_off=$(grep -nE '(^|:)vtd_dmar_enable enable 0$' "$log.qemu" 2>/dev/null |
		tail -n1 | cut -d: -f1)
	last_fault=$(grep -nE '(^|:)vtd_dmar_fault ' "$log.qemu" 2>/dev/null |
		tail -n1 | cut -d: -f1)
	if [ -n "$last_off" ] && [ -n "$last_fault" ] && [ "$last_off" -lt "$last_fault" ]; then
		bad "QEMU saw VT-d translation disabled before the last DMA fault"
	fi
	while read -r _ status _ val; do
		(((status & 0x80000000) && !(val & 0x80000000))) && clears=$((clears + 1))
	done < <(qemu_trace vtd_reg_write_gcmd)
	[ "$clears" -le "$off" ] ||
		bad "$clears GCMD write(s) cleared TE, $off translation disable(s) traced"
}

# QEMU saw VT-d translation turned off and then on again: a kernel of the
# chain turned it off and the next one on (what the stock shutdown or a
# stock boot after a rejected handover does).
vtd_translation_went_off() {
	qemu_trace vtd_dmar_enable | tr '\n' ' ' | grep -E 'enable 0 (.* )?enable 1' >/dev/null
}

# The context entries, as "high 0xH low 0xL", that QEMU's context cache
# loaded for bus 0 devfn $1 (hex, e.g. 0x10 for 00:02.0) while kernel $2
# of the chain had its root table set: kernel N from its root table write
# on (the Nth in the trace) to the next kernel's. Every kernel sets one
# root table as its VT-d driver starts; the first kernel is 1.
qemu_context_loads() {
	sed -E 's/^[0-9]+@[0-9.]+://' "$log.qemu" 2>/dev/null | awk -v devfn="$1" -v k="$2" '
		$1 == "vtd_reg_dmar_root" { n++ }
		n == k && $1 == "vtd_iotlb_cc_update" && $6 == "0x0" && $8 == devfn {
			print $9, $10, $11, $12
		}'
}

# VT-d's translations of IOVAs in [$1, $1 + $2), as QEMU cached them
# (qemu_traces=vtd_iotlb_page_update), by leaf: "SUPER SMALL", how many
# were superpages (PS, bit 7 of the leaf entry) and how many 4 KiB pages.
vtd_leaf_sizes() {
	local start=$(($1)) end=$(($1 + $2)) super=0 small=0 iova slpte
	while read -r iova slpte; do
		[ $((iova)) -ge "$start" ] && [ $((iova)) -lt "$end" ] || continue
		if ((slpte & 0x80)); then
			super=$((super + 1))
		else
			small=$((small + 1))
		fi
	done < <(qemu_trace vtd_iotlb_page_update |
		sed -nE 's/.* iova (0x[0-9a-f]+) slpte (0x[0-9a-f]+).*/\1 \2/p')
	echo "$super $small"
}

# The devfn of PCI address $1 (0000:00:02.0), hex as QEMU prints it.
pci_devfn() {
	local sf=${1##*:}
	printf '0x%x' $(((16#${sf%.*} << 3) | ${sf#*.}))
}

# DMA transfers that faulted, as QEMU traced them (whether the guest was
# told or not). QEMU traces a faulting transfer once per 4 bytes; the
# tests' transfers start on a page and stay in it: count their first.
qemu_fault_dmas() { qemu_trace vtd_dmar_fault | grep -cE ' addr 0x[0-9a-f]*000 '; }

# The console of the Nth kernel that booted (1 is A), from its "Linux
# version" line on: unlike phase(), with that kernel's own boot messages.
kernel_log() { console | awk -v n="$1" '/^Linux version /{ k++ } k == n'; }

# Free memory of kernel $2 (the stage's "$1: $2 memfree=" line) within 1%
# of kernel A's at cold boot ("$1: A memfree="): nothing leaked on the way.
memfree_near_cold() {
	local a b
	a=$(field "$1: A memfree=" memfree)
	b=$(field "$1: $2 memfree=" memfree)
	if [ -z "$a" ] || [ -z "$b" ]; then
		bad "memfree not reported: A=$a $2=$b"
	elif [ $((b * 100)) -lt $((a * 99)) ]; then
		bad "$2 has $b kB free, more than 1% below A's $a kB at cold boot (memtotal A=$(field "$1: A memfree=" memtotal) $2=$(field "$1: $2 memfree=" memtotal))"
	fi
}

# Guest DMA fault lines ("DMAR: [DMA Write ...") of the text on stdin
# before, and from, its first line matching the regex $1.
faults_before() { sed "/$1/,\$d" | grep -c 'DMAR: \[DMA'; }
faults_from() { sed -n "/$1/,\$p" | grep -c 'DMAR: \[DMA'; }

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
