// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: ovs-vswitchd sends the packet of every upcall it handled back with
 * OVS_PACKET_CMD_EXECUTE, and probes features with it, so kvirt_dp must
 * answer it as openvswitch.ko does: one script of execute requests
 * (well-formed and malformed) runs on both modules and every answer must
 * match, including what the packets do: leave by a veth, come back up as
 * an OVS_PACKET_CMD_ACTION upcall with the metadata and hash given, or
 * vanish. On kvirt_dp the object counts must return to where they were.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ovs_cmd.h"

#define MAX_STEPS 64
/* A reply that was not what OVS's reply is: not an errno. */
#define WRONG 1000

#define DP "kex0"
#define PORT "kxv0"
#define PEER "kxv1"
#define FRAME_LEN 60

/* OVS's bits above the 32-bit hash in OVS_PACKET_ATTR_HASH. */
#define HASH_SW (1ULL << 32)

struct script {
	int n;
	const char *what[MAX_STEPS];
	int expect[MAX_STEPS];
	int got[MAX_STEPS];
	char msg[MAX_STEPS][256];	/* extack of a failure */
};

static struct nlu_msg req;

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

/* An Ethernet/IPv4/UDP frame from 10.9.0.@id to 10.9.0.2. */
static void make_frame(uint8_t *f, uint8_t id)
{
	static const uint8_t head[] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0, 0, 32, 0, 0, 0, 0, 64, 17, 0, 0,
		10, 9, 0, 0, 10, 9, 0, 2,
		0x30, 0x39, 0x30, 0x39, 0, 12,
	};

	memset(f, 0, FRAME_LEN);
	memcpy(f, head, sizeof(head));
	f[29] = id;
}

/* What to put in an execute request. */
enum acts { NO_ACTIONS, DROP, OUTPUT, USERSPACE };

struct ex {
	const uint8_t *frame;		/* NULL: no PACKET */
	int len;
	bool no_key;
	long long in_port;		/* -1: no IN_PORT in the key */
	uint32_t priority, mark;
	enum acts acts;
	uint32_t arg;			/* output port or userspace pid */
	bool probe;
	int tunnel;			/* 1: tunnel metadata; 2: without TTL */
	bool hash;
	uint64_t hash_value;
};

/* Tunnel metadata: VNI 42 from 192.0.2.1 to 192.0.2.2, with or without TTL. */
static void put_tunnel(bool ttl)
{
	struct nlattr *nest = nlu_nest(&req, OVS_KEY_ATTR_TUNNEL);
	uint64_t id = htobe64(42);
	uint32_t src = inet_addr("192.0.2.1"), dst = inet_addr("192.0.2.2");

	nlu_put(&req, OVS_TUNNEL_KEY_ATTR_ID, &id, 8);
	nlu_put(&req, OVS_TUNNEL_KEY_ATTR_IPV4_SRC, &src, 4);
	nlu_put(&req, OVS_TUNNEL_KEY_ATTR_IPV4_DST, &dst, 4);
	if (ttl)
		nlu_put(&req, OVS_TUNNEL_KEY_ATTR_TTL, "\x40", 1);
	nlu_nest_end(&req, nest);
}

static void put_key(const struct ex *x)
{
	struct nlattr *nest;

	if (x->no_key)
		return;
	nest = nlu_nest(&req, OVS_PACKET_ATTR_KEY);
	nlu_put_u32(&req, OVS_KEY_ATTR_PRIORITY, x->priority);
	nlu_put_u32(&req, OVS_KEY_ATTR_SKB_MARK, x->mark);
	if (x->in_port >= 0)
		nlu_put_u32(&req, OVS_KEY_ATTR_IN_PORT, x->in_port);
	if (x->tunnel)
		put_tunnel(x->tunnel == 1);
	nlu_nest_end(&req, nest);
}

static void put_actions(const struct ex *x)
{
	struct nlattr *nest, *u;

	if (x->acts == NO_ACTIONS)
		return;
	nest = nlu_nest(&req, OVS_PACKET_ATTR_ACTIONS);
	if (x->acts == OUTPUT)
		nlu_put_u32(&req, OVS_ACTION_ATTR_OUTPUT, x->arg);
	if (x->acts == USERSPACE) {
		u = nlu_nest(&req, OVS_ACTION_ATTR_USERSPACE);
		nlu_put_u32(&req, OVS_USERSPACE_ATTR_PID, x->arg);
		nlu_put(&req, OVS_USERSPACE_ATTR_USERDATA, "kvex", 4);
		nlu_nest_end(&req, u);
	}
	nlu_nest_end(&req, nest);
}

