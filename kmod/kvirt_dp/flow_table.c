// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the flow table, the seam between the packet path and the flows
 * userspace installs. Flows are megaflows: a key and a mask. Lookups try
 * the distinct masks in turn (tuple space search): the packet's key is
 * masked over the mask's byte range and looked up in that mask's hash.
 * A per-CPU mask cache, indexed by the packet's skb hash, remembers which
 * mask a packet of that hash hit last, so that most packets try a single
 * mask; a periodic work puts the most hit masks first for the others.
 *
 * Lookups run under RCU only, in softirq; every change happens under
 * kvirt_dp_lock() and frees flows, masks, hash instances, mask arrays and
 * caches after a grace period. Hashes grow without stalling lookups:
 * each flow has two nodes per hash, the new instance links the nodes the
 * old one does not use, and the old instance is freed after readers are
 * done with it. A UFID hash and a list of all flows serve the control
 * plane.
 */
#include <linux/jhash.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/netns/generic.h>

#include "datapath.h"

#define KEY_WORDS	(sizeof(struct kvirt_dp_key) / sizeof(long))

static_assert(sizeof(struct kvirt_dp_key) % sizeof(long) == 0);

/* Hashes start this small and double when they hold more flows. */
#define HASH_MIN_BUCKETS	64
#define HASH_MAX_BUCKETS	BIT(20)
#define MASKS_MIN		16
/* How often masks are reordered by their hits since the last time. */
#define REBALANCE_INTERVAL	msecs_to_jiffies(1000)
/* The mask cache tries this many entries, one per byte of the hash. */
#define CACHE_PROBES		4
#define CACHE_PROBE_SHIFT	8

/**
 * struct kvirt_dp_mask_cache_entry - which mask packets of a hash hit
 * @skb_hash: the packets' hash, 0 for a free entry
 * @index: the mask's slot in the mask array
 */
struct kvirt_dp_mask_cache_entry {
	u32 skb_hash;
	u32 index;
};

/* A new, empty hash instance whose flows link their node @ver. */
static struct kvirt_dp_flow_hash *fh_alloc(u32 n_buckets, u8 ver)
{
	struct kvirt_dp_flow_hash *h;
	u32 i;

	h = kvmalloc(struct_size(h, buckets, n_buckets), GFP_KERNEL);
	if (!h)
		return NULL;
	h->n_buckets = n_buckets;
	h->ver = ver;
	for (i = 0; i < n_buckets; i++)
		INIT_HLIST_HEAD(&h->buckets[i]);
	return h;
}

static void fh_free_rcu(struct rcu_head *rcu)
{
	kvfree(container_of(rcu, struct kvirt_dp_flow_hash, rcu));
}

static struct hlist_head *fh_bucket(struct kvirt_dp_flow_hash *h, u32 hash)
{
	return &h->buckets[hash & (h->n_buckets - 1)];
}

/* Chains are walked under RCU or under the lock. */
static struct hlist_node *chain_first(struct hlist_head *head)
{
	return rcu_dereference_check(hlist_first_rcu(head),
				     kvirt_dp_lock_held());
}

static struct hlist_node *chain_next(struct hlist_node *n)
{
	return rcu_dereference_check(hlist_next_rcu(n), kvirt_dp_lock_held());
}

/* The flow whose node @ver (UFID node if @ufid) is @n. */
static struct kvirt_dp_flow *node_flow(struct hlist_node *n, bool ufid, u8 ver)
{
	n -= ver;
	return ufid ? container_of(n, struct kvirt_dp_flow, ufid_node[0]) :
		      container_of(n, struct kvirt_dp_flow, node[0]);
}

static void fh_add(struct kvirt_dp_flow_hash *h, struct kvirt_dp_flow *flow,
		   bool ufid)
{
	if (ufid)
		hlist_add_head_rcu(&flow->ufid_node[h->ver],
				   fh_bucket(h, flow->ufid_hash));
	else
		hlist_add_head_rcu(&flow->node[h->ver],
				   fh_bucket(h, flow->hash));
}

static void fh_del(struct kvirt_dp_flow_hash *h, struct kvirt_dp_flow *flow,
		   bool ufid)
{
	hlist_del_rcu(ufid ? &flow->ufid_node[h->ver] : &flow->node[h->ver]);
}

