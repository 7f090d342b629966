// SPDX-License-Identifier: GPL-2.0
/*
 * kho-dump's decoder table: one entry per node the kernel writes, with its
 * properties (type, required or optional) and the rules that span several
 * of them. Documentation/kho/abi.rst describes the same nodes; the test
 * "kho-dump abi doc agrees" compares the two through --list-known.
 *
 * Adding a handler's node is adding an entry to kd_handler_specs[].
 */
#include <stdint.h>
#include <string.h>
#include <libfdt.h>
#include <linux/kho.h>

#include "kho-dump.h"

const char *const kd_type_names[KD_NR_TYPES] = {
	[KD_STRING]	= "string",
	[KD_U64]	= "u64",
	[KD_PHYS]	= "phys",
	[KD_BYTES]	= "bytes",
	[KD_FLAGS]	= "flags",
	[KD_RANGES]	= "ranges",
	[KD_PHYS_LIST]	= "phys-list",
	[KD_ID]		= "id",
	[KD_BDF]	= "bdf",
};

/* Every handler node, and the root, name what they hold with this. */
#define KD_COMPATIBLE(c) \
	{ .name = "compatible", .type = KD_STRING, .flags = KD_REQ, .value = (c) }

/* ---- root ------------------------------------------------------------- */

static const struct kd_prop_spec kd_root_props[] = {
	KD_COMPATIBLE(KHO_FDT_COMPATIBLE),
	{ .name = KHO_FDT_PROP_TRACKER, .type = KD_PHYS,
	  .flags = KD_REQ | KD_NONZERO | KD_ALIGNED },
	{ .name = KHO_FDT_PROP_GENERATION, .type = KD_U64, .flags = KD_REQ | KD_NONZERO },
	{ .name = KHO_FDT_PROP_SCRATCH, .type = KD_RANGES,
	  .flags = KD_REQ | KD_NONZERO | KD_ALIGNED, .max = KHO_MAX_SCRATCH },
	{ }
};

const struct kd_node_spec kd_root_spec = {
	.name = "/",
	.compatible = KHO_FDT_COMPATIBLE,
	.props = kd_root_props,
};

/* ---- kho-test (kernel/kho/kho_test.c) ---------------------------------- */

/*
 * The folio list lives in chunks of one maximal buddy allocation each:
 * PAGE_SIZE << MAX_PAGE_ORDER, 4 MiB on x86-64, at most 64 of them.
 */
#define KD_KHO_TEST_CHUNK	(KD_PAGE_SIZE << 10)
#define KD_KHO_TEST_MAX_CHUNKS	64

static const struct kd_prop_spec kd_kho_test_props[] = {
	KD_COMPATIBLE("linux,kho-test-v2"),
	{ .name = "seed", .type = KD_U64, .flags = KD_REQ },
	{ .name = "nr-folios", .type = KD_U64, .flags = KD_REQ },
	{ .name = "list-size", .type = KD_BYTES, .flags = KD_REQ | KD_ALIGNED },
	{ .name = "total-bytes", .type = KD_BYTES, .flags = KD_REQ | KD_ALIGNED },
	{ .name = "generation", .type = KD_U64, .flags = KD_REQ | KD_NONZERO },
	{ .name = "chunks", .type = KD_PHYS_LIST,
	  .flags = KD_REQ | KD_NONZERO | KD_ALIGNED, .max = KD_KHO_TEST_MAX_CHUNKS },
	{ }
};

/*
 * Nothing preserved is all zero with no chunks. Otherwise the chunks hold
 * list-size bytes, one u64 entry per folio, and each folio is a page or
 * more.
 */
static void kd_kho_test_check(struct kd_walk *w, int node, const char *path)
{
	u64 nr, list, total, want;
	int len;

	if (!kd_get_u64(w, node, "nr-folios", &nr) ||
	    !kd_get_u64(w, node, "list-size", &list) ||
	    !kd_get_u64(w, node, "total-bytes", &total) ||
	    !fdt_getprop(w->fdt, node, "chunks", &len) || len % 8)
		return;
	if (!nr && !list && !total && !len)
		return;
	if (!list || list > KD_KHO_TEST_CHUNK * KD_KHO_TEST_MAX_CHUNKS)
		kd_problem(w, path, "list-size", "%llu bytes, expected 4 KiB to 256 MiB",
			   list);
	if (nr > list / sizeof(u64))
		kd_problem(w, path, "list-size", "%llu bytes cannot hold %llu entries",
			   list, nr);
	want = (list + KD_KHO_TEST_CHUNK - 1) / KD_KHO_TEST_CHUNK;
	if (list <= KD_KHO_TEST_CHUNK * KD_KHO_TEST_MAX_CHUNKS && (u64)len / 8 != want)
		kd_problem(w, path, "chunks", "%d address%s, list-size needs %llu",
			   len / 8, len == 8 ? "" : "es", want);
	if (nr > total / KD_PAGE_SIZE)
		kd_problem(w, path, "total-bytes", "%llu bytes, less than a page per folio (%llu)",
			   total, nr);
}

