// SPDX-License-Identifier: GPL-2.0
/*
 * KHO test client, continued: the handover broken on purpose
 * (CONFIG_KHO_TEST), for the corrupt-handover scenarios and their
 * campaign (tests/scenarios/kho-corrupt-campaign.sh).
 *
 * Each entry of kho_corruptions[] damages one thing a real handover
 * carries (the setup_data entry, the header, the tracker, the root FDT, a
 * handler's node or the memory it points at) and says what the next
 * kernel must make of it, its "expect":
 *
 *	reject:WHY	reject the whole handover with one line that starts
 *			"KHO: handover rejected: WHY"
 *	reject		the same, for whichever reason comes first (the
 *			damage reaches more than one check)
 *	memfd-node:N	accept it, skip node memfd@N (the N'th memfd preserved,
 *			from 0), hand over the others
 *	memfd-gap:N	accept it, hand over the memfds before memfd@N only
 *	memfd-list:N	accept it, refuse to restore the memfd of memfd@N
 *			(EINVAL), hand over the others
 *	kho-test	accept it; kho_test's verify fails
 *	vtd		accept it, reject the VT-d unit's record, block its devices
 *
 * /sys/kernel/debug/kho_test/
 *	corruptions	one line per entry: NAME WHEN EXPECT
 *	corrupt		write "NAME [seed=S]" to damage the frozen handover
 *			now, "arm NAME [seed=S]" to damage the next one as
 *			its image is loaded (WHEN "load": the setup_data
 *			entry is written then) or as it freezes ("freeze");
 *			read: the armed entry, "NAME seed=S expect=EXPECT"
 *			(EXPECT as it is for that seed), or "none"
 *
 * The seed picks every detail (which bit, which order, which value, a
 * bit flip's offset), so a run is reproducible from the seed it logs;
 * an arm draws the details the expectation depends on right away.
 *
 * Locking: kho_corrupt_lock protects the armed entry. It nests inside
 * kho_out.lock (the freeze hook runs under it); a damage done now runs
 * under kho_out.lock alone.
 */
#define pr_fmt(fmt) "kho_test: " fmt

#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "kho_internal.h"

enum kho_corrupt_when {
	KHO_CORRUPT_AT_LOAD,
	KHO_CORRUPT_AT_FREEZE,
};

/* What an entry's ->apply changed, and so what must be sealed again. */
#define KHO_RESEAL_SD		BIT(0)
#define KHO_RESEAL_FDT		BIT(1)
#define KHO_RESEAL_HDR		BIT(2)
#define KHO_RESEAL_ALL		(KHO_RESEAL_FDT | KHO_RESEAL_HDR)

#define KHO_EXPECT_MAX		64

struct kho_corruption;

/**
 * struct kho_corrupt - one corruption, planned and then applied
 * @c: the entry
 * @seed: the seed given
 * @rnd: drawn from @seed; @arg first, then whatever ->apply needs
 * @arg: drawn when planned, what the expectation may depend on
 * @expect: what the next kernel must make of it
 * @what: what ->apply changed, for the log
 * @sd: the setup_data payload being written (KHO_CORRUPT_AT_LOAD)
 * @hdr: the sealed header (KHO_CORRUPT_AT_FREEZE)
 * @fdt: the root FDT, in its buffer of @hdr->fdt_size bytes
 */
struct kho_corrupt {
	const struct kho_corruption *c;
	u64 seed;
	struct rnd_state rnd;
	u64 arg;
	char expect[KHO_EXPECT_MAX];
	char what[96];
	struct kho_setup_data *sd;
	struct kho_hdr *hdr;
	void *fdt;
};

/**
 * struct kho_corruption - one way of breaking the handover
 * @name: its name for the corrupt knob
 * @when: where it applies
 * @apply: make the change; returns KHO_RESEAL_* flags, or -ENOENT if the
 *	handover has nothing to damage that way
 * @expect: what the next kernel must make of it (see the top of the file)
 * @plan: if set, writes @expect into k->expect from k->arg instead
 */
struct kho_corruption {
	const char *name;
	enum kho_corrupt_when when;
	int (*apply)(struct kho_corrupt *k);
	const char *expect;
	void (*plan)(struct kho_corrupt *k);
};

static DEFINE_MUTEX(kho_corrupt_lock);
static struct kho_corrupt kho_armed;	/* .c is NULL when nothing is armed */

/* ---- helpers ------------------------------------------------------------ */

/* A random number below @n (any u64 for 0), from the seed. */
static u64 kho_rnd(struct kho_corrupt *k, u64 n)
{
	u64 r = (u64)prandom_u32_state(&k->rnd) << 32 | prandom_u32_state(&k->rnd);

	return n ? r % n : r;
}

static __printf(2, 3) void kho_what(struct kho_corrupt *k, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(k->what, sizeof(k->what), fmt, args);
	va_end(args);
}

static void kho_expect(struct kho_corrupt *k, const char *expect)
{
	strscpy(k->expect, expect, sizeof(k->expect));
}

static u64 kho_pageblock_bytes(void)
{
	return PAGE_SIZE << pageblock_order;
}

/* A page-aligned address far above any RAM these kernels run on. */
static u64 kho_far_away(struct kho_corrupt *k, unsigned int bit)
{
	return BIT_ULL(bit) + PFN_PHYS(kho_rnd(k, SZ_1M));
}

/* A page of this kernel's scratch, which the next kernel boots in. */
static u64 kho_scratch_page(struct kho_corrupt *k)
{
	const struct kho_scratch_range *r = &kho_scratch[kho_rnd(k, kho_nr_scratch)];

	return r->base + PFN_PHYS(kho_rnd(k, r->size >> PAGE_SHIFT));
}

static int kho_first_folio_fn(unsigned long pfn, unsigned int order,
			      unsigned long nr, void *arg)
{
	*(unsigned long *)arg = pfn;
	return 1;
}

/* The physical address of a preserved folio, 0 if there is none. */
static u64 kho_a_folio(void)
{
	unsigned long pfn = 0;

	kho_tracker_walk(&kho_out.tracker, kho_first_folio_fn, &pfn);
	return PFN_PHYS(pfn);
}

/* A random order whose tree has at least @levels inner levels, or -1. */
static int kho_pick_order(struct kho_corrupt *k, unsigned int levels)
{
	unsigned int order, nr = 0, pick;

	for (order = 0; order <= KHO_MAX_ORDER; order++)
		nr += k->hdr->order[order].top && k->hdr->order[order].levels >= levels;
	if (!nr)
		return -1;
	pick = kho_rnd(k, nr);
	for (order = 0; order <= KHO_MAX_ORDER; order++) {
		if (!k->hdr->order[order].top || k->hdr->order[order].levels < levels)
			continue;
		if (!pick--)
			break;
	}
	return order;
}

static void kho_flip(void *buf, u64 bit)
{
	((u8 *)buf)[bit / 8] ^= BIT(bit % 8);
}

/* ---- the setup_data entry, as the image is loaded ---------------------- */

static int kho_sd_magic(struct kho_corrupt *k)
{
	k->sd->magic ^= BIT(kho_rnd(k, 32));
	kho_what(k, "setup_data magic %#x", k->sd->magic);
	return KHO_RESEAL_SD;
}

static int kho_sd_version(struct kho_corrupt *k)
{
	k->sd->version += 1 + kho_rnd(k, U16_MAX - 1);
	kho_what(k, "setup_data version %u", k->sd->version);
	return KHO_RESEAL_SD;
}

static int kho_sd_size(struct kho_corrupt *k)
{
	k->sd->size ^= BIT(kho_rnd(k, 16));
	kho_what(k, "setup_data size %u", k->sd->size);
	return KHO_RESEAL_SD;
}

static int kho_sd_crc(struct kho_corrupt *k)
{
	k->sd->crc ^= BIT(kho_rnd(k, 32));
	kho_what(k, "setup_data crc %#x", k->sd->crc);
	return 0;
}