static struct kvirt_dp_flow_hash *fh_deref(struct kvirt_dp_flow_hash __rcu *const *hp)
{
	return rcu_dereference_check(*hp, kvirt_dp_lock_held());
}

/*
 * Double the instance at @hp once it holds more than one flow per bucket;
 * under the lock. The flows are linked into the new instance through
 * their other node while lookups go on in the old one, which is freed
 * after a grace period. Without memory the chains just get longer.
 */
static void fh_grow(struct kvirt_dp_flow_hash __rcu **hp,
		    unsigned long *rehashed, unsigned int count, bool ufid)
{
	struct kvirt_dp_flow_hash *old = fh_deref(hp), *new;
	struct hlist_node *n;
	u32 i;

	if (count <= old->n_buckets || old->n_buckets >= HASH_MAX_BUCKETS)
		return;
	new = fh_alloc(old->n_buckets * 2, !old->ver);
	if (!new)
		return;
	/* Readers of the instance before @old may still walk these nodes. */
	cond_synchronize_rcu(*rehashed);
	for (i = 0; i < old->n_buckets; i++)
		for (n = chain_first(&old->buckets[i]); n; n = chain_next(n))
			fh_add(new, node_flow(n, ufid, old->ver), ufid);
	rcu_assign_pointer(*hp, new);
	*rehashed = get_state_synchronize_rcu();
	call_rcu(&old->rcu, fh_free_rcu);
}

static struct kvirt_dp_mask_array *masks_alloc(u32 max)
{
	struct kvirt_dp_mask_array *ma;

	ma = kvzalloc(struct_size(ma, masks, max), GFP_KERNEL);
	if (ma)
		ma->max = max;
	return ma;
}

/* The mask array and its slots, under the lock. */
static struct kvirt_dp_mask_array *table_masks(struct kvirt_dp_flow_table *t)
{
	return rcu_dereference_protected(t->masks, kvirt_dp_lock_held());
}

static struct kvirt_dp_mask *slot(struct kvirt_dp_mask_array *ma, u32 i)
{
	return rcu_dereference_protected(ma->masks[i], kvirt_dp_lock_held());
}

/**
 * kvirt_dp_mask_cache_alloc() - a mask cache, empty
 * @size: entries per CPU: 0 or a power of two, checked by the caller
 *
 * Return: the cache, or NULL without memory.
 */
struct kvirt_dp_mask_cache *kvirt_dp_mask_cache_alloc(u32 size)
{
	struct kvirt_dp_mask_cache *mc;

	mc = kzalloc(sizeof(*mc), GFP_KERNEL);
	if (!mc || !size)
		return mc;
	mc->size = size;
	mc->entries = __alloc_percpu(array_size(size, sizeof(*mc->entries)),
				     __alignof__(*mc->entries));
	if (!mc->entries) {
		kfree(mc);
		return NULL;
	}
	return mc;
}

/**
 * kvirt_dp_mask_cache_free() - free a cache no reader can see
 * @mc: the cache, or NULL
 */
void kvirt_dp_mask_cache_free(struct kvirt_dp_mask_cache *mc)
{
	if (!mc)
		return;
	free_percpu(mc->entries);
	kfree(mc);
}

static void cache_free_rcu(struct rcu_head *rcu)
{
	kvirt_dp_mask_cache_free(container_of(rcu, struct kvirt_dp_mask_cache,
					      rcu));
}

/**
 * kvirt_dp_table_set_cache() - replace the mask cache
 * @t: the table, under kvirt_dp_lock()
 * @mc: the new cache; the old one is freed after a grace period
 */
void kvirt_dp_table_set_cache(struct kvirt_dp_flow_table *t,
			      struct kvirt_dp_mask_cache *mc)
{
	struct kvirt_dp_mask_cache *old;

	old = rcu_replace_pointer(t->cache, mc, kvirt_dp_lock_held());
	if (old)
		call_rcu(&old->rcu, cache_free_rcu);
}

/**
 * kvirt_dp_table_init() - an empty flow table
 * @t: the table, zeroed
 *
 * Return: 0 or -ENOMEM; kvirt_dp_table_free() frees a partial table.
 */
