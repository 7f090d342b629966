// SPDX-License-Identifier: GPL-2.0
/*
 * KHO memfds: a VM's RAM kept across kexec in the very same pages.
 *
 * Outgoing: KHO_MEMFD_PRESERVE freezes the memfd's size (by adding the
 * GROW and SHRINK seals), pins every page (filling holes, and migrating
 * pages out of scratch, which is CMA), preserves each folio and writes
 * the list of pages into preserved chunks right away, so freeze only
 * writes a few properties per memfd.
 *
 * Incoming: the memfd node is read at boot; KHO_MEMFD_RESTORE builds a new
 * shmem file from the preserved folios themselves and hands out an fd.
 * What is never restored is released by finish.
 */
#define pr_fmt(fmt) "KHO: memfd: " fmt

#include <linux/debugfs.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/hugetlb.h>
#include <linux/io.h>
#include <linux/libfdt.h>
#include <linux/memfd.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>

#include "kho_internal.h"

#define KHO_MEMFD_SEALS	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
			 F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC)

/**
 * struct kho_memfd - a memfd preserved for the next kernel
 * @list: in kho_memfds.out
 * @name: its name in the handover
 * @file: the memfd, referenced while preserved
 * @size: its frozen size
 * @added_seals: GROW and SHRINK where preservation added them: taken away
 *	again on unpreserve, never handed over
 * @nr_pages: pages in @size
 * @folios: the pinned folios, in file order
 * @nr_folios: entries in @folios
 * @chunks: pages holding the entry list (struct kho_memfd_chunk), by lru
 * @nr_chunks: pages in @chunks
 * @holds: users that need the pages to stay preserved (an IOMMU page
 *	table preserved with them): unpreserve fails with -EBUSY until 0
 */
struct kho_memfd {
	struct list_head list;
	char name[KHO_NAME_MAX];
	struct file *file;
	loff_t size;
	unsigned int added_seals;
	unsigned long nr_pages;
	struct folio **folios;
	unsigned long nr_folios;
	struct list_head chunks;
	unsigned long nr_chunks;
	unsigned int holds;
};

/* All of it under @lock (see the lock order in kho_internal.h). */
static struct {
	struct mutex lock;	/* see the lock order in kho_internal.h */
	struct list_head out;
	unsigned long nr_out;
	struct kho_memfd_in *in;
	unsigned long nr_in;
} kho_memfds = {
	.lock = __MUTEX_INITIALIZER(kho_memfds.lock),
	.out = LIST_HEAD_INIT(kho_memfds.out),
};

/* A name is 1 to KHO_NAME_MAX - 1 bytes and NUL-terminated. */
static int kho_memfd_check_name(const char *name)
{
	size_t len = strnlen(name, KHO_NAME_MAX);

	return len && len < KHO_NAME_MAX ? 0 : -EINVAL;
}

static struct kho_memfd *kho_memfd_find(const char *name, struct file *file)
{
	struct kho_memfd *mfd;

	lockdep_assert_held(&kho_memfds.lock);
	list_for_each_entry(mfd, &kho_memfds.out, list)
		if (!strcmp(mfd->name, name) || file_inode(mfd->file) == file_inode(file))
			return mfd;
	return NULL;
}

/* ---- outgoing ----------------------------------------------------------- */

static void kho_memfd_set_seals(struct file *file, unsigned int seals)
{
	struct inode *inode = file_inode(file);

	inode_lock(inode);
	SHMEM_I(inode)->seals = seals;
	inode_unlock(inode);
}

/* The memfd's own seals: any added since, none that preservation added. */
static unsigned int kho_memfd_seals(struct kho_memfd *mfd)
{
	return READ_ONCE(SHMEM_I(file_inode(mfd->file))->seals) & ~mfd->added_seals;
}

static void kho_memfd_thaw_size(struct kho_memfd *mfd)
{
	struct inode *inode = file_inode(mfd->file);

	inode_lock(inode);
	SHMEM_I(inode)->seals &= ~mfd->added_seals;
	inode_unlock(inode);
}

