// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the ovs_flow family must answer as openvswitch.ko does, because
 * ovs-vswitchd installs, probes, dumps and deletes megaflows through it:
 * one script of flow requests (well-formed and malformed) and of packets
 * hitting and missing a flow runs on the stock module and on kvirt_dp.ko,
 * and every answer must match between them and the expected one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ovs_cmd.h"

#define MAX_STEPS 128
/* A reply that was not what OVS's reply is: not an errno. */
#define WRONG 1000

#define DP "kfl0"
#define PORT "kfv0"
#define PEER "kfv1"
#define OUT "kfw0"
#define OUT_PEER "kfw1"

struct script {
	int n;
	const char *what[MAX_STEPS];
	int expect[MAX_STEPS];
	int got[MAX_STEPS];
	char msg[MAX_STEPS][256];	/* extack of a failure */
};

static struct nlu_msg req, rep;

static void step(struct script *sc, struct dpc *c, const char *what,
		 int expect, int r)
{
	sc->what[sc->n] = what;
	sc->expect[sc->n] = expect;
	sc->got[sc->n] = r < 0 ? -r : r;
	snprintf(sc->msg[sc->n], sizeof(sc->msg[0]), "%s",
		 r < 0 ? c->s.errmsg : "");
	sc->n++;
}

static int check(bool ok)
{
	return ok ? 0 : WRONG;
}

static int dump_err(int r)
{
	return r < 0 ? r : 0;
}

/* What a key says; a mask uses the same fields as bit masks. */
struct fkey {
	uint32_t in_port;
	bool no_in_port;
	uint16_t eth_type;		/* 0: no ETHERTYPE */
	uint32_t ip_src;		/* host order */
	uint32_t ip_dst;
	uint8_t proto;
	bool ipv4;
	bool udp;
	uint16_t sport, dport;
};

static void put_key(struct nlu_msg *m, int type, const struct fkey *k)
{
	struct ovs_key_ethernet eth = {};
	struct ovs_key_ipv4 ip = {};
	struct ovs_key_udp udp = {};
	struct nlattr *nest = nlu_nest(m, type);
	uint16_t be;

	if (!k->no_in_port)
		nlu_put_u32(m, OVS_KEY_ATTR_IN_PORT, k->in_port);
	nlu_put(m, OVS_KEY_ATTR_ETHERNET, &eth, sizeof(eth));
	if (k->eth_type) {
		be = htons(k->eth_type);
		nlu_put(m, OVS_KEY_ATTR_ETHERTYPE, &be, 2);
	}
	if (k->ipv4) {
		ip.ipv4_src = htonl(k->ip_src);
		ip.ipv4_dst = htonl(k->ip_dst);
		ip.ipv4_proto = k->proto;
		nlu_put(m, OVS_KEY_ATTR_IPV4, &ip, sizeof(ip));
	}
	if (k->udp) {
		udp.udp_src = htons(k->sport);
		udp.udp_dst = htons(k->dport);
		nlu_put(m, OVS_KEY_ATTR_UDP, &udp, sizeof(udp));
	}
	nlu_nest_end(m, nest);
}

/* Actions: an output port, or none (drop) when @port is negative. */
static void put_actions(struct nlu_msg *m, long long port)
{
	struct nlattr *nest = nlu_nest(m, OVS_FLOW_ATTR_ACTIONS);

	if (port >= 0)
		nlu_put_u32(m, OVS_ACTION_ATTR_OUTPUT, port);
	nlu_nest_end(m, nest);
}

static void flow_req(struct dpc *c, uint8_t cmd, int d, uint16_t flags)
{
	nlu_init(&req, c->f.flow.id, flags, cmd, OVS_FLOW_VERSION, d);
}

