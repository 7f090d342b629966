# SPDX-License-Identifier: GPL-2.0
# kho-preserve: 64 MiB of random-order folios preserved by kho_test in A must
# come back in B, every folio at its order and every byte as A's seed made it.
# A variant sets $preserve (kho_test options, commas for spaces) first.
append="khotest.stage=kho-preserve ${preserve:+khotest.preserve=$preserve}"
timeout=180
boots=2

# Kernel $1's scratch is all MIGRATE_CMA: at least as many CMA pageblocks
# (2 MiB) as "KHO: scratch: N MiB" has.
scratch_is_cma() {
	local mib blocks
	mib=$(kernel_log "$1" | sed -nE 's/^KHO: scratch: ([0-9]+) MiB at .*/\1/p' | head -n1)
	blocks=$(phase "$1" | sed -nE 's/^khotest: kho-preserve: kernel [0-9]+ cma_blocks=([0-9]+)$/\1/p')
	[ -n "$mib" ] && [ -n "$blocks" ] && [ "$blocks" -ge $((mib / 2)) ] ||
		bad "kernel $1: ${blocks:-no} CMA pageblocks for ${mib:-no} MiB of scratch"
}

check() {
	local a b folios bytes
	a=$(field 'kho-preserve: A seed=' seed)
	b=$(field '^kho_test: verify PASS' seed)
	folios=$(field '^kho_test: verify PASS' folios)
	bytes=$(field '^kho_test: verify PASS' bytes)
	[ -n "$a" ] || bad "kernel A printed no seed"
	[ -n "$b" ] || bad "kernel B did not verify: $(console | grep -m1 '^kho_test: verify' || echo 'no verify line')"
	[ -n "$a" ] && [ "$a" = "$b" ] || bad "seed mismatch: A=$a B=$b"
	[ "${folios:-0}" -gt 0 ] 2>/dev/null || bad "no folios verified (folios=$folios)"
	[ "$bytes" = 67108864 ] || bad "verified $bytes bytes, expected 67108864"
	[ "$(count '^kho_test: verify')" -eq 1 ] || bad "expected exactly one kho_test verify line"
	scratch_is_cma 1
	scratch_is_cma 2
	has 'kho-preserve: A plain kexec_load refused: 1$' ||
		bad "A did not refuse kexec_load with preserved state: $(console | grep -m1 'A plain kexec_load')"
}
