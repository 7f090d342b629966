/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VT-d across kexec with Kexec HandOver (KHO): the hooks iommu.c calls.
 *
 * Outgoing kernel: a paging domain is preserved (its page-table pages kept
 * for the next kernel) when iommufd preserves its HWPT, a device when VFIO
 * preserves it. At freeze the "intel-iommu" handler writes, per unit with
 * preserved devices, where its root table is and, per device, its context
 * (or PASID) entry as the hardware holds it. At shutdown such a unit keeps
 * translating: every other device's entry is cleared first.
 *
 * Incoming kernel: a unit the handover describes keeps translating; its
 * root, context and PASID tables are adopted in place and each preserved
 * domain becomes one frozen dmar_domain (no map/unmap), the device's first
 * domain. A unit left translating whose record is unusable gets an empty
 * root table instead: translation on, every device blocked (fail closed).
 * Attaching another domain of this driver to a device on its frozen domain
 * replaces it without a gap (intel_kho_replace()): the entry is switched
 * by one atomic store, the new domain taking over the frozen DID, then
 * the caches are invalidated.
 *
 * Locking: intel_kho.lock (mutex, kho.c) guards every list of kho.c. It
 * nests inside kho_out.lock (the handler runs under it), dmar_global_lock
 * (VT-d init adopts under it, the handler takes it first), the iommu
 * group's mutex (the core attaches and frees frozen domains under it) and
 * the iommufd and VFIO locks of the ioctls that preserve; it is taken
 * outside kho_out.preserve_sem (it preserves pages) and iommu->lock.
 * The shutdown hook takes no lock: it runs on one CPU with interrupts off,
 * after the freeze, when nothing it reads can change.
 */
#ifndef _INTEL_IOMMU_KHO_H
#define _INTEL_IOMMU_KHO_H

#include <linux/errno.h>
#include <linux/types.h>

struct device;
struct device_domain_info;
struct intel_iommu;
struct iommu_domain;

#ifdef CONFIG_KHO_IOMMU
int intel_kho_domain_preserve(struct iommu_domain *domain, u64 token);
void intel_kho_domain_unpreserve(struct iommu_domain *domain);
int intel_kho_dev_preserve(struct device *dev, struct iommu_domain *domain);
void intel_kho_dev_unpreserve(struct device *dev);
bool intel_kho_shutdown(struct intel_iommu *iommu);

bool intel_kho_init_unit(struct intel_iommu *iommu);
bool intel_kho_probe_device(struct device_domain_info *info);
struct iommu_domain *intel_kho_frozen_domain(struct device *dev, u64 *token);
bool intel_kho_on_frozen(struct device *dev);
int intel_kho_replace(struct iommu_domain *domain, struct device *dev);
#else
static inline bool intel_kho_shutdown(struct intel_iommu *iommu) { return false; }
static inline bool intel_kho_init_unit(struct intel_iommu *iommu) { return false; }
static inline bool intel_kho_probe_device(struct device_domain_info *info)
{
	return false;
}

static inline bool intel_kho_on_frozen(struct device *dev) { return false; }
static inline int intel_kho_replace(struct iommu_domain *domain, struct device *dev)
{
	return -EOPNOTSUPP;
}
#endif

#endif /* _INTEL_IOMMU_KHO_H */
