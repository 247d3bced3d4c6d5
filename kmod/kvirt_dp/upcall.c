// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: packets go to ovs-vswitchd as OVS_PACKET_CMD_MISS messages (or
 * OVS_PACKET_CMD_ACTION, from a flow's userspace action, with its
 * userdata) of the ovs_packet family, unicast to the netlink port
 * userspace chose, carrying the key the datapath extracted and the whole
 * frame. What cannot be
 * queued (nobody listening, socket full) counts as lost.
 */
#include <linux/if_vlan.h>
#include <linux/netdevice.h>

#include "datapath.h"

static size_t upcall_size(unsigned int len,
			  const struct kvirt_dp_upcall *upcall)
{
	return NLMSG_ALIGN(sizeof(struct ovs_header))
		+ nla_total_size(kvirt_dp_key_attr_size())	/* KEY */
		+ (upcall->userdata ?				/* USERDATA */
		   nla_total_size(nla_len(upcall->userdata)) : 0)
		+ (upcall->actions ?				/* ACTIONS */
		   nla_total_size(upcall->actions_len) : 0)
		+ nla_total_size(sizeof(u32))			/* LEN */
		+ nla_total_size(sizeof(u64))			/* HASH */
		+ nla_total_size(len);				/* PACKET */
}

/*
 * The first @len bytes of the frame into @data, with an accelerated VLAN
 * tag put back in band (@len counts it: a trunc may end inside it).
 */
static void copy_frame(const struct sk_buff *skb, u8 *data, unsigned int len)
{
	__be16 head[ETH_ALEN + VLAN_HLEN / 2];	/* MACs, TPID, TCI */

	if (!skb_vlan_tag_present(skb)) {
		skb_copy_bits(skb, 0, data, len);
		return;
	}
	/* A tag is its TPID where the type was, then the TCI. */
	skb_copy_bits(skb, 0, head, 2 * ETH_ALEN);
	head[ETH_ALEN] = skb->vlan_proto;
	head[ETH_ALEN + 1] = htons(skb_vlan_tag_get(skb));
	memcpy(data, head, min_t(unsigned int, len, sizeof(head)));
	if (len > sizeof(head))
		skb_copy_bits(skb, 2 * ETH_ALEN, data + sizeof(head),
			      len - sizeof(head));
}

static int queue_one(struct kvirt_dp *dp, struct sk_buff *skb,
		     const struct kvirt_dp_key *key,
		     const struct kvirt_dp_upcall *upcall)
{
	unsigned int len = skb->len, full;
	struct ovs_header *hdr;
	struct sk_buff *msg;
	struct nlattr *a;
	u64 hash;
	int err;

	if (skb_vlan_tag_present(skb))
		len += VLAN_HLEN;
	full = len;
	if (upcall->trunc && upcall->trunc < len)
		len = upcall->trunc;
	if (nla_attr_size(len) > USHRT_MAX)
		return -EFBIG;
	/* Userspace gets a frame with a complete checksum. */
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		err = skb_csum_hwoffload_help(skb, 0);
		if (err)
			return err;
	}
	msg = genlmsg_new(upcall_size(len, upcall), GFP_ATOMIC);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &kvirt_dp_packet_family, 0, upcall->cmd);
	if (!hdr)
		goto too_big;
	hdr->dp_ifindex = dp->ifindex;
	if (kvirt_dp_key_to_nlattrs(key, msg, OVS_PACKET_ATTR_KEY))
		goto too_big;
	if (upcall->userdata &&
	    nla_put(msg, OVS_PACKET_ATTR_USERDATA, nla_len(upcall->userdata),
		    nla_data(upcall->userdata)))
		goto too_big;
	/* Actions that do not fit go without, as in OVS. */
	if (upcall->actions)
		kvirt_dp_actions_to_nlattr(msg, OVS_PACKET_ATTR_ACTIONS,
					   upcall->actions,
					   upcall->actions_len);
	if (len < full && nla_put_u32(msg, OVS_PACKET_ATTR_LEN, full))
		goto too_big;
	hash = skb_get_hash_raw(skb);
	if (skb->sw_hash)
		hash |= KVIRT_DP_HASH_SW_BIT;
	if (skb->l4_hash)
		hash |= KVIRT_DP_HASH_L4_BIT;
	if (nla_put(msg, OVS_PACKET_ATTR_HASH, sizeof(hash), &hash))
		goto too_big;
	a = nla_reserve(msg, OVS_PACKET_ATTR_PACKET, len);
	if (!a)
		goto too_big;
	copy_frame(skb, nla_data(a), len);
	genlmsg_end(msg, hdr);
	return genlmsg_unicast(kvirt_dp_net(dp), msg, upcall->portid);

too_big:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * A GSO packet goes up as the packets it stands for. For UDP fragmentation
 * offload only the first segment has the UDP header: the others are later
 * fragments.
 */
static int queue_segments(struct kvirt_dp *dp, struct sk_buff *skb,
			  const struct kvirt_dp_key *key,
			  const struct kvirt_dp_upcall *upcall)
{
	bool ufo = skb_shinfo(skb)->gso_type & SKB_GSO_UDP;
	struct kvirt_dp_key later;
	struct sk_buff *segs, *seg, *next;
	int err = 0;

	segs = __skb_gso_segment(skb, NETIF_F_SG, false);
	if (IS_ERR(segs))
		return PTR_ERR(segs);
	if (!segs)
		return -EINVAL;
	if (ufo) {
		later = *key;
		later.ip_frag = OVS_FRAG_TYPE_LATER;
	}
	skb_list_walk_safe(segs, seg, next) {
		if (!err)
			err = queue_one(dp, seg, ufo && seg != segs ? &later : key,
					upcall);
		if (err)
			kfree_skb(seg);
		else
			consume_skb(seg);
	}
	return err;
}

/**
 * kvirt_dp_upcall() - send a packet to userspace
 * @dp: its datapath
 * @skb: the packet, still the caller's
 * @key: its key
 * @upcall: command and destination
 *
 * Return: 0, or the error that lost the packet (counted in n_lost).
 */
int kvirt_dp_upcall(struct kvirt_dp *dp, struct sk_buff *skb,
		    const struct kvirt_dp_key *key,
		    const struct kvirt_dp_upcall *upcall)
{
	struct kvirt_dp_stats *stats;
	int err;

	if (!upcall->portid)
		err = -ENOTCONN;
	else if (skb_is_gso(skb))
		err = queue_segments(dp, skb, key, upcall);
	else
		err = queue_one(dp, skb, key, upcall);
	if (!err)
		return 0;
	stats = this_cpu_ptr(dp->stats);
	u64_stats_update_begin(&stats->syncp);
	stats->n_lost++;
	u64_stats_update_end(&stats->syncp);
	return err;
}
