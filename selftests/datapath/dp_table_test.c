// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the flow table must hold what ovs-vswitchd puts in it (tens of
 * thousands of flows, a hundred masks) while packets flow: its hashes grow
 * and its masks come and go without a packet to a stable flow missing. The
 * mask cache must work and be sized as in openvswitch.ko (same answers to
 * OVS_DP_ATTR_MASKS_CACHE_SIZE), the per-mask dump of kvirt_dp_mask must
 * tell the truth, and nothing may leak.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/kvirt_dp.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ovs_cmd.h"

#define DP "ktb0"
#define PORT "ktv0"
#define PEER "ktv1"
#define OUT "ktw0"
#define OUT_PEER "ktw1"
#define STABLE_SRC 0x0a090001

static struct nlu_msg req, rep;

/* in_port, eth_type, IPv4 source and destination: key or mask. */
struct fkey {
	uint32_t in_port;
	uint32_t ip_src, ip_dst;	/* host order */
};

static void put_key(struct nlu_msg *m, int type, const struct fkey *k,
		    bool mask)
{
	struct ovs_key_ethernet eth = {};
	struct ovs_key_ipv4 ip = {};
	struct nlattr *nest = nlu_nest(m, type);
	uint16_t be = mask ? 0xffff : htons(0x0800);

	nlu_put_u32(m, OVS_KEY_ATTR_IN_PORT, k->in_port);
	/* The frames' destination, 02:00:00:00:00:02, matched exactly. */
	memset(eth.eth_dst, mask ? 0xff : 0, 6);
	if (!mask) {
		eth.eth_dst[0] = 2;
		eth.eth_dst[5] = 2;
	}
	nlu_put(m, OVS_KEY_ATTR_ETHERNET, &eth, sizeof(eth));
	nlu_put(m, OVS_KEY_ATTR_ETHERTYPE, &be, 2);
	ip.ipv4_src = htonl(k->ip_src);
	ip.ipv4_dst = htonl(k->ip_dst);
	nlu_put(m, OVS_KEY_ATTR_IPV4, &ip, sizeof(ip));
	nlu_nest_end(m, nest);
}

static void make_ufid(uint8_t *ufid, uint32_t n)
{
	memset(ufid, 0x5a, 16);
	memcpy(ufid, &n, 4);
}

/* A UFID flow @k/@mask to @port (drop if negative), on request @m. */
static int new_flow(struct dpc *c, struct nlu_msg *m, int d, uint32_t id,
		    const struct fkey *k, const struct fkey *mask,
		    long long port)
{
	uint8_t ufid[16];
	struct nlattr *nest;
	int err;

	make_ufid(ufid, id);
	nlu_init(m, c->f.flow.id, NLM_F_CREATE, OVS_FLOW_CMD_NEW,
		 OVS_FLOW_VERSION, d);
	nlu_put(m, OVS_FLOW_ATTR_UFID, ufid, 16);
	put_key(m, OVS_FLOW_ATTR_KEY, k, false);
	put_key(m, OVS_FLOW_ATTR_MASK, mask, true);
	nest = nlu_nest(m, OVS_FLOW_ATTR_ACTIONS);
	if (port >= 0)
		nlu_put_u32(m, OVS_ACTION_ATTR_OUTPUT, port);
	nlu_nest_end(m, nest);
	err = nlu_request(&c->s, m, NULL);
	if (err)
		fprintf(stderr, "# flow %u: %s: %s\n", id, strerror(-err),
			c->s.errmsg);
	return err;
}

static int ufid_req(struct dpc *c, struct nlu_msg *m, int d, uint8_t cmd,
		    uint32_t id)
{
	uint8_t ufid[16];

	make_ufid(ufid, id);
	nlu_init(m, c->f.flow.id, 0, cmd, OVS_FLOW_VERSION, d);
	nlu_put(m, OVS_FLOW_ATTR_UFID, ufid, 16);
	return nlu_request(&c->s, m, cmd == OVS_FLOW_CMD_GET ? &rep : NULL);
}