int kvirt_dp_table_init(struct kvirt_dp_flow_table *t)
{
	INIT_LIST_HEAD(&t->flows);
	RCU_INIT_POINTER(t->masks, masks_alloc(MASKS_MIN));
	RCU_INIT_POINTER(t->cache,
			 kvirt_dp_mask_cache_alloc(KVIRT_DP_MASKS_CACHE_DEFAULT));
	RCU_INIT_POINTER(t->ufids, fh_alloc(HASH_MIN_BUCKETS, 0));
	t->ufids_rehashed = get_completed_synchronize_rcu();
	if (!rcu_access_pointer(t->masks) || !rcu_access_pointer(t->cache) ||
	    !rcu_access_pointer(t->ufids))
		return -ENOMEM;
	return 0;
}

/**
 * kvirt_dp_table_free() - free an empty table no reader can see
 * @t: the table, after kvirt_dp_flow_flush() and a grace period
 */
void kvirt_dp_table_free(struct kvirt_dp_flow_table *t)
{
	kvfree(rcu_dereference_raw(t->masks));
	kvirt_dp_mask_cache_free(rcu_dereference_raw(t->cache));
	kvfree(rcu_dereference_raw(t->ufids));
}

/*
 * @out = @key & @mask over the mask's range only: lookups hash and compare
 * nothing else, and the key is large (tunnel options) next to the few
 * words most masks cover.
 */
static void mask_range(struct kvirt_dp_key *out, const struct kvirt_dp_key *key,
		       const struct kvirt_dp_mask *mask)
{
	const unsigned long *k = (const unsigned long *)key;
	const unsigned long *m = (const unsigned long *)&mask->key;
	unsigned long *o = (unsigned long *)out;
	unsigned int i;

	for (i = mask->start / sizeof(long); i < mask->end / sizeof(long); i++)
		o[i] = k[i] & m[i];
}

/* @out = @key & @mask, whole: zero outside the mask's range. */
static void mask_key(struct kvirt_dp_key *out, const struct kvirt_dp_key *key,
		     const struct kvirt_dp_mask *mask)
{
	memset(out, 0, sizeof(*out));
	mask_range(out, key, mask);
}

static u32 hash_key(const struct kvirt_dp_key *masked,
		    const struct kvirt_dp_mask *mask)
{
	return jhash2((const u32 *)((const u8 *)masked + mask->start),
		      (mask->end - mask->start) / sizeof(u32), 0);
}

static bool same_masked(const struct kvirt_dp_key *a,
			const struct kvirt_dp_key *b,
			const struct kvirt_dp_mask *mask)
{
	return !memcmp((const u8 *)a + mask->start,
		       (const u8 *)b + mask->start, mask->end - mask->start);
}

/* The flow of @mask whose masked key is @key's; under RCU or the lock. */
static struct kvirt_dp_flow *masked_lookup(const struct kvirt_dp_mask *mask,
					   const struct kvirt_dp_key *key)
{
	struct kvirt_dp_flow_hash *h = fh_deref(&mask->flows);
	struct kvirt_dp_flow *flow;
	struct kvirt_dp_key masked;
	struct hlist_node *n;
	u32 hash;

	mask_range(&masked, key, mask);
	hash = hash_key(&masked, mask);
	for (n = chain_first(fh_bucket(h, hash)); n; n = chain_next(n)) {
		flow = node_flow(n, false, h->ver);
		if (flow->hash == hash && flow->mask == mask &&
		    same_masked(&flow->masked, &masked, mask))
			return flow;
	}
	return NULL;
}

/* Under RCU or the lock: the mask in slot @i, NULL for a hole. */
static struct kvirt_dp_mask *mask_at(struct kvirt_dp_mask_array *ma, u32 i)
{
	return rcu_dereference_check(ma->masks[i], kvirt_dp_lock_held());
}

