# SPDX-License-Identifier: GPL-2.0
# kho-corrupt-campaign: every corruption of kho_test's table but the VT-d
# ones (kernel/kho/corrupt.c: the setup_data entry, the header, the
# tracker, the root FDT, the memfd and kho_test nodes and the memfd page
# lists, each in its own way, the details drawn from a seed), one kexec
# each, in one chain of kernels (tests/stages/kho-corrupt-campaign): each
# kernel reaches userspace, checks that the previous corruption was
# rejected with its one reason (or, in a handler's node, refused by that
# handler while everything else came back), that nothing stayed reserved,
# then arms the next one. The seed is random unless KHO_CAMPAIGN_SEED is
# set; the log and the ok line's run show it, to replay a failure.
# On the debug kernel, a sixth of the table (every sixth entry from the
# seed's), for make check's time: each of its boots takes four times as
# long, and the seed picks another sixth each run.
corruptions=92
cseed=${KHO_CAMPAIGN_SEED:-$(od -An -tu4 -N4 /dev/urandom | tr -d ' ')}
every=1
[ "${VARIANT:-}" = debug ] && every=6
runs=$(( (corruptions - cseed % every + every - 1) / every ))
append="khotest.stage=kho-corrupt-campaign khotest.cseed=$cseed khotest.count=$runs khotest.every=$every"
timeout=$((60 + runs * 30))
boots=$((runs + 1))

check() {
	local n
	echo "kho-corrupt-campaign: cseed=$cseed every=$every runs=$runs" >> "$log"
	n=$(console | grep -cE '^khotest: kho-corrupt-campaign: ok [0-9]+ ')
	[ "$n" -eq "$runs" ] ||
		bad "cseed=$cseed: $n of $runs corruptions checked: $(console | grep -E 'kho-corrupt-campaign: (FAIL|A [0-9]+:)' | tail -n1)"
	has "^khotest: kho-corrupt-campaign: PASS $runs corruptions" ||
		bad "cseed=$cseed: the last kernel did not pass: $(console | first_line 'kho-corrupt-campaign: FAIL' 'no FAIL line')"
	n=$(count 'kho_test: corrupt .*: not done')
	[ "$n" -eq 0 ] || bad "cseed=$cseed: $n corruption(s) not done: $(console | first_line 'kho_test: corrupt .*: not done' '')"
}