/* Mask @i of many: all of in_port and the source, some destination bits. */
static struct fkey nth_mask(uint32_t i)
{
	return (struct fkey){ 0xffffffff, 0xffffffff, 0xfffff000 | i };
}

/* OVS_DP_CMD_SET of the masks cache size (< 0: none): 0 or -errno. */
static int set_cache(struct dpc *c, long long size)
{
	nlu_init(&req, c->f.dp.id, 0, OVS_DP_CMD_SET, OVS_DATAPATH_VERSION, 0);
	nlu_put_str(&req, OVS_DP_ATTR_NAME, DP);
	if (size >= 0)
		nlu_put_u32(&req, OVS_DP_ATTR_MASKS_CACHE_SIZE, size);
	return nlu_request(&c->s, &req, NULL);
}

static long long get_cache(struct dpc *c)
{
	return dp_get(c, DP, 0, &rep) ?:
	       reply_u32(&rep, OVS_DP_ATTR_MASKS_CACHE_SIZE);
}

static int dp_stats(struct dpc *c, struct ovs_dp_stats *st,
		    struct ovs_dp_megaflow_stats *mf)
{
	const struct nlattr *a, *b;
	int err = dp_get(c, DP, 0, &rep);

	if (err)
		return err;
	a = reply_attr(&rep, OVS_DP_ATTR_STATS);
	b = reply_attr(&rep, OVS_DP_ATTR_MEGAFLOW_STATS);
	if (!a || !b || nlu_len(a) != sizeof(*st) || nlu_len(b) < 32)
		return -EPROTO;
	memcpy(st, nlu_data(a), sizeof(*st));
	memcpy(mf, nlu_data(b), sizeof(*mf));
	return 0;
}

/* Datapath @DP with netdev ports PORT and OUT; their numbers. */
static int setup_dp(struct dpc *c, long long *port, long long *out)
{
	int err = dpc_open(c) ?: dp_new(c, DP, 0, NO_FEATURES, NULL);

	if (err)
		return err;
	err = vport_new(c, ifindex_of(DP), PORT, OVS_VPORT_TYPE_NETDEV, 0,
			&rep);
	*port = reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO);
	err = err ?: vport_new(c, ifindex_of(DP), OUT, OVS_VPORT_TYPE_NETDEV,
			       0, &rep);
	*out = reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO);
	return err;
}

/* An Ethernet/IPv4/UDP frame from @src to @dst, into PORT through PEER. */
static int send_udp(int fd, uint32_t src, uint32_t dst, uint16_t sport)
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
	uint32_t be_src = htonl(src), be_dst = htonl(dst);

	memcpy(f + 26, &be_src, 4);
	memcpy(f + 30, &be_dst, 4);
	f[34] = sport >> 8;
	f[35] = sport;
	f[36] = 0x30;
	f[37] = 0x39;
	f[39] = 12;
	return sendto(fd, f, sizeof(f), 0, (struct sockaddr *)&sll,
		      sizeof(sll)) == sizeof(f) ? 0 : -errno;
}

/* A socket seeing what leaves OUT (arrives at OUT_PEER). */
static int rx_socket(void)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ifindex_of(OUT_PEER),
	};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	int size = 8 << 20;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* Frames from @src on @fd until 300 ms pass without one. */
static int count_from(int fd, uint32_t src)
{
	uint32_t be_src = htonl(src);
	int n = 0, idle = 0;
	uint8_t f[2048];
	ssize_t len;

	while (idle < 30) {
		len = recv(fd, f, sizeof(f), MSG_DONTWAIT);
		if (len < 0) {
			usleep(10000);
			idle++;
			continue;
		}
		idle = 0;
		if (len >= 34 && f[12] == 0x08 && f[13] == 0 &&
		    !memcmp(f + 26, &be_src, 4))
			n++;
	}
	return n;
}

