# SPDX-License-Identifier: GPL-2.0
# kho-corrupt-compatible: kho-corrupt, breaking the handover with "compatible".
corrupt=compatible reason="incompatible handover \(root compatible\)"
. "$top/tests/scenarios/kho-corrupt.sh"
