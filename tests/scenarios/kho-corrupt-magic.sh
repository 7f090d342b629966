# SPDX-License-Identifier: GPL-2.0
# kho-corrupt-magic: kho-corrupt, breaking the handover with "hdr-magic".
corrupt=hdr-magic reason="bad header magic"
. "$top/tests/scenarios/kho-corrupt.sh"
