// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: a flow's OVS_FLOW_ATTR_ACTIONS (and an executed packet's) are
 * checked once, when userspace hands them over, with OVS's errnos, so
 * that actions.c can run them on the packet path without checking again
 * and ovs-vswitchd's probes of unsupported actions read EINVAL. What a
 * set action may rewrite depends on the flow's (masked) key: set(ipv4)
 * needs an IPv4 flow, set(tcp) a TCP one, as in openvswitch.ko.
 */
#include <linux/if_vlan.h>
#include <linux/slab.h>

#include "datapath.h"

/* Nests of actions (sample, clone, check_pkt_len) go this deep (OVS's). */
#define MAX_DEPTH	16

static int check_list(const struct nlattr *attr,
		      const struct kvirt_dp_key *key, int depth,
		      struct netlink_ext_ack *extack);

/* EINVAL, with @msg (a string literal) and the attribute it is about. */
#define REFUSE(extack, a, msg) ({			\
	NL_SET_ERR_MSG_ATTR(extack, a, msg);		\
	-EINVAL;					\
})

/* What OVS_ATTR_* lengths an argument of OVS_ACTION_ATTR_* must have. */
#define ANY_LEN	(-1)
static const int action_lens[OVS_ACTION_ATTR_MAX + 1] = {
	[OVS_ACTION_ATTR_OUTPUT] = sizeof(u32),
	[OVS_ACTION_ATTR_USERSPACE] = ANY_LEN,
	[OVS_ACTION_ATTR_SET] = ANY_LEN,
	[OVS_ACTION_ATTR_PUSH_VLAN] = sizeof(struct ovs_action_push_vlan),
	[OVS_ACTION_ATTR_POP_VLAN] = 0,
	[OVS_ACTION_ATTR_SAMPLE] = ANY_LEN,
	[OVS_ACTION_ATTR_RECIRC] = sizeof(u32),
	[OVS_ACTION_ATTR_HASH] = sizeof(struct ovs_action_hash),
	[OVS_ACTION_ATTR_PUSH_MPLS] = sizeof(struct ovs_action_push_mpls),
	[OVS_ACTION_ATTR_POP_MPLS] = sizeof(__be16),
	[OVS_ACTION_ATTR_SET_MASKED] = ANY_LEN,
	[OVS_ACTION_ATTR_CT] = ANY_LEN,
	[OVS_ACTION_ATTR_TRUNC] = sizeof(struct ovs_action_trunc),
	[OVS_ACTION_ATTR_PUSH_ETH] = sizeof(struct ovs_action_push_eth),
	[OVS_ACTION_ATTR_POP_ETH] = 0,
	[OVS_ACTION_ATTR_CT_CLEAR] = 0,
	[OVS_ACTION_ATTR_PUSH_NSH] = ANY_LEN,
	[OVS_ACTION_ATTR_POP_NSH] = 0,
	[OVS_ACTION_ATTR_METER] = sizeof(u32),
	[OVS_ACTION_ATTR_CLONE] = ANY_LEN,
	[OVS_ACTION_ATTR_CHECK_PKT_LEN] = ANY_LEN,
	[OVS_ACTION_ATTR_ADD_MPLS] = sizeof(struct ovs_action_add_mpls),
	[OVS_ACTION_ATTR_DEC_TTL] = ANY_LEN,
};

/* The key sizes a set action may carry, per OVS_KEY_ATTR_* it rewrites. */
static const int set_lens[OVS_KEY_ATTR_MAX + 1] = {
	[OVS_KEY_ATTR_PRIORITY] = sizeof(u32),
	[OVS_KEY_ATTR_SKB_MARK] = sizeof(u32),
	[OVS_KEY_ATTR_ETHERNET] = sizeof(struct ovs_key_ethernet),
	[OVS_KEY_ATTR_IPV4] = sizeof(struct ovs_key_ipv4),
	[OVS_KEY_ATTR_IPV6] = sizeof(struct ovs_key_ipv6),
	[OVS_KEY_ATTR_TCP] = sizeof(struct ovs_key_tcp),
	[OVS_KEY_ATTR_UDP] = sizeof(struct ovs_key_udp),
	[OVS_KEY_ATTR_SCTP] = sizeof(struct ovs_key_sctp),
	[OVS_KEY_ATTR_CT_MARK] = sizeof(u32),
	[OVS_KEY_ATTR_CT_LABELS] = sizeof(struct ovs_key_ct_labels),
};

