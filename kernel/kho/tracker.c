// SPDX-License-Identifier: GPL-2.0
/*
 * KHO preserved-memory tracker: which folios the next kernel must keep.
 *
 * One tree per folio order, keyed by pfn >> order. A leaf is a page of
 * bitmap, an inner node a page of child physical addresses; the layout is
 * the handover ABI (struct kho_tracker_root in uapi/linux/kho.h). Node
 * pages come from the page allocator, never from slab, and are referenced
 * by physical address, so the next kernel reads the very trees built here
 * and freeze has nothing to serialize.
 *
 * Concurrency. set, clear, test, find and overlaps take no lock: a missing
 * node is installed with cmpxchg on its parent's slot (the loser frees its
 * page) and leaf bits change with atomic bitops. Only growing a tree takes
 * a lock: growers serialize on grow_lock. Everyone else reads a root as
 * one word, the top's address with the levels in its low bits (tops[]),
 * so a root's top and levels always come from the same growth. Growth
 * puts the old top under slot 0 of the new one, so a stale copy still
 * leads to the right leaf for every key it covers.
 * Nodes are only freed by kho_tracker_destroy(), so no lock-free reader
 * can reach a freed page.
 */
#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pfn.h>
#include <linux/spinlock.h>

#include "kho_internal.h"

/* x86-64 physical addresses have at most 52 bits (5-level paging). */
#define KHO_PHYS_BITS		52
/* First pfn past the physical address space: no folio may reach it. */
#define KHO_PFN_LIMIT		(1UL << (KHO_PHYS_BITS - PAGE_SHIFT))

static_assert(KHO_NODE_SIZE == PAGE_SIZE);
static_assert(KHO_LEAF_BITS == 1 << KHO_LEAF_SHIFT);
static_assert(KHO_NODE_SLOTS == 1 << KHO_NODE_SHIFT);
static_assert(KHO_NODE_SLOTS * sizeof(u64) == KHO_NODE_SIZE);
static_assert(KHO_MAX_ORDER < KHO_NR_ORDERS);
/* Any pfn below the limit, even at order 0, fits the tallest tree. */
static_assert(KHO_PHYS_BITS - PAGE_SHIFT <=
	      KHO_LEAF_SHIFT + KHO_MAX_LEVELS * KHO_NODE_SHIFT);

/* A consistent copy of one root: a top and the levels it was set with. */
struct kho_tree {
	phys_addr_t top;
	unsigned int levels;
};

/* log2 of the number of keys under a node @levels above the leaves. */
static unsigned int kho_span_shift(unsigned int levels)
{
	return KHO_LEAF_SHIFT + levels * KHO_NODE_SHIFT;
}

/* Slot of the child holding @key in a node @level (> 0) above the leaves. */
static unsigned int kho_slot(unsigned long key, unsigned int level)
{
	return (key >> kho_span_shift(level - 1)) & (KHO_NODE_SLOTS - 1);
}

static unsigned long kho_leaf_bit(unsigned long key)
{
	return key & (KHO_LEAF_BITS - 1);
}

static bool kho_tree_covers(struct kho_tree tree, unsigned long key)
{
	return tree.top && !(key >> kho_span_shift(tree.levels));
}

/* The key of a folio, or -EINVAL if no tree can hold it. */
static int kho_key(unsigned long pfn, unsigned int order, unsigned long *key)
{
	if (order > KHO_MAX_ORDER || !IS_ALIGNED(pfn, 1UL << order) ||
	    pfn >= KHO_PFN_LIMIT)
		return -EINVAL;
	*key = pfn >> order;
	return 0;
}

/* A root from its one word; see kho_root_write(). */
static struct kho_tree kho_tree_read(struct kho_tracker *t, unsigned int order)
{
	unsigned long packed = READ_ONCE(t->tops[order]);

	return (struct kho_tree) {
		.top = packed & PAGE_MASK,
		.levels = packed & ~PAGE_MASK,
	};
}

/*
 * The leaf holding @key, or NULL if the tree has none. Never allocates.
 * Always inline: it is most of a preserve.
 */
static __always_inline unsigned long *kho_leaf_find(struct kho_tree tree,
						    unsigned long key)
{
	phys_addr_t node = tree.top;
	unsigned int level;

	if (KHO_ASSERT(tree.levels <= KHO_MAX_LEVELS) ||
	    !kho_tree_covers(tree, key))
		return NULL;
	for (level = tree.levels; level; level--) {
		const u64 *slots = phys_to_virt(node);

		node = READ_ONCE(slots[kho_slot(key, level)]);
		if (!node)
			return NULL;
	}
	return phys_to_virt(node);
}

