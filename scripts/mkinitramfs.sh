#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Pack the test initramfs: busybox, kexec-tools and the libraries it links,
# the guest test programs and stages, and the kernel image itself so the
# guest can kexec into the same kernel.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
# VARIANT=debug packs that kernel (build/bzImage-debug) instead.
sfx=${VARIANT:+-$VARIANT}
kernel=$build/bzImage$sfx
root=$build/initramfs$sfx
out=$build/initramfs$sfx.cpio.gz

die() { echo "mkinitramfs: $*" >&2; exit 1; }
[ -f "$kernel" ] || die "no kernel $kernel: run scripts/build-kernel.sh"

rm -rf "$root"
mkdir -p "$root"/{bin,sbin,boot,dev,proc,sys,tmp,tests/bin,tests/stages}

install -m 0755 "$(command -v busybox)" "$root/bin/busybox"
ldd "$root/bin/busybox" >/dev/null 2>&1 &&
	die "busybox is dynamically linked: install busybox-static"

# kexec-tools is dynamically linked: bring its loader and libraries.
kexec=$(command -v kexec || echo /usr/sbin/kexec)
[ -x "$kexec" ] || die "kexec not found: install kexec-tools"
install -m 0755 "$kexec" "$root/sbin/kexec"
for lib in $(ldd "$kexec" | grep -o '/[^ ]*'); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done

install -m 0755 "$top/tests/guest/init" "$root/init"
install -m 0644 "$top/tests/stages/lib.sh" "$root/tests/stages/lib.sh"
find "$top/tests/stages" -maxdepth 1 -type f -perm -u+x \
	-exec install -m 0755 -t "$root/tests/stages" {} +
if [ -d "$build/guest" ]; then
	find "$build/guest" -maxdepth 1 -type f -perm -u+x \
		-exec install -m 0755 -t "$root/tests/bin" {} +
fi
cp -L "$kernel" "$root/boot/bzImage"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $(du -h "$out" | cut -f1) $out"
