# SPDX-License-Identifier: GPL-2.0
# kho-preserve-sparse: kho-preserve with 64 MiB of 4 KiB folios scattered one
# in eight over 512 MiB, so the next kernel protects thousands of separate
# runs (memblock must not take quadratic time over them).
preserve=order=0,spread=8
. "$top/tests/scenarios/kho-preserve.sh"
