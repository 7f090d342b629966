// SPDX-License-Identifier: GPL-2.0
/*
 * KHO test client (CONFIG_KHO_TEST), driven from /sys/kernel/debug/kho_test/.
 *
 * Outgoing kernel: writing "SIZE [seed=S] [order=N] [spread=N]" to
 * "preserve" allocates folios, of random orders or all of order N, until
 * they hold SIZE bytes, fills them with bytes derived from the seed and
 * preserves them, with the list of their (phys | order) in preserved
 * chunks of physically contiguous memory. spread=N allocates about N
 * folios for each one kept, at random, and frees the others: the kept
 * ones are scattered (sparse memory for the tracker). The handler
 * "kho-test" hands over where the chunks are. The preserve loop alone,
 * without allocating and filling, is timed:
 *
 *	kho_test: preserve: folios=N order=O ns=T ns_per_folio=X
 *
 * Incoming kernel: at late_initcall the node is looked up, every folio is
 * taken back, then every byte checked against the seed, each step timed:
 *
 *	kho_test: restore: folios=N ns=T ns_per_folio=X
 *	kho_test: check: bytes=B ns=T
 *
 * and exactly one line reports the outcome:
 *
 *	kho_test: verify PASS folios=N bytes=B seed=S generation=G
 *	kho_test: verify FAIL folios=N bad_folios=M bad_bytes=K seed=S
 *		generation=G reason=WHY (one line)
 *
 * For benchmarks, kho_test.verify=0 neither fills nor checks the contents
 * (the outcome is "verify UNCHECKED ..." unless a restore fails), and
 * kho_test.restore=0 leaves every folio to kho_finish().
 *
 * "generation" counts the handovers in a row that carried a kho-test node:
 * 1 for data the first kernel of a chain preserved.
 *
 * Locking: kho_test_lock serializes the debugfs files. The handler's
 * serialize only try-locks it, so a freeze that races with a writer fails
 * with -EBUSY instead of handing over a set that is still changing; once
 * frozen, the KHO core refuses further (un)preserve calls.
 */
#define pr_fmt(fmt) "kho_test: " fmt

#include <linux/atomic.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kho.h>
#include <linux/kstrtox.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <linux/libfdt.h>

#include "kho_internal.h"

#define KHO_TEST_NAME		"kho-test"
#define KHO_TEST_COMPATIBLE	"linux,kho-test-v2"

/*
 * The list of one set is kept in up to KHO_TEST_MAX_CHUNKS chunks of one
 * maximal buddy allocation each (the last one may be shorter).
 */
#define KHO_TEST_CHUNK		(PAGE_SIZE << MAX_PAGE_ORDER)
#define KHO_TEST_CHUNK_ENTRIES	(KHO_TEST_CHUNK / sizeof(u64))
#define KHO_TEST_MAX_CHUNKS	64
#define KHO_TEST_MAX_LIST	((size_t)KHO_TEST_MAX_CHUNKS * KHO_TEST_CHUNK)
#define KHO_TEST_MAX_BYTES	((u64)KHO_TEST_MAX_LIST / sizeof(u64) * PAGE_SIZE)
#define KHO_TEST_MAX_SPREAD	64

/*
 * The handover node's u64 properties, in the order they are written; then
 * "chunks", the physical address of each chunk of the list (be64 each).
 */
enum kho_test_prop {
	KHO_TEST_SEED,
	KHO_TEST_NR_FOLIOS,
	KHO_TEST_LIST_SIZE,
	KHO_TEST_TOTAL_BYTES,
	KHO_TEST_GENERATION,
	KHO_TEST_NR_PROPS
};

static const char * const kho_test_prop_names[KHO_TEST_NR_PROPS] = {
	[KHO_TEST_SEED]		= "seed",
	[KHO_TEST_NR_FOLIOS]	= "nr-folios",
	[KHO_TEST_LIST_SIZE]	= "list-size",
	[KHO_TEST_TOTAL_BYTES]	= "total-bytes",
	[KHO_TEST_GENERATION]	= "generation",
};

#define KHO_TEST_PROP_CHUNKS	"chunks"

/**
 * struct kho_test_set - the preserved test data of this kernel
 * @seed: the contents of folio i derive from (@seed, i)
 * @chunks: the list, (phys | order) of each folio; every chunk that is not
 *	NULL is preserved
 * @list_size: bytes of the list, a multiple of PAGE_SIZE; 0 if no set
 * @nr_alloc: entries of the list in use; every one is allocated
 * @nr_folios: the first @nr_folios of those are preserved too
 * @total_bytes: sum of the sizes of the @nr_alloc folios
 */
struct kho_test_set {
	u64 seed;
	u64 *chunks[KHO_TEST_MAX_CHUNKS];
	size_t list_size;
	unsigned long nr_alloc;
	unsigned long nr_folios;
	u64 total_bytes;
};

