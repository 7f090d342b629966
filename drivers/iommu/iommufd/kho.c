// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd and Kexec HandOver (KHO): keep a paging HWPT translating across
 * a kexec, for the devices VFIO preserves with it.
 *
 * Objects: struct iommufd_hwpt_kho, one per preserved HWPT, hangs off
 * iommufd_hwpt_paging::kho. While it exists the HWPT's IOAS is immutable
 * (io_pagetable::kho_frozen counts such HWPTs; map and unmap check it under
 * the IOAS locks), the memfds behind every mapping are held preserved, and
 * the IOMMU driver keeps the domain's page-table pages preserved.
 *
 * Lock order: iommufd_kho.lock (every preserved HWPT and its device count)
 * is taken inside VFIO's dev_set->lock and outside the IOAS locks
 * (domains_rwsem, then iova_rwsem), iommufd_group::lock and the IOMMU
 * driver's own locks.
 */
#include <linux/file.h>
#include <linux/iommufd.h>
#include <linux/kho.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "../iommu-priv.h"
#include "io_pagetable.h"
#include "iommufd_private.h"

/**
 * struct iommufd_hwpt_kho - a preserved HWPT
 * @list: in iommufd_kho.hwpts
 * @hwpt: the HWPT
 * @token: its name in the next kernel
 * @nr_devs: preserved devices attached to it
 * @nr_files: entries in @files
 * @files: the memfds held preserved, one per mapped area
 */
struct iommufd_hwpt_kho {
	struct list_head list;
	struct iommufd_hwpt_paging *hwpt;
	u64 token;
	unsigned int nr_devs;
	unsigned int nr_files;
	struct file *files[] __counted_by(nr_files);
};

static struct {
	struct mutex lock;		/* the list and every HWPT's device count */
	struct list_head hwpts;
} iommufd_kho = {
	.lock = __MUTEX_INITIALIZER(iommufd_kho.lock),
	.hwpts = LIST_HEAD_INIT(iommufd_kho.hwpts),
};

static bool iommufd_kho_token_used(u64 token)
{
	struct iommufd_hwpt_kho *kho;

	lockdep_assert_held(&iommufd_kho.lock);
	list_for_each_entry(kho, &iommufd_kho.hwpts, list)
		if (kho->token == token)
			return true;
	return false;
}

/* The memfd mapped at @uptr for @len bytes, referenced, and its offset. */
static struct file *iommufd_kho_area_file(struct mm_struct *mm,
					  unsigned long uptr, unsigned long len,
					  loff_t *offset)
{
	struct vm_area_struct *vma;
	struct file *file = NULL;

	if (!mmget_not_zero(mm))
		return NULL;
	mmap_read_lock(mm);
	vma = vma_lookup(mm, uptr);
	if (vma && vma->vm_file && uptr + len <= vma->vm_end) {
		file = get_file(vma->vm_file);
		*offset = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) + uptr - vma->vm_start;
	}
	mmap_read_unlock(mm);
	mmput(mm);
	return file;
}

static void iommufd_kho_unhold(struct iommufd_hwpt_kho *kho, unsigned int nr)
{
	while (nr--) {
		kho_memfd_unhold(kho->files[nr]);
		fput(kho->files[nr]);
	}
}

/*
 * Hold every memfd the IOAS maps, so none is unpreserved under a mapping
 * the next kernel keeps. A mapping that is not of a preserved memfd still
 * mapped by the process fails: nothing could keep its pages.
 */
static int iommufd_kho_hold(struct io_pagetable *iopt,
			    struct iommufd_hwpt_kho *kho)
{
	struct iopt_area *area;
	unsigned int n = 0;
	int rc = 0;

	lockdep_assert_held(&iopt->iova_rwsem);
	for (area = iopt_area_iter_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_iter_next(area, 0, ULONG_MAX)) {
		unsigned long first = iopt_area_index(area);
		unsigned long len = (iopt_area_last_index(area) - first + 1) * PAGE_SIZE;
		struct iopt_pages *pages = area->pages;
		struct file *file;
		loff_t off;

		/* An area whose map is still in flight: try again later. */
		rc = -EBUSY;
		if (!pages || n == kho->nr_files)
			break;
		rc = -EINVAL;
		file = iommufd_kho_area_file(pages->source_mm,
					     (unsigned long)pages->uptr + first * PAGE_SIZE,
					     len, &off);
		if (!file)
			break;
		rc = kho_memfd_hold(file, off, len);
		if (rc) {
			fput(file);
			break;
		}
		kho->files[n++] = file;
	}
	if (rc)
		iommufd_kho_unhold(kho, n);
	else
		kho->nr_files = n;
	return rc;
}

