// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: a packet that no flow matches must reach ovs-vswitchd as an
 * OVS_PACKET_CMD_MISS with the whole frame and the key the datapath saw,
 * in OVS's encoding: frames of many kinds enter a veth attached to a
 * datapath, on openvswitch.ko and on kvirt_dp.ko, and the keys must be
 * the same (conntrack fields aside, which kvirt_dp does not have yet).
 * Per-CPU dispatch and lost-upcall counting are checked on both.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ovs_cmd.h"

#define DP "kdpu"
#define PORT "kvu0"
#define PEER "kvu1"
#define MAX_FRAME 256

struct frame {
	const char *what;
	int len;
	uint8_t data[MAX_FRAME];
};

static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* Ethernet header, then @tags VLAN tags (TPID, VID) from @tag. */
static int eth(uint8_t *p, const uint16_t (*tag)[2], int tags, uint16_t type)
{
	int off = 12, i;

	memcpy(p, mac_dst, 6);
	memcpy(p + 6, mac_src, 6);
	for (i = 0; i < tags; i++, off += 4) {
		put16(p + off, tag[i][0]);
		put16(p + off + 2, tag[i][1]);
	}
	put16(p + off, type);
	return off + 2;
}

static int ipv4(uint8_t *p, uint8_t proto, uint16_t frag, int payload)
{
	p[0] = 0x45;
	p[1] = 0x10;
	put16(p + 2, 20 + payload);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	return 20;
}

static int ipv6(uint8_t *p, uint8_t next, int payload)
{
	p[0] = 0x60;
	p[1] = 0x0a;		/* traffic class 0x00, flow label 0xabcde */
	p[2] = 0xbc;
	p[3] = 0xde;
	put16(p + 4, payload);
	p[6] = next;
	p[7] = 255;
	p[8] = 0xfe;
	p[9] = 0x80;
	p[23] = 1;
	p[24] = 0xfe;
	p[25] = 0x80;
	p[39] = 2;
	return 40;
}

static int udp(uint8_t *p)
{
	put16(p, 1234);
	put16(p + 2, 5678);
	put16(p + 4, 12);
	memcpy(p + 8, "kvrt", 4);
	return 12;
}

