// SPDX-License-Identifier: GPL-2.0
/*
 * KHO test client (CONFIG_KHO_TEST), driven from /sys/kernel/debug/kho_test/.
 *
 * Outgoing kernel: "preserve" allocates folios of random orders, fills them
 * with bytes derived from a seed and preserves them, with the list of their
 * (phys | order) in a preserved, physically contiguous buffer. The handler
 * "kho-test" hands over where that list is.
 *
 * Incoming kernel: at late_initcall the node is looked up, every folio is
 * taken back and every byte checked against the seed. Exactly one line
 * reports the outcome:
 *
 *	kho_test: verify PASS folios=N bytes=B seed=S generation=G
 *	kho_test: verify FAIL folios=N bad_folios=M bad_bytes=K seed=S
 *		generation=G reason=WHY (one line)
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
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kho.h>
#include <linux/kstrtox.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/*
 * For kho_test_corrupt(), which the core provides under CONFIG_KHO_TEST:
 * it damages the frozen outgoing handover in the way a word names
 * ("hdr-crc", "fdt-crc", "magic", "compatible", "tracker-ram", "order") so
 * that the next kernel must reject it; -EINVAL for an unknown word.
 */
#include "kho_internal.h"

#define KHO_TEST_NAME		"kho-test"
#define KHO_TEST_COMPATIBLE	"linux,kho-test-v1"

/* The list of one set fits in one maximal buddy allocation. */
#define KHO_TEST_MAX_LIST	(PAGE_SIZE << MAX_PAGE_ORDER)
#define KHO_TEST_MAX_BYTES	((u64)KHO_TEST_MAX_LIST / sizeof(u64) * PAGE_SIZE)

/* The handover node's properties, all u64, in the order they are written. */
enum kho_test_prop {
	KHO_TEST_SEED,
	KHO_TEST_NR_FOLIOS,
	KHO_TEST_FOLIOS,
	KHO_TEST_LIST_SIZE,
	KHO_TEST_TOTAL_BYTES,
	KHO_TEST_GENERATION,
	KHO_TEST_NR_PROPS
};

static const char * const kho_test_prop_names[KHO_TEST_NR_PROPS] = {
	[KHO_TEST_SEED]		= "seed",
	[KHO_TEST_NR_FOLIOS]	= "nr-folios",
	[KHO_TEST_FOLIOS]	= "folios",
	[KHO_TEST_LIST_SIZE]	= "list-size",
	[KHO_TEST_TOTAL_BYTES]	= "total-bytes",
	[KHO_TEST_GENERATION]	= "generation",
};

/**
 * struct kho_test_set - the preserved test data of this kernel
 * @seed: the contents of folio i derive from (@seed, i)
 * @list: (phys | order) of each folio; preserved whenever it is not NULL
 * @list_size: bytes of @list, a multiple of PAGE_SIZE
 * @nr_folios: entries of @list in use; every one is allocated and preserved
 * @total_bytes: sum of the sizes of those folios
 */