static const struct kd_prop_spec kd_kho_test_canary_props[] = {
	KD_COMPATIBLE("linux,kho-test-canary-v1"),
	{ .name = "canary", .type = KD_U64, .flags = KD_REQ },
	{ }
};

/* ---- memfd (kernel/kho/memfd.c) ---------------------------------------- */

/* F_SEAL_* of <linux/fcntl.h>, from bit 0 */
static const char *const kd_seal_names[] = {
	"seal", "shrink", "grow", "write", "future-write", "exec", NULL
};

static const struct kd_prop_spec kd_memfd_props[] = {
	KD_COMPATIBLE("linux,kho-memfd-v2"),
	{ }
};

static const struct kd_prop_spec kd_memfd_file_props[] = {
	{ .name = "memfd-name", .type = KD_STRING, .flags = KD_REQ | KD_NONZERO, .max = 63 },
	{ .name = "size", .type = KD_BYTES, .flags = KD_REQ },
	{ .name = "seals", .type = KD_FLAGS, .flags = KD_REQ, .bits = kd_seal_names },
	{ .name = "nr-pages", .type = KD_U64, .flags = KD_REQ },
	{ .name = "page-size", .type = KD_BYTES, .flags = KD_REQ },
	{ .name = "nr-folios", .type = KD_U64, .flags = KD_REQ },
	{ .name = "pages", .type = KD_PHYS, .flags = KD_REQ | KD_ALIGNED },
	{ }
};

/*
 * A hugetlb memfd's page size: a power of two above a page that KHO can
 * preserve as one block (an order up to KD_MAX_ORDER).
 */
static bool kd_huge_page_size_ok(u64 page_size)
{
	return page_size > KD_PAGE_SIZE && !(page_size & (page_size - 1)) &&
	       page_size <= KD_PAGE_SIZE << KD_MAX_ORDER;
}

/*
 * One entry (u64) for each folio of the file, in chunks whose first is at
 * "pages": a folio covers one page or more, so there are no more folios
 * than pages. The size is a file size (at most MAX_LFS_FILESIZE); a
 * hugetlb memfd's is a whole number of its huge pages.
 */
static void kd_memfd_file_check(struct kd_walk *w, int node, const char *path)
{
	u64 size, nr, page_size, folios, pages;

	if (!kd_get_u64(w, node, "size", &size) ||
	    !kd_get_u64(w, node, "nr-pages", &nr) ||
	    !kd_get_u64(w, node, "page-size", &page_size) ||
	    !kd_get_u64(w, node, "nr-folios", &folios) ||
	    !kd_get_u64(w, node, "pages", &pages))
		return;
	if (size > INT64_MAX)
		kd_problem(w, path, "size", "0x%llx is beyond any file size", size);
	else if (nr != (size + KD_PAGE_SIZE - 1) / KD_PAGE_SIZE)
		kd_problem(w, path, "nr-pages", "%llu, but a size of %llu bytes has %llu pages",
			   nr, size, (size + KD_PAGE_SIZE - 1) / KD_PAGE_SIZE);
	if (page_size != KD_PAGE_SIZE && !kd_huge_page_size_ok(page_size))
		kd_problem(w, path, "page-size",
			   "%llu: neither a shmem memfd's %llu nor a huge page size",
			   page_size, KD_PAGE_SIZE);
	else if (page_size != KD_PAGE_SIZE && size % page_size)
		kd_problem(w, path, "size", "%llu is not a whole number of %llu-byte huge pages",
			   size, page_size);
	if (folios > nr || !folios != !nr)
		kd_problem(w, path, "nr-folios", "%llu for %llu pages", folios, nr);
	if (nr && !pages)
		kd_problem(w, path, "pages", "zero, but nr-pages is %llu", nr);
}

static const struct kd_node_spec kd_memfd_children[] = {
	{
		.name = "memfd@N",
		.props = kd_memfd_file_props,
		.check = kd_memfd_file_check,
	},
	{ }
};

static const char *kd_memfd_name(struct kd_walk *w, int node)
{
	const char *name;
	int len;

	name = fdt_getprop(w->fdt, node, "memfd-name", &len);
	return name && kd_is_string(name, len) ? name : NULL;
}

/* Is there a memfd@N child? */
static bool kd_memfd_has(struct kd_walk *w, int node, unsigned long n)
{
	char name[32];

	snprintf(name, sizeof(name), "memfd@%lu", n);
	return fdt_subnode_offset(w->fdt, node, name) >= 0;
}

/*
 * The next kernel reads memfd@0, memfd@1, ... up to the first one missing,
 * and restores memfds by name: no gaps, no two of the same name.
 */
