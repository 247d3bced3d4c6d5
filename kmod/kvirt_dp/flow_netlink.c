// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: what userspace says about flows, checked and turned into keys
 * and masks: OVS_FLOW_ATTR_KEY and OVS_FLOW_ATTR_MASK (nested
 * OVS_KEY_ATTR_*) become a struct kvirt_dp_key each, with the checks and
 * errnos of OVS's flow_netlink.c, because ovs-vswitchd probes datapath
 * features by sending keys and reading EINVAL as "not supported". Keys
 * kvirt_dp cannot match on (conntrack, MPLS, NSH) are refused the same
 * way. Two VLAN tags nest as ENCAP in ENCAP; the tunnel part is
 * tunnel.c's.
 */
#include <linux/if_vlan.h>
#include <linux/slab.h>
#include <net/ndisc.h>

#include "datapath.h"

/* Payload length of each supported key attribute; -1: a nest; 0: none. */
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
	[OVS_KEY_ATTR_SCTP] = sizeof(struct ovs_key_sctp),
	[OVS_KEY_ATTR_TCP_FLAGS] = sizeof(__be16),
	[OVS_KEY_ATTR_DP_HASH] = sizeof(u32),
	[OVS_KEY_ATTR_RECIRC_ID] = sizeof(u32),
	[OVS_KEY_ATTR_IPV6_EXTHDRS] = sizeof(struct ovs_key_ipv6_exthdrs),
	[OVS_KEY_ATTR_TUNNEL] = -1,
};

/* The attributes of a key or mask, the ENCAP nest's merged in. */
struct attrs {
	const struct nlattr *a[OVS_KEY_ATTR_MAX + 1];
	u64 present;
};

#define HAS(p, type)	((p)->present & BIT_ULL(type))

/*
 * Add the attributes of @nest to @p; each type may appear once in all. A
 * mask's attributes that are all zero match nothing and are left out,
 * as OVS does.
 */
static int parse_attrs(const struct nlattr *nest, struct attrs *p,
		       bool is_mask, struct netlink_ext_ack *extack)
{
	const struct nlattr *nla;
	int rem, type;

	nla_for_each_nested(nla, nest, rem) {
		type = nla_type(nla);
		if (type > OVS_KEY_ATTR_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "key attribute type out of range");
			return -EINVAL;
		}
		if (HAS(p, type)) {
			NL_SET_ERR_MSG_ATTR(extack, nla, "duplicate key attribute");
			return -EINVAL;
		}
		if (!key_lens[type]) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "key attribute not supported by kvirt_dp");
			return -EINVAL;
		}
		if (key_lens[type] > 0 && nla_len(nla) != key_lens[type]) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "key attribute has an unexpected length");
			return -EINVAL;
		}
		if (is_mask && !memchr_inv(nla_data(nla), 0, nla_len(nla)))
			continue;
		p->present |= BIT_ULL(type);
		p->a[type] = nla;
	}
	if (rem) {
		NL_SET_ERR_MSG_MOD(extack, "trailing bytes after key attributes");
		return -EINVAL;
	}
	return 0;
}

/* Whether a key's attributes describe a tagged frame at this level. */
static bool key_tagged(const struct attrs *p)
{
	return HAS(p, OVS_KEY_ATTR_ETHERNET) &&
	       HAS(p, OVS_KEY_ATTR_ETHERTYPE) &&
	       eth_type_vlan(nla_get_be16(p->a[OVS_KEY_ATTR_ETHERTYPE]));
}

/*
 * One VLAN tag of a key: ETHERTYPE(tpid), VLAN(tci), ENCAP(the rest). A
 * tag cut short in the packet has a zero tci and an empty ENCAP.
 * Return: 1 for a tag, 0 for none, or -EINVAL.
 */
static int key_vlan_check(const struct attrs *p, bool inner,
			  struct netlink_ext_ack *extack)
{
	__be16 tci;

