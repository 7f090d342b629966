# SPDX-License-Identifier: GPL-2.0
# memfd-finish: 256 MiB preserved in two memfds on A and never restored on
# B; KHO_FINISH must return it all: free memory after finish grows by at
# least 99% of 256 MiB and comes back within 1% of A's cold boot. "Free"
# is MemFree plus the per-cpu free lists (see the stage).
append="khotest.stage=memfd-finish"
timeout=240
boots=2

check() {
	local cold before after gain want=$((256 * 1024)) released
	cold=$(field 'memfd-finish: A cold free=' free)
	before=$(field 'memfd-finish: B before finish free=' free)
	after=$(field 'memfd-finish: B after finish free=' free)
	released=$(console | grep -oE 'KHO: finished: released [0-9]+ ' | grep -oE '[0-9]+')
	[ "$(count '^kho_memfd: PASS$')" -eq 3 ] ||
		bad "expected PASS from preserve, finish and absent: $(console | grep '^not ok' | sed -n 1p || echo "$(count '^kho_memfd: PASS$') PASS lines")"
	has '^not ok' && bad "failed: $(console | grep '^not ok' | head -n3 | tr '\n' ' ')"
	[ "$(count '^kho_memfd: preserved ram[01] size=134217728 ')" -eq 2 ] ||
		bad "kernel A did not preserve ram0 and ram1"
	phase 2 | grep -E '^ok [0-9]+ - KHO_FINISH$' >/dev/null || bad "kernel B did not finish"
	phase 2 | grep -E '^ok [0-9]+ - restore ram0 -> ENOENT$' >/dev/null ||
		bad "restore after finish did not fail with ENOENT"
	[ -n "$cold" ] && [ -n "$before" ] && [ -n "$after" ] || {
		bad "missing free memory: cold=$cold before=$before after=$after"
		return
	}
	gain=$((after - before))
	[ $((gain * 100)) -ge $((want * 99)) ] ||
		bad "finish freed ${gain} kB, expected at least 99% of ${want} kB"
	[ $(((after - cold) * 100)) -le "$cold" ] && [ $(((cold - after) * 100)) -le "$cold" ] ||
		bad "free memory after finish ${after} kB is not within 1% of A's cold ${cold} kB"
	[ "${released:-0}" -ge 65536 ] || bad "the kernel released ${released:-no} pages, expected >= 65536"
}
