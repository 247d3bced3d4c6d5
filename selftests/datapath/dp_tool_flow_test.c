// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: "kvirt dp" claims ovs-dpctl's flow syntax, so ovs-dpctl is the
 * judge: flows of every key and action kind installed by "kvirt dp
 * add-flow" must dump (by ovs-dpctl) exactly as the same strings installed
 * by ovs-dpctl, "kvirt dp dump-flows" must print what ovs-dpctl prints,
 * a flow the datapath refuses must be refused alike by both tools, and bad
 * input must fail with a clear message. It runs on openvswitch.ko and on
 * kvirt_dp.ko, from the lab's payload folder (./kvirt).
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ovs_cmd.h"

#define DP "kdfl"
#define OBJECTS "/sys/kernel/debug/kvirt_dp/objects"
#define OUTSZ 65536
#define UFID "11111111-2222-3333-4444-555555555555"
#define MOD_KEY "in_port(1),eth(src=00:01:02:03:04:07)"
#define DROPPED MOD_KEY ",eth_type(0/0x0000), packets:0, bytes:0, used:never, actions:drop\n"

/* IPv4 over Ethernet from port 1, told apart by the source address. */
#define IP4(src) "in_port(1),eth(),eth_type(0x0800),ipv4(src=" src ")"

/*
 * A flow for add-flow; @refused: openvswitch.ko refuses it (EINVAL), so
 * kvirt_dp must too; @kvirt_lacks: kvirt_dp refuses it because it lacks
 * the feature named (documented in kmod/kvirt_dp). Any other refusal, on
 * either module, fails.
 */
struct flow_case {
	const char *key, *actions;
	bool refused;
	const char *kvirt_lacks;
};

