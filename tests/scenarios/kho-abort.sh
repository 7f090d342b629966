# SPDX-License-Identifier: GPL-2.0
# kho-abort: kho_test's serialize fails on purpose, so kexec -e must fail with
# its error (EIO) and leave A running, thawed, with kho_test not aborted (it
# is the handler that failed) and the canary handler before it aborted once;
# then a normal kexec hands the data to B.
append="khotest.stage=kho-abort"
timeout=180
boots=2

check() {
	local a b
	has 'kho-abort: A kexec -e refused rc=[1-9][0-9]*: .*kexec failed: Input/output error' ||
		bad "kexec -e did not fail with EIO: $(console | grep -m1 'kho-abort: A kexec -e')"
	has '^kho_test: serialize: failing on purpose' || bad "kho_test's serialize was not called"
	has '^KHO: .*kho-test' || bad "KHO did not name the failing handler"
	has 'kho-abort: A after refusal: frozen=0 abort_count=0 canary_aborts=1$' ||
		bad "not thawed, the failing handler aborted, or the earlier one not aborted once: $(console | grep -m1 'A after refusal')"
	a=$(field 'kho-abort: A seed=' seed)
	b=$(field '^kho_test: verify PASS' seed)
	[ -n "$a" ] && [ "$a" = "$b" ] || bad "B did not verify A's data: A seed=$a, B: $(console | grep -m1 '^kho_test: verify' || echo 'no verify line')"
	[ "$(field '^kho_test: verify PASS' bytes)" = 8388608 ] || bad "B did not verify 8 MiB"
}
