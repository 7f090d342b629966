// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the handover validators against crafted good and corrupt input,
 * and the FDT writer/reader round trip.
 */
#include <kunit/test.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/slab.h>

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

/* A root FDT as the writer makes it, with a handler node below the root. */
static void *kho_build_test_fdt(struct kunit *test, struct kho_fdt *fdt,
				int nr_props)
{
	char name[16];
	int i;

	KUNIT_ASSERT_EQ(test, kho_fdt_init(fdt), 0);
	KUNIT_ASSERT_EQ(test, fdt_finish_reservemap(fdt->blob), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_begin_node(fdt, ""), 0);
	KUNIT_ASSERT_EQ(test, kho_fdt_property_string(fdt, "compatible",
						      KHO_FDT_COMPATIBLE), 0);
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
	{}
};

static struct kunit_suite kho_handover_suite = {
	.name = "kho-handover",
	.test_cases = kho_handover_cases,
};

kunit_test_suite(kho_handover_suite);
