// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the packet path, top to bottom: a packet that entered a vport gets
 * its key, is looked up in the flow table and gets the actions of the flow
 * it matches or, when none matches, goes to userspace as a MISS upcall.
 * A recirculated packet (actions.c) comes back here with its new key.
 * Runs under RCU in softirq (netdev ports) or with bottom halves off
 * (internal ports' transmit); no locks, no sleeping, per-CPU counters
 * only.
 */
#include "datapath.h"

/**
 * kvirt_dp_cpu_upcall_pid() - the upcall pid of this CPU
 * @dp: a datapath with OVS_DP_F_DISPATCH_UPCALL_PER_CPU, under RCU
 *
 * Return: the pid userspace gave for this CPU, one of those it gave when
 * there are fewer than CPUs, or 0 when it gave none.
 */
u32 kvirt_dp_cpu_upcall_pid(const struct kvirt_dp *dp)
{
	const struct kvirt_dp_pids *pids = rcu_dereference(dp->cpu_pids);
	unsigned int cpu;

	if (!pids)
		return 0;
	/* Fewer handler sockets than CPUs: share them rather than drop. */
	cpu = smp_processor_id();
	return pids->pids[cpu < pids->n ? cpu : cpu % pids->n];
}

/* Where a miss goes: the CPU's pid with per-CPU dispatch, else the port's. */
static u32 miss_pid(const struct kvirt_dp *dp,
		    const struct kvirt_dp_vport *vport, struct sk_buff *skb)
{
	if (READ_ONCE(dp->user_features) & OVS_DP_F_DISPATCH_UPCALL_PER_CPU)
		return kvirt_dp_cpu_upcall_pid(dp);
	return vport ? kvirt_dp_vport_upcall_pid(vport, skb) : 0;
}

/**
 * kvirt_dp_process_packet() - look a keyed packet up and act on it
 * @dp: its datapath, under RCU with bottom halves off
 * @vport: the port it came in on, or NULL to find it from @key's in_port
 *	(a recirculated packet, whose port may have gone since)
 * @skb: the frame, consumed, skb->data at the Ethernet header
 * @key: its key, which the actions of the flow it matches may change
 *
 * A packet matching no flow goes to userspace as an OVS_PACKET_CMD_MISS
 * upcall with its key, recirculation id included.
 */
void kvirt_dp_process_packet(struct kvirt_dp *dp, struct kvirt_dp_vport *vport,
			     struct sk_buff *skb, struct kvirt_dp_key *key)
{
	struct kvirt_dp_upcall upcall;
	struct kvirt_dp_stats *stats;
	struct kvirt_dp_flow *flow;
	u32 n_mask_hit, n_cache_hit;
	u64 *counter;

	stats = this_cpu_ptr(dp->stats);
	flow = kvirt_dp_flow_lookup(dp, key, skb_get_hash(skb), &n_mask_hit,
				    &n_cache_hit);
	if (flow) {
		kvirt_dp_flow_used(flow, skb, key);
		kvirt_dp_execute_actions(dp, skb, key,
					 rcu_dereference(flow->acts));
		counter = &stats->n_hit;
	} else {
		if (!vport)
			vport = kvirt_dp_vport_lookup(dp, key->in_port);
		memset(&upcall, 0, sizeof(upcall));
		upcall.cmd = OVS_PACKET_CMD_MISS;
		upcall.portid = miss_pid(dp, vport, skb);
		if (kvirt_dp_upcall(dp, skb, key, &upcall))
			kfree_skb(skb);
		else
			consume_skb(skb);
		counter = &stats->n_missed;
	}
	u64_stats_update_begin(&stats->syncp);
	(*counter)++;
	stats->n_mask_hit += n_mask_hit;
	stats->n_cache_hit += n_cache_hit;
	u64_stats_update_end(&stats->syncp);
}

/**
 * kvirt_dp_process_received_packet() - a packet enters the datapath
 * @vport: the port it came in on
 * @skb: the frame, owned by the datapath from here on, skb->data at the
 *	Ethernet header
 *
 * Return: 0, or -EINVAL when the frame had no valid key and was dropped.
 */
int kvirt_dp_process_received_packet(struct kvirt_dp_vport *vport,
				     struct sk_buff *skb)
{
	struct kvirt_dp_key key;
	int err;

	err = kvirt_dp_key_extract(vport, skb, &key);
	if (unlikely(err)) {
		kfree_skb(skb);
		return err;
	}
	kvirt_dp_process_packet(vport->dp, vport, skb, &key);
	return 0;
}
