# SPDX-License-Identifier: GPL-2.0
# memfd-hugetlb-errors: every error of hugetlb memfds (tests/stages/
# memfd-hugetlb-errors): a fail-nth pass over their preserve and their
# restore (and a shmem memfd's restore), a pool too
# small for a memfd's holes, a corrupt list (the pages never join B's
# pool, the restore fails with EINVAL), a page size B has no pool for
# (EOPNOTSUPP, the memfd still restorable); finish frees both memfds'
# pages to the page allocator. All clear errors: no warning, no crash.
append="hugepagesz=2M hugepages=8 hugepagesz=1G hugepages=1 khotest.stage=memfd-hugetlb-errors"
VM_MEM=4G
timeout=420
boots=2

check() {
	local p m before after
	for p in 1 2; do
		phase $p | grep -x 'kho_memfd: PASS' >/dev/null ||
			bad "phase $p: kho_memfd did not pass: $(phase $p | grep '^not ok' | sed -n 1p)"
	done
	has '^not ok' && bad "failed: $(console | grep '^not ok' | head -n3 | tr '\n' ' ')"
	has '^ok [0-9]+ - fail-nth: KHO_MEMFD_PRESERVE \(hugetlb\), N=1\.\.[0-9]+' ||
		bad "no fail-nth result for a hugetlb memfd"
	# Restore: at least one failure, each ENOMEM with the memfd still
	# restorable, then every byte and pfn of it (kho_memfd's own checks).
	has '^ok [0-9]+ - fail-nth: KHO_MEMFD_RESTORE nth \(hugetlb\), N=1\.\.[0-9]+ tried: [1-9]' ||
		bad "no fail-nth result for the restore of a hugetlb memfd"
	has '^ok [0-9]+ - fail-nth: KHO_MEMFD_RESTORE nth4k \(shmem\), N=1\.\.[0-9]+ tried: [1-9]' ||
		bad "no fail-nth result for the restore of a shmem memfd"
	for m in nth nth4k; do
		has "^ok [0-9]+ - $m: every byte as seed" &&
			has "^ok [0-9]+ - $m: the pfn and folio of every page are kernel A" ||
			bad "$m, restored by fail-nth, is not A's bytes in A's pages"
	done
	kernel_log 2 | grep -x 'KHO: memfd: victim: corrupt page list, not restorable' >/dev/null ||
		bad "B did not say victim's list is corrupt"
	kernel_log 2 | grep -x 'KHO: memfd: big: its pages are 1048576 KiB huge pages, and this kernel has no hugetlb pool of that size' >/dev/null ||
		bad "B did not say it has no pool for big's pages"
	# Finish gave big's 1 GiB page and victim's 4 MiB to the allocator.
	before=$(field 'memfd-hugetlb-errors: B before memfree=' memfree)
	after=$(field 'memfd-hugetlb-errors: B finished memfree=' memfree)
	[ -n "$before" ] && [ -n "$after" ] && [ $((after - before)) -ge $(((1024 + 4) * 1024 - 8192)) ] ||
		bad "finish freed $((${after:-0} - ${before:-0})) kB, not the 1 GiB and 4 MiB of the two memfds"
}
