// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: a netdev vport attaches an existing Ethernet device (veth, tap,
 * physical, tunnel) to a datapath: everything it receives enters the
 * datapath through an rx handler. When the device is unregistered
 * underneath, the vport goes too, with a notification as from a delete.
 */
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <net/netns/generic.h>

#include "datapath.h"

/* Under RCU with bottom halves off. */
static rx_handler_result_t netdev_frame_hook(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct kvirt_dp_vport *vport;

	/* Our own transmissions looped back by the stack are not input. */
	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return RX_HANDLER_PASS;
	vport = rcu_dereference(skb->dev->rx_handler_data);
	/* Others (taps) may hold this skb: the datapath changes it. */
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb))
		return RX_HANDLER_CONSUMED;
	skb_push_rcsum(skb, ETH_HLEN);
	kvirt_dp_process_received_packet(vport, skb);
	return RX_HANDLER_CONSUMED;
}

/* Unhook the device; under the RTNL, once. */
static void netdev_detach_dev(struct kvirt_dp_vport *vport)
{
	struct net_device *dev = vport->dev;

	ASSERT_RTNL();
	netdev_rx_handler_unregister(dev);
	netdev_upper_dev_unlink(dev, vport->dp->local->dev);
	dev_set_promiscuity(dev, -1);
	WRITE_ONCE(vport->detached, true);
}

static struct kvirt_dp_vport *netdev_create(const struct kvirt_dp_vport_parms *p)
{
	struct kvirt_dp_vport *vport;
	struct net_device *dev;
	int err;

	vport = kvirt_dp_vport_alloc(&kvirt_dp_netdev_ops, p);
	if (IS_ERR(vport))
		return vport;
	dev = dev_get_by_name(kvirt_dp_net(p->dp), p->name);
	if (!dev) {
		NL_SET_ERR_MSG_MOD(p->extack, "no such device");
		err = -ENODEV;
		goto free_vport;
	}
	vport->dev = dev;
	netdev_tracker_alloc(dev, &vport->dev_tracker, GFP_KERNEL);
	if (dev->flags & IFF_LOOPBACK || dev->type != ARPHRD_ETHER ||
	    kvirt_dp_internal_vport(dev)) {
		NL_SET_ERR_MSG_MOD(p->extack,
				   "only Ethernet devices that are not loopback or internal ports can be attached");
		err = -EINVAL;
		goto put_dev;
	}

	rtnl_lock();
	/* The local port is the master: the device shows as enslaved. */
	err = netdev_master_upper_dev_link(dev, p->dp->local->dev, NULL, NULL,
					   p->extack);
	if (err) {
		NL_SET_ERR_MSG_MOD(p->extack,
				   "device is already enslaved or a port");
		goto unlock;
	}
	err = netdev_rx_handler_register(dev, netdev_frame_hook, vport);
	if (err) {
		NL_SET_ERR_MSG_MOD(p->extack, "device already has an rx handler");
		goto unlink;
	}
	dev_disable_lro(dev);
	dev_set_promiscuity(dev, 1);
	rtnl_unlock();
	return vport;

unlink:
	netdev_upper_dev_unlink(dev, p->dp->local->dev);
unlock:
	rtnl_unlock();
put_dev:
	netdev_put(dev, &vport->dev_tracker);
free_vport:
	kvirt_dp_vport_free(vport);
	return ERR_PTR(err);
}

static void netdev_free_rcu(struct rcu_head *rcu)
{
	struct kvirt_dp_vport *vport = container_of(rcu, struct kvirt_dp_vport,
						    rcu);

	netdev_put(vport->dev, &vport->dev_tracker);
	kvirt_dp_vport_free(vport);
}

static void netdev_destroy(struct kvirt_dp_vport *vport)
{
	/* The notifier may have unhooked it already, or be doing so now. */
	if (!READ_ONCE(vport->detached)) {
		rtnl_lock();
		if (!vport->detached)
			netdev_detach_dev(vport);
		rtnl_unlock();
	}
	/* Readers still in the rx handler finish before the put. */
	call_rcu(&vport->rcu, netdev_free_rcu);
}

/* Out of the port is out of its device, as a bridge forwards. */
static void netdev_send(struct kvirt_dp_vport *vport, struct sk_buff *skb)
{
	skb->dev = vport->dev;
	skb_clear_tstamp(skb);
	skb_reset_mac_header(skb);
	dev_queue_xmit(skb);
}

const struct kvirt_dp_vport_ops kvirt_dp_netdev_ops = {
	.type = OVS_VPORT_TYPE_NETDEV,
	.create = netdev_create,
	.destroy = netdev_destroy,
	.send = netdev_send,
};

/*
 * A device going away (deleted, or moving to another netns) is unhooked at
 * once, under the RTNL; the vport itself goes from a work item, which can
 * take kvirt_dp_lock() (the RTNL nests inside it, never around it).
 */
static int netdev_event(struct notifier_block *nb, unsigned long event,
			void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct kvirt_dp_vport *vport;
	struct kvirt_dp_net *kn;

	if (event != NETDEV_UNREGISTER ||
	    rtnl_dereference(dev->rx_handler) != netdev_frame_hook)
		return NOTIFY_DONE;
	vport = rtnl_dereference(dev->rx_handler_data);
	netdev_detach_dev(vport);
	kn = net_generic(kvirt_dp_net(vport->dp), kvirt_dp_net_id);
	queue_work(system_wq, &kn->detach_work);
	return NOTIFY_DONE;
}

static struct notifier_block netdev_notifier = {
	.notifier_call = netdev_event,
};

/* Remove the vports of one netns whose devices were unhooked. */
void kvirt_dp_netdev_detach_work(struct work_struct *work)
{
	struct kvirt_dp_net *kn = container_of(work, struct kvirt_dp_net,
					       detach_work);
	struct kvirt_dp_vport *vport;
	struct hlist_node *next;
	struct kvirt_dp *dp;
	int i;

	kvirt_dp_lock();
	list_for_each_entry(dp, &kn->dps, node)
		for (i = 0; i < KVIRT_DP_PORT_BUCKETS; i++)
			hlist_for_each_entry_safe(vport, next, &dp->ports[i],
						  node)
				if (READ_ONCE(vport->detached))
					kvirt_dp_vport_gone(vport);
	kvirt_dp_unlock();
}

int kvirt_dp_netdev_init(void)
{
	return register_netdevice_notifier(&netdev_notifier);
}

void kvirt_dp_netdev_exit(void)
{
	unregister_netdevice_notifier(&netdev_notifier);
}
