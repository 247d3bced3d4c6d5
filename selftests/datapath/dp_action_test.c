// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: ovs-vswitchd relies on every OVS action behaving as in
 * openvswitch.ko: the same flows accepted and refused (same errno), and
 * the same bytes out of a port for the same packet. One script runs on
 * both modules: flow puts with well-formed and malformed actions of each
 * kind, then crafted frames sent into a veth vport through flows with
 * set, masked set, VLAN, trunc, hash and recirc, sample, clone,
 * check_pkt_len and userspace actions, capturing what leaves the other
 * vport's veth and the upcalls. Answers and bytes must match, and
 * kvirt_dp must free what the script made.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ovs_cmd.h"

#define MAX_STEPS 160
#define WRONG 1000		/* a reply that was not OVS's: not an errno */
#define DUMP 96			/* bytes of the first frame kept for logs */

#define DP "kac0"
#define IN "kai0"
#define IN_PEER "kai1"
#define OUT "kao0"
#define OUT_PEER "kao1"

struct script {
	int n;
	const char *what[MAX_STEPS];
	int expect[MAX_STEPS];
	int got[MAX_STEPS];
	unsigned long long sig[MAX_STEPS];	/* what came out, hashed */
	int dump_len[MAX_STEPS];
	unsigned char dump[MAX_STEPS][DUMP];
	char msg[MAX_STEPS][256];
};

/* The run in progress: client, ports, listener, capture socket. */
struct run {
	struct dpc c;
	struct script *sc;
	struct nlu *up;
	int d;
	uint32_t in, out;
	int rx, tx;
	unsigned long long sig;
	int dump_len;
	unsigned char dump[DUMP];
};

static struct nlu_msg req, rep;

static void step(struct run *r, const char *what, int expect, int err)
{
	struct script *sc = r->sc;

	if (sc->n == MAX_STEPS)
		return;
	sc->what[sc->n] = what;
	sc->expect[sc->n] = expect;
	sc->got[sc->n] = err < 0 ? -err : err;
	sc->sig[sc->n] = r->sig;
	sc->dump_len[sc->n] = r->dump_len;
	memcpy(sc->dump[sc->n], r->dump, DUMP);
	snprintf(sc->msg[sc->n], sizeof(sc->msg[0]), "%s",
		 err < 0 ? r->c.s.errmsg : "");
	sc->n++;
	r->sig = 0;
	r->dump_len = 0;
	memset(r->dump, 0, DUMP);
}

/* FNV-1a over what a step saw, so both modules' outputs can be compared. */
static void mix(struct run *r, const void *p, size_t len)
{
	const unsigned char *b = p;

	if (!r->sig)
		r->sig = 0xcbf29ce484222325ULL;
	while (len--) {
		r->sig ^= *b++;
		r->sig *= 0x100000001b3ULL;
	}
}

/* ---- frames ---- */

static uint32_t sum16(const void *p, size_t len, uint32_t sum)
{
	const unsigned char *b = p;

	for (; len > 1; len -= 2, b += 2)
		sum += b[0] << 8 | b[1];
	if (len)
		sum += b[0] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static uint32_t crc32c(const unsigned char *p, size_t len)
{
	uint32_t crc = ~0U;
	int i;

	while (len--) {
		crc ^= *p++;
		for (i = 0; i < 8; i++)
			crc = crc >> 1 ^ (0x82f63b78 & -(crc & 1));
	}
	return ~crc;
}

/*
 * Ethernet, IPv4 or IPv6 (@v6), then @proto's header (UDP, TCP, SCTP)
 * and @payload bytes, with correct checksums. Returns the length.
 */
static int build(unsigned char *f, bool v6, int proto, int payload)
{
	static const unsigned char macs[12] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1,
	};
	int l3 = v6 ? 40 : 20, l4, len, i;
	unsigned char *ip = f + 14, *th = ip + l3;
	uint32_t sum, crc;

	l4 = proto == IPPROTO_UDP ? 8 : proto == IPPROTO_TCP ? 20 : 12;
	len = 14 + l3 + l4 + payload;
	memset(f, 0, len);
	memcpy(f, macs, 12);
	for (i = 0; i < payload; i++)
		th[l4 + i] = i * 7 + 1;
	th[0] = 0x03;			/* ports 1000 -> 2000 */
	th[1] = 0xe8;
	th[2] = 0x07;
	th[3] = 0xd0;
	if (v6) {
		f[12] = 0x86;
		f[13] = 0xdd;
		ip[0] = 0x60;
		ip[1] = 0x01;		/* flow label 0x12345 */
		ip[2] = 0x23;
		ip[3] = 0x45;
		ip[4] = (l4 + payload) >> 8;
		ip[5] = l4 + payload;
		ip[6] = proto;
		ip[7] = 64;
		ip[8] = 0x20;		/* 2001:db8::1 -> 2001:db8::2 */
		ip[9] = 0x01;
		ip[10] = 0x0d;
		ip[11] = 0xb8;
		ip[23] = 1;
		memcpy(ip + 24, ip + 8, 16);
		ip[39] = 2;
		sum = sum16(ip + 8, 32, 0);
	} else {
		f[12] = 0x08;
		ip[0] = 0x45;
		ip[2] = (l3 + l4 + payload) >> 8;
		ip[3] = l3 + l4 + payload;
		ip[4] = 0x12;
		ip[5] = 0x34;
		ip[8] = 64;
		ip[9] = proto;
		ip[12] = 10;		/* 10.9.0.1 -> 10.9.0.2 */
		ip[13] = 9;
		ip[15] = 1;
		ip[16] = 10;
		ip[17] = 9;
		ip[19] = 2;
		i = fold(sum16(ip, 20, 0));
		ip[10] = i >> 8;
		ip[11] = i;
		sum = sum16(ip + 12, 8, 0);
	}
	if (proto == IPPROTO_SCTP) {
		th[7] = 0x42;		/* verification tag */
		crc = crc32c(th, l4 + payload);
		memcpy(th + 8, &crc, 4);	/* little endian on the wire */
		return len;
	}
	if (proto == IPPROTO_UDP) {
		th[4] = (l4 + payload) >> 8;
		th[5] = l4 + payload;
	} else {
		th[7] = 1;		/* seq 1, header 20 bytes, ACK|PSH */
		th[12] = 0x50;
		th[13] = 0x18;
		th[14] = 0x20;
	}
	sum = sum16(th, l4 + payload, sum + proto + l4 + payload);
	i = fold(sum);
	th[proto == IPPROTO_UDP ? 6 : 16] = i >> 8;
	th[proto == IPPROTO_UDP ? 7 : 17] = i;
	return len;
}