/* What the masks cache size requests answer, as errnos and sizes. */
static void cache_script(enum dp_module m, long long *got)
{
	static const long long sizes[] = {
		-1, 0, 1, 1024, 4096, 100, 3, 4097, 8192, 0x80000000LL, 256,
	};
	struct dpc c;
	int i, n = 0;

	if (dp_module_load(m) || dpc_open(&c))
		return;
	got[n++] = dp_new(&c, DP, 0, NO_FEATURES, NULL);
	got[n++] = get_cache(&c);
	for (i = 0; i < (int)ARRAY_SIZE(sizes); i++) {
		got[n++] = set_cache(&c, sizes[i]);
		got[n++] = get_cache(&c);
	}
	got[n++] = dp_del(&c, DP);
	dpc_close(&c);
}

FIXTURE(table) {
	long objects[DP_N_OBJECTS];
};

FIXTURE_SETUP(table)
{
	ASSERT_EQ(0, run("modprobe veth"));
	run("mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug");
	run("ip link del " PORT " 2>/dev/null; ip link del " OUT " 2>/dev/null");
	ASSERT_EQ(0, add_veth(PORT, PEER));
	ASSERT_EQ(0, add_veth(OUT, OUT_PEER));
	ASSERT_EQ(0, dp_module_load(DP_KVIRT));
	ASSERT_EQ(0, dp_objects(self->objects));
}

FIXTURE_TEARDOWN(table)
{
	struct dpc c;
	int err;

	/* Every test leaves kvirt_dp loaded: the leak check always runs. */
	err = module_loaded("kvirt_dp") ? dpc_open(&c) : -ENOENT;
	EXPECT_EQ(0, err);
	if (!err) {
		dp_del(&c, DP);
		dpc_close(&c);
		EXPECT_TRUE(dp_objects_back(self->objects, NULL, 5000));
	}
	run("ip link del " PORT " 2>/dev/null; ip link del " OUT " 2>/dev/null");
}

TEST_F_TIMEOUT(table, masks_cache_size_as_openvswitch, 200)
{
	long long ovs[32], kvirt[32];
	int i;

	memset(ovs, 0x7f, sizeof(ovs));
	memset(kvirt, 0x7f, sizeof(kvirt));
	cache_script(DP_OVS, ovs);
	cache_script(DP_KVIRT, kvirt);
	ASSERT_EQ(0, ovs[0]);
	EXPECT_EQ(256, ovs[1]);
	for (i = 0; i < 32; i++)
		EXPECT_EQ(ovs[i], kvirt[i]) TH_LOG("step %d", i);
	ASSERT_EQ(0, dp_module_load(DP_KVIRT));
}

/* 20000 flows in one mask and 100 masks: all found, all counted. */
TEST_F_TIMEOUT(table, many_flows_and_masks, 300)
{
	struct fkey k = { 0 }, mask = { 0xffffffff, 0xffffffff, 0 };
	struct ovs_dp_megaflow_stats mf;
	struct ovs_dp_stats st;
	long long port, out;
	struct dpc c;
	uint32_t i;
	int bad = 0;

	ASSERT_EQ(0, setup_dp(&c, &port, &out));
	k.in_port = port;
	for (i = 0; i < 20000 && !bad; i++) {
		k.ip_src = 0x0b000000 + i;
		bad = new_flow(&c, &req, ifindex_of(DP), i, &k, &mask, -1);
	}
	ASSERT_EQ(0, bad);
	for (i = 0; i < 100 && !bad; i++) {
		struct fkey m = nth_mask(i);

		k.ip_src = 0x0c000000 + i;
		k.ip_dst = 0;
		bad = new_flow(&c, &req, ifindex_of(DP), 100000 + i, &k, &m,
			       -1);
	}
	ASSERT_EQ(0, bad);
	ASSERT_EQ(0, dp_stats(&c, &st, &mf));
	EXPECT_EQ(20100, st.n_flows);
	EXPECT_EQ(101, mf.n_masks);
	for (i = 0; i < 20000; i += 997)
		EXPECT_EQ(0, ufid_req(&c, &req, ifindex_of(DP),
				      OVS_FLOW_CMD_GET, i));
	EXPECT_EQ(0, ufid_req(&c, &req, ifindex_of(DP), OVS_FLOW_CMD_GET,
			      100099));
	EXPECT_EQ(-ENOENT, ufid_req(&c, &req, ifindex_of(DP),
				    OVS_FLOW_CMD_GET, 20000));
	for (i = 0; i < 20000; i += 2)
		bad |= ufid_req(&c, &req, ifindex_of(DP), OVS_FLOW_CMD_DEL, i);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, ufid_req(&c, &req, ifindex_of(DP), OVS_FLOW_CMD_GET,
			      19999));
	EXPECT_EQ(-ENOENT, ufid_req(&c, &req, ifindex_of(DP),
				    OVS_FLOW_CMD_GET, 19998));
	dpc_close(&c);
}