/* The request, ready for more attributes; sent by send_exec(). */
static void build_exec(struct dpc *c, int d, const struct ex *x)
{
	nlu_init(&req, c->f.packet.id, 0, OVS_PACKET_CMD_EXECUTE,
		 OVS_PACKET_VERSION, d);
	if (x->frame)
		nlu_put(&req, OVS_PACKET_ATTR_PACKET, x->frame, x->len);
	put_key(x);
	put_actions(x);
	if (x->probe)
		nlu_put(&req, OVS_PACKET_ATTR_PROBE, NULL, 0);
	if (x->hash)
		nlu_put(&req, OVS_PACKET_ATTR_HASH, &x->hash_value, 8);
}

static int send_exec(struct dpc *c)
{
	return nlu_request(&c->s, &req, NULL);
}

static int execute(struct dpc *c, int d, const struct ex *x)
{
	build_exec(c, d, x);
	return send_exec(c);
}

/*
 * Frames equal to @f seen on @fd: the first within 3 s (a loaded
 * emulated lab is slow), the others until 200 ms pass without one.
 */
static int count_frames(int fd, const uint8_t *f)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t buf[2048];
	ssize_t len;
	int n = 0;

	while (poll(&p, 1, n ? 200 : 3000) > 0) {
		len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len >= FRAME_LEN && !memcmp(buf, f, FRAME_LEN))
			n++;
	}
	return n;
}

/*
 * Frames equal to @f that left by @port before a sentinel frame executed
 * after them: -1 if the sentinel did not arrive within 3 s. Nothing is
 * left behind to arrive late once the sentinel is there.
 */
static int left_before_sentinel(struct dpc *c, int d, int port, int fd,
				const uint8_t *f)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t sentinel[FRAME_LEN], buf[2048];
	struct ex x = {
		.frame = sentinel, .len = FRAME_LEN, .in_port = port,
		.acts = OUTPUT, .arg = port,
	};
	ssize_t len;
	int n = 0;

	make_frame(sentinel, 0xee);
	if (execute(c, d, &x))
		return -1;
	while (poll(&p, 1, 3000) > 0) {
		len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len < FRAME_LEN)
			continue;
		if (!memcmp(buf, sentinel, FRAME_LEN))
			return n;
		n += !memcmp(buf, f, FRAME_LEN);
	}
	return -1;
}

/* Upcalls already queued on @s, dropped. */
static void drain_upcalls(struct nlu *s)
{
	static struct nlu_msg m;

	while (!nlu_recv_timeout(s, &m, 0))
		;
}

/* The ACTION upcall a userspace action sends, as received. */
struct action_seen {
	bool frame_ok, userdata_ok, hash_present, tunnel;
	uint64_t hash;
	long long in_port, priority, mark;
};

static int wait_action(struct nlu *s, const struct ovs_families *fam,
		       const uint8_t *f, struct action_seen *seen)
{
	const struct nlattr *tb[OVS_PACKET_ATTR_MAX + 1];
	const struct nlattr *k[OVS_KEY_ATTR_MAX + 1];
	static struct nlu_msg m;
	int err;

	memset(seen, 0, sizeof(*seen));
	for (;;) {
		err = nlu_recv_timeout(s, &m, 3000);
		if (err)
			return err;
		if (m.nh.nlmsg_type != fam->packet.id ||
		    nlu_cmd(&m) != OVS_PACKET_CMD_ACTION)
			continue;
		nlu_parse_msg(&m, tb, OVS_PACKET_ATTR_MAX);
		if (!tb[OVS_PACKET_ATTR_PACKET] || !tb[OVS_PACKET_ATTR_KEY])
			return WRONG;
		seen->frame_ok = nlu_len(tb[OVS_PACKET_ATTR_PACKET]) == FRAME_LEN &&
			!memcmp(nlu_data(tb[OVS_PACKET_ATTR_PACKET]), f, FRAME_LEN);
		seen->userdata_ok = tb[OVS_PACKET_ATTR_USERDATA] &&
			nlu_len(tb[OVS_PACKET_ATTR_USERDATA]) == 4 &&
			!memcmp(nlu_data(tb[OVS_PACKET_ATTR_USERDATA]), "kvex", 4);
		if (tb[OVS_PACKET_ATTR_HASH] &&
		    nlu_len(tb[OVS_PACKET_ATTR_HASH]) == 8) {
			seen->hash_present = true;
			memcpy(&seen->hash, nlu_data(tb[OVS_PACKET_ATTR_HASH]), 8);
		}
		nlu_parse(tb[OVS_PACKET_ATTR_KEY], k, OVS_KEY_ATTR_MAX);
		/* -1LL: a u32 and a plain -1 would make 0xffffffff. */
		seen->in_port = k[OVS_KEY_ATTR_IN_PORT] ?
			nlu_u32(k[OVS_KEY_ATTR_IN_PORT]) : -1LL;
		seen->priority = k[OVS_KEY_ATTR_PRIORITY] ?
			nlu_u32(k[OVS_KEY_ATTR_PRIORITY]) : -1LL;
		seen->mark = k[OVS_KEY_ATTR_SKB_MARK] ?
			nlu_u32(k[OVS_KEY_ATTR_SKB_MARK]) : -1LL;
		seen->tunnel = k[OVS_KEY_ATTR_TUNNEL];
		return 0;
	}
}