/* A bit anywhere in the entry, not sealed again: the first check it meets. */
static void kho_sd_bitflip_plan(struct kho_corrupt *k)
{
	u64 byte = (k->arg % (sizeof(*k->sd) * 8)) / 8;

	if (byte < offsetofend(struct kho_setup_data, magic))
		kho_expect(k, "reject:bad setup_data magic");
	else if (byte < offsetofend(struct kho_setup_data, size))
		kho_expect(k, "reject:unsupported setup_data version");
	else
		kho_expect(k, "reject:setup_data checksum mismatch");
}

static int kho_sd_bitflip(struct kho_corrupt *k)
{
	u64 bit = k->arg % (sizeof(*k->sd) * 8);

	kho_flip(k->sd, bit);
	kho_what(k, "setup_data bit %llu of %zu", bit, sizeof(*k->sd) * 8);
	return 0;
}

static int kho_sd_no_scratch(struct kho_corrupt *k)
{
	k->sd->nr_scratch = 0;
	kho_what(k, "no scratch range");
	return KHO_RESEAL_SD;
}

static int kho_sd_many_scratch(struct kho_corrupt *k)
{
	k->sd->nr_scratch = KHO_MAX_SCRATCH + 1 + kho_rnd(k, SZ_1K);
	kho_what(k, "%u scratch ranges", k->sd->nr_scratch);
	return KHO_RESEAL_SD;
}

static struct kho_scratch_range *kho_sd_range(struct kho_corrupt *k)
{
	return &k->sd->scratch[kho_rnd(k, k->sd->nr_scratch)];
}

static int kho_sd_scratch_unaligned(struct kho_corrupt *k)
{
	struct kho_scratch_range *r = kho_sd_range(k);

	r->base += PFN_PHYS(1 + kho_rnd(k, pageblock_nr_pages - 1));
	kho_what(k, "scratch base %#llx", r->base);
	return KHO_RESEAL_SD;
}

static int kho_sd_scratch_empty(struct kho_corrupt *k)
{
	struct kho_scratch_range *r = kho_sd_range(k);

	r->size = 0;
	kho_what(k, "scratch at %#llx empty", r->base);
	return KHO_RESEAL_SD;
}

static int kho_sd_scratch_wrap(struct kho_corrupt *k)
{
	struct kho_scratch_range *r = kho_sd_range(k);

	r->base = ALIGN_DOWN(U64_MAX, kho_pageblock_bytes()) -
		  kho_rnd(k, 16) * kho_pageblock_bytes();
	r->size = (17 + kho_rnd(k, 16)) * kho_pageblock_bytes();
	kho_what(k, "scratch [%#llx, +%#llx) wraps", r->base, r->size);
	return KHO_RESEAL_SD;
}

/* A range inside another, added (or in place of the second one). */
static int kho_sd_scratch_overlap(struct kho_corrupt *k)
{
	struct kho_scratch_range *r = kho_sd_range(k), *extra;
	u64 align = kho_pageblock_bytes();

	extra = &k->sd->scratch[min(k->sd->nr_scratch, KHO_MAX_SCRATCH - 1)];
	if (extra == r)
		extra = &k->sd->scratch[0];
	extra->base = r->base + ALIGN_DOWN(kho_rnd(k, r->size), align);
	extra->size = align;
	k->sd->nr_scratch = max_t(u32, k->sd->nr_scratch, extra - k->sd->scratch + 1);
	kho_what(k, "scratch [%#llx, +%#llx) inside [%#llx, +%#llx)",
		 extra->base, extra->size, r->base, r->size);
	return KHO_RESEAL_SD;
}

static int kho_sd_scratch_no_ram(struct kho_corrupt *k)
{
	struct kho_scratch_range *r = kho_sd_range(k);

	r->base = ALIGN(kho_far_away(k, 45), kho_pageblock_bytes());
	kho_what(k, "scratch at %#llx", r->base);
	return KHO_RESEAL_SD;
}

static int kho_sd_hdr_set(struct kho_corrupt *k, u64 phys)
{
	k->sd->hdr_phys = phys;
	kho_what(k, "header at %#llx", phys);
	return KHO_RESEAL_SD;
}

static int kho_sd_hdr_no_ram(struct kho_corrupt *k)
{
	return kho_sd_hdr_set(k, kho_far_away(k, 46));
}

static int kho_sd_hdr_unaligned(struct kho_corrupt *k)
{
	return kho_sd_hdr_set(k, k->sd->hdr_phys + 8 * (1 + kho_rnd(k, 511)));
}

static int kho_sd_hdr_scratch(struct kho_corrupt *k)
{
	return kho_sd_hdr_set(k, kho_scratch_page(k));
}

static int kho_sd_hdr_low(struct kho_corrupt *k)
{
	return kho_sd_hdr_set(k, PFN_PHYS(kho_rnd(k, PHYS_PFN(SZ_1M))));
}

/* Preserved RAM, so it passes the location checks: the magic cannot. */
static int kho_sd_hdr_folio(struct kho_corrupt *k)
{
	u64 phys = kho_a_folio();

	return phys ? kho_sd_hdr_set(k, phys) : -ENOENT;
}

/* ---- the header, once sealed -------------------------------------------- */

static int kho_hdr_magic(struct kho_corrupt *k)
{
	k->hdr->magic ^= BIT(kho_rnd(k, 32));
	kho_what(k, "header magic %#x", k->hdr->magic);
	return KHO_RESEAL_HDR;
}

static int kho_hdr_version(struct kho_corrupt *k)
{
	k->hdr->version += 1 + kho_rnd(k, U16_MAX - 1);
	kho_what(k, "header version %u", k->hdr->version);
	return KHO_RESEAL_HDR;
}

static int kho_hdr_size(struct kho_corrupt *k)
{
	k->hdr->size ^= BIT(kho_rnd(k, 16));
	kho_what(k, "header size %u", k->hdr->size);
	return KHO_RESEAL_HDR;
}

static int kho_hdr_orders(struct kho_corrupt *k)
{
	k->hdr->nr_orders ^= BIT(kho_rnd(k, 32));
	kho_what(k, "header nr_orders %u", k->hdr->nr_orders);
	return KHO_RESEAL_HDR;
}

static int kho_hdr_flags(struct kho_corrupt *k)
{
	k->hdr->flags |= BIT(kho_rnd(k, 32));
	kho_what(k, "header flags %#x", k->hdr->flags);
	return KHO_RESEAL_HDR;
}

static int kho_hdr_crc(struct kho_corrupt *k)
{
	k->hdr->crc ^= BIT(kho_rnd(k, 32));
	kho_what(k, "header crc %#x", k->hdr->crc);
	return 0;
}

static void kho_hdr_bitflip_plan(struct kho_corrupt *k)
{
	u64 byte = (k->arg % (sizeof(*k->hdr) * 8)) / 8;

	if (byte < offsetofend(struct kho_hdr, magic))
		kho_expect(k, "reject:bad header magic");
	else if (byte < offsetofend(struct kho_hdr, size) ||
		 (byte >= offsetof(struct kho_hdr, nr_orders) &&
		  byte < offsetofend(struct kho_hdr, nr_orders)))
		kho_expect(k, "reject:unsupported header version");
	else if (byte < offsetofend(struct kho_hdr, flags))
		kho_expect(k, "reject:unknown header flags");
	else
		kho_expect(k, "reject:header checksum mismatch");
}

static int kho_hdr_bitflip(struct kho_corrupt *k)
{
	u64 bit = k->arg % (sizeof(*k->hdr) * 8);

	kho_flip(k->hdr, bit);
	kho_what(k, "header bit %llu of %zu", bit, sizeof(*k->hdr) * 8);
	return 0;
}

static int kho_hdr_fdt_at(struct kho_corrupt *k, u64 phys, u64 size)
{
	k->hdr->fdt_phys = phys;
	k->hdr->fdt_size = size;
	kho_what(k, "FDT at %#llx, %#llx bytes", phys, size);
	return KHO_RESEAL_HDR;
}

static int kho_hdr_fdt_null(struct kho_corrupt *k)
{
	return kho_hdr_fdt_at(k, 0, k->hdr->fdt_size);
}

static int kho_hdr_fdt_unaligned(struct kho_corrupt *k)
{
	return kho_hdr_fdt_at(k, k->hdr->fdt_phys + 8 * (1 + kho_rnd(k, 511)),
			      k->hdr->fdt_size);
}

