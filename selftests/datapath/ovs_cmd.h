/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: the requests ovs-vswitchd makes of a datapath, as one-line calls,
 * so that each test reads as the conversation it checks; the same calls
 * run against kvirt_dp.ko and openvswitch.ko.
 */
#ifndef KVIRT_DP_OVS_CMD_H
#define KVIRT_DP_OVS_CMD_H

#include "nl_util.h"

/* A client: a netlink socket and the four families as resolved on it. */
struct dpc {
	struct nlu s;
	struct ovs_families f;
};

/* Features userspace does not know: OVS_DP_ATTR_USER_FEATURES absent. */
#define NO_FEATURES (-1LL)

int dpc_open(struct dpc *c);
void dpc_close(struct dpc *c);

/* Each returns 0 or -errno; @reply (may be NULL) gets the echo or reply. */
int dp_new(struct dpc *c, const char *name, uint32_t pid, long long features,
	   struct nlu_msg *reply);
int dp_get(struct dpc *c, const char *name, int dp_ifindex,
	   struct nlu_msg *reply);
int dp_set(struct dpc *c, const char *name, long long features,
	   struct nlu_msg *reply);
int dp_del(struct dpc *c, const char *name);
int vport_new(struct dpc *c, int dp_ifindex, const char *name, uint32_t type,
	      uint32_t pid, struct nlu_msg *reply);
int vport_get(struct dpc *c, int dp_ifindex, const char *name,
	      struct nlu_msg *reply);
int vport_get_no(struct dpc *c, int dp_ifindex, uint32_t port_no,
		 struct nlu_msg *reply);
int vport_del(struct dpc *c, const char *name);

/* An attribute of a reply: its u32, or -1 if absent. */
long long reply_u32(const struct nlu_msg *m, int type);
const struct nlattr *reply_attr(const struct nlu_msg *m, int type);
int ifindex_of(const char *name);

#endif /* KVIRT_DP_OVS_CMD_H */
