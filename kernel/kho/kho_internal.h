/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KHO core: private header. The object model and the lock order live here,
 * next to the data they describe.
 *
 * Objects
 * -------
 * kho_out: the outgoing side, one per kernel.
 *   .hdr       one page, allocated at boot, whose physical address is in
 *              every image loaded with kexec_file_load. It embeds the
 *              tracker roots, so the tracker is handed over as it is:
 *              freeze has nothing to serialize that grows with memory.
 *   .tracker   preserved folios: per order, a radix tree of page-sized
 *              nodes with bitmaps at the leaves (tracker.c).
 *   .handlers  registered struct kho_handler, in registration order.
 *   .fdt       the root FDT built at freeze, freed at abort.
 *   .state     KHO_OUT_OPEN -> KHO_OUT_FROZEN -> (abort) KHO_OUT_OPEN.
 *
 * kho_in: the incoming side, filled at early boot from the setup_data the
 *   previous kernel left, read-only once validated except for the tracker
 *   bits that restore clears (each page is handed back once).
 *
 * Lock order (outer first)
 * ------------------------
 *   kho_out.lock (mutex): state, handlers, fdt. Held across freeze/abort,
 *     so handler callbacks run under it and must not call
 *     kho_register_handler().
 *   kho_out.preserve_sem (rwsem): taken for read by preserve/unpreserve
 *     sections, for write by freeze to wait out sections in flight. Nests
 *     inside kho_out.lock. kho_preserve_folio() takes it only when the
 *     tracker must grow: otherwise it sets one tracker bit and reads the
 *     tracker's seal, which freeze sets under it (undoing the bit if
 *     sealed).
 *   kho_memfds.lock (mutex, memfd.c): the preserved and handed-over memfds.
 *     Taken inside kho_out.lock (the memfd handler serializes and finishes
 *     under it), and outside kho_out.preserve_sem (a memfd is preserved
 *     inside one kho_out_enter() section, so a freeze sees all of it or
 *     none) and kho_in.lock (a restore checks its page list under it).
 *   kho_in.lock (mutex): the incoming state, the incoming tracker and the
 *     pages it describes: every restore, kho_in_test() and the final
 *     release all run under it, so a restore and a finish never overlap.
 *     kho_finish() holds kho_out.lock around the handlers' ->finish and the
 *     release (one finish at a time, and the handler list stays put).
 *   The tracker itself is lock-free: nodes are installed with cmpxchg,
 *   leaf bits with atomic bitops. Only growing a tree's height takes a
 *   lock, kho_tracker.grow_lock (spinlock, innermost: nothing is taken or
 *   allocated under it), because a root's top and levels change together;
 *   other tracker users read a root as one word, kho_tracker.tops[].
 */
#ifndef _KERNEL_KHO_INTERNAL_H
#define _KERNEL_KHO_INTERNAL_H

#include <linux/kho.h>
#include <linux/crc32.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>
#include <linux/rwsem.h>
#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/spinlock.h>

/*
 * Invariant assertions: free unless CONFIG_KHO_DEBUG, in which case a
 * broken invariant warns once and the condition's value is returned.
 */
#ifdef CONFIG_KHO_DEBUG
#define KHO_ASSERT(cond)	WARN_ON_ONCE(!(cond))
#else
#define KHO_ASSERT(cond)	({ BUILD_BUG_ON_INVALID(cond); false; })
#endif

/* Highest folio order the tracker accepts: a PUD-sized (1 GiB) folio. */
#define KHO_MAX_ORDER		(PUD_SHIFT - PAGE_SHIFT)

/*
 * The order of the largest naturally aligned block that starts at @pfn,
 * fits in @nr pages and is at most @max_order: how a range is cut into
 * blocks, the same way when it is preserved, restored or freed.
 */
static inline unsigned int kho_block_order(unsigned long pfn, unsigned long nr,
					   unsigned int max_order)
{
	unsigned int order = pfn ? __ffs(pfn) : max_order;

	return min3(order, (unsigned int)ilog2(nr), max_order);
}

/* The checksum of every handover structure: setup_data, header and FDT. */
static inline u32 kho_crc32(const void *buf, size_t len)
{
	return crc32_le(~0U, buf, len);
}

/* ---- tracker.c ---------------------------------------------------------- */