/* Freeze the size with the GROW and SHRINK seals it does not have yet. */
static void kho_memfd_freeze_size(struct kho_memfd *mfd)
{
	struct inode *inode = file_inode(mfd->file);
	unsigned int *seals = &SHMEM_I(inode)->seals;

	inode_lock(inode);
	mfd->added_seals = (F_SEAL_GROW | F_SEAL_SHRINK) & ~*seals;
	*seals |= mfd->added_seals;
	mfd->size = i_size_read(inode);
	inode_unlock(inode);
	mfd->nr_pages = DIV_ROUND_UP(mfd->size, PAGE_SIZE);
}

/* Pin every page: holes are filled, pages in scratch (CMA) migrate out. */
static int kho_memfd_pin(struct kho_memfd *mfd)
{
	loff_t start = 0;

	mfd->folios = kvmalloc_array(mfd->nr_pages, sizeof(*mfd->folios), GFP_KERNEL);
	if (!mfd->folios)
		return -ENOMEM;
	while (start < mfd->size) {
		unsigned long i, max = mfd->nr_pages - mfd->nr_folios;
		pgoff_t offset;
		long n;

		n = memfd_pin_folios(mfd->file, start, mfd->size - 1,
				     mfd->folios + mfd->nr_folios, max, &offset);
		if (n <= 0)
			return n ? n : -EFAULT;
		for (i = 0; i < n; i++)
			start += folio_size(mfd->folios[mfd->nr_folios + i]);
		start -= offset << PAGE_SHIFT;
		mfd->nr_folios += n;
	}
	return 0;
}

static void kho_memfd_unpin(struct kho_memfd *mfd)
{
	if (mfd->nr_folios)
		unpin_folios(mfd->folios, mfd->nr_folios);
	kvfree(mfd->folios);
}

static int kho_memfd_preserve_folios(struct kho_memfd *mfd)
{
	unsigned long i;
	int err;

	for (i = 0; i < mfd->nr_folios; i++) {
		struct folio *folio = mfd->folios[i];

		err = kho_preserve_block(folio_pfn(folio), folio_order(folio));
		if (err)
			goto unwind;
	}
	return 0;
unwind:
	while (i--)
		kho_unpreserve_block(folio_pfn(mfd->folios[i]),
				     folio_order(mfd->folios[i]));
	return err;
}

static void kho_memfd_unpreserve_folios(struct kho_memfd *mfd)
{
	unsigned long i;

	for (i = 0; i < mfd->nr_folios; i++)
		WARN_ON_ONCE(kho_unpreserve_block(folio_pfn(mfd->folios[i]),
						  folio_order(mfd->folios[i])));
}

static void kho_memfd_free_chunks(struct kho_memfd *mfd, bool preserved)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &mfd->chunks, lru) {
		list_del(&page->lru);
		if (preserved)
			WARN_ON_ONCE(kho_unpreserve_block(page_to_pfn(page), 0));
		__free_page(page);
	}
	mfd->nr_chunks = 0;
}

static struct kho_memfd_chunk *kho_memfd_new_chunk(struct kho_memfd *mfd)
{
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	struct kho_memfd_chunk *chunk;

	if (!page)
		return NULL;
	if (kho_preserve_block(page_to_pfn(page), 0)) {
		__free_page(page);
		return NULL;
	}
	if (!list_empty(&mfd->chunks)) {
		chunk = page_address(list_last_entry(&mfd->chunks, struct page, lru));
		chunk->next = page_to_phys(page);
	}
	list_add_tail(&page->lru, &mfd->chunks);
	mfd->nr_chunks++;
	return page_address(page);
}

/* One entry per page, in file order, into preserved chunks. */
static int kho_memfd_write_entries(struct kho_memfd *mfd)
{
	struct kho_memfd_chunk *chunk = NULL;
	unsigned long i, p;

	for (i = 0; i < mfd->nr_folios; i++) {
		struct folio *folio = mfd->folios[i];

		for (p = 0; p < folio_nr_pages(folio); p++) {
			if (!chunk || chunk->nr == KHO_MEMFD_CHUNK_ENTRIES) {
				chunk = kho_memfd_new_chunk(mfd);
				if (!chunk)
					return -ENOMEM;
			}
			chunk->entries[chunk->nr++] =
				PFN_PHYS(folio_pfn(folio) + p) | folio_order(folio) |
				(p ? KHO_MEMFD_ENTRY_TAIL : 0);
		}
	}
	return 0;
}