static int send_frame(struct run *r, const unsigned char *f, int len)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = ifindex_of(IN_PEER),
		.sll_halen = 6,
	};

	return sendto(r->tx, f, len, 0, (struct sockaddr *)&sll,
		      sizeof(sll)) == len ? 0 : -errno;
}

/*
 * The frames that left the output port, into the step's signature: the
 * first within 2.5 s (every step expects one; a loaded emulated lab is
 * slow), the others until 200 ms pass without one. An accelerated VLAN
 * tag goes back in band. Returns how many.
 */
static int capture(struct run *r)
{
	unsigned char f[2048 + 4], cbuf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	struct iovec iov = { .iov_base = f + 4, .iov_len = 2048 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct pollfd p = { .fd = r->rx, .events = POLLIN };
	struct tpacket_auxdata *aux;
	struct cmsghdr *cm;
	int n = 0, len;
	uint16_t tpid;

	while (poll(&p, 1, n ? 200 : 2500) > 0) {
		mh.msg_controllen = sizeof(cbuf);
		len = recvmsg(r->rx, &mh, MSG_DONTWAIT);
		if (len < 12)
			continue;
		memmove(f, f + 4, 12);
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level != SOL_PACKET ||
			    cm->cmsg_type != PACKET_AUXDATA)
				continue;
			aux = (struct tpacket_auxdata *)CMSG_DATA(cm);
			if (!(aux->tp_status & TP_STATUS_VLAN_VALID))
				continue;
			tpid = aux->tp_status & TP_STATUS_VLAN_TPID_VALID ?
			       aux->tp_vlan_tpid : 0x8100;
			f[12] = tpid >> 8;
			f[13] = tpid;
			f[14] = aux->tp_vlan_tci >> 8;
			f[15] = aux->tp_vlan_tci;
			len += 4;
			goto tagged;
		}
		memmove(f + 12, f + 16, len - 12);
tagged:
		if (!n) {
			r->dump_len = len;
			memcpy(r->dump, f, len < DUMP ? len : DUMP);
		}
		mix(r, &len, sizeof(len));
		mix(r, f, len);
		n++;
	}
	return n;
}

/* ---- flows ---- */

/*
 * A key: the frames' MACs, IPv4 or IPv6 (l3 4 or 6; 0: ethertype 0x88b5
 * only) and L4; masks match the MACs, type, protocol and fragment type.
 */
struct kspec {
	int l3;
	int proto;
	uint32_t recirc_id;
	bool hash;
	uint32_t dp_hash, hash_mask;
};

static void put_key(struct run *r, int type, const struct kspec *k,
		    bool mask)
{
	struct nlattr *nest = nlu_nest(&req, type);
	struct ovs_key_ethernet eth = {
		.eth_src = { 0x02, 0, 0, 0, 0, 1 },
		.eth_dst = { 0x02, 0, 0, 0, 0, 2 },
	};
	struct ovs_key_ipv4 ip4 = {};
	struct ovs_key_ipv6 ip6 = {};
	uint32_t ports = 0;
	uint16_t be;

	nlu_put_u32(&req, OVS_KEY_ATTR_RECIRC_ID,
		    mask ? 0xffffffff : k->recirc_id);
	if (k->hash)
		nlu_put_u32(&req, OVS_KEY_ATTR_DP_HASH,
			    mask ? k->hash_mask : k->dp_hash);
	nlu_put_u32(&req, OVS_KEY_ATTR_IN_PORT, mask ? 0xffffffff : r->in);
	if (mask)
		memset(&eth, 0xff, sizeof(eth));
	nlu_put(&req, OVS_KEY_ATTR_ETHERNET, &eth, sizeof(eth));
	be = mask ? 0xffff : htons(k->l3 == 4 ? 0x0800 :
				   k->l3 == 6 ? 0x86dd : 0x88b5);
	nlu_put(&req, OVS_KEY_ATTR_ETHERTYPE, &be, 2);
	if (k->l3 == 4) {
		ip4.ipv4_proto = mask ? 0xff : k->proto;
		ip4.ipv4_frag = mask ? 0xff : 0;
		nlu_put(&req, OVS_KEY_ATTR_IPV4, &ip4, sizeof(ip4));
	} else if (k->l3 == 6) {
		ip6.ipv6_proto = mask ? 0xff : k->proto;
		ip6.ipv6_frag = mask ? 0xff : 0;
		nlu_put(&req, OVS_KEY_ATTR_IPV6, &ip6, sizeof(ip6));
	}
	if (k->l3 && k->proto == IPPROTO_TCP) {
		nlu_put(&req, OVS_KEY_ATTR_TCP, &ports, 4);
		nlu_put(&req, OVS_KEY_ATTR_TCP_FLAGS, &ports, 2);
	} else if (k->l3 && k->proto == IPPROTO_UDP) {
		nlu_put(&req, OVS_KEY_ATTR_UDP, &ports, 4);
	} else if (k->l3 && k->proto == IPPROTO_SCTP) {
		nlu_put(&req, OVS_KEY_ATTR_SCTP, &ports, 4);
	}
	nlu_nest_end(&req, nest);
}