/**
 * struct kho_tracker - preserved folios, keyed by order and pfn
 * @roots: KHO_NR_ORDERS tree roots; for the outgoing tracker they live in
 *	the handover header, so the tracker needs no serialization
 * @tops: each root as one word, top | levels, for lock-free readers;
 *	written with @roots, under @grow_lock
 * @grow_lock: serializes growing a tree's height
 * @orders: bit o set once any folio of order o was set (never cleared):
 *	the orders kho_tracker_claim() searches
 * @sealed: sets and claims fail with -EBUSY, see kho_tracker_seal()
 * @hull: per order above 0, [first, end) holds every pfn of every folio
 *	of that order ever set (it only grows): a claim skips a higher
 *	order whose hull misses its pfn
 * @nr_nodes: node pages in use (inner nodes and leaves)
 *
 * Preserved folios are not counted as they are set, see
 * kho_tracker_count().
 */
struct kho_tracker {
	struct kho_tracker_root *roots;
	unsigned long tops[KHO_NR_ORDERS];
	spinlock_t grow_lock;	/* innermost, see the lock order above */
	unsigned long orders;
	bool sealed;
	struct kho_hull {
		unsigned long first;
		unsigned long end;
	} hull[KHO_NR_ORDERS];
	atomic_long_t nr_nodes;
};

void kho_tracker_init(struct kho_tracker *t, struct kho_tracker_root *roots);
void kho_tracker_destroy(struct kho_tracker *t);
int kho_tracker_set(struct kho_tracker *t, unsigned long pfn, unsigned int order);
int kho_tracker_clear(struct kho_tracker *t, unsigned long pfn, unsigned int order);
bool kho_tracker_test(struct kho_tracker *t, unsigned long pfn, unsigned int order);
int kho_tracker_find(struct kho_tracker *t, unsigned long pfn);
int kho_tracker_containing(struct kho_tracker *t, unsigned long pfn);
bool kho_tracker_overlaps(struct kho_tracker *t, unsigned long pfn,
			  unsigned int order);
bool kho_tracker_overlaps_in(struct kho_tracker *t, unsigned long pfn,
			     unsigned int order, unsigned long orders);
unsigned long kho_tracker_count(struct kho_tracker *t, unsigned int order);

int kho_tracker_claim(struct kho_tracker *t, unsigned long pfn,
		      unsigned int order, bool may_sleep);
void kho_tracker_seal(struct kho_tracker *t, bool sealed);

/* Called for each run of @nr consecutive preserved folios of one order. */
typedef int (*kho_run_fn)(unsigned long pfn, unsigned int order,
			  unsigned long nr, void *arg);
/* Called for each node page of the tracker. */
typedef int (*kho_node_fn)(phys_addr_t node, void *arg);

int kho_tracker_walk_all(struct kho_tracker *t, kho_node_fn node_fn,
			 kho_run_fn run_fn, void *arg);
int kho_tracker_walk(struct kho_tracker *t, kho_run_fn fn, void *arg);
int kho_tracker_walk_nodes(struct kho_tracker *t, kho_node_fn fn, void *arg);

/**
 * struct kho_tracker_check - what a tracker from another kernel may point at
 * @is_usable: true if [phys, phys + size) is RAM the tracker may claim
 *	(not scratch, not reserved by firmware)
 * @max_nodes: node visits allowed before the tracker is declared corrupt
 * @arg: passed to @is_usable
 */
struct kho_tracker_check {
	bool (*is_usable)(phys_addr_t phys, phys_addr_t size, void *arg);
	unsigned long max_nodes;
	void *arg;
};

int kho_tracker_validate(struct kho_tracker *t,
			 const struct kho_tracker_check *check,
			 const char **why);

/* ---- core.c: the outgoing side ------------------------------------------ */

/**
 * struct kho_fdt - the root FDT being written at freeze
 * @blob: physically contiguous buffer, sequential-write mode while open
 * @order: page order of @blob; doubled whenever libfdt runs out of room
 */
struct kho_fdt {
	void *blob;
	unsigned int order;
};

enum kho_out_state {
	KHO_OUT_OPEN,
	KHO_OUT_FROZEN,
};

/**
 * struct kho_out - everything this kernel hands to the next one
 * @lock: protects @state, @handlers, @fdt and the header fields written
 *	at freeze
 * @preserve_sem: read by preservers, written by freeze (see lock order)
 * @state: open or frozen; written under @preserve_sem, which sections
 *	read it under; kho_preserve_folio() reads it without
 * @handlers: registered handlers, in registration order
 * @hdr: the handover header page, NULL if KHO could not start
 * @tracker: preserved folios; its roots are @hdr->order
 * @fdt: the FDT built by the last freeze, NULL blob when open
 */
