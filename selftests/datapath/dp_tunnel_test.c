// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: ovs-vswitchd runs tunnels through collect-metadata vxlan, geneve
 * and gretap devices attached as netdev vports, and matches on frames
 * with two VLAN tags; both must look to it as they do on openvswitch.ko.
 * One script runs on the stock module and on kvirt_dp.ko: encapsulated
 * frames from a plain tunnel endpoint in another netns (underlay over a
 * veth pair) give MISS upcalls whose keys (tunnel part included) must be
 * the same bytes; flows on tunnel id and source forward the decapsulated
 * frame to a local port; set(tunnel) + output sends frames the other
 * endpoint decapsulates; double-tagged frames give the same keys and
 * flows on both tags forward; flow echoes (keys and masks) are the same;
 * malformed tunnel and encap attributes get the same errnos; and on
 * kvirt_dp every object made is freed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ovs_cmd.h"

#define DP "ktdp"
#define NS "ktns"
#define LOCAL "ktl0"
#define LOCAL_PEER "ktl1"
#define ROOT_IP "192.168.77.1"
#define NS_IP "192.168.77.2"
#define VX_OPTS "remote " ROOT_IP " local " NS_IP " dstport 4789 srcport 4000 4001"
#define GR_OPTS "remote " ROOT_IP " local " NS_IP
#define MAX_FRAME 256
#define MAX_STEPS 64
#define TEXT 2048

/* The three collect-metadata devices and their plain peers in NS. */
struct tun {
	const char *name;	/* in the root netns, a vport */
	const char *peer;	/* in NS */
	uint32_t id;		/* VNI or GRE key */
};

static const struct tun tuns[] = {
	{ "ktvx", "vx0", 42 },
	{ "ktgn", "gn0", 43 },
	{ "ktgr", "gr0", 44 },
};

#define N_TUNS 3

struct frame {
	int len;
	uint8_t data[MAX_FRAME];
};

/* Everything one module answered, compared between the two afterwards. */
struct result {
	int n;
	const char *what[MAX_STEPS];
	char text[MAX_STEPS][TEXT];
};

struct env {
	struct dpc c;
	struct nlu up;		/* upcalls, apart from the requests' answers */
	int dp_ifindex;
	uint32_t tun_port[N_TUNS];
	uint32_t local_port;
	int local_pkt;		/* AF_PACKET on LOCAL_PEER */
	int ns_pkt[N_TUNS];	/* AF_PACKET on each peer, in NS */
};

static struct nlu_msg req, rep;
static const char *module;	/* whose answers are being recorded */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* An IPv4/UDP frame with @tags VLAN tags; @mark tells frames apart. */
static void build(struct frame *f, const uint16_t (*tag)[2], int tags,
		  uint8_t mark)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	uint8_t *p = f->data;
	int o = 12, i;

	memset(f, 0, sizeof(*f));
	memcpy(p, macs, 12);
	for (i = 0; i < tags; i++, o += 4) {
		put16(p + o, tag[i][0]);
		put16(p + o + 2, tag[i][1]);
	}
	put16(p + o, 0x0800);
	o += 2;
	p[o] = 0x45;
	put16(p + o + 2, 20 + 12);
	p[o + 8] = 64;
	p[o + 9] = 17;
	memcpy(p + o + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	o += 20;
	put16(p + o, 1234);
	put16(p + o + 2, 5678);
	put16(p + o + 4, 12);
	memcpy(p + o + 8, "kvr", 3);
	p[o + 11] = mark;
	f->len = o + 12;
}

/* A packet socket bound to @dev in NS. */
static int ns_socket(const char *dev)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int ns = open("/run/netns/" NS, O_RDONLY | O_CLOEXEC);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	int fd = -1;

	if (self < 0 || ns < 0 || setns(ns, CLONE_NEWNET))
		goto out;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	sll.sll_ifindex = ifindex_of(dev);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		fd = -1;
	}
	if (setns(self, CLONE_NEWNET)) {
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
out:
	if (self >= 0)
		close(self);
	if (ns >= 0)
		close(ns);
	return fd;
}

static int root_socket(const char *dev)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = ifindex_of(dev) };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_on(int fd, const struct frame *f)
{
	return send(fd, f->data, f->len, 0) == f->len ? 0 : -errno;
}

/*
 * Whether a frame ending as @f does (its IPv4/UDP part; tags may have
 * been taken out of band) arrives on @fd within a second.
 */
static bool arrives(int fd, const struct frame *f)
{
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	struct timeval tv = { .tv_usec = 100 * 1000 };
	uint8_t buf[2048];
	int i, n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (i = 0; i < 20; i++) {
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			     &fl);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return false;
		if (n < 32 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (!memcmp(buf + n - 32, f->data + f->len - 32, 32))
			return true;
	}
	return false;
}

/*
 * Whether @f arrives on @fd within 3 s whole, byte for byte, with a tag
 * taken out of band (PACKET_AUXDATA) put back in.
 */
