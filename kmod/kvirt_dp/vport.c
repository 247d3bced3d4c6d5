// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: what every vport has whatever backs it: a number in its datapath, a
 * name to be found by, the netlink pids its misses go to, and counters.
 * The types (vport-internal.c, vport-netdev.c) only bind a device.
 */
#include <linux/math.h>
#include <linux/slab.h>
#include <net/netns/generic.h>

#include "datapath.h"

static const struct kvirt_dp_vport_ops *const vport_types[] = {
	&kvirt_dp_netdev_ops,
	&kvirt_dp_internal_ops,
};

static struct hlist_head *port_bucket(const struct kvirt_dp *dp, u16 port_no)
{
	return (struct hlist_head *)&dp->ports[port_no % KVIRT_DP_PORT_BUCKETS];
}

/* Under kvirt_dp_lock() or RCU. */
struct kvirt_dp_vport *kvirt_dp_vport_lookup(const struct kvirt_dp *dp,
					     u16 port_no)
{
	struct kvirt_dp_vport *vport;

	hlist_for_each_entry_rcu(vport, port_bucket(dp, port_no), node,
				 kvirt_dp_lock_held())
		if (vport->port_no == port_no)
			return vport;
	return NULL;
}

/* By device name, in any datapath of @net; under kvirt_dp_lock() or RCU. */
struct kvirt_dp_vport *kvirt_dp_vport_locate(struct net *net, const char *name)
{
	struct kvirt_dp_net *kn = net_generic(net, kvirt_dp_net_id);
	struct kvirt_dp_vport *vport;
	struct kvirt_dp *dp;
	int i;

	list_for_each_entry_rcu(dp, &kn->dps, node, kvirt_dp_lock_held())
		for (i = 0; i < KVIRT_DP_PORT_BUCKETS; i++)
			hlist_for_each_entry_rcu(vport, &dp->ports[i], node,
						 kvirt_dp_lock_held())
				if (!strcmp(vport->dev->name, name))
					return vport;
	return NULL;
}

/*
 * An array of u32 port ids: not empty, whole u32s, at most @max of them
 * (OVS allows one per possible CPU for a vport, any number per datapath).
 */
int kvirt_dp_pids_check(const struct nlattr *ids, u32 max,
			struct netlink_ext_ack *extack)
{
	int len = nla_len(ids);

	if (!len || len % sizeof(u32)) {
		NL_SET_ERR_MSG_ATTR(extack, ids,
				    "upcall pids must be a non-empty array of u32");
		return -EINVAL;
	}
	if (len / sizeof(u32) > max) {
		NL_SET_ERR_MSG_ATTR(extack, ids, "more upcall pids than CPUs");
		return -EINVAL;
	}
	return 0;
}

/* A copy of a checked pid array, or NULL without memory. */
struct kvirt_dp_pids *kvirt_dp_pids_from_attr(const struct nlattr *ids)
{
	struct kvirt_dp_pids *pids;

	pids = kmalloc(struct_size(pids, pids, nla_len(ids) / sizeof(u32)),
		       GFP_KERNEL);
	if (!pids)
		return NULL;
	pids->n = nla_len(ids) / sizeof(u32);
	nla_memcpy(pids->pids, ids, nla_len(ids));
	return pids;
}