/* The frames both datapaths are shown; each exercises part of flow.c. */
static int build_frames(struct frame *f)
{
	static const uint16_t one[1][2] = { { 0x8100, 0x200a } };
	static const uint16_t two[2][2] = { { 0x88a8, 0x0064 },
					    { 0x8100, 0x000b } };
	static const uint16_t three[3][2] = { { 0x88a8, 1 }, { 0x8100, 2 },
					      { 0x8100, 3 } };
	int n = 0, o;
	uint8_t *p;

	memset(f, 0, 16 * sizeof(*f));
	f[n].what = "ipv4 udp";
	p = f[n].data;
	o = eth(p, NULL, 0, 0x0800);
	o += ipv4(p + o, 17, 0, 12);
	f[n++].len = o + udp(p + o);

	f[n].what = "802.1q ipv4 udp";
	p = f[n].data;
	o = eth(p, one, 1, 0x0800);
	o += ipv4(p + o, 17, 0, 12);
	f[n++].len = o + udp(p + o);

	f[n].what = "802.1ad + 802.1q ipv4 udp";
	p = f[n].data;
	o = eth(p, two, 2, 0x0800);
	o += ipv4(p + o, 17, 0, 12);
	f[n++].len = o + udp(p + o);

	f[n].what = "three tags";
	p = f[n].data;
	o = eth(p, three, 3, 0x0800);
	o += ipv4(p + o, 17, 0, 12);
	f[n++].len = o + udp(p + o);

	f[n].what = "ipv4 tcp syn";
	p = f[n].data;
	o = eth(p, NULL, 0, 0x0800);
	o += ipv4(p + o, 6, 0, 20);
	put16(p + o, 40000);
	put16(p + o + 2, 80);
	p[o + 12] = 0x50;
	p[o + 13] = 0x02;
	f[n++].len = o + 20;

	f[n].what = "ipv4 tcp with a bad data offset";
	p = f[n].data;
	o = eth(p, NULL, 0, 0x0800);
	o += ipv4(p + o, 6, 0, 20);
	put16(p + o, 40000);
	p[o + 12] = 0x30;
	f[n++].len = o + 20;

	f[n].what = "ipv4 icmp echo";
	p = f[n].data;
	o = eth(p, NULL, 0, 0x0800);
	o += ipv4(p + o, 1, 0, 8);
	p[o] = 8;
	f[n++].len = o + 8;

	f[n].what = "ipv4 first fragment";
	p = f[n].data;
	o = eth(p, NULL, 0, 0x0800);
	o += ipv4(p + o, 17, 0x2000, 12);
	f[n++].len = o + udp(p + o);

	f[n].what = "ipv4 later fragment";
	p = f[n].data;
	o = eth(p, NULL, 0, 0x0800);
	o += ipv4(p + o, 17, 0x0010, 12);
	f[n++].len = o + udp(p + o);

	f[n].what = "ipv4 bad header length";
	p = f[n].data;
	o = eth(p, NULL, 0, 0x0800);
	ipv4(p + o, 17, 0, 12);
	p[o] = 0x4f;
	f[n++].len = o + 32;

	f[n].what = "arp request";
	p = f[n].data;
	o = eth(p, NULL, 0, 0x0806);
	memcpy(p + o, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	memcpy(p + o + 8, mac_src, 6);
	memcpy(p + o + 14, "\x0a\x00\x00\x01", 4);
	memcpy(p + o + 24, "\x0a\x00\x00\x02", 4);
	f[n++].len = o + 28;

	f[n].what = "ipv6 udp";
	p = f[n].data;
	o = eth(p, NULL, 0, 0x86dd);
	o += ipv6(p + o, 17, 12);
	f[n++].len = o + udp(p + o);

	f[n].what = "ipv6 hop-by-hop, fragment, udp";
	p = f[n].data;
	o = eth(p, NULL, 0, 0x86dd);
	o += ipv6(p + o, 0, 8 + 8 + 12);
	p[o] = 44;			/* hop-by-hop: next is fragment */
	p[o + 2] = 1;			/* PadN */
	p[o + 3] = 4;
	o += 8;
	p[o] = 17;			/* fragment header, offset 0, M=1 */
	p[o + 3] = 1;
	o += 8;
	f[n++].len = o + udp(p + o);

	f[n].what = "ipv6 neighbour solicitation with source lladdr";
	p = f[n].data;
	o = eth(p, NULL, 0, 0x86dd);
	o += ipv6(p + o, 58, 32);
	p[o] = 135;
	p[o + 8] = 0xfe;
	p[o + 9] = 0x80;
	p[o + 23] = 2;
	p[o + 24] = 1;			/* option: source link-layer address */
	p[o + 25] = 1;
	memcpy(p + o + 26, mac_src, 6);
	f[n++].len = o + 32;

	f[n].what = "llc frame";
	p = f[n].data;
	o = eth(p, NULL, 0, 46);
	memcpy(p + o, "\x42\x42\x03", 3);
	f[n++].len = o + 46;
	return n;
}

struct dp_env {
	struct dpc c;
	int pkt;		/* AF_PACKET socket on the veth peer */
	int dp_ifindex;
	uint32_t port_no;
};

static int env_up(struct dp_env *e, enum dp_module m, uint32_t features,
		  bool vport_pid)
{
	struct nlu_msg rep;
	int err;

	memset(e, 0, sizeof(*e));
	e->pkt = -1;
	err = dp_module_load(m) ?: run("modprobe veth") ?:
		run("set -e; ip link del " PORT " 2>/dev/null || :; "
		    "ip link add " PORT " type veth peer name " PEER "; "
		    "sysctl -qw net.ipv6.conf." PORT ".disable_ipv6=1; "
		    "sysctl -qw net.ipv6.conf." PEER ".disable_ipv6=1; "
		    "ip link set " PORT " up; ip link set " PEER " up") ?:
		dpc_open(&e->c);
	if (err)
		return err;
	err = dp_new(&e->c, DP, e->c.s.portid, features, NULL);
	if (err)
		return err;
	e->dp_ifindex = ifindex_of(DP);
	err = vport_new(&e->c, e->dp_ifindex, PORT, OVS_VPORT_TYPE_NETDEV,
			vport_pid ? e->c.s.portid : 0, &rep);
	if (err)
		return err;
	e->port_no = reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO);
	e->pkt = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	return e->pkt < 0 ? -errno : 0;
}