static void kd_memfd_check(struct kd_walk *w, int node, const char *path)
{
	const char *name, *other, *cname;
	char child[KD_PATH_MAX], q[96];
	unsigned long i, n = 0;
	int a, b;

	fdt_for_each_subnode(a, w->fdt, node) {
		cname = fdt_get_name(w->fdt, a, NULL);
		if (cname && !strncmp(cname, "memfd@", 6))
			n++;
	}
	for (i = 0; i < n; i++) {
		if (kd_memfd_has(w, node, i))
			continue;
		snprintf(child, sizeof(child), "memfd@%lu", i);
		kd_problem(w, path, child, "missing: the next kernel stops reading memfds there");
		break;
	}
	fdt_for_each_subnode(a, w->fdt, node) {
		name = kd_memfd_name(w, a);
		if (!name)
			continue;
		fdt_for_each_subnode(b, w->fdt, node) {
			if (b == a)
				break;
			other = kd_memfd_name(w, b);
			if (!other || strcmp(name, other))
				continue;
			snprintf(child, sizeof(child), "%s/%s", path,
				 fdt_get_name(w->fdt, a, NULL));
			kd_problem(w, child, "memfd-name",
				   "duplicate memfd name \"%s\" (also in %s)",
				   kd_quote(q, sizeof(q), name), fdt_get_name(w->fdt, b, NULL));
			break;
		}
	}
}

/* ---- shared by intel-iommu and vfio ------------------------------------ */

/* Another node's path, for a message: "unit@0/device@1" under @top. */
static const char *kd_rel_path(struct kd_walk *w, char *buf, size_t size,
			       int top, int node)
{
	const char *name = fdt_get_name(w->fdt, node, NULL) ?: "";
	int parent = fdt_parent_offset(w->fdt, node);

	if (parent < 0 || parent == top)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%s/%s",
			 fdt_get_name(w->fdt, parent, NULL) ?: "", name);
	return buf;
}

/* A PCI function as lspci names it: "0000:00:03.0"; false if out of range. */
static bool kd_pci_name(char *buf, size_t size, u64 segment, u64 bdf)
{
	char b[16];

	if (segment > 0xffff || !kd_bdf_name(b, sizeof(b), bdf))
		return false;
	snprintf(buf, size, "%04llx:%s", segment, b);
	return true;
}

/* A device record's segment and bdf, both readable. */
static bool kd_get_rid(struct kd_walk *w, int node, u64 *segment, u64 *bdf)
{
	return kd_get_u64(w, node, "segment", segment) && kd_get_u64(w, node, "bdf", bdf);
}

/*
 * The next kernel reads every child of a unit, and of the vfio node, as a
 * device record, whatever its name: a child that is not device@N is one
 * it rejects (or, worse, one it takes). Returns the number of children.
 */
static unsigned int kd_device_children(struct kd_walk *w, int node, const char *path)
{
	char child[KD_PATH_MAX];
	const char *name;
	unsigned int n = 0;
	int c;

	fdt_for_each_subnode(c, w->fdt, node) {
		n++;
		name = fdt_get_name(w->fdt, c, NULL) ?: "";
		if (kd_name_matches("device@N", name))
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, name);
		kd_problem(w, child, NULL,
			   "not a device@N node: the next kernel reads every child here as a device record");
	}
	return n;
}

static bool kd_compatible_is(struct kd_walk *w, int node, const char *compatible)
{
	const char *c;
	int len;

	c = fdt_getprop(w->fdt, node, "compatible", &len);
	return c && kd_is_string(c, len) && !strcmp(c, compatible);
}

/* ---- intel-iommu (drivers/iommu/intel/kho.c) --------------------------- */

/*
 * A root table has 256 entries, two context-table pointers each in
 * scalable mode. Domain IDs 0 and 1 are the kernel's own (0 is reserved, 1
 * is FLPT_DEFAULT_DID), a unit has at most 2^16 (cap_ndoms()); the AW field is
 * 0 to 4 (30 + 9 * aw bits, at most 64); a PASID directory is at most a
 * maximal buddy allocation (MAX_PAGE_ORDER, 10 on x86-64).
 */
#define KD_VTD_MAX_CONTEXTS	512
#define KD_VTD_MIN_DID		2
#define KD_VTD_MAX_DID		0xffff
#define KD_VTD_MAX_AW		4
#define KD_VTD_MAX_DIR_ORDER	10

static const char *const kd_vtd_modes[] = {
	KHO_VTD_MODE_LEGACY, KHO_VTD_MODE_SCALABLE, NULL
};

static const struct kd_prop_spec kd_vtd_props[] = {
	KD_COMPATIBLE(KHO_VTD_COMPATIBLE),
	{ }
};