/* Replace the pids of a vport (@ids checked); under kvirt_dp_lock(). */
int kvirt_dp_vport_set_upcall_pids(struct kvirt_dp_vport *vport,
				   const struct nlattr *ids)
{
	struct kvirt_dp_pids *pids, *old;

	pids = kvirt_dp_pids_from_attr(ids);
	if (!pids)
		return -ENOMEM;
	old = rcu_replace_pointer(vport->upcall_pids, pids,
				  kvirt_dp_lock_held());
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/*
 * OVS_VPORT_ATTR_UPCALL_PID: the whole array once userspace announced
 * OVS_DP_F_VPORT_PIDS, otherwise the first pid as a u32, as OVS replies.
 */
int kvirt_dp_vport_put_upcall_pids(const struct kvirt_dp_vport *vport,
				   struct sk_buff *skb)
{
	const struct kvirt_dp_pids *pids = kvirt_dp_deref(vport->upcall_pids);

	if (vport->dp->user_features & OVS_DP_F_VPORT_PIDS)
		return nla_put(skb, OVS_VPORT_ATTR_UPCALL_PID,
			       pids->n * sizeof(u32), pids->pids);
	return nla_put_u32(skb, OVS_VPORT_ATTR_UPCALL_PID, pids->pids[0]);
}

/* The pid for a miss of @skb: one flow's packets always go to one pid. */
u32 kvirt_dp_vport_upcall_pid(const struct kvirt_dp_vport *vport,
			      struct sk_buff *skb)
{
	const struct kvirt_dp_pids *pids = rcu_dereference(vport->upcall_pids);

	if (pids->n == 1)
		return pids->pids[0];
	return pids->pids[reciprocal_scale(skb_get_hash(skb), pids->n)];
}

/* A vport's counters are its device's, as in OVS. */
void kvirt_dp_vport_get_stats(const struct kvirt_dp_vport *vport,
			      struct ovs_vport_stats *stats)
{
	struct rtnl_link_stats64 tmp;
	const struct rtnl_link_stats64 *s = dev_get_stats(vport->dev, &tmp);

	stats->rx_packets = s->rx_packets;
	stats->tx_packets = s->tx_packets;
	stats->rx_bytes = s->rx_bytes;
	stats->tx_bytes = s->tx_bytes;
	stats->rx_errors = s->rx_errors;
	stats->tx_errors = s->tx_errors;
	stats->rx_dropped = s->rx_dropped;
	stats->tx_dropped = s->tx_dropped;
}

/* For the types' create(): a vport not yet bound to a device. */
struct kvirt_dp_vport *kvirt_dp_vport_alloc(const struct kvirt_dp_vport_ops *ops,
					    const struct kvirt_dp_vport_parms *p)
{
	struct kvirt_dp_vport *vport;
	struct kvirt_dp_pids *pids;

	vport = kzalloc(sizeof(*vport), GFP_KERNEL);
	pids = kvirt_dp_pids_from_attr(p->upcall_pids);
	if (!vport || !pids) {
		kfree(vport);
		kfree(pids);
		return ERR_PTR(-ENOMEM);
	}
	vport->dp = p->dp;
	vport->port_no = p->port_no;
	vport->ops = ops;
	RCU_INIT_POINTER(vport->upcall_pids, pids);
	kvirt_dp_obj_get(KVIRT_DP_OBJ_VPORTS);
	return vport;
}

/* Free at once: the vport was never visible, or readers are done. */
void kvirt_dp_vport_free(struct kvirt_dp_vport *vport)
{
	kfree(rcu_dereference_raw(vport->upcall_pids));
	kfree(vport);
	kvirt_dp_obj_put(KVIRT_DP_OBJ_VPORTS);
}

/*
 * Create a vport of @p->type and give it its number in the datapath.
 * Under kvirt_dp_lock(). An unknown type is EAFNOSUPPORT, as OVS answers
 * when no module implements it.
 */
struct kvirt_dp_vport *kvirt_dp_vport_add(const struct kvirt_dp_vport_parms *p)
{
	const struct kvirt_dp_vport_ops *ops = NULL;
	struct kvirt_dp_vport *vport;
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(vport_types); i++)
		if (vport_types[i]->type == p->type)
			ops = vport_types[i];
	if (!ops) {
		NL_SET_ERR_MSG_MOD(p->extack,
				   "vport type not supported (only netdev and internal)");
		return ERR_PTR(-EAFNOSUPPORT);
	}
	err = kvirt_dp_pids_check(p->upcall_pids, nr_cpu_ids, p->extack);
	if (err)
		return ERR_PTR(err);
	vport = ops->create(p);
	if (IS_ERR(vport))
		return vport;
	hlist_add_head_rcu(&vport->node, port_bucket(p->dp, p->port_no));
	return vport;
}

/* Unlink a vport from its datapath and let its type destroy it. */
void kvirt_dp_vport_del(struct kvirt_dp_vport *vport)
{
	hlist_del_rcu(&vport->node);
	vport->ops->destroy(vport);
}