static unsigned int iommufd_kho_nr_areas(struct io_pagetable *iopt)
{
	struct iopt_area *area;
	unsigned int n = 0;

	lockdep_assert_held(&iopt->iova_rwsem);
	for (area = iopt_area_iter_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_iter_next(area, 0, ULONG_MAX))
		n++;
	return n;
}

/* Freeze the IOAS and hold its memfds; the areas cannot change after. */
static struct iommufd_hwpt_kho *iommufd_kho_freeze_ioas(struct io_pagetable *iopt)
{
	struct iommufd_hwpt_kho *kho;
	unsigned int nr;
	int rc;

	down_write(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	nr = iommufd_kho_nr_areas(iopt);
	kho = kzalloc(struct_size(kho, files, nr), GFP_KERNEL);
	rc = -ENOMEM;
	if (kho) {
		kho->nr_files = nr;
		rc = iommufd_kho_hold(iopt, kho);
	}
	if (!rc)
		iopt->kho_frozen++;
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->domains_rwsem);
	if (rc) {
		kfree(kho);
		return ERR_PTR(rc);
	}
	return kho;
}

static void iommufd_kho_thaw_ioas(struct io_pagetable *iopt,
				  struct iommufd_hwpt_kho *kho)
{
	down_write(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	iopt->kho_frozen--;
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->domains_rwsem);
	iommufd_kho_unhold(kho, kho->nr_files);
	kfree(kho);
}

static int iommufd_hwpt_kho_do_preserve(struct iommufd_hwpt_paging *hwpt,
					u64 token)
{
	struct iommu_domain *domain = hwpt->common.domain;
	struct io_pagetable *iopt = &hwpt->ioas->iopt;
	struct iommufd_hwpt_kho *kho;
	int rc;

	lockdep_assert_held(&iommufd_kho.lock);
	if (!domain->ops->kho_preserve || !domain->ops->kho_unpreserve)
		return -EOPNOTSUPP;
	if (hwpt->kho || iommufd_kho_token_used(token))
		return -EEXIST;
	if (kho_is_frozen())
		return -EBUSY;
	kho = iommufd_kho_freeze_ioas(iopt);
	if (IS_ERR(kho))
		return PTR_ERR(kho);
	rc = domain->ops->kho_preserve(domain, token);
	if (rc) {
		iommufd_kho_thaw_ioas(iopt, kho);
		return rc;
	}
	kho->hwpt = hwpt;
	kho->token = token;
	hwpt->kho = kho;
	list_add_tail(&kho->list, &iommufd_kho.hwpts);
	return 0;
}

static void iommufd_hwpt_kho_do_unpreserve(struct iommufd_hwpt_paging *hwpt)
{
	struct iommu_domain *domain = hwpt->common.domain;
	struct iommufd_hwpt_kho *kho = hwpt->kho;

	lockdep_assert_held(&iommufd_kho.lock);
	domain->ops->kho_unpreserve(domain);
	list_del(&kho->list);
	hwpt->kho = NULL;
	iommufd_kho_thaw_ioas(&hwpt->ioas->iopt, kho);
}

/* A paging HWPT by id: nested ones cannot be preserved. */
static struct iommufd_object *iommufd_kho_get_hwpt(struct iommufd_ucmd *ucmd,
						   u32 id)
{
	struct iommufd_object *obj;

	obj = iommufd_get_object(ucmd->ictx, id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(obj) || obj->type == IOMMUFD_OBJ_HWPT_PAGING)
		return obj;
	iommufd_put_object(ucmd->ictx, obj);
	return ERR_PTR(obj->type == IOMMUFD_OBJ_HWPT_NESTED ? -EOPNOTSUPP : -ENOENT);
}

/**
 * iommufd_hwpt_kho_preserve - IOMMU_HWPT_KHO_PRESERVE
 * @ucmd: the call
 *
 * Return: 0 or the errno the uAPI documents.
 */
int iommufd_hwpt_kho_preserve(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_kho_preserve *cmd = ucmd->cmd;
	struct iommufd_object *obj;
	int rc;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	if (!cmd->token)
		return -EINVAL;
	obj = iommufd_kho_get_hwpt(ucmd, cmd->hwpt_id);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	mutex_lock(&iommufd_kho.lock);
	rc = iommufd_hwpt_kho_do_preserve(container_of(obj, struct iommufd_hwpt_paging,
						       common.obj), cmd->token);
	mutex_unlock(&iommufd_kho.lock);
	iommufd_put_object(ucmd->ictx, obj);
	return rc;
}

/**
 * iommufd_hwpt_kho_unpreserve - IOMMU_HWPT_KHO_UNPRESERVE
 * @ucmd: the call
 *
 * Return: 0 or the errno the uAPI documents.
 */
