// SPDX-License-Identifier: GPL-2.0
/*
 * kho-dump's text output: the tree, two spaces of indent a level, each
 * node as "name [compatible] (summary)", each property as "name: value"
 * with the values of a node aligned; addresses and identifiers in hex,
 * sizes in binary units with the exact value in hex, PCI requester IDs as
 * bus:device.function. The ABI problems follow the tree.
 */
#include <string.h>
#include <libfdt.h>

#include "kho-dump.h"

#define KD_RAW_SHOWN	32	/* bytes of a raw value shown */

/**
 * kd_human_size - a size in the largest binary unit it reaches
 * @buf: where to write, e.g. "64.0 MiB" or "512 B"
 * @size: room in @buf
 * @bytes: the size
 */
void kd_human_size(char *buf, size_t size, u64 bytes)
{
	static const char *const unit[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
	};
	unsigned int u = 0;

	while (u + 1 < ARRAY_SIZE(unit) && bytes >> (10 * (u + 1)))
		u++;
	if (!u)
		snprintf(buf, size, "%llu B", bytes);
	else
		snprintf(buf, size, "%.1f %s", (double)bytes / (double)(1ULL << (10 * u)),
			 unit[u]);
}

/* The name of bit @bit of a flags property, or NULL. */
const char *kd_bit_name(const struct kd_prop_spec *spec, unsigned int bit)
{
	unsigned int i;

	for (i = 0; spec->bits && spec->bits[i]; i++)
		if (i == bit)
			return spec->bits[i];
	return NULL;
}

/**
 * kd_bdf_name - a PCI requester ID as bus:device.function
 * @buf: where to write, e.g. "00:03.0"
 * @size: room in @buf
 * @bdf: bus << 8 | devfn
 *
 * Return: false if @bdf is above 0xffff (@buf is then empty).
 */
bool kd_bdf_name(char *buf, size_t size, u64 bdf)
{
	buf[0] = 0;
	if (bdf > 0xffff)
		return false;
	snprintf(buf, size, "%02llx:%02llx.%llu", bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7);
	return true;
}

static u32 kd_be32(const u8 *b)
{
	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

/* @len bytes of @s, escaping what is not printable ASCII. */
static void kd_text_str(FILE *f, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\')
			fputc(s[i], f);
		else
			fprintf(f, "\\x%02x", (u8)s[i]);
	}
}

static void kd_indent(FILE *f, int level)
{
	fprintf(f, "%*s", 2 * level, "");
}

/* The compatible is shown with the node's name, not as a property. */
static bool kd_text_hidden(const struct kd_node *n, const char *name)
{
	return n->compatible && !strcmp(name, "compatible");
}

static int kd_name_width(struct kd_walk *w, const struct kd_node *n)
{
	const char *name;
	int off, width = 0;

	fdt_for_each_property_offset(off, w->fdt, n->offset)
		if (fdt_getprop_by_offset(w->fdt, off, &name, NULL) &&
		    !kd_text_hidden(n, name) && (int)strlen(name) > width)
			width = strlen(name);
	return width;
}

static void kd_text_begin(struct kd_walk *w)
{
	if (w->not_fdt)
		fprintf(w->out, "%s: %zu bytes\n", w->source, w->len);
	else
		fprintf(w->out, "%s: flattened device tree v%u, %u bytes\n",
			w->source, fdt_version(w->fdt), fdt_totalsize(w->fdt));
}

static void kd_text_node_begin(struct kd_walk *w, const struct kd_node *n)
{
	kd_indent(w->out, n->depth);
	if (n->depth)
		kd_text_str(w->out, n->name, strlen(n->name));
	else
		fputc('/', w->out);
	if (n->compatible) {
		fputs(" [", w->out);
		kd_text_str(w->out, n->compatible, strlen(n->compatible));
		fputc(']', w->out);
	}
	if (n->summary) {
		fputs(" (", w->out);
		kd_text_str(w->out, n->summary, strlen(n->summary));
		fputc(')', w->out);
	}
	fputs(n->unknown ? " (unknown: not decoded)\n" : "\n", w->out);
	w->state[n->depth] = kd_name_width(w, n);
}

static void kd_text_raw(FILE *f, const struct kd_prop *p)
{
	const u8 *b = p->val;
	int i;

	if (!p->len) {
		fputs("(empty)\n", f);
	} else if (kd_looks_like_strings(b, p->len)) {
		for (i = 0; i < p->len; i += strlen((const char *)b + i) + 1) {
			fputs(i ? ", \"" : "\"", f);
			kd_text_str(f, (const char *)b + i, strlen((const char *)b + i));
			fputc('"', f);
		}
		fputc('\n', f);
	} else if (p->len % 8 == 0 && p->len <= KD_RAW_SHOWN) {
		for (i = 0; i < p->len; i += 8)
			fprintf(f, "%s0x%llx", i ? " " : "<", kd_be64(b + i));
		fprintf(f, "> (%d bytes as u64)\n", p->len);
	} else if (p->len % 4 == 0 && p->len <= KD_RAW_SHOWN) {
		for (i = 0; i < p->len; i += 4)
			fprintf(f, "%s0x%x", i ? " " : "<", kd_be32(b + i));
		fprintf(f, "> (%d bytes as u32)\n", p->len);
	} else {
		for (i = 0; i < p->len && i < KD_RAW_SHOWN; i++)
			fprintf(f, "%s%02x", i ? " " : "[", b[i]);
		fprintf(f, "%s] (%d bytes)\n", p->len > KD_RAW_SHOWN ? " ..." : "",
			p->len);
	}
}