static const uint8_t ufid_a[16] = { 0xa1, 2, 3, 4, 5, 6, 7, 8,
				    9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t ufid_c[16] = { 0xc1, 2, 3 };

/* IPv4 from 10.0.0.1 on port 1: no bits outside mask_a. */
static const struct fkey key_a = {
	.in_port = 1, .eth_type = 0x0800, .ipv4 = true,
	.ip_src = 0x0a000001,
};

/* in_port, eth_type and the IPv4 source only. */
static const struct fkey mask_a = {
	.in_port = 0xffffffff, .eth_type = 0xffff, .ipv4 = true,
	.ip_src = 0xffffffff,
};

static const struct fkey key_b = {
	.in_port = 1, .eth_type = 0x0800, .ipv4 = true,
	.ip_src = 0x0a000005, .ip_dst = 0x0a000002, .proto = 17,
	.udp = true, .sport = 1, .dport = 2,
};

static int new_flow(struct dpc *c, int d, uint16_t flags, const uint8_t *ufid,
		    const struct fkey *k, const struct fkey *mask,
		    long long port)
{
	flow_req(c, OVS_FLOW_CMD_NEW, d, NLM_F_ECHO | flags);
	if (ufid)
		nlu_put(&req, OVS_FLOW_ATTR_UFID, ufid, 16);
	put_key(&req, OVS_FLOW_ATTR_KEY, k);
	if (mask)
		put_key(&req, OVS_FLOW_ATTR_MASK, mask);
	put_actions(&req, port);
	return nlu_request(&c->s, &req, &rep);
}

static int get_ufid(struct dpc *c, int d, uint8_t cmd, const uint8_t *ufid)
{
	flow_req(c, cmd, d, NLM_F_ECHO);
	nlu_put(&req, OVS_FLOW_ATTR_UFID, ufid, 16);
	return nlu_request(&c->s, &req, &rep);
}

static int get_key(struct dpc *c, int d, uint8_t cmd, const struct fkey *k)
{
	flow_req(c, cmd, d, NLM_F_ECHO);
	put_key(&req, OVS_FLOW_ATTR_KEY, k);
	return nlu_request(&c->s, &req, &rep);
}

static int n_attrs(const struct nlu_msg *m, int type)
{
	const char *p = (const char *)NLMSG_DATA(&m->nh) + GENL_HDRLEN +
			sizeof(struct ovs_header);
	int left = m->nh.nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN -
		   sizeof(struct ovs_header);
	int n = 0;

	while (left >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > left)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			n++;
		p += NLA_ALIGN(a->nla_len);
		left -= NLA_ALIGN(a->nla_len);
	}
	return n;
}

/* A key nest's IPv4 source, host order, or 0. */
static uint32_t key_ip_src(const struct nlattr *key)
{
	const struct nlattr *tb[OVS_KEY_ATTR_MAX + 1];
	const struct ovs_key_ipv4 *ip;

	if (!key)
		return 0;
	nlu_parse(key, tb, OVS_KEY_ATTR_MAX);
	if (!tb[OVS_KEY_ATTR_IPV4] ||
	    nlu_len(tb[OVS_KEY_ATTR_IPV4]) != sizeof(*ip))
		return 0;
	ip = nlu_data(tb[OVS_KEY_ATTR_IPV4]);
	return ntohl(ip->ipv4_src);
}

static uint64_t flow_packets(const struct nlu_msg *m)
{
	const struct nlattr *a = reply_attr(m, OVS_FLOW_ATTR_STATS);
	struct ovs_flow_stats st;

	if (!a || nlu_len(a) != sizeof(st))
		return 0;
	memcpy(&st, nlu_data(a), sizeof(st));
	return st.n_packets;
}

/* The port of a reply's first action if it is an output, else -1. */
static long long first_output(const struct nlu_msg *m)
{
	const struct nlattr *acts = reply_attr(m, OVS_FLOW_ATTR_ACTIONS);
	const struct nlattr *a;

	if (!acts || nlu_len(acts) != NLA_HDRLEN + 4)
		return -1;
	a = nlu_data(acts);
	if ((a->nla_type & NLA_TYPE_MASK) != OVS_ACTION_ATTR_OUTPUT)
		return -1;
	return nlu_u32(a);
}

/* What a dump returned: flows, and UFIDs, keys, masks, actions in all. */
static struct {
	int flows, ufid, key, mask, acts;
} dumped;

static void count_flow(const struct nlu_msg *m, void *arg)
{
	dumped.flows++;
	dumped.ufid += n_attrs(m, OVS_FLOW_ATTR_UFID);
	dumped.key += n_attrs(m, OVS_FLOW_ATTR_KEY);
	dumped.mask += n_attrs(m, OVS_FLOW_ATTR_MASK);
	dumped.acts += n_attrs(m, OVS_FLOW_ATTR_ACTIONS);
}

static int dump_flows(struct dpc *c, int d, uint32_t ufid_flags)
{
	memset(&dumped, 0, sizeof(dumped));
	flow_req(c, OVS_FLOW_CMD_GET, d, 0);
	if (ufid_flags)
		nlu_put_u32(&req, OVS_FLOW_ATTR_UFID_FLAGS, ufid_flags);
	return dump_err(nlu_dump(&c->s, &req, count_flow, NULL));
}

