// SPDX-License-Identifier: GPL-2.0
/*
 * vtd_kho - an edu device keeps DMAing through VT-d across a kexec: its
 * guest RAM in a memfd preserved through /dev/kho, its page table with
 * IOMMU_HWPT_KHO_PRESERVE and the device itself with VFIO_DEVICE_KHO_PRESERVE.
 *
 *   vtd_kho arm SEED DELAY_MS [TOKEN_HWPT TOKEN_DEV] [corrupt=WORD]
 *	kernel A, the next kernel loaded already (kexec -s -l): set up and
 *	preserve all three, start a device->RAM DMA and DELAY_MS later kexec
 *	with reboot(LINUX_REBOOT_CMD_KEXEC), every fd still open. corrupt=WORD
 *	freezes first and damages the handover through kho_test's corrupt knob.
 *   vtd_kho check SEED
 *	kernel B: the DMA armed on A landed and nothing else did; the device,
 *	bound again but not attached, still translates through the frozen
 *	domain both ways, and a DMA to an unmapped IOVA faults without landing.
 *   vtd_kho isolate-arm SEED DELAY_MS [TOKEN_HWPT TOKEN_DEV]
 *   vtd_kho isolate-check SEED
 *	arm and check, with a second edu that is attached but not preserved:
 *	nothing it DMAs around the kexec or on B lands anywhere, neither
 *	before any driver binds it (bus mastering turned on through sysfs)
 *	nor after vfio-pci does.
 *   vtd_kho abort SEED DELAY_MS [TOKEN_HWPT TOKEN_DEV]
 *	preserve, freeze, DMA while frozen, abort the freeze, DMA, unpreserve,
 *	the IOAS mutable again; then preserve again and arm as arm does.
 *   vtd_kho fenced SEED node|handover
 *	kernel B after arm corrupt=...: the VT-d node ("node") or the whole
 *	handover ("handover") was rejected. The device must be blocked, with
 *	translation still on: before any driver binds it and after vfio-pci
 *	does, no DMA of it lands, neither in A's pages nor at GPA == IOVA.
 *   vtd_kho errors
 *	one cold boot: every errno of the two uAPIs, a preserved device
 *	neither re-attached nor detached and still DMAing, fail-nth over both
 *	preserve ioctls, then closing the preserved device's fd undoes its
 *	preservation (and only its).
 *   vtd_kho live SEED GEN [again DELAY_MS]
 *	kernel number GEN after arm (B is 1): the live update of a VMM, each
 *	step timed ("vtd_kho: step NAME MS ms"): restore the memfd, bind the
 *	device, IOMMU_KHO_ADOPT, DMA through the frozen domain, rebuild the
 *	IOAS (X + 3 pages moved to the other spare page) and an HWPT, replace,
 *	DMA (one to X + 3 pages: it lands in the new page), destroy the
 *	frozen HWPT, KHO_FINISH. With "again", then preserve memfd, HWPT
 *	and device again, arm a DMA and kexec, as arm does (GEN up to 15).
 *   vtd_kho gap-arm SEED, then vtd_kho live SEED 1 gap
 *	make bench's DMA gap: A's DMAs run back to back until the kexec stops
 *	them (TSC stamps in page 7), B's first comes as soon as it is bound.
 *   vtd_kho replace-dma SEED
 *	kernel B after arm: adopt and rebuild, then replace while a thread
 *	runs DMAs back to back, the replace's steps stretched
 *	(kho_test.stretch_ms): every DMA completes with the right bytes.
 *   vtd_kho adopt-errors SEED
 *	kernel B after arm, with a second edu: every errno of IOMMU_KHO_ADOPT
 *	and fail-nth over it, what the adopted HWPT refuses, replace, destroy.
 *
 * The layout: one memfd of 8 pages, mapped and locked.
 *
 *   page 0  target of the DMA armed on A (zero)
 *   page 1  target of B's DMA (zero)
 *   page 2  source (a pattern from SEED), DMAed into the device buffer
 *   page 3  spare (zero)
 *   page 4  canary C1, at guest-physical address X
 *   page 5  canary C2, at guest-physical address F
 *   pages 6, 7 spare (zero)
 *
 * Pages 0-3 are mapped at IOVA X, so that IOVA and guest-physical address
 * differ for every mapped page: were translation off, the DMA into page 0
 * would land in canary C1 instead. F is an IOVA nothing maps: a DMA there
 * must fault, and were translation off it would land in canary C2.
 *
 * Output is TAP: one numbered line per check, the plan, then "vtd_kho:
 * PASS" or "vtd_kho: FAIL"; a command that kexecs ends with "vtd_kho:
 * armed delay=N" instead and does not come back. Exit status 0 only if
 * every check passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/iommufd.h>
#include <linux/kho.h>
#include <linux/pci_regs.h>
#include <linux/reboot.h>
#include <linux/vfio.h>

#include "edu_vfio.h"
#include "tap.h"
#include "fail_nth.h"
#include "../host/nic_frame.h"

/* Newer than the C library's headers. */
#ifndef MFD_EXEC
#define MFD_EXEC		0x0010U
#endif

#define KHO_DEV			"/dev/kho"
#define DEBUGFS			"/sys/kernel/debug"
#define KHO_DEBUGFS		DEBUGFS "/kho"
#define KHO_STATS		KHO_DEBUGFS "/stats"
#define KHO_FREEZE		KHO_DEBUGFS "/out/freeze"
#define KHO_VTD_DEBUGFS		KHO_DEBUGFS "/intel-iommu"
#define KHO_TEST_CORRUPT	DEBUGFS "/kho_test/corrupt"

#define NR_PAGES		8
#define NR_MAPPED		4	/* pages 0-3, at IOVA X */
#define ALL_PAGES		((1U << NR_PAGES) - 1)
#define BIT(n)			(1U << (n))

enum page_role {
	PG_DST0,
	PG_DST1,
	PG_SRC,
	PG_SPARE3,
	PG_CANARY_X,
	PG_CANARY_F,
	PG_SPARE6,
	PG_SPARE7,
};

static const char * const page_names[NR_PAGES] = {
	"target 0", "target 1", "source", "spare 3",
	"canary at GPA X", "canary at GPA F", "spare 6", "spare 7",
};

#define DMA_COUNT		EDU_DMA_MAX_COUNT
#define DMA_TIMEOUT_MS		10000U
/* 2^40: tests/qemu.sh starts the edu with dma_mask=0xffffffffff. */
#define VTD_DMA_LIMIT		0x10000000000ULL
/* Attempts at a layout where IOVA and physical address tell apart. */
#define LAYOUT_TRIES		16

#define TOKEN_HWPT		0x7674642d68777074ULL	/* "vtd-hwpt" */
#define TOKEN_DEV		0x7674642d64657631ULL	/* "vtd-dev1" */
/* An object id iommufd has not handed out. */
#define UNUSED_ID		0x7ffffff0U

#define FAIL_NTH_MAX		10000U

static size_t page_size;
static int kho_fd = -1;
/* A failed call's errno as the reason: for "tap(ok_or(ret), ...)". */
static int ok_or(int ret)
{
	return ret ? fail("%s", errname(-ret)) : 0;
}

/* ---- files ------------------------------------------------------------- */

/* The "preserved pages: N" line of debugfs kho/stats. */
static int preserved_pages(unsigned long *pages)
{
	char text[8192];
	const char *p;

	if (read_file(KHO_STATS, text, sizeof(text)))
		return -1;
	p = strstr(text, "preserved pages: ");
	if (!p || sscanf(p, "preserved pages: %lu", pages) != 1)
		return fail("no 'preserved pages' in " KHO_STATS);
	return 0;
}

static int expect_preserved_pages(unsigned long want)
{
	unsigned long pages;

	if (preserved_pages(&pages))
		return -1;
	if (pages != want)
		return fail(KHO_STATS " shows %lu preserved pages, expected %lu",
			    pages, want);
	return 0;
}

/* ---- the PRNG and page contents ---------------------------------------- */

/* splitmix64 of word @i: any word of the stream costs the same. */
static u64 prng_word(u64 seed, u64 i)
{
	u64 z = seed + (i + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The pattern B writes into the source page: not one A ever wrote. */
static u64 b_seed(u64 seed)
{
	return ~seed;
}

/*
 * What a page holds: the first @len bytes of page @src's stream of @seed,
 * zeros after them (@len 0: a zero page). Page 0 after the DMA armed on A
 * holds DMA_COUNT bytes of the source page's stream, for example.
 */
struct content {
	u64 seed;
	unsigned int src;
	unsigned int len;
};

/* One preserved memfd of NR_PAGES pages in the layout above. */
struct ram {
	const char *name;
	u64 seed;
	int fd;
	u8 *map;
	u64 pfn[NR_PAGES];
	u64 iova;		/* X, the physical address of canary C1 */
	u64 fault_iova;		/* F, the physical address of canary C2 */
	struct content want[NR_PAGES];	/* what each page must hold */
};

static void ram_init(struct ram *r, const char *name, u64 seed)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->seed = seed;
	r->fd = -1;
}

static struct content pattern(u64 seed, unsigned int src, unsigned int len)
{
	return (struct content){ .seed = seed, .src = src, .len = len };
}

static const struct content zero_page;

/* What page @i holds before any DMA. */
static struct content initial(const struct ram *r, unsigned int i)
{
	if (i == PG_SRC || i == PG_CANARY_X || i == PG_CANARY_F)
		return pattern(r->seed, i, page_size);
	return zero_page;
}

static u8 *page_at(const struct ram *r, unsigned int i)
{
	return r->map + i * page_size;
}

static u64 content_word(const struct content *c, u64 w)
{
	return w < c->len / 8 ? prng_word(c->seed, c->src * (page_size / 8) + w) : 0;
}

/* Write @c into page @i and remember it as what the page must hold. */
static void page_fill(struct ram *r, unsigned int i, struct content c)
{
	u64 *p = (u64 *)page_at(r, i), w;

	for (w = 0; w < page_size / 8; w++)
		p[w] = content_word(&c, w);
	r->want[i] = c;
}

/* Bytes [@from, @to) of page @i hold what r->want says. */
static int expect_range(const struct ram *r, unsigned int i, size_t from, size_t to)
{
	const u64 *p = (const u64 *)page_at(r, i);
	u64 w, n = 0, first = 0;

	for (w = from / 8; w < to / 8; w++) {
		if (p[w] != content_word(&r->want[i], w) && !n++)
			first = w;
	}
	if (!n)
		return 0;
	return fail("%s page %u (%s): %llu of %zu words differ, first at +%#llx: %#llx, not %#llx",
		    r->name, i, page_names[i], (unsigned long long)n, (to - from) / 8,
		    (unsigned long long)first * 8, (unsigned long long)p[first],
		    (unsigned long long)content_word(&r->want[i], first));
}

/* Every page in @mask holds what r->want says. */
static int expect_pages(const struct ram *r, unsigned int mask)
{
	unsigned int i;

	for (i = 0; i < NR_PAGES; i++)
		if ((mask & BIT(i)) && expect_range(r, i, 0, page_size))
			return -1;
	return 0;
}

/* ---- /dev/kho ---------------------------------------------------------- */

static int open_kho(void)
{
	if (kho_fd >= 0)
		return 0;
	kho_fd = open(KHO_DEV, O_RDWR | O_CLOEXEC);
	if (kho_fd < 0)
		return fail_errno("open " KHO_DEV);
	return 0;
}

static int kho_ioctl(unsigned long req, void *arg)
{
	return ioctl(kho_fd, req, arg) ? -errno : 0;
}

static int kho_preserve(int fd, const char *name)
{
	struct kho_memfd_preserve cmd = { .size = sizeof(cmd), .fd = fd };

	snprintf(cmd.name, sizeof(cmd.name), "%s", name);
	return kho_ioctl(KHO_MEMFD_PRESERVE, &cmd);
}

static int kho_unpreserve(const char *name)
{
	struct kho_memfd_unpreserve cmd = { .size = sizeof(cmd) };

	snprintf(cmd.name, sizeof(cmd.name), "%s", name);
	return kho_ioctl(KHO_MEMFD_UNPRESERVE, &cmd);
}

static int kho_restore(const char *name, int *fd)
{
	struct kho_memfd_restore cmd = {
		.size = sizeof(cmd),
		.flags = KHO_MEMFD_RESTORE_CLOEXEC,
		.out_fd = -1,
	};
	int ret;

	snprintf(cmd.name, sizeof(cmd.name), "%s", name);
	ret = kho_ioctl(KHO_MEMFD_RESTORE, &cmd);
	if (!ret)
		*fd = cmd.out_fd;
	return ret;
}

/* ---- iommufd and VFIO -------------------------------------------------- */

static int iommufd_ioctl(struct edu_vfio *ev, unsigned long req, void *arg)
{
	return ioctl(ev->iommufd, req, arg) ? -errno : 0;
}

static int device_ioctl(struct edu_vfio *ev, unsigned long req, void *arg)
{
	return ioctl(ev->device_fd, req, arg) ? -errno : 0;
}

static int hwpt_preserve(struct edu_vfio *ev, u32 hwpt_id, u64 token)
{
	struct iommu_hwpt_kho_preserve cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt_id,
		.token = token,
	};

	return iommufd_ioctl(ev, IOMMU_HWPT_KHO_PRESERVE, &cmd);
}

static int hwpt_unpreserve(struct edu_vfio *ev, u32 hwpt_id)
{
	struct iommu_hwpt_kho_unpreserve cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt_id,
	};

	return iommufd_ioctl(ev, IOMMU_HWPT_KHO_UNPRESERVE, &cmd);
}

static int dev_preserve(struct edu_vfio *ev, u64 token)
{
	struct vfio_device_kho_preserve cmd = {
		.argsz = sizeof(cmd),
		.token = token,
	};

	return device_ioctl(ev, VFIO_DEVICE_KHO_PRESERVE, &cmd);
}

static int dev_unpreserve(struct edu_vfio *ev)
{
	struct vfio_device_kho_unpreserve cmd = { .argsz = sizeof(cmd) };

	return device_ioctl(ev, VFIO_DEVICE_KHO_UNPRESERVE, &cmd);
}

static void dev_init(struct edu_vfio *ev)
{
	edu_vfio_init(ev);
	ev->dma_limit = VTD_DMA_LIMIT;
}

/* edu number @nth bound to vfio-pci, its cdev to a new iommufd and IOAS. */
static int dev_open(struct edu_vfio *ev, unsigned int nth)
{
	if (edu_vfio_find_nth(ev, nth) || edu_vfio_bind_driver(ev) ||
	    edu_vfio_open_cdev(ev) || edu_vfio_bind_iommufd(ev))
		return fail("%s", ev->err);
	return 0;
}

/* One transfer between @iova and the start of the device buffer, waited for. */
static int dma(struct edu_vfio *ev, enum edu_dma_dir dir, u64 iova)
{
	if (edu_dma_start(ev, dir, iova, EDU_DEV_BUF_ADDR, DMA_COUNT) ||
	    edu_dma_wait(ev, DMA_TIMEOUT_MS, NULL))
		return fail("%s", ev->err);
	return 0;
}

/* IOMMU_IOAS_MAP of page @i at @iova and its UNMAP: is the IOAS mutable? */
static int map_unmap(struct edu_vfio *ev, const struct ram *r, unsigned int i, u64 iova)
{
	if (edu_vfio_map(ev, page_at(r, i), iova, page_size) ||
	    edu_vfio_unmap(ev, iova, page_size))
		return fail("%s", ev->err);
	return 0;
}

