// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the one-line datapath requests of the selftests (see ovs_cmd.h).
 */
#include <net/if.h>
#include <string.h>

#include "ovs_cmd.h"

int dpc_open(struct dpc *c)
{
	int err = nlu_open(&c->s);

	if (err)
		return err;
	err = ovs_resolve(&c->s, &c->f);
	if (err)
		nlu_close(&c->s);
	return err;
}

void dpc_close(struct dpc *c)
{
	nlu_close(&c->s);
}

static struct nlu_msg req;

int dp_new(struct dpc *c, const char *name, uint32_t pid, long long features,
	   struct nlu_msg *reply)
{
	nlu_init(&req, c->f.dp.id, NLM_F_ECHO, OVS_DP_CMD_NEW,
		 OVS_DATAPATH_VERSION, 0);
	nlu_put_str(&req, OVS_DP_ATTR_NAME, name);
	nlu_put_u32(&req, OVS_DP_ATTR_UPCALL_PID, pid);
	if (features != NO_FEATURES)
		nlu_put_u32(&req, OVS_DP_ATTR_USER_FEATURES, features);
	return nlu_request(&c->s, &req, reply);
}

int dp_get(struct dpc *c, const char *name, int dp_ifindex,
	   struct nlu_msg *reply)
{
	nlu_init(&req, c->f.dp.id, 0, OVS_DP_CMD_GET, OVS_DATAPATH_VERSION,
		 dp_ifindex);
	if (name)
		nlu_put_str(&req, OVS_DP_ATTR_NAME, name);
	return nlu_request(&c->s, &req, reply);
}

int dp_set(struct dpc *c, const char *name, long long features,
	   struct nlu_msg *reply)
{
	nlu_init(&req, c->f.dp.id, NLM_F_ECHO, OVS_DP_CMD_SET,
		 OVS_DATAPATH_VERSION, 0);
	nlu_put_str(&req, OVS_DP_ATTR_NAME, name);
	if (features != NO_FEATURES)
		nlu_put_u32(&req, OVS_DP_ATTR_USER_FEATURES, features);
	return nlu_request(&c->s, &req, reply);
}

int dp_del(struct dpc *c, const char *name)
{
	nlu_init(&req, c->f.dp.id, 0, OVS_DP_CMD_DEL, OVS_DATAPATH_VERSION,
		 0);
	nlu_put_str(&req, OVS_DP_ATTR_NAME, name);
	return nlu_request(&c->s, &req, NULL);
}

int vport_new(struct dpc *c, int dp_ifindex, const char *name, uint32_t type,
	      uint32_t pid, struct nlu_msg *reply)
{
	nlu_init(&req, c->f.vport.id, NLM_F_ECHO, OVS_VPORT_CMD_NEW,
		 OVS_VPORT_VERSION, dp_ifindex);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, name);
	nlu_put_u32(&req, OVS_VPORT_ATTR_TYPE, type);
	nlu_put_u32(&req, OVS_VPORT_ATTR_UPCALL_PID, pid);
	return nlu_request(&c->s, &req, reply);
}

int vport_get(struct dpc *c, int dp_ifindex, const char *name,
	      struct nlu_msg *reply)
{
	nlu_init(&req, c->f.vport.id, 0, OVS_VPORT_CMD_GET, OVS_VPORT_VERSION,
		 dp_ifindex);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, name);
	return nlu_request(&c->s, &req, reply);
}

int vport_get_no(struct dpc *c, int dp_ifindex, uint32_t port_no,
		 struct nlu_msg *reply)
{
	nlu_init(&req, c->f.vport.id, 0, OVS_VPORT_CMD_GET, OVS_VPORT_VERSION,
		 dp_ifindex);
	nlu_put_u32(&req, OVS_VPORT_ATTR_PORT_NO, port_no);
	return nlu_request(&c->s, &req, reply);
}

int vport_del(struct dpc *c, const char *name)
{
	nlu_init(&req, c->f.vport.id, 0, OVS_VPORT_CMD_DEL, OVS_VPORT_VERSION,
		 0);
	nlu_put_str(&req, OVS_VPORT_ATTR_NAME, name);
	return nlu_request(&c->s, &req, NULL);
}

const struct nlattr *reply_attr(const struct nlu_msg *m, int type)
{
	const struct nlattr *tb[64];

	if (!m->nh.nlmsg_len)
		return NULL;
	nlu_parse_msg(m, tb, 63);
	return tb[type];
}

long long reply_u32(const struct nlu_msg *m, int type)
{
	const struct nlattr *a = reply_attr(m, type);

	return a && nlu_len(a) >= 4 ? nlu_u32(a) : -1;
}

/*
 * Not if_nametoindex(): for a missing name its ioctl asks modprobe for a
 * "netdev-NAME" module, which takes seconds in the lab. if_nameindex()
 * dumps the links of the caller's network namespace over rtnetlink.
 */
int ifindex_of(const char *name)
{
	struct if_nameindex *all, *i;
	int ifindex = 0;

	all = if_nameindex();
	if (!all)
		return 0;
	for (i = all; i->if_index; i++) {
		if (!strcmp(i->if_name, name)) {
			ifindex = i->if_index;
			break;
		}
	}
	if_freenameindex(all);
	return ifindex;
}
