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

# The value of khotest.$1= on the kernel command line, $2 if there is none
# (the last one wins, as in /init).
cmdline_arg() {
	local v= w
	for w in $(cat /proc/cmdline); do
		case "$w" in "khotest.$1="*) v=${w#*=} ;; esac
	done
	echo "${v:-$2}"
}

# A random 64-bit seed, in decimal.
random_seed() { head -c 8 /dev/urandom | od -An -tu8 | tr -d ' '; }

# kexec_file_load the same kernel with this command line plus "$*", for a
# test program that executes it itself (reboot(LINUX_REBOOT_CMD_KEXEC)),
# holding open what must stay open across the kexec.
kexec_load_next() {
	repack_initrd
	kexec -s -l /boot/bzImage --initrd=/tmp/initrd.cpio --reuse-cmdline \
		--append="khotest.phase=$((KHOTEST_PHASE + 1)) $*" ||
		fail "kexec load failed"
}

# kexec_load_next "$@", then execute it. Returns only on failure.
kexec_next() {
	kexec_load_next "$@"
	say "kexec -e into phase $((KHOTEST_PHASE + 1))"
	kexec -e
	fail "kexec -e returned $?"
}
