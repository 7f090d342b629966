// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the KHO preserved-memory tracker (tracker.c).
 *
 * Every test works on a private tracker whose roots are on the heap, so it
 * never touches the kernel's own handover. Pfns are mostly synthetic: the
 * tracker only records them, it never touches the pages. Where the format
 * is the handover ABI (node layout, height growth, node counts), the tests
 * read the nodes themselves.
 */
#include <kunit/test.h>
#include <linux/crc32.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/workqueue.h>

#include "fuzz_kunit.h"
#include "kho_internal.h"

/* Keys under one inner node just above the leaves, and one level higher. */
#define L1_SPAN		(1UL << (KHO_LEAF_SHIFT + KHO_NODE_SHIFT))
#define L2_SPAN		(1UL << (KHO_LEAF_SHIFT + 2 * KHO_NODE_SHIFT))
/* First pfn past the 52-bit physical address space. */
#define PFN_END		(1UL << (52 - PAGE_SHIFT))

static void destroy_tracker(void *t)
{
	kho_tracker_destroy(t);
}

/* An empty tracker, destroyed when the test ends. */
static struct kho_tracker *new_tracker(struct kunit *test)
{
	struct kho_tracker_root *roots;
	struct kho_tracker *t;

	roots = kunit_kcalloc(test, KHO_NR_ORDERS, sizeof(*roots), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, roots);
	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	kho_tracker_init(t, roots);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, destroy_tracker, t), 0);
	return t;
}

static long nr_nodes(struct kho_tracker *t)
{
	return atomic_long_read(&t->nr_nodes);
}

static long nr_folios(struct kho_tracker *t, unsigned int order)
{
	return kho_tracker_count(t, order);
}

static u64 *inner_node(u64 phys)
{
	return phys_to_virt(phys);
}

static unsigned long *leaf_node(u64 phys)
{
	return phys_to_virt(phys);
}

struct test_pages {
	struct page *page;
	unsigned int order;
};

static void free_test_pages(void *arg)
{
	struct test_pages *pages = arg;

	__free_pages(pages->page, pages->order);
}

/* The pfn of a real folio of @order, freed when the test ends. */
static unsigned long alloc_test_pfn(struct kunit *test, unsigned int order)
{
	struct test_pages *pages;

	pages = kunit_kzalloc(test, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	pages->page = alloc_pages(GFP_KERNEL, order);
	KUNIT_ASSERT_NOT_NULL(test, pages->page);
	pages->order = order;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_test_pages, pages), 0);
	return page_to_pfn(pages->page);
}

/* Set the @nr order-@order folios from @pfn on, one after another. */
static void set_range(struct kunit *test, struct kho_tracker *t,
		      unsigned long pfn, unsigned long nr, unsigned int order)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ(test, kho_tracker_set(t, pfn + (i << order), order), 0);
}

struct run {
	unsigned long pfn;
	unsigned int order;
	unsigned long nr;
};

/* What a walk reported: the first @cap runs, and the totals of all. */
struct run_log {
	struct run *runs;
	unsigned int cap;
	unsigned int len;
	unsigned long folios;
	unsigned int stop_after;	/* return -EINTR on this call, 0: never */
};

static int log_run(unsigned long pfn, unsigned int order, unsigned long nr,
		   void *arg)
{
	struct run_log *log = arg;

	if (log->len < log->cap)
		log->runs[log->len] = (struct run){ pfn, order, nr };
	log->len++;
	log->folios += nr;
	return log->len == log->stop_after ? -EINTR : 0;
}

static struct run_log *new_run_log(struct kunit *test, unsigned int cap)
{
	struct run_log *log;

	log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, log);
	log->runs = kunit_kcalloc(test, cap, sizeof(*log->runs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, log->runs);
	log->cap = cap;
	return log;
}

static struct run_log *walk(struct kunit *test, struct kho_tracker *t,
			    unsigned int cap)
{
	struct run_log *log = new_run_log(test, cap);

	KUNIT_ASSERT_EQ(test, kho_tracker_walk(t, log_run, log), 0);
	return log;
}

/* Join runs that continue each other (walks split them at leaf ends). */
static void merge_runs(struct run_log *log)
{
	unsigned int i, len = 0;

	for (i = 0; i < min(log->len, log->cap); i++) {
		struct run *prev = len ? &log->runs[len - 1] : NULL;
		struct run *run = &log->runs[i];

		if (prev && prev->order == run->order &&
		    prev->pfn + (prev->nr << prev->order) == run->pfn)
			prev->nr += run->nr;
		else
			log->runs[len++] = *run;
	}
	log->len = len;
}

static void expect_runs(struct kunit *test, const struct run_log *log,
			const struct run *want, unsigned int nr_want)
{
	unsigned int i;

	KUNIT_ASSERT_EQ(test, log->len, nr_want);
	KUNIT_ASSERT_LE(test, log->len, log->cap);
	for (i = 0; i < nr_want; i++) {
		KUNIT_EXPECT_EQ_MSG(test, log->runs[i].pfn, want[i].pfn, "run %u", i);
		KUNIT_EXPECT_EQ_MSG(test, log->runs[i].order, want[i].order, "run %u", i);
		KUNIT_EXPECT_EQ_MSG(test, log->runs[i].nr, want[i].nr, "run %u", i);
	}
}

struct node_log {
	phys_addr_t nodes[64];
	unsigned int len;
	u32 crc;		/* of the contents of every node seen */
	unsigned int stop_after;
};

static int log_node(phys_addr_t node, void *arg)
{
	struct node_log *log = arg;

	if (log->len < ARRAY_SIZE(log->nodes))
		log->nodes[log->len] = node;
	log->len++;
	log->crc = crc32_le(log->crc, phys_to_virt(node), PAGE_SIZE);
	return log->len == log->stop_after ? -EINTR : 0;
}

static struct node_log *walk_nodes(struct kunit *test, struct kho_tracker *t)
{
	struct node_log *log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, log);
	KUNIT_ASSERT_EQ(test, kho_tracker_walk_nodes(t, log_node, log), 0);
	return log;
}

