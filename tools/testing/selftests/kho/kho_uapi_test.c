// SPDX-License-Identifier: GPL-2.0
/*
 * The uAPI of Kexec HandOver: /dev/kho (KHO_MEMFD_* and KHO_FINISH) and
 * what iommufd (IOMMU_HWPT_KHO_PRESERVE, _UNPRESERVE, IOMMU_KHO_ADOPT) and
 * VFIO (VFIO_DEVICE_KHO_PRESERVE, _UNPRESERVE) add for it: every argument
 * check and every state check, each with its own errno, and after each
 * refused call that nothing changed.
 *
 * Run as root. The environment says what the machine offers:
 *   KHO_TEST_VFIO_DEV  a PCI device (0000:00:03.0) bound to vfio-pci,
 *                      alone in its IOMMU group, behind an IOMMU whose
 *                      driver preserves domains (VT-d); without it the
 *                      iommufd and VFIO tests skip
 *   KHO_TEST_HANDOVER  the name of a memfd the previous kernel preserved
 *                      and nobody restored yet: the handover tests restore
 *                      it and finish; without it they skip, and the
 *                      cold-boot tests expect no handover at all
 * The freeze tests use debugfs (kho/out/freeze) and skip without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/iommufd.h>
#include <linux/kho.h>
#include <linux/vfio.h>

#include "../kselftest_harness.h"

#define KHO_DEV		"/dev/kho"
#define KHO_FREEZE	"/sys/kernel/debug/kho/out/freeze"
#define MEMFD_SIZE	(64 * 1024)
#define TEST_IOVA	0x40000000ULL	/* 1 GiB */
#define TEST_TOKEN	0x6b686f2d74657374ULL	/* "kho-test" */

/* ioctl() failed with @want, errno read before anything can change it. */
#define EXPECT_ERRNO(want, call)					\
	do {								\
		int __ret = (call), __err = errno;			\
		EXPECT_EQ(-1, __ret);					\
		EXPECT_EQ(want, __err);					\
	} while (0)

static int kho_fd_open(void)
{
	return open(KHO_DEV, O_RDWR | O_CLOEXEC);
}