static bool arrives_whole(int fd, const struct frame *f)
{
	uint8_t buf[2048 + 4], cbuf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	struct iovec iov = { .iov_base = buf + 4, .iov_len = 2048 };
	struct sockaddr_ll from;
	struct msghdr mh = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct tpacket_auxdata *aux;
	struct cmsghdr *cm;
	uint8_t *at;
	uint16_t tpid;
	int one = 1, n;

	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)))
		return false;
	while (poll(&p, 1, 3000) > 0) {
		mh.msg_namelen = sizeof(from);
		mh.msg_controllen = sizeof(cbuf);
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 12 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		at = buf + 4;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level != SOL_PACKET ||
			    cm->cmsg_type != PACKET_AUXDATA)
				continue;
			aux = (struct tpacket_auxdata *)CMSG_DATA(cm);
			if (!(aux->tp_status & TP_STATUS_VLAN_VALID))
				continue;
			tpid = aux->tp_status & TP_STATUS_VLAN_TPID_VALID ?
			       aux->tp_vlan_tpid : 0x8100;
			memmove(buf, buf + 4, 12);
			buf[12] = tpid >> 8;
			buf[13] = tpid;
			buf[14] = aux->tp_vlan_tci >> 8;
			buf[15] = aux->tp_vlan_tci;
			at = buf;
			n += 4;
		}
		if (n == f->len && !memcmp(at, f->data, n))
			return true;
	}
	return false;
}

/* Drain what a socket has queued (ARP, earlier frames). */
static void drain(int fd)
{
	uint8_t buf[2048];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void record(struct result *r, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (r->n == MAX_STEPS)
		return;
	va_start(ap, fmt);
	r->what[r->n] = what;
	vsnprintf(r->text[r->n], TEXT, fmt, ap);
	va_end(ap);
	/* As it happens, for a run that times out. */
	printf("# %s: %s: %s\n", module, what, r->text[r->n]);
	fflush(stdout);
	r->n++;
}

/* The MISS of @f on the datapath's socket: its key as text. */
static int wait_miss(struct env *e, const struct frame *f, char *key)
{
	const struct nlattr *tb[OVS_PACKET_ATTR_MAX + 1];
	static struct nlu_msg m;
	int err;

	for (;;) {
		err = nlu_recv_timeout(&e->up, &m, 3000);
		if (err)
			return err;
		if (m.nh.nlmsg_type != e->c.f.packet.id ||
		    nlu_cmd(&m) != OVS_PACKET_CMD_MISS)
			continue;
		nlu_parse_msg(&m, tb, OVS_PACKET_ATTR_MAX);
		if (!tb[OVS_PACKET_ATTR_PACKET] || !tb[OVS_PACKET_ATTR_KEY] ||
		    nlu_len(tb[OVS_PACKET_ATTR_PACKET]) != f->len ||
		    memcmp(nlu_data(tb[OVS_PACKET_ATTR_PACKET]), f->data,
			   f->len))
			continue;
		key[0] = 0;
		nlu_key_text(tb[OVS_PACKET_ATTR_KEY], key, TEXT);
		return 0;
	}
}

static int setup_net(void)
{
	int i;

	if (run("set -e; modprobe veth; modprobe vxlan; modprobe geneve; "
		"modprobe ip_gre"))
		return -EIO;
	run("ip netns del " NS " 2>/dev/null; ip link del ktu0 2>/dev/null; "
	    "ip link del " LOCAL " 2>/dev/null");
	for (i = 0; i < N_TUNS; i++)
		run("ip link del %s 2>/dev/null", tuns[i].name);
	if (run("set -e; ip netns add " NS "; "
		"ip netns exec " NS " sysctl -qw net.ipv6.conf.all.disable_ipv6=1; "
		"ip netns exec " NS " sysctl -qw net.ipv6.conf.default.disable_ipv6=1; "
		"ip netns exec " NS " ip link set lo up; "
		"ip link add ktu0 type veth peer name ktu1 netns " NS "; "
		"sysctl -qw net.ipv6.conf.ktu0.disable_ipv6=1; "
		"ip addr add 192.168.77.1/24 dev ktu0; ip link set ktu0 up") ||
	    run("set -e; ip -n " NS " addr add 192.168.77.2/24 dev ktu1; "
		"ip -n " NS " link set ktu1 up; "
		"ip link add " LOCAL " type veth peer name " LOCAL_PEER "; "
		"sysctl -qw net.ipv6.conf." LOCAL ".disable_ipv6=1; "
		"sysctl -qw net.ipv6.conf." LOCAL_PEER ".disable_ipv6=1; "
		"ip link set " LOCAL " up; ip link set " LOCAL_PEER " up") ||
	    run("set -e; ip link add ktvx type vxlan external dstport 4789; "
		"ip link add ktgn type geneve external; "
		"ip link add ktgr type gretap external; "
		"for d in ktvx ktgn ktgr; do sysctl -qw net.ipv6.conf.$d.disable_ipv6=1; "
		"ip link set $d up; done") ||
	    run("set -e; ip -n " NS " link add vx0 type vxlan id 42 " VX_OPTS "; "
		"ip -n " NS " link add gn0 type geneve id 43 remote " ROOT_IP "; "
		"ip -n " NS " link add gr0 type gretap key 44 " GR_OPTS "; "
		"for d in vx0 gn0 gr0; do ip -n " NS " link set $d up; done"))
		return -EIO;
	return 0;
}

static void teardown_net(void)
{
	int i;

	run("ip netns del " NS " 2>/dev/null; ip link del ktu0 2>/dev/null; "
	    "ip link del " LOCAL " 2>/dev/null");
	for (i = 0; i < N_TUNS; i++)
		run("ip link del %s 2>/dev/null", tuns[i].name);
}

static int env_up(struct env *e, enum dp_module m)
{
	int err, i;

	memset(e, 0, sizeof(*e));
	e->local_pkt = -1;
	for (i = 0; i < N_TUNS; i++)
		e->ns_pkt[i] = -1;
	err = dp_module_load(m) ?: dpc_open(&e->c);
	if (err)
		return err;
	err = nlu_open(&e->up);
	if (err)
		return err;
	err = dp_new(&e->c, DP, e->up.portid,
		     OVS_DP_F_UNALIGNED | OVS_DP_F_VPORT_PIDS, NULL);
	if (err)
		return err;
	e->dp_ifindex = ifindex_of(DP);
	for (i = 0; i < N_TUNS; i++) {
		err = vport_new(&e->c, e->dp_ifindex, tuns[i].name,
				OVS_VPORT_TYPE_NETDEV, e->up.portid, &rep);
		if (err)
			return err;
		e->tun_port[i] = reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO);
		e->ns_pkt[i] = ns_socket(tuns[i].peer);
		if (e->ns_pkt[i] < 0)
			return -EIO;
	}
	err = vport_new(&e->c, e->dp_ifindex, LOCAL, OVS_VPORT_TYPE_NETDEV,
			e->up.portid, &rep);
	if (err)
		return err;
	e->local_port = reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO);
	e->local_pkt = root_socket(LOCAL_PEER);
	return e->local_pkt < 0 ? -EIO : 0;
}

