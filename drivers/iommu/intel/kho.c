// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d across kexec with Kexec HandOver (KHO): a preserved device keeps
 * DMAing through the same root, context, PASID and page tables while the
 * next kernel boots, and that kernel holds them as a frozen domain.
 * The object model and the lock order are in kho.h.
 */
#define pr_fmt(fmt) "DMAR-KHO: " fmt

#include <linux/acpi.h>
#include <linux/debugfs.h>
#include <linux/memblock.h>
#include <linux/kho.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <asm/early_ioremap.h>

#include "iommu.h"
#include "pasid.h"
#include "kho.h"
#include "../iommu-pages.h"

/* The only pgtt a frozen domain's PASID entry may have: second level. */
#define INTEL_KHO_PGTT_SL	PASID_ENTRY_PGTT_SL_ONLY

/**
 * struct intel_kho_domain - a paging domain preserved for the next kernel
 * @list: in intel_kho.domains
 * @domain: the domain; its mappings cannot change (iommufd froze its IOAS)
 * @token: its HWPT's token
 * @nr_tables: page-table pages preserved
 * @nr_devs: preserved devices attached to it
 */
struct intel_kho_domain {
	struct list_head list;
	struct dmar_domain *domain;
	u64 token;
	unsigned long nr_tables;
	unsigned int nr_devs;
};

/**
 * struct intel_kho_table - a root, context or PASID table page kept for
 *	preserved devices
 * @list: in intel_kho.tables
 * @phys: its address
 * @order: its order
 * @users: preserved devices that need it
 * @context_of: the unit whose root points to it, for a context table
 */
struct intel_kho_table {
	struct list_head list;
	phys_addr_t phys;
	unsigned int order;
	unsigned int users;
	struct intel_iommu *context_of;
};

#define INTEL_KHO_DEV_TABLES	4	/* root, context, PASID dir and table */

/**
 * struct intel_kho_dev - a device preserved for the next kernel
 * @list: in intel_kho.devs
 * @info: its VT-d state
 * @kdom: the preserved domain it is attached to
 * @tables: the table pages its DMA walks, besides @kdom's
 * @nr_tables: entries in @tables
 */
struct intel_kho_dev {
	struct list_head list;
	struct device_domain_info *info;
	struct intel_kho_domain *kdom;
	struct intel_kho_table *tables[INTEL_KHO_DEV_TABLES];
	unsigned int nr_tables;
};

/**
 * struct intel_kho_frozen - incoming: a domain the previous kernel left
 *	translating, which nobody may change
 * @dd: the domain; @dd.pgd is the previous kernel's top table
 * @list: in intel_kho.frozen
 * @token: its HWPT's token
 * @refs: devices still holding it (the iommu core frees it once per device)
 * @owned: its page-table pages are restored: they are this kernel's
 * @nr_tables: page-table pages: as recorded by the previous kernel, then
 *	as counted when restored (at finish)
 */
struct intel_kho_frozen {
	struct dmar_domain dd;
	struct list_head list;
	u64 token;
	unsigned int refs;
	bool owned;
	unsigned long nr_tables;
};

/**
 * struct intel_kho_in_dev - incoming: a device the previous kernel left
 *	translating
 * @list: in intel_kho.in_devs
 * @iommu: its unit
 * @bus: its bus
 * @devfn: its devfn
 * @did: the domain ID its entry carries
 * @fz: its frozen domain, NULL once the device left it
 * @pasid_dir: scalable mode: its PASID directory, adopted in place
 * @pasid_dir_order: the directory's order
 * @claimed: the iommu core made @fz the device's first domain
 * @replaced: the device left @fz for a new domain without a gap
 */
struct intel_kho_in_dev {
	struct list_head list;
	struct intel_iommu *iommu;
	u8 bus;
	u8 devfn;
	u16 did;
	struct intel_kho_frozen *fz;
	phys_addr_t pasid_dir;
	unsigned int pasid_dir_order;
	bool claimed;
	bool replaced;
};

static struct {
	struct mutex lock;		/* all of the below */
	struct list_head domains;
	struct list_head tables;
	struct list_head devs;
	bool serialized;
	struct list_head frozen;
	struct list_head in_devs;
} intel_kho = {
	.lock = __MUTEX_INITIALIZER(intel_kho.lock),
	.domains = LIST_HEAD_INIT(intel_kho.domains),
	.tables = LIST_HEAD_INIT(intel_kho.tables),
	.devs = LIST_HEAD_INIT(intel_kho.devs),
	.frozen = LIST_HEAD_INIT(intel_kho.frozen),
	.in_devs = LIST_HEAD_INIT(intel_kho.in_devs),
};

static const struct iommu_domain_ops intel_kho_frozen_ops;

/* ---- page-table walks ------------------------------------------------- */

/**
 * struct intel_kho_walk - a visit of every page of a second-level table
 * @table: called for each table page, after its children
 * @leaf: optional: called for each present leaf with what it maps
 * @descend: optional: may a non-leaf entry's table be read?
 * @nr_tables: table pages visited
 */
struct intel_kho_walk {
	int (*table)(struct intel_kho_walk *w, struct dma_pte *table);
	int (*leaf)(struct intel_kho_walk *w, u64 phys, u64 size);
	bool (*descend)(struct intel_kho_walk *w, u64 phys);
	unsigned long nr_tables;
};

static u64 intel_kho_level_size(int level)
{
	return VTD_PAGE_SIZE << level_to_offset_bits(level);
}

static int intel_kho_walk_level(struct intel_kho_walk *w,
				struct dma_pte *table, int level)
{
	int i, err;

	for (i = 0; i < BIT(LEVEL_STRIDE); i++) {
		struct dma_pte *pte = &table[i];

		if (!dma_pte_present(pte))
			continue;
		if (level == 1 || dma_pte_superpage(pte)) {
			err = w->leaf ? w->leaf(w, dma_pte_addr(pte),
						intel_kho_level_size(level)) : 0;
		} else if (w->descend && !w->descend(w, dma_pte_addr(pte))) {
			err = -EINVAL;
		} else {
			err = intel_kho_walk_level(w, phys_to_virt(dma_pte_addr(pte)),
						   level - 1);
		}
		if (err)
			return err;
	}
	err = w->table(w, table);
	if (!err)
		w->nr_tables++;
	/* A domain mapping terabytes has millions of entries. */
	cond_resched();
	return err;
}

static int intel_kho_walk(struct intel_kho_walk *w, struct dma_pte *pgd,
			  int agaw)
{
	w->nr_tables = 0;
	return intel_kho_walk_level(w, pgd, agaw_to_level(agaw));
}

/* ---- outgoing: domains -------------------------------------------------- */

static int intel_kho_preserve_table(struct intel_kho_walk *w,
				    struct dma_pte *table)
{
	return kho_preserve_pages(virt_to_page(table), 1);
}

static int intel_kho_unpreserve_table(struct intel_kho_walk *w,
				      struct dma_pte *table)
{
	/* Pages a failed preserve never reached are not preserved: fine. */
	kho_unpreserve_pages(virt_to_page(table), 1);
	return 0;
}

/* A device will DMA there after the kexec: the next kernel must keep it. */
static int intel_kho_check_leaf(struct intel_kho_walk *w, u64 phys, u64 size)
{
	return kho_is_preserved(phys, size) ? 0 : -EINVAL;
}

static struct intel_kho_domain *intel_kho_find_domain(struct dmar_domain *dd)
{
	struct intel_kho_domain *kdom;

	lockdep_assert_held(&intel_kho.lock);
	list_for_each_entry(kdom, &intel_kho.domains, list)
		if (kdom->domain == dd)
			return kdom;
	return NULL;
}

static void intel_kho_unpreserve_tables(struct dmar_domain *dd)
{
	struct intel_kho_walk w = { .table = intel_kho_unpreserve_table };

	intel_kho_walk(&w, dd->pgd, dd->agaw);
}

/**
 * intel_kho_domain_preserve - keep a paging domain's tables for the next kernel
 * @domain: a second-level paging domain whose mappings cannot change
 * @token: its HWPT's token
 *
 * Preserves every page-table page now, so the freeze has nothing to do
 * that grows with the mapped memory, and checks that every page it maps
 * is preserved too.
 *
 * Return: 0, -EOPNOTSUPP for a first-level or nesting parent domain,
 * -EEXIST if already preserved or the token is taken, -EINVAL if a mapped
 * page is not preserved, or the error preserving a table page.
 */
int intel_kho_domain_preserve(struct iommu_domain *domain, u64 token)
{
	struct intel_kho_walk w = {
		.table = intel_kho_preserve_table,
		.leaf = intel_kho_check_leaf,
	};
	struct dmar_domain *dd = to_dmar_domain(domain);
	struct intel_kho_domain *kdom;
	int err;

	if (dd->use_first_level || dd->nested_parent || !dd->pgd)
		return -EOPNOTSUPP;
	kdom = kzalloc(sizeof(*kdom), GFP_KERNEL);
	if (!kdom)
		return -ENOMEM;
	mutex_lock(&intel_kho.lock);
	err = -EEXIST;
	if (intel_kho_find_domain(dd))
		goto fail;
	err = intel_kho_walk(&w, dd->pgd, dd->agaw);
	if (err) {
		intel_kho_unpreserve_tables(dd);
		goto fail;
	}
	kdom->domain = dd;
	kdom->token = token;
	kdom->nr_tables = w.nr_tables;
	list_add_tail(&kdom->list, &intel_kho.domains);
	mutex_unlock(&intel_kho.lock);
	return 0;
fail:
	mutex_unlock(&intel_kho.lock);
	kfree(kdom);
	return err;
}

