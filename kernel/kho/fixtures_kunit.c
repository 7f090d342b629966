// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the kernel's handover validators on kho-dump's fixtures, the very
 * blobs kernel/kho/fixtures/ holds (compiled by mkfixtures.sh at build
 * time), so the kernel and `kho-dump --check` cannot drift apart:
 *
 *  - a valid-* fixture passes every check the incoming side makes: the
 *    FDT and its tree rules, the root's properties and their agreement
 *    with a header and setup_data that point at it, and the nodes of the
 *    handlers this kernel reads (memfd, kho-test);
 *  - an invalid-* fixture fails one of them: the whole handover, or (for
 *    a handler's node) that handler's node alone;
 *  - a fixture the kernel does not judge, listed in kho_fixture_not_ours
 *    with the reason, must pass the kernel's checks, so the difference
 *    stays deliberate.
 */
#include <kunit/test.h>
#include <linux/libfdt.h>
#include <linux/slab.h>

#include "kho_internal.h"

struct kho_fixture {
	const char *name;
	const u8 *blob;
	size_t size;
};

#include "kho_fixtures.h"

/* Invalid to kho-dump, but outside what a kernel reads. */
static const struct {
	const char *name;
	const char *why;
} kho_fixture_not_ours[] = {
	{ "invalid-handler-misnamed",
	  "a handler finds its node by its own name: a node under another name is never read" },
	/* Rejected by the VT-d driver at IOMMU init, against the unit's registers and tables. */
	{ "invalid-vtd-mode",
	  "intel_kho_read_unit(): a mode other than the unit's own" },
	{ "invalid-vtd-root-unaligned",
	  "intel_kho_read_unit(): a root other than the unit's RTADDR" },
	{ "invalid-vtd-context-dup",
	  "intel_kho_check_root(): a context table listed twice" },
	{ "invalid-vtd-contexts-empty",
	  "intel_kho_check_root(), intel_kho_check_rec(): no context table for the devices" },
	{ "invalid-vtd-segment",
	  "intel_kho_read_rec(): a segment other than 0" },
	{ "invalid-vtd-did-1",
	  "intel_kho_check_rec(): a domain ID outside 2 to cap_ndoms() - 1" },
	{ "invalid-vtd-aw-7",
	  "intel_kho_check_rec(): an AW above 4, or one the unit does not support" },
	{ "invalid-vtd-scalable-no-pasid-dir",
	  "intel_kho_read_rec(): a scalable-mode record without its PASID directory" },
	{ "invalid-vtd-pasid-dir-order",
	  "intel_kho_check_sm_rec(): a PASID directory order above MAX_PAGE_ORDER" },
	{ "invalid-vtd-pasid-dir-unaligned",
	  "intel_kho_check_sm_rec(): no block of that order can be preserved at that address" },
	{ "invalid-vtd-bdf-dup",
	  "intel_kho_check_rec(): a device recorded twice on a unit" },
	{ "invalid-vtd-token-pgd",
	  "intel_kho_check_rec(): two records of one domain differ (pgd)" },
	{ "invalid-vtd-did-token",
	  "intel_kho_check_rec(): two records of one domain ID differ (token)" },
	{ "invalid-vtd-unit-child",
	  "intel_kho_read_unit() reads every child of a unit as a device record: incomplete" },
	/* kho-dump's own VT-d rules: what no kernel writes, which the next one does not compare. */
	{ "invalid-vtd-reg-base-dup",
	  "intel_kho_find_unit() takes the first unit of a base: the second is never read" },
	{ "invalid-vtd-legacy-pasid",
	  "a legacy-mode kernel does not read the PASID properties of a scalable-mode record" },
	{ "invalid-vtd-token-units",
	  "units are not compared: one frozen domain per token, from its first record" },
	/* Rejected by VFIO at the first PCI device (vfio_kho_read_recs()), all records dropped. */
	{ "invalid-vfio-token-zero",
	  "vfio_kho_read_rec(): a zero token" },
	{ "invalid-vfio-vendor-ffff",
	  "vfio_kho_read_rec(): vendor ID 0xffff" },
	{ "invalid-vfio-bdf-dup",
	  "vfio_kho_read_recs(): a device recorded twice" },
	/* kho-dump's own VFIO rules. */
	{ "invalid-vfio-token-dup",
	  "device tokens are not compared; vfio_kho_preserve() never gives one twice" },
	{ "invalid-vfio-vtd-token-mismatch",
	  "VT-d and VFIO each read their own node: the two are not compared" },
	{ "invalid-vfio-vtd-missing",
	  "VT-d and VFIO each read their own node: the two are not compared" },
};

#define KHO_FIXTURE_MAX_MEMFDS	64

static const char *kho_fixture_exempt(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kho_fixture_not_ours); i++)
		if (!strcmp(kho_fixture_not_ours[i].name, name))
			return kho_fixture_not_ours[i].why;
	return NULL;
}

