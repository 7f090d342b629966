# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the in-guest stage scripts.

say() { echo "khotest: $KHOTEST_STAGE: $*"; }
fail() { say "FAIL $*"; exit 1; }
# The kernel's MemTotal in KiB: all RAM but what was reserved at boot.
memtotal_kib() { awk '/^MemTotal:/ { print $2 }' /proc/meminfo; }

# Repack the running rootfs as the initramfs of the next kernel, so a
# chain of kexecs keeps every test program.
repack_initrd() {
	(cd / && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev \
		-o -path ./tmp \) -prune -print -o -print | cpio -o -H newc 2>/dev/null) \
		> /tmp/initrd.cpio || fail "cannot repack initrd"
}

# kexec_file_load the same kernel with this command line plus "$*",
# then execute it. Returns only on failure.
kexec_next() {
	repack_initrd
	kexec -s -l /boot/bzImage --initrd=/tmp/initrd.cpio --reuse-cmdline \
		--append="khotest.phase=$((KHOTEST_PHASE + 1)) $*" ||
		fail "kexec load failed"
	say "kexec -e into phase $((KHOTEST_PHASE + 1))"
	kexec -e
	fail "kexec -e returned $?"
}
