// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: "kvirt dp" manages kvirt_dp.ko's datapaths and ports from the shell,
 * the way ovs-dpctl does, over the same genetlink families ovs-vswitchd
 * uses (linux/openvswitch.h): add-dp, del-dp, add-if, del-if and show
 * (with --json for scripts). Flows come with the datapath's flow table.
 */
#include <errno.h>
#include <linux/openvswitch.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvirt.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

#define MAX_DPS 64
#define MAX_PORTS 256

struct dpctl {
	struct nl_sock *sk;
	int dp_family;
	int vport_family;
	int err;		/* of the last request, a negative errno */
	bool done;
	char msg[256];		/* its extack message */
};

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

static int dpctl_open(struct dpctl *c)
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
	if (c->dp_family < 0 || c->vport_family < 0) {
		fprintf(stderr, "kvirt dp: no %s family\n", OVS_DATAPATH_FAMILY);
		return -1;
	}
	return 0;
}

static void dpctl_close(struct dpctl *c)
{
	nl_socket_free(c->sk);
}

static struct nl_msg *request(struct dpctl *c, bool vport, uint8_t cmd,
			      int flags, int dp_ifindex)
{
	struct nl_msg *m = nlmsg_alloc();
	struct ovs_header *oh;

	if (!m)
		return NULL;
	oh = genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ,
			 vport ? c->vport_family : c->dp_family, sizeof(*oh),
			 flags, cmd,
			 vport ? OVS_VPORT_VERSION : OVS_DATAPATH_VERSION);
	if (!oh) {
		nlmsg_free(m);
		return NULL;
	}
	oh->dp_ifindex = dp_ifindex;
	return m;
}

/* Send @m (freed) and call @fn for each answer: 0 or a negative errno. */
static int transact(struct dpctl *c, struct nl_msg *m, nl_recvmsg_msg_cb_t fn,
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

static struct nlattr **parse(struct nl_msg *m, struct nlattr **tb, int max,
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
	parse(m, tb, OVS_DP_ATTR_MAX, &dp->ifindex);
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
	parse(m, tb, OVS_VPORT_ATTR_MAX, NULL);
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
	err = transact(c, m, add_dp_info, dps);
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
	err = transact(c, m, add_dp_info, dps);
	if (err)
		return fail(c, only ? only : "datapaths", err);
	for (n = 0; n < MAX_DPS && dps[n].name[0]; n++) {
		m = request(c, true, OVS_VPORT_CMD_GET, NLM_F_DUMP,
			    dps[n].ifindex);
		err = transact(c, m, add_port_info, &dps[n]);
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
	err = transact(c, m, NULL, NULL);
	return err ? fail(c, name, err) : 0;
}

static int del_dp(struct dpctl *c, const char *name)
{
	struct nl_msg *m = request(c, false, OVS_DP_CMD_DEL, 0, 0);
	int err;

	if (m)
		nla_put_string(m, OVS_DP_ATTR_NAME, name);
	err = transact(c, m, NULL, NULL);
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
	err = transact(c, m, NULL, NULL);
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
	err = transact(c, m, NULL, NULL);
	return err ? fail(c, name, err) : 0;
}

static void print_dp_help(FILE *out)
{
	fprintf(out,
		"usage: kvirt dp add-dp DP\n"
		"       kvirt dp del-dp DP\n"
		"       kvirt dp add-if DP IFNAME[,type=internal]\n"
		"       kvirt dp del-if DP IFNAME\n"
		"       kvirt dp show [--json] [DP]\n");
}

int cmd_dp(int argc, char **argv)
{
	struct dpctl c;
	bool json = false;
	int r, i, n = 0;
	char *args[4];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return print_dp_help(stdout), 0;
		else if (n < 4)
			args[n++] = argv[i];
		else
			return print_dp_help(stderr), 2;
	}
	if (!n || (json && strcmp(args[0], "show")))
		return print_dp_help(stderr), 2;
	if (!((!strcmp(args[0], "show") && n <= 2) ||
	      ((!strcmp(args[0], "add-dp") || !strcmp(args[0], "del-dp")) &&
	       n == 2) ||
	      ((!strcmp(args[0], "add-if") || !strcmp(args[0], "del-if")) &&
	       n == 3)))
		return print_dp_help(stderr), 2;
	if (dpctl_open(&c))
		return 1;
	if (!strcmp(args[0], "show"))
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