/* Requests that must be refused, and must send nothing. */
static void run_malformed_steps(struct script *sc, struct dpc *c, int d,
				const struct ex *good)
{
	struct nlattr *nest;
	struct ex x;

	x = *good;
	x.frame = NULL;
	step(sc, c, "no packet", EINVAL, execute(c, d, &x));
	x = *good;
	x.no_key = true;
	step(sc, c, "no key", EINVAL, execute(c, d, &x));
	x = *good;
	x.acts = NO_ACTIONS;
	step(sc, c, "no actions", EINVAL, execute(c, d, &x));
	x = *good;
	x.len = ETH_HLEN - 1;
	step(sc, c, "packet shorter than an Ethernet header", ERANGE,
	     execute(c, d, &x));
	x = *good;
	x.in_port = 65535;
	step(sc, c, "in_port out of range", EINVAL, execute(c, d, &x));

	x = *good;
	x.no_key = true;
	build_exec(c, d, &x);
	nest = nlu_nest(&req, OVS_PACKET_ATTR_KEY);
	nlu_put_u32(&req, OVS_KEY_ATTR_MAX + 1, 0);
	nlu_nest_end(&req, nest);
	step(sc, c, "key type out of range", EINVAL, send_exec(c));
	build_exec(c, d, &x);
	nest = nlu_nest(&req, OVS_PACKET_ATTR_KEY);
	nlu_put_u32(&req, OVS_KEY_ATTR_PRIORITY, 1);
	nlu_put_u32(&req, OVS_KEY_ATTR_PRIORITY, 2);
	nlu_nest_end(&req, nest);
	step(sc, c, "duplicate key attribute", EINVAL, send_exec(c));
	build_exec(c, d, &x);
	nest = nlu_nest(&req, OVS_PACKET_ATTR_KEY);
	nlu_put(&req, OVS_KEY_ATTR_IN_PORT, "\1\0", 2);
	nlu_nest_end(&req, nest);
	step(sc, c, "in_port of the wrong length", EINVAL, send_exec(c));
	build_exec(c, d, &x);
	nest = nlu_nest(&req, OVS_PACKET_ATTR_KEY);
	nlu_put_u32(&req, OVS_KEY_ATTR_PACKET_TYPE, 0);
	nlu_nest_end(&req, nest);
	step(sc, c, "packet type in the key (userspace only)", EINVAL,
	     send_exec(c));
	build_exec(c, d, &x);
	nest = nlu_nest(&req, OVS_PACKET_ATTR_KEY);
	nlu_put(&req, OVS_KEY_ATTR_IPV4, "\0\0\0\0", 4);
	nlu_nest_end(&req, nest);
	step(sc, c, "IPv4 key of the wrong length", EINVAL, send_exec(c));

	x = *good;
	x.acts = NO_ACTIONS;
	build_exec(c, d, &x);
	nest = nlu_nest(&req, OVS_PACKET_ATTR_ACTIONS);
	nlu_put_u32(&req, OVS_ACTION_ATTR_MAX + 1, 0);
	nlu_nest_end(&req, nest);
	step(sc, c, "unknown action", EINVAL, send_exec(c));
	x.probe = true;
	build_exec(c, d, &x);
	nest = nlu_nest(&req, OVS_PACKET_ATTR_ACTIONS);
	nlu_put_u32(&req, OVS_ACTION_ATTR_MAX + 1, 0);
	nlu_nest_end(&req, nest);
	step(sc, c, "probe: unknown action", EINVAL, send_exec(c));
	x = *good;
	x.arg = 70000;
	step(sc, c, "output port out of range", EINVAL, execute(c, d, &x));
	x = *good;
	x.acts = USERSPACE;
	x.arg = 0;
	step(sc, c, "userspace action with pid 0", EINVAL, execute(c, d, &x));
	x = *good;
	x.arg = 70000;
	step(sc, c, "unknown dp and bad actions: EINVAL first", EINVAL,
	     execute(c, 0, &x));
	step(sc, c, "unknown dp", ENODEV, execute(c, 0, good));
}

