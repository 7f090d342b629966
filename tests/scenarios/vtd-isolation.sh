# SPDX-License-Identifier: GPL-2.0
# vtd-isolation: vtd-dma-across-kexec with a second edu, attached to its
# own IOAS but neither it nor its HWPT preserved (its RAM is, so that B can
# look). Its DMA, started on A just before the kexec, lands nowhere; on B
# it is blocked: a DMA of it to its old IOVA is the second provoked fault,
# and lands neither in its old page nor at the GPA equal to that IOVA.
. "$top/tests/scenarios/vtd-dma-across-kexec.sh"
append="khotest.stage=vtd-isolation"
edus=2

check() {
	local a b
	vtd_pair_checks 13 23 2
	a=$(phase 1 | grep -m1 '^vtd_kho: A iso iova=' | grep -oE 'pfns=[^ ]*')
	b=$(phase 2 | grep -m1 '^vtd_kho: B iso pfns=' | grep -oE 'pfns=[^ ]*')
	[ -n "$a" ] && [ "$a" = "$b" ] || bad "iso-ram's pages differ: A ${a:-none}, B ${b:-none}"
}