static const struct kspec udp4 = { .l3 = 4, .proto = IPPROTO_UDP };
static const struct kspec tcp4 = { .l3 = 4, .proto = IPPROTO_TCP };
static const struct kspec sctp4 = { .l3 = 4, .proto = IPPROTO_SCTP };
static const struct kspec udp6 = { .l3 = 6, .proto = IPPROTO_UDP };
static const struct kspec tcp6 = { .l3 = 6, .proto = IPPROTO_TCP };
static const struct kspec other = { .l3 = 0 };

typedef void (*acts_fn)(struct run *r, int arg);

/* A new flow for @k whose actions @fn writes: 0 or -errno. */
static int put_flow(struct run *r, const struct kspec *k, acts_fn fn, int arg)
{
	struct nlattr *nest;

	nlu_init(&req, r->c.f.flow.id, NLM_F_CREATE, OVS_FLOW_CMD_NEW,
		 OVS_FLOW_VERSION, r->d);
	put_key(r, OVS_FLOW_ATTR_KEY, k, false);
	put_key(r, OVS_FLOW_ATTR_MASK, k, true);
	nest = nlu_nest(&req, OVS_FLOW_ATTR_ACTIONS);
	fn(r, arg);
	nlu_nest_end(&req, nest);
	return nlu_request(&r->c.s, &req, NULL);
}

static int flush(struct run *r)
{
	nlu_init(&req, r->c.f.flow.id, 0, OVS_FLOW_CMD_DEL, OVS_FLOW_VERSION,
		 r->d);
	return nlu_request(&r->c.s, &req, NULL);
}

/* ---- action writers ---- */

static void out(struct run *r)
{
	nlu_put_u32(&req, OVS_ACTION_ATTR_OUTPUT, r->out);
}

/* set (@masked false) or set_masked of key attribute @type. */
static void set(int type, const void *val, const void *mask, int len)
{
	struct nlattr *s = nlu_nest(&req, mask ? OVS_ACTION_ATTR_SET_MASKED :
					  OVS_ACTION_ATTR_SET);
	unsigned char buf[128];

	memcpy(buf, val, len);
	if (mask)
		memcpy(buf + len, mask, len);
	nlu_put(&req, type, buf, mask ? 2 * len : len);
	nlu_nest_end(&req, s);
}

static void push_vlan(uint16_t tpid, uint16_t tci)
{
	struct ovs_action_push_vlan v = {
		.vlan_tpid = htons(tpid), .vlan_tci = htons(tci),
	};

	nlu_put(&req, OVS_ACTION_ATTR_PUSH_VLAN, &v, sizeof(v));
}

static void userspace(struct run *r, bool actions)
{
	struct nlattr *u = nlu_nest(&req, OVS_ACTION_ATTR_USERSPACE);

	nlu_put_u32(&req, OVS_USERSPACE_ATTR_PID, r->up->portid);
	nlu_put(&req, OVS_USERSPACE_ATTR_USERDATA, "kvdp", 4);
	if (actions)
		nlu_put(&req, OVS_USERSPACE_ATTR_ACTIONS, NULL, 0);
	nlu_nest_end(&req, u);
}

static void sample(struct run *r, uint32_t prob, bool with_set)
{
	struct ovs_key_ethernet eth = { .eth_dst = { 0x02, 0x5a } };
	struct nlattr *s = nlu_nest(&req, OVS_ACTION_ATTR_SAMPLE), *a;

	nlu_put_u32(&req, OVS_SAMPLE_ATTR_PROBABILITY, prob);
	a = nlu_nest(&req, OVS_SAMPLE_ATTR_ACTIONS);
	if (with_set)
		set(OVS_KEY_ATTR_ETHERNET, &eth, NULL, sizeof(eth));
	out(r);
	nlu_nest_end(&req, a);
	nlu_nest_end(&req, s);
}

static void clones(struct run *r, int depth)
{
	struct nlattr *c = nlu_nest(&req, OVS_ACTION_ATTR_CLONE);

	if (depth > 1)
		clones(r, depth - 1);
	else
		out(r);
	nlu_nest_end(&req, c);
}

/* A clone that rewrites the destination MAC and outputs. */
static void clone_set(struct run *r)
{
	struct ovs_key_ethernet eth = { .eth_dst = { 0x02, 0xc1 } };
	struct nlattr *c = nlu_nest(&req, OVS_ACTION_ATTR_CLONE);

	set(OVS_KEY_ATTR_ETHERNET, &eth, NULL, sizeof(eth));
	out(r);
	nlu_nest_end(&req, c);
}

