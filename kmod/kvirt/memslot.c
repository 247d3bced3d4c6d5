// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: guest memory is the VMM's own memory; KVM_SET_USER_MEMORY_REGION
 * adds, moves and deletes the ranges the guest sees, with KVM's rules and
 * errors, and publishes them whole so that readers never take a lock.
 */
#include <linux/atomic.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <asm/processor.h>

#include "kvirt.h"

static atomic_t kvirt_memslots_live = ATOMIC_INIT(0);

unsigned int kvirt_memslot_count(void)
{
	return atomic_read(&kvirt_memslots_live);
}

static struct kvirt_memslots *kvirt_memslots(struct kvirt_vm *vm)
{
	return rcu_dereference_protected(vm->memslots,
					 lockdep_is_held(&vm->slots_lock));
}

static const struct kvirt_memslot *
kvirt_find_slot_id(const struct kvirt_memslots *slots, u16 id)
{
	unsigned int i;

	for (i = 0; slots && i < slots->count; i++)
		if (slots->slot[i].id == id)
			return &slots->slot[i];
	return NULL;
}

static bool kvirt_slots_overlap(const struct kvirt_memslots *slots, u16 id,
				u64 base_gfn, u64 npages)
{
	unsigned int i;

	for (i = 0; slots && i < slots->count; i++) {
		const struct kvirt_memslot *s = &slots->slot[i];

		if (s->id != id && base_gfn < s->base_gfn + s->npages &&
		    s->base_gfn < base_gfn + npages)
			return true;
	}
	return false;
}

/*
 * The highest guest frame nested paging can map: the host's physical
 * address width (CPUID Fn8000_0008 EAX[7:0]), as KVM uses with TDP.
 */
static u64 kvirt_max_gfn(void)
{
	unsigned int bits = boot_cpu_data.x86_phys_bits;

	if (boot_cpu_data.extended_cpuid_level >= 0x80000008)
		bits = cpuid_eax(0x80000008) & 0xff;
	return (1ULL << (bits - PAGE_SHIFT)) - 1;
}

static int kvirt_slot_cmp(const void *a, const void *b)
{
	const struct kvirt_memslot *x = a, *y = b;

	return x->base_gfn < y->base_gfn ? -1 : x->base_gfn > y->base_gfn;
}

