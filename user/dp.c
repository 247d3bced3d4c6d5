// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: "kvirt dp" manages kvirt_dp.ko's datapaths and ports from the shell,
 * the way ovs-dpctl does, over the same genetlink families ovs-vswitchd
 * uses (linux/openvswitch.h): add-dp, del-dp, add-if, del-if and show
 * (with --json for scripts), and the flow commands add-flow, mod-flow,
 * del-flow, del-flows, dump-flows and get-flow in ovs-dpctl's flow
 * syntax (dp_flow.h), printing flows exactly as ovs-dpctl does.
 */
#include <errno.h>
#include <linux/openvswitch.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dp.h"
#include "dp_flow.h"
#include "kvirt.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

#define MAX_DPS 64
#define MAX_PORTS 256

struct port_info {
	uint32_t port_no;
	uint32_t type;
	char name[IFNAMSIZ];
};

struct dp_info {
	char name[IFNAMSIZ];
	int ifindex;
	struct ovs_dp_stats stats;
	struct ovs_dp_megaflow_stats mega;
	uint32_t features;
	uint32_t masks_cache_size;
	int n_ports;
	struct port_info ports[MAX_PORTS];
};

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *a = (struct nlattr *)(e + 1);
	int left = (char *)nh + nh->nlmsg_len - (char *)a;
	struct dpctl *c = arg;

	(void)who;
	c->err = e->error;
	c->msg[0] = 0;
	if (nh->nlmsg_flags & NLM_F_ACK_TLVS)
		for (; nla_ok(a, left); a = nla_next(a, &left))
			if (nla_type(a) == NLMSGERR_ATTR_MSG)
				snprintf(c->msg, sizeof(c->msg), "%s",
					 (char *)nla_data(a));
	return NL_STOP;
}

static int on_done(struct nl_msg *m, void *arg)
{
	struct nlmsghdr *nh = nlmsg_hdr(m);
	struct dpctl *c = arg;
	int err = 0;

	/* A dump that failed carries its errno in NLMSG_DONE. */
	if (nh->nlmsg_type == NLMSG_DONE &&
	    nh->nlmsg_len >= NLMSG_LENGTH(sizeof(err)))
		memcpy(&err, nlmsg_data(nh), sizeof(err));
	c->err = err < 0 ? err : 0;
	c->done = true;
	return NL_STOP;
}

static int ignore(struct nl_msg *m, void *arg)
{
	(void)m;
	(void)arg;
	return NL_OK;
}

int dpctl_open(struct dpctl *c)
{
	int one = 1;

	memset(c, 0, sizeof(*c));
	/* Resolving the families would autoload openvswitch.ko instead. */
	if (access("/sys/module/kvirt_dp", F_OK) &&
	    access("/sys/module/openvswitch", F_OK)) {
		fprintf(stderr, "kvirt dp: kvirt_dp.ko is not loaded\n");
		return -1;
	}
	c->sk = nl_socket_alloc();
	if (!c->sk || genl_connect(c->sk)) {
		fprintf(stderr, "kvirt dp: cannot open a netlink socket\n");
		return -1;
	}
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one,
		   sizeof(one));
	c->dp_family = genl_ctrl_resolve(c->sk, OVS_DATAPATH_FAMILY);
	c->vport_family = genl_ctrl_resolve(c->sk, OVS_VPORT_FAMILY);
	c->flow_family = genl_ctrl_resolve(c->sk, OVS_FLOW_FAMILY);
	if (c->dp_family < 0 || c->vport_family < 0 || c->flow_family < 0) {
		fprintf(stderr, "kvirt dp: no %s family\n", OVS_DATAPATH_FAMILY);
		return -1;
	}
	return 0;
}

void dpctl_close(struct dpctl *c)
{
	nl_socket_free(c->sk);
}

