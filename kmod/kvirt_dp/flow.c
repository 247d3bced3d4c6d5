// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: a packet becomes a flow key here, and a key becomes the nested
 * OVS_KEY_ATTR_* attributes ovs-vswitchd parses (linux/openvswitch.h), so
 * that userspace sees in an upcall exactly what the datapath matched on.
 * Headers are read with skb_header_pointer(), except the fixed IPv6
 * header, which ipv6_find_hdr() needs linear (pulled, as OVS does); the
 * packet's bytes are not changed, only its header offsets and protocol
 * are set for what follows.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/sctp.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/llc.h>
#include <net/dsfield.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "datapath.h"

/*
 * The IPv6 extension header pseudo-field of OpenFlow 1.3 (OXM
 * OFPXMT_OFB_IPV6_EXTHDR, section 7.2.3.8): which headers are present and
 * whether they repeat or break the order RFC 8200 section 4.1 recommends.
 */
enum {
	EXTHDR_NONEXT = 1 << 0,
	EXTHDR_ESP = 1 << 1,
	EXTHDR_AUTH = 1 << 2,
	EXTHDR_DEST = 1 << 3,
	EXTHDR_FRAG = 1 << 4,
	EXTHDR_ROUTER = 1 << 5,
	EXTHDR_HOP = 1 << 6,
	EXTHDR_UNREP = 1 << 7,
	EXTHDR_UNSEQ = 1 << 8,
};

/* An 802.2 LLC header with a SNAP extension (IEEE 802-2014 clause 10.3). */
struct llc_snap {
	u8 dsap;
	u8 ssap;
	u8 ctrl;
	u8 oui[3];
	__be16 type;
};

/* ARP for IPv4 over Ethernet (RFC 826). */
struct arp_ipv4 {
	struct arphdr hdr;
	u8 sha[ETH_ALEN];
	u8 sip[4];
	u8 tha[ETH_ALEN];
	u8 tip[4];
} __packed;

/* One in-band tag at *@off, if a whole tag and the type after it are there. */
static bool read_vlan(struct sk_buff *skb, unsigned int *off,
		      struct kvirt_dp_vlan *vlan)
{
	__be16 _h[3];
	const __be16 *h = skb_header_pointer(skb, *off, sizeof(_h), _h);

	if (!h || !eth_type_vlan(h[0]))
		return false;
	vlan->tpid = h[0];
	vlan->tci = h[1] | htons(VLAN_CFI_MASK);
	*off += VLAN_HLEN;
	return true;
}

/*
 * The type at *@off: an Ethernet II type, the type inside an LLC/SNAP
 * header with a zero OUI, or ETH_P_802_2 for any other 802.3 frame.
 */
static __be16 read_ethertype(struct sk_buff *skb, unsigned int *off)
{
	struct llc_snap _snap;
	const struct llc_snap *snap;
	__be16 _type;
	const __be16 *type = skb_header_pointer(skb, *off, sizeof(_type),
						&_type);

	if (!type)
		return htons(ETH_P_802_2);
	*off += sizeof(*type);
	if (eth_proto_is_802_3(*type))
		return *type;
	snap = skb_header_pointer(skb, *off, sizeof(_snap), &_snap);
	if (!snap || snap->dsap != LLC_SAP_SNAP || snap->ssap != LLC_SAP_SNAP ||
	    snap->oui[0] | snap->oui[1] | snap->oui[2] ||
	    !eth_proto_is_802_3(snap->type))
		return htons(ETH_P_802_2);
	*off += sizeof(*snap);
	return snap->type;
}

/* TCP, UDP, SCTP ports and TCP flags at @off; zero if truncated. */
static void read_ports(struct sk_buff *skb, unsigned int off,
		       struct kvirt_dp_key *key)
{
	union {
		struct tcphdr tcp;
		struct udphdr udp;
		struct sctphdr sctp;
	} _h;
	const struct tcphdr *tcp;
	const struct udphdr *udp;
	const struct sctphdr *sctp;

