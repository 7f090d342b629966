// SPDX-License-Identifier: GPL-2.0
/*
 * KHO core, outgoing side: preserving memory, the handler registry, and
 * freeze/abort, which builds the root FDT and seals the handover header.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/kexec.h>
#include <linux/ktime.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "kho_internal.h"

struct kho_out kho_out = {
	.lock = __MUTEX_INITIALIZER(kho_out.lock),
	.preserve_sem = __RWSEM_INITIALIZER(kho_out.preserve_sem),
	.state = KHO_OUT_OPEN,
	.handlers = LIST_HEAD_INIT(kho_out.handlers),
};

bool kho_out_ready(void)
{
	return READ_ONCE(kho_out.hdr);
}

/* ---- preserving memory ---------------------------------------------------- */

/* Preserved memory must be ordinary RAM, outside scratch. */
static __always_inline int kho_check_ram(struct page *page, unsigned long pfn,
					 unsigned int order)
{
	if (PageReserved(page))
		return -EINVAL;
	if (kho_in_scratch(PFN_PHYS(pfn), PFN_PHYS(1UL << order)))
		return -EINVAL;
	return 0;
}

/* A block of a range must also be aligned and have a memmap. */
static int kho_check_block(unsigned long pfn, unsigned int order)
{
	unsigned long nr = 1UL << order;

	if (order > KHO_MAX_ORDER || !IS_ALIGNED(pfn, nr))
		return -EINVAL;
	if (!pfn_valid(pfn) || !pfn_valid(pfn + nr - 1))
		return -EINVAL;
	return kho_check_ram(pfn_to_page(pfn), pfn, order);
}

/* The caller is inside kho_out_enter(). */
int kho_preserve_block(unsigned long pfn, unsigned int order)
{
	int err;

	lockdep_assert_held(&kho_out.preserve_sem);
	err = kho_check_block(pfn, order);
	if (err)
		return err;
	return kho_tracker_claim(&kho_out.tracker, pfn, order, true);
}

/* The caller is inside kho_out_enter(). */
int kho_unpreserve_block(unsigned long pfn, unsigned int order)
{
	lockdep_assert_held(&kho_out.preserve_sem);
	if (order > KHO_MAX_ORDER || !IS_ALIGNED(pfn, 1UL << order))
		return -EINVAL;
	return kho_tracker_clear(&kho_out.tracker, pfn, order);
}

/* Lock-free readers of the state; see kho_preserve_folio(). */
static bool kho_out_open(void)
{
	return READ_ONCE(kho_out.state) == KHO_OUT_OPEN;
}

/**
 * kho_out_enter - enter a preserve/unpreserve section
 *
 * Fails once frozen, and keeps a freeze from starting until the section
 * ends, so a caller preserving many blocks is all-or-nothing.
 *
 * Return: 0, -EBUSY if frozen, -ENODEV if KHO is not running.
 */
int kho_out_enter(void)
{
	if (!kho_out_ready())
		return -ENODEV;
	down_read(&kho_out.preserve_sem);
	if (kho_out.state != KHO_OUT_OPEN) {
		up_read(&kho_out.preserve_sem);
		return -EBUSY;
	}
	return 0;
}

/* End a section kho_out_enter() began. */
void kho_out_leave(void)
{
	up_read(&kho_out.preserve_sem);
}

/* Unpreserve the blocks of [pfn, end) that an earlier call preserved. */
static void kho_unpreserve_span(unsigned long pfn, unsigned long end)
{
	while (pfn < end) {
		unsigned int order = kho_block_order(pfn, end - pfn, KHO_MAX_ORDER);

		WARN_ON_ONCE(kho_unpreserve_block(pfn, order));
		pfn += 1UL << order;
	}
}

