// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the packet rate of a datapath is what ovs-vswitchd's users see,
 * and it depends on how the flow table scales with flows and masks. This
 * client installs the same megaflows over netlink on whichever datapath
 * module is loaded (kvirt_dp.ko or openvswitch.ko), sends frames spread
 * over all of them into one veth and counts what comes out of another,
 * so that the two modules are measured by the same yardstick.
 *
 * usage: dp_pps MODULE SECONDS [FLOWS/MASKS ...]
 *   MODULE only labels the output (the caller loads the module). Each
 *   point (default 1/1 1000/1 1000/10 1000/100 100000/1 100000/10
 *   100000/100) installs FLOWS flows spread over MASKS masks, sends
 *   frames for SECONDS seconds and prints one line
 *   "DP-PPS MODULE FLOWS MASKS PPS MASKS_PER_PACKET CACHE_HIT_PCT
 *   MISS_PCT": frames forwarded per second, the masks a lookup tried on
 *   average and the share of lookups the mask cache answered (the
 *   datapath's megaflow stats), and the share of frames that missed every
 *   flow (should be 0). A point that cannot run prints "DP-PPS MODULE
 *   FLOWS MASKS FAILED: WHY".
 *
 * Flow i matches in_port 1, the Ethernet addresses, IPv4 to 10.128.0.0 + i
 * (exact in every mask, so no two flows overlap), UDP, and, by its mask
 * i % MASKS, a different prefix of the IPv4 source and a different mask
 * of the UDP source port; it outputs to port 2. Frame i is flow i's
 * packet; AF_PACKET sendmmsg() sends them round robin.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/openvswitch.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define DP	"kbp0"
#define IN	"kbpv0"		/* port 1; frames enter through its peer */
#define IN_PEER	"kbpv1"
#define OUT	"kbpw0"		/* port 2; its peer counts what comes out */
#define OUT_PEER "kbpw1"

#define MSG_BUF		4096
#define BATCH_MSGS	256	/* flow requests per sendmsg() */
#define TX_BATCH	64	/* frames per sendmmsg() */
#define FRAME_LEN	60
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const uint8_t mac_src[ETH_ALEN] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t mac_dst[ETH_ALEN] = { 2, 0, 0, 0, 0, 2 };

static int nl_fd;
static uint32_t nl_seq;
static uint16_t fam_dp, fam_vport, fam_flow;
static char why[256];

static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return -1;
}

struct msg {
	union {
		struct nlmsghdr nh;
		uint8_t buf[MSG_BUF];
	};
};

static void msg_init(struct msg *m, uint16_t family, uint16_t flags,
		     uint8_t cmd, int dp_ifindex)
{
	struct genlmsghdr *g = NLMSG_DATA(&m->nh);
	struct ovs_header *oh = (void *)((uint8_t *)g + GENL_HDRLEN);

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN + sizeof(*oh));
	m->nh.nlmsg_type = family;
	m->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	m->nh.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	g->cmd = cmd;
	g->version = 1;
	if (family == GENL_ID_CTRL)
		return;
	oh->dp_ifindex = dp_ifindex;
	m->nh.nlmsg_len += sizeof(*oh);
}

