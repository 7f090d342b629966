// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the frozen domain a KHO handover leaves, on tables built here.
 * Included by kho.c, whose static functions it tests.
 */
#include <kunit/test.h>

#define VTD_KUNIT_IOVA		0x40000000ULL	/* 1 GiB: level-3 slot 1 */
#define VTD_KUNIT_SUPER_IOVA	0x40200000ULL	/* the next 2 MiB */

struct vtd_kunit_tables {
	struct dma_pte *pgd;	/* level 3: 39-bit, agaw 1 */
	struct dma_pte *l2;
	struct dma_pte *l1;
	phys_addr_t page;	/* what the 4 KiB leaves map */
};

static struct dma_pte *vtd_kunit_table(struct kunit *test)
{
	struct dma_pte *t = (void *)get_zeroed_page(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	return t;
}

/* IOVA 1 GiB: four 4 KiB pages; IOVA 1 GiB + 2 MiB: one 2 MiB superpage. */
static void vtd_kunit_build(struct kunit *test, struct vtd_kunit_tables *t)
{
	int i;

	t->pgd = vtd_kunit_table(test);
	t->l2 = vtd_kunit_table(test);
	t->l1 = vtd_kunit_table(test);
	t->page = 0x12340000;
	t->pgd[1].val = virt_to_phys(t->l2) | DMA_PTE_READ | DMA_PTE_WRITE;
	t->l2[0].val = virt_to_phys(t->l1) | DMA_PTE_READ | DMA_PTE_WRITE;
	t->l2[1].val = 0x80000000ULL | DMA_PTE_LARGE_PAGE | DMA_PTE_READ;
	for (i = 0; i < 4; i++)
		t->l1[i].val = (t->page + i * VTD_PAGE_SIZE) | DMA_PTE_READ | DMA_PTE_WRITE;
}

static void vtd_kunit_free(struct vtd_kunit_tables *t)
{
	free_page((unsigned long)t->l1);
	free_page((unsigned long)t->l2);
	free_page((unsigned long)t->pgd);
}

static struct intel_kho_frozen *vtd_kunit_frozen(struct kunit *test,
						 struct vtd_kunit_tables *t,
						 struct intel_iommu *iommu)
{
	struct intel_kho_rec r = {
		.aw = 1,
		.pgd = virt_to_phys(t->pgd),
		.token = 0x1001,
		.pt_pages = 3,
	};
	struct intel_kho_frozen *fz = intel_kho_new_frozen(iommu, &r);