/* Under RCU or the slots lock: copy out the slot holding @gfn. */
static const struct kvirt_memslot *
kvirt_slot_of(const struct kvirt_memslots *slots, u64 gfn)
{
	unsigned int lo = 0, hi = slots ? slots->count : 0;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		const struct kvirt_memslot *s = &slots->slot[mid];

		if (gfn < s->base_gfn)
			hi = mid;
		else if (gfn >= s->base_gfn + s->npages)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

bool kvirt_gfn_to_memslot(struct kvirt_vm *vm, u64 gfn,
			  struct kvirt_memslot *out)
{
	const struct kvirt_memslot *s;

	rcu_read_lock();
	s = kvirt_slot_of(rcu_dereference(vm->memslots), gfn);
	if (s)
		*out = *s;
	rcu_read_unlock();
	return s;
}

void kvirt_memslot_mark_dirty(const struct kvirt_memslot *slot, u64 gfn)
{
	if (slot->dirty_bitmap)
		set_bit(gfn - slot->base_gfn, slot->dirty_bitmap);
}

/* Copy to or from guest memory, page by page, through the memslots. */
static int kvirt_guest_copy(struct kvirt_vm *vm, u64 gpa, void *data,
			    unsigned long len, bool write)
{
	while (len) {
		unsigned long n = min_t(unsigned long, len,
					PAGE_SIZE - offset_in_page(gpa));
		struct kvirt_memslot slot;
		void __user *hva;
		unsigned long left;

		if (!kvirt_gfn_to_memslot(vm, gpa >> PAGE_SHIFT, &slot) ||
		    (write && (slot.flags & KVM_MEM_READONLY)))
			return -ENOENT;
		hva = u64_to_user_ptr(slot.userspace_addr +
				      (gpa - (slot.base_gfn << PAGE_SHIFT)));
		if (write) {
			left = copy_to_user(hva, data, n);
			/* The bitmap lives until an RCU grace period after use. */
			rcu_read_lock();
			if (kvirt_gfn_to_memslot(vm, gpa >> PAGE_SHIFT, &slot))
				kvirt_memslot_mark_dirty(&slot,
							 gpa >> PAGE_SHIFT);
			rcu_read_unlock();
		} else {
			left = copy_from_user(data, hva, n);
		}
		if (left)
			return -EFAULT;
		gpa += n;
		data += n;
		len -= n;
	}
	return 0;
}

int kvirt_read_guest(struct kvirt_vm *vm, u64 gpa, void *data,
		     unsigned long len)
{
	return kvirt_guest_copy(vm, gpa, data, len, false);
}

int kvirt_write_guest(struct kvirt_vm *vm, u64 gpa, const void *data,
		      unsigned long len)
{
	return kvirt_guest_copy(vm, gpa, (void *)data, len, true);
}

static unsigned long kvirt_dirty_bytes(const struct kvirt_memslot *slot)
{
	return ALIGN(slot->npages, BITS_PER_LONG) / 8;
}

/* A copy of the slots without slot @id, plus @add if given, sorted. */
static struct kvirt_memslots *kvirt_build_slots(struct kvirt_vm *vm, u16 id,
						const struct kvirt_memslot *add)
{
	struct kvirt_memslots *old = kvirt_memslots(vm), *new;
	unsigned int i, n = 0, max = (old ? old->count : 0) + 1;

	new = kvzalloc(struct_size(new, slot, max), GFP_KERNEL_ACCOUNT);
	if (!new)
		return NULL;
	for (i = 0; old && i < old->count; i++)
		if (old->slot[i].id != id)
			new->slot[n++] = old->slot[i];
	if (add)
		new->slot[n++] = *add;
	sort(new->slot, n, sizeof(new->slot[0]), kvirt_slot_cmp, NULL);
	new->count = n;
	return new;
}

static void kvirt_publish_slots(struct kvirt_vm *vm, struct kvirt_memslots *new)
{
	struct kvirt_memslots *old = kvirt_memslots(vm);

	rcu_assign_pointer(vm->memslots, new);
	if (old)
		kvfree_rcu(old, rcu);
}

static int kvirt_check_region(const struct kvm_userspace_memory_region *mem)
{
	if (mem->flags & ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY))
		return -EINVAL;
	if (!PAGE_ALIGNED(mem->memory_size) ||
	    !PAGE_ALIGNED(mem->guest_phys_addr) ||
	    !PAGE_ALIGNED(mem->userspace_addr) ||
	    !access_ok(u64_to_user_ptr(mem->userspace_addr), mem->memory_size))
		return -EINVAL;
	/* One address space (no SMM): the high half of slot must be 0. */
	if (mem->slot >= KVIRT_MEM_SLOTS)
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr)
		return -EINVAL;
	if ((mem->memory_size >> PAGE_SHIFT) > KVIRT_MEM_SLOT_MAX_PAGES)
		return -EINVAL;
	return 0;
}

