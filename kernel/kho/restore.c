// SPDX-License-Identifier: GPL-2.0
/*
 * KHO incoming side, after boot: handlers find their nodes and take their
 * memory back, each preserved folio exactly once; kho_finish() releases
 * whatever nobody took, and the handover's own pages.
 *
 * Preserved memory was reserved in memblock without struct page
 * initialisation work (MEMBLOCK_RSRV_NOINIT): the memmap holds freshly
 * initialised pages with a reference each, outside the buddy allocator and
 * not counted as managed memory. Per-page work happens here, lazily.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/libfdt.h>
#include <linux/mm.h>

#include "kho_internal.h"
#include "../../mm/internal.h"

/**
 * kho_in_state - what this kernel received from the previous one
 *
 * Return: see enum kho_in_state.
 */
enum kho_in_state kho_in_state(void)
{
	return READ_ONCE(kho_in.state);
}
EXPORT_SYMBOL_GPL(kho_in_state);

/*
 * The node readers below trust the FDT only while the handover is valid:
 * kho_finish() frees it after every handler's ->finish, so a handler that
 * reads nodes after boot orders its readers against its own ->finish.
 */
static const void *kho_in_fdt(void)
{
	return kho_in_state() == KHO_IN_VALID ? READ_ONCE(kho_in.fdt) : NULL;
}

/**
 * kho_find_node - a handler's node in the incoming handover
 * @name: the node name the handler serialized under
 * @compatible: the exact compatible string this kernel understands
 *
 * Return: a node offset for kho_node_*(), -ENODEV if there is no valid
 * handover (anymore), -ENOENT if the node is absent, -EINVAL if its
 * compatible differs (an incompatible version: do not read it).
 */
int kho_find_node(const char *name, const char *compatible)
{
	const void *fdt = kho_in_fdt();

	return fdt ? kho_fdt_find_node(fdt, name, compatible) : -ENODEV;
}
EXPORT_SYMBOL_GPL(kho_find_node);

/**
 * kho_node_next_child - iterate over the children of an incoming node
 * @node: the parent
 * @child: the previous child, or -1 to start
 *
 * Return: the next child's offset, or a negative errno after the last.
 */
int kho_node_next_child(int node, int child)
{
	const void *fdt = kho_in_fdt();

	if (!fdt)
		return -ENODEV;
	child = child < 0 ? fdt_first_subnode(fdt, node) :
			    fdt_next_subnode(fdt, child);
	return child < 0 ? -ENOENT : child;
}
EXPORT_SYMBOL_GPL(kho_node_next_child);

/**
 * kho_node_name - the name of an incoming node
 * @node: its offset
 *
 * Return: the name (valid until kho_finish()), or NULL.
 */
const char *kho_node_name(int node)
{
	const void *fdt = kho_in_fdt();

	return fdt ? fdt_get_name(fdt, node, NULL) : NULL;
}
EXPORT_SYMBOL_GPL(kho_node_name);

/**
 * kho_node_subnode - a child of a node found with kho_find_node()
 * @node: the parent
 * @name: the child's name
 *
 * Return: its offset, or -ENOENT.
 */
int kho_node_subnode(int node, const char *name)
{
	const void *fdt = kho_in_fdt();
	int child;

	if (!fdt)
		return -ENODEV;
	child = fdt_subnode_offset(fdt, node, name);
	return child < 0 ? -ENOENT : child;
}
EXPORT_SYMBOL_GPL(kho_node_subnode);

/**
 * kho_node_prop - a property of an incoming node
 * @node: from kho_find_node() or kho_node_subnode()
 * @prop: property name
 * @len: set to its length
 *
 * Return: the value (valid until kho_finish()), or NULL.
 */
const void *kho_node_prop(int node, const char *prop, int *len)
{
	const void *fdt = kho_in_fdt();

	return fdt ? fdt_getprop(fdt, node, prop, len) : NULL;
}
EXPORT_SYMBOL_GPL(kho_node_prop);

/**
 * kho_node_u64 - a 64-bit property of an incoming node
 * @node: from kho_find_node() or kho_node_subnode()
 * @prop: property name
 * @val: set to its value
 *
 * Return: 0, -ENODEV without a valid handover, -ENOENT if absent, -EINVAL
 * if it is not 8 bytes long.
 */
int kho_node_u64(int node, const char *prop, u64 *val)
{
	const void *fdt = kho_in_fdt();

	return fdt ? kho_fdt_u64(fdt, node, prop, val) : -ENODEV;
}
EXPORT_SYMBOL_GPL(kho_node_u64);

/*
 * Pages that come back count as managed memory from now on. They are
 * PageReserved only with deferred struct page init (see kho_reserve()).
 */
