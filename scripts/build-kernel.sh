#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build the kernel (bzImage and uapi headers) out of tree in
# build/obj, from the tree scripts/prepare-src.sh assembles.
#
# VARIANT=debug builds the debug test kernel instead: the fragment
# configs/kho-debug.config on top of configs/kho.config, in
# build/obj-debug, linked as build/bzImage-debug.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
src=$build/src
sfx=${VARIANT:+-$VARIANT}
obj=$build/obj$sfx
state=$build/state
jobs=${JOBS:-$(nproc)}

die() { echo "build-kernel: $*" >&2; exit 1; }

"$top/scripts/prepare-src.sh"
mkdir -p "$obj"
fragment=$top/configs/kho.config
if [ -n "${VARIANT:-}" ]; then
	[ -f "$top/configs/kho-$VARIANT.config" ] || die "no configs/kho-$VARIANT.config"
	fragment=$state/config-fragment$sfx
	cat "$top/configs/kho.config" "$top/configs/kho-$VARIANT.config" > "$fragment"
fi

# The toolchain: gcc and binutils, or with LLVM=1 (or an LLVM=/prefix/ or
# LLVM=-suffix, as kbuild takes it) clang, lld and the LLVM binutils.
# shellcheck source=scripts/toolchain.sh
. "$top/scripts/toolchain.sh"
kmake() { make -s -C "$src" O="$obj" "${kbuild_cc[@]}" -j"$jobs" "$@"; }

# Regenerate .config only when the fragment, the base or the toolchain
# changed, so an unchanged config never forces a rebuild, and a switch
# between gcc and clang starts again from allnoconfig (symbols that depend
# on the compiler would otherwise be left as the other one had them).
want=$( { cat "$fragment" "$state/base-version"; echo "$toolchain_desc"; } |
	sha256sum | cut -d' ' -f1)
if [ "$(cat "$state/config-sum$sfx" 2>/dev/null)" != "$want" ] || [ ! -f "$obj/.config" ]; then
	echo "build-kernel: configuring from allnoconfig + configs/kho.config${VARIANT:+ + configs/kho-$VARIANT.config}"
	KCONFIG_ALLCONFIG="$fragment" kmake allnoconfig >/dev/null
	kmake olddefconfig >/dev/null
	echo "$want" > "$state/config-sum$sfx"
fi

# Every symbol the fragment asks for must have stuck.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n)
		sym=${line%%=*}
		grep -q "^$sym=" "$obj/.config" && { echo "build-kernel: $sym is set, fragment wants it off" >&2; bad=1; } ;;
	CONFIG_*=*)
		grep -qxF "$line" "$obj/.config" || { echo "build-kernel: required $line not set (dependency missing?)" >&2; bad=1; } ;;
	esac
done < "$fragment"
[ $bad -eq 0 ] || { rm -f "$state/config-sum$sfx"; die "config verification failed"; }

echo "build-kernel: building on base $(cat "$state/base-version") with $toolchain_name"
kmake bzImage
# The test programs build against the main kernel's uapi headers.
[ -n "${VARIANT:-}" ] || kmake headers >/dev/null
ln -sf "$obj/arch/x86/boot/bzImage" "$build/bzImage$sfx"
echo "build-kernel: $(cat "$obj/include/config/kernel.release") ready: $build/bzImage$sfx"
