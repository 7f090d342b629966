# SPDX-License-Identifier: GPL-2.0
# vtd-fail-closed: A arms as in vtd-dma-across-kexec, but damages the frozen
# handover first: run "vtd-node" breaks the VT-d node only, run "hdr-crc"
# the whole handover (B boots cold then, the memfd is gone). B must reject
# it, reach userspace, and keep the device that is still running blocked
# with translation on: DMAs from it, before any driver binds it and after
# vfio-pci does, land neither in A's pages nor at GPA == IOVA, and QEMU
# never saw translation turned off.
# The control vtd-te-off (B turns translation off on rejecting the node or
# the handover, as stock 6.12 does, and skips the early block; on A's
# command line, B reuses it) must fail: a DMA of the device to the fresh
# canary's GPA lands there, or, since stock 6.12 turns translation on again
# with tables of its own before userspace runs (where vtd_kho fenced
# DMAs: they fault on B's default domain), QEMU saw translation turned off
# and on again in B, with the device left unblocked meanwhile.
append="khotest.stage=vtd-fail-closed"
timeout=240
boots=2
allow_dmar_faults=1
corrupts="vtd-node hdr-crc"
controls="vtd-te-off"

check() {
	local a b n markers after_bind state
	state=$(field 'vtd-fail-closed: B seed=' state)
	phase 1 | grep -x "vtd_kho: A corrupted=$run_corrupt" >/dev/null ||
		bad "A did not corrupt the handover: $(phase 1 | first_line '^(not ok|vtd_kho: FAIL)' 'no corrupted line')"
	phase 1 | grep -E '^vtd_kho: armed delay=[0-9]+$' >/dev/null || bad "kernel A did not arm"
	n=$(phase 1 | grep -cE '^ok [0-9]+ - ')
	[ "$n" -eq 9 ] || bad "kernel A passed $n checks, expected 9"
	phase 2 | grep -x 'vtd_kho: PASS' >/dev/null ||
		bad "kernel B did not pass: $(phase 2 | first_line '^not ok' 'no PASS line')"
	has '^not ok' && bad "failed: $(console | grep '^not ok' | head -n3 | tr '\n' ' ')"
	case "$run_corrupt" in
	vtd-node)
		[ "$state" = valid ] || bad "B's KHO state is '$state', not valid: only the VT-d node was broken"
		a=$(phase 1 | grep -m1 '^vtd_kho: A iova=' | grep -oE 'pfns=[^ ]*')
		b=$(phase 2 | grep -m1 '^vtd_kho: B pfns=' | grep -oE 'pfns=[^ ]*')
		[ -n "$a" ] && [ "$a" = "$b" ] || bad "vtd-ram's pages differ: A ${a:-none}, B ${b:-none}"
		;;
	hdr-crc)
		[ "$state" = bad ] || bad "B's KHO state is '$state', not bad"
		has '^KHO: handover rejected: header checksum mismatch' ||
			bad "B did not reject the handover: $(console | first_line '^KHO: handover rejected' 'no rejection line')"
		;;
	esac
	kernel_log 2 | grep -E '^DMAR-KHO: [^ ]+: left translating, but .*: every device on it is blocked$' >/dev/null ||
		bad "B did not block the unit: $(kernel_log 2 | first_line '^DMAR-KHO: ' 'no DMAR-KHO line')"
	# Faults are B's to raise: the DMA A armed may hit the fence while B
	# boots, and every one B provokes may fault; vfio-pci's blocking
	# domain must fault (translation is on).
	n=$(kernel_log 1 | grep -c 'DMAR: \[DMA')
	[ "$n" -eq 0 ] || bad "$n DMA fault(s) in kernel A: $(kernel_log 1 | first_line 'DMAR: \[DMA')"
	markers=$(phase 2 | grep -c '^vtd_kho: provoking a fault')
	after_bind=$(phase 2 | grep -c '^vtd_kho: provoking a fault .*(after vfio-pci bound it')
	[ "$after_bind" -ge 1 ] || bad "B provoked no fault after binding vfio-pci"
	n=$(kernel_log 2 | grep -c 'DMAR: \[DMA')
	[ "$n" -le $((markers + 1)) ] || bad "$n DMA fault lines in B, more than its $markers provoked and A's one"
	n=$(qemu_fault_dmas)
	[ "$n" -le $((markers + 1)) ] || bad "QEMU recorded $n DMA faults, more than B's $markers and A's one"
	[ "$n" -ge "$after_bind" ] ||
		bad "QEMU recorded $n DMA faults, fewer than the $after_bind DMAs through vfio-pci's blocking domain"
	vtd_translation_never_off
}

control_expect() {
	case "$1" in
	vtd-te-off)
		console | grep -E '^not ok [0-9]+ - [^:]+: the fresh canary is intact: ' >/dev/null && return
		kernel_log 2 | grep -E '^DMAR-KHO: [^ ]+: left translating, but .*: every device on it is blocked$' >/dev/null &&
			return 1
		vtd_translation_went_off
		;;
	*) return 1 ;;
	esac
}