static int kho_preserve_span(unsigned long pfn, unsigned long nr)
{
	unsigned long start = pfn, end = pfn + nr;
	int err;

	if (!nr || end < pfn)
		return -EINVAL;
	err = kho_out_enter();
	if (err)
		return err;
	while (pfn < end) {
		unsigned int order = kho_block_order(pfn, end - pfn, KHO_MAX_ORDER);

		err = kho_preserve_block(pfn, order);
		if (err) {
			kho_unpreserve_span(start, pfn);
			break;
		}
		pfn += 1UL << order;
	}
	kho_out_leave();
	return err;
}

/**
 * kho_is_preserved - is every page of a range preserved for the next kernel?
 * @phys: the range's start
 * @size: its length
 *
 * A caller that hands the range to a device which keeps running across the
 * kexec (an IOMMU mapping) asks this: each page must lie in a preserved
 * folio of some order. Lock-free; the answer holds for as long as the
 * caller keeps the owner from unpreserving (kho_memfd_hold()).
 *
 * Return: true if every page of [@phys, @phys + @size) is preserved.
 */
bool kho_is_preserved(phys_addr_t phys, size_t size)
{
	unsigned long pfn = PHYS_PFN(phys);
	unsigned long end = PHYS_PFN(phys + size - 1) + 1;
	int order;

	if (!size || phys + size - 1 < phys)
		return false;
	while (pfn < end) {
		order = kho_tracker_containing(&kho_out.tracker, pfn);
		if (order < 0)
			return false;
		pfn = ALIGN(pfn + 1, 1UL << order);
	}
	return true;
}
EXPORT_SYMBOL_GPL(kho_is_preserved);

/*
 * Check every block first, so a failure leaves everything preserved:
 * unpreserving is all or nothing.
 */
static int kho_unpreserve_span_checked(unsigned long pfn, unsigned long nr)
{
	unsigned long p, end = pfn + nr;
	unsigned int order;
	int err;

	if (!nr || end < pfn)
		return -EINVAL;
	err = kho_out_enter();
	if (err)
		return err;
	for (p = pfn; p < end; p += 1UL << order) {
		order = kho_block_order(p, end - p, KHO_MAX_ORDER);
		if (!kho_tracker_test(&kho_out.tracker, p, order)) {
			err = -ENOENT;
			goto out;
		}
	}
	kho_unpreserve_span(pfn, end);
out:
	kho_out_leave();
	return err;
}

/* Apply @block_op to @folio inside a preserve section. */
static int kho_folio_in_section(struct folio *folio,
				int (*block_op)(unsigned long pfn,
						unsigned int order))
{
	int err;

	err = kho_out_enter();
	if (err)
		return err;
	err = block_op(folio_pfn(folio), folio_order(folio));
	kho_out_leave();
	return err;
}

/* kho_preserve_folio() when the tracker must grow: inside a section. */
static noinline int kho_preserve_folio_slow(struct folio *folio)
{
	return kho_folio_in_section(folio, kho_preserve_block);
}

/**
 * kho_preserve_folio - keep a folio, and its order, across kexec
 * @folio: the folio; it must not be freed, split or migrated while preserved
 *
 * Takes no lock unless the tracker must grow. Against a concurrent freeze,
 * the tracker reads its seal after the folio's bit is set (a full
 * barrier): if sealed meanwhile, the bit is cleared and -EBUSY returned;
 * if not, the bit was set before the freeze began. A caller that orders
 * its preserves against its own handler's serialize with a lock of its
 * own therefore sees -EBUSY for every preserve its serialize did not see.
 *
 * Return: 0, -EEXIST if any of its memory is already preserved, -EINVAL for
 * memory that cannot be preserved (scratch, reserved), -EBUSY once frozen,
 * -ENOMEM, or -ENODEV if KHO is not running.
 */
