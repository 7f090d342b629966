# SPDX-License-Identifier: GPL-2.0
# replace-control: replace-under-dma with kernel B taking 6.12's ordinary
# attach path (kho_test.naive=vtd-replace-stock): the entry is cleared,
# then the new one written, the window between stretched. DMAs landing in
# it must fault: the scenario passes only if the guest log shows DMA
# faults, QEMU's trace shows faulting transfers and the DMA loop saw
# transfers fail or corrupt. It proves replace-under-dma can fail.
. "$top/tests/scenarios/replace-under-dma.sh"
append="khotest.stage=replace-under-dma kho_test.naive=vtd-replace-stock"
allow_dmar_faults=1

check() {
	local faults qemu bad_dmas
	kernel_log 2 | grep -E '^DMAR-KHO: [0-9a-f:.]+: leaving the frozen domain the stock way' >/dev/null ||
		bad "B did not take the stock path"
	[ "$(stretch_windows)" -eq 1 ] || bad "the stock path opened $(stretch_windows) stretched window(s), expected 1"
	faults=$(console | faults_from '^khotest: replace-under-dma: B seed=')
	qemu=$(qemu_fault_dmas)
	bad_dmas=$(( $(rdma_field failed || echo 0) + $(rdma_field corrupt || echo 0) ))
	[ "$faults" -gt 0 ] || bad "no DMA fault in the guest log: the control did not fault"
	[ "$qemu" -gt 0 ] || bad "no faulting transfer in QEMU's trace"
	[ "$bad_dmas" -gt 0 ] || bad "no DMA failed or was corrupt"
	phase 2 | grep -E '^not ok [0-9]+ - every transfer landed with the right bytes' >/dev/null ||
		bad "vtd_kho did not report the corrupt transfers"
}
