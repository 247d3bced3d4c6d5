// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: tunnels as OVS does them with collect-metadata devices (vxlan,
 * geneve, gretap created "external" and attached as netdev vports). A
 * packet such a device decapsulates carries the outer headers as tunnel
 * metadata (skb_tunnel_info()); they become the tunnel part of its key
 * here, and OVS_KEY_ATTR_TUNNEL in upcalls, flow keys and masks is read
 * and written here with the rules and errnos of OVS's flow_netlink.c. On
 * the way out, a set(tunnel(...)) action attaches a metadata dst to the
 * packet, which the device then encapsulates with.
 */
#include <net/dst_metadata.h>
#include <net/erspan.h>
#include <net/geneve.h>
#include <net/vxlan.h>

#include "datapath.h"

/* Payload length of each OVS_TUNNEL_KEY_ATTR_*; -1: any (options). */
static const int tun_lens[OVS_TUNNEL_KEY_ATTR_MAX + 1] = {
	[OVS_TUNNEL_KEY_ATTR_ID] = sizeof(u64),
	[OVS_TUNNEL_KEY_ATTR_IPV4_SRC] = sizeof(u32),
	[OVS_TUNNEL_KEY_ATTR_IPV4_DST] = sizeof(u32),
	[OVS_TUNNEL_KEY_ATTR_TOS] = 1,
	[OVS_TUNNEL_KEY_ATTR_TTL] = 1,
	[OVS_TUNNEL_KEY_ATTR_TP_SRC] = sizeof(u16),
	[OVS_TUNNEL_KEY_ATTR_TP_DST] = sizeof(u16),
	[OVS_TUNNEL_KEY_ATTR_GENEVE_OPTS] = -1,
	[OVS_TUNNEL_KEY_ATTR_VXLAN_OPTS] = -1,
	[OVS_TUNNEL_KEY_ATTR_IPV6_SRC] = sizeof(struct in6_addr),
	[OVS_TUNNEL_KEY_ATTR_IPV6_DST] = sizeof(struct in6_addr),
	[OVS_TUNNEL_KEY_ATTR_ERSPAN_OPTS] = -1,
};

/* The last @len bytes of a key's option area, where @len bytes of options sit. */
static u8 *opts_at(struct kvirt_dp_key *k, unsigned int len)
{
	return k->tun_opts + sizeof(k->tun_opts) - len;
}

static const u8 *opts_of(const struct kvirt_dp_key *k, unsigned int len)
{
	return k->tun_opts + sizeof(k->tun_opts) - len;
}

/* The flag a block of options sets in tun_flags. */
static __be16 opts_flag(int type)
{
	switch (type) {
	case OVS_TUNNEL_KEY_ATTR_GENEVE_OPTS:
		return TUNNEL_GENEVE_OPT;
	case OVS_TUNNEL_KEY_ATTR_VXLAN_OPTS:
		return TUNNEL_VXLAN_OPT;
	default:		/* OVS_TUNNEL_KEY_ATTR_ERSPAN_OPTS */
		return TUNNEL_ERSPAN_OPT;
	}
}

/* OVS_VXLAN_EXT_* of @attr: the group based policy id, if any. */
static int vxlan_opts_from(const struct nlattr *attr,
			   struct vxlan_metadata *md,
			   struct netlink_ext_ack *extack)
{
	const struct nlattr *a;
	int rem;

	memset(md, 0, sizeof(*md));
	nla_for_each_nested(a, attr, rem) {
		if (nla_type(a) != OVS_VXLAN_EXT_GBP ||
		    nla_len(a) != sizeof(u32)) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "unknown or malformed VXLAN extension");
			return -EINVAL;
		}
		md->gbp = nla_get_u32(a);
	}
	if (rem) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "trailing bytes after VXLAN extensions");
		return -EINVAL;
	}
	return 0;
}

/*
 * A block of options into @out. In a key, tun_opts_len says how long
 * they are (an ERSPAN block counts as struct erspan_metadata whatever
 * its length, as in OVS); in a mask it is matched exactly, and Geneve
 * options must be as long as the key's.
 */
static int opts_from(int type, const struct nlattr *a,
		     struct kvirt_dp_key *out, const struct kvirt_dp_key *key,
		     struct netlink_ext_ack *extack)
{
	struct vxlan_metadata md;
	const void *data = nla_data(a);
	int len = nla_len(a), err;