	switch (key->ip_proto) {
	case IPPROTO_TCP:
		tcp = skb_header_pointer(skb, off, sizeof(_h.tcp), &_h.tcp);
		if (!tcp || tcp->doff * 4 < sizeof(*tcp) ||
		    skb->len < off + tcp->doff * 4)
			return;
		key->tp_src = tcp->source;
		key->tp_dst = tcp->dest;
		/* Bytes 12-13: data offset, then the flags (RFC 9293 3.1). */
		key->tcp_flags = ((const __be16 *)tcp)[6] & htons(0x0fff);
		break;
	case IPPROTO_UDP:
		udp = skb_header_pointer(skb, off, sizeof(_h.udp), &_h.udp);
		if (!udp)
			return;
		key->tp_src = udp->source;
		key->tp_dst = udp->dest;
		break;
	case IPPROTO_SCTP:
		sctp = skb_header_pointer(skb, off, sizeof(_h.sctp), &_h.sctp);
		if (!sctp)
			return;
		key->tp_src = sctp->source;
		key->tp_dst = sctp->dest;
		break;
	}
}

/* ICMP type and code sit in the port fields, big-endian, as in OVS. */
static void read_icmp(struct sk_buff *skb, unsigned int off,
		      struct kvirt_dp_key *key)
{
	struct icmphdr _h;
	const struct icmphdr *h = skb_header_pointer(skb, off, sizeof(_h), &_h);

	if (!h)
		return;
	key->tp_src = htons(h->type);
	key->tp_dst = htons(h->code);
}

static int key_ipv4(struct sk_buff *skb, unsigned int off,
		    struct kvirt_dp_key *key)
{
	struct iphdr _iph;
	const struct iphdr *iph = skb_header_pointer(skb, off, sizeof(_iph),
						     &_iph);
	unsigned int hlen;

	/* Too short for a header: an IPv4 key with nothing known, as OVS. */
	if (!iph)
		return 0;
	/* A bad header length: an IPv4 key with nothing known. */
	hlen = iph->ihl * 4;
	if (hlen < sizeof(*iph) || skb->len < off + hlen)
		return 0;
	key->ipv4.src = iph->saddr;
	key->ipv4.dst = iph->daddr;
	key->ip_proto = iph->protocol;
	key->ip_tos = iph->tos;
	key->ip_ttl = iph->ttl;
	skb_set_transport_header(skb, off + hlen);
	if (iph->frag_off & htons(IP_OFFSET)) {
		key->ip_frag = OVS_FRAG_TYPE_LATER;
		return 0;
	}
	if (iph->frag_off & htons(IP_MF) ||
	    skb_shinfo(skb)->gso_type & SKB_GSO_UDP)
		key->ip_frag = OVS_FRAG_TYPE_FIRST;
	if (key->ip_proto == IPPROTO_ICMP)
		read_icmp(skb, off + hlen, key);
	else
		read_ports(skb, off + hlen, key);
	return 0;
}

static int key_arp(struct sk_buff *skb, unsigned int off,
		   struct kvirt_dp_key *key)
{
	struct arp_ipv4 _arp;
	const struct arp_ipv4 *arp;

	arp = skb_header_pointer(skb, off, sizeof(_arp), &_arp);
	if (!arp || arp->hdr.ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->hdr.ar_pro != htons(ETH_P_IP) ||
	    arp->hdr.ar_hln != ETH_ALEN || arp->hdr.ar_pln != 4)
		return 0;
	/* Only opcodes that fit in 8 bits are matched on. */
	if (ntohs(arp->hdr.ar_op) <= 0xff)
		key->ip_proto = ntohs(arp->hdr.ar_op);
	memcpy(&key->ipv4.src, arp->sip, sizeof(key->ipv4.src));
	memcpy(&key->ipv4.dst, arp->tip, sizeof(key->ipv4.dst));
	ether_addr_copy(key->ipv4.arp_sha, arp->sha);
	ether_addr_copy(key->ipv4.arp_tha, arp->tha);
	return 0;
}

/* Order rank of an extension header in RFC 8200's recommendation. */
static int exthdr_rank(u8 type, int n_dest)
{
	switch (type) {
	case IPPROTO_HOPOPTS:
		return 0;
	case IPPROTO_DSTOPTS:
		return n_dest ? 6 : 1;
	case IPPROTO_ROUTING:
		return 2;
	case IPPROTO_FRAGMENT:
		return 3;
	case IPPROTO_AH:
		return 4;
	default:		/* IPPROTO_ESP */
		return 5;
	}
}

