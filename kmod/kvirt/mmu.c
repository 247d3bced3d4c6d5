// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: one nested page table builder for NPT and EPT (4 levels, or 5 where
 * the host pages with 5 levels and the vendor must follow): guest frames
 * map onto the VMM's pages on demand (2 MiB where the host maps 2 MiB) and
 * vanish when the host changes its page tables, so guest RAM stays ordinary
 * memory that can be swapped, merged, migrated and unmapped at any time.
 */
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/swap.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "kvirt.h"

#define PT_ENTRIES	512
#define PT_MAX_LEVELS	5
#define PT_HUGE_PAGES	BIT(9)	/* 4 KiB frames in a 2 MiB page */
#define PT_ADDR_MASK	GENMASK_ULL(51, PAGE_SHIFT)
#define PT_CACHE_MIN	(PT_MAX_LEVELS - 1)

static atomic_t kvirt_table_pages = ATOMIC_INIT(0);

unsigned int kvirt_mmu_table_pages(void)
{
	return atomic_read(&kvirt_table_pages);
}

static const struct kvirt_pte_format *tdp_fmt(void)
{
	return &kvirt_vendor->pte;
}

static bool tdp_present(u64 e)
{
	return e & tdp_fmt()->present;
}

static bool tdp_leaf(u64 e, int level)
{
	return level == 1 || (e & tdp_fmt()->huge);
}

static u64 *tdp_table(u64 e)
{
	return __va(e & PT_ADDR_MASK);
}

static unsigned int tdp_index(u64 gfn, int level)
{
	return (gfn >> ((level - 1) * 9)) & (PT_ENTRIES - 1);
}

static struct kvirt_vm *notifier_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct kvirt_vm, mmu.notifier);
}

/* Tell every vCPU to flush; wait for those in the guest to leave it. */
void kvirt_mmu_flush_tlbs(struct kvirt_vm *vm)
{
	cpumask_var_t cpus;
	unsigned int i;

	atomic64_inc(&vm->mmu.tlb_gen);
	/* Pairs with the barrier between setting IN_GUEST and reading tlb_gen. */
	smp_mb();
	if (!zalloc_cpumask_var(&cpus, GFP_ATOMIC)) {
		/* Rare: interrupt every CPU instead of the ones in the guest. */
		on_each_cpu(kvirt_kick_ipi, NULL, 1);
		return;
	}
	for (i = 0; i < READ_ONCE(vm->nr_vcpus); i++) {
		struct kvirt_vcpu *vcpu = READ_ONCE(vm->vcpus[i]);

		if (vcpu && READ_ONCE(vcpu->mode) == KVIRT_IN_GUEST)
			cpumask_set_cpu(READ_ONCE(vcpu->cpu), cpus);
	}
	preempt_disable();
	cpumask_clear_cpu(smp_processor_id(), cpus);
	smp_call_function_many(cpus, kvirt_kick_ipi, NULL, true);
	preempt_enable();
	free_cpumask_var(cpus);
}

static void mmu_free_table(u64 *table, int level)
{
	unsigned int i;

	for (i = 0; level > 1 && i < PT_ENTRIES; i++)
		if (tdp_present(table[i]) && !tdp_leaf(table[i], level))
			mmu_free_table(tdp_table(table[i]), level - 1);
	free_page((unsigned long)table);
	atomic_dec(&kvirt_table_pages);
}

/* Remove every mapping of [start, end) below @table; true if any was. */
static bool mmu_zap(u64 *table, int level, u64 base, u64 start, u64 end)
{
	unsigned int shift = (level - 1) * 9, i;
	bool zapped = false;

	for (i = (start - base) >> shift; i < PT_ENTRIES; i++) {
		u64 lo = base + ((u64)i << shift), hi = lo + (1ULL << shift);
		u64 e = table[i];

		if (lo >= end)
			break;
		if (!tdp_present(e))
			continue;
		if (!tdp_leaf(e, level)) {
			zapped |= mmu_zap(tdp_table(e), level - 1, lo,
					  max(start, lo), min(end, hi));
			continue;
		}
		WRITE_ONCE(table[i], 0);
		/* The guest may have written through it: the host must know. */
		if ((e & tdp_fmt()->write) && pfn_valid(PHYS_PFN(e & PT_ADDR_MASK)))
			SetPageDirty(pfn_to_page(PHYS_PFN(e & PT_ADDR_MASK)));
		zapped = true;
	}
	return zapped;
}

