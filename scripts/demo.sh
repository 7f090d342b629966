#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: a narrated live update in QEMU, for someone new to the project.
# The VM's console is followed live; the lines that tell the story are
# shown, everything else is in the log named at the end.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
export BUILD=${BUILD:-$top/build}
mode=${MODE:-legacy}
log=$BUILD/logs/demo.log
mkdir -p "$BUILD/logs"
. "$top/tests/qemu.sh"
. "$top/tests/lib.sh"

cat <<EOT
KHO for Linux 6.12: live update demo
====================================
A virtual machine (QEMU q35, software emulation) stands in for a cloud host.
It has an Intel VT-d IOMMU ($mode mode) and an "edu" PCI device whose DMA
engine plays the part of a passed-through device. The host kernel is
$(cat "$BUILD/state/base-version" 2>/dev/null) plus this project.

  kernel A boots, hands the device to VFIO and iommufd, and runs DMA through
  the IOMMU. It preserves 64 MiB of memory with KHO (a test client fills it
  from a random seed), loads a new kernel and kexecs into it: no firmware,
  no reboot. Kernel B finds the handover, protects the preserved memory
  before its allocators run, checks every byte of it, and runs DMA on the
  same device again.

Following the console ([A] = first kernel, [B] = second kernel):
EOT

: > "$log"
run_vm "$log" 300 "$mode" khotest.stage=demo &
vm=$!
# tail --pid reads to the end of the log once the VM has gone, then exits.
tail -n +1 -F --pid=$vm "$log" 2>/dev/null | sed -uE 's/^.*\[ *[0-9]+\.[0-9]{6}\] //; s/\r$//' | awk '
	/^Linux version/ { k = (k == "") ? "A" : "B"; printf "[%s] booting: %s %s %s\n", k, $1, $2, $3; fflush(); next }
	/DMAR: IOMMU enabled|DMAR: Intel\(R\) Virtualization|DMAR-IR: Enabled/ { printf "[%s] %s\n", k, $0; fflush(); next }
	/^khotest: demo: / { sub(/^khotest: demo: /, ""); printf "[%s] %s\n", k, $0; fflush(); next }
	/^(ok|not ok) / { printf "[%s]     %s\n", k, $0; fflush(); next }
	/^vfio-edu-dma: / { printf "[%s]     %s\n", k, $0; fflush(); next }
	/kexec_core: Starting new kernel/ { printf "[%s] kexec: jumping into the new kernel\n", k; fflush(); next }
	/^KHO: |^kho_test: (preserved|verify)/ { printf "[%s] %s\n", k, $0; fflush(); next }
	/Kernel panic|BUG:|DMAR: \[DMA/ { printf "[%s] !! %s\n", k, $0; fflush(); next }
'
wait $vm
rc=$?

common_checks $rc 2 0
has 'khotest: demo: kernel B: live update complete' || bad "kernel B did not complete"
has '^kho_test: verify PASS .*bytes=67108864' || bad "the preserved memory did not verify in kernel B"
has 'khotest: demo: FAIL' && bad "$(console | grep -m1 'khotest: demo: FAIL')"
echo
if report "demo ($mode)" >/dev/null; then
	echo "Result: 64 MiB crossed the kexec intact, DMA verified byte for byte in"
	echo "both kernels, no IOMMU fault."
	echo "Full console log: $log"
	exit 0
fi
report "demo ($mode)"
exit 1
