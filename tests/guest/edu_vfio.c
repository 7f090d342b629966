// SPDX-License-Identifier: GPL-2.0
/*
 * edu_vfio.c - drive QEMU's "edu" PCI device from userspace through a VFIO
 * device cdev and iommufd. See edu_vfio.h for the interface.
 *
 * Needs the Linux 6.12 uapi headers (VFIO cdev and iommufd ioctls).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "edu_vfio.h"

#define SYSFS_PCI_DEVICES	"/sys/bus/pci/devices"
#define SYSFS_PCI_PROBE		"/sys/bus/pci/drivers_probe"
#define VFIO_PCI_DRIVER		"vfio-pci"
#define VFIO_CDEV_DIR		"/dev/vfio/devices"
#define IOMMUFD_NODE		"/dev/iommu"
#define IOMMUFD_SYSFS_DEV	"/sys/class/misc/iommu/dev"
#define PAGEMAP_PATH		"/proc/self/pagemap"
/* Room for any sysfs path built here: a PCI address and a few names. */
#define SYSFS_PATH_LEN		128

#define PAGEMAP_PRESENT		0x8000000000000000ULL	/* bit 63 */
#define PAGEMAP_PFN_MASK	0x007fffffffffffffULL	/* bits 0-54 */

#define DMA_POLL_INTERVAL_NS	1000000L	/* 1 ms between status reads */

/* Append the errno to the reason in ev->err; return what ev_fail() returns. */
static int ev_fail_errno(struct edu_vfio *ev, int errnum)
{
	size_t len;

	if (!errnum)
		return -EIO;
	len = strlen(ev->err);
	snprintf(ev->err + len, sizeof(ev->err) - len, ": %s (errno %d)",
		 strerror(errnum), errnum);
	return -errnum;
}

/*
 * Record why a step failed, formatted as by printf(), and return -@errnum.
 * @errnum is the errno behind the failure, or 0 when it is not a failed
 * call (then -EIO is returned). @errnum is read before anything else, so
 * passing errno is safe. A macro so that the compiler checks the format.
 */
#define ev_fail(ev, errnum, fmt, ...) ({				\
	struct edu_vfio *__ev = (ev);					\
	int __errnum = (errnum);					\
									\
	snprintf(__ev->err, sizeof(__ev->err), fmt, ##__VA_ARGS__);	\
	ev_fail_errno(__ev, __errnum);					\
})

void edu_vfio_init(struct edu_vfio *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->device_fd = -1;
	ev->iommufd = -1;
	ev->dma_limit = EDU_DMA_ADDR_LIMIT;
	ev->vendor = EDU_VENDOR_ID;
	ev->device = EDU_DEVICE_ID;
}

/* Read a small sysfs attribute into @buf without its trailing newline. */
static int sysfs_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* sysfs attributes take the whole value in one write(). */
static int sysfs_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	return (size_t)n == len ? 0 : -EIO;
}

static int sysfs_read_ulong(const char *path, unsigned long *val)
{
	char buf[32], *end;
	int ret;

	ret = sysfs_read(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*val = strtoul(buf, &end, 0);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

/* 0 if @bdf is the kind of device @ev drives, -ENODEV if it is another. */
static int pci_is_ours(const struct edu_vfio *ev, const char *bdf)
{
	unsigned long vendor, device;
	char path[SYSFS_PATH_LEN];
	int ret;

	snprintf(path, sizeof(path), SYSFS_PCI_DEVICES "/%s/vendor", bdf);
	ret = sysfs_read_ulong(path, &vendor);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), SYSFS_PCI_DEVICES "/%s/device", bdf);
	ret = sysfs_read_ulong(path, &device);
	if (ret)
		return ret;
	if (vendor != ev->vendor || device != ev->device)
		return -ENODEV;
	return 0;
}

