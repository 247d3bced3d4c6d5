// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: set and masked set rewrite addresses and ports that L4 checksums
 * cover, and real stack traffic on veth is CHECKSUM_PARTIAL (the
 * checksum field holds only the pseudo-header sum), which crafted
 * AF_PACKET frames never are. This test builds a NAT between two
 * network namespaces out of datapath flows: ns1 (10.9.1.1) talks to a
 * virtual 10.9.0.2 that the forward flow rewrites (masked set) to ns2's
 * 10.9.2.2, and the reverse flow rewrites back; a second case also maps
 * TCP and UDP port 8080 to 80. Ping, a 1 MB TCP exchange each way and
 * UDP datagrams (fragmented, and without a checksum too) must arrive
 * intact. The datapath's ports have transmit checksumming off, so the
 * stack completes each checksum in software from what the datapath left,
 * and the receiver verifies it: its InCsumErrors must not grow. The
 * senders run with checksum offload (CHECKSUM_PARTIAL) and then without
 * (full checksums, CHECKSUM_NONE). All of it runs on openvswitch.ko, the
 * reference, and on kvirt_dp.ko, which must then free every object.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ovs_cmd.h"

#define DP "kdr0"
#define NS1 "kdrns1"
#define NS2 "kdrns2"
#define V1 "kdrv1"		/* root namespace ends: the datapath's ports */
#define V2 "kdrv2"
#define P1 "kdrp1"		/* their peers, in NS1 and NS2 */
#define P2 "kdrp2"
#define MAC1 "02:00:0a:09:01:01"
#define MAC2 "02:00:0a:09:02:02"
#define GW_MAC "02:00:0a:09:00:02"	/* the virtual address's */

#define IP1 0x0a090101		/* 10.9.1.1, NS1 */
#define VIP 0x0a090002		/* 10.9.0.2, what NS1 talks to */
#define IP2 0x0a090202		/* 10.9.2.2, NS2, behind VIP */
#define OCTET3 0x0000ff00	/* the only bits VIP and IP2 differ in */
#define VPORT 8080		/* the port case: VIP:8080 is IP2:80 */
#define SPORT 80
#define TCP_PORT 7000		/* the address case: the same on both */
#define UDP_PORT 7001
#define TCP_BYTES (1 << 20)
#define WAIT_MS 3000

static const unsigned char mac1[6] = { 2, 0, 10, 9, 1, 1 };
static const unsigned char mac2[6] = { 2, 0, 10, 9, 2, 2 };
static const unsigned char gw_mac[6] = { 2, 0, 10, 9, 0, 2 };

static struct nlu_msg req;

/* ---- topology ---- */

/*
 * Enter namespace @ns; returns an fd to come back with (ns_leave()) or
 * -errno. In the lab every program started costs about a second, so
 * what can be done from here is.
 */
static int ns_enter(const char *ns)
{
	char path[64];
	int self, fd, err = 0;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (err) {
		close(self);
		return err;
	}
	return self;
}

static int ns_leave(int self)
{
	int err = setns(self, CLONE_NEWNET) ? -errno : 0;

	close(self);
	return err;
}

/* An AF_INET socket of @type and @proto in namespace @ns: fd or -errno. */
static int ns_socket(const char *ns, int type, int proto)
{
	int self = ns_enter(ns), fd, err;

	if (self < 0)
		return self;
	fd = socket(AF_INET, type | SOCK_CLOEXEC, proto);
	if (fd < 0)
		fd = -errno;
	err = ns_leave(self);
	if (err && fd >= 0) {
		close(fd);
		fd = err;
	}
	return fd;
}

/* Write @val to the sysctl or other file @path: 0 or -errno. */
static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		err = -errno;
	close(fd);
	return err;
}

/*
 * One ioctl on @dev, for which @arg is the ifreq's data or, if
 * @flags, its flags: 0 or -errno.
 */
static int dev_ioctl(const char *dev, unsigned long req, void *arg,
		     short *flags)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (flags)
		ifr.ifr_flags = *flags;
	else
		ifr.ifr_data = arg;
	if (ioctl(fd, req, &ifr))
		err = -errno;
	if (flags)
		*flags = ifr.ifr_flags;
	close(fd);
	return err;
}

