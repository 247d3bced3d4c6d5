// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: flow keys and masks in ovs-dpctl's syntax, e.g.
 * "in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.0/255.255.255.0)",
 * parsed into the OVS_KEY_ATTR_* attributes of OVS_FLOW_ATTR_KEY and
 * OVS_FLOW_ATTR_MASK, and formatted back the way ovs-dpctl prints a
 * datapath's flows: wildcarded fields left out, partial masks as /MASK.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/openvswitch.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dp_flow.h"
#include "dp_flow_scan.h"
#include "kvirt.h"

#define MAX_NESTING 32
#define MAX_MPLS 3
#define LABEL_MASK 0xfffff
#define VLAN_CFI 0x1000
#define TCP_FLAGS_MASK 0x0fff

/* Tunnel flags as ovs-dpctl names them in tunnel(...,flags(...)). */
#define TNL_F_OAM 0x1
#define TNL_F_DF 0x2
#define TNL_F_CSUM 0x4
#define TNL_F_KEY 0x8
#define TNL_F_MASK 0xf

enum ftype { F_U8, F_U8X, F_BE16, F_IPV4, F_IN6, F_ETH, F_LABEL, F_FRAG };

struct field {
	const char *name;	/* as scanned */
	const char *out;	/* as printed, when it differs */
	enum ftype type;
	unsigned short off;
};

struct keydesc {
	int type;
	unsigned short len;
	const struct field *fields;
};

#define FLD(n, t, s, m) { n, NULL, t, offsetof(struct s, m) }

static const struct field eth_fields[] = {
	FLD("src", F_ETH, ovs_key_ethernet, eth_src),
	FLD("dst", F_ETH, ovs_key_ethernet, eth_dst),
	{ NULL }
};

static const struct field ipv4_fields[] = {
	FLD("src", F_IPV4, ovs_key_ipv4, ipv4_src),
	FLD("dst", F_IPV4, ovs_key_ipv4, ipv4_dst),
	FLD("proto", F_U8, ovs_key_ipv4, ipv4_proto),
	FLD("tos", F_U8X, ovs_key_ipv4, ipv4_tos),
	FLD("ttl", F_U8, ovs_key_ipv4, ipv4_ttl),
	FLD("frag", F_FRAG, ovs_key_ipv4, ipv4_frag),
	{ NULL }
};

static const struct field ipv6_fields[] = {
	FLD("src", F_IN6, ovs_key_ipv6, ipv6_src),
	FLD("dst", F_IN6, ovs_key_ipv6, ipv6_dst),
	FLD("label", F_LABEL, ovs_key_ipv6, ipv6_label),
	FLD("proto", F_U8, ovs_key_ipv6, ipv6_proto),
	FLD("tclass", F_U8X, ovs_key_ipv6, ipv6_tclass),
	FLD("hlimit", F_U8, ovs_key_ipv6, ipv6_hlimit),
	FLD("frag", F_FRAG, ovs_key_ipv6, ipv6_frag),
	{ NULL }
};

/* TCP, UDP and SCTP keys share a layout. */
static const struct field tp_fields[] = {
	FLD("src", F_BE16, ovs_key_tcp, tcp_src),
	FLD("dst", F_BE16, ovs_key_tcp, tcp_dst),
	{ NULL }
};

/* So do ICMP and ICMPv6. */
static const struct field icmp_fields[] = {
	FLD("type", F_U8, ovs_key_icmp, icmp_type),
	FLD("code", F_U8, ovs_key_icmp, icmp_code),
	{ NULL }
};

static const struct field arp_fields[] = {
	FLD("sip", F_IPV4, ovs_key_arp, arp_sip),
	FLD("tip", F_IPV4, ovs_key_arp, arp_tip),
	FLD("op", F_BE16, ovs_key_arp, arp_op),
	FLD("sha", F_ETH, ovs_key_arp, arp_sha),
	FLD("tha", F_ETH, ovs_key_arp, arp_tha),
	{ NULL }
};

static const struct field nd_fields[] = {
	FLD("target", F_IN6, ovs_key_nd, nd_target),
	FLD("sll", F_ETH, ovs_key_nd, nd_sll),
	FLD("tll", F_ETH, ovs_key_nd, nd_tll),
	{ NULL }
};

static const struct field ct4_fields[] = {
	FLD("src", F_IPV4, ovs_key_ct_tuple_ipv4, ipv4_src),
	FLD("dst", F_IPV4, ovs_key_ct_tuple_ipv4, ipv4_dst),
	FLD("proto", F_U8, ovs_key_ct_tuple_ipv4, ipv4_proto),
	FLD("tp_src", F_BE16, ovs_key_ct_tuple_ipv4, src_port),
	FLD("tp_dst", F_BE16, ovs_key_ct_tuple_ipv4, dst_port),
	{ NULL }
};

static const struct field ct6_fields[] = {
	FLD("src", F_IN6, ovs_key_ct_tuple_ipv6, ipv6_src),
	FLD("dst", F_IN6, ovs_key_ct_tuple_ipv6, ipv6_dst),
	FLD("proto", F_U8, ovs_key_ct_tuple_ipv6, ipv6_proto),
	{ "tp_src", "src_port", F_BE16,
	  offsetof(struct ovs_key_ct_tuple_ipv6, src_port) },
	{ "tp_dst", "dst_port", F_BE16,
	  offsetof(struct ovs_key_ct_tuple_ipv6, dst_port) },
	{ NULL }
};

