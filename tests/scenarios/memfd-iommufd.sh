# SPDX-License-Identifier: GPL-2.0
# memfd-iommufd: a memfd preserved on A is restored on B, mapped whole with
# IOMMU_IOAS_MAP, and the edu device reads and writes it by DMA through
# VT-d; no DMA fault may appear (common checks).
append="khotest.stage=memfd-iommufd"
timeout=240
boots=2

check() {
	local pre res
	pre=$(phase 1 | grep '^kho_memfd: preserved vm-ram ' | sed -n 1p)
	res=$(phase 2 | grep '^kho_memfd: restored vm-ram ' | sed -n 1p)
	phase 1 | grep -x 'kho_memfd: PASS' >/dev/null ||
		bad "kernel A did not pass: $(phase 1 | grep '^not ok' | sed -n 1p || echo 'no PASS line')"
	phase 2 | grep -x 'kho_memfd: PASS' >/dev/null ||
		bad "kernel B did not pass: $(phase 2 | grep '^not ok' | sed -n 1p || echo 'no PASS line')"
	has '^not ok' && bad "failed: $(console | grep '^not ok' | head -n3 | tr '\n' ' ')"
	[ -n "$pre" ] && [ "${res#kho_memfd: restored}" = "${pre#kho_memfd: preserved}" ] ||
		bad "A and B differ: A '${pre#kho_memfd: }' B '${res#kho_memfd: }'"
	[ "$(phase 2 | grep -cE '^ok [0-9]+ - dma: ')" -eq 9 ] ||
		bad "expected 9 passing dma checks, saw $(phase 2 | grep -cE '^ok [0-9]+ - dma: ')"
	phase 2 | grep -E '^ok [0-9]+ - dma: page 1 holds page 0' >/dev/null || bad "no DMA result"
}
