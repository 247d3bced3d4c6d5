// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: what ovs-vswitchd learns without asking: NEW, SET and DEL of vports
 * and datapaths on the multicast groups, a port whose device is deleted
 * or moved away underneath going away with a notification, the local
 * port's device that cannot be deleted or moved, and datapaths that live
 * in their own network namespace. Each test runs on kvirt_dp.ko and on
 * openvswitch.ko.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ovs_cmd.h"

#define DP "kdpv"

/*
 * Time limits are generous: under a loaded host, deleting a device in the
 * emulated lab can take many seconds.
 */

FIXTURE(vport) {
	struct dpc c;		/* makes the requests */
	struct nlu listener;	/* joined the ovs_vport group */
	int d;
};

FIXTURE_VARIANT(vport) {
	enum dp_module m;
};

FIXTURE_VARIANT_ADD(vport, kvirt_dp) {
	.m = DP_KVIRT,
};

FIXTURE_VARIANT_ADD(vport, openvswitch) {
	.m = DP_OVS,
};

FIXTURE_SETUP(vport)
{
	ASSERT_EQ(0, dp_module_load(variant->m));
	ASSERT_EQ(0, run("modprobe veth; ip link del kvn0 2>/dev/null; "
			 "ip netns del kvdpns 2>/dev/null; "
			 "ip link add kvn0 type veth peer name kvn1"));
	ASSERT_EQ(0, dpc_open(&self->c));
	/* What a test killed by its time limit left behind. */
	dp_del(&self->c, DP);
	dp_del(&self->c, "kdpv2");
	ASSERT_EQ(0, nlu_open(&self->listener));
	ASSERT_EQ(0, nlu_join(&self->listener,
			      nlu_group(&self->c.f.vport, OVS_VPORT_MCGROUP)));
	ASSERT_EQ(0, dp_new(&self->c, DP, 0, NO_FEATURES, NULL));
	self->d = ifindex_of(DP);
}

FIXTURE_TEARDOWN(vport)
{
	dp_del(&self->c, DP);
	dpc_close(&self->c);
	nlu_close(&self->listener);
	run("ip link del kvn0 2>/dev/null; ip netns del kvdpns 2>/dev/null");
	if (variant->m == DP_OVS)
		EXPECT_EQ(0, dp_module_unload(DP_OVS));
}

/* The next vport notification: its command, with its name in @name. */
static int next_note(struct nlu *s, char *name)
{
	static struct nlu_msg m;
	const struct nlattr *a;
	int err = nlu_recv_timeout(s, &m, 5000);

	if (err)
		return err;
	a = reply_attr(&m, OVS_VPORT_ATTR_NAME);
	snprintf(name, IFNAMSIZ, "%s", a ? (const char *)nlu_data(a) : "");
	return nlu_cmd(&m);
}

TEST_F_TIMEOUT(vport, notifications, 120)
{
	struct nlu_msg req;
	char name[IFNAMSIZ];

	ASSERT_EQ(0, vport_new(&self->c, self->d, "kvp0",
			       OVS_VPORT_TYPE_INTERNAL, 0, NULL));
	EXPECT_EQ(OVS_VPORT_CMD_NEW, next_note(&self->listener, name));
	EXPECT_STREQ("kvp0", name);
	nlu_init(&req, self->c.f.vport.id, 0, OVS_VPORT_CMD_SET,
		 OVS_VPORT_VERSION, 0);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, "kvp0");
	nlu_put_u32(&req, OVS_VPORT_ATTR_UPCALL_PID, 3);
	ASSERT_EQ(0, nlu_request(&self->c.s, &req, NULL));
	EXPECT_EQ(OVS_VPORT_CMD_SET, next_note(&self->listener, name));
	EXPECT_STREQ("kvp0", name);
	ASSERT_EQ(0, vport_del(&self->c, "kvp0"));
	EXPECT_EQ(OVS_VPORT_CMD_DEL, next_note(&self->listener, name));
	EXPECT_STREQ("kvp0", name);
	/* A failed request says nothing. */
	EXPECT_EQ(-ENODEV, vport_del(&self->c, "kvp0"));
	EXPECT_EQ(-ETIMEDOUT, next_note(&self->listener, name));
}