static int ev_set_bdf(struct edu_vfio *ev, const char *bdf)
{
	size_t len = strlen(bdf);

	if (len >= sizeof(ev->bdf) || strchr(bdf, '/') || bdf[0] == '.')
		return ev_fail(ev, EINVAL, "bad PCI address '%s'", bdf);
	memcpy(ev->bdf, bdf, len + 1);
	return 0;
}

/* The @n-th edu device in sysfs name order into ev->bdf, or -ENODEV. */
static int find_nth_edu(struct edu_vfio *ev, unsigned int n)
{
	struct dirent **names;
	unsigned int seen = 0;
	int i, nr, ret = -ENODEV;

	/* Sorted, so that the choice does not depend on readdir order. */
	nr = scandir(SYSFS_PCI_DEVICES, &names, NULL, alphasort);
	if (nr < 0)
		return ev_fail(ev, errno, "scan " SYSFS_PCI_DEVICES);
	for (i = 0; i < nr; i++) {
		if (ret == -ENODEV && names[i]->d_name[0] != '.' &&
		    pci_is_ours(ev, names[i]->d_name) == 0 && seen++ == n)
			ret = ev_set_bdf(ev, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	if (ret == -ENODEV)
		return ev_fail(ev, 0,
			       "%u %04x:%04x device(s) in " SYSFS_PCI_DEVICES
			       ", no number %u (from 0)",
			       seen, ev->vendor, ev->device, n);
	return ret;
}

int edu_vfio_find(struct edu_vfio *ev, const char *bdf)
{
	int ret;

	if (!bdf)
		return find_nth_edu(ev, 0);
	ret = ev_set_bdf(ev, bdf);
	if (ret)
		return ret;
	ret = pci_is_ours(ev, ev->bdf);
	if (ret == -ENODEV)
		return ev_fail(ev, 0, "%s is not a %04x:%04x device",
			       ev->bdf, ev->vendor, ev->device);
	if (ret)
		return ev_fail(ev, -ret,
			       "read " SYSFS_PCI_DEVICES "/%s/{vendor,device}",
			       ev->bdf);
	return 0;
}

int edu_vfio_find_nth(struct edu_vfio *ev, unsigned int n)
{
	return find_nth_edu(ev, n);
}

/* Name of the driver bound to the device, "" when there is none. */
static int pci_bound_driver(const char *bdf, char *drv, size_t len)
{
	char path[SYSFS_PATH_LEN], target[PATH_MAX];
	const char *base;
	size_t base_len;
	ssize_t n;

	snprintf(path, sizeof(path), SYSFS_PCI_DEVICES "/%s/driver", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		if (errno != ENOENT)
			return -errno;
		drv[0] = '\0';
		return 0;
	}
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	base_len = strlen(base);
	if (base_len >= len)
		return -ENAMETOOLONG;
	memcpy(drv, base, base_len + 1);
	return 0;
}

int edu_vfio_bind_driver(struct edu_vfio *ev)
{
	char path[SYSFS_PATH_LEN], drv[sizeof(ev->orig_driver)];
	int ret;

	ret = pci_bound_driver(ev->bdf, ev->orig_driver, sizeof(ev->orig_driver));
	if (ret)
		return ev_fail(ev, -ret, "read %s driver link", ev->bdf);
	if (!strcmp(ev->orig_driver, VFIO_PCI_DRIVER))
		return 0;

	if (ev->orig_driver[0]) {
		snprintf(path, sizeof(path), SYSFS_PCI_DEVICES "/%s/driver/unbind",
			 ev->bdf);
		ret = sysfs_write(path, ev->bdf);
		if (ret)
			return ev_fail(ev, -ret, "unbind %s from %s",
				       ev->bdf, ev->orig_driver);
	}

	snprintf(path, sizeof(path), SYSFS_PCI_DEVICES "/%s/driver_override",
		 ev->bdf);
	ret = sysfs_write(path, VFIO_PCI_DRIVER);
	if (ret)
		return ev_fail(ev, -ret, "write " VFIO_PCI_DRIVER " to %s",
			       path);

	/* Succeeds even when no driver took the device: check the link. */
	ret = sysfs_write(SYSFS_PCI_PROBE, ev->bdf);
	if (ret)
		return ev_fail(ev, -ret, "write %s to " SYSFS_PCI_PROBE,
			       ev->bdf);

	ret = pci_bound_driver(ev->bdf, drv, sizeof(drv));
	if (ret)
		return ev_fail(ev, -ret, "read %s driver link after probe",
			       ev->bdf);
	if (strcmp(drv, VFIO_PCI_DRIVER))
		return ev_fail(ev, 0,
			       "%s bound to '%s' after drivers_probe, not " VFIO_PCI_DRIVER
			       " (is CONFIG_VFIO_PCI on and the device in an IOMMU group?)",
			       ev->bdf, drv);
	return 0;
}

static int mkdir_if_missing(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Make sure @node is the character device named by the "MAJ:MIN" in
 * @sysfs_dev; create it when devtmpfs did not (or is not mounted).
 */
static int ensure_chardev(struct edu_vfio *ev, const char *node,
			  const char *sysfs_dev)
{
	unsigned int major_nr, minor_nr;
	bool have_devt = false;
	char buf[32];
	struct stat st;
	dev_t devt = 0;

	if (!sysfs_read(sysfs_dev, buf, sizeof(buf)) &&
	    sscanf(buf, "%u:%u", &major_nr, &minor_nr) == 2) {
		devt = makedev(major_nr, minor_nr);
		have_devt = true;
	}

	if (!stat(node, &st)) {
		if (!S_ISCHR(st.st_mode))
			return ev_fail(ev, 0, "%s exists but is not a character device",
				       node);
		if (have_devt && st.st_rdev != devt)
			return ev_fail(ev, 0, "%s is %u:%u but %s says %u:%u", node,
				       major(st.st_rdev), minor(st.st_rdev),
				       sysfs_dev, major_nr, minor_nr);
		return 0;
	}
	if (errno != ENOENT)
		return ev_fail(ev, errno, "stat %s", node);
	if (!have_devt)
		return ev_fail(ev, ENOENT, "%s is missing and %s is unreadable",
			       node, sysfs_dev);
	if (mknod(node, S_IFCHR | 0600, devt))
		return ev_fail(ev, errno, "mknod %s c %u %u", node, major_nr,
			       minor_nr);
	return 0;
}

/* Name ("vfioN") of the VFIO cdev under the PCI device in sysfs. */
static int find_vfio_cdev_name(struct edu_vfio *ev, char *name, size_t len)
{
	char path[SYSFS_PATH_LEN];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *dir;

	snprintf(path, sizeof(path), SYSFS_PCI_DEVICES "/%s/vfio-dev", ev->bdf);
	dir = opendir(path);
	if (!dir)
		return ev_fail(ev, errno,
			       "open %s (is CONFIG_VFIO_DEVICE_CDEV on?)",
			       path);
	while ((de = readdir(dir))) {
		size_t name_len = strlen(de->d_name);

		if (!strncmp(de->d_name, "vfio", 4) && name_len < len) {
			memcpy(name, de->d_name, name_len + 1);
			ret = 0;
			break;
		}
	}
	closedir(dir);
	if (ret)
		return ev_fail(ev, ENOENT, "no vfioN entry in %s", path);
	return 0;
}

int edu_vfio_open_cdev(struct edu_vfio *ev)
{
	char name[32], sysfs_dev[SYSFS_PATH_LEN];
	int ret;

	ret = find_vfio_cdev_name(ev, name, sizeof(name));
	if (ret)
		return ret;
	snprintf(ev->cdev_path, sizeof(ev->cdev_path), VFIO_CDEV_DIR "/%s", name);
	snprintf(sysfs_dev, sizeof(sysfs_dev), SYSFS_PCI_DEVICES "/%s/vfio-dev/%s/dev",
		 ev->bdf, name);

	ret = mkdir_if_missing("/dev/vfio");
	if (!ret)
		ret = mkdir_if_missing(VFIO_CDEV_DIR);
	if (ret)
		return ev_fail(ev, -ret, "mkdir " VFIO_CDEV_DIR);
	ret = ensure_chardev(ev, ev->cdev_path, sysfs_dev);
	if (ret)
		return ret;

	ev->device_fd = open(ev->cdev_path, O_RDWR | O_CLOEXEC);
	if (ev->device_fd < 0)
		return ev_fail(ev, errno, "open %s", ev->cdev_path);
	return 0;
}

int edu_vfio_bind_iommufd(struct edu_vfio *ev)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.flags = 0,
	};
	struct iommu_ioas_alloc alloc = {
		.size = sizeof(alloc),
		.flags = 0,
	};
	int ret;

	ret = ensure_chardev(ev, IOMMUFD_NODE, IOMMUFD_SYSFS_DEV);
	if (ret)
		return ret;
	ev->iommufd = open(IOMMUFD_NODE, O_RDWR | O_CLOEXEC);
	if (ev->iommufd < 0)
		return ev_fail(ev, errno, "open " IOMMUFD_NODE);

	/* Until this succeeds the device fd refuses everything else. */
	bind.iommufd = ev->iommufd;
	if (ioctl(ev->device_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return ev_fail(ev, errno, "VFIO_DEVICE_BIND_IOMMUFD on %s",
			       ev->cdev_path);
	ev->devid = bind.out_devid;

	if (ioctl(ev->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return ev_fail(ev, errno, "IOMMU_IOAS_ALLOC");
	ev->ioas_id = alloc.out_ioas_id;
	return 0;
}

int edu_vfio_open(struct edu_vfio *ev, const char *bdf)
{
	int ret;

	ret = edu_vfio_find(ev, bdf);
	if (!ret)
		ret = edu_vfio_bind_driver(ev);
	if (!ret)
		ret = edu_vfio_open_cdev(ev);
	if (!ret)
		ret = edu_vfio_bind_iommufd(ev);
	return ret;
}

int edu_vfio_map(struct edu_vfio *ev, void *va, u64 iova, u64 len)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ev->ioas_id,
		.__reserved = 0,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova,
	};

	if (ioctl(ev->iommufd, IOMMU_IOAS_MAP, &map))
		return ev_fail(ev, errno,
			       "IOMMU_IOAS_MAP va %p len %#llx at iova %#llx",
			       va, (unsigned long long)len, (unsigned long long)iova);
	return 0;
}

int edu_vfio_unmap(struct edu_vfio *ev, u64 iova, u64 len)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = ev->ioas_id,
		.iova = iova,
		.length = len,
	};

	if (ioctl(ev->iommufd, IOMMU_IOAS_UNMAP, &unmap))
		return ev_fail(ev, errno,
			       "IOMMU_IOAS_UNMAP len %#llx at iova %#llx",
			       (unsigned long long)len, (unsigned long long)iova);
	if (unmap.length != len)
		return ev_fail(ev, 0, "unmapped %#llx bytes, not %#llx",
			       (unsigned long long)unmap.length,
			       (unsigned long long)len);
	return 0;
}

int edu_vfio_attach(struct edu_vfio *ev)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.flags = 0,
		.pt_id = ev->ioas_id,
	};

	if (ioctl(ev->device_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return ev_fail(ev, errno,
			       "VFIO_DEVICE_ATTACH_IOMMUFD_PT to ioas %u",
			       ev->ioas_id);
	ev->hwpt_id = attach.pt_id;
	ev->attached = true;
	return 0;
}

static int get_region_info(struct edu_vfio *ev, u32 index,
			   struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(ev->device_fd, VFIO_DEVICE_GET_REGION_INFO, info))
		return -errno;
	return 0;
}

