// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_edu_dma - DMA round trip through QEMU's edu device, driven from
 * userspace with a VFIO device cdev and iommufd behind the Intel IOMMU.
 *
 * Page A (mapped at IOVA) gets seeded pseudo-random bytes, page B (at
 * IOVA + page size) is zeroed. The device copies A into its own buffer and
 * then back out into B. The IOVA is chosen so that it differs from the
 * physical address of both pages: the bytes only arrive in B if the IOMMU
 * translated both transfers.
 *
 * Output is TAP: one line per step, the plan, then "vfio-edu-dma: PASS" or
 * "vfio-edu-dma: FAIL". The first failing step ends the run. Exit status 0
 * only when every step passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "edu_vfio.h"

#define DEFAULT_IOVA		0x100000ULL
#define IOVA_STEP		0x10000ULL	/* shift when IOVA == phys */
#define DEFAULT_TIMEOUT_MS	10000U
#define MAX_TIMEOUT_MS		600000UL
#define BUF_PAGES		2		/* page A, then page B */
#define MAP_ATTEMPTS		4

struct options {
	const char *bdf;		/* NULL: first edu in sysfs */
	u64 iova;
	u32 size;
	u64 seed;
	unsigned int timeout_ms;
};

struct test {
	struct options opt;
	struct edu_vfio ev;
	size_t page_size;
	u8 *buf;			/* BUF_PAGES pages, NULL until mapped */
	u64 iova;			/* IOVA of page A once mapped */
	bool mapped;
	char why[512];			/* reason the current step failed */
};

struct step {
	const char *name;
	int (*run)(struct test *t);
};

/* A TAP diagnostic line. Macros, so that the compiler checks formats. */
#define diag(fmt, ...)	printf("# " fmt "\n", ##__VA_ARGS__)

/* Record why the current step failed; evaluates to -1. */
#define fail(t, fmt, ...) ({						\
	struct test *__t = (t);						\
									\
	snprintf(__t->why, sizeof(__t->why), fmt, ##__VA_ARGS__);	\
	-1;								\
})

/* Pass on a library failure; its message is in ev.err. */
static int lib_result(struct test *t, int ret)
{
	if (ret)
		snprintf(t->why, sizeof(t->why), "%s", t->ev.err);
	return ret;
}

static u8 *page_a(struct test *t)
{
	return t->buf;
}

static u8 *page_b(struct test *t)
{
	return t->buf + t->page_size;
}

/* xorshift64: cheap, reproducible from the seed and far from trivial. */
static void fill_pattern(u8 *p, size_t len, u64 seed)
{
	u64 x = seed ^ 0x9e3779b97f4a7c15ULL;	/* must not be 0 */
	size_t i;

	if (!x)
		x = 1;
	for (i = 0; i < len; i++) {
		if (i % 8 == 0) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		p[i] = (u8)(x >> (8 * (i % 8)));
	}
}

static int step_bind(struct test *t)
{
	int ret;

	ret = edu_vfio_find(&t->ev, t->opt.bdf);
	if (!ret)
		ret = edu_vfio_bind_driver(&t->ev);
	if (ret)
		return lib_result(t, ret);
	diag("edu device %s, previously bound to %s", t->ev.bdf,
	     t->ev.orig_driver[0] ? t->ev.orig_driver : "no driver");
	return 0;
}

static int step_cdev_open(struct test *t)
{
	int ret = edu_vfio_open_cdev(&t->ev);

	if (ret)
		return lib_result(t, ret);
	diag("opened %s", t->ev.cdev_path);
	return 0;
}

static int step_iommufd_bind(struct test *t)
{
	int ret = edu_vfio_bind_iommufd(&t->ev);

	if (ret)
		return lib_result(t, ret);
	diag("iommufd devid %u, ioas %u", t->ev.devid, t->ev.ioas_id);
	return 0;
}

static int alloc_buffer(struct test *t)
{
	size_t len = BUF_PAGES * t->page_size;
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		return fail(t, "mmap %zu bytes: %s (errno %d)", len,
			    strerror(errno), errno);
	t->buf = p;
	/* A write gives every page its own frame instead of the zero page. */
	memset(t->buf, 0, len);
	if (mlock(t->buf, len))
		return fail(t, "mlock %zu bytes: %s (errno %d)", len,
			    strerror(errno), errno);
	return 0;
}