static void kho_memfd_release(struct kho_memfd *mfd, bool preserved)
{
	kho_memfd_free_chunks(mfd, preserved);
	if (preserved)
		kho_memfd_unpreserve_folios(mfd);
	kho_memfd_unpin(mfd);
	kho_memfd_thaw_size(mfd);
	fput(mfd->file);
	kfree(mfd);
}

static int kho_memfd_preserve_file(struct kho_memfd *mfd)
{
	int err;

	kho_memfd_freeze_size(mfd);
	err = kho_memfd_pin(mfd);
	if (err)
		return err;
	err = kho_out_enter();
	if (err)
		return err;
	err = kho_memfd_preserve_folios(mfd);
	if (!err) {
		err = kho_memfd_write_entries(mfd);
		if (err) {
			kho_memfd_free_chunks(mfd, true);
			kho_memfd_unpreserve_folios(mfd);
		}
	}
	kho_out_leave();
	return err;
}

/*
 * Only a memfd can be preserved: an unlinked shmem file named "memfd:..."
 * (a file on a mounted tmpfs has a path and is not one). Hugetlb memfds
 * are not supported yet.
 */
static int kho_memfd_check_file(struct file *file)
{
	if (is_file_hugepages(file))
		return -EOPNOTSUPP;
	if (!shmem_file(file) || file_inode(file)->i_nlink ||
	    strncmp(file->f_path.dentry->d_name.name, "memfd:", 6))
		return -EINVAL;
	return 0;
}

/**
 * kho_memfd_preserve - KHO_MEMFD_PRESERVE
 * @ucmd: the call
 *
 * Return: 0 or a negative errno (see struct kho_memfd_preserve).
 */
int kho_memfd_preserve(struct kho_ucmd *ucmd)
{
	struct kho_memfd_preserve *cmd = ucmd->cmd;
	struct kho_memfd *mfd;
	struct file *file;
	int err;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	if (kho_memfd_check_name(cmd->name))
		return -EINVAL;
	file = fget(cmd->fd);
	if (!file)
		return -EBADF;
	err = kho_memfd_check_file(file);
	if (err)
		goto put;
	mfd = kzalloc(sizeof(*mfd), GFP_KERNEL);
	if (!mfd) {
		err = -ENOMEM;
		goto put;
	}
	strscpy(mfd->name, cmd->name);
	mfd->file = file;
	INIT_LIST_HEAD(&mfd->chunks);

	mutex_lock(&kho_memfds.lock);
	if (kho_memfd_find(mfd->name, file)) {
		err = -EEXIST;
		goto unlock;
	}
	err = kho_memfd_preserve_file(mfd);
	if (err) {
		kho_memfd_unpin(mfd);
		kho_memfd_thaw_size(mfd);
		goto unlock;
	}
	list_add_tail(&mfd->list, &kho_memfds.out);
	kho_memfds.nr_out++;
	mutex_unlock(&kho_memfds.lock);
	return 0;
unlock:
	mutex_unlock(&kho_memfds.lock);
	kfree(mfd);
put:
	fput(file);
	return err;
}

/**
 * kho_memfd_unpreserve - KHO_MEMFD_UNPRESERVE
 * @ucmd: the call
 *
 * Return: 0, -ENOENT for an unknown name, -EBUSY once frozen.
 */
int kho_memfd_unpreserve(struct kho_ucmd *ucmd)
{
	struct kho_memfd_unpreserve *cmd = ucmd->cmd;
	struct kho_memfd *mfd;
	int err;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (kho_memfd_check_name(cmd->name))
		return -EINVAL;
	mutex_lock(&kho_memfds.lock);
	list_for_each_entry(mfd, &kho_memfds.out, list)
		if (!strcmp(mfd->name, cmd->name))
			goto found;
	err = -ENOENT;
	goto unlock;
found:
	err = -EBUSY;
	if (mfd->holds)
		goto unlock;
	err = kho_out_enter();
	if (err)
		goto unlock;
	list_del(&mfd->list);
	kho_memfds.nr_out--;
	kho_memfd_release(mfd, true);
	kho_out_leave();
unlock:
	mutex_unlock(&kho_memfds.lock);
	return err;
}