struct kho_test_set {
	u64 seed;
	u64 *list;
	size_t list_size;
	unsigned long nr_folios;
	u64 total_bytes;
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
static u64 kho_test_in_generation;
static atomic_t kho_test_abort_count = ATOMIC_INIT(0);
static char kho_test_result[192] = "none";

static bool fail_serialize;
module_param(fail_serialize, bool, 0644);
MODULE_PARM_DESC(fail_serialize, "Make serialize fail with -EIO");

static bool keep;
module_param(keep, bool, 0444);
MODULE_PARM_DESC(keep, "Keep the verified folios instead of freeing them");

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

/* Allocate and preserve the list for a set of @size bytes (worst case). */
static int kho_test_list_alloc(struct kho_test_set *set, u64 size)
{
	size_t list_size = PAGE_ALIGN((size >> PAGE_SHIFT) * sizeof(u64));
	int err;

	set->list = alloc_pages_exact(list_size, GFP_KERNEL | __GFP_NOWARN);
	if (!set->list)
		return -ENOMEM;
	err = kho_preserve_pages(virt_to_page(set->list), list_size >> PAGE_SHIFT);
	if (err) {
		free_pages_exact(set->list, list_size);
		set->list = NULL;
		return err;
	}
	set->list_size = list_size;
	return 0;
}

/* Add folios of random orders to @set until it holds @size bytes. */
static int kho_test_add_folios(struct kho_test_set *set, u64 size)
{
	u64 rng = kho_test_mix(~set->seed) | 1;
	struct folio *folio;
	unsigned int order;
	int err;

	while (set->total_bytes < size) {
		order = (u32)kho_test_next(&rng) % (MAX_PAGE_ORDER + 1);
		order = min_t(unsigned int, order,
			      ilog2((size - set->total_bytes) >> PAGE_SHIFT));
		folio = kho_test_alloc_folio(order);
		if (!folio)
			return -ENOMEM;
		kho_test_fill(folio, set->seed, set->nr_folios);
		err = kho_preserve_folio(folio);
		if (err) {
			folio_put(folio);
			return err;
		}
		set->list[set->nr_folios++] = kho_test_entry(folio);
		set->total_bytes += folio_size(folio);
		cond_resched();
	}
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
	int err;

	while (set->nr_folios) {
		folio = kho_test_entry_folio(set->list[set->nr_folios - 1]);
		err = kho_unpreserve_folio(folio);
		if (err)
			goto busy;
		set->nr_folios--;
		set->total_bytes -= folio_size(folio);
		folio_put(folio);
	}
	if (set->list) {
		err = kho_unpreserve_pages(virt_to_page(set->list),
					   set->list_size >> PAGE_SHIFT);
		if (err)
			goto busy;
		free_pages_exact(set->list, set->list_size);
	}
	memset(set, 0, sizeof(*set));
	return 0;
busy:
	pr_warn("unpreserve refused (%d), %lu folios stay preserved\n",
		err, set->nr_folios);
	return err;
}

static int kho_test_preserve(u64 size, u64 seed)
{
	struct kho_test_set *set = &kho_test_out;
	int err;

	if (!size || !PAGE_ALIGNED(size) || size > KHO_TEST_MAX_BYTES ||
	    size > (u64)totalram_pages() / 2 * PAGE_SIZE)
		return -EINVAL;
	if (set->list || kho_is_frozen())
		return -EBUSY;

	set->seed = seed;
	err = kho_test_list_alloc(set, size);
	if (!err)
		err = kho_test_add_folios(set, size);
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
	prop[KHO_TEST_FOLIOS] = set->list ? virt_to_phys(set->list) : 0;
	prop[KHO_TEST_LIST_SIZE] = set->list_size;
	prop[KHO_TEST_TOTAL_BYTES] = set->total_bytes;
	prop[KHO_TEST_GENERATION] = kho_test_in_generation + 1;
	for (i = 0; i < KHO_TEST_NR_PROPS && !err; i++)
		err = kho_fdt_property_u64(fdt, kho_test_prop_names[i], prop[i]);

	mutex_unlock(&kho_test_lock);
	return err;
}

static void kho_test_abort(struct kho_handler *handler)
{
	atomic_inc(&kho_test_abort_count);
	pr_info("abort\n");
}

static struct kho_handler kho_test_handler = {
	.name = KHO_TEST_NAME,
	.compatible = KHO_TEST_COMPATIBLE,
	.serialize = kho_test_serialize,
	.abort = kho_test_abort,
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

static struct kho_handler kho_test_canary = {
	.name = KHO_TEST_NAME "-canary",
	.compatible = "linux,kho-test-canary-v1",
	.serialize = kho_test_canary_serialize,
	.abort = kho_test_canary_abort,
};

/* ---- incoming: verify at late_initcall ----------------------------------- */

static __printf(2, 3) void __init kho_test_bad(struct kho_test_verdict *v,
					       const char *fmt, ...)
{
	va_list args;

	if (v->reason[0])
		return;
	va_start(args, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, args);
	va_end(args);
}

static int __init kho_test_read_props(int node, struct kho_test_verdict *v)
{
	int i, err;

	for (i = 0; i < KHO_TEST_NR_PROPS; i++) {
		err = kho_node_u64(node, kho_test_prop_names[i], &v->prop[i]);
		if (err) {
			kho_test_bad(v, "prop-%s:%d", kho_test_prop_names[i], err);
			return err;
		}
	}
	return 0;
}

/* Check the list's properties; 0 if the list may be restored. */
static int __init kho_test_check_list(struct kho_test_verdict *v)
{
	u64 nr = v->prop[KHO_TEST_NR_FOLIOS];
	u64 phys = v->prop[KHO_TEST_FOLIOS];
	u64 size = v->prop[KHO_TEST_LIST_SIZE];

	if (!phys && !size && !nr && !v->prop[KHO_TEST_TOTAL_BYTES])
		return 0;	/* the previous kernel preserved nothing */
	if (!PAGE_ALIGNED(phys) || !phys || !PAGE_ALIGNED(size) || !size ||
	    size > KHO_TEST_MAX_LIST || nr > size / sizeof(u64)) {
		kho_test_bad(v, "bad-list");
		return -EINVAL;
	}
	return 0;
}

static void __init kho_test_verify_folio(struct kho_test_verdict *v, u64 entry,
					 unsigned long idx)
{
	unsigned int order = kho_test_entry_order(entry);
	phys_addr_t phys = kho_test_entry_phys(entry);
	struct folio *folio;
	u64 bad;

	v->bad_folios++;	/* until proven good */
	if (order > MAX_PAGE_ORDER || !IS_ALIGNED(phys, PAGE_SIZE << order)) {
		kho_test_bad(v, "bad-entry");
		return;
	}
	v->bytes += PAGE_SIZE << order;
	folio = kho_restore_folio(phys);
	if (!folio) {
		kho_test_bad(v, "restore-folio");
		return;
	}
	if (folio_order(folio) != order) {
		kho_test_bad(v, "order");
	} else {
		bad = kho_test_check(folio, v->prop[KHO_TEST_SEED], idx);
		v->bad_bytes += bad;
		if (bad)
			kho_test_bad(v, "data");
		else
			v->bad_folios--;
	}
	if (!keep)
		folio_put(folio);
}

static void __init kho_test_verify_folios(struct kho_test_verdict *v)
{
	unsigned long i, nr = v->prop[KHO_TEST_NR_FOLIOS];
	size_t size = v->prop[KHO_TEST_LIST_SIZE];
	struct page *page;
	const u64 *list;

	if (!size)
		return;
	page = kho_restore_pages(v->prop[KHO_TEST_FOLIOS], size >> PAGE_SHIFT);
	if (!page) {
		kho_test_bad(v, "restore-list");
		return;
	}
	list = page_address(page);
	for (i = 0; i < nr; i++) {
		kho_test_verify_folio(v, list[i], i);
		cond_resched();
	}
	if (!keep)
		free_pages_exact(page_address(page), size);
	if (v->bytes != v->prop[KHO_TEST_TOTAL_BYTES])
		kho_test_bad(v, "total-bytes");
}

static void __init kho_test_report(struct kho_test_verdict *v)
{
	if (!v->reason[0])
		snprintf(kho_test_result, sizeof(kho_test_result),
			 "verify PASS folios=%llu bytes=%llu seed=%llu generation=%llu",
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
	int node;

	node = kho_find_node(KHO_TEST_NAME, KHO_TEST_COMPATIBLE);
	if (node == -ENOENT || node == -ENODEV)
		return;		/* a cold boot, or no kho-test node */
	if (node < 0)
		kho_test_bad(&v, "find:%d", node);
	else if (!kho_test_read_props(node, &v) && !kho_test_check_list(&v))
		kho_test_verify_folios(&v);
	kho_test_in_generation = v.prop[KHO_TEST_GENERATION];
	kho_test_report(&v);
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

/* "SIZE[KMG] [seed=N]" */
static int kho_test_parse_preserve(char *s, u64 *size, u64 *seed)
{
	char *end;

	*size = memparse(s, &end);
	if (end == s || (*end && !isspace(*end)))
		return -EINVAL;
	s = skip_spaces(end);
	if (!*s) {
		*seed = get_random_u64();
		return 0;
	}
	if (strncmp(s, "seed=", 5))
		return -EINVAL;
	return kstrtou64(s + 5, 0, seed);
}

static ssize_t kho_test_preserve_write(struct file *file, const char __user *ubuf,
				       size_t count, loff_t *ppos)
{
	u64 size, seed;
	char buf[64], *s;
	int err;

	err = kho_test_get_word(ubuf, count, buf, sizeof(buf), &s);
	if (!err)
		err = kho_test_parse_preserve(s, &size, &seed);
	if (err)
		return err;

	mutex_lock(&kho_test_lock);
	err = kho_test_preserve(size, seed);
	mutex_unlock(&kho_test_lock);
	return err ?: count;
}

static int kho_test_preserve_show(struct seq_file *m, void *unused)
{
	const struct kho_test_set *set = &kho_test_out;

	mutex_lock(&kho_test_lock);
	if (set->list)
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
	if (!kho_test_out.list)
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

static ssize_t kho_test_corrupt_write(struct file *file, const char __user *ubuf,
				      size_t count, loff_t *ppos)
{
	char buf[32], *how;
	int err;

	err = kho_test_get_word(ubuf, count, buf, sizeof(buf), &how);
	if (!err)
		err = kho_test_corrupt(how);
	return err ?: count;
}

static const struct file_operations kho_test_corrupt_fops = {
	.owner = THIS_MODULE,
	.write = kho_test_corrupt_write,
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
	debugfs_create_file("corrupt", 0200, dir, NULL, &kho_test_corrupt_fops);
	debugfs_create_file("result", 0400, dir, NULL, &kho_test_result_fops);
	debugfs_create_bool("fail_serialize", 0600, dir, &fail_serialize);
	debugfs_create_atomic_t("abort_count", 0400, dir, &kho_test_abort_count);
	debugfs_create_atomic_t("canary_aborts", 0400, dir, &kho_test_canary_aborts);
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
