// SPDX-License-Identifier: GPL-2.0
/*
 * kho-dump - show and check the handover FDT of Kexec HandOver (KHO).
 *
 * The command line: read the input, let kd_dump() decode it, turn the
 * verdict into an exit status. See kho-dump(1), or kho-dump --help.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kho-dump.h"

#define KD_IN_FDT	"/sys/kernel/debug/kho/in/fdt"
#define KD_OUT_FDT	"/sys/kernel/debug/kho/out/fdt"

/* Exit statuses */
#define KD_EXIT_VALID	0
#define KD_EXIT_INVALID	1
#define KD_EXIT_USAGE	2

static const char kd_help[] =
"NAME\n"
"       kho-dump - show and check the handover of Kexec HandOver (KHO)\n"
"\n"
"SYNOPSIS\n"
"       kho-dump [--json] [--check] FILE\n"
"       kho-dump [--json] [--check] --in | --out\n"
"\n"
"DESCRIPTION\n"
"       At a kexec with KHO, the outgoing kernel describes everything it\n"
"       hands over in one flattened device tree (FDT): the root node with\n"
"       the tracker of preserved memory and the scratch ranges, and one\n"
"       node per handler (kho-test, memfd, intel-iommu, vfio, ...).\n"
"       kho-dump decodes that FDT and checks it against the handover ABI\n"
"       (Documentation/kho/abi.rst).\n"
"\n"
"       FILE is an FDT blob, or - for standard input. Nodes and properties\n"
"       this kho-dump does not know are shown raw, never rejected.\n"
"\n"
"       By default the tree is printed as text: addresses in hex, sizes in\n"
"       binary units with the exact value in hex, then the ABI problems.\n"
"\n"
"OPTIONS\n"
"       -i, --in\n"
"              Read the handover this kernel received:\n"
"              " KD_IN_FDT "\n"
"              (empty unless the handover was valid and not yet finished).\n"
"\n"
"       -o, --out\n"
"              Read the handover this kernel would pass on:\n"
"              " KD_OUT_FDT "\n"
"              (empty until frozen: echo 1 > /sys/kernel/debug/kho/out/freeze).\n"
"\n"
"       -j, --json\n"
"              Print the same information as one JSON document; its keys\n"
"              are listed in kho-dump(1) and are stable.\n"
"\n"
"       -c, --check\n"
"              Validate only: print each ABI problem as \"path: problem\"\n"
"              (e.g. \"/kho-test/seed: 4 bytes, a u64 has 8\"),\n"
"              nothing when the handover is valid. The exit status tells.\n"
"              With --json, print the JSON document instead.\n"
"\n"
"       -h, --help\n"
"              Show this help.\n"
"\n"
"CHECKS\n"
"       The root compatible is exactly \"linux,kho-v1\" (the ABI version);\n"
"       every required property is there with its type and size; tracker\n"
"       is a nonzero page-aligned address; 1 to 8 scratch ranges, each\n"
"       nonzero, page aligned, not wrapping and overlapping no other; every\n"
"       handler node has a compatible; no duplicate node or property names;\n"
"       the rules of each known node (memfd names unique, sizes that match\n"
"       their counts, VT-d and VFIO records in range, consistent and\n"
"       naming the same devices, ...). Unknown nodes and properties are\n"
"       not problems. Only the FDT is checked, not the memory it points to\n"
"       (page lists, VT-d tables): the next kernel may still refuse it.\n"
"\n"
"EXIT STATUS\n"
"       0      shown (or, with --check, valid)\n"
"       1      not a flattened device tree; with --check also: a handover\n"
"              that breaks the ABI\n"
"       2      usage error, or the input could not be read\n"
"\n"
"EXAMPLES\n"
"       echo 1 > /sys/kernel/debug/kho/out/freeze; kho-dump --out\n"
"       kho-dump --check --in && echo handover valid\n"
"       kho-dump --json handover.dtb | python3 -m json.tool\n"
"\n"
"SEE ALSO\n"
"       kho-dump(1), dtc(1), Documentation/kho/abi.rst\n";

