/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kho-dump: decode and validate the handover FDT of Kexec HandOver.
 *
 * kd_dump() is the whole tool minus the command line: it takes a buffer,
 * walks it once to collect every ABI problem, then once more to print it
 * as text or JSON. The decoder table (table.c) says what each known node
 * holds; the walker (walk.c) applies it; the printers (text.c, json.c) only
 * format what the walker hands them.
 */
#ifndef KHO_DUMP_H
#define KHO_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u32 u32;
typedef __u64 u64;

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define KD_PAGE_SIZE		4096ULL	/* x86-64: the only KHO architecture */
#define KD_PAGEBLOCK_SIZE	0x200000ULL	/* scratch granule: a pageblock */
#define KD_MAX_ORDER		18	/* a block KHO preserves: a 1 GiB page at most */
#define KD_MAX_DEPTH		16	/* deeper nodes are a problem, not shown */
#define KD_MAX_PROBLEMS		200	/* more are counted, not listed */
#define KD_MAX_INPUT		(64UL << 20)

/* How a property's bytes are read; the names are those of the ABI doc. */
enum kd_type {
	KD_STRING,	/* one NUL-terminated string */
	KD_U64,		/* big-endian u64, a number */
	KD_PHYS,	/* big-endian u64, a physical address */
	KD_BYTES,	/* big-endian u64, a size in bytes */
	KD_FLAGS,	/* big-endian u64, a set of named bits */
	KD_RANGES,	/* big-endian u64 pairs: base, size */
	KD_PHYS_LIST,	/* big-endian u64s, physical addresses */
	KD_ID,		/* big-endian u64, an identifier (token, PCI ID), in hex */
	KD_BDF,		/* big-endian u64, a PCI requester ID: bus << 8 | devfn */
	KD_NR_TYPES
};

/* kd_prop_spec.flags */
#define KD_REQ		0x1	/* required */
#define KD_NONZERO	0x2	/* zero, or an empty string, is not allowed */
#define KD_ALIGNED	0x4	/* a multiple of KD_PAGE_SIZE */
#define KD_BOUNDED	0x8	/* a number from lo to hi */
#define KD_UNIQUE	0x10	/* KD_PHYS_LIST: no address twice */

/**
 * struct kd_prop_spec - one property of a known node
 * @name: property name
 * @type: how its value is encoded
 * @flags: KD_REQ, KD_NONZERO, KD_ALIGNED
 * @max: KD_STRING: longest string without the NUL (0: any);
 *	KD_RANGES, KD_PHYS_LIST: most entries (0: any)
 * @value: KD_STRING: the only value allowed, or NULL
 * @choices: KD_STRING: the values allowed, NULL-terminated, or NULL
 * @bits: KD_FLAGS: the name of each bit, from bit 0, NULL-terminated;
 *	other bits are a problem
 * @lo: with KD_BOUNDED, the smallest value allowed
 * @hi: with KD_BOUNDED, the largest value allowed
 * @note: with KD_BOUNDED, why, added to the problem (or NULL)
 *
 * KD_ALIGNED applies to each base and size of KD_RANGES and to each
 * address of a KD_PHYS_LIST; KD_NONZERO to each address of a KD_PHYS_LIST,
 * and for KD_RANGES it means at least one range (no range may be empty).
 * A KD_BDF above 0xffff is a problem, whatever the flags.
 */
struct kd_prop_spec {
	const char *name;
	enum kd_type type;
	unsigned int flags;
	unsigned int max;
	const char *value;
	const char *const *choices;
	const char *const *bits;
	u64 lo;
	u64 hi;
	const char *note;
};

struct kd_walk;

/**
 * struct kd_node_spec - a known node
 * @name: node name; a trailing "@N" stands for any decimal unit address
 * @compatible: its compatible string, or NULL for a node known by its
 *	name under a known parent (it then has no compatible)
 * @props: its properties, ended by an entry without a name
 * @children: the known children, ended by an entry without a name, or NULL
 * @check: rules across properties or children, or NULL
 * @summary: a few words on what the node is (its device's PCI address, a
 *	unit's mode...), shown with its name; false if it has none. Or NULL.
 */