TEST_F_TIMEOUT(vport, datapath_notifications, 120)
{
	struct nlu dps;
	char name[IFNAMSIZ];

	ASSERT_EQ(0, nlu_open(&dps));
	ASSERT_EQ(0, nlu_join(&dps, nlu_group(&self->c.f.dp,
					      OVS_DATAPATH_MCGROUP)));
	ASSERT_EQ(0, dp_new(&self->c, "kdpv2", 0, NO_FEATURES, NULL));
	EXPECT_EQ(OVS_DP_CMD_NEW, next_note(&dps, name));
	ASSERT_EQ(0, dp_del(&self->c, "kdpv2"));
	EXPECT_EQ(OVS_DP_CMD_DEL, next_note(&dps, name));
	nlu_close(&dps);
}

TEST_F_TIMEOUT(vport, device_deleted_underneath, 120)
{
	char name[IFNAMSIZ];
	struct nlu_msg rep;

	ASSERT_EQ(0, vport_new(&self->c, self->d, "kvn0",
			       OVS_VPORT_TYPE_NETDEV, 0, NULL));
	EXPECT_EQ(OVS_VPORT_CMD_NEW, next_note(&self->listener, name));
	ASSERT_EQ(0, run("ip link del kvn0"));
	EXPECT_EQ(OVS_VPORT_CMD_DEL, next_note(&self->listener, name));
	EXPECT_STREQ("kvn0", name);
	EXPECT_EQ(-ENODEV, vport_get(&self->c, 0, "kvn0", NULL));
	EXPECT_EQ(0, dp_get(&self->c, DP, 0, &rep));
	/* The number is free again. */
	EXPECT_EQ(0, vport_new(&self->c, self->d, "kvp1",
			       OVS_VPORT_TYPE_INTERNAL, 0, &rep));
	EXPECT_EQ(1, reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO));
}

TEST_F_TIMEOUT(vport, device_moved_to_another_netns, 120)
{
	char name[IFNAMSIZ];

	ASSERT_EQ(0, vport_new(&self->c, self->d, "kvn0",
			       OVS_VPORT_TYPE_NETDEV, 0, NULL));
	EXPECT_EQ(OVS_VPORT_CMD_NEW, next_note(&self->listener, name));
	ASSERT_EQ(0, run("ip netns add kvdpns && ip link set kvn0 netns kvdpns"));
	EXPECT_EQ(OVS_VPORT_CMD_DEL, next_note(&self->listener, name));
	EXPECT_STREQ("kvn0", name);
	EXPECT_EQ(-ENODEV, vport_get(&self->c, 0, "kvn0", NULL));
}

TEST_F_TIMEOUT(vport, local_port_device_stays, 120)
{
	EXPECT_NE(0, run("ip link del " DP " 2>/dev/null"));
	ASSERT_EQ(0, run("ip netns add kvdpns"));
	EXPECT_NE(0, run("ip link set " DP " netns kvdpns 2>/dev/null"));
	EXPECT_NE(0, ifindex_of(DP));
	EXPECT_EQ(0, dp_get(&self->c, DP, 0, NULL));
}

/*
 * A datapath made in a child's own netns is invisible outside it, and
 * goes with the netns.
 */
TEST_F_TIMEOUT(vport, datapath_per_netns, 120)
{
	int ready[2], done[2], status;
	struct nlu_msg req;
	char c = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct dpc in;

		if (unshare(CLONE_NEWNET) || dpc_open(&in) ||
		    dp_new(&in, "kdpns", 0, NO_FEATURES, NULL) ||
		    vport_new(&in, ifindex_of("kdpns"), "kvpns",
			      OVS_VPORT_TYPE_INTERNAL, 0, NULL) ||
		    dp_get(&in, DP, 0, NULL) != -ENODEV)
			_exit(1);
		write(ready[1], &c, 1);
		read(done[0], &c, 1);
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	EXPECT_EQ(-ENODEV, dp_get(&self->c, "kdpns", 0, NULL));
	EXPECT_EQ(-ENODEV, vport_get(&self->c, 0, "kvpns", NULL));
	EXPECT_EQ(0, ifindex_of("kdpns"));
	nlu_init(&req, self->c.f.dp.id, 0, OVS_DP_CMD_GET,
		 OVS_DATAPATH_VERSION, 0);
	EXPECT_EQ(1, nlu_dump(&self->c.s, &req, NULL, NULL));
	write(done[1], &c, 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	/* The netns is torn down asynchronously; then its dp is gone. */
	sleep(1);
	EXPECT_EQ(0, dp_get(&self->c, DP, 0, NULL));
}

TEST_HARNESS_MAIN
