/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VFIO and Kexec HandOver (KHO): the hooks vfio_main.c calls (kho.c).
 */
#ifndef __VFIO_KHO_H__
#define __VFIO_KHO_H__

#include <linux/errno.h>

struct vfio_device;
struct vfio_device_file;

#ifdef CONFIG_KHO_IOMMU
long vfio_kho_ioctl_preserve(struct vfio_device_file *df, void __user *arg);
long vfio_kho_ioctl_unpreserve(struct vfio_device_file *df, void __user *arg);
bool vfio_kho_device_preserved(struct vfio_device *device);
void vfio_kho_device_close(struct vfio_device *device);
#else
static inline long vfio_kho_ioctl_preserve(struct vfio_device_file *df,
					   void __user *arg)
{
	return -ENOTTY;
}

static inline long vfio_kho_ioctl_unpreserve(struct vfio_device_file *df,
					     void __user *arg)
{
	return -ENOTTY;
}

static inline bool vfio_kho_device_preserved(struct vfio_device *device)
{
	return false;
}

static inline void vfio_kho_device_close(struct vfio_device *device) { }
#endif

#endif /* __VFIO_KHO_H__ */
