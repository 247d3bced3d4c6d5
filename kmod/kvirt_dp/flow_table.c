// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the flow table, the seam between the packet path and the flows
 * userspace installs. Flows are megaflows: a key and a mask. Lookups try
 * each distinct mask in turn (tuple space search): the packet's key is
 * masked over the mask's byte range and looked up in that mask's hash
 * table. Lookups run under RCU only; every change happens under
 * kvirt_dp_lock() and frees flows and masks after a grace period. A UFID
 * index and a list of all flows serve the control plane.
 */
#include <linux/jhash.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "datapath.h"

#define KEY_WORDS	(sizeof(struct kvirt_dp_key) / sizeof(long))

static_assert(sizeof(struct kvirt_dp_key) % sizeof(long) == 0);

/**
 * kvirt_dp_table_init() - an empty flow table
 * @t: the table, zeroed
 *
 * Return: 0 or -ENOMEM.
 */
int kvirt_dp_table_init(struct kvirt_dp_flow_table *t)
{
	INIT_LIST_HEAD(&t->masks);
	INIT_LIST_HEAD(&t->flows);
	t->ufids = kvcalloc(KVIRT_DP_FLOW_BUCKETS, sizeof(*t->ufids),
			    GFP_KERNEL);
	return t->ufids ? 0 : -ENOMEM;
}

/* After kvirt_dp_flow_flush() and a grace period. */
void kvirt_dp_table_free(struct kvirt_dp_flow_table *t)
{
	kvfree(t->ufids);
}