	if (!key_tagged(p))
		return 0;
	if (!HAS(p, OVS_KEY_ATTR_VLAN) || !HAS(p, OVS_KEY_ATTR_ENCAP)) {
		if (inner)
			NL_SET_ERR_MSG_MOD(extack,
					   "invalid C-VLAN frame: VLAN and encap required");
		else
			NL_SET_ERR_MSG_MOD(extack,
					   "invalid VLAN frame: VLAN and encap required");
		return -EINVAL;
	}
	tci = nla_get_be16(p->a[OVS_KEY_ATTR_VLAN]);
	if (!(tci & htons(VLAN_CFI_MASK)) && tci) {
		NL_SET_ERR_MSG_ATTR(extack, p->a[OVS_KEY_ATTR_VLAN],
				    "VLAN TCI without VLAN_CFI_MASK");
		return -EINVAL;
	}
	if (!tci && nla_len(p->a[OVS_KEY_ATTR_ENCAP])) {
		NL_SET_ERR_MSG_ATTR(extack, p->a[OVS_KEY_ATTR_ENCAP],
				    "truncated VLAN header has a non-empty encap");
		return -EINVAL;
	}
	return 1;
}

/*
 * One VLAN tag of a mask: only with an ENCAP, for a key tagged at this
 * level, and the tpid and VLAN_CFI_MASK matched exactly.
 */
static int mask_vlan_check(const struct attrs *p, bool key_tag,
			   struct netlink_ext_ack *extack)
{
	if (!HAS(p, OVS_KEY_ATTR_ENCAP))
		return 0;
	if (!key_tag) {
		NL_SET_ERR_MSG_ATTR(extack, p->a[OVS_KEY_ATTR_ENCAP],
				    "encap mask for a key without that VLAN tag");
		return -EINVAL;
	}
	if (!HAS(p, OVS_KEY_ATTR_ETHERTYPE) ||
	    nla_get_be16(p->a[OVS_KEY_ATTR_ETHERTYPE]) != htons(0xffff)) {
		NL_SET_ERR_MSG_MOD(extack, "VLAN tpid must be matched exactly");
		return -EINVAL;
	}
	if (!HAS(p, OVS_KEY_ATTR_VLAN) ||
	    !(nla_get_be16(p->a[OVS_KEY_ATTR_VLAN]) & htons(VLAN_CFI_MASK))) {
		NL_SET_ERR_MSG_MOD(extack,
				   "VLAN_CFI_MASK must be matched exactly");
		return -EINVAL;
	}
	return 1;
}

/* One tag level into @tag; its ENCAP's attributes are merged into @p. */
static int parse_vlan_level(struct attrs *p, struct kvirt_dp_vlan *tag,
			    const struct kvirt_dp_key *key, bool inner,
			    struct netlink_ext_ack *extack)
{
	const struct nlattr *encap;
	int err;

	if (key)
		err = mask_vlan_check(p, (inner ? key->cvlan.tci :
					  key->vlan.tci) & htons(VLAN_CFI_MASK),
				      extack);
	else
		err = key_vlan_check(p, inner, extack);
	if (err <= 0)
		return err;
	tag->tpid = HAS(p, OVS_KEY_ATTR_ETHERTYPE) ?
		    nla_get_be16(p->a[OVS_KEY_ATTR_ETHERTYPE]) : 0;
	tag->tci = HAS(p, OVS_KEY_ATTR_VLAN) ?
		   nla_get_be16(p->a[OVS_KEY_ATTR_VLAN]) : 0;
	encap = p->a[OVS_KEY_ATTR_ENCAP];
	p->present &= ~(BIT_ULL(OVS_KEY_ATTR_ETHERTYPE) |
			BIT_ULL(OVS_KEY_ATTR_VLAN) | BIT_ULL(OVS_KEY_ATTR_ENCAP));
	p->a[OVS_KEY_ATTR_ETHERTYPE] = NULL;
	p->a[OVS_KEY_ATTR_VLAN] = NULL;
	p->a[OVS_KEY_ATTR_ENCAP] = NULL;
	return parse_attrs(encap, p, key, extack);
}

/*
 * The outer tag, then the inner one if the key has an outer tag (OVS's
 * order and conditions). What is left of ETHERTYPE is the type after the
 * tags; any VLAN or ENCAP left over is refused.
 */
static int parse_vlan(struct attrs *p, struct kvirt_dp_key *out,
		      const struct kvirt_dp_key *key,
		      struct netlink_ext_ack *extack)
{
	int err;

	err = parse_vlan_level(p, &out->vlan, key, false, extack);
	if (!err && (key ?: out)->vlan.tci & htons(VLAN_CFI_MASK))
		err = parse_vlan_level(p, &out->cvlan, key, true, extack);
	if (err)
		return err;
	if (HAS(p, OVS_KEY_ATTR_VLAN) || HAS(p, OVS_KEY_ATTR_ENCAP)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "VLAN or encap attribute outside a VLAN tag");
		return -EINVAL;
	}
	return 0;
}