/* An IOVA clear of the mapped pages, for a mapping that comes and goes. */
static u64 spare_iova(const struct ram *r)
{
	return r->iova + NR_MAPPED * page_size;
}

/* ---- the memfd ---------------------------------------------------------- */

static int ram_read_pfns(struct ram *r, struct edu_vfio *ev)
{
	unsigned int i;
	u64 pa;

	for (i = 0; i < NR_PAGES; i++) {
		if (edu_virt_to_phys(ev, page_at(r, i), &pa))
			return fail("%s", ev->err);
		r->pfn[i] = pa / page_size;
	}
	r->iova = r->pfn[PG_CANARY_X] * page_size;
	r->fault_iova = r->pfn[PG_CANARY_F] * page_size;
	return 0;
}

/* The pages are where ram_read_pfns() last found them (a pin may move a page). */
static int ram_unmoved(const struct ram *r, struct edu_vfio *ev)
{
	unsigned int i;
	u64 pa;

	for (i = 0; i < NR_PAGES; i++) {
		if (edu_virt_to_phys(ev, page_at(r, i), &pa))
			return fail("%s", ev->err);
		if (pa / page_size != r->pfn[i])
			return fail("%s page %u moved from pfn %#llx to %#llx", r->name, i,
				    (unsigned long long)r->pfn[i],
				    (unsigned long long)(pa / page_size));
	}
	return 0;
}

/*
 * -1 if the layout tells translation from its absence; else the page that
 * has to move, and why in the reason.
 */
static int ram_bad_page(const struct ram *r)
{
	u64 len = NR_MAPPED * page_size;
	unsigned int i;

	if (r->fault_iova - r->iova < len) {
		fail("F=%#llx lies in the mapped [X=%#llx, X+%u pages)",
		     (unsigned long long)r->fault_iova, (unsigned long long)r->iova,
		     NR_MAPPED);
		return PG_CANARY_F;
	}
	for (i = 0; i < NR_MAPPED; i++) {
		if (r->pfn[i] * page_size == r->iova + i * page_size) {
			fail("page %u would be mapped at its own physical address %#llx",
			     i, (unsigned long long)r->pfn[i] * page_size);
			return i;
		}
	}
	return -1;
}

/* Pages that hold freed ones, so that a moved page cannot get its old one. */
struct junk {
	void *map;
	int pipe[2];
};

static void junk_free(struct junk *j)
{
	if (j->map)
		munmap(j->map, page_size);
	if (j->pipe[0] >= 0) {
		close(j->pipe[0]);
		close(j->pipe[1]);
	}
}

/*
 * Give page @i another physical page: punch it out, let @junk take the one
 * just freed, fault page @i in again. The freed page heads the per-CPU
 * list of its pageblock's type: a movable one if page @i was faulted in
 * where it is, an unmovable one if preservation migrated it there out of
 * scratch (the long-term pin allocates GFP_USER), and preservation will
 * migrate the new page too if it lands in scratch. So @junk takes one of
 * each: an anonymous page and a pipe buffer.
 */
static int ram_move_page(struct ram *r, unsigned int i, struct junk *junk)
{
	if (fallocate(r->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      i * page_size, page_size))
		return fail_errno("punch page %u of %s", i, r->name);
	junk->map = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (junk->map == MAP_FAILED) {
		junk->map = NULL;
		return fail_errno("mmap a page to hold the freed one");
	}
	if (pipe(junk->pipe)) {
		junk->pipe[0] = -1;
		return fail_errno("pipe to hold the freed page");
	}
	if (write(junk->pipe[1], junk->map, page_size) != (ssize_t)page_size)
		return fail_errno("fill a pipe page");
	page_fill(r, i, r->want[i]);
	return 0;
}

/* Preserve r->fd, then read where its pages are: preserving moves them out of scratch. */
static int ram_preserve_layout(struct ram *r, struct edu_vfio *ev)
{
	struct junk junk[LAYOUT_TRIES];
	char reason[sizeof(why)] = "";
	unsigned int try, i;
	int ret = 0, bad;

	for (i = 0; i < LAYOUT_TRIES; i++)
		junk[i] = (struct junk){ .pipe = { -1, -1 } };
	for (try = 0; try < LAYOUT_TRIES; try++) {
		ret = kho_preserve(r->fd, r->name);
		if (ret) {
			ret = fail("KHO_MEMFD_PRESERVE %s: %s", r->name, errname(-ret));
			break;
		}
		ret = ram_read_pfns(r, ev);
		if (ret)
			break;
		bad = ram_bad_page(r);
		if (bad < 0)
			break;
		snprintf(reason, sizeof(reason), "%s", why);
		why[0] = '\0';
		/*
		 * Move X every other try, whatever the reason: the allocator
		 * may hand the moved page the same place again (the debug
		 * kernel does), and a new X moves the IOVA of every page.
		 */
		if (try % 2)
			bad = PG_CANARY_X;
		diag("layout %u: %s: moving page %d", try + 1, reason, bad);
		ret = kho_unpreserve(r->name);
		if (ret) {
			ret = fail("KHO_MEMFD_UNPRESERVE %s: %s", r->name, errname(-ret));
			break;
		}
		ret = ram_move_page(r, bad, &junk[try]);
		if (ret)
			break;
		ret = -1;
	}
	if (ret < 0 && !why[0])
		fail("no usable layout in %u tries, the last: %s", LAYOUT_TRIES, reason);
	for (i = 0; i < LAYOUT_TRIES; i++)
		junk_free(&junk[i]);
	return ret;
}

/*
 * Kernel A: the memfd in the layout above, filled, locked and preserved.
 * The pages are faulted in the order below because the allocator hands
 * out ascending physical pages as a rule: F then lies below X, and each
 * mapped page one page above its IOVA. ram_preserve_layout() checks it
 * and moves a page where the rule did not hold.
 */
static int ram_create(struct ram *r, struct edu_vfio *ev)
{
	static const unsigned int order[NR_PAGES] = {
		PG_CANARY_F, PG_CANARY_X, PG_DST0, PG_DST1,
		PG_SRC, PG_SPARE3, PG_SPARE6, PG_SPARE7,
	};
	size_t size = NR_PAGES * page_size;
	unsigned int i;
	void *p;

	r->fd = memfd_create(r->name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (r->fd < 0)
		return fail_errno("memfd_create %s", r->name);
	if (ftruncate(r->fd, size))
		return fail_errno("ftruncate %s to %zu", r->name, size);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (p == MAP_FAILED)
		return fail_errno("mmap %s", r->name);
	r->map = p;
	for (i = 0; i < NR_PAGES; i++)
		page_fill(r, order[i], initial(r, order[i]));
	if (mlock(r->map, size))
		return fail_errno("mlock %s", r->name);
	if (ram_preserve_layout(r, ev))
		return -1;
	if (r->iova + NR_MAPPED * page_size > VTD_DMA_LIMIT)
		return fail("X=%#llx is beyond the edu's %#llx", (unsigned long long)r->iova,
			    VTD_DMA_LIMIT);
	return 0;
}

/* Kernel B: restore the memfd A preserved, map and lock it, read its pfns. */
static int ram_restore(struct ram *r, struct edu_vfio *ev)
{
	size_t size = NR_PAGES * page_size;
	struct stat st;
	unsigned int i;
	void *p;
	int ret;

	ret = kho_restore(r->name, &r->fd);
	if (ret)
		return fail("KHO_MEMFD_RESTORE %s: %s", r->name, errname(-ret));
	if (fstat(r->fd, &st))
		return fail_errno("fstat %s", r->name);
	if ((size_t)st.st_size != size)
		return fail("%s has %lld bytes, not %zu", r->name, (long long)st.st_size, size);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, 0);
	if (p == MAP_FAILED)
		return fail_errno("mmap %s", r->name);
	r->map = p;
	if (mlock(r->map, size))
		return fail_errno("mlock %s", r->name);
	for (i = 0; i < NR_PAGES; i++)
		r->want[i] = initial(r, i);
	return ram_read_pfns(r, ev);
}

static void ram_print(const struct ram *r, const char *who, bool iovas)
{
	char pfns[NR_PAGES * 17 + 1];
	unsigned int i;
	size_t len = 0;

	for (i = 0; i < NR_PAGES; i++)
		len += snprintf(pfns + len, sizeof(pfns) - len, "%s%llx", i ? "," : "",
				(unsigned long long)r->pfn[i]);
	if (iovas)
		printf("vtd_kho: %s iova=0x%llx fault_iova=0x%llx pfns=%s\n", who,
		       (unsigned long long)r->iova, (unsigned long long)r->fault_iova, pfns);
	else
		printf("vtd_kho: %s pfns=%s\n", who, pfns);
}

/* ---- kernel A ----------------------------------------------------------- */

struct tokens {
	u64 hwpt;
	u64 dev;
};

/*
 * Kernel A, edu number @nth with the memfd @r: everything up to the
 * preservation of the HWPT, the device buffer loaded with the source
 * page's first DMA_COUNT bytes.
 */
static int a_setup(struct edu_vfio *ev, struct ram *r, unsigned int nth)
{
	int ret;

	if (!tap(dev_open(ev, nth), "edu %u (%s) bound to vfio-pci, its cdev to iommufd",
		 nth, ev->bdf))
		return -1;
	if (!tap(ram_create(r, ev), "memfd %s: %u pages filled from seed %llu, locked, preserved",
		 r->name, NR_PAGES, (unsigned long long)r->seed))
		return -1;
	ret = edu_vfio_map(ev, r->map, r->iova, NR_MAPPED * page_size) ? fail("%s", ev->err) :
	      ram_unmoved(r, ev);
	if (!tap(ret, "%s pages 0-3 mapped at IOVA X=%#llx (canary C1's GPA); F=%#llx unmapped",
		 r->name, (unsigned long long)r->iova, (unsigned long long)r->fault_iova))
		return -1;
	ret = edu_vfio_attach(ev) || edu_vfio_setup_bar(ev) || edu_check_alive(ev) ?
	      fail("%s", ev->err) : 0;
	if (!tap(ret, "edu %u attached to the IOAS (HWPT %u), BAR0 alive", nth, ev->hwpt_id))
		return -1;
	if (!tap(dma(ev, EDU_DMA_RAM_TO_DEV, r->iova + PG_SRC * page_size),
		 "edu %u: %u bytes of the source page (IOVA %#llx) DMAed into its buffer",
		 nth, DMA_COUNT, (unsigned long long)(r->iova + PG_SRC * page_size)))
		return -1;
	return 0;
}

static int a_preserve(struct edu_vfio *ev, const struct tokens *t)
{
	if (!tap(ok_or(hwpt_preserve(ev, ev->hwpt_id, t->hwpt)),
		 "IOMMU_HWPT_KHO_PRESERVE HWPT %u, token %#llx", ev->hwpt_id,
		 (unsigned long long)t->hwpt))
		return -1;
	if (!tap(ok_or(dev_preserve(ev, t->dev)), "VFIO_DEVICE_KHO_PRESERVE, token %#llx",
		 (unsigned long long)t->dev))
		return -1;
	return 0;
}