/* The preserved memfd whose file is @file (the very file, as mapped). */
static struct kho_memfd *kho_memfd_of(struct file *file)
{
	struct kho_memfd *mfd;

	lockdep_assert_held(&kho_memfds.lock);
	list_for_each_entry(mfd, &kho_memfds.out, list)
		if (mfd->file == file)
			return mfd;
	return NULL;
}

/**
 * kho_memfd_hold - keep a preserved memfd preserved
 * @file: the memfd
 * @start: the first byte the caller relies on
 * @len: how many bytes from @start
 *
 * For a user of the memfd's pages that itself crosses the kexec (an IOMMU
 * page table mapping them): until kho_memfd_unhold(), unpreserving the
 * memfd fails with -EBUSY.
 *
 * Return: 0, or -EINVAL if @file is not a preserved memfd or the range is
 * outside its frozen size.
 */
int kho_memfd_hold(struct file *file, loff_t start, loff_t len)
{
	struct kho_memfd *mfd;
	int err = -EINVAL;

	mutex_lock(&kho_memfds.lock);
	mfd = kho_memfd_of(file);
	if (mfd && start >= 0 && len > 0 && start + len <= mfd->size) {
		mfd->holds++;
		err = 0;
	}
	mutex_unlock(&kho_memfds.lock);
	return err;
}
EXPORT_SYMBOL_GPL(kho_memfd_hold);

/**
 * kho_memfd_unhold - drop a kho_memfd_hold()
 * @file: the memfd
 */
void kho_memfd_unhold(struct file *file)
{
	struct kho_memfd *mfd;

	mutex_lock(&kho_memfds.lock);
	mfd = kho_memfd_of(file);
	if (mfd) {
		KHO_ASSERT(mfd->holds);
		if (mfd->holds)
			mfd->holds--;
	}
	mutex_unlock(&kho_memfds.lock);
}
EXPORT_SYMBOL_GPL(kho_memfd_unhold);

static int kho_memfd_serialize_one(struct kho_fdt *fdt, struct kho_memfd *mfd,
				   unsigned long index)
{
	struct page *first = list_first_entry_or_null(&mfd->chunks, struct page, lru);
	char node[24];
	int err;

	snprintf(node, sizeof(node), "memfd@%lu", index);
	err = kho_fdt_begin_node(fdt, node);
	err = err ?: kho_fdt_property_string(fdt, "memfd-name", mfd->name);
	err = err ?: kho_fdt_property_u64(fdt, "size", mfd->size);
	err = err ?: kho_fdt_property_u64(fdt, "seals", kho_memfd_seals(mfd));
	err = err ?: kho_fdt_property_u64(fdt, "nr-pages", mfd->nr_pages);
	err = err ?: kho_fdt_property_u64(fdt, "pages", first ? page_to_phys(first) : 0);
	err = err ?: kho_fdt_property_u64(fdt, "pages-size", mfd->nr_pages * sizeof(u64));
	err = err ?: kho_fdt_end_node(fdt);
	return err;
}

static int kho_memfd_serialize(struct kho_handler *handler, struct kho_fdt *fdt)
{
	struct kho_memfd *mfd;
	unsigned long index = 0;
	int err = 0;

	mutex_lock(&kho_memfds.lock);
	list_for_each_entry(mfd, &kho_memfds.out, list) {
		err = kho_memfd_serialize_one(fdt, mfd, index++);
		if (err)
			break;
	}
	mutex_unlock(&kho_memfds.lock);
	return err;
}

/* Preserved memfds are state; their pages are also preserved memory. */
static bool kho_memfd_has_state(struct kho_handler *handler)
{
	return READ_ONCE(kho_memfds.nr_out);
}

/*
 * The update is over: forget the handed-over memfds. A restore in flight
 * holds kho_memfds.lock, so it completes first; later ones find no name.
 */