static void tracker_every_order(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	unsigned int order;

	for (order = 0; order <= KHO_MAX_ORDER; order++) {
		/* Key 2, aligned to the next order too. */
		unsigned long pfn = 2UL << order;

		KUNIT_EXPECT_EQ(test, kho_tracker_set(t, pfn, order), 0);
		KUNIT_EXPECT_TRUE(test, kho_tracker_test(t, pfn, order));
		if (order)
			KUNIT_EXPECT_FALSE(test, kho_tracker_test(t, pfn, order - 1));
		if (order < KHO_MAX_ORDER)
			KUNIT_EXPECT_FALSE(test, kho_tracker_test(t, pfn, order + 1));
		KUNIT_EXPECT_EQ(test, nr_folios(t, order), 1);
		KUNIT_EXPECT_EQ(test, kho_tracker_find(t, pfn), order);
		KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, pfn + (1UL << order) - 1, 0));
		KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, pfn + (1UL << order), 0));
		KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, pfn - 1, 0));

		KUNIT_EXPECT_EQ(test, kho_tracker_clear(t, pfn, order), 0);
		KUNIT_EXPECT_FALSE(test, kho_tracker_test(t, pfn, order));
		KUNIT_EXPECT_EQ(test, nr_folios(t, order), 0);
		KUNIT_EXPECT_EQ(test, kho_tracker_clear(t, pfn, order), -ENOENT);
		KUNIT_EXPECT_EQ(test, kho_tracker_find(t, pfn), -ENOENT);
	}
	/* Each order has its own tree: a top leaf, as every key is small. */
	for (order = 0; order <= KHO_MAX_ORDER; order++) {
		KUNIT_EXPECT_NE(test, t->roots[order].top, 0);
		KUNIT_EXPECT_EQ(test, t->roots[order].levels, 0);
	}
	KUNIT_EXPECT_EQ(test, nr_nodes(t), KHO_MAX_ORDER + 1);
}

static void tracker_real_pages(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	unsigned int order;

	for (order = 0; order <= 3; order++) {
		unsigned long pfn = alloc_test_pfn(test, order);

		KUNIT_EXPECT_EQ(test, kho_tracker_set(t, pfn, order), 0);
		KUNIT_EXPECT_TRUE(test, kho_tracker_test(t, pfn, order));
		KUNIT_EXPECT_EQ(test, kho_tracker_find(t, pfn), order);
		KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, pfn + (1UL << order) - 1, 0));
		if (order)
			KUNIT_EXPECT_EQ(test, kho_tracker_find(t, pfn + 1), -ENOENT);
	}
	KUNIT_EXPECT_EQ(test, walk(test, t, 8)->folios, 4);
}

static void tracker_alignment(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	unsigned int order;

	for (order = 1; order <= KHO_MAX_ORDER; order++) {
		unsigned long half = (1UL << order) + (1UL << (order - 1));

		KUNIT_EXPECT_EQ(test, kho_tracker_set(t, half, order), -EINVAL);
		KUNIT_EXPECT_EQ(test, kho_tracker_set(t, (1UL << order) + 1, order), -EINVAL);
		KUNIT_EXPECT_FALSE(test, kho_tracker_test(t, half, order));
		KUNIT_EXPECT_EQ(test, kho_tracker_clear(t, half, order), -EINVAL);
	}
	/* Refused before allocating anything. */
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_set(t, 4, 2), 0);
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 1);
}

static void tracker_order_too_high(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);

	KUNIT_EXPECT_EQ(test, kho_tracker_set(t, 0, KHO_MAX_ORDER + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_tracker_set(t, 0, KHO_NR_ORDERS), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_tracker_set(t, 0, UINT_MAX), -EINVAL);
	KUNIT_EXPECT_FALSE(test, kho_tracker_test(t, 0, KHO_MAX_ORDER + 1));
	KUNIT_EXPECT_EQ(test, kho_tracker_clear(t, 0, KHO_MAX_ORDER + 1), -EINVAL);
	/* Past the physical address space. */
	KUNIT_EXPECT_EQ(test, kho_tracker_set(t, PFN_END, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_tracker_set(t, PFN_END, KHO_MAX_ORDER), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_tracker_set(t, ULONG_MAX, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 0);

	/* The last page and the last 1 GiB folio are fine. */
	KUNIT_EXPECT_EQ(test, kho_tracker_set(t, PFN_END - 1, 0), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_find(t, PFN_END - 1), 0);
	KUNIT_EXPECT_EQ(test, t->roots[0].levels, 3);
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 4);
	KUNIT_EXPECT_EQ(test, kho_tracker_set(t, PFN_END - (1UL << KHO_MAX_ORDER),
					      KHO_MAX_ORDER), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_find(t, PFN_END - (1UL << KHO_MAX_ORDER)),
			KHO_MAX_ORDER);
}

static void tracker_duplicates(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	unsigned long pfn = 0x1234;	/* aligned to order 2 */

	KUNIT_EXPECT_EQ(test, kho_tracker_clear(t, pfn, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, kho_tracker_set(t, pfn, 0), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_set(t, pfn, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, nr_folios(t, 0), 1);
	/* Overlap across orders is the caller's business. */
	KUNIT_EXPECT_EQ(test, kho_tracker_set(t, pfn, 1), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_set(t, pfn, 1), -EEXIST);
	KUNIT_EXPECT_EQ(test, nr_folios(t, 1), 1);

	KUNIT_EXPECT_EQ(test, kho_tracker_clear(t, pfn + 1, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, kho_tracker_clear(t, pfn, 2), -ENOENT);
	KUNIT_EXPECT_EQ(test, kho_tracker_clear(t, 1UL << 39, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, kho_tracker_clear(t, pfn, 0), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_clear(t, pfn, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, nr_folios(t, 0), 0);
	KUNIT_EXPECT_TRUE(test, kho_tracker_test(t, pfn, 1));
	/* Empty leaves stay until the tracker is destroyed. */
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 2);
	KUNIT_EXPECT_EQ(test, kho_tracker_set(t, pfn, 0), 0);
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 2);
}

static void tracker_leaf_boundary(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	const struct run want = { KHO_LEAF_BITS - 1, 0, 2 };
	struct run_log *log;
	u64 old_top, *top;

	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, KHO_LEAF_BITS - 1, 0), 0);
	KUNIT_EXPECT_EQ(test, t->roots[0].levels, 0);
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 1);
	old_top = t->roots[0].top;
	KUNIT_EXPECT_TRUE(test, test_bit(KHO_LEAF_BITS - 1, leaf_node(old_top)));

	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, KHO_LEAF_BITS, 0), 0);
	KUNIT_EXPECT_EQ(test, t->roots[0].levels, 1);
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 3);
	top = inner_node(t->roots[0].top);
	KUNIT_EXPECT_EQ(test, top[0], old_top);
	KUNIT_ASSERT_NE(test, top[1], 0);
	KUNIT_EXPECT_TRUE(test, test_bit(0, leaf_node(top[1])));
	KUNIT_EXPECT_EQ(test, top[2], 0);

	KUNIT_EXPECT_TRUE(test, kho_tracker_test(t, KHO_LEAF_BITS - 1, 0));
	KUNIT_EXPECT_TRUE(test, kho_tracker_test(t, KHO_LEAF_BITS, 0));
	KUNIT_EXPECT_FALSE(test, kho_tracker_test(t, KHO_LEAF_BITS - 2, 0));
	KUNIT_EXPECT_FALSE(test, kho_tracker_test(t, KHO_LEAF_BITS + 1, 0));

	/* One run per leaf; together they are the two pages. */
	log = walk(test, t, 4);
	KUNIT_EXPECT_EQ(test, log->len, 2);
	merge_runs(log);
	expect_runs(test, log, &want, 1);

	/* Keys, not pfns, pick the leaf: at order 3 too. */
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, (KHO_LEAF_BITS - 1UL) << 3, 3), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, (unsigned long)KHO_LEAF_BITS << 3, 3), 0);
	KUNIT_EXPECT_EQ(test, t->roots[3].levels, 1);
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 6);
}