/* check_pkt_len @len: small ones get one source MAC, big ones another. */
static void cpl(struct run *r, int len, bool pkt_len, bool greater)
{
	struct ovs_key_ethernet le = { .eth_src = { 0x02, 0x1e } };
	struct ovs_key_ethernet gt = { .eth_src = { 0x02, 0x97 } };
	struct nlattr *c = nlu_nest(&req, OVS_ACTION_ATTR_CHECK_PKT_LEN), *a;
	uint16_t l = len;

	if (pkt_len)
		nlu_put(&req, OVS_CHECK_PKT_LEN_ATTR_PKT_LEN, &l, 2);
	if (greater) {
		a = nlu_nest(&req, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER);
		set(OVS_KEY_ATTR_ETHERNET, &gt, NULL, sizeof(gt));
		out(r);
		nlu_nest_end(&req, a);
	}
	a = nlu_nest(&req, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL);
	set(OVS_KEY_ATTR_ETHERNET, &le, NULL, sizeof(le));
	out(r);
	nlu_nest_end(&req, a);
	nlu_nest_end(&req, c);
}

/* ---- validation: one action list per case ---- */

static const char *const check_names[] = {
	"set(ipv4) on an IPv4 flow", "set(ipv4) on an IPv6 flow",
	"set(ipv4) changing the protocol", "set(ipv4) changing frag",
	"set_masked(ipv4) writing the protocol",
	"set_masked(ipv4) value outside its mask",
	"set_masked(ipv4) src /24", "set(ipv6) label over 20 bits",
	"set_masked(ipv6) label mask over 20 bits", "set(ipv6) on IPv6",
	"set(tcp) on a UDP flow", "set(tcp) on a TCP flow",
	"set(udp) on UDP", "set(sctp) on TCP", "set(sctp) on SCTP",
	"set(ethernet)", "set(ethernet) short", "set with two keys",
	"set(in_port)", "set(priority)+set(skb_mark)", "set(ct_mark)",
	"set(tcp) on a non-IP flow", "set_masked odd length",
	"push_vlan 802.1Q", "push_vlan 802.1ad", "push_vlan bad TPID",
	"push_vlan without CFI", "pop_vlan with payload", "trunc 13",
	"trunc 14", "hash L4", "hash alg 1", "recirc", "recirc short",
	"sample, probability 0", "sample without probability",
	"sample without actions", "sample repeated attribute",
	"sample unknown attribute", "sample bad nested action",
	"clone", "clone too short", "clones 16 deep", "clones 17 deep",
	"bad action, then 17 deep", "17 deep, then bad action",
	"check_pkt_len", "check_pkt_len no length",
	"check_pkt_len only one branch", "check_pkt_len length 0",
	"userspace", "userspace with actions flag",
	"userspace without pid", "userspace pid 0",
	"userspace egress tun port", "output port 65535",
	"unknown action 40", "trailing bytes", "action type 0",
};

