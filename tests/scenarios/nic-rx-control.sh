# SPDX-License-Identifier: GPL-2.0
# nic-rx-control: nic-rx-live-update with kernel A shutting down as stock
# 6.12 does (kho_test.naive=vtd-stock-shutdown,pci-stock-shutdown:
# translation off, bus mastering cleared) although the NIC is preserved.
# It must show the NIC stopping: frames lost, or a DMA gap (QEMU's trace)
# of at least a kexec, which under TCG takes more than 1 s (make bench's
# vmm-live: 2.0-2.7 s from A's reboot() to B's userspace). It passes only
# if it does: the proof that nic-rx-live-update can fail.
. "$top/tests/scenarios/nic-rx-live-update.sh"
append="khotest.stage=nic-rx-live-update kho_test.naive=vtd-stock-shutdown,pci-stock-shutdown"
allow_dmar_faults=1

check() {
	local sent b steady gap n
	phase 1 | grep -E '^vtd_kho: armed delay=0$' >/dev/null ||
		bad "A did not preserve and kexec: $(phase 1 | first_line '^not ok' 'no armed line')"
	kernel_log 1 | grep -E '^DMAR-KHO: [^ ]+: translation stays on for the next kernel' >/dev/null &&
		bad "A kept translation on: the stock shutdown was not taken"
	phase 2 | grep -x 'vtd_kho: PASS' >/dev/null &&
		bad "B passed: the NIC did not stop"
	sent=$(sed -nE 's/^nic_send: sent=([0-9]+) .*/\1/p' "$log.sender")
	b=$(field '^nic_rx: B frames=' frames)
	read -r steady gap n <<< "$(nic_gaps)"
	echo "nic-gap: steady=${steady}ms gap=${gap}ms dmas=$n" >> "$log"
	if [ -n "$b" ] && [ -n "$sent" ] && [ "$b" -lt "$sent" ]; then
		return
	fi
	awk -v g="$gap" 'BEGIN { exit !(g >= 1000) }' ||
		bad "no frame lost (B ${b:-did not count}, sent ${sent:-?}) and the NIC's DMA gap only ${gap} ms"
}
