#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Write a new patch for patches/ without touching the base tree (whose files
# are hard-linked into build/src and must never be edited in place).
#
#   scripts/patch-edit.sh start NAME FILE...   copy FILEs (as build/src has
#       them now) to build/patch-edit/NAME/{a,b}/; edit the b/ copies
#   scripts/patch-edit.sh finish NAME SUBJECT BODY-FILE
#       write patches/NNNN-NAME.patch (git mail format, diff of a/ and b/)
#       and append it to patches/series
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
cmd=$1 name=$2
shift 2
dir=$build/patch-edit/$name

case "$cmd" in
start)
	rm -rf "$dir"
	for f in "$@"; do
		for side in a b; do
			mkdir -p "$dir/$side/$(dirname "$f")"
			if [ -f "$build/src/$f" ]; then
				cp "$build/src/$f" "$dir/$side/$f"
			fi
		done
	done
	echo "edit the files under $dir/b/"
	;;
finish)
	subject=$1 body=$2
	n=$(grep -c '\.patch$' "$top/patches/series" || true)
	out=$(printf '%04d-%s.patch' $((n + 1)) "$name")
	{
		echo "From: KHO for Linux 6.12 <kho-6.12@lists.example.org>"
		echo "Subject: [PATCH] $subject"
		echo
		cat "$body"
		echo
		echo "Signed-off-by: KHO for Linux 6.12 <kho-6.12@lists.example.org>"
		echo "---"
		# The directories are named a and b: with --no-prefix their names
		# become the usual a/ and b/ path prefixes.
		{ (cd "$dir" && git diff --no-index --no-prefix a b) || true; }
	} > "$top/patches/$out"
	echo "$out" >> "$top/patches/series"
	echo "wrote patches/$out"
	;;
*)
	echo "usage: $0 start NAME FILE... | finish NAME SUBJECT BODY-FILE" >&2
	exit 2
	;;
esac
