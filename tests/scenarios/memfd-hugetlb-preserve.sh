# SPDX-License-Identifier: GPL-2.0
# memfd-hugetlb-preserve: a hugetlb memfd of 32 2 MiB pages and one of a
# 1 GiB page, preserved on A, come back on B with the same size, seals,
# bytes, pfns and folios (each a hugetlb folio of its size). The pools
# are reserved on the command line, which B inherits: B's pools must count
# the preserved pages as theirs (pages in use until the memfds are closed),
# not allocate as many again, and never hand them to anyone else.
append="hugepagesz=2M hugepages=32 hugepagesz=1G hugepages=1 khotest.stage=memfd-hugetlb-preserve"
VM_MEM=4G
timeout=420
boots=2

# The pools line of stage step $1 ("A cold", "B boot", ...).
pools_at() { console | grep -m1 "memfd-hugetlb-preserve: $1 pools " | sed 's/.* pools //'; }

# Every check on the memfd named $1 of $2 folios, all huge.
hugetlb_memfd_checks() {
	local pre res
	pre=$(phase 1 | grep "^kho_memfd: preserved $1 " | sed -n 1p)
	res=$(phase 2 | grep "^kho_memfd: restored $1 " | sed -n 1p)
	case "$pre" in
	*" folios=$2 huge=$2") ;;
	*) bad "A's $1 is not in $2 huge folios: '$pre'" ;;
	esac
	[ -n "$res" ] && [ "${res#kho_memfd: restored}" = "${pre#kho_memfd: preserved}" ] ||
		bad "A and B differ: A '${pre#kho_memfd: }' B '${res#kho_memfd: }'"
}

# The pools at step $1 are $2 (2 MiB nr/free) and $3 (1 GiB nr/free).
pools_are() {
	local got want
	got=$(pools_at "$1")
	want="2048kB nr=${2%/*} free=${2#*/} resv=0 surplus=0 1048576kB nr=${3%/*} free=${3#*/} resv=0 surplus=0"
	[ "$got" = "$want" ] || bad "pools at '$1': '$got', expected '$want'"
}

check() {
	local p
	for p in 1 2; do
		phase $p | grep -x 'kho_memfd: PASS' >/dev/null ||
			bad "phase $p did not pass: $(phase $p | grep '^not ok' | sed -n 1p)"
	done
	has '^not ok' && bad "failed: $(console | grep '^not ok' | head -n3 | tr '\n' ' ')"
	hugetlb_memfd_checks ram-2m 32
	hugetlb_memfd_checks ram-1g 1
	has 'KHO: memfd: 4 memfd\(s\) handed over' || bad "kernel B did not take 4 memfds"
	pools_are "A cold" 32/32 1/1
	pools_are "A preserved" 32/0 1/0
	pools_are "B boot" 32/0 1/0
	pools_are "B restored" 32/0 1/0
	pools_are "B closed" 32/32 1/1
	pools_are "B finished" 32/32 1/1
}