static int new_memfd(const char *name, unsigned int flags, off_t size)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | flags);

	if (fd >= 0 && ftruncate(fd, size)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int memfd_preserve(int kho, int fd, const char *name)
{
	struct kho_memfd_preserve cmd = { .size = sizeof(cmd), .fd = fd };

	snprintf(cmd.name, sizeof(cmd.name), "%s", name);
	return ioctl(kho, KHO_MEMFD_PRESERVE, &cmd);
}

static int memfd_unpreserve(int kho, const char *name)
{
	struct kho_memfd_unpreserve cmd = { .size = sizeof(cmd) };

	snprintf(cmd.name, sizeof(cmd.name), "%s", name);
	return ioctl(kho, KHO_MEMFD_UNPRESERVE, &cmd);
}

static int memfd_restore(int kho, const char *name, int *fd)
{
	struct kho_memfd_restore cmd = { .size = sizeof(cmd) };
	int ret;

	snprintf(cmd.name, sizeof(cmd.name), "%s", name);
	ret = ioctl(kho, KHO_MEMFD_RESTORE, &cmd);
	if (!ret && fd)
		*fd = cmd.out_fd;
	return ret;
}

static int memfd_list(int kho, unsigned int index, struct kho_memfd_list *out)
{
	struct kho_memfd_list cmd = { .size = sizeof(cmd), .index = index };
	int ret = ioctl(kho, KHO_MEMFD_LIST, &cmd);

	if (!ret && out)
		*out = cmd;
	return ret;
}

static int kho_finish(int kho)
{
	struct kho_finish cmd = { .size = sizeof(cmd) };

	return ioctl(kho, KHO_FINISH, &cmd);
}

/* Write "1" (freeze) or "0" (abort) to debugfs; -errno on failure. */
static int kho_set_frozen(int frozen)
{
	int fd = open(KHO_FREEZE, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, frozen ? "1" : "0", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

/* A memfd's size can change: it carries no seal KHO added. */
static int size_is_mutable(int fd)
{
	return !ftruncate(fd, MEMFD_SIZE * 2) && !ftruncate(fd, MEMFD_SIZE);
}

/*
 * One /dev/kho command for the checks every command shares: the ioctl,
 * the kernel's struct size, and where its reserved field sits (-1: none).
 * Every struct is still its first version, so the smallest size the
 * kernel accepts is the whole struct.
 */
struct kho_cmd_desc {
	const char *name;
	unsigned long ioctl;
	unsigned int size;
	int reserved;
};

static const struct kho_cmd_desc kho_cmds[] = {
	{ "KHO_MEMFD_PRESERVE", KHO_MEMFD_PRESERVE, sizeof(struct kho_memfd_preserve),
	  offsetof(struct kho_memfd_preserve, __reserved) },
	{ "KHO_MEMFD_UNPRESERVE", KHO_MEMFD_UNPRESERVE,
	  sizeof(struct kho_memfd_unpreserve), -1 },
	{ "KHO_MEMFD_LIST", KHO_MEMFD_LIST, sizeof(struct kho_memfd_list), -1 },
	{ "KHO_MEMFD_RESTORE", KHO_MEMFD_RESTORE, sizeof(struct kho_memfd_restore),
	  offsetof(struct kho_memfd_restore, __reserved) },
	{ "KHO_FINISH", KHO_FINISH, sizeof(struct kho_finish), -1 },
};

/* A command buffer: @size first, flags second, as every struct has them. */
union kho_buf {
	struct {
		__u32 size;
		__u32 flags;
	};
	unsigned char bytes[256];
};

FIXTURE(kho) {
	int kho;
	int memfd;
	char name[KHO_NAME_MAX];
};

FIXTURE_SETUP(kho)
{
	self->kho = kho_fd_open();
	if (self->kho < 0 && errno == ENOENT)
		SKIP(return, KHO_DEV " missing: a kernel without CONFIG_KHO");
	ASSERT_LE(0, self->kho);
	self->memfd = new_memfd("kho-test", 0, MEMFD_SIZE);
	ASSERT_LE(0, self->memfd);
	snprintf(self->name, sizeof(self->name), "kho-test-%d", getpid());
}

FIXTURE_TEARDOWN(kho)
{
	if (self->kho < 0)
		return;
	memfd_unpreserve(self->kho, self->name);
	close(self->memfd);
	close(self->kho);
}

/* Sizes, unknown flags and reserved fields, for every command. */
TEST_F(kho, common_checks)
{
	const struct kho_cmd_desc *c;
	union kho_buf buf;
	unsigned long rw;

	for (c = kho_cmds; c < kho_cmds + ARRAY_SIZE(kho_cmds); c++) {
		TH_LOG("%s", c->name);
		memset(&buf, 0, sizeof(buf));
		EXPECT_ERRNO(EINVAL, ioctl(self->kho, c->ioctl, &buf));
		buf.size = c->size - 1;
		EXPECT_ERRNO(EINVAL, ioctl(self->kho, c->ioctl, &buf));
		buf.size = c->size + 8;
		buf.bytes[c->size + 4] = 1;
		EXPECT_ERRNO(E2BIG, ioctl(self->kho, c->ioctl, &buf));
		EXPECT_ERRNO(EFAULT, ioctl(self->kho, c->ioctl, NULL));
		memset(&buf, 0, sizeof(buf));
		buf.size = c->size;
		buf.flags = 1U << 31;
		EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->kho, c->ioctl, &buf));
		if (c->reserved >= 0) {
			buf.flags = 0;
			buf.bytes[c->reserved] = 1;
			EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->kho, c->ioctl, &buf));
		}
		/* The same command with a read/write encoding is unknown. */
		rw = _IOWR(KHO_TYPE, _IOC_NR(c->ioctl), __u64);
		EXPECT_ERRNO(ENOTTY, ioctl(self->kho, rw, &buf));
	}
	EXPECT_ERRNO(ENOTTY, ioctl(self->kho, _IO(KHO_TYPE, KHO_CMD_BASE - 1), &buf));
	EXPECT_ERRNO(ENOTTY, ioctl(self->kho, _IO(KHO_TYPE, KHO_CMD_FINISH + 1), &buf));
	EXPECT_ERRNO(ENOTTY, ioctl(self->kho, _IO('X', KHO_CMD_BASE), &buf));
}