static const struct flow_case flows[] = {
	{
		"in_port(1),eth(src=00:01:02:03:04:05/ff:ff:ff:00:00:00,dst=0a:0b:0c:0d:0e:0f),eth_type(0x0800),ipv4(src=10.0.0.0/255.255.255.0,dst=10.0.0.2,proto=17,tos=0/0xfc,ttl=64,frag=no),udp(src=53,dst=1024/0xff00)",
		"2,1"
	},
	{
		"in_port(2),eth(),eth_type(0x86dd),ipv6(src=2001:db8::1,dst=2001:db8::/ffff:ffff::,label=0x12345,proto=58,tclass=0,hlimit=255,frag=no),icmpv6(type=135,code=0),nd(target=2001:db8::2,sll=00:11:22:33:44:55,tll=00:00:00:00:00:00)",
		"1"
	},
	{
		"in_port(2),eth(),eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.2,op=1,sha=00:01:02:03:04:05,tha=00:00:00:00:00:00)",
		"1"
	},
	{
		"in_port(1),eth(),eth_type(0x0800),ipv4(proto=1,frag=no),icmp(type=8,code=0)",
		"userspace(pid=1234)"
	},
	{
		"in_port(1),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(),tcp_flags(0x002/0x012)",
		"2"
	},
	{
		"in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.40,proto=6,frag=no),tcp(src=80/0xfff0),tcp_flags(0/0)",
		"set(tcp(src=99)),2"
	},
	{
		"in_port(1),eth(),eth_type(0x0800),ipv4(proto=17,frag=no),udp(dst=4789)",
		"set(udp(src=3,dst=4)),2"
	},
	{
		"in_port(1),eth(),eth_type(0x0800),ipv4(proto=132,frag=no),sctp(src=1,dst=2)",
		"2"
	},
	{
		IP4("10.0.0.5"),
		"push_vlan(vid=10,pcp=3),2"
	},
	{
		IP4("10.0.0.6"),
		"push_vlan(tpid=0x88a8,vid=10,pcp=0),push_vlan(vid=20,pcp=1),2"
	},
	{
		IP4("10.0.0.7"),
		"sample(sample=50.0%,actions(2,userspace(pid=7))),1"
	},
	{
		IP4("10.0.0.8"),
		"clone(set(ipv4(ttl=1)),2),1"
	},
	{
		IP4("10.0.0.9"),
		"trunc(100),2"
	},
	{
		IP4("10.0.0.10"),
		"check_pkt_len(size=200,gt(2),le(1))"
	},
	{
		IP4("10.0.0.11"),
		"ct_clear,2", .kvirt_lacks = "conntrack (ct_clear)"
	},
	{
		IP4("10.0.0.12"),
		"userspace(pid=1,userdata(01020304)),2"
	},
	{
		IP4("10.0.0.13"),
		"userspace(pid=6,userdata(0102),tunnel_out_port=2),userspace(pid=7,userdata(),actions),2"
	},
	{
		IP4("10.0.0.14"),
		"set(skb_priority(0x3)),set(skb_mark(0x5)),2"
	},
	{
		IP4("10.0.0.15"),
		"set(tunnel(tun_id=0x5,src=1.1.1.1,dst=2.2.2.2,tos=0,ttl=64,tp_dst=4789,flags(df))),2"
	},
	{
		/* The value has bits outside its mask. */
		IP4("10.0.0.16"),
		"set(ipv4(src=10.1.1.1/255.255.0.0)),2", .refused = true
	},
	{
		IP4("10.0.0.17"),
		"set(eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02)),2"
	},
	{
		IP4("10.0.0.18"),
		"meter(1),2", .kvirt_lacks = "meters"
	},
	{
		IP4("10.0.0.20"),
		"pop_vlan,2"
	},
	{
		"skb_priority(0x5),skb_mark(0x7/0xff),recirc_id(3),dp_hash(0x10/0xff),in_port(2),eth(),eth_type(0x0800),ipv4(frag=no)",
		"recirc(4)"
	},
	{
		"ct_state(+trk),ct_zone(1),ct_mark(0x1),in_port(2),eth(),eth_type(0x0800),ipv4(frag=no)",
		"ct(commit,zone=1),1", .kvirt_lacks = "conntrack (ct, ct_* keys)"
	},
	{
		"in_port(1),eth(dst=01:00:00:00:00:00/01:00:00:00:00:00)",
		"2"
	},
	{
		"in_port(1),eth(src=00:01:02:03:04:06)",
		"2"
	},
	{
		"in_port(1),eth_type(0x1234)",
		"2", .kvirt_lacks = "layer 3 flows (push/pop_eth)"
	},
	{
		"in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=136,code=0),nd(target=::1/ffff::,tll=00:01:02:03:04:05)",
		"2"
	},
	{
		"in_port(1),eth(),eth_type(0x86dd),ipv6(frag=first)",
		"2"
	},
	{
		"in_port(1),eth(),eth_type(0x0806),arp(op=2)",
		"2"
	},
	{
		"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)",
		"2"
	},
	{
		"in_port(2),eth(),eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),ipv4(frag=no))",
		"pop_vlan,1"
	},
	{
		"in_port(2),eth(),eth_type(0x88a8),vlan(vid=20,pcp=0),encap(eth_type(0x8100),vlan(vid=30),encap(eth_type(0x0800),ipv4(frag=no)))",
		"pop_vlan,pop_vlan,1"
	},
	{
		"tunnel(tun_id=0x5,src=1.1.1.1,dst=2.2.2.2,ttl=64,flags(-df+csum+key)),in_port(3),eth(),eth_type(0x0800),ipv4(frag=no)",
		"1"
	},
};

#define N_FLOWS ARRAY_SIZE(flows)

/* Run a shell command; its output (stdout and stderr) in @out. */
static int capture(char *out, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	size_t n;
	FILE *p;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, OUTSZ - 1, p);
	out[n] = 0;
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int by_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* @s's lines sorted, joined again, in @out. */
static void sort_lines(const char *s, char *out)
{
	static char *lines[1024];
	static char copy[OUTSZ];
	int n = 0, i;
	char *p;

	snprintf(copy, sizeof(copy), "%s", s);
	for (p = strtok(copy, "\n"); p && n < 1024; p = strtok(NULL, "\n"))
		lines[n++] = p;
	qsort(lines, n, sizeof(lines[0]), by_line);
	out[0] = 0;
	for (i = 0; i < n; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
	}
}