static void check_acts(struct run *r, int i)
{
	struct ovs_key_ipv4 ip4 = {
		.ipv4_src = htonl(0x0a090063), .ipv4_proto = IPPROTO_UDP,
		.ipv4_ttl = 9,
	}, m4 = {};
	struct ovs_key_ipv6 ip6 = { .ipv6_proto = IPPROTO_TCP }, m6 = {};
	struct ovs_key_ethernet eth = { .eth_dst = { 2, 3 } };
	struct ovs_action_hash hash = { .hash_alg = OVS_HASH_ALG_L4 };
	struct ovs_action_trunc trunc = { .max_len = 13 };
	uint32_t ports = htonl(0x00500050), u = 5;
	struct nlattr *n, *a;

	switch (i) {
	case 0: case 1:
		set(OVS_KEY_ATTR_IPV4, &ip4, NULL, sizeof(ip4));
		break;
	case 2:
		ip4.ipv4_proto = IPPROTO_TCP;
		set(OVS_KEY_ATTR_IPV4, &ip4, NULL, sizeof(ip4));
		break;
	case 3:
		ip4.ipv4_frag = 1;
		set(OVS_KEY_ATTR_IPV4, &ip4, NULL, sizeof(ip4));
		break;
	case 4:
		m4.ipv4_proto = 0xff;
		set(OVS_KEY_ATTR_IPV4, &ip4, &m4, sizeof(ip4));
		break;
	case 5:
		m4.ipv4_src = htonl(0xffffff00);
		ip4.ipv4_proto = 0;
		ip4.ipv4_ttl = 0;
		set(OVS_KEY_ATTR_IPV4, &ip4, &m4, sizeof(ip4));
		break;
	case 6:
		m4.ipv4_src = htonl(0xffffff00);
		ip4.ipv4_src = htonl(0x0a0a0a00);
		ip4.ipv4_proto = 0;
		ip4.ipv4_ttl = 0;
		set(OVS_KEY_ATTR_IPV4, &ip4, &m4, sizeof(ip4));
		break;
	case 7:
		ip6.ipv6_label = htonl(0x00100000);
		set(OVS_KEY_ATTR_IPV6, &ip6, NULL, sizeof(ip6));
		break;
	case 8:
		m6.ipv6_label = htonl(0x00100000);
		ip6.ipv6_proto = 0;
		set(OVS_KEY_ATTR_IPV6, &ip6, &m6, sizeof(ip6));
		break;
	case 9:
		set(OVS_KEY_ATTR_IPV6, &ip6, NULL, sizeof(ip6));
		break;
	case 10: case 11: case 21:
		set(OVS_KEY_ATTR_TCP, &ports, NULL, 4);
		break;
	case 12:
		set(OVS_KEY_ATTR_UDP, &ports, NULL, 4);
		break;
	case 13: case 14:
		set(OVS_KEY_ATTR_SCTP, &ports, NULL, 4);
		break;
	case 15:
		set(OVS_KEY_ATTR_ETHERNET, &eth, NULL, sizeof(eth));
		break;
	case 16:
		set(OVS_KEY_ATTR_ETHERNET, &eth, NULL, sizeof(eth) - 2);
		break;
	case 17:
		n = nlu_nest(&req, OVS_ACTION_ATTR_SET);
		nlu_put_u32(&req, OVS_KEY_ATTR_PRIORITY, 1);
		nlu_put_u32(&req, OVS_KEY_ATTR_SKB_MARK, 1);
		nlu_nest_end(&req, n);
		break;
	case 18:
		set(OVS_KEY_ATTR_IN_PORT, &u, NULL, 4);
		break;
	case 19:
		set(OVS_KEY_ATTR_PRIORITY, &u, NULL, 4);
		set(OVS_KEY_ATTR_SKB_MARK, &u, &u, 4);
		break;
	case 20:
		set(OVS_KEY_ATTR_CT_MARK, &u, NULL, 4);
		break;
	case 22:
		n = nlu_nest(&req, OVS_ACTION_ATTR_SET_MASKED);
		nlu_put(&req, OVS_KEY_ATTR_PRIORITY, "\0\0\0\0\xff\xff\xff\xff\xff",
			9);
		nlu_nest_end(&req, n);
		break;
	case 23:
		push_vlan(0x8100, 0x1064);
		break;
	case 24:
		push_vlan(0x88a8, 0x1064);
		break;
	case 25:
		push_vlan(0x0800, 0x1064);
		break;
	case 26:
		push_vlan(0x8100, 0x0064);
		break;
	case 27:
		nlu_put_u32(&req, OVS_ACTION_ATTR_POP_VLAN, 0);
		break;
	case 28: case 29:
		trunc.max_len += i - 28;
		nlu_put(&req, OVS_ACTION_ATTR_TRUNC, &trunc, sizeof(trunc));
		out(r);
		break;
	case 30: case 31:
		hash.hash_alg += i - 30;
		nlu_put(&req, OVS_ACTION_ATTR_HASH, &hash, sizeof(hash));
		break;
	case 32:
		nlu_put_u32(&req, OVS_ACTION_ATTR_RECIRC, 9);
		break;
	case 33:
		nlu_put(&req, OVS_ACTION_ATTR_RECIRC, &u, 2);
		break;
	case 34:
		sample(r, 0, true);
		break;
	case 35: case 36: case 37: case 38: case 39:
		n = nlu_nest(&req, OVS_ACTION_ATTR_SAMPLE);
		if (i != 35)
			nlu_put_u32(&req, OVS_SAMPLE_ATTR_PROBABILITY, 1);
		if (i == 37)
			nlu_put_u32(&req, OVS_SAMPLE_ATTR_PROBABILITY, 1);
		if (i == 38)
			nlu_put_u32(&req, 3, 1);
		if (i != 36) {
			a = nlu_nest(&req, OVS_SAMPLE_ATTR_ACTIONS);
			if (i == 39)
				nlu_put_u32(&req, OVS_ACTION_ATTR_OUTPUT,
					    70000);
			nlu_nest_end(&req, a);
		}
		nlu_nest_end(&req, n);
		break;
	case 40:
		clones(r, 1);
		break;
	case 41:
		nlu_put(&req, OVS_ACTION_ATTR_CLONE, &u, 2);
		break;
	case 42: case 43:
		clones(r, i - 26);
		break;
	case 44:
		nlu_put_u32(&req, 40, 0);
		clones(r, 17);
		break;
	case 45:
		clones(r, 17);
		nlu_put_u32(&req, 40, 0);
		break;
	case 46:
		cpl(r, 100, true, true);
		break;
	case 47:
		cpl(r, 100, false, true);
		break;
	case 48:
		cpl(r, 100, true, false);
		break;
	case 49:
		cpl(r, 0, true, true);
		break;
	case 50: case 51:
		userspace(r, i == 51);
		break;
	case 52: case 53: case 54:
		n = nlu_nest(&req, OVS_ACTION_ATTR_USERSPACE);
		if (i != 52)
			nlu_put_u32(&req, OVS_USERSPACE_ATTR_PID,
				    i == 53 ? 0 : 7);
		if (i == 54)
			nlu_put_u32(&req, OVS_USERSPACE_ATTR_EGRESS_TUN_PORT,
				    3);
		nlu_nest_end(&req, n);
		break;
	case 55:
		nlu_put_u32(&req, OVS_ACTION_ATTR_OUTPUT, 65535);
		break;
	case 56:
		nlu_put_u32(&req, 40, 0);
		break;
	case 57:
		out(r);
		memset((char *)&req + req.nh.nlmsg_len, 0, 2);
		req.nh.nlmsg_len += 2;
		break;
	case 58:
		nlu_put_u32(&req, 0, 0);
		break;
	}
}

/* The key each validation case is checked against. */
static const struct kspec *check_key(int i)
{
	switch (i) {
	case 1: case 7: case 8: case 9:
		return &tcp6;
	case 11: case 13:
		return &tcp4;
	case 14:
		return &sctp4;
	case 21:
		return &other;
	}
	return &udp4;
}

/* Validation answers expected from openvswitch.ko (errno, positive). */
static int check_expect(int i)
{
	static const int overflow = EOVERFLOW, invalid = EINVAL;

	switch (i) {
	case 0: case 6: case 9: case 11: case 12: case 14: case 15:
	case 19: case 20: case 22: case 23: case 24: case 29: case 30:
	case 32: case 34: case 40: case 42: case 46: case 50: case 51:
	case 54:
		return 0;
	case 43: case 45:
		return overflow;
	}
	return invalid;
}

static void run_checks(struct run *r)
{
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(check_names); i++) {
		step(r, check_names[i], check_expect(i),
		     put_flow(r, check_key(i), check_acts, i));
		flush(r);
	}
}

/* ---- packets ---- */

