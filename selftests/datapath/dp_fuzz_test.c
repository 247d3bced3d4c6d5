// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: every netlink caller of kvirt_dp.ko is hostile, and the hand-written
 * negative tests only cover the mistakes someone thought of. This test
 * sends thousands of random and mutated requests to the four OVS families
 * (valid datapath, vport, flow and packet requests with real keys, masks
 * and nested actions, then bit flips, truncations, broken lengths, extra
 * nesting, duplicated, oversized and unknown attributes, random commands,
 * flags and datapath ifindexes, and plain noise) while frames flow
 * through a veth vport. Every request must be answered, the kernel log
 * must stay clean (lab/report.py judges that from the dmesg the lab
 * records after each test, not this program), the module must still
 * forward afterwards, and once the datapaths are gone no object may be
 * left.
 *
 * The seed is printed; KVIRT_DP_FUZZ_SEED reruns a sequence,
 * KVIRT_DP_FUZZ_SECS changes how long the fuzzing lasts and
 * KVIRT_DP_FUZZ_MODULE=openvswitch runs it on the stock module instead.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ovs_cmd.h"

#define HOME "kfz0"
#define PORT "kfzv0"
#define PEER "kfzv1"
#define OUT "kfzw0"
#define OUT_PEER "kfzw1"
#define CHECK_DP "kfzc"

#define DEFAULT_SEED 0x6b76697274ULL
#define DEFAULT_SECS 30
/* How long a request may go unanswered (a slow emulated lab included). */
#define ANSWER_MS 15000
/* Room a generator leaves in a message for the mutations. */
#define GEN_ROOM (NLU_BUF - 4096)
#define MAX_ATTRS 512
#define OBJECTS "/sys/kernel/debug/kvirt_dp/objects"

static const char * const dp_names[] = { HOME, "kfz1", "kfz2", "kfz3" };
static const char * const vport_names[] = {
	PORT, OUT, "kfzi0", "kfzi1", HOME, "kfz1", "lo", PEER,
};

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 2 };

/* xorshift64*: the generator stream, and one for mask bits and noise. */
static uint64_t rng, rng2;

static uint64_t next64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static uint32_t rnd(uint32_t below)
{
	return below ? next64(&rng) % below : 0;
}

static bool chance(int percent)
{
	return rnd(100) < (uint32_t)percent;
}

static uint32_t interesting(void)
{
	static const uint32_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x7fff,
		0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe,
		0xffffffff,
	};

	return chance(70) ? v[rnd(ARRAY_SIZE(v))] : next64(&rng);
}

static void rand_bytes(void *p, int len)
{
	uint8_t *b = p;

	while (len-- > 0)
		*b++ = next64(&rng2);
}

struct fuzz {
	struct nlu s;
	struct ovs_families f;
	uint32_t sink;			/* upcalls go to a socket nobody reads */
	bool overrun;			/* our socket dropped something */
	unsigned long sent[4], ok[4], timeouts, excused;
	/* Successes of requests that were not dumps, by family and command. */
	unsigned long cmd_ok[4][8];
	long long slowest, total_ms, gen_ms;	/* answer times */
	unsigned long errnos[256];
};

static uint16_t family_id(const struct fuzz *z, int i)
{
	const struct nlu_family *fam[] = {
		&z->f.dp, &z->f.vport, &z->f.flow, &z->f.packet,
	};

	return fam[i]->id;
}

static int family_index(const struct fuzz *z, uint16_t id)
{
	int i;

	for (i = 0; i < 4; i++)
		if (family_id(z, i) == id)
			return i;
	return -1;
}

static uint32_t pick_port(void)
{
	return chance(85) ? rnd(4) : interesting();
}

static int pick_dp_ifindex(void)
{
	switch (rnd(10)) {
	case 0:
		return 0;
	case 1:
		return ifindex_of(PORT);
	case 2:
		return 1;
	case 3:
		return interesting();
	case 4:
	case 5:
		return ifindex_of(dp_names[rnd(4)]);
	default:
		return ifindex_of(HOME);
	}
}

/* A name attribute: a known one, or any bytes (maybe unterminated). */
static void put_name(struct nlu_msg *m, int type, const char * const *names,
		     int n)
{
	char s[40];
	int len;

	if (chance(90)) {
		nlu_put_str(m, type, names[rnd(n)]);
		return;
	}
	len = rnd(sizeof(s));
	rand_bytes(s, len);
	nlu_put(m, type, s, len);
}

/* @len bytes of @v, or for a mask all ones mostly, else random bits. */
static void put_field(struct nlu_msg *m, int type, const void *v, int len,
		      bool mask)
{
	uint8_t b[64];
	int i;

	if (mask) {
		for (i = 0; i < len; i++)
			b[i] = next64(&rng2) % 5 ? 0xff : next64(&rng2);
		v = b;
	}
	nlu_put(m, type, v, len);
}

static void put_be16(struct nlu_msg *m, int type, uint16_t v, bool mask)
{
	uint16_t be = htons(v);

	put_field(m, type, &be, 2, mask);
}

static void put_u32f(struct nlu_msg *m, int type, uint32_t v, bool mask)
{
	put_field(m, type, &v, 4, mask);
}

static uint8_t pick_proto(bool v6)
{
	static const uint8_t p[] = { 6, 17, 132, 1, 58, 0, 47 };
	uint8_t proto = chance(90) ? p[rnd(sizeof(p))] : rnd(256);

	if (chance(80) && proto == (v6 ? 1 : 58))
		proto = v6 ? 58 : 1;
	return proto;
}

static void put_l4(struct nlu_msg *m, uint8_t proto, bool mask)
{
	uint16_t sport = 1000 + rnd(4), dport = 2000 + rnd(4);

	if (proto == 6) {
		struct ovs_key_tcp t = { htons(sport), htons(dport) };

		put_field(m, OVS_KEY_ATTR_TCP, &t, sizeof(t), mask);
		if (chance(50))
			put_be16(m, OVS_KEY_ATTR_TCP_FLAGS, rnd(0x1000), mask);
	} else if (proto == 17) {
		struct ovs_key_udp u = { htons(sport), htons(dport) };

		put_field(m, OVS_KEY_ATTR_UDP, &u, sizeof(u), mask);
	} else if (proto == 132) {
		struct ovs_key_sctp s = { htons(sport), htons(dport) };

		put_field(m, OVS_KEY_ATTR_SCTP, &s, sizeof(s), mask);
	} else if (proto == 1) {
		struct ovs_key_icmp i = { rnd(2) ? 8 : rnd(256), rnd(3) };

		put_field(m, OVS_KEY_ATTR_ICMP, &i, sizeof(i), mask);
	} else if (proto == 58) {
		struct ovs_key_icmpv6 i = { 133 + rnd(5), 0 };
		struct ovs_key_nd nd = {};

		put_field(m, OVS_KEY_ATTR_ICMPV6, &i, sizeof(i), mask);
		if (i.icmpv6_type == 135 || i.icmpv6_type == 136 ||
		    chance(10)) {
			nd.nd_target[0] = htonl(0xfe800000);
			nd.nd_target[3] = htonl(rnd(4));
			memcpy(nd.nd_sll, mac_a, 6);
			put_field(m, OVS_KEY_ATTR_ND, &nd, sizeof(nd), mask);
		}
	}
}

static void put_ipv4(struct nlu_msg *m, bool mask)
{
	struct ovs_key_ipv4 ip = {
		.ipv4_src = htonl(0x0a000001 + rnd(4)),
		.ipv4_dst = htonl(0x0a000002),
		.ipv4_proto = pick_proto(false),
		.ipv4_tos = rnd(4) << 2,
		.ipv4_ttl = 64,
		.ipv4_frag = chance(20) ? rnd(4) : 0,
	};

	put_field(m, OVS_KEY_ATTR_IPV4, &ip, sizeof(ip), mask);
	if (ip.ipv4_frag != OVS_FRAG_TYPE_LATER || chance(20))
		put_l4(m, ip.ipv4_proto, mask);
}