static void tracker_inner_boundary(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	u64 *top;

	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, L1_SPAN - 1, 0), 0);
	KUNIT_EXPECT_EQ(test, t->roots[0].levels, 1);
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 2);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, L1_SPAN, 0), 0);
	KUNIT_EXPECT_EQ(test, t->roots[0].levels, 2);
	/* A new top, and a new inner node and leaf for the second half. */
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 5);
	top = inner_node(t->roots[0].top);
	KUNIT_EXPECT_NE(test, top[0], 0);
	KUNIT_EXPECT_NE(test, top[1], 0);
	KUNIT_EXPECT_TRUE(test, kho_tracker_test(t, L1_SPAN - 1, 0));
	KUNIT_EXPECT_TRUE(test, kho_tracker_test(t, L1_SPAN, 0));

	/* One level up: keys on both sides of a level-2 node's span. */
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, L2_SPAN - 1, 1), -EINVAL);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, (L2_SPAN - 1) << 1, 1), 0);
	KUNIT_EXPECT_EQ(test, t->roots[1].levels, 2);
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 8);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, L2_SPAN << 1, 1), 0);
	KUNIT_EXPECT_EQ(test, t->roots[1].levels, 3);
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 12);
	KUNIT_EXPECT_TRUE(test, kho_tracker_test(t, (L2_SPAN - 1) << 1, 1));
	KUNIT_EXPECT_TRUE(test, kho_tracker_test(t, L2_SPAN << 1, 1));
	KUNIT_EXPECT_EQ(test, walk(test, t, 8)->len, 4);
}

static void tracker_growth(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	const struct run want[] = { { 5, 0, 2 }, { 1UL << 39, 0, 1 } };
	u64 old_top, node;
	unsigned int level;

	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 5, 0), 0);
	KUNIT_EXPECT_EQ(test, t->roots[0].levels, 0);
	old_top = t->roots[0].top;

	/* Three levels at once; the old top ends up under slots 0. */
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 1UL << 39, 0), 0);
	KUNIT_EXPECT_EQ(test, t->roots[0].levels, 3);
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 7);
	node = t->roots[0].top;
	for (level = 3; level; level--)
		node = inner_node(node)[0];
	KUNIT_EXPECT_EQ(test, node, old_top);
	/* 2^39 >> (15 + 2 * 9) = 64: the top's slot for the new key. */
	KUNIT_EXPECT_NE(test, inner_node(t->roots[0].top)[64], 0);

	KUNIT_EXPECT_TRUE(test, kho_tracker_test(t, 5, 0));
	KUNIT_EXPECT_TRUE(test, kho_tracker_test(t, 1UL << 39, 0));
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 6, 0), 0);
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 7);
	expect_runs(test, walk(test, t, 4), want, ARRAY_SIZE(want));

	/* A tree started by a big key is as tall as that key needs. */
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 1UL << 33, 2), 0);
	KUNIT_EXPECT_EQ(test, t->roots[2].levels, 2);
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 10);
}

static void tracker_dense(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	const unsigned long nr = 100000;
	/* Starts mid-leaf: keys span leaves 32..35 under one inner node. */
	const unsigned long base = (1UL << 20) + 30000;
	const unsigned long first_end = round_up(base, KHO_LEAF_BITS);
	const struct run want[] = {
		{ base, 0, first_end - base },
		{ first_end, 0, KHO_LEAF_BITS },
		{ first_end + KHO_LEAF_BITS, 0, KHO_LEAF_BITS },
		{ first_end + 2 * KHO_LEAF_BITS, 0,
		  base + nr - first_end - 2 * KHO_LEAF_BITS },
	};
	const struct run whole = { base, 0, nr };
	struct run_log *log;
	unsigned long i;

	set_range(test, t, base, nr, 0);
	KUNIT_EXPECT_EQ(test, nr_folios(t, 0), nr);
	KUNIT_EXPECT_EQ(test, t->roots[0].levels, 1);
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 5);
	KUNIT_EXPECT_EQ(test, walk_nodes(test, t)->len, 5);

	log = walk(test, t, 8);
	KUNIT_EXPECT_EQ(test, log->folios, nr);
	expect_runs(test, log, want, ARRAY_SIZE(want));
	merge_runs(log);
	expect_runs(test, log, &whole, 1);

	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, base + nr - 1, 0));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, base + nr, 0));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, base - 1, 0));

	/* Cleared, the tree is empty but keeps its nodes. */
	KUNIT_EXPECT_EQ(test, kho_tracker_clear(t, base + 1000, 0), 0);
	log = walk(test, t, 8);
	KUNIT_EXPECT_EQ(test, log->len, 5);
	KUNIT_EXPECT_EQ(test, log->folios, nr - 1);
	for (i = 0; i < nr; i++)
		kho_tracker_clear(t, base + i, 0);
	KUNIT_EXPECT_EQ(test, nr_folios(t, 0), 0);
	KUNIT_EXPECT_EQ(test, walk(test, t, 8)->len, 0);
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 5);
}