/* Transmit checksum offload of @dev in @ns (NULL: here) on or off. */
static int tx_csum(const char *ns, const char *dev, bool on)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = on };
	int self = ns ? ns_enter(ns) : -1, err;

	if (ns && self < 0)
		return self;
	err = dev_ioctl(dev, SIOCETHTOOL, &ev, NULL);
	ev.cmd = ETHTOOL_GTXCSUM;
	err = err ?: dev_ioctl(dev, SIOCETHTOOL, &ev, NULL);
	if (!err && !ev.data != !on)
		err = -EOPNOTSUPP;
	if (ns)
		err = ns_leave(self) ?: err;
	return err;
}

/* @dev (here) up, without IPv6 and transmit checksum offload. */
static int port_up(const char *dev)
{
	char path[128];
	short flags = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 dev);
	int err = write_file(path, "1") ?: tx_csum(NULL, dev, false) ?:
		  dev_ioctl(dev, SIOCGIFFLAGS, NULL, &flags);

	if (err)
		return err;
	flags |= IFF_UP;
	return dev_ioctl(dev, SIOCSIFFLAGS, NULL, &flags);
}

/* No IPv6 on what is made in @ns from now on. */
static int ns_no_ipv6(const char *ns)
{
	int self = ns_enter(ns), err;

	if (self < 0)
		return self;
	err = write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1") ?:
	      write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	return ns_leave(self) ?: err;
}

/*
 * The lines of @cmds as one `ip -batch` in namespace @ns (NULL: here):
 * 0 or -EIO. With @force, failures are quiet and do not stop it.
 */
