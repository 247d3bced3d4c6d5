// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the ovs_datapath and ovs_vport families must answer as
 * openvswitch.ko does: one script of requests, well-formed and malformed,
 * runs on the stock module and on kvirt_dp.ko, and every answer (errno,
 * and what the replies say) must match between them and the expected one.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "ovs_cmd.h"

#define MAX_STEPS 128
/* A reply that was not what OVS's reply is: not an errno. */
#define WRONG 1000

struct script {
	int n;
	const char *what[MAX_STEPS];
	int expect[MAX_STEPS];
	int got[MAX_STEPS];
	char msg[MAX_STEPS][256];	/* extack of a failure */
};

static struct nlu_msg req, rep;

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

/* A content check as a step: 0 when true, WRONG when not. */
static int check(bool ok)
{
	return ok ? 0 : WRONG;
}

static int dp_req(struct dpc *c, uint8_t cmd, int ifindex, uint16_t flags)
{
	nlu_init(&req, c->f.dp.id, flags, cmd, OVS_DATAPATH_VERSION, ifindex);
	return 0;
}

static int vp_req(struct dpc *c, uint8_t cmd, int ifindex)
{
	nlu_init(&req, c->f.vport.id, NLM_F_ECHO, cmd, OVS_VPORT_VERSION,
		 ifindex);
	return 0;
}

static int send_req(struct dpc *c)
{
	return nlu_request(&c->s, &req, &rep);
}

/* A dump's count is no error. */
static int dump_err(int r)
{
	return r < 0 ? r : 0;
}

static int n_dumped;
static void count_dp(const struct nlu_msg *m, void *arg)
{
	const struct nlattr *name = reply_attr(m, OVS_DP_ATTR_NAME);

	if (name && !strcmp(nlu_data(name), arg))
		n_dumped++;
}

static unsigned long long port_mask;
static void collect_port(const struct nlu_msg *m, void *arg)
{
	long long no = reply_u32(m, OVS_VPORT_ATTR_PORT_NO);

	if (no >= 0 && no < 64)
		port_mask |= 1ULL << no;
}

