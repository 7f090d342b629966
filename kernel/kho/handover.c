// SPDX-License-Identifier: GPL-2.0
/*
 * KHO incoming side, early boot: find the handover the previous kernel
 * left, validate all of it before trusting one byte, and protect every
 * preserved page before any allocator can hand it out.
 *
 * The order of events on x86:
 *  parse_setup_data()     kho_parse_setup_data(): copy and check the entry;
 *                         its scratch ranges are where this kernel lives
 *  e820__memblock_setup() kho_scratch_enter(): memblock may allocate only
 *                         from scratch (and the first MiB, which no kernel
 *                         ever preserves) from now on
 *  init_mem_mapping()     the direct map covers all RAM
 *  kho_restore_early():   validate header and tracker; reserve the preserved
 *                         runs and the handover's own pages; then validate
 *                         the FDT (nothing reads it before initcalls) and
 *                         let memblock allocate anywhere again
 *
 * Anything wrong: one log line, nothing reserved (what was reserved before
 * the FDT failed is released again), a cold boot, and kho_in_state() says
 * KHO_IN_BAD so drivers fence what was left running.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/init.h>
#include <linux/io.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/timex.h>

#include <asm/setup.h>

#include "kho_internal.h"

struct kho_in kho_in = {
	.lock = __MUTEX_INITIALIZER(kho_in.lock),
	.state = KHO_IN_NONE,
};

static bool kho_sd_found __initdata;

static void __init kho_reject(const char *why)
{
	kho_in.state = KHO_IN_BAD;
	kho_in.why = why;
	pr_err("handover rejected: %s, booting cold\n", why);
}

/**
 * kho_check_setup_data - is this a setup_data payload of our ABI version?
 * @sd: the payload
 * @why: set to the reason on failure
 *
 * Return: 0 or -EINVAL.
 */
int kho_check_setup_data(const struct kho_setup_data *sd, const char **why)
{
	struct kho_setup_data copy = *sd;
	unsigned int i;

	copy.crc = 0;
	if (sd->magic != KHO_SETUP_MAGIC)
		*why = "bad setup_data magic";
	else if (sd->version != KHO_ABI_VERSION || sd->size != sizeof(*sd))
		*why = "unsupported setup_data version";
	else if (kho_crc32(&copy, sizeof(copy)) != sd->crc)
		*why = "setup_data checksum mismatch";
	else if (!sd->nr_scratch || sd->nr_scratch > KHO_MAX_SCRATCH)
		*why = "bad scratch count";
	else
		*why = NULL;
	for (i = 0; !*why && i < sd->nr_scratch; i++) {
		const struct kho_scratch_range *r = &sd->scratch[i];
		u64 align = PAGE_SIZE << pageblock_order;

		if (!r->size || !IS_ALIGNED(r->base, align) ||
		    !IS_ALIGNED(r->size, align) || r->base + r->size < r->base)
			*why = "bad scratch range";
	}
	return *why ? -EINVAL : 0;
}

/**
 * kho_parse_setup_data - the previous kernel's setup_data entry
 * @pa_data: physical address of the struct setup_data
 * @len: its length, header included
 *
 * Runs before memblock knows any memory: only copies and checks the entry.
 */
void __init kho_parse_setup_data(u64 pa_data, u32 len)
{
	struct setup_data *data;
	const char *why;

	if (kho_sd_found) {
		kho_reject("two KHO setup_data entries");
		return;
	}
	kho_sd_found = true;
	if (len != sizeof(*data) + sizeof(kho_in.sd)) {
		kho_reject("bad setup_data size");
		return;
	}
	data = early_memremap(pa_data, len);
	if (!data) {
		kho_reject("cannot map setup_data");
		return;
	}
	memcpy(&kho_in.sd, data->data, sizeof(kho_in.sd));
	early_memunmap(data, len);

	if (kho_check_setup_data(&kho_in.sd, &why)) {
		kho_reject(why);
		return;
	}
	memcpy(kho_scratch, kho_in.sd.scratch, sizeof(kho_scratch));
	kho_nr_scratch = kho_in.sd.nr_scratch;
}

/* A valid entry was found: its scratch is all this kernel may allocate. */
static bool __init kho_sd_valid(void)
{
	return kho_sd_found && kho_in.state != KHO_IN_BAD;
}

/**
 * kho_scratch_enter - from now on memblock allocates only from scratch
 *
 * Called right after memblock learned the memory map.
 */
void __init kho_scratch_enter(void)
{
	unsigned int i;

	if (!kho_sd_valid())
		return;
	for (i = 0; i < kho_nr_scratch; i++)
		memblock_mark_kho_scratch(kho_scratch[i].base, kho_scratch[i].size);
	/* The real-mode trampoline and friends need low memory. */
	memblock_mark_kho_scratch(0, SZ_1M);
	memblock_set_kho_scratch_only(true);
}

/* Memory the previous kernel may have handed over: RAM above 1 MiB, not scratch. */
static bool __init kho_usable(phys_addr_t phys, phys_addr_t size, void *arg)
{
	if (phys < SZ_1M || phys + size < phys)
		return false;
	return memblock_is_region_memory(phys, size) && !kho_in_scratch(phys, size);
}