/* @out = @key & @mask over the mask's range; the rest of @out is zero. */
static void mask_key(struct kvirt_dp_key *out, const struct kvirt_dp_key *key,
		     const struct kvirt_dp_mask *mask)
{
	const unsigned long *k = (const unsigned long *)key;
	const unsigned long *m = (const unsigned long *)&mask->key;
	unsigned long *o = (unsigned long *)out;
	unsigned int i;

	memset(out, 0, sizeof(*out));
	for (i = mask->start / sizeof(long); i < mask->end / sizeof(long); i++)
		o[i] = k[i] & m[i];
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

static struct hlist_head *bucket(const struct kvirt_dp_mask *mask, u32 hash)
{
	return &mask->buckets[hash & (KVIRT_DP_FLOW_BUCKETS - 1)];
}

/* The flow of @mask whose masked key is @key's; under RCU or the lock. */
static struct kvirt_dp_flow *masked_lookup(const struct kvirt_dp_mask *mask,
					   const struct kvirt_dp_key *key)
{
	struct kvirt_dp_flow *flow;
	struct kvirt_dp_key masked;
	u32 hash;

	mask_key(&masked, key, mask);
	hash = hash_key(&masked, mask);
	hlist_for_each_entry_rcu(flow, bucket(mask, hash), node,
				 kvirt_dp_lock_held())
		if (flow->hash == hash && flow->mask == mask &&
		    same_masked(&flow->masked, &masked, mask))
			return flow;
	return NULL;
}

/**
 * kvirt_dp_flow_lookup() - the flow matching a packet's key
 * @dp: the datapath, under RCU
 * @key: the packet's key
 * @n_mask_hit: set to the number of masks tried
 * @n_cache_hit: set to the number of mask cache hits (no cache yet: 0)
 *
 * Return: the flow, or NULL.
 */
struct kvirt_dp_flow *kvirt_dp_flow_lookup(struct kvirt_dp *dp,
					   const struct kvirt_dp_key *key,
					   u32 *n_mask_hit, u32 *n_cache_hit)
{
	struct kvirt_dp_flow *flow;
	struct kvirt_dp_mask *mask;

	*n_mask_hit = 0;
	*n_cache_hit = 0;
	list_for_each_entry_rcu(mask, &dp->table.masks, node,
				kvirt_dp_lock_held()) {
		(*n_mask_hit)++;
		flow = masked_lookup(mask, key);
		if (flow)
			return flow;
	}
	return NULL;
}

/* Under kvirt_dp_lock(). */
struct kvirt_dp_flow *kvirt_dp_flow_lookup_ufid(struct kvirt_dp_flow_table *t,
						const u8 *ufid, u32 len)
{
	u32 hash = jhash(ufid, len, 0);
	struct kvirt_dp_flow *flow;

	hlist_for_each_entry(flow, &t->ufids[hash & (KVIRT_DP_FLOW_BUCKETS - 1)],
			     ufid_node)
		if (flow->ufid_len == len && !memcmp(flow->ufid, ufid, len))
			return flow;
	return NULL;
}

/*
 * The flow without a UFID whose key is @key, whatever its mask, as OVS
 * finds flows for GET and DEL by key. Under kvirt_dp_lock().
 */
struct kvirt_dp_flow *kvirt_dp_flow_lookup_exact(struct kvirt_dp_flow_table *t,
						 const struct kvirt_dp_key *key)
{
	struct kvirt_dp_flow *flow;
	struct kvirt_dp_mask *mask;

	list_for_each_entry(mask, &t->masks, node) {
		flow = masked_lookup(mask, key);
		if (flow && !flow->ufid_len &&
		    !memcmp(&flow->key, key, sizeof(*key)))
			return flow;
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
	return flow;
}

/* A flow no reader can see any more. */
void kvirt_dp_flow_free(struct kvirt_dp_flow *flow)
{
	kfree(rcu_dereference_raw(flow->acts));
	free_percpu(flow->stats);
	kfree(flow);
}

static void flow_free_rcu(struct rcu_head *rcu)
{
	kvirt_dp_flow_free(container_of(rcu, struct kvirt_dp_flow, rcu));
}

static void mask_free_rcu(struct rcu_head *rcu)
{
	struct kvirt_dp_mask *mask = container_of(rcu, struct kvirt_dp_mask,
						  rcu);

	kvfree(mask->buckets);
	kfree(mask);
}

/* The table's mask equal to @key, or a new one; under the lock. */
static struct kvirt_dp_mask *get_mask(struct kvirt_dp_flow_table *t,
				      const struct kvirt_dp_key *key)
{
	const unsigned long *w = (const unsigned long *)key;
	struct kvirt_dp_mask *mask;
	unsigned int i;

	list_for_each_entry(mask, &t->masks, node)
		if (!memcmp(&mask->key, key, sizeof(*key))) {
			mask->refs++;
			return mask;
		}
	mask = kzalloc(sizeof(*mask), GFP_KERNEL);
	if (!mask)
		return NULL;
	mask->buckets = kvcalloc(KVIRT_DP_FLOW_BUCKETS,
				 sizeof(*mask->buckets), GFP_KERNEL);
	if (!mask->buckets) {
		kfree(mask);
		return NULL;
	}
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
	list_add_tail_rcu(&mask->node, &t->masks);
	t->n_masks++;
	return mask;
}

static void put_mask(struct kvirt_dp_flow_table *t, struct kvirt_dp_mask *mask)
{
	if (--mask->refs)
		return;
	list_del_rcu(&mask->node);
	t->n_masks--;
	call_rcu(&mask->rcu, mask_free_rcu);
}

/**
 * kvirt_dp_flow_insert() - add a flow to the table
 * @t: the table, under kvirt_dp_lock()
 * @flow: the flow, its key, UFID and actions set
 * @mask: its mask
 *
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
	hlist_add_head_rcu(&flow->node, bucket(flow->mask, flow->hash));
	if (flow->ufid_len)
		hlist_add_head(&flow->ufid_node,
			       &t->ufids[jhash(flow->ufid, flow->ufid_len, 0) &
					 (KVIRT_DP_FLOW_BUCKETS - 1)]);
	list_add_tail(&flow->list, &t->flows);
	t->count++;
	return 0;
}

/* Unlink @flow; it is freed after a grace period. Under the lock. */
void kvirt_dp_flow_remove(struct kvirt_dp_flow_table *t,
			  struct kvirt_dp_flow *flow)
{
	hlist_del_rcu(&flow->node);
	if (flow->ufid_len)
		hlist_del(&flow->ufid_node);
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