int iommufd_hwpt_kho_unpreserve(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_kho_unpreserve *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;
	struct iommufd_object *obj;
	int rc = 0;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	obj = iommufd_kho_get_hwpt(ucmd, cmd->hwpt_id);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	hwpt = container_of(obj, struct iommufd_hwpt_paging, common.obj);
	mutex_lock(&iommufd_kho.lock);
	if (!hwpt->kho)
		rc = -EINVAL;
	else if (hwpt->kho->nr_devs || kho_is_frozen())
		rc = -EBUSY;
	else
		iommufd_hwpt_kho_do_unpreserve(hwpt);
	mutex_unlock(&iommufd_kho.lock);
	iommufd_put_object(ucmd->ictx, obj);
	return rc;
}

/**
 * iommufd_hwpt_kho_destroy - a preserved HWPT is destroyed: unpreserve it
 * @hwpt: the HWPT; no device is attached to it any more
 */
void iommufd_hwpt_kho_destroy(struct iommufd_hwpt_paging *hwpt)
{
	mutex_lock(&iommufd_kho.lock);
	if (hwpt->kho && !WARN_ON(hwpt->kho->nr_devs))
		iommufd_hwpt_kho_do_unpreserve(hwpt);
	mutex_unlock(&iommufd_kho.lock);
}

/**
 * iommufd_device_kho_preserve - keep a device translating across the kexec
 * @idev: a device attached to a preserved HWPT; the caller keeps it
 *	attached there until iommufd_device_kho_unpreserve()
 * @hwpt_token: the HWPT's token, on success
 *
 * Return: 0, -EINVAL if the device is not attached to a preserved HWPT,
 * -EBUSY once frozen, or the IOMMU driver's error.
 */