/* kho_test's corrupt knob works on a frozen handover only. */
static int freeze_and_corrupt(const char *word)
{
	if (write_file(KHO_FREEZE, "1"))
		return -1;
	if (write_file(KHO_TEST_CORRUPT, word)) {
		write_file(KHO_FREEZE, "0");
		return -1;
	}
	return 0;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Start the DMA of the device buffer into page 0 of @r, wait @delay_ms,
 * start @iso's into its page 0 (if any) and kexec. Returns only if that
 * failed. The fds stay open on purpose: the kernel keeps the preserved
 * device running, the other one it must stop.
 *
 * @iso's DMA starts last, just before the kexec: the edu runs a transfer
 * 100 ms after it is started, so it falls into A's shutdown or B's boot,
 * where nothing of it may land.
 */
/* "vtd_kho: armed delay=N", out on the wire before anything kexecs. */
static void say_armed(unsigned int delay_ms)
{
	printf("vtd_kho: armed delay=%u\n", delay_ms);
	/* What is still in the serial driver's buffer at the kexec is lost. */
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
}

/* Into the loaded kernel, every fd open; back here only if that failed. */
static void kexec_now(void)
{
	reboot(LINUX_REBOOT_CMD_KEXEC);
	tap(fail_errno("reboot(LINUX_REBOOT_CMD_KEXEC) returned"),
	    "kexec into the loaded kernel");
}

static void arm_and_kexec(struct edu_vfio *ev, const struct ram *r, unsigned int delay_ms,
			  struct edu_vfio *iso, const struct ram *ir)
{
	say_armed(delay_ms);
	/* Before the DMA starts, so that the delay is the delay. */
	sync();
	if (edu_dma_start(ev, EDU_DMA_DEV_TO_RAM, r->iova, EDU_DEV_BUF_ADDR, DMA_COUNT)) {
		tap(fail("%s", ev->err), "start the DMA into page 0");
		return;
	}
	if (delay_ms)
		sleep_ms(delay_ms);
	if (iso && edu_dma_start(iso, EDU_DMA_DEV_TO_RAM, ir->iova, EDU_DEV_BUF_ADDR,
				 DMA_COUNT)) {
		tap(fail("%s", iso->err), "start the unpreserved edu's DMA into its page 0");
		return;
	}
	kexec_now();
}

struct args {
	u64 seed;
	unsigned int delay;
	struct tokens tokens;
	const char *corrupt;
	const char *mode;
	bool finish;		/* check: KHO_FINISH before using the frozen domain */
	unsigned int gen;	/* live: which kernel of the chain (B is 1) */
	bool again;		/* live: preserve again and kexec on */
	bool gap;		/* live: after gap-arm, time the DMA gap */
};

/* Kernel A up to the kexec: edu 0 and "vtd-ram" set up, all three preserved. */
static int a_ready(struct edu_vfio *ev, struct ram *r, const struct args *a)
{
	dev_init(ev);
	ram_init(r, "vtd-ram", a->seed);
	if (!tap(open_kho(), "open " KHO_DEV) || a_setup(ev, r, 0) ||
	    a_preserve(ev, &a->tokens))
		return -1;
	ram_print(r, "A", true);
	return 0;
}

static void cmd_arm(const struct args *a)
{
	struct edu_vfio ev;
	struct ram r;

	if (a_ready(&ev, &r, a))
		return;
	if (a->corrupt) {
		if (!tap(freeze_and_corrupt(a->corrupt),
			 "froze the handover and corrupted it (%s) through kho_test", a->corrupt))
			return;
		printf("vtd_kho: A corrupted=%s\n", a->corrupt);
	}
	arm_and_kexec(&ev, &r, a->delay, NULL, NULL);
}

static void cmd_isolate_arm(const struct args *a)
{
	struct edu_vfio ev, iso;
	struct ram r, ir;

	dev_init(&ev);
	dev_init(&iso);
	ram_init(&r, "vtd-ram", a->seed);
	ram_init(&ir, "iso-ram", a->seed + 1);
	if (!tap(open_kho(), "open " KHO_DEV) || a_setup(&ev, &r, 0) ||
	    a_setup(&iso, &ir, 1) || a_preserve(&ev, &a->tokens))
		return;
	ram_print(&r, "A", true);
	ram_print(&ir, "A iso", true);
	arm_and_kexec(&ev, &r, a->delay, &iso, &ir);
}

/* Source page -> device buffer -> page 1 and back to zero: DMA works. */
static int round_trip(struct edu_vfio *ev, struct ram *r)
{
	if (dma(ev, EDU_DMA_RAM_TO_DEV, r->iova + PG_SRC * page_size) ||
	    dma(ev, EDU_DMA_DEV_TO_RAM, r->iova + PG_DST1 * page_size))
		return -1;
	r->want[PG_DST1] = pattern(r->want[PG_SRC].seed, PG_SRC, DMA_COUNT);
	if (expect_pages(r, ALL_PAGES))
		return -1;
	page_fill(r, PG_DST1, zero_page);
	return 0;
}

static void cmd_abort(const struct args *a)
{
	struct edu_vfio ev;
	struct ram r;

	dev_init(&ev);
	ram_init(&r, "vtd-ram", a->seed);
	if (!tap(open_kho(), "open " KHO_DEV) || a_setup(&ev, &r, 0) ||
	    a_preserve(&ev, &a->tokens))
		return;
	if (!tap(write_file(KHO_FREEZE, "1"), "freeze through debugfs"))
		return;
	tap(round_trip(&ev, &r), "frozen: DMA source page -> device -> page 1 still works");
	if (!tap(write_file(KHO_FREEZE, "0"), "abort the freeze through debugfs"))
		return;
	tap(round_trip(&ev, &r), "after the abort: DMA source page -> device -> page 1 works");
	if (!tap(ok_or(dev_unpreserve(&ev)), "after the abort: VFIO_DEVICE_KHO_UNPRESERVE") ||
	    !tap(ok_or(hwpt_unpreserve(&ev, ev.hwpt_id)),
		 "after the abort: IOMMU_HWPT_KHO_UNPRESERVE HWPT %u", ev.hwpt_id))
		return;
	if (!tap(map_unmap(&ev, &r, PG_SPARE3, spare_iova(&r)),
		 "the IOAS is mutable again: IOAS_MAP and IOAS_UNMAP at IOVA %#llx",
		 (unsigned long long)spare_iova(&r)))
		return;
	if (a_preserve(&ev, &a->tokens))
		return;
	ram_print(&r, "A", true);
	arm_and_kexec(&ev, &r, a->delay, NULL, NULL);
}

/* ---- kernel B ----------------------------------------------------------- */

/* Restore @r, print its pfns; what A left: page 0 holds the armed DMA's bytes if @landed. */
static int b_restore(struct edu_vfio *ev, struct ram *r, const char *who, bool landed)
{
	if (!tap(ram_restore(r, ev), "KHO_MEMFD_RESTORE %s: %u pages, mapped and locked",
		 r->name, NR_PAGES))
		return -1;
	ram_print(r, who, false);
	if (landed)
		r->want[PG_DST0] = pattern(r->seed, PG_SRC, DMA_COUNT);
	return 0;
}

/* The DMA armed on A landed in page 0, and only there. */
static void b_check_landed(struct ram *r)
{
	tap(expect_range(r, PG_DST0, 0, DMA_COUNT),
	    "page 0 starts with the source page's %u bytes: the DMA armed on A landed",
	    DMA_COUNT);
	tap(expect_range(r, PG_DST0, DMA_COUNT, page_size), "page 0 is zero after them");
	tap(expect_pages(r, BIT(PG_CANARY_X)),
	    "the canary at GPA X=%#llx is intact: nothing bypassed translation",
	    (unsigned long long)r->iova);
	tap(expect_pages(r, BIT(PG_CANARY_F)), "the canary at GPA F=%#llx is intact",
	    (unsigned long long)r->fault_iova);
	tap(expect_pages(r, ALL_PAGES & ~(BIT(PG_DST0) | BIT(PG_CANARY_X) | BIT(PG_CANARY_F))),
	    "the other pages are as A left them");
}

/* Lines of debugfs kho/intel-iommu that start with @prefix and hold @has (if any). */
struct vtd_lines {
	const char *prefix;
	const char *has;
	unsigned int n;
};

/* Print debugfs kho/intel-iommu, counting its lines of each kind in @kinds. */
static int vtd_debugfs_count(struct vtd_lines *kinds, unsigned int nr)
{
	char text[8192], *line, *save = NULL;
	unsigned int i;

	if (read_file(KHO_VTD_DEBUGFS, text, sizeof(text)))
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		diag("kho/intel-iommu: %s", line);
		for (i = 0; i < nr; i++)
			if (!strncmp(line, kinds[i].prefix, strlen(kinds[i].prefix)) &&
			    (!kinds[i].has || strstr(line, kinds[i].has)))
				kinds[i].n++;
	}
	return 0;
}

/*
 * Print debugfs kho/intel-iommu; it lists the adopted devices, each on a
 * "device ..." line that says "frozen". @want: how many (0: at least one).
 */
static int expect_vtd_frozen(unsigned int want)
{
	struct vtd_lines frozen = { .prefix = "device ", .has = "frozen" };

	if (vtd_debugfs_count(&frozen, 1))
		return -1;
	if (!frozen.n)
		return fail("no 'device ... frozen' line in " KHO_VTD_DEBUGFS);
	if (want && frozen.n != want)
		return fail("%u frozen devices listed, expected %u", frozen.n, want);
	return 0;
}

/* Edu number @nth bound again, not attached; the transfer A started is over. */
static int b_device(struct edu_vfio *ev, unsigned int nth, const char *domain)
{
	int ret;

	if (!tap(dev_open(ev, nth),
		 "edu %u (%s) bound to vfio-pci, its cdev to iommufd, not attached (%s)",
		 nth, ev->bdf, domain))
		return -1;
	ret = edu_vfio_setup_bar(ev) || edu_check_alive(ev) ? fail("%s", ev->err) : 0;
	if (!tap(ret, "edu %u: BAR0 alive", nth))
		return -1;
	ret = edu_dma_wait(ev, DMA_TIMEOUT_MS, NULL) ? fail("%s", ev->err) : 0;
	return tap(ret, "edu %u: the transfer started on A is over (RUN clear)", nth) ? 0 : -1;
}

/* Both directions through the frozen domain, with a pattern of @seed new to B. */
static void b_round_trip(struct edu_vfio *ev, struct ram *r, u64 seed)
{
	u64 src = r->iova + PG_SRC * page_size, dst = r->iova + PG_DST1 * page_size;
	int ret;

	page_fill(r, PG_SRC, pattern(seed, PG_SRC, page_size));
	ret = dma(ev, EDU_DMA_RAM_TO_DEV, src);
	tap(ret, "frozen domain: %u bytes of a new pattern, source page (IOVA %#llx) -> device",
	    DMA_COUNT, (unsigned long long)src);
	ret = ret ? fail("not tried: the transfer to the device failed") :
	      dma(ev, EDU_DMA_DEV_TO_RAM, dst);
	tap(ret, "frozen domain: the device buffer into page 1 (IOVA %#llx)",
	    (unsigned long long)dst);
	r->want[PG_DST1] = pattern(seed, PG_SRC, DMA_COUNT);
	tap(expect_pages(r, ALL_PAGES),
	    "page 1 starts with the new pattern, the rest of it zero, every other page unchanged");
}

/* A DMA from @ev into @iova, which nothing maps for it: it must not land. */
static int provoke(struct edu_vfio *ev, u64 iova, const char *what)
{
	printf("vtd_kho: provoking a fault at iova=0x%llx (%s)\n", (unsigned long long)iova, what);
	return tap(dma(ev, EDU_DMA_DEV_TO_RAM, iova),
		   "%s: a DMA to IOVA %#llx completes (RUN clear)", what,
		   (unsigned long long)iova) ? 0 : -1;
}

static void cmd_check(const struct args *a)
{
	struct kho_finish fin = { .size = sizeof(fin) };
	struct edu_vfio ev;
	struct ram r;

	dev_init(&ev);
	ram_init(&r, "vtd-ram", a->seed);
	if (!tap(open_kho(), "open " KHO_DEV) || b_restore(&ev, &r, "B", true))
		return;
	b_check_landed(&r);
	/*
	 * Finish releases what nobody restored, but the frozen domain's page
	 * tables are in use: they become this kernel's, and DMA through them
	 * goes on.
	 */
	if (a->finish)
		tap(ioctl(kho_fd, KHO_FINISH, &fin) ? fail("KHO_FINISH: %s", strerror(errno)) : 0,
		    "KHO_FINISH with the device on its frozen domain");
	tap(expect_vtd_frozen(0), KHO_VTD_DEBUGFS " lists a frozen device");
	if (b_device(&ev, 0, "on the frozen domain"))
		goto out;
	b_round_trip(&ev, &r, b_seed(r.seed));
	if (!provoke(&ev, r.fault_iova, "F, unmapped"))
		tap(expect_pages(&r, ALL_PAGES),
		    "nothing landed: the canary at GPA F intact, page 1 and every other page unchanged");
out:
	edu_vfio_close(&ev);
}

/*
 * The unpreserved edu @iso before any driver binds it: memory decoding and
 * bus mastering turned on through sysfs config, a DMA of it to its old
 * IOVA X2 through BAR0 mapped from sysfs. A cleared its context entry at
 * shutdown, so B's probe gave it a fresh default domain, where X2 maps
 * nothing: the DMA must fault and land nowhere. Had A left the entry
 * (kho_test.naive=vtd-no-clear), B would find it present and keep it, and
 * the DMA would go through A's page tables for it: into iso-ram page 0
 * while they are intact, anywhere or nowhere once B reused their pages
 * (they were not preserved), which only the host sees (vtd-isolation.sh
 * checks the context entries in QEMU's trace). The command register is
 * put back as B left it afterwards.
 */
static void iso_before_driver(struct edu_vfio *iso, struct ram *ir, struct ram *r)
{
	u16 cmd = 0, on;
	int ret;

	ret = edu_vfio_find_nth(iso, 1) || edu_sysfs_pci_command(iso, &cmd) ?
	      fail("%s", iso->err) : 0;
	on = cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (!ret)
		ret = edu_sysfs_set_pci_command(iso, on) || edu_sysfs_map_bar(iso) ||
		      edu_check_alive(iso) || edu_dma_wait(iso, DMA_TIMEOUT_MS, NULL) ?
		      fail("%s", iso->err) : 0;
	if (tap(ret,
		"edu 1 (%s) before any driver: PCI_COMMAND %#06x -> %#06x through sysfs, BAR0 through sysfs alive",
		iso->bdf, cmd, on) &&
	    !provoke(iso, ir->iova, "the unpreserved edu at its old IOVA X2, before any driver"))
		tap(expect_pages(ir, ALL_PAGES) || expect_pages(r, ALL_PAGES),
		    "before any driver: nothing landed: iso-ram page 0 zero, its canary at GPA X2 intact, vtd-ram unchanged");
	edu_vfio_release_device(iso);
	if (iso->bdf[0] && edu_sysfs_set_pci_command(iso, cmd))
		diag("putting PCI_COMMAND %#06x back: %s", cmd, iso->err);
}

static void cmd_isolate_check(const struct args *a)
{
	struct edu_vfio ev, iso;
	struct ram r, ir;

	dev_init(&ev);
	dev_init(&iso);
	ram_init(&r, "vtd-ram", a->seed);
	ram_init(&ir, "iso-ram", a->seed + 1);
	if (!tap(open_kho(), "open " KHO_DEV) || b_restore(&ev, &r, "B", true))
		return;
	b_check_landed(&r);
	if (b_restore(&ev, &ir, "B iso", false))
		return;
	tap(expect_pages(&ir, ALL_PAGES),
	    "iso-ram as A left it: page 0 zero, the canary at GPA X2=%#llx intact: the unpreserved edu's DMA landed nowhere",
	    (unsigned long long)ir.iova);
	tap(expect_vtd_frozen(1), KHO_VTD_DEBUGFS " lists one frozen device, the preserved one");
	iso_before_driver(&iso, &ir, &r);
	if (b_device(&ev, 0, "on the frozen domain"))
		goto out;
	b_round_trip(&ev, &r, b_seed(r.seed));
	if (!provoke(&ev, r.fault_iova, "F, unmapped"))
		tap(expect_pages(&r, ALL_PAGES),
		    "nothing landed: the canary at GPA F intact, page 1 and every other page unchanged");
	if (b_device(&iso, 1, "blocked: it was not preserved"))
		goto out;
	if (!provoke(&iso, ir.iova, "the unpreserved edu at its old IOVA X2")) {
		tap(expect_pages(&ir, ALL_PAGES) || expect_pages(&r, ALL_PAGES),
		    "nothing landed: iso-ram page 0 zero, its canary at GPA X2 intact, vtd-ram unchanged");
	}
out:
	edu_vfio_close(&iso);
	edu_vfio_close(&ev);
}

/* ---- fenced: B rejected the VT-d node or the whole handover -------------- */

/* A page of B's own at GPA P: a DMA to IOVA P lands in it if translation is off. */
struct canary {
	u64 *p;
	u64 pa;
	u64 seed;
};

static int canary_create(struct canary *c, struct edu_vfio *ev, u64 seed)
{
	u64 w;

	c->seed = seed;
	c->p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1, 0);
	if (c->p == MAP_FAILED) {
		c->p = NULL;
		return fail_errno("mmap a locked page");
	}
	for (w = 0; w < page_size / 8; w++)
		c->p[w] = prng_word(seed, w);
	if (edu_virt_to_phys(ev, c->p, &c->pa))
		return fail("%s", ev->err);
	if (c->pa + page_size > VTD_DMA_LIMIT)
		return fail("the canary's GPA %#llx is beyond the edu's reach",
			    (unsigned long long)c->pa);
	return 0;
}

/* Still its pattern, and still at the same GPA (else the test said nothing). */
static int canary_intact(struct canary *c, struct edu_vfio *ev)
{
	u64 w, n = 0, pa;

	for (w = 0; w < page_size / 8; w++)
		n += c->p[w] != prng_word(c->seed, w);
	if (n)
		return fail("%llu words of the canary at GPA %#llx changed",
			    (unsigned long long)n, (unsigned long long)c->pa);
	if (edu_virt_to_phys(ev, c->p, &pa))
		return fail("%s", ev->err);
	if (pa != c->pa)
		return fail("the canary moved from GPA %#llx to %#llx",
			    (unsigned long long)c->pa, (unsigned long long)pa);
	return 0;
}

/*
 * DMAs that must land nowhere: into IOVA P (the canary's GPA: lands there
 * if translation is off) and, with A's memfd, into page 1's IOVA (lands
 * there if A's tables are still used).
 */
static void fenced_dma(struct edu_vfio *ev, struct ram *r, struct canary *c,
		       const char *when)
{
	char what[96];

	snprintf(what, sizeof(what), "%s, the fresh canary's GPA", when);
	if (!provoke(ev, c->pa, what))
		tap(canary_intact(c, ev), "%s: the fresh canary is intact", when);
	if (!r->map)
		return;
	snprintf(what, sizeof(what), "%s, page 1 in A's tables", when);
	if (!provoke(ev, r->iova + PG_DST1 * page_size, what))
		tap(expect_pages(r, ALL_PAGES),
		    "%s: page 1 still zero, the canaries and all else as A left them", when);
}

/*
 * Page 0: the armed DMA's bytes if it ran before B fenced the device (A's
 * tables were valid then), nothing if it ran after; never anything else.
 */
