// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: OVS_PACKET_CMD_EXECUTE, userspace's way to send a packet through
 * a list of actions (ovs-vswitchd does it for the packet of every upcall
 * it handled, for OpenFlow packet-outs and for feature probes).
 */
#include "datapath.h"

/**
 * kvirt_dp_packet_cmd_execute() - the doit of OVS_PACKET_CMD_EXECUTE
 * @skb: the request
 * @info: its attributes
 *
 * Return: -EOPNOTSUPP until packet execution lands.
 */
int kvirt_dp_packet_cmd_execute(struct sk_buff *skb, struct genl_info *info)
{
	NL_SET_ERR_MSG_MOD(info->extack,
			   "packet execution is not implemented yet");
	return -EOPNOTSUPP;
}
