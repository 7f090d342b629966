# SPDX-License-Identifier: GPL-2.0
# vfio-edu-dma: DMA through VT-d from a VFIO cdev + iommufd device, checked
# byte for byte by the guest program; no DMA fault may appear.
append="khotest.stage=vfio-edu-dma"
timeout=180

check() {
	has '^vfio-edu-dma: PASS$' || bad "$(console | grep -m1 '^not ok' || echo 'no PASS line')"
	[ "$(count '^ok [0-9]+ - ')" -eq 9 ] || bad "expected 9 passing steps, saw $(count '^ok [0-9]+ - ')"
}
