# SPDX-License-Identifier: GPL-2.0
# vtd-isolation: vtd-dma-across-kexec with a second edu, attached to its
# own IOAS but neither it nor its HWPT preserved (its RAM is, so that B can
# look). Its DMA, started on A just before the kexec, lands nowhere; on B
# it is blocked: before any driver binds it (bus mastering turned on
# through sysfs) a DMA of it to its old IOVA is the first provoked fault,
# after vfio-pci binds it the third, and neither lands in its old page nor
# at the GPA equal to that IOVA.
# The control vtd-no-clear (A keeps translation on but leaves the other
# devices' context entries) must fail: B finds the unpreserved edu's old
# entry and keeps it, and its DMA before any driver lands in iso-ram page
# 0 through A's stale tables.
. "$top/tests/scenarios/vtd-dma-across-kexec.sh"
append="khotest.stage=vtd-isolation"
edus=2
controls="vtd-no-clear"

check() {
	local a b bdf devfn e
	vtd_pair_checks 13 26 3
	a=$(phase 1 | grep -m1 '^vtd_kho: A iso iova=' | grep -oE 'pfns=[^ ]*')
	b=$(phase 2 | grep -m1 '^vtd_kho: B iso pfns=' | grep -oE 'pfns=[^ ]*')
	[ -n "$a" ] && [ "$a" = "$b" ] || bad "iso-ram's pages differ: A ${a:-none}, B ${b:-none}"
	# What the guest cannot see: B must not translate the unpreserved edu
	# through a context entry A left. Such an entry points at A's page
	# tables, which were not preserved: B reuses their pages, so a DMA
	# through them faults or lands anywhere, not in iso-ram for sure.
	bdf=$(phase 1 | grep -m1 -oE '^ok [0-9]+ - edu 1 \([0-9a-f:.]+\) bound' | grep -oE '[0-9a-f]{4}:[0-9a-f:.]+')
	if [ -z "$bdf" ]; then
		bad "no PCI address of the unpreserved edu in A's log"
		return
	fi
	devfn=$(pci_devfn "$bdf")
	a=$(qemu_context_loads "$devfn" 1)
	b=$(qemu_context_loads "$devfn" 2)
	[ -n "$a" ] || bad "QEMU traced no context entry of the unpreserved edu ($bdf) on A"
	[ -n "$b" ] || bad "QEMU traced no context entry of the unpreserved edu ($bdf) on B: its DMA before any driver did not reach the IOMMU"
	while read -r e; do
		[ -n "$e" ] && grep -qxF "$e" <<<"$b" &&
			bad "B translated the unpreserved edu ($bdf) through the context entry A left ($e): A did not clear it"
	done <<<"$a"
}

# The naive path shows in one of three ways: the DMA before any driver
# lands in iso-ram page 0 (A's tables for it still intact in B), or QEMU
# saw B translate the edu through the context entry A left (the tables
# reused: the DMA faults), or B's validator rejected the unit because A's
# root still reaches a context table its record does not list (scalable
# mode: bus 0's upper half, 00:1f.*), and blocked every device.
control_expect() {
	case "$1" in
	vtd-no-clear)
		console | grep -E '^not ok [0-9]+ - before any driver: nothing landed: .*: iso-ram page 0 \(target 0\): ' >/dev/null ||
			printf '%s\n' "${check_reasons[@]}" | grep -E '^B translated the unpreserved edu .* through the context entry A left' >/dev/null ||
			kernel_log 2 | grep -E '^DMAR-KHO: [^ ]+: left translating, but (the root points to an unlisted table|a device without a record has a context entry)' >/dev/null
		;;
	*) return 1 ;;
	esac
}
