// SPDX-License-Identifier: GPL-2.0
/*
 * KHO debugfs: /sys/kernel/debug/kho/
 *
 *   out/freeze   read: 0 open, 1 frozen; write 1 to freeze, 0 to abort
 *   out/fdt      the root FDT of the last freeze (empty while open)
 *   out/scratch  this kernel's scratch ranges, "base size" in hex
 *   in/fdt       the FDT received from the previous kernel
 *   in/state     none, valid, bad or finished (bad: then the reason)
 *   stats        preserved folios per order, tracker pages and bytes
 *   finish       write 1: release what nobody restored
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/libfdt.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "kho_internal.h"

static ssize_t kho_bool_write(const char __user *buf, size_t len, bool *val)
{
	int err = kstrtobool_from_user(buf, len, val);

	return err ? err : len;
}

static ssize_t freeze_read(struct file *file, char __user *buf, size_t len,
			   loff_t *ppos)
{
	char state[3] = { kho_is_frozen() ? '1' : '0', '\n' };

	return simple_read_from_buffer(buf, len, ppos, state, 2);
}

static ssize_t freeze_write(struct file *file, const char __user *buf,
			    size_t len, loff_t *ppos)
{
	ssize_t ret;
	bool freeze;
	int err;

	ret = kho_bool_write(buf, len, &freeze);
	if (ret < 0)
		return ret;
	err = freeze ? kho_freeze() : kho_abort();
	return err ?: ret;
}

static const struct file_operations freeze_fops = {
	.read = freeze_read,
	.write = freeze_write,
	.llseek = default_llseek,
};

static ssize_t out_fdt_read(struct file *file, char __user *buf, size_t len,
			    loff_t *ppos)
{
	ssize_t ret = 0;

	mutex_lock(&kho_out.lock);
	if (kho_out.fdt.blob)
		ret = simple_read_from_buffer(buf, len, ppos, kho_out.fdt.blob,
					      fdt_totalsize(kho_out.fdt.blob));
	mutex_unlock(&kho_out.lock);
	return ret;
}

static const struct file_operations out_fdt_fops = {
	.read = out_fdt_read,
	.llseek = default_llseek,
};

static ssize_t in_fdt_read(struct file *file, char __user *buf, size_t len,
			   loff_t *ppos)
{
	ssize_t ret = 0;

	mutex_lock(&kho_in.lock);
	if (kho_in.state == KHO_IN_VALID)
		ret = simple_read_from_buffer(buf, len, ppos, kho_in.fdt,
					      fdt_totalsize(kho_in.fdt));
	mutex_unlock(&kho_in.lock);
	return ret;
}

static const struct file_operations in_fdt_fops = {
	.read = in_fdt_read,
	.llseek = default_llseek,
};

static int scratch_show(struct seq_file *m, void *v)
{
	unsigned int i;

	for (i = 0; i < kho_nr_scratch; i++)
		seq_printf(m, "0x%llx 0x%llx\n", kho_scratch[i].base,
			   kho_scratch[i].size);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(scratch);

static const char *const kho_in_state_names[] = {
	[KHO_IN_NONE] = "none",
	[KHO_IN_VALID] = "valid",
	[KHO_IN_BAD] = "bad",
	[KHO_IN_FINISHED] = "finished",
};

static int state_show(struct seq_file *m, void *v)
{
	enum kho_in_state state = kho_in_state();

	if (state == KHO_IN_BAD)
		seq_printf(m, "bad %s\n", kho_in.why);
	else
		seq_printf(m, "%s\n", kho_in_state_names[state]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(state);

static int stats_show(struct seq_file *m, void *v)
{
	struct kho_tracker *t = &kho_out.tracker;
	unsigned long pages = 0, nodes;
	unsigned int order;

	if (!kho_out_ready())
		return -ENODEV;
	for (order = 0; order < KHO_NR_ORDERS; order++) {
		unsigned long folios = kho_tracker_count(t, order);

		if (!folios)
			continue;
		seq_printf(m, "order %u: %lu folios\n", order, folios);
		pages += folios << order;
	}
	nodes = atomic_long_read(&t->nr_nodes);
	seq_printf(m, "preserved pages: %lu\n", pages);
	seq_printf(m, "preserved bytes: %lu\n", pages << PAGE_SHIFT);
	seq_printf(m, "tracker pages: %lu\n", nodes);
	seq_printf(m, "tracker bytes: %lu\n", nodes << PAGE_SHIFT);
	seq_printf(m, "frozen: %d\n", kho_is_frozen());
	kho_memfd_stats(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static ssize_t finish_write(struct file *file, const char __user *buf,
			    size_t len, loff_t *ppos)
{
	ssize_t ret;
	bool finish;

	ret = kho_bool_write(buf, len, &finish);
	if (ret < 0 || !finish)
		return ret;
	return kho_finish() ?: ret;
}

static const struct file_operations finish_fops = {
	.write = finish_write,
	.llseek = default_llseek,
};

static int __init kho_debugfs_init(void)
{
	struct dentry *root = debugfs_create_dir("kho", NULL);
	struct dentry *out = debugfs_create_dir("out", root);
	struct dentry *in = debugfs_create_dir("in", root);

	debugfs_create_file("freeze", 0600, out, NULL, &freeze_fops);
	debugfs_create_file("fdt", 0400, out, NULL, &out_fdt_fops);
	debugfs_create_file("scratch", 0400, out, NULL, &scratch_fops);
	debugfs_create_file("fdt", 0400, in, NULL, &in_fdt_fops);
	debugfs_create_file("state", 0400, in, NULL, &state_fops);
	debugfs_create_file("stats", 0400, root, NULL, &stats_fops);
	debugfs_create_file("finish", 0200, root, NULL, &finish_fops);
	return 0;
}
late_initcall(kho_debugfs_init);