/* One 60-byte frame from MOD_KEY's source address into port 1 (kdf0). */
static int send_mod_frame(void)
{
	static const uint8_t f[60] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x00, 0x01, 0x02, 0x03, 0x04, 0x07, 0x88, 0xb5,
	};
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = ifindex_of("kdf1"),
		.sll_halen = 6,
	};
	ssize_t n;
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, f, sizeof(f), 0, (struct sockaddr *)&sll, sizeof(sll));
	close(fd);
	return n == sizeof(f) ? 0 : -EIO;
}

/* Live kvirt_dp objects, summed over the kinds; -1 if unreadable. */
static long objects(void)
{
	FILE *f = fopen(OBJECTS, "r");
	char name[32];
	long n, sum = 0;

	if (!f)
		return -1;
	while (fscanf(f, "%31s %ld", name, &n) == 2)
		sum += n;
	fclose(f);
	return sum;
}

FIXTURE(flow) {
	char out[OUTSZ], ovs[OUTSZ], kv[OUTSZ], a[OUTSZ], b[OUTSZ];
	bool refused[N_FLOWS];
	long base;
};

FIXTURE_VARIANT(flow) {
	enum dp_module mod;
};

FIXTURE_VARIANT_ADD(flow, ovs) {
	.mod = DP_OVS,
};

FIXTURE_VARIANT_ADD(flow, kvirt) {
	.mod = DP_KVIRT,
};

FIXTURE_SETUP(flow)
{
	run("mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug");
	ASSERT_EQ(0, dp_module_load(variant->mod));
	self->base = variant->mod == DP_KVIRT ? objects() : -1;
	if (variant->mod == DP_KVIRT)
		ASSERT_LE(0, self->base) TH_LOG("no " OBJECTS);
	ASSERT_EQ(0, run("modprobe veth; ip link del kdf0 2>/dev/null; "
			 "ip link del kdf2 2>/dev/null; "
			 "ip link add kdf0 type veth peer name kdf1"));
	ASSERT_EQ(0, run("ip link add kdf2 type veth peer name kdf3"));
	/* Up for a frame of modify_delete_get's; no IPv6: no stray frames. */
	ASSERT_EQ(0, run("set -e; sysctl -qw net.ipv6.conf.kdf0.disable_ipv6=1; "
			 "sysctl -qw net.ipv6.conf.kdf1.disable_ipv6=1; "
			 "ip link set kdf0 up; ip link set kdf1 up"));
	ASSERT_EQ(0, run("./kvirt dp add-dp " DP " && ./kvirt dp add-if " DP
			 " kdf0 && ./kvirt dp add-if " DP " kdf2"));
}

FIXTURE_TEARDOWN(flow)
{
	run("./kvirt dp del-dp " DP " 2>/dev/null; ip link del kdf0 2>/dev/null;"
	    " ip link del kdf2 2>/dev/null");
}

/*
 * Every flow through "kvirt dp add-flow"; the ones the datapath takes
 * through "ovs-dpctl add-flows" too: both tables must dump alike, and
 * "kvirt dp dump-flows" must print what "ovs-dpctl dump-flows" prints.
 */