static int kho_hdr_fdt_empty(struct kho_corrupt *k)
{
	return kho_hdr_fdt_at(k, k->hdr->fdt_phys, 0);
}

static int kho_hdr_fdt_huge(struct kho_corrupt *k)
{
	return kho_hdr_fdt_at(k, k->hdr->fdt_phys, (PAGE_SIZE << MAX_PAGE_ORDER) +
			      PFN_PHYS(1 + kho_rnd(k, SZ_1K)));
}

static int kho_hdr_fdt_size_unaligned(struct kho_corrupt *k)
{
	return kho_hdr_fdt_at(k, k->hdr->fdt_phys,
			      k->hdr->fdt_size + 1 + kho_rnd(k, PAGE_SIZE - 1));
}

static int kho_hdr_fdt_no_ram(struct kho_corrupt *k)
{
	return kho_hdr_fdt_at(k, kho_far_away(k, 46), k->hdr->fdt_size);
}

static int kho_hdr_fdt_scratch(struct kho_corrupt *k)
{
	return kho_hdr_fdt_at(k, kho_scratch_page(k), PAGE_SIZE);
}

/* On a preserved folio: every check passes until both are reserved. */
static int kho_hdr_fdt_folio(struct kho_corrupt *k)
{
	u64 phys = kho_a_folio();

	return phys ? kho_hdr_fdt_at(k, phys, PAGE_SIZE) : -ENOENT;
}

static int kho_hdr_fdt_crc(struct kho_corrupt *k)
{
	k->hdr->fdt_crc ^= BIT(kho_rnd(k, 32));
	kho_what(k, "FDT crc %#x", k->hdr->fdt_crc);
	return KHO_RESEAL_HDR;
}

static int kho_hdr_generation(struct kho_corrupt *k)
{
	k->hdr->generation = 0;
	kho_what(k, "header generation 0");
	return KHO_RESEAL_HDR;
}

/* ---- the tracker -------------------------------------------------------- */

static int kho_tracker_levels(struct kho_corrupt *k)
{
	unsigned int order = kho_rnd(k, KHO_NR_ORDERS);

	k->hdr->order[order].levels = KHO_MAX_LEVELS + 1 + kho_rnd(k, SZ_1K);
	kho_what(k, "order %u: %u levels", order, k->hdr->order[order].levels);
	return KHO_RESEAL_HDR;
}

static int kho_tracker_reserved(struct kho_corrupt *k)
{
	unsigned int order = kho_rnd(k, KHO_NR_ORDERS);

	k->hdr->order[order].reserved = 1 + kho_rnd(k, U32_MAX - 1);
	kho_what(k, "order %u: reserved %#x", order, k->hdr->order[order].reserved);
	return KHO_RESEAL_HDR;
}

static int kho_tracker_top(struct kho_corrupt *k, u64 top)
{
	int order = kho_pick_order(k, 0);

	if (order < 0)
		return -ENOENT;
	k->hdr->order[order].top = top ?: k->hdr->order[order].top + 8 * (1 + kho_rnd(k, 511));
	kho_what(k, "order %d: top node at %#llx", order, k->hdr->order[order].top);
	return KHO_RESEAL_HDR;
}

static int kho_tracker_unaligned(struct kho_corrupt *k)
{
	return kho_tracker_top(k, 0);
}

static int kho_tracker_no_ram(struct kho_corrupt *k)
{
	return kho_tracker_top(k, kho_far_away(k, 50));
}

static int kho_tracker_scratch(struct kho_corrupt *k)
{
	return kho_tracker_top(k, kho_scratch_page(k));
}

static int kho_tracker_low(struct kho_corrupt *k)
{
	return kho_tracker_top(k, PFN_PHYS(1 + kho_rnd(k, PHYS_PFN(SZ_1M) - 1)));
}

/* A real tree, as the tree of an order above the maximum. */
static int kho_tracker_order(struct kho_corrupt *k)
{
	unsigned int to = KHO_MAX_ORDER + 1 + kho_rnd(k, KHO_NR_ORDERS - KHO_MAX_ORDER - 1);
	int from = kho_pick_order(k, 0);

	if (from < 0)
		return -ENOENT;
	k->hdr->order[to] = k->hdr->order[from];
	kho_what(k, "order %d's tree is order %u's too", from, to);
	return KHO_RESEAL_HDR;
}

/*
 * Unseal the tracker, set one more folio in it and seal it again: the
 * tree may grow a node or a level, so the header is sealed again too.
 */
static int kho_tracker_add(struct kho_corrupt *k, unsigned long pfn)
{
	struct kho_tracker *t = &kho_out.tracker;
	int err;

	kho_tracker_seal(t, false);
	err = kho_tracker_set(t, pfn, 0);
	kho_tracker_seal(t, true);
	if (err)
		return err;
	kho_what(k, "pfn %#lx preserved", pfn);
	return KHO_RESEAL_HDR;
}

static int kho_tracker_in_scratch(struct kho_corrupt *k)
{
	return kho_tracker_add(k, PHYS_PFN(kho_scratch_page(k)));
}

static int kho_tracker_below_1m(struct kho_corrupt *k)
{
	return kho_tracker_add(k, 1 + kho_rnd(k, PHYS_PFN(SZ_1M) - 1));
}

static int kho_tracker_past_ram(struct kho_corrupt *k)
{
	return kho_tracker_add(k, max_pfn + 1 + kho_rnd(k, SZ_1M));
}

/*
 * A subtree hung again under one of the last slots of its top node, where
 * the pfns it stands for lie far beyond the RAM of these kernels.
 */
static int kho_tracker_graft(struct kho_corrupt *k)
{
	int order = kho_pick_order(k, 1);
	unsigned int from, to;
	u64 *slots;

	if (order < 0)
		return -ENOENT;
	slots = phys_to_virt(k->hdr->order[order].top);
	for (from = 0; from < KHO_NODE_SLOTS && !slots[from]; from++)
		;
	to = KHO_NODE_SLOTS - 1 - kho_rnd(k, 8);
	if (from >= to || slots[to])
		return -ENOENT;
	slots[to] = slots[from];
	kho_what(k, "order %d: slot %u is slot %u too", order, from, to);
	return 0;
}

/* A slot of an inner node pointing at the header page. */
static int kho_tracker_node_hdr(struct kho_corrupt *k)
{
	int order = kho_pick_order(k, 1);
	unsigned int slot = kho_rnd(k, KHO_NODE_SLOTS);
	u64 *slots;

	if (order < 0)
		return -ENOENT;
	slots = phys_to_virt(k->hdr->order[order].top);
	slots[slot] = virt_to_phys(k->hdr);
	kho_what(k, "order %d: slot %u is the header", order, slot);
	return 0;
}

/*
 * The second page of a preserved folio of order 1 or more is preserved
 * again at order 0, which kho_preserve_*() would never let happen. Every
 * page is still RAM the next kernel may take, so only the overlap can tell.
 */
static int kho_first_big_fn(unsigned long pfn, unsigned int order,
			    unsigned long nr, void *arg)
{
	if (!order)
		return 0;
	*(unsigned long *)arg = pfn;
	return 1;
}

static int kho_tracker_folio_overlap(struct kho_corrupt *k)
{
	unsigned long head = 0;

	kho_tracker_walk(&kho_out.tracker, kho_first_big_fn, &head);
	if (!head)
		return -ENOENT;
	return kho_tracker_add(k, head + 1);
}

/* Is every pfn of [first, first + nr) RAM the next kernel may take? */
static bool kho_usable_pfns(unsigned long first, unsigned long nr)
{
	return first >= PHYS_PFN(SZ_1M) && first + 2 * nr <= max_pfn &&
	       !kho_in_scratch(PFN_PHYS(first), PFN_PHYS(nr));
}

/*
 * A part of the tracker referenced a second time, where the pfns it then
 * stands for are all RAM outside scratch (with a margin below the end of
 * memory, where firmware keeps a little): the tree still only points at
 * memory the next kernel may take, but finish would free those nodes
 * twice. A subtree goes under an empty slot of its top node; a tree that
 * is a single leaf becomes also the tree of the next order.
 */
