# SPDX-License-Identifier: GPL-2.0
# memfd-corrupt-align: memfd-corrupt with a folio of an order its place in
# the file does not align.
corrupt=memfd-align reason="victim: corrupt page list, not restorable"
. "$top/tests/scenarios/memfd-corrupt.sh"