static void put_ipv6(struct nlu_msg *m, bool mask)
{
	struct ovs_key_ipv6 ip = {
		.ipv6_label = htonl(rnd(0x100000)),
		.ipv6_proto = pick_proto(true),
		.ipv6_hlimit = 255,
		.ipv6_frag = chance(20) ? rnd(4) : 0,
	};
	struct ovs_key_ipv6_exthdrs ext = { rnd(0x200) };

	ip.ipv6_src[0] = htonl(0xfe800000);
	ip.ipv6_src[3] = htonl(1 + rnd(4));
	ip.ipv6_dst[0] = htonl(0xfe800000);
	ip.ipv6_dst[3] = htonl(2);
	put_field(m, OVS_KEY_ATTR_IPV6, &ip, sizeof(ip), mask);
	if (chance(20))
		put_field(m, OVS_KEY_ATTR_IPV6_EXTHDRS, &ext, sizeof(ext),
			  mask);
	put_l4(m, ip.ipv6_proto, mask);
}

static void put_tunnel(struct nlu_msg *m, int type, bool mask)
{
	struct nlattr *t = nlu_nest(m, type);
	uint64_t id = htobe64(rnd(1 << 24));
	uint8_t opts[16] = { 0x01, 0x02, 0x80, 0x01 }, u8v = 64;
	uint32_t a;

	if (chance(90))
		put_field(m, OVS_TUNNEL_KEY_ATTR_ID, &id, 8, mask);
	a = htonl(0xc0a80001 + rnd(2));
	if (chance(50)) {
		put_field(m, OVS_TUNNEL_KEY_ATTR_IPV4_SRC, &a, 4, mask);
		a = htonl(0xc0a80002);
		put_field(m, OVS_TUNNEL_KEY_ATTR_IPV4_DST, &a, 4, mask);
	} else {
		uint8_t v6[16] = { 0xfd, [15] = 1 };

		put_field(m, OVS_TUNNEL_KEY_ATTR_IPV6_SRC, v6, 16, mask);
		v6[15] = 2;
		put_field(m, OVS_TUNNEL_KEY_ATTR_IPV6_DST, v6, 16, mask);
	}
	put_field(m, OVS_TUNNEL_KEY_ATTR_TTL, &u8v, 1, mask);
	if (chance(50))
		put_field(m, OVS_TUNNEL_KEY_ATTR_TOS, &u8v, 1, mask);
	if (chance(30))
		nlu_put(m, OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT, NULL, 0);
	if (chance(30))
		nlu_put(m, OVS_TUNNEL_KEY_ATTR_CSUM, NULL, 0);
	if (chance(40))
		put_be16(m, OVS_TUNNEL_KEY_ATTR_TP_DST, 4789 + rnd(2) * 1292,
			 mask);
	if (chance(20))
		put_field(m, OVS_TUNNEL_KEY_ATTR_GENEVE_OPTS, opts,
			  4 * (1 + rnd(4)), mask);
	if (chance(15)) {
		struct nlattr *v = nlu_nest(m, OVS_TUNNEL_KEY_ATTR_VXLAN_OPTS);

		put_u32f(m, OVS_VXLAN_EXT_GBP, rnd(0x10000), mask);
		nlu_nest_end(m, v);
	}
	nlu_nest_end(m, t);
}

enum { K_L2, K_IPV4, K_IPV6, K_ARP, K_VLAN, K_QINQ, K_MPLS, K_TUNNEL,
	K_KINDS };

static void put_vlan_ipv4(struct nlu_msg *m, bool mask, int tags)
{
	struct nlattr *encap;

	put_be16(m, OVS_KEY_ATTR_ETHERTYPE, tags == 2 ? 0x88a8 : 0x8100,
		 mask);
	put_be16(m, OVS_KEY_ATTR_VLAN, 0x1000 | rnd(4), mask);
	encap = nlu_nest(m, OVS_KEY_ATTR_ENCAP);
	if (tags == 2) {
		put_vlan_ipv4(m, mask, 1);
	} else if (chance(90)) {
		put_be16(m, OVS_KEY_ATTR_ETHERTYPE, 0x0800, mask);
		put_ipv4(m, mask);
	}
	nlu_nest_end(m, encap);
}

/* A flow key (or, with @mask, a mask of it) of one kind of packet. */
static void put_key(struct nlu_msg *m, int type, int kind, bool mask)
{
	struct nlattr *nest = nlu_nest(m, type);
	struct ovs_key_ethernet eth;
	struct ovs_key_arp arp = {
		.arp_sip = htonl(0x0a000001), .arp_tip = htonl(0x0a000002),
		.arp_op = htons(1 + rnd(2)),
	};
	struct ovs_key_mpls mpls = { htonl(0x100 | rnd(0x100000) << 12) };
	int i;

	memcpy(eth.eth_src, mac_a, 6);
	memcpy(eth.eth_dst, mac_b, 6);
	if (chance(85))
		put_u32f(m, OVS_KEY_ATTR_IN_PORT, pick_port(), mask);
	if (chance(15))
		put_u32f(m, OVS_KEY_ATTR_PRIORITY, rnd(8), mask);
	if (chance(15))
		put_u32f(m, OVS_KEY_ATTR_SKB_MARK, rnd(8), mask);
	if (chance(15))
		put_u32f(m, OVS_KEY_ATTR_RECIRC_ID, rnd(3), mask);
	if (chance(10))
		put_u32f(m, OVS_KEY_ATTR_DP_HASH, rnd(16), mask);
	if (chance(5))
		put_u32f(m, OVS_KEY_ATTR_CT_STATE, rnd(0x100), mask);
	if (chance(5))
		put_field(m, OVS_KEY_ATTR_CT_ZONE, "\0\1", 2, mask);
	if (chance(5))
		put_u32f(m, OVS_KEY_ATTR_CT_MARK, rnd(4), mask);
	if (kind == K_TUNNEL || chance(5))
		put_tunnel(m, OVS_KEY_ATTR_TUNNEL, mask);
	if (chance(95))
		put_field(m, OVS_KEY_ATTR_ETHERNET, &eth, sizeof(eth), mask);
	switch (kind) {
	case K_L2:
		if (chance(70))
			put_be16(m, OVS_KEY_ATTR_ETHERTYPE,
				 chance(50) ? 0x88cc : rnd(0x10000), mask);
		break;
	case K_TUNNEL:
	case K_IPV4:
		put_be16(m, OVS_KEY_ATTR_ETHERTYPE, 0x0800, mask);
		put_ipv4(m, mask);
		break;
	case K_IPV6:
		put_be16(m, OVS_KEY_ATTR_ETHERTYPE, 0x86dd, mask);
		put_ipv6(m, mask);
		break;
	case K_ARP:
		memcpy(arp.arp_sha, mac_a, 6);
		put_be16(m, OVS_KEY_ATTR_ETHERTYPE, 0x0806, mask);
		put_field(m, OVS_KEY_ATTR_ARP, &arp, sizeof(arp), mask);
		break;
	case K_VLAN:
		put_vlan_ipv4(m, mask, 1);
		break;
	case K_QINQ:
		put_vlan_ipv4(m, mask, 2);
		break;
	case K_MPLS:
		put_be16(m, OVS_KEY_ATTR_ETHERTYPE, 0x8847, mask);
		/* OVS takes a run of label stack entries in one attribute. */
		{
			struct ovs_key_mpls lse[3];

			for (i = 0; i < 3; i++)
				lse[i] = mpls;
			put_field(m, OVS_KEY_ATTR_MPLS, lse,
				  sizeof(mpls) * (1 + rnd(3)), mask);
		}
		break;
	}
	nlu_nest_end(m, nest);
}

/* A key and, maybe, its mask, drawn from the same stream of choices. */
static void put_match(struct nlu_msg *m, bool with_mask)
{
	int kind = rnd(K_KINDS);
	uint64_t saved = rng;

	put_key(m, OVS_FLOW_ATTR_KEY, kind, false);
	if (!with_mask)
		return;
	rng = saved;
	put_key(m, OVS_FLOW_ATTR_MASK, kind, true);
}

static void put_actions(struct fuzz *z, struct nlu_msg *m, int type,
			int depth);

