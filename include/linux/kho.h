/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kexec HandOver (KHO): keep memory and driver state across kexec.
 *
 * Outgoing kernel: a driver preserves the memory it wants to keep
 * (kho_preserve_*) and registers a handler. When the system freezes for
 * kexec (implicitly at kexec -e, or from debugfs), every handler writes its
 * own node into one FDT; from then on preserved state is frozen until the
 * kexec happens or the freeze is aborted.
 *
 * Incoming kernel: before any allocator can touch them, every preserved
 * page is protected. A driver finds its node (kho_find_node()), reads its
 * state and takes its memory back (kho_restore_*), exactly once. Memory
 * nobody took back is released by kho_finish().
 *
 * Locking: every function here may sleep, except the kho_in_*() and
 * kho_node_*() readers.
 */
#ifndef _LINUX_KHO_H
#define _LINUX_KHO_H

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <uapi/linux/kho.h>

struct file;
struct folio;
struct page;
struct kho_fdt;

/**
 * struct kho_handler - a subsystem's part of the handover
 * @name: its FDT node name, unique
 * @compatible: "vendor,thing-vN": bumped on any change of the node's format
 * @serialize: write the node's properties into @fdt. Called at freeze, in
 *	registration order; preserved state must not change until @abort or
 *	kexec. An error aborts the freeze.
 * @abort: undo @serialize: the freeze was aborted (not called for the
 *	handler whose @serialize failed).
 * @has_state: optional: does the handler hold state that only a handover
 *	can carry (kexec_load() is refused while one does)? Memory it
 *	preserved counts anyway; a handler without @has_state counts as
 *	holding state for as long as it is registered.
 * @finish: optional: the update is over (kho_finish()). Drop every
 *	reference into the incoming handover and restore nothing more; its
 *	nodes and unrestored memory are released right after. Called once,
 *	in registration order, with no restore of the core in progress.
 * @list: private to the KHO core
 */
struct kho_handler {
	const char *name;
	const char *compatible;
	int (*serialize)(struct kho_handler *handler, struct kho_fdt *fdt);
	void (*abort)(struct kho_handler *handler);
	bool (*has_state)(struct kho_handler *handler);
	void (*finish)(struct kho_handler *handler);
	struct list_head list;
};

/**
 * enum kho_in_state - what this kernel received from the previous one
 * @KHO_IN_NONE: a cold boot: there was no handover
 * @KHO_IN_VALID: a handover was found, validated and its memory protected
 * @KHO_IN_BAD: a handover was found but rejected; this boot is cold and
 *	devices the previous kernel left running must be fenced (fail closed)
 * @KHO_IN_FINISHED: the handover was valid and kho_finish() has run
 */
enum kho_in_state {
	KHO_IN_NONE,
	KHO_IN_VALID,
	KHO_IN_BAD,
	KHO_IN_FINISHED,
};

#ifdef CONFIG_KHO

int kho_preserve_folio(struct folio *folio);
int kho_unpreserve_folio(struct folio *folio);
int kho_preserve_pages(struct page *page, unsigned long nr_pages);
int kho_unpreserve_pages(struct page *page, unsigned long nr_pages);
int kho_preserve_phys(phys_addr_t phys, size_t size);
int kho_unpreserve_phys(phys_addr_t phys, size_t size);

int kho_register_handler(struct kho_handler *handler);
void kho_unregister_handler(struct kho_handler *handler);
bool kho_is_frozen(void);

int kho_fdt_begin_node(struct kho_fdt *fdt, const char *name);
int kho_fdt_end_node(struct kho_fdt *fdt);
int kho_fdt_property(struct kho_fdt *fdt, const char *name,
		     const void *val, int len);
int kho_fdt_property_u64(struct kho_fdt *fdt, const char *name, u64 val);
int kho_fdt_property_string(struct kho_fdt *fdt, const char *name,
			    const char *str);

enum kho_in_state kho_in_state(void);
int kho_find_node(const char *name, const char *compatible);
int kho_node_subnode(int node, const char *name);
int kho_node_next_child(int node, int child);
const char *kho_node_name(int node);
const void *kho_node_prop(int node, const char *prop, int *len);
int kho_node_u64(int node, const char *prop, u64 *val);

struct folio *kho_restore_folio(phys_addr_t phys);
struct page *kho_restore_pages(phys_addr_t phys, unsigned long nr_pages);
int kho_finish(void);

bool kho_is_preserved(phys_addr_t phys, size_t size);
bool kho_is_preserved_in(phys_addr_t phys, unsigned int order);
int kho_memfd_hold(struct file *file, loff_t start, loff_t len);
void kho_memfd_unhold(struct file *file);
unsigned long kho_memfd_huge_pages(unsigned long page_size);

#else /* CONFIG_KHO */

static inline int kho_preserve_folio(struct folio *folio) { return -EOPNOTSUPP; }
static inline int kho_unpreserve_folio(struct folio *folio) { return -EOPNOTSUPP; }
static inline int kho_preserve_pages(struct page *page, unsigned long nr_pages)
{
	return -EOPNOTSUPP;
}