/**
 * intel_kho_domain_unpreserve - undo intel_kho_domain_preserve()
 * @domain: the domain; no preserved device may be attached to it
 */
void intel_kho_domain_unpreserve(struct iommu_domain *domain)
{
	struct dmar_domain *dd = to_dmar_domain(domain);
	struct intel_kho_domain *kdom;

	mutex_lock(&intel_kho.lock);
	kdom = intel_kho_find_domain(dd);
	if (kdom && !WARN_ON(kdom->nr_devs)) {
		intel_kho_unpreserve_tables(dd);
		list_del(&kdom->list);
		kfree(kdom);
	}
	mutex_unlock(&intel_kho.lock);
}

/* ---- outgoing: devices -------------------------------------------------- */

static void intel_kho_table_put(struct intel_kho_table *t)
{
	lockdep_assert_held(&intel_kho.lock);
	if (--t->users)
		return;
	kho_unpreserve_pages(pfn_to_page(PHYS_PFN(t->phys)), 1UL << t->order);
	list_del(&t->list);
	kfree(t);
}

static struct intel_kho_table *intel_kho_table_get(void *va, unsigned int order)
{
	phys_addr_t phys = virt_to_phys(va);
	struct intel_kho_table *t;
	int err;

	lockdep_assert_held(&intel_kho.lock);
	list_for_each_entry(t, &intel_kho.tables, list) {
		if (t->phys == phys) {
			t->users++;
			return t;
		}
	}
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	err = kho_preserve_pages(virt_to_page(va), 1UL << order);
	if (err) {
		kfree(t);
		return ERR_PTR(err);
	}
	t->phys = phys;
	t->order = order;
	t->users = 1;
	list_add_tail(&t->list, &intel_kho.tables);
	return t;
}

static int intel_kho_dev_add_table(struct intel_kho_dev *kdev, void *va,
				   unsigned int order, bool context)
{
	struct intel_kho_table *t;

	if (!va)
		return -EINVAL;
	t = intel_kho_table_get(va, order);
	if (IS_ERR(t))
		return PTR_ERR(t);
	if (context)
		t->context_of = kdev->info->iommu;
	kdev->tables[kdev->nr_tables++] = t;
	return 0;
}

static void intel_kho_dev_put_tables(struct intel_kho_dev *kdev)
{
	while (kdev->nr_tables)
		intel_kho_table_put(kdev->tables[--kdev->nr_tables]);
}

/* The table pages between the root and the device's page table. */
static int intel_kho_dev_get_tables(struct intel_kho_dev *kdev)
{
	struct device_domain_info *info = kdev->info;
	struct intel_iommu *iommu = info->iommu;
	struct context_entry *ce;
	struct pasid_dir_entry *dir;
	int err;

	ce = iommu_context_addr(iommu, info->bus, info->devfn, 0);
	if (!ce || !context_present(ce))
		return -EINVAL;
	err = intel_kho_dev_add_table(kdev, iommu->root_entry, 0, false);
	err = err ?: intel_kho_dev_add_table(kdev, PTR_ALIGN_DOWN(ce, PAGE_SIZE), 0, true);
	if (err || !sm_supported(iommu))
		return err;
	if (!info->pasid_table)
		return -EINVAL;
	dir = info->pasid_table->table;
	err = intel_kho_dev_add_table(kdev, dir, info->pasid_table->order, false);
	return err ?: intel_kho_dev_add_table(kdev, get_pasid_table_from_pde(&dir[0]), 0,
					      false);
}

static struct intel_kho_dev *intel_kho_find_dev(struct device_domain_info *info)
{
	struct intel_kho_dev *kdev;

	lockdep_assert_held(&intel_kho.lock);
	list_for_each_entry(kdev, &intel_kho.devs, list)
		if (kdev->info == info)
			return kdev;
	return NULL;
}

static int intel_kho_count_alias(struct pci_dev *pdev, u16 alias, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

/**
 * intel_kho_dev_preserve - keep a device translating across the kexec
 * @dev: the device; its DMA must have no alias but its own requester ID
 * @domain: the preserved domain it is attached to
 *
 * Return: 0, -EINVAL if @domain is not preserved or not the device's, or
 * the device has DMA aliases, -EEXIST if already preserved, or the error
 * preserving its table pages.
 */
int intel_kho_dev_preserve(struct device *dev, struct iommu_domain *domain)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);
	struct dmar_domain *dd = to_dmar_domain(domain);
	struct intel_kho_dev *kdev;
	unsigned int aliases = 0;
	int err;

	/* A device whose DMA another one issues is not supported. */
	if (!dev_is_pci(dev) || pci_real_dma_dev(to_pci_dev(dev)) != to_pci_dev(dev))
		return -EINVAL;
	pci_for_each_dma_alias(to_pci_dev(dev), intel_kho_count_alias, &aliases);
	if (aliases != 1 || info->domain != dd || !info->domain_attached)
		return -EINVAL;
	kdev = kzalloc(sizeof(*kdev), GFP_KERNEL);
	if (!kdev)
		return -ENOMEM;
	kdev->info = info;
	mutex_lock(&intel_kho.lock);
	err = -EEXIST;
	if (intel_kho_find_dev(info))
		goto fail;
	err = -EINVAL;
	kdev->kdom = intel_kho_find_domain(dd);
	if (!kdev->kdom)
		goto fail;
	err = intel_kho_dev_get_tables(kdev);
	if (err) {
		intel_kho_dev_put_tables(kdev);
		goto fail;
	}
	kdev->kdom->nr_devs++;
	list_add_tail(&kdev->list, &intel_kho.devs);
	mutex_unlock(&intel_kho.lock);
	return 0;
fail:
	mutex_unlock(&intel_kho.lock);
	kfree(kdev);
	return err;
}

/**
 * intel_kho_dev_unpreserve - undo intel_kho_dev_preserve()
 * @dev: the device
 */
void intel_kho_dev_unpreserve(struct device *dev)
{
	struct intel_kho_dev *kdev;

	mutex_lock(&intel_kho.lock);
	kdev = intel_kho_find_dev(dev_iommu_priv_get(dev));
	if (kdev) {
		intel_kho_dev_put_tables(kdev);
		kdev->kdom->nr_devs--;
		list_del(&kdev->list);
		kfree(kdev);
	}
	mutex_unlock(&intel_kho.lock);
}

static bool intel_kho_unit_has_devs(struct intel_iommu *iommu)
{
	struct intel_kho_dev *kdev;

	list_for_each_entry(kdev, &intel_kho.devs, list)
		if (kdev->info->iommu == iommu)
			return true;
	return false;
}

/* ---- outgoing: the handover node ----------------------------------------- */

/*
 * What the device's entry holds, read back from the tables the hardware
 * walks: the next kernel checks its own reading against this.
 */
struct intel_kho_entry {
	u64 did;
	u64 aw;
	u64 pgd;
	u64 pasid_dir;
	u64 pasid_dir_order;
	u64 pasid_table;
};

static int intel_kho_read_sm_entry(struct device_domain_info *info,
				   struct context_entry *ce,
				   struct intel_kho_entry *e)
{
	struct pasid_dir_entry *dir = info->pasid_table->table;
	struct pasid_entry *pe = get_pasid_table_from_pde(&dir[0]);

	if (!pe || !pasid_pte_is_present(pe) ||
	    pasid_pte_get_pgtt(pe) != INTEL_KHO_PGTT_SL ||
	    (ce->lo & VTD_PAGE_MASK) != virt_to_phys(dir))
		return -EINVAL;
	e->did = pasid_get_domain_id(pe);
	e->aw = (pe->val[0] >> 2) & 0x7;
	e->pgd = pe->val[0] & VTD_PAGE_MASK;
	e->pasid_dir = virt_to_phys(dir);
	e->pasid_dir_order = info->pasid_table->order;
	e->pasid_table = virt_to_phys(pe);
	return 0;
}

static int intel_kho_read_entry(struct device_domain_info *info,
				struct intel_kho_entry *e)
{
	struct intel_iommu *iommu = info->iommu;
	struct context_entry *ce;

	ce = iommu_context_addr(iommu, info->bus, info->devfn, 0);
	if (!ce || !context_present(ce))
		return -EINVAL;
	if (sm_supported(iommu))
		return intel_kho_read_sm_entry(info, ce, e);
	e->did = context_domain_id(ce);
	e->aw = ce->hi & 0x7;
	e->pgd = ce->lo & VTD_PAGE_MASK;
	return 0;
}

static int intel_kho_write_dev(struct kho_fdt *fdt, struct intel_kho_dev *kdev,
			       unsigned int index)
{
	struct device_domain_info *info = kdev->info;
	struct intel_kho_entry e = {};
	char name[24];
	int err;

	err = intel_kho_read_entry(info, &e);
	if (err) {
		pr_err("%s: the entry of %s is not what was preserved\n",
		       info->iommu->name, dev_name(info->dev));
		return err;
	}
	snprintf(name, sizeof(name), "device@%u", index);
	err = kho_fdt_begin_node(fdt, name);
	err = err ?: kho_fdt_property_u64(fdt, "segment", info->segment);
	err = err ?: kho_fdt_property_u64(fdt, "bdf", PCI_DEVID(info->bus, info->devfn));
	err = err ?: kho_fdt_property_u64(fdt, "did", e.did);
	err = err ?: kho_fdt_property_u64(fdt, "aw", e.aw);
	err = err ?: kho_fdt_property_u64(fdt, "pgd", e.pgd);
	err = err ?: kho_fdt_property_u64(fdt, "token", kdev->kdom->token);
	err = err ?: kho_fdt_property_u64(fdt, "pt-pages", kdev->kdom->nr_tables);
	if (sm_supported(info->iommu)) {
		err = err ?: kho_fdt_property_u64(fdt, "pasid-dir", e.pasid_dir);
		err = err ?: kho_fdt_property_u64(fdt, "pasid-dir-order",
						  e.pasid_dir_order);
		err = err ?: kho_fdt_property_u64(fdt, "pasid-table", e.pasid_table);
	}
	return err ?: kho_fdt_end_node(fdt);
}