static void env_down(struct env *e)
{
	int i;

	if (e->local_pkt >= 0)
		close(e->local_pkt);
	for (i = 0; i < N_TUNS; i++)
		if (e->ns_pkt[i] >= 0)
			close(e->ns_pkt[i]);
	if (e->c.s.fd > 0) {
		dp_del(&e->c, DP);
		dpc_close(&e->c);
	}
	if (e->up.fd > 0)
		nlu_close(&e->up);
}

/* Attribute writers for keys, masks and tunnel nests. */
static void put_be16(struct nlu_msg *m, int type, uint16_t v)
{
	uint16_t be = htons(v);

	nlu_put(m, type, &be, 2);
}

static void put_be32(struct nlu_msg *m, int type, uint32_t v)
{
	uint32_t be = htonl(v);

	nlu_put(m, type, &be, 4);
}

static void put_u8(struct nlu_msg *m, int type, uint8_t v)
{
	nlu_put(m, type, &v, 1);
}

static void put_be64(struct nlu_msg *m, int type, uint64_t v)
{
	uint32_t be[2] = { htonl(v >> 32), htonl(v) };

	nlu_put(m, type, be, 8);
}

/* TUNNEL(id, src, dst, ttl): the common tunnel key; 0 leaves a field out. */
static void put_tunnel(struct nlu_msg *m, uint64_t id, uint32_t src,
		       uint32_t dst, int ttl)
{
	struct nlattr *t = nlu_nest(m, OVS_KEY_ATTR_TUNNEL);

	if (id)
		put_be64(m, OVS_TUNNEL_KEY_ATTR_ID, id);
	if (src)
		put_be32(m, OVS_TUNNEL_KEY_ATTR_IPV4_SRC, src);
	if (dst)
		put_be32(m, OVS_TUNNEL_KEY_ATTR_IPV4_DST, dst);
	if (ttl >= 0)
		put_u8(m, OVS_TUNNEL_KEY_ATTR_TTL, ttl);
	nlu_nest_end(m, t);
}

static void put_eth_ipv4(struct nlu_msg *m, bool mask)
{
	struct ovs_key_ethernet eth = {};
	struct ovs_key_ipv4 ip = {};

	nlu_put(m, OVS_KEY_ATTR_ETHERNET, &eth, sizeof(eth));
	put_be16(m, OVS_KEY_ATTR_ETHERTYPE, mask ? 0xffff : 0x0800);
	nlu_put(m, OVS_KEY_ATTR_IPV4, &ip, sizeof(ip));
}

