// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO and Kexec HandOver (KHO): a device keeps running across a kexec.
 *
 * Outgoing kernel: VFIO_DEVICE_KHO_PRESERVE marks a device cdev, bound to
 * iommufd and attached to a preserved HWPT, as one that must not stop: its
 * PCI device keeps bus mastering through shutdown (pci_dev::kho_preserved)
 * and iommufd has the IOMMU keep it translating. At freeze the "vfio"
 * handler writes each device's segment, BDF and IDs.
 *
 * Incoming kernel: PCI enumeration asks pci_kho_preserved() about each
 * device; a recorded one (same segment, BDF and IDs) is left running: only
 * a driver that manages its own DMA (vfio-pci) can bind it, and vfio-pci
 * neither resets it nor clears its bus mastering when it is first opened.
 * Once that open is closed the device is an ordinary one again.
 *
 * Locking: vfio_kho.lock guards both lists and the incoming records. It is
 * taken inside the device set's lock (ioctls, close) and inside
 * kho_out.lock (the handler), and outside iommufd's locks.
 */
#define pr_fmt(fmt) "vfio-kho: " fmt

#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/kho.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "vfio.h"
#include "kho.h"

/**
 * struct vfio_kho_dev - a device preserved for the next kernel
 * @list: in vfio_kho.out
 * @device: the VFIO device
 * @token: its name in the next kernel
 * @hwpt_token: the name of the HWPT it is attached to
 */
struct vfio_kho_dev {
	struct list_head list;
	struct vfio_device *device;
	u64 token;
	u64 hwpt_token;
};

/**
 * struct vfio_kho_rec - incoming: a device the previous kernel left running
 * @segment: PCI segment
 * @bdf: bus << 8 | devfn
 * @vendor: PCI vendor ID
 * @device: PCI device ID
 * @token: the device's token
 * @hwpt_token: its HWPT's token
 */
struct vfio_kho_rec {
	u64 segment;
	u64 bdf;
	u64 vendor;
	u64 device;
	u64 token;
	u64 hwpt_token;
};

static struct {
	struct mutex lock;		/* all of the below */
	struct list_head out;
	bool parsed;
	struct vfio_kho_rec *recs;
	unsigned int nr_recs;
} vfio_kho = {
	.lock = __MUTEX_INITIALIZER(vfio_kho.lock),
	.out = LIST_HEAD_INIT(vfio_kho.out),
};

static struct vfio_kho_dev *vfio_kho_find(struct vfio_device *device)
{
	struct vfio_kho_dev *kdev;

	lockdep_assert_held(&vfio_kho.lock);
	list_for_each_entry(kdev, &vfio_kho.out, list)
		if (kdev->device == device)
			return kdev;
	return NULL;
}

static bool vfio_kho_token_used(u64 token)
{
	struct vfio_kho_dev *kdev;

	lockdep_assert_held(&vfio_kho.lock);
	list_for_each_entry(kdev, &vfio_kho.out, list)
		if (kdev->token == token)
			return true;
	return false;
}

static int vfio_kho_count_dev(struct device *dev, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

/* A PCI function alone in its IOMMU group, not a VF: its BDF is stable. */
static int vfio_kho_check_device(struct vfio_device *device)
{
	struct iommu_group *group;
	unsigned int nr = 0;

	if (!dev_is_pci(device->dev) || to_pci_dev(device->dev)->is_virtfn)
		return -EINVAL;
	if (!device->iommufd_device || !device->iommufd_attached)
		return -EINVAL;
	group = iommu_group_get(device->dev);
	if (!group)
		return -EINVAL;
	iommu_group_for_each_dev(group, &nr, vfio_kho_count_dev);
	iommu_group_put(group);
	if (nr != 1)
		return -EINVAL;
	if (!device->ops->kho_irqs_off)
		return -EOPNOTSUPP;
	/* MSIs are not carried across: the device must not raise any. */
	return device->ops->kho_irqs_off(device) ? 0 : -EBUSY;
}

static int vfio_kho_preserve(struct vfio_device *device, u64 token)
{
	struct vfio_kho_dev *kdev;
	int err;

	lockdep_assert_held(&device->dev_set->lock);
	err = vfio_kho_check_device(device);
	if (err)
		return err;
	kdev = kzalloc(sizeof(*kdev), GFP_KERNEL);
	if (!kdev)
		return -ENOMEM;
	mutex_lock(&vfio_kho.lock);
	err = -EEXIST;
	if (vfio_kho_find(device) || vfio_kho_token_used(token))
		goto fail;
	err = -EBUSY;
	if (kho_is_frozen())
		goto fail;
	err = iommufd_device_kho_preserve(device->iommufd_device, &kdev->hwpt_token);
	if (err)
		goto fail;
	kdev->device = device;
	kdev->token = token;
	to_pci_dev(device->dev)->kho_preserved = 1;
	list_add_tail(&kdev->list, &vfio_kho.out);
	mutex_unlock(&vfio_kho.lock);
	return 0;
fail:
	mutex_unlock(&vfio_kho.lock);
	kfree(kdev);
	return err;
}

static void vfio_kho_unpreserve(struct vfio_kho_dev *kdev)
{
	struct vfio_device *device = kdev->device;

	lockdep_assert_held(&vfio_kho.lock);
	iommufd_device_kho_unpreserve(device->iommufd_device);
	to_pci_dev(device->dev)->kho_preserved = 0;
	list_del(&kdev->list);
	kfree(kdev);
}

/**
 * vfio_kho_ioctl_preserve - VFIO_DEVICE_KHO_PRESERVE
 * @df: the device file, a cdev
 * @arg: struct vfio_device_kho_preserve
 *
 * Return: 0 or the errno the uAPI documents.
 */
long vfio_kho_ioctl_preserve(struct vfio_device_file *df, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_kho_preserve, token);
	struct vfio_device *device = df->device;
	struct vfio_device_kho_preserve cmd;
	int err;

	if (copy_from_user(&cmd, arg, minsz))
		return -EFAULT;
	if (cmd.argsz < minsz)
		return -EINVAL;
	if (cmd.flags)
		return -EOPNOTSUPP;
	if (!cmd.token)
		return -EINVAL;
	mutex_lock(&device->dev_set->lock);
	err = df->iommufd ? vfio_kho_preserve(device, cmd.token) : -EINVAL;
	mutex_unlock(&device->dev_set->lock);
	return err;
}