static u16 exthdr_bit(u8 type)
{
	switch (type) {
	case IPPROTO_HOPOPTS:
		return EXTHDR_HOP;
	case IPPROTO_DSTOPTS:
		return EXTHDR_DEST;
	case IPPROTO_ROUTING:
		return EXTHDR_ROUTER;
	case IPPROTO_FRAGMENT:
		return EXTHDR_FRAG;
	case IPPROTO_AH:
		return EXTHDR_AUTH;
	default:		/* IPPROTO_ESP */
		return EXTHDR_ESP;
	}
}

/*
 * Walk the extension headers after the fixed IPv6 header at @off. A
 * repeat is UNREP (a third destination options header; two are normal);
 * a header ranked before one already seen, or a repeat, is UNSEQ. ESP
 * ends the walk: what follows it is encrypted.
 */
static u16 ipv6_exthdrs(struct sk_buff *skb, unsigned int off, u8 next)
{
	int n_dest = 0, last = -1, rank;
	u16 bits = 0, bit;

	off += sizeof(struct ipv6hdr);
	for (;;) {
		struct ipv6_opt_hdr _h;
		const struct ipv6_opt_hdr *h;

		if (next == IPPROTO_NONE)
			return bits | EXTHDR_NONEXT;
		if (!ipv6_ext_hdr(next))
			return bits;
		bit = exthdr_bit(next);
		rank = exthdr_rank(next, n_dest);
		if (bits & bit && (next != IPPROTO_DSTOPTS || n_dest >= 2))
			bits |= EXTHDR_UNREP;
		if (rank < last || (rank == last && next != IPPROTO_DSTOPTS))
			bits |= EXTHDR_UNSEQ;
		last = max(last, rank);
		bits |= bit;
		n_dest += next == IPPROTO_DSTOPTS;
		if (next == IPPROTO_ESP)
			return bits;
		h = skb_header_pointer(skb, off, sizeof(_h), &_h);
		if (!h)
			return bits;
		off += next == IPPROTO_AH ? ipv6_authlen(h) : ipv6_optlen(h);
		next = h->nexthdr;
	}
}

/*
 * Neighbour solicitation and advertisement: the target and the source or
 * target link-layer address options (RFC 4861 section 4.6.1). A repeated
 * option makes the whole ND part invalid, as in OVS: all zero.
 */
static void read_nd(struct sk_buff *skb, unsigned int off,
		    struct kvirt_dp_key *key)
{
	struct nd_msg _nd;
	const struct nd_msg *nd = skb_header_pointer(skb, off, sizeof(_nd),
						     &_nd);
	unsigned int end = skb->len;
	u8 _opt[8];
	const u8 *opt;
	u8 *ll;

	if (!nd)
		return;
	key->ipv6.nd_target = nd->target;
	for (off += sizeof(*nd); off + 8 <= end; off += opt[1] * 8) {
		opt = skb_header_pointer(skb, off, sizeof(_opt), _opt);
		if (!opt || !opt[1] || off + opt[1] * 8 > end)
			return;
		if (opt[1] != 1)
			continue;
		if (opt[0] == ND_OPT_SOURCE_LL_ADDR)
			ll = key->ipv6.nd_sll;
		else if (opt[0] == ND_OPT_TARGET_LL_ADDR)
			ll = key->ipv6.nd_tll;
		else
			continue;
		if (!is_zero_ether_addr(ll))
			goto invalid;
		ether_addr_copy(ll, opt + 2);
	}
	return;
invalid:
	memset(&key->ipv6.nd_target, 0, sizeof(key->ipv6.nd_target));
	eth_zero_addr(key->ipv6.nd_sll);
	eth_zero_addr(key->ipv6.nd_tll);
}

static void read_icmpv6(struct sk_buff *skb, unsigned int off,
			struct kvirt_dp_key *key)
{
	struct icmp6hdr _h;
	const struct icmp6hdr *h = skb_header_pointer(skb, off, sizeof(_h),
						      &_h);

