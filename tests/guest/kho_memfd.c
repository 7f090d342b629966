// SPDX-License-Identifier: GPL-2.0
/*
 * kho_memfd - memfds kept across kexec through /dev/kho, tested from
 * userspace.
 *
 *   kho_memfd errors                  every error of the ioctls on a cold
 *                                     boot, then a fail-nth pass over
 *                                     KHO_MEMFD_PRESERVE
 *   kho_memfd preserve NAME SIZE SEED fill a memfd from SEED, seal it,
 *                                     preserve it, and its page frame
 *                                     numbers in a second memfd NAME.pfns
 *   kho_memfd restore NAME SIZE SEED  on the next kernel: list, restore
 *                                     both, check size, seals, every byte
 *                                     and every page frame number
 *   kho_memfd dma NAME                edu DMA through iommufd into NAME
 *                                     (restored earlier in this process)
 *   kho_memfd restore-fail-nth        the next restore is a fail-nth pass:
 *                                     each failure ENOMEM, the memfd still
 *                                     restorable, until one succeeds
 *   kho_memfd finish                  KHO_FINISH
 *   kho_memfd absent NAME             nothing can be restored any more
 *   kho_memfd gone NAME               NAME cannot be restored (ENOENT)
 *
 * Commands combine in one run ("restore vm-ram 4M 1 dma vm-ram"): restored
 * memfds live in the process. SIZE takes a K, M or G suffix and must be a
 * multiple of the page size.
 *
 * Output is TAP: one numbered line per check, the plan, then
 * "kho_memfd: PASS" or "kho_memfd: FAIL". Exit status 0 only if every
 * check passed; nothing is ever skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include <linux/kho.h>

#include "edu_vfio.h"
#include "tap.h"
#include "fail_nth.h"

/* Newer than the C library's headers. */
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC		0x0020
#endif
#ifndef MFD_EXEC
#define MFD_EXEC		0x0010U
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB		0x0004U
#endif
#define MFD_HUGE_SHIFT		26	/* log2 of the page size, as mmap's */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#endif

#define KHO_DEV			"/dev/kho"
#define KHO_DEBUGFS		"/sys/kernel/debug/kho"
#define KHO_STATS		KHO_DEBUGFS "/stats"
#define KHO_FREEZE		KHO_DEBUGFS "/out/freeze"
#define DEBUGFS			"/sys/kernel/debug"
#define PAGEMAP_PATH		"/proc/self/pagemap"
#define BIT_ULL(n)		(1ULL << (n))
#define PAGEMAP_PRESENT		BIT_ULL(63)
#define PAGEMAP_PFN_MASK	(BIT_ULL(55) - 1)
#define KPAGEFLAGS_PATH		"/proc/kpageflags"
#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16
#define KPF_HUGE		17
#define KPF_THP			22
/*
 * A saved page word is the page's pfn and, above any pfn, its place in
 * its folio as /proc/kpageflags tells it: two memfds whose words are equal
 * have the same folios, at the same pfns, of the same orders.
 */
#define PAGE_FOLIO_HEAD		BIT_ULL(62)
#define PAGE_FOLIO_TAIL		BIT_ULL(61)
#define PAGE_FOLIO_THP		BIT_ULL(60)
#define PAGE_FOLIO_HUGETLB	BIT_ULL(59)
#define PAGE_PFN(word)		((word) & PAGEMAP_PFN_MASK)

#define PFNS_SUFFIX		".pfns"
/* The seals of NAME.pfns: everything but F_SEAL_EXEC and FUTURE_WRITE. */
#define PFNS_SEALS		(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
				 F_SEAL_WRITE)
#define SIZE_FROZEN		(F_SEAL_GROW | F_SEAL_SHRINK)

#define SMALL_SIZE		(64 * 1024)
#define FAIL_NTH_MAX		10000U
#define MAX_RESTORED		16
#define DMA_IOVA_START		0x1000000ULL
#define DMA_TIMEOUT_MS		10000U

static size_t page_size;
static int kho_fd = -1;
/*
 * memfd_create() flags of the memfds preserve and fail-nth make, and their
 * huge page size (0: shmem): see "hugetlb PAGESIZE".
 */
static unsigned int huge_flags;
static u64 huge_size;

/* A memfd restored in this process, for later commands (dma). */
struct restored {
	char name[KHO_NAME_MAX];
	int fd;
	u64 size;
	u64 seed;
	u64 nr_pages;
	u64 *pfns;		/* as kernel A saw them */
	u8 *map;		/* MAP_SHARED of the whole memfd */
};

static struct restored restored[MAX_RESTORED];
static unsigned int nr_restored;

/* ---- the PRNG and hashes ----------------------------------------------- */

