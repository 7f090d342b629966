/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fail_nth.h - what the in-guest test programs' fail-nth passes share:
 * small reads and writes of sysfs and debugfs files, the fault injection
 * settings that make every allocation count (saved and put back), and
 * this thread's fail-nth file. Included after tap.h by one file of a
 * program that defines ARRAY_SIZE.
 */
#ifndef FAIL_NTH_H
#define FAIL_NTH_H

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "tap.h"

#define FAULT_DEBUGFS	"/sys/kernel/debug"

static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno("open %s", path);
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - total);
		if (n < 0) {
			fail_errno("read %s", path);
			close(fd);
			return -1;
		}
		if (!n)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	return 0;
}

static int write_file(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno("open %s", path);
	n = write(fd, val, len);
	if (n < 0) {
		fail_errno("write '%s' to %s", val, path);
		close(fd);
		return -1;
	}
	close(fd);
	if ((size_t)n != len)
		return fail("short write of '%s' to %s", val, path);
	return 0;
}

struct fault_setting {
	const char *path;
	const char *value;
	char saved[32];
	bool changed;
};

static struct fault_setting fault_settings[] = {
	{ .path = FAULT_DEBUGFS "/failslab/ignore-gfp-wait", .value = "N" },
	{ .path = FAULT_DEBUGFS "/fail_page_alloc/ignore-gfp-wait", .value = "N" },
	{ .path = FAULT_DEBUGFS "/fail_page_alloc/ignore-gfp-highmem", .value = "N" },
	{ .path = FAULT_DEBUGFS "/fail_page_alloc/min-order", .value = "0" },
	/* One line per injected fault, no stack dump. */
	{ .path = FAULT_DEBUGFS "/failslab/verbose", .value = "1" },
	{ .path = FAULT_DEBUGFS "/fail_page_alloc/verbose", .value = "1" },
};

static int fault_settings_apply(void)
{
	struct fault_setting *f;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fault_settings); i++) {
		f = &fault_settings[i];
		if (read_file(f->path, f->saved, sizeof(f->saved)))
			return -1;
		f->saved[strcspn(f->saved, "\n")] = '\0';
		if (write_file(f->path, f->value))
			return -1;
		f->changed = true;
	}
	return 0;
}

static int fault_settings_restore(void)
{
	struct fault_setting *f;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(fault_settings); i++) {
		f = &fault_settings[i];
		if (f->changed && write_file(f->path, f->saved))
			ret = -1;
		f->changed = false;
	}
	return ret;
}

/* This thread's /proc fail-nth file, read-write; -1 with fail() if not. */
static int fail_nth_open(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail_errno("open %s", path);
	return fd;
}

#endif /* FAIL_NTH_H */
