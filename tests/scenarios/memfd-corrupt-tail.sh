# SPDX-License-Identifier: GPL-2.0
# memfd-corrupt-tail: memfd-corrupt with a tail entry that no head announced.
corrupt=memfd-tail reason="victim: corrupt page list, not restorable"
. "$top/tests/scenarios/memfd-corrupt.sh"
