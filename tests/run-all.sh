#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every QEMU scenario listed in tests/scenarios/list (one
# "NAME [MODE...]" per line), or those named in $TESTS; MODES="legacy"
# runs a scenario listed with VT-d modes in those of them only.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
rc=0
while read -r name modes; do
	case "$name" in ''|'#'*) continue ;; esac
	if [ -n "${TESTS:-}" ] && ! [[ " $TESTS " == *" $name "* ]]; then
		continue
	fi
	if [ -z "$modes" ]; then
		"$top/tests/run-scenario.sh" "$name" || rc=1
		continue
	fi
	for mode in $modes; do
		if [ -n "${MODES:-}" ] && ! [[ " $MODES " == *" $mode "* ]]; then
			continue
		fi
		"$top/tests/run-scenario.sh" "$name" "$mode" || rc=1
	done
done < "$top/tests/scenarios/list"
exit $rc