/**
 * struct kho_test_args - what a write to "preserve" asks for
 * @size: bytes of folios to preserve
 * @seed: their contents derive from it
 * @order: the order of every folio, or -1 for random orders
 * @spread: about @spread folios are allocated for each one kept
 */
struct kho_test_args {
	u64 size;
	u64 seed;
	int order;
	unsigned int spread;
};

/**
 * struct kho_test_verdict - what checking the incoming set found
 * @prop: the node's properties
 * @bytes: sum of the folio sizes the list records
 * @bad_folios: folios not restored, of the wrong order, or with bad bytes
 * @bad_bytes: bytes that differ from what the seed gives
 * @reason: the first failure, empty if none
 */
struct kho_test_verdict {
	u64 prop[KHO_TEST_NR_PROPS];
	u64 bytes;
	unsigned long bad_folios;
	u64 bad_bytes;
	char reason[32];
};

static DEFINE_MUTEX(kho_test_lock);
static struct kho_test_set kho_test_out;
static __be64 kho_test_chunk_phys[KHO_TEST_MAX_CHUNKS];	/* kho_test_lock */
static u64 kho_test_in_generation;
static atomic_t kho_test_abort_count = ATOMIC_INIT(0);
static char kho_test_result[192] = "none";

static bool fail_serialize;
module_param(fail_serialize, bool, 0644);
MODULE_PARM_DESC(fail_serialize, "Make serialize fail with -EIO");

static bool keep;
module_param(keep, bool, 0444);
MODULE_PARM_DESC(keep, "Keep the verified folios instead of freeing them");

static bool verify = true;
module_param(verify, bool, 0644);
MODULE_PARM_DESC(verify, "Fill and check folio contents (0: benchmarks)");

static bool restore = true;
module_param(restore, bool, 0444);
MODULE_PARM_DESC(restore, "Take the folios back at boot (0: leave them to kho_finish)");

static char *naive = "";
module_param(naive, charp, 0444);
MODULE_PARM_DESC(naive, "Controls: paths a test must catch, comma-separated");

/**
 * kho_test_naive - does this boot take a naive path on purpose?
 * @what: the path's name, as in kho_test.naive=
 *
 * For the controls of the tests of subtle properties: a run that takes the
 * stock or naive path instead must fail the same test.
 *
 * Return: true if @what is in kho_test.naive=.
 */
bool kho_test_naive(const char *what)
{
	size_t len = strlen(what);
	const char *p;

	for (p = naive; (p = strstr(p, what)); p += len)
		if ((p == naive || p[-1] == ',') && (!p[len] || p[len] == ','))
			return true;
	return false;
}
EXPORT_SYMBOL_GPL(kho_test_naive);

static unsigned int stretch_ms;
module_param(stretch_ms, uint, 0644);
MODULE_PARM_DESC(stretch_ms, "Sleep this long at each step of a path under test (0: off)");

/**
 * kho_test_stretch - widen a window a test must land in
 * @step: what just happened, for the log
 *
 * For the tests of a path that must stay correct at every instant (the
 * hitless replace): with kho_test.stretch_ms set, each step is followed by
 * that long a sleep, so that a device's DMA lands between the steps. The
 * log line lets the test see that the windows were opened.
 */
void kho_test_stretch(const char *step)
{
	unsigned int ms = READ_ONCE(stretch_ms);

	if (!ms)
		return;
	pr_info("stretch: %u ms after %s\n", ms, step);
	msleep(ms);
}
EXPORT_SYMBOL_GPL(kho_test_stretch);

/* ---- contents: a splitmix64-seeded xorshift64* stream per folio -------- */