TEST_F_TIMEOUT(flow, same_as_ovs_dpctl, 600)
{
	FILE *f = fopen("/tmp/kdfl.flows", "w");
	int taken = 0, expected = 0, r;
	bool refuse;
	size_t i;

	ASSERT_NE(NULL, f);
	for (i = 0; i < N_FLOWS; i++) {
		refuse = flows[i].refused ||
			 (variant->mod == DP_KVIRT && flows[i].kvirt_lacks);
		expected += !refuse;
		r = capture(self->out, "./kvirt dp add-flow " DP " '%s' '%s' 2>&1",
			    flows[i].key, flows[i].actions);
		self->refused[i] = r != 0;
		EXPECT_EQ(refuse, r != 0)
			TH_LOG("flow %zu %s %s: %s%s", i, flows[i].key,
			       flows[i].actions, refuse ? "not refused" : self->out,
			       flows[i].kvirt_lacks && !refuse ?
			       " (kvirt_dp is said to lack it)" : "");
		if (r) {
			/* Refused by the datapath, never by the parser. */
			EXPECT_EQ(1, r) TH_LOG("%s", self->out);
			EXPECT_NE(NULL, strstr(self->out, "Invalid argument"))
				TH_LOG("%s %s: %s", flows[i].key, flows[i].actions,
				       self->out);
			continue;
		}
		fprintf(f, "%s %s\n", flows[i].key, flows[i].actions);
		taken++;
	}
	fclose(f);
	TH_LOG("%s took %d of %zu flows",
	       variant->mod == DP_OVS ? "openvswitch" : "kvirt_dp", taken,
	       N_FLOWS);
	EXPECT_EQ(expected, taken);
	ASSERT_EQ(0, capture(self->kv, "./kvirt dp dump-flows " DP " 2>&1"));
	ASSERT_EQ(0, capture(self->ovs, "ovs-dpctl dump-flows system@" DP
			     " 2>/dev/null"));
	EXPECT_STREQ(self->ovs, self->kv);
	EXPECT_EQ(0, capture(self->out, "./kvirt dp dump-flows --json " DP
			     " | python3 -c 'import json,sys; "
			     "print(len(json.load(sys.stdin)[\"flows\"]))'"));
	EXPECT_EQ(taken, atoi(self->out)) TH_LOG("%s", self->out);

	/* Per-mask statistics: kvirt_dp's own family, so kvirt_dp's only. */
	if (variant->mod == DP_KVIRT) {
		EXPECT_EQ(0, capture(self->out, "./kvirt dp show-masks --json " DP
				     " | python3 -c 'import json,sys; d=json.load(sys.stdin); "
				     "print(sum(m[\"flows\"] for m in d[\"mask_list\"]))'"));
		EXPECT_EQ(taken, atoi(self->out)) TH_LOG("%s", self->out);
		EXPECT_EQ(0, capture(self->out, "./kvirt dp show-masks " DP " 2>&1"));
		EXPECT_NE(NULL, strstr(self->out, "masks-cache: size:256"))
			TH_LOG("%s", self->out);
	} else {
		EXPECT_NE(0, capture(self->out, "./kvirt dp show-masks " DP " 2>&1"));
	}

	/* The same strings installed by ovs-dpctl itself, in one go. */
	ASSERT_EQ(0, capture(self->out, "./kvirt dp del-flows " DP " 2>&1"));
	ASSERT_EQ(0, capture(self->out, "ovs-dpctl add-flows system@" DP
			     " /tmp/kdfl.flows 2>&1")) TH_LOG("%s", self->out);
	ASSERT_EQ(0, capture(self->out, "ovs-dpctl dump-flows system@" DP
			     " 2>/dev/null"));
	sort_lines(self->ovs, self->a);
	sort_lines(self->out, self->b);
	EXPECT_STREQ(self->b, self->a);
	ASSERT_EQ(0, capture(self->kv, "./kvirt dp dump-flows " DP " 2>&1"));
	EXPECT_STREQ(self->out, self->kv);

	/*
	 * What the datapath refused through "kvirt dp", it refuses through
	 * ovs-dpctl too: the tools encode the flow alike.
	 */
	for (i = 0; i < N_FLOWS; i++) {
		if (!self->refused[i])
			continue;
		EXPECT_NE(0, capture(self->out, "ovs-dpctl add-flow system@" DP
				     " '%s' '%s' 2>&1", flows[i].key,
				     flows[i].actions));
		EXPECT_NE(NULL, strstr(self->out, "Invalid argument"))
			TH_LOG("%s: %s", flows[i].key, self->out);
	}
	ASSERT_EQ(0, capture(self->out, "./kvirt dp del-flows " DP " 2>&1"));
	ASSERT_EQ(0, capture(self->out, "./kvirt dp dump-flows " DP " 2>&1"));
	EXPECT_STREQ("", self->out);
}