/**
 * kho_check_hdr - is this a sealed header of our ABI version?
 * @hdr: the header
 * @why: set to the reason on failure
 *
 * Return: 0 or -EINVAL.
 */
int kho_check_hdr(const struct kho_hdr *hdr, const char **why)
{
	struct kho_hdr unsealed = *hdr;

	unsealed.crc = 0;
	*why = NULL;
	if (hdr->magic != KHO_HDR_MAGIC)
		*why = "bad header magic";
	else if (hdr->version != KHO_ABI_VERSION || hdr->size != sizeof(*hdr) ||
		 hdr->nr_orders != KHO_NR_ORDERS)
		*why = "unsupported header version";
	else if (hdr->flags)
		*why = "unknown header flags";
	if (*why)
		return -EINVAL;

	if (kho_crc32(&unsealed, sizeof(unsealed)) != hdr->crc)
		*why = "header checksum mismatch (not frozen?)";
	else if (!hdr->fdt_phys || !PAGE_ALIGNED(hdr->fdt_phys) ||
		 !PAGE_ALIGNED(hdr->fdt_size) || !hdr->fdt_size ||
		 hdr->fdt_size > (PAGE_SIZE << MAX_PAGE_ORDER))
		*why = "bad FDT location";
	return *why ? -EINVAL : 0;
}

/**
 * kho_fdt_compatible_is - does @node's compatible hold exactly @compatible?
 * @fdt: the blob
 * @node: a node offset
 * @compatible: the one string expected; a list is not accepted
 *
 * Return: true on an exact match.
 */
bool kho_fdt_compatible_is(const void *fdt, int node, const char *compatible)
{
	const char *prop;
	int len;

	prop = fdt_getprop(fdt, node, "compatible", &len);
	return prop && len == strlen(compatible) + 1 && !memcmp(prop, compatible, len);
}

/* The root's copies of the header and setup_data must agree with them. */
static int __init kho_check_root(const void *fdt, const struct kho_hdr *hdr,
				 phys_addr_t hdr_phys, const char **why)
{
	const struct kho_setup_data *sd = &kho_in.sd;
	const __be64 *tracker, *generation, *scratch;
	int tlen, glen, slen, i;

	tracker = fdt_getprop(fdt, 0, KHO_FDT_PROP_TRACKER, &tlen);
	generation = fdt_getprop(fdt, 0, KHO_FDT_PROP_GENERATION, &glen);
	scratch = fdt_getprop(fdt, 0, KHO_FDT_PROP_SCRATCH, &slen);
	*why = "FDT and header disagree";
	if (!tracker || tlen != sizeof(*tracker) || be64_to_cpup(tracker) != hdr_phys ||
	    !generation || glen != sizeof(*generation) ||
	    be64_to_cpup(generation) != hdr->generation)
		return -EINVAL;
	*why = "FDT and setup_data disagree on scratch";
	if (!scratch || slen != sd->nr_scratch * 2 * sizeof(*scratch))
		return -EINVAL;
	for (i = 0; i < sd->nr_scratch; i++)
		if (be64_to_cpu(scratch[2 * i]) != sd->scratch[i].base ||
		    be64_to_cpu(scratch[2 * i + 1]) != sd->scratch[i].size)
			return -EINVAL;
	return 0;
}

/**
 * kho_check_fdt - is this the root FDT the header describes?
 * @fdt: the blob
 * @size: the buffer holding it
 * @crc: its checksum from the header
 * @why: set to the reason on failure
 *
 * Return: 0 or -EINVAL.
 */
int kho_check_fdt(const void *fdt, size_t size, u32 crc, const char **why)
{
	*why = NULL;
	if (fdt_check_header(fdt) || fdt_totalsize(fdt) > size)
		*why = "bad FDT header";
	else if (kho_crc32(fdt, fdt_totalsize(fdt)) != crc)
		*why = "FDT checksum mismatch";
	else if (!kho_fdt_compatible_is(fdt, 0, KHO_FDT_COMPATIBLE))
		*why = "incompatible handover (root compatible)";
	return *why ? -EINVAL : 0;
}

/* What must hold before any preserved page is reserved. */
static int __init kho_validate_memory(phys_addr_t hdr_phys, const char **why)
{
	struct kho_tracker_check check = {
		.is_usable = kho_usable,
		.max_nodes = PHYS_PFN(memblock_phys_mem_size()),
	};
	const struct kho_hdr *hdr;

	*why = "header outside RAM";
	if (!PAGE_ALIGNED(hdr_phys) || !kho_usable(hdr_phys, PAGE_SIZE, NULL))
		return -EINVAL;
	hdr = phys_to_virt(hdr_phys);
	if (kho_check_hdr(hdr, why))
		return -EINVAL;
	*why = "FDT outside RAM";
	if (!kho_usable(hdr->fdt_phys, hdr->fdt_size, NULL))
		return -EINVAL;
	kho_tracker_init(&kho_in.tracker, (struct kho_tracker_root *)hdr->order);
	return kho_tracker_validate(&kho_in.tracker, &check, why);
}

