# SPDX-License-Identifier: GPL-2.0
# kho-corrupt-fdt: kho-corrupt, breaking the handover with "fdt-crc".
corrupt=fdt-crc reason="FDT checksum mismatch"
. "$top/tests/scenarios/kho-corrupt.sh"
