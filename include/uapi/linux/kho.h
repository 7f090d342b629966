/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Kexec HandOver (KHO): the handover ABI between two kernels, and the
 * constants userspace tools (kho-dump) share with the kernel.
 *
 * Documentation/kho/abi.rst describes every structure and FDT node here.
 * Any change to a layout below bumps KHO_ABI_VERSION and the compatible
 * strings; a kernel only accepts a handover of exactly its own version.
 */
#ifndef _UAPI_LINUX_KHO_H
#define _UAPI_LINUX_KHO_H

#include <linux/types.h>

#define KHO_ABI_VERSION		1

/* Root FDT node compatible, and the node/property names the core writes. */
#define KHO_FDT_COMPATIBLE	"linux,kho-v1"
#define KHO_FDT_PROP_TRACKER	"tracker"	/* u64: phys of struct kho_hdr */
#define KHO_FDT_PROP_SCRATCH	"scratch"	/* u64 pairs: base, size */
#define KHO_FDT_PROP_GENERATION	"generation"	/* u64: handovers so far */

/*
 * x86 setup_data entry type carrying struct kho_setup_data. Chosen far from
 * the small upstream SETUP_* numbers so it cannot be mistaken for one.
 */
#define KHO_SETUP_DATA_TYPE	0x4b48

#define KHO_SETUP_MAGIC		0x534f484bU	/* "KHOS" */
#define KHO_HDR_MAGIC		0x484f484bU	/* "KHOH" */

#define KHO_MAX_SCRATCH		8	/* scratch ranges in a handover */
#define KHO_NR_ORDERS		32	/* tracker roots, one per folio order */

/**
 * struct kho_scratch_range - physical memory the next kernel boots in
 * @base: start, pageblock aligned
 * @size: length in bytes, pageblock aligned
 */
struct kho_scratch_range {
	__u64 base;
	__u64 size;
};

/**
 * struct kho_setup_data - the payload of the KHO setup_data entry
 * @magic: KHO_SETUP_MAGIC
 * @version: KHO_ABI_VERSION
 * @size: sizeof(struct kho_setup_data)
 * @hdr_phys: physical address of the page holding struct kho_hdr
 * @nr_scratch: valid entries in @scratch
 * @crc: crc32_le(~0) of this structure with @crc zero
 * @scratch: where the next kernel may allocate before it has protected
 *	the preserved memory (the decompressor's KASLR choice included)
 *
 * Written when the image is loaded; the header it points to is only
 * complete once the outgoing kernel has frozen.
 */
struct kho_setup_data {
	__u32 magic;
	__u16 version;
	__u16 size;
	__u64 hdr_phys;
	__u32 nr_scratch;
	__u32 crc;
	struct kho_scratch_range scratch[KHO_MAX_SCRATCH];
};

/**
 * struct kho_tracker_root - the tree of preserved folios of one order
 * @top: physical address of the top node, 0 if the order has none
 * @levels: number of inner levels above the leaves (0: @top is a leaf)
 * @reserved: zero
 *
 * Keys are pfn >> order. A leaf is one page of bitmap (KHO_LEAF_BITS keys);
 * an inner node is one page of KHO_NODE_SLOTS u64 physical addresses of
 * its children, 0 for an absent child. Multi-byte values are in the
 * byte order of the kernels (both kernels are the same architecture).
 */
struct kho_tracker_root {
	__u64 top;
	__u32 levels;
	__u32 reserved;
};

#define KHO_NODE_SIZE		4096
#define KHO_LEAF_BITS		(KHO_NODE_SIZE * 8)	/* keys per leaf */
#define KHO_LEAF_SHIFT		15
#define KHO_NODE_SLOTS		(KHO_NODE_SIZE / 8)	/* children per node */
#define KHO_NODE_SHIFT		9
#define KHO_MAX_LEVELS		4	/* 15 + 4 * 9 = 51 bits of key */

/**
 * struct kho_hdr - the handover header, one page at a fixed address
 * @magic: KHO_HDR_MAGIC
 * @version: KHO_ABI_VERSION
 * @size: sizeof(struct kho_hdr)
 * @flags: zero
 * @crc: crc32_le(~0) of this structure with @crc zero, set at freeze
 * @fdt_phys: physical address of the root FDT (physically contiguous)
 * @fdt_size: size of the buffer holding the FDT, page aligned
 * @fdt_crc: crc32_le(~0) of the FDT's totalsize bytes
 * @nr_orders: KHO_NR_ORDERS, the entries in @order
 * @generation: number of handovers in this chain, 1 for the first
 * @order: the preserved-memory tracker, one tree per folio order
 */