static struct nlattr *put(struct msg *m, int type, const void *data, int len)
{
	struct nlattr *a = (void *)(m->buf + NLMSG_ALIGN(m->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	memset((uint8_t *)a + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	m->nh.nlmsg_len = NLMSG_ALIGN(m->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static void put_u32(struct msg *m, int type, uint32_t v)
{
	put(m, type, &v, sizeof(v));
}

static struct nlattr *nest(struct msg *m, int type)
{
	return put(m, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct msg *m, struct nlattr *a)
{
	a->nla_len = m->buf + m->nh.nlmsg_len - (uint8_t *)a;
}

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 60 };
	int one = 1, big = 4 << 20;

	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl_fd < 0)
		return fail("netlink socket: %s", strerror(errno));
	setsockopt(nl_fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(nl_fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(nl_fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	/* A request left unanswered is a failure, not a hang. */
	setsockopt(nl_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(nl_fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fail("netlink bind: %s", strerror(errno));
	return 0;
}

/*
 * Waits for the acks of the requests up to @last: 0, or the first error
 * (-errno). A data message answering a request is copied to @reply.
 */
static int wait_acks(uint32_t last, struct msg *reply)
{
	static uint8_t in[1 << 16];
	int err = 0;

	for (;;) {
		struct nlmsghdr *nh;
		ssize_t n = recv(nl_fd, in, sizeof(in), 0);

		if (n < 0)
			return -errno;
		for (nh = (void *)in; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type != NLMSG_ERROR) {
				if (reply && nh->nlmsg_len <= sizeof(*reply))
					memcpy(reply->buf, nh, nh->nlmsg_len);
				continue;
			}
			if (!err)
				err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
			if (nh->nlmsg_seq == last)
				return err;
		}
	}
}

/* Sends @n requests, each of @m[i].nh.nlmsg_len bytes, in one go. */
static int send_batch(const uint8_t *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(nl_fd, buf, len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return -errno;
	return 0;
}

static int request(struct msg *m, struct msg *reply)
{
	int err;

	m->nh.nlmsg_seq = ++nl_seq;
	err = send_batch(m->buf, m->nh.nlmsg_len);
	return err ?: wait_acks(nl_seq, reply);
}

/* The attribute @type among the attributes of a genl reply, or NULL. */
static const struct nlattr *attr(const struct msg *m, int type, int hdr)
{
	const uint8_t *p = (const uint8_t *)NLMSG_DATA(&m->nh) + hdr;
	int left = m->nh.nlmsg_len - NLMSG_HDRLEN - hdr;

	while (left >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > left)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		p += NLA_ALIGN(a->nla_len);
		left -= NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

static int resolve(const char *name, uint16_t *id)
{
	static struct msg m, r;
	const struct nlattr *a;
	int err;

	msg_init(&m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 0);
	put(&m, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	memset(&r.nh, 0, sizeof(r.nh));
	err = request(&m, &r);
	a = attr(&r, CTRL_ATTR_FAMILY_ID, GENL_HDRLEN);
	if (err || !a)
		return fail("family %s: %s", name, strerror(err ? -err : EBADMSG));
	memcpy(id, (const uint8_t *)a + NLA_HDRLEN, sizeof(*id));
	return 0;
}

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) ? fail("failed: %s", cmd) : 0;
}

static int dev_index(const char *name)
{
	char path[64];
	FILE *f;
	int i = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &i) != 1)
		i = 0;
	fclose(f);
	return i;
}

static long long rx_count(const char *name)
{
	char path[96];
	long long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/rx_packets",
		 name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

static void teardown(void)
{
	static struct msg m;

	if (dev_index(DP)) {
		msg_init(&m, fam_dp, 0, OVS_DP_CMD_DEL, 0);
		put(&m, OVS_DP_ATTR_NAME, DP, sizeof(DP));
		request(&m, NULL);
	}
	sh("ip link del %s 2>/dev/null; ip link del %s 2>/dev/null; true", IN,
	   OUT);
}

static int add_veth(const char *a, const char *b)
{
	return sh("set -e; ip link add %s type veth peer name %s; "
		  "for d in %s %s; do sysctl -qw net.ipv6.conf.$d.disable_ipv6=1; "
		  "ip link set $d up; done", a, b, a, b);
}

static int vport_add(int dp, const char *name)
{
	static struct msg m;
	int err;

	msg_init(&m, fam_vport, 0, OVS_VPORT_CMD_NEW, dp);
	put(&m, OVS_VPORT_ATTR_NAME, name, strlen(name) + 1);
	put_u32(&m, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_NETDEV);
	put_u32(&m, OVS_VPORT_ATTR_UPCALL_PID, 0);
	err = request(&m, NULL);
	return err ? fail("vport %s: %s", name, strerror(-err)) : 0;
}

static int setup(void)
{
	static struct msg m;
	int err;

	if (nl_open() || resolve(OVS_DATAPATH_FAMILY, &fam_dp) ||
	    resolve(OVS_VPORT_FAMILY, &fam_vport) ||
	    resolve(OVS_FLOW_FAMILY, &fam_flow))
		return -1;
	teardown();
	if (sh("modprobe veth") || add_veth(IN, IN_PEER) ||
	    add_veth(OUT, OUT_PEER))
		return -1;
	msg_init(&m, fam_dp, 0, OVS_DP_CMD_NEW, 0);
	put(&m, OVS_DP_ATTR_NAME, DP, sizeof(DP));
	put_u32(&m, OVS_DP_ATTR_UPCALL_PID, 0);
	err = request(&m, NULL);
	if (err)
		return fail("datapath: %s", strerror(-err));
	return vport_add(dev_index(DP), IN) ?: vport_add(dev_index(DP), OUT);
}

/* Flow @i's IPv4 source, destination and UDP source port. */
static uint32_t flow_src(uint32_t i)
{
	return 0x0a010000 | (i * 2654435761u >> 16);
}

static uint32_t flow_dst(uint32_t i)
{
	return 0x0a800000 + i;
}

static uint16_t flow_sport(uint32_t i)
{
	return 1024 + i % 50000;
}

/* Mask @k: a /(32 - k % 33) source and one of four source port masks. */
static void mask_of(uint32_t k, struct ovs_key_ipv4 *ip,
		    struct ovs_key_udp *udp)
{
	static const uint16_t ports[] = { 0, 0xffff, 0xff00, 0x00ff };
	unsigned int len = 32 - k % 33;

	memset(ip, 0, sizeof(*ip));
	ip->ipv4_src = htonl(len ? 0xffffffffu << (32 - len) : 0);
	ip->ipv4_dst = 0xffffffff;
	ip->ipv4_proto = 0xff;
	ip->ipv4_frag = 0xff;
	udp->udp_src = htons(ports[k / 33 % 4]);
	udp->udp_dst = 0;
}

static void put_match(struct msg *m, uint32_t i, uint32_t masks)
{
	struct ovs_key_ethernet eth;
	struct ovs_key_ipv4 ip = {
		.ipv4_src = htonl(flow_src(i)),
		.ipv4_dst = htonl(flow_dst(i)),
		.ipv4_proto = IPPROTO_UDP,
		.ipv4_ttl = 64,
	};
	struct ovs_key_udp udp = { htons(flow_sport(i)), htons(5000) };
	uint16_t type = htons(ETH_P_IP), ff = 0xffff;
	struct nlattr *n;

	memcpy(eth.eth_src, mac_src, ETH_ALEN);
	memcpy(eth.eth_dst, mac_dst, ETH_ALEN);
	n = nest(m, OVS_FLOW_ATTR_KEY);
	put_u32(m, OVS_KEY_ATTR_IN_PORT, 1);
	put(m, OVS_KEY_ATTR_ETHERNET, &eth, sizeof(eth));
	put(m, OVS_KEY_ATTR_ETHERTYPE, &type, sizeof(type));
	put(m, OVS_KEY_ATTR_IPV4, &ip, sizeof(ip));
	put(m, OVS_KEY_ATTR_UDP, &udp, sizeof(udp));
	nest_end(m, n);

	mask_of(i % masks, &ip, &udp);
	memset(&eth, 0xff, sizeof(eth));
	n = nest(m, OVS_FLOW_ATTR_MASK);
	put_u32(m, OVS_KEY_ATTR_IN_PORT, 0xffffffff);
	put(m, OVS_KEY_ATTR_ETHERNET, &eth, sizeof(eth));
	put(m, OVS_KEY_ATTR_ETHERTYPE, &ff, sizeof(ff));
	put(m, OVS_KEY_ATTR_IPV4, &ip, sizeof(ip));
	put(m, OVS_KEY_ATTR_UDP, &udp, sizeof(udp));
	nest_end(m, n);
}

/* Replaces the datapath's flows by @flows flows over @masks masks. */
static int install(uint32_t flows, uint32_t masks)
{
	static uint8_t batch[BATCH_MSGS * 512];
	static struct msg m;
	struct nlattr *acts;
	size_t used = 0;
	uint32_t i;
	int dp = dev_index(DP), err;
	bool last;

	msg_init(&m, fam_flow, 0, OVS_FLOW_CMD_DEL, dp);
	err = request(&m, NULL);
	if (err)
		return fail("flush: %s", strerror(-err));
	for (i = 0; i < flows; i++) {
		/* Only the batch's last request asks for an ack. */
		msg_init(&m, fam_flow, NLM_F_CREATE, OVS_FLOW_CMD_NEW, dp);
		put_match(&m, i, masks);
		acts = nest(&m, OVS_FLOW_ATTR_ACTIONS);
		put_u32(&m, OVS_ACTION_ATTR_OUTPUT, 2);
		nest_end(&m, acts);
		m.nh.nlmsg_seq = ++nl_seq;
		last = used + 512 > sizeof(batch) || i + 1 == flows;
		if (!last)
			m.nh.nlmsg_flags &= ~NLM_F_ACK;
		memcpy(batch + used, m.buf, m.nh.nlmsg_len);
		used += NLMSG_ALIGN(m.nh.nlmsg_len);
		if (!last)
			continue;
		err = send_batch(batch, used) ?: wait_acks(nl_seq, NULL);
		if (err)
			return fail("flow %u: %s", i, strerror(-err));
		used = 0;
	}
	return 0;
}

struct dp_counts {
	uint64_t hit, missed, mask_hit, cache_hit, flows, masks;
};

static int dp_counts(struct dp_counts *c)
{
	static struct msg m, r;
	const int hdr = GENL_HDRLEN + sizeof(struct ovs_header);
	struct ovs_dp_megaflow_stats mf = { 0 };
	const struct nlattr *a, *b;
	struct ovs_dp_stats st;
	size_t len;
	int err;

	msg_init(&m, fam_dp, 0, OVS_DP_CMD_GET, 0);
	put(&m, OVS_DP_ATTR_NAME, DP, sizeof(DP));
	memset(&r.nh, 0, sizeof(r.nh));
	err = request(&m, &r);
	a = attr(&r, OVS_DP_ATTR_STATS, hdr);
	b = attr(&r, OVS_DP_ATTR_MEGAFLOW_STATS, hdr);
	if (err || !a || !b)
		return fail("datapath stats: %s",
			    strerror(err ? -err : EBADMSG));
	memcpy(&st, (const uint8_t *)a + NLA_HDRLEN, sizeof(st));
	len = b->nla_len - NLA_HDRLEN;
	memcpy(&mf, (const uint8_t *)b + NLA_HDRLEN,
	       len < sizeof(mf) ? len : sizeof(mf));
	c->hit = st.n_hit;
	c->missed = st.n_missed;
	c->flows = st.n_flows;
	c->mask_hit = mf.n_mask_hit;
	c->cache_hit = mf.n_cache_hit;
	c->masks = mf.n_masks;
	return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* Flow @i's packet: Ethernet, IPv4 (with its checksum), UDP. */
static void frame(uint8_t *f, uint32_t i)
{
	uint32_t sum = 0;
	int j;

	memset(f, 0, FRAME_LEN);
	memcpy(f, mac_dst, ETH_ALEN);
	memcpy(f + 6, mac_src, ETH_ALEN);
	put16(f + 12, ETH_P_IP);
	f[14] = 0x45;
	put16(f + 16, 20 + 8 + 18);
	f[22] = 64;
	f[23] = IPPROTO_UDP;
	put32(f + 26, flow_src(i));
	put32(f + 30, flow_dst(i));
	for (j = 14; j < 34; j += 2)
		sum += f[j] << 8 | f[j + 1];
	sum = (sum & 0xffff) + (sum >> 16);
	put16(f + 24, ~(sum + (sum >> 16)));
	put16(f + 34, flow_sport(i));
	put16(f + 36, 5000);
	put16(f + 38, 8 + 18);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Sends the frames of flows 0..@flows-1 round robin for @secs seconds;
 * the frames forwarded per second, or -1.
 */
static double blast(uint32_t flows, double secs, const uint8_t *frames)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = dev_index(IN_PEER),
		.sll_halen = ETH_ALEN,
	};
	struct mmsghdr mm[TX_BATCH];
	struct iovec iov[TX_BATCH];
	long long rx0, rx1;
	double t0, t1, end;
	uint32_t next = 0;
	int fd, one = 1, j;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("AF_PACKET: %s", strerror(errno));
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	memset(mm, 0, sizeof(mm));
	for (j = 0; j < TX_BATCH; j++) {
		iov[j].iov_len = FRAME_LEN;
		mm[j].msg_hdr.msg_iov = &iov[j];
		mm[j].msg_hdr.msg_iovlen = 1;
		mm[j].msg_hdr.msg_name = &sll;
		mm[j].msg_hdr.msg_namelen = sizeof(sll);
	}
	/* A quarter of a second to warm caches up, then the measurement. */
	t0 = now();
	rx0 = -1;
	end = t0 + 0.25;
	for (;;) {
		t1 = now();
		if (t1 >= end) {
			if (rx0 >= 0)
				break;
			rx0 = rx_count(OUT_PEER);
			t0 = now();
			end = t0 + secs;
		}
		for (j = 0; j < TX_BATCH; j++) {
			iov[j].iov_base = (void *)(frames + (size_t)next * FRAME_LEN);
			next = next + 1 == flows ? 0 : next + 1;
		}
		if (sendmmsg(fd, mm, TX_BATCH, 0) < 0 && errno != ENOBUFS) {
			close(fd);
			return fail("sendmmsg: %s", strerror(errno));
		}
	}
	rx1 = rx_count(OUT_PEER);
	close(fd);
	if (rx0 < 0 || rx1 < 0)
		return fail("no counters of " OUT_PEER);
	return (rx1 - rx0) / (t1 - t0);
}

static int point(const char *module, uint32_t flows, uint32_t masks,
		 double secs)
{
	struct dp_counts c0, c1;
	uint8_t *frames;
	double pps, lookups;
	uint32_t i;

	frames = malloc((size_t)flows * FRAME_LEN);
	if (!frames)
		return fail("no memory for %u frames", flows);
	for (i = 0; i < flows; i++)
		frame(frames + (size_t)i * FRAME_LEN, i);
	if (install(flows, masks) || dp_counts(&c0)) {
		free(frames);
		return -1;
	}
	if (c0.flows != flows || c0.masks != masks) {
		free(frames);
		return fail("%llu flows and %llu masks installed",
			    (unsigned long long)c0.flows,
			    (unsigned long long)c0.masks);
	}
	pps = blast(flows, secs, frames);
	free(frames);
	if (pps < 0 || dp_counts(&c1))
		return -1;
	lookups = (c1.hit - c0.hit) + (c1.missed - c0.missed);
	if (lookups <= 0)
		return fail("no packet reached the datapath");
	printf("DP-PPS %s %u %u %.0f %.2f %.1f %.2f\n", module, flows, masks,
	       pps, (c1.mask_hit - c0.mask_hit) / lookups,
	       100.0 * (c1.cache_hit - c0.cache_hit) / lookups,
	       100.0 * (c1.missed - c0.missed) / lookups);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const char * const defaults[] = {
		"1/1", "1000/1", "1000/10", "1000/100", "100000/1",
		"100000/10", "100000/100",
	};
	const char * const *points = defaults;
	int n = ARRAY_SIZE(defaults), i, rc = 0;
	unsigned int flows, masks;
	double secs;

	if (argc < 3) {
		fprintf(stderr, "usage: %s MODULE SECONDS [FLOWS/MASKS ...]\n",
			argv[0]);
		return 2;
	}
	secs = atof(argv[2]);
	if (argc > 3) {
		points = (const char * const *)argv + 3;
		n = argc - 3;
	}
	if (setup()) {
		printf("DP-PPS %s FAILED: %s\n", argv[1], why);
		teardown();
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (sscanf(points[i], "%u/%u", &flows, &masks) != 2 || !flows ||
		    !masks || masks > flows || masks > 132) {
			fprintf(stderr, "bad point %s\n", points[i]);
			rc = 2;
			break;
		}
		if (point(argv[1], flows, masks, secs)) {
			printf("DP-PPS %s %u %u FAILED: %s\n", argv[1], flows,
			       masks, why);
			rc = 1;
		}
	}
	teardown();
	return rc;
}