static int kho_tracker_node_twice(struct kho_corrupt *k)
{
	struct kho_hdr *hdr = k->hdr;
	unsigned int order, from, to, shift;
	struct kho_tracker_root *root;
	u64 *slots;

	for (order = 0; order <= KHO_MAX_ORDER; order++) {
		root = &hdr->order[order];
		if (!root->top)
			continue;
		if (!root->levels) {
			shift = KHO_LEAF_SHIFT + order + 1;
			/* Folios below 1 MiB are never preserved: from there up. */
			if (order == KHO_MAX_ORDER || hdr->order[order + 1].top ||
			    !kho_usable_pfns(PHYS_PFN(SZ_1M),
					     (1UL << shift) - PHYS_PFN(SZ_1M)))
				continue;
			hdr->order[order + 1] = *root;
			kho_what(k, "order %u's leaf is order %u's too", order, order + 1);
			return KHO_RESEAL_HDR;
		}
		slots = phys_to_virt(root->top);
		shift = KHO_LEAF_SHIFT + KHO_NODE_SHIFT * (root->levels - 1) + order;
		for (from = 0; from < KHO_NODE_SLOTS && !slots[from]; from++)
			;
		for (to = 1; from < KHO_NODE_SLOTS && to < KHO_NODE_SLOTS; to++) {
			if (slots[to] || !kho_usable_pfns((unsigned long)to << shift,
							  1UL << shift))
				continue;
			slots[to] = slots[from];
			kho_what(k, "order %u's slot %u is slot %u too", order, from, to);
			return 0;
		}
	}
	return -ENOENT;
}

/* ---- the root FDT ------------------------------------------------------- */

static struct fdt_header *kho_fdt_hdr(struct kho_corrupt *k)
{
	return k->fdt;
}

/*
 * Open the FDT for changes with @room more bytes than it holds: into a
 * larger buffer if its own is too small (which then replaces it, header
 * and kho_out alike).
 */
static int kho_fdt_open(struct kho_corrupt *k, size_t room)
{
	size_t need = fdt_totalsize(k->fdt) + room;
	unsigned int order = kho_out.fdt.order;
	void *blob;

	if (need <= k->hdr->fdt_size)
		return fdt_open_into(k->fdt, k->fdt, k->hdr->fdt_size) ? -EIO : 0;
	while ((PAGE_SIZE << order) < need)
		order++;
	if (order > MAX_PAGE_ORDER)
		return -ENOSPC;
	blob = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO, order);
	if (!blob)
		return -ENOMEM;
	if (fdt_open_into(k->fdt, blob, PAGE_SIZE << order)) {
		free_pages((unsigned long)blob, order);
		return -EIO;
	}
	free_pages((unsigned long)kho_out.fdt.blob, kho_out.fdt.order);
	kho_out.fdt.blob = blob;
	kho_out.fdt.order = order;
	k->fdt = blob;
	k->hdr->fdt_phys = virt_to_phys(blob);
	k->hdr->fdt_size = PAGE_SIZE << order;
	return 0;
}

/* @err is 0, an errno of kho_fdt_open() or a libfdt error: -EIO then. */
static int kho_fdt_close(struct kho_corrupt *k, int err)
{
	if (err || fdt_pack(k->fdt))
		return -EIO;
	return KHO_RESEAL_ALL;
}

/* The offset of the @index'th handler node (a child of the root). */
static int kho_fdt_nth_node(struct kho_corrupt *k, int index)
{
	int node;

	fdt_for_each_subnode(node, k->fdt, 0)
		if (!index--)
			return node;
	return -ENOENT;
}

/*
 * The offset of a random handler node, or -ENOENT; with @other, of
 * another one too, in *@other.
 */
static int kho_fdt_pick_node(struct kho_corrupt *k, int *other)
{
	int node, nr = 0, pick;

	fdt_for_each_subnode(node, k->fdt, 0)
		nr++;
	if (nr < (other ? 2 : 1))
		return -ENOENT;
	pick = kho_rnd(k, nr);
	if (other)
		*other = kho_fdt_nth_node(k, (pick + 1 + kho_rnd(k, nr - 1)) % nr);
	return kho_fdt_nth_node(k, pick);
}

static int kho_fdt_magic(struct kho_corrupt *k)
{
	kho_flip(&kho_fdt_hdr(k)->magic, kho_rnd(k, 32));
	kho_what(k, "FDT magic %#x", fdt_magic(k->fdt));
	return KHO_RESEAL_ALL;
}

/* Past its buffer: not sealed again, its checksum would read past it too. */
static int kho_fdt_too_long(struct kho_corrupt *k)
{
	u32 size = k->hdr->fdt_size + PFN_PHYS(1 + kho_rnd(k, 16));

	kho_fdt_hdr(k)->totalsize = cpu_to_fdt32(size);
	kho_what(k, "FDT totalsize %u in %llu bytes", size, k->hdr->fdt_size);
	return KHO_RESEAL_HDR;
}

static int kho_fdt_truncated(struct kho_corrupt *k)
{
	u32 end = fdt_off_dt_strings(k->fdt) + fdt_size_dt_strings(k->fdt);
	u32 size = FDT_V17_SIZE + kho_rnd(k, end - FDT_V17_SIZE);

	kho_fdt_hdr(k)->totalsize = cpu_to_fdt32(size);
	kho_what(k, "FDT cut to %u of %u bytes", size, end);
	return KHO_RESEAL_ALL;
}

static int kho_fdt_version(struct kho_corrupt *k)
{
	u32 version = FDT_LAST_SUPPORTED_VERSION + 1 + kho_rnd(k, 100);

	kho_fdt_hdr(k)->last_comp_version = cpu_to_fdt32(version);
	kho_what(k, "FDT last compatible version %u", version);
	return KHO_RESEAL_ALL;
}

static int kho_fdt_off_struct(struct kho_corrupt *k)
{
	u32 off = fdt_totalsize(k->fdt) + 8 * kho_rnd(k, 512);

	kho_fdt_hdr(k)->off_dt_struct = cpu_to_fdt32(off);
	kho_what(k, "FDT structure block at %u", off);
	return KHO_RESEAL_ALL;
}

static int kho_fdt_compatible(struct kho_corrupt *k)
{
	int len;
	char *compat = fdt_getprop_w(k->fdt, 0, "compatible", &len);
	int at;

	if (!compat || len < 2)
		return -ENOENT;
	at = kho_rnd(k, len - 1);
	compat[at] ^= 1;
	kho_what(k, "root compatible %s", compat);
	return KHO_RESEAL_ALL;
}

static int kho_fdt_dup_node(struct kho_corrupt *k)
{
	int other, node = kho_fdt_pick_node(k, &other);
	char name[KHO_NAME_MAX];
	int err;

	if (node < 0)
		return node;
	strscpy(name, fdt_get_name(k->fdt, other, NULL), sizeof(name));
	kho_what(k, "node %s renamed %s", fdt_get_name(k->fdt, node, NULL), name);
	err = kho_fdt_open(k, 0);
	/* Opening moves nothing: offsets stay valid. */
	return kho_fdt_close(k, err ?: fdt_set_name(k->fdt, node, name));
}

/* A root property (not the compatible, which the root check reads) renamed. */
static int kho_fdt_dup_prop(struct kho_corrupt *k)
{
	struct fdt_property *props[KHO_FDT_MAX_NAMES], *victim;
	int offset, nr = 0, pick;
	const char *name;

	fdt_for_each_property_offset(offset, k->fdt, 0)
		if (nr < ARRAY_SIZE(props))
			props[nr++] = (struct fdt_property *)fdt_offset_ptr(k->fdt, offset,
									    sizeof(*props[0]));
	if (nr < 3)
		return -ENOENT;
	/* A later one takes the name of an earlier one, the first of its name. */
	pick = 1 + kho_rnd(k, nr - 1);
	victim = props[pick];
	if (!strcmp(fdt_string(k->fdt, fdt32_to_cpu(victim->nameoff)), "compatible"))
		return -ENOENT;
	offset = kho_rnd(k, pick);
	name = fdt_string(k->fdt, fdt32_to_cpu(props[offset]->nameoff));
	kho_what(k, "root property %s renamed %s",
		 fdt_string(k->fdt, fdt32_to_cpu(victim->nameoff)), name);
	victim->nameoff = props[offset]->nameoff;
	return KHO_RESEAL_ALL;
}