/*
 * The context tables preserved for the unit's devices: shutdown clears
 * every other root entry, so these are all the next kernel finds.
 */
static int intel_kho_write_contexts(struct kho_fdt *fdt,
				    struct intel_iommu *iommu)
{
	struct intel_kho_table *t;
	unsigned int n = 0;
	__be64 *contexts;
	int err;

	list_for_each_entry(t, &intel_kho.tables, list)
		n += t->context_of == iommu;
	contexts = kmalloc_array(n, sizeof(*contexts), GFP_KERNEL);
	if (!contexts)
		return -ENOMEM;
	n = 0;
	list_for_each_entry(t, &intel_kho.tables, list)
		if (t->context_of == iommu)
			contexts[n++] = cpu_to_be64(t->phys);
	err = kho_fdt_property(fdt, "contexts", contexts, n * sizeof(*contexts));
	kfree(contexts);
	return err;
}

static int intel_kho_write_unit(struct kho_fdt *fdt, struct intel_iommu *iommu,
				unsigned int index)
{
	struct intel_kho_dev *kdev;
	unsigned int n = 0;
	char name[24];
	int err;

	snprintf(name, sizeof(name), "unit@%u", index);
	err = kho_fdt_begin_node(fdt, name);
	err = err ?: kho_fdt_property_u64(fdt, "reg-base", iommu->reg_phys);
	err = err ?: kho_fdt_property_string(fdt, "mode", sm_supported(iommu) ?
					     KHO_VTD_MODE_SCALABLE : KHO_VTD_MODE_LEGACY);
	err = err ?: kho_fdt_property_u64(fdt, "root", virt_to_phys(iommu->root_entry));
	err = err ?: intel_kho_write_contexts(fdt, iommu);
	list_for_each_entry(kdev, &intel_kho.devs, list)
		if (!err && kdev->info->iommu == iommu)
			err = intel_kho_write_dev(fdt, kdev, n++);
	return err ?: kho_fdt_end_node(fdt);
}

static int intel_kho_serialize(struct kho_handler *handler, struct kho_fdt *fdt)
{
	struct dmar_drhd_unit *drhd;
	struct intel_iommu *iommu;
	unsigned int n = 0;
	int err = 0;

	/* The FDT writer allocates: the units' list is held by the lock. */
	down_read(&dmar_global_lock);
	mutex_lock(&intel_kho.lock);
	for_each_active_iommu(iommu, drhd) {
		if (!err && intel_kho_unit_has_devs(iommu))
			err = intel_kho_write_unit(fdt, iommu, n++);
	}
	intel_kho.serialized = !err;
	mutex_unlock(&intel_kho.lock);
	up_read(&dmar_global_lock);
	return err;
}

static void intel_kho_abort(struct kho_handler *handler)
{
	mutex_lock(&intel_kho.lock);
	intel_kho.serialized = false;
	mutex_unlock(&intel_kho.lock);
}

/* ---- outgoing: shutdown ---------------------------------------------------- */

static bool intel_kho_is_preserved_rid(struct intel_iommu *iommu, u8 bus,
				       u8 devfn)
{
	struct intel_kho_dev *kdev;

	list_for_each_entry(kdev, &intel_kho.devs, list)
		if (kdev->info->iommu == iommu && kdev->info->bus == bus &&
		    kdev->info->devfn == devfn)
			return true;
	return false;
}

/*
 * Clear the context entries of one half of a bus (all of it in legacy
 * mode) but those of preserved devices; drop the half from the root if
 * nothing is left in it.
 */
static void intel_kho_clear_half(struct intel_iommu *iommu, int bus, int half)
{
	u64 *root = half ? &iommu->root_entry[bus].hi : &iommu->root_entry[bus].lo;
	bool sm = sm_supported(iommu);
	int nr = sm ? 128 : 256, step = sm ? 2 : 1;
	struct context_entry *table;
	bool kept = false;
	int i;

	if (!(*root & 1))
		return;
	table = phys_to_virt(*root & VTD_PAGE_MASK);
	for (i = 0; i < nr; i++) {
		u8 devfn = i + half * 128;
		struct context_entry *ce = &table[i * step];

		if (intel_kho_is_preserved_rid(iommu, bus, devfn)) {
			kept = true;
			continue;
		}
		if (!context_present(ce))
			continue;
		context_clear_entry(ce);
		if (sm)
			context_clear_entry(ce + 1);
	}
	__iommu_flush_cache(iommu, table, VTD_PAGE_SIZE);
	if (!kept) {
		WRITE_ONCE(*root, 0);
		__iommu_flush_cache(iommu, root, sizeof(*root));
	}
}

/* Scalable mode: a preserved device's DMA with a PASID is not carried. */
static void intel_kho_clear_pasids(struct intel_kho_dev *kdev)
{
	struct device_domain_info *info = kdev->info;
	struct pasid_dir_entry *dir = info->pasid_table->table;
	struct pasid_entry *table = get_pasid_table_from_pde(&dir[0]);
	unsigned long i, nr_dir;

	nr_dir = (PAGE_SIZE << info->pasid_table->order) / sizeof(*dir);
	for (i = 1; i < nr_dir; i++)
		WRITE_ONCE(dir[i].val, 0);
	__iommu_flush_cache(info->iommu, dir, nr_dir * sizeof(*dir));
	for (i = 1; i < PASID_TBL_ENTRIES; i++)
		pasid_clear_entry(&table[i]);
	__iommu_flush_cache(info->iommu, table, VTD_PAGE_SIZE);
}

/**
 * intel_kho_shutdown - leave a unit translating for the next kernel?
 * @iommu: the unit, at machine shutdown
 *
 * After a freeze, a unit with preserved devices keeps translating: the
 * entries of every other device are cleared and the caches flushed first,
 * so that no other device reaches the tables the next kernel inherits, nor
 * memory it will reuse.
 *
 * Return: true if translation must stay on.
 */
bool intel_kho_shutdown(struct intel_iommu *iommu)
{
	struct intel_kho_dev *kdev;
	int bus;

	if (!READ_ONCE(intel_kho.serialized) || !kho_is_frozen() ||
	    !intel_kho_unit_has_devs(iommu) || kho_test_naive("vtd-stock-shutdown"))
		return false;
	for (bus = 0; bus < 256 && !kho_test_naive("vtd-no-clear"); bus++) {
		intel_kho_clear_half(iommu, bus, 0);
		if (sm_supported(iommu))
			intel_kho_clear_half(iommu, bus, 1);
	}
	if (sm_supported(iommu)) {
		list_for_each_entry(kdev, &intel_kho.devs, list)
			if (kdev->info->iommu == iommu)
				intel_kho_clear_pasids(kdev);
	}
	iommu->flush.flush_context(iommu, 0, 0, 0, DMA_CCMD_GLOBAL_INVL);
	if (sm_supported(iommu))
		qi_flush_pasid_cache(iommu, 0, QI_PC_GLOBAL, 0);
	iommu->flush.flush_iotlb(iommu, 0, 0, 0, DMA_TLB_GLOBAL_FLUSH);
	pr_info("%s: translation stays on for the next kernel\n", iommu->name);
	return true;
}

/* ---- incoming: blocking a rejected handover's devices, early ------------- */

#define INTEL_KHO_SPIN		100000000	/* register polls: ~seconds */
#define INTEL_KHO_GCMD_KEEP	(DMA_GCMD_TE | DMA_GCMD_IRE | DMA_GCMD_QIE)

static bool __init intel_kho_wait(void __iomem *reg, u32 off, u64 mask,
				  u64 want, bool q)
{
	unsigned long i;

	for (i = 0; i < INTEL_KHO_SPIN; i++) {
		u64 val = q ? readq(reg + off) : readl(reg + off);

		if ((val & mask) == want)
			return true;
		cpu_relax();
	}
	return false;
}

/*
 * Queue the global invalidations behind whatever the previous kernel left
 * in its invalidation queue (still intact: nothing outside scratch has
 * been allocated), and wait for them.
 */
static bool __init intel_kho_fence_qi(void __iomem *reg, bool sm)
{
	u64 iqa = readq(reg + DMAR_IQA_REG);
	/* 256-bit descriptors with scalable mode, as dmar.c sets them up. */
	unsigned int shift = DMAR_IQ_SHIFT + !!ecap_smts(readq(reg + DMAR_ECAP_REG));
	unsigned int nr = (1U << (8 + (iqa & 7))) >> (shift - DMAR_IQ_SHIFT);
	u8 *queue = phys_to_virt(iqa & VTD_PAGE_MASK);
	u64 descs[4][2] = {
		{ QI_CC_GRAN(DMA_CCMD_GLOBAL_INVL) | QI_CC_TYPE, 0 },
		{ QI_IOTLB_DR(1) | QI_IOTLB_DW(1) |
		  QI_IOTLB_GRAN(DMA_TLB_GLOBAL_FLUSH) | QI_IOTLB_TYPE, 0 },
		{ QI_PC_GRAN(QI_PC_GLOBAL) | QI_PC_TYPE, 0 },
		{ QI_IWD_STATUS_DATA(QI_DONE) | QI_IWD_STATUS_WRITE | QI_IWD_TYPE, 0 },
	};
	u32 *status = memblock_alloc(sizeof(u32), sizeof(u32));
	unsigned int tail, i;

	if (!status)
		return false;
	descs[3][1] = virt_to_phys(status);
	tail = (readq(reg + DMAR_IQT_REG) >> shift) % nr;
	for (i = 0; i < ARRAY_SIZE(descs); i++) {
		u8 *slot;

		if (i == 2 && !sm)
			continue;
		slot = queue + ((size_t)tail << shift);
		memset(slot, 0, 1U << shift);
		memcpy(slot, descs[i], sizeof(descs[i]));
		tail = (tail + 1) % nr;
	}
	/* The descriptors reach memory before the unit sees the new tail. */
	wmb();
	writeq((u64)tail << shift, reg + DMAR_IQT_REG);
	for (i = 0; i < INTEL_KHO_SPIN && READ_ONCE(*status) != QI_DONE; i++)
		cpu_relax();
	return READ_ONCE(*status) == QI_DONE;
}