struct kho_out {
	struct mutex lock;	/* outermost, see the lock order above */
	struct rw_semaphore preserve_sem;
	enum kho_out_state state;
	struct list_head handlers;
	struct kho_hdr *hdr;
	struct kho_tracker tracker;
	struct kho_fdt fdt;
};

extern struct kho_out kho_out;

int kho_out_enter(void);
void kho_out_leave(void);
int kho_preserve_block(unsigned long pfn, unsigned int order);
int kho_unpreserve_block(unsigned long pfn, unsigned int order);
int kho_fdt_init(struct kho_fdt *fdt);
void kho_fdt_free(struct kho_fdt *fdt);
int kho_freeze(void);
int kho_abort(void);
bool kho_out_ready(void);

/* ---- scratch.c --------------------------------------------------------- */

extern struct kho_scratch_range kho_scratch[KHO_MAX_SCRATCH];
extern unsigned int kho_nr_scratch;

/**
 * kho_in_scratch - does [phys, phys + size) overlap scratch memory?
 * @phys: start
 * @size: length in bytes
 *
 * Inline: every preserve asks, and there are only a few ranges.
 *
 * Return: true on any overlap.
 */
static inline bool kho_in_scratch(phys_addr_t phys, phys_addr_t size)
{
	unsigned int i;

	for (i = 0; i < kho_nr_scratch; i++) {
		const struct kho_scratch_range *r = &kho_scratch[i];

		if (phys < r->base + r->size && r->base < phys + size)
			return true;
	}
	return false;
}

/* ---- handover.c / restore.c: the incoming side ------------------------- */

/**
 * struct kho_in - what this kernel received
 * @lock: serializes restore and release (see the lock order above)
 * @state: enum kho_in_state; written under @lock once boot is over, read
 *	without it only as a hint (restore checks again under @lock)
 * @why: why a handover was rejected (KHO_IN_BAD)
 * @sd: copy of the setup_data payload
 * @hdr: the previous kernel's header (direct map), NULL unless valid and
 *	again once released
 * @fdt: the previous kernel's root FDT, NULL unless valid and again once
 *	released
 * @tracker: the previous kernel's tracker; restore clears bits in it, and
 *	the release empties it before freeing its nodes
 */
struct kho_in {
	struct mutex lock;	/* restore vs finish, see the lock order above */
	enum kho_in_state state;
	const char *why;
	struct kho_setup_data sd;
	struct kho_hdr *hdr;
	const void *fdt;
	struct kho_tracker tracker;
	bool fence;		/* rejected: block DMA before leaving scratch */
};

extern struct kho_in kho_in;

/* handover.c: the validators, also run by the KUnit suites on crafted input */
int kho_check_setup_data(const struct kho_setup_data *sd, const char **why);
int kho_check_scratch(const struct kho_scratch_range *scratch, unsigned int nr,
		      const char **why);
int kho_check_hdr(const struct kho_hdr *hdr, const char **why);
int kho_check_fdt(const void *fdt, size_t size, u32 crc, const char **why);
/**
 * struct kho_root - the root node's own properties, once checked
 * @tracker: the header page's physical address
 * @generation: the handover's generation
 * @scratch: the scratch ranges
 * @nr_scratch: how many
 */
struct kho_root {
	u64 tracker;
	u64 generation;
	struct kho_scratch_range scratch[KHO_MAX_SCRATCH];
	unsigned int nr_scratch;
};

int kho_read_root(const void *fdt, struct kho_root *root, const char **why);
int kho_check_root(const void *fdt, const struct kho_hdr *hdr,
		   const struct kho_setup_data *sd, const char **why);
bool kho_fdt_compatible_is(const void *fdt, int node, const char *compatible);
int kho_fdt_find_node(const void *fdt, const char *name, const char *compatible);
int kho_fdt_u64(const void *fdt, int node, const char *prop, u64 *val);

/*
 * restore.c: the incoming side on an explicit struct kho_in, so the KUnit
 * suite can race restore and release on a handover it builds itself; the
 * exported API applies them to kho_in.
 */
struct folio *kho_in_restore_folio(struct kho_in *in, phys_addr_t phys);
struct page *kho_in_restore_pages(struct kho_in *in, phys_addr_t phys,
				  unsigned long nr_pages);
bool kho_in_test(struct kho_in *in, phys_addr_t phys, unsigned int order);
int kho_in_release(struct kho_in *in, unsigned long *released);
void kho_free_range(unsigned long pfn, unsigned long nr_pages);

