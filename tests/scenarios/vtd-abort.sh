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
	vtd_pair_checks 17 16 1
	phase 1 | grep -x 'KHO: aborted: preserved state thawed' >/dev/null ||
		bad "kernel A did not report the aborted freeze"
}