/* What a preserve refuses leaves the memfd as it was and the name free. */
TEST_F(kho, preserve_refused)
{
	char long_name[KHO_NAME_MAX];
	struct kho_memfd_preserve cmd;
	int pipefd[2], tmpfd;

	EXPECT_ERRNO(EINVAL, memfd_preserve(self->kho, self->memfd, ""));
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.fd = self->memfd;
	memset(cmd.name, 'a', sizeof(cmd.name));
	EXPECT_ERRNO(EINVAL, ioctl(self->kho, KHO_MEMFD_PRESERVE, &cmd));
	EXPECT_ERRNO(EBADF, memfd_preserve(self->kho, -1, self->name));
	EXPECT_ERRNO(EBADF, memfd_preserve(self->kho, INT_MAX, self->name));
	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_ERRNO(EINVAL, memfd_preserve(self->kho, pipefd[0], self->name));
	close(pipefd[0]);
	close(pipefd[1]);
	/* A shmem file with a name in a mount: not a memfd. */
	tmpfd = open("/dev/shm", O_TMPFILE | O_RDWR, 0600);
	if (tmpfd >= 0) {
		EXPECT_ERRNO(EINVAL, memfd_preserve(self->kho, tmpfd, self->name));
		close(tmpfd);
	}
	EXPECT_EQ(0, fcntl(self->memfd, F_GET_SEALS));
	EXPECT_TRUE(size_is_mutable(self->memfd));
	EXPECT_ERRNO(ENOENT, memfd_unpreserve(self->kho, self->name));
	memset(long_name, 'b', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	EXPECT_ERRNO(ENOENT, memfd_unpreserve(self->kho, long_name));
	EXPECT_ERRNO(EINVAL, memfd_unpreserve(self->kho, ""));
}

/* Preserve, the duplicates it refuses, unpreserve; a larger struct. */
TEST_F(kho, preserve_unpreserve)
{
	struct {
		struct kho_memfd_preserve cmd;
		__u64 future;
	} big = { .cmd = { .size = sizeof(big), .fd = self->memfd } };
	char other[KHO_NAME_MAX];
	int fd2;

	snprintf(big.cmd.name, sizeof(big.cmd.name), "%s", self->name);
	/* A newer caller's struct, its extra field zero: accepted. */
	ASSERT_EQ(0, ioctl(self->kho, KHO_MEMFD_PRESERVE, &big));
	EXPECT_EQ(F_SEAL_GROW | F_SEAL_SHRINK, fcntl(self->memfd, F_GET_SEALS));
	EXPECT_FALSE(size_is_mutable(self->memfd));

	fd2 = new_memfd("kho-test-2", 0, MEMFD_SIZE);
	ASSERT_LE(0, fd2);
	EXPECT_ERRNO(EEXIST, memfd_preserve(self->kho, fd2, self->name));
	EXPECT_TRUE(size_is_mutable(fd2));
	EXPECT_EQ(0, fcntl(fd2, F_GET_SEALS));
	close(fd2);
	snprintf(other, sizeof(other), "%.60s-b", self->name);
	EXPECT_ERRNO(EEXIST, memfd_preserve(self->kho, self->memfd, other));
	EXPECT_ERRNO(ENOENT, memfd_unpreserve(self->kho, other));

	ASSERT_EQ(0, memfd_unpreserve(self->kho, self->name));
	EXPECT_EQ(0, fcntl(self->memfd, F_GET_SEALS));
	EXPECT_TRUE(size_is_mutable(self->memfd));
	EXPECT_ERRNO(ENOENT, memfd_unpreserve(self->kho, self->name));
}

/*
 * A seal a user adds while preservation holds it stays the user's: an
 * unpreserve takes away only what preservation added, and the handover
 * records the user's seals only (KHO_MEMFD_LIST on the next kernel).
 */
TEST_F(kho, seal_added_while_preserved)
{
	ASSERT_EQ(0, memfd_preserve(self->kho, self->memfd, self->name));
	ASSERT_EQ(F_SEAL_GROW | F_SEAL_SHRINK, fcntl(self->memfd, F_GET_SEALS));
	/* Already set: the call succeeds and the seal is the user's now. */
	ASSERT_EQ(0, fcntl(self->memfd, F_ADD_SEALS, F_SEAL_SHRINK));
	EXPECT_EQ(F_SEAL_GROW | F_SEAL_SHRINK, fcntl(self->memfd, F_GET_SEALS));
	ASSERT_EQ(0, memfd_unpreserve(self->kho, self->name));
	EXPECT_EQ(F_SEAL_SHRINK, fcntl(self->memfd, F_GET_SEALS));
	EXPECT_ERRNO(EPERM, ftruncate(self->memfd, MEMFD_SIZE / 2));
	/* Grows still: GROW was preservation's. */
	EXPECT_EQ(0, ftruncate(self->memfd, MEMFD_SIZE * 2));

	/* Preserved again with SHRINK its own: only GROW is added, and taken away. */
	ASSERT_EQ(0, memfd_preserve(self->kho, self->memfd, self->name));
	EXPECT_EQ(F_SEAL_GROW | F_SEAL_SHRINK, fcntl(self->memfd, F_GET_SEALS));
	ASSERT_EQ(0, memfd_unpreserve(self->kho, self->name));
	EXPECT_EQ(F_SEAL_SHRINK, fcntl(self->memfd, F_GET_SEALS));
}

/*
 * A hugetlb memfd is preserved like a shmem one: its size frozen by the
 * same seals, given back on unpreserve. Empty, it needs no huge page.
 */
TEST(preserve_hugetlb)
{
	int kho, hugefd;

	kho = kho_fd_open();
	if (kho < 0 && errno == ENOENT)
		SKIP(return, KHO_DEV " missing: a kernel without CONFIG_KHO");
	ASSERT_LE(0, kho);
	hugefd = memfd_create("kho-test-huge", MFD_CLOEXEC | MFD_HUGETLB | MFD_ALLOW_SEALING);
	if (hugefd < 0)
		SKIP(return, "no hugetlb memfds (CONFIG_HUGETLBFS)");
	ASSERT_EQ(0, memfd_preserve(kho, hugefd, "kho-test-huge"));
	EXPECT_EQ(F_SEAL_GROW | F_SEAL_SHRINK, fcntl(hugefd, F_GET_SEALS));
	EXPECT_ERRNO(EEXIST, memfd_preserve(kho, hugefd, "kho-test-huge-2"));
	ASSERT_EQ(0, memfd_unpreserve(kho, "kho-test-huge"));
	EXPECT_EQ(0, fcntl(hugefd, F_GET_SEALS));
	close(hugefd);
	close(kho);
}

/* Frozen, nothing preserved changes; an abort gives it all back. */
TEST_F(kho, frozen)
{
	int fd2, ret;

	ASSERT_EQ(0, memfd_preserve(self->kho, self->memfd, self->name));
	ret = kho_set_frozen(1);
	if (ret == -ENOENT)
		SKIP(return, KHO_FREEZE " missing: no debugfs");
	ASSERT_EQ(0, ret);
	fd2 = new_memfd("kho-test-2", 0, MEMFD_SIZE);
	EXPECT_ERRNO(EBUSY, memfd_preserve(self->kho, fd2, "kho-test-frozen"));
	EXPECT_TRUE(size_is_mutable(fd2));
	EXPECT_ERRNO(EBUSY, memfd_unpreserve(self->kho, self->name));
	ASSERT_EQ(0, kho_set_frozen(0));
	close(fd2);
	EXPECT_EQ(0, memfd_unpreserve(self->kho, self->name));
}

/* Only CAP_SYS_ADMIN opens /dev/kho: not root without it, not nobody. */
TEST(open_unprivileged)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int status, fd;
	pid_t pid;

	fd = kho_fd_open();
	if (fd < 0 && errno == ENOENT)
		SKIP(return, KHO_DEV " missing: a kernel without CONFIG_KHO");
	ASSERT_LE(0, fd);
	close(fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (syscall(SYS_capget, &hdr, data))
			_exit(10);
		data[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
		if (syscall(SYS_capset, &hdr, data))
			_exit(11);
		fd = kho_fd_open();
		if (fd >= 0 || errno != EPERM)
			_exit(12);
		if (setgid(65534) || setuid(65534))
			_exit(13);
		fd = kho_fd_open();
		_exit(fd >= 0 ? 14 : errno == EACCES ? 0 : 15);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* 12: root without CAP_SYS_ADMIN opened it; 14, 15: nobody did. */
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* A cold boot: nothing to list, restore or finish. */
TEST_F(kho, cold_boot)
{
	if (getenv("KHO_TEST_HANDOVER"))
		SKIP(return, "KHO_TEST_HANDOVER set: this kernel has a handover");
	EXPECT_ERRNO(ENOENT, memfd_list(self->kho, 0, NULL));
	EXPECT_ERRNO(ENOENT, memfd_restore(self->kho, "kho-test", NULL));
	EXPECT_ERRNO(ENODEV, kho_finish(self->kho));
}

/*
 * After a kexec: the named memfd is listed and restored once; finish
 * once; after it nothing more is restored. Last: it finishes the update.
 */
TEST_F(kho, handover)
{
	const char *name = getenv("KHO_TEST_HANDOVER");
	struct kho_memfd_list l;
	unsigned int i;
	int fd = -1;

	if (!name)
		SKIP(return, "KHO_TEST_HANDOVER not set: no handover to test");
	for (i = 0; !memfd_list(self->kho, i, &l); i++)
		if (!strcmp(l.out_name, name))
			break;
	ASSERT_EQ(0, strcmp(l.out_name, name)) TH_LOG("%s not listed", name);
	EXPECT_EQ(0U, l.out_restored);
	EXPECT_ERRNO(ENOENT, memfd_restore(self->kho, "kho-test-none", NULL));
	ASSERT_EQ(0, memfd_restore(self->kho, name, &fd));
	EXPECT_EQ((off_t)l.out_size, lseek(fd, 0, SEEK_END));
	EXPECT_EQ((int)l.out_seals, fcntl(fd, F_GET_SEALS));
	EXPECT_ERRNO(ENOENT, memfd_restore(self->kho, name, NULL));
	ASSERT_EQ(0, memfd_list(self->kho, i, &l));
	EXPECT_EQ(1U, l.out_restored);
	ASSERT_EQ(0, kho_finish(self->kho));
	EXPECT_ERRNO(EALREADY, kho_finish(self->kho));
	EXPECT_ERRNO(ENOENT, memfd_restore(self->kho, name, NULL));
	close(fd);
}

/*
 * A device of KHO_TEST_VFIO_DEV bound to an iommufd, its IOAS mapping a
 * preserved memfd at TEST_IOVA, attached to an HWPT there.
 */
FIXTURE(vfio) {
	int kho, iommufd, device, memfd;
	__u32 dev_id, ioas_id, hwpt_id;
	char name[KHO_NAME_MAX];
	void *ram;
};

static int open_vfio_cdev(const char *bdf)
{
	char path[PATH_MAX];
	struct dirent *de;
	int fd = -1;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, "vfio", 4)) {
			snprintf(path, sizeof(path), "/dev/vfio/devices/%s", de->d_name);
			fd = open(path, O_RDWR | O_CLOEXEC);
			break;
		}
	closedir(dir);
	return fd;
}

static int ioas_map(int iommufd, __u32 ioas_id, void *va, __u64 iova, __u64 len)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova,
	};

	return ioctl(iommufd, IOMMU_IOAS_MAP, &map);
}