static const struct kd_prop_spec kd_vtd_unit_props[] = {
	{ .name = "reg-base", .type = KD_PHYS, .flags = KD_REQ | KD_NONZERO | KD_ALIGNED },
	{ .name = "mode", .type = KD_STRING, .flags = KD_REQ, .choices = kd_vtd_modes },
	{ .name = "root", .type = KD_PHYS, .flags = KD_REQ | KD_NONZERO | KD_ALIGNED },
	{ .name = "contexts", .type = KD_PHYS_LIST,
	  .flags = KD_REQ | KD_NONZERO | KD_ALIGNED | KD_UNIQUE, .max = KD_VTD_MAX_CONTEXTS },
	{ }
};

/* The pasid-* properties: in scalable mode only, and there all required. */
static const struct kd_prop_spec kd_vtd_dev_props[] = {
	{ .name = "segment", .type = KD_U64, .flags = KD_REQ | KD_BOUNDED,
	  .lo = 0, .hi = 0, .note = "a unit's devices are in segment 0" },
	{ .name = "bdf", .type = KD_BDF, .flags = KD_REQ },
	{ .name = "did", .type = KD_U64, .flags = KD_REQ | KD_BOUNDED,
	  .lo = KD_VTD_MIN_DID, .hi = KD_VTD_MAX_DID,
	  .note = "domain IDs 0 and 1 are the kernel's own" },
	{ .name = "aw", .type = KD_U64, .flags = KD_REQ | KD_BOUNDED,
	  .lo = 0, .hi = KD_VTD_MAX_AW, .note = "AW 0 to 4: 30- to 64-bit" },
	{ .name = "pgd", .type = KD_PHYS, .flags = KD_REQ | KD_NONZERO | KD_ALIGNED },
	{ .name = "token", .type = KD_ID, .flags = KD_REQ | KD_NONZERO },
	{ .name = "pt-pages", .type = KD_U64, .flags = KD_NONZERO },
	{ .name = "pasid-dir", .type = KD_PHYS, .flags = KD_NONZERO | KD_ALIGNED },
	{ .name = "pasid-dir-order", .type = KD_U64, .flags = KD_BOUNDED,
	  .lo = 0, .hi = KD_VTD_MAX_DIR_ORDER, .note = "MAX_PAGE_ORDER" },
	{ .name = "pasid-table", .type = KD_PHYS, .flags = KD_NONZERO | KD_ALIGNED },
	{ }
};

enum kd_vtd_mode { KD_VTD_UNKNOWN, KD_VTD_LEGACY, KD_VTD_SCALABLE };

static enum kd_vtd_mode kd_vtd_mode(struct kd_walk *w, int unit)
{
	const char *mode;
	int len;

	mode = fdt_getprop(w->fdt, unit, "mode", &len);
	if (!mode || !kd_is_string(mode, len))
		return KD_VTD_UNKNOWN;
	if (!strcmp(mode, KHO_VTD_MODE_LEGACY))
		return KD_VTD_LEGACY;
	if (!strcmp(mode, KHO_VTD_MODE_SCALABLE))
		return KD_VTD_SCALABLE;
	return KD_VTD_UNKNOWN;
}

/* Address width in bits of an AW field, as agaw_to_width() has it. */
static unsigned int kd_vtd_width(u64 aw)
{
	return aw >= 4 ? 64 : 30 + 9 * aw;
}

/*
 * The PASID properties follow the unit's mode. The directory is a block of
 * 2^pasid-dir-order pages, preserved at that order: naturally aligned.
 */
static void kd_vtd_dev_pasid(struct kd_walk *w, int node, const char *path,
			     enum kd_vtd_mode mode)
{
	const struct kd_prop_spec *p;
	u64 dir, order;
	bool has;

	for (p = kd_vtd_dev_props; p->name; p++) {
		if (strncmp(p->name, "pasid-", 6))
			continue;
		has = fdt_getprop(w->fdt, node, p->name, NULL);
		if (mode == KD_VTD_LEGACY && has)
			kd_problem(w, path, p->name,
				   "in a legacy-mode unit: only scalable mode has PASID tables");
		if (mode == KD_VTD_SCALABLE && !has)
			kd_problem(w, path, p->name,
				   "required property missing in a scalable-mode unit (%s)",
				   kd_type_names[p->type]);
	}
	if (mode == KD_VTD_SCALABLE && kd_get_u64(w, node, "pasid-dir", &dir) &&
	    kd_get_u64(w, node, "pasid-dir-order", &order) &&
	    order <= KD_VTD_MAX_DIR_ORDER && dir % (KD_PAGE_SIZE << order))
		kd_problem(w, path, "pasid-dir",
			   "0x%llx is not aligned to its size (order %llu: 0x%llx bytes)",
			   dir, order, KD_PAGE_SIZE << order);
}

/* A device record's fields for the rules between records. */
struct kd_vtd_rec {
	bool has_bdf, has_dom;
	u64 segment, bdf, did, token, pgd, aw;
};

