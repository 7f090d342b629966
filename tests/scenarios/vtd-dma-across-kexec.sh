# SPDX-License-Identifier: GPL-2.0
# vtd-dma-across-kexec: an edu DMA started on A lands, through VT-d, in the
# preserved page while A kexecs into B (kexec 0, 40 and 150 ms after the
# start: the edu runs a transfer 100 ms after it is started, so during A's
# shutdown, B's boot, or still on A); B then DMAs both ways through the
# frozen domain and provokes one fault. vtd_kho's checks all pass, the
# pages are the same in A and B, the only DMA fault is the provoked one,
# and QEMU saw translation on from A's enable to the end.
# The control vtd-stock-shutdown (kernel A turns translation off at the
# kexec, as stock 6.12 does, the preserved edu still mastering the bus)
# must fail: the armed DMA lands at GPA == IOVA (canary C1) or is lost,
# and B has no frozen domain.
append="khotest.stage=vtd-dma-across-kexec"
timeout=240
boots=2
allow_dmar_faults=1
delays="0 40 150"
controls="vtd-stock-shutdown"

# What every vtd_kho arm (or isolate-arm, abort) / check pair must show.
# $1, $2: how many checks kernel A and kernel B pass (a change in vtd_kho
# must change these); $3: how many faults B provokes, each of which must
# be one "DMAR: [DMA" line after B's first "provoking a fault" marker and
# one faulting transfer in QEMU's trace; no fault may come before. $4
# "armed": B arms a DMA and kexecs on, as A does, instead of passing.
# (The kernel prints at most 3 faults in 5 s: its ratelimit.)
vtd_marker='^vtd_kho: provoking a fault'
vtd_pair_checks() {
	local a_oks=$1 b_oks=$2 faults=$3 a b n
	phase 1 | grep -E '^vtd_kho: armed delay=[0-9]+$' >/dev/null ||
		bad "kernel A did not arm: $(phase 1 | first_line '^(not ok|vtd_kho: FAIL)' 'no armed line')"
	if [ "${4:-}" = armed ]; then
		phase 2 | grep -E '^vtd_kho: armed delay=[0-9]+$' >/dev/null ||
			bad "kernel B did not arm: $(phase 2 | first_line '^not ok' 'no armed line')"
	else
		phase 2 | grep -x 'vtd_kho: PASS' >/dev/null ||
			bad "kernel B did not pass: $(phase 2 | first_line '^not ok' 'no PASS line')"
	fi
	has '^not ok' && bad "failed: $(console | grep '^not ok' | head -n3 | tr '\n' ' ')"
	n=$(phase 1 | grep -cE '^ok [0-9]+ - ')
	[ "$n" -eq "$a_oks" ] || bad "kernel A passed $n checks, expected $a_oks"
	n=$(phase 2 | grep -cE '^ok [0-9]+ - ')
	[ "$n" -eq "$b_oks" ] || bad "kernel B passed $n checks, expected $b_oks"
	a=$(phase 1 | grep -m1 '^vtd_kho: A iova=' | grep -oE 'pfns=[^ ]*')
	b=$(phase 2 | grep -m1 '^vtd_kho: B pfns=' | grep -oE 'pfns=[^ ]*')
	[ -n "$a" ] && [ "$a" = "$b" ] || bad "vtd-ram's pages differ: A ${a:-none}, B ${b:-none}"
	kernel_log 2 | grep -E '^DMAR-KHO: [^ ]+: translation kept on, [1-9][0-9]* device\(s\) on frozen domains$' >/dev/null ||
		bad "B did not keep translation on with frozen domains: $(kernel_log 2 | first_line '^DMAR-KHO: ' 'no DMAR-KHO line')"
	n=$(console | faults_before "$vtd_marker")
	[ "$n" -eq 0 ] ||
		bad "$n DMA fault(s) before B provoked any: $(console | first_line 'DMAR: \[DMA')"
	n=$(phase 2 | grep -c "$vtd_marker")
	[ "$n" -eq "$faults" ] || bad "B provoked $n fault(s), expected $faults"
	n=$(console | faults_from "$vtd_marker")
	[ "$n" -eq "$faults" ] || bad "$n DMA fault line(s) after B's marker, expected $faults"
	n=$(qemu_fault_dmas)
	[ "$n" -eq "$faults" ] || bad "QEMU recorded $n DMA fault(s), expected $faults"
	vtd_translation_never_off
}

check() {
	local rec freed
	vtd_pair_checks 8 16 1
	# Closing the device freed the frozen domain: as many page-table pages
	# back to the allocator as A recorded, and debugfs says so.
	rec=$(phase 2 | grep -m1 -oE '^# kho/intel-iommu: domain token=[^ ]* frozen refs=1 tables=[0-9]+' | sed 's/.*tables=//')
	freed=$(kernel_log 2 | sed -nE 's/^DMAR-KHO: frozen domain [^ ]+ freed: ([0-9]+) page-table pages.*/\1/p' | head -n1)
	[ -n "$rec" ] && [ "$rec" -gt 0 ] && [ "$freed" = "$rec" ] ||
		bad "the frozen domain's pages: ${rec:-no} recorded, ${freed:-none} freed"
	phase 2 | grep -E 'after close: .*device [0-9a-f:.]+ unit=[^ ]+ did=[0-9]+ released' >/dev/null ||
		bad "debugfs does not show the device released after close"
	phase 2 | grep -E 'after close: .*domain token=' >/dev/null &&
		bad "the frozen domain is still listed after close"
}

# The sign that a control failed for the reason it exists.
control_expect() {
	case "$1" in
	vtd-stock-shutdown)
		# B did not keep translation on: nothing frozen to adopt...
		kernel_log 2 | grep -E '^DMAR-KHO: [^ ]+: translation kept on' >/dev/null &&
			return 1
		# ...and the armed DMA missed page 0 or hit canary C1, or QEMU
		# saw translation go off between the kernels.
		console | grep -E '^not ok [0-9]+ - (page 0 starts with|the canary at GPA X=)' >/dev/null ||
			vtd_translation_went_off
		;;
	*) return 1 ;;
	esac
}