/* The action lists of the packet cases; @i picks one. */
static void pkt_acts(struct run *r, int i)
{
	struct ovs_key_ethernet eth = {
		.eth_src = { 0x02, 0xaa, 0, 0, 0, 1 },
		.eth_dst = { 0x02, 0xbb, 0, 0, 0, 2 },
	}, meth = { .eth_dst = { 0, 0xff, 0, 0, 0xf0, 0xff } };
	struct ovs_key_ipv4 ip4 = {
		.ipv4_src = htonl(0xc0a80001), .ipv4_dst = htonl(0xc0a80002),
		.ipv4_proto = IPPROTO_UDP, .ipv4_tos = 0xb8, .ipv4_ttl = 7,
	}, m4 = { .ipv4_src = htonl(0xffff0000), .ipv4_ttl = 0xf0 };
	struct ovs_key_ipv6 ip6 = {
		.ipv6_label = htonl(0xabcde), .ipv6_proto = IPPROTO_UDP,
		.ipv6_tclass = 0x28, .ipv6_hlimit = 3,
		.ipv6_src = { htonl(0xfd000000), 0, 0, htonl(9) },
		.ipv6_dst = { htonl(0xfd000000), 0, 0, htonl(8) },
	}, m6 = {
		.ipv6_label = htonl(0xff), .ipv6_tclass = 0xf0,
		.ipv6_dst = { [3] = htonl(0xff) },
	};
	struct ovs_action_trunc trunc = { .max_len = 40 };
	struct ovs_action_hash hash = {
		.hash_alg = OVS_HASH_ALG_L4, .hash_basis = 77,
	};
	uint32_t ports = htonl(0x1f900050), mports = htonl(0x0000ffff), u;

	switch (i) {
	case 0:		/* priority, mark, Ethernet */
		u = 3;
		set(OVS_KEY_ATTR_PRIORITY, &u, NULL, 4);
		set(OVS_KEY_ATTR_SKB_MARK, &u, &u, 4);
		set(OVS_KEY_ATTR_ETHERNET, &eth, NULL, sizeof(eth));
		out(r);
		meth.eth_dst[1] = 0x0f;
		set(OVS_KEY_ATTR_ETHERNET, &meth, &meth, sizeof(meth));
		break;
	case 1:		/* IPv4 whole, then masked */
		set(OVS_KEY_ATTR_IPV4, &ip4, NULL, sizeof(ip4));
		out(r);
		ip4.ipv4_src = htonl(0x0b0b0000);
		ip4.ipv4_ttl = 0x30;
		memset(&ip4.ipv4_dst, 0, 4);
		ip4.ipv4_proto = 0;
		ip4.ipv4_tos = 0;
		set(OVS_KEY_ATTR_IPV4, &ip4, &m4, sizeof(ip4));
		break;
	case 2:		/* IPv4 on TCP: the TCP checksum follows */
		m4.ipv4_dst = htonl(0xffffffff);
		memset(&ip4, 0, sizeof(ip4));
		ip4.ipv4_dst = htonl(0x0a0b0c0d);
		set(OVS_KEY_ATTR_IPV4, &ip4, &m4, sizeof(ip4));
		out(r);
		set(OVS_KEY_ATTR_TCP, &ports, NULL, 4);
		break;
	case 3:		/* IPv6 whole, then masked, on UDP */
		set(OVS_KEY_ATTR_IPV6, &ip6, NULL, sizeof(ip6));
		out(r);
		memset(&ip6, 0, sizeof(ip6));
		ip6.ipv6_label = htonl(0x55);
		ip6.ipv6_tclass = 0xa0;
		ip6.ipv6_dst[3] = htonl(0x77);
		set(OVS_KEY_ATTR_IPV6, &ip6, &m6, sizeof(ip6));
		break;
	case 4:		/* IPv6 source on TCP, then the ports */
		memset(&m6, 0, sizeof(m6));
		memset(m6.ipv6_src, 0xff, 16);
		ip6.ipv6_label = 0;
		ip6.ipv6_tclass = 0;
		ip6.ipv6_hlimit = 0;
		ip6.ipv6_proto = 0;
		memset(ip6.ipv6_dst, 0, 16);
		set(OVS_KEY_ATTR_IPV6, &ip6, &m6, sizeof(ip6));
		out(r);
		ports = htonl(0x0000abcd);
		set(OVS_KEY_ATTR_TCP, &ports, &mports, 4);
		break;
	case 5:		/* UDP ports, whole then masked */
		set(OVS_KEY_ATTR_UDP, &ports, NULL, 4);
		out(r);
		ports = htonl(0x00001234);
		set(OVS_KEY_ATTR_UDP, &ports, &mports, 4);
		break;
	case 6:		/* SCTP ports */
		set(OVS_KEY_ATTR_SCTP, &ports, NULL, 4);
		out(r);
		ports = htonl(0x00004321);
		set(OVS_KEY_ATTR_SCTP, &ports, &mports, 4);
		break;
	case 7:		/* VLAN tags in and out */
		push_vlan(0x8100, 0x1000 | 100);
		out(r);
		push_vlan(0x88a8, 0x1000 | 200 | 0x6000);
		out(r);
		nlu_put(&req, OVS_ACTION_ATTR_POP_VLAN, NULL, 0);
		out(r);
		nlu_put(&req, OVS_ACTION_ATTR_POP_VLAN, NULL, 0);
		break;
	case 8:		/* trunc applies to the next output only */
		nlu_put(&req, OVS_ACTION_ATTR_TRUNC, &trunc, sizeof(trunc));
		out(r);
		break;
	case 9:		/* hash, then recirculate to flows on the hash */
		nlu_put(&req, OVS_ACTION_ATTR_HASH, &hash, sizeof(hash));
		nlu_put_u32(&req, OVS_ACTION_ATTR_RECIRC, 5);
		return;
	case 10:	/* sample never, then always with its own set */
		sample(r, 0, false);
		sample(r, 0xffffffff, true);
		break;
	case 11:	/* clone with a set, then the original */
		nlu_put(&req, OVS_ACTION_ATTR_TRUNC, &trunc, sizeof(trunc));
		clone_set(r);
		break;
	case 12:	/* check_pkt_len: both branches, by frame size */
		cpl(r, 100, true, true);
		break;
	case 13:	/* userspace with actions after a trunc */
		nlu_put(&req, OVS_ACTION_ATTR_TRUNC, &trunc, sizeof(trunc));
		userspace(r, true);
		break;
	case 14:	/* recirculate to no flow: a miss with the id */
		nlu_put_u32(&req, OVS_ACTION_ATTR_RECIRC, 7);
		return;
	case 15:	/* second pass: dp_hash bit 0 picks the source MAC */
		eth.eth_src[5] = r->out;
		set(OVS_KEY_ATTR_ETHERNET, &eth, NULL, sizeof(eth));
		break;
	case 16:
		eth.eth_src[5] = 0x99;
		set(OVS_KEY_ATTR_ETHERNET, &eth, NULL, sizeof(eth));
		break;
	}
	out(r);
}