/* The FDT's contents, once its pages and all preserved memory are safe. */
static int __init kho_validate_fdt(phys_addr_t hdr_phys, const char **why)
{
	const struct kho_hdr *hdr = phys_to_virt(hdr_phys);
	const void *fdt = phys_to_virt(hdr->fdt_phys);

	if (kho_check_fdt(fdt, hdr->fdt_size, hdr->fdt_crc, why))
		return -EINVAL;
	return kho_check_root(fdt, hdr, hdr_phys, why);
}

/*
 * Reserved without struct page work: the memmap is initialised with the
 * zone anyway, and restore does the rest per page, lazily. Except with
 * deferred struct page init, where the struct pages of reserved memory
 * past the early part are initialised only by memblock_free_all()'s walk
 * of reserved regions: keep that walk for them (the pages come out
 * PageReserved, which restore clears).
 */
static void __init kho_reserve(phys_addr_t phys, phys_addr_t size)
{
	memblock_reserve(phys, size);
	if (!IS_ENABLED(CONFIG_DEFERRED_STRUCT_PAGE_INIT))
		memblock_reserved_mark_noinit(phys, size);
}

/*
 * Undo kho_reserve() for a handover rejected after it. Every range the
 * checks let through is outside scratch and above 1 MiB, where nothing
 * else is reserved this early (this kernel, its initrd and memblock's
 * allocations so far are all in scratch), so freeing it frees only ours.
 */
static void __init kho_unreserve(phys_addr_t phys, phys_addr_t size)
{
	memblock_phys_free(phys, size);
}

/* What kho_restore_early() reserved, or released again. */
struct kho_reserved {
	void (*fn)(phys_addr_t phys, phys_addr_t size);
	unsigned long runs;
	unsigned long pages;
	unsigned long nodes;
};

static int __init kho_reserve_run(unsigned long pfn, unsigned int order,
				  unsigned long nr, void *arg)
{
	struct kho_reserved *reserved = arg;

	reserved->fn(PFN_PHYS(pfn), PFN_PHYS(nr << order));
	reserved->runs++;
	reserved->pages += nr << order;
	return 0;
}

static int __init kho_reserve_node(phys_addr_t node, void *arg)
{
	struct kho_reserved *reserved = arg;

	reserved->fn(node, PAGE_SIZE);
	reserved->nodes++;
	return 0;
}

/* Apply @reserved->fn to the handover's pages and every preserved run. */
static void __init kho_reserve_all(struct kho_reserved *reserved)
{
	const struct kho_hdr *hdr = phys_to_virt(kho_in.sd.hdr_phys);

	reserved->fn(kho_in.sd.hdr_phys, PAGE_SIZE);
	reserved->fn(hdr->fdt_phys, hdr->fdt_size);
	kho_tracker_walk_all(&kho_in.tracker, kho_reserve_node, kho_reserve_run,
			     reserved);
}

static void __init kho_restore_reject(const char *why)
{
	kho_reject(why);
	memblock_set_kho_scratch_only(false);
}

/**
 * kho_restore_early - validate the handover and protect preserved memory
 *
 * Called once the direct map covers all RAM, while memblock still
 * allocates only from scratch. Ends scratch-only allocation either way.
 *
 * Memory first: the header and the tracker are all it takes to know what
 * to protect, so they are checked and every preserved page reserved before
 * the FDT is parsed. The FDT is checked right after; if it is bad, the
 * reservations are released and the handover rejected as a whole.
 */
void __init kho_restore_early(void)
{
	struct kho_reserved reserved = { .fn = kho_reserve };
	struct kho_reserved released = { .fn = kho_unreserve };
	cycles_t start, protected;
	const char *why;

	if (!kho_sd_valid())
		return;
	/*
	 * Timed in cycles: sched_clock() only counts this early if the
	 * early TSC calibration worked, which under emulation it may not.
	 */
	start = get_cycles();
	if (kho_validate_memory(kho_in.sd.hdr_phys, &why)) {
		kho_restore_reject(why);
		return;
	}
	kho_reserve_all(&reserved);
	protected = get_cycles();

	if (kho_validate_fdt(kho_in.sd.hdr_phys, &why)) {
		kho_reserve_all(&released);
		kho_restore_reject(why);
		return;
	}
	memblock_set_kho_scratch_only(false);
	kho_in.hdr = phys_to_virt(kho_in.sd.hdr_phys);
	kho_in.fdt = phys_to_virt(kho_in.hdr->fdt_phys);
	kho_in.state = KHO_IN_VALID;
	pr_info("handover %llu accepted: %lu preserved pages protected, %lu tracker pages\n",
		kho_in.hdr->generation, reserved.pages, reserved.nodes);
	pr_info("early restore: %lu runs, %lu pages, %llu cycles, FDT checked in %llu more\n",
		reserved.runs, reserved.pages, (u64)(protected - start),
		(u64)(get_cycles() - protected));
}
