# SPDX-License-Identifier: GPL-2.0
# memfd-corrupt: a memfd page list broken after freeze ($corrupt: memfd-dup,
# one folio named twice, or memfd-align, a folio its index does not align) is
# refused at restore with EINVAL and one error line, never a WARN; the
# other memfd comes back whole. A variant sets corrupt= and includes this.
corrupt=${corrupt:-memfd-dup}
reason=${reason:-victim: lost: its page list names a folio twice}
append="khotest.stage=memfd-corrupt khotest.corrupt=$corrupt"
timeout=180
boots=2

check() {
	has "memfd-corrupt: A corrupted=$corrupt;" || bad "A did not corrupt victim's list ($corrupt)"
	has "memfd-corrupt: B state=valid" || bad "B did not accept the handover"
	[ "$(phase 2 | grep -c '^kho_memfd: PASS$')" -eq 1 ] ||
		bad "kernel B's checks failed: $(phase 2 | grep '^not ok' | head -n3 | tr '\n' ' ')"
	has "KHO: memfd: $reason" ||
		bad "no '$reason' line: $(console | grep -m1 'KHO: memfd: victim' || echo none)"
}