/* splitmix64 of word @i: any word of the stream costs the same. */
static u64 prng_word(u64 seed, u64 i)
{
	u64 z = seed + (i + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void prng_fill(u64 *p, u64 first_word, u64 nr_words, u64 seed)
{
	u64 i;

	for (i = 0; i < nr_words; i++)
		p[i] = prng_word(seed, first_word + i);
}

/* Words of @p that differ from the stream; the first one in @first. */
static u64 prng_diffs(const u64 *p, u64 first_word, u64 nr_words, u64 seed,
		      u64 *first)
{
	u64 i, n = 0;

	for (i = 0; i < nr_words; i++) {
		if (p[i] == prng_word(seed, first_word + i))
			continue;
		if (!n++)
			*first = i;
	}
	return n;
}

/*
 * Before a timed call: the console has sent everything printed so far, so
 * that its interrupts do not run inside the measurement (on the serial
 * console of a TCG guest they cost milliseconds). Not a tty: nothing to do.
 */
static void drain_console(void)
{
	fflush(stdout);
	fflush(stderr);
	tcdrain(STDOUT_FILENO);
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* FNV-1a over the bytes of the pfns. */
static u64 pfn_hash(const u64 *pfns, u64 nr)
{
	u64 h = 0xcbf29ce484222325ULL, i;
	unsigned int b;

	for (i = 0; i < nr; i++) {
		for (b = 0; b < 8; b++) {
			h ^= (pfns[i] >> (8 * b)) & 0xff;
			h *= 0x100000001b3ULL;
		}
	}
	return h;
}

/* ---- small helpers ----------------------------------------------------- */

static bool parse_u64(const char *s, u64 *val)
{
	char *end;

	errno = 0;
	*val = strtoull(s, &end, 0);
	return !errno && end != s && !*end && s[0] != '-';
}

/* A size with an optional K, M or G suffix, a multiple of the page size. */
static bool parse_size(const char *s, u64 *val)
{
	unsigned int shift = 0;
	char buf[32], *end;
	size_t len = strlen(s);

	if (!len || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len + 1);
	end = buf + len - 1;
	switch (*end) {
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	}
	if (shift)
		*end = '\0';
	if (!parse_u64(buf, val) || !*val || *val >> (63 - shift))
		return false;
	*val <<= shift;
	return !(*val % page_size);
}

static int kho_ioctl(unsigned long req, void *arg)
{
	return ioctl(kho_fd, req, arg) ? -errno : 0;
}

static int preserve(int fd, const char *name)
{
	struct kho_memfd_preserve cmd = { .size = sizeof(cmd), .fd = fd };

	snprintf(cmd.name, sizeof(cmd.name), "%s", name);
	return kho_ioctl(KHO_MEMFD_PRESERVE, &cmd);
}

static int unpreserve(const char *name)
{
	struct kho_memfd_unpreserve cmd = { .size = sizeof(cmd) };

	snprintf(cmd.name, sizeof(cmd.name), "%s", name);
	return kho_ioctl(KHO_MEMFD_UNPRESERVE, &cmd);
}

static int restore(const char *name, int *fd)
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

static int list(u32 index, struct kho_memfd_list *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->index = index;
	return kho_ioctl(KHO_MEMFD_LIST, cmd);
}

static int finish(void)
{
	struct kho_finish cmd = { .size = sizeof(cmd) };

	return kho_ioctl(KHO_FINISH, &cmd);
}

static int open_kho(void)
{
	if (kho_fd >= 0)
		return 0;
	kho_fd = open(KHO_DEV, O_RDWR | O_CLOEXEC);
	if (kho_fd < 0)
		return fail_errno("open " KHO_DEV);
	return 0;
}

/* A memfd of @size bytes (holes), or -1 with a reason. */
static int new_memfd(const char *name, u64 size, unsigned int flags)
{
	int fd = memfd_create(name, flags);

	if (fd < 0)
		return fail_errno("memfd_create %s", name);
	if (size && ftruncate(fd, size)) {
		fail_errno("ftruncate %s to %llu", name, (unsigned long long)size);
		close(fd);
		return -1;
	}
	return fd;
}

static int get_seals(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	return seals < 0 ? -errno : seals;
}

static int expect_seals(int fd, int want)
{
	int seals = get_seals(fd);

	if (seals < 0)
		return fail("F_GET_SEALS: %s", errname(-seals));
	if (seals != want)
		return fail("seals %#x, expected %#x", seals, want);
	return 0;
}

/* Grow by a page and shrink back: the size is not frozen. */
static int expect_resizable(int fd, u64 size)
{
	/* hugetlbfs sizes are whole huge pages */
	if (ftruncate(fd, size + (huge_size ?: page_size)))
		return fail_errno("ftruncate to grow");
	if (ftruncate(fd, size))
		return fail_errno("ftruncate to shrink");
	return 0;
}

static int expect_size(int fd, u64 size)
{
	struct stat st;

	if (fstat(fd, &st))
		return fail_errno("fstat");
	if ((u64)st.st_size != size)
		return fail("size %lld, expected %llu", (long long)st.st_size,
			    (unsigned long long)size);
	return 0;
}

/* ---- debugfs kho/stats ------------------------------------------------- */

struct kho_stats {
	unsigned long preserved_pages;
	unsigned long memfds;
	unsigned long memfd_pages;
	char text[8192];
};

static int read_stats(struct kho_stats *s)
{
	const char *p;

	if (read_file(KHO_STATS, s->text, sizeof(s->text)))
		return -1;
	p = strstr(s->text, "preserved pages: ");
	if (!p || sscanf(p, "preserved pages: %lu", &s->preserved_pages) != 1)
		return fail("no 'preserved pages' in " KHO_STATS);
	p = strstr(s->text, "memfds: ");
	if (!p || sscanf(p, "memfds: %lu, pages: %lu", &s->memfds,
			 &s->memfd_pages) != 2)
		return fail("no 'memfds: N, pages: N' in " KHO_STATS);
	return 0;
}

/* Nothing preserved: no page, no memfd. */
static int expect_nothing_preserved(void)
{
	struct kho_stats s;

	if (read_stats(&s))
		return -1;
	if (s.preserved_pages || s.memfds || s.memfd_pages)
		return fail("stats show %lu preserved pages, %lu memfds with %lu pages",
			    s.preserved_pages, s.memfds, s.memfd_pages);
	return 0;
}

/* The stats list memfd @name with @size bytes in @pages pages. */
static int expect_stats_memfd(const char *name, u64 size, u64 pages)
{
	struct kho_stats s;
	char line[160];

	if (read_stats(&s))
		return -1;
	snprintf(line, sizeof(line), "memfd %s: %llu bytes, %llu pages, ", name,
		 (unsigned long long)size, (unsigned long long)pages);
	if (!strstr(s.text, line))
		return fail("no line '%.*s' in " KHO_STATS, (int)strlen(line) - 1,
			    line);
	return 0;
}

/* ---- pagemap ----------------------------------------------------------- */

/* Add each page's place in its folio (PAGE_FOLIO_*) to its pfn. */
static int read_folio_shape(u64 *pfns, u64 nr)
{
	u64 i, flags;
	int fd;

	fd = open(KPAGEFLAGS_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno("open " KPAGEFLAGS_PATH);
	for (i = 0; i < nr; i++) {
		if (pread(fd, &flags, 8, pfns[i] * 8) != 8) {
			close(fd);
			return fail_errno("read " KPAGEFLAGS_PATH " of pfn %#llx",
					  (unsigned long long)pfns[i]);
		}
		if (flags & BIT_ULL(KPF_COMPOUND_HEAD))
			pfns[i] |= PAGE_FOLIO_HEAD;
		if (flags & BIT_ULL(KPF_COMPOUND_TAIL))
			pfns[i] |= PAGE_FOLIO_TAIL;
		if (flags & BIT_ULL(KPF_THP))
			pfns[i] |= PAGE_FOLIO_THP;
		if (flags & BIT_ULL(KPF_HUGE))
			pfns[i] |= PAGE_FOLIO_HUGETLB;
	}
	close(fd);
	return 0;
}

/*
 * Folios in @words (pages that are no folio's tail), and the huge ones:
 * THP or hugetlb.
 */
static void count_folios(const u64 *words, u64 nr, u64 *folios, u64 *huge)
{
	u64 i;

	*folios = *huge = 0;
	for (i = 0; i < nr; i++) {
		if (words[i] & PAGE_FOLIO_TAIL)
			continue;
		(*folios)++;
		if ((words[i] & PAGE_FOLIO_HEAD) &&
		    (words[i] & (PAGE_FOLIO_THP | PAGE_FOLIO_HUGETLB)))
			(*huge)++;
	}
}

/*
 * The page words (pfn and place in its folio) of the @nr pages mapped at
 * @va. The mapping is populated first, so that every page has its page
 * table entry.
 */
static int read_pfns(const u8 *va, u64 nr, u64 *pfns)
{
	u64 i, off = (uintptr_t)va / page_size * 8, done = 0;
	ssize_t n;
	int fd;

	if (madvise((void *)va, nr * page_size, MADV_POPULATE_READ))
		return fail_errno("MADV_POPULATE_READ");
	fd = open(PAGEMAP_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno("open " PAGEMAP_PATH);
	while (done < nr * 8) {
		n = pread(fd, (u8 *)pfns + done, nr * 8 - done, off + done);
		if (n <= 0) {
			if (n < 0)
				fail_errno("read " PAGEMAP_PATH);
			else
				fail("short read of " PAGEMAP_PATH);
			close(fd);
			return -1;
		}
		done += n;
	}
	close(fd);
	for (i = 0; i < nr; i++) {
		if (!(pfns[i] & PAGEMAP_PRESENT))
			return fail("page %llu is not present in " PAGEMAP_PATH,
				    (unsigned long long)i);
		pfns[i] &= PAGEMAP_PFN_MASK;
		if (!pfns[i])
			return fail(PAGEMAP_PATH " hides the pfn of page %llu (not root?)",
				    (unsigned long long)i);
	}
	return read_folio_shape(pfns, nr);
}

static u8 *map_memfd(int fd, u64 size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, 0);

	if (p == MAP_FAILED) {
		fail_errno("mmap %llu bytes", (unsigned long long)size);
		return NULL;
	}
	return p;
}

/* ---- errors: every error of the ioctls, on a cold boot ----------------- */

/* A preserve struct with a trailing part the kernel does not know. */
struct preserve_plus {
	struct kho_memfd_preserve cmd;
	u64 tail;
};

static int check_preserve_args(int fd)
{
	struct kho_memfd_preserve cmd = { .size = sizeof(cmd), .fd = fd };
	struct preserve_plus plus;
	char long_name[KHO_NAME_MAX];
	int ret;

	snprintf(cmd.name, sizeof(cmd.name), "args");
	cmd.flags = 1;
	tap(expect(kho_ioctl(KHO_MEMFD_PRESERVE, &cmd), EOPNOTSUPP),
	    "preserve with flags 0x1 -> EOPNOTSUPP");
	cmd.flags = 1U << 31;
	tap(expect(kho_ioctl(KHO_MEMFD_PRESERVE, &cmd), EOPNOTSUPP),
	    "preserve with flags 0x80000000 -> EOPNOTSUPP");
	cmd.flags = 0;

	cmd.__reserved = 1;
	tap(expect(kho_ioctl(KHO_MEMFD_PRESERVE, &cmd), EOPNOTSUPP),
	    "preserve with __reserved != 0 -> EOPNOTSUPP");
	cmd.__reserved = 0;

	cmd.size = sizeof(cmd) - 1;
	ret = expect(kho_ioctl(KHO_MEMFD_PRESERVE, &cmd), EINVAL);
	cmd.size = 0;
	if (!ret)
		ret = expect(kho_ioctl(KHO_MEMFD_PRESERVE, &cmd), EINVAL);
	tap(ret, "preserve with size %zu and 0 (first version is %zu) -> EINVAL",
	    sizeof(cmd) - 1, sizeof(cmd));
	cmd.size = sizeof(cmd);

	tap(expect(kho_ioctl(KHO_MEMFD_PRESERVE, NULL), EFAULT),
	    "preserve with a NULL argument -> EFAULT");

	memset(&plus, 0, sizeof(plus));
	plus.cmd = cmd;
	plus.cmd.size = sizeof(plus);
	plus.tail = 1ULL << 60;
	tap(expect(kho_ioctl(KHO_MEMFD_PRESERVE, &plus), E2BIG),
	    "preserve with a %zu-byte struct, non-zero tail -> E2BIG", sizeof(plus));
	plus.tail = 0;
	ret = kho_ioctl(KHO_MEMFD_PRESERVE, &plus);
	if (ret)
		fail("got %s", errname(-ret));
	else if (unpreserve(cmd.name))
		ret = fail("accepted, but unpreserve failed");
	tap(ret, "preserve with a %zu-byte struct, zero tail -> accepted",
	    sizeof(plus));

	cmd.name[0] = '\0';
	tap(expect(kho_ioctl(KHO_MEMFD_PRESERVE, &cmd), EINVAL),
	    "preserve with an empty name -> EINVAL");

	memset(cmd.name, 'x', sizeof(cmd.name));
	tap(expect(kho_ioctl(KHO_MEMFD_PRESERVE, &cmd), EINVAL),
	    "preserve with a name without NUL in %d bytes -> EINVAL",
	    KHO_NAME_MAX);

	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	ret = preserve(fd, long_name);
	if (ret)
		fail("got %s", errname(-ret));
	else if (unpreserve(long_name))
		ret = fail("accepted, but unpreserve failed");
	tap(ret, "preserve with a %d-byte name -> accepted", KHO_NAME_MAX - 1);
	return 0;
}

static int check_preserve_files(int fd)
{
	int pipefd[2], null_fd, closed_fd, huge_fd, ret;

	closed_fd = dup(fd);
	if (closed_fd >= 0)
		close(closed_fd);
	ret = expect(preserve(-1, "badfd"), EBADF);
	if (!ret)
		ret = expect(preserve(closed_fd, "badfd"), EBADF);
	tap(ret, "preserve fd -1 and a closed fd -> EBADF");

	ret = -1;
	if (pipe(pipefd)) {
		fail_errno("pipe");
	} else {
		ret = expect(preserve(pipefd[0], "pipe"), EINVAL);
		close(pipefd[0]);
		close(pipefd[1]);
	}
	tap(ret, "preserve a pipe -> EINVAL");

	ret = -1;
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0) {
		fail_errno("open /dev/null");
	} else {
		ret = expect(preserve(null_fd, "null"), EINVAL);
		close(null_fd);
	}
	tap(ret, "preserve /dev/null -> EINVAL");

	ret = -1;
	huge_fd = memfd_create("kho-huge", MFD_HUGETLB | MFD_ALLOW_SEALING);
	if (huge_fd < 0) {
		fail_errno("memfd_create MFD_HUGETLB");
	} else {
		ret = preserve(huge_fd, "huge");
		if (ret)
			fail("%s", errname(-ret));
		else if (unpreserve("huge"))
			ret = fail("accepted, but unpreserve failed");
		close(huge_fd);
	}
	tap(ret, "preserve an empty hugetlb memfd -> accepted (and unpreserved)");
	return 0;
}

/* @fd is preserved as "frozen" with the original seals @seals0. */
static void check_frozen_size(int fd, int seals0)
{
	char byte = 1;

	tap(expect_seals(fd, seals0 | SIZE_FROZEN),
	    "preserved memfd: F_GET_SEALS shows GROW|SHRINK added to %#x", seals0);
	tap(expect(ftruncate(fd, SMALL_SIZE / 2) ? -errno : 0, EPERM),
	    "preserved memfd: ftruncate to shrink -> EPERM");
	tap(expect(ftruncate(fd, SMALL_SIZE * 2) ? -errno : 0, EPERM),
	    "preserved memfd: ftruncate to grow -> EPERM");
	tap(expect(pwrite(fd, &byte, 1, SMALL_SIZE) < 0 ? -errno : 0, EPERM),
	    "preserved memfd: write past EOF -> EPERM");
	tap(expect(fallocate(fd, 0, SMALL_SIZE, page_size) ? -errno : 0, EPERM),
	    "preserved memfd: fallocate beyond EOF -> EPERM");
	tap(pwrite(fd, &byte, 1, SMALL_SIZE - 1) == 1 ? expect_size(fd, SMALL_SIZE) :
	    fail_errno("pwrite"), "preserved memfd: writing inside EOF still works");
}

static int check_preserved(void)
{
	int fd, fd2, dup_fd, seals0, ret;

	fd = new_memfd("kho-frozen", SMALL_SIZE, MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0) {
		tap(-1, "memfd for the preserved-memfd checks");
		return -1;
	}
	seals0 = get_seals(fd);
	ret = preserve(fd, "frozen");
	if (ret)
		fail("got %s", errname(-ret));
	else
		ret = expect_stats_memfd("frozen", SMALL_SIZE, SMALL_SIZE / page_size);
	if (!tap(ret, "preserve 64 KiB with holes as 'frozen', stats show all its pages")) {
		close(fd);
		return -1;
	}

	fd2 = new_memfd("kho-other", SMALL_SIZE, MFD_ALLOW_SEALING | MFD_EXEC);
	ret = fd2 < 0 ? -1 : expect(preserve(fd2, "frozen"), EEXIST);
	tap(ret, "preserve another memfd under the name 'frozen' -> EEXIST");
	if (fd2 >= 0) {
		ret = expect_seals(fd2, seals0);
		if (!ret)
			ret = expect_resizable(fd2, SMALL_SIZE);
		tap(ret, "after EEXIST the other memfd has its seals and size free");
		close(fd2);
	}

	ret = expect(preserve(fd, "frozen-again"), EEXIST);
	dup_fd = dup(fd);
	if (!ret)
		ret = dup_fd < 0 ? fail_errno("dup") :
		      expect(preserve(dup_fd, "frozen-dup"), EEXIST);
	if (dup_fd >= 0)
		close(dup_fd);
	tap(ret, "preserve the same memfd (same fd, and a dup) under a second name -> EEXIST");

	check_frozen_size(fd, seals0);

	tap(expect(unpreserve("no-such-memfd"), ENOENT),
	    "unpreserve an unknown name -> ENOENT");

	ret = unpreserve("frozen");
	if (ret)
		fail("unpreserve: %s", errname(-ret));
	else
		ret = expect_seals(fd, seals0);
	if (!ret)
		ret = expect_resizable(fd, SMALL_SIZE);
	if (!ret)
		ret = expect_nothing_preserved();
	tap(ret, "unpreserve -> 0, seals back to %#x, ftruncate works, nothing preserved",
	    seals0);

	ret = expect(unpreserve("frozen"), ENOENT);
	tap(ret, "unpreserve it a second time -> ENOENT");
	close(fd);
	return 0;
}

/* A seal added while preserved is a seal: unpreserve must not drop it. */
static void check_seal_added_while_preserved(void)
{
	int fd, seals0, ret;

	fd = new_memfd("kho-sealed", SMALL_SIZE, MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0) {
		tap(-1, "a seal added while preserved survives unpreserve");
		return;
	}
	seals0 = get_seals(fd);
	ret = preserve(fd, "sealed");
	if (ret)
		fail("preserve: %s", errname(-ret));
	else if (fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE))
		ret = fail_errno("F_ADD_SEALS F_SEAL_FUTURE_WRITE");
	if (!ret) {
		ret = unpreserve("sealed");
		if (ret)
			fail("unpreserve: %s", errname(-ret));
	}
	if (!ret)
		ret = expect_seals(fd, seals0 | F_SEAL_FUTURE_WRITE);
	tap(ret, "a seal added while preserved (FUTURE_WRITE) survives unpreserve");
	close(fd);
}

static void check_other_ioctls(void)
{
	struct kho_memfd_unpreserve unp = { .size = sizeof(unp), .flags = 1 };
	struct kho_memfd_restore res = { .size = sizeof(res) };
	struct kho_memfd_list lst;
	struct kho_finish fin = { .size = sizeof(fin), .flags = 1 };
	int fd = -1, ret;

	snprintf(unp.name, sizeof(unp.name), "x");
	tap(expect(kho_ioctl(KHO_MEMFD_UNPRESERVE, &unp), EOPNOTSUPP),
	    "unpreserve with flags 0x1 -> EOPNOTSUPP");

	snprintf(res.name, sizeof(res.name), "x");
	res.flags = 1U << 1;
	ret = expect(kho_ioctl(KHO_MEMFD_RESTORE, &res), EOPNOTSUPP);
	res.flags = 0;
	res.__reserved = 1;
	if (!ret)
		ret = expect(kho_ioctl(KHO_MEMFD_RESTORE, &res), EOPNOTSUPP);
	tap(ret, "restore with flags 0x2, and with __reserved != 0 -> EOPNOTSUPP");

	list(0, &lst);
	lst.flags = 1;
	tap(expect(kho_ioctl(KHO_MEMFD_LIST, &lst), EOPNOTSUPP),
	    "list with flags 0x1 -> EOPNOTSUPP");

	tap(expect(kho_ioctl(KHO_FINISH, &fin), EOPNOTSUPP),
	    "finish with flags 0x1 -> EOPNOTSUPP");

	ret = expect(kho_ioctl(_IO(KHO_TYPE, KHO_CMD_FINISH + 1), &fin), ENOTTY);
	if (!ret)
		ret = expect(kho_ioctl(_IO(KHO_TYPE, KHO_CMD_BASE - 1), &fin), ENOTTY);
	if (!ret)
		ret = expect(kho_ioctl(_IOWR(KHO_TYPE, KHO_CMD_MEMFD_LIST,
					     struct kho_memfd_list), &lst), ENOTTY);
	if (!ret)
		ret = expect(kho_ioctl(_IO(KHO_TYPE + 1, KHO_CMD_MEMFD_LIST), &lst),
			     ENOTTY);
	tap(ret, "unknown ioctls (nr past the end or below, _IOWR of LIST, other type) -> ENOTTY");

	tap(expect(restore("anything", &fd), ENOENT),
	    "restore on a cold boot -> ENOENT");
	if (fd >= 0)
		close(fd);
	tap(expect(list(0, &lst), ENOENT), "list on a cold boot -> ENOENT");
	tap(expect(finish(), ENODEV), "finish on a cold boot -> ENODEV");
}

static int check_freeze(void)
{
	int fd1, fd2, seals0, ret;

	fd1 = new_memfd("kho-f1", SMALL_SIZE, MFD_ALLOW_SEALING | MFD_EXEC);
	fd2 = new_memfd("kho-f2", SMALL_SIZE, MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd1 < 0 || fd2 < 0) {
		tap(-1, "memfds for the freeze checks");
		return -1;
	}
	seals0 = get_seals(fd2);
	ret = preserve(fd1, "f1");
	if (ret)
		fail("preserve f1: %s", errname(-ret));
	else
		ret = write_file(KHO_FREEZE, "1");
	if (!tap(ret, "preserve f1, then freeze through debugfs"))
		return -1;

	tap(expect(preserve(fd2, "f2"), EBUSY), "frozen: preserve -> EBUSY");
	ret = expect_seals(fd2, seals0);
	if (!ret)
		ret = expect_resizable(fd2, SMALL_SIZE);
	tap(ret, "frozen: the refused memfd has its seals back and can be truncated");
	tap(expect(unpreserve("f1"), EBUSY), "frozen: unpreserve -> EBUSY");

	ret = write_file(KHO_FREEZE, "0");
	tap(ret, "abort the freeze through debugfs");

	ret = preserve(fd2, "f2");
	if (ret)
		fail("preserve f2: %s", errname(-ret));
	tap(ret, "after abort: preserve works again");
	ret = unpreserve("f1");
	if (ret)
		fail("unpreserve f1: %s", errname(-ret));
	else if (unpreserve("f2"))
		ret = fail("unpreserve f2 failed");
	if (!ret)
		ret = expect_nothing_preserved();
	tap(ret, "after abort: unpreserve works again, nothing left preserved");
	close(fd1);
	close(fd2);
	return 0;
}

/* ---- errors: fail-nth over KHO_MEMFD_PRESERVE -------------------------- */

/* The fail-nth memfd's size: SMALL_SIZE, or two huge pages. */
static u64 fail_nth_size(void)
{
	return huge_size ? 2 * huge_size : SMALL_SIZE;
}

/*
 * A fresh memfd of fail_nth_size(): first half written, second half holes
 * (written through a mapping: hugetlbfs has no write()).
 */
static int fail_nth_memfd(void)
{
	u64 size = fail_nth_size();
	void *map;
	int fd;

	fd = new_memfd("kho-fail-nth", size, MFD_ALLOW_SEALING | MFD_EXEC | huge_flags);
	if (fd < 0)
		return -1;
	map = mmap(NULL, size / 2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fail_errno("mmap the first half");
		close(fd);
		return -1;
	}
	memset(map, 0xa5, size / 2);
	munmap(map, size / 2);
	return fd;
}

/* After a failed preserve: exactly as before it. */
static int fail_nth_state(unsigned int n, int fd, int seals0)
{
	char inner[512];

	if (!expect_nothing_preserved() && !expect_seals(fd, seals0) &&
	    !expect_resizable(fd, fail_nth_size()))
		return 0;
	snprintf(inner, sizeof(inner), "%.500s", why);
	return fail("N=%u: after the call: %s", n, inner);
}

struct fail_nth_result {
	unsigned int tried;
	unsigned int failed;
	unsigned int absorbed;
};

/*
 * One N: 1 when the call succeeded without the fault firing (done), 0 to
 * go on, -1 on a broken rule.
 */
static int fail_nth_one(int nth_fd, unsigned int n, struct fail_nth_result *r)
{
	char buf[16];
	int fd, seals0, ret, err;
	ssize_t len;
	unsigned long left;

	fd = fail_nth_memfd();
	if (fd < 0)
		return -1;
	seals0 = get_seals(fd);
	len = snprintf(buf, sizeof(buf), "%u", n);

	/* Nothing between arming and the call: every fault site counts. */
	if (write(nth_fd, buf, len) != len) {
		ret = fail_errno("write %u to fail-nth", n);
		goto out;
	}
	err = preserve(fd, "fail-nth");
	len = pread(nth_fd, buf, sizeof(buf) - 1, 0);
	if (write(nth_fd, "0", 1) != 1 || len <= 0) {
		ret = fail_errno("fail-nth read back or disarm");
		goto out;
	}
	buf[len] = '\0';
	left = strtoul(buf, NULL, 10);
	r->tried = n;

	if (!err) {
		ret = unpreserve("fail-nth");
		if (ret) {
			fail("N=%u: unpreserve after success: %s", n, errname(-ret));
			goto out;
		}
		ret = fail_nth_state(n, fd, seals0);
		if (!ret && left) {
			ret = 1;
		} else if (!ret) {
			r->absorbed++;
			diag("N=%u: the fault fired, the preserve succeeded anyway", n);
		}
		goto out;
	}
	r->failed++;
	if (left) {
		ret = fail("N=%u: preserve failed with %s, no fault injected (fail-nth: %lu)",
			   n, errname(-err), left);
		goto out;
	}
	if (err != -ENOMEM) {
		ret = fail("N=%u: an allocation failure gave %s, expected ENOMEM",
			   n, errname(-err));
		goto out;
	}
	ret = fail_nth_state(n, fd, seals0);
out:
	close(fd);
	return ret;
}

static void check_fail_nth(void)
{
	struct fail_nth_result r = { 0 };
	unsigned int n;
	int nth_fd = -1, ret;

	ret = fault_settings_apply();
	if (!ret) {
		nth_fd = fail_nth_open();
		ret = nth_fd < 0 ? -1 : 0;
	}
	for (n = 1; !ret && n <= FAIL_NTH_MAX; n++)
		ret = fail_nth_one(nth_fd, n, &r);
	if (!ret)
		ret = fail("still failing at N=%u", FAIL_NTH_MAX);
	if (nth_fd >= 0)
		close(nth_fd);
	if (fault_settings_restore() && ret >= 0)
		ret = -1;
	if (!r.failed && ret > 0)
		ret = fail("no allocation of KHO_MEMFD_PRESERVE could be failed");
	tap(ret < 0, "fail-nth: KHO_MEMFD_PRESERVE (%s), N=1..%u tried: %u failed, %u absorbed",
	    huge_size ? "hugetlb" : "shmem", r.tried, r.failed, r.absorbed);
	tap(expect_nothing_preserved(), "after fail-nth: nothing preserved");
}

/* fail-nth: the fail-nth pass over KHO_MEMFD_PRESERVE alone. */
static void cmd_fail_nth(void)
{
	if (tap(open_kho(), "open " KHO_DEV))
		check_fail_nth();
}

static void cmd_errors(void)
{
	int fd, frozen;
	char buf[8];

	if (!tap(open_kho(), "open " KHO_DEV))
		return;
	tap(expect_nothing_preserved(), "cold boot: stats show nothing preserved");

	fd = new_memfd("kho-args", SMALL_SIZE, MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0) {
		tap(-1, "memfd for the argument checks");
		return;
	}
	check_preserve_args(fd);
	check_preserve_files(fd);
	close(fd);
	check_preserved();
	check_seal_added_while_preserved();
	check_other_ioctls();
	check_freeze();

	/* Never leave the machine frozen. */
	frozen = !read_file(KHO_FREEZE, buf, sizeof(buf)) && buf[0] == '1';
	if (frozen)
		write_file(KHO_FREEZE, "0");
	check_fail_nth();
}

/* ---- preserve NAME SIZE SEED ------------------------------------------- */

static int name_pfns(char *buf, const char *name)
{
	if ((size_t)snprintf(buf, KHO_NAME_MAX, "%s" PFNS_SUFFIX, name) >= KHO_NAME_MAX)
		return fail("name %s is too long", name);
	return 0;
}

static int preserve_pfns(const char *name, const u64 *pfns, u64 nr)
{
	char pname[KHO_NAME_MAX];
	u64 size = (nr * 8 + page_size - 1) / page_size * page_size;
	int fd, ret;

	if (name_pfns(pname, name))
		return -1;
	fd = new_memfd(pname, size, MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0)
		return -1;
	if (pwrite(fd, pfns, nr * 8, 0) != (ssize_t)(nr * 8)) {
		ret = fail_errno("write %s", pname);
	} else if (fcntl(fd, F_ADD_SEALS, PFNS_SEALS)) {
		ret = fail_errno("seal %s", pname);
	} else {
		ret = preserve(fd, pname);
		if (ret)
			fail("preserve %s: %s", pname, errname(-ret));
	}
	if (!ret)
		ret = expect_seals(fd, PFNS_SEALS);
	close(fd);
	return ret;
}

/*
 * No page in @pfns lies in scratch (the next kernel boots there). With
 * @before, the pfns before preservation, say how many pages it moved.
 */
static int expect_out_of_scratch(const u64 *pfns, u64 nr, const u64 *before)
{
	unsigned long long base[KHO_MAX_SCRATCH], size[KHO_MAX_SCRATCH];
	u64 i, pa, in = 0, was_in = 0, moved = 0;
	unsigned int nr_scratch = 0, s;
	char text[1024], *line;

	if (read_file(KHO_DEBUGFS "/out/scratch", text, sizeof(text)))
		return -1;
	for (line = strtok(text, "\n"); line && nr_scratch < KHO_MAX_SCRATCH;
	     line = strtok(NULL, "\n")) {
		if (sscanf(line, "%llx %llx", &base[nr_scratch], &size[nr_scratch]) == 2)
			nr_scratch++;
	}
	if (!nr_scratch)
		return fail("no scratch range in " KHO_DEBUGFS "/out/scratch");
	for (i = 0; i < nr; i++) {
		for (s = 0; s < nr_scratch; s++) {
			pa = PAGE_PFN(pfns[i]) * page_size;
			if (pa >= base[s] && pa - base[s] < size[s])
				in++;
			pa = before ? PAGE_PFN(before[i]) * page_size : 0;
			if (before && pa >= base[s] && pa - base[s] < size[s])
				was_in++;
		}
		if (before && PAGE_PFN(before[i]) != PAGE_PFN(pfns[i]))
			moved++;
	}
	if (before)
		diag("preservation moved %llu pages; %llu had been in scratch",
		     (unsigned long long)moved, (unsigned long long)was_in);
	if (in)
		return fail("%llu pages in scratch", (unsigned long long)in);
	return 0;
}

static void cmd_preserve(const char *name, u64 size, u64 seed)
{
	u64 nr = size / page_size, first = 0, n, *pfns = NULL, *before = NULL;
	u64 folios, huge, t;
	u8 *map = NULL;
	int fd, ret;

	if (!tap(open_kho(), "open " KHO_DEV))
		return;
	fd = new_memfd(name, size, MFD_ALLOW_SEALING | MFD_EXEC | huge_flags);
	if (fd >= 0) {
		map = map_memfd(fd, size);
		if (!map) {
			close(fd);
			fd = -1;
		}
	}
	if (!tap(fd < 0, "memfd %s of %llu bytes", name, (unsigned long long)size))
		return;
	prng_fill((u64 *)map, 0, size / 8, seed);
	/* On an executable memfd F_SEAL_EXEC would imply the write seals. */
	if (fchmod(fd, 0600))
		ret = fail_errno("fchmod 0600");
	else if (fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC))
		ret = fail_errno("F_ADD_SEALS F_SEAL_EXEC");
	else
		ret = expect_seals(fd, F_SEAL_EXEC);
	tap(ret, "filled from seed %llu, sealed F_SEAL_EXEC", (unsigned long long)seed);

	before = malloc(nr * 8);
	if (before && read_pfns(map, nr, before)) {
		diag("pagemap before preservation: %s", why);
		why[0] = '\0';
		free(before);
		before = NULL;
	}
	drain_console();
	t = now_ns();
	ret = preserve(fd, name);
	t = now_ns() - t;
	if (ret) {
		fail("%s", errname(-ret));
	} else {
		printf("kho_memfd: time preserve %s ns=%llu\n", name, (unsigned long long)t);
		ret = expect_seals(fd, F_SEAL_EXEC | SIZE_FROZEN);
	}
	if (!ret)
		ret = expect_stats_memfd(name, size, nr);
	if (!tap(ret, "KHO_MEMFD_PRESERVE %s: size frozen, in stats", name))
		goto out;

	pfns = malloc(nr * 8);
	ret = pfns ? read_pfns(map, nr, pfns) : fail("no memory for %llu pfns",
						     (unsigned long long)nr);
	tap(ret, "pagemap: the pfn of every page (read after preservation pinned them)");
	if (ret)
		goto out;
	tap(expect_out_of_scratch(pfns, nr, before), "no preserved page lies in scratch");
	n = prng_diffs((u64 *)map, 0, size / 8, seed, &first);
	tap(n ? fail("%llu words differ, the first at offset %#llx",
		     (unsigned long long)n, (unsigned long long)first * 8) : 0,
	    "contents intact after preservation");
	tap(preserve_pfns(name, pfns, nr), "the pfns preserved in %s" PFNS_SUFFIX, name);
	count_folios(pfns, nr, &folios, &huge);
	printf("kho_memfd: preserved %s size=%llu seed=%llu pages=%llu pfnsum=%016llx",
	       name, (unsigned long long)size, (unsigned long long)seed,
	       (unsigned long long)nr, (unsigned long long)pfn_hash(pfns, nr));
	printf(" folios=%llu huge=%llu\n", (unsigned long long)folios,
	       (unsigned long long)huge);
out:
	free(before);
	free(pfns);
	munmap(map, size);
	close(fd);
}

/* ---- restore NAME SIZE SEED -------------------------------------------- */

static void print_list(void)
{
	struct kho_memfd_list l;
	u32 i;
	int ret;

	for (i = 0; !(ret = list(i, &l)); i++)
		diag("list %u: name=%s size=%llu seals=%#llx pages=%llu restored=%u", i,
		     l.out_name, (unsigned long long)l.out_size,
		     (unsigned long long)l.out_seals,
		     (unsigned long long)l.out_nr_pages, l.out_restored);
	tap(ret == -ENOENT ? 0 : fail("list %u: %s", i, errname(-ret)),
	    "KHO_MEMFD_LIST: %u memfd(s) handed over, ENOENT past the last", i);
}

/* The list entry of @name is as expected. */
static int expect_listed(const char *name, u64 size, u64 seals, u32 restored)
{
	struct kho_memfd_list l;
	char want[96], got[96];
	u32 i;
	int ret;

	snprintf(want, sizeof(want), "size %llu seals %#llx pages %llu restored %u",
		 (unsigned long long)size, (unsigned long long)seals,
		 (unsigned long long)(size / page_size), restored);
	for (i = 0; !(ret = list(i, &l)); i++) {
		if (strcmp(l.out_name, name))
			continue;
		snprintf(got, sizeof(got), "size %llu seals %#llx pages %llu restored %u",
			 (unsigned long long)l.out_size, (unsigned long long)l.out_seals,
			 (unsigned long long)l.out_nr_pages, l.out_restored);
		if (strcmp(got, want))
			return fail("%s: %s, expected %s", name, got, want);
		return 0;
	}
	return fail("%s is not listed (list %u: %s)", name, i, errname(-ret));
}

/* Read NAME.pfns, restored as @fd, into a new array of @nr pfns. */
static u64 *read_saved_pfns(int fd, u64 nr)
{
	u64 *pfns = malloc(nr * 8);

	if (!pfns) {
		fail("no memory for %llu pfns", (unsigned long long)nr);
		return NULL;
	}
	if (pread(fd, pfns, nr * 8, 0) != (ssize_t)(nr * 8)) {
		fail_errno("read the saved pfns");
		free(pfns);
		return NULL;
	}
	return pfns;
}

/*
 * The pages mapped at @map are those of @saved, page by page, in the same
 * folios; @hash and @folios/@huge (count_folios()) describe them.
 */
static int compare_pfns(const u8 *map, const u64 *saved, u64 nr, u64 *hash,
			u64 *folios, u64 *huge)
{
	u64 *now = malloc(nr * 8), i, n = 0, first = 0;
	int ret;

	if (!now)
		return fail("no memory for %llu pfns", (unsigned long long)nr);
	ret = read_pfns(map, nr, now);
	if (!ret) {
		for (i = 0; i < nr; i++) {
			if (now[i] != saved[i] && !n++)
				first = i;
		}
		*hash = pfn_hash(now, nr);
		count_folios(now, nr, folios, huge);
		if (n)
			ret = fail("%llu of %llu pages changed, first %llu: %#llx, was %#llx",
				   (unsigned long long)n, (unsigned long long)nr,
				   (unsigned long long)first,
				   (unsigned long long)now[first],
				   (unsigned long long)saved[first]);
	}
	free(now);
	return ret;
}

/* A write of the byte that is there already fails with EPERM. */
static int expect_sealed_write(int fd)
{
	u8 byte;

	if (pread(fd, &byte, 1, 0) != 1)
		return fail_errno("pread");
	return expect(pwrite(fd, &byte, 1, 0) < 0 ? -errno : 0, EPERM);
}

static int expect_no_restore(const char *name)
{
	int fd = -1, ret;

	ret = expect(restore(name, &fd), ENOENT);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* restore-fail-nth: the next restore runs restore_fail_nth(). */
static bool restore_nth;

/*
 * Restore @name with a fault injected at its Nth allocation, N = 1, 2, ...
 * until it succeeds: each failure must be ENOMEM from an injected fault,
 * with @name still listed and not restored (the next call goes on where
 * the failed one stopped), so that no page is lost.
 */
static void restore_fail_nth(const char *name, u64 size, int *fd)
{
	struct fail_nth_result r = { 0 };
	unsigned int n;
	int nth_fd = -1, ret, err = 0;
	unsigned long left = 0;
	char buf[64];
	ssize_t len;

	ret = fault_settings_apply();
	if (!ret) {
		nth_fd = fail_nth_open();
		ret = nth_fd < 0 ? -1 : 0;
	}
	for (n = 1; !ret && n <= FAIL_NTH_MAX; n++) {
		len = snprintf(buf, sizeof(buf), "%u", n);
		/* Nothing between arming and the call: every fault site counts. */
		if (write(nth_fd, buf, len) != len) {
			ret = fail_errno("write %u to fail-nth", n);
			break;
		}
		err = restore(name, fd);
		len = pread(nth_fd, buf, sizeof(buf) - 1, 0);
		if (write(nth_fd, "0", 1) != 1 || len <= 0) {
			ret = fail_errno("fail-nth read back or disarm");
			break;
		}
		buf[len] = '\0';
		left = strtoul(buf, NULL, 10);
		r.tried = n;
		if (!err)
			break;
		r.failed++;
		if (left)
			ret = fail("N=%u: restore failed with %s, no fault injected", n,
				   errname(-err));
		else if (err != -ENOMEM)
			ret = fail("N=%u: an allocation failure gave %s, expected ENOMEM", n,
				   errname(-err));
		else
			ret = expect_listed(name, size, F_SEAL_EXEC, 0);
	}
	if (!ret && err && n > FAIL_NTH_MAX)
		ret = fail("still failing at N=%u", FAIL_NTH_MAX);
	if (!ret && !r.failed)
		ret = fail("no allocation of KHO_MEMFD_RESTORE could be failed");
	if (!ret && !left)
		diag("N=%u: the fault fired, the restore succeeded anyway", n);
	if (nth_fd >= 0)
		close(nth_fd);
	if (fault_settings_restore() && !ret)
		ret = fail("cannot restore the fault injection settings");
	if (!ret && err)
		ret = fail("%s", errname(-err));
	tap(ret, "fail-nth: KHO_MEMFD_RESTORE %s (%s), N=1..%u tried: %u failed%s",
	    name, huge_size ? "hugetlb" : "shmem", r.tried, r.failed,
	    " (ENOMEM, still restorable)");
}

static void cmd_restore_fail_nth(void)
{
	restore_nth = true;
	diag("the next restore is a fail-nth pass");
}

static void cmd_restore(const char *name, u64 size, u64 seed)
{
	struct restored *r = &restored[nr_restored];
	char pname[KHO_NAME_MAX];
	u64 nr = size / page_size, n, first = 0, hash = 0, folios = 0, huge = 0, t;
	int fd = -1, pfd = -1, ret;

	if (!tap(open_kho(), "open " KHO_DEV) || name_pfns(pname, name) ||
	    nr_restored == MAX_RESTORED)
		return;
	print_list();
	ret = expect_listed(name, size, F_SEAL_EXEC, 0);
	if (!ret)
		ret = expect_listed(pname, (nr * 8 + page_size - 1) / page_size * page_size,
				    PFNS_SEALS, 0);
	tap(ret, "%s and %s listed with their size and seals, not restored", name, pname);

	drain_console();
	t = now_ns();
	if (restore_nth) {
		restore_fail_nth(name, size, &fd);
	} else {
		ret = restore(name, &fd);
		t = now_ns() - t;
		tap(ret ? fail("%s", errname(-ret)) : 0, "KHO_MEMFD_RESTORE %s", name);
		if (!ret)
			printf("kho_memfd: time restore %s ns=%llu\n", name,
			       (unsigned long long)t);
	}
	restore_nth = false;
	ret = restore(pname, &pfd);
	tap(ret ? fail("%s", errname(-ret)) : 0, "KHO_MEMFD_RESTORE %s", pname);
	if (fd < 0 || pfd < 0)
		goto out;

	tap(expect_size(fd, size), "%s: size %llu", name, (unsigned long long)size);
	tap(expect_seals(fd, F_SEAL_EXEC), "%s: seals exactly F_SEAL_EXEC", name);
	ret = expect_seals(pfd, PFNS_SEALS);
	if (!ret)
		ret = expect_sealed_write(pfd);
	tap(ret, "%s: seals exactly SEAL|SHRINK|GROW|WRITE, and a write -> EPERM", pname);

	r->map = map_memfd(fd, size);
	if (!tap(!r->map, "mmap %s", name))
		goto out;
	n = prng_diffs((u64 *)r->map, 0, size / 8, seed, &first);
	tap(n ? fail("%llu words differ, the first at offset %#llx",
		     (unsigned long long)n, (unsigned long long)first * 8) : 0,
	    "%s: every byte as seed %llu made it", name, (unsigned long long)seed);

	r->pfns = read_saved_pfns(pfd, nr);
	ret = r->pfns ? compare_pfns(r->map, r->pfns, nr, &hash, &folios, &huge) : -1;
	tap(ret, "%s: the pfn and folio of every page are kernel A's (pagemap, kpageflags)",
	    name);

	tap(expect_no_restore(name), "restore %s again -> ENOENT", name);
	tap(expect_no_restore("no-such-memfd"), "restore an unknown name -> ENOENT");

	ret = expect_listed(name, size, F_SEAL_EXEC, 1);
	if (!ret)
		ret = expect_listed(pname, (nr * 8 + page_size - 1) / page_size * page_size,
				    PFNS_SEALS, 1);
	tap(ret, "list shows restored=1 for %s and %s", name, pname);
	printf("kho_memfd: restored %s size=%llu seed=%llu pages=%llu pfnsum=%016llx",
	       name, (unsigned long long)size, (unsigned long long)seed,
	       (unsigned long long)nr, (unsigned long long)hash);
	printf(" folios=%llu huge=%llu\n", (unsigned long long)folios,
	       (unsigned long long)huge);

	snprintf(r->name, sizeof(r->name), "%s", name);
	r->fd = fd;
	r->size = size;
	r->seed = seed;
	r->nr_pages = nr;
	nr_restored++;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	if (pfd >= 0)
		close(pfd);
}

/* ---- dma NAME ---------------------------------------------------------- */

/* An IOVA for all of @r that holds none of its physical pages. */
static u64 dma_iova(const struct restored *r)
{
	u64 len = r->size, iova, i, pa;

	for (iova = DMA_IOVA_START; iova + len <= EDU_DMA_ADDR_LIMIT; iova += len) {
		for (i = 0; i < r->nr_pages; i++) {
			pa = PAGE_PFN(r->pfns[i]) * page_size;
			if (pa >= iova && pa < iova + len)
				break;
		}
		if (i == r->nr_pages)
			return iova;
	}
	return 0;
}

static int dma_run(struct edu_vfio *ev, enum edu_dma_dir dir, u64 iova)
{
	if (edu_dma_start(ev, dir, iova, EDU_DEV_BUF_ADDR, EDU_DMA_MAX_COUNT) ||
	    edu_dma_wait(ev, DMA_TIMEOUT_MS, NULL))
		return fail("%s", ev->err);
	return 0;
}

/* Page 1 starts with page 0's first EDU_DMA_MAX_COUNT bytes, the rest is intact. */
static int dma_compare(const struct restored *r)
{
	u64 words = r->size / 8, dma_words = EDU_DMA_MAX_COUNT / 8;
	u64 p1 = page_size / 8, n, first = 0;
	const u64 *w = (const u64 *)r->map;

	if (memcmp(r->map + page_size, r->map, EDU_DMA_MAX_COUNT))
		return fail("page 1 does not start with page 0's %u bytes", EDU_DMA_MAX_COUNT);
	n = prng_diffs(w, 0, p1, r->seed, &first);
	if (n)
		return fail("page 0 (the source) changed: %llu words, first at %#llx",
			    (unsigned long long)n, (unsigned long long)first * 8);
	n = prng_diffs(w + p1 + dma_words, p1 + dma_words, words - p1 - dma_words,
		       r->seed, &first);
	if (n)
		return fail("%llu words outside the DMA target changed, first at %#llx",
			    (unsigned long long)n,
			    (unsigned long long)(first + p1 + dma_words) * 8);
	return 0;
}

static void cmd_dma(const char *name)
{
	struct restored *r = NULL;
	struct edu_vfio ev;
	u64 iova = 0, hash, folios, huge;
	unsigned int i;
	bool mapped = false;
	int ret;

	for (i = 0; i < nr_restored; i++)
		if (!strcmp(restored[i].name, name))
			r = &restored[i];
	if (!tap(r ? 0 : fail("not restored by an earlier command"), "dma: %s restored", name))
		return;
	ret = r->size < 3 * page_size ? fail("%llu bytes", (unsigned long long)r->size) : 0;
	if (!tap(ret, "dma: %s has at least 3 pages", name))
		return;
	edu_vfio_init(&ev);
	ret = edu_vfio_open(&ev, NULL) ? fail("%s", ev.err) : 0;
	if (!tap(ret, "dma: edu bound to vfio-pci, cdev bound to iommufd"))
		goto out;

	iova = dma_iova(r);
	if (!iova)
		ret = fail("no IOVA window below 2^28 clear of the memfd's pages");
	else if (edu_vfio_map(&ev, r->map, iova, r->size))
		ret = fail("%s", ev.err);
	mapped = !ret;
	if (!tap(ret, "dma: IOMMU_IOAS_MAP of all of %s at IOVA %#llx", name,
		 (unsigned long long)iova))
		goto out;
	tap(compare_pfns(r->map, r->pfns, r->nr_pages, &hash, &folios, &huge),
	    "dma: pinned by IOAS_MAP, every page still at kernel A's pfn, in its folio");

	ret = edu_vfio_attach(&ev) || edu_vfio_setup_bar(&ev) ||
	      edu_check_alive(&ev) ? fail("%s", ev.err) : 0;
	if (!tap(ret, "dma: attached, BAR0 alive"))
		goto out;
	if (!memcmp(r->map, r->map + page_size, EDU_DMA_MAX_COUNT)) {
		tap(fail("page 1 already equals page 0"), "dma: pages 0 and 1 differ before");
		goto out;
	}
	if (!tap(dma_run(&ev, EDU_DMA_RAM_TO_DEV, iova),
		 "dma: %u bytes of page 0 (IOVA %#llx) to the device", EDU_DMA_MAX_COUNT,
		 (unsigned long long)iova))
		goto out;
	if (!tap(dma_run(&ev, EDU_DMA_DEV_TO_RAM, iova + page_size),
		 "dma: %u bytes from the device into page 1 (IOVA %#llx)", EDU_DMA_MAX_COUNT,
		 (unsigned long long)(iova + page_size)))
		goto out;
	tap(dma_compare(r), "dma: page 1 holds page 0's bytes, every other byte untouched");
out:
	edu_vfio_release_device(&ev);
	if (mapped && edu_vfio_unmap(&ev, iova, r->size))
		diag("at exit: %s", ev.err);
	edu_vfio_close(&ev);
}

/* ---- finish, absent ---------------------------------------------------- */

static void cmd_finish(void)
{
	int ret;

	if (!tap(open_kho(), "open " KHO_DEV))
		return;
	ret = finish();
	tap(ret ? fail("%s", errname(-ret)) : 0, "KHO_FINISH");
	tap(expect(finish(), EALREADY), "KHO_FINISH again -> EALREADY");
}

/* NAME was not handed over (others may have been). */
static void cmd_gone(const char *name)
{
	int fd = -1;

	if (!tap(open_kho(), "open " KHO_DEV))
		return;
	tap(expect(restore(name, &fd), ENOENT), "restore %s -> ENOENT", name);
	if (fd >= 0)
		close(fd);
}

static void cmd_absent(const char *name)
{
	struct kho_memfd_list l;

	cmd_gone(name);
	tap(expect(list(0, &l), ENOENT), "list -> ENOENT, nothing left to restore");
}

/* ---- broken NAME --------------------------------------------------------- */

/*
 * NAME's page list was corrupted on purpose: its restore must fail with
 * EINVAL, and the memfd stay gone (listed as restored, ENOENT again).
 */
#define HUGEPAGES_SYSFS		"/sys/kernel/mm/hugepages/hugepages-"

/* One pool counter, or -1 with a reason. */
static long long pool_counter(const char *pool_kb, const char *counter)
{
	char path[128], text[32];

	snprintf(path, sizeof(path), HUGEPAGES_SYSFS "%skB/%s", pool_kb, counter);
	if (read_file(path, text, sizeof(text)))
		return -1;
	return strtoll(text, NULL, 10);
}

/*
 * "kho_memfd: pools 2048kB nr=N free=F resv=R surplus=S 1048576kB ...":
 * the counters of the 2 MiB and 1 GiB hugetlb pools, as they are while
 * this process holds what it restored.
 */
static void cmd_pools(void)
{
	static const char *const pools[] = { "2048", "1048576" };
	unsigned int i;

	printf("kho_memfd: pools");
	for (i = 0; i < ARRAY_SIZE(pools); i++)
		printf(" %skB nr=%lld free=%lld resv=%lld surplus=%lld", pools[i],
		       pool_counter(pools[i], "nr_hugepages"),
		       pool_counter(pools[i], "free_hugepages"),
		       pool_counter(pools[i], "resv_hugepages"),
		       pool_counter(pools[i], "surplus_hugepages"));
	printf("\n");
}

/*
 * NAME is a hugetlb memfd of a page size this kernel has no pool for: its
 * restore fails with EOPNOTSUPP, again and again, and leaves it listed as
 * not restored (finish frees its pages).
 */
static void cmd_unsupported(const char *name)
{
	struct kho_memfd_list l;
	int fd = -1, ret;
	u32 i;

	if (!tap(open_kho(), "open " KHO_DEV))
		return;
	ret = expect(restore(name, &fd), EOPNOTSUPP);
	if (!ret)
		ret = expect(restore(name, &fd), EOPNOTSUPP);
	tap(ret, "restore %s (no pool of its page size) -> EOPNOTSUPP, twice", name);
	if (fd >= 0)
		close(fd);
	for (i = 0, ret = fail("%s not listed", name); !list(i, &l); i++)
		if (!strcmp(l.out_name, name))
			ret = l.out_restored ? fail("%s listed as restored", name) : 0;
	tap(ret, "%s still listed as not restored", name);
}

/*
 * A hugetlb memfd with more holes than its pool has free pages: preserve
 * fails with ENOMEM filling them, and nothing changed (seals, size,
 * nothing preserved, the pool as it was).
 */
static void cmd_exhaust(void)
{
	long long free_before, free_after;
	char pool_kb[24];
	u64 size;
	int fd, seals0, ret;

	if (!tap(open_kho(), "open " KHO_DEV) ||
	    !tap(huge_size ? 0 : fail("no hugetlb page size set"), "exhaust: hugetlb memfds"))
		return;
	snprintf(pool_kb, sizeof(pool_kb), "%llu", (unsigned long long)(huge_size >> 10));
	free_before = pool_counter(pool_kb, "free_hugepages");
	size = (u64)(free_before + 1) * huge_size;
	fd = new_memfd("kho-exhaust", size, MFD_ALLOW_SEALING | MFD_EXEC | huge_flags);
	if (!tap(fd < 0 || free_before < 0, "exhaust: memfd of %lld + 1 huge pages, all holes",
		 free_before))
		return;
	seals0 = get_seals(fd);
	ret = expect(preserve(fd, "exhaust"), ENOMEM);
	tap(ret, "exhaust: preserve -> ENOMEM (the pool cannot fill its holes)");
	ret = expect_nothing_preserved();
	if (!ret)
		ret = expect_seals(fd, seals0);
	if (!ret)
		ret = expect_resizable(fd, size);
	/* The holes it filled are the memfd's, until it is closed. */
	close(fd);
	free_after = pool_counter(pool_kb, "free_hugepages");
	if (!ret && free_after != free_before)
		ret = fail("%lld free huge pages after close, %lld before", free_after,
			   free_before);
	if (!ret && pool_counter(pool_kb, "resv_hugepages"))
		ret = fail("%lld huge pages reserved after close",
			   pool_counter(pool_kb, "resv_hugepages"));
	tap(ret, "exhaust: nothing preserved, seals, size and pool as before once closed");
}

static void cmd_broken(const char *name)
{
	struct kho_memfd_list l;
	int fd = -1, ret;
	u32 i;

	if (!tap(open_kho(), "open " KHO_DEV))
		return;
	tap(expect(restore(name, &fd), EINVAL), "restore %s (corrupt page list) -> EINVAL", name);
	if (fd >= 0)
		close(fd);
	tap(expect(restore(name, &fd), ENOENT), "restore %s again -> ENOENT", name);
	for (i = 0, ret = -1; !list(i, &l); i++)
		if (!strcmp(l.out_name, name))
			ret = l.out_restored ? 0 : fail("%s listed as not restored", name);
	tap(ret, "%s listed as restored: never again", name);
}

/* ---- race COUNT SIZE SEED ---------------------------------------------- */

/*
 * A restorer thread takes race0, race1, ... (each SIZE bytes, race<i>
 * filled from SEED + i) while the main thread finishes through debugfs
 * once the restorer has completed a random number of them. Each restore
 * must succeed whole (every byte checked) or fail with ENOENT; those done
 * before the finish began must have succeeded; after it nothing is left.
 */
#define MAX_RACE	64

struct race {
	unsigned int count;
	u64 size;
	u64 seed;
	int err[MAX_RACE];
	int fd[MAX_RACE];
	atomic_uint done;
};

static void *race_restorer(void *arg)
{
	struct race *rc = arg;
	char name[KHO_NAME_MAX];
	unsigned int i;

	for (i = 0; i < rc->count; i++) {
		snprintf(name, sizeof(name), "race%u", i);
		rc->fd[i] = -1;
		rc->err[i] = restore(name, &rc->fd[i]);
		atomic_store(&rc->done, i + 1);
	}
	return NULL;
}

/* A restored race<i>: its size and every byte. */
static int race_check(const struct race *rc, unsigned int i)
{
	u64 first = 0, n;
	u8 *map;
	int ret;

	ret = expect_size(rc->fd[i], rc->size);
	if (ret)
		return ret;
	map = map_memfd(rc->fd[i], rc->size);
	if (!map)
		return -1;
	n = prng_diffs((u64 *)map, 0, rc->size / 8, rc->seed + i, &first);
	munmap(map, rc->size);
	return n ? fail("race%u: %llu words differ, the first at offset %#llx", i,
			(unsigned long long)n, (unsigned long long)first * 8) : 0;
}

static void cmd_race(const char *count, u64 size, u64 seed)
{
	struct race rc = { .size = size, .seed = seed };
	unsigned int i, at, before, ok = 0, gone = 0;
	struct kho_memfd_list l;
	pthread_t thread;
	int ret = 0;

	rc.count = strtoul(count, NULL, 0);
	if (!tap(open_kho(), "open " KHO_DEV) ||
	    !tap(rc.count && rc.count <= MAX_RACE ? 0 : fail("count %s", count),
		 "race over %u memfds", rc.count))
		return;
	if (getrandom(&at, sizeof(at), 0) != sizeof(at))
		at = 0;
	at %= rc.count + 1;
	atomic_init(&rc.done, 0);
	if (!tap(pthread_create(&thread, NULL, race_restorer, &rc) ?
		 fail("pthread_create") : 0, "restorer thread started"))
		return;
	/* Synchronised on the restorer's progress, not on time. */
	while (atomic_load(&rc.done) < at)
		sched_yield();
	before = atomic_load(&rc.done);
	ret = write_file(KHO_DEBUGFS "/finish", "1");
	pthread_join(thread, NULL);
	tap(ret, "finish through debugfs after %u of %u restores (%u asked)",
	    before, rc.count, at);

	for (i = 0; i < rc.count; i++) {
		if (!rc.err[i]) {
			ret = race_check(&rc, i);
			ok += !ret;
		} else {
			ret = rc.err[i] == -ENOENT && i >= before ? 0 :
			      fail("race%u: %s", i, errname(-rc.err[i]));
			gone += !ret;
		}
		if (rc.fd[i] >= 0)
			close(rc.fd[i]);
		tap(ret, "race%u: %s", i, rc.err[i] ? "ENOENT (after finish)" :
		    "restored whole, every byte checked");
	}
	printf("kho_memfd: race count=%u at=%u before=%u restored=%u enoent=%u\n",
	       rc.count, at, before, ok, gone);
	tap(expect(restore("race0", &rc.fd[0]), ENOENT), "restore after finish -> ENOENT");
	tap(expect(list(0, &l), ENOENT), "list after a debugfs finish -> ENOENT (list freed)");
	tap(expect(finish(), EALREADY), "KHO_FINISH after the debugfs finish -> EALREADY");
}

/* ---- prace THREADS SIZE SEED ------------------------------------------- */

/*
 * Kernel A, while nothing else is preserved: THREADS preserver threads
 * each preserve and unpreserve a memfd of their own (SIZE bytes, prace<i>
 * filled from SEED + i) PRACE_ITERS times, while a freezer thread freezes
 * and aborts through debugfs and a mutator thread grows, shrinks and
 * writes prace0 and, half-way through the preservers' rounds, adds
 * F_SEAL_SHRINK to it. Every call must
 * end in one of its documented results: preserve 0 or EBUSY (frozen),
 * unpreserve 0 or EBUSY (retried), truncate 0 or EPERM (size frozen),
 * writes inside the size always succeed. Afterwards nothing is preserved,
 * every memfd holds exactly what was written to it, prace0 keeps the seal
 * its user added and nothing else, the others have no seal.
 */
#define PRACE_MAX	8
#define PRACE_ITERS	150

struct prace {
	unsigned int threads;
	u64 size;
	u64 seed;
	int fd[PRACE_MAX];
	atomic_uint running;		/* preservers not done yet */
	atomic_uint errors;
	atomic_uint rounds;		/* preserver iterations begun */
	atomic_uint preserved, busy, frozen, mutated, sealed_at;
};

struct prace_arg {
	struct prace *pr;
	unsigned int i;
};

static void prace_bad(struct prace *pr, const char *what, int err)
{
	fail("prace: %s: %s", what, errname(-err));
	atomic_fetch_add(&pr->errors, 1);
}

static void *prace_preserver(void *arg)
{
	struct prace_arg *a = arg;
	struct prace *pr = a->pr;
	char name[KHO_NAME_MAX];
	unsigned int n;
	int ret;

	snprintf(name, sizeof(name), "prace%u", a->i);
	for (n = 0; n < PRACE_ITERS; n++) {
		atomic_fetch_add(&pr->rounds, 1);
		ret = preserve(pr->fd[a->i], name);
		if (ret == -EBUSY) {
			atomic_fetch_add(&pr->busy, 1);
			continue;
		}
		if (ret) {
			prace_bad(pr, "preserve", ret);
			break;
		}
		atomic_fetch_add(&pr->preserved, 1);
		/* Frozen: the freezer aborts again, never stays frozen. */
		while ((ret = unpreserve(name)) == -EBUSY)
			sched_yield();
		if (ret) {
			prace_bad(pr, "unpreserve", ret);
			break;
		}
	}
	atomic_fetch_sub(&pr->running, 1);
	return NULL;
}

static void *prace_freezer(void *arg)
{
	struct prace *pr = arg;

	while (atomic_load(&pr->running)) {
		if (write_file(KHO_FREEZE, "1") || write_file(KHO_FREEZE, "0")) {
			atomic_fetch_add(&pr->errors, 1);
			break;
		}
		atomic_fetch_add(&pr->frozen, 1);
	}
	return NULL;
}

/* What the mutator writes in its round @n: word @n's own value, at page @n. */
static u64 prace_offset(const struct prace *pr, unsigned int n)
{
	return ((u64)n * 4096) % pr->size;
}

static void *prace_mutator(void *arg)
{
	struct prace *pr = arg;
	int fd = pr->fd[0];
	unsigned int n = 0;
	u64 val;

	while (atomic_load(&pr->running)) {
		/* Half-way through the preservers' rounds. */
		if (!atomic_load(&pr->sealed_at) &&
		    atomic_load(&pr->rounds) >= pr->threads * PRACE_ITERS / 2) {
			if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK)) {
				prace_bad(pr, "F_ADD_SEALS F_SEAL_SHRINK", -errno);
				break;
			}
			atomic_store(&pr->sealed_at, n + 1);
		}
		/* Grown, it is shrunk back before anything else, once it may be. */
		if (!atomic_load(&pr->sealed_at) && !ftruncate(fd, pr->size + 4096)) {
			while (ftruncate(fd, pr->size))
				if (errno != EPERM) {
					prace_bad(pr, "ftruncate back", -errno);
					return NULL;
				}
		} else if (!atomic_load(&pr->sealed_at) && errno != EPERM) {
			prace_bad(pr, "ftruncate", -errno);
			break;
		}
		val = n;
		if (pwrite(fd, &val, sizeof(val), prace_offset(pr, n)) != sizeof(val)) {
			prace_bad(pr, "pwrite", -errno);
			break;
		}
		n++;
		atomic_store(&pr->mutated, n);
	}
	return NULL;
}