static int kho_fdt_no_compatible(struct kho_corrupt *k)
{
	int node = kho_fdt_pick_node(k, NULL), err;

	if (node < 0)
		return node;
	kho_what(k, "node %s has no compatible", fdt_get_name(k->fdt, node, NULL));
	err = kho_fdt_open(k, 0);
	return kho_fdt_close(k, err ?: fdt_delprop(k->fdt, node, "compatible"));
}

static int kho_fdt_compatible_list(struct kho_corrupt *k)
{
	int node = kho_fdt_pick_node(k, NULL), err;

	if (node < 0)
		return node;
	kho_what(k, "node %s has two compatibles", fdt_get_name(k->fdt, node, NULL));
	err = kho_fdt_open(k, 16);
	return kho_fdt_close(k, err ?: fdt_appendprop_string(k->fdt, node,
							      "compatible", "linux,other"));
}

/* The tag that ends the last handler's node, made one no FDT has. */
static int kho_fdt_bad_tag(struct kho_corrupt *k)
{
	int offset = 0, next, depth = 0, last = -1;
	u32 tag;

	do {
		tag = fdt_next_tag(k->fdt, offset, &next);
		if (tag == FDT_BEGIN_NODE)
			depth++;
		else if (tag == FDT_END_NODE && depth-- == 2)
			last = offset;
		offset = next;
	} while (tag != FDT_END && offset >= 0);
	if (last < 0)
		return -ENOENT;
	tag = FDT_END + 1 + kho_rnd(k, SZ_1K);
	*(fdt32_t *)fdt_offset_ptr_w(k->fdt, last, FDT_TAGSIZE) = cpu_to_fdt32(tag);
	kho_what(k, "tag %#x at %d", tag, last);
	return KHO_RESEAL_ALL;
}

static int kho_fdt_set_u64(struct kho_corrupt *k, const char *prop, u64 val)
{
	kho_what(k, "root %s %#llx", prop, val);
	return fdt_setprop_inplace_u64(k->fdt, 0, prop, val) ? -ENOENT : KHO_RESEAL_ALL;
}

static u64 kho_fdt_get_u64(struct kho_corrupt *k, const char *prop)
{
	u64 val = 0;

	kho_fdt_u64(k->fdt, 0, prop, &val);
	return val;
}

static int kho_fdt_tracker_unaligned(struct kho_corrupt *k)
{
	u64 tracker = kho_fdt_get_u64(k, KHO_FDT_PROP_TRACKER);

	return kho_fdt_set_u64(k, KHO_FDT_PROP_TRACKER, tracker + 8 * (1 + kho_rnd(k, 511)));
}

static int kho_fdt_tracker_other(struct kho_corrupt *k)
{
	return kho_fdt_set_u64(k, KHO_FDT_PROP_TRACKER,
			       kho_fdt_get_u64(k, KHO_FDT_PROP_TRACKER) +
			       PFN_PHYS(1 + kho_rnd(k, SZ_1K)));
}

static int kho_fdt_tracker_u32(struct kho_corrupt *k)
{
	u32 val = kho_fdt_get_u64(k, KHO_FDT_PROP_TRACKER);
	int err = kho_fdt_open(k, 0);

	kho_what(k, "root tracker is 4 bytes");
	return kho_fdt_close(k, err ?: fdt_setprop_u32(k->fdt, 0, KHO_FDT_PROP_TRACKER, val));
}

static int kho_fdt_tracker_none(struct kho_corrupt *k)
{
	int err = kho_fdt_open(k, 0);

	kho_what(k, "no root tracker");
	return kho_fdt_close(k, err ?: fdt_delprop(k->fdt, 0, KHO_FDT_PROP_TRACKER));
}

static int kho_fdt_generation_zero(struct kho_corrupt *k)
{
	return kho_fdt_set_u64(k, KHO_FDT_PROP_GENERATION, 0);
}

static int kho_fdt_generation_other(struct kho_corrupt *k)
{
	return kho_fdt_set_u64(k, KHO_FDT_PROP_GENERATION,
			       kho_fdt_get_u64(k, KHO_FDT_PROP_GENERATION) +
			       1 + kho_rnd(k, SZ_1K));
}

/* The scratch property loses its last 8 bytes: half a range. */
static int kho_fdt_scratch_short(struct kho_corrupt *k)
{
	u8 copy[KHO_MAX_SCRATCH * sizeof(struct kho_scratch_range)];
	const void *prop;
	int len, err;

	prop = fdt_getprop(k->fdt, 0, KHO_FDT_PROP_SCRATCH, &len);
	if (!prop || len < 16 || len > sizeof(copy))
		return -ENOENT;
	memcpy(copy, prop, len);
	kho_what(k, "root scratch %d bytes", len - 8);
	err = kho_fdt_open(k, 0);
	return kho_fdt_close(k, err ?: fdt_setprop(k->fdt, 0, KHO_FDT_PROP_SCRATCH,
						   copy, len - 8));
}

static fdt64_t *kho_fdt_scratch(struct kho_corrupt *k, unsigned int *nr)
{
	int len;
	fdt64_t *prop = fdt_getprop_w(k->fdt, 0, KHO_FDT_PROP_SCRATCH, &len);

	*nr = prop && len >= 16 ? len / 16 : 0;
	return prop;
}

/* Still valid ranges, but not the ones the setup_data entry has. */
static int kho_fdt_scratch_other(struct kho_corrupt *k)
{
	u64 align = kho_pageblock_bytes(), size;
	fdt64_t *r, swap[2];
	unsigned int nr;

	r = kho_fdt_scratch(k, &nr);
	if (!nr)
		return -ENOENT;
	if (nr > 1) {
		memcpy(swap, r, sizeof(swap));
		memcpy(r, r + 2, sizeof(swap));
		memcpy(r + 2, swap, sizeof(swap));
		kho_what(k, "root scratch ranges 0 and 1 swapped");
		return KHO_RESEAL_ALL;
	}
	size = fdt64_to_cpu(r[1]);
	size = size > align ? size - align : size + align;
	r[1] = cpu_to_fdt64(size);
	kho_what(k, "root scratch size %#llx", size);
	return KHO_RESEAL_ALL;
}

static int kho_fdt_scratch_empty(struct kho_corrupt *k)
{
	unsigned int nr, i;
	fdt64_t *r = kho_fdt_scratch(k, &nr);

	if (!nr)
		return -ENOENT;
	i = kho_rnd(k, nr);
	r[2 * i + 1] = 0;
	kho_what(k, "root scratch range %u empty", i);
	return KHO_RESEAL_ALL;
}

/* KHO_FDT_MAX_NAMES more handler nodes, each well formed. */
static int kho_fdt_many_nodes(struct kho_corrupt *k)
{
	char name[16];
	int i, node, err = kho_fdt_open(k, KHO_FDT_MAX_NAMES * 64);

	for (i = 0; !err && i < KHO_FDT_MAX_NAMES; i++) {
		snprintf(name, sizeof(name), "extra@%d", i);
		node = fdt_add_subnode(k->fdt, 0, name);
		err = node < 0 ? node : fdt_setprop_string(k->fdt, node, "compatible",
							  "linux,extra");
	}
	kho_what(k, "%d more handler nodes", KHO_FDT_MAX_NAMES);
	return kho_fdt_close(k, err);
}

static int kho_fdt_many_props(struct kho_corrupt *k)
{
	char name[16];
	int i, err = kho_fdt_open(k, KHO_FDT_MAX_NAMES * 32);

	for (i = 0; !err && i < KHO_FDT_MAX_NAMES; i++) {
		snprintf(name, sizeof(name), "extra-%d", i);
		err = fdt_setprop_u32(k->fdt, 0, name, i);
	}
	kho_what(k, "%d more root properties", KHO_FDT_MAX_NAMES);
	return kho_fdt_close(k, err);
}

/* A bit past the FDT's header, its checksum not sealed again. */
static int kho_fdt_bitflip(struct kho_corrupt *k)
{
	u64 bytes = fdt_totalsize(k->fdt) - sizeof(struct fdt_header);
	u64 bit = sizeof(struct fdt_header) * 8 + kho_rnd(k, bytes * 8);

	kho_flip(k->fdt, bit);
	kho_what(k, "FDT bit %llu of %u", bit, fdt_totalsize(k->fdt) * 8);
	return 0;
}