int kho_preserve_folio(struct folio *folio)
{
	unsigned long pfn = folio_pfn(folio);
	unsigned int order = folio_order(folio);
	int err;

	if (!kho_out_ready())
		return -ENODEV;
	if (!kho_out_open())
		return -EBUSY;
	/* A folio is naturally aligned and has a memmap. */
	if (order > KHO_MAX_ORDER)
		return -EINVAL;
	err = kho_check_ram(&folio->page, pfn, order);
	if (err)
		return err;
	err = kho_tracker_claim(&kho_out.tracker, pfn, order, false);
	if (err == -EAGAIN)
		return kho_preserve_folio_slow(folio);
	return err;
}
EXPORT_SYMBOL_GPL(kho_preserve_folio);

/**
 * kho_unpreserve_folio - undo kho_preserve_folio()
 * @folio: a folio preserved with exactly this order
 *
 * Return: 0, -ENOENT if it was not preserved, -EBUSY once frozen.
 */
int kho_unpreserve_folio(struct folio *folio)
{
	return kho_folio_in_section(folio, kho_unpreserve_block);
}
EXPORT_SYMBOL_GPL(kho_unpreserve_folio);

/**
 * kho_preserve_pages - keep @nr_pages physically contiguous pages
 * @page: the first page
 * @nr_pages: how many; the range is recorded as naturally aligned blocks
 *
 * The next kernel gets them back with kho_restore_pages() as order-0 pages.
 * Return: as kho_preserve_folio(); on error nothing of the range is kept.
 */
int kho_preserve_pages(struct page *page, unsigned long nr_pages)
{
	return kho_preserve_span(page_to_pfn(page), nr_pages);
}
EXPORT_SYMBOL_GPL(kho_preserve_pages);

/**
 * kho_unpreserve_pages - undo kho_preserve_pages() with the same range
 * @page: the first page
 * @nr_pages: how many
 *
 * Return: 0, -ENOENT (nothing changed) if the range was not preserved so.
 */
int kho_unpreserve_pages(struct page *page, unsigned long nr_pages)
{
	return kho_unpreserve_span_checked(page_to_pfn(page), nr_pages);
}
EXPORT_SYMBOL_GPL(kho_unpreserve_pages);

/**
 * kho_preserve_phys - keep a page-aligned physical range
 * @phys: start, page aligned
 * @size: length, page aligned
 *
 * Return: as kho_preserve_pages(), -EINVAL for an unaligned range.
 */
int kho_preserve_phys(phys_addr_t phys, size_t size)
{
	if (!PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size))
		return -EINVAL;
	return kho_preserve_span(PHYS_PFN(phys), size >> PAGE_SHIFT);
}
EXPORT_SYMBOL_GPL(kho_preserve_phys);

/**
 * kho_unpreserve_phys - undo kho_preserve_phys() with the same range
 * @phys: start, page aligned
 * @size: length, page aligned
 *
 * Return: as kho_unpreserve_pages().
 */
int kho_unpreserve_phys(phys_addr_t phys, size_t size)
{
	if (!PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size))
		return -EINVAL;
	return kho_unpreserve_span_checked(PHYS_PFN(phys), size >> PAGE_SHIFT);
}
EXPORT_SYMBOL_GPL(kho_unpreserve_phys);

/* ---- handlers --------------------------------------------------------- */

static struct kho_handler *kho_find_handler(const char *name)
{
	struct kho_handler *h;

	list_for_each_entry(h, &kho_out.handlers, list)
		if (!strcmp(h->name, name))
			return h;
	return NULL;
}

/**
 * kho_register_handler - take part in every future handover
 * @handler: name, compatible and callbacks; must stay valid until
 *	kho_unregister_handler()
 *
 * Return: 0, -EINVAL for a handler without name, compatible or serialize,
 * -EEXIST for a name in use, -EBUSY while frozen.
 */
int kho_register_handler(struct kho_handler *handler)
{
	int err = 0;

	if (!handler->name || !handler->compatible || !handler->serialize)
		return -EINVAL;
	mutex_lock(&kho_out.lock);
	if (kho_out.state != KHO_OUT_OPEN)
		err = -EBUSY;
	else if (kho_find_handler(handler->name))
		err = -EEXIST;
	else
		list_add_tail(&handler->list, &kho_out.handlers);
	mutex_unlock(&kho_out.lock);
	return err;
}
EXPORT_SYMBOL_GPL(kho_register_handler);

