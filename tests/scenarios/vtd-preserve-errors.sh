# SPDX-License-Identifier: GPL-2.0
# vtd-preserve-errors: vtd_kho errors on one cold boot: every errno of the
# HWPT and device preserve ioctls, attach and detach refused while the
# device is preserved, a fail-nth pass over both preserves, and closing the
# device fd undoing its preservation; every check a TAP line of the guest
# program, all of which must pass. The one DMA round trip stays within
# mapped pages, so no fault may appear, and translation stays on.
append="khotest.stage=vtd-preserve-errors"
timeout=300
boots=1

# The checks vtd_kho errors makes; a change there must change this.
vtd_errors_checks=59

check() {
	local oks plan
	has '^vtd_kho: PASS$' || bad "$(console | grep '^not ok' | sed -n 1p || echo 'no PASS line')"
	has '^not ok' && bad "failed: $(console | grep '^not ok' | head -n3 | tr '\n' ' ')"
	oks=$(count '^ok [0-9]+ - ')
	plan=$(console | grep -E '^1\.\.[0-9]+$' | tail -n1)
	[ "$oks" -eq "$vtd_errors_checks" ] ||
		bad "expected $vtd_errors_checks passing checks, saw $oks"
	[ "$plan" = "1..$vtd_errors_checks" ] || bad "plan is '$plan', expected 1..$vtd_errors_checks"
	has '^ok [0-9]+ - fail-nth: IOMMU_HWPT_KHO_PRESERVE, N=1\.\.[0-9]+' ||
		bad "no fail-nth result for IOMMU_HWPT_KHO_PRESERVE"
	has '^ok [0-9]+ - fail-nth: VFIO_DEVICE_KHO_PRESERVE, N=1\.\.[0-9]+' ||
		bad "no fail-nth result for VFIO_DEVICE_KHO_PRESERVE"
	vtd_translation_never_off
}