static void run_dp_steps(struct script *sc, struct dpc *c)
{
	const uint32_t vswitchd = OVS_DP_F_UNALIGNED | OVS_DP_F_VPORT_PIDS;
	uint32_t pids[2] = { 11, 12 };
	int d;

	step(sc, c, "dp new", 0, dp_new(c, "kdp0", 0, NO_FEATURES, &rep));
	d = ifindex_of("kdp0");
	step(sc, c, "dp new: reply", 0,
	     check(d > 0 && nlu_dp_ifindex(&rep) == d &&
		   nlu_cmd(&rep) == OVS_DP_CMD_NEW &&
		   !strcmp(nlu_data(reply_attr(&rep, OVS_DP_ATTR_NAME)), "kdp0") &&
		   reply_attr(&rep, OVS_DP_ATTR_STATS) &&
		   reply_attr(&rep, OVS_DP_ATTR_MEGAFLOW_STATS) &&
		   reply_u32(&rep, OVS_DP_ATTR_USER_FEATURES) == 0 &&
		   reply_u32(&rep, OVS_DP_ATTR_MASKS_CACHE_SIZE) == 256 &&
		   !reply_attr(&rep, OVS_DP_ATTR_PER_CPU_PIDS)));
	step(sc, c, "dp new: same name", EEXIST,
	     dp_new(c, "kdp0", 0, NO_FEATURES, NULL));
	step(sc, c, "dp new: name of another netdev", EEXIST,
	     dp_new(c, "lo", 0, NO_FEATURES, NULL));
	step(sc, c, "dp new: empty name", EINVAL,
	     dp_new(c, "", 0, NO_FEATURES, NULL));
	step(sc, c, "dp new: 16-char name", EINVAL,
	     dp_new(c, "abcdefghijklmnop", 0, NO_FEATURES, NULL));
	dp_req(c, OVS_DP_CMD_NEW, 0, 0);
	nlu_put_u32(&req, OVS_DP_ATTR_UPCALL_PID, 0);
	step(sc, c, "dp new: no name", EINVAL, send_req(c));
	dp_req(c, OVS_DP_CMD_NEW, 0, 0);
	nlu_put_str(&req, OVS_DP_ATTR_NAME, "kdp9");
	step(sc, c, "dp new: no upcall pid", EINVAL, send_req(c));
	dp_req(c, OVS_DP_CMD_NEW, 0, 0);
	nlu_put_str(&req, OVS_DP_ATTR_NAME, "kdp9");
	nlu_put(&req, OVS_DP_ATTR_UPCALL_PID, "\0\0", 2);
	step(sc, c, "dp new: 2-byte upcall pid", ERANGE, send_req(c));
	dp_req(c, OVS_DP_CMD_NEW, 0, 0);
	nlu_put_u32(&req, OVS_DP_ATTR_NAME, 0x41414141);
	nlu_put_u32(&req, OVS_DP_ATTR_UPCALL_PID, 0);
	step(sc, c, "dp new: name not NUL-terminated", EINVAL, send_req(c));
	step(sc, c, "dp new: unknown feature bit", EOPNOTSUPP,
	     dp_new(c, "kdp9", 0, vswitchd | 1U << 31, NULL));
	step(sc, c, "dp new: refused one does not exist", 0,
	     check(!ifindex_of("kdp9")));
	dp_req(c, OVS_DP_CMD_NEW, 0, 0);
	nlu_put_str(&req, OVS_DP_ATTR_NAME, "kdp9");
	nlu_put_u32(&req, OVS_DP_ATTR_UPCALL_PID, 0);
	nlu_put_u32(&req, OVS_DP_ATTR_MASKS_CACHE_SIZE, 3);
	step(sc, c, "dp new: masks cache not a power of 2", EINVAL,
	     send_req(c));
	dp_req(c, OVS_DP_CMD_NEW, 0, 0);
	nlu_put_str(&req, OVS_DP_ATTR_NAME, "kdp9");
	nlu_put_u32(&req, OVS_DP_ATTR_UPCALL_PID, 0);
	nlu_put_u32(&req, OVS_DP_ATTR_IFINDEX, ifindex_of("lo"));
	step(sc, c, "dp new: ifindex taken", EEXIST, send_req(c));
	step(sc, c, "dp new: still no kdp9", 0, check(!ifindex_of("kdp9")));

	step(sc, c, "dp get by name", 0, dp_get(c, "kdp0", 0, &rep));
	step(sc, c, "dp get: reply", 0,
	     check(nlu_cmd(&rep) == OVS_DP_CMD_GET && nlu_dp_ifindex(&rep) == d &&
		   reply_attr(&rep, OVS_DP_ATTR_STATS) &&
		   nlu_len(reply_attr(&rep, OVS_DP_ATTR_STATS)) ==
		   sizeof(struct ovs_dp_stats)));
	step(sc, c, "dp get by dp_ifindex", 0, dp_get(c, NULL, d, &rep));
	step(sc, c, "dp get by dp_ifindex: name", 0,
	     check(!strcmp(nlu_data(reply_attr(&rep, OVS_DP_ATTR_NAME)), "kdp0")));
	step(sc, c, "dp get: unknown name", ENODEV, dp_get(c, "nosuch", 0, NULL));
	step(sc, c, "dp get: name of a plain netdev", ENODEV,
	     dp_get(c, "lo", 0, NULL));
	step(sc, c, "dp get: dp_ifindex of lo", ENODEV,
	     dp_get(c, NULL, ifindex_of("lo"), NULL));
	step(sc, c, "dp get: dp_ifindex 0", ENODEV, dp_get(c, NULL, 0, NULL));

	/* The feature negotiation of ovs-vswitchd (peers.md). */
	step(sc, c, "dp set: vswitchd's probe bit", EOPNOTSUPP,
	     dp_set(c, "kdp0", vswitchd | 1U << 31, NULL));
	dp_get(c, "kdp0", 0, &rep);
	step(sc, c, "dp set: refused set changed nothing", 0,
	     check(reply_u32(&rep, OVS_DP_ATTR_USER_FEATURES) == 0));
	step(sc, c, "dp set: per-CPU dispatch", 0,
	     dp_set(c, "kdp0", vswitchd | OVS_DP_F_DISPATCH_UPCALL_PER_CPU,
		    &rep));
	step(sc, c, "dp set: features echoed", 0,
	     check(nlu_cmd(&rep) == OVS_DP_CMD_SET &&
		   reply_u32(&rep, OVS_DP_ATTR_USER_FEATURES) ==
		   (vswitchd | OVS_DP_F_DISPATCH_UPCALL_PER_CPU)));
	step(sc, c, "dp set: vswitchd's features", 0,
	     dp_set(c, "kdp0", vswitchd, &rep));
	step(sc, c, "dp set without features", 0,
	     dp_set(c, "kdp0", NO_FEATURES, &rep));
	step(sc, c, "dp set without features: reset to 0", 0,
	     check(reply_u32(&rep, OVS_DP_ATTR_USER_FEATURES) == 0));
	dp_req(c, OVS_DP_CMD_SET, 0, NLM_F_ECHO);
	nlu_put_str(&req, OVS_DP_ATTR_NAME, "kdp0");
	nlu_put_u32(&req, OVS_DP_ATTR_MASKS_CACHE_SIZE, 8192);
	step(sc, c, "dp set: masks cache too big", ERANGE, send_req(c));
	dp_req(c, OVS_DP_CMD_SET, 0, NLM_F_ECHO);
	nlu_put_str(&req, OVS_DP_ATTR_NAME, "kdp0");
	nlu_put_u32(&req, OVS_DP_ATTR_MASKS_CACHE_SIZE, 3);
	step(sc, c, "dp set: masks cache 3", EINVAL, send_req(c));
	dp_req(c, OVS_DP_CMD_SET, 0, NLM_F_ECHO);
	nlu_put_str(&req, OVS_DP_ATTR_NAME, "kdp0");
	nlu_put_u32(&req, OVS_DP_ATTR_MASKS_CACHE_SIZE, 512);
	step(sc, c, "dp set: masks cache 512", 0, send_req(c));
	step(sc, c, "dp set: masks cache echoed", 0,
	     check(reply_u32(&rep, OVS_DP_ATTR_MASKS_CACHE_SIZE) == 512));
	dp_req(c, OVS_DP_CMD_SET, 0, NLM_F_ECHO);
	nlu_put_str(&req, OVS_DP_ATTR_NAME, "kdp0");
	nlu_put_u32(&req, OVS_DP_ATTR_USER_FEATURES,
		    OVS_DP_F_DISPATCH_UPCALL_PER_CPU);
	nlu_put(&req, OVS_DP_ATTR_PER_CPU_PIDS, pids, 3);
	step(sc, c, "dp set: per-CPU pids of 3 bytes", EINVAL, send_req(c));
	dp_req(c, OVS_DP_CMD_SET, 0, NLM_F_ECHO);
	nlu_put_str(&req, OVS_DP_ATTR_NAME, "kdp0");
	nlu_put_u32(&req, OVS_DP_ATTR_USER_FEATURES,
		    OVS_DP_F_DISPATCH_UPCALL_PER_CPU);
	nlu_put(&req, OVS_DP_ATTR_PER_CPU_PIDS, pids, 4);
	step(sc, c, "dp set: one per-CPU pid", 0, send_req(c));
	step(sc, c, "dp set: per-CPU pids echoed", 0,
	     check(reply_attr(&rep, OVS_DP_ATTR_PER_CPU_PIDS) &&
		   nlu_u32(reply_attr(&rep, OVS_DP_ATTR_PER_CPU_PIDS)) == 11));
	step(sc, c, "dp set: unknown dp", ENODEV,
	     dp_set(c, "nosuch", NO_FEATURES, NULL));
	step(sc, c, "dp set: back to no features", 0,
	     dp_set(c, "kdp0", NO_FEATURES, NULL));

	step(sc, c, "dp new: second datapath", 0,
	     dp_new(c, "kdp1", 0, vswitchd, NULL));
	n_dumped = 0;
	dp_req(c, OVS_DP_CMD_GET, 0, 0);
	step(sc, c, "dp dump", 0,
	     dump_err(nlu_dump(&c->s, &req, count_dp, "kdp0")));
	dp_req(c, OVS_DP_CMD_GET, 0, 0);
	nlu_dump(&c->s, &req, count_dp, "kdp1");
	step(sc, c, "dp dump: both datapaths once", 0, check(n_dumped == 2));
}