static int read_buffer_phys(struct test *t, u64 *pa)
{
	unsigned int i;
	int ret;

	for (i = 0; i < BUF_PAGES; i++) {
		ret = edu_virt_to_phys(&t->ev, t->buf + i * t->page_size, &pa[i]);
		if (ret)
			return lib_result(t, ret);
	}
	return 0;
}

/*
 * With IOVA equal to a physical address an untranslated (identity) DMA
 * would still find the data, so keep every buffer page out of the window.
 */
static bool window_holds_phys(struct test *t, u64 iova, const u64 *pa)
{
	u64 end = iova + BUF_PAGES * t->page_size;
	unsigned int i;

	for (i = 0; i < BUF_PAGES; i++)
		if (pa[i] < end && pa[i] + t->page_size > iova)
			return true;
	return false;
}

static u64 iova_clear_of_phys(struct test *t, u64 iova, const u64 *pa)
{
	while (window_holds_phys(t, iova, pa)) {
		diag("IOVA %#llx overlaps the buffer's physical pages, using %#llx",
		     (unsigned long long)iova,
		     (unsigned long long)(iova + IOVA_STEP));
		iova += IOVA_STEP;
	}
	return iova;
}

static int map_buffer(struct test *t)
{
	u64 len = BUF_PAGES * t->page_size;
	u64 pa[BUF_PAGES], iova = t->opt.iova;
	unsigned int attempt;
	int ret;

	for (attempt = 0; attempt < MAP_ATTEMPTS; attempt++) {
		ret = read_buffer_phys(t, pa);
		if (ret)
			return ret;
		iova = iova_clear_of_phys(t, iova, pa);
		if (iova + len > EDU_DMA_ADDR_LIMIT)
			return fail(t, "IOVA %#llx + %#llx is beyond the 28-bit edu DMA mask",
				    (unsigned long long)iova,
				    (unsigned long long)len);

		ret = edu_vfio_map(&t->ev, t->buf, iova, len);
		if (ret)
			return lib_result(t, ret);
		t->mapped = true;
		t->iova = iova;

		/* Long-term pinning may have migrated the pages: look again. */
		ret = read_buffer_phys(t, pa);
		if (ret)
			return ret;
		if (!window_holds_phys(t, iova, pa)) {
			diag("page A phys %#llx at iova %#llx, page B phys %#llx at iova %#llx",
			     (unsigned long long)pa[0], (unsigned long long)iova,
			     (unsigned long long)pa[1],
			     (unsigned long long)(iova + t->page_size));
			return 0;
		}
		diag("pinning moved the buffer into the IOVA window, remapping");
		ret = edu_vfio_unmap(&t->ev, iova, len);
		if (ret)
			return lib_result(t, ret);
		t->mapped = false;
	}
	return fail(t, "no IOVA clear of the buffer's physical pages after %u attempts",
		    MAP_ATTEMPTS);
}

static int step_ioas_map(struct test *t)
{
	int ret = alloc_buffer(t);

	if (!ret)
		ret = map_buffer(t);
	return ret;
}

static int step_attach(struct test *t)
{
	int ret = edu_vfio_attach(&t->ev);

	if (ret)
		return lib_result(t, ret);
	diag("devid %u attached to ioas %u, page table %u", t->ev.devid,
	     t->ev.ioas_id, t->ev.hwpt_id);
	return 0;
}

static int step_bar_access(struct test *t)
{
	int ret;

	ret = edu_vfio_setup_bar(&t->ev);
	if (!ret)
		ret = edu_check_alive(&t->ev);
	if (ret)
		return lib_result(t, ret);
	if (t->ev.bar0)
		diag("BAR0 %#llx bytes, accessed through mmap",
		     (unsigned long long)t->ev.bar0_size);
	else
		diag("BAR0 %#llx bytes, accessed through pread/pwrite (no mmap: %s)",
		     (unsigned long long)t->ev.bar0_size,
		     strerror(t->ev.bar0_mmap_errno));
	return 0;
}

