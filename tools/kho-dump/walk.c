// SPDX-License-Identifier: GPL-2.0
/*
 * kho-dump's walker: make sure the buffer is an FDT, then visit every node
 * and property, decide from the decoder table how each one is decoded,
 * and report where the handover breaks the ABI.
 *
 * kd_dump() walks twice: once without a printer to collect the problems,
 * once with the printer of the chosen output (which may show the problems
 * before the tree). The checks run in both passes, because they decide
 * whether a property is decoded or shown raw, but only the first records.
 */
#include <stdarg.h>
#include <string.h>
#include <libfdt.h>
#include <linux/kho.h>

#include "kho-dump.h"

/**
 * kd_problem - record one way the input breaks the ABI
 * @w: the walk
 * @path: the node
 * @prop: the property (or "name[index]"), or NULL for the node itself
 * @fmt: what is wrong
 */
void kd_problem(struct kd_walk *w, const char *path, const char *prop,
		const char *fmt, ...)
{
	struct kd_problem *p;
	va_list ap;

	if (w->pr)
		return;
	if (w->nr_problems++ >= KD_MAX_PROBLEMS)
		return;
	p = &w->problems[w->nr_problems - 1];
	if (prop)
		snprintf(p->path, sizeof(p->path), "%s%s%s", path,
			 strcmp(path, "/") ? "/" : "", prop);
	else
		snprintf(p->path, sizeof(p->path), "%s", path);
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
}