	if (type == OVS_TUNNEL_KEY_ATTR_VXLAN_OPTS) {
		err = vxlan_opts_from(a, &md, extack);
		if (err)
			return err;
		data = &md;
		len = sizeof(md);
	} else if (len > sizeof(out->tun_opts)) {
		NL_SET_ERR_MSG_ATTR(extack, a, "tunnel options too long");
		return -EINVAL;
	}
	if (type == OVS_TUNNEL_KEY_ATTR_GENEVE_OPTS) {
		if (len % 4) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "Geneve options not a multiple of 4 bytes");
			return -EINVAL;
		}
		if (key && key->tun_opts_len != len) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "Geneve option mask not as long as the key's options");
			return -EINVAL;
		}
	}
	if (key)
		out->tun_opts_len = 0xff;
	else if (type == OVS_TUNNEL_KEY_ATTR_ERSPAN_OPTS)
		out->tun_opts_len = sizeof(struct erspan_metadata);
	else
		out->tun_opts_len = len;
	memcpy(opts_at(out, len), data, len);
	return 0;
}

/* What a key's tunnel must say; a mask may say anything. */
static int tun_key_check(const struct kvirt_dp_key *k, bool ipv4, bool ipv6,
			 bool ttl, bool bridge, __be16 flags,
			 struct netlink_ext_ack *extack)
{
	if (!ipv4 && !ipv6) {
		NL_SET_ERR_MSG_MOD(extack, "tunnel destination not specified");
		return -EINVAL;
	}
	if (ipv4 && bridge &&
	    (k->tun.u.ipv4.src || k->tun.u.ipv4.dst || k->tun.tp_src ||
	     k->tun.tp_dst || k->tun.ttl || k->tun.tos ||
	     flags & ~TUNNEL_KEY)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "IPv4 bridge-mode tunnel has more than an id");
		return -EINVAL;
	}
	if (ipv4 && !bridge && !k->tun.u.ipv4.dst) {
		NL_SET_ERR_MSG_MOD(extack, "IPv4 tunnel destination is zero");
		return -EINVAL;
	}
	if (ipv6 && ipv6_addr_any(&k->tun.u.ipv6.dst)) {
		NL_SET_ERR_MSG_MOD(extack, "IPv6 tunnel destination is zero");
		return -EINVAL;
	}
	if (!ttl && !bridge) {
		NL_SET_ERR_MSG_MOD(extack, "tunnel TTL not specified");
		return -EINVAL;
	}
	return 0;
}

/**
 * kvirt_dp_tun_from_nlattr() - the tunnel part of a key or of its mask
 * @attr: OVS_KEY_ATTR_TUNNEL, nested OVS_TUNNEL_KEY_ATTR_*
 * @out: the key or mask whose tunnel fields are set
 * @key: NULL when @out is a key; the key already parsed when @out is its
 *	mask
 * @extack: why it was refused
 *
 * Return: the OVS_TUNNEL_KEY_ATTR_* of the options block, 0 if none, or
 * -EINVAL.
 */
int kvirt_dp_tun_from_nlattr(const struct nlattr *attr,
			     struct kvirt_dp_key *out,
			     const struct kvirt_dp_key *key,
			     struct netlink_ext_ack *extack)
{
	bool ttl = false, ipv4 = false, ipv6 = false, bridge = false;
	int opts_type = 0, rem, type, err;
	const struct nlattr *a;
	__be16 flags = 0;