static int expect_dst0_either(struct ram *r)
{
	r->want[PG_DST0] = pattern(r->seed, PG_SRC, DMA_COUNT);
	if (!expect_range(r, PG_DST0, 0, page_size))
		return 0;
	r->want[PG_DST0] = zero_page;
	if (!expect_range(r, PG_DST0, 0, page_size))
		return 0;
	return fail("page 0 holds neither the armed DMA's %u bytes nor zeros", DMA_COUNT);
}

/* Before any driver: BAR0 through sysfs, the device as B left it. */
static void fenced_before_driver(struct edu_vfio *ev, struct ram *r, struct canary *c)
{
	u16 cmd = 0;
	int ret;

	ret = edu_vfio_find_nth(ev, 0) || edu_sysfs_pci_command(ev, &cmd) ?
	      fail("%s", ev->err) : 0;
	if (!tap(ret, "edu 0 (%s) as B left it: PCI_COMMAND %#06x", ev->bdf, cmd))
		return;
	if (!(cmd & PCI_COMMAND_MEMORY)) {
		diag("memory decoding is off: nothing can start a DMA before a driver binds");
		return;
	}
	diag("bus mastering is %s", cmd & PCI_COMMAND_MASTER ? "on" : "off");
	ret = edu_sysfs_map_bar(ev) || edu_check_alive(ev) ||
	      edu_dma_wait(ev, DMA_TIMEOUT_MS, NULL) ? fail("%s", ev->err) : 0;
	if (tap(ret, "before any driver: BAR0 through sysfs alive, the transfer A started over"))
		fenced_dma(ev, r, c, "before any driver");
	edu_vfio_release_device(ev);
}

static void cmd_fenced(const struct args *a)
{
	bool node = !strcmp(a->mode, "node");
	struct edu_vfio ev;
	struct canary c = { 0 };
	struct ram r;
	int fd = -1, ret;

	dev_init(&ev);
	ram_init(&r, "vtd-ram", a->seed);
	if (!tap(open_kho(), "open " KHO_DEV))
		return;
	if (node) {
		if (b_restore(&ev, &r, "B", false))
			return;
		tap(expect_pages(&r, BIT(PG_CANARY_X) | BIT(PG_CANARY_F)),
		    "the canaries at GPA X=%#llx and F=%#llx are intact",
		    (unsigned long long)r.iova, (unsigned long long)r.fault_iova);
		tap(expect_dst0_either(&r),
		    "page 0 holds the armed DMA's bytes (before the fence) or nothing (after)");
		tap(expect_pages(&r, ALL_PAGES & ~BIT(PG_DST0)),
		    "the other pages are as A left them");
	} else {
		ret = kho_restore(r.name, &fd);
		if (!ret)
			close(fd);
		tap(ret ? 0 : fail("restored from a rejected handover"),
		    "KHO_MEMFD_RESTORE %s refused (%s): the whole handover was rejected",
		    r.name, errname(-ret));
		printf("vtd_kho: B %s not restorable (%s): expected, the handover was rejected\n",
		       r.name, errname(-ret));
	}
	if (!tap(canary_create(&c, &ev, b_seed(a->seed)), "a fresh canary page at GPA P=%#llx",
		 (unsigned long long)c.pa))
		return;
	fenced_before_driver(&ev, &r, &c);
	dev_init(&ev);
	if (!tap(dev_open(&ev, 0),
		 "edu 0 (%s) bound to vfio-pci, its cdev to iommufd, not attached", ev.bdf))
		return;
	ret = edu_vfio_setup_bar(&ev) || edu_check_alive(&ev) ? fail("%s", ev.err) : 0;
	if (tap(ret, "edu 0: bus mastering on, BAR0 alive"))
		fenced_dma(&ev, &r, &c, "after vfio-pci bound it");
	edu_vfio_close(&ev);
}

/* ---- errors: every errno of the two uAPIs, on a cold boot -------------- */

static int hwpt_alloc(struct edu_vfio *ev, u32 *id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.dev_id = ev->devid,
		.pt_id = ev->ioas_id,
	};
	int ret;

	ret = iommufd_ioctl(ev, IOMMU_HWPT_ALLOC, &cmd);
	if (ret)
		return fail("IOMMU_HWPT_ALLOC on IOAS %u: %s", ev->ioas_id, errname(-ret));
	*id = cmd.out_hwpt_id;
	return 0;
}

static void hwpt_destroy(struct edu_vfio *ev, u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	iommufd_ioctl(ev, IOMMU_DESTROY, &cmd);
}

/* VFIO_DEVICE_ATTACH_IOMMUFD_PT to @pt_id, an IOAS or an HWPT. */
static int dev_attach(struct edu_vfio *ev, u32 pt_id)
{
	struct vfio_device_attach_iommufd_pt cmd = { .argsz = sizeof(cmd), .pt_id = pt_id };

	return device_ioctl(ev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &cmd);
}

static int dev_detach(struct edu_vfio *ev)
{
	struct vfio_device_detach_iommufd_pt cmd = { .argsz = sizeof(cmd) };

	return device_ioctl(ev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &cmd);
}

static void errors_hwpt_args(struct edu_vfio *ev, u32 hwpt2)
{
	struct iommu_hwpt_kho_preserve p = {
		.size = sizeof(p),
		.hwpt_id = UNUSED_ID,
		.token = TOKEN_HWPT,
	};
	struct iommu_hwpt_kho_unpreserve u = { .size = sizeof(u), .hwpt_id = ev->hwpt_id };
	int ret;

	ret = expect(iommufd_ioctl(ev, IOMMU_HWPT_KHO_PRESERVE, &p), ENOENT);
	p.hwpt_id = ev->ioas_id;
	if (!ret)
		ret = expect(iommufd_ioctl(ev, IOMMU_HWPT_KHO_PRESERVE, &p), ENOENT);
	tap(ret, "HWPT preserve of an unused id, and of the IOAS's id -> ENOENT");
	p.hwpt_id = ev->hwpt_id;

	p.token = 0;
	tap(expect(iommufd_ioctl(ev, IOMMU_HWPT_KHO_PRESERVE, &p), EINVAL),
	    "HWPT preserve with token 0 -> EINVAL");
	p.token = TOKEN_HWPT;

	p.flags = 1;
	ret = expect(iommufd_ioctl(ev, IOMMU_HWPT_KHO_PRESERVE, &p), EOPNOTSUPP);
	p.flags = 1U << 31;
	if (!ret)
		ret = expect(iommufd_ioctl(ev, IOMMU_HWPT_KHO_PRESERVE, &p), EOPNOTSUPP);
	tap(ret, "HWPT preserve with flags 0x1 and 0x80000000 -> EOPNOTSUPP");
	p.flags = 0;

	p.__reserved = 1;
	tap(expect(iommufd_ioctl(ev, IOMMU_HWPT_KHO_PRESERVE, &p), EOPNOTSUPP),
	    "HWPT preserve with __reserved != 0 -> EOPNOTSUPP");

	u.flags = 1;
	ret = expect(iommufd_ioctl(ev, IOMMU_HWPT_KHO_UNPRESERVE, &u), EOPNOTSUPP);
	u.flags = 0;
	u.__reserved = 1;
	if (!ret)
		ret = expect(iommufd_ioctl(ev, IOMMU_HWPT_KHO_UNPRESERVE, &u), EOPNOTSUPP);
	tap(ret, "HWPT unpreserve with flags 0x1, and with __reserved != 0 -> EOPNOTSUPP");
	u.__reserved = 0;

	u.hwpt_id = UNUSED_ID;
	tap(expect(iommufd_ioctl(ev, IOMMU_HWPT_KHO_UNPRESERVE, &u), ENOENT),
	    "HWPT unpreserve of an unused id -> ENOENT");
	ret = expect(hwpt_unpreserve(ev, ev->hwpt_id), EINVAL);
	if (!ret)
		ret = expect(hwpt_unpreserve(ev, hwpt2), EINVAL);
	tap(ret, "HWPT unpreserve of HWPTs not preserved (the attached one, the other) -> EINVAL");
}

/*
 * HWPT preserve with @va (a page not preserved) mapped too: EINVAL, and the
 * IOAS mutable still, nothing preserved by the refused call.
 */
static int errors_unbacked(struct edu_vfio *ev, const struct ram *r, void *va,
			   unsigned long base)
{
	u64 iova = spare_iova(r);
	int ret;

	if (edu_vfio_map(ev, va, iova, page_size))
		return fail("%s", ev->err);
	ret = expect(hwpt_preserve(ev, ev->hwpt_id, TOKEN_HWPT), EINVAL);
	if (edu_vfio_unmap(ev, iova, page_size) && !ret)
		ret = fail("after the refusal: %s", ev->err);
	if (!ret)
		ret = expect_preserved_pages(base);
	return ret;
}

static void errors_unpreserved_memory(struct edu_vfio *ev, const struct ram *r,
				      unsigned long base)
{
	void *anon, *shared;
	int fd, ret;

	anon = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ret = anon == MAP_FAILED ? fail_errno("mmap") : errors_unbacked(ev, r, anon, base);
	tap(ret, "HWPT preserve, an anonymous page mapped too -> EINVAL, the IOAS still mutable");
	if (anon != MAP_FAILED)
		munmap(anon, page_size);

	shared = MAP_FAILED;
	fd = memfd_create("vtd-unpreserved", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 || ftruncate(fd, page_size)) {
		ret = fail_errno("a memfd of one page");
	} else {
		shared = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_POPULATE, fd, 0);
		ret = shared == MAP_FAILED ? fail_errno("mmap the memfd") :
		      errors_unbacked(ev, r, shared, base);
	}
	tap(ret, "HWPT preserve, a page of an unpreserved memfd mapped too -> EINVAL, mutable");
	if (shared != MAP_FAILED)
		munmap(shared, page_size);
	if (fd >= 0)
		close(fd);
}

static int ioas_copy(struct edu_vfio *ev, const struct ram *r)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.dst_ioas_id = ev->ioas_id,
		.src_ioas_id = ev->ioas_id,
		.length = NR_MAPPED * page_size,
		.dst_iova = spare_iova(r),
		.src_iova = r->iova,
	};

	return iommufd_ioctl(ev, IOMMU_IOAS_COPY, &cmd);
}

/* The HWPT preserved: its IOAS and memfd are pinned down. */
static int errors_hwpt_preserved(struct edu_vfio *ev, const struct ram *r, u32 hwpt2,
				 unsigned long base, unsigned long *with_hwpt)
{
	u64 iova = spare_iova(r);
	int ret;

	ret = ok_or(hwpt_preserve(ev, ev->hwpt_id, TOKEN_HWPT));
	if (!ret)
		ret = preserved_pages(with_hwpt);
	if (!ret && *with_hwpt <= base)
		ret = fail("still %lu preserved pages: no page-table page preserved", *with_hwpt);
	if (!tap(ret, "IOMMU_HWPT_KHO_PRESERVE HWPT %u: its page-table pages preserved now (%lu)",
		 ev->hwpt_id, ret ? 0 : *with_hwpt - base))
		return -1;
	tap(expect(hwpt_preserve(ev, ev->hwpt_id, TOKEN_HWPT + 1), EEXIST),
	    "preserve the same HWPT again, another token -> EEXIST");
	tap(expect(hwpt_preserve(ev, hwpt2, TOKEN_HWPT), EEXIST),
	    "preserve another HWPT with the same token -> EEXIST");

	ret = edu_vfio_map(ev, page_at(r, PG_SPARE3), iova, page_size);
	if (!ret)
		edu_vfio_unmap(ev, iova, page_size);
	tap(expect(ret, EBUSY), "preserved: IOMMU_IOAS_MAP -> EBUSY");
	tap(expect(edu_vfio_unmap(ev, r->iova, NR_MAPPED * page_size), EBUSY),
	    "preserved: IOMMU_IOAS_UNMAP -> EBUSY");
	ret = ioas_copy(ev, r);
	if (!ret)
		edu_vfio_unmap(ev, iova, NR_MAPPED * page_size);
	tap(expect(ret, EBUSY), "preserved: IOMMU_IOAS_COPY into it -> EBUSY");
	tap(expect(kho_unpreserve(r->name), EBUSY),
	    "KHO_MEMFD_UNPRESERVE %s while an HWPT mapping it is preserved -> EBUSY", r->name);
	tap(expect_preserved_pages(*with_hwpt), "the refused calls changed nothing preserved");
	return 0;
}

/* MSI on (an eventfd for its one vector) or off (@efd < 0). */
static int msi_set(struct edu_vfio *ev, int efd)
{
	union {
		struct vfio_irq_set set;
		u8 buf[sizeof(struct vfio_irq_set) + sizeof(int)];
	} u;

	memset(&u, 0, sizeof(u));
	u.set.argsz = sizeof(u.set);
	u.set.index = VFIO_PCI_MSI_IRQ_INDEX;
	u.set.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	if (efd >= 0) {
		u.set.argsz += sizeof(efd);
		u.set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		u.set.count = 1;
		memcpy(u.set.data, &efd, sizeof(efd));
	}
	return device_ioctl(ev, VFIO_DEVICE_SET_IRQS, &u.set);
}

/* VFIO_DEVICE_KHO_PRESERVE with MSI enabled: EBUSY (MSIs are not carried over). */
static int errors_msi(struct edu_vfio *ev)
{
	int efd, ret;

	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		return fail_errno("eventfd");
	ret = msi_set(ev, efd);
	if (ret) {
		close(efd);
		return fail("VFIO_DEVICE_SET_IRQS (MSI on): %s", errname(-ret));
	}
	ret = expect(dev_preserve(ev, TOKEN_DEV), EBUSY);
	if (msi_set(ev, -1) && !ret)
		ret = fail_errno("VFIO_DEVICE_SET_IRQS (MSI off)");
	close(efd);
	return ret;
}

/*
 * The device preserved: it stays on its HWPT, neither moved to @hwpt2 or
 * the IOAS nor detached, and still DMAs through it.
 */
static void errors_attachment(struct edu_vfio *ev, struct ram *r, u32 hwpt2)
{
	int ret;

	ret = expect(dev_attach(ev, hwpt2), EBUSY);
	if (!ret)
		ret = expect(dev_attach(ev, ev->ioas_id), EBUSY);
	tap(ret, "preserved: VFIO_DEVICE_ATTACH_IOMMUFD_PT to HWPT %u, and to IOAS %u -> EBUSY",
	    hwpt2, ev->ioas_id);
	tap(expect(dev_detach(ev), EBUSY), "preserved: VFIO_DEVICE_DETACH_IOMMUFD_PT -> EBUSY");
	ret = edu_vfio_setup_bar(ev) || edu_check_alive(ev) ? fail("%s", ev->err) :
	      round_trip(ev, r);
	tap(ret, "preserved: BAR0 alive, DMA source page -> device -> page 1 through HWPT %u works",
	    ev->hwpt_id);
}

