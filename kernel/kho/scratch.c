// SPDX-License-Identifier: GPL-2.0
/*
 * KHO scratch memory: where the next kernel lives until it has protected
 * the preserved memory.
 *
 * A cold boot reserves one scratch area sized from the kernel's own early
 * allocations (or kho_scratch=SIZE). A handover boot reuses the scratch it
 * was handed, so a chain of kexecs keeps the same areas. Either way scratch
 * pageblocks become MIGRATE_CMA once the buddy allocator starts: ordinary
 * movable allocations still use them, but nothing that can be preserved
 * ever lands there. Every segment of a kexec_file image is placed inside
 * scratch, so loading the next kernel cannot touch preserved memory.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/hugetlb.h>
#include <linux/init.h>
#include <linux/ioport.h>
#include <linux/kexec.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/page-isolation.h>
#include <linux/sizes.h>

#include "kho_internal.h"

/* Written only during early boot, read-only afterwards. */
struct kho_scratch_range kho_scratch[KHO_MAX_SCRATCH];
unsigned int kho_nr_scratch;

static phys_addr_t kho_scratch_size_param __initdata;

/* Room for the next image's kexec segments on top of its allocations. */
#define KHO_SCRATCH_SEGMENTS	SZ_64M
#define KHO_SCRATCH_MIN		SZ_128M

static int __init kho_scratch_setup(char *arg)
{
	char *end;

	if (!arg)
		return -EINVAL;
	kho_scratch_size_param = memparse(arg, &end);
	return *end ? -EINVAL : 0;
}
early_param("kho_scratch", kho_scratch_setup);

/*
 * Gigantic hugetlb pages the command line asked for (hugepages=) come from
 * memblock before scratch is sized, but they are no allocation the next
 * kernel makes before it has protected the handover (it allocates its own
 * pool later, anywhere), so scratch need not hold them: a 1 GiB page
 * would otherwise cost 2 GiB of it.
 */
static phys_addr_t __init kho_hugetlb_bootmem(void)
{
	phys_addr_t bytes = 0;
#ifdef CONFIG_HUGETLB_PAGE
	struct hstate *h;

	for_each_hstate(h)
		if (hstate_is_gigantic(h))
			bytes += (phys_addr_t)h->max_huge_pages << huge_page_shift(h);
#endif
	return bytes;
}

/*
 * Twice what the kernel allocated so far, its hugetlb pool aside, plus
 * room for kexec segments.
 */
static phys_addr_t __init kho_scratch_default_size(void)
{
	struct memblock_region *r;
	phys_addr_t used = 0, pool = kho_hugetlb_bootmem();

	for_each_reserved_mem_region(r)
		used += r->size;
	used = used > pool ? used - pool : 0;
	return max_t(phys_addr_t, 2 * used + KHO_SCRATCH_SEGMENTS, KHO_SCRATCH_MIN);
}

/* Pieces scratch may be cut into when RAM has no hole for all of it. */
#define KHO_SCRATCH_MIN_PIECE	SZ_64M

/*
 * Prefer memory below 4 GiB, where a kernel's early allocations with the
 * strictest address limits can be served.
 */
static phys_addr_t __init kho_alloc_scratch(phys_addr_t size, phys_addr_t align)
{
	return memblock_phys_alloc_range(size, align, SZ_1M, SZ_4G) ?:
	       memblock_phys_alloc_range(size, align, SZ_1M, MEMBLOCK_ALLOC_ACCESSIBLE);
}

/*
 * One range if RAM has a hole that large, else pieces of half the size,
 * and half again, down to KHO_SCRATCH_MIN_PIECE (a kexec image segment
 * must fit in one), at most KHO_MAX_SCRATCH of them: a kernel that KASLR
 * put in the middle of RAM (a cold boot, or one whose handover was
 * rejected) may leave no hole for all of it. The pieces stay allocated
 * until the last is found, so none overlaps another.
 */