static int ioas_unmap(int iommufd, __u32 ioas_id, __u64 iova, __u64 len)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap), .ioas_id = ioas_id, .iova = iova, .length = len,
	};

	return ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap);
}

static int hwpt_alloc(int iommufd, __u32 dev_id, __u32 pt_id, __u32 *out)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .dev_id = dev_id, .pt_id = pt_id,
	};
	int ret = ioctl(iommufd, IOMMU_HWPT_ALLOC, &cmd);

	if (!ret)
		*out = cmd.out_hwpt_id;
	return ret;
}

static int hwpt_preserve(int iommufd, __u32 hwpt_id, __u64 token)
{
	struct iommu_hwpt_kho_preserve cmd = {
		.size = sizeof(cmd), .hwpt_id = hwpt_id, .token = token,
	};

	return ioctl(iommufd, IOMMU_HWPT_KHO_PRESERVE, &cmd);
}

static int hwpt_unpreserve(int iommufd, __u32 hwpt_id)
{
	struct iommu_hwpt_kho_unpreserve cmd = {
		.size = sizeof(cmd), .hwpt_id = hwpt_id,
	};

	return ioctl(iommufd, IOMMU_HWPT_KHO_UNPRESERVE, &cmd);
}

static int dev_preserve(int device, __u64 token)
{
	struct vfio_device_kho_preserve cmd = { .argsz = sizeof(cmd), .token = token };

	return ioctl(device, VFIO_DEVICE_KHO_PRESERVE, &cmd);
}