static u64 kho_test_mix(u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static u64 kho_test_next(u64 *state)
{
	u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* The first state of folio @idx's stream; xorshift needs it nonzero. */
static u64 kho_test_stream(u64 seed, unsigned long idx)
{
	return kho_test_mix(seed ^ kho_test_mix(idx)) | 1;
}

static void kho_test_fill(struct folio *folio, u64 seed, unsigned long idx)
{
	size_t i, n = folio_size(folio) / sizeof(u64);
	u64 state = kho_test_stream(seed, idx);
	u64 *p = folio_address(folio);

	for (i = 0; i < n; i++)
		p[i] = kho_test_next(&state);
}

static unsigned int kho_test_bytes_differ(u64 diff)
{
	unsigned int n = 0;

	for (; diff; diff >>= 8)
		n += !!(diff & 0xff);
	return n;
}

/* Returns how many bytes of @folio differ from the stream of (@seed, @idx). */
static u64 kho_test_check(struct folio *folio, u64 seed, unsigned long idx)
{
	size_t i, n = folio_size(folio) / sizeof(u64);
	u64 state = kho_test_stream(seed, idx);
	const u64 *p = folio_address(folio);
	u64 bad = 0;

	for (i = 0; i < n; i++)
		bad += kho_test_bytes_differ(p[i] ^ kho_test_next(&state));
	return bad;
}

/* ---- list entries: phys | order ----------------------------------------- */

static u64 kho_test_entry(struct folio *folio)
{
	return PFN_PHYS(folio_pfn(folio)) | folio_order(folio);
}

static phys_addr_t kho_test_entry_phys(u64 entry)
{
	return entry & PAGE_MASK;
}

static unsigned int kho_test_entry_order(u64 entry)
{
	return entry & ~PAGE_MASK;
}

static struct folio *kho_test_entry_folio(u64 entry)
{
	return pfn_folio(PHYS_PFN(kho_test_entry_phys(entry)));
}

static unsigned int kho_test_nr_chunks(size_t list_size)
{
	return DIV_ROUND_UP(list_size, KHO_TEST_CHUNK);
}

static size_t kho_test_chunk_size(size_t list_size, unsigned int i)
{
	return min_t(size_t, list_size - (size_t)i * KHO_TEST_CHUNK,
		     KHO_TEST_CHUNK);
}

/* Entry @i of a list kept in @chunks. */
static u64 *kho_test_slot(u64 * const *chunks, unsigned long i)
{
	return &chunks[i / KHO_TEST_CHUNK_ENTRIES][i % KHO_TEST_CHUNK_ENTRIES];
}

/* ns per item, rounded down; 0 for no items. */
static u64 kho_test_per(u64 ns, unsigned long nr)
{
	return nr ? div64_u64(ns, nr) : 0;
}

/* ---- outgoing: preserve and unpreserve, under kho_test_lock -------------- */

/* A folio of @order, or of the highest lower order the allocator has. */
static struct folio *kho_test_alloc_folio(unsigned int order)
{
	struct folio *folio;

	for (;;) {
		folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN, order);
		if (folio || !order)
			return folio;
		order--;
	}
}

/* Allocate and preserve chunks for a list of @nr_entries entries. */
static int kho_test_list_alloc(struct kho_test_set *set, u64 nr_entries)
{
	size_t list_size = PAGE_ALIGN(nr_entries * sizeof(u64));
	unsigned int i;
	int err;

	if (list_size > KHO_TEST_MAX_LIST)
		return -EINVAL;
	set->list_size = list_size;
	for (i = 0; i < kho_test_nr_chunks(list_size); i++) {
		size_t size = kho_test_chunk_size(list_size, i);
		u64 *chunk = alloc_pages_exact(size, GFP_KERNEL | __GFP_NOWARN);

		if (!chunk)
			return -ENOMEM;
		err = kho_preserve_pages(virt_to_page(chunk), size >> PAGE_SHIFT);
		if (err) {
			free_pages_exact(chunk, size);
			return err;
		}
		set->chunks[i] = chunk;
	}
	return 0;
}

/* Allocate @nr folios of @order onto @spares. */
static int kho_test_alloc_spares(struct list_head *spares, unsigned int order,
				 unsigned int nr)
{
	struct folio *folio;

	while (nr--) {
		folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN, order);
		if (!folio)
			return -ENOMEM;
		list_add(&folio->lru, spares);
	}
	return 0;
}

/*
 * Allocate (and fill) folios into @set until it holds @size bytes: of
 * @order, or of random orders if it is negative. With @spread > 1, a
 * random number of spare folios (@spread - 1 on average) is allocated
 * before each one and freed at the end.
 */
static int kho_test_alloc_folios(struct kho_test_set *set, u64 size,
				 int order, unsigned int spread)
{
	u64 rng = kho_test_mix(~set->seed) | 1;
	struct folio *folio, *next;
	LIST_HEAD(spares);
	unsigned int o;
	int err = 0;

	while (set->total_bytes < size) {
		o = order;
		if (order < 0)
			o = min_t(unsigned int,
				  (u32)kho_test_next(&rng) % (MAX_PAGE_ORDER + 1),
				  ilog2((size - set->total_bytes) >> PAGE_SHIFT));
		if (spread > 1)
			err = kho_test_alloc_spares(&spares, o,
						    (u32)kho_test_next(&rng) %
						    (2 * spread - 1));
		if (err)
			break;
		folio = order < 0 ? kho_test_alloc_folio(o) :
			folio_alloc(GFP_KERNEL | __GFP_NOWARN, o);
		if (!folio) {
			err = -ENOMEM;
			break;
		}
		if (verify)
			kho_test_fill(folio, set->seed, set->nr_alloc);
		*kho_test_slot(set->chunks, set->nr_alloc++) = kho_test_entry(folio);
		set->total_bytes += folio_size(folio);
		cond_resched();
	}
	list_for_each_entry_safe(folio, next, &spares, lru) {
		list_del(&folio->lru);
		folio_put(folio);
	}
	return err;
}

