#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot once with kunit.enable=1, parse the KTAP the built-in suites print and
# print one TAP line per expected suite (tests/kunit/suites): "ok - kunit:
# SUITE" only if the suite ran and passed; a missing, failed or skipped suite
# is "not ok". A suite that ran but is not listed is reported too, so the list
# cannot silently fall behind.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
# VARIANT=debug: the same on that kernel; every line names it.
v=${VARIANT:+ $VARIANT}
log=$BUILD/logs/kunit${VARIANT:+-$VARIANT}.log
mkdir -p "$BUILD/logs"
. "$top/tests/qemu.sh"
. "$top/tests/lib.sh"

run_vm "$log" 300 legacy kunit.enable=1 khotest.stage=none
common_checks $? 1 0
report "kunit-boot$v" || exit 1

# Top-level KTAP results are not indented: "ok 3 suite-name [# SKIP ...]".
results=$(console | grep -E '^(not )?ok [0-9]+ ')
rc=0
while read -r suite; do
	case "$suite" in ''|'#'*) continue ;; esac
	line=$(grep -E "^(not )?ok [0-9]+ $suite( |$)" <<<"$results" | tail -n1)
	if [ -z "$line" ]; then
		echo "not ok - kunit: $suite$v: suite did not run"
		rc=1
	elif [[ "$line" == ok* && "$line" != *"# SKIP"* ]]; then
		echo "ok - kunit: $suite$v"
	else
		echo "not ok - kunit: $suite$v: $line"
		console | grep -E "^ +not ok|# $suite: " | sed 's/^/#   | /'
		rc=1
	fi
done < "$top/tests/kunit/suites"

while read -r _ _ suite _; do
	grep -qxF "$suite" "$top/tests/kunit/suites" && continue
	echo "not ok - kunit: $suite$v: ran but is not listed in tests/kunit/suites"
	rc=1
done < <(sed 's/^not //' <<<"$results")
exit $rc
