# SPDX-License-Identifier: GPL-2.0
# live-update-chain: A -> B -> C with the edu DMAing across both kexecs.
# B does the whole live update (vmm-live-update's checks), preserves the
# memfd, its new HWPT and the device again, arms a DMA and kexecs; C finds
# that DMA landed, adopts B's HWPT as its frozen domain, and does the live
# update again with the same checks. The guest RAM is in the same pages in
# A, B and C; no DMA fault anywhere; C's free memory after the handover
# finished within 1% of A's at cold boot.
. "$top/tests/scenarios/vmm-live-update.sh"
append="khotest.stage=live-update-chain"
timeout=300
boots=3

check() {
	local a b c n
	vtd_pair_checks 8 25 0 armed
	live_checks 2
	phase 3 | grep -x 'vtd_kho: PASS' >/dev/null ||
		bad "kernel C did not pass: $(phase 3 | first_line '^not ok' 'no PASS line')"
	n=$(phase 3 | grep -cE '^ok [0-9]+ - ')
	[ "$n" -eq 22 ] || bad "kernel C passed $n checks, expected 22"
	live_checks 3
	kernel_log 3 | grep -E '^DMAR-KHO: [^ ]+: translation kept on, 1 device\(s\) on frozen domains$' >/dev/null ||
		bad "C did not keep translation on with the frozen domain"
	a=$(phase 1 | grep -m1 '^vtd_kho: A iova=' | grep -oE 'pfns=[^ ]*')
	c=$(phase 3 | grep -m1 '^vtd_kho: C pfns=' | grep -oE 'pfns=[^ ]*')
	[ -n "$a" ] && [ "$a" = "$c" ] || bad "vtd-ram's pages differ: A ${a:-none}, C ${c:-none}"
	b=$(phase 2 | grep -m1 -oE '^vtd_kho: B iova=0x[0-9a-f]+')
	[ -n "$b" ] || bad "B did not arm the DMA into C"
	memfree_near_cold live-update-chain C
}
