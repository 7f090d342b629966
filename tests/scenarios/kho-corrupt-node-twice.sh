# SPDX-License-Identifier: GPL-2.0
# kho-corrupt-node-twice: kho-corrupt, breaking the handover with "node-twice".
corrupt=node-twice reason="preserved ranges overlap"
. "$top/tests/scenarios/kho-corrupt.sh"