static void kd_vtd_get_rec(struct kd_walk *w, int node, struct kd_vtd_rec *r)
{
	r->has_bdf = kd_get_rid(w, node, &r->segment, &r->bdf);
	r->has_dom = kd_get_u64(w, node, "did", &r->did) &&
		     kd_get_u64(w, node, "token", &r->token) &&
		     kd_get_u64(w, node, "pgd", &r->pgd) &&
		     kd_get_u64(w, node, "aw", &r->aw);
}

/*
 * What intel_kho_check_rec() compares within a unit: one record per
 * device; one domain (token) has one domain ID, address width and page
 * table on a unit, and one domain ID is one domain.
 */
static void kd_vtd_dev_siblings(struct kd_walk *w, int unit, int node,
				const char *path, const struct kd_vtd_rec *r)
{
	bool bdf_done = false, did_done = false, token_done = false;
	bool pgd_done = false, aw_done = false;
	struct kd_vtd_rec o;
	char pci[16];
	const char *oname;
	int sib;

	fdt_for_each_subnode(sib, w->fdt, unit) {
		if (sib == node)
			break;
		kd_vtd_get_rec(w, sib, &o);
		oname = fdt_get_name(w->fdt, sib, NULL) ?: "";
		if (r->has_bdf && o.has_bdf && o.bdf == r->bdf && !bdf_done) {
			kd_bdf_name(pci, sizeof(pci), r->bdf);
			kd_problem(w, path, "bdf", "%s is %s's too: a device is recorded once",
				   pci, oname);
			bdf_done = true;
		}
		if (!r->has_dom || !o.has_dom)
			continue;
		if (o.token == r->token && o.did != r->did && !did_done) {
			kd_problem(w, path, "did",
				   "%llu, but %s of the same token 0x%llx has %llu: a domain has one ID on a unit",
				   r->did, oname, r->token, o.did);
			did_done = true;
		}
		if (o.did == r->did && o.token != r->token && !token_done) {
			kd_problem(w, path, "token",
				   "0x%llx, but %s of the same did %llu has 0x%llx: a domain ID names one domain",
				   r->token, oname, r->did, o.token);
			token_done = true;
		}
		if (o.token == r->token && o.pgd != r->pgd && !pgd_done) {
			kd_problem(w, path, "pgd",
				   "0x%llx, but %s of the same token 0x%llx has 0x%llx: a domain has one page table",
				   r->pgd, oname, r->token, o.pgd);
			pgd_done = true;
		}
		if (o.token == r->token && o.aw != r->aw && !aw_done) {
			kd_problem(w, path, "aw",
				   "%llu, but %s of the same token 0x%llx has %llu: a domain has one address width",
				   r->aw, oname, r->token, o.aw);
			aw_done = true;
		}
	}
}

/*
 * Across units (kho-dump's own rules: the kernel does not compare units):
 * a device sits behind one unit, and the next kernel makes one frozen
 * domain of a token, with the first record's page table and address
 * width; a unit whose record of that token differs would keep walking a
 * table the domain does not own.
 */
static void kd_vtd_dev_units(struct kd_walk *w, int vtd, int unit,
			     const char *path, const struct kd_vtd_rec *r)
{
	bool bdf_done = false, pgd_done = false, aw_done = false;
	char other[KD_PATH_MAX], pci[32];
	struct kd_vtd_rec o;
	int u, d;

	fdt_for_each_subnode(u, w->fdt, vtd) {
		if (u == unit)
			break;
		fdt_for_each_subnode(d, w->fdt, u) {
			kd_vtd_get_rec(w, d, &o);
			kd_rel_path(w, other, sizeof(other), vtd, d);
			if (r->has_bdf && o.has_bdf && o.segment == r->segment &&
			    o.bdf == r->bdf && !bdf_done &&
			    kd_pci_name(pci, sizeof(pci), r->segment, r->bdf)) {
				kd_problem(w, path, "bdf",
					   "%s is recorded on %s too: a device is behind one unit",
					   pci, other);
				bdf_done = true;
			}
			if (!r->has_dom || !o.has_dom || o.token != r->token)
				continue;
			if (o.pgd != r->pgd && !pgd_done) {
				kd_problem(w, path, "pgd",
					   "0x%llx, but %s of the same token 0x%llx has 0x%llx: the next kernel builds one domain per token, from its first record",
					   r->pgd, other, r->token, o.pgd);
				pgd_done = true;
			}
			if (o.aw != r->aw && !aw_done) {
				kd_problem(w, path, "aw",
					   "%llu, but %s of the same token 0x%llx has %llu: the next kernel builds one domain per token, from its first record",
					   r->aw, other, r->token, o.aw);
				aw_done = true;
			}
		}
	}
}

