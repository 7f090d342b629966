// SPDX-License-Identifier: GPL-2.0
/*
 * kho-dump's JSON output. The keys are stable and documented in
 * kho-dump(1); a new key may be added, none is renamed or removed.
 *
 * A node is an object at indent level 1 + 2 * depth; its properties are an
 * object, its children an array. w->state[depth] says where the printer
 * is inside the node at that depth.
 */
#include <string.h>
#include <libfdt.h>

#include "kho-dump.h"

#define KD_JSON_SCHEMA	1

enum {
	KD_IN_PROPS_EMPTY,	/* "properties": { just opened */
	KD_IN_PROPS,		/* ... with at least one entry */
	KD_IN_CHILDREN_EMPTY,	/* "children": [ just opened */
	KD_IN_CHILDREN,		/* ... with at least one child */
};

/* JSON string contents; bytes beyond ASCII are escaped as Latin-1. */
static void kd_json_chars(FILE *f, const char *s, size_t len)
{
	size_t i;
	u8 c;

	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

static void kd_json_str(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	kd_json_chars(f, s, len);
	fputc('"', f);
}

static void kd_json_cstr(FILE *f, const char *s)
{
	kd_json_str(f, s, strlen(s));
}

static void kd_indent(FILE *f, int level)
{
	fprintf(f, "%*s", 2 * level, "");
}

static int kd_level(int depth)
{
	return 1 + 2 * depth;
}

static void kd_json_begin(struct kd_walk *w)
{
	FILE *f = w->out;
	unsigned int i;

	fprintf(f, "{\n  \"schema\": %d,\n  \"source\": ", KD_JSON_SCHEMA);
	kd_json_cstr(f, w->source);
	if (w->hdr_ok)
		fprintf(f, ",\n  \"fdt_version\": %u,\n  \"fdt_size\": %u",
			fdt_version(w->fdt), fdt_totalsize(w->fdt));
	else
		fputs(",\n  \"fdt_version\": null,\n  \"fdt_size\": null", f);
	fprintf(f, ",\n  \"valid\": %s,\n  \"problems\": [",
		w->nr_problems ? "false" : "true");
	for (i = 0; i < w->nr_problems && i < KD_MAX_PROBLEMS; i++) {
		fprintf(f, "%s\n    {\"path\": ", i ? "," : "");
		kd_json_cstr(f, w->problems[i].path);
		fputs(", \"problem\": ", f);
		kd_json_cstr(f, w->problems[i].msg);
		fputc('}', f);
	}
	if (w->nr_problems > KD_MAX_PROBLEMS)
		fprintf(f, ",\n    {\"path\": \"/\", \"problem\": \"%u more problems not shown\"}",
			w->nr_problems - KD_MAX_PROBLEMS);
	fputs(i ? "\n  ],\n  \"root\": " : "],\n  \"root\": ", f);
}

/* Close the properties of the node at @depth and open its children. */
static void kd_json_open_children(struct kd_walk *w, int depth)
{
	FILE *f = w->out;

	if (w->state[depth] >= KD_IN_CHILDREN_EMPTY)
		return;
	if (w->state[depth] == KD_IN_PROPS) {
		fputc('\n', f);
		kd_indent(f, kd_level(depth) + 1);
	}
	fputs("},\n", f);
	kd_indent(f, kd_level(depth) + 1);
	fputs("\"children\": [", f);
	w->state[depth] = KD_IN_CHILDREN_EMPTY;
}

static void kd_json_node_begin(struct kd_walk *w, const struct kd_node *n)
{
	int d = n->depth, l = kd_level(d);
	FILE *f = w->out;

	if (d) {
		kd_json_open_children(w, d - 1);
		fputs(w->state[d - 1] == KD_IN_CHILDREN ? ",\n" : "\n", f);
		w->state[d - 1] = KD_IN_CHILDREN;
		kd_indent(f, l);
	}
	fputs("{\n", f);
	kd_indent(f, l + 1);
	fputs("\"name\": ", f);
	kd_json_cstr(f, n->name);
	fputs(",\n", f);
	kd_indent(f, l + 1);
	fputs("\"path\": ", f);
	kd_json_cstr(f, n->path);
	fputs(",\n", f);
	kd_indent(f, l + 1);
	fputs("\"compatible\": ", f);
	if (n->compatible)
		kd_json_cstr(f, n->compatible);
	else
		fputs("null", f);
	fprintf(f, ",\n");
	kd_indent(f, l + 1);
	fputs("\"summary\": ", f);
	if (n->summary)
		kd_json_cstr(f, n->summary);
	else
		fputs("null", f);
	fprintf(f, ",\n");
	kd_indent(f, l + 1);
	fprintf(f, "\"known\": %s,\n", n->spec ? "true" : "false");
	kd_indent(f, l + 1);
	fputs("\"properties\": {", f);
	w->state[d] = KD_IN_PROPS_EMPTY;
}

/* How many properties of this name came before this one. */
static int kd_json_dup_index(struct kd_walk *w, const struct kd_node *n,
			     const struct kd_prop *p)
{
	const char *name;
	int off, seen = 0;

	fdt_for_each_property_offset(off, w->fdt, n->offset) {
		if (off == p->offset)
			break;
		if (fdt_getprop_by_offset(w->fdt, off, &name, NULL) &&
		    !strcmp(name, p->name))
			seen++;
	}
	return seen;
}

static void kd_json_raw(FILE *f, const struct kd_prop *p)
{
	const u8 *b = p->val;
	int i;

	fprintf(f, "{\"type\": \"raw\", \"length\": %d, \"hex\": \"", p->len);
	for (i = 0; i < p->len; i++)
		fprintf(f, "%02x", b[i]);
	fputc('"', f);
	if (kd_looks_like_strings(b, p->len)) {
		fputs(", \"strings\": [", f);
		for (i = 0; i < p->len; i += strlen((const char *)b + i) + 1) {
			fputs(i ? ", " : "", f);
			kd_json_cstr(f, (const char *)b + i);
		}
		fputc(']', f);
	}
	fputc('}', f);
}

static void kd_json_flags(FILE *f, const struct kd_prop_spec *s, u64 v)
{
	const char *name;
	unsigned int bit;
	bool first = true;

	fputs(", \"names\": [", f);
	for (bit = 0; bit < 64; bit++) {
		if (!(v & (1ULL << bit)))
			continue;
		name = kd_bit_name(s, bit);
		fputs(first ? "" : ", ", f);
		if (name)
			fprintf(f, "\"%s\"", name);
		else
			fprintf(f, "\"bit%u\"", bit);
		first = false;
	}
	fputc(']', f);
}

static void kd_json_ranges(FILE *f, const struct kd_prop *p)
{
	const u8 *b = p->val;
	int i, n = p->len / 16;
	char human[32];
	u64 base, size;

	fputs("{\"type\": \"ranges\", \"value\": [", f);
	for (i = 0; i < n; i++) {
		base = kd_be64(b + 16 * i);
		size = kd_be64(b + 16 * i + 8);
		kd_human_size(human, sizeof(human), size);
		fprintf(f, "%s{\"base\": %llu, \"size\": %llu, ", i ? ", " : "",
			base, size);
		fprintf(f, "\"base_hex\": \"0x%llx\", \"size_hex\": \"0x%llx\", ",
			base, size);
		fprintf(f, "\"human\": \"%s\"}", human);
	}
	fputs("]}", f);
}

static void kd_json_phys_list(FILE *f, const struct kd_prop *p)
{
	const u8 *b = p->val;
	int i, n = p->len / 8;

	fprintf(f, "{\"type\": \"%s\", \"value\": [", kd_type_names[KD_PHYS_LIST]);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%llu", i ? ", " : "", kd_be64(b + 8 * i));
	fputs("], \"hex\": [", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s\"0x%llx\"", i ? ", " : "", kd_be64(b + 8 * i));
	fputs("]}", f);
}

static void kd_json_value(FILE *f, const struct kd_prop *p)
{
	const struct kd_prop_spec *s = p->spec;
	char human[32];
	u64 v;

	if (!s) {
		kd_json_raw(f, p);
		return;
	}
	if (s->type == KD_RANGES) {
		kd_json_ranges(f, p);
		return;
	}
	if (s->type == KD_PHYS_LIST) {
		kd_json_phys_list(f, p);
		return;
	}
	if (s->type == KD_STRING) {
		fputs("{\"type\": \"string\", \"value\": ", f);
		kd_json_str(f, p->val, p->len - 1);
		fputc('}', f);
		return;
	}
	v = kd_be64(p->val);
	fprintf(f, "{\"type\": \"%s\", \"value\": %llu, \"hex\": \"0x%llx\"",
		kd_type_names[s->type], v, v);
	if (s->type == KD_BYTES) {
		kd_human_size(human, sizeof(human), v);
		fprintf(f, ", \"human\": \"%s\"", human);
	}
	if (s->type == KD_BDF && kd_bdf_name(human, sizeof(human), v))
		fprintf(f, ", \"human\": \"%s\"", human);
	if (s->type == KD_FLAGS)
		kd_json_flags(f, s, v);
	fputc('}', f);
}

static void kd_json_prop(struct kd_walk *w, const struct kd_node *n,
			 const struct kd_prop *p)
{
	int d = n->depth, dup;
	FILE *f = w->out;

	fputs(w->state[d] == KD_IN_PROPS ? ",\n" : "\n", f);
	w->state[d] = KD_IN_PROPS;
	kd_indent(f, kd_level(d) + 2);
	fputc('"', f);
	kd_json_chars(f, p->name, strlen(p->name));
	dup = kd_json_dup_index(w, n, p);
	if (dup)
		fprintf(f, "#%d", dup + 1);
	fputs("\": ", f);
	kd_json_value(f, p);
}

static void kd_json_node_end(struct kd_walk *w, const struct kd_node *n)
{
	int d = n->depth;
	FILE *f = w->out;

	kd_json_open_children(w, d);
	if (w->state[d] == KD_IN_CHILDREN) {
		fputc('\n', f);
		kd_indent(f, kd_level(d) + 1);
	}
	fputs("]\n", f);
	kd_indent(f, kd_level(d));
	fputc('}', f);
}

static void kd_json_end(struct kd_walk *w)
{
	fputs(w->not_fdt ? "null\n}\n" : "\n}\n", w->out);
}

const struct kd_printer kd_json_printer = {
	.begin = kd_json_begin,
	.node_begin = kd_json_node_begin,
	.prop = kd_json_prop,
	.node_end = kd_json_node_end,
	.end = kd_json_end,
};