static int cfg_read16(struct edu_vfio *ev, unsigned int reg, u16 *val)
{
	u16 le;
	ssize_t n;

	n = pread(ev->device_fd, &le, sizeof(le), ev->cfg_offset + reg);
	if (n < 0)
		return -errno;
	if (n != sizeof(le))
		return -EIO;
	*val = le16toh(le);
	return 0;
}

static int cfg_write16(struct edu_vfio *ev, unsigned int reg, u16 val)
{
	u16 le = htole16(val);
	ssize_t n;

	n = pwrite(ev->device_fd, &le, sizeof(le), ev->cfg_offset + reg);
	if (n < 0)
		return -errno;
	return n == sizeof(le) ? 0 : -EIO;
}

/*
 * Memory decoding must be on before BAR0 is touched (vfio-pci faults mmap
 * access and fails pread otherwise), and without bus mastering QEMU drops
 * the device's DMA without any error.
 */
static int enable_mem_and_master(struct edu_vfio *ev)
{
	const u16 want = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	u16 cmd = 0;
	int ret;

	ret = cfg_read16(ev, PCI_COMMAND, &cmd);
	if (ret)
		return ev_fail(ev, -ret, "read PCI_COMMAND");
	ret = cfg_write16(ev, PCI_COMMAND, cmd | want);
	if (ret)
		return ev_fail(ev, -ret, "write PCI_COMMAND %#06x",
			       cmd | want);
	ret = cfg_read16(ev, PCI_COMMAND, &cmd);
	if (ret)
		return ev_fail(ev, -ret, "read back PCI_COMMAND");
	if ((cmd & want) != want)
		return ev_fail(ev, 0,
			       "PCI_COMMAND is %#06x, memory+master did not stick",
			       cmd);
	return 0;
}