static void kd_vtd_dev_check(struct kd_walk *w, int node, const char *path)
{
	int unit = fdt_parent_offset(w->fdt, node);
	int vtd = unit >= 0 ? fdt_parent_offset(w->fdt, unit) : -1;
	struct kd_vtd_rec r;

	if (unit < 0 || vtd < 0)
		return;
	kd_vtd_dev_pasid(w, node, path, kd_vtd_mode(w, unit));
	kd_vtd_get_rec(w, node, &r);
	kd_vtd_dev_siblings(w, unit, node, path, &r);
	kd_vtd_dev_units(w, vtd, unit, path, &r);
}

static bool kd_vtd_dev_summary(struct kd_walk *w, int node, char *buf, size_t size)
{
	u64 segment, bdf, did, aw;
	size_t n;

	if (!kd_get_rid(w, node, &segment, &bdf) ||
	    !kd_pci_name(buf, size, segment, bdf))
		return false;
	n = strlen(buf);
	if (kd_get_u64(w, node, "did", &did) && n < size)
		n += snprintf(buf + n, size - n, ", did %llu", did);
	if (kd_get_u64(w, node, "aw", &aw) && aw <= KD_VTD_MAX_AW && n < size)
		snprintf(buf + n, size - n, ", %u-bit", kd_vtd_width(aw));
	return true;
}

static const struct kd_node_spec kd_vtd_unit_children[] = {
	{
		.name = "device@N",
		.props = kd_vtd_dev_props,
		.check = kd_vtd_dev_check,
		.summary = kd_vtd_dev_summary,
	},
	{ }
};

/*
 * A unit's devices: at most KHO_VTD_MAX_DEVICES, each on a bus whose
 * context table is listed (the kernel rejects a root entry to an unlisted
 * table, and a device without a context entry). Each unit is found by its
 * register base: a second unit of one base is never read.
 */
static void kd_vtd_unit_check(struct kd_walk *w, int node, const char *path)
{
	int vtd = fdt_parent_offset(w->fdt, node), sib, len;
	unsigned int n = kd_device_children(w, node, path);
	u64 base, other;

	if (n > KHO_VTD_MAX_DEVICES)
		kd_problem(w, path, NULL, "%u devices, at most %u (KHO_VTD_MAX_DEVICES)",
			   n, KHO_VTD_MAX_DEVICES);
	if (n && fdt_getprop(w->fdt, node, "contexts", &len) && !len)
		kd_problem(w, path, "contexts",
			   "none, but %u device%s: a device's bus needs its context table",
			   n, n == 1 ? "" : "s");
	if (vtd < 0 || !kd_get_u64(w, node, "reg-base", &base))
		return;
	fdt_for_each_subnode(sib, w->fdt, vtd) {
		if (sib == node)
			break;
		if (!kd_get_u64(w, sib, "reg-base", &other) || other != base)
			continue;
		kd_problem(w, path, "reg-base",
			   "0x%llx is %s's too: the next kernel reads only the first unit of a base",
			   base, fdt_get_name(w->fdt, sib, NULL) ?: "");
		break;
	}
}

static bool kd_vtd_unit_summary(struct kd_walk *w, int node, char *buf, size_t size)
{
	enum kd_vtd_mode mode = kd_vtd_mode(w, node);
	unsigned int n = 0;
	u64 base;
	int c;

	if (mode == KD_VTD_UNKNOWN || !kd_get_u64(w, node, "reg-base", &base))
		return false;
	fdt_for_each_subnode(c, w->fdt, node)
		n++;
	snprintf(buf, size, "%s mode, registers at 0x%llx, %u device%s",
		 mode == KD_VTD_LEGACY ? KHO_VTD_MODE_LEGACY : KHO_VTD_MODE_SCALABLE,
		 base, n, n == 1 ? "" : "s");
	return true;
}

static const struct kd_node_spec kd_vtd_children[] = {
	{
		.name = "unit@N",
		.props = kd_vtd_unit_props,
		.children = kd_vtd_unit_children,
		.check = kd_vtd_unit_check,
		.summary = kd_vtd_unit_summary,
	},
	{ }
};

static void kd_vtd_check(struct kd_walk *w, int node, const char *path)
{
	const char *name;
	unsigned int n = 0;
	int c;

	fdt_for_each_subnode(c, w->fdt, node) {
		name = fdt_get_name(w->fdt, c, NULL);
		if (name && !strncmp(name, "unit@", 5))
			n++;
	}
	if (n > KHO_VTD_MAX_UNITS)
		kd_problem(w, path, NULL, "%u units, at most %u (KHO_VTD_MAX_UNITS)",
			   n, KHO_VTD_MAX_UNITS);
}

/* ---- vfio (drivers/vfio/kho.c) ------------------------------------------ */

static const struct kd_prop_spec kd_vfio_props[] = {
	KD_COMPATIBLE(KHO_VFIO_COMPATIBLE),
	{ }
};

