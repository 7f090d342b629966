# SPDX-License-Identifier: GPL-2.0
# replace-under-dma: B adopts the frozen domain, rebuilds the IOAS and an
# HWPT, then replaces while a loop runs edu DMAs back to back (a new
# pattern each time, each checked), every step of the replace (the store,
# each invalidation) followed by a kho_test.stretch_ms sleep so that DMAs
# complete inside those windows. At least 200 DMAs, enough of them during
# the replace, none failed or corrupt, and no DMA fault in the guest log
# nor in QEMU's trace. replace-control runs the same through 6.12's path.
. "$top/tests/scenarios/vtd-dma-across-kexec.sh"
append="khotest.stage=replace-under-dma"
timeout=300
delays=
controls=

# The replace's windows the kernel opened: one per step, three in each mode.
stretch_windows() { kernel_log 2 | grep -cE '^kho_test: stretch: [0-9]+ ms after '; }

# The numbers vtd_kho replace-dma printed.
rdma_field() { field '^vtd_kho: replace-dma ' "$1"; }

check() {
	local n
	vtd_pair_checks 8 20 0
	n=$(stretch_windows)
	[ "$n" -eq 3 ] || bad "the replace opened $n stretched window(s), expected 3"
	kernel_log 2 | grep -E '^DMAR-KHO: [0-9a-f:.]+: replaced its frozen domain [^ ]+ without a gap \(DID [0-9]+, taken over\)$' >/dev/null ||
		bad "no in-place replace with the DID taken over"
	n=$(rdma_field in_window)
	[ -n "$n" ] && [ "$n" -ge 4 ] || bad "${n:-no} DMAs completed during the replace"
}
