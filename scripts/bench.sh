#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: what KHO costs, measured in QEMU TCG on one machine shape.
#
#   scripts/bench.sh            every configuration RUNS times (default 5);
#                               prints a table, writes $BUILD/bench/results.tsv
#                               and $BUILD/bench/early-restore.png
#   scripts/bench.sh --smoke    one small configuration once: one TAP line
#   scripts/bench.sh --report   the table and plot again from the last runs
#
# Each run boots kernel A with khotest.stage=bench (tests/stages/bench),
# which preserves memory through kho_test and kexecs into kernel B. The
# kernels print the timings (kho_test: preserve/restore/check, KHO: frozen/
# early restore/finished); this script reads them from the serial log.
# Environment: VM_MEM (8G), VM_SMP (2), RUNS (5), ONLY="config ..." to run
# a subset, VERIFY=1 to fill and check every byte (slower).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
export BUILD=${BUILD:-$top/build}
out=$BUILD/bench
mkdir -p "$out" "$BUILD/logs"
# The machine shape of the full bench; the smoke run uses the tests' default.
if [ "${1:-}" != --smoke ]; then
	: "${VM_MEM:=8G}" "${VM_SMP:=2}"
	export VM_MEM VM_SMP
fi
. "$top/tests/qemu.sh"
. "$top/tests/lib.sh"
. "$top/scripts/bench-nic.sh"

# Configurations: name, size, folio order, spread, extra command line.
# restore=0 leaves the memory to finish, so kernel B's time to /init holds
# only what KHO itself costs; the plain kexec preserves nothing. The vtd-*
# configurations preserve a memfd of that size mapped in an IOAS with the
# edu device attached (tests/guest/vtd_bench.c): -hwpt also preserves the
# HWPT and the device, -map does not, so the two differ only by the
# preserved domain. vmm-live is the VMM's whole live update (vtd_kho
# gap-arm on A, live on B): adopt, replace and destroy latencies, and the
# DMA gap from a back-to-back DMA loop on A until the kexec stops it to
# B's first DMA, on the TSC, which runs on across the kexec. nic and
# nic-control are the scenarios nic-rx-live-update and nic-rx-control
# (scripts/bench-nic.sh), NIC_RUNS times (default 3): the e1000's DMA gap
# across the update from QEMU's trace, frames lost, and the kexec on the
# host's clock. memfd-* preserve guest RAM as a memfd through /dev/kho
# (tests/guest/kho_memfd: filled, preserved, restored in B and checked
# byte for byte and pfn by pfn), of 4 KiB pages, of 2 MiB THP folios
# (khotest.thp=1) or of hugetlb pages (-h2m, -h1g: khotest.hugetlb=, the
# pool on the command line, which B inherits), timing the preserve and
# restore ioctls (and, for hugetlb, B's claim of the pages into the pool
# at boot).
configs="\
plain      0    random 1 kho_test.restore=0
4k-64M     64M  0      1 -
4k-256M    256M 0      1 -
4k-1G      1G   0      1 -
4k-2G      2G   0      1 -
4k-4G      4G   0      1 -
2m-64M     64M  9      1 -
2m-256M    256M 9      1 -
2m-1G      1G   9      1 -
2m-2G      2G   9      1 -
2m-4G      4G   9      1 -
4k-4G-idle 4G   0      1 kho_test.restore=0
2m-4G-idle 4G   9      1 kho_test.restore=0
4k-sparse  256M 0      8 -
vtd-map-1G  1G  0      1 khotest.vtd=map
vtd-hwpt-1G 1G  0      1 khotest.vtd=hwpt
vtd-hwpt-64M 64M 0     1 khotest.vtd=hwpt
vmm-live    0   0      1 khotest.vtd=live
memfd-4k-1G  1G 0      1 khotest.memfd=1
memfd-thp-1G 1G 9      1 khotest.memfd=1,khotest.thp=1
memfd-4k-4G  4G 0      1 khotest.memfd=1
memfd-thp-4G 4G 9      1 khotest.memfd=1,khotest.thp=1
memfd-h2m-1G 1G 9      1 khotest.memfd=1,khotest.hugetlb=2M,hugepagesz=2M,hugepages=513
memfd-h1g-1G 1G 18     1 khotest.memfd=1,khotest.hugetlb=1G,hugepagesz=1G,hugepages=2
memfd-h2m-4G 4G 9      1 khotest.memfd=1,khotest.hugetlb=2M,hugepagesz=2M,hugepages=2049
memfd-h1g-4G 4G 18     1 khotest.memfd=1,khotest.hugetlb=1G,hugepagesz=1G,hugepages=5
nic         0   0      1 scenario=nic-rx-live-update
nic-control 0   0      1 scenario=nic-rx-control"