	if (!h)
		return;
	key->tp_src = htons(h->icmp6_type);
	key->tp_dst = htons(h->icmp6_code);
	if (!h->icmp6_code && (h->icmp6_type == NDISC_NEIGHBOUR_SOLICITATION ||
			       h->icmp6_type == NDISC_NEIGHBOUR_ADVERTISEMENT))
		read_nd(skb, off, key);
}

static int key_ipv6(struct sk_buff *skb, unsigned int off,
		    struct kvirt_dp_key *key)
{
	const struct ipv6hdr *ip6;
	unsigned int l4 = 0;
	unsigned short frag_off = 0;
	int flags = 0, next;

	/*
	 * Too short for a header: an IPv6 key with nothing known, as OVS.
	 * ipv6_find_hdr() reads the fixed header in place: it must be linear.
	 */
	if (!pskb_may_pull(skb, off + sizeof(*ip6)))
		return 0;
	ip6 = (const struct ipv6hdr *)(skb->data + off);
	key->ipv6.exthdrs = ipv6_exthdrs(skb, off, ip6->nexthdr);
	key->ip_proto = NEXTHDR_NONE;
	key->ip_tos = ipv6_get_dsfield(ip6);
	key->ip_ttl = ip6->hop_limit;
	key->ipv6.label = *(const __be32 *)ip6 & htonl(IPV6_FLOWINFO_FLOWLABEL);
	key->ipv6.src = ip6->saddr;
	key->ipv6.dst = ip6->daddr;

	next = ipv6_find_hdr(skb, &l4, -1, &frag_off, &flags);
	if (flags & IP6_FH_F_FRAG) {
		if (frag_off) {
			key->ip_frag = OVS_FRAG_TYPE_LATER;
			key->ip_proto = NEXTHDR_FRAGMENT;
			return 0;
		}
		key->ip_frag = OVS_FRAG_TYPE_FIRST;
	}
	/* Unparsable extension headers: addresses known, protocol none. */
	if (next < 0)
		return 0;
	if (skb_shinfo(skb)->gso_type & SKB_GSO_UDP)
		key->ip_frag = OVS_FRAG_TYPE_FIRST;
	key->ip_proto = next;
	skb_set_transport_header(skb, l4);
	if (next == NEXTHDR_ICMP)
		read_icmpv6(skb, l4, key);
	else
		read_ports(skb, l4, key);
	return 0;
}

/**
 * kvirt_dp_key_extract() - build the flow key of a packet
 * @vport: where it came in; NULL for a packet from userspace, whose
 *	caller sets the key's in_port
 * @skb: the frame, skb->data at the Ethernet header
 * @key: the key, written whole
 *
 * Sets the skb's MAC, network and (for IP) transport header offsets and
 * skb->protocol to the type after the VLAN tags, as the actions and GSO
 * segmentation expect. Return: 0, or -EINVAL for a frame too short for
 * its Ethernet header, which the datapath drops (OVS does too).
 */
int kvirt_dp_key_extract(const struct kvirt_dp_vport *vport,
			 struct sk_buff *skb, struct kvirt_dp_key *key)
{
	struct ethhdr _eth;
	const struct ethhdr *eth;
	unsigned int off = 2 * ETH_ALEN;

	memset(key, 0, sizeof(*key));
	if (vport)
		key->in_port = vport->port_no;
	/* Only a device's own packets come out of a tunnel, as in OVS. */
	if (vport && vport->ops == &kvirt_dp_netdev_ops)
		kvirt_dp_tun_key_extract(skb, key);
	key->priority = skb->priority;
	key->mark = skb->mark;

	eth = skb_header_pointer(skb, 0, sizeof(_eth), &_eth);
	if (!eth)
		return -EINVAL;
	ether_addr_copy(key->eth_src, eth->h_source);
	ether_addr_copy(key->eth_dst, eth->h_dest);

	/* An accelerated tag is the outer one; two tags are parsed. */
	if (skb_vlan_tag_present(skb)) {
		key->vlan.tpid = skb->vlan_proto;
		key->vlan.tci = htons(skb_vlan_tag_get(skb) | VLAN_CFI_MASK);
		read_vlan(skb, &off, &key->cvlan);
	} else if (read_vlan(skb, &off, &key->vlan)) {
		read_vlan(skb, &off, &key->cvlan);
	}
	key->eth_type = read_ethertype(skb, &off);