static void ports_from(const struct nlattr *a, struct kvirt_dp_key *out)
{
	const __be16 *ports = nla_data(a);

	out->tp_src = ports[0];
	out->tp_dst = ports[1];
}

static int l3_from(const struct attrs *p, struct kvirt_dp_key *out,
		   bool is_mask, struct netlink_ext_ack *extack)
{
	const struct ovs_key_ipv4 *ip4;
	const struct ovs_key_ipv6 *ip6;
	const struct ovs_key_arp *arp;
	const struct ovs_key_nd *nd;

	if (HAS(p, OVS_KEY_ATTR_IPV4)) {
		ip4 = nla_data(p->a[OVS_KEY_ATTR_IPV4]);
		if (!is_mask && ip4->ipv4_frag > OVS_FRAG_TYPE_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, p->a[OVS_KEY_ATTR_IPV4],
					    "invalid IPv4 fragment type");
			return -EINVAL;
		}
		out->ipv4.src = ip4->ipv4_src;
		out->ipv4.dst = ip4->ipv4_dst;
		out->ip_proto = ip4->ipv4_proto;
		out->ip_tos = ip4->ipv4_tos;
		out->ip_ttl = ip4->ipv4_ttl;
		out->ip_frag = ip4->ipv4_frag;
	}
	if (HAS(p, OVS_KEY_ATTR_IPV6)) {
		ip6 = nla_data(p->a[OVS_KEY_ATTR_IPV6]);
		if (!is_mask && ip6->ipv6_frag > OVS_FRAG_TYPE_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, p->a[OVS_KEY_ATTR_IPV6],
					    "invalid IPv6 fragment type");
			return -EINVAL;
		}
		if (!is_mask && ip6->ipv6_label & htonl(0xfff00000)) {
			NL_SET_ERR_MSG_ATTR(extack, p->a[OVS_KEY_ATTR_IPV6],
					    "IPv6 flow label out of range");
			return -EINVAL;
		}
		memcpy(&out->ipv6.src, ip6->ipv6_src, sizeof(out->ipv6.src));
		memcpy(&out->ipv6.dst, ip6->ipv6_dst, sizeof(out->ipv6.dst));
		out->ipv6.label = ip6->ipv6_label;
		out->ip_proto = ip6->ipv6_proto;
		out->ip_tos = ip6->ipv6_tclass;
		out->ip_ttl = ip6->ipv6_hlimit;
		out->ip_frag = ip6->ipv6_frag;
	}
	if (HAS(p, OVS_KEY_ATTR_IPV6_EXTHDRS))
		out->ipv6.exthdrs =
			((const struct ovs_key_ipv6_exthdrs *)
			 nla_data(p->a[OVS_KEY_ATTR_IPV6_EXTHDRS]))->hdrs;
	if (HAS(p, OVS_KEY_ATTR_ARP)) {
		arp = nla_data(p->a[OVS_KEY_ATTR_ARP]);
		if (!is_mask && ntohs(arp->arp_op) > 0xff) {
			NL_SET_ERR_MSG_ATTR(extack, p->a[OVS_KEY_ATTR_ARP],
					    "unknown ARP opcode");
			return -EINVAL;
		}
		out->ipv4.src = arp->arp_sip;
		out->ipv4.dst = arp->arp_tip;
		out->ip_proto = ntohs(arp->arp_op);
		ether_addr_copy(out->ipv4.arp_sha, arp->arp_sha);
		ether_addr_copy(out->ipv4.arp_tha, arp->arp_tha);
	}
	if (HAS(p, OVS_KEY_ATTR_ND)) {
		nd = nla_data(p->a[OVS_KEY_ATTR_ND]);
		memcpy(&out->ipv6.nd_target, nd->nd_target,
		       sizeof(out->ipv6.nd_target));
		ether_addr_copy(out->ipv6.nd_sll, nd->nd_sll);
		ether_addr_copy(out->ipv6.nd_tll, nd->nd_tll);
	}
	return 0;
}