static const struct keydesc structs[] = {
	{ OVS_KEY_ATTR_ETHERNET, sizeof(struct ovs_key_ethernet), eth_fields },
	{ OVS_KEY_ATTR_IPV4, sizeof(struct ovs_key_ipv4), ipv4_fields },
	{ OVS_KEY_ATTR_IPV6, sizeof(struct ovs_key_ipv6), ipv6_fields },
	{ OVS_KEY_ATTR_TCP, sizeof(struct ovs_key_tcp), tp_fields },
	{ OVS_KEY_ATTR_UDP, sizeof(struct ovs_key_udp), tp_fields },
	{ OVS_KEY_ATTR_SCTP, sizeof(struct ovs_key_sctp), tp_fields },
	{ OVS_KEY_ATTR_ICMP, sizeof(struct ovs_key_icmp), icmp_fields },
	{ OVS_KEY_ATTR_ICMPV6, sizeof(struct ovs_key_icmpv6), icmp_fields },
	{ OVS_KEY_ATTR_ARP, sizeof(struct ovs_key_arp), arp_fields },
	{ OVS_KEY_ATTR_ND, sizeof(struct ovs_key_nd), nd_fields },
	{ OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4,
	  sizeof(struct ovs_key_ct_tuple_ipv4), ct4_fields },
	{ OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6,
	  sizeof(struct ovs_key_ct_tuple_ipv6), ct6_fields },
};

static const char *const key_names[] = {
	[OVS_KEY_ATTR_ENCAP] = "encap",
	[OVS_KEY_ATTR_PRIORITY] = "skb_priority",
	[OVS_KEY_ATTR_IN_PORT] = "in_port",
	[OVS_KEY_ATTR_ETHERNET] = "eth",
	[OVS_KEY_ATTR_VLAN] = "vlan",
	[OVS_KEY_ATTR_ETHERTYPE] = "eth_type",
	[OVS_KEY_ATTR_IPV4] = "ipv4",
	[OVS_KEY_ATTR_IPV6] = "ipv6",
	[OVS_KEY_ATTR_TCP] = "tcp",
	[OVS_KEY_ATTR_UDP] = "udp",
	[OVS_KEY_ATTR_ICMP] = "icmp",
	[OVS_KEY_ATTR_ICMPV6] = "icmpv6",
	[OVS_KEY_ATTR_ARP] = "arp",
	[OVS_KEY_ATTR_ND] = "nd",
	[OVS_KEY_ATTR_SKB_MARK] = "skb_mark",
	[OVS_KEY_ATTR_TUNNEL] = "tunnel",
	[OVS_KEY_ATTR_SCTP] = "sctp",
	[OVS_KEY_ATTR_TCP_FLAGS] = "tcp_flags",
	[OVS_KEY_ATTR_DP_HASH] = "dp_hash",
	[OVS_KEY_ATTR_RECIRC_ID] = "recirc_id",
	[OVS_KEY_ATTR_MPLS] = "mpls",
	[OVS_KEY_ATTR_CT_STATE] = "ct_state",
	[OVS_KEY_ATTR_CT_ZONE] = "ct_zone",
	[OVS_KEY_ATTR_CT_MARK] = "ct_mark",
	[OVS_KEY_ATTR_CT_LABELS] = "ct_label",
	[OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4] = "ct_tuple4",
	[OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6] = "ct_tuple6",
	[OVS_KEY_ATTR_NSH] = "nsh",
	[OVS_KEY_ATTR_PACKET_TYPE] = "packet_type",
	[OVS_KEY_ATTR_ND_EXTENSIONS] = "nd_ext",
};

static const struct keydesc *struct_desc(int type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(structs); i++)
		if (structs[i].type == type)
			return &structs[i];
	return NULL;
}

static const char *tcp_flag_name(uint32_t bit)
{
	static const char *const names[] = { "fin", "syn", "rst", "psh", "ack",
					     "urg", "ece", "cwr", "ns" };
	int i = __builtin_ctz(bit);

	return bit && i < 9 ? names[i] : NULL;
}

static const char *tnl_flag_name(uint32_t bit)
{
	switch (bit) {
	case TNL_F_OAM:
		return "oam";
	case TNL_F_DF:
		return "df";
	case TNL_F_CSUM:
		return "csum";
	case TNL_F_KEY:
		return "key";
	}
	return NULL;
}

static const char *ct_state_name(uint32_t bit)
{
	switch (bit) {
	case OVS_CS_F_NEW:
		return "new";
	case OVS_CS_F_ESTABLISHED:
		return "est";
	case OVS_CS_F_RELATED:
		return "rel";
	case OVS_CS_F_REPLY_DIR:
		return "rpl";
	case OVS_CS_F_INVALID:
		return "inv";
	case OVS_CS_F_TRACKED:
		return "trk";
	case OVS_CS_F_SRC_NAT:
		return "snat";
	case OVS_CS_F_DST_NAT:
		return "dnat";
	}
	return NULL;
}

/* Parsing. */

static int field_size(enum ftype t)
{
	switch (t) {
	case F_BE16:
		return 2;
	case F_IPV4:
	case F_LABEL:
		return 4;
	case F_IN6:
		return 16;
	case F_ETH:
		return 6;
	default:
		return 1;
	}
}

/* An unsigned number of at most @max, with an optional "/MASK". */
static int scan_masked(const char *s, unsigned long long max,
		       unsigned long long *v, unsigned long long *m)
{
	int n = scan_uint(s, max, v), n2;

	if (!n)
		return 0;
	*m = max;
	if (s[n] == '/') {
		n2 = scan_uint(s + n + 1, max, m);
		if (!n2)
			return 0;
		n += 1 + n2;
	}
	return n;
}

