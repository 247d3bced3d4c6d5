// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: OVS_PACKET_CMD_EXECUTE, userspace's way to send a packet through
 * a list of actions (ovs-vswitchd does it for the packet of every upcall
 * it handled, for OpenFlow packet-outs and for feature probes). The
 * request is checked whole, with OVS's errnos, before the datapath is
 * looked up; the packet then runs through the actions as if it had come
 * in on the port its key names.
 */
#include <linux/skbuff.h>

#include "datapath.h"

/*
 * Payload length of each key attribute as OVS checks it in an execute
 * request: -1 for nests and arrays (any length), 0 for types userspace
 * may not send. Only the metadata below is used; the rest of the key
 * comes from the packet itself and is only checked for length.
 */
static const int key_lens[OVS_KEY_ATTR_MAX + 1] = {
	[OVS_KEY_ATTR_ENCAP] = -1,
	[OVS_KEY_ATTR_PRIORITY] = sizeof(u32),
	[OVS_KEY_ATTR_IN_PORT] = sizeof(u32),
	[OVS_KEY_ATTR_ETHERNET] = sizeof(struct ovs_key_ethernet),
	[OVS_KEY_ATTR_VLAN] = sizeof(__be16),
	[OVS_KEY_ATTR_ETHERTYPE] = sizeof(__be16),
	[OVS_KEY_ATTR_IPV4] = sizeof(struct ovs_key_ipv4),
	[OVS_KEY_ATTR_IPV6] = sizeof(struct ovs_key_ipv6),
	[OVS_KEY_ATTR_TCP] = sizeof(struct ovs_key_tcp),
	[OVS_KEY_ATTR_UDP] = sizeof(struct ovs_key_udp),
	[OVS_KEY_ATTR_ICMP] = sizeof(struct ovs_key_icmp),
	[OVS_KEY_ATTR_ICMPV6] = sizeof(struct ovs_key_icmpv6),
	[OVS_KEY_ATTR_ARP] = sizeof(struct ovs_key_arp),
	[OVS_KEY_ATTR_ND] = sizeof(struct ovs_key_nd),
	[OVS_KEY_ATTR_SKB_MARK] = sizeof(u32),
	[OVS_KEY_ATTR_TUNNEL] = -1,
	[OVS_KEY_ATTR_SCTP] = sizeof(struct ovs_key_sctp),
	[OVS_KEY_ATTR_TCP_FLAGS] = sizeof(__be16),
	[OVS_KEY_ATTR_DP_HASH] = sizeof(u32),
	[OVS_KEY_ATTR_RECIRC_ID] = sizeof(u32),
	[OVS_KEY_ATTR_MPLS] = -1,
	[OVS_KEY_ATTR_CT_STATE] = sizeof(u32),
	[OVS_KEY_ATTR_CT_ZONE] = sizeof(u16),
	[OVS_KEY_ATTR_CT_MARK] = sizeof(u32),
	[OVS_KEY_ATTR_CT_LABELS] = sizeof(struct ovs_key_ct_labels),
	[OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4] = sizeof(struct ovs_key_ct_tuple_ipv4),
	[OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6] = sizeof(struct ovs_key_ct_tuple_ipv6),
	[OVS_KEY_ATTR_NSH] = -1,
	[OVS_KEY_ATTR_IPV6_EXTHDRS] = sizeof(struct ovs_key_ipv6_exthdrs),
};

/* What an execute request's key says about the packet and not in it. */
struct exec_meta {
	const struct nlattr *tunnel;
	u32 in_port;
	u32 priority;
	u32 mark;
	u32 recirc_id;
	u32 dp_hash;
};

/*
 * The metadata of OVS_PACKET_ATTR_KEY. Without IN_PORT the packet comes
 * from no port (KVIRT_DP_MAX_PORTS, OVS's DP_MAX_PORTS) and runs as if
 * from the local port. Conntrack fields are checked and ignored: kvirt_dp
 * has no conntrack, as OVS does without it. Tunnel metadata is only
 * found here; it is parsed into the packet's key once that is extracted.
 */
static int parse_meta(const struct nlattr *nest, struct exec_meta *m,
		      struct netlink_ext_ack *extack)
{
	const struct nlattr *nla;
	u64 seen = 0;
	int rem, type;

	memset(m, 0, sizeof(*m));
	m->in_port = KVIRT_DP_MAX_PORTS;
	nla_for_each_nested(nla, nest, rem) {
		type = nla_type(nla);
		if (type > OVS_KEY_ATTR_MAX || !key_lens[type]) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "key attribute type unknown or not for userspace");
			return -EINVAL;
		}
		if (seen & BIT_ULL(type)) {
			NL_SET_ERR_MSG_ATTR(extack, nla, "duplicate key attribute");
			return -EINVAL;
		}
		seen |= BIT_ULL(type);
		if (key_lens[type] > 0 && nla_len(nla) != key_lens[type]) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "key attribute has an unexpected length");
			return -EINVAL;
		}
		switch (type) {
		case OVS_KEY_ATTR_IN_PORT:
			m->in_port = nla_get_u32(nla);
			if (m->in_port >= KVIRT_DP_MAX_PORTS) {
				NL_SET_ERR_MSG_ATTR(extack, nla,
						    "in_port out of range");
				return -EINVAL;
			}
			break;
		case OVS_KEY_ATTR_PRIORITY:
			m->priority = nla_get_u32(nla);
			break;
		case OVS_KEY_ATTR_SKB_MARK:
			m->mark = nla_get_u32(nla);
			break;
		case OVS_KEY_ATTR_RECIRC_ID:
			m->recirc_id = nla_get_u32(nla);
			break;
		case OVS_KEY_ATTR_DP_HASH:
			m->dp_hash = nla_get_u32(nla);
			break;
		case OVS_KEY_ATTR_TUNNEL:
			m->tunnel = nla;
			break;
		}
	}
	if (rem) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "trailing bytes after key attributes");
		return -EINVAL;
	}
	return 0;
}

