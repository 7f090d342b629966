#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: build everything, run every test, print one TAP line per
# test and finish with "N passed, N failed". Exit status 1 on any failure.
#
# TESTS="kexec-baseline vfio-edu-dma" restricts the QEMU scenarios run;
# LOCKDEP_TESTS those run again on the lockdep kernel (default below).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
export BUILD=${BUILD:-$top/build}
logs=$BUILD/logs
mkdir -p "$logs"
results=$logs/check.tap
lockdep_tests="kexec-baseline kho-preserve kho-abort memfd-errors memfd-preserve memfd-finish memfd-finish-race memfd-corrupt vtd-dma-across-kexec vtd-isolation vtd-fail-closed vtd-abort vtd-preserve-errors"
: > "$results"

# Run a command whose stdout is TAP lines; keep them and echo them.
tap() { "$@" | tee -a "$results"; }

# Run a build step quietly; one TAP line, the log tail on failure.
step() {
	local name=$1 slog=$logs/$1.log
	shift
	if "$@" > "$slog" 2>&1; then
		echo "ok - $name" | tee -a "$results"
		return 0
	fi
	echo "not ok - $name: see $slog" | tee -a "$results"
	tail -n 30 "$slog" | sed 's/^/#   | /'
	return 1
}

summary() {
	local pass fail
	pass=$(grep -c '^ok ' "$results")
	fail=$(grep -c '^not ok ' "$results")
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
}

echo "# KHO for Linux 6.12: make check"
if step kernel-build "$top/scripts/build-kernel.sh"; then
	echo "# base: $(cat "$BUILD/state/base-version")"
	if step userspace-build make -C "$top" -s guest tools &&
	   step initramfs "$top/scripts/mkinitramfs.sh"; then
		# Each suite runs whatever the others found.
		tap "$top/tests/kho-dump/run.sh"
		tap "$top/tests/kunit.sh"
		tap "$top/tests/run-all.sh"
		tap "$top/scripts/bench.sh" --smoke
	fi
	tap "$top/scripts/lint.sh"
	# The lockdep kernel (configs/kho-lockdep.config): every KUnit suite,
	# and the scenarios that take KHO's locks in each way they nest (memfd
	# preserve, restore, finish and their races, freeze and abort,
	# kexec_load asking under kexec_mutex, and the VT-d, iommufd and VFIO
	# preserve, freeze, shutdown, adopt and frozen-domain paths, with the
	# iommu group, device set and IOAS locks they nest in), so the documented lock order
	# and every lockdep_assert_held() are checked. Each line ends in
	# "lockdep".
	if step kernel-build-lockdep env VARIANT=lockdep "$top/scripts/build-kernel.sh" &&
	   step initramfs-lockdep env VARIANT=lockdep "$top/scripts/mkinitramfs.sh"; then
		tap env VARIANT=lockdep "$top/tests/kunit.sh"
		tap env VARIANT=lockdep TESTS="${LOCKDEP_TESTS:-$lockdep_tests}" \
			"$top/tests/run-all.sh"
	fi
fi
summary
