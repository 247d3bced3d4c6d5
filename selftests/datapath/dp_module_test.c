// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: kvirt_dp.ko's life as a module: it registers OVS's four families
 * exactly as openvswitch.ko does, refuses to load (one clear message) while
 * openvswitch.ko holds them, and unloads cleanly even with datapaths,
 * ports and packets in flight, leaving no device behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ovs_cmd.h"

#define REFUSAL \
	"kvirt_dp: generic netlink family ovs_datapath is taken (openvswitch.ko loaded?)"

static bool same_family(const struct nlu_family *a, const struct nlu_family *b)
{
	int i;

	if (a->version != b->version || a->hdrsize != b->hdrsize ||
	    a->maxattr != b->maxattr || a->n_groups != b->n_groups)
		return false;
	for (i = 0; i < a->n_groups; i++)
		if (strcmp(a->group_names[i], b->group_names[i]))
			return false;
	return true;
}

static int families_on(enum dp_module m, struct ovs_families *f)
{
	struct nlu s;
	int err = dp_module_load(m) ?: nlu_open(&s);

	if (err)
		return err;
	err = ovs_resolve(&s, f);
	nlu_close(&s);
	return err;
}

/* Module loads take seconds in an emulated lab on a loaded host. */
FIXTURE(cycle) {
};

FIXTURE_SETUP(cycle)
{
}

FIXTURE_TEARDOWN(cycle)
{
}

TEST_F_TIMEOUT(cycle, families_as_openvswitch, 120)
{
	struct ovs_families ovs, kvirt;

	ASSERT_EQ(0, families_on(DP_OVS, &ovs));
	ASSERT_EQ(0, families_on(DP_KVIRT, &kvirt));
	EXPECT_TRUE(same_family(&ovs.dp, &kvirt.dp));
	EXPECT_TRUE(same_family(&ovs.vport, &kvirt.vport));
	EXPECT_TRUE(same_family(&ovs.flow, &kvirt.flow));
	EXPECT_TRUE(same_family(&ovs.packet, &kvirt.packet));
	EXPECT_EQ(OVS_DATAPATH_VERSION, kvirt.dp.version);
	EXPECT_EQ(OVS_DP_ATTR_MAX, kvirt.dp.maxattr);
	EXPECT_EQ(sizeof(struct ovs_header), kvirt.dp.hdrsize);
	EXPECT_EQ(OVS_VPORT_ATTR_MAX, kvirt.vport.maxattr);
	EXPECT_NE(0, nlu_group(&kvirt.dp, OVS_DATAPATH_MCGROUP));
	EXPECT_NE(0, nlu_group(&kvirt.vport, OVS_VPORT_MCGROUP));
	EXPECT_NE(0, nlu_group(&kvirt.flow, OVS_FLOW_MCGROUP));
	EXPECT_EQ(0, kvirt.packet.n_groups);
}

/* finit_module() of kvirt_dp.ko as it is: 0 or -errno. */
static int insmod_kvirt_dp(void)
{
	int fd = open(getenv("KVIRT_DP_KO") ?: "", O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return r;
}

TEST_F_TIMEOUT(cycle, refused_while_openvswitch_loaded, 120)
{
	struct ovs_families f;
	struct nlu s;

	ASSERT_EQ(0, dp_module_unload(DP_KVIRT));
	ASSERT_EQ(0, run("modprobe openvswitch && dmesg -c >/dev/null"));
	EXPECT_EQ(-EEXIST, insmod_kvirt_dp());
	EXPECT_FALSE(module_loaded("kvirt_dp"));
	EXPECT_EQ(0, run("dmesg | grep -qF '%s'", REFUSAL));
	/* openvswitch.ko kept its families and still works. */
	ASSERT_EQ(0, nlu_open(&s));
	EXPECT_EQ(0, ovs_resolve(&s, &f));
	nlu_close(&s);
	EXPECT_EQ(0, dp_module_unload(DP_OVS));
	EXPECT_EQ(0, insmod_kvirt_dp());
	/*
	 * And the reverse: openvswitch.ko cannot load over kvirt_dp (its
	 * EEXIST is one modprobe reports as success) and kvirt_dp stays.
	 */
	run("modprobe openvswitch 2>/dev/null");
	EXPECT_FALSE(module_loaded("openvswitch"));
	ASSERT_EQ(0, nlu_open(&s));
	EXPECT_EQ(0, ovs_resolve(&s, &f));
	nlu_close(&s);
}

TEST_F_TIMEOUT(cycle, load_unload_10_times, 120)
{
	int i;

	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, dp_module_load(DP_KVIRT)) TH_LOG("load %d", i);
		ASSERT_EQ(0, dp_module_unload(DP_KVIRT)) TH_LOG("unload %d", i);
	}
}

/* A child that sends frames on @dev until killed. */
static pid_t start_traffic(const char *dev)
{
	static const unsigned char frame[60] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0,
		0, 46, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0x04, 0xd2, 0x16, 0x2e, 0, 26,
	};
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = ifindex_of(dev),
		.sll_halen = 6,
	};
	pid_t pid = fork();
	int fd;

	if (pid)
		return pid;
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	for (;;)
		sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll,
		       sizeof(sll));
}