static const char *const pkt_names[] = {
	"packet: set priority, mark, Ethernet, masked Ethernet",
	"packet: set IPv4, masked IPv4 (UDP checksum)",
	"packet: masked IPv4 dst on TCP, set TCP ports",
	"packet: set IPv6, masked IPv6 (UDP checksum)",
	"packet: masked IPv6 src on TCP, masked TCP port",
	"packet: set UDP ports, masked UDP port",
	"packet: set SCTP ports, masked SCTP port (CRC32c)",
	"packet: push 802.1Q, push 802.1ad, pop, pop",
	"packet: trunc 40, output, output",
	"packet: hash, recirc, second pass on dp_hash",
	"packet: sample never, sample always with a set, output",
	"packet: trunc, clone with a set, output",
	"packet: check_pkt_len both branches",
	"packet: trunc, userspace with actions",
	"packet: recirc to no flow",
};

/* The frame case @i sends (@big: the second, larger one). */
static int pkt_frame(int i, bool big, unsigned char *f)
{
	switch (i) {
	case 2:
		return build(f, false, IPPROTO_TCP, 20);
	case 3: case 5:
		return build(f, i == 3, IPPROTO_UDP, 20);
	case 4:
		return build(f, true, IPPROTO_TCP, 20);
	case 6:
		return build(f, false, IPPROTO_SCTP, 20);
	}
	return build(f, false, IPPROTO_UDP, big ? 200 : 20);
}

static const struct kspec *pkt_key(int i)
{
	switch (i) {
	case 2:
		return &tcp4;
	case 3:
		return &udp6;
	case 4:
		return &tcp6;
	case 6:
		return &sctp4;
	}
	return &udp4;
}

/*
 * Upcalls of @cmd on the listener into the step's signature (the first
 * within 2.5 s, the others until 300 ms pass without one): how many.
 */
static int upcalls(struct run *r, int cmd)
{
	static struct nlu_msg m;
	static char text[4096];
	const struct nlattr *a;
	int n = 0, t;
	bool has;

	while (!nlu_recv_timeout(r->up, &m, n ? 300 : 2500)) {
		if (m.nh.nlmsg_type != r->c.f.packet.id || nlu_cmd(&m) != cmd)
			continue;
		n++;
		/* The first upcall's attributes: type, length, 12 bytes. */
		for (t = OVS_PACKET_ATTR_PACKET; t <= OVS_PACKET_ATTR_HASH; t++) {
			a = reply_attr(&m, t);
			has = a;
			mix(r, &t, sizeof(t));
			mix(r, &has, sizeof(has));
			if (!a || t == OVS_PACKET_ATTR_KEY)
				continue;
			mix(r, nlu_data(a), nlu_len(a));
			if (n == 1 && r->dump_len + 14 <= DUMP) {
				r->dump[r->dump_len++] = t;
				r->dump[r->dump_len++] = nlu_len(a);
				memcpy(r->dump + r->dump_len,
				       (const char *)nlu_data(a) +
				       (nlu_len(a) > 12 ? nlu_len(a) - 12 : 0),
				       nlu_len(a) < 12 ? nlu_len(a) : 12);
				r->dump_len += 12;
			}
		}
		/* The whole key, conntrack's part left out. */
		a = reply_attr(&m, OVS_PACKET_ATTR_KEY);
		if (!a)
			return WRONG;
		text[0] = 0;
		nlu_key_text(a, text, sizeof(text));
		mix(r, text, strlen(text));
	}
	return n;
}

static void drain(struct run *r)
{
	static struct nlu_msg m;
	unsigned char f[2048];

	while (recv(r->rx, f, sizeof(f), MSG_DONTWAIT) > 0)
		;
	while (!nlu_recv_timeout(r->up, &m, 0))
		;
}

/* Flows for case @i: the first pass, and the second for hash+recirc. */
static int pkt_flows(struct run *r, int i)
{
	struct kspec k = *pkt_key(i);
	int err = put_flow(r, &k, pkt_acts, i);

	if (err || i != 9)
		return err;
	k.recirc_id = 5;
	k.hash = true;
	k.hash_mask = 1;
	k.dp_hash = 0;
	err = put_flow(r, &k, pkt_acts, 15);
	k.dp_hash = 1;
	return err ?: put_flow(r, &k, pkt_acts, 16);
}