/* Register-based invalidation, for a unit with queued invalidation off. */
static bool __init intel_kho_fence_regs(void __iomem *reg)
{
	u64 ecap = readq(reg + DMAR_ECAP_REG);
	u32 tlb = ecap_iotlb_offset(ecap) + 8;

	writeq(DMA_CCMD_ICC | DMA_CCMD_GLOBAL_INVL, reg + DMAR_CCMD_REG);
	if (!intel_kho_wait(reg, DMAR_CCMD_REG, DMA_CCMD_ICC, 0, true))
		return false;
	writeq(DMA_TLB_IVT | DMA_TLB_GLOBAL_FLUSH, reg + tlb);
	return intel_kho_wait(reg, tlb, DMA_TLB_IVT, 0, true);
}

/*
 * A unit still translating through tables nobody vouches for: point it
 * at an empty root table (every device blocked, translation still on)
 * and flush what it cached. The root page comes from scratch and is
 * never freed; init_dmars() later installs its own, empty too.
 */
static void __init intel_kho_fence_unit(u64 base)
{
	void __iomem *reg = early_ioremap(base, VTD_PAGE_SIZE);
	struct root_entry *blank;
	bool done = false;
	u32 sts;
	u64 rt;

	if (!reg)
		return;
	sts = readl(reg + DMAR_GSTS_REG);
	if (!(sts & DMA_GSTS_TES))
		goto out;
	blank = memblock_alloc(VTD_PAGE_SIZE, VTD_PAGE_SIZE);
	if (!blank)
		goto out;
	rt = readq(reg + DMAR_RTADDR_REG);
	writeq(virt_to_phys(blank) | (rt & DMA_RTADDR_SMT), reg + DMAR_RTADDR_REG);
	writel((sts & INTEL_KHO_GCMD_KEEP) | DMA_GCMD_SRTP, reg + DMAR_GCMD_REG);
	if (intel_kho_wait(reg, DMAR_GSTS_REG, DMA_GSTS_RTPS, DMA_GSTS_RTPS, false))
		done = (sts & DMA_GSTS_QIES) ?
		       intel_kho_fence_qi(reg, rt & DMA_RTADDR_SMT) :
		       intel_kho_fence_regs(reg);
out:
	if (sts & DMA_GSTS_TES)
		pr_err("unit at %#llx: left translating by a rejected handover: %s\n",
		       base, done ? "every device blocked" : "could not block its devices");
	early_iounmap(reg, VTD_PAGE_SIZE);
}

/**
 * kho_iommu_fence_early - block DMA a rejected handover left running
 *
 * The previous kernel may have left devices DMAing through tables that this
 * kernel, having rejected the handover, knows nothing about. Called before
 * memblock leaves scratch (where those tables are not): every unit found
 * translating gets an empty root table before any memory its old tables
 * reach can be reused. Translation stays on: turned off, DMA would land at
 * guest-physical addresses equal to the IOVAs.
 */
void __init kho_iommu_fence_early(void)
{
	struct acpi_table_header *tbl;
	struct acpi_dmar_header *h;
	void *end;

	if (kho_test_naive("vtd-te-off") ||
	    ACPI_FAILURE(acpi_get_table(ACPI_SIG_DMAR, 0, &tbl)))
		return;
	end = (void *)tbl + tbl->length;
	for (h = (void *)tbl + sizeof(struct acpi_table_dmar);
	     (void *)(h + 1) <= end && h->length >= sizeof(*h) &&
	     (void *)h + h->length <= end;
	     h = (void *)h + h->length) {
		struct acpi_dmar_hardware_unit *drhd = (void *)h;

		if (h->type == ACPI_DMAR_TYPE_HARDWARE_UNIT &&
		    h->length >= sizeof(*drhd))
			intel_kho_fence_unit(drhd->address);
	}
	acpi_put_table(tbl);
}

/* ---- incoming: reading a unit's record ------------------------------------ */

/**
 * struct intel_kho_rec - one device of a unit's record, read and checked
 * @bdf: its requester ID
 * @did: domain ID
 * @aw: AW field
 * @pgd: second-level table
 * @token: its HWPT's token
 * @pt_pages: page-table pages of its domain, as recorded (0: not recorded)
 * @pasid_dir: scalable mode: PASID directory
 * @pasid_dir_order: its order
 * @pasid_table: the table of PASID 0
 */
struct intel_kho_rec {
	u64 bdf;
	u64 did;
	u64 aw;
	u64 pgd;
	u64 token;
	u64 pt_pages;
	u64 pasid_dir;
	u64 pasid_dir_order;
	u64 pasid_table;
};

/**
 * struct intel_kho_unit_in - a unit's record, read and checked
 * @root: its root table
 * @contexts: its context tables
 * @nr_contexts: entries in @contexts
 * @recs: its devices
 * @nr_recs: entries in @recs
 * @why: what was wrong, for the one log line
 */
struct intel_kho_unit_in {
	phys_addr_t root;
	const __be64 *contexts;
	unsigned int nr_contexts;
	struct intel_kho_rec recs[KHO_VTD_MAX_DEVICES];
	unsigned int nr_recs;
	const char *why;
};

static int intel_kho_bad(struct intel_kho_unit_in *u, const char *why)
{
	u->why = why;
	return -EINVAL;
}

static int intel_kho_find_unit(struct intel_iommu *iommu)
{
	int node, unit = -ENOENT;
	u64 base;

	node = kho_find_node(KHO_VTD_NODE, KHO_VTD_COMPATIBLE);
	if (node < 0)
		return node;
	for (unit = kho_node_next_child(node, -1); unit >= 0;
	     unit = kho_node_next_child(node, unit)) {
		if (!kho_node_u64(unit, "reg-base", &base) &&
		    base == iommu->reg_phys)
			return unit;
	}
	return -ENOENT;
}

static bool intel_kho_is_context(struct intel_kho_unit_in *u, u64 phys)
{
	unsigned int i;

	for (i = 0; i < u->nr_contexts; i++)
		if (be64_to_cpu(u->contexts[i]) == phys)
			return true;
	return false;
}

static bool intel_kho_has_rec(struct intel_kho_unit_in *u, u16 bdf)
{
	unsigned int i;

	for (i = 0; i < u->nr_recs; i++)
		if (u->recs[i].bdf == bdf)
			return true;
	return false;
}

/*
 * The previous kernel cleared every entry but its preserved devices': one
 * left over would keep a device translating through tables nobody kept.
 */
static int intel_kho_check_strays(struct intel_kho_unit_in *u, bool sm,
				  int bus, int half, u64 entry)
{
	struct context_entry *table = phys_to_virt(entry & VTD_PAGE_MASK);
	int i, nr = sm ? 128 : 256, step = sm ? 2 : 1;

	for (i = 0; i < nr; i++)
		if (context_present(&table[i * step]) &&
		    !intel_kho_has_rec(u, PCI_DEVID(bus, i + half * 128)))
			return intel_kho_bad(u, "a device without a record has a context entry");
	return 0;
}

/*
 * Every table the root points to must be a preserved, listed context
 * table, with entries for recorded devices only.
 */
static int intel_kho_check_root(struct intel_iommu *iommu,
				struct intel_kho_unit_in *u)
{
	struct root_entry *root = phys_to_virt(u->root);
	bool sm = sm_supported(iommu);
	unsigned int i, j;
	int bus, err;

	for (i = 0; i < u->nr_contexts; i++) {
		u64 phys = be64_to_cpu(u->contexts[i]);

		if (!kho_is_preserved_in(phys, 0))
			return intel_kho_bad(u, "a context table is not preserved");
		for (j = 0; j < i; j++)
			if (be64_to_cpu(u->contexts[j]) == phys)
				return intel_kho_bad(u, "a context table is listed twice");
	}
	for (bus = 0; bus < 256; bus++) {
		if ((root[bus].lo & 1) &&
		    !intel_kho_is_context(u, root[bus].lo & VTD_PAGE_MASK))
			return intel_kho_bad(u, "the root points to an unlisted table");
		if (sm && (root[bus].hi & 1) &&
		    !intel_kho_is_context(u, root[bus].hi & VTD_PAGE_MASK))
			return intel_kho_bad(u, "the root points to an unlisted table");
		err = (root[bus].lo & 1) ?
		      intel_kho_check_strays(u, sm, bus, 0, root[bus].lo) : 0;
		if (!err && sm && (root[bus].hi & 1))
			err = intel_kho_check_strays(u, sm, bus, 1, root[bus].hi);
		if (err)
			return err;
	}
	return 0;
}

static struct context_entry *intel_kho_in_context(struct intel_kho_unit_in *u,
						  bool sm, u16 bdf)
{
	struct root_entry *root = phys_to_virt(u->root);
	u8 bus = PCI_BUS_NUM(bdf), devfn = bdf & 0xff;
	u64 entry = root[bus].lo;

	if (sm && devfn >= 0x80) {
		entry = root[bus].hi;
		devfn -= 0x80;
	}
	if (!(entry & 1))
		return NULL;
	return (struct context_entry *)phys_to_virt(entry & VTD_PAGE_MASK) +
	       (sm ? devfn * 2 : devfn);
}

