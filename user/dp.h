/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: the generic netlink plumbing of "kvirt dp" (dp.c): opening the OVS
 * families, building a request and waiting for its answers, shared with
 * show-masks (dp_masks.c) so that both speak to the datapath one way.
 */
#ifndef KVIRT_USER_DP_H
#define KVIRT_USER_DP_H

#include <netlink/genl/genl.h>
#include <stdbool.h>
#include <stdint.h>

struct dpctl {
	struct nl_sock *sk;
	int dp_family;
	int vport_family;
	int flow_family;
	int err;		/* of the last request, a negative errno */
	bool done;
	char msg[256];		/* its extack message */
};

/* 0, or -1 with a message on stderr. */
int dpctl_open(struct dpctl *c);
void dpctl_close(struct dpctl *c);
/* A request with an ovs_header to @family, or NULL. */
struct nl_msg *dpctl_request(int family, uint8_t version, uint8_t cmd,
			     int flags, int dp_ifindex);
/* Send @m (freed) and call @fn for each answer: 0 or a negative errno. */
int dpctl_transact(struct dpctl *c, struct nl_msg *m, nl_recvmsg_msg_cb_t fn,
		   void *arg);
/* An answer's attributes into @tb, its dp_ifindex into @dp_ifindex. */
struct nlattr **dpctl_parse(struct nl_msg *m, struct nlattr **tb, int max,
			    int *dp_ifindex);

#endif /* KVIRT_USER_DP_H */