static void tracker_sparse(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	struct run want[8];
	struct run_log *log;
	int i;

	/* 1 GiB keys apart, set from the top down. */
	for (i = 7; i >= 0; i--)
		KUNIT_ASSERT_EQ(test, kho_tracker_set(t, (unsigned long)i << 30, 0), 0);
	for (i = 0; i < 8; i++)
		want[i] = (struct run){ (unsigned long)i << 30, 0, 1 };
	KUNIT_EXPECT_EQ(test, t->roots[0].levels, 2);
	/* The top, and an inner node and a leaf per key. */
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 17);
	log = walk(test, t, 16);
	expect_runs(test, log, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, 1UL << 29, 29));
	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, 1UL << 30, 29));
	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, 0, 29));
}

static void tracker_walk_order(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	const struct run want[] = {
		{ 3, 0, 3 },
		{ 1UL << 20, 0, 1 },
		{ 8, 3, 1 },
		{ 800, 3, 1 },
		{ 7 << 9, 9, 1 },
		{ 1UL << KHO_MAX_ORDER, KHO_MAX_ORDER, 2 },
	};
	struct run_log *log;

	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 2UL << KHO_MAX_ORDER, KHO_MAX_ORDER), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 800, 3), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 1UL << 20, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 5, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 7 << 9, 9), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 3, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 1UL << KHO_MAX_ORDER, KHO_MAX_ORDER), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 8, 3), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 4, 0), 0);
	expect_runs(test, walk(test, t, 16), want, ARRAY_SIZE(want));

	/* A callback's error ends the walk and is returned. */
	log = new_run_log(test, 16);
	log->stop_after = 2;
	KUNIT_EXPECT_EQ(test, kho_tracker_walk(t, log_run, log), -EINTR);
	KUNIT_EXPECT_EQ(test, log->len, 2);
}

static void tracker_find_overlaps(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	const unsigned long giant = 3UL << KHO_MAX_ORDER;	/* order 18 */

	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 1024, 9), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 5, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, giant, KHO_MAX_ORDER), 0);

	KUNIT_EXPECT_EQ(test, kho_tracker_find(t, 1024), 9);
	KUNIT_EXPECT_EQ(test, kho_tracker_find(t, 5), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_find(t, giant), KHO_MAX_ORDER);
	KUNIT_EXPECT_EQ(test, kho_tracker_find(t, 1025), -ENOENT);
	KUNIT_EXPECT_EQ(test, kho_tracker_find(t, 1536), -ENOENT);
	KUNIT_EXPECT_EQ(test, kho_tracker_find(t, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, kho_tracker_find(t, giant + 512), -ENOENT);

	/* A higher-order folio containing the range. */
	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, 1030, 0));
	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, 1535, 0));
	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, 1024 + 256, 8));
	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, giant + 1000, 3));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, 1536, 0));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, 1023, 0));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, 512, 9));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, giant - 8, 3));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, giant + (1UL << KHO_MAX_ORDER), 0));
	/* Lower- or equal-order folios inside the range. */
	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, 4, 1));
	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, 0, 10));
	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, 1024, 10));
	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, 1024, 9));
	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, 0, KHO_MAX_ORDER));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, 6, 1));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, 2048, 11));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, 1UL << KHO_MAX_ORDER, KHO_MAX_ORDER));
}

/* A real folio, alone in its tracker so no synthetic one can be near it. */
static void tracker_find_real(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	unsigned long real = alloc_test_pfn(test, 2);

	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, real, 2), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_find(t, real), 2);
	KUNIT_EXPECT_EQ(test, kho_tracker_find(t, real + 2), -ENOENT);
	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, real + 3, 0));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, real + 4, 2));
}

/* A single page at the far end of a range covering eight leaves. */
static void tracker_overlaps_far_key(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	const unsigned long last = (1UL << KHO_MAX_ORDER) - 1;

	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, last, 0), 0);
	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, 0, KHO_MAX_ORDER));
	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, 1UL << (KHO_MAX_ORDER - 1),
						     KHO_MAX_ORDER - 1));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, 0, KHO_MAX_ORDER - 1));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, last + 1, KHO_MAX_ORDER));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, 1UL << 39, 0));
}

/* A range wider than a whole tree, whose only leaf is empty. */
static void tracker_overlaps_empty_leaf(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);

	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 100, 1), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_clear(t, 100, 1), 0);
	KUNIT_ASSERT_NE(test, t->roots[1].top, 0);
	KUNIT_EXPECT_EQ(test, t->roots[1].levels, 0);
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, 0, KHO_MAX_ORDER));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, 0, 16));
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, (1UL << 16) - 2, 1), 0);
	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, 0, KHO_MAX_ORDER));
	KUNIT_EXPECT_TRUE(test, kho_tracker_overlaps(t, 0, 16));
	KUNIT_EXPECT_FALSE(test, kho_tracker_overlaps(t, 0, 15));
}

static void tracker_walk_nodes(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	struct node_log *log, *stopped;
	unsigned int i, j;

	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 5, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 1UL << 33, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 1UL << 20, 4), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 1UL << 30, KHO_MAX_ORDER), 0);
	KUNIT_ASSERT_EQ(test, nr_nodes(t), 10);

	log = walk_nodes(test, t);
	KUNIT_ASSERT_EQ(test, log->len, nr_nodes(t));
	KUNIT_EXPECT_EQ(test, log->nodes[0], t->roots[0].top);
	for (i = 0; i < log->len; i++) {
		KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(log->nodes[i]));
		KUNIT_EXPECT_NE(test, log->nodes[i], 0);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_NE(test, log->nodes[i], log->nodes[j]);
	}

	stopped = kunit_kzalloc(test, sizeof(*stopped), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, stopped);
	stopped->stop_after = 3;
	KUNIT_EXPECT_EQ(test, kho_tracker_walk_nodes(t, log_node, stopped), -EINTR);
	KUNIT_EXPECT_EQ(test, stopped->len, 3);
}