static int ip_batch(const char *ns, bool force, const char *cmds)
{
	const char *argv[8] = { "ip" };
	int p[2], st, fd, i = 1;
	pid_t pid;

	if (ns) {
		argv[i++] = "-n";
		argv[i++] = ns;
	}
	if (force)
		argv[i++] = "-force";
	argv[i++] = "-batch";
	argv[i++] = "-";
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (!pid) {
		dup2(p[0], 0);
		fd = force ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;
		if (fd >= 0)
			dup2(fd, 2);
		execvp("ip", (char **)argv);
		_exit(127);
	}
	close(p[0]);
	if (pid > 0 && write(p[1], cmds, strlen(cmds)) < 0)
		kill(pid, SIGKILL);
	close(p[1]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -EIO;
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -EIO;
}

static void remove_topology(void)
{
	ip_batch(NULL, true, "link del " V1 "\nlink del " V2 "\n"
		 "netns del " NS1 "\nnetns del " NS2 "\n");
}

/*
 * NS1 and NS2 without IPv6, each with a veth whose other end (V1, V2)
 * stays here for the datapath. Each namespace routes the other's
 * subnet (the virtual one for NS1) to its veth, with a static
 * neighbour entry for the other end (no ARP): both GW_MAC.
 */
static int make_topology(void)
{
	return ip_batch(NULL, false,
			"netns add " NS1 "\nnetns add " NS2 "\n") ?:
	       ns_no_ipv6(NS1) ?: ns_no_ipv6(NS2) ?:
	       ip_batch(NULL, false,
			"link add " V1 " type veth peer name " P1 " netns " NS1 "\n"
			"link add " V2 " type veth peer name " P2 " netns " NS2 "\n") ?:
	       port_up(V1) ?: port_up(V2) ?:
	       ip_batch(NS1, false,
			"link set lo up\n"
			"link set " P1 " address " MAC1 " up\n"
			"addr add 10.9.1.1/24 dev " P1 "\n"
			"route add 10.9.0.0/24 dev " P1 "\n"
			"neigh add 10.9.0.2 lladdr " GW_MAC " dev " P1 " nud permanent\n") ?:
	       ip_batch(NS2, false,
			"link set lo up\n"
			"link set " P2 " address " MAC2 " up\n"
			"addr add 10.9.2.2/24 dev " P2 "\n"
			"route add 10.9.1.0/24 dev " P2 "\n"
			"neigh add 10.9.1.1 lladdr " GW_MAC " dev " P2 " nud permanent\n");
}

/* ---- flows ---- */

/*
 * One direction of the NAT: forward (from V1: VIP becomes IP2) or
 * reverse (from V2: IP2 becomes VIP); with @proto (TCP or UDP) also
 * VPORT becomes SPORT and back; with 0, any IPv4 packet.
 */
struct nat {
	bool fwd;
	int proto;
	uint32_t in, out;
};

static void put_key(const struct nat *n, int type, bool mask)
{
	struct nlattr *nest = nlu_nest(&req, type);
	struct ovs_key_ethernet eth = {};
	struct ovs_key_ipv4 ip = {};
	struct ovs_key_tcp tp = {};
	uint16_t be = mask ? 0xffff : htons(0x0800), flags = 0;

	nlu_put_u32(&req, OVS_KEY_ATTR_RECIRC_ID, mask ? 0xffffffff : 0);
	nlu_put_u32(&req, OVS_KEY_ATTR_IN_PORT, mask ? 0xffffffff : n->in);
	nlu_put(&req, OVS_KEY_ATTR_ETHERNET, &eth, sizeof(eth));
	nlu_put(&req, OVS_KEY_ATTR_ETHERTYPE, &be, sizeof(be));
	if (n->fwd)
		ip.ipv4_dst = mask ? 0xffffffff : htonl(VIP);
	else
		ip.ipv4_src = mask ? 0xffffffff : htonl(IP2);
	if (n->proto)
		ip.ipv4_proto = mask ? 0xff : n->proto;
	nlu_put(&req, OVS_KEY_ATTR_IPV4, &ip, sizeof(ip));
	if (n->proto) {
		if (n->fwd)
			tp.tcp_dst = mask ? 0xffff : htons(VPORT);
		else
			tp.tcp_src = mask ? 0xffff : htons(SPORT);
		/* ovs_key_udp has the same layout. */
		nlu_put(&req, n->proto == IPPROTO_TCP ? OVS_KEY_ATTR_TCP :
			OVS_KEY_ATTR_UDP, &tp, sizeof(tp));
		if (n->proto == IPPROTO_TCP)
			nlu_put(&req, OVS_KEY_ATTR_TCP_FLAGS, &flags,
				sizeof(flags));
	}
	nlu_nest_end(&req, nest);
}

static void set_masked(int type, const void *val, const void *mask, int len)
{
	struct nlattr *s = nlu_nest(&req, OVS_ACTION_ATTR_SET_MASKED);
	unsigned char buf[64];

	memcpy(buf, val, len);
	memcpy(buf + len, mask, len);
	nlu_put(&req, type, buf, 2 * len);
	nlu_nest_end(&req, s);
}

static int put_nat(struct dpc *c, int d, const struct nat *n)
{
	struct ovs_key_ethernet eth, eth_mask;
	struct ovs_key_ipv4 ip = {}, ip_mask = {};
	struct ovs_key_tcp tp = {}, tp_mask = {};
	struct nlattr *acts;

	nlu_init(&req, c->f.flow.id, NLM_F_CREATE, OVS_FLOW_CMD_NEW,
		 OVS_FLOW_VERSION, d);
	put_key(n, OVS_FLOW_ATTR_KEY, false);
	put_key(n, OVS_FLOW_ATTR_MASK, true);
	acts = nlu_nest(&req, OVS_FLOW_ATTR_ACTIONS);

	memcpy(eth.eth_src, gw_mac, 6);
	memcpy(eth.eth_dst, n->fwd ? mac2 : mac1, 6);
	memset(&eth_mask, 0xff, sizeof(eth_mask));
	set_masked(OVS_KEY_ATTR_ETHERNET, &eth, &eth_mask, sizeof(eth));

	/* Only the third octet changes: 10.9.0.2 <-> 10.9.2.2. */
	if (n->fwd) {
		ip.ipv4_dst = htonl(IP2 & OCTET3);
		ip_mask.ipv4_dst = htonl(OCTET3);
	} else {
		ip.ipv4_src = htonl(VIP & OCTET3);
		ip_mask.ipv4_src = htonl(OCTET3);
	}
	set_masked(OVS_KEY_ATTR_IPV4, &ip, &ip_mask, sizeof(ip));

	if (n->proto) {
		if (n->fwd) {
			tp.tcp_dst = htons(SPORT);
			tp_mask.tcp_dst = 0xffff;
		} else {
			tp.tcp_src = htons(VPORT);
			tp_mask.tcp_src = 0xffff;
		}
		set_masked(n->proto == IPPROTO_TCP ? OVS_KEY_ATTR_TCP :
			   OVS_KEY_ATTR_UDP, &tp, &tp_mask, sizeof(tp));
	}
	nlu_put_u32(&req, OVS_ACTION_ATTR_OUTPUT, n->out);
	nlu_nest_end(&req, acts);
	return nlu_request(&c->s, &req, NULL);
}

/* ---- traffic ---- */

static struct sockaddr_in sin_of(uint32_t ip, int port)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(ip),
	};

	return a;
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = WAIT_MS / 1000 * 3 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Byte @i of the stream in direction @dir: no short period. */
static unsigned char pattern(size_t i, int dir)
{
	return (i * 131) ^ (i >> 8) ^ (i >> 16) * 7 ^ dir * 0x5a;
}