/* One key attribute for a set action; masked: value then mask. */
static void put_set_key(struct nlu_msg *m, int type, bool masked)
{
	struct nlattr *nest = nlu_nest(m, type);
	uint8_t v[2 * sizeof(struct ovs_key_ipv6)];
	static const struct {
		int type, len;
	} f[] = {
		{ OVS_KEY_ATTR_ETHERNET, sizeof(struct ovs_key_ethernet) },
		{ OVS_KEY_ATTR_IPV4, sizeof(struct ovs_key_ipv4) },
		{ OVS_KEY_ATTR_IPV6, sizeof(struct ovs_key_ipv6) },
		{ OVS_KEY_ATTR_UDP, sizeof(struct ovs_key_udp) },
		{ OVS_KEY_ATTR_TCP, sizeof(struct ovs_key_tcp) },
		{ OVS_KEY_ATTR_SKB_MARK, 4 },
		{ OVS_KEY_ATTR_PRIORITY, 4 },
		{ OVS_KEY_ATTR_MPLS, sizeof(struct ovs_key_mpls) },
		{ OVS_KEY_ATTR_IN_PORT, 4 },
	};
	int i = rnd(ARRAY_SIZE(f) + 1);

	if (i == ARRAY_SIZE(f) && !masked) {
		put_tunnel(m, OVS_KEY_ATTR_TUNNEL, false);
	} else {
		i %= ARRAY_SIZE(f);
		rand_bytes(v, sizeof(v));
		nlu_put(m, f[i].type, v, f[i].len * (masked ? 2 : 1));
	}
	nlu_nest_end(m, nest);
}

static void put_action(struct fuzz *z, struct nlu_msg *m, int depth)
{
	struct ovs_action_push_vlan vlan = {
		htons(rnd(2) ? 0x8100 : 0x88a8), htons(0x1000 | rnd(8)),
	};
	struct ovs_action_push_mpls pm = { htonl(0x1100), htons(0x8847) };
	struct ovs_action_add_mpls am = { htonl(0x1100), htons(0x8848),
					  rnd(2) };
	struct ovs_action_hash hash = { rnd(3), rnd(16) };
	struct ovs_action_trunc trunc = { interesting() };
	struct ovs_action_push_eth pe = {};
	struct nlattr *nest, *inner;
	uint8_t data[64];
	int pick = rnd(depth > 0 ? 24 : 17);

	switch (pick) {
	case 0 ... 3:
		nlu_put_u32(m, OVS_ACTION_ATTR_OUTPUT, pick_port());
		break;
	case 4:
		nest = nlu_nest(m, OVS_ACTION_ATTR_USERSPACE);
		nlu_put_u32(m, OVS_USERSPACE_ATTR_PID, z->sink);
		if (chance(50)) {
			rand_bytes(data, sizeof(data));
			nlu_put(m, OVS_USERSPACE_ATTR_USERDATA, data,
				rnd(sizeof(data)));
		}
		if (chance(20))
			nlu_put_u32(m, OVS_USERSPACE_ATTR_EGRESS_TUN_PORT,
				    pick_port());
		if (chance(20))
			nlu_put(m, OVS_USERSPACE_ATTR_ACTIONS, NULL, 0);
		nlu_nest_end(m, nest);
		break;
	case 5:
		put_set_key(m, OVS_ACTION_ATTR_SET, false);
		break;
	case 6:
		put_set_key(m, OVS_ACTION_ATTR_SET_MASKED, true);
		break;
	case 7:
		nlu_put(m, OVS_ACTION_ATTR_PUSH_VLAN, &vlan, sizeof(vlan));
		break;
	case 8:
		nlu_put(m, OVS_ACTION_ATTR_POP_VLAN, NULL, 0);
		break;
	case 9:
		nlu_put_u32(m, OVS_ACTION_ATTR_RECIRC, rnd(4));
		break;
	case 10:
		nlu_put(m, OVS_ACTION_ATTR_HASH, &hash, sizeof(hash));
		break;
	case 11:
		if (chance(50))
			nlu_put(m, OVS_ACTION_ATTR_PUSH_MPLS, &pm, sizeof(pm));
		else
			nlu_put(m, OVS_ACTION_ATTR_POP_MPLS, "\x08\x00", 2);
		break;
	case 12:
		nest = nlu_nest(m, OVS_ACTION_ATTR_CT);
		if (chance(50))
			nlu_put(m, OVS_CT_ATTR_COMMIT, NULL, 0);
		if (chance(50))
			nlu_put(m, OVS_CT_ATTR_ZONE, "\1\0", 2);
		nlu_nest_end(m, nest);
		break;
	case 13:
		nlu_put(m, OVS_ACTION_ATTR_TRUNC, &trunc, sizeof(trunc));
		break;
	case 14:
		memcpy(pe.addresses.eth_src, mac_a, 6);
		if (chance(50))
			nlu_put(m, OVS_ACTION_ATTR_PUSH_ETH, &pe, sizeof(pe));
		else
			nlu_put(m, OVS_ACTION_ATTR_POP_ETH, NULL, 0);
		break;
	case 15:
		if (chance(50))
			nlu_put(m, OVS_ACTION_ATTR_CT_CLEAR, NULL, 0);
		else
			nlu_put_u32(m, OVS_ACTION_ATTR_METER, rnd(4));
		break;
	case 16:
		nlu_put(m, OVS_ACTION_ATTR_ADD_MPLS, &am, sizeof(am));
		break;
	case 17 ... 18:
		nest = nlu_nest(m, OVS_ACTION_ATTR_SAMPLE);
		nlu_put_u32(m, OVS_SAMPLE_ATTR_PROBABILITY,
			    chance(50) ? 0xffffffff : interesting());
		put_actions(z, m, OVS_SAMPLE_ATTR_ACTIONS, depth - 1);
		nlu_nest_end(m, nest);
		break;
	case 19 ... 20:
		put_actions(z, m, OVS_ACTION_ATTR_CLONE, depth - 1);
		break;
	case 21 ... 22:
		nest = nlu_nest(m, OVS_ACTION_ATTR_CHECK_PKT_LEN);
		if (chance(95)) {
			uint16_t len = chance(70) ? 64 + rnd(1500) : rnd(0x10000);

			nlu_put(m, OVS_CHECK_PKT_LEN_ATTR_PKT_LEN, &len, 2);
		}
		if (chance(95))
			put_actions(z, m,
				    OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER,
				    depth - 1);
		if (chance(95))
			put_actions(z, m,
				    OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL,
				    depth - 1);
		nlu_nest_end(m, nest);
		break;
	default:
		nest = nlu_nest(m, OVS_ACTION_ATTR_DEC_TTL);
		inner = nlu_nest(m, OVS_DEC_TTL_ATTR_ACTION);
		put_actions(z, m, 0, depth - 1);
		nlu_nest_end(m, inner);
		nlu_nest_end(m, nest);
		break;
	}
}

/*
 * A list of actions in a nest of @type (0: straight into the current
 * nest). Now and then a deep chain of clones and samples instead.
 */
static void put_actions(struct fuzz *z, struct nlu_msg *m, int type,
			int depth)
{
	struct nlattr *nest = type ? nlu_nest(m, type) : NULL;
	struct nlattr *chain[48];
	int n = rnd(5), i, deep;

	if (depth >= 3 && chance(3)) {
		deep = 4 + rnd(44);
		for (i = 0; i < deep; i++)
			chain[i] = nlu_nest(m, rnd(2) ? OVS_ACTION_ATTR_CLONE :
					    OVS_ACTION_ATTR_DEC_TTL);
		nlu_put_u32(m, OVS_ACTION_ATTR_OUTPUT, pick_port());
		while (deep--)
			nlu_nest_end(m, chain[deep]);
	}
	for (i = 0; i < n && m->nh.nlmsg_len < GEN_ROOM - 1024; i++)
		put_action(z, m, depth);
	if (nest)
		nlu_nest_end(m, nest);
}