/*
 * Key attributes whose length OVS does not fix (nests and MPLS stacks):
 * their sets pass the length check and are refused by type afterwards.
 */
static bool any_len_key(int type)
{
	return type == OVS_KEY_ATTR_ENCAP || type == OVS_KEY_ATTR_TUNNEL ||
	       type == OVS_KEY_ATTR_MPLS || type == OVS_KEY_ATTR_NSH;
}

/* Known key attributes of fixed size that no set action may rewrite. */
static int fixed_key_len(int type)
{
	switch (type) {
	case OVS_KEY_ATTR_IN_PORT:
	case OVS_KEY_ATTR_RECIRC_ID:
	case OVS_KEY_ATTR_DP_HASH:
	case OVS_KEY_ATTR_CT_STATE:
		return sizeof(u32);
	case OVS_KEY_ATTR_VLAN:
	case OVS_KEY_ATTR_ETHERTYPE:
	case OVS_KEY_ATTR_TCP_FLAGS:
	case OVS_KEY_ATTR_CT_ZONE:
		return sizeof(u16);
	case OVS_KEY_ATTR_ICMP:
		return sizeof(struct ovs_key_icmp);
	case OVS_KEY_ATTR_ICMPV6:
		return sizeof(struct ovs_key_icmpv6);
	case OVS_KEY_ATTR_ARP:
		return sizeof(struct ovs_key_arp);
	case OVS_KEY_ATTR_ND:
		return sizeof(struct ovs_key_nd);
	case OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4:
		return sizeof(struct ovs_key_ct_tuple_ipv4);
	case OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6:
		return sizeof(struct ovs_key_ct_tuple_ipv6);
	case OVS_KEY_ATTR_IPV6_EXTHDRS:
		return sizeof(struct ovs_key_ipv6_exthdrs);
	}
	return set_lens[type];
}

/* A masked set may only carry value bits its mask selects. */
static bool value_within_mask(const u8 *data, int len)
{
	const u8 *mask = data + len;
	int i;

	for (i = 0; i < len; i++)
		if (data[i] & ~mask[i])
			return false;
	return true;
}

static bool is_ip(const struct kvirt_dp_key *key)
{
	return key->eth_type == htons(ETH_P_IP) ||
	       key->eth_type == htons(ETH_P_IPV6);
}

static int check_set_ipv4(const struct nlattr *a, const struct nlattr *k,
			  const struct kvirt_dp_key *key, bool masked,
			  struct netlink_ext_ack *extack)
{
	const struct ovs_key_ipv4 *ip4 = nla_data(k);

	if (key->eth_type != htons(ETH_P_IP))
		return REFUSE(extack, a, "set(ipv4) needs an IPv4 flow");
	if (masked) {
		if (ip4[1].ipv4_proto || ip4[1].ipv4_frag)
			return REFUSE(extack, a,
				      "IPv4 protocol and fragment type are not writable");
	} else if (ip4->ipv4_proto != key->ip_proto ||
		   ip4->ipv4_frag != key->ip_frag) {
		return REFUSE(extack, a,
			      "set(ipv4) may not change the protocol or fragment type");
	}
	return 0;
}

static int check_set_ipv6(const struct nlattr *a, const struct nlattr *k,
			  const struct kvirt_dp_key *key, bool masked,
			  struct netlink_ext_ack *extack)
{
	const struct ovs_key_ipv6 *ip6 = nla_data(k);