static void env_down(struct dp_env *e)
{
	if (e->pkt >= 0)
		close(e->pkt);
	if (e->c.s.fd > 0) {
		dp_del(&e->c, DP);
		dpc_close(&e->c);
	}
	run("ip link del " PORT " 2>/dev/null");
}

static int send_frame(struct dp_env *e, const struct frame *f)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = ifindex_of(PEER),
		.sll_halen = 6,
	};

	memcpy(sll.sll_addr, mac_dst, 6);
	return sendto(e->pkt, f->data, f->len, 0, (struct sockaddr *)&sll,
		      sizeof(sll)) == f->len ? 0 : -errno;
}

/* The MISS upcall of @f on @s: 0 with its key as text, or -ETIMEDOUT. */
static int wait_miss(struct nlu *s, const struct ovs_families *fam,
		     const struct dp_env *e, const struct frame *f,
		     char *key, size_t size)
{
	const struct nlattr *tb[OVS_PACKET_ATTR_MAX + 1];
	static struct nlu_msg m;
	int err;

	for (;;) {
		err = nlu_recv_timeout(s, &m, 3000);
		if (err)
			return err;
		if (m.nh.nlmsg_type != fam->packet.id ||
		    nlu_cmd(&m) != OVS_PACKET_CMD_MISS)
			continue;
		nlu_parse_msg(&m, tb, OVS_PACKET_ATTR_MAX);
		if (!tb[OVS_PACKET_ATTR_PACKET] || !tb[OVS_PACKET_ATTR_KEY] ||
		    nlu_len(tb[OVS_PACKET_ATTR_PACKET]) != f->len ||
		    memcmp(nlu_data(tb[OVS_PACKET_ATTR_PACKET]), f->data, f->len))
			continue;
		if (nlu_dp_ifindex(&m) != e->dp_ifindex)
			return -EPROTO;
		key[0] = 0;
		nlu_key_text(tb[OVS_PACKET_ATTR_KEY], key, size);
		return 0;
	}
}

static int dp_stats(struct dpc *c, struct ovs_dp_stats *st)
{
	struct nlu_msg rep;
	const struct nlattr *a;
	int err = dp_get(c, DP, 0, &rep);

	if (err)
		return err;
	a = reply_attr(&rep, OVS_DP_ATTR_STATS);
	if (!a)
		return -EPROTO;
	memcpy(st, nlu_data(a), sizeof(*st));
	return 0;
}

#define FEATURES (OVS_DP_F_UNALIGNED | OVS_DP_F_VPORT_PIDS)

/* Each frame's key, in order; 0 or the first error. */
static int keys_on(enum dp_module m, struct frame *f, int n, char (*keys)[1024])
{
	struct dp_env e;
	int err, i;

	err = env_up(&e, m, FEATURES, true);
	for (i = 0; !err && i < n; i++) {
		err = send_frame(&e, &f[i]) ?:
			wait_miss(&e.c.s, &e.c.f, &e, &f[i], keys[i], 1024);
		if (err)
			snprintf(keys[i], 1024, "no upcall: %s", strerror(-err));
	}
	env_down(&e);
	return err;
}

FIXTURE(keys) {
};

FIXTURE_SETUP(keys)
{
}

FIXTURE_TEARDOWN(keys)
{
}