/* One field's value (and mask) into @k and @m: characters taken or 0. */
static int parse_field(const char *s, enum ftype t, uint8_t *k, uint8_t *m)
{
	unsigned long long v, vm;
	uint16_t be16;
	uint32_t be32;
	int n = 0, n2;

	switch (t) {
	case F_U8:
	case F_U8X:
		n = scan_masked(s, 0xff, &v, &vm);
		*k = v;
		*m = vm;
		return n;
	case F_BE16:
		n = scan_masked(s, 0xffff, &v, &vm);
		be16 = htons(v);
		memcpy(k, &be16, 2);
		be16 = htons(vm);
		memcpy(m, &be16, 2);
		return n;
	case F_LABEL:
		n = scan_masked(s, LABEL_MASK, &v, &vm);
		be32 = htonl(v);
		memcpy(k, &be32, 4);
		be32 = htonl(vm);
		memcpy(m, &be32, 4);
		return n;
	case F_FRAG:
		n = strspn(s, "abcdefghijklmnopqrstuvwxyz");
		if (n == 2 && !strncmp(s, "no", 2))
			*k = OVS_FRAG_TYPE_NONE;
		else if (n == 5 && !strncmp(s, "first", 5))
			*k = OVS_FRAG_TYPE_FIRST;
		else if (n == 5 && !strncmp(s, "later", 5))
			*k = OVS_FRAG_TYPE_LATER;
		else
			return 0;
		*m = 0xff;
		return n;
	case F_IPV4:
		n = scan_ipv4(s, &be32);
		memcpy(k, &be32, 4);
		break;
	case F_IN6:
		n = scan_in6(s, k);
		break;
	case F_ETH:
		n = scan_eth(s, k);
		break;
	}
	if (!n)
		return 0;
	memset(m, 0xff, field_size(t));
	if (s[n] != '/')
		return n;
	if (t == F_IPV4) {
		n2 = scan_ipv4(s + n + 1, &be32);
		memcpy(m, &be32, 4);
	} else if (t == F_IN6) {
		n2 = scan_in6(s + n + 1, m);
	} else {
		n2 = scan_eth(s + n + 1, m);
	}
	return n2 ? n + 1 + n2 : 0;
}

/* After a field: "," goes on to the next, ")" ends; 0 on anything else. */
static int next_field(const char **p)
{
	if (**p == ',') {
		(*p)++;
		return 1;
	}
	return **p == ')';
}

/* "src=..,dst=..)" of a struct key: the length taken or -EINVAL. */
static int parse_struct(const char *s, const struct keydesc *d,
			struct attrbuf *key, struct attrbuf *mask)
{
	uint8_t k[64] = { 0 }, m[64] = { 0 };
	const char *p = s;

	while (*p != ')') {
		const struct field *f;
		int n = 0;

		for (f = d->fields; f->name; f++) {
			size_t len = strlen(f->name);

			if (!strncmp(p, f->name, len) && p[len] == '=') {
				p += len + 1;
				n = parse_field(p, f->type, k + f->off,
						m + f->off);
				break;
			}
		}
		if (!n)
			return -EINVAL;
		p += n;
		if (!next_field(&p))
			return -EINVAL;
	}
	ab_put(key, d->type, k, d->len);
	ab_put(mask, d->type, m, d->len);
	return p + 1 - s;
}

/* One value (and mask) of @len bytes, host order in, network order out. */
static int parse_single(const char *s, int type, int len, bool masked,
			bool net, struct attrbuf *key, struct attrbuf *mask)
{
	unsigned long long max = len == 4 ? UINT32_MAX : 0xffff, v, m = max;
	int n = masked ? scan_masked(s, max, &v, &m) : scan_uint(s, max, &v);
	uint32_t k32 = v, m32 = m;
	uint16_t k16 = v, m16 = m;

	if (!n || s[n] != ')')
		return -EINVAL;
	if (net) {
		k32 = htonl(k32);
		m32 = htonl(m32);
		k16 = htons(k16);
		m16 = htons(m16);
	}
	ab_put(key, type, len == 4 ? (void *)&k32 : (void *)&k16, len);
	ab_put(mask, type, len == 4 ? (void *)&m32 : (void *)&m16, len);
	return n + 1;
}

/* vlan(vid=..,pcp=..,cfi=..): each a bit field of the TCI. */
static int parse_vlan(const char *s, struct attrbuf *key, struct attrbuf *mask)
{
	static const struct {
		const char *name;
		int bits, shift;
	} bf[] = { { "vid=", 12, 0 }, { "pcp=", 3, 13 }, { "cfi=", 1, 12 } };
	uint16_t k = VLAN_CFI, m = VLAN_CFI;
	const char *p = s;

	while (*p != ')') {
		unsigned long long v, vm;
		size_t i;
		int n = 0;

		for (i = 0; i < 3; i++) {
			uint16_t bits = ((1u << bf[i].bits) - 1) << bf[i].shift;

			if (strncmp(p, bf[i].name, 4))
				continue;
			p += 4;
			n = scan_uint(p, (1u << bf[i].bits) - 1, &v);
			if (!n)
				return -EINVAL;
			k = (k & ~bits) | v << bf[i].shift;
			if (p[n] == '/') {
				int n2 = scan_uint(p + n + 1,
						   (1u << bf[i].bits) - 1, &vm);

				if (!n2)
					return -EINVAL;
				m = (m & ~bits) | vm << bf[i].shift;
				n += 1 + n2;
			} else {
				m |= bits;
			}
			break;
		}
		if (!n)
			return -EINVAL;
		p += n;
		if (!next_field(&p))
			return -EINVAL;
	}
	k = htons(k);
	m = htons(m);
	ab_put(key, OVS_KEY_ATTR_VLAN, &k, 2);
	ab_put(mask, OVS_KEY_ATTR_VLAN, &m, 2);
	return p + 1 - s;
}

/* mpls(label=..,tc=..,ttl=..,bos=..[,label=..]): a field seen twice starts
 * the next label stack entry.
 */