	if (key->eth_type != htons(ETH_P_IPV6))
		return REFUSE(extack, a, "set(ipv6) needs an IPv6 flow");
	if (masked) {
		if (ip6[1].ipv6_proto || ip6[1].ipv6_frag)
			return REFUSE(extack, a,
				      "IPv6 protocol and fragment type are not writable");
		if (ip6[1].ipv6_label & ~htonl(IPV6_FLOWINFO_FLOWLABEL))
			return REFUSE(extack, a,
				      "IPv6 flow label mask beyond 20 bits");
	} else if (ip6->ipv6_proto != key->ip_proto ||
		   ip6->ipv6_frag != key->ip_frag) {
		return REFUSE(extack, a,
			      "set(ipv6) may not change the protocol or fragment type");
	}
	if (ip6->ipv6_label & ~htonl(IPV6_FLOWINFO_FLOWLABEL))
		return REFUSE(extack, a, "IPv6 flow label beyond 20 bits");
	return 0;
}

/* OVS_ACTION_ATTR_SET and _SET_MASKED: one key attribute (and its mask). */
static int check_set(const struct nlattr *a, const struct kvirt_dp_key *key,
		     bool masked, struct netlink_ext_ack *extack)
{
	const struct nlattr *k = nla_data(a);
	int type, len;

	if (!nla_ok(k, nla_len(a)) || nla_total_size(nla_len(k)) != nla_len(a))
		return REFUSE(extack, a, "set action must hold exactly one key attribute");
	type = nla_type(k);
	len = nla_len(k);
	if (masked)
		len /= 2;
	if (type > OVS_KEY_ATTR_MAX ||
	    (!any_len_key(type) && fixed_key_len(type) != len))
		return REFUSE(extack, a, "set action key has an unexpected length");
	if (masked && !value_within_mask(nla_data(k), len))
		return REFUSE(extack, a, "masked set value has bits outside its mask");

	switch (type) {
	case OVS_KEY_ATTR_PRIORITY:
	case OVS_KEY_ATTR_SKB_MARK:
	case OVS_KEY_ATTR_CT_MARK:
	case OVS_KEY_ATTR_CT_LABELS:
	case OVS_KEY_ATTR_ETHERNET:
		return 0;
	case OVS_KEY_ATTR_IPV4:
		return check_set_ipv4(a, k, key, masked, extack);
	case OVS_KEY_ATTR_IPV6:
		return check_set_ipv6(a, k, key, masked, extack);
	case OVS_KEY_ATTR_TCP:
		if (!is_ip(key) || key->ip_proto != IPPROTO_TCP)
			return REFUSE(extack, a, "set(tcp) needs a TCP flow");
		return 0;
	case OVS_KEY_ATTR_UDP:
		if (!is_ip(key) || key->ip_proto != IPPROTO_UDP)
			return REFUSE(extack, a, "set(udp) needs a UDP flow");
		return 0;
	case OVS_KEY_ATTR_SCTP:
		if (!is_ip(key) || key->ip_proto != IPPROTO_SCTP)
			return REFUSE(extack, a, "set(sctp) needs an SCTP flow");
		return 0;
	case OVS_KEY_ATTR_TUNNEL:
		if (masked)
			return REFUSE(extack, a, "masked set of the tunnel");
		return kvirt_dp_tun_set_check(k, extack);
	}
	return REFUSE(extack, a, "set action of a field kvirt_dp cannot rewrite");
}

static const struct nla_policy userspace_policy[OVS_USERSPACE_ATTR_MAX + 1] = {
	[OVS_USERSPACE_ATTR_PID] = { .type = NLA_U32 },
	[OVS_USERSPACE_ATTR_USERDATA] = { .type = NLA_UNSPEC },
	[OVS_USERSPACE_ATTR_EGRESS_TUN_PORT] = { .type = NLA_U32 },
};

static int check_userspace(const struct nlattr *attr,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *a[OVS_USERSPACE_ATTR_MAX + 1];
	int err;

	err = nla_parse_nested_deprecated(a, OVS_USERSPACE_ATTR_MAX, attr,
					  userspace_policy, extack);
	if (err)
		return err;
	if (!a[OVS_USERSPACE_ATTR_PID] || !nla_get_u32(a[OVS_USERSPACE_ATTR_PID]))
		return REFUSE(extack, attr, "userspace action needs a nonzero pid");
	return 0;
}

