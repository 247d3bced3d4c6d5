// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the point of kvirt_dp is that the real ovs-vswitchd runs on it
 * unmodified. This test starts ovsdb-server and ovs-vswitchd 3.1 as a
 * user would, builds a bridge between two network namespaces and checks
 * what a user sees: ping and TCP pass, an OpenFlow drop rule blocks TCP
 * (and only TCP) until it is deleted, ovs-dpctl shows the megaflows, and
 * deleting the bridge removes the datapath without leaking objects. The
 * same body runs on openvswitch.ko, the reference: a step that fails only
 * on kvirt_dp is kvirt_dp's bug. A failed step prints ovs-vswitchd.log.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ovs_cmd.h"

#define BR "kovbr"
#define NS1 "kovns1"
#define NS2 "kovns2"
#define V1 "kovv1"		/* root namespace ends, the bridge's ports */
#define V2 "kovv2"
#define P1 "kovp1"		/* their peers, in NS1 and NS2 */
#define P2 "kovp2"
#define IP1 "10.77.0.1"
#define IP2 "10.77.0.2"
#define TCP_PORT "5201"
#define SCHEMA "/usr/share/openvswitch/vswitch.ovsschema"

/* Run a shell command built from @fmt; its exit status, -1 if killed. */
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run @cmd; its output (stdout and stderr) into @out; its exit status. */
static int capture(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n;
	int st;

	out[0] = 0;
	if (!p)
		return -1;
	n = fread(out, 1, size - 1, p);
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run @cmd every 200 ms until it succeeds, for up to @secs seconds. */
static int poll_ok(int secs, const char *cmd)
{
	int i;

	for (i = 0; i < secs * 5; i++) {
		if (!sh("%s", cmd))
			return 0;
		usleep(200 * 1000);
	}
	return -1;
}

FIXTURE(ovs) {
	char dir[64];
	char out[16384];
	long base[DP_N_OBJECTS];
	time_t start;
	bool shown;
};

FIXTURE_VARIANT(ovs) {
	enum dp_module m;
};

FIXTURE_VARIANT_ADD(ovs, kvirt_dp) {
	.m = DP_KVIRT,
};

FIXTURE_VARIANT_ADD(ovs, openvswitch) {
	.m = DP_OVS,
};

/* The last @max lines of @dir/@name as TAP comments. */
static void show_file(const char *dir, const char *name, int max)
{
	char path[128], line[512];
	long pos[200] = {};
	int n = 0, i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "# no %s\n", path);
		return;
	}
	for (;;) {
		pos[n++ % max] = ftell(f);
		if (!fgets(line, sizeof(line), f))
			break;
	}
	n--;
	fseek(f, n > max ? pos[n % max] : 0, SEEK_SET);
	fprintf(stderr, "# ---- %s (last %d lines) ----\n", path,
		n > max ? max : n);
	for (i = 0; i < max && fgets(line, sizeof(line), f); i++)
		fprintf(stderr, "# %s%s", line, strchr(line, '\n') ? "" : "\n");
	fclose(f);
}

/* What the OVS programs said, to diagnose a failure; once per test. */
static void show_logs(const char *dir, bool *shown)
{
	if (*shown)
		return;
	*shown = true;
	show_file(dir, "commands.log", 40);
	show_file(dir, "ovs-vswitchd.log", 150);
}

/*
 * A step of a test body that must pass: on failure the logs go to the
 * TAP output; on success its time since the start does.
 */
#define STEP(what, expr) do {						\
	const char *what_ = (what);					\
									\
	ASSERT_EQ(0, (expr)) {						\
		TH_LOG("step failed: %s", what_);			\
		show_logs(self->dir, &self->shown);			\
	}								\
	fprintf(stderr, "# %3lds: %s\n",				\
		(long)(time(NULL) - self->start), what_);		\
} while (0)

/* Two namespaces, each with a veth whose other end stays here. */
static int make_topology(void)
{
	int i, err = sh("modprobe veth");

	for (i = 1; i <= 2 && !err; i++)
		err = sh("ip netns add kovns%d", i) ?:
		      sh("ip netns exec kovns%d sysctl -qw %s %s", i,
			 "net.ipv6.conf.all.disable_ipv6=1",
			 "net.ipv6.conf.default.disable_ipv6=1") ?:
		      sh("ip link add kovv%d type veth peer name kovp%d netns kovns%d",
			 i, i, i) ?:
		      sh("sysctl -qw net.ipv6.conf.kovv%d.disable_ipv6=1", i) ?:
		      sh("ip link set kovv%d up", i) ?:
		      sh("ip -n kovns%d addr add 10.77.0.%d/24 dev kovp%d", i, i, i) ?:
		      sh("ip -n kovns%d link set kovp%d up", i, i) ?:
		      sh("ip -n kovns%d link set lo up", i);
	return err;
}