static int send_stream(int fd, int dir)
{
	static unsigned char buf[65536];
	size_t off, i, len;
	ssize_t n;

	for (off = 0; off < TCP_BYTES; off += len) {
		len = TCP_BYTES - off < sizeof(buf) ? TCP_BYTES - off :
		      sizeof(buf);
		for (i = 0; i < len; i++)
			buf[i] = pattern(off + i, dir);
		for (i = 0; i < len; i += n) {
			n = write(fd, buf + i, len - i);
			if (n <= 0)
				return -errno;
		}
	}
	return 0;
}

/* The stream up to EOF: 0 if it is TCP_BYTES of direction @dir's bytes. */
static int recv_stream(int fd, int dir, const char *who)
{
	static unsigned char buf[65536];
	size_t off = 0, i;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != pattern(off + i, dir)) {
				fprintf(stderr, "# %s: byte %zu differs\n",
					who, off + i);
				return -EBADMSG;
			}
		off += n;
	}
	if (n < 0)
		return -errno;
	if (off != TCP_BYTES) {
		fprintf(stderr, "# %s: %zu bytes, not %d\n", who, off,
			TCP_BYTES);
		return -EBADMSG;
	}
	return 0;
}

/* The server's side, in a child: 0 if all went well. */
static int tcp_serve(int lfd)
{
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int fd, err;

	fd = accept(lfd, (struct sockaddr *)&peer, &len);
	if (fd < 0)
		return -errno;
	set_timeouts(fd);
	if (peer.sin_addr.s_addr != htonl(IP1)) {
		fprintf(stderr, "# server: peer is %s\n",
			inet_ntoa(peer.sin_addr));
		return -EBADMSG;
	}
	err = recv_stream(fd, 0, "server") ?: send_stream(fd, 1);
	close(fd);
	return err;
}

/*
 * NS1 connects to VIP:@vport, served by IP2:@port in NS2; TCP_BYTES go
 * each way, one after the other. 0 or -errno.
 */
static int tcp_exchange(int vport, int port)
{
	struct sockaddr_in srv = sin_of(IP2, port), dst = sin_of(VIP, vport);
	int lfd = ns_socket(NS2, SOCK_STREAM, 0), fd = -1, one = 1, err, st;
	pid_t pid = -1;

	if (lfd < 0)
		return lfd;
	set_timeouts(lfd);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&srv, sizeof(srv)) ||
	    listen(lfd, 1)) {
		err = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	if (!pid) {
		alarm(20);
		_exit(tcp_serve(lfd) ? 1 : 0);
	}
	fd = ns_socket(NS1, SOCK_STREAM, 0);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	set_timeouts(fd);
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
		err = -errno;
		fprintf(stderr, "# client: connect: %s\n", strerror(errno));
		goto out;
	}
	err = send_stream(fd, 0);
	if (!err && shutdown(fd, SHUT_WR))
		err = -errno;
	err = err ?: recv_stream(fd, 1, "client");
out:
	if (fd >= 0)
		close(fd);
	close(lfd);
	if (pid > 0) {
		if (err)
			kill(pid, SIGKILL);
		if (waitpid(pid, &st, 0) == pid && !err &&
		    (!WIFEXITED(st) || WEXITSTATUS(st)))
			err = -EBADMSG;
	}
	return err;
}

/* Datagram @seq of @len bytes, as sent (@reply false) or echoed. */
static void datagram(unsigned char *b, int len, int seq, bool reply)
{
	int i;

	for (i = 0; i < len; i++)
		b[i] = pattern(i + seq * 1000, reply);
}

