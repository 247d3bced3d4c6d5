// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the OVS ABI cannot show the megaflow masks, yet which masks the
 * packets hit, and in which order lookups try them, is what makes a
 * datapath fast or slow. The "kvirt_dp_mask" family (uapi/linux/
 * kvirt_dp.h) dumps them for "kvirt dp show-masks".
 */
#include <linux/kvirt_dp.h>
#include <net/sock.h>

#include "datapath.h"

static struct genl_family mask_family;

static int mask_fill(struct kvirt_dp_mask *mask, u32 index, int dp_ifindex,
		     struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kvirt_dp_flow *flow = kvirt_dp_mask_first_flow(mask);
	struct ovs_header *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &mask_family, NLM_F_MULTI, KVIRT_DP_MASK_CMD_GET);
	if (!hdr)
		return -EMSGSIZE;
	hdr->dp_ifindex = dp_ifindex;
	if (nla_put_u32(skb, KVIRT_DP_MASK_ATTR_INDEX, index) ||
	    kvirt_dp_key_to_nlattrs(&flow->masked, skb,
				    KVIRT_DP_MASK_ATTR_KEY) ||
	    kvirt_dp_mask_to_nlattrs(&flow->masked, &mask->key, skb,
				     KVIRT_DP_MASK_ATTR_MASK) ||
	    nla_put_u32(skb, KVIRT_DP_MASK_ATTR_FLOWS, mask->refs) ||
	    nla_put_u64_64bit(skb, KVIRT_DP_MASK_ATTR_HITS,
			      kvirt_dp_mask_hits(mask), KVIRT_DP_MASK_ATTR_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * The masks of the request's datapath in lookup order. A dump spanning
 * several messages resumes at the position it reached; a rebalance in
 * between may repeat or skip a mask, as any netlink dump may.
 */
static int mask_cmd_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genlmsghdr *genl = nlmsg_data(cb->nlh);
	const struct ovs_header *hdr;
	struct kvirt_dp_mask_array *ma;
	struct kvirt_dp_mask *mask;
	long pos = cb->args[0];
	struct kvirt_dp *dp;
	u32 i, n = 0;

	if (nlmsg_len(cb->nlh) < GENL_HDRLEN + sizeof(*hdr)) {
		NL_SET_ERR_MSG_MOD(cb->extack, "ovs_header missing");
		return -EINVAL;
	}
	hdr = genlmsg_data(genl);
	kvirt_dp_lock();
	dp = kvirt_dp_by_ifindex(sock_net(skb->sk), hdr->dp_ifindex);
	if (!dp) {
		kvirt_dp_unlock();
		NL_SET_ERR_MSG_MOD(cb->extack, "no datapath with this dp_ifindex");
		return -ENODEV;
	}
	ma = rcu_dereference_protected(dp->table.masks, kvirt_dp_lock_held());
	for (i = 0; i < ma->count; i++) {
		mask = rcu_dereference_protected(ma->masks[i],
						 kvirt_dp_lock_held());
		if (!mask)
			continue;
		if (n >= pos && mask_fill(mask, n, hdr->dp_ifindex, skb, cb))
			break;
		n++;
	}
	kvirt_dp_unlock();
	cb->args[0] = n;
	return skb->len;
}

static const struct genl_small_ops mask_ops[] = {
	{ .cmd = KVIRT_DP_MASK_CMD_GET, .dumpit = mask_cmd_dump,
	  .validate = GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP },
};

static struct genl_family mask_family = {
	.hdrsize = sizeof(struct ovs_header),
	.name = KVIRT_DP_MASK_FAMILY,
	.version = KVIRT_DP_MASK_VERSION,
	.maxattr = KVIRT_DP_MASK_ATTR_MAX,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = mask_ops,
	.n_small_ops = ARRAY_SIZE(mask_ops),
	.resv_start_op = KVIRT_DP_MASK_CMD_GET + 1,
	.module = THIS_MODULE,
};

/**
 * kvirt_dp_mask_genl_register() - register the "kvirt_dp_mask" family
 *
 * Return: 0 or the errno of genl_register_family().
 */
int kvirt_dp_mask_genl_register(void)
{
	return genl_register_family(&mask_family);
}

/**
 * kvirt_dp_mask_genl_unregister() - unregister it
 */
void kvirt_dp_mask_genl_unregister(void)
{
	genl_unregister_family(&mask_family);
}