/**
 * kho_unregister_handler - stop taking part in handovers
 * @handler: a registered handler
 *
 * If the system is frozen, the handover already holds its node; a later
 * abort will not call it.
 */
void kho_unregister_handler(struct kho_handler *handler)
{
	mutex_lock(&kho_out.lock);
	list_del(&handler->list);
	mutex_unlock(&kho_out.lock);
}
EXPORT_SYMBOL_GPL(kho_unregister_handler);

/**
 * kho_is_frozen - has the outgoing handover been sealed?
 *
 * Return: true between a successful freeze and its abort (or the kexec).
 */
bool kho_is_frozen(void)
{
	return READ_ONCE(kho_out.state) == KHO_OUT_FROZEN;
}
EXPORT_SYMBOL_GPL(kho_is_frozen);

/* ---- the FDT writer ------------------------------------------------------ */

void kho_fdt_free(struct kho_fdt *fdt)
{
	if (fdt->blob)
		free_pages((unsigned long)fdt->blob, fdt->order);
	fdt->blob = NULL;
}

int kho_fdt_init(struct kho_fdt *fdt)
{
	fdt->order = 0;
	fdt->blob = (void *)__get_free_page(GFP_KERNEL | __GFP_ZERO);
	if (!fdt->blob)
		return -ENOMEM;
	/*
	 * Without de-duplication a property name costs an append, not a scan
	 * of every name written so far: the next kernel reads names by
	 * offset either way.
	 */
	return fdt_create_with_flags(fdt->blob, PAGE_SIZE,
				     FDT_CREATE_FLAG_NO_NAME_DEDUP) ? -EINVAL : 0;
}

/* Move the FDT being written into a buffer twice as large. */
static int kho_fdt_grow(struct kho_fdt *fdt)
{
	unsigned int order = fdt->order + 1;
	void *blob;

	if (order > MAX_PAGE_ORDER)
		return -E2BIG;
	blob = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO, order);
	if (!blob)
		return -ENOMEM;
	if (fdt_resize(fdt->blob, blob, PAGE_SIZE << order)) {
		free_pages((unsigned long)blob, order);
		return -EINVAL;
	}
	free_pages((unsigned long)fdt->blob, fdt->order);
	fdt->blob = blob;
	fdt->order = order;
	return 0;
}

/* Map a libfdt result to an errno; room is made by the caller's retry. */
static int kho_fdt_errno(int fdt_err)
{
	switch (fdt_err) {
	case 0:
		return 0;
	case -FDT_ERR_NOSPACE:
		return -ENOSPC;
	default:
		return -EINVAL;
	}
}

#define kho_fdt_call(fdt, call)						\
({									\
	int __err;							\
	while ((__err = kho_fdt_errno(call)) == -ENOSPC) {		\
		__err = kho_fdt_grow(fdt);				\
		if (__err)						\
			break;						\
	}								\
	__err;								\
})

/**
 * kho_fdt_begin_node - open a child node in the handler's node
 * @fdt: the FDT passed to ->serialize()
 * @name: node name
 *
 * Return: 0 or a negative errno.
 */
int kho_fdt_begin_node(struct kho_fdt *fdt, const char *name)
{
	return kho_fdt_call(fdt, fdt_begin_node(fdt->blob, name));
}
EXPORT_SYMBOL_GPL(kho_fdt_begin_node);

/**
 * kho_fdt_end_node - close the node opened last
 * @fdt: the FDT passed to ->serialize()
 *
 * Return: 0 or a negative errno.
 */
int kho_fdt_end_node(struct kho_fdt *fdt)
{
	return kho_fdt_call(fdt, fdt_end_node(fdt->blob));
}
EXPORT_SYMBOL_GPL(kho_fdt_end_node);