static const struct option kd_options[] = {
	{ "in", no_argument, NULL, 'i' },
	{ "out", no_argument, NULL, 'o' },
	{ "json", no_argument, NULL, 'j' },
	{ "check", no_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "list-known", no_argument, NULL, 'L' },	/* for the tests */
	{ }
};

static int kd_usage(const char *fmt, const char *arg)
{
	fputs("kho-dump: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'kho-dump --help'.\n", stderr);
	return KD_EXIT_USAGE;
}

/* All of @fd, up to KD_MAX_INPUT bytes: 0, or a negative errno. */
static int kd_read_fd(int fd, char **buf, size_t *len)
{
	size_t size = 0, cap = 0;
	char *p = NULL, *np;
	ssize_t n;

	for (;;) {
		if (size == cap) {
			cap = cap ? 2 * cap : 64 << 10;
			if (cap > KD_MAX_INPUT + 1)
				cap = KD_MAX_INPUT + 1;
			if (size == cap) {
				free(p);
				return -EFBIG;
			}
			np = realloc(p, cap);
			if (!np) {
				free(p);
				return -ENOMEM;
			}
			p = np;
		}
		n = read(fd, p + size, cap - size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(p);
			return -errno;
		}
		if (!n)
			break;
		size += n;
	}
	*buf = p;
	*len = size;
	return 0;
}

static int kd_read(const char *path, char **buf, size_t *len)
{
	int fd, err;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0)
		return -errno;
	err = kd_read_fd(fd, buf, len);
	if (fd)
		close(fd);
	return err;
}

static int kd_exit_status(enum kd_result res, unsigned int mode)
{
	if (res == KD_NOT_FDT)
		return KD_EXIT_INVALID;
	if (res == KD_INVALID && (mode & KD_CHECK))
		return KD_EXIT_INVALID;
	return KD_EXIT_VALID;
}

static int kd_run(const char *path, unsigned int mode)
{
	enum kd_result res;
	size_t len = 0;
	char *buf = NULL;
	int err;

	err = kd_read(path, &buf, &len);
	if (err) {
		fprintf(stderr, "kho-dump: %s: %s\n", path,
			err == -EFBIG ? "larger than any handover" : strerror(-err));
		return KD_EXIT_USAGE;
	}
	res = kd_dump(buf, len, path, mode, stdout);
	free(buf);
	if (!len && !strcmp(path, KD_OUT_FDT))
		fputs("kho-dump: out/fdt is empty: KHO is not frozen\n", stderr);
	if (!len && !strcmp(path, KD_IN_FDT))
		fputs("kho-dump: in/fdt is empty: no valid handover, or finished\n", stderr);
	if (fflush(stdout)) {
		fprintf(stderr, "kho-dump: writing the output: %s\n", strerror(errno));
		return KD_EXIT_USAGE;
	}
	return kd_exit_status(res, mode);
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	unsigned int mode = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "iojch", kd_options, NULL)) != -1) {
		switch (opt) {
		case 'i':
		case 'o':
			if (path)
				return kd_usage("%s", "more than one input");
			path = opt == 'i' ? KD_IN_FDT : KD_OUT_FDT;
			break;
		case 'j':
			mode |= KD_JSON;
			break;
		case 'c':
			mode |= KD_CHECK;
			break;
		case 'h':
			fputs(kd_help, stdout);
			return KD_EXIT_VALID;
		case 'L':
			kd_list_known(stdout);
			return KD_EXIT_VALID;
		default:
			return kd_usage("%s", "unknown option");
		}
	}
	if (optind < argc && path)
		return kd_usage("%s", "more than one input");
	if (optind < argc)
		path = argv[optind++];
	if (optind < argc)
		return kd_usage("unexpected argument: %s", argv[optind]);
	if (!path)
		return kd_usage("%s", "no input: give a FILE, --in or --out");
	return kd_run(path, mode);
}