/* mod-flow, del-flow and get-flow, by key and by ufid; drop; stats. */
TEST_F_TIMEOUT(flow, modify_delete_get, 300)
{
	const char *key = MOD_KEY;
	const char *id = "ufid:" UFID;
	int r, tries;

	ASSERT_EQ(0, capture(self->out, "./kvirt dp add-flow " DP " '%s' 2 2>&1",
			     key));
	EXPECT_EQ(1, capture(self->out, "./kvirt dp add-flow " DP " '%s' 2 2>&1",
			     key));
	EXPECT_NE(NULL, strstr(self->out, "File exists")) TH_LOG("%s", self->out);
	/* One frame of its own counts on the flow; --clear zeroes that. */
	ASSERT_EQ(0, send_mod_frame());
	for (tries = 0; tries < 50; tries++) {
		ASSERT_EQ(0, capture(self->out, "./kvirt dp dump-flows " DP
				     " 2>&1"));
		if (strstr(self->out, "packets:1,"))
			break;
		usleep(100000);
	}
	EXPECT_NE(NULL, strstr(self->out, "packets:1, bytes:60,"))
		TH_LOG("%s", self->out);
	ASSERT_EQ(0, capture(self->out, "./kvirt dp mod-flow --clear " DP
			     " '%s' drop 2>&1", key)) TH_LOG("%s", self->out);
	ASSERT_EQ(0, capture(self->out, "ovs-dpctl dump-flows system@" DP " 2>/dev/null"));
	EXPECT_NE(NULL, strstr(self->out, DROPPED))
		TH_LOG("%s", self->out);
	ASSERT_EQ(0, capture(self->out, "./kvirt dp del-flow " DP " '%s' 2>&1",
			     key));

	/* ovs-dpctl 3.1 parses no hash(), but prints it. */
	r = capture(self->out, "./kvirt dp add-flow " DP " '%s' 'hash(l4(0)),recirc(5)' 2>&1",
		    key);
	ASSERT_EQ(0, r) TH_LOG("%s", self->out);
	ASSERT_EQ(0, capture(self->out, "ovs-dpctl dump-flows system@" DP " 2>/dev/null"));
	EXPECT_NE(NULL, strstr(self->out, "actions:hash(l4(0)),recirc(0x5)\n"))
		TH_LOG("%s", self->out);
	ASSERT_EQ(0, capture(self->out, "./kvirt dp del-flow " DP " '%s' 2>&1",
			     key));
	r = capture(self->out, "./kvirt dp del-flow " DP " '%s' 2>&1", key);
	EXPECT_EQ(1, r);
	EXPECT_NE(NULL, strstr(self->out, "No such file or directory"))
		TH_LOG("%s", self->out);
	r = capture(self->out, "./kvirt dp mod-flow " DP " '%s' 2 2>&1", key);
	EXPECT_EQ(1, r);
	EXPECT_NE(NULL, strstr(self->out, "No such file or directory"))
		TH_LOG("%s", self->out);

	/* By ufid. */
	ASSERT_EQ(0, capture(self->out, "./kvirt dp add-flow " DP " '%s,%s' '%s' 2>&1",
			     id, key, "push_vlan(vid=5,pcp=1),1"))
		TH_LOG("%s", self->out);
	ASSERT_EQ(0, capture(self->out, "./kvirt dp get-flow " DP " %s 2>&1",
			     id));
	EXPECT_NE(NULL, strstr(self->out, "ufid:" UFID ", " MOD_KEY ", packets:0"))
		TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "actions:push_vlan(vid=5,pcp=1),1"));
	ASSERT_EQ(0, capture(self->out, "./kvirt dp dump-flows --json " DP
			     " 2>&1"));
	EXPECT_NE(NULL, strstr(self->out, "\"ufid\": \"" UFID "\""))
		TH_LOG("%s", self->out);
	ASSERT_EQ(0, capture(self->out, "./kvirt dp del-flow " DP " %s 2>&1",
			     id));
	EXPECT_EQ(1, capture(self->out, "./kvirt dp get-flow " DP " %s 2>&1",
			     id));
	EXPECT_NE(NULL, strstr(self->out, "No such file or directory"))
		TH_LOG("%s", self->out);
}

