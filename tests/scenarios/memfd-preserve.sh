# SPDX-License-Identifier: GPL-2.0
# memfd-preserve: a 256 MiB memfd preserved on A comes back on B with the
# same size, seals, bytes and physical pages, in the same folios. A variant
# sets $size_mib (and VM_MEM) before sourcing this file, e.g.
# memfd-preserve-1g, or thp=1: A's shmem makes 2 MiB folios
# (memfd-thp-preserve), every one of which B must restore as it was.
size_mib=${size_mib:-256}
thp=${thp:-0}
append="khotest.stage=memfd-preserve khotest.size=${size_mib}M khotest.thp=$thp"
timeout=240
boots=2

check() {
	local seed_a seed_b pre res
	seed_a=$(field 'memfd-preserve: A seed=' seed)
	seed_b=$(field 'memfd-preserve: B seed=' seed)
	pre=$(phase 1 | grep '^kho_memfd: preserved vm-ram ' | sed -n 1p)
	res=$(phase 2 | grep '^kho_memfd: restored vm-ram ' | sed -n 1p)
	[ -n "$seed_a" ] || bad "kernel A printed no seed"
	phase 1 | grep -x 'kho_memfd: PASS' >/dev/null ||
		bad "kernel A did not pass: $(phase 1 | grep '^not ok' | sed -n 1p || echo 'no PASS line')"
	phase 2 | grep -x 'kho_memfd: PASS' >/dev/null ||
		bad "kernel B did not pass: $(phase 2 | grep '^not ok' | sed -n 1p || echo 'no PASS line')"
	has '^not ok' && bad "failed: $(console | grep '^not ok' | head -n3 | tr '\n' ' ')"
	[ "$(phase 1 | grep -cE '^ok [0-9]+ - ')" -eq 8 ] || bad "expected 8 passing checks in A"
	[ "$(phase 2 | grep -cE '^ok [0-9]+ - ')" -eq 14 ] || bad "expected 14 passing checks in B"
	[ "$seed_a" = "$seed_b" ] || bad "seed mismatch: A=$seed_a B=$seed_b"
	case "$pre" in
	"kho_memfd: preserved vm-ram size=$((size_mib << 20)) seed=$seed_a pages=$((size_mib << 8)) pfnsum="?*) ;;
	*) bad "unexpected line from A: '$pre'" ;;
	esac
	# A's folios: all 4 KiB pages, or with thp=1 all 2 MiB ones.
	if [ "$thp" = 1 ]; then
		want="folios=$((size_mib / 2)) huge=$((size_mib / 2))"
	else
		want="folios=$((size_mib << 8)) huge=0"
	fi
	case "$pre" in *" $want") ;; *) bad "A's memfd is not in the folios expected ($want): '$pre'" ;; esac
	# Same name, size, seed, page count, hash of the pfns and folio shapes.
	[ -n "$res" ] && [ "${res#kho_memfd: restored}" = "${pre#kho_memfd: preserved}" ] ||
		bad "A and B differ: A '${pre#kho_memfd: }' B '${res#kho_memfd: }'"
	has 'KHO: memfd: 2 memfd\(s\) handed over' || bad "kernel B did not take 2 memfds"
}
