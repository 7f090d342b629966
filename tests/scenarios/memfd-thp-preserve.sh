# SPDX-License-Identifier: GPL-2.0
# memfd-thp-preserve: memfd-preserve with A's 256 MiB memfd in 2 MiB THP
# folios (shmem_enabled=always on A only): B restores each at its pfn and
# order, and its page cache holds the same 128 huge folios, not split.
thp=1
. "$top/tests/scenarios/memfd-preserve.sh"