/* prace<i>'s bytes: its fill, and in prace0 the mutator's words on top. */
static int prace_check(struct prace *pr, unsigned int i)
{
	u64 first = 0, n, nr_words = pr->size / 8, *want;
	unsigned int k, mutated = i ? 0 : atomic_load(&pr->mutated);
	u8 *map;
	int ret;

	ret = expect_size(pr->fd[i], pr->size);
	ret = ret ?: expect_seals(pr->fd[i], i ? 0 : F_SEAL_SHRINK);
	if (ret)
		return ret;
	want = malloc(pr->size);
	map = map_memfd(pr->fd[i], pr->size);
	if (!want || !map) {
		free(want);
		if (map)
			munmap(map, pr->size);
		return fail("prace%u: no memory to check it", i);
	}
	prng_fill(want, 0, nr_words, pr->seed + i);
	for (k = 0; k < mutated; k++)
		want[prace_offset(pr, k) / 8] = k;
	for (n = 0, k = 0; k < nr_words; k++)
		if (((u64 *)map)[k] != want[k] && !n++)
			first = k;
	munmap(map, pr->size);
	free(want);
	return n ? fail("prace%u: %llu words differ, the first at offset %#llx", i,
			(unsigned long long)n, (unsigned long long)first * 8) : 0;
}