static int parse_mpls(const char *s, struct attrbuf *key, struct attrbuf *mask)
{
	static const struct {
		const char *name;
		int bits, shift;
	} bf[] = { { "label=", 20, 12 }, { "tc=", 3, 9 }, { "ttl=", 8, 0 },
		   { "bos=", 1, 8 } };
	uint32_t k[MAX_MPLS] = { 0 }, m[MAX_MPLS] = { 0 };
	const char *p = s;
	unsigned int seen = 0;
	int idx = 0, i;

	while (*p != ')') {
		unsigned long long v, vm;
		int n = 0;

		for (i = 0; i < 4; i++) {
			uint32_t max = (1u << bf[i].bits) - 1;
			size_t len = strlen(bf[i].name);

			if (strncmp(p, bf[i].name, len))
				continue;
			if (seen & 1u << i) {
				seen = 0;
				if (++idx == MAX_MPLS)
					return -EINVAL;
			}
			seen |= 1u << i;
			p += len;
			n = scan_uint(p, max, &v);
			if (!n)
				return -EINVAL;
			k[idx] = (k[idx] & ~(max << bf[i].shift)) |
				 v << bf[i].shift;
			if (p[n] == '/') {
				int n2 = scan_uint(p + n + 1, max, &vm);

				if (!n2)
					return -EINVAL;
				m[idx] = (m[idx] & ~(max << bf[i].shift)) |
					 vm << bf[i].shift;
				n += 1 + n2;
			} else {
				m[idx] |= max << bf[i].shift;
			}
			break;
		}
		if (!n)
			return -EINVAL;
		p += n;
		if (!next_field(&p))
			return -EINVAL;
	}
	for (i = 0; i <= idx; i++) {
		k[i] = htonl(k[i]);
		m[i] = htonl(m[i]);
	}
	ab_put(key, OVS_KEY_ATTR_MPLS, k, 4 * (idx + 1));
	ab_put(mask, OVS_KEY_ATTR_MPLS, m, 4 * (idx + 1));
	return p + 1 - s;
}

static void put_tnl_flags(struct attrbuf *b, uint32_t flags)
{
	if (flags & TNL_F_DF)
		ab_put(b, OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT, NULL, 0);
	if (flags & TNL_F_CSUM)
		ab_put(b, OVS_TUNNEL_KEY_ATTR_CSUM, NULL, 0);
	if (flags & TNL_F_OAM)
		ab_put(b, OVS_TUNNEL_KEY_ATTR_OAM, NULL, 0);
}

/* tunnel(tun_id=..,src=..,dst=..,tos=..,ttl=..,tp_src=..,flags(..)). */
static int parse_tunnel(const char *s, struct attrbuf *key,
			struct attrbuf *mask)
{
	static const struct {
		const char *name;
		enum ftype type;
		int attr;
	} tf[] = {
		{ "src=", F_IPV4, OVS_TUNNEL_KEY_ATTR_IPV4_SRC },
		{ "dst=", F_IPV4, OVS_TUNNEL_KEY_ATTR_IPV4_DST },
		{ "ipv6_src=", F_IN6, OVS_TUNNEL_KEY_ATTR_IPV6_SRC },
		{ "ipv6_dst=", F_IN6, OVS_TUNNEL_KEY_ATTR_IPV6_DST },
		{ "tos=", F_U8, OVS_TUNNEL_KEY_ATTR_TOS },
		{ "ttl=", F_U8, OVS_TUNNEL_KEY_ATTR_TTL },
		{ "tp_src=", F_BE16, OVS_TUNNEL_KEY_ATTR_TP_SRC },
		{ "tp_dst=", F_BE16, OVS_TUNNEL_KEY_ATTR_TP_DST },
	};
	size_t kn = ab_nest_start(key, OVS_KEY_ATTR_TUNNEL);
	size_t mn = ab_nest_start(mask, OVS_KEY_ATTR_TUNNEL);
	const char *p = s;

	while (*p != ')') {
		uint8_t k[16], m[16];
		int n = 0;
		size_t i;

		if (!strncmp(p, "tun_id=", 7)) {
			unsigned long long v, vm;
			uint64_t be;

			p += 7;
			n = scan_masked(p, UINT64_MAX, &v, &vm);
			be = htobe64(v);
			ab_put(key, OVS_TUNNEL_KEY_ATTR_ID, &be, 8);
			be = htobe64(vm);
			ab_put(mask, OVS_TUNNEL_KEY_ATTR_ID, &be, 8);
		} else if (!strncmp(p, "flags(", 6)) {
			uint32_t fl, fm;

			p += 6;
			n = parse_flags(p, tnl_flag_name, ')', TNL_F_MASK,
					&fl, &fm);
			if (n < 0 || p[n] != ')')
				return -EINVAL;
			n++;
			put_tnl_flags(key, fl);
			put_tnl_flags(mask, fm);
		} else {
			for (i = 0; i < ARRAY_SIZE(tf); i++) {
				size_t len = strlen(tf[i].name);

				if (strncmp(p, tf[i].name, len))
					continue;
				p += len;
				n = parse_field(p, tf[i].type, k, m);
				ab_put(key, tf[i].attr, k,
				       field_size(tf[i].type));
				ab_put(mask, tf[i].attr, m,
				       field_size(tf[i].type));
				break;
			}
		}
		if (n <= 0)
			return -EINVAL;
		p += n;
		if (!next_field(&p))
			return -EINVAL;
	}
	ab_nest_end(key, kn);
	ab_nest_end(mask, mn);
	return p + 1 - s;
}

static int parse_attr(const char *s, struct attrbuf *key,
		      struct attrbuf *mask, int depth);

static int parse_encap(const char *s, struct attrbuf *key,
		       struct attrbuf *mask, int depth)
{
	size_t kn, mn;
	const char *p = s;

	if (depth + 1 >= MAX_NESTING)
		return -EINVAL;
	kn = ab_nest_start(key, OVS_KEY_ATTR_ENCAP);
	mn = ab_nest_start(mask, OVS_KEY_ATTR_ENCAP);
	for (;;) {
		int n;

		p += strspn(p, ", \t\r\n");
		if (!*p)
			return -EINVAL;
		if (*p == ')')
			break;
		n = parse_attr(p, key, mask, depth + 1);
		if (n < 0)
			return n;
		p += n;
	}
	ab_nest_end(key, kn);
	ab_nest_end(mask, mn);
	return p + 1 - s;
}

static int parse_attr(const char *s, struct attrbuf *key,
		      struct attrbuf *mask, int depth)
{
	const struct keydesc *d;
	const char *name;
	size_t len;
	int type, n;

