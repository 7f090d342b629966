#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make series: write a git-am-able patch series against the recorded base
# into build/series/: one commit per group of new files (patches/overlay-
# groups), then every patch of patches/series. The series is produced by
# really applying it, with git am, in a repository holding the base
# versions of just the files it touches.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
out=$build/series
work=$build/series-work

die() { echo "mkseries: $*" >&2; exit 1; }

"$top/scripts/prepare-src.sh" >/dev/null
base=$(cat "$build/state/base-path")
basever=$(cat "$build/state/base-version")

rm -rf "$work" "$out"
mkdir -p "$work" "$out"
g() {
	git -C "$work" -c user.name="KHO for Linux 6.12" \
		-c user.email="kho-6.12@lists.example.org" "$@"
}
g init -q
while read -r f; do
	[ -f "$base/$f" ] || continue
	mkdir -p "$work/$(dirname "$f")"
	cp "$base/$f" "$work/$f"
done < "$build/state/patched-files"
g add -A
g commit -q --allow-empty -m "base: linux $basever"
g tag base

# New files, one commit per group.
cd "$top"
left=$(mktemp)
trap 'rm -f "$left"' EXIT
cp "$build/state/overlay-files" "$left"
while IFS='|' read -r paths subject body; do
	case "$paths" in ''|'#'*) continue ;; esac
	subject=$(echo "$subject" | sed 's/^ *//; s/ *$//')
	body=$(echo "$body" | sed 's/^ *//' | fold -s -w 72 | sed 's/ *$//')
	files=$(git ls-files -co --exclude-standard -- $paths)
	[ -n "$files" ] || continue
	for f in $files; do
		mkdir -p "$work/$(dirname "$f")"
		cp "$f" "$work/$f"
		grep -vxF "$f" "$left" > "$left.n" || true
		mv "$left.n" "$left"
	done
	g add -A
	g commit -q -s -m "$subject" -m "$body"
done < "$top/patches/overlay-groups"
[ -s "$left" ] && die "overlay files in no group of patches/overlay-groups: $(cat "$left")"

# Hooks into existing files.
grep -v '^\s*\(#\|$\)' "$top/patches/series" | while read -r p; do
	g am -q "$top/patches/$p" || die "git am failed on $p"
done

g format-patch -q -o "$out" base..HEAD
n=$(ls "$out" | wc -l)
echo "mkseries: $n patches against $basever in $out"
echo "mkseries: apply with: cd /your/linux-6.12 && git am $out/*.patch"