static void cmd_prace(const char *threads, u64 size, u64 seed)
{
	struct prace pr = { .size = size, .seed = seed };
	struct prace_arg args[PRACE_MAX];
	pthread_t th[PRACE_MAX + 2];
	char name[KHO_NAME_MAX];
	unsigned int i, started = 0;
	u8 *map;
	int ret = 0;

	pr.threads = strtoul(threads, NULL, 0);
	if (!tap(open_kho(), "open " KHO_DEV) ||
	    !tap(pr.threads && pr.threads <= PRACE_MAX && size >= 4096 * 4 ?
		 0 : fail("threads %s, size %llu", threads, (unsigned long long)size),
		 "race over %u memfds", pr.threads) ||
	    !tap(expect_nothing_preserved(), "nothing preserved before the race"))
		return;
	for (i = 0; i < pr.threads && !ret; i++) {
		snprintf(name, sizeof(name), "prace%u", i);
		pr.fd[i] = new_memfd(name, size, MFD_CLOEXEC | MFD_ALLOW_SEALING);
		map = pr.fd[i] < 0 ? NULL : map_memfd(pr.fd[i], size);
		if (!map) {
			ret = -1;
			break;
		}
		prng_fill((u64 *)map, 0, size / 8, seed + i);
		munmap(map, size);
	}
	if (!tap(ret, "%u memfds of %llu bytes filled", pr.threads, (unsigned long long)size))
		return;

	atomic_init(&pr.running, pr.threads);
	for (i = 0; i < pr.threads; i++) {
		args[i] = (struct prace_arg){ .pr = &pr, .i = i };
		if (pthread_create(&th[started], NULL, prace_preserver, &args[i]))
			break;
		started++;
	}
	if (started < pr.threads)
		atomic_fetch_sub(&pr.running, pr.threads - started);
	if (started == pr.threads && !pthread_create(&th[started], NULL, prace_freezer, &pr))
		started++;
	if (started == pr.threads + 1 && !pthread_create(&th[started], NULL, prace_mutator, &pr))
		started++;
	while (started)
		pthread_join(th[--started], NULL);
	tap(atomic_load(&pr.errors) ? fail("%u calls failed", atomic_load(&pr.errors)) : 0,
	    "every call ended as documented: %u preserves, %u EBUSY while frozen, %u freezes",
	    atomic_load(&pr.preserved), atomic_load(&pr.busy), atomic_load(&pr.frozen));
	printf("kho_memfd: prace threads=%u preserved=%u busy=%u frozen=%u",
	       pr.threads, atomic_load(&pr.preserved), atomic_load(&pr.busy),
	       atomic_load(&pr.frozen));
	printf(" mutated=%u sealed_at=%u\n", atomic_load(&pr.mutated),
	       atomic_load(&pr.sealed_at));
	tap(atomic_load(&pr.sealed_at) ? 0 : fail("the race ended before the seal was added"),
	    "prace0 sealed by its user during the race");
	tap(expect_nothing_preserved(), "nothing preserved after the race (no page left behind)");
	for (i = 0; i < pr.threads; i++) {
		snprintf(name, sizeof(name), "prace%u", i);
		tap(expect(unpreserve(name), ENOENT), "%s: not preserved", name);
		tap(prace_check(&pr, i), "%s: every byte as written, %s", name,
		    i ? "no seal" : "the user's F_SEAL_SHRINK only");
		close(pr.fd[i]);
	}
}