/* An actions nest: empty, or long enough for one attribute header. */
static bool nest_len_ok(const struct nlattr *a)
{
	return !nla_len(a) || nla_len(a) >= NLA_HDRLEN;
}

static int check_sample(const struct nlattr *attr,
			const struct kvirt_dp_key *key, int depth,
			struct netlink_ext_ack *extack)
{
	const struct nlattr *attrs[OVS_SAMPLE_ATTR_MAX + 1] = {};
	const struct nlattr *a;
	int rem, type;

	nla_for_each_nested(a, attr, rem) {
		type = nla_type(a);
		if (!type || type > OVS_SAMPLE_ATTR_MAX || attrs[type])
			return REFUSE(extack, a,
				      "unknown or repeated sample attribute");
		attrs[type] = a;
	}
	if (rem)
		return REFUSE(extack, attr, "trailing bytes in sample action");
	a = attrs[OVS_SAMPLE_ATTR_PROBABILITY];
	if (!a || nla_len(a) != sizeof(u32))
		return REFUSE(extack, attr, "sample action needs a u32 probability");
	a = attrs[OVS_SAMPLE_ATTR_ACTIONS];
	if (!a || !nest_len_ok(a))
		return REFUSE(extack, attr, "sample action needs actions");
	return check_list(a, key, depth + 1, extack);
}

static const struct nla_policy cpl_policy[OVS_CHECK_PKT_LEN_ATTR_MAX + 1] = {
	[OVS_CHECK_PKT_LEN_ATTR_PKT_LEN] = { .type = NLA_U16 },
	[OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER] = { .type = NLA_NESTED },
	[OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL] = { .type = NLA_NESTED },
};

static int check_cpl(const struct nlattr *attr,
		     const struct kvirt_dp_key *key, int depth,
		     struct netlink_ext_ack *extack)
{
	struct nlattr *a[OVS_CHECK_PKT_LEN_ATTR_MAX + 1];
	int err;

	err = nla_parse_deprecated_strict(a, OVS_CHECK_PKT_LEN_ATTR_MAX,
					  nla_data(attr), nla_len(attr),
					  cpl_policy, extack);
	if (err)
		return err;
	if (!a[OVS_CHECK_PKT_LEN_ATTR_PKT_LEN] ||
	    !nla_get_u16(a[OVS_CHECK_PKT_LEN_ATTR_PKT_LEN]))
		return REFUSE(extack, attr,
			      "check_pkt_len needs a nonzero length");
	if (!a[OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER] ||
	    !a[OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL])
		return REFUSE(extack, attr,
			      "check_pkt_len needs actions for both outcomes");
	return check_list(a[OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL], key,
			  depth + 1, extack) ?:
	       check_list(a[OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER], key,
			  depth + 1, extack);
}