struct churn {
	int d;
	long long port;
	int stop, rounds;	/* set and read with __atomic builtins */
	int err;
};

/* Add 600 flows (500 in one mask, the rest in 20), delete them, again. */
static void *churn_thread(void *arg)
{
	struct churn *ch = arg;
	static struct nlu_msg m;
	struct fkey k = { ch->port }, mask;
	struct dpc c;
	uint32_t i;

	ch->err = dpc_open(&c);
	while (!ch->err && !__atomic_load_n(&ch->stop, __ATOMIC_RELAXED)) {
		for (i = 0; i < 600 && !ch->err; i++) {
			mask = i < 500 ? (struct fkey){ 0xffffffff, 0xffffffff,
							0 } : nth_mask(i % 20);
			k.ip_src = 0x0d000000 + i;
			ch->err = new_flow(&c, &m, ch->d, 200000 + i, &k, &mask,
					   -1);
		}
		for (i = 0; i < 600 && !ch->err; i++)
			ch->err = ufid_req(&c, &m, ch->d, OVS_FLOW_CMD_DEL,
					   200000 + i);
		__atomic_add_fetch(&ch->rounds, 1, __ATOMIC_RELAXED);
	}
	dpc_close(&c);
	return NULL;
}

/* Packets to a stable flow while others churn: none lost to a miss. */
TEST_F_TIMEOUT(table, churn_while_forwarding, 300)
{
	struct fkey k = { 0, STABLE_SRC, 0 };
	struct fkey mask = { 0xffffffff, 0xffffffff, 0 };
	struct ovs_dp_megaflow_stats mf0, mf;
	struct ovs_dp_stats st0, st;
	struct churn ch = { 0 };
	long long port, out;
	pthread_t t;
	int rx, tx, i, n = 3000, err = 0, r0, during;
	struct dpc c;

	ASSERT_EQ(0, setup_dp(&c, &port, &out));
	k.in_port = port;
	ASSERT_EQ(0, new_flow(&c, &req, ifindex_of(DP), 1, &k, &mask, out));
	rx = rx_socket();
	ASSERT_LE(0, rx);
	tx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, dp_stats(&c, &st0, &mf0));
	ch.d = ifindex_of(DP);
	ch.port = port;
	ASSERT_EQ(0, pthread_create(&t, NULL, churn_thread, &ch));
	/* n packets at least, longer until two churn rounds overlapped. */
	r0 = __atomic_load_n(&ch.rounds, __ATOMIC_RELAXED);
	for (i = 0; !err && (i < n ||
			     (__atomic_load_n(&ch.rounds, __ATOMIC_RELAXED) -
			      r0 < 2 && i < 2 * n)); i++) {
		/* Eight connections: their skb hashes find the mask cache. */
		err = send_udp(tx, STABLE_SRC, 0x0a090002, i % 8);
		usleep(500);
	}
	n = i;
	during = __atomic_load_n(&ch.rounds, __ATOMIC_RELAXED) - r0;
	__atomic_store_n(&ch.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	EXPECT_EQ(0, err);
	EXPECT_EQ(0, ch.err);
	TH_LOG("%d churn rounds of 600 flows while %d packets went", during,
	       n);
	EXPECT_LE(2, during);
	EXPECT_EQ(n, count_from(rx, STABLE_SRC));
	ASSERT_EQ(0, dp_stats(&c, &st, &mf));
	EXPECT_EQ(n, st.n_hit - st0.n_hit);
	EXPECT_EQ(0, st.n_missed - st0.n_missed);
	EXPECT_LT(0, mf.n_cache_hit - mf0.n_cache_hit);
	EXPECT_EQ(0, ufid_req(&c, &req, ifindex_of(DP), OVS_FLOW_CMD_GET, 1));
	close(rx);
	close(tx);
	dpc_close(&c);
}