/* Try the masks of @ma in turn; *@index is where the flow's mask sits. */
static struct kvirt_dp_flow *lookup_all(struct kvirt_dp_mask_array *ma,
					const struct kvirt_dp_key *key,
					u32 *n_mask_hit, u32 *index)
{
	u32 i, count = READ_ONCE(ma->count);
	struct kvirt_dp_flow *flow;
	struct kvirt_dp_mask *mask;

	for (i = 0; i < count; i++) {
		mask = mask_at(ma, i);
		if (!mask)
			continue;
		(*n_mask_hit)++;
		flow = masked_lookup(mask, key);
		if (flow) {
			*index = i;
			return flow;
		}
	}
	return NULL;
}

/* Try the mask the cache remembers at slot @index, if there still is one. */
static struct kvirt_dp_flow *lookup_slot(struct kvirt_dp_mask_array *ma,
					 u32 index,
					 const struct kvirt_dp_key *key,
					 u32 *n_mask_hit)
{
	struct kvirt_dp_mask *mask;

	if (index >= READ_ONCE(ma->count))
		return NULL;
	mask = mask_at(ma, index);
	if (!mask)
		return NULL;
	(*n_mask_hit)++;
	return masked_lookup(mask, key);
}

static void mask_hit(struct kvirt_dp_mask *mask)
{
	struct kvirt_dp_mask_stats *st = this_cpu_ptr(mask->stats);

	u64_stats_update_begin(&st->syncp);
	u64_stats_inc(&st->hits);
	u64_stats_update_end(&st->syncp);
}

/**
 * kvirt_dp_mask_hits() - packets that matched a mask's flows
 * @mask: the mask
 *
 * Return: the hits summed over the CPUs.
 */
u64 kvirt_dp_mask_hits(const struct kvirt_dp_mask *mask)
{
	u64 sum = 0, hits;
	unsigned int start;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct kvirt_dp_mask_stats *st = per_cpu_ptr(mask->stats,
								   cpu);

		do {
			start = u64_stats_fetch_begin(&st->syncp);
			hits = u64_stats_read(&st->hits);
		} while (u64_stats_fetch_retry(&st->syncp, start));
		sum += hits;
	}
	return sum;
}

/**
 * kvirt_dp_flow_lookup() - the flow matching a packet's key
 * @dp: the datapath, under RCU in softirq
 * @key: the packet's key
 * @skb_hash: the packet's hash; 0 bypasses the mask cache
 * @n_mask_hit: set to the number of masks tried
 * @n_cache_hit: set to 1 if the mask cache found the flow, else 0
 *
 * Each packet hash has up to CACHE_PROBES entries of this CPU's mask
 * cache, one per byte of the hash. The entry holding the hash names the
 * mask to try first; without one, all masks are tried and the entry with
 * the smallest hash gives way to the mask that matched. The hit counts
 * the flow's mask.
 *
 * Return: the flow, or NULL.
 */
struct kvirt_dp_flow *kvirt_dp_flow_lookup(struct kvirt_dp *dp,
					   const struct kvirt_dp_key *key,
					   u32 skb_hash, u32 *n_mask_hit,
					   u32 *n_cache_hit)
{
	struct kvirt_dp_mask_cache_entry *entries, *e, *victim = NULL;
	struct kvirt_dp_mask_array *ma = rcu_dereference(dp->table.masks);
	struct kvirt_dp_mask_cache *mc = rcu_dereference(dp->table.cache);
	struct kvirt_dp_flow *flow;
	u32 i, h, index;

	*n_mask_hit = 0;
	*n_cache_hit = 0;
	if (!skb_hash || !mc->size) {
		flow = lookup_all(ma, key, n_mask_hit, &index);
		goto out;
	}
	entries = this_cpu_ptr(mc->entries);
	h = skb_hash;
	for (i = 0; i < CACHE_PROBES; i++, h >>= CACHE_PROBE_SHIFT) {
		e = &entries[h & (mc->size - 1)];
		if (e->skb_hash == skb_hash) {
			flow = lookup_slot(ma, e->index, key, n_mask_hit);
			if (flow) {
				*n_cache_hit = 1;
				goto out;
			}
			victim = e;
			break;
		}
		if (!victim || e->skb_hash < victim->skb_hash)
			victim = e;
	}
	flow = lookup_all(ma, key, n_mask_hit, &index);
	if (flow) {
		victim->skb_hash = skb_hash;
		victim->index = index;
	} else if (victim->skb_hash == skb_hash) {
		victim->skb_hash = 0;
	}
out:
	if (flow)
		mask_hit(flow->mask);
	return flow;
}

