# SPDX-License-Identifier: GPL-2.0
# kho-corrupt-order: kho-corrupt, breaking the handover with "tracker-order".
corrupt=tracker-order reason="tracker order too high"
. "$top/tests/scenarios/kho-corrupt.sh"