static __always_inline bool kho_key_is_set(struct kho_tracker *t,
					   unsigned int order,
					   unsigned long key)
{
	unsigned long *leaf = kho_leaf_find(kho_tree_read(t, order), key);

	return leaf && test_bit(kho_leaf_bit(key), leaf);
}

/*
 * The hull of an order: the pfns every folio of that order ever set lies
 * in. It only grows, before the folio's bit is set, so a claim that finds
 * its pfn outside a higher order's hull after setting its own bit knows no
 * folio of that order can contain it (or the other claim sees this one).
 * Order 0 has none: no claim searches a lower order by containment.
 */
static void kho_hull_reset(struct kho_tracker *t, unsigned int order, bool full)
{
	WRITE_ONCE(t->hull[order].first, full ? 0 : ULONG_MAX);
	WRITE_ONCE(t->hull[order].end, full ? ULONG_MAX : 0);
}

static __always_inline void kho_hull_extend(struct kho_tracker *t,
					    unsigned int order,
					    unsigned long pfn)
{
	struct kho_hull *hull = &t->hull[order];
	unsigned long end = pfn + (1UL << order);
	unsigned long old;

	old = READ_ONCE(hull->first);
	while (pfn < old && !try_cmpxchg(&hull->first, &old, pfn))
		;
	old = READ_ONCE(hull->end);
	while (end > old && !try_cmpxchg(&hull->end, &old, end))
		;
}

/* Does [@first, @last] meet @order's hull? */
static __always_inline bool kho_hull_meets(struct kho_tracker *t,
					   unsigned int order,
					   unsigned long first,
					   unsigned long last)
{
	return last >= READ_ONCE(t->hull[order].first) &&
	       first < READ_ONCE(t->hull[order].end);
}

/* Fewest inner levels a tree needs to hold @key. */
static unsigned int kho_levels_for(unsigned long key)
{
	unsigned int levels = 0;

	while (key >> kho_span_shift(levels))
		levels++;
	return levels;
}

/* A root as the ABI has it, for checking before anything trusts it. */
static struct kho_tree kho_root_raw(struct kho_tracker *t, unsigned int order)
{
	return (struct kho_tree) {
		.top = READ_ONCE(t->roots[order].top),
		.levels = READ_ONCE(t->roots[order].levels),
	};
}

/* A root in one word: node pages are page aligned, levels are few. */
static_assert(KHO_MAX_LEVELS < PAGE_SIZE);

static unsigned long kho_root_pack(struct kho_tree tree)
{
	return (tree.top & PAGE_MASK) | (tree.levels & ~PAGE_MASK);
}

/* Publish a root: the ABI copy for the next kernel, the word for readers. */
static void kho_root_write(struct kho_tracker *t, unsigned int order,
			   struct kho_tree tree)
{
	WRITE_ONCE(t->roots[order].top, tree.top);
	WRITE_ONCE(t->roots[order].levels, tree.levels);
	/* A new top's slots are written before readers can find it. */
	smp_store_release(&t->tops[order], kho_root_pack(tree));
}

/*
 * A zeroed node page. From the page allocator, never slab, so no other
 * object shares the page; and unmovable, so it never comes from scratch,
 * whose pageblocks are MIGRATE_CMA: the next kernel boots in scratch and
 * would overwrite a node there before reading it.
 */
static u64 *kho_node_alloc(void)
{
	return (u64 *)get_zeroed_page(GFP_KERNEL);
}

static void kho_node_free(u64 *node)
{
	free_page((unsigned long)node);
}

/*
 * Put @node on top of @order's tree if the root still is @seen; false if
 * another grower changed it first. An empty tree starts as tall as @key
 * needs; otherwise the old top becomes child 0 of @node, where all of its
 * keys already belong.
 */
static bool kho_root_raise(struct kho_tracker *t, unsigned int order,
			   struct kho_tree seen, u64 *node, unsigned long key)
{
	struct kho_tree now, raised = { .top = virt_to_phys(node) };

	spin_lock(&t->grow_lock);
	now = kho_tree_read(t, order);
	if (now.top != seen.top || now.levels != seen.levels) {
		spin_unlock(&t->grow_lock);
		return false;
	}
	if (seen.top) {
		node[0] = seen.top;
		raised.levels = seen.levels + 1;
	} else {
		raised.levels = kho_levels_for(key);
	}
	KHO_ASSERT(raised.levels <= KHO_MAX_LEVELS);
	kho_root_write(t, order, raised);
	atomic_long_inc(&t->nr_nodes);
	spin_unlock(&t->grow_lock);
	return true;
}

/*
 * Make @order's tree tall enough for @key, one level per round. @tree is
 * the caller's copy of the root, kept current.
 */