/* api.rst 4.35: create, move, change flags or (size 0) delete a slot. */
int kvirt_set_memory_region(struct kvirt_vm *vm,
			    const struct kvm_userspace_memory_region *mem)
{
	struct kvirt_memslot slot = {
		.base_gfn = mem->guest_phys_addr >> PAGE_SHIFT,
		.npages = mem->memory_size >> PAGE_SHIFT,
		.userspace_addr = mem->userspace_addr,
		.flags = mem->flags,
		.id = mem->slot,
	};
	struct kvirt_memslots *slots, *hidden = NULL, *final;
	const struct kvirt_memslot *found;
	struct kvirt_memslot old = {};
	bool goes;
	int r = kvirt_check_region(mem);

	if (r)
		return r;

	mutex_lock(&vm->slots_lock);
	slots = kvirt_memslots(vm);
	found = kvirt_find_slot_id(slots, slot.id);
	if (found)
		old = *found;
	r = -EINVAL;
	if (!slot.npages && !found)
		goto out;
	if (found && slot.npages) {
		/* A slot may move or change flags, never size or backing. */
		if (slot.userspace_addr != old.userspace_addr ||
		    slot.npages != old.npages ||
		    ((slot.flags ^ old.flags) & KVM_MEM_READONLY))
			goto out;
		r = 0;
		if (slot.base_gfn == old.base_gfn && slot.flags == old.flags)
			goto out;
	}
	if (slot.npages) {
		r = -EEXIST;
		if (kvirt_slots_overlap(slots, slot.id, slot.base_gfn,
					slot.npages))
			goto out;
		r = -EINVAL;
		if (slot.base_gfn + slot.npages - 1 > kvirt_max_gfn())
			goto out;
	}
	r = -ENOMEM;
	if (slot.flags & KVM_MEM_LOG_DIRTY_PAGES) {
		/* As KVM: a logging slot that moves keeps its bitmap. */
		slot.dirty_bitmap = old.dirty_bitmap;
		if (!slot.dirty_bitmap)
			slot.dirty_bitmap = kvzalloc(kvirt_dirty_bytes(&slot),
						     GFP_KERNEL_ACCOUNT);
		if (!slot.dirty_bitmap)
			goto out;
	}
	/*
	 * A slot that goes away or moves is first published as invalid: the
	 * MMU notifier still finds its host range while its mappings are
	 * zapped, and faults on it wait (as KVM's KVM_MEMSLOT_INVALID).
	 */
	goes = found && (!slot.npages || slot.base_gfn != old.base_gfn);
	if (goes) {
		struct kvirt_memslot invalid = old;

		invalid.flags |= KVIRT_MEMSLOT_INVALID;
		hidden = kvirt_build_slots(vm, old.id, &invalid);
	}
	final = kvirt_build_slots(vm, slot.id, slot.npages ? &slot : NULL);
	if (!final || (goes && !hidden)) {
		kvfree(final);
		kvfree(hidden);
		if (slot.dirty_bitmap != old.dirty_bitmap)
			kvfree(slot.dirty_bitmap);
		goto out;
	}
	if (hidden) {
		kvirt_publish_slots(vm, hidden);
		kvirt_mmu_zap_gfn_range(vm, old.base_gfn, old.npages);
	}
	kvirt_publish_slots(vm, final);
	r = 0;
	if (!found)
		atomic_inc(&kvirt_memslots_live);
	if (!slot.npages)
		atomic_dec(&kvirt_memslots_live);
	if (found && !goes)
		/* New flags: write access goes, for logging to start. */
		kvirt_mmu_zap_gfn_range(vm, old.base_gfn, old.npages);
	if (old.dirty_bitmap && slot.dirty_bitmap != old.dirty_bitmap) {
		/* kvirt_write_guest() may still hold it under RCU. */
		synchronize_rcu();
		kvfree(old.dirty_bitmap);
	}
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

/* api.rst 4.37: hand out and reset the dirty bitmap of a logging slot. */
int kvirt_get_dirty_log(struct kvirt_vm *vm, const struct kvm_dirty_log *log)
{
	const struct kvirt_memslot *found;
	struct kvirt_memslot slot;
	unsigned long *snap, i, n;
	int r;

	if (log->slot >= KVIRT_MEM_SLOTS)
		return -EINVAL;
	mutex_lock(&vm->slots_lock);
	found = kvirt_find_slot_id(kvirt_memslots(vm), log->slot);
	r = -ENOENT;
	if (!found || !found->dirty_bitmap)
		goto out;
	slot = *found;
	n = kvirt_dirty_bytes(&slot);
	r = -ENOMEM;
	snap = kvzalloc(n, GFP_KERNEL_ACCOUNT);
	if (!snap)
		goto out;
	for (i = 0; i < n / sizeof(long); i++)
		if (READ_ONCE(slot.dirty_bitmap[i]))
			snap[i] = xchg(&slot.dirty_bitmap[i], 0);
	/* Pages reported dirty must fault again on their next write. */
	kvirt_mmu_write_protect(vm, slot.base_gfn, snap, slot.npages);
	r = copy_to_user(log->dirty_bitmap, snap, n) ? -EFAULT : 0;
	kvfree(snap);
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

/* The VM is gone: no reader is left. */
void kvirt_memslots_free(struct kvirt_vm *vm)
{
	struct kvirt_memslots *slots = rcu_dereference_protected(vm->memslots,
								 true);

	unsigned int i;

	if (!slots)
		return;
	for (i = 0; i < slots->count; i++)
		kvfree(slots->slot[i].dirty_bitmap);
	atomic_sub(slots->count, &kvirt_memslots_live);
	kvfree(slots);
}