/**
 * kvirt_dp_flow_lookup_any() - the first flow, in lookup order, matching
 * @t: the table, under kvirt_dp_lock()
 * @key: a key
 *
 * What a packet with @key would match, without counting it anywhere.
 * Return: the flow, or NULL.
 */
struct kvirt_dp_flow *kvirt_dp_flow_lookup_any(struct kvirt_dp_flow_table *t,
					       const struct kvirt_dp_key *key)
{
	u32 n_mask_hit = 0, index;

	return lookup_all(table_masks(t), key, &n_mask_hit, &index);
}

/* Under kvirt_dp_lock(). */
struct kvirt_dp_flow *kvirt_dp_flow_lookup_ufid(struct kvirt_dp_flow_table *t,
						const u8 *ufid, u32 len)
{
	struct kvirt_dp_flow_hash *h = fh_deref(&t->ufids);
	u32 hash = jhash(ufid, len, 0);
	struct kvirt_dp_flow *flow;
	struct hlist_node *n;

	for (n = chain_first(fh_bucket(h, hash)); n; n = chain_next(n)) {
		flow = node_flow(n, true, h->ver);
		if (flow->ufid_hash == hash && flow->ufid_len == len &&
		    !memcmp(flow->ufid, ufid, len))
			return flow;
	}
	return NULL;
}

/*
 * The flow without a UFID whose key is @key, whatever its mask, as OVS
 * finds flows for GET and DEL by key. Under kvirt_dp_lock().
 */
struct kvirt_dp_flow *kvirt_dp_flow_lookup_exact(struct kvirt_dp_flow_table *t,
						 const struct kvirt_dp_key *key)
{
	struct kvirt_dp_mask_array *ma = table_masks(t);
	struct kvirt_dp_flow *flow;
	struct kvirt_dp_mask *mask;
	u32 i;

	for (i = 0; i < ma->count; i++) {
		mask = slot(ma, i);
		if (!mask)
			continue;
		flow = masked_lookup(mask, key);
		if (flow && !flow->ufid_len &&
		    !memcmp(&flow->key, key, sizeof(*key)))
			return flow;
	}
	return NULL;
}

/**
 * kvirt_dp_mask_first_flow() - one of a mask's flows
 * @mask: the mask, under kvirt_dp_lock()
 *
 * Return: a flow using @mask (every mask in the table has one).
 */
struct kvirt_dp_flow *kvirt_dp_mask_first_flow(struct kvirt_dp_mask *mask)
{
	struct kvirt_dp_flow_hash *h = fh_deref(&mask->flows);
	struct hlist_node *n;
	u32 i;

	for (i = 0; i < h->n_buckets; i++) {
		n = chain_first(&h->buckets[i]);
		if (n)
			return node_flow(n, false, h->ver);
	}
	return NULL;
}

struct kvirt_dp_flow *kvirt_dp_flow_alloc(void)
{
	struct kvirt_dp_flow *flow;
	int cpu;

	flow = kzalloc(sizeof(*flow), GFP_KERNEL);
	if (!flow)
		return NULL;
	flow->stats = alloc_percpu(struct kvirt_dp_flow_stats);
	if (!flow->stats) {
		kfree(flow);
		return NULL;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(flow->stats, cpu)->syncp);
	kvirt_dp_obj_get(KVIRT_DP_OBJ_FLOWS);
	return flow;
}

/* A flow no reader can see any more. */
void kvirt_dp_flow_free(struct kvirt_dp_flow *flow)
{
	kvirt_dp_actions_free(rcu_dereference_raw(flow->acts));
	free_percpu(flow->stats);
	kfree(flow);
	kvirt_dp_obj_put(KVIRT_DP_OBJ_FLOWS);
}

/**
 * kvirt_dp_actions_free() - free actions no reader can see any more
 * @acts: from kvirt_dp_actions_from_nlattr(), or NULL
 */
void kvirt_dp_actions_free(struct kvirt_dp_actions *acts)
{
	if (!acts)
		return;
	kfree(acts);
	kvirt_dp_obj_put(KVIRT_DP_OBJ_ACTIONS);
}