/* is_usable for validate tests: all memory but the page at @reject. */
struct usable_policy {
	bool reject_one;
	phys_addr_t reject;
	unsigned long calls;
	phys_addr_t bytes;	/* asked about, in all calls */
};

static bool test_is_usable(phys_addr_t phys, phys_addr_t size, void *arg)
{
	struct usable_policy *policy = arg;

	policy->calls++;
	policy->bytes += size;
	return !policy->reject_one || policy->reject < phys ||
	       policy->reject >= phys + size;
}

static int validate(struct kho_tracker *t, struct usable_policy *policy,
		    unsigned long max_nodes, const char **why)
{
	const struct kho_tracker_check check = {
		.is_usable = test_is_usable,
		.max_nodes = max_nodes,
		.arg = policy,
	};

	*why = "(not set)";
	return kho_tracker_validate(t, &check, why);
}

/* Folios over several orders, with inner nodes in two of the trees. */
static struct kho_tracker *validate_tracker(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);

	set_range(test, t, 100, 10, 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 1UL << 30, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 1UL << 25, 9), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 1UL << KHO_MAX_ORDER, KHO_MAX_ORDER), 0);
	KUNIT_ASSERT_EQ(test, t->roots[0].levels, 2);
	/* Order 0: a top, 2 inner nodes, 2 leaves; order 9: 2; order 18: 1 */
	KUNIT_ASSERT_EQ(test, nr_nodes(t), 8);
	return t;
}

/* Contents of the roots and every node: validate must not change them. */
static u32 tracker_crc(struct kunit *test, struct kho_tracker *t)
{
	u32 crc = walk_nodes(test, t)->crc;

	return crc32_le(crc, (const u8 *)t->roots, KHO_NR_ORDERS * sizeof(*t->roots));
}

static void tracker_validate_good(struct kunit *test)
{
	struct kho_tracker *t = validate_tracker(test);
	struct usable_policy policy = {};
	u32 crc = tracker_crc(test, t);
	const char *why;

	KUNIT_EXPECT_EQ(test, validate(t, &policy, nr_nodes(t), &why), 0);
	/* Every node, and every run with its whole size, was checked. */
	KUNIT_EXPECT_EQ(test, policy.calls, 8 + 4);
	KUNIT_EXPECT_EQ(test, policy.bytes,
			8 * PAGE_SIZE + (10 + 1 + 512 + (1 << KHO_MAX_ORDER)) * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, tracker_crc(test, t), crc);

	/* So does an empty tracker, with no node allowed. */
	t = new_tracker(test);
	KUNIT_EXPECT_EQ(test, validate(t, &policy, 0, &why), 0);
}

static void tracker_validate_unaligned(struct kunit *test)
{
	struct kho_tracker *t = validate_tracker(test);
	struct usable_policy policy = {};
	u64 *top = inner_node(t->roots[0].top);
	u32 crc = tracker_crc(test, t);
	const char *why;

	top[0] += 8;
	KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "tracker node unaligned");
	top[0] -= 8;

	t->roots[9].top += 0x800;
	KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "tracker node unaligned");
	t->roots[9].top -= 0x800;

	KUNIT_EXPECT_EQ(test, tracker_crc(test, t), crc);
	KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), 0);
}

static void tracker_validate_node_unusable(struct kunit *test)
{
	struct kho_tracker *t = validate_tracker(test);
	struct node_log *nodes = walk_nodes(test, t);
	struct usable_policy policy = { .reject_one = true };
	unsigned int i;
	const char *why;

	/* Whichever node is refused, top, inner or leaf, the walk stops. */
	for (i = 0; i < nodes->len; i++) {
		policy.reject = nodes->nodes[i] + 100;
		KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), -EINVAL);
		KUNIT_EXPECT_STREQ(test, why, "tracker node outside RAM");
	}
	/* A pointer far outside memory never gets read. */
	t->roots[0].top = 1ULL << 50;
	policy.reject = 1ULL << 50;
	KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "tracker node outside RAM");
	t->roots[0].top = nodes->nodes[0];
}

static void tracker_validate_levels(struct kunit *test)
{
	struct kho_tracker *t = validate_tracker(test);
	struct usable_policy policy = {};
	const char *why;

	t->roots[0].levels = KHO_MAX_LEVELS + 1;
	KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "tracker too many levels");
	t->roots[0].levels = 2;

	/* Even on an empty tree. */
	t->roots[5].levels = UINT_MAX;
	KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "tracker too many levels");
	t->roots[5].levels = 0;

	t->roots[3].reserved = 1;
	KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "tracker reserved field set");
	t->roots[3].reserved = 0;

	KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), 0);
}

static void tracker_validate_too_many_nodes(struct kunit *test)
{
	struct kho_tracker *t = validate_tracker(test);
	struct usable_policy policy = {};
	u64 *top = inner_node(t->roots[0].top);
	const char *why;

	KUNIT_EXPECT_EQ(test, validate(t, &policy, nr_nodes(t) - 1, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "tracker too many nodes");
	KUNIT_EXPECT_EQ(test, validate(t, &policy, nr_nodes(t), &why), 0);

	/* Shared children are counted at every visit. */
	KUNIT_ASSERT_EQ(test, top[1], 0);
	top[1] = top[0];
	KUNIT_EXPECT_EQ(test, validate(t, &policy, nr_nodes(t), &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "tracker too many nodes");
	top[1] = 0;
	KUNIT_EXPECT_EQ(test, validate(t, &policy, nr_nodes(t), &why), 0);
}

static void tracker_validate_run_unusable(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	unsigned long single = alloc_test_pfn(test, 0);
	/* An order-2 folio in the first half of a block we own. */
	unsigned long quad = alloc_test_pfn(test, 3);
	struct usable_policy policy = { .reject_one = true };
	const char *why;

	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, single, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, quad, 2), 0);

	policy.reject = PFN_PHYS(single);
	KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "tracker folio not usable");
	/* The last page of a folio counts as much as its first. */
	policy.reject = PFN_PHYS(quad + 3) + PAGE_SIZE - 1;
	KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "tracker folio not usable");
	/* The rest of the block is ours but not tracked. */
	policy.reject = PFN_PHYS(quad + 4);
	KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), 0);
}