/*
 * Preserve the folios of @set. Only the loop over kho_preserve_folio() is
 * timed: it runs over an array of the folios, made first from the list,
 * so the figure holds little besides the call.
 */
static int kho_test_preserve_folios(struct kho_test_set *set, int order)
{
	unsigned long i, nr = set->nr_alloc - set->nr_folios;
	struct folio **folios;
	int err = 0;
	u64 ns;

	folios = kvmalloc_array(nr, sizeof(*folios), GFP_KERNEL);
	if (!folios)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		u64 entry = *kho_test_slot(set->chunks, set->nr_folios + i);

		folios[i] = kho_test_entry_folio(entry);
	}
	ns = ktime_get_ns();
	for (i = 0; i < nr && !err; i++) {
		err = kho_preserve_folio(folios[i]);
		if (!(i % 1024))
			cond_resched();
	}
	ns = ktime_get_ns() - ns;
	kvfree(folios);
	set->nr_folios += err ? i - 1 : i;
	if (err)
		return err;
	if (order < 0)
		pr_info("preserve: folios=%lu order=random ns=%llu ns_per_folio=%llu\n",
			set->nr_folios, ns, kho_test_per(ns, set->nr_folios));
	else
		pr_info("preserve: folios=%lu order=%d ns=%llu ns_per_folio=%llu\n",
			set->nr_folios, order, ns, kho_test_per(ns, set->nr_folios));
	return 0;
}

/*
 * Unpreserve and free everything in @set, last folio first. If the core
 * refuses an unpreserve (a freeze is under way), stop there: what is left
 * is still a consistent, fully preserved set, and the error is returned.
 */
static int kho_test_release(struct kho_test_set *set)
{
	struct folio *folio;
	unsigned int i;
	int err;

	lockdep_assert_held(&kho_test_lock);
	while (set->nr_alloc) {
		folio = kho_test_entry_folio(*kho_test_slot(set->chunks,
							    set->nr_alloc - 1));
		if (set->nr_alloc == set->nr_folios) {
			err = kho_unpreserve_folio(folio);
			if (err)
				goto busy;
			set->nr_folios--;
		}
		set->nr_alloc--;
		set->total_bytes -= folio_size(folio);
		folio_put(folio);
	}
	for (i = kho_test_nr_chunks(set->list_size); i--; ) {
		size_t size = kho_test_chunk_size(set->list_size, i);

		if (!set->chunks[i])
			continue;
		err = kho_unpreserve_pages(virt_to_page(set->chunks[i]),
					   size >> PAGE_SHIFT);
		if (err)
			goto busy;
		free_pages_exact(set->chunks[i], size);
		set->chunks[i] = NULL;
	}
	memset(set, 0, sizeof(*set));
	return 0;
busy:
	pr_warn("unpreserve refused (%d), %lu folios stay preserved\n",
		err, set->nr_folios);
	return err;
}

/* Leave the kernel 1 GiB, or half of a smaller machine. */
static u64 kho_test_max_bytes(void)
{
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;

	return min(max(ram / 2, ram > SZ_1G ? ram - SZ_1G : 0),
		   KHO_TEST_MAX_BYTES);
}

static int kho_test_preserve(const struct kho_test_args *args)
{
	struct kho_test_set *set = &kho_test_out;
	unsigned int shift = PAGE_SHIFT + max(args->order, 0);
	int err;

	lockdep_assert_held(&kho_test_lock);
	if (!args->size || !IS_ALIGNED(args->size, 1ULL << shift) ||
	    !args->spread || args->spread > KHO_TEST_MAX_SPREAD ||
	    args->size > div_u64(kho_test_max_bytes(), args->spread))
		return -EINVAL;
	if (set->list_size || kho_is_frozen())
		return -EBUSY;

	set->seed = args->seed;
	err = kho_test_list_alloc(set, args->size >> shift);
	if (!err)
		err = kho_test_alloc_folios(set, args->size, args->order,
					    args->spread);
	if (!err)
		err = kho_test_preserve_folios(set, args->order);
	if (err) {
		kho_test_release(set);
		return err;
	}
	pr_info("preserved folios=%lu bytes=%llu seed=%llu\n",
		set->nr_folios, set->total_bytes, set->seed);
	return 0;
}

/* ---- the handler --------------------------------------------------------- */

