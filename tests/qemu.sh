# SPDX-License-Identifier: GPL-2.0
# Sourced by the host harness: how a test VM is started.
#
# run_vm LOG TIMEOUT MODE APPEND...
#   MODE is the VT-d mode: legacy or scalable.
# Boots build/bzImage with build/initramfs.cpio.gz (with VARIANT=debug,
# build/bzImage-debug and its initramfs) on a q35 machine under
# TCG, with an intel-iommu and an edu device, the serial console in LOG and
# QEMU's own VT-d trace in LOG.qemu (translation enable/disable, root
# table and global command writes, faults, and each context entry its
# context cache loads). Returns QEMU's status, 124 on timeout.
# A scenario that sets qemu_traces="EVENT..." gets those QEMU trace events
# in LOG.qemu too (vtd_iotlb_page_update: every translation VT-d caches,
# with its leaf entry).
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
	local iommu="intel-iommu,intremap=on" edu=() qemu i port
	case "$mode" in
	legacy) iommu="$iommu,x-scalable-mode=off"; set -- intel_iommu=on,sm_off "$@" ;;
	scalable) iommu="$iommu,x-scalable-mode=on"; set -- intel_iommu=on,sm_on "$@" ;;
	*) echo "run_vm: unknown mode $mode" >&2; return 2 ;;
	esac
	for ((i = 0; i < ${edus:-1}; i++)); do
		edu+=(-device "edu,dma_mask=$EDU_DMA_MASK")
	done
	qemu=(qemu-system-x86_64
		-machine q35,kernel-irqchip=split -accel tcg -cpu max
		-smp "$VM_SMP" -m "$VM_MEM"
		-nographic -nodefaults -no-reboot
		-serial "file:$log"
		-device "$iommu" "${edu[@]}"
		-kernel "$BUILD/bzImage${VARIANT:+-$VARIANT}"
		-initrd "$BUILD/initramfs${VARIANT:+-$VARIANT}.cpio.gz"
		-D "$log.qemu" -trace vtd_dmar_fault -trace vtd_dmar_enable
		-trace vtd_reg_dmar_root -trace vtd_reg_write_gcmd
		-trace vtd_iotlb_cc_update)
	for i in ${qemu_traces:-}; do
		qemu+=(-trace "$i")
	done
	if [ -n "${nic:-}" ]; then
		port=$((20000 + RANDOM % 20000))
		qemu+=(-netdev "socket,id=n0,udp=127.0.0.1:$((port + 1)),localaddr=127.0.0.1:$port"
			-device "e1000,netdev=n0,romfile=,bus=pcie.0,addr=0x5"
			-msg timestamp=on -trace vtd_iotlb_page_hit
			-trace vtd_iotlb_page_update -trace e1000_receiver_overrun)
	fi
	qemu+=(-append "console=ttyS0 panic=-1 oops=panic no_timer_check vfio_pci.disable_idle_d3=1 $*")
	rm -f "$log" "$log.qemu" "$log.sender" "$log.times"
	if [ -n "${nic:-}" ]; then
		nic_vm "$log" "$tmo" "$port" "${qemu[@]}"
		return
	fi
	timeout --foreground -k 5 "$tmo" "${qemu[@]}" </dev/null >"$log.stdout" 2>&1
}

# run_vm with an e1000 on pcie.0 (nic=1 in the scenario), its netdev a UDP
# socket on the loopback at PORT fed by tests/host/nic_send.c, and QEMU's
# trace of every translation (with host timestamps) added: each of the
# NIC's DMAs is one vtd_iotlb_page_hit or _update line of its source ID.
# The sender probes until the guest prints "nic_rx: receiving", then sends
# data frames at nic_rate per second until "nic_rx: replaced", then
# nic_tail more and END; it stops by itself after TIMEOUT in any case.
# nic_vm LOG TIMEOUT PORT QEMU-COMMAND...
nic_vm() {
	local log=$1 tmo=$2 port=$3 qpid spid rc
	shift 3
	"$BUILD/tools/nic_send" "$port" "${nic_rate:-1000}" "$tmo" "${nic_tail:-1000}" \
		>"$log.sender" 2>&1 &
	spid=$!
	timeout -k 5 "$tmo" "$@" </dev/null >"$log.stdout" 2>&1 &
	qpid=$!
	# Follows the console until QEMU is gone; the markers drive the sender,
	# and LOG.times gets each line with the host time it was seen at (the
	# clock of QEMU's trace), for make bench's plot of the update.
	# (A shell loop: awk may buffer its input, tail's default poll is 1 s.)
	tail -s 0.1 -n +1 -F --pid="$qpid" "$log" 2>/dev/null | while IFS= read -r line; do
		line=${line%$'\r'}
		echo "$EPOCHREALTIME $line"
		case "$line" in
		"nic_rx: receiving") kill -USR2 "$spid" 2>/dev/null ;;
		"nic_rx: replaced") kill -USR1 "$spid" 2>/dev/null ;;
		esac
	done >"$log.times" &
	wait "$qpid"
	rc=$?
	kill "$spid" 2>/dev/null
	wait
	return $rc
}