static void tracker_validate_order_too_high(struct kunit *test)
{
	struct kho_tracker *t = validate_tracker(test);
	struct usable_policy policy = {};
	const char *why;

	t->roots[KHO_MAX_ORDER + 1] = t->roots[KHO_MAX_ORDER];
	KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "tracker order too high");
	t->roots[KHO_MAX_ORDER + 1] = (struct kho_tracker_root){};

	t->roots[KHO_NR_ORDERS - 1] = t->roots[0];
	KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "tracker order too high");
	t->roots[KHO_NR_ORDERS - 1] = (struct kho_tracker_root){};

	KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), 0);
}

/* A leaf whose keys are past the last pfn, which set() cannot make. */
static void tracker_validate_beyond_memory(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	const unsigned long last = PFN_END - (1UL << KHO_MAX_ORDER);
	struct usable_policy policy = {};
	unsigned long *leaf;
	u64 *top;
	const char *why;

	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, last, KHO_MAX_ORDER), 0);
	KUNIT_ASSERT_EQ(test, t->roots[KHO_MAX_ORDER].levels, 1);
	KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), 0);

	/* Key 2^22 at order 18 is pfn 2^40: the leaf after the last one. */
	top = inner_node(t->roots[KHO_MAX_ORDER].top);
	KUNIT_ASSERT_NE(test, top[127], 0);
	KUNIT_ASSERT_EQ(test, top[128], 0);
	leaf = (unsigned long *)get_zeroed_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, leaf);
	set_bit(0, leaf);
	top[128] = virt_to_phys(leaf);
	KUNIT_EXPECT_EQ(test, validate(t, &policy, 100, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "tracker folio beyond physical memory");
	top[128] = 0;
	free_page((unsigned long)leaf);
}

/*
 * The fuzz tracker's folios lie far above any RAM, so that is_usable can
 * tell a run (never read) from a node (read): none of its runs is a single
 * page. A node must be one of the tracker's own pages, since any other
 * page might not be mapped (DEBUG_PAGEALLOC unmaps free ones).
 */
#define FUZZ_PFN	BIT(30)

struct fuzz_policy {
	const struct node_log *nodes;
};

static bool fuzz_is_usable(phys_addr_t phys, phys_addr_t size, void *arg)
{
	const struct fuzz_policy *policy = arg;
	unsigned int i;

	if (size != PAGE_SIZE)
		return phys >= PFN_PHYS(FUZZ_PFN) && phys + size > phys;
	for (i = 0; i < policy->nodes->len; i++)
		if (phys == policy->nodes->nodes[i])
			return true;
	return false;
}

/* Every node page and the roots, to undo a round's mutations. */
struct fuzz_copy {
	u8 roots[KHO_NR_ORDERS * sizeof(struct kho_tracker_root)];
	u8 nodes[16][PAGE_SIZE];
};

static void fuzz_save(struct fuzz_copy *c, struct kho_tracker *t,
		      const struct node_log *log)
{
	unsigned int i;

	for (i = 0; i < log->len; i++)
		memcpy(c->nodes[i], phys_to_virt(log->nodes[i]), PAGE_SIZE);
	memcpy(c->roots, t->roots, sizeof(c->roots));
}

static void fuzz_restore(const struct fuzz_copy *c, struct kho_tracker *t,
			 const struct node_log *log)
{
	unsigned int i;

	for (i = 0; i < log->len; i++)
		memcpy(phys_to_virt(log->nodes[i]), c->nodes[i], PAGE_SIZE);
	memcpy(t->roots, c->roots, sizeof(c->roots));
}

static u32 fuzz_crc(struct kho_tracker *t, const struct node_log *log)
{
	u32 crc = crc32_le(0, (const u8 *)t->roots,
			   KHO_NR_ORDERS * sizeof(struct kho_tracker_root));
	unsigned int i;

	for (i = 0; i < log->len; i++)
		crc = crc32_le(crc, phys_to_virt(log->nodes[i]), PAGE_SIZE);
	return crc;
}

/*
 * kho_tracker_validate() on random mutations of a real tracker, its roots
 * and the node pages themselves: pointers anywhere, levels, bitmaps. It
 * must answer 0 or -EINVAL with a reason, read only nodes it accepted,
 * write nothing, and stop within its visit budget (cycles and shared
 * children included).
 */
static void tracker_fuzz_validate(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	struct fuzz_copy *copy = kunit_kzalloc(test, sizeof(*copy), GFP_KERNEL);
	struct kho_tracker_check budget = { .is_usable = fuzz_is_usable };
	struct fuzz_policy policy;
	unsigned int refused = 0, i;
	struct node_log *log;
	struct kho_fuzz f;
	const char *why;
	u32 crc;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, copy);
	set_range(test, t, FUZZ_PFN, 10, 0);
	set_range(test, t, FUZZ_PFN + L2_SPAN + 64, 3, 0);
	set_range(test, t, FUZZ_PFN + (1UL << 24), 2, 9);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, FUZZ_PFN << 1, KHO_MAX_ORDER), 0);
	log = walk_nodes(test, t);
	KUNIT_ASSERT_LE(test, log->len, ARRAY_SIZE(copy->nodes));
	policy.nodes = log;
	budget.arg = &policy;
	budget.max_nodes = 2 * log->len;
	fuzz_save(copy, t, log);
	why = NULL;
	KUNIT_ASSERT_EQ(test, kho_tracker_validate(t, &budget, &why), 0);

	kho_fuzz_init(&f, KHO_FUZZ_SEED + 3);
	while (kho_fuzz_next(&f)) {
		i = kho_fuzz_u32(&f, log->len + 1);
		if (i == log->len)
			kho_fuzz_mutate(&f, t->roots, sizeof(copy->roots));
		else
			kho_fuzz_mutate(&f, phys_to_virt(log->nodes[i]), PAGE_SIZE);
		crc = fuzz_crc(t, log);
		why = NULL;
		ret = kho_tracker_validate(t, &budget, &why);
		kho_fuzz_expect(test, &f, ret, why, "tracker");
		KUNIT_EXPECT_EQ(test, fuzz_crc(t, log), crc);
		refused += ret != 0;
		fuzz_restore(copy, t, log);
	}
	kunit_info(test, "%u rounds, %u refused", f.round - 1, refused);
	KUNIT_EXPECT_GT(test, refused, 0U);
	why = NULL;
	KUNIT_EXPECT_EQ(test, kho_tracker_validate(t, &budget, &why), 0);
}