/* The datapath's stats: flows, hits, misses and masks. */
static int dp_stats(struct dpc *c, struct ovs_dp_stats *st,
		    struct ovs_dp_megaflow_stats *mf)
{
	const struct nlattr *a, *b;
	int err = dp_get(c, DP, 0, &rep);

	if (err)
		return err;
	a = reply_attr(&rep, OVS_DP_ATTR_STATS);
	b = reply_attr(&rep, OVS_DP_ATTR_MEGAFLOW_STATS);
	if (!a || !b || nlu_len(a) != sizeof(*st) || nlu_len(b) < 8)
		return WRONG;
	memcpy(st, nlu_data(a), sizeof(*st));
	memcpy(mf, nlu_data(b), sizeof(*mf));
	return 0;
}

static void run_flow_steps(struct script *sc, struct dpc *c, int d)
{
	struct ovs_dp_megaflow_stats mf;
	struct ovs_dp_stats st;
	struct fkey k;
	struct nlattr *nest;
	uint16_t be;

	step(sc, c, "new A (UFID, mask)", 0,
	     new_flow(c, d, NLM_F_CREATE, ufid_a, &key_a, &mask_a, 2));
	step(sc, c, "new A: reply", 0,
	     check(nlu_cmd(&rep) == OVS_FLOW_CMD_NEW &&
		   n_attrs(&rep, OVS_FLOW_ATTR_UFID) == 1 &&
		   !memcmp(nlu_data(reply_attr(&rep, OVS_FLOW_ATTR_UFID)),
			   ufid_a, 16) &&
		   n_attrs(&rep, OVS_FLOW_ATTR_KEY) == 1 &&
		   n_attrs(&rep, OVS_FLOW_ATTR_MASK) == 1 &&
		   key_ip_src(reply_attr(&rep, OVS_FLOW_ATTR_KEY)) == 0x0a000001 &&
		   key_ip_src(reply_attr(&rep, OVS_FLOW_ATTR_MASK)) == 0xffffffff &&
		   !reply_attr(&rep, OVS_FLOW_ATTR_STATS) &&
		   !reply_attr(&rep, OVS_FLOW_ATTR_USED) &&
		   nlu_len(reply_attr(&rep, OVS_FLOW_ATTR_ACTIONS)) == 8));
	step(sc, c, "new A again, CREATE", EEXIST,
	     new_flow(c, d, NLM_F_CREATE, ufid_a, &key_a, &mask_a, 3));
	step(sc, c, "new A again, CREATE|EXCL", EEXIST,
	     new_flow(c, d, NLM_F_CREATE | NLM_F_EXCL, ufid_a, &key_a,
		      &mask_a, 3));
	step(sc, c, "new A again, no flags: modify to drop", 0,
	     new_flow(c, d, 0, ufid_a, &key_a, &mask_a, -1));
	step(sc, c, "modify: reply has no actions", 0,
	     check(nlu_len(reply_attr(&rep, OVS_FLOW_ATTR_ACTIONS)) == 0));
	k = key_a;
	k.ip_dst = 0x0a000009;
	step(sc, c, "new: overlaps A, other key, no UFID", ENOENT,
	     new_flow(c, d, 0, NULL, &k, NULL, 2));
	step(sc, c, "get A by UFID", 0,
	     get_ufid(c, d, OVS_FLOW_CMD_GET, ufid_a));
	step(sc, c, "get A: reply", 0,
	     check(nlu_cmd(&rep) == OVS_FLOW_CMD_GET &&
		   n_attrs(&rep, OVS_FLOW_ATTR_UFID) == 1 &&
		   nlu_len(reply_attr(&rep, OVS_FLOW_ATTR_ACTIONS)) == 0));
	step(sc, c, "get A by key: UFID flows are not found by key", ENOENT,
	     get_key(c, d, OVS_FLOW_CMD_GET, &key_a));

	step(sc, c, "new B (no UFID, exact)", 0,
	     new_flow(c, d, NLM_F_CREATE, NULL, &key_b, NULL, 2));
	step(sc, c, "new B: reply has the key once, no UFID", 0,
	     check(n_attrs(&rep, OVS_FLOW_ATTR_KEY) == 1 &&
		   !reply_attr(&rep, OVS_FLOW_ATTR_UFID) &&
		   n_attrs(&rep, OVS_FLOW_ATTR_MASK) == 1 &&
		   key_ip_src(reply_attr(&rep, OVS_FLOW_ATTR_MASK)) == 0xffffffff));
	step(sc, c, "get B by key", 0, get_key(c, d, OVS_FLOW_CMD_GET, &key_b));
	step(sc, c, "get B: reply", 0,
	     check(key_ip_src(reply_attr(&rep, OVS_FLOW_ATTR_KEY)) == 0x0a000005 &&
		   nlu_len(reply_attr(&rep, OVS_FLOW_ATTR_ACTIONS)) == 8));
	step(sc, c, "dp stats: 2 flows, 2 masks", 0,
	     dp_stats(c, &st, &mf) ?: check(st.n_flows == 2 && mf.n_masks == 2));

	step(sc, c, "dump", 0, dump_flows(c, d, 0));
	step(sc, c, "dump: 2 flows, 2 keys, 2 masks, 2 actions", 0,
	     check(dumped.flows == 2 && dumped.ufid == 1 && dumped.key == 2 && dumped.mask == 2 &&
		   dumped.acts == 2));
	step(sc, c, "terse dump", 0,
	     dump_flows(c, d, OVS_UFID_F_OMIT_KEY | OVS_UFID_F_OMIT_MASK |
			OVS_UFID_F_OMIT_ACTIONS));
	step(sc, c, "terse dump: A's UFID only, B's key", 0,
	     check(dumped.flows == 2 && dumped.ufid == 1 && dumped.key == 1 && dumped.mask == 0 &&
		   dumped.acts == 0));

	flow_req(c, OVS_FLOW_CMD_SET, d, NLM_F_ECHO);
	nlu_put(&req, OVS_FLOW_ATTR_UFID, ufid_a, 16);
	nlu_put(&req, OVS_FLOW_ATTR_CLEAR, NULL, 0);
	step(sc, c, "set A by UFID, clear", 0, nlu_request(&c->s, &req, &rep));
	step(sc, c, "set A: reply", 0,
	     check(nlu_cmd(&rep) == OVS_FLOW_CMD_SET));
	flow_req(c, OVS_FLOW_CMD_SET, d, NLM_F_ECHO);
	put_key(&req, OVS_FLOW_ATTR_KEY, &key_b);
	put_actions(&req, 3);
	step(sc, c, "set B by key, new actions", 0,
	     nlu_request(&c->s, &req, &rep));
	step(sc, c, "set B: output 3", 0, check(first_output(&rep) == 3));
	flow_req(c, OVS_FLOW_CMD_SET, d, 0);
	put_actions(&req, 3);
	step(sc, c, "set: neither key nor UFID", EINVAL,
	     nlu_request(&c->s, &req, NULL));
	flow_req(c, OVS_FLOW_CMD_SET, d, 0);
	nlu_put(&req, OVS_FLOW_ATTR_UFID, ufid_a, 16);
	put_actions(&req, 3);
	step(sc, c, "set: actions without key", EINVAL,
	     nlu_request(&c->s, &req, NULL));
	flow_req(c, OVS_FLOW_CMD_GET, d, 0);
	step(sc, c, "get: neither key nor UFID", EINVAL,
	     nlu_request(&c->s, &req, NULL));
	step(sc, c, "get: unknown UFID", ENOENT,
	     get_ufid(c, d, OVS_FLOW_CMD_GET, ufid_c));

	/* Malformed requests change nothing. */
	flow_req(c, OVS_FLOW_CMD_NEW, d, NLM_F_CREATE);
	put_actions(&req, 2);
	step(sc, c, "new: no key", EINVAL, nlu_request(&c->s, &req, NULL));
	flow_req(c, OVS_FLOW_CMD_NEW, d, NLM_F_CREATE);
	put_key(&req, OVS_FLOW_ATTR_KEY, &key_a);
	step(sc, c, "new: no actions", EINVAL, nlu_request(&c->s, &req, NULL));
	flow_req(c, OVS_FLOW_CMD_NEW, d, NLM_F_CREATE);
	nest = nlu_nest(&req, OVS_FLOW_ATTR_KEY);
	nlu_put_u32(&req, OVS_KEY_ATTR_MAX + 1, 0);
	nlu_nest_end(&req, nest);
	put_actions(&req, 2);
	step(sc, c, "new: key type out of range", EINVAL,
	     nlu_request(&c->s, &req, NULL));
	flow_req(c, OVS_FLOW_CMD_NEW, d, NLM_F_CREATE);
	nest = nlu_nest(&req, OVS_FLOW_ATTR_KEY);
	nlu_put_u32(&req, OVS_KEY_ATTR_IN_PORT, 1);
	nlu_put_u32(&req, OVS_KEY_ATTR_IN_PORT, 2);
	nlu_nest_end(&req, nest);
	put_actions(&req, 2);
	step(sc, c, "new: duplicate key attribute", EINVAL,
	     nlu_request(&c->s, &req, NULL));
	flow_req(c, OVS_FLOW_CMD_NEW, d, NLM_F_CREATE);
	nest = nlu_nest(&req, OVS_FLOW_ATTR_KEY);
	nlu_put_u32(&req, OVS_KEY_ATTR_IN_PORT, 1);
	nlu_put(&req, OVS_KEY_ATTR_ETHERNET, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	be = htons(0x0800);
	nlu_put(&req, OVS_KEY_ATTR_ETHERTYPE, &be, 2);
	nlu_put_u32(&req, OVS_KEY_ATTR_IPV4, 0x0100000a);
	nlu_nest_end(&req, nest);
	put_actions(&req, 2);
	step(sc, c, "new: IPv4 key of the wrong length", EINVAL,
	     nlu_request(&c->s, &req, NULL));
	k = key_b;
	k.ipv4 = false;
	k.udp = false;
	step(sc, c, "new: eth_type IPv4 without the IPv4 key", EINVAL,
	     new_flow(c, d, NLM_F_CREATE, NULL, &k, NULL, 2));
	k = key_b;
	k.udp = false;
	step(sc, c, "new: IPv4 UDP without the UDP key", EINVAL,
	     new_flow(c, d, NLM_F_CREATE, NULL, &k, NULL, 2));
	k = mask_a;
	k.eth_type = 0;
	step(sc, c, "new: mask has IPv4 without exact eth_type", EINVAL,
	     new_flow(c, d, NLM_F_CREATE, NULL, &key_b, &k, 2));
	k = key_b;
	k.in_port = 65535;
	step(sc, c, "new: in_port out of range", EINVAL,
	     new_flow(c, d, NLM_F_CREATE, NULL, &k, NULL, 2));
	k = key_b;
	k.eth_type = 0x100;
	k.ipv4 = false;
	k.udp = false;
	step(sc, c, "new: ethertype below 0x600", EINVAL,
	     new_flow(c, d, NLM_F_CREATE, NULL, &k, NULL, 2));
	step(sc, c, "new: output port out of range", EINVAL,
	     new_flow(c, d, NLM_F_CREATE, ufid_c, &key_b, &mask_a, 70000));
	flow_req(c, OVS_FLOW_CMD_NEW, d, NLM_F_CREATE);
	put_key(&req, OVS_FLOW_ATTR_KEY, &key_b);
	nest = nlu_nest(&req, OVS_FLOW_ATTR_ACTIONS);
	nlu_put_u32(&req, OVS_ACTION_ATTR_MAX + 1, 0);
	nlu_nest_end(&req, nest);
	step(sc, c, "new: unknown action", EINVAL,
	     nlu_request(&c->s, &req, NULL));
	flow_req(c, OVS_FLOW_CMD_NEW, d, NLM_F_CREATE);
	put_key(&req, OVS_FLOW_ATTR_KEY, &key_b);
	nest = nlu_nest(&req, OVS_FLOW_ATTR_ACTIONS);
	nlu_nest_end(&req, nlu_nest(&req, OVS_ACTION_ATTR_USERSPACE));
	nlu_nest_end(&req, nest);
	step(sc, c, "new: userspace action without pid", EINVAL,
	     nlu_request(&c->s, &req, NULL));
	flow_req(c, OVS_FLOW_CMD_NEW, d, NLM_F_CREATE);
	nlu_put(&req, OVS_FLOW_ATTR_PROBE, NULL, 0);
	nest = nlu_nest(&req, OVS_FLOW_ATTR_KEY);
	nlu_put_u32(&req, OVS_KEY_ATTR_MAX + 1, 0);
	nlu_nest_end(&req, nest);
	put_actions(&req, 2);
	step(sc, c, "probe: bad key", EINVAL, nlu_request(&c->s, &req, NULL));
	step(sc, c, "malformed requests added nothing", 0,
	     dp_stats(c, &st, &mf) ?: check(st.n_flows == 2 && mf.n_masks == 2));

	flow_req(c, OVS_FLOW_CMD_NEW, d, NLM_F_CREATE | NLM_F_ECHO);
	nlu_put(&req, OVS_FLOW_ATTR_PROBE, NULL, 0);
	nlu_put(&req, OVS_FLOW_ATTR_UFID, ufid_c, 16);
	k = key_b;
	k.ip_src = 0x0a000007;
	put_key(&req, OVS_FLOW_ATTR_KEY, &k);
	nest = nlu_nest(&req, OVS_FLOW_ATTR_ACTIONS);
	{
		struct nlattr *u = nlu_nest(&req, OVS_ACTION_ATTR_USERSPACE);

		nlu_put_u32(&req, OVS_USERSPACE_ATTR_PID, 77);
		nlu_put(&req, OVS_USERSPACE_ATTR_USERDATA, "abcd", 4);
		nlu_nest_end(&req, u);
	}
	nlu_nest_end(&req, nest);
	step(sc, c, "probe: good key, userspace action", 0,
	     nlu_request(&c->s, &req, &rep));
	step(sc, c, "dp stats: 3 flows", 0,
	     dp_stats(c, &st, &mf) ?: check(st.n_flows == 3));

	step(sc, c, "del A by UFID", 0, get_ufid(c, d, OVS_FLOW_CMD_DEL, ufid_a));
	step(sc, c, "del A: reply", 0,
	     check(nlu_cmd(&rep) == OVS_FLOW_CMD_DEL &&
		   n_attrs(&rep, OVS_FLOW_ATTR_UFID) == 1));
	step(sc, c, "del A: gone", ENOENT,
	     get_ufid(c, d, OVS_FLOW_CMD_GET, ufid_a));
	step(sc, c, "del A again", ENOENT,
	     get_ufid(c, d, OVS_FLOW_CMD_DEL, ufid_a));
	step(sc, c, "del B by key", 0, get_key(c, d, OVS_FLOW_CMD_DEL, &key_b));
	step(sc, c, "del B: gone", ENOENT,
	     get_key(c, d, OVS_FLOW_CMD_GET, &key_b));
	step(sc, c, "dp stats: 1 flow, 1 mask", 0,
	     dp_stats(c, &st, &mf) ?: check(st.n_flows == 1 && mf.n_masks == 1));
	step(sc, c, "new A again", 0,
	     new_flow(c, d, NLM_F_CREATE, ufid_a, &key_a, &mask_a, 2));
	flow_req(c, OVS_FLOW_CMD_DEL, d, 0);
	step(sc, c, "del all", 0, nlu_request(&c->s, &req, NULL));
	step(sc, c, "del all: dump empty", 0, dump_flows(c, d, 0));
	step(sc, c, "del all: no flows, no masks", 0,
	     check(dumped.flows == 0) ?:
	     dp_stats(c, &st, &mf) ?: check(st.n_flows == 0 && mf.n_masks == 0));
	flow_req(c, OVS_FLOW_CMD_DEL, 0, 0);
	step(sc, c, "del all: unknown dp", ENODEV,
	     nlu_request(&c->s, &req, NULL));
	step(sc, c, "new: unknown dp", ENODEV,
	     new_flow(c, 0, NLM_F_CREATE, ufid_a, &key_a, &mask_a, 2));
}

/* An Ethernet/IPv4/UDP frame from @src, sent into the datapath's port. */
static int send_udp(int fd, uint32_t src)
{
	uint8_t f[60] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0, 0, 32, 0, 0, 0, 0, 64, 17, 0, 0,
	};
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = ifindex_of(PEER),
		.sll_halen = 6,
	};
	uint32_t be_src = htonl(src), be_dst = htonl(0x0a090002);

	memcpy(f + 26, &be_src, 4);
	memcpy(f + 30, &be_dst, 4);
	f[34] = 0x30;		/* ports 0x3039 -> 0x3039, length 12 */
	f[35] = 0x39;
	f[36] = 0x30;
	f[37] = 0x39;
	f[39] = 12;
	return sendto(fd, f, sizeof(f), 0, (struct sockaddr *)&sll,
		      sizeof(sll)) == sizeof(f) ? 0 : -errno;
}

