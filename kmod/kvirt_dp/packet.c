// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the packet path, top to bottom: a packet that entered a vport gets
 * its key, is looked up in the flow table and gets the actions of the flow
 * it matches or, when none matches, goes to userspace as a MISS upcall.
 * Runs under RCU in softirq (netdev ports) or with bottom halves off
 * (internal ports' transmit); no locks, no sleeping, per-CPU counters
 * only.
 */
#include "datapath.h"

/* Where a miss goes: the CPU's pid with per-CPU dispatch, else the port's. */
static u32 miss_pid(const struct kvirt_dp *dp,
		    const struct kvirt_dp_vport *vport, struct sk_buff *skb)
{
	const struct kvirt_dp_pids *pids;
	unsigned int cpu;

	if (!(READ_ONCE(dp->user_features) & OVS_DP_F_DISPATCH_UPCALL_PER_CPU))
		return kvirt_dp_vport_upcall_pid(vport, skb);
	pids = rcu_dereference(dp->cpu_pids);
	if (!pids)
		return 0;
	/* Fewer handler sockets than CPUs: share them rather than drop. */
	cpu = smp_processor_id();
	return pids->pids[cpu < pids->n ? cpu : cpu % pids->n];
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
	struct kvirt_dp *dp = vport->dp;
	struct kvirt_dp_upcall upcall;
	struct kvirt_dp_stats *stats;
	struct kvirt_dp_flow *flow;
	struct kvirt_dp_key key;
	u32 n_mask_hit, n_cache_hit;
	u64 *counter;
	int err;

	err = kvirt_dp_key_extract(vport, skb, &key);
	if (unlikely(err)) {
		kfree_skb(skb);
		return err;
	}
	stats = this_cpu_ptr(dp->stats);
	flow = kvirt_dp_flow_lookup(dp, &key, &n_mask_hit, &n_cache_hit);
	if (flow) {
		kvirt_dp_flow_used(flow, skb, &key);
		kvirt_dp_execute_actions(dp, skb, &key,
					 rcu_dereference(flow->acts));
		counter = &stats->n_hit;
	} else {
		upcall.cmd = OVS_PACKET_CMD_MISS;
		upcall.portid = miss_pid(dp, vport, skb);
		upcall.userdata = NULL;
		if (kvirt_dp_upcall(dp, skb, &key, &upcall))
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
	return 0;
}