	skb_reset_mac_header(skb);
	skb_set_network_header(skb, off);
	skb_reset_mac_len(skb);
	skb->protocol = key->eth_type;

	switch (ntohs(key->eth_type)) {
	case ETH_P_IP:
		return key_ipv4(skb, off, key);
	case ETH_P_IPV6:
		return key_ipv6(skb, off, key);
	case ETH_P_ARP:
	case ETH_P_RARP:
		return key_arp(skb, off, key);
	}
	return 0;
}

/* The largest key kvirt_dp_key_to_nlattrs() writes, nest included. */
size_t kvirt_dp_key_attr_size(void)
{
	return nla_total_size(0)			/* the nest */
		+ 5 * nla_total_size(4)	/* recirc, hash, prio, port, mark */
		+ kvirt_dp_tun_attr_size()
		+ nla_total_size(sizeof(struct ovs_key_ethernet))
		+ 2 * (2 * nla_total_size(2) + nla_total_size(0)) /* tags */
		+ nla_total_size(2)			/* ETHERTYPE */
		+ nla_total_size(sizeof(struct ovs_key_ipv6))
		+ nla_total_size(sizeof(struct ovs_key_ipv6_exthdrs))
		+ nla_total_size(sizeof(struct ovs_key_icmpv6))
		+ nla_total_size(sizeof(struct ovs_key_nd));
}

static int put_l3(const struct kvirt_dp_key *key,
		  const struct kvirt_dp_key *out, struct sk_buff *skb)
{
	struct ovs_key_ipv4 *ip4;
	struct ovs_key_ipv6 *ip6;
	struct ovs_key_arp *arp;
	struct nlattr *a;

	switch (ntohs(key->eth_type)) {
	case ETH_P_IP:
		a = nla_reserve(skb, OVS_KEY_ATTR_IPV4, sizeof(*ip4));
		if (!a)
			return -EMSGSIZE;
		ip4 = nla_data(a);
		ip4->ipv4_src = out->ipv4.src;
		ip4->ipv4_dst = out->ipv4.dst;
		ip4->ipv4_proto = out->ip_proto;
		ip4->ipv4_tos = out->ip_tos;
		ip4->ipv4_ttl = out->ip_ttl;
		ip4->ipv4_frag = out->ip_frag;
		return 0;
	case ETH_P_IPV6:
		a = nla_reserve(skb, OVS_KEY_ATTR_IPV6, sizeof(*ip6));
		if (!a)
			return -EMSGSIZE;
		ip6 = nla_data(a);
		memcpy(ip6->ipv6_src, &out->ipv6.src, sizeof(ip6->ipv6_src));
		memcpy(ip6->ipv6_dst, &out->ipv6.dst, sizeof(ip6->ipv6_dst));
		ip6->ipv6_label = out->ipv6.label;
		ip6->ipv6_proto = out->ip_proto;
		ip6->ipv6_tclass = out->ip_tos;
		ip6->ipv6_hlimit = out->ip_ttl;
		ip6->ipv6_frag = out->ip_frag;
		return nla_put(skb, OVS_KEY_ATTR_IPV6_EXTHDRS,
			       sizeof(key->ipv6.exthdrs), &out->ipv6.exthdrs);
	case ETH_P_ARP:
	case ETH_P_RARP:
		a = nla_reserve(skb, OVS_KEY_ATTR_ARP, sizeof(*arp));
		if (!a)
			return -EMSGSIZE;
		arp = nla_data(a);
		memset(arp, 0, sizeof(*arp));
		arp->arp_sip = out->ipv4.src;
		arp->arp_tip = out->ipv4.dst;
		arp->arp_op = htons(out->ip_proto);
		ether_addr_copy(arp->arp_sha, out->ipv4.arp_sha);
		ether_addr_copy(arp->arp_tha, out->ipv4.arp_tha);
		return 0;
	}
	return 0;
}

/* Two big-endian 16-bit fields, the layout of every OVS port key. */
static int put_ports(struct sk_buff *skb, int type, __be16 src, __be16 dst)
{
	__be16 ports[2] = { src, dst };

	return nla_put(skb, type, sizeof(ports), ports);
}