static void actions_free_rcu(struct rcu_head *rcu)
{
	kvirt_dp_actions_free(container_of(rcu, struct kvirt_dp_actions, rcu));
}

/**
 * kvirt_dp_actions_free_rcu() - free replaced actions after a grace period
 * @acts: actions readers may still be running, or NULL
 */
void kvirt_dp_actions_free_rcu(struct kvirt_dp_actions *acts)
{
	if (acts)
		call_rcu(&acts->rcu, actions_free_rcu);
}

static void flow_free_rcu(struct rcu_head *rcu)
{
	kvirt_dp_flow_free(container_of(rcu, struct kvirt_dp_flow, rcu));
}

static void mask_free_rcu(struct rcu_head *rcu)
{
	struct kvirt_dp_mask *mask = container_of(rcu, struct kvirt_dp_mask,
						  rcu);

	kvfree(rcu_dereference_raw(mask->flows));
	free_percpu(mask->stats);
	kfree(mask);
	kvirt_dp_obj_put(KVIRT_DP_OBJ_MASKS);
}

/*
 * Give @mask a slot: a hole if there is one, else the next free slot,
 * else a copy of the array twice as big. Under the lock; lookups see the
 * mask or not, and never miss another one.
 */
static int masks_add(struct kvirt_dp_flow_table *t, struct kvirt_dp_mask *mask)
{
	struct kvirt_dp_mask_array *ma = table_masks(t), *new;
	u32 i;

	for (i = 0; i < ma->count; i++)
		if (!slot(ma, i)) {
			rcu_assign_pointer(ma->masks[i], mask);
			return 0;
		}
	if (ma->count < ma->max) {
		rcu_assign_pointer(ma->masks[ma->count], mask);
		WRITE_ONCE(ma->count, ma->count + 1);
		return 0;
	}
	new = masks_alloc(ma->max * 2);
	if (!new)
		return -ENOMEM;
	for (i = 0; i < ma->count; i++)
		RCU_INIT_POINTER(new->masks[i], slot(ma, i));
	RCU_INIT_POINTER(new->masks[i], mask);
	new->count = ma->count + 1;
	rcu_assign_pointer(t->masks, new);
	kvfree_rcu(ma, rcu);
	return 0;
}

/* Leave a hole where @mask was; the next rebalance closes it. */
static void masks_del(struct kvirt_dp_flow_table *t, struct kvirt_dp_mask *mask)
{
	struct kvirt_dp_mask_array *ma = table_masks(t);
	u32 i;

	for (i = 0; i < ma->count; i++)
		if (slot(ma, i) == mask) {
			RCU_INIT_POINTER(ma->masks[i], NULL);
			return;
		}
}

/* The table's mask equal to @key, or a new one; under the lock. */
static struct kvirt_dp_mask *get_mask(struct kvirt_dp_flow_table *t,
				      const struct kvirt_dp_key *key)
{
	const unsigned long *w = (const unsigned long *)key;
	struct kvirt_dp_mask_array *ma = table_masks(t);
	struct kvirt_dp_mask *mask;
	unsigned int i;
	int cpu;

	for (i = 0; i < ma->count; i++) {
		mask = slot(ma, i);
		if (mask && !memcmp(&mask->key, key, sizeof(*key))) {
			mask->refs++;
			return mask;
		}
	}
	mask = kzalloc(sizeof(*mask), GFP_KERNEL);
	if (!mask)
		return NULL;
	mask->stats = alloc_percpu(struct kvirt_dp_mask_stats);
	RCU_INIT_POINTER(mask->flows, fh_alloc(HASH_MIN_BUCKETS, 0));
	if (!mask->stats || !rcu_access_pointer(mask->flows))
		goto free;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(mask->stats, cpu)->syncp);
	mask->rehashed = get_completed_synchronize_rcu();
	mask->key = *key;
	mask->start = sizeof(*key);
	for (i = 0; i < KEY_WORDS; i++) {
		if (!w[i])
			continue;
		mask->start = min_t(unsigned int, mask->start, i * sizeof(long));
		mask->end = (i + 1) * sizeof(long);
	}
	if (mask->start > mask->end)
		mask->start = 0;
	mask->refs = 1;
	if (masks_add(t, mask))
		goto free;
	t->n_masks++;
	kvirt_dp_obj_get(KVIRT_DP_OBJ_MASKS);
	return mask;