static void run_vport_steps(struct script *sc, struct dpc *c)
{
	int d = ifindex_of("kdp0"), d1 = ifindex_of("kdp1");
	uint32_t many[1024] = { 0 };
	uint32_t pids[2] = { 7, 8 };

	step(sc, c, "vport new internal", 0,
	     vport_new(c, d, "kvp0", OVS_VPORT_TYPE_INTERNAL, 0, &rep));
	step(sc, c, "vport new internal: reply", 0,
	     check(nlu_cmd(&rep) == OVS_VPORT_CMD_NEW &&
		   nlu_dp_ifindex(&rep) == d &&
		   reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO) == 1 &&
		   reply_u32(&rep, OVS_VPORT_ATTR_TYPE) == OVS_VPORT_TYPE_INTERNAL &&
		   !strcmp(nlu_data(reply_attr(&rep, OVS_VPORT_ATTR_NAME)), "kvp0") &&
		   reply_u32(&rep, OVS_VPORT_ATTR_UPCALL_PID) == 0 &&
		   reply_u32(&rep, OVS_VPORT_ATTR_IFINDEX) == ifindex_of("kvp0") &&
		   reply_attr(&rep, OVS_VPORT_ATTR_STATS) &&
		   !reply_attr(&rep, OVS_VPORT_ATTR_NETNSID)));
	step(sc, c, "vport new netdev", 0,
	     vport_new(c, d, "kvt0", OVS_VPORT_TYPE_NETDEV, 5, &rep));
	step(sc, c, "vport new netdev: reply", 0,
	     check(reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO) == 2 &&
		   reply_u32(&rep, OVS_VPORT_ATTR_TYPE) == OVS_VPORT_TYPE_NETDEV &&
		   reply_u32(&rep, OVS_VPORT_ATTR_UPCALL_PID) == 5));
	step(sc, c, "vport new netdev: same device again", EEXIST,
	     vport_new(c, d, "kvt0", OVS_VPORT_TYPE_NETDEV, 0, NULL));
	step(sc, c, "vport new netdev: in another datapath", EBUSY,
	     vport_new(c, d1, "kvt0", OVS_VPORT_TYPE_NETDEV, 0, NULL));
	step(sc, c, "vport new netdev: no such device", ENODEV,
	     vport_new(c, d, "nosuch0", OVS_VPORT_TYPE_NETDEV, 0, NULL));
	step(sc, c, "vport new netdev: loopback", EINVAL,
	     vport_new(c, d, "lo", OVS_VPORT_TYPE_NETDEV, 0, NULL));
	step(sc, c, "vport new netdev: an internal port", EINVAL,
	     vport_new(c, d, "kvp0", OVS_VPORT_TYPE_NETDEV, 0, NULL));
	step(sc, c, "vport new: unknown type", EAFNOSUPPORT,
	     vport_new(c, d, "kvx0", 99, 0, NULL));
	step(sc, c, "vport new: type 0", EAFNOSUPPORT,
	     vport_new(c, d, "kvx0", OVS_VPORT_TYPE_UNSPEC, 0, NULL));
	step(sc, c, "vport new internal: name taken", EEXIST,
	     vport_new(c, d, "kdp1", OVS_VPORT_TYPE_INTERNAL, 0, NULL));
	step(sc, c, "vport new internal: 16-char name", EINVAL,
	     vport_new(c, d, "abcdefghijklmnop", OVS_VPORT_TYPE_INTERNAL, 0,
		       NULL));
	step(sc, c, "vport new: unknown dp_ifindex", ENODEV,
	     vport_new(c, 0, "kvx0", OVS_VPORT_TYPE_INTERNAL, 0, NULL));
	step(sc, c, "vport new: dp_ifindex of a netdev port", ENODEV,
	     vport_new(c, ifindex_of("kvt0"), "kvx0", OVS_VPORT_TYPE_INTERNAL,
		       0, NULL));

	vp_req(c, OVS_VPORT_CMD_NEW, d);
	nlu_put_u32(&req, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_INTERNAL);
	nlu_put_u32(&req, OVS_VPORT_ATTR_UPCALL_PID, 0);
	step(sc, c, "vport new: no name", EINVAL, send_req(c));
	vp_req(c, OVS_VPORT_CMD_NEW, d);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, "kvx0");
	nlu_put_u32(&req, OVS_VPORT_ATTR_UPCALL_PID, 0);
	step(sc, c, "vport new: no type", EINVAL, send_req(c));
	vp_req(c, OVS_VPORT_CMD_NEW, d);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, "kvx0");
	nlu_put_u32(&req, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_INTERNAL);
	step(sc, c, "vport new: no upcall pid", EINVAL, send_req(c));
	vp_req(c, OVS_VPORT_CMD_NEW, d);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, "kvx0");
	nlu_put_u32(&req, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_INTERNAL);
	nlu_put(&req, OVS_VPORT_ATTR_UPCALL_PID, NULL, 0);
	step(sc, c, "vport new: empty upcall pids", EINVAL, send_req(c));
	vp_req(c, OVS_VPORT_CMD_NEW, d);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, "kvx0");
	nlu_put_u32(&req, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_INTERNAL);
	nlu_put(&req, OVS_VPORT_ATTR_UPCALL_PID, many, sizeof(many));
	step(sc, c, "vport new: more pids than CPUs", EINVAL, send_req(c));
	vp_req(c, OVS_VPORT_CMD_NEW, d);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, "kvx0");
	nlu_put_u32(&req, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_INTERNAL);
	nlu_put_u32(&req, OVS_VPORT_ATTR_UPCALL_PID, 0);
	nlu_put_u32(&req, OVS_VPORT_ATTR_PORT_NO, 2);
	step(sc, c, "vport new: port number in use", EBUSY, send_req(c));
	vp_req(c, OVS_VPORT_CMD_NEW, d);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, "kvx0");
	nlu_put_u32(&req, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_INTERNAL);
	nlu_put_u32(&req, OVS_VPORT_ATTR_UPCALL_PID, 0);
	nlu_put_u32(&req, OVS_VPORT_ATTR_PORT_NO, 65535);
	step(sc, c, "vport new: port number 65535", EFBIG, send_req(c));
	vp_req(c, OVS_VPORT_CMD_NEW, d);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, "kvx0");
	nlu_put_u32(&req, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_NETDEV);
	nlu_put_u32(&req, OVS_VPORT_ATTR_UPCALL_PID, 0);
	nlu_put_u32(&req, OVS_VPORT_ATTR_IFINDEX, 0);
	step(sc, c, "vport new netdev: ifindex given", EOPNOTSUPP,
	     send_req(c));
	vp_req(c, OVS_VPORT_CMD_NEW, d);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, "kvp1");
	nlu_put_u32(&req, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_INTERNAL);
	nlu_put_u32(&req, OVS_VPORT_ATTR_UPCALL_PID, 0);
	nlu_put_u32(&req, OVS_VPORT_ATTR_PORT_NO, 10);
	step(sc, c, "vport new internal at port 10", 0, send_req(c));
	step(sc, c, "vport new internal at port 10: number", 0,
	     check(reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO) == 10));
	step(sc, c, "vport new: nothing left behind", 0,
	     check(!ifindex_of("kvx0")));

	step(sc, c, "vport get by name", 0, vport_get(c, 0, "kvt0", &rep));
	step(sc, c, "vport get by name: reply", 0,
	     check(nlu_cmd(&rep) == OVS_VPORT_CMD_GET &&
		   reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO) == 2 &&
		   nlu_dp_ifindex(&rep) == d));
	step(sc, c, "vport get by number", 0, vport_get_no(c, d, 1, &rep));
	step(sc, c, "vport get by number: name", 0,
	     check(!strcmp(nlu_data(reply_attr(&rep, OVS_VPORT_ATTR_NAME)),
			   "kvp0")));
	step(sc, c, "vport get: local port by number", 0,
	     vport_get_no(c, d, 0, &rep));
	step(sc, c, "vport get: local port is internal, named as the dp", 0,
	     check(reply_u32(&rep, OVS_VPORT_ATTR_TYPE) == OVS_VPORT_TYPE_INTERNAL &&
		   reply_u32(&rep, OVS_VPORT_ATTR_IFINDEX) == d &&
		   !strcmp(nlu_data(reply_attr(&rep, OVS_VPORT_ATTR_NAME)),
			   "kdp0")));
	step(sc, c, "vport get: free number", ENODEV,
	     vport_get_no(c, d, 500, NULL));
	step(sc, c, "vport get: number 70000", EFBIG,
	     vport_get_no(c, d, 70000, NULL));
	step(sc, c, "vport get: number in unknown dp", ENODEV,
	     vport_get_no(c, 0, 1, NULL));
	step(sc, c, "vport get: name in another dp", ENODEV,
	     vport_get(c, d1, "kvt0", NULL));
	step(sc, c, "vport get: unknown name", ENODEV,
	     vport_get(c, 0, "nosuch0", NULL));
	vp_req(c, OVS_VPORT_CMD_GET, d);
	step(sc, c, "vport get: neither name nor number", EINVAL, send_req(c));
	vp_req(c, OVS_VPORT_CMD_GET, d);
	nlu_put_u32(&req, OVS_VPORT_ATTR_IFINDEX, ifindex_of("kvp0"));
	step(sc, c, "vport get: by ifindex", EOPNOTSUPP, send_req(c));

	vp_req(c, OVS_VPORT_CMD_SET, 0);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, "kvp0");
	nlu_put_u32(&req, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_NETDEV);
	step(sc, c, "vport set: other type", EINVAL, send_req(c));
	vp_req(c, OVS_VPORT_CMD_SET, 0);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, "kvp0");
	nlu_nest_end(&req, nlu_nest(&req, OVS_VPORT_ATTR_OPTIONS));
	step(sc, c, "vport set: options", EOPNOTSUPP, send_req(c));
	vp_req(c, OVS_VPORT_CMD_SET, 0);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, "kvp0");
	nlu_put(&req, OVS_VPORT_ATTR_UPCALL_PID, many, sizeof(many));
	step(sc, c, "vport set: more pids than CPUs", EINVAL, send_req(c));
	vp_req(c, OVS_VPORT_CMD_SET, 0);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, "kvp0");
	nlu_put(&req, OVS_VPORT_ATTR_UPCALL_PID, pids, sizeof(pids));
	step(sc, c, "vport set: two pids", 0, send_req(c));
	step(sc, c, "vport set: first pid only without VPORT_PIDS", 0,
	     check(nlu_cmd(&rep) == OVS_VPORT_CMD_SET &&
		   nlu_len(reply_attr(&rep, OVS_VPORT_ATTR_UPCALL_PID)) == 4 &&
		   reply_u32(&rep, OVS_VPORT_ATTR_UPCALL_PID) == 7));
	dp_set(c, "kdp0", OVS_DP_F_VPORT_PIDS, NULL);
	vport_get(c, 0, "kvp0", &rep);
	step(sc, c, "vport get: all pids with VPORT_PIDS", 0,
	     check(nlu_len(reply_attr(&rep, OVS_VPORT_ATTR_UPCALL_PID)) == 8 &&
		   !memcmp(nlu_data(reply_attr(&rep, OVS_VPORT_ATTR_UPCALL_PID)),
			   pids, 8)));

	port_mask = 0;
	vp_req(c, OVS_VPORT_CMD_GET, d);
	step(sc, c, "vport dump", 0,
	     dump_err(nlu_dump(&c->s, &req, collect_port, NULL)));
	step(sc, c, "vport dump: ports 0, 1, 2, 10", 0,
	     check(port_mask == (1 << 0 | 1 << 1 | 1 << 2 | 1 << 10)));
	vp_req(c, OVS_VPORT_CMD_GET, 0);
	step(sc, c, "vport dump: unknown dp", ENODEV,
	     dump_err(nlu_dump(&c->s, &req, collect_port, NULL)));

	step(sc, c, "vport del: the local port", EINVAL,
	     vport_del(c, "kdp0"));
	step(sc, c, "vport del: unknown", ENODEV, vport_del(c, "nosuch0"));
	step(sc, c, "vport del internal", 0, vport_del(c, "kvp1"));
	step(sc, c, "vport del internal: device gone", 0,
	     check(!ifindex_of("kvp1")));
	step(sc, c, "vport del internal: get", ENODEV,
	     vport_get(c, 0, "kvp1", NULL));
	step(sc, c, "vport new: lowest free number", 0,
	     vport_new(c, d, "kvp1", OVS_VPORT_TYPE_INTERNAL, 0, &rep));
	step(sc, c, "vport new: lowest free number is 3", 0,
	     check(reply_u32(&rep, OVS_VPORT_ATTR_PORT_NO) == 3));

	step(sc, c, "dp del", 0, dp_del(c, "kdp0"));
	step(sc, c, "dp del: its ports' devices are gone, netdevs stay", 0,
	     check(!ifindex_of("kdp0") && !ifindex_of("kvp0") &&
		   !ifindex_of("kvp1") && ifindex_of("kvt0")));
	step(sc, c, "dp del: get", ENODEV, dp_get(c, "kdp0", 0, NULL));
	step(sc, c, "dp del: again", ENODEV, dp_del(c, "kdp0"));
	step(sc, c, "vport new netdev: now free for kdp1", 0,
	     vport_new(c, d1, "kvt0", OVS_VPORT_TYPE_NETDEV, 0, NULL));
	step(sc, c, "dp del kdp1", 0, dp_del(c, "kdp1"));
}

static int run_script(enum dp_module m, struct script *sc)
{
	struct dpc c;
	int err;

	memset(sc, 0, sizeof(*sc));
	err = dp_module_load(m);
	if (err)
		return err;
	err = dpc_open(&c);
	if (err)
		return err;
	run_dp_steps(sc, &c);
	run_vport_steps(sc, &c);
	dpc_close(&c);
	return 0;
}

FIXTURE(netlink) {
};

FIXTURE_SETUP(netlink)
{
	ASSERT_EQ(0, run("modprobe veth"));
	run("ip link del kvt0 2>/dev/null");
	ASSERT_EQ(0, run("ip link add kvt0 type veth peer name kvt1"));
}

FIXTURE_TEARDOWN(netlink)
{
	run("ip link del kvt0 2>/dev/null");
	dp_module_unload(DP_OVS);
}

TEST_F_TIMEOUT(netlink, same_answers_as_openvswitch, 300)
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
	for (i = 0; i < ovs.n; i++)
		if (ovs.got[i] && ovs.got[i] != WRONG)
			TH_LOG("openvswitch errno %d (%s) for %s", ovs.got[i],
			       strerror(ovs.got[i]), ovs.what[i]);
}

TEST_HARNESS_MAIN