/*
 * DMA with a PASID is not carried: the previous kernel cleared every
 * directory entry but 0 and every entry of table 0 but PASID 0.
 */
static bool intel_kho_pasid_strays(struct pasid_dir_entry *dir,
				   unsigned int order, struct pasid_entry *table)
{
	unsigned long i, nr_dir = (PAGE_SIZE << order) / sizeof(*dir);

	for (i = 1; i < nr_dir; i++)
		if (pasid_pde_is_present(&dir[i]))
			return true;
	for (i = 1; i < PASID_TBL_ENTRIES; i++)
		if (pasid_pte_is_present(&table[i]))
			return true;
	return false;
}

/* The device's PASID entry 0, as the record says and the tables hold. */
static int intel_kho_check_sm_rec(struct intel_kho_unit_in *u,
				  struct context_entry *ce,
				  struct intel_kho_rec *r)
{
	struct pasid_dir_entry *dir;
	struct pasid_entry *pe;

	if (r->pasid_dir_order > MAX_PAGE_ORDER ||
	    !kho_is_preserved_in(r->pasid_dir, r->pasid_dir_order) ||
	    !kho_is_preserved_in(r->pasid_table, 0))
		return intel_kho_bad(u, "a PASID table is not preserved");
	if ((ce->lo & VTD_PAGE_MASK) != r->pasid_dir)
		return intel_kho_bad(u, "a context entry does not match its record");
	dir = phys_to_virt(r->pasid_dir);
	if (!pasid_pde_is_present(&dir[0]) ||
	    (dir[0].val & PDE_PFN_MASK) != r->pasid_table)
		return intel_kho_bad(u, "a PASID directory does not match its record");
	pe = phys_to_virt(r->pasid_table);
	if (intel_kho_pasid_strays(dir, r->pasid_dir_order, pe))
		return intel_kho_bad(u, "a PASID other than 0 has an entry");
	if (!pasid_pte_is_present(pe) ||
	    pasid_pte_get_pgtt(pe) != INTEL_KHO_PGTT_SL ||
	    pasid_get_domain_id(pe) != r->did ||
	    ((pe->val[0] >> 2) & 0x7) != r->aw ||
	    (pe->val[0] & VTD_PAGE_MASK) != r->pgd)
		return intel_kho_bad(u, "a PASID entry does not match its record");
	return 0;
}

static int intel_kho_check_rec(struct intel_iommu *iommu,
			       struct intel_kho_unit_in *u,
			       struct intel_kho_rec *r)
{
	bool sm = sm_supported(iommu);
	struct context_entry *ce;
	unsigned int i;

	if (r->bdf > U16_MAX || !r->token)
		return intel_kho_bad(u, "a device record is out of range");
	if (r->did < FLPT_DEFAULT_DID + 1 || r->did >= cap_ndoms(iommu->cap))
		return intel_kho_bad(u, "a domain ID is outside the unit's range");
	if (r->aw > 4 || !(cap_sagaw(iommu->cap) & BIT(r->aw)))
		return intel_kho_bad(u, "an address width the unit does not support");
	if (!PAGE_ALIGNED(r->pgd) || !kho_is_preserved_in(r->pgd, 0))
		return intel_kho_bad(u, "a page table is not preserved");
	for (i = 0; i < u->nr_recs; i++) {
		struct intel_kho_rec *o = &u->recs[i];

		if (o == r)
			break;
		if (o->bdf == r->bdf)
			return intel_kho_bad(u, "a device is recorded twice");
		/* One domain: one DID, one table, one width on a unit. */
		if (o->token == r->token &&
		    (o->did != r->did || o->pgd != r->pgd || o->aw != r->aw))
			return intel_kho_bad(u, "two records of one domain differ");
		if (o->token != r->token && o->did == r->did)
			return intel_kho_bad(u, "two domains share a domain ID");
	}
	ce = intel_kho_in_context(u, sm, r->bdf);
	if (!ce || !context_present(ce))
		return intel_kho_bad(u, "a recorded device has no context entry");
	if (sm)
		return intel_kho_check_sm_rec(u, ce, r);
	if (context_domain_id(ce) != r->did || (ce->hi & 0x7) != r->aw ||
	    (ce->lo & VTD_PAGE_MASK) != r->pgd ||
	    ((ce->lo >> 2) & 0x3) == CONTEXT_TT_PASS_THROUGH)
		return intel_kho_bad(u, "a context entry does not match its record");
	return 0;
}

static int intel_kho_read_rec(int node, bool sm, struct intel_kho_rec *r)
{
	u64 segment;
	int err;

	err = kho_node_u64(node, "segment", &segment);
	err = err ?: kho_node_u64(node, "bdf", &r->bdf);
	err = err ?: kho_node_u64(node, "did", &r->did);
	err = err ?: kho_node_u64(node, "aw", &r->aw);
	err = err ?: kho_node_u64(node, "pgd", &r->pgd);
	err = err ?: kho_node_u64(node, "token", &r->token);
	/* Only shown in debugfs: a record without it is still good. */
	if (!err && kho_node_u64(node, "pt-pages", &r->pt_pages))
		r->pt_pages = 0;
	if (sm) {
		err = err ?: kho_node_u64(node, "pasid-dir", &r->pasid_dir);
		err = err ?: kho_node_u64(node, "pasid-dir-order", &r->pasid_dir_order);
		err = err ?: kho_node_u64(node, "pasid-table", &r->pasid_table);
	}
	/* One segment per unit, as in the DMAR table: 0 here, always. */
	return err ?: (segment ? -EINVAL : 0);
}

static int intel_kho_read_unit(struct intel_iommu *iommu, int node,
			       struct intel_kho_unit_in *u)
{
	bool sm = sm_supported(iommu);
	const char *mode;
	int child, len, err;
	u64 root, rtaddr;
	unsigned int i;

	mode = kho_node_prop(node, "mode", &len);
	if (!mode || strnlen(mode, len) == len)
		return intel_kho_bad(u, "no mode");
	if (strcmp(mode, sm ? KHO_VTD_MODE_SCALABLE : KHO_VTD_MODE_LEGACY))
		return intel_kho_bad(u, "the mode differs from this kernel's");
	rtaddr = dmar_readq(iommu->reg + DMAR_RTADDR_REG);
	if (!!(rtaddr & DMA_RTADDR_SMT) != sm)
		return intel_kho_bad(u, "the root table type differs from the mode");
	if (kho_node_u64(node, "root", &root) || root != (rtaddr & VTD_PAGE_MASK) ||
	    !kho_is_preserved_in(root, 0))
		return intel_kho_bad(u, "the root table is not the one in use or not preserved");
	u->root = root;
	u->contexts = kho_node_prop(node, "contexts", &len);
	if (!u->contexts || len % sizeof(u64) || len > 512 * sizeof(u64))
		return intel_kho_bad(u, "no context table list");
	u->nr_contexts = len / sizeof(u64);
	for (child = kho_node_next_child(node, -1); child >= 0;
	     child = kho_node_next_child(node, child)) {
		if (u->nr_recs == KHO_VTD_MAX_DEVICES)
			return intel_kho_bad(u, "too many devices");
		if (intel_kho_read_rec(child, sm, &u->recs[u->nr_recs++]))
			return intel_kho_bad(u, "a device record is incomplete");
	}
	err = intel_kho_check_root(iommu, u);
	for (i = 0; !err && i < u->nr_recs; i++)
		err = intel_kho_check_rec(iommu, u, &u->recs[i]);
	return err;
}

/* ---- incoming: adopting a unit -------------------------------------------- */

/* Counted as IOMMU pages, as if allocated here: they are freed as such. */
static void *intel_kho_adopt_page(phys_addr_t phys, unsigned int order)
{
	struct page *page = kho_restore_pages(phys, 1UL << order);

	if (!page)
		return NULL;
	__iommu_alloc_account(page, order);
	return page_address(page);
}

static struct intel_kho_frozen *intel_kho_find_frozen(u64 token)
{
	struct intel_kho_frozen *fz;

	list_for_each_entry(fz, &intel_kho.frozen, list)
		if (fz->token == token)
			return fz;
	return NULL;
}

static struct intel_kho_frozen *intel_kho_new_frozen(struct intel_iommu *iommu,
						     struct intel_kho_rec *r)
{
	struct intel_kho_frozen *fz = kzalloc(sizeof(*fz), GFP_KERNEL);
	struct dmar_domain *dd;

	if (!fz)
		return NULL;
	dd = &fz->dd;
	INIT_LIST_HEAD(&dd->devices);
	INIT_LIST_HEAD(&dd->dev_pasids);
	INIT_LIST_HEAD(&dd->cache_tags);
	spin_lock_init(&dd->lock);
	spin_lock_init(&dd->cache_lock);
	xa_init(&dd->iommu_array);
	dd->nid = iommu->node;
	dd->agaw = r->aw;
	dd->gaw = agaw_to_width(r->aw);
	dd->max_addr = BIT_ULL(dd->gaw) - 1;
	dd->iommu_coherency = sm_supported(iommu) ? ecap_smpwc(iommu->ecap) :
						    ecap_coherent(iommu->ecap);
	dd->pgd = phys_to_virt(r->pgd);
	dd->domain.type = IOMMU_DOMAIN_UNMANAGED;
	dd->domain.owner = &intel_iommu_ops;
	dd->domain.ops = &intel_kho_frozen_ops;
	dd->domain.pgsize_bitmap = SZ_4K;
	dd->domain.geometry.aperture_end = dd->max_addr;
	dd->domain.geometry.force_aperture = true;
	fz->token = r->token;
	fz->nr_tables = r->pt_pages;
	return fz;
}