/* Frames from @src seen on @fd within 300 ms. */
static int count_from(int fd, uint32_t src)
{
	uint8_t f[2048];
	uint32_t be_src = htonl(src);
	int n = 0, i;
	ssize_t len;

	for (i = 0; i < 30; i++) {
		len = recv(fd, f, sizeof(f), MSG_DONTWAIT);
		if (len < 0) {
			usleep(10000);
			continue;
		}
		if (len >= 34 && f[12] == 0x08 && f[13] == 0 &&
		    !memcmp(f + 26, &be_src, 4))
			n++;
	}
	return n;
}

/* Output: a flow to port @out forwards to the veth behind it. */
static void run_output_steps(struct script *sc, struct dpc *c, int d,
			     const struct fkey *k)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
	};
	struct ovs_dp_megaflow_stats mf;
	struct ovs_dp_stats st0, st;
	long long out;
	int rx, tx, err = 0;

	step(sc, c, "output: vport new netdev", 0,
	     vport_new(c, d, OUT, OVS_VPORT_TYPE_NETDEV, 0, &rep));
	out = reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO);
	flow_req(c, OVS_FLOW_CMD_SET, d, NLM_F_ECHO);
	nlu_put(&req, OVS_FLOW_ATTR_UFID, ufid_a, 16);
	put_key(&req, OVS_FLOW_ATTR_KEY, k);
	put_key(&req, OVS_FLOW_ATTR_MASK, &mask_a);
	put_actions(&req, out);
	step(sc, c, "output: set actions to the new port", 0,
	     nlu_request(&c->s, &req, &rep) ?: check(first_output(&rep) == out));
	step(sc, c, "output: stats before", 0, dp_stats(c, &st0, &mf));
	rx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	tx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	sll.sll_ifindex = ifindex_of(OUT_PEER);
	if (rx < 0 || tx < 0 ||
	    bind(rx, (struct sockaddr *)&sll, sizeof(sll)))
		err = -errno;
	if (!err)
		err = send_udp(tx, 0x0a090001) ?: send_udp(tx, 0x0a090001);
	step(sc, c, "output: sent 2 frames", 0, err);
	step(sc, c, "output: 2 frames out of the other veth", 0,
	     check(!err && count_from(rx, 0x0a090001) == 2));
	step(sc, c, "output: dp counts 2 hits", 0,
	     dp_stats(c, &st, &mf) ?: check(st.n_hit - st0.n_hit == 2));
	if (rx >= 0)
		close(rx);
	if (tx >= 0)
		close(tx);
}