/* One datagram from @fd, within WAIT_MS: its length or -errno. */
static int recv_dgram(int fd, unsigned char *b, int size,
		      struct sockaddr_in *from)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t len = sizeof(*from);
	int n;

	if (poll(&p, 1, WAIT_MS) != 1)
		return -ETIMEDOUT;
	n = recvfrom(fd, b, size, MSG_DONTWAIT, (struct sockaddr *)from, &len);
	return n < 0 ? -errno : n;
}

/*
 * NS1 sends datagrams of @sizes to VIP:@vport, served by IP2:@port in
 * NS2, which checks and echoes them transformed; the last one goes, and
 * comes back, without a UDP checksum. The client's socket is connected:
 * it takes replies from VIP:@vport only. 0 or -errno.
 */
static int udp_exchange(int vport, int port, const int *sizes, int n)
{
	struct sockaddr_in srv = sin_of(IP2, port), dst = sin_of(VIP, vport);
	int s = ns_socket(NS2, SOCK_DGRAM, 0), c = ns_socket(NS1, SOCK_DGRAM, 0);
	static unsigned char want[4096], got[4096];
	struct sockaddr_in from;
	int i, len, one = 1, err = 0;

	if (s < 0 || c < 0) {
		err = s < 0 ? s : c;
		goto out;
	}
	if (bind(s, (struct sockaddr *)&srv, sizeof(srv)) ||
	    connect(c, (struct sockaddr *)&dst, sizeof(dst))) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < n && !err; i++) {
		if (i == n - 1 &&
		    (setsockopt(c, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)) ||
		     setsockopt(s, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)))) {
			err = -errno;
			break;
		}
		datagram(want, sizes[i], i, false);
		if (send(c, want, sizes[i], 0) != sizes[i]) {
			err = -errno;
			break;
		}
		len = recv_dgram(s, got, sizeof(got), &from);
		if (len != sizes[i] || memcmp(want, got, len) ||
		    from.sin_addr.s_addr != htonl(IP1)) {
			fprintf(stderr, "# server: datagram %d (%d bytes): %d\n",
				i, sizes[i], len);
			err = len < 0 ? len : -EBADMSG;
			break;
		}
		datagram(want, sizes[i], i, true);
		if (sendto(s, want, len, 0, (struct sockaddr *)&from,
			   sizeof(from)) != len) {
			err = -errno;
			break;
		}
		len = recv_dgram(c, got, sizeof(got), &from);
		if (len != sizes[i] || memcmp(want, got, len)) {
			fprintf(stderr, "# client: reply %d (%d bytes): %d\n",
				i, sizes[i], len);
			err = len < 0 ? len : -EBADMSG;
		}
	}
out:
	if (s >= 0)
		close(s);
	if (c >= 0)
		close(c);
	return err;
}

