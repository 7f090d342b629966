# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# The kernel toolchain, sourced by build-kernel.sh and lint.sh so that both
# run kbuild with the same compiler (a lint run with another CC would make
# kbuild reconfigure and rebuild the tree).
#
#   gcc (default)   CC=gcc, through ccache when it is installed
#   LLVM=1          clang, ld.lld and the LLVM binutils: kbuild's LLVM=1;
#                   LLVM=/usr/lib/llvm-N/bin/ and LLVM=-N work as in kbuild.
#                   CC is only given to put ccache in front of clang.
#
# Sets (not all of them are used by every script that sources this):
#   kbuild_cc       make arguments selecting the toolchain
#   toolchain_name  the compiler's version line, for messages
#   toolchain_desc  what .config depends on (build-kernel.sh hashes it)

LLVM=${LLVM:-}
if [ -n "$LLVM" ]; then
	case "$LLVM" in
	*/) llvm_bin=$LLVM llvm_suffix='' ;;
	-*) llvm_bin='' llvm_suffix=$LLVM ;;
	*) llvm_bin='' llvm_suffix='' ;;
	esac
	toolchain_cc=${llvm_bin}clang$llvm_suffix
	for tool in "$toolchain_cc" "${llvm_bin}ld.lld$llvm_suffix"; do
		command -v "$tool" >/dev/null || {
			echo "toolchain: LLVM=$LLVM needs $tool: run 'make deps'" >&2
			exit 1
		}
	done
	kbuild_cc=(LLVM="$LLVM")
	if command -v ccache >/dev/null; then
		kbuild_cc+=(CC="ccache $toolchain_cc")
	fi
else
	toolchain_cc=gcc
	kbuild_cc=(CC=gcc)
	if command -v ccache >/dev/null; then
		kbuild_cc=(CC="ccache gcc")
	fi
fi
toolchain_name=$("$toolchain_cc" --version | head -n 1)
toolchain_desc="LLVM=$LLVM $toolchain_name"