static void flow_begin(struct env *e, uint8_t cmd, uint16_t flags,
		       uint8_t ufid)
{
	uint8_t id[16] = { 0x7e, ufid };

	nlu_init(&req, e->c.f.flow.id, flags, cmd, OVS_FLOW_VERSION,
		 e->dp_ifindex);
	nlu_put(&req, OVS_FLOW_ATTR_UFID, id, 16);
}

static int flow_del(struct env *e, uint8_t ufid)
{
	flow_begin(e, OVS_FLOW_CMD_DEL, 0, ufid);
	return nlu_request(&e->c.s, &req, NULL);
}

/* The echo of a flow request: its key and mask as text, or the errno. */
static void flow_send(struct env *e, struct result *r, const char *what)
{
	char text[TEXT] = "";
	const struct nlattr *a;
	int err;

	err = nlu_request(&e->c.s, &req, &rep);
	if (err) {
		record(r, what, "errno %d", -err);
		return;
	}
	a = reply_attr(&rep, OVS_FLOW_ATTR_KEY);
	strcat(text, "key ");
	if (a)
		nlu_key_text(a, text, sizeof(text));
	a = reply_attr(&rep, OVS_FLOW_ATTR_MASK);
	strncat(text, " mask ", sizeof(text) - strlen(text) - 1);
	if (a)
		nlu_key_text(a, text, sizeof(text));
	record(r, what, "%s", text);
}

static void actions_output(struct nlu_msg *m, uint32_t port)
{
	struct nlattr *a = nlu_nest(m, OVS_FLOW_ATTR_ACTIONS);

	nlu_put_u32(m, OVS_ACTION_ATTR_OUTPUT, port);
	nlu_nest_end(m, a);
}

#define UNDERLAY_ROOT 0xc0a84d01	/* 192.168.77.1 */
#define UNDERLAY_NS 0xc0a84d02		/* 192.168.77.2 */

/* Frames from each plain endpoint: the MISS keys, tunnel part included. */
static void misses(struct env *e, struct result *r)
{
	static const char *const what[] = { "vxlan miss", "geneve miss",
					     "gretap miss" };
	char key[TEXT];
	struct frame f;
	int i, err;

	for (i = 0; i < N_TUNS; i++) {
		build(&f, NULL, 0, i);
		err = send_on(e->ns_pkt[i], &f) ?: wait_miss(e, &f, key);
		if (err)
			record(r, what[i], "no miss: errno %d", -err);
		else
			record(r, what[i], "%s", key);
	}
}

/* Flows on tunnel id and source forward the decapsulated frame. */
static void decap_flows(struct env *e, struct result *r)
{
	static const char *const what[] = { "vxlan decap flow",
					    "geneve decap flow",
					    "gretap decap flow" };
	static const char *const fwd[] = { "vxlan decap forwards",
					   "geneve decap forwards",
					   "gretap decap forwards" };
	struct nlattr *k;
	struct frame f;
	int i;

	for (i = 0; i < N_TUNS; i++) {
		flow_begin(e, OVS_FLOW_CMD_NEW, NLM_F_ECHO | NLM_F_CREATE,
			   0x10 + i);
		k = nlu_nest(&req, OVS_FLOW_ATTR_KEY);
		put_tunnel(&req, tuns[i].id, UNDERLAY_NS, UNDERLAY_ROOT, 0);
		nlu_put_u32(&req, OVS_KEY_ATTR_IN_PORT, e->tun_port[i]);
		put_eth_ipv4(&req, false);
		nlu_nest_end(&req, k);
		k = nlu_nest(&req, OVS_FLOW_ATTR_MASK);
		put_tunnel(&req, ~0ULL, ~0U, 0, 0);
		nlu_put_u32(&req, OVS_KEY_ATTR_IN_PORT, ~0U);
		put_eth_ipv4(&req, true);
		nlu_nest_end(&req, k);
		actions_output(&req, e->local_port);
		flow_send(e, r, what[i]);

		build(&f, NULL, 0, 0x20 + i);
		drain(e->local_pkt);
		send_on(e->ns_pkt[i], &f);
		record(r, fwd[i], "arrived %d",
		       arrives(e->local_pkt, &f));
		flow_del(e, 0x10 + i);
	}
}

