# SPDX-License-Identifier: GPL-2.0
# Sourced by scripts/bench.sh: the NIC's DMA gap across the live update.
#
# nic_run SCENARIO LOG
#   One run of tests/run-scenario.sh SCENARIO (nic-rx-live-update, or its
#   control nic-rx-control) in the legacy mode, at the scenario's own
#   machine shape; the run's logs are kept as LOG, LOG.qemu, LOG.sender and
#   LOG.times, its figures go to LOG.kv ("key value", integers), and it
#   returns 1 with $reasons set if the scenario did not pass.
# nic_plot LIVE-LOG CONTROL-LOG PNG
#   The NIC's DMAs (QEMU's trace) against host time across one update and
#   its control, each phase of the update marked.

# Host seconds of the first console line matching the regex $2 in the
# timed console $1 (LOG.times: "EPOCH LINE").
nic_when() {
	awk -v re="$2" '
		{ t = $1; sub(/^[^ ]* /, "") }
		$0 ~ re { print t; exit }' "$1"
}

# The figures of one NIC run's logs ($1): what the harness measured (the
# "nic-gap:" line it appends), what the sender sent and B received, and
# the kexec as the host saw it: A's "armed" line (it kexecs right after)
# to B's init line.
nic_figures() {
	local l=$1 sent got armed b_init
	sed -nE 's/^nic-gap: steady=([0-9.]+)ms gap=([0-9.]+)ms dmas=([0-9]+)$/\1 \2 \3/p' "$l" |
		awk '{ printf "nic_steady_us %d\nnic_gap_us %d\nnic_dmas %d\n", $1 * 1000, $2 * 1000, $3 }'
	sent=$(sed -nE 's/^nic_send: sent=([0-9]+) .*/\1/p' "$l.sender")
	got=$(log=$l field '^nic_rx: B frames=' frames)
	if [ -n "$sent" ]; then
		echo "nic_sent $sent"
		# B gave up before counting (the control): every frame is lost to it.
		echo "nic_b_frames ${got:-0}"
		echo "nic_lost $((sent - ${got:-0}))"
	fi
	armed=$(nic_when "$l.times" '^vtd_kho: armed delay=')
	b_init=$(nic_when "$l.times" '^khotest: init stage=.* phase=2 ')
	[ -n "$armed" ] && [ -n "$b_init" ] &&
		awk -v a="$armed" -v b="$b_init" 'BEGIN { printf "nic_kexec_us %d\n", (b - a) * 1e6 }'
}