	for (type = 1; type <= OVS_KEY_ATTR_MAX; type++) {
		name = type < (int)ARRAY_SIZE(key_names) ? key_names[type] :
		       NULL;
		len = name ? strlen(name) : 0;
		if (len && !strncmp(s, name, len) && s[len] == '(')
			break;
	}
	if (type > OVS_KEY_ATTR_MAX)
		return -EINVAL;
	s += len + 1;
	d = struct_desc(type);
	if (d) {
		n = parse_struct(s, d, key, mask);
	} else if (type == OVS_KEY_ATTR_PRIORITY ||
		 type == OVS_KEY_ATTR_SKB_MARK ||
		 type == OVS_KEY_ATTR_DP_HASH || type == OVS_KEY_ATTR_CT_MARK ||
		 type == OVS_KEY_ATTR_IN_PORT) {
		n = parse_single(s, type, 4, true, false, key, mask);
	} else if (type == OVS_KEY_ATTR_RECIRC_ID) {
		n = parse_single(s, type, 4, false, false, key, mask);
	} else if (type == OVS_KEY_ATTR_CT_ZONE) {
		n = parse_single(s, type, 2, true, false, key, mask);
	} else if (type == OVS_KEY_ATTR_ETHERTYPE) {
		n = parse_single(s, type, 2, true, true, key, mask);
	} else if (type == OVS_KEY_ATTR_VLAN) {
		n = parse_vlan(s, key, mask);
	} else if (type == OVS_KEY_ATTR_MPLS) {
		n = parse_mpls(s, key, mask);
	} else if (type == OVS_KEY_ATTR_TUNNEL) {
		n = parse_tunnel(s, key, mask);
	} else if (type == OVS_KEY_ATTR_ENCAP) {
		n = parse_encap(s, key, mask, depth);
	} else if (type == OVS_KEY_ATTR_TCP_FLAGS ||
		 type == OVS_KEY_ATTR_CT_STATE) {
		bool tcp = type == OVS_KEY_ATTR_TCP_FLAGS;
		uint32_t fl, fm;

		n = parse_flags(s, tcp ? tcp_flag_name : ct_state_name, ')',
				tcp ? TCP_FLAGS_MASK : 0xff, &fl, &fm);
		if (n <= 0 || s[n] != ')')
			return -EINVAL;
		n++;
		if (tcp) {
			uint16_t k = htons(fl), m = htons(fm);

			ab_put(key, type, &k, 2);
			ab_put(mask, type, &m, 2);
		} else {
			ab_put(key, type, &fl, 4);
			ab_put(mask, type, &fm, 4);
		}
	} else {
		return -EINVAL;
	}
	return n < 0 ? n : (int)(n + len + 1);
}

/**
 * flow_key_attr_parse() - parse one key attribute, as set() holds it
 * @s: the text, from the attribute's name on
 * @key: gets the attribute
 * @mask: gets its mask
 *
 * Return: the characters taken, or -EINVAL.
 */
int flow_key_attr_parse(const char *s, struct attrbuf *key,
			struct attrbuf *mask)
{
	int n = parse_attr(s, key, mask, 0);

	return key->overflow || mask->overflow ? -EINVAL : n;
}

/**
 * flow_key_parse() - parse a flow key with its mask in ovs-dpctl's syntax
 * @s: the text
 * @key: gets the OVS_KEY_ATTR_* attributes
 * @mask: gets their masks
 * @err: gets a message on failure
 * @errlen: its size
 *
 * Return: 0 or -EINVAL.
 */
int flow_key_parse(const char *s, struct attrbuf *key, struct attrbuf *mask,
		   char *err, size_t errlen)
{
	for (;;) {
		int n;

		s += strspn(s, ", \t\r\n");
		if (!*s)
			return 0;
		n = flow_key_attr_parse(s, key, mask);
		if (n < 0) {
			snprintf(err, errlen, "syntax error at %s", s);
			return -EINVAL;
		}
		s += n;
	}
}

/* Formatting. */

static const struct nlattr *find_attr(const void *buf, size_t len, int type)
{
	const struct nlattr *a = buf;
	int left = len;

	if (!buf)
		return NULL;
	for (; attr_ok(a, left); a = attr_next(a, &left))
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	return NULL;
}

static const uint8_t *payload(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_HDRLEN;
}

static int plen(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t c)
{
	while (n--)
		if (*p++ != c)
			return false;
	return true;
}

static uint32_t get32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, payload(a), 4);
	return v;
}

static uint16_t get16(const struct nlattr *a)
{
	uint16_t v;

	memcpy(&v, payload(a), 2);
	return v;
}

/* Whether mask @ma is all @c (0 or 0xff) in the bits that count. */
static bool mask_is(const struct nlattr *ma, uint8_t c)
{
	const uint8_t *p = payload(ma);
	int type = ma->nla_type & NLA_TYPE_MASK;
	struct ovs_key_ipv6 m6;

	switch (type) {
	case OVS_KEY_ATTR_TCP_FLAGS:
		return (ntohs(get16(ma)) & TCP_FLAGS_MASK) ==
		       (c ? TCP_FLAGS_MASK : 0);
	case OVS_KEY_ATTR_IPV6:
		if (plen(ma) != sizeof(m6))
			return false;
		memcpy(&m6, p, sizeof(m6));
		return (ntohl(m6.ipv6_label) & LABEL_MASK) ==
		       (c ? LABEL_MASK : 0) && m6.ipv6_proto == c &&
		       m6.ipv6_tclass == c && m6.ipv6_hlimit == c &&
		       m6.ipv6_frag == c &&
		       all_bytes((const uint8_t *)m6.ipv6_src, 32, c);
	case OVS_KEY_ATTR_ARP:
		return all_bytes(p, offsetof(struct ovs_key_arp, arp_tha) + 6,
				 c);
	case OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4:
		return all_bytes(p, offsetof(struct ovs_key_ct_tuple_ipv4,
					     ipv4_proto) + 1, c);
	case OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6:
		return all_bytes(p, offsetof(struct ovs_key_ct_tuple_ipv6,
					     ipv6_proto) + 1, c);
	case OVS_KEY_ATTR_UNSPEC:
	case OVS_KEY_ATTR_ENCAP:
		return false;
	}
	if (type > OVS_KEY_ATTR_ND_EXTENSIONS)
		return false;
	return all_bytes(p, plen(ma), c);
}