/**
 * vfio_kho_ioctl_unpreserve - VFIO_DEVICE_KHO_UNPRESERVE
 * @df: the device file, a cdev
 * @arg: struct vfio_device_kho_unpreserve
 *
 * Return: 0 or the errno the uAPI documents.
 */
long vfio_kho_ioctl_unpreserve(struct vfio_device_file *df, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_kho_unpreserve, flags);
	struct vfio_device *device = df->device;
	struct vfio_device_kho_unpreserve cmd;
	struct vfio_kho_dev *kdev;
	int err = 0;

	if (copy_from_user(&cmd, arg, minsz))
		return -EFAULT;
	if (cmd.argsz < minsz)
		return -EINVAL;
	if (cmd.flags)
		return -EOPNOTSUPP;
	mutex_lock(&device->dev_set->lock);
	mutex_lock(&vfio_kho.lock);
	kdev = vfio_kho_find(device);
	if (!kdev)
		err = -EINVAL;
	else if (kho_is_frozen())
		err = -EBUSY;
	else
		vfio_kho_unpreserve(kdev);
	mutex_unlock(&vfio_kho.lock);
	mutex_unlock(&device->dev_set->lock);
	return err;
}

/**
 * vfio_kho_device_preserved - may the device's attachment change?
 * @device: the device; the caller holds its device set's lock
 *
 * Return: true while it is preserved: it must stay on its preserved HWPT.
 */
bool vfio_kho_device_preserved(struct vfio_device *device)
{
	bool ret;

	lockdep_assert_held(&device->dev_set->lock);
	mutex_lock(&vfio_kho.lock);
	ret = vfio_kho_find(device);
	mutex_unlock(&vfio_kho.lock);
	return ret;
}

/**
 * vfio_kho_device_close - the last open of the device ends
 * @device: the device, still bound to iommufd; its set's lock is held
 *
 * Closing undoes the preservation. A device the previous kernel left
 * running is an ordinary device from now on: the next open resets it.
 */
void vfio_kho_device_close(struct vfio_device *device)
{
	struct vfio_kho_dev *kdev;

	lockdep_assert_held(&device->dev_set->lock);
	mutex_lock(&vfio_kho.lock);
	kdev = vfio_kho_find(device);
	if (kdev)
		vfio_kho_unpreserve(kdev);
	else if (dev_is_pci(device->dev))
		to_pci_dev(device->dev)->kho_preserved = 0;
	mutex_unlock(&vfio_kho.lock);
}

/* ---- the handover node ---------------------------------------------------- */

static int vfio_kho_write_dev(struct kho_fdt *fdt, struct vfio_kho_dev *kdev,
			      unsigned int index)
{
	struct pci_dev *pdev = to_pci_dev(kdev->device->dev);
	char name[24];
	int err;

	/* Interrupts could have been enabled since the preserve. */
	if (!kdev->device->ops->kho_irqs_off(kdev->device)) {
		pci_err(pdev, "interrupts enabled: it cannot be kept running\n");
		return -EBUSY;
	}
	snprintf(name, sizeof(name), "device@%u", index);
	err = kho_fdt_begin_node(fdt, name);
	err = err ?: kho_fdt_property_u64(fdt, "segment", pci_domain_nr(pdev->bus));
	err = err ?: kho_fdt_property_u64(fdt, "bdf", pci_dev_id(pdev));
	err = err ?: kho_fdt_property_u64(fdt, "vendor", pdev->vendor);
	err = err ?: kho_fdt_property_u64(fdt, "device", pdev->device);
	err = err ?: kho_fdt_property_u64(fdt, "token", kdev->token);
	err = err ?: kho_fdt_property_u64(fdt, "hwpt-token", kdev->hwpt_token);
	return err ?: kho_fdt_end_node(fdt);
}