static int kho_test_serialize(struct kho_handler *handler, struct kho_fdt *fdt)
{
	const struct kho_test_set *set = &kho_test_out;
	unsigned int nr_chunks = kho_test_nr_chunks(set->list_size);
	u64 prop[KHO_TEST_NR_PROPS];
	int i, err = 0;

	if (READ_ONCE(fail_serialize)) {
		pr_warn("serialize: failing on purpose (fail_serialize)\n");
		return -EIO;
	}
	if (!mutex_trylock(&kho_test_lock))
		return -EBUSY;

	prop[KHO_TEST_SEED] = set->seed;
	prop[KHO_TEST_NR_FOLIOS] = set->nr_folios;
	prop[KHO_TEST_LIST_SIZE] = set->list_size;
	prop[KHO_TEST_TOTAL_BYTES] = set->total_bytes;
	prop[KHO_TEST_GENERATION] = kho_test_in_generation + 1;
	for (i = 0; i < KHO_TEST_NR_PROPS && !err; i++)
		err = kho_fdt_property_u64(fdt, kho_test_prop_names[i], prop[i]);
	for (i = 0; i < nr_chunks; i++)
		kho_test_chunk_phys[i] = cpu_to_be64(virt_to_phys(set->chunks[i]));
	if (!err)
		err = kho_fdt_property(fdt, KHO_TEST_PROP_CHUNKS, kho_test_chunk_phys,
				       nr_chunks * sizeof(kho_test_chunk_phys[0]));

	mutex_unlock(&kho_test_lock);
	return err;
}

static void kho_test_abort(struct kho_handler *handler)
{
	atomic_inc(&kho_test_abort_count);
	pr_info("abort\n");
}

/* A set is preserved: only a handover can carry it. */
static bool kho_test_has_state(struct kho_handler *handler)
{
	return READ_ONCE(kho_test_out.list_size);
}

static struct kho_handler kho_test_handler = {
	.name = KHO_TEST_NAME,
	.compatible = KHO_TEST_COMPATIBLE,
	.serialize = kho_test_serialize,
	.abort = kho_test_abort,
	.has_state = kho_test_has_state,
};

/*
 * The canary registers before kho-test and always serializes, so when
 * kho-test fails on purpose the core must abort the canary: its count of
 * aborts shows that handlers serialized before a failure are undone.
 */
static atomic_t kho_test_canary_aborts = ATOMIC_INIT(0);

static int kho_test_canary_serialize(struct kho_handler *handler,
				     struct kho_fdt *fdt)
{
	return kho_fdt_property_u64(fdt, "canary", 1);
}

static void kho_test_canary_abort(struct kho_handler *handler)
{
	atomic_inc(&kho_test_canary_aborts);
	pr_info("canary abort\n");
}

/* Its node is a constant: nothing a plain kexec would lose. */
static bool kho_test_canary_has_state(struct kho_handler *handler)
{
	return false;
}

static struct kho_handler kho_test_canary = {
	.name = KHO_TEST_NAME "-canary",
	.compatible = "linux,kho-test-canary-v1",
	.serialize = kho_test_canary_serialize,
	.abort = kho_test_canary_abort,
	.has_state = kho_test_canary_has_state,
};

/* ---- incoming: verify at late_initcall ----------------------------------- */

static u64 *kho_test_in_chunks[KHO_TEST_MAX_CHUNKS] __initdata;

static __printf(2, 3) void kho_test_bad(struct kho_test_verdict *v,
					const char *fmt, ...)
{
	va_list args;

	if (v->reason[0])
		return;
	va_start(args, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, args);
	va_end(args);
}

static int kho_test_read_props(const void *fdt, int node,
			       struct kho_test_verdict *v)
{
	int i, err;

	for (i = 0; i < KHO_TEST_NR_PROPS; i++) {
		err = kho_fdt_u64(fdt, node, kho_test_prop_names[i], &v->prop[i]);
		if (err) {
			kho_test_bad(v, "prop-%s:%d", kho_test_prop_names[i], err);
			return err;
		}
	}
	return 0;
}

/*
 * Check the list's properties; 0 if the list may be restored, with
 * *@chunks set to the physical address of each of its chunks.
 */
static int kho_test_check_list(const void *fdt, int node,
			       struct kho_test_verdict *v, const __be64 **chunks)
{
	u64 nr = v->prop[KHO_TEST_NR_FOLIOS];
	u64 size = v->prop[KHO_TEST_LIST_SIZE];
	unsigned int i;
	int len;

	*chunks = fdt_getprop(fdt, node, KHO_TEST_PROP_CHUNKS, &len);
	if (!*chunks) {
		kho_test_bad(v, "prop-" KHO_TEST_PROP_CHUNKS);
		return -ENOENT;
	}
	if (!size && !nr && !len && !v->prop[KHO_TEST_TOTAL_BYTES])
		return 0;	/* the previous kernel preserved nothing */
	if (!PAGE_ALIGNED(size) || !size || size > KHO_TEST_MAX_LIST ||
	    nr > size / sizeof(u64) ||
	    v->prop[KHO_TEST_TOTAL_BYTES] / PAGE_SIZE < nr ||
	    len != kho_test_nr_chunks(size) * sizeof(**chunks))
		goto bad;
	for (i = 0; i < kho_test_nr_chunks(size); i++)
		if (!be64_to_cpu((*chunks)[i]) ||
		    !PAGE_ALIGNED(be64_to_cpu((*chunks)[i])))
			goto bad;
	return 0;
bad:
	kho_test_bad(v, "bad-list");
	return -EINVAL;
}