static int kho_tree_grow(struct kho_tracker *t, unsigned int order,
			 unsigned long key, struct kho_tree *tree)
{
	while (!kho_tree_covers(*tree, key)) {
		u64 *node = kho_node_alloc();

		if (!node)
			return -ENOMEM;
		if (!kho_root_raise(t, order, *tree, node, key))
			kho_node_free(node);
		*tree = kho_tree_read(t, order);
	}
	return 0;
}

/*
 * Fill the empty @slot with a new zeroed node. The page is zeroed before
 * cmpxchg publishes it, and cmpxchg orders the two. Returns the node in the
 * slot (ours or a racing winner's), 0 if out of memory.
 */
static phys_addr_t kho_node_install(struct kho_tracker *t, u64 *slot)
{
	u64 *page = kho_node_alloc();
	phys_addr_t node, winner;

	if (!page)
		return 0;
	node = virt_to_phys(page);
	winner = cmpxchg(slot, 0, node);
	if (winner) {
		kho_node_free(page);
		return winner;
	}
	atomic_long_inc(&t->nr_nodes);
	return node;
}

/* The leaf holding @key, with the nodes on its path created as needed. */
static unsigned long *kho_leaf_get(struct kho_tracker *t, unsigned int order,
				   unsigned long key)
{
	struct kho_tree tree = kho_tree_read(t, order);
	phys_addr_t node;
	unsigned int level;
	int err;

	err = kho_tree_grow(t, order, key, &tree);
	if (err)
		return ERR_PTR(err);
	node = tree.top;
	for (level = tree.levels; level; level--) {
		u64 *slot = (u64 *)phys_to_virt(node) + kho_slot(key, level);

		node = READ_ONCE(*slot);
		if (!node)
			node = kho_node_install(t, slot);
		if (!node)
			return ERR_PTR(-ENOMEM);
	}
	return phys_to_virt(node);
}

/**
 * kho_tracker_init() - attach a tracker to its roots
 * @t: the tracker
 * @roots: KHO_NR_ORDERS roots, left as they are: zeroed roots make an
 *	empty tracker, roots from the previous kernel make its tracker (to
 *	be checked with kho_tracker_validate() before anything else)
 *
 * The node counter starts at zero: for a tracker received from the
 * previous kernel it counts only the nodes added since. The readers' copy
 * of each root is exact for every root kho_tracker_validate() accepts.
 */
void kho_tracker_init(struct kho_tracker *t, struct kho_tracker_root *roots)
{
	unsigned int order;

	t->roots = roots;
	t->orders = 0;
	t->sealed = false;
	for (order = 0; order < KHO_NR_ORDERS; order++) {
		t->tops[order] = kho_root_pack(kho_root_raw(t, order));
		if (t->tops[order] && order <= KHO_MAX_ORDER)
			t->orders |= BIT(order);
		/* Where a received tree's folios lie is not known: anywhere. */
		kho_hull_reset(t, order, t->tops[order]);
	}
	spin_lock_init(&t->grow_lock);
	atomic_long_set(&t->nr_nodes, 0);
}

/* Is the folio of order @o containing @pfn set? Out of line: see below. */
static noinline bool kho_contained(struct kho_tracker *t, unsigned int o,
				   unsigned long pfn)
{
	return kho_key_is_set(t, o, pfn >> o);
}

/*
 * Does a folio of one of @higher, all orders above @pfn's, contain @pfn?
 * A bit test per order, and none at all if @pfn is outside the order's
 * hull; the test is a call, to keep the lock-free claim's registers few.
 */
static __always_inline bool kho_contained_in(struct kho_tracker *t,
					     unsigned long pfn,
					     unsigned long higher)
{
	unsigned int o;

	for_each_set_bit(o, &higher, KHO_MAX_ORDER + 1)
		if (kho_hull_meets(t, o, pfn, pfn) && kho_contained(t, o, pfn))
			return true;
	return false;
}

/*
 * Does a folio of one of @others overlap [@pfn, @pfn + 2^@order)? With no
 * lower order among them, only the one folio containing the range can, at
 * each higher order.
 */
static bool kho_overlaps_other(struct kho_tracker *t, unsigned long pfn,
			       unsigned int order, unsigned long others)
{
	if (others & (BIT(order) - 1))
		return kho_tracker_overlaps_in(t, pfn, order, others);
	return kho_contained_in(t, pfn, others);
}