static void kd_text_size(FILE *f, u64 v)
{
	char human[32];

	kd_human_size(human, sizeof(human), v);
	fprintf(f, "%s (0x%llx)", human, v);
}

static void kd_text_flags(FILE *f, const struct kd_prop_spec *s, u64 v)
{
	const char *name;
	unsigned int bit;
	bool first = true;

	fprintf(f, "0x%llx (", v);
	for (bit = 0; bit < 64; bit++) {
		if (!(v & (1ULL << bit)))
			continue;
		name = kd_bit_name(s, bit);
		fprintf(f, "%s", first ? "" : ", ");
		if (name)
			fputs(name, f);
		else
			fprintf(f, "bit%u", bit);
		first = false;
	}
	fputs(first ? "none)" : ")", f);
}

static void kd_text_ranges(FILE *f, const struct kd_prop *p, int depth)
{
	const u8 *b = p->val;
	int i, n = p->len / 16;
	u64 base, size;

	fprintf(f, "%d range%s\n", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		base = kd_be64(b + 16 * i);
		size = kd_be64(b + 16 * i + 8);
		kd_indent(f, depth);
		if (!size || base + size - 1 < base) {
			fprintf(f, "[%d] 0x%llx, size 0x%llx (invalid)\n", i, base, size);
			continue;
		}
		fprintf(f, "[%d] 0x%llx-0x%llx  ", i, base, base + size - 1);
		kd_text_size(f, size);
		fputc('\n', f);
	}
}

static void kd_text_phys_list(FILE *f, const struct kd_prop *p, int depth)
{
	const u8 *b = p->val;
	int i, n = p->len / 8;

	if (!n) {
		fputs("none\n", f);
		return;
	}
	fprintf(f, "%d address%s\n", n, n == 1 ? "" : "es");
	for (i = 0; i < n; i++) {
		kd_indent(f, depth);
		fprintf(f, "[%d] 0x%llx\n", i, kd_be64(b + 8 * i));
	}
}

static void kd_text_prop(struct kd_walk *w, const struct kd_node *n,
			 const struct kd_prop *p)
{
	FILE *f = w->out;
	char bdf[16];
	u64 v = 0;
	int pad;

	if (kd_text_hidden(n, p->name))
		return;
	kd_indent(f, n->depth + 1);
	kd_text_str(f, p->name, strlen(p->name));
	pad = w->state[n->depth] - (int)strlen(p->name);
	fprintf(f, ":%*s ", pad > 0 ? pad : 0, "");
	if (!p->spec) {
		kd_text_raw(f, p);
		return;
	}
	if (p->len == sizeof(u64))
		v = kd_be64(p->val);
	switch (p->spec->type) {
	case KD_STRING:
		fputc('"', f);
		kd_text_str(f, p->val, p->len - 1);
		fputc('"', f);
		break;
	case KD_U64:
		fprintf(f, "%llu", v);
		break;
	case KD_PHYS:
	case KD_ID:
		fprintf(f, "0x%llx", v);
		break;
	case KD_BDF:
		if (kd_bdf_name(bdf, sizeof(bdf), v))
			fprintf(f, "%s (0x%llx)", bdf, v);
		else
			fprintf(f, "0x%llx", v);
		break;
	case KD_BYTES:
		kd_text_size(f, v);
		break;
	case KD_FLAGS:
		kd_text_flags(f, p->spec, v);
		break;
	case KD_RANGES:
		kd_text_ranges(f, p, n->depth + 2);
		return;
	case KD_PHYS_LIST:
	default:
		kd_text_phys_list(f, p, n->depth + 2);
		return;
	}
	fputc('\n', f);
}

static void kd_text_end(struct kd_walk *w)
{
	unsigned int n = w->nr_problems;

	if (!n) {
		fputs("\nABI check: valid\n", w->out);
		return;
	}
	fprintf(w->out, "\nABI check: %u problem%s\n", n, n == 1 ? "" : "s");
	kd_print_problems(w, "  ");
}

const struct kd_printer kd_text_printer = {
	.begin = kd_text_begin,
	.node_begin = kd_text_node_begin,
	.prop = kd_text_prop,
	.end = kd_text_end,
};
