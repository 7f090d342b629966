# SPDX-License-Identifier: GPL-2.0
# adopt-errors: B, after A armed as in vmm-live-update, checks every error
# of IOMMU_KHO_ADOPT (flags, size, token 0, a wrong token, the device's
# token, a non-device id, an unknown id, a device that was not preserved)
# and that none changed anything (attach still refused, the device still
# frozen); a fail-nth pass over the adopt; then a second adopt (EBUSY),
# IOAS_MAP and UNMAP into the adopted HWPT (EPERM), its destroy while in
# use (EBUSY), DMA through it, the replace, an adopt after it (ENOENT)
# and the destroy. No DMA fault anywhere.
. "$top/tests/scenarios/vtd-dma-across-kexec.sh"
append="khotest.stage=adopt-errors"
timeout=300
edus=2
delays=
controls=

check() {
	vtd_pair_checks 8 30 0
	kernel_log 2 | grep -E '^DMAR-KHO: frozen domain [^ ]+ freed: [0-9]+ page-table pages' >/dev/null ||
		bad "the frozen domain was not freed at destroy"
}