	nla_for_each_nested(a, attr, rem) {
		type = nla_type(a);
		if (type > OVS_TUNNEL_KEY_ATTR_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "tunnel attribute type out of range");
			return -EINVAL;
		}
		if (tun_lens[type] >= 0 && nla_len(a) != tun_lens[type]) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "tunnel attribute has an unexpected length");
			return -EINVAL;
		}
		switch (type) {
		case OVS_TUNNEL_KEY_ATTR_ID:
			out->tun.tun_id = nla_get_be64(a);
			flags |= TUNNEL_KEY;
			break;
		case OVS_TUNNEL_KEY_ATTR_IPV4_SRC:
			out->tun.u.ipv4.src = nla_get_in_addr(a);
			ipv4 = true;
			break;
		case OVS_TUNNEL_KEY_ATTR_IPV4_DST:
			out->tun.u.ipv4.dst = nla_get_in_addr(a);
			ipv4 = true;
			break;
		case OVS_TUNNEL_KEY_ATTR_IPV6_SRC:
			out->tun.u.ipv6.src = nla_get_in6_addr(a);
			ipv6 = true;
			break;
		case OVS_TUNNEL_KEY_ATTR_IPV6_DST:
			out->tun.u.ipv6.dst = nla_get_in6_addr(a);
			ipv6 = true;
			break;
		case OVS_TUNNEL_KEY_ATTR_TOS:
			out->tun.tos = nla_get_u8(a);
			break;
		case OVS_TUNNEL_KEY_ATTR_TTL:
			out->tun.ttl = nla_get_u8(a);
			ttl = true;
			break;
		case OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT:
			flags |= TUNNEL_DONT_FRAGMENT;
			break;
		case OVS_TUNNEL_KEY_ATTR_CSUM:
			flags |= TUNNEL_CSUM;
			break;
		case OVS_TUNNEL_KEY_ATTR_OAM:
			flags |= TUNNEL_OAM;
			break;
		case OVS_TUNNEL_KEY_ATTR_TP_SRC:
			out->tun.tp_src = nla_get_be16(a);
			break;
		case OVS_TUNNEL_KEY_ATTR_TP_DST:
			out->tun.tp_dst = nla_get_be16(a);
			break;
		case OVS_TUNNEL_KEY_ATTR_GENEVE_OPTS:
		case OVS_TUNNEL_KEY_ATTR_VXLAN_OPTS:
		case OVS_TUNNEL_KEY_ATTR_ERSPAN_OPTS:
			if (opts_type) {
				NL_SET_ERR_MSG_ATTR(extack, a,
						    "more than one block of tunnel options");
				return -EINVAL;
			}
			err = opts_from(type, a, out, key, extack);
			if (err)
				return err;
			flags |= opts_flag(type);
			opts_type = type;
			break;
		case OVS_TUNNEL_KEY_ATTR_PAD:
			break;
		case OVS_TUNNEL_KEY_ATTR_IPV4_INFO_BRIDGE:
			bridge = true;
			ipv4 = true;
			break;
		default:
			NL_SET_ERR_MSG_ATTR(extack, a, "unknown tunnel attribute");
			return -EINVAL;
		}
	}
	out->tun.tun_flags = flags;
	if (key)
		out->tun_proto = 0xff;
	else
		out->tun_proto = ipv6 ? AF_INET6 : AF_INET;
	if (rem) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "trailing bytes after tunnel attributes");
		return -EINVAL;
	}
	if (ipv4 && ipv6) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "tunnel has both IPv4 and IPv6 addresses");
		return -EINVAL;
	}
	if (!key) {
		err = tun_key_check(out, ipv4, ipv6, ttl, bridge, flags, extack);
		if (err)
			return err;
	}
	return opts_type;
}

/* The Geneve options of a set(tunnel): whole TLVs; any critical one flags. */
static int geneve_opts_check(const u8 *opts, int len, bool *crit)
{
	const struct geneve_opt *opt;
	int n;

	*crit = false;
	while (len > 0) {
		opt = (const struct geneve_opt *)opts;
		if (len < sizeof(*opt))
			return -EINVAL;
		n = sizeof(*opt) + opt->length * 4;
		if (n > len)
			return -EINVAL;
		*crit |= opt->type & GENEVE_CRIT_OPT_TYPE;
		opts += n;
		len -= n;
	}
	return 0;
}