/* Bad input: a clear message and a non-zero exit, nothing installed. */
TEST_F_TIMEOUT(flow, refusals, 300)
{
	static const char *const bad[][2] = {
		{ "in_port(1),foo(1)", "2" },
		{ "in_port(1),eth(src=00:01:02)", "2" },
		{ "in_port(1),ipv4(src=10.0.0.300)", "2" },
		{ "in_port(1),ipv4(frag=maybe)", "2" },
		{ "in_port(1),vlan(vid=5000)", "2" },
		{ "in_port(1),eth(", "2" },
		{ IP4("10.0.0.1"), "bogus" },
		{ IP4("10.0.0.1"), "2,set(ipv4(src=1.2.3.4)" },
		{ IP4("10.0.0.1"), "push_vlan(vid=4096,pcp=0)" },
		{ "ufid:1234,in_port(1)", "2" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(2, capture(self->out, "./kvirt dp add-flow " DP
				     " '%s' '%s' 2>&1", bad[i][0], bad[i][1]))
			TH_LOG("%s %s: %s", bad[i][0], bad[i][1], self->out);
		EXPECT_TRUE(strstr(self->out, "syntax error") ||
			    strstr(self->out, "bad ufid"))
			TH_LOG("%s", self->out);
	}
	EXPECT_EQ(1, capture(self->out, "./kvirt dp add-flow nosuchdp '%s' 2 2>&1",
			     IP4("10.0.0.1")));
	EXPECT_NE(NULL, strstr(self->out, "nosuchdp: No such device"))
		TH_LOG("%s", self->out);
	EXPECT_EQ(1, capture(self->out, "./kvirt dp dump-flows nosuchdp 2>&1"));
	EXPECT_EQ(2, capture(self->out, "./kvirt dp get-flow " DP " '%s' 2>&1",
			     IP4("10.0.0.1")));
	/* The datapath's errno (and extack, if it gives one) is printed. */
	EXPECT_EQ(1, capture(self->out, "./kvirt dp add-flow " DP
			     " 'in_port(1)' 2 2>&1"));
	EXPECT_NE(NULL, strstr(self->out, "kvirt dp: in_port(1): Invalid argument"))
		TH_LOG("%s", self->out);
	ASSERT_EQ(0, capture(self->out, "./kvirt dp dump-flows " DP " 2>&1"));
	EXPECT_STREQ("", self->out);
}

/* What the tests made is gone once they deleted it. */
TEST_F_TIMEOUT(flow, no_leak, 300)
{
	int tries, taken = 0, expected = 0;
	size_t i;

	for (i = 0; i < N_FLOWS; i++) {
		expected += !(flows[i].refused || (variant->mod == DP_KVIRT &&
						   flows[i].kvirt_lacks));
		taken += !run("./kvirt dp add-flow " DP " '%s' '%s' 2>/dev/null",
			      flows[i].key, flows[i].actions);
	}
	EXPECT_EQ(expected, taken);
	if (variant->mod == DP_KVIRT)
		EXPECT_LT(self->base, objects());
	ASSERT_EQ(0, run("./kvirt dp del-flows " DP));
	ASSERT_EQ(0, run("./kvirt dp del-dp " DP));
	if (variant->mod != DP_KVIRT)
		return;
	ASSERT_LE(0, self->base);
	for (tries = 0; tries < 30 && objects() != self->base; tries++)
		usleep(100000);
	EXPECT_EQ(self->base, objects());
}

TEST_HARNESS_MAIN