	KUNIT_ASSERT_NOT_NULL(test, fz);
	return fz;
}

/* The frozen domain translates what the previous kernel mapped, nothing more. */
static void vtd_kunit_iova_to_phys(struct kunit *test)
{
	struct iommu_domain *d;
	struct intel_iommu iommu = {};
	struct vtd_kunit_tables t;
	struct intel_kho_frozen *fz;

	vtd_kunit_build(test, &t);
	fz = vtd_kunit_frozen(test, &t, &iommu);
	d = &fz->dd.domain;
	KUNIT_EXPECT_EQ(test, d->ops->iova_to_phys(d, VTD_KUNIT_IOVA), t.page);
	KUNIT_EXPECT_EQ(test, d->ops->iova_to_phys(d, VTD_KUNIT_IOVA + 3 * VTD_PAGE_SIZE + 0x123),
			t.page + 3 * VTD_PAGE_SIZE + 0x123);
	KUNIT_EXPECT_EQ(test, d->ops->iova_to_phys(d, VTD_KUNIT_IOVA + 4 * VTD_PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, d->ops->iova_to_phys(d, VTD_KUNIT_SUPER_IOVA + 0x1234a),
			0x80000000ULL + 0x1234a);
	KUNIT_EXPECT_EQ(test, d->ops->iova_to_phys(d, 0), 0);
	/* Beyond the 39-bit aperture of agaw 1. */
	KUNIT_EXPECT_EQ(test, d->ops->iova_to_phys(d, BIT_ULL(39)), 0);
	KUNIT_EXPECT_EQ(test, fz->dd.max_addr, BIT_ULL(39) - 1);
	KUNIT_EXPECT_EQ(test, fz->nr_tables, 3);
	kfree(fz);
	vtd_kunit_free(&t);
}

/* Nobody changes a frozen domain: the device still DMAs through it. */
static void vtd_kunit_frozen_is_frozen(struct kunit *test)
{
	struct intel_iommu iommu = {};
	struct vtd_kunit_tables t;
	struct intel_kho_frozen *fz;
	struct iommu_domain *d;
	size_t mapped = 0;
	u64 before[4];

	vtd_kunit_build(test, &t);
	fz = vtd_kunit_frozen(test, &t, &iommu);
	d = &fz->dd.domain;
	memcpy(before, t.l1, sizeof(before));
	KUNIT_EXPECT_EQ(test, d->ops->map_pages(d, VTD_KUNIT_IOVA + 8 * VTD_PAGE_SIZE,
						0x5000000, VTD_PAGE_SIZE, 1,
						IOMMU_READ, GFP_KERNEL, &mapped), -EPERM);
	KUNIT_EXPECT_EQ(test, mapped, 0);
	KUNIT_EXPECT_EQ(test, d->ops->unmap_pages(d, VTD_KUNIT_IOVA, VTD_PAGE_SIZE, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, memcmp(before, t.l1, sizeof(before)), 0);
	KUNIT_EXPECT_EQ(test, d->ops->iova_to_phys(d, VTD_KUNIT_IOVA), t.page);
	kfree(fz);
	vtd_kunit_free(&t);
}

static int vtd_kunit_count(struct intel_kho_walk *w, struct dma_pte *table)
{
	return 0;
}

static int vtd_kunit_leaves;

static int vtd_kunit_leaf(struct intel_kho_walk *w, u64 phys, u64 size)
{
	vtd_kunit_leaves++;
	return size == VTD_PAGE_SIZE || size == SZ_2M ? 0 : -EINVAL;
}

/*
 * The walk that preserves, claims and frees a domain's tables visits each
 * table page once, children first, and each leaf with its size.
 */
static void vtd_kunit_walk(struct kunit *test)
{
	struct intel_kho_walk w = {
		.table = vtd_kunit_count,
		.leaf = vtd_kunit_leaf,
	};
	struct vtd_kunit_tables t;

	vtd_kunit_build(test, &t);
	vtd_kunit_leaves = 0;
	KUNIT_EXPECT_EQ(test, intel_kho_walk(&w, t.pgd, 1), 0);
	KUNIT_EXPECT_EQ(test, w.nr_tables, 3);
	KUNIT_EXPECT_EQ(test, vtd_kunit_leaves, 5);
	vtd_kunit_free(&t);
}

/*
 * The replace's store: one 64-bit store when the upper half is the same
 * (the DID taken over), else one 128-bit exchange; the entry is the new
 * one after, and nothing past its first 128 bits is touched.
 */
static void vtd_kunit_store(struct kunit *test)
{
	struct pasid_entry *pe = kunit_kzalloc(test, sizeof(*pe), GFP_KERNEL);
	u64 same_did[2] = { 0x1234000 | 0x1, 0x5 };
	u64 new_did[2] = { 0x5678000 | 0x1, 0x9 };
	int err;

	KUNIT_ASSERT_NOT_NULL(test, pe);
	KUNIT_ASSERT_TRUE(test, IS_ALIGNED((unsigned long)pe, 16));
	pe->val[0] = 0xabc000 | 0x1;
	pe->val[1] = 0x5;
	pe->val[2] = 0x77;
	KUNIT_EXPECT_EQ(test, intel_kho_store(pe->val, same_did), 0);
	KUNIT_EXPECT_EQ(test, pe->val[0], same_did[0]);
	KUNIT_EXPECT_EQ(test, pe->val[1], same_did[1]);
	err = intel_kho_store(pe->val, new_did);
	if (!system_has_cmpxchg128()) {
		KUNIT_EXPECT_EQ(test, err, -EOPNOTSUPP);
		KUNIT_EXPECT_EQ(test, pe->val[0], same_did[0]);
		return;
	}
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, pe->val[0], new_did[0]);
	KUNIT_EXPECT_EQ(test, pe->val[1], new_did[1]);
	KUNIT_EXPECT_EQ(test, pe->val[2], 0x77ULL);
}

static struct kunit_case vtd_kunit_cases[] = {
	KUNIT_CASE(vtd_kunit_iova_to_phys),
	KUNIT_CASE(vtd_kunit_frozen_is_frozen),
	KUNIT_CASE(vtd_kunit_walk),
	KUNIT_CASE(vtd_kunit_store),
	{}
};

static struct kunit_suite vtd_kunit_suite = {
	.name = "kho-vtd-frozen",
	.test_cases = vtd_kunit_cases,
};

kunit_test_suite(vtd_kunit_suite);