static void kho_memfd_finish(struct kho_handler *handler)
{
	mutex_lock(&kho_memfds.lock);
	kfree(kho_memfds.in);
	kho_memfds.in = NULL;
	kho_memfds.nr_in = 0;
	mutex_unlock(&kho_memfds.lock);
}

static struct kho_handler kho_memfd_handler = {
	.name = KHO_MEMFD_NODE,
	.compatible = KHO_MEMFD_COMPATIBLE,
	.serialize = kho_memfd_serialize,
	.has_state = kho_memfd_has_state,
	.finish = kho_memfd_finish,
};

/* ---- incoming ----------------------------------------------------------- */

static int kho_memfd_read_string(const void *fdt, int node, const char *prop,
				 char *buf)
{
	const char *str;
	int len;

	str = fdt_getprop(fdt, node, prop, &len);
	if (!str || len < 2 || len > KHO_NAME_MAX || str[len - 1] || strlen(str) != len - 1)
		return -EINVAL;
	memcpy(buf, str, len);
	return 0;
}

static int kho_memfd_parse_one(const void *fdt, int node, struct kho_memfd_in *in)
{
	u64 pages_size;
	int err;

	memset(in, 0, sizeof(*in));
	err = kho_memfd_read_string(fdt, node, "memfd-name", in->name);
	err = err ?: kho_fdt_u64(fdt, node, "size", &in->size);
	err = err ?: kho_fdt_u64(fdt, node, "seals", &in->seals);
	err = err ?: kho_fdt_u64(fdt, node, "nr-pages", &in->nr_pages);
	err = err ?: kho_fdt_u64(fdt, node, "pages", &in->pages);
	err = err ?: kho_fdt_u64(fdt, node, "pages-size", &pages_size);
	if (err)
		return err;
	if (in->nr_pages != DIV_ROUND_UP(in->size, PAGE_SIZE) ||
	    pages_size != in->nr_pages * sizeof(u64) ||
	    (in->seals & ~KHO_MEMFD_SEALS) || in->size > MAX_LFS_FILESIZE ||
	    (in->nr_pages && !in->pages) || !PAGE_ALIGNED(in->pages))
		return -EINVAL;
	return 0;
}

static bool kho_memfd_in_dup(const struct kho_memfd_in *in, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (!strcmp(in[i].name, in[n].name))
			return true;
	return false;
}

/* Children named memfd@...: each should be read, in order, without gaps. */
static unsigned long kho_memfd_nr_nodes(const void *fdt, int node)
{
	unsigned long n = 0;
	int child;

	fdt_for_each_subnode(child, fdt, node)
		if (!strncmp(fdt_get_name(fdt, child, NULL), "memfd@", 6))
			n++;
	return n;
}

/**
 * kho_memfd_read_nodes - read the memfds of a memfd node
 * @fdt: a checked root FDT
 * @node: its memfd node
 * @in: room for @max memfds
 * @max: at least kho_memfd_nr_nodes()
 * @nr_in: set to the memfds read into @in
 *
 * memfd@0, memfd@1, ... are read up to the first one missing; one that is
 * malformed, or whose name another has, is skipped (its memory is then
 * released at finish, like that of any node past a gap).
 *
 * Return: how many memfd@ nodes were skipped or never read: 0 if all of
 * the node could be taken over.
 */
int kho_memfd_read_nodes(const void *fdt, int node, struct kho_memfd_in *in,
			 unsigned long max, unsigned long *nr_in)
{
	unsigned long n, nr_nodes = kho_memfd_nr_nodes(fdt, node);
	int child, bad = 0;
	char name[24];

	*nr_in = 0;
	for (n = 0; n < nr_nodes; n++) {
		snprintf(name, sizeof(name), "memfd@%lu", n);
		child = fdt_subnode_offset(fdt, node, name);
		if (child < 0)
			break;
		if (*nr_in >= max || kho_memfd_parse_one(fdt, child, &in[*nr_in]) ||
		    kho_memfd_in_dup(in, *nr_in)) {
			pr_err("%s: bad node, its memory is released at finish\n", name);
			bad++;
			continue;
		}
		(*nr_in)++;
	}
	if (n < nr_nodes) {
		pr_err("%lu memfd node(s) after a gap at memfd@%lu not read, their memory is released at finish\n",
		       nr_nodes - n, n);
		bad += nr_nodes - n;
	}
	return bad;
}