/* Set @key's bit in @order's tree, adding nodes if @may_sleep. */
static int kho_set(struct kho_tracker *t, unsigned int order,
		   unsigned long key, bool may_sleep)
{
	unsigned long *leaf;

	/* Before the bit, so that a claim of another order searches here. */
	if (!test_bit(order, &t->orders))
		set_bit(order, &t->orders);
	if (order)
		kho_hull_extend(t, order, key << order);
	leaf = kho_leaf_find(kho_tree_read(t, order), key);
	if (!leaf && !may_sleep)
		return -EAGAIN;
	if (!leaf)
		leaf = kho_leaf_get(t, order, key);
	if (IS_ERR(leaf))
		return PTR_ERR(leaf);
	/* A full barrier: a search after it sees what others set before. */
	if (test_and_set_bit(kho_leaf_bit(key), leaf))
		return -EEXIST;
	if (READ_ONCE(t->sealed)) {
		clear_bit(kho_leaf_bit(key), leaf);
		return -EBUSY;
	}
	return 0;
}

/**
 * kho_tracker_set() - record a preserved folio
 * @t: the tracker
 * @pfn: the folio's first pfn
 * @order: the folio's order
 *
 * Does not look at other orders: see kho_tracker_claim() for that. May
 * sleep (allocates nodes).
 *
 * Return: 0; -EINVAL if @order is above KHO_MAX_ORDER, @pfn is not aligned
 * to it or lies past the physical address space; -EEXIST if already set;
 * -ENOMEM; -EBUSY if sealed.
 */
int kho_tracker_set(struct kho_tracker *t, unsigned long pfn, unsigned int order)
{
	unsigned long key;
	int err;

	err = kho_key(pfn, order, &key);
	if (err)
		return err;
	return kho_set(t, order, key, true);
}

/* kho_tracker_claim() in general: any orders in use, nodes to add. */
static noinline int kho_claim_slow(struct kho_tracker *t, unsigned long pfn,
				   unsigned int order, unsigned long key,
				   bool may_sleep)
{
	unsigned long others;
	int err;

	err = kho_set(t, order, key, may_sleep);
	if (err)
		return err;
	others = READ_ONCE(t->orders) & ~BIT(order);
	if (others && kho_overlaps_other(t, pfn, order, others)) {
		WARN_ON_ONCE(kho_tracker_clear(t, pfn, order));
		return -EEXIST;
	}
	return 0;
}

/*
 * kho_tracker_claim() without a call, in the common case: @order is in
 * use, its leaf for @key exists, and no lower order is in use, so only
 * kho_contained_in() is left to ask. Returns false, with nothing changed,
 * when the claim needs kho_claim_slow().
 */
static __always_inline bool kho_claim_fast(struct kho_tracker *t,
					   unsigned long pfn,
					   unsigned int order,
					   unsigned long key, int *ret)
{
	unsigned long bit = kho_leaf_bit(key);
	unsigned long *leaf, orders;

	orders = READ_ONCE(t->orders);
	if (!(orders & BIT(order)) || (orders & (BIT(order) - 1)))
		return false;
	leaf = kho_leaf_find(kho_tree_read(t, order), key);
	if (!leaf)
		return false;
	if (order)
		kho_hull_extend(t, order, pfn);
	*ret = -EEXIST;
	if (test_and_set_bit(bit, leaf))
		return true;
	if (READ_ONCE(t->sealed)) {
		clear_bit(bit, leaf);
		*ret = -EBUSY;
		return true;
	}
	/* Read again after the barrier: a lower order may have come. */
	orders = READ_ONCE(t->orders);
	if (orders & (BIT(order) - 1)) {
		clear_bit(bit, leaf);
		return false;
	}
	if (kho_contained_in(t, pfn, orders & ~GENMASK(order, 0))) {
		clear_bit(bit, leaf);
		return true;
	}
	*ret = 0;
	return true;
}

static __always_inline int kho_claim(struct kho_tracker *t, unsigned long pfn,
				     unsigned int order, bool may_sleep)
{
	unsigned long key;
	int err;

	err = kho_key(pfn, order, &key);
	if (err)
		return err;
	if (kho_claim_fast(t, pfn, order, key, &err))
		return err;
	return kho_claim_slow(t, pfn, order, key, may_sleep);
}

static noinline int kho_claim_order0(struct kho_tracker *t, unsigned long pfn,
				     bool may_sleep)
{
	return kho_claim(t, pfn, 0, may_sleep);
}

/**
 * kho_tracker_claim() - record a folio no folio of another order overlaps
 * @t: the tracker
 * @pfn: the folio's first pfn
 * @order: the folio's order
 * @may_sleep: allocate missing nodes; if false, never sleeps and never
 *	changes the tree's shape, only sets and clears one bit
 *
 * The bit is set first and the other orders searched after, each step a
 * full barrier: of two claims of overlapping folios of different orders
 * racing, at least one sees the other and undoes its bit (at worst both).
 * Only orders set in this tracker since it was made are searched.
 *
 * Return: as kho_tracker_set(), -EEXIST also for an overlap, and -EAGAIN
 * without @may_sleep if a node on the path is missing.
 */
