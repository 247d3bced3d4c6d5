/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * Why: kvirt_dp's addition to the OVS datapath ABI (linux/openvswitch.h),
 * which has no way to see the megaflow masks: the "kvirt_dp_mask" generic
 * netlink family dumps a datapath's masks in the order lookups try them,
 * each with its flows and the packets that hit them.
 */
#ifndef _UAPI_LINUX_KVIRT_DP_H
#define _UAPI_LINUX_KVIRT_DP_H

#define KVIRT_DP_MASK_FAMILY	"kvirt_dp_mask"
#define KVIRT_DP_MASK_VERSION	1

/*
 * Requests and replies start with struct ovs_header; its dp_ifindex names
 * the datapath.
 */
enum kvirt_dp_mask_cmd {
	KVIRT_DP_MASK_CMD_UNSPEC,
	KVIRT_DP_MASK_CMD_GET,		/* dump only: one reply per mask */
	__KVIRT_DP_MASK_CMD_MAX
};

#define KVIRT_DP_MASK_CMD_MAX (__KVIRT_DP_MASK_CMD_MAX - 1)

/**
 * enum kvirt_dp_mask_attr - attributes of a mask
 * @KVIRT_DP_MASK_ATTR_INDEX: u32, its position in lookup order, from 0
 * @KVIRT_DP_MASK_ATTR_KEY: nested OVS_KEY_ATTR_*, the masked key of one
 *	of its flows, which says which fields the mask has (as
 *	OVS_FLOW_ATTR_KEY does for OVS_FLOW_ATTR_MASK)
 * @KVIRT_DP_MASK_ATTR_MASK: nested OVS_KEY_ATTR_*, the mask
 * @KVIRT_DP_MASK_ATTR_FLOWS: u32, flows using it
 * @KVIRT_DP_MASK_ATTR_HITS: u64, packets that matched one of its flows
 * @KVIRT_DP_MASK_ATTR_PAD: alignment of the u64
 */
enum kvirt_dp_mask_attr {
	KVIRT_DP_MASK_ATTR_UNSPEC,
	KVIRT_DP_MASK_ATTR_INDEX,
	KVIRT_DP_MASK_ATTR_KEY,
	KVIRT_DP_MASK_ATTR_MASK,
	KVIRT_DP_MASK_ATTR_FLOWS,
	KVIRT_DP_MASK_ATTR_HITS,
	KVIRT_DP_MASK_ATTR_PAD,
	__KVIRT_DP_MASK_ATTR_MAX
};

#define KVIRT_DP_MASK_ATTR_MAX (__KVIRT_DP_MASK_ATTR_MAX - 1)

#endif /* _UAPI_LINUX_KVIRT_DP_H */