struct kd_node_spec {
	const char *name;
	const char *compatible;
	const struct kd_prop_spec *props;
	const struct kd_node_spec *children;
	void (*check)(struct kd_walk *w, int node, const char *path);
	bool (*summary)(struct kd_walk *w, int node, char *buf, size_t size);
};

/* table.c */
extern const struct kd_node_spec kd_root_spec;
extern const struct kd_node_spec kd_handler_specs[];
extern const char *const kd_type_names[KD_NR_TYPES];
void kd_list_known(FILE *f);

/* How a property is shown: decoded by its spec, or raw. */
struct kd_prop {
	const char *name;
	const void *val;
	int len;
	int offset;
	const struct kd_prop_spec *spec;	/* NULL: shown raw */
};

/* A node as the printers see it. */
struct kd_node {
	const char *name;
	const char *path;
	const char *compatible;			/* NULL: none or malformed */
	const char *summary;			/* NULL: none */
	const struct kd_node_spec *spec;	/* NULL: unknown */
	int depth;
	int offset;
	bool unknown;				/* not decoded, worth saying */
};

struct kd_printer {
	void (*begin)(struct kd_walk *w);
	void (*node_begin)(struct kd_walk *w, const struct kd_node *n);
	void (*prop)(struct kd_walk *w, const struct kd_node *n,
		     const struct kd_prop *p);
	void (*node_end)(struct kd_walk *w, const struct kd_node *n);
	void (*end)(struct kd_walk *w);
};

#define KD_PATH_MAX		256
#define KD_SUMMARY_MAX		128

struct kd_problem {
	char path[KD_PATH_MAX];
	char msg[224];
};

/**
 * struct kd_walk - one run over one buffer
 * @fdt: the buffer, a valid FDT once kd_dump() has checked it
 * @len: its length
 * @source: what to call it in the output
 * @out: where the printers write
 * @pr: the printer of the second pass; NULL in the first (checking) pass
 * @problems: the problems found, the first KD_MAX_PROBLEMS of them
 * @nr_problems: how many were found
 * @hdr_ok: the FDT header is sound (its version and size can be shown)
 * @not_fdt: the buffer is no FDT at all (problem 0 says why)
 * @state: printer state at each depth
 */
struct kd_walk {
	const void *fdt;
	size_t len;
	const char *source;
	FILE *out;
	const struct kd_printer *pr;
	struct kd_problem problems[KD_MAX_PROBLEMS];
	unsigned int nr_problems;
	bool hdr_ok;
	bool not_fdt;
	int state[KD_MAX_DEPTH + 2];
};

/* walk.c */
__printf(4, 5)
void kd_problem(struct kd_walk *w, const char *path, const char *prop,
		const char *fmt, ...);
bool kd_get_u64(struct kd_walk *w, int node, const char *name, u64 *val);
bool kd_name_matches(const char *pattern, const char *name);
u64 kd_be64(const void *p);
bool kd_is_string(const void *val, int len);
bool kd_is_string_list(const void *val, int len);
bool kd_looks_like_strings(const void *val, int len);
const char *kd_quote(char *buf, size_t size, const char *s);

enum kd_result {
	KD_VALID,	/* an FDT without ABI problems */
	KD_INVALID,	/* an FDT with ABI problems */
	KD_NOT_FDT,	/* not an FDT at all */
};

/* kd_dump() modes */
#define KD_JSON		0x1	/* print JSON instead of text */
#define KD_CHECK	0x2	/* print only the problems (text mode) */
#define KD_QUIET	0x4	/* print nothing */

void kd_print_problems(struct kd_walk *w, const char *indent);
enum kd_result kd_dump(const void *buf, size_t len, const char *source,
		       unsigned int mode, FILE *out);

/* text.c, json.c */
extern const struct kd_printer kd_text_printer;
extern const struct kd_printer kd_json_printer;
void kd_human_size(char *buf, size_t size, u64 bytes);
const char *kd_bit_name(const struct kd_prop_spec *spec, unsigned int bit);
bool kd_bdf_name(char *buf, size_t size, u64 bdf);

#endif /* KHO_DUMP_H */