int kho_tracker_claim(struct kho_tracker *t, unsigned long pfn,
		      unsigned int order, bool may_sleep)
{
	/* Order 0 is most folios: its own copy, with the order a constant. */
	if (!order)
		return kho_claim_order0(t, pfn, may_sleep);
	return kho_claim(t, pfn, order, may_sleep);
}

/**
 * kho_tracker_seal() - make every set and claim from now on fail, or not
 * @t: the tracker
 * @sealed: true once the header holding @t's roots is sealed
 *
 * Claims that take no lock read the seal after setting their bit (a full
 * barrier) and undo the bit if it is set: a claim that returns 0 set its
 * bit before the seal. The caller makes sure nothing else changes @t
 * while sealed (kho_out.preserve_sem).
 */
void kho_tracker_seal(struct kho_tracker *t, bool sealed)
{
	WRITE_ONCE(t->sealed, sealed);
}

/**
 * kho_tracker_clear() - forget a preserved folio
 * @t: the tracker
 * @pfn: the folio's first pfn
 * @order: the folio's order
 *
 * Nodes left empty stay in the tree until kho_tracker_destroy().
 *
 * Return: 0; -EINVAL for a folio kho_tracker_set() would refuse; -ENOENT
 * if it is not set.
 */
int kho_tracker_clear(struct kho_tracker *t, unsigned long pfn,
		      unsigned int order)
{
	unsigned long *leaf;
	unsigned long key;
	int err;

	err = kho_key(pfn, order, &key);
	if (err)
		return err;
	leaf = kho_leaf_find(kho_tree_read(t, order), key);
	if (!leaf || !test_and_clear_bit(kho_leaf_bit(key), leaf))
		return -ENOENT;
	return 0;
}

/**
 * kho_tracker_test() - is a folio preserved
 * @t: the tracker
 * @pfn: the folio's first pfn
 * @order: the folio's order
 *
 * Return: true if exactly this folio (@pfn at @order) is set.
 */
bool kho_tracker_test(struct kho_tracker *t, unsigned long pfn,
		      unsigned int order)
{
	unsigned long key;

	return !kho_key(pfn, order, &key) && kho_key_is_set(t, order, key);
}

/**
 * kho_tracker_containing() - the order of the preserved folio holding a pfn
 * @t: the tracker
 * @pfn: any pfn
 *
 * Return: the order of the folio that contains @pfn, or -ENOENT.
 */
int kho_tracker_containing(struct kho_tracker *t, unsigned long pfn)
{
	unsigned int order;

	for (order = 0; order <= KHO_MAX_ORDER; order++)
		if (kho_key_is_set(t, order, pfn >> order))
			return order;
	return -ENOENT;
}

/**
 * kho_tracker_find() - the order of the preserved folio starting at a pfn
 * @t: the tracker
 * @pfn: the folio's first pfn
 *
 * Empty trees cost one root read, so this also serves a tracker received
 * from the previous kernel, whose counters say nothing.
 *
 * Return: the lowest order at which @pfn is set, or -ENOENT.
 */
int kho_tracker_find(struct kho_tracker *t, unsigned long pfn)
{
	unsigned int order;

	for (order = 0; order <= KHO_MAX_ORDER; order++) {
		/* Unaligned here means unaligned at every higher order. */
		if (!IS_ALIGNED(pfn, 1UL << order))
			break;
		if (kho_tracker_test(t, pfn, order))
			return order;
	}
	return -ENOENT;
}

/*
 * Is any key in [@first, @last] set under @node, a node @level above the
 * leaves whose first key is @base? The range lies within the node's span.
 */
static bool kho_node_any(phys_addr_t node, unsigned int level,
			 unsigned long base, unsigned long first,
			 unsigned long last)
{
	unsigned int shift, i;
	const u64 *slots;

	if (!level) {
		unsigned long end = last - base + 1;

		return find_next_bit(phys_to_virt(node), end, first - base) < end;
	}
	slots = phys_to_virt(node);
	shift = kho_span_shift(level - 1);
	for (i = (first - base) >> shift; i <= (last - base) >> shift; i++) {
		phys_addr_t child = READ_ONCE(slots[i]);
		unsigned long child_base = base + ((unsigned long)i << shift);
		unsigned long child_last = child_base + (1UL << shift) - 1;

		if (child && kho_node_any(child, level - 1, child_base,
					  max(first, child_base),
					  min(last, child_last)))
			return true;
	}
	return false;
}