/* The next OVS_PACKET_CMD_ACTION on @s, with userdata "abcd": 0. */
static int wait_action(struct nlu *s, const struct ovs_families *f)
{
	static struct nlu_msg m;
	const struct nlattr *u;
	int err;

	for (;;) {
		err = nlu_recv_timeout(s, &m, 2000);
		if (err)
			return err;
		if (m.nh.nlmsg_type != f->packet.id)
			continue;
		u = reply_attr(&m, OVS_PACKET_ATTR_USERDATA);
		return check(nlu_cmd(&m) == OVS_PACKET_CMD_ACTION &&
			     reply_attr(&m, OVS_PACKET_ATTR_KEY) &&
			     reply_attr(&m, OVS_PACKET_ATTR_PACKET) && u &&
			     nlu_len(u) == 4 && !memcmp(nlu_data(u), "abcd", 4));
	}
}

/* Userspace: a flow's userspace action sends the packet up, userdata too. */
static void run_userspace_steps(struct script *sc, struct dpc *c, int d,
				const struct fkey *k)
{
	struct nlattr *nest, *u;
	struct nlu s;
	int tx, err;

	err = nlu_open(&s);
	step(sc, c, "userspace: listener", 0, err);
	if (err)
		return;
	flow_req(c, OVS_FLOW_CMD_SET, d, NLM_F_ECHO);
	nlu_put(&req, OVS_FLOW_ATTR_UFID, ufid_a, 16);
	put_key(&req, OVS_FLOW_ATTR_KEY, k);
	put_key(&req, OVS_FLOW_ATTR_MASK, &mask_a);
	nest = nlu_nest(&req, OVS_FLOW_ATTR_ACTIONS);
	u = nlu_nest(&req, OVS_ACTION_ATTR_USERSPACE);
	nlu_put_u32(&req, OVS_USERSPACE_ATTR_PID, s.portid);
	nlu_put(&req, OVS_USERSPACE_ATTR_USERDATA, "abcd", 4);
	nlu_nest_end(&req, u);
	nlu_nest_end(&req, nest);
	step(sc, c, "userspace: set actions", 0,
	     nlu_request(&c->s, &req, &rep));
	tx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	err = tx < 0 ? -errno : send_udp(tx, 0x0a090001);
	step(sc, c, "userspace: sent a frame", 0, err);
	step(sc, c, "userspace: ACTION upcall with userdata", 0,
	     err ?: wait_action(&s, &c->f));
	if (tx >= 0)
		close(tx);
	nlu_close(&s);
}