/* set(tunnel) + output: the plain endpoint decapsulates the frame. */
static void encap_flows(struct env *e, struct result *r)
{
	static const char *const what[] = { "vxlan encap flow",
					    "geneve encap flow",
					    "gretap encap flow" };
	static const char *const fwd[] = { "vxlan encap delivers",
					   "geneve encap delivers",
					   "gretap encap delivers" };
	struct nlattr *k, *acts, *set;
	struct frame f;
	int i;

	for (i = 0; i < N_TUNS; i++) {
		flow_begin(e, OVS_FLOW_CMD_NEW, NLM_F_ECHO | NLM_F_CREATE,
			   0x30 + i);
		k = nlu_nest(&req, OVS_FLOW_ATTR_KEY);
		nlu_put_u32(&req, OVS_KEY_ATTR_IN_PORT, e->local_port);
		put_eth_ipv4(&req, false);
		nlu_nest_end(&req, k);
		k = nlu_nest(&req, OVS_FLOW_ATTR_MASK);
		nlu_put_u32(&req, OVS_KEY_ATTR_IN_PORT, ~0U);
		put_eth_ipv4(&req, true);
		nlu_nest_end(&req, k);
		acts = nlu_nest(&req, OVS_FLOW_ATTR_ACTIONS);
		set = nlu_nest(&req, OVS_ACTION_ATTR_SET);
		put_tunnel(&req, tuns[i].id, UNDERLAY_ROOT, UNDERLAY_NS, 64);
		nlu_nest_end(&req, set);
		nlu_put_u32(&req, OVS_ACTION_ATTR_OUTPUT, e->tun_port[i]);
		nlu_nest_end(&req, acts);
		flow_send(e, r, what[i]);

		build(&f, NULL, 0, 0x40 + i);
		drain(e->ns_pkt[i]);
		send_on(e->local_pkt, &f);
		record(r, fwd[i], "arrived %d",
		       arrives(e->ns_pkt[i], &f));
		flow_del(e, 0x30 + i);
	}
}

static const uint16_t two_tags[2][2] = { { 0x88a8, 0x0064 },
					 { 0x8100, 0x000b } };

/* Double-tagged frames: the MISS key, and a flow on both tags. */
static void double_tag(struct env *e, struct result *r)
{
	struct nlattr *k, *outer, *inner;
	char key[TEXT];
	struct frame f;
	int err, m;

	build(&f, two_tags, 2, 0x50);
	err = send_on(e->local_pkt, &f) ?: wait_miss(e, &f, key);
	if (err)
		record(r, "802.1ad+802.1q miss", "no miss: errno %d",
		       -err);
	else
		record(r, "802.1ad+802.1q miss", "%s", key);

	flow_begin(e, OVS_FLOW_CMD_NEW, NLM_F_ECHO | NLM_F_CREATE, 0x50);
	for (m = 0; m < 2; m++) {
		k = nlu_nest(&req, m ? OVS_FLOW_ATTR_MASK : OVS_FLOW_ATTR_KEY);
		nlu_put_u32(&req, OVS_KEY_ATTR_IN_PORT, m ? ~0U : e->local_port);
		nlu_put(&req, OVS_KEY_ATTR_ETHERNET,
			"\0\0\0\0\0\0\0\0\0\0\0\0", 12);
		put_be16(&req, OVS_KEY_ATTR_ETHERTYPE, m ? 0xffff : 0x88a8);
		put_be16(&req, OVS_KEY_ATTR_VLAN, m ? 0xffff : 0x1064);
		outer = nlu_nest(&req, OVS_KEY_ATTR_ENCAP);
		put_be16(&req, OVS_KEY_ATTR_ETHERTYPE, m ? 0xffff : 0x8100);
		put_be16(&req, OVS_KEY_ATTR_VLAN, m ? 0xffff : 0x100b);
		inner = nlu_nest(&req, OVS_KEY_ATTR_ENCAP);
		put_be16(&req, OVS_KEY_ATTR_ETHERTYPE, m ? 0xffff : 0x0800);
		nlu_put(&req, OVS_KEY_ATTR_IPV4, "\0\0\0\0\0\0\0\0\0\0\0\0",
			sizeof(struct ovs_key_ipv4));
		nlu_nest_end(&req, inner);
		nlu_nest_end(&req, outer);
		nlu_nest_end(&req, k);
	}
	actions_output(&req, e->local_port);
	flow_send(e, r, "flow on two tags");

	build(&f, two_tags, 2, 0x51);
	drain(e->local_pkt);
	send_on(e->local_pkt, &f);
	record(r, "two-tag flow forwards", "arrived %d",
	       arrives_whole(e->local_pkt, &f));
	flow_del(e, 0x50);
}

/* One flow NEW whose key nest @fn writes; the errno (0 if created). */
static void bad_key(struct env *e, struct result *r, const char *what,
		    void (*fn)(struct nlu_msg *m, struct env *e), bool mask)
{
	struct nlattr *k;
	int err;

	flow_begin(e, OVS_FLOW_CMD_NEW, NLM_F_CREATE, 0x60);
	k = nlu_nest(&req, OVS_FLOW_ATTR_KEY);
	fn(&req, e);
	nlu_nest_end(&req, k);
	if (mask) {
		k = nlu_nest(&req, OVS_FLOW_ATTR_MASK);
		nlu_put_u32(&req, OVS_KEY_ATTR_IN_PORT, ~0U);
		put_eth_ipv4(&req, true);
		nlu_nest_end(&req, k);
	}
	actions_output(&req, e->local_port);
	err = nlu_request(&e->c.s, &req, NULL);
	record(r, what, "errno %d", -err);
	if (!err)
		flow_del(e, 0x60);
}