free:
	kvfree(rcu_dereference_raw(mask->flows));
	free_percpu(mask->stats);
	kfree(mask);
	return NULL;
}

static void put_mask(struct kvirt_dp_flow_table *t, struct kvirt_dp_mask *mask)
{
	if (--mask->refs)
		return;
	masks_del(t, mask);
	t->n_masks--;
	call_rcu(&mask->rcu, mask_free_rcu);
}

/**
 * kvirt_dp_flow_insert() - add a flow to the table
 * @t: the table, under kvirt_dp_lock()
 * @flow: the flow, its key, UFID and actions set
 * @mask: its mask
 *
 * The hashes grow as they fill, while lookups go on.
 * Return: 0, -ENOSPC at the flow limit or -ENOMEM.
 */
int kvirt_dp_flow_insert(struct kvirt_dp_flow_table *t,
			 struct kvirt_dp_flow *flow,
			 const struct kvirt_dp_key *mask)
{
	if (t->count >= KVIRT_DP_FLOW_LIMIT)
		return -ENOSPC;
	flow->mask = get_mask(t, mask);
	if (!flow->mask)
		return -ENOMEM;
	mask_key(&flow->masked, &flow->key, flow->mask);
	flow->hash = hash_key(&flow->masked, flow->mask);
	fh_grow(&flow->mask->flows, &flow->mask->rehashed, flow->mask->refs,
		false);
	fh_add(fh_deref(&flow->mask->flows), flow, false);
	if (flow->ufid_len) {
		flow->ufid_hash = jhash(flow->ufid, flow->ufid_len, 0);
		fh_grow(&t->ufids, &t->ufids_rehashed, t->count + 1, true);
		fh_add(fh_deref(&t->ufids), flow, true);
	}
	list_add_tail(&flow->list, &t->flows);
	t->count++;
	return 0;
}

/* Unlink @flow; it is freed after a grace period. Under the lock. */
void kvirt_dp_flow_remove(struct kvirt_dp_flow_table *t,
			  struct kvirt_dp_flow *flow)
{
	fh_del(fh_deref(&flow->mask->flows), flow, false);
	if (flow->ufid_len)
		fh_del(fh_deref(&t->ufids), flow, true);
	list_del(&flow->list);
	t->count--;
	put_mask(t, flow->mask);
	call_rcu(&flow->rcu, flow_free_rcu);
}

void kvirt_dp_flow_flush(struct kvirt_dp_flow_table *t)
{
	struct kvirt_dp_flow *flow, *next;

	list_for_each_entry_safe(flow, next, &t->flows, list)
		kvirt_dp_flow_remove(t, flow);
}

struct rebalance_entry {
	struct kvirt_dp_mask *mask;
	u64 hits;
	u32 index;
};