struct nl_msg *dpctl_request(int family, uint8_t version, uint8_t cmd,
			     int flags, int dp_ifindex)
{
	struct nl_msg *m = nlmsg_alloc();
	struct ovs_header *oh;

	if (!m)
		return NULL;
	oh = genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, family, sizeof(*oh),
			 flags, cmd, version);
	if (!oh) {
		nlmsg_free(m);
		return NULL;
	}
	oh->dp_ifindex = dp_ifindex;
	return m;
}

static struct nl_msg *request(struct dpctl *c, bool vport, uint8_t cmd,
			      int flags, int dp_ifindex)
{
	if (vport)
		return dpctl_request(c->vport_family, OVS_VPORT_VERSION, cmd,
				     flags, dp_ifindex);
	return dpctl_request(c->dp_family, OVS_DATAPATH_VERSION, cmd, flags,
			     dp_ifindex);
}

int dpctl_transact(struct dpctl *c, struct nl_msg *m, nl_recvmsg_msg_cb_t fn,
		   void *arg)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int r;

	if (!m || !cb) {
		nlmsg_free(m);
		nl_cb_put(cb);
		return -ENOMEM;
	}
	c->err = 0;
	c->done = false;
	c->msg[0] = 0;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, fn ? fn : ignore, arg);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, c);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, c);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, c);
	r = nl_send_auto(c->sk, m);
	nlmsg_free(m);
	while (r >= 0 && !c->done && !c->err)
		r = nl_recvmsgs(c->sk, cb);
	nl_cb_put(cb);
	if (r < 0 && !c->err)
		c->err = -EIO;
	return c->err;
}

static int fail(struct dpctl *c, const char *what, int err)
{
	fprintf(stderr, "kvirt dp: %s: %s%s%s\n", what, strerror(-err),
		c->msg[0] ? ": " : "", c->msg);
	return 1;
}

struct nlattr **dpctl_parse(struct nl_msg *m, struct nlattr **tb, int max,
			    int *dp_ifindex)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(m));
	struct ovs_header *oh = genlmsg_user_hdr(g);

	if (dp_ifindex)
		*dp_ifindex = oh->dp_ifindex;
	nla_parse(tb, max, genlmsg_attrdata(g, sizeof(*oh)),
		  genlmsg_attrlen(g, sizeof(*oh)), NULL);
	return tb;
}

static int add_dp_info(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[OVS_DP_ATTR_MAX + 1];
	struct dp_info *dps = arg, *dp;
	int i;

	for (i = 0; i < MAX_DPS && dps[i].name[0]; i++)
		;
	if (i == MAX_DPS)
		return NL_OK;
	dp = &dps[i];
	dpctl_parse(m, tb, OVS_DP_ATTR_MAX, &dp->ifindex);
	if (!tb[OVS_DP_ATTR_NAME])
		return NL_OK;
	snprintf(dp->name, sizeof(dp->name), "%s",
		 nla_get_string(tb[OVS_DP_ATTR_NAME]));
	if (tb[OVS_DP_ATTR_STATS])
		memcpy(&dp->stats, nla_data(tb[OVS_DP_ATTR_STATS]),
		       sizeof(dp->stats));
	if (tb[OVS_DP_ATTR_MEGAFLOW_STATS])
		memcpy(&dp->mega, nla_data(tb[OVS_DP_ATTR_MEGAFLOW_STATS]),
		       sizeof(dp->mega));
	if (tb[OVS_DP_ATTR_USER_FEATURES])
		dp->features = nla_get_u32(tb[OVS_DP_ATTR_USER_FEATURES]);
	if (tb[OVS_DP_ATTR_MASKS_CACHE_SIZE])
		dp->masks_cache_size =
			nla_get_u32(tb[OVS_DP_ATTR_MASKS_CACHE_SIZE]);
	return NL_OK;
}