static int check_one(const struct nlattr *a, const struct kvirt_dp_key *key,
		     int depth, struct netlink_ext_ack *extack)
{
	const struct ovs_action_push_vlan *vlan;
	int type = nla_type(a);

	if (type > OVS_ACTION_ATTR_MAX ||
	    (action_lens[type] != ANY_LEN && action_lens[type] != nla_len(a)))
		return REFUSE(extack, a, "unknown action or unexpected length");

	switch (type) {
	case OVS_ACTION_ATTR_OUTPUT:
		if (nla_get_u32(a) >= KVIRT_DP_MAX_PORTS)
			return REFUSE(extack, a, "output port out of range");
		return 0;
	case OVS_ACTION_ATTR_USERSPACE:
		return check_userspace(a, extack);
	case OVS_ACTION_ATTR_SET:
		return check_set(a, key, false, extack);
	case OVS_ACTION_ATTR_SET_MASKED:
		return check_set(a, key, true, extack);
	case OVS_ACTION_ATTR_PUSH_VLAN:
		vlan = nla_data(a);
		if (!eth_type_vlan(vlan->vlan_tpid))
			return REFUSE(extack, a, "push_vlan TPID is not a VLAN type");
		if (!(vlan->vlan_tci & htons(VLAN_CFI_MASK)))
			return REFUSE(extack, a,
				      "push_vlan TCI needs the present bit (VLAN_CFI_MASK)");
		return 0;
	case OVS_ACTION_ATTR_POP_VLAN:
	case OVS_ACTION_ATTR_RECIRC:
		return 0;
	case OVS_ACTION_ATTR_TRUNC:
		if (((const struct ovs_action_trunc *)nla_data(a))->max_len <
		    ETH_HLEN)
			return REFUSE(extack, a,
				      "trunc below an Ethernet header");
		return 0;
	case OVS_ACTION_ATTR_HASH:
		if (((const struct ovs_action_hash *)nla_data(a))->hash_alg !=
		    OVS_HASH_ALG_L4)
			return REFUSE(extack, a, "unknown hash algorithm");
		return 0;
	case OVS_ACTION_ATTR_SAMPLE:
		return check_sample(a, key, depth, extack);
	case OVS_ACTION_ATTR_CLONE:
		if (!nest_len_ok(a))
			return REFUSE(extack, a, "clone action too short");
		return check_list(a, key, depth + 1, extack);
	case OVS_ACTION_ATTR_CHECK_PKT_LEN:
		return check_cpl(a, key, depth, extack);
	}
	return REFUSE(extack, a, "action not supported by kvirt_dp");
}

/* A run of actions at nesting @depth, in order: the first refusal wins. */
static int check_list(const struct nlattr *attr,
		      const struct kvirt_dp_key *key, int depth,
		      struct netlink_ext_ack *extack)
{
	const struct nlattr *a;
	int rem, err;

	if (depth > MAX_DEPTH) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "actions nested too deeply");
		return -EOVERFLOW;
	}
	nla_for_each_nested(a, attr, rem) {
		err = check_one(a, key, depth, extack);
		if (err)
			return err;
	}
	if (rem > 0)
		return REFUSE(extack, attr, "trailing bytes after actions");
	return 0;
}

/**
 * kvirt_dp_actions_from_nlattr() - a flow's actions, checked and copied
 * @attr: OVS_FLOW_ATTR_ACTIONS (or OVS_PACKET_ATTR_ACTIONS)
 * @key: the flow's key masked with its mask (a packet's whole key), which
 *	says what set actions may rewrite
 * @extack: why they were refused
 *
 * Output, userspace, set and masked set (priority, mark, Ethernet, IPv4,
 * IPv6, TCP, UDP, SCTP), push and pop VLAN, trunc, hash, recirc, sample,
 * clone and check_pkt_len are taken, with openvswitch.ko's checks; none
 * means drop. The copy is kept as userspace gave it: it is what flow
 * dumps return, and actions.c runs it as it is.
 * Return: the copy, to be freed with kvirt_dp_actions_free(), or
 * ERR_PTR() of -EINVAL, -EOVERFLOW (nested too deeply) or -ENOMEM.
 */
struct kvirt_dp_actions *kvirt_dp_actions_from_nlattr(const struct nlattr *attr,
						      const struct kvirt_dp_key *key,
						      struct netlink_ext_ack *extack)
{
	struct kvirt_dp_actions *acts;
	int err;

	err = check_list(attr, key, 0, extack);
	if (err)
		return ERR_PTR(err);
	acts = kmalloc(struct_size(acts, data, nla_len(attr)), GFP_KERNEL);
	if (!acts)
		return ERR_PTR(-ENOMEM);
	acts->len = nla_len(attr);
	memcpy(acts->data, nla_data(attr), acts->len);
	kvirt_dp_obj_get(KVIRT_DP_OBJ_ACTIONS);
	return acts;
}

static int put_list(struct sk_buff *skb, const struct nlattr *attr, int len);