/* Is any key in [@first, @last] set in @tree? Absent subtrees are skipped. */
static bool kho_tree_any(struct kho_tree tree, unsigned long first,
			 unsigned long last)
{
	unsigned long span_last;

	if (!tree.top || KHO_ASSERT(tree.levels <= KHO_MAX_LEVELS))
		return false;
	span_last = (1UL << kho_span_shift(tree.levels)) - 1;
	if (first > span_last)
		return false;
	return kho_node_any(tree.top, tree.levels, 0, first,
			    min(last, span_last));
}

/**
 * kho_tracker_overlaps_in() - does a folio of some orders overlap a range
 * @t: the tracker
 * @pfn: first pfn of the range
 * @order: the range is 2^@order pages long
 * @orders: bit o set: search the folios of order o
 *
 * At orders above @order this finds the folio containing the range, at
 * lower orders any folio inside it.
 *
 * Return: true if a preserved folio of one of @orders overlaps
 * [@pfn, @pfn + 2^@order).
 */
bool kho_tracker_overlaps_in(struct kho_tracker *t, unsigned long pfn,
			     unsigned int order, unsigned long orders)
{
	unsigned long last;
	unsigned int o;

	if (order >= BITS_PER_LONG ||
	    check_add_overflow(pfn, (1UL << order) - 1, &last))
		last = ULONG_MAX;
	for_each_set_bit(o, &orders, KHO_MAX_ORDER + 1) {
		if (o && !kho_hull_meets(t, o, pfn, last))
			continue;
		if (kho_tree_any(kho_tree_read(t, o), pfn >> o, last >> o))
			return true;
	}
	return false;
}

/**
 * kho_tracker_overlaps() - does a preserved folio overlap a range
 * @t: the tracker
 * @pfn: first pfn of the range
 * @order: the range is 2^@order pages long
 *
 * Return: true if any preserved folio, of any order, overlaps
 * [@pfn, @pfn + 2^@order).
 */
bool kho_tracker_overlaps(struct kho_tracker *t, unsigned long pfn,
			  unsigned int order)
{
	return kho_tracker_overlaps_in(t, pfn, order,
				       GENMASK(KHO_MAX_ORDER, 0));
}

/*
 * A walk over the nodes of one tree. @enter sees each node before it is
 * read and may stop the walk with an error; @leaf sees each leaf's bitmap
 * and the key of its bit 0; @leave sees each node after everything under
 * it. Each may be NULL.
 */
struct kho_visitor {
	int (*enter)(struct kho_visitor *v, phys_addr_t node);
	int (*leaf)(struct kho_visitor *v, const unsigned long *bits,
		    unsigned long base);
	void (*leave)(struct kho_visitor *v, phys_addr_t node);
	unsigned int order;
};

static int kho_visit_node(struct kho_visitor *v, phys_addr_t node,
			  unsigned int level, unsigned long base);

static int kho_visit_children(struct kho_visitor *v, const u64 *slots,
			      unsigned int level, unsigned long base)
{
	unsigned int shift = kho_span_shift(level - 1);
	unsigned int i;
	int err;

	for (i = 0; i < KHO_NODE_SLOTS; i++) {
		phys_addr_t child = READ_ONCE(slots[i]);

		if (!child)
			continue;
		err = kho_visit_node(v, child, level - 1,
				     base + ((unsigned long)i << shift));
		if (err)
			return err;
	}
	return 0;
}

/* Recursion depth is the tree's levels, at most KHO_MAX_LEVELS. */
static int kho_visit_node(struct kho_visitor *v, phys_addr_t node,
			  unsigned int level, unsigned long base)
{
	int err = 0;

	if (v->enter)
		err = v->enter(v, node);
	if (err)
		return err;
	if (level)
		err = kho_visit_children(v, phys_to_virt(node), level, base);
	else if (v->leaf)
		err = v->leaf(v, phys_to_virt(node), base);
	if (!err && v->leave)
		v->leave(v, node);
	return err;
}

static int kho_visit_tree(struct kho_visitor *v, unsigned int order,
			  struct kho_tree tree)
{
	if (!tree.top)
		return 0;
	if (KHO_ASSERT(tree.levels <= KHO_MAX_LEVELS))
		return -EINVAL;
	v->order = order;
	return kho_visit_node(v, tree.top, tree.levels, 0);
}

/*
 * Find the first run of set bits in a leaf at or after *@start. On success
 * the run is [*@start, *@end); *@end is a clear bit or the leaf's end.
 */