static void l4_from(const struct attrs *p, struct kvirt_dp_key *out)
{
	const struct ovs_key_icmpv6 *icmp6;
	const struct ovs_key_icmp *icmp;

	if (HAS(p, OVS_KEY_ATTR_TCP))
		ports_from(p->a[OVS_KEY_ATTR_TCP], out);
	if (HAS(p, OVS_KEY_ATTR_TCP_FLAGS))
		out->tcp_flags = nla_get_be16(p->a[OVS_KEY_ATTR_TCP_FLAGS]);
	if (HAS(p, OVS_KEY_ATTR_UDP))
		ports_from(p->a[OVS_KEY_ATTR_UDP], out);
	if (HAS(p, OVS_KEY_ATTR_SCTP))
		ports_from(p->a[OVS_KEY_ATTR_SCTP], out);
	if (HAS(p, OVS_KEY_ATTR_ICMP)) {
		icmp = nla_data(p->a[OVS_KEY_ATTR_ICMP]);
		out->tp_src = htons(icmp->icmp_type);
		out->tp_dst = htons(icmp->icmp_code);
	}
	if (HAS(p, OVS_KEY_ATTR_ICMPV6)) {
		icmp6 = nla_data(p->a[OVS_KEY_ATTR_ICMPV6]);
		out->tp_src = htons(icmp6->icmpv6_type);
		out->tp_dst = htons(icmp6->icmpv6_code);
	}
}

/*
 * A key (@key NULL) or the mask of @key from its attributes, the tags'
 * ENCAP nests already merged into @p. Absent fields stay as @out has
 * them.
 */
static int from_attrs(struct attrs *p, struct kvirt_dp_key *out,
		      const struct kvirt_dp_key *key,
		      struct netlink_ext_ack *extack)
{
	const struct ovs_key_ethernet *eth;
	bool is_mask = key;
	u32 in_port;
	int err;

	if (HAS(p, OVS_KEY_ATTR_TUNNEL) &&
	    kvirt_dp_tun_from_nlattr(p->a[OVS_KEY_ATTR_TUNNEL], out, key,
				     extack) < 0)
		return -EINVAL;

	if (HAS(p, OVS_KEY_ATTR_RECIRC_ID))
		out->recirc_id = nla_get_u32(p->a[OVS_KEY_ATTR_RECIRC_ID]);
	if (HAS(p, OVS_KEY_ATTR_DP_HASH))
		out->dp_hash = nla_get_u32(p->a[OVS_KEY_ATTR_DP_HASH]);
	if (HAS(p, OVS_KEY_ATTR_PRIORITY))
		out->priority = nla_get_u32(p->a[OVS_KEY_ATTR_PRIORITY]);
	if (HAS(p, OVS_KEY_ATTR_SKB_MARK))
		out->mark = nla_get_u32(p->a[OVS_KEY_ATTR_SKB_MARK]);
	/* in_port is always matched exactly; none is the impossible one. */
	if (is_mask) {
		out->in_port = 0xffff;
	} else if (HAS(p, OVS_KEY_ATTR_IN_PORT)) {
		in_port = nla_get_u32(p->a[OVS_KEY_ATTR_IN_PORT]);
		if (in_port >= KVIRT_DP_MAX_PORTS) {
			NL_SET_ERR_MSG_ATTR(extack, p->a[OVS_KEY_ATTR_IN_PORT],
					    "in_port out of range");
			return -EINVAL;
		}
		out->in_port = in_port;
	} else {
		out->in_port = KVIRT_DP_MAX_PORTS;
	}

	if (HAS(p, OVS_KEY_ATTR_ETHERNET)) {
		eth = nla_data(p->a[OVS_KEY_ATTR_ETHERNET]);
		ether_addr_copy(out->eth_src, eth->eth_src);
		ether_addr_copy(out->eth_dst, eth->eth_dst);
	} else if (!is_mask) {
		NL_SET_ERR_MSG_MOD(extack,
				   "flows without an Ethernet header are not supported by kvirt_dp");
		return -EINVAL;
	}
	/* A mask always matches the ethertype exactly, if at all. */
	if (HAS(p, OVS_KEY_ATTR_ETHERTYPE) && is_mask) {
		out->eth_type = htons(0xffff);
	} else if (HAS(p, OVS_KEY_ATTR_ETHERTYPE)) {
		out->eth_type = nla_get_be16(p->a[OVS_KEY_ATTR_ETHERTYPE]);
		if (ntohs(out->eth_type) < ETH_P_802_3_MIN) {
			NL_SET_ERR_MSG_ATTR(extack, p->a[OVS_KEY_ATTR_ETHERTYPE],
					    "ethertype below 0x600");
			return -EINVAL;
		}
	} else if (!is_mask) {
		out->eth_type = htons(ETH_P_802_2);
	}
	err = l3_from(p, out, is_mask, extack);
	if (err)
		return err;
	l4_from(p, out);
	return 0;
}

