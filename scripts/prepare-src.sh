#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the kernel source tree the project compiles: the pristine 6.12 base
# (Debian's linux-source-6.12, or $KSRC), plus the overlay (new files at their
# kernel paths in this repository), plus patches/series applied in order.
#
# The working tree is a hard-link copy of the base, and every file we change
# is replaced (written to a temporary name, then renamed), never edited in
# place, so the base stays pristine. Only files whose content really changed
# are written, which keeps kbuild incremental: touching one overlay file
# rebuilds one object.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
work=$build/src
state=$build/state
mkdir -p "$build" "$state"

die() { echo "prepare-src: $*" >&2; exit 1; }

# --- 1. The pristine base --------------------------------------------------
if [ -n "${KSRC:-}" ]; then
	base=$(cd "$KSRC" && pwd)
	[ -f "$base/Makefile" ] || die "KSRC=$KSRC is not a kernel tree"
	base_desc="KSRC=$base"
else
	tarball=/usr/src/linux-source-6.12.tar.xz
	[ -f "$tarball" ] || die "$tarball missing: run 'make deps'"
	pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
	base=$build/base/linux-source-6.12
	if [ "$(cat "$state/base-pkgver" 2>/dev/null)" != "$pkgver" ] || [ ! -f "$base/Makefile" ]; then
		echo "prepare-src: unpacking linux-source-6.12 $pkgver"
		rm -rf "$build/base" "$work" "$state"/applied-*
		mkdir -p "$build/base"
		tar -C "$build/base" -xf "$tarball"
		echo "$pkgver" > "$state/base-pkgver"
	fi
	base_desc="Debian linux-source-6.12 $pkgver"
fi
mkver() { sed -n 's/^\(VERSION\|PATCHLEVEL\|SUBLEVEL\) = //p' "$1/Makefile" | paste -sd.; }
kver=$(mkver "$base")
case "$kver" in 6.12.*) ;; *) die "base is $kver, not 6.12" ;; esac
echo "$kver ($base_desc)" > "$state/base-version"
echo "prepare-src: base $kver ($base_desc)"

if [ "$(cat "$state/base-path" 2>/dev/null)" != "$base" ] || [ ! -f "$work/Makefile" ]; then
	echo "prepare-src: linking working tree from base"
	rm -rf "$work" "$state"/applied-*
	cp -al "$base" "$work"
	echo "$base" > "$state/base-path"
fi

# Replace $2 with $1 unless they already hold the same bytes.
sync_file() {
	local src=$1 dst=$2
	cmp -s "$src" "$dst" 2>/dev/null && return 0
	mkdir -p "$(dirname "$dst")"
	cp "$src" "$dst.kho-tmp"
	mv -f "$dst.kho-tmp" "$dst"
}

# Put back the base's version of a file we no longer change (or drop it).
restore_file() {
	local rel=$1
	if [ -f "$base/$rel" ]; then
		sync_file "$base/$rel" "$work/$rel"
	else
		rm -f "$work/$rel"
	fi
}

# --- 2. Patches --------------------------------------------------------------
# Apply the series to copies of just the files it touches, then sync the
# results into the working tree.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
series=$top/patches/series
: > "$state/patched-files.new"
if [ -f "$series" ]; then
	grep -v '^\s*\(#\|$\)' "$series" > "$scratch/series" || true
	while read -r p; do
		[ -f "$top/patches/$p" ] || die "series names missing patch $p"
		grep -E '^(---|\+\+\+) [ab]/' "$top/patches/$p" |
			sed -E 's#^(---|\+\+\+) [ab]/##; s#\t.*##'
	done < "$scratch/series" | sort -u > "$state/patched-files.new"
	mkdir -p "$scratch/tree"
	while read -r f; do
		if [ -f "$base/$f" ]; then
			mkdir -p "$scratch/tree/$(dirname "$f")"
			cp "$base/$f" "$scratch/tree/$f"
		fi
	done < "$state/patched-files.new"
	while read -r p; do
		if ! out=$(patch -d "$scratch/tree" -p1 -N --no-backup-if-mismatch \
				-r - -s < "$top/patches/$p" 2>&1); then
			echo "$out" >&2
			die "patch $p does not apply to $kver"
		fi
	done < "$scratch/series"
	while read -r f; do
		if [ -f "$scratch/tree/$f" ]; then
			sync_file "$scratch/tree/$f" "$work/$f"
		else
			restore_file "$f"
		fi
	done < "$state/patched-files.new"
fi

# --- 3. Overlay ----------------------------------------------------------------
overlay_roots="arch drivers include kernel lib mm Documentation tools/testing/selftests/kho"
(cd "$top" && for d in $overlay_roots; do
	if [ -d "$d" ]; then find "$d" -type f ! -name '*.o' ! -name '.*'; fi
done) | sort > "$state/overlay-files.new"
if dup=$(comm -12 "$state/overlay-files.new" "$state/patched-files.new") && [ -n "$dup" ]; then
	die "files both in the overlay and in a patch: $dup"
fi
while read -r f; do
	sync_file "$top/$f" "$work/$f"
done < "$state/overlay-files.new"

# Files we changed last time but not any more go back to the base.
cat "$state/patched-files.new" "$state/overlay-files.new" | sort -u > "$state/changed-files.new"
if [ -f "$state/changed-files" ]; then
	comm -23 "$state/changed-files" "$state/changed-files.new" |
		while read -r f; do restore_file "$f"; done
fi
mv "$state/changed-files.new" "$state/changed-files"
mv "$state/patched-files.new" "$state/patched-files"
mv "$state/overlay-files.new" "$state/overlay-files"
