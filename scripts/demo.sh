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
  the IOMMU. It puts guest RAM in a memfd preserved with KHO, maps it for
  the device at IOVAs that are not its physical addresses, preserves the
  device's page table (HWPT) and the device itself, starts one more DMA and
  kexecs into a new kernel with the device still running: no firmware, no
  reboot, no reset. Kernel B keeps the IOMMU translating through the very
  same tables (a frozen domain). Then it does what a VMM does in a live
  update: restore the guest RAM, adopt the frozen domain as an HWPT (the
  guest could resume now, its device never stopped), DMA through it,
  rebuild the IOAS from its own records, replace the frozen domain with the
  new HWPT in one atomic store (no DMA can fault in between), and destroy
  the frozen domain, whose page tables go back to the allocator. Every DMA
  is checked byte for byte; each step's time is printed ("step").

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
	/^KHO: |^DMAR-KHO: |^vtd_kho: (A|B|armed)|left running by the previous kernel|previous kernel left \(frozen\)/ { printf "[%s] %s\n", k, $0; fflush(); next }
	/^vtd_kho: step / { sub(/^vtd_kho: step /, ""); printf "[%s]     step %s\n", k, $0; fflush(); next }
	/Kernel panic|BUG:|DMAR: \[DMA/ { printf "[%s] !! %s\n", k, $0; fflush(); next }
'
wait $vm
rc=$?

common_checks $rc 2 1
has 'khotest: demo: kernel B: .*live update complete$' || bad "kernel B did not complete"
has '^vtd_kho: PASS' || bad "the device did not keep DMAing across the kexec"
n=$(console | grep -c 'DMAR: \[DMA')
[ "$n" -eq 0 ] || bad "$n DMA fault(s): $(console | grep -m1 'DMAR: \[DMA')"
has 'khotest: demo: FAIL' && bad "$(console | grep -m1 'khotest: demo: FAIL')"
echo
if report "demo ($mode)" >/dev/null; then
	echo "Result: the device kept DMAing through the preserved VT-d tables across"
	echo "the kexec, through the frozen domain B adopted, and through the HWPT B"
	echo "rebuilt and replaced it with; every DMA verified byte for byte, not one"
	echo "IOMMU fault. The \"critical-path\" step is how long a VMM would keep"
	echo "the guest paused after the kexec. (The edu DMAs only when told to; for a"
	echo "device that never stops, tests/scenarios/nic-rx-live-update.sh has an e1000"
	echo "receive 1000 frames a second through the update: none lost, and its DMA"
	echo "gap, from QEMU's own trace, no longer than QEMU's jitter.)"
	echo "Full console log: $log"
	exit 0
fi
report "demo ($mode)"
exit 1