/**
 * kho_fdt_property - add a property of raw bytes
 * @fdt: the FDT passed to ->serialize()
 * @name: property name
 * @val: its value
 * @len: its length in bytes
 *
 * Return: 0 or a negative errno.
 */
int kho_fdt_property(struct kho_fdt *fdt, const char *name,
		     const void *val, int len)
{
	return kho_fdt_call(fdt, fdt_property(fdt->blob, name, val, len));
}
EXPORT_SYMBOL_GPL(kho_fdt_property);

/**
 * kho_fdt_property_u64 - add a 64-bit big-endian property
 * @fdt: the FDT passed to ->serialize()
 * @name: property name
 * @val: its value
 *
 * Return: 0 or a negative errno.
 */
int kho_fdt_property_u64(struct kho_fdt *fdt, const char *name, u64 val)
{
	return kho_fdt_call(fdt, fdt_property_u64(fdt->blob, name, val));
}
EXPORT_SYMBOL_GPL(kho_fdt_property_u64);

/**
 * kho_fdt_property_string - add a NUL-terminated string property
 * @fdt: the FDT passed to ->serialize()
 * @name: property name
 * @str: its value
 *
 * Return: 0 or a negative errno.
 */
int kho_fdt_property_string(struct kho_fdt *fdt, const char *name,
			    const char *str)
{
	return kho_fdt_call(fdt, fdt_property_string(fdt->blob, name, str));
}
EXPORT_SYMBOL_GPL(kho_fdt_property_string);

/* ---- freeze and abort --------------------------------------------------- */

/* Root properties: the compatible, the header and the scratch table. */
static int kho_fdt_write_root(struct kho_fdt *fdt)
{
	__be64 scratch[KHO_MAX_SCRATCH * 2];
	unsigned int i;
	int err;

	for (i = 0; i < kho_nr_scratch; i++) {
		scratch[2 * i] = cpu_to_be64(kho_scratch[i].base);
		scratch[2 * i + 1] = cpu_to_be64(kho_scratch[i].size);
	}
	err = kho_fdt_call(fdt, fdt_finish_reservemap(fdt->blob));
	err = err ?: kho_fdt_begin_node(fdt, "");
	err = err ?: kho_fdt_property_string(fdt, "compatible", KHO_FDT_COMPATIBLE);
	err = err ?: kho_fdt_property_u64(fdt, KHO_FDT_PROP_TRACKER,
					  virt_to_phys(kho_out.hdr));
	err = err ?: kho_fdt_property_u64(fdt, KHO_FDT_PROP_GENERATION,
					  kho_out.hdr->generation);
	err = err ?: kho_fdt_property(fdt, KHO_FDT_PROP_SCRATCH, scratch,
				      kho_nr_scratch * sizeof(scratch[0]) * 2);
	return err;
}

static int kho_fdt_write_handler(struct kho_fdt *fdt, struct kho_handler *h)
{
	int err;

	err = kho_fdt_begin_node(fdt, h->name);
	err = err ?: kho_fdt_property_string(fdt, "compatible", h->compatible);
	err = err ?: h->serialize(h, fdt);
	err = err ?: kho_fdt_end_node(fdt);
	return err;
}

/*
 * Abort, in reverse order, the handlers serialized before @stop: the list
 * node of the handler that failed, or the list head for all of them.
 */
static void kho_abort_handlers(struct list_head *stop)
{
	struct list_head *pos;

	lockdep_assert_held(&kho_out.lock);
	for (pos = stop->prev; pos != &kho_out.handlers; pos = pos->prev) {
		struct kho_handler *h = list_entry(pos, struct kho_handler, list);

		if (h->abort)
			h->abort(h);
	}
}

