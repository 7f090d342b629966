# SPDX-License-Identifier: GPL-2.0
# memfd-iommufd: a memfd preserved on A is restored on B, mapped whole with
# IOMMU_IOAS_MAP, and the edu device reads and writes it by DMA through
# VT-d; no DMA fault may appear (common checks).
append="khotest.stage=memfd-iommufd"
timeout=240
boots=2

phase1() { console | sed -n '/^khotest: init stage=.* phase=1 /,/^khotest: init stage=.* phase=2 /p'; }
phase2() { console | sed -n '/^khotest: init stage=.* phase=2 /,$p'; }

check() {
	local pre res
	pre=$(phase1 | grep '^kho_memfd: preserved vm-ram ' | sed -n 1p)
	res=$(phase2 | grep '^kho_memfd: restored vm-ram ' | sed -n 1p)
	phase1 | grep -x 'kho_memfd: PASS' >/dev/null ||
		bad "kernel A did not pass: $(phase1 | grep '^not ok' | sed -n 1p || echo 'no PASS line')"
	phase2 | grep -x 'kho_memfd: PASS' >/dev/null ||
		bad "kernel B did not pass: $(phase2 | grep '^not ok' | sed -n 1p || echo 'no PASS line')"
	has '^not ok' && bad "failed: $(console | grep '^not ok' | head -n3 | tr '\n' ' ')"
	[ -n "$pre" ] && [ "${res#kho_memfd: restored}" = "${pre#kho_memfd: preserved}" ] ||
		bad "A and B differ: A '${pre#kho_memfd: }' B '${res#kho_memfd: }'"
	[ "$(phase2 | grep -cE '^ok [0-9]+ - dma: ')" -eq 9 ] ||
		bad "expected 9 passing dma checks, saw $(phase2 | grep -cE '^ok [0-9]+ - dma: ')"
	phase2 | grep -E '^ok [0-9]+ - dma: page 1 holds page 0' >/dev/null || bad "no DMA result"
}