/* ---- main -------------------------------------------------------------- */

struct command {
	const char *name;
	int nr_args;		/* NAME SIZE SEED: 3 */
};

/* ---- hugetlb PAGESIZE ------------------------------------------------- */

/*
 * The memfds the next preserve commands make: hugetlb ones of PAGESIZE
 * (2M, 1G) pages, or with 0 shmem ones again.
 */
static void cmd_hugetlb(const char *arg)
{
	u64 size = 0;

	if (strcmp(arg, "0") && (!parse_size(arg, &size) || (size & (size - 1)))) {
		tap(fail("hugetlb %s: not 0 or a power of two", arg), "hugetlb %s", arg);
		return;
	}
	huge_flags = size ? MFD_HUGETLB | (unsigned int)__builtin_ctzll(size) << MFD_HUGE_SHIFT : 0;
	huge_size = size;
	diag("memfds from now on: %s", size ? "hugetlb" : "shmem");
}

static const struct command commands[] = {
	{ "errors", 0 },
	{ "preserve", 3 },
	{ "restore", 3 },
	{ "dma", 1 },
	{ "finish", 0 },
	{ "absent", 1 },
	{ "race", 3 },
	{ "broken", 1 },
	{ "gone", 1 },
	{ "hugetlb", 1 },
	{ "pools", 0 },
	{ "fail-nth", 0 },
	{ "exhaust", 0 },
	{ "unsupported", 1 },
	{ "restore-fail-nth", 0 },
	{ "prace", 3 },
};

