# SPDX-License-Identifier: GPL-2.0
# memfd-preserve-1g: memfd-preserve with 1 GiB of guest RAM in the memfd.
size_mib=1024
. "$top/tests/scenarios/memfd-preserve.sh"
VM_MEM=3G
timeout=420
