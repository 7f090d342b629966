# SPDX-License-Identifier: GPL-2.0
# memfd-hugetlb-iommufd: memfd-iommufd with guest RAM in a hugetlb memfd of
# four 2 MiB pages (the pool on the command line): B restores it in the
# same huge pages, maps it whole with IOMMU_IOAS_MAP, and the edu's DMA
# through VT-d reads and writes it. VT-d maps it with 2 MiB superpages
# (QEMU's VT-d advertises 2 MiB and 1 GiB second-level pages): every
# translation QEMU cached for the memfd's IOVAs has a superpage leaf.
hugetlb=1
. "$top/tests/scenarios/memfd-iommufd.sh"