/* The header and setup_data a kernel would have found with this FDT. */
static int kho_fixture_root(const void *fdt, const char **why)
{
	struct kho_setup_data sd = {};
	struct kho_hdr hdr = {};
	struct kho_root root;

	if (kho_read_root(fdt, &root, why))
		return -EINVAL;
	sd.hdr_phys = root.tracker;
	hdr.generation = root.generation;
	sd.nr_scratch = root.nr_scratch;
	memcpy(sd.scratch, root.scratch, sizeof(root.scratch));
	return kho_check_root(fdt, &hdr, &sd, why);
}

static int kho_fixture_memfd(struct kunit *test, const void *fdt, const char **why)
{
	struct kho_memfd_in *in;
	unsigned long nr;
	int node;

	node = fdt_subnode_offset(fdt, 0, KHO_MEMFD_NODE);
	if (node < 0)
		return 0;
	*why = "memfd node";
	if (!kho_fdt_compatible_is(fdt, node, KHO_MEMFD_COMPATIBLE))
		return -EINVAL;
	in = kunit_kcalloc(test, KHO_FIXTURE_MAX_MEMFDS, sizeof(*in), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, in);
	return kho_memfd_read_nodes(fdt, node, in, KHO_FIXTURE_MAX_MEMFDS, &nr) ?
	       -EINVAL : 0;
}

static int kho_fixture_kho_test(const void *fdt, const char **why)
{
	int node;

	if (!IS_ENABLED(CONFIG_KHO_TEST) || fdt_subnode_offset(fdt, 0, "kho-test") < 0)
		return 0;
	*why = "kho-test node";
	node = kho_fdt_find_node(fdt, "kho-test", "linux,kho-test-v2");
	if (node < 0)
		return node;
#ifdef CONFIG_KHO_TEST
	return kho_test_check_node(fdt, node);
#else
	return 0;
#endif
}

/* 0 if the kernel takes all of @f over, or the first check that fails. */
static int kho_fixture_judge(struct kunit *test, const struct kho_fixture *f,
			     const char **why)
{
	void *fdt;

	/* A page-aligned copy, as a handover's FDT always is. */
	fdt = kunit_kzalloc(test, max_t(size_t, f->size, PAGE_SIZE), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fdt);
	memcpy(fdt, f->blob, f->size);
	if (kho_check_fdt(fdt, f->size, kho_crc32(f->blob, f->size), why) ||
	    kho_fixture_root(fdt, why) ||
	    kho_fixture_memfd(test, fdt, why) ||
	    kho_fixture_kho_test(fdt, why))
		return -EINVAL;
	return 0;
}

static void kho_fixtures_judged(struct kunit *test)
{
	unsigned int i, nr_valid = 0, nr_invalid = 0;

	for (i = 0; i < ARRAY_SIZE(kho_fixtures); i++) {
		const struct kho_fixture *f = &kho_fixtures[i];
		const char *why = NULL, *exempt = kho_fixture_exempt(f->name);
		int err = kho_fixture_judge(test, f, &why);

		if (!strncmp(f->name, "valid-", 6) || exempt) {
			KUNIT_EXPECT_EQ_MSG(test, err, 0, "%s: rejected (%s)%s%s", f->name,
					    why, exempt ? ", although " : "", exempt ?: "");
			nr_valid++;
		} else if (!strncmp(f->name, "invalid-", 8)) {
			KUNIT_EXPECT_NE_MSG(test, err, 0, "%s: accepted", f->name);
			if (err)
				kunit_info(test, "%s: %s\n", f->name, why);
			nr_invalid++;
		} else {
			KUNIT_FAIL(test, "%s: fixtures are named valid-* or invalid-*", f->name);
		}
	}
	/* kho-dump's tests want 15 at least; the kernel sees them all. */
	KUNIT_EXPECT_GE(test, nr_invalid, 15U);
	KUNIT_EXPECT_GE(test, nr_valid, 1U);
}

/* Every exemption names a fixture that exists. */
static void kho_fixtures_exemptions(struct kunit *test)
{
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(kho_fixture_not_ours); i++) {
		for (j = 0; j < ARRAY_SIZE(kho_fixtures); j++)
			if (!strcmp(kho_fixtures[j].name, kho_fixture_not_ours[i].name))
				break;
		KUNIT_EXPECT_LT_MSG(test, j, ARRAY_SIZE(kho_fixtures), "%s: no such fixture",
				    kho_fixture_not_ours[i].name);
	}
}

static struct kunit_case kho_fixtures_cases[] = {
	KUNIT_CASE(kho_fixtures_judged),
	KUNIT_CASE(kho_fixtures_exemptions),
	{}
};

static struct kunit_suite kho_fixtures_suite = {
	.name = "kho-fixtures",
	.test_cases = kho_fixtures_cases,
};

kunit_test_suite(kho_fixtures_suite);