/* Around many kho_in_test() calls on kho_in, one lock for all of them. */
static inline void kho_in_lock(void)
{
	mutex_lock(&kho_in.lock);
}

static inline void kho_in_unlock(void)
{
	mutex_unlock(&kho_in.lock);
}

/* ---- core.c: handlers at finish ----------------------------------------- */

void kho_finish_handlers(void);

/* ---- memfd.c ----------------------------------------------------------- */

struct seq_file;
void kho_memfd_stats(struct seq_file *m);

/**
 * struct kho_memfd_cursor - where a walk taking back a page list stands
 * @phys: the chunk to take next, if @chunk is NULL
 * @chunk: the chunk being walked, taken back
 * @entry: its next entry
 * @index: the file index that entry's folio starts at
 * @folio: that entry's folio, taken back but not yet accepted by the
 *	walk's taker (which failed for want of memory)
 */
struct kho_memfd_cursor {
	phys_addr_t phys;
	struct page *chunk;
	unsigned int entry;
	pgoff_t index;
	struct folio *folio;
};

/**
 * struct kho_memfd_in - a memfd the previous kernel handed over
 * @name: its name
 * @size: its size
 * @seals: its seals
 * @nr_pages: pages in @size
 * @page_size: PAGE_SIZE, or a hugetlb memfd's huge page size
 * @nr_folios: entries in its page list, one per folio
 * @pages: physical address of its first chunk
 * @restored: taken (or failed to restore): never again
 * @folios: a hugetlb memfd's huge pages, claimed into their pool at boot
 * @nr_claimed: entries in @folios
 * @nr_filled: of those, the ones already in @file
 * @claim_err: why a hugetlb memfd's pages could not be claimed, or 0
 * @cur: how far its page list has been taken back
 * @file: the memfd a restore that failed for want of memory was filling;
 *	the next restore goes on from @cur or @nr_filled
 */
struct kho_memfd_in {
	char name[KHO_NAME_MAX];
	u64 size;
	u64 seals;
	u64 nr_pages;
	u64 page_size;
	u64 nr_folios;
	u64 pages;
	bool restored;
	struct folio **folios;
	unsigned long nr_claimed;
	unsigned long nr_filled;
	int claim_err;
	struct kho_memfd_cursor cur;
	struct file *file;
};

int kho_memfd_read_nodes(const void *fdt, int node, struct kho_memfd_in *in,
			 unsigned long max, unsigned long *nr_in);
#ifdef CONFIG_KHO_TEST
int kho_memfd_test_corrupt(const char *how, u64 rnd, char *name, size_t size);
#endif

/* Root properties, and handler nodes, a root FDT may have: more are refused. */
#define KHO_FDT_MAX_NAMES	64

/* ---- kho_test.c, corrupt.c: the test client (CONFIG_KHO_TEST) ----------- */

struct dentry;

#ifdef CONFIG_KHO_TEST
int kho_test_check_node(const void *fdt, int node);
int kho_test_corrupt_node(void *fdt, const char *how, u64 rnd);
void kho_corrupt_debugfs_init(struct dentry *dir);
void kho_corrupt_setup_data(struct kho_setup_data *sd);
void kho_corrupt_frozen(void);
#else
static inline void kho_corrupt_setup_data(struct kho_setup_data *sd) { }
static inline void kho_corrupt_frozen(void) { }
#endif

/* ---- dev.c: /dev/kho ------------------------------------------------------ */

/**
 * struct kho_ucmd - one ioctl call
 * @ubuffer: the user's struct
 * @user_size: its size as the user gave it
 * @cmd: the kernel's copy, zero-extended to the kernel's struct size
 */
struct kho_ucmd {
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

/**
 * kho_ucmd_respond - copy a command's struct back to the user
 * @ucmd: the call
 * @cmd_len: the kernel's struct size
 *
 * As many bytes as the user's struct holds, so an older caller with a
 * shorter struct gets only the fields it knows.
 *
 * Return: 0 or -EFAULT.
 */
static inline int kho_ucmd_respond(struct kho_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

int kho_memfd_preserve(struct kho_ucmd *ucmd);
int kho_memfd_unpreserve(struct kho_ucmd *ucmd);
int kho_memfd_list(struct kho_ucmd *ucmd);
int kho_memfd_restore(struct kho_ucmd *ucmd);

#endif /* _KERNEL_KHO_INTERNAL_H */