struct race_worker {
	struct work_struct work;
	struct kho_tracker *t;
	unsigned int id;
	int err;
	unsigned long nr_exist;
};

#define RACE_WORKERS	4
#define RACE_DENSE	10000		/* keys per worker, interleaved */
#define RACE_SHARED	100000		/* first of 1000 keys everyone sets */

static void race_set(struct race_worker *w, unsigned long pfn)
{
	int err = kho_tracker_set(w->t, pfn, 0);

	if (err == -EEXIST)
		w->nr_exist++;
	else if (err && !w->err)
		w->err = err;
}

static void race_work(struct work_struct *work)
{
	struct race_worker *w = container_of(work, struct race_worker, work);
	unsigned long i;

	/* Keys 2^35 .. 2^37 make the tree grow while the others fill it. */
	race_set(w, (unsigned long)(w->id + 1) << 35);
	for (i = 0; i < RACE_DENSE; i++) {
		race_set(w, i * RACE_WORKERS + w->id);
		if (i < 1000)
			race_set(w, RACE_SHARED + i);
	}
}

/*
 * The tree's shape depends only on the keys, not on who won which race:
 * growth only adds nodes on the path to keys already set.
 */
static void tracker_concurrent(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	struct race_worker *workers;
	unsigned long nr_exist = 0;
	struct run_log *log;
	unsigned int i;

	workers = kunit_kcalloc(test, RACE_WORKERS, sizeof(*workers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, workers);
	for (i = 0; i < RACE_WORKERS; i++) {
		workers[i].t = t;
		workers[i].id = i;
		INIT_WORK(&workers[i].work, race_work);
		queue_work(system_unbound_wq, &workers[i].work);
	}
	for (i = 0; i < RACE_WORKERS; i++) {
		flush_work(&workers[i].work);
		KUNIT_EXPECT_EQ(test, workers[i].err, 0);
		nr_exist += workers[i].nr_exist;
	}
	KUNIT_EXPECT_EQ(test, nr_exist, (RACE_WORKERS - 1) * 1000);
	KUNIT_EXPECT_EQ(test, nr_folios(t, 0), RACE_WORKERS * (RACE_DENSE + 1) + 1000);
	KUNIT_EXPECT_EQ(test, t->roots[0].levels, 3);
	/* Top; under slot 0: 1 + 1 inner, 3 leaves; 3 each for 4 big keys. */
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 18);
	KUNIT_EXPECT_EQ(test, walk_nodes(test, t)->len, 18);

	log = walk(test, t, 16);
	KUNIT_EXPECT_EQ(test, log->folios, nr_folios(t, 0));
	merge_runs(log);
	KUNIT_EXPECT_EQ(test, log->len, 2 + RACE_WORKERS);
	KUNIT_EXPECT_EQ(test, log->runs[0].pfn, 0);
	KUNIT_EXPECT_EQ(test, log->runs[0].nr, RACE_WORKERS * RACE_DENSE);
}

/*
 * A claim refuses overlap with every other order in use, in either
 * direction, and leaves nothing behind when it does; without may_sleep it
 * never adds a node.
 */
static void tracker_claim(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	unsigned long base = 1UL << 20;

	KUNIT_EXPECT_EQ(test, kho_tracker_claim(t, base, 0, false), -EAGAIN);
	KUNIT_EXPECT_EQ(test, nr_nodes(t), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_claim(t, base, 0, true), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_claim(t, base + 1, 0, false), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_claim(t, base + 1, 0, false), -EEXIST);

	/* A higher order over lower ones, then lower ones inside it. */
	KUNIT_EXPECT_EQ(test, kho_tracker_claim(t, base, 4, true), -EEXIST);
	KUNIT_EXPECT_FALSE(test, kho_tracker_test(t, base, 4));
	KUNIT_ASSERT_EQ(test, kho_tracker_claim(t, base + 16, 4, true), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_claim(t, base + 31, 0, false), -EEXIST);
	KUNIT_EXPECT_FALSE(test, kho_tracker_test(t, base + 31, 0));
	KUNIT_EXPECT_EQ(test, kho_tracker_claim(t, base + 16, 2, true), -EEXIST);
	KUNIT_EXPECT_FALSE(test, kho_tracker_test(t, base + 16, 2));
	KUNIT_EXPECT_EQ(test, kho_tracker_claim(t, base + 32, 0, false), 0);

	/* Sealed: nothing changes, by either path. */
	kho_tracker_seal(t, true);
	KUNIT_EXPECT_EQ(test, kho_tracker_claim(t, base + 33, 0, false), -EBUSY);
	KUNIT_EXPECT_EQ(test, kho_tracker_claim(t, base + 64, 4, true), -EBUSY);
	KUNIT_EXPECT_FALSE(test, kho_tracker_test(t, base + 33, 0));
	KUNIT_EXPECT_FALSE(test, kho_tracker_test(t, base + 64, 4));
	kho_tracker_seal(t, false);
	KUNIT_EXPECT_EQ(test, kho_tracker_claim(t, base + 64, 4, true), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_claim(t, base + 65, 0, false), -EEXIST);

	/* The orders in use are what a claim searches. */
	KUNIT_EXPECT_EQ(test, t->orders, BIT(0) | BIT(2) | BIT(4));
	KUNIT_EXPECT_EQ(test, nr_folios(t, 0), 3);
	KUNIT_EXPECT_EQ(test, nr_folios(t, 2), 0);
	KUNIT_EXPECT_EQ(test, nr_folios(t, 4), 2);
}

