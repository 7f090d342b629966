/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edu_vfio.h - drive QEMU's "edu" PCI device from userspace through a VFIO
 * device cdev (/dev/vfio/devices/vfioN) and iommufd (/dev/iommu).
 *
 * The steps are separate functions so that a test can report each one, and
 * so that DMA can be set up now and started or checked later (for example on
 * the far side of a kexec). Every function that can fail returns 0 or a
 * negative errno and leaves a one-line reason in ev->err: the operation
 * that failed, what it was applied to and, for a failed call, the errno.
 */
#ifndef EDU_VFIO_H
#define EDU_VFIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define EDU_VENDOR_ID		0x1234
#define EDU_DEVICE_ID		0x11e8

/* BAR0 registers. Below 0x80 they are 32-bit, from 0x80 on 64-bit. */
#define EDU_REG_ID		0x00
#define EDU_REG_LIVENESS	0x04	/* reads back the inverse of a write */
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_BAR0_MIN_SIZE	0x100

#define EDU_ID_VALUE		0x010000edU

#define EDU_DMA_CMD_RUN		0x1	/* set to start, cleared by the device */
#define EDU_DMA_CMD_FROM_DEV	0x2	/* direction: device buffer -> RAM */
#define EDU_DMA_CMD_IRQ		0x4	/* raise an interrupt when done */

/* The device's own DMA buffer, as addressed in the src/dst registers. */
#define EDU_DEV_BUF_ADDR	0x40000ULL
#define EDU_DEV_BUF_SIZE	4096U
/*
 * QEMU 7.2's range check rejects a transfer that ends exactly at the end of
 * the device buffer and aborts the whole VM, so stay at half the buffer.
 */
#define EDU_DMA_MAX_COUNT	2048U
/*
 * The device masks bus addresses to 28 bits (its default dma_mask); a VM
 * started with a wider dma_mask lets a test raise ev->dma_limit.
 */
#define EDU_DMA_ADDR_LIMIT	0x10000000ULL

enum edu_dma_dir {
	EDU_DMA_RAM_TO_DEV,
	EDU_DMA_DEV_TO_RAM,
};

struct edu_vfio {
	char bdf[32];			/* PCI address, e.g. 0000:00:04.0 */
	char orig_driver[64];		/* driver bound before us, "" if none */
	char cdev_path[64];		/* /dev/vfio/devices/vfioN */
	int device_fd;			/* VFIO device cdev, -1 if closed */
	int iommufd;			/* /dev/iommu, -1 if closed */
	u32 devid;			/* iommufd device id from BIND */
	u32 ioas_id;		/* 0 until IOMMU_IOAS_ALLOC */
	u32 hwpt_id;		/* page table id returned by ATTACH */
	bool attached;
	u64 cfg_offset;		/* config space region in device_fd */
	u64 bar0_offset;		/* BAR0 region in device_fd */
	u64 bar0_size;
	void *bar0;			/* mmap of BAR0, NULL: use pread */
	int bar0_mmap_errno;		/* why BAR0 is not mmapped, 0 if it is */
	u64 dma_limit;			/* bus addresses reach below this */
	u16 vendor, device;		/* the PCI IDs looked for: edu's by default */
	char err[320];			/* reason for the last failure */
};

/* Set every field to "nothing open"; call before anything else. */
void edu_vfio_init(struct edu_vfio *ev);

/*
 * Pick the device: check @bdf if given, else the first edu (in sysfs name
 * order) under /sys/bus/pci/devices. Fills ev->bdf.
 */
int edu_vfio_find(struct edu_vfio *ev, const char *bdf);

/* The @n-th edu (from 0, in sysfs name order). Fills ev->bdf. */
int edu_vfio_find_nth(struct edu_vfio *ev, unsigned int n);

/* Unbind any other driver, bind vfio-pci via driver_override, verify. */
int edu_vfio_bind_driver(struct edu_vfio *ev);

/* Open the device's VFIO cdev, creating the /dev node if it is missing. */
int edu_vfio_open_cdev(struct edu_vfio *ev);

/* Open /dev/iommu, VFIO_DEVICE_BIND_IOMMUFD, IOMMU_IOAS_ALLOC. */
int edu_vfio_bind_iommufd(struct edu_vfio *ev);

/* find + bind_driver + open_cdev + bind_iommufd in one call. */
int edu_vfio_open(struct edu_vfio *ev, const char *bdf);

/* Map [va, va + len) read/write at exactly @iova in the IOAS. */
int edu_vfio_map(struct edu_vfio *ev, void *va, u64 iova, u64 len);
int edu_vfio_unmap(struct edu_vfio *ev, u64 iova, u64 len);

/* VFIO_DEVICE_ATTACH_IOMMUFD_PT to the IOAS. Fills ev->hwpt_id. */
int edu_vfio_attach(struct edu_vfio *ev);

/*
 * Look up the config and BAR0 regions, enable memory decoding and bus
 * mastering in PCI_COMMAND, and mmap BAR0 when VFIO allows it.
 */
int edu_vfio_setup_bar(struct edu_vfio *ev);

/*
 * mmap BAR0 through sysfs (resource0), whatever driver the device has or
 * lacks, and without touching its config space: the device is driven as
 * the kernel left it. edu_vfio_release_device() unmaps it again.
 */
int edu_sysfs_map_bar(struct edu_vfio *ev);

/* PCI_COMMAND read through sysfs (config), without any driver. */
int edu_sysfs_pci_command(struct edu_vfio *ev, u16 *cmd);

/*
 * PCI_COMMAND written through sysfs (config), without any driver: to let
 * a device that no driver has claimed decode its BAR and master the bus.
 */
int edu_sysfs_set_pci_command(struct edu_vfio *ev, u16 cmd);

/* Check the ID register and the liveness (inverting) register. */
int edu_check_alive(struct edu_vfio *ev);

/* BAR0 register access, by mmap or pread/pwrite on the device fd. */
int edu_read32(struct edu_vfio *ev, u64 off, u32 *val);
int edu_write32(struct edu_vfio *ev, u64 off, u32 val);
int edu_read64(struct edu_vfio *ev, u64 off, u64 *val);
int edu_write64(struct edu_vfio *ev, u64 off, u64 val);

/*
 * Start one DMA between bus address @iova and device buffer address
 * @dev_addr (EDU_DEV_BUF_ADDR + offset) of @count bytes. Does not wait.
 * Fails with -EBUSY if a transfer is still running.
 */
int edu_dma_start(struct edu_vfio *ev, enum edu_dma_dir dir, u64 iova,
		  u64 dev_addr, u32 count);

/*
 * Poll the command register until the device clears RUN or @timeout_ms of
 * wall-clock time pass (-ETIMEDOUT). @elapsed_ns may be NULL.
 */
int edu_dma_wait(struct edu_vfio *ev, unsigned int timeout_ms,
		 u64 *elapsed_ns);

/* Physical address of @va from /proc/self/pagemap (needs root). */
int edu_virt_to_phys(struct edu_vfio *ev, const void *va, u64 *pa);

/*
 * Unmap BAR0 and close the device fd. Closing detaches the device from its
 * page table and unbinds it from iommufd; vfio-pci turns bus mastering
 * off, so no DMA can hit the IOAS mappings after this returns.
 */
void edu_vfio_release_device(struct edu_vfio *ev);

/* release_device, then destroy the IOAS and close /dev/iommu. */
void edu_vfio_close(struct edu_vfio *ev);

#endif /* EDU_VFIO_H */