static void remove_topology(void)
{
	sh("for i in 1 2; do ip link del kovv$i; ip netns del kovns$i; "
	   "done 2>/dev/null");
}

/* Where the OVS programs' own output goes ($OVS_RUNDIR is the test's). */
#define LOG " >>$OVS_RUNDIR/commands.log 2>&1"

/* ovsdb-server with a fresh database, then ovs-vswitchd, in self->dir. */
static int start_daemons(const char *dir)
{
	return sh("cd %s && ovsdb-tool create conf.db %s" LOG, dir, SCHEMA) ?:
	       sh("ovsdb-server %s/conf.db --remote=punix:%s/db.sock %s" LOG, dir,
		  dir, "--pidfile --detach --log-file --no-chdir") ?:
	       sh("ovs-vsctl --timeout=60 --no-wait init" LOG) ?:
	       sh("ovs-vswitchd %s" LOG,
		  "--pidfile --detach --log-file --no-chdir -vconsole:off");
}

/* Stop a daemon politely, then by force; wait until it is gone. */
static void stop_daemon(const char *dir, const char *name, const char *how)
{
	char path[128];
	FILE *f;
	int pid = 0, i;

	snprintf(path, sizeof(path), "%s/%s.pid", dir, name);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 0)
		return;
	sh("timeout 30 ovs-appctl -t %s %s" LOG, name, how);
	for (i = 0; i < 50 && !kill(pid, 0); i++)
		usleep(200 * 1000);
	if (!kill(pid, 0)) {
		kill(pid, SIGKILL);
		for (i = 0; i < 50 && !kill(pid, 0); i++)
			usleep(100 * 1000);
	}
}

static void set_env(const char *dir)
{
	setenv("OVS_RUNDIR", dir, 1);
	setenv("OVS_LOGDIR", dir, 1);
	setenv("OVS_DBDIR", dir, 1);
	setenv("OVS_SYSCONFDIR", dir, 1);
}