static void run_packet_steps(struct script *sc, struct dpc *c, int d)
{
	struct ovs_dp_megaflow_stats mf;
	struct ovs_dp_stats st0, st;
	struct fkey k = {
		.eth_type = 0x0800, .ipv4 = true, .ip_src = 0x0a090001,
	};
	long long port;
	int fd, i, err = 0;

	step(sc, c, "vport new netdev", 0,
	     vport_new(c, d, PORT, OVS_VPORT_TYPE_NETDEV, 0, &rep));
	port = reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO);
	k.in_port = port;
	step(sc, c, "packets: new flow in_port, IPv4 source, drop", 0,
	     new_flow(c, d, NLM_F_CREATE, ufid_a, &k, &mask_a, -1));
	step(sc, c, "packets: stats before", 0, dp_stats(c, &st0, &mf));
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	for (i = 0; i < 3 && !err; i++)
		err = fd < 0 ? -errno : send_udp(fd, 0x0a090001);
	if (!err)
		err = send_udp(fd, 0x0a090009);
	if (fd >= 0)
		close(fd);
	usleep(300000);
	step(sc, c, "packets: sent 3 hits, 1 miss", 0, err);
	step(sc, c, "packets: dp counts 3 hits, a miss", 0,
	     dp_stats(c, &st, &mf) ?:
	     check(st.n_hit - st0.n_hit == 3 && st.n_missed > st0.n_missed &&
		   mf.n_mask_hit > 0));
	step(sc, c, "packets: flow stats", 0,
	     get_ufid(c, d, OVS_FLOW_CMD_GET, ufid_a) ?:
	     check(flow_packets(&rep) == 3 &&
		   reply_attr(&rep, OVS_FLOW_ATTR_USED)));
	flow_req(c, OVS_FLOW_CMD_SET, d, NLM_F_ECHO);
	nlu_put(&req, OVS_FLOW_ATTR_UFID, ufid_a, 16);
	nlu_put(&req, OVS_FLOW_ATTR_CLEAR, NULL, 0);
	step(sc, c, "packets: set clear replies old stats", 0,
	     nlu_request(&c->s, &req, &rep) ?: check(flow_packets(&rep) == 3));
	step(sc, c, "packets: cleared", 0,
	     get_ufid(c, d, OVS_FLOW_CMD_GET, ufid_a) ?:
	     check(!reply_attr(&rep, OVS_FLOW_ATTR_STATS) &&
		   !reply_attr(&rep, OVS_FLOW_ATTR_USED)));
	run_output_steps(sc, c, d, &k);
	run_userspace_steps(sc, c, d, &k);
}