static bool kho_next_run(const unsigned long *bits, unsigned long *start,
			 unsigned long *end)
{
	*start = find_next_bit(bits, KHO_LEAF_BITS, *start);
	if (*start >= KHO_LEAF_BITS)
		return false;
	*end = find_next_zero_bit(bits, KHO_LEAF_BITS, *start);
	return true;
}

/* A walk calling back for nodes, runs, or both. */
struct kho_walk {
	struct kho_visitor v;
	kho_node_fn node_fn;
	kho_run_fn run_fn;
	void *arg;
};

static int kho_walk_node(struct kho_visitor *v, phys_addr_t node)
{
	struct kho_walk *walk = container_of(v, struct kho_walk, v);

	return walk->node_fn(node, walk->arg);
}

static int kho_walk_leaf(struct kho_visitor *v, const unsigned long *bits,
			 unsigned long base)
{
	struct kho_walk *walk = container_of(v, struct kho_walk, v);
	unsigned long start, end;
	int err;

	for (start = 0; kho_next_run(bits, &start, &end); start = end) {
		err = walk->run_fn((base + start) << v->order, v->order,
				   end - start, walk->arg);
		if (err)
			return err;
	}
	return 0;
}

/* Every tree, orders ascending. */
static int kho_visit_all(struct kho_tracker *t, struct kho_visitor *v)
{
	unsigned int order;
	int err;

	for (order = 0; order <= KHO_MAX_ORDER; order++) {
		err = kho_visit_tree(v, order, kho_tree_read(t, order));
		if (err)
			return err;
	}
	return 0;
}

/**
 * kho_tracker_walk_all() - call functions for every node and every run
 * @t: the tracker
 * @node_fn: if not NULL, called with the physical address of each inner
 *	node and leaf, parents before their children
 * @run_fn: if not NULL, called with the first pfn, the order and the
 *	number of folios of each run of consecutive folios of one order
 * @arg: passed to both
 *
 * One pass over the trees. Orders ascend, and within an order pfns ascend.
 * A run never crosses a leaf (KHO_LEAF_BITS folios); callers that want
 * longer runs merge them.
 *
 * Return: 0, or the first non-zero value a function returned, which ends
 * the walk.
 */
int kho_tracker_walk_all(struct kho_tracker *t, kho_node_fn node_fn,
			 kho_run_fn run_fn, void *arg)
{
	struct kho_walk walk = {
		.v.enter = node_fn ? kho_walk_node : NULL,
		.v.leaf = run_fn ? kho_walk_leaf : NULL,
		.node_fn = node_fn,
		.run_fn = run_fn,
		.arg = arg,
	};

	return kho_visit_all(t, &walk.v);
}

/**
 * kho_tracker_walk() - call a function for every run of preserved folios
 * @t: the tracker
 * @fn: see kho_tracker_walk_all()'s @run_fn
 * @arg: passed to @fn
 *
 * Return: as kho_tracker_walk_all().
 */
int kho_tracker_walk(struct kho_tracker *t, kho_run_fn fn, void *arg)
{
	return kho_tracker_walk_all(t, NULL, fn, arg);
}

struct kho_count_walk {
	struct kho_visitor v;
	unsigned long folios;
};

static int kho_count_leaf(struct kho_visitor *v, const unsigned long *bits,
			  unsigned long base)
{
	struct kho_count_walk *walk = container_of(v, struct kho_count_walk, v);

	walk->folios += bitmap_weight(bits, KHO_LEAF_BITS);
	return 0;
}

/**
 * kho_tracker_count() - how many folios of one order are preserved
 * @t: the tracker
 * @order: the order
 *
 * Counted from the leaves, so that setting a bit stays the only write a
 * preserve makes: no shared counter for every preserver to bounce. With
 * concurrent set and clear, a count of some moment during the call.
 *
 * Return: the number of folios of @order.
 */
unsigned long kho_tracker_count(struct kho_tracker *t, unsigned int order)
{
	struct kho_count_walk walk = { .v.leaf = kho_count_leaf };

	if (order > KHO_MAX_ORDER)
		return 0;
	kho_visit_tree(&walk.v, order, kho_tree_read(t, order));
	return walk.folios;
}

/**
 * kho_tracker_walk_nodes() - call a function for every node page
 * @t: the tracker
 * @fn: see kho_tracker_walk_all()'s @node_fn
 * @arg: passed to @fn
 *
 * Return: as kho_tracker_walk_all().
 */
int kho_tracker_walk_nodes(struct kho_tracker *t, kho_node_fn fn, void *arg)
{
	return kho_tracker_walk_all(t, fn, NULL, arg);
}

static void kho_destroy_node(struct kho_visitor *v, phys_addr_t node)
{
	kho_node_free(phys_to_virt(node));
}