/* Most hits since the last rebalance first; ties keep their order. */
static int rebalance_cmp(const void *a, const void *b)
{
	const struct rebalance_entry *x = a, *y = b;

	if (x->hits != y->hits)
		return x->hits > y->hits ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

/*
 * Reorder @t's masks by their hits since the last call and close the
 * holes, in a new array lookups switch to; under the lock. Without
 * memory the order stays.
 */
static void table_rebalance(struct kvirt_dp_flow_table *t)
{
	struct kvirt_dp_mask_array *ma = table_masks(t), *new;
	struct rebalance_entry *e;
	struct kvirt_dp_mask *mask;
	bool same = true;
	u32 i, n = 0;
	u64 hits;

	e = kmalloc_array(max(t->n_masks, 1U), sizeof(*e), GFP_KERNEL);
	if (!e)
		return;
	for (i = 0; i < ma->count; i++) {
		mask = slot(ma, i);
		if (!mask)
			continue;
		hits = kvirt_dp_mask_hits(mask);
		e[n].mask = mask;
		e[n].hits = hits - mask->last_hits;
		e[n].index = i;
		mask->last_hits = hits;
		n++;
	}
	sort(e, n, sizeof(*e), rebalance_cmp, NULL);
	for (i = 0; i < n; i++)
		same &= e[i].index == i;
	if (same && n == ma->count)
		goto out;
	new = masks_alloc(max_t(u32, MASKS_MIN, roundup_pow_of_two(n + 1)));
	if (!new)
		goto out;
	for (i = 0; i < n; i++)
		RCU_INIT_POINTER(new->masks[i], e[i].mask);
	new->count = n;
	rcu_assign_pointer(t->masks, new);
	kvfree_rcu(ma, rcu);
out:
	kfree(e);
}

/*
 * Reorder the masks of a namespace's datapaths, every REBALANCE_INTERVAL
 * from kvirt_dp_rebalance_start() until kvirt_dp_rebalance_stop().
 */
static void rebalance_work(struct work_struct *work)
{
	struct kvirt_dp_net *kn = container_of(to_delayed_work(work),
					       struct kvirt_dp_net,
					       rebalance_work);
	struct kvirt_dp *dp;

	kvirt_dp_lock();
	list_for_each_entry(dp, &kn->dps, node)
		table_rebalance(&dp->table);
	kvirt_dp_unlock();
	schedule_delayed_work(&kn->rebalance_work, REBALANCE_INTERVAL);
}

/**
 * kvirt_dp_rebalance_start() - start reordering a namespace's masks
 * @kn: the namespace's state, being set up
 */
void kvirt_dp_rebalance_start(struct kvirt_dp_net *kn)
{
	INIT_DELAYED_WORK(&kn->rebalance_work, rebalance_work);
	schedule_delayed_work(&kn->rebalance_work, REBALANCE_INTERVAL);
}

/**
 * kvirt_dp_rebalance_stop() - stop it, before the datapaths go
 * @kn: the namespace's state; not under kvirt_dp_lock()
 */
void kvirt_dp_rebalance_stop(struct kvirt_dp_net *kn)
{
	cancel_delayed_work_sync(&kn->rebalance_work);
}

/* A packet matched @flow: count it on this CPU (packet path). */
void kvirt_dp_flow_used(struct kvirt_dp_flow *flow, const struct sk_buff *skb,
			const struct kvirt_dp_key *key)
{
	struct kvirt_dp_flow_stats *st = this_cpu_ptr(flow->stats);

	u64_stats_update_begin(&st->syncp);
	st->packets++;
	st->bytes += skb->len;
	st->used = jiffies;
	st->tcp_flags |= key->tcp_flags;
	u64_stats_update_end(&st->syncp);
}

/**
 * kvirt_dp_flow_get_stats() - a flow's counters summed over the CPUs
 * @flow: the flow
 * @st: packets and bytes
 * @used: jiffies of the last match, 0 if none
 * @tcp_flags: TCP flags seen
 */
void kvirt_dp_flow_get_stats(const struct kvirt_dp_flow *flow,
			     struct ovs_flow_stats *st, unsigned long *used,
			     __be16 *tcp_flags)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	*used = 0;
	*tcp_flags = 0;
	for_each_possible_cpu(cpu) {
		const struct kvirt_dp_flow_stats *s = per_cpu_ptr(flow->stats,
								  cpu);
		u64 packets, bytes;
		unsigned long u;
		unsigned int start;
		__be16 flags;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			packets = s->packets;
			bytes = s->bytes;
			u = s->used;
			flags = s->tcp_flags;
		} while (u64_stats_fetch_retry(&s->syncp, start));
		st->n_packets += packets;
		st->n_bytes += bytes;
		if (u && (!*used || time_after(u, *used)))
			*used = u;
		*tcp_flags |= flags;
	}
}

/* OVS_FLOW_ATTR_CLEAR; under the lock (racing packets may be lost). */
void kvirt_dp_flow_clear_stats(struct kvirt_dp_flow *flow)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct kvirt_dp_flow_stats *s = per_cpu_ptr(flow->stats, cpu);

		u64_stats_update_begin(&s->syncp);
		s->packets = 0;
		s->bytes = 0;
		s->used = 0;
		s->tcp_flags = 0;
		u64_stats_update_end(&s->syncp);
	}
}