static int run_dma(struct test *t, enum edu_dma_dir dir, u64 iova)
{
	u64 elapsed_ns;
	int ret;

	ret = edu_dma_start(&t->ev, dir, iova, EDU_DEV_BUF_ADDR, t->opt.size);
	if (!ret)
		ret = edu_dma_wait(&t->ev, t->opt.timeout_ms, &elapsed_ns);
	if (ret)
		return lib_result(t, ret);
	diag("%s: %u bytes, iova %#llx <-> device %#llx, done after %llu ms",
	     dir == EDU_DMA_RAM_TO_DEV ? "RAM -> device" : "device -> RAM",
	     t->opt.size, (unsigned long long)iova, EDU_DEV_BUF_ADDR,
	     (unsigned long long)(elapsed_ns / 1000000));
	return 0;
}

static int step_dma_to_device(struct test *t)
{
	fill_pattern(page_a(t), t->page_size, t->opt.seed);
	memset(page_b(t), 0, t->page_size);
	return run_dma(t, EDU_DMA_RAM_TO_DEV, t->iova);
}

static int step_dma_to_ram(struct test *t)
{
	return run_dma(t, EDU_DMA_DEV_TO_RAM, t->iova + t->page_size);
}

/* Number of bytes in which @got differs from @want, and the first one. */
static size_t count_diffs(const u8 *got, const u8 *want, size_t len,
			  size_t *first)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (got[i] == want[i])
			continue;
		if (!n)
			*first = i;
		n++;
	}
	return n;
}

static size_t count_nonzero(const u8 *p, size_t len, size_t *first)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (!p[i])
			continue;
		if (!n)
			*first = i;
		n++;
	}
	return n;
}

static int step_compare(struct test *t)
{
	const u8 *a = page_a(t), *b = page_b(t);
	size_t size = t->opt.size, tail = t->page_size - size;
	size_t first = 0, unused, n;
	u8 *expect;

	n = count_diffs(b, a, size, &first);
	if (n)
		return fail(t,
			    "%zu of %zu bytes differ, first at offset 0x%zx (page A 0x%02x, page B 0x%02x)%s",
			    n, size, first, a[first], b[first],
			    count_nonzero(b, size, &unused) ? "" :
			    "; page B is all zero, the device -> RAM DMA never landed");

	n = count_nonzero(b + size, tail, &first);
	if (n)
		return fail(t,
			    "%zu bytes of page B beyond the transfer are no longer zero, first at offset 0x%zx",
			    n, size + first);

	/* The device only reads page A: it must be as we wrote it. */
	expect = malloc(t->page_size);
	if (!expect)
		return fail(t, "malloc %zu bytes: %s", t->page_size, strerror(errno));
	fill_pattern(expect, t->page_size, t->opt.seed);
	n = count_diffs(a, expect, t->page_size, &first);
	free(expect);
	if (n)
		return fail(t, "%zu bytes of source page A changed, first at offset 0x%zx",
			    n, first);
	diag("%zu bytes came back intact, the other %zu bytes of page B untouched",
	     size, tail);
	return 0;
}

static const struct step steps[] = {
	{ "bind",		step_bind },
	{ "cdev open",		step_cdev_open },
	{ "iommufd bind",	step_iommufd_bind },
	{ "ioas map",		step_ioas_map },
	{ "attach",		step_attach },
	{ "bar access",		step_bar_access },
	{ "dma to device",	step_dma_to_device },
	{ "dma to ram",		step_dma_to_ram },
	{ "compare",		step_compare },
};

/*
 * Close the device first: vfio-pci turns bus mastering off on release, so
 * nothing can DMA into the pages once they are unmapped and freed.
 */
static void cleanup(struct test *t)
{
	size_t len = BUF_PAGES * t->page_size;

	edu_vfio_release_device(&t->ev);
	if (t->mapped && edu_vfio_unmap(&t->ev, t->iova, len))
		diag("at exit: %s", t->ev.err);
	t->mapped = false;
	edu_vfio_close(&t->ev);
	if (t->buf) {
		munlock(t->buf, len);
		munmap(t->buf, len);
		t->buf = NULL;
	}
}