static int run_script(enum dp_module m, struct script *sc)
{
	struct dpc c;
	int err, d;

	memset(sc, 0, sizeof(*sc));
	err = dp_module_load(m);
	if (err)
		return err;
	err = dpc_open(&c);
	if (err)
		return err;
	err = dp_new(&c, DP, 0, NO_FEATURES, NULL);
	if (err) {
		dpc_close(&c);
		return err;
	}
	d = ifindex_of(DP);
	run_flow_steps(sc, &c, d);
	run_packet_steps(sc, &c, d);
	dp_del(&c, DP);
	dpc_close(&c);
	return 0;
}

FIXTURE(flow) {
};

FIXTURE_SETUP(flow)
{
	ASSERT_EQ(0, run("modprobe veth"));
	run("ip link del " PORT " 2>/dev/null; ip link del " OUT " 2>/dev/null");
	ASSERT_EQ(0, add_veth(PORT, PEER));
	ASSERT_EQ(0, add_veth(OUT, OUT_PEER));
}

FIXTURE_TEARDOWN(flow)
{
	run("ip link del " PORT " 2>/dev/null; ip link del " OUT " 2>/dev/null");
	dp_module_unload(DP_OVS);
}

TEST_F_TIMEOUT(flow, same_answers_as_openvswitch, 300)
{
	static struct script ovs, kvirt;
	int i;

	ASSERT_EQ(0, run_script(DP_OVS, &ovs));
	ASSERT_EQ(0, run_script(DP_KVIRT, &kvirt));
	ASSERT_EQ(ovs.n, kvirt.n);
	for (i = 0; i < ovs.n; i++) {
		EXPECT_EQ(ovs.expect[i], ovs.got[i])
			TH_LOG("openvswitch: %s: %s", ovs.what[i], ovs.msg[i]);
		EXPECT_EQ(ovs.got[i], kvirt.got[i])
			TH_LOG("kvirt_dp: %s: %s", kvirt.what[i], kvirt.msg[i]);
		if (kvirt.got[i] && kvirt.got[i] != WRONG)
			EXPECT_NE(0, kvirt.msg[i][0])
				TH_LOG("kvirt_dp: no extack for %s", kvirt.what[i]);
	}
	for (i = 0; i < ovs.n; i++)
		if (ovs.got[i] && ovs.got[i] != WRONG)
			TH_LOG("openvswitch errno %d (%s) for %s", ovs.got[i],
			       strerror(ovs.got[i]), ovs.what[i]);
}

TEST_HARNESS_MAIN