struct mask_dump {
	int n;
	uint32_t index[8], flows[8];
	uint64_t hits[8];
	uint32_t dst_mask[8];
	bool attrs_ok;
};

static void on_mask(const struct nlu_msg *m, void *arg)
{
	const struct nlattr *tb[KVIRT_DP_MASK_ATTR_MAX + 1];
	const struct nlattr *kt[OVS_KEY_ATTR_MAX + 1];
	struct mask_dump *md = arg;
	struct ovs_key_ipv4 ip;

	if (md->n >= 8 || nlu_parse_msg(m, tb, KVIRT_DP_MASK_ATTR_MAX) ||
	    !tb[KVIRT_DP_MASK_ATTR_INDEX] || !tb[KVIRT_DP_MASK_ATTR_KEY] ||
	    !tb[KVIRT_DP_MASK_ATTR_MASK] || !tb[KVIRT_DP_MASK_ATTR_FLOWS] ||
	    !tb[KVIRT_DP_MASK_ATTR_HITS] ||
	    nlu_parse(tb[KVIRT_DP_MASK_ATTR_MASK], kt, OVS_KEY_ATTR_MAX) ||
	    !kt[OVS_KEY_ATTR_IPV4]) {
		md->attrs_ok = false;
		return;
	}
	memcpy(&ip, nlu_data(kt[OVS_KEY_ATTR_IPV4]), sizeof(ip));
	md->index[md->n] = nlu_u32(tb[KVIRT_DP_MASK_ATTR_INDEX]);
	md->flows[md->n] = nlu_u32(tb[KVIRT_DP_MASK_ATTR_FLOWS]);
	memcpy(&md->hits[md->n], nlu_data(tb[KVIRT_DP_MASK_ATTR_HITS]), 8);
	md->dst_mask[md->n] = ntohl(ip.ipv4_dst);
	md->n++;
}

static int dump_masks(struct dpc *c, const struct nlu_family *fam, int d,
		      struct mask_dump *md)
{
	int r;

	memset(md, 0, sizeof(*md));
	md->attrs_ok = true;
	nlu_init(&req, fam->id, 0, KVIRT_DP_MASK_CMD_GET, KVIRT_DP_MASK_VERSION,
		 d);
	r = nlu_dump(&c->s, &req, on_mask, md);
	return r < 0 ? r : 0;
}

/* Mean masks tried per packet, for 10 packets hitting the last mask. */
static double masks_per_packet(struct dpc *c, int tx, uint32_t src)
{
	struct ovs_dp_megaflow_stats mf0, mf;
	struct ovs_dp_stats st0, st;
	int i;

	if (dp_stats(c, &st0, &mf0))
		return -1;
	for (i = 0; i < 10; i++)
		send_udp(tx, src, 0, 7);
	/* Up to 3 s for the ten to arrive (a loaded emulated lab). */
	for (i = 0; i < 30; i++) {
		usleep(100000);
		if (dp_stats(c, &st, &mf))
			return -1;
		if (st.n_hit - st0.n_hit >= 10)
			break;
	}
	if (st.n_hit - st0.n_hit != 10)
		return -1;
	return (double)(mf.n_mask_hit - mf0.n_mask_hit) / 10;
}