static int __init kho_memfd_parse(void)
{
	unsigned long max;
	int node;

	node = kho_find_node(KHO_MEMFD_NODE, KHO_MEMFD_COMPATIBLE);
	if (node < 0)
		return node == -ENODEV || node == -ENOENT ? 0 : node;
	max = kho_memfd_nr_nodes(kho_in.fdt, node);
	kho_memfds.in = kcalloc(max, sizeof(*kho_memfds.in), GFP_KERNEL);
	if (max && !kho_memfds.in)
		return -ENOMEM;
	kho_memfd_read_nodes(kho_in.fdt, node, kho_memfds.in, max, &kho_memfds.nr_in);
	pr_info("%lu memfd(s) handed over\n", kho_memfds.nr_in);
	return 0;
}

/*
 * A chunk of the page list, read in place (it is preserved memory, mapped
 * like all RAM) so a restore can check everything before taking anything.
 */
static const struct kho_memfd_chunk *kho_memfd_chunk_at(phys_addr_t phys)
{
	return phys && kho_in_test(&kho_in, phys, 0) ? phys_to_virt(phys) : NULL;
}

#define KHO_MEMFD_ENTRY_BITS	(PAGE_MASK | KHO_MEMFD_ENTRY_ORDER | KHO_MEMFD_ENTRY_TAIL)

/*
 * Where the check of a page list is: the head entry of the folio being
 * read, and how many of its tail entries are still to come.
 */
struct kho_memfd_walk {
	u64 head;
	unsigned long tails;
};

/*
 * A head entry starts a preserved folio at an index its order aligns; the
 * (1 << order) - 1 entries after it are its tails, page by page, with the
 * same order. Anything else, unknown bits included, is corrupt.
 */
static bool kho_memfd_entry_ok(struct kho_memfd_walk *w, u64 entry, pgoff_t index)
{
	unsigned int order = entry & KHO_MEMFD_ENTRY_ORDER;
	phys_addr_t phys = entry & PAGE_MASK;
	phys_addr_t expected;

	if (entry & ~KHO_MEMFD_ENTRY_BITS)
		return false;
	if (entry & KHO_MEMFD_ENTRY_TAIL) {
		if (!w->tails || order != (w->head & KHO_MEMFD_ENTRY_ORDER))
			return false;
		expected = (w->head & PAGE_MASK) +
			   PFN_PHYS((1UL << order) - w->tails);
		w->tails--;
		return phys == expected;
	}
	if (w->tails || order > KHO_MAX_ORDER || !IS_ALIGNED(index, 1UL << order) ||
	    !kho_in_test(&kho_in, phys, order))
		return false;
	w->head = entry;
	w->tails = (1UL << order) - 1;
	return true;
}

/*
 * Every chunk but the last is full, so the walk ends after at most
 * nr_pages / KHO_MEMFD_CHUNK_ENTRIES + 1 chunks whatever the links say.
 * The caller holds kho_in_lock().
 */
static int kho_memfd_check_list(const struct kho_memfd_in *in)
{
	struct kho_memfd_walk walk = {};
	const struct kho_memfd_chunk *chunk;
	phys_addr_t phys = in->pages;
	pgoff_t index = 0;
	unsigned long i;

	lockdep_assert_held(&kho_in.lock);
	while (index < in->nr_pages) {
		chunk = kho_memfd_chunk_at(phys);
		if (!chunk || chunk->nr > KHO_MEMFD_CHUNK_ENTRIES ||
		    index + chunk->nr > in->nr_pages || !chunk->nr ||
		    (chunk->nr < KHO_MEMFD_CHUNK_ENTRIES && chunk->next))
			return -EINVAL;
		for (i = 0; i < chunk->nr; i++, index++)
			if (!kho_memfd_entry_ok(&walk, chunk->entries[i], index))
				return -EINVAL;
		phys = chunk->next;
	}
	return phys || walk.tails ? -EINVAL : 0;
}