static int dev_unpreserve(int device)
{
	struct vfio_device_kho_unpreserve cmd = { .argsz = sizeof(cmd) };

	return ioctl(device, VFIO_DEVICE_KHO_UNPRESERVE, &cmd);
}

static int dev_attach(int device, __u32 pt_id)
{
	struct vfio_device_attach_iommufd_pt cmd = {
		.argsz = sizeof(cmd), .pt_id = pt_id,
	};

	return ioctl(device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &cmd);
}

static int kho_adopt(int iommufd, __u32 dev_id, __u64 token, __u32 flags)
{
	struct iommu_kho_adopt cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = dev_id, .token = token,
	};

	return ioctl(iommufd, IOMMU_KHO_ADOPT, &cmd);
}

/* INTx through an eventfd (@on) or off. */
static int set_intx(int device, int on)
{
	struct {
		struct vfio_irq_set set;
		__s32 fd;
	} irq = {
		.set = {
			.argsz = sizeof(irq),
			.flags = VFIO_IRQ_SET_ACTION_TRIGGER |
				 (on ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE),
			.index = VFIO_PCI_INTX_IRQ_INDEX,
			.count = on ? 1 : 0,
		},
	};

	if (on) {
		irq.fd = eventfd(0, EFD_CLOEXEC);
		if (irq.fd < 0)
			return -1;
	} else {
		irq.set.argsz = sizeof(irq.set);
	}
	return ioctl(device, VFIO_DEVICE_SET_IRQS, &irq);
}

