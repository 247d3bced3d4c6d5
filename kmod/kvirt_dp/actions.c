// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: a packet that matched a flow gets the flow's actions, in order, on
 * the packet path (RCU, softirq or bottom halves off), as openvswitch.ko
 * runs them: outputs, userspace upcalls, header rewrites with their
 * checksums, VLAN tags, trunc, hash, and the actions that run other
 * actions (sample, clone, check_pkt_len) or send the packet through the
 * flow table again (recirc). The actions are those action_netlink.c
 * checked, in userspace's format, so nothing is checked again here.
 *
 * The key travels with the packet: rewrites update it, so that upcalls
 * and recirculation see the packet as it is; a VLAN change it cannot
 * follow leaves it stale until a recirc extracts it again. Nested runs
 * that may change the key get their own copy, on the stack for a few
 * levels, then (like OVS's deferred actions) queued per CPU and run
 * after the outermost actions; the nesting is bounded per CPU, so a loop
 * of recirculations or ports drops packets instead of the stack.
 */
#include <linux/crc32.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/sctp.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/dsfield.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "datapath.h"

/* OVS's bounds: nested executions per CPU, levels with a key on the
 * stack, and runs waiting in the deferred queue.
 */
#define RECURSION_LIMIT		5
#define KEY_COPY_LEVELS		(RECURSION_LIMIT - 2)
#define MAX_DEFERRED		9

/* A run of actions (or, with no actions, a recirculation) for later. */
struct deferred {
	struct deferred *next;
	struct kvirt_dp *dp;
	struct sk_buff *skb;
	const struct nlattr *actions;
	int len;
	u32 cutlen;
	bool stale;
	struct kvirt_dp_key key;
};

/* The per-CPU state of the actions running on it. */
struct exec_ctx {
	int level;
	int n_deferred;
	struct deferred *head;
	struct deferred *tail;
};

static DEFINE_PER_CPU(struct exec_ctx, exec_ctx);

/* The key of a packet being acted on, and whether it still describes it. */
struct flow_key {
	struct kvirt_dp_key *key;
	bool stale;
};

static void run_actions(struct kvirt_dp *dp, struct sk_buff *skb,
			struct flow_key *fk, const struct nlattr *attr,
			int len, u32 cutlen);

/* Send @skb (owned) out of port @port_no of @dp, if it still exists. */
static void do_output(struct kvirt_dp *dp, struct sk_buff *skb, u32 port_no,
		      u32 cutlen)
{
	struct kvirt_dp_vport *vport = kvirt_dp_vport_lookup(dp, port_no);

	if (unlikely(!vport || READ_ONCE(vport->detached))) {
		kfree_skb(skb);
		return;
	}
	if (unlikely(cutlen < skb->len))
		pskb_trim(skb, max_t(u32, cutlen, ETH_HLEN));
	vport->ops->send(vport, skb);
}

/* A copy of @skb to userspace; @attr was validated at install. */
static void do_userspace(struct kvirt_dp *dp, struct sk_buff *skb,
			 const struct kvirt_dp_key *key,
			 const struct nlattr *attr,
			 const struct nlattr *actions, int len, u32 cutlen)
{
	struct kvirt_dp_upcall upcall = { .cmd = OVS_PACKET_CMD_ACTION };
	const struct nlattr *a;
	int rem;

	if (cutlen < U32_MAX)
		upcall.trunc = cutlen;
	nla_for_each_nested(a, attr, rem) {
		switch (nla_type(a)) {
		case OVS_USERSPACE_ATTR_PID:
			if (READ_ONCE(dp->user_features) &
			    OVS_DP_F_DISPATCH_UPCALL_PER_CPU)
				upcall.portid = kvirt_dp_cpu_upcall_pid(dp);
			else
				upcall.portid = nla_get_u32(a);
			break;
		case OVS_USERSPACE_ATTR_USERDATA:
			upcall.userdata = a;
			break;
		case OVS_USERSPACE_ATTR_ACTIONS:
			upcall.actions = actions;
			upcall.actions_len = len;
			break;
		}
		/*
		 * OVS_USERSPACE_ATTR_EGRESS_TUN_PORT names the tunnel port
		 * whose encapsulation the upcall should describe; no vport
		 * type here fills tunnel metadata, so, as in OVS for such
		 * ports, the upcall goes without it.
		 */
	}
	kvirt_dp_upcall(dp, skb, key, &upcall);
}

/* OVS_ACTION_ATTR_HASH: dp_hash from the packet's L4 hash and a basis. */
static void do_hash(struct sk_buff *skb, struct kvirt_dp_key *key,
		    const struct nlattr *a)
{
	const struct ovs_action_hash *act = nla_data(a);
	u32 hash = jhash_1word(skb_get_hash(skb), act->hash_basis);

	/* Zero means "no hash" to the flow table: never produce it. */
	key->dp_hash = hash ?: 1;
}

static int push_vlan(struct sk_buff *skb, struct flow_key *fk,
		     const struct ovs_action_push_vlan *vlan)
{
	/* A tag already there moves inward; the key cannot follow it. */
	if (skb_vlan_tag_present(skb) || fk->key->vlan.tci) {
		fk->stale = true;
	} else {
		fk->key->vlan.tpid = vlan->vlan_tpid;
		fk->key->vlan.tci = vlan->vlan_tci;
	}
	return skb_vlan_push(skb, vlan->vlan_tpid,
			     ntohs(vlan->vlan_tci) & ~VLAN_CFI_MASK);
}

/*
 * Take the outer tag off (the accelerated one, else the first in band)
 * and make the next in-band tag, if any, the accelerated one.
 * skb_vlan_pop() reads the in-band tag's presence from skb->protocol,
 * which therefore names it here.
 */
static int pop_vlan(struct sk_buff *skb, struct flow_key *fk)
{
	__be16 _type;
	const __be16 *type;
	int err;

	type = skb_header_pointer(skb, 2 * ETH_ALEN, sizeof(_type), &_type);
	if (type && eth_type_vlan(*type))
		skb->protocol = *type;
	err = skb_vlan_pop(skb);
	if (skb_vlan_tag_present(skb)) {
		fk->stale = true;
	} else {
		fk->key->vlan.tpid = 0;
		fk->key->vlan.tci = 0;
	}
	return err;
}

/* The bits of @new under @mask, the rest from @old. */
#define MASKED(old, new, mask)	((new) | ((old) & ~(mask)))

static int set_ethernet(struct sk_buff *skb, struct kvirt_dp_key *key,
			const struct ovs_key_ethernet *val,
			const struct ovs_key_ethernet *mask)
{
	struct ethhdr *eth;
	int err, i;

	err = skb_ensure_writable(skb, ETH_HLEN);
	if (unlikely(err))
		return err;
	eth = eth_hdr(skb);
	skb_postpull_rcsum(skb, eth, 2 * ETH_ALEN);
	for (i = 0; i < ETH_ALEN; i++) {
		eth->h_source[i] = MASKED(eth->h_source[i], val->eth_src[i],
					  mask->eth_src[i]);
		eth->h_dest[i] = MASKED(eth->h_dest[i], val->eth_dst[i],
					mask->eth_dst[i]);
	}
	skb_postpush_rcsum(skb, eth, 2 * ETH_ALEN);
	ether_addr_copy(key->eth_src, eth->h_source);
	ether_addr_copy(key->eth_dst, eth->h_dest);
	return 0;
}

/*
 * Make the L4 header whose checksum covers the IP addresses writable too,
 * when the packet has one: @proto's header at the transport offset.
 */
static int l4_writable(struct sk_buff *skb, u8 proto)
{
	unsigned int hlen;

	switch (proto) {
	case IPPROTO_TCP:
		hlen = sizeof(struct tcphdr);
		break;
	case IPPROTO_UDP:
		hlen = sizeof(struct udphdr);
		break;
	case IPPROTO_ICMPV6:
		hlen = sizeof(struct icmp6hdr);
		break;
	default:
		return 0;
	}
	if (!skb_transport_header_was_set(skb) ||
	    skb->len < skb_transport_offset(skb) + hlen)
		return 0;
	return skb_ensure_writable(skb, skb_transport_offset(skb) + hlen);
}

/* A pseudo-header address of @proto changes: fix the L4 checksum. */
static void l4_csum_replace(struct sk_buff *skb, u8 proto,
			    const __be32 *from, const __be32 *to, int words)
{
	unsigned int off = skb_transport_offset(skb);
	struct udphdr *uh;
	__sum16 *check;

	switch (proto) {
	case IPPROTO_TCP:
		if (skb->len < off + sizeof(struct tcphdr))
			return;
		check = &tcp_hdr(skb)->check;
		break;
	case IPPROTO_UDP:
		if (skb->len < off + sizeof(struct udphdr))
			return;
		uh = udp_hdr(skb);
		/* Zero is "no checksum" in UDP over IPv4. */
		if (!uh->check && skb->ip_summed != CHECKSUM_PARTIAL)
			return;
		check = &uh->check;
		break;
	case IPPROTO_ICMPV6:
		if (words != 4 || skb->len < off + sizeof(struct icmp6hdr))
			return;
		check = &icmp6_hdr(skb)->icmp6_cksum;
		break;
	default:
		return;
	}
	if (words == 1)
		inet_proto_csum_replace4(check, skb, *from, *to, true);
	else
		inet_proto_csum_replace16(check, skb, from, to, true);
	if (proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
}

static void set_ipv4_addr(struct sk_buff *skb, struct iphdr *nh,
			  __be32 *addr, __be32 to)
{
	if (!(nh->frag_off & htons(IP_OFFSET)) &&
	    skb_transport_header_was_set(skb))
		l4_csum_replace(skb, nh->protocol, addr, &to, 1);
	csum_replace4(&nh->check, *addr, to);
	skb_clear_hash(skb);
	*addr = to;
}

static int set_ipv4(struct sk_buff *skb, struct kvirt_dp_key *key,
		    const struct ovs_key_ipv4 *val,
		    const struct ovs_key_ipv4 *mask)
{
	unsigned int nhoff = skb_network_offset(skb);
	struct iphdr *nh;
	__be32 to;
	u8 ttl;
	int err;

	err = skb_ensure_writable(skb, nhoff + sizeof(*nh));
	if (!err && (mask->ipv4_src || mask->ipv4_dst))
		err = l4_writable(skb, ip_hdr(skb)->protocol);
	if (unlikely(err))
		return err;
	nh = ip_hdr(skb);
	if (mask->ipv4_src) {
		to = MASKED(nh->saddr, val->ipv4_src, mask->ipv4_src);
		if (to != nh->saddr) {
			set_ipv4_addr(skb, nh, &nh->saddr, to);
			key->ipv4.src = to;
		}
	}
	if (mask->ipv4_dst) {
		to = MASKED(nh->daddr, val->ipv4_dst, mask->ipv4_dst);
		if (to != nh->daddr) {
			set_ipv4_addr(skb, nh, &nh->daddr, to);
			key->ipv4.dst = to;
		}
	}
	if (mask->ipv4_tos) {
		ipv4_change_dsfield(nh, ~mask->ipv4_tos, val->ipv4_tos);
		key->ip_tos = nh->tos;
	}
	if (mask->ipv4_ttl) {
		ttl = MASKED(nh->ttl, val->ipv4_ttl, mask->ipv4_ttl);
		csum_replace2(&nh->check, htons(nh->ttl << 8), htons(ttl << 8));
		nh->ttl = ttl;
		key->ip_ttl = ttl;
	}
	return 0;
}

static bool addr6_masked(const __be32 *old, const __be32 *val,
			 const __be32 *mask, __be32 *to)
{
	bool any = false;
	int i;

	for (i = 0; i < 4; i++) {
		to[i] = MASKED(old[i], val[i], mask[i]);
		any |= !!mask[i];
	}
	return any && memcmp(old, to, sizeof(struct in6_addr));
}

/*
 * A new destination leaves the L4 checksum alone when a routing header is
 * there: the pseudo-header holds the final destination (RFC 8200 8.1).
 */
static bool dst_in_pseudo_header(struct sk_buff *skb,
				 const struct ipv6hdr *nh)
{
	unsigned int off = 0;
	int flags = IP6_FH_F_SKIP_RH;

	if (!ipv6_ext_hdr(nh->nexthdr))
		return true;
	return ipv6_find_hdr(skb, &off, NEXTHDR_ROUTING, NULL, &flags) !=
	       NEXTHDR_ROUTING;
}

static void set_ipv6_addr(struct sk_buff *skb, u8 proto, __be32 *addr,
			  const __be32 *to, bool l4_csum)
{
	if (l4_csum && proto != NEXTHDR_FRAGMENT &&
	    skb_transport_header_was_set(skb))
		l4_csum_replace(skb, proto, addr, to, 4);
	skb_clear_hash(skb);
	memcpy(addr, to, sizeof(struct in6_addr));
}

/* The traffic class, flow label and hop limit, with CHECKSUM_COMPLETE. */
static void set_ipv6_fields(struct sk_buff *skb, struct ipv6hdr *nh,
			    struct kvirt_dp_key *key,
			    const struct ovs_key_ipv6 *val,
			    const struct ovs_key_ipv6 *mask)
{
	u32 label_mask = ntohl(mask->ipv6_label) & 0xfffff, from, to;
	u8 old, tclass, hlim;

	if (mask->ipv6_tclass) {
		old = ipv6_get_dsfield(nh);
		tclass = MASKED(old, val->ipv6_tclass, mask->ipv6_tclass);
		if (skb->ip_summed == CHECKSUM_COMPLETE)
			csum_replace(&skb->csum, (__force __wsum)(old << 12),
				     (__force __wsum)(tclass << 12));
		ipv6_change_dsfield(nh, ~mask->ipv6_tclass, tclass);
		key->ip_tos = ipv6_get_dsfield(nh);
	}
	if (label_mask) {
		/* The 24 bits after the version and top of the class. */
		from = nh->flow_lbl[0] << 16 | nh->flow_lbl[1] << 8 |
		       nh->flow_lbl[2];
		to = MASKED(from, ntohl(val->ipv6_label), label_mask);
		nh->flow_lbl[0] = to >> 16;
		nh->flow_lbl[1] = to >> 8;
		nh->flow_lbl[2] = to;
		if (skb->ip_summed == CHECKSUM_COMPLETE)
			csum_replace(&skb->csum, (__force __wsum)htonl(from),
				     (__force __wsum)htonl(to));
		key->ipv6.label = *(__be32 *)nh &
				  htonl(IPV6_FLOWINFO_FLOWLABEL);
	}
	if (mask->ipv6_hlimit) {
		hlim = MASKED(nh->hop_limit, val->ipv6_hlimit,
			      mask->ipv6_hlimit);
		if (skb->ip_summed == CHECKSUM_COMPLETE)
			csum_replace(&skb->csum,
				     (__force __wsum)(nh->hop_limit << 8),
				     (__force __wsum)(hlim << 8));
		nh->hop_limit = hlim;
		key->ip_ttl = hlim;
	}
}

static int set_ipv6(struct sk_buff *skb, struct kvirt_dp_key *key,
		    const struct ovs_key_ipv6 *val,
		    const struct ovs_key_ipv6 *mask)
{
	__be32 to[4];
	struct ipv6hdr *nh;
	int err;

	err = skb_ensure_writable(skb, skb_network_offset(skb) + sizeof(*nh));
	if (!err)
		err = l4_writable(skb, key->ip_proto);
	if (unlikely(err))
		return err;
	nh = ipv6_hdr(skb);
	if (addr6_masked(nh->saddr.s6_addr32, (const __be32 *)val->ipv6_src,
			 (const __be32 *)mask->ipv6_src, to)) {
		set_ipv6_addr(skb, key->ip_proto, nh->saddr.s6_addr32, to,
			      true);
		memcpy(&key->ipv6.src, to, sizeof(key->ipv6.src));
	}
	if (addr6_masked(nh->daddr.s6_addr32, (const __be32 *)val->ipv6_dst,
			 (const __be32 *)mask->ipv6_dst, to)) {
		set_ipv6_addr(skb, key->ip_proto, nh->daddr.s6_addr32, to,
			      dst_in_pseudo_header(skb, nh));
		memcpy(&key->ipv6.dst, to, sizeof(key->ipv6.dst));
	}
	set_ipv6_fields(skb, nh, key, val, mask);
	return 0;
}

/* The L4 header at the transport offset, writable, or an error. */
static void *l4_header(struct sk_buff *skb, unsigned int hlen, int *err)
{
	if (!skb_transport_header_was_set(skb)) {
		*err = -EINVAL;
		return NULL;
	}
	*err = skb_ensure_writable(skb, skb_transport_offset(skb) + hlen);
	return *err ? NULL : skb_transport_header(skb);
}

static void set_port(struct sk_buff *skb, __be16 *port, __be16 to,
		     __sum16 *check)
{
	inet_proto_csum_replace2(check, skb, *port, to, false);
	*port = to;
}

static int set_tcp(struct sk_buff *skb, struct kvirt_dp_key *key,
		   const struct ovs_key_tcp *val, const struct ovs_key_tcp *mask)
{
	struct tcphdr *th;
	__be16 to;
	int err;

	th = l4_header(skb, sizeof(*th), &err);
	if (!th)
		return err;
	to = MASKED(th->source, val->tcp_src, mask->tcp_src);
	if (to != th->source) {
		set_port(skb, &th->source, to, &th->check);
		key->tp_src = to;
	}
	to = MASKED(th->dest, val->tcp_dst, mask->tcp_dst);
	if (to != th->dest) {
		set_port(skb, &th->dest, to, &th->check);
		key->tp_dst = to;
	}
	skb_clear_hash(skb);
	return 0;
}

static int set_udp(struct sk_buff *skb, struct kvirt_dp_key *key,
		   const struct ovs_key_udp *val, const struct ovs_key_udp *mask)
{
	struct udphdr *uh;
	__be16 src, dst;
	int err;

	uh = l4_header(skb, sizeof(*uh), &err);
	if (!uh)
		return err;
	src = MASKED(uh->source, val->udp_src, mask->udp_src);
	dst = MASKED(uh->dest, val->udp_dst, mask->udp_dst);
	if (uh->check && skb->ip_summed != CHECKSUM_PARTIAL) {
		if (src != uh->source)
			set_port(skb, &uh->source, src, &uh->check);
		if (dst != uh->dest)
			set_port(skb, &uh->dest, dst, &uh->check);
		if (!uh->check)
			uh->check = CSUM_MANGLED_0;
	} else {
		/* No checksum, or one the device will compute from scratch. */
		uh->source = src;
		uh->dest = dst;
	}
	key->tp_src = src;
	key->tp_dst = dst;
	skb_clear_hash(skb);
	return 0;
}

static __wsum crc32c_update(const void *buf, int len, __wsum crc)
{
	return (__force __wsum)__crc32c_le((__force u32)crc, buf, len);
}

static __wsum crc32c_combine(__wsum crc, __wsum crc2, int offset, int len)
{
	return (__force __wsum)__crc32c_le_combine((__force u32)crc,
						   (__force u32)crc2, len);
}

static const struct skb_checksum_ops crc32c_ops = {
	.update = crc32c_update,
	.combine = crc32c_combine,
};

/* The CRC32c of the SCTP packet at @off, its checksum field taken as 0. */
static __le32 sctp_crc(struct sk_buff *skb, unsigned int off,
		       struct sctphdr *sh)
{
	__le32 saved = sh->checksum;
	__wsum crc;

	sh->checksum = 0;
	crc = __skb_checksum(skb, off, skb->len - off, (__force __wsum)~0U,
			     &crc32c_ops);
	sh->checksum = saved;
	return cpu_to_le32(~(__force u32)crc);
}

static int set_sctp(struct sk_buff *skb, struct kvirt_dp_key *key,
		    const struct ovs_key_sctp *val,
		    const struct ovs_key_sctp *mask)
{
	unsigned int off = skb_transport_offset(skb);
	__le32 old, old_good;
	struct sctphdr *sh;
	int err;

	sh = l4_header(skb, sizeof(*sh), &err);
	if (!sh)
		return err;
	old = sh->checksum;
	old_good = sctp_crc(skb, off, sh);
	sh->source = MASKED(sh->source, val->sctp_src, mask->sctp_src);
	sh->dest = MASKED(sh->dest, val->sctp_dst, mask->sctp_dst);
	/* A checksum that was wrong stays as wrong. */
	sh->checksum = old ^ old_good ^ sctp_crc(skb, off, sh);
	skb_clear_hash(skb);
	key->tp_src = sh->source;
	key->tp_dst = sh->dest;
	return 0;
}

/* Every bit of the largest key a set action rewrites, for plain sets. */
static const u8 all_ones[sizeof(struct ovs_key_ipv6)] = {
	[0 ... sizeof(struct ovs_key_ipv6) - 1] = 0xff
};

/* OVS_ACTION_ATTR_SET (@masked false) or _SET_MASKED: one key attribute. */
static int do_set(struct sk_buff *skb, struct kvirt_dp_key *key,
		  const struct nlattr *a, bool masked)
{
	const void *val = nla_data(a);
	const void *mask = masked ? val + nla_len(a) / 2 : all_ones;

	switch (nla_type(a)) {
	case OVS_KEY_ATTR_PRIORITY:
		skb->priority = MASKED(skb->priority, *(const u32 *)val,
				       *(const u32 *)mask);
		key->priority = skb->priority;
		return 0;
	case OVS_KEY_ATTR_SKB_MARK:
		skb->mark = MASKED(skb->mark, *(const u32 *)val,
				   *(const u32 *)mask);
		key->mark = skb->mark;
		return 0;
	case OVS_KEY_ATTR_ETHERNET:
		return set_ethernet(skb, key, val, mask);
	case OVS_KEY_ATTR_IPV4:
		return set_ipv4(skb, key, val, mask);
	case OVS_KEY_ATTR_IPV6:
		return set_ipv6(skb, key, val, mask);
	case OVS_KEY_ATTR_TCP:
		return set_tcp(skb, key, val, mask);
	case OVS_KEY_ATTR_UDP:
		return set_udp(skb, key, val, mask);
	case OVS_KEY_ATTR_SCTP:
		return set_sctp(skb, key, val, mask);
	case OVS_KEY_ATTR_TUNNEL:
		return kvirt_dp_tun_set(skb, a);
	}
	/* Conntrack fields, which OVS accepts and then drops packets on. */
	return -EINVAL;
}

/* Whether running @attr's actions may change the packet's key. */
static bool may_change_key(const struct nlattr *attr)
{
	const struct nlattr *a;
	int rem;

	nla_for_each_nested(a, attr, rem) {
		switch (nla_type(a)) {
		case OVS_ACTION_ATTR_OUTPUT:
		case OVS_ACTION_ATTR_RECIRC:
		case OVS_ACTION_ATTR_TRUNC:
		case OVS_ACTION_ATTR_USERSPACE:
			break;
		default:
			return true;
		}
	}
	return false;
}

/* Queue a run for when the outermost actions on this CPU are done. */
static void defer(struct kvirt_dp *dp, struct sk_buff *skb,
		  const struct flow_key *fk, u32 recirc_id,
		  const struct nlattr *actions, int len, u32 cutlen)
{
	struct exec_ctx *ctx = this_cpu_ptr(&exec_ctx);
	struct deferred *d;

	if (ctx->n_deferred >= MAX_DEFERRED) {
		net_warn_ratelimited("%s: deferred action limit reached, %s dropped\n",
				     kvirt_dp_name(dp),
				     actions ? "nested actions" : "recirculation");
		kfree_skb(skb);
		return;
	}
	d = kmalloc(sizeof(*d), GFP_ATOMIC);
	if (!d) {
		kfree_skb(skb);
		return;
	}
	d->next = NULL;
	d->dp = dp;
	d->skb = skb;
	d->actions = actions;
	d->len = len;
	d->cutlen = cutlen;
	d->stale = fk->stale;
	d->key = *fk->key;
	if (!actions)
		d->key.recirc_id = recirc_id;
	if (ctx->tail)
		ctx->tail->next = d;
	else
		ctx->head = d;
	ctx->tail = d;
	ctx->n_deferred++;
}

/* Nested actions or a recirculation with a copy of the key, on the stack. */
static noinline void run_on_copy(struct kvirt_dp *dp, struct sk_buff *skb,
				 const struct flow_key *fk, u32 recirc_id,
				 const struct nlattr *actions, int len,
				 u32 cutlen)
{
	struct kvirt_dp_key key = *fk->key;
	struct flow_key copy = { .key = &key, .stale = fk->stale };

	if (!actions) {
		key.recirc_id = recirc_id;
		kvirt_dp_process_packet(dp, NULL, skb, &key);
		return;
	}
	__this_cpu_inc(exec_ctx.level);
	run_actions(dp, skb, &copy, actions, len, cutlen);
	__this_cpu_dec(exec_ctx.level);
}

/*
 * Run @actions (a recirculation if NULL) on @skb, or on a clone of it
 * unless @last, leaving the caller's packet and, if @copy_key, its key
 * as they were.
 */
static void run_nested(struct kvirt_dp *dp, struct sk_buff *skb,
		       struct flow_key *fk, u32 recirc_id,
		       const struct nlattr *actions, int len, bool last,
		       bool copy_key, u32 cutlen)
{
	if (!last) {
		skb = skb_clone(skb, GFP_ATOMIC);
		if (!skb)
			return;
	}
	if (!copy_key)
		run_actions(dp, skb, fk, actions, len, cutlen);
	else if (__this_cpu_read(exec_ctx.level) <= KEY_COPY_LEVELS)
		run_on_copy(dp, skb, fk, recirc_id, actions, len, cutlen);
	else
		defer(dp, skb, fk, recirc_id, actions, len, cutlen);
}

/*
 * The key of a packet whose headers changed beyond what the key could
 * follow, extracted again; what is not in the packet (port, ids, tunnel)
 * is kept.
 */
static noinline int rekey(struct sk_buff *skb, struct flow_key *fk)
{
	struct kvirt_dp_key *key = fk->key, fresh;
	int err;

	err = kvirt_dp_key_extract(NULL, skb, &fresh);
	if (err)
		return err;
	fresh.in_port = key->in_port;
	fresh.recirc_id = key->recirc_id;
	fresh.dp_hash = key->dp_hash;
	fresh.tun = key->tun;
	fresh.tun_proto = key->tun_proto;
	fresh.tun_opts_len = key->tun_opts_len;
	memcpy(fresh.tun_opts, key->tun_opts, sizeof(fresh.tun_opts));
	*key = fresh;
	fk->stale = false;
	return 0;
}

static void do_sample(struct kvirt_dp *dp, struct sk_buff *skb,
		      struct flow_key *fk, const struct nlattr *attr,
		      bool last, u32 cutlen)
{
	const struct nlattr *a, *actions = NULL;
	u32 probability = 0;
	int rem;

	nla_for_each_nested(a, attr, rem) {
		if (nla_type(a) == OVS_SAMPLE_ATTR_PROBABILITY)
			probability = nla_get_u32(a);
		else
			actions = a;
	}
	if (probability != U32_MAX &&
	    (!probability || get_random_u32() > probability)) {
		if (last)
			consume_skb(skb);
		return;
	}
	run_nested(dp, skb, fk, 0, nla_data(actions), nla_len(actions), last,
		   !last && may_change_key(actions), cutlen);
}

static void do_check_pkt_len(struct kvirt_dp *dp, struct sk_buff *skb,
			     struct flow_key *fk, const struct nlattr *attr,
			     bool last, u32 cutlen)
{
	const struct nlattr *a, *greater = NULL, *less_equal = NULL, *actions;
	u16 max_len = 0;
	int rem;

	nla_for_each_nested(a, attr, rem) {
		switch (nla_type(a)) {
		case OVS_CHECK_PKT_LEN_ATTR_PKT_LEN:
			max_len = nla_get_u16(a);
			break;
		case OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER:
			greater = a;
			break;
		case OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL:
			less_equal = a;
			break;
		}
	}
	/* A GSO packet is as long as its segments. */
	if (skb->len <= max_len ||
	    (skb_is_gso(skb) && skb_gso_validate_mac_len(skb, max_len)))
		actions = less_equal;
	else
		actions = greater;
	run_nested(dp, skb, fk, 0, nla_data(actions), nla_len(actions), last,
		   !last && may_change_key(actions), cutlen);
}

/* Consumes @skb. */
static void run_actions(struct kvirt_dp *dp, struct sk_buff *skb,
			struct flow_key *fk, const struct nlattr *attr,
			int len, u32 cutlen)
{
	const struct nlattr *a;
	struct sk_buff *clone;
	int rem, err;
	bool last;

	nla_for_each_attr(a, attr, len, rem) {
		last = nla_is_last(a, rem);
		err = 0;
		switch (nla_type(a)) {
		case OVS_ACTION_ATTR_OUTPUT:
			if (last) {
				do_output(dp, skb, nla_get_u32(a), cutlen);
				return;
			}
			clone = skb_clone(skb, GFP_ATOMIC);
			if (clone)
				do_output(dp, clone, nla_get_u32(a), cutlen);
			cutlen = U32_MAX;
			break;
		case OVS_ACTION_ATTR_USERSPACE:
			do_userspace(dp, skb, fk->key, a, attr, len, cutlen);
			cutlen = U32_MAX;
			break;
		case OVS_ACTION_ATTR_TRUNC:
			cutlen = ((const struct ovs_action_trunc *)
				  nla_data(a))->max_len;
			break;
		case OVS_ACTION_ATTR_SET:
			err = do_set(skb, fk->key, nla_data(a), false);
			break;
		case OVS_ACTION_ATTR_SET_MASKED:
			err = do_set(skb, fk->key, nla_data(a), true);
			break;
		case OVS_ACTION_ATTR_PUSH_VLAN:
			err = push_vlan(skb, fk, nla_data(a));
			break;
		case OVS_ACTION_ATTR_POP_VLAN:
			err = pop_vlan(skb, fk);
			break;
		case OVS_ACTION_ATTR_HASH:
			do_hash(skb, fk->key, a);
			break;
		case OVS_ACTION_ATTR_RECIRC:
			if (fk->stale)
				err = rekey(skb, fk);
			if (err)
				break;
			run_nested(dp, skb, fk, nla_get_u32(a), NULL, 0, last,
				   true, cutlen);
			if (last)
				return;
			break;
		case OVS_ACTION_ATTR_SAMPLE:
			do_sample(dp, skb, fk, a, last, cutlen);
			if (last)
				return;
			break;
		case OVS_ACTION_ATTR_CLONE:
			run_nested(dp, skb, fk, 0, nla_data(a), nla_len(a),
				   last, !last && may_change_key(a), cutlen);
			if (last)
				return;
			break;
		case OVS_ACTION_ATTR_CHECK_PKT_LEN:
			do_check_pkt_len(dp, skb, fk, a, last, cutlen);
			if (last)
				return;
			break;
		}
		if (unlikely(err)) {
			kfree_skb(skb);
			return;
		}
	}
	consume_skb(skb);
}

/* The runs queued while the outermost actions ran, oldest first. */
static void run_deferred(void)
{
	struct exec_ctx *ctx = this_cpu_ptr(&exec_ctx);
	struct flow_key fk;
	struct deferred *d;

	while ((d = ctx->head)) {
		ctx->head = d->next;
		if (!ctx->head)
			ctx->tail = NULL;
		fk.key = &d->key;
		fk.stale = d->stale;
		if (d->actions)
			run_actions(d->dp, d->skb, &fk, d->actions, d->len,
				    d->cutlen);
		else
			kvirt_dp_process_packet(d->dp, NULL, d->skb, &d->key);
		kfree(d);
	}
	ctx->n_deferred = 0;
}

/**
 * kvirt_dp_execute_actions() - run a flow's actions on a packet
 * @dp: the datapath, under RCU with bottom halves off
 * @skb: the frame, consumed; skb->data at the Ethernet header, headers
 *	set by kvirt_dp_key_extract()
 * @key: its key, updated as the actions rewrite the packet
 * @acts: the actions, alive until this returns
 *
 * Recirculations and nested actions that could not run at once run
 * before this returns, when it is the outermost call on this CPU; calls
 * nested deeper than OVS allows (a loop) drop the packet.
 */
void kvirt_dp_execute_actions(struct kvirt_dp *dp, struct sk_buff *skb,
			      struct kvirt_dp_key *key,
			      const struct kvirt_dp_actions *acts)
{
	struct flow_key fk = { .key = key };
	int level = __this_cpu_inc_return(exec_ctx.level);

	if (unlikely(level > RECURSION_LIMIT)) {
		net_crit_ratelimited("%s: actions nested too deeply, probably a loop; packet dropped\n",
				     kvirt_dp_name(dp));
		kfree_skb(skb);
	} else {
		run_actions(dp, skb, &fk, (const struct nlattr *)acts->data,
			    acts->len, U32_MAX);
		if (level == 1)
			run_deferred();
	}
	__this_cpu_dec(exec_ctx.level);
}
