# SPDX-License-Identifier: GPL-2.0
# memfd-preserve-race: on kernel A, preserve/unpreserve from three threads
# races freeze and abort, a memfd's truncation, writes and a seal, and
# kexec loads (tests/stages/memfd-preserve-race, kho_memfd prace): every
# call ends as documented, nothing stays preserved, every byte is as
# written and the seal its user added survives. Then a memfd preserved
# after the race crosses the kexec intact.
append="khotest.stage=memfd-preserve-race"
timeout=300
boots=2

check() {
	local line
	[ "$(phase 1 | grep -c '^kho_memfd: PASS$')" -eq 2 ] ||
		bad "kernel A's race failed: $(phase 1 | grep '^not ok' | head -n3 | tr '\n' ' ')"
	line=$(phase 1 | grep -m1 '^kho_memfd: prace ')
	[ -n "$line" ] || bad "kernel A printed no race summary"
	echo "$line" >> "$log"
	echo "$line" | grep -qE ' preserved=[1-9][0-9]* busy=[0-9]+ frozen=[1-9]' ||
		bad "the race did not overlap preserves with freezes: $line"
	has 'khotest: memfd-preserve-race: 3 kexec loads during the race: ok' ||
		bad "the kexec loads during the race did not all succeed"
	[ "$(phase 2 | grep -c '^kho_memfd: PASS$')" -eq 1 ] ||
		bad "kernel B's restore failed: $(phase 2 | grep '^not ok' | head -n3 | tr '\n' ' ')"
	has 'KHO: finished: released [0-9]+ ' || bad "the kernel did not report the finish"
}