FIXTURE_SETUP(vfio)
{
	const char *bdf = getenv("KHO_TEST_VFIO_DEV");
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };

	self->kho = -1;
	self->iommufd = -1;
	self->device = -1;
	self->memfd = -1;
	if (!bdf)
		SKIP(return, "KHO_TEST_VFIO_DEV not set: no device for the VFIO tests");
	self->kho = kho_fd_open();
	ASSERT_LE(0, self->kho);
	self->memfd = new_memfd("kho-test-ram", 0, MEMFD_SIZE);
	ASSERT_LE(0, self->memfd);
	snprintf(self->name, sizeof(self->name), "kho-test-ram-%d", getpid());
	ASSERT_EQ(0, memfd_preserve(self->kho, self->memfd, self->name));
	self->ram = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->memfd, 0);
	ASSERT_NE(MAP_FAILED, self->ram);
	self->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->iommufd);
	self->device = open_vfio_cdev(bdf);
	ASSERT_LE(0, self->device) TH_LOG("no VFIO cdev for %s", bdf);
	bind.iommufd = self->iommufd;
	ASSERT_EQ(0, ioctl(self->device, VFIO_DEVICE_BIND_IOMMUFD, &bind));
	self->dev_id = bind.out_devid;
	ASSERT_EQ(0, ioctl(self->iommufd, IOMMU_IOAS_ALLOC, &ioas));
	self->ioas_id = ioas.out_ioas_id;
	ASSERT_EQ(0, ioas_map(self->iommufd, self->ioas_id, self->ram, TEST_IOVA,
			      MEMFD_SIZE));
	attach.pt_id = self->ioas_id;
	ASSERT_EQ(0, ioctl(self->device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach));
	self->hwpt_id = attach.pt_id;
}

/* Closing the fds undoes every preservation; then the memfd's goes. */
FIXTURE_TEARDOWN(vfio)
{
	if (self->ram && self->ram != MAP_FAILED)
		munmap(self->ram, MEMFD_SIZE);
	if (self->device >= 0)
		close(self->device);
	if (self->iommufd >= 0)
		close(self->iommufd);
	if (self->kho >= 0) {
		memfd_unpreserve(self->kho, self->name);
		close(self->kho);
	}
	if (self->memfd >= 0)
		close(self->memfd);
}