static void kho_adopt_pages(struct page *page, unsigned long nr_pages)
{
	unsigned long i;

	if (IS_ENABLED(CONFIG_DEFERRED_STRUCT_PAGE_INIT))
		for (i = 0; i < nr_pages; i++)
			ClearPageReserved(page + i);
	adjust_managed_page_count(page, nr_pages);
}

/* Pages that nobody claimed: give them to the buddy allocator. */
static void kho_free_block(unsigned long pfn, unsigned int order)
{
	struct page *page = pfn_to_page(pfn);
	unsigned long i;

	kho_adopt_pages(page, 1UL << order);
	for (i = 1; i < (1UL << order); i++)
		set_page_count(page + i, 0);
	__free_pages(page, order);
}

/**
 * kho_free_range - release memory the handover held to the buddy allocator
 * @pfn: first page
 * @nr_pages: how many
 */
void kho_free_range(unsigned long pfn, unsigned long nr_pages)
{
	unsigned long end = pfn + nr_pages;

	while (pfn < end) {
		unsigned int order = kho_block_order(pfn, end - pfn, MAX_PAGE_ORDER);

		kho_free_block(pfn, order);
		pfn += 1UL << order;
	}
}

/* Make @page the head of a folio of @order, as the allocator would. */
static struct folio *kho_make_folio(struct page *page, unsigned int order)
{
	unsigned long i;

	for (i = 1; i < (1UL << order); i++)
		set_page_count(page + i, 0);
	if (order)
		prep_compound_page(page, order);
	kho_adopt_pages(page, 1UL << order);
	return page_folio(page);
}

/**
 * kho_in_test - is a block preserved and not restored yet?
 * @in: the incoming handover; the caller holds @in->lock
 * @phys: the block's physical address
 * @order: its order
 *
 * Return: true if exactly this block is preserved in a valid handover.
 */
bool kho_in_test(struct kho_in *in, phys_addr_t phys, unsigned int order)
{
	lockdep_assert_held(&in->lock);
	if (!PAGE_ALIGNED(phys) || order > KHO_MAX_ORDER ||
	    in->state != KHO_IN_VALID)
		return false;
	return kho_tracker_test(&in->tracker, PHYS_PFN(phys), order);
}

/**
 * kho_is_preserved_in - was a block preserved by the previous kernel?
 * @phys: the block's physical address
 * @order: its order
 *
 * For state a handler adopts without restoring it yet (a live device's
 * page tables, which hardware keeps walking): the block is protected until
 * it is restored or kho_finish() releases it.
 *
 * Return: true if exactly this block is preserved and not restored yet.
 */