# Print "key value" lines for one run's serial log; A is the first kernel.
parse_log() {
	sed 's/\r$//' "$1" | awk -v tsc_khz="${TSC_KHZ:-0}" '
	function val(s, key,   m) {
		if (!match(s, "(^| )" key "=[^ ]*"))
			return ""
		m = substr(s, RSTART, RLENGTH)
		sub(/^ /, "", m)
		sub(/^[^=]*=/, "", m)
		return m
	}
	function lastnum(s) { sub(/ ns$/, "", s); sub(/.* /, "", s); return s }
	{
		ts = ""
		if (match($0, /\[ *[0-9]+\.[0-9]+\] /)) {
			ts = substr($0, RSTART + 1, RLENGTH - 3)
			gsub(/ /, "", ts)
			$0 = substr($0, RSTART + RLENGTH)
		}
	}
	/^Linux version / { k++ }
	k == 1 && /^kho_test: preserve: / {
		print "preserve_folios", val($0, "folios")
		print "preserve_ns", val($0, "ns")
		print "preserve_ns_per_folio", val($0, "ns_per_folio")
	}
	k == 1 && /^khotest: bench: stats: preserved bytes: / { print "preserved_bytes", $NF }
	k == 1 && /^khotest: bench: stats: tracker bytes: / { print "tracker_bytes", $NF }
	# The last freeze is the one of the kexec, an earlier one warmed the code.
	k == 1 && /^KHO: frozen: / { fz[++nf] = lastnum($0) }
	k == 1 && /^kho_memfd: time preserve vm-ram ns=/ { print "memfd_preserve_ns", val($0, "ns") }
	k == 1 && /^kho_memfd: preserved vm-ram / {
		print "memfd_pages", val($0, "pages")
		print "memfd_folios", val($0, "folios")
	}
	k == 2 && /^kho_memfd: time restore vm-ram ns=/ { print "memfd_restore_ns", val($0, "ns") }
	k == 2 && /^kho_memfd: (PASS|FAIL)$/ { print "memfd_verdict", $2 }
	k == 2 && /^KHO: memfd: vm-ram: restored [0-9]+ pages in [0-9]+ folios: / {
		print "memfd_check_ns", $13 * 1000
		print "memfd_fill_ns", $18 * 1000
	}
	k == 2 && /^KHO: memfd: vm-ram: [0-9]+ huge pages of [0-9]+ KiB in their pool, in [0-9]+ us$/ {
		print "memfd_claim_ns", $14 * 1000
	}
	k == 2 && /^KHO: memfd: vm-ram: of which [0-9]+ us making them folios again$/ {
		print "memfd_take_ns", $6 * 1000
	}
	k == 1 && /^vtd_bench: [a-z_]+_ns=[0-9]+$/ {
		split($2, f, "=")
		print f[1], f[2]
	}
	k == 2 && /^DMAR-KHO: .*translation kept on, / { print "frozen_devices", $6 }
	k == 2 && /^vtd_kho: step (adopt|replace|destroy-frozen-hwpt|critical-path) [0-9.]+ ms$/ {
		m = $3
		gsub(/-/, "_", m)
		printf "%s_ns %.0f\n", m, $4 * 1e6
	}
	k == 2 && /^vtd_kho: gap / && tsc_khz > 0 {
		print "a_dmas", val($0, "a_dmas")
		print "a_failed_dmas", val($0, "a_failed")
		printf "dma_gap_ns %.0f\n", (val($0, "b_first_tsc") - val($0, "a_last_tsc")) * 1e6 / tsc_khz
		printf "kexec_to_b_user_ns %.0f\n", (val($0, "b_start_tsc") - val($0, "a_kexec_tsc")) * 1e6 / tsc_khz
	}
	k == 2 && /^vtd_kho: PASS$/ { print "vmm_pass", 1 }
	k == 2 && /^tsc: Detected [0-9.]+ MHz processor/ { mhz = $3 }
	k == 2 && /^KHO: early restore: / {
		split($0, f, " ")
		print "early_runs", f[4]
		print "early_pages", f[6]
		print "early_cycles", f[8]
		cycles = f[8]
		fdt_cycles = f[13]
	}
	k == 2 && /^kho_test: restore: folios=/ {
		print "restore_ns", val($0, "ns")
		print "restore_ns_per_folio", val($0, "ns_per_folio")
	}
	k == 2 && /^kho_test: restore: skipped/ { print "verdict", "skipped" }
	k == 2 && /^kho_test: check: / { print "check_ns", val($0, "ns") }
	k == 2 && /^kho_test: verify / { split($0, f, " "); print "verdict", f[3] }
	k == 2 && /^KHO: finished: / {
		split($0, f, " ")
		print "finish_pages", f[4]
		print "finish_ns", lastnum($0)
	}
	k == 2 && /^Run \/init as init process/ { printf "init_ns %.0f\n", ts * 1e9 }
	END {
		if (nf)
			print "freeze_ns", fz[nf]
		if (nf > 1)
			print "freeze_cold_ns", fz[1]
		if (cycles != "" && mhz > 0)
			printf "early_ns %.0f\n", cycles * 1000 / mhz
		if (fdt_cycles != "" && mhz > 0)
			printf "early_fdt_ns %.0f\n", fdt_cycles * 1000 / mhz
	}
	'
}