static void base(struct nlu_msg *m, struct env *e)
{
	nlu_put_u32(m, OVS_KEY_ATTR_IN_PORT, e->tun_port[0]);
	put_eth_ipv4(m, false);
}

static void tun_no_dst(struct nlu_msg *m, struct env *e)
{
	put_tunnel(m, 42, 0, 0, 64);
	base(m, e);
}

static void tun_no_ttl(struct nlu_msg *m, struct env *e)
{
	put_tunnel(m, 42, 0, UNDERLAY_ROOT, -1);
	base(m, e);
}

static void tun_mixed(struct nlu_msg *m, struct env *e)
{
	struct nlattr *t = nlu_nest(m, OVS_KEY_ATTR_TUNNEL);
	uint8_t v6[16] = { 0xfd, [15] = 1 };

	put_be32(m, OVS_TUNNEL_KEY_ATTR_IPV4_DST, UNDERLAY_ROOT);
	nlu_put(m, OVS_TUNNEL_KEY_ATTR_IPV6_DST, v6, 16);
	put_u8(m, OVS_TUNNEL_KEY_ATTR_TTL, 64);
	nlu_nest_end(m, t);
	base(m, e);
}

static void tun_bad_len(struct nlu_msg *m, struct env *e)
{
	struct nlattr *t = nlu_nest(m, OVS_KEY_ATTR_TUNNEL);

	put_be16(m, OVS_TUNNEL_KEY_ATTR_IPV4_DST, 1);
	put_u8(m, OVS_TUNNEL_KEY_ATTR_TTL, 64);
	nlu_nest_end(m, t);
	base(m, e);
}

static void tun_bad_type(struct nlu_msg *m, struct env *e)
{
	struct nlattr *t = nlu_nest(m, OVS_KEY_ATTR_TUNNEL);

	put_be32(m, OVS_TUNNEL_KEY_ATTR_IPV4_DST, UNDERLAY_ROOT);
	put_u8(m, OVS_TUNNEL_KEY_ATTR_TTL, 64);
	put_u8(m, OVS_TUNNEL_KEY_ATTR_MAX + 1, 0);
	nlu_nest_end(m, t);
	base(m, e);
}

static void tun_geneve_odd(struct nlu_msg *m, struct env *e)
{
	struct nlattr *t = nlu_nest(m, OVS_KEY_ATTR_TUNNEL);

	put_be32(m, OVS_TUNNEL_KEY_ATTR_IPV4_DST, UNDERLAY_ROOT);
	put_u8(m, OVS_TUNNEL_KEY_ATTR_TTL, 64);
	nlu_put(m, OVS_TUNNEL_KEY_ATTR_GENEVE_OPTS, "\1\2\3\4\5", 5);
	nlu_nest_end(m, t);
	base(m, e);
}

static void tun_two_opts(struct nlu_msg *m, struct env *e)
{
	struct nlattr *t = nlu_nest(m, OVS_KEY_ATTR_TUNNEL), *v;

	put_be32(m, OVS_TUNNEL_KEY_ATTR_IPV4_DST, UNDERLAY_ROOT);
	put_u8(m, OVS_TUNNEL_KEY_ATTR_TTL, 64);
	nlu_put(m, OVS_TUNNEL_KEY_ATTR_GENEVE_OPTS, "\0\1\2\0", 4);
	v = nlu_nest(m, OVS_TUNNEL_KEY_ATTR_VXLAN_OPTS);
	nlu_put_u32(m, OVS_VXLAN_EXT_GBP, 7);
	nlu_nest_end(m, v);
	nlu_nest_end(m, t);
	base(m, e);
}

static void tun_vxlan_bad_ext(struct nlu_msg *m, struct env *e)
{
	struct nlattr *t = nlu_nest(m, OVS_KEY_ATTR_TUNNEL), *v;

	put_be32(m, OVS_TUNNEL_KEY_ATTR_IPV4_DST, UNDERLAY_ROOT);
	put_u8(m, OVS_TUNNEL_KEY_ATTR_TTL, 64);
	v = nlu_nest(m, OVS_TUNNEL_KEY_ATTR_VXLAN_OPTS);
	nlu_put_u32(m, OVS_VXLAN_EXT_MAX + 1, 7);
	nlu_nest_end(m, v);
	nlu_nest_end(m, t);
	base(m, e);
}

/* A valid one with options, to compare what both make of it. */
static void tun_vxlan_gbp(struct nlu_msg *m, struct env *e)
{
	struct nlattr *t = nlu_nest(m, OVS_KEY_ATTR_TUNNEL), *v;

	put_be64(m, OVS_TUNNEL_KEY_ATTR_ID, 42);
	put_be32(m, OVS_TUNNEL_KEY_ATTR_IPV4_DST, UNDERLAY_ROOT);
	put_u8(m, OVS_TUNNEL_KEY_ATTR_TTL, 64);
	nlu_put(m, OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT, NULL, 0);
	v = nlu_nest(m, OVS_TUNNEL_KEY_ATTR_VXLAN_OPTS);
	nlu_put_u32(m, OVS_VXLAN_EXT_GBP, 7);
	nlu_nest_end(m, v);
	nlu_nest_end(m, t);
	base(m, e);
}

