# SPDX-License-Identifier: GPL-2.0
# kho-selftest: the uAPI kselftest (tools/testing/selftests/kho) passes in
# A, a cold boot, and in B, after a kexec with a preserved memfd. Each
# kernel skips exactly the one test that needs the other state (A the
# handover, B the cold boot) and runs every other test, the iommufd and
# VFIO ones on the edu included; none fails.
append="khotest.stage=kho-selftest"
timeout=180
boots=2

# Phase $1 ran the selftest to its end with only test $2 skipped.
selftest_checks() {
	local p=$1 skipped=$2 totals pass skip n
	phase "$p" | grep -x 'khotest: kho-selftest: kho_uapi_test exit 0' >/dev/null ||
		bad "phase $p: kho_uapi_test failed: $(phase "$p" | first_line '^(not ok|#  +[A-Za-z_.]+:[0-9]+:)' 'no exit line')"
	totals=$(phase "$p" | first_line '^# Totals: ' '')
	[ -n "$totals" ] || { bad "phase $p: no '# Totals' line"; return; }
	pass=$(sed -nE 's/.* pass:([0-9]+) .*/\1/p' <<< "$totals")
	skip=$(sed -nE 's/.* skip:([0-9]+) .*/\1/p' <<< "$totals")
	n=$(phase "$p" | sed -nE 's/^1\.\.([0-9]+)$/\1/p' | head -n1)
	[ "$skip" = 1 ] || bad "phase $p: $skip test(s) skipped, expected 1: $(phase "$p" | grep '# SKIP' | tr '\n' ' ')"
	phase "$p" | grep -E "^ok [0-9]+ kho\\.$skipped # SKIP" >/dev/null ||
		bad "phase $p: kho.$skipped was not the test skipped"
	[ -n "$n" ] && [ "$pass" = $((n - 1)) ] || bad "phase $p: $pass of ${n:-?} passed: $totals"
}

check() {
	selftest_checks 1 handover
	selftest_checks 2 cold_boot
}