struct kho_hdr {
	__u32 magic;
	__u16 version;
	__u16 size;
	__u32 flags;
	__u32 crc;
	__u64 fdt_phys;
	__u64 fdt_size;
	__u32 fdt_crc;
	__u32 nr_orders;
	__u64 generation;
	struct kho_tracker_root order[KHO_NR_ORDERS];
};

/*
 * /dev/kho: preserving memfds (a VM's RAM) across kexec.
 *
 * Every ioctl takes one struct whose first member, @size, is the size of
 * the struct as userspace knows it. The kernel accepts smaller structs
 * down to the first version's size and larger ones whose extra bytes are
 * zero.
 *
 * Errors every command shares (each struct below lists its own):
 *   ENOTTY      not a /dev/kho ioctl number
 *   EFAULT      the struct is not readable or writable
 *   EINVAL      @size below the first version's struct, or a malformed
 *               argument (a name that is empty or not NUL-terminated)
 *   E2BIG       @size above the kernel's struct, with non-zero extra bytes
 *   EOPNOTSUPP  an unknown @flags bit or a non-zero reserved field: this
 *               kernel does not know that request (as iommufd answers), so
 *               a caller can probe for a feature
 *   EPERM       opening /dev/kho without CAP_SYS_ADMIN
 */
#define KHO_TYPE		0xBE
#define KHO_NAME_MAX		64	/* bytes, with the terminating NUL */

/* FDT node of the memfd handler; its children are memfd@0, memfd@1, ... */
#define KHO_MEMFD_NODE		"memfd"
#define KHO_MEMFD_COMPATIBLE	"linux,kho-memfd-v2"

/*
 * A preserved memfd's pages, one u64 entry per folio in file order: the
 * folio's physical address with its order in the low bits. A folio of
 * order N covers 2^N pages of the file, so the entries of a memfd of huge
 * folios are few. The entries sit in a list of preserved page-sized
 * chunks; "pages" is the first one's physical address and "next" links
 * them (0 ends the list).
 */
#define KHO_MEMFD_ENTRY_ORDER	0x3fULL
#define KHO_MEMFD_CHUNK_ENTRIES	510

struct kho_memfd_chunk {
	__u64 next;
	__u64 nr;
	__u64 entries[KHO_MEMFD_CHUNK_ENTRIES];
};

enum {
	KHO_CMD_BASE = 0x80,
	KHO_CMD_MEMFD_PRESERVE = KHO_CMD_BASE,
	KHO_CMD_MEMFD_UNPRESERVE,
	KHO_CMD_MEMFD_LIST,
	KHO_CMD_MEMFD_RESTORE,
	KHO_CMD_FINISH,
};

/**
 * struct kho_memfd_preserve - KHO_MEMFD_PRESERVE
 * @size: sizeof(struct kho_memfd_preserve)
 * @flags: zero
 * @fd: the memfd: shmem (4 KiB pages, THP folios kept as they are) or
 *	hugetlb (MFD_HUGETLB, any huge page size)
 * @__reserved: zero
 * @name: NUL-terminated, 1 to KHO_NAME_MAX - 1 bytes, unique (EEXIST)
 *
 * Keep the memfd's pages, size and seals for the next kernel. Holes are
 * filled with zeroed pages first. Its folios keep their size: a memfd of
 * THP shmem comes back in the same huge folios at the same addresses.
 * While preserved the size is frozen: the kernel adds F_SEAL_GROW and
 * F_SEAL_SHRINK where they are missing (so truncate and growing writes fail
 * with EPERM), and unpreserving takes away only those. One of them that a
 * user adds meanwhile (F_ADD_SEALS succeeds) is the user's from then on: it
 * stays after unpreserve and is handed over with the other seals.
 */
struct kho_memfd_preserve {
	__u32 size;
	__u32 flags;
	__s32 fd;
	__u32 __reserved;
	char name[KHO_NAME_MAX];
};

#define KHO_MEMFD_PRESERVE	_IO(KHO_TYPE, KHO_CMD_MEMFD_PRESERVE)

/**
 * struct kho_memfd_unpreserve - KHO_MEMFD_UNPRESERVE
 * @size: sizeof(struct kho_memfd_unpreserve)
 * @flags: zero
 * @name: a name given to KHO_MEMFD_PRESERVE (ENOENT otherwise)
 *
 * Undo KHO_MEMFD_PRESERVE before kexec; EBUSY once frozen.
 */