static int kho_build_fdt(void)
{
	struct kho_fdt *fdt = &kho_out.fdt;
	struct kho_handler *h;
	int err;

	lockdep_assert_held(&kho_out.lock);
	err = kho_fdt_init(fdt);
	err = err ?: kho_fdt_write_root(fdt);
	if (err)
		goto fail;
	list_for_each_entry(h, &kho_out.handlers, list) {
		err = kho_fdt_write_handler(fdt, h);
		if (err) {
			pr_err("handler %s failed to serialize: %d\n", h->name, err);
			kho_abort_handlers(&h->list);
			goto fail;
		}
	}
	err = kho_fdt_end_node(fdt);
	err = err ?: kho_fdt_call(fdt, fdt_finish(fdt->blob));
	if (err) {
		kho_abort_handlers(&kho_out.handlers);
		goto fail;
	}
	return 0;
fail:
	kho_fdt_free(fdt);
	return err;
}

/* Seal the header: everything the next kernel checks before trusting it. */
static void kho_seal_hdr(void)
{
	struct kho_hdr *hdr = kho_out.hdr;
	void *blob = kho_out.fdt.blob;

	lockdep_assert_held(&kho_out.lock);
	hdr->fdt_phys = virt_to_phys(blob);
	hdr->fdt_size = PAGE_SIZE << kho_out.fdt.order;
	hdr->fdt_crc = kho_crc32(blob, fdt_totalsize(blob));
	hdr->crc = 0;
	hdr->crc = kho_crc32(hdr, sizeof(*hdr));
}

/* Open again after a failed freeze or an abort. */
static void kho_out_thaw(void)
{
	lockdep_assert_held(&kho_out.lock);
	kho_tracker_seal(&kho_out.tracker, false);
	WRITE_ONCE(kho_out.state, KHO_OUT_OPEN);
}

/**
 * kho_freeze - seal the outgoing handover
 *
 * Stops preserve/unpreserve, runs every handler's serialize into a new root
 * FDT and seals the header. If a handler fails, the handlers before it are
 * aborted and the system is as before.
 *
 * Return: 0, -EBUSY if already frozen, -ENODEV if KHO is not running, or
 * the failing handler's error.
 */
int kho_freeze(void)
{
	u64 start = ktime_get_ns();
	int err;

	if (!kho_out_ready())
		return -ENODEV;
	mutex_lock(&kho_out.lock);
	if (kho_out.state != KHO_OUT_OPEN) {
		err = -EBUSY;
		goto out;
	}
	/* Sections end first; lock-free preservers check the seal. */
	down_write(&kho_out.preserve_sem);
	WRITE_ONCE(kho_out.state, KHO_OUT_FROZEN);
	kho_tracker_seal(&kho_out.tracker, true);
	up_write(&kho_out.preserve_sem);

	err = kho_build_fdt();
	if (err) {
		kho_out_thaw();
		goto out;
	}
	kho_seal_hdr();
	pr_info("frozen: %zu byte FDT, %ld tracker pages, %llu ns\n",
		(size_t)fdt_totalsize(kho_out.fdt.blob),
		atomic_long_read(&kho_out.tracker.nr_nodes),
		ktime_get_ns() - start);
	kho_corrupt_frozen();
out:
	mutex_unlock(&kho_out.lock);
	return err;
}

/**
 * kho_abort - thaw a frozen handover
 *
 * Every handler's abort runs (in reverse order), the FDT is freed and the
 * header unsealed, so an image loaded earlier finds no valid handover.
 *
 * Return: 0, or -ENOENT if not frozen.
 */
int kho_abort(void)
{
	int err = 0;

	mutex_lock(&kho_out.lock);
	if (kho_out.state != KHO_OUT_FROZEN) {
		err = -ENOENT;
		goto out;
	}
	kho_abort_handlers(&kho_out.handlers);
	kho_out.hdr->crc = 0;
	kho_out.hdr->fdt_phys = 0;
	kho_fdt_free(&kho_out.fdt);
	kho_out_thaw();
	pr_info("aborted: preserved state thawed\n");
out:
	mutex_unlock(&kho_out.lock);
	return err;
}

