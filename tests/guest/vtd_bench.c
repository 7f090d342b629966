// SPDX-License-Identifier: GPL-2.0
/*
 * vtd_bench - kernel A's half of make bench's VT-d configurations.
 *
 *   vtd_bench SIZE MODE
 *
 * Preserves a memfd of SIZE bytes (K, M, G suffixes) through /dev/kho,
 * maps all of it in an IOAS at an IOVA other than its physical addresses
 * and attaches the edu device; MODE "hwpt" then preserves the HWPT and the
 * device (IOMMU_HWPT_KHO_PRESERVE, VFIO_DEVICE_KHO_PRESERVE), "map" stops
 * there, so that the two kexecs differ only by the preserved domain. Each
 * step's time is printed as "vtd_bench: STEP_ns=N"; then the program kexecs
 * (reboot(LINUX_REBOOT_CMD_KEXEC), the image already loaded) with every fd
 * open, as a VMM would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/iommufd.h>
#include <linux/kho.h>
#include <linux/reboot.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "edu_vfio.h"

#define BENCH_IOVA	0x4000000000ULL		/* 256 GiB: no RAM there */
#define BENCH_TOKEN	0x62656e6368ULL		/* "bench" */

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int die(const char *what, int err)
{
	printf("vtd_bench: FAIL %s: %s\n", what, strerror(err));
	return 1;
}

static u64 parse_size(const char *s)
{
	char *end;
	u64 v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': return v << 30;
	case 'M': return v << 20;
	case 'K': return v << 10;
	default: return v;
	}
}

/* A memfd of @size bytes, written once so every page exists, preserved. */
static int preserve_memfd(u64 size, void **va)
{
	struct kho_memfd_preserve p = { .size = sizeof(p) };
	int kho, fd;
	u64 t;

	fd = memfd_create("vtd-bench", MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, size))
		return -errno;
	*va = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (*va == MAP_FAILED)
		return -errno;
	kho = open("/dev/kho", O_RDWR);
	if (kho < 0)
		return -errno;
	p.fd = fd;
	snprintf(p.name, sizeof(p.name), "vtd-bench");
	t = now_ns();
	if (ioctl(kho, KHO_MEMFD_PRESERVE, &p))
		return -errno;
	printf("vtd_bench: memfd_preserve_ns=%llu\n", (unsigned long long)(now_ns() - t));
	return 0;
}

static int preserve_hwpt(struct edu_vfio *ev)
{
	struct iommu_hwpt_kho_preserve hp = {
		.size = sizeof(hp),
		.hwpt_id = ev->hwpt_id,
		.token = BENCH_TOKEN,
	};
	struct vfio_device_kho_preserve dp = {
		.argsz = sizeof(dp),
		.token = BENCH_TOKEN + 1,
	};
	u64 t = now_ns();

	if (ioctl(ev->iommufd, IOMMU_HWPT_KHO_PRESERVE, &hp))
		return -errno;
	printf("vtd_bench: hwpt_preserve_ns=%llu\n", (unsigned long long)(now_ns() - t));
	t = now_ns();
	if (ioctl(ev->device_fd, VFIO_DEVICE_KHO_PRESERVE, &dp))
		return -errno;
	printf("vtd_bench: device_preserve_ns=%llu\n", (unsigned long long)(now_ns() - t));
	return 0;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Under TCG the first run of a code path costs its translation, which
 * would dominate a freeze timed once: freeze and abort through debugfs
 * first, in every configuration, and time the kexec's freeze.
 */
static int warm_freeze(void)
{
	int err = write_str("/sys/kernel/debug/kho/out/freeze", "1");

	return err ?: write_str("/sys/kernel/debug/kho/out/freeze", "0");
}

int main(int argc, char **argv)
{
	struct edu_vfio ev;
	u64 size, t;
	void *va = NULL;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3 || (strcmp(argv[2], "hwpt") && strcmp(argv[2], "map"))) {
		fprintf(stderr, "usage: %s SIZE hwpt|map\n", argv[0]);
		return 2;
	}
	size = parse_size(argv[1]);
	edu_vfio_init(&ev);
	if (edu_vfio_open(&ev, NULL))
		return die(ev.err, EINVAL);
	err = preserve_memfd(size, &va);
	if (err)
		return die("memfd", -err);
	t = now_ns();
	if (edu_vfio_map(&ev, va, BENCH_IOVA, size))
		return die(ev.err, EINVAL);
	printf("vtd_bench: ioas_map_ns=%llu\n", (unsigned long long)(now_ns() - t));
	/* The IOAS has no domain yet: the attach pins and maps it all. */
	t = now_ns();
	if (edu_vfio_attach(&ev))
		return die(ev.err, EINVAL);
	printf("vtd_bench: attach_ns=%llu\n", (unsigned long long)(now_ns() - t));
	if (!strcmp(argv[2], "hwpt")) {
		err = preserve_hwpt(&ev);
		if (err)
			return die("preserve", -err);
	}
	err = warm_freeze();
	if (err)
		return die("freeze and abort", -err);
	printf("vtd_bench: kexec %s %llu bytes\n", argv[2], (unsigned long long)size);
	/*
	 * The serial console still sending these lines would run its
	 * interrupts inside the timed freeze: let it finish first.
	 */
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
	sync();
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, NULL);
	return die("reboot(LINUX_REBOOT_CMD_KEXEC)", errno);
}
