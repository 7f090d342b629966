#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Style and static checks on everything this project adds, one TAP line each:
#   sparse      make C=2 on every kernel object we add or patch: no warnings
#   checkpatch  --strict on our C files and on every patch: no errors,
#               warnings or checks
# A check with nothing to look at prints no line (it is not a pass).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
src=$BUILD/src
logs=$BUILD/logs
mkdir -p "$logs"
cd "$top"

kernel_c=$(cat "$BUILD/state/overlay-files" "$BUILD/state/patched-files" 2>/dev/null |
	grep -E '\.c$' | sort -u)
ours_c=$(git ls-files -co --exclude-standard -- '*.c' '*.h' | sort -u)
patches=$(grep -v '^\s*\(#\|$\)' patches/series 2>/dev/null | sed 's|^|patches/|')

fail_lines() { sed 's/^/#   | /' "$1" | head -n 40; }

# The lines of FILE (a path in the tree) that differ from the base: all of
# a file we add, only what our patches changed in a file we patch.
changed_lines() {
	local base
	base="$(cat "$BUILD/state/base-path")/$1"
	if [ ! -f "$base" ]; then
		echo all
		return
	fi
	diff -U0 "$base" "$src/$1" | sed -n 's/^@@ -[0-9,]* +\([0-9]*\)\(,\([0-9]*\)\)\{0,1\} @@.*/\1 \3/p' |
		while read -r start len; do
			seq "$start" $((start + ${len:-1} - 1))
		done
}

# sparse's warnings on lines we wrote: upstream's own warnings in the files
# we patch (pci_power_t casts, say) are not ours to fix.
ours_sparse() {
	local line file lno
	declare -A seen=()
	grep -E '(warning|error):' "$1" | while IFS= read -r line; do
		file=${line%%:*}
		file=${file#"$src/"}
		lno=$(echo "$line" | cut -d: -f2)
		if [ -z "${seen[$file]+x}" ]; then
			seen[$file]=" $(changed_lines "$file" | tr '\n' ' ') "
		fi
		case "${seen[$file]}" in
		*" all "*|*" $lno "*) echo "$line" ;;
		esac
	done
}

# sparse: the objects of our .c files, rebuilt with C=2 so they are checked
# even when up to date. Only objects the kernel build produced are checked
# (a file outside the config is not built), and at least one must be. The
# decompressor (arch/x86/boot) is a program of its own, not kernel code: a
# lone rebuild of one of its objects only shows the compiler's upstream
# warnings.
if [ -n "$kernel_c" ]; then
	# The compiler of the build (gcc, or clang with LLVM=1): another CC
	# would make kbuild reconfigure and rebuild the tree.
	# shellcheck source=scripts/toolchain.sh
	. "$top/scripts/toolchain.sh"
	: > "$logs/sparse.log"
	checked=0
	for f in $kernel_c; do
		o=${f%.c}.o
		case "$o" in arch/x86/boot/*) continue ;; esac
		[ -f "$BUILD/obj/$o" ] || continue
		make -s -C "$src" O="$BUILD/obj" "${kbuild_cc[@]}" C=2 "$o" >> "$logs/sparse.log" 2>&1
		checked=$((checked + 1))
	done
	ours_sparse "$logs/sparse.log" > "$logs/sparse-ours.log"
	if [ -s "$logs/sparse-ours.log" ]; then
		echo "not ok - sparse: $(wc -l < "$logs/sparse-ours.log") problem(s)"
		fail_lines "$logs/sparse-ours.log"
		rc=1
	elif [ $checked -gt 0 ]; then
		echo "ok - sparse ($checked objects)"
	fi
fi

cp_pl=$src/scripts/checkpatch.pl
: > "$logs/checkpatch.log"
n=0
for f in $ours_c; do
	perl "$cp_pl" --strict --no-tree --terse --show-types -q -f "$f" >> "$logs/checkpatch.log" 2>&1
	n=$((n + 1))
done
# A patch must use the names of the code it edits (kernel_kexec()'s
# "Unlock" label, say), so CamelCase is not held against patches. Patches are
# checked from outside this repository: inside a git work tree checkpatch
# reads a patch file as a source file.
tmp=$(mktemp -d)
for p in $patches; do
	cp "$p" "$tmp/"
	(cd "$tmp" && perl "$cp_pl" --strict --no-tree --terse --show-types -q \
		--ignore CAMELCASE "$(basename "$p")" 2>/dev/null) |
		sed 's|^\([0-9][0-9][0-9][0-9]-\)|patches/\1|' >> "$logs/checkpatch.log"
	n=$((n + 1))
done
rm -rf "$tmp"
if grep -qE '(ERROR|WARNING|CHECK):' "$logs/checkpatch.log"; then
	echo "not ok - checkpatch: $(grep -cE '(ERROR|WARNING|CHECK):' "$logs/checkpatch.log") problem(s)"
	fail_lines "$logs/checkpatch.log"
	rc=1
elif [ $n -gt 0 ]; then
	echo "ok - checkpatch ($n files and patches)"
fi
exit ${rc:-0}
