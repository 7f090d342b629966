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
#   timeout  hard limit in seconds for each VM run
#   boots    how many kernels must come up (1 + number of kexecs)
#   check    a function that asserts on the log; it calls "bad REASON"
# and may set allow_dmar_faults=1 when faults are the expected outcome,
# edus=N for N edu devices (tests/qemu.sh). It may also ask for several
# runs, all of which must pass for the one TAP line:
#   delays="0 40 150"         one run each with khotest.delay=V appended,
#                             log NAME[-MODE]-dV.log
#   corrupts="vtd-node ..."   one run each with khotest.corrupt=WORD,
#                             log NAME[-MODE]-WORD.log
# (both: every pair, NAME[-MODE]-WORD-dV.log). check() sees the run's
# values in $run_delay and $run_corrupt; a reason from a run says which.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
name=$1
mode=${2:-legacy}
label="$name${2:+ $2}${VARIANT:+ $VARIANT}"
logdir=$BUILD/logs
base=$logdir/$name${2:+-$2}${VARIANT:+-$VARIANT}
mkdir -p "$logdir"

. "$top/tests/qemu.sh"
. "$top/tests/lib.sh"
append= timeout=120 boots=1 allow_dmar_faults=0 delays= corrupts=
check() { :; }
. "$top/tests/scenarios/$name.sh" || { echo "not ok - $label: no scenario file"; exit 1; }

# One VM run with the words "$1" appended to the command line: judge its
# log into $reasons.
run_once() {
	local rc
	run_vm "$log" "$timeout" "$mode" "$append${1:+ $1}"
	rc=$?
	common_checks $rc "$boots" "$allow_dmar_faults"
	has "khotest: stage .* exit 0$" || bad "the last stage did not finish cleanly"
	check
}

failed=() failed_log=
for run_corrupt in ${corrupts:--}; do
	for run_delay in ${delays:--}; do
		run= words= what=
		if [ "$run_corrupt" != - ]; then
			run=$run_corrupt words="khotest.corrupt=$run_corrupt" what=$run_corrupt
		fi
		if [ "$run_delay" != - ]; then
			run=${run:+$run-}d$run_delay
			words="${words:+$words }khotest.delay=$run_delay"
			what="${what:+$what, }delay $run_delay ms"
		fi
		log=$base${run:+-$run}.log
		reasons=()
		run_once "$words"
		[ ${#reasons[@]} -eq 0 ] && continue
		if [ -n "$failed_log" ]; then
			reasons+=("log: $log")
		else
			failed_log=$log
		fi
		for r in "${reasons[@]}"; do failed+=("${what:+$what: }$r"); done
	done
done
reasons=("${failed[@]}")
log=${failed_log:-$log}

report "$label"
