# SPDX-License-Identifier: GPL-2.0
# memfd-finish-race: a restore thread and a finish from debugfs race in
# kernel B. Every restore either succeeds whole (all bytes checked) or
# fails with ENOENT, those done before the finish succeed, and afterwards
# the handed-over list is gone (KHO_MEMFD_LIST -> ENOENT: the debugfs
# finish frees it too) and KHO_FINISH says EALREADY.
append="khotest.stage=memfd-finish-race"
timeout=240
boots=2

check() {
	local line
	[ "$(phase 2 | grep -c '^kho_memfd: PASS$')" -eq 1 ] ||
		bad "kernel B's race failed: $(phase 2 | grep '^not ok' | head -n3 | tr '\n' ' ')"
	line=$(phase 2 | grep -m1 '^kho_memfd: race ')
	[ -n "$line" ] || bad "kernel B printed no race summary"
	has 'KHO: finished: released [0-9]+ ' || bad "the kernel did not report the finish"
}