static void stop_traffic(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static bool has_master(const char *dev)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/net/%s/master", dev);
	return lstat(path, &st) == 0;
}

FIXTURE(busy) {
	struct dpc c;
	struct nlu upcalls;	/* never read: it overflows, misses are lost */
	pid_t traffic[2];
};

/*
 * A datapath with an internal and a netdev port, both receiving frames
 * (the netdev from its veth peer, the internal one from the host) whose
 * misses go to this test's socket.
 */
FIXTURE_SETUP(busy)
{
	const uint32_t features = OVS_DP_F_UNALIGNED | OVS_DP_F_VPORT_PIDS;
	int d, small = 4096;

	ASSERT_EQ(0, dp_module_load(DP_KVIRT));
	ASSERT_EQ(0, run("set -e; modprobe veth; ip link del kvm0 2>/dev/null || :; "
			 "ip link add kvm0 type veth peer name kvm1; "
			 "ip link set kvm0 up; ip link set kvm1 up"));
	ASSERT_EQ(0, dpc_open(&self->c));
	ASSERT_EQ(0, nlu_open(&self->upcalls));
	ASSERT_EQ(0, setsockopt(self->upcalls.fd, SOL_SOCKET, SO_RCVBUF,
				&small, sizeof(small)));
	ASSERT_EQ(0, dp_new(&self->c, "kdpm", self->upcalls.portid, features,
			    NULL));
	d = ifindex_of("kdpm");
	ASSERT_EQ(0, vport_new(&self->c, d, "kvm0", OVS_VPORT_TYPE_NETDEV,
			       self->upcalls.portid, NULL));
	ASSERT_EQ(0, vport_new(&self->c, d, "kvmi0", OVS_VPORT_TYPE_INTERNAL,
			       self->upcalls.portid, NULL));
	ASSERT_EQ(0, run("ip link set kvmi0 up"));
	EXPECT_TRUE(has_master("kvm0"));
	self->traffic[0] = start_traffic("kvm1");
	self->traffic[1] = start_traffic("kvmi0");
	usleep(500 * 1000);
}

FIXTURE_TEARDOWN(busy)
{
	stop_traffic(self->traffic[0]);
	stop_traffic(self->traffic[1]);
	if (module_loaded("kvirt_dp"))
		dp_del(&self->c, "kdpm");
	dpc_close(&self->c);
	nlu_close(&self->upcalls);
	run("ip link del kvm0 2>/dev/null");
}

TEST_F_TIMEOUT(busy, unload_with_ports_and_traffic, 120)
{
	struct ovs_dp_stats st;
	struct nlu_msg rep;

	ASSERT_EQ(0, dp_get(&self->c, "kdpm", 0, &rep));
	memcpy(&st, nlu_data(reply_attr(&rep, OVS_DP_ATTR_STATS)), sizeof(st));
	EXPECT_LT(0, st.n_missed);
	/* Nobody reads the upcall socket: once full, misses are lost. */
	EXPECT_LT(0, st.n_lost);
	EXPECT_EQ(0, dp_module_unload(DP_KVIRT));
	EXPECT_FALSE(module_loaded("kvirt_dp"));
	EXPECT_EQ(0, ifindex_of("kdpm"));
	EXPECT_EQ(0, ifindex_of("kvmi0"));
	EXPECT_NE(0, ifindex_of("kvm0"));
	EXPECT_FALSE(has_master("kvm0"));
	/* Everything can be made again, under the same names. */
	ASSERT_EQ(0, dp_module_load(DP_KVIRT));
	dpc_close(&self->c);
	ASSERT_EQ(0, dpc_open(&self->c));
	EXPECT_EQ(0, dp_new(&self->c, "kdpm", 0, NO_FEATURES, NULL));
	EXPECT_EQ(0, vport_new(&self->c, ifindex_of("kdpm"), "kvm0",
			       OVS_VPORT_TYPE_NETDEV, 0, NULL));
	EXPECT_EQ(0, dp_del(&self->c, "kdpm"));
}

TEST_F_TIMEOUT(busy, delete_ports_and_datapath_under_traffic, 120)
{
	EXPECT_EQ(0, vport_del(&self->c, "kvm0"));
	EXPECT_FALSE(has_master("kvm0"));
	EXPECT_EQ(0, vport_del(&self->c, "kvmi0"));
	EXPECT_EQ(0, ifindex_of("kvmi0"));
	EXPECT_EQ(0, vport_new(&self->c, ifindex_of("kdpm"), "kvm0",
			       OVS_VPORT_TYPE_NETDEV, self->upcalls.portid, NULL));
	usleep(200 * 1000);
	EXPECT_EQ(0, dp_del(&self->c, "kdpm"));
	EXPECT_EQ(0, ifindex_of("kdpm"));
	EXPECT_FALSE(has_master("kvm0"));
	EXPECT_EQ(0, dp_module_unload(DP_KVIRT));
}

TEST_HARNESS_MAIN