/**
 * kho_kexec_freeze - freeze for kernel_kexec(), if not frozen already
 * @image: the image about to be executed
 *
 * Return: 0 when the handover is sealed (or KHO is not running), or the
 * freeze error: the kexec is then refused.
 */
int kho_kexec_freeze(struct kimage *image)
{
	int err;

	/* No setup_data went into the image: a plain kexec. */
	if (!kho_out_ready() || kho_is_frozen())
		return 0;
	err = kho_freeze();
	if (err)
		pr_err("refusing kexec: freeze failed: %d\n", err);
	return err;
}

/* Does @h hold state that only a handover can carry? */
static bool kho_handler_has_state(struct kho_handler *h)
{
	return !h->has_state || h->has_state(h);
}

/**
 * kho_has_preserved - is there outgoing state a plain kexec would drop?
 *
 * kexec_load() is refused while there is: it can neither keep the next
 * kernel inside scratch nor pass the handover on. With nothing preserved
 * it works as on any kernel.
 *
 * Return: true if any memory is preserved, or a registered handler holds
 * state (see &struct kho_handler.has_state).
 */
bool kho_has_preserved(void)
{
	struct kho_handler *h;
	unsigned int order;
	bool state = false;

	if (!kho_out_ready())
		return false;
	for (order = 0; order <= KHO_MAX_ORDER; order++)
		if (kho_tracker_count(&kho_out.tracker, order))
			return true;
	mutex_lock(&kho_out.lock);
	list_for_each_entry(h, &kho_out.handlers, list) {
		state = kho_handler_has_state(h);
		if (state)
			break;
	}
	mutex_unlock(&kho_out.lock);
	return state;
}

/**
 * kho_finish_handlers - call every handler's ->finish, in registration order
 *
 * The caller, kho_finish(), holds kho_out.lock and releases the incoming
 * handover right after.
 */
void kho_finish_handlers(void)
{
	struct kho_handler *h;

	lockdep_assert_held(&kho_out.lock);
	list_for_each_entry(h, &kho_out.handlers, list)
		if (h->finish)
			h->finish(h);
}

/**
 * kho_fill_setup_data - describe the handover to an image being loaded
 * @image: the kexec_file image
 * @sd: its setup_data payload
 *
 * Return: 0, or -ENODEV if KHO is not running (the image gets no entry).
 */
int kho_fill_setup_data(struct kimage *image, struct kho_setup_data *sd)
{
	if (!kho_out_ready() || !kho_nr_scratch)
		return -ENODEV;
	memset(sd, 0, sizeof(*sd));
	sd->magic = KHO_SETUP_MAGIC;
	sd->version = KHO_ABI_VERSION;
	sd->size = sizeof(*sd);
	sd->hdr_phys = virt_to_phys(kho_out.hdr);
	sd->nr_scratch = kho_nr_scratch;
	memcpy(sd->scratch, kho_scratch, kho_nr_scratch * sizeof(sd->scratch[0]));
	sd->crc = kho_crc32(sd, sizeof(*sd));
	kho_corrupt_setup_data(sd);
	return 0;
}

static int __init kho_out_init(void)
{
	struct kho_hdr *hdr;

	if (!kho_nr_scratch) {
		pr_warn("no scratch memory: KHO disabled\n");
		return 0;
	}
	hdr = (void *)get_zeroed_page(GFP_KERNEL);
	if (!hdr)
		return -ENOMEM;
	hdr->magic = KHO_HDR_MAGIC;
	hdr->version = KHO_ABI_VERSION;
	hdr->size = sizeof(*hdr);
	hdr->nr_orders = KHO_NR_ORDERS;
	hdr->generation = (kho_in.hdr ? kho_in.hdr->generation : 0) + 1;
	kho_tracker_init(&kho_out.tracker, hdr->order);
	WRITE_ONCE(kho_out.hdr, hdr);
	return 0;
}
core_initcall(kho_out_init);
