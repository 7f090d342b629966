// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: restore against release. A handover of its own is built from
 * pages of the page allocator, laid out as the previous kernel would have
 * left it (header page, FDT page, tracker, folios and a page range, none
 * counted as managed memory), then a restorer thread and the release race
 * on it, many times. Every restore must take its block whole or find
 * nothing, and every page must go back exactly once: totalram is the same
 * after each round as before it.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/gfp.h>
#include <linux/initrd.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "kho_internal.h"

#define KHO_RACE_FOLIOS		32
#define KHO_RACE_ROUNDS		200
#define KHO_RACE_MAX_ORDER	3
#define KHO_RACE_RANGE_ORDER	2

/**
 * struct kho_race - one fake incoming handover and its restorer
 * @in: the handover
 * @phys: the preserved folios
 * @order: their orders
 * @range: a range preserved as pages, 1 << KHO_RACE_RANGE_ORDER of them
 * @stop_at: the release begins once this many folios were tried
 * @tried: folios the restorer has tried so far
 * @restored_pages: pages the restorer took back
 * @bad: what the restorer saw go wrong, NULL if nothing
 * @done: the restorer has finished
 */
struct kho_race {
	struct kho_in in;
	phys_addr_t phys[KHO_RACE_FOLIOS];
	unsigned int order[KHO_RACE_FOLIOS];
	phys_addr_t range;
	unsigned int stop_at;
	atomic_t tried;
	unsigned long restored_pages;
	const char *bad;
	struct completion done;
};

/* A word every page of folio @i holds, to tell restored contents apart. */
static unsigned long kho_race_word(unsigned int i)
{
	return 0x6b686f0000000000UL | i;
}

/* The page allocator no longer counts @page: as if reserved at boot. */
static void kho_race_unmanage(struct page *page, unsigned long nr)
{
	adjust_managed_page_count(page, -(long)nr);
}

static int kho_race_unmanage_node(phys_addr_t node, void *arg)
{
	kho_race_unmanage(pfn_to_page(PHYS_PFN(node)), 1);
	return 0;
}

static int kho_race_add_folio(struct kho_race *r, unsigned int i)
{
	unsigned int order = get_random_u32_below(KHO_RACE_MAX_ORDER + 1);
	struct page *page = alloc_pages(GFP_KERNEL, order);
	unsigned long p;
	int err;

	if (!page)
		return -ENOMEM;
	for (p = 0; p < (1UL << order); p++)
		*(unsigned long *)page_address(page + p) = kho_race_word(i);
	err = kho_tracker_set(&r->in.tracker, page_to_pfn(page), order);
	if (err) {
		__free_pages(page, order);
		return err;
	}
	r->phys[i] = page_to_phys(page);
	r->order[i] = order;
	kho_race_unmanage(page, 1UL << order);
	return 0;
}

static int kho_race_add_range(struct kho_race *r)
{
	struct page *page = alloc_pages(GFP_KERNEL, KHO_RACE_RANGE_ORDER);
	int err;

	if (!page)
		return -ENOMEM;
	/* Independent pages, one reference each, as kho_restore_pages() gives. */
	split_page(page, KHO_RACE_RANGE_ORDER);
	err = kho_tracker_set(&r->in.tracker, page_to_pfn(page), KHO_RACE_RANGE_ORDER);
	if (err) {
		free_pages_exact(page_address(page), PAGE_SIZE << KHO_RACE_RANGE_ORDER);
		return err;
	}
	r->range = page_to_phys(page);
	kho_race_unmanage(page, 1UL << KHO_RACE_RANGE_ORDER);
	return 0;
}

/*
 * A valid handover: header and FDT pages, folios of random orders and one
 * range. On failure the caller's test fails; what was allocated leaks,
 * which only a broken allocator would cause.
 */
static int kho_race_build(struct kho_race *r)
{
	struct kho_hdr *hdr = (void *)get_zeroed_page(GFP_KERNEL);
	void *fdt = (void *)get_zeroed_page(GFP_KERNEL);
	unsigned int i;
	int err;

	if (!hdr || !fdt)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	mutex_init(&r->in.lock);
	hdr->fdt_phys = virt_to_phys(fdt);
	hdr->fdt_size = PAGE_SIZE;
	r->in.sd.hdr_phys = virt_to_phys(hdr);
	r->in.hdr = hdr;
	r->in.fdt = fdt;
	kho_tracker_init(&r->in.tracker, hdr->order);
	for (i = 0; i < KHO_RACE_FOLIOS; i++) {
		err = kho_race_add_folio(r, i);
		if (err)
			return err;
	}
	err = kho_race_add_range(r);
	if (err)
		return err;
	kho_tracker_walk_nodes(&r->in.tracker, kho_race_unmanage_node, NULL);
	kho_race_unmanage(virt_to_page(hdr), 1);
	kho_race_unmanage(virt_to_page(fdt), 1);
	r->in.state = KHO_IN_VALID;
	return 0;
}