static bool mmu_zap_gfns(struct kvirt_mmu *mmu, u64 gfn, u64 npages)
{
	lockdep_assert_held(&mmu->lock);
	return mmu_zap(mmu->root, mmu->levels, 0, gfn, gfn + npages);
}

/* A memslot went away, moved or changed its flags: forget its mappings. */
void kvirt_mmu_zap_gfn_range(struct kvirt_vm *vm, u64 gfn, u64 npages)
{
	struct kvirt_mmu *mmu = &vm->mmu;
	bool zapped;

	spin_lock(&mmu->lock);
	zapped = mmu_zap_gfns(mmu, gfn, npages);
	mmu->invalidate_seq++;
	spin_unlock(&mmu->lock);
	if (zapped)
		kvirt_mmu_flush_tlbs(vm);
}

/* Remove write access from one frame (dirty logging); true if it had it. */
static bool mmu_write_protect(struct kvirt_mmu *mmu, u64 gfn)
{
	u64 *table = mmu->root;
	int level;

	for (level = mmu->levels; level > 0; level--) {
		u64 *e = &table[tdp_index(gfn, level)];

		if (!tdp_present(*e))
			return false;
		if (tdp_leaf(*e, level)) {
			if (!(*e & tdp_fmt()->write))
				return false;
			WRITE_ONCE(*e, *e & ~tdp_fmt()->write);
			return true;
		}
		table = tdp_table(*e);
	}
	return false;
}

/* Write-protect the frames set in @bits, @gfn onwards; flush if needed. */
void kvirt_mmu_write_protect(struct kvirt_vm *vm, u64 gfn,
			     const unsigned long *bits, u64 npages)
{
	struct kvirt_mmu *mmu = &vm->mmu;
	bool flush = false;
	unsigned long i;

	spin_lock(&mmu->lock);
	for_each_set_bit(i, bits, npages)
		flush |= mmu_write_protect(mmu, gfn + i);
	spin_unlock(&mmu->lock);
	if (flush)
		kvirt_mmu_flush_tlbs(vm);
}

static int mmu_invalidate_start(struct mmu_notifier *mn,
				const struct mmu_notifier_range *range)
{
	struct kvirt_vm *vm = notifier_vm(mn);
	struct kvirt_mmu *mmu = &vm->mmu;
	struct kvirt_memslots *slots;
	bool zapped = false;
	unsigned int i;

	spin_lock(&mmu->lock);
	mmu->invalidating++;
	rcu_read_lock();
	slots = rcu_dereference(vm->memslots);
	for (i = 0; slots && i < slots->count; i++) {
		const struct kvirt_memslot *s = &slots->slot[i];
		unsigned long first = s->userspace_addr;
		unsigned long last = first + (s->npages << PAGE_SHIFT);
		unsigned long lo = max(range->start, first);
		unsigned long hi = min(range->end, last);

		if (lo >= hi)
			continue;
		zapped |= mmu_zap_gfns(mmu, s->base_gfn +
				       ((lo - first) >> PAGE_SHIFT),
				       PFN_UP(hi - first) -
				       ((lo - first) >> PAGE_SHIFT));
	}
	rcu_read_unlock();
	spin_unlock(&mmu->lock);
	if (zapped)
		kvirt_mmu_flush_tlbs(vm);
	return 0;
}

static void mmu_invalidate_end(struct mmu_notifier *mn,
			       const struct mmu_notifier_range *range)
{
	struct kvirt_mmu *mmu = &notifier_vm(mn)->mmu;

	spin_lock(&mmu->lock);
	mmu->invalidate_seq++;
	mmu->invalidating--;
	spin_unlock(&mmu->lock);
}