/* The Internet checksum of @len bytes at @p, to store as it is. */
static uint16_t inet_sum(const void *p, int len)
{
	const unsigned char *b = p;
	uint32_t sum = 0;

	for (; len > 1; len -= 2, b += 2)
		sum += b[0] << 8 | b[1];
	if (len)
		sum += b[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* ICMP echo @seq of @len payload bytes NS1 -> VIP, and its reply. */
static int ping(int len, int seq)
{
	static unsigned char req[4096], got[4096];
	struct sockaddr_in dst = sin_of(VIP, 0), from;
	int fd = ns_socket(NS1, SOCK_RAW, IPPROTO_ICMP), n, i, hl, err;
	struct icmphdr *ih = (struct icmphdr *)req, *rh;
	uint16_t sum;

	if (fd < 0)
		return fd;
	memset(ih, 0, sizeof(*ih));
	ih->type = ICMP_ECHO;
	ih->un.echo.id = htons(0x4b44);
	ih->un.echo.sequence = htons(seq);
	for (i = 0; i < len; i++)
		req[sizeof(*ih) + i] = pattern(i, seq);
	sum = inet_sum(req, sizeof(*ih) + len);
	memcpy(&ih->checksum, &sum, 2);
	err = sendto(fd, req, sizeof(*ih) + len, 0, (struct sockaddr *)&dst,
		     sizeof(dst)) < 0 ? -errno : -ETIMEDOUT;
	/* Raw sockets see all ICMP: wait for this reply. */
	while (err == -ETIMEDOUT) {
		n = recv_dgram(fd, got, sizeof(got), &from);
		if (n < 0)
			break;
		hl = (got[0] & 15) * 4;
		rh = (struct icmphdr *)(got + hl);
		if (n < hl + (int)sizeof(*rh) || rh->type != ICMP_ECHOREPLY ||
		    rh->un.echo.id != ih->un.echo.id ||
		    rh->un.echo.sequence != ih->un.echo.sequence)
			continue;
		err = from.sin_addr.s_addr == htonl(VIP) &&
		      n - hl == (int)sizeof(*ih) + len &&
		      !memcmp(got + hl + sizeof(*rh), req + sizeof(*ih), len) &&
		      !inet_sum(got + hl, n - hl) ? 0 : -EBADMSG;
	}
	close(fd);
	return err;
}

/* Add the InCsumErrors of the "Name: ..." / "Name: values" pairs of @f. */
static int add_csum_errors(FILE *f, long *sum)
{
	char names[4096], vals[4096], *n, *v, *sn, *sv;

	while (fgets(names, sizeof(names), f) &&
	       fgets(vals, sizeof(vals), f)) {
		n = strtok_r(names, "\n ", &sn);
		v = strtok_r(vals, "\n ", &sv);
		if (!n || !v || strcmp(n, v))
			return -EPROTO;
		while ((n = strtok_r(NULL, "\n ", &sn)) &&
		       (v = strtok_r(NULL, "\n ", &sv)))
			if (!strcmp(n, "InCsumErrors"))
				*sum += atol(v);
	}
	return 0;
}

/*
 * The sum of every InCsumErrors counter (IP, ICMP, TCP, UDP) in
 * namespace @ns, from /proc/net/snmp and /proc/net/netstat; -1 if
 * unreadable.
 */
static long csum_errors(const char *ns)
{
	static const char *const files[] = {
		"/proc/net/snmp", "/proc/net/netstat",
	};
	int self = ns_enter(ns), i, err = 0;
	long sum = 0;
	FILE *f;

	if (self < 0)
		return -1;
	for (i = 0; i < 2 && !err; i++) {
		f = fopen(files[i], "re");
		if (!f) {
			err = -errno;
			break;
		}
		err = add_csum_errors(f, &sum);
		fclose(f);
	}
	return ns_leave(self) || err ? -1 : sum;
}

/* ---- the tests ---- */

/* A datapath with V1 and V2, and what to compare with at the end. */
struct env {
	struct dpc c;
	int d;
	uint32_t v1, v2;
	long base[DP_N_OBJECTS];
};

FIXTURE(rewrite) {
	struct env e;
};

FIXTURE_VARIANT(rewrite) {
	enum dp_module m;
};

FIXTURE_VARIANT_ADD(rewrite, openvswitch) {
	.m = DP_OVS,
};

FIXTURE_VARIANT_ADD(rewrite, kvirt_dp) {
	.m = DP_KVIRT,
};

static struct nlu_msg rep;

FIXTURE_SETUP(rewrite)
{
	struct env *e = &self->e;

	e->c.s.fd = -1;
	remove_topology();
	if (!module_loaded("veth"))
		ASSERT_EQ(0, run("modprobe veth"));
	ASSERT_EQ(0, dp_module_load(variant->m));
	if (variant->m == DP_KVIRT) {
		if (dp_objects(e->base))
			run("mount -t debugfs none /sys/kernel/debug");
		ASSERT_EQ(0, dp_objects(e->base));
	}
	ASSERT_EQ(0, make_topology());
	ASSERT_EQ(0, dpc_open(&e->c));
	ASSERT_EQ(0, dp_new(&e->c, DP, 0, NO_FEATURES, NULL));
	e->d = ifindex_of(DP);
	ASSERT_EQ(0, vport_new(&e->c, e->d, V1, OVS_VPORT_TYPE_NETDEV,
			       0, &rep));
	e->v1 = reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO);
	ASSERT_EQ(0, vport_new(&e->c, e->d, V2, OVS_VPORT_TYPE_NETDEV,
			       0, &rep));
	e->v2 = reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO);
}

