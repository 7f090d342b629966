# SPDX-License-Identifier: GPL-2.0
# kho-chain: A -> B -> C -> D, each of A..C preserving a fresh 32 MiB set that
# the next kernel verifies (seed and generation 1, 2, 3 in order); after D
# finishes the handover its MemFree must be within 1% of A's cold-boot value.
#
# A and D run the same kernel and unpack the same files into rootfs; D's
# initramfs is an uncompressed repack but, like A's, it is freed once
# unpacked, and /tmp (the repack itself) is not measured in D. So MemFree is
# compared directly; MemTotal is printed next to it to explain a failure.
append="khotest.stage=kho-chain"
timeout=300
boots=4

# The value of KEY=... in LINE.
kv() { echo " $1" | grep -oE " $2=[^ ]*" | cut -d= -f2-; }

check() {
	local i seed line
	for i in 1 2 3; do
		seed=$(field "kho-chain: phase $i seed=" seed)
		line=$(console | grep -E '^kho_test: verify PASS' | sed -n "${i}p")
		[ -n "$seed" ] || bad "phase $i printed no seed"
		[ -n "$line" ] || { bad "no PASS for the data of phase $i"; continue; }
		[ "$(kv "$line" seed)" = "$seed" ] && [ "$(kv "$line" generation)" = "$i" ] ||
			bad "PASS $i does not carry seed=$seed generation=$i: $line"
		[ "$(kv "$line" bytes)" = 33554432 ] || bad "PASS $i did not verify 32 MiB: $line"
	done
	[ "$(count '^kho_test: verify')" -eq 3 ] ||
		bad "expected 3 kho_test verify lines: $(console | grep -m1 '^kho_test: verify FAIL')"
	memfree_near_cold kho-chain D
}
