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
 * kho_check_scratch - are these scratch ranges a kernel can boot in?
 * @scratch: the ranges
 * @nr: how many
 * @why: set to the reason on failure
 *
 * 1 to KHO_MAX_SCRATCH ranges, each pageblock aligned, not empty, not
 * wrapping, and overlapping no other. Whether they are RAM is checked
 * once memblock knows the memory map, kho_scratch_enter().
 *
 * Return: 0 or -EINVAL.
 */
int kho_check_scratch(const struct kho_scratch_range *scratch, unsigned int nr,
		      const char **why)
{
	u64 align = PAGE_SIZE << pageblock_order;
	unsigned int i, j;

	*why = NULL;
	if (!nr || nr > KHO_MAX_SCRATCH) {
		*why = "bad scratch count";
		return -EINVAL;
	}
	/* Compared by last byte: a range may end at the top of the space. */
	for (i = 0; i < nr; i++) {
		const struct kho_scratch_range *r = &scratch[i];

		if (!r->size || !IS_ALIGNED(r->base, align) ||
		    !IS_ALIGNED(r->size, align) || r->base + (r->size - 1) < r->base) {
			*why = "bad scratch range";
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (r->base <= scratch[j].base + (scratch[j].size - 1) &&
			    scratch[j].base <= r->base + (r->size - 1)) {
				*why = "overlapping scratch ranges";
				return -EINVAL;
			}
		}
	}
	return 0;
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

	copy.crc = 0;
	*why = NULL;
	if (sd->magic != KHO_SETUP_MAGIC)
		*why = "bad setup_data magic";
	else if (sd->version != KHO_ABI_VERSION || sd->size != sizeof(*sd))
		*why = "unsupported setup_data version";
	else if (kho_crc32(&copy, sizeof(copy)) != sd->crc)
		*why = "setup_data checksum mismatch";
	if (*why)
		return -EINVAL;
	return kho_check_scratch(sd->scratch, sd->nr_scratch, why);
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
	/* Before anything (pfn_to_page() on scratch, say) trusts the ranges. */
	for (i = 0; i < kho_nr_scratch; i++) {
		if (!memblock_is_region_memory(kho_scratch[i].base,
					       kho_scratch[i].size)) {
			kho_reject("scratch outside RAM");
			return;
		}
	}
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
	else if (!hdr->generation)
		*why = "bad generation";
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

/**
 * kho_fdt_find_node - a handler's node in a root FDT
 * @fdt: a checked root FDT
 * @name: the node's name
 * @compatible: the exact compatible expected
 *
 * Return: the node's offset, -ENOENT if absent, -EINVAL if its compatible
 * differs.
 */
int kho_fdt_find_node(const void *fdt, const char *name, const char *compatible)
{
	int node = fdt_subnode_offset(fdt, 0, name);

	if (node < 0)
		return -ENOENT;
	return kho_fdt_compatible_is(fdt, node, compatible) ? node : -EINVAL;
}

/**
 * kho_fdt_u64 - a 64-bit big-endian property
 * @fdt: a checked FDT
 * @node: the node's offset
 * @prop: the property's name
 * @val: set to its value
 *
 * Return: 0, -ENOENT if absent, -EINVAL if it is not 8 bytes long.
 */
int kho_fdt_u64(const void *fdt, int node, const char *prop, u64 *val)
{
	const __be64 *p;
	int len;

	p = fdt_getprop(fdt, node, prop, &len);
	if (!p)
		return -ENOENT;
	if (len != sizeof(*p))
		return -EINVAL;
	*val = be64_to_cpup(p);
	return 0;
}

/* The root's scratch property as ranges; -EINVAL if not (base, size) pairs. */
static int kho_fdt_scratch(const void *fdt, struct kho_scratch_range *scratch,
			   unsigned int *nr)
{
	const __be64 *prop;
	unsigned int i;
	int len;

	prop = fdt_getprop(fdt, 0, KHO_FDT_PROP_SCRATCH, &len);
	if (!prop || len % (2 * sizeof(*prop)) ||
	    len > KHO_MAX_SCRATCH * 2 * sizeof(*prop))
		return -EINVAL;
	*nr = len / (2 * sizeof(*prop));
	for (i = 0; i < *nr; i++) {
		scratch[i].base = be64_to_cpu(prop[2 * i]);
		scratch[i].size = be64_to_cpu(prop[2 * i + 1]);
	}
	return 0;
}

/**
 * kho_read_root - read and check the root's own properties
 * @fdt: a root FDT that passed kho_check_fdt()
 * @root: filled with their values
 * @why: set to the reason on failure
 *
 * Return: 0 or -EINVAL.
 */
int kho_read_root(const void *fdt, struct kho_root *root, const char **why)
{
	*why = "bad tracker property";
	if (kho_fdt_u64(fdt, 0, KHO_FDT_PROP_TRACKER, &root->tracker) ||
	    !root->tracker || !PAGE_ALIGNED(root->tracker))
		return -EINVAL;
	*why = "bad generation property";
	if (kho_fdt_u64(fdt, 0, KHO_FDT_PROP_GENERATION, &root->generation) ||
	    !root->generation)
		return -EINVAL;
	*why = "bad scratch property";
	if (kho_fdt_scratch(fdt, root->scratch, &root->nr_scratch))
		return -EINVAL;
	return kho_check_scratch(root->scratch, root->nr_scratch, why);
}

/**
 * kho_check_root - does the root agree with the header and setup_data?
 * @fdt: a root FDT that passed kho_check_fdt()
 * @hdr: the header that points at it
 * @sd: the setup_data payload that points at the header
 * @why: set to the reason on failure
 *
 * Return: 0 or -EINVAL.
 */
int kho_check_root(const void *fdt, const struct kho_hdr *hdr,
		   const struct kho_setup_data *sd, const char **why)
{
	struct kho_root root;

	if (kho_read_root(fdt, &root, why))
		return -EINVAL;
	*why = "FDT and header disagree";
	if (root.tracker != sd->hdr_phys || root.generation != hdr->generation)
		return -EINVAL;
	*why = "FDT and setup_data disagree on scratch";
	if (root.nr_scratch != sd->nr_scratch ||
	    memcmp(root.scratch, sd->scratch, root.nr_scratch * sizeof(root.scratch[0])))
		return -EINVAL;
	*why = NULL;
	return 0;
}

/*
 * The names seen at one level: the root's properties, or its children.
 * -EEXIST if @name is there already, -E2BIG if there is no more room.
 */
static int kho_fdt_name_new(const char **names, unsigned int *nr,
			    const char *name)
{
	unsigned int i;

	for (i = 0; i < *nr; i++)
		if (!strcmp(names[i], name))
			return -EEXIST;
	if (*nr == KHO_FDT_MAX_NAMES)
		return -E2BIG;
	names[(*nr)++] = name;
	return 0;
}

/* A property's name, and its value if it is "compatible" (else NULL). */
static const char *kho_fdt_prop_at(const void *fdt, int offset,
				   const char **compat, int *compat_len)
{
	const struct fdt_property *prop = fdt_offset_ptr(fdt, offset, sizeof(*prop));
	const char *name;

	if (!prop)
		return NULL;
	name = fdt_get_string(fdt, fdt32_to_cpu(prop->nameoff), NULL);
	if (name && !strcmp(name, "compatible")) {
		*compat = prop->data;
		*compat_len = fdt32_to_cpu(prop->len);
	}
	return name;
}

/*
 * The core's part of the ABI's rules for the tree (Documentation/kho/
 * abi.rst): the root's properties and its children have unique names (a
 * reader looking one up would see only the first), and every child, a
 * handler's node, has a compatible that is one string. Below that, each
 * handler checks the node it reads. One pass over the structure block with
 * fdt_next_tag(), which every lookup uses anyway: under emulation, each
 * libfdt function run for the first time costs more than the whole walk.
 * More than KHO_FDT_MAX_NAMES root properties or handlers are refused.
 */
static int kho_check_fdt_tree(const void *fdt, const char **why)
{
	const char *props[KHO_FDT_MAX_NAMES], *nodes[KHO_FDT_MAX_NAMES];
	unsigned int nr_props = 0, nr_nodes = 0;
	const char *name, *compat = NULL, *other_compat;
	int offset = 0, next, depth = 0, compat_len = 0, err;
	u32 tag;

	*why = "bad FDT structure";
	do {
		tag = fdt_next_tag(fdt, offset, &next);
		switch (tag) {
		case FDT_BEGIN_NODE:
			name = fdt_offset_ptr(fdt, offset + FDT_TAGSIZE, 1);
			if (++depth == 2) {
				compat = NULL;
				err = kho_fdt_name_new(nodes, &nr_nodes, name);
				if (err) {
					*why = err == -EEXIST ? "duplicate FDT node" :
					       "too many FDT nodes";
					return -EINVAL;
				}
			}
			break;
		case FDT_END_NODE:
			if (depth-- == 2 &&
			    (!compat || compat_len < 2 ||
			     strnlen(compat, compat_len) != compat_len - 1)) {
				*why = "handler node without a compatible";
				return -EINVAL;
			}
			break;
		case FDT_PROP:
			name = kho_fdt_prop_at(fdt, offset,
					       depth == 2 ? &compat : &other_compat,
					       &compat_len);
			if (!name)
				return -EINVAL;
			err = depth == 1 ? kho_fdt_name_new(props, &nr_props, name) : 0;
			if (err) {
				*why = err == -EEXIST ? "duplicate FDT property" :
				       "too many FDT properties";
				return -EINVAL;
			}
			break;
		case FDT_NOP:
			break;
		default:
			return -EINVAL;
		}
		offset = next;
	} while (depth > 0);
	*why = NULL;
	return 0;
}

/**
 * kho_check_fdt - is this the root FDT the header describes?
 * @fdt: the blob
 * @size: the buffer holding it
 * @crc: its checksum from the header
 * @why: set to the reason on failure
 *
 * Checks the blob, its root compatible and the rules every node follows;
 * kho_check_root() then checks the root's properties.
 *
 * Return: 0 or -EINVAL.
 */
int kho_check_fdt(const void *fdt, size_t size, u32 crc, const char **why)
{
	*why = NULL;
	if (size < FDT_V17_SIZE || fdt_check_header(fdt) ||
	    fdt_totalsize(fdt) > size)
		*why = "bad FDT header";
	else if (kho_crc32(fdt, fdt_totalsize(fdt)) != crc)
		*why = "FDT checksum mismatch";
	else if (!kho_fdt_compatible_is(fdt, 0, KHO_FDT_COMPATIBLE))
		*why = "incompatible handover (root compatible)";
	if (*why)
		return -EINVAL;
	return kho_check_fdt_tree(fdt, why);
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
	return kho_check_root(fdt, hdr, &kho_in.sd, why);
}

/**
 * struct kho_reserved - what kho_restore_early() reserved, or released
 * @fn: kho_reserve() or kho_unreserve(), applied to every range in turn
 * @ranges: ranges @fn has taken so far
 * @limit: for kho_unreserve(): how many ranges kho_reserve() took
 * @runs: preserved runs seen
 * @pages: preserved pages seen
 * @nodes: tracker nodes seen
 * @why: why kho_reserve() stopped
 */
struct kho_reserved {
	int (*fn)(struct kho_reserved *r, phys_addr_t phys, phys_addr_t size);
	unsigned long ranges;
	unsigned long limit;
	unsigned long runs;
	unsigned long pages;
	unsigned long nodes;
	const char *why;
};

/*
 * Reserve one range of the handover. Nothing else is reserved out here
 * this early (this kernel, its initrd and memblock's allocations so far
 * are all in scratch or below 1 MiB, which the checks keep the handover
 * out of), so a range that meets a reserved one meets the handover's own:
 * a tracker node referenced twice, a node on the header, the FDT or a
 * folio, or a folio inside one of another order. Finish would free such a
 * page twice: reject.
 *
 * Reserved without struct page work: the memmap is initialised with the
 * zone anyway, and restore does the rest per page, lazily. Except with
 * deferred struct page init, where the struct pages of reserved memory
 * past the early part are initialised only by memblock_free_all()'s walk
 * of reserved regions: keep that walk for them (the pages come out
 * PageReserved, which restore clears).
 */
static int __init kho_reserve(struct kho_reserved *r, phys_addr_t phys,
			      phys_addr_t size)
{
	if (memblock_is_region_reserved(phys, size)) {
		r->why = "preserved ranges overlap";
		return -EINVAL;
	}
	if (memblock_reserve(phys, size)) {
		r->why = "cannot reserve preserved memory";
		return -ENOMEM;
	}
	r->ranges++;
	if (!IS_ENABLED(CONFIG_DEFERRED_STRUCT_PAGE_INIT) &&
	    memblock_reserved_mark_noinit(phys, size)) {
		r->why = "cannot reserve preserved memory";
		return -ENOMEM;
	}
	return 0;
}

/*
 * Undo kho_reserve() for the first @r->limit ranges, walked in the same
 * order: those are exactly the ranges reserved, none overlapping another,
 * so freeing them frees only ours.
 */
static int __init kho_unreserve(struct kho_reserved *r, phys_addr_t phys,
				phys_addr_t size)
{
	if (r->ranges == r->limit)
		return 1;	/* everything reserved is released: stop */
	memblock_phys_free(phys, size);
	r->ranges++;
	return 0;
}

static int __init kho_reserve_run(unsigned long pfn, unsigned int order,
				  unsigned long nr, void *arg)
{
	struct kho_reserved *r = arg;

	r->runs++;
	r->pages += nr << order;
	return r->fn(r, PFN_PHYS(pfn), PFN_PHYS(nr << order));
}

static int __init kho_reserve_node(phys_addr_t node, void *arg)
{
	struct kho_reserved *r = arg;

	r->nodes++;
	return r->fn(r, node, PAGE_SIZE);
}

/*
 * Apply @r->fn to the handover's pages and every preserved run, always in
 * the same order, until it returns non-zero.
 */
static int __init kho_reserve_all(struct kho_reserved *r)
{
	const struct kho_hdr *hdr = phys_to_virt(kho_in.sd.hdr_phys);

	return r->fn(r, kho_in.sd.hdr_phys, PAGE_SIZE) ?:
	       r->fn(r, hdr->fdt_phys, hdr->fdt_size) ?:
	       kho_tracker_walk_all(&kho_in.tracker, kho_reserve_node,
				    kho_reserve_run, r);
}

/* Release what @reserved took: nothing of a rejected handover stays. */
static void __init kho_release_all(const struct kho_reserved *reserved)
{
	struct kho_reserved released = {
		.fn = kho_unreserve,
		.limit = reserved->ranges,
	};

	kho_reserve_all(&released);
}

/*
 * Devices the previous kernel left running may still DMA through tables
 * in memory outside scratch that nothing protects now: stay in scratch
 * until kho_memory_init() has blocked them.
 */
static void __init kho_restore_reject(const char *why)
{
	kho_reject(why);
	kho_in.fence = true;
}

/**
 * kho_restore_early - validate the handover and protect preserved memory
 *
 * Called once the direct map covers all RAM, while memblock still
 * allocates only from scratch. Ends scratch-only allocation if the
 * handover is good; if not, kho_memory_init() ends it once DMA the
 * previous kernel left running is blocked.
 *
 * Memory first: the header and the tracker are all it takes to know what
 * to protect, so they are checked and every preserved page reserved before
 * the FDT is parsed. The FDT is checked right after. If a range overlaps
 * another or cannot be reserved, or the FDT is bad, whatever was reserved
 * is released and the handover rejected as a whole.
 */
void __init kho_restore_early(void)
{
	struct kho_reserved reserved = { .fn = kho_reserve };
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
	if (kho_reserve_all(&reserved)) {
		kho_release_all(&reserved);
		kho_restore_reject(reserved.why);
		return;
	}
	protected = get_cycles();

	if (kho_validate_fdt(kho_in.sd.hdr_phys, &why)) {
		kho_release_all(&reserved);
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