static void gen_dp(struct fuzz *z, struct nlu_msg *m)
{
	static const uint32_t features[] = {
		0, OVS_DP_F_UNALIGNED, OVS_DP_F_VPORT_PIDS,
		OVS_DP_F_UNALIGNED | OVS_DP_F_VPORT_PIDS,
		OVS_DP_F_DISPATCH_UPCALL_PER_CPU | OVS_DP_F_VPORT_PIDS,
		OVS_DP_F_TC_RECIRC_SHARING, 0xffffffff,
	};
	uint8_t cmd = OVS_DP_CMD_NEW + rnd(4);
	uint16_t flags = chance(30) ? NLM_F_ECHO : 0;
	uint32_t pids[8];
	int i, n;

	if (cmd == OVS_DP_CMD_GET && chance(40))
		flags |= NLM_F_DUMP;
	nlu_init(m, z->f.dp.id, flags, cmd, OVS_DATAPATH_VERSION,
		 chance(70) ? 0 : pick_dp_ifindex());
	if (chance(90))
		put_name(m, OVS_DP_ATTR_NAME, dp_names, 4);
	if (cmd == OVS_DP_CMD_NEW || chance(20))
		nlu_put_u32(m, OVS_DP_ATTR_UPCALL_PID,
			    chance(90) ? z->sink : interesting());
	if (chance(50))
		nlu_put_u32(m, OVS_DP_ATTR_USER_FEATURES,
			    chance(80) ? features[rnd(7)] : interesting());
	if (chance(20))
		nlu_put_u32(m, OVS_DP_ATTR_MASKS_CACHE_SIZE, interesting());
	if (chance(15)) {
		n = 1 + rnd(8);
		for (i = 0; i < n; i++)
			pids[i] = chance(90) ? z->sink : interesting();
		nlu_put(m, OVS_DP_ATTR_PER_CPU_PIDS, pids, 4 * n);
	}
	if (chance(5))
		nlu_put_u32(m, OVS_DP_ATTR_IFINDEX, interesting());
}

static void gen_vport(struct fuzz *z, struct nlu_msg *m)
{
	static const uint32_t types[] = {
		OVS_VPORT_TYPE_NETDEV, OVS_VPORT_TYPE_INTERNAL,
		OVS_VPORT_TYPE_GRE, OVS_VPORT_TYPE_VXLAN,
		OVS_VPORT_TYPE_GENEVE,
	};
	uint8_t cmd = OVS_VPORT_CMD_NEW + rnd(4);
	uint16_t flags = chance(30) ? NLM_F_ECHO : 0;
	uint32_t type = chance(90) ? types[rnd(5)] : interesting();
	uint32_t pids[3];
	struct nlattr *o, *e;
	int i, n;

	if (cmd == OVS_VPORT_CMD_GET && chance(40))
		flags |= NLM_F_DUMP;
	nlu_init(m, z->f.vport.id, flags, cmd, OVS_VPORT_VERSION,
		 pick_dp_ifindex());
	if (chance(80))
		put_name(m, OVS_VPORT_ATTR_NAME, vport_names,
			 ARRAY_SIZE(vport_names));
	if (chance(30))
		nlu_put_u32(m, OVS_VPORT_ATTR_PORT_NO, pick_port());
	if (chance(cmd == OVS_VPORT_CMD_NEW ? 95 : 10))
		nlu_put_u32(m, OVS_VPORT_ATTR_TYPE, type);
	if (chance(cmd == OVS_VPORT_CMD_NEW ? 90 : 20)) {
		n = 1 + rnd(3);
		for (i = 0; i < n; i++)
			pids[i] = chance(90) ? z->sink : interesting();
		nlu_put(m, OVS_VPORT_ATTR_UPCALL_PID, pids, 4 * n);
	}
	if (type == OVS_VPORT_TYPE_VXLAN || type == OVS_VPORT_TYPE_GENEVE ||
	    chance(5)) {
		o = nlu_nest(m, OVS_VPORT_ATTR_OPTIONS);
		if (chance(80)) {
			uint16_t port = chance(80) ? 4789 + rnd(2) * 1292 :
				interesting();

			nlu_put(m, OVS_TUNNEL_ATTR_DST_PORT, &port, 2);
		}
		if (chance(30)) {
			e = nlu_nest(m, OVS_TUNNEL_ATTR_EXTENSION);
			nlu_put(m, OVS_VXLAN_EXT_GBP, NULL, 0);
			nlu_nest_end(m, e);
		}
		nlu_nest_end(m, o);
	}
	if (chance(5))
		nlu_put_u32(m, OVS_VPORT_ATTR_IFINDEX, interesting());
	if (chance(5))
		nlu_put_u32(m, OVS_VPORT_ATTR_NETNSID, interesting());
}

static void put_ufid(struct nlu_msg *m)
{
	uint8_t ufid[20] = { 0x5a, 0xf1 };

	if (chance(90)) {
		ufid[2] = rnd(8);
		nlu_put(m, OVS_FLOW_ATTR_UFID, ufid, 16);
	} else {
		rand_bytes(ufid, sizeof(ufid));
		nlu_put(m, OVS_FLOW_ATTR_UFID, ufid, rnd(sizeof(ufid) + 1));
	}
}