/* Properties and list of the node at @node of @fdt; 0 if restorable. */
static int kho_test_check_props(const void *fdt, int node,
				struct kho_test_verdict *v,
				const __be64 **chunks)
{
	return kho_test_read_props(fdt, node, v) ?:
	       kho_test_check_list(fdt, node, v, chunks);
}

/**
 * kho_test_check_node - is a kho-test node well formed?
 * @fdt: a root FDT
 * @node: its kho-test node
 *
 * What the incoming side checks before it restores anything, on any FDT:
 * the KUnit suite runs it on the kho-dump fixtures.
 *
 * Return: 0 or a negative errno.
 */
int kho_test_check_node(const void *fdt, int node)
{
	struct kho_test_verdict v = {};
	const __be64 *chunks;

	return kho_test_check_props(fdt, node, &v, &chunks);
}

/* Take back the folio of *@entry; if that fails, *@entry becomes 0. */
static void __init kho_test_restore_entry(struct kho_test_verdict *v,
					  u64 *entry)
{
	unsigned int order = kho_test_entry_order(*entry);
	phys_addr_t phys = kho_test_entry_phys(*entry);
	struct folio *folio;

	if (order > MAX_PAGE_ORDER || !IS_ALIGNED(phys, PAGE_SIZE << order)) {
		kho_test_bad(v, "bad-entry");
		goto bad;
	}
	v->bytes += PAGE_SIZE << order;
	folio = kho_restore_folio(phys);
	if (!folio) {
		kho_test_bad(v, "restore-folio");
		goto bad;
	}
	if (folio_order(folio) == order)
		return;
	kho_test_bad(v, "order");
	folio_put(folio);
bad:
	v->bad_folios++;
	*entry = 0;
}

/* Check the bytes of the restored folio of @entry, the list's @idx'th. */
static u64 __init kho_test_check_entry(struct kho_test_verdict *v, u64 entry,
				       unsigned long idx)
{
	struct folio *folio;
	u64 bad;

	if (!entry)
		return 0;
	folio = kho_test_entry_folio(entry);
	bad = kho_test_check(folio, v->prop[KHO_TEST_SEED], idx);
	if (bad) {
		v->bad_bytes += bad;
		v->bad_folios++;
		kho_test_bad(v, "data");
	}
	return folio_size(folio);
}

/* Restore every folio, then check them: each loop is timed. */
static void __init kho_test_verify_entries(struct kho_test_verdict *v,
					   u64 * const *chunks)
{
	unsigned long i, nr = v->prop[KHO_TEST_NR_FOLIOS];
	u64 ns, bytes = 0;

	ns = ktime_get_ns();
	for (i = 0; i < nr; i++) {
		kho_test_restore_entry(v, kho_test_slot(chunks, i));
		if (!(i % 1024))
			cond_resched();
	}
	ns = ktime_get_ns() - ns;
	pr_info("restore: folios=%lu ns=%llu ns_per_folio=%llu\n",
		nr, ns, kho_test_per(ns, nr));
	/* Each folio comes back once: a second restore must find nothing. */
	if (nr && *kho_test_slot(chunks, 0) &&
	    kho_restore_folio(kho_test_entry_phys(*kho_test_slot(chunks, 0))))
		kho_test_bad(v, "restored-twice");
	if (!verify)
		return;

	ns = ktime_get_ns();
	for (i = 0; i < nr; i++) {
		bytes += kho_test_check_entry(v, *kho_test_slot(chunks, i), i);
		cond_resched();
	}
	ns = ktime_get_ns() - ns;
	pr_info("check: bytes=%llu ns=%llu\n", bytes, ns);
}

static void __init kho_test_verify_folios(struct kho_test_verdict *v,
					  const __be64 *chunk_phys)
{
	size_t size = v->prop[KHO_TEST_LIST_SIZE];
	unsigned int i, nr_chunks = kho_test_nr_chunks(size);
	unsigned long j;
	struct page *page;

	if (!size)
		return;
	for (i = 0; i < nr_chunks; i++) {
		page = kho_restore_pages(be64_to_cpu(chunk_phys[i]),
					 kho_test_chunk_size(size, i) >> PAGE_SHIFT);
		if (!page) {
			kho_test_bad(v, "restore-list");
			goto out;
		}
		kho_test_in_chunks[i] = page_address(page);
	}
	kho_test_verify_entries(v, kho_test_in_chunks);
	if (v->bytes != v->prop[KHO_TEST_TOTAL_BYTES])
		kho_test_bad(v, "total-bytes");
	if (keep)
		return;
	for (j = 0; j < v->prop[KHO_TEST_NR_FOLIOS]; j++) {
		u64 entry = *kho_test_slot(kho_test_in_chunks, j);

		if (entry)
			folio_put(kho_test_entry_folio(entry));
		if (!(j % 1024))
			cond_resched();
	}
out:
	for (i = 0; i < nr_chunks && kho_test_in_chunks[i]; i++)
		free_pages_exact(kho_test_in_chunks[i],
				 kho_test_chunk_size(size, i));
}