int iommufd_device_kho_preserve(struct iommufd_device *idev, u64 *hwpt_token)
{
	const struct iommu_ops *ops = dev_iommu_ops(idev->dev);
	struct iommufd_hw_pagetable *hwpt;
	struct iommufd_hwpt_kho *kho = NULL;
	int rc;

	mutex_lock(&iommufd_kho.lock);
	mutex_lock(&idev->igroup->lock);
	hwpt = idev->igroup->hwpt;
	if (hwpt && hwpt->obj.type == IOMMUFD_OBJ_HWPT_PAGING)
		kho = to_hwpt_paging(hwpt)->kho;
	if (!kho)
		rc = -EINVAL;
	else if (kho_is_frozen())
		rc = -EBUSY;
	else if (!ops->kho_preserve_dev)
		rc = -EOPNOTSUPP;
	else
		rc = ops->kho_preserve_dev(idev->dev, hwpt->domain);
	if (!rc) {
		kho->nr_devs++;
		*hwpt_token = kho->token;
	}
	mutex_unlock(&idev->igroup->lock);
	mutex_unlock(&iommufd_kho.lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_kho_preserve, IOMMUFD);

/**
 * iommufd_device_kho_unpreserve - undo iommufd_device_kho_preserve()
 * @idev: the device, still attached to the same HWPT
 */
void iommufd_device_kho_unpreserve(struct iommufd_device *idev)
{
	const struct iommu_ops *ops = dev_iommu_ops(idev->dev);
	struct iommufd_hw_pagetable *hwpt;

	mutex_lock(&iommufd_kho.lock);
	mutex_lock(&idev->igroup->lock);
	hwpt = idev->igroup->hwpt;
	if (!WARN_ON(!hwpt || hwpt->obj.type != IOMMUFD_OBJ_HWPT_PAGING ||
		     !to_hwpt_paging(hwpt)->kho)) {
		ops->kho_unpreserve_dev(idev->dev);
		to_hwpt_paging(hwpt)->kho->nr_devs--;
	}
	mutex_unlock(&idev->igroup->lock);
	mutex_unlock(&iommufd_kho.lock);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_kho_unpreserve, IOMMUFD);

/* ---- incoming: the HWPT of a frozen domain -------------------------------- */

/*
 * Put @idev on @hwpt, which wraps the domain its group was left on, as
 * an attach would: iommufd counts the device as attached, so the next
 * attach is a replace.
 */
static int iommufd_kho_attach_frozen(struct iommufd_device *idev,
				     struct iommufd_hw_pagetable *hwpt, u64 token)
{
	struct iommufd_group *igroup = idev->igroup;
	struct iommufd_attach_handle *handle;
	struct iommu_domain *domain;

	lockdep_assert_held(&igroup->lock);
	if (igroup->hwpt)
		return igroup->hwpt->obj.type == IOMMUFD_OBJ_HWPT_FROZEN ? -EBUSY : -ENOENT;
	handle = kzalloc(sizeof(*handle), GFP_KERNEL);
	if (!handle)
		return -ENOMEM;
	handle->idev = idev;
	domain = iommu_kho_adopt(idev->dev, idev->ictx, token, &handle->handle);
	if (IS_ERR(domain)) {
		kfree(handle);
		return PTR_ERR(domain);
	}
	hwpt->domain = domain;
	igroup->hwpt = hwpt;
	list_add_tail(&idev->group_item, &igroup->device_list);
	refcount_inc(&hwpt->obj.users);
	/* Pairs with iommufd_device_detach(), as for an attach */
	refcount_inc(&idev->obj.users);
	return 0;
}

/* Undo iommufd_kho_attach_frozen(): the domain goes back to the core. */
static void iommufd_kho_detach_frozen(struct iommufd_device *idev,
				      struct iommufd_hw_pagetable *hwpt)
{
	struct iommufd_group *igroup = idev->igroup;
	struct iommu_attach_handle *handle;

	mutex_lock(&igroup->lock);
	list_del(&idev->group_item);
	igroup->hwpt = NULL;
	refcount_dec(&hwpt->obj.users);
	refcount_dec(&idev->obj.users);
	handle = iommu_kho_unadopt(idev->dev, hwpt->domain);
	mutex_unlock(&igroup->lock);
	if (handle)
		kfree(container_of(handle, struct iommufd_attach_handle, handle));
	hwpt->domain = NULL;
}

/**
 * iommufd_kho_adopt - IOMMU_KHO_ADOPT
 * @ucmd: the call
 *
 * Return: 0 or the errno the uAPI documents.
 */
int iommufd_kho_adopt(struct iommufd_ucmd *ucmd)
{
	struct iommu_kho_adopt *cmd = ucmd->cmd;
	struct iommufd_hw_pagetable *hwpt;
	struct iommufd_device *idev;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (!cmd->token)
		return -EINVAL;
	idev = iommufd_get_device(ucmd, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	hwpt = iommufd_object_alloc(ucmd->ictx, hwpt, IOMMUFD_OBJ_HWPT_FROZEN);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_put_idev;
	}
	mutex_lock(&idev->igroup->lock);
	rc = iommufd_kho_attach_frozen(idev, hwpt, cmd->token);
	mutex_unlock(&idev->igroup->lock);
	if (rc)
		goto out_abort;
	cmd->out_hwpt_id = hwpt->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iommufd_kho_detach_frozen(idev, hwpt);
		goto out_abort;
	}
	iommufd_object_finalize(ucmd->ictx, &hwpt->obj);
	goto out_put_idev;
out_abort:
	iommufd_object_abort_and_destroy(ucmd->ictx, &hwpt->obj);
out_put_idev:
	iommufd_put_object(ucmd->ictx, &idev->obj);
	return rc;
}

/**
 * iommufd_hwpt_frozen_destroy - the adopted HWPT is destroyed
 * @obj: its object; no device is on it any more
 *
 * The IOMMU driver frees the previous kernel's page tables.
 */
void iommufd_hwpt_frozen_destroy(struct iommufd_object *obj)
{
	struct iommufd_hw_pagetable *hwpt =
		container_of(obj, struct iommufd_hw_pagetable, obj);

	if (hwpt->domain)
		iommu_domain_free(hwpt->domain);
}

/**
 * iommufd_kho_is_frozen - does @id name an adopted HWPT?
 * @ictx: the iommufd
 * @id: an object id that is not an IOAS
 *
 * Return: true if it is an HWPT IOMMU_KHO_ADOPT returned.
 */
bool iommufd_kho_is_frozen(struct iommufd_ctx *ictx, u32 id)
{
	struct iommufd_object *obj;

	obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_HWPT_FROZEN);
	if (IS_ERR(obj))
		return false;
	iommufd_put_object(ictx, obj);
	return true;
}

/**
 * iommufd_device_kho_adopted - is the device on the HWPT of its frozen domain?
 * @idev: a bound device
 *
 * Return: true between IOMMU_KHO_ADOPT and the device's next attach or
 * detach; VFIO counts it as attached then.
 */
bool iommufd_device_kho_adopted(struct iommufd_device *idev)
{
	struct iommufd_hw_pagetable *hwpt;

	mutex_lock(&idev->igroup->lock);
	hwpt = idev->igroup->hwpt;
	mutex_unlock(&idev->igroup->lock);
	return hwpt && hwpt->obj.type == IOMMUFD_OBJ_HWPT_FROZEN;
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_kho_adopted, IOMMUFD);