struct kho_memfd_unpreserve {
	__u32 size;
	__u32 flags;
	char name[KHO_NAME_MAX];
};

#define KHO_MEMFD_UNPRESERVE	_IO(KHO_TYPE, KHO_CMD_MEMFD_UNPRESERVE)

/**
 * struct kho_memfd_list - KHO_MEMFD_LIST
 * @size: sizeof(struct kho_memfd_list)
 * @flags: zero
 * @index: which memfd handed over by the previous kernel, from 0;
 *	ENOENT past the last
 * @out_restored: 1 if already restored
 * @out_size: its size in bytes
 * @out_seals: its seals (F_SEAL_*)
 * @out_nr_pages: its pages
 * @out_name: its name
 */
struct kho_memfd_list {
	__u32 size;
	__u32 flags;
	__u32 index;
	__u32 out_restored;
	__u64 out_size;
	__u64 out_seals;
	__u64 out_nr_pages;
	char out_name[KHO_NAME_MAX];
};

#define KHO_MEMFD_LIST		_IO(KHO_TYPE, KHO_CMD_MEMFD_LIST)

#define KHO_MEMFD_RESTORE_CLOEXEC	(1U << 0)

/**
 * struct kho_memfd_restore - KHO_MEMFD_RESTORE
 * @size: sizeof(struct kho_memfd_restore)
 * @flags: KHO_MEMFD_RESTORE_CLOEXEC or zero
 * @name: the name it was preserved under
 * @out_fd: a new memfd with the same pages, size and seals
 * @__reserved: zero
 *
 * Each memfd can be restored once: ENOENT for an unknown name or a second
 * restore. A hugetlb memfd's pages become pages in use of the hugetlb pool
 * of their size; EOPNOTSUPP if this kernel has none of that size (the
 * memfd stays listed and unrestored, and finish frees its pages). ENOMEM
 * loses nothing either: the memfd stays unrestored, and the next restore
 * goes on where the failed one stopped. EINVAL: its page list is corrupt,
 * and the memfd is lost.
 */
struct kho_memfd_restore {
	__u32 size;
	__u32 flags;
	char name[KHO_NAME_MAX];
	__s32 out_fd;
	__u32 __reserved;
};

#define KHO_MEMFD_RESTORE	_IO(KHO_TYPE, KHO_CMD_MEMFD_RESTORE)

/**
 * struct kho_finish - KHO_FINISH
 * @size: sizeof(struct kho_finish)
 * @flags: zero
 *
 * The update is over: memory handed over and not restored (memfds
 * included) goes back to the page allocator.
 */
struct kho_finish {
	__u32 size;
	__u32 flags;
};

#define KHO_FINISH		_IO(KHO_TYPE, KHO_CMD_FINISH)

/*
 * FDT node of the VT-d handler. Children: unit@N, one per IOMMU unit with
 * preserved devices, each with device@M children. All numbers are u64.
 *   unit:   reg-base (register base, matched against the DMAR table),
 *           mode ("legacy" or "scalable"), root (root table),
 *           contexts (the context-table pages the root points to)
 *   device: segment, bdf (bus << 8 | devfn), did, aw (the entry's AW
 *           field: 1 = 39-bit, 2 = 48-bit), pgd (second-level table the
 *           entry points to), token (of its preserved HWPT); in scalable
 *           mode also pasid-dir, pasid-dir-order and pasid-table (the PASID
 *           directory and the table its entry 0 points to)
 */
#define KHO_VTD_NODE		"intel-iommu"
#define KHO_VTD_COMPATIBLE	"intel,vtd-kho-v1"
#define KHO_VTD_MODE_LEGACY	"legacy"
#define KHO_VTD_MODE_SCALABLE	"scalable"
#define KHO_VTD_MAX_UNITS	64
#define KHO_VTD_MAX_DEVICES	256	/* per unit */

/*
 * FDT node of the VFIO handler. Children: device@N, each with segment,
 * bdf, vendor, device (the PCI IDs the next kernel checks before it leaves
 * the device alone), token (the device's) and hwpt-token (its HWPT's).
 */
#define KHO_VFIO_NODE		"vfio"
#define KHO_VFIO_COMPATIBLE	"linux,vfio-kho-v1"
#define KHO_VFIO_MAX_DEVICES	256

#endif /* _UAPI_LINUX_KHO_H */