static void gen_flow(struct fuzz *z, struct nlu_msg *m)
{
	static const uint8_t cmds[] = {
		OVS_FLOW_CMD_NEW, OVS_FLOW_CMD_NEW, OVS_FLOW_CMD_NEW,
		OVS_FLOW_CMD_SET, OVS_FLOW_CMD_GET, OVS_FLOW_CMD_GET,
		OVS_FLOW_CMD_DEL,
	};
	uint8_t cmd = cmds[rnd(sizeof(cmds))];
	uint16_t flags = 0;

	if (chance(40))
		flags |= NLM_F_ECHO;
	if (cmd == OVS_FLOW_CMD_NEW && chance(70))
		flags |= NLM_F_CREATE | (chance(30) ? NLM_F_EXCL : 0);
	if (cmd == OVS_FLOW_CMD_GET && chance(30))
		flags |= NLM_F_DUMP;
	nlu_init(m, z->f.flow.id, flags, cmd, OVS_FLOW_VERSION,
		 chance(80) ? ifindex_of(HOME) : pick_dp_ifindex());
	if (cmd == OVS_FLOW_CMD_DEL && chance(5))
		return;			/* flush */
	if (chance(60))
		put_ufid(m);
	if (chance(85))
		put_match(m, chance(60));
	if (cmd == OVS_FLOW_CMD_NEW || (cmd == OVS_FLOW_CMD_SET && chance(80)))
		put_actions(z, m, OVS_FLOW_ATTR_ACTIONS, 3);
	if (chance(10))
		nlu_put(m, OVS_FLOW_ATTR_PROBE, NULL, 0);
	if (chance(10))
		nlu_put(m, OVS_FLOW_ATTR_CLEAR, NULL, 0);
	if (chance(15))
		nlu_put_u32(m, OVS_FLOW_ATTR_UFID_FLAGS,
			    chance(70) ? rnd(8) : interesting());
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* An Ethernet frame of a kind put_key() knows, or junk; its length. */
static int build_frame(uint8_t *f, int size, uint64_t *s)
{
	int kind = next64(s) % 8, o = 12, len;
	uint32_t r = next64(s);

	memcpy(f, mac_b, 6);
	memcpy(f + 6, mac_a, 6);
	if (kind == 7) {
		len = r % size;
		for (o = 12; o < len; o++)
			f[o] = next64(s);
		return len;
	}
	if (kind == 6) {
		put16(f + o, 0x8100);
		put16(f + o + 2, r & 3);
		o += 4;
	}
	if (kind == 3) {
		put16(f + o, 0x0806);
		memset(f + o + 2, 0, 28);
		memcpy(f + o + 2, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
		return o + 30;
	}
	if (kind == 2) {
		put16(f + o, 0x86dd);
		o += 2;
		memset(f + o, 0, 48);
		f[o] = 0x60;
		put16(f + o + 4, 8);
		f[o + 6] = 17;
		f[o + 7] = 255;
		f[o + 8] = 0xfe;
		f[o + 9] = 0x80;
		f[o + 23] = 1 + (r >> 8) % 4;
		f[o + 24] = 0xfe;
		f[o + 25] = 0x80;
		f[o + 39] = 2;
		put16(f + o + 40, 1000 + (r >> 12) % 4);
		put16(f + o + 42, 2000 + (r >> 14) % 4);
		put16(f + o + 44, 8);
		return o + 48;
	}
	put16(f + o, 0x0800);
	o += 2;
	memset(f + o, 0, 40);
	f[o] = 0x45;
	put16(f + o + 2, 40);
	f[o + 8] = 64;
	f[o + 9] = kind == 4 ? 6 : kind == 5 ? 1 : 17;
	memcpy(f + o + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	f[o + 15] = 1 + (r >> 8) % 4;
	put16(f + o + 20, kind == 5 ? 0x0800 : 1000 + (r >> 12) % 4);
	put16(f + o + 22, 2000 + (r >> 14) % 4);
	if (kind == 4)
		f[o + 32] = 0x50;
	else
		put16(f + o + 24, 20);
	return o + 40;
}

static void gen_packet(struct fuzz *z, struct nlu_msg *m)
{
	uint8_t frame[256];
	uint64_t hash = next64(&rng);
	uint16_t mru = interesting();

	nlu_init(m, z->f.packet.id, 0,
		 chance(90) ? OVS_PACKET_CMD_EXECUTE : rnd(5), OVS_PACKET_VERSION,
		 chance(80) ? ifindex_of(HOME) : pick_dp_ifindex());
	if (chance(95))
		nlu_put(m, OVS_PACKET_ATTR_PACKET, frame,
			build_frame(frame, sizeof(frame), &rng));
	if (chance(90))
		put_key(m, OVS_PACKET_ATTR_KEY, rnd(K_KINDS), false);
	if (chance(90))
		put_actions(z, m, OVS_PACKET_ATTR_ACTIONS, 3);
	if (chance(10))
		nlu_put(m, OVS_PACKET_ATTR_PROBE, NULL, 0);
	if (chance(10))
		nlu_put(m, OVS_PACKET_ATTR_MRU, &mru, 2);
	if (chance(10))
		nlu_put(m, OVS_PACKET_ATTR_HASH, &hash, 8);
	if (chance(5))
		nlu_put_u32(m, OVS_PACKET_ATTR_LEN, interesting());
	if (chance(5))
		nlu_put(m, OVS_PACKET_ATTR_USERDATA, frame, rnd(64));
}

/* Attributes of random types and sizes, nested now and then. */
static void put_soup(struct nlu_msg *m, int depth)
{
	int n = rnd(8), i, len;
	struct nlattr *nest;
	uint8_t data[256];

	for (i = 0; i < n && m->nh.nlmsg_len < GEN_ROOM - 1024; i++) {
		int type = chance(80) ? rnd(40) : rnd(0x10000);

		if (depth > 0 && chance(30)) {
			nest = nlu_nest(m, type);
			put_soup(m, depth - 1);
			nlu_nest_end(m, nest);
			continue;
		}
		len = chance(80) ? rnd(24) : rnd(sizeof(data));
		rand_bytes(data, len);
		nlu_put(m, type & ~NLA_F_NESTED, data, len);
	}
}

static void gen_random(struct fuzz *z, struct nlu_msg *m)
{
	int len;

	nlu_init(m, family_id(z, rnd(4)), 0, chance(50) ? rnd(8) : rnd(256),
		 chance(80) ? 1 : rnd(256), chance(50) ? pick_dp_ifindex() :
		 interesting());
	if (chance(50)) {
		put_soup(m, 3);
		return;
	}
	len = rnd(chance(90) ? 128 : 2048);
	rand_bytes(m->buf + m->nh.nlmsg_len, len);
	m->nh.nlmsg_len += len;
}

/* Where each attribute header is, and which attribute encloses it. */
struct attrs {
	int n;
	int off[MAX_ATTRS];
	int parent[MAX_ATTRS];
};

static struct nlattr *attr_at(struct nlu_msg *m, int off)
{
	return (struct nlattr *)(m->buf + off);
}

/* Whether [@off, @end) is a well-formed run of attributes. */
static bool is_run(struct nlu_msg *m, int off, int end)
{
	while (off + NLA_HDRLEN <= end) {
		int len = attr_at(m, off)->nla_len;

		if (len < NLA_HDRLEN || off + len > end)
			return false;
		off += NLA_ALIGN(len);
	}
	return off >= end;
}

static void scan(struct nlu_msg *m, struct attrs *a, int off, int end,
		 int parent, int depth)
{
	while (off + NLA_HDRLEN <= end && a->n < MAX_ATTRS) {
		int len = attr_at(m, off)->nla_len, me = a->n++;

		if (len < NLA_HDRLEN || off + len > end) {
			a->n--;
			return;
		}
		a->off[me] = off;
		a->parent[me] = parent;
		if (depth < 64 && len > NLA_HDRLEN &&
		    is_run(m, off + NLA_HDRLEN, off + len))
			scan(m, a, off + NLA_HDRLEN, off + len, me, depth + 1);
		off += NLA_ALIGN(len);
	}
}

static int attrs_start(void)
{
	return NLMSG_HDRLEN + GENL_HDRLEN + sizeof(struct ovs_header);
}

/* Grows (or shrinks) @i and every attribute around it by @delta bytes. */
static bool resize_parents(struct nlu_msg *m, const struct attrs *a, int i,
			   int delta)
{
	int j;

	for (j = i; j >= 0; j = a->parent[j])
		if (attr_at(m, a->off[j])->nla_len + delta > 0xffff)
			return false;
	for (j = i; j >= 0; j = a->parent[j])
		attr_at(m, a->off[j])->nla_len += delta;
	return true;
}

/* Inserts @len bytes of @data at @pos, inside attribute @parent. */
static void insert(struct nlu_msg *m, const struct attrs *a, int parent,
		   int pos, const void *data, int len)
{
	if (len <= 0 || m->nh.nlmsg_len + len > NLU_BUF ||
	    !resize_parents(m, a, parent, len))
		return;
	memmove(m->buf + pos + len, m->buf + pos, m->nh.nlmsg_len - pos);
	memcpy(m->buf + pos, data, len);
	m->nh.nlmsg_len += len;
}

static void mutate_once(struct fuzz *z, struct nlu_msg *m)
{
	static struct nlu_msg other;
	uint8_t data[4096];
	struct nlattr *at, hdr;
	struct attrs a = { 0 };
	int i = -1, len, n, pos;
	struct genlmsghdr *g = NLMSG_DATA(&m->nh);
	struct ovs_header *oh = (void *)((char *)g + GENL_HDRLEN);

	if ((int)m->nh.nlmsg_len >= attrs_start()) {
		scan(m, &a, attrs_start(), m->nh.nlmsg_len, -1, 0);
		if (a.n)
			i = rnd(a.n);
	}
	at = i >= 0 ? attr_at(m, a.off[i]) : NULL;
	switch (rnd(17)) {
	case 0:
	case 1:			/* flip bits after the netlink header */
		n = 1 + rnd(4);
		while (n-- && m->nh.nlmsg_len > NLMSG_HDRLEN) {
			pos = NLMSG_HDRLEN + rnd(m->nh.nlmsg_len - NLMSG_HDRLEN);
			m->buf[pos] ^= 1 << rnd(8);
		}
		break;
	case 2:			/* an interesting byte */
		if (m->nh.nlmsg_len > NLMSG_HDRLEN)
			m->buf[NLMSG_HDRLEN + rnd(m->nh.nlmsg_len -
						  NLMSG_HDRLEN)] = interesting();
		break;
	case 3:			/* truncate */
		m->nh.nlmsg_len = NLMSG_HDRLEN +
			rnd(m->nh.nlmsg_len - NLMSG_HDRLEN + 1);
		break;
	case 4:
	case 5:			/* an attribute's length */
		if (!at)
			break;
		switch (rnd(5)) {
		case 0:
			at->nla_len = rnd(NLA_HDRLEN + 1);
			break;
		case 1:
			at->nla_len += chance(50) ? 1 : -1;
			break;
		case 2:
			at->nla_len += 4 * (1 + rnd(4));
			break;
		case 3:
			at->nla_len = m->nh.nlmsg_len - a.off[i] + rnd(8);
			break;
		default:
			at->nla_len = interesting();
			break;
		}
		break;
	case 6:			/* an attribute's type and flags */
		if (!at)
			break;
		if (chance(50))
			at->nla_type ^= chance(50) ? NLA_F_NESTED :
				NLA_F_NET_BYTEORDER;
		else
			at->nla_type = chance(70) ? rnd(40) : interesting();
		break;
	case 7:			/* duplicate an attribute */
		if (!at)
			break;
		len = NLA_ALIGN(at->nla_len);
		if (len > (int)sizeof(data) ||
		    a.off[i] + len > (int)m->nh.nlmsg_len)
			break;
		memcpy(data, at, len);
		insert(m, &a, a.parent[i], a.off[i] + len, data, len);
		break;
	case 8:			/* oversized or unknown attribute */
	case 9:
		len = chance(50) ? 256 + rnd(sizeof(data) - 256) : rnd(32);
		len = NLA_ALIGN(len);
		if (len < NLA_HDRLEN)
			len = NLA_HDRLEN;
		rand_bytes(data, len);
		hdr.nla_len = len;
		hdr.nla_type = chance(50) ? 32 + rnd(32) : rnd(0x10000);
		memcpy(data, &hdr, NLA_HDRLEN);
		pos = at ? a.off[i] : attrs_start();
		if (pos > (int)m->nh.nlmsg_len)
			break;
		insert(m, &a, at ? a.parent[i] : -1, pos, data, len);
		break;
	case 10:		/* wrap an attribute in nests */
		if (!at)
			break;
		n = 1 + rnd(chance(20) ? 60 : 3);
		while (n--) {
			hdr.nla_len = NLA_HDRLEN + at->nla_len;
			hdr.nla_type = (chance(50) ? at->nla_type : rnd(40)) |
				NLA_F_NESTED;
			if (hdr.nla_len < NLA_HDRLEN)
				break;
			insert(m, &a, a.parent[i], a.off[i], &hdr, NLA_HDRLEN);
		}
		break;
	case 11:		/* delete an attribute */
		if (!at)
			break;
		len = NLA_ALIGN(at->nla_len);
		pos = a.off[i];
		if (pos + len > (int)m->nh.nlmsg_len)
			len = m->nh.nlmsg_len - pos;
		if (a.parent[i] >= 0 &&
		    pos + len > a.off[a.parent[i]] +
		    attr_at(m, a.off[a.parent[i]])->nla_len)
			len = at->nla_len;
		if (!resize_parents(m, &a, a.parent[i], -len))
			break;
		memmove(m->buf + pos, m->buf + pos + len,
			m->nh.nlmsg_len - pos - len);
		m->nh.nlmsg_len -= len;
		break;
	case 12:		/* an attribute of another request */
		switch (rnd(4)) {
		case 0:
			gen_dp(z, &other);
			break;
		case 1:
			gen_vport(z, &other);
			break;
		case 2:
			gen_flow(z, &other);
			break;
		default:
			gen_packet(z, &other);
			break;
		}
		{
			struct attrs b = { 0 };
			struct nlattr *src;

			scan(&other, &b, attrs_start(), other.nh.nlmsg_len,
			     -1, 0);
			if (!b.n)
				break;
			src = attr_at(&other, b.off[rnd(b.n)]);
			len = NLA_ALIGN(src->nla_len);
			if (len > (int)sizeof(data))
				break;
			memcpy(data, src, len);
			pos = at ? a.off[i] : attrs_start();
			if (pos <= (int)m->nh.nlmsg_len)
				insert(m, &a, at ? a.parent[i] : -1, pos, data,
				       len);
		}
		break;
	case 13:		/* command and version */
		if (m->nh.nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
			break;
		if (chance(70))
			g->cmd = chance(50) ? rnd(8) : rnd(256);
		else
			g->version = rnd(256);
		break;
	case 14:		/* flags */
		m->nh.nlmsg_flags = chance(50) ? rnd(0x10000) :
			m->nh.nlmsg_flags ^ (1 << rnd(12));
		break;
	case 15:		/* datapath */
		if (m->nh.nlmsg_len >= (unsigned int)attrs_start())
			oh->dp_ifindex = chance(50) ? pick_dp_ifindex() :
				interesting();
		break;
	default:		/* another family */
		m->nh.nlmsg_type = family_id(z, rnd(4));
		break;
	}
}

/* A request: from the corpus, mutated or not, or noise. */
static int generate(struct fuzz *z, struct nlu_msg *m)
{
	int fam = rnd(4), n;

	if (chance(10)) {
		gen_random(z, m);
		return family_index(z, m->nh.nlmsg_type);
	}
	switch (fam) {
	case 0:
		gen_dp(z, m);
		break;
	case 1:
		gen_vport(z, m);
		break;
	case 2:
		gen_flow(z, m);
		break;
	default:
		gen_packet(z, m);
		break;
	}
	if (chance(35))
		return fam;
	n = 1 + (chance(70) ? 0 : rnd(6));
	while (n--)
		mutate_once(z, m);
	if (m->nh.nlmsg_len < NLMSG_HDRLEN)
		m->nh.nlmsg_len = NLMSG_HDRLEN;
	return family_index(z, m->nh.nlmsg_type);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Sends @m as a request that wants an ack and waits for the answer: the
 * ack's errno (0 for success), the status of a dump's DONE, or -ETIMEDOUT
 * when nothing of ours arrived for ANSWER_MS.
 */
static int exchange(struct fuzz *z, struct nlu_msg *m)
{
	static uint8_t in[1 << 17];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct pollfd p = { .fd = z->s.fd, .events = POLLIN };
	long long deadline;
	struct nlmsghdr *nh;
	ssize_t n;
	int err;

	z->overrun = false;
	m->nh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	m->nh.nlmsg_seq = ++z->s.seq;
	m->nh.nlmsg_pid = z->s.portid;
	if (sendto(z->s.fd, m->buf, m->nh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return errno;
	deadline = now_ms() + ANSWER_MS;
	for (;;) {
		int left = deadline - now_ms();

		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -ETIMEDOUT;
		n = recv(z->s.fd, in, sizeof(in), 0);
		if (n < 0) {
			if (errno == ENOBUFS)
				z->overrun = true;
			continue;
		}
		for (nh = (struct nlmsghdr *)in; NLMSG_OK(nh, n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != m->nh.nlmsg_seq)
				continue;
			deadline = now_ms() + ANSWER_MS;
			if (nh->nlmsg_type != NLMSG_ERROR &&
			    nh->nlmsg_type != NLMSG_DONE)
				continue;
			err = 0;
			if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(err)))
				memcpy(&err, NLMSG_DATA(nh), sizeof(err));
			return err < 0 ? -err : err;
		}
	}
}

static void hexdump(struct __test_metadata *_metadata,
		    const struct nlu_msg *m)
{
	char line[3 * 32 + 1];
	unsigned int i, j;

	for (i = 0; i < m->nh.nlmsg_len && i < 1024; i += 32) {
		for (j = 0; j < 32 && i + j < m->nh.nlmsg_len; j++)
			sprintf(line + 3 * j, " %02x", (uint8_t)m->buf[i + j]);
		TH_LOG("%04x:%s", i, line);
	}
}

/* Frames of several kinds into the datapath's port, until told to stop. */
static atomic_bool traffic_stop;
static atomic_ulong traffic_sent;

static void *traffic(void *arg)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = ifindex_of(PEER),
		.sll_halen = 6,
	};
	uint64_t s = 0x5eed;
	uint8_t f[256];
	int fd, i, len;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	while (!traffic_stop) {
		for (i = 0; i < 4; i++) {
			len = build_frame(f, sizeof(f), &s);
			if (len < 14)
				len = 14;
			if (sendto(fd, f, len, MSG_DONTWAIT,
				   (struct sockaddr *)&sll, sizeof(sll)) == len)
				traffic_sent++;
		}
		usleep(20000);
	}
	close(fd);
	return NULL;
}

static struct nlu_msg req, rep;

static int flow_new_fwd(struct dpc *c, int d, uint32_t in, uint32_t out,
			uint32_t ip_src)
{
	struct ovs_key_ethernet eth;
	struct ovs_key_ipv4 ip = { .ipv4_src = htonl(ip_src) };
	uint32_t ones = 0xffffffff;
	uint16_t type = htons(0x0800), ff = 0xffff;
	struct nlattr *nest;

	nlu_init(&req, c->f.flow.id, NLM_F_CREATE, OVS_FLOW_CMD_NEW,
		 OVS_FLOW_VERSION, d);
	memcpy(eth.eth_src, mac_a, 6);
	memcpy(eth.eth_dst, mac_b, 6);
	nest = nlu_nest(&req, OVS_FLOW_ATTR_KEY);
	nlu_put_u32(&req, OVS_KEY_ATTR_IN_PORT, in);
	nlu_put(&req, OVS_KEY_ATTR_ETHERNET, &eth, sizeof(eth));
	nlu_put(&req, OVS_KEY_ATTR_ETHERTYPE, &type, 2);
	nlu_put(&req, OVS_KEY_ATTR_IPV4, &ip, sizeof(ip));
	nlu_nest_end(&req, nest);
	nest = nlu_nest(&req, OVS_FLOW_ATTR_MASK);
	nlu_put_u32(&req, OVS_KEY_ATTR_IN_PORT, ones);
	memset(&eth, 0xff, sizeof(eth));
	nlu_put(&req, OVS_KEY_ATTR_ETHERNET, &eth, sizeof(eth));
	nlu_put(&req, OVS_KEY_ATTR_ETHERTYPE, &ff, 2);
	memset(&ip, 0, sizeof(ip));
	ip.ipv4_src = ones;
	nlu_put(&req, OVS_KEY_ATTR_IPV4, &ip, sizeof(ip));
	nlu_nest_end(&req, nest);
	nest = nlu_nest(&req, OVS_FLOW_ATTR_ACTIONS);
	nlu_put_u32(&req, OVS_ACTION_ATTR_OUTPUT, out);
	nlu_nest_end(&req, nest);
	return nlu_request(&c->s, &req, NULL);
}

/*
 * The home datapath with both veths and a forwarding flow, again: each
 * step's errno in @err[4] (the fuzzing may have made some of it already).
 */
static void ensure_home(struct dpc *c, uint32_t sink, int *err)
{
	int d;

	err[0] = dp_new(c, HOME, sink, NO_FEATURES, NULL);
	d = ifindex_of(HOME);
	if (!d) {
		err[1] = -ENODEV;
		err[2] = -ENODEV;
		err[3] = -ENODEV;
		return;
	}
	err[1] = vport_new(c, d, PORT, OVS_VPORT_TYPE_NETDEV, sink, NULL);
	err[2] = vport_new(c, d, OUT, OVS_VPORT_TYPE_NETDEV, sink, NULL);
	err[3] = flow_new_fwd(c, d, 1, 2, 0x0a000001);
}

/* Frames HOME's datapath has seen (hit + missed + lost), or -errno. */
static long long home_frames(struct dpc *c)
{
	const struct ovs_dp_stats *st;
	const struct nlattr *a;
	int err;

	err = dp_get(c, HOME, 0, &rep);
	if (err)
		return err;
	a = reply_attr(&rep, OVS_DP_ATTR_STATS);
	if (!a || nlu_len(a) < (int)sizeof(*st))
		return -EBADMSG;
	st = nlu_data(a);
	return st->n_hit + st->n_missed + st->n_lost;
}

/* Names of all datapaths, as a dump lists them. */
#define MAX_DPS 1024
static char dumped[MAX_DPS][IFNAMSIZ];
static int n_dumped;

static void note_dp(const struct nlu_msg *m, void *arg)
{
	const struct nlattr *a = reply_attr(m, OVS_DP_ATTR_NAME);

	if (a && n_dumped < MAX_DPS)
		snprintf(dumped[n_dumped++], IFNAMSIZ, "%s",
			 (const char *)nlu_data(a));
}

static int dump_dps(struct dpc *c)
{
	int err;

	n_dumped = 0;
	nlu_init(&req, c->f.dp.id, 0, OVS_DP_CMD_GET, OVS_DATAPATH_VERSION,
		 0);
	err = nlu_dump(&c->s, &req, note_dp, NULL);
	return err < 0 ? err : n_dumped;
}

/* Deletes every datapath; the number left afterwards (or -errno). */
static int del_all_dps(struct dpc *c)
{
	int i, n = dump_dps(c), rounds;

	for (rounds = 0; n > 0 && rounds < 8; rounds++) {
		for (i = 0; i < n; i++)
			dp_del(c, dumped[i]);
		n = dump_dps(c);
	}
	return n;
}

/*
 * The frames from @src seen on @fd: the first may take 3 s (a loaded
 * emulated lab), the others must follow within 300 ms of the last.
 */
static int count_from(int fd, uint32_t src)
{
	uint32_t be = htonl(src);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	long long deadline = now_ms() + 3000, left;
	uint8_t f[2048];
	ssize_t len;
	int n = 0;

	while ((left = deadline - now_ms()) > 0) {
		if (poll(&p, 1, left) <= 0)
			break;
		len = recv(fd, f, sizeof(f), MSG_DONTWAIT);
		if (len >= 34 && f[12] == 0x08 && f[13] == 0 &&
		    !memcmp(f + 26, &be, 4)) {
			n++;
			deadline = now_ms() + 300;
		}
	}
	return n;
}

static void udp_frame(uint8_t *f, uint32_t src)
{
	uint32_t be = htonl(src);

	memset(f, 0, 60);
	memcpy(f, mac_b, 6);
	memcpy(f + 6, mac_a, 6);
	memcpy(f + 12, "\x08\x00\x45\x00\x00\x20\x00\x00\x00\x00\x40\x11", 12);
	memcpy(f + 26, &be, 4);
	memcpy(f + 30, "\x0a\x00\x00\x02\x30\x39\x30\x39\x00\x0c", 10);
}

struct objects {
	int n;
	char name[16][32];
	long val[16];
};

static int read_objects(struct objects *o)
{
	FILE *f = fopen(OBJECTS, "r");

	o->n = 0;
	if (!f)
		return -errno;
	while (o->n < 16 &&
	       fscanf(f, "%31s %ld", o->name[o->n], &o->val[o->n]) == 2)
		o->n++;
	fclose(f);
	return o->n ? 0 : -EBADMSG;
}

static bool same_objects(const struct objects *a, const struct objects *b)
{
	return a->n == b->n &&
		!memcmp(a->val, b->val, sizeof(a->val[0]) * a->n);
}

FIXTURE(fuzz) {
	enum dp_module mod;
};

FIXTURE_SETUP(fuzz)
{
	const char *m = getenv("KVIRT_DP_FUZZ_MODULE");

	self->mod = m && !strcmp(m, "openvswitch") ? DP_OVS : DP_KVIRT;
	ASSERT_EQ(0, run("modprobe veth"));
	run("ip link del " PORT " 2>/dev/null; ip link del " OUT
	    " 2>/dev/null");
	ASSERT_EQ(0, add_veth(PORT, PEER));
	ASSERT_EQ(0, add_veth(OUT, OUT_PEER));
	if (access(OBJECTS, R_OK))
		run("mount -t debugfs none /sys/kernel/debug 2>/dev/null");
}

FIXTURE_TEARDOWN(fuzz)
{
	traffic_stop = true;
	run("ip link del " PORT " 2>/dev/null; ip link del " OUT
	    " 2>/dev/null");
}

/* After the fuzzing: a new datapath forwards by flow and by execute. */
static void check_still_works(struct __test_metadata *_metadata,
			      struct dpc *c)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ifindex_of(OUT_PEER),
	};
	struct sockaddr_ll tx_sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = ifindex_of(PEER),
		.sll_halen = 6,
	};
	uint8_t f[60];
	struct nlattr *nest;
	int d, rx, tx, i, err;

	ASSERT_EQ(0, dp_new(c, CHECK_DP, 0, NO_FEATURES, NULL));
	d = ifindex_of(CHECK_DP);
	ASSERT_EQ(0, vport_new(c, d, PORT, OVS_VPORT_TYPE_NETDEV, 0, &rep));
	ASSERT_EQ(1, reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO));
	ASSERT_EQ(0, vport_new(c, d, OUT, OVS_VPORT_TYPE_NETDEV, 0, &rep));
	ASSERT_EQ(2, reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO));
	ASSERT_EQ(0, flow_new_fwd(c, d, 1, 2, 0x0a090001))
		TH_LOG("flow: %s", c->s.errmsg);
	rx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	tx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, rx);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, bind(rx, (struct sockaddr *)&sll, sizeof(sll)));
	udp_frame(f, 0x0a090001);
	for (i = 0; i < 4; i++)
		ASSERT_EQ((ssize_t)sizeof(f),
			  sendto(tx, f, sizeof(f), 0,
				 (struct sockaddr *)&tx_sll, sizeof(tx_sll)));
	EXPECT_EQ(4, count_from(rx, 0x0a090001));

	udp_frame(f, 0x0a090002);
	nlu_init(&req, c->f.packet.id, 0, OVS_PACKET_CMD_EXECUTE,
		 OVS_PACKET_VERSION, d);
	nlu_put(&req, OVS_PACKET_ATTR_PACKET, f, sizeof(f));
	nest = nlu_nest(&req, OVS_PACKET_ATTR_KEY);
	nlu_put_u32(&req, OVS_KEY_ATTR_IN_PORT, 0);
	nlu_nest_end(&req, nest);
	nest = nlu_nest(&req, OVS_PACKET_ATTR_ACTIONS);
	nlu_put_u32(&req, OVS_ACTION_ATTR_OUTPUT, 2);
	nlu_nest_end(&req, nest);
	err = nlu_request(&c->s, &req, NULL);
	EXPECT_EQ(0, err) TH_LOG("execute: %s", c->s.errmsg);
	EXPECT_EQ(1, count_from(rx, 0x0a090002));
	close(rx);
	close(tx);
	EXPECT_EQ(0, dp_del(c, CHECK_DP));
}

