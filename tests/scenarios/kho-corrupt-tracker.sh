# SPDX-License-Identifier: GPL-2.0
# kho-corrupt-tracker: kho-corrupt, breaking the handover with "tracker-no-ram".
corrupt=tracker-no-ram reason="tracker node outside RAM"
. "$top/tests/scenarios/kho-corrupt.sh"