static void map_bar0(struct edu_vfio *ev, const struct vfio_region_info *info)
{
	void *p;

	/* Sparse-mmap capabilities would restrict what may be mapped. */
	if (!(info->flags & VFIO_REGION_INFO_FLAG_MMAP) ||
	    (info->flags & VFIO_REGION_INFO_FLAG_CAPS)) {
		ev->bar0_mmap_errno = EOPNOTSUPP;
		return;
	}
	p = mmap(NULL, ev->bar0_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 ev->device_fd, ev->bar0_offset);
	if (p == MAP_FAILED) {
		ev->bar0_mmap_errno = errno;
		return;
	}
	ev->bar0 = p;
	ev->bar0_mmap_errno = 0;
}

int edu_vfio_setup_bar(struct edu_vfio *ev)
{
	const u32 rw = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	struct vfio_region_info cfg, bar;
	int ret;

	ret = get_region_info(ev, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	if (ret)
		return ev_fail(ev, -ret, "VFIO_DEVICE_GET_REGION_INFO(config)");
	if ((cfg.flags & rw) != rw || cfg.size < PCI_STD_HEADER_SIZEOF)
		return ev_fail(ev, 0, "config region flags %#x size %#llx",
			       cfg.flags, (unsigned long long)cfg.size);
	ev->cfg_offset = cfg.offset;

	ret = get_region_info(ev, VFIO_PCI_BAR0_REGION_INDEX, &bar);
	if (ret)
		return ev_fail(ev, -ret, "VFIO_DEVICE_GET_REGION_INFO(BAR0)");
	if ((bar.flags & rw) != rw || bar.size < EDU_BAR0_MIN_SIZE)
		return ev_fail(ev, 0, "BAR0 region flags %#x size %#llx",
			       bar.flags, (unsigned long long)bar.size);
	ev->bar0_offset = bar.offset;
	ev->bar0_size = bar.size;

	ret = enable_mem_and_master(ev);
	if (ret)
		return ret;
	/* Without an mmap the registers are still reachable by pread. */
	map_bar0(ev, &bar);
	return 0;
}

static int bar_pread(struct edu_vfio *ev, u64 off, void *val, size_t len)
{
	ssize_t n = pread(ev->device_fd, val, len, ev->bar0_offset + off);

	if (n < 0)
		return ev_fail(ev, errno, "BAR0 read of %zu bytes at %#llx", len,
			       (unsigned long long)off);
	if ((size_t)n != len)
		return ev_fail(ev, 0, "BAR0 read at %#llx: short read %zd",
			       (unsigned long long)off, n);
	return 0;
}

static int bar_pwrite(struct edu_vfio *ev, u64 off, const void *val,
		      size_t len)
{
	ssize_t n = pwrite(ev->device_fd, val, len, ev->bar0_offset + off);

	if (n < 0)
		return ev_fail(ev, errno, "BAR0 write of %zu bytes at %#llx", len,
			       (unsigned long long)off);
	if ((size_t)n != len)
		return ev_fail(ev, 0, "BAR0 write at %#llx: short write %zd",
			       (unsigned long long)off, n);
	return 0;
}

/*
 * MMIO through the BAR0 mmap, like the kernel's readl() and writel(): one
 * mov of exactly the register's width, which the compiler can neither
 * split, merge, reorder against other memory accesses nor drop. Width
 * matters: edu ignores 32-bit halves of its 64-bit registers. BAR0 is
 * little-endian like the CPU, so there is no byte swapping.
 */
#ifndef __x86_64__
#error "edu_vfio: the MMIO accessors are written for x86-64"
#endif

static u32 mmio_read32(const void *addr)
{
	u32 val;

	asm volatile("movl %1, %0" : "=r" (val) : "m" (*(const u32 *)addr) : "memory");
	return val;
}

static void mmio_write32(void *addr, u32 val)
{
	asm volatile("movl %0, %1" : : "r" (val), "m" (*(u32 *)addr) : "memory");
}

static u64 mmio_read64(const void *addr)
{
	u64 val;

	asm volatile("movq %1, %0" : "=r" (val) : "m" (*(const u64 *)addr) : "memory");
	return val;
}

static void mmio_write64(void *addr, u64 val)
{
	asm volatile("movq %0, %1" : : "r" (val), "m" (*(u64 *)addr) : "memory");
}

static void *bar0_reg(struct edu_vfio *ev, u64 off)
{
	return (char *)ev->bar0 + off;
}

int edu_read32(struct edu_vfio *ev, u64 off, u32 *val)
{
	if (!ev->bar0)
		return bar_pread(ev, off, val, sizeof(*val));
	*val = mmio_read32(bar0_reg(ev, off));
	return 0;
}

int edu_write32(struct edu_vfio *ev, u64 off, u32 val)
{
	if (!ev->bar0)
		return bar_pwrite(ev, off, &val, sizeof(val));
	mmio_write32(bar0_reg(ev, off), val);
	return 0;
}

int edu_read64(struct edu_vfio *ev, u64 off, u64 *val)
{
	if (!ev->bar0)
		return bar_pread(ev, off, val, sizeof(*val));
	*val = mmio_read64(bar0_reg(ev, off));
	return 0;
}

int edu_write64(struct edu_vfio *ev, u64 off, u64 val)
{
	if (!ev->bar0)
		return bar_pwrite(ev, off, &val, sizeof(val));
	mmio_write64(bar0_reg(ev, off), val);
	return 0;
}

int edu_sysfs_map_bar(struct edu_vfio *ev)
{
	char path[SYSFS_PATH_LEN];
	struct stat st;
	void *p;
	int fd, err;

	snprintf(path, sizeof(path), SYSFS_PCI_DEVICES "/%s/resource0", ev->bdf);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		return ev_fail(ev, errno, "open %s", path);
	if (fstat(fd, &st)) {
		err = errno;
		close(fd);
		return ev_fail(ev, err, "stat %s", path);
	}
	if ((u64)st.st_size < EDU_BAR0_MIN_SIZE) {
		close(fd);
		return ev_fail(ev, 0, "%s is %lld bytes", path, (long long)st.st_size);
	}
	p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	err = errno;
	/* The mapping keeps the resource; the fd is not needed any more. */
	close(fd);
	if (p == MAP_FAILED)
		return ev_fail(ev, err, "mmap %s", path);
	ev->bar0 = p;
	ev->bar0_size = st.st_size;
	ev->bar0_mmap_errno = 0;
	return 0;
}

int edu_sysfs_pci_command(struct edu_vfio *ev, u16 *cmd)
{
	char path[SYSFS_PATH_LEN];
	u16 le;
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), SYSFS_PCI_DEVICES "/%s/config", ev->bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ev_fail(ev, errno, "open %s", path);
	n = pread(fd, &le, sizeof(le), PCI_COMMAND);
	err = errno;
	close(fd);
	if (n < 0)
		return ev_fail(ev, err, "read PCI_COMMAND from %s", path);
	if (n != sizeof(le))
		return ev_fail(ev, 0, "short read of PCI_COMMAND from %s", path);
	*cmd = le16toh(le);
	return 0;
}