static int add_port_info(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[OVS_VPORT_ATTR_MAX + 1];
	struct dp_info *dp = arg;
	struct port_info *p;

	if (dp->n_ports == MAX_PORTS)
		return NL_OK;
	dpctl_parse(m, tb, OVS_VPORT_ATTR_MAX, NULL);
	if (!tb[OVS_VPORT_ATTR_PORT_NO] || !tb[OVS_VPORT_ATTR_NAME])
		return NL_OK;
	p = &dp->ports[dp->n_ports++];
	p->port_no = nla_get_u32(tb[OVS_VPORT_ATTR_PORT_NO]);
	p->type = tb[OVS_VPORT_ATTR_TYPE] ?
		nla_get_u32(tb[OVS_VPORT_ATTR_TYPE]) : 0;
	snprintf(p->name, sizeof(p->name), "%s",
		 nla_get_string(tb[OVS_VPORT_ATTR_NAME]));
	return NL_OK;
}

static int by_port_no(const void *a, const void *b)
{
	const struct port_info *x = a, *y = b;

	return (x->port_no > y->port_no) - (x->port_no < y->port_no);
}

/* The dp_ifindex of datapath @name, or a negative errno. */
static int dp_ifindex(struct dpctl *c, const char *name)
{
	static struct dp_info dps[MAX_DPS];
	struct nl_msg *m = request(c, false, OVS_DP_CMD_GET, 0, 0);
	int err;

	memset(dps, 0, sizeof(dps));
	if (m)
		nla_put_string(m, OVS_DP_ATTR_NAME, name);
	err = dpctl_transact(c, m, add_dp_info, dps);
	return err ? err : dps[0].ifindex;
}

static const char *type_name(uint32_t type)
{
	switch (type) {
	case OVS_VPORT_TYPE_NETDEV:
		return "netdev";
	case OVS_VPORT_TYPE_INTERNAL:
		return "internal";
	case OVS_VPORT_TYPE_GRE:
		return "gre";
	case OVS_VPORT_TYPE_VXLAN:
		return "vxlan";
	case OVS_VPORT_TYPE_GENEVE:
		return "geneve";
	}
	return "unknown";
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / b : 0;
}

static void print_text(const struct dp_info *dp)
{
	uint64_t lookups = dp->stats.n_hit + dp->stats.n_missed;
	int i;

	printf("%s:\n", dp->name);
	printf("  lookups: hit:%llu missed:%llu lost:%llu\n",
	       (unsigned long long)dp->stats.n_hit,
	       (unsigned long long)dp->stats.n_missed,
	       (unsigned long long)dp->stats.n_lost);
	printf("  flows: %llu\n", (unsigned long long)dp->stats.n_flows);
	printf("  masks: hit:%llu total:%u hit/pkt:%.2f\n",
	       (unsigned long long)dp->mega.n_mask_hit, dp->mega.n_masks,
	       ratio(dp->mega.n_mask_hit, lookups));
	printf("  cache: hit:%llu hit-rate:%.2f%%\n",
	       (unsigned long long)dp->mega.n_cache_hit,
	       100 * ratio(dp->mega.n_cache_hit, lookups));
	printf("  caches:\n    masks-cache: size:%u\n", dp->masks_cache_size);
	for (i = 0; i < dp->n_ports; i++) {
		const struct port_info *p = &dp->ports[i];

		printf("  port %u: %s", p->port_no, p->name);
		if (p->type != OVS_VPORT_TYPE_NETDEV)
			printf(" (%s)", type_name(p->type));
		printf("\n");
	}
}

static void print_json(const struct dp_info *dp, bool last)
{
	int i;

	printf("    {\"name\": \"%s\", \"ifindex\": %d, \"user_features\": %u,\n",
	       dp->name, dp->ifindex, dp->features);
	printf("     \"lookups\": {\"hit\": %llu, \"missed\": %llu, \"lost\": %llu},\n",
	       (unsigned long long)dp->stats.n_hit,
	       (unsigned long long)dp->stats.n_missed,
	       (unsigned long long)dp->stats.n_lost);
	printf("     \"flows\": %llu,\n", (unsigned long long)dp->stats.n_flows);
	printf("     \"masks\": {\"hit\": %llu, \"total\": %u, ",
	       (unsigned long long)dp->mega.n_mask_hit, dp->mega.n_masks);
	printf("\"cache_hit\": %llu, \"cache_size\": %u},\n",
	       (unsigned long long)dp->mega.n_cache_hit, dp->masks_cache_size);
	printf("     \"ports\": [");
	for (i = 0; i < dp->n_ports; i++)
		printf("%s\n       {\"port_no\": %u, \"name\": \"%s\", \"type\": \"%s\"}",
		       i ? "," : "", dp->ports[i].port_no, dp->ports[i].name,
		       type_name(dp->ports[i].type));
	printf("]}%s\n", last ? "" : ",");
}