static int put_l4(const struct kvirt_dp_key *key,
		  const struct kvirt_dp_key *out, struct sk_buff *skb)
{
	bool v4 = key->eth_type == htons(ETH_P_IP);
	struct ovs_key_icmpv6 icmp6;
	struct ovs_key_icmp icmp;
	struct ovs_key_nd nd;

	if ((!v4 && key->eth_type != htons(ETH_P_IPV6)) ||
	    key->ip_frag == OVS_FRAG_TYPE_LATER)
		return 0;
	switch (key->ip_proto) {
	case IPPROTO_TCP:
		return put_ports(skb, OVS_KEY_ATTR_TCP, out->tp_src,
				 out->tp_dst) ?:
			nla_put_be16(skb, OVS_KEY_ATTR_TCP_FLAGS,
				     out->tcp_flags);
	case IPPROTO_UDP:
		return put_ports(skb, OVS_KEY_ATTR_UDP, out->tp_src,
				 out->tp_dst);
	case IPPROTO_SCTP:
		return put_ports(skb, OVS_KEY_ATTR_SCTP, out->tp_src,
				 out->tp_dst);
	case IPPROTO_ICMP:
		if (!v4)
			return 0;
		icmp.icmp_type = ntohs(out->tp_src);
		icmp.icmp_code = ntohs(out->tp_dst);
		return nla_put(skb, OVS_KEY_ATTR_ICMP, sizeof(icmp), &icmp);
	case IPPROTO_ICMPV6:
		if (v4)
			return 0;
		icmp6.icmpv6_type = ntohs(out->tp_src);
		icmp6.icmpv6_code = ntohs(out->tp_dst);
		if (nla_put(skb, OVS_KEY_ATTR_ICMPV6, sizeof(icmp6), &icmp6))
			return -EMSGSIZE;
		if (key->tp_src != htons(NDISC_NEIGHBOUR_SOLICITATION) &&
		    key->tp_src != htons(NDISC_NEIGHBOUR_ADVERTISEMENT))
			return 0;
		memcpy(nd.nd_target, &out->ipv6.nd_target,
		       sizeof(nd.nd_target));
		ether_addr_copy(nd.nd_sll, out->ipv6.nd_sll);
		ether_addr_copy(nd.nd_tll, out->ipv6.nd_tll);
		return nla_put(skb, OVS_KEY_ATTR_ND, sizeof(nd), &nd);
	}
	return 0;
}

/*
 * An ETHERTYPE/VLAN pair, then the ENCAP nest the rest goes into. A
 * mask's tag protocol is always matched exactly.
 */
static struct nlattr *put_vlan(struct sk_buff *skb,
			       const struct kvirt_dp_vlan *vlan, bool is_mask)
{
	if (nla_put_be16(skb, OVS_KEY_ATTR_ETHERTYPE,
			 is_mask ? htons(0xffff) : vlan->tpid) ||
	    nla_put_be16(skb, OVS_KEY_ATTR_VLAN, vlan->tci))
		return NULL;
	return nla_nest_start_noflag(skb, OVS_KEY_ATTR_ENCAP);
}

static int put_l2_and_up(const struct kvirt_dp_key *key,
			 const struct kvirt_dp_key *out, struct sk_buff *skb,
			 struct nlattr **encap)
{
	bool tagged_type = eth_type_vlan(key->eth_type);
	bool is_mask = key != out;
	struct ovs_key_ethernet *eth;
	struct nlattr *a;

	a = nla_reserve(skb, OVS_KEY_ATTR_ETHERNET, sizeof(*eth));
	if (!a)
		return -EMSGSIZE;
	eth = nla_data(a);
	ether_addr_copy(eth->eth_src, out->eth_src);
	ether_addr_copy(eth->eth_dst, out->eth_dst);