static void __init kho_test_report(struct kho_test_verdict *v)
{
	if (!v->reason[0])
		snprintf(kho_test_result, sizeof(kho_test_result),
			 "verify %s folios=%llu bytes=%llu seed=%llu generation=%llu",
			 verify ? "PASS" : "UNCHECKED",
			 v->prop[KHO_TEST_NR_FOLIOS], v->bytes,
			 v->prop[KHO_TEST_SEED], v->prop[KHO_TEST_GENERATION]);
	else
		snprintf(kho_test_result, sizeof(kho_test_result),
			 "verify FAIL folios=%llu bad_folios=%lu bad_bytes=%llu seed=%llu generation=%llu reason=%s",
			 v->prop[KHO_TEST_NR_FOLIOS], v->bad_folios, v->bad_bytes,
			 v->prop[KHO_TEST_SEED], v->prop[KHO_TEST_GENERATION],
			 v->reason);
	pr_info("%s\n", kho_test_result);
}

/* Check what the previous kernel handed over, if anything. */
static void __init kho_test_verify(void)
{
	struct kho_test_verdict v = {};
	const __be64 *chunks;
	int node;

	node = kho_find_node(KHO_TEST_NAME, KHO_TEST_COMPATIBLE);
	if (node == -ENOENT || node == -ENODEV)
		return;		/* a cold boot, or no kho-test node */
	if (node < 0) {
		kho_test_bad(&v, "find:%d", node);
	} else if (!kho_test_check_props(kho_in.fdt, node, &v, &chunks)) {
		if (!restore) {
			kho_test_in_generation = v.prop[KHO_TEST_GENERATION];
			pr_info("restore: skipped (restore=0): %llu folios left to kho_finish\n",
				v.prop[KHO_TEST_NR_FOLIOS]);
			return;
		}
		kho_test_verify_folios(&v, chunks);
	}
	kho_test_in_generation = v.prop[KHO_TEST_GENERATION];
	kho_test_report(&v);
}

/**
 * kho_test_corrupt_node - break the kho-test node of a frozen root FDT
 * @fdt: the root FDT
 * @how: "kho-test-chunks": the first chunk of the list is a page nobody
 *	preserved (the header's); "kho-test-nr-folios": more folios than
 *	the list holds; "kho-test-seed": another seed, so every byte differs
 * @rnd: a random number, for the details
 *
 * For the corrupt knob (corrupt.c): each must make the next kernel's
 * verify fail, with nothing taken that was not preserved.
 *
 * Return: 0, -ENOENT without a kho-test node with a list, -EINVAL for an
 * unknown @how.
 */
int kho_test_corrupt_node(void *fdt, const char *how, u64 rnd)
{
	int node = fdt_subnode_offset(fdt, 0, KHO_TEST_NAME), len;
	u64 val;
	fdt64_t *chunks;

	if (node < 0 || kho_fdt_u64(fdt, node, kho_test_prop_names[KHO_TEST_NR_FOLIOS], &val) ||
	    !val)
		return -ENOENT;
	if (!strcmp(how, "kho-test-nr-folios"))
		return fdt_setprop_inplace_u64(fdt, node,
					       kho_test_prop_names[KHO_TEST_NR_FOLIOS],
					       val + 1 + rnd % SZ_1K) ? -EIO : 0;
	if (!strcmp(how, "kho-test-seed")) {
		kho_fdt_u64(fdt, node, kho_test_prop_names[KHO_TEST_SEED], &val);
		return fdt_setprop_inplace_u64(fdt, node, kho_test_prop_names[KHO_TEST_SEED],
					       val ^ BIT_ULL(rnd % 64)) ? -EIO : 0;
	}
	if (strcmp(how, "kho-test-chunks"))
		return -EINVAL;
	chunks = fdt_getprop_w(fdt, node, KHO_TEST_PROP_CHUNKS, &len);
	if (!chunks || len < sizeof(*chunks))
		return -ENOENT;
	chunks[0] = cpu_to_fdt64(virt_to_phys(kho_out.hdr));
	return 0;
}

/* ---- debugfs ------------------------------------------------------------- */