static int put_vxlan_opts(struct sk_buff *skb, const void *opts)
{
	const struct vxlan_metadata *md = opts;
	struct nlattr *nest;

	nest = nla_nest_start_noflag(skb, OVS_TUNNEL_KEY_ATTR_VXLAN_OPTS);
	if (!nest || nla_put_u32(skb, OVS_VXLAN_EXT_GBP, md->gbp))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Nested OVS_TUNNEL_KEY_ATTR_* of @t, in OVS's order and with its omissions. */
static int put_tun(struct sk_buff *skb, const struct ip_tunnel_key *t,
		   const void *opts, int opts_len, int proto, u8 mode)
{
	if (t->tun_flags & TUNNEL_KEY &&
	    nla_put_be64(skb, OVS_TUNNEL_KEY_ATTR_ID, t->tun_id,
			 OVS_TUNNEL_KEY_ATTR_PAD))
		return -EMSGSIZE;
	if (mode & IP_TUNNEL_INFO_BRIDGE)
		return nla_put_flag(skb, OVS_TUNNEL_KEY_ATTR_IPV4_INFO_BRIDGE);
	if (proto == AF_INET &&
	    ((t->u.ipv4.src &&
	      nla_put_in_addr(skb, OVS_TUNNEL_KEY_ATTR_IPV4_SRC,
			      t->u.ipv4.src)) ||
	     (t->u.ipv4.dst &&
	      nla_put_in_addr(skb, OVS_TUNNEL_KEY_ATTR_IPV4_DST,
			      t->u.ipv4.dst))))
		return -EMSGSIZE;
	if (proto == AF_INET6 &&
	    ((!ipv6_addr_any(&t->u.ipv6.src) &&
	      nla_put_in6_addr(skb, OVS_TUNNEL_KEY_ATTR_IPV6_SRC,
			       &t->u.ipv6.src)) ||
	     (!ipv6_addr_any(&t->u.ipv6.dst) &&
	      nla_put_in6_addr(skb, OVS_TUNNEL_KEY_ATTR_IPV6_DST,
			       &t->u.ipv6.dst))))
		return -EMSGSIZE;
	if ((t->tos && nla_put_u8(skb, OVS_TUNNEL_KEY_ATTR_TOS, t->tos)) ||
	    nla_put_u8(skb, OVS_TUNNEL_KEY_ATTR_TTL, t->ttl) ||
	    (t->tun_flags & TUNNEL_DONT_FRAGMENT &&
	     nla_put_flag(skb, OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT)) ||
	    (t->tun_flags & TUNNEL_CSUM &&
	     nla_put_flag(skb, OVS_TUNNEL_KEY_ATTR_CSUM)) ||
	    (t->tp_src &&
	     nla_put_be16(skb, OVS_TUNNEL_KEY_ATTR_TP_SRC, t->tp_src)) ||
	    (t->tp_dst &&
	     nla_put_be16(skb, OVS_TUNNEL_KEY_ATTR_TP_DST, t->tp_dst)) ||
	    (t->tun_flags & TUNNEL_OAM &&
	     nla_put_flag(skb, OVS_TUNNEL_KEY_ATTR_OAM)))
		return -EMSGSIZE;
	if (!opts || !opts_len)
		return 0;
	if (t->tun_flags & TUNNEL_GENEVE_OPT)
		return nla_put(skb, OVS_TUNNEL_KEY_ATTR_GENEVE_OPTS, opts_len,
			       opts);
	if (t->tun_flags & TUNNEL_VXLAN_OPT)
		return put_vxlan_opts(skb, opts);
	if (t->tun_flags & TUNNEL_ERSPAN_OPT)
		return nla_put(skb, OVS_TUNNEL_KEY_ATTR_ERSPAN_OPTS, opts_len,
			       opts);
	return 0;
}

/**
 * kvirt_dp_tun_to_nlattrs() - OVS_KEY_ATTR_TUNNEL of a key or mask
 * @key: the key, which says the address family and options length
 * @out: @key, or its mask for the values
 * @skb: the message being built
 *
 * Return: 0 or -EMSGSIZE.
 */
int kvirt_dp_tun_to_nlattrs(const struct kvirt_dp_key *key,
			    const struct kvirt_dp_key *out,
			    struct sk_buff *skb)
{
	const void *opts = NULL;
	struct nlattr *nest;
	int err;

	if (out->tun.tun_flags & TUNNEL_OPTIONS_PRESENT)
		opts = opts_of(out, key->tun_opts_len);
	nest = nla_nest_start_noflag(skb, OVS_KEY_ATTR_TUNNEL);
	if (!nest)
		return -EMSGSIZE;
	err = put_tun(skb, &out->tun, opts, key->tun_opts_len, key->tun_proto,
		      0);
	if (err)
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * kvirt_dp_tun_attr_size() - the largest OVS_KEY_ATTR_TUNNEL
 *
 * Return: its size in a message, nest included.
 */
size_t kvirt_dp_tun_attr_size(void)
{
	return nla_total_size(0)			/* the nest */
		+ nla_total_size_64bit(8)		/* ID */
		+ 2 * nla_total_size(16)		/* IPV[46]_SRC, _DST */
		+ 2 * nla_total_size(1)			/* TOS, TTL */
		+ 3 * nla_total_size(0)			/* DF, CSUM, OAM */
		+ nla_total_size(IP_TUNNEL_OPTS_MAX)	/* any options */
		+ 2 * nla_total_size(2);		/* TP_SRC, TP_DST */
}

/**
 * kvirt_dp_tun_key_extract() - the tunnel part of a received packet's key
 * @skb: a packet from a netdev vport
 * @key: its key, zeroed; the tunnel fields are set if @skb came out of a
 *	tunnel
 */
void kvirt_dp_tun_key_extract(struct sk_buff *skb, struct kvirt_dp_key *key)
{
	const struct ip_tunnel_info *info = skb_tunnel_info(skb);
	const struct ip_tunnel_key *t;

	if (!info)
		return;
	t = &info->key;
	key->tun_proto = ip_tunnel_info_af(info);
	/* Field by field: the key is compared as bytes, padding included. */
	key->tun.tun_id = t->tun_id;
	if (key->tun_proto == AF_INET6) {
		key->tun.u.ipv6.src = t->u.ipv6.src;
		key->tun.u.ipv6.dst = t->u.ipv6.dst;
	} else {
		key->tun.u.ipv4.src = t->u.ipv4.src;
		key->tun.u.ipv4.dst = t->u.ipv4.dst;
	}
	key->tun.tun_flags = t->tun_flags;
	key->tun.tos = t->tos;
	key->tun.ttl = t->ttl;
	key->tun.label = t->label;
	key->tun.tp_src = t->tp_src;
	key->tun.tp_dst = t->tp_dst;
	key->tun.flow_flags = t->flow_flags;
	if (info->options_len) {
		ip_tunnel_info_opts_get(opts_at(key, info->options_len), info);
		key->tun_opts_len = info->options_len;
	}
}

/**
 * kvirt_dp_tun_set_check() - check the key of a set(tunnel) action
 * @attr: the OVS_KEY_ATTR_TUNNEL inside OVS_ACTION_ATTR_SET
 * @extack: why it was refused
 *
 * The key must be a valid tunnel key, and Geneve options whole TLVs.
 * Return: 0, -EINVAL or -ENOMEM.
 */
int kvirt_dp_tun_set_check(const struct nlattr *attr,
			   struct netlink_ext_ack *extack)
{
	struct kvirt_dp_key *k;
	bool crit;
	int err;

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	err = kvirt_dp_tun_from_nlattr(attr, k, NULL, extack);
	if (err == OVS_TUNNEL_KEY_ATTR_GENEVE_OPTS &&
	    geneve_opts_check(opts_of(k, k->tun_opts_len), k->tun_opts_len,
			      &crit)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "malformed Geneve options");
		err = -EINVAL;
	}
	kfree(k);
	return err < 0 ? err : 0;
}

/* The options block of a checked tunnel key, and the length it stands for. */
static const struct nlattr *set_opts(const struct nlattr *attr, int *len)
{
	const struct nlattr *a;
	int rem;

	nla_for_each_nested(a, attr, rem) {
		switch (nla_type(a)) {
		case OVS_TUNNEL_KEY_ATTR_GENEVE_OPTS:
			*len = nla_len(a);
			return a;
		case OVS_TUNNEL_KEY_ATTR_VXLAN_OPTS:
			*len = sizeof(struct vxlan_metadata);
			return a;
		case OVS_TUNNEL_KEY_ATTR_ERSPAN_OPTS:
			*len = sizeof(struct erspan_metadata);
			return a;
		}
	}
	*len = 0;
	return NULL;
}

/*
 * The options of @info from the block @a of @len bytes. An ERSPAN block
 * is read as OVS reads it: right-aligned against the metadata's size.
 */
static void set_opts_fill(struct ip_tunnel_info *info, const struct nlattr *a,
			  int len)
{
	u8 *to = ip_tunnel_info_opts(info);
	struct vxlan_metadata md;
	bool crit;
	int n;

	info->options_len = len;
	switch (nla_type(a)) {
	case OVS_TUNNEL_KEY_ATTR_GENEVE_OPTS:
		memcpy(to, nla_data(a), len);
		info->key.tun_flags |= TUNNEL_GENEVE_OPT;
		geneve_opts_check(to, len, &crit);
		if (crit)
			info->key.tun_flags |= TUNNEL_CRIT_OPT;
		break;
	case OVS_TUNNEL_KEY_ATTR_VXLAN_OPTS:
		vxlan_opts_from(a, &md, NULL);
		memcpy(to, &md, len);
		info->key.tun_flags |= TUNNEL_VXLAN_OPT;
		break;
	default:
		n = min(nla_len(a), len);
		memset(to, 0, len - n);
		memcpy(to + len - n, (const u8 *)nla_data(a) + nla_len(a) - n,
		       n);
		info->key.tun_flags |= TUNNEL_ERSPAN_OPT;
		break;
	}
}

/* The fields of a checked tunnel key into @t; whether it is IPv6. */
static bool set_key_fill(struct ip_tunnel_key *t, const struct nlattr *attr)
{
	const struct nlattr *a;
	bool ipv6 = false;
	int rem;

	nla_for_each_nested(a, attr, rem) {
		switch (nla_type(a)) {
		case OVS_TUNNEL_KEY_ATTR_ID:
			t->tun_id = nla_get_be64(a);
			t->tun_flags |= TUNNEL_KEY;
			break;
		case OVS_TUNNEL_KEY_ATTR_IPV4_SRC:
			t->u.ipv4.src = nla_get_in_addr(a);
			break;
		case OVS_TUNNEL_KEY_ATTR_IPV4_DST:
			t->u.ipv4.dst = nla_get_in_addr(a);
			break;
		case OVS_TUNNEL_KEY_ATTR_IPV6_SRC:
			t->u.ipv6.src = nla_get_in6_addr(a);
			ipv6 = true;
			break;
		case OVS_TUNNEL_KEY_ATTR_IPV6_DST:
			t->u.ipv6.dst = nla_get_in6_addr(a);
			ipv6 = true;
			break;
		case OVS_TUNNEL_KEY_ATTR_TOS:
			t->tos = nla_get_u8(a);
			break;
		case OVS_TUNNEL_KEY_ATTR_TTL:
			t->ttl = nla_get_u8(a);
			break;
		case OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT:
			t->tun_flags |= TUNNEL_DONT_FRAGMENT;
			break;
		case OVS_TUNNEL_KEY_ATTR_CSUM:
			t->tun_flags |= TUNNEL_CSUM;
			break;
		case OVS_TUNNEL_KEY_ATTR_OAM:
			t->tun_flags |= TUNNEL_OAM;
			break;
		case OVS_TUNNEL_KEY_ATTR_TP_SRC:
			t->tp_src = nla_get_be16(a);
			break;
		case OVS_TUNNEL_KEY_ATTR_TP_DST:
			t->tp_dst = nla_get_be16(a);
			break;
		}
	}
	return ipv6;
}

/**
 * kvirt_dp_tun_set() - execute a set(tunnel) action
 * @skb: the packet; its dst becomes a metadata dst that tells a
 *	collect-metadata tunnel device how to encapsulate it
 * @attr: the OVS_KEY_ATTR_TUNNEL, checked by kvirt_dp_tun_set_check()
 *
 * Return: 0, or -ENOMEM and the packet is unchanged.
 */
int kvirt_dp_tun_set(struct sk_buff *skb, const struct nlattr *attr)
{
	struct ip_tunnel_info *info;
	const struct nlattr *opts;
	struct metadata_dst *md;
	int len;

	opts = set_opts(attr, &len);
	md = metadata_dst_alloc(len, METADATA_IP_TUNNEL, GFP_ATOMIC);
	if (!md)
		return -ENOMEM;
	info = &md->u.tun_info;
	info->mode = IP_TUNNEL_INFO_TX;
	if (set_key_fill(&info->key, attr))
		info->mode |= IP_TUNNEL_INFO_IPV6;
	else if (!info->key.u.ipv4.dst)
		info->mode |= IP_TUNNEL_INFO_BRIDGE;
	if (opts)
		set_opts_fill(info, opts, len);
	skb_dst_drop(skb);
	skb_dst_set(skb, &md->dst);
	return 0;
}