static int show(struct dpctl *c, const char *only, bool json)
{
	static struct dp_info dps[MAX_DPS];
	struct nl_msg *m;
	int err, i, n;

	memset(dps, 0, sizeof(dps));
	m = request(c, false, OVS_DP_CMD_GET, only ? 0 : NLM_F_DUMP, 0);
	if (m && only)
		nla_put_string(m, OVS_DP_ATTR_NAME, only);
	err = dpctl_transact(c, m, add_dp_info, dps);
	if (err)
		return fail(c, only ? only : "datapaths", err);
	for (n = 0; n < MAX_DPS && dps[n].name[0]; n++) {
		m = request(c, true, OVS_VPORT_CMD_GET, NLM_F_DUMP,
			    dps[n].ifindex);
		err = dpctl_transact(c, m, add_port_info, &dps[n]);
		if (err)
			return fail(c, dps[n].name, err);
		qsort(dps[n].ports, dps[n].n_ports, sizeof(dps[n].ports[0]),
		      by_port_no);
	}
	if (json)
		printf("{\"datapaths\": [\n");
	for (i = 0; i < n; i++) {
		if (json)
			print_json(&dps[i], i == n - 1);
		else
			print_text(&dps[i]);
	}
	if (json)
		printf("]}\n");
	return 0;
}

static int add_dp(struct dpctl *c, const char *name)
{
	struct nl_msg *m = request(c, false, OVS_DP_CMD_NEW, 0, 0);
	int err;

	if (m) {
		nla_put_string(m, OVS_DP_ATTR_NAME, name);
		nla_put_u32(m, OVS_DP_ATTR_UPCALL_PID, 0);
		nla_put_u32(m, OVS_DP_ATTR_USER_FEATURES,
			    OVS_DP_F_UNALIGNED | OVS_DP_F_VPORT_PIDS);
	}
	err = dpctl_transact(c, m, NULL, NULL);
	return err ? fail(c, name, err) : 0;
}

static int del_dp(struct dpctl *c, const char *name)
{
	struct nl_msg *m = request(c, false, OVS_DP_CMD_DEL, 0, 0);
	int err;

	if (m)
		nla_put_string(m, OVS_DP_ATTR_NAME, name);
	err = dpctl_transact(c, m, NULL, NULL);
	return err ? fail(c, name, err) : 0;
}

/* IFNAME or IFNAME,type=internal|netdev */
static int add_if(struct dpctl *c, const char *dp, const char *spec)
{
	uint32_t type = OVS_VPORT_TYPE_NETDEV;
	char name[IFNAMSIZ + 32];
	struct nl_msg *m;
	char *opt;
	int d, err;

	snprintf(name, sizeof(name), "%s", spec);
	opt = strchr(name, ',');
	if (opt) {
		*opt++ = 0;
		if (!strcmp(opt, "type=internal")) {
			type = OVS_VPORT_TYPE_INTERNAL;
		} else if (strcmp(opt, "type=netdev")) {
			fprintf(stderr, "kvirt dp: unknown option '%s'\n", opt);
			return 2;
		}
	}
	d = dp_ifindex(c, dp);
	if (d < 0)
		return fail(c, dp, d);
	m = request(c, true, OVS_VPORT_CMD_NEW, 0, d);
	if (m) {
		nla_put_string(m, OVS_VPORT_ATTR_NAME, name);
		nla_put_u32(m, OVS_VPORT_ATTR_TYPE, type);
		nla_put_u32(m, OVS_VPORT_ATTR_UPCALL_PID, 0);
	}
	err = dpctl_transact(c, m, NULL, NULL);
	return err ? fail(c, name, err) : 0;
}

