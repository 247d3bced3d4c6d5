// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: an internal vport is a host network device that belongs to the
 * datapath: what the host transmits on it enters the datapath. Every
 * datapath has one as port 0 (OVSP_LOCAL), named after the datapath, whose
 * ifindex is the datapath's dp_ifindex; bridges are internal ports too.
 */
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/rtnetlink.h>
#include <net/dst.h>

#include "datapath.h"

struct internal_priv {
	struct kvirt_dp_vport *vport;
};

static netdev_tx_t internal_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct internal_priv *priv = netdev_priv(dev);
	unsigned int len = skb->len;
	int err;

	rcu_read_lock();
	err = kvirt_dp_process_received_packet(priv->vport, skb);
	rcu_read_unlock();
	if (likely(!err))
		dev_sw_netstats_tx_add(dev, 1, len);
	else
		DEV_STATS_INC(dev, tx_errors);
	return NETDEV_TX_OK;
}

static int internal_open(struct net_device *dev)
{
	netif_start_queue(dev);
	return 0;
}

static int internal_stop(struct net_device *dev)
{
	netif_stop_queue(dev);
	return 0;
}

static const struct net_device_ops internal_netdev_ops = {
	.ndo_open = internal_open,
	.ndo_stop = internal_stop,
	.ndo_start_xmit = internal_xmit,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_get_stats64 = dev_get_tstats64,
};

static void internal_get_drvinfo(struct net_device *dev,
				 struct ethtool_drvinfo *info)
{
	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
}

static const struct ethtool_ops internal_ethtool_ops = {
	.get_drvinfo = internal_get_drvinfo,
	.get_link = ethtool_op_get_link,
};

/* After the last reference: the vport dies with its device. */
static void internal_destructor(struct net_device *dev)
{
	struct internal_priv *priv = netdev_priv(dev);

	free_percpu(dev->tstats);
	kvirt_dp_vport_free(priv->vport);
}

static void internal_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &internal_netdev_ops;
	dev->ethtool_ops = &internal_ethtool_ops;
	dev->max_mtu = ETH_MAX_MTU;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
	dev->needs_free_netdev = true;
	/* The datapath takes any packet: it segments and checksums itself. */
	dev->features = NETIF_F_LLTX | NETIF_F_SG | NETIF_F_FRAGLIST |
			NETIF_F_HIGHDMA | NETIF_F_HW_CSUM |
			NETIF_F_GSO_SOFTWARE;
	dev->vlan_features = dev->features;
	dev->hw_enc_features = dev->features;
	dev->hw_features = dev->features & ~NETIF_F_LLTX;
	dev->features |= NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_STAG_TX;
	/* It lives and dies with its datapath, in the datapath's netns. */
	dev->features |= NETIF_F_NETNS_LOCAL;
	eth_hw_addr_random(dev);
}

static struct kvirt_dp_vport *internal_create(const struct kvirt_dp_vport_parms *p)
{
	struct kvirt_dp_vport *vport;
	struct internal_priv *priv;
	struct net_device *dev;
	int err;

	vport = kvirt_dp_vport_alloc(&kvirt_dp_internal_ops, p);
	if (IS_ERR(vport))
		return vport;
	dev = alloc_netdev(sizeof(*priv), p->name, NET_NAME_USER,
			   internal_setup);
	if (!dev) {
		err = -ENOMEM;
		goto free_vport;
	}
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats) {
		err = -ENOMEM;
		goto free_dev;
	}
	dev_net_set(dev, kvirt_dp_net(p->dp));
	dev->ifindex = p->ifindex;
	priv = netdev_priv(dev);
	priv->vport = vport;
	vport->dev = dev;

	rtnl_lock();
	err = register_netdevice(dev);
	if (err) {
		rtnl_unlock();
		if (err == -EEXIST)
			NL_SET_ERR_MSG_MOD(p->extack,
					   "a device with this name exists");
		else if (err == -EBUSY)
			NL_SET_ERR_MSG_MOD(p->extack, "ifindex in use");
		else
			NL_SET_ERR_MSG_MOD(p->extack,
					   "cannot register the internal device");
		free_percpu(dev->tstats);
		goto free_dev;
	}
	dev->priv_destructor = internal_destructor;
	rtnl_unlock();
	return vport;

free_dev:
	free_netdev(dev);
free_vport:
	kvirt_dp_vport_free(vport);
	return ERR_PTR(err);
}

/* The device holds the vport: it is freed by the destructor, after RCU. */
static void internal_destroy(struct kvirt_dp_vport *vport)
{
	rtnl_lock();
	unregister_netdevice(vport->dev);
	rtnl_unlock();
}

/* The vport behind one of kvirt_dp's internal devices, or NULL. */
struct kvirt_dp_vport *kvirt_dp_internal_vport(const struct net_device *dev)
{
	const struct internal_priv *priv = netdev_priv(dev);

	return dev->netdev_ops == &internal_netdev_ops ? priv->vport : NULL;
}

/* Out of an internal port is into the host, received on its device. */
static void internal_send(struct kvirt_dp_vport *vport, struct sk_buff *skb)
{
	struct net_device *dev = vport->dev;
	unsigned int len = skb->len;

	if (unlikely(!(dev->flags & IFF_UP))) {
		DEV_STATS_INC(dev, rx_dropped);
		kfree_skb(skb);
		return;
	}
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	skb->pkt_type = PACKET_HOST;
	skb->protocol = eth_type_trans(skb, dev);
	skb_postpull_rcsum(skb, eth_hdr(skb), ETH_HLEN);
	dev_sw_netstats_rx_add(dev, len);
	netif_rx(skb);
}

const struct kvirt_dp_vport_ops kvirt_dp_internal_ops = {
	.type = OVS_VPORT_TYPE_INTERNAL,
	.create = internal_create,
	.destroy = internal_destroy,
	.send = internal_send,
};
