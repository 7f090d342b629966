#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install every Debian package the project needs. Idempotent; works as
# root or through sudo. On Debian 12 the 6.12 kernel source comes from
# bookworm-backports, which is enabled here when it is missing.
set -euo pipefail

PKGS=(
	build-essential gcc make flex bison bc libelf-dev libssl-dev dwarves
	cpio rsync kmod xz-utils python3 perl
	busybox-static kexec-tools qemu-system-x86 qemu-utils
	libfdt-dev device-tree-compiler sparse ccache clang llvm lld libclang-rt-dev
	gnuplot-nox git
	linux-source-6.12
)

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "deps: need root or sudo" >&2; exit 1; }
	SUDO=sudo
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"

. /etc/os-release
if [ "${VERSION_CODENAME:-}" = bookworm ] &&
   ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
	echo "deps: enabling bookworm-backports for linux-source-6.12"
	echo "deb http://deb.debian.org/debian bookworm-backports main" |
		$SUDO tee /etc/apt/sources.list.d/kho-backports.list >/dev/null
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
if [ "${VERSION_CODENAME:-}" = bookworm ]; then
	$SUDO apt-get install -y -q --no-install-recommends -t bookworm-backports linux-source-6.12
fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