# One VM run of configuration $1 (size order spread extra) into log $2;
# writes the parsed values to $2.kv and returns 1 with $reasons set on
# failure.
run_one() {
	local size=$1 order=$2 spread=$3 extra=$4 log=$5 rc want verdict k
	local append="khotest.stage=bench khotest.size=$size khotest.order=$order khotest.spread=$spread"
	[ "$extra" = - ] || append="$append ${extra//,/ }"
	[ -z "${TSC_KHZ:-}" ] || append="$append tsc_early_khz=$TSC_KHZ"
	[ "${VERIFY:-0}" = 1 ] || [ -n "${SMOKE:-}" ] || append="$append kho_test.verify=0"
	reasons=()
	run_vm "$log" "${RUN_TIMEOUT:-900}" legacy "$append"
	rc=$?
	common_checks $rc 2 0
	has "khotest: stage bench phase 2 exit 0$" || bad "the bench stage did not finish in kernel B"
	parse_log "$log" > "$log.kv"
	want="early_ns freeze_ns finish_ns init_ns tracker_bytes verdict"
	case "$extra" in
	*khotest.vtd=hwpt*) want="$want hwpt_preserve_ns attach_ns frozen_devices" ;;
	*khotest.vtd=live*)
		want="$want frozen_devices adopt_ns replace_ns destroy_frozen_hwpt_ns critical_path_ns dma_gap_ns kexec_to_b_user_ns a_dmas vmm_pass"
		;;
	*khotest.vtd=*) want="$want attach_ns" ;;
	*khotest.memfd=*)
		want="$want memfd_preserve_ns memfd_restore_ns memfd_folios memfd_check_ns"
		awk '$1 == "memfd_verdict" && $2 == "PASS" { ok = 1 } END { exit !ok }' "$log.kv" ||
			bad "kernel B: kho_memfd did not pass: $(console | grep -m1 '^not ok' || echo 'no PASS line')"
		;;
	*)
		[ "$size" = 0 ] || want="$want preserve_ns_per_folio"
		case "$extra" in *restore=0*) ;; *) want="$want restore_ns" ;; esac
		;;
	esac
	[ -n "${SMOKE:-}" ] && want="$want check_ns"
	for k in $want; do
		grep -q "^$k [0-9a-zA-Z]" "$log.kv" || bad "no $k in the log"
	done
	verdict=$(awk '$1 == "verdict" { print $2 }' "$log.kv")
	case "$verdict" in
	PASS|UNCHECKED|skipped) ;;
	*) bad "kernel B: $(console | grep -m1 '^kho_test: verify' || echo 'no verify line')" ;;
	esac
	[ ${#reasons[@]} -eq 0 ]
}

if [ "${1:-}" = --smoke ]; then
	SMOKE=1
	log=$BUILD/logs/bench-smoke.log
	if run_one 64M 0 1 - "$log"; then
		awk '$1 == "verdict" && $2 != "PASS" { exit 1 }' "$log.kv" ||
			bad "contents not verified"
		bytes=$(field '^kho_test: verify PASS' bytes)
		[ "$bytes" = 67108864 ] || bad "verified $bytes bytes, expected 67108864"
	fi
	report bench-smoke
	exit
fi

: "${RUNS:=5}"
runs=$out/runs.tsv
failed=0
if [ "${1:-}" = --report ]; then
	[ -s "$runs" ] || { echo "bench: no runs in $runs" >&2; exit 1; }
	ONLY=none
else
	: > "$runs"
	# Every kernel gets the TSC frequency on its command line, so the
	# printk clock (and so "Run /init") counts from early in setup_arch in
	# every boot: under TCG the early PIT calibration often fails, and the
	# clock would then start only after the memory init KHO changes.
	if [ -z "${TSC_KHZ:-}" ]; then
		log=$BUILD/logs/bench-tsc.log
		run_vm "$log" 300 legacy khotest.stage=none
		TSC_KHZ=$(console | sed -nE 's/^tsc: Detected ([0-9]+)\.([0-9]{3}) MHz processor.*/\1\2/p' | head -n1)
		[ -n "$TSC_KHZ" ] || { echo "bench: cannot find the TSC frequency in $log" >&2; exit 1; }
	fi
	{
		echo "# make bench: QEMU TCG q35, -m $VM_MEM -smp $VM_SMP, $RUNS runs each, tsc_early_khz=$TSC_KHZ"
		echo "# host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg) at the start"
		echo "# $(qemu-system-x86_64 --version | head -n1); kernel $(cat "$BUILD/state/base-version" 2>/dev/null)"
	} > "$out/header.txt"
	cat "$out/header.txt"
fi
RUNS=$(sed -nE 's/.*, ([0-9]+) runs each.*/\1/p' "$out/header.txt")
while read -r name size order spread extra; do
	if [ -n "${ONLY:-}" ] && ! [[ " $ONLY " == *" $name "* ]]; then
		continue
	fi
	n=$RUNS
	[[ "$extra" != scenario=* ]] || n=${NIC_RUNS:-3}
	for run in $(seq 1 "$n"); do
		log=$BUILD/logs/bench-$name-$run.log
		start=$SECONDS
		if [[ "$extra" == scenario=* ]]; then
			nic_run "${extra#scenario=}" "$log"
		else
			run_one "$size" "$order" "$spread" "$extra" "$log"
		fi
		if [ $? -eq 0 ]; then
			awk -v c="$name" -v r="$run" '{ print c "\t" r "\t" $1 "\t" $2 }' \
				"$log.kv" >> "$runs"
			echo "# $name run $run: $((SECONDS - start)) s"
		else
			failed=1
			report "bench $name run $run"
		fi
	done
done <<< "$configs"

# results.tsv: config, metric, median, min, max, runs (integers; ns, bytes).
awk -F'\t' '
	$3 != "verdict" { v[$1 SUBSEP $3] = v[$1 SUBSEP $3] " " $4 }
	!seen[$1]++ { order[++n] = $1 }
	END {
		print "config\tmetric\tmedian\tmin\tmax\truns"
		for (i = 1; i <= n; i++)
			for (key in v) {
				split(key, ck, SUBSEP)
				if (ck[1] == order[i])
					print ck[1] "\t" ck[2] "\t" v[key]
			}
	}' "$runs" |
	while IFS=$'\t' read -r c m vals; do
		if [ "$c" = config ]; then
			echo "$c	$m	$vals"
			continue
		fi
		# shellcheck disable=SC2086
		sorted=$(printf '%s\n' $vals | sort -n)
		n=$(wc -l <<< "$sorted")
		med=$(sed -n "$(((n + 1) / 2))p" <<< "$sorted")
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$m" "$med" \
			"$(head -n1 <<< "$sorted")" "$(tail -n1 <<< "$sorted")" "$n"
	done > "$out/results.tsv"

# r CONFIG METRIC [FIELD]: a field (median, default; min; max) of a result.
r() {
	awk -F'\t' -v c="$1" -v m="$2" -v f="${3:-median}" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == c && $2 == m { print $col[f]; found = 1 }
		END { if (!found) print "" }' "$out/results.tsv"
}
# ms CONFIG METRIC [us]: "median (min-max)" of a ns metric in ms, or of
# a microsecond one (us) in ms with one decimal.
ms() {
	local med lo hi div=1e6 f=%.3f
	[ "${3:-}" != us ] || div=1e3 f=%.1f
	med=$(r "$1" "$2") lo=$(r "$1" "$2" min) hi=$(r "$1" "$2" max)
	[ -n "$med" ] || { echo "-"; return; }
	awk -v a="$med" -v b="$lo" -v c="$hi" -v d="$div" -v f="$f" \
		'BEGIN { printf f " ms (" f "-" f ")", a / d, b / d, c / d }'
}
ns() {
	local med
	med=$(r "$1" "$2")
	[ -n "$med" ] || { echo "-"; return; }
	echo "$med ns ($(r "$1" "$2" min)-$(r "$1" "$2" max))"
}
kib_per_gib() {
	local t p
	t=$(r "$1" tracker_bytes) p=$(r "$1" preserved_bytes)
	[ -n "$t" ] && [ -n "$p" ] || { echo "-"; return; }
	awk -v t="$t" -v p="$p" 'BEGIN { printf "%.1f KiB/GiB (%d KiB for %.2f GiB)", t / 1024 / (p / 2^30), t / 1024, p / 2^30 }'
}
# per_page CONFIG: the memfd restore's median ns per 4 KiB page.
per_page() {
	local t p
	t=$(r "$1" memfd_restore_ns) p=$(r "$1" memfd_pages)
	[ -n "$t" ] && [ -n "$p" ] || { echo "-"; return; }
	awk -v t="$t" -v p="$p" 'BEGIN { printf "%.1f ns", t / p }'
}
ratio() {
	local a b
	a=$(r "$1" "$2") b=$(r "$3" "$4")
	[ -n "$a" ] && [ -n "$b" ] || { echo "-"; return; }
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3fx", a / b }'
}

{
echo
echo "1. Preserve, ns per folio (median (min-max)); upstream 140-190 ns for 4 KiB, target <= 0.5x"
for s in 64M 1G 4G; do
	printf '   %-5s 4 KiB: %-28s 2 MiB: %s\n' "$s" "$(ns "4k-$s" preserve_ns_per_folio)" "$(ns "2m-$s" preserve_ns_per_folio)"
done
echo "2. Freeze; target: 4 GiB <= 1.2x 64 MiB"
printf '   4 KiB folios: 64 MiB %s, 4 GiB %s: %s\n' "$(ms 4k-64M freeze_ns)" "$(ms 4k-4G freeze_ns)" "$(ratio 4k-4G freeze_ns 4k-64M freeze_ns)"
printf '   2 MiB folios: 64 MiB %s, 4 GiB %s: %s\n' "$(ms 2m-64M freeze_ns)" "$(ms 2m-4G freeze_ns)" "$(ratio 2m-4G freeze_ns 2m-64M freeze_ns)"
echo "3. Kernel B: early restore (handover found -> all preserved memory reserved); owner restores all folios; finish"
echo "   upstream early boot, 4 KiB: 13.7 ms 64 MiB, 183 ms 1 GiB, 850 ms 4 GiB (target <= 85 ms); 2 MiB: 0.74 ms 1 GiB"
for c in 4k-64M 4k-256M 4k-1G 4k-2G 4k-4G 2m-64M 2m-256M 2m-1G 2m-2G 2m-4G 4k-sparse 4k-4G-idle 2m-4G-idle; do
	printf '   %-10s early %-30s runs %-6s then FDT check %s; owner restore %-30s finish %s\n' "$c" \
		"$(ms "$c" early_ns)" "$(r "$c" early_runs)" "$(ms "$c" early_fdt_ns)" \
		"$(ms "$c" restore_ns)" "$(ms "$c" finish_ns)"
done
echo "4. Kernel B's time to /init (printk clock); target <= 1.05x plain kexec; upstream +1.7 s for 4 GiB of 4 KiB"
printf '   plain kexec: %s\n' "$(ms plain init_ns)"
printf '   4 GiB 4 KiB: %s: %s\n' "$(ms 4k-4G-idle init_ns)" "$(ratio 4k-4G-idle init_ns plain init_ns)"
printf '   4 GiB 2 MiB: %s: %s\n' "$(ms 2m-4G-idle init_ns)" "$(ratio 2m-4G-idle init_ns plain init_ns)"
echo "5. Tracker memory per preserved GiB; target <= 36 KiB for dense 4 KiB"
printf '   dense 4 KiB:  %s; %s\n' "$(kib_per_gib 4k-4G)" "$(kib_per_gib 4k-1G)"
printf '   dense 2 MiB:  %s; %s\n' "$(kib_per_gib 2m-4G)" "$(kib_per_gib 2m-1G)"
printf '   sparse 4 KiB: %s\n' "$(kib_per_gib 4k-sparse)"
echo "6. VT-d: a memfd of 1 GiB (4 KiB pages) mapped whole, the edu device attached"
printf '   IOMMU_HWPT_KHO_PRESERVE of the 1 GiB HWPT: %s (for scale: the attach that pins and maps it: %s); of a 64 MiB one: %s\n' \
	"$(ms vtd-hwpt-1G hwpt_preserve_ns)" "$(ms vtd-hwpt-1G attach_ns)" "$(ms vtd-hwpt-64M hwpt_preserve_ns)"
printf '   freeze with a preserved HWPT mapping 64 MiB %s, 1 GiB %s: %s (the freeze does not walk it)\n' \
	"$(ms vtd-hwpt-64M freeze_ns)" "$(ms vtd-hwpt-1G freeze_ns)" "$(ratio vtd-hwpt-1G freeze_ns vtd-hwpt-64M freeze_ns)"
printf '   freeze, HWPT preserved %s vs not %s: %s (target <= 1.1x)\n' \
	"$(ms vtd-hwpt-1G freeze_ns)" "$(ms vtd-map-1G freeze_ns)" "$(ratio vtd-hwpt-1G freeze_ns vtd-map-1G freeze_ns)"
printf '     (after one freeze and abort in each: the first freeze of a boot, %s vs %s, is mostly TCG translating code run for the first time)\n' \
	"$(ms vtd-hwpt-1G freeze_cold_ns)" "$(ms vtd-map-1G freeze_cold_ns)"
printf '   kernel B to /init, HWPT preserved %s vs plain kexec %s: %s (target <= 1.05x); vs memfd only: %s\n' \
	"$(ms vtd-hwpt-1G init_ns)" "$(ms plain init_ns)" "$(ratio vtd-hwpt-1G init_ns plain init_ns)" \
	"$(ratio vtd-hwpt-1G init_ns vtd-map-1G init_ns)"
printf '   finish in B (walks the frozen tables to own them): %s vs %s\n' \
	"$(ms vtd-hwpt-1G finish_ns)" "$(ms vtd-map-1G finish_ns)"
echo "7. The VMM's live update (make demo's flow, an 8-page guest RAM memfd, the edu device)"
printf '   adopt %s, replace %s, destroy %s; critical path (B: VMM start to device adopted): %s\n' \
	"$(ms vmm-live adopt_ns)" "$(ms vmm-live replace_ns)" "$(ms vmm-live destroy_frozen_hwpt_ns)" \
	"$(ms vmm-live critical_path_ns)"
printf '   DMA gap (A last DMA -> B first): %s; kexec (A reboot() -> B userspace): %s: %s (target <= 1x); failed DMAs on A: %s of %s\n' \
	"$(ms vmm-live dma_gap_ns)" "$(ms vmm-live kexec_to_b_user_ns)" \
	"$(ratio vmm-live dma_gap_ns vmm-live kexec_to_b_user_ns)" \
	"$(r vmm-live a_failed_dmas max)" "$(r vmm-live a_dmas)"
echo "8. A NIC receiving 1000 frames/s through the update (nic-rx-live-update; control: A shuts down as 6.12 does)"
printf '   DMA gap (QEMU trace, longest interval between two of its DMAs): %s, steady state before the update %s; control %s\n' \
	"$(ms nic nic_gap_us us)" "$(ms nic nic_steady_us us)" "$(ms nic-control nic_gap_us us)"
printf '   kexec (host clock, A armed -> B init): %s: gap %s of it (target <= 1x); control %s\n' \
	"$(ms nic nic_kexec_us us)" "$(ratio nic nic_gap_us nic nic_kexec_us)" "$(ratio nic-control nic_gap_us nic-control nic_kexec_us)"
printf '   frames lost: %s (max of the runs) of %s sent; control: B has %s of %s (its adopt fails: the NIC stopped, the ring was not handed over)\n' \
	"$(r nic nic_lost max)" "$(r nic nic_sent)" "$(r nic-control nic_b_frames max)" "$(r nic-control nic_sent)"
echo "9. Guest RAM in a memfd, by folio size (restore: one record and one page cache insertion per folio)"
echo "   targets: restore of 4 GiB in 2 MiB folios <= 5 ms, in 1 GiB pages <= 1 ms; 4 KiB restore <= 150 ns per page, ioctl included"
echo "   (h2m, h1g: hugetlb memfds, whose pages B claims into their pool at boot: 'claimed' is that part of B's boot)"
for s in 1G 4G; do
	for p in 4k thp h2m h1g; do
		c=memfd-$p-$s
		printf '   %-12s %s folios: preserve %-28s restore %-28s = %s per page; B to /init %s\n' "$c" \
			"$(r "$c" memfd_folios)" "$(ms "$c" memfd_preserve_ns)" "$(ms "$c" memfd_restore_ns)" \
			"$(per_page "$c")" "$(ms "$c" init_ns)"
		printf '   %-12s of the restore: list check %s, taking the folios into the page cache %s, of which making them folios again %s\n' "" \
			"$(ms "$c" memfd_check_ns)" "$(ms "$c" memfd_fill_ns)" "$(ms "$c" memfd_take_ns)"
		case $p in h*)
			printf '   %-12s claimed into the pool at boot in %s\n' "" "$(ms "$c" memfd_claim_ns)" ;;
		esac
	done
done
printf '   restore, 4 KiB against 2 MiB folios: %s at 1 GiB, %s at 4 GiB\n' \
	"$(ratio memfd-4k-1G memfd_restore_ns memfd-thp-1G memfd_restore_ns)" \
	"$(ratio memfd-4k-4G memfd_restore_ns memfd-thp-4G memfd_restore_ns)"
printf '   restore, 4 KiB against 2 MiB hugetlb: %s at 4 GiB; against 1 GiB hugetlb: %s\n' \
	"$(ratio memfd-4k-4G memfd_restore_ns memfd-h2m-4G memfd_restore_ns)" \
	"$(ratio memfd-4k-4G memfd_restore_ns memfd-h1g-4G memfd_restore_ns)"
} > "$out/table.body"
cat "$out/header.txt" "$out/table.body" > "$out/table.txt"
if [ "${1:-}" = --report ]; then
	cat "$out/table.txt"
