// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: every way kho-dump reads a buffer (check, text, JSON).
 * ASan and UBSan turn any bad access or undefined behaviour into a crash;
 * the output goes to /dev/null.
 *
 * An input that starts with the FDT magic is fed as it is: that is how the
 * fixture seeds start, and it exercises the FDT checks. Any other input is
 * a recipe for a well-formed FDT, built with libfdt's sequential writer
 * from names of kho-dump's own decoder table and bytes of the input, so
 * that mutations reach the decoding and the ABI rules rather than dying in
 * libfdt's checks. Each byte of a recipe picks an operation:
 *
 *	0  begin a node named from the table (then a byte: which name)
 *	1  end the current node
 *	2  a property named from the table (a byte: which name), then its
 *	   value: a byte L, then L % 32 bytes of value, with a NUL added if
 *	   L is 32 or more (a string); L = 63: a string from the table
 *	   instead
 *	3  a node or property of a name taken from the input
 */
#include <stdlib.h>
#include <string.h>
#include <libfdt.h>

#include <linux/kho.h>

#include "kho-dump.h"

#define KD_FUZZ_FDT_SIZE	(16 << 10)
#define KD_FUZZ_MAX_NAMES	128

/* Words of the decoder table, collected at the first call. */
static const char *kd_names[KD_FUZZ_MAX_NAMES];
static unsigned int kd_nr_names;
static const char *const kd_extra[] = {
	"", "compatible", "linux,kho-v2", "linux,kho-test-v1", "memfd@0",
	"memfd@1", "memfd@2", "memfd@01", "x", "kho-test-v9",
	"unit@0", "unit@1", "device@0", "device@1", "device@01",
	KHO_VTD_MODE_LEGACY, KHO_VTD_MODE_SCALABLE, "intel,vtd-kho-v2",
};

static void kd_add_name(const char *name)
{
	if (kd_nr_names < KD_FUZZ_MAX_NAMES)
		kd_names[kd_nr_names++] = name;
}

static void kd_add_spec(const struct kd_node_spec *n)
{
	const struct kd_prop_spec *p;
	const struct kd_node_spec *c;

	kd_add_name(n->name);
	if (n->compatible)
		kd_add_name(n->compatible);
	for (p = n->props; p->name; p++)
		kd_add_name(p->name);
	for (c = n->children; c && c->name; c++)
		kd_add_spec(c);
}

static void kd_collect_names(void)
{
	const struct kd_node_spec *n;
	unsigned int i;

	kd_add_spec(&kd_root_spec);
	for (n = kd_handler_specs; n->name; n++)
		kd_add_spec(n);
	for (i = 0; i < ARRAY_SIZE(kd_extra); i++)
		kd_add_name(kd_extra[i]);
}

struct kd_recipe {
	const u8 *p;
	const u8 *end;
};

static unsigned int kd_byte(struct kd_recipe *r)
{
	return r->p < r->end ? *r->p++ : 0;
}

/* Up to @max bytes of the input, as a NUL-terminated name in @buf. */
static const char *kd_input_name(struct kd_recipe *r, char *buf, size_t max)
{
	size_t n = kd_byte(r) % max;

	if (n > (size_t)(r->end - r->p))
		n = r->end - r->p;
	memcpy(buf, r->p, n);
	buf[n] = 0;
	r->p += n;
	return buf;
}

static int kd_recipe_prop(void *fdt, struct kd_recipe *r, const char *name)
{
	size_t len = kd_byte(r) % 64;
	bool string = len >= 32;
	const char *s;
	char buf[64];

	if (len == 63) {
		s = kd_names[kd_byte(r) % kd_nr_names];
		return fdt_property(fdt, name, s, strlen(s) + 1);
	}
	len %= 32;
	if (len > (size_t)(r->end - r->p))
		len = r->end - r->p;
	memcpy(buf, r->p, len);
	r->p += len;
	if (string)
		buf[len++] = 0;
	return fdt_property(fdt, name, buf, len);
}

static int kd_recipe_step(void *fdt, struct kd_recipe *r, int *depth)
{
	char buf[64];
	unsigned int op = kd_byte(r) % 4;

	switch (op) {
	case 0:
		++*depth;
		return fdt_begin_node(fdt, kd_names[kd_byte(r) % kd_nr_names]);
	case 1:
		if (!*depth)
			return 0;
		--*depth;
		return fdt_end_node(fdt);
	case 2:
		return kd_recipe_prop(fdt, r, kd_names[kd_byte(r) % kd_nr_names]);
	default:
		if (kd_byte(r) & 1)
			return kd_recipe_prop(fdt, r, kd_input_name(r, buf, sizeof(buf)));
		++*depth;
		return fdt_begin_node(fdt, kd_input_name(r, buf, sizeof(buf)));
	}
}

/* Build the FDT a recipe describes; NULL if libfdt refuses it. */
static void *kd_recipe_fdt(const u8 *data, size_t size)
{
	struct kd_recipe r = { .p = data, .end = data + size };
	void *fdt = malloc(KD_FUZZ_FDT_SIZE);
	int depth = 0, err;

	if (!fdt)
		return NULL;
	err = fdt_create(fdt, KD_FUZZ_FDT_SIZE);
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	while (!err && r.p < r.end)
		err = kd_recipe_step(fdt, &r, &depth);
	while (!err && depth-- >= 0)
		err = fdt_end_node(fdt);
	err = err ?: fdt_finish(fdt);
	if (err) {
		free(fdt);
		return NULL;
	}
	return fdt;
}

static void kd_fuzz_one(const void *buf, size_t size, FILE *null)
{
	enum kd_result a, b, c;

	a = kd_dump(buf, size, "fuzz", KD_QUIET, null);
	b = kd_dump(buf, size, "fuzz", 0, null);
	c = kd_dump(buf, size, "fuzz", KD_JSON, null);
	if (a != b || a != c)
		abort();
}

/* libFuzzer's entry point; the Makefile gives its name (CamelCase). */
int KD_FUZZ_ENTRY(const u8 *data, size_t size);

int KD_FUZZ_ENTRY(const u8 *data, size_t size)
{
	static FILE *null;
	void *fdt, *exact;
	size_t len;

	if (!null) {
		null = fopen("/dev/null", "w");
		kd_collect_names();
	}
	if (!null)
		abort();
	if (size >= 4 && !memcmp(data, "\xd0\x0d\xfe\xed", 4)) {
		kd_fuzz_one(data, size, null);
		return 0;
	}
	fdt = kd_recipe_fdt(data, size);
	if (!fdt)
		return 0;
	/* An exact-size copy, so that reading past the FDT is caught. */
	len = fdt_totalsize(fdt);
	exact = malloc(len);
	if (exact) {
		memcpy(exact, fdt, len);
		kd_fuzz_one(exact, len, null);
	}
	free(exact);
	free(fdt);
	return 0;
}