static void tag_head(struct nlu_msg *m, struct env *e, uint16_t tpid)
{
	nlu_put_u32(m, OVS_KEY_ATTR_IN_PORT, e->local_port);
	nlu_put(m, OVS_KEY_ATTR_ETHERNET, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	put_be16(m, OVS_KEY_ATTR_ETHERTYPE, tpid);
}

static void vlan_no_encap(struct nlu_msg *m, struct env *e)
{
	tag_head(m, e, 0x8100);
	put_be16(m, OVS_KEY_ATTR_VLAN, 0x1005);
}

static void vlan_no_cfi(struct nlu_msg *m, struct env *e)
{
	struct nlattr *x;

	tag_head(m, e, 0x8100);
	put_be16(m, OVS_KEY_ATTR_VLAN, 0x0005);
	x = nlu_nest(m, OVS_KEY_ATTR_ENCAP);
	nlu_nest_end(m, x);
}

static void vlan_truncated_nonempty(struct nlu_msg *m, struct env *e)
{
	struct nlattr *x;

	tag_head(m, e, 0x8100);
	put_be16(m, OVS_KEY_ATTR_VLAN, 0);
	x = nlu_nest(m, OVS_KEY_ATTR_ENCAP);
	put_be16(m, OVS_KEY_ATTR_ETHERTYPE, 0x0800);
	nlu_nest_end(m, x);
}

static void vlan_truncated(struct nlu_msg *m, struct env *e)
{
	struct nlattr *x;

	tag_head(m, e, 0x8100);
	put_be16(m, OVS_KEY_ATTR_VLAN, 0);
	x = nlu_nest(m, OVS_KEY_ATTR_ENCAP);
	nlu_nest_end(m, x);
}

static void vlan_inner_no_encap(struct nlu_msg *m, struct env *e)
{
	struct nlattr *x;

	tag_head(m, e, 0x88a8);
	put_be16(m, OVS_KEY_ATTR_VLAN, 0x1064);
	x = nlu_nest(m, OVS_KEY_ATTR_ENCAP);
	put_be16(m, OVS_KEY_ATTR_ETHERTYPE, 0x8100);
	put_be16(m, OVS_KEY_ATTR_VLAN, 0x100b);
	nlu_nest_end(m, x);
}

static void vlan_stray(struct nlu_msg *m, struct env *e)
{
	base(m, e);
	put_be16(m, OVS_KEY_ATTR_VLAN, 0x1005);
}

static void vlan_three(struct nlu_msg *m, struct env *e)
{
	struct nlattr *x, *y;

	tag_head(m, e, 0x88a8);
	put_be16(m, OVS_KEY_ATTR_VLAN, 0x1001);
	x = nlu_nest(m, OVS_KEY_ATTR_ENCAP);
	put_be16(m, OVS_KEY_ATTR_ETHERTYPE, 0x8100);
	put_be16(m, OVS_KEY_ATTR_VLAN, 0x1002);
	y = nlu_nest(m, OVS_KEY_ATTR_ENCAP);
	put_be16(m, OVS_KEY_ATTR_ETHERTYPE, 0x8100);
	nlu_nest_end(m, y);
	nlu_nest_end(m, x);
}

/* A set(tunnel) action with @fn's tunnel key; the errno. */
static void bad_set(struct env *e, struct result *r, const char *what,
		    int ttl, uint32_t dst, bool masked)
{
	struct nlattr *k, *acts, *set;
	int err;

	flow_begin(e, OVS_FLOW_CMD_NEW, NLM_F_CREATE, 0x61);
	k = nlu_nest(&req, OVS_FLOW_ATTR_KEY);
	nlu_put_u32(&req, OVS_KEY_ATTR_IN_PORT, e->local_port);
	put_eth_ipv4(&req, false);
	nlu_nest_end(&req, k);
	acts = nlu_nest(&req, OVS_FLOW_ATTR_ACTIONS);
	set = nlu_nest(&req, masked ? OVS_ACTION_ATTR_SET_MASKED :
			     OVS_ACTION_ATTR_SET);
	put_tunnel(&req, 42, 0, dst, ttl);
	nlu_nest_end(&req, set);
	nlu_put_u32(&req, OVS_ACTION_ATTR_OUTPUT, e->tun_port[0]);
	nlu_nest_end(&req, acts);
	err = nlu_request(&e->c.s, &req, NULL);
	record(r, what, "errno %d", -err);
	if (!err)
		flow_del(e, 0x61);
}

static void negatives(struct env *e, struct result *r)
{
	bad_key(e, r, "tunnel without destination", tun_no_dst, false);
	bad_key(e, r, "tunnel without ttl", tun_no_ttl, false);
	bad_key(e, r, "tunnel with IPv4 and IPv6", tun_mixed, false);
	bad_key(e, r, "tunnel attribute of a bad length", tun_bad_len, false);
	bad_key(e, r, "tunnel attribute type out of range", tun_bad_type,
		false);
	bad_key(e, r, "geneve options not a multiple of 4", tun_geneve_odd,
		false);
	bad_key(e, r, "two option blocks", tun_two_opts, false);
	bad_key(e, r, "unknown vxlan extension", tun_vxlan_bad_ext, false);
	bad_key(e, r, "vxlan gbp, exact mask", tun_vxlan_gbp, false);
	bad_key(e, r, "vxlan gbp, no tunnel in mask", tun_vxlan_gbp, true);
	bad_key(e, r, "vlan without encap", vlan_no_encap, false);
	bad_key(e, r, "vlan tci without CFI", vlan_no_cfi, false);
	bad_key(e, r, "truncated tag, non-empty encap", vlan_truncated_nonempty,
		false);
	bad_key(e, r, "truncated tag", vlan_truncated, false);
	bad_key(e, r, "inner tag without encap", vlan_inner_no_encap, false);
	bad_key(e, r, "vlan outside a tag", vlan_stray, false);
	bad_key(e, r, "three tags", vlan_three, false);
	bad_set(e, r, "set(tunnel) without ttl", -1, UNDERLAY_NS, false);
	bad_set(e, r, "set(tunnel) without destination", 64, 0, false);
	bad_set(e, r, "masked set(tunnel)", 64, UNDERLAY_NS, true);
}

static int run_script(enum dp_module m, struct result *r)
{
	struct env e;
	int err;

	memset(r, 0, sizeof(*r));
	module = dp_module_name(m);
	err = env_up(&e, m);
	if (!err) {
		misses(&e, r);
		decap_flows(&e, r);
		encap_flows(&e, r);
		double_tag(&e, r);
		negatives(&e, r);
	}
	env_down(&e);
	return err;
}

static struct result ovs, kvirt;

FIXTURE(tunnel) {
};

FIXTURE_SETUP(tunnel)
{
}

FIXTURE_TEARDOWN(tunnel)
{
	teardown_net();
}

/* Slow ip(8) runs under TCG and two module loads: minutes, not seconds. */
TEST_F_TIMEOUT(tunnel, same_as_openvswitch, 540)
{
	long before[DP_N_OBJECTS], after[DP_N_OBJECTS] = { 0 };
	int i;

	ASSERT_EQ(0, setup_net());
	run("mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug");
	ASSERT_EQ(0, run_script(DP_OVS, &ovs));
	ASSERT_EQ(0, dp_module_load(DP_KVIRT));
	ASSERT_EQ(0, dp_objects(before));
	ASSERT_EQ(0, run_script(DP_KVIRT, &kvirt));
	ASSERT_EQ(ovs.n, kvirt.n);
	for (i = 0; i < ovs.n; i++) {
		EXPECT_STREQ(ovs.text[i], kvirt.text[i])
			TH_LOG("%s", ovs.what[i]);
		TH_LOG("%s: %s", kvirt.what[i], kvirt.text[i]);
	}
	/* What must hold on both, not only be the same. */
	for (i = 0; i < ovs.n; i++) {
		if (strstr(ovs.what[i], " miss"))
			EXPECT_EQ(0, strncmp(ovs.text[i], "no miss", 7) == 0)
				TH_LOG("%s", ovs.what[i]);
		if (strstr(ovs.what[i], "forwards") ||
		    strstr(ovs.what[i], "delivers"))
			EXPECT_STREQ("arrived 1", kvirt.text[i])
				TH_LOG("%s", kvirt.what[i]);
		if (strstr(ovs.what[i], "tunnel ") == ovs.what[i] ||
		    strstr(ovs.what[i], "vlan ") == ovs.what[i] ||
		    strstr(ovs.what[i], "set(tunnel)") ||
		    strstr(ovs.what[i], "masked set"))
			EXPECT_STREQ("errno 22", kvirt.text[i])
				TH_LOG("%s", kvirt.what[i]);
		if (strstr(ovs.what[i], "vxlan miss"))
			EXPECT_NE(NULL, strstr(kvirt.text[i], "16("))
				TH_LOG("no OVS_KEY_ATTR_TUNNEL in %s",
				       kvirt.text[i]);
	}
	/* Everything the script made is gone, after RCU. */
	EXPECT_TRUE(dp_objects_back(before, after, 5000));
	for (i = 0; i < DP_N_OBJECTS; i++)
		EXPECT_EQ(before[i], after[i]) TH_LOG("objects line %d", i);
	EXPECT_EQ(0, dp_module_unload(DP_OVS));
}

TEST_HARNESS_MAIN