TEST_F(vfio, hwpt_preserve_args)
{
	struct {
		struct iommu_hwpt_kho_preserve cmd;
		__u64 future;
	} big = { .cmd = { .size = sizeof(big), .hwpt_id = self->hwpt_id,
			   .token = TEST_TOKEN }, .future = 1 };
	struct iommu_hwpt_kho_preserve cmd = {
		.size = offsetof(struct iommu_hwpt_kho_preserve, token),
		.hwpt_id = self->hwpt_id, .token = TEST_TOKEN,
	};

	EXPECT_ERRNO(EINVAL, ioctl(self->iommufd, IOMMU_HWPT_KHO_PRESERVE, &cmd));
	EXPECT_ERRNO(E2BIG, ioctl(self->iommufd, IOMMU_HWPT_KHO_PRESERVE, &big));
	cmd.size = sizeof(cmd);
	cmd.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->iommufd, IOMMU_HWPT_KHO_PRESERVE, &cmd));
	cmd.flags = 0;
	cmd.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->iommufd, IOMMU_HWPT_KHO_PRESERVE, &cmd));
	EXPECT_ERRNO(EINVAL, hwpt_preserve(self->iommufd, self->hwpt_id, 0));
	EXPECT_ERRNO(ENOENT, hwpt_preserve(self->iommufd, 0xfffff, TEST_TOKEN));
	EXPECT_ERRNO(ENOENT, hwpt_preserve(self->iommufd, self->ioas_id, TEST_TOKEN));
	EXPECT_ERRNO(EFAULT, ioctl(self->iommufd, IOMMU_HWPT_KHO_PRESERVE, NULL));
	/* Nothing preserved: the IOAS still changes, the HWPT unpreserves not. */
	EXPECT_ERRNO(EINVAL, hwpt_unpreserve(self->iommufd, self->hwpt_id));
	EXPECT_ERRNO(ENOENT, hwpt_unpreserve(self->iommufd, 0xfffff));
	EXPECT_EQ(0, ioas_unmap(self->iommufd, self->ioas_id, TEST_IOVA, MEMFD_SIZE));
	EXPECT_EQ(0, ioas_map(self->iommufd, self->ioas_id, self->ram, TEST_IOVA,
			      MEMFD_SIZE));
	EXPECT_EQ(0, memfd_unpreserve(self->kho, self->name));
}

/* An HWPT mapping memory nobody preserved is refused. */
TEST_F(vfio, hwpt_preserve_unpreserved_memory)
{
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	void *anon;
	__u32 hwpt;

	anon = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	ASSERT_EQ(0, ioctl(self->iommufd, IOMMU_IOAS_ALLOC, &ioas));
	ASSERT_EQ(0, ioas_map(self->iommufd, ioas.out_ioas_id, anon, TEST_IOVA, MEMFD_SIZE));
	ASSERT_EQ(0, hwpt_alloc(self->iommufd, self->dev_id, ioas.out_ioas_id, &hwpt));
	EXPECT_ERRNO(EINVAL, hwpt_preserve(self->iommufd, hwpt, TEST_TOKEN));
	EXPECT_ERRNO(EINVAL, hwpt_unpreserve(self->iommufd, hwpt));
	EXPECT_EQ(0, ioas_unmap(self->iommufd, ioas.out_ioas_id, TEST_IOVA, MEMFD_SIZE));
	/* The token is still free. */
	EXPECT_EQ(0, hwpt_preserve(self->iommufd, self->hwpt_id, TEST_TOKEN));
	EXPECT_EQ(0, hwpt_unpreserve(self->iommufd, self->hwpt_id));
	munmap(anon, MEMFD_SIZE);
}

/* A preserved HWPT: its IOAS and its memfd frozen until it is unpreserved. */
TEST_F(vfio, hwpt_preserved)
{
	__u32 hwpt2;

	ASSERT_EQ(0, hwpt_preserve(self->iommufd, self->hwpt_id, TEST_TOKEN));
	EXPECT_ERRNO(EEXIST, hwpt_preserve(self->iommufd, self->hwpt_id, TEST_TOKEN + 1));
	ASSERT_EQ(0, hwpt_alloc(self->iommufd, self->dev_id, self->ioas_id, &hwpt2));
	EXPECT_ERRNO(EEXIST, hwpt_preserve(self->iommufd, hwpt2, TEST_TOKEN));
	EXPECT_ERRNO(EBUSY, ioas_map(self->iommufd, self->ioas_id, self->ram,
				     TEST_IOVA + MEMFD_SIZE, MEMFD_SIZE));
	EXPECT_ERRNO(EBUSY, ioas_unmap(self->iommufd, self->ioas_id, TEST_IOVA, MEMFD_SIZE));
	EXPECT_ERRNO(EBUSY, memfd_unpreserve(self->kho, self->name));
	ASSERT_EQ(0, hwpt_unpreserve(self->iommufd, self->hwpt_id));
	EXPECT_ERRNO(EINVAL, hwpt_unpreserve(self->iommufd, self->hwpt_id));
	EXPECT_EQ(0, ioas_unmap(self->iommufd, self->ioas_id, TEST_IOVA, MEMFD_SIZE));
	EXPECT_EQ(0, memfd_unpreserve(self->kho, self->name));
}