/* The frozen domain's DID on this unit, taken from the bitmap. */
static int intel_kho_frozen_add_unit(struct intel_kho_frozen *fz,
				     struct intel_iommu *iommu, u16 did)
{
	struct iommu_domain_info *di;
	int err;

	if (xa_load(&fz->dd.iommu_array, iommu->seq_id))
		return 0;
	di = kzalloc(sizeof(*di), GFP_KERNEL);
	if (!di)
		return -ENOMEM;
	di->did = did;
	di->iommu = iommu;
	err = xa_err(xa_store(&fz->dd.iommu_array, iommu->seq_id, di, GFP_KERNEL));
	if (err) {
		kfree(di);
		return err;
	}
	set_bit(did, iommu->domain_ids);
	return 0;
}

static int intel_kho_adopt_rec(struct intel_iommu *iommu,
			       struct intel_kho_rec *r)
{
	struct intel_kho_in_dev *idev;
	struct intel_kho_frozen *fz;
	int err;

	idev = kzalloc(sizeof(*idev), GFP_KERNEL);
	if (!idev)
		return -ENOMEM;
	fz = intel_kho_find_frozen(r->token);
	if (!fz) {
		fz = intel_kho_new_frozen(iommu, r);
		if (!fz) {
			kfree(idev);
			return -ENOMEM;
		}
		list_add_tail(&fz->list, &intel_kho.frozen);
	}
	err = intel_kho_frozen_add_unit(fz, iommu, r->did);
	if (err) {
		kfree(idev);
		return err;
	}
	fz->refs++;
	idev->iommu = iommu;
	idev->bus = PCI_BUS_NUM(r->bdf);
	idev->devfn = r->bdf & 0xff;
	idev->did = r->did;
	idev->fz = fz;
	if (sm_supported(iommu)) {
		idev->pasid_dir = r->pasid_dir;
		idev->pasid_dir_order = r->pasid_dir_order;
		if (!intel_kho_adopt_page(r->pasid_dir, r->pasid_dir_order) ||
		    !intel_kho_adopt_page(r->pasid_table, 0))
			err = -ENOENT;
	}
	list_add_tail(&idev->list, &intel_kho.in_devs);
	return err;
}

/*
 * Everything was checked: take the tables over. Only an allocation can
 * fail now, and the caller then blocks the unit; what was taken stays
 * allocated, unused.
 */
static int intel_kho_adopt(struct intel_iommu *iommu,
			   struct intel_kho_unit_in *u)
{
	struct root_entry *root;
	unsigned int i;
	int err = 0;

	root = intel_kho_adopt_page(u->root, 0);
	for (i = 0; root && i < u->nr_contexts; i++)
		if (!intel_kho_adopt_page(be64_to_cpu(u->contexts[i]), 0))
			root = NULL;
	if (!root)
		return intel_kho_bad(u, "a table could not be restored");
	mutex_lock(&intel_kho.lock);
	for (i = 0; !err && i < u->nr_recs; i++)
		err = intel_kho_adopt_rec(iommu, &u->recs[i]);
	mutex_unlock(&intel_kho.lock);
	if (err)
		return intel_kho_bad(u, "out of memory");
	iommu->root_entry = root;
	return 0;
}

/**
 * intel_kho_init_unit - take over a unit the previous kernel left translating
 * @iommu: the unit, before it gets a root table
 *
 * A unit found translating after a KHO handover stays translating: with
 * the previous kernel's tables if its record checks out (the root is then
 * set), with a new, empty root table otherwise, which blocks every device.
 * Translation is never turned off: DMA would then reach guest-physical
 * addresses equal to the IOVAs.
 *
 * Return: true if the unit was left translating by a KHO kernel; the
 * caller must not turn translation off, nor copy the tables as kdump does.
 */
bool intel_kho_init_unit(struct intel_iommu *iommu)
{
	struct intel_kho_unit_in *u;
	int node, err = -ENOMEM;

	if (!(readl(iommu->reg + DMAR_GSTS_REG) & DMA_GSTS_TES) ||
	    kho_in_state() == KHO_IN_NONE)
		return false;
	iommu->flags &= ~VTD_FLAG_TRANS_PRE_ENABLED;
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (u) {
		u->why = "the handover was rejected";
		node = kho_in_state() == KHO_IN_VALID ? intel_kho_find_unit(iommu) : -ENOENT;
		if (node < 0 && kho_in_state() == KHO_IN_VALID)
			u->why = "no record of this unit";
		err = node < 0 ? node : intel_kho_read_unit(iommu, node, u);
		err = err ?: intel_kho_adopt(iommu, u);
	}
	if (err && kho_test_naive("vtd-te-off")) {
		/* The control: what stock 6.12 does, translation turned off. */
		pr_err("%s: left translating, but %s: naive on purpose, translation goes off\n",
		       iommu->name, u ? u->why : "out of memory");
		iommu->flags |= VTD_FLAG_TRANS_PRE_ENABLED;
		kfree(u);
		return false;
	}
	if (err)
		pr_err("%s: left translating, but %s: every device on it is blocked\n",
		       iommu->name, u ? u->why : "out of memory");
	else
		pr_info("%s: translation kept on, %u device(s) on frozen domains\n",
			iommu->name, u->nr_recs);
	kfree(u);
	return true;
}

static struct intel_kho_in_dev *intel_kho_find_in_dev(struct device_domain_info *info)
{
	struct intel_kho_in_dev *idev;

	lockdep_assert_held(&intel_kho.lock);
	list_for_each_entry(idev, &intel_kho.in_devs, list)
		if (idev->iommu == info->iommu && idev->bus == info->bus &&
		    idev->devfn == info->devfn)
			return idev;
	return NULL;
}

/**
 * intel_kho_probe_device - give a preserved device its PASID table back
 * @info: the device being probed, scalable mode
 *
 * Return: true if the device's context entry and PASID table are the
 * previous kernel's, adopted: the caller must not set up new ones.
 */
bool intel_kho_probe_device(struct device_domain_info *info)
{
	struct intel_kho_in_dev *idev;
	struct pasid_table *pt;
	bool adopted = false;

	mutex_lock(&intel_kho.lock);
	idev = intel_kho_find_in_dev(info);
	if (idev && idev->fz && idev->pasid_dir) {
		pt = kzalloc(sizeof(*pt), GFP_KERNEL);
		if (pt) {
			pt->table = phys_to_virt(idev->pasid_dir);
			pt->order = idev->pasid_dir_order;
			pt->max_pasid = 1 << (pt->order + PAGE_SHIFT + 3);
			info->pasid_table = pt;
			adopted = true;
		}
	}
	mutex_unlock(&intel_kho.lock);
	return adopted;
}

/**
 * intel_kho_frozen_domain - the domain a preserved device is still on
 * @dev: a device being given its first domain by the iommu core
 * @token: the token its HWPT was preserved with, if one is returned
 *
 * Return: its frozen domain, which the core attaches instead of the
 * default domain, or NULL for any other device.
 */
struct iommu_domain *intel_kho_frozen_domain(struct device *dev, u64 *token)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);
	struct iommu_domain *domain = NULL;
	struct intel_kho_in_dev *idev;

	if (!info)
		return NULL;
	mutex_lock(&intel_kho.lock);
	idev = intel_kho_find_in_dev(info);
	if (idev && idev->fz && !idev->claimed) {
		idev->claimed = true;
		domain = &idev->fz->dd.domain;
		*token = idev->fz->token;
	}
	mutex_unlock(&intel_kho.lock);
	return domain;
}

/* ---- incoming: the frozen domain ------------------------------------------ */

static struct intel_kho_frozen *to_frozen(struct iommu_domain *domain)
{
	return container_of(to_dmar_domain(domain), struct intel_kho_frozen, dd);
}

/*
 * Only the device the domain was preserved with attaches, and nothing is
 * written: its entry already points at these tables, with this DID.
 */
static int intel_kho_frozen_attach(struct iommu_domain *domain,
				   struct device *dev)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);
	struct intel_kho_frozen *fz = to_frozen(domain);
	struct intel_iommu *iommu = info->iommu;
	struct intel_kho_in_dev *idev;
	struct iommu_domain_info *di;
	unsigned long flags;
	int err = -EINVAL;

	mutex_lock(&intel_kho.lock);
	idev = intel_kho_find_in_dev(info);
	if (!idev || idev->fz != fz || info->domain_attached)
		goto out;
	spin_lock(&iommu->lock);
	di = xa_load(&fz->dd.iommu_array, iommu->seq_id);
	if (di)
		di->refcnt++;
	spin_unlock(&iommu->lock);
	if (!di)
		goto out;
	info->domain = &fz->dd;
	info->domain_attached = true;
	spin_lock_irqsave(&fz->dd.lock, flags);
	list_add(&info->link, &fz->dd.devices);
	spin_unlock_irqrestore(&fz->dd.lock, flags);
	err = cache_tag_assign_domain(&fz->dd, dev, IOMMU_NO_PASID);
	if (err)
		device_block_translation(dev);
out:
	mutex_unlock(&intel_kho.lock);
	return err;
}

static int intel_kho_frozen_map(struct iommu_domain *domain, unsigned long iova,
				phys_addr_t paddr, size_t pgsize, size_t pgcount,
				int prot, gfp_t gfp, size_t *mapped)
{
	return -EPERM;
}

static size_t intel_kho_frozen_unmap(struct iommu_domain *domain,
				     unsigned long iova, size_t pgsize,
				     size_t pgcount,
				     struct iommu_iotlb_gather *gather)
{
	return 0;
}