/*
 * The per-mask dump: flows and hits of each mask; the hit mask moves to
 * the front; masks tried per packet with and without the cache.
 */
TEST_F_TIMEOUT(table, mask_dump_and_cache, 120)
{
	struct nlu_family fam;
	struct mask_dump md;
	long long port, out;
	struct fkey k, m;
	int tx, i, n_masks, last = 0, tries;
	double with, without;
	struct dpc c;

	ASSERT_EQ(0, setup_dp(&c, &port, &out));
	ASSERT_EQ(0, nlu_get_family(&c.s, KVIRT_DP_MASK_FAMILY, &fam));
	tx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, tx);
	/* Mask i has i + 1 flows; packets hit mask 2's first flow. */
	for (i = 0; i < 3; i++) {
		int j;

		m = nth_mask(i);
		for (j = 0; j <= i; j++) {
			k = (struct fkey){ port, 0x0e000000 + i * 16 + j, 0 };
			ASSERT_EQ(0, new_flow(&c, &req, ifindex_of(DP),
					      i * 16 + j, &k, &m, -1));
		}
	}
	ASSERT_EQ(0, dump_masks(&c, &fam, ifindex_of(DP), &md));
	ASSERT_TRUE(md.attrs_ok);
	ASSERT_EQ(3, md.n);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(i, md.index[i]);
		EXPECT_EQ(0, md.hits[i]);
		EXPECT_EQ(0xfffff000u | i, md.dst_mask[i]);
		EXPECT_EQ(i + 1, md.flows[i]);
	}
	for (i = 0; i < 10; i++)
		send_udp(tx, 0x0e000020, 0, i);
	/* The next rebalance moves the hit mask to the front: up to 10 s. */
	for (tries = 0; tries < 100; tries++) {
		ASSERT_EQ(0, dump_masks(&c, &fam, ifindex_of(DP), &md));
		if (md.n == 3 && md.dst_mask[0] == 0xfffff002 &&
		    md.hits[0] == 10)
			break;
		usleep(100000);
	}
	ASSERT_EQ(3, md.n);
	EXPECT_EQ(0xfffff002, md.dst_mask[0]);
	EXPECT_EQ(10, md.hits[0]);
	EXPECT_EQ(3, md.flows[0]);
	EXPECT_EQ(-ENODEV, dump_masks(&c, &fam, ifindex_of(PORT), &md));

	/* Lookup cost: masks tried per packet for 1, 10 and 100 masks. */
	ASSERT_EQ(0, run("ip link set %s down", OUT));
	for (n_masks = 1; n_masks <= 100; n_masks *= 10) {
		for (; last < n_masks; last++) {
			m = nth_mask(0x100 + last);
			k = (struct fkey){ port, 0x0f000000 + last, 0 };
			ASSERT_EQ(0, new_flow(&c, &req, ifindex_of(DP),
					      0x1000 + last, &k, &m, -1));
		}
		ASSERT_EQ(0, set_cache(&c, 0));
		without = masks_per_packet(&c, tx, 0x0f000000 + last - 1);
		ASSERT_EQ(0, set_cache(&c, 256));
		masks_per_packet(&c, tx, 0x0f000000 + last - 1);
		with = masks_per_packet(&c, tx, 0x0f000000 + last - 1);
		TH_LOG("%d masks (+3): %.1f masks tried per packet without the cache, %.1f with",
		       n_masks, without, with);
		ASSERT_LE(0, without);
		ASSERT_LE(0, with);
		/* A rebalance in between may cost one full lookup. */
		EXPECT_LT(with, 2.0);
		EXPECT_LT(0, without);
		EXPECT_LE(with, without);
	}
	close(tx);
	dpc_close(&c);
}

TEST_HARNESS_MAIN