/* A folio that came back must be whole: its order, its every page. */
static void kho_race_check(struct kho_race *r, unsigned int i, struct folio *folio)
{
	unsigned long p;

	if (folio_order(folio) != r->order[i]) {
		r->bad = "restored folio has another order";
		return;
	}
	for (p = 0; p < folio_nr_pages(folio); p++)
		if (*(unsigned long *)page_address(folio_page(folio, p)) !=
		    kho_race_word(i))
			r->bad = "restored folio has other contents";
	r->restored_pages += folio_nr_pages(folio);
}

static int kho_race_restorer(void *arg)
{
	struct kho_race *r = arg;
	struct folio *folio;
	struct page *page;
	unsigned int i;

	for (i = 0; i < KHO_RACE_FOLIOS; i++) {
		folio = kho_in_restore_folio(&r->in, r->phys[i]);
		if (folio) {
			kho_race_check(r, i, folio);
			folio_put(folio);
		}
		atomic_inc(&r->tried);
	}
	page = kho_in_restore_pages(&r->in, r->range, 1UL << KHO_RACE_RANGE_ORDER);
	if (page) {
		for (i = 0; i < (1U << KHO_RACE_RANGE_ORDER); i++) {
			if (page_ref_count(page + i) != 1)
				r->bad = "restored range page without its one reference";
			__free_page(page + i);
		}
		r->restored_pages += 1UL << KHO_RACE_RANGE_ORDER;
	}
	complete(&r->done);
	return 0;
}

static unsigned long kho_race_total_pages(const struct kho_race *r)
{
	unsigned long pages = 1UL << KHO_RACE_RANGE_ORDER;
	unsigned int i;

	for (i = 0; i < KHO_RACE_FOLIOS; i++)
		pages += 1UL << r->order[i];
	return pages;
}

static void kho_race_round(struct kunit *test, struct kho_race *r)
{
	unsigned long ram = totalram_pages(), released, total;
	struct task_struct *task;
	unsigned int before;

	KUNIT_ASSERT_EQ(test, kho_race_build(r), 0);
	total = kho_race_total_pages(r);
	r->stop_at = get_random_u32_below(KHO_RACE_FOLIOS + 1);
	init_completion(&r->done);
	task = kthread_run(kho_race_restorer, r, "kho-race");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));

	/*
	 * Synchronised on the restorer's progress, not on time; yielding, in
	 * case the restorer waits for this CPU (no preemption here).
	 */
	while (atomic_read(&r->tried) < r->stop_at)
		cond_resched();
	before = atomic_read(&r->tried);
	KUNIT_EXPECT_EQ(test, kho_in_release(&r->in, &released), 0);
	wait_for_completion(&r->done);

	KUNIT_EXPECT_NULL_MSG(test, r->bad, "%s", r->bad);
	KUNIT_EXPECT_EQ(test, r->restored_pages + released, total);
	KUNIT_EXPECT_GE(test, r->restored_pages, (unsigned long)before);
	KUNIT_EXPECT_EQ(test, r->in.state, KHO_IN_FINISHED);
	KUNIT_EXPECT_NULL(test, r->in.fdt);
	KUNIT_EXPECT_NULL(test, kho_in_restore_folio(&r->in, r->phys[0]));
	KUNIT_EXPECT_EQ(test, kho_in_release(&r->in, &released), -EALREADY);
	/* Every page of the handover went back to the allocator, once. */
	KUNIT_EXPECT_EQ(test, totalram_pages(), ram);
}

/* Restores racing the release: each takes its block whole or nothing. */
static void kho_restore_race(struct kunit *test)
{
	struct kho_race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned int round;

	KUNIT_ASSERT_NOT_NULL(test, r);
	/*
	 * The rounds compare totalram_pages() before and after: let the
	 * initramfs finish unpacking first, it frees the initrd's pages.
	 */
	wait_for_initramfs();
	for (round = 0; round < KHO_RACE_ROUNDS && !test->status; round++)
		kho_race_round(test, r);
}

/* Without a valid handover nothing restores, and release says why. */
static void kho_restore_not_valid(struct kunit *test)
{
	struct kho_race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned long released;

	KUNIT_ASSERT_NOT_NULL(test, r);
	mutex_init(&r->in.lock);
	r->in.state = KHO_IN_BAD;
	KUNIT_EXPECT_NULL(test, kho_in_restore_folio(&r->in, 0x100000));
	KUNIT_EXPECT_NULL(test, kho_in_restore_pages(&r->in, 0x100000, 1));
	KUNIT_EXPECT_EQ(test, kho_in_release(&r->in, &released), -ENODEV);
	KUNIT_EXPECT_EQ(test, released, 0UL);
}

static struct kunit_case kho_restore_cases[] = {
	KUNIT_CASE(kho_restore_not_valid),
	KUNIT_CASE(kho_restore_race),
	{}
};

static struct kunit_suite kho_restore_suite = {
	.name = "kho-restore",
	.test_cases = kho_restore_cases,
};

kunit_test_suite(kho_restore_suite);