/* ---- handler nodes ------------------------------------------------------ */

/* memfd@@index in the memfd node, with its name in @name; or -ENOENT. */
static int kho_memfd_node(struct kho_corrupt *k, unsigned int index, char *name)
{
	char path[32];
	const char *str;
	int node;

	snprintf(path, sizeof(path), "/%s/memfd@%u", KHO_MEMFD_NODE, index);
	node = fdt_path_offset(k->fdt, path);
	if (node < 0)
		return -ENOENT;
	str = fdt_getprop(k->fdt, node, "memfd-name", NULL);
	if (!str)
		return -ENOENT;
	strscpy(name, str, KHO_NAME_MAX);
	return node;
}

/* memfd@0's property @prop plus @delta, in place. */
static int kho_memfd_prop_add(struct kho_corrupt *k, const char *prop, u64 delta)
{
	char name[KHO_NAME_MAX];
	int node = kho_memfd_node(k, 0, name);
	u64 val;

	if (node < 0 || kho_fdt_u64(k->fdt, node, prop, &val))
		return -ENOENT;
	kho_what(k, "memfd %s: %s %#llx", name, prop, val + delta);
	return fdt_setprop_inplace_u64(k->fdt, node, prop, val + delta) ? -EIO :
	       KHO_RESEAL_ALL;
}

static int kho_memfd_size(struct kho_corrupt *k)
{
	return kho_memfd_prop_add(k, "size", PFN_PHYS(1 + kho_rnd(k, SZ_1K)));
}

static int kho_memfd_nr_pages(struct kho_corrupt *k)
{
	return kho_memfd_prop_add(k, "nr-pages", 1 + kho_rnd(k, SZ_1K));
}

static int kho_memfd_pages(struct kho_corrupt *k)
{
	return kho_memfd_prop_add(k, "pages", 8 * (1 + kho_rnd(k, 511)));
}

/* More folios than the memfd has pages. */
static int kho_memfd_nr_folios(struct kho_corrupt *k)
{
	char name[KHO_NAME_MAX];
	int node = kho_memfd_node(k, 0, name);
	u64 nr_pages, nr_folios;

	if (node < 0 || kho_fdt_u64(k->fdt, node, "nr-pages", &nr_pages) ||
	    kho_fdt_u64(k->fdt, node, "nr-folios", &nr_folios))
		return -ENOENT;
	return kho_memfd_prop_add(k, "nr-folios",
				  nr_pages - nr_folios + 1 + kho_rnd(k, SZ_1K));
}

/*
 * A page size no memfd has: from a page to 2^N - 1 pages (3 to 2047),
 * neither a page nor a huge page. (A power of two above a page would be a
 * hugetlb memfd's page size.)
 */
static int kho_memfd_page_size(struct kho_corrupt *k)
{
	return kho_memfd_prop_add(k, "page-size",
				  (PAGE_SIZE << (2 + kho_rnd(k, 9))) - 2 * PAGE_SIZE);
}

/* A seal bit Linux does not have (they end at F_SEAL_EXEC, 0x20). */
static int kho_memfd_seals(struct kho_corrupt *k)
{
	return kho_memfd_prop_add(k, "seals", BIT_ULL(16 + kho_rnd(k, 48)));
}

/* The name loses its NUL. */
static int kho_memfd_name(struct kho_corrupt *k)
{
	char name[KHO_NAME_MAX];
	int node = kho_memfd_node(k, 0, name), len;
	char *str;

	if (node < 0)
		return -ENOENT;
	str = fdt_getprop_w(k->fdt, node, "memfd-name", &len);
	str[len - 1] = 'x';
	kho_what(k, "memfd %s: name not terminated", name);
	return KHO_RESEAL_ALL;
}

/* memfd@2 takes memfd@0's name: the later one is the duplicate. */
static int kho_memfd_dup_name(struct kho_corrupt *k)
{
	char first[KHO_NAME_MAX], name[KHO_NAME_MAX];
	int node, err;

	if (kho_memfd_node(k, 0, first) < 0 || kho_memfd_node(k, 2, name) < 0)
		return -ENOENT;
	kho_what(k, "memfd %s renamed %s", name, first);
	err = kho_fdt_open(k, KHO_NAME_MAX);
	node = err ?: kho_memfd_node(k, 2, name);
	return kho_fdt_close(k, node < 0 ? node :
			     fdt_setprop_string(k->fdt, node, "memfd-name", first));
}

/* memfd@2 renamed memfd@N past the last one: a gap where it was. */
static int kho_memfd_gap(struct kho_corrupt *k)
{
	char name[KHO_NAME_MAX], node_name[24];
	int node = kho_memfd_node(k, 2, name), err;

	if (node < 0)
		return -ENOENT;
	snprintf(node_name, sizeof(node_name), "memfd@%llu", 100 + kho_rnd(k, 1000));
	kho_what(k, "memfd@2 (%s) renamed %s", name, node_name);
	err = kho_fdt_open(k, 0);
	return kho_fdt_close(k, err ?: fdt_set_name(k->fdt, node, node_name));
}

/* The first memfd's page list, in its preserved pages (no checksum). */
static int kho_memfd_page_list(struct kho_corrupt *k)
{
	char name[KHO_NAME_MAX];
	int err;

	err = kho_memfd_test_corrupt(k->c->name, kho_rnd(k, 0), name, sizeof(name));
	if (err)
		return err;
	kho_what(k, "memfd %s: page list", name);
	return 0;
}

static int kho_test_node(struct kho_corrupt *k)
{
	int err = kho_test_corrupt_node(k->fdt, k->c->name, kho_rnd(k, 0));

	kho_what(k, "kho-test node");
	return err ?: KHO_RESEAL_ALL;
}

/*
 * A property of the first VT-d device (or, for reg-base, root and mode,
 * of its unit) in the frozen FDT, rewritten in place so that the next
 * kernel must reject the unit's record and block its devices:
 * vtd-node (a domain ID the unit reserves), vtd-pgd (a page table outside
 * the preserved memory), vtd-root (not the root the unit uses), vtd-mode
 * (not this mode) or vtd-unit (a register base no unit has).
 */
static int kho_vtd(struct kho_corrupt *k)
{
	const char *how = k->c->name;
	int unit, dev, len;
	const fdt64_t *val;
	char *mode;

	unit = fdt_path_offset(k->fdt, "/" KHO_VTD_NODE "/unit@0");
	dev = unit < 0 ? unit : fdt_subnode_offset(k->fdt, unit, "device@0");
	if (dev < 0)
		return -ENOENT;
	kho_what(k, "VT-d %s", how);
	if (!strcmp(how, "vtd-node"))
		return fdt_setprop_inplace_u64(k->fdt, dev, "did", 1) ? -EIO : KHO_RESEAL_ALL;
	if (!strcmp(how, "vtd-pgd")) {
		val = fdt_getprop(k->fdt, dev, "pgd", &len);
		return fdt_setprop_inplace_u64(k->fdt, dev, "pgd",
					       fdt64_to_cpu(*val) ^ BIT_ULL(45)) ? -EIO :
		       KHO_RESEAL_ALL;
	}
	if (!strcmp(how, "vtd-root")) {
		val = fdt_getprop(k->fdt, unit, "root", &len);
		return fdt_setprop_inplace_u64(k->fdt, unit, "root",
					       fdt64_to_cpu(*val) + PAGE_SIZE) ? -EIO :
		       KHO_RESEAL_ALL;
	}
	if (!strcmp(how, "vtd-unit")) {
		val = fdt_getprop(k->fdt, unit, "reg-base", &len);
		return fdt_setprop_inplace_u64(k->fdt, unit, "reg-base",
					       fdt64_to_cpu(*val) + PAGE_SIZE) ? -EIO :
		       KHO_RESEAL_ALL;
	}
	mode = fdt_getprop_w(k->fdt, unit, "mode", &len);
	if (!mode || len < 2)
		return -ENOENT;
	mode[0] ^= 0x20;
	return KHO_RESEAL_ALL;
}

/* ---- the table ---------------------------------------------------------- */