static void __init kho_reserve_scratch(void)
{
	phys_addr_t size = kho_scratch_size_param ?: kho_scratch_default_size();
	phys_addr_t align = PAGE_SIZE << pageblock_order;
	phys_addr_t piece, left, base;
	unsigned int i;

	size = round_up(size, align);
	piece = size;
	/* After a rejected handover, forget the ranges it named. */
	kho_nr_scratch = 0;
	for (left = size; left && kho_nr_scratch < KHO_MAX_SCRATCH;) {
		piece = min(piece, left);
		base = kho_alloc_scratch(piece, align);
		if (!base) {
			if (piece <= KHO_SCRATCH_MIN_PIECE)
				break;
			piece = max_t(phys_addr_t, round_up(piece / 2, align),
				      KHO_SCRATCH_MIN_PIECE);
			continue;
		}
		kho_scratch[kho_nr_scratch].base = base;
		kho_scratch[kho_nr_scratch++].size = piece;
		left -= piece;
	}
	/* Free again: memblock_free_all() hands it to the buddy as CMA. */
	for (i = 0; i < kho_nr_scratch; i++)
		memblock_phys_free(kho_scratch[i].base, kho_scratch[i].size);
	if (left) {
		pr_err("cannot reserve %pa of scratch memory\n", &size);
		kho_nr_scratch = 0;
	}
}

/**
 * kho_pageblock_migratetype - the type deferred init gives a pageblock
 * @pfn: the pageblock's first pfn
 * @migratetype: the type it would have without KHO
 *
 * Deferred struct page init frees its memory after kho_memory_init() and
 * sets each pageblock's type as it goes: scratch must stay MIGRATE_CMA,
 * as init_cma_kho_scratch() made it.
 *
 * Return: MIGRATE_CMA inside scratch, @migratetype elsewhere.
 */
int __init kho_pageblock_migratetype(unsigned long pfn, int migratetype)
{
	phys_addr_t pa = PFN_PHYS(pfn);
	unsigned int i;

	for (i = 0; i < kho_nr_scratch; i++)
		if (pa >= kho_scratch[i].base &&
		    pa - kho_scratch[i].base < kho_scratch[i].size)
			return MIGRATE_CMA;
	return migratetype;
}

/**
 * kho_memory_init - set scratch up before the buddy allocator starts
 *
 * Called by mm_core_init() just before memblock_free_all(): the memmap
 * exists, so the scratch size can account for it, and pageblock types set
 * now decide which free lists the freed memory joins. After a rejected
 * handover, memblock has stayed in scratch until here, where the ACPI
 * tables are known: devices left translating are blocked first.
 */
void __init kho_memory_init(void)
{
	unsigned int i;

	if (kho_in.fence) {
		kho_iommu_fence_early();
		memblock_set_kho_scratch_only(false);
	}
	if (kho_in.state != KHO_IN_VALID)
		kho_reserve_scratch();
	for (i = 0; i < kho_nr_scratch; i++)
		init_cma_kho_scratch(kho_scratch[i].base, kho_scratch[i].size);
	for (i = 0; i < kho_nr_scratch; i++)
		pr_info("scratch: %llu MiB at %pa%s\n", kho_scratch[i].size >> 20,
			&kho_scratch[i].base,
			kho_in.state == KHO_IN_VALID ? " (handed over)" : "");
}

/**
 * kho_locate_mem_hole - place a kexec_file segment inside scratch
 * @kbuf: the segment
 * @cb: kexec_file's hole finder, called with each scratch range
 * @ret: its last result (1: placed)
 *
 * Return: true if KHO decided where the segment may go (the caller then
 * uses *@ret), false to let kexec_file search all of RAM (crash kernels,
 * or KHO not running).
 */
bool kho_locate_mem_hole(struct kexec_buf *kbuf,
			 int (*cb)(struct resource *res, void *arg), int *ret)
{
	unsigned int i;

	if (kbuf->image->type == KEXEC_TYPE_CRASH || !kho_out_ready())
		return false;
	*ret = 0;
	for (i = 0; i < kho_nr_scratch && *ret != 1; i++) {
		struct resource res = {
			.start = kho_scratch[i].base,
			.end = kho_scratch[i].base + kho_scratch[i].size - 1,
			.flags = IORESOURCE_SYSTEM_RAM,
		};

		*ret = cb(&res, kbuf);
	}
	return true;
}