/* Two module loads and 30 frames: more than the default 30 s under TCG. */
TEST_F_TIMEOUT(keys, same_keys_as_openvswitch, 300)
{
	static char ovs[16][1024], kvirt[16][1024];
	static struct frame f[16];
	int n = build_frames(f), i;

	ASSERT_EQ(0, keys_on(DP_OVS, f, n, ovs));
	ASSERT_EQ(0, keys_on(DP_KVIRT, f, n, kvirt));
	for (i = 0; i < n; i++) {
		EXPECT_STREQ(ovs[i], kvirt[i]) TH_LOG("%s", f[i].what);
		TH_LOG("%s: %s", f[i].what, kvirt[i]);
	}
	EXPECT_EQ(0, dp_module_unload(DP_OVS));
}

FIXTURE(upcall) {
	struct dp_env e;
	struct frame f[16];
};

FIXTURE_VARIANT(upcall) {
	enum dp_module m;
};

FIXTURE_VARIANT_ADD(upcall, kvirt_dp) {
	.m = DP_KVIRT,
};

FIXTURE_VARIANT_ADD(upcall, openvswitch) {
	.m = DP_OVS,
};

FIXTURE_SETUP(upcall)
{
	build_frames(self->f);
}

FIXTURE_TEARDOWN(upcall)
{
	env_down(&self->e);
	if (variant->m == DP_OVS)
		EXPECT_EQ(0, dp_module_unload(DP_OVS));
}

/* The basic facts a MISS carries, spelled out. */
TEST_F_TIMEOUT(upcall, miss_has_port_eth_ipv4_udp, 90)
{
	const struct nlattr *k[OVS_KEY_ATTR_MAX + 1];
	const struct nlattr *tb[OVS_PACKET_ATTR_MAX + 1];
	const struct ovs_key_ethernet *eth;
	const struct ovs_key_ipv4 *ip;
	const struct ovs_key_udp *u;
	struct ovs_dp_stats st;
	struct nlu_msg m;

	ASSERT_EQ(0, env_up(&self->e, variant->m, FEATURES, true));
	ASSERT_EQ(0, send_frame(&self->e, &self->f[0]));
	for (;;) {
		ASSERT_EQ(0, nlu_recv_timeout(&self->e.c.s, &m, 3000));
		if (m.nh.nlmsg_type == self->e.c.f.packet.id)
			break;
	}
	EXPECT_EQ(OVS_PACKET_CMD_MISS, nlu_cmd(&m));
	nlu_parse_msg(&m, tb, OVS_PACKET_ATTR_MAX);
	ASSERT_TRUE(tb[OVS_PACKET_ATTR_KEY] && tb[OVS_PACKET_ATTR_PACKET]);
	nlu_parse(tb[OVS_PACKET_ATTR_KEY], k, OVS_KEY_ATTR_MAX);
	ASSERT_TRUE(k[OVS_KEY_ATTR_IN_PORT] && k[OVS_KEY_ATTR_ETHERNET] &&
		    k[OVS_KEY_ATTR_ETHERTYPE] && k[OVS_KEY_ATTR_IPV4] &&
		    k[OVS_KEY_ATTR_UDP]);
	EXPECT_EQ(self->e.port_no, nlu_u32(k[OVS_KEY_ATTR_IN_PORT]));
	eth = nlu_data(k[OVS_KEY_ATTR_ETHERNET]);
	EXPECT_EQ(0, memcmp(eth->eth_src, mac_src, 6));
	EXPECT_EQ(0, memcmp(eth->eth_dst, mac_dst, 6));
	EXPECT_EQ(htons(0x0800),
		  *(const uint16_t *)nlu_data(k[OVS_KEY_ATTR_ETHERTYPE]));
	ip = nlu_data(k[OVS_KEY_ATTR_IPV4]);
	EXPECT_EQ(inet_addr("10.0.0.1"), ip->ipv4_src);
	EXPECT_EQ(inet_addr("10.0.0.2"), ip->ipv4_dst);
	EXPECT_EQ(17, ip->ipv4_proto);
	EXPECT_EQ(64, ip->ipv4_ttl);
	EXPECT_EQ(0x10, ip->ipv4_tos);
	EXPECT_EQ(OVS_FRAG_TYPE_NONE, ip->ipv4_frag);
	u = nlu_data(k[OVS_KEY_ATTR_UDP]);
	EXPECT_EQ(htons(1234), u->udp_src);
	EXPECT_EQ(htons(5678), u->udp_dst);
	EXPECT_EQ(self->f[0].len, nlu_len(tb[OVS_PACKET_ATTR_PACKET]));
	ASSERT_EQ(0, dp_stats(&self->e.c, &st));
	EXPECT_LE(1, st.n_missed);
	EXPECT_EQ(0, st.n_hit);
	EXPECT_EQ(0, st.n_lost);
}

