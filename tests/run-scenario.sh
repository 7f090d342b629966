#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-scenario.sh NAME [MODE]
#
# Boot the test VM for scenario NAME (tests/scenarios/NAME.sh) in VT-d MODE
# (legacy or scalable; default legacy), then judge the serial log. Prints one
# TAP line, "ok - NAME [MODE]" or "not ok - NAME [MODE]: reason", and on
# failure the tail of the log. Exit status 0 only on success. With
# VARIANT=debug it boots that kernel, and the line and the log say so.
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
#   controls="vtd-no-clear ..."  after those, one run per word with
#                             kho_test.naive=WORD appended (the kernel takes
#                             the naive or stock path on purpose), with the
#                             first delay and each corrupt word, log
#                             NAME[-MODE]-control-WORD[-CORRUPT].log
# A control must fail: it passes only if check() itself gives a reason
# AND the scenario's "control_expect WORD" (status 0) finds the expected
# sign of failure in the log ($check_reasons holds check()'s reasons). A
# control that passes, fails otherwise, times out or crashes the VM fails
# the line ("control WORD did not fail: ..."); each one that failed as
# expected prints "#   control WORD failed as expected: REASON" after it.
# check() sees the word in $run_control (empty in the other runs).
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
append= timeout=120 boots=1 allow_dmar_faults=0 delays= corrupts= controls=
check() { :; }
control_expect() { return 1; }
. "$top/tests/scenarios/$name.sh" || { echo "not ok - $label: no scenario file"; exit 1; }

# One VM run with the words "$1" appended to the command line: judge its
# log into $reasons; the VM's status in $run_rc, the reasons check() gave
# in $check_reasons.
run_once() {
	local n
	run_vm "$log" "$timeout" "$mode" "$append${1:+ $1}"
	run_rc=$?
	common_checks $run_rc "$boots" "$allow_dmar_faults"
	has "khotest: stage .* exit 0$" || bad "the last stage did not finish cleanly"
	n=${#reasons[@]}
	check
	check_reasons=("${reasons[@]:n}")
}

# Why a control run says nothing about the naive path, or nothing: it
# timed out, QEMU failed, a kernel crashed or did not come up.
control_broken() {
	local n err
	[ "$run_rc" -eq 124 ] && { echo "timed out"; return; }
	[ "$run_rc" -ne 0 ] && { echo "qemu exited with $run_rc"; return; }
	err=$(console | first_line 'Kernel panic|BUG: |Oops|general protection fault')
	[ -n "$err" ] && { echo "kernel crashed: $err"; return; }
	n=$(count '^Linux version ')
	[ "$n" -eq "$boots" ] || echo "$n kernel(s) booted, expected $boots"
}

failed=() failed_log= expected=()
# A failed run's reasons, prefixed with what the run was, into $failed.
run_failed() {
	local what=$1 r
	if [ -n "$failed_log" ]; then
		reasons+=("log: $log")
	else
		failed_log=$log
	fi
	for r in "${reasons[@]}"; do failed+=("${what:+$what: }$r"); done
}

run_control=
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
		[ ${#reasons[@]} -eq 0 ] || run_failed "$what"
	done
done

# The controls: the first delay, every corrupt word.
set -- $delays
run_delay=${1:--}
for run_control in $controls; do
	for run_corrupt in ${corrupts:--}; do
		run=control-$run_control words="kho_test.naive=$run_control" what=
		if [ "$run_corrupt" != - ]; then
			run=$run-$run_corrupt words="$words khotest.corrupt=$run_corrupt"
			what=$run_corrupt
		fi
		if [ "$run_delay" != - ]; then
			words="$words khotest.delay=$run_delay"
			what="${what:+$what, }delay $run_delay ms"
		fi
		log=$base-$run.log
		reasons=()
		run_once "$words"
		broken=$(control_broken)
		ctl="control $run_control" in=${what:+ ($what)}
		if [ -n "$broken" ]; then
			why="$ctl did not fail as a control must$in: $broken"
		elif [ ${#check_reasons[@]} -eq 0 ]; then
			why="$ctl did not fail$in: the naive path passed every check of the scenario"
		elif ! control_expect "$run_control"; then
			why="$ctl did not fail as expected$in: ${check_reasons[0]}"
		else
			expected+=("control $run_control failed as expected: ${what:+$what: }${check_reasons[0]}")
			continue
		fi
		reasons=("$why" "${reasons[@]/#/$ctl$in: }")
		run_failed ""
	done
done
reasons=("${failed[@]}")
log=${failed_log:-$log}

report "$label"
rc=$?
for r in "${expected[@]}"; do echo "#   $r"; done
exit $rc