static void format_hex(struct strbuf *sb, const uint8_t *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		sb_printf(sb, i ? " %02x" : "%02x", p[i]);
}

static void format_field(struct strbuf *sb, const char *name, enum ftype t,
			 const uint8_t *k, const uint8_t *m, bool verbose)
{
	int size = field_size(t);
	bool empty = m && all_bytes(m, size, 0);
	bool full = !m || all_bytes(m, size, 0xff);
	char buf[INET6_ADDRSTRLEN];
	uint16_t v16, m16;
	uint32_t v32, m32;

	if (t == F_FRAG) {
		if (!empty && !full)
			sb_printf(sb, "error: partial mask not supported for frag (%#x),",
				  *m);
		else if (!empty)
			sb_printf(sb, "%s=%s,", name,
				  *k == OVS_FRAG_TYPE_NONE ? "no" :
				  *k == OVS_FRAG_TYPE_FIRST ? "first" :
				  *k == OVS_FRAG_TYPE_LATER ? "later" :
				  "<error>");
		return;
	}
	if (!verbose && empty)
		return;
	sb_printf(sb, "%s=", name);
	switch (t) {
	case F_U8:
		sb_printf(sb, "%u", *k);
		if (!full)
			sb_printf(sb, "/%#x", *m);
		break;
	case F_U8X:
		sb_printf(sb, "%#x", *k);
		if (!full)
			sb_printf(sb, "/%#x", *m);
		break;
	case F_BE16:
		memcpy(&v16, k, 2);
		sb_printf(sb, "%u", ntohs(v16));
		if (!full) {
			memcpy(&m16, m, 2);
			sb_printf(sb, "/%#x", ntohs(m16));
		}
		break;
	case F_LABEL:
		memcpy(&v32, k, 4);
		sb_printf(sb, "%#x", ntohl(v32));
		if (m) {
			memcpy(&m32, m, 4);
			if ((ntohl(m32) & LABEL_MASK) != LABEL_MASK)
				sb_printf(sb, "/%#x", ntohl(m32));
		}
		break;
	case F_IPV4:
		sb_printf(sb, "%s", inet_ntop(AF_INET, k, buf, sizeof(buf)));
		if (!full)
			sb_printf(sb, "/%s",
				  inet_ntop(AF_INET, m, buf, sizeof(buf)));
		break;
	case F_IN6:
		sb_printf(sb, "%s", inet_ntop(AF_INET6, k, buf, sizeof(buf)));
		if (!full)
			sb_printf(sb, "/%s",
				  inet_ntop(AF_INET6, m, buf, sizeof(buf)));
		break;
	case F_ETH:
		format_eth(sb, k);
		if (!full) {
			sb_printf(sb, "/");
			format_eth(sb, m);
		}
		break;
	case F_FRAG:
		break;
	}
	sb_printf(sb, ",");
}

static void format_vlan(struct strbuf *sb, uint16_t tci, uint16_t mask,
			bool verbose)
{
	tci = ntohs(tci);
	mask = ntohs(mask);
	if (verbose || (tci & 0xfff) || (mask & 0xfff)) {
		sb_printf(sb, "vid=%u", tci & 0xfff);
		if ((mask & 0xfff) != 0xfff)
			sb_printf(sb, "/0x%x", mask & 0xfff);
		sb_printf(sb, ",");
	}
	if (verbose || (tci >> 13) || (mask >> 13)) {
		sb_printf(sb, "pcp=%u", tci >> 13);
		if ((mask >> 13) != 7)
			sb_printf(sb, "/0x%x", mask >> 13);
		sb_printf(sb, ",");
	}
	if (!(tci & VLAN_CFI))
		sb_printf(sb, "cfi=0,");
	sb_chomp(sb, ',');
}

/**
 * flow_vlan_format() - print a VLAN TCI as push_vlan() and vlan() do
 * @sb: appended to
 * @tci: the TCI, network order
 */
void flow_vlan_format(struct strbuf *sb, uint16_t tci)
{
	format_vlan(sb, tci, 0xffff, false);
}

static void format_mpls(struct strbuf *sb, const struct nlattr *a,
			const struct nlattr *ma)
{
	int n = plen(a) / 4, i;

	for (i = 0; i < n; i++) {
		uint32_t k, m;

		memcpy(&k, payload(a) + 4 * i, 4);
		k = ntohl(k);
		if (!ma) {
			sb_printf(sb, "label=%u,tc=%u,ttl=%u,bos=%u,",
				  k >> 12, (k >> 9) & 7, k & 0xff,
				  (k >> 8) & 1);
			continue;
		}
		memcpy(&m, payload(ma) + 4 * i, 4);
		m = ntohl(m);
		sb_printf(sb, "label=%u/0x%x,tc=%u/%x,ttl=%u/0x%x,bos=%u/%x,",
			  k >> 12, m >> 12, (k >> 9) & 7, (m >> 9) & 7,
			  k & 0xff, m & 0xff, (k >> 8) & 1, (m >> 8) & 1);
	}
	sb_chomp(sb, ',');
}