static phys_addr_t intel_kho_frozen_iova_to_phys(struct iommu_domain *domain,
						 dma_addr_t iova)
{
	struct dmar_domain *dd = to_dmar_domain(domain);
	struct dma_pte *table = dd->pgd;
	int level = agaw_to_level(dd->agaw);

	if (iova > dd->max_addr)
		return 0;
	for (;; level--) {
		struct dma_pte *pte =
			&table[pfn_level_offset(iova >> VTD_PAGE_SHIFT, level)];

		if (!dma_pte_present(pte))
			return 0;
		if (level == 1 || dma_pte_superpage(pte))
			return dma_pte_addr(pte) +
			       (iova & (intel_kho_level_size(level) - 1));
		table = phys_to_virt(dma_pte_addr(pte));
	}
}

static bool intel_kho_in_table_ok(struct intel_kho_walk *w, u64 phys)
{
	return kho_is_preserved_in(phys, 0);
}

static int intel_kho_claim_table(struct intel_kho_walk *w, struct dma_pte *table)
{
	return kho_restore_pages(virt_to_phys(table), 1) ? 0 : -ENOENT;
}

static int intel_kho_free_table(struct intel_kho_walk *w, struct dma_pte *table)
{
	__free_page(virt_to_page(table));
	return 0;
}

/*
 * Make a frozen domain's page-table pages this kernel's, restoring each
 * from the handover, children first; only tables still preserved are read.
 */
static int intel_kho_claim(struct intel_kho_frozen *fz)
{
	struct intel_kho_walk w = {
		.table = intel_kho_claim_table,
		.descend = intel_kho_in_table_ok,
	};
	int err = intel_kho_walk(&w, fz->dd.pgd, fz->dd.agaw);

	fz->owned = true;
	fz->nr_tables = w.nr_tables;
	return err;
}

/* Restored and freed, children first: the last device left the domain. */
static void intel_kho_frozen_release(struct intel_kho_frozen *fz)
{
	struct intel_kho_walk w = {
		.table = intel_kho_free_table,
	};
	struct iommu_domain_info *di;
	unsigned long i;

	if (!fz->owned && intel_kho_claim(fz))
		pr_err("frozen domain %#llx: its tables are not all preserved; %lu kept\n",
		       fz->token, fz->nr_tables);
	else if (!intel_kho_walk(&w, fz->dd.pgd, fz->dd.agaw))
		pr_info("frozen domain %#llx freed: %lu page-table pages back to the allocator\n",
			fz->token, w.nr_tables);
	xa_for_each(&fz->dd.iommu_array, i, di) {
		clear_bit(di->did, di->iommu->domain_ids);
		kfree(di);
	}
	xa_destroy(&fz->dd.iommu_array);
	kfree(fz);
}

static void intel_kho_frozen_free(struct iommu_domain *domain)
{
	struct intel_kho_frozen *fz = to_frozen(domain);
	struct intel_kho_in_dev *idev;

	mutex_lock(&intel_kho.lock);
	if (WARN_ON(!list_empty(&fz->dd.devices)) || --fz->refs) {
		mutex_unlock(&intel_kho.lock);
		return;
	}
	list_for_each_entry(idev, &intel_kho.in_devs, list)
		if (idev->fz == fz)
			idev->fz = NULL;
	list_del(&fz->list);
	mutex_unlock(&intel_kho.lock);
	intel_kho_frozen_release(fz);
}

static const struct iommu_domain_ops intel_kho_frozen_ops = {
	.attach_dev = intel_kho_frozen_attach,
	.map_pages = intel_kho_frozen_map,
	.unmap_pages = intel_kho_frozen_unmap,
	.iova_to_phys = intel_kho_frozen_iova_to_phys,
	.free = intel_kho_frozen_free,
};

/* ---- incoming: leaving the frozen domain without a gap -------------------- */

/**
 * intel_kho_on_frozen - is a device still on the domain it was left on?
 * @dev: a device being attached to another domain
 *
 * Return: true if its next attach must be intel_kho_replace().
 */
bool intel_kho_on_frozen(struct device *dev)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);

	return info && info->domain &&
	       info->domain->domain.ops == &intel_kho_frozen_ops;
}

/*
 * The control of the hitless replace: 6.12's path, which clears the
 * entry, then programs the new one; the window between is stretched so
 * that a DMA of the device falls into it and faults.
 */
static int intel_kho_replace_stock(struct iommu_domain *domain,
				   struct device *dev)
{
	pr_info("%s: leaving the frozen domain the stock way (naive on purpose)\n",
		dev_name(dev));
	device_block_translation(dev);
	kho_test_stretch("clearing the entry (stock)");
	return domain->ops->attach_dev(domain, dev);
}

/*
 * The new domain's DID on the device's unit. It takes the frozen domain's
 * when the device is the last one on it there and the new domain has none
 * yet: the entry's DID then does not change, and nothing else can refill
 * the IOTLB from the frozen tables under that DID once it is flushed.
 * Otherwise the new domain gets a DID the usual way. @took tells which.
 */
static int intel_kho_new_did(struct intel_kho_frozen *fz, struct dmar_domain *dd,
			     struct intel_iommu *iommu, bool *took)
{
	struct iommu_domain_info *di, *curr;

	spin_lock(&iommu->lock);
	di = xa_load(&fz->dd.iommu_array, iommu->seq_id);
	*took = di && di->refcnt == 1 && !xa_load(&dd->iommu_array, iommu->seq_id);
	if (*took) {
		curr = xa_cmpxchg(&dd->iommu_array, iommu->seq_id, NULL, di,
				  GFP_ATOMIC);
		if (curr) {
			spin_unlock(&iommu->lock);
			return xa_err(curr) ?: -EBUSY;
		}
		domain_update_iommu_cap(dd);
	}
	spin_unlock(&iommu->lock);
	return *took ? 0 : domain_attach_iommu(dd, iommu);
}

/*
 * @dd lets go of its DID on @iommu: the new domain on an error, the frozen
 * one once the switch is done. If @took, the other domain holds the same
 * DID, so only @dd's entry goes; else as any domain lets go of its DID.
 */
static void intel_kho_put_did(struct dmar_domain *dd, struct intel_iommu *iommu,
			      bool took)
{
	if (!took) {
		domain_detach_iommu(dd, iommu);
		return;
	}
	spin_lock(&iommu->lock);
	xa_erase(&dd->iommu_array, iommu->seq_id);
	spin_unlock(&iommu->lock);
}

/* The top table the unit walks, skipping the levels it does not have. */
static struct dma_pte *intel_kho_unit_pgd(struct dmar_domain *dd,
					  struct intel_iommu *iommu, int *agaw)
{
	struct dma_pte *pgd = dd->pgd;

	for (*agaw = dd->agaw; *agaw > iommu->agaw; (*agaw)--) {
		pgd = phys_to_virt(dma_pte_addr(pgd));
		if (!dma_pte_present(pgd))
			return NULL;
	}
	return pgd;
}

/*
 * Switch the first 128 bits of an entry, in which alone old and new
 * differ: one 64-bit store if only the low half changes, else one
 * 128-bit compare-and-exchange. Either way the IOMMU reads the old entry
 * or the new one, never a mix, never a non-present one.
 */
static int intel_kho_store(u64 *entry, const u64 *new)
{
	u128 old128, new128;

	if (READ_ONCE(entry[1]) == new[1]) {
		WRITE_ONCE(entry[0], new[0]);
		return 0;
	}
	if (!system_has_cmpxchg128())
		return -EOPNOTSUPP;
	old128 = ((u128)READ_ONCE(entry[1]) << 64) | READ_ONCE(entry[0]);
	new128 = ((u128)new[1] << 64) | new[0];
	return try_cmpxchg128((u128 *)entry, &old128, new128) ? 0 : -EBUSY;
}

/* Legacy mode: the context entry 6.12 would write for @dd, switched in place. */
static int intel_kho_switch_context(struct device_domain_info *info,
				    struct dmar_domain *dd, u16 did, u16 old_did)
{
	struct intel_iommu *iommu = info->iommu;
	struct context_entry *ce, new = {};
	struct dma_pte *pgd;
	int agaw, err;

	pgd = intel_kho_unit_pgd(dd, iommu, &agaw);
	if (!pgd)
		return -EINVAL;
	context_set_domain_id(&new, did);
	context_set_address_root(&new, virt_to_phys(pgd));
	context_set_address_width(&new, agaw);
	context_set_translation_type(&new, info->ats_supported ?
				     CONTEXT_TT_DEV_IOTLB : CONTEXT_TT_MULTI_LEVEL);
	context_set_fault_enable(&new);
	context_set_present(&new);

	spin_lock(&iommu->lock);
	ce = iommu_context_addr(iommu, info->bus, info->devfn, 0);
	err = ce && context_present(ce) ? intel_kho_store(&ce->lo, &new.lo) : -EINVAL;
	if (!err && !ecap_coherent(iommu->ecap))
		clflush_cache_range(ce, sizeof(*ce));
	spin_unlock(&iommu->lock);
	if (err)
		return err;
	kho_test_stretch("storing the new context entry");
	iommu->flush.flush_context(iommu, old_did, PCI_DEVID(info->bus, info->devfn),
				   DMA_CCMD_MASK_NOBIT, DMA_CCMD_DEVICE_INVL);
	kho_test_stretch("invalidating the context cache");
	return 0;
}

/* Scalable mode: PASID 0's entry 6.12 would write for @dd, switched in place. */
static int intel_kho_switch_pasid(struct device_domain_info *info,
				  struct dmar_domain *dd, u16 did, u16 old_did)
{
	struct intel_iommu *iommu = info->iommu;
	struct pasid_dir_entry *dir = info->pasid_table->table;
	struct pasid_entry *pe, new;
	struct dma_pte *pgd;
	int agaw, err = -EINVAL, i;