int edu_sysfs_set_pci_command(struct edu_vfio *ev, u16 cmd)
{
	char path[SYSFS_PATH_LEN];
	u16 le = htole16(cmd);
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), SYSFS_PCI_DEVICES "/%s/config", ev->bdf);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return ev_fail(ev, errno, "open %s for writing", path);
	n = pwrite(fd, &le, sizeof(le), PCI_COMMAND);
	err = errno;
	close(fd);
	if (n < 0)
		return ev_fail(ev, err, "write PCI_COMMAND %#06x to %s", cmd, path);
	if (n != sizeof(le))
		return ev_fail(ev, 0, "short write of PCI_COMMAND to %s", path);
	return 0;
}

int edu_check_alive(struct edu_vfio *ev)
{
	static const u32 probes[] = { 0x5a5aa5a5, 0x12345678 };
	u32 val;
	unsigned int i;
	int ret;

	ret = edu_read32(ev, EDU_REG_ID, &val);
	if (ret)
		return ret;
	if (val != EDU_ID_VALUE)
		return ev_fail(ev, 0, "ID register reads %#010x, expected %#010x",
			       val, EDU_ID_VALUE);

	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		ret = edu_write32(ev, EDU_REG_LIVENESS, probes[i]);
		if (!ret)
			ret = edu_read32(ev, EDU_REG_LIVENESS, &val);
		if (ret)
			return ret;
		if (val != (u32)~probes[i])
			return ev_fail(ev, 0,
				       "liveness wrote %#010x, read %#010x, expected %#010x",
				       probes[i], val, (u32)~probes[i]);
	}
	return 0;
}

