# SPDX-License-Identifier: GPL-2.0
# memfd-errors: kho_memfd errors on one cold boot; every check is a TAP line
# of the guest program, and all of them must pass.
append="khotest.stage=memfd-errors"
timeout=240
boots=1

# The checks kho_memfd errors makes; a change there must change this.
memfd_errors_checks=47

check() {
	local oks plan
	has '^kho_memfd: PASS$' || bad "$(console | grep '^not ok' | sed -n 1p || echo 'no PASS line')"
	has '^not ok' && bad "failed: $(console | grep '^not ok' | head -n3 | tr '\n' ' ')"
	oks=$(count '^ok [0-9]+ - ')
	plan=$(console | grep -E '^1\.\.[0-9]+$' | tail -n1)
	[ "$oks" -eq "$memfd_errors_checks" ] ||
		bad "expected $memfd_errors_checks passing checks, saw $oks"
	[ "$plan" = "1..$memfd_errors_checks" ] || bad "plan is '$plan', expected 1..$memfd_errors_checks"
	has '^ok [0-9]+ - fail-nth: .*N=1\.\.[0-9]+' || bad "no fail-nth result"
}