static void format_tunnel(struct strbuf *sb, const struct nlattr *a,
			  const struct nlattr *ma, bool verbose)
{
	static const uint8_t zeros[16];
	uint32_t flags = 0, mflags = 0;
	const struct nlattr *t;
	int left;

	for (t = (const void *)payload(a), left = plen(a); attr_ok(t, left);
	     t = attr_next(t, &left)) {
		int type = t->nla_type & NLA_TYPE_MASK;
		const struct nlattr *tm = NULL;
		const uint8_t *m = NULL;
		uint64_t v64, m64;

		if (ma) {
			tm = find_attr(payload(ma), plen(ma), type);
			m = tm && plen(tm) == plen(t) ? payload(tm) : zeros;
			if (plen(t) > 16)
				m = NULL;
		}
		switch (type) {
		case OVS_TUNNEL_KEY_ATTR_ID:
			if (plen(t) != 8)
				break;
			memcpy(&v64, payload(t), 8);
			m64 = UINT64_MAX;
			if (m)
				memcpy(&m64, m, 8);
			if (verbose || m64) {
				sb_printf(sb, "tun_id=0x%llx",
					  (unsigned long long)be64toh(v64));
				if (m64 != UINT64_MAX)
					sb_printf(sb, "/%#llx",
						  (unsigned long long)
						  be64toh(m64));
				sb_printf(sb, ",");
			}
			flags |= TNL_F_KEY;
			if (ma)
				mflags |= TNL_F_KEY;
			break;
		case OVS_TUNNEL_KEY_ATTR_IPV4_SRC:
		case OVS_TUNNEL_KEY_ATTR_IPV4_DST:
			if (plen(t) == 4)
				format_field(sb, type == OVS_TUNNEL_KEY_ATTR_IPV4_SRC ?
					     "src" : "dst", F_IPV4, payload(t),
					     m, verbose);
			break;
		case OVS_TUNNEL_KEY_ATTR_IPV6_SRC:
		case OVS_TUNNEL_KEY_ATTR_IPV6_DST:
			if (plen(t) == 16)
				format_field(sb, type == OVS_TUNNEL_KEY_ATTR_IPV6_SRC ?
					     "ipv6_src" : "ipv6_dst", F_IN6,
					     payload(t), m, verbose);
			break;
		case OVS_TUNNEL_KEY_ATTR_TOS:
		case OVS_TUNNEL_KEY_ATTR_TTL:
			if (plen(t) == 1)
				format_field(sb, type == OVS_TUNNEL_KEY_ATTR_TOS ?
					     "tos" : "ttl",
					     type == OVS_TUNNEL_KEY_ATTR_TOS ?
					     F_U8X : F_U8, payload(t), m,
					     verbose);
			break;
		case OVS_TUNNEL_KEY_ATTR_TP_SRC:
		case OVS_TUNNEL_KEY_ATTR_TP_DST:
			if (plen(t) == 2)
				format_field(sb, type == OVS_TUNNEL_KEY_ATTR_TP_SRC ?
					     "tp_src" : "tp_dst", F_BE16,
					     payload(t), m, verbose);
			break;
		case OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT:
			flags |= TNL_F_DF;
			break;
		case OVS_TUNNEL_KEY_ATTR_CSUM:
			flags |= TNL_F_CSUM;
			break;
		case OVS_TUNNEL_KEY_ATTR_OAM:
			flags |= TNL_F_OAM;
			break;
		case OVS_TUNNEL_KEY_ATTR_PAD:
			break;
		default:
			sb_printf(sb, "key%u(", type);
			format_hex(sb, payload(t), plen(t));
			if (tm && !all_bytes(payload(tm), plen(tm), 0xff)) {
				sb_printf(sb, "/");
				format_hex(sb, payload(tm), plen(tm));
			}
			sb_printf(sb, "),");
		}
	}
	if (ma) {
		for (t = (const void *)payload(ma), left = plen(ma); attr_ok(t, left);
	     t = attr_next(t, &left)) {
			switch (t->nla_type & NLA_TYPE_MASK) {
			case OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT:
				mflags |= TNL_F_DF;
				break;
			case OVS_TUNNEL_KEY_ATTR_CSUM:
				mflags |= TNL_F_CSUM;
				break;
			case OVS_TUNNEL_KEY_ATTR_OAM:
				mflags |= TNL_F_OAM;
				break;
			}
		}
	}
	if (verbose || !ma || mflags) {
		sb_printf(sb, "flags(");
		if (ma)
			format_flags_masked(sb, tnl_flag_name, flags,
					    mflags & TNL_F_MASK, TNL_F_MASK);
		else
			format_flags(sb, tnl_flag_name, flags, '|');
		sb_printf(sb, "),");
	}
	sb_chomp(sb, ',');
}

/* A mask of zeros shaped like @a (nested attributes keep their shape). */
static void zero_mask(const struct nlattr *a, uint8_t *buf)
{
	const struct nlattr *c;
	struct nlattr *z = (struct nlattr *)buf;
	int type = a->nla_type & NLA_TYPE_MASK, left;

	memcpy(buf, a, a->nla_len);
	if (type != OVS_KEY_ATTR_ENCAP && type != OVS_KEY_ATTR_TUNNEL) {
		memset(buf + NLA_HDRLEN, 0, plen(a));
		return;
	}
	for (c = (const void *)payload(z), left = plen(z); attr_ok(c, left);
	     c = attr_next(c, &left))
		memset((uint8_t *)c + NLA_HDRLEN, 0, plen(c));
}

/**
 * flow_key_attr_format() - print one key attribute as ovs-dpctl does
 * @sb: appended to
 * @a_: the attribute
 * @ma_: its mask, or NULL for an exact match
 * @verbose: print wildcarded fields too
 */
