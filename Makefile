# SPDX-License-Identifier: GPL-2.0
#
# KHO for Linux 6.12: the one entry point.
#
#   make demo     narrated live update run in QEMU
#   make check    every test; ends with "N passed, N failed"
#   make bench    benchmarks
#   make series   git-am-able patch series against the recorded base
#   make deps     install the Debian packages the project needs
#
# KSRC=/path/to/linux-6.12 builds against your own tree instead of
# Debian's linux-source-6.12. BUILD=/path moves the build directory.
# LLVM=1 builds the kernel with clang and lld instead of gcc.

TOP   := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD ?= $(TOP)/build
export BUILD KSRC LLVM

.PHONY: all deps kernel guest initramfs tools check demo series bench clean distclean

all: initramfs tools

deps:
	@$(TOP)/scripts/deps.sh

kernel: deps
	@$(TOP)/scripts/build-kernel.sh

# The kselftest (tools/testing/selftests/kho) builds in the kernel tree
# it is part of, as kernel teams build it, against our uapi headers.
guest: kernel
	@$(MAKE) -s -C $(TOP)/tests/guest O=$(BUILD)/guest \
		UAPI=$(BUILD)/obj/usr/include
	@$(MAKE) -s -C $(BUILD)/src/tools/testing/selftests/kho OUTPUT=$(BUILD)/guest \
		KHDR_INCLUDES="-isystem $(BUILD)/obj/usr/include" USERLDFLAGS=-static

initramfs: guest tools
	@$(TOP)/scripts/mkinitramfs.sh

# kho-dump for the host, and its static twin for the test VM: every
# executable in $(BUILD)/guest lands in the initramfs's /tests/bin.
tools: deps
	@$(MAKE) -s -C $(TOP)/tools/kho-dump O=$(BUILD)/tools/kho-dump all static
	@mkdir -p $(BUILD)/guest
	@install -m 0755 $(BUILD)/tools/kho-dump/kho-dump-static $(BUILD)/guest/kho-dump
	@$(CC) -O2 -Wall -Wextra -Werror -o $(BUILD)/tools/nic_send $(TOP)/tests/host/nic_send.c

check: deps
	@$(TOP)/scripts/check.sh

demo: initramfs
	@$(TOP)/scripts/demo.sh

bench: initramfs
	@$(TOP)/scripts/bench.sh

series: deps
	@$(TOP)/scripts/mkseries.sh

clean:
	rm -rf $(BUILD)/obj $(BUILD)/obj-debug $(BUILD)/guest $(BUILD)/tools $(BUILD)/initramfs* \
		$(BUILD)/logs $(BUILD)/state/config-sum*

distclean:
	rm -rf $(BUILD)