	/*
	 * Tags nest: ETHERTYPE(tpid), VLAN(tci), ENCAP(the rest). A tag that
	 * was cut short leaves an empty ENCAP; a third tag ends the key.
	 */
	if (key->vlan.tci || tagged_type) {
		encap[0] = put_vlan(skb, &out->vlan, is_mask);
		if (!encap[0])
			return -EMSGSIZE;
		if (!key->vlan.tci)
			return 0;
		if (key->cvlan.tci || tagged_type) {
			encap[1] = put_vlan(skb, &out->cvlan, is_mask);
			if (!encap[1])
				return -EMSGSIZE;
			if (!key->cvlan.tci)
				return 0;
		}
	}
	/*
	 * LLC frames are keyed by the absence of ETHERTYPE; their mask has
	 * it if it matches the type.
	 */
	if (key->eth_type == htons(ETH_P_802_2)) {
		if (is_mask && out->eth_type &&
		    nla_put_be16(skb, OVS_KEY_ATTR_ETHERTYPE, out->eth_type))
			return -EMSGSIZE;
		return 0;
	}
	if (nla_put_be16(skb, OVS_KEY_ATTR_ETHERTYPE, out->eth_type))
		return -EMSGSIZE;
	if (tagged_type)
		return 0;
	return put_l3(key, out, skb) ?: put_l4(key, out, skb);
}

/* The attributes of @key's fields, with the values of @out. */
static int put_key(const struct kvirt_dp_key *key,
		   const struct kvirt_dp_key *out, struct sk_buff *skb,
		   int attrtype)
{
	struct nlattr *encap[2] = {}, *nest;
	bool is_mask = key != out;
	int err = 0;

	nest = nla_nest_start_noflag(skb, attrtype);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, OVS_KEY_ATTR_RECIRC_ID, out->recirc_id) ||
	    nla_put_u32(skb, OVS_KEY_ATTR_DP_HASH, out->dp_hash) ||
	    nla_put_u32(skb, OVS_KEY_ATTR_PRIORITY, out->priority))
		return -EMSGSIZE;
	/* A mask always has the tunnel, even for a flow without one. */
	if ((key->tun_proto || is_mask) &&
	    kvirt_dp_tun_to_nlattrs(key, out, skb))
		return -EMSGSIZE;
	/*
	 * A key without in_port has none; its mask says all ones. A mask's
	 * in_port has the upper half of the u32 set too.
	 */
	if (key->in_port != KVIRT_DP_MAX_PORTS)
		err = nla_put_u32(skb, OVS_KEY_ATTR_IN_PORT,
				  (is_mask ? 0xffff0000 : 0) | out->in_port);
	else if (is_mask && out->in_port == 0xffff)
		err = nla_put_u32(skb, OVS_KEY_ATTR_IN_PORT, U32_MAX);
	if (err)
		return -EMSGSIZE;
	if (nla_put_u32(skb, OVS_KEY_ATTR_SKB_MARK, out->mark))
		return -EMSGSIZE;
	err = put_l2_and_up(key, out, skb, encap);
	if (err)
		return err;
	if (encap[1])
		nla_nest_end(skb, encap[1]);
	if (encap[0])
		nla_nest_end(skb, encap[0]);
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * kvirt_dp_key_to_nlattrs() - a key as a nest of OVS_KEY_ATTR_*
 * @key: the key
 * @skb: the message being built
 * @attrtype: the nest's type, e.g. OVS_PACKET_ATTR_KEY
 *
 * The attributes and their order are those of OVS's upcalls (minus
 * conntrack fields, which kvirt_dp does not have yet).
 * Return: 0 or -EMSGSIZE.
 */
int kvirt_dp_key_to_nlattrs(const struct kvirt_dp_key *key,
			    struct sk_buff *skb, int attrtype)
{
	return put_key(key, key, skb, attrtype);
}

/**
 * kvirt_dp_mask_to_nlattrs() - a flow's mask as a nest of OVS_KEY_ATTR_*
 * @key: the flow's key, which says which attributes there are
 * @mask: the mask, which gives their values
 * @skb: the message being built
 * @attrtype: the nest's type, OVS_FLOW_ATTR_MASK
 *
 * Return: 0 or -EMSGSIZE.
 */
int kvirt_dp_mask_to_nlattrs(const struct kvirt_dp_key *key,
			     const struct kvirt_dp_key *mask,
			     struct sk_buff *skb, int attrtype)
{
	return put_key(key, mask, skb, attrtype);
}
