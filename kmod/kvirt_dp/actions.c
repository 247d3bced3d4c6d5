// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: a packet that matched a flow gets the flow's actions, in order, on
 * the packet path (RCU, softirq or bottom halves off): output actions send
 * it out of a port, userspace actions send a copy to ovs-vswitchd as an
 * OVS_PACKET_CMD_ACTION upcall; a flow without actions drops.
 */
#include "datapath.h"

/* Send @skb (owned) out of port @port_no of @dp, if it still exists. */
static void do_output(struct kvirt_dp *dp, struct sk_buff *skb, u32 port_no)
{
	struct kvirt_dp_vport *vport = kvirt_dp_vport_lookup(dp, port_no);

	if (unlikely(!vport || READ_ONCE(vport->detached))) {
		kfree_skb(skb);
		return;
	}
	vport->ops->send(vport, skb);
}

/* A copy of @skb to the pid of a userspace action (validated at install). */
static void do_userspace(struct kvirt_dp *dp, struct sk_buff *skb,
			 const struct kvirt_dp_key *key,
			 const struct nlattr *attr)
{
	struct kvirt_dp_upcall upcall = { .cmd = OVS_PACKET_CMD_ACTION };
	const struct nlattr *a;
	int rem;

	nla_for_each_nested(a, attr, rem) {
		switch (nla_type(a)) {
		case OVS_USERSPACE_ATTR_PID:
			upcall.portid = nla_get_u32(a);
			break;
		case OVS_USERSPACE_ATTR_USERDATA:
			upcall.userdata = a;
			break;
		}
	}
	kvirt_dp_upcall(dp, skb, key, &upcall);
}

/**
 * kvirt_dp_execute_actions() - run a flow's actions on a packet
 * @dp: the datapath, under RCU
 * @skb: the frame, consumed; skb->data at the Ethernet header
 * @key: its key, for upcalls
 * @acts: the flow's actions
 */
void kvirt_dp_execute_actions(struct kvirt_dp *dp, struct sk_buff *skb,
			      const struct kvirt_dp_key *key,
			      const struct kvirt_dp_actions *acts)
{
	const struct nlattr *a, *out = NULL;
	struct sk_buff *clone;
	int rem;

	/* An output sends a clone when more actions follow it. */
	nla_for_each_attr(a, (const struct nlattr *)acts->data, acts->len,
			  rem) {
		if (out) {
			clone = skb_clone(skb, GFP_ATOMIC);
			if (clone)
				do_output(dp, clone, nla_get_u32(out));
			out = NULL;
		}
		switch (nla_type(a)) {
		case OVS_ACTION_ATTR_OUTPUT:
			out = a;
			break;
		case OVS_ACTION_ATTR_USERSPACE:
			do_userspace(dp, skb, key, a);
			break;
		}
	}
	if (out)
		do_output(dp, skb, nla_get_u32(out));
	else
		consume_skb(skb);
}
