// SPDX-License-Identifier: GPL-2.0
/*
 * KHO memfds: a VM's RAM kept across kexec in the very same pages.
 *
 * Outgoing: KHO_MEMFD_PRESERVE freezes the memfd's size (by adding the
 * GROW and SHRINK seals it lacks, held as the kernel's: see
 * MEMFD_KERNEL_SEALS_SHIFT), pins every page (filling holes, and migrating
 * pages out of scratch, which is CMA), preserves each folio and writes
 * the list of pages into preserved chunks right away, so freeze only
 * writes a few properties per memfd.
 *
 * Incoming: the memfd node is read at boot; KHO_MEMFD_RESTORE builds a new
 * shmem or hugetlb file from the preserved folios themselves and hands out
 * an fd. What is never restored is released by finish.
 *
 * A hugetlb memfd is one of whole huge pages: its "page-size" is the huge
 * page size and each folio in its list is one huge page. At boot its pages
 * join the pool of their size as pages in use (kho_memfd_claim()), restore
 * puts them into the new memfd, and finish frees those never restored into
 * the pool.
 */
#define pr_fmt(fmt) "KHO: memfd: " fmt

#include <linux/debugfs.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/hugetlb.h>
#include <linux/io.h>
#include <linux/ktime.h>
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
 * @page_size: its page size: PAGE_SIZE (shmem, whatever its folios) or
 *	a hugetlb memfd's huge page size
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
	unsigned long page_size;
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
	*memfd_file_seals_ptr(file) = seals;
	inode_unlock(inode);
}

#define KHO_MEMFD_SIZE_SEALS	(F_SEAL_GROW | F_SEAL_SHRINK)

/*
 * Of the size seals, those that preservation holds (set because it added
 * them, and not added by a user since: memfd_add_seals() makes them the
 * user's), as recorded in the seals word @seals.
 */
static unsigned int kho_memfd_held_seals(unsigned int seals)
{
	return (seals >> MEMFD_KERNEL_SEALS_SHIFT) & KHO_MEMFD_SIZE_SEALS;
}

/* The memfd's users' seals: any added since, none that preservation holds. */
static unsigned int kho_memfd_seals(struct kho_memfd *mfd)
{
	unsigned int seals = READ_ONCE(*memfd_file_seals_ptr(mfd->file));

	return seals & KHO_MEMFD_SEALS & ~kho_memfd_held_seals(seals);
}

/* Take away the size seals preservation holds, and only those. */
static void kho_memfd_thaw_size(struct kho_memfd *mfd)
{
	struct inode *inode = file_inode(mfd->file);
	unsigned int *seals = memfd_file_seals_ptr(mfd->file);
	unsigned int held;

	inode_lock(inode);
	held = kho_memfd_held_seals(*seals);
	*seals &= ~(held | held << MEMFD_KERNEL_SEALS_SHIFT);
	inode_unlock(inode);
}

static unsigned long kho_memfd_page_size(struct file *file)
{
#ifdef CONFIG_HUGETLBFS
	if (is_file_hugepages(file))
		return huge_page_size(hstate_file(file));
#endif
	return PAGE_SIZE;
}

/*
 * Freeze the size with the GROW and SHRINK seals it does not have yet,
 * held as the kernel's, so that unpreserve takes away no seal a user added.
 */
static void kho_memfd_freeze_size(struct kho_memfd *mfd)
{
	struct inode *inode = file_inode(mfd->file);
	unsigned int *seals = memfd_file_seals_ptr(mfd->file);
	unsigned int added;

	inode_lock(inode);
	added = KHO_MEMFD_SIZE_SEALS & ~*seals;
	*seals |= added | added << MEMFD_KERNEL_SEALS_SHIFT;
	mfd->size = i_size_read(inode);
	inode_unlock(inode);
	mfd->page_size = kho_memfd_page_size(mfd->file);
	mfd->nr_pages = DIV_ROUND_UP(mfd->size, PAGE_SIZE);
}

/*
 * A hugetlb memfd's holes are filled by hugetlbfs itself, as a fault would
 * fill them, taking the pool's reservations into account: 6.12's
 * memfd_pin_folios() takes a reserved page for a hugetlb hole whether or
 * not one was reserved (a memfd reserves none), which breaks the pool's
 * accounting. A shmem memfd's holes are memfd_pin_folios()'s to fill.
 */