int edu_dma_start(struct edu_vfio *ev, enum edu_dma_dir dir, u64 iova,
		  u64 dev_addr, u32 count)
{
	u64 cmd = EDU_DMA_CMD_RUN;
	u64 src = iova, dst = dev_addr;
	int ret;

	/* QEMU aborts the whole VM on an out-of-range device address. */
	if (!count || count > EDU_DMA_MAX_COUNT || dev_addr < EDU_DEV_BUF_ADDR ||
	    dev_addr + count > EDU_DEV_BUF_ADDR + EDU_DEV_BUF_SIZE)
		return ev_fail(ev, EINVAL,
			       "device range %#llx+%#x outside the edu buffer or over %u bytes",
			       (unsigned long long)dev_addr, count, EDU_DMA_MAX_COUNT);
	if (iova + count > ev->dma_limit)
		return ev_fail(ev, EINVAL,
			       "iova %#llx+%#x is beyond the edu DMA mask (limit %#llx)",
			       (unsigned long long)iova, count,
			       (unsigned long long)ev->dma_limit);

	/* While RUN is set the device ignores writes to all DMA registers. */
	ret = edu_read64(ev, EDU_REG_DMA_CMD, &cmd);
	if (ret)
		return ret;
	if (cmd & EDU_DMA_CMD_RUN)
		return ev_fail(ev, EBUSY, "previous transfer still running (cmd %#llx)",
			       (unsigned long long)cmd);

	if (dir == EDU_DMA_DEV_TO_RAM) {
		src = dev_addr;
		dst = iova;
	}
	ret = edu_write64(ev, EDU_REG_DMA_SRC, src);
	if (!ret)
		ret = edu_write64(ev, EDU_REG_DMA_DST, dst);
	if (!ret)
		ret = edu_write64(ev, EDU_REG_DMA_COUNT, count);
	if (ret)
		return ret;

	/* The buffer contents must be visible before the device reads them. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	cmd = EDU_DMA_CMD_RUN;
	if (dir == EDU_DMA_DEV_TO_RAM)
		cmd |= EDU_DMA_CMD_FROM_DEV;
	return edu_write64(ev, EDU_REG_DMA_CMD, cmd);
}

static u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int edu_dma_wait(struct edu_vfio *ev, unsigned int timeout_ms,
		 u64 *elapsed_ns)
{
	const struct timespec pause = { .tv_nsec = DMA_POLL_INTERVAL_NS };
	u64 start = monotonic_ns(), now = start;
	u64 deadline = start + timeout_ms * 1000000ULL;
	u64 cmd;
	int ret;

	for (;;) {
		ret = edu_read64(ev, EDU_REG_DMA_CMD, &cmd);
		if (ret)
			return ret;
		/* A device that stopped decoding reads as all ones. */
		if (cmd == UINT64_MAX)
			return ev_fail(ev, 0, "command register reads all ones");
		now = monotonic_ns();
		if (!(cmd & EDU_DMA_CMD_RUN))
			break;
		if (now >= deadline)
			return ev_fail(ev, ETIMEDOUT,
				       "RUN still set after %u ms (cmd %#llx)",
				       timeout_ms, (unsigned long long)cmd);
		nanosleep(&pause, NULL);
	}
	/* Order the caller's reads of the buffer after the completion. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (elapsed_ns)
		*elapsed_ns = now - start;
	return 0;
}

int edu_virt_to_phys(struct edu_vfio *ev, const void *va, u64 *pa)
{
	u64 page_size = (u64)sysconf(_SC_PAGESIZE);
	u64 vaddr = (uintptr_t)va;
	u64 entry, pfn;
	ssize_t n;
	int fd, err;

	fd = open(PAGEMAP_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ev_fail(ev, errno, "open " PAGEMAP_PATH);
	n = pread(fd, &entry, sizeof(entry), vaddr / page_size * sizeof(entry));
	err = errno;
	close(fd);
	if (n < 0)
		return ev_fail(ev, err, "read " PAGEMAP_PATH " for %p", va);
	if (n != sizeof(entry))
		return ev_fail(ev, 0, "short read of " PAGEMAP_PATH " for %p", va);
	if (!(entry & PAGEMAP_PRESENT))
		return ev_fail(ev, 0, "page at %p is not present", va);
	pfn = entry & PAGEMAP_PFN_MASK;
	/* Without CAP_SYS_ADMIN the kernel reports PFN 0. */
	if (!pfn)
		return ev_fail(ev, EPERM, PAGEMAP_PATH " hides the PFN of %p", va);
	*pa = pfn * page_size + vaddr % page_size;
	return 0;
}

void edu_vfio_release_device(struct edu_vfio *ev)
{
	if (ev->bar0) {
		munmap(ev->bar0, ev->bar0_size);
		ev->bar0 = NULL;
	}
	if (ev->device_fd >= 0) {
		close(ev->device_fd);
		ev->device_fd = -1;
		ev->attached = false;
	}
}

void edu_vfio_close(struct edu_vfio *ev)
{
	struct iommu_destroy destroy = { .size = sizeof(destroy) };

	edu_vfio_release_device(ev);
	if (ev->iommufd < 0)
		return;
	/* Closing the fd frees the IOAS too; destroy it first to be tidy. */
	if (ev->ioas_id) {
		destroy.id = ev->ioas_id;
		ioctl(ev->iommufd, IOMMU_DESTROY, &destroy);
		ev->ioas_id = 0;
	}
	close(ev->iommufd);
	ev->iommufd = -1;
}