static inline int kho_unpreserve_pages(struct page *page, unsigned long nr_pages)
{
	return -EOPNOTSUPP;
}

static inline int kho_preserve_phys(phys_addr_t phys, size_t size) { return -EOPNOTSUPP; }
static inline int kho_unpreserve_phys(phys_addr_t phys, size_t size) { return -EOPNOTSUPP; }
static inline int kho_register_handler(struct kho_handler *handler) { return 0; }
static inline void kho_unregister_handler(struct kho_handler *handler) { }
static inline bool kho_is_frozen(void) { return false; }

static inline int kho_fdt_begin_node(struct kho_fdt *fdt, const char *name)
{
	return -EOPNOTSUPP;
}

static inline int kho_fdt_end_node(struct kho_fdt *fdt) { return -EOPNOTSUPP; }
static inline int kho_fdt_property(struct kho_fdt *fdt, const char *name,
				   const void *val, int len)
{
	return -EOPNOTSUPP;
}

static inline int kho_fdt_property_u64(struct kho_fdt *fdt, const char *name,
				       u64 val)
{
	return -EOPNOTSUPP;
}

static inline int kho_fdt_property_string(struct kho_fdt *fdt,
					  const char *name, const char *str)
{
	return -EOPNOTSUPP;
}

static inline enum kho_in_state kho_in_state(void) { return KHO_IN_NONE; }
static inline int kho_find_node(const char *name, const char *compatible) { return -ENODEV; }
static inline int kho_node_subnode(int node, const char *name) { return -ENODEV; }
static inline int kho_node_next_child(int node, int child) { return -ENODEV; }
static inline const char *kho_node_name(int node) { return NULL; }
static inline const void *kho_node_prop(int node, const char *prop, int *len)
{
	return NULL;
}

static inline int kho_node_u64(int node, const char *prop, u64 *val) { return -ENODEV; }
static inline struct folio *kho_restore_folio(phys_addr_t phys) { return NULL; }
static inline struct page *kho_restore_pages(phys_addr_t phys, unsigned long nr_pages)
{
	return NULL;
}

static inline int kho_finish(void) { return -ENODEV; }
static inline bool kho_is_preserved(phys_addr_t phys, size_t size) { return false; }
static inline bool kho_is_preserved_in(phys_addr_t phys, unsigned int order)
{
	return false;
}

static inline int kho_memfd_hold(struct file *file, loff_t start, loff_t len)
{
	return -EOPNOTSUPP;
}

static inline void kho_memfd_unhold(struct file *file) { }

static inline unsigned long kho_memfd_huge_pages(unsigned long page_size)
{
	return 0;
}

#endif /* CONFIG_KHO */

/* Boot and kexec hooks, called from arch and core code (patches/). */
struct kimage;
struct kexec_buf;
struct resource;
#ifdef CONFIG_KHO_TEST
bool kho_test_naive(const char *what);
void kho_test_stretch(const char *step);
#else
static inline bool kho_test_naive(const char *what) { return false; }
static inline void kho_test_stretch(const char *step) { }
#endif

#ifdef CONFIG_KHO_IOMMU
void kho_iommu_fence_early(void);
#else
static inline void kho_iommu_fence_early(void) { }
#endif
#ifdef CONFIG_KHO
void kho_parse_setup_data(u64 pa_data, u32 len);
void kho_scratch_enter(void);
void kho_restore_early(void);
void kho_memory_init(void);
int kho_pageblock_migratetype(unsigned long pfn, int migratetype);
/* In mm/mm_init.c: for kho_memory_init(), before the buddy allocator. */
void init_cma_kho_scratch(phys_addr_t base, phys_addr_t size);
bool kho_locate_mem_hole(struct kexec_buf *kbuf,
			 int (*cb)(struct resource *res, void *arg), int *ret);
int kho_fill_setup_data(struct kimage *image, struct kho_setup_data *sd);
int kho_kexec_freeze(struct kimage *image);
bool kho_has_preserved(void);
#else
static inline void kho_parse_setup_data(u64 pa_data, u32 len) { }
static inline void kho_scratch_enter(void) { }
static inline void kho_restore_early(void) { }
static inline void kho_memory_init(void) { }
static inline int kho_pageblock_migratetype(unsigned long pfn, int migratetype)
{
	return migratetype;
}

static inline bool kho_has_preserved(void) { return false; }
static inline bool kho_locate_mem_hole(struct kexec_buf *kbuf,
				       int (*cb)(struct resource *res, void *arg),
				       int *ret)
{
	return false;
}

static inline int kho_kexec_freeze(struct kimage *image) { return 0; }
static inline int kho_fill_setup_data(struct kimage *image,
				      struct kho_setup_data *sd)
{
	return -ENODEV;
}

#endif

#endif /* _LINUX_KHO_H */