FIXTURE_TEARDOWN(rewrite)
{
	struct env *e = &self->e;

	if (e->c.s.fd >= 0) {
		dp_del(&e->c, DP);
		dpc_close(&e->c);
	}
	remove_topology();
	if (variant->m == DP_OVS)
		dp_module_unload(DP_OVS);
}

/* The NAT of @proto (0: all IPv4) both ways: 0 or -errno. */
static int put_nat_pair(struct env *e, int proto)
{
	struct nat fwd = { true, proto, e->v1, e->v2 };
	struct nat rev = { false, proto, e->v2, e->v1 };

	return put_nat(&e->c, e->d, &fwd) ?:
	       put_nat(&e->c, e->d, &rev);
}

static int flush(struct env *e)
{
	nlu_init(&req, e->c.f.flow.id, 0, OVS_FLOW_CMD_DEL, OVS_FLOW_VERSION,
		 e->d);
	return nlu_request(&e->c.s, &req, NULL);
}

/*
 * Both NATs with the namespaces' veths transmitting with checksum
 * offload (@offload: CHECKSUM_PARTIAL into the datapath) or without
 * (full checksums, CHECKSUM_NONE).
 */
static void nat_round(struct __test_metadata *_metadata, struct env *e,
		      bool offload)
{
	static const int sizes[] = { 3000, 1, 300, 1472, 1000 };
	const char *how = offload ? "checksum offload" : "full checksums";
	long errs1, errs2;

	ASSERT_EQ(0, tx_csum(NS1, P1, offload));
	ASSERT_EQ(0, tx_csum(NS2, P2, offload));
	errs1 = csum_errors(NS1);
	errs2 = csum_errors(NS2);
	ASSERT_LE(0, errs1);
	ASSERT_LE(0, errs2);

	/* Addresses only: every IPv4 packet, fragments too. */
	ASSERT_EQ(0, put_nat_pair(e, 0));
	EXPECT_EQ(0, ping(56, 1))
		TH_LOG("%s: address NAT: ping", how);
	EXPECT_EQ(0, ping(2000, 2))
		TH_LOG("%s: address NAT: fragmented ping", how);
	EXPECT_EQ(0, tcp_exchange(TCP_PORT, TCP_PORT))
		TH_LOG("%s: address NAT: TCP", how);
	EXPECT_EQ(0, udp_exchange(UDP_PORT, UDP_PORT, sizes,
				  ARRAY_SIZE(sizes)))
		TH_LOG("%s: address NAT: UDP", how);
	ASSERT_EQ(0, flush(e));

	/* Addresses and the TCP and UDP port: VIP:8080 is IP2:80. */
	ASSERT_EQ(0, put_nat_pair(e, IPPROTO_TCP));
	ASSERT_EQ(0, put_nat_pair(e, IPPROTO_UDP));
	EXPECT_EQ(0, tcp_exchange(VPORT, SPORT))
		TH_LOG("%s: port NAT: TCP", how);
	/* Not the fragmented one (first): later fragments have no port. */
	EXPECT_EQ(0, udp_exchange(VPORT, SPORT, sizes + 1,
				  ARRAY_SIZE(sizes) - 1))
		TH_LOG("%s: port NAT: UDP", how);
	ASSERT_EQ(0, flush(e));

	EXPECT_EQ(errs1, csum_errors(NS1))
		TH_LOG("%s: checksum errors in " NS1, how);
	EXPECT_EQ(errs2, csum_errors(NS2))
		TH_LOG("%s: checksum errors in " NS2, how);
}

TEST_F_TIMEOUT(rewrite, nat, 240)
{
	struct env *e = &self->e;
	long now[DP_N_OBJECTS];
	int i;

	nat_round(_metadata, e, true);
	nat_round(_metadata, e, false);
	EXPECT_EQ(0, dp_del(&e->c, DP));
	dpc_close(&e->c);
	e->c.s.fd = -1;
	if (variant->m != DP_KVIRT)
		return;
	EXPECT_TRUE(dp_objects_back(e->base, now, 3000));
	for (i = 0; i < DP_N_OBJECTS; i++)
		EXPECT_EQ(e->base[i], now[i])
			TH_LOG("object count %d of %s", i,
			       "datapaths, vports, flows, masks, actions");
}

TEST_HARNESS_MAIN
