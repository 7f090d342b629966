# SPDX-License-Identifier: GPL-2.0
# kho-corrupt: A freezes, then damages the sealed handover on purpose with the
# word in $corrupt; B must reject it with one "KHO: handover rejected" line,
# report state "bad" and boot cold: kho_test must not get anything back.
#
# A variant breaks the handover another way with a two-line scenario file,
# e.g. tests/scenarios/kho-corrupt-fdt.sh:
#	corrupt=fdt-crc reason="FDT checksum mismatch"
#	. "$top/tests/scenarios/kho-corrupt.sh"
# $reason is what B's rejection line must say.
corrupt=${corrupt:-hdr-crc}
reason=${reason:-header checksum mismatch}
append="khotest.stage=kho-corrupt khotest.corrupt=$corrupt"
timeout=180
boots=2

check() {
	has "kho-corrupt: A corrupted=$corrupt;" || bad "A did not corrupt the handover ($corrupt)"
	[ "$(field 'kho-corrupt: state=' state)" = bad ] ||
		bad "B's KHO state is not bad: $(console | grep -m1 'kho-corrupt: state=' || echo 'not reported')"
	has "^KHO: handover rejected: $reason" ||
		bad "B did not reject with '$reason': $(console | grep -m1 '^KHO: handover rejected' || echo 'no rejection line')"
	[ "$(count '^kho_test: verify')" -eq 0 ] ||
		bad "kho_test verified data from a rejected handover: $(console | grep -m1 '^kho_test: verify')"
}