/* The packet, copied so that its IP header is aligned (OVS_DP_F_UNALIGNED). */
static struct sk_buff *build_packet(struct nlattr **a)
{
	const struct nlattr *data = a[OVS_PACKET_ATTR_PACKET];
	struct sk_buff *skb;
	u64 hash;

	skb = __dev_alloc_skb(NET_IP_ALIGN + nla_len(data), GFP_KERNEL);
	if (!skb)
		return NULL;
	skb_reserve(skb, NET_IP_ALIGN);
	skb_put_data(skb, nla_data(data), nla_len(data));
	/*
	 * An MRU comes with packets conntrack reassembled: they may leave
	 * bigger than the MTU, as the fragments they were.
	 */
	if (a[OVS_PACKET_ATTR_MRU])
		skb->ignore_df = 1;
	if (a[OVS_PACKET_ATTR_HASH]) {
		hash = nla_get_u64(a[OVS_PACKET_ATTR_HASH]);
		__skb_set_hash(skb, lower_32_bits(hash),
			       !!(hash & KVIRT_DP_HASH_SW_BIT),
			       !!(hash & KVIRT_DP_HASH_L4_BIT));
	}
	return skb;
}

/**
 * kvirt_dp_packet_cmd_execute() - the doit of OVS_PACKET_CMD_EXECUTE
 * @skb: the request
 * @info: its attributes: PACKET (an Ethernet frame), KEY (its metadata),
 *	ACTIONS, and optionally PROBE, MRU and HASH
 *
 * Everything is checked before the datapath is looked up, as in OVS, so
 * a malformed request reads EINVAL even for a missing datapath. PROBE
 * only tells OVS not to log a refusal: the packet is executed all the
 * same, and kvirt_dp logs nothing either way.
 *
 * Return: 0; -EINVAL for a malformed request, -ENODEV when no datapath
 * has the request's dp_ifindex, -ENOMEM.
 */
int kvirt_dp_packet_cmd_execute(struct sk_buff *skb, struct genl_info *info)
{
	const struct ovs_header *hdr = info->userhdr;
	struct kvirt_dp_vport *input;
	struct nlattr **a = info->attrs;
	struct kvirt_dp_actions *acts;
	struct exec_meta meta;
	struct kvirt_dp_key key;
	struct sk_buff *packet;
	struct kvirt_dp *dp;
	int err;

	if (!a[OVS_PACKET_ATTR_PACKET] || !a[OVS_PACKET_ATTR_KEY] ||
	    !a[OVS_PACKET_ATTR_ACTIONS]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "execute needs a packet, a key and actions");
		return -EINVAL;
	}
	err = parse_meta(a[OVS_PACKET_ATTR_KEY], &meta, info->extack);
	if (err)
		return err;
	packet = build_packet(a);
	if (!packet)
		return -ENOMEM;
	packet->priority = meta.priority;
	packet->mark = meta.mark;
	err = kvirt_dp_key_extract(NULL, packet, &key);
	if (err) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[OVS_PACKET_ATTR_PACKET],
				    "packet has no valid flow key");
		goto free_packet;
	}
	key.in_port = meta.in_port;
	key.recirc_id = meta.recirc_id;
	key.dp_hash = meta.dp_hash;
	if (meta.tunnel) {
		err = kvirt_dp_tun_from_nlattr(meta.tunnel, &key, NULL,
					       info->extack);
		if (err < 0)
			goto free_packet;
	}
	acts = kvirt_dp_actions_from_nlattr(a[OVS_PACKET_ATTR_ACTIONS], &key,
					    info->extack);
	if (IS_ERR(acts)) {
		err = PTR_ERR(acts);
		goto free_packet;
	}

	rcu_read_lock();
	dp = kvirt_dp_by_ifindex(genl_info_net(info), hdr->dp_ifindex);
	if (!dp) {
		rcu_read_unlock();
		NL_SET_ERR_MSG_MOD(info->extack,
				   "no datapath with this dp_ifindex");
		err = -ENODEV;
		goto free_acts;
	}
	input = kvirt_dp_vport_lookup(dp, meta.in_port) ?: dp->local;
	packet->dev = input->dev;
	local_bh_disable();
	kvirt_dp_execute_actions(dp, packet, &key, acts);
	local_bh_enable();
	rcu_read_unlock();
	kvirt_dp_actions_free(acts);
	return 0;

free_acts:
	kvirt_dp_actions_free(acts);
free_packet:
	kfree_skb(packet);
	return err;
}