u64 kd_be64(const void *p)
{
	const u8 *b = p;
	u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* One NUL-terminated string, nothing after its NUL. */
bool kd_is_string(const void *val, int len)
{
	return len > 0 && memchr(val, 0, len) == (const char *)val + len - 1;
}

/* A list of one or more non-empty NUL-terminated strings. */
bool kd_is_string_list(const void *p, int len)
{
	const char *val = p;
	int i;

	if (len < 1 || !val[0] || val[len - 1])
		return false;
	for (i = 1; i < len; i++)
		if (!val[i] && !val[i - 1])
			return false;
	return true;
}

/* A list of strings of printable ASCII: what a raw value is shown as. */
bool kd_looks_like_strings(const void *p, int len)
{
	const u8 *val = p;
	int i;

	if (!kd_is_string_list(val, len))
		return false;
	for (i = 0; i < len; i++)
		if (val[i] && (val[i] < 0x20 || val[i] >= 0x7f))
			return false;
	return true;
}

/**
 * kd_get_u64 - a u64 property of a node, if it is one
 * @w: the walk
 * @node: node offset
 * @name: property name
 * @val: set to its value
 *
 * Return: false if the property is missing or not 8 bytes long (the
 * walker reports that already).
 */
bool kd_get_u64(struct kd_walk *w, int node, const char *name, u64 *val)
{
	const void *p;
	int len;

	p = fdt_getprop(w->fdt, node, name, &len);
	if (!p || len != sizeof(u64))
		return false;
	*val = kd_be64(p);
	return true;
}

/* @s for a message, escaping what is not printable ASCII. */
const char *kd_quote(char *buf, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s && n + 5 < size; s++) {
		if (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\')
			buf[n++] = *s;
		else
			n += snprintf(buf + n, size - n, "\\x%02x", (u8)*s);
	}
	buf[n] = 0;
	return buf;
}

/* ---- properties -------------------------------------------------------- */

static bool kd_is_choice(const char *const *choices, const char *val)
{
	for (; *choices; choices++)
		if (!strcmp(*choices, val))
			return true;
	return false;
}

/* The values allowed, for a message: "a", "b" or "c". */
static const char *kd_choices(char *buf, size_t size, const char *const *choices)
{
	size_t n = 0;
	int i;

	buf[0] = 0;
	for (i = 0; choices[i] && n < size; i++)
		n += snprintf(buf + n, size - n, "%s\"%s\"",
			      !i ? "" : choices[i + 1] ? ", " : " or ", choices[i]);
	return buf;
}

static bool kd_check_string(struct kd_walk *w, const char *path,
			    const struct kd_prop_spec *s, const char *val,
			    int len)
{
	char q[96], choices[96];
	size_t n;

	if (kd_is_string_list(val, len) && !kd_is_string(val, len)) {
		kd_problem(w, path, s->name, "a list of strings, one string expected");
		return false;
	}
	if (!kd_is_string(val, len)) {
		kd_problem(w, path, s->name, "not a NUL-terminated string (%d bytes)", len);
		return false;
	}
	n = len - 1;
	if (!n && (s->flags & KD_NONZERO))
		kd_problem(w, path, s->name, "empty string");
	if (s->max && n > s->max)
		kd_problem(w, path, s->name, "%zu bytes long, at most %u allowed",
			   n, s->max);
	if (s->value && strcmp(val, s->value))
		kd_problem(w, path, s->name, "\"%s\", expected \"%s\"",
			   kd_quote(q, sizeof(q), val), s->value);
	if (s->choices && !kd_is_choice(s->choices, val))
		kd_problem(w, path, s->name, "\"%s\", expected %s",
			   kd_quote(q, sizeof(q), val),
			   kd_choices(choices, sizeof(choices), s->choices));
	return true;
}

/* A number as its type shows it: identifiers and addresses in hex. */
static const char *kd_num(char *buf, size_t size, enum kd_type type, u64 v)
{
	bool hex = type == KD_ID || type == KD_BDF || type == KD_PHYS || type == KD_FLAGS;

	snprintf(buf, size, hex ? "0x%llx" : "%llu", v);
	return buf;
}

static void kd_check_bounds(struct kd_walk *w, const char *path,
			    const struct kd_prop_spec *s, u64 v)
{
	char val[24], lo[24], hi[24], range[64];

	kd_num(val, sizeof(val), s->type, v);
	kd_num(lo, sizeof(lo), s->type, s->lo);
	kd_num(hi, sizeof(hi), s->type, s->hi);
	if (s->lo == s->hi)
		snprintf(range, sizeof(range), "must be %s", hi);
	else if (!s->lo)
		snprintf(range, sizeof(range), "at most %s", hi);
	else
		snprintf(range, sizeof(range), "expected %s to %s", lo, hi);
	kd_problem(w, path, s->name, "%s, %s%s%s%s", val, range,
		   s->note ? " (" : "", s->note ?: "", s->note ? ")" : "");
}

static bool kd_check_u64(struct kd_walk *w, const char *path,
			 const struct kd_prop_spec *s, const void *val, int len)
{
	u64 v;

	if (len != sizeof(u64)) {
		kd_problem(w, path, s->name, "%d bytes, a u64 has 8", len);
		return false;
	}
	v = kd_be64(val);
	if (!v && (s->flags & KD_NONZERO))
		kd_problem(w, path, s->name, "must not be zero");
	if ((s->flags & KD_ALIGNED) && v % KD_PAGE_SIZE)
		kd_problem(w, path, s->name, "0x%llx is not page aligned", v);
	if (s->type == KD_BDF && v > 0xffff)
		kd_problem(w, path, s->name, "0x%llx is not a PCI requester ID (at most 0xffff)",
			   v);
	if ((s->flags & KD_BOUNDED) && (v < s->lo || v > s->hi))
		kd_check_bounds(w, path, s, v);
	return true;
}

/* A range that is empty or wraps around is reported and not compared. */
static bool kd_check_range(struct kd_walk *w, const char *path,
			   const char *where, const struct kd_prop_spec *s,
			   u64 base, u64 size)
{
	if ((s->flags & KD_ALIGNED) && base % KD_PAGEBLOCK_SIZE)
		kd_problem(w, path, where, "base 0x%llx is not pageblock (2 MiB) aligned", base);
	if ((s->flags & KD_ALIGNED) && size % KD_PAGEBLOCK_SIZE)
		kd_problem(w, path, where, "size 0x%llx is not pageblock (2 MiB) aligned", size);
	if (!size) {
		kd_problem(w, path, where, "size is zero");
		return false;
	}
	if (base + size - 1 < base) {
		kd_problem(w, path, where, "0x%llx + 0x%llx wraps around", base, size);
		return false;
	}
	return true;
}

static bool kd_check_ranges(struct kd_walk *w, const char *path,
			    const struct kd_prop_spec *s, const u8 *val, int len)
{
	unsigned int i, j, n = len / 16;
	char where[KD_PATH_MAX];
	u64 bi, si, bj, sj;

	if (len % 16) {
		kd_problem(w, path, s->name, "%d bytes, not a list of (base, size) u64 pairs",
			   len);
		return false;
	}
	if (!n && (s->flags & KD_NONZERO))
		kd_problem(w, path, s->name, "no ranges");
	if (s->max && n > s->max)
		kd_problem(w, path, s->name, "%u ranges, at most %u allowed", n, s->max);
	for (i = 0; i < n; i++) {
		bi = kd_be64(val + 16 * i);
		si = kd_be64(val + 16 * i + 8);
		snprintf(where, sizeof(where), "%s[%u]", s->name, i);
		if (!kd_check_range(w, path, where, s, bi, si))
			continue;
		for (j = 0; j < i; j++) {
			bj = kd_be64(val + 16 * j);
			sj = kd_be64(val + 16 * j + 8);
			if (sj && bj + sj - 1 >= bj && bi <= bj + sj - 1 &&
			    bj <= bi + si - 1) {
				kd_problem(w, path, where, "overlaps %s[%u]", s->name, j);
				break;
			}
		}
	}
	return true;
}

static bool kd_check_phys_list(struct kd_walk *w, const char *path,
			       const struct kd_prop_spec *s, const u8 *val,
			       int len)
{
	unsigned int i, j, n = len / 8;
	char where[KD_PATH_MAX];
	u64 v;

	if (len % 8) {
		kd_problem(w, path, s->name, "%d bytes, not a list of u64", len);
		return false;
	}
	if (s->max && n > s->max)
		kd_problem(w, path, s->name, "%u addresses, at most %u allowed",
			   n, s->max);
	for (i = 0; i < n; i++) {
		v = kd_be64(val + 8 * i);
		snprintf(where, sizeof(where), "%s[%u]", s->name, i);
		if (!v && (s->flags & KD_NONZERO))
			kd_problem(w, path, where, "must not be zero");
		if ((s->flags & KD_ALIGNED) && v % KD_PAGE_SIZE)
			kd_problem(w, path, where, "0x%llx is not page aligned", v);
		/* Quadratic: not for a list over its bound (a problem already). */
		if (!(s->flags & KD_UNIQUE) || (s->max && n > s->max))
			continue;
		for (j = 0; j < i; j++) {
			if (kd_be64(val + 8 * j) != v)
				continue;
			kd_problem(w, path, where, "0x%llx is listed twice (also %s[%u])",
				   v, s->name, j);
			break;
		}
	}
	return true;
}

static void kd_check_flags(struct kd_walk *w, const char *path,
			   const struct kd_prop_spec *s, const void *val)
{
	u64 v = kd_be64(val), known = 0;
	unsigned int bit;

	for (bit = 0; s->bits && s->bits[bit] && bit < 64; bit++)
		known |= 1ULL << bit;
	if (v & ~known)
		kd_problem(w, path, s->name, "unknown bits 0x%llx", v & ~known);
}

/* Does the value fit its spec? Reports why not; false: show it raw. */
static bool kd_check_prop(struct kd_walk *w, const char *path,
			  const struct kd_prop_spec *s, const void *val, int len)
{
	switch (s->type) {
	case KD_STRING:
		return kd_check_string(w, path, s, val, len);
	case KD_RANGES:
		return kd_check_ranges(w, path, s, val, len);
	case KD_PHYS_LIST:
		return kd_check_phys_list(w, path, s, val, len);
	case KD_FLAGS:
		if (!kd_check_u64(w, path, s, val, len))
			return false;
		kd_check_flags(w, path, s, val);
		return true;
	default:
		return kd_check_u64(w, path, s, val, len);
	}
}

static const struct kd_prop_spec *kd_find_prop(const struct kd_node_spec *n,
					       const char *name)
{
	const struct kd_prop_spec *s;

	for (s = n->props; s->name; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

/* Report a property name the second time it appears in a node. */
static void kd_check_dup_prop(struct kd_walk *w, const struct kd_node *n,
			      int offset, const char *name)
{
	const char *other;
	int off, seen = 0;

	fdt_for_each_property_offset(off, w->fdt, n->offset) {
		if (off == offset)
			break;
		if (fdt_getprop_by_offset(w->fdt, off, &other, NULL) &&
		    !strcmp(other, name))
			seen++;
	}
	if (seen == 1)
		kd_problem(w, n->path, name, "duplicate property");
}

static void kd_visit_props(struct kd_walk *w, const struct kd_node *n)
{
	const struct kd_prop_spec *s;
	struct kd_prop p;
	int off;

	fdt_for_each_property_offset(off, w->fdt, n->offset) {
		p.val = fdt_getprop_by_offset(w->fdt, off, &p.name, &p.len);
		p.offset = off;
		if (!p.val)
			continue;
		if (!w->pr)
			kd_check_dup_prop(w, n, off, p.name);
		s = n->spec ? kd_find_prop(n->spec, p.name) : NULL;
		p.spec = s && kd_check_prop(w, n->path, s, p.val, p.len) ? s : NULL;
		if (w->pr)
			w->pr->prop(w, n, &p);
	}
}

static void kd_check_required(struct kd_walk *w, const struct kd_node *n)
{
	const struct kd_prop_spec *s;

	for (s = n->spec->props; s->name; s++)
		if ((s->flags & KD_REQ) && !fdt_getprop(w->fdt, n->offset, s->name, NULL))
			kd_problem(w, n->path, s->name, "required property missing (%s)",
				   kd_type_names[s->type]);
}

/* ---- nodes ------------------------------------------------------------- */

/* The node's compatible if it is one string, else NULL. */
static const char *kd_compatible(struct kd_walk *w, int node)
{
	const char *c;
	int len;

	c = fdt_getprop(w->fdt, node, "compatible", &len);
	return c && kd_is_string(c, len) ? c : NULL;
}

/**
 * kd_name_matches - a node name against a spec's name
 * @pattern: the spec's name; a trailing "@N" is a decimal unit address
 *	without leading zeros
 * @name: the node's name
 *
 * Return: true if @name is one @pattern stands for.
 */
bool kd_name_matches(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);

	if (n < 2 || strcmp(pattern + n - 2, "@N"))
		return !strcmp(pattern, name);
	if (strncmp(pattern, name, n - 1))
		return false;
	name += n - 1;
	if (!*name || (name[0] == '0' && name[1]))
		return false;
	return strspn(name, "0123456789") == strlen(name);
}

static const struct kd_node_spec *kd_find_handler(const char *key, bool by_compat)
{
	const struct kd_node_spec *s;

	for (s = kd_handler_specs; s->name; s++)
		if (!strcmp(by_compat ? s->compatible : s->name, key))
			return s;
	return NULL;
}

/*
 * A child of the root is a handler's node, known by its compatible. One
 * without a usable compatible is still decoded by its name, if known, so
 * that the property checks say what is wrong with it.
 */
static void kd_match_handler(struct kd_walk *w, struct kd_node *c)
{
	const struct kd_node_spec *s;

	if (c->compatible) {
		s = kd_find_handler(c->compatible, true);
		if (s && strcmp(s->name, c->name))
			kd_problem(w, c->path, NULL, "a %s node must be named \"%s\"",
				   s->compatible, s->name);
		c->spec = s;
		c->unknown = !s;
		return;
	}
	c->spec = kd_find_handler(c->name, false);
	if (c->spec)
		return;
	c->unknown = true;
	if (!fdt_getprop(w->fdt, c->offset, "compatible", NULL))
		kd_problem(w, c->path, "compatible", "missing: a handler node needs one");
	else
		kd_problem(w, c->path, "compatible", "not one NUL-terminated string");
}

static void kd_match(struct kd_walk *w, const struct kd_node *parent,
		     struct kd_node *c, bool handlers)
{
	const struct kd_node_spec *s;

	c->spec = NULL;
	c->unknown = false;
	if (handlers) {
		kd_match_handler(w, c);
		return;
	}
	if (!parent->spec)
		return;
	for (s = parent->spec->children; s && s->name; s++) {
		if (kd_name_matches(s->name, c->name)) {
			c->spec = s;
			return;
		}
	}
	c->unknown = true;
}

/* Report a node name the second time it appears among its siblings. */
static void kd_check_dup_node(struct kd_walk *w, const struct kd_node *parent,
			      const struct kd_node *c)
{
	const char *name;
	int off, seen = 0;

	fdt_for_each_subnode(off, w->fdt, parent->offset) {
		if (off == c->offset)
			break;
		name = fdt_get_name(w->fdt, off, NULL);
		if (name && !strcmp(name, c->name))
			seen++;
	}
	if (seen == 1)
		kd_problem(w, c->path, NULL, "duplicate node name");
}

static void kd_visit(struct kd_walk *w, const struct kd_node *n, bool handlers);

static void kd_visit_children(struct kd_walk *w, const struct kd_node *parent,
			      bool handlers)
{
	char path[KD_PATH_MAX], summary[KD_SUMMARY_MAX];
	struct kd_node c;
	int off;

	fdt_for_each_subnode(off, w->fdt, parent->offset) {
		if (parent->depth >= KD_MAX_DEPTH) {
			kd_problem(w, parent->path, NULL,
				   "nodes nested deeper than %d levels (not shown)",
				   KD_MAX_DEPTH);
			return;
		}
		c.offset = off;
		c.name = fdt_get_name(w->fdt, off, NULL) ?: "";
		c.depth = parent->depth + 1;
		snprintf(path, sizeof(path), "%s%s%s", parent->path,
			 parent->depth ? "/" : "", c.name);
		c.path = path;
		c.compatible = kd_compatible(w, off);
		if (!w->pr)
			kd_check_dup_node(w, parent, &c);
		kd_match(w, parent, &c, handlers);
		c.summary = NULL;
		if (w->pr && c.spec && c.spec->summary &&
		    c.spec->summary(w, off, summary, sizeof(summary)))
			c.summary = summary;
		kd_visit(w, &c, false);
	}
}

static void kd_visit(struct kd_walk *w, const struct kd_node *n, bool handlers)
{
	if (w->pr)
		w->pr->node_begin(w, n);
	kd_visit_props(w, n);
	if (!w->pr && n->spec) {
		kd_check_required(w, n);
		if (n->spec->check)
			n->spec->check(w, n->offset, n->path);
	}
	kd_visit_children(w, n, handlers);
	if (w->pr && w->pr->node_end)
		w->pr->node_end(w, n);
}

/* The root decides the ABI: anything but exactly ours is not decoded. */
static void kd_visit_root(struct kd_walk *w)
{
	struct kd_node n = { .name = "", .path = "/" };
	const char *prefix = "linux,kho-v";
	char q[96];

	n.compatible = kd_compatible(w, 0);
	if (!n.compatible || !strcmp(n.compatible, KHO_FDT_COMPATIBLE)) {
		n.spec = &kd_root_spec;
	} else {
		n.unknown = true;
		kd_quote(q, sizeof(q), n.compatible);
		if (!strncmp(n.compatible, prefix, strlen(prefix)))
			kd_problem(w, "/", "compatible",
				   "\"%s\": unsupported KHO ABI version (this kho-dump reads \"%s\")",
				   q, KHO_FDT_COMPATIBLE);
		else
			kd_problem(w, "/", "compatible",
				   "\"%s\": not a KHO handover (expected \"%s\")",
				   q, KHO_FDT_COMPATIBLE);
	}
	kd_visit(w, &n, n.spec == &kd_root_spec);
}

/* ---- the buffer -------------------------------------------------------- */

__printf(2, 3)
static bool kd_not_fdt(struct kd_walk *w, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	kd_problem(w, "/", NULL, "not a flattened device tree (%s)", why);
	w->not_fdt = true;
	return false;
}

/* Everything libfdt needs before the tree can be walked safely. */
static bool kd_check_fdt(struct kd_walk *w)
{
	int err;

	if (!w->len)
		return kd_not_fdt(w, "empty input");
	if (w->len < sizeof(struct fdt_header))
		return kd_not_fdt(w, "%zu bytes, shorter than its header", w->len);
	err = fdt_check_header(w->fdt);
	if (err)
		return kd_not_fdt(w, "libfdt: %s", fdt_strerror(err));
	w->hdr_ok = true;
	if (fdt_totalsize(w->fdt) > w->len)
		return kd_not_fdt(w, "truncated: its header says %u bytes, the input has %zu",
				  fdt_totalsize(w->fdt), w->len);
	if (fdt_version(w->fdt) < 16)
		return kd_not_fdt(w, "version %u, 16 or later needed",
				  fdt_version(w->fdt));
	err = fdt_check_full(w->fdt, w->len);
	if (err)
		return kd_not_fdt(w, "libfdt: %s", fdt_strerror(err));
	return true;
}

/**
 * kd_print_problems - the problems, one "path: problem" line each
 * @w: the walk
 * @indent: put before each line
 */
void kd_print_problems(struct kd_walk *w, const char *indent)
{
	unsigned int i, n = w->nr_problems;

	for (i = 0; i < n && i < KD_MAX_PROBLEMS; i++)
		fprintf(w->out, "%s%s: %s\n", indent, w->problems[i].path,
			w->problems[i].msg);
	if (n > KD_MAX_PROBLEMS)
		fprintf(w->out, "%s/: %u more problems not shown\n", indent,
			n - KD_MAX_PROBLEMS);
}

/**
 * kd_dump - decode, check and print one handover FDT
 * @buf: the input
 * @len: its length
 * @source: its name, for the output
 * @mode: KD_JSON, KD_CHECK, KD_QUIET
 * @out: where to print
 *
 * Return: whether @buf is a valid handover, an invalid one, or no FDT.
 */
enum kd_result kd_dump(const void *buf, size_t len, const char *source,
		       unsigned int mode, FILE *out)
{
	struct kd_walk w = { .fdt = buf, .len = len, .source = source, .out = out };
	enum kd_result res;

	if (kd_check_fdt(&w))
		kd_visit_root(&w);
	res = w.not_fdt ? KD_NOT_FDT : w.nr_problems ? KD_INVALID : KD_VALID;
	if (mode & KD_QUIET)
		return res;
	if (mode & KD_JSON)
		w.pr = &kd_json_printer;
	else if (!(mode & KD_CHECK))
		w.pr = &kd_text_printer;
	if (!w.pr) {
		kd_print_problems(&w, "");
		return res;
	}
	w.pr->begin(&w);
	if (!w.not_fdt)
		kd_visit_root(&w);
	w.pr->end(&w);
	return res;
}