static void run_packets(struct run *r)
{
	unsigned char f[512];
	int i, err, n, len;

	for (i = 0; i < (int)ARRAY_SIZE(pkt_names); i++) {
		flush(r);
		drain(r);
		err = pkt_flows(r, i);
		len = pkt_frame(i, false, f);
		if (!err)
			err = send_frame(r, f, len);
		if (!err && (i == 12 || i == 9)) {
			len = pkt_frame(i, true, f);
			err = send_frame(r, f, len);
		}
		if (err) {
			step(r, pkt_names[i], 0, err);
			continue;
		}
		if (i == 13)
			n = upcalls(r, OVS_PACKET_CMD_ACTION);
		else if (i == 14)
			n = upcalls(r, OVS_PACKET_CMD_MISS);
		else
			n = capture(r);
		step(r, pkt_names[i], 0, n > 0 && n != WRONG ? 0 : WRONG);
	}
	flush(r);
}

static int run_script(enum dp_module m, struct script *sc, struct nlu *up,
		      long *base)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
	};
	static struct run r;
	int one = 1, err;

	memset(sc, 0, sizeof(*sc));
	memset(&r, 0, sizeof(r));
	r.sc = sc;
	r.up = up;
	err = dp_module_load(m);
	if (!err && m == DP_KVIRT) {
		run("mount -t debugfs none /sys/kernel/debug 2>/dev/null");
		err = dp_objects(base);
	}
	if (!err)
		err = dpc_open(&r.c);
	if (err)
		return err;
	err = dp_new(&r.c, DP, up->portid, NO_FEATURES, NULL);
	if (err)
		goto close;
	r.d = ifindex_of(DP);
	err = vport_new(&r.c, r.d, IN, OVS_VPORT_TYPE_NETDEV, up->portid,
			&rep);
	r.in = reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO);
	err = err ?: vport_new(&r.c, r.d, OUT, OVS_VPORT_TYPE_NETDEV,
			       up->portid, &rep);
	r.out = reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO);
	r.rx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	r.tx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	sll.sll_ifindex = ifindex_of(OUT_PEER);
	if (!err && (r.rx < 0 || r.tx < 0 ||
		     bind(r.rx, (struct sockaddr *)&sll, sizeof(sll)) ||
		     setsockopt(r.rx, SOL_PACKET, PACKET_AUXDATA, &one,
				sizeof(one))))
		err = -errno;
	if (!err) {
		run_checks(&r);
		run_packets(&r);
	}
	if (r.rx >= 0)
		close(r.rx);
	if (r.tx >= 0)
		close(r.tx);
	dp_del(&r.c, DP);
close:
	dpc_close(&r.c);
	return err;
}

static void log_dump(struct __test_metadata *_metadata, const char *who,
		     const struct script *sc, int i)
{
	char hex[3 * DUMP + 1];
	int j, n = sc->dump_len[i] < DUMP ? sc->dump_len[i] : DUMP;

	for (j = 0; j < n; j++)
		snprintf(hex + 3 * j, 4, "%02x ", sc->dump[i][j]);
	hex[3 * n] = 0;
	TH_LOG("%s: %d bytes: %s", who, sc->dump_len[i], hex);
}

FIXTURE(action) {
};

FIXTURE_SETUP(action)
{
	ASSERT_EQ(0, run("modprobe veth"));
	run("ip link del " IN " 2>/dev/null; ip link del " OUT " 2>/dev/null");
	ASSERT_EQ(0, add_veth(IN, IN_PEER));
	ASSERT_EQ(0, add_veth(OUT, OUT_PEER));
}

FIXTURE_TEARDOWN(action)
{
	run("ip link del " IN " 2>/dev/null; ip link del " OUT " 2>/dev/null");
	dp_module_unload(DP_OVS);
}

TEST_F_TIMEOUT(action, same_as_openvswitch, 300)
{
	static struct script ovs, kvirt;
	long base[DP_N_OBJECTS];
	struct nlu up;
	int i;

	ASSERT_EQ(0, nlu_open(&up));
	ASSERT_EQ(0, run_script(DP_OVS, &ovs, &up, base));
	ASSERT_EQ(0, run_script(DP_KVIRT, &kvirt, &up, base));
	EXPECT_TRUE(dp_objects_back(base, NULL, 5000))
		TH_LOG("kvirt_dp objects not back to their starting counts");
	nlu_close(&up);
	ASSERT_EQ(ovs.n, kvirt.n);
	for (i = 0; i < ovs.n; i++) {
		EXPECT_EQ(ovs.expect[i], ovs.got[i])
			TH_LOG("openvswitch: %s: %s", ovs.what[i], ovs.msg[i]);
		EXPECT_EQ(ovs.got[i], kvirt.got[i])
			TH_LOG("kvirt_dp: %s: %s", kvirt.what[i], kvirt.msg[i]);
		if (kvirt.got[i] && kvirt.got[i] != WRONG)
			EXPECT_NE(0, kvirt.msg[i][0])
				TH_LOG("kvirt_dp: no extack for %s",
				       kvirt.what[i]);
		EXPECT_EQ(ovs.sig[i], kvirt.sig[i])
			TH_LOG("different output: %s", ovs.what[i]);
		if (ovs.sig[i] != kvirt.sig[i]) {
			log_dump(_metadata, "openvswitch", &ovs, i);
			log_dump(_metadata, "kvirt_dp", &kvirt, i);
		}
	}
}

TEST_HARNESS_MAIN
