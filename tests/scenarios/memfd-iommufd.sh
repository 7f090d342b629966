# SPDX-License-Identifier: GPL-2.0
# memfd-iommufd: a memfd preserved on A is restored on B, mapped whole with
# IOMMU_IOAS_MAP, and the edu device reads and writes it by DMA through
# VT-d; no DMA fault may appear (common checks). Its 4 MiB are 4 KiB
# pages, and every translation QEMU's VT-d cached for them has a 4 KiB
# leaf. A variant sets hugetlb=1 before sourcing this file
# (memfd-hugetlb-iommufd): there every leaf must be a superpage.
hugetlb=${hugetlb:-0}
if [ "$hugetlb" = 1 ]; then
	append="hugepagesz=2M hugepages=4 khotest.stage=memfd-hugetlb-iommufd"
	memfd_bytes=$((8 << 20))
else
	append="khotest.stage=memfd-iommufd"
	memfd_bytes=$((4 << 20))
fi
timeout=240
boots=2
qemu_traces=vtd_iotlb_page_update

# The memfd's translations have the leaves its pages call for: all 2 MiB
# superpages for hugetlb=1, all 4 KiB pages otherwise; at least one.
leaf_checks() {
	local iova super small
	iova=$(phase 2 | sed -nE 's/^ok [0-9]+ - dma: IOMMU_IOAS_MAP of all of vm-ram at IOVA (0x[0-9a-f]+)$/\1/p')
	[ -n "$iova" ] || { bad "no IOVA for vm-ram in B's log"; return; }
	read -r super small < <(vtd_leaf_sizes "$iova" "$memfd_bytes")
	if [ "$hugetlb" = 1 ]; then
		[ "$super" -gt 0 ] && [ "$small" -eq 0 ] ||
			bad "VT-d did not map the hugetlb memfd with superpages: $super superpage and $small 4 KiB translations"
	else
		[ "$small" -gt 0 ] && [ "$super" -eq 0 ] ||
			bad "VT-d's leaves for the 4 KiB memfd: $super superpage and $small 4 KiB translations"
	fi
}

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
	leaf_checks
}
