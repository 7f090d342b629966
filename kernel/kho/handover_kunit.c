// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the handover validators against crafted good and corrupt input,
 * and the FDT writer/reader round trip.
 */
#include <kunit/test.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "fuzz_kunit.h"
#include "kho_internal.h"

static void kho_seal_sd(struct kho_setup_data *sd)
{
	sd->crc = 0;
	sd->crc = kho_crc32(sd, sizeof(*sd));
}

static struct kho_setup_data *kho_good_sd(struct kunit *test)
{
	struct kho_setup_data *sd = kunit_kzalloc(test, sizeof(*sd), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sd);
	sd->magic = KHO_SETUP_MAGIC;
	sd->version = KHO_ABI_VERSION;
	sd->size = sizeof(*sd);
	sd->hdr_phys = 0x40000000;
	sd->nr_scratch = 2;
	sd->scratch[0].base = 0x10000000;
	sd->scratch[0].size = 0x8000000;
	sd->scratch[1].base = 0x100000000ULL;
	sd->scratch[1].size = 0x200000;
	kho_seal_sd(sd);
	return sd;
}

static void kho_expect_sd_bad(struct kunit *test, struct kho_setup_data *sd,
			      const char *reason)
{
	const char *why;

	KUNIT_EXPECT_EQ(test, kho_check_setup_data(sd, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, reason);
}

static void kho_sd_good(struct kunit *test)
{
	const char *why = "unset";

	KUNIT_EXPECT_EQ(test, kho_check_setup_data(kho_good_sd(test), &why), 0);
	KUNIT_EXPECT_NULL(test, why);
}

static void kho_sd_corrupt(struct kunit *test)
{
	struct kho_setup_data *sd = kho_good_sd(test);

	sd->magic ^= 1;
	kho_seal_sd(sd);
	kho_expect_sd_bad(test, sd, "bad setup_data magic");

	sd = kho_good_sd(test);
	sd->version++;
	kho_seal_sd(sd);
	kho_expect_sd_bad(test, sd, "unsupported setup_data version");

	sd = kho_good_sd(test);
	sd->hdr_phys += PAGE_SIZE;	/* not resealed */
	kho_expect_sd_bad(test, sd, "setup_data checksum mismatch");

	sd = kho_good_sd(test);
	sd->nr_scratch = KHO_MAX_SCRATCH + 1;
	kho_seal_sd(sd);
	kho_expect_sd_bad(test, sd, "bad scratch count");

	sd = kho_good_sd(test);
	sd->nr_scratch = 0;
	kho_seal_sd(sd);
	kho_expect_sd_bad(test, sd, "bad scratch count");
}

static void kho_sd_bad_scratch(struct kunit *test)
{
	struct kho_setup_data *sd = kho_good_sd(test);

	sd->scratch[1].base += 1;
	kho_seal_sd(sd);
	kho_expect_sd_bad(test, sd, "bad scratch range");

	sd = kho_good_sd(test);
	sd->scratch[0].size = PAGE_SIZE;	/* page but not pageblock aligned */
	kho_seal_sd(sd);
	kho_expect_sd_bad(test, sd, "bad scratch range");

	sd = kho_good_sd(test);
	sd->scratch[0].size = 0;
	kho_seal_sd(sd);
	kho_expect_sd_bad(test, sd, "bad scratch range");

	sd = kho_good_sd(test);
	sd->scratch[1].base = -PAGE_SIZE;
	sd->scratch[1].size = 2 * PAGE_SIZE;
	kho_seal_sd(sd);
	kho_expect_sd_bad(test, sd, "bad scratch range");

	/* Inside the first range, and the same range twice. */
	sd = kho_good_sd(test);
	sd->scratch[1].base = sd->scratch[0].base + 0x200000;
	kho_seal_sd(sd);
	kho_expect_sd_bad(test, sd, "overlapping scratch ranges");

	sd = kho_good_sd(test);
	sd->scratch[1] = sd->scratch[0];
	kho_seal_sd(sd);
	kho_expect_sd_bad(test, sd, "overlapping scratch ranges");
}

static void kho_seal(struct kho_hdr *hdr)
{
	hdr->crc = 0;
	hdr->crc = kho_crc32(hdr, sizeof(*hdr));
}

static struct kho_hdr *kho_good_hdr(struct kunit *test)
{
	struct kho_hdr *hdr = kunit_kzalloc(test, sizeof(*hdr), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, hdr);
	hdr->magic = KHO_HDR_MAGIC;
	hdr->version = KHO_ABI_VERSION;
	hdr->size = sizeof(*hdr);
	hdr->nr_orders = KHO_NR_ORDERS;
	hdr->fdt_phys = 0x12345000;
	hdr->fdt_size = 2 * PAGE_SIZE;
	hdr->generation = 3;
	kho_seal(hdr);
	return hdr;
}

static void kho_expect_hdr_bad(struct kunit *test, struct kho_hdr *hdr,
			       const char *reason)
{
	const char *why;

	KUNIT_EXPECT_EQ(test, kho_check_hdr(hdr, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, reason);
}

static void kho_hdr_good(struct kunit *test)
{
	const char *why = "unset";

	KUNIT_EXPECT_EQ(test, kho_check_hdr(kho_good_hdr(test), &why), 0);
	KUNIT_EXPECT_NULL(test, why);
}

static void kho_hdr_corrupt(struct kunit *test)
{
	struct kho_hdr *hdr = kho_good_hdr(test);

	hdr->magic = 0;
	kho_seal(hdr);
	kho_expect_hdr_bad(test, hdr, "bad header magic");

	hdr = kho_good_hdr(test);
	hdr->nr_orders = 7;
	kho_seal(hdr);
	kho_expect_hdr_bad(test, hdr, "unsupported header version");

	hdr = kho_good_hdr(test);
	hdr->flags = 1;
	kho_seal(hdr);
	kho_expect_hdr_bad(test, hdr, "unknown header flags");

	hdr = kho_good_hdr(test);
	hdr->generation = 0;
	kho_seal(hdr);
	kho_expect_hdr_bad(test, hdr, "bad generation");

	hdr = kho_good_hdr(test);
	hdr->order[3].top = 0x5000;	/* not resealed */
	kho_expect_hdr_bad(test, hdr, "header checksum mismatch (not frozen?)");
}

static void kho_hdr_bad_fdt(struct kunit *test)
{
	struct kho_hdr *hdr = kho_good_hdr(test);

	hdr->fdt_phys = 0;
	kho_seal(hdr);
	kho_expect_hdr_bad(test, hdr, "bad FDT location");

	hdr = kho_good_hdr(test);
	hdr->fdt_phys |= 8;
	kho_seal(hdr);
	kho_expect_hdr_bad(test, hdr, "bad FDT location");

	hdr = kho_good_hdr(test);
	hdr->fdt_size = (PAGE_SIZE << MAX_PAGE_ORDER) * 2;
	kho_seal(hdr);
	kho_expect_hdr_bad(test, hdr, "bad FDT location");
}

/* A new root FDT, open at its root node, with the root compatible. */
static void kho_begin_test_root(struct kunit *test, struct kho_fdt *fdt)
{
	KUNIT_ASSERT_EQ(test, kho_fdt_init(fdt), 0);
	KUNIT_ASSERT_EQ(test, fdt_finish_reservemap(fdt->blob), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_begin_node(fdt, ""), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_property_string(fdt, "compatible",
						      KHO_FDT_COMPATIBLE), 0);
}

/* A root FDT as the writer makes it, with a handler node below the root. */
static void *kho_build_test_fdt(struct kunit *test, struct kho_fdt *fdt,
				int nr_props)
{
	char name[16];
	int i;

	kho_begin_test_root(test, fdt);
	KUNIT_ASSERT_EQ(test, kho_fdt_begin_node(fdt, "client"), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_property_string(fdt, "compatible",
						      "test,client-v1"), 0);
	for (i = 0; i < nr_props; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		KUNIT_ASSERT_EQ(test, kho_fdt_property_u64(fdt, name, 1000 + i), 0);
	}
	KUNIT_ASSERT_EQ(test, kho_fdt_end_node(fdt), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_end_node(fdt), 0);
	KUNIT_ASSERT_EQ(test, fdt_finish(fdt->blob), 0);
	return fdt->blob;
}

/* Thousands of properties: the writer must grow past one page. */
static void kho_fdt_round_trip(struct kunit *test)
{
	const int nr_props = 2000;
	struct kho_fdt fdt;
	const fdt64_t *val;
	const char *why;
	void *blob;
	int node, i, len;

	blob = kho_build_test_fdt(test, &fdt, nr_props);
	KUNIT_EXPECT_GT(test, fdt.order, 0U);
	KUNIT_EXPECT_EQ(test, kho_check_fdt(blob, PAGE_SIZE << fdt.order,
					    kho_crc32(blob, fdt_totalsize(blob)), &why), 0);
	node = fdt_subnode_offset(blob, 0, "client");
	KUNIT_ASSERT_GE(test, node, 0);
	KUNIT_EXPECT_EQ(test, fdt_node_check_compatible(blob, node, "test,client-v1"), 0);
	for (i = 0; i < nr_props; i += 97) {
		char name[16];

		snprintf(name, sizeof(name), "p%d", i);
		val = fdt_getprop(blob, node, name, &len);
		KUNIT_ASSERT_NOT_NULL(test, val);
		KUNIT_EXPECT_EQ(test, len, 8);
		KUNIT_EXPECT_EQ(test, fdt64_to_cpu(*val), (u64)(1000 + i));
	}
	kho_fdt_free(&fdt);
}

static void kho_fdt_corrupt(struct kunit *test)
{
	struct kho_fdt fdt;
	const char *why;
	void *blob;
	u32 crc;

	blob = kho_build_test_fdt(test, &fdt, 3);
	crc = kho_crc32(blob, fdt_totalsize(blob));

	KUNIT_EXPECT_EQ(test, kho_check_fdt(blob, PAGE_SIZE, crc ^ 1, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "FDT checksum mismatch");

	KUNIT_EXPECT_EQ(test, kho_check_fdt(blob, fdt_totalsize(blob) - 8, crc, &why),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "bad FDT header");

	fdt_setprop_inplace_namelen_partial(blob, 0, "compatible", 10, 6, "x", 1);
	crc = kho_crc32(blob, fdt_totalsize(blob));
	KUNIT_EXPECT_EQ(test, kho_check_fdt(blob, PAGE_SIZE, crc, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "incompatible handover (root compatible)");

	memset(blob, 0x5a, 64);
	KUNIT_EXPECT_EQ(test, kho_check_fdt(blob, PAGE_SIZE, crc, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "bad FDT header");
	kho_fdt_free(&fdt);
}

/* A compatible list that merely contains ours is not ours. */
static void kho_fdt_compatible_list(struct kunit *test)
{
	static const char list[] = "linux,kho-v2\0" KHO_FDT_COMPATIBLE;
	struct kho_fdt fdt;
	const char *why;

	KUNIT_ASSERT_EQ(test, kho_fdt_init(&fdt), 0);
	KUNIT_ASSERT_EQ(test, fdt_finish_reservemap(fdt.blob), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_begin_node(&fdt, ""), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_property(&fdt, "compatible", list, sizeof(list)), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_end_node(&fdt), 0);
	KUNIT_ASSERT_EQ(test, fdt_finish(fdt.blob), 0);
	KUNIT_EXPECT_FALSE(test, kho_fdt_compatible_is(fdt.blob, 0, KHO_FDT_COMPATIBLE));
	KUNIT_EXPECT_EQ(test, kho_check_fdt(fdt.blob, PAGE_SIZE,
					    kho_crc32(fdt.blob, fdt_totalsize(fdt.blob)),
					    &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "incompatible handover (root compatible)");
	kho_fdt_free(&fdt);
}

/* ---- fuzz: the validators on random mutations of good input ------------- */

static void kho_fuzz_setup_data(struct kunit *test)
{
	const struct kho_setup_data *good = kho_good_sd(test);
	struct kho_setup_data sd;
	unsigned int refused = 0;
	struct kho_fuzz f;
	const char *why;
	int ret;

	kho_fuzz_init(&f, KHO_FUZZ_SEED);
	while (kho_fuzz_next(&f)) {
		sd = *good;
		kho_fuzz_mutate(&f, &sd, sizeof(sd));
		/* Sealed again half the time, to reach the checks after the crc. */
		if (kho_fuzz_u32(&f, 2))
			kho_seal_sd(&sd);
		ret = kho_check_setup_data(&sd, &why);
		kho_fuzz_expect(test, &f, ret, why, "setup_data");
		refused += ret != 0;
		if (!ret)
			KUNIT_EXPECT_TRUE(test, sd.nr_scratch && sd.nr_scratch <= KHO_MAX_SCRATCH);
	}
	kunit_info(test, "%u rounds, %u refused", f.round - 1, refused);
	KUNIT_EXPECT_GT(test, refused, 0U);
}

static void kho_fuzz_hdr(struct kunit *test)
{
	const struct kho_hdr *good = kho_good_hdr(test);
	struct kho_hdr *hdr = kunit_kzalloc(test, sizeof(*hdr), GFP_KERNEL);
	unsigned int refused = 0;
	struct kho_fuzz f;
	const char *why;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, hdr);
	kho_fuzz_init(&f, KHO_FUZZ_SEED + 1);
	while (kho_fuzz_next(&f)) {
		*hdr = *good;
		/* The fields before the tracker roots, which this check reads. */
		kho_fuzz_mutate(&f, hdr, offsetof(struct kho_hdr, order));
		if (kho_fuzz_u32(&f, 2))
			kho_seal(hdr);
		ret = kho_check_hdr(hdr, &why);
		kho_fuzz_expect(test, &f, ret, why, "header");
		refused += ret != 0;
		if (!ret)
			KUNIT_EXPECT_TRUE(test, hdr->fdt_phys && PAGE_ALIGNED(hdr->fdt_phys) &&
					  hdr->fdt_size &&
					  hdr->fdt_size <= (PAGE_SIZE << MAX_PAGE_ORDER));
	}
	kunit_info(test, "%u rounds, %u refused", f.round - 1, refused);
	KUNIT_EXPECT_GT(test, refused, 0U);
}

/* A root FDT with the root's properties and a memfd node of two memfds. */
static void *kho_build_fuzz_fdt(struct kunit *test, struct kho_fdt *fdt)
{
	const __be64 scratch[] = { cpu_to_be64(0x10000000), cpu_to_be64(0x8000000) };
	char name[16];
	int i;

	kho_begin_test_root(test, fdt);
	KUNIT_ASSERT_EQ(test, kho_fdt_property_u64(fdt, KHO_FDT_PROP_TRACKER, 0x40000000), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_property_u64(fdt, KHO_FDT_PROP_GENERATION, 3), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_property(fdt, KHO_FDT_PROP_SCRATCH, scratch,
					       sizeof(scratch)), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_begin_node(fdt, KHO_MEMFD_NODE), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_property_string(fdt, "compatible",
						      KHO_MEMFD_COMPATIBLE), 0);
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "memfd@%d", i);
		KUNIT_ASSERT_EQ(test, kho_fdt_begin_node(fdt, name), 0);
		snprintf(name, sizeof(name), "ram%d", i);
		KUNIT_ASSERT_EQ(test, kho_fdt_property_string(fdt, "memfd-name", name), 0);
		KUNIT_ASSERT_EQ(test, kho_fdt_property_u64(fdt, "size", 2 * PAGE_SIZE), 0);
		KUNIT_ASSERT_EQ(test, kho_fdt_property_u64(fdt, "seals", 0), 0);
		KUNIT_ASSERT_EQ(test, kho_fdt_property_u64(fdt, "nr-pages", 2), 0);
		KUNIT_ASSERT_EQ(test, kho_fdt_property_u64(fdt, "page-size", PAGE_SIZE), 0);
		KUNIT_ASSERT_EQ(test, kho_fdt_property_u64(fdt, "nr-folios", 2), 0);
		KUNIT_ASSERT_EQ(test, kho_fdt_property_u64(fdt, "pages", 0x50000000), 0);
		KUNIT_ASSERT_EQ(test, kho_fdt_end_node(fdt), 0);
	}
	KUNIT_ASSERT_EQ(test, kho_fdt_end_node(fdt), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_end_node(fdt), 0);
	KUNIT_ASSERT_EQ(test, fdt_finish(fdt->blob), 0);
	return fdt->blob;
}

/* One memfd node of @size bytes in pages of @page_size, read back. */
static unsigned long kho_read_one_memfd(struct kunit *test, u64 size, u64 page_size,
					struct kho_memfd_in *in)
{
	u64 nr_pages = DIV_ROUND_UP(size, PAGE_SIZE);
	unsigned long nr_in;
	struct kho_fdt fdt;
	int node;

	kho_begin_test_root(test, &fdt);
	KUNIT_ASSERT_EQ(test, kho_fdt_begin_node(&fdt, KHO_MEMFD_NODE), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_begin_node(&fdt, "memfd@0"), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_property_string(&fdt, "memfd-name", "ram"), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_property_u64(&fdt, "size", size), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_property_u64(&fdt, "seals", 0), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_property_u64(&fdt, "nr-pages", nr_pages), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_property_u64(&fdt, "page-size", page_size), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_property_u64(&fdt, "nr-folios", 1), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_property_u64(&fdt, "pages", 0x50000000), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_end_node(&fdt), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_end_node(&fdt), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_end_node(&fdt), 0);
	KUNIT_ASSERT_EQ(test, fdt_finish(fdt.blob), 0);
	node = fdt_subnode_offset(fdt.blob, 0, KHO_MEMFD_NODE);
	KUNIT_ASSERT_GE(test, node, 0);
	kho_memfd_read_nodes(fdt.blob, node, in, 1, &nr_in);
	kho_fdt_free(&fdt);
	return nr_in;
}

/*
 * A memfd's page size is a page (shmem) or a huge page KHO can preserve
 * (hugetlb) of which its size is a whole number; nothing else is read.
 */
static void kho_memfd_page_sizes(struct kunit *test)
{
	static const struct {
		u64 size, page_size;
		bool ok;
	} cases[] = {
		{ 3 * PAGE_SIZE + 1, PAGE_SIZE, true },		/* shmem: any size */
		{ SZ_4M, SZ_2M, true },				/* 2 MiB hugetlb */
		{ SZ_1G, SZ_1G, true },				/* 1 GiB hugetlb */
		{ SZ_2M, 2 * PAGE_SIZE, true },			/* order 1 */
		{ SZ_2M + PAGE_SIZE, SZ_2M, false },		/* part of a huge page */
		{ SZ_2M, 3 * PAGE_SIZE, false },		/* not a power of two */
		{ SZ_2M, PAGE_SIZE / 2, false },		/* below a page */
		{ SZ_2G, SZ_2G, false },			/* order 19 */
		{ SZ_4M, 0, false },
	};
	struct kho_memfd_in in;
	unsigned long nr_in, want;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		nr_in = kho_read_one_memfd(test, cases[i].size, cases[i].page_size, &in);
		want = cases[i].ok;
		KUNIT_EXPECT_EQ_MSG(test, nr_in, want, "size %llu page-size %llu",
				    cases[i].size, cases[i].page_size);
		if (cases[i].ok)
			KUNIT_EXPECT_EQ(test, in.page_size, cases[i].page_size);
	}
}

/*
 * The FDT checks, then the root's and the memfd node's readers on what
 * they accept. Mutations stay inside the blob; its buffer is what the
 * header would say, so a totalsize past it must be refused, not followed.
 */
static void kho_fuzz_fdt(struct kunit *test)
{
	struct kho_memfd_in in[2];
	unsigned int refused = 0, accepted = 0;
	struct kho_root root;
	unsigned long nr_in;
	struct kho_fdt good;
	struct kho_fuzz f;
	const char *why;
	size_t size, len;
	void *blob;
	int ret, node;
	u32 crc;

	kho_build_fuzz_fdt(test, &good);
	size = PAGE_SIZE << good.order;
	len = fdt_totalsize(good.blob);
	blob = kunit_kmalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blob);
	kho_fuzz_init(&f, KHO_FUZZ_SEED + 2);
	while (kho_fuzz_next(&f)) {
		memcpy(blob, good.blob, size);
		kho_fuzz_mutate(&f, blob, len);
		/* The checksum of what is there, if that is inside the buffer. */
		crc = fdt_totalsize(blob) <= size ? kho_crc32(blob, fdt_totalsize(blob)) : 0;
		ret = kho_check_fdt(blob, size, crc, &why);
		kho_fuzz_expect(test, &f, ret, why, "FDT");
		if (ret) {
			refused++;
			continue;
		}
		ret = kho_read_root(blob, &root, &why);
		kho_fuzz_expect(test, &f, ret, why, "root");
		node = fdt_subnode_offset(blob, 0, KHO_MEMFD_NODE);
		if (node >= 0 && kho_fdt_compatible_is(blob, node, KHO_MEMFD_COMPATIBLE)) {
			kho_memfd_read_nodes(blob, node, in, ARRAY_SIZE(in), &nr_in);
			KUNIT_EXPECT_LE(test, nr_in, ARRAY_SIZE(in));
		}
		accepted++;
	}
	kunit_info(test, "%u rounds, %u refused, %u accepted", f.round - 1, refused, accepted);
	KUNIT_EXPECT_GT(test, refused, 0U);
	KUNIT_EXPECT_GT(test, accepted, 0U);
	kho_fdt_free(&good);
}

static struct kunit_case kho_handover_cases[] = {
	KUNIT_CASE(kho_sd_good),
	KUNIT_CASE(kho_sd_corrupt),
	KUNIT_CASE(kho_sd_bad_scratch),
	KUNIT_CASE(kho_hdr_good),
	KUNIT_CASE(kho_hdr_corrupt),
	KUNIT_CASE(kho_hdr_bad_fdt),
	KUNIT_CASE(kho_fdt_round_trip),
	KUNIT_CASE(kho_fdt_corrupt),
	KUNIT_CASE(kho_fdt_compatible_list),
	KUNIT_CASE(kho_fuzz_setup_data),
	KUNIT_CASE(kho_fuzz_hdr),
	KUNIT_CASE(kho_fuzz_fdt),
	KUNIT_CASE(kho_memfd_page_sizes),
	{}
};

static struct kunit_suite kho_handover_suite = {
	.name = "kho-handover",
	.test_cases = kho_handover_cases,
};

kunit_test_suite(kho_handover_suite);