static const struct command *find_command(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Check every command and its arguments before running any. */
static bool valid_args(int argc, char **argv)
{
	const struct command *c;
	u64 val;
	int i;

	for (i = 1; i < argc; i += 1 + c->nr_args) {
		c = find_command(argv[i]);
		if (!c || i + c->nr_args >= argc)
			return false;
		if (c->nr_args && (!argv[i + 1][0] || strlen(argv[i + 1]) >= KHO_NAME_MAX))
			return false;
		if (c->nr_args == 3 &&
		    (!parse_size(argv[i + 2], &val) || !parse_u64(argv[i + 3], &val)))
			return false;
	}
	return argc > 1;
}

static void run(const struct command *c, char **args)
{
	u64 size = 0, seed = 0;

	if (c->nr_args == 3) {
		parse_size(args[1], &size);
		parse_u64(args[2], &seed);
	}
	if (!strcmp(c->name, "errors"))
		cmd_errors();
	else if (!strcmp(c->name, "preserve"))
		cmd_preserve(args[0], size, seed);
	else if (!strcmp(c->name, "restore"))
		cmd_restore(args[0], size, seed);
	else if (!strcmp(c->name, "dma"))
		cmd_dma(args[0]);
	else if (!strcmp(c->name, "finish"))
		cmd_finish();
	else if (!strcmp(c->name, "race"))
		cmd_race(args[0], size, seed);
	else if (!strcmp(c->name, "broken"))
		cmd_broken(args[0]);
	else if (!strcmp(c->name, "gone"))
		cmd_gone(args[0]);
	else if (!strcmp(c->name, "hugetlb"))
		cmd_hugetlb(args[0]);
	else if (!strcmp(c->name, "pools"))
		cmd_pools();
	else if (!strcmp(c->name, "fail-nth"))
		cmd_fail_nth();
	else if (!strcmp(c->name, "exhaust"))
		cmd_exhaust();
	else if (!strcmp(c->name, "unsupported"))
		cmd_unsupported(args[0]);
	else if (!strcmp(c->name, "restore-fail-nth"))
		cmd_restore_fail_nth();
	else if (!strcmp(c->name, "prace"))
		cmd_prace(args[0], size, seed);
	else
		cmd_absent(args[0]);
}

int main(int argc, char **argv)
{
	const struct command *c;
	bool pass;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = (size_t)sysconf(_SC_PAGESIZE);
	if (!valid_args(argc, argv)) {
		fprintf(stderr,
			"usage: %s COMMAND... with COMMAND one of\n"
			"  errors | preserve NAME SIZE SEED | restore NAME SIZE SEED |\n"
			"  dma NAME | finish | absent NAME | race COUNT SIZE SEED |\n"
			"  broken NAME | gone NAME | hugetlb PAGESIZE (0: shmem) | pools |\n"
			"  fail-nth | exhaust | unsupported NAME | prace THREADS SIZE SEED\n",
			argv[0]);
		printf("kho_memfd: FAIL\n");
		return 2;
	}
	printf("TAP version 13\n");
	for (i = 1; i < argc; i += 1 + c->nr_args) {
		c = find_command(argv[i]);
		diag("kho_memfd %s", argv[i]);
		run(c, argv + i + 1);
	}
	printf("1..%u\n", tap_total);
	pass = tap_total && !tap_failed;
	printf("kho_memfd: %s\n", pass ? "PASS" : "FAIL");
	return pass ? 0 : 1;
}