	pgd = intel_kho_unit_pgd(dd, iommu, &agaw);
	if (!pgd || !ecap_slts(iommu->ecap) || dd->use_first_level)
		return -EINVAL;
	pasid_clear_entry(&new);
	pasid_set_domain_id(&new, did);
	pasid_set_slptr(&new, virt_to_phys(pgd));
	pasid_set_address_width(&new, agaw);
	pasid_set_translation_type(&new, PASID_ENTRY_PGTT_SL_ONLY);
	pasid_set_fault_enable(&new);
	pasid_set_page_snoop(&new, !!ecap_smpwc(iommu->ecap));
	if (dd->dirty_tracking)
		pasid_set_ssade(&new);
	pasid_set_present(&new);

	spin_lock(&iommu->lock);
	pe = get_pasid_table_from_pde(&dir[0]);
	if (pe && pasid_pte_is_present(pe)) {
		/* Past the first 128 bits nothing may differ: no store covers them. */
		for (err = 0, i = 2; i < ARRAY_SIZE(new.val) && !err; i++)
			err = READ_ONCE(pe->val[i]) != new.val[i] ? -EOPNOTSUPP : 0;
		err = err ?: intel_kho_store(pe->val, new.val);
	}
	if (!err && !ecap_coherent(iommu->ecap))
		clflush_cache_range(pe, sizeof(*pe));
	spin_unlock(&iommu->lock);
	if (err)
		return err;
	kho_test_stretch("storing the new PASID entry");
	qi_flush_pasid_cache(iommu, old_did, QI_PC_PASID_SEL, IOMMU_NO_PASID);
	if (old_did != did)
		qi_flush_pasid_cache(iommu, did, QI_PC_PASID_SEL, IOMMU_NO_PASID);
	kho_test_stretch("invalidating the PASID cache");
	return 0;
}

/* What the old entry may still have cached, under either DID. */
static void intel_kho_flush_tlbs(struct device_domain_info *info, u16 did,
				 u16 old_did)
{
	struct intel_iommu *iommu = info->iommu;

	iommu->flush.flush_iotlb(iommu, old_did, 0, 0, DMA_TLB_DSI_FLUSH);
	if (old_did != did)
		iommu->flush.flush_iotlb(iommu, did, 0, 0, DMA_TLB_DSI_FLUSH);
	if (info->ats_enabled)
		qi_flush_dev_iotlb(iommu, PCI_DEVID(info->bus, info->devfn), info->pfsid,
				   info->ats_qdep, 0, 64 - VTD_PAGE_SHIFT);
	kho_test_stretch("invalidating the IOTLB");
}

/* The device now belongs to @dd: lists and cache tags follow the entry. */
static void intel_kho_move_dev(struct device_domain_info *info,
			       struct intel_kho_frozen *fz, struct dmar_domain *dd)
{
	struct intel_kho_in_dev *idev;
	unsigned long flags;

	cache_tag_unassign_domain(&fz->dd, info->dev, IOMMU_NO_PASID);
	spin_lock_irqsave(&fz->dd.lock, flags);
	list_del(&info->link);
	spin_unlock_irqrestore(&fz->dd.lock, flags);
	info->domain = dd;
	spin_lock_irqsave(&dd->lock, flags);
	list_add(&info->link, &dd->devices);
	spin_unlock_irqrestore(&dd->lock, flags);
	idev = intel_kho_find_in_dev(info);
	if (idev)
		idev->replaced = true;
}

/**
 * intel_kho_replace - move a device off its frozen domain without a gap
 * @domain: a paging domain of this driver
 * @dev: a device on its frozen domain (intel_kho_on_frozen())
 *
 * Where 6.12 clears the device's entry, then writes the new one, this
 * switches it by one atomic store, then invalidates the context (or
 * PASID) cache and the IOTLB: a DMA of the device translates through the
 * frozen tables or through @domain's at every instant, never faults.
 * @domain takes over the frozen domain's DID where it can, so that the
 * store is of the entry's low half only.
 *
 * Return: 0, or an error with the device still on its frozen domain.
 */
int intel_kho_replace(struct iommu_domain *domain, struct device *dev)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);
	struct intel_kho_frozen *fz = to_frozen(&info->domain->domain);
	struct dmar_domain *dd = to_dmar_domain(domain);
	struct intel_iommu *iommu = info->iommu;
	struct iommu_domain_info *di;
	u16 did, old_did;
	bool took;
	int err;

	err = prepare_domain_attach_device(domain, dev);
	if (err)
		return err;
	if (kho_test_naive("vtd-replace-stock"))
		return intel_kho_replace_stock(domain, dev);

	mutex_lock(&intel_kho.lock);
	di = xa_load(&fz->dd.iommu_array, iommu->seq_id);
	err = di ? intel_kho_new_did(fz, dd, iommu, &took) : -EINVAL;
	if (err)
		goto out;
	old_did = di->did;
	did = domain_id_iommu(dd, iommu);
	err = cache_tag_assign_domain(dd, dev, IOMMU_NO_PASID);
	if (err)
		goto err_did;
	err = sm_supported(iommu) ? intel_kho_switch_pasid(info, dd, did, old_did) :
				    intel_kho_switch_context(info, dd, did, old_did);
	if (err)
		goto err_tag;
	intel_kho_flush_tlbs(info, did, old_did);
	intel_kho_move_dev(info, fz, dd);
	intel_kho_put_did(&fz->dd, iommu, took);
	pr_info("%s: replaced its frozen domain %#llx without a gap (DID %u%s)\n",
		dev_name(dev), fz->token, did, took ? ", taken over" : "");
	goto out;
err_tag:
	cache_tag_unassign_domain(dd, dev, IOMMU_NO_PASID);
err_did:
	intel_kho_put_did(dd, iommu, took);
out:
	mutex_unlock(&intel_kho.lock);
	return err;
}

/*
 * Finish releases what nobody restored: the page tables of a domain still
 * frozen become this kernel's first, so the walk happens now, off the
 * boot path.
 */
static void intel_kho_finish(struct kho_handler *handler)
{
	struct intel_kho_frozen *fz;

	mutex_lock(&intel_kho.lock);
	list_for_each_entry(fz, &intel_kho.frozen, list) {
		if (!fz->owned && intel_kho_claim(fz))
			pr_err("frozen domain %#llx: its tables are not all preserved\n",
			       fz->token);
	}
	mutex_unlock(&intel_kho.lock);
}

static bool intel_kho_has_state(struct kho_handler *handler)
{
	bool ret;

	mutex_lock(&intel_kho.lock);
	ret = !list_empty(&intel_kho.devs) || !list_empty(&intel_kho.domains);
	mutex_unlock(&intel_kho.lock);
	return ret;
}

static struct kho_handler intel_kho_handler = {
	.name = KHO_VTD_NODE,
	.compatible = KHO_VTD_COMPATIBLE,
	.serialize = intel_kho_serialize,
	.abort = intel_kho_abort,
	.has_state = intel_kho_has_state,
	.finish = intel_kho_finish,
};

/* ---- debugfs: kho/intel-iommu --------------------------------------------- */

static int intel_kho_show(struct seq_file *m, void *unused)
{
	struct intel_kho_domain *kdom;
	struct intel_kho_in_dev *idev;
	struct intel_kho_frozen *fz;
	struct intel_kho_dev *kdev;

	mutex_lock(&intel_kho.lock);
	list_for_each_entry(kdom, &intel_kho.domains, list)
		seq_printf(m, "out domain token=%#llx tables=%lu devices=%u\n",
			   kdom->token, kdom->nr_tables, kdom->nr_devs);
	list_for_each_entry(kdev, &intel_kho.devs, list)
		seq_printf(m, "out device %s unit=%s token=%#llx tables=%u\n",
			   dev_name(kdev->info->dev), kdev->info->iommu->name,
			   kdev->kdom->token, kdev->nr_tables);
	list_for_each_entry(fz, &intel_kho.frozen, list) {
		seq_printf(m, "domain token=%#llx frozen refs=%u tables=%lu (%s)\n",
			   fz->token, fz->refs, fz->nr_tables,
			   fz->owned ? "this kernel's" : "recorded, not walked");
	}
	list_for_each_entry(idev, &intel_kho.in_devs, list)
		seq_printf(m, "device %04x:%02x:%02x.%d unit=%s did=%u %s\n",
			   idev->iommu->segment, idev->bus, PCI_SLOT(idev->devfn),
			   PCI_FUNC(idev->devfn), idev->iommu->name, idev->did,
			   !idev->fz ? "released" : idev->replaced ? "replaced" :
			   idev->claimed ? "frozen" : "frozen-unclaimed");
	mutex_unlock(&intel_kho.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(intel_kho);

/* In the outgoing kernel for serialize, in the incoming one for finish. */
static int __init intel_kho_init(void)
{
	int err;

	if (list_empty(&dmar_drhd_units))
		return 0;
	err = kho_register_handler(&intel_kho_handler);
	if (err)
		pr_err("cannot register the handover handler: %d\n", err);
	return err;
}
late_initcall(intel_kho_init);

/* After every late_initcall: kho/ exists by then. */
static int __init intel_kho_debugfs_init(void)
{
	struct dentry *dir = debugfs_lookup("kho", NULL);

	if (!dir)
		return 0;
	debugfs_create_file("intel-iommu", 0400, dir, NULL, &intel_kho_fops);
	dput(dir);
	return 0;
}
late_initcall_sync(intel_kho_debugfs_init);

#ifdef CONFIG_KHO_KUNIT_TEST
#include "kho_kunit.c"
#endif
