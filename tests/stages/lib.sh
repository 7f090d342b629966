# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the in-guest stage scripts.

say() { echo "khotest: $KHOTEST_STAGE: $*"; }
fail() { say "FAIL $*"; exit 1; }
# The kernel's MemTotal in KiB: all RAM but what was reserved at boot.
memtotal_kib() { awk '/^MemTotal:/ { print $2 }' /proc/meminfo; }
# A /proc/meminfo value in KiB, and one line of them for the host's checks
# ("STAGE: WHO memfree=... memavailable=... memtotal=...").
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# Free pages in the per-cpu lists, in kB: MemFree leaves them out, and
# after a large memfd is freed they hold up to tens of MiB, varying from
# run to run (the lists' size is tuned to the load): more than the 1% a
# memory comparison allows.
pcp_free() { awk '$1 == "count:" { n += $2 } END { print n * 4 }' /proc/zoneinfo; }

# A kernel's free memory: MemFree and the free pages in per-cpu lists.
# Shrinking every slab cache first empties KASAN's quarantine on the debug
# kernel (freed objects it holds back, tens of MiB after a busy update),
# so the debug kernel's free memory means what the normal kernel's does.
mem() {
	local c pcp
	for c in /sys/kernel/slab/*/shrink; do
		[ -w "$c" ] && echo 1 > "$c" 2>/dev/null
	done
	pcp=$(pcp_free)
	say "$1 memfree=$(($(meminfo MemFree) + pcp)) pcp=$pcp memavailable=$(meminfo MemAvailable) memtotal=$(meminfo MemTotal)"
}

# Have shmem (memfds included) make 2 MiB THP folios from now on.
thp_shmem_on() {
	echo always > /sys/kernel/mm/transparent_hugepage/shmem_enabled ||
		fail "cannot turn on THP for shmem"
}

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

# Kernel A of the VT-d stages: the next kernel loaded with a fresh
# khotest.seed, then vtd_kho COMMAND (arm by default) SEED DELAY, which
# kexecs; DELAY is khotest.delay=, 0 without one. Returns only on failure.
vtd_arm() {
	local cmd=${1:-arm} seed delay
	seed=$(random_seed)
	delay=$(cmdline_arg delay 0)
	say "A seed=$seed delay=$delay"
	kexec_load_next "khotest.seed=$seed"
	vtd_kho "$cmd" "$seed" "$delay"
	fail "vtd_kho $cmd returned $?"
}

# kexec_load_next "$@", then execute it. Returns only on failure.
kexec_next() {
	kexec_load_next "$@"
	say "kexec -e into phase $((KHOTEST_PHASE + 1))"
	kexec -e
	fail "kexec -e returned $?"
}