void flow_key_attr_format(struct strbuf *sb, const void *a_, const void *ma_,
			  bool verbose)
{
	const struct nlattr *a = a_, *ma = ma_;
	int type = a->nla_type & NLA_TYPE_MASK;
	const char *name = type < (int)ARRAY_SIZE(key_names) ?
			   key_names[type] : NULL;
	bool exact = ma ? mask_is(ma, 0xff) : true;
	bool mempty = !ma || mask_is(ma, 0);
	const struct keydesc *d = struct_desc(type);

	if (name)
		sb_printf(sb, "%s(", name);
	else
		sb_printf(sb, "key%u(", type);
	if (ma && plen(ma) != plen(a) && type != OVS_KEY_ATTR_ENCAP &&
	    type != OVS_KEY_ATTR_TUNNEL)
		ma = NULL;
	if (d && plen(a) == d->len) {
		const struct field *f;

		for (f = d->fields; f->name; f++)
			format_field(sb, f->out ? f->out : f->name, f->type,
				     payload(a) + f->off,
				     ma ? payload(ma) + f->off : NULL,
				     verbose);
		sb_chomp(sb, ',');
		sb_printf(sb, ")");
		return;
	}
	switch (plen(a) == 4 ? type : plen(a) == 2 ? -type : 0) {
	case OVS_KEY_ATTR_PRIORITY:
	case OVS_KEY_ATTR_SKB_MARK:
	case OVS_KEY_ATTR_DP_HASH:
	case OVS_KEY_ATTR_RECIRC_ID:
	case OVS_KEY_ATTR_CT_MARK:
		if (type == OVS_KEY_ATTR_CT_MARK && !verbose && mempty)
			break;
		sb_printf(sb, "%#x", get32(a));
		if (!exact)
			sb_printf(sb, "/%#x", get32(ma));
		break;
	case OVS_KEY_ATTR_IN_PORT:
		sb_printf(sb, "%u", get32(a));
		if (!exact)
			sb_printf(sb, "/%#x", get32(ma));
		break;
	case OVS_KEY_ATTR_CT_STATE:
		if (verbose) {
			sb_printf(sb, "%#x", get32(a));
			if (!exact)
				sb_printf(sb, "/%#x", mempty ? 0 : get32(ma));
		} else if (!exact) {
			format_flags_masked(sb, ct_state_name, get32(a),
					    mempty ? 0 : get32(ma), UINT32_MAX);
		} else {
			format_flags(sb, ct_state_name, get32(a), '|');
		}
		break;
	case -OVS_KEY_ATTR_CT_ZONE:
		if (!verbose && mempty)
			break;
		sb_printf(sb, "%#x", get16(a));
		if (!exact)
			sb_printf(sb, "/%#x", get16(ma));
		break;
	case -OVS_KEY_ATTR_ETHERTYPE:
		sb_printf(sb, "0x%04x", ntohs(get16(a)));
		if (!exact)
			sb_printf(sb, "/0x%04x", ntohs(get16(ma)));
		break;
	case -OVS_KEY_ATTR_VLAN:
		format_vlan(sb, get16(a), ma ? get16(ma) : 0xffff, verbose);
		break;
	case -OVS_KEY_ATTR_TCP_FLAGS:
		if (!exact)
			format_flags_masked(sb, tcp_flag_name, ntohs(get16(a)),
					    ntohs(get16(ma)) & TCP_FLAGS_MASK,
					    TCP_FLAGS_MASK);
		else
			format_flags(sb, tcp_flag_name, ntohs(get16(a)), '|');
		break;
	default:
		if (type == OVS_KEY_ATTR_ENCAP) {
			if (plen(a))
				flow_key_format(sb, payload(a), plen(a),
						ma && plen(ma) ? payload(ma) :
						NULL, ma ? plen(ma) : 0,
						verbose);
		} else if (type == OVS_KEY_ATTR_TUNNEL) {
			format_tunnel(sb, a, ma, verbose);
		} else if (type == OVS_KEY_ATTR_MPLS && plen(a) &&
			   !(plen(a) % 4)) {
			format_mpls(sb, a, exact ? NULL : ma);
		} else {
			format_hex(sb, payload(a), plen(a));
			if (!exact) {
				sb_printf(sb, "/");
				format_hex(sb, payload(ma), plen(ma));
			}
		}
	}
	sb_printf(sb, ")");
}

/**
 * flow_key_format() - print a flow key and mask as ovs-dpctl dump-flows
 * @sb: appended to
 * @key: the OVS_KEY_ATTR_* attributes
 * @key_len: their length
 * @mask: the mask attributes, or NULL
 * @mask_len: their length
 * @verbose: print wildcarded attributes and fields too
 */
void flow_key_format(struct strbuf *sb, const void *key, size_t key_len,
		     const void *mask, size_t mask_len, bool verbose)
{
	bool first = true, has_ethtype = false;
	const struct nlattr *a, *ma;
	uint8_t zeros[ATTRBUF_SIZE];
	int left;

	if (!key_len) {
		sb_printf(sb, "<empty>");
		return;
	}
	for (a = (const void *)key, left = key_len; attr_ok(a, left);
	     a = attr_next(a, &left)) {
		int type = a->nla_type & NLA_TYPE_MASK;
		bool nested = type == OVS_KEY_ATTR_ENCAP ||
			      type == OVS_KEY_ATTR_TUNNEL ||
			      type == OVS_KEY_ATTR_NSH;
		bool wild = false;

		ma = mask_len ? find_attr(mask, mask_len, type) : NULL;
		if (type == OVS_KEY_ATTR_ETHERTYPE)
			has_ethtype = true;
		if (mask && mask_len)
			wild = ma ? mask_is(ma, 0) : true;
		if (verbose || !wild || nested) {
			if (wild && !ma && a->nla_len <= sizeof(zeros)) {
				zero_mask(a, zeros);
				ma = (const struct nlattr *)zeros;
			}
			if (!first)
				sb_printf(sb, ",");
			flow_key_attr_format(sb, a, ma, verbose);
			first = false;
		} else if (type == OVS_KEY_ATTR_ETHERNET) {
			if (!first)
				sb_printf(sb, ",");
			sb_printf(sb, "eth()");
		}
	}
	if (!has_ethtype) {
		ma = find_attr(mask, mask_len, OVS_KEY_ATTR_ETHERTYPE);
		if (ma && plen(ma) == 2)
			sb_printf(sb, ",eth_type(0/0x%04x)", ntohs(get16(ma)));
	}
}