/* Put the folio of one entry at @index; tails ride along with their head. */
static int kho_memfd_restore_entry(struct file *file, u64 entry, pgoff_t index)
{
	unsigned int order = entry & KHO_MEMFD_ENTRY_ORDER;
	struct folio *folio;
	int err;

	if (entry & KHO_MEMFD_ENTRY_TAIL)
		return 0;
	/*
	 * The list was checked, so only a corrupt list that names one folio
	 * twice gets here without it: an error, not a bug.
	 */
	folio = kho_restore_folio(entry & PAGE_MASK);
	if (!folio)
		return -EINVAL;
	if (folio_order(folio) != order) {
		folio_put(folio);
		return -EINVAL;
	}
	err = shmem_insert_folio(file, folio, index);
	folio_put(folio);
	return err;
}

/*
 * Take every page of a checked list into @file. Only page cache insertion
 * can still fail here; the memfd is then lost and its remaining pages are
 * released by finish.
 */
static int kho_memfd_fill(struct file *file, const struct kho_memfd_in *in)
{
	phys_addr_t phys = in->pages;
	pgoff_t index = 0;
	int err = 0;

	while (index < in->nr_pages) {
		struct page *page = kho_restore_pages(phys, 1);
		const struct kho_memfd_chunk *chunk;
		unsigned long i;

		/* A chunk listed twice: its first visit took it. */
		if (!page)
			return -EINVAL;
		chunk = page_address(page);
		for (i = 0; !err && i < chunk->nr; i++)
			err = kho_memfd_restore_entry(file, chunk->entries[i], index + i);
		index += chunk->nr;
		phys = chunk->next;
		__free_page(page);
		if (err)
			return err;
	}
	return 0;
}

static struct file *kho_memfd_create(const struct kho_memfd_in *in)
{
	char name[KHO_NAME_MAX + 8];
	struct file *file;

	snprintf(name, sizeof(name), "memfd:%s", in->name);
	file = shmem_file_setup(name, in->size, VM_NORESERVE);
	if (IS_ERR(file))
		return file;
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	file->f_flags |= O_LARGEFILE;
	return file;
}

static struct kho_memfd_in *kho_memfd_in_find(const char *name)
{
	unsigned long i;

	lockdep_assert_held(&kho_memfds.lock);
	for (i = 0; i < kho_memfds.nr_in; i++)
		if (!kho_memfds.in[i].restored && !strcmp(kho_memfds.in[i].name, name))
			return &kho_memfds.in[i];
	return NULL;
}

/**
 * kho_memfd_restore - KHO_MEMFD_RESTORE
 * @ucmd: the call
 *
 * Return: 0, -ENOENT for an unknown or already restored name, -EINVAL if
 * the handed-over page list is corrupt (the memfd is then lost). A failure
 * for want of memory before any page was taken leaves it restorable.
 */
int kho_memfd_restore(struct kho_ucmd *ucmd)
{
	struct kho_memfd_restore *cmd = ucmd->cmd;
	struct kho_memfd_in *in;
	struct file *file;
	int fd, err;

	if ((cmd->flags & ~KHO_MEMFD_RESTORE_CLOEXEC) || cmd->__reserved)
		return -EOPNOTSUPP;
	if (kho_memfd_check_name(cmd->name))
		return -EINVAL;
	mutex_lock(&kho_memfds.lock);
	in = kho_memfd_in_find(cmd->name);
	if (!in || kho_in_state() != KHO_IN_VALID) {
		err = -ENOENT;
		goto unlock;
	}
	kho_in_lock();
	err = kho_memfd_check_list(in);
	kho_in_unlock();
	if (err) {
		pr_err("%s: corrupt page list, not restorable\n", in->name);
		in->restored = true;
		goto unlock;
	}
	/* Whatever can fail for want of memory, before any page is taken. */
	fd = get_unused_fd_flags(O_RDWR | (cmd->flags & KHO_MEMFD_RESTORE_CLOEXEC ?
					   O_CLOEXEC : 0));
	if (fd < 0) {
		err = fd;
		goto unlock;
	}
	file = kho_memfd_create(in);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto put_fd;
	}
	cmd->out_fd = fd;
	err = kho_ucmd_respond(ucmd, sizeof(*cmd));
	if (err)
		goto put_file;

	in->restored = true;
	err = kho_memfd_fill(file, in);
	if (err) {
		pr_err("%s: lost: %d while adding its pages\n", in->name, err);
		goto put_file;
	}
	kho_memfd_set_seals(file, in->seals);
	fd_install(fd, file);
	mutex_unlock(&kho_memfds.lock);
	return 0;

