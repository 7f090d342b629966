#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: build everything, run every test, print one TAP line per
# test and finish with "N passed, N failed". Exit status 1 on any failure.
#
# TESTS="kexec-baseline vfio-edu-dma" restricts the QEMU scenarios run;
# DEBUG_TESTS and DEBUG_MODES those run again on the debug kernel, and in
# which VT-d modes (defaults below).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
export BUILD=${BUILD:-$top/build}
logs=$BUILD/logs
mkdir -p "$logs"
results=$logs/check.tap
# On the debug kernel: every scenario but the NIC's (their gap bounds
# assume the normal kernel's speed; the e1000 path is QEMU's, the kernel
# side the same as vmm-live-update's), in the legacy mode only, to stay
# inside CI's time: both modes run on the normal kernel, and the code
# the modes do not share (PASID tables) is small. kho-corrupt-campaign
# runs a sixth of its table there (every sixth entry from the seed's).
# Two more stay on the normal kernel only, for time (about 5 min each on
# the debug kernel): memfd-preserve-1g runs memfd-preserve's code on four
# times the memory, and update-chain-10 repeats what live-update-chain
# and kho-chain run on the debug kernel ten times over.
debug_tests=$(sed -nE 's/^([a-z0-9-]+).*/\1/p' "$top/tests/scenarios/list" |
	grep -v -e '^nic-' -e '^memfd-preserve-1g$' -e '^update-chain-10$' | tr '\n' ' ')
debug_modes=legacy
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
	# The debug kernel (configs/kho-debug.config: lockdep, KASAN, KFENCE,
	# DEBUG_VM, DEBUG_PAGEALLOC, DEBUG_LIST, DMA-API debug, deferred
	# struct page init): every KUnit suite, and the scenarios of
	# $debug_tests in the modes of $debug_modes; each line ends in "debug",
	# and any report of those checkers fails it (tests/lib.sh).
	if step kernel-build-debug env VARIANT=debug "$top/scripts/build-kernel.sh" &&
	   step initramfs-debug env VARIANT=debug "$top/scripts/mkinitramfs.sh"; then
		tap env VARIANT=debug "$top/tests/kunit.sh"
		tap env VARIANT=debug TESTS="${DEBUG_TESTS:-$debug_tests}" \
			MODES="${DEBUG_MODES:-$debug_modes}" "$top/tests/run-all.sh"
	fi
fi
summary