#define L4_ATTRS (BIT_ULL(OVS_KEY_ATTR_TCP) | BIT_ULL(OVS_KEY_ATTR_TCP_FLAGS) | \
		  BIT_ULL(OVS_KEY_ATTR_UDP) | BIT_ULL(OVS_KEY_ATTR_SCTP) | \
		  BIT_ULL(OVS_KEY_ATTR_ICMP) | BIT_ULL(OVS_KEY_ATTR_ICMPV6) | \
		  BIT_ULL(OVS_KEY_ATTR_ND))

/* L4 attributes @key's IP protocol needs, and which its mask may have. */
static void l4_expected(const struct kvirt_dp_key *key,
			const struct kvirt_dp_key *mask, bool v6,
			u64 *expected, u64 *allowed)
{
	bool exact = mask && mask->ip_proto == 0xff;
	u64 want = 0;

	if (key->ip_frag == OVS_FRAG_TYPE_LATER)
		return;
	switch (key->ip_proto) {
	case IPPROTO_UDP:
		want = BIT_ULL(OVS_KEY_ATTR_UDP);
		break;
	case IPPROTO_SCTP:
		want = BIT_ULL(OVS_KEY_ATTR_SCTP);
		break;
	case IPPROTO_TCP:
		want = BIT_ULL(OVS_KEY_ATTR_TCP) |
		       BIT_ULL(OVS_KEY_ATTR_TCP_FLAGS);
		break;
	case IPPROTO_ICMP:
		if (!v6)
			want = BIT_ULL(OVS_KEY_ATTR_ICMP);
		break;
	case IPPROTO_ICMPV6:
		if (!v6)
			break;
		want = BIT_ULL(OVS_KEY_ATTR_ICMPV6);
		if (exact)
			*allowed |= want;
		if (key->tp_src == htons(NDISC_NEIGHBOUR_SOLICITATION) ||
		    key->tp_src == htons(NDISC_NEIGHBOUR_ADVERTISEMENT)) {
			*expected |= BIT_ULL(OVS_KEY_ATTR_ND);
			if (mask && mask->tp_src == htons(0xff))
				*allowed |= BIT_ULL(OVS_KEY_ATTR_ND);
		}
		break;
	}
	*expected |= want;
	if (exact)
		*allowed |= want;
}

/*
 * OVS's match_validate(): a key has the attributes its ethertype and IP
 * protocol call for, and a mask only fields whose prerequisites it
 * matches exactly.
 */
static int validate(const struct kvirt_dp_key *key,
		    const struct kvirt_dp_key *mask, u64 key_attrs,
		    u64 mask_attrs, struct netlink_ext_ack *extack)
{
	bool exact_type = mask && mask->eth_type == htons(0xffff);
	u64 allowed = key_attrs & ~(BIT_ULL(OVS_KEY_ATTR_IPV4) |
				    BIT_ULL(OVS_KEY_ATTR_IPV6) |
				    BIT_ULL(OVS_KEY_ATTR_ARP) | L4_ATTRS);
	u64 expected = 0;

	allowed |= BIT_ULL(OVS_KEY_ATTR_IN_PORT) |
		   BIT_ULL(OVS_KEY_ATTR_ETHERTYPE) | BIT_ULL(OVS_KEY_ATTR_TUNNEL);
	switch (ntohs(key->eth_type)) {
	case ETH_P_ARP:
	case ETH_P_RARP:
		expected |= BIT_ULL(OVS_KEY_ATTR_ARP);
		if (exact_type)
			allowed |= BIT_ULL(OVS_KEY_ATTR_ARP);
		break;
	case ETH_P_IP:
		expected |= BIT_ULL(OVS_KEY_ATTR_IPV4);
		if (exact_type)
			allowed |= BIT_ULL(OVS_KEY_ATTR_IPV4);
		l4_expected(key, mask, false, &expected, &allowed);
		break;
	case ETH_P_IPV6:
		expected |= BIT_ULL(OVS_KEY_ATTR_IPV6);
		if (exact_type)
			allowed |= BIT_ULL(OVS_KEY_ATTR_IPV6);
		l4_expected(key, mask, true, &expected, &allowed);
		break;
	}
	if ((key_attrs & expected) != expected) {
		NL_SET_ERR_MSG_MOD(extack,
				   "key lacks attributes its ethertype or IP protocol requires");
		return -EINVAL;
	}
	if ((mask_attrs & allowed) != mask_attrs) {
		NL_SET_ERR_MSG_MOD(extack,
				   "mask has fields whose prerequisites it does not match exactly");
		return -EINVAL;
	}
	return 0;
}