TEST_F_TIMEOUT(fuzz, random_and_mutated_requests, 300)
{
	static const char * const fam[] = { "dp", "vport", "flow", "packet" };
	const char *env_seed = getenv("KVIRT_DP_FUZZ_SEED");
	const char *env_secs = getenv("KVIRT_DP_FUZZ_SECS");
	uint64_t seed = env_seed ? strtoull(env_seed, NULL, 0) : DEFAULT_SEED;
	int secs = env_secs ? atoi(env_secs) : DEFAULT_SECS;
	static struct nlu_msg m, slowest;
	struct objects base, now;
	struct fuzz z = { 0 };
	struct timeval tv = { .tv_sec = ANSWER_MS / 1000 };
	long long end, t;
	unsigned long iter;
	struct nlu sink;
	pthread_t thr;
	struct dpc c;
	int i, r, fi, tries, home_err[4];
	long long frames;

	TH_LOG("seed 0x%llx (KVIRT_DP_FUZZ_SEED), %d s (KVIRT_DP_FUZZ_SECS) on %s",
	       (unsigned long long)seed, secs, dp_module_name(self->mod));
	rng = seed * 0x9e3779b97f4a7c15ULL | 1;
	rng2 = (seed ^ 0xa5a5a5a5a5a5a5a5ULL) * 0xff51afd7ed558ccdULL | 1;

	ASSERT_EQ(0, dp_module_load(self->mod));
	if (self->mod == DP_KVIRT)
		ASSERT_EQ(0, read_objects(&base)) TH_LOG("no " OBJECTS);
	ASSERT_EQ(0, dpc_open(&c));
	setsockopt(c.s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ASSERT_EQ(0, nlu_open(&z.s));
	ASSERT_EQ(0, ovs_resolve(&z.s, &z.f));
	ASSERT_EQ(0, nlu_open(&sink));
	z.sink = sink.portid;
	ensure_home(&c, z.sink, home_err);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, home_err[i]) TH_LOG("home step %d: %s", i,
						 c.s.errmsg);
	traffic_stop = false;
	traffic_sent = 0;
	ASSERT_EQ(0, pthread_create(&thr, NULL, traffic, NULL));
	/* The frames reach the datapath before the fuzzing starts. */
	for (tries = 0; tries < 50; tries++) {
		frames = home_frames(&c);
		if (frames)
			break;
		usleep(100000);
	}
	EXPECT_LT(0, frames) TH_LOG("no frame reached " HOME);

	end = now_ms() + secs * 1000LL;
	for (iter = 0; now_ms() < end; iter++) {
		if (iter % 200 == 199)
			ensure_home(&c, z.sink, home_err);
		t = now_ms();
		fi = generate(&z, &m);
		z.gen_ms += now_ms() - t;
		t = now_ms();
		r = exchange(&z, &m);
		t = now_ms() - t;
		z.total_ms += t;
		if (t > z.slowest) {
			z.slowest = t;
			slowest = m;
		}
		if (r == -ETIMEDOUT && z.overrun) {
			/* Our socket overflowed: the answer may be lost. */
			z.excused++;
			continue;
		}
		if (r == -ETIMEDOUT) {
			z.timeouts++;
			TH_LOG("iteration %lu (seed 0x%llx): no answer in %d ms to:",
			       iter, (unsigned long long)seed, ANSWER_MS);
			hexdump(_metadata, &m);
			break;
		}
		if (fi >= 0) {
			z.sent[fi]++;
			z.ok[fi] += !r;
			if (!r && nlu_cmd(&m) < 8 &&
			    (m.nh.nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
				z.cmd_ok[fi][nlu_cmd(&m)]++;
		}
		z.errnos[r & 255]++;
	}
	traffic_stop = true;
	pthread_join(thr, NULL);

	TH_LOG("%lu requests, %lld ms generating, %lld ms answering, the slowest in %lld ms",
	       iter, z.gen_ms, z.total_ms, z.slowest);
	if (z.slowest >= 1000)
		hexdump(_metadata, &slowest);
	for (i = 0; i < 4; i++)
		TH_LOG("  %-6s %6lu sent, %6lu succeeded", fam[i], z.sent[i],
		       z.ok[i]);
	for (i = 0; i < 256; i++)
		if (z.errnos[i])
			TH_LOG("  errno %3d (%s): %lu", i, strerror(i),
			       z.errnos[i]);
	EXPECT_EQ(0, z.timeouts);
	/* A lost answer is excused once: each costs ANSWER_MS. */
	EXPECT_GE(1, z.excused);
	EXPECT_LT(0, traffic_sent) TH_LOG("no frame sent to " PEER);
	/* The corpus must reach the code behind the parsers. */
	EXPECT_LT(0, z.cmd_ok[0][OVS_DP_CMD_NEW]) TH_LOG("no dp NEW succeeded");
	EXPECT_LT(0, z.cmd_ok[1][OVS_VPORT_CMD_NEW])
		TH_LOG("no vport NEW succeeded");
	EXPECT_LT(0, z.cmd_ok[2][OVS_FLOW_CMD_NEW])
		TH_LOG("no flow NEW succeeded");
	EXPECT_LT(0, z.cmd_ok[3][OVS_PACKET_CMD_EXECUTE])
		TH_LOG("no packet EXECUTE succeeded");

	EXPECT_EQ(0, del_all_dps(&c));
	check_still_works(_metadata, &c);
	EXPECT_EQ(0, del_all_dps(&c));
	dpc_close(&c);
	nlu_close(&z.s);
	nlu_close(&sink);

	if (self->mod == DP_KVIRT) {
		for (tries = 0; tries < 50; tries++) {
			ASSERT_EQ(0, read_objects(&now));
			if (same_objects(&base, &now))
				break;
			usleep(100000);
		}
		for (i = 0; i < now.n; i++)
			EXPECT_EQ(base.val[i], now.val[i])
				TH_LOG("leak: %s %ld, was %ld", now.name[i],
				       now.val[i], base.val[i]);
	}
	/* Tunnel vports the fuzzing made pull in modules of openvswitch's. */
	if (self->mod == DP_OVS)
		run("modprobe -r vport_vxlan vport_geneve vport_gre 2>/dev/null");
	for (tries = 0; tries < 50; tries++) {
		r = dp_module_unload(self->mod);
		if (!r)
			break;
		usleep(100000);
	}
	EXPECT_EQ(0, r) TH_LOG("rmmod %s: %s", dp_module_name(self->mod),
			       strerror(-r));
}

TEST_HARNESS_MAIN
