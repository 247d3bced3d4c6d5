// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: "kvirt dp" is how a person drives kvirt_dp.ko: its commands must do
 * what they say, "show" (text and JSON) must list what the datapath
 * holds, and a refused command must exit non-zero with the kernel's
 * reason. It runs the payload's ./kvirt from the lab's payload folder.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ovs_cmd.h"

#define LOCAL "kdpt"
#define PORT1_JSON "{\"port_no\": 1, \"name\": \"kvt0\", \"type\": \"netdev\"}"

/* Run @cmd; its output (stdout and stderr) into @out; its exit status. */
static int capture(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n;
	int status;

	if (!p)
		return -1;
	n = fread(out, 1, size - 1, p);
	out[n] = 0;
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

FIXTURE(tool) {
	char out[8192];
};

FIXTURE_SETUP(tool)
{
	ASSERT_EQ(0, dp_module_load(DP_KVIRT));
	ASSERT_EQ(0, run("modprobe veth; ip link del kvt0 2>/dev/null; "
			 "ip link add kvt0 type veth peer name kvt1"));
}

FIXTURE_TEARDOWN(tool)
{
	run("./kvirt dp del-dp kdpt 2>/dev/null; ip link del kvt0 2>/dev/null");
}

TEST_F_TIMEOUT(tool, add_show_delete, 90)
{
	ASSERT_EQ(0, capture("./kvirt dp add-dp kdpt 2>&1", self->out,
			     sizeof(self->out)));
	ASSERT_EQ(0, capture("./kvirt dp add-if kdpt kvt0 2>&1", self->out,
			     sizeof(self->out)));
	ASSERT_EQ(0, capture("./kvirt dp add-if kdpt kvti0,type=internal 2>&1",
			     self->out, sizeof(self->out)));
	ASSERT_EQ(0, capture("./kvirt dp show 2>&1", self->out,
			     sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "kdpt:\n")) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "lookups: hit:0 missed:"));
	EXPECT_NE(NULL, strstr(self->out, "flows: 0\n"));
	EXPECT_NE(NULL, strstr(self->out, "port 0: kdpt (internal)\n"));
	EXPECT_NE(NULL, strstr(self->out, "port 1: kvt0\n"));
	EXPECT_NE(NULL, strstr(self->out, "port 2: kvti0 (internal)\n"));
	ASSERT_EQ(0, capture("./kvirt dp show --json kdpt 2>&1", self->out,
			     sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "\"name\": \"kdpt\"")) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, PORT1_JSON));
	EXPECT_EQ(0, run("./kvirt dp show --json >/tmp/kvdp.json"));
	EXPECT_EQ(0, run("python3 -c 'import json; json.load(open(\"%s\"))'",
			 "/tmp/kvdp.json"));
	ASSERT_EQ(0, capture("./kvirt dp del-if kdpt kvti0 2>&1", self->out,
			     sizeof(self->out)));
	EXPECT_EQ(0, ifindex_of("kvti0"));
	ASSERT_EQ(0, capture("./kvirt dp del-dp kdpt 2>&1", self->out,
			     sizeof(self->out)));
	EXPECT_EQ(0, ifindex_of("kdpt"));
}

TEST_F_TIMEOUT(tool, refusals_say_why, 90)
{
	ASSERT_EQ(0, capture("./kvirt dp add-dp kdpt 2>&1", self->out,
			     sizeof(self->out)));
	EXPECT_EQ(1, capture("./kvirt dp add-dp kdpt 2>&1", self->out,
			     sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "File exists")) TH_LOG("%s", self->out);
	EXPECT_EQ(1, capture("./kvirt dp add-if kdpt nosuch0 2>&1", self->out,
			     sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "No such device: kvirt_dp: no such device"))
		TH_LOG("%s", self->out);
	EXPECT_EQ(1, capture("./kvirt dp del-if kdpt " LOCAL " 2>&1", self->out,
			     sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "the local port")) TH_LOG("%s", self->out);
	EXPECT_EQ(1, capture("./kvirt dp show nosuch 2>&1", self->out,
			     sizeof(self->out)));
	EXPECT_EQ(2, capture("./kvirt dp add-if kdpt 2>&1", self->out,
			     sizeof(self->out)));
}

TEST_HARNESS_MAIN
