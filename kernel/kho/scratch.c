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

/* Twice what the kernel allocated so far, plus room for kexec segments. */
static phys_addr_t __init kho_scratch_default_size(void)
{
	struct memblock_region *r;
	phys_addr_t used = 0;

	for_each_reserved_mem_region(r)
		used += r->size;
	return max_t(phys_addr_t, 2 * used + KHO_SCRATCH_SEGMENTS, KHO_SCRATCH_MIN);
}

/*
 * Prefer memory below 4 GiB, where a kernel's early allocations with the
 * strictest address limits can be served.
 */
static void __init kho_reserve_scratch(void)
{
	phys_addr_t size = kho_scratch_size_param ?: kho_scratch_default_size();
	phys_addr_t align = PAGE_SIZE << pageblock_order;
	phys_addr_t base;

	size = round_up(size, align);
	base = memblock_phys_alloc_range(size, align, SZ_1M, SZ_4G);
	if (!base)
		base = memblock_phys_alloc_range(size, align, SZ_1M,
						 MEMBLOCK_ALLOC_ACCESSIBLE);
	if (!base) {
		pr_err("cannot reserve %pa of scratch memory\n", &size);
		return;
	}
	/* Free again: memblock_free_all() hands it to the buddy as CMA. */
	memblock_phys_free(base, size);
	kho_scratch[0].base = base;
	kho_scratch[0].size = size;
	kho_nr_scratch = 1;
}

static void __init kho_scratch_set_cma(const struct kho_scratch_range *r)
{
	unsigned long pfn = PHYS_PFN(r->base);
	unsigned long end = PHYS_PFN(r->base + r->size);

	for (; pfn < end; pfn += pageblock_nr_pages)
		set_pageblock_migratetype(pfn_to_page(pfn), MIGRATE_CMA);
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
		kho_scratch_set_cma(&kho_scratch[i]);
	if (kho_nr_scratch)
		pr_info("scratch: %llu MiB at %pa%s\n", kho_scratch[0].size >> 20,
			&kho_scratch[0].base,
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