bool kho_is_preserved_in(phys_addr_t phys, unsigned int order)
{
	bool ret;

	kho_in_lock();
	ret = kho_in_test(&kho_in, phys, order);
	kho_in_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(kho_is_preserved_in);

/**
 * kho_in_restore_folio - kho_restore_folio() on @in
 * @in: the incoming handover
 * @phys: the folio's physical address
 *
 * Return: the folio, or NULL.
 */
struct folio *kho_in_restore_folio(struct kho_in *in, phys_addr_t phys)
{
	unsigned long pfn = PHYS_PFN(phys);
	struct folio *folio = NULL;
	int order;

	if (!PAGE_ALIGNED(phys))
		return NULL;
	mutex_lock(&in->lock);
	if (in->state != KHO_IN_VALID)
		goto out;
	order = kho_tracker_find(&in->tracker, pfn);
	if (order >= 0 && !kho_tracker_clear(&in->tracker, pfn, order))
		folio = kho_make_folio(pfn_to_page(pfn), order);
out:
	mutex_unlock(&in->lock);
	return folio;
}

/**
 * kho_restore_folio - take back a folio preserved by the previous kernel
 * @phys: its physical address
 *
 * The folio comes back with its order and one reference, exactly once.
 * Return: the folio, or NULL if no folio was preserved at @phys (or it was
 * restored already, or there is no valid handover, or it was finished).
 */
struct folio *kho_restore_folio(phys_addr_t phys)
{
	return kho_in_restore_folio(&kho_in, phys);
}
EXPORT_SYMBOL_GPL(kho_restore_folio);

/**
 * kho_in_restore_pages - kho_restore_pages() on @in
 * @in: the incoming handover
 * @phys: physical address of the first page
 * @nr_pages: the same count that was preserved
 *
 * Return: the first page, or NULL.
 */
struct page *kho_in_restore_pages(struct kho_in *in, phys_addr_t phys,
				  unsigned long nr_pages)
{
	unsigned long pfn = PHYS_PFN(phys), end = pfn + nr_pages, p;
	struct page *page = NULL;
	unsigned int order;

	if (!PAGE_ALIGNED(phys) || !nr_pages || end < pfn)
		return NULL;
	mutex_lock(&in->lock);
	if (in->state != KHO_IN_VALID)
		goto out;
	for (p = pfn; p < end; p += 1UL << order) {
		order = kho_block_order(p, end - p, KHO_MAX_ORDER);
		if (!kho_tracker_test(&in->tracker, p, order))
			goto out;
	}
	/* Every block was tested under the lock: none can fail to clear. */
	for (p = pfn; p < end; p += 1UL << order) {
		order = kho_block_order(p, end - p, KHO_MAX_ORDER);
		kho_tracker_clear(&in->tracker, p, order);
	}
	page = pfn_to_page(pfn);
	kho_adopt_pages(page, nr_pages);
out:
	mutex_unlock(&in->lock);
	return page;
}

/**
 * kho_restore_pages - take back a range preserved with kho_preserve_pages()
 * @phys: physical address of the first page
 * @nr_pages: the same count that was preserved
 *
 * Return: the first of @nr_pages order-0 pages, each with one reference;
 * NULL (and nothing taken) if any part of the range was not preserved so.
 */
struct page *kho_restore_pages(phys_addr_t phys, unsigned long nr_pages)
{
	return kho_in_restore_pages(&kho_in, phys, nr_pages);
}
EXPORT_SYMBOL_GPL(kho_restore_pages);

static int kho_free_run(unsigned long pfn, unsigned int order,
			unsigned long nr, void *arg)
{
	unsigned long *pages = arg;

	kho_free_range(pfn, nr << order);
	*pages += nr << order;
	return 0;
}

/* Node pages are freed after the walk that reads them. */
static int kho_collect_node(phys_addr_t node, void *arg)
{
	struct page *page = pfn_to_page(PHYS_PFN(node));
	struct list_head *nodes = arg;

	list_add(&page->lru, nodes);
	return 0;
}

/* Roots of an empty tracker: what @in->tracker points at once released. */
static struct kho_tracker_root kho_no_roots[KHO_NR_ORDERS];

/*
 * Free the handover's own pages: the tracker's nodes, the FDT and the
 * header. The tracker is emptied first, so nothing can reach a freed node
 * (every reader holds @in->lock, as the caller does).
 */
static void kho_free_handover(struct kho_in *in)
{
	phys_addr_t fdt_phys = in->hdr->fdt_phys;
	u64 fdt_size = in->hdr->fdt_size;
	struct page *page, *next;
	LIST_HEAD(nodes);

	kho_tracker_walk_nodes(&in->tracker, kho_collect_node, &nodes);
	kho_tracker_init(&in->tracker, kho_no_roots);
	in->fdt = NULL;
	in->hdr = NULL;
	list_for_each_entry_safe(page, next, &nodes, lru) {
		list_del(&page->lru);
		kho_free_range(page_to_pfn(page), 1);
	}
	kho_free_range(PHYS_PFN(fdt_phys), fdt_size >> PAGE_SHIFT);
	kho_free_range(PHYS_PFN(in->sd.hdr_phys), 1);
}

/**
 * kho_in_release - end a valid handover: free all that is left of it
 * @in: the incoming handover
 * @released: set to the preserved pages nobody restored, now freed
 *
 * Return: 0, -EALREADY if released before, -ENODEV if not valid.
 */
int kho_in_release(struct kho_in *in, unsigned long *released)
{
	int err = 0;

	*released = 0;
	mutex_lock(&in->lock);
	switch (in->state) {
	case KHO_IN_VALID:
		break;
	case KHO_IN_FINISHED:
		err = -EALREADY;
		goto out;
	default:
		err = -ENODEV;
		goto out;
	}
	WRITE_ONCE(in->state, KHO_IN_FINISHED);
	kho_tracker_walk(&in->tracker, kho_free_run, released);
	kho_free_handover(in);
out:
	mutex_unlock(&in->lock);
	return err;
}

/**
 * kho_finish - the update is over: release what nobody restored
 *
 * Every handler's ->finish runs first, so none is left holding anything of
 * the handover; then preserved folios that nobody took back, the previous
 * kernel's FDT, header and tracker go back to the page allocator. Nodes
 * can no longer be found and nothing more can be restored: a restore that
 * races with this either completes before or finds nothing. The one path
 * for /dev/kho's KHO_FINISH and debugfs' kho/finish.
 *
 * Return: 0, -ENODEV without a valid handover, -EALREADY if done before.
 */
int kho_finish(void)
{
	u64 start = ktime_get_ns();
	unsigned long pages;
	int err;

	mutex_lock(&kho_out.lock);
	switch (kho_in_state()) {
	case KHO_IN_VALID:
		kho_finish_handlers();
		err = kho_in_release(&kho_in, &pages);
		break;
	case KHO_IN_FINISHED:
		err = -EALREADY;
		break;
	default:
		err = -ENODEV;
		break;
	}
	mutex_unlock(&kho_out.lock);
	if (!err)
		pr_info("finished: released %lu preserved pages nobody restored, %llu ns\n",
			pages, ktime_get_ns() - start);
	return err;
}
EXPORT_SYMBOL_GPL(kho_finish);