TEST_F(vfio, device_preserve)
{
	struct vfio_device_kho_preserve cmd = {
		.argsz = offsetof(struct vfio_device_kho_preserve, token),
		.token = TEST_TOKEN,
	};

	EXPECT_ERRNO(EINVAL, ioctl(self->device, VFIO_DEVICE_KHO_PRESERVE, &cmd));
	cmd.argsz = sizeof(cmd);
	cmd.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->device, VFIO_DEVICE_KHO_PRESERVE, &cmd));
	EXPECT_ERRNO(EINVAL, dev_preserve(self->device, 0));
	/* Its HWPT is not preserved. */
	EXPECT_ERRNO(EINVAL, dev_preserve(self->device, TEST_TOKEN));
	EXPECT_ERRNO(EINVAL, dev_unpreserve(self->device));

	ASSERT_EQ(0, hwpt_preserve(self->iommufd, self->hwpt_id, TEST_TOKEN));
	ASSERT_EQ(0, set_intx(self->device, 1));
	EXPECT_ERRNO(EBUSY, dev_preserve(self->device, TEST_TOKEN));
	ASSERT_EQ(0, set_intx(self->device, 0));
	ASSERT_EQ(0, dev_preserve(self->device, TEST_TOKEN));
	EXPECT_ERRNO(EEXIST, dev_preserve(self->device, TEST_TOKEN + 1));
	EXPECT_ERRNO(EBUSY, hwpt_unpreserve(self->iommufd, self->hwpt_id));
	ASSERT_EQ(0, dev_unpreserve(self->device));
	EXPECT_ERRNO(EINVAL, dev_unpreserve(self->device));
	EXPECT_EQ(0, hwpt_unpreserve(self->iommufd, self->hwpt_id));
}

/* Frozen: nothing is preserved or unpreserved; an abort undoes it. */
TEST_F(vfio, frozen)
{
	int ret;

	ASSERT_EQ(0, hwpt_preserve(self->iommufd, self->hwpt_id, TEST_TOKEN));
	ASSERT_EQ(0, dev_preserve(self->device, TEST_TOKEN));
	ret = kho_set_frozen(1);
	if (ret == -ENOENT)
		SKIP(return, KHO_FREEZE " missing: no debugfs");
	ASSERT_EQ(0, ret);
	EXPECT_ERRNO(EBUSY, dev_unpreserve(self->device));
	EXPECT_ERRNO(EBUSY, hwpt_unpreserve(self->iommufd, self->hwpt_id));
	ASSERT_EQ(0, kho_set_frozen(0));
	EXPECT_EQ(0, dev_unpreserve(self->device));
	EXPECT_EQ(0, hwpt_unpreserve(self->iommufd, self->hwpt_id));
}

/* Adopt without a frozen domain of that token, and its argument checks. */
TEST_F(vfio, adopt_refused)
{
	struct iommu_kho_adopt cmd = {
		.size = offsetof(struct iommu_kho_adopt, token),
		.dev_id = self->dev_id, .token = TEST_TOKEN,
	};

	EXPECT_ERRNO(EINVAL, ioctl(self->iommufd, IOMMU_KHO_ADOPT, &cmd));
	EXPECT_ERRNO(EOPNOTSUPP, kho_adopt(self->iommufd, self->dev_id, TEST_TOKEN, 1));
	EXPECT_ERRNO(EINVAL, kho_adopt(self->iommufd, self->dev_id, 0, 0));
	EXPECT_ERRNO(ENOENT, kho_adopt(self->iommufd, 0xfffff, TEST_TOKEN, 0));
	EXPECT_ERRNO(ENOENT, kho_adopt(self->iommufd, self->dev_id, TEST_TOKEN, 0));
	/* The device is still on its HWPT: attaching it there again works. */
	EXPECT_EQ(0, dev_attach(self->device, self->hwpt_id));
}

TEST_HARNESS_MAIN