#define LOAD(n, fn, e)		{ n, KHO_CORRUPT_AT_LOAD, fn, e }
#define FROZEN(n, fn, e)	{ n, KHO_CORRUPT_AT_FREEZE, fn, e }

static const struct kho_corruption kho_corruptions[] = {
	LOAD("sd-magic", kho_sd_magic, "reject:bad setup_data magic"),
	LOAD("sd-version", kho_sd_version, "reject:unsupported setup_data version"),
	LOAD("sd-size", kho_sd_size, "reject:unsupported setup_data version"),
	LOAD("sd-crc", kho_sd_crc, "reject:setup_data checksum mismatch"),
	{ "sd-bitflip", KHO_CORRUPT_AT_LOAD, kho_sd_bitflip, NULL, kho_sd_bitflip_plan },
	LOAD("sd-no-scratch", kho_sd_no_scratch, "reject:bad scratch count"),
	LOAD("sd-many-scratch", kho_sd_many_scratch, "reject:bad scratch count"),
	LOAD("sd-scratch-unaligned", kho_sd_scratch_unaligned, "reject:bad scratch range"),
	LOAD("sd-scratch-empty", kho_sd_scratch_empty, "reject:bad scratch range"),
	LOAD("sd-scratch-wrap", kho_sd_scratch_wrap, "reject:bad scratch range"),
	LOAD("sd-scratch-overlap", kho_sd_scratch_overlap, "reject:overlapping scratch ranges"),
	LOAD("sd-scratch-no-ram", kho_sd_scratch_no_ram, "reject:scratch outside RAM"),
	LOAD("sd-hdr-no-ram", kho_sd_hdr_no_ram, "reject:header outside RAM"),
	LOAD("sd-hdr-unaligned", kho_sd_hdr_unaligned, "reject:header outside RAM"),
	LOAD("sd-hdr-scratch", kho_sd_hdr_scratch, "reject:header outside RAM"),
	LOAD("sd-hdr-low", kho_sd_hdr_low, "reject:header outside RAM"),
	LOAD("sd-hdr-folio", kho_sd_hdr_folio, "reject:bad header magic"),

	FROZEN("hdr-magic", kho_hdr_magic, "reject:bad header magic"),
	FROZEN("hdr-version", kho_hdr_version, "reject:unsupported header version"),
	FROZEN("hdr-size", kho_hdr_size, "reject:unsupported header version"),
	FROZEN("hdr-orders", kho_hdr_orders, "reject:unsupported header version"),
	FROZEN("hdr-flags", kho_hdr_flags, "reject:unknown header flags"),
	FROZEN("hdr-crc", kho_hdr_crc, "reject:header checksum mismatch"),
	{ "hdr-bitflip", KHO_CORRUPT_AT_FREEZE, kho_hdr_bitflip, NULL, kho_hdr_bitflip_plan },
	FROZEN("hdr-fdt-null", kho_hdr_fdt_null, "reject:bad FDT location"),
	FROZEN("hdr-fdt-unaligned", kho_hdr_fdt_unaligned, "reject:bad FDT location"),
	FROZEN("hdr-fdt-empty", kho_hdr_fdt_empty, "reject:bad FDT location"),
	FROZEN("hdr-fdt-huge", kho_hdr_fdt_huge, "reject:bad FDT location"),
	FROZEN("hdr-fdt-size-unaligned", kho_hdr_fdt_size_unaligned, "reject:bad FDT location"),
	FROZEN("hdr-generation", kho_hdr_generation, "reject:bad generation"),
	FROZEN("hdr-fdt-no-ram", kho_hdr_fdt_no_ram, "reject:FDT outside RAM"),
	FROZEN("hdr-fdt-scratch", kho_hdr_fdt_scratch, "reject:FDT outside RAM"),
	FROZEN("hdr-fdt-folio", kho_hdr_fdt_folio, "reject:preserved ranges overlap"),
	FROZEN("fdt-crc", kho_hdr_fdt_crc, "reject:FDT checksum mismatch"),

	FROZEN("tracker-levels", kho_tracker_levels, "reject:tracker too many levels"),
	FROZEN("tracker-reserved", kho_tracker_reserved, "reject:tracker reserved field set"),
	FROZEN("tracker-unaligned", kho_tracker_unaligned, "reject:tracker node unaligned"),
	FROZEN("tracker-no-ram", kho_tracker_no_ram, "reject:tracker node outside RAM"),
	FROZEN("tracker-scratch", kho_tracker_scratch, "reject:tracker node outside RAM"),
	FROZEN("tracker-low", kho_tracker_low, "reject:tracker node outside RAM"),
	FROZEN("tracker-order", kho_tracker_order, "reject:tracker order too high"),
	FROZEN("tracker-folio-scratch", kho_tracker_in_scratch, "reject:tracker folio not usable"),
	FROZEN("tracker-folio-low", kho_tracker_below_1m, "reject:tracker folio not usable"),
	FROZEN("tracker-folio-no-ram", kho_tracker_past_ram, "reject:tracker folio not usable"),
	FROZEN("tracker-graft", kho_tracker_graft, "reject:tracker folio"),
	FROZEN("tracker-node-hdr", kho_tracker_node_hdr, "reject"),
	FROZEN("folio-overlap", kho_tracker_folio_overlap, "reject:preserved ranges overlap"),
	FROZEN("node-twice", kho_tracker_node_twice, "reject:preserved ranges overlap"),

	FROZEN("fdt-magic", kho_fdt_magic, "reject:bad FDT header"),
	FROZEN("fdt-too-long", kho_fdt_too_long, "reject:bad FDT header"),
	FROZEN("fdt-truncated", kho_fdt_truncated, "reject:bad FDT header"),
	FROZEN("fdt-version", kho_fdt_version, "reject:bad FDT header"),
	FROZEN("fdt-off-struct", kho_fdt_off_struct, "reject:bad FDT header"),
	FROZEN("fdt-bitflip", kho_fdt_bitflip, "reject:FDT checksum mismatch"),
	FROZEN("compatible", kho_fdt_compatible, "reject:incompatible handover (root compatible)"),
	FROZEN("fdt-dup-node", kho_fdt_dup_node, "reject:duplicate FDT node"),
	FROZEN("fdt-dup-prop", kho_fdt_dup_prop, "reject:duplicate FDT property"),
	FROZEN("fdt-no-compatible", kho_fdt_no_compatible,
	       "reject:handler node without a compatible"),
	FROZEN("fdt-compatible-list", kho_fdt_compatible_list,
	       "reject:handler node without a compatible"),
	FROZEN("fdt-bad-tag", kho_fdt_bad_tag, "reject:bad FDT structure"),
	FROZEN("fdt-many-nodes", kho_fdt_many_nodes, "reject:too many FDT nodes"),
	FROZEN("fdt-many-props", kho_fdt_many_props, "reject:too many FDT properties"),
	FROZEN("fdt-tracker-unaligned", kho_fdt_tracker_unaligned, "reject:bad tracker property"),
	FROZEN("fdt-tracker-u32", kho_fdt_tracker_u32, "reject:bad tracker property"),
	FROZEN("fdt-tracker-none", kho_fdt_tracker_none, "reject:bad tracker property"),
	FROZEN("fdt-tracker-other", kho_fdt_tracker_other, "reject:FDT and header disagree"),
	FROZEN("fdt-generation-zero", kho_fdt_generation_zero, "reject:bad generation property"),
	FROZEN("fdt-generation-other", kho_fdt_generation_other, "reject:FDT and header disagree"),
	FROZEN("fdt-scratch-short", kho_fdt_scratch_short, "reject:bad scratch property"),
	FROZEN("fdt-scratch-other", kho_fdt_scratch_other,
	       "reject:FDT and setup_data disagree on scratch"),
	FROZEN("fdt-scratch-empty", kho_fdt_scratch_empty, "reject:bad scratch range"),

	/* memfd@N: the node of the N'th memfd preserved, 0 the first. */
	FROZEN("memfd-name", kho_memfd_name, "memfd-node:0"),
	FROZEN("memfd-size", kho_memfd_size, "memfd-node:0"),
	FROZEN("memfd-nr-pages", kho_memfd_nr_pages, "memfd-node:0"),
	FROZEN("memfd-pages", kho_memfd_pages, "memfd-node:0"),
	FROZEN("memfd-nr-folios", kho_memfd_nr_folios, "memfd-node:0"),
	FROZEN("memfd-page-size", kho_memfd_page_size, "memfd-node:0"),
	FROZEN("memfd-seals", kho_memfd_seals, "memfd-node:0"),
	FROZEN("memfd-dup-name", kho_memfd_dup_name, "memfd-node:2"),
	FROZEN("memfd-gap", kho_memfd_gap, "memfd-gap:2"),
	FROZEN("memfd-dup", kho_memfd_page_list, "memfd-list:0"),
	FROZEN("memfd-align", kho_memfd_page_list, "memfd-list:0"),
	FROZEN("memfd-unpreserved", kho_memfd_page_list, "memfd-list:0"),
	FROZEN("memfd-bits", kho_memfd_page_list, "memfd-list:0"),
	FROZEN("memfd-order", kho_memfd_page_list, "memfd-list:0"),
	FROZEN("memfd-count", kho_memfd_page_list, "memfd-list:0"),
	FROZEN("memfd-next", kho_memfd_page_list, "memfd-list:0"),
	FROZEN("memfd-short", kho_memfd_page_list, "memfd-list:0"),
	FROZEN("memfd-empty", kho_memfd_page_list, "memfd-list:0"),

	FROZEN("kho-test-chunks", kho_test_node, "kho-test"),
	FROZEN("kho-test-nr-folios", kho_test_node, "kho-test"),
	FROZEN("kho-test-seed", kho_test_node, "kho-test"),

	FROZEN("vtd-node", kho_vtd, "vtd"),
	FROZEN("vtd-pgd", kho_vtd, "vtd"),
	FROZEN("vtd-root", kho_vtd, "vtd"),
	FROZEN("vtd-unit", kho_vtd, "vtd"),
	FROZEN("vtd-mode", kho_vtd, "vtd"),
};