static int errors_device(struct edu_vfio *ev, struct ram *r, u32 hwpt2)
{
	struct vfio_device_kho_preserve p = { .argsz = sizeof(p), .flags = 1, .token = TOKEN_DEV };
	struct vfio_device_kho_unpreserve u = { .argsz = sizeof(u), .flags = 1 };

	tap(expect(device_ioctl(ev, VFIO_DEVICE_KHO_PRESERVE, &p), EOPNOTSUPP),
	    "device preserve with flags 0x1 -> EOPNOTSUPP");
	tap(expect(dev_preserve(ev, 0), EINVAL), "device preserve with token 0 -> EINVAL");
	tap(errors_msi(ev), "device preserve with MSI enabled -> EBUSY; MSI off again");
	if (!tap(ok_or(dev_preserve(ev, TOKEN_DEV)), "VFIO_DEVICE_KHO_PRESERVE, token %#llx",
		 TOKEN_DEV))
		return -1;
	tap(expect(dev_preserve(ev, TOKEN_DEV + 1), EEXIST),
	    "device preserve again, another token -> EEXIST");
	tap(expect(hwpt_unpreserve(ev, ev->hwpt_id), EBUSY),
	    "HWPT unpreserve while its device is preserved -> EBUSY");
	tap(expect(device_ioctl(ev, VFIO_DEVICE_KHO_UNPRESERVE, &u), EOPNOTSUPP),
	    "device unpreserve with flags 0x1 -> EOPNOTSUPP");
	errors_attachment(ev, r, hwpt2);
	return 0;
}

static int errors_frozen(struct edu_vfio *ev, u32 hwpt2)
{
	if (!tap(write_file(KHO_FREEZE, "1"),
		 "freeze through debugfs: memfd, HWPT and device preserved"))
		return -1;
	tap(expect(hwpt_preserve(ev, hwpt2, TOKEN_HWPT + 2), EBUSY),
	    "frozen: HWPT preserve (the other HWPT, a new token) -> EBUSY");
	tap(expect(dev_unpreserve(ev), EBUSY), "frozen: device unpreserve -> EBUSY");
	tap(expect(hwpt_unpreserve(ev, ev->hwpt_id), EBUSY), "frozen: HWPT unpreserve -> EBUSY");
	return tap(write_file(KHO_FREEZE, "0"), "abort the freeze through debugfs") ? 0 : -1;
}

static int errors_unwind(struct edu_vfio *ev, const struct ram *r, unsigned long base)
{
	if (!tap(ok_or(dev_unpreserve(ev)), "after the abort: device unpreserve -> 0"))
		return -1;
	tap(expect(dev_unpreserve(ev), EINVAL),
	    "device unpreserve again (not preserved) -> EINVAL");
	if (!tap(ok_or(hwpt_unpreserve(ev, ev->hwpt_id)), "after the abort: HWPT unpreserve -> 0"))
		return -1;
	tap(map_unmap(ev, r, PG_SPARE3, spare_iova(r)),
	    "the IOAS is mutable again: IOAS_MAP and IOAS_UNMAP work");
	tap(expect_preserved_pages(base),
	    "the page-table pages are released: stats back to the memfd's %lu pages", base);
	return 0;
}

/* ---- errors: fail-nth over both preserve ioctls -------------------------- */

/* The call under test, its undo, and what must hold after it failed. */
struct nth_op {
	const char *name;
	int (*call)(struct edu_vfio *ev);
	int (*undo)(struct edu_vfio *ev);
	int (*unchanged)(struct edu_vfio *ev, const struct ram *r);
};

static int nth_hwpt_call(struct edu_vfio *ev)
{
	return hwpt_preserve(ev, ev->hwpt_id, TOKEN_HWPT);
}

static int nth_hwpt_undo(struct edu_vfio *ev)
{
	return hwpt_unpreserve(ev, ev->hwpt_id);
}

/* Not preserved (unpreserve: EINVAL) and the IOAS not frozen. */
static int nth_hwpt_unchanged(struct edu_vfio *ev, const struct ram *r)
{
	if (expect(hwpt_unpreserve(ev, ev->hwpt_id), EINVAL))
		return -1;
	return map_unmap(ev, r, PG_SPARE3, spare_iova(r));
}

static int nth_dev_call(struct edu_vfio *ev)
{
	return dev_preserve(ev, TOKEN_DEV);
}

static int nth_dev_undo(struct edu_vfio *ev)
{
	return dev_unpreserve(ev);
}

static int nth_dev_unchanged(struct edu_vfio *ev, const struct ram *r)
{
	(void)r;
	return expect(dev_unpreserve(ev), EINVAL);
}

static const struct nth_op nth_hwpt = {
	"IOMMU_HWPT_KHO_PRESERVE", nth_hwpt_call, nth_hwpt_undo, nth_hwpt_unchanged,
};

static const struct nth_op nth_dev = {
	"VFIO_DEVICE_KHO_PRESERVE", nth_dev_call, nth_dev_undo, nth_dev_unchanged,
};

struct nth_run {
	const struct nth_op *op;
	struct edu_vfio *ev;
	const struct ram *r;
	unsigned long base;	/* preserved pages before each call */
	unsigned int tried;
	unsigned int failed;
	unsigned int absorbed;
};

/* After the call and its undo, if any: exactly as before. */
static int nth_state(struct nth_run *run, unsigned int n)
{
	char inner[512];

	if (!expect_preserved_pages(run->base) && !run->op->unchanged(run->ev, run->r))
		return 0;
	snprintf(inner, sizeof(inner), "%.500s", why);
	return fail("N=%u: after the call: %s", n, inner);
}

/*
 * One N: 1 when the call succeeded without the fault firing (done), 0 to
 * go on, -1 on a broken rule.
 */
static int nth_one(int nth_fd, unsigned int n, struct nth_run *run)
{
	unsigned long left;
	char buf[16];
	ssize_t len;
	int err, ret;

	len = snprintf(buf, sizeof(buf), "%u", n);
	/* Nothing between arming and the call: every fault site counts. */
	if (write(nth_fd, buf, len) != len)
		return fail_errno("write %u to fail-nth", n);
	err = run->op->call(run->ev);
	len = pread(nth_fd, buf, sizeof(buf) - 1, 0);
	if (write(nth_fd, "0", 1) != 1 || len <= 0)
		return fail_errno("fail-nth read back or disarm");
	buf[len] = '\0';
	left = strtoul(buf, NULL, 10);
	run->tried = n;

	if (!err && !run->op->undo) {
		/* A call with no undo: its first success ends the pass. */
		if (!left)
			run->absorbed++;
		return 1;
	}
	if (!err) {
		ret = run->op->undo(run->ev);
		if (ret)
			return fail("N=%u: undo after success: %s", n, errname(-ret));
		ret = nth_state(run, n);
		if (ret || left)
			return ret ? ret : 1;
		run->absorbed++;
		diag("N=%u: the fault fired, %s succeeded anyway", n, run->op->name);
		return 0;
	}
	run->failed++;
	if (left)
		return fail("N=%u: failed with %s, no fault injected (fail-nth: %lu)",
			    n, errname(-err), left);
	if (err != -ENOMEM)
		return fail("N=%u: an allocation failure gave %s, expected ENOMEM",
			    n, errname(-err));
	return nth_state(run, n);
}

static void nth_pass(int nth_fd, struct nth_run *run)
{
	unsigned int n;
	int ret = nth_fd < 0 ? -1 : 0;

	for (n = 1; !ret && n <= FAIL_NTH_MAX; n++)
		ret = nth_one(nth_fd, n, run);
	if (!ret)
		ret = fail("still failing at N=%u", FAIL_NTH_MAX);
	if (!run->failed && ret > 0)
		ret = fail("no allocation of %s could be failed", run->op->name);
	tap(ret < 0, "fail-nth: %s, N=1..%u tried: %u failed (ENOMEM), %u absorbed",
	    run->op->name, run->tried, run->failed, run->absorbed);
}

static void errors_fail_nth(struct edu_vfio *ev, const struct ram *r, unsigned long base)
{
	struct nth_run hwpt = { .op = &nth_hwpt, .ev = ev, .r = r, .base = base };
	struct nth_run dev = { .op = &nth_dev, .ev = ev, .r = r };
	int nth_fd = -1, ret;

	ret = fault_settings_apply();
	if (!ret) {
		nth_fd = fail_nth_open();
		ret = nth_fd < 0 ? -1 : 0;
	}
	nth_pass(nth_fd, &hwpt);

	/* The device's pass needs its HWPT preserved, outside the pass. */
	ret = ok_or(hwpt_preserve(ev, ev->hwpt_id, TOKEN_HWPT));
	if (!ret)
		ret = preserved_pages(&dev.base);
	if (tap(ret, "HWPT preserved again for the device's pass")) {
		nth_pass(nth_fd, &dev);
		tap(ok_or(hwpt_unpreserve(ev, ev->hwpt_id)), "HWPT unpreserved after it");
	}
	if (nth_fd >= 0)
		close(nth_fd);
	ret = fault_settings_restore() ? fail("restoring the fault injection settings") : 0;
	if (!ret)
		ret = expect_preserved_pages(base);
	tap(ret, "after fail-nth: only the memfd's %lu pages preserved", base);
}

/* ---- errors: closing the device fd undoes its preservation --------------- */

/*
 * Print debugfs kho/intel-iommu; on kernel A it lists each preserved
 * domain on an "out domain ..." line and each preserved device on an
 * "out device ..." line. There must be @domains and @devices of them.
 */
static int expect_vtd_out(unsigned int domains, unsigned int devices)
{
	struct vtd_lines out[] = { { .prefix = "out domain " }, { .prefix = "out device " } };

	if (vtd_debugfs_count(out, ARRAY_SIZE(out)))
		return -1;
	if (out[0].n != domains || out[1].n != devices)
		return fail("%u 'out domain' and %u 'out device' lines, expected %u and %u",
			    out[0].n, out[1].n, domains, devices);
	return 0;
}

/* The device moved to @hwpt2, both preserved; @with_hwpt2: the pages preserved in between. */
static int close_setup(struct edu_vfio *ev, u32 hwpt2, unsigned long *with_hwpt2)
{
	int ret;

	ret = dev_attach(ev, hwpt2);
	if (ret)
		return fail("VFIO_DEVICE_ATTACH_IOMMUFD_PT to HWPT %u: %s", hwpt2, errname(-ret));
	ev->hwpt_id = hwpt2;
	ret = hwpt_preserve(ev, hwpt2, TOKEN_HWPT);
	if (ret)
		return fail("IOMMU_HWPT_KHO_PRESERVE HWPT %u: %s", hwpt2, errname(-ret));
	if (preserved_pages(with_hwpt2))
		return -1;
	ret = dev_preserve(ev, TOKEN_DEV);
	if (ret)
		return fail("VFIO_DEVICE_KHO_PRESERVE: %s", errname(-ret));
	return 0;
}

/*
 * HWPT and device preserved, then the device cdev closed: the device is
 * not preserved any more, the HWPT still is, and unpreserving it is
 * allowed again. On @hwpt2: the HWPT that attaching to the IOAS made is
 * the device's automatic one, destroyed (and so unpreserved) when its
 * last device goes; one from IOMMU_HWPT_ALLOC outlives the device fd.
 */
static int errors_close(struct edu_vfio *ev, u32 hwpt2, unsigned long base)
{
	unsigned long with_hwpt2 = 0;
	int ret;

	if (!tap(close_setup(ev, hwpt2, &with_hwpt2),
		 "device moved to HWPT %u (IOMMU_HWPT_ALLOC), HWPT and device preserved", hwpt2))
		return -1;
	ret = expect_vtd_out(1, 1);
	if (!ret)
		ret = expect(hwpt_unpreserve(ev, hwpt2), EBUSY);
	tap(ret, "before the close: 'out domain' and 'out device' lines, HWPT unpreserve -> EBUSY");

	edu_vfio_release_device(ev);
	tap(expect_vtd_out(1, 0),
	    "device cdev closed: no 'out device' line in kho/intel-iommu, still the 'out domain' line");
	tap(expect_preserved_pages(with_hwpt2),
	    "after the close: stats back to the %lu pages of before the device's preserve",
	    with_hwpt2);
	if (!tap(ok_or(hwpt_unpreserve(ev, hwpt2)),
		 "after the close: IOMMU_HWPT_KHO_UNPRESERVE HWPT %u -> 0", hwpt2))
		return -1;
	tap(expect_preserved_pages(base),
	    "after the close and the HWPT unpreserve: stats back to the memfd's %lu pages", base);
	return 0;
}

static void cmd_errors(const struct args *a)
{
	struct edu_vfio ev;
	unsigned long base = 0, with_hwpt = 0;
	u32 hwpt2 = 0;
	struct ram r;
	char buf[8];
	int ret;

	(void)a;
	dev_init(&ev);
	ram_init(&r, "vtd-err", 1);
	if (!tap(open_kho(), "open " KHO_DEV))
		return;
	tap(expect_preserved_pages(0), "cold boot: stats show nothing preserved");
	ret = edu_vfio_find_nth(&ev, 0) || edu_vfio_bind_driver(&ev) ||
	      edu_vfio_open_cdev(&ev) ? fail("%s", ev.err) : 0;
	if (!tap(ret, "edu 0 (%s) bound to vfio-pci, its cdev open", ev.bdf))
		return;
	tap(expect(dev_preserve(&ev, TOKEN_DEV), EINVAL),
	    "device preserve before VFIO_DEVICE_BIND_IOMMUFD -> EINVAL");
	if (!tap(edu_vfio_bind_iommufd(&ev) ? fail("%s", ev.err) : 0,
		 "cdev bound to iommufd, an IOAS allocated"))
		return;
	if (!tap(ram_create(&r, &ev), "memfd %s: %u pages, preserved", r.name, NR_PAGES))
		return;
	ret = edu_vfio_map(&ev, r.map, r.iova, NR_MAPPED * page_size) ? fail("%s", ev.err) : 0;
	if (!ret)
		ret = preserved_pages(&base);
	if (!tap(ret, "pages 0-3 mapped at IOVA %#llx; %lu pages preserved",
		 (unsigned long long)r.iova, base))
		return;
	tap(expect(dev_preserve(&ev, TOKEN_DEV), EINVAL),
	    "device preserve, bound but not attached -> EINVAL");
	ret = edu_vfio_attach(&ev) ? fail("%s", ev.err) : hwpt_alloc(&ev, &hwpt2);
	if (!tap(ret, "attached (HWPT %u); a second HWPT %u on the IOAS", ev.hwpt_id, hwpt2))
		return;

	errors_hwpt_args(&ev, hwpt2);
	errors_unpreserved_memory(&ev, &r, base);
	tap(expect(dev_preserve(&ev, TOKEN_DEV), EINVAL),
	    "device preserve, attached to an HWPT not preserved -> EINVAL");
	if (errors_hwpt_preserved(&ev, &r, hwpt2, base, &with_hwpt) ||
	    errors_device(&ev, &r, hwpt2))
		return;
	ret = errors_frozen(&ev, hwpt2);
	/* Never leave the machine frozen. */
	if (!read_file(KHO_FREEZE, buf, sizeof(buf)) && buf[0] == '1')
		write_file(KHO_FREEZE, "0");
	if (ret || errors_unwind(&ev, &r, base))
		return;

	errors_fail_nth(&ev, &r, base);
	if (errors_close(&ev, hwpt2, base))
		return;

	hwpt_destroy(&ev, hwpt2);
	ret = edu_vfio_unmap(&ev, r.iova, NR_MAPPED * page_size) ? fail("%s", ev.err) : 0;
	if (!ret)
		ret = ok_or(kho_unpreserve(r.name));
	if (!ret)
		ret = expect_preserved_pages(0);
	tap(ret, "HWPT %u destroyed, pages unmapped, KHO_MEMFD_UNPRESERVE %s: nothing preserved",
	    hwpt2, r.name);
	edu_vfio_close(&ev);
}

