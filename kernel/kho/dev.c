// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kho: the userspace interface of Kexec HandOver.
 *
 * A table-driven ioctl dispatcher: every command has one extensible struct
 * that starts with its own size. The kernel copies what the user gave,
 * zero-extends it to the struct it knows (copy_struct_from_user() rejects a
 * larger struct whose extra bytes are not zero), and answers by copying
 * back as many bytes as the user's struct holds.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/miscdevice.h>
#include <linux/uaccess.h>

#include "kho_internal.h"

/* Room for the largest command struct. */
union kho_cmd_buffer {
	struct kho_memfd_preserve preserve;
	struct kho_memfd_unpreserve unpreserve;
	struct kho_memfd_list list;
	struct kho_memfd_restore restore;
	struct kho_finish finish;
};

/**
 * struct kho_ioctl_op - one command
 * @size: the kernel's struct size
 * @min_size: the size of the struct's first version
 * @execute: runs the command on the kernel's copy
 */
struct kho_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	int (*execute)(struct kho_ucmd *ucmd);
};

static int kho_finish_ioctl(struct kho_ucmd *ucmd)
{
	struct kho_finish *cmd = ucmd->cmd;

	if (cmd->flags)
		return -EOPNOTSUPP;
	return kho_finish();
}

/* Indexed by command number; the ioctl number must be _IO(KHO_TYPE, nr). */
#define KHO_IOCTL_OP(_cmd, _fn, _struct, _last)				\
	[(_cmd) - KHO_CMD_BASE] = {					\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union kho_cmd_buffer) <	\
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.execute = _fn,						\
	}

static const struct kho_ioctl_op kho_ioctl_ops[] = {
	KHO_IOCTL_OP(KHO_CMD_MEMFD_PRESERVE, kho_memfd_preserve,
		     struct kho_memfd_preserve, name),
	KHO_IOCTL_OP(KHO_CMD_MEMFD_UNPRESERVE, kho_memfd_unpreserve,
		     struct kho_memfd_unpreserve, name),
	KHO_IOCTL_OP(KHO_CMD_MEMFD_LIST, kho_memfd_list,
		     struct kho_memfd_list, out_name),
	KHO_IOCTL_OP(KHO_CMD_MEMFD_RESTORE, kho_memfd_restore,
		     struct kho_memfd_restore, __reserved),
	KHO_IOCTL_OP(KHO_CMD_FINISH, kho_finish_ioctl, struct kho_finish, flags),
};

static long kho_fops_ioctl(struct file *filp, unsigned int cmd,
			   unsigned long arg)
{
	const struct kho_ioctl_op *op;
	union kho_cmd_buffer buf;
	struct kho_ucmd ucmd = {
		.ubuffer = (void __user *)arg,
		.cmd = &buf,
	};
	unsigned int nr = _IOC_NR(cmd);
	int err;

	if (nr < KHO_CMD_BASE || nr >= KHO_CMD_BASE + ARRAY_SIZE(kho_ioctl_ops))
		return -ENOTTY;
	op = &kho_ioctl_ops[nr - KHO_CMD_BASE];
	if (cmd != _IO(KHO_TYPE, nr) || !op->execute)
		return -ENOTTY;

	err = get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer);
	if (err)
		return err;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	err = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (err)
		return err;
	return op->execute(&ucmd);
}

static int kho_fops_open(struct inode *inode, struct file *filp)
{
	return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

static const struct file_operations kho_fops = {
	.owner = THIS_MODULE,
	.open = kho_fops_open,
	.unlocked_ioctl = kho_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice kho_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kho",
	.fops = &kho_fops,
	.mode = 0600,
};

static int __init kho_dev_init(void)
{
	return misc_register(&kho_misc);
}
device_initcall(kho_dev_init);