FIXTURE_SETUP(ovs)
{
	self->start = time(NULL);
	snprintf(self->dir, sizeof(self->dir), "/tmp/kvirt-ovs.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	set_env(self->dir);
	remove_topology();
	ASSERT_EQ(0, dp_module_load(variant->m));
	if (variant->m == DP_KVIRT)
		ASSERT_EQ(0, dp_objects(self->base));
	ASSERT_EQ(0, make_topology());
}

FIXTURE_TEARDOWN(ovs)
{
	if (!_metadata->passed)
		show_logs(self->dir, &self->shown);
	sh("timeout 60 ovs-vsctl --timeout=30 --if-exists del-br " BR LOG);
	stop_daemon(self->dir, "ovs-vswitchd", "exit --cleanup");
	stop_daemon(self->dir, "ovsdb-server", "exit");
	sh("kill $(cat %s/iperf3.pid) 2>/dev/null", self->dir);
	remove_topology();
	sh("ovs-dpctl del-dp ovs-system 2>/dev/null");
	if (variant->m == DP_OVS)
		EXPECT_EQ(0, dp_module_unload(DP_OVS));
	sh("rm -rf %s", self->dir);
}

#define PING "ip netns exec " NS1 " ping -q -c 1 -W 2 " IP2 " >/dev/null"
#define TCP_CLIENT "ip netns exec " NS1 " timeout 30 iperf3 -c " IP2 \
	" -p " TCP_PORT " -t 1 --connect-timeout 3000 >/dev/null 2>&1"

/* The kernel's megaflows as ovs-dpctl prints them; 0 if it worked. */
static int dump_flows(char *out, size_t size)
{
	return capture("ovs-dpctl dump-flows 2>&1", out, size);
}

/* What ovs-vswitchd thinks of its megaflows, when they are not there. */
static void show_upcalls(void)
{
	char out[4096], *line, *save;

	capture("timeout 30 ovs-appctl upcall/show 2>&1", out, sizeof(out));
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		fprintf(stderr, "# upcall/show: %s\n", line);
}

TEST_F_TIMEOUT(ovs, bridge_ping_tcp_openflow, 600)
{
	long now[DP_N_OBJECTS] = { 0 };
	int i;

	STEP("start ovsdb-server and ovs-vswitchd",
	     start_daemons(self->dir));
	STEP("add the bridge and both ports",
	     sh("timeout 150 ovs-vsctl --timeout=120 -- add-br %s %s%s%s%s" LOG,
		BR, "-- set bridge " BR " datapath_type=system ",
		"-- add-port " BR " " V1 " ", "-- add-port " BR " " V2 " ",
		"-- set Open_vSwitch . other_config:max-idle=60000"));
	STEP("datapath ovs-system has both ports",
	     poll_ok(60, "ovs-dpctl show 2>/dev/null | grep -q ': " V2 "$'"));
	STEP("ovs-ofctl sees the bridge",
	     poll_ok(30, "ovs-ofctl show " BR " >/dev/null 2>&1"));

	/* The first pings are upcalls, executes and flow puts. */
	STEP("ping " NS1 " -> " NS2, poll_ok(60, PING));
	STEP("ping " NS2 " -> " NS1,
	     sh("ip netns exec " NS2 " ping -q -c 3 -i 0.2 -W 2 " IP1
		" >/dev/null"));
	STEP("ovs-dpctl dump-flows works",
	     dump_flows(self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "eth_type(0x0800)")) {
		TH_LOG("no IPv4 megaflow in:\n%s", self->out);
		show_upcalls();
	}
	EXPECT_NE(NULL, strstr(self->out, "actions:")) {
		TH_LOG("no megaflow in:\n%s", self->out);
		show_upcalls();
	}

	STEP("iperf3 server in " NS2,
	     sh("ip netns exec " NS2 " iperf3 -s -D -p " TCP_PORT " -B " IP2
		" -I %s/iperf3.pid --logfile %s/iperf3.log", self->dir,
		self->dir));
	/* The server needs a moment to listen: the first tries may fail. */
	for (i = 0; i < 20 && sh(TCP_CLIENT); i++)
		usleep(500 * 1000);
	STEP("TCP (iperf3 for a second) passes", sh(TCP_CLIENT));

	STEP("add an OpenFlow rule dropping TCP to " TCP_PORT,
	     sh("ovs-ofctl add-flow " BR " priority=100,tcp,tp_dst="
		TCP_PORT ",actions=drop" LOG));
	/* The TCP megaflow from before goes once the revalidators ran. */
	STEP("revalidators ran",
	     sh("timeout 30 ovs-appctl revalidator/wait" LOG));
	STEP("TCP is blocked", sh(TCP_CLIENT) ? 0 : -1);
	/* By a kernel drop megaflow, not by some other failure. */
	STEP("a drop megaflow for TCP to " TCP_PORT " counted the packets",
	     poll_ok(10, "ovs-dpctl dump-flows 2>/dev/null | grep 'dst=" TCP_PORT
		     "' | grep 'actions:drop' | grep -q 'packets:[1-9]'"));
	STEP("ovs-dpctl dump-flows works",
	     dump_flows(self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "dst=" TCP_PORT)) {
		TH_LOG("no TCP port megaflow in:\n%s", self->out);
		show_upcalls();
	}
	EXPECT_NE(NULL, strstr(self->out, "actions:drop")) {
		TH_LOG("no drop megaflow in:\n%s", self->out);
		show_upcalls();
	}
	STEP("ping still passes", poll_ok(10, PING));

	STEP("delete the rule",
	     sh("ovs-ofctl --strict del-flows " BR " priority=100,tcp,tp_dst="
		TCP_PORT LOG));
	STEP("TCP passes again", poll_ok(20, TCP_CLIENT));
	sh("kill $(cat %s/iperf3.pid) 2>/dev/null", self->dir);

	STEP("delete the bridge",
	     sh("timeout 150 ovs-vsctl --timeout=120 del-br " BR LOG));
	STEP("the datapath is gone",
	     poll_ok(30, "! ip link show ovs-system >/dev/null 2>&1"));
	stop_daemon(self->dir, "ovs-vswitchd", "exit --cleanup");
	stop_daemon(self->dir, "ovsdb-server", "exit");
	if (variant->m != DP_KVIRT)
		return;
	remove_topology();
	EXPECT_TRUE(dp_objects_back(self->base, now, 5000));
	for (i = 0; i < DP_N_OBJECTS; i++)
		EXPECT_EQ(self->base[i], now[i])
			TH_LOG("object count %d of %s", i,
			       "datapaths, vports, flows, masks, actions");
}

TEST_HARNESS_MAIN