/* The VMM's address space is being torn down: nothing may stay mapped. */
static void mmu_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct kvirt_vm *vm = notifier_vm(mn);

	kvirt_mmu_zap_gfn_range(vm, 0, 1ULL << (9 * vm->mmu.levels));
}

static const struct mmu_notifier_ops kvirt_mmu_notifier_ops = {
	.invalidate_range_start = mmu_invalidate_start,
	.invalidate_range_end = mmu_invalidate_end,
	.release = mmu_release,
};

/* Keep enough zeroed pages for one fault to build a full path. */
static int mmu_topup_cache(struct kvirt_mmu *mmu)
{
	while (READ_ONCE(mmu->cache_count) < PT_CACHE_MIN) {
		struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

		if (!page)
			return -ENOMEM;
		atomic_inc(&kvirt_table_pages);
		spin_lock(&mmu->lock);
		list_add(&page->lru, &mmu->cache);
		mmu->cache_count++;
		spin_unlock(&mmu->lock);
	}
	return 0;
}

static u64 *mmu_take_table(struct kvirt_mmu *mmu)
{
	struct page *page = list_first_entry(&mmu->cache, struct page, lru);

	list_del(&page->lru);
	mmu->cache_count--;
	return page_address(page);
}

/*
 * Map @gfn to @pfn with @prot under the lock: at 2 MiB if @huge and no
 * 4 KiB table is already in the way, else at 4 KiB.
 */
static void mmu_map(struct kvirt_mmu *mmu, u64 gfn, u64 pfn, u64 prot,
		    bool huge)
{
	u64 *table = mmu->root, *e;
	int level;

	for (level = mmu->levels; level > 1; level--) {
		e = &table[tdp_index(gfn, level)];
		if (level == 2 && huge &&
		    (!tdp_present(*e) || tdp_leaf(*e, level))) {
			WRITE_ONCE(*e, PFN_PHYS(pfn & ~(PT_HUGE_PAGES - 1)) |
				   prot | tdp_fmt()->huge);
			return;
		}
		/* A 2 MiB mapping gives way to a table of 4 KiB ones. */
		if (tdp_present(*e) && tdp_leaf(*e, level))
			WRITE_ONCE(*e, 0);
		if (!tdp_present(*e))
			WRITE_ONCE(*e, __pa(mmu_take_table(mmu)) |
				   tdp_fmt()->table);
		table = tdp_table(*e);
	}
	WRITE_ONCE(table[tdp_index(gfn, 1)], PFN_PHYS(pfn) | prot);
}

/*
 * Does the host map @hva with a 2 MiB page? Read its page tables without
 * locks, with interrupts off so that they cannot be freed meanwhile (as
 * fast GUP does); the invalidate sequence catches later changes.
 */