static void run_packet_steps(struct script *sc, struct dpc *c, int d,
			     int port, int rx)
{
	uint8_t f[FRAME_LEN], short_ip[ETH_HLEN + 10];
	struct action_seen seen;
	struct nlu s;
	struct ex x = {
		.frame = f, .len = FRAME_LEN, .in_port = port,
		.acts = OUTPUT, .arg = port,
	};
	int err;

	make_frame(f, 1);
	step(sc, c, "output to the veth port", 0, execute(c, d, &x));
	step(sc, c, "output: the frame leaves by the veth", 0,
	     check(count_frames(rx, f) == 1));
	run_malformed_steps(sc, c, d, &x);
	step(sc, c, "malformed: nothing left by the veth", 0,
	     check(left_before_sentinel(c, d, port, rx, f) == 0));

	make_frame(f, 2);
	x.probe = true;
	step(sc, c, "probe, output: executed all the same", 0,
	     execute(c, d, &x));
	step(sc, c, "probe, output: the frame leaves", 0,
	     check(count_frames(rx, f) == 1));
	x.acts = DROP;
	step(sc, c, "probe, no actions", 0, execute(c, d, &x));
	x.probe = false;
	step(sc, c, "no actions (drop)", 0, execute(c, d, &x));
	step(sc, c, "probe and drop: nothing left", 0,
	     check(left_before_sentinel(c, d, port, rx, f) == 0));

	make_frame(f, 3);
	x.acts = OUTPUT;
	x.in_port = -1;
	step(sc, c, "no in_port: from the local port", 0, execute(c, d, &x));
	step(sc, c, "no in_port: the frame leaves", 0,
	     check(count_frames(rx, f) == 1));
	x.in_port = 77;
	make_frame(f, 4);
	step(sc, c, "in_port of no vport", 0, execute(c, d, &x));
	step(sc, c, "in_port of no vport: the frame leaves", 0,
	     check(count_frames(rx, f) == 1));
	memcpy(short_ip, f, sizeof(short_ip));
	x.frame = short_ip;
	x.len = sizeof(short_ip);
	step(sc, c, "IPv4 frame cut inside its IP header", 0,
	     execute(c, d, &x));
	x.frame = f;
	x.len = FRAME_LEN;

	err = nlu_open(&s);
	step(sc, c, "userspace: listener", 0, err);
	if (err)
		return;
	make_frame(f, 5);
	x.acts = USERSPACE;
	x.arg = s.portid;
	x.in_port = port;
	x.priority = 7;
	x.mark = 0x55;
	x.hash = true;
	x.hash_value = HASH_SW | 0x1234abcd;
	drain_upcalls(&s);
	step(sc, c, "userspace action", 0, execute(c, d, &x));
	err = wait_action(&s, &c->f, f, &seen);
	step(sc, c, "userspace: ACTION upcall", 0, err);
	step(sc, c, "userspace: frame and userdata", 0,
	     check(!err && seen.frame_ok && seen.userdata_ok));
	step(sc, c, "userspace: key has in_port, priority, mark", 0,
	     check(!err && seen.in_port == port && seen.priority == 7 &&
		   seen.mark == 0x55));
	step(sc, c, "userspace: hash as given, software bit", 0,
	     check(!err && seen.hash_present &&
		   seen.hash == x.hash_value));
	x.probe = true;
	make_frame(f, 6);
	drain_upcalls(&s);
	step(sc, c, "probe, userspace action", 0, execute(c, d, &x));
	err = wait_action(&s, &c->f, f, &seen);
	step(sc, c, "probe, userspace: upcall all the same", 0,
	     err ?: check(seen.frame_ok && seen.userdata_ok));
	x.probe = false;
	step(sc, c, "userspace: no tunnel in the key", 0,
	     check(!err && !seen.tunnel));
	x.tunnel = 2;
	step(sc, c, "tunnel metadata without TTL", EINVAL, execute(c, d, &x));
	x.tunnel = 1;
	make_frame(f, 7);
	drain_upcalls(&s);
	step(sc, c, "tunnel metadata", 0, execute(c, d, &x));
	err = wait_action(&s, &c->f, f, &seen);
	step(sc, c, "tunnel metadata: ACTION upcall", 0, err);
	step(sc, c, "tunnel metadata: in the upcall's key", 0,
	     check(!err && seen.tunnel));
	step(sc, c, "tunnel metadata: frame and userdata", 0,
	     check(!err && seen.frame_ok && seen.userdata_ok));
	x.tunnel = 0;
	x.in_port = -1;
	make_frame(f, 8);
	drain_upcalls(&s);
	step(sc, c, "no in_port, userspace action", 0, execute(c, d, &x));
	err = wait_action(&s, &c->f, f, &seen);
	step(sc, c, "no in_port: ACTION upcall", 0, err);
	step(sc, c, "no in_port: none in the upcall's key", 0,
	     check(!err && seen.frame_ok && seen.in_port == -1));
	/* One upcall each: the next one is a sentinel's, not a repeat. */
	make_frame(f, 0xef);
	step(sc, c, "sentinel userspace action", 0, execute(c, d, &x));
	err = wait_action(&s, &c->f, f, &seen);
	step(sc, c, "no repeated upcall before the sentinel's", 0,
	     check(!err && seen.frame_ok));
	nlu_close(&s);
}

