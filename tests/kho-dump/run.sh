#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/kho-dump/run.sh [--update]
#
# kho-dump's tests; one TAP line per group:
#   golden text     every fixture's text output is golden/NAME.txt
#   golden json     its JSON is golden/NAME.json, and valid JSON
#   check invalid   valid-* pass --check silently (exit 0); each invalid-*
#                   fails it (exit 1) with the lines of golden/NAME.check
#   usage errors    exit 2 for usage errors and unreadable input
#   abi doc agrees  the kernel, kho-dump and Documentation/kho/abi.rst
#                   name the same nodes and properties (abi-agree.py)
#   fuzz (N s)      the libFuzzer target, seeded with the fixtures, for
#                   KHO_FUZZ_SECONDS (default 30): no crash, no sanitizer
#                   report
#
# Fixtures are kernel/kho/fixtures/NAME.dts, compiled with dtc at test
# time by kernel/kho/fixtures/compile.sh (a "// kho-dump-test: replace OLD
# NEW" or "truncate N" line patches the blob), and NAME.raw, used as they
# are; the kernel's KUnit suite kho-fixtures checks the same blobs.
# --update rewrites the golden files from the current kho-dump: review the
# diff.
#
# Exit status 0 only if every group passed.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build}
here=$top/tests/kho-dump
# Shared with the kernel's KUnit suite, which checks the same blobs.
fixtures=$top/kernel/kho/fixtures
out=$BUILD/tools/kho-dump
logs=$BUILD/logs
kd=$out/kho-dump
fuzz_seconds=${KHO_FUZZ_SECONDS:-30}
update=0
[ "${1:-}" = --update ] && update=1
mkdir -p "$logs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# ok NAME, or not ok NAME: REASON with the rest of the reasons and the
# details file (if any) as diagnostics.
report() {
	local name=$1 details=$2
	shift 2
	if [ $# -eq 0 ]; then
		echo "ok - $name"
		return 0
	fi
	echo "not ok - $name: $1"
	shift
	for r in "$@"; do echo "#   also: $r"; done
	[ -s "$details" ] && head -n 30 "$details" | sed 's/^/#   | /'
	failed=1
	return 1
}

# ---- build ---------------------------------------------------------------

if ! make -s -C "$top/tools/kho-dump" O="$out" > "$logs/kho-dump-build.log" 2>&1; then
	report "kho-dump build" "$logs/kho-dump-build.log" "see $logs/kho-dump-build.log"
	exit 1
fi

# ---- fixtures ------------------------------------------------------------

names=()
build_errors=()
for f in "$fixtures"/*.dts "$fixtures"/*.raw; do
	[ -e "$f" ] || continue
	name=$(basename "${f%.*}")
	names+=("$name")
	if ! sh "$fixtures/compile.sh" "$f" "$tmp/$name.dtb" > "$tmp/$name.dtc" 2>&1; then
		build_errors+=("$name: $(head -n1 "$tmp/$name.dtc")")
	fi
done
if [ ${#names[@]} -eq 0 ] || [ ${#build_errors[@]} -gt 0 ]; then
	report "kho-dump fixtures" /dev/null "${build_errors[@]:-no fixtures}"
	exit 1
fi

# Run kho-dump in the fixture directory, so that outputs name NAME.dtb.
run_kd() { (cd "$tmp" && "$kd" "$@"); }

golden_group() {
	local label=$1 ext=$2 name g reasons=() details
	details=$tmp/details.$ext
	: > "$details"
	for name in "${names[@]}"; do
		if [ $update = 1 ]; then
			cp "$tmp/$name.$ext" "$here/golden/$name.$ext"
		elif [ ! -f "$here/golden/$name.$ext" ]; then
			reasons+=("$name: no golden/$name.$ext")
		elif ! diff -u "$here/golden/$name.$ext" "$tmp/$name.$ext" >> "$details"; then
			reasons+=("$name: output differs from golden/$name.$ext")
		fi
	done
	for g in "$here"/golden/*."$ext"; do
		[ -e "$g" ] || continue
		name=$(basename "$g" ".$ext")
		[ -e "$tmp/$name.dtb" ] || reasons+=("golden/$name.$ext has no fixture")
	done
	report "$label" "$details" "${reasons[@]}"
}

# ---- golden text -----------------------------------------------------------

for name in "${names[@]}"; do
	run_kd "$name.dtb" > "$tmp/$name.txt" 2>&1
	echo "exit $?" >> "$tmp/$name.txt"
done
golden_group "kho-dump golden text" txt

# ---- golden json -----------------------------------------------------------

json_reasons=()
for name in "${names[@]}"; do
	run_kd --json "$name.dtb" > "$tmp/$name.json" 2> "$tmp/$name.json.err"
	rc=$?
	want=$(tail -n1 "$tmp/$name.txt")
	[ "exit $rc" = "$want" ] || json_reasons+=("$name: --json exit $rc, text $want")
	python3 -m json.tool "$tmp/$name.json" > /dev/null 2> "$tmp/$name.json.py" ||
		json_reasons+=("$name: not valid JSON: $(tail -n1 "$tmp/$name.json.py")")
done
if [ ${#json_reasons[@]} -gt 0 ]; then
	report "kho-dump golden json" /dev/null "${json_reasons[@]}"
else
	golden_group "kho-dump golden json" json
fi

# ---- check -----------------------------------------------------------------

check_reasons=()
nr_invalid=0
for name in "${names[@]}"; do
	run_kd --check "$name.dtb" > "$tmp/$name.check" 2>&1
	rc=$?
	case $name in
	valid-*)
		[ $rc -eq 0 ] && [ ! -s "$tmp/$name.check" ] ||
			check_reasons+=("$name: --check exit $rc: $(head -n1 "$tmp/$name.check")")
		;;
	invalid-*)
		nr_invalid=$((nr_invalid + 1))
		[ $rc -eq 1 ] || check_reasons+=("$name: --check exit $rc, expected 1")
		grep -qE '^/[^ ]*: .+' "$tmp/$name.check" ||
			check_reasons+=("$name: no \"path: problem\" line")
		grep -vqE '^/[^ ]*: .+' "$tmp/$name.check" &&
			check_reasons+=("$name: a line that is not \"path: problem\"")
		;;
	*)
		check_reasons+=("$name: fixtures are named valid-* or invalid-*")
		;;
	esac
	echo "exit $rc" >> "$tmp/$name.check"
done
[ $nr_invalid -ge 15 ] || check_reasons+=("only $nr_invalid invalid fixtures, 15 wanted")
if [ ${#check_reasons[@]} -gt 0 ]; then
	report "kho-dump check invalid ($nr_invalid cases)" /dev/null "${check_reasons[@]}"
else
	golden_group "kho-dump check invalid ($nr_invalid cases)" check
fi

# ---- usage errors ----------------------------------------------------------

usage_reasons=()
# expect STATUS ARGS...: kho-dump's exit status for ARGS
expect() {
	local want=$1 rc
	shift
	run_kd "$@" > "$tmp/usage.out" 2>&1 < /dev/null
	rc=$?
	[ $rc -eq "$want" ] || usage_reasons+=("kho-dump $*: exit $rc, expected $want")
}
expect 2
expect 2 --bogus valid-minimal.dtb
expect 2 no-such-file.dtb
expect 2 valid-minimal.dtb valid-memfd.dtb
expect 2 --out valid-minimal.dtb
expect 2 --check /
expect 0 --help
grep -q '^EXIT STATUS' "$tmp/usage.out" || usage_reasons+=("--help has no EXIT STATUS")
expect 1 --check -
(cd "$tmp" && "$kd" --check - < valid-kho-test.dtb) ||
	usage_reasons+=("kho-dump --check - < valid-kho-test.dtb failed")
report "kho-dump usage errors" /dev/null "${usage_reasons[@]}"

# ---- abi doc agrees ----------------------------------------------------------

if python3 "$here/abi-agree.py" "$top" "$kd" > "$tmp/abi.out" 2>&1; then
	echo "ok - kho-dump abi doc agrees ($(tail -n1 "$tmp/abi.out"))"
else
	mapfile -t abi_reasons < <(grep -v '^#' "$tmp/abi.out")
	report "kho-dump abi doc agrees" /dev/null "${abi_reasons[@]:-abi-agree.py failed}"
fi

# ---- fuzz --------------------------------------------------------------------

fuzz_log=$logs/kho-dump-fuzz.log
if ! make -s -C "$top/tools/kho-dump" O="$out" fuzz > "$fuzz_log" 2>&1; then
	report "kho-dump fuzz" "$fuzz_log" "the fuzz target does not build (clang, libclang-rt-dev?)"
else
	mkdir -p "$tmp/corpus"
	cp "$tmp"/*.dtb "$tmp/corpus/"
	# Node names (unit@N as unit@0), compatibles and property names, for
	# the mutations.
	"$kd" --list-known | awk '
		$1 == "node" { n = split($2, p, "/"); sub(/@N$/, "@0", p[n]); print p[n]
			       if ($3 != "-") print $3 }
		$1 == "prop" { print $3 }' |
		sort -u | grep -v '^$' | sed 's/.*/"&"/' > "$tmp/kho-dump.dict"
	rm -f "$logs"/kho-dump-fuzz-crash-* "$logs"/kho-dump-fuzz-leak-* "$logs"/kho-dump-fuzz-timeout-*
	UBSAN_OPTIONS=print_stacktrace=1 "$out/kho-dump-fuzz" \
		-max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
		-dict="$tmp/kho-dump.dict" -artifact_prefix="$logs/kho-dump-fuzz-" \
		-print_final_stats=1 "$tmp/corpus" >> "$fuzz_log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$fuzz_log")
	if [ $rc -ne 0 ]; then
		grep -m1 -B2 -A12 'ERROR\|runtime error\|SUMMARY' "$fuzz_log" > "$tmp/fuzz.err"
		report "kho-dump fuzz ($fuzz_seconds s)" "$tmp/fuzz.err" \
			"exit $rc, see $fuzz_log and $logs/kho-dump-fuzz-*"
	elif [ "${runs:-0}" -eq 0 ]; then
		report "kho-dump fuzz ($fuzz_seconds s)" "$fuzz_log" "no input was run"
	else
		echo "ok - kho-dump fuzz ($fuzz_seconds s, $runs runs)"
	fi
fi

exit $failed
