# SPDX-License-Identifier: GPL-2.0
# kexec-baseline: A kexecs (kexec_file_load) into B; B must report the
# random marker A put on its command line. With nothing preserved, A must
# accept a plain kexec_load as stock 6.12 does (KHO refuses it only while
# state is preserved, see kho-preserve).
append="khotest.stage=kexec-baseline"
timeout=180
boots=2

check() {
	local a b
	a=$(field 'kexec-baseline: A marker=' marker)
	b=$(field 'kexec-baseline: B marker=' marker)
	[ -n "$a" ] || bad "kernel A printed no marker"
	[ -n "$b" ] || bad "kernel B did not report"
	[ -n "$a" ] && [ "$a" = "$b" ] || bad "marker mismatch: A=$a B=$b"
	has 'init stage=kexec-baseline phase=2' || bad "kernel B did not run phase 2"
	has '^khotest: kexec-baseline: A kexec_load with nothing preserved: accepted$' ||
		bad "A refused kexec_load with nothing preserved: $(console | grep -m1 'KHO state is preserved' || echo 'no accept line')"
}