/* ---- main -------------------------------------------------------------- */

/* ---- the DMA gap of a live update (make bench) ----------------------------- */

#define GAP_MAGIC		0x6761702d73746d70ULL	/* "gap-stmp" */
#define GAP_BEFORE		5U	/* DMAs on A before it kexecs */

/*
 * Kept in page 7 of the memfd by A's DMA loop, so that B finds them: the
 * TSC runs on across the kexec, a clock both kernels share.
 */
struct gap_stamps {
	u64 magic;
	u64 dmas;		/* completed on A */
	u64 failed;		/* on A: did not complete */
	u64 last_tsc;		/* A's last completion */
	u64 kexec_tsc;		/* A's reboot(LINUX_REBOOT_CMD_KEXEC) */
};

static u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

struct gap_loop {
	struct edu_vfio *ev;
	struct ram *r;
	struct gap_stamps *st;
};

/* Device buffer -> page 0, back to back, until the kexec stops the CPU. */
static void *gap_loop(void *arg)
{
	struct gap_loop *g = arg;
	struct gap_stamps *st = g->st;

	/* Atomic stores: the main thread reads the count, B all of it. */
	for (;;) {
		if (edu_dma_start(g->ev, EDU_DMA_DEV_TO_RAM, g->r->iova, EDU_DEV_BUF_ADDR,
				  DMA_COUNT) || edu_dma_wait(g->ev, DMA_TIMEOUT_MS, NULL)) {
			__atomic_store_n(&st->failed, st->failed + 1, __ATOMIC_RELEASE);
			continue;
		}
		__atomic_store_n(&st->last_tsc, rdtsc(), __ATOMIC_RELEASE);
		__atomic_store_n(&st->dmas, st->dmas + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* Kernel A: as arm, but a DMA loop runs until the kexec stops it. */
static void cmd_gap_arm(const struct args *a)
{
	struct gap_loop g;
	struct edu_vfio ev;
	pthread_t th;
	struct ram r;

	if (a_ready(&ev, &r, a))
		return;
	g = (struct gap_loop){ .ev = &ev, .r = &r, .st = (void *)page_at(&r, PG_SPARE7) };
	g.st->magic = GAP_MAGIC;
	if (!tap(pthread_create(&th, NULL, gap_loop, &g) ? fail("pthread_create") : 0,
		 "DMA loop into page 0 started"))
		return;
	while (__atomic_load_n(&g.st->dmas, __ATOMIC_ACQUIRE) < GAP_BEFORE)
		sched_yield();
	say_armed(0);
	g.st->kexec_tsc = rdtsc();
	kexec_now();
}

/* Kernel B of a bench run: A's stamps, page 7 zero again after. */
static int gap_stamps_read(struct ram *r, struct gap_stamps *st)
{
	memcpy(st, page_at(r, PG_SPARE7), sizeof(*st));
	page_fill(r, PG_SPARE7, zero_page);
	return tap(st->magic == GAP_MAGIC ? 0 : fail("no stamps in page 7"),
		   "A's DMA loop left its stamps: %llu DMAs, %llu failed",
		   (unsigned long long)st->dmas, (unsigned long long)st->failed) ? 0 : -1;
}

/*
 * B's first DMA, as soon as the device is bound. Prints the TSC values;
 * make bench turns them into the gap and the kexec's length.
 */
static int gap_first_dma(struct edu_vfio *ev, struct ram *r, const struct gap_stamps *st,
			 u64 start_tsc)
{
	u64 first;

	if (!tap(dma(ev, EDU_DMA_DEV_TO_RAM, r->iova), "B's first DMA, into page 0"))
		return -1;
	first = rdtsc();
	printf("vtd_kho: gap a_dmas=%llu a_failed=%llu a_last_tsc=%llu a_kexec_tsc=%llu",
	       (unsigned long long)st->dmas, (unsigned long long)st->failed,
	       (unsigned long long)st->last_tsc, (unsigned long long)st->kexec_tsc);
	printf(" b_start_tsc=%llu b_first_tsc=%llu\n", (unsigned long long)start_tsc,
	       (unsigned long long)first);
	return 0;
}

/* ---- kernel B: the live update a VMM does ---------------------------------- */

#define KHO_TEST_STRETCH	"/sys/module/kho_test/parameters/stretch_ms"
#define STRETCH_MS		"400"
#define RDMA_ITERS		100U	/* 2 DMAs each */
#define RDMA_BEFORE		10U	/* iterations done before the replace starts */
#define RDMA_IN_WINDOW		4U	/* DMAs that must complete during the replace */

/* The pattern kernel number @gen of a chain writes (A is 0, B 1, C 2). */
static u64 gen_seed(u64 seed, unsigned int gen)
{
	return gen ? b_seed(seed) + (gen - 1) * 0x9e3779b97f4a7c15ULL : seed;
}

static const char gen_name[] = "ABCDEFGHIJKLMNOP";

/*
 * The page at IOVA X + 3 pages in the HWPT kernel number @gen builds: A maps
 * pages 0-3 in order, each kernel after it moves that IOVA to the other
 * spare page, so a DMA there tells the new HWPT from the frozen one.
 */
static unsigned int page3_of(unsigned int gen)
{
	return gen % 2 ? PG_SPARE6 : PG_SPARE3;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* "vtd_kho: step NAME MS ms": what each step of the update took. */
static void step_done(const char *name, double t0)
{
	printf("vtd_kho: step %s %.3f ms\n", name, now_ms() - t0);
}

static int kho_adopt(struct edu_vfio *ev, u32 dev_id, u64 token, u32 *hwpt_id)
{
	struct iommu_kho_adopt cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.token = token,
	};
	int ret = iommufd_ioctl(ev, IOMMU_KHO_ADOPT, &cmd);

	if (!ret && hwpt_id)
		*hwpt_id = cmd.out_hwpt_id;
	return ret;
}

static int obj_destroy(struct edu_vfio *ev, u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return iommufd_ioctl(ev, IOMMU_DESTROY, &cmd);
}

/*
 * Kernel @gen, after the restore: what the kernel before it left in the
 * memfd, its source pattern and the DMA it armed into page 0.
 */
static int live_restore(struct edu_vfio *ev, struct ram *r, unsigned int gen, u64 prev)
{
	char who[2] = { gen_name[gen], 0 };

	if (b_restore(ev, r, who, false))
		return -1;
	r->want[PG_SRC] = pattern(prev, PG_SRC, page_size);
	r->want[PG_DST0] = pattern(prev, PG_SRC, DMA_COUNT);
	return 0;
}

/*
 * The IOAS as the VMM rebuilds it from its own records: the same IOVAs
 * over the same memfd pages, but X + 3 pages moved to the other spare
 * page; then a paging HWPT on it.
 */
static int live_rebuild(struct edu_vfio *ev, const struct ram *r, unsigned int gen,
			u32 *hwpt)
{
	if (edu_vfio_map(ev, r->map, r->iova, 3 * page_size) ||
	    edu_vfio_map(ev, page_at(r, page3_of(gen)), r->iova + 3 * page_size, page_size))
		return fail("%s", ev->err);
	return hwpt_alloc(ev, hwpt);
}

/* Through the new HWPT: a round trip, and X + 3 pages lands in its new page. */
static void live_after_replace(struct edu_vfio *ev, struct ram *r, unsigned int gen, u64 mine)
{
	u64 src = r->iova + PG_SRC * page_size, dst = r->iova + PG_DST1 * page_size;
	u64 moved = r->iova + 3 * page_size;
	int ret;

	page_fill(r, PG_DST1, zero_page);
	ret = dma(ev, EDU_DMA_RAM_TO_DEV, src) ?: dma(ev, EDU_DMA_DEV_TO_RAM, dst);
	r->want[PG_DST1] = pattern(mine, PG_SRC, DMA_COUNT);
	tap(ret ?: expect_pages(r, ALL_PAGES),
	    "new HWPT: source page -> device -> page 1, every page as expected");
	ret = dma(ev, EDU_DMA_DEV_TO_RAM, moved);
	r->want[page3_of(gen)] = pattern(mine, PG_SRC, DMA_COUNT);
	tap(ret ?: expect_pages(r, ALL_PAGES),
	    "new HWPT: the DMA to IOVA %#llx landed in page %u, where it maps it now, not in page %u",
	    (unsigned long long)moved, page3_of(gen), page3_of(gen - 1));
}

/* debugfs kho/intel-iommu says the device left its frozen domain, now freed. */
static int expect_vtd_released(void)
{
	struct vtd_lines in[] = {
		{ .prefix = "device ", .has = " released" }, { .prefix = "domain " },
	};

	if (vtd_debugfs_count(in, ARRAY_SIZE(in)))
		return -1;
	if (in[0].n != 1 || in[1].n)
		return fail("%u released device(s), %u frozen domain(s) listed, not 1 and 0",
			    in[0].n, in[1].n);
	return 0;
}

/*
 * Chain on: the memfd (its touched pages zero again), the new HWPT and
 * the device preserved, a DMA armed, kexec. Returns only on failure.
 */
static void live_rearm(struct edu_vfio *ev, struct ram *r, u32 hwpt, unsigned int gen,
		       const struct args *a)
{
	page_fill(r, PG_DST0, zero_page);
	page_fill(r, PG_DST1, zero_page);
	page_fill(r, page3_of(gen), zero_page);
	if (!tap(ok_or(kho_preserve(r->fd, r->name)), "KHO_MEMFD_PRESERVE %s again", r->name))
		return;
	ev->hwpt_id = hwpt;
	if (a_preserve(ev, &a->tokens))
		return;
	printf("vtd_kho: %c iova=0x%llx\n", gen_name[gen], (unsigned long long)r->iova);
	arm_and_kexec(ev, r, a->delay, NULL, NULL);
}

/*
 * Kernel number @gen of a live update (B is 1): restore the guest RAM, bind
 * and adopt the device, which still DMAs through the frozen domain; rebuild
 * the IOAS and an HWPT, replace, destroy the frozen HWPT. Each step timed.
 */
static void cmd_live(const struct args *a)
{
	struct kho_finish fin = { .size = sizeof(fin) };
	u64 prev = gen_seed(a->seed, a->gen - 1), mine = gen_seed(a->seed, a->gen);
	struct edu_vfio ev;
	u32 frozen, hwpt;
	struct ram r;
	u64 start_tsc = rdtsc();
	struct gap_stamps st;
	double t, t_all;
	int ret;

	dev_init(&ev);
	ram_init(&r, "vtd-ram", a->seed);
	if (!tap(open_kho(), "open " KHO_DEV))
		return;
	t_all = now_ms();
	t = t_all;
	if (live_restore(&ev, &r, a->gen, prev))
		return;
	step_done("restore-guest-ram", t);
	if (a->gap && gap_stamps_read(&r, &st))
		goto out;
	b_check_landed(&r);
	tap(expect_vtd_frozen(1), KHO_VTD_DEBUGFS " lists the device on its frozen domain");
	t = now_ms();
	if (b_device(&ev, 0, "on the frozen domain"))
		goto out;
	step_done("open-and-bind-device", t);
	t = now_ms();
	ret = kho_adopt(&ev, ev.devid, a->tokens.hwpt, &frozen);
	if (!tap(ok_or(ret), "IOMMU_KHO_ADOPT token %#llx: the frozen domain is HWPT %u",
		 (unsigned long long)a->tokens.hwpt, frozen))
		goto out;
	step_done("adopt", t);
	step_done("critical-path", t_all);
	if (a->gap && gap_first_dma(&ev, &r, &st, start_tsc))
		goto out;
	t = now_ms();
	b_round_trip(&ev, &r, mine);
	step_done("dma-on-frozen-domain", t);
	t = now_ms();
	if (!tap(live_rebuild(&ev, &r, a->gen, &hwpt),
		 "IOAS rebuilt: pages 0-2 at X, page %u at X + 3 pages; HWPT %u on it",
		 page3_of(a->gen), hwpt))
		goto out;
	step_done("rebuild-ioas-and-hwpt", t);
	t = now_ms();
	if (!tap(ok_or(dev_attach(&ev, hwpt)),
		 "VFIO_DEVICE_ATTACH_IOMMUFD_PT HWPT %u: the frozen domain replaced", hwpt))
		goto out;
	step_done("replace", t);
	live_after_replace(&ev, &r, a->gen, mine);
	t = now_ms();
	if (!tap(ok_or(obj_destroy(&ev, frozen)), "IOMMU_DESTROY the adopted HWPT %u", frozen))
		goto out;
	step_done("destroy-frozen-hwpt", t);
	tap(expect_vtd_released(), KHO_VTD_DEBUGFS ": the device released, no frozen domain left");
	/* The update is over; a chain's next one starts from a finished kernel. */
	tap(ioctl(kho_fd, KHO_FINISH, &fin) ? fail("KHO_FINISH: %s", strerror(errno)) : 0,
	    "KHO_FINISH");
	if (a->again)
		live_rearm(&ev, &r, hwpt, a->gen, a);
out:
	edu_vfio_close(&ev);
}

/* ---- kernel B: DMA back to back while the replace happens ------------------ */

struct rdma {
	struct edu_vfio *ev;
	struct ram *r;
	u64 seed;
	bool stop;		/* set by the main thread, atomically */
	unsigned int iters;		/* done, read by the main thread */
	unsigned int dmas;
	unsigned int failed;		/* a transfer that did not complete */
	unsigned int corrupt;		/* completed, but the bytes are wrong */
	double done_at[2 * RDMA_ITERS];	/* completion time of each DMA */
	char first_bad[160];
};

/* Page 1 holds the first DMA_COUNT bytes of @c and zeros: no fail(), no why[]. */
static bool rdma_landed(const struct ram *r, struct content c)
{
	const u64 *p = (const u64 *)page_at(r, PG_DST1);
	u64 w;

	for (w = 0; w < page_size / 8; w++)
		if (p[w] != content_word(&c, w))
			return false;
	return true;
}

static bool rdma_one(struct rdma *d, enum edu_dma_dir dir, u64 iova)
{
	bool ok = !edu_dma_start(d->ev, dir, iova, EDU_DEV_BUF_ADDR, DMA_COUNT) &&
		  !edu_dma_wait(d->ev, DMA_TIMEOUT_MS, NULL);

	if (d->dmas < ARRAY_SIZE(d->done_at))
		d->done_at[d->dmas] = now_ms();
	d->dmas++;
	if (!ok)
		d->failed++;
	return ok;
}

/* A new pattern source page -> device -> page 1, checked, each time. */
static void *rdma_loop(void *arg)
{
	struct rdma *d = arg;
	struct ram *r = d->r;
	u64 src = r->iova + PG_SRC * page_size, dst = r->iova + PG_DST1 * page_size;
	struct content c;

	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE) && d->iters < RDMA_ITERS) {
		c = pattern(d->seed + d->iters, PG_SRC, DMA_COUNT);
		page_fill(r, PG_SRC, pattern(c.seed, PG_SRC, page_size));
		page_fill(r, PG_DST1, zero_page);
		if (rdma_one(d, EDU_DMA_RAM_TO_DEV, src) && rdma_one(d, EDU_DMA_DEV_TO_RAM, dst) &&
		    !rdma_landed(r, c) && !d->corrupt++)
			snprintf(d->first_bad, sizeof(d->first_bad),
				 "iteration %u: page 1 does not hold the pattern", d->iters);
		__atomic_store_n(&d->iters, d->iters + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static unsigned int rdma_iters(struct rdma *d)
{
	return __atomic_load_n(&d->iters, __ATOMIC_ACQUIRE);
}

/* DMAs that completed while the replace ran. */
static unsigned int rdma_within(const struct rdma *d, double from, double to)
{
	unsigned int i, n = 0;

	for (i = 0; i < d->dmas && i < ARRAY_SIZE(d->done_at); i++)
		n += d->done_at[i] > from && d->done_at[i] < to;
	return n;
}

static int rdma_wait(struct rdma *d, unsigned int iters)
{
	double t0 = now_ms();

	while (rdma_iters(d) < iters) {
		if (now_ms() - t0 > 120000)
			return fail("the DMA loop is stuck at iteration %u", rdma_iters(d));
		sched_yield();
	}
	return 0;
}

/*
 * Replace the frozen domain while the DMA loop runs, the replace's steps
 * stretched (kho_test.stretch_ms) so that DMAs complete inside each
 * window. Every transfer must complete with the right bytes; kernel
 * booted with kho_test.naive=vtd-replace-stock (replace-control) takes
 * 6.12's path, which must fault.
 */
static void replace_under_dma(struct edu_vfio *ev, struct ram *r, u32 hwpt, u64 seed)
{
	struct rdma *d = calloc(1, sizeof(*d));
	double t0, t1;
	pthread_t th;
	int ret;

	if (!tap(d ? 0 : fail("out of memory"), "DMA loop state allocated"))
		return;
	d->ev = ev;
	d->r = r;
	d->seed = seed;
	if (!tap(pthread_create(&th, NULL, rdma_loop, d) ? fail("pthread_create") : 0,
		 "DMA loop started: source page -> device -> page 1, a new pattern each time")) {
		free(d);
		return;
	}
	ret = rdma_wait(d, RDMA_BEFORE) ?: write_file(KHO_TEST_STRETCH, STRETCH_MS);
	t0 = now_ms();
	ret = ret ?: ok_or(dev_attach(ev, hwpt));
	t1 = now_ms();
	if (write_file(KHO_TEST_STRETCH, "0") && !ret)
		ret = -1;
	tap(ret, "replace to HWPT %u with every step stretched by %s ms, under DMA", hwpt,
	    STRETCH_MS);
	if (rdma_wait(d, RDMA_ITERS))
		__atomic_store_n(&d->stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	printf("vtd_kho: replace-dma dmas=%u failed=%u corrupt=%u in_window=%u replace_ms=%.1f\n",
	       d->dmas, d->failed, d->corrupt, rdma_within(d, t0, t1), t1 - t0);
	tap(d->dmas >= 2 * RDMA_ITERS ? 0 : fail("%u DMAs", d->dmas),
	    "%u DMAs back to back", 2 * RDMA_ITERS);
	tap(rdma_within(d, t0, t1) >= RDMA_IN_WINDOW ? 0 :
	    fail("%u completed during the %.0f ms of the replace", rdma_within(d, t0, t1), t1 - t0),
	    "at least %u DMAs completed inside the replace's windows", RDMA_IN_WINDOW);
	tap(d->failed ? fail("%u of %u did not complete", d->failed, d->dmas) : 0,
	    "every DMA completed");
	tap(d->corrupt ? fail("%u of %u transfers corrupt, first: %s", d->corrupt, d->iters,
			      d->first_bad) : 0,
	    "every transfer landed with the right bytes");
	free(d);
}

/* Kernel B: adopt, rebuild, then the replace under back-to-back DMAs. */
static void cmd_replace_dma(const struct args *a)
{
	struct edu_vfio ev;
	u32 frozen, hwpt;
	struct ram r;

	dev_init(&ev);
	ram_init(&r, "vtd-ram", a->seed);
	if (!tap(open_kho(), "open " KHO_DEV) || live_restore(&ev, &r, 1, a->seed))
		goto out;
	b_check_landed(&r);
	if (b_device(&ev, 0, "on the frozen domain"))
		goto out;
	if (!tap(ok_or(kho_adopt(&ev, ev.devid, a->tokens.hwpt, &frozen)),
		 "IOMMU_KHO_ADOPT: HWPT %u", frozen) ||
	    !tap(live_rebuild(&ev, &r, 1, &hwpt), "IOAS rebuilt, HWPT %u on it", hwpt))
		goto out;
	replace_under_dma(&ev, &r, hwpt, gen_seed(a->seed, 1));
	tap(ok_or(obj_destroy(&ev, frozen)), "IOMMU_DESTROY the adopted HWPT %u", frozen);
out:
	edu_vfio_close(&ev);
}

/* ---- kernel B: every error of IOMMU_KHO_ADOPT ------------------------------ */

struct adopt_case {
	const char *what;
	u32 size;
	u32 flags;
	bool wrong_dev;
	u64 token;
	int want;
};

static int adopt_raw(struct edu_vfio *ev, const struct adopt_case *c, u32 dev_id)
{
	struct iommu_kho_adopt cmd = {
		.size = c->size ?: sizeof(cmd),
		.flags = c->flags,
		.dev_id = dev_id,
		.token = c->token,
	};

	return iommufd_ioctl(ev, IOMMU_KHO_ADOPT, &cmd);
}

/* Still not adopted: attaching the device is refused, it stays frozen. */
static int adopt_unchanged(struct edu_vfio *ev, const struct ram *r)
{
	(void)r;
	if (expect(dev_attach(ev, ev->ioas_id), EBUSY))
		return -1;
	return expect_vtd_frozen(1);
}

static int nth_adopt_call(struct edu_vfio *ev)
{
	return kho_adopt(ev, ev->devid, TOKEN_HWPT, &ev->hwpt_id);
}

static const struct nth_op nth_adopt = {
	"IOMMU_KHO_ADOPT", nth_adopt_call, NULL, adopt_unchanged,
};

static void adopt_bad_args(struct edu_vfio *ev, struct edu_vfio *other, u64 token)
{
	const struct adopt_case cases[] = {
		{ "unknown flags", 0, 1, false, token, EOPNOTSUPP },
		{ "size 16, short of the token", 16, 0, false, token, EINVAL },
		{ "token 0", 0, 0, false, 0, EINVAL },
		{ "a token nothing was preserved with", 0, 0, false, token + 1, ENOENT },
		{ "the token of the device, not of its HWPT", 0, 0, false, TOKEN_DEV, ENOENT },
		{ "the IOAS's id, not a device", 0, 0, true, token, ENOENT },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u32 id = ev->devid;

		if (cases[i].wrong_dev)
			id = ev->ioas_id;
		tap(expect(adopt_raw(ev, &cases[i], id), cases[i].want),
		    "IOMMU_KHO_ADOPT, %s: %s", cases[i].what, errname(cases[i].want));
	}
	tap(expect(kho_adopt(ev, UNUSED_ID, token, NULL), ENOENT),
	    "IOMMU_KHO_ADOPT of an unknown device id: ENOENT");
	tap(expect(kho_adopt(other, other->devid, token, NULL), ENOENT),
	    "IOMMU_KHO_ADOPT of an edu that was not preserved (in its iommufd): ENOENT");
	tap(adopt_unchanged(ev, NULL),
	    "before the adopt: attaching the device is refused (EBUSY), it stays frozen");
}

static void adopt_fail_nth(struct edu_vfio *ev, const struct ram *r)
{
	struct nth_run run = { .op = &nth_adopt, .ev = ev, .r = r };
	int nth_fd = -1;

	if (!tap(preserved_pages(&run.base), "preserved pages counted before fail-nth"))
		return;
	if (!fault_settings_apply())
		nth_fd = fail_nth_open();
	nth_pass(nth_fd, &run);
	if (nth_fd >= 0)
		close(nth_fd);
	tap(fault_settings_restore() ? fail("restoring the fault injection settings") : 0,
	    "fault injection settings restored");
}

/* The device adopted (HWPT ev->hwpt_id): what may no longer be done. */
static void adopt_after(struct edu_vfio *ev, struct ram *r, u64 token)
{
	u32 frozen = ev->hwpt_id, ioas = ev->ioas_id, hwpt;

	tap(expect(kho_adopt(ev, ev->devid, token, NULL), EBUSY),
	    "a second IOMMU_KHO_ADOPT of the device: EBUSY");
	ev->ioas_id = frozen;
	tap(expect(edu_vfio_map(ev, page_at(r, PG_SPARE7), spare_iova(r), page_size), EPERM),
	    "IOMMU_IOAS_MAP into the adopted HWPT: EPERM");
	tap(expect(edu_vfio_unmap(ev, r->iova, page_size), EPERM),
	    "IOMMU_IOAS_UNMAP of the adopted HWPT: EPERM");
	ev->ioas_id = ioas;
	tap(expect(obj_destroy(ev, frozen), EBUSY),
	    "IOMMU_DESTROY of the adopted HWPT, the device on it: EBUSY");
	b_round_trip(ev, r, gen_seed(r->seed, 1));
	if (!tap(live_rebuild(ev, r, 1, &hwpt), "IOAS rebuilt, HWPT %u on it", hwpt) ||
	    !tap(ok_or(dev_attach(ev, hwpt)), "replace to HWPT %u", hwpt))
		return;
	tap(expect(kho_adopt(ev, ev->devid, token, NULL), ENOENT),
	    "IOMMU_KHO_ADOPT after the replace: ENOENT (the device left the frozen domain)");
	tap(ok_or(obj_destroy(ev, frozen)), "IOMMU_DESTROY of the adopted HWPT, now unused");
	tap(expect_vtd_released(), KHO_VTD_DEBUGFS ": the device released");
}

/* Kernel B after arm, with a second, unpreserved edu: every error of the adopt. */
static void cmd_adopt_errors(const struct args *a)
{
	struct edu_vfio ev, other;
	struct ram r;

	dev_init(&ev);
	dev_init(&other);
	ram_init(&r, "vtd-ram", a->seed);
	if (!tap(open_kho(), "open " KHO_DEV) || live_restore(&ev, &r, 1, a->seed))
		goto out;
	if (b_device(&ev, 0, "on the frozen domain") ||
	    !tap(dev_open(&other, 1), "edu 1 (%s), not preserved, bound in its own iommufd",
		 other.bdf))
		goto out;
	adopt_bad_args(&ev, &other, a->tokens.hwpt);
	adopt_fail_nth(&ev, &r);
	adopt_after(&ev, &r, a->tokens.hwpt);
out:
	edu_vfio_close(&other);
	edu_vfio_close(&ev);
}

/* ---- a NIC that never stops receiving (e1000, QEMU's 82540EM) -------------- */

#define E1000_VENDOR_ID		0x8086
#define E1000_DEVICE_ID		0x100e
#define E1000_IMC		0x00d8
#define E1000_RCTL		0x0100
#define E1000_RDBAL		0x2800
#define E1000_RDBAH		0x2804
#define E1000_RDLEN		0x2808
#define E1000_RDH		0x2810
#define E1000_RDT		0x2818
#define E1000_RCTL_EN		BIT(1)
#define E1000_RCTL_UPE		BIT(3)
#define E1000_RCTL_MPE		BIT(4)
#define E1000_RCTL_BAM		BIT(15)
#define E1000_RCTL_BSIZE_256	(BIT(16) | BIT(17))
#define E1000_RXD_DD		0x01
#define E1000_RXD_EOP		0x02

#define NIC_RING		16384U	/* descriptors: the whole update fits */
#define NIC_BUF			256U
#define NIC_BUFS_OFF		(NIC_RING * 16U)
#define NIC_MAX_SEQ		BIT(20)
/* The receiver's own state, in the memfd too: B goes on where A stopped. */
#define NIC_STATE_OFF		(NIC_BUFS_OFF + NIC_RING * NIC_BUF)
#define NIC_SEEN_OFF		(NIC_STATE_OFF + 4096U)
#define NIC_RAM_SIZE		(NIC_SEEN_OFF + NIC_MAX_SEQ)
#define NIC_STATE_MAGIC		0x6e69632d73746174ULL	/* "nic-stat" */
/* Not an address of guest RAM: IOVA and physical address always differ. */
#define NIC_IOVA		0x1000000000ULL
#define NIC_STEADY		10000U	/* data frames on A before it preserves */
#define NIC_WAIT_MS		60000U
#define TOKEN_NIC_HWPT		0x6e69632d68777074ULL	/* "nic-hwpt" */
#define TOKEN_NIC_DEV		0x6e69632d64657631ULL	/* "nic-dev1" */

struct e1000_rx_desc {
	u64 addr;
	u16 length;
	u16 csum;
	u8 status;
	u8 errors;
	u16 special;
};

/* What has been taken from the ring, kept at NIC_STATE_OFF of the memfd. */
struct nic_state {
	u64 magic;
	u64 next;			/* the next descriptor to look at */
	u64 frames, probes, corrupt, dups, ends;
	u64 end_count;			/* what the END frames say was sent */
};

/* The ring, its buffers and the receiver's state, all in one memfd. */
struct nic {
	struct edu_vfio ev;
	int fd;
	u8 *map;
	struct nic_state *st;
	u8 *seen;			/* one byte per sequence number */
	char first_bad[160];
};

static struct e1000_rx_desc *nic_desc(struct nic *n, unsigned int i)
{
	return (struct e1000_rx_desc *)(n->map + i * sizeof(struct e1000_rx_desc));
}

static void nic_init(struct nic *n)
{
	memset(n, 0, sizeof(*n));
	dev_init(&n->ev);
	n->ev.vendor = E1000_VENDOR_ID;
	n->ev.device = E1000_DEVICE_ID;
	n->fd = -1;
}

static int nic_map_ram(struct nic *n, int flags)
{
	void *p = mmap(NULL, NIC_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | flags, n->fd, 0);

	if (p == MAP_FAILED)
		return fail_errno("mmap nic-ram");
	n->map = p;
	if (mlock(n->map, NIC_RAM_SIZE))
		return fail_errno("mlock nic-ram");
	n->st = (struct nic_state *)(n->map + NIC_STATE_OFF);
	n->seen = n->map + NIC_SEEN_OFF;
	return 0;
}

/* Kernel A: the ring in a new memfd, every descriptor pointing at its buffer. */
static int nic_ram_create(struct nic *n)
{
	unsigned int i;

	n->fd = memfd_create("nic-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (n->fd < 0)
		return fail_errno("memfd_create nic-ram");
	if (ftruncate(n->fd, NIC_RAM_SIZE))
		return fail_errno("ftruncate nic-ram");
	if (nic_map_ram(n, 0))
		return -1;
	memset(n->map, 0, NIC_RAM_SIZE);
	n->st->magic = NIC_STATE_MAGIC;
	for (i = 0; i < NIC_RING; i++)
		nic_desc(n, i)->addr = NIC_IOVA + NIC_BUFS_OFF + (u64)i * NIC_BUF;
	return ok_or(kho_preserve(n->fd, "nic-ram"));
}

static int nic_reg_write(struct nic *n, u32 off, u32 val)
{
	return edu_write32(&n->ev, off, val) ? fail("%s", n->ev.err) : 0;
}

/* The ring and receive on, interrupts masked: RCTL is written once, here. */
static int nic_start(struct nic *n)
{
	return nic_reg_write(n, E1000_IMC, 0xffffffff) ?:
	       nic_reg_write(n, E1000_RDBAL, (u32)NIC_IOVA) ?:
	       nic_reg_write(n, E1000_RDBAH, (u32)(NIC_IOVA >> 32)) ?:
	       nic_reg_write(n, E1000_RDLEN, NIC_RING * 16) ?:
	       nic_reg_write(n, E1000_RDH, 0) ?:
	       nic_reg_write(n, E1000_RDT, NIC_RING - 1) ?:
	       nic_reg_write(n, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_UPE | E1000_RCTL_MPE |
				E1000_RCTL_BAM | E1000_RCTL_BSIZE_256);
}

/* One received frame: checked, counted; no fail(), the loop goes on. */
static void nic_take(struct nic *n, const struct e1000_rx_desc *d, unsigned int i)
{
	const struct nic_frame *f =
		(const struct nic_frame *)(n->map + NIC_BUFS_OFF + (u64)i * NIC_BUF);
	bool bad = !(d->status & E1000_RXD_EOP) || d->length < sizeof(*f) ||
		   d->length > NIC_BUF || f->magic != NIC_FRAME_MAGIC ||
		   f->sum != nic_frame_sum(f);
	unsigned int b;

	for (b = 0; !bad && b < NIC_FRAME_PAYLOAD; b++)
		bad = f->payload[b] != nic_payload_byte(f->seq, b);
	if (bad) {
		if (!n->st->corrupt++)
			snprintf(n->first_bad, sizeof(n->first_bad),
				 "descriptor %u: length %u status %#x magic %#x", i, d->length,
				 d->status, f->magic);
		return;
	}
	if (f->kind == NIC_FRAME_PROBE) {
		n->st->probes++;
	} else if (f->kind == NIC_FRAME_END) {
		n->st->ends++;
		n->st->end_count = f->count;
	} else if (f->seq >= NIC_MAX_SEQ || n->seen[f->seq]++) {
		if (!n->st->dups++)
			snprintf(n->first_bad, sizeof(n->first_bad), "seq %llu twice",
				 (unsigned long long)f->seq);
	} else {
		n->st->frames++;
	}
}

/*
 * Take every descriptor the NIC has written back, in order, clear them and
 * hand them to the NIC again through RDT.
 */
static int nic_poll(struct nic *n)
{
	struct e1000_rx_desc *d;
	unsigned int last = NIC_RING;

	while ((d = nic_desc(n, n->st->next))->status & E1000_RXD_DD) {
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		nic_take(n, d, n->st->next);
		d->status = 0;
		last = n->st->next;
		n->st->next = (n->st->next + 1) % NIC_RING;
	}
	if (last != NIC_RING)
		return nic_reg_write(n, E1000_RDT, last);
	return 0;
}

/* Poll until @done holds, for at most NIC_WAIT_MS. */
static int nic_wait(struct nic *n, bool (*done)(const struct nic *n), const char *what)
{
	double t0 = now_ms();

	while (!done(n)) {
		if (nic_poll(n))
			return -1;
		if (now_ms() - t0 > NIC_WAIT_MS)
			return fail("no %s after %u ms: %llu frames, %llu probes", what,
				    NIC_WAIT_MS, (unsigned long long)n->st->frames,
				    (unsigned long long)n->st->probes);
		/* Poll every ms, not flat out: the vCPU leaves QEMU's main loop room. */
		sleep_ms(1);
	}
	return 0;
}

static bool nic_probed(const struct nic *n)
{
	return n->st->probes || n->st->frames;
}

static bool nic_steady(const struct nic *n)
{
	return n->st->frames >= NIC_STEADY;
}

static bool nic_ended(const struct nic *n)
{
	return n->st->ends;
}

/*
 * Kernel A: the e1000 bound to vfio-pci and iommufd, its ring in a
 * preserved memfd at IOVA NIC_IOVA, receiving and giving descriptors
 * back; after NIC_STEADY data frames (10 s: the steady state the DMA gap
 * is judged against), the memfd, the HWPT and the device preserved and
 * kexec, the NIC still receiving. What A took is recorded in the memfd.
 */
static void cmd_nic_arm(const struct args *a)
{
	struct nic n;
	int ret;

	(void)a;
	nic_init(&n);
	if (!tap(open_kho(), "open " KHO_DEV) ||
	    !tap(dev_open(&n.ev, 0), "e1000 (%s) bound to vfio-pci, its cdev to iommufd",
		 n.ev.bdf) ||
	    !tap(nic_ram_create(&n), "memfd nic-ram: a ring of %u descriptors, preserved",
		 NIC_RING))
		return;
	ret = edu_vfio_map(&n.ev, n.map, NIC_IOVA, NIC_RAM_SIZE) || edu_vfio_attach(&n.ev) ||
	      edu_vfio_setup_bar(&n.ev) ? fail("%s", n.ev.err) : 0;
	if (!tap(ret, "nic-ram mapped at IOVA %#llx, attached (HWPT %u), BAR0 mapped",
		 NIC_IOVA, n.ev.hwpt_id) ||
	    !tap(nic_start(&n), "ring programmed, receive on (RCTL written once)") ||
	    !tap(nic_wait(&n, nic_probed, "probe"), "the sender's probes arrive"))
		return;
	printf("nic_rx: receiving\n");
	if (!tap(nic_wait(&n, nic_steady, "data"),
		 "%u data frames received, each descriptor given back", NIC_STEADY))
		return;
	printf("nic_rx: A frames=%llu next=%llu\n", (unsigned long long)n.st->frames,
	       (unsigned long long)n.st->next);
	if (!tap(ok_or(hwpt_preserve(&n.ev, n.ev.hwpt_id, TOKEN_NIC_HWPT)),
		 "IOMMU_HWPT_KHO_PRESERVE HWPT %u", n.ev.hwpt_id) ||
	    !tap(ok_or(dev_preserve(&n.ev, TOKEN_NIC_DEV)), "VFIO_DEVICE_KHO_PRESERVE"))
		return;
	say_armed(0);
	kexec_now();
}

/* Every sequence number from 0 to what the sender sent, exactly once. */
static int nic_all_seen(const struct nic *n)
{
	u64 s, missing = 0, first = 0;

	if (!n->st->ends)
		return fail("no END frame");
	for (s = 0; s < n->st->end_count && s < NIC_MAX_SEQ; s++)
		if (!n->seen[s] && !missing++)
			first = s;
	if (missing)
		return fail("%llu of %llu frames missing, the first seq %llu",
			    (unsigned long long)missing, (unsigned long long)n->st->end_count,
			    (unsigned long long)first);
	return 0;
}

/*
 * Kernel B: restore the ring, bind and adopt the NIC, take the ring over
 * (what it wrote while A shut down and B booted, then giving descriptors
 * back through RDT), rebuild the IOAS and an HWPT, replace, destroy, and
 * go on receiving until the sender's END.
 */
static void cmd_nic_live(const struct args *a)
{
	struct kho_finish fin = { .size = sizeof(fin) };
	u32 frozen = 0, hwpt = 0;
	struct nic n;
	int ret;

	(void)a;
	nic_init(&n);
	if (!tap(open_kho(), "open " KHO_DEV) ||
	    !tap(kho_restore("nic-ram", &n.fd) ? fail("KHO_MEMFD_RESTORE nic-ram") :
		 nic_map_ram(&n, MAP_POPULATE) ?:
		 (n.st->magic == NIC_STATE_MAGIC ? 0 : fail("no receiver state in nic-ram")),
		 "KHO_MEMFD_RESTORE nic-ram, mapped and locked, A's receiver state in it") ||
	    !tap(dev_open(&n.ev, 0), "e1000 (%s) bound again, on its frozen domain", n.ev.bdf) ||
	    !tap(ok_or(kho_adopt(&n.ev, n.ev.devid, TOKEN_NIC_HWPT, &frozen)),
		 "IOMMU_KHO_ADOPT: HWPT %u", frozen) ||
	    !tap(edu_vfio_setup_bar(&n.ev) ? fail("%s", n.ev.err) : 0, "BAR0 mapped"))
		goto out;
	if (!tap(nic_poll(&n), "the ring taken over: %llu frames so far, given back",
		 (unsigned long long)n.st->frames))
		goto out;
	ret = edu_vfio_map(&n.ev, n.map, NIC_IOVA, NIC_RAM_SIZE) ? fail("%s", n.ev.err) :
	      hwpt_alloc(&n.ev, &hwpt);
	if (!tap(ret, "IOAS rebuilt, HWPT %u on it", hwpt) ||
	    !tap(nic_poll(&n) ?: ok_or(dev_attach(&n.ev, hwpt)),
		 "replace: the frozen domain by HWPT %u", hwpt))
		goto out;
	printf("nic_rx: replaced\n");
	if (!tap(nic_poll(&n) ?: ok_or(obj_destroy(&n.ev, frozen)),
		 "IOMMU_DESTROY the adopted HWPT %u", frozen) ||
	    !tap(nic_wait(&n, nic_ended, "END"), "received until the sender's END"))
		goto out;
	printf("nic_rx: B frames=%llu sent=%llu corrupt=%llu dups=%llu probes=%llu\n",
	       (unsigned long long)n.st->frames, (unsigned long long)n.st->end_count,
	       (unsigned long long)n.st->corrupt, (unsigned long long)n.st->dups,
	       (unsigned long long)n.st->probes);
	tap(n.st->corrupt ? fail("%llu corrupt, first: %s",
				 (unsigned long long)n.st->corrupt, n.first_bad) : 0,
	    "every frame intact");
	tap(n.st->dups ? fail("%llu twice, first: %s",
			      (unsigned long long)n.st->dups, n.first_bad) : 0,
	    "no frame twice");
	tap(nic_all_seen(&n), "every frame the sender sent arrived");
	tap(ioctl(kho_fd, KHO_FINISH, &fin) ? fail("KHO_FINISH: %s", strerror(errno)) : 0,
	    "KHO_FINISH");
out:
	edu_vfio_close(&n.ev);
}

enum arg_kind {
	ARGS_NONE,	/* errors */
	ARGS_SEED,	/* check SEED */
	ARGS_ARM,	/* arm SEED DELAY_MS [TOKEN_HWPT TOKEN_DEV] */
	ARGS_MODE,	/* fenced SEED node|handover */
	ARGS_LIVE,	/* live SEED GEN [again DELAY_MS] */
};

struct command {
	const char *name;
	void (*run)(const struct args *a);
	enum arg_kind kind;
	bool kexecs;		/* returns only on failure */
	bool corrupt;		/* takes corrupt=WORD */
};

static const struct command commands[] = {
	{ "arm", cmd_arm, ARGS_ARM, true, true },
	{ "check", cmd_check, ARGS_SEED, false, false },
	{ "isolate-arm", cmd_isolate_arm, ARGS_ARM, true, false },
	{ "isolate-check", cmd_isolate_check, ARGS_SEED, false, false },
	{ "abort", cmd_abort, ARGS_ARM, true, false },
	{ "fenced", cmd_fenced, ARGS_MODE, false, false },
	{ "errors", cmd_errors, ARGS_NONE, false, false },
	{ "live", cmd_live, ARGS_LIVE, false, false },
	{ "gap-arm", cmd_gap_arm, ARGS_SEED, true, false },
	{ "nic-arm", cmd_nic_arm, ARGS_SEED, true, false },
	{ "nic-live", cmd_nic_live, ARGS_SEED, false, false },
	{ "replace-dma", cmd_replace_dma, ARGS_SEED, false, false },
	{ "adopt-errors", cmd_adopt_errors, ARGS_SEED, false, false },
};

static bool parse_u64(const char *s, u64 *val)
{
	char *end;

	errno = 0;
	*val = strtoull(s, &end, 0);
	return !errno && end != s && !*end && s[0] != '-';
}

static const struct command *parse_args(int argc, char **argv, struct args *a)
{
	const struct command *c = NULL;
	unsigned int i;
	int next = 3;
	u64 val;

	memset(a, 0, sizeof(*a));
	a->tokens.hwpt = TOKEN_HWPT;
	a->tokens.dev = TOKEN_DEV;
	for (i = 0; argc > 1 && i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			c = &commands[i];
	if (!c)
		return NULL;
	if (c->kind == ARGS_NONE)
		return argc == 2 ? c : NULL;
	if (argc < 3 || !parse_u64(argv[2], &a->seed))
		return NULL;
	if (c->kind == ARGS_SEED && argc == 4 && !strcmp(argv[3], "finish")) {
		a->finish = true;
		next = 4;
	}
	if (c->kind == ARGS_LIVE) {
		if (argc < 4 || !parse_u64(argv[3], &val) || !val || val >= sizeof(gen_name) - 1)
			return NULL;
		a->gen = val;
		next = 4;
		if (argc == 6 && !strcmp(argv[4], "again") && parse_u64(argv[5], &val) &&
		    val <= 60000) {
			a->again = true;
			a->delay = val;
			next = 6;
		} else if (argc == 5 && !strcmp(argv[4], "gap")) {
			a->gap = true;
			next = 5;
		}
		return next == argc ? c : NULL;
	}
	if (c->kind == ARGS_MODE) {
		a->mode = argc == 4 ? argv[3] : "";
		return !strcmp(a->mode, "node") || !strcmp(a->mode, "handover") ? c : NULL;
	}
	if (c->kind == ARGS_ARM) {
		if (argc < 4 || !parse_u64(argv[3], &val) || val > 60000)
			return NULL;
		a->delay = val;
		next = 4;
		if (argc >= next + 2 && parse_u64(argv[next], &a->tokens.hwpt) &&
		    parse_u64(argv[next + 1], &a->tokens.dev))
			next += 2;
		if (c->corrupt && next < argc && !strncmp(argv[next], "corrupt=", 8) &&
		    argv[next][8]) {
			a->corrupt = argv[next] + 8;
			next++;
		}
	}
	return next == argc ? c : NULL;
}

int main(int argc, char **argv)
{
	const struct command *c;
	struct args a;
	bool pass;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = (size_t)sysconf(_SC_PAGESIZE);
	c = parse_args(argc, argv, &a);
	if (!c) {
		fprintf(stderr,
			"usage: %s arm SEED DELAY_MS [TOKEN_HWPT TOKEN_DEV] [corrupt=WORD]\n"
			"       %s check SEED [finish]\n"
			"       %s isolate-arm SEED DELAY_MS [TOKEN_HWPT TOKEN_DEV]\n"
			"       %s isolate-check SEED\n"
			"       %s abort SEED DELAY_MS [TOKEN_HWPT TOKEN_DEV]\n"
			"       %s fenced SEED node|handover\n"
			"       %s errors\n"
			"       %s live SEED GEN [again DELAY_MS | gap]\n"
			"       %s gap-arm SEED\n"
			"       %s nic-arm SEED\n"
			"       %s nic-live SEED\n"
			"       %s replace-dma SEED\n"
			"       %s adopt-errors SEED\n",
			argv[0], argv[0], argv[0], argv[0], argv[0], argv[0], argv[0],
			argv[0], argv[0], argv[0], argv[0], argv[0], argv[0]);
		printf("vtd_kho: FAIL\n");
		return 2;
	}
	printf("TAP version 13\n");
	diag("vtd_kho %s", c->name);
	c->run(&a);
	printf("1..%u\n", tap_total);
	/* A command that kexecs is back here only if something failed. */
	pass = tap_total && !tap_failed && !c->kexecs && !a.again;
	printf("vtd_kho: %s\n", pass ? "PASS" : "FAIL");
	return pass ? 0 : 1;
}