/* Copy a short user string into @buf, NUL-terminated and trimmed. */
static int kho_test_get_word(const char __user *ubuf, size_t count,
			     char *buf, size_t size, char **word)
{
	if (!count || count >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	*word = strim(buf);
	return 0;
}

/* One "name=value" word of a preserve request. */
static int kho_test_parse_option(char *word, struct kho_test_args *args,
				 bool *seeded)
{
	size_t n;
	int err;

	n = str_has_prefix(word, "seed=");
	if (n) {
		*seeded = true;
		return kstrtou64(word + n, 0, &args->seed);
	}
	n = str_has_prefix(word, "order=");
	if (n) {
		err = kstrtoint(word + n, 0, &args->order);
		if (!err && (args->order < 0 || args->order > MAX_PAGE_ORDER))
			err = -EINVAL;
		return err;
	}
	n = str_has_prefix(word, "spread=");
	if (n)
		return kstrtouint(word + n, 0, &args->spread);
	return -EINVAL;
}

/* "SIZE[KMG] [seed=N] [order=N] [spread=N]" */
static int kho_test_parse_preserve(char *s, struct kho_test_args *args)
{
	bool seeded = false;
	char *end, *word;
	int err = 0;

	args->order = -1;
	args->spread = 1;
	args->size = memparse(s, &end);
	if (end == s || (*end && !isspace(*end)))
		return -EINVAL;
	s = skip_spaces(end);
	while (!err && (word = strsep(&s, " \t"))) {
		if (*word)
			err = kho_test_parse_option(word, args, &seeded);
	}
	if (!seeded)
		args->seed = get_random_u64();
	return err;
}

static ssize_t kho_test_preserve_write(struct file *file, const char __user *ubuf,
				       size_t count, loff_t *ppos)
{
	struct kho_test_args args;
	char buf[96], *s;
	int err;

	err = kho_test_get_word(ubuf, count, buf, sizeof(buf), &s);
	if (!err)
		err = kho_test_parse_preserve(s, &args);
	if (err)
		return err;

	mutex_lock(&kho_test_lock);
	err = kho_test_preserve(&args);
	mutex_unlock(&kho_test_lock);
	return err ?: count;
}

static int kho_test_preserve_show(struct seq_file *m, void *unused)
{
	const struct kho_test_set *set = &kho_test_out;

	mutex_lock(&kho_test_lock);
	if (set->list_size)
		seq_printf(m, "folios=%lu bytes=%llu seed=%llu\n",
			   set->nr_folios, set->total_bytes, set->seed);
	else
		seq_puts(m, "none\n");
	mutex_unlock(&kho_test_lock);
	return 0;
}

static int kho_test_preserve_open(struct inode *inode, struct file *file)
{
	return single_open(file, kho_test_preserve_show, NULL);
}

static const struct file_operations kho_test_preserve_fops = {
	.owner = THIS_MODULE,
	.open = kho_test_preserve_open,
	.read = seq_read,
	.write = kho_test_preserve_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static ssize_t kho_test_unpreserve_write(struct file *file, const char __user *ubuf,
					 size_t count, loff_t *ppos)
{
	bool yes;
	int err;

	err = kstrtobool_from_user(ubuf, count, &yes);
	if (err)
		return err;
	if (!yes)
		return -EINVAL;

	mutex_lock(&kho_test_lock);
	if (!kho_test_out.list_size)
		err = -ENOENT;
	else if (kho_is_frozen())
		err = -EBUSY;
	else
		err = kho_test_release(&kho_test_out);
	mutex_unlock(&kho_test_lock);
	return err ?: count;
}

static const struct file_operations kho_test_unpreserve_fops = {
	.owner = THIS_MODULE,
	.write = kho_test_unpreserve_write,
	.llseek = noop_llseek,
};

static int kho_test_result_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%s\n", kho_test_result);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_test_result);

static void __init kho_test_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("kho_test", NULL);

	debugfs_create_file("preserve", 0600, dir, NULL, &kho_test_preserve_fops);
	debugfs_create_file("unpreserve", 0200, dir, NULL, &kho_test_unpreserve_fops);
	debugfs_create_file("result", 0400, dir, NULL, &kho_test_result_fops);
	debugfs_create_bool("fail_serialize", 0600, dir, &fail_serialize);
	debugfs_create_atomic_t("abort_count", 0400, dir, &kho_test_abort_count);
	debugfs_create_atomic_t("canary_aborts", 0400, dir, &kho_test_canary_aborts);
	kho_corrupt_debugfs_init(dir);
}

static int __init kho_test_init(void)
{
	int err;

	kho_test_verify();
	err = kho_register_handler(&kho_test_canary);
	if (err) {
		pr_err("cannot register the canary handler: %d\n", err);
		return err;
	}
	err = kho_register_handler(&kho_test_handler);
	if (err) {
		pr_err("cannot register the kho-test handler: %d\n", err);
		kho_unregister_handler(&kho_test_canary);
		return err;
	}
	kho_test_debugfs_init();
	return 0;
}
late_initcall(kho_test_init);