static int kho_memfd_fill_holes(struct kho_memfd *mfd)
{
	int err;

	if (!is_file_hugepages(mfd->file) || !mfd->size)
		return 0;
	err = mfd->file->f_op->fallocate(mfd->file, 0, 0, mfd->size);
	/* hugetlbfs says ENOSPC when its pool has no page left */
	return err == -ENOSPC ? -ENOMEM : err;
}

/* Pin every page: holes are filled, pages in scratch (CMA) migrate out. */
static int kho_memfd_pin(struct kho_memfd *mfd)
{
	loff_t start = 0;
	int err;

	err = kho_memfd_fill_holes(mfd);
	if (err)
		return err;
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

/* One entry per folio, in file order, into preserved chunks. */
static int kho_memfd_write_entries(struct kho_memfd *mfd)
{
	struct kho_memfd_chunk *chunk = NULL;
	unsigned long i;

	for (i = 0; i < mfd->nr_folios; i++) {
		struct folio *folio = mfd->folios[i];

		if (!chunk || chunk->nr == KHO_MEMFD_CHUNK_ENTRIES) {
			chunk = kho_memfd_new_chunk(mfd);
			if (!chunk)
				return -ENOMEM;
		}
		chunk->entries[chunk->nr++] = folio_pfn(folio) << PAGE_SHIFT |
					      folio_order(folio);
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
 * Only a memfd can be preserved: an unlinked shmem or hugetlbfs file named
 * "memfd:..." (a file on a mounted tmpfs or hugetlbfs has a path, a SysV
 * shared memory segment another name).
 */
static int kho_memfd_check_file(struct file *file)
{
	if (!memfd_file_seals_ptr(file) || file_inode(file)->i_nlink ||
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
	err = err ?: kho_fdt_property_u64(fdt, "page-size", mfd->page_size);
	err = err ?: kho_fdt_property_u64(fdt, "nr-folios", mfd->nr_folios);
	err = err ?: kho_fdt_property_u64(fdt, "pages", first ? page_to_phys(first) : 0);
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

/*
 * A page size is PAGE_SIZE or a huge page size KHO can preserve at all: a
 * hugetlb memfd's size is a whole number of them (hugetlbfs allows no
 * other). Whether this kernel has a pool of that size is for
 * kho_memfd_claim() to find out and the restore to report.
 */
static bool kho_memfd_page_size_ok(const struct kho_memfd_in *in)
{
	if (in->page_size == PAGE_SIZE)
		return true;
	return is_power_of_2(in->page_size) && in->page_size > PAGE_SIZE &&
	       ilog2(in->page_size) - PAGE_SHIFT <= KHO_MAX_ORDER &&
	       IS_ALIGNED(in->size, in->page_size);
}

/*
 * Each folio covers one page at least, so there are no more folios than
 * pages, and none only without pages.
 */
static int kho_memfd_parse_one(const void *fdt, int node, struct kho_memfd_in *in)
{
	int err;

	memset(in, 0, sizeof(*in));
	err = kho_memfd_read_string(fdt, node, "memfd-name", in->name);
	err = err ?: kho_fdt_u64(fdt, node, "size", &in->size);
	err = err ?: kho_fdt_u64(fdt, node, "seals", &in->seals);
	err = err ?: kho_fdt_u64(fdt, node, "nr-pages", &in->nr_pages);
	err = err ?: kho_fdt_u64(fdt, node, "page-size", &in->page_size);
	err = err ?: kho_fdt_u64(fdt, node, "nr-folios", &in->nr_folios);
	err = err ?: kho_fdt_u64(fdt, node, "pages", &in->pages);
	if (err)
		return err;
	if (in->nr_pages != DIV_ROUND_UP(in->size, PAGE_SIZE) ||
	    !kho_memfd_page_size_ok(in) || in->nr_folios > in->nr_pages ||
	    !in->nr_folios != !in->nr_pages ||
	    (in->seals & ~KHO_MEMFD_SEALS) || in->size > MAX_LFS_FILESIZE ||
	    (in->nr_pages && !in->pages) || !PAGE_ALIGNED(in->pages))
		return -EINVAL;
	in->cur.phys = in->pages;
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
			/* Limited: a corrupt handover may have thousands. */
			pr_err_ratelimited("%s: bad node, its memory is released at finish\n",
					   name);
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

/*
 * A chunk of the page list, read in place (it is preserved memory, mapped
 * like all RAM) so a restore can check everything before taking anything.
 */
static const struct kho_memfd_chunk *kho_memfd_chunk_at(phys_addr_t phys)
{
	return phys && kho_in_test(&kho_in, phys, 0) ? phys_to_virt(phys) : NULL;
}

#define KHO_MEMFD_ENTRY_BITS	(PAGE_MASK | KHO_MEMFD_ENTRY_ORDER)

/* A hugetlb memfd's huge page order; 0 for shmem. */
static unsigned int kho_memfd_in_order(const struct kho_memfd_in *in)
{
	return ilog2(in->page_size) - PAGE_SHIFT;
}

/*
 * An entry names a folio preserved at its order, placed at a file index
 * that order aligns, inside the file (its last folio may reach past the
 * end, as a huge shmem folio of a small file does). A hugetlb memfd's
 * folios are all huge pages of its size. Anything else, unknown bits
 * included, is corrupt.
 */
static bool kho_memfd_entry_ok(const struct kho_memfd_in *in, u64 entry,
			       pgoff_t index)
{
	unsigned int order = entry & KHO_MEMFD_ENTRY_ORDER;
	unsigned int huge = kho_memfd_in_order(in);

	return !(entry & ~KHO_MEMFD_ENTRY_BITS) && order <= KHO_MAX_ORDER &&
	       (!huge || order == huge) &&
	       IS_ALIGNED(index, 1UL << order) && index < in->nr_pages &&
	       kho_in_test(&kho_in, entry & PAGE_MASK, order);
}

/*
 * Every chunk but the last is full, and no memfd has more folios than its
 * node says, so the walk ends after at most nr_folios /
 * KHO_MEMFD_CHUNK_ENTRIES + 1 chunks whatever the links say. The folios
 * must cover all of the file's pages. The caller holds kho_in_lock().
 */
static int kho_memfd_check_list(const struct kho_memfd_in *in)
{
	const struct kho_memfd_chunk *chunk;
	phys_addr_t phys = in->pages;
	unsigned long i, folios = 0;
	pgoff_t index = 0;
	u64 entry;

	lockdep_assert_held(&kho_in.lock);
	while (folios < in->nr_folios) {
		chunk = kho_memfd_chunk_at(phys);
		if (!chunk || !chunk->nr || chunk->nr > KHO_MEMFD_CHUNK_ENTRIES ||
		    chunk->nr > in->nr_folios - folios ||
		    (chunk->nr < KHO_MEMFD_CHUNK_ENTRIES && chunk->next))
			return -EINVAL;
		for (i = 0; i < chunk->nr; i++) {
			entry = chunk->entries[i];
			if (!kho_memfd_entry_ok(in, entry, index))
				return -EINVAL;
			index += 1UL << (entry & KHO_MEMFD_ENTRY_ORDER);
		}
		folios += chunk->nr;
		phys = chunk->next;
	}
	return phys || index < in->nr_pages ? -EINVAL : 0;
}

/*
 * A clock for the parts of a restore that run once per folio: with the
 * test client only (make bench), so that a restore does not pay for it.
 */
static u64 kho_memfd_folio_clock(void)
{
	return IS_ENABLED(CONFIG_KHO_TEST) ? ktime_get_ns() : 0;
}

/*
 * What to do with each folio of a list: called with the folio and the page
 * index it starts at. On success the caller's reference is the callee's;
 * on failure (for want of memory: nothing changed) it stays the caller's,
 * to be offered again.
 */
typedef int (*kho_memfd_take_fn)(struct folio *folio, pgoff_t index, void *arg);

/*
 * Take the folio of @cur's entry back, unless a failed call took it
 * already, and offer it to @take; @take_ns adds the time taking it back
 * cost (its struct pages made a folio again).
 */
static int kho_memfd_take_entry(struct kho_memfd_cursor *cur, u64 entry,
				kho_memfd_take_fn take, void *arg, u64 *take_ns)
{
	unsigned int order = entry & KHO_MEMFD_ENTRY_ORDER;
	u64 start = kho_memfd_folio_clock();
	int err;

	if (!cur->folio) {
		/*
		 * The list was checked, so only a corrupt list that names one
		 * folio twice gets here without it: an error, not a bug.
		 */
		cur->folio = kho_restore_folio(entry & PAGE_MASK);
		*take_ns += kho_memfd_folio_clock() - start;
		if (!cur->folio)
			return -EINVAL;
		if (folio_order(cur->folio) != order)
			return -EINVAL;
	}
	err = take(cur->folio, cur->index, arg);
	if (err)
		return err;
	cur->folio = NULL;
	cur->index += 1UL << order;
	cur->entry++;
	return 0;
}

/*
 * Take every folio of a checked list back, in file order, into @take; the
 * list's own pages are freed on the way. Only @take can still fail here
 * (-EINVAL aside, from a corrupt list): @in->cur then says where, and a
 * later call goes on from there. What a walk never takes finish releases.
 */
static int kho_memfd_take_all(struct kho_memfd_in *in, kho_memfd_take_fn take,
			      void *arg, u64 *take_ns)
{
	struct kho_memfd_cursor *cur = &in->cur;
	const struct kho_memfd_chunk *chunk;
	int err;

	while (cur->index < in->nr_pages) {
		if (!cur->chunk) {
			cur->chunk = kho_restore_pages(cur->phys, 1);
			/* A chunk listed twice: its first visit took it. */
			if (!cur->chunk)
				return -EINVAL;
			cur->entry = 0;
		}
		chunk = page_address(cur->chunk);
		while (cur->entry < chunk->nr) {
			err = kho_memfd_take_entry(cur, chunk->entries[cur->entry],
						   take, arg, take_ns);
			if (err)
				return err;
		}
		cur->phys = chunk->next;
		__free_page(cur->chunk);
		cur->chunk = NULL;
	}
	return 0;
}

/* What a walk that stopped half-way still holds goes back to the allocator. */
static void kho_memfd_cursor_release(struct kho_memfd_cursor *cur)
{
	if (cur->folio)
		folio_put(cur->folio);
	if (cur->chunk)
		__free_page(cur->chunk);
	cur->folio = NULL;
	cur->chunk = NULL;
}

/* A shmem memfd's folio goes into its page cache at @index. */
static int kho_memfd_take_shmem(struct folio *folio, pgoff_t index, void *file)
{
	int err = shmem_insert_folio(file, folio, index);

	if (!err)
		folio_put(folio);
	return err;
}

#ifdef CONFIG_HUGETLBFS
/*
 * A hugetlb memfd's huge page becomes a page in use of its pool at boot,
 * kept in @in->folios until the restore.
 */
static int kho_memfd_take_huge(struct folio *folio, pgoff_t index, void *arg)
{
	struct kho_memfd_in *in = arg;
	int err;

	err = hugetlb_kho_claim_folio(size_to_hstate(in->page_size), folio);
	if (err)
		return err;
	in->folios[in->nr_claimed++] = folio;
	return 0;
}

/*
 * Free the claimed huge pages that are in no file into their pool; those
 * in a file go with it.
 */
static void kho_memfd_unclaim(struct kho_memfd_in *in)
{
	while (in->nr_claimed > in->nr_filled)
		folio_put(in->folios[--in->nr_claimed]);
	kvfree(in->folios);
	in->folios = NULL;
	in->nr_claimed = 0;
	in->nr_filled = 0;
}

/*
 * Put the claimed huge pages into @file, which holds them from then on, in
 * one run; after a failure for want of memory, a later call goes on where
 * this one stopped.
 */
static int kho_memfd_fill_huge(struct file *file, struct kho_memfd_in *in)
{
	unsigned long i, added;
	int err;

	err = hugetlb_kho_add_folios(file, in->folios + in->nr_filled, in->nr_filled,
				     in->nr_claimed - in->nr_filled, &added);
	for (i = 0; i < added; i++)
		folio_put(in->folios[in->nr_filled++]);
	if (err)
		return err;
	kho_memfd_unclaim(in);
	return 0;
}
#else
static int kho_memfd_take_huge(struct folio *folio, pgoff_t index, void *arg)
{
	return -EOPNOTSUPP;
}

static void kho_memfd_unclaim(struct kho_memfd_in *in) { }

static int kho_memfd_fill_huge(struct file *file, struct kho_memfd_in *in)
{
	return -EOPNOTSUPP;
}
#endif

/*
 * Drop everything @in still holds: its claimed huge pages, a walk stopped
 * half-way and the memfd it was filling. Its other pages are finish's.
 */
static void kho_memfd_in_release(struct kho_memfd_in *in)
{
	kho_memfd_cursor_release(&in->cur);
	kho_memfd_unclaim(in);
	if (in->file)
		fput(in->file);
	in->file = NULL;
}

/*
 * A hugetlb memfd's pages join the pool of their size: without one in
 * this kernel (no hstate of that size) the memfd cannot be restored here.
 */
static int kho_memfd_check_pool(const struct kho_memfd_in *in)
{
	if (in->page_size == PAGE_SIZE)
		return 0;
#ifdef CONFIG_HUGETLBFS
	if (size_to_hstate(in->page_size))
		return 0;
#endif
	pr_err("%s: its pages are %llu KiB huge pages, and this kernel has no hugetlb pool of that size\n",
	       in->name, in->page_size >> 10);
	return -EOPNOTSUPP;
}

static struct file *kho_memfd_create(const struct kho_memfd_in *in)
{
	char name[KHO_NAME_MAX + 8];
	struct file *file;

	snprintf(name, sizeof(name), "memfd:%s", in->name);
	if (in->page_size == PAGE_SIZE)
		file = shmem_file_setup(name, in->size, VM_NORESERVE);
	else
		file = hugetlb_file_setup(name, in->size, VM_NORESERVE,
					  HUGETLB_ANONHUGE_INODE, ilog2(in->page_size));
	if (IS_ERR(file))
		return file;
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	file->f_flags |= O_LARGEFILE;
	return file;
}

/*
 * At boot, the pages of a hugetlb memfd join their pool as pages in use,
 * which its boot-time allocation left room for (kho_memfd_huge_pages()),
 * so that nobody else is given them and the pool's counters are right
 * from the start. A memfd whose pages cannot join keeps the reason for
 * its restore; finish gives its pages to the page allocator.
 */
static void __init kho_memfd_claim(struct kho_memfd_in *in)
{
	u64 start = ktime_get_ns(), take_ns = 0;
	int err;

	err = kho_memfd_check_pool(in);
	if (err)
		goto fail;
	err = -ENOMEM;
	in->folios = kvcalloc(in->nr_folios, sizeof(*in->folios), GFP_KERNEL);
	if (!in->folios)
		goto fail;
	kho_in_lock();
	err = kho_memfd_check_list(in);
	kho_in_unlock();
	if (!err)
		err = kho_memfd_take_all(in, kho_memfd_take_huge, in, &take_ns);
	if (!err) {
		pr_info("%s: %llu huge pages of %llu KiB in their pool, in %llu us\n",
			in->name, in->nr_folios, in->page_size >> 10,
			div_u64(ktime_get_ns() - start, NSEC_PER_USEC));
		return;
	}
	kho_memfd_in_release(in);
	pr_err("%s: corrupt page list, not restorable\n", in->name);
fail:
	in->claim_err = err;
}

static void __init kho_memfd_claim_all(void)
{
	unsigned long i;

	for (i = 0; i < kho_memfds.nr_in; i++)
		if (kho_memfds.in[i].page_size != PAGE_SIZE)
			kho_memfd_claim(&kho_memfds.in[i]);
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
	kho_memfd_claim_all();
	return 0;
}

/**
 * kho_memfd_huge_pages - huge pages of a size the handover holds in memfds
 * @page_size: a hugetlb page size
 *
 * For the boot-time allocation of the hugetlb pool of that size, which
 * counts them as its own: they join it in use when kho_memfd_claim() takes
 * them. Read from the memfd nodes as kho_memfd_read_nodes() reads them,
 * up to the first gap, malformed nodes left out; usable from early boot.
 *
 * Return: the number of pages, 0 without a valid handover.
 */
unsigned long kho_memfd_huge_pages(unsigned long page_size)
{
	struct kho_memfd_in in;
	unsigned long n, pages = 0;
	char name[24];
	int node, child;

	node = kho_find_node(KHO_MEMFD_NODE, KHO_MEMFD_COMPATIBLE);
	for (n = 0; node >= 0; n++) {
		snprintf(name, sizeof(name), "memfd@%lu", n);
		child = fdt_subnode_offset(kho_in.fdt, node, name);
		if (child < 0)
			break;
		if (!kho_memfd_parse_one(kho_in.fdt, child, &in) && in.page_size == page_size)
			pages += in.size / page_size;
	}
	return pages;
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

/*
 * Can @in be restored? A shmem memfd's list is checked by its first
 * restore, a hugetlb memfd's was when its pages were claimed at boot. A
 * corrupt list makes the memfd unrestorable; a memfd whose page size has
 * no pool here stays restorable, if only to be asked again.
 */
static int kho_memfd_check(struct kho_memfd_in *in)
{
	int err = in->claim_err;

	if (in->page_size == PAGE_SIZE && !in->file) {
		kho_in_lock();
		err = kho_memfd_check_list(in);
		kho_in_unlock();
		if (err)
			pr_err("%s: corrupt page list, not restorable\n", in->name);
	}
	if (err == -EINVAL)
		in->restored = true;
	return err;
}

/*
 * Put @in's pages into its memfd, created by the first call; on -ENOMEM
 * (or another failure that changed nothing) @in keeps the memfd and how
 * far it got, for the next call. A corrupt list loses the memfd.
 */
static int kho_memfd_fill(struct kho_memfd_in *in, u64 *take_ns)
{
	struct file *file = in->file;
	int err;

	if (!file) {
		file = kho_memfd_create(in);
		/* shmem and hugetlbfs say ENOSPC when no inode could be allocated. */
		if (IS_ERR(file))
			return PTR_ERR(file) == -ENOSPC ? -ENOMEM : PTR_ERR(file);
		in->file = file;
	}
	if (in->page_size == PAGE_SIZE)
		err = kho_memfd_take_all(in, kho_memfd_take_shmem, file, take_ns);
	else
		err = kho_memfd_fill_huge(file, in);
	if (err == -EINVAL) {
		pr_err("%s: lost: its page list names a folio twice\n", in->name);
		in->restored = true;
		kho_memfd_in_release(in);
	}
	return err;
}

/**
 * kho_memfd_restore - KHO_MEMFD_RESTORE
 * @ucmd: the call
 *
 * Return: 0, -ENOENT for an unknown or already restored name, -EINVAL if
 * the handed-over page list is corrupt (the memfd is then lost),
 * -EOPNOTSUPP for a hugetlb memfd whose page size this kernel has no pool
 * for, -ENOMEM. The last two leave it restorable: after -ENOMEM the next
 * restore goes on where this one stopped, no page lost.
 */
int kho_memfd_restore(struct kho_ucmd *ucmd)
{
	struct kho_memfd_restore *cmd = ucmd->cmd;
	u64 start = ktime_get_ns(), checked, take_ns = 0;
	struct kho_memfd_in *in;
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
	err = kho_memfd_check(in);
	checked = ktime_get_ns();
	if (err)
		goto unlock;
	fd = get_unused_fd_flags(O_RDWR | (cmd->flags & KHO_MEMFD_RESTORE_CLOEXEC ?
					   O_CLOEXEC : 0));
	if (fd < 0) {
		err = fd;
		goto unlock;
	}
	cmd->out_fd = fd;
	err = kho_ucmd_respond(ucmd, sizeof(*cmd));
	err = err ?: kho_memfd_fill(in, &take_ns);
	if (err)
		goto put_fd;

	in->restored = true;
	kho_memfd_set_seals(in->file, in->seals);
	fd_install(fd, in->file);
	in->file = NULL;
	/* Where a restore's time goes: the list's check, or the folios. */
	pr_info("%s: restored %llu pages in %llu folios: list checked in %llu us, folios taken in %llu us\n",
		in->name, in->nr_pages, in->nr_folios, div_u64(checked - start, NSEC_PER_USEC),
		div_u64(ktime_get_ns() - checked, NSEC_PER_USEC));
	if (IS_ENABLED(CONFIG_KHO_TEST))
		pr_info("%s: of which %llu us making them folios again\n", in->name,
			div_u64(take_ns, NSEC_PER_USEC));
	mutex_unlock(&kho_memfds.lock);
	return 0;

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
/* Bits a page list entry never has: between the order and the address. */
#define KHO_MEMFD_ENTRY_UNUSED	(~PAGE_MASK & ~(u64)KHO_MEMFD_ENTRY_ORDER)

static int kho_memfd_corrupt_chunk(const char *how, u64 rnd,
				   struct kho_memfd_chunk *chunk)
{
	u64 *entry = &chunk->entries[rnd % chunk->nr];
	phys_addr_t nowhere = virt_to_phys(kho_out.hdr);

	rnd /= KHO_MEMFD_CHUNK_ENTRIES;
	if (!strcmp(how, "memfd-dup"))
		chunk->entries[1] = chunk->entries[0];
	else if (!strcmp(how, "memfd-align"))
		chunk->entries[1] = (chunk->entries[1] & ~KHO_MEMFD_ENTRY_ORDER) |
			((chunk->entries[0] & KHO_MEMFD_ENTRY_ORDER) + 1);
	else if (!strcmp(how, "memfd-unpreserved"))
		chunk->entries[0] = nowhere | (chunk->entries[0] & ~PAGE_MASK);
	else if (!strcmp(how, "memfd-bits"))
		*entry |= BIT_ULL(__ffs64(KHO_MEMFD_ENTRY_UNUSED) +
				  rnd % hweight64(KHO_MEMFD_ENTRY_UNUSED));
	else if (!strcmp(how, "memfd-order"))
		chunk->entries[0] = (chunk->entries[0] & ~KHO_MEMFD_ENTRY_ORDER) |
			(KHO_MAX_ORDER + 1 + rnd % (KHO_MEMFD_ENTRY_ORDER - KHO_MAX_ORDER));
	else if (!strcmp(how, "memfd-count"))
		chunk->nr = KHO_MEMFD_CHUNK_ENTRIES + 1 + rnd % SZ_1K;
	else if (!strcmp(how, "memfd-next"))
		chunk->next = nowhere;
	else if (!strcmp(how, "memfd-short"))
		chunk->nr = 1;
	else if (!strcmp(how, "memfd-empty"))
		chunk->nr = 0;
	else
		return -EINVAL;
	return 0;
}

/**
 * kho_memfd_test_corrupt - break the first preserved memfd's page list
 * @how: memfd-dup (entry 1 names entry 0's folio again), memfd-align
 *	(entry 1 of an order its file index, entry 0's folio size, does not
 *	align), memfd-unpreserved (entry 0 a
 *	page nobody preserved), memfd-bits (an entry with a bit entries
 *	never have), memfd-order (entry 0 of an order above the maximum),
 *	memfd-count (a chunk with more entries than fit), memfd-next (a
 *	link to a page nobody preserved), memfd-short (too few entries for
 *	the memfd's pages) or memfd-empty (a chunk without entries)
 * @rnd: a random number, for the details
 * @name: set to the memfd's name
 * @size: room in @name
 *
 * For kho_test's corrupt knob, after freeze: the list is in preserved
 * pages the next kernel reads, which no checksum covers. Each must make
 * the restore of that memfd fail with EINVAL.
 *
 * Return: 0, -ENOENT without a preserved memfd of two folios or more,
 * -EINVAL for an unknown @how.
 */
int kho_memfd_test_corrupt(const char *how, u64 rnd, char *name, size_t size)
{
	struct kho_memfd *mfd;
	struct page *first;
	int err = -ENOENT;

	mutex_lock(&kho_memfds.lock);
	mfd = list_first_entry_or_null(&kho_memfds.out, struct kho_memfd, list);
	if (mfd && mfd->nr_folios >= 2) {
		strscpy(name, mfd->name, size);
		first = list_first_entry(&mfd->chunks, struct page, lru);
		err = kho_memfd_corrupt_chunk(how, rnd, page_address(first));
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
		seq_printf(m, "memfd %s: %lld bytes, %lu pages, %lu folios\n",
			   mfd->name, mfd->size, mfd->nr_pages, mfd->nr_folios);
		pages += mfd->nr_pages;
		chunks += mfd->nr_chunks;
	}
	seq_printf(m, "memfds: %lu, pages: %lu\n", kho_memfds.nr_out, pages);
	seq_printf(m, "memfd list bytes: %lu\n", chunks << PAGE_SHIFT);
	mutex_unlock(&kho_memfds.lock);
}

/*
 * The update is over: forget the handed-over memfds. A restore in flight
 * holds kho_memfds.lock, so it completes first; later ones find no name.
 */
static void kho_memfd_finish(struct kho_handler *handler)
{
	unsigned long i;

	mutex_lock(&kho_memfds.lock);
	for (i = 0; i < kho_memfds.nr_in; i++)
		kho_memfd_in_release(&kho_memfds.in[i]);
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

static int __init kho_memfd_init(void)
{
	int err;

	err = kho_memfd_parse();
	if (err)
		pr_err("cannot read the handed-over memfds: %d\n", err);
	return kho_register_handler(&kho_memfd_handler);
}
late_initcall(kho_memfd_init);