/* With per-CPU dispatch, misses go to the CPU's pid, not the port's. */
TEST_F_TIMEOUT(upcall, per_cpu_dispatch, 90)
{
	uint32_t pids[64];
	struct nlu_msg req;
	char key[1024];
	int i, n = sysconf(_SC_NPROCESSORS_CONF);

	ASSERT_EQ(0, env_up(&self->e, variant->m, FEATURES, false));
	ASSERT_LE(n, 64);
	for (i = 0; i < n; i++)
		pids[i] = self->e.c.s.portid;
	nlu_init(&req, self->e.c.f.dp.id, 0, OVS_DP_CMD_SET,
		 OVS_DATAPATH_VERSION, 0);
	nlu_put_str(&req, OVS_DP_ATTR_NAME, DP);
	nlu_put_u32(&req, OVS_DP_ATTR_USER_FEATURES,
		    FEATURES | OVS_DP_F_DISPATCH_UPCALL_PER_CPU);
	nlu_put(&req, OVS_DP_ATTR_PER_CPU_PIDS, pids, n * 4);
	ASSERT_EQ(0, nlu_request(&self->e.c.s, &req, NULL));
	ASSERT_EQ(0, send_frame(&self->e, &self->f[0]));
	EXPECT_EQ(0, wait_miss(&self->e.c.s, &self->e.c.f, &self->e,
			       &self->f[0], key, sizeof(key)));
}

/* Nobody at the port's pid: every miss is counted lost. */
TEST_F_TIMEOUT(upcall, lost_when_nobody_listens, 90)
{
	struct ovs_dp_stats a, b;
	struct nlu_msg m;
	int i;

	ASSERT_EQ(0, env_up(&self->e, variant->m, FEATURES, false));
	ASSERT_EQ(0, dp_stats(&self->e.c, &a));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, send_frame(&self->e, &self->f[0]));
	usleep(300 * 1000);
	ASSERT_EQ(0, dp_stats(&self->e.c, &b));
	EXPECT_LE(5, b.n_lost - a.n_lost);
	EXPECT_EQ(b.n_lost - a.n_lost, b.n_missed - a.n_missed);
	EXPECT_EQ(-ETIMEDOUT, nlu_recv_timeout(&self->e.c.s, &m, 200));
}

/* A pid whose socket is gone: lost too. */
TEST_F_TIMEOUT(upcall, lost_when_socket_closed, 90)
{
	struct ovs_dp_stats a, b;
	struct nlu_msg req;
	struct nlu gone;
	uint32_t pid;

	ASSERT_EQ(0, env_up(&self->e, variant->m, FEATURES, true));
	ASSERT_EQ(0, nlu_open(&gone));
	pid = gone.portid;
	nlu_close(&gone);
	nlu_init(&req, self->e.c.f.vport.id, 0, OVS_VPORT_CMD_SET,
		 OVS_VPORT_VERSION, 0);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, PORT);
	nlu_put_u32(&req, OVS_VPORT_ATTR_UPCALL_PID, pid);
	ASSERT_EQ(0, nlu_request(&self->e.c.s, &req, NULL));
	ASSERT_EQ(0, dp_stats(&self->e.c, &a));
	ASSERT_EQ(0, send_frame(&self->e, &self->f[0]));
	usleep(300 * 1000);
	ASSERT_EQ(0, dp_stats(&self->e.c, &b));
	EXPECT_LE(1, b.n_lost - a.n_lost);
}

TEST_HARNESS_MAIN