static const struct kho_corruption *kho_corruption_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kho_corruptions); i++)
		if (!strcmp(kho_corruptions[i].name, name))
			return &kho_corruptions[i];
	return NULL;
}

/* ---- planning and applying ---------------------------------------------- */

static void kho_corrupt_plan(struct kho_corrupt *k, const struct kho_corruption *c,
			     u64 seed)
{
	memset(k, 0, sizeof(*k));
	k->c = c;
	k->seed = seed;
	prandom_seed_state(&k->rnd, seed);
	k->arg = kho_rnd(k, 0);
	if (c->plan)
		c->plan(k);
	else
		kho_expect(k, c->expect);
}

static void kho_reseal(struct kho_corrupt *k, int reseal)
{
	if (reseal & KHO_RESEAL_SD) {
		k->sd->crc = 0;
		k->sd->crc = kho_crc32(k->sd, sizeof(*k->sd));
	}
	if (reseal & KHO_RESEAL_FDT)
		k->hdr->fdt_crc = kho_crc32(k->fdt, fdt_totalsize(k->fdt));
	if (reseal & (KHO_RESEAL_FDT | KHO_RESEAL_HDR)) {
		k->hdr->crc = 0;
		k->hdr->crc = kho_crc32(k->hdr, sizeof(*k->hdr));
	}
}

static int kho_corrupt_apply(struct kho_corrupt *k)
{
	int ret = k->c->apply(k);

	if (ret < 0) {
		pr_warn("corrupt %s seed=%llu: not done: %d\n", k->c->name, k->seed, ret);
		return ret;
	}
	kho_reseal(k, ret);
	pr_warn("handover corrupted on purpose (%s seed=%llu: %s; expect %s)\n",
		k->c->name, k->seed, k->what, k->expect);
	return 0;
}

/* Under kho_out.lock, frozen: the header and FDT are sealed. */
static int kho_corrupt_frozen_now(struct kho_corrupt *k)
{
	lockdep_assert_held(&kho_out.lock);
	k->hdr = kho_out.hdr;
	k->fdt = kho_out.fdt.blob;
	return kho_corrupt_apply(k);
}

/**
 * kho_corrupt_setup_data - the load hook: damage @sd if that is armed
 * @sd: the setup_data payload kho_fill_setup_data() just sealed
 */
void kho_corrupt_setup_data(struct kho_setup_data *sd)
{
	mutex_lock(&kho_corrupt_lock);
	if (kho_armed.c && kho_armed.c->when == KHO_CORRUPT_AT_LOAD) {
		kho_armed.sd = sd;
		kho_corrupt_apply(&kho_armed);
		kho_armed.c = NULL;
	}
	mutex_unlock(&kho_corrupt_lock);
}

/**
 * kho_corrupt_frozen - the freeze hook: damage the sealed handover if armed
 *
 * Called by kho_freeze() under kho_out.lock once the header is sealed.
 */
void kho_corrupt_frozen(void)
{
	mutex_lock(&kho_corrupt_lock);
	if (kho_armed.c && kho_armed.c->when == KHO_CORRUPT_AT_FREEZE) {
		kho_corrupt_frozen_now(&kho_armed);
		kho_armed.c = NULL;
	}
	mutex_unlock(&kho_corrupt_lock);
}

/* ---- debugfs ------------------------------------------------------------ */

/* "[arm] NAME [seed=S]" */
static int kho_corrupt_cmd(char *s)
{
	const struct kho_corruption *c;
	struct kho_corrupt now;
	char *word, *name;
	bool arm = false;
	u64 seed = 0;
	int err = 0;

	name = strsep(&s, " \t");
	if (name && !strcmp(name, "arm")) {
		arm = true;
		name = strsep(&s, " \t");
	}
	c = name ? kho_corruption_find(name) : NULL;
	if (!c)
		return -EINVAL;
	while (!err && (word = strsep(&s, " \t"))) {
		if (str_has_prefix(word, "seed="))
			err = kstrtou64(word + 5, 0, &seed);
		else if (*word)
			err = -EINVAL;
	}
	if (err)
		return err;

	if (arm) {
		mutex_lock(&kho_corrupt_lock);
		kho_corrupt_plan(&kho_armed, c, seed);
		mutex_unlock(&kho_corrupt_lock);
		return 0;
	}
	if (c->when != KHO_CORRUPT_AT_FREEZE)
		return -EINVAL;		/* the image is loaded already: arm it */
	kho_corrupt_plan(&now, c, seed);
	mutex_lock(&kho_out.lock);
	err = kho_out.state == KHO_OUT_FROZEN ? kho_corrupt_frozen_now(&now) : -ENOENT;
	mutex_unlock(&kho_out.lock);
	return err;
}

static ssize_t kho_corrupt_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char buf[96];
	int err;

	if (!count || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	err = kho_corrupt_cmd(strim(buf));
	return err ?: count;
}

static int kho_corrupt_show(struct seq_file *m, void *unused)
{
	mutex_lock(&kho_corrupt_lock);
	if (kho_armed.c)
		seq_printf(m, "%s seed=%llu expect=%s\n", kho_armed.c->name,
			   kho_armed.seed, kho_armed.expect);
	else
		seq_puts(m, "none\n");
	mutex_unlock(&kho_corrupt_lock);
	return 0;
}

static int kho_corrupt_open(struct inode *inode, struct file *file)
{
	return single_open(file, kho_corrupt_show, NULL);
}

static const struct file_operations kho_corrupt_fops = {
	.owner = THIS_MODULE,
	.open = kho_corrupt_open,
	.read = seq_read,
	.write = kho_corrupt_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int kho_corruptions_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kho_corruptions); i++)
		seq_printf(m, "%s %s %s\n", kho_corruptions[i].name,
			   kho_corruptions[i].when == KHO_CORRUPT_AT_LOAD ? "load" : "freeze",
			   kho_corruptions[i].expect ?: "reject");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_corruptions);

/**
 * kho_corrupt_debugfs_init - the corrupt knob and the list, in kho_test's dir
 * @dir: /sys/kernel/debug/kho_test
 */
void __init kho_corrupt_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("corrupt", 0600, dir, NULL, &kho_corrupt_fops);
	debugfs_create_file("corruptions", 0400, dir, NULL, &kho_corruptions_fops);
}
