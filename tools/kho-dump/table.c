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
	KD_COMPATIBLE("linux,kho-memfd-v1"),
	{ }
};

static const struct kd_prop_spec kd_memfd_file_props[] = {
	{ .name = "memfd-name", .type = KD_STRING, .flags = KD_REQ | KD_NONZERO, .max = 63 },
	{ .name = "size", .type = KD_BYTES, .flags = KD_REQ },
	{ .name = "seals", .type = KD_FLAGS, .flags = KD_REQ, .bits = kd_seal_names },
	{ .name = "nr-pages", .type = KD_U64, .flags = KD_REQ },
	{ .name = "pages", .type = KD_PHYS, .flags = KD_REQ | KD_ALIGNED },
	{ .name = "pages-size", .type = KD_BYTES, .flags = KD_REQ },
	{ }
};

/*
 * One page entry (u64) for each page of the file, in chunks whose first
 * is at "pages"; the size is a file size (at most MAX_LFS_FILESIZE).
 */
static void kd_memfd_file_check(struct kd_walk *w, int node, const char *path)
{
	u64 size, nr, pages, pages_size;

	if (!kd_get_u64(w, node, "size", &size) ||
	    !kd_get_u64(w, node, "nr-pages", &nr) ||
	    !kd_get_u64(w, node, "pages", &pages) ||
	    !kd_get_u64(w, node, "pages-size", &pages_size))
		return;
	if (size > INT64_MAX)
		kd_problem(w, path, "size", "0x%llx is beyond any file size", size);
	else if (nr != (size + KD_PAGE_SIZE - 1) / KD_PAGE_SIZE)
		kd_problem(w, path, "nr-pages", "%llu, but a size of %llu bytes has %llu pages",
			   nr, size, (size + KD_PAGE_SIZE - 1) / KD_PAGE_SIZE);
	if (nr > UINT64_MAX / sizeof(u64) || nr * sizeof(u64) != pages_size)
		kd_problem(w, path, "pages-size", "%llu bytes, but nr-pages * 8 is %llu%s",
			   pages_size, nr * sizeof(u64),
			   nr > UINT64_MAX / sizeof(u64) ? " (overflows)" : "");
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
		.compatible = "linux,kho-memfd-v1",
		.props = kd_memfd_props,
		.children = kd_memfd_children,
		.check = kd_memfd_check,
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
