# SPDX-License-Identifier: GPL-2.0
# update-chain-10: ten live updates in a row, A -> B -> ... -> K, the edu
# DMAing across every kexec. Each of B to K restores the guest RAM (in the
# same pages as A's), adopts the frozen domain, DMAs through it, replaces
# it in place, frees it and finishes, with vmm-live-update's checks; B to
# J then preserve again and kexec. No DMA fault anywhere, translation on
# throughout; every handover after the first protects no more preserved
# pages than the first did (nothing grows along the chain), and a tracker
# no larger than those pages can need (its shape follows where they lie:
# a leaf per page at most, plus the inner nodes of two orders' trees);
# K's free memory within 1% of A's at cold boot.
. "$top/tests/scenarios/vmm-live-update.sh"
append="khotest.stage=update-chain-10"
timeout=900
boots=11
delays=
controls=

# "PRESERVED TRACKER" pages of the handover kernel $1 accepted.
handover_pages() {
	kernel_log "$1" | sed -nE 's/^KHO: handover [0-9]+ accepted: ([0-9]+) preserved pages protected, ([0-9]+) tracker pages$/\1 \2/p' | head -n1
}

check() {
	local p n a k first pages
	phase 1 | grep -E '^vtd_kho: armed delay=[0-9]+$' >/dev/null ||
		bad "A did not arm: $(phase 1 | first_line '^(not ok|vtd_kho: FAIL)' 'no armed line')"
	has '^not ok' && bad "failed: $(console | grep '^not ok' | head -n3 | tr '\n' ' ')"
	for p in $(seq 2 11); do
		if [ "$p" -lt 11 ]; then
			phase "$p" | grep -E '^vtd_kho: armed delay=[0-9]+$' >/dev/null ||
				bad "kernel $p did not arm: $(phase "$p" | first_line '^not ok' 'no armed line')"
			n=25
		else
			phase "$p" | grep -x 'vtd_kho: PASS' >/dev/null ||
				bad "kernel $p did not pass: $(phase "$p" | first_line '^not ok' 'no PASS line')"
			n=22
		fi
		[ "$(phase "$p" | grep -cE '^ok [0-9]+ - ')" -eq "$n" ] ||
			bad "kernel $p passed $(phase "$p" | grep -cE '^ok [0-9]+ - ') checks, expected $n"
		live_checks "$p"
		kernel_log "$p" | grep -E '^DMAR-KHO: [^ ]+: translation kept on, 1 device\(s\) on frozen domains$' >/dev/null ||
			bad "kernel $p did not keep translation on with the frozen domain"
		pages=$(handover_pages "$p")
		if [ -z "$pages" ]; then
			bad "kernel $p accepted no handover"
		elif [ -z "${first:-}" ]; then
			first=$pages
		elif ! awk -v a="$pages" -v b="$first" 'BEGIN { split(a, x); split(b, y); exit !(x[1] <= y[1] && x[2] <= x[1] + 8) }'; then
			bad "kernel $p's handover grew: preserved and tracker pages $pages, B's $first"
		fi
		echo "update-chain: kernel $p handover pages (preserved tracker) $pages" >> "$log"
	done
	a=$(phase 1 | grep -m1 '^vtd_kho: A iova=' | grep -oE 'pfns=[^ ]*')
	k=$(phase 11 | grep -m1 '^vtd_kho: K pfns=' | grep -oE 'pfns=[^ ]*')
	[ -n "$a" ] && [ "$a" = "$k" ] || bad "vtd-ram's pages differ: A ${a:-none}, K ${k:-none}"
	n=$(count 'DMAR: \[DMA')
	[ "$n" -eq 0 ] || bad "$n DMA fault line(s) in the guest logs"
	n=$(qemu_fault_dmas)
	[ "$n" -eq 0 ] || bad "QEMU recorded $n faulting DMA(s)"
	vtd_translation_never_off
	memfree_near_cold update-chain-10 K
}