put_file:
	fput(file);
put_fd:
	put_unused_fd(fd);
unlock:
	mutex_unlock(&kho_memfds.lock);
	return err;
}

/**
 * kho_memfd_list - KHO_MEMFD_LIST
 * @ucmd: the call
 *
 * Return: 0, or -ENOENT past the last handed-over memfd.
 */
int kho_memfd_list(struct kho_ucmd *ucmd)
{
	struct kho_memfd_list *cmd = ucmd->cmd;
	const struct kho_memfd_in *in;
	int err = 0;

	if (cmd->flags)
		return -EOPNOTSUPP;
	mutex_lock(&kho_memfds.lock);
	if (cmd->index >= kho_memfds.nr_in) {
		err = -ENOENT;
		goto unlock;
	}
	in = &kho_memfds.in[cmd->index];
	cmd->out_restored = in->restored;
	cmd->out_size = in->size;
	cmd->out_seals = in->seals;
	cmd->out_nr_pages = in->nr_pages;
	memcpy(cmd->out_name, in->name, sizeof(cmd->out_name));
	err = kho_ucmd_respond(ucmd, sizeof(*cmd));
unlock:
	mutex_unlock(&kho_memfds.lock);
	return err;
}

#ifdef CONFIG_KHO_TEST
/**
 * kho_memfd_test_corrupt - break the first preserved memfd's page list
 * @how: "memfd-dup": entry 1 names entry 0's folio again; "memfd-tail":
 *	entry 1 becomes a tail entry no head announced
 *
 * For kho_test's corrupt knob, after freeze: the list is in preserved
 * pages the next kernel reads, which no checksum covers.
 *
 * Return: 0, -ENOENT without a preserved memfd of two pages or more,
 * -EINVAL for an unknown @how.
 */
int kho_memfd_test_corrupt(const char *how)
{
	struct kho_memfd_chunk *chunk;
	struct kho_memfd *mfd;
	int err = -ENOENT;

	mutex_lock(&kho_memfds.lock);
	mfd = list_first_entry_or_null(&kho_memfds.out, struct kho_memfd, list);
	if (mfd && mfd->nr_pages >= 2) {
		chunk = page_address(list_first_entry(&mfd->chunks, struct page, lru));
		err = 0;
		if (sysfs_streq(how, "memfd-dup"))
			chunk->entries[1] = chunk->entries[0];
		else if (sysfs_streq(how, "memfd-tail"))
			chunk->entries[1] |= KHO_MEMFD_ENTRY_TAIL;
		else
			err = -EINVAL;
	}
	mutex_unlock(&kho_memfds.lock);
	return err;
}
#endif

/**
 * kho_memfd_stats - the memfd part of debugfs kho/stats
 * @m: the seq_file
 */
void kho_memfd_stats(struct seq_file *m)
{
	unsigned long pages = 0, chunks = 0;
	struct kho_memfd *mfd;

	mutex_lock(&kho_memfds.lock);
	list_for_each_entry(mfd, &kho_memfds.out, list) {
		seq_printf(m, "memfd %s: %lld bytes, %lu pages\n", mfd->name,
			   mfd->size, mfd->nr_pages);
		pages += mfd->nr_pages;
		chunks += mfd->nr_chunks;
	}
	seq_printf(m, "memfds: %lu, pages: %lu\n", kho_memfds.nr_out, pages);
	seq_printf(m, "memfd list bytes: %lu\n", chunks << PAGE_SHIFT);
	mutex_unlock(&kho_memfds.lock);
}

static int __init kho_memfd_init(void)
{
	int err;

	err = kho_memfd_parse();
	if (err)
		pr_err("cannot read the handed-over memfds: %d\n", err);
	return kho_register_handler(&kho_memfd_handler);
}
late_initcall(kho_memfd_init);
