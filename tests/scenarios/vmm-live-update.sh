# SPDX-License-Identifier: GPL-2.0
# vmm-live-update: the whole live update of a VMM, with an edu's DMA
# checked byte for byte before the kexec (A), armed across it (landing
# while A shuts down or B boots), through the frozen domain B adopted, and
# after the replace, where a DMA to the IOVA the new HWPT maps to another
# page lands in that page. No DMA fault anywhere (guest log, QEMU trace),
# translation on throughout, the replace done in place with the frozen
# domain's DID, every frozen page-table page freed at its destroy, and B's
# free memory after the handover finished within 1% of A's at cold boot.
. "$top/tests/scenarios/vtd-dma-across-kexec.sh"
append="khotest.stage=vmm-live-update"
delays="40"
controls=

# The steps vtd_kho live times, in order.
live_steps="restore-guest-ram open-and-bind-device adopt critical-path dma-on-frozen-domain rebuild-ioas-and-hwpt replace destroy-frozen-hwpt"

# Kernel $1 (a phase) replaced its frozen domain in place and freed it.
live_checks() {
	local p=$1 step rec freed
	for step in $live_steps; do
		phase "$p" | grep -E "^vtd_kho: step $step [0-9.]+ ms$" >/dev/null ||
			bad "phase $p did not time step $step"
	done
	kernel_log "$p" | grep -E '^DMAR-KHO: [0-9a-f:.]+: replaced its frozen domain [^ ]+ without a gap \(DID [0-9]+, taken over\)$' >/dev/null ||
		bad "phase $p: no in-place replace with the DID taken over: $(kernel_log "$p" | first_line 'DMAR-KHO: .*replace' 'no replace line')"
	rec=$(phase "$p" | grep -m1 -oE '^# kho/intel-iommu: domain token=[^ ]* frozen refs=1 tables=[0-9]+' | sed 's/.*tables=//')
	freed=$(kernel_log "$p" | sed -nE 's/^DMAR-KHO: frozen domain [^ ]+ freed: ([0-9]+) page-table pages.*/\1/p' | head -n1)
	[ -n "$rec" ] && [ "$rec" -gt 0 ] && [ "$freed" = "$rec" ] ||
		bad "phase $p: the frozen domain's pages: ${rec:-no} recorded, ${freed:-none} freed at destroy"
}

check() {
	vtd_pair_checks 8 22 0
	live_checks 2
	memfree_near_cold vmm-live-update B
}