/**
 * kho_tracker_destroy() - free every node and empty the tracker
 * @t: the tracker, which nobody else may be using
 *
 * Node pages go back to the page allocator, so this is only for trees
 * whose pages came from it. The roots are left zeroed and the tracker can
 * be used again.
 */
void kho_tracker_destroy(struct kho_tracker *t)
{
	struct kho_visitor free_all = { .leave = kho_destroy_node };
	unsigned int order;

	for (order = 0; order < KHO_NR_ORDERS; order++) {
		if (order <= KHO_MAX_ORDER)
			kho_visit_tree(&free_all, order, kho_tree_read(t, order));
		kho_root_write(t, order, (struct kho_tree) {});
		kho_hull_reset(t, order, false);
	}
	t->orders = 0;
	atomic_long_set(&t->nr_nodes, 0);
}

struct kho_validator {
	struct kho_visitor v;
	const struct kho_tracker_check *check;
	unsigned long nr_visits;
	const char *why;
};

static int kho_reject(struct kho_validator *val, const char *why)
{
	val->why = why;
	return -EINVAL;
}

/*
 * A node is checked before anything reads it. Counting visits rather than
 * nodes also bounds a corrupt tree whose nodes share children.
 */
static int kho_validate_node(struct kho_visitor *v, phys_addr_t node)
{
	struct kho_validator *val = container_of(v, struct kho_validator, v);
	const struct kho_tracker_check *check = val->check;

	if (++val->nr_visits > check->max_nodes)
		return kho_reject(val, "tracker too many nodes");
	if (!PAGE_ALIGNED(node))
		return kho_reject(val, "tracker node unaligned");
	if (!check->is_usable(node, PAGE_SIZE, check->arg))
		return kho_reject(val, "tracker node outside RAM");
	return 0;
}

/* Every run must be usable RAM, and its pfns must be real pfns. */
static int kho_validate_leaf(struct kho_visitor *v, const unsigned long *bits,
			     unsigned long base)
{
	struct kho_validator *val = container_of(v, struct kho_validator, v);
	const struct kho_tracker_check *check = val->check;
	unsigned long key_limit = KHO_PFN_LIMIT >> v->order;
	unsigned long start, end;

	for (start = 0; kho_next_run(bits, &start, &end); start = end) {
		phys_addr_t phys, size;

		/* Checked in keys: a key shifted by the order may overflow. */
		if (base + end > key_limit)
			return kho_reject(val, "tracker folio beyond physical memory");
		phys = PFN_PHYS((base + start) << v->order);
		size = PFN_PHYS((end - start) << v->order);
		if (!check->is_usable(phys, size, check->arg))
			return kho_reject(val, "tracker folio not usable");
	}
	return 0;
}

static int kho_validate_root(struct kho_validator *val, struct kho_tracker *t,
			     unsigned int order)
{
	struct kho_tree tree = kho_root_raw(t, order);

	if (tree.levels > KHO_MAX_LEVELS)
		return kho_reject(val, "tracker too many levels");
	if (READ_ONCE(t->roots[order].reserved))
		return kho_reject(val, "tracker reserved field set");
	if (!tree.top)
		return 0;
	/* Exact in the readers' copy too: aligned top, levels checked. */
	if (!PAGE_ALIGNED(tree.top))
		return kho_reject(val, "tracker node unaligned");
	if (order > KHO_MAX_ORDER)
		return kho_reject(val, "tracker order too high");
	return kho_visit_tree(&val->v, order, tree);
}

/**
 * kho_tracker_validate() - check a tracker received from another kernel
 * @t: the tracker, initialized on the received roots
 * @check: what its nodes and folios may point at, and how many node
 *	visits to allow
 * @why: set on failure to a static string naming the problem; may be NULL
 *
 * Must pass before anything else trusts the tracker: it checks each root,
 * that every node is a page-aligned page @check accepts, that the walk
 * stays within @check->max_nodes visits, and that every run of preserved
 * folios is memory @check accepts. Nodes are read through the direct map
 * and never written.
 *
 * Return: 0, or -EINVAL with *@why set.
 */
int kho_tracker_validate(struct kho_tracker *t,
			 const struct kho_tracker_check *check,
			 const char **why)
{
	struct kho_validator val = {
		.v.enter = kho_validate_node,
		.v.leaf = kho_validate_leaf,
		.check = check,
	};
	unsigned int order;
	int err;

	for (order = 0; order < KHO_NR_ORDERS; order++) {
		err = kho_validate_root(&val, t, order);
		if (err) {
			if (why)
				*why = val.why;
			return err;
		}
	}
	return 0;
}
