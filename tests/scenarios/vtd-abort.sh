# SPDX-License-Identifier: GPL-2.0
# vtd-abort: on A, a freeze with memfd, HWPT and device preserved, DMA
# while frozen, the freeze aborted, DMA again, device and HWPT unpreserved
# (the IOAS mutable again); preserved again, armed and kexeced, B checks
# as in vtd-dma-across-kexec.
. "$top/tests/scenarios/vtd-dma-across-kexec.sh"
append="khotest.stage=vtd-abort"
delays=
# vtd-dma-across-kexec's control covers the kexec path this ends with.
controls=

check() {
	local owned freed
	vtd_pair_checks 17 17 1
	phase 1 | grep -x 'KHO: aborted: preserved state thawed' >/dev/null ||
		bad "kernel A did not report the aborted freeze"
	# Finish made the tables B's (counted by the walk), closing freed them.
	owned=$(phase 2 | grep -m1 -oE "^# kho/intel-iommu: domain token=[^ ]* frozen refs=1 tables=[0-9]+ \(this kernel's\)" |
		sed -E 's/.*tables=([0-9]+).*/\1/')
	freed=$(kernel_log 2 | sed -nE 's/^DMAR-KHO: frozen domain [^ ]+ freed: ([0-9]+) page-table pages.*/\1/p' | head -n1)
	[ -n "$owned" ] && [ "$owned" -gt 0 ] && [ "$freed" = "$owned" ] ||
		bad "after finish: ${owned:-no} page-table pages owned, ${freed:-none} freed at close"
	phase 2 | grep -E 'after close: .*device [0-9a-f:.]+ unit=[^ ]+ did=[0-9]+ released' >/dev/null ||
		bad "debugfs does not show the device released after close"
}