static int run_script(enum dp_module m, struct script *sc)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
	};
	struct nlu_msg rep;
	struct dpc c;
	int err, d, rx, port;

	memset(sc, 0, sizeof(*sc));
	err = dp_module_load(m) ?: dpc_open(&c);
	if (err)
		return err;
	err = dp_new(&c, DP, 0, OVS_DP_F_UNALIGNED | OVS_DP_F_VPORT_PIDS,
		     NULL);
	if (err)
		goto close;
	d = ifindex_of(DP);
	err = vport_new(&c, d, PORT, OVS_VPORT_TYPE_NETDEV, 0, &rep);
	if (err)
		goto del;
	port = reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO);
	rx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	sll.sll_ifindex = ifindex_of(PEER);
	if (rx < 0 || bind(rx, (struct sockaddr *)&sll, sizeof(sll))) {
		err = -errno;
		goto del;
	}
	run_packet_steps(sc, &c, d, port, rx);
	close(rx);
del:
	dp_del(&c, DP);
close:
	dpc_close(&c);
	return err;
}

FIXTURE(execute) {
};

FIXTURE_SETUP(execute)
{
	ASSERT_EQ(0, run("modprobe veth"));
	run("ip link del " PORT " 2>/dev/null");
	ASSERT_EQ(0, add_veth(PORT, PEER));
}

FIXTURE_TEARDOWN(execute)
{
	run("ip link del " PORT " 2>/dev/null");
	dp_module_unload(DP_OVS);
}

TEST_F_TIMEOUT(execute, same_answers_as_openvswitch, 300)
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
}

/* Many executes of every kind leave no object behind. */
TEST_F_TIMEOUT(execute, no_leak, 120)
{
	static struct script sc;
	long base[DP_N_OBJECTS];
	uint8_t f[FRAME_LEN];
	struct ex x = {
		.frame = f, .len = FRAME_LEN, .in_port = -1, .acts = OUTPUT,
		.arg = 1,
	};
	struct dpc c;
	int i, d;

	run("mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug");
	ASSERT_EQ(0, dp_module_load(DP_KVIRT));
	ASSERT_EQ(0, dp_objects(base));
	ASSERT_EQ(0, run_script(DP_KVIRT, &sc));
	ASSERT_EQ(0, dpc_open(&c));
	ASSERT_EQ(0, dp_new(&c, DP, 0, NO_FEATURES, NULL));
	d = ifindex_of(DP);
	ASSERT_EQ(0, vport_new(&c, d, PORT, OVS_VPORT_TYPE_NETDEV, 0, NULL));
	make_frame(f, 9);
	for (i = 0; i < 300; i++) {
		x.acts = i % 3 ? OUTPUT : USERSPACE;
		x.arg = i % 3 ? 1 : c.s.portid + 1000;
		x.in_port = i % 2 ? 1 : -1;
		EXPECT_EQ(0, execute(&c, d, &x));
	}
	x.acts = OUTPUT;
	x.arg = 1;
	EXPECT_EQ(-ENODEV, execute(&c, 0, &x));
	x.arg = 70000;
	EXPECT_EQ(-EINVAL, execute(&c, d, &x));
	EXPECT_EQ(0, dp_del(&c, DP));
	dpc_close(&c);
	EXPECT_TRUE(dp_objects_back(base, NULL, 5000));
}

TEST_HARNESS_MAIN