struct claim_worker {
	struct work_struct work;
	struct kho_tracker *t;
	unsigned int order;
	unsigned long won;
	int err;
};

#define CLAIM_ROUNDS	2000
#define CLAIM_BASE	BIT(24)
#define CLAIM_END	(CLAIM_BASE + 16 * CLAIM_ROUNDS)

/* Round i: order 0 claims CLAIM_BASE + 16 i + 5, order 4 the block around it. */
static void claim_work(struct work_struct *work)
{
	struct claim_worker *w = container_of(work, struct claim_worker, work);
	unsigned long i, pfn;
	int err;

	for (i = 0; i < CLAIM_ROUNDS; i++) {
		pfn = CLAIM_BASE + 16 * i + (w->order ? 0 : 5);
		err = kho_tracker_claim(w->t, pfn, w->order, true);
		if (!err)
			w->won++;
		else if (err != -EEXIST && !w->err)
			w->err = err;
	}
}

/*
 * Two claimers race over the same memory at different orders: in no
 * round may both win. Both losing is allowed.
 */
static void tracker_claim_race(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	struct claim_worker w[2] = {
		{ .t = t, .order = 0 },
		{ .t = t, .order = 4 },
	};
	unsigned long i, both = 0;
	unsigned int k;

	/* Past the rounds, in the same leaves: no claim needs a node. */
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, CLAIM_END + 1, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, CLAIM_END + 16, 4), 0);
	for (k = 0; k < 2; k++) {
		INIT_WORK(&w[k].work, claim_work);
		queue_work(system_unbound_wq, &w[k].work);
	}
	for (k = 0; k < 2; k++) {
		flush_work(&w[k].work);
		KUNIT_EXPECT_EQ(test, w[k].err, 0);
	}
	for (i = 0; i < CLAIM_ROUNDS; i++)
		both += kho_tracker_test(t, CLAIM_BASE + 16 * i + 5, 0) &&
			kho_tracker_test(t, CLAIM_BASE + 16 * i, 4);
	KUNIT_EXPECT_EQ(test, both, 0);
	KUNIT_EXPECT_EQ(test, nr_folios(t, 0), w[0].won + 1);
	KUNIT_EXPECT_EQ(test, nr_folios(t, 4), w[1].won + 1);
	KUNIT_EXPECT_GE(test, w[0].won + w[1].won, 1);
}

struct seal_worker {
	struct work_struct work;
	struct kho_tracker *t;
	unsigned long won, busy;
	int err;
};

#define SEAL_KEYS	30000		/* all in the leaf of key 0 */

/* Claims keys 1..SEAL_KEYS; waits for the seal halfway, so some fail. */
static void seal_work(struct work_struct *work)
{
	struct seal_worker *w = container_of(work, struct seal_worker, work);
	unsigned long i;
	int err;

	for (i = 1; i <= SEAL_KEYS; i++) {
		while (i == SEAL_KEYS / 2 && !READ_ONCE(w->t->sealed))
			cond_resched();
		err = kho_tracker_claim(w->t, i, 0, false);
		if (!err)
			w->won++;
		else if (err == -EBUSY)
			w->busy++;
		else if (!w->err)
			w->err = err;
	}
}

/*
 * A seal comes down in the middle of lock-free claims: every claim that
 * returned 0 has its bit, every one refused has none, and after the seal
 * nothing more is set.
 */
static void tracker_seal_race(struct kunit *test)
{
	struct kho_tracker *t = new_tracker(test);
	struct seal_worker w = { .t = t };
	unsigned long set_at_seal;

	KUNIT_ASSERT_EQ(test, kho_tracker_set(t, 0, 0), 0);
	INIT_WORK(&w.work, seal_work);
	queue_work(system_unbound_wq, &w.work);
	while (nr_folios(t, 0) < 100)
		cond_resched();
	kho_tracker_seal(t, true);
	set_at_seal = nr_folios(t, 0);
	flush_work(&w.work);
	KUNIT_EXPECT_EQ(test, w.err, 0);
	KUNIT_EXPECT_EQ(test, w.won + w.busy, SEAL_KEYS);
	KUNIT_EXPECT_EQ(test, nr_folios(t, 0), w.won + 1);
	KUNIT_EXPECT_LE(test, nr_folios(t, 0), set_at_seal);
	KUNIT_EXPECT_GE(test, w.busy, SEAL_KEYS / 2 + 1);
}

static struct kunit_case kho_tracker_cases[] = {
	KUNIT_CASE(tracker_every_order),
	KUNIT_CASE(tracker_real_pages),
	KUNIT_CASE(tracker_alignment),
	KUNIT_CASE(tracker_order_too_high),
	KUNIT_CASE(tracker_duplicates),
	KUNIT_CASE(tracker_leaf_boundary),
	KUNIT_CASE(tracker_inner_boundary),
	KUNIT_CASE(tracker_growth),
	KUNIT_CASE(tracker_dense),
	KUNIT_CASE(tracker_sparse),
	KUNIT_CASE(tracker_walk_order),
	KUNIT_CASE(tracker_find_overlaps),
	KUNIT_CASE(tracker_find_real),
	KUNIT_CASE(tracker_overlaps_far_key),
	KUNIT_CASE(tracker_overlaps_empty_leaf),
	KUNIT_CASE(tracker_walk_nodes),
	KUNIT_CASE(tracker_validate_good),
	KUNIT_CASE(tracker_validate_unaligned),
	KUNIT_CASE(tracker_validate_node_unusable),
	KUNIT_CASE(tracker_validate_levels),
	KUNIT_CASE(tracker_validate_too_many_nodes),
	KUNIT_CASE(tracker_validate_run_unusable),
	KUNIT_CASE(tracker_validate_order_too_high),
	KUNIT_CASE(tracker_validate_beyond_memory),
	KUNIT_CASE(tracker_fuzz_validate),
	KUNIT_CASE(tracker_concurrent),
	KUNIT_CASE(tracker_claim),
	KUNIT_CASE(tracker_claim_race),
	KUNIT_CASE(tracker_seal_race),
	{}
};

static struct kunit_suite kho_tracker_suite = {
	.name = "kho-tracker",
	.test_cases = kho_tracker_cases,
};

kunit_test_suite(kho_tracker_suite);
