# SPDX-License-Identifier: GPL-2.0
# kho-dump: the static kho-dump in the initramfs finds no ABI problem in the
# handover A writes (out/fdt after an explicit freeze) nor in the one B
# receives (in/fdt), and both dumps show the kho-test node with A's seed.
append="khotest.stage=kho-dump"
timeout=180
boots=2

check() {
	local a b side
	a=$(field 'kho-dump: A seed=' seed)
	b=$(field '^kho_test: verify PASS' seed)
	[ -n "$a" ] || bad "kernel A printed no seed"
	has 'kho-dump: A check out rc=0$' ||
		bad "kho-dump --check --out failed in A: $(console | grep -m3 'kho-dump: A check out' | tr '\n' ' ')"
	has 'kho-dump: B check in rc=0$' ||
		bad "kho-dump --check --in failed in B: $(console | grep -m3 'kho-dump: B check in' | tr '\n' ' ')"
	for side in A B; do
		has "kho-dump: $side dump rc=0$" || bad "$side: kho-dump exited non-zero"
		has "kho-dump: $side dump:   kho-test \[linux,kho-test-v[0-9]+\]$" ||
			bad "$side: the dump shows no kho-test node"
		[ -n "$a" ] && has "kho-dump: $side dump:     seed: +$a$" ||
			bad "$side: the dump does not show kho-test seed $a"
		has "kho-dump: $side dump: ABI check: valid$" || bad "$side: the dump reports ABI problems"
	done
	[ -n "$a" ] && [ "$a" = "$b" ] ||
		bad "B did not verify A's data: A seed=$a, B: $(console | grep -m1 '^kho_test: verify' || echo 'no verify line')"
}