static const struct kd_prop_spec kd_vfio_dev_props[] = {
	{ .name = "segment", .type = KD_U64, .flags = KD_REQ | KD_BOUNDED,
	  .lo = 0, .hi = 0xffff, .note = "a PCI segment number is 16-bit" },
	{ .name = "bdf", .type = KD_BDF, .flags = KD_REQ },
	{ .name = "vendor", .type = KD_ID, .flags = KD_REQ | KD_BOUNDED,
	  .lo = 0, .hi = 0xfffe, .note = "0xffff is what reads back from no device" },
	{ .name = "device", .type = KD_ID, .flags = KD_REQ | KD_BOUNDED,
	  .lo = 0, .hi = 0xffff, .note = "a PCI device ID is 16-bit" },
	{ .name = "token", .type = KD_ID, .flags = KD_REQ | KD_NONZERO },
	{ .name = "hwpt-token", .type = KD_ID, .flags = KD_REQ | KD_NONZERO },
	{ }
};

/*
 * vfio_kho_read_recs() rejects two records of one segment and BDF; a
 * device's token is its name in the next kernel, given once (the outgoing
 * kernel refuses a second device of a token).
 */
static void kd_vfio_dev_check(struct kd_walk *w, int node, const char *path)
{
	int vfio = fdt_parent_offset(w->fdt, node), sib;
	bool has_rid, has_token, rid_done = false, token_done = false;
	u64 segment, bdf, token, osegment, obdf, otoken;
	const char *oname;
	char pci[32];

	if (vfio < 0)
		return;
	has_rid = kd_get_rid(w, node, &segment, &bdf) &&
		  kd_pci_name(pci, sizeof(pci), segment, bdf);
	has_token = kd_get_u64(w, node, "token", &token);
	fdt_for_each_subnode(sib, w->fdt, vfio) {
		if (sib == node)
			break;
		oname = fdt_get_name(w->fdt, sib, NULL) ?: "";
		if (has_rid && !rid_done && kd_get_rid(w, sib, &osegment, &obdf) &&
		    osegment == segment && obdf == bdf) {
			kd_problem(w, path, "bdf", "%s is %s's too: a device is recorded once",
				   pci, oname);
			rid_done = true;
		}
		if (has_token && !token_done && kd_get_u64(w, sib, "token", &otoken) &&
		    otoken == token) {
			kd_problem(w, path, "token",
				   "0x%llx is %s's too: a token names one device", token, oname);
			token_done = true;
		}
	}
}

static bool kd_vfio_dev_summary(struct kd_walk *w, int node, char *buf, size_t size)
{
	u64 segment, bdf, vendor, device;
	size_t n;

	if (!kd_get_rid(w, node, &segment, &bdf) ||
	    !kd_pci_name(buf, size, segment, bdf))
		return false;
	n = strlen(buf);
	if (kd_get_u64(w, node, "vendor", &vendor) && vendor <= 0xffff &&
	    kd_get_u64(w, node, "device", &device) && device <= 0xffff && n < size)
		snprintf(buf + n, size - n, " [%04llx:%04llx]", vendor, device);
	return true;
}

static const struct kd_node_spec kd_vfio_children[] = {
	{
		.name = "device@N",
		.props = kd_vfio_dev_props,
		.check = kd_vfio_dev_check,
		.summary = kd_vfio_dev_summary,
	},
	{ }
};

/* The first record of a segment and BDF on any unit of @vtd, or -1. */
static int kd_vtd_find_dev(struct kd_walk *w, int vtd, u64 segment, u64 bdf)
{
	u64 s, b;
	int u, d;

	fdt_for_each_subnode(u, w->fdt, vtd)
		fdt_for_each_subnode(d, w->fdt, u)
			if (kd_get_rid(w, d, &s, &b) && s == segment && b == bdf)
				return d;
	return -1;
}

static bool kd_vfio_has_dev(struct kd_walk *w, int vfio, u64 segment, u64 bdf)
{
	u64 s, b;
	int d;

	fdt_for_each_subnode(d, w->fdt, vfio)
		if (kd_get_rid(w, d, &s, &b) && s == segment && b == bdf)
			return true;
	return false;
}

/*
 * When both nodes are there: a VFIO device keeps running on the HWPT whose
 * token is its hwpt-token, which VT-d records as the token of that very
 * device; and VT-d keeps a device only for VFIO, which records it. (Not
 * the kernel's check: each side reads its own node.)
 */
