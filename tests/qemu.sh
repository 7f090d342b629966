# SPDX-License-Identifier: GPL-2.0
# Sourced by the host harness: how a test VM is started.
#
# run_vm LOG TIMEOUT MODE APPEND...
#   MODE is the VT-d mode: legacy or scalable.
# Boots build/bzImage with build/initramfs.cpio.gz (with VARIANT=lockdep,
# build/bzImage-lockdep and its initramfs) on a q35 machine under
# TCG, with an intel-iommu and an edu device, the serial console in LOG and
# QEMU's own VT-d trace in LOG.qemu (translation enable/disable, root
# table and global command writes, faults, and each context entry its
# context cache loads). Returns QEMU's status, 124 on timeout.
# A scenario that sets edus=N gets N edu devices (the first is the one
# tests pick by default: the lowest PCI address). Every edu reaches 40-bit
# bus addresses (dma_mask, EDU_DMA_MASK to change it) instead of its
# default 28 bits, so that a test can DMA to the physical address of any
# page of guest RAM; below 2^28 nothing changes.
# no_timer_check: under TCG on a loaded host the IO-APIC timer probe can
# time out and panic a boot that would otherwise be fine.

: "${VM_MEM:=2G}"
: "${VM_SMP:=2}"
: "${EDU_DMA_MASK:=0xffffffffff}"

run_vm() {
	local log=$1 tmo=$2 mode=$3
	shift 3
	local iommu="intel-iommu,intremap=on" edu=() i
	case "$mode" in
	legacy) iommu="$iommu,x-scalable-mode=off"; set -- intel_iommu=on,sm_off "$@" ;;
	scalable) iommu="$iommu,x-scalable-mode=on"; set -- intel_iommu=on,sm_on "$@" ;;
	*) echo "run_vm: unknown mode $mode" >&2; return 2 ;;
	esac
	for ((i = 0; i < ${edus:-1}; i++)); do
		edu+=(-device "edu,dma_mask=$EDU_DMA_MASK")
	done
	rm -f "$log" "$log.qemu"
	timeout --foreground -k 5 "$tmo" qemu-system-x86_64 \
		-machine q35,kernel-irqchip=split -accel tcg -cpu max \
		-smp "$VM_SMP" -m "$VM_MEM" \
		-nographic -nodefaults -no-reboot \
		-serial "file:$log" \
		-device "$iommu" "${edu[@]}" \
		-kernel "$BUILD/bzImage${VARIANT:+-$VARIANT}" \
		-initrd "$BUILD/initramfs${VARIANT:+-$VARIANT}.cpio.gz" \
		-D "$log.qemu" -trace vtd_dmar_fault -trace vtd_dmar_enable \
		-trace vtd_reg_dmar_root -trace vtd_reg_write_gcmd \
		-trace vtd_iotlb_cc_update \
		-append "console=ttyS0 panic=-1 oops=panic no_timer_check vfio_pci.disable_idle_d3=1 $*" \
		</dev/null >"$log.stdout" 2>&1
}
