#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make series: write a git-am-able patch series against the recorded base
# into build/series/: one commit per group of new files and the patches of
# patches/series, in the order patches/overlay-groups gives. The series is
# produced by really applying it, with git am, in a repository holding the
# base versions of just the files it touches.
#
# scripts/mkseries.sh --build then also builds every commit of it, one
# after the other, in a full tree (build/series-tree, hard links to the
# base but for the files the series has changed so far; build/obj-series),
# with allnoconfig + configs/kho.config, so a commit that does not build
# on its own stops it. Expect a cold kernel build and then one incremental
# build per commit.
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

# New files, one commit per group, and the patches where the groups file
# says (%patch NAME: that patch; %patches: every patch not named anywhere),
# so that every commit of the series builds.
cd "$top"
left=$(mktemp)
named=$(mktemp)
trap 'rm -f "$left" "$named"' EXIT
cp "$build/state/overlay-files" "$left"
sed -n 's/^%patch \(.*\)/\1/p' "$top/patches/overlay-groups" > "$named"

apply_patch() {
	g am -q "$top/patches/$1" || die "git am failed on $1"
}

commit_group() {
	local paths=$1 subject body files f

	subject=$(echo "$2" | sed 's/^ *//; s/ *$//')
	body=$(echo "$3" | sed 's/^ *//' | fold -s -w 72 | sed 's/ *$//')
	files=$(git ls-files -co --exclude-standard -- $paths)
	[ -n "$files" ] || return 0
	for f in $files; do
		mkdir -p "$work/$(dirname "$f")"
		cp "$f" "$work/$f"
		grep -vxF "$f" "$left" > "$left.n" || true
		mv "$left.n" "$left"
	done
	g add -A
	g commit -q -s -m "$subject" -m "$body"
}

while IFS='|' read -r paths subject body; do
	case "$paths" in
	''|'#'*) ;;
	'%patches'*)
		grep -v '^\s*\(#\|$\)' "$top/patches/series" | grep -vxF -f "$named" |
			while read -r p; do apply_patch "$p"; done ;;
	'%patch '*) apply_patch "${paths#%patch }" ;;
	*) commit_group "$paths" "$subject" "$body" ;;
	esac
done < "$top/patches/overlay-groups"
[ -s "$left" ] && die "overlay files in no group of patches/overlay-groups: $(cat "$left")"
applied=$(git -C "$work" log --format=%s base..HEAD | wc -l)
total=$(( $(grep -cv '^\s*\(#\|$\)' "$top/patches/series") + $(grep -v '^#' "$top/patches/overlay-groups" | grep -c '|') ))
[ "$applied" -eq "$total" ] || die "series has $applied commits, expected $total (a patch missing from %patches?)"

g format-patch -q -o "$out" base..HEAD
n=$(ls "$out" | wc -l)
echo "mkseries: $n patches against $basever in $out"
echo "mkseries: apply with: cd /your/linux-6.12 && git am $out/*.patch"

[ "${1:-}" = --build ] || exit 0

# Replace, never edit, a file of the hard-linked tree.
put_file() {
	local c=$1 f=$2
	rm -f "$tree/$f"
	if g cat-file -e "$c:$f" 2>/dev/null; then
		mkdir -p "$tree/$(dirname "$f")"
		g show "$c:$f" > "$tree/$f"
		[ "$(g ls-tree "$c" -- "$f" | cut -d' ' -f1)" != 100755 ] || chmod +x "$tree/$f"
	fi
}

tree=$build/series-tree
bobj=$build/obj-series
# shellcheck source=scripts/toolchain.sh
. "$top/scripts/toolchain.sh"
rm -rf "$tree"
cp -al "$base" "$tree"
mkdir -p "$bobj"
i=0
for c in $(g rev-list --reverse base..HEAD); do
	i=$((i + 1))
	subject=$(g log -1 --format=%s "$c")
	for f in $(g diff-tree --no-commit-id --name-only -r "$c"); do
		put_file "$c" "$f"
	done
	# Symbols a commit does not have yet are left out of its config.
	KCONFIG_ALLCONFIG="$top/configs/kho.config" make -s -C "$tree" O="$bobj" \
		"${kbuild_cc[@]}" allnoconfig > "$bobj/config.log" 2>&1 ||
		die "commit $i ($subject): allnoconfig failed: see $bobj/config.log"
	if ! make -s -C "$tree" O="$bobj" "${kbuild_cc[@]}" -j"${JOBS:-$(nproc)}" \
			bzImage > "$bobj/build.log" 2>&1; then
		tail -n 20 "$bobj/build.log" >&2
		die "commit $i ($subject) does not build: see $bobj/build.log"
	fi
	echo "mkseries: commit $i builds: $subject"
done
grep -qx 'CONFIG_KHO=y' "$bobj/.config" || die "the last commit does not enable CONFIG_KHO"
echo "mkseries: all $i commits build; the last with CONFIG_KHO=y"
