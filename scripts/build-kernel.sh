#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build the kernel (bzImage and uapi headers) out of tree in
# build/obj, from the tree scripts/prepare-src.sh assembles.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
src=$build/src
obj=$build/obj
state=$build/state
fragment=$top/configs/kho.config
jobs=${JOBS:-$(nproc)}

die() { echo "build-kernel: $*" >&2; exit 1; }

"$top/scripts/prepare-src.sh"
mkdir -p "$obj"

cc="gcc"
command -v ccache >/dev/null && cc="ccache gcc"
kmake() { make -s -C "$src" O="$obj" CC="$cc" -j"$jobs" "$@"; }

# Regenerate .config only when the fragment or the base changed, so an
# unchanged config never forces a rebuild.
want=$(cat "$fragment" "$state/base-version" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$state/config-sum" 2>/dev/null)" != "$want" ] || [ ! -f "$obj/.config" ]; then
	echo "build-kernel: configuring from allnoconfig + configs/kho.config"
	KCONFIG_ALLCONFIG="$fragment" kmake allnoconfig >/dev/null
	kmake olddefconfig >/dev/null
	echo "$want" > "$state/config-sum"
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
[ $bad -eq 0 ] || { rm -f "$state/config-sum"; die "config verification failed"; }

echo "build-kernel: building on base $(cat "$state/base-version")"
kmake bzImage
kmake headers >/dev/null
ln -sf "$obj/arch/x86/boot/bzImage" "$build/bzImage"
echo "build-kernel: $(cat "$obj/include/config/kernel.release") ready: build/bzImage"