else
	cat "$out/table.body"
fi
rm -f "$out/table.body"

# The plot: early restore against preserved size, median with min/max.
{
	for o in 4k 2m; do
		for s in 64M 256M 1G 2G 4G; do
			med=$(r "$o-$s" early_ns)
			[ -n "$med" ] || continue
			mib=$(numfmt --from=iec "$s" | awk '{ print $1 / 2^20 }')
			echo "$mib $(awk -v a="$med" -v b="$(r "$o-$s" early_ns min)" \
				-v c="$(r "$o-$s" early_ns max)" 'BEGIN { print a / 1e6, b / 1e6, c / 1e6 }')"
		done
		printf '\n\n'
	done
} > "$out/early-restore.dat"
term=png
gnuplot -e 'set terminal' 2>/dev/null | grep -q pngcairo && term=pngcairo
floor=$(r plain early_ns)
gnuplot <<EOT
set terminal $term size 900,600
set output '$out/early-restore.png'
set title "KHO early-boot restore in kernel B (QEMU TCG q35, -m $VM_MEM -smp $VM_SMP, median of $RUNS, min-max bars)"
set xlabel 'preserved memory (MiB)'
set ylabel 'handover found -> all preserved memory reserved (ms)'
set logscale xy
set xrange [40:6000]
set xtics (64, 256, 1024, 2048, 4096)
set grid
set key top left opaque
set yrange [0.1:30000]
plot '$out/early-restore.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 title 'this project, 4 KiB folios', \
     '' index 1 using 1:2:3:4 with yerrorlines lw 2 title 'this project, 2 MiB folios', \
     '-' using 1:2 with linespoints dt 2 title 'upstream 7.3, 4 KiB folios', \
     '-' using 1:2 with points pt 7 ps 1.5 title 'upstream 7.3, 2 MiB folios'${floor:+, \
     $floor / 1e6 with lines dt 3 lc rgb 'gray40' title 'this project, nothing preserved (plain kexec)'}
64 13.7
1024 183
4096 850
e
1024 0.74
e
EOT
plots=$out/early-restore.png
if [ -s "$BUILD/logs/bench-nic-1.log.times" ] && [ -s "$BUILD/logs/bench-nic-control-1.log.times" ]; then
	nic_plot "$BUILD/logs/bench-nic-1.log" "$BUILD/logs/bench-nic-control-1.log" "$out/nic-update.png" &&
		plots="$plots $out/nic-update.png"
fi
echo
echo "results: $out/results.tsv, plots: $plots, logs: $BUILD/logs/bench-*.log"
exit $failed