static int del_if(struct dpctl *c, const char *dp, const char *name)
{
	struct nl_msg *m;
	int d, err;

	d = dp_ifindex(c, dp);
	if (d < 0)
		return fail(c, dp, d);
	m = request(c, true, OVS_VPORT_CMD_DEL, 0, d);
	if (m)
		nla_put_string(m, OVS_VPORT_ATTR_NAME, name);
	err = dpctl_transact(c, m, NULL, NULL);
	return err ? fail(c, name, err) : 0;
}

/* "system@NAME" is how ovs-dpctl names a kernel datapath: take both. */
static const char *dp_name(const char *name)
{
	return strncmp(name, "system@", 7) ? name : name + 7;
}

static struct nl_msg *flow_request(struct dpctl *c, uint8_t cmd, int flags,
				   int dp_ifindex)
{
	return dpctl_request(c->flow_family, OVS_FLOW_VERSION, cmd, flags,
			     dp_ifindex);
}

/* A flow as the datapath reports it. */
struct flow_reply {
	bool json;
	int n;
	bool found;
	struct strbuf out;
};

static void json_string(struct strbuf *sb, const char *name, const char *s)
{
	sb_printf(sb, "\"%s\": \"", name);
	for (; *s; s++)
		sb_printf(sb, *s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
	sb_printf(sb, "\"");
}

static void format_tcp_flags(struct strbuf *sb, uint16_t flags)
{
	static const struct {
		uint16_t bit;
		const char *s;
	} names[] = {
		{ 0x002, "S" }, { 0x001, "F" }, { 0x004, "R" }, { 0x008, "P" },
		{ 0x020, "U" }, { 0x010, "." }, { 0x040, "E" }, { 0x080, "C" },
		{ 0x100, "N" }, { 0x200, "[200]" }, { 0x400, "[400]" },
		{ 0x800, "[800]" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (flags & names[i].bit)
			sb_printf(sb, "%s", names[i].s);
}

static uint64_t now_msec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One flow of a dump or get: a line as ovs-dpctl prints it, or JSON. */
static int add_flow_reply(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[OVS_FLOW_ATTR_MAX + 1];
	struct ovs_flow_stats st = { 0 };
	struct flow_reply *r = arg;
	struct strbuf key = { 0 }, acts = { 0 }, raw = { 0 }, mask = { 0 };
	struct strbuf used = { 0 }, flags = { 0 }, ufid = { 0 };
	uint16_t tcp = 0;

	dpctl_parse(m, tb, OVS_FLOW_ATTR_MAX, NULL);
	if (tb[OVS_FLOW_ATTR_KEY])
		flow_key_format(&key, nla_data(tb[OVS_FLOW_ATTR_KEY]),
				nla_len(tb[OVS_FLOW_ATTR_KEY]),
				tb[OVS_FLOW_ATTR_MASK] ?
				nla_data(tb[OVS_FLOW_ATTR_MASK]) : NULL,
				tb[OVS_FLOW_ATTR_MASK] ?
				nla_len(tb[OVS_FLOW_ATTR_MASK]) : 0, false);
	else
		sb_printf(&key, "<empty>");
	flow_actions_format(&acts, tb[OVS_FLOW_ATTR_ACTIONS] ?
			    nla_data(tb[OVS_FLOW_ATTR_ACTIONS]) : NULL,
			    tb[OVS_FLOW_ATTR_ACTIONS] ?
			    nla_len(tb[OVS_FLOW_ATTR_ACTIONS]) : 0);
	if (tb[OVS_FLOW_ATTR_STATS] &&
	    nla_len(tb[OVS_FLOW_ATTR_STATS]) >= (int)sizeof(st))
		memcpy(&st, nla_data(tb[OVS_FLOW_ATTR_STATS]), sizeof(st));
	if (tb[OVS_FLOW_ATTR_USED] && nla_get_u64(tb[OVS_FLOW_ATTR_USED]))
		sb_printf(&used, "%.3fs",
			  ((double)now_msec() -
			   (double)nla_get_u64(tb[OVS_FLOW_ATTR_USED])) /
			  1000.0);
	else
		sb_printf(&used, "never");
	if (tb[OVS_FLOW_ATTR_TCP_FLAGS])
		tcp = ntohs(nla_get_u16(tb[OVS_FLOW_ATTR_TCP_FLAGS]));
	if (tcp)
		format_tcp_flags(&flags, tcp);
	if (tb[OVS_FLOW_ATTR_UFID] && nla_len(tb[OVS_FLOW_ATTR_UFID]) == 16) {
		uint32_t id[4];

		memcpy(id, nla_data(tb[OVS_FLOW_ATTR_UFID]), sizeof(id));
		ufid_format(&ufid, id);
	}
	if (r->json) {
		if (tb[OVS_FLOW_ATTR_KEY])
			flow_key_format(&raw, nla_data(tb[OVS_FLOW_ATTR_KEY]),
					nla_len(tb[OVS_FLOW_ATTR_KEY]), NULL,
					0, true);
		if (tb[OVS_FLOW_ATTR_MASK])
			flow_key_format(&mask, nla_data(tb[OVS_FLOW_ATTR_MASK]),
					nla_len(tb[OVS_FLOW_ATTR_MASK]), NULL,
					0, true);
		sb_printf(&r->out, "%s\n    {", r->n ? "," : "");
		if (ufid.s)
			json_string(&r->out, "ufid", ufid.s + 5);
		else
			sb_printf(&r->out, "\"ufid\": null");
		sb_printf(&r->out, ", ");
		json_string(&r->out, "flow", key.s);
		sb_printf(&r->out, ",\n     ");
		json_string(&r->out, "key", raw.s ? raw.s : "");
		sb_printf(&r->out, ",\n     ");
		json_string(&r->out, "mask", mask.s ? mask.s : "");
		sb_printf(&r->out, ",\n     ");
		json_string(&r->out, "actions", acts.s);
		sb_printf(&r->out, ",\n     \"packets\": %llu, \"bytes\": %llu, ",
			  (unsigned long long)st.n_packets,
			  (unsigned long long)st.n_bytes);
		json_string(&r->out, "used", used.s);
		sb_printf(&r->out, ", ");
		json_string(&r->out, "tcp_flags", flags.s ? flags.s : "");
		sb_printf(&r->out, "}");
	} else {
		if (ufid.s && r->found)
			sb_printf(&r->out, "%s, ", ufid.s);
		sb_printf(&r->out, "%s, packets:%llu, bytes:%llu, used:%s",
			  key.s, (unsigned long long)st.n_packets,
			  (unsigned long long)st.n_bytes, used.s);
		if (flags.s)
			sb_printf(&r->out, ", flags:%s", flags.s);
		sb_printf(&r->out, ", actions:%s\n", acts.s);
	}
	r->n++;
	sb_free(&key);
	sb_free(&acts);
	sb_free(&raw);
	sb_free(&mask);
	sb_free(&used);
	sb_free(&flags);
	sb_free(&ufid);
	return NL_OK;
}

static int dump_flows(struct dpctl *c, const char *dp, bool json)
{
	struct flow_reply r = { .json = json };
	struct nl_msg *m;
	int d, err;

	d = dp_ifindex(c, dp_name(dp));
	if (d < 0)
		return fail(c, dp, d);
	m = flow_request(c, OVS_FLOW_CMD_GET, NLM_F_DUMP, d);
	err = dpctl_transact(c, m, add_flow_reply, &r);
	if (err) {
		sb_free(&r.out);
		return fail(c, dp, err);
	}
	if (json)
		printf("{\"flows\": [%s\n]}\n", r.out.s ? r.out.s : "");
	else if (r.out.s)
		fputs(r.out.s, stdout);
	sb_free(&r.out);
	return 0;
}

/* FLOW may start with "ufid:UUID"; the rest, if any, is a key. */
static int parse_flow_arg(const char *flow, struct attrbuf *key,
			  struct attrbuf *mask, uint32_t ufid[4],
			  bool *has_ufid)
{
	char err[512];
	int n = ufid_parse(flow, ufid);

	*has_ufid = n > 0;
	if (n < 0) {
		fprintf(stderr, "kvirt dp: bad ufid in '%s'\n", flow);
		return -1;
	}
	if (flow_key_parse(flow + n, key, mask, err, sizeof(err)) ||
	    key->overflow || mask->overflow) {
		fprintf(stderr, "kvirt dp: parsing flow key (%s)\n",
			key->overflow ? "too long" : err);
		return -1;
	}
	return 0;
}

/* add-flow, mod-flow (with @clear), del-flow and get-flow. */
static int flow_cmd(struct dpctl *c, uint8_t cmd, int flags, const char *dp,
		    const char *flow, const char *actions, bool clear)
{
	static struct attrbuf key, mask, acts;
	struct flow_reply r = { .found = true };
	uint32_t ufid[4];
	struct nl_msg *m;
	bool has_ufid;
	char err[512];
	int d, ret;

	memset(&key, 0, sizeof(key));
	memset(&mask, 0, sizeof(mask));
	memset(&acts, 0, sizeof(acts));
	if (parse_flow_arg(flow, &key, &mask, ufid, &has_ufid))
		return 2;
	if (cmd == OVS_FLOW_CMD_GET && (!has_ufid || key.len)) {
		fprintf(stderr, "kvirt dp: get-flow takes ufid:UFID\n");
		return 2;
	}
	if (actions && (flow_actions_parse(actions, &acts, err, sizeof(err)) ||
			acts.overflow)) {
		fprintf(stderr, "kvirt dp: parsing actions (%s)\n",
			acts.overflow ? "too long" : err);
		return 2;
	}
	d = dp_ifindex(c, dp_name(dp));
	if (d < 0)
		return fail(c, dp, d);
	m = flow_request(c, cmd, flags, d);
	if (m && key.len)
		nla_put(m, OVS_FLOW_ATTR_KEY, key.len, key.data);
	if (m && mask.len && cmd != OVS_FLOW_CMD_DEL)
		nla_put(m, OVS_FLOW_ATTR_MASK, mask.len, mask.data);
	if (m && actions)
		nla_put(m, OVS_FLOW_ATTR_ACTIONS, acts.len, acts.data);
	if (m && has_ufid)
		nla_put(m, OVS_FLOW_ATTR_UFID, sizeof(ufid), ufid);
	if (m && clear)
		nla_put_flag(m, OVS_FLOW_ATTR_CLEAR);
	ret = dpctl_transact(c, m,
			     cmd == OVS_FLOW_CMD_GET ? add_flow_reply : NULL,
			     &r);
	if (ret) {
		sb_free(&r.out);
		return fail(c, flow, ret);
	}
	if (r.out.s)
		fputs(r.out.s, stdout);
	sb_free(&r.out);
	return 0;
}

static int del_flows(struct dpctl *c, const char *dp)
{
	struct nl_msg *m;
	int d, err;

	d = dp_ifindex(c, dp_name(dp));
	if (d < 0)
		return fail(c, dp, d);
	m = flow_request(c, OVS_FLOW_CMD_DEL, 0, d);
	err = dpctl_transact(c, m, NULL, NULL);
	return err ? fail(c, dp, err) : 0;
}

/* The flow commands: their positional argument count, command included. */
static const struct {
	const char *name;
	int nargs;
} flow_cmds[] = {
	{ "add-flow", 4 }, { "mod-flow", 4 }, { "del-flow", 3 },
	{ "del-flows", 2 }, { "dump-flows", 2 }, { "get-flow", 3 },
};

static bool is_flow_cmd(const char *name, int nargs)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(flow_cmds); i++)
		if (!strcmp(name, flow_cmds[i].name))
			return nargs == flow_cmds[i].nargs;
	return false;
}

static int run_flow_cmd(struct dpctl *c, char **args, bool json, bool clear)
{
	if (!strcmp(args[0], "add-flow"))
		return flow_cmd(c, OVS_FLOW_CMD_NEW, NLM_F_CREATE, args[1],
				args[2], args[3], false);
	if (!strcmp(args[0], "mod-flow"))
		return flow_cmd(c, OVS_FLOW_CMD_SET, 0, args[1], args[2],
				args[3], clear);
	if (!strcmp(args[0], "del-flow"))
		return flow_cmd(c, OVS_FLOW_CMD_DEL, 0, args[1], args[2], NULL,
				false);
	if (!strcmp(args[0], "get-flow"))
		return flow_cmd(c, OVS_FLOW_CMD_GET, 0, args[1], args[2], NULL,
				false);
	if (!strcmp(args[0], "dump-flows"))
		return dump_flows(c, args[1], json);
	return del_flows(c, args[1]);
}

static void print_dp_help(FILE *out)
{
	fprintf(out,
		"usage: kvirt dp add-dp DP\n"
		"       kvirt dp del-dp DP\n"
		"       kvirt dp add-if DP IFNAME[,type=internal]\n"
		"       kvirt dp del-if DP IFNAME\n"
		"       kvirt dp show [--json] [DP]\n"
		"       kvirt dp add-flow DP [ufid:UFID,]FLOW ACTIONS\n"
		"       kvirt dp mod-flow [--clear] DP FLOW ACTIONS\n"
		"       kvirt dp del-flow DP FLOW|ufid:UFID\n"
		"       kvirt dp del-flows DP\n"
		"       kvirt dp dump-flows [--json] DP\n"
		"       kvirt dp get-flow DP ufid:UFID\n"
		"       kvirt dp show-masks [--json] DP\n"
		"FLOW and ACTIONS are in ovs-dpctl's syntax, e.g.\n"
		"  'in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.0/255.0.0.0)'\n"
		"  '2,push_vlan(vid=10,pcp=0)'\n");
}

int cmd_dp(int argc, char **argv)
{
	struct dpctl c;
	bool json = false, clear = false;
	int r, i, n = 0;
	char *args[4];

	if (argc > 1 && !strcmp(argv[1], "show-masks"))
		return cmd_dp_masks(argc - 1, argv + 1);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--clear"))
			clear = true;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return print_dp_help(stdout), 0;
		else if (n < 4)
			args[n++] = argv[i];
		else
			return print_dp_help(stderr), 2;
	}
	if (!n || (json && strcmp(args[0], "show") &&
		   strcmp(args[0], "dump-flows")) ||
	    (clear && strcmp(args[0], "mod-flow")))
		return print_dp_help(stderr), 2;
	if (!(is_flow_cmd(args[0], n) ||
	      (!strcmp(args[0], "show") && n <= 2) ||
	      ((!strcmp(args[0], "add-dp") || !strcmp(args[0], "del-dp")) &&
	       n == 2) ||
	      ((!strcmp(args[0], "add-if") || !strcmp(args[0], "del-if")) &&
	       n == 3)))
		return print_dp_help(stderr), 2;
	if (dpctl_open(&c))
		return 1;
	if (is_flow_cmd(args[0], n))
		r = run_flow_cmd(&c, args, json, clear);
	else if (!strcmp(args[0], "show"))
		r = show(&c, n == 2 ? args[1] : NULL, json);
	else if (!strcmp(args[0], "add-dp"))
		r = add_dp(&c, args[1]);
	else if (!strcmp(args[0], "del-dp"))
		r = del_dp(&c, args[1]);
	else if (!strcmp(args[0], "add-if"))
		r = add_if(&c, args[1], args[2]);
	else
		r = del_if(&c, args[1], args[2]);
	dpctl_close(&c);
	return r;
}