nic_run() {
	local scenario=$1 l=$2 base=$BUILD/logs/$1-legacy out rc k
	reasons=()
	out=$(VM_MEM=2G "$top/tests/run-scenario.sh" "$scenario" legacy 2>&1)
	rc=$?
	for k in "" .qemu .sender .times; do
		cp "$base.log$k" "$l$k" 2>/dev/null || bad "no $base.log$k"
	done
	[ $rc -eq 0 ] || bad "$(head -n1 <<< "$out")"
	nic_figures "$l" > "$l.kv"
	echo "verdict $([ $rc -eq 0 ] && echo PASS || echo FAIL)" >> "$l.kv"
	for k in nic_gap_us nic_steady_us nic_sent nic_lost nic_kexec_us; do
		grep -q "^$k [0-9-]" "$l.kv" || bad "no $k in $l"
	done
	[ ${#reasons[@]} -eq 0 ]
}

# "SECONDS LABEL" of each phase of the live run $1, on the host's clock:
# console lines as the host saw them, and B's first write to the IOMMU's
# command register in QEMU's trace. B's steps from adopt to destroy take
# about a millisecond of host time: one mark.
nic_marks() {
	local l=$1 t
	t=$(nic_when "$l.times" 'kexec_core: Starting new kernel')
	[ -z "$t" ] || echo "$t kexec -e"
	[ -z "$t" ] || sed -nE 's/^[0-9]+@([0-9.]+):vtd_reg_write_gcmd .*/\1/p' "$l.qemu" |
		awk -v a="$t" '$1 > a { print $1, "B: DMAR init"; exit }'
	t=$(nic_when "$l.times" '^khotest: init stage=.* phase=2 ')
	[ -z "$t" ] || echo "$t B: /init"
	t=$(nic_when "$l.times" '^ok [0-9]+ - IOMMU_KHO_ADOPT')
	[ -z "$t" ] || echo "$t B: adopt, rebuild, replace, destroy"
}

# The NIC's DMAs of log $1 as "SECONDS-AFTER-$2 COUNT-SINCE-THEN
# INTERVAL-MS", and a last point where the sender's data ended: a NIC
# that stopped stays flat to there.
nic_series() {
	local to
	to=$(sed -nE 's/^nic_send: .* data_to=([0-9.]+).*/\1/p' "$1.sender")
	(
		log=$1
		. "$top/tests/scenarios/nic-rx-live-update.sh"
		nic_times
	) | awk -v t0="$2" -v to="${to:-0}" '
		{ t[++n] = $1 - t0; if ($1 <= t0) z = n }
		END {
			for (i = 2; i <= n; i++)
				print t[i], i - z, (t[i] - t[i - 1]) * 1000
			if (to - t0 > t[n])
				print to - t0, n - z, "NaN"
		}'
}

nic_plot() {
	local live=$1 control=$2 png=$3 dat=${3%.png} t0 c0 lo hi term
	t0=$(nic_when "$live.times" 'kexec_core: Starting new kernel')
	c0=$(nic_when "$control.times" 'kexec_core: Starting new kernel')
	[ -n "$t0" ] && [ -n "$c0" ] || { echo "bench: no kexec in the NIC logs to plot" >&2; return 1; }
	nic_series "$live" "$t0" > "$dat-live.dat"
	nic_series "$control" "$c0" > "$dat-control.dat"
	# Marks closer than 50 ms share one line and one label.
	nic_marks "$live" | awk -v t0="$t0" '
		{ t = $1 - t0; $1 = ""; what = substr($0, 2) }
		n && t - at[n] < 0.05 { label[n] = label[n] "; " what; next }
		{ at[++n] = t; label[n] = what }
		END { for (i = 1; i <= n; i++) print at[i] "\t" label[i] }' > "$dat-marks.dat"
	read -r lo hi < <(awk -F'\t' 'NR == 1 { lo = $1 } { hi = $1 } END { print lo - 1, hi + 1.5 }' "$dat-marks.dat")
	term=png
	gnuplot -e 'set terminal' 2>/dev/null | grep -q pngcairo && term=pngcairo
	{
		cat <<EOT
set terminal $term size 1000,750
set output '$png'
set multiplot layout 2,1 title "e1000 receiving 1000 frames/s through a live update (QEMU TCG q35, legacy VT-d; from QEMU's trace of its translations)"
set xrange [$lo:$hi]
set grid
set key bottom right opaque
set ylabel "the NIC's DMAs since A kexecs"
set format x ''
EOT
		awk -F'\t' '{ printf "set arrow from %s, graph 0 to %s, graph 1 nohead dt 2 lc rgb \"gray40\"\n", $1, $1
			printf "set label \"%s\" at %s, graph %.2f rotate by 90 right offset -0.6,0 font \",9\"\n", $2, $1, 0.98 }' \
			"$dat-marks.dat"
		cat <<EOT
plot '$dat-live.dat' using 1:2 with lines lw 2 title 'this project: translation kept, device preserved', \\
     '$dat-control.dat' using 1:2 with lines lw 2 title 'control: A shuts down as 6.12 does; the NIC stops'
unset label
set format x '%g'
set xlabel 'host seconds after A starts the kexec'
set ylabel 'interval since the previous DMA (ms)'
set logscale y
set yrange [0.01:5000]
plot '$dat-live.dat' using 1:3 with points pt 7 ps 0.3 title 'this project', \\
     '$dat-control.dat' using 1:3 with points pt 7 ps 0.3 title 'control'
unset multiplot
EOT
	} | gnuplot
}