static void kd_vfio_vtd_check(struct kd_walk *w, int vfio, const char *path)
{
	char dpath[KD_PATH_MAX], other[KD_PATH_MAX], pci[32];
	u64 segment, bdf, hwpt, token;
	int vtd, d, u;

	vtd = fdt_subnode_offset(w->fdt, 0, KHO_VTD_NODE);
	if (vtd < 0 || !kd_compatible_is(w, vtd, KHO_VTD_COMPATIBLE) ||
	    !kd_compatible_is(w, vfio, KHO_VFIO_COMPATIBLE))
		return;
	fdt_for_each_subnode(d, w->fdt, vfio) {
		int rec;

		if (!kd_get_rid(w, d, &segment, &bdf) ||
		    !kd_pci_name(pci, sizeof(pci), segment, bdf) ||
		    !kd_get_u64(w, d, "hwpt-token", &hwpt))
			continue;
		snprintf(dpath, sizeof(dpath), "%s/%s", path, fdt_get_name(w->fdt, d, NULL) ?: "");
		rec = kd_vtd_find_dev(w, vtd, segment, bdf);
		if (rec < 0)
			kd_problem(w, dpath, "hwpt-token",
				   "0x%llx, but /%s has no record of %s: its DMA would not be translated",
				   hwpt, KHO_VTD_NODE, pci);
		else if (kd_get_u64(w, rec, "token", &token) && token != hwpt)
			kd_problem(w, dpath, "hwpt-token",
				   "0x%llx, but /%s/%s (%s) has token 0x%llx", hwpt,
				   KHO_VTD_NODE, kd_rel_path(w, other, sizeof(other), vtd, rec),
				   pci, token);
	}
	fdt_for_each_subnode(u, w->fdt, vtd) {
		fdt_for_each_subnode(d, w->fdt, u) {
			if (!kd_get_rid(w, d, &segment, &bdf) ||
			    !kd_pci_name(pci, sizeof(pci), segment, bdf) ||
			    kd_vfio_has_dev(w, vfio, segment, bdf))
				continue;
			snprintf(dpath, sizeof(dpath), "/%s/%s", KHO_VTD_NODE,
				 kd_rel_path(w, other, sizeof(other), vtd, d));
			kd_problem(w, dpath, NULL,
				   "%s has no record in %s: VT-d keeps a device translating only for VFIO",
				   pci, path);
		}
	}
}

static void kd_vfio_check(struct kd_walk *w, int node, const char *path)
{
	unsigned int n = kd_device_children(w, node, path);

	if (n > KHO_VFIO_MAX_DEVICES)
		kd_problem(w, path, NULL, "%u devices, at most %u (KHO_VFIO_MAX_DEVICES)",
			   n, KHO_VFIO_MAX_DEVICES);
	kd_vfio_vtd_check(w, node, path);
}

/* ---- every handler's node, matched by compatible ----------------------- */

const struct kd_node_spec kd_handler_specs[] = {
	{
		.name = "kho-test",
		.compatible = "linux,kho-test-v2",
		.props = kd_kho_test_props,
		.check = kd_kho_test_check,
	},
	{
		.name = "kho-test-canary",
		.compatible = "linux,kho-test-canary-v1",
		.props = kd_kho_test_canary_props,
	},
	{
		.name = "memfd",
		.compatible = "linux,kho-memfd-v2",
		.props = kd_memfd_props,
		.children = kd_memfd_children,
		.check = kd_memfd_check,
	},
	{
		.name = KHO_VTD_NODE,
		.compatible = KHO_VTD_COMPATIBLE,
		.props = kd_vtd_props,
		.children = kd_vtd_children,
		.check = kd_vtd_check,
	},
	{
		.name = KHO_VFIO_NODE,
		.compatible = KHO_VFIO_COMPATIBLE,
		.props = kd_vfio_props,
		.children = kd_vfio_children,
		.check = kd_vfio_check,
	},
	{ }
};

/* ---- --list-known ------------------------------------------------------ */

static void kd_list_props(FILE *f, const char *node,
			  const struct kd_prop_spec *p)
{
	for (; p->name; p++)
		fprintf(f, "prop %s %s %s %s\n", node, p->name,
			kd_type_names[p->type],
			p->flags & KD_REQ ? "required" : "optional");
}

static void kd_list_node(FILE *f, const char *path,
			 const struct kd_node_spec *n)
{
	const struct kd_node_spec *c;
	char child[KD_PATH_MAX];

	fprintf(f, "node %s %s\n", path, n->compatible ?: "-");
	kd_list_props(f, path, n->props);
	for (c = n->children; c && c->name; c++) {
		snprintf(child, sizeof(child), "%s/%s", path, c->name);
		kd_list_node(f, child, c);
	}
}

/**
 * kd_list_known - print the decoder table, one line per node and property
 * @f: where to
 *
 * "node PATH COMPATIBLE" ("-" for none), then "prop PATH NAME TYPE
 * required|optional" for each of its properties.
 */
void kd_list_known(FILE *f)
{
	const struct kd_node_spec *n;
	char path[KD_PATH_MAX];

	kd_list_node(f, "/", &kd_root_spec);
	for (n = kd_handler_specs; n->name; n++) {
		snprintf(path, sizeof(path), "/%s", n->name);
		kd_list_node(f, path, n);
	}
}
