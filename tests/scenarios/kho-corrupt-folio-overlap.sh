# SPDX-License-Identifier: GPL-2.0
# kho-corrupt-folio-overlap: kho-corrupt, breaking the handover with "folio-overlap".
corrupt=folio-overlap reason="preserved ranges overlap"
. "$top/tests/scenarios/kho-corrupt.sh"
