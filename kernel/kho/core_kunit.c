// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the preserve API on the running kernel's own handover. Every test
 * leaves nothing preserved behind.
 */
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/mm.h>

#include "kho_internal.h"

static unsigned long kho_kunit_preserved_pages(void)
{
	unsigned long pages = 0;
	unsigned int order;

	for (order = 0; order < KHO_NR_ORDERS; order++)
		pages += kho_tracker_count(&kho_out.tracker, order) << order;
	return pages;
}

static int kho_core_init(struct kunit *test)
{
	if (!kho_out_ready())
		kunit_skip(test, "KHO is not running");
	if (kho_is_frozen())
		kunit_skip(test, "frozen");
	test->priv = (void *)kho_kunit_preserved_pages();
	return 0;
}

static void kho_core_exit(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, kho_kunit_preserved_pages(), (unsigned long)test->priv);
}

static void kho_core_folio(struct kunit *test)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 2);

	KUNIT_ASSERT_NOT_NULL(test, folio);
	KUNIT_EXPECT_EQ(test, kho_preserve_folio(folio), 0);
	KUNIT_EXPECT_EQ(test, kho_preserve_folio(folio), -EEXIST);
	/* The same memory under another order is a duplicate too. */
	KUNIT_EXPECT_EQ(test, kho_preserve_pages(folio_page(folio, 1), 1), -EEXIST);
	KUNIT_EXPECT_EQ(test, kho_preserve_phys(folio_pfn(folio) << PAGE_SHIFT,
						PAGE_SIZE << 3), -EEXIST);
	KUNIT_EXPECT_EQ(test, kho_unpreserve_folio(folio), 0);
	KUNIT_EXPECT_EQ(test, kho_unpreserve_folio(folio), -ENOENT);
	folio_put(folio);
}

/* A range is kept as aligned blocks and released all or nothing. */
static void kho_core_pages(struct kunit *test)
{
	struct page *page = alloc_pages(GFP_KERNEL, 3);
	unsigned long before = kho_kunit_preserved_pages();

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, kho_preserve_pages(page + 1, 6), 0);
	KUNIT_EXPECT_EQ(test, kho_kunit_preserved_pages(), before + 6);
	KUNIT_EXPECT_EQ(test, kho_unpreserve_pages(page, 6), -ENOENT);
	KUNIT_EXPECT_EQ(test, kho_kunit_preserved_pages(), before + 6);
	KUNIT_EXPECT_EQ(test, kho_unpreserve_pages(page + 1, 6), 0);
	KUNIT_EXPECT_EQ(test, kho_kunit_preserved_pages(), before);
	__free_pages(page, 3);
}

/* A failed range preserve leaves nothing of the range behind. */
static void kho_core_pages_unwind(struct kunit *test)
{
	struct page *page = alloc_pages(GFP_KERNEL, 2);
	unsigned long before = kho_kunit_preserved_pages();

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, kho_preserve_pages(page + 3, 1), 0);
	KUNIT_EXPECT_EQ(test, kho_preserve_pages(page, 4), -EEXIST);
	KUNIT_EXPECT_EQ(test, kho_kunit_preserved_pages(), before + 1);
	KUNIT_EXPECT_EQ(test, kho_unpreserve_pages(page + 3, 1), 0);
	__free_pages(page, 2);
}

static void kho_core_bad_memory(struct kunit *test)
{
	phys_addr_t beyond = PFN_PHYS(max_pfn) + SZ_1G;

	KUNIT_ASSERT_GT(test, kho_nr_scratch, 0U);
	KUNIT_EXPECT_EQ(test, kho_preserve_phys(kho_scratch[0].base, PAGE_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_preserve_phys(kho_scratch[0].base +
						kho_scratch[0].size - PAGE_SIZE,
						2 * PAGE_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_preserve_phys(beyond, PAGE_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_preserve_phys(PAGE_SIZE + 1, PAGE_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_preserve_phys(PAGE_SIZE, 0), -EINVAL);
	/* The kernel image is reserved memory, never preservable. */
	KUNIT_EXPECT_EQ(test, kho_preserve_phys(__pa_symbol(_text) & PAGE_MASK,
						PAGE_SIZE), -EINVAL);
}

static struct kunit_case kho_core_cases[] = {
	KUNIT_CASE(kho_core_folio),
	KUNIT_CASE(kho_core_pages),
	KUNIT_CASE(kho_core_pages_unwind),
	KUNIT_CASE(kho_core_bad_memory),
	{}
};

static struct kunit_suite kho_core_suite = {
	.name = "kho-core",
	.init = kho_core_init,
	.exit = kho_core_exit,
	.test_cases = kho_core_cases,
};

kunit_test_suite(kho_core_suite);