static bool mmu_host_huge(struct mm_struct *mm, unsigned long hva)
{
	unsigned long flags;
	bool huge = false;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (!pgd_present(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (!p4d_present(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (!pud_present(pud) || pud_leaf(pud))
		goto out;
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	huge = pmd_present(pmd) && pmd_leaf(pmd);
out:
	local_irq_restore(flags);
	return huge;
}

static bool mmu_slot_can_be_huge(const struct kvirt_memslot *slot, u64 gfn)
{
	u64 first = gfn & ~(PT_HUGE_PAGES - 1);

	return !(slot->flags & KVM_MEM_LOG_DIRTY_PAGES) &&
	       first >= slot->base_gfn &&
	       first + PT_HUGE_PAGES <= slot->base_gfn + slot->npages &&
	       !(((slot->userspace_addr >> PAGE_SHIFT) - slot->base_gfn) &
		 (PT_HUGE_PAGES - 1));
}

/*
 * The guest touched @gpa and found nothing mapped (or no write access).
 * Map the VMM's page there, or hand the access to MMIO emulation.
 */
int kvirt_mmu_page_fault(struct kvirt_vcpu *vcpu, u64 gpa, bool write)
{
	struct kvirt_vm *vm = vcpu->vm;
	struct kvirt_mmu *mmu = &vm->mmu;
	u64 gfn = gpa >> PAGE_SHIFT, pfn, prot;
	struct kvirt_memslot slot;
	struct page *page = NULL;
	bool writable, huge;
	unsigned long seq, hva;
	long n = 0;
	int r;

	seq = READ_ONCE(mmu->invalidate_seq);
	/* Read the sequence before the memslots and the host page tables. */
	smp_rmb();
	/* Beyond what the table's levels can map there is only MMIO. */
	if ((gfn >> (9 * mmu->levels)) ||
	    !kvirt_gfn_to_memslot(vm, gfn, &slot) ||
	    (write && (slot.flags & KVM_MEM_READONLY)))
		return kvirt_emulate_mmio(vcpu, gpa);

	/* The slot is going away or moving: wait until it has. */
	if (slot.flags & KVIRT_MEMSLOT_INVALID)
		return 1;

	hva = slot.userspace_addr + ((gfn - slot.base_gfn) << PAGE_SHIFT);
	/*
	 * A read maps writable at once where the host already allows writes,
	 * unless the slot is read-only or logged (its first write must fault).
	 */
	if (!write &&
	    !(slot.flags & (KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES)))
		n = get_user_pages_fast_only(hva, 1, FOLL_WRITE, &page);
	writable = n == 1;
	if (n != 1) {
		n = get_user_pages_unlocked(hva, 1, &page,
					    write ? FOLL_WRITE : 0);
		writable = write;
	}
	if (n != 1 || !page) {
		/* A fatal signal: the run loop notices it. Else as KVM. */
		if (n == -EINTR)
			return 1;
		return n < 0 ? n : -EFAULT;
	}

	pfn = page_to_pfn(page);
	huge = mmu_slot_can_be_huge(&slot, gfn) && mmu_host_huge(vm->mm, hva) &&
	       !((pfn - gfn) & (PT_HUGE_PAGES - 1));
	prot = tdp_fmt()->leaf | (writable ? tdp_fmt()->write : 0);

	r = mmu_topup_cache(mmu);
	if (r)
		goto out;
	spin_lock(&mmu->lock);
	/* The host changed something since we looked: let the guest retry. */
	if (!mmu->invalidating && mmu->invalidate_seq == seq) {
		mmu_map(mmu, gfn, pfn, prot, huge);
		if (writable && (slot.flags & KVM_MEM_LOG_DIRTY_PAGES))
			kvirt_memslot_mark_dirty(&slot, gfn);
	}
	spin_unlock(&mmu->lock);
	r = 1;
out:
	if (writable)
		set_page_dirty_lock(page);
	mark_page_accessed(page);
	put_page(page);
	return r;
}

u64 kvirt_mmu_root(struct kvirt_vm *vm)
{
	return __pa(vm->mmu.root);
}

int kvirt_mmu_init(struct kvirt_vm *vm)
{
	struct kvirt_mmu *mmu = &vm->mmu;
	int r;

	spin_lock_init(&mmu->lock);
	INIT_LIST_HEAD(&mmu->cache);
	mmu->levels = kvirt_vendor->tdp_levels();
	mmu->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!mmu->root)
		return -ENOMEM;
	atomic_inc(&kvirt_table_pages);
	mmu->notifier.ops = &kvirt_mmu_notifier_ops;
	r = mmu_notifier_register(&mmu->notifier, vm->mm);
	if (r) {
		free_page((unsigned long)mmu->root);
		atomic_dec(&kvirt_table_pages);
		mmu->root = NULL;
	}
	return r;
}

void kvirt_mmu_destroy(struct kvirt_vm *vm)
{
	struct kvirt_mmu *mmu = &vm->mmu;
	struct page *page, *tmp;

	if (!mmu->root)
		return;
	mmu_notifier_unregister(&mmu->notifier, vm->mm);
	mmu_free_table(mmu->root, mmu->levels);
	list_for_each_entry_safe(page, tmp, &mmu->cache, lru) {
		__free_page(page);
		atomic_dec(&kvirt_table_pages);
	}
}
