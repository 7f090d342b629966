#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-scenario.sh NAME [MODE]
#
# Boot the test VM for scenario NAME (tests/scenarios/NAME.sh) in VT-d MODE
# (legacy or scalable; default legacy), then judge the serial log. Prints one
# TAP line, "ok - NAME [MODE]" or "not ok - NAME [MODE]: reason", and on
# failure the tail of the log. Exit status 0 only on success. With
# VARIANT=lockdep it boots that kernel, and the line and the log say so.
#
# A scenario file sets:
#   append   kernel command line for kernel A (khotest.stage=... and more)
#   timeout  hard limit in seconds for the whole VM run
#   boots    how many kernels must come up (1 + number of kexecs)
#   check    a function that asserts on the log; it calls "bad REASON"
# and may set allow_dmar_faults=1 when faults are the expected outcome.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
name=$1
mode=${2:-legacy}
label="$name${2:+ $2}${VARIANT:+ $VARIANT}"
logdir=$BUILD/logs
log=$logdir/$name${2:+-$2}${VARIANT:+-$VARIANT}.log
mkdir -p "$logdir"

. "$top/tests/qemu.sh"
. "$top/tests/lib.sh"
append= timeout=120 boots=1 allow_dmar_faults=0
check() { :; }
. "$top/tests/scenarios/$name.sh" || { echo "not ok - $label: no scenario file"; exit 1; }

run_vm "$log" "$timeout" "$mode" "$append"
rc=$?

common_checks $rc "$boots" "$allow_dmar_faults"
has "khotest: stage .* exit 0$" || bad "the last stage did not finish cleanly"
check

report "$label"