/* A nest of @type holding the actions in @a, written by put_list(). */
static int put_nested(struct sk_buff *skb, int type, const struct nlattr *a)
{
	struct nlattr *nest = nla_nest_start_noflag(skb, type);

	if (!nest || put_list(skb, nla_data(a), nla_len(a)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_sample(struct sk_buff *skb, const struct nlattr *attr)
{
	const struct nlattr *a, *actions = NULL;
	struct nlattr *nest;
	u32 probability = 0;
	int rem;

	nla_for_each_nested(a, attr, rem) {
		if (nla_type(a) == OVS_SAMPLE_ATTR_PROBABILITY)
			probability = nla_get_u32(a);
		else
			actions = a;
	}
	nest = nla_nest_start_noflag(skb, OVS_ACTION_ATTR_SAMPLE);
	if (!nest || nla_put_u32(skb, OVS_SAMPLE_ATTR_PROBABILITY, probability) ||
	    put_nested(skb, OVS_SAMPLE_ATTR_ACTIONS, actions))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_cpl(struct sk_buff *skb, const struct nlattr *attr)
{
	const struct nlattr *a, *b[OVS_CHECK_PKT_LEN_ATTR_MAX + 1] = {};
	struct nlattr *nest;
	int rem;

	nla_for_each_nested(a, attr, rem)
		b[nla_type(a)] = a;
	nest = nla_nest_start_noflag(skb, OVS_ACTION_ATTR_CHECK_PKT_LEN);
	if (!nest ||
	    nla_put_u16(skb, OVS_CHECK_PKT_LEN_ATTR_PKT_LEN,
			nla_get_u16(b[OVS_CHECK_PKT_LEN_ATTR_PKT_LEN])) ||
	    put_nested(skb, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL,
		       b[OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL]) ||
	    put_nested(skb, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER,
		       b[OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER]))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Attribute types without flag bits, nests in OVS's order. */
static int put_list(struct sk_buff *skb, const struct nlattr *attr, int len)
{
	const struct nlattr *a, *k;
	struct nlattr *nest;
	int rem, err;

	nla_for_each_attr(a, attr, len, rem) {
		switch (nla_type(a)) {
		case OVS_ACTION_ATTR_SET:
			k = nla_data(a);
			nest = nla_nest_start_noflag(skb, OVS_ACTION_ATTR_SET);
			err = !nest || nla_put(skb, nla_type(k), nla_len(k),
					       nla_data(k));
			if (!err)
				nla_nest_end(skb, nest);
			break;
		case OVS_ACTION_ATTR_SAMPLE:
			err = put_sample(skb, a);
			break;
		case OVS_ACTION_ATTR_CLONE:
			err = put_nested(skb, OVS_ACTION_ATTR_CLONE, a);
			break;
		case OVS_ACTION_ATTR_CHECK_PKT_LEN:
			err = put_cpl(skb, a);
			break;
		default:
			err = nla_put(skb, nla_type(a), nla_len(a), nla_data(a));
			break;
		}
		if (err)
			return -EMSGSIZE;
	}
	return 0;
}

/**
 * kvirt_dp_actions_to_nlattr() - actions as openvswitch.ko reports them
 * @skb: the message being built
 * @attrtype: the nest to put them in (OVS_FLOW_ATTR_ACTIONS,
 *	OVS_PACKET_ATTR_ACTIONS)
 * @attr: the first action, as kvirt_dp_actions_from_nlattr() kept it
 * @len: bytes of actions
 *
 * OVS keeps actions in its own form and writes them back without the
 * flag bits of attribute types, sample and check_pkt_len attributes in
 * a fixed order; so does this, in no more bytes than @len.
 * Return: 0, or -EMSGSIZE with the nest cancelled.
 */
int kvirt_dp_actions_to_nlattr(struct sk_buff *skb, int attrtype,
			       const struct nlattr *attr, int len)
{
	struct nlattr *nest = nla_nest_start_noflag(skb, attrtype);

	if (!nest)
		return -EMSGSIZE;
	if (put_list(skb, attr, len)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}