static void print_usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [--bdf DDDD:BB:DD.F] [--iova ADDR] [--size BYTES]\n"
		"          [--seed N] [--timeout-ms MS]\n"
		"  --bdf         edu device to use (default: first 1234:11e8 in sysfs)\n"
		"  --iova        page-aligned IOVA of the buffer, below 2^28 (default %#llx)\n"
		"  --size        bytes per DMA, 1..%u (default %u)\n"
		"  --seed        pattern seed (default: from the clock)\n"
		"  --timeout-ms  wall-clock limit per DMA (default %u)\n",
		prog, DEFAULT_IOVA, EDU_DMA_MAX_COUNT, EDU_DMA_MAX_COUNT,
		DEFAULT_TIMEOUT_MS);
}

static bool parse_u64(const char *s, u64 *val)
{
	char *end;

	errno = 0;
	*val = strtoull(s, &end, 0);
	return !errno && end != s && !*end && s[0] != '-';
}

static u64 clock_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((u64)ts.tv_sec << 32) ^ (u64)ts.tv_nsec ^
	       ((u64)getpid() << 16);
}

/* NULL if @arg is a good value for @opt, else what is wrong with it. */
static const char *check_option(int opt, const char *arg, struct options *o,
				size_t page_size)
{
	u64 val;

	if (opt == 'b') {
		o->bdf = arg;
		return NULL;
	}
	if (!parse_u64(arg, &val))
		return "not a number";
	switch (opt) {
	case 'i':
		if (val % page_size ||
		    val + BUF_PAGES * page_size > EDU_DMA_ADDR_LIMIT)
			return "--iova must be page aligned and leave two pages below 2^28";
		o->iova = val;
		break;
	case 's':
		if (!val || val > EDU_DMA_MAX_COUNT)
			return "--size must be 1..2048 (QEMU 7.2 edu aborts on a full 4096)";
		o->size = val;
		break;
	case 'S':
		o->seed = val;
		break;
	case 't':
		if (!val || val > MAX_TIMEOUT_MS)
			return "--timeout-ms must be 1..600000";
		o->timeout_ms = val;
		break;
	}
	return NULL;
}

/* Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct options *o,
			 size_t page_size)
{
	static const struct option long_opts[] = {
		{ "bdf",	required_argument, NULL, 'b' },
		{ "iova",	required_argument, NULL, 'i' },
		{ "size",	required_argument, NULL, 's' },
		{ "seed",	required_argument, NULL, 'S' },
		{ "timeout-ms",	required_argument, NULL, 't' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL,		0,		   NULL, 0 },
	};
	const char *bad;
	int opt;

	o->bdf = NULL;
	o->iova = DEFAULT_IOVA;
	o->size = EDU_DMA_MAX_COUNT;
	o->seed = clock_seed();
	o->timeout_ms = DEFAULT_TIMEOUT_MS;

	while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (opt == 'h') {
			print_usage(stdout, argv[0]);
			return 0;
		}
		if (opt == '?') {
			print_usage(stderr, argv[0]);
			return 2;
		}
		bad = check_option(opt, optarg, o, page_size);
		if (bad) {
			fprintf(stderr, "%s: %s: %s\n", argv[0], optarg, bad);
			return 2;
		}
	}
	if (optind < argc) {
		print_usage(stderr, argv[0]);
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	static struct test t;
	bool pass = true;
	unsigned int i;
	int status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	t.page_size = (size_t)sysconf(_SC_PAGESIZE);
	edu_vfio_init(&t.ev);

	status = parse_options(argc, argv, &t.opt, t.page_size);
	if (status >= 0) {
		if (status)
			printf("vfio-edu-dma: FAIL\n");
		return status;
	}

	printf("TAP version 13\n");
	diag("vfio-edu-dma: bdf %s, iova %#llx, size %u, seed %#llx, timeout %u ms",
	     t.opt.bdf ? t.opt.bdf : "auto", (unsigned long long)t.opt.iova,
	     t.opt.size, (unsigned long long)t.opt.seed, t.opt.timeout_ms);
	if (geteuid())
		diag("not running as root: sysfs writes and pagemap will fail");

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		t.why[0] = '\0';
		if (steps[i].run(&t)) {
			printf("not ok %u - %s: %s\n", i + 1, steps[i].name, t.why);
			pass = false;
			break;
		}
		printf("ok %u - %s\n", i + 1, steps[i].name);
	}
	printf("1..%zu\n", ARRAY_SIZE(steps));

	cleanup(&t);
	printf("vfio-edu-dma: %s\n", pass ? "PASS" : "FAIL");
	return pass ? 0 : 1;
}