/* Which attribute table a nest of a key holds, for set_all_ones(). */
enum nest_kind { NEST_KEY, NEST_TUNNEL, NEST_VXLAN };

/*
 * An exact mask is the key's attributes with every byte set; nests
 * (ENCAP, TUNNEL and the tunnel's VXLAN_OPTS) are opened, not
 * overwritten. The key was parsed already, so every type is known.
 */
static void set_all_ones(struct nlattr *nest, enum nest_kind kind)
{
	struct nlattr *nla;
	int rem, type;

	nla_for_each_nested(nla, nest, rem) {
		type = nla_type(nla);
		if (kind == NEST_KEY && type == OVS_KEY_ATTR_ENCAP)
			set_all_ones(nla, NEST_KEY);
		else if (kind == NEST_KEY && type == OVS_KEY_ATTR_TUNNEL)
			set_all_ones(nla, NEST_TUNNEL);
		else if (kind == NEST_TUNNEL &&
			 type == OVS_TUNNEL_KEY_ATTR_VXLAN_OPTS)
			set_all_ones(nla, NEST_VXLAN);
		else
			memset(nla_data(nla), 0xff, nla_len(nla));
	}
}

/*
 * The attributes of a key or mask, the tags' ENCAP nests merged in, as
 * validate() wants them; then the fields from them.
 */
static int key_or_mask(const struct nlattr *nest, struct attrs *p,
		       struct kvirt_dp_key *out, const struct kvirt_dp_key *key,
		       u64 *attrs, struct netlink_ext_ack *extack)
{
	int err;

	memset(p, 0, sizeof(*p));
	err = parse_attrs(nest, p, key, extack) ?:
	      parse_vlan(p, out, key, extack);
	if (err)
		return err;
	*attrs = p->present;
	return from_attrs(p, out, key, extack);
}

/**
 * kvirt_dp_match_from_nlattrs() - a key and its mask from attributes
 * @nla_key: OVS_FLOW_ATTR_KEY
 * @nla_mask: OVS_FLOW_ATTR_MASK, or NULL for an exact match on the fields
 *	@nla_key has
 * @key: the key, filled
 * @mask: the mask, filled; NULL when only the key is wanted (GET, DEL)
 * @extack: why a key or mask was refused
 *
 * Return: 0, -EINVAL for a malformed or unsupported key or mask, or
 * -ENOMEM.
 */
int kvirt_dp_match_from_nlattrs(const struct nlattr *nla_key,
				const struct nlattr *nla_mask,
				struct kvirt_dp_key *key,
				struct kvirt_dp_key *mask,
				struct netlink_ext_ack *extack)
{
	struct nlattr *exact = NULL;
	u64 key_attrs, mask_attrs = 0;
	struct attrs *p;
	int err;

	p = kmalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	memset(key, 0, sizeof(*key));
	err = key_or_mask(nla_key, p, key, NULL, &key_attrs, extack);
	if (err)
		goto out;

	if (mask) {
		memset(mask, 0, sizeof(*mask));
		if (!nla_mask) {
			exact = kmemdup(nla_key, nla_total_size(nla_len(nla_key)),
					GFP_KERNEL);
			if (!exact) {
				err = -ENOMEM;
				goto out;
			}
			set_all_ones(exact, NEST_KEY);
			nla_mask = exact;
			/* Userspace leaves out zero tunnel fields: match them. */
			if (key->tun_proto)
				memset(&mask->tun, 0xff, sizeof(mask->tun));
		}
		mask->vlan.tci = htons(0xffff);
		mask->cvlan.tci = htons(0xffff);
		err = key_or_mask(nla_mask, p, mask, key, &mask_attrs, extack);
		if (err)
			goto out;
	}
	err = validate(key, mask, key_attrs, mask_attrs, extack);
out:
	kfree(exact);
	kfree(p);
	return err;
}