static int vfio_kho_serialize(struct kho_handler *handler, struct kho_fdt *fdt)
{
	struct vfio_kho_dev *kdev;
	unsigned int n = 0;
	int err = 0;

	mutex_lock(&vfio_kho.lock);
	list_for_each_entry(kdev, &vfio_kho.out, list) {
		err = vfio_kho_write_dev(fdt, kdev, n++);
		if (err)
			break;
	}
	mutex_unlock(&vfio_kho.lock);
	return err;
}

static bool vfio_kho_has_state(struct kho_handler *handler)
{
	bool ret;

	mutex_lock(&vfio_kho.lock);
	ret = !list_empty(&vfio_kho.out);
	mutex_unlock(&vfio_kho.lock);
	return ret;
}

static struct kho_handler vfio_kho_handler = {
	.name = KHO_VFIO_NODE,
	.compatible = KHO_VFIO_COMPATIBLE,
	.serialize = vfio_kho_serialize,
	.has_state = vfio_kho_has_state,
};

/* ---- incoming: the records ------------------------------------------------ */

static int vfio_kho_read_rec(int node, struct vfio_kho_rec *r)
{
	int err;

	err = kho_node_u64(node, "segment", &r->segment);
	err = err ?: kho_node_u64(node, "bdf", &r->bdf);
	err = err ?: kho_node_u64(node, "vendor", &r->vendor);
	err = err ?: kho_node_u64(node, "device", &r->device);
	err = err ?: kho_node_u64(node, "token", &r->token);
	err = err ?: kho_node_u64(node, "hwpt-token", &r->hwpt_token);
	if (err)
		return err;
	if (r->segment > U16_MAX || r->bdf > U16_MAX || r->vendor >= U16_MAX ||
	    r->device > U16_MAX || !r->token || !r->hwpt_token)
		return -EINVAL;
	return 0;
}

static const char *vfio_kho_read_recs(int node)
{
	unsigned int i, n = 0;
	int child;

	for (child = kho_node_next_child(node, -1); child >= 0;
	     child = kho_node_next_child(node, child))
		n++;
	if (n > KHO_VFIO_MAX_DEVICES)
		return "too many devices";
	vfio_kho.recs = kcalloc(n, sizeof(*vfio_kho.recs), GFP_KERNEL);
	if (n && !vfio_kho.recs)
		return "out of memory";
	for (child = kho_node_next_child(node, -1); child >= 0;
	     child = kho_node_next_child(node, child)) {
		struct vfio_kho_rec *r = &vfio_kho.recs[vfio_kho.nr_recs];

		if (vfio_kho_read_rec(child, r))
			return "a device record is incomplete or out of range";
		for (i = 0; i < vfio_kho.nr_recs; i++)
			if (vfio_kho.recs[i].segment == r->segment &&
			    vfio_kho.recs[i].bdf == r->bdf)
				return "a device is recorded twice";
		vfio_kho.nr_recs++;
	}
	return NULL;
}

/* Read once, at the first PCI device; all or nothing. */
static void vfio_kho_parse(void)
{
	const char *why;
	int node;

	lockdep_assert_held(&vfio_kho.lock);
	vfio_kho.parsed = true;
	node = kho_find_node(KHO_VFIO_NODE, KHO_VFIO_COMPATIBLE);
	if (node < 0)
		return;
	why = vfio_kho_read_recs(node);
	if (!why)
		return;
	pr_err("the previous kernel's device records are unusable (%s): no device is left running\n",
	       why);
	kfree(vfio_kho.recs);
	vfio_kho.recs = NULL;
	vfio_kho.nr_recs = 0;
}

/**
 * pci_kho_preserved - did the previous kernel leave this device running?
 * @pdev: a device being added, its IDs read
 *
 * Return: true if it is recorded with this segment, BDF and IDs.
 */
bool pci_kho_preserved(struct pci_dev *pdev)
{
	struct vfio_kho_rec *r;
	bool found = false;
	unsigned int i;

	if (kho_in_state() != KHO_IN_VALID)
		return false;
	mutex_lock(&vfio_kho.lock);
	if (!vfio_kho.parsed)
		vfio_kho_parse();
	for (i = 0; i < vfio_kho.nr_recs && !found; i++) {
		r = &vfio_kho.recs[i];
		found = r->segment == pci_domain_nr(pdev->bus) &&
			r->bdf == pci_dev_id(pdev) && r->vendor == pdev->vendor &&
			r->device == pdev->device;
	}
	mutex_unlock(&vfio_kho.lock);
	if (found)
		pci_info(pdev, "left running by the previous kernel: not reset, only vfio-pci may bind it\n");
	return found;
}

static int __init vfio_kho_init(void)
{
	int err = kho_register_handler(&vfio_kho_handler);

	if (err)
		pr_err("cannot register the handover handler: %d\n", err);
	return err;
}
late_initcall(vfio_kho_init);